"""The convolution theorem made explicit: spectra, circular and padded FFT, deconvolution.

Everything the Fourier page shows is computed here, on arrays, with no UI:

- :func:`centred_log_magnitude` and :func:`padded_kernel_spectrum`: what the spectra
  look like;
- :func:`convolution_theorem` and :func:`correlation_theorem`: the product of spectra,
  its inverse, and the direct spatial-domain result it must equal, padded (any boundary
  rule) or not (circular);
- :func:`circular_convolve` and :func:`circular_correlate`: the FFT at the image's own
  size, without padding;
- :func:`response_levels` and :func:`classify_response`: low-, high-, band- or all-pass;
- :func:`blur_and_noise`, :func:`inverse_filter`, :func:`wiener_deconvolve`,
  :func:`psnr`: undoing a blur by dividing spectra, naively or with Wiener's filter.

Conventions
-----------
Images are ``(H, W)`` or ``(H, W, C)`` with channels last; transforms run over the first
two axes, each channel separately. Spectra are *uncentred* (zero frequency at index
``(0, 0)``, as :func:`scipy.fft.fft2` returns them) unless a name says "centred". The
kernel's centre is ``(cy, cx) = ((kh - 1) // 2, (kw - 1) // 2)``, the ``same`` centring
of :func:`filters.convolve`.

The circular (unpadded) route is the discrete Fourier transform's own convolution: with the
kernel zero-padded to the image's size (top-left tap at index 0),

.. math:: \\mathcal{F}^{-1}[\\hat I \\cdot \\hat K][y, x]
          = \\sum_{u, v} K[u, v] \\, I[(y - u) \\bmod H, (x - v) \\bmod W],

and ``convolve(I, K, boundary="wrap", output="same")`` is that rolled by ``(−cy, −cx)``.

This module computes on the CPU (NumPy and :mod:`scipy.fft`, all cores): it shows the
maths at preview sizes; :func:`filters.fft_convolve` is the fast, backend-aware route.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import fft as _fft

from ._checks import positive_pair
from ._compare import fft_tolerance
from ._core import BOUNDARIES, _check_image, _check_kernel, convolve, correlate
from ._errors import FiltersError
from .kernels import frequency_axes, make

__all__ = [
    "DEFAULT_BLUR_SIGMA",
    "DEFAULT_EPS",
    "DEFAULT_LOG10_NSR",
    "DEFAULT_NOISE_SIGMA",
    "HALF_POWER",
    "ResponseLevels",
    "Theorem",
    "blur_and_noise",
    "boundary_band",
    "centred_log_magnitude",
    "circular_convolve",
    "circular_correlate",
    "classify_response",
    "convolution_theorem",
    "correlation_theorem",
    "deconvolution_gains",
    "gaussian_blur",
    "inverse_filter",
    "padded_kernel_spectrum",
    "psnr",
    "psnr_versus_nsr",
    "response_levels",
    "wiener_deconvolve",
]

_AXES = (0, 1)
_WORKERS = -1

HALF_POWER = 1 / math.sqrt(2)
"""The pass/stop threshold of :func:`classify_response`: |H| ≥ peak/√2 (−3 dB) passes."""

DEFAULT_EPS = 1e-12
"""The guard of :func:`inverse_filter`: spectrum values smaller than this are raised to it."""

# The deconvolution demo's starting point: a visible blur, mild noise, and a K near the best.
DEFAULT_BLUR_SIGMA = 2.0
"""Standard deviation, in pixels, of the Gaussian blur the demo starts with."""
DEFAULT_NOISE_SIGMA = 0.01
"""Standard deviation of the demo's added noise, on a ``[0, 1]`` image scale."""
DEFAULT_LOG10_NSR = -2.5
"""``log10 K`` of the Wiener filter the demo starts with."""


# ----------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------


