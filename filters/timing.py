"""Timing the filtering methods: medians of repeated runs, sweeps over sizes, the crossover.

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

:func:`sweep_kernel_sizes` and :func:`sweep_image_sizes` return one
:class:`Measurement` per method and size, :func:`summarize` turns them into
what a plot shows (medians per size, the measured :func:`crossover` of direct
and FFT, guide lines for the two cost laws, and whether
:func:`filters.choose_method` picked the fastest method), and
:func:`results_to_csv` writes them out.

Examples
--------
>>> from filters import timing
>>> rows = timing.sweep_kernel_sizes((64, 64), [3, 9], repeats=3)
>>> summary = timing.summarize(rows, "kernel")
>>> summary.sizes
(3, 9)
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from time import perf_counter

import numpy as np

from ._core import ImageSpectrum, choose_method, estimate_seconds, fft_convolve, filter2d
from ._errors import FiltersError
from .backends import Backend, get_backend

__all__ = [
    "METHODS",
    "METHOD_LABELS",
    "Measurement",
    "SweepPlan",
    "SweepSummary",
    "TimingStats",
    "crossings",
    "crossover",
    "direct_cost",
    "fft_cost",
    "gaussian_kernel",
    "kernel_growth",
    "largest_spread",
    "results_to_csv",
    "run_plan",
    "summarize",
    "sweep_image_sizes",
    "sweep_kernel_sizes",
    "time_call",
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
    """Wall-clock seconds of repeated calls.

    Attributes
    ----------
    median, min, max : float
        Over ``runs``.
    runs : tuple of float
        Seconds of each timed call, in order (warm-up calls excluded).
    """

    median: float
    min: float
    max: float
    runs: tuple[float, ...]


def _count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise FiltersError(f"{name} must be an integer of at least {minimum}; got {value!r}.")
    return int(value)


def time_call(fn: Callable[[], object], repeats: int = 3, warmup: int = 1) -> TimingStats:
    """Time ``fn()`` ``repeats`` times with :func:`time.perf_counter`, after warm-up calls.

    Parameters
    ----------
    fn : callable
        Called with no arguments; its result is ignored.
    repeats : int
        Timed calls, at least 1.
    warmup : int
        Untimed calls first (compilation, caches, FFT plans), at least 0.

    Returns
    -------
    TimingStats
        The median is the robust summary to report: a busy machine slows some
        runs down, never speeds one up.
    """
    repeats = _count(repeats, "repeats", 1)
    warmup = _count(warmup, "warmup", 0)
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeats):
        start = perf_counter()
        fn()
        runs.append(perf_counter() - start)
    return TimingStats(statistics.median(runs), min(runs), max(runs), tuple(runs))


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
    """The median time of one method at one image size and kernel size.

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
    repeats : int
        Timed calls behind the median.
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
    repeats: int
    auto_choice: str

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
) -> list[Measurement]:
    methods = _methods(methods)
    repeats = _count(repeats, "repeats", 1)
    chosen = backend if isinstance(backend, Backend) else get_backend(backend)
    jobs = []
    for shape, size in cases:
        weights = np.asarray(kernel(size), dtype=np.float64)
        jobs.extend(
            (shape, size, weights, method)
            for method in methods
            if _applicable(method, shape, weights)
        )
    rows = []
    images: dict[tuple[int, ...], np.ndarray] = {}
    for done, (shape, size, weights, method) in enumerate(jobs, start=1):
        image = images.setdefault(shape, _test_image(shape))
        stats = time_call(_timed_call(method, image, weights, chosen), repeats, warmup)
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
                repeats=repeats,
                auto_choice=choose_method(shape, weights),
            )
        )
        if progress is not None:
            label = f"{METHOD_LABELS[method]} · {shape[0]}×{shape[1]} image · {size}×{size} kernel"
            progress(done, len(jobs), label)
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
        Timed calls per measurement; the median is kept.
    backend : {"cpu", "gpu", "auto"} or Backend
    progress : callable, optional
        ``progress(done, total, label)``, called once after each measurement.
    kernel : callable, optional
        ``kernel(K) -> (K, K) ndarray``; :func:`gaussian_kernel` by default.
    warmup : int
        Untimed calls before each measurement.

    Returns
    -------
    list of Measurement
        Ordered by size, then method.
    """
    shape = _image_shape(image_shape)
    cases = [(shape, size) for size in _sizes(sizes, "sizes")]
    return _sweep("kernel", cases, methods, repeats, backend, progress, kernel, warmup)


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
    methods, repeats, backend, progress, kernel, warmup
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
    return _sweep("image", cases, methods, repeats, backend, progress, kernel, warmup)


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
    medians : dict of str to tuple of float
        Median seconds per method, aligned with ``sizes`` (NaN where not measured).
    crossings : tuple of float
        :func:`crossings` of direct and FFT.
    faster_first, faster_last : str or None
        ``"direct"`` or ``"fft"``: which of the two is faster at the smallest and
        at the largest size measured by both.
    fastest : tuple of str
        Per size, the fastest measured method among those ``choose_method`` picks from.
    auto : tuple of str
        Per size, what :func:`filters.choose_method` picks.
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
    crossings: tuple[float, ...]
    faster_first: str | None
    faster_last: str | None
    fastest: tuple[str, ...]
    auto: tuple[str, ...]
    guides: dict[str, tuple[float, ...]]
    anchor: int | None
    fixed: str

    @property
    def crossover(self) -> float | None:
        """The last crossing (see :func:`crossover`), or None."""
        return self.crossings[-1] if self.crossings else None

    @property
    def agree(self) -> tuple[bool, ...]:
        """Per size, whether ``choose_method`` picked the fastest measured method."""
        return tuple(a == f for a, f in zip(self.auto, self.fastest, strict=True))

    @property
    def agreement(self) -> tuple[int, int]:
        """``(sizes where the pick was the fastest, sizes)``."""
        return sum(self.agree), len(self.sizes)

    def speedup(self, method: str, over: str, size: int) -> float:
        """``median(over) / median(method)`` at ``size`` (NaN when either is missing)."""
        index = self.sizes.index(size)
        return self.medians[over][index] / self.medians[method][index]


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
    medians = {
        method: tuple(
            by_key[(method, s)].median_s if (method, s) in by_key else math.nan for s in sizes
        )
        for method in METHODS
        if any(m.method == method for m in rows)
    }
    fastest, auto = [], []
    for s in sizes:
        candidates = [(by_key[(m, s)].median_s, m) for m in CHOOSABLE if (m, s) in by_key]
        fastest.append(min(candidates)[1] if candidates else "")
        auto.append(next(m.auto_choice for m in rows if m.size == s))

    both = [i for i, s in enumerate(sizes) if ("direct", s) in by_key and ("fft", s) in by_key]
    found: list[float] = []
    faster_first = faster_last = None
    guides: dict[str, tuple[float, ...]] = {}
    anchor = None
    if both:
        direct = [medians["direct"][i] for i in both]
        fft = [medians["fft"][i] for i in both]
        found = crossings([sizes[i] for i in both], direct, fft)
        faster_first = "direct" if direct[0] <= fft[0] else "fft"
        faster_last = "direct" if direct[-1] <= fft[-1] else "fft"
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
        crossings=tuple(found),
        faster_first=faster_first,
        faster_last=faster_last,
        fastest=tuple(fastest),
        auto=tuple(auto),
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
) -> dict[str, dict[int, float]]:
    """Median seconds of direct and FFT convolution of ``image`` with a small and a large kernel.

    Parameters
    ----------
    image : (H, W[, C]) array_like
    small, large : int
        The two kernel sides.
    repeats : int
        Timed calls per median (after one warm-up call).
    backend : {"cpu", "gpu", "auto"} or Backend
    dtype : {numpy.float64, numpy.float32}
    kernel : callable
        ``kernel(K) -> (K, K) ndarray``.

    Returns
    -------
    dict
        ``{"direct": {small: s, large: s}, "fft": {small: s, large: s}}``; the
        direct route is ``filter2d(method="direct")`` (the full 2-D sum, whatever
        the kernel's rank).
    """
    image = np.asarray(image)
    chosen = backend if isinstance(backend, Backend) else get_backend(backend)
    result: dict[str, dict[int, float]] = {"direct": {}, "fft": {}}
    for size in (_count(small, "small", 1), _count(large, "large", 1)):
        weights = kernel(size)
        for method in result:
            call = _timed_call(method, image, weights, chosen, dtype)
            result[method][size] = time_call(call, repeats).median
    return result
