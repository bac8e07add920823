"""Timing the Compare page's routes: measured once, kept, and shown alike on every page.

:func:`route_times` times direct convolution, direct correlation, the FFT and
the FFT with the image's spectrum reused, on the working image with the current
kernel and options, through the one measuring function
(:func:`filters.timing.measure`: interleaved runs, medians and quartiles). Its
result is kept per image, kernel and options (:func:`ui.compute.kept`), so the
Compare page's timing column and the Questions page's first answer show the
same figures and the same verdicts (:func:`filters.timing.verdict`) for the same
settings: they cannot contradict each other.

The Compare page measures on demand (:func:`compare_column`): until asked, it
shows the single runs taken while filtering, labelled as such, so that a
kernel edit costs nothing more.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

import filters
from filters import timing
from ui import compute, state
from ui.text import plain

__all__ = [
    "LABELS",
    "ROUTES",
    "RouteTimes",
    "bars_data",
    "chart",
    "compare_column",
    "kernel_growth",
    "ms",
    "remember",
    "route_times",
]

#: The timed routes, in display order.
ROUTES = ("convolution", "correlation", "fft", "fft_reused")
#: Bar labels (those of the single runs the comparison takes: "convolution", ...).
LABELS = {
    "convolution": "convolution",
    "correlation": "correlation",
    "fft": "fft",
    "fft_reused": "fft, spectrum reused",
}
#: How a verdict sentence names each route.
SENTENCE_LABELS = {
    "convolution": "direct convolution",
    "correlation": "direct correlation",
    "fft": "the FFT",
    "fft_reused": "the FFT with the image's spectrum reused",
}
#: Timed rounds, at most; fewer (not below :data:`MIN_REPEATS`) when a round is slow.
REPEATS = 7
MIN_REPEATS = 3
#: Seconds the timed rounds should take at most (after one warm-up round).
TIME_BUDGET_S = 2.0
#: Session key: the result keys whose routes this session has had timed.
MEASURED = "timing_measured"


@dataclass(frozen=True)
class RouteTimes:
    """The routes of one comparison, timed together.

    Attributes
    ----------
    stats : dict of str to TimingStats
        Per route of :data:`ROUTES`.
    load_before, load_after : MachineLoad
        The machine's load when the timing started and when it ended.
    shape : tuple of int
        The image's shape.
    kernel_shape : tuple of int
    backend : str
        The backend that ran.
    seconds : float
        Wall-clock seconds the whole timing took.
    """

    stats: dict[str, timing.TimingStats]
    load_before: timing.MachineLoad
    load_after: timing.MachineLoad
    shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]
    backend: str
    seconds: float

    @property
    def repeats(self) -> int:
        return len(next(iter(self.stats.values())).runs)

    def verdicts(self) -> list[timing.Verdict]:
        """Direct convolution against the FFT, and against the FFT with a reused spectrum."""
        return [timing.verdict(self.stats, "convolution", other) for other in ("fft", "fft_reused")]

    def sentences(self) -> list[str]:
        """The verdicts in words, each by :meth:`filters.timing.Verdict.sentence`."""
        return [found.sentence(SENTENCE_LABELS) for found in self.verdicts()]

    def describe(self) -> str:
        """What was timed and how, with the machine's load, for a caption."""
        height, width = self.shape[:2]
        colour = "grey" if len(self.shape) == 2 else "colour"
        return (
            f"Medians of {self.repeats} runs per route on the {width}×{height} {colour} image, "
            f"{self.backend.upper()}, the routes taking turns; the line across each bar spans "
            "the middle half of the runs. "
            f"Machine: {self.load_before.describe()}."
            + (" It was busy: the runs are noisier." if self.load_before.busy else "")
        )


def _options(demo) -> dict[str, Any]:
    return dict(boundary=demo.boundary, output=demo.output, dtype=demo.dtype, backend=demo.backend)


