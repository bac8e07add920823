"""A light image viewer for rows of result pictures: linked zoom and pan, values on hover.

:func:`image_viewer` shows :class:`ui.figures.Panel` pictures side by side in one
Streamlit component (components v2: inline HTML, CSS and JavaScript, no iframe).
It replaces a chart library for this one job because the job is simple and has to
be fast: a kernel edit on a 1-megapixel image redraws a row of pictures in a few
milliseconds in the browser.

* **A small message, files by name.** Python sends ``bytes``: a JSON header that
  lists the panels. Each panel's picture is a PNG (display size, at most
  :data:`ui.figures.DISPLAY_MAX_SIDE` on the long side; signed data as a palette
  PNG on the diverging map, or as grey relief), and its values for the hover
  read-out are float32 (every pixel up to :data:`ui.figures.HOVER_BUDGET` numbers
  per panel, then every n-th row and column, which the read-out says). In an app
  both travel as Streamlit media files named by their content: the browser
  fetches a picture it does not hold yet and draws the ones it holds at once, so
  an unchanged picture (the input, a kernel seen before) is never sent twice, and
  it fetches the values only when the pointer first moves over a picture. Outside
  an app run (a script, a unit test) they follow the header in the same bytes.
* **Linked views.** Every viewer with the same ``group`` shares one view (centre
  and zoom, in the pixel coordinates of the data) and one cursor: scrolling,
  dragging or the zoom buttons move all of them; hovering one marks the same
  pixel in all of them and lists every panel's value there, under its panel.
* **Pixels stay pixels.** Zoomed in beyond two screen pixels per picture pixel,
  pictures are drawn without smoothing.
* **Signed data the user's way.** Signed panels follow the sidebar's choice
  (:attr:`ui.state.Demo.signed`): the diverging map, or grey relief with zero at
  mid-grey; the legend under each says which.
* Panels may have different sizes (``output="full"`` or ``"valid"``); a panel's
  ``origin`` places its pixel (0, 0) in the shared coordinates, so corresponding
  pixels line up.

PNGs are made fast (every row "Sub"-filtered, deflated at level 1) and decoded by
the browser off its main thread. Each panel's element carries ``data-picture`` (a
digest of its pixels) and, once painted, ``data-drawn`` (the same digest), which
tell a test in a real browser that a picture was replaced.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import streamlit as st
from PIL import Image
from streamlit import config

from ui import figures, state
from ui.budget import budget
from ui.light_figures import RAMP_CSS

__all__ = [
    "MAGIC",
    "Message",
    "build_message",
    "build_payload",
    "cached_viewer",
    "encode_png",
    "image_viewer",
    "read_payload",
]

#: The first four bytes of a payload; the format version is its last character.
MAGIC = b"IMV2"
PNG_TYPE = "image/png"
VALUES_TYPE = "application/octet-stream"
_ALIGN = 8
_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pictures")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(pixels: np.ndarray, palette: np.ndarray | None = None, *, level: int = 1) -> bytes:
    """8-bit pixels (h, w, 1 or 3) as a PNG: grey, RGB, or indices into ``palette``.

    Every row is "Sub"-filtered (each byte minus the one a pixel to its left) and
    deflated at ``level``: a smooth picture shrinks to a third or a half of its raw
    bytes in a few milliseconds, and the browser decodes it off its main thread.
    """
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    height, width, channels = pixels.shape
    if channels not in (1, 3) or (palette is not None and channels != 1):
        raise ValueError(f"encode_png needs grey, RGB or indexed pixels, not {pixels.shape}.")
    rows = pixels.reshape(height, width * channels)
    raw = np.empty((height, width * channels + 1), dtype=np.uint8)
    raw[:, 0] = 1  # filter type "Sub"
    raw[:, 1 : 1 + channels] = rows[:, :channels]
    np.subtract(rows[:, channels:], rows[:, :-channels], out=raw[:, 1 + channels :])
    colour_type = 3 if palette is not None else (0 if channels == 1 else 2)
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    parts = [_PNG_SIGNATURE, _chunk(b"IHDR", header)]
    if palette is not None:
        parts.append(_chunk(b"PLTE", np.ascontiguousarray(palette, dtype=np.uint8).tobytes()))
    parts.append(_chunk(b"IDAT", zlib.compress(raw.data, level)))
    parts.append(_chunk(b"IEND", b""))
    return b"".join(parts)


def decode_png(data: bytes) -> np.ndarray:
    """A PNG of :func:`encode_png` as (h, w, channels) uint8 (palette PNGs as indices)."""
    with Image.open(io.BytesIO(data)) as picture:
        pixels = np.asarray(picture)
    return pixels if pixels.ndim == 3 else pixels[:, :, None]


def _scale_note(panel: figures.Panel) -> dict[str, Any]:
    """What the colours mean: a ramp with its end values, or a sentence."""
    if panel.signed and panel.signed_display == "relief":
        limit = panel.limit or figures.signed_limit(panel.values)
        text = figures.signed_legend(limit, "relief")
        return {
            "ramp": figures.relief_ramp(),
            "ticks": [_fmt(-limit), "0", _fmt(limit)],
            "text": text + ("; luma of R, G, B" if panel.values.ndim == 3 else ""),
        }
    if panel.signed:
        limit = panel.limit or figures.signed_limit(panel.values)
        return {
            "ramp": figures.diverging_ramp(),
            "ticks": [_fmt(-limit), "0", _fmt(limit)],
            "text": "mean of R, G, B" if panel.values.ndim == 3 else "",
        }
    colour = panel.values.ndim == 3
    if panel.display == "rescale":
        extent = figures.finite_extent(panel.values)
        low, high = extent if extent is not None else (0.0, 1.0)
        text = f"rescaled: {_fmt(low)} → {'black' if not colour else 'dark'}, {_fmt(high)} → "
        text += "white" if not colour else "bright"
        return {"text": text}
    return {"text": ("RGB" if colour else "grey") + ", clipped to [0, 1]"}


def _channel_names(values: np.ndarray) -> list[str]:
    if values.ndim == 2:
        return [""]
    channels = values.shape[2]
    return list("RGB") if channels == 3 else [f"c{i}" for i in range(channels)]


def _digest(data: bytes | memoryview) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def _panel_parts(panel: figures.Panel) -> tuple[dict[str, Any], bytes, bytes]:
    """Header entry, PNG picture and float32 hover values of one panel."""
    picture = figures.display_picture(panel)
    pixels = np.ascontiguousarray(picture.pixels)
    png = encode_png(pixels, figures.DIVERGING_LUT if picture.indexed else None)
    hover, stride = figures.hover_values(panel)
    hover_bytes = hover.astype("<f4", copy=False).tobytes()
    rows, cols = panel.values.shape[:2]
    entry = {
        "title": panel.title,
        "rows": rows,
        "cols": cols,
        "origin": [int(panel.origin[0]), int(panel.origin[1])],
        "picture": {
            "width": pixels.shape[1],
            "height": pixels.shape[0],
            "channels": pixels.shape[2],
            "indexed": picture.indexed,
        },
        "digest": _digest(pixels.data),
        "hover": {
            "rows": hover.shape[0],
            "cols": hover.shape[1],
            "stride": stride,
            "digest": _digest(hover_bytes),
        },
        "channels": _channel_names(panel.values),
        "scale": _scale_note(panel),
    }
    return entry, png, hover_bytes


@dataclasses.dataclass(frozen=True)
class Message:
    """A viewer's message and the files it names: ``(name, bytes, MIME type, URL)``.

    ``files`` is empty when the pictures and values follow the header in ``payload``.
    """

    payload: bytes
    files: tuple[tuple[str, bytes, str, str], ...] = ()

    @property
    def nbytes(self) -> int:
        return len(self.payload) + sum(len(data) for _, data, _, _ in self.files)


#: Link: (file name in the viewer, bytes, MIME type) -> the URL the browser fetches.
Link = Callable[[str, bytes, str], str]


def build_message(
    panels: list[figures.Panel],
    *,
    group: str,
    max_height: int,
    row: str | None = None,
    hint: bool = True,
    link: Link | None = None,
) -> Message:
    """Encode panels for the browser: ``MAGIC``, header length, JSON header, blobs.

    The header (UTF-8 JSON) lists the panels. Each panel's picture (a PNG: grey,
    RGB, or a palette PNG when ``indexed``) and hover values (float32,
    little-endian, row-major ``rows × cols × channels``) are named by a ``url``
    that ``link`` gives for them, or, without ``link``, given as byte ranges
    (``range``: start and length) counted from the start of the blob section,
    which begins at the first multiple of 8 after the header.
    """
    if not panels:
        raise ValueError("image_viewer needs at least one panel.")
    parts = (
        list(_WORKERS.map(_panel_parts, panels)) if len(panels) > 1 else [_panel_parts(panels[0])]
    )
    blobs: list[bytes] = []
    files: list[tuple[str, bytes, str, str]] = []
    offset = 0

    def place(name: str, blob: bytes, mime: str) -> dict[str, Any]:
        nonlocal offset
        if link is not None:
            url = link(name, blob, mime)
            files.append((name, blob, mime, url))
            return {"url": url, "bytes": len(blob)}
        start = offset
        blobs.append(blob)
        padding = -len(blob) % _ALIGN
        blobs.append(b"\0" * padding)
        offset += len(blob) + padding
        return {"range": [start, len(blob)]}

    entries = []
    for index, (entry, png, hover) in enumerate(parts):
        entry["picture"].update(place(f"{index}:png", png, PNG_TYPE))
        entry["hover"].update(place(f"{index}:values", hover, VALUES_TYPE))
        entries.append(entry)
    # The browser redraws only when the id changes, so it covers everything shown:
    # every header entry (titles, sizes, origins, scales, digests of the pictures and
    # of the hover values) and the options; file names and ranges are left out.
    travel = ("url", "range", "bytes")
    shown = [
        {
            **entry,
            "picture": {k: v for k, v in entry["picture"].items() if k not in travel},
            "hover": {k: v for k, v in entry["hover"].items() if k not in travel},
        }
        for entry in entries
    ]
    identity = json.dumps([group, row, hint, max_height, shown], sort_keys=True).encode()
    header = {
        "group": group,
        "row": row,
        "hint": hint,
        "maxHeight": int(max_height),
        "id": _digest(identity),
        "panels": entries,
    }
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(len(MAGIC) + 4 + len(text)) % _ALIGN)
    payload = MAGIC + struct.pack("<I", len(text)) + text + b"".join(blobs)
    return Message(payload, tuple(files))


def build_payload(
    panels: list[figures.Panel],
    *,
    group: str,
    max_height: int,
    row: str | None = None,
    hint: bool = True,
) -> bytes:
    """:func:`build_message` with the pictures and values in the same bytes."""
    return build_message(panels, group=group, max_height=max_height, row=row, hint=hint).payload


#: The files of the latest messages of AppTest runs by URL, for :func:`read_payload`.
_RECENT_FILES: OrderedDict[str, bytes] = OrderedDict()
_RECENT_LOCK = threading.Lock()
_RECENT_COUNT = 512


def _remember(url: str, data: bytes) -> None:
    with _RECENT_LOCK:
        _RECENT_FILES[url] = data
        _RECENT_FILES.move_to_end(url)
        while len(_RECENT_FILES) > _RECENT_COUNT:
            _RECENT_FILES.popitem(last=False)


def _part(payload: bytes, base: int, where: dict[str, Any]) -> bytes:
    if "range" in where:
        start, size = where["range"]
        return payload[base + start : base + start + size]
    with _RECENT_LOCK:
        found = _RECENT_FILES.get(where["url"])
    if found is None:
        raise KeyError(f"the viewer file {where['url']} is no longer at hand")
    return found


def read_payload(payload: bytes) -> tuple[dict[str, Any], list[tuple[np.ndarray, np.ndarray]]]:
    """Decode a viewer's bytes: the header and each panel's pixels and values.

    Files named by URL are read from those of the latest messages built in this
    process (a test reads what the browser would fetch).
    """
    if payload[:4] != MAGIC:
        raise ValueError("not an image viewer payload")
    (length,) = struct.unpack("<I", payload[4:8])
    header = json.loads(payload[8 : 8 + length])
    base = 8 + length
    decoded = []
    for entry in header["panels"]:
        pixels = decode_png(_part(payload, base, entry["picture"]))
        hover = np.frombuffer(_part(payload, base, entry["hover"]), dtype="<f4")
        shape = (entry["hover"]["rows"], entry["hover"]["cols"], len(entry["channels"]))
        decoded.append((pixels, hover.reshape(shape)))
    return header, decoded


_HTML = """
<div class="iv" data-iv="root">
  <div class="iv-bar">
    <button type="button" data-iv="zoom-in" title="Zoom in">+</button>
    <button type="button" data-iv="zoom-out" title="Zoom out">&minus;</button>
    <button type="button" data-iv="reset" title="Show whole pictures">Reset view</button>
  </div>
  <div class="iv-grid" data-iv="grid"></div>
  <div class="iv-readout" data-iv="readout" aria-live="polite"></div>
