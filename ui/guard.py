"""Keep every failure inside the page: a plain message, never a traceback."""

from __future__ import annotations

import contextlib
import logging

import streamlit as st

from filters import FiltersError
from ui import text as plain_text

logger = logging.getLogger("workbench")


@contextlib.contextmanager
def guarded(what: str):
    """Show ``FiltersError``s as their message (plain text) and anything else as an apology.

    Streamlit's own control flow (rerun, stop) derives from ``BaseException`` and
    passes through untouched. Unexpected errors are logged on the server with
    their traceback, which the user never sees.
    """
    try:
        yield
    except FiltersError as exc:
        # The message may quote a file name, a link value or kernel text: show it as is.
        plain_text.error(exc)
    except Exception:
        logger.exception("Unexpected error while %s", what)
        st.error(
            f"Something went wrong while {what}. The rest of the app still works: "
            "try another setting, or reload the page.",
            icon=":material/error:",
        )
