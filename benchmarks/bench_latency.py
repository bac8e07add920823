"""End-to-end latency of a kernel edit on the Compare page, in a real browser.

Run it from the repository root::

    .venv/bin/python benchmarks/bench_latency.py            # 1024×1024, 9 edits per series
    .venv/bin/python benchmarks/bench_latency.py --preview 512  # the default preview size
    .venv/bin/python benchmarks/bench_latency.py --size 512 --repeats 7
    .venv/bin/python benchmarks/bench_latency.py --no-browser   # server-side numbers only

What it does
------------
1. Writes a smooth 1024×1024 RGB PNG (sums of sinusoids and Gaussian blobs).
2. Starts ``streamlit run app.py`` on a free loopback port and opens it in headless
   Chromium (the helpers of ``tests/browser.py``), 1600×2400 viewport.
3. Uploads the PNG in the sidebar, picks the preview size (``--preview``: "full
   resolution" unless told otherwise; 512 px is the app's default), and waits until
   the sidebar reports the working size.
4. Edits the kernel, timed in the page, in two series:

   * ``quick pick`` — alternate the "Emboss" and "Gaussian /273" quick-pick buttons
     (each click really changes the kernel; after the first pair the app's
     memory budget already holds both comparisons, so this series
     mostly measures building, sending and drawing the page);
   * ``new random`` — the kernel editor's "Randomise" button, a new random 5×5 kernel
     each click (nothing cached: the convolution, correlation and FFT are computed).

   Each series begins with two unmeasured warm-up edits.

Criterion for "all panels updated"
----------------------------------
A script in the page notes the click's event time and then watches the DOM (a
MutationObserver plus a 25 ms timer). The edit is done at the first animation frame
at which **all** of these hold:

* the first alert of the page (the verdict) shows a different text than before the click;
* at least 3 panels of the results viewer (``.st-key-results``: the convolution,
  correlation and FFT panels) have painted a picture (``data-drawn``, the digest of the
  pixels drawn on the panel's canvas) that was not there before the click, and at least 2
  in the differences viewer;
* no element is marked stale (``data-stale="true"``: Streamlit dims the previous run's
  elements until the run that replaces them has finished) and no "Running…" status
  widget is shown.

Milestones recorded on the way (medians printed): the first stale element (the rerun
has started), the last stale element gone (the server finished the run and the
browser has applied every message), the verdict changed, the result and difference
pictures replaced.

Messages: how many WebSocket messages the page receives for an edit, one per element
or container the run sends (the fragment's elements, plus a few for the run itself).

Bytes: what the page receives for an edit over the WebSocket (Streamlit's messages,
as Chromium's network layer sees them) and over HTTP from Streamlit's media files
(the viewers' PNG pictures, fetched when the browser does not hold them yet, and hover
values, fetched only on hover: never during these edits).

Server-side numbers come from the same work done directly in Python on the same
image: ``filters.compare`` with a prepared ``ImageSpectrum`` (the app's compute), and
the rest of the page's server work, mirrored from ``pages/compare.py``: the messages of
the result and difference viewers (display pixels of every panel as PNG, hover values,
their files named by content as Streamlit's media files are), the
kernel matrices and timing bars, the JSON of those two and the hashes Streamlit takes
of every message. (Export files are made only when a
download button is clicked, so they are not part of an edit.)

The report ends with the breakdown of a new kernel: server compute (the app's own
timing chart), the page's other Python work, bytes per edit, and end to end.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from tests.browser import (  # noqa: E402
    UI_TIMEOUT_MS,
    StreamlitServer,
    chromium,
    missing_browser_reason,
    wait_idle,
)

VIEWPORT = {"width": 1600, "height": 2400}
RESULTS_DIR = REPO / "benchmarks" / "results"


# --------------------------------------------------------------------------- the image


def smooth_image(size: int) -> np.ndarray:
    """A smooth RGB test picture in [0, 1]: sinusoids and Gaussian blobs."""
    y, x = np.mgrid[0:size, 0:size] / size
    channels = []
    for phase, (cx, cy) in zip((0.0, 2.0, 4.0), ((0.3, 0.3), (0.7, 0.4), (0.5, 0.75)), strict=True):
        blob = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 0.02)
        waves = 0.25 * np.sin(2 * np.pi * (3 * x + 2 * y) + phase) * np.cos(2 * np.pi * 5 * y)
        channels.append(0.35 + 0.4 * blob + waves)
    return np.clip(np.stack(channels, axis=-1), 0.0, 1.0)


def png_bytes(picture: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.rint(picture * 255).astype(np.uint8), "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


# --------------------------------------------------------------------------- statistics


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def seconds(value: float) -> str:
    return f"{value:7.3f}"


# --------------------------------------------------------------------------- server side


def _timed(function: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return times, result


def server_side(image: np.ndarray, repeats: int) -> dict[str, dict[str, float]]:
    """Time the app's compute and the rest of its per-edit server work, in Python."""
    import logging

    import streamlit  # noqa: F401  (configures its loggers; quiet them below)

    # The app's cached helpers warn that no Streamlit runtime is running; here none is.
    for name in ("cache_data_api", "cache_resource_api"):
        logging.getLogger(f"streamlit.runtime.caching.{name}").setLevel(logging.ERROR)

    import filters
    from filters import kernels
    from ui import compare_view, image_viewer, light_figures

    options = dict(boundary="reflect", output="same", dtype="float64", backend="auto")
    kernel_list = [kernels.make("emboss"), kernels.make("gaussian273")]
    spectra = {k.shape: filters.ImageSpectrum(image, k.shape, **options) for k in kernel_list}
    rng = np.random.default_rng(1)
    sizes: dict[str, list[float]] = {"message": [], "pictures": [], "values": []}

    def link(name: str, data: bytes, mime: str) -> str:
        # As Streamlit names a media file: a digest of its content.
        return f"/media/{hashlib.md5(data, usedforsecurity=False).hexdigest()}"

    def compare(kernel: np.ndarray) -> filters.Comparison:
        return filters.compare(image, kernel, spectrum=spectra[kernel.shape], **options)

    # Warm the compiled code for both kernel shapes.
    for kernel in kernel_list:
        compare(kernel)

    rows: dict[str, list[float]] = {
        "filters.compare (quick picks)": [],
        "filters.compare (random 5×5)": [],
        "  convolution": [],
        "  correlation": [],
        "  fft": [],
        "result pictures (3 panels)": [],
        "difference pictures (3 panels)": [],
        "kernel matrices + timing bars": [],
        "JSON + hashes": [],
        "page total (compare + rest)": [],
    }
    for index in range(repeats):
        quick = kernel_list[index % 2]
        times, _ = _timed(lambda quick=quick: compare(quick), 1)
        rows["filters.compare (quick picks)"].append(times[0])

        random_kernel = rng.standard_normal((5, 5))
        start = time.perf_counter()
        result = compare(random_kernel)
        compute_time = time.perf_counter() - start
        rows["filters.compare (random 5×5)"].append(compute_time)
        for name in ("convolution", "correlation", "fft"):
            rows[f"  {name}"].append(result.times[name])

        # The Compare page's image viewers: display pictures (PNG) and hover values as
        # files named by content, and a small message each. The input has a viewer of
        # its own, unchanged by a kernel edit, as in the app.
        key = f"bench-{index}"
        start = time.perf_counter()
        panels = compare_view.result_panels(key, image, result, "clip", (0, 0))[1:]
        results = image_viewer.build_message(panels, group="compare", max_height=440, link=link)
        rows["result pictures (3 panels)"].append(time.perf_counter() - start)

        start = time.perf_counter()
        differences = image_viewer.build_message(
            compare_view.difference_panels(key, result, (0, 0)),
            group="compare",
            max_height=380,
            link=link,
        )
        rows["difference pictures (3 panels)"].append(time.perf_counter() - start)
        for message in (results, differences):
            for _name, data, mime, _url in message.files:
                sizes["pictures" if mime == image_viewer.PNG_TYPE else "values"].append(
                    len(data) / 1e6
                )
            sizes["message"].append(len(message.payload) / 1e6)

        start = time.perf_counter()
        parts = compare_view.kernel_parts(random_kernel)
        messages = [
            light_figures.matrices_data(parts),
            light_figures.bars_data(result.times, backend=result.backend),
        ]
        rows["kernel matrices + timing bars"].append(time.perf_counter() - start)

        start = time.perf_counter()
        for message in messages:
            json.dumps(message)
        for message in (results, differences):
            hashlib.md5(message.payload, usedforsecurity=False).hexdigest()
        rows["JSON + hashes"].append(time.perf_counter() - start)

        rows["page total (compare + rest)"].append(
            compute_time
            + sum(
                rows[name][-1]
                for name in (
                    "result pictures (3 panels)",
                    "difference pictures (3 panels)",
                    "kernel matrices + timing bars",
                    "JSON + hashes",
                )
            )
        )
    per_edit = {name: sum(values) / repeats for name, values in sizes.items()}
    print(
        f"Viewer bytes per new kernel: messages {per_edit['message'] * 1000:.1f} kB, "
        f"pictures (PNG) {per_edit['pictures']:.2f} MB, "
        f"hover values (fetched on hover only) {per_edit['values']:.2f} MB"
    )
    summaries = {name: summary(values) for name, values in rows.items()}
    summaries["bytes per edit (MB)"] = {
        "message": per_edit["message"],
        "pictures": per_edit["pictures"],
        "values": per_edit["values"],
    }
    return summaries


