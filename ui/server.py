"""What the server process needs before its first session: one fix to Streamlit's reruns.

A page whose server restarted (or whose replica died behind a proxy) reconnects to a
new server process with a new session. When the page's last run was a full run, the
browser does not ask the new session to run the script, so the session knows none of
the page's ``st.fragment``s; a click inside one (the Compare page's kernel panel) asks
to rerun a fragment the session does not have, and Streamlit drops it with an "info"
line in the log: the click does nothing. :func:`install` makes such a request run the
whole script instead, with the same widget states, so the click takes effect.

And one janitor: Streamlit keeps a closed page's session for two minutes, so that the
page can reconnect to it, in a time-limited cache that only drops entries when it is
next used, and without shutting them down. On a quiet server (the class has left) the
sessions, their uploads and everything their state refers to then stay in memory.
:func:`expire_closed_sessions`, run every half minute by a daemon thread, shuts them
down once their two minutes are over and gives the memory back to the system.
"""

from __future__ import annotations

import gc
import logging
import threading

logger = logging.getLogger("workbench")

#: Seconds between two runs of :func:`expire_closed_sessions`.
JANITOR_INTERVAL = 30.0

_janitor: threading.Thread | None = None
_janitor_lock = threading.Lock()


def install() -> None:
    """Make a rerun request for a fragment unknown to its session run the whole app."""
    from streamlit.runtime.app_session import AppSession

    original = AppSession.request_rerun
    if getattr(original, "runs_unknown_fragments_whole", False):
        return

    def request_rerun(self, client_state):
        fragment_id = client_state.fragment_id if client_state else ""
        if fragment_id and not self.has_fragment(fragment_id):
            logger.info("Unknown fragment %s: running the whole page instead.", fragment_id)
            whole = type(client_state)()
            whole.CopyFrom(client_state)
            whole.ClearField("fragment_id")
            client_state = whole
        return original(self, client_state)

    request_rerun.runs_unknown_fragments_whole = True
    AppSession.request_rerun = request_rerun
    _start_janitor()


def expire_closed_sessions() -> int:
    """Shut down the closed sessions whose time to reconnect is over; return how many.

    Does nothing (returns 0) before the server runs or if Streamlit's internals differ.
    """
    from streamlit import runtime

    from ui.budget import release_to_os

    if not runtime.exists():
        return 0
    manager = getattr(runtime.get_instance(), "_session_mgr", None)
    cache = getattr(getattr(manager, "_session_storage", None), "_cache", None)
    lock = getattr(manager, "_storage_lock", None)
    if cache is None or lock is None or not hasattr(cache, "expire"):
        return 0
    with lock:
        expired = list(cache.expire())
    for _, info in expired:
        try:
            info.session.shutdown()
        except Exception:
            logger.exception("Could not shut down the closed session %s", info.session.id)
    count = len(expired)
    if count:
        del expired, info  # the sessions' last references here, before collecting
        gc.collect()
        release_to_os()
    return count


def _start_janitor() -> None:
    global _janitor
    with _janitor_lock:
        if _janitor is not None:
            return
        _janitor = threading.Thread(target=_janitor_loop, name="closed-sessions", daemon=True)
        _janitor.start()


def _janitor_loop() -> None:
    stop = threading.Event()
    while not stop.wait(JANITOR_INTERVAL):
        try:
            expire_closed_sessions()
        except Exception:
            logger.exception("Expiring closed sessions failed")
