"""Draw a convolution kernel with the mouse: a grid canvas built as a Streamlit component.

:func:`kernel_canvas` shows a kernel as a grid of square cells, each coloured with a
diverging, colour-blind-safe map centred at zero (ColorBrewer RdBu: blue for negative,
white for zero, red for positive) and labelled with its value. The user paints it:

* a toolbar switches between **add** and **subtract** mode, sets the **brush weight**
  (slider 0.1-5, or type any value up to 100), and has **undo** and **clear** (all zeros);
* dragging with a mouse, pen or finger changes every cell the pointer enters by
  +weight or -weight, *once per stroke*; a single click changes one cell;
* when the stroke ends (pointer released), or on undo or clear, the whole matrix is sent
  back to Python, and the script reruns.

State flow
----------
Python sends ``{"values", "version", ...}`` as the component's ``data``; ``version`` is a
digest of the kernel the caller passed. The browser answers with the state value
``matrix = {"values": [[...]], "base": <version it drew on>, "id": <stroke id>}``.
Python accepts that matrix only if it was drawn on the kernel passed in this run
(``base == version``), so a caller that passes a new kernel always sees ``None`` until the
user draws on the new one, and the grid shows the new kernel. A stroke made before the
caller last changed the kernel is never returned again, even if that older kernel comes
back (``st.session_state["_kernel_canvas_memory::<key>"]`` remembers which stroke it was).

In the browser, new ``data`` with the same ``version`` never overwrites the user's grid
(it is the rerun caused by the user's own stroke). New data with a different version
replaces the grid, except when its values equal a matrix the browser itself sent: that is
the caller feeding the drawn kernel back in (``kernel = drawn``); the grid is kept, and
if the user painted more strokes meanwhile they are re-sent against the new version, so
no stroke is lost.

Everything that comes back from the browser is validated: a list of lists of finite
numbers with the kernel's shape, magnitudes clamped to :data:`MAX_ABS_VALUE`. Anything
else is ignored. The component's HTML is static; cell text is set with ``textContent``.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np
import streamlit as st

__all__ = ["MAX_ABS_VALUE", "MAX_KERNEL_SIDE", "kernel_canvas"]

#: Largest number of rows or columns the canvas accepts.
MAX_KERNEL_SIDE = 15
#: Largest magnitude of a kernel value; drawn values are clamped to ``±MAX_ABS_VALUE``.
MAX_ABS_VALUE = 1e6

_MIN_HEIGHT_PX = 120
_MAX_HEIGHT_PX = 1200
_STATE_NAME = "matrix"
_MEMORY_PREFIX = "_kernel_canvas_memory::"

_HTML = """
<div class="kc" data-kc="root">
  <div class="kc-toolbar" role="toolbar" aria-label="Kernel drawing tools">
    <div class="kc-seg" role="group" aria-label="Brush mode">
      <button type="button" data-kc="mode-add" aria-pressed="true"
        title="Each cell you paint goes up by the brush weight">+ Add</button>
      <button type="button" data-kc="mode-sub" aria-pressed="false"
        title="Each cell you paint goes down by the brush weight">&minus; Subtract</button>
    </div>
    <div class="kc-weight">
      <span class="kc-weight-label">Brush weight</span>
      <input type="range" data-kc="weight-range" min="0.1" max="5" step="0.1" value="1"
        aria-label="Brush weight slider">
      <input type="number" data-kc="weight" min="0.01" max="100" step="0.1" value="1"
        aria-label="Brush weight">
    </div>
    <div class="kc-actions">
      <button type="button" data-kc="undo" disabled title="Undo the last stroke">Undo</button>
      <button type="button" data-kc="clear" title="Set every cell to zero">Clear</button>
    </div>
  </div>
  <div class="kc-body" data-kc="body">
    <div class="kc-grid" data-kc="grid" role="grid" aria-label="Kernel grid"></div>
    <div class="kc-legend" data-kc="legend" aria-hidden="true">
      <div class="kc-legend-bar"></div>
      <span class="kc-legend-max" data-kc="legend-max"></span>
      <span class="kc-legend-zero">0</span>
      <span class="kc-legend-min" data-kc="legend-min"></span>
    </div>
  </div>
  <p class="kc-status" data-kc="status" aria-live="polite"></p>
  <p class="kc-help">Drag across cells to paint: each cell changes by the brush weight once
    per stroke. Blue is negative, white is zero, red is positive.</p>
