"""Check the workbench behind a sticky proxy: page, websocket, uploads and media.

Run it from the repository root::

    .venv/bin/python -m benchmarks.check_proxy                 # starts deploy/run_local.sh
    .venv/bin/python -m benchmarks.check_proxy --url http://127.0.0.1:8600
    .venv/bin/python -m benchmarks.check_proxy --sessions 10 --no-browser

Without ``--url`` it starts ``deploy/run_local.sh`` (two replicas and HAProxy on
loopback, needs ``haproxy``) and stops it at the end. The proxy must name the replica
that answered in a response header (``--replica-header``, ``X-Workbench-Replica`` in
``deploy/haproxy.cfg``).

Protocol sessions (``--sessions``, default 6), each with its own cookie jar, opened one
after the other and all kept open until the end, as a class of browsers would:

1. ``GET /`` (the page), the script it loads, ``/_stcore/health`` (sets the XSRF
   cookie) and ``/_stcore/host-config``;
2. the websocket ``/_stcore/stream`` (subprotocol ``streamlit`` plus the XSRF token,
   the cookies, an ``Origin``), one full run of the Compare page: every message until
   ``script_finished``, and the new session's id;
3. a picture the run refers to under ``/media/``;
4. an upload the way the browser makes it: ask for upload URLs over the websocket,
   then ``PUT /_stcore/upload_file/<session>/<file>`` (multipart, ``X-Xsrftoken``);
5. when the proxy's cookie names the replica (HAProxy's ``WBREPLICA``), the same
   upload with the *other* replica's cookie, which must be refused (the other process
   does not hold the session): the reason stickiness is needed.

Every HTTP response and the websocket handshake must name the same replica, and the
sessions together must use every replica. Real-browser sessions (``--browsers``,
default 2, skipped with the reason when Chromium or Playwright is missing): a fresh
Chromium context each, the Compare page through the proxy, then a PNG uploaded in the
sidebar; every response the browser got must name one replica and the app must show
the uploaded picture's size.

Prints a short report; exit status 0 when every check passed.
"""

from __future__ import annotations

import argparse
import io
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

RUN_LOCAL = REPO / "deploy" / "run_local.sh"
STICKY_COOKIE = "WBREPLICA"
XSRF_COOKIE = "_streamlit_xsrf"
READY_LINE = re.compile(r"ready at (http://\S+)")
SCRIPT_SRC = re.compile(r'<script[^>]+src="\.?/?(static/[^"]+\.js)"')
MEDIA_URL = re.compile(rb"/media/[A-Za-z0-9_\-]+\.[A-Za-z0-9]+")
COMPARE_TITLE = "Convolution, correlation and the FFT, side by side"
RUN_TIMEOUT_S = 180.0


