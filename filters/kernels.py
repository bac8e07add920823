"""Filter kernels: named presets, a text format, and analysis helpers.

A kernel is a small 2-D ``float64`` array. This module builds kernels from named
presets (:func:`make`, :data:`PRESETS`), reads and writes them as text (:func:`parse`,
:func:`to_text`) and answers the questions that matter when comparing convolution with
correlation: is the kernel symmetric under a 180° rotation (:func:`is_symmetric`,
:func:`asymmetry`), is it separable (:func:`separability`), what does it do to each
spatial frequency (:func:`frequency_response`).

Conventions
-----------
The *centre* of a ``kh × kw`` kernel is the element at index ``((kh - 1) // 2, (kw - 1) // 2)``.
For odd sides it is the middle element; for even sides it is the upper/left one of the two
middle elements, which is what ``scipy.signal.convolve2d(..., mode="same")`` uses.

Angles are in degrees, counter-clockwise as the image is displayed: ``x`` points right
(increasing column) and ``y`` points up (decreasing row).

Convolution flips the kernel by 180° and correlation does not, so the two agree exactly when
``flip(kernel) == kernel``.
"""

import math
import numbers
import re
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from filters._checks import positive_pair
from filters._errors import FiltersError, KernelParseError

__all__ = [
    "DEFAULT_PRESET",
    "MAX_ABS_VALUE",
    "MAX_KERNEL_SIZE",
    "MAX_TEXT_LENGTH",
    "PRESETS",
    "Param",
    "Preset",
    "Separability",
    "antisymmetric_part",
    "asymmetry",
    "dc_gain",
    "describe",
    "flip",
    "frequency_axes",
    "frequency_response",
    "is_symmetric",
    "make",
    "normalize",
    "parse",
    "separability",
    "symmetric_part",
    "to_text",
    "validate_kernel",
]

MAX_KERNEL_SIZE = 63
"""Largest number of rows or columns a kernel may have by default."""

MAX_TEXT_LENGTH = 100_000
"""Longest kernel text, in characters, that :func:`parse` accepts."""

MAX_ABS_VALUE = 1e6
"""Largest magnitude of a value that :func:`parse` accepts, as written and after its factor.

Beyond it, filtering an image can overflow; the application refuses such kernels too.
"""

DEFAULT_PRESET = "gaussian273"
"""Name of the preset the application starts with."""


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def validate_kernel(
    kernel: object, *, name: str = "kernel", max_size: int | None = MAX_KERNEL_SIZE
) -> np.ndarray:
    """Check that a value is a usable kernel and return it as a new ``float64`` array.

    Parameters
    ----------
    kernel : array_like
        A 2-D array (or nested sequence) of real numbers.
    name : str, optional
        The argument name used in error messages.
    max_size : int or None, optional
        Largest allowed number of rows and of columns; ``None`` means no limit.

    Returns
    -------
    numpy.ndarray
        A C-contiguous ``float64`` copy of ``kernel`` with ``ndim == 2``.

    Raises
    ------
    FiltersError
        If ``kernel`` is not rectangular, not made of real numbers (booleans, strings and
        complex numbers are refused), not 2-D, has an empty side, contains NaN or infinity,
        or has more than ``max_size`` rows or columns.
    """
    try:
        array = np.asarray(kernel)
    except ValueError as error:
        raise FiltersError(f"{name} must be a rectangular 2-D array of numbers ({error})") from None
    if array.dtype == np.bool_ or not (
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    ):
        dtype = str(array.dtype)  # a structured dtype from a file can hold any field names
        if len(dtype) > _QUOTE_LIMIT:
            dtype = dtype[:_QUOTE_LIMIT] + "…"
        raise FiltersError(f"{name} must contain real numbers, got an array of dtype {dtype}")
    if array.ndim != 2:
        raise FiltersError(
            f"{name} must be a 2-D array, got {array.ndim}-D with shape {array.shape}"
        )
    if 0 in array.shape:
        raise FiltersError(
            f"{name} must have at least one row and one column, got shape {array.shape}"
        )
    result = np.array(array, dtype=np.float64, order="C")
    finite = np.isfinite(result)
    if not finite.all():
        row, column = np.argwhere(~finite)[0]
        raise FiltersError(
            f"{name} contains NaN or infinity (first at row {row + 1}, column {column + 1})"
        )
    if max_size is not None and max(result.shape) > max_size:
        raise FiltersError(
            f"{name} is {result.shape[0]}×{result.shape[1]}; "
            f"at most {max_size}×{max_size} is allowed"
        )
    return result


# --------------------------------------------------------------------------------------------
# Presets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One numeric parameter of a kernel preset, described well enough to build a slider.

    Attributes
    ----------
    name : str
        Keyword accepted by :func:`make`.
    label : str
        Short human-readable label.
    default, min, max : int or float
        Default value and inclusive bounds.
    step : int or float
        Slider step. For ``"int"`` parameters, valid values are ``min + n * step``
        (so ``min=1, step=2`` means odd numbers); for ``"float"`` it is only a UI hint.
    kind : {"int", "float"}
        Value type.
    """

    name: str
    label: str
    default: float
    min: float
    max: float
    step: float
    kind: Literal["int", "float"]


@dataclass(frozen=True)
class Preset:
    """A named kernel recipe.

    Attributes
    ----------
    name : str
        Key in :data:`PRESETS` and first argument of :func:`make`.
    label : str
        Short human-readable name.
    description : str
        One line saying what the kernel does and whether it is symmetric under a 180°
        rotation (that is, whether convolution and correlation with it agree).
    params : tuple of Param
        The parameters :func:`make` accepts for this preset; empty for fixed kernels.
    """

    name: str
    label: str
    description: str
    params: tuple[Param, ...] = ()


def _int_param(name: str, label: str, default: int, low: int, high: int, step: int = 1) -> Param:
    return Param(name, label, default, low, high, step, "int")


def _float_param(
    name: str, label: str, default: float, low: float, high: float, step: float
) -> Param:
    return Param(name, label, default, low, high, step, "float")


_SIZE_ANY = _int_param("size", "Size (pixels)", 5, 1, 31)
_SIGMA = _float_param("sigma", "Sigma (pixels)", 1.0, 0.1, 10.0, 0.1)
_AMOUNT = _float_param("amount", "Amount", 1.0, 0.0, 10.0, 0.1)

_GAUSSIAN_273_WEIGHTS = (
    (1, 4, 7, 4, 1),
    (4, 16, 26, 16, 4),
    (7, 26, 41, 26, 7),
    (4, 16, 26, 16, 4),
    (1, 4, 7, 4, 1),
)


def _centred_coordinates(size: int) -> np.ndarray:
    """Return ``size`` pixel offsets centred on 0 (half-integers when ``size`` is even)."""
    return np.arange(size, dtype=np.float64) - (size - 1) / 2


def _gaussian_1d(size: int, sigma: float) -> np.ndarray:
    """Return a sampled 1-D Gaussian of ``size`` taps normalised to sum 1."""
    offsets = _centred_coordinates(size)
    weights = np.exp(-(offsets**2) / (2.0 * sigma**2))
    return weights / weights.sum()


def _gaussian_2d(size: int, sigma: float) -> np.ndarray:
    """Return a ``size × size`` Gaussian, the outer product of two 1-D ones (sum 1)."""
    taps = _gaussian_1d(size, sigma)
    return np.outer(taps, taps)


def _identity(size: int) -> np.ndarray:
    """Return a ``size × size`` kernel (``size`` odd) with a single 1 at the centre."""
    kernel = np.zeros((size, size))
    kernel[size // 2, size // 2] = 1.0
    return kernel


def _plane_coordinates(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(x, y)`` grids centred on the kernel middle, ``x`` right and ``y`` up."""
    x = _centred_coordinates(width)[np.newaxis, :]
    y = -_centred_coordinates(height)[:, np.newaxis]
    return np.broadcast_to(x, (height, width)), np.broadcast_to(y, (height, width))


