"""A small classroom in real browsers: N Chromium sessions clicking quick picks, think times 5–15 s.

Run it from the repository root::

    .venv/bin/python -m benchmarks.bench_classroom_browser                 # 8 sessions, 180 s
    .venv/bin/python -m benchmarks.bench_classroom_browser --sessions 12 --duration 240

``benchmarks/bench_classroom.py`` measures the server with clients that cost nothing;
this one measures what students see, browsers included. On a 2-core machine the
browsers compete with the server for the cores, so the figures are a floor for a real
classroom, where every student brings their own computer.

Each session opens the Compare page (default 512 px preview) in its own browser
context, then, after a random think time of 5–15 s (seeded), clicks the next quick pick
(Gaussian /273, Emboss, Sobel x, Shifted impulse, Random, in turn). A click is done when
the page has painted the new verdict, three new result pictures and two new difference
pictures, with nothing stale and nothing running (the criterion of
``bench_latency.py``). Reported: click-to-painted p50/p95/max, errors (an error alert,
a page error, or no paint within 60 s), the server's RSS, and the CPU time the server
and the browsers used, apart.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psutil  # noqa: E402

from benchmarks.bench_latency import _WATCH_JS  # noqa: E402
from benchmarks.bench_memory import RssSampler  # noqa: E402
from tests.browser import StreamlitServer, chromium, missing_browser_reason  # noqa: E402

RESULTS_DIR = REPO / "benchmarks" / "results"
VIEWPORT = {"width": 1400, "height": 1600}
PICKS = ["Gaussian /273", "Emboss", "Sobel x", "Shifted impulse", "Random"]
PAINT_TIMEOUT_S = 60.0


class Student:
    """One browser session and its schedule."""

    def __init__(self, index: int, page: Any, rng: random.Random) -> None:
        self.index = index
        self.page = page
        self.rng = rng
        self.next_pick = 1  # the page starts on the Gaussian
        self.due = time.monotonic() + rng.uniform(5, 15)
        self.pending: tuple[str, float] | None = None
        self.page_errors: list[str] = []
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def click(self) -> None:
        key = f"__classroom{self.index}"
        self.page.evaluate(_WATCH_JS, [key])
        self.page.evaluate(
            "([k]) => { window[k].then((m) => { window[k + 'Done'] = m; }); }", [key]
        )
        name = PICKS[self.next_pick % len(PICKS)]
        self.next_pick += 1
        self.page.get_by_role("button", name=name, exact=True).click(no_wait_after=True)
        self.pending = (key, time.monotonic())

    def poll(self) -> float | None:
        """Seconds from click to painted once painted (None while waiting)."""
        key, _ = self.pending
        marks = self.page.evaluate("([k]) => window[k + 'Done'] || null", [key])
        if marks is None:
            return None
        self.pending = None
        self.due = time.monotonic() + self.rng.uniform(5, 15)
        return marks["done"] / 1000

    def error_alert(self) -> str | None:
        errors = self.page.locator('[data-testid="stAlertContentError"]')
        return errors.first.inner_text() if errors.count() else None


def _cpu_seconds(process: psutil.Process) -> float:
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        try:
            times = each.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    latencies: list[float] = []
    errors: list[str] = []
    report: dict[str, Any] = {"sessions": args.sessions, "load_start": os.getloadavg()}
    with StreamlitServer("app.py", log_path=RESULTS_DIR / "classroom_browser.log") as server:
        server_process = psutil.Process(server._process.pid)
        sampler = RssSampler(server._process.pid).start()
        with chromium() as browser:
            students = []
            for index in range(args.sessions):
                page = browser.new_context(viewport=VIEWPORT).new_page()
                page.set_default_timeout(120_000)
                page.goto(server.url, wait_until="domcontentloaded")
                page.locator(".st-key-results").wait_for()
                students.append(Student(index, page, random.Random(rng.random())))
            time.sleep(3)
            server_cpu = _cpu_seconds(server_process)
            all_cpu = sum(psutil.cpu_times()[:3])
            start = time.monotonic()
            while time.monotonic() - start < args.duration or any(s.pending for s in students):
                now = time.monotonic()
                for student in students:
                    if student.pending is not None:
                        painted = student.poll()
                        if painted is not None:
                            latencies.append(painted)
                        elif now - student.pending[1] > PAINT_TIMEOUT_S:
                            errors.append(f"session {student.index}: no paint within 60 s")
                            student.pending = None
                            student.due = now + 10
                        alert = student.error_alert()
                        if alert:
                            errors.append(f"session {student.index}: {alert[:120]}")
                    elif now >= student.due and now - start < args.duration:
                        student.click()
                time.sleep(0.05)
            elapsed = time.monotonic() - start
            server_cpu = _cpu_seconds(server_process) - server_cpu
            all_cpu = sum(psutil.cpu_times()[:3]) - all_cpu
            for student in students:
                errors.extend(f"session {student.index}: {e[:120]}" for e in student.page_errors)
        sampler.stop()
    nan = float("nan")
    quantiles = (
        statistics.quantiles(latencies, n=20, method="inclusive")
        if len(latencies) >= 2
        else [nan] * 19
    )
    report.update(
        clicks=len(latencies),
        p50=statistics.median(latencies) if latencies else None,
        p95=quantiles[18],
        max=max(latencies, default=None),
        errors=errors,
        peak_rss=max(rss for _, rss in sampler.samples),
        server_cpu_share=server_cpu / max(all_cpu, 1e-9),
        server_cores=server_cpu / elapsed,
        load_end=os.getloadavg(),
    )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of clicking")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    reason = missing_browser_reason()
    if reason:
        print(f"Cannot run: {reason}")
        return 1
    report = run(args)
    print(
        f"{report['sessions']} browser sessions, {report['clicks']} clicks: click to painted "
        f"p50 {report['p50']:.2f} s, p95 {report['p95']:.2f} s, max {report['max']:.2f} s; "
        f"{len(report['errors'])} errors"
    )
    for error in report["errors"][:10]:
        print("  ", error)
    print(
        f"Server: peak RSS {report['peak_rss'] / 2**30:.2f} GiB, "
        f"{report['server_cores']:.2f} cores on average, {report['server_cpu_share']:.0%} of "
        "the machine's CPU time (browsers and everything else took the rest)"
    )
    print(f"Load (1, 5, 15 min) at start {report['load_start']}, at end {report['load_end']}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"classroom_browser_{args.sessions}.json"
    out.write_text(json.dumps(report, indent=1))
    print(f"Raw numbers: {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
