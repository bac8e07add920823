"""Large photos at full resolution: time to results and the server's memory, in real browsers.

Run it from the repository root::

    .venv/bin/python -m benchmarks.bench_memory                  # 40 MP, 1 then 3 sessions
    .venv/bin/python -m benchmarks.bench_memory --megapixels 12 --sessions 1
    .venv/bin/python -m benchmarks.bench_memory --cooldown 660   # also wait for the memory to fall

What it does
------------
1. Makes smooth phone-like JPEG photos in memory (4:3, quality 90; a different one per
   session so that nothing is shared between sessions).
2. Starts ``streamlit run app.py`` on a free loopback port (with the memory budget of the
   environment, ``WORKBENCH_MEMORY_BUDGET``, 3 GiB by default) and samples the server
   process's resident memory (RSS, psutil, children included) every 0.2 s from outside.
   The browsers are separate processes and are not counted.
3. **One session**: opens the Compare page in headless Chromium, picks "full resolution",
   uploads the photo and times the upload until every panel shows a result (the verdict,
   three result pictures and the differences, nothing stale, nothing running). Then it
   clicks the "Emboss" quick pick and times that kernel change: end to end in the
   browser, and on the server (from the rerun request to the last websocket message of
   the run, read from Chromium's network layer).
4. **N sessions at once** (``--sessions``, default 3): N pages, each uploads its own photo
   at full resolution at the same moment; the time until all N show results and the
   peak RSS.
5. Closes every page and, with ``--cooldown S``, keeps sampling for S seconds and says
   when the RSS came back within 0.5 GB of where it started (the RSS after the first
   visit of the page, before any upload).

The figures to compare with the targets: upload to all panels, peak RSS of one session
and of N at once, the kernel change's server time, and the RSS after the cooldown.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import psutil  # noqa: E402
from PIL import Image  # noqa: E402

from benchmarks.bench_latency import WebSocketFrames  # noqa: E402
from tests.browser import StreamlitServer, chromium, missing_browser_reason  # noqa: E402

RESULTS_DIR = REPO / "benchmarks" / "results"
VIEWPORT = {"width": 1600, "height": 1400}
TIMEOUT_MS = 300_000
GIB = 2**30


def photo(megapixels: float, seed: int) -> bytes:
    """A smooth 4:3 colour JPEG of about ``megapixels`` (quality 90), made in memory."""
    width = int(round(np.sqrt(megapixels * 1e6 * 4 / 3) / 16) * 16)
    height = width * 3 // 4
    rng = np.random.default_rng(seed)
    small = rng.random((height // 64 + 2, width // 64 + 2, 3)).astype(np.float32)
    picture = Image.fromarray((small * 255).astype(np.uint8)).resize(
        (width, height), Image.Resampling.BICUBIC
    )
    fine = rng.integers(-12, 13, (height, width, 1), dtype=np.int16)
    pixels = np.clip(np.asarray(picture, dtype=np.int16) + fine, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


class RssSampler:
    """The server process's RSS (with children), sampled on a thread every ``interval`` s."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        total = self.process.memory_info().rss
        for child in self.process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append((time.monotonic(), self.rss()))
            except psutil.Error:
                return
            self._stop.wait(self.interval)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak_since(self, start: float) -> int:
        return max((rss for t, rss in self.samples if t >= start), default=self.rss())


def _results_shown(page: Any) -> bool:
    """Whether the page shows a finished comparison: verdict, pictures, nothing pending."""
    return page.evaluate(
        """() => {
          const drawn = (selector) => {
            let count = 0;
            for (const el of document.querySelectorAll(selector + ' *')) {
              if (el.shadowRoot) count += el.shadowRoot.querySelectorAll('[data-drawn]').length;
            }
            return count;
          };
          const verdict = document.querySelector(
            '[data-testid="stMain"] [data-testid="stAlertContentSuccess"],' +
            '[data-testid="stMain"] [data-testid="stAlertContentWarning"]');
          return verdict !== null && drawn('.st-key-results') >= 3
            && drawn('.st-key-differences') >= 3
            && document.querySelector('[data-stale="true"]') === null
            && document.querySelector('[data-testid="stStatusWidget"]') === null
            && document.querySelector('[data-testid="stProgress"]') === null;
        }"""
    )


def _error_text(page: Any) -> str | None:
    errors = page.locator('[data-testid="stAlertContentError"]')
    return errors.first.inner_text() if errors.count() else None


def _wait_results(pages: list[Any], start: float, timeout_s: float) -> list[float]:
    """Seconds from ``start`` until each page shows results (raises on timeout or error)."""
    done: dict[int, float] = {}
    while len(done) < len(pages):
        for index, page in enumerate(pages):
            if index in done:
                continue
            error = _error_text(page)
            if error:
                raise RuntimeError(f"session {index + 1} shows an error: {error}")
            if _results_shown(page):
                done[index] = time.monotonic() - start
        if time.monotonic() - start > timeout_s:
            raise TimeoutError(f"only {len(done)} of {len(pages)} sessions showed results")
        time.sleep(0.1)
    return [done[index] for index in range(len(pages))]


def _open(browser: Any, url: str) -> Any:
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url, wait_until="domcontentloaded")
    _wait_results([page], time.monotonic(), 120)
    return page


