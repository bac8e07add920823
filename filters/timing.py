"""Timing the filtering methods: one measuring function, honest verdicts, sweeps, crossover.

Every timing goes through :func:`measure`: warm-up rounds, then interleaved
timed rounds (each candidate once per round), returning per candidate a
:class:`TimingStats` with the median and the spread (quartiles, min, max).
:func:`verdict` calls one candidate faster than another only when the middle
halves of their runs do not overlap (:func:`clearly_faster`); otherwise the
two are "too close to call on this machine". :func:`machine_load` says how
busy the machine was.

Four ways to convolve an image with a kernel are timed against each other:

- ``direct``: :func:`filters.filter2d` with ``method="direct"`` (sliding sums of
  the full 2-D kernel, ``O(N² K²)`` for an N×N image and a K×K kernel);
- ``separable``: ``method="separable"``, two 1-D passes (``O(N² K)``), only for
  rank-1 kernels such as a Gaussian;
- ``fft``: :func:`filters.fft_convolve`, through the convolution theorem
  (``O(M² log M)`` with ``M = N + K - 1``, whatever the kernel's values);
- ``fft_reused``: :meth:`filters.ImageSpectrum.convolve`, with the image's
  spectrum prepared once outside the timing, as an interactive kernel editor
  does.

:func:`sweep_kernel_sizes` and :func:`sweep_image_sizes` time every method at
each size together and return one :class:`Measurement` per method and size;
:func:`summarize` turns them into what a plot shows (medians and quartiles per
size, the verdict of direct against the FFT at each size, where the medians
:func:`crossover`, guide lines for the two cost laws, and whether
:func:`filters.choose_method`'s pick was beaten), and :func:`results_to_csv`
writes them out.

Examples
--------
>>> from filters import timing
>>> found = timing.measure({"sum": lambda: sum(range(100)), "max": lambda: max(range(100))})
>>> timing.verdict(found, "sum", "max").first
'sum'
>>> rows = timing.sweep_kernel_sizes((64, 64), [3, 9], repeats=3)
>>> summary = timing.summarize(rows, "kernel")
>>> summary.sizes
(3, 9)
"""

from __future__ import annotations

import csv
import io
import math
import os
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from time import perf_counter

import numpy as np

from ._core import ImageSpectrum, choose_method, estimate_seconds, fft_convolve, filter2d
from ._errors import FiltersError
from .backends import Backend, get_backend

__all__ = [
    "METHODS",
    "METHOD_LABELS",
    "TOO_CLOSE",
    "MachineLoad",
    "Measurement",
    "SweepPlan",
    "SweepSummary",
    "TimingStats",
    "Verdict",
    "clearly_faster",
    "crossings",
    "crossover",
    "direct_cost",
    "fft_cost",
    "format_ratio",
    "gaussian_kernel",
    "kernel_growth",
    "largest_spread",
    "machine_load",
    "measure",
    "results_to_csv",
    "run_plan",
    "summarize",
    "sweep_image_sizes",
    "sweep_kernel_sizes",
    "time_call",
    "verdict",
]

#: The timed methods, in display order.
METHODS = ("direct", "separable", "fft", "fft_reused")
METHOD_LABELS = {
    "direct": "direct",
    "separable": "separable (2 × 1-D)",
    "fft": "FFT",
    "fft_reused": "FFT, spectrum reused",
}
#: The methods :func:`filters.choose_method` chooses among.
CHOOSABLE = ("direct", "separable", "fft")
SWEEPS = ("kernel", "image")

#: ``progress(done, total, label)``: called once after each measurement.
Progress = Callable[[int, int, str], None]


# ----------------------------------------------------------------------------
# One timing
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimingStats:
    """Wall-clock seconds of repeated calls: the median and the spread around it.

    Attributes
    ----------
    median : float
        The middle run: a busy machine slows some runs down, never speeds one up,
        so the median is the robust summary to report.
    q1, q3 : float
        Lower and upper quartiles (linear interpolation between runs, as
        ``statistics.quantiles(runs, n=4, method="inclusive")``): the middle half
        of the runs lies between them. Equal to the median for one run.
    min, max : float
        The fastest and the slowest run.
    runs : tuple of float
        Seconds of each timed call, in order (warm-up calls excluded).
    """

    median: float
    q1: float
    q3: float
    min: float
    max: float
    runs: tuple[float, ...]

    @classmethod
    def of(cls, runs) -> TimingStats:
        """The statistics of a non-empty sequence of run times in seconds."""
        runs = tuple(float(r) for r in runs)
        if not runs:
            raise FiltersError("runs is empty: time at least one call.")
        median = statistics.median(runs)
        if len(runs) == 1:
            q1 = q3 = median
        else:
            q1, _, q3 = statistics.quantiles(runs, n=4, method="inclusive")
        return cls(median, q1, q3, min(runs), max(runs), runs)

    @property
    def spread(self) -> float:
        """``max / min``: how much slower the slowest run was than the fastest (NaN if 0)."""
        return self.max / self.min if self.min > 0 else math.nan


