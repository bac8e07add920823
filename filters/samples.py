"""Built-in sample images: public-domain photographs and generated test patterns.

Every sample is a float64 array with values in [0, 1], as returned by
:func:`filters.images.load_image`: ``(H, W)`` for grey samples and
``(H, W, 3)`` for colour ones. Photographs are read from the ``assets``
folder next to the package (their sources and licences are listed in
``assets/README.md``); patterns are drawn by the functions in this module at
any size.

>>> image = load_sample("letter_f", size=64)
>>> image.shape, image.dtype
((64, 64), dtype('float64'))
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from filters._checks import positive_int
from filters._errors import FiltersError
from filters.images import load_image, resize_long_side

__all__ = [
    "ASSETS_DIR",
    "DEFAULT_PATTERN_SIZE",
    "DEFAULT_SAMPLE",
    "MAX_SIZE",
    "MIN_SIZE",
    "SAMPLES",
    "Sample",
    "checkerboard",
    "gradient_ramp",
    "impulse",
    "letter_f",
    "load_sample",
    "sample_names",
    "step_edge",
    "zone_plate",
]

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
"""Folder holding the sample photographs."""

DEFAULT_PATTERN_SIZE = 256
"""Side of the square patterns when :func:`load_sample` is given no size."""

MIN_SIZE = 8
"""Smallest ``size`` accepted by the pattern functions and :func:`load_sample`."""

MAX_SIZE = 4096
"""Largest ``size`` accepted by the pattern functions and :func:`load_sample`."""


@dataclass(frozen=True)
class Sample:
    """A built-in sample image, as listed in :data:`SAMPLES`.

    Attributes
    ----------
    name : str
        Identifier passed to :func:`load_sample`, e.g. ``"grace_hopper"``.
    label : str
        Short human-readable name for menus.
    description : str
        One or two sentences on what the sample shows and what it is good for.
    kind : {"photo", "pattern"}
        ``"photo"`` for a photograph from ``assets/``, ``"pattern"`` for a
        generated test pattern.
    credit : str
        Attribution line for photographs (author and licence), empty for
        patterns.
    """

    name: str
    label: str
    description: str
    kind: Literal["photo", "pattern"]
    credit: str = ""


# --------------------------------------------------------------------------
# Test patterns


def impulse(size: int = DEFAULT_PATTERN_SIZE) -> np.ndarray:
    """Draw three isolated bright pixels on black.

    Filtering an impulse draws the filter's kernel around it: convolution
    draws the kernel as it is, correlation draws it rotated by 180°. The
    impulses sit at the centre (value 1), at a quarter of the height and
    width (value 1) and at a quarter of the height and three quarters of the
    width (value 0.5), so a kernel up to about ``size / 4`` wide shows
    around each one without overlap.

    Parameters
    ----------
    size : int, optional
        Side of the square image, from :data:`MIN_SIZE` to :data:`MAX_SIZE`.

    Returns
    -------
    image : (size, size) ndarray of float64
        Zeros except for the three impulses.
    """
    size = _check_size(size)
    image = np.zeros((size, size))
    image[size // 2, size // 2] = 1.0
    image[size // 4, size // 4] = 1.0
    image[size // 4, (3 * size) // 4] = 0.5
    return image


def letter_f(size: int = DEFAULT_PATTERN_SIZE) -> np.ndarray:
    """Draw a bold white letter "F" on black.

    The glyph has no mirror or rotational symmetry, so any flip of the image
    (or of a kernel applied to it) is obvious at a glance.

    Parameters
    ----------
    size : int, optional
        Side of the square image, from :data:`MIN_SIZE` to :data:`MAX_SIZE`.

    Returns
    -------
    image : (size, size) ndarray of float64
        1 inside the glyph, 0 elsewhere. The glyph spans the middle 60 % of
        the height; its stem is on the left, its long bar at the top and its
        shorter bar just above the middle.
    """
    size = _check_size(size)
    image = np.zeros((size, size))
    image[_span(size, 0.2, 0.8), _span(size, 0.3, 0.42)] = 1.0  # stem
    image[_span(size, 0.2, 0.32), _span(size, 0.3, 0.72)] = 1.0  # top bar
    image[_span(size, 0.45, 0.56), _span(size, 0.3, 0.62)] = 1.0  # middle bar
    return image


def checkerboard(size: int = DEFAULT_PATTERN_SIZE, *, squares: int = 8) -> np.ndarray:
    """Draw a black-and-white checkerboard.

    Its sharp edges in both directions show blurring, ringing and the
    effect of each boundary mode.

    Parameters
    ----------
    size : int, optional
        Side of the square image, from :data:`MIN_SIZE` to :data:`MAX_SIZE`.
    squares : int, optional
        Number of squares along each side, at least 1. Each square is
        ``size // squares`` pixels wide (at least 1), so when ``size`` is not
        a multiple of ``squares`` the last row and column are cut short.

    Returns
    -------
    image : (size, size) ndarray of float64
        1 (white) in the top-left square and every other square, 0 elsewhere.
    """
    size = _check_size(size)
    squares = positive_int(squares, "squares")
    side = max(1, size // squares)
    cells = np.arange(size) // side
    return ((cells[:, np.newaxis] + cells[np.newaxis, :]) % 2 == 0).astype(np.float64)


def zone_plate(size: int = DEFAULT_PATTERN_SIZE) -> np.ndarray:
    """Draw a zone plate: concentric rings whose frequency grows with radius.

    The image is ``0.5 + 0.5 cos(π r² / size)``, where ``r`` is the distance
    in pixels from the centre. Its local frequency, ``r / size`` cycles per
    pixel, rises from 0 at the centre to the Nyquist limit (0.5) at the middle
    of each edge, so each radius probes one frequency: a filter's frequency
    response appears as the brightness of the rings, and the corners (above
    Nyquist) show aliasing as false rings.

    Parameters
    ----------
    size : int, optional
        Side of the square image, from :data:`MIN_SIZE` to :data:`MAX_SIZE`.

    Returns
    -------
    image : (size, size) ndarray of float64
        Values in [0, 1], symmetric about the centre of the image, where they
        are close to 1.
    """
    size = _check_size(size)
    offsets = np.arange(size) - (size - 1) / 2
    radius_squared = offsets[:, np.newaxis] ** 2 + offsets[np.newaxis, :] ** 2
    return 0.5 + 0.5 * np.cos(np.pi * radius_squared / size)


def step_edge(size: int = DEFAULT_PATTERN_SIZE) -> np.ndarray:
    """Draw a vertical step edge: dark grey on the left, light grey on the right.

    The levels are 0.25 and 0.75 rather than 0 and 1, so the overshoot of
    sharpening filters and the ringing of FFT filters stay visible instead of
    being clipped.

    Parameters
    ----------
    size : int, optional
        Side of the square image, from :data:`MIN_SIZE` to :data:`MAX_SIZE`.

    Returns
    -------
    image : (size, size) ndarray of float64
        0.25 in columns ``0 .. size // 2 - 1`` and 0.75 from column
        ``size // 2`` on.
    """
    size = _check_size(size)
    image = np.full((size, size), 0.25)
    image[:, size // 2 :] = 0.75
    return image


def gradient_ramp(size: int = DEFAULT_PATTERN_SIZE) -> np.ndarray:
    """Draw a horizontal ramp from black on the left to white on the right.

    Smoothing leaves a ramp unchanged except near the borders, so it shows
    what each boundary mode does there.

    Parameters
    ----------
    size : int, optional
        Side of the square image, from :data:`MIN_SIZE` to :data:`MAX_SIZE`.

    Returns
    -------
    image : (size, size) ndarray of float64
        Every row is ``linspace(0, 1, size)``.
    """
    size = _check_size(size)
    return np.tile(np.linspace(0.0, 1.0, size), (size, 1))


# --------------------------------------------------------------------------
# Catalogue

_PHOTO_FILES: dict[str, str] = {
    "grace_hopper": "grace_hopper.jpg",
    "astronaut": "astronaut.png",
    "camera": "camera.png",
    "chelsea": "chelsea.png",
}

_PATTERNS: dict[str, Callable[[int], np.ndarray]] = {
    "impulse": impulse,
    "letter_f": letter_f,
    "checkerboard": checkerboard,
    "zone_plate": zone_plate,
    "step_edge": step_edge,
    "gradient_ramp": gradient_ramp,
}

SAMPLES: MappingProxyType[str, Sample] = MappingProxyType(
    {
        sample.name: sample
        for sample in (
            Sample(
                "grace_hopper",
                "Grace Hopper",
                "Colour portrait of the computing pioneer Grace Hopper in naval uniform "
                "before a flag (512 wide × 600 high): a face, glasses, ribbons and stars.",
                "photo",
                "U.S. Navy photograph, public domain (via matplotlib).",
            ),
            Sample(
                "astronaut",
                "Astronaut Eileen Collins",
                "Colour portrait of NASA astronaut Eileen Collins in an orange launch suit, "
                "with a flag and a space-shuttle model (512 × 512): saturated colours and "
                "sharp edges.",
                "photo",
                "NASA, public domain (via scikit-image).",
            ),
            Sample(
                "camera",
                "Cameraman (greyscale)",
                "Greyscale photograph of a man filming on a lawn (512 × 512): a "
                "single-channel image with smooth sky, grass texture and a thin tripod.",
                "photo",
                "Lav Varshney, CC0 (via scikit-image).",
            ),
            Sample(
                "chelsea",
                "Chelsea the cat",
                "Colour close-up of a cat's face (451 wide × 300 high): fur texture, "
                "whiskers and edges at many angles and scales.",
                "photo",
                "Stefan van der Walt, CC0 (via scikit-image).",
            ),
            Sample(
                "impulse",
                "Impulses",
                "Three single bright pixels on black. Filtering draws the kernel around "
                "each: as it is for convolution, rotated by 180° for correlation.",
                "pattern",
            ),
            Sample(
                "letter_f",
                "Letter F",
                "A bold white F on black. It has no symmetry, so any flip is obvious.",
                "pattern",
            ),
            Sample(
                "checkerboard",
                "Checkerboard",
                "Eight by eight black and white squares: sharp edges in both directions "
                "show blurring, ringing and boundary handling.",
                "pattern",
            ),
            Sample(
                "zone_plate",
                "Zone plate",
                "Rings whose frequency rises from zero at the centre to the Nyquist limit "
                "at the edges: shows a filter's frequency response, and aliasing in the "
                "corners.",
                "pattern",
            ),
            Sample(
                "step_edge",
                "Step edge",
                "Dark grey on the left, light grey on the right: shows edge detection, "
                "sharpening overshoot and ringing.",
                "pattern",
            ),
            Sample(
                "gradient_ramp",
                "Gradient ramp",
                "A smooth ramp from black to white: smoothing changes it only near the "
                "borders, where the boundary mode shows.",
                "pattern",
            ),
        )
    }
)
"""All samples by name, in menu order: the photographs, then the patterns."""

DEFAULT_SAMPLE = "grace_hopper"
"""Name of the sample shown when the app starts."""


def sample_names() -> tuple[str, ...]:
    """Return the names of all samples, in the order of :data:`SAMPLES`.

    Returns
    -------
    names : tuple of str
        The default sample, :data:`DEFAULT_SAMPLE`, comes first.
    """
    return tuple(SAMPLES)


def load_sample(name: str, *, size: int | None = None) -> np.ndarray:
    """Return a sample image as a new float64 array with values in [0, 1].

    Parameters
    ----------
    name : str
        One of :func:`sample_names`.
    size : int, optional
        For patterns, the side of the square image (default
        :data:`DEFAULT_PATTERN_SIZE`). For photographs, the largest allowed
        long side: larger photographs are shrunk to it (see
        :func:`filters.images.resize_long_side`), smaller ones are returned at
        their own size; by default the photograph is returned at full size.
        From :data:`MIN_SIZE` to :data:`MAX_SIZE`.

    Returns
    -------
    image : (H, W) or (H, W, 3) ndarray of float64
        A fresh, writable array: patterns and grey photographs are 2-D, colour
        photographs 3-D. Photographs are decoded once per process and cached;
        each call returns a copy.

    Raises
    ------
    FiltersError
        If ``name`` is not a sample name (the message lists the valid ones), or
        ``size`` is out of range.
    ImageLoadError
        If a photograph is missing from the assets folder or cannot be decoded.
    """
    if not isinstance(name, str) or name not in SAMPLES:
        raise FiltersError(f"name must be one of {', '.join(map(repr, SAMPLES))}; got {name!r}.")
    if SAMPLES[name].kind == "pattern":
        return _PATTERNS[name](DEFAULT_PATTERN_SIZE if size is None else size)
    return _photo(name, None if size is None else _check_size(size)).copy()


@functools.lru_cache(maxsize=32)
def _photo(name: str, long_side: int | None) -> np.ndarray:
    """Decode (and optionally shrink) a photograph once; the result is read-only."""
    image = load_image(ASSETS_DIR / _PHOTO_FILES[name])
    if long_side is not None:
        image = resize_long_side(image, long_side)
    image.flags.writeable = False
    return image


# --------------------------------------------------------------------------
# Helpers


def _span(size: int, start: float, stop: float) -> slice:
    """Return the pixel slice covering the fractions ``start`` to ``stop`` of ``size``.

    The slice is at least one pixel long, so thin strokes survive at small sizes.
    """
    first = round(start * size)
    return slice(first, max(round(stop * size), first + 1))


def _check_size(size: Any) -> int:
    """Return ``size`` as an int in [:data:`MIN_SIZE`, :data:`MAX_SIZE`], or raise."""
    size = positive_int(size, "size")
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise FiltersError(f"size must be from {MIN_SIZE} to {MAX_SIZE} pixels, not {size}.")
    return size
