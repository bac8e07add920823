"""A server that dies under an open page: does the page come back by itself, unchanged?

Run it from the repository root (not part of the test suite; needs Debian's Chromium
and Playwright, like the browser tests)::

    .venv/bin/python -m benchmarks.check_faults
    .venv/bin/python -m benchmarks.check_faults --down 15 --reconnect 60

Two scenarios, each with a fresh server and a fresh page:

* ``full run``: the page's last run before the crash was a full run (the page was
  opened by the link and not touched);
* ``after an edit``: the last run was a rerun of the Compare page's kernel panel (an
  ``st.fragment``): the "Emboss" quick pick was clicked once before the crash.

In each:

1. ``streamlit run app.py`` on a free loopback port; the Compare page in headless
   Chromium with a link that sets a non-default state (``?preset=emboss&boundary=wrap``);
   what the page shows is noted: the verdict (the first alert), the value of the
   sidebar's Boundary select, the address;
2. the server is killed with SIGKILL (no clean shutdown); what the page shows while it
   is down is noted; after ``--down`` seconds the server starts again on the same port;
3. the page must reconnect by itself within ``--reconnect`` seconds (a new websocket,
   the connection dialog gone, the controls enabled again) and show the same verdict,
   Boundary and address, with no exception or traceback; whether the new server ran
   the page again (messages on the new websocket) is reported;
4. an edit after the reconnection: the "Gaussian /273" quick pick must change the
   verdict within ``--edit-wait`` seconds. When it does not, a sidebar change (Colour:
   Grey, a full rerun) is tried and then the quick pick again, and the report says
   what each did.

Screenshots go to ``test-artifacts/faults_<scenario>_*.png``, the servers' logs to
``test-artifacts/faults_<scenario>_server*.log``. Prints a short report; exit status 0
when every check held in both scenarios.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.browser import (  # noqa: E402
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    healthy,
    missing_browser_reason,
    python_executable,
    wait_idle,
)

COMPARE_TITLE = "Convolution, correlation and the FFT, side by side"
ALERTS = '[data-testid="stAlert"]'
BOUNDARY_INPUT = ".st-key-boundary input"
DIALOG = '[role="dialog"]'
DISABLED = "button:disabled, input:disabled"
FAILURE_WORDS = ("Traceback", "Exception", "Error:")
SYMMETRIC_VERDICT = "is symmetric under a 180° rotation"
STALE_FRAGMENT_LOG = "does not exist anymore"


class Server:
    """``streamlit run app.py`` on a given port; :meth:`kill` is a SIGKILL."""

    def __init__(self, port: int, log_prefix: str) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_prefix = log_prefix
        self.process: subprocess.Popen[bytes] | None = None
        self.log: IO[bytes] | None = None
        self.logs: list[Path] = []

    def start(self, timeout_s: float = 90.0) -> float:
        """Start it; return the seconds until ``/_stcore/health`` answered."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{self.log_prefix}_server{len(self.logs) + 1}.log"
        self.logs.append(path)
        self.log = path.open("wb")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
        command = [python_executable(), str(REPO / "serve.py"), str(REPO / "app.py")]
        command += ["--server.headless", "true", "--server.address", "127.0.0.1"]
        command += ["--server.port", str(self.port), "--logger.level", "debug"]
        started = time.perf_counter()
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        while not healthy(self.url):
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited at start (see {path})")
            if time.perf_counter() - started > timeout_s:
                raise RuntimeError(f"the server did not answer within {timeout_s:.0f} s")
            time.sleep(0.1)
        return time.perf_counter() - started

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
        if self.log is not None:
            self.log.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        if self.log is not None and not self.log.closed:
            self.log.close()

    def log_has(self, text: str) -> bool:
        if self.log is not None and not self.log.closed:
            self.log.flush()
        return any(text in path.read_text(errors="replace") for path in self.logs[-1:])


@dataclass
class Socket:
    opened: float
    frames: int = 0
    last: float = 0.0
    closed: float = 0.0


@dataclass
class Watch:
    """Websockets and console errors of one page."""

    sockets: list[Socket] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        def on_websocket(ws: Any) -> None:
            entry = Socket(time.perf_counter())
            self.sockets.append(entry)

            def on_frame(_payload: Any) -> None:
                entry.frames += 1
                entry.last = time.perf_counter()

            def on_close(_ws: Any) -> None:
                entry.closed = time.perf_counter()

            ws.on("framereceived", on_frame)
            ws.on("close", on_close)

        def on_console(message: Any) -> None:
            if message.type == "error":
                self.console.append(message.text)

        page.on("websocket", on_websocket)
        page.on("console", on_console)

    def frames(self) -> int:
        return sum(entry.frames for entry in self.sockets)