def _full_resolution_upload_ready(page: Any) -> Any:
    """Pick full resolution and Upload; return the file input, ready for a file."""
    page.locator(".st-key-preview").get_by_role("combobox").click()
    page.get_by_role("option", name="full resolution", exact=True).click()
    _wait_results([page], time.monotonic(), 120)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Upload", exact=True).click()
    uploader = sidebar.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.wait_for(state="attached")
    time.sleep(1.0)
    return uploader


def _upload(uploader: Any, data: bytes, name: str) -> None:
    uploader.set_input_files(files=[{"name": name, "mimeType": "image/jpeg", "buffer": data}])


def _mb(nbytes: int) -> str:
    return f"{nbytes / GIB:.2f} GiB"


def run(args: argparse.Namespace) -> dict[str, Any]:
    photos = [photo(args.megapixels, seed) for seed in range(args.sessions + 1)]
    info = Image.open(io.BytesIO(photos[0]))
    print(
        f"Photos: {info.size[0]}×{info.size[1]} = {info.size[0] * info.size[1] / 1e6:.1f} MP, "
        f"{len(photos[0]) / 1e6:.1f} MB JPEG; budget "
        f"{os.environ.get('WORKBENCH_MEMORY_BUDGET', '3GiB (default)')}"
    )
    report: dict[str, Any] = {
        "megapixels": args.megapixels,
        "size": list(info.size),
        "cpus": os.cpu_count(),
        "load_start": os.getloadavg(),
    }
    log = RESULTS_DIR / "bench_memory_server.log"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    with StreamlitServer("app.py", log_path=log) as server, chromium() as browser:
        sampler = RssSampler(server._process.pid).start()
        try:
            first = _open(browser, server.url)
            time.sleep(2)
            baseline = sampler.rss()
            report["rss_start"] = baseline
            print(f"RSS after the first visit: {_mb(baseline)}")

            # One session: upload at full resolution, then a kernel change.
            uploader = _full_resolution_upload_ready(first)
            start = time.monotonic()
            _upload(uploader, photos[0], "photo-0.jpg")
            first.get_by_text("full resolution", exact=False).first.wait_for()
            (upload_s,) = _wait_results([first], start, args.timeout)
            report["one_upload_s"] = upload_s
            report["one_peak_rss"] = sampler.peak_since(start)
            print(
                f"1 session: upload to all panels {upload_s:.1f} s; "
                f"peak RSS {_mb(report['one_peak_rss'])}"
            )
            frames = WebSocketFrames(first)
            frames.clear()
            start = time.monotonic()
            first.get_by_role("button", name="Emboss", exact=True).click()
            time.sleep(0.5)
            (edit_s,) = _wait_results([first], start, args.timeout)
            server_part = frames.server_part()
            report["one_kernel_change_s"] = edit_s
            report["one_kernel_change_server_s"] = server_part.get("ws_last")
            print(
                f"1 session: kernel change {edit_s:.1f} s end to end, "
                f"{server_part.get('ws_last', float('nan')):.1f} s on the server"
            )
            first.context.close()

            # N sessions at once, each with its own photo.
            if args.sessions > 1:
                pages = [_open(browser, server.url) for _ in range(args.sessions)]
                uploaders = [_full_resolution_upload_ready(page) for page in pages]
                start = time.monotonic()
                for index, (uploader, data) in enumerate(zip(uploaders, photos[1:], strict=False)):
                    _upload(uploader, data, f"photo-{index + 1}.jpg")
                time.sleep(1.0)
                times = _wait_results(pages, start, args.timeout)
                report["many_upload_s"] = times
                report["many_peak_rss"] = sampler.peak_since(start)
                print(
                    f"{args.sessions} sessions at once: all panels after "
                    f"{', '.join(f'{t:.1f}' for t in times)} s; "
                    f"peak RSS {_mb(report['many_peak_rss'])}"
                )
                for page in pages:
                    page.context.close()

            closed = time.monotonic()
            report["rss_closed"] = sampler.rss()
            print(f"All pages closed: RSS {_mb(report['rss_closed'])}")
            if args.cooldown:
                back = None
                while time.monotonic() - closed < args.cooldown:
                    time.sleep(5)
                    rss = sampler.rss()
                    if back is None and rss <= baseline + 0.5e9:
                        back = time.monotonic() - closed
                        print(f"RSS back within 0.5 GB of the start after {back:.0f} s")
                        break
                report["rss_after_cooldown"] = sampler.rss()
                report["back_within_s"] = back
                print(
                    f"After the cooldown: RSS {_mb(report['rss_after_cooldown'])} "
                    f"(start {_mb(baseline)})"
                )
            report["peak_rss"] = max(rss for _, rss in sampler.samples)
        finally:
            sampler.stop()
    report["load_end"] = os.getloadavg()
    print(f"Load (1, 5, 15 min) at start {report['load_start']}, at end {report['load_end']}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megapixels", type=float, default=40.0)
    parser.add_argument("--sessions", type=int, default=3, help="sessions uploading at once")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds per wait")
    parser.add_argument(
        "--cooldown", type=float, default=0.0, help="seconds to watch the RSS after closing"
    )
    args = parser.parse_args(argv)
    reason = missing_browser_reason()
    if reason:
        print(f"Cannot run: {reason}")
        return 1
    report = run(args)
    out = RESULTS_DIR / f"memory_{args.megapixels:g}mp.json"
    out.write_text(json.dumps(report, indent=1))
    print(f"Raw numbers: {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
