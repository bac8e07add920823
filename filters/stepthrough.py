"""One output pixel of a convolution or correlation, taken apart.

For an output pixel ``(row, col)`` this module returns what the filter sees
there: the window of the boundary-extended image under the kernel, which of
its cells lie outside the image, the kernel as it is applied (rotated by 180°
for convolution, as given for correlation), the element-wise products and
their sum. The sum equals the value :func:`filters.convolve` or
:func:`filters.correlate` returns at that pixel, in every boundary and output
mode.

With ``Ĩ`` the image extended by the boundary rule and ``(y, x)`` the pixel's
index in the *full* output (``y = row`` for ``full``, ``row + (kh - 1) // 2``
for ``same``, ``row + kh - 1`` for ``valid``), the window is

.. math:: W[i, j] = Ĩ[y - k_h + 1 + i, \\; x - k_w + 1 + j]

and the full convolution is :math:`\\sum_{u,v} K[u, v]\\,Ĩ[y-u, x-v] =
\\sum_{i,j} K[k_h-1-i, k_w-1-j]\\,W[i, j]`: the window times the rotated kernel.
Correlation is convolution with the rotated kernel, so it multiplies the
window by ``K`` itself.

>>> import numpy as np
>>> from filters import convolve
>>> image = np.arange(20.0).reshape(4, 5)
>>> kernel = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> step = explain_pixel(image, kernel, 0, 0, operation="convolve", boundary="constant")
>>> bool(step.total == convolve(image, kernel, boundary="constant")[0, 0])
True
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from ._core import BOUNDARIES, _check_image, _check_kernel, _plan
from ._errors import FiltersError
from .images import to_grey

__all__ = [
    "CHANNELS",
    "OPERATIONS",
    "Agreement",
    "Neighbourhood",
    "PixelExplanation",
    "agreement",
    "channel_plane",
    "explain_pixel",
    "neighbourhood",
    "output_shape",
]

OPERATIONS = ("convolve", "correlate")

#: Planes :func:`channel_plane` can take from an image.
CHANNELS = ("grey", "red", "green", "blue")

#: Relative tolerance of :func:`agreement`, against ``Σ |products|``.
AGREEMENT_RTOL = 1e-12


@dataclass(frozen=True)
class Neighbourhood:
    """The window of the extended image under the kernel at one output pixel.

    Attributes
    ----------
    window : (kh, kw) ndarray of float64
        ``Ĩ`` under the kernel: image values, or values the boundary rule
        supplies for cells outside the image.
    outside : (kh, kw) ndarray of bool
        True where a cell lies outside the image.
    rows, cols : (kh,) and (kw,) ndarray of int
        Each window row's and column's coordinate in the image's frame; negative
        or beyond the image for cells outside it.
    source_rows, source_cols : (kh,) and (kw,) ndarray of int
        The image row and column whose value each window row and column holds
        under the boundary rule; ``-1`` where ``boundary="constant"`` supplies
        ``cval`` instead.
    """

    window: np.ndarray
    outside: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    source_rows: np.ndarray
    source_cols: np.ndarray


@dataclass(frozen=True)
class PixelExplanation:
    """Everything that makes one output pixel, as returned by :func:`explain_pixel`.

    Attributes
    ----------
    operation : {"convolve", "correlate"}
    row, col : int
        The pixel, in the coordinates of the chosen output (``full``, ``same``
        or ``valid``).
    neighbourhood : Neighbourhood
        The window and which of its cells are outside the image.
    applied_kernel : (kh, kw) ndarray of float64
        ``K[::-1, ::-1]`` for convolution, ``K`` for correlation.
    products : (kh, kw) ndarray of float64
        ``applied_kernel * window``.
    total : float
        ``Σ products``, correctly rounded (:func:`math.fsum`).
    """

    operation: str
    row: int
    col: int
    neighbourhood: Neighbourhood
    applied_kernel: np.ndarray
    products: np.ndarray
    total: float

    @property
    def window(self) -> np.ndarray:
        return self.neighbourhood.window

    @property
    def outside(self) -> np.ndarray:
        return self.neighbourhood.outside


@dataclass(frozen=True)
class Agreement:
    """The explained sum against the library's result at the same pixel.

    Attributes
    ----------
    total : float
        Σ products from :func:`explain_pixel`.
    value : float
        ``result[row, col]`` from :func:`filters.convolve` or :func:`filters.correlate`.
    difference : float
        ``total - value``.
    tolerance : float
        ``AGREEMENT_RTOL · max(Σ |products|, tiny)``: rounding of the library's sum.
    agree : bool
        ``|difference| <= tolerance``.
    """

    total: float
    value: float
    difference: float
    tolerance: float
    agree: bool


def _check_operation(operation) -> str:
    if not isinstance(operation, str) or operation not in OPERATIONS:
        raise FiltersError(f"operation must be 'convolve' or 'correlate'; got {operation!r}.")
    return operation


def _check_kernel_shape(kernel_shape) -> tuple[int, int]:
    try:
        kh, kw = kernel_shape
    except (TypeError, ValueError):
        raise FiltersError(f"kernel_shape must be two integers; got {kernel_shape!r}.") from None
    for side in (kh, kw):
        if isinstance(side, bool) or not isinstance(side, numbers.Integral) or side < 1:
            raise FiltersError(f"kernel_shape must be two integers ≥ 1; got {kernel_shape!r}.")
    return int(kh), int(kw)


def _check_index(value, name: str, size: int, output: str, shape: tuple[int, int]) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise FiltersError(f"{name} must be an integer; got {value!r}.")
    if not 0 <= value < size:
        raise FiltersError(
            f"{name} must be from 0 to {size - 1} (the {output!r} output is "
            f"{shape[0]}×{shape[1]}); got {value}."
        )
    return int(value)


def _check_plane(image) -> np.ndarray:
    array = _check_image(image)
    if array.ndim != 2:
        raise FiltersError(
            f"image must be a single 2-D plane (H, W); got shape {array.shape}. "
            "Pass one channel, e.g. image[..., 0]."
        )
    return array


def channel_plane(image, channel: str = "grey") -> np.ndarray:
    """One plane of an image: its luma, or one of its colour channels.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) array_like
    channel : {"grey", "red", "green", "blue"}
        ``grey`` is ``0.299 R + 0.587 G + 0.114 B`` (a 2-D image passes through);
        a colour channel needs a colour image.

    Returns
    -------
    plane : (H, W) ndarray of float64

    Raises
    ------
    FiltersError
        An unknown channel, a colour channel of a grey image, or a bad image.
    """
    if not isinstance(channel, str) or channel not in CHANNELS:
        raise FiltersError(f"channel must be one of {', '.join(CHANNELS)}; got {channel!r}.")
    array = _check_image(image)
    if array.ndim == 3 and array.shape[2] != 3:
        raise FiltersError(f"image must be (H, W) or (H, W, 3); got shape {array.shape}.")
    if channel == "grey":
        return np.ascontiguousarray(to_grey(array), dtype=np.float64)
    if array.ndim == 2:
        raise FiltersError(f"channel {channel!r} needs a colour image; this one is grey.")
    return np.ascontiguousarray(array[..., CHANNELS.index(channel) - 1], dtype=np.float64)


def output_shape(image_shape, kernel_shape, output: str = "same") -> tuple[int, int]:
    """The ``(rows, cols)`` of the result for an output mode.

    Parameters
    ----------
    image_shape : (H, W[, C]) tuple of int
    kernel_shape : (kh, kw) tuple of int
    output : {"same", "full", "valid"}

    Returns
    -------
    shape : (int, int)
        ``(H + kh - 1, W + kw - 1)``, ``(H, W)`` or ``(H - kh + 1, W - kw + 1)``.
    """
    kernel_shape = _check_kernel_shape(kernel_shape)
    plan = _plan(tuple(image_shape), kernel_shape, "constant", output, 0.0, np.float64)
    return plan.output_shape[0], plan.output_shape[1]


def _sources(length: int, before: int, after: int, boundary: str) -> tuple[np.ndarray, np.ndarray]:
    """Image-frame coordinates of the extended axis, and the index each one copies.

    The boundary rules only copy values, so extending ``arange(length)`` with
    ``numpy.pad`` (the same call and widths the filters use) tells which image
    index every extended position holds.
    """
    positions = np.arange(-before, length + after)
    if boundary == "constant":
        sources = np.where((positions >= 0) & (positions < length), positions, -1)
    else:
        sources = np.pad(np.arange(length), (before, after), mode=BOUNDARIES[boundary])
    return positions, sources


def neighbourhood(
    image,
    kernel_shape,
    row: int,
    col: int,
    boundary: str = "reflect",
    output: str = "same",
    cval: float = 0.0,
) -> Neighbourhood:
    """The extended image's window under the kernel at output pixel ``(row, col)``.

    Parameters
    ----------
    image : (H, W) array_like
        One plane (pick a channel of a colour image first).
    kernel_shape : (kh, kw) tuple of int
    row, col : int
        The output pixel, ``0 <= row < H'`` and ``0 <= col < W'`` with ``(H', W')``
        the shape of the ``output`` mode's result.
    boundary : {"reflect", "constant", "mirror", "nearest", "wrap"}
    output : {"same", "full", "valid"}
    cval : float
        The value outside the image for ``boundary="constant"``.

    Returns
    -------
    Neighbourhood
        ``window`` of shape (kh, kw) with ``window[i, j] = Ĩ[y - kh + 1 + i,
        x - kw + 1 + j]`` (``(y, x)`` the pixel's index in the full output) and
        the ``outside`` mask.

    Raises
    ------
    FiltersError
        Bad image, kernel shape, boundary, output or cval, or ``row``/``col``
        outside the output (the message names which).
    """
    plane = _check_plane(image)
    kh, kw = _check_kernel_shape(kernel_shape)
    plan = _plan(plane.shape, (kh, kw), boundary, output, cval, np.float64)
    out_rows, out_cols = plan.output_shape[:2]
    row = _check_index(row, "row", out_rows, plan.output, (out_rows, out_cols))
    col = _check_index(col, "col", out_cols, plan.output, (out_rows, out_cols))

    height, width = plane.shape
    row_positions, row_sources = _sources(height, *plan.pad_rows, plan.boundary)
    col_positions, col_sources = _sources(width, *plan.pad_cols, plan.boundary)
    # Output pixel (row, col) is the valid convolution of the extended image at
    # (row, col): it reads extended rows row .. row + kh - 1.
    rows, source_rows = row_positions[row : row + kh], row_sources[row : row + kh]
    cols, source_cols = col_positions[col : col + kw], col_sources[col : col + kw]
    window, outside = _gather(plane, rows, cols, source_rows, source_cols, plan)
    return Neighbourhood(window, outside, rows, cols, source_rows, source_cols)


def _gather(plane, rows, cols, source_rows, source_cols, plan) -> tuple[np.ndarray, np.ndarray]:
    """The extended image ``Ĩ`` on a grid of rows and columns, and which cells lie outside.

    ``rows``/``cols`` are image-frame coordinates and ``source_rows``/``source_cols``
    the image indices they copy (from :func:`_sources`); ``cval`` fills the cells
    outside the image for ``boundary="constant"``.
    """
    height, width = plane.shape
    outside = ((rows < 0) | (rows >= height))[:, None] | ((cols < 0) | (cols >= width))[None, :]
    window = plane[np.ix_(np.maximum(source_rows, 0), np.maximum(source_cols, 0))]
    window = window.astype(np.float64)
    if plan.boundary == "constant":
        window[outside] = plan.cval
    return window, outside


def explain_pixel(
    image,
    kernel,
    row: int,
    col: int,
    operation: str = "convolve",
    boundary: str = "reflect",
    output: str = "same",
    cval: float = 0.0,
) -> PixelExplanation:
    """The window, kernel as applied, products and their sum at one output pixel.

    Parameters
    ----------
    image : (H, W) array_like
        One plane.
    kernel : (kh, kw) array_like
    row, col : int
        The output pixel (see :func:`neighbourhood`).
    operation : {"convolve", "correlate"}
    boundary, output, cval
        As for :func:`filters.convolve`.

    Returns
    -------
    PixelExplanation
        With ``total = Σ_{i,j} A[i, j] · W[i, j]`` where ``A = K[::-1, ::-1]``
        for convolution and ``A = K`` for correlation; it equals
        ``convolve(image, kernel, ...)[row, col]`` (or ``correlate``) up to
        rounding.

    Raises
    ------
    FiltersError
        As :func:`neighbourhood`, plus a bad kernel or operation.
    """
    operation = _check_operation(operation)
    values = _check_kernel(kernel).astype(np.float64)
    found = neighbourhood(image, values.shape, row, col, boundary, output, cval)
    applied = values[::-1, ::-1].copy() if operation == "convolve" else values.copy()
    products = applied * found.window
    total = math.fsum(products.ravel().tolist())
    return PixelExplanation(operation, int(row), int(col), found, applied, products, total)


def agreement(explanation: PixelExplanation, result) -> Agreement:
    """Compare an explained sum with the filtered result at the same pixel.

    Parameters
    ----------
    explanation : PixelExplanation
    result : (H', W') array_like
        The output of :func:`filters.convolve` (or ``correlate``) with the same
        image plane, kernel and options.

    Returns
    -------
    Agreement
        ``result[row, col]``, ``total - result[row, col]`` and whether that is
        within rounding: ``1e-12 · Σ |products|``.
    """
    values = np.asarray(result)
    if values.ndim != 2:
        raise FiltersError(f"result must be 2-D (H', W'); got shape {values.shape}.")
    row, col = explanation.row, explanation.col
    if not (0 <= row < values.shape[0] and 0 <= col < values.shape[1]):
        raise FiltersError(
            f"result of shape {values.shape} has no pixel at row {row}, col {col}; "
            "was it computed with the same output mode?"
        )
    value = float(values[row, col])
    difference = explanation.total - value
    scale = math.fsum(np.abs(explanation.products).ravel().tolist())
    tolerance = AGREEMENT_RTOL * max(scale, np.finfo(np.float64).tiny)
    return Agreement(explanation.total, value, difference, tolerance, abs(difference) <= tolerance)
