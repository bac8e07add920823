"""One call that computes everything the side-by-side comparison shows."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import kernels as _kernels
from ._core import (
    ImageSpectrum,
    _check_image,
    _check_kernel,
    _filter_direct,
    _plan,
)
from .backends import Backend, get_backend

__all__ = ["Comparison", "Difference", "compare", "fft_tolerance"]

#: Relative FFT-versus-direct tolerance per dtype: error ≤ rtol · max|I| · Σ|K|.
FFT_RTOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-4}


def fft_tolerance(
    image: np.ndarray, kernel: np.ndarray, dtype=np.float64, *, boundary="reflect", cval=0.0
) -> float:
    """The contract's bound on ``|fft_convolve - convolve|``: ``rtol · max|I| · Σ|K|``.

    With ``boundary="constant"`` the extended image also holds ``cval``, so
    ``max|I|`` covers it too.
    """
    largest = float(np.max(np.abs(image)))
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
        diff = a.astype(np.float64) - b.astype(np.float64)
        max_abs = float(np.max(np.abs(diff)))
        mse = float(np.mean(diff * diff))
        peak = float(np.max(a) - np.min(a)) or float(np.max(np.abs(a))) or 1.0
        psnr = math.inf if mse == 0 else 10.0 * math.log10(peak * peak / mse)
        return cls(diff, max_abs, math.sqrt(mse), psnr)


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
                "keeps full[(k−1)//2 :], like scipy.signal.convolve2d, MATLAB conv2 and "
                "OpenCV's filter2D; scipy.ndimage.convolve and scipy.signal.correlate2d "
                "centre one pixel differently."
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
        predicted = 2.0 * _filter_direct(image, antisymmetric, True, method="direct", **options)
    else:
        predicted = np.zeros_like(convolution)
    conv_minus_corr = Difference.between(convolution, correlation)
    prediction_error = float(np.max(np.abs(conv_minus_corr.map - predicted)))

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
    )
