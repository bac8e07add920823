"""The kernel sliding over a small image: every output pixel, for both operations.

:func:`slide` takes a small plane (at most :data:`MAX_SIDE` pixels a side) and a
kernel and works out, for every output position in raster order, what
:mod:`filters.stepthrough` explains for one pixel: the window of the
boundary-extended image under the kernel, which of its cells lie outside the
image, the kernel as applied (rotated by 180° for convolution, as given for
correlation), the products and their sum, for convolution and for correlation
at once. The sums are checked against :func:`filters.convolve` and
:func:`filters.correlate`. :meth:`Slide.payload` packs all of it into one
compact JSON-serialisable message for an animation in a browser.

With ``Ĩ`` the extended image, the window at output position ``(r, c)`` is
``Ĩ[r : r + kh, c : c + kw]`` in the coordinates of the extended plane (each
output mode is the *valid* convolution of its own extension), so

.. math:: (I * K)[r, c] = \\sum_{i,j} K[k_h-1-i,\\,k_w-1-j]\\;Ĩ[r+i,\\,c+j],
          \\qquad (I \\star K)[r, c] = \\sum_{i,j} K[i,j]\\;Ĩ[r+i,\\,c+j].

The small inputs come from :func:`pattern` (named test patterns, some
asymmetric so that a flip shows), :func:`crop` (a piece of an image, in grey) or
:func:`downscale` (a whole image, area-averaged, in grey).

>>> import numpy as np
>>> from filters import convolve
>>> plane = pattern("letter_l", 8)
>>> kernel = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> run = slide(plane, kernel, boundary="constant")
>>> bool(run.convolve.sums[-1] == convolve(plane, kernel, boundary="constant")[-1, -1])
True
"""

from __future__ import annotations

import base64
import hashlib
import math
import numbers
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from . import samples
from ._core import _check_image, _check_kernel, _plan, convolve, correlate
from ._errors import FiltersError
from .images import to_grey
from .stepthrough import AGREEMENT_RTOL, OPERATIONS, _check_plane, _gather, _sources

__all__ = [
    "MAX_KERNEL_SIDE",
    "MAX_PAYLOAD_BYTES",
    "MAX_SIDE",
    "MIN_SIDE",
    "PATTERNS",
    "OperationSlide",
    "Slide",
    "crop",
    "downscale",
    "largest_fitting_side",
    "pattern",
    "payload_bytes",
    "slide",
]

MAX_SIDE = 32
"""Largest height or width of the plane :func:`slide` takes."""

MIN_SIDE = samples.MIN_SIZE
"""Smallest ``size`` the input helpers make."""

MAX_KERNEL_SIDE = 9
"""Largest kernel height or width :func:`slide` takes: its numbers must stay readable."""

MAX_PAYLOAD_BYTES = 1_000_000
"""Largest :meth:`Slide.payload`, in bytes of JSON, that :func:`slide` agrees to build."""

PATTERNS = MappingProxyType(
    {
        "letter_l": "Letter L (asymmetric)",
        "impulse": "Impulse (one bright pixel)",
        "edge": "Vertical edge",
        "checker": "Checkerboard",
    }
)
"""The patterns :func:`pattern` draws, with a label for menus."""

#: Bytes of the payload that do not grow with the input (keys, shapes, names).
_PAYLOAD_OVERHEAD = 1024


@dataclass(frozen=True)
class OperationSlide:
    """One operation over every output position.

    Attributes
    ----------
    operation : {"convolve", "correlate"}
    applied : (kh, kw) ndarray of float64
        ``K[::-1, ::-1]`` for convolution, ``K`` for correlation.
    products : (n, kh, kw) ndarray of float64
        ``applied * window`` at each of the ``n`` output positions, in raster order.
    sums : (n,) ndarray of float64
        ``Σ products`` at each position, correctly rounded (:func:`math.fsum`).
    result : (H', W') ndarray of float64
        :func:`filters.convolve` or :func:`filters.correlate` of the plane; equal to
        ``sums.reshape(H', W')`` up to rounding.
    """

    operation: str
    applied: np.ndarray
    products: np.ndarray
    sums: np.ndarray
    result: np.ndarray