def _build_gaussian273() -> np.ndarray:
    return np.array(_GAUSSIAN_273_WEIGHTS, dtype=np.float64) / 273.0


def _build_gaussian(size: int, sigma: float) -> np.ndarray:
    return _gaussian_2d(size, sigma)


def _build_box(size: int) -> np.ndarray:
    return np.full((size, size), 1.0 / (size * size))


_LAPLACIAN_4 = ((0, 1, 0), (1, -4, 1), (0, 1, 0))
_LAPLACIAN_8 = ((1, 1, 1), (1, -8, 1), (1, 1, 1))


def _build_sharpen(amount: float) -> np.ndarray:
    return _identity(3) - amount * np.array(_LAPLACIAN_4, dtype=np.float64)


def _build_unsharp(size: int, sigma: float, amount: float) -> np.ndarray:
    identity = _identity(size)
    return identity + amount * (identity - _gaussian_2d(size, sigma))


def _build_laplacian4() -> np.ndarray:
    return np.array(_LAPLACIAN_4, dtype=np.float64)


def _build_laplacian8() -> np.ndarray:
    return np.array(_LAPLACIAN_8, dtype=np.float64)


def _build_log(size: int, sigma: float) -> np.ndarray:
    x, y = _plane_coordinates(size, size)
    radius_squared = x**2 + y**2
    variance = sigma**2
    gaussian = np.exp(-radius_squared / (2.0 * variance)) / (2.0 * np.pi * variance)
    laplacian_of_gaussian = (radius_squared - 2.0 * variance) / variance**2 * gaussian
    return laplacian_of_gaussian - laplacian_of_gaussian.mean()


