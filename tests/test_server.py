"""The server's fixes (ui.server): reruns of unknown fragments, and a restart under an open page."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.runtime.app_session import AppSession

from tests.browser import chromium, free_port, missing_browser_reason, wait_idle
from ui import server


def test_a_rerun_of_an_unknown_fragment_runs_the_whole_page(monkeypatch):
    requested: list[ClientState] = []
    monkeypatch.setattr(AppSession, "request_rerun", lambda self, state: requested.append(state))
    monkeypatch.setattr(server, "_start_janitor", lambda: None)
    server.install()
    server.install()  # installing twice must not wrap twice
    session = SimpleNamespace(has_fragment=lambda fragment_id: fragment_id == "known")
    AppSession.request_rerun(session, ClientState(fragment_id="gone", page_name="compare"))
    AppSession.request_rerun(session, ClientState(fragment_id="known", page_name="compare"))
    AppSession.request_rerun(session, None)
    whole, fragment, empty = requested
    assert whole.fragment_id == "" and whole.page_name == "compare"
    assert fragment.fragment_id == "known"
    assert empty is None


def test_expiring_closed_sessions_without_a_server_does_nothing():
    assert server.expire_closed_sessions() == 0


@pytest.mark.browser
def test_a_page_survives_a_server_restart_and_its_next_click_takes_effect():
    reason = missing_browser_reason()
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    from benchmarks.check_faults import Server

    app = Server(free_port(), "restart_test")
    app.start()
    try:
        with chromium() as browser:
            page: Any = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
            page.goto(f"{app.url}/?preset=emboss&boundary=wrap", wait_until="domcontentloaded")
            verdict = page.locator('[data-testid="stMain"] [data-testid^="stAlertContent"]')
            wait_idle(page, verdict.filter(has_text="not symmetric"))
            app.kill()
            time.sleep(2)
            app.start()
            # The page reconnects by itself; the first click afterwards must work.
            deadline = time.monotonic() + 60
            button = page.get_by_role("button", name="Gaussian /273", exact=True)
            while time.monotonic() < deadline and button.is_disabled():
                time.sleep(0.2)
            time.sleep(1)
            button.click()
            wait_idle(page, verdict.filter(has_text="The kernel is symmetric"))
            boundary = page.locator(".st-key-boundary input").first.input_value()
            assert "wrap" in boundary
            assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        app.stop()