@compute.kept(spinner="Timing the routes…")
def route_times(result_key: str, image_key: str, _image, _kernel, _demo) -> RouteTimes:
    """Time the four routes on ``_image`` with ``_kernel`` and ``_demo``'s options; kept.

    ``result_key`` (:func:`ui.compute.result_key`) names the image, kernel and
    options; ``image_key`` names the image, for its kept spectrum.
    """
    image = _image
    kernel = np.ascontiguousarray(_kernel, dtype=np.float64)
    options = _options(_demo)
    with compute.heavy("timing the routes"):
        spectrum = compute.spectrum(image_key, image, kernel.shape, _demo)
        candidates = {
            "convolution": lambda: filters.convolve(image, kernel, **options),
            "correlation": lambda: filters.correlate(image, kernel, **options),
            "fft": lambda: filters.fft_convolve(image, kernel, **options),
            "fft_reused": lambda: spectrum.convolve(kernel),
        }
        before = timing.machine_load()
        start = time.perf_counter()
        stats = timing.measure(
            candidates, REPEATS, 1, time_budget=TIME_BUDGET_S, min_repeats=MIN_REPEATS
        )
        seconds = time.perf_counter() - start
        after = timing.machine_load()
    return RouteTimes(
        stats=stats,
        load_before=before,
        load_after=after,
        shape=tuple(image.shape),
        kernel_shape=tuple(kernel.shape),
        backend=spectrum.backend.name,
        seconds=seconds,
    )


def remember(result_key: str) -> None:
    """Note that this session has had the routes of ``result_key`` timed (Compare shows them)."""
    measured = st.session_state.setdefault(MEASURED, set())
    measured.add(result_key)


def _remembered(result_key: str) -> bool:
    return result_key in st.session_state.get(MEASURED, set())


@compute.kept(spinner="Timing a small and a large kernel…")
def kernel_growth(image_key: str, _image, small: int, large: int, backend: str, dtype: str):
    """:func:`filters.timing.kernel_growth` on ``_image`` (named by ``image_key``); kept."""
    with compute.heavy("timing kernel sizes"):
        return timing.kernel_growth(
            _image, small, large, repeats=5, backend=backend, dtype=np.dtype(dtype)
        )


# ----------------------------------------------------------------------------
# The chart: a bar per route, its middle half of runs drawn across it
# ----------------------------------------------------------------------------

_CSS = """
.tv {
  font-family: var(--st-font, "Source Sans Pro", sans-serif);
  color: var(--st-text-color, #31333f);
  font-size: 1rem;
}
.tv-title {
  font-weight: 600;
  font-size: 1.05rem;
  margin-bottom: 0.4rem;
}
/* Each route on two lines, to fit a narrow column: its name and time, then its bar. */
.tv-row {
  margin: 0.25rem 0 0.55rem 0;
}
.tv-head {
  display: flex;
  justify-content: space-between;
  gap: 0.5rem;
  flex-wrap: wrap;
}
.tv-area {
  position: relative;
  width: 100%;
  height: 1.3rem;
  margin-top: 0.15rem;
}
.tv-bar {
  position: absolute;
  left: 0;
  top: 0;
  bottom: 0;
  min-width: 2px;
  background: #3b6ea8;
  border-radius: 2px;
}
.tv-single .tv-bar {
  background: repeating-linear-gradient(135deg, #3b6ea8 0 6px, #8fb0d6 6px 10px);
}
.tv-spread {
  position: absolute;
  top: calc(50% - 1.5px);
  height: 3px;
  min-width: 3px;
  background: #000000;
  box-shadow: 0 0 0 1px #ffffff;
}
.tv-spread::before,
.tv-spread::after {
  content: "";
  position: absolute;
  top: -0.45rem;
  height: calc(0.9rem + 3px);
  width: 3px;
  background: #000000;
}
.tv-spread::before {
  left: 0;
}
.tv-spread::after {
  right: 0;
}
.tv-value {
  font-variant-numeric: tabular-nums;
  white-space: nowrap;
  font-size: 0.95rem;
}
"""

_JS = r"""
function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

export default function ({ parentElement, data }) {
  const root = parentElement.querySelector('[data-tv="root"]');
  if (!root || !data) return undefined;
  const text = JSON.stringify(data);
  if (root.dataset.tvShown === text) return undefined;
  root.dataset.tvShown = text;
  root.replaceChildren();
  root.classList.toggle("tv-single", Boolean(data.single));
  root.append(el("div", "tv-title", data.title));
  const top = Math.max(...data.bars.map((b) => Math.max(b.value, b.high || 0)), 1e-12);
  for (const b of data.bars) {
    const row = el("div", "tv-row");
    row.dataset.label = b.label;
    row.dataset.ms = String(b.value);
    const area = el("div", "tv-area");
    area.setAttribute("role", "img");
    area.setAttribute("aria-label", `${b.label}: ${b.text}`);
    const bar = el("div", "tv-bar");
    bar.style.width = `${(100 * b.value) / top}%`;
    area.append(bar);
    if (b.low !== null && b.high !== null) {
      const spread = el("div", "tv-spread");
      spread.style.left = `${(100 * b.low) / top}%`;
      spread.style.width = `${(100 * (b.high - b.low)) / top}%`;
      area.append(spread);
    }
    area.title = `${b.label}: ${b.text}`;
    const head = el("div", "tv-head");
    head.append(el("span", "tv-label", b.label), el("span", "tv-value", b.text));
    row.append(head, area);
    root.append(row);
  }
  return undefined;
}
"""

