"""Small figures drawn as plain HTML: annotated kernel matrices and a bar chart.

They stand in for chart-library figures where the picture is simple and shows on
every kernel edit, so that it costs next to nothing to build on the server and to
draw in the browser. Each is a Streamlit component (components v2, inline HTML,
CSS and JavaScript, no iframe) fed with JSON; every colour and label is computed
here in Python, and the browser only lays them out (text goes in with
``textContent``, never as HTML).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from filters import images
from ui import figures

__all__ = ["bars", "bars_data", "matrices", "matrices_data"]

_MAX_ANNOTATED_SIDE = 9

#: Styles of a colour legend: a gradient bar (``.ramp``) over its tick labels (``.ticks``).
RAMP_CSS = """
.ramp {
  height: 0.75rem;
  border-radius: 2px;
  border: 1px solid var(--st-border-color, #d5d7de);
}
.ticks {
  display: flex;
  justify-content: space-between;
  font-size: 0.9rem;
  font-variant-numeric: tabular-nums;
}
"""

_CSS = (
    RAMP_CSS
    + """
.lf {
  font-family: var(--st-font, "Source Sans Pro", sans-serif);
  color: var(--st-text-color, #31333f);
  font-size: 1rem;
}
.lf-mats {
  display: grid;
  gap: 1rem 1.2rem;
}
/* Each matrix's title and grid sit on rows shared with its neighbours (subgrid): a
   title that wraps onto two lines keeps every grid level. */
.lf-mat {
  display: grid;
  grid-row: span 2;
  grid-template-rows: subgrid;
  row-gap: 0;
  min-width: 0;
}
.lf-mat-title {
  align-self: end;
  text-align: center;
  font-weight: 600;
  font-size: 1.05rem;
  margin-bottom: 0.3rem;
}
.lf-grid {
  display: grid;
  gap: 2px;
  width: 100%;
  margin: 0 auto;
  container-type: inline-size;
}
.lf-cell {
  aspect-ratio: 1;
  display: flex;
  align-items: center;
  justify-content: center;
  border-radius: 2px;
  font-variant-numeric: tabular-nums;
  overflow: hidden;
  white-space: nowrap;
}
.lf-legend {
  margin-top: 0.8rem;
}
.lf-bars-title {
  font-weight: 600;
  font-size: 1.05rem;
  margin-bottom: 0.4rem;
}
.lf-bar-row {
  display: grid;
  grid-template-columns: 7.5rem 1fr;
  align-items: center;
  gap: 0.6rem;
  margin: 0.3rem 0;
}
.lf-bar-label {
  text-align: right;
}
.lf-bar-track {
  display: flex;
  align-items: center;
  gap: 0.5rem;
}
.lf-bar {
  height: 1.6rem;
  min-width: 2px;
  background: #3b6ea8;
  border-radius: 2px;
}
.lf-bar-value {
  font-variant-numeric: tabular-nums;
  white-space: nowrap;
}
"""
)

_JS = r"""
function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function legend(data) {
  const box = el("div", "lf-legend");
  const ramp = el("div", "ramp");
  ramp.style.background = `linear-gradient(to right, ${data.ramp.join(", ")})`;
  const ticks = el("div", "ticks");
  for (const t of data.ticks) ticks.append(el("span", "", t));
  box.append(ramp, ticks);
  return box;
}

function matrixLabel(m) {
  const head = `${m.name}, ${m.rows}×${m.cols}`;
  if (m.cells.some((cell) => !cell.text)) {
    const values = m.cells.map((cell) => Number(cell.exact));
    return `${head}, values from ${Math.min(...values)} to ${Math.max(...values)}`;
  }
  const rows = [];
  for (let r = 0; r < m.rows; r++) {
    const row = m.cells.slice(r * m.cols, (r + 1) * m.cols).map((cell) => cell.text);
    rows.push(`row ${r + 1}: ${row.join(", ")}`);
  }
  return `${head}: ${rows.join("; ")}`;
}

function drawMatrices(root, data) {
  const wrap = el("div", "lf-mats");
  wrap.style.gridTemplateColumns = `repeat(${data.columns}, minmax(0, 1fr))`;
  for (const m of data.matrices) {
    const box = el("div", "lf-mat");
    box.append(el("div", "lf-mat-title", m.name));
    const grid = el("div", "lf-grid");
    const side = Math.max(m.rows, m.cols);
    grid.style.gridTemplateColumns = `repeat(${m.cols}, minmax(0, 1fr))`;
    // Cells of at most 4.5rem; a small kernel in a wide column stays a small grid.
    grid.style.maxWidth = `min(${Math.min(100, (m.cols / side) * 100)}%, ${4.5 * m.cols}rem)`;
    // Every label fits its cell: its font shrinks with the cell (cqi: the grid's width),
    // about 0.6em per character and 0.5em of margin, never above the size for its side.
    const base = side <= 3 ? "1.05rem" : side <= 5 ? "0.95rem" : "0.8rem";
    const cellWidth = `(100cqi - ${2 * (m.cols - 1)}px) / ${m.cols}`;
    // One picture for assistive technology, named with its values row by row.
    grid.setAttribute("role", "img");
    grid.setAttribute("aria-label", matrixLabel(m));
    m.cells.forEach((cell, i) => {
      const node = el("div", "lf-cell", cell.text);
      const ems = (0.6 * Math.max(1, cell.text.length) + 0.5).toFixed(2);
      node.style.fontSize = `min(${base}, calc(${cellWidth} / ${ems}))`;
      node.style.background = cell.colour;
      node.style.color = cell.dark ? "#ffffff" : "#000000";
      node.title = `${m.name}: row ${Math.floor(i / m.cols)}, column ${i % m.cols} = ${cell.exact}`;
      grid.append(node);
    });
    box.append(grid);
    wrap.append(box);
  }
  root.append(wrap, legend(data));
}

function drawBars(root, data) {
  root.append(el("div", "lf-bars-title", data.title));
  const top = Math.max(...data.bars.map((b) => b.value), 1e-12);
  for (const b of data.bars) {
    const row = el("div", "lf-bar-row");
    row.dataset.label = b.label;
    row.dataset.ms = String(b.value);
    const track = el("div", "lf-bar-track");
    const bar = el("div", "lf-bar");
    bar.style.width = `${(78 * b.value) / top}%`;
    bar.title = `${b.label}: ${b.text}`;
    track.append(bar, el("span", "lf-bar-value", b.text));
    row.append(el("div", "lf-bar-label", b.label), track);
    root.append(row);
  }
}

export default function ({ parentElement, data }) {
  const root = parentElement.querySelector('[data-lf="root"]');
  if (!root || !data) return undefined;
  const text = JSON.stringify(data);
  if (root.dataset.lfShown === text) return undefined;
  root.dataset.lfShown = text;
  root.replaceChildren();
  if (data.kind === "matrices") drawMatrices(root, data);
  else if (data.kind === "bars") drawBars(root, data);
  return undefined;
}
"""

_COMPONENT = st.components.v2.component(
    "filter_workbench_light_figures",
    html='<div class="lf" data-lf="root"></div>',
    css=_CSS,
    js=_JS,
)


def _is_dark(colour: np.ndarray) -> bool:
    """Whether white text reads better than black on ``colour`` (8-bit RGB).

    By WCAG's contrast ratio: white wins below a relative luminance of about
    0.179, and the better of the two always reaches 4.5:1.
    """
    channels = np.asarray(colour, dtype=np.float64) / 255
    linear = np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
    luminance = float(linear @ np.array([0.2126, 0.7152, 0.0722]))
    return (1.05 / (luminance + 0.05)) > ((luminance + 0.05) / 0.05)


def _cell_text(value: float, side: int) -> str:
    if side > _MAX_ANNOTATED_SIDE:
        return ""
    digits = 3 if side <= 3 else 2
    text = f"{value:.{digits}g}"
    return "0" if text in ("-0", "0") else text


def matrices_data(named: dict[str, np.ndarray], *, columns: int = 2) -> dict[str, Any]:
    """The JSON drawn by :func:`matrices`: every cell's colour, label and exact value."""
    largest = max(float(np.max(np.abs(np.asarray(m, dtype=float)))) for m in named.values())
    limit = largest if largest > 0 else 1.0
    lut = figures.DIVERGING_LUT
    entries = []
    for name, matrix in named.items():
        matrix = np.asarray(matrix, dtype=np.float64)
        index = images.signed_to_index(matrix, limit, len(lut))
        side = max(matrix.shape)
        cells = [
            {
                "colour": figures.hex_colour(lut[i]),
                "dark": _is_dark(lut[i]),
                "text": _cell_text(value, side),
                "exact": f"{value:.6g}",
            }
            for value, i in zip(matrix.ravel().tolist(), index.ravel().tolist(), strict=True)
        ]
        entries.append(
            {"name": name, "rows": matrix.shape[0], "cols": matrix.shape[1], "cells": cells}
        )
    return {
        "kind": "matrices",
        "columns": int(columns),
        "matrices": entries,
        "ramp": figures.diverging_ramp(),
        "ticks": [f"{-limit:.3g}", "0", f"{limit:.3g}"],
    }


def matrices(named: dict[str, np.ndarray], *, key: str, columns: int = 2) -> None:
    """Annotated matrices on one diverging scale centred at zero, with its legend."""
    _COMPONENT(key=key, data=matrices_data(named, columns=columns), width="stretch")


def bars_data(times: dict[str, float], *, backend: str) -> dict[str, Any]:
    """The JSON drawn by :func:`bars`: one bar per method, in milliseconds."""
    return {
        "kind": "bars",
        "title": f"Time per method on the {backend.upper()}",
        "bars": [
            {"label": name, "value": seconds * 1000, "text": f"{seconds * 1000:.1f} ms"}
            for name, seconds in times.items()
        ],
    }


def bars(times: dict[str, float], *, backend: str, key: str) -> None:
    """A horizontal bar per method, labelled with its time."""
    _COMPONENT(key=key, data=bars_data(times, backend=backend), width="stretch")
