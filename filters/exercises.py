"""Predict, then reveal: exercises on convolution, correlation and CNN layer sizes.

Each question is made from a seed, so that the same seed gives the same question
(a teacher can say "everyone, question 12"). Its answer is *computed* here with the
package's own functions, never written down, and each question can check an answer
and explain the truth in one or two sentences with the computed numbers.

Four kinds of question (:data:`KINDS`):

``"equal"`` (:func:`equality_question`)
    Will convolution and correlation with this kernel give equal results?
    They do exactly when ``K == rot180(K)``, since ``conv(I, K) = corr(I, rot180(K))``.
``"which"`` (:func:`which_question`)
    Two results of filtering a small impulse image, labelled A and B in a seeded
    order: which one is the convolution? Convolving an impulse draws the kernel as
    it is; correlating it draws the kernel rotated by 180°.
``"where"`` (:func:`where_question`)
    In which ninth of the image (a 3×3 grid of regions) is ``|conv − corr|``
    largest? The difference is ``2 · conv(I, A)`` with ``A`` the kernel's
    antisymmetric part: it is large at edges and texture that ``A`` responds to.
``"size"`` (:func:`output_size_question`)
    The output height and width of a CNN convolution (or transposed convolution)
    layer, from :func:`filters.cnn.conv2d_output_size` and
    :func:`filters.cnn.conv_transpose2d_output_size`.

Nothing here imports a user interface: the application's pages draw the questions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _core, cnn, images, kernels, samples
from ._errors import FiltersError

__all__ = [
    "EQUAL_RTOL",
    "KERNEL_SOURCES",
    "KINDS",
    "REGIONS",
    "TIE_RTOL",
    "EqualityQuestion",
    "OutputSizeQuestion",
    "WhereQuestion",
    "WhichQuestion",
    "equality_question",
    "make",
    "output_size_question",
    "pick_kind",
    "region_bounds",
    "small_grey",
    "where_question",
    "which_question",
]

KINDS = ("equal", "which", "where", "size")
"""The kinds of question, in the order a page lists them."""

KERNEL_SOURCES = ("any", "symmetric", "point", "asymmetric", "even", "current")
"""Where the kernel of an ``"equal"`` question comes from.

``"symmetric"``: mirror-symmetric left–right and up–down (so also under 180°);
``"point"``: symmetric under a 180° rotation only; ``"asymmetric"``: not symmetric
under 180° (sometimes mirror-symmetric left–right, a trap); ``"even"``: an even
side, symmetric under 180° or not; ``"current"``: a kernel given by the caller;
``"any"``: one of the four random ones, chosen by the seed.
"""

REGIONS = (
    "top-left",
    "top",
    "top-right",
    "left",
    "centre",
    "right",
    "bottom-left",
    "bottom",
    "bottom-right",
)
"""The nine regions of a ``"where"`` question, row by row."""

EQUAL_RTOL = 1e-12
"""Results count as equal when ``max|conv − corr| ≤ EQUAL_RTOL · max|I| · Σ|K|``."""

TIE_RTOL = 1e-9
"""Regions whose largest ``|conv − corr|`` is within this fraction of the largest tie."""

#: Long side of the images the questions filter (the current image is shrunk to it).
EQUAL_SIDE = 32
WHERE_SIDE = 96
#: Side of the impulse image of a ``"which"`` question, for a 3×3 kernel.
IMPULSE_SIDE = 7
#: Pictures a ``"where"`` question picks from when it is given no image.
#: (Photographs: the patterns' straight edges and symmetries tie between many regions.)
WHERE_SAMPLES = ("grace_hopper", "astronaut", "camera", "chelsea")
#: Kernels a ``"where"`` question picks from when it is given none (names of presets).
WHERE_KERNELS = ("sobel_x", "sobel_y", "emboss", "shift", "random")
#: Filtering options of every question (the package's defaults, except where noted).
BOUNDARY = "reflect"
IMPULSE_BOUNDARY = "constant"


def _rng(seed: int, salt: int) -> np.random.Generator:
    """A generator for one kind of question: equal seeds of two kinds stay unrelated."""
    return np.random.default_rng([_checked_seed(seed), salt])


def _checked_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise FiltersError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def pick_kind(seed: int) -> str:
    """The kind of question a "mixed" round asks for ``seed``."""
    return KINDS[int(_rng(seed, 0).integers(len(KINDS)))]


def small_grey(image: object, long_side: int) -> np.ndarray:
    """An image made small for a question: grey (luma) and at most ``long_side`` pixels."""
    return images.resize_long_side(images.to_grey(image), long_side)


def _fmt(value: float) -> str:
    """A number for a sentence: 4 significant digits, 0 for exact zeros."""
    return "0" if value == 0 else f"{value:.4g}"


def _size(shape: tuple[int, ...]) -> str:
    return f"{shape[0]}×{shape[1]}"


def _random_integers(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Small integer weights, not all zero: easy to read on a projector."""
    while True:
        values = rng.integers(-3, 5, size=shape).astype(np.float64)
        if np.any(values):
            return values