def _derivative_pair(smoothing: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Return the ``(x, y)`` 3×3 gradient kernels for a given cross-smoothing profile."""
    x_kernel = np.outer(np.array(smoothing, dtype=np.float64), [-1.0, 0.0, 1.0])
    return x_kernel, x_kernel.T.copy()


def _build_sobel_x() -> np.ndarray:
    return _derivative_pair((1, 2, 1))[0]


def _build_sobel_y() -> np.ndarray:
    return _derivative_pair((1, 2, 1))[1]


def _build_scharr_x() -> np.ndarray:
    return _derivative_pair((3, 10, 3))[0]


def _build_scharr_y() -> np.ndarray:
    return _derivative_pair((3, 10, 3))[1]


def _build_prewitt_x() -> np.ndarray:
    return _derivative_pair((1, 1, 1))[0]


def _build_prewitt_y() -> np.ndarray:
    return _derivative_pair((1, 1, 1))[1]


def _build_emboss() -> np.ndarray:
    return np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=np.float64)


def _trim_zero_border(kernel: np.ndarray) -> np.ndarray:
    """Drop all-zero rows and columns in equal numbers from opposite sides, keeping the centre."""
    used_rows = np.flatnonzero(kernel.any(axis=1))
    used_columns = np.flatnonzero(kernel.any(axis=0))
    row_trim = min(used_rows[0], kernel.shape[0] - 1 - used_rows[-1])
    column_trim = min(used_columns[0], kernel.shape[1] - 1 - used_columns[-1])
    return kernel[
        row_trim : kernel.shape[0] - row_trim, column_trim : kernel.shape[1] - column_trim
    ]


def _build_motion(length: int, angle: float) -> np.ndarray:
    radians = math.radians(angle)
    direction = np.array([math.cos(radians), math.sin(radians)])
    half_length = (length - 1) / 2
    half_width = math.ceil(half_length * abs(direction[0]))
    half_height = math.ceil(half_length * abs(direction[1]))
    x, y = _plane_coordinates(2 * half_height + 1, 2 * half_width + 1)
    along = np.clip(x * direction[0] + y * direction[1], -half_length, half_length)
    distance = np.hypot(x - along * direction[0], y - along * direction[1])
    # Weight falls linearly from 1 on the line to 0 one pixel away; rounding dust is dropped.
    weights = np.where(distance < 1.0 - 1e-9, 1.0 - distance, 0.0)
    weights = _trim_zero_border(weights)
    return weights / weights.sum()


def _build_shift(dx: int, dy: int) -> np.ndarray:
    kernel = np.zeros((2 * abs(dy) + 1, 2 * abs(dx) + 1))
    kernel[abs(dy) + dy, abs(dx) + dx] = 1.0
    return kernel


def _build_dog(size: int, sigma1: float, sigma2: float) -> np.ndarray:
    return _gaussian_2d(size, sigma1) - _gaussian_2d(size, sigma2)


def _build_gabor(
    size: int, sigma: float, theta: float, wavelength: float, phase: float, gamma: float
) -> np.ndarray:
    x, y = _plane_coordinates(size, size)
    cos_theta, sin_theta = math.cos(math.radians(theta)), math.sin(math.radians(theta))
    along = x * cos_theta + y * sin_theta
    across = -x * sin_theta + y * cos_theta
    envelope = np.exp(-(along**2 + gamma**2 * across**2) / (2.0 * sigma**2))
    carrier_angle = 2.0 * np.pi * along / wavelength
    # cos(a + phase) written out so that phase 0 / 90 give exactly even / odd carriers.
    phase_radians = math.radians(phase)
    carrier = math.cos(phase_radians) * np.cos(carrier_angle) - math.sin(phase_radians) * np.sin(
        carrier_angle
    )
    return envelope * carrier


def _build_random(size: int, seed: int) -> np.ndarray:
    values = np.random.default_rng(seed).standard_normal((size, size))
    return values / np.abs(values).sum()


_SYMMETRIC = "symmetric under 180° rotation"
_ANTISYMMETRIC = "antisymmetric under 180° rotation (rotating it negates it)"
_ASYMMETRIC = "not symmetric under 180° rotation"

_PRESET_TABLE: tuple[tuple[Preset, Callable[..., np.ndarray]], ...] = (
    (
        Preset(
            "gaussian273",
            "Gaussian 5×5 (/273)",
            f"Classic 5×5 integer Gaussian blur divided by 273 (sums to 1); {_SYMMETRIC}.",
        ),
        _build_gaussian273,
    ),
    (
        Preset(
            "gaussian",
            "Gaussian blur",
            f"Sampled Gaussian blur of any size, normalised to sum 1; {_SYMMETRIC}.",
            (_SIZE_ANY, _SIGMA),
        ),
        _build_gaussian,
    ),
    (
        Preset(
            "box",
            "Box blur",
            f"Averages a size × size square, every weight equal, sum 1; {_SYMMETRIC}.",
            (_int_param("size", "Size (pixels)", 3, 1, 31),),
        ),
        _build_box,
    ),
    (
        Preset(
            "sharpen",
            "Sharpen",
            f"3×3 sharpen: identity minus amount × 4-neighbour Laplacian (sum 1); {_SYMMETRIC}.",
            (_AMOUNT,),
        ),
        _build_sharpen,
    ),
    (
        Preset(
            "unsharp",
            "Unsharp mask",
            f"Unsharp masking: identity + amount × (identity − Gaussian), sum 1; {_SYMMETRIC}.",
            (_int_param("size", "Size (pixels, odd)", 5, 1, 31, 2), _SIGMA, _AMOUNT),
        ),
        _build_unsharp,
    ),
    (
        Preset(
            "laplacian4",
            "Laplacian (4-neighbour)",
            f"Second-derivative edge detector over the 4 neighbours, sum 0; {_SYMMETRIC}.",
        ),
        _build_laplacian4,
    ),
    (
        Preset(
            "laplacian8",
            "Laplacian (8-neighbour)",
            f"Second-derivative edge detector over all 8 neighbours, sum 0; {_SYMMETRIC}.",
        ),
        _build_laplacian8,
    ),
    (
        Preset(
            "log",
            "Laplacian of Gaussian",
            f"Blob and edge detector: Laplacian of a Gaussian, shifted to sum 0; {_SYMMETRIC}.",
            (
                _int_param("size", "Size (pixels, odd)", 9, 3, 31, 2),
                _float_param("sigma", "Sigma (pixels)", 1.4, 0.5, 10.0, 0.1),
            ),
        ),
        _build_log,
    ),
    (
        Preset(
            "sobel_x",
            "Sobel x",
            "Horizontal gradient (positive where brightness rises left to right under "
            f"correlation), sum 0; {_ANTISYMMETRIC}.",
        ),
        _build_sobel_x,
    ),
    (
        Preset(
            "sobel_y",
            "Sobel y",
            "Vertical gradient (positive where brightness rises top to bottom under "
            f"correlation), sum 0; {_ANTISYMMETRIC}.",
        ),
        _build_sobel_y,
    ),
    (
        Preset(
            "scharr_x",
            "Scharr x",
            "Horizontal gradient with better rotation accuracy than Sobel (positive left to "
            f"right under correlation), sum 0; {_ANTISYMMETRIC}.",
        ),
        _build_scharr_x,
    ),
    (
        Preset(
            "scharr_y",
            "Scharr y",
            "Vertical gradient with better rotation accuracy than Sobel (positive top to "
            f"bottom under correlation), sum 0; {_ANTISYMMETRIC}.",
        ),
        _build_scharr_y,
    ),
    (
        Preset(
            "prewitt_x",
            "Prewitt x",
            "Horizontal gradient with flat smoothing (positive left to right under "
            f"correlation), sum 0; {_ANTISYMMETRIC}.",
        ),
        _build_prewitt_x,
    ),
    (
        Preset(
            "prewitt_y",
            "Prewitt y",
            "Vertical gradient with flat smoothing (positive top to bottom under "
            f"correlation), sum 0; {_ANTISYMMETRIC}.",
        ),
        _build_prewitt_y,
    ),
    (
        Preset(
            "emboss",
            "Emboss",
            "Relief effect lit from one corner, sum 1; "
            f"{_ASYMMETRIC}, so convolution and correlation light opposite corners.",
        ),
        _build_emboss,
    ),
    (
        Preset(
            "motion",
            "Motion blur",
            "Averages along an anti-aliased line of the given length and angle "
            f"(0° = horizontal), sum 1; {_SYMMETRIC} because the line is centred.",
            (
                _int_param("length", "Length (pixels)", 9, 1, 31),
                _float_param("angle", "Angle (degrees)", 0.0, -180.0, 180.0, 1.0),
            ),
        ),
        _build_motion,
    ),
    (
        Preset(
            "shift",
            "Shift (moved impulse)",
            "A single 1 off the centre: convolution moves the image by (dx, dy), "
            f"correlation by (−dx, −dy); {_ASYMMETRIC} unless dx = dy = 0.",
            (
                _int_param("dx", "dx (pixels, right)", 3, -7, 7),
                _int_param("dy", "dy (pixels, down)", 2, -7, 7),
            ),
        ),
        _build_shift,
    ),
    (
        Preset(
            "identity",
            "Identity",
            f"A single 1 at the centre: leaves the image unchanged; {_SYMMETRIC}.",
            (_int_param("size", "Size (pixels, odd)", 3, 1, 31, 2),),
        ),
        _identity,
    ),
    (
        Preset(
            "dog",
            "Difference of Gaussians",
            "Band-pass: Gaussian(sigma1) − Gaussian(sigma2), each of sum 1, so sum 0; "
            f"{_SYMMETRIC}.",
            (
                _int_param("size", "Size (pixels, odd)", 9, 3, 31, 2),
                _float_param("sigma1", "Sigma 1 (pixels)", 1.0, 0.1, 10.0, 0.1),
                _float_param("sigma2", "Sigma 2 (pixels)", 2.0, 0.1, 10.0, 0.1),
            ),
        ),
        _build_dog,
    ),
    (
        Preset(
            "gabor",
            "Gabor",
            "Real Gabor filter (peak 1, not normalised): a Gaussian-windowed cosine wave that "
            f"responds to stripes across angle theta; {_SYMMETRIC} at phase 0° or 180°, "
            "antisymmetric at ±90°.",
            (
                _int_param("size", "Size (pixels, odd)", 21, 3, 31, 2),
                _float_param("sigma", "Sigma (pixels)", 3.0, 0.5, 10.0, 0.1),
                _float_param("theta", "Theta (degrees)", 0.0, -180.0, 180.0, 1.0),
                _float_param("wavelength", "Wavelength (pixels)", 8.0, 2.0, 32.0, 0.5),
                _float_param("phase", "Phase (degrees)", 0.0, -180.0, 180.0, 1.0),
                _float_param("gamma", "Aspect ratio gamma", 0.5, 0.1, 2.0, 0.05),
            ),
        ),
        _build_gabor,
    ),
    (
        Preset(
            "random",
            "Random",
            "Random normal weights from a seed, scaled so the absolute values sum to 1; "
            f"{_ASYMMETRIC}.",
            (
                _int_param("size", "Size (pixels)", 5, 2, 31),
                _int_param("seed", "Seed", 0, 0, 9999),
            ),
        ),
        _build_random,
    ),
)

PRESETS: Mapping[str, Preset] = {preset.name: preset for preset, _ in _PRESET_TABLE}
"""Every kernel preset by name, in display order."""

_BUILDERS: dict[str, Callable[..., np.ndarray]] = {
    preset.name: build for preset, build in _PRESET_TABLE
}


def _checked_param_value(preset: Preset, param: Param, value: object) -> float:
    """Return ``value`` converted to the parameter's kind after checking range and step."""
    where = f"parameter {param.name!r} of preset {preset.name!r}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise FiltersError(f"{where} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise FiltersError(f"{where} must be finite, got {value!r}")
    if not param.min <= number <= param.max:
        raise FiltersError(f"{where} must be between {param.min} and {param.max}, got {value!r}")
    if param.kind == "float":
        return number
    if not number.is_integer():
        raise FiltersError(f"{where} must be a whole number, got {value!r}")
    whole = int(number)
    if (whole - param.min) % param.step:
        hint = " (an odd number)" if param.step == 2 and param.min % 2 == 1 else ""
        raise FiltersError(
            f"{where} must be {param.min} plus a multiple of {param.step}{hint}, got {value!r}"
        )
    return whole


def make(name: str, **params: float) -> np.ndarray:
    """Build a kernel from a named preset.

    Parameters
    ----------
    name : str
        A key of :data:`PRESETS`, for example ``"gaussian273"`` or ``"shift"``.
    **params : int or float
        Values for the preset's parameters; any left out take their defaults.

    Returns
    -------
    numpy.ndarray
        A new 2-D ``float64`` kernel, finite, at most 63 × 63.

    Raises
    ------
    FiltersError
        If the preset is unknown, a parameter is unknown, not a number, out of its
        ``[min, max]`` range, or (for whole-number parameters) not on its step grid.

    Examples
    --------
    >>> make("shift", dx=2, dy=1)
    array([[0., 0., 0., 0., 0.],
           [0., 0., 0., 0., 0.],
           [0., 0., 0., 0., 1.]])
    """
    preset = PRESETS.get(name) if isinstance(name, str) else None
    if preset is None:
        raise FiltersError(f"unknown kernel preset {name!r}; choose one of: {', '.join(PRESETS)}")
    known = {param.name for param in preset.params}
    unknown = sorted(set(params) - known)
    if unknown:
        accepted = ", ".join(sorted(known)) if known else "none"
        raise FiltersError(
            f"preset {name!r} has no parameter {unknown[0]!r}; its parameters are: {accepted}"
        )
    values = {
        param.name: _checked_param_value(preset, param, params.get(param.name, param.default))
        for param in preset.params
    }
    return _BUILDERS[name](**values)


# --------------------------------------------------------------------------------------------
# Text format
# --------------------------------------------------------------------------------------------

# Text is read in one pass, left to right. The tokenizer folds every run of separators
# (spaces, tabs, newlines, ';' and ',') into one token and the reader stops as soon as
# the kernel is too large, so no input makes it do work out of proportion to its length,
# and each message quotes at most _QUOTE_LIMIT characters of the text.

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_TOKEN = re.compile(
    r"(?P<space>[^\S\n]+)"  # spaces and tabs between values: skipped
    r"|(?P<gap>[;,\n][\s;,]*)"  # row and value separators, folded into one token
    r"|(?P<punctuation>[\[\]*/])"
    rf"|(?P<number>{_NUMBER})(?![^\s\[\];,*/])"
    r"|(?P<word>[^\s\[\];,*/]+)"
)
_GAP_SPACE = re.compile(r"[^\S\n]+")
_NOT_A_BRACKET = re.compile(r"[^\[\]]+")
_NON_FINITE_WORDS = {"nan", "inf", "infinity"}
_ZERO_FACTOR_PROBLEM = "is zero, which would make every value 0"
_QUOTE_LIMIT = 40

# A token is a (kind, text) pair. Kinds: "number", "word", "[", "]", "*", "/" and "gap",
# whose text keeps only the separators that matter: ",", ";" and "\n", in order.
_Token = tuple[str, str]


def _quote(text: str, limit: int = _QUOTE_LIMIT) -> str:
    """Quote a piece of kernel text like ``repr``, keeping at most ``limit`` characters."""
    if len(text) <= limit:
        return repr(text)
    quoted = repr(text[:limit])
    return f"{quoted[:-1]}…{quoted[-1]}"


def _shown(token: _Token | None) -> str:
    """How a message names a token: quoted, a separator run by its first separator."""
    if token is None:
        return "nothing"
    kind, text = token
    if kind == "gap":
        text = text.lstrip("\n")[:1] or "\n"
    return _quote(text)


def _tokens(text: str) -> Iterator[_Token]:
    """Split kernel text into tokens, lazily, so a reader that stops early saves the rest."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "space":
            continue
        piece = match.group()
        if kind == "gap":
            yield "gap", _GAP_SPACE.sub("", piece)
        elif kind == "punctuation":
            yield piece, piece
        else:
            yield kind, piece


def _check_brackets(text: str) -> None:
    """Raise KernelParseError unless brackets pair up and nest at most two deep."""
    brackets = _NOT_A_BRACKET.sub("", text)
    if not brackets:
        return
    opening = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8) == ord("[")
    depth = np.cumsum(np.where(opening, np.int32(1), np.int32(-1)), dtype=np.int32)
    too_deep = np.flatnonzero(depth > 2)
    unmatched = np.flatnonzero(depth < 0)
    if too_deep.size and (not unmatched.size or too_deep[0] < unmatched[0]):
        raise KernelParseError(
            "Brackets are nested more than two deep; write '[1 2; 3 4]' or '[[1, 2], [3, 4]]'."
        )
    if unmatched.size:
        raise KernelParseError("Unbalanced brackets: a ']' has no matching '['.")
    if depth[-1]:
        raise KernelParseError(f"Unbalanced brackets: {depth[-1]} '[' not closed by ']'.")


def _count(number: int, noun: str) -> str:
    """Return ``"1 value"`` or ``"3 values"``."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _only_newlines(token: _Token | None) -> bool:
    return token is not None and token[0] == "gap" and not token[1].strip("\n")


class _KernelTextParser:
    """Recursive-descent reader for the kernel text grammar described in :func:`parse`."""

    def __init__(self, text: str, max_size: int) -> None:
        self.source = _tokens(text)
        self.ahead: deque[_Token] = deque()
        self.max_size = max_size
        self.rows: list[list[float]] = []

    # -- token access -------------------------------------------------------------------

    def peek(self, offset: int = 0) -> _Token | None:
        ahead = self.ahead
        while len(ahead) <= offset:
            token = next(self.source, None)
            if token is None:
                return None
            ahead.append(token)
        return ahead[offset]

    def peek_kind(self, offset: int = 0) -> str | None:
        token = self.peek(offset)
        return None if token is None else token[0]

    def advance(self) -> _Token:
        self.peek()
        return self.ahead.popleft()

    def skip_newlines(self) -> None:
        if _only_newlines(self.peek()):
            self.advance()

    # -- locations and rows -------------------------------------------------------------

    def here(self, column: int) -> str:
        return f"At row {len(self.rows) + 1}, column {column}"

    def finish_row(self, entries: list[float]) -> None:
        row_number = len(self.rows) + 1
        if self.rows and len(entries) != len(self.rows[0]):
            raise KernelParseError(
                f"Rows differ in length: row {row_number} has {_count(len(entries), 'value')} "
                f"but row 1 has {len(self.rows[0])}."
            )
        if row_number > self.max_size:
            raise KernelParseError(
                f"The kernel has more than {self.max_size} rows; "
                f"at most {self.max_size} are allowed."
            )
        self.rows.append(entries)

    # -- grammar ------------------------------------------------------------------------

    def document(self) -> tuple[list[list[float]], float]:
        """Read ``[factor [*]] [ matrix ] [(* | /) factor]`` or a bare matrix."""
        if _only_newlines(self.peek()):
            self.advance()
        factor = self.leading_factor()
        if self.peek_kind() == "[":
            self.advance()
            self.skip_newlines()
            if self.peek_kind() == "[":
                self.nested_rows()
            else:
                self.flat_rows(closing="]")
            self.advance()  # the outer "]"; brackets are known to be balanced
            factor *= self.trailing_factor()
            if factor == 0 or not math.isfinite(factor):
                raise KernelParseError(
                    f"The factors combine to {factor:g}; use a non-zero factor of ordinary size."
                )
        else:
            self.flat_rows(closing=None)
        return self.rows, factor

    def leading_factor(self) -> float:
        """Consume a ``1/273 *`` style prefix if one precedes ``[``; return it (or 1)."""
        if self.peek_kind() != "number":
            return 1.0
        length = 3 if self.peek_kind(1) == "/" and self.peek_kind(2) == "number" else 1
        lookahead = length
        if _only_newlines(self.peek(lookahead)):
            lookahead += 1
        has_star = self.peek_kind(lookahead) == "*"
        if has_star:
            lookahead += 1
            if _only_newlines(self.peek(lookahead)):
                lookahead += 1
        if self.peek_kind(lookahead) != "[":
            if has_star:
                raise KernelParseError(
                    "A factor such as '0.5 *' must be followed by a bracketed matrix '[...]'."
                )
            return 1.0
        factor = self.scalar("The factor")
        for _ in range(lookahead - length):
            self.advance()
        return factor

    def trailing_factor(self) -> float:
        """Read an optional ``* 2`` or ``/ 273`` after the closing bracket."""
        self.skip_newlines()
        token = self.peek()
        if token is None:
            return 1.0
        if token[0] not in ("*", "/"):
            raise KernelParseError(f"Unexpected {_shown(token)} after the closing ']'.")
        self.advance()
        self.skip_newlines()
        divide = token[0] == "/"
        value = self.scalar(
            f"The {'divisor' if divide else 'factor'} after ']'",
            zero_problem="is zero: division by zero" if divide else _ZERO_FACTOR_PROBLEM,
        )
        self.skip_newlines()
        extra = self.peek()
        if extra is not None:
            raise KernelParseError(f"Unexpected {_shown(extra)} after the factor.")
        return 1.0 / value if divide else value

    def scalar(self, what: str, zero_problem: str = _ZERO_FACTOR_PROBLEM) -> float:
        """Read ``number`` or ``number / number`` as a non-zero finite factor."""
        token = self.peek()
        if token is None or token[0] != "number":
            raise KernelParseError(f"{what} must be a number, found {_shown(token)}.")
        value, text = self.fraction(lambda message: f"{what}: {message}")
        if value == 0:
            raise KernelParseError(f"{what}, {_quote(text)}, {zero_problem}.")
        return value

    def fraction(self, locate: Callable[[str], str]) -> tuple[float, str]:
        """Read a number, optionally ``/ number``; ``locate`` prefixes error messages."""
        numerator = self.advance()[1]
        value = float(numerator)
        text = numerator
        if self.peek_kind() == "/":
            self.advance()
            token = self.peek()
            if token is None or token[0] != "number":
                raise KernelParseError(
                    locate(
                        f"{_quote(numerator + '/')} must be followed by a number, "
                        f"found {_shown(token)}."
                    )
                )
            self.advance()
            text = f"{numerator}/{token[1]}"
            denominator = float(token[1])
            if denominator == 0:
                raise KernelParseError(locate(f"{_quote(text)} divides by zero."))
            value = value / denominator
        if not math.isfinite(value):
            raise KernelParseError(locate(f"{_quote(text)} is not a finite number."))
        return value, text

    def entry(self, entries: list[float]) -> None:
        """Read one matrix value at the current token and append it to ``entries``."""
        column = len(entries) + 1
        kind, text = self.peek()
        if kind == "word":
            bare = text.lower().lstrip("+-")
            problem = "is not a finite number" if bare in _NON_FINITE_WORDS else "is not a number"
            raise KernelParseError(f"{self.here(column)}: {_quote(text)} {problem}.")
        if kind != "number":
            raise KernelParseError(f"{self.here(column)}: unexpected {_quote(text)}.")
        if column > self.max_size:
            raise KernelParseError(
                f"Too many columns: row {len(self.rows) + 1} has more than {self.max_size} "
                f"values; at most {self.max_size} columns are allowed."
            )
        value, _ = self.fraction(lambda message: f"{self.here(column)}: {message}")
        if abs(value) > MAX_ABS_VALUE:
            raise KernelParseError(
                f"{self.here(column)}: the value {value:.12g} is too large; "
                f"kernel values must lie within ±{MAX_ABS_VALUE:g}."
            )
        entries.append(value)

    def comma(self, entries: list[float], after_comma: bool) -> None:
        """Check a comma is between values; raise if it starts a row or doubles up."""
        column = len(entries) + 1
        if not entries:
            raise KernelParseError(f"{self.here(column)}: a comma comes before any value.")
        if after_comma:
            raise KernelParseError(f"{self.here(column)}: empty value between commas.")

    def flat_gap(
        self, separators: str, entries: list[float], after_comma: bool
    ) -> tuple[list[float], bool]:
        """Apply a run of separators inside flat rows; return the new ``(entries, after_comma)``.

        Each newline or ``;`` ends a non-empty row; a comma must follow a value. Once the
        row is empty, only row separators may follow, so the loop runs at most three times.
        """
        for index, separator in enumerate(separators):
            if not entries:
                if "," in separators[index:]:
                    self.comma(entries, after_comma)
                return entries, False
            if separator == ",":
                self.comma(entries, after_comma)
                after_comma = True
            else:
                self.finish_row(entries)
                entries, after_comma = [], False
        return entries, after_comma

    def flat_rows(self, closing: str | None) -> None:
        """Read rows split by newlines or ``;`` until ``closing`` (or the end)."""
        entries: list[float] = []
        after_comma = False
        while (token := self.peek()) is not None and token[0] != closing:
            kind = token[0]
            if kind == "gap":
                self.advance()
                entries, after_comma = self.flat_gap(token[1], entries, after_comma)
            elif kind == "[":
                raise KernelParseError(
                    f"{self.here(len(entries) + 1)}: unexpected '['; brackets may only "
                    "surround the whole matrix or each row of a nested list."
                )
            else:
                self.entry(entries)
                after_comma = False
        if entries:
            self.finish_row(entries)

    def nested_rows(self) -> None:
        """Read ``[a, b, ...]`` rows, separated by commas, semicolons or newlines, up to ``]``."""
        while True:
            self.advance()  # the "[" opening this row, checked below for later rows
            entries: list[float] = []
            after_comma = False
            while (inner := self.peek())[0] != "]":
                if inner[0] == "gap":
                    self.advance()
                    # Newlines inside a row are ignored; the loop runs at most twice.
                    for separator in inner[1].replace("\n", ""):
                        if separator == ";":
                            raise KernelParseError(
                                f"{self.here(len(entries) + 1)}: ';' cannot appear inside "
                                "a bracketed row."
                            )
                        self.comma(entries, after_comma)
                        after_comma = True
                else:
                    self.entry(entries)
                    after_comma = False
            self.advance()
            if not entries:
                raise KernelParseError(f"Bracketed row {len(self.rows) + 1} is empty.")
            self.finish_row(entries)
            if self.peek_kind() == "gap":
                self.advance()
            token = self.peek()
            if token[0] == "]":
                return
            if token[0] != "[":
                raise KernelParseError(
                    f"At row {len(self.rows) + 1}: expected '[' to start the row, "
                    f"found {_shown(token)}."
                )


def _check_magnitude(kernel: np.ndarray, factor: float) -> None:
    """Raise KernelParseError naming the first value the factor made too large."""
    finite = np.isfinite(kernel)
    if not finite.all():
        row, column = np.argwhere(~finite)[0]
        raise KernelParseError(
            f"At row {row + 1}, column {column + 1}: multiplying by the factor {factor:g} "
            "makes the value too large to represent."
        )
    beyond = np.abs(kernel) > MAX_ABS_VALUE
    if beyond.any():
        row, column = np.argwhere(beyond)[0]
        raise KernelParseError(
            f"At row {row + 1}, column {column + 1}: multiplied by the factor {factor:g}, "
            f"the value is {kernel[row, column]:.12g}, too large; "
            f"kernel values must lie within ±{MAX_ABS_VALUE:g}."
        )


def parse(text: str, *, max_size: int = MAX_KERNEL_SIZE) -> np.ndarray:
    """Read a kernel written as text.

    Parameters
    ----------
    text : str
        Rows of numbers. Within a row, numbers are separated by spaces, tabs and/or
        commas; rows are separated by newlines or semicolons. Accepted forms include::

            1 2 1
            2 4 2
            1 2 1

            [1, 2, 1; 2, 4, 2; 1, 2, 1]
            [[1, 2, 1], [2, 4, 2], [1, 2, 1]]      (Python/NumPy nested list)
            1/16 * [1 2 1; 2 4 2; 1 2 1]           (also "1/16 [ ... ]", "0.5*[...]")
            [1 2 1; 2 4 2; 1 2 1] / 16             (also "[...] * 0.5")

        Numbers may be written ``-1``, ``+2``, ``1e-3``, ``.5``, ``2.`` or as a fraction
        ``3/4`` of two such numbers. A factor is only allowed around a bracketed matrix.
        Blank lines and surrounding whitespace are ignored. The text is never evaluated
        as code.
    max_size : int, optional
        Largest allowed number of rows and of columns.

    Returns
    -------
    numpy.ndarray
        The kernel as a 2-D ``float64`` array, multiplied by the factor if there is one.
        Every value lies within ``±MAX_ABS_VALUE``.

    Raises
    ------
    KernelParseError
        With a sentence naming the 1-based row and column of the problem where there is
        one, for: empty text, text longer than :data:`MAX_TEXT_LENGTH`, a value that is not
        a number, NaN or infinity, a value beyond ``±MAX_ABS_VALUE`` (as written, or
        once multiplied by the factor), division by zero, a zero factor, rows of different
        lengths, unbalanced brackets, or more than ``max_size`` rows or columns. The
        message quotes at most 40 characters of the text.
    FiltersError
        If ``max_size`` is not a positive integer.

    Notes
    -----
    The time taken grows linearly with the length of the text, and reading stops at
    the first problem, so any text up to :data:`MAX_TEXT_LENGTH` characters is read or
    refused in a few milliseconds.
    """
    if isinstance(max_size, bool) or not isinstance(max_size, numbers.Integral) or max_size < 1:
        raise FiltersError(f"Argument max_size must be a positive integer, got {max_size!r}.")
    if not isinstance(text, str):
        raise KernelParseError(f"Kernel text must be a string, got {type(text).__name__}.")
    if len(text) > MAX_TEXT_LENGTH:
        raise KernelParseError(
            f"The kernel text is {len(text):,} characters long; "
            f"at most {MAX_TEXT_LENGTH:,} are allowed."
        )
    if not text or text.isspace():
        raise KernelParseError("The kernel text is empty; enter rows of numbers such as '1 2 1'.")
    text = text.replace("\u2212", "-")
    _check_brackets(text)
    rows, factor = _KernelTextParser(text, int(max_size)).document()
    if not rows:
        raise KernelParseError("The kernel text contains no numbers.")
    kernel = np.array(rows, dtype=np.float64)
    if factor != 1.0:
        with np.errstate(over="ignore"):
            kernel *= factor
        _check_magnitude(kernel, factor)
    return kernel


def to_text(kernel: object, precision: int | None = 6) -> str:
    """Write a kernel as text that :func:`parse` reads back.

    Parameters
    ----------
    kernel : array_like
        A 2-D kernel of real, finite numbers (any size).
    precision : int or None, optional
        Significant digits per value (``format(value, ".6g")`` by default). ``None``
        writes each value with ``repr``, so ``parse(to_text(k, None))`` equals ``k``
        exactly.

    Returns
    -------
    str
        One row per line, values separated by spaces and right-aligned in columns,
        with no trailing newline.

    Raises
    ------
    FiltersError
        If ``kernel`` is not a valid kernel or ``precision`` is not a positive integer
        or ``None``.
    """
    matrix = validate_kernel(kernel, max_size=None)
    if precision is not None and (
        isinstance(precision, bool) or not isinstance(precision, numbers.Integral) or precision < 1
    ):
        raise FiltersError(f"precision must be a positive integer or None, got {precision!r}")
    # Adding 0.0 turns -0.0 into 0.0 so that zeros do not print as "-0".
    if precision is None:
        cells = [[repr(float(value) + 0.0) for value in row] for row in matrix]
    else:
        cells = [[format(float(value) + 0.0, f".{precision}g") for value in row] for row in matrix]
    width = max(len(cell) for row in cells for cell in row)
    return "\n".join(" ".join(cell.rjust(width) for cell in row) for row in cells)


# --------------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------------


def flip(kernel: object) -> np.ndarray:
    """Return the kernel rotated by 180° (``kernel[::-1, ::-1]``) as a new array.

    Parameters
    ----------
    kernel : array_like
        A 2-D kernel.

    Returns
    -------
    numpy.ndarray
        The rotated copy. Convolution with ``k`` equals correlation with ``flip(k)``.
    """
    return validate_kernel(kernel, max_size=None)[::-1, ::-1].copy()


def symmetric_part(kernel: object) -> np.ndarray:
    """Return the part of a kernel that is unchanged by a 180° rotation.

    Parameters
    ----------
    kernel : array_like
        A 2-D kernel ``K``.

    Returns
    -------
    numpy.ndarray
        ``S = (K + flip(K)) / 2``, with ``flip(S) == S`` and ``S + A == K`` for the
        :func:`antisymmetric_part` ``A``. Convolution and correlation agree on ``S``.
    """
    matrix = validate_kernel(kernel, max_size=None)
    return _half_sum(matrix, matrix[::-1, ::-1])


def antisymmetric_part(kernel: object) -> np.ndarray:
    """Return the part of a kernel that a 180° rotation negates.

    Parameters
    ----------
    kernel : array_like
        A 2-D kernel ``K``.

    Returns
    -------
    numpy.ndarray
        ``A = (K - flip(K)) / 2``, with ``flip(A) == -A``. Convolution and correlation
        give opposite results on ``A``; their difference for ``K`` is twice the result
        for ``A``.
    """
    matrix = validate_kernel(kernel, max_size=None)
    return _half_sum(matrix, -matrix[::-1, ::-1])


def _half_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(a + b) / 2``, also where ``a + b`` overflows (entries near the float limit)."""
    with np.errstate(over="ignore", invalid="ignore"):
        half = (a + b) / 2
    overflowed = ~np.isfinite(half)
    if overflowed.any():
        half[overflowed] = a[overflowed] / 2 + b[overflowed] / 2
    return half


def _check_tolerance(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise FiltersError(f"{name} must be a non-negative number, got {value!r}")
    return float(value)


def is_symmetric(kernel: object, *, rtol: float = 1e-12, atol: float = 0.0) -> bool:
    """Tell whether a kernel is unchanged by a 180° rotation, within a tolerance.

    Parameters
    ----------
    kernel : array_like
        A 2-D kernel ``K``.
    rtol : float, optional
        Tolerance relative to ``max|K|``.
    atol : float, optional
        Absolute tolerance.

    Returns
    -------
    bool
        ``max|K - flip(K)| <= atol + rtol * max|K|``. When true, convolving with the
        kernel gives the same result as correlating with it.
    """
    matrix = validate_kernel(kernel, max_size=None)
    rtol = _check_tolerance("rtol", rtol)
    atol = _check_tolerance("atol", atol)
    difference = np.abs(matrix - matrix[::-1, ::-1]).max()
    return bool(difference <= atol + rtol * np.abs(matrix).max())


def asymmetry(kernel: object) -> float:
    """Measure how far a kernel is from symmetric under a 180° rotation.

    Parameters
    ----------
    kernel : array_like
        A 2-D kernel ``K``.

    Returns
    -------
    float
        ``max|A| / max|K|`` where ``A`` is the :func:`antisymmetric_part`: 0 for a
        symmetric kernel (and for the all-zero kernel), 1 for an antisymmetric one such
        as Sobel, and in ``[0, 1]`` always.
    """
    matrix = validate_kernel(kernel, max_size=None)
    largest = np.abs(matrix).max()
    if largest == 0:
        return 0.0
    return float(np.abs(matrix - matrix[::-1, ::-1]).max() / 2 / largest)


@dataclass(frozen=True, eq=False)
class Separability:
    """Result of :func:`separability`.

    Attributes
    ----------
    rank : int
        Numerical rank: the number of singular values above ``rtol`` times the largest.
    singular_values : numpy.ndarray
        All singular values, largest first.
    is_separable : bool
        ``rank <= 1``: filtering with the kernel can be done as a column pass then a row
        pass. Always true for a 1 × n or n × 1 kernel.
    column, row : numpy.ndarray or None
        When ``rank <= 1``, 1-D factors with ``numpy.outer(column, row)`` equal to the
        kernel (zeros for the all-zero kernel); otherwise ``None``.
    """

    rank: int
    singular_values: np.ndarray
    is_separable: bool
    column: np.ndarray | None
    row: np.ndarray | None


def separability(kernel: object, *, rtol: float = 1e-12) -> Separability:
    """Find whether a kernel is the outer product of a column and a row.

    Parameters
    ----------
    kernel : array_like
        A 2-D kernel ``K``.
    rtol : float, optional
        Singular values at or below ``rtol * s_max`` count as zero.

    Returns
    -------
    Separability
        The rank and, for rank 1, the factors.

    Notes
    -----
    With the singular value decomposition ``K = U diag(s) Vᵀ``, a rank-1 kernel is
    ``K = s₀ u₀ v₀ᵀ``; the factors are ``column = √s₀ u₀`` and ``row = √s₀ v₀``
    (the scale split evenly), with both signs flipped if needed so that the column's
    largest-magnitude entry is positive.
    """
    matrix = validate_kernel(kernel, max_size=None)
    rtol = _check_tolerance("rtol", rtol)
    left, singular_values, right = np.linalg.svd(matrix, full_matrices=False)
    largest = singular_values[0]
    rank = 0 if largest == 0 else int(np.count_nonzero(singular_values > rtol * largest))
    column = row = None
    if rank == 0:
        column, row = np.zeros(matrix.shape[0]), np.zeros(matrix.shape[1])
    elif rank == 1:
        scale = math.sqrt(largest)
        column, row = left[:, 0] * scale, right[0] * scale
        if column[np.argmax(np.abs(column))] < 0:
            column, row = -column, -row
    return Separability(rank, singular_values, rank <= 1, column, row)


def dc_gain(kernel: object) -> float:
    """Return the kernel's sum: its gain for a constant image (zero frequency)."""
    return float(validate_kernel(kernel, max_size=None).sum())


def normalize(kernel: object) -> np.ndarray:
    """Scale a kernel so that it sums to 1.

    Parameters
    ----------
    kernel : array_like
        A 2-D kernel ``K``.

    Returns
    -------
    numpy.ndarray
        ``K / sum(K)``.

    Raises
    ------
    FiltersError
        If ``|sum(K)| <= 1e-12 * sum(|K|)``: a kernel that sums to (nearly) zero has no
        sum-1 version.
    """
    matrix = validate_kernel(kernel, max_size=None)
    total = matrix.sum()
    if total == 0:
        raise FiltersError(
            "the kernel sums to 0, so it cannot be normalised to sum 1; "
            "zero-sum kernels such as edge detectors keep their scale"
        )
    if abs(total) <= 1e-12 * np.abs(matrix).sum():
        raise FiltersError(
            f"the kernel sums to {total:.3g}, which is 0 up to rounding, so it cannot be "
            "normalised to sum 1; zero-sum kernels such as edge detectors keep their scale"
        )
    return matrix / total


def _checked_shape(shape: object, kernel_shape: tuple[int, int]) -> tuple[int, int]:
    height, width = positive_pair(shape)
    if height < kernel_shape[0] or width < kernel_shape[1]:
        raise FiltersError(
            f"shape {(height, width)} is smaller than the kernel {kernel_shape}; "
            "the response grid must be at least as large as the kernel"
        )
    return height, width


def frequency_response(
    kernel: object, shape: tuple[int, int] = (64, 64), *, centred: bool = True
) -> np.ndarray:
    """Return the kernel's discrete frequency response on a ``shape`` grid.

    Parameters
    ----------
    kernel : array_like
        A 2-D kernel ``K`` of shape ``(kh, kw)``.
    shape : tuple of int, optional
        Size ``(M, N)`` of the DFT; at least the kernel's size.
    centred : bool, optional
        If true, zero frequency is moved to the middle with ``numpy.fft.fftshift``
        (matching :func:`frequency_axes`); otherwise it is at index ``(0, 0)``.

    Returns
    -------
    numpy.ndarray
        Complex array of shape ``(M, N)``.

    Notes
    -----
    With the kernel centre ``(cy, cx) = ((kh - 1) // 2, (kw - 1) // 2)`` placed at the
    origin,

        H(u, v) = Σ_{m, n} K[m, n] · exp(−2πi (u (m − cy) / M + v (n − cx) / N))

    so ``H(0, 0)`` is the kernel's sum, a kernel symmetric under a 180° rotation with odd
    sides has a real response, and an antisymmetric one a purely imaginary response.
    """
    matrix = validate_kernel(kernel, max_size=None)
    height, width = _checked_shape(shape, matrix.shape)
    padded = np.zeros((height, width))
    padded[: matrix.shape[0], : matrix.shape[1]] = matrix
    centre = ((matrix.shape[0] - 1) // 2, (matrix.shape[1] - 1) // 2)
    padded = np.roll(padded, (-centre[0], -centre[1]), axis=(0, 1))
    response = np.fft.fft2(padded)
    return np.fft.fftshift(response) if centred else response


def frequency_axes(shape: tuple[int, int] = (64, 64)) -> tuple[np.ndarray, np.ndarray]:
    """Return the frequencies, in cycles per pixel, of a centred response's rows and columns.

    Parameters
    ----------
    shape : tuple of int, optional
        The ``shape`` passed to :func:`frequency_response`.

    Returns
    -------
    vertical, horizontal : numpy.ndarray
        1-D arrays of lengths ``shape[0]`` and ``shape[1]``: the vertical frequency of each
        row and the horizontal frequency of each column of ``frequency_response(k, shape)``,
        increasing from -0.5 (Nyquist) through 0.
    """
    height, width = _checked_shape(shape, (1, 1))
    return (
        np.fft.fftshift(np.fft.fftfreq(height)),
        np.fft.fftshift(np.fft.fftfreq(width)),
    )


def describe(kernel: object) -> dict[str, object]:
    """Summarise a kernel with the numbers a user interface shows.

    Parameters
    ----------
    kernel : array_like
        A 2-D kernel.

    Returns
    -------
    dict
        ``shape`` (tuple of int), ``sum``, ``min``, ``max``, ``asymmetry`` (float),
        ``symmetric``, ``separable`` (bool) and ``rank`` (int), as plain Python values.
    """
    matrix = validate_kernel(kernel, max_size=None)
    split = separability(matrix)
    return {
        "shape": (int(matrix.shape[0]), int(matrix.shape[1])),
        "sum": float(matrix.sum()),
        "min": float(matrix.min()),
        "max": float(matrix.max()),
        "symmetric": is_symmetric(matrix),
        "asymmetry": asymmetry(matrix),
        "rank": split.rank,
        "separable": split.is_separable,
    }
