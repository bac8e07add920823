"""How fast each route runs on this machine: a short calibration, once per process.

``filter2d(method="auto")`` picks the route with the smallest estimated time.
The estimates are linear cost models whose coefficients are measured here, on
the machine the code runs on, the first time a choice is needed for a dtype:

- direct (the 2-D sliding sum): ``d0 + d1 · taps`` seconds per output sample,
  ``taps`` the kernel's non-zero taps;
- separable (two 1-D passes, rank-1 kernels): ``s0 + s1 · taps``, ``taps`` the
  non-zero taps of both factors;
- FFT (blocked overlap-save): ``f · units``, ``units`` the tile plan's cost
  units (:meth:`filters._blockfft.TilePlan.units`: transform sizes times
  ``log2`` plus the passes around them and a fixed cost per tile).

Each coefficient comes from timing the real routes on a small image
(:data:`ROWS` × :data:`COLS` × 3) with the kernels listed in :data:`PROBES`,
after one untimed call each, keeping the fastest of ``repeats`` runs (in rounds
over all probes). The probes run on one thread: a parallel run on a busy
machine waits for its slowest thread, which makes timings jumpy, while one
core's work is what the models need (every route divides it among the cores
alike; the estimates divide by the thread count). The image is wide, like the
images the routes serve: rows of a few thousand numbers, so that the fixed cost
of a call and of a row weigh on the probes as little as on real work. The whole
calibration takes 0.1 to 0.2 s per dtype. The clock is injectable, so a test
can feed it fake times and get a known, deterministic calibration.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np

from . import _blockfft, _direct

__all__ = [
    "COLS",
    "PROBES",
    "ROWS",
    "Calibration",
    "calibrate",
    "current",
    "forget",
    "use",
]

#: Rows and columns of the 3-channel calibration image.
ROWS, COLS = 256, 768
#: What is timed, in this order: (route, kernel side). Each probe is run once
#: untimed, then ``repeats`` times between two readings of the clock.
PROBES: tuple[tuple[str, int], ...] = (
    ("direct", 3),
    ("direct", 11),
    ("separable", 3),
    ("separable", 15),
    ("fft", 15),
    ("fft", 31),
)
#: Shortest time a probe is taken to last: guards against a clock too coarse.
_FLOOR = 1e-7


@dataclass(frozen=True)
class Calibration:
    """Measured cost coefficients of the three routes for one dtype (seconds on one core)."""

    dtype: str
    direct: tuple[float, float]  # per output sample, per sample and tap
    separable: tuple[float, float]  # per output sample, per sample and tap
    fft: float  # per cost unit of a tile plan
    measured: dict  # probe -> fastest time, for reports

    def direct_seconds(self, samples: float, taps: int) -> float:
        return samples * (self.direct[0] + self.direct[1] * taps)

    def separable_seconds(self, samples: float, taps: int) -> float:
        return samples * (self.separable[0] + self.separable[1] * taps)

    def fft_seconds(self, units: float) -> float:
        return self.fft * units


def _probe_image(dtype) -> np.ndarray:
    rng = np.random.default_rng(2024)
    return rng.random((ROWS, COLS, 3)).astype(dtype)


def _probe_kernel(route: str, k: int) -> np.ndarray:
    rng = np.random.default_rng(k)
    if route == "separable":
        return np.outer(rng.uniform(0.5, 1.5, k), rng.uniform(0.5, 1.5, k))
    return rng.uniform(0.5, 1.5, (k, k))


def _runner(route: str, image: np.ndarray, kernel: np.ndarray) -> Callable[[], object]:
    k = kernel.shape[0]
    pads = dict(pad_rows=(k - 1 - (k - 1) // 2, (k - 1) // 2), boundary="reflect")
    pads["pad_cols"] = pads["pad_rows"]
    if route == "direct":
        return lambda: _direct.sliding_2d(image, kernel, **pads)
    if route == "separable":
        column, row = kernel[:, 0] / kernel[0, 0], kernel[0]
        return lambda: _direct.sliding_separable(image, column, row, **pads)
    return lambda: _blockfft.blocked(image, kernel, **pads)


def _line(x1: float, t1: float, x2: float, t2: float) -> tuple[float, float]:
    """Intercept and slope through two points, both kept positive."""
    slope = max((t2 - t1) / (x2 - x1), 1e-3 * max(t1, t2) / max(x1, x2), 1e-15)
    intercept = max(t1 - slope * x1, 0.0)
    return intercept, slope


def calibrate(
    dtype=np.float64, *, clock: Callable[[], float] = time.perf_counter, repeats: int = 5
) -> Calibration:
    """Time every probe with ``clock`` and fit the cost models.

    Parameters
    ----------
    dtype : float64 or float32
        The precision to calibrate (the routes run about twice as fast in float32).
    clock : callable returning seconds
        Read twice around each timed run: ``repeats`` rounds, each timing every
        probe once in :data:`PROBES` order.
    repeats : int
        Timed runs per probe; the fastest counts.
    """
    previous = numba.get_num_threads()
    numba.set_num_threads(1)  # this thread only
    try:
        return _calibrate(np.dtype(dtype), clock, repeats)
    finally:
        numba.set_num_threads(previous)


def _calibrate(dtype: np.dtype, clock, repeats: int) -> Calibration:
    image = _probe_image(dtype)
    channels = image.shape[2]
    runs = {probe: _runner(probe[0], image, _probe_kernel(*probe)) for probe in PROBES}
    for run in runs.values():
        run()  # compile, fill caches, make plans
    # Rounds over all probes: a burst of other work slows one round of every
    # probe rather than every run of one, and the fastest run of each counts.
    measured: dict[tuple[str, int], float] = {}
    for _ in range(max(1, repeats)):
        for probe, run in runs.items():
            start = clock()
            run()
            elapsed = max(clock() - start, _FLOOR)
            measured[probe] = min(measured.get(probe, elapsed), elapsed)
    samples = ROWS * COLS * channels

    def per_sample(route, k):
        return measured[(route, k)] / samples

    (d1, d2), (s1, s2) = (
        [k for r, k in PROBES if r == "direct"],
        [k for r, k in PROBES if r == "separable"],
    )
    direct = _line(d1 * d1, per_sample("direct", d1), d2 * d2, per_sample("direct", d2))
    separable = _line(2 * s1, per_sample("separable", s1), 2 * s2, per_sample("separable", s2))
    ratios = []
    for route, k in PROBES:
        if route == "fft":
            plan = _blockfft.plan_tiles(ROWS, COLS, k, k, channels, dtype.itemsize)
            ratios.append(measured[(route, k)] / plan.units())
    return Calibration(
        dtype=dtype.name,
        direct=direct,
        separable=separable,
        fft=float(min(ratios)),
        measured={f"{route} {k}×{k}": seconds for (route, k), seconds in measured.items()},
    )


_CURRENT: dict[str, Calibration] = {}
_LOCK = threading.Lock()


def current(dtype=np.float64) -> Calibration:
    """This process's calibration for ``dtype``, measured on first use."""
    name = np.dtype(dtype).name
    found = _CURRENT.get(name)
    if found is not None:
        return found
    with _LOCK:
        found = _CURRENT.get(name)
        if found is None:
            found = calibrate(name)
            _CURRENT[name] = found
        return found


def use(calibration: Calibration) -> None:
    """Make ``calibration`` the current one for its dtype (tests, or a saved one)."""
    _CURRENT[calibration.dtype] = calibration


def forget() -> None:
    """Drop every calibration: the next choice measures again."""
    with _LOCK:
        _CURRENT.clear()