def snapshot(page: Any) -> dict[str, Any]:
    """What the page shows now: verdict, Boundary, address, dialogs, failures."""
    alerts = page.locator(ALERTS)
    boundary = page.locator(BOUNDARY_INPUT)
    body = page.locator("body").inner_text()
    return {
        "verdict": alerts.first.inner_text().strip() if alerts.count() else "",
        "boundary": boundary.first.input_value().strip() if boundary.count() else "",
        "url": page.url,
        "dialogs": [short(text) for text in page.locator(DIALOG).all_inner_texts()],
        "disabled": page.locator(DISABLED).count(),
        "exceptions": page.locator('[data-testid="stException"]').count(),
        "failure_text": [word for word in FAILURE_WORDS if word in body],
    }


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def short(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def wait_for(page: Any, condition: Any, timeout_s: float) -> float | None:
    """Poll ``condition()`` every 100 ms; seconds until it held, or None."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        if condition():
            return time.perf_counter() - started
        page.wait_for_timeout(100)
    return None


def quiet(page: Any, watch: Watch, timeout_s: float) -> None:
    """Wait until no message has arrived for two seconds, then for an idle page.

    Two seconds, because a run can end by asking for another one (the page then
    runs twice with a short gap between the two).
    """
    wait_for(page, lambda: time.perf_counter() - max(s.last for s in watch.sockets) > 2.0, 60)
    wait_idle(page, timeout_ms=int(timeout_s * 1000))


def click_quick_pick(page: Any, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def scenario(browser: Any, args: argparse.Namespace, name: str, edit_before: bool) -> bool:
    """One kill-and-restart under an open page; prints what happened; True when all held."""
    tag = "faults_" + name.replace(" ", "_")
    print(f"\n== scenario: {name} ==", flush=True)
    server = Server(args.port or free_port(), tag)
    watch = Watch()
    ok = True

    def fail(message: str) -> None:
        nonlocal ok
        ok = False
        print(f"FAIL: {message}", flush=True)

    context = browser.new_context(viewport={"width": 1600, "height": 1400})
    try:
        startup = server.start()
        page = context.new_page()
        watch.attach(page)
        page.goto(server.url + "/" + args.query, wait_until="domcontentloaded")
        heading = page.get_by_role("heading", name=COMPARE_TITLE)
        results = page.locator(".st-key-results [data-picture]")
        wait_idle(page, heading, results, page.locator(ALERTS))
        if edit_before:
            frames = watch.frames()
            click_quick_pick(page, "Emboss")  # same kernel; a rerun of the kernel panel
            wait_for(page, lambda: watch.frames() > frames, 15)
            quiet(page, watch, 60)
        before = snapshot(page)
        shot(page, f"{tag}_before.png")
        print(f"server {server.url} healthy after {startup:.1f} s; page open", flush=True)
        print(f"before:     verdict {short(before['verdict'])!r}", flush=True)
        print(f"            Boundary {before['boundary']!r}; {before['url']}", flush=True)

        server.kill()
        killed = time.perf_counter()
        page.wait_for_timeout(args.down * 1000)
        down = snapshot(page)
        shot(page, f"{tag}_down.png")
        print(
            f"down {args.down:.0f} s:  dialog {down['dialogs']}; {down['disabled']} controls"
            f" disabled (before: {before['disabled']}); the old content stays:"
            f" {down['verdict'] == before['verdict']}",
            flush=True,
        )

        sockets_before = len(watch.sockets)
        restart = server.start()
        back = time.perf_counter()

        def reconnected() -> bool:
            if len(watch.sockets) == sockets_before:
                return False
            return page.locator(DIALOG).count() == 0 and (
                page.locator(DISABLED).count() <= before["disabled"]
            )

        waited = wait_for(page, reconnected, args.reconnect)
        if waited is None:
            shot(page, f"{tag}_after.png")
            text = short(page.locator("body").inner_text(), 300)
            fail(
                f"no reconnection within {args.reconnect:.0f} s of the restart; the page shows"
                f" {snapshot(page)['dialogs']} and {text!r} ({tag}_after.png)"
            )
            return False
        new = watch.sockets[-1]
        # Does the new server run the page? Its messages arrive within a few seconds.
        page.wait_for_timeout(3000)
        if new.frames:
            quiet(page, watch, 60)
        after = snapshot(page)
        shot(page, f"{tag}_after.png")
        print(
            f"restarted:  healthy after {restart:.1f} s; new websocket"
            f" {new.opened - back:.1f} s after that ({new.opened - killed:.1f} s after the"
            f" kill); page usable {waited:.1f} s after the restart",
            flush=True,
        )
        print(
            f"            the new server ran the page again: {'yes' if new.frames else 'NO'}"
            f" ({new.frames} messages on the new websocket)",
            flush=True,
        )
        print(f"after:      verdict {short(after['verdict'])!r}", flush=True)
        print(f"            Boundary {after['boundary']!r}; {after['url']}", flush=True)
        for key in ("verdict", "boundary", "url"):
            if after[key] != before[key]:
                fail(f"{key} changed: {before[key]!r} -> {after[key]!r}")
        if args.expect_boundary not in after["boundary"]:
            fail(f"Boundary shows {after['boundary']!r}")
        if args.expect_verdict not in after["verdict"]:
            fail(f"the verdict does not say {args.expect_verdict!r}")
        if after["exceptions"] or after["failure_text"]:
            fail(
                f"{after['exceptions']} exception element(s); words on the page:"
                f" {after['failure_text']}"
            )

        # An edit after the reconnection.
        frames = watch.frames()
        click_quick_pick(page, "Gaussian /273")
        changed = wait_for(
            page, lambda: SYMMETRIC_VERDICT in snapshot(page)["verdict"], args.edit_wait
        )
        stale = server.log_has(STALE_FRAGMENT_LOG)
        if changed is not None:
            print(f"edit:       'Gaussian /273' took effect after {changed:.1f} s", flush=True)
        else:
            shot(page, f"{tag}_edit_ignored.png")
            fail(
                f"the 'Gaussian /273' click did nothing within {args.edit_wait:.0f} s"
                f" ({watch.frames() - frames} messages came back; the server's log"
                f" {'says' if stale else 'does not say'} the fragment"
                f" '{STALE_FRAGMENT_LOG}'); the page still says"
                f" {short(snapshot(page)['verdict'], 60)!r}"
            )
            frames = watch.frames()
            page.locator('[data-testid="stSidebar"]').get_by_text("Grey", exact=True).click()
            ran = wait_for(page, lambda: watch.frames() > frames, args.edit_wait)
            if ran is not None:
                quiet(page, watch, 60)
            state = snapshot(page)
            print(
                f"recovery:   sidebar Colour → Grey: {'a full rerun' if ran else 'nothing'};"
                f" verdict {short(state['verdict'], 60)!r}, Boundary {state['boundary']!r}",
                flush=True,
            )
            click_quick_pick(page, "Gaussian /273")
            changed = wait_for(
                page, lambda: SYMMETRIC_VERDICT in snapshot(page)["verdict"], args.edit_wait
            )
            print(
                "            then 'Gaussian /273': "
                + (f"took effect after {changed:.1f} s" if changed is not None else "nothing"),
                flush=True,
            )
        final = snapshot(page)
        if final["exceptions"] or final["failure_text"]:
            fail(f"after the edits: {final['exceptions']} exception(s), {final['failure_text']}")
        kinds = Counter(short(text, 70) for text in watch.console)
        print(
            f"websockets opened: {len(watch.sockets)}; browser console errors:"
            f" {len(watch.console)}: "
            + "; ".join(f"{count}× {text!r}" for text, count in kinds.most_common(3)),
            flush=True,
        )
    finally:
        context.close()
        server.stop()
    print(f"scenario {name}: {'PASS' if ok else 'FAIL'}", flush=True)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--query", default="?preset=emboss&boundary=wrap")
    parser.add_argument("--expect-verdict", default="not symmetric under a 180° rotation")
    parser.add_argument("--expect-boundary", default="wrap")
    parser.add_argument("--down", type=float, default=5.0, help="seconds the server stays down")
    parser.add_argument("--reconnect", type=float, default=30.0, help="seconds to come back")
    parser.add_argument("--edit-wait", type=float, default=15.0, help="seconds for an edit")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args(argv)
    reason = missing_browser_reason()
    if reason:
        print(f"cannot run: {reason}")
        return 2

    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            results.append(scenario(browser, args, "full run", edit_before=False))
            results.append(scenario(browser, args, "after an edit", edit_before=True))
        finally:
            browser.close()
    print("\nRESULT: " + ("PASS" if all(results) else "FAIL"), flush=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