@dataclass(frozen=True)
class Slide:
    """Both operations at every output position, as returned by :func:`slide`.

    Attributes
    ----------
    plane : (H, W) ndarray of float64
        The input.
    kernel : (kh, kw) ndarray of float64
        The kernel as given.
    boundary, output : str
    cval : float
    extended : (H + pr, W + pc) ndarray of float64
        ``Ĩ``: the plane extended by the boundary rule as far as the output mode
        reads it.
    offset : (int, int)
        Where the plane's pixel (0, 0) lies in ``extended``.
    positions : (n, 2) ndarray of int
        Each output position ``(r, c)``, in raster order.
    windows : (n, kh, kw) ndarray of float64
        ``Ĩ[r : r + kh, c : c + kw]`` at each position.
    outside : (n, kh, kw) ndarray of bool
        True where a window's cell lies outside the plane.
    convolve, correlate : OperationSlide
    """

    plane: np.ndarray
    kernel: np.ndarray
    boundary: str
    output: str
    cval: float
    extended: np.ndarray
    offset: tuple[int, int]
    positions: np.ndarray
    windows: np.ndarray
    outside: np.ndarray
    convolve: OperationSlide
    correlate: OperationSlide

    @property
    def output_shape(self) -> tuple[int, int]:
        """``(H', W')``: the shape of the output mode's result."""
        return self.convolve.result.shape

    @property
    def count(self) -> int:
        """How many output positions the kernel visits."""
        return len(self.positions)

    @property
    def max_difference(self) -> float:
        """``max |convolve − correlate|`` over the output: 0 for a kernel symmetric under 180°."""
        return float(np.max(np.abs(self.convolve.result - self.correlate.result)))

    def operation(self, name: str) -> OperationSlide:
        """:attr:`convolve` or :attr:`correlate` by name."""
        if name not in OPERATIONS:
            raise FiltersError(f"operation must be 'convolve' or 'correlate'; got {name!r}.")
        return self.convolve if name == "convolve" else self.correlate

    def payload(self) -> dict:
        """Everything an animation needs, in one JSON-serialisable message.

        Arrays travel as base64 of little-endian float64 (``"f8"``), except the
        products, the bulk of the message, as float32 (``"f4"``: seven digits, more
        than a display shows). Windows are not sent: each is the slice
        ``extended[r : r + kh, c : c + kw]`` of the extended plane, and a cell is
        outside the image when it lies outside ``offset`` + ``image``.

        Returns
        -------
        dict
            ``id`` (a digest of the inputs), ``image`` ``[H, W]``, ``kernel``
            ``[kh, kw]``, ``output_shape`` ``[H', W']``, ``boundary``, ``output``,
            ``extended`` (``shape``, ``offset``, ``values``) and, for ``convolve``
            and ``correlate``: ``applied``, ``products``, ``sums`` and ``result``.
        """
        operations = {
            part.operation: {
                "applied": _encode(part.applied, "<f8"),
                "products": _encode(part.products, "<f4"),
                "sums": _encode(part.sums, "<f8"),
                "result": _encode(part.result, "<f8"),
            }
            for part in (self.convolve, self.correlate)
        }
        return {
            "id": self.digest(),
            "image": list(self.plane.shape),
            "kernel": list(self.kernel.shape),
            "output_shape": list(self.output_shape),
            "boundary": self.boundary,
            "output": self.output,
            "cval": self.cval,
            "extended": {
                "shape": list(self.extended.shape),
                "offset": list(self.offset),
                "values": _encode(self.extended, "<f8"),
            },
            **operations,
        }

    def digest(self) -> str:
        """A short digest of the inputs: equal digests, equal payloads."""
        hasher = hashlib.blake2b(digest_size=12)
        for array in (self.plane, self.kernel):
            hasher.update(repr(array.shape).encode())
            hasher.update(np.ascontiguousarray(array).tobytes())
        hasher.update(repr((self.boundary, self.output, self.cval)).encode())
        return hasher.hexdigest()


