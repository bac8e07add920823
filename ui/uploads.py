"""Uploaded images kept on the server under their content name, so that a link can name them.

An upload (or a webcam picture) is kept, encoded as it came, in the memory budget
under the hash of its bytes; the share link carries that name (``image=<name>``),
and any browser that opens the link is shown the same image while the server still
holds it. An upload stays for ``WORKBENCH_UPLOAD_TTL`` seconds (default two hours)
after it was last used, unless the budget needs the room first; a server restart
forgets them all. Names are checked to be 24 hexadecimal digits before any lookup.
"""

from __future__ import annotations

import hashlib
import os

from ui.budget import budget
from ui.state import IMAGE_NAME

TTL_ENV = "WORKBENCH_UPLOAD_TTL"
DEFAULT_TTL = 7200.0


def ttl() -> float:
    """Seconds an unused upload is kept (``WORKBENCH_UPLOAD_TTL``, default 7200)."""
    text = os.environ.get(TTL_ENV, "")
    if not text:
        return DEFAULT_TTL
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{TTL_ENV} must be a number of seconds, not {text[:40]!r}.") from None
    if not value > 0:
        raise ValueError(f"{TTL_ENV} must be a positive number of seconds, not {text[:40]!r}.")
    return value


def name_of(data: bytes) -> str:
    """The content name of some bytes: 24 hexadecimal digits of their BLAKE2b hash."""
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def keep(data: bytes) -> str:
    """Keep an upload's bytes for links; return its name."""
    name = name_of(data)
    if budget().get(("upload", name)) is None:
        budget().put(("upload", name), bytes(data), idle_seconds=ttl())
    return name


def find(name: str) -> bytes | None:
    """The bytes of the upload called ``name``, or None when it is not (or no longer) here."""
    if not IMAGE_NAME.fullmatch(name):
        return None
    return budget().get(("upload", name))


def ttl_words() -> str:
    """How long uploads are kept, in words, for messages."""
    hours = ttl() / 3600
    return f"{hours:g} hour{'s' if hours != 1 else ''}" if hours >= 1 else f"{ttl() / 60:g} minutes"