class CheckFailed(AssertionError):
    """One check did not hold; the message says which and what was seen."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def pattern_png(width: int = 64, height: int = 48) -> bytes:
    """A small RGB picture (colour ramps and a checkerboard) as PNG bytes."""
    import numpy as np
    from PIL import Image

    y, x = np.mgrid[0:height, 0:width]
    checker = ((x // 8 + y // 8) % 2) * 80
    pixels = np.stack(
        [x * 255 // (width - 1), y * 255 // (height - 1), checker + 60], axis=-1
    ).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


# --------------------------------------------------------------------- local replicas


class LocalReplicas:
    """``deploy/run_local.sh`` in its own process group; stopped by :meth:`stop`."""

    def __init__(self, proxy_port: int, app_ports: tuple[int, int]) -> None:
        self.proxy_port = proxy_port
        self.app_ports = app_ports
        self.url = ""
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self._process: subprocess.Popen[str] | None = None

    def start(self, timeout_s: float = 150.0) -> str:
        env = dict(os.environ)
        env["WB_PROXY_PORT"] = str(self.proxy_port)
        env["WB_APP_PORTS"] = " ".join(str(p) for p in self.app_ports)
        self._process = subprocess.Popen(
            [str(RUN_LOCAL)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self._process.poll() is not None:
                    break
                continue
            match = READY_LINE.search(line)
            if match:
                self.url = match.group(1)
                return self.url
        self.stop()
        raise RuntimeError("deploy/run_local.sh did not get ready:\n" + "".join(self.output))

    def _drain(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            self.output.append(line)
            self.lines.put(line)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)  # the script's trap stops its children
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# --------------------------------------------------------------------- protocol session


@dataclass
class ProtocolResult:
    name: str
    replica: str = ""
    http_replicas: list[str] = field(default_factory=list)
    ws_replica: str = ""
    run_s: float = 0.0
    messages: int = 0
    elements: Counter[str] = field(default_factory=Counter)
    media_status: int = 0
    upload_status: int = 0
    wrong_replica_status: int = 0
    wrong_replica_detail: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


class ProtocolSession:
    """One browser's worth of HTTP requests and a websocket, without a browser."""

    def __init__(self, base_url: str, header: str, name: str, timeout_s: float) -> None:
        import requests

        self.base_url = base_url.rstrip("/")
        self.header = header.lower()
        self.http = requests.Session()
        self.timeout_s = timeout_s
        self.result = ProtocolResult(name)
        self.ws: Any = None

    # HTTP through the proxy, noting which replica answered
    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.http.get(self.base_url + path, timeout=self.timeout_s, **kwargs)
        self._note(response, f"GET {path}")
        return response

    def _note(self, response: Any, what: str) -> None:
        replica = response.headers.get(self.header, "")
        check(bool(replica), f"{what}: no {self.header} header in the response")
        self.result.http_replicas.append(replica)

    def open(self) -> None:
        page = self.get("/")
        check(page.status_code == 200, f"GET /: status {page.status_code}")
        check('<div id="root">' in page.text, "GET /: not the Streamlit page")
        check(bool(self.http.cookies), "GET /: the proxy set no cookie")
        self.result.replica = self.result.http_replicas[0]
        script = SCRIPT_SRC.search(page.text)
        check(script is not None, "GET /: no script in the page")
        assert script is not None
        asset = self.get("/" + script.group(1))
        check(asset.status_code == 200, f"GET /{script.group(1)}: status {asset.status_code}")
        health = self.get("/_stcore/health")
        check(health.status_code == 200, f"GET /_stcore/health: status {health.status_code}")
        check(XSRF_COOKIE in self.http.cookies, "GET /_stcore/health: no XSRF cookie")
        host_config = self.get("/_stcore/host-config")
        check(host_config.status_code == 200, f"host-config: status {host_config.status_code}")

    def connect(self) -> None:
        import websocket

        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        cookies = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        self.ws = websocket.create_connection(
            f"{scheme}://{parts.netloc}/_stcore/stream",
            subprotocols=["streamlit", self.http.cookies[XSRF_COOKIE]],
            origin=f"{parts.scheme}://{parts.netloc}",
            cookie=cookies,
            timeout=self.timeout_s,
        )
        headers = {key.lower(): value for key, value in (self.ws.getheaders() or {}).items()}
        self.result.ws_replica = headers.get(self.header, "")
        check(bool(self.result.ws_replica), f"websocket handshake: no {self.header} header")

    def send(self, **fields: Any) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        self.ws.send_binary(BackMsg(**fields).SerializeToString())

    def receive(self) -> Any:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = ForwardMsg()
        message.ParseFromString(self.ws.recv())
        self.result.messages += 1
        return message

    def run_page(self) -> tuple[str, bytes | None]:
        """One full run of the default page; returns (session id, a media URL or None)."""
        from streamlit.proto.ClientState_pb2 import ClientState
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        started = time.perf_counter()
        self.send(rerun_script=ClientState(query_string="", page_script_hash=""))
        session_id, media = "", None
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while time.monotonic() < deadline:
            message = self.receive()
            kind = message.WhichOneof("type")
            if kind == "new_session":
                session_id = message.new_session.initialize.session_id
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element.WhichOneof("type") or "?"
                self.result.elements[element] += 1
                if media is None:
                    found = MEDIA_URL.search(message.SerializeToString())
                    media = found.group(0) if found else None
            elif kind == "script_finished":
                status = message.script_finished
                if status == ForwardMsg.FINISHED_SUCCESSFULLY:
                    break
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise CheckFailed("the run finished with a compile error")
        else:
            raise CheckFailed(f"no script_finished within {RUN_TIMEOUT_S:.0f} s")
        self.result.run_s = time.perf_counter() - started
        check(bool(session_id), "no new_session message with a session id")
        check(
            self.result.elements["exception"] == 0,
            f"the run showed {self.result.elements['exception']} exception(s)",
        )
        return session_id, media

    def upload_url(self, session_id: str) -> str:
        """Ask over the websocket for an upload URL, as the file uploader does."""
        from streamlit.proto.Common_pb2 import FileURLsRequest

        request_id = uuid.uuid4().hex
        self.send(
            file_urls_request=FileURLsRequest(
                request_id=request_id, file_names=["pattern.png"], session_id=session_id
            )
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            message = self.receive()
            if (
                message.WhichOneof("type") == "file_urls_response"
                and message.file_urls_response.response_id == request_id
            ):
                check(
                    not message.file_urls_response.error_msg,
                    f"file URLs refused: {message.file_urls_response.error_msg}",
                )
                return message.file_urls_response.file_urls[0].upload_url
        raise CheckFailed("no file_urls_response within 30 s")

    def upload(self, path: str, data: bytes, replica_cookie: str | None = None) -> Any:
        import requests

        cookies = dict(self.http.cookies.items())
        if replica_cookie is not None:
            cookies[STICKY_COOKIE] = replica_cookie
        return requests.put(
            self.base_url + path,
            files={"file": ("pattern.png", data, "image/png")},
            headers={
                "X-Xsrftoken": self.http.cookies[XSRF_COOKIE],
                "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
            },
            timeout=self.timeout_s,
        )

    def exercise(self, replicas: list[str], png: bytes) -> None:
        self.open()
        self.connect()
        session_id, media = self.run_page()
        check(media is not None, "the run referred to no /media/ picture")
        assert media is not None
        picture = self.get(media.decode())
        self.result.media_status = picture.status_code
        check(picture.status_code == 200, f"GET {media.decode()}: status {picture.status_code}")
        path = self.upload_url(session_id)
        upload = self.upload(path, png)
        self._note(upload, "PUT upload")
        self.result.upload_status = upload.status_code
        check(upload.status_code == 204, f"PUT {path}: status {upload.status_code}")
        # HAProxy's cookie names the replica: send this session's upload to another.
        others = [name for name in replicas if name != self.result.replica]
        if others and self.http.cookies.get(STICKY_COOKIE) == self.result.replica:
            wrong = self.upload(path, png, replica_cookie=others[0])
            self.result.wrong_replica_status = wrong.status_code
            self.result.wrong_replica_detail = wrong.text[:80]
            check(
                wrong.headers.get(self.header) == others[0],
                f"the {STICKY_COOKIE}={others[0]} cookie was not honoured",
            )
            check(
                wrong.status_code == 400,
                f"upload on the other replica: status {wrong.status_code}, expected 400",
            )
        seen = {*self.result.http_replicas, self.result.ws_replica}
        check(
            seen == {self.result.replica},
            f"one session reached several replicas: {sorted(seen)}",
        )

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
        self.http.close()


# --------------------------------------------------------------------- browser sessions


@dataclass
class BrowserResult:
    name: str
    replicas: Counter[str] = field(default_factory=Counter)
    responses: int = 0
    ws_frames: int = 0
    load_s: float = 0.0
    upload_s: float = 0.0
    shown: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def browser_sessions(base_url: str, header: str, count: int, png: bytes) -> list[BrowserResult]:
    from playwright.sync_api import expect

    from tests.browser import UI_TIMEOUT_MS, chromium, wait_idle

    results = []
    header = header.lower()
    with chromium() as browser:
        contexts = []
        try:
            for index in range(count):
                result = BrowserResult(f"b{index + 1}")
                results.append(result)
                context = browser.new_context(viewport={"width": 1600, "height": 1400})
                contexts.append(context)  # kept open: its websocket stays connected
                page = context.new_page()

                def on_response(response: Any, result: BrowserResult = result) -> None:
                    if response.url.startswith(base_url):
                        result.responses += 1
                        result.replicas[response.headers.get(header, "(none)")] += 1

                def on_websocket(ws: Any, result: BrowserResult = result) -> None:
                    def on_frame(_payload: Any) -> None:
                        result.ws_frames += 1

                    ws.on("framereceived", on_frame)

                page.on("response", on_response)
                page.on("websocket", on_websocket)
                try:
                    started = time.perf_counter()
                    page.goto(base_url + "/", wait_until="domcontentloaded")
                    heading = page.get_by_role("heading", name=COMPARE_TITLE)
                    wait_idle(page, heading, page.locator(".st-key-results [data-picture]"))
                    result.load_s = time.perf_counter() - started
                    sidebar = page.locator('[data-testid="stSidebar"]')
                    sidebar.get_by_text("Upload", exact=True).click()
                    uploader = sidebar.locator('[data-testid="stFileUploader"] input[type="file"]')
                    expect(uploader).to_be_attached(timeout=UI_TIMEOUT_MS)
                    wait_idle(page)
                    started = time.perf_counter()
                    uploader.set_input_files(
                        files=[{"name": "pattern.png", "mimeType": "image/png", "buffer": png}]
                    )
                    size_line = sidebar.locator('[data-testid="stText"]').filter(
                        has_text="pattern.png"
                    )
                    wait_idle(page, size_line)
                    result.upload_s = time.perf_counter() - started
                    result.shown = size_line.first.inner_text().replace("\n", " ")
                    check(
                        "64×48 colour" in result.shown,
                        f"the sidebar shows {result.shown!r} after the upload",
                    )
                    check(result.ws_frames > 0, "no websocket frames received")
                    check(
                        len(result.replicas) == 1 and "(none)" not in result.replicas,
                        f"responses came from {dict(result.replicas)}",
                    )
                    text = page.locator("body").inner_text()
                    check("Traceback" not in text, "the page shows a traceback")
                except Exception as error:  # reported, not raised
                    result.error = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        finally:
            for context in contexts:
                context.close()
    return results


# --------------------------------------------------------------------- report


def run_checks(args: argparse.Namespace, base_url: str) -> bool:
    png = pattern_png()
    print(f"Proxy check of {base_url} (replica header {args.replica_header})", flush=True)
    # Which replicas are there? Fresh cookie-less requests, one per new connection.
    import requests

    names: Counter[str] = Counter()
    for _ in range(16):
        response = requests.get(base_url + "/_stcore/health", timeout=10)
        names[response.headers.get(args.replica_header.lower(), "(none)")] += 1
    replicas = sorted(names)
    print(f"  fresh requests were answered by: {dict(names)}", flush=True)

    sessions: list[ProtocolSession] = []
    all_ok = True
    try:
        for index in range(args.sessions):
            session = ProtocolSession(base_url, args.replica_header, f"s{index + 1}", 60.0)
            sessions.append(session)  # kept open until the end
            try:
                session.exercise(replicas, png)
            except Exception as error:  # reported, not raised
                session.result.error = f"{type(error).__name__}: {error}"
            r = session.result
            if r.ok:
                print(
                    f"  {r.name}: replica {r.replica}; {len(r.http_replicas)} HTTP responses"
                    f" and the websocket all from {r.replica}; run {r.run_s:.1f} s"
                    f" ({r.messages} messages, {sum(r.elements.values())} elements);"
                    f" media {r.media_status}; upload {r.upload_status}"
                    + (
                        f"; same upload via the other replica {r.wrong_replica_status}"
                        f" ({r.wrong_replica_detail[:40]!r}…)"
                        if r.wrong_replica_status
                        else ""
                    ),
                    flush=True,
                )
            else:
                all_ok = False
                print(f"  {r.name}: FAILED ({r.replica or 'no replica'}): {r.error}", flush=True)
    finally:
        for session in sessions:
            session.close()
    results = [s.result for s in sessions]
    used = Counter(r.replica for r in results if r.replica)
    runs = [r.run_s for r in results if r.ok]
    print(
        f"protocol sessions: {sum(r.ok for r in results)}/{len(results)} passed;"
        f" replicas used {dict(sorted(used.items()))}"
        + (f"; page run median {statistics.median(runs):.1f} s" if runs else ""),
        flush=True,
    )
    if len(used) < len(replicas) or len(replicas) < 2:
        all_ok = False
        print(f"  FAILED: the sessions did not use every replica ({replicas})", flush=True)

    if args.browsers:
        from tests.browser import missing_browser_reason

        reason = missing_browser_reason()
        if reason:
            print(f"browser sessions: skipped ({reason})", flush=True)
        else:
            browser_results = browser_sessions(base_url, args.replica_header, args.browsers, png)
            for b in browser_results:
                if b.ok:
                    print(
                        f"  {b.name}: replica {next(iter(b.replicas))}; {b.responses}"
                        f" responses, all from it; {b.ws_frames} websocket frames;"
                        f" page {b.load_s:.1f} s; upload shown after {b.upload_s:.1f} s:"
                        f" {b.shown!r}",
                        flush=True,
                    )
                else:
                    all_ok = False
                    print(f"  {b.name}: FAILED: {b.error} (replicas {dict(b.replicas)})")
            used_b = Counter(next(iter(b.replicas)) for b in browser_results if b.ok)
            print(
                f"browser sessions: {sum(b.ok for b in browser_results)}/"
                f"{len(browser_results)} passed; replicas used {dict(sorted(used_b.items()))}",
                flush=True,
            )
    print("RESULT: " + ("PASS" if all_ok else "FAIL"), flush=True)
    return all_ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="the proxy's address (default: start deploy/run_local.sh)")
    parser.add_argument("--replica-header", default="X-Workbench-Replica")
    parser.add_argument("--sessions", type=int, default=6, help="protocol sessions (default 6)")
    parser.add_argument("--browsers", type=int, default=2, help="Chromium sessions (default 2)")
    parser.add_argument("--no-browser", dest="browsers", action="store_const", const=0)
    parser.add_argument("--proxy-port", type=int, default=8600, help="for run_local.sh")
    parser.add_argument("--app-ports", default="8601,8602", help="for run_local.sh")
    args = parser.parse_args(argv)

    if args.url:
        return 0 if run_checks(args, args.url.rstrip("/")) else 1
    first, second = (int(p) for p in args.app_ports.split(","))
    local = LocalReplicas(args.proxy_port, (first, second))
    print("Starting deploy/run_local.sh …", flush=True)
    try:
        url = local.start()
        return 0 if run_checks(args, url) else 1
    finally:
        local.stop()


if __name__ == "__main__":
    sys.exit(main())
