"""Classroom load on the app's server, measured with clients that cost almost nothing.

Each simulated student is a websocket client that speaks Streamlit's own protocol
(the protobuf messages that ship with Streamlit), like the browser frontend does, but
draws nothing: so the server's capacity is measured apart from the browsers'.

Run it from the repository root::

    .venv/bin/python benchmarks/bench_classroom.py --sessions 10 --duration 120
    .venv/bin/python benchmarks/bench_classroom.py --sessions 30 --duration 180 --cooldown 60
    .venv/bin/python benchmarks/bench_classroom.py --ramp 5,10,20,30 --duration 120 --json out.json
    .venv/bin/python benchmarks/bench_classroom.py --sessions 30 --url http://host:8080 \\
        --replica-header X-Replica --server-pid 1234
    .venv/bin/python benchmarks/bench_classroom.py --sessions 2 --duration 30 --think 1,3  # smoke

Without ``--url`` it starts ``python serve.py --server.port <free port>
--server.headless true`` itself (the same Python that runs this script), waits for
``/_stcore/health``, warms the server up with one unmeasured session, runs the
classroom, and stops the server at the end (its log is kept in a temporary file,
whose path is printed). With ``--url`` it aims at a running server or a proxy in
front of several replicas.

What a client does (the frontend's handshake)
---------------------------------------------
1. ``GET <url>/`` (the page) and ``GET <url>/_stcore/health``: the server sets the
   ``_streamlit_xsrf`` cookie (XSRF protection is on in this app), a proxy may set a
   stickiness cookie. Every cookie is sent back on the websocket upgrade and on uploads.
2. Opens ``<url>/_stcore/stream`` with the subprotocols ``streamlit, <xsrf token>``
   (the second entry carries the token, as the frontend does) and an ``Origin`` header.
3. Sends a ``rerun_script`` BackMsg (an empty page name: the app's home, Compare) and
   reads ForwardMsgs until ``script_finished``. The deltas (``delta_path`` → element or
   block) are kept in a model of the page, stale elements are dropped at the end of
   each run, as the frontend does (only inside the fragment after a fragment run);
   widgets are found there by type and label, with their widget ids and fragment ids.
   Messages that Streamlit marks cacheable are kept by hash, announced in
   ``cached_message_hashes`` of every rerun and resolved when the server sends a
   ``ref_hash`` in their place (unchanged pictures are then not sent again); as in the
   frontend, an entry unused for more than ``maxCachedMessageAge`` runs (2) is dropped.
   Long strings and bytes (pictures, scripts) are dropped from the kept messages: the
   clients only need labels, ids and alert texts.
4. Presses widgets with a ``rerun_script`` BackMsg that carries every current widget
   value plus the change: a button is a ``trigger_value``; a selectbox or radio is a
   ``string_value`` with the option's label (Streamlit 1.67 sends formatted options,
   not indices). A widget inside an ``st.fragment`` (the Compare page's workbench:
   quick picks, Flip 180°, Transpose) is pressed with ``ClientState.fragment_id`` set
   to the fragment of its delta, so only the fragment reruns (``--full-reruns``
   sends full-app reruns instead, for comparison).
5. Uploads like the file uploader: a ``file_urls_request`` BackMsg, the
   ``file_urls_response`` ForwardMsg, an HTTP ``PUT`` (multipart, ``X-Xsrftoken``
   header) to the returned upload URL, then a rerun whose ``file_uploader_state_value``
   describes the file.

A student
---------
Opens Compare; ``--uploads-per-30`` sessions out of every 30 (default 3, rounded half
up; chosen at random) first switch the sidebar's image source to "Upload" and upload
a 12-megapixel JPEG (4000×3000, smooth noise, gradients and a fine grain, quality 90,
made once in memory; each upload gets its own comment segment so the app cannot
reuse another student's decoded image). Then, until ``--duration`` is over: think
for 5–15 s (uniform, seeded), then one action, chosen with these weights:

* quick pick (4): one of the buttons "Gaussian /273", "Emboss", "Sobel x",
  "Shifted impulse", "Random";
* flip/transpose (2): the "Flip 180°" or "Transpose" button;
* option (2.5): another value of the sidebar's "Boundary" or "Output size"
  selectbox or "Precision" radio (full-app reruns);
* teaching pages (1.5): go to "Algebra", then "Step through", then back to Compare
  (2–5 s on each page; three records).

Sessions start at random moments within the first ``--stagger`` seconds (default 10).
A session that sees an error or a timeout reconnects (a new session, like reloading
the page) and goes on.

What the figures mean
---------------------
* **latency** (p50, p95, max, in seconds): from sending the BackMsg to receiving the
  ``script_finished`` of that run (reruns the script asks for itself, such as
  ``st.rerun``, are followed to the last one). For "open Compare" it runs from the
  first HTTP request; for "upload 12 MP" from the ``file_urls_request``, so it includes
  the PUT (whose own time is in the JSON output).
* **kernel change**: quick picks and flip/transpose together; the knee of a ramp is the
  smallest session count at which their p95 passes 2 s.
* **MB in**: median megabytes the client received per action (after ``ref_hash``
  savings; the websocket is not compressed: Streamlit does not enable it by default).
* **errors**: any ForwardMsg with an exception element, an error alert whose body is
  not one of the app's expected user messages, a page-not-found message, a failed
  script, a disconnect, a failed HTTP request, or no ``script_finished`` within 60 s.
* **wrong states**: the page after the action is not what the action should give.
  On Compare, the verdict alert must exist and match the kernel: ``st.success`` with
  "The kernel is symmetric…" after "Gaussian /273", ``st.warning`` with "The kernel is
  not symmetric…" after "Emboss", "Sobel x", "Shifted impulse" and "Random"; flip and
  transpose keep the symmetry (checked after every action that ends on Compare). An
  option must show its new value; a page visit must end on that page; an upload must
  show "(original 4000×3000)" in the sidebar.
* **RSS**: resident memory of the server process and its children, sampled every 0.5 s
  with psutil from outside: before the sessions start, its peak during them, right after
  they have disconnected, and after ``--cooldown`` seconds (Streamlit keeps a
  disconnected session's state for ``server.disconnectedSessionTTL``, 120 s by
  default). With ``--url`` only when ``--server-pid`` names the server.
* **CPU**: the server's CPU time over the stage's wall time (2.0 = both cores of a
  2-core machine busy), and the same for this script's clients, to show they stay
  cheap. The load average (``os.getloadavg``) is printed at start and end.
* **server log**: tracebacks and "Unexpected error" lines the server logged while the
  benchmark ran (the app logs unexpected errors there and shows users a short message).
* **replicas** (``--url``): each client records the value of ``--replica-header``
  (or, without it, of ``X-Workbench-Replica``, set by ``deploy/haproxy.cfg`` and
  ``deploy/nginx.conf``, or a few common names) on the HTTP responses
  and the websocket upgrade; sessions that saw more than one value are reported, as
  are upload requests refused with "Invalid session_id" (what Streamlit answers when a
  PUT reaches a replica that does not hold the session: no stickiness).

Progress goes to stderr; the tables go to stdout as Markdown. ``--json PATH`` also
writes every action record, the per-stage summaries and the RSS samples.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import io
import json
import math
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import psutil
import requests
from PIL import Image
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

REPO = Path(__file__).resolve().parents[1]

TIMEOUT_S = 60.0
KNEE_P95_S = 2.0
THINK_S = (5.0, 15.0)
DWELL_S = (2.0, 5.0)
HOME_PAGE = "Compare"
TEACHING_PAGES = ("Algebra", "Step through")
#: Quick-pick buttons and whether their kernel is symmetric under a 180° rotation.
QUICK_PICKS = {
    "Gaussian /273": True,
    "Emboss": False,
    "Sobel x": False,
    "Shifted impulse": False,
    "Random": False,
}
ORIENTATION_BUTTONS = ("Flip 180°", "Transpose")  # both keep the 180° symmetry
OPTION_WIDGETS = (("selectbox", "Boundary"), ("selectbox", "Output size"), ("radio", "Precision"))
ACTION_WEIGHTS = {"quick pick": 4.0, "flip/transpose": 2.0, "option": 2.5, "teaching pages": 1.5}
KERNEL_ACTIONS = ("quick pick", "flip/transpose")
VERDICT_SYMMETRIC = "The kernel is symmetric"
VERDICT_ASYMMETRIC = "The kernel is not symmetric"
#: Error alerts the app shows for a user's own input: not counted as errors.
EXPECTED_ERRORS = (
    re.compile(r"^Kernel values must lie within"),
    re.compile(r"^Every cell needs a number"),
)
SOURCE_RADIO = "Source"
UPLOADER = "Upload an image"
PHOTO_SIZE = (4000, 3000)
PHOTO_NAME = "classroom-photo.jpg"
COMMON_REPLICA_HEADERS = ("X-Workbench-Replica", "X-Replica", "X-Served-By", "X-Backend-Server")

SCRIPT_FINISHED = ForwardMsg.ScriptFinishedStatus
FINAL_STATUSES = {
    SCRIPT_FINISHED.FINISHED_SUCCESSFULLY,
    SCRIPT_FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
    SCRIPT_FINISHED.FINISHED_WITH_COMPILE_ERROR,
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------
# The upload: a 12-megapixel JPEG made once
# ----------------------------------------------------------------------------


def make_photo(size: tuple[int, int] = PHOTO_SIZE, seed: int = 0) -> bytes:
    """A photo-like JPEG: smooth colour noise, gradients and a fine grain, quality 90."""
    width, height = size
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, size=(height // 150 + 2, width // 150 + 2, 3), dtype=np.uint8)
    smooth = np.asarray(
        Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC),
        dtype=np.float32,
    )
    x = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    smooth *= 0.6
    smooth[..., 0] += 100.0 * x
    smooth[..., 1] += 100.0 * y
    smooth[..., 2] += 50.0 * (x + y)
    smooth += rng.normal(0.0, 4.0, size=(height, width, 1)).astype(np.float32)
    pixels = np.clip(smooth, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def personalised(photo: bytes, note: str) -> bytes:
    """The same JPEG with a comment segment: other bytes, the same decoding work."""
    comment = note.encode()[:1000]
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return photo[:2] + segment + photo[2:]


# ----------------------------------------------------------------------------
# The page model: delta paths to elements and blocks
# ----------------------------------------------------------------------------

SLIM_BYTES = 4096


def slim(message: Any) -> None:
    """Clear the long strings and bytes of a message (pictures, scripts): the model does
    not need them, and 30 clients would otherwise hold 30 copies of every page."""
    for field, value in message.ListFields():
        if field.message_type is not None:
            if field.message_type.GetOptions().map_entry:
                continue
            for item in value if field.is_repeated else (value,):
                slim(item)
        elif (isinstance(value, (str, bytes)) and len(value) > SLIM_BYTES) or (
            field.is_repeated
            and value
            and isinstance(value[0], (str, bytes))
            and sum(len(v) for v in value) > SLIM_BYTES
        ):
            message.ClearField(field.name)


@dataclasses.dataclass
class Node:
    proto: Any  # an Element or a Block
    is_block: bool
    fragment_id: str
    run: int

    @property
    def kind(self) -> str | None:
        return None if self.is_block else self.proto.WhichOneof("type")

    @property
    def element(self) -> Any:
        return getattr(self.proto, self.proto.WhichOneof("type"))


class PageModel:
    """What the frontend would draw: elements and blocks by delta path."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[int, ...], Node] = {}

    def apply(self, path: tuple[int, ...], delta: Any, run: int) -> None:
        kind = delta.WhichOneof("type")
        if kind == "new_element":
            old = self.nodes.get(path)
            if old is not None and old.is_block:
                self._drop_below(path)
            self.nodes[path] = Node(delta.new_element, False, delta.fragment_id, run)
        elif kind == "add_block":
            old = self.nodes.get(path)
            if old is not None and not old.is_block:
                self._drop_below(path)
            self.nodes[path] = Node(delta.add_block, True, delta.fragment_id, run)

    def _drop_below(self, path: tuple[int, ...]) -> None:
        depth = len(path)
        for other in [p for p in self.nodes if len(p) > depth and p[:depth] == path]:
            del self.nodes[other]

    def prune(self, run: int, fragment_ids: set[str] | None) -> None:
        """Drop what the last run did not send (inside ``fragment_ids`` after a fragment run)."""
        for path, node in list(self.nodes.items()):
            if node.run == run:
                continue
            if fragment_ids is None or node.fragment_id in fragment_ids:
                del self.nodes[path]

    def clear(self) -> None:
        self.nodes.clear()

    def elements(self, kind: str | None = None, container: int | None = None):
        for path, node in sorted(self.nodes.items()):
            if node.is_block or (container is not None and path[0] != container):
                continue
            if kind is None or node.kind == kind:
                yield path, node

    def widget(self, kind: str, label: str) -> Node | None:
        for _, node in self.elements(kind):
            if node.element.label == label:
                return node
        return None

    def widget_ids(self) -> set[str]:
        ids = set()
        for _, node in self.elements():
            element = node.element
            widget_id = getattr(element, "id", "") if hasattr(element, "id") else ""
            if widget_id:
                ids.add(widget_id)
        return ids

    def alerts(self, container: int | None = None) -> list[Any]:
        return [node.element for _, node in self.elements("alert", container)]

    def texts(self, container: int | None = None) -> list[str]:
        return [node.element.body for _, node in self.elements("text", container)]


