"""End-to-end latency of a kernel edit on the Compare page, in a real browser.

Run it from the repository root::

    .venv/bin/python benchmarks/bench_latency.py            # 1024×1024, 9 edits per series
    .venv/bin/python benchmarks/bench_latency.py --size 512 --repeats 7
    .venv/bin/python benchmarks/bench_latency.py --no-browser   # server-side numbers only

What it does
------------
1. Writes a smooth 1024×1024 RGB PNG (sums of sinusoids and Gaussian blobs).
2. Starts ``streamlit run app.py`` on a free loopback port and opens it in headless
   Chromium (the helpers of ``tests/browser.py``), 1600×2400 viewport.
3. Uploads the PNG in the sidebar, picks "full resolution" as the preview size, and
   waits until the sidebar reports the full size.
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
  PNG drawn on the panel's canvas) that was not there before the click, and at least 2
  in the differences viewer;
* no element is marked stale (``data-stale="true"``: Streamlit dims the previous run's
  elements until the run that replaces them has finished) and no "Running…" status
  widget is shown.

Milestones recorded on the way (medians printed): the first stale element (the rerun
has started), the last stale element gone (the server finished the run and the
browser has applied every message), the verdict changed, the result and difference
pictures replaced.

Server-side numbers come from the same work done directly in Python on the same
image: ``filters.compare`` with a prepared ``ImageSpectrum`` (the app's compute), and
the rest of the page's server work, mirrored from ``pages/compare.py``: the messages of
the result and difference viewers (display pixels of every panel, hover values), the
kernel matrices and timing bars, the JSON of those two and the hashes Streamlit takes
of every message. (Export files are made only when a
download button is clicked, so they are not part of an edit.)
"""

from __future__ import annotations

import argparse
import dataclasses
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
    sizes: list[float] = []

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
        "result pictures (4 panels)": [],
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

        # The Compare page's image viewers: display pictures (PNG), hover values, one
        # binary message each. The input's picture is encoded once, as in the app.
        key = f"bench-{index}"
        start = time.perf_counter()
        panels = compare_view.result_panels(key, image, result, "clip", (0, 0))
        panels[0] = dataclasses.replace(panels[0], key="bench-input")
        results_payload = image_viewer.build_payload(panels, group="compare", max_height=440)
        rows["result pictures (4 panels)"].append(time.perf_counter() - start)

        start = time.perf_counter()
        differences_payload = image_viewer.build_payload(
            compare_view.difference_panels(key, result, (0, 0)), group="compare", max_height=380
        )
        rows["difference pictures (3 panels)"].append(time.perf_counter() - start)
        sizes.append((len(results_payload) + len(differences_payload)) / 1e6)

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
        for payload in (results_payload, differences_payload):
            hashlib.md5(payload, usedforsecurity=False).hexdigest()
        rows["JSON + hashes"].append(time.perf_counter() - start)

        rows["page total (compare + rest)"].append(
            compute_time
            + sum(
                rows[name][-1]
                for name in (
                    "result pictures (4 panels)",
                    "difference pictures (3 panels)",
                    "kernel matrices + timing bars",
                    "JSON + hashes",
                )
            )
        )
    print(f"Viewer messages per new kernel: {statistics.median(sizes):.2f} MB")
    return {name: summary(values) for name, values in rows.items()}


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
    layer, so a busy page (drawing) does not delay them.
    """

    def __init__(self, page: Any) -> None:
        self.sent: list[float] = []
        self.received: list[tuple[float, int]] = []
        session = page.context.new_cdp_session(page)
        session.on("Network.webSocketFrameSent", self._on_sent)
        session.on("Network.webSocketFrameReceived", self._on_received)
        session.send("Network.enable")

    def _on_sent(self, event: dict[str, Any]) -> None:
        self.sent.append(event["timestamp"])

    def _on_received(self, event: dict[str, Any]) -> None:
        payload = event.get("response", {}).get("payloadData", "")
        self.received.append((event["timestamp"], len(payload) * 3 // 4))

    def clear(self) -> None:
        self.sent.clear()
        self.received.clear()

    def server_part(self) -> dict[str, float]:
        if not self.sent or not self.received:
            return {}
        request = self.sent[0]
        replies = [(t, size) for t, size in self.received if t >= request]
        if not replies:
            return {}
        return {
            "ws_first": replies[0][0] - request,
            "ws_last": replies[-1][0] - request,
            "ws_megabytes": sum(size for _, size in replies) / 1e6,
        }


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


def _set_up_page(page: Any, url: str, png: bytes, size: int) -> None:
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
    page.get_by_role("option", name="full resolution", exact=True).click()
    wait_idle(page, sidebar.get_by_text(f"{size}×{size} colour (original {size}×{size})"))
    wait_idle(page, page.locator(".st-key-results"))


def browser_side(size: int, repeats: int, png: bytes) -> dict[str, list[dict[str, float]]]:
    timeout_ms = 120_000
    log = Path(tempfile.gettempdir()) / f"bench_latency_server_{os.getpid()}.log"
    series: dict[str, list[dict[str, float]]] = {"quick pick": [], "new random": []}
    with StreamlitServer("app.py", log_path=log) as server, chromium() as browser:
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.set_default_timeout(timeout_ms)
        _set_up_page(page, server.url, png, size)
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
    server: dict[str, dict[str, float]],
    browser: dict[str, list[dict[str, float]]] | None,
) -> None:
    load = os.getloadavg()
    print(
        f"\nImage {size}×{size} RGB float64, preview = full resolution · {os.cpu_count()} CPUs · "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n"
    )
    print("Server-side work per edit, in Python on the same image (seconds)")
    print(f"{'':40s} {'median':>7s} {'min':>7s} {'max':>7s}   n")
    for name, row in server.items():
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
        megabytes = [run["ws_megabytes"] for run in runs if "ws_megabytes" in run]
        if megabytes:
            row = summary(megabytes)
            print(
                f"{'megabytes received over the WebSocket':42s} {row['median']:7.2f} "
                f"{row['min']:7.2f} {row['max']:7.2f}"
            )
        done = [run["done"] for run in runs]
        stale_off = [run.get("stale_off", run["done"]) for run in runs]
        after = [d - s for d, s in zip(done, stale_off, strict=True)]
        print(
            f"{'  of which after the run finished (draw)':42s} "
            f"{seconds(statistics.median(after))} {seconds(min(after))} {seconds(max(after))}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1024, help="image side in pixels")
    parser.add_argument("--repeats", type=int, default=9, help="measured edits per series")
    parser.add_argument("--no-browser", action="store_true", help="server-side numbers only")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    picture = smooth_image(args.size)
    png = png_bytes(picture)
    from filters import images

    image = images.load_image(png)  # what the app filters: the decoded upload

    print(f"Server-side timings on {args.size}×{args.size} ({args.repeats} repeats)…")
    server = server_side(image, args.repeats)

    browser = None
    if not args.no_browser:
        reason = missing_browser_reason()
        if reason:
            print(f"Browser part skipped: {reason}")
        else:
            print(f"Browser: {args.repeats} + 2 warm-up edits per series…")
            browser = browser_side(args.size, args.repeats, png)

    print_report(args.size, server, browser)

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"latency_{args.size}.json"
    out.write_text(
        json.dumps(
            {
                "size": args.size,
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