</div>
"""

_CSS = (
    RAMP_CSS
    + """
.iv {
  font-family: var(--st-font, "Source Sans Pro", sans-serif);
  color: var(--st-text-color, #31333f);
  font-size: 1rem;
  line-height: 1.35;
}
.iv-bar {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 0.4rem 0.6rem;
  margin-bottom: 0.5rem;
}
.iv button {
  font: inherit;
  min-width: 2.4rem;
  min-height: 2.2rem;
  padding: 0.2rem 0.8rem;
  color: inherit;
  background: var(--st-background-color, #ffffff);
  border: 1px solid var(--st-border-color, #d5d7de);
  border-radius: var(--st-button-radius, 0.5rem);
  cursor: pointer;
}
.iv button:hover {
  border-color: var(--st-primary-color, #ff4b4b);
}
.iv button:focus-visible {
  outline: 2px solid var(--st-primary-color, #ff4b4b);
  outline-offset: 2px;
}
.iv-grid, .iv-readout {
  display: grid;
  gap: 1rem;
  grid-template-columns: repeat(var(--iv-columns, 1), minmax(0, 1fr));
}
/* Phones: one picture a row, at the full width of the screen. */
@media (max-width: 640px) {
  .iv-grid, .iv-readout {
    grid-template-columns: minmax(0, 1fr);
  }
}
/* Each panel's title, picture and legend sit on rows shared with its neighbours
   (subgrid), so a title that wraps onto two lines keeps every picture level. */
.iv-panel {
  margin: 0;
  min-width: 0;
  display: grid;
  grid-row: span 3;
  grid-template-rows: subgrid;
  row-gap: 0;
}
.iv-title {
  font-weight: 600;
  font-size: clamp(0.9rem, 0.55rem + 0.9vw, 1.05rem);
  text-align: center;
  margin-bottom: 0.25rem;
  align-self: end;
  overflow-wrap: anywhere;
}
.iv canvas {
  display: block;
  width: 100%;
  background: #eef0f4;
  border-radius: 4px;
  cursor: grab;
  touch-action: none;
}
.iv canvas.iv-dragging {
  cursor: grabbing;
}
.iv-scale {
  margin-top: 0.3rem;
  font-size: 0.9rem;
  text-align: center;
}
.iv-readout {
  margin-top: 0.5rem;
  font-size: 0.95rem;
  font-variant-numeric: tabular-nums;
}
.iv-where {
  grid-column: 1 / -1;
  font-weight: 600;
}
.iv-value {
  text-align: center;
  overflow-wrap: anywhere;
}
.iv-note {
  grid-column: 1 / -1;
  font-size: 0.85rem;
  opacity: 0.75;
}
"""
)

_JS = r"""
const GROUPS = new Map();
const INSTANCES = new WeakMap();
const MAX_ZOOM = 256;
// Pictures and hover values fetched by URL (content-named files), most recent last:
// a picture seen before (the input, a kernel picked again) is drawn without a fetch.
const PICTURES = new Map();
const VALUES = new Map();
const KEEP_PICTURES = 40;
const KEEP_VALUES = 24;

function kept(store, url, limit, make) {
  let found = store.get(url);
  if (found) {
    store.delete(url);
  } else {
    found = make();
    // A failed fetch (the file was replaced meanwhile) is tried again when asked again.
    found.catch(() => {
      if (store.get(url) === found) store.delete(url);
    });
  }
  store.set(url, found);
  while (store.size > limit) store.delete(store.keys().next().value);
  return found;
}

function fetched(url, as) {
  return fetch(new URL(url, window.location.origin)).then((response) => {
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return as === "blob" ? response.blob() : response.arrayBuffer();
  });
}

function pictureOf(p) {
  if (p.picture.url) {
    return kept(PICTURES, p.picture.url, KEEP_PICTURES, () =>
      fetched(p.picture.url, "blob").then((blob) => createImageBitmap(blob))
    );
  }
  return createImageBitmap(new Blob([p.png], { type: "image/png" }));
}

// Hover values: held in the message, or fetched once the pointer is over a picture.
function wantValues(g) {
  for (const inst of g.members) {
    if (!inst.header) continue;
    for (const p of inst.header.panels) {
      if (p.values || p.valuesWanted || !p.hover.url) continue;
      p.valuesWanted = true;
      kept(VALUES, p.hover.url, KEEP_VALUES, () =>
        fetched(p.hover.url).then((buffer) => new Float32Array(buffer))
      ).then(
        (values) => {
          p.values = values;
          inst.readoutKey = null;
          schedule(g);
        },
        () => {
          p.valuesFailed = true;
          inst.readoutKey = null;
          schedule(g);
        }
      );
    }
  }
}

function valuesPending(inst) {
  return inst.header.panels.some((p) => !p.values && !p.valuesFailed);
}

function group(name) {
  let g = GROUPS.get(name);
  if (!g) {
    g = {
      view: { cx: null, cy: null, zoom: 1 },
      hover: null,
      members: new Set(),
      rows: new Map(),
      frame: 0,
    };
    GROUPS.set(name, g);
  }
  return g;
}

function schedule(g) {
  if (g.frame) return;
  g.frame = requestAnimationFrame(() => {
    g.frame = 0;
    for (const inst of g.members) draw(inst);
  });
}

function readPayload(data) {
  if (!data) return null;
  const u8 = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (u8.length < 8 || String.fromCharCode(u8[0], u8[1], u8[2], u8[3]) !== "IMV2") return null;
  const length = new DataView(u8.buffer, u8.byteOffset, 8).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(u8.subarray(8, 8 + length)));
  const base = 8 + length;
  for (const p of header.panels) {
    if (p.picture.range) {
      const [ps, pl] = p.picture.range;
      p.png = u8.subarray(base + ps, base + ps + pl);
    }
    if (p.hover.range) {
      const [hs, hl] = p.hover.range;
      p.values = new Float32Array(u8.slice(base + hs, base + hs + hl).buffer);
    }
  }
  return header;
}

function formatValue(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a < 1e-4 || a >= 1e6) return v.toExponential(4).replace(/\.?0+e/, "e");
  return String(Number(v.toPrecision(5)));
}

function extents(panels) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const p of panels) {
    x0 = Math.min(x0, p.origin[1]);
    y0 = Math.min(y0, p.origin[0]);
    x1 = Math.max(x1, p.origin[1] + p.cols);
    y1 = Math.max(y1, p.origin[0] + p.rows);
  }
  return { x0, y0, x1, y1, w: x1 - x0, h: y1 - y0 };
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function build(inst, header) {
  const n = header.panels.length;
  inst.grid.replaceChildren();
  inst.grid.style.setProperty("--iv-columns", String(n));
  inst.readout.style.setProperty("--iv-columns", String(n));
  inst.cells = header.panels.map((p, i) => {
    const figure = el("figure", "iv-panel");
    figure.dataset.ivPanel = String(i);
    const title = el("div", "iv-title");
    const canvas = el("canvas");
    canvas.setAttribute("role", "img");
    figure.append(title, canvas, el("div", "iv-scale"));
    inst.grid.append(figure);
    attach(inst, canvas);
    const cell = { canvas, figure, title, panel: null, bitmap: null, drawn: null, state: null };
    fill(inst, header, cell, p);
    return cell;
  });
  layout(inst);
}

// A new message with as many panels (a kernel edit): the panels' elements stay and
// only what changed is written; each canvas keeps its picture until the new one is
// decoded, so nothing is laid out again and no panel goes blank in between.
function update(inst, header) {
  header.panels.forEach((p, i) => fill(inst, header, inst.cells[i], p));
}

function fill(inst, header, cell, p) {
  const old = cell.panel;
  cell.panel = p;
  cell.figure.dataset.picture = p.digest;
  delete cell.figure.dataset.failed;
  if (!old || old.title !== p.title) {
    cell.title.textContent = p.title;
    cell.title.title = p.title;
    cell.canvas.setAttribute("aria-label", p.title);
  }
  if (!old || JSON.stringify(old.scale) !== JSON.stringify(p.scale)) {
    cell.figure.replaceChild(scaleNote(p.scale), cell.figure.lastChild);
  }
  pictureOf(p).then(
    (bitmap) => {
      if (cell.panel !== p) return; // a newer message replaced this panel meanwhile
      cell.bitmap = bitmap;
      cell.bitmapPanel = p;
      cell.drawn = p.digest;
      if (inst.header === header) schedule(inst.group);
    },
    () => {
      // Replaced on the server before it was fetched: a newer message follows.
      if (cell.panel === p) cell.figure.dataset.failed = "true";
    }
  );
}

function scaleNote(scale) {
  const box = el("div", "iv-scale");
  if (scale.ramp) {
    const ramp = el("div", "ramp");
    ramp.style.background = `linear-gradient(to right, ${scale.ramp.join(", ")})`;
    const ticks = el("div", "ticks");
    for (const t of scale.ticks) ticks.append(el("span", "", t));
    box.append(ramp, ticks);
  }
  if (scale.text) box.append(el("div", "", scale.text));
  return box;
}

function layout(inst) {
  if (!inst.header || !inst.cells.length) return;
  const e = inst.extent;
  const width = inst.cells[0].canvas.parentElement.clientWidth || 300;
  const natural = Math.max(80, Math.min(inst.header.maxHeight, (width * e.h) / e.w));
  inst.width = width;
  const row = rowOf(inst);
  row.set(inst, natural);
  applyRow(inst.group, inst.rowName);
}

function rowOf(inst) {
  let row = inst.group.rows.get(inst.rowName);
  if (!row) {
    row = new Map();
    inst.group.rows.set(inst.rowName, row);
  }
  return row;
}

// Viewers of one row share the smallest natural height and the union of their
// extents, so that corresponding pixels are drawn at one scale.
function applyRow(g, name) {
  const row = g.rows.get(name);
  if (!row || !row.size) return;
  const height = Math.min(...row.values());
  const union = extents([].concat(...[...row.keys()].map((m) => m.header.panels)));
  const dpr = window.devicePixelRatio || 1;
  for (const member of row.keys()) {
    member.rowExtent = union;
    if (member.size && member.size.height === height && member.size.width === member.width &&
        member.size.dpr === dpr) continue;
    for (const cell of member.cells) {
      cell.state = null; // resizing a canvas clears it
      cell.canvas.style.height = `${height}px`;
      cell.canvas.width = Math.round(member.width * dpr);
      cell.canvas.height = Math.round(height * dpr);
    }
    member.size = { width: member.width, height, dpr };
  }
  schedule(g);
}

function leaveRow(inst) {
  const row = inst.group.rows.get(inst.rowName);
  if (row && row.delete(inst)) applyRow(inst.group, inst.rowName);
}

function viewOf(inst) {
  const v = inst.group.view;
  const e = inst.rowExtent || inst.extent;
  const cx = v.cx === null ? e.x0 + e.w / 2 : v.cx;
  const cy = v.cy === null ? e.y0 + e.h / 2 : v.cy;
  const fit = Math.min(inst.size.width / e.w, inst.size.height / e.h);
  return { cx, cy, s: fit * v.zoom };
}

function toData(inst, sx, sy) {
  const { cx, cy, s } = viewOf(inst);
  return [(sx - inst.size.width / 2) / s + cx, (sy - inst.size.height / 2) / s + cy];
}

function draw(inst) {
  if (!inst.header || !inst.size) return;
  const { cx, cy, s } = viewOf(inst);
  const { width, height, dpr } = inst.size;
  const hover = inst.group.hover;
  const where = hover ? `${Math.floor(hover[0])},${Math.floor(hover[1])}` : "";
  for (const cell of inst.cells) {
    // A canvas is painted again only when what it shows changed: a picture that
    // arrives, the view, the size or the cursor's pixel (not at every frame of a group).
    const state = `${cx},${cy},${s},${width},${height},${dpr},${where},${cell.drawn}`;
    if (cell.state === state) continue;
    cell.state = state;
    const ctx = cell.canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    // The picture decoded last, placed as its own panel was (the panel it replaces
    // has the same place and size unless the message changed them).
    const p = cell.bitmapPanel || cell.panel;
    const left = (p.origin[1] - cx) * s + width / 2;
    const top = (p.origin[0] - cy) * s + height / 2;
    if (cell.bitmap) {
      ctx.imageSmoothingEnabled = (s * p.cols) / p.picture.width < 2;
      ctx.drawImage(cell.bitmap, left, top, p.cols * s, p.rows * s);
      cell.figure.dataset.drawn = cell.drawn;
    }
    if (hover) {
      const x = (Math.floor(hover[0]) - cx) * s + width / 2;
      const y = (Math.floor(hover[1]) - cy) * s + height / 2;
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(0,0,0,0.85)";
      mark(ctx, x, y, s, width, height);
      ctx.lineWidth = 1.2;
      ctx.strokeStyle = "#ffd400";
      mark(ctx, x, y, s, width, height);
    }
  }
  readout(inst, hover);
}

function mark(ctx, x, y, s, width, height) {
  ctx.beginPath();
  if (s >= 6) {
    ctx.rect(x, y, s, s);
  } else {
    const mx = x + s / 2, my = y + s / 2;
    ctx.moveTo(mx, Math.max(0, my - 14)); ctx.lineTo(mx, my - 4);
    ctx.moveTo(mx, my + 4); ctx.lineTo(mx, Math.min(height, my + 14));
    ctx.moveTo(Math.max(0, mx - 14), my); ctx.lineTo(mx - 4, my);
    ctx.moveTo(mx + 4, my); ctx.lineTo(Math.min(width, mx + 14), my);
  }
  ctx.stroke();
}

function valueAt(p, X, Y) {
  const r = Math.floor(Y) - p.origin[0];
  const c = Math.floor(X) - p.origin[1];
  if (r < 0 || c < 0 || r >= p.rows || c >= p.cols) return null;
  const st = p.hover.stride;
  const hr = Math.min(p.hover.rows - 1, Math.round(r / st));
  const hc = Math.min(p.hover.cols - 1, Math.round(c / st));
  const k = p.channels.length;
  const at = (hr * p.hover.cols + hc) * k;
  const values = p.values ? Array.from(p.values.subarray(at, at + k)) : null;
  return { r, c, sr: hr * st, sc: hc * st, values };
}

function readout(inst, hover) {
  const key = hover ? `${Math.floor(hover[0])},${Math.floor(hover[1])}` : "";
  if (key === inst.readoutKey) return;
  inst.readoutKey = key;
  const box = inst.readout;
  box.replaceChildren();
  if (!hover) {
    if (!inst.header.hint) return;
    box.append(
      el(
        "div",
        "iv-note",
        "Hover to read values. Scroll or +/− to zoom, drag to pan, double-click to reset: " +
          "all pictures move together."
      )
    );
    return;
  }
  if (valuesPending(inst)) {
    // "Pixel x …" appears with the values, never before them.
    inst.readoutKey = null;
    box.append(el("div", "iv-where", "Reading the values…"));
    return;
  }
  const found = inst.header.panels.map((p) => valueAt(p, hover[0], hover[1]));
  const first = found.find((f) => f);
  const same = inst.header.panels.every((p) => p.origin[0] === 0 && p.origin[1] === 0);
  const where = first ? `Pixel x ${first.c}, y ${first.r}` : "Outside the pictures";
  box.append(el("div", "iv-where", same ? where : "Values under the cursor"));
  let sampled = 0;
  inst.header.panels.forEach((p, i) => {
    const f = found[i];
    let text = "—";
    if (f && f.values) {
      const names = p.channels;
      text = f.values
        .map((v, j) => (names[j] ? `${names[j]} ${formatValue(v)}` : formatValue(v)))
        .join(" · ");
      if (f.sr !== f.r || f.sc !== f.c) text = "≈ " + text;
      if (!same) text = `(x ${f.c}, y ${f.r}) ${text}`;
      sampled = Math.max(sampled, p.hover.stride);
    }
    const cell = el("div", "iv-value", text);
    cell.dataset.ivValue = String(i);
    box.append(cell);
  });
  if (sampled > 1 && inst.header.hint) {
    box.append(
      el(
        "div",
        "iv-note",
        `≈: for large pictures the browser holds 1 row and column in ${sampled}; ` +
          "the value shown is the nearest one held. Download the NPY for every value."
      )
    );
  }
}

function setView(inst, view) {
  Object.assign(inst.group.view, view);
  schedule(inst.group);
}

function zoomAt(inst, factor, sx, sy) {
  const v = inst.group.view;
  const zoom = Math.min(MAX_ZOOM, Math.max(0.5, v.zoom * factor));
  const [X, Y] = toData(inst, sx, sy);
  const { cx, cy, s } = viewOf(inst);
  const s2 = (s / v.zoom) * zoom;
  setView(inst, {
    zoom,
    cx: X - (sx - inst.size.width / 2) / s2,
    cy: Y - (sy - inst.size.height / 2) / s2,
  });
}

function attach(inst, canvas) {
  let drag = null;
  const local = (ev) => {
    const r = canvas.getBoundingClientRect();
    return [ev.clientX - r.left, ev.clientY - r.top];
  };
  canvas.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    canvas.setPointerCapture(ev.pointerId);
    canvas.classList.add("iv-dragging");
    const { cx, cy } = viewOf(inst);
    drag = { x: ev.clientX, y: ev.clientY, cx, cy };
  });
  canvas.addEventListener("pointerenter", () => wantValues(inst.group));
  canvas.addEventListener("pointermove", (ev) => {
    wantValues(inst.group);
    if (drag) {
      const { s } = viewOf(inst);
      setView(inst, {
        cx: drag.cx - (ev.clientX - drag.x) / s,
        cy: drag.cy - (ev.clientY - drag.y) / s,
      });
    }
    const [sx, sy] = local(ev);
    inst.group.hover = toData(inst, sx, sy);
    schedule(inst.group);
  });
  const end = (ev) => {
    drag = null;
    canvas.classList.remove("iv-dragging");
    if (canvas.hasPointerCapture(ev.pointerId)) canvas.releasePointerCapture(ev.pointerId);
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("pointerleave", () => {
    if (drag) return;
    inst.group.hover = null;
    schedule(inst.group);
  });
  canvas.addEventListener(
    "wheel",
    (ev) => {
      ev.preventDefault();
      const [sx, sy] = local(ev);
      const step = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaY;
      zoomAt(inst, Math.exp(-step * 0.0015), sx, sy);
    },
    { passive: false }
  );
  canvas.addEventListener("dblclick", () => setView(inst, { cx: null, cy: null, zoom: 1 }));
}

function createInstance(root, groupName, rowName) {
  const inst = {
    root,
    rowName,
    generation: 0,
    grid: root.querySelector('[data-iv="grid"]'),
    readout: root.querySelector('[data-iv="readout"]'),
    group: group(groupName),
    header: null,
    cells: [],
    size: null,
    readoutKey: null,
  };
  const centre = (factor) => {
    if (!inst.size) return;
    zoomAt(inst, factor, inst.size.width / 2, inst.size.height / 2);
  };
  root.querySelector('[data-iv="zoom-in"]').addEventListener("click", () => centre(1.6));
  root.querySelector('[data-iv="zoom-out"]').addEventListener("click", () => centre(1 / 1.6));
  root.querySelector('[data-iv="reset"]').addEventListener("click", () =>
    setView(inst, { cx: null, cy: null, zoom: 1 })
  );
  inst.observer = new ResizeObserver(() => layout(inst));
  inst.observer.observe(inst.grid);
  return inst;
}

export default function (component) {
  const { parentElement, data } = component;
  const root = parentElement.querySelector('[data-iv="root"]');
  const header = readPayload(data);
  if (!root || !header) return undefined;
  const rowName = header.row || `${header.group}::${Math.random()}`;
  let inst = INSTANCES.get(parentElement);
  if (!inst || inst.group !== group(header.group) || (header.row && inst.rowName !== header.row)) {
    if (inst) {
      inst.group.members.delete(inst);
      leaveRow(inst);
      inst.observer.disconnect();
    }
    inst = createInstance(root, header.group, rowName);
    INSTANCES.set(parentElement, inst);
  }
  inst.group.members.add(inst);
  if (!inst.header || inst.header.id !== header.id) {
    const previous = inst.header;
    const extent = extents(header.panels);
    const same =
      previous &&
      previous.panels.length === header.panels.length &&
      previous.maxHeight === header.maxHeight &&
      previous.hint === header.hint &&
      ["x0", "y0", "w", "h"].every((k) => inst.extent[k] === extent[k]);
    inst.header = header;
    inst.extent = extent;
    inst.readoutKey = null;
    if (same) {
      update(inst, header);
      schedule(inst.group);
    } else {
      inst.size = null;
      build(inst, header);
    }
    // Values were wanted for the pictures this replaces: want them for these as well.
    if (inst.group.hover) wantValues(inst.group);
  }
  if (!rowOf(inst).has(inst)) layout(inst);
  root.dataset.ivId = header.id;
  inst.generation += 1;
  const generation = inst.generation;
  return () => {
    // Streamlit keeps only the latest cleanup; an older one may still run late.
    if (inst.generation !== generation) return;
    inst.group.members.delete(inst);
    leaveRow(inst);
  };
}
"""

_COMPONENT = st.components.v2.component(
    "filter_workbench_image_viewer",
    html=_HTML,
    css=_CSS,
    js=_JS,
)


def _media_files():
    """Streamlit's media file manager during an app run, else None."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if not runtime.exists() or get_script_run_ctx() is None:
        return None
    return getattr(runtime.get_instance(), "media_file_mgr", None)


def _linker(media, key: str) -> Link:
    """Register a viewer's files as this session's media files; give their URLs.

    A file is named by its content, so the same picture has the same URL in every
    run and session; its place (the viewer's key and the file's name in it) is what
    a later run replaces, after which Streamlit forgets the file no one shows.
    """
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}" if base else ""
    # An AppTest run keeps the files it names, for read_payload; a server does not.
    testing = bool(config.get_option("global.appTest"))

    def link(name: str, data: bytes, mime: str) -> str:
        url = prefix + media.add(data, mime, coordinates=f"image_viewer:{key}:{name}")
        if testing:
            _remember(url, data)
        return url

    return link


