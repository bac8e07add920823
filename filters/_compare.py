"""One call that computes everything the side-by-side comparison shows."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from . import kernels as _kernels
from ._core import (
    BOUNDARIES,
    ImageSpectrum,
    _check_image,
    _check_kernel,
    _direct_valid,
    _filter_direct,
    _oriented,
    _plan,
)
from ._errors import FiltersError
from .backends import Backend, get_backend

__all__ = [
    "Comparison",
    "Difference",
    "block_means",
    "compare",
    "compare_in_strips",
    "comparison_bytes",
    "fft_tolerance",
]

#: Relative FFT-versus-direct tolerance per dtype: error ≤ rtol · max|I| · Σ|K|.
FFT_RTOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-4}


def fft_tolerance(
    image: np.ndarray, kernel: np.ndarray, dtype=np.float64, *, boundary="reflect", cval=0.0
) -> float:
    """The contract's bound on ``|fft_convolve - convolve|``: ``rtol · max|I| · Σ|K|``.

    With ``boundary="constant"`` the extended image also holds ``cval``, so
    ``max|I|`` covers it too.
    """
    values = np.asarray(image)
    largest = max(abs(float(values.max())), abs(float(values.min())))  # no |image| array
    if boundary == "constant":
        largest = max(largest, abs(float(cval)))
    return FFT_RTOL[np.dtype(dtype)] * largest * float(np.sum(np.abs(kernel)))


@dataclass(frozen=True)
class Difference:
    """A difference map ``a - b`` and its summary numbers.

    Attributes
    ----------
    map : (H, W[, C]) ndarray
        ``a - b``.
    max_abs : float
        ``max |a - b|``.
    rms : float
        Root mean square of ``a - b``.
    psnr : float
        ``10 log10(peak² / mean((a - b)²))`` in dB with ``peak`` the range of
        ``a`` (``max - min``, or ``max|a|`` for a constant ``a``, or 1); infinite
        when ``a == b``.
    """

    map: np.ndarray
    max_abs: float
    rms: float
    psnr: float

    @classmethod
    def between(cls, a: np.ndarray, b: np.ndarray) -> Difference:
        a, b = np.asarray(a), np.asarray(b)
        if _one_pass(a, b):
            # The map and every number in one pass, with no temporary arrays:
            # a megapixel comparison would otherwise fill five maps' worth of
            # fresh memory per difference.
            diff = np.empty(a.shape, dtype=np.float64)
            stats = _difference_pass(a.reshape(-1), b.reshape(-1), diff.reshape(-1))
            max_abs, squares, low, high, largest = (float(value) for value in stats)
            return _difference(diff, max_abs, squares, a.size, low, high, largest)
        diff = a.astype(np.float64) - b.astype(np.float64)
        max_abs = float(np.max(np.abs(diff)))
        mse = float(np.mean(diff * diff))
        peak = float(np.max(a) - np.min(a)) or float(np.max(np.abs(a))) or 1.0
        psnr = math.inf if mse == 0 else 10.0 * math.log10(peak * peak / mse)
        return cls(diff, max_abs, math.sqrt(mse), psnr)


def _one_pass(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether :func:`_difference_pass` takes ``a`` and ``b`` (same-shape float arrays)."""
    floats = (np.dtype(np.float32), np.dtype(np.float64))
    return (
        a.shape == b.shape
        and a.size > 0
        and a.dtype in floats
        and b.dtype in floats
        and a.flags.c_contiguous
        and b.flags.c_contiguous
    )


#: Values summed apart before their partial sums are added (pairwise-like rounding).
_SUM_BLOCK = 4096


@njit(cache=True, nogil=True)
def _difference_pass(a, b, out):
    """``out = a - b`` in float64; returns max|a - b|, Σ(a - b)², min a, max a, max|a|.

    A NaN anywhere makes the maxima NaN, as ``np.max`` would.
    """
    max_abs = 0.0
    squares = 0.0
    low = np.inf
    high = -np.inf
    largest = 0.0
    nan = False
    for start in range(0, a.shape[0], _SUM_BLOCK):
        block = 0.0
        for i in range(start, min(start + _SUM_BLOCK, a.shape[0])):
            x = np.float64(a[i])
            d = x - np.float64(b[i])
            out[i] = d
            block += d * d
            nan |= d != d or x != x
            max_abs = max(max_abs, abs(d))
            low = min(low, x)
            high = max(high, x)
            largest = max(largest, abs(x))
        squares += block
    if nan:
        return np.nan, squares, np.nan, np.nan, np.nan
    return max_abs, squares, low, high, largest