def _symmetric_kernel(rng: np.random.Generator, side: int) -> np.ndarray:
    """Mirror-symmetric left–right and up–down: a quarter, reflected."""
    half = (side + 1) // 2
    quarter = _random_integers(rng, (half, half))
    index = np.minimum(np.arange(side), side - 1 - np.arange(side))
    return quarter[np.ix_(index, index)]


def _point_symmetric_kernel(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """Symmetric under a 180° rotation and, with luck, under nothing else."""
    for _ in range(100):
        values = _random_integers(rng, (rows, cols))
        flat = values.ravel()
        flat[flat.size - (flat.size // 2) :] = flat[: flat.size // 2][::-1]
        kernel = flat.reshape(rows, cols)
        mirrored = np.array_equal(kernel, kernel[:, ::-1]) or np.array_equal(kernel, kernel[::-1])
        if not mirrored:
            return kernel
    return kernel


def _asymmetric_kernel(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """Not symmetric under 180°; half the time mirror-symmetric left–right (a trap)."""
    mirror = bool(rng.integers(2)) and cols > 1
    while True:
        kernel = _random_integers(rng, (rows, cols))
        if mirror:
            kernel = np.concatenate(
                [kernel[:, : (cols + 1) // 2], kernel[:, : cols // 2][:, ::-1]], 1
            )
        if not np.array_equal(kernel, kernel[::-1, ::-1]):
            return kernel


def _random_kernel(rng: np.random.Generator, source: str) -> np.ndarray:
    if source == "symmetric":
        return _symmetric_kernel(rng, int(rng.choice([3, 3, 5])))
    if source == "point":
        side = int(rng.choice([3, 3, 5]))
        return _point_symmetric_kernel(rng, side, side)
    if source == "asymmetric":
        side = int(rng.choice([3, 3, 5]))
        return _asymmetric_kernel(rng, side, side)
    side = int(rng.choice([2, 4]))
    if rng.integers(2):
        return _point_symmetric_kernel(rng, side, side)
    return _asymmetric_kernel(rng, side, side)


def _listed(words: tuple[str, ...]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _kernel_words(kernel: np.ndarray) -> str:
    """What a person sees at a glance that may mislead: mirrors and even sides."""
    words = []
    left_right = np.array_equal(kernel, kernel[:, ::-1])
    up_down = np.array_equal(kernel, kernel[::-1])
    if left_right != up_down:
        axis = "left–right" if left_right else "up–down"
        words.append(
            f"K is mirror-symmetric {axis}, but a 180° rotation mirrors it both ways at once."
        )
    if kernel.shape[0] % 2 == 0 or kernel.shape[1] % 2 == 0:
        words.append("An even side gives K no centre pixel, but the rule is the same.")
    return " ".join(words)


# ----------------------------------------------------------------------------
# 1. Will convolution and correlation be equal?
# ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class EqualityQuestion:
    """Will ``convolve(I, K)`` and ``correlate(I, K)`` be equal?

    Attributes
    ----------
    seed : int
    source : str
        Where the kernel came from (one of :data:`KERNEL_SOURCES` but ``"any"``).
    kernel, rotated : (kh, kw) ndarray
        ``K`` and ``rot180(K)``.
    image : (M, N) ndarray
        The small image filtered.
    convolution, correlation : (M, N) ndarray
        Both results (``"same"`` output, ``"reflect"`` boundary).
    max_difference : float
        ``max|conv − corr|``.
    tolerance : float
        ``EQUAL_RTOL · max|I| · Σ|K|``: below it, the results count as equal.
    kernel_difference : float
        ``max|K − rot180(K)|``.
    """

    seed: int
    source: str
    kernel: np.ndarray
    rotated: np.ndarray
    image: np.ndarray
    convolution: np.ndarray
    correlation: np.ndarray
    max_difference: float
    tolerance: float
    kernel_difference: float
    kind: str = field(default="equal", init=False)
    choices: tuple[str, ...] = field(default=("equal", "different"), init=False)

    prompt = "Will convolution and correlation with this kernel give equal results?"

    @property
    def answer(self) -> str:
        """``"equal"`` or ``"different"``, as computed."""
        return "equal" if self.max_difference <= self.tolerance else "different"

    @property
    def difference(self) -> np.ndarray:
        return self.convolution - self.correlation

    def check(self, answer: object) -> bool:
        """Whether ``answer`` (``"equal"`` or ``"different"``) is right."""
        return answer == self.answer

    def explanation(self) -> str:
        """Why, in one or two sentences with the computed numbers."""
        image = f"this {_size(self.image.shape)} image"
        measured = f"max |conv − corr| = {_fmt(self.max_difference)} on {image}"
        if self.kernel_difference == 0:
            why = (
                "K equals K rotated by 180°, and conv(I, K) = corr(I, rot180 K) = corr(I, K): "
                f"the results are equal ({measured})."
            )
        elif self.answer == "different":
            why = (
                f"K differs from K rotated by 180° (by up to {_fmt(self.kernel_difference)} "
                f"in one weight), and conv(I, K) = corr(I, rot180 K): the results differ "
                f"({measured})."
            )
        else:
            why = (
                f"K differs from K rotated by 180° (by up to {_fmt(self.kernel_difference)}), "
                f"yet the results agree to rounding ({measured}): the image is flat where "
                "the difference would show."
            )
        return " ".join(part for part in (why, _kernel_words(self.kernel)) if part)


def equality_question(
    seed: int, source: str = "any", *, kernel: object = None, image: object = None
) -> EqualityQuestion:
    """Question 1 for ``seed``: will convolution and correlation be equal?

    Parameters
    ----------
    seed : int
        Non-negative; the same seed gives the same question.
    source : str, optional
        One of :data:`KERNEL_SOURCES`. ``"current"`` uses ``kernel``.
    kernel : (kh, kw) array_like, optional
        The kernel for ``source="current"``.
    image : (M, N[, 3]) array_like, optional
        The image to filter, made grey and shrunk to :data:`EQUAL_SIDE`; by default a
        seeded random ``EQUAL_SIDE × EQUAL_SIDE`` image in [0, 1].

    Returns
    -------
    EqualityQuestion
        With ``answer == "equal"`` exactly when ``max|conv − corr| ≤ tolerance``.
    """
    rng = _rng(seed, 1)
    if source not in KERNEL_SOURCES:
        raise FiltersError(f"source must be one of {', '.join(KERNEL_SOURCES)}; got {source!r}")
    if source == "any":
        source = str(rng.choice(KERNEL_SOURCES[1:5]))
    if source == "current":
        if kernel is None:
            raise FiltersError('source="current" needs a kernel.')
        matrix = kernels.validate_kernel(kernel)
    else:
        matrix = _random_kernel(rng, source)
    if image is None:
        values = rng.random((EQUAL_SIDE, EQUAL_SIDE))
    else:
        values = small_grey(image, EQUAL_SIDE)
    options = dict(boundary=BOUNDARY, output="same", backend="cpu")
    convolution = _core.convolve(values, matrix, **options)
    correlation = _core.correlate(values, matrix, **options)
    rotated = kernels.flip(matrix)
    scale = float(np.max(np.abs(values))) * float(np.sum(np.abs(matrix)))
    return EqualityQuestion(
        seed=int(seed),
        source=source,
        kernel=matrix,
        rotated=rotated,
        image=values,
        convolution=convolution,
        correlation=correlation,
        max_difference=float(np.max(np.abs(convolution - correlation))),
        tolerance=EQUAL_RTOL * scale,
        kernel_difference=float(np.max(np.abs(matrix - rotated))),
    )


# ----------------------------------------------------------------------------
# 2. Which of these two panels is the convolution?
# ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class WhichQuestion:
    """Which of two panels, A and B, is the convolution of an impulse image?

    Attributes
    ----------
    seed : int
    kernel : (3, 3) ndarray
        An asymmetric kernel.
    image : (7, 7) ndarray
        Zeros but one pixel of value 1 at ``impulse`` (row, column).
    convolution, correlation : (7, 7) ndarray
        ``"same"`` output, zero padding.
    convolution_label : str
        ``"A"`` or ``"B"``, chosen by the seed: the panel showing the convolution.
    """

    seed: int
    kernel: np.ndarray
    image: np.ndarray
    impulse: tuple[int, int]
    convolution: np.ndarray
    correlation: np.ndarray
    convolution_label: str
    kind: str = field(default="which", init=False)
    choices: tuple[str, ...] = field(default=("A", "B"), init=False)

    prompt = (
        "The same image, a single bright pixel, was filtered with K twice: once by "
        "convolution, once by correlation. Which panel is the convolution?"
    )

    @property
    def answer(self) -> str:
        """The label of the convolution's panel."""
        return self.convolution_label

    @property
    def panels(self) -> dict[str, np.ndarray]:
        """``{"A": …, "B": …}``: the two results in the seeded order."""
        if self.convolution_label == "A":
            return {"A": self.convolution, "B": self.correlation}
        return {"A": self.correlation, "B": self.convolution}

    @property
    def other(self) -> str:
        return "B" if self.answer == "A" else "A"

    def window(self, values: np.ndarray) -> np.ndarray:
        """The block of ``values`` around the impulse, the kernel's size."""
        (row, col), (kh, kw) = self.impulse, self.kernel.shape
        top, left = row - (kh - 1) // 2, col - (kw - 1) // 2
        return values[top : top + kh, left : left + kw]

    def check(self, answer: object) -> bool:
        return answer == self.answer

    def explanation(self) -> str:
        row, col = self.impulse
        shows_kernel = np.array_equal(self.window(self.convolution), self.kernel)
        shows_rotated = np.array_equal(self.window(self.correlation), self.kernel[::-1, ::-1])
        drawn = "equals K exactly" if shows_kernel else "matches K"
        rotated = "equals K rotated by 180°" if shows_rotated else "matches K rotated by 180°"
        return (
            f"Convolving an impulse draws the kernel itself: in panel {self.answer} the "
            f"{_size(self.kernel.shape)} block around the bright pixel (row {row}, column "
            f"{col}) {drawn}. Correlation draws it rotated: panel {self.other}'s block "
            f"{rotated}."
        )


def which_question(seed: int) -> WhichQuestion:
    """Question 2 for ``seed``: an asymmetric 3×3 kernel, an impulse, two panels."""
    rng = _rng(seed, 2)
    while True:
        kernel = _random_integers(rng, (3, 3))
        # Several weights move under the rotation, so the two panels differ clearly.
        if np.count_nonzero(kernel != kernel[::-1, ::-1]) >= 4:
            break
    centre = IMPULSE_SIDE // 2
    impulse = (centre + int(rng.integers(-1, 2)), centre + int(rng.integers(-1, 2)))
    image = np.zeros((IMPULSE_SIDE, IMPULSE_SIDE))
    image[impulse] = 1.0
    options = dict(boundary=IMPULSE_BOUNDARY, output="same", backend="cpu")
    convolution = _core.convolve(image, kernel, **options)
    correlation = _core.correlate(image, kernel, **options)
    return WhichQuestion(
        seed=int(seed),
        kernel=kernel,
        image=image,
        impulse=impulse,
        convolution=convolution,
        correlation=correlation,
        convolution_label="A" if rng.integers(2) else "B",
    )


# ----------------------------------------------------------------------------
# 3. Where will the difference be largest?
# ----------------------------------------------------------------------------


def region_bounds(shape: tuple[int, ...]) -> list[tuple[slice, slice]]:
    """The nine regions of an image of ``shape``: thirds of its height and width, row by row."""
    rows = np.linspace(0, shape[0], 4).round().astype(int)
    cols = np.linspace(0, shape[1], 4).round().astype(int)
    return [
        (slice(rows[i], rows[i + 1]), slice(cols[j], cols[j + 1]))
        for i in range(3)
        for j in range(3)
    ]


@dataclass(frozen=True, eq=False)
class WhereQuestion:
    """In which ninth of the image is ``|conv − corr|`` largest?

    Attributes
    ----------
    seed : int
    kernel_name : str
        A preset's name, ``"random"`` or ``"current"``.
    image_name : str
        A sample's name or ``"current"``.
    kernel : (kh, kw) ndarray
    image : (M, N) ndarray
        Grey, at most :data:`WHERE_SIDE` pixels long.
    convolution, correlation : (M, N) ndarray
    region_max : (9,) ndarray
        ``max|conv − corr|`` in each region of :data:`REGIONS`.
    accepted : tuple of str
        The region holding the largest value and any that ties with it.
    """

    seed: int
    kernel_name: str
    image_name: str
    kernel: np.ndarray
    image: np.ndarray
    convolution: np.ndarray
    correlation: np.ndarray
    region_max: np.ndarray
    accepted: tuple[str, ...]
    tie_tolerance: float
    kind: str = field(default="where", init=False)
    choices: tuple[str, ...] = field(default=REGIONS, init=False)

    prompt = "Where will convolution and correlation differ most? Pick a ninth of the image."

    @property
    def answer(self) -> str:
        """The region holding the largest ``|conv − corr|`` (the first, row by row, on a tie)."""
        return REGIONS[int(np.argmax(self.region_max))]

    @property
    def difference(self) -> np.ndarray:
        return self.convolution - self.correlation

    def check(self, answer: object) -> bool:
        return answer in self.accepted

    def explanation(self) -> str:
        best = float(np.max(self.region_max))
        if best <= self.tie_tolerance:
            return (
                f"K is symmetric under 180° here: |conv − corr| ≤ {_fmt(best)} everywhere, "
                "so every region is right."
            )
        where = self.answer
        second = float(np.sort(self.region_max)[-2])
        if len(self.accepted) == 1:
            tie = f" (next best: {_fmt(second)})."
        else:
            anyone = "either" if len(self.accepted) == 2 else "any of them"
            tie = f", tied within rounding with {_listed(self.accepted[1:])}: {anyone} counts."
        lead = f"The largest |conv − corr| is {_fmt(best)}, in the {where} region{tie}"
        return (
            f"{lead} conv − corr = 2·(I ∗ A), where A = (K − rot180 K)/2 is K's "
            "antisymmetric part: it is large at sharp edges and texture that A responds "
            "to, and near zero on flat parts."
        )


def where_question(seed: int, *, kernel: object = None, image: object = None) -> WhereQuestion:
    """Question 3 for ``seed``: where is ``|conv − corr|`` largest?

    Parameters
    ----------
    seed : int
    kernel : (kh, kw) array_like, optional
        The kernel; by default an asymmetric one picked by the seed from
        :data:`WHERE_KERNELS`.
    image : (M, N[, 3]) array_like, optional
        The image, made grey and shrunk to :data:`WHERE_SIDE`; by default a sample
        picked by the seed from :data:`WHERE_SAMPLES`.
    """
    rng = _rng(seed, 3)
    if kernel is None:
        kernel_name = str(rng.choice(WHERE_KERNELS))
        if kernel_name == "shift":
            matrix = kernels.make(
                "shift", dx=int(rng.choice([-2, -1, 1, 2])), dy=int(rng.integers(-2, 3))
            )
        elif kernel_name == "random":
            matrix = _asymmetric_kernel(rng, 3, 3)
        else:
            matrix = kernels.make(kernel_name)
    else:
        kernel_name, matrix = "current", kernels.validate_kernel(kernel)
    if image is None:
        image_name = str(rng.choice(WHERE_SAMPLES))
        values = small_grey(samples.load_sample(image_name, size=WHERE_SIDE), WHERE_SIDE)
    else:
        image_name, values = "current", small_grey(image, WHERE_SIDE)
    if min(values.shape) < 3:
        raise FiltersError(
            f"The image is {_size(values.shape)} pixels: too small to split into 3×3 regions."
        )
    options = dict(boundary=BOUNDARY, output="same", backend="cpu")
    convolution = _core.convolve(values, matrix, **options)
    correlation = _core.correlate(values, matrix, **options)
    magnitude = np.abs(convolution - correlation)
    region_max = np.array(
        [float(magnitude[rows, cols].max()) for rows, cols in region_bounds(magnitude.shape)]
    )
    best = float(region_max.max())
    rounding = EQUAL_RTOL * float(np.max(np.abs(values))) * float(np.sum(np.abs(matrix)))
    tie_tolerance = max(TIE_RTOL * best, rounding)
    order = np.argsort(-region_max, kind="stable")
    accepted = tuple(REGIONS[i] for i in order if region_max[i] >= best - tie_tolerance)
    return WhereQuestion(
        seed=int(seed),
        kernel_name=kernel_name,
        image_name=image_name,
        kernel=matrix,
        image=values,
        convolution=convolution,
        correlation=correlation,
        region_max=region_max,
        accepted=accepted,
        tie_tolerance=tie_tolerance,
    )


# ----------------------------------------------------------------------------
# 4. What will the output size be?
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputSizeQuestion:
    """The output height and width of a convolution layer (or a transposed one).

    Attributes
    ----------
    seed : int
    size, kernel : (int, int)
        Input ``(H, W)`` and kernel ``(kh, kw)``.
    stride, padding, dilation, output_padding : int
        The same along both axes; ``output_padding`` only for a transposed layer.
    transposed : bool
    truth : (int, int)
        ``(H_out, W_out)`` from :mod:`filters.cnn`.
    """

    seed: int
    size: tuple[int, int]
    kernel: tuple[int, int]
    stride: int
    padding: int
    dilation: int
    output_padding: int
    transposed: bool
    truth: tuple[int, int]
    kind: str = field(default="size", init=False)
    choices: tuple[str, ...] = field(default=(), init=False)

    @property
    def prompt(self) -> str:
        layer = (
            "transposed convolution (ConvTranspose2d)"
            if self.transposed
            else "convolution (Conv2d)"
        )
        extra = f", output_padding {self.output_padding}" if self.transposed else ""
        return (
            f"A {layer} layer gets an input of {self.size[0]}×{self.size[1]} pixels, with a "
            f"{self.kernel[0]}×{self.kernel[1]} kernel, stride {self.stride}, padding "
            f"{self.padding}, dilation {self.dilation}{extra}. What are its output's height "
            "and width?"
        )

    @property
    def answer(self) -> tuple[int, int]:
        return self.truth

    def check(self, answer: object) -> bool:
        """Whether ``answer``, a pair ``(H_out, W_out)``, is right."""
        try:
            height, width = (float(value) for value in answer)  # type: ignore[union-attr]
        except (TypeError, ValueError):
            return False
        return (height, width) == tuple(float(side) for side in self.truth)

    def formula(self, axis: int) -> str:
        """The formula for one axis (0: height, 1: width), filled in with the numbers."""
        n, k = self.size[axis], self.kernel[axis]
        s, p, d, op = self.stride, self.padding, self.dilation, self.output_padding
        name, side, tap = ("H", "H", "k_h") if axis == 0 else ("W", "W", "k_w")
        if self.transposed:
            value = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
            return (
                f"{name}_out = ({side} − 1)·s − 2p + d({tap} − 1) + output_padding + 1 = "
                f"({n} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {op} + 1 = {value}"
            )
        numerator = n + 2 * p - d * (k - 1) - 1
        value = numerator // s + 1
        return (
            f"{name}_out = ({side} + 2p − d({tap} − 1) − 1) // s + 1 = "
            f"({n} + 2·{p} − {d}·({k} − 1) − 1) // {s} + 1 = {numerator} // {s} + 1 = {value}"
        )

    def explanation(self) -> str:
        height, width = self.truth
        return f"The output is {height}×{width}: {self.formula(0)}; {self.formula(1)}."


def _layer_sizes(size, kernel, stride, padding, dilation, output_padding, transposed):
    if transposed:
        return tuple(
            int(
                cnn.conv_transpose2d_output_size(
                    n,
                    k,
                    stride=stride,
                    padding=padding,
                    output_padding=output_padding,
                    dilation=dilation,
                )
            )
            for n, k in zip(size, kernel, strict=True)
        )
    return tuple(
        int(cnn.conv2d_output_size(n, k, stride=stride, padding=padding, dilation=dilation))
        for n, k in zip(size, kernel, strict=True)
    )


def _random_layer(rng: np.random.Generator, transposed: bool) -> dict:
    """Sizes a layer might have: small inputs for a transposed layer, which enlarges them."""
    height = int(rng.integers(2, 17)) if transposed else int(rng.integers(5, 65))
    width = height if rng.random() < 0.4 else int(rng.integers(max(2, height // 2), height * 2))
    kh = int(rng.choice([1, 2, 3, 3, 3, 4, 5, 5, 7]))
    kw = kh if rng.random() < 0.7 else int(rng.choice([1, 2, 3, 5]))
    stride = int(rng.choice([1, 1, 2, 2, 3]))
    dilation = int(rng.choice([1, 1, 1, 2, 2, 3]))
    return dict(
        size=(height, width),
        kernel=(kh, kw),
        stride=stride,
        padding=int(rng.choice([0, 0, 1, 1, 2, 3])),
        dilation=dilation,
        # Below max(stride, dilation), as deep-learning frameworks require.
        output_padding=int(rng.integers(max(stride, dilation))) if transposed else 0,
    )


def output_size_question(seed: int, *, transposed: bool | None = None) -> OutputSizeQuestion:
    """Question 4 for ``seed``: a layer's output size.

    ``transposed`` forces a transposed (or plain) convolution; by default the seed
    picks a transposed one about one time in four.
    """
    rng = _rng(seed, 4)
    if transposed is None:
        transposed = bool(rng.random() < 0.25)
    while True:
        layer = _random_layer(rng, transposed)
        try:
            truth = _layer_sizes(**layer, transposed=transposed)
        except FiltersError:  # an output smaller than one pixel: draw again
            continue
        if min(truth) >= 1:
            break
    return OutputSizeQuestion(
        seed=int(seed),
        **layer,
        transposed=transposed,
        truth=truth,
    )


def make(kind: str, seed: int, *, source: str = "any", kernel: object = None, image: object = None):
    """The question of ``kind`` (one of :data:`KINDS`) for ``seed``.

    ``source``, ``kernel`` and ``image`` go to the questions that take them:
    ``"equal"`` takes all three, ``"where"`` the kernel and the image.
    """
    if kind == "equal":
        return equality_question(seed, source, kernel=kernel, image=image)
    if kind == "which":
        return which_question(seed)
    if kind == "where":
        return where_question(seed, kernel=kernel, image=image)
    if kind == "size":
        return output_size_question(seed)
    raise FiltersError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