</div>
"""

_CSS = """
.kc {
  font-family: var(--st-font, "Source Sans Pro", sans-serif);
  color: var(--st-text-color, #31333f);
  font-size: 1rem;
  line-height: 1.4;
}
.kc-toolbar {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 0.6rem 1.1rem;
  margin-bottom: 0.8rem;
}
.kc button {
  font: inherit;
  font-size: 1rem;
  min-height: 2.5rem;
  padding: 0.35rem 0.95rem;
  color: inherit;
  background: var(--st-background-color, #ffffff);
  border: 1px solid var(--st-border-color, #d5d7de);
  border-radius: var(--st-button-radius, 0.5rem);
  cursor: pointer;
}
.kc button:hover:not(:disabled) {
  border-color: var(--st-primary-color, #ff4b4b);
}
.kc button:disabled {
  opacity: 0.45;
  cursor: default;
}
.kc button:focus-visible,
.kc input:focus-visible {
  outline: 2px solid var(--st-primary-color, #ff4b4b);
  outline-offset: 2px;
}
.kc-seg {
  display: inline-flex;
}
.kc-seg button {
  font-weight: 600;
}
.kc-seg button:first-child {
  border-top-right-radius: 0;
  border-bottom-right-radius: 0;
}
.kc-seg button:last-child {
  border-top-left-radius: 0;
  border-bottom-left-radius: 0;
  margin-left: -1px;
}
.kc-seg button[aria-pressed="true"] {
  color: #ffffff;
  background: var(--st-primary-color, #ff4b4b);
  border-color: var(--st-primary-color, #ff4b4b);
  position: relative;
}
.kc-weight {
  display: inline-flex;
  align-items: center;
  gap: 0.55rem;
}
.kc-weight input[type="range"] {
  width: 7rem;
  accent-color: var(--st-primary-color, #ff4b4b);
}
.kc-weight input[type="number"] {
  width: 4.2rem;
  font: inherit;
  padding: 0.3rem 0.45rem;
  color: inherit;
  background: var(--st-secondary-background-color, #f0f2f6);
  border: 1px solid var(--st-border-color, #d5d7de);
  border-radius: var(--st-base-radius, 0.5rem);
}
.kc-actions {
  display: inline-flex;
  gap: 0.5rem;
}
.kc-body {
  display: flex;
  align-items: flex-start;
  gap: 1rem;
}
.kc-grid {
  display: grid;
  gap: 4px;
  padding: 0;
  border: 0;
  flex: 0 0 auto;
  cursor: crosshair;
  touch-action: none;
  user-select: none;
  -webkit-user-select: none;
}
.kc-row {
  display: contents;
}
.kc-cell {
  display: flex;
  align-items: center;
  justify-content: center;
  box-sizing: border-box;
  overflow: hidden;
  border-radius: 5px;
  box-shadow: inset 0 0 0 1px rgba(0, 0, 0, 0.16);
  font-weight: 600;
  font-variant-numeric: tabular-nums;
  line-height: 1;
  white-space: nowrap;
}
.kc-cell.kc-zero {
  color: rgba(49, 51, 63, 0.45) !important;
  font-weight: 400;
}
.kc-cell.kc-stroke {
  box-shadow: inset 0 0 0 3px rgba(0, 0, 0, 0.55);
}
.kc-legend {
  display: grid;
  grid-template-columns: 1.1rem auto;
  grid-template-rows: 1fr 1fr 1fr;
  column-gap: 0.45rem;
  font-size: 0.95rem;
  font-variant-numeric: tabular-nums;
}
.kc-legend-bar {
  grid-row: 1 / 4;
  grid-column: 1;
  border-radius: 3px;
  box-shadow: inset 0 0 0 1px rgba(0, 0, 0, 0.16);
  background: linear-gradient(to bottom, #67001f, #b2182b, #d6604d, #f4a582, #fddbc7,
    #f7f7f7, #d1e5f0, #92c5de, #4393c3, #2166ac, #053061);
}
.kc-legend-max { grid-column: 2; grid-row: 1; align-self: start; }
.kc-legend-zero { grid-column: 2; grid-row: 2; align-self: center; }
.kc-legend-min { grid-column: 2; grid-row: 3; align-self: end; }
.kc-status {
  margin: 0.7rem 0 0.15rem;
  font-weight: 600;
}
.kc-help {
  margin: 0;
  font-size: 0.92rem;
  opacity: 0.75;
}
"""

_JS = """
const MAX_SIDE = 15;
const MAX_ABS = 1e6;
const GAP = 4;
const MIN_CELL = 34; // readable from the back of a room, even at 15 x 15
const NARROW_CELL = 22; // the floor when the column is too narrow for MIN_CELL
const MAX_CELL = 120;
const LEGEND_SPACE = 96;
const UNDO_LIMIT = 50;
const SENT_LIMIT = 16;
const MINUS = "\\u2212";

// One drawing state per mounted instance; the module itself is shared by all instances.
const INSTANCES = new WeakMap();

// ColorBrewer RdBu with 11 classes, from the most negative value (dark blue) through
// white at zero to the most positive value (dark red). Safe for colour-blind viewers.
const STOPS = [
  [5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31],
];

function colourOf(value, scale) {
  const t = scale > 0 ? Math.max(-1, Math.min(1, value / scale)) : 0;
  const pos = ((t + 1) / 2) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f));
}

// Black or white text, whichever contrasts more with the cell colour.
function inkFor(rgb) {
  const lin = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  return (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) ? "#111111" : "#ffffff";
}

function formatValue(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  let s;
  if (a >= 1e4 || a < 1e-3) {
    s = v.toExponential(1).replace("e+", "e").replace(".0e", "e");
  } else if (a >= 999.5) {
    s = String(Math.round(v));
  } else {
    // Three significant digits, or two when three would make a long label.
    for (const digits of [3, 2]) {
      s = v.toPrecision(digits);
      if (s.includes(".")) s = s.replace(/\\.?0+$/, "");
      if (s.length <= 5) break;
    }
  }
  return s.replaceAll("-", MINUS);
}

// Width of a label in em: digits and minus signs are about 0.55em, points and "e" less.
function labelWidth(text) {
  let em = 0;
  for (const ch of text) em += ch === "." ? 0.28 : ch === "e" ? 0.5 : 0.55;
  return Math.max(em, 0.55);
}

function tidy(v) {
  // Twelve significant digits hide 0.1 + 0.2 style noise; then clamp.
  const t = Number.parseFloat(v.toPrecision(12));
  const c = Math.max(-MAX_ABS, Math.min(MAX_ABS, t));
  return c === 0 ? 0 : c;
}

function copyMatrix(m) {
  return m.map((row) => row.slice());
}

function sameMatrix(a, b) {
  if (a.length !== b.length) return false;
  for (let r = 0; r < a.length; r++) {
    if (a[r].length !== b[r].length) return false;
    for (let c = 0; c < a[r].length; c++) {
      const x = a[r][c];
      const y = b[r][c];
      if (Math.abs(x - y) > 1e-9 + 1e-6 * Math.max(Math.abs(x), Math.abs(y))) return false;
    }
  }
  return true;
}

function readMatrix(raw) {
  if (!Array.isArray(raw) || raw.length < 1 || raw.length > MAX_SIDE) return null;
  const cols = Array.isArray(raw[0]) ? raw[0].length : 0;
  if (cols < 1 || cols > MAX_SIDE) return null;
  const out = [];
  for (const row of raw) {
    if (!Array.isArray(row) || row.length !== cols) return null;
    const values = [];
    for (const x of row) {
      if (typeof x !== "number" || !Number.isFinite(x)) return null;
      values.push(tidy(x));
    }
    out.push(values);
  }
  return out;
}

function readData(data) {
  if (!data || typeof data !== "object") return null;
  const values = readMatrix(data.values);
  if (!values || typeof data.version !== "string") return null;
  const m = data.max_abs;
  const maxAbs = typeof m === "number" && Number.isFinite(m) && m > 0 ? m : null;
  const h = data.height_px;
  const target =
    typeof h === "number" && Number.isFinite(h) ? Math.max(120, Math.min(1200, h)) : 360;
  return { values, version: data.version, maxAbs, target };
}

function createInstance(root) {
  const q = (name) => root.querySelector(`[data-kc="${name}"]`);
  const inst = {
    root,
    body: q("body"),
    grid: q("grid"),
    legend: q("legend"),
    legendMax: q("legend-max"),
    legendMin: q("legend-min"),
    status: q("status"),
    modeAdd: q("mode-add"),
    modeSub: q("mode-sub"),
    weightRange: q("weight-range"),
    weightNumber: q("weight"),
    undoButton: q("undo"),
    clearButton: q("clear"),
    nonce: Math.random().toString(36).slice(2, 10),
    rows: 0,
    cols: 0,
    values: [],
    cells: [],
    base: null,
    sent: [],
    undo: [],
    seq: 0,
    mode: "add",
    weight: 1,
    drag: null,
    cell: 48,
    width: -1,
    maxAbs: null,
    target: 360,
    generation: 0,
    observer: null,
    setStateValue: null,
  };
  inst.modeAdd.addEventListener("click", () => setMode(inst, "add"));
  inst.modeSub.addEventListener("click", () => setMode(inst, "sub"));
  const range = inst.weightRange;
  const number = inst.weightNumber;
  range.addEventListener("input", () => setWeight(inst, range.value, false));
  number.addEventListener("change", () => setWeight(inst, number.value, true));
  inst.undoButton.addEventListener("click", () => undo(inst));
  inst.clearButton.addEventListener("click", () => clearAll(inst));
  const g = inst.grid;
  g.addEventListener("pointerdown", (e) => startStroke(inst, e));
  g.addEventListener("pointermove", (e) => continueStroke(inst, e));
  g.addEventListener("pointerup", (e) => endStroke(inst, e));
  g.addEventListener("pointercancel", (e) => endStroke(inst, e));
  g.addEventListener("lostpointercapture", (e) => endStroke(inst, e));
  g.addEventListener("contextmenu", (e) => e.preventDefault());
  return inst;
}

function observe(inst) {
  if (inst.observer || typeof ResizeObserver !== "function") return;
  inst.observer = new ResizeObserver(() => {
    if (inst.root.clientWidth !== inst.width) render(inst);
  });
  inst.observer.observe(inst.root);
}

function setMode(inst, mode) {
  inst.mode = mode === "sub" ? "sub" : "add";
  inst.modeAdd.setAttribute("aria-pressed", String(inst.mode === "add"));
  inst.modeSub.setAttribute("aria-pressed", String(inst.mode === "sub"));
}

function setWeight(inst, raw, typed) {
  const v = Number(raw);
  if (Number.isFinite(v) && v > 0) inst.weight = Math.max(0.01, Math.min(100, v));
  inst.weightRange.value = String(Math.max(0.1, Math.min(5, inst.weight)));
  if (typed || document.activeElement !== inst.weightNumber) {
    inst.weightNumber.value = String(inst.weight);
  }
}

function adopt(inst, incoming) {
  cancelStroke(inst);
  inst.values = copyMatrix(incoming.values);
  inst.rows = incoming.values.length;
  inst.cols = incoming.values[0].length;
  inst.base = incoming.version;
  inst.sent = [];
  inst.undo = [];
}

function pushUndo(inst, snapshot) {
  inst.undo.push(snapshot);
  if (inst.undo.length > UNDO_LIMIT) inst.undo.shift();
}

function commit(inst) {
  inst.seq += 1;
  const values = copyMatrix(inst.values);
  inst.sent.push(values);
  if (inst.sent.length > SENT_LIMIT) inst.sent.shift();
  if (typeof inst.setStateValue === "function") {
    inst.setStateValue("matrix", { values, base: inst.base, id: `${inst.nonce}:${inst.seq}` });
  }
}

function clearAll(inst) {
  cancelStroke(inst);
  pushUndo(inst, copyMatrix(inst.values));
  inst.values = inst.values.map((row) => row.map(() => 0));
  render(inst);
  commit(inst);
}

function undo(inst) {
  cancelStroke(inst);
  const previous = inst.undo.pop();
  if (!previous) return;
  inst.values = previous;
  render(inst);
  commit(inst);
}

function cellAt(inst, x, y) {
  const rect = inst.grid.getBoundingClientRect();
  const pitch = inst.cell + GAP;
  const dx = x - rect.left;
  const dy = y - rect.top;
  if (dx < 0 || dy < 0) return null;
  const c = Math.floor(dx / pitch);
  const r = Math.floor(dy / pitch);
  if (r >= inst.rows || c >= inst.cols) return null;
  if (dx - c * pitch > inst.cell || dy - r * pitch > inst.cell) return null;
  return [r, c];
}

function paintAt(inst, x, y) {
  const d = inst.drag;
  const hit = d ? cellAt(inst, x, y) : null;
  if (!hit) return;
  const [r, c] = hit;
  const index = r * inst.cols + c;
  if (d.visited.has(index)) return;
  d.visited.add(index);
  const delta = inst.mode === "sub" ? -inst.weight : inst.weight;
  inst.values[r][c] = tidy(inst.values[r][c] + delta);
  inst.cells[index].classList.add("kc-stroke");
  render(inst);
}

function paintAlong(inst, x0, y0, x1, y1) {
  // Sample the segment so that a fast pointer cannot skip a cell.
  const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / Math.max(2, inst.cell / 4)));
  for (let i = 1; i <= steps; i++) {
    paintAt(inst, x0 + ((x1 - x0) * i) / steps, y0 + ((y1 - y0) * i) / steps);
  }
}

function startStroke(inst, e) {
  if (inst.drag || (e.pointerType === "mouse" && e.button !== 0)) return;
  e.preventDefault();
  inst.drag = {
    id: e.pointerId,
    visited: new Set(),
    x: e.clientX,
    y: e.clientY,
    before: copyMatrix(inst.values),
  };
  try {
    inst.grid.setPointerCapture(e.pointerId);
  } catch (_err) {
    // Capture is a nicety: without it the stroke still ends on pointerup over the grid.
  }
  paintAt(inst, e.clientX, e.clientY);
}

function continueStroke(inst, e) {
  const d = inst.drag;
  if (!d || e.pointerId !== d.id) return;
  const coalesced = typeof e.getCoalescedEvents === "function" ? e.getCoalescedEvents() : [];
  for (const p of coalesced.length ? coalesced : [e]) {
    paintAlong(inst, d.x, d.y, p.clientX, p.clientY);
    d.x = p.clientX;
    d.y = p.clientY;
  }
}

function endStroke(inst, e) {
  const d = inst.drag;
  if (!d || e.pointerId !== d.id) return;
  inst.drag = null;
  for (const cell of inst.cells) cell.classList.remove("kc-stroke");
  if (d.visited.size > 0) {
    pushUndo(inst, d.before);
    render(inst);
    commit(inst);
  }
}

function cancelStroke(inst) {
  const d = inst.drag;
  if (!d) return;
  inst.drag = null;
  for (const cell of inst.cells) cell.classList.remove("kc-stroke");
  if (d.visited.size > 0) inst.values = d.before;
}

function buildCells(inst) {
  const { rows, cols } = inst;
  if (inst.cells.length === rows * cols && inst.grid.dataset.shape === `${rows}x${cols}`) return;
  const fragment = document.createDocumentFragment();
  const cells = [];
  for (let r = 0; r < rows; r++) {
    const row = document.createElement("div");
    row.className = "kc-row";
    row.setAttribute("role", "row");
    for (let c = 0; c < cols; c++) {
      const cell = document.createElement("div");
      cell.className = "kc-cell";
      cell.setAttribute("role", "gridcell");
      cell.dataset.kcCell = `${r}-${c}`;
      row.appendChild(cell);
      cells.push(cell);
    }
    fragment.appendChild(row);
  }
  inst.grid.replaceChildren(fragment);
  inst.grid.dataset.shape = `${rows}x${cols}`;
  inst.grid.setAttribute("aria-label", `Kernel grid, ${rows} rows by ${cols} columns`);
  inst.cells = cells;
}

function layout(inst) {
  const { rows, cols } = inst;
  inst.width = inst.root.clientWidth;
  let cell = Math.floor((inst.target - GAP * (rows - 1)) / rows);
  cell = Math.max(MIN_CELL, Math.min(MAX_CELL, cell));
  const available = inst.body.clientWidth - LEGEND_SPACE;
  if (available > 0) cell = Math.min(cell, Math.floor((available - GAP * (cols - 1)) / cols));
  cell = Math.max(NARROW_CELL, cell);
  inst.cell = cell;
  inst.grid.style.gridTemplateColumns = `repeat(${cols}, ${cell}px)`;
  inst.grid.style.gridAutoRows = `${cell}px`;
  inst.legend.style.height = `${rows * cell + GAP * (rows - 1)}px`;
}

function render(inst) {
  if (!inst.rows || !inst.cols) return;
  buildCells(inst);
  layout(inst);
  let scale = inst.maxAbs;
  let sum = 0;
  if (!scale) {
    scale = 0;
    for (const row of inst.values) for (const v of row) scale = Math.max(scale, Math.abs(v));
    if (!(scale > 0)) scale = 1;
  }
  for (let r = 0; r < inst.rows; r++) {
    for (let c = 0; c < inst.cols; c++) {
      const v = inst.values[r][c];
      sum += v;
      const cell = inst.cells[r * inst.cols + c];
      const rgb = colourOf(v, scale);
      const text = formatValue(v);
      cell.style.backgroundColor = `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})`;
      cell.style.color = inkFor(rgb);
      const size = Math.min(inst.cell * 0.4, (inst.cell * 0.84) / labelWidth(text));
      cell.style.fontSize = `${Math.max(9, Math.floor(size))}px`;
      cell.textContent = text;
      cell.classList.toggle("kc-zero", v === 0);
      cell.setAttribute("aria-label", `Row ${r + 1}, column ${c + 1}: ${text}`);
    }
  }
  inst.legendMax.textContent = `+${formatValue(scale)}`;
  inst.legendMin.textContent = formatValue(-scale);
  inst.status.textContent =
    `${inst.rows} \\u00d7 ${inst.cols} kernel \\u00b7 sum of weights ${formatValue(tidy(sum))}`;
  inst.undoButton.disabled = inst.undo.length === 0;
}

export default function (component) {
  const { parentElement, data, setStateValue } = component;
  const root = parentElement.querySelector('[data-kc="root"]');
  const incoming = readData(data);
  if (!root || !incoming) return undefined;

  let inst = INSTANCES.get(parentElement);
  if (!inst) {
    inst = createInstance(root);
    INSTANCES.set(parentElement, inst);
    adopt(inst, incoming);
  } else if (incoming.version !== inst.base) {
    if (inst.sent.some((m) => sameMatrix(m, incoming.values))) {
      // The caller fed our own drawing back in: keep the grid, draw on the new version,
      // and re-send any strokes painted since then so that none of them is lost.
      inst.base = incoming.version;
      if (!inst.drag && !sameMatrix(inst.values, incoming.values)) {
        inst.setStateValue = setStateValue;
        commit(inst);
      }
    } else {
      adopt(inst, incoming);
    }
  }
  // Same version: this is the rerun caused by the user's own update; keep the grid.
  inst.setStateValue = setStateValue;
  inst.maxAbs = incoming.maxAbs;
  inst.target = incoming.target;
  inst.generation += 1;
  const generation = inst.generation;
  observe(inst);
  render(inst);

  return () => {
    // Streamlit keeps only the latest cleanup; an older one may still run late.
    if (inst.generation !== generation) return;
    if (inst.observer) inst.observer.disconnect();
    inst.observer = null;
  };
}
"""

_COMPONENT = st.components.v2.component(
    "filter_workbench_kernel_canvas",
    html=_HTML,
    css=_CSS,
    js=_JS,
)


def _ignore() -> None:
    """State callback: registering it makes ``matrix`` a declared state key."""


def _validated_kernel(kernel: Any) -> np.ndarray:
    try:
        k = np.array(kernel, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"kernel must be a 2-D array of numbers: {exc}") from exc
    if k.ndim != 2:
        raise ValueError(f"kernel must be 2-D, got {k.ndim} dimension(s)")
    rows, cols = k.shape
    if not (1 <= rows <= MAX_KERNEL_SIDE and 1 <= cols <= MAX_KERNEL_SIDE):
        raise ValueError(
            f"kernel shape must be between 1x1 and {MAX_KERNEL_SIDE}x{MAX_KERNEL_SIDE}, "
            f"got {rows}x{cols}"
        )
    if not np.all(np.isfinite(k)):
        raise ValueError("kernel values must all be finite (no NaN or infinity)")
    if np.max(np.abs(k)) > MAX_ABS_VALUE:
        raise ValueError(f"kernel values must lie within ±{MAX_ABS_VALUE:g}")
    return k + 0.0  # turns -0.0 into 0.0, so equal kernels get equal versions


def _kernel_version(k: np.ndarray) -> str:
    digest = hashlib.sha256(f"{k.shape[0]}x{k.shape[1]}:".encode())
    digest.update(np.ascontiguousarray(k, dtype="<f8").tobytes())
    return digest.hexdigest()[:24]


def _parse_browser_matrix(raw: Any, shape: tuple[int, int]) -> np.ndarray | None:
    """A browser-sent matrix as float64 of ``shape``, clamped; ``None`` if malformed."""
    rows, cols = shape
    if not isinstance(raw, list) or len(raw) != rows:
        return None
    out = np.empty(shape, dtype=np.float64)
    for r, row in enumerate(raw):
        if not isinstance(row, list) or len(row) != cols:
            return None
        for c, x in enumerate(row):
            if isinstance(x, bool) or not isinstance(x, int | float):
                return None
            try:
                value = float(x)
            except OverflowError:
                return None
            if not math.isfinite(value):
                return None
            out[r, c] = value
    np.clip(out, -MAX_ABS_VALUE, MAX_ABS_VALUE, out=out)
    return out + 0.0


def _parse_browser_state(raw: Any, shape: tuple[int, int]) -> tuple[np.ndarray, str, str] | None:
    """``(values, base version, stroke id)`` from the browser's state, or ``None``."""
    if not isinstance(raw, dict):
        return None
    base = raw.get("base")
    stroke = raw.get("id")
    if not isinstance(base, str) or not isinstance(stroke, str) or len(stroke) > 64:
        return None
    values = _parse_browser_matrix(raw.get("values"), shape)
    if values is None:
        return None
    return values, base, stroke


def _stroke_id(raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return raw["id"]
    return None


def _stored_state(key: str) -> Any:
    """The browser's last ``matrix`` state for ``key``, read before mounting."""
    try:
        stored = st.session_state.get(key)
    except Exception:  # a key never mounted, or owned by something else
        return None
    if isinstance(stored, dict):
        return stored.get(_STATE_NAME)
    return None


def _accepted(raw: Any, k: np.ndarray, version: str, stale_stroke: str | None) -> np.ndarray | None:
    parsed = _parse_browser_state(raw, k.shape)
    if parsed is None:
        return None
    values, base, stroke = parsed
    if base != version or stroke == stale_stroke or np.array_equal(values, k):
        return None
    return values


def kernel_canvas(
    kernel: np.ndarray,
    *,
    key: str,
    max_abs: float | None = None,
    height_px: int = 360,
) -> np.ndarray | None:
    """Show ``kernel`` as a paintable grid and return what the user drew on it.

    Parameters
    ----------
    kernel
        The kernel to show: 2-D, at most 15x15, finite, magnitudes at most
        :data:`MAX_ABS_VALUE`. Passing a kernel with other values or another shape
        replaces the grid (unless it equals the user's own drawing, see the module
        docstring).
    key
        Unique widget key (required: it keeps the drawing across reruns). The key's
        entry in ``st.session_state`` belongs to the component.
    max_abs
        Magnitude that gets the most saturated colour; values beyond it saturate.
        ``None`` scales to the largest magnitude in the grid.
    height_px
        Target height of the grid in pixels (120-1200); cells are square, and shrink if
        the column is too narrow. The toolbar and captions come on top.

    Returns
    -------
    numpy.ndarray or None
        A new float64 array of ``kernel``'s shape holding the grid the user drew,
        starting from this ``kernel``, each time the script runs after a stroke, undo or
        clear, for as long as the caller keeps passing the same kernel. ``None`` when the
        user has not drawn on this kernel, or when the drawing equals ``kernel``
        (no net change), e.g. after the caller stored the drawing and passed it back in.

    Raises
    ------
    ValueError
        If ``kernel``, ``key``, ``max_abs`` or ``height_px`` is invalid.
    """
    if not isinstance(key, str) or not key:
        raise ValueError("key must be a non-empty string")
    k = _validated_kernel(kernel)
    if max_abs is not None:
        if isinstance(max_abs, bool) or not isinstance(max_abs, int | float):
            raise ValueError("max_abs must be a positive number or None")
        if not (math.isfinite(max_abs) and max_abs > 0):
            raise ValueError("max_abs must be a positive, finite number or None")
    if isinstance(height_px, bool) or not isinstance(height_px, int | np.integer):
        raise ValueError("height_px must be an integer")
    if not _MIN_HEIGHT_PX <= int(height_px) <= _MAX_HEIGHT_PX:
        raise ValueError(f"height_px must lie in [{_MIN_HEIGHT_PX}, {_MAX_HEIGHT_PX}]")

    version = _kernel_version(k)
    before = _stored_state(key)

    # When the caller passes a different kernel, the stroke the browser sent last was drawn
    # on an older kernel: never return it again, even if that older kernel comes back.
    memory_key = f"{_MEMORY_PREFIX}{key}"
    memory = st.session_state.get(memory_key)
    if not isinstance(memory, dict) or memory.get("version") != version:
        memory = {"version": version, "stale": _stroke_id(before)}
        st.session_state[memory_key] = memory
    stale = memory.get("stale")

    # A fresh mount in the browser (e.g. after the page layout changed) starts from this.
    pending = _accepted(before, k, version, stale)
    shown = k if pending is None else pending

    result = _COMPONENT(
        key=key,
        data={
            "values": shown.tolist(),
            "version": version,
            "max_abs": None if max_abs is None else float(max_abs),
            "height_px": int(height_px),
        },
        width="stretch",
        height="content",
        on_matrix_change=_ignore,
    )
    return _accepted(result.get(_STATE_NAME), k, version, stale)