@njit(cache=True, nogil=True)
def _max_abs_difference(a, b):
    """``max |a - b|`` over two flat arrays, without a temporary; NaN if one is NaN."""
    largest = 0.0
    for i in range(a.shape[0]):
        d = abs(np.float64(a[i]) - np.float64(b[i]))
        if d != d:
            return np.nan
        largest = max(largest, d)
    return largest


@dataclass(frozen=True)
class Comparison:
    """Convolution, correlation and FFT product of one image and kernel, compared.

    Attributes
    ----------
    convolution, correlation : ndarray
        The direct (spatial-domain) results.
    fft : ndarray
        ``fft_convolve``: the same convolution through the convolution theorem.
    fft_correlation : ndarray
        ``fft_correlate``, from the same image and kernel spectra (computed on
        first use: the Compare page does not show it).
    conv_minus_corr : Difference
        ``convolution - correlation``.
    conv_minus_fft : Difference
        ``convolution - fft``.
    predicted_difference : ndarray
        ``2 · convolve(I, A) = -2 · correlate(I, A)`` with ``A`` the kernel's
        antisymmetric part: what ``convolution - correlation`` must equal.
    prediction_error : float
        ``max |(convolution - correlation) - predicted_difference|``.
    symmetric : bool
        Whether the kernel is symmetric under a 180° rotation.
    asymmetry : float
        ``max|A| / max|K|``.
    fft_tolerance : float
        The contract's bound on ``|fft - convolution|`` for this image and kernel.
    even_kernel : bool
        Whether a side of the kernel is even (centring conventions then differ
        between libraries by one pixel).
    times : dict of str to float
        Seconds per method: "convolution", "correlation", "fft" (the FFT
        convolution, spectrum product and inverse, with the image spectrum
        computed too unless it was reused).
    spectrum_reused : bool
        Whether the image's spectrum came from a prepared :class:`ImageSpectrum`.
    backend, backend_reason : str
        Which backend ran, and why.
    scale : int
        1 when the arrays are the results themselves. Greater than 1 for
        :func:`compare_in_strips`: every value of the arrays (results and
        difference maps) is then the mean of a ``scale × scale`` block of the
        result, while every number (max, RMS, PSNR, errors) is exact over all
        pixels.
    output_shape : tuple of int
        The shape of the results (before any reduction).
    """

    convolution: np.ndarray
    correlation: np.ndarray
    fft: np.ndarray
    conv_minus_corr: Difference
    conv_minus_fft: Difference
    predicted_difference: np.ndarray
    prediction_error: float
    symmetric: bool
    asymmetry: float
    fft_tolerance: float
    even_kernel: bool
    times: dict[str, float] = field(default_factory=dict)
    spectrum_reused: bool = False
    backend: str = "cpu"
    backend_reason: str = ""
    fft_correlate: Callable[[], np.ndarray] | None = field(default=None, repr=False, compare=False)
    scale: int = 1
    output_shape: tuple[int, ...] | None = None

    @functools.cached_property
    def fft_correlation(self) -> np.ndarray:
        if self.fft_correlate is None:
            raise AttributeError("this comparison was made without its FFT correlation")
        return self.fft_correlate()

    @property
    def fft_within_tolerance(self) -> bool:
        return self.conv_minus_fft.max_abs <= self.fft_tolerance

    @property
    def prediction_holds(self) -> bool:
        """Whether conv − corr matches 2·convolve(I, A) to rounding (the FFT's bound)."""
        return self.prediction_error <= self.fft_tolerance

    def verdict(self) -> list[str]:
        """Plain sentences stating what the numbers show (all computed)."""
        d = self.conv_minus_corr
        lines = []
        if self.symmetric:
            if d.max_abs == 0:
                lines.append(
                    "The kernel is symmetric under a 180° rotation, so convolution and "
                    "correlation are identical: max |difference| = 0."
                )
            else:
                lines.append(
                    "The kernel is symmetric under a 180° rotation, so convolution and "
                    f"correlation agree up to rounding: max |difference| = {d.max_abs:.3g}."
                )
        else:
            lines.append(
                f"The kernel is not symmetric under a 180° rotation (asymmetry "
                f"{self.asymmetry:.3g}), so convolution and correlation differ: "
                f"max |difference| = {d.max_abs:.4g}, RMS {d.rms:.4g}."
            )
            agreement = "matches" if self.prediction_holds else "does NOT match"
            lines.append(
                "The difference is exactly the antisymmetric part A = (K − flip K)/2 at "
                f"work: conv − corr = 2·(I ∗ A) {agreement} to within "
                f"{self.prediction_error:.2g}."
            )
        within = "within" if self.fft_within_tolerance else "OUTSIDE"
        lines.append(
            f"FFT and direct convolution agree up to rounding: max |difference| = "
            f"{self.conv_minus_fft.max_abs:.2g}, {within} the bound "
            f"{self.fft_tolerance:.2g} (= rtol · max|I| · Σ|K|)."
        )
        if self.even_kernel:
            lines.append(
                "This kernel has an even side, so it has no centre pixel: 'same' output "
                "keeps full[(k−1)//2 :], like scipy.signal.convolve2d and OpenCV's "
                "filter2D; MATLAB's conv2 and imfilter, scipy.ndimage.convolve and "
                "scipy.signal.correlate2d start one pixel later (align='matlab')."
            )
        return lines


