"""Convolution and correlation, direct and through the FFT: the one core.

Conventions (see the package docstring): ``Ĩ`` is the image extended by the
boundary rule, full convolution is

.. math:: full[y, x] = \\sum_{u, v} K[u, v] \\, Ĩ[y - u, x - v],

``same`` and ``valid`` are fixed crops of ``full`` (the centring of
``scipy.signal.convolve2d``), and ``correlate(I, K) == convolve(I, flip(K))``.

Every route starts the same way: extend the image just enough for the asked
output, so that the output is the *valid* convolution of the extended image.
The direct route then slides the kernel in the spatial domain; the FFT route
multiplies spectra. Correlation is convolution with the flipped kernel, and
:func:`_oriented` is the only place where the flip happens.
"""

from __future__ import annotations

import math
import numbers
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.fft

from . import _blockfft, _calibrate, _direct, _threads
from ._errors import FiltersError
from .backends import Backend, get_backend

__all__ = [
    "ALIGNMENTS",
    "BOUNDARIES",
    "OUTPUTS",
    "ImageSpectrum",
    "choose_method",
    "convolve",
    "correlate",
    "estimate_seconds",
    "fft_convolve",
    "fft_correlate",
    "filter2d",
]

#: Boundary rules, in scipy.ndimage's words, and their ``numpy.pad`` modes.
BOUNDARIES: dict[str, str] = {
    "constant": "constant",
    "reflect": "symmetric",
    "mirror": "reflect",
    "nearest": "edge",
    "wrap": "wrap",
}
OUTPUTS = ("full", "same", "valid")
#: Where ``output="same"`` starts for a kernel side ``k``: ``"scipy"`` keeps
#: ``full[(k - 1) // 2 :]`` (scipy.signal.convolve2d), ``"matlab"`` keeps
#: ``full[k // 2 :]`` (MATLAB conv2, filter2 and imfilter). They differ, by one
#: pixel, only along even kernel sides.
ALIGNMENTS = ("scipy", "matlab")
DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
METHODS = ("auto", "direct", "separable", "fft")

# Relative tolerance on the second singular value under which a kernel counts as
# rank 1 and goes through two 1-D passes. The factors reproduce the kernel to
# within rounding, so results match the 2-D sum to within rounding too.
_SEPARABLE_RTOL = 1e-13


# ----------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------


def _as_array(value: Any, name: str) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise FiltersError(f"{name} could not be read as an array ({exc}).") from None


def _real_finite_array(value: Any, name: str, finite: bool = True) -> np.ndarray:
    """``value`` as a real, non-empty array; with ``finite`` also free of NaN and inf.

    The CPU routes pass ``finite=False`` for the image: they check every value
    while they read it, which saves a whole pass over a large image.
    """
    array = _as_array(value, name)
    if array.dtype == object or array.dtype.kind in "USVMm":
        raise FiltersError(f"{name} must hold real numbers; got dtype {array.dtype}.")
    if array.dtype.kind == "c":
        raise FiltersError(f"{name} must be real; got complex values.")
    if array.size == 0:
        raise FiltersError(f"{name} is empty (shape {array.shape}).")
    if finite and array.dtype.kind == "f" and not np.isfinite(array).all():
        raise FiltersError(f"{name} contains NaN or infinite values.")
    return array


def _check_image(image: Any, finite: bool = True) -> np.ndarray:
    array = _as_array(image, "image")
    if array.ndim not in (2, 3):
        raise FiltersError(
            f"image must be 2-D (H, W) or 3-D (H, W, C) with channels last; got "
            f"{array.ndim}-D with shape {array.shape}."
        )
    return _real_finite_array(array, "image", finite)


def _check_kernel(kernel: Any) -> np.ndarray:
    array = _as_array(kernel, "kernel")
    if array.ndim != 2:
        raise FiltersError(
            f"kernel must be 2-D (kh, kw); got {array.ndim}-D with shape {array.shape}."
        )
    return _real_finite_array(array, "kernel")


def _check_dtype(dtype: Any) -> np.dtype:
    try:
        resolved = np.dtype(dtype)
    except (TypeError, ValueError):
        resolved = None
    # Compare element by element: numpy treats np.dtype("float64") == None as True.
    if resolved is None or not any(resolved == allowed for allowed in DTYPES):
        raise FiltersError(f"dtype must be float64 or float32; got {dtype!r}.")
    return resolved