def _encode(array: np.ndarray, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def _base64_length(count: int, itemsize: int) -> int:
    return 4 * math.ceil(count * itemsize / 3)


def payload_bytes(image_shape, kernel_shape, output: str = "same") -> int:
    """About how many bytes of JSON :meth:`Slide.payload` takes (an upper bound).

    Parameters
    ----------
    image_shape : (H, W) tuple of int
    kernel_shape : (kh, kw) tuple of int
    output : {"same", "full", "valid"}

    Returns
    -------
    int
        The base64 arrays (float32 products, float64 everything else) plus a
        fixed allowance for keys and shapes.
    """
    (h, w), (kh, kw) = image_shape, kernel_shape
    plan = _plan((h, w), (kh, kw), "constant", output, 0.0, np.float64)
    rows, cols = plan.output_shape[:2]
    positions, cells = rows * cols, kh * kw
    per_operation = (
        _base64_length(cells, 8)
        + _base64_length(positions * cells, 4)
        + 2 * _base64_length(positions, 8)
    )
    return _PAYLOAD_OVERHEAD + _base64_length(math.prod(plan.padded_shape), 8) + 2 * per_operation


def largest_fitting_side(kernel_shape, output: str = "same") -> int:
    """The largest square input side, up to :data:`MAX_SIDE`, whose payload fits.

    Returns 0 when none does.
    """
    for side in range(MAX_SIDE, 0, -1):
        fits = output != "valid" or (kernel_shape[0] <= side and kernel_shape[1] <= side)
        if fits and payload_bytes((side, side), kernel_shape, output) <= MAX_PAYLOAD_BYTES:
            return side
    return 0


def _check_small_plane(plane) -> np.ndarray:
    values = _check_plane(plane)
    if max(values.shape) > MAX_SIDE:
        raise FiltersError(
            f"image must be at most {MAX_SIDE}×{MAX_SIDE} to slide over it; got "
            f"{values.shape[0]}×{values.shape[1]}. Crop or downscale it first."
        )
    return values.astype(np.float64, copy=False)


def _check_small_kernel(kernel) -> np.ndarray:
    values = _check_kernel(kernel).astype(np.float64)
    if max(values.shape) > MAX_KERNEL_SIDE:
        raise FiltersError(
            f"kernel must be at most {MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE} to show its numbers; "
            f"got {values.shape[0]}×{values.shape[1]}. Pick a smaller kernel."
        )
    return values


def slide(plane, kernel, *, boundary="reflect", output="same", cval=0.0) -> Slide:
    """Window, kernel as applied, products and sum at every output position, both operations.

    Parameters
    ----------
    plane : (H, W) array_like
        One plane of real numbers, at most :data:`MAX_SIDE` a side.
    kernel : (kh, kw) array_like
        Real and finite, at most :data:`MAX_KERNEL_SIDE` a side, odd or even sides.
    boundary, output, cval
        As for :func:`filters.convolve`.

    Returns
    -------
    Slide
        Whose ``convolve.sums`` and ``correlate.sums``, in raster order, equal
        :func:`filters.convolve` and :func:`filters.correlate` of ``plane`` (checked:
        within ``1e-12 · Σ |products|`` at every position).

    Raises
    ------
    FiltersError
        A bad plane, kernel, boundary, output or cval (the message names which);
        a plane or kernel too large; ``output="valid"`` with a kernel larger than
        the plane; or a payload over :data:`MAX_PAYLOAD_BYTES`.
    """
    values = _check_small_plane(plane)
    weights = _check_small_kernel(kernel)
    plan = _plan(values.shape, weights.shape, boundary, output, cval, np.float64)
    size = payload_bytes(values.shape, weights.shape, plan.output)
    if size > MAX_PAYLOAD_BYTES:
        side = largest_fitting_side(weights.shape, plan.output)
        raise FiltersError(
            f"A {weights.shape[0]}×{weights.shape[1]} kernel over a {values.shape[0]}×"
            f"{values.shape[1]} image with output={plan.output!r} gives about "
            f"{size / 1e6:.1f} MB of numbers to animate, more than the "
            f"{MAX_PAYLOAD_BYTES / 1e6:.0f} MB the player takes. Use an image of at most "
            f"{side}×{side}, a smaller kernel or output='same'."
        )

    height, width = values.shape
    rows, row_sources = _sources(height, *plan.pad_rows, plan.boundary)
    cols, col_sources = _sources(width, *plan.pad_cols, plan.boundary)
    extended, extended_outside = _gather(values, rows, cols, row_sources, col_sources, plan)

    kh, kw = weights.shape
    out_rows, out_cols = plan.output_shape[:2]
    count = out_rows * out_cols
    view = np.lib.stride_tricks.sliding_window_view
    windows = view(extended, (kh, kw)).reshape(count, kh, kw)
    outside = view(extended_outside, (kh, kw)).reshape(count, kh, kw)
    grid = np.indices((out_rows, out_cols)).reshape(2, count).T

    options = dict(boundary=plan.boundary, output=plan.output, cval=plan.cval, backend="cpu")
    results = {
        "convolve": convolve(values, weights, **options),
        "correlate": correlate(values, weights, **options),
    }
    operations = {}
    for name in OPERATIONS:
        applied = weights[::-1, ::-1].copy() if name == "convolve" else weights.copy()
        products = applied * windows
        flat = products.reshape(count, kh * kw)
        sums = np.array([math.fsum(row) for row in flat.tolist()])
        _check_agreement(name, sums, results[name].ravel(), flat)
        operations[name] = OperationSlide(name, applied, products, sums, results[name])
    return Slide(
        plane=values,
        kernel=weights,
        boundary=plan.boundary,
        output=plan.output,
        cval=plan.cval,
        extended=extended,
        offset=(plan.pad_rows[0], plan.pad_cols[0]),
        positions=grid,
        windows=windows,
        outside=outside,
        convolve=operations["convolve"],
        correlate=operations["correlate"],
    )


def _check_agreement(name: str, sums, values, products) -> None:
    """The explained sums against the library's result, to rounding (never expected to fail)."""
    scale = np.maximum(np.abs(products).sum(axis=1), np.finfo(np.float64).tiny)
    worst = np.abs(sums - values) - AGREEMENT_RTOL * scale
    if np.any(worst > 0):
        index = int(np.argmax(worst))
        raise RuntimeError(
            f"{name}: the sum of products at position {index} differs from the library's "
            f"result by {sums[index] - values[index]:.3g}."
        )


# ----------------------------------------------------------------------------
# Small inputs
# ----------------------------------------------------------------------------


def _check_size(size) -> int:
    if isinstance(size, bool) or not isinstance(size, numbers.Integral):
        raise FiltersError(f"size must be an integer; got {size!r}.")
    if not MIN_SIDE <= size <= MAX_SIDE:
        raise FiltersError(f"size must be from {MIN_SIDE} to {MAX_SIDE}; got {size}.")
    return int(size)


def _letter_l(size: int) -> np.ndarray:
    image = np.zeros((size, size))
    top, bottom = size // 5, size - size // 5
    left, stem = size // 4, max(1, round(size * 0.15))
    foot = max(1, round(size * 0.15))
    image[top:bottom, left : left + stem] = 1.0
    image[bottom - foot : bottom, left : size - size // 4] = 1.0
    return image


def pattern(name: str, size: int) -> np.ndarray:
    """A small square test pattern, values in [0, 1].

    Parameters
    ----------
    name : {"letter_l", "impulse", "edge", "checker"}
        ``letter_l``: a white "L" on black, with no symmetry, so any flip shows;
        ``impulse``: one white pixel at ``(size // 2, size // 2)`` (convolution draws
        the kernel there, correlation the kernel rotated by 180°); ``edge``: dark
        left half, light right half (:func:`filters.samples.step_edge`);
        ``checker``: four squares a side (:func:`filters.samples.checkerboard`).
    size : int
        Side, from :data:`MIN_SIDE` to :data:`MAX_SIDE`.

    Returns
    -------
    (size, size) ndarray of float64
    """
    size = _check_size(size)
    if not isinstance(name, str) or name not in PATTERNS:
        raise FiltersError(f"pattern must be one of {', '.join(PATTERNS)}; got {name!r}.")
    if name == "letter_l":
        return _letter_l(size)
    if name == "impulse":
        image = np.zeros((size, size))
        image[size // 2, size // 2] = 1.0
        return image
    if name == "edge":
        return samples.step_edge(size)
    return samples.checkerboard(size, squares=4)


def _grey(image) -> np.ndarray:
    values = _check_image(image)
    if values.ndim == 3 and values.shape[2] != 3:
        raise FiltersError(f"image must be (H, W) or (H, W, 3); got shape {values.shape}.")
    return to_grey(values)


def _fraction(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise FiltersError(f"{name} must be a number from 0 to 1; got {value!r}.")
    return float(value)


def crop(image, size: int, *, across: float = 0.5, down: float = 0.5) -> np.ndarray:
    """A ``size × size`` piece of an image, in grey (luma).

    Parameters
    ----------
    image : (H, W) or (H, W, 3) array_like
    size : int
        Side of the piece, from :data:`MIN_SIDE` to :data:`MAX_SIDE` (cut to the
        image's own sides when it is smaller).
    across, down : float
        Where the piece lies, from 0 (left, top) to 1 (right, bottom); 0.5 centres it.

    Returns
    -------
    (min(size, H), min(size, W)) ndarray of float64
        ``0.299 R + 0.587 G + 0.114 B`` of the piece.
    """
    size = _check_size(size)
    across, down = _fraction(across, "across"), _fraction(down, "down")
    grey = _grey(image)
    rows, cols = min(size, grey.shape[0]), min(size, grey.shape[1])
    top = round(down * (grey.shape[0] - rows))
    left = round(across * (grey.shape[1] - cols))
    return grey[top : top + rows, left : left + cols].copy()


def _area_weights(length: int, new_length: int) -> np.ndarray:
    """``(new_length, length)`` weights: each output pixel's share of each input pixel."""
    edges = np.linspace(0.0, length, new_length + 1)
    starts = np.arange(length)
    overlap = np.minimum(edges[1:, None], starts + 1.0) - np.maximum(edges[:-1, None], starts)
    weights = np.clip(overlap, 0.0, None)
    return weights / weights.sum(axis=1, keepdims=True)


def downscale(image, size: int) -> np.ndarray:
    """The whole image, area-averaged to at most ``size`` pixels on its long side, in grey.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) array_like
    size : int
        Long side of the result, from :data:`MIN_SIDE` to :data:`MAX_SIDE`; an image
        that is smaller already is not enlarged.

    Returns
    -------
    (P, Q) ndarray of float64
        ``max(P, Q) == min(size, max(H, W))``, the aspect ratio kept to the nearest
        pixel. Each value is the mean of the luma over the area the pixel covers,
        so values stay within the image's range.
    """
    size = _check_size(size)
    grey = _grey(image)
    height, width = grey.shape
    scale = min(1.0, size / max(height, width))
    rows, cols = max(1, round(height * scale)), max(1, round(width * scale))
    if (rows, cols) == (height, width):
        return grey.copy()
    return _area_weights(height, rows) @ grey @ _area_weights(width, cols).T
