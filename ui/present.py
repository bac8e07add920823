"""Screens for a room: the page's layout rules, presentation mode, keyboard keys and sharing.

:func:`style` sets the layout the pages share (results in view at 1280×720 with the
sidebar open, pictures stacked on phones) and, in presentation mode, large type for a
projector. :func:`keys` listens for the workbench's keyboard keys in the browser and
returns the action of the key pressed; :func:`share` shows the current link with a
"Copy link" button and its QR code, so a room opens the same state in seconds.
"""

from __future__ import annotations

import functools
import html
import io
from urllib.parse import urlencode, urlsplit, urlunsplit

import segno
import streamlit as st

from ui import state

#: The keys, in the order they are listed on screen.
KEYS = {
    "← →": "previous / next quick pick",
    "f": "flip the kernel 180°",
    "t": "transpose the kernel",
    "g": "back to the Gaussian /273",
    "?": "show or hide this list",
}

_BASE_CSS = """
<style>
/* Results in view: less empty space above and beside the page's content. */
[data-testid="stMainBlockContainer"] { padding-top: 3.2rem; padding-bottom: 3rem; }
@media (min-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-left: 2rem; padding-right: 2rem; }
}
[data-testid="stMainBlockContainer"] h1 { font-size: 2.1rem; padding-top: 0; }
/* Buttons keep their whole label: it wraps instead of being cut. */
[data-testid="stBaseButton-secondary"] p, [data-testid="stBaseButton-primary"] p {
  white-space: normal; overflow-wrap: anywhere;
}
/* Phones: nothing wider than the screen. */
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] {
    padding-left: 0.8rem; padding-right: 0.8rem; padding-top: 4.2rem;
  }
  [data-testid="stMainBlockContainer"] h1 { font-size: 1.6rem; }
  .stMain { overflow-x: hidden; }
}
.wb-verdict { font-size: 1.3rem; font-weight: 600; line-height: 1.35; padding: 0.6rem 1rem;
  border-radius: 0.5rem; margin: 0.2rem 0 0.4rem 0; }
.wb-verdict.wb-same { background: #e8f5ec; color: #1d6b3a; }
.wb-verdict.wb-differ { background: #fff4d6; color: #7a5200; }
</style>
"""

_PRESENT_CSS = """
<style>
/* A projector: body text of at least 24 px at 1280×720, the verdict larger still. */
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label,
[data-testid="stMain"] button p, [data-testid="stMain"] [data-testid="stCaptionContainer"] {
  font-size: 24px !important; line-height: 1.35;
}
.wb-verdict { font-size: 30px; }
[data-testid="stMainBlockContainer"] { padding-top: 3.4rem; }
</style>
"""


def style(mode: str) -> None:
    """The layout rules of every page, and large type in presentation mode."""
    st.html(_BASE_CSS + (_PRESENT_CSS if mode == "present" else ""))


def verdict(text: str, same: bool) -> None:
    """The verdict sentence in large type (computed text only; escaped all the same)."""
    kind = "wb-same" if same else "wb-differ"
    st.html(f'<div class="wb-verdict {kind}" role="status">{html.escape(text)}</div>')


def share_url(demo: state.Demo) -> str:
    """The link to ``demo`` on this server: the page's address with the demo's parameters."""
    address = urlsplit(str(st.context.url or ""))
    return urlunsplit(
        (address.scheme, address.netloc, address.path, urlencode(state.to_query(demo)), "")
    )


@functools.lru_cache(maxsize=256)
def qr_png(url: str) -> bytes:
    """A QR code of ``url`` as a PNG (dark on white, a quiet zone of four modules)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


def share(demo: state.Demo, *, qr_width: int = 220) -> None:
    """The link to this state, a "Copy link" button and the link's QR code."""
    url = share_url(demo)
    st.caption("The address of this page is the link to what it shows: kernel, options and image.")
    _KEYS_COMPONENT(
        key="share_link", data={"copy": url, "listen": False}, width="stretch", height="content"
    )
    st.image(
        qr_png(url),
        width=qr_width,
        caption="Scan to open this state",
        alt="QR code of the link to this state",
    )


#: Widget key of the keyboard component.
KEYBOARD = "keyboard"