def _check_choice(value: Any, name: str, choices) -> str:
    if not isinstance(value, str) or value not in choices:
        raise FiltersError(f"{name} must be one of {', '.join(choices)}; got {value!r}.")
    return value


def _check_cval(cval: Any) -> float:
    if type(cval) is not float and (isinstance(cval, bool) or not isinstance(cval, numbers.Real)):
        raise FiltersError(f"cval must be a real number; got {cval!r}.")
    value = float(cval)
    if not math.isfinite(value):
        raise FiltersError(f"cval must be finite; got {cval!r}.")
    return value


@dataclass(frozen=True)
class _Plan:
    """Everything fixed by the arguments, before any kernel values are used."""

    image_shape: tuple[int, ...]
    kernel_shape: tuple[int, int]
    boundary: str
    output: str
    align: str
    cval: float
    dtype: np.dtype
    pad_rows: tuple[int, int]
    pad_cols: tuple[int, int]

    @property
    def padded_shape(self) -> tuple[int, int]:
        return (
            self.image_shape[0] + sum(self.pad_rows),
            self.image_shape[1] + sum(self.pad_cols),
        )

    @property
    def output_shape(self) -> tuple[int, ...]:
        (ph, pw), (kh, kw) = self.padded_shape, self.kernel_shape
        return (ph - kh + 1, pw - kw + 1, *self.image_shape[2:])


def _output_rows(length: int, k: int, output: str, align: str = "scipy") -> tuple[int, int]:
    """The half-open range of ``full`` indices that ``output`` keeps along one axis."""
    if output == "full":
        return 0, length + k - 1
    if output == "same":
        start = k // 2 if align == "matlab" else (k - 1) // 2
        return start, start + length
    return k - 1, length


def _padding(length: int, k: int, output: str, align: str = "scipy") -> tuple[int, int]:
    """How far to extend one axis so that ``output`` is the valid convolution.

    ``full[y]`` needs ``Ĩ[y - k + 1 .. y]``; keeping ``full[start:stop]`` thus
    needs ``Ĩ[start - k + 1 .. stop - 1]``.
    """
    start, stop = _output_rows(length, k, output, align)
    return k - 1 - start, stop - length


def _plan(image_shape, kernel_shape, boundary, output, cval, dtype, align="scipy") -> _Plan:
    boundary = _check_choice(boundary, "boundary", tuple(BOUNDARIES))
    output = _check_choice(output, "output", OUTPUTS)
    align = _check_choice(align, "align", ALIGNMENTS)
    cval = _check_cval(cval)
    dtype = _check_dtype(dtype)
    (h, w), (kh, kw) = image_shape[:2], kernel_shape
    if output == "valid" and (kh > h or kw > w):
        raise FiltersError(
            f"output='valid' needs a kernel no larger than the image; the kernel is "
            f"{kh}×{kw} and the image {h}×{w}. Use output='same' or 'full'."
        )
    return _Plan(
        image_shape=tuple(image_shape),
        kernel_shape=(kh, kw),
        boundary=boundary,
        output=output,
        align=align,
        cval=cval,
        dtype=dtype,
        pad_rows=_padding(h, kh, output, align),
        pad_cols=_padding(w, kw, output, align),
    )


# ----------------------------------------------------------------------------
# The shared steps: orientation and boundary extension
# ----------------------------------------------------------------------------


def _oriented(kernel: np.ndarray, convolution: bool) -> np.ndarray:
    """The kernel to *convolve* with: as given, or flipped 180° for correlation.

    ``correlate(I, K) == convolve(I, K[::-1, ::-1])``: this is the only flip.
    """
    return kernel if convolution else kernel[::-1, ::-1]


def _extend(image, plan: _Plan, backend: Backend):
    """Extend ``image`` (already on the backend, in the plan's dtype) by the boundary rule."""
    widths = [plan.pad_rows, plan.pad_cols] + [(0, 0)] * (image.ndim - 2)
    if not any(before or after for before, after in widths):
        return image
    mode = BOUNDARIES[plan.boundary]
    if mode == "constant":
        return backend.xp.pad(image, widths, mode="constant", constant_values=plan.cval)
    return backend.xp.pad(image, widths, mode=mode)