def _cached_message(
    identity: str,
    panels: list[figures.Panel],
    group: str,
    max_height: int,
    row: str | None,
    hint: bool,
    link: Link | None,
) -> Message:
    """The viewer's message, kept in the memory budget under what identifies it.

    A kept message's files are registered again for this run (the same URLs).
    """
    key = ("viewer", identity, group, max_height, row, hint, link is not None)

    def build() -> Message:
        return build_message(
            panels, group=group, max_height=max_height, row=row, hint=hint, link=link
        )

    message = budget().get_or_compute(key, build)
    if link is not None and any(link(n, d, m) != url for n, d, m, url in message.files):
        message = build()  # another media server than the kept message's (not in an app)
    return message


def chosen_signed_display() -> str:
    """How the user chose to see signed data (the sidebar's "Show signed results")."""
    demo = st.session_state.get(state.DEMO)
    return getattr(demo, "signed", "diverging")


def image_viewer(
    panels: list[figures.Panel],
    *,
    key: str,
    group: str = "images",
    row: str | None = None,
    max_height: int = 440,
    hint: bool = True,
    signed_display: str | None = None,
) -> None:
    """Show ``panels`` side by side, linked with every viewer of the same ``group``.

    Viewers of one group that also share a ``row`` (placed side by side in
    columns) are drawn at one height and one scale, as if they were one row.
    Splitting a row this way lets a panel that rarely changes (the input) travel
    in its own message, which Streamlit does not send again while it is unchanged.
    Pictures and values travel as media files named by their content: the browser
    fetches a picture only when it does not hold it yet, and values on first hover.

    ``hint`` shows how to zoom, pan and read values under the panels until the
    pointer is over a picture.

    Signed panels are drawn as ``signed_display`` says ("diverging" or
    "relief"); by default as the user chose in the sidebar.

    Panels with a ``key`` are encoded once: a rerun with the same panel keys
    sends the same small message without encoding anything again.
    """
    shown = signed_display or chosen_signed_display()
    panels = [
        dataclasses.replace(panel, signed_display=shown)
        if panel.signed and panel.signed_display != shown
        else panel
        for panel in panels
    ]
    media = _media_files()
    link = _linker(media, key) if media is not None else None
    if all(panel.key is not None for panel in panels):
        identity = "|".join(
            f"{panel.key}:{panel.title}:{panel.signed}:{panel.display}:{panel.limit}:{panel.origin}"
            f":{panel.signed_display}"
            for panel in panels
        )
        message = _cached_message(identity, panels, group, max_height, row, hint, link)
    else:
        message = build_message(
            panels, group=group, max_height=max_height, row=row, hint=hint, link=link
        )
    _COMPONENT(key=key, data=message.payload, width="stretch", height="content")


def _built_panels(
    key: str, identity: tuple, build: Callable[[], list[figures.Panel]]
) -> list[figures.Panel]:
    """The panels ``build`` makes, kept in the memory budget under ``identity``."""
    digest = hashlib.blake2b(repr((key, identity)).encode(), digest_size=8).hexdigest()
    return budget().get_or_compute(
        ("panels", key, digest),
        lambda: [
            dataclasses.replace(panel, key=f"{key}|{digest}|{index}")
            for index, panel in enumerate(build())
        ],
    )


def cached_viewer(
    key: str,
    identity: tuple,
    build: Callable[[], list[figures.Panel]],
    *,
    group: str | None = None,
    max_height: int = 380,
) -> None:
    """:func:`image_viewer` of the panels ``build`` makes, built once per ``identity``.

    ``identity`` names everything the panels depend on; a rerun with the same
    identity shows the same message without building or encoding anything.
    """
    panels = _built_panels(key, identity, build)
    image_viewer(panels, key=key, group=group or key, max_height=max_height)
