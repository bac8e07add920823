"""Helpers for driving the app in a real browser: a Streamlit server and headless Chromium.

Used by ``tests/test_browser_compare.py`` and ``benchmarks/bench_latency.py``::

    reason = missing_browser_reason()        # None when the browser tests can run
    with StreamlitServer(REPO / "app.py", log_path=...) as server:
        with chromium() as browser:
            context = new_offline_context(browser, viewport={"width": 1600, "height": 2400})
            page = context.new_page()
            page.goto(server.url)
            wait_idle(page)
            assert_offline(context)  # nothing was asked of another host

The server runs ``python serve.py <script>`` (``streamlit run`` with the server's
fixes) on a free loopback port (the repository's virtual environment's Python when
there is one), is considered up when
``/_stcore/health`` answers 200, and is always stopped on exit. Chromium is Debian's
``/usr/bin/chromium``, launched through Playwright's sync API; Playwright's own browser
downloads are never used.

The app must work offline (a classroom without internet): Chromium resolves no host
name but the loopback's, and a context from :func:`new_offline_context` also refuses,
and records, every request to another host, so a test can fail on any attempt.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
#: The app's own hosts: the test server listens on the loopback.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: URL schemes that never leave the browser (inline data, object URLs of the page).
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    # No host name resolves but the loopback's: what the app asks of the internet fails.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
STARTUP_TIMEOUT_S = 60.0
#: Timeout for anything the app has to compute and draw (the first run loads compiled code).
UI_TIMEOUT_MS = 60_000

STATUS_WIDGET = '[data-testid="stStatusWidget"]'
STALE_ELEMENT = '[data-testid="stElementContainer"][data-stale="true"]'
#: Placeholders Streamlit shows while an element's code is still loading (React Suspense).
SKELETON = (
    '[data-testid="stSkeleton"], [data-testid="stSkeletonElement"], [data-testid="stAppSkeleton"]'
)


def missing_browser_reason() -> str | None:
    """Why the real-browser checks cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (install Debian's 'chromium' package)"
    if importlib.util.find_spec("playwright") is None:
        return "the Python package 'playwright' is not installed"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def python_executable() -> str:
    """The tests' own interpreter when it runs in a virtual environment (any ``VENV``),
    else the repository's ``.venv``, else this one."""
    if sys.prefix != sys.base_prefix:
        return sys.executable
    venv_python = REPO / ".venv" / "bin" / "python"
    return str(venv_python) if venv_python.exists() else sys.executable


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class ServerError(RuntimeError):
    """The Streamlit server did not come up; the message holds its log."""


class StreamlitServer:
    """``streamlit run <script>`` on a free loopback port, stopped on exit.

    Parameters
    ----------
    script : path of the Streamlit script, relative to the repository or absolute.
    log_path : where the server's stdout and stderr go (a temporary file when None).
    extra_args : more ``streamlit run`` options, e.g. ``["--logger.level", "debug"]``.
    """

    def __init__(
        self,
        script: str | Path,
        *,
        log_path: Path | None = None,
        extra_args: list[str] | None = None,
    ) -> None:
        self.script = REPO / script
        self.log_path = log_path
        self.extra_args = list(extra_args or [])
        self.port = 0
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self, timeout_s: float = STARTUP_TIMEOUT_S) -> str:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if self.log_path is None:
            import tempfile

            handle, name = tempfile.mkstemp(prefix="streamlit-", suffix=".log")
            os.close(handle)
            self.log_path = Path(name)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
        command = [
            python_executable(),
            str(REPO / "serve.py"),
            str(self.script),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(self.port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            *self.extra_args,
        ]
        self._process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout_s
        while not healthy(self.url):
            if self._process.poll() is not None:
                self.stop()
                raise ServerError(f"streamlit exited early:\n{self.log_text()}")
            if time.monotonic() > deadline:
                self.stop()
                raise ServerError(
                    f"streamlit did not serve {self.url} within {timeout_s:.0f} s:\n"
                    + self.log_text()
                )
            time.sleep(0.25)
        return self.url

    def log_text(self) -> str:
        if self._log is not None and not self._log.closed:
            self._log.flush()
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._log is not None and not self._log.closed:
            self._log.close()

    def __enter__(self) -> StreamlitServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright (sync API); closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def is_local(url: str) -> bool:
    """Whether ``url`` stays on this machine: the loopback, or inline/object data."""
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS


_OUTSIDE: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()


def new_offline_context(browser: Any, **options: Any) -> Any:
    """``browser.new_context(**options)`` that refuses every request to another host.

    Each refused request (HTTP of any kind, or a WebSocket) is recorded as
    ``"<resource type> <url>"``; :func:`outside_requests` lists them and
    :func:`assert_offline` fails when there is any. Requests to the app go on
    unchanged (through any route a test adds itself).
    """
    context = browser.new_context(**options)
    attempts: list[str] = []
    _OUTSIDE[context] = attempts

    def refuse(route: Any) -> None:
        request = route.request
        if is_local(request.url):
            route.fallback()
            return
        attempts.append(f"{request.resource_type} {request.url}")
        route.abort("blockedbyclient")

    def refuse_socket(socket_route: Any) -> None:
        attempts.append(f"websocket {socket_route.url}")
        socket_route.close()

    context.route("**/*", refuse)
    context.route_web_socket(lambda url: not is_local(url), refuse_socket)
    return context


def outside_requests(context: Any) -> list[str]:
    """The requests to other hosts that a :func:`new_offline_context` context refused."""
    return list(_OUTSIDE.get(context, ()))


def assert_offline(context: Any) -> None:
    """Fail, listing them, when the pages of ``context`` asked anything of another host."""
    attempts = outside_requests(context)
    assert not attempts, "requests to hosts other than the app's:\n" + "\n".join(attempts)


def wait_idle(page: Any, *expected: Any, timeout_ms: int = UI_TIMEOUT_MS) -> None:
    """Wait until the app has finished a run and shows what the caller expects.

    ``expected`` are Playwright locators that must be visible (the content the run
    should produce). Then the "Running…" status widget must be gone, no element
    may be marked stale (Streamlit dims the previous run's elements with
    ``data-stale="true"`` until the new run replaces them), and no element may
    still show its loading skeleton (elements whose code loads lazily, such as
    metrics, show a grey placeholder first).
    """
    from playwright.sync_api import expect

    for locator in expected:
        expect(locator.first).to_be_visible(timeout=timeout_ms)
    expect(page.locator(STATUS_WIDGET)).to_have_count(0, timeout=timeout_ms)
    expect(page.locator(STALE_ELEMENT)).to_have_count(0, timeout=timeout_ms)
    expect(page.locator(SKELETON)).to_have_count(0, timeout=timeout_ms)


def serve_for_tests(script: str | Path, log_name: str) -> Iterator[str]:
    """Body of a module-scoped fixture: serve ``script`` and yield its URL.

    Skips (with the reason) when Chromium or Playwright is missing, fails with
    the server's log when it does not start, and always stops the server.
    """
    import pytest

    reason = missing_browser_reason()
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    server = StreamlitServer(script, log_path=ARTIFACTS / log_name)
    try:
        server.start()
    except ServerError as error:
        pytest.fail(str(error))
    try:
        yield server.url
    finally:
        server.stop()