def keys(on_key, *, shown: bool = False) -> str | None:
    """Listen for the keys; ``on_key(KEYBOARD)`` runs before the run a key starts.

    Returns the action of the key pressed (None if none), for a session whose
    callbacks are not registered yet. ``shown`` lists the keys on the page; ``?``
    shows or hides the list in any case.
    """
    result = _KEYS_COMPONENT(
        key=KEYBOARD,
        data={"listen": True, "shown": shown, "large": shown, "keys": list(KEYS.items())},
        width="stretch",
        height="content",
        on_key_change=functools.partial(on_key, KEYBOARD),
    )
    return result.get("key") if result else None


_JS = r"""
const ACTIONS = {
  ArrowLeft: "previous", ArrowRight: "next", f: "flip", t: "transpose", g: "gaussian",
};
const LISTENERS = new WeakMap();
const BATCH_MS = 120;

function typing(target) {
  if (!target) return false;
  const tag = (target.tagName || "").toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
}

function copyText(text, button) {
  const done = () => {
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy link"; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => fallback(text) && done());
  } else if (fallback(text)) {
    done();
  }
}

function fallback(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
  area.remove();
  return ok;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = parentElement.querySelector('[data-wb="root"]');
  if (!root || !data) return undefined;
  root.replaceChildren();
  if (data.copy) {
    const row = document.createElement("div");
    row.className = "wb-share";
    const link = document.createElement("input");
    link.type = "text";
    link.readOnly = true;
    link.value = data.copy;
    link.setAttribute("aria-label", "Link to this state");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Copy link";
    button.addEventListener("click", () => copyText(data.copy, button));
    row.append(link, button);
    root.append(row);
  }
  let help = null;
  if (data.keys) {
    help = document.createElement("div");
    help.className = "wb-keys";
    help.hidden = !data.shown;
    if (data.large) help.classList.add("wb-large");
    help.setAttribute("aria-label", "Keyboard keys");
    for (const [key, what] of data.keys) {
      const item = document.createElement("span");
      const kbd = document.createElement("kbd");
      kbd.textContent = key;
      item.append(kbd, " " + what);
      help.append(item);
    }
    root.append(help);
  }
  if (!data.listen) return undefined;
  const onKey = (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "?") {
      if (help) help.hidden = !help.hidden;
      event.preventDefault();
      return;
    }
    const action = ACTIONS[event.key];
    if (!action) return;
    event.preventDefault();
    // Keys pressed in quick succession travel together, as one rerun: two reruns
    // started a few milliseconds apart can leave part of the page dimmed.
    pending.push(action);
    clearTimeout(flush);
    flush = setTimeout(() => {
      setTriggerValue("key", pending.join(" "));
      pending = [];
    }, BATCH_MS);
  };
  let pending = [];
  let flush = null;
  const previous = LISTENERS.get(parentElement);
  if (previous) document.removeEventListener("keydown", previous);
  document.addEventListener("keydown", onKey);
  LISTENERS.set(parentElement, onKey);
  return () => {
    document.removeEventListener("keydown", onKey);
    LISTENERS.delete(parentElement);
  };
}
"""

_CSS = """
.wb-share { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; }
.wb-share input {
  flex: 1 1 12rem; min-width: 0; font: inherit; padding: 0.35rem 0.5rem;
  border: 1px solid var(--st-border-color, #d5d7de); border-radius: 0.5rem;
  background: var(--st-secondary-background-color, #f0f2f6); color: inherit;
}
.wb-share button, .wb-keys kbd { font: inherit; }
.wb-share button {
  padding: 0.35rem 0.9rem; border: 1px solid var(--st-border-color, #d5d7de);
  border-radius: 0.5rem; background: var(--st-background-color, #fff); color: inherit;
  cursor: pointer;
}
.wb-share button:focus-visible { outline: 2px solid var(--st-primary-color, #ff4b4b); }
.wb-keys[hidden] { display: none; }
.wb-keys.wb-large { font-size: 24px; }
.wb-keys { display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; font-size: inherit; }
.wb-keys kbd {
  display: inline-block; min-width: 1.6em; padding: 0 0.35em; text-align: center;
  border: 1px solid var(--st-border-color, #b9bcc6); border-bottom-width: 2px;
  border-radius: 0.3rem; background: var(--st-secondary-background-color, #f0f2f6);
}
"""

_KEYS_COMPONENT = st.components.v2.component(
    "filter_workbench_keys",
    html='<div data-wb="root"></div>',
    css=_CSS,
    js=_JS,
)