def _count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise FiltersError(f"{name} must be an integer of at least {minimum}; got {value!r}.")
    return int(value)


def measure(
    candidates: Mapping[str, Callable[[], object]],
    repeats: int = 7,
    warmup: int = 1,
    clock: Callable[[], float] | None = None,
    *,
    time_budget: float | None = None,
    min_repeats: int = 3,
) -> dict[str, TimingStats]:
    """Time several calls against each other, interleaved: the one measuring function.

    Every timing of this package goes through here. First ``warmup`` untimed
    rounds call each candidate once (compilation, caches, FFT plans); then each
    of ``repeats`` rounds times every candidate once, so a change of load on
    the machine (another program, a neighbour's request) hits all of them
    alike instead of only the one being timed at that moment. Each round
    starts one candidate further along (round ``r`` starts with candidate
    ``r mod n``), so that no candidate always runs right after the same other.

    Parameters
    ----------
    candidates : mapping of str to callable
        Names and calls without arguments; results are ignored.
    repeats : int
        Timed rounds, at least 1.
    warmup : int
        Untimed rounds first, at least 0.
    clock : callable, optional
        Seconds as a float; :func:`time.perf_counter` by default (tests pass a
        fake one). Read just before and just after each timed call.
    time_budget : float, optional
        Seconds the timed rounds should take at most, estimated from the last
        warm-up round (timed with ``clock``): ``repeats`` is lowered to fit,
        but never below ``min_repeats``. Ignored without a warm-up round.
    min_repeats : int
        The fewest timed rounds ``time_budget`` may leave (at most ``repeats``).

    Returns
    -------
    dict of str to TimingStats
        In the order of ``candidates``. :func:`verdict` says whether one is
        faster than another.
    """
    clock = perf_counter if clock is None else clock
    names = list(candidates)
    if not names:
        raise FiltersError("candidates is empty: give at least one call to time.")
    repeats = _count(repeats, "repeats", 1)
    warmup = _count(warmup, "warmup", 0)
    min_repeats = min(_count(min_repeats, "min_repeats", 1), repeats)
    round_seconds = None
    for _ in range(warmup):
        start = clock() if time_budget is not None else 0.0
        for name in names:
            candidates[name]()
        if time_budget is not None:
            round_seconds = clock() - start
    if time_budget is not None and round_seconds is not None and round_seconds > 0:
        fitting = int(float(time_budget) // round_seconds)
        repeats = max(min_repeats, min(repeats, fitting))
    runs: dict[str, list[float]] = {name: [] for name in names}
    count = len(names)
    for index in range(repeats):
        first = index % count
        for name in names[first:] + names[:first]:
            start = clock()
            candidates[name]()
            runs[name].append(clock() - start)
    return {name: TimingStats.of(runs[name]) for name in names}


def time_call(
    fn: Callable[[], object], repeats: int = 3, warmup: int = 1, clock=None
) -> TimingStats:
    """Time ``fn()`` alone: :func:`measure` with one candidate.

    Parameters
    ----------
    fn : callable
        Called with no arguments; its result is ignored.
    repeats : int
        Timed calls, at least 1.
    warmup : int
        Untimed calls first (compilation, caches, FFT plans), at least 0.
    clock : callable, optional
        As for :func:`measure`.

    Returns
    -------
    TimingStats
    """
    return measure({"call": fn}, repeats, warmup, clock)["call"]


# ----------------------------------------------------------------------------
# Verdicts: faster only when the spreads do not overlap
# ----------------------------------------------------------------------------

#: What :func:`Verdict.sentence` says when neither is clearly faster.
TOO_CLOSE = "too close to call on this machine"


def clearly_faster(a, b) -> bool:
    """Whether ``a`` is faster than ``b`` beyond the noise: ``a.q3 < b.q1``.

    The middle halves of the two sets of runs (lower to upper quartile) do not
    overlap, and ``a``'s lies below. ``a`` and ``b`` are :class:`TimingStats`
    (or anything with ``q1`` and ``q3``).
    """
    return a.q3 < b.q1


def format_ratio(ratio: float) -> str:
    """A speed ratio for a sentence: two significant digits below 10, whole above."""
    return f"{ratio:.2g}" if ratio < 10 else f"{ratio:.0f}"


@dataclass(frozen=True)
class Verdict:
    """Which of two timed calls is faster, if either is beyond the noise.

    Attributes
    ----------
    first, second : str
        The two names compared, in the order asked.
    faster, slower : str or None
        Both None when the spreads overlap: too close to call.
    ratio : float
        ``median(slower) / median(faster)``; when too close to call, the ratio
        of the larger median to the smaller (at least 1).
    """

    first: str
    second: str
    faster: str | None
    slower: str | None
    ratio: float

    @property
    def decided(self) -> bool:
        return self.faster is not None

    def sentence(self, labels: Mapping[str, str] | None = None) -> str:
        """The verdict in words, e.g. ``"Direct is faster than the FFT (×2.4)."``.

        Parameters
        ----------
        labels : mapping of str to str, optional
            How to name each candidate in a sentence (its name by default).
        """
        labels = labels or {}

        def name(key: str) -> str:
            return labels.get(key, key)

        if self.decided:
            text = (
                f"{name(self.faster)} is faster than {name(self.slower)} "
                f"(×{format_ratio(self.ratio)})."
            )
        else:
            text = f"{name(self.first)} and {name(self.second)} are {TOO_CLOSE}."
        return text[:1].upper() + text[1:]


def verdict(stats: Mapping[str, object], first: str, second: str) -> Verdict:
    """Compare two timed candidates of ``stats`` by :func:`clearly_faster`.

    Parameters
    ----------
    stats : mapping of str to TimingStats
        What :func:`measure` returned (or anything with ``median``, ``q1``, ``q3``).
    first, second : str
        Two keys of ``stats``.

    Returns
    -------
    Verdict
        ``first`` or ``second`` is faster only when its upper quartile lies
        below the other's lower quartile; otherwise neither.
    """
    for key in (first, second):
        if key not in stats:
            raise FiltersError(f"{key!r} was not timed; timed: {', '.join(map(str, stats))}.")
    a, b = stats[first], stats[second]
    for winner, loser, fast, slow in ((first, second, a, b), (second, first, b, a)):
        if clearly_faster(fast, slow):
            return Verdict(first, second, winner, loser, slow.median / fast.median)
    low, high = sorted((a.median, b.median))
    return Verdict(first, second, None, None, high / low if low > 0 else math.nan)


# ----------------------------------------------------------------------------
# The machine's load
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MachineLoad:
    """How busy the machine was: load averages and the CPUs this process may use.

    Attributes
    ----------
    one, five, fifteen : float or None
        ``os.getloadavg()``: the average number of runnable processes over the
        last 1, 5 and 15 minutes (None where the system does not say).
    cpus : int
        CPUs this process may run on.
    """

    one: float | None
    five: float | None
    fifteen: float | None
    cpus: int

    @property
    def busy(self) -> bool | None:
        """Whether the 1-minute load reached the CPU count (timings then suffer)."""
        return None if self.one is None else self.one >= self.cpus

    def describe(self) -> str:
        """E.g. ``"load average 0.42 (1 min) on 2 CPUs"``."""
        cpus = f"{self.cpus} CPU" + ("" if self.cpus == 1 else "s")
        if self.one is None:
            return f"load average unknown on {cpus}"
        return f"load average {self.one:.2f} (1 min) on {cpus}"


def machine_load() -> MachineLoad:
    """The machine's load now (:func:`os.getloadavg`) and the CPUs usable by this process."""
    try:
        one, five, fifteen = os.getloadavg()
    except (AttributeError, OSError):
        one = five = fifteen = None
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return MachineLoad(one, five, fifteen, max(1, cpus))


# ----------------------------------------------------------------------------
# Sweeps
# ----------------------------------------------------------------------------


def gaussian_kernel(size: int) -> np.ndarray:
    """A ``size × size`` Gaussian of σ = size / 6 (±3σ fill it), summing to 1; rank 1.

    Parameters
    ----------
    size : int
        Side, at least 1.

    Returns
    -------
    (size, size) ndarray of float64
        ``outer(g, g)`` with ``g[i] ∝ exp(-(i - (size - 1)/2)² / (2σ²))``, so
        every tap is non-zero and the separable route applies.
    """
    size = _count(size, "size", 1)
    sigma = max(size / 6.0, 0.5)
    x = np.arange(size) - (size - 1) / 2.0
    g = np.exp(-(x * x) / (2.0 * sigma * sigma))
    g /= g.sum()
    return np.outer(g, g)


@dataclass(frozen=True)
class Measurement:
    """The time of one method at one image size and kernel size: median and spread.

    Attributes
    ----------
    sweep : {"kernel", "image"}
        Which size varies along the sweep.
    backend : {"cpu", "gpu"}
    method : one of :data:`METHODS`
    image_height, image_width, channels : int
    kernel_size : int
        The kernel is ``kernel_size × kernel_size``.
    median_s, min_s, max_s : float
        Seconds per call.
    q1_s, q3_s : float
        Lower and upper quartiles of the seconds per call.
    repeats : int
        Timed calls behind the median, interleaved with the other methods'
        calls at the same size (:func:`measure`).
    auto_choice : str
        What :func:`filters.choose_method` picks for this image shape and kernel.
    """

    sweep: str
    backend: str
    method: str
    image_height: int
    image_width: int
    channels: int
    kernel_size: int
    median_s: float
    min_s: float
    max_s: float
    q1_s: float
    q3_s: float
    repeats: int
    auto_choice: str

    @property
    def stats(self) -> TimingStats:
        """The times as :class:`TimingStats` (without the single runs), for :func:`verdict`."""
        return TimingStats(self.median_s, self.q1_s, self.q3_s, self.min_s, self.max_s, ())

    @property
    def size(self) -> int:
        """The swept size: the kernel side, or the image's longer side."""
        return (
            self.kernel_size if self.sweep == "kernel" else max(self.image_height, self.image_width)
        )


def _image_shape(shape) -> tuple[int, ...]:
    try:
        shape = tuple(int(side) for side in shape)
    except (TypeError, ValueError):
        raise FiltersError(f"image_shape must be a tuple of integers; got {shape!r}.") from None
    if len(shape) not in (2, 3) or min(shape) < 1:
        raise FiltersError(
            f"image_shape must be (H, W) or (H, W, C) of positive sides; got {shape}."
        )
    return shape


def _sizes(sizes, name: str) -> list[int]:
    values = [_count(size, name, 1) for size in sizes]
    if not values:
        raise FiltersError(f"{name} is empty: give at least one size.")
    return sorted(set(values))


def _methods(methods) -> tuple[str, ...]:
    methods = tuple(methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise FiltersError(f"methods must be some of {', '.join(METHODS)}; got {methods!r}.")
    return tuple(m for m in METHODS if m in methods)


def _applicable(method: str, image_shape, kernel: np.ndarray) -> bool:
    """Whether ``method`` runs for this kernel (separable needs rank 1, as the core decides)."""
    return method != "separable" or "separable" in estimate_seconds(image_shape, kernel)


def _timed_call(method: str, image, kernel: np.ndarray, backend: Backend, dtype=np.float64):
    if method == "fft_reused":
        spectrum = ImageSpectrum(image, kernel.shape, dtype=dtype, backend=backend)
        return lambda: spectrum.convolve(kernel)
    if method == "fft":
        return lambda: fft_convolve(image, kernel, dtype=dtype, backend=backend)
    return lambda: filter2d(image, kernel, method=method, dtype=dtype, backend=backend)


def _test_image(shape: tuple[int, ...]) -> np.ndarray:
    """Random values in [0, 1): timings do not depend on the picture."""
    return np.random.default_rng(0).random(shape)


def _sweep(
    sweep: str,
    cases: list[tuple[tuple[int, ...], int]],
    methods,
    repeats: int,
    backend,
    progress: Progress | None,
    kernel: Callable[[int], np.ndarray],
    warmup: int,
    clock: Callable[[], float] | None = None,
) -> list[Measurement]:
    methods = _methods(methods)
    repeats = _count(repeats, "repeats", 1)
    chosen = backend if isinstance(backend, Backend) else get_backend(backend)
    jobs = []
    for shape, size in cases:
        weights = np.asarray(kernel(size), dtype=np.float64)
        applicable = [m for m in methods if _applicable(m, shape, weights)]
        jobs.append((shape, size, weights, applicable))
    total = sum(len(applicable) for *_, applicable in jobs)
    rows = []
    images: dict[tuple[int, ...], np.ndarray] = {}
    for shape, size, weights, applicable in jobs:
        image = images.setdefault(shape, _test_image(shape))
        # Every method at this size, interleaved: a change of load hits them alike.
        timed = measure(
            {m: _timed_call(m, image, weights, chosen) for m in applicable},
            repeats,
            warmup,
            clock,
        )
        auto = choose_method(shape, weights)
        for method in applicable:
            stats = timed[method]
            rows.append(
                Measurement(
                    sweep=sweep,
                    backend=chosen.name,
                    method=method,
                    image_height=shape[0],
                    image_width=shape[1],
                    channels=shape[2] if len(shape) == 3 else 1,
                    kernel_size=size,
                    median_s=stats.median,
                    min_s=stats.min,
                    max_s=stats.max,
                    q1_s=stats.q1,
                    q3_s=stats.q3,
                    repeats=len(stats.runs),
                    auto_choice=auto,
                )
            )
            if progress is not None:
                label = (
                    f"{METHOD_LABELS[method]} · {shape[0]}×{shape[1]} image · {size}×{size} kernel"
                )
                progress(len(rows), total, label)
    return rows


def sweep_kernel_sizes(
    image_shape,
    sizes: Iterable[int],
    methods: Iterable[str] = METHODS,
    repeats: int = 3,
    backend="cpu",
    *,
    progress: Progress | None = None,
    kernel: Callable[[int], np.ndarray] = gaussian_kernel,
    warmup: int = 1,
    clock: Callable[[], float] | None = None,
) -> list[Measurement]:
    """Time each method on one image shape for kernels of growing size.

    Parameters
    ----------
    image_shape : (H, W) or (H, W, C) tuple of int
        A random image of this shape is filtered.
    sizes : iterable of int
        Kernel sides K (the kernel is K × K); sorted, duplicates dropped.
    methods : iterable of str
        Some of :data:`METHODS`. ``separable`` is measured only for rank-1 kernels.
    repeats : int
        Timed rounds per size; every method applicable at a size is timed once
        per round, interleaved with the others (:func:`measure`).
    backend : {"cpu", "gpu", "auto"} or Backend
    progress : callable, optional
        ``progress(done, total, label)``, called once after each measurement.
    kernel : callable, optional
        ``kernel(K) -> (K, K) ndarray``; :func:`gaussian_kernel` by default.
    warmup : int
        Untimed rounds before the timed ones at each size.
    clock : callable, optional
        As for :func:`measure`.

    Returns
    -------
    list of Measurement
        Ordered by size, then method.
    """
    shape = _image_shape(image_shape)
    cases = [(shape, size) for size in _sizes(sizes, "sizes")]
    return _sweep("kernel", cases, methods, repeats, backend, progress, kernel, warmup, clock)


def sweep_image_sizes(
    sizes: Iterable[int],
    kernel_size: int,
    methods: Iterable[str] = METHODS,
    repeats: int = 3,
    backend="cpu",
    *,
    channels: int = 1,
    progress: Progress | None = None,
    kernel: Callable[[int], np.ndarray] = gaussian_kernel,
    warmup: int = 1,
    clock: Callable[[], float] | None = None,
) -> list[Measurement]:
    """Time each method on square N × N images of growing N with one kernel size.

    Parameters
    ----------
    sizes : iterable of int
        Image sides N; sorted, duplicates dropped.
    kernel_size : int
        The kernel's side K.
    channels : int
        1 for a grey ``(N, N)`` image, 3 for an RGB ``(N, N, 3)`` one.
    methods, repeats, backend, progress, kernel, warmup, clock
        As for :func:`sweep_kernel_sizes`.

    Returns
    -------
    list of Measurement
    """
    kernel_size = _count(kernel_size, "kernel_size", 1)
    channels = _count(channels, "channels", 1)
    cases = [
        ((n, n) if channels == 1 else (n, n, channels), kernel_size) for n in _sizes(sizes, "sizes")
    ]
    return _sweep("image", cases, methods, repeats, backend, progress, kernel, warmup, clock)


@dataclass(frozen=True)
class SweepPlan:
    """Both sweeps of a Performance run, on one or more backends.

    Attributes
    ----------
    kernel_sizes : tuple of int
        Kernel sides for the kernel sweep.
    kernel_sweep_image : int
        The side N of the N × N image the kernel sweep filters.
    image_sizes : tuple of int
        Image sides for the image sweep.
    image_sweep_kernel : int
        The kernel side K of the image sweep.
    channels : int
        1 (grey) or 3 (RGB).
    repeats : int
    backends : tuple of str
        ``"cpu"`` and/or ``"gpu"``.
    methods : tuple of str
    """

    kernel_sizes: tuple[int, ...]
    kernel_sweep_image: int
    image_sizes: tuple[int, ...]
    image_sweep_kernel: int
    channels: int = 1
    repeats: int = 3
    backends: tuple[str, ...] = ("cpu",)
    methods: tuple[str, ...] = field(default=METHODS)

    @property
    def kernel_sweep_shape(self) -> tuple[int, ...]:
        n = self.kernel_sweep_image
        return (n, n) if self.channels == 1 else (n, n, self.channels)

    @property
    def measurement_count(self) -> int:
        """How many measurements :func:`run_plan` makes (each of ``repeats`` timed calls)."""
        cases = [(self.kernel_sweep_shape, k) for k in set(self.kernel_sizes)] + [
            ((n, n) if self.channels == 1 else (n, n, self.channels), self.image_sweep_kernel)
            for n in set(self.image_sizes)
        ]
        per_backend = sum(
            _applicable(method, shape, gaussian_kernel(size))
            for shape, size in cases
            for method in self.methods
        )
        return per_backend * len(self.backends)


def run_plan(plan: SweepPlan, progress: Callable[[float, str], None] | None = None):
    """Run both sweeps of ``plan`` on each of its backends.

    Parameters
    ----------
    plan : SweepPlan
    progress : callable, optional
        ``progress(fraction, label)`` with ``fraction`` in (0, 1], called once
        after each measurement; each sweep on each backend gets an equal share.

    Returns
    -------
    list of Measurement
    """
    parts = [(backend, sweep) for backend in plan.backends for sweep in SWEEPS]
    rows: list[Measurement] = []
    for index, (backend, sweep) in enumerate(parts):

        def report(done: int, total: int, label: str, index=index, backend=backend) -> None:
            if progress is not None:
                progress((index + done / total) / len(parts), f"{backend.upper()}: {label}")

        if sweep == "kernel":
            rows += sweep_kernel_sizes(
                plan.kernel_sweep_shape,
                plan.kernel_sizes,
                plan.methods,
                plan.repeats,
                backend,
                progress=report,
            )
        else:
            rows += sweep_image_sizes(
                plan.image_sizes,
                plan.image_sweep_kernel,
                plan.methods,
                plan.repeats,
                backend,
                channels=plan.channels,
                progress=report,
            )
    return rows


# ----------------------------------------------------------------------------
# What the measurements show
# ----------------------------------------------------------------------------


def crossings(sizes: Sequence[float], direct_times, fft_times) -> list[float]:
    """Every size at which the direct and FFT times cross, interpolated on log-log axes.

    Parameters
    ----------
    sizes : sequence of positive float
        The swept sizes (sorted here).
    direct_times, fft_times : sequence of positive float
        Seconds at each size.

    Returns
    -------
    list of float
        Increasing. Between two measured sizes where
        ``d(s) = log t_direct(s) - log t_fft(s)`` changes sign, ``log s`` is
        interpolated linearly:

        .. math:: \\log s = \\log s_i + \\frac{d_i}{d_i - d_{i+1}} (\\log s_{i+1} - \\log s_i)

        A measured size where both times are equal is a crossing as is.
    """
    x = np.asarray(sizes, dtype=np.float64)
    direct = np.asarray(direct_times, dtype=np.float64)
    fft = np.asarray(fft_times, dtype=np.float64)
    if not (x.ndim == direct.ndim == fft.ndim == 1 and len(x) == len(direct) == len(fft)):
        raise FiltersError(
            "sizes, direct_times and fft_times must be 1-D and of one length; got "
            f"{len(np.atleast_1d(x))}, {len(np.atleast_1d(direct))} and {len(np.atleast_1d(fft))}."
        )
    values = np.concatenate([x, direct, fft])
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise FiltersError("sizes and times must be finite and positive.")
    order = np.argsort(x)
    log_x = np.log(x[order])
    d = np.log(direct[order]) - np.log(fft[order])
    found = []
    for i in range(len(d)):
        if d[i] == 0:
            found.append(float(x[order][i]))
        elif i + 1 < len(d) and d[i] * d[i + 1] < 0:
            t = d[i] / (d[i] - d[i + 1])
            found.append(float(np.exp(log_x[i] + t * (log_x[i + 1] - log_x[i]))))
    return found


def crossover(sizes: Sequence[float], direct_times, fft_times) -> float | None:
    """The size beyond which one of direct and FFT stays faster: the last of :func:`crossings`.

    Timing noise can make the curves cross more than once where they run
    close; the last crossing is the one after which every measured size has
    the same winner.

    Returns
    -------
    float or None
        None when one method is faster at every measured size.
    """
    found = crossings(sizes, direct_times, fft_times)
    return found[-1] if found else None


def direct_cost(height: int, width: int, kernel_size: int) -> float:
    """The direct method's count of multiply-adds per channel: ``H · W · K²`` (O(N² K²))."""
    return float(height) * float(width) * float(kernel_size) ** 2


def fft_cost(height: int, width: int, kernel_size: int) -> float:
    """The FFT's cost law ``P · log2 P`` with ``P = (H + K - 1)(W + K - 1)`` (O(N² log N))."""
    padded = float(height + kernel_size - 1) * float(width + kernel_size - 1)
    return padded * math.log2(padded) if padded > 1 else 1.0


@dataclass(frozen=True)
class SweepSummary:
    """One sweep on one backend, as a plot shows it.

    Attributes
    ----------
    sweep : {"kernel", "image"}
    backend : str
    sizes : tuple of int
        The swept sizes, increasing.
    medians, q1, q3 : dict of str to tuple of float
        Median, lower and upper quartile seconds per method, aligned with
        ``sizes`` (NaN where not measured).
    crossings : tuple of float
        :func:`crossings` of the direct and FFT medians.
    verdicts : tuple of Verdict or None
        Per size, :func:`verdict` of direct against the FFT (None where not both
        were measured).
    fastest : tuple of str
        Per size, the method of lowest median among those ``choose_method``
        picks from.
    auto : tuple of str
        Per size, what :func:`filters.choose_method` picks.
    beaten_by : tuple of str
        Per size, a method ``choose_method`` could have picked that was clearly
        faster than its pick (:func:`clearly_faster`; the one of lowest median),
        or ``""`` when none was.
    guides : dict of str to tuple of float
        ``"O(N²K²)"`` and ``"O(N² log N)"``: the cost laws :func:`direct_cost` and
        :func:`fft_cost` at each size, scaled to pass through the measured direct
        and FFT medians at ``anchor``.
    anchor : int or None
        The size the guide lines pass through (the largest size measured by both).
    fixed : str
        What stays fixed along the sweep, in words.
    """

    sweep: str
    backend: str
    sizes: tuple[int, ...]
    medians: dict[str, tuple[float, ...]]
    q1: dict[str, tuple[float, ...]]
    q3: dict[str, tuple[float, ...]]
    crossings: tuple[float, ...]
    verdicts: tuple[Verdict | None, ...]
    fastest: tuple[str, ...]
    auto: tuple[str, ...]
    beaten_by: tuple[str, ...]
    guides: dict[str, tuple[float, ...]]
    anchor: int | None
    fixed: str

    @property
    def letter(self) -> str:
        """``"K"`` for a kernel sweep, ``"N"`` for an image sweep."""
        return "K" if self.sweep == "kernel" else "N"

    @property
    def crossover(self) -> float | None:
        """The last crossing of the medians (see :func:`crossover`), or None."""
        return self.crossings[-1] if self.crossings else None

    @property
    def agree(self) -> tuple[bool, ...]:
        """Per size, whether no method was clearly faster than ``choose_method``'s pick."""
        return tuple(not beaten for beaten in self.beaten_by)

    @property
    def agreement(self) -> tuple[int, int]:
        """``(sizes where the pick was not clearly beaten, sizes)``."""
        return sum(self.agree), len(self.sizes)

    def speedup(self, method: str, over: str, size: int) -> float:
        """``median(over) / median(method)`` at ``size`` (NaN when either is missing)."""
        index = self.sizes.index(size)
        return self.medians[over][index] / self.medians[method][index]

    def verdict_text(self) -> str:
        """Direct against the FFT at every size, in sentences grouped by the verdict.

        E.g. ``"Direct is faster than the FFT at K = 3, 5 (×1.4 to ×3.1). The FFT
        is faster than direct at K = 31, 63 (×2.2 to ×9). Too close to call on
        this machine at K = 15."`` Only :func:`verdict` decides a winner.
        """
        groups: dict[str | None, list[tuple[int, Verdict]]] = {}
        for size, found in zip(self.sizes, self.verdicts, strict=True):
            if found is not None:
                groups.setdefault(found.faster, []).append((size, found))
        if not groups:
            return "Direct and the FFT were not both measured."
        names = {"direct": "direct", "fft": "the FFT"}
        sentences = []
        for winner in ("direct", "fft", None):
            if winner not in groups:
                continue
            sizes = ", ".join(str(size) for size, _ in groups[winner])
            where = f"at {self.letter} = {sizes}"
            if winner is None:
                sentences.append(f"{TOO_CLOSE[:1].upper()}{TOO_CLOSE[1:]} {where}.")
                continue
            ratios = sorted(found.ratio for _, found in groups[winner])
            span = f"×{format_ratio(ratios[0])}"
            if format_ratio(ratios[-1]) != format_ratio(ratios[0]):
                span += f" to ×{format_ratio(ratios[-1])}"
            loser = "fft" if winner == "direct" else "direct"
            text = f"{names[winner]} is faster than {names[loser]} {where} ({span})."
            sentences.append(text[:1].upper() + text[1:])
        return " ".join(sentences)


def summarize(measurements: Iterable[Measurement], sweep: str, backend: str = "cpu"):
    """Gather the measurements of one sweep on one backend into a :class:`SweepSummary`.

    Parameters
    ----------
    measurements : iterable of Measurement
        Rows of other sweeps and backends are ignored.
    sweep : {"kernel", "image"}
    backend : str

    Returns
    -------
    SweepSummary or None
        None when no row matches.
    """
    if sweep not in SWEEPS:
        raise FiltersError(f"sweep must be one of {', '.join(SWEEPS)}; got {sweep!r}.")
    rows = [m for m in measurements if m.sweep == sweep and m.backend == backend]
    if not rows:
        return None
    sizes = tuple(sorted({m.size for m in rows}))
    by_key = {(m.method, m.size): m for m in rows}
    measured = [method for method in METHODS if any(m.method == method for m in rows)]

    def column(attribute: str) -> dict[str, tuple[float, ...]]:
        return {
            method: tuple(
                getattr(by_key[(method, s)], attribute) if (method, s) in by_key else math.nan
                for s in sizes
            )
            for method in measured
        }

    medians = column("median_s")
    fastest, auto, beaten_by, verdicts = [], [], [], []
    for s in sizes:
        timed = {m: by_key[(m, s)].stats for m in CHOOSABLE if (m, s) in by_key}
        fastest.append(min(timed, key=lambda m: timed[m].median) if timed else "")
        pick = next(m.auto_choice for m in rows if m.size == s)
        auto.append(pick)
        better = [m for m in timed if pick in timed and clearly_faster(timed[m], timed[pick])]
        beaten_by.append(min(better, key=lambda m: timed[m].median) if better else "")
        verdicts.append(
            verdict(timed, "direct", "fft") if {"direct", "fft"} <= set(timed) else None
        )

    both = [i for i, found in enumerate(verdicts) if found is not None]
    found: list[float] = []
    guides: dict[str, tuple[float, ...]] = {}
    anchor = None
    if both:
        direct = [medians["direct"][i] for i in both]
        fft = [medians["fft"][i] for i in both]
        found = crossings([sizes[i] for i in both], direct, fft)
        last = both[-1]
        anchor = sizes[last]
        for name, law, method in (
            ("O(N²K²)", direct_cost, "direct"),
            ("O(N² log N)", fft_cost, "fft"),
        ):
            costs = [law(*_shape_at(rows, s)) for s in sizes]
            scale = medians[method][last] / costs[last]
            guides[name] = tuple(c * scale for c in costs)

    first = rows[0]
    if sweep == "kernel":
        kind = "grey" if first.channels == 1 else f"{first.channels}-channel"
        fixed = f"{first.image_height}×{first.image_width} {kind} image"
    else:
        fixed = f"{first.kernel_size}×{first.kernel_size} kernel"
    return SweepSummary(
        sweep=sweep,
        backend=backend,
        sizes=sizes,
        medians=medians,
        q1=column("q1_s"),
        q3=column("q3_s"),
        crossings=tuple(found),
        verdicts=tuple(verdicts),
        fastest=tuple(fastest),
        auto=tuple(auto),
        beaten_by=tuple(beaten_by),
        guides=guides,
        anchor=anchor,
        fixed=fixed,
    )


def _shape_at(rows: list[Measurement], size: int) -> tuple[int, int, int]:
    row = next(m for m in rows if m.size == size)
    return row.image_height, row.image_width, row.kernel_size


def largest_spread(rows: Iterable[Measurement]) -> float:
    """The largest ``max / min`` over the measurements' runs: how noisy the timings were."""
    spreads = [m.max_s / m.min_s for m in rows if m.min_s > 0]
    return max(spreads) if spreads else math.nan


def results_to_csv(rows: Iterable[Measurement]) -> str:
    """The measurements as CSV text: a header of :class:`Measurement`'s fields, one row each.

    Times are written with full precision (``repr``), so they parse back exactly.
    """
    names = [f.name for f in fields(Measurement)]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        record = asdict(row)
        writer.writerow({k: repr(v) if isinstance(v, float) else v for k, v in record.items()})
    return buffer.getvalue()


# ----------------------------------------------------------------------------
# A small live check: does the cost grow with the kernel?
# ----------------------------------------------------------------------------


def kernel_growth(
    image,
    small: int = 5,
    large: int = 31,
    *,
    repeats: int = 5,
    backend="cpu",
    dtype=np.float64,
    kernel: Callable[[int], np.ndarray] = gaussian_kernel,
    clock: Callable[[], float] | None = None,
) -> dict[str, dict[int, TimingStats]]:
    """Direct and FFT convolution of ``image`` with a small and a large kernel, timed together.

    The four calls are timed by one :func:`measure`, interleaved, so that the
    ratios between them hold even on a busy machine.

    Parameters
    ----------
    image : (H, W[, C]) array_like
    small, large : int
        The two kernel sides.
    repeats : int
        Timed rounds (after one warm-up round).
    backend : {"cpu", "gpu", "auto"} or Backend
    dtype : {numpy.float64, numpy.float32}
    kernel : callable
        ``kernel(K) -> (K, K) ndarray``.
    clock : callable, optional
        As for :func:`measure`.

    Returns
    -------
    dict
        ``{"direct": {small: stats, large: stats}, "fft": {small: stats, large: stats}}``
        of :class:`TimingStats`; the direct route is ``filter2d(method="direct")``
        (the full 2-D sum, whatever the kernel's rank).
    """
    image = np.asarray(image)
    chosen = backend if isinstance(backend, Backend) else get_backend(backend)
    sizes = (_count(small, "small", 1), _count(large, "large", 1))
    calls = {
        f"{method}:{size}": _timed_call(method, image, kernel(size), chosen, dtype)
        for method in ("direct", "fft")
        for size in sizes
    }
    timed = measure(calls, repeats, 1, clock)
    return {
        method: {size: timed[f"{method}:{size}"] for size in sizes} for method in ("direct", "fft")
    }