def compare(
    image,
    kernel,
    *,
    boundary="reflect",
    output="same",
    cval=0.0,
    dtype=np.float64,
    backend="auto",
    spectrum: ImageSpectrum | None = None,
) -> Comparison:
    """Convolve, correlate and FFT-convolve ``image`` with ``kernel``, and compare.

    Parameters
    ----------
    image : (H, W[, C]) array_like
    kernel : (kh, kw) array_like
    boundary, output, cval, dtype, backend
        As for :func:`filters.convolve`.
    spectrum : ImageSpectrum, optional
        A prepared spectrum of this image with the same kernel shape and options;
        reused instead of transforming the image again (what an interactive kernel
        editor wants). Ignored when it does not match.

    Returns
    -------
    Comparison

    Notes
    -----
    With ``A = (K − flip K) / 2`` the antisymmetric part of the kernel,

    .. math:: I * K - I \\star K = I * (K - \\mathrm{flip}\\,K) = 2 \\, (I * A)

    so the two operations agree exactly when ``A = 0``.
    """
    image = _check_image(image)
    kernel = _check_kernel(kernel).astype(np.float64)
    plan = _plan(image.shape, kernel.shape, boundary, output, cval, dtype)
    chosen: Backend = backend if isinstance(backend, Backend) else get_backend(backend)
    options = dict(boundary=boundary, output=output, cval=cval, dtype=dtype, backend=chosen)

    times = {}
    start = time.perf_counter()
    convolution = _filter_direct(image, kernel, True, method="auto", **options)
    times["convolution"] = time.perf_counter() - start
    start = time.perf_counter()
    correlation = _filter_direct(image, kernel, False, method="auto", **options)
    times["correlation"] = time.perf_counter() - start

    start = time.perf_counter()
    reused = spectrum is not None and spectrum.plan == plan and spectrum.backend.name == chosen.name
    if not reused:
        spectrum = ImageSpectrum(image, kernel.shape, **options)
    fft = spectrum.convolve(kernel)
    times["fft"] = time.perf_counter() - start

    antisymmetric = _kernels.antisymmetric_part(kernel)
    symmetric = _kernels.is_symmetric(kernel)
    if np.any(antisymmetric):
        predicted = _filter_direct(image, antisymmetric, True, method="direct", **options)
        predicted *= 2.0
    else:
        predicted = np.zeros_like(convolution)
    conv_minus_corr = Difference.between(convolution, correlation)
    prediction_error = _prediction_error(conv_minus_corr.map, predicted)

    return Comparison(
        convolution=convolution,
        correlation=correlation,
        fft=fft,
        fft_correlate=functools.partial(spectrum.correlate, kernel.copy()),
        conv_minus_corr=conv_minus_corr,
        conv_minus_fft=Difference.between(convolution, fft),
        predicted_difference=predicted,
        prediction_error=prediction_error,
        symmetric=symmetric,
        asymmetry=_kernels.asymmetry(kernel),
        fft_tolerance=fft_tolerance(image, kernel, plan.dtype, boundary=boundary, cval=cval),
        even_kernel=kernel.shape[0] % 2 == 0 or kernel.shape[1] % 2 == 0,
        times=times,
        spectrum_reused=reused,
        backend=chosen.name,
        backend_reason=chosen.reason,
        output_shape=plan.output_shape,
    )