def _prepare(image, kernel, boundary, output, cval, dtype, backend, align="scipy"):
    """Checked arguments, the plan and the backend.

    On the CPU the image's values are checked for NaN and inf by the route
    itself, while it reads them; on other backends here.
    """
    image = _check_image(image, finite=False)
    kernel = _check_kernel(kernel)
    plan = _plan(image.shape, kernel.shape, boundary, output, cval, dtype, align)
    chosen = backend if isinstance(backend, Backend) else get_backend(backend)
    if chosen.name != "cpu":
        _real_finite_array(image, "image")
    return image, kernel, plan, chosen


def _host_image(image: np.ndarray, plan: _Plan) -> np.ndarray:
    """The image as the CPU routes read it: C-contiguous, in the plan's dtype."""
    return np.ascontiguousarray(image, dtype=plan.dtype)


# ----------------------------------------------------------------------------
# Direct route
# ----------------------------------------------------------------------------


def _rank_one_factors(kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(column, row)`` with ``outer(column, row) == kernel`` to rounding, else None.

    A single row or column is left alone: it already is one 1-D pass. The
    answers for recent kernels are kept (the factors must not be written to).
    """
    if min(kernel.shape) == 1:
        return None
    values = np.ascontiguousarray(kernel, dtype=np.float64)
    return _factors_of(values.shape, values.tobytes())


@lru_cache(maxsize=128)
def _factors_of(shape: tuple[int, int], data: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    kernel = np.frombuffer(data, dtype=np.float64).reshape(shape)
    u, s, vt = np.linalg.svd(kernel)
    if s[0] == 0 or s[1] > _SEPARABLE_RTOL * s[0]:
        return None
    scale = np.sqrt(s[0])
    column, row = u[:, 0] * scale, vt[0] * scale
    if np.max(np.abs(np.outer(column, row) - kernel)) > 1e-14 * np.max(np.abs(kernel)):
        return None
    column.flags.writeable = row.flags.writeable = False
    return column, row


def _direct_valid(padded, kernel: np.ndarray, backend: Backend, method: str):
    """Valid convolution of an extended image, sliding the kernel in the spatial domain.

    A rank-1 kernel goes through two 1-D passes with ``method="separable"``, and
    with ``"auto"`` when the calibrated cost model says they are faster than the
    2-D loop; a single row or column already is one 1-D pass.
    """
    if backend.name != "cpu":
        thin = min(kernel.shape) == 1
        if method == "separable" and not thin and _rank_one_factors(kernel) is None:
            raise FiltersError("method='separable' needs a rank-1 (separable) kernel.")
        return _ndimage_convolve_valid(padded, kernel, backend)
    return _cpu_direct(np.ascontiguousarray(padded), kernel, method)


def _direct_route(kernel: np.ndarray, method: str, samples: float = 0.0, dtype=np.float64):
    """``(column, row)`` factors when the separable passes are to be used, else None."""
    thin = min(kernel.shape) == 1
    factors = None if thin or method == "direct" else _rank_one_factors(kernel)
    if method == "separable" and factors is None and not thin:
        raise FiltersError("method='separable' needs a rank-1 (separable) kernel.")
    if factors is None or method == "separable":
        return factors
    calibration = _calibrate.current(dtype)
    separable_taps = np.count_nonzero(factors[0]) + np.count_nonzero(factors[1])
    samples = max(samples, 1.0)
    separable = calibration.separable_seconds(samples, separable_taps)
    direct = calibration.direct_seconds(samples, np.count_nonzero(kernel))
    return factors if separable <= direct else None


def _cpu_direct(image: np.ndarray, kernel: np.ndarray, method: str, plan: _Plan | None = None):
    """The compiled direct route; ``plan`` extends the image on the fly (None: no extension)."""
    extension = {}
    if plan is not None:
        extension = dict(
            pad_rows=plan.pad_rows, pad_cols=plan.pad_cols, boundary=plan.boundary, cval=plan.cval
        )
    out_rows = image.shape[0] + sum(extension.get("pad_rows", (0, 0))) - kernel.shape[0] + 1
    out_cols = image.shape[1] + sum(extension.get("pad_cols", (0, 0))) - kernel.shape[1] + 1
    channels = image.shape[2] if image.ndim == 3 else 1
    factors = _direct_route(kernel, method, out_rows * out_cols * channels, image.dtype)
    if factors is not None:
        column, row = (f.astype(image.dtype) for f in factors)
        return _direct.convolve_valid_separable(image, column, row, **extension)
    return _direct.convolve_valid(image, kernel.astype(image.dtype), **extension)


def _ndimage_convolve_valid(padded, kernel: np.ndarray, backend: Backend):
    """Valid convolution through the backend's ``ndimage.correlate`` (spatial domain).

    ``ndimage.correlate`` centres a (kh, kw) kernel at (kh // 2, kw // 2), so the
    valid part of the convolution starts there, with the kernel flipped.
    """
    kh, kw = kernel.shape
    weights = backend.asarray(np.ascontiguousarray(kernel[::-1, ::-1], dtype=padded.dtype))
    if padded.ndim == 3:
        weights = weights[:, :, None]
    full = backend.ndimage.correlate(padded, weights, mode="constant", cval=0.0)
    rows = padded.shape[0] - kh + 1
    cols = padded.shape[1] - kw + 1
    return full[kh // 2 : kh // 2 + rows, kw // 2 : kw // 2 + cols]


def _filter_direct(
    image, kernel, convolution, boundary, output, cval, dtype, backend, method, align="scipy"
):
    image, kernel, plan, backend = _prepare(
        image, kernel, boundary, output, cval, dtype, backend, align
    )
    oriented = _oriented(kernel, convolution)
    if backend.name == "cpu":
        # No extended copy: the compiled loop extends rows as it reads them.
        return _cpu_direct(_host_image(image, plan), oriented, method, plan)
    extended = _extend(backend.asarray(image.astype(plan.dtype, copy=False)), plan, backend)
    result = _direct_valid(extended, oriented, backend, method)
    return np.ascontiguousarray(backend.to_host(result), dtype=plan.dtype)


# ----------------------------------------------------------------------------
# FFT route
# ----------------------------------------------------------------------------


class ImageSpectrum:
    """The spectrum of an extended image, computed once, reused for many kernels.

    Convolution and correlation through the convolution theorem share the
    image's spectrum: only the kernel's changes. Build one for an image and a
    kernel *shape* with the options you will use, then call :meth:`convolve` and
    :meth:`correlate` with any kernels of that shape; each call costs one kernel
    transform and one inverse transform.

    Parameters
    ----------
    image : (H, W[, C]) array_like
    kernel_shape : (kh, kw) tuple of int
    boundary, output, cval, dtype, backend, align
        As for :func:`fft_convolve`.

    Notes
    -----
    With ``P`` the extended image of shape (M, N) and fast FFT sizes
    ``(F_M, F_N) >= (M, N)``, the valid convolution is

    .. math:: P * K = \\mathcal{F}^{-1}[\\hat P \\cdot \\hat K][k_h - 1 : M, k_w - 1 : N]

    (the circular wrap-around never reaches the valid part, so no padding beyond
    ``M × N`` is needed). Correlation multiplies by the conjugate
    :math:`\\overline{\\hat K}` instead (the correlation theorem), and its valid
    part starts at index 0.

    On the CPU the same holds block by block (overlap-save): the spectra kept
    are those of cache-sized blocks of ``P``, so that each kernel costs one small
    kernel transform and, per block, one product and one inverse transform that
    stay in the cache. The whole-image :attr:`spectrum` is then computed on
    first access, from the image given to the constructor.

    Examples
    --------
    >>> import numpy as np
    >>> from filters import ImageSpectrum
    >>> spectrum = ImageSpectrum(np.random.rand(64, 48), (5, 5))
    >>> out = spectrum.convolve(np.ones((5, 5)) / 25)
    >>> out.shape
    (64, 48)
    """

    def __init__(
        self,
        image,
        kernel_shape,
        *,
        boundary="reflect",
        output="same",
        cval=0.0,
        dtype=np.float64,
        backend="auto",
        align="scipy",
    ):
        image = _check_image(image, finite=False)
        try:
            kh, kw = (int(side) for side in kernel_shape)
        except (TypeError, ValueError):
            raise FiltersError(
                f"kernel_shape must be two integers; got {kernel_shape!r}."
            ) from None
        if kh < 1 or kw < 1:
            raise FiltersError(f"kernel_shape sides must be at least 1; got {(kh, kw)}.")
        self.plan = _plan(image.shape, (kh, kw), boundary, output, cval, dtype, align)
        self.backend = backend if isinstance(backend, Backend) else get_backend(backend)
        self.fft_shape = tuple(
            scipy.fft.next_fast_len(n, real=True) for n in self.plan.padded_shape
        )
        self._spectrum = None
        self._blocks = None
        self._image = None
        if self.backend.name == "cpu":
            self._image = _host_image(image, self.plan)
            self._blocks = _blockfft.BlockSpectra(
                self._image,
                (kh, kw),
                pad_rows=self.plan.pad_rows,
                pad_cols=self.plan.pad_cols,
                boundary=self.plan.boundary,
                cval=self.plan.cval,
            )
        else:
            _real_finite_array(image, "image")
            self._spectrum = self._whole_spectrum(image)

    def _whole_spectrum(self, image):
        """The real-FFT spectrum of the whole extended image, channels first."""
        device_image = self.backend.asarray(image.astype(self.plan.dtype, copy=False))
        extended = _extend(device_image, self.plan, self.backend)
        if extended.ndim == 3:
            # Channels first: each channel's 2-D transform then runs over
            # contiguous memory, which is markedly faster than striding.
            extended = self.backend.xp.ascontiguousarray(extended.transpose(2, 0, 1))
        return self.backend.fft.rfft2(
            extended, s=self.fft_shape, axes=(-2, -1), **self.backend.fft_workers
        )

    @property
    def kernel_shape(self) -> tuple[int, int]:
        return self.plan.kernel_shape

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.plan.output_shape

    @property
    def spectrum(self):
        """The extended image's real-FFT spectrum, shape ([C,] F_M, F_N // 2 + 1)."""
        if self._spectrum is None:
            self._spectrum = self._whole_spectrum(self._image)
        return self._spectrum

    def _checked_kernel(self, kernel) -> np.ndarray:
        kernel = _check_kernel(kernel)
        if kernel.shape != self.plan.kernel_shape:
            raise FiltersError(
                f"kernel has shape {kernel.shape} but this spectrum was prepared for "
                f"{self.plan.kernel_shape}."
            )
        return kernel

    def kernel_spectrum(self, kernel):
        """The kernel's real-FFT spectrum at this object's FFT size, (F_M, F_N // 2 + 1)."""
        kernel = self._checked_kernel(kernel)
        device_kernel = self.backend.asarray(kernel.astype(self.plan.dtype, copy=False))
        return self.backend.fft.rfft2(device_kernel, s=self.fft_shape, **self.backend.fft_workers)

    def _invert(self, product, start: tuple[int, int]) -> np.ndarray:
        """Inverse transform of a product of spectra, cropped to the output from ``start``."""
        fft, workers = self.backend.fft, self.backend.fft_workers
        # Two 1-D passes (complex along columns, then complex-to-real along rows)
        # run faster here than one irfft2 call, which strides less well.
        along_columns = fft.ifft(product, axis=-2, overwrite_x=True, **workers)
        full = fft.irfft(along_columns, n=self.fft_shape[1], axis=-1, **workers)
        rows, cols = self.plan.output_shape[:2]
        valid = full[..., start[0] : start[0] + rows, start[1] : start[1] + cols]
        if valid.ndim == 3:
            valid = valid.transpose(1, 2, 0)
        return np.ascontiguousarray(self.backend.to_host(valid), dtype=self.plan.dtype)

    def _from_kernel_spectrum(self, kernel_spectrum, convolution: bool) -> np.ndarray:
        if convolution:
            kh, kw = self.plan.kernel_shape
            return self._invert(self.spectrum * kernel_spectrum, (kh - 1, kw - 1))
        # Correlation theorem: conjugating the kernel's spectrum reverses the
        # kernel circularly, so the valid part now starts at index 0.
        return self._invert(self.spectrum * kernel_spectrum.conj(), (0, 0))

    def _block_kernel_spectrum(self, kernel):
        kernel = self._checked_kernel(kernel)
        return _blockfft.kernel_spectrum(kernel, self._blocks.fft_shape, self.plan.dtype)

    def filter(self, kernel, *, convolution: bool = True) -> np.ndarray:
        """Convolve (``convolution=True``) or correlate the image with ``kernel``."""
        if self._blocks is not None:
            return self._blocks.filter(self._block_kernel_spectrum(kernel), not convolution)
        return self._from_kernel_spectrum(self.kernel_spectrum(kernel), convolution)

    def convolve(self, kernel) -> np.ndarray:
        """``fft_convolve(image, kernel, **options)`` with the stored spectrum."""
        return self.filter(kernel, convolution=True)

    def correlate(self, kernel) -> np.ndarray:
        """``fft_correlate(image, kernel, **options)`` with the stored spectrum."""
        return self.filter(kernel, convolution=False)

    def convolve_and_correlate(self, kernel) -> tuple[np.ndarray, np.ndarray]:
        """Both results from one kernel transform: ``(convolution, correlation)``."""
        if self._blocks is not None:
            kernel_spectrum = self._block_kernel_spectrum(kernel)
            return (
                self._blocks.filter(kernel_spectrum, False),
                self._blocks.filter(kernel_spectrum, True),
            )
        kernel_spectrum = self.kernel_spectrum(kernel)
        return (
            self._from_kernel_spectrum(kernel_spectrum, True),
            self._from_kernel_spectrum(kernel_spectrum, False),
        )


def _filter_fft(image, kernel, convolution, boundary, output, cval, dtype, backend, align="scipy"):
    image, kernel, plan, chosen = _prepare(
        image, kernel, boundary, output, cval, dtype, backend, align
    )
    if chosen.name == "cpu":
        # Blocked overlap-save: no extended copy, every block in the cache.
        return _blockfft.convolve_valid_fft(
            _host_image(image, plan),
            kernel,
            pad_rows=plan.pad_rows,
            pad_cols=plan.pad_cols,
            boundary=plan.boundary,
            cval=plan.cval,
            correlation=not convolution,
        )
    spectrum = ImageSpectrum(
        image,
        kernel.shape,
        boundary=boundary,
        output=output,
        cval=cval,
        dtype=dtype,
        backend=chosen,
        align=align,
    )
    return spectrum.filter(kernel, convolution=convolution)


# ----------------------------------------------------------------------------
# Public functions
# ----------------------------------------------------------------------------

_SHARED_DOC = """
    Parameters
    ----------
    image : (H, W[, C]) array_like
        Real, finite values of any integer or float dtype; channels last, each
        channel filtered independently.
    kernel : (kh, kw) array_like
        Real and finite; each side at least 1, odd or even.
    boundary : {"reflect", "constant", "mirror", "nearest", "wrap"}
        How the image is extended past its edges (scipy.ndimage's names):
        ``reflect`` = d c b a | a b c d | d c b a (MATLAB "symmetric"),
        ``constant`` = ``cval`` (zero padding by default),
        ``mirror`` = d c b | a b c d | c b a (OpenCV BORDER_REFLECT_101),
        ``nearest`` = a a | a b c d | d d (MATLAB "replicate"),
        ``wrap`` = c d | a b c d | a b (MATLAB "circular").
    output : {"same", "full", "valid"}
        ``full`` is (H + kh - 1, W + kw - 1), ``same`` is (H, W) centred like
        scipy.signal.convolve2d, ``valid`` is (H - kh + 1, W - kw + 1) and needs
        a kernel no larger than the image.
    cval : float
        The value outside the image when ``boundary="constant"``.
    dtype : {numpy.float64, numpy.float32}
        Precision of the computation and of the result.
    backend : {"auto", "cpu", "gpu"}
        ``auto`` uses CuPy when a CUDA device answers, else NumPy/SciPy.
    align : {"scipy", "matlab"}
        Where ``same`` output starts along an even kernel side (odd sides have a
        centre and both agree). ``"scipy"`` keeps ``full[(k - 1) // 2 :]``, like
        scipy.signal.convolve2d; ``"matlab"`` keeps ``full[k // 2 :]``, one pixel
        later, like MATLAB's conv2, filter2 and imfilter: MATLAB's
        ``conv([-1 2 3 -2 0 1 2], [2 4 -1 1], 'same')`` is ``[15 5 -9 7 6 7 -1]``.
        ``full`` and ``valid`` do not depend on it.

    Returns
    -------
    out : (H', W'[, C]) numpy.ndarray
        On the host, of ``dtype``; H', W' as given by ``output``.

    Raises
    ------
    FiltersError
        A ``ValueError`` naming the bad argument.
"""


def _document(summary: str, notes: str, seealso: str):
    def decorate(function):
        function.__doc__ = f"{summary}\n{_SHARED_DOC}\n    Notes\n    -----\n{notes}\n" + (
            f"    See Also\n    --------\n    {seealso}\n"
        )
        return function

    return decorate


@_document(
    "Convolve an image with a kernel in the spatial domain.",
    """    With ``Ĩ`` the image extended by ``boundary``:

    .. math:: full[y, x] = \\sum_{u, v} K[u, v] \\, Ĩ[y - u, x - v]

    Computed by sliding-window sums (compiled, parallel over rows); a rank-1
    kernel goes through two 1-D passes. No transform at any kernel size.
""",
    "fft_convolve, correlate, scipy.signal.convolve2d, scipy.ndimage.convolve",
)
def convolve(
    image,
    kernel,
    *,
    boundary="reflect",
    output="same",
    cval=0.0,
    dtype=np.float64,
    backend="auto",
    align="scipy",
) -> np.ndarray:
    return _filter_direct(
        image, kernel, True, boundary, output, cval, dtype, backend, "auto", align
    )


@_document(
    "Cross-correlate an image with a kernel in the spatial domain.",
    """    ``correlate(I, K, **options) == convolve(I, K[::-1, ::-1], **options)``
    exactly, in every mode:

    .. math:: full[y, x] = \\sum_{u, v} K[u, v] \\, Ĩ[y + u - k_h + 1, x + v - k_w + 1]

    For odd kernels ``output="same"`` equals ``scipy.ndimage.correlate``; for
    even kernels it still does, while ``scipy.signal.correlate2d`` centres one
    pixel differently.
""",
    "fft_correlate, convolve, scipy.ndimage.correlate, scipy.signal.correlate2d",
)
def correlate(
    image,
    kernel,
    *,
    boundary="reflect",
    output="same",
    cval=0.0,
    dtype=np.float64,
    backend="auto",
    align="scipy",
) -> np.ndarray:
    return _filter_direct(
        image, kernel, False, boundary, output, cval, dtype, backend, "auto", align
    )


@_document(
    "Convolve an image with a kernel through the FFT (convolution theorem).",
    """    The image is extended by ``boundary``, transformed with real FFTs at fast
    sizes, multiplied by the kernel's spectrum and transformed back. Equals
    :func:`convolve` to within ``1e-10 · max|I| · Σ|K|`` in float64 and
    ``1e-4 · max|I| · Σ|K|`` in float32. To reuse the image's spectrum across
    kernels, use :class:`ImageSpectrum`.
""",
    "convolve, ImageSpectrum, scipy.signal.fftconvolve",
)
def fft_convolve(
    image,
    kernel,
    *,
    boundary="reflect",
    output="same",
    cval=0.0,
    dtype=np.float64,
    backend="auto",
    align="scipy",
) -> np.ndarray:
    return _filter_fft(image, kernel, True, boundary, output, cval, dtype, backend, align)


@_document(
    "Cross-correlate an image with a kernel through the FFT (correlation theorem).",
    """    Like :func:`fft_convolve`, but the kernel's spectrum is conjugated before
    the product; equals :func:`correlate` to within the same tolerance.
""",
    "correlate, ImageSpectrum",
)
def fft_correlate(
    image,
    kernel,
    *,
    boundary="reflect",
    output="same",
    cval=0.0,
    dtype=np.float64,
    backend="auto",
    align="scipy",
) -> np.ndarray:
    return _filter_fft(image, kernel, False, boundary, output, cval, dtype, backend, align)


# ----------------------------------------------------------------------------
# Choosing a method
# ----------------------------------------------------------------------------


#: Recent estimates by output shape, kernel, dtype and thread count, each with
#: the calibration it came from (a new calibration makes them stale).
_ESTIMATES: OrderedDict = OrderedDict()
_ESTIMATES_LOCK = threading.Lock()
_ESTIMATES_KEPT = 256


def _estimates(out_shape, kernel: np.ndarray, dtype=np.float64) -> dict[str, float]:
    """Estimated seconds of each CPU route for an output shape, from the calibration."""
    calibration = _calibrate.current(dtype)
    threads = _threads.count()
    values = np.ascontiguousarray(kernel, dtype=np.float64)
    shape = tuple(int(n) for n in out_shape)
    key = (shape, values.shape, values.tobytes(), np.dtype(dtype).str, threads)
    with _ESTIMATES_LOCK:
        kept = _ESTIMATES.get(key)
    if kept is not None and kept[0] is calibration:
        return dict(kept[1])
    estimates = _compute_estimates(shape, values, dtype, calibration, threads)
    with _ESTIMATES_LOCK:
        _ESTIMATES[key] = (calibration, estimates)
        _ESTIMATES.move_to_end(key)
        while len(_ESTIMATES) > _ESTIMATES_KEPT:
            _ESTIMATES.popitem(last=False)
    return dict(estimates)


def _compute_estimates(out_shape, kernel, dtype, calibration, threads) -> dict[str, float]:
    rows, cols = out_shape[:2]
    channels = out_shape[2] if len(out_shape) == 3 else 1
    kh, kw = kernel.shape
    samples = rows * cols * channels
    estimates = {"direct": calibration.direct_seconds(samples, np.count_nonzero(kernel))}
    factors = _rank_one_factors(np.asarray(kernel, dtype=np.float64))
    if factors is not None:
        taps = np.count_nonzero(factors[0]) + np.count_nonzero(factors[1])
        estimates["separable"] = calibration.separable_seconds(samples, taps)
    itemsize = np.dtype(dtype).itemsize
    tiles = _blockfft.plan_tiles(rows, cols, kh, kw, channels, itemsize)
    estimates["fft"] = calibration.fft_seconds(tiles.units())
    # Every route shares its work among the cores.
    return {method: seconds / threads for method, seconds in estimates.items()}


def estimate_seconds(image_shape, kernel, *, dtype=np.float64) -> dict[str, float]:
    """Estimated time of each method for an image shape and a kernel, on this machine.

    A cost model whose coefficients are measured once per process and dtype by
    a short calibration (0.1 to 0.2 s, at first use; see
    ``filters._calibrate``): direct costs a fixed part plus one part per
    non-zero tap and output sample; separable (rank-1 kernels only) the same
    with the taps of both 1-D factors; the FFT a calibrated time per unit of
    its blocked transforms (block count times ``F log2 F`` plus the passes
    around them). The output is taken as ``"same"`` (the image's shape).
    """
    kernel = _check_kernel(kernel)
    shape = tuple(int(n) for n in image_shape)
    return _estimates(shape, kernel, _check_dtype(dtype))


def choose_method(image_shape, kernel, *, dtype=np.float64) -> str:
    """The method :func:`filter2d` uses with ``method="auto"``: the cheapest estimate."""
    estimates = estimate_seconds(image_shape, kernel, dtype=dtype)
    return min(estimates, key=estimates.get)


def filter2d(
    image,
    kernel,
    *,
    operation="convolve",
    method="auto",
    boundary="reflect",
    output="same",
    cval=0.0,
    dtype=np.float64,
    backend="auto",
    align="scipy",
) -> np.ndarray:
    """Convolve or correlate with a chosen method; ``auto`` picks the fastest route.

    Parameters
    ----------
    operation : {"convolve", "correlate"}
    method : {"auto", "direct", "separable", "fft"}
        ``direct`` slides the full 2-D kernel; ``separable`` runs two 1-D passes
        and needs a rank-1 kernel; ``fft`` goes through the convolution theorem;
        ``auto`` takes the cheapest by :func:`estimate_seconds` (for the asked
        output's shape and dtype). All give the same result up to rounding.
    image, kernel, boundary, output, cval, dtype, backend, align
        As for :func:`convolve`.
    """
    operation = _check_choice(operation, "operation", ("convolve", "correlate"))
    method = _check_choice(method, "method", METHODS)
    convolution = operation == "convolve"
    if method == "auto":
        checked = _check_image(image, finite=False)
        plan = _plan(
            checked.shape, _check_kernel(kernel).shape, boundary, output, cval, dtype, align
        )
        estimates = _estimates(plan.output_shape, _check_kernel(kernel), plan.dtype)
        method = min(estimates, key=estimates.get)
    if method == "fft":
        return _filter_fft(
            image, kernel, convolution, boundary, output, cval, dtype, backend, align
        )
    return _filter_direct(
        image, kernel, convolution, boundary, output, cval, dtype, backend, method, align
    )
