"""Convolution in one dimension, where the flip is easiest to see.

A finite sequence ``x[k]`` (``k = 0 … N-1``) convolved with ``h[m]``
(``m = 0 … M-1``) gives ``N + M - 1`` samples

.. math:: y[n] = \\sum_k x[k] \\, h[n - k],

and the cross-correlation slides ``h`` without turning it round. Both are the
package's 2-D routines (:func:`filters.convolve`, :func:`filters.correlate`)
applied to ``1 × N`` arrays with zero padding, so the 1-D page shows exactly the
arithmetic of the image pages. :func:`sliding` takes every output sample apart:
the kernel as placed under the input at shift ``n``, the products and their sum.

Four classic examples are built here, each returning the sequences it convolves
with their labels: a moving average (:func:`moving_average`), the sum of dice
(:func:`dice_sums`), polynomial multiplication (:func:`polynomial_product`) and
the same product through the FFT (:func:`fft_product`).

Differences from :func:`numpy.convolve`: ``full`` agrees; ``same`` agrees when
``h`` is no longer than ``x`` (both keep ``full[(M - 1) // 2 :][:N]``), while for
a longer ``h`` NumPy returns ``M`` samples and this module ``N`` (the length of
``x``, as for images); ``valid`` with ``h`` longer than ``x`` is an error here,
where NumPy swaps the two sequences.

>>> convolve1d([1.0, 2.0], [3.0, 1.0, 1.0]).tolist()
[3.0, 7.0, 3.0, 2.0]
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import scipy.fft

from ._core import OUTPUTS, convolve, correlate
from ._errors import FiltersError

__all__ = [
    "MAX_DICE",
    "MAX_LENGTH",
    "MAX_WEIGHT",
    "OPERATIONS",
    "DiceSums",
    "FftProduct",
    "MovingAverage",
    "PolynomialProduct",
    "Sequence",
    "Sliding",
    "check_sequence",
    "convolve1d",
    "correlate1d",
    "dice_sums",
    "fft_product",
    "moving_average",
    "output_length",
    "parse_coefficients",
    "polynomial_product",
    "polynomial_text",
    "random_polynomial",
    "sliding",
]

#: Longest sequence these functions take (the animation has a frame per output sample).
MAX_LENGTH = 512
#: Most dice :func:`dice_sums` adds, and the largest weight of a loaded face:
#: the counts stay exact in 64-bit integers (``(6 · 9) ** 10 < 2 ** 63``).
MAX_DICE = 10
MAX_WEIGHT = 9
OPERATIONS = ("convolve", "correlate")
#: Longest coefficient text :func:`parse_coefficients` reads.
MAX_TEXT = 2000


# ----------------------------------------------------------------------------
# Sequences and the two operations
# ----------------------------------------------------------------------------


def check_sequence(values, name: str = "x", *, max_length: int = MAX_LENGTH) -> np.ndarray:
    """A finite, real, non-empty 1-D sequence as float64, or a :class:`FiltersError`.

    Parameters
    ----------
    values : (N,) array_like
        The samples.
    name : str
        How error messages name the sequence.
    max_length : int
        The most samples allowed.

    Returns
    -------
    (N,) ndarray
        A float64 copy.
    """
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise FiltersError(f"{name} could not be read as a sequence of numbers ({exc}).") from None
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise FiltersError(f"{name} must hold real numbers; got dtype {array.dtype}.")
    if array.ndim != 1:
        raise FiltersError(f"{name} must be 1-D; got {array.ndim}-D with shape {array.shape}.")
    if array.size == 0:
        raise FiltersError(f"{name} is empty: give at least one number.")
    if array.size > max_length:
        raise FiltersError(f"{name} has {array.size} samples; at most {max_length} are allowed.")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise FiltersError(f"{name} contains NaN or infinite values.")
    return array


def output_length(n: int, m: int, output: str = "full") -> int:
    """Samples in the ``output`` of an ``n``-sample sequence filtered by an ``m``-sample one."""
    return {"full": n + m - 1, "same": n, "valid": n - m + 1}[output]


def _filter1d(x, h, output: str, convolution: bool) -> np.ndarray:
    x, h = check_sequence(x, "x"), check_sequence(h, "h")
    if output not in OUTPUTS:
        raise FiltersError(f"output must be one of {', '.join(OUTPUTS)}; got {output!r}.")
    if output == "valid" and h.size > x.size:
        raise FiltersError(
            f"output='valid' needs h no longer than x; h has {h.size} samples and x "
            f"{x.size}. Use output='full' or 'same'."
        )
    route = convolve if convolution else correlate
    result = route(x[None, :], h[None, :], boundary="constant", output=output, backend="cpu")
    return result[0]


def convolve1d(x, h, output: str = "full") -> np.ndarray:
    """Convolve two finite sequences, zero outside them.

    Parameters
    ----------
    x : (N,) array_like
        The input.
    h : (M,) array_like
        The kernel.
    output : {"full", "same", "valid"}
        ``full`` has ``N + M - 1`` samples, ``same`` ``N`` (centred like
        :func:`numpy.convolve` when ``M <= N``), ``valid`` ``N - M + 1``.

    Returns
    -------
    y : ndarray
        ``y[n] = Σ_k x[k] h[n - k]`` for the kept ``n``.

    Notes
    -----
    Computed by :func:`filters.convolve` on ``1 × N`` arrays with
    ``boundary="constant"`` and ``cval=0``.
    """
    return _filter1d(x, h, output, True)


def correlate1d(x, h, output: str = "full") -> np.ndarray:
    """Cross-correlate two finite sequences: :func:`convolve1d` with ``h`` reversed.

    ``full`` equals ``numpy.correlate(x, h, "full")``:
    ``c[n] = Σ_k x[k] h[k - n + M - 1]``.
    """
    return _filter1d(x, h, output, False)


# ----------------------------------------------------------------------------
# Every shift taken apart
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sequence:
    """A finite sequence and where its first sample sits.

    Attributes
    ----------
    values : (N,) ndarray
        The samples.
    start : int
        The index of ``values[0]`` (a die's faces start at 1, a polynomial's powers at 0).
    name : str
        A short label, such as ``"input x[k]"``.
    """

    values: np.ndarray
    start: int = 0
    name: str = "x"

    @property
    def index(self) -> np.ndarray:
        """The index of every sample: ``start, start + 1, …``."""
        return np.arange(self.start, self.start + self.values.size)


@dataclass(frozen=True)
class Sliding:
    """Every output sample of a full convolution or correlation, taken apart.

    For output sample ``i`` (``i = 0 … N + M - 2``) the kernel lies under the
    input samples ``k = i - M + 1 … i`` (positions counted from ``x[0]``):
    reversed for convolution (``h[i - k]``), as given for correlation.

    Attributes
    ----------
    operation : {"convolve", "correlate"}
    x, h : Sequence
        The input and the kernel.
    index : (L,) ndarray of int
        The index of each output sample: the index of the input sample under the
        kernel's last tap, ``x.start + h.start + i`` (for convolution the ``n`` of
        ``y[n] = Σ_k x[k] h[n - k]``).
    positions : (L, M) ndarray of int
        The input index under each tap of the placed kernel at each shift.
    placed : (L, M) ndarray
        The kernel's values at those positions (the same row every shift).
    taps : (M,) ndarray of int
        Which sample of ``h`` each placed value is (``M-1 … 0`` for convolution).
    overlap : (L, M) ndarray of bool
        Where the placed kernel lies over a sample of ``x``.
    products : (L, M) ndarray
        ``x[k] · placed``; zero off the overlap (x is zero there).
    sums : (L,) ndarray
        ``products.sum(axis=1)``.
    output : (L,) ndarray
        The full result from :func:`convolve1d` or :func:`correlate1d`; equal to
        ``sums`` up to rounding.
    """

    operation: str
    x: Sequence
    h: Sequence
    index: np.ndarray
    positions: np.ndarray
    placed: np.ndarray
    taps: np.ndarray
    overlap: np.ndarray
    products: np.ndarray
    sums: np.ndarray
    output: np.ndarray

    def __len__(self) -> int:
        return self.output.size


def sliding(x: Sequence, h: Sequence, operation: str = "convolve") -> Sliding:
    """The picture of every shift of a full 1-D convolution or correlation.

    Parameters
    ----------
    x, h : Sequence
        The input and the kernel (at most :data:`MAX_LENGTH` samples each).
    operation : {"convolve", "correlate"}
        Convolution turns ``h`` round before sliding it; correlation does not.

    Returns
    -------
    Sliding
        Positions, placed values, products and sums for each of the ``N + M - 1``
        shifts, and the output they add up to.

    Examples
    --------
    >>> step = sliding(Sequence(np.array([1.0, 2.0])), Sequence(np.array([3.0, 1.0])))
    >>> step.placed[0].tolist(), step.sums.tolist()
    ([1.0, 3.0], [3.0, 7.0, 2.0])
    """
    if operation not in OPERATIONS:
        raise FiltersError(f"operation must be one of {', '.join(OPERATIONS)}; got {operation!r}.")
    xs, hs = check_sequence(x.values, "x"), check_sequence(h.values, "h")
    n, m = xs.size, hs.size
    length = n + m - 1
    shift = np.arange(length)
    relative = shift[:, None] - m + 1 + np.arange(m)[None, :]  # positions from x[0]
    taps = np.arange(m)[::-1] if operation == "convolve" else np.arange(m)
    placed = np.broadcast_to(hs[taps], (length, m)).copy()
    overlap = (relative >= 0) & (relative < n)
    under = np.where(overlap, xs[np.clip(relative, 0, n - 1)], 0.0)
    products = under * placed
    output = convolve1d(xs, hs) if operation == "convolve" else correlate1d(xs, hs)
    return Sliding(
        operation=operation,
        x=Sequence(xs, x.start, x.name),
        h=Sequence(hs, h.start, h.name),
        index=shift + x.start + h.start,
        positions=relative + x.start,
        placed=placed,
        taps=taps,
        overlap=overlap,
        products=products,
        sums=products.sum(axis=1),
        output=output,
    )


# ----------------------------------------------------------------------------
# Example 1: a moving average
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MovingAverage:
    """A noisy signal smoothed by a box of ``window`` samples of ``1 / window``.

    Attributes
    ----------
    signal : Sequence
        The noisy signal ``x[k]``.
    clean : (N,) ndarray
        The signal before the noise was added.
    kernel : Sequence
        The box ``h[m] = 1 / window``.
    smoothed : (N,) ndarray
        ``convolve1d(signal, kernel, "same")``: each sample the mean of the
        ``window`` samples around it (zeros past the ends).
    noise_rms, smoothed_rms : float
        Root mean square difference from ``clean`` before and after smoothing,
        over the samples whose window lies inside the signal.
    """

    signal: Sequence
    clean: np.ndarray
    kernel: Sequence
    smoothed: np.ndarray
    noise_rms: float
    smoothed_rms: float


def moving_average(
    window: int = 5, *, length: int = 60, noise: float = 0.35, seed: int = 0
) -> MovingAverage:
    """A slow sine plus seeded Gaussian noise, and its moving average.

    Parameters
    ----------
    window : int
        The box's length, 1 … ``length``.
    length : int
        Samples of the signal, 2 … :data:`MAX_LENGTH`.
    noise : float
        Standard deviation of the noise (the sine's amplitude is 1).
    seed : int
        Seed of the noise, so the same arguments give the same signal.

    Returns
    -------
    MovingAverage
    """
    length = _whole(length, "length", 2, MAX_LENGTH)
    window = _whole(window, "window", 1, length)
    if not (isinstance(noise, numbers.Real) and math.isfinite(noise) and noise >= 0):
        raise FiltersError(f"noise must be a finite number ≥ 0; got {noise!r}.")
    k = np.arange(length)
    clean = np.sin(2 * np.pi * k / min(length, 40))
    noisy = clean + float(noise) * np.random.default_rng(seed).standard_normal(length)
    box = np.full(window, 1.0 / window)
    smoothed = convolve1d(noisy, box, "same")
    start = (window - 1) // 2  # the samples whose window lies inside the signal
    inside = slice(start, length - (window - 1 - start))
    return MovingAverage(
        signal=Sequence(noisy, 0, "input x[k]"),
        clean=clean,
        kernel=Sequence(box, 0, f"box h[m] = 1/{window}"),
        smoothed=smoothed,
        noise_rms=_rms(noisy[inside] - clean[inside]),
        smoothed_rms=_rms(smoothed[inside] - clean[inside]),
    )


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(values**2))) if values.size else 0.0


def _whole(value, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise FiltersError(f"{name} must be a whole number; got {value!r}.")
    if not low <= value <= high:
        raise FiltersError(f"{name} must be between {low} and {high}; got {value}.")
    return int(value)


# ----------------------------------------------------------------------------
# Example 2: the sum of dice
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DiceSums:
    """The distribution of the sum of ``count`` dice.

    Attributes
    ----------
    count : int
        How many dice.
    weights : (F,) ndarray of int
        The relative weight of each face (all 1 for fair dice).
    totals : (L,) ndarray of int
        The possible sums, ``count … count · F``.
    counts : (L,) ndarray of int
        Weighted ways to throw each sum: the exact convolution power of ``weights``.
    denominator : int
        ``weights.sum() ** count``: ``counts / denominator`` is the probability.
    probabilities : (L,) ndarray
        The same distribution in floating point, through :func:`convolve1d` of the
        one-die probabilities.
    float_error : float
        ``max |probabilities - counts / denominator|``: the rounding of the float route.
    previous : Sequence
        The distribution of ``count - 1`` dice (for one die, a certain sum of 0):
        the ``x`` of the last convolution.
    die : Sequence
        One die's probabilities: the ``h`` of the last convolution.
    """

    count: int
    weights: np.ndarray
    totals: np.ndarray
    counts: np.ndarray
    denominator: int
    probabilities: np.ndarray
    float_error: float
    previous: Sequence
    die: Sequence

    def fraction(self, i: int) -> Fraction:
        """The exact probability of ``totals[i]``, reduced (``6/36`` becomes ``1/6``)."""
        return Fraction(int(self.counts[i]), self.denominator)

    @property
    def mean(self) -> float:
        """The expected sum, ``Σ total · probability``."""
        return float(np.dot(self.totals, self.counts) / self.denominator)


def dice_sums(count: int = 2, weights=None, *, faces: int = 6) -> DiceSums:
    """The distribution of the sum of ``count`` dice, fair or loaded, exact and in float.

    Parameters
    ----------
    count : int
        How many dice, 1 … :data:`MAX_DICE`.
    weights : sequence of int, optional
        Relative weights of the faces ``1 … faces`` (0 … :data:`MAX_WEIGHT`, not all
        0); all 1 (fair) by default. ``[1, 1, 1, 1, 1, 3]`` makes a six three times
        as likely as each other face.
    faces : int
        Faces of a die when ``weights`` is not given, 2 … 20.

    Returns
    -------
    DiceSums

    Notes
    -----
    The probability of a sum ``s`` of two dice is ``Σ_k p[k] p[s - k]``: every way
    to split ``s`` between the dice. That is a convolution; ``count`` dice take
    ``count - 1`` of them.

    Examples
    --------
    >>> two = dice_sums(2)
    >>> str(two.fraction(5)), int(two.totals[5]), int(two.counts[5]), two.denominator
    ('1/6', 7, 6, 36)
    """
    count = _whole(count, "count", 1, MAX_DICE)
    if weights is None:
        weights = np.ones(_whole(faces, "faces", 2, 20), dtype=np.int64)
    else:
        weights = check_sequence(weights, "weights", max_length=20)
        if weights.size < 2:
            raise FiltersError("weights needs at least two faces.")
        if (weights != np.round(weights)).any() or (weights < 0).any():
            raise FiltersError("weights must be whole numbers ≥ 0.")
        if (weights > MAX_WEIGHT).any() or not weights.any():
            raise FiltersError(f"weights must lie between 0 and {MAX_WEIGHT}, and not all be 0.")
        weights = weights.astype(np.int64)
    die = weights / weights.sum()
    counts = np.ones(1, dtype=np.int64)
    probabilities = np.ones(1)
    previous = probabilities
    for _ in range(count):
        previous = probabilities
        counts = np.convolve(counts, weights)  # integers: exact
        probabilities = convolve1d(probabilities, die)
    denominator = int(weights.sum()) ** count
    exact = np.array([float(Fraction(int(c), denominator)) for c in counts])
    return DiceSums(
        count=count,
        weights=weights,
        totals=np.arange(count, count + counts.size),
        counts=counts,
        denominator=denominator,
        probabilities=probabilities,
        float_error=float(np.max(np.abs(probabilities - exact))),
        previous=Sequence(previous, count - 1, _dice_label(count - 1)),
        die=Sequence(die, 1, "one die: P(face = m)"),
    )


def _dice_label(count: int) -> str:
    if count == 0:
        return "no dice: the sum is 0"
    return f"{count} {'die' if count == 1 else 'dice'}: P(sum = k)"


# ----------------------------------------------------------------------------
# Examples 3 and 4: polynomial multiplication, directly and through the FFT
# ----------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s,;]+")


def parse_coefficients(text: str, name: str = "coefficients", *, max_length: int = 32):
    """Read polynomial coefficients, lowest power first, from text.

    Parameters
    ----------
    text : str
        Numbers separated by spaces, commas or semicolons, optionally in brackets:
        ``"1, 2"`` is ``1 + 2x``.
    name : str
        How error messages name the polynomial.
    max_length : int
        The most coefficients allowed.

    Returns
    -------
    (N,) ndarray
        float64 coefficients ``a[0], a[1], …`` of ``a[0] + a[1] x + …``.

    Raises
    ------
    FiltersError
        Empty text, a token that is not a number (quoted, with its position),
        NaN or infinity, or too many coefficients.
    """
    if not isinstance(text, str):
        raise FiltersError(f"{name} must be text; got {type(text).__name__}.")
    if len(text) > MAX_TEXT:
        raise FiltersError(f"{name}: the text is {len(text)} characters; at most {MAX_TEXT}.")
    body = text.strip()
    if body[:1] in "([" and body[-1:] in ")]":
        body = body[1:-1]
    tokens = [token for token in _SEPARATORS.split(body) if token]
    if not tokens:
        raise FiltersError(f"{name}: no numbers found. Type them like 1, 2 for 1 + 2x.")
    if len(tokens) > max_length:
        raise FiltersError(f"{name}: {len(tokens)} coefficients; at most {max_length}.")
    values = []
    for place, token in enumerate(tokens, start=1):
        try:
            value = float(token)
        except ValueError:
            shown = token if len(token) <= 20 else token[:20] + "…"
            raise FiltersError(
                f"{name}: {shown!r} (number {place}) is not a number. "
                "Type numbers separated by commas, like 1, 2 for 1 + 2x."
            ) from None
        if not math.isfinite(value):
            raise FiltersError(f"{name}: number {place} is {token!r}; use finite numbers.")
        values.append(value)
    return np.array(values)


def random_polynomial(degree: int, *, seed: int = 0) -> np.ndarray:
    """Whole coefficients from −9 to 9 (the highest one not 0), seeded.

    With whole coefficients the direct product is exact, so any difference of the
    FFT route from it is the FFT's rounding.
    """
    degree = _whole(degree, "degree", 0, MAX_LENGTH - 1)
    values = np.random.default_rng(seed).integers(-9, 10, degree + 1).astype(np.float64)
    if values[-1] == 0:
        values[-1] = 1.0
    return values


def _number_text(value: float, latex: bool) -> str:
    """A coefficient's size: whole numbers without a point, others to 6 digits."""
    if value == int(value) and value < 1e15:
        return str(int(value))
    text = f"{value:.6g}"
    if latex and "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def polynomial_text(coefficients, variable: str = "x", *, latex: bool = False) -> str:
    """Write ``a[0] + a[1] x + a[2] x² + …`` with its non-zero terms.

    >>> polynomial_text([3.0, -1.0, 0.0, 2.0])
    '3 − x + 2x³'
    >>> polynomial_text([3.0, -1.0, 0.0, 2.0], latex=True)
    '3 - x + 2x^{3}'
    """
    superscripts = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    minus = "-" if latex else "−"
    text = ""
    for power, value in enumerate(np.asarray(coefficients, dtype=np.float64)):
        if value == 0:
            continue
        size = _number_text(abs(float(value)), latex)
        base = ""
        if power > 0:
            base = variable
        if power > 1:
            base += f"^{{{power}}}" if latex else str(power).translate(superscripts)
        term = base if base and size == "1" else size + base
        if not text:
            text = (minus if value < 0 else "") + term
        else:
            text += f" {minus if value < 0 else '+'} {term}"
    return text or "0"


@dataclass(frozen=True)
class FftProduct:
    """A full convolution through the FFT, and how far it is from the direct one.

    Attributes
    ----------
    values : (N + M - 1,) ndarray
        ``irfft(rfft(x, L) · rfft(h, L))[:N + M - 1]``.
    direct : (N + M - 1,) ndarray
        :func:`convolve1d` of the same sequences.
    fft_length : int
        ``L``: the fast transform length used, at least ``N + M - 1`` so the
        circular convolution does not wrap round.
    max_error : float
        ``max |values - direct|``.
    relative_error : float
        ``max_error / (max|x| · Σ|h|)``: the error relative to the largest size a
        sample of the result can have.
    """

    values: np.ndarray
    direct: np.ndarray
    fft_length: int
    max_error: float
    relative_error: float


def fft_product(x, h) -> FftProduct:
    """Convolve two sequences as a pointwise product of their spectra.

    Parameters
    ----------
    x, h : array_like
        Finite 1-D sequences of at most :data:`MAX_LENGTH` samples.

    Returns
    -------
    FftProduct

    Notes
    -----
    Zero-padding both to ``L >= N + M - 1`` makes the circular convolution of
    the transforms equal the linear one:
    :math:`y = \\mathcal{F}^{-1}\\{\\mathcal{F}\\{x\\} \\cdot \\mathcal{F}\\{h\\}\\}`.
    """
    x, h = check_sequence(x, "x"), check_sequence(h, "h")
    full = x.size + h.size - 1
    length = scipy.fft.next_fast_len(full, real=True)
    spectrum = scipy.fft.rfft(x, length) * scipy.fft.rfft(h, length)
    values = scipy.fft.irfft(spectrum, length)[:full]
    direct = convolve1d(x, h)
    error = float(np.max(np.abs(values - direct)))
    scale = float(np.max(np.abs(x)) * np.sum(np.abs(h)))
    return FftProduct(
        values=values,
        direct=direct,
        fft_length=int(length),
        max_error=error,
        relative_error=error / scale if scale > 0 else 0.0,
    )


@dataclass(frozen=True)
class PolynomialProduct:
    """``a(x) · b(x)`` as the convolution of the coefficient lists.

    Attributes
    ----------
    a, b : Sequence
        The coefficients, lowest power first (``start`` 0: index = power).
    product : (N + M - 1,) ndarray
        :func:`convolve1d` of the coefficients: the product's coefficients.
    reference : (N + M - 1,) ndarray
        :func:`numpy.polynomial.polynomial.polymul` of the same coefficients.
    reference_error : float
        ``max |product - reference|``.
    fft : FftProduct
        The same product through the FFT.
    """

    a: Sequence
    b: Sequence
    product: np.ndarray
    reference: np.ndarray
    reference_error: float
    fft: FftProduct


def polynomial_product(a, b) -> PolynomialProduct:
    """Multiply two polynomials by convolving their coefficients.

    Parameters
    ----------
    a, b : array_like
        Coefficients, lowest power first: ``[1, 2]`` is ``1 + 2x``.

    Returns
    -------
    PolynomialProduct

    Notes
    -----
    The coefficient of ``x^n`` in ``a(x) b(x)`` collects every pair of powers
    adding up to ``n``: ``c[n] = Σ_k a[k] b[n - k]``.

    Examples
    --------
    >>> polynomial_product([1.0, 2.0], [3.0, 1.0, 1.0]).product.tolist()
    [3.0, 7.0, 3.0, 2.0]
    """
    a, b = check_sequence(a, "a"), check_sequence(b, "b")
    product = convolve1d(a, b)
    # polymul drops trailing zeros of its result; pad it back to the full length.
    reference = np.zeros_like(product)
    trimmed = np.polynomial.polynomial.polymul(a, b)
    reference[: trimmed.size] = trimmed[: product.size]
    return PolynomialProduct(
        a=Sequence(a, 0, "a: coefficient of xᵏ"),
        b=Sequence(b, 0, "b: coefficient of xᵐ"),
        product=product,
        reference=reference,
        reference_error=float(np.max(np.abs(product - reference))),
        fft=fft_product(a, b),
    )
