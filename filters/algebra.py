"""The algebra of convolution and correlation, checked numerically.

Each ``check_*`` function computes both sides of an identity with
:func:`filters.convolve` or :func:`filters.correlate` and returns a
:class:`Check`: the two arrays, the largest difference, the difference relative
to the left side, and whether that is within a stated tolerance.

What holds (``∗`` convolution, ``⋆`` correlation, ``R`` the 180° rotation,
``full`` output with zero padding unless said otherwise):

- commutativity: ``I ∗ K = K ∗ I``, but ``I ⋆ K = R(K ⋆ I)``, not ``K ⋆ I``;
- associativity: ``(I ∗ K₁) ∗ K₂ = I ∗ (K₁ ∗ K₂)``, and for correlation
  ``(I ⋆ K₁) ⋆ K₂ = I ⋆ (K₁ ∗ K₂)``, not ``I ⋆ (K₁ ⋆ K₂)``;
- linearity: ``(aI + bJ) ∗ K = a(I ∗ K) + b(J ∗ K)``, the same for ``⋆``, with
  any boundary rule that is itself linear (``constant`` with ``cval = 0``, and
  the rules that copy pixels);
- shift equivariance: filtering ``roll(I, s)`` equals rolling the filtered
  image, everywhere with the ``wrap`` boundary and away from the borders with
  the others;
- the impulse response: an impulse convolved with ``K`` draws ``K``; correlated,
  it draws ``R(K)``.

>>> import numpy as np
>>> image = np.random.default_rng(0).random((12, 10))
>>> kernel = np.array([[1.0, 2.0], [0.0, -1.0]])
>>> check_commutativity(image, kernel, "convolve").holds
True
>>> check_commutativity(image, kernel, "correlate").holds
False
>>> check_commutativity(image, kernel, "correlate", rotated=True).holds
True
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from ._core import BOUNDARIES, _check_image, _check_kernel, convolve, correlate, filter2d
from ._errors import FiltersError
from .samples import letter_f

__all__ = [
    "DEFAULT_RTOL",
    "OPERATIONS",
    "Check",
    "ImpulseResponse",
    "ShiftCheck",
    "check_associativity",
    "check_commutativity",
    "check_linearity",
    "check_shift_equivariance",
    "compare_arrays",
    "impulse_response",
    "letter_f_kernel",
    "run_all",
    "shift_interior",
]

OPERATIONS = ("convolve", "correlate")
SYMBOLS = {"convolve": "∗", "correlate": "⋆"}

#: Default tolerance on ``max|lhs − rhs| / max|lhs|``: far above float64
#: rounding (about 1e-16), far below any real disagreement.
DEFAULT_RTOL = 1e-10

MAX_IMPULSE_SIZE = 1025


@dataclass(frozen=True)
class Check:
    """One identity, checked numerically.

    Attributes
    ----------
    name : str
        The property, e.g. ``"commutativity"``.
    operation : {"convolve", "correlate"}
        The operation on the left-hand side.
    statement : str
        The identity tested, in plain text, e.g. ``"I ⋆ K = R(K ⋆ I)"``.
    lhs, rhs : ndarray
        Both sides, the same shape.
    max_abs_error : float
        ``max |lhs − rhs|``.
    relative_error : float
        ``max |lhs − rhs| / max |lhs|`` (0 when both sides are all zero, inf when
        only ``lhs`` is).
    tolerance : float
        The relative tolerance the verdict uses.
    holds : bool
        ``relative_error <= tolerance``.
    note : str
        What was compared, in one sentence.
    params : dict of str to float
        Any numbers the check drew (e.g. ``a`` and ``b`` for linearity).
    """

    name: str
    operation: str
    statement: str
    lhs: np.ndarray
    rhs: np.ndarray
    max_abs_error: float
    relative_error: float
    tolerance: float
    holds: bool
    note: str = ""
    params: dict[str, float] = field(default_factory=dict)

    @property
    def difference(self) -> np.ndarray:
        """``lhs − rhs``."""
        return self.lhs - self.rhs


@dataclass(frozen=True)
class ShiftCheck:
    """Shift equivariance over the whole image, and away from the borders.

    Attributes
    ----------
    check : Check
        ``op(roll(I, s))`` against ``roll(op(I), s)`` over the whole image.
    interior : (H, W) ndarray of bool
        Pixels whose window meets neither the image border nor the seam where
        ``roll`` wraps, in either image: there both sides sum the same pixels
        (all True for ``boundary="wrap"``).
    interior_relative_error : float
        ``max |lhs − rhs|`` over ``interior``, relative to ``max |lhs|``.
    interior_holds : bool
        ``interior_relative_error <= tolerance``.
    band : int
        How far from the nearest border the differences beyond the tolerance
        reach, in pixels (0 when there are none).
    boundary : str
    shift : (int, int)
    """

    check: Check
    interior: np.ndarray
    interior_relative_error: float
    interior_holds: bool
    band: int
    boundary: str
    shift: tuple[int, int]


@dataclass(frozen=True)
class ImpulseResponse:
    """An impulse filtered by a kernel, and the kernel it should draw.

    Attributes
    ----------
    operation : {"convolve", "correlate"}
    image : (size, size) ndarray
        Zeros with a single 1 at ``(size // 2, size // 2)``.
    response : (size, size) ndarray
        The filtered impulse (``output="same"``, zero padding, direct sums).
    crop : (kh, kw) ndarray
        ``response`` where the kernel lands: rows ``size // 2 − (kh − 1) // 2``
        onwards, columns likewise (the ``same`` centring).
    expected : (kh, kw) ndarray
        ``K`` for convolution, ``K[::-1, ::-1]`` for correlation.
    top, left : int
        The crop's first row and column in ``response``.
    max_abs_error : float
        ``max |crop − expected|``.
    exact : bool
        ``crop == expected`` bit for bit *and* ``response`` is zero elsewhere.
    outside_max : float
        ``max |response|`` outside the crop.
    """

    operation: str
    image: np.ndarray
    response: np.ndarray
    crop: np.ndarray
    expected: np.ndarray
    top: int
    left: int
    max_abs_error: float
    exact: bool
    outside_max: float


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------


def _operation(operation, name: str = "operation"):
    if not isinstance(operation, str) or operation not in OPERATIONS:
        raise FiltersError(f"{name} must be 'convolve' or 'correlate'; got {operation!r}.")
    return convolve if operation == "convolve" else correlate


def _check_rtol(rtol) -> float:
    if isinstance(rtol, bool) or not isinstance(rtol, numbers.Real) or not rtol >= 0:
        raise FiltersError(f"rtol must be a real number ≥ 0; got {rtol!r}.")
    if not np.isfinite(rtol):
        raise FiltersError(f"rtol must be finite; got {rtol!r}.")
    return float(rtol)


def _plane(image) -> np.ndarray:
    array = _check_image(image).astype(np.float64)
    if array.ndim != 2:
        raise FiltersError(
            f"image must be 2-D (H, W) here, since it also serves as a kernel; got shape "
            f"{array.shape}. Convert to grey or pick a channel."
        )
    return array


def _relative(max_abs: float, scale: float) -> float:
    """``max_abs / scale``; with ``scale == 0``, 0 when equal and inf when not."""
    if scale > 0:
        return max_abs / scale
    return 0.0 if max_abs == 0 else float("inf")


def _rotate(array: np.ndarray) -> np.ndarray:
    return array[::-1, ::-1]


def compare_arrays(
    name: str,
    operation: str,
    statement: str,
    lhs,
    rhs,
    *,
    rtol: float = DEFAULT_RTOL,
    note: str = "",
    params: dict[str, float] | None = None,
) -> Check:
    """Measure how far ``lhs`` is from ``rhs`` and judge it against ``rtol``.

    Parameters
    ----------
    name, operation, statement, note, params
        Stored in the :class:`Check` as given.
    lhs, rhs : array_like
        The two sides; the same shape.
    rtol : float
        Tolerance on ``max |lhs − rhs| / max |lhs|``.

    Returns
    -------
    Check

    Raises
    ------
    FiltersError
        If the shapes differ or ``rtol`` is not a finite number ≥ 0.
    """
    rtol = _check_rtol(rtol)
    lhs = np.asarray(lhs, dtype=np.float64)
    rhs = np.asarray(rhs, dtype=np.float64)
    if lhs.shape != rhs.shape:
        raise FiltersError(
            f"the two sides of {statement!r} have different shapes: {lhs.shape} and {rhs.shape}."
        )
    max_abs = float(np.max(np.abs(lhs - rhs))) if lhs.size else 0.0
    scale = float(np.max(np.abs(lhs))) if lhs.size else 0.0
    relative = _relative(max_abs, scale)
    return Check(
        name,
        operation,
        statement,
        lhs,
        rhs,
        max_abs,
        relative,
        rtol,
        relative <= rtol,
        note,
        dict(params or {}),
    )


# ----------------------------------------------------------------------------
# The properties
# ----------------------------------------------------------------------------


def check_commutativity(
    image,
    kernel,
    operation: str = "convolve",
    *,
    rotated: bool = False,
    rtol: float = DEFAULT_RTOL,
    backend="auto",
) -> Check:
    """Swap image and kernel: ``I op K`` against ``K op I`` (or its 180° rotation).

    Parameters
    ----------
    image : (H, W) array_like
        A plane; it also serves as the kernel on the right-hand side.
    kernel : (kh, kw) array_like
    operation : {"convolve", "correlate"}
    rotated : bool
        Compare with ``R(K op I)``, the right side rotated by 180°, instead.
    rtol : float
    backend : {"auto", "cpu", "gpu"}

    Returns
    -------
    Check
        Both sides are ``(H + kh − 1, W + kw − 1)``: ``output="full"`` with zero
        padding, where the two sums run over the same products.

    Notes
    -----
    With full output and zero padding,
    :math:`(I * K)[y, x] = \\sum_{u,v} K[u, v]\\, I[y-u, x-v] = (K * I)[y, x]`
    (substitute :math:`u' = y - u`). Correlation is convolution with the
    rotated kernel, :math:`I \\star K = I * R(K)`, and
    :math:`R(A * B) = R(A) * R(B)`, so :math:`K \\star I = K * R(I) = R(I \\star K)`.
    """
    lhs, swapped = _swapped_sides(image, kernel, operation, backend)
    return _commutativity(lhs, swapped, operation, rotated, rtol)


def _swapped_sides(image, kernel, operation, backend) -> tuple[np.ndarray, np.ndarray]:
    """``I op K`` and ``K op I``, full output with zero padding."""
    function = _operation(operation)
    plane = _plane(image)
    values = _check_kernel(kernel).astype(np.float64)
    options = dict(boundary="constant", output="full", backend=backend)
    return function(plane, values, **options), function(values, plane, **options)


def _commutativity(lhs, swapped, operation: str, rotated: bool, rtol: float) -> Check:
    symbol = SYMBOLS[operation]
    rhs = _rotate(swapped) if rotated else swapped
    statement = f"I {symbol} K = " + (f"R(K {symbol} I)" if rotated else f"K {symbol} I")
    note = (
        "full output, zero padding; R is the 180° rotation"
        if rotated
        else ("full output, zero padding")
    )
    return compare_arrays("commutativity", operation, statement, lhs, rhs, rtol=rtol, note=note)


def check_associativity(
    image,
    kernel1,
    kernel2,
    operation: str = "convolve",
    *,
    inner: str | None = None,
    rtol: float = DEFAULT_RTOL,
    backend="auto",
) -> Check:
    """Filter twice, or once with the combined kernel.

    Compares ``(I op K₁) op K₂`` with ``I op (K₁ inner K₂)``; ``inner`` defaults
    to ``operation``.

    Parameters
    ----------
    image : (H, W[, C]) array_like
    kernel1, kernel2 : (kh, kw) array_like
    operation : {"convolve", "correlate"}
    inner : {"convolve", "correlate"}, optional
        How the two kernels are combined on the right-hand side.
    rtol : float
    backend : {"auto", "cpu", "gpu"}

    Returns
    -------
    Check
        Both sides are ``(H + kh₁ + kh₂ − 2, W + kw₁ + kw₂ − 2)`` (full output,
        zero padding).

    Notes
    -----
    Convolution is associative. For correlation,
    :math:`(I \\star K_1) \\star K_2 = (I * R K_1) * R K_2 = I * R(K_1 * K_2)
    = I \\star (K_1 * K_2)`: the kernels combine by *convolution*. The naive
    :math:`I \\star (K_1 \\star K_2) = I * (R K_1 * K_2)` differs unless
    :math:`K_2` is symmetric under 180° rotation.
    """
    function = _operation(operation)
    inner = operation if inner is None else inner
    combine = _operation(inner, "inner")
    values1 = _check_kernel(kernel1).astype(np.float64)
    values2 = _check_kernel(kernel2).astype(np.float64)
    options = dict(boundary="constant", output="full", backend=backend)
    lhs = function(function(image, values1, **options), values2, **options)
    combined = combine(values1, values2, **options)
    rhs = function(image, combined, **options)
    symbol, inner_symbol = SYMBOLS[operation], SYMBOLS[inner]
    statement = f"(I {symbol} K₁) {symbol} K₂ = I {symbol} (K₁ {inner_symbol} K₂)"
    return compare_arrays(
        "associativity",
        operation,
        statement,
        lhs,
        rhs,
        rtol=rtol,
        note="full output, zero padding",
    )


def check_linearity(
    image,
    kernel,
    operation: str = "convolve",
    *,
    other=None,
    a: float | None = None,
    b: float | None = None,
    seed: int = 0,
    boundary: str = "reflect",
    output: str = "same",
    rtol: float = DEFAULT_RTOL,
    backend="auto",
) -> Check:
    """``(aI + bJ) op K`` against ``a(I op K) + b(J op K)``.

    Parameters
    ----------
    image : (H, W[, C]) array_like
    kernel : (kh, kw) array_like
    operation : {"convolve", "correlate"}
    other : array_like, optional
        ``J``, the same shape as ``image``; uniform random in [0, 1) from
        ``seed`` when omitted.
    a, b : float, optional
        The weights; uniform random in [−2, 2) from ``seed`` when omitted.
    seed : int
    boundary, output : str
        Any boundary rule (``constant`` pads with 0) and output mode.
    rtol : float
    backend : {"auto", "cpu", "gpu"}

    Returns
    -------
    Check
        With ``params = {"a": a, "b": b}``.
    """
    function = _operation(operation)
    values = _check_image(image).astype(np.float64)
    if boundary not in BOUNDARIES:
        raise FiltersError(f"boundary must be one of {', '.join(BOUNDARIES)}; got {boundary!r}.")
    rng = np.random.default_rng(seed)
    drawn_a, drawn_b = rng.uniform(-2.0, 2.0, size=2)
    a = float(drawn_a if a is None else a)
    b = float(drawn_b if b is None else b)
    if not (np.isfinite(a) and np.isfinite(b)):
        raise FiltersError(f"a and b must be finite; got a={a!r}, b={b!r}.")
    if other is None:
        second = rng.random(values.shape)
    else:
        second = _check_image(other).astype(np.float64)
        if second.shape != values.shape:
            raise FiltersError(
                f"other must have the image's shape {values.shape}; got {second.shape}."
            )
    options = dict(boundary=boundary, output=output, cval=0.0, backend=backend)
    lhs = function(a * values + b * second, kernel, **options)
    rhs = a * function(values, kernel, **options) + b * function(second, kernel, **options)
    symbol = SYMBOLS[operation]
    return compare_arrays(
        "linearity",
        operation,
        f"(aI + bJ) {symbol} K = a(I {symbol} K) + b(J {symbol} K)",
        lhs,
        rhs,
        rtol=rtol,
        note=f"{boundary} boundary, {output} output",
        params={"a": a, "b": b},
    )


def _check_shift(shift, shape: tuple[int, ...]) -> tuple[int, int]:
    try:
        dy, dx = shift
    except (TypeError, ValueError):
        raise FiltersError(f"shift must be two integers (dy, dx); got {shift!r}.") from None
    for value in (dy, dx):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise FiltersError(f"shift must be two integers (dy, dx); got {shift!r}.")
    height, width = shape[:2]
    if abs(dy) >= height or abs(dx) >= width:
        raise FiltersError(
            f"shift must be smaller than the image ({height}×{width}) in each direction; "
            f"got {(int(dy), int(dx))}."
        )
    return int(dy), int(dx)


def shift_interior(image_shape, kernel_shape, shift, boundary: str = "reflect") -> np.ndarray:
    """Where filtering a rolled image must equal rolling the filtered image.

    Parameters
    ----------
    image_shape : (H, W[, C]) tuple of int
    kernel_shape : (kh, kw) tuple of int
    shift : (dy, dx) tuple of int
    boundary : str

    Returns
    -------
    interior : (H, W) ndarray of bool
        With ``output="same"`` the window of pixel ``p`` spans rows
        ``p − kh // 2 .. p + (kh − 1) // 2``. Both sides sum the same pixels when
        that window lies inside the image and also does after moving back by
        ``dy``: ``max(0, dy) ≤ p − kh // 2`` and ``p + (kh − 1) // 2 ≤ H − 1 +
        min(0, dy)``; the same for columns. All True for ``boundary="wrap"``.
    """
    height, width = image_shape[:2]
    kh, kw = kernel_shape
    dy, dx = _check_shift(shift, tuple(image_shape))
    if boundary == "wrap":
        return np.ones((height, width), dtype=bool)
    rows = np.arange(height)
    cols = np.arange(width)
    row_ok = (rows - kh // 2 >= max(0, dy)) & (rows + (kh - 1) // 2 <= height - 1 + min(0, dy))
    col_ok = (cols - kw // 2 >= max(0, dx)) & (cols + (kw - 1) // 2 <= width - 1 + min(0, dx))
    return row_ok[:, None] & col_ok[None, :]


def check_shift_equivariance(
    image,
    kernel,
    operation: str = "convolve",
    *,
    shift=(7, -11),
    boundary: str = "wrap",
    rtol: float = DEFAULT_RTOL,
    backend="auto",
) -> ShiftCheck:
    """Filter a rolled image, or roll the filtered image.

    Parameters
    ----------
    image : (H, W[, C]) array_like
    kernel : (kh, kw) array_like
    operation : {"convolve", "correlate"}
    shift : (dy, dx) tuple of int
        ``numpy.roll`` offsets, smaller than the image.
    boundary : str
        ``wrap`` makes the identity exact everywhere; other rules break it near
        the borders, where the rolled image's seam and the boundary rule meet.
    rtol : float
    backend : {"auto", "cpu", "gpu"}

    Returns
    -------
    ShiftCheck
        ``op(roll(I, s)) = roll(op(I), s)`` over the whole image and over the
        interior (see :func:`shift_interior`), with ``output="same"``.
    """
    function = _operation(operation)
    values = _check_image(image).astype(np.float64)
    kernel_values = _check_kernel(kernel)
    dy, dx = _check_shift(shift, values.shape)
    options = dict(boundary=boundary, output="same", backend=backend)
    lhs = function(np.roll(values, (dy, dx), axis=(0, 1)), kernel_values, **options)
    rhs = np.roll(function(values, kernel_values, **options), (dy, dx), axis=(0, 1))
    symbol = SYMBOLS[operation]
    check = compare_arrays(
        "shift equivariance",
        operation,
        f"roll(I, s) {symbol} K = roll(I {symbol} K, s)",
        lhs,
        rhs,
        rtol=rtol,
        note=f"{boundary} boundary, same output, s = ({dy}, {dx})",
        params={"dy": float(dy), "dx": float(dx)},
    )
    interior = shift_interior(values.shape, kernel_values.shape, (dy, dx), boundary)
    error = np.abs(check.difference)
    if error.ndim == 3:
        error = error.max(axis=2)
    scale = float(np.max(np.abs(lhs)))
    inside = float(error[interior].max()) if interior.any() else 0.0
    inside_relative = _relative(inside, scale)
    failing = error > check.tolerance * scale
    if failing.any():
        height, width = error.shape
        rows, cols = np.nonzero(failing)
        distance = np.minimum.reduce([rows, height - 1 - rows, cols, width - 1 - cols])
        band = int(distance.max()) + 1
    else:
        band = 0
    return ShiftCheck(
        check,
        interior,
        inside_relative,
        inside_relative <= check.tolerance,
        band,
        boundary,
        (dy, dx),
    )


# ----------------------------------------------------------------------------
# Impulse response
# ----------------------------------------------------------------------------


def letter_f_kernel() -> np.ndarray:
    """A 9×7 kernel shaped like the letter F: no symmetry at all.

    Returns
    -------
    kernel : (9, 7) ndarray of float64
        The glyph of :func:`filters.samples.letter_f` cropped to its bounding box
        (1 inside the letter, 0 elsewhere).
    """
    glyph = letter_f(15)
    rows = np.flatnonzero(glyph.any(axis=1))
    cols = np.flatnonzero(glyph.any(axis=0))
    return glyph[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].copy()


def impulse_response(kernel, size: int = 41, operation: str = "convolve") -> ImpulseResponse:
    """Filter a single bright pixel and compare the result with the kernel.

    Parameters
    ----------
    kernel : (kh, kw) array_like
    size : int
        Side of the square impulse image; at least ``max(kh, kw) + 2`` and at
        most 1025.
    operation : {"convolve", "correlate"}

    Returns
    -------
    ImpulseResponse

    Notes
    -----
    With :math:`\\delta` the impulse at :math:`c`, :math:`(\\delta * K)[c + u] =
    K[u]`: every other term of the sum is a zero pixel. The direct 2-D sum is
    used (``filter2d(method="direct")``), so no factorisation or transform
    rounds the values and the equality is exact. Correlation gives
    :math:`\\delta \\star K = \\delta * R(K)`, the kernel rotated by 180°.
    """
    _operation(operation)
    values = _check_kernel(kernel).astype(np.float64)
    kh, kw = values.shape
    if isinstance(size, bool) or not isinstance(size, numbers.Integral):
        raise FiltersError(f"size must be an integer; got {size!r}.")
    if not max(kh, kw) + 2 <= size <= MAX_IMPULSE_SIZE:
        raise FiltersError(
            f"size must be from {max(kh, kw) + 2} (the kernel is {kh}×{kw}) to "
            f"{MAX_IMPULSE_SIZE}; got {size}."
        )
    size = int(size)
    centre = size // 2
    image = np.zeros((size, size))
    image[centre, centre] = 1.0
    response = filter2d(
        image,
        values,
        operation=operation,
        method="direct",
        boundary="constant",
        output="same",
        backend="cpu",
    )
    top, left = centre - (kh - 1) // 2, centre - (kw - 1) // 2
    crop = response[top : top + kh, left : left + kw].copy()
    expected = values if operation == "convolve" else _rotate(values).copy()
    rest = response.copy()
    rest[top : top + kh, left : left + kw] = 0.0
    outside_max = float(np.max(np.abs(rest)))
    return ImpulseResponse(
        operation,
        image,
        response,
        crop,
        expected,
        top,
        left,
        float(np.max(np.abs(crop - expected))),
        bool(np.array_equal(crop, expected) and outside_max == 0.0),
        outside_max,
    )


# ----------------------------------------------------------------------------
# Everything at once
# ----------------------------------------------------------------------------


def run_all(
    image,
    kernel1,
    kernel2,
    *,
    shift=(7, -11),
    seed: int = 0,
    rtol: float = DEFAULT_RTOL,
    backend="auto",
) -> list[Check]:
    """Every identity for both operations, in the order a summary shows them.

    Parameters
    ----------
    image : (H, W) array_like
    kernel1, kernel2 : (kh, kw) array_like
        ``K`` (and ``K₁``) and ``K₂``.
    shift : (dy, dx)
        For shift equivariance (``wrap`` boundary).
    seed : int
        For linearity's ``a``, ``b`` and ``J``.
    rtol : float
    backend : {"auto", "cpu", "gpu"}

    Returns
    -------
    list of Check
        Commutativity (∗; ⋆; ⋆ against the rotation), associativity (∗; ⋆ with
        ⋆ inside; ⋆ with ∗ inside), linearity (∗; ⋆), shift equivariance with
        wrap (∗; ⋆): ten checks.
    """
    options = dict(rtol=rtol, backend=backend)
    rtol = _check_rtol(rtol)
    # The swapped side, with the image as the kernel, is the costly one: compute
    # the correlation's once for both of its rows.
    correlated, swapped = _swapped_sides(image, kernel1, "correlate", backend)
    checks = [
        check_commutativity(image, kernel1, "convolve", **options),
        _commutativity(correlated, swapped, "correlate", False, rtol),
        _commutativity(correlated, swapped, "correlate", True, rtol),
        check_associativity(image, kernel1, kernel2, "convolve", **options),
        check_associativity(image, kernel1, kernel2, "correlate", **options),
        check_associativity(image, kernel1, kernel2, "correlate", inner="convolve", **options),
    ]
    for operation in OPERATIONS:
        checks.append(check_linearity(image, kernel1, operation, seed=seed, **options))
    for operation in OPERATIONS:
        shifted = check_shift_equivariance(
            image, kernel1, operation, shift=shift, boundary="wrap", **options
        )
        checks.append(shifted.check)
    return checks
