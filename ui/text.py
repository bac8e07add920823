"""Untrusted text shown as plain text, never as Markdown, HTML, a link or an icon.

Streamlit renders the body of ``st.error``, ``st.warning``, ``st.info``,
``st.success``, ``st.markdown`` and ``st.caption`` as Markdown (GitHub flavour,
with autolinks, LaTeX between dollars, emoji and ``:material/…:`` icon
shortcodes and ``:red[…]`` colour directives). A file name, a value from the
link, a line of kernel text or an exception message that quotes one of them
must reach the screen exactly as it was written:

- :func:`plain` escapes such a string so that Markdown shows it literally;
- :func:`quote` makes a short, repr-style quotation of an untrusted value, to
  name it in a sentence without pasting all of it;
- :func:`message` (and :func:`error`, :func:`warning`, :func:`info`,
  :func:`success`) shows a sentence that contains such text in an alert box,
  with the usual icon.
"""

from __future__ import annotations

import re
from typing import Literal

import streamlit as st

__all__ = [
    "ICONS",
    "QUOTE_LIMIT",
    "error",
    "info",
    "message",
    "plain",
    "quote",
    "success",
    "warning",
]

QUOTE_LIMIT = 40
"""How many characters of an untrusted value :func:`quote` keeps by default."""

Kind = Literal["error", "warning", "info", "success"]

ICONS: dict[str, str] = {
    "error": ":material/error:",
    "warning": ":material/warning:",
    "info": ":material/info:",
    "success": ":material/check_circle:",
}
"""The icon each kind of alert box shows."""

#: ASCII punctuation that starts or ends a Markdown construct anywhere in a line:
#: emphasis, code, links and images, HTML and entities, tables, strikethrough, LaTeX,
#: directives and shortcodes. A backslash before it makes it a literal character.
_INLINE_SPECIAL = re.compile(r"([\\`*_{}\[\]()#<>!|~$&:])")
#: What starts a block at the beginning of a line: a list item ("-", "+", "1.", "1)"),
#: a setext heading underline ("=", "-"). Mid-line these are plain.
_LINE_START = re.compile(r"^([-+=])|^(\d+)([.)])", re.MULTILINE)
#: The starts of autolinks that the renderer finds in already-unescaped text
#: ("www.", "http://", "https://", "mailto:", "user@host.tld") and of emoji and icon
#: shortcodes (":smile:", ":material/home:"): a zero-width space after "www", after a
#: colon and after "@" breaks each of them without changing what a reader sees.
_BREAK_AFTER = re.compile(r"(?i)(www(?=\.)|\\:|@)(?=\S)")
_ZERO_WIDTH_SPACE = "\u200b"


def plain(text: object) -> str:
    """Escape text so that Streamlit's Markdown shows it literally.

    Parameters
    ----------
    text : object
        Any value; it is converted with ``str``.

    Returns
    -------
    str
        Markdown that renders as the same characters (plus invisible zero-width spaces
        after ``www``, ``:`` and ``@``), with no emphasis, code, strikethrough, heading,
        list, table, HTML, entity, link, autolink, image, LaTeX, emoji, icon or colour.
        Spaces and tabs at the start and end of each line are dropped (they would make
        code blocks and line breaks); line breaks stay.
    """
    lines = [line.strip(" \t") for line in str(text).replace("\r\n", "\n").split("\n")]
    escaped = _INLINE_SPECIAL.sub(r"\\\1", "\n".join(lines))
    escaped = _LINE_START.sub(_escape_line_start, escaped)
    return _BREAK_AFTER.sub(lambda match: match.group(1) + _ZERO_WIDTH_SPACE, escaped)


def _escape_line_start(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return f"{match.group(2)}\\{match.group(3)}"


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A short quotation of an untrusted value, to name it in a sentence.

    Parameters
    ----------
    value : object
        The value; it is converted with ``str``.
    limit : int, optional
        How many of its characters to keep at most.

    Returns
    -------
    str
        ``repr`` of the first ``limit`` characters (quotes around it, control and
        invisible characters such as a right-to-left override written as escapes),
        with "…" before the closing quote when the value was longer. It is plain
        text: show it through :func:`plain` or :func:`message`.
    """
    value = str(value)
    if len(value) <= limit:
        return repr(value)
    quoted = repr(value[: max(limit, 0)])
    return f"{quoted[:-1]}…{quoted[-1]}"


def message(kind: Kind, text: object, *, icon: str | None = None) -> None:
    """Show a sentence containing untrusted text in an alert box, as plain text.

    Parameters
    ----------
    kind : {"error", "warning", "info", "success"}
        Which Streamlit alert shows it.
    text : object
        The whole sentence, for example an exception's message; it is converted with
        ``str`` and shown through :func:`plain`.
    icon : str, optional
        The alert's icon; :data:`ICONS` gives the default for each kind.
    """
    if kind not in ICONS:
        raise ValueError(f"Unknown message kind {kind!r}; use one of: {', '.join(ICONS)}.")
    show = getattr(st, kind)
    show(plain(text), icon=icon or ICONS[kind])


def error(text: object, *, icon: str | None = None) -> None:
    """``st.error`` for a sentence containing untrusted text (see :func:`message`)."""
    message("error", text, icon=icon)


def warning(text: object, *, icon: str | None = None) -> None:
    """``st.warning`` for a sentence containing untrusted text (see :func:`message`)."""
    message("warning", text, icon=icon)


def info(text: object, *, icon: str | None = None) -> None:
    """``st.info`` for a sentence containing untrusted text (see :func:`message`)."""
    message("info", text, icon=icon)


def success(text: object, *, icon: str | None = None) -> None:
    """``st.success`` for a sentence containing untrusted text (see :func:`message`)."""
    message("success", text, icon=icon)
