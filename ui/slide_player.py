"""An animation of the kernel sliding over a small image, convolution and correlation side by side.

:func:`slide_player` shows a :class:`filters.slide.Slide` in one Streamlit component
(components v2: inline HTML, CSS and JavaScript, no iframe). Python sends one JSON
message, :func:`player_data`: the slide's payload (every window, product and sum,
computed by :mod:`filters.slide`) plus the pictures' pixels and colour scales; the
browser then plays it with ``requestAnimationFrame``, with no server run per frame.

For each operation a canvas draws the extended input with the window outlined
(cells outside the image faded), the output filling in up to the current
position, the kernel as applied and the products (numbers on a diverging colour
scale), and their sum written out as a formula. Controls: Play/Pause, a step back
and forward, a scrubber over the output positions and a speed of 0.5–20 positions
a second; keys: space plays or pauses, ← and → step (unless the focus is in a text
field or another control that uses them).

The root element reports its state for tests: ``data-position`` (0-based, raster
order), ``data-row``, ``data-col``, ``data-count``, ``data-playing``, ``data-speed``,
``data-conv-sum`` and ``data-corr-sum`` (the sums of products at the position, as
sent, in JavaScript's shortest round-trip notation) and ``data-fps``, the frames
drawn in the last second while playing.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import streamlit as st

from filters import images
from filters.slide import Slide
from ui import figures

__all__ = ["SPEEDS", "player_data", "slide_player"]

#: The speeds offered, in output positions per second.
SPEEDS = (0.5, 1, 2, 3, 5, 8, 10, 15, 20)
#: The speed a player starts at.
DEFAULT_SPEED = 5

SYMBOLS = {"convolve": "∗", "correlate": "⋆"}
TITLES = {
    "convolve": "Convolution I ∗ K: the kernel rotated 180°",
    "correlate": "Correlation I ⋆ K: the kernel as given",
}
KERNEL_LABELS = {"convolve": "K′ = K rotated 180°", "correlate": "K as given"}
PRODUCT_LABELS = {"convolve": "Products K′ × W", "correlate": "Products K × W"}


def _rgb(picture: np.ndarray) -> str:
    """An (H, W) grey or (H, W, 3) uint8 picture as base64 of its RGB bytes."""
    pixels = np.asarray(picture, dtype=np.uint8)
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[..., np.newaxis], 3, axis=2)
    return base64.b64encode(np.ascontiguousarray(pixels).tobytes()).decode("ascii")


def _grey(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Grey levels for ``low .. high`` (black .. white)."""
    span = high - low if high > low else 1.0
    return np.round(255 * np.clip((values - low) / span, 0.0, 1.0)).astype(np.uint8)


def _plain_range(values: np.ndarray) -> tuple[float, float]:
    """The grey range of unsigned data: 0 .. 1, widened to the data."""
    return min(0.0, float(values.min())), max(1.0, float(values.max()))


def player_data(run: Slide, *, signed_display: str = "diverging") -> dict[str, Any]:
    """The one message the player gets: the slide's payload, pictures and colour scales.

    Parameters
    ----------
    run : filters.slide.Slide
    signed_display : {"diverging", "relief"}
        How results with negative values are drawn (the sidebar's choice).

    Returns
    -------
    dict
        :meth:`Slide.payload` plus ``pictures`` (base64 RGB of the extended input and
        of each result), ``display`` (colour table and the limits of the number
        grids' colours), ``labels`` and ``legend`` (sentences shown under the
        pictures) and ``speeds``.
    """
    payload = run.payload()
    results = np.concatenate([run.convolve.result.ravel(), run.correlate.result.ravel()])
    low, high = _plain_range(run.extended)
    pictures = {"input": _rgb(_grey(run.extended, low, high))}
    if figures.looks_signed(results):
        limit = figures.signed_limit(results)
        for part in (run.convolve, run.correlate):
            if signed_display == "relief":
                picture = images.signed_to_grey(part.result, limit)
            else:
                picture = images.signed_to_rgb(part.result, limit, figures.DIVERGING_LUT)
            pictures[part.operation] = _rgb(picture)
        output_legend = f"Output colours: {figures.signed_legend(limit, signed_display)}."
    else:
        out_low, out_high = _plain_range(results)
        for part in (run.convolve, run.correlate):
            pictures[part.operation] = _rgb(_grey(part.result, out_low, out_high))
        output_legend = f"Output greys: black = {out_low:.3g}, white = {out_high:.3g}."
    products = np.concatenate([run.convolve.products.ravel(), run.correlate.products.ravel()])
    payload["pictures"] = pictures
    payload["display"] = {
        "lut": figures.DIVERGING_LUT.ravel().tolist(),
        "kernel_limit": figures.signed_limit(run.kernel),
        "products_limit": figures.signed_limit(products),
    }
    payload["labels"] = {
        "titles": TITLES,
        "kernels": KERNEL_LABELS,
        "products": PRODUCT_LABELS,
        "symbols": SYMBOLS,
        "input": f"Input Ĩ ({run.boundary})",
    }
    payload["legend"] = (
        f"Faded cells lie outside the image: the boundary rule ({run.boundary}) supplies "
        f"them. Input greys: black = {low:.3g}, white = {high:.3g}. {output_legend} "
        "Kernel and products: red > 0, blue < 0; an orange corner marks a product with a "
        "cell outside the image."
    )
    payload["speeds"] = list(SPEEDS)
    payload["default_speed"] = DEFAULT_SPEED
    return payload