def _non_negative(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise FiltersError(f"{name} must be a real number; got {value!r}.")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise FiltersError(f"{name} must be finite and at least 0; got {value!r}.")
    return number


def _positive(value: object, name: str) -> float:
    number = _non_negative(value, name)
    if number == 0:
        raise FiltersError(f"{name} must be greater than 0; got {value!r}.")
    return number


def _float_image(image: object, name: str = "image") -> np.ndarray:
    """``image`` checked as the core checks images, as float64; errors name ``name``."""
    try:
        array = _check_image(image)
    except FiltersError as exc:
        raise FiltersError(str(exc).replace("image", name, 1)) from None
    return np.asarray(array, dtype=np.float64)


def _kernel(kernel: object) -> np.ndarray:
    return np.asarray(_check_kernel(kernel), dtype=np.float64)


def _boundary(boundary: object) -> str | None:
    if boundary is None:
        return None
    if not isinstance(boundary, str) or boundary not in BOUNDARIES:
        raise FiltersError(
            f"boundary must be None (no padding: circular) or one of "
            f"{', '.join(BOUNDARIES)}; got {boundary!r}."
        )
    return boundary


def _per_channel(spectrum: np.ndarray, ndim: int) -> np.ndarray:
    """A 2-D kernel spectrum, broadcastable against an ``ndim``-D image spectrum."""
    return spectrum[:, :, np.newaxis] if ndim == 3 else spectrum


# ----------------------------------------------------------------------------
# Spectra
# ----------------------------------------------------------------------------


def centred_log_magnitude(spectrum: object) -> np.ndarray:
    """Return ``log(1 + |F|)`` with zero frequency moved to the middle.

    Parameters
    ----------
    spectrum : (M, N[, C]) array_like
        An uncentred spectrum (zero frequency at index ``(0, 0)``), complex or real.

    Returns
    -------
    (M, N[, C]) ndarray of float64
        ``fftshift(log1p(|spectrum|))`` over the first two axes: the picture of a
        spectrum, in which the few huge low-frequency values no longer hide the rest.
    """
    array = np.asarray(spectrum)
    if array.dtype.kind not in "iufc":
        raise FiltersError(f"spectrum must hold numbers; got dtype {array.dtype}.")
    if array.ndim not in (2, 3) or array.size == 0:
        raise FiltersError(
            f"spectrum must be a non-empty 2-D (M, N) or 3-D (M, N, C) array; "
            f"got shape {array.shape}."
        )
    if not np.isfinite(array).all():
        raise FiltersError("spectrum contains NaN or infinite values.")
    return np.fft.fftshift(np.log1p(np.abs(array)), axes=_AXES)


def _placed(kernel: np.ndarray, shape: tuple[int, int], origin: tuple[int, int]) -> np.ndarray:
    """The kernel on a ``shape`` grid, tap ``origin`` at index (0, 0), wrapped modulo shape.

    A kernel larger than the grid folds onto it (overlapping taps add up), which is
    what circular convolution at that size does with it.
    """
    kh, kw = kernel.shape
    rows = (np.arange(kh) - origin[0]) % shape[0]
    cols = (np.arange(kw) - origin[1]) % shape[1]
    placed = np.zeros(shape)
    np.add.at(placed, (rows[:, np.newaxis], cols[np.newaxis, :]), kernel)
    return placed


def _centre(kernel_shape: tuple[int, ...]) -> tuple[int, int]:
    return (kernel_shape[0] - 1) // 2, (kernel_shape[1] - 1) // 2


def padded_kernel_spectrum(
    kernel: object,
    shape: tuple[int, int],
    *,
    origin: Literal["corner", "centre"] = "corner",
) -> np.ndarray:
    """Return the 2-D DFT of a kernel zero-padded to ``shape``.

    Parameters
    ----------
    kernel : (kh, kw) array_like
        Real, finite; any size (a kernel larger than ``shape`` wraps around).
    shape : (M, N) tuple of int
        The FFT size, for instance the image's.
    origin : {"corner", "centre"}
        ``"corner"``: the kernel as it is, its top-left tap at index ``(0, 0)`` (plain
        zero padding). ``"centre"``: rolled circularly so that its centre
        ``((kh - 1) // 2, (kw - 1) // 2)`` sits at ``(0, 0)``; this equals
        ``kernels.frequency_response(kernel, shape, centred=False)``. The two differ by a
        linear phase only, so their magnitudes are equal.

    Returns
    -------
    (M, N) ndarray of complex128
        Uncentred (zero frequency at index ``(0, 0)``).
    """
    matrix = _kernel(kernel)
    size = positive_pair(shape)
    if origin not in ("corner", "centre"):
        raise FiltersError(f"origin must be 'corner' or 'centre'; got {origin!r}.")
    at = (0, 0) if origin == "corner" else _centre(matrix.shape)
    return _fft.fft2(_placed(matrix, size, at), workers=_WORKERS)


# ----------------------------------------------------------------------------
# The two theorems
# ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Theorem:
    """The convolution (or correlation) theorem, computed and checked on one image.

    Attributes
    ----------
    image_spectrum : (F_M, F_N[, C]) ndarray of complex128
        ``ℱ{I}``: of the image itself (circular) or of the image extended by ``boundary``
        and zero-padded to ``fft_shape`` (padded). Uncentred.
    kernel_spectrum : (F_M, F_N) ndarray of complex128
        ``ℱ{K}``, the kernel zero-padded to ``fft_shape`` (top-left tap at index 0).
    product : (F_M, F_N[, C]) ndarray of complex128
        ``ℱ{I} · ℱ{K}`` for convolution, ``ℱ{I} · conj(ℱ{K})`` for correlation.
    via_fft : (H, W[, C]) ndarray of float64
        The inverse transform of ``product``, cropped (padded) or rolled (circular) to
        the ``same`` window.
    direct : (H, W[, C]) ndarray of float64
        :func:`filters.convolve` (or :func:`filters.correlate`) with ``output="same"``
        and the boundary ``boundary`` (``"wrap"`` when circular).
    boundary : str or None
        The padding rule, or ``None`` for no padding (circular).
    correlation : bool
        Whether this is the correlation theorem.
    fft_shape : (int, int)
        The transform size ``(F_M, F_N)``.
    tolerance : float
        The contract's bound on ``|via_fft - direct|``: ``1e-10 · max|I| · Σ|K|``.
    """

    image_spectrum: np.ndarray
    kernel_spectrum: np.ndarray
    product: np.ndarray
    via_fft: np.ndarray
    direct: np.ndarray
    boundary: str | None
    correlation: bool
    fft_shape: tuple[int, int]
    tolerance: float

    @property
    def difference(self) -> np.ndarray:
        """``via_fft - direct``: rounding only."""
        return self.via_fft - self.direct

    @property
    def max_abs_difference(self) -> float:
        """``max |via_fft - direct|``."""
        return float(np.max(np.abs(self.difference)))

    @property
    def direct_boundary(self) -> str:
        """The boundary rule the direct result used: ``"wrap"`` for the circular route."""
        return self.boundary or "wrap"


def _circular_spectra(image: np.ndarray, kernel: np.ndarray):
    shape = image.shape[:2]
    image_spectrum = _fft.fft2(image, axes=_AXES, workers=_WORKERS)
    kernel_spectrum = padded_kernel_spectrum(kernel, shape)
    return image_spectrum, kernel_spectrum, shape


def _same_from_circular(full: np.ndarray, kernel_shape, correlation: bool) -> np.ndarray:
    """Roll a circular result (corner-placed kernel) onto the ``same`` window.

    ``same[y] = full[y + cy]`` for convolution; for correlation, whose kernel is flipped,
    the centre moves to ``kh // 2`` and ``same[y] = full[y - kh // 2]``.
    """
    kh, kw = kernel_shape
    shift = (kh // 2, kw // 2) if correlation else (-((kh - 1) // 2), -((kw - 1) // 2))
    return np.roll(full, shift, axis=_AXES)


def _padded_spectra(image: np.ndarray, kernel: np.ndarray, boundary: str):
    """Extend by ``boundary`` for a ``same`` output, then zero-pad to a fast size."""
    (height, width), (kh, kw) = image.shape[:2], kernel.shape
    cy, cx = _centre(kernel.shape)
    widths = [(kh - 1 - cy, cy), (kw - 1 - cx, cx)] + [(0, 0)] * (image.ndim - 2)
    extended = np.pad(image, widths, mode=BOUNDARIES[boundary])
    shape = (_fft.next_fast_len(height + kh - 1), _fft.next_fast_len(width + kw - 1))
    image_spectrum = _fft.fft2(extended, s=shape, axes=_AXES, workers=_WORKERS)
    kernel_spectrum = padded_kernel_spectrum(kernel, shape)
    return image_spectrum, kernel_spectrum, shape


def _theorem(image, kernel, boundary, correlation: bool) -> Theorem:
    image = _float_image(image)
    kernel = _kernel(kernel)
    boundary = _boundary(boundary)
    if boundary is None:
        image_spectrum, kernel_spectrum, shape = _circular_spectra(image, kernel)
    else:
        image_spectrum, kernel_spectrum, shape = _padded_spectra(image, kernel, boundary)
    factor = _per_channel(np.conj(kernel_spectrum) if correlation else kernel_spectrum, image.ndim)
    product = image_spectrum * factor
    full = _fft.ifft2(product, axes=_AXES, workers=_WORKERS).real
    height, width = image.shape[:2]
    if boundary is None:
        via_fft = _same_from_circular(full, kernel.shape, correlation)
    else:
        # Convolution's valid part starts at (kh - 1, kw - 1); the conjugate reverses the
        # kernel circularly, so correlation's starts at (0, 0).
        top, left = (0, 0) if correlation else (kernel.shape[0] - 1, kernel.shape[1] - 1)
        via_fft = full[top : top + height, left : left + width]
    direct_filter = correlate if correlation else convolve
    direct = direct_filter(image, kernel, boundary=boundary or "wrap", output="same")
    return Theorem(
        image_spectrum=image_spectrum,
        kernel_spectrum=kernel_spectrum,
        product=product,
        via_fft=np.ascontiguousarray(via_fft),
        direct=direct,
        boundary=boundary,
        correlation=correlation,
        fft_shape=shape,
        tolerance=fft_tolerance(image, kernel),
    )


_THEOREM_PARAMETERS = """
    Parameters
    ----------
    image : (H, W[, C]) array_like
        Real and finite; channels last, each transformed separately.
    kernel : (kh, kw) array_like
        Real and finite; odd or even sides.
    boundary : {"reflect", "constant", "mirror", "nearest", "wrap"} or None
        A boundary rule: extend the image by it for a ``same`` output (to
        ``(H + kh - 1, W + kw - 1)``), zero-pad to a fast FFT size at least that large, and
        compare with the direct result for that rule (``"constant"`` pads with zeros).
        ``None``: no padding at all, the FFT at the image's own size; that computes the
        *circular* convolution, which the direct functions give with ``boundary="wrap"``.

    Returns
    -------
    Theorem
        The spectra, their product, its inverse and the direct result.
"""


def convolution_theorem(
    image: object, kernel: object, *, boundary: str | None = "reflect"
) -> Theorem:
    return _theorem(image, kernel, boundary, correlation=False)


def correlation_theorem(
    image: object, kernel: object, *, boundary: str | None = "reflect"
) -> Theorem:
    return _theorem(image, kernel, boundary, correlation=True)


convolution_theorem.__doc__ = (
    """Compute ``I ∗ K`` as ``ℱ⁻¹(ℱ{I} · ℱ{K})`` next to :func:`filters.convolve`.
"""
    + _THEOREM_PARAMETERS
    + """
    Notes
    -----
    Circular: ``ℱ⁻¹(ℱI · ℱK)[y, x] = Σ K[u, v] I[(y − u) mod H, (x − v) mod W]``, the
    ``same`` window after a roll by ``(−(kh − 1) // 2, −(kw − 1) // 2)``. Padded: the wrap
    never reaches the crop ``[kh − 1 : kh − 1 + H, kw − 1 : kw − 1 + W]``, which is exactly
    the direct convolution with that boundary rule.
"""
)
correlation_theorem.__doc__ = (
    """Compute ``I ⋆ K`` as ``ℱ⁻¹(ℱ{I} · conj ℱ{K})`` next to :func:`filters.correlate`.
"""
    + _THEOREM_PARAMETERS
    + """
    Notes
    -----
    For a real kernel ``conj ℱ{K}(f) = ℱ{K}(−f)``: the spectrum of the kernel reversed
    circularly, so the product correlates instead of convolving. Circular:
    ``ℱ⁻¹(ℱI · conj ℱK)[y, x] = Σ K[u, v] I[(y + u) mod H, (x + v) mod W]``, the ``same``
    window after a roll by ``(kh // 2, kw // 2)`` (the flip moves an even kernel's centre
    by one). Padded: the crop starts at ``(0, 0)``.
"""
)


def _real_spectra(image: np.ndarray, kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Real-FFT spectra of the centre-placed kernel and of the image, at the image's size.

    Both are real signals, so half the spectrum (``rfft2``) says everything; the last
    transformed axis has ``N // 2 + 1`` entries.
    """
    shape = image.shape[:2]
    response = _fft.rfft2(_placed(kernel, shape, _centre(kernel.shape)), workers=_WORKERS)
    return response, _fft.rfft2(image, axes=_AXES, workers=_WORKERS)


def _real_inverse(spectrum: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return _fft.irfft2(spectrum, s=shape, axes=_AXES, workers=_WORKERS)


def circular_convolve(image: object, kernel: object) -> np.ndarray:
    """Convolve through the FFT at the image's own size, without padding.

    Parameters
    ----------
    image : (H, W[, C]) array_like
        Real and finite; channels last.
    kernel : (kh, kw) array_like
        Real and finite, any size (a kernel larger than the image wraps around).

    Returns
    -------
    (H, W[, C]) ndarray of float64
        ``ℱ⁻¹(ℱ{I} · ℱ{K_c})`` with ``K_c`` the kernel rolled so that its centre
        ``((kh - 1) // 2, (kw - 1) // 2)`` sits at index ``(0, 0)``: equal, up to rounding,
        to ``filters.convolve(image, kernel, boundary="wrap", output="same")``.

    Notes
    -----
    Without padding the DFT's product is *circular* convolution: what leaves the image on
    one side comes back on the other. This is the model the deconvolution functions below
    invert exactly.
    """
    image = _float_image(image)
    response, spectrum = _real_spectra(image, _kernel(kernel))
    return _real_inverse(spectrum * _per_channel(response, image.ndim), image.shape[:2])


def circular_correlate(image: object, kernel: object) -> np.ndarray:
    """Correlate through the FFT at the image's own size, without padding.

    Equal, up to rounding, to ``filters.correlate(image, kernel, boundary="wrap",
    output="same")``; see :func:`correlation_theorem` for the shift that even kernels need.
    """
    return correlation_theorem(image, kernel, boundary=None).via_fft


def boundary_band(shape: tuple[int, int], kernel_shape: tuple[int, int]) -> np.ndarray:
    """Mark the pixels whose ``same`` output reads past the image's edge.

    Parameters
    ----------
    shape : (H, W) tuple of int
        The image's size.
    kernel_shape : (kh, kw) tuple of int
        The kernel's size.

    Returns
    -------
    (H, W) ndarray of bool
        True in a band ``kh - 1 - cy`` rows deep at the top, ``cy`` at the bottom,
        ``kw - 1 - cx`` columns at the left and ``cx`` at the right, with
        ``(cy, cx) = ((kh - 1) // 2, (kw - 1) // 2)``. Only there do the boundary rules
        (and so the padded and circular FFTs) give different results; elsewhere every
        rule agrees exactly.
    """
    height, width = positive_pair(shape)
    kh, kw = positive_pair(kernel_shape, "kernel_shape")
    cy, cx = _centre((kh, kw))
    rows = np.arange(height)
    cols = np.arange(width)
    outside_rows = (rows < kh - 1 - cy) | (rows > height - 1 - cy)
    outside_cols = (cols < kw - 1 - cx) | (cols > width - 1 - cx)
    return outside_rows[:, np.newaxis] | outside_cols[np.newaxis, :]


# ----------------------------------------------------------------------------
# Frequency response: what kind of filter is it?
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseLevels:
    """The magnitudes :func:`classify_response` compares, in the response's units.

    Attributes
    ----------
    dc : float
        ``|H|`` at zero frequency (the kernel's sum, in absolute value).
    nyquist : float
        The mean of ``|H|`` over the highest sampled frequencies: the outer row and
        column of the centred grid (``u = ±½`` or ``v = ±½`` cycles per pixel on an even
        grid), that is every frequency at which the image alternates pixel by pixel
        along at least one axis.
    peak : float
        ``max |H|``.
    floor : float
        ``min |H|``.
    """

    dc: float
    nyquist: float
    peak: float
    floor: float

    @property
    def label(self) -> str:
        """The class: see :func:`classify_response`."""
        if self.peak == 0:
            return "zero"
        if self.floor >= HALF_POWER * self.peak:
            return "all-pass"
        dc_passes = self.dc >= HALF_POWER * self.peak
        nyquist_passes = self.nyquist >= HALF_POWER * self.peak
        if dc_passes and not nyquist_passes:
            return "low-pass"
        if nyquist_passes and not dc_passes:
            return "high-pass"
        if not dc_passes:
            return "band-pass"
        return "band-stop"


def response_levels(response: object) -> ResponseLevels:
    """Measure a centred frequency response at DC, at Nyquist, at its peak and its floor.

    Parameters
    ----------
    response : (M, N) array_like
        ``H(u, v)`` on a centred grid (zero frequency at index ``(M // 2, N // 2)``), as
        :func:`filters.kernels.frequency_response` returns it; complex or magnitude. At
        least 4 × 4.

    Returns
    -------
    ResponseLevels
    """
    array = np.asarray(response)
    if array.dtype.kind not in "iufc" or array.ndim != 2:
        raise FiltersError(
            f"response must be a 2-D array of numbers (a centred H(u, v)); got "
            f"{array.ndim}-D of dtype {array.dtype}."
        )
    if min(array.shape) < 4:
        raise FiltersError(
            f"response must be at least 4×4 to tell low from high frequencies; "
            f"got {array.shape[0]}×{array.shape[1]}."
        )
    magnitude = np.abs(array).astype(np.float64)
    if not np.isfinite(magnitude).all():
        raise FiltersError("response contains NaN or infinite values.")
    vertical, horizontal = frequency_axes(magnitude.shape)
    top_row = np.abs(vertical) == np.abs(vertical).max()
    side_column = np.abs(horizontal) == np.abs(horizontal).max()
    edge = top_row[:, np.newaxis] | side_column[np.newaxis, :]
    return ResponseLevels(
        dc=float(magnitude[magnitude.shape[0] // 2, magnitude.shape[1] // 2]),
        nyquist=float(magnitude[edge].mean()),
        peak=float(magnitude.max()),
        floor=float(magnitude.min()),
    )


def classify_response(response: object) -> str:
    """Say whether a frequency response is low-, high-, band- or all-pass.

    Parameters
    ----------
    response : (M, N) array_like
        A centred ``H(u, v)`` as from ``kernels.frequency_response(kernel, shape)``, at
        least 4 × 4 (use an even size, such as the default 64 × 64, so Nyquist is sampled).

    Returns
    -------
    str
        One of ``"all-pass"``, ``"low-pass"``, ``"high-pass"``, ``"band-pass"``,
        ``"band-stop"``, or ``"zero"`` for a response that is 0 everywhere.

    Notes
    -----
    A frequency *passes* when ``|H| ≥ peak / √2`` (the −3 dB, half-power level,
    :data:`HALF_POWER`), with ``peak = max |H|``. With ``DC = |H(0, 0)|`` and ``Nyquist``
    the mean ``|H|`` over the outermost frequencies (:class:`ResponseLevels`):

    1. ``min |H| ≥ peak / √2`` (flat within 3 dB): **all-pass** (identity, a shift);
    2. DC passes, Nyquist does not: **low-pass** (box, Gaussian, motion blur);
    3. Nyquist passes, DC does not: **high-pass** (Laplacian, sharpen);
    4. neither passes, so the peak lies in between: **band-pass** (difference of
       Gaussians, Gabor, Sobel: a derivative with smoothing);
    5. both pass but something between does not: **band-stop**.

    Averaging over the outer row and column, rather than taking one Nyquist point, keeps
    directional filters honest: a horizontal motion blur passes vertical stripes
    untouched but blurs everything else, and it comes out low-pass. The limit of one label
    per kernel: a *weak* blur along one axis only (its dip just under −3 dB, on the edge)
    passes the edge on average and comes out band-stop.
    """
    return response_levels(response).label


# ----------------------------------------------------------------------------
# Deconvolution
# ----------------------------------------------------------------------------


def gaussian_blur(sigma: float) -> np.ndarray:
    """Return the deconvolution demo's blur: a Gaussian ``2·⌈3σ⌉ + 1`` taps wide (≤ 31).

    Parameters
    ----------
    sigma : float
        Standard deviation in pixels, within the ``gaussian`` preset's range (0.1 to 10).

    Returns
    -------
    (n, n) ndarray of float64
        ``kernels.make("gaussian", size=n, sigma=sigma)``, summing to 1.
    """
    sigma = _positive(sigma, "sigma")
    return make("gaussian", size=min(31, 2 * math.ceil(3 * sigma) + 1), sigma=sigma)


def blur_and_noise(image: object, kernel: object, noise_sigma: float, seed: int = 0) -> np.ndarray:
    """Blur an image circularly and add white Gaussian noise.

    Parameters
    ----------
    image : (H, W[, C]) array_like
        Real and finite, typically in ``[0, 1]``.
    kernel : (kh, kw) array_like
        The blur.
    noise_sigma : float
        Standard deviation of the noise, in the image's units; 0 for none.
    seed : int
        Seed of :func:`numpy.random.default_rng`: the same seed gives the same noise.

    Returns
    -------
    (H, W[, C]) ndarray of float64
        ``circular_convolve(image, kernel) + noise_sigma · N(0, 1)``, not clipped (the
        deconvolution model has no clipping).
    """
    sigma = _non_negative(noise_sigma, "noise_sigma")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise FiltersError(f"seed must be a non-negative integer; got {seed!r}.")
    blurred = circular_convolve(image, kernel)
    noise = np.random.default_rng(int(seed)).standard_normal(blurred.shape)
    return blurred + sigma * noise


def _deconvolution_inputs(blurred: object, kernel: object):
    blurred = _float_image(blurred, "blurred")
    response, spectrum = _real_spectra(blurred, _kernel(kernel))
    return blurred, response, spectrum


def _guarded(response: np.ndarray, eps: float) -> np.ndarray:
    """``H`` with values smaller than ``eps`` in magnitude raised to ``eps`` (phase kept)."""
    magnitude = np.abs(response)
    small = magnitude < eps
    if not small.any():
        return response
    phase = np.where(magnitude > 0, response / np.where(magnitude > 0, magnitude, 1.0), 1.0)
    return np.where(small, eps * phase, response)


def _wiener_gain(response: np.ndarray, nsr: float) -> np.ndarray:
    return np.conj(response) / (response.real**2 + response.imag**2 + nsr)


def inverse_filter(blurred: object, kernel: object, eps: float = DEFAULT_EPS) -> np.ndarray:
    """Deconvolve by dividing spectra: the naive inverse filter.

    Parameters
    ----------
    blurred : (H, W[, C]) array_like
        An image blurred circularly by ``kernel`` (as :func:`blur_and_noise` makes it).
    kernel : (kh, kw) array_like
        The blur.
    eps : float
        Only guards against division by zero: where ``|H| < eps`` the divisor is ``eps``
        with ``H``'s phase. Nothing else is regularised.

    Returns
    -------
    (H, W[, C]) ndarray of float64
        ``ℱ⁻¹(ℱ{B} / H)``. Exact without noise (up to rounding); with noise, every
        frequency where ``|H|`` is small amplifies the noise by ``1 / |H|``, and a blur's
        ``|H|`` is tiny at high frequencies: the result drowns in noise.
    """
    eps = _positive(eps, "eps")
    blurred, response, spectrum = _deconvolution_inputs(blurred, kernel)
    estimate = spectrum / _per_channel(_guarded(response, eps), blurred.ndim)
    return _real_inverse(estimate, blurred.shape[:2])


def wiener_deconvolve(blurred: object, kernel: object, nsr: float) -> np.ndarray:
    """Deconvolve with the Wiener filter for a constant noise-to-signal ratio.

    Parameters
    ----------
    blurred : (H, W[, C]) array_like
        An image blurred circularly by ``kernel``, possibly noisy.
    kernel : (kh, kw) array_like
        The blur.
    nsr : float
        ``K > 0``, the noise-to-signal power ratio assumed at every frequency.

    Returns
    -------
    (H, W[, C]) ndarray of float64
        ``ℱ⁻¹(conj(H) / (|H|² + K) · ℱ{B})``.

    Notes
    -----
    Where ``|H|² ≫ K`` the gain is ``1 / H``, the inverse filter; where ``|H|² ≪ K`` it is
    ``conj(H) / K``, which goes to 0 instead of blowing up. As ``K → 0`` the Wiener filter
    tends to :func:`inverse_filter`.
    """
    nsr = _positive(nsr, "nsr")
    blurred, response, spectrum = _deconvolution_inputs(blurred, kernel)
    estimate = spectrum * _per_channel(_wiener_gain(response, nsr), blurred.ndim)
    return _real_inverse(estimate, blurred.shape[:2])


def deconvolution_gains(
    kernel: object, shape: tuple[int, int], nsr: float, eps: float = DEFAULT_EPS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``|H|``, the inverse filter's gain and Wiener's gain on a centred grid.

    Parameters
    ----------
    kernel : (kh, kw) array_like
    shape : (M, N) tuple of int
    nsr, eps : float
        As for :func:`wiener_deconvolve` and :func:`inverse_filter`.

    Returns
    -------
    blur, inverse, wiener : (M, N) ndarrays of float64
        ``|H|``, ``1 / max(|H|, eps)`` and ``|H| / (|H|² + K)``, centred like
        :func:`filters.kernels.frequency_axes`: what each filter multiplies each
        frequency of the blurred image (and of its noise) by.
    """
    nsr = _positive(nsr, "nsr")
    eps = _positive(eps, "eps")
    magnitude = np.abs(np.fft.fftshift(padded_kernel_spectrum(kernel, shape)))
    return magnitude, 1.0 / np.maximum(magnitude, eps), magnitude / (magnitude**2 + nsr)


def psnr(reference: object, estimate: object, *, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio of an estimate against a reference, in dB.

    Parameters
    ----------
    reference, estimate : array_like
        Real, finite arrays of the same shape.
    data_range : float
        The peak value of the signal's range (1 for images in ``[0, 1]``).

    Returns
    -------
    float
        ``10 · log10(data_range² / mean((reference − estimate)²))``; ``inf`` when they are
        equal. Higher is better; each halving of the error adds about 6 dB.
    """
    data_range = _positive(data_range, "data_range")
    first = np.asarray(reference)
    second = np.asarray(estimate)
    for name, array in (("reference", first), ("estimate", second)):
        if array.dtype.kind not in "iuf" or array.size == 0:
            raise FiltersError(f"{name} must be a non-empty array of real numbers.")
        if not np.isfinite(array).all():
            raise FiltersError(f"{name} contains NaN or infinite values.")
    if first.shape != second.shape:
        raise FiltersError(
            f"reference and estimate must have the same shape; got {first.shape} and "
            f"{second.shape}."
        )
    error = first.astype(np.float64) - second.astype(np.float64)
    mse = float(np.mean(error * error))
    if mse == 0:
        return math.inf
    return 10.0 * math.log10(data_range * data_range / mse)


def psnr_versus_nsr(
    reference: object, blurred: object, kernel: object, nsrs: object, *, data_range: float = 1.0
) -> np.ndarray:
    """PSNR of the Wiener estimate for many noise-to-signal ratios, without inverting any.

    Parameters
    ----------
    reference : (H, W[, C]) array_like
        The original image.
    blurred : (H, W[, C]) array_like
        Its blurred, noisy version.
    kernel : (kh, kw) array_like
        The blur.
    nsrs : (n,) array_like
        Positive values of ``K``.
    data_range : float
        As for :func:`psnr`.

    Returns
    -------
    (n,) ndarray of float64
        ``psnr(reference, wiener_deconvolve(blurred, kernel, K))`` for each ``K``, to
        rounding.

    Notes
    -----
    By Parseval's theorem the squared error is the same in both domains,
    ``Σ |e|² = Σ_f |G(f) B(f) − R(f)|² / (H W)``, so each ``K`` costs one product of spectra
    and no inverse transform. On the half spectrum of a real transform, the columns that
    stand for two frequencies (``f`` and ``−f``) count twice.
    """
    data_range = _positive(data_range, "data_range")
    values = np.asarray(nsrs, dtype=np.float64).ravel()
    if values.size == 0 or not np.isfinite(values).all() or (values <= 0).any():
        raise FiltersError("nsrs must be a non-empty list of positive, finite numbers.")
    reference = _float_image(reference, "reference")
    blurred, response, spectrum = _deconvolution_inputs(blurred, kernel)
    if reference.shape != blurred.shape:
        raise FiltersError(
            f"reference and blurred must have the same shape; got {reference.shape} and "
            f"{blurred.shape}."
        )
    height, width = blurred.shape[:2]
    target = _fft.rfft2(reference, axes=_AXES, workers=_WORKERS)
    weights = np.full(spectrum.shape[1], 2.0)
    weights[0] = 1.0
    if width % 2 == 0:
        weights[-1] = 1.0
    weights = _per_channel(weights[np.newaxis, :], blurred.ndim)
    scale = data_range * data_range * height * width * blurred.size
    results = []
    for nsr in values:
        error = spectrum * _per_channel(_wiener_gain(response, nsr), blurred.ndim) - target
        total = float(np.sum(weights * (error.real**2 + error.imag**2)))
        results.append(math.inf if total == 0 else 10.0 * math.log10(scale / total))
    return np.array(results)
