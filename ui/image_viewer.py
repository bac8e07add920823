"""A light image viewer for rows of result pictures: linked zoom and pan, values on hover.

:func:`image_viewer` shows :class:`ui.figures.Panel` pictures side by side in one
Streamlit component (components v2: inline HTML, CSS and JavaScript, no iframe).
It replaces a chart library for this one job because the job is simple and has to
be fast: a kernel edit on a 1-megapixel image redraws a row of pictures in a few
milliseconds in the browser.

* **One binary message.** Python sends ``bytes``: a small JSON header followed by
  each panel's picture as raw 8-bit pixels (display size, at most
  :data:`ui.figures.DISPLAY_MAX_SIDE` on the long side; signed data as indices
  into the diverging map, which the browser applies, or as grey relief) and its
  values as float32
  for the hover read-out (every pixel up to :data:`ui.figures.HOVER_BUDGET`
  numbers per panel, then every n-th row and column, which the read-out says).
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

Raw pixels cost nothing to encode or decode, which matters more here than their
size: the server and the browser share two cores, and PNG encoding was the largest
part of an edit. Each panel's element carries ``data-picture`` (a digest of its
pixels) and, once painted, ``data-drawn`` (the same digest), which tell a test in a
real browser that a picture was replaced.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import struct
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import streamlit as st

from ui import figures, state
from ui.budget import budget
from ui.light_figures import RAMP_CSS

__all__ = ["MAGIC", "build_payload", "cached_viewer", "image_viewer", "read_payload"]

#: The first four bytes of a payload; the format version is its last character.
MAGIC = b"IMV1"
_ALIGN = 8
_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pictures")


def _fmt(value: float) -> str:
    return f"{value:.3g}"


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


def _panel_parts(panel: figures.Panel) -> tuple[dict[str, Any], bytes, bytes]:
    """Header entry, display pixels and float32 hover values of one panel."""
    picture = figures.display_picture(panel)
    pixels = np.ascontiguousarray(picture.pixels).tobytes()
    hover, stride = figures.hover_values(panel)
    rows, cols = panel.values.shape[:2]
    entry = {
        "title": panel.title,
        "rows": rows,
        "cols": cols,
        "origin": [int(panel.origin[0]), int(panel.origin[1])],
        "picture": {
            "width": picture.pixels.shape[1],
            "height": picture.pixels.shape[0],
            "channels": picture.pixels.shape[2],
            "indexed": picture.indexed,
        },
        "digest": hashlib.blake2b(pixels, digest_size=8).hexdigest(),
        "hover": {"rows": hover.shape[0], "cols": hover.shape[1], "stride": stride},
        "channels": _channel_names(panel.values),
        "scale": _scale_note(panel),
    }
    return entry, pixels, hover.astype("<f4", copy=False).tobytes()


def build_payload(
    panels: list[figures.Panel],
    *,
    group: str,
    max_height: int,
    row: str | None = None,
    hint: bool = True,
) -> bytes:
    """Encode panels for the browser: ``MAGIC``, header length, JSON header, blobs.

    The header (UTF-8 JSON) lists the panels with, for each, the byte ranges of
    its display pixels (uint8, row-major ``height × width × channels``: grey, RGB,
    or indices into the header's ``lut`` when ``indexed``) and of its hover values
    (float32, little-endian, row-major ``rows × cols × channels``), counted from
    the start of the blob section, which begins at the first multiple of 8 after
    the header.
    """
    if not panels:
        raise ValueError("image_viewer needs at least one panel.")
    parts = (
        list(_WORKERS.map(_panel_parts, panels)) if len(panels) > 1 else [_panel_parts(panels[0])]
    )
    blobs: list[bytes] = []
    offset = 0

    def place(blob: bytes) -> list[int]:
        nonlocal offset
        start = offset
        blobs.append(blob)
        padding = -len(blob) % _ALIGN
        blobs.append(b"\0" * padding)
        offset += len(blob) + padding
        return [start, len(blob)]

    entries = []
    for entry, pixels, hover in parts:
        entry["picture"]["range"] = place(pixels)
        entry["hover"]["range"] = place(hover)
        entries.append(entry)
    # The browser redraws only when the id changes, so it covers everything shown:
    # every header entry (titles, sizes, origins, scales, picture digests), the
    # hover values and the options.
    identity = hashlib.blake2b(digest_size=8)
    identity.update(json.dumps([group, row, hint, max_height, entries], sort_keys=True).encode())
    for _entry, _pixels, hover in parts:
        identity.update(hover)
    header = {
        "group": group,
        "row": row,
        "hint": hint,
        "maxHeight": int(max_height),
        "id": identity.hexdigest(),
        "panels": entries,
        "lut": figures.DIVERGING_LUT.reshape(-1).tolist(),
    }
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(len(MAGIC) + 4 + len(text)) % _ALIGN)
    return MAGIC + struct.pack("<I", len(text)) + text + b"".join(blobs)


def read_payload(payload: bytes) -> tuple[dict[str, Any], list[tuple[np.ndarray, np.ndarray]]]:
    """Decode :func:`build_payload`'s bytes: the header and each panel's pixels and values."""
    if payload[:4] != MAGIC:
        raise ValueError("not an image viewer payload")
    (length,) = struct.unpack("<I", payload[4:8])
    header = json.loads(payload[8 : 8 + length])
    base = 8 + length
    decoded = []
    for entry in header["panels"]:
        start, size = entry["picture"]["range"]
        picture = entry["picture"]
        pixels = np.frombuffer(payload[base + start : base + start + size], dtype=np.uint8)
        pixels = pixels.reshape(picture["height"], picture["width"], picture["channels"])
        start, size = entry["hover"]["range"]
        hover = np.frombuffer(payload[base + start : base + start + size], dtype="<f4")
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
  if (u8.length < 8 || String.fromCharCode(u8[0], u8[1], u8[2], u8[3]) !== "IMV1") return null;
  const length = new DataView(u8.buffer, u8.byteOffset, 8).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(u8.subarray(8, 8 + length)));
  const base = 8 + length;
  for (const p of header.panels) {
    const [ps, pl] = p.picture.range;
    p.pixels = u8.subarray(base + ps, base + ps + pl);
    const [hs, hl] = p.hover.range;
    p.values = new Float32Array(u8.slice(base + hs, base + hs + hl).buffer);
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
    figure.dataset.picture = p.digest;
    const title = el("div", "iv-title", p.title);
    title.title = p.title;
    const canvas = el("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", p.title);
    figure.append(title, canvas, scaleNote(p.scale));
    inst.grid.append(figure);
    attach(inst, canvas);
    const cell = { canvas, figure, panel: p, bitmap: null };
    createImageBitmap(toImageData(p, header.lut)).then((bitmap) => {
      cell.bitmap = bitmap;
      if (inst.header === header) schedule(inst.group);
    });
    return cell;
  });
  layout(inst);
}

function toImageData(p, lut) {
  const { width, height, channels, indexed } = p.picture;
  const image = new ImageData(width, height);
  const out = image.data;
  const src = p.pixels;
  const n = width * height;
  if (indexed) {
    for (let i = 0, o = 0; i < n; i++, o += 4) {
      const k = src[i] * 3;
      out[o] = lut[k]; out[o + 1] = lut[k + 1]; out[o + 2] = lut[k + 2]; out[o + 3] = 255;
    }
  } else if (channels === 1) {
    for (let i = 0, o = 0; i < n; i++, o += 4) {
      const v = src[i];
      out[o] = v; out[o + 1] = v; out[o + 2] = v; out[o + 3] = 255;
    }
  } else {
    for (let i = 0, o = 0, j = 0; i < n; i++, o += 4, j += 3) {
      out[o] = src[j]; out[o + 1] = src[j + 1]; out[o + 2] = src[j + 2]; out[o + 3] = 255;
    }
  }
  return image;
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
  for (const cell of inst.cells) {
    const ctx = cell.canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const p = cell.panel;
    const left = (p.origin[1] - cx) * s + width / 2;
    const top = (p.origin[0] - cy) * s + height / 2;
    if (cell.bitmap) {
      ctx.imageSmoothingEnabled = (s * p.cols) / p.picture.width < 2;
      ctx.drawImage(cell.bitmap, left, top, p.cols * s, p.rows * s);
      cell.figure.dataset.drawn = p.digest;
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
  return { r, c, sr: hr * st, sc: hc * st, values: Array.from(p.values.subarray(at, at + k)) };
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
  const found = inst.header.panels.map((p) => valueAt(p, hover[0], hover[1]));
  const first = found.find((f) => f);
  const same = inst.header.panels.every((p) => p.origin[0] === 0 && p.origin[1] === 0);
  const where = first ? `Pixel x ${first.c}, y ${first.r}` : "Outside the pictures";
  box.append(el("div", "iv-where", same ? where : "Values under the cursor"));
  let sampled = 0;
  inst.header.panels.forEach((p, i) => {
    const f = found[i];
    let text = "—";
    if (f) {
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
  canvas.addEventListener("pointermove", (ev) => {
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
    const old = inst.cells;
    inst.header = header;
    inst.extent = extents(header.panels);
    inst.readoutKey = null;
    inst.size = null;
    build(inst, header);
    for (const cell of old) if (cell.bitmap) cell.bitmap.close();
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


def _cached_payload(
    identity: str,
    panels: list[figures.Panel],
    group: str,
    max_height: int,
    row: str | None,
    hint: bool,
) -> bytes:
    """The viewer's message, kept in the memory budget under what identifies it."""
    return budget().get_or_compute(
        ("viewer", identity, group, max_height, row, hint),
        lambda: build_payload(panels, group=group, max_height=max_height, row=row, hint=hint),
    )


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

    ``hint`` shows how to zoom, pan and read values under the panels until the
    pointer is over a picture.

    Signed panels are drawn as ``signed_display`` says ("diverging" or
    "relief"); by default as the user chose in the sidebar.

    Panels with a ``key`` are encoded once: a rerun with the same panel keys
    sends the same bytes without encoding anything again.
    """
    shown = signed_display or chosen_signed_display()
    panels = [
        dataclasses.replace(panel, signed_display=shown)
        if panel.signed and panel.signed_display != shown
        else panel
        for panel in panels
    ]
    if all(panel.key is not None for panel in panels):
        identity = "|".join(
            f"{panel.key}:{panel.title}:{panel.signed}:{panel.display}:{panel.limit}:{panel.origin}"
            f":{panel.signed_display}"
            for panel in panels
        )
        payload = _cached_payload(identity, panels, group, max_height, row, hint)
    else:
        payload = build_payload(panels, group=group, max_height=max_height, row=row, hint=hint)
    _COMPONENT(key=key, data=payload, width="stretch", height="content")


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