def _prediction_error(difference: np.ndarray, predicted: np.ndarray) -> float:
    """``max |difference - predicted|``, without temporary arrays where it can."""
    if _one_pass(difference, predicted):
        return float(_max_abs_difference(difference.reshape(-1), predicted.reshape(-1)))
    return float(np.max(np.abs(difference - predicted)))


#: Arrays of the image's size that :func:`compare` holds at its peak: the
#: extended image, three results, the prediction, two difference maps and the
#: FFT's complex spectra and workspace.
_WHOLE_ARRAYS = 12


def comparison_bytes(image_shape, kernel_shape, output="same", dtype=np.float64) -> int:
    """About how many bytes of working memory :func:`compare` needs at its peak."""
    (h, w), (kh, kw) = image_shape[:2], kernel_shape
    channels = int(np.prod(image_shape[2:], dtype=np.int64)) if len(image_shape) > 2 else 1
    rows, cols = (h + kh - 1, w + kw - 1) if output == "full" else (h, w)
    itemsize = max(np.dtype(dtype).itemsize, 8)
    return int(rows * cols * channels * itemsize * _WHOLE_ARRAYS)


#: Summary slots of :func:`_summarise_strip`.
_MAX_CC, _SQUARES_CC, _MAX_CF, _SQUARES_CF, _LOW, _HIGH, _LARGEST, _PREDICTION = range(8)


@njit(cache=True, nogil=True)
def _summarise_strip(conv, corr, fft, predicted, has_prediction, scale, first_block, sums, stats):
    """One pass over a strip of results: block sums of the four results and the summary.

    ``conv``, ``corr``, ``fft`` and ``predicted`` are (h, w, c); ``sums`` is
    (4, blocks down, blocks across, c) and gathers block sums from block row
    ``first_block``; ``stats`` holds the running summary (slots above).
    """
    height, width, channels = conv.shape
    for i in range(height):
        block_row = first_block + i // scale
        for j in range(width):
            block_col = j // scale
            for k in range(channels):
                a = np.float64(conv[i, j, k])
                b = np.float64(corr[i, j, k])
                f = np.float64(fft[i, j, k])
                p = np.float64(predicted[i, j, k]) if has_prediction else 0.0
                cc = a - b
                cf = a - f
                stats[_MAX_CC] = max(stats[_MAX_CC], abs(cc))
                stats[_SQUARES_CC] += cc * cc
                stats[_MAX_CF] = max(stats[_MAX_CF], abs(cf))
                stats[_SQUARES_CF] += cf * cf
                stats[_LOW] = min(stats[_LOW], a)
                stats[_HIGH] = max(stats[_HIGH], a)
                stats[_LARGEST] = max(stats[_LARGEST], abs(a))
                stats[_PREDICTION] = max(stats[_PREDICTION], abs(cc - p))
                sums[0, block_row, block_col, k] += a
                sums[1, block_row, block_col, k] += b
                sums[2, block_row, block_col, k] += f
                sums[3, block_row, block_col, k] += p