# ----------------------------------------------------------------------------
# One client
# ----------------------------------------------------------------------------


class ClientError(Exception):
    """A failed action: a disconnect, a timeout, a missing widget or a refused request."""


@dataclasses.dataclass
class Outcome:
    latency: float
    errors: list[str]
    bytes_in: int
    messages: int
    status: int
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


class Client:
    """One browser tab, minus the drawing."""

    def __init__(
        self,
        base_url: str,
        *,
        replica_headers: tuple[str, ...],
        full_reruns: bool = False,
    ) -> None:
        parts = urlsplit(base_url.rstrip("/"))
        self.base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        ws_scheme = "wss" if parts.scheme == "https" else "ws"
        self.ws_url = urlunsplit((ws_scheme, parts.netloc, parts.path + "/_stcore/stream", "", ""))
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.replica_headers = replica_headers
        self.full_reruns = full_reruns
        self.http = requests.Session()
        self.http.trust_env = False
        self.ws: Any = None
        self.reader: asyncio.Task | None = None
        self.reset()
        self.replicas: list[str] = []

    def reset(self) -> None:
        self.model = PageModel()
        self.states: dict[str, WidgetState] = {}
        # hash -> [ForwardMsg, run count when last used, fragment id], as the frontend keeps it
        self.cache: dict[str, list[Any]] = {}
        self.max_cache_age = 2
        self.run_count = 0
        self.new_session_seen = False
        self.run = 0
        self.session_id = ""
        self.page_hash = ""
        self.pages: dict[str, str] = {}
        self.query_string = ""
        self.pending: dict[str, Any] | None = None
        self.url_requests: dict[str, asyncio.Future] = {}
        self.closed = True
        self.xsrf = None

    # -- connection -----------------------------------------------------------

    def _note_replica(self, headers: Any) -> None:
        for name in self.replica_headers:
            value = headers.get(name)
            if value:
                if not self.replicas or self.replicas[-1] != value:
                    self.replicas.append(value)
                return

    def _get(self, path: str) -> requests.Response:
        response = self.http.get(self.base + path, timeout=TIMEOUT_S)
        self._note_replica(response.headers)
        response.raise_for_status()
        return response

    def _cookie_header(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.http.cookies)

    async def open(self) -> Outcome:
        """Load the page, connect and run the home page; the latency counts from the GET."""
        start = time.perf_counter()
        try:
            await asyncio.to_thread(self._get, "/")
            await asyncio.to_thread(self._get, "/_stcore/health")
        except requests.RequestException as exc:
            raise ClientError(f"HTTP: {type(exc).__name__}: {str(exc)[:120]}") from exc
        self.xsrf = self.http.cookies.get("_streamlit_xsrf")
        subprotocols = ["streamlit", self.xsrf] if self.xsrf else ["streamlit"]
        try:
            self.ws = await connect(
                self.ws_url,
                subprotocols=subprotocols,
                origin=self.origin,
                additional_headers={"Cookie": self._cookie_header()},
                max_size=None,
                proxy=None,
                open_timeout=TIMEOUT_S,
            )
        except (TimeoutError, OSError, WebSocketException) as exc:
            raise ClientError(f"websocket: {type(exc).__name__}: {str(exc)[:120]}") from exc
        self._note_replica(self.ws.response.headers)
        self.closed = False
        self.reader = asyncio.create_task(self._read())
        outcome = await self.rerun(page_name="", start=start)
        return outcome

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(OSError, WebSocketException, asyncio.TimeoutError):
                await asyncio.wait_for(self.ws.close(), 10)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.reader
        self.ws = None
        self.reader = None
        self.closed = True

    async def reconnect(self) -> Outcome:
        await self.close()
        self.reset()
        return await self.open()

    # -- receiving ------------------------------------------------------------

    async def _read(self) -> None:
        reason = "closed by the server"
        try:
            async for data in self.ws:
                self._handle(data)
        except ConnectionClosed as exc:
            reason = f"closed ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
        except Exception as exc:  # a protocol problem: report it on the pending action
            reason = f"reader failed: {type(exc).__name__}: {exc}"
        self.closed = True
        failure = ClientError(f"disconnect: {reason}")
        if self.pending is not None and not self.pending["future"].done():
            self.pending["future"].set_exception(failure)
        for future in self.url_requests.values():
            if not future.done():
                future.set_exception(failure)

    def _note_error(self, message: str) -> None:
        if self.pending is not None:
            self.pending["errors"].append(message)

    def _handle(self, data: bytes) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(data)
        if len(data) > SLIM_BYTES:
            slim(msg.delta)
        if self.pending is not None:
            self.pending["bytes"] += len(data)
            self.pending["messages"] += 1
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            entry = self.cache.get(msg.ref_hash)
            if entry is None:
                self._note_error("protocol: a ref_hash the client does not hold")
                return
            entry[1] = self.run_count
            resolved = ForwardMsg()
            resolved.CopyFrom(entry[0])
            resolved.metadata.CopyFrom(msg.metadata)
            msg, kind = resolved, resolved.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            if msg.hash in self.cache:
                self.cache[msg.hash][1] = self.run_count
            else:
                self.cache[msg.hash] = [msg, self.run_count, msg.delta.fragment_id]

        if kind == "new_session":
            session = msg.new_session
            self.session_id = session.initialize.session_id or self.session_id
            self.page_hash = session.page_script_hash
            if session.config.max_cached_message_age:
                self.max_cache_age = session.config.max_cached_message_age
            self.run += 1
            self.new_session_seen = True
        elif kind == "navigation":
            self.pages = {
                page.page_name: page.page_script_hash for page in msg.navigation.app_pages
            }
            if msg.navigation.page_script_hash:
                self.page_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "delta":
            path = tuple(msg.metadata.delta_path)
            self.model.apply(path, msg.delta, self.run)
            if msg.delta.WhichOneof("type") == "new_element":
                self._check_element(msg.delta.new_element)
        elif kind == "page_not_found":
            self._note_error(f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "session_event":
            event = msg.session_event.WhichOneof("type")
            if event == "script_compilation_exception":
                exc = msg.session_event.script_compilation_exception
                self._note_error(f"script compilation: {exc.type}: {exc.message[:120]}")
        elif kind == "file_urls_response":
            future = self.url_requests.pop(msg.file_urls_response.response_id, None)
            if future is not None and not future.done():
                future.set_result(msg.file_urls_response)
        elif kind == "script_finished":
            self._finished(msg)

    def _check_element(self, element: Any) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            exc = element.exception
            self._note_error(f"exception: {exc.type}: {exc.message[:120]}")
        elif kind == "alert" and element.alert.format == Alert.Format.ERROR:
            body = element.alert.body
            if not any(pattern.search(body) for pattern in EXPECTED_ERRORS):
                self._note_error(f"error alert: {body[:120]}")

    def _finished(self, msg: ForwardMsg) -> None:
        status = msg.script_finished
        if status == SCRIPT_FINISHED.FINISHED_EARLY_FOR_RERUN:
            self.run += 1  # the script asked for another run: wait for that one
            return
        fragment_ids = set(msg.metadata.run.fragment_ids)
        if status == SCRIPT_FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
            self.model.prune(self.run, fragment_ids)
        elif status == SCRIPT_FINISHED.FINISHED_SUCCESSFULLY:
            self.model.prune(self.run, None)
        else:
            self._note_error("the script failed to compile")
        if self.new_session_seen:
            # The frontend's message cache: one more run; entries unused for more than
            # maxCachedMessageAge runs go (after a fragment run, only that fragment's).
            self.run_count += 1
            for key, (_, used, fragment) in list(self.cache.items()):
                if fragment_ids and fragment not in fragment_ids:
                    continue
                if self.run_count - used > self.max_cache_age:
                    del self.cache[key]
        # Like the frontend: forget the values of widgets that are gone.
        active = self.model.widget_ids()
        self.states = {wid: state for wid, state in self.states.items() if wid in active}
        if self.pending is not None and not self.pending["future"].done():
            self.pending["future"].set_result(status)

    # -- sending --------------------------------------------------------------

    async def _send(self, back: BackMsg) -> None:
        if self.closed or self.ws is None:
            raise ClientError("disconnect: not connected")
        try:
            await self.ws.send(back.SerializeToString())
        except (ConnectionClosed, OSError) as exc:
            raise ClientError(f"disconnect: {type(exc).__name__}") from exc

    async def rerun(
        self,
        changes: tuple[WidgetState, ...] = (),
        *,
        fragment_id: str = "",
        page_hash: str | None = None,
        page_name: str | None = None,
        start: float | None = None,
    ) -> Outcome:
        """Send one rerun request with every widget value; wait for its script_finished."""
        if self.pending is not None:
            raise ClientError("protocol: a run is already pending")
        back = BackMsg()
        state: ClientState = back.rerun_script
        state.query_string = self.query_string if page_hash is None else ""
        state.page_script_hash = self.page_hash if page_hash is None else page_hash
        if page_name is not None:
            state.page_name = page_name
            state.page_script_hash = ""
        if fragment_id and not self.full_reruns:
            state.fragment_id = fragment_id
        values = dict(self.states)
        for change in changes:
            values[change.id] = change
        state.widget_states.widgets.extend(values.values())
        state.cached_message_hashes.extend(self.cache)
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url, info.is_embedded, info.color_scheme = self.base + "/", False, "light"
        for change in changes:
            if change.WhichOneof("value") not in ("trigger_value", "string_trigger_value"):
                self.states[change.id] = change
        self.new_session_seen = False
        future = asyncio.get_running_loop().create_future()
        self.pending = {"future": future, "errors": [], "bytes": 0, "messages": 0}
        start = time.perf_counter() if start is None else start
        try:
            await self._send(back)
            try:
                status = await asyncio.wait_for(asyncio.shield(future), TIMEOUT_S)
            except TimeoutError:
                raise ClientError(f"timeout: no script_finished within {TIMEOUT_S:.0f} s") from None
            latency = time.perf_counter() - start
            pending = self.pending
        finally:
            self.pending = None
        return Outcome(latency, pending["errors"], pending["bytes"], pending["messages"], status)

    def _find(self, kind: str, label: str) -> Node:
        node = self.model.widget(kind, label)
        if node is None:
            raise ClientError(f"missing widget: {kind} {label!r}")
        return node

    async def press(self, label: str) -> Outcome:
        node = self._find("button", label)
        change = WidgetState(id=node.element.id, trigger_value=True)
        return await self.rerun((change,), fragment_id=node.fragment_id)

    def current_option(self, kind: str, label: str) -> str:
        node = self._find(kind, label)
        element = node.element
        stored = self.states.get(element.id)
        if stored is not None and stored.WhichOneof("value") == "string_value":
            return stored.string_value
        if element.HasField("default") and 0 <= element.default < len(element.options):
            return element.options[element.default]
        return ""

    def options(self, kind: str, label: str) -> list[str]:
        return list(self._find(kind, label).element.options)

    async def choose(self, kind: str, label: str, option: str) -> Outcome:
        node = self._find(kind, label)
        change = WidgetState(id=node.element.id, string_value=option)
        return await self.rerun((change,), fragment_id=node.fragment_id)

    async def go_to(self, page: str) -> Outcome:
        page_hash = self.pages.get(page)
        if not page_hash:
            raise ClientError(f"missing page: {page!r} (navigation lists {sorted(self.pages)})")
        return await self.rerun(page_hash=page_hash)

    def _put(self, url: str, name: str, data: bytes) -> float:
        start = time.perf_counter()
        response = self.http.put(
            url,
            files={"file": (name, data, "image/jpeg")},
            headers={"X-Xsrftoken": self.xsrf or "", "Origin": self.origin},
            timeout=TIMEOUT_S,
        )
        self._note_replica(response.headers)
        if response.status_code >= 400:
            raise ClientError(f"upload: HTTP {response.status_code}: {response.text[:160]}")
        return time.perf_counter() - start

    async def upload(self, name: str, data: bytes) -> Outcome:
        """The file uploader's steps: ask for URLs, PUT the file, rerun with its state."""
        node = self._find("file_uploader", UPLOADER)
        start = time.perf_counter()
        request_id = str(uuid.uuid4())
        back = BackMsg()
        back.file_urls_request.request_id = request_id
        back.file_urls_request.session_id = self.session_id
        back.file_urls_request.file_names.append(name)
        future = asyncio.get_running_loop().create_future()
        self.url_requests[request_id] = future
        await self._send(back)
        try:
            response = await asyncio.wait_for(future, TIMEOUT_S)
        except TimeoutError:
            raise ClientError("timeout: no file_urls_response") from None
        finally:
            self.url_requests.pop(request_id, None)
        if response.error_msg or not response.file_urls:
            raise ClientError(f"upload: no upload URL ({response.error_msg[:120]})")
        urls = response.file_urls[0]
        try:
            put_s = await asyncio.to_thread(self._put, self.base + urls.upload_url, name, data)
        except requests.RequestException as exc:
            raise ClientError(f"upload: {type(exc).__name__}: {str(exc)[:120]}") from exc
        change = WidgetState(id=node.element.id)
        info = change.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = name, len(data), urls.file_id
        info.file_urls.CopyFrom(urls)
        outcome = await self.rerun((change,), fragment_id=node.fragment_id, start=start)
        outcome.extra["put_s"] = round(put_s, 3)
        outcome.extra["upload_mb"] = round(len(data) / 1e6, 2)
        return outcome

    # -- what the page shows --------------------------------------------------

    def on_page(self, page: str) -> bool:
        return bool(self.pages) and self.pages.get(page) == self.page_hash

    def verdict_problem(self, symmetric: bool | None) -> str | None:
        """Why the Compare page's verdict does not match the kernel (None: it does)."""
        verdicts = [
            a
            for a in self.model.alerts(container=0)
            if a.body.startswith((VERDICT_SYMMETRIC, VERDICT_ASYMMETRIC))
        ]
        if not verdicts:
            return "no verdict on Compare"
        if len(verdicts) > 1:
            return f"{len(verdicts)} verdicts on Compare"
        if symmetric is None:
            return None
        alert = verdicts[0]
        says_symmetric = alert.body.startswith(VERDICT_SYMMETRIC)
        expected_format = Alert.Format.SUCCESS if symmetric else Alert.Format.WARNING
        if says_symmetric != symmetric:
            want = "symmetric" if symmetric else "not symmetric"
            return f"verdict says {alert.body[:40]!r}…, expected {want}"
        if alert.format != expected_format:
            return f"verdict shown as {Alert.Format.Name(alert.format)}"
        return None


# ----------------------------------------------------------------------------
# Students and the classroom
# ----------------------------------------------------------------------------


@dataclasses.dataclass
class Record:
    stage: int
    sessions: int
    session: int
    action: str
    detail: str
    start: float
    latency: float | None
    bytes_in: int
    errors: list[str]
    wrong_state: str | None
    replica: str | None
    extra: dict[str, Any]


class Classroom:
    """Shared settings and the records of one stage."""

    def __init__(self, args: argparse.Namespace, base_url: str, photo: bytes) -> None:
        self.args = args
        self.base_url = base_url
        self.photo = photo
        self.records: list[Record] = []
        self.sessions_replicas: list[list[str]] = []
        self.stage = 0
        self.stage_sessions = 0
        self.t0 = time.perf_counter()
        if args.replica_header:
            self.replica_headers = (args.replica_header,)
        elif args.url:
            self.replica_headers = COMMON_REPLICA_HEADERS
        else:
            self.replica_headers = ()

    def new_client(self) -> Client:
        return Client(
            self.base_url,
            replica_headers=self.replica_headers,
            full_reruns=self.args.full_reruns,
        )


class Student:
    def __init__(self, room: Classroom, index: int, rng: random.Random, upload: bool) -> None:
        self.room = room
        self.index = index
        self.rng = rng
        self.upload = upload
        self.client = room.new_client()
        self.symmetric: bool | None = True  # the default kernel: Gaussian /273

    async def act(self, action: str, detail: str, step, check=None, recover=True) -> Record:
        """Run one action, time it, check the page, record it; reconnect after a failure."""
        start = time.perf_counter() - self.room.t0
        errors: list[str] = []
        outcome: Outcome | None = None
        wrong = None
        try:
            outcome = await step()
            errors.extend(outcome.errors)
            if check is not None and not errors:
                wrong = check()
        except ClientError as exc:
            errors.append(str(exc))
        record = Record(
            stage=self.room.stage,
            sessions=self.room.stage_sessions,
            session=self.index,
            action=action,
            detail=detail,
            start=round(start, 3),
            latency=None if outcome is None else round(outcome.latency, 4),
            bytes_in=0 if outcome is None else outcome.bytes_in,
            errors=errors,
            wrong_state=wrong,
            replica=self.client.replicas[-1] if self.client.replicas else None,
            extra={} if outcome is None else outcome.extra,
        )
        self.room.records.append(record)
        if recover and errors and (outcome is None or self.client.closed):
            await self.recover()
        return record

    async def recover(self) -> None:
        """Reload the page: a new session on Compare with the sample image."""
        self.symmetric = True
        await self.act(
            "open Compare", "reconnect", self.client.reconnect, self.check_compare, recover=False
        )

    def check_compare(self) -> str | None:
        if not self.client.on_page(HOME_PAGE):
            return "not on Compare"
        return self.client.verdict_problem(self.symmetric)

    async def think(self, bounds: tuple[float, float], deadline: float) -> bool:
        pause = self.rng.uniform(*bounds)
        if time.perf_counter() + pause >= deadline:
            return False
        await asyncio.sleep(pause)
        return True

    # -- actions --------------------------------------------------------------

    async def quick_pick(self) -> None:
        label = self.rng.choice(list(QUICK_PICKS))
        self.symmetric = None  # unknown until the page shows the new kernel

        def check():
            self.symmetric = QUICK_PICKS[label]
            return self.check_compare()

        await self.act("quick pick", label, lambda: self.client.press(label), check)

    async def orientation(self) -> None:
        label = self.rng.choice(ORIENTATION_BUTTONS)
        await self.act(
            "flip/transpose", label, lambda: self.client.press(label), self.check_compare
        )

    async def option(self) -> None:
        kind, label = self.rng.choice(OPTION_WIDGETS)
        try:
            current = self.client.current_option(kind, label)
            choices = [o for o in self.client.options(kind, label) if o != current]
        except ClientError as exc:
            self.room.records.append(self._failed(f"option: {label}", str(exc)))
            return
        option = self.rng.choice(choices)

        def check():
            shown = self.client.current_option(kind, label)
            if shown != option:
                return f"{label} shows {shown!r}, expected {option!r}"
            return self.check_compare()

        await self.act(
            f"option: {label}", option, lambda: self.client.choose(kind, label, option), check
        )

    async def teaching_pages(self, deadline: float) -> None:
        for page in (*TEACHING_PAGES, HOME_PAGE):
            if page == HOME_PAGE:
                action, check = "page: Compare (back)", self.check_compare
            else:

                def check(page=page):
                    return None if self.client.on_page(page) else f"not on {page}"

                action = f"page: {page}"
            record = await self.act(action, page, lambda page=page: self.client.go_to(page), check)
            if record.errors:
                return
            if page != HOME_PAGE:
                await asyncio.sleep(self.rng.uniform(*DWELL_S))

    async def upload_photo(self) -> None:
        record = await self.act(
            "source: Upload",
            "Upload",
            lambda: self.client.choose("radio", SOURCE_RADIO, "Upload"),
            lambda: None if self.client.model.widget("file_uploader", UPLOADER) else "no uploader",
        )
        if record.errors or record.wrong_state:
            return
        data = personalised(self.room.photo, f"student {self.index} stage {self.room.stage}")
        width, height = PHOTO_SIZE

        def check():
            shown = "\n".join(self.client.model.texts(container=1))
            if f"(original {width}×{height})" not in shown:
                return f"sidebar does not show the upload: {shown[:80]!r}"
            return self.check_compare()

        await self.act(
            "upload 12 MP", PHOTO_NAME, lambda: self.client.upload(PHOTO_NAME, data), check
        )

    def _failed(self, action: str, error: str) -> Record:
        return Record(
            self.room.stage,
            self.room.stage_sessions,
            self.index,
            action,
            "",
            round(time.perf_counter() - self.room.t0, 3),
            None,
            0,
            [error],
            None,
            None,
            {},
        )

    async def lesson(self, start_delay: float, deadline: float) -> None:
        await asyncio.sleep(start_delay)
        await self.act("open Compare", "", self.client.open, self.check_compare, recover=False)
        if (
            self.upload
            and not self.client.closed
            and await self.think(self.room.args.think, deadline)
        ):
            await self.upload_photo()
        actions = list(ACTION_WEIGHTS)
        weights = list(ACTION_WEIGHTS.values())
        while await self.think(self.room.args.think, deadline):
            choice = self.rng.choices(actions, weights)[0]
            if self.client.closed:  # the last reconnect failed: try again
                await self.recover()
            elif choice == "quick pick":
                await self.quick_pick()
            elif choice == "flip/transpose":
                await self.orientation()
            elif choice == "option":
                await self.option()
            else:
                await self.teaching_pages(deadline)
        self.room.sessions_replicas.append(list(self.client.replicas))
        await self.client.close()


# ----------------------------------------------------------------------------
# The server and its memory
# ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, log_path: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "serve.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
    ]
    log_file = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command, cwd=REPO, stdout=log_file, stderr=subprocess.STDOUT)
    process.log_file = log_file  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{port}/_stcore/health"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}; see {log_path}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop_server(process)
    raise SystemExit(f"the server did not answer {url} within 90 s; see {log_path}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    process.log_file.close()  # type: ignore[attr-defined]


class Sampler(threading.Thread):
    """RSS (process and children) and CPU time of the server, every 0.5 s."""

    def __init__(self, pid: int | None, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.samples: list[tuple[float, int, float]] = []  # (time, rss bytes, cpu seconds)
        self.stopped = threading.Event()
        self.t0 = time.perf_counter()

    def sample(self) -> tuple[float, int, float] | None:
        if self.pid is None:
            return None
        try:
            root = psutil.Process(self.pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return None
        rss, cpu = 0, 0.0
        for process in processes:
            try:
                rss += process.memory_info().rss
                times = process.cpu_times()
                cpu += times.user + times.system
            except psutil.Error:
                continue
        point = (time.perf_counter() - self.t0, rss, cpu)
        self.samples.append(point)
        return point

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.sample()

    def between(self, start: float, end: float) -> list[tuple[float, int, float]]:
        return [s for s in self.samples if start <= s[0] <= end]


# ----------------------------------------------------------------------------
# One stage and its report
# ----------------------------------------------------------------------------


def uploaders(sessions: int, per_30: float) -> int:
    return min(sessions, math.floor(sessions * per_30 / 30 + 0.5))


async def run_stage(room: Classroom, sessions: int, seed: int) -> float:
    args = room.args
    rng = random.Random(seed * 7919 + sessions)
    uploading = set(rng.sample(range(sessions), uploaders(sessions, args.uploads_per_30)))
    start = time.perf_counter()
    deadline = start + args.duration
    students = [
        Student(room, i, random.Random(seed * 1_000_003 + sessions * 1009 + i), i in uploading)
        for i in range(sessions)
    ]
    await asyncio.gather(
        *(s.lesson(rng.uniform(0, args.stagger), deadline) for s in students),
        return_exceptions=False,
    )
    return time.perf_counter() - start


async def warm_up(room: Classroom) -> list[str]:
    """One unmeasured student: compiles, caches and imports what every page needs."""
    client = room.new_client()
    lines = []
    steps = [
        ("open Compare", client.open),
        ("Emboss", lambda: client.press("Emboss")),
        ("Gaussian /273", lambda: client.press("Gaussian /273")),
        *[(f"page: {p}", lambda p=p: client.go_to(p)) for p in (*TEACHING_PAGES, HOME_PAGE)],
    ]
    for name, step in steps:
        try:
            outcome = await step()
            lines.append(
                f"{name} {outcome.latency:.2f} s" + (" (errors)" if outcome.errors else "")
            )
        except ClientError as exc:
            lines.append(f"{name}: {exc}")
            break
    await client.close()
    return lines


def percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def summarise(records: list[Record]) -> dict[str, dict[str, Any]]:
    order = [
        "open Compare",
        "source: Upload",
        "upload 12 MP",
        "quick pick",
        "flip/transpose",
        "option: Boundary",
        "option: Output size",
        "option: Precision",
        "page: Algebra",
        "page: Step through",
        "page: Compare (back)",
    ]
    groups: dict[str, list[Record]] = {}
    for record in records:
        groups.setdefault(record.action, []).append(record)
    groups["kernel change (all)"] = [r for r in records if r.action in KERNEL_ACTIONS]
    groups["all actions"] = list(records)
    names = [n for n in order if n in groups] + [
        n for n in groups if n not in order and n not in ("kernel change (all)", "all actions")
    ]
    names += ["kernel change (all)", "all actions"]
    summary = {}
    for name in names:
        group = groups[name]
        latencies = [r.latency for r in group if r.latency is not None and not r.errors]
        megabytes = [r.bytes_in / 1e6 for r in group if r.latency is not None]
        summary[name] = {
            "n": len(group),
            "p50_s": percentile(latencies, 50),
            "p95_s": percentile(latencies, 95),
            "max_s": max(latencies) if latencies else None,
            "mb_in_median": percentile(megabytes, 50),
            "errors": sum(1 for r in group if r.errors),
            "wrong_states": sum(1 for r in group if r.wrong_state),
        }
    return summary


def action_table(summary: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| action | n | p50 (s) | p95 (s) | max (s) | MB in (median) | errors | wrong states |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in summary.items():
        bold = name in ("kernel change (all)", "all actions")
        label = f"**{name}**" if bold else name
        lines.append(
            f"| {label} | {row['n']} | {fmt(row['p50_s'])} | {fmt(row['p95_s'])} | "
            f"{fmt(row['max_s'])} | {fmt(row['mb_in_median'])} | {row['errors']} | "
            f"{row['wrong_states']} |"
        )
    return "\n".join(lines)


def count_log_problems(log_path: Path | None, offset: int) -> tuple[int, int, list[str], int]:
    """Tracebacks and 'Unexpected error' lines logged since ``offset``; the new offset."""
    if log_path is None or not log_path.exists():
        return 0, 0, [], offset
    with open(log_path, "rb") as handle:
        handle.seek(offset)
        text = handle.read().decode("utf-8", "replace")
        new_offset = handle.tell()
    tracebacks = text.count("Traceback (most recent call last)")
    unexpected = text.count("Unexpected error")
    lines = text.splitlines()
    samples = [line.strip()[:160] for line in lines if re.search(r"Error|Exception", line)]
    return tracebacks, unexpected, samples[-5:], new_offset


def mib(value: int | None) -> str:
    return "—" if value is None else f"{value / 2**20:.0f} MiB"


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    process = None
    log_path = None
    if args.url:
        base_url = args.url
        pid = args.server_pid
    else:
        port = free_port()
        log_path = Path(tempfile.mkdtemp(prefix="bench-classroom-")) / "server.log"
        log(f"starting the server on port {port} (log: {log_path})")
        process = start_server(port, log_path)
        base_url = f"http://127.0.0.1:{port}"
        pid = process.pid
    sampler = Sampler(pid)
    sampler.start()
    me = psutil.Process()
    result: dict[str, Any] = {"config": vars(args).copy(), "url": base_url, "stages": []}
    try:
        log("making the 12 MP JPEG…")
        photo = make_photo(seed=args.seed)
        log(f"  {len(photo) / 1e6:.1f} MB")
        result["photo_mb"] = round(len(photo) / 1e6, 2)
        room = Classroom(args, base_url, photo)
        if not args.no_warmup:
            log("warming the server up (one unmeasured session)…")
            result["warm_up"] = await warm_up(room)
            log("  " + "; ".join(result["warm_up"]))
        stages = args.ramp or [args.sessions]
        log_offset = 0
        if log_path is not None and log_path.exists():
            log_offset = log_path.stat().st_size
        for index, sessions in enumerate(stages):
            room.stage, room.stage_sessions = index, sessions
            room.records, room.sessions_replicas = [], []
            before = sampler.sample()
            load_start = os.getloadavg()
            client_cpu_start = sum(me.cpu_times()[:2])
            log(
                f"stage {index + 1}/{len(stages)}: {sessions} sessions for {args.duration:.0f} s "
                f"({uploaders(sessions, args.uploads_per_30)} uploading), load {load_start[0]:.2f}"
            )
            t_start = time.perf_counter() - sampler.t0
            room.t0 = time.perf_counter()
            wall = await run_stage(room, sessions, args.seed + index)
            t_end = time.perf_counter() - sampler.t0
            end = sampler.sample()
            load_end = os.getloadavg()
            client_cpu = sum(me.cpu_times()[:2]) - client_cpu_start
            during = sampler.between(t_start, t_end)
            cooled = None
            if args.cooldown > 0:
                log(f"  cooling down {args.cooldown:.0f} s…")
                await asyncio.sleep(args.cooldown)
                cooled = sampler.sample()
            tracebacks, unexpected, log_lines, log_offset = count_log_problems(log_path, log_offset)
            summary = summarise(room.records)
            errors = Counter(
                e.split(":")[0] + ": " + e.split(":", 1)[-1].strip()[:100]
                for r in room.records
                for e in r.errors
            )
            wrong = Counter(r.wrong_state for r in room.records if r.wrong_state)
            multi = [reps for reps in room.sessions_replicas if len(set(reps)) > 1]
            seen = sorted({rep for reps in room.sessions_replicas for rep in reps})
            stage = {
                "sessions": sessions,
                "uploading": uploaders(sessions, args.uploads_per_30),
                "wall_s": round(wall, 1),
                "summary": summary,
                "rss_before": before[1] if before else None,
                "rss_peak": max((s[1] for s in during), default=None),
                "rss_end": end[1] if end else None,
                "rss_after_cooldown": cooled[1] if cooled else None,
                "server_cpu_cores": (
                    round((end[2] - before[2]) / wall, 2) if before and end else None
                ),
                "client_cpu_cores": round(client_cpu / wall, 3),
                "load_start": load_start,
                "load_end": load_end,
                "errors": dict(errors.most_common()),
                "wrong_states": dict(wrong.most_common()),
                "server_log": {
                    "tracebacks": tracebacks,
                    "unexpected_errors": unexpected,
                    "last_lines": log_lines,
                },
                "replicas_seen": seen,
                "uploads_refused_invalid_session": sum(
                    1 for r in room.records for e in r.errors if "Invalid session_id" in e
                ),
                "sessions_with_several_replicas": len(multi),
                "records": [dataclasses.asdict(r) for r in room.records],
            }
            result["stages"].append(stage)
            print_stage(stage, args)
        kernel_p95 = [
            (st["sessions"], st["summary"]["kernel change (all)"]["p95_s"])
            for st in result["stages"]
        ]
        knee = next((n for n, p95 in kernel_p95 if p95 is not None and p95 > KNEE_P95_S), None)
        result["knee"] = knee
        if args.ramp:
            print("\n### Ramp\n")
            print("| sessions | kernel change p95 (s) | errors | wrong states | peak RSS |")
            print("|---|---|---|---|---|")
            for st in result["stages"]:
                row = st["summary"]["all actions"]
                print(
                    f"| {st['sessions']} | {fmt(st['summary']['kernel change (all)']['p95_s'])} "
                    f"| {row['errors']} | {row['wrong_states']} | {mib(st['rss_peak'])} |"
                )
            if knee is None:
                print(f"\nKnee: none — the p95 of kernel changes stayed ≤ {KNEE_P95_S:g} s.")
            else:
                print(f"\nKnee: {knee} sessions (first stage with kernel-change p95 > 2 s).")
    finally:
        sampler.stopped.set()
        if process is not None:
            stop_server(process)
            log(f"server stopped (log kept: {log_path})")
    result["rss_samples"] = [(round(t, 2), r, round(c, 2)) for t, r, c in sampler.samples]
    return result


def print_stage(stage: dict[str, Any], args: argparse.Namespace) -> None:
    mode = "full-app reruns" if args.full_reruns else "fragment reruns for the workbench"
    print(
        f"\n### {stage['sessions']} sessions, {args.duration:.0f} s "
        f"({stage['uploading']} uploading 12 MP; think {args.think[0]:g}–{args.think[1]:g} s; "
        f"{mode}; seed {args.seed})\n"
    )
    print(action_table(stage["summary"]))
    load_start = ", ".join(f"{x:.2f}" for x in stage["load_start"])
    load_end = ", ".join(f"{x:.2f}" for x in stage["load_end"])
    kernel = stage["summary"]["kernel change (all)"]
    verdict = (
        "—" if kernel["p95_s"] is None else ("over" if kernel["p95_s"] > KNEE_P95_S else "within")
    )
    print()
    print(f"- kernel-change p95 {fmt(kernel['p95_s'])} s: {verdict} the {KNEE_P95_S:g} s target")
    print(
        f"- server RSS: before {mib(stage['rss_before'])}, peak {mib(stage['rss_peak'])}, "
        f"end {mib(stage['rss_end'])}"
        + (
            f", after {args.cooldown:.0f} s cooldown {mib(stage['rss_after_cooldown'])}"
            if stage["rss_after_cooldown"] is not None
            else ""
        )
    )
    print(
        f"- CPU: server {fmt(stage['server_cpu_cores'])} cores on average, "
        f"clients {stage['client_cpu_cores']:.3f} cores; load average (1, 5, 15 min) "
        f"at start {load_start}, at end {load_end} ({os.cpu_count()} CPUs)"
    )
    log_info = stage["server_log"]
    print(
        f"- server log: {log_info['tracebacks']} tracebacks, "
        f"{log_info['unexpected_errors']} 'Unexpected error' lines"
    )
    if stage["errors"]:
        print("- errors: " + "; ".join(f"{k} ×{v}" for k, v in list(stage["errors"].items())[:8]))
    if stage["wrong_states"]:
        print(
            "- wrong states: "
            + "; ".join(f"{k} ×{v}" for k, v in list(stage["wrong_states"].items())[:8])
        )
    if args.url:
        seen = ", ".join(stage["replicas_seen"]) or "none exposed"
        print(
            f"- replicas seen: {seen}; sessions that saw more than one: "
            f"{stage['sessions_with_several_replicas']}; uploads refused with "
            f"'Invalid session_id': {stage['uploads_refused_invalid_session']}"
        )
    sys.stdout.flush()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10, help="concurrent students")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds per stage")
    parser.add_argument(
        "--ramp",
        type=lambda s: [int(x) for x in s.split(",") if x.strip()],
        default=None,
        help="stages of session counts, e.g. 5,10,20,30 (replaces --sessions); prints the knee",
    )
    parser.add_argument(
        "--uploads-per-30",
        type=float,
        default=3.0,
        help="12 MP uploads per 30 sessions (rounded half up)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--url", default=None, help="aim at this server or proxy (no own server)")
    parser.add_argument(
        "--server-pid", type=int, default=None, help="with --url: sample this process's RSS"
    )
    parser.add_argument(
        "--replica-header", default=None, help="response header naming the replica (--url)"
    )
    parser.add_argument("--cooldown", type=float, default=0.0, help="seconds; RSS again after it")
    parser.add_argument(
        "--stagger", type=float, default=10.0, help="sessions start within this many seconds"
    )
    parser.add_argument(
        "--think",
        type=lambda s: tuple(float(x) for x in s.split(",")),
        default=THINK_S,
        help="think time bounds in seconds (default 5,15)",
    )
    parser.add_argument(
        "--full-reruns", action="store_true", help="press workbench buttons with full-app reruns"
    )
    parser.add_argument("--no-warmup", action="store_true", help="skip the unmeasured session")
    parser.add_argument("--json", type=Path, default=None, help="write every record here")
    args = parser.parse_args(argv)
    if len(args.think) != 2 or not 0 <= args.think[0] <= args.think[1]:
        parser.error("--think takes two bounds: low,high")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    result = asyncio.run(main_async(args))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
        log(f"wrote {args.json}")


if __name__ == "__main__":
    main()
