"""Make sure every page runs inside the app's frame (app.py), even on a deep link.

Streamlit treats an app with a ``pages/`` folder as an old-style multipage app
until its entry script has called ``st.navigation`` once. So the very first
request to a fresh server for ``/fourier`` would run ``pages/fourier.py`` alone,
without the page config and the shared sidebar. Each page calls
:func:`ensure_app_frame` first: in that case it switches Streamlit to the
``st.navigation`` mode and reruns, and ``app.py`` then serves the same page.
"""

from __future__ import annotations

import streamlit as st


def ensure_app_frame() -> None:
    """Rerun through ``app.py`` when a page was started on its own."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without this internal: nothing to fix
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()