# --------------------------------------------------------------------------- browser side

# Installed before each click: resolves with milestone times (ms after the click event).
_WATCH_JS = """
([key]) => {
  // A viewer panel carries its picture's digest; data-drawn is set once it is painted.
  // The viewer lives in a shadow root inside the element with the key's class.
  const pictures = (selector) => {
    const found = [];
    for (const el of document.querySelectorAll(selector + ' *')) {
      if (!el.shadowRoot) continue;
      for (const panel of el.shadowRoot.querySelectorAll('[data-drawn]')) {
        found.push(panel.dataset.drawn);
      }
    }
    return found;
  };
  const verdict = () => {
    const alert = document.querySelector('[data-testid="stMain"] [data-testid^="stAlertContent"]');
    return alert ? alert.textContent : '';
  };
  const before = {
    verdict: verdict(),
    results: new Set(pictures('.st-key-results')),
    differences: new Set(pictures('.st-key-differences')),
  };
  const fresh = (selector, old) => pictures(selector).filter((f) => !old.has(f)).length;
  const marks = {};
  let clickTime = null;
  window[key] = new Promise((resolve) => {
    const mark = (name) => {
      if (!(name in marks)) marks[name] = performance.now() - clickTime;
    };
    const check = () => {
      if (clickTime === null) return;
      const stale = document.querySelector('[data-stale="true"]') !== null;
      const running = document.querySelector('[data-testid="stStatusWidget"]') !== null;
      if (stale) mark('stale_on');
      if ('stale_on' in marks && !stale) mark('stale_off');
      if (running) mark('status_widget');
      const verdictChanged = verdict() !== before.verdict;
      if (verdictChanged) mark('verdict');
      const results = fresh('.st-key-results', before.results) >= 3;
      if (results) mark('results');
      const differences = fresh('.st-key-differences', before.differences) >= 2;
      if (differences) mark('differences');
      if (verdictChanged && results && differences && !stale && !running && !('ready' in marks)) {
        mark('ready');
        requestAnimationFrame(() => {
          mark('done');
          observer.disconnect();
          clearInterval(timer);
          resolve(marks);
        });
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, {
      subtree: true, childList: true, attributes: true, characterData: true,
    });
    const timer = setInterval(check, 25);
    document.addEventListener('click', (event) => {
      clickTime = event.timeStamp;
      check();
    }, { capture: true, once: true });
  });
  return true;
}
"""


