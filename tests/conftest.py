"""Shared test setup."""

from __future__ import annotations

import pytest
from streamlit.runtime import pages_manager
from streamlit.testing.v1 import app_test


@pytest.fixture(scope="session", autouse=True)
def _serve_like_a_warm_server():
    """Make every AppTest run execute ``app.py`` directly, as a running server does.

    Once ``st.navigation`` has been called, a server executes the entry script on
    every rerun. AppTest recreates its pages manager before each run, which sees
    the ``pages/`` folder, so every run would look like the first one on a fresh
    server: the page alone starts, ``ui.frame.ensure_app_frame`` reruns it through
    ``app.py``, and that extra rerun drops one-shot clicks. Keeping the navigation
    mode on avoids the detour.
    """

    class NavigationPagesManager(pages_manager.PagesManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pages_manager.PagesManager.uses_pages_directory = False

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            pages_manager.PagesManager,
            "uses_pages_directory",
            pages_manager.PagesManager.uses_pages_directory,
        )
        patch.setattr(app_test, "PagesManager", NavigationPagesManager)
        yield