def slide_player(data: dict[str, Any], *, key: str) -> None:
    """Show the player for :func:`player_data`'s message."""
    _COMPONENT(key=key, data=data, width="stretch", height="content")


_HTML = """
<div class="sp" data-sp="root" data-position="0" data-playing="false" data-fps="0">
  <div class="sp-controls">
    <button type="button" data-sp="play" aria-label="Play">▶ Play</button>
    <button type="button" data-sp="back" aria-label="Step back one position">−1</button>
    <button type="button" data-sp="next" aria-label="Step forward one position">+1</button>
    <input type="range" data-sp="scrub" min="0" max="0" step="1" value="0"
      aria-label="Output position">
    <span class="sp-speed">
      <label><span>Speed</span>
        <input type="range" data-sp="speed" min="0" max="8" step="1" value="4"
          aria-label="Speed in positions per second"></label>
      <span data-sp="speed-text">5 /s</span>
    </span>
    <span class="sp-readout" data-sp="readout">position 0, 0 (1 of 1)</span>
  </div>
  <div class="sp-panels">
    <figure class="sp-op" data-op="convolve">
      <figcaption data-sp="title"></figcaption>
      <canvas role="img" aria-label="Convolution"></canvas>
    </figure>
    <figure class="sp-op" data-op="correlate">
      <figcaption data-sp="title"></figcaption>
      <canvas role="img" aria-label="Correlation"></canvas>
    </figure>
  </div>
  <p class="sp-legend" data-sp="legend"></p>
</div>
"""

_CSS = """
.sp {
  font-family: var(--st-font, "Source Sans Pro", sans-serif);
  color: var(--st-text-color, #31333f);
  font-size: 1rem;
}
.sp-controls {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 0.4rem 0.7rem;
  margin-bottom: 0.5rem;
}
.sp-controls button {
  font: inherit;
  font-size: 1.05rem;
  min-width: 3rem;
  padding: 0.3rem 0.8rem;
  border: 1px solid var(--st-border-color, #c3c6cf);
  border-radius: 0.5rem;
  background: var(--st-background-color, #fff);
  color: inherit;
  cursor: pointer;
}
.sp-controls button[data-sp="play"] { min-width: 6.5rem; font-weight: 600; }
.sp-controls button:focus-visible, .sp-controls input:focus-visible {
  outline: 2px solid var(--st-primary-color, #ff4b4b);
  outline-offset: 2px;
}
.sp-controls input[data-sp="scrub"] { flex: 1 1 10rem; min-width: 8rem; }
.sp-speed { display: inline-flex; align-items: center; gap: 0.4rem; }
.sp-speed label { display: inline-flex; align-items: center; gap: 0.4rem; }
.sp-speed input { width: 7rem; }
.sp-readout, [data-sp="speed-text"] {
  font-variant-numeric: tabular-nums;
  white-space: nowrap;
}
.sp-readout { font-weight: 600; font-size: 1.1rem; }
.sp-panels {
  display: flex;
  flex-wrap: wrap;
  gap: 1rem 1.5rem;
}
.sp-op { flex: 1 1 300px; min-width: 0; margin: 0; }
.sp-op figcaption { font-weight: 600; font-size: 1.15rem; margin-bottom: 0.3rem; }
.sp-op canvas { display: block; width: 100%; }
.sp-legend { font-size: 0.95rem; margin: 0.5rem 0 0 0; opacity: 0.85; }
"""