class WebSocketFrames:
    """WebSocket frames seen by Chromium's network layer (CDP), with their own timestamps.

    The server's part of an edit is measured from the rerun request the page sends to
    the last message it receives for that run; these times come from the network
    layer, so a busy page (drawing) does not delay them. Media files fetched over HTTP
    (the viewers' pictures and hover values) are counted too.
    """

    def __init__(self, page: Any) -> None:
        self.sent: list[float] = []
        self.received: list[tuple[float, int]] = []
        self.media_requests: dict[str, str] = {}
        self.media: list[tuple[float, int, str]] = []
        session = page.context.new_cdp_session(page)
        session.on("Network.webSocketFrameSent", self._on_sent)
        session.on("Network.webSocketFrameReceived", self._on_received)
        session.on("Network.requestWillBeSent", self._on_request)
        session.on("Network.loadingFinished", self._on_loaded)
        session.send("Network.enable")

    def _on_request(self, event: dict[str, Any]) -> None:
        url = event.get("request", {}).get("url", "")
        if "/media/" in url:
            self.media_requests[event["requestId"]] = url

    def _on_loaded(self, event: dict[str, Any]) -> None:
        url = self.media_requests.pop(event["requestId"], None)
        if url is not None:
            kind = "pictures" if url.endswith(".png") else "values"
            self.media.append((event["timestamp"], int(event["encodedDataLength"]), kind))

    def _on_sent(self, event: dict[str, Any]) -> None:
        self.sent.append(event["timestamp"])

    def _on_received(self, event: dict[str, Any]) -> None:
        payload = event.get("response", {}).get("payloadData", "")
        self.received.append((event["timestamp"], len(payload) * 3 // 4))

    def clear(self) -> None:
        self.sent.clear()
        self.received.clear()
        self.media.clear()

    def server_part(self) -> dict[str, float]:
        if not self.sent or not self.received:
            return {}
        request = self.sent[0]
        replies = [(t, size) for t, size in self.received if t >= request]
        if not replies:
            return {}
        part = {
            "ws_first": replies[0][0] - request,
            "ws_last": replies[-1][0] - request,
            "ws_megabytes": sum(size for _, size in replies) / 1e6,
            # One WebSocket message per element or container the run sends (and a few
            # for the run's start and end): what the browser applies and draws again.
            "ws_messages": len(replies),
        }
        for kind in ("pictures", "values"):
            files = [(t, size) for t, size, k in self.media if k == kind and t >= request]
            part[f"media_{kind}_megabytes"] = sum(size for _, size in files) / 1e6
            part[f"media_{kind}_files"] = len(files)
            if files:
                part[f"media_{kind}_last"] = max(t for t, _ in files) - request
        part["total_megabytes"] = (
            part["ws_megabytes"] + part["media_pictures_megabytes"] + part["media_values_megabytes"]
        )
        return part


def _edit(
    page: Any, frames: WebSocketFrames, click: Callable[[], None], timeout_ms: int
) -> dict[str, float]:
    key = "__benchEdit"
    page.evaluate(_WATCH_JS, [key])
    frames.clear()
    start = time.perf_counter()
    click()
    marks = page.evaluate(
        """([key, timeout]) => Promise.race([
            window[key],
            new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeout)),
        ])""",
        [key, timeout_ms],
    )
    marks["python_wall"] = (time.perf_counter() - start) * 1000
    result = {name: value / 1000 for name, value in marks.items()}
    result.update(frames.server_part())
    wait_idle(page)
    result.update(_timing_chart(page))
    return result


def _timing_chart(page: Any) -> dict[str, float]:
    """The app's own compute times for this edit, read from its timing bars (seconds)."""
    rows = page.locator(".st-key-timing [data-ms]")
    times = {
        f"app_{rows.nth(i).get_attribute('data-label')}": float(
            rows.nth(i).get_attribute("data-ms")
        )
        / 1000
        for i in range(rows.count())
    }
    if times:
        times["app_compute"] = sum(times.values())
    return times


def _set_up_page(page: Any, url: str, png: bytes, size: int, preview: int = 0) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_idle(page, page.locator(".st-key-results"))
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Upload", exact=True).click()
    uploader = sidebar.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.wait_for(state="attached", timeout=UI_TIMEOUT_MS)
    wait_idle(page)
    uploader.set_input_files(files=[{"name": "smooth.png", "mimeType": "image/png", "buffer": png}])
    wait_idle(page, sidebar.get_by_text("smooth.png"))
    page.locator(".st-key-preview").get_by_role("combobox").click()
    option = f"{preview} px" if preview else "full resolution"
    page.get_by_role("option", name=option, exact=True).click()
    side = min(size, preview) if preview else size
    wait_idle(page, sidebar.get_by_text(f"{side}×{side} colour (original {size}×{size})"))
    wait_idle(page, page.locator(".st-key-results"))


def browser_side(
    size: int, preview: int, repeats: int, png: bytes
) -> dict[str, list[dict[str, float]]]:
    timeout_ms = 120_000
    log = Path(tempfile.gettempdir()) / f"bench_latency_server_{os.getpid()}.log"
    series: dict[str, list[dict[str, float]]] = {"quick pick": [], "new random": []}
    with StreamlitServer("app.py", log_path=log) as server, chromium() as browser:
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.set_default_timeout(timeout_ms)
        _set_up_page(page, server.url, png, size, preview)
        frames = WebSocketFrames(page)

        quick_names = ["Emboss", "Gaussian /273"]

        def quick(index: int) -> Callable[[], None]:
            name = quick_names[index % 2]
            return lambda: page.get_by_role("button", name=name, exact=True).click()

        def random_kernel() -> None:
            # The editor's "Randomise": a new random kernel of the same size every time.
            page.get_by_role("button", name="Randomise", exact=True).click()

        for index in range(repeats + 2):
            marks = _edit(page, frames, quick(index), timeout_ms)
            if index >= 2:
                series["quick pick"].append(marks)
        # From the Gaussian: start the random series from a different verdict box.
        for index in range(repeats + 2):
            marks = _edit(page, frames, random_kernel, timeout_ms)
            if index >= 2:
                series["new random"].append(marks)
        page.close()
    return series


# --------------------------------------------------------------------------- report

APP_TIMES = [
    ("app_compute", "app: conv + corr + FFT (its timing chart)"),
    ("app_convolution", "app:   convolution"),
    ("app_correlation", "app:   correlation"),
    ("app_fft", "app:   fft"),
]

BYTES = [
    ("ws_megabytes", "MB received over the WebSocket"),
    ("media_pictures_megabytes", "MB of pictures fetched (media files)"),
    ("media_values_megabytes", "MB of hover values fetched (media files)"),
    ("total_megabytes", "MB received in all"),
]

MILESTONES = [
    ("ws_first", "server: first reply (network, from request)"),
    ("ws_last", "server: last reply (network, from request)"),
    ("stale_on", "rerun started (first stale element)"),
    ("stale_off", "run finished, all messages applied"),
    ("verdict", "verdict text changed"),
    ("results", "result pictures replaced"),
    ("differences", "difference pictures replaced"),
    ("done", "ALL UPDATED (end to end)"),
    ("python_wall", "as seen from Python (Playwright)"),
]


def print_report(
    size: int,
    preview: int,
    server: dict[str, dict[str, float]],
    browser: dict[str, list[dict[str, float]]] | None,
) -> None:
    load = os.getloadavg()
    shown = f"{preview} px" if preview else "full resolution"
    print(
        f"\nImage {size}×{size} RGB float64, preview = {shown} · {os.cpu_count()} CPUs · "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n"
    )
    print("Server-side work per edit, in Python on the same image (seconds)")
    print(f"{'':40s} {'median':>7s} {'min':>7s} {'max':>7s}   n")
    for name, row in server.items():
        if "median" not in row:
            continue
        print(
            f"{name:40s} {seconds(row['median'])} {seconds(row['min'])} "
            f"{seconds(row['max'])} {row['n']:3d}"
        )
    if browser is None:
        return
    for series, runs in browser.items():
        print(f"\nBrowser, kernel edit by {series!r}: seconds after the click (n={len(runs)})")
        print(f"{'':42s} {'median':>7s} {'min':>7s} {'max':>7s}")
        for key, label in APP_TIMES + MILESTONES:
            values = [run[key] for run in runs if key in run]
            if not values:
                print(f"{label:42s}   (never seen)")
                continue
            row = summary(values)
            print(
                f"{label:42s} {seconds(row['median'])} {seconds(row['min'])} "
                f"{seconds(row['max'])}"
                + (f"   (seen in {len(values)}/{len(runs)})" if len(values) < len(runs) else "")
            )
        for key, label in BYTES:
            megabytes = [run[key] for run in runs if key in run]
            if megabytes:
                row = summary(megabytes)
                print(f"{label:42s} {row['median']:7.3f} {row['min']:7.3f} {row['max']:7.3f}")
        done = [run["done"] for run in runs]
        stale_off = [run.get("stale_off", run["done"]) for run in runs]
        after = [d - s for d, s in zip(done, stale_off, strict=True)]
        print(
            f"{'  of which after the run finished (draw)':42s} "
            f"{seconds(statistics.median(after))} {seconds(min(after))} {seconds(max(after))}"
        )


def print_breakdown(
    server: dict[str, dict[str, float]], browser: dict[str, list[dict[str, float]]] | None
) -> None:
    """One line per series: compute, the page's other Python work, bytes, end to end."""
    other = [
        "result pictures (3 panels)",
        "difference pictures (3 panels)",
        "kernel matrices + timing bars",
        "JSON + hashes",
    ]
    python = sum(server[name]["median"] for name in other)
    print("\nBreakdown (medians)")
    print(
        f"  in Python alone: filters.compare {server['filters.compare (random 5×5)']['median']:.3f}"
        f" s, the page's other work {python:.3f} s"
    )
    if browser is None:
        return
    for series, runs in browser.items():

        def median(key: str, runs: list[dict[str, float]] = runs) -> float:
            values = [run[key] for run in runs if key in run]
            return statistics.median(values) if values else float("nan")

        print(
            f"  {series:10s}: server compute {median('app_compute'):.3f} s · server's last "
            f"message {median('ws_last'):.3f} s · bytes {median('total_megabytes'):.3f} MB "
            f"(WebSocket {median('ws_megabytes'):.3f}, pictures "
            f"{median('media_pictures_megabytes'):.3f}) · {median('ws_messages'):.0f} messages"
            f" · end to end {median('done'):.3f} s"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1024, help="image side in pixels")
    parser.add_argument("--repeats", type=int, default=9, help="measured edits per series")
    parser.add_argument(
        "--preview",
        type=int,
        default=0,
        help="preview size chosen in the sidebar (0: full resolution; the app's default is 512)",
    )
    parser.add_argument("--no-browser", action="store_true", help="server-side numbers only")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    picture = smooth_image(args.size)
    png = png_bytes(picture)
    from filters import images

    image = images.load_image(png)  # what the app filters: the decoded upload
    if args.preview and args.preview < args.size:
        image = images.resize_long_side(image, args.preview)  # as the app's preview
    side = max(image.shape[:2])

    print(f"Server-side timings on {side}×{side} ({args.repeats} repeats)…")
    server = server_side(image, args.repeats)

    browser = None
    if not args.no_browser:
        reason = missing_browser_reason()
        if reason:
            print(f"Browser part skipped: {reason}")
        else:
            print(f"Browser: {args.repeats} + 2 warm-up edits per series…")
            browser = browser_side(args.size, args.preview, args.repeats, png)

    print_report(args.size, args.preview, server, browser)
    print_breakdown(server, browser)

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    suffix = f"_preview{args.preview}" if args.preview else ""
    out = RESULTS_DIR / f"latency_{args.size}{suffix}.json"
    out.write_text(
        json.dumps(
            {
                "size": args.size,
                "preview": args.preview,
                "cpus": os.cpu_count(),
                "load": os.getloadavg(),
                "server": server,
                "browser": browser,
            },
            indent=1,
        )
    )
    print(f"\nRaw numbers: {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