_COMPONENT = st.components.v2.component(
    "filter_workbench_timing_bars",
    html='<div class="tv" data-tv="root"></div>',
    css=_CSS,
    js=_JS,
)


def _number(seconds: float) -> str:
    """Milliseconds, three significant digits at most (one decimal from 10 ms up)."""
    ms = seconds * 1000
    return f"{ms:.1f}" if ms >= 9.95 else f"{ms:.2f}"


def ms(seconds: float) -> str:
    """Seconds as milliseconds for a label, e.g. ``"12.3 ms"``, ``"0.46 ms"``."""
    return f"{_number(seconds)} ms"


def bars_data(
    times: RouteTimes | None = None, *, single: dict[str, float] | None = None, backend="cpu"
) -> dict[str, Any]:
    """The JSON the chart draws: medians with their middle half, or single runs.

    Parameters
    ----------
    times : RouteTimes, optional
        Timed routes: a bar per route at its median, the middle half of its
        runs drawn across it, the text ``"12.3 ms (11.9–13.0)"``.
    single : dict of str to float, optional
        Otherwise, seconds of one run per route (what the comparison took):
        bars without a spread, titled as single runs.
    backend : str
        For the single runs' title.
    """
    if times is not None:
        bars = []
        for route in ROUTES:
            found = times.stats[route]
            bars.append(
                {
                    "label": LABELS[route],
                    "value": found.median * 1000,
                    "low": found.q1 * 1000,
                    "high": found.q3 * 1000,
                    "text": f"{ms(found.median)} ({_number(found.q1)}–{ms(found.q3)})",
                }
            )
        title = f"Median of {times.repeats} runs, {times.backend.upper()} (line: middle half)"
        return {"kind": "timing", "single": False, "title": title, "bars": bars}
    single = single or {}
    bars = [
        {
            "label": name,
            "value": seconds * 1000,
            "low": None,
            "high": None,
            "text": ms(seconds),
        }
        for name, seconds in single.items()
    ]
    title = f"One run each, {backend.upper()}, not repeated"
    return {"kind": "timing", "single": True, "title": title, "bars": bars}


def chart(data: dict[str, Any], *, key: str) -> None:
    """Draw :func:`bars_data`'s JSON."""
    _COMPONENT(key=key, data=data, width="stretch")


def show(times: RouteTimes, *, key: str) -> None:
    """The timed routes: chart, verdict sentences, and what was timed with the load."""
    chart(bars_data(times), key=key)
    for sentence in times.sentences():
        st.markdown(sentence)
    st.caption(times.describe())


# ----------------------------------------------------------------------------
# The Compare page's timing column
# ----------------------------------------------------------------------------


def compare_column(image, kernel, current, result, result_key: str) -> None:
    """Compare's timing column: single runs until "Time the routes" is pressed, then medians.

    Called inside the Compare page's fragment: pressing the button reruns that
    fragment, whose comparison is kept, and times the routes once.
    """
    st.subheader("Timing")
    whole = result.scale == 1 and st.session_state.get(state.FULL_SOURCE) is None
    reused = "reused" if result.spectrum_reused else "computed"
    if not whole:
        chart(bars_data(single=result.times, backend=result.backend), key="timing")
        st.caption(
            f"{plain(result.backend_reason)} Single runs, in strips; repeated timing is for "
            "whole images."
        )
        return
    image_key = st.session_state[state.IMAGE_KEY]
    if _remembered(result_key):
        show(route_times(result_key, image_key, image, kernel, current), key="timing")
    else:
        chart(bars_data(single=result.times, backend=result.backend), key="timing")
        st.caption(
            f"{plain(result.backend_reason)} Single runs taken while filtering (image spectrum "
            f"{reused}): too few to say which route is faster."
        )
        # A callback, so that the press survives any rerun of the page before the timing.
        st.button(
            "Time the routes",
            key="timing_measure",
            help="Time every route several times, taking turns, and say which is faster.",
            on_click=remember,
            args=(result_key,),
        )