_JS = r"""
const INSTANCES = new WeakMap();
const GAP = 14;
const LABEL = 24;
const WINDOW_COLOUR = "#ffb000";
const OUTSIDE_COLOUR = "#e8590c";

function decode(text, Type) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
  return Type === Uint8Array ? bytes : new Type(bytes.buffer);
}

function readData(data) {
  if (!data || typeof data !== "object" || !data.extended || !data.convolve) return null;
  const operation = (o) => ({
    applied: decode(o.applied, Float64Array),
    products: decode(o.products, Float32Array),
    sums: decode(o.sums, Float64Array),
    result: decode(o.result, Float64Array),
  });
  return {
    id: data.id,
    image: data.image,
    kernel: data.kernel,
    out: data.output_shape,
    ext: { shape: data.extended.shape, offset: data.extended.offset },
    ops: { convolve: operation(data.convolve), correlate: operation(data.correlate) },
    pictures: {
      input: decode(data.pictures.input, Uint8Array),
      convolve: decode(data.pictures.convolve, Uint8Array),
      correlate: decode(data.pictures.correlate, Uint8Array),
    },
    lut: data.display.lut,
    kernelLimit: data.display.kernel_limit,
    productsLimit: data.display.products_limit,
    labels: data.labels,
    legend: data.legend,
    speeds: data.speeds,
    defaultSpeed: data.default_speed,
  };
}

function bitmap(rgb, rows, cols) {
  const canvas = document.createElement("canvas");
  canvas.width = cols;
  canvas.height = rows;
  const context = canvas.getContext("2d");
  const picture = context.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i += 1) {
    picture.data[4 * i] = rgb[3 * i];
    picture.data[4 * i + 1] = rgb[3 * i + 1];
    picture.data[4 * i + 2] = rgb[3 * i + 2];
    picture.data[4 * i + 3] = 255;
  }
  context.putImageData(picture, 0, 0);
  return canvas;
}

function format(value, digits) {
  if (value === 0 || Object.is(value, -0)) return "0";
  const text = String(Number(value.toPrecision(digits)));
  return text.replace("-", "\u2212");
}

function colourOf(lut, value, limit) {
  // images.signed_to_index on 256 levels: floor((v / limit + 1) / 2 * 255 + 1/2).
  const scaled = Math.min(1, Math.max(-1, value / limit));
  const i = Math.floor(((scaled + 1) / 2) * 255 + 0.5);
  const r = lut[3 * i], g = lut[3 * i + 1], b = lut[3 * i + 2];
  const channel = (c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const dark = 1.05 / (luminance + 0.05) > (luminance + 0.05) / 0.05;
  return { fill: `rgb(${r}, ${g}, ${b})`, text: dark ? "#ffffff" : "#000000" };
}

function typing(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select" || target.isContentEditable) return true;
  return tag === "input" && !["range", "button", "submit", "reset"].includes(target.type);
}

function ownsArrows(target) {
  if (!target || !target.tagName) return false;
  if (target.tagName.toLowerCase() === "input" && target.type === "range") return true;
  return Boolean(
    target.closest &&
      target.closest('[role="slider"], [role="combobox"], [role="listbox"], [role="radiogroup"], ' +
        '[role="radio"], [role="tablist"], [role="tab"], [role="menu"], [role="spinbutton"]')
  );
}

function ownsSpace(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toLowerCase();
  return tag === "button" || tag === "a" || tag === "summary" ||
    (target.getAttribute && target.getAttribute("role") === "button");
}

function createInstance(root) {
  const find = (name) => root.querySelector(`[data-sp="${name}"]`);
  const inst = {
    root,
    play: find("play"),
    back: find("back"),
    next: find("next"),
    scrub: find("scrub"),
    speedInput: find("speed"),
    speedText: find("speed-text"),
    readout: find("readout"),
    legend: find("legend"),
    panels: [...root.querySelectorAll(".sp-op")].map((figure) => ({
      op: figure.dataset.op,
      figure,
      title: figure.querySelector('[data-sp="title"]'),
      canvas: figure.querySelector("canvas"),
      layout: null,
      kernelTexts: null,
      base: null,
      baseKey: -1,
    })),
    data: null,
    pictures: null,
    position: 0,
    progress: 0,
    playing: false,
    speed: 5,
    frame: 0,
    lastTime: 0,
    playStart: 0,
    frames: [],
    fps: 0,
    onKey: null,
    listening: false,
    observer: null,
    generation: 0,
  };
  inst.play.addEventListener("click", () => toggle(inst));
  inst.back.addEventListener("click", () => step(inst, -1));
  inst.next.addEventListener("click", () => step(inst, 1));
  inst.scrub.addEventListener("input", () => {
    inst.progress = Number(inst.scrub.value);
    setPosition(inst, Number(inst.scrub.value));
    if (!inst.playing) draw(inst);
  });
  inst.speedInput.addEventListener("input", () => setSpeed(inst, Number(inst.speedInput.value)));
  inst.onKey = (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || !inst.data) return;
    if (!inst.root.isConnected) return;
    const target = event.composedPath ? event.composedPath()[0] : event.target;
    if (typing(target)) return;
    if (event.key === " " || event.key === "Spacebar") {
      if (ownsSpace(target)) return;
      event.preventDefault();
      toggle(inst);
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      if (ownsArrows(target)) return;
      event.preventDefault();
      step(inst, event.key === "ArrowLeft" ? -1 : 1);
    }
  };
  return inst;
}

function count(inst) {
  return inst.data ? inst.data.out[0] * inst.data.out[1] : 1;
}

function setSpeed(inst, index) {
  const speeds = inst.data ? inst.data.speeds : [5];
  const i = Math.max(0, Math.min(speeds.length - 1, Math.round(index)));
  inst.speed = speeds[i];
  inst.speedInput.value = String(i);
  inst.speedText.textContent = `${inst.speed} /s`;
  inst.speedInput.setAttribute("aria-valuetext", `${inst.speed} positions per second`);
  inst.root.dataset.speed = String(inst.speed);
}

function setPosition(inst, k) {
  const n = count(inst);
  const position = Math.max(0, Math.min(n - 1, Math.floor(k)));
  const changed = position !== inst.position || inst.root.dataset.position !== String(position);
  inst.position = position;
  if (!changed || !inst.data) return;
  const cols = inst.data.out[1];
  const row = Math.floor(position / cols);
  const col = position % cols;
  const text = `position ${row}, ${col} (${position + 1} of ${n})`;
  inst.readout.textContent = text;
  inst.scrub.value = String(position);
  inst.scrub.setAttribute("aria-valuetext", text);
  const set = inst.root.dataset;
  set.position = String(position);
  set.row = String(row);
  set.col = String(col);
  set.convSum = String(inst.data.ops.convolve.sums[position]);
  set.corrSum = String(inst.data.ops.correlate.sums[position]);
}

function setPlaying(inst, playing) {
  inst.playing = playing;
  inst.play.textContent = playing ? "❚❚ Pause" : "▶ Play";
  inst.play.setAttribute("aria-label", playing ? "Pause" : "Play");
  inst.root.dataset.playing = String(playing);
  if (playing) {
    inst.lastTime = performance.now();
    inst.playStart = inst.lastTime;
    inst.frames = [];
    if (!inst.frame) inst.frame = requestAnimationFrame((now) => tick(inst, now));
  } else {
    if (inst.frame) cancelAnimationFrame(inst.frame);
    inst.frame = 0;
    inst.progress = inst.position;
    draw(inst);
  }
}

function toggle(inst) {
  if (!inst.data) return;
  if (!inst.playing && inst.position >= count(inst) - 1) {
    inst.progress = 0;
    setPosition(inst, 0);
  }
  setPlaying(inst, !inst.playing);
}

function step(inst, delta) {
  if (!inst.data) return;
  if (inst.playing) setPlaying(inst, false);
  setPosition(inst, inst.position + delta);
  inst.progress = inst.position;
  draw(inst);
}

function tick(inst, now) {
  inst.frame = 0;
  if (!inst.playing) return;
  if (!inst.root.isConnected) {
    inst.playing = false;
    return;
  }
  const seconds = Math.min(0.25, Math.max(0, (now - inst.lastTime) / 1000));
  inst.lastTime = now;
  const last = count(inst) - 1;
  inst.progress = Math.min(last, inst.progress + seconds * inst.speed);
  setPosition(inst, inst.progress);
  draw(inst);
  inst.frames.push(now);
  while (inst.frames.length && inst.frames[0] <= now - 1000) inst.frames.shift();
  const elapsed = now - inst.playStart;
  inst.fps = elapsed >= 1000
    ? inst.frames.length
    : Math.round((inst.frames.length * 1000) / Math.max(elapsed, 1));
  inst.root.dataset.fps = String(inst.fps);
  if (inst.progress >= last) {
    setPlaying(inst, false);
    return;
  }
  inst.frame = requestAnimationFrame((t) => tick(inst, t));
}

function adopt(inst, data) {
  const previous = inst.data;
  inst.data = data;
  const [eh, ew] = data.ext.shape;
  const [oh, ow] = data.out;
  inst.pictures = {
    input: bitmap(data.pictures.input, eh, ew),
    convolve: bitmap(data.pictures.convolve, oh, ow),
    correlate: bitmap(data.pictures.correlate, oh, ow),
  };
  const n = oh * ow;
  inst.scrub.max = String(n - 1);
  inst.speedInput.max = String(data.speeds.length - 1);
  if (!previous) setSpeed(inst, data.speeds.indexOf(data.defaultSpeed));
  else setSpeed(inst, data.speeds.indexOf(inst.speed));
  for (const panel of inst.panels) {
    panel.title.textContent = data.labels.titles[panel.op];
  }
  inst.legend.textContent = data.legend;
  inst.root.dataset.count = String(n);
  inst.root.dataset.payload = data.id;
  inst.position = -1;
  setPosition(inst, Math.min(Math.floor(inst.progress), n - 1));
  inst.progress = inst.position;
  layoutAll(inst);
  draw(inst);
}

function layoutAll(inst) {
  if (!inst.data) return;
  for (const panel of inst.panels) layout(inst, panel);
}

function layout(inst, panel) {
  const width = Math.max(200, Math.floor(panel.figure.clientWidth || 300));
  const data = inst.data;
  const [eh, ew] = data.ext.shape;
  const [oh, ow] = data.out;
  const [kh, kw] = data.kernel;
  const across = width >= 720 ? 4 : 2;
  const block = (width - (across - 1) * GAP) / across;
  const pixel = Math.max(2, Math.min(28, block / Math.max(ew, ow), block / Math.max(eh, oh)));
  const cell = Math.max(14, Math.min(64, block / kw, (block * 1.1) / kh));
  const pictureHeight = pixel * Math.max(eh, oh);
  const gridHeight = cell * kh;
  const sizes = [pictureHeight, pictureHeight, gridHeight, gridHeight];
  const boxes = [];
  let y = 0;
  for (let start = 0; start < 4; start += across) {
    const height = Math.max(...sizes.slice(start, start + across));
    for (let i = start; i < start + across; i += 1) {
      boxes.push({ x: (i - start) * (block + GAP), y, w: block, h: sizes[i] });
    }
    y += LABEL + height + GAP;
  }
  const font = Math.max(16, Math.min(22, width / 24));
  const formulaTop = y;
  const height = Math.ceil(formulaTop + 2.6 * font + 6);
  const ratio = window.devicePixelRatio || 1;
  panel.canvas.style.height = `${height}px`;
  panel.canvas.width = Math.round(width * ratio);
  panel.canvas.height = Math.round(height * ratio);
  if (!panel.base) panel.base = document.createElement("canvas");
  panel.base.width = panel.canvas.width;
  panel.base.height = panel.canvas.height;
  panel.baseKey = -1;
  panel.layout = { width, height, ratio, pixel, cell, boxes, font, formulaTop };
  panel.kernelTexts = null;
}

function label(context, text, x, y, width) {
  context.fillStyle = "#31333f";
  let size = 15;
  context.font = `600 ${size}px sans-serif`;
  while (size > 12 && context.measureText(text).width > width) {
    size -= 1;
    context.font = `600 ${size}px sans-serif`;
  }
  context.textBaseline = "alphabetic";
  context.textAlign = "left";
  let shown = text;
  while (shown.length > 4 && context.measureText(shown).width > width) {
    shown = `${shown.slice(0, -2)}…`;
  }
  context.fillText(shown, x, y + LABEL - 8);
}

function outline(context, x, y, w, h) {
  context.lineWidth = 5;
  context.strokeStyle = "rgba(0, 0, 0, 0.85)";
  context.strokeRect(x, y, w, h);
  context.lineWidth = 2.5;
  context.strokeStyle = WINDOW_COLOUR;
  context.strokeRect(x, y, w, h);
}

function drawInput(inst, context, box, pixel) {
  const data = inst.data;
  const [eh, ew] = data.ext.shape;
  const [top, left] = data.ext.offset;
  const [h, w] = data.image;
  const x0 = box.x, y0 = box.y + LABEL;
  label(context, data.labels.input, x0, box.y, box.w);
  context.imageSmoothingEnabled = false;
  context.drawImage(inst.pictures.input, x0, y0, ew * pixel, eh * pixel);
  // Fade what the boundary rule supplies: the bands around the image.
  context.fillStyle = "rgba(255, 255, 255, 0.55)";
  context.fillRect(x0, y0, ew * pixel, top * pixel);
  context.fillRect(x0, y0 + (top + h) * pixel, ew * pixel, (eh - top - h) * pixel);
  context.fillRect(x0, y0 + top * pixel, left * pixel, h * pixel);
  context.fillRect(x0 + (left + w) * pixel, y0 + top * pixel, (ew - left - w) * pixel, h * pixel);
  context.setLineDash([5, 3]);
  context.lineWidth = 1.5;
  context.strokeStyle = OUTSIDE_COLOUR;
  context.strokeRect(x0 + left * pixel, y0 + top * pixel, w * pixel, h * pixel);
  context.setLineDash([]);
}

function drawWindow(inst, context, box, pixel, progress) {
  // The window: it glides along a row between two positions.
  const data = inst.data;
  const [kh, kw] = data.kernel;
  const cols = data.out[1];
  const k = Math.floor(progress);
  const row = Math.floor(k / cols);
  let col = k % cols;
  if (col + 1 < cols && k + 1 < count(inst)) col += progress - k;
  const x0 = box.x, y0 = box.y + LABEL;
  outline(context, x0 + col * pixel, y0 + row * pixel, kw * pixel, kh * pixel);
}

let HATCH = null;

function unfilled(context) {
  // Positions not reached yet: white with grey diagonal lines, unlike any colour of the maps.
  if (!HATCH) {
    const tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    const t = tile.getContext("2d");
    t.fillStyle = "#ffffff";
    t.fillRect(0, 0, 8, 8);
    t.strokeStyle = "#c4c7cf";
    t.lineWidth = 1.2;
    t.beginPath();
    t.moveTo(0, 8);
    t.lineTo(8, 0);
    t.stroke();
    HATCH = tile;
  }
  return context.createPattern(HATCH, "repeat");
}

function drawOutput(inst, context, box, pixel, op) {
  const data = inst.data;
  const [oh, ow] = data.out;
  const x0 = box.x, y0 = box.y + LABEL;
  const title = `Output I ${data.labels.symbols[op]} K (${oh}×${ow})`;
  label(context, title, x0, box.y, box.w);
  context.fillStyle = unfilled(context);
  context.fillRect(x0, y0, ow * pixel, oh * pixel);
  const k = inst.position;
  const row = Math.floor(k / ow);
  const col = k % ow;
  const picture = inst.pictures[op];
  context.imageSmoothingEnabled = false;
  if (row > 0) context.drawImage(picture, 0, 0, ow, row, x0, y0, ow * pixel, row * pixel);
  context.drawImage(picture, 0, row, col + 1, 1, x0, y0 + row * pixel, (col + 1) * pixel, pixel);
  context.lineWidth = 1;
  context.strokeStyle = "#9a9ca5";
  context.strokeRect(x0, y0, ow * pixel, oh * pixel);
  outline(context, x0 + col * pixel, y0 + row * pixel, pixel, pixel);
}

const SUPERSCRIPTS = { "-": "\u207b", 0: "\u2070", 1: "\u00b9", 2: "\u00b2", 3: "\u00b3",
  4: "\u2074", 5: "\u2075", 6: "\u2076", 7: "\u2077", 8: "\u2078", 9: "\u2079" };

function superscript(number) {
  return [...String(number)].map((c) => SUPERSCRIPTS[c] || c).join("");
}

function gridTexts(context, values, cell, base) {
  // Three significant digits if they fit at a readable size, else two, else whole
  // numbers of a power of ten named in the grid's title.
  const room = cell - 6;
  const widest = (texts) => {
    context.font = `${base}px sans-serif`;
    return Math.max(...texts.map((t) => context.measureText(t).width), 1);
  };
  const fitted = (texts) => Math.min(base, Math.floor((base * room) / widest(texts)));
  for (const [digits, floor] of [[3, 14], [2, 11]]) {
    const texts = values.map((v) => format(v, digits));
    const font = fitted(texts);
    if (font >= floor) return { texts, font, note: "" };
  }
  const largest = Math.max(...values.map(Math.abs));
  if (!(largest > 0)) return { texts: values.map(() => "0"), font: base, note: "" };
  const exponent = Math.floor(Math.log10(largest)) - 1;
  const texts = values.map((v) => format(Math.round(v / 10 ** exponent), 2));
  return { texts, font: Math.max(9, fitted(texts)), note: ` (\u00d710${superscript(exponent)})` };
}

function drawGrid(inst, context, box, cell, values, shown, limit, title, outside) {
  const data = inst.data;
  const [kh, kw] = data.kernel;
  const x0 = box.x, y0 = box.y + LABEL;
  const { texts, font, note } = shown;
  label(context, title + note, x0, box.y, box.w);
  context.font = `${font}px sans-serif`;
  context.textAlign = "center";
  context.textBaseline = "middle";
  for (let i = 0; i < kh; i += 1) {
    for (let j = 0; j < kw; j += 1) {
      const index = i * kw + j;
      const colour = colourOf(data.lut, values[index], limit);
      const x = x0 + j * cell, y = y0 + i * cell;
      context.fillStyle = colour.fill;
      context.fillRect(x + 1, y + 1, cell - 2, cell - 2);
      if (outside && outside(i, j)) {
        context.fillStyle = OUTSIDE_COLOUR;
        context.beginPath();
        context.moveTo(x + 1, y + 1);
        context.lineTo(x + 1 + cell * 0.3, y + 1);
        context.lineTo(x + 1, y + 1 + cell * 0.3);
        context.closePath();
        context.fill();
      }
      context.fillStyle = colour.text;
      context.fillText(texts[index], x + cell / 2, y + cell / 2 + 1);
    }
  }
}

function termsText(context, products, room) {
  const terms = [];
  for (const value of products) if (value !== 0) terms.push(value);
  if (!terms.length) return "Σ products = 0 (every product is 0)";
  const piece = (value, first) => {
    const text = format(Math.abs(value), 3);
    if (first) return value < 0 ? `\u2212${text}` : text;
    return value < 0 ? ` \u2212 ${text}` : ` + ${text}`;
  };
  let shown = "Σ products =";
  let used = 0;
  for (let i = 0; i < terms.length; i += 1) {
    const more = terms.length - i - 1;
    const next = `${shown}${i === 0 ? " " : ""}${piece(terms[i], i === 0)}`;
    const tail = more ? ` + … (${terms.length} terms)` : "";
    if (context.measureText(next + tail).width > room && i > 0) {
      return `${shown} + … (${terms.length} terms)`;
    }
    shown = next;
    used += 1;
  }
  return used === terms.length ? shown : `${shown} + …`;
}

function drawFormula(inst, context, panel, op) {
  const data = inst.data;
  const { width, font, formulaTop } = panel.layout;
  const cells = data.kernel[0] * data.kernel[1];
  const k = inst.position;
  const products = data.ops[op].products.subarray(k * cells, (k + 1) * cells);
  const cols = data.out[1];
  context.textAlign = "left";
  context.textBaseline = "alphabetic";
  context.fillStyle = "#31333f";
  context.font = `${font}px sans-serif`;
  context.fillText(termsText(context, products, width), 0, formulaTop + font);
  const total = format(data.ops[op].sums[k], 6);
  const where = `(I ${data.labels.symbols[op]} K)[${Math.floor(k / cols)}, ${k % cols}]`;
  context.font = `700 ${Math.round(font * 1.1)}px sans-serif`;
  context.fillText(`= ${total} = ${where}`, 0, formulaTop + 2.3 * font);
}

function drawBase(inst, panel, context) {
  // Everything that changes only with the position: drawn once per position.
  const data = inst.data;
  const [kh, kw] = data.kernel;
  const cells = kh * kw;
  const k = inst.position;
  const [top, left] = data.ext.offset;
  const [h, w] = data.image;
  const cols = data.out[1];
  const row = Math.floor(k / cols);
  const col = k % cols;
  const outside = (i, j) => {
    const r = row + i - top, c = col + j - left;
    return r < 0 || r >= h || c < 0 || c >= w;
  };
  const { width, height, ratio, pixel, cell, boxes } = panel.layout;
  const op = panel.op;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  drawInput(inst, context, boxes[0], pixel);
  drawOutput(inst, context, boxes[1], pixel, op);
  const base = Math.min(20, cell * 0.42);
  const applied = data.ops[op].applied;
  if (!panel.kernelTexts) panel.kernelTexts = gridTexts(context, Array.from(applied), cell, base);
  const products = data.ops[op].products.subarray(k * cells, (k + 1) * cells);
  const shown = gridTexts(context, Array.from(products), cell, base);
  drawGrid(inst, context, boxes[2], cell, applied, panel.kernelTexts, data.kernelLimit,
    data.labels.kernels[op], null);
  drawGrid(inst, context, boxes[3], cell, products, shown, data.productsLimit,
    data.labels.products[op], outside);
  drawFormula(inst, context, panel, op);
  const sum = format(data.ops[op].sums[k], 6);
  panel.canvas.setAttribute("aria-label",
    `${data.labels.titles[op]}. Input ${data.image[0]}×${data.image[1]} with the ` +
    `${kh}×${kw} window at output position ${row}, ${col}; sum of products ${sum}.`);
}

function draw(inst) {
  // Each frame: the position's picture (kept), then the window where it is now.
  if (!inst.data) return;
  const k = inst.position;
  for (const panel of inst.panels) {
    if (!panel.layout) layout(inst, panel);
    const { ratio, pixel, boxes } = panel.layout;
    if (panel.baseKey !== k) {
      drawBase(inst, panel, panel.base.getContext("2d"));
      panel.baseKey = k;
    }
    const context = panel.canvas.getContext("2d");
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, panel.canvas.width, panel.canvas.height);
    context.drawImage(panel.base, 0, 0);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    drawWindow(inst, context, boxes[0], pixel, inst.playing ? inst.progress : k);
  }
}

export default function (component) {
  const { parentElement, data } = component;
  const root = parentElement.querySelector('[data-sp="root"]');
  const incoming = readData(data);
  if (!root || !incoming) return undefined;
  let inst = INSTANCES.get(parentElement);
  if (!inst || inst.root !== root) {
    inst = createInstance(root);
    INSTANCES.set(parentElement, inst);
  }
  if (!inst.data || inst.data.id !== incoming.id) adopt(inst, incoming);
  if (!inst.observer) {
    inst.observer = new ResizeObserver(() => {
      layoutAll(inst);
      draw(inst);
    });
    inst.observer.observe(root);
  }
  if (!inst.listening) {
    document.addEventListener("keydown", inst.onKey);
    inst.listening = true;
  }
  inst.generation += 1;
  const generation = inst.generation;
  return () => {
    // Streamlit keeps only the latest cleanup; an older one may still run late.
    if (inst.generation !== generation) return;
    if (inst.playing) setPlaying(inst, false);
    document.removeEventListener("keydown", inst.onKey);
    inst.listening = false;
    if (inst.observer) inst.observer.disconnect();
    inst.observer = null;
  };
}
"""

_COMPONENT = st.components.v2.component(
    "filter_workbench_slide_player",
    html=_HTML,
    css=_CSS,
    js=_JS,
)