def _difference(reduced_map, max_abs, squares, count, low, high, largest) -> Difference:
    """A :class:`Difference` from running sums (``a``'s range gives the PSNR's peak)."""
    mse = squares / max(count, 1)
    peak = (high - low) or largest or 1.0
    psnr = math.inf if mse == 0 else 10.0 * math.log10(peak * peak / mse)
    return Difference(reduced_map, max_abs, math.sqrt(mse), psnr)


def _as_planes(values: np.ndarray) -> np.ndarray:
    return values if values.ndim == 3 else values[:, :, np.newaxis]


def block_means(values: np.ndarray, factor: int) -> np.ndarray:
    """Means over ``factor × factor`` blocks (smaller blocks at the far edges)."""
    if factor == 1:
        return values.astype(np.float64)
    rows = np.arange(0, values.shape[0], factor)
    cols = np.arange(0, values.shape[1], factor)
    sums = np.add.reduceat(np.add.reduceat(values, rows, axis=0, dtype=np.float64), cols, axis=1)
    counts = np.outer(
        np.diff(np.append(rows, values.shape[0])), np.diff(np.append(cols, values.shape[1]))
    )
    if sums.ndim == 3:
        counts = counts[:, :, np.newaxis]
    return sums / counts


def compare_in_strips(
    image,
    kernel,
    *,
    boundary="reflect",
    output="same",
    cval=0.0,
    dtype=np.float64,
    backend="auto",
    scale: int = 1,
    rows_to_float: Callable[[np.ndarray], np.ndarray] | None = None,
    strip_bytes: int = 24 * 2**20,
    progress: Callable[[float], None] | None = None,
) -> Comparison:
    """:func:`compare` in horizontal strips, in bounded memory, for large images.

    The image is extended and filtered a strip of output rows at a time (the
    strips overlap by the kernel's height, so every output pixel sees exactly
    the pixels it would see in :func:`compare`: the FFT route becomes an
    overlap-save convolution). Only block means of the results are kept; the
    summary numbers are exact over all pixels.

    Parameters
    ----------
    image : (H, W[, C]) array_like
        The image, in any real dtype: a compact 8-bit picture is read a strip
        at a time through ``rows_to_float``.
    kernel : (kh, kw) array_like
    boundary, output, cval, dtype, backend
        As for :func:`filters.convolve`.
    scale : int, optional
        Side of the blocks the kept arrays are averaged over (1 keeps them whole).
    rows_to_float : callable, optional
        Turns a block of the image's rows into the float image rows to filter
        (for example 8-bit values to [0, 1], or colour to grey). Default: the
        values as float64.
    strip_bytes : int, optional
        About how many bytes one strip of one result may take; the working
        memory is a small multiple of it.
    progress : callable, optional
        Called with the fraction done (0 to 1) after every strip. It may raise to
        stop the computation.

    Returns
    -------
    Comparison
        With ``scale`` set and ``fft_correlation`` unavailable.
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3) or image.size == 0:
        raise FiltersError(
            f"image must be a non-empty (H, W) or (H, W, C) array; got {image.shape}."
        )
    convert = rows_to_float or (lambda rows: np.asarray(rows, dtype=np.float64))
    kernel = _check_kernel(kernel).astype(np.float64)
    scale = max(1, int(scale))
    height, width = image.shape[:2]
    sample_row = convert(image[:1])
    plan = _plan(
        (height, width, *sample_row.shape[2:]), kernel.shape, boundary, output, cval, dtype
    )
    chosen: Backend = backend if isinstance(backend, Backend) else get_backend(backend)
    mode = BOUNDARIES[plan.boundary]
    if mode == "constant":
        row_map = np.pad(np.arange(height), plan.pad_rows, mode="constant", constant_values=-1)
    else:
        row_map = np.pad(np.arange(height), plan.pad_rows, mode=mode)
    column_widths = [(0, 0), plan.pad_cols] + [(0, 0)] * (sample_row.ndim - 2)
    out_rows, out_cols = plan.output_shape[:2]
    kh, kw = kernel.shape
    row_bytes = (out_cols + kw - 1) * int(np.prod(sample_row.shape[2:], dtype=np.int64)) * 8
    strip_rows = max(scale, (max(1, strip_bytes // row_bytes) // scale) * scale)

    antisymmetric = _kernels.antisymmetric_part(kernel)
    asymmetric = bool(np.any(antisymmetric))
    channels = int(np.prod(sample_row.shape[2:], dtype=np.int64)) if sample_row.ndim > 2 else 1
    blocks = (-(-out_rows // scale), -(-out_cols // scale))
    sums = np.zeros((4, *blocks, channels))
    stats = np.zeros(8)
    stats[_LOW], stats[_HIGH] = math.inf, -math.inf
    largest_input = abs(float(cval)) if plan.boundary == "constant" else 0.0
    times = {"convolution": 0.0, "correlation": 0.0, "fft": 0.0}

    for top in range(0, out_rows, strip_rows):
        bottom = min(out_rows, top + strip_rows)
        sources = row_map[top : bottom + kh - 1]
        rows = convert(image[np.clip(sources, 0, height - 1)])
        if mode == "constant":
            rows[sources < 0] = plan.cval
        largest_input = max(largest_input, float(np.max(np.abs(rows))))
        if mode == "constant":
            extended = np.pad(rows, column_widths, mode="constant", constant_values=plan.cval)
        else:
            extended = np.pad(rows, column_widths, mode=mode)
        del rows
        device = chosen.asarray(np.ascontiguousarray(extended, dtype=plan.dtype))
        del extended

        def direct(weights, convolution, device=device):
            result = _direct_valid(device, _oriented(weights, convolution), chosen, "auto")
            return np.ascontiguousarray(chosen.to_host(result), dtype=plan.dtype)

        start = time.perf_counter()
        convolution = direct(kernel, True)
        times["convolution"] += time.perf_counter() - start
        start = time.perf_counter()
        correlation = direct(kernel, False)
        times["correlation"] += time.perf_counter() - start
        start = time.perf_counter()
        fft = ImageSpectrum(
            device,
            kernel.shape,
            boundary="constant",
            output="valid",
            dtype=plan.dtype,
            backend=chosen,
        ).convolve(kernel)
        times["fft"] += time.perf_counter() - start
        predicted = 2.0 * direct(antisymmetric, True) if asymmetric else convolution
        del device
        _summarise_strip(
            _as_planes(convolution),
            _as_planes(correlation),
            _as_planes(fft),
            _as_planes(predicted),
            asymmetric,
            scale,
            top // scale,
            sums,
            stats,
        )
        del convolution, correlation, fft, predicted
        if progress is not None:
            progress(bottom / out_rows)

    row_counts = np.diff(np.append(np.arange(0, out_rows, scale), out_rows))
    col_counts = np.diff(np.append(np.arange(0, out_cols, scale), out_cols))
    means = sums / (np.outer(row_counts, col_counts)[np.newaxis, :, :, np.newaxis])
    del sums
    if len(plan.output_shape) == 2:
        means = means[..., 0]
    conv_mean, corr_mean, fft_mean, predicted_mean = means
    count = out_rows * out_cols * channels
    summary = stats[_LOW], stats[_HIGH], stats[_LARGEST]
    tolerance = FFT_RTOL[plan.dtype] * largest_input * float(np.sum(np.abs(kernel)))
    return Comparison(
        convolution=conv_mean,
        correlation=corr_mean,
        fft=fft_mean,
        conv_minus_corr=_difference(
            conv_mean - corr_mean, stats[_MAX_CC], stats[_SQUARES_CC], count, *summary
        ),
        conv_minus_fft=_difference(
            conv_mean - fft_mean, stats[_MAX_CF], stats[_SQUARES_CF], count, *summary
        ),
        predicted_difference=predicted_mean,
        prediction_error=float(stats[_PREDICTION]),
        symmetric=_kernels.is_symmetric(kernel),
        asymmetry=_kernels.asymmetry(kernel),
        fft_tolerance=tolerance,
        even_kernel=kh % 2 == 0 or kw % 2 == 0,
        times=times,
        spectrum_reused=False,
        backend=chosen.name,
        backend_reason=chosen.reason,
        scale=scale,
        output_shape=plan.output_shape,
    )
