"""What the server process needs before its first session: one fix to Streamlit's reruns.

A page whose server restarted (or whose replica died behind a proxy) reconnects to a
new server process with a new session. When the page's last run was a full run, the
browser does not ask the new session to run the script, so the session knows none of
the page's ``st.fragment``s; a click inside one (the Compare page's kernel panel) asks
to rerun a fragment the session does not have, and Streamlit drops it with an "info"
line in the log: the click does nothing. :func:`install` makes such a request run the
whole script instead, with the same widget states, so the click takes effect.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("workbench")


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
