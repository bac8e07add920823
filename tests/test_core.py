"""Tests for the filtering core: convolve, correlate, fft_convolve, fft_correlate.

The oracles are a slow, obviously-correct reference written here (``numpy.pad`` +
explicit sums, see :func:`reference_convolve` and :func:`loop_reference`),
scipy.signal, scipy.ndimage and OpenCV. The definition being tested (DESIGN.md,
"Core contract"): with ``Ĩ`` the image extended by the boundary rule,

    full[y, x] = Σ_{u,v} K[u, v] · Ĩ[y - u, x - v]
    same  = full[(kh-1)//2 : (kh-1)//2 + H, (kw-1)//2 : (kw-1)//2 + W]
    valid = full[kh-1 : H, kw-1 : W]

and ``correlate(I, K) == convolve(I, K[::-1, ::-1])`` exactly.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import scipy.fft
import scipy.ndimage
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import filters
from filters import (
    FiltersError,
    ImageSpectrum,
    choose_method,
    convolve,
    correlate,
    estimate_seconds,
    fft_convolve,
    fft_correlate,
    filter2d,
)
from filters import _calibrate as calibrate_module
from filters import _direct as direct_module

BOUNDARIES = ("constant", "reflect", "mirror", "nearest", "wrap")
OUTPUTS = ("full", "same", "valid")
# scipy.ndimage's boundary names -> numpy.pad modes (the contract's equivalences).
NUMPY_PAD_MODE = {
    "constant": "constant",
    "reflect": "symmetric",
    "mirror": "reflect",
    "nearest": "edge",
    "wrap": "wrap",
}
FUNCTIONS = {
    "convolve": convolve,
    "correlate": correlate,
    "fft_convolve": fft_convolve,
    "fft_correlate": fft_correlate,
}
IS_CONVOLUTION = {
    "convolve": True,
    "correlate": False,
    "fft_convolve": True,
    "fft_correlate": False,
}
IS_FFT = {"convolve": False, "correlate": False, "fft_convolve": True, "fft_correlate": True}

# Relative tolerances, as multiples of max|Ĩ| · Σ|K|. Direct sums of at most a few
# thousand products are good to ~1e-13; the contract allows the FFT 1e-10 (float64)
# and 1e-4 (float32).
DIRECT_RTOL = 1e-12
FFT_RTOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-4}


# ----------------------------------------------------------------------------
# The reference implementation
# ----------------------------------------------------------------------------


def extend(image: np.ndarray, kh: int, kw: int, boundary: str, cval: float) -> np.ndarray:
    """``Ĩ`` on indices ``-(kh-1) .. H+kh-2`` (rows) and likewise for columns."""
    widths = [(kh - 1, kh - 1), (kw - 1, kw - 1)] + [(0, 0)] * (image.ndim - 2)
    if boundary == "constant":
        return np.pad(image, widths, mode="constant", constant_values=cval)
    return np.pad(image, widths, mode=NUMPY_PAD_MODE[boundary])


def crop(full: np.ndarray, h: int, w: int, kh: int, kw: int, output: str) -> np.ndarray:
    """Cut ``same`` or ``valid`` out of ``full``, exactly as the contract says."""
    if output == "full":
        return full
    if output == "same":
        top, left = (kh - 1) // 2, (kw - 1) // 2
        return full[top : top + h, left : left + w]
    assert output == "valid"
    return full[kh - 1 : h, kw - 1 : w]


def reference_convolve(image, kernel, boundary="reflect", output="same", cval=0.0):
    """Convolution by the definition, one kernel tap at a time, in float64.

    ``full[y, x] += K[u, v] · Ĩ[y - u, x - v]`` for every tap, where ``Ĩ[i]`` is
    ``padded[i + kh - 1]``. Works for (H, W) and (H, W, C) images.
    """
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    (h, w), (kh, kw) = image.shape[:2], kernel.shape
    padded = extend(image, kh, kw, boundary, cval)
    full = np.zeros((h + kh - 1, w + kw - 1, *image.shape[2:]))
    for u in range(kh):
        for v in range(kw):
            rows = slice(kh - 1 - u, kh - 1 - u + h + kh - 1)
            cols = slice(kw - 1 - v, kw - 1 - v + w + kw - 1)
            full += kernel[u, v] * padded[rows, cols]
    return crop(full, h, w, kh, kw, output)


def reference_correlate(image, kernel, boundary="reflect", output="same", cval=0.0):
    return reference_convolve(image, np.asarray(kernel)[::-1, ::-1], boundary, output, cval)


def reference(name, image, kernel, boundary, output, cval):
    function = reference_convolve if IS_CONVOLUTION[name] else reference_correlate
    return function(image, kernel, boundary, output, cval)


def loop_reference(image, kernel, boundary, output, cval=0.0):
    """The same definition with four explicit scalar loops (small 2-D inputs only)."""
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    (h, w), (kh, kw) = image.shape, kernel.shape
    padded = extend(image, kh, kw, boundary, cval)
    full = np.zeros((h + kh - 1, w + kw - 1))
    for y in range(h + kh - 1):
        for x in range(w + kw - 1):
            total = 0.0
            for u in range(kh):
                for v in range(kw):
                    total += kernel[u, v] * padded[y - u + kh - 1, x - v + kw - 1]
            full[y, x] = total
    return crop(full, h, w, kh, kw, output)


def padded_reference(image, kernel, boundary, output, cval=0.0, correlation=False):
    """The definition again, through scipy.signal.convolve2d(mode="valid") on the
    numpy.pad-extended image (fast enough for large kernels)."""
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if correlation:
        kernel = kernel[::-1, ::-1]
    (h, w), (kh, kw) = image.shape[:2], kernel.shape
    padded = extend(image, kh, kw, boundary, cval)
    if image.ndim == 2:
        full = scipy.signal.convolve2d(padded, kernel, mode="valid")
    else:
        full = np.stack(
            [
                scipy.signal.convolve2d(padded[..., c], kernel, mode="valid")
                for c in range(image.shape[2])
            ],
            axis=-1,
        )
    return crop(full, h, w, kh, kw, output)


def scale_of(image, kernel, boundary="reflect", cval=0.0) -> float:
    """``max|Ĩ| · Σ|K|``: the natural size of the result (cval counts in constant mode)."""
    peak = float(np.max(np.abs(np.asarray(image, dtype=np.float64))))
    if boundary == "constant":
        peak = max(peak, abs(cval))
    return peak * float(np.sum(np.abs(np.asarray(kernel, dtype=np.float64))))


def assert_close(actual, expected, rtol, scale, *, dtype=np.float64, floor=0.0, context=""):
    """Same shape, the asked dtype, a NumPy array, and ``|actual - expected| <= rtol·scale``."""
    assert type(actual) is np.ndarray, f"{context}: result is {type(actual)}"
    assert actual.dtype == np.dtype(dtype), f"{context}: dtype {actual.dtype}"
    assert actual.shape == np.shape(expected), (
        f"{context}: shape {actual.shape} != {np.shape(expected)}"
    )
    np.testing.assert_allclose(
        actual.astype(np.float64),
        np.asarray(expected, dtype=np.float64),
        rtol=0,
        atol=rtol * scale + floor,
        err_msg=context,
    )


def tolerance_for(name: str, dtype=np.float64) -> float:
    return FFT_RTOL[np.dtype(dtype)] if IS_FFT[name] else DIRECT_RTOL


# ----------------------------------------------------------------------------
# Shape cases: (H, W, kh, kw), odd and even sides, non-square, kernels larger
# than the image in one or both axes.
# ----------------------------------------------------------------------------

_FIXED_CASES = [
    (1, 1, 1, 1),
    (1, 1, 3, 2),
    (1, 9, 1, 4),
    (9, 1, 4, 1),
    (2, 3, 7, 6),
    (3, 8, 6, 7),
    (4, 4, 4, 4),
    (5, 12, 2, 7),
    (6, 11, 5, 2),
    (7, 3, 3, 5),
    (12, 5, 6, 3),
    (12, 12, 7, 7),
]


def _random_cases(count: int, seed: int) -> list[tuple[int, int, int, int]]:
    rng = np.random.default_rng(seed)
    return [
        (
            int(rng.integers(1, 13)),
            int(rng.integers(1, 13)),
            int(rng.integers(1, 8)),
            int(rng.integers(1, 8)),
        )
        for _ in range(count)
    ]


SHAPE_CASES = _FIXED_CASES + _random_cases(12, seed=20240611)
CHANNELS = (None, 1, 3)


def with_channels(rotation: int = 0):
    """``(case, channels)`` pairs: each shape case with one of C ∈ {none, 1, 3}.

    Tests parametrised over the boundary pass ``rotation=BOUNDARIES.index(boundary)``
    so that, over the parameters, every case meets every channel count (one full
    product per test would cost three times the calls for little more coverage).
    """
    return [(case, CHANNELS[(i + rotation) % 3]) for i, case in enumerate(SHAPE_CASES)]


def test_shape_cases_cover_what_they_claim():
    cases = SHAPE_CASES
    assert any(kh % 2 == 0 for _, _, kh, _ in cases)
    assert any(kw % 2 == 1 for _, _, _, kw in cases)
    assert any(kh > h and kw > w for h, w, kh, kw in cases)
    assert any(kh > h and kw <= w for h, w, kh, kw in cases)
    assert any(kw > w and kh <= h for h, w, kh, kw in cases)
    assert any(h != w for h, w, _, _ in cases)
    assert any(kh != kw for _, _, kh, kw in cases)


def make_data(case, channels, seed=0):
    h, w, kh, kw = case
    rng = np.random.default_rng([seed, h, w, kh, kw, channels or 0])
    shape = (h, w) if channels is None else (h, w, channels)
    image = rng.uniform(-4.0, 4.0, size=shape)
    kernel = rng.standard_normal((kh, kw))
    return image, kernel


def applicable(case, output) -> bool:
    h, w, kh, kw = case
    return output != "valid" or (kh <= h and kw <= w)


# ----------------------------------------------------------------------------
# The reference itself
# ----------------------------------------------------------------------------


def test_reference_extension_matches_hand_written_patterns():
    """The boundary rules spelled out in DESIGN.md, on the row a b c d = 1 2 3 4.

    ``full`` of a 1×5 impulse at v = 4 is ``Ĩ[x - 4]``: the four samples left of
    the image, then the image itself.
    """
    image = np.array([[1.0, 2.0, 3.0, 4.0]])
    impulse = np.array([[0.0, 0.0, 0.0, 0.0, 1.0]])
    expected = {
        "reflect": [4, 3, 2, 1, 1, 2, 3, 4],  # d c b a | a b c d
        "mirror": [3, 4, 3, 2, 1, 2, 3, 4],  # (c) d c b | a b c d
        "nearest": [1, 1, 1, 1, 1, 2, 3, 4],  # a a a a | a b c d
        "wrap": [1, 2, 3, 4, 1, 2, 3, 4],  # a b c d | a b c d
        "constant": [9, 9, 9, 9, 1, 2, 3, 4],  # cval = 9
    }
    for boundary, row in expected.items():
        want = np.array([row], dtype=np.float64)
        np.testing.assert_array_equal(
            reference_convolve(image, impulse, boundary, "full", cval=9.0), want
        )
        for name, function in FUNCTIONS.items():
            kernel = impulse if IS_CONVOLUTION[name] else impulse[:, ::-1]
            got = function(image, kernel, boundary=boundary, output="full", cval=9.0)
            assert_close(got, want, tolerance_for(name), 9.0, context=f"{name} {boundary}")


def test_reference_agrees_with_scalar_loops():
    rng = np.random.default_rng(7)
    for h, w, kh, kw in [(1, 1, 3, 2), (3, 4, 2, 3), (4, 3, 5, 5), (5, 6, 3, 4)]:
        image = rng.standard_normal((h, w))
        kernel = rng.standard_normal((kh, kw))
        for boundary in BOUNDARIES:
            for output in OUTPUTS:
                if not applicable((h, w, kh, kw), output):
                    continue
                fast = reference_convolve(image, kernel, boundary, output, cval=0.5)
                slow = loop_reference(image, kernel, boundary, output, cval=0.5)
                np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)
                padded = padded_reference(image, kernel, boundary, output, cval=0.5)
                np.testing.assert_allclose(padded, slow, rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------
# Oracles
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("output", OUTPUTS)
def test_all_functions_match_scalar_loop_reference(boundary, output):
    """Pure-Python loops, small sizes: the definition with nothing in between."""
    rng = np.random.default_rng(11)
    for case in [(1, 1, 1, 1), (1, 2, 3, 3), (3, 5, 2, 4), (6, 4, 3, 2), (5, 5, 5, 5)]:
        if not applicable(case, output):
            continue
        h, w, kh, kw = case
        image = rng.uniform(-2, 2, (h, w))
        kernel = rng.standard_normal((kh, kw))
        for name, function in FUNCTIONS.items():
            k = kernel if IS_CONVOLUTION[name] else kernel[::-1, ::-1]
            want = loop_reference(image, k, boundary, output, cval=-1.5)
            got = function(image, kernel, boundary=boundary, output=output, cval=-1.5)
            scale = scale_of(image, kernel, boundary, -1.5)
            assert_close(got, want, tolerance_for(name), scale, context=f"{name} {case}")


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("output", OUTPUTS)
def test_matches_numpy_pad_reference(name, boundary, output):
    """Every shape case (kernels larger than the image included), C ∈ {none, 1, 3}."""
    function = FUNCTIONS[name]
    cval = 0.75
    checked = 0
    for case, channels in with_channels(BOUNDARIES.index(boundary) + OUTPUTS.index(output)):
        if not applicable(case, output):
            continue
        image, kernel = make_data(case, channels)
        got = function(image, kernel, boundary=boundary, output=output, cval=cval)
        want = reference(name, image, kernel, boundary, output, cval)
        scale = scale_of(image, kernel, boundary, cval)
        assert_close(got, want, tolerance_for(name), scale, context=f"{name} {case} C={channels}")
        checked += 1
    assert checked >= 10


SIGNAL_BOUNDARY = {"constant": "fill", "wrap": "wrap", "reflect": "symm"}


def _per_channel(function, image, *args, **kwargs):
    if image.ndim == 2:
        return function(image, *args, **kwargs)
    return np.stack(
        [function(image[..., c], *args, **kwargs) for c in range(image.shape[2])], axis=-1
    )


@pytest.mark.parametrize("boundary", list(SIGNAL_BOUNDARY))
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("name", ["convolve", "fft_convolve"])
def test_convolve_matches_scipy_signal_convolve2d(name, boundary, output):
    """scipy.signal.convolve2d: fill (fillvalue=cval) / wrap / symm.

    ``wrap`` and ``symm`` are only compared for kernels no larger than the image:
    before SciPy 1.9 (gh-8684, fixed by PR 16134) convolve2d extended the image
    only once and read garbage for larger kernels. The numpy.pad reference above
    covers those sizes in every mode.
    """
    function = FUNCTIONS[name]
    cval = -0.5 if boundary == "constant" else 0.0
    checked = 0
    for case, channels in with_channels(OUTPUTS.index(output)):
        h, w, kh, kw = case
        if not applicable(case, output):
            continue
        if boundary != "constant" and (kh > h or kw > w):
            continue
        image, kernel = make_data(case, channels, seed=1)
        want = _per_channel(
            scipy.signal.convolve2d,
            image,
            kernel,
            mode=output,
            boundary=SIGNAL_BOUNDARY[boundary],
            fillvalue=cval,
        )
        got = function(image, kernel, boundary=boundary, output=output, cval=cval)
        scale = scale_of(image, kernel, boundary, cval)
        assert_close(got, want, tolerance_for(name), scale, context=f"{case} C={channels}")
        checked += 1
    assert checked >= 8


@pytest.mark.parametrize("boundary", list(SIGNAL_BOUNDARY))
@pytest.mark.parametrize("output", ["full", "valid"])
@pytest.mark.parametrize("name", ["correlate", "fft_correlate"])
def test_correlate_matches_scipy_signal_correlate2d(name, boundary, output):
    """correlate2d agrees in full and valid (its 'same' centres differently, see below)."""
    function = FUNCTIONS[name]
    cval = 1.25 if boundary == "constant" else 0.0
    for case in SHAPE_CASES:
        h, w, kh, kw = case
        if not applicable(case, output) or (boundary != "constant" and (kh > h or kw > w)):
            continue
        image, kernel = make_data(case, None, seed=2)
        want = scipy.signal.correlate2d(
            image, kernel, mode=output, boundary=SIGNAL_BOUNDARY[boundary], fillvalue=cval
        )
        got = function(image, kernel, boundary=boundary, output=output, cval=cval)
        scale = scale_of(image, kernel, boundary, cval)
        assert_close(got, want, tolerance_for(name), scale, context=f"{case}")


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("name", ["correlate", "fft_correlate"])
def test_correlate_same_matches_scipy_ndimage_correlate(name, boundary):
    """Contract: correlate(output="same") == scipy.ndimage.correlate, odd AND even kernels."""
    function = FUNCTIONS[name]
    cval = 2.5
    even_seen = odd_seen = False
    for case, channels in with_channels(BOUNDARIES.index(boundary)):
        image, kernel = make_data(case, channels, seed=3)
        weights = kernel if channels is None else kernel[:, :, None]
        want = scipy.ndimage.correlate(image, weights, mode=boundary, cval=cval)
        got = function(image, kernel, boundary=boundary, output="same", cval=cval)
        scale = scale_of(image, kernel, boundary, cval)
        assert_close(got, want, tolerance_for(name), scale, context=f"{case} C={channels}")
        even_seen |= case[2] % 2 == 0 and case[3] % 2 == 0
        odd_seen |= case[2] % 2 == 1 and case[3] % 2 == 1
    assert even_seen and odd_seen


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_scipy_ndimage_convolve_is_full_cropped_at_half_kernel(boundary):
    """scipy.ndimage.convolve(I, K) == convolve(I, K, output="full")[kh//2 :, kw//2 :] (H×W).

    Our ``same`` starts at ``(kh-1)//2``: the two agree for odd sides and differ
    by exactly one pixel along each even side: ``ndimage[y] == same[y + 1]``.
    """
    cval = -1.0
    for case in SHAPE_CASES:
        h, w, kh, kw = case
        image, kernel = make_data(case, None, seed=4)
        scale = scale_of(image, kernel, boundary, cval)
        theirs = scipy.ndimage.convolve(image, kernel, mode=boundary, cval=cval)
        full = convolve(image, kernel, boundary=boundary, output="full", cval=cval)
        assert_close(full[kh // 2 : kh // 2 + h, kw // 2 : kw // 2 + w], theirs, 1e-12, scale)
        same = convolve(image, kernel, boundary=boundary, output="same", cval=cval)
        dy, dx = 1 - kh % 2, 1 - kw % 2
        assert_close(same[dy:, dx:], theirs[: h - dy, : w - dx], 1e-12, scale, context=str(case))


def test_even_kernels_shift_by_one_pixel_against_ndimage_convolve_and_correlate2d():
    rng = np.random.default_rng(5)
    image = rng.standard_normal((8, 9))
    for kernel_shape, (dy, dx) in [((4, 4), (1, 1)), ((4, 3), (1, 0)), ((3, 2), (0, 1))]:
        kernel = rng.standard_normal(kernel_shape)
        ours = convolve(image, kernel, boundary="constant", output="same")
        theirs = scipy.ndimage.convolve(image, kernel, mode="constant")
        assert not np.allclose(ours, theirs)  # they do differ ...
        np.testing.assert_allclose(ours[dy:, dx:], theirs[: 8 - dy, : 9 - dx], atol=1e-12)
        ours = correlate(image, kernel, boundary="constant", output="same")
        theirs = scipy.signal.correlate2d(image, kernel, mode="same")
        assert not np.allclose(ours, theirs)
        # ... by one pixel: correlate2d(same) == correlate(full)[kh//2:, kw//2:] too.
        np.testing.assert_allclose(ours[dy:, dx:], theirs[: 8 - dy, : 9 - dx], atol=1e-12)
        full = correlate(image, kernel, boundary="constant", output="full")
        kh, kw = kernel_shape
        np.testing.assert_allclose(full[kh // 2 : kh // 2 + 8, kw // 2 : kw // 2 + 9], theirs)
    # Odd kernels: everybody agrees.
    kernel = rng.standard_normal((3, 5))
    np.testing.assert_allclose(
        convolve(image, kernel, boundary="constant"),
        scipy.ndimage.convolve(image, kernel, mode="constant"),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        correlate(image, kernel, boundary="constant"),
        scipy.signal.correlate2d(image, kernel, mode="same"),
        atol=1e-12,
    )


# OpenCV's filter2D is a correlation. Its default anchor (kw//2, kh//2) is
# scipy.ndimage.correlate's centre, which is our correlate(same) centre for odd
# AND even kernels. BORDER_WRAP is not supported by filter2D, so wrap is left out.
OPENCV_BORDER = {
    "mirror": cv2.BORDER_REFLECT_101,
    "reflect": cv2.BORDER_REFLECT,
    "nearest": cv2.BORDER_REPLICATE,
    "constant": cv2.BORDER_CONSTANT,
}


@pytest.mark.parametrize("boundary", list(OPENCV_BORDER))
def test_correlate_same_matches_opencv_filter2d(boundary):
    for index, case in enumerate(SHAPE_CASES):
        channels = (None, 3)[index % 2]  # OpenCV drops a single channel axis
        image, kernel = make_data(case, channels, seed=6)
        scale = scale_of(image, kernel)
        border = OPENCV_BORDER[boundary]
        theirs = cv2.filter2D(image, cv2.CV_64F, kernel, borderType=border)
        ours = correlate(image, kernel, boundary=boundary, output="same")
        assert_close(ours, theirs, 1e-11, scale, context=f"{case} C={channels}")
        # Convolution = filter2D with the kernel flipped (default anchor).
        flipped = np.ascontiguousarray(kernel[::-1, ::-1])
        theirs = cv2.filter2D(image, cv2.CV_64F, flipped, borderType=border)
        ours = convolve(image, kernel, boundary=boundary, output="same")
        assert_close(ours, theirs, 1e-11, scale, context=f"{case} C={channels}")


def test_opencv_even_kernel_anchor_is_half_kernel():
    rng = np.random.default_rng(8)
    image = rng.uniform(0, 255, (9, 10)).astype(np.uint8)
    kernel = rng.standard_normal((4, 6))
    default = cv2.filter2D(image, cv2.CV_64F, kernel, borderType=cv2.BORDER_REFLECT_101)
    explicit = cv2.filter2D(
        image, cv2.CV_64F, kernel, anchor=(6 // 2, 4 // 2), borderType=cv2.BORDER_REFLECT_101
    )
    np.testing.assert_array_equal(default, explicit)
    ours = correlate(image, kernel, boundary="mirror")
    np.testing.assert_allclose(ours, default, atol=1e-10)


def test_opencv_documented_convolution_recipe_centres_like_ndimage_convolve():
    """OpenCV's docs: for a true convolution flip the kernel and move the anchor to
    (kw - 1 - kw//2, kh - 1 - kh//2). That centres like scipy.ndimage.convolve,
    i.e. full[kh//2 :, kw//2 :]: one pixel from our convolve(same) along even sides."""
    rng = np.random.default_rng(28)
    image = rng.standard_normal((9, 10))
    for kh, kw in [(4, 4), (4, 3), (3, 6), (5, 5)]:
        kernel = rng.standard_normal((kh, kw))
        theirs = cv2.filter2D(
            image,
            cv2.CV_64F,
            np.ascontiguousarray(kernel[::-1, ::-1]),
            anchor=(kw - 1 - kw // 2, kh - 1 - kh // 2),
            borderType=cv2.BORDER_REFLECT_101,
        )
        np.testing.assert_allclose(
            theirs, scipy.ndimage.convolve(image, kernel, mode="mirror"), atol=1e-12
        )
        full = convolve(image, kernel, boundary="mirror", output="full")
        np.testing.assert_allclose(
            full[kh // 2 : kh // 2 + 9, kw // 2 : kw // 2 + 10], theirs, atol=1e-12
        )
        same = convolve(image, kernel, boundary="mirror", output="same")
        dy, dx = 1 - kh % 2, 1 - kw % 2
        np.testing.assert_allclose(same[dy:, dx:], theirs[: 9 - dy, : 10 - dx], atol=1e-12)
        assert np.allclose(same, theirs) == (dy == dx == 0)


# ----------------------------------------------------------------------------
# Input and output dtypes
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_integer_float32_and_list_inputs(name):
    function = FUNCTIONS[name]
    rng = np.random.default_rng(9)
    kernel = rng.standard_normal((3, 4))
    images = [
        rng.integers(0, 256, (7, 6, 3)).astype(np.uint8),
        rng.integers(-3000, 3000, (6, 8)).astype(np.int16),
        rng.integers(-(2**40), 2**40, (5, 5)).astype(np.int64),
        rng.standard_normal((6, 5)).astype(np.float32),
        rng.standard_normal((6, 5)).astype(np.float16),
        rng.integers(0, 10, (5, 6)).tolist(),
        rng.standard_normal((4, 5, 2)).tolist(),
    ]
    for image in images:
        as_float = np.asarray(image, dtype=np.float64)
        for boundary in BOUNDARIES:
            got = function(image, kernel, boundary=boundary, output="same", cval=3.0)
            want = reference(name, as_float, kernel, boundary, "same", 3.0)
            scale = scale_of(as_float, kernel, boundary, 3.0)
            assert_close(got, want, tolerance_for(name), scale, context=f"{np.shape(image)}")


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_integer_and_list_kernels(name):
    function = FUNCTIONS[name]
    image = np.random.default_rng(10).standard_normal((6, 7))
    kernels = [
        np.array([[1, -2, 3], [0, 4, -1]], dtype=np.int64),
        np.array([[1, 2], [3, 4]], dtype=np.uint8),
        [[0.5, 1.0], [-1.0, 2.0], [0.25, 0.0]],
        np.array([[1.5, -0.5]], dtype=np.float32),
    ]
    for kernel in kernels:
        got = function(image, kernel, boundary="wrap", output="full")
        want = reference(name, image, kernel, "wrap", "full", 0.0)
        assert_close(got, want, tolerance_for(name), scale_of(image, kernel))


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_float32_dtype(name, boundary):
    function = FUNCTIONS[name]
    for case, channels in [((7, 9, 3, 3), None), ((6, 5, 4, 2), 3), ((3, 2, 5, 6), 1)]:
        image, kernel = make_data(case, channels, seed=12)
        for output in OUTPUTS:
            if not applicable(case, output):
                continue
            options = dict(boundary=boundary, output=output, cval=-2.0)
            single = function(image, kernel, dtype=np.float32, **options)
            double = function(image, kernel, **options)
            assert double.dtype == np.float64
            scale = scale_of(image, kernel, boundary, -2.0)
            assert_close(single, double, 1e-4, scale, dtype=np.float32, context=str(case))
    also = function(image, kernel, dtype="float32", boundary=boundary)
    assert also.dtype == np.float32


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_result_is_a_fresh_array_and_inputs_are_untouched(name):
    function = FUNCTIONS[name]
    rng = np.random.default_rng(13)
    for dtype in (np.float64, np.float32):
        image = rng.standard_normal((5, 6, 2)).astype(dtype)
        kernel = np.ones((1, 1), dtype=dtype)
        image_copy, kernel_copy = image.copy(), kernel.copy()
        for output in OUTPUTS:
            out = function(image, kernel, output=output, dtype=dtype)
            assert type(out) is np.ndarray
            assert out.flags.c_contiguous
            assert not np.shares_memory(out, image)
            np.testing.assert_allclose(out, image, atol=1e-5)
            out[...] = 123.0
        np.testing.assert_array_equal(image, image_copy)
        np.testing.assert_array_equal(kernel, kernel_copy)


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_non_contiguous_inputs(name):
    function = FUNCTIONS[name]
    rng = np.random.default_rng(14)
    base = rng.standard_normal((12, 14, 3))
    kernel_base = rng.standard_normal((8, 6))
    views = [
        (base[::-1, ::2], kernel_base[::2, ::-1]),
        (base[1:9, 2:11, 1], kernel_base.T),
        (np.asfortranarray(base[:, :, 0]), np.asfortranarray(kernel_base[:3, :5])),
        (base.transpose(1, 0, 2), kernel_base[::-3, 1:4]),
    ]
    for image, kernel in views:
        for boundary in BOUNDARIES:
            for output in OUTPUTS:
                if output == "valid" and not applicable((*image.shape[:2], *kernel.shape), output):
                    continue
                got = function(image, kernel, boundary=boundary, output=output)
                want = function(
                    np.ascontiguousarray(image),
                    np.ascontiguousarray(kernel),
                    boundary=boundary,
                    output=output,
                )
                np.testing.assert_array_equal(got, want)
                ref = reference(name, image, kernel, boundary, output, 0.0)
                assert_close(got, ref, tolerance_for(name), scale_of(image, kernel))


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_identity_and_zero_kernels(name):
    function = FUNCTIONS[name]
    image = np.random.default_rng(15).standard_normal((5, 7, 3))
    for boundary in BOUNDARIES:
        for output in OUTPUTS:
            got = function(image, [[1.0]], boundary=boundary, output=output)
            assert_close(got, image, tolerance_for(name), scale_of(image, [[1.0]]))
            if not IS_FFT[name]:
                np.testing.assert_array_equal(got, image)
            zeros = function(image, np.zeros((3, 2)), boundary=boundary, output=output, cval=4.0)
            np.testing.assert_array_equal(zeros, np.zeros_like(zeros))


# ----------------------------------------------------------------------------
# Large kernels: the extension wraps or reflects several times around the image
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_large_kernels(boundary):
    rng = np.random.default_rng(16)
    cval = 0.3
    setups = [
        (rng.uniform(-1, 1, (40, 40)), rng.standard_normal((31, 31)), OUTPUTS),
        (rng.uniform(-1, 1, (40, 40)), rng.standard_normal((63, 63)), ("full", "same")),
        (rng.uniform(-1, 1, (5, 7)), rng.standard_normal((15, 15)), ("full", "same")),
        (rng.uniform(-1, 1, (5, 7, 3)), rng.standard_normal((15, 14)), ("full", "same")),
        (rng.uniform(-1, 1, (2, 1)), rng.standard_normal((16, 9)), ("full", "same")),
    ]
    for image, kernel, outputs in setups:
        scale = scale_of(image, kernel, boundary, cval)
        flipped = kernel[::-1, ::-1]
        for output in outputs:
            want = padded_reference(image, kernel, boundary, output, cval)
            for name in FUNCTIONS:
                # correlate(I, flip K) == convolve(I, K): one reference for all four.
                k = kernel if IS_CONVOLUTION[name] else flipped
                got = FUNCTIONS[name](image, k, boundary=boundary, output=output, cval=cval)
                context = f"{name} {image.shape} {kernel.shape} {output}"
                assert_close(got, want, tolerance_for(name), scale, context=context)


# ----------------------------------------------------------------------------
# Separable and sparse kernels
# ----------------------------------------------------------------------------


@pytest.fixture
def separable_calls(monkeypatch):
    """Counts the calls of the two-pass (rank-1) route of the direct functions.

    Whether a rank-1 kernel takes two passes depends on the calibration
    measured on the machine: a calibration in which two passes always cost
    less is in force meanwhile, so that the route taken does not depend on it.
    """
    for dtype in ("float64", "float32"):
        cheap_passes = calibrate_module.Calibration(
            dtype=dtype, direct=(1e-9, 1e-9), separable=(1e-9, 1e-10), fft=1.0, measured={}
        )
        monkeypatch.setitem(calibrate_module._CURRENT, dtype, cheap_passes)
    calls = []
    original = direct_module.convolve_valid_separable

    def spy(*args, **kwargs):
        calls.append(args[0].shape)
        return original(*args, **kwargs)

    monkeypatch.setattr(direct_module, "convolve_valid_separable", spy)
    return calls


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_rank_one_kernel_goes_through_two_passes_and_is_exact(boundary, separable_calls):
    rng = np.random.default_rng(17)
    for kernel_shape, channels in [((5, 7), None), ((4, 4), 3), ((2, 9), None), ((6, 3), 2)]:
        kernel = np.outer(
            rng.standard_normal(kernel_shape[0]), rng.standard_normal(kernel_shape[1])
        )
        image = rng.uniform(-3, 3, (12, 10) if channels is None else (12, 10, channels))
        scale = scale_of(image, kernel, boundary, 1.0)
        for output in OUTPUTS:
            for name in ("convolve", "correlate"):
                before = len(separable_calls)
                got = FUNCTIONS[name](
                    image, kernel, boundary=boundary, output=output, cval=1.0, backend="cpu"
                )
                assert len(separable_calls) == before + 1, "rank-1 kernel not separated"
                want = reference(name, image, kernel, boundary, output, 1.0)
                assert_close(got, want, 1e-12, scale, context=f"{kernel_shape} {output}")


@pytest.mark.parametrize("relative_noise", [1e-6, 1e-11, 1e-15])
def test_approximately_rank_one_kernels_are_still_correct(relative_noise, separable_calls):
    rng = np.random.default_rng(18)
    kernel = np.outer(rng.standard_normal(6), rng.standard_normal(5))
    kernel += relative_noise * np.abs(kernel).max() * rng.standard_normal(kernel.shape)
    image = rng.uniform(-3, 3, (11, 13, 2))
    for boundary in BOUNDARIES:
        for output in OUTPUTS:
            for name in ("convolve", "correlate"):
                got = FUNCTIONS[name](
                    image, kernel, boundary=boundary, output=output, backend="cpu"
                )
                want = reference(name, image, kernel, boundary, output, 0.0)
                assert_close(got, want, 1e-12, scale_of(image, kernel))
    if relative_noise >= 1e-11:
        assert separable_calls == [], "a rank-2 kernel must not go through two 1-D passes"


@pytest.mark.parametrize("kernel_shape", [(5, 5), (4, 6), (3, 1), (1, 2), (7, 4)])
def test_shifted_impulse_shifts_exactly_in_wrap_mode(kernel_shape):
    """A kernel with a single 1 at (u, v): full[y, x] = I[(y - u) mod H, (x - v) mod W]."""
    rng = np.random.default_rng(19)
    h, w = 6, 9
    kh, kw = kernel_shape
    corners = {(0, 0), (0, kw - 1), (kh - 1, 0), (kh - 1, kw - 1), (kh // 2, kw // 2)}
    corners.add((int(rng.integers(kh)), int(rng.integers(kw))))
    for index, (u, v) in enumerate(sorted(corners)):
        image = rng.standard_normal((h, w) if index % 2 else (h, w, 3))
        kernel = np.zeros(kernel_shape)
        kernel[u, v] = 1.0
        rows = (np.arange(h + kh - 1) - u) % h
        cols = (np.arange(w + kw - 1) - v) % w
        full = image[rows][:, cols]
        for output in OUTPUTS:
            if not applicable((h, w, kh, kw), output):
                continue
            want = crop(full, h, w, kh, kw, output)
            got = convolve(image, kernel, boundary="wrap", output=output)
            np.testing.assert_array_equal(got, want)
            got = correlate(image, kernel[::-1, ::-1], boundary="wrap", output=output)
            np.testing.assert_array_equal(got, want)
        # "same" is then a plain circular shift.
        same = convolve(image, kernel, boundary="wrap", output="same")
        shift = (u - (kh - 1) // 2, v - (kw - 1) // 2)
        np.testing.assert_array_equal(same, np.roll(image, shift, axis=(0, 1)))


def test_integer_images_with_small_integer_kernels_are_exact():
    rng = np.random.default_rng(20)
    image = rng.integers(0, 256, (9, 8, 3)).astype(np.uint8)
    # Not rank 1 (a rank-1 kernel may go through two passes with irrational factors),
    # so every output is a sum of small integers, exact in float64.
    kernel = np.array([[1, 2, 0], [0, -1, 3], [2, 0, 1], [-1, 1, 1]])
    for boundary in BOUNDARIES:
        for output in OUTPUTS:
            want = reference_convolve(image, kernel, boundary, output, cval=7.0)
            np.testing.assert_array_equal(
                convolve(image, kernel, boundary=boundary, output=output, cval=7.0), want
            )


# ----------------------------------------------------------------------------
# The direct functions never transform; the FFT functions always do
# ----------------------------------------------------------------------------

_TRANSFORMS = ("fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "rfft2", "irfft2")
_TRANSFORMS += ("fftn", "ifftn", "rfftn", "irfftn")


def test_direct_functions_never_use_a_transform(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a direct function called an FFT")

    for module in (scipy.fft, np.fft):
        for name in _TRANSFORMS:
            monkeypatch.setattr(module, name, forbidden)
    rng = np.random.default_rng(21)
    image = rng.standard_normal((30, 30))
    kernel = rng.standard_normal((25, 25))  # large: where a shortcut would pay off
    for function in (convolve, correlate):
        got = function(image, kernel, boundary="wrap", output="same", backend="cpu")
        want = padded_reference(image, kernel, "wrap", "same", correlation=function is correlate)
        assert_close(got, want, 1e-12, scale_of(image, kernel))


def test_fft_functions_go_through_the_transform(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("an FFT function slid the kernel in the spatial domain")

    monkeypatch.setattr(direct_module, "convolve_valid", forbidden)
    monkeypatch.setattr(direct_module, "convolve_valid_separable", forbidden)
    for name in ("correlate", "convolve", "correlate1d", "convolve1d", "uniform_filter"):
        monkeypatch.setattr(scipy.ndimage, name, forbidden)
    calls = []
    original = scipy.fft.rfft2

    def spy(*args, **kwargs):
        calls.append(np.shape(args[0]))
        return original(*args, **kwargs)

    monkeypatch.setattr(scipy.fft, "rfft2", spy)
    rng = np.random.default_rng(22)
    image = rng.standard_normal((9, 8))
    kernel = np.ones((3, 3))  # tiny and separable: where a shortcut would pay off
    for name in ("fft_convolve", "fft_correlate"):
        before = len(calls)
        got = FUNCTIONS[name](image, kernel, backend="cpu")
        assert len(calls) > before
        want = reference(name, image, kernel, "reflect", "same", 0.0)
        assert_close(got, want, 1e-10, scale_of(image, kernel))


# ----------------------------------------------------------------------------
# ImageSpectrum
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("channels", [None, 3])
def test_image_spectrum_reused_for_several_kernels(boundary, output, channels):
    rng = np.random.default_rng(23)
    shape = (9, 11) if channels is None else (9, 11, channels)
    image = rng.uniform(-1, 1, shape)
    kernel_shape = (5, 4)
    options = dict(boundary=boundary, output=output, cval=0.5)
    spectrum = ImageSpectrum(image, kernel_shape, **options)
    assert spectrum.kernel_shape == kernel_shape
    for _ in range(3):
        kernel = rng.standard_normal(kernel_shape)
        scale = scale_of(image, kernel, boundary, 0.5)
        conv = spectrum.convolve(kernel)
        corr = spectrum.correlate(kernel)
        assert_close(conv, fft_convolve(image, kernel, **options), 1e-13, scale)
        assert_close(corr, fft_correlate(image, kernel, **options), 1e-13, scale)
        assert_close(conv, reference_convolve(image, kernel, **options), 1e-10, scale)
        assert_close(corr, reference_correlate(image, kernel, **options), 1e-10, scale)
        both = spectrum.convolve_and_correlate(kernel)
        assert_close(both[0], conv, 1e-13, scale)
        assert_close(both[1], corr, 1e-13, scale)
        assert spectrum.output_shape == conv.shape
    # Using it did not spoil it.
    again = spectrum.convolve(kernel)
    np.testing.assert_array_equal(again, conv)


@pytest.mark.parametrize("output", OUTPUTS)
def test_image_spectrum_shape(output):
    h, w, c, kh, kw = 13, 10, 3, 6, 3
    image = np.ones((h, w, c))
    pad_h = {"full": 2 * (kh - 1), "same": kh - 1, "valid": 0}[output]
    pad_w = {"full": 2 * (kw - 1), "same": kw - 1, "valid": 0}[output]
    fast_h = scipy.fft.next_fast_len(h + pad_h, real=True)
    fast_w = scipy.fft.next_fast_len(w + pad_w, real=True)
    spectrum = ImageSpectrum(image, (kh, kw), output=output)
    assert spectrum.spectrum.shape == (c, fast_h, fast_w // 2 + 1)
    assert fast_h >= h + pad_h and fast_w >= w + pad_w
    grey = ImageSpectrum(image[..., 0], (kh, kw), output=output)
    assert grey.spectrum.shape == (fast_h, fast_w // 2 + 1)
    assert np.iscomplexobj(grey.spectrum)
    assert grey.kernel_spectrum(np.ones((kh, kw))).shape == (fast_h, fast_w // 2 + 1)
    single = ImageSpectrum(image, (kh, kw), output=output, dtype=np.float32)
    assert single.spectrum.dtype == np.complex64
    assert single.convolve(np.ones((kh, kw))).dtype == np.float32


def test_image_spectrum_rejects_other_kernel_shapes_and_bad_arguments():
    spectrum = ImageSpectrum(np.ones((8, 8)), (3, 3))
    for wrong in (np.ones((3, 4)), np.ones((4, 3)), np.ones((2, 2))):
        for method in (spectrum.convolve, spectrum.correlate, spectrum.convolve_and_correlate):
            with pytest.raises(FiltersError, match="kernel"):
                method(wrong)
    for bad in [(0, 3), (3,), "ab", None, (3, -1)]:
        with pytest.raises(FiltersError, match="kernel_shape"):
            ImageSpectrum(np.ones((8, 8)), bad)
    with pytest.raises(FiltersError, match="image"):
        ImageSpectrum(np.ones(8), (3, 3))
    with pytest.raises(FiltersError, match="output"):
        ImageSpectrum(np.ones((4, 4)), (5, 3), output="valid")
    with pytest.raises(FiltersError, match="boundary"):
        ImageSpectrum(np.ones((4, 4)), (3, 3), boundary="symmetric")


# ----------------------------------------------------------------------------
# filter2d, choose_method, estimate_seconds
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["convolve", "correlate"])
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_filter2d_methods_agree(operation, boundary):
    rng = np.random.default_rng(24)
    image = rng.uniform(-1, 1, (10, 12, 3))
    rank_one = np.outer(rng.standard_normal(5), rng.standard_normal(4))
    rank_two = rng.standard_normal((4, 5))
    name = operation
    for kernel, methods in [
        (rank_one, ("direct", "separable", "fft", "auto")),
        (rank_two, ("direct", "fft", "auto")),
    ]:
        scale = scale_of(image, kernel, boundary, 0.25)
        for output in OUTPUTS:
            options = dict(boundary=boundary, output=output, cval=0.25)
            want = reference(name, image, kernel, boundary, output, 0.25)
            for method in methods:
                got = filter2d(image, kernel, operation=operation, method=method, **options)
                rtol = 1e-10 if method in ("fft", "auto") else 1e-12
                assert_close(got, want, rtol, scale, context=f"{method} {output}")
            direct = filter2d(image, kernel, operation=operation, method="direct", **options)
            plain = FUNCTIONS[operation](image, kernel, **options)
            assert_close(direct, plain, 1e-12, scale)


def test_filter2d_separable_needs_a_rank_one_kernel():
    rng = np.random.default_rng(25)
    image = rng.standard_normal((8, 8))
    for kernel in (rng.standard_normal((3, 3)), np.eye(4), np.array([[1.0, 2.0], [3.0, 4.0]])):
        for operation in ("convolve", "correlate"):
            with pytest.raises(FiltersError, match="separable"):
                filter2d(image, kernel, operation=operation, method="separable", backend="cpu")


@pytest.mark.parametrize("kernel_shape", [(1, 5), (5, 1), (1, 1)])
def test_filter2d_separable_accepts_single_row_and_column_kernels(kernel_shape):
    """A 1×k or k×1 kernel is rank 1: method="separable" must filter with it."""
    rng = np.random.default_rng(26)
    image = rng.standard_normal((8, 9))
    kernel = rng.standard_normal(kernel_shape)
    for operation in ("convolve", "correlate"):
        got = filter2d(image, kernel, operation=operation, method="separable", backend="cpu")
        want = reference(operation, image, kernel, "reflect", "same", 0.0)
        assert_close(got, want, 1e-12, scale_of(image, kernel))


def test_filter2d_rejects_bad_operation_method_and_image():
    image, kernel = np.ones((5, 5)), np.ones((3, 3))
    with pytest.raises(FiltersError, match="operation"):
        filter2d(image, kernel, operation="conv")
    with pytest.raises(FiltersError, match="method"):
        filter2d(image, kernel, method="winograd")
    for method in ("auto", "direct", "fft"):
        with pytest.raises(FiltersError, match="output"):
            filter2d(image, np.ones((6, 6)), method=method, output="valid")
        for bad_image in (np.ones(5), np.float64(5.0), np.ones((2, 2, 2, 2))):
            with pytest.raises(FiltersError, match="image"):
                filter2d(bad_image, kernel, method=method)


def test_choose_method_and_estimate_seconds():
    rng = np.random.default_rng(27)
    big_kernel = rng.standard_normal((63, 63))
    small_kernel = rng.standard_normal((3, 3))
    assert choose_method((1024, 1024, 3), big_kernel) == "fft"
    assert choose_method((1024, 1024, 3), small_kernel) == "direct"
    assert choose_method((1024, 1024), np.ones((3, 3))) in ("direct", "separable")
    assert choose_method((1024, 1024), np.ones((15, 15))) == "separable"

    estimates = estimate_seconds((64, 64, 3), small_kernel)
    assert set(estimates) == {"direct", "fft"}
    separable = estimate_seconds((64, 64), np.outer(np.arange(1.0, 6), np.arange(1.0, 4)))
    assert set(separable) == {"direct", "separable", "fft"}
    for value in (*estimates.values(), *separable.values()):
        assert math.isfinite(value) and value > 0
    # Costs grow with the work: more channels, a larger kernel.
    grey = estimate_seconds((64, 64), small_kernel)
    assert estimates["direct"] > grey["direct"] and estimates["fft"] > grey["fft"]
    assert (
        estimate_seconds((64, 64), big_kernel)["direct"]
        > estimate_seconds((64, 64), small_kernel)["direct"]
    )
    with pytest.raises(FiltersError, match="kernel"):
        estimate_seconds((64, 64), np.ones(3))


# ----------------------------------------------------------------------------
# Properties (hypothesis)
# ----------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)
FINITE = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False)
COEFFICIENT = st.floats(-10, 10, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def underflow_floor(dtype=np.float64) -> float:
    """Absolute slack for gradual underflow of products of tiny values."""
    return 1e3 * float(np.finfo(dtype).tiny)


@st.composite
def problems(draw, *, channels=True, square=False):
    h = draw(st.integers(1, 9))
    w = draw(st.integers(1, 9))
    c = draw(st.sampled_from([None, 1, 3])) if channels else None
    shape = (h, w) if c is None else (h, w, c)
    image = draw(hnp.arrays(np.float64, shape, elements=FINITE))
    kh = draw(st.integers(1, 6))
    kw = draw(st.integers(1, 6))
    kernel = draw(hnp.arrays(np.float64, (kh, kw), elements=FINITE))
    boundary = draw(st.sampled_from(BOUNDARIES))
    outputs = ["full", "same"] + (["valid"] if kh <= h and kw <= w else [])
    output = draw(st.sampled_from(outputs))
    cval = draw(FINITE)
    return image, kernel, dict(boundary=boundary, output=output, cval=cval)


@PROPERTY_SETTINGS
@given(problems())
def test_property_correlate_is_convolve_with_flipped_kernel_exactly(problem):
    image, kernel, options = problem
    flipped = kernel[::-1, ::-1]
    np.testing.assert_array_equal(
        correlate(image, kernel, **options), convolve(image, flipped, **options)
    )
    np.testing.assert_array_equal(
        correlate(image, kernel, dtype=np.float32, **options),
        convolve(image, np.ascontiguousarray(flipped), dtype=np.float32, **options),
    )


@PROPERTY_SETTINGS
@given(problems())
def test_property_fft_equals_direct_float64(problem):
    image, kernel, options = problem
    scale = scale_of(image, kernel, options["boundary"], options["cval"])
    floor = underflow_floor()
    for direct, fft in ((convolve, fft_convolve), (correlate, fft_correlate)):
        want = direct(image, kernel, **options)
        got = fft(image, kernel, **options)
        assert_close(got, want, 1e-10, scale, floor=floor)


@PROPERTY_SETTINGS
@given(problems())
def test_property_fft_equals_direct_float32(problem):
    image, kernel, options = problem
    scale = scale_of(image, kernel, options["boundary"], options["cval"])
    floor = underflow_floor(np.float32)
    for direct, fft in ((convolve, fft_convolve), (correlate, fft_correlate)):
        exact = direct(image, kernel, **options)
        single_direct = direct(image, kernel, dtype=np.float32, **options)
        single_fft = fft(image, kernel, dtype=np.float32, **options)
        assert_close(single_fft, single_direct, 1e-4, scale, dtype=np.float32, floor=floor)
        assert_close(single_fft, exact, 1e-4, scale, dtype=np.float32, floor=floor)


@PROPERTY_SETTINGS
@given(problems(), st.data())
def test_property_linear_in_the_image(problem, data):
    image, kernel, options = problem
    options["cval"] = 0.0  # with a non-zero cval the extension is affine, not linear
    other = data.draw(hnp.arrays(np.float64, image.shape, elements=FINITE))
    a, b = data.draw(COEFFICIENT), data.draw(COEFFICIENT)
    scale = (abs(a) * np.abs(image).max() + abs(b) * np.abs(other).max()) * np.abs(kernel).sum()
    for name in ("convolve", "fft_convolve"):
        function = FUNCTIONS[name]
        combined = function(a * image + b * other, kernel, **options)
        separate = a * function(image, kernel, **options) + b * function(other, kernel, **options)
        rtol = 1e-10 if IS_FFT[name] else 1e-12
        assert_close(combined, separate, rtol, scale, floor=underflow_floor(), context=name)


@PROPERTY_SETTINGS
@given(problems(), st.data())
def test_property_linear_in_the_kernel(problem, data):
    image, kernel, options = problem
    other = data.draw(hnp.arrays(np.float64, kernel.shape, elements=FINITE))
    a, b = data.draw(COEFFICIENT), data.draw(COEFFICIENT)
    peak = scale_of(image, [[1.0]], options["boundary"], options["cval"])
    scale = peak * (abs(a) * np.abs(kernel).sum() + abs(b) * np.abs(other).sum())
    for name in ("convolve", "fft_convolve"):
        function = FUNCTIONS[name]
        combined = function(image, a * kernel + b * other, **options)
        separate = a * function(image, kernel, **options) + b * function(image, other, **options)
        rtol = 1e-10 if IS_FFT[name] else 1e-12
        assert_close(combined, separate, rtol, scale, floor=underflow_floor(), context=name)


@PROPERTY_SETTINGS
@given(problems(channels=False))
def test_property_full_constant_convolution_commutes(problem):
    image, kernel, _ = problem
    options = dict(boundary="constant", output="full", cval=0.0)
    scale = max(
        np.abs(image).max() * np.abs(kernel).sum(), np.abs(kernel).max() * np.abs(image).sum()
    )
    for name in ("convolve", "fft_convolve"):
        function = FUNCTIONS[name]
        forward = function(image, kernel, **options)
        backward = function(kernel, image, **options)
        rtol = 1e-10 if IS_FFT[name] else 1e-12
        assert_close(forward, backward, rtol, scale, floor=underflow_floor(), context=name)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 9),
    st.integers(1, 9),
    st.sampled_from([None, 1, 2, 3]),
    st.integers(1, 11),
    st.integers(1, 11),
    st.sampled_from(BOUNDARIES),
    st.sampled_from(OUTPUTS),
    st.sampled_from([np.float64, np.float32]),
)
def test_property_output_shapes(h, w, c, kh, kw, boundary, output, dtype):
    image = np.ones((h, w) if c is None else (h, w, c))
    kernel = np.ones((kh, kw))
    expected = {
        "full": (h + kh - 1, w + kw - 1),
        "same": (h, w),
        "valid": (h - kh + 1, w - kw + 1),
    }[output] + (() if c is None else (c,))
    for function in FUNCTIONS.values():
        if output == "valid" and (kh > h or kw > w):
            with pytest.raises(FiltersError, match="output"):
                function(image, kernel, boundary=boundary, output=output, dtype=dtype)
            continue
        result = function(image, kernel, boundary=boundary, output=output, dtype=dtype)
        assert type(result) is np.ndarray
        assert result.shape == expected
        assert result.dtype == np.dtype(dtype)


# ----------------------------------------------------------------------------
# Error paths
# ----------------------------------------------------------------------------

GOOD_IMAGE = np.arange(20.0).reshape(4, 5)
GOOD_KERNEL = np.ones((3, 3))


def _with_value(shape, index, value, dtype=np.float64):
    array = np.ones(shape, dtype=dtype)
    array[index] = value
    return array


BAD_ARGUMENTS = {
    # image
    "image-1d": (dict(image=np.ones(5)), "image"),
    "image-4d": (dict(image=np.ones((3, 3, 1, 1))), "image"),
    "image-0d": (dict(image=5.0), "image"),
    "image-none": (dict(image=None), "image"),
    "image-empty-rows": (dict(image=np.ones((0, 4))), "image"),
    "image-empty-columns": (dict(image=np.ones((4, 0))), "image"),
    "image-empty-channels": (dict(image=np.ones((4, 4, 0))), "image"),
    "image-empty-list": (dict(image=[[]]), "image"),
    "image-nan": (dict(image=_with_value((4, 5), (1, 2), np.nan)), "image"),
    "image-inf": (dict(image=_with_value((4, 5), (0, 0), np.inf)), "image"),
    "image-minus-inf-float32": (
        dict(image=_with_value((4, 5, 3), (3, 4, 2), -np.inf, np.float32)),
        "image",
    ),
    "image-nan-in-list": (dict(image=[[1.0, 2.0], [float("nan"), 4.0]]), "image"),
    "image-complex": (dict(image=np.ones((4, 5), dtype=complex)), "image"),
    "image-complex64": (dict(image=np.ones((4, 5, 3), dtype=np.complex64)), "image"),
    "image-strings": (dict(image=np.array([["a", "b"], ["c", "d"]])), "image"),
    "image-bytes": (dict(image=np.array([[b"1", b"2"], [b"3", b"4"]])), "image"),
    "image-object": (dict(image=np.array([[1.0, None], [2.0, 3.0]], dtype=object)), "image"),
    "image-ragged-list": (dict(image=[[1.0, 2.0, 3.0], [4.0]]), "image"),
    # kernel
    "kernel-1d": (dict(kernel=np.ones(3)), "kernel"),
    "kernel-3d": (dict(kernel=np.ones((3, 3, 1))), "kernel"),
    "kernel-0d": (dict(kernel=1.0), "kernel"),
    "kernel-empty-rows": (dict(kernel=np.ones((0, 3))), "kernel"),
    "kernel-empty-columns": (dict(kernel=np.ones((3, 0))), "kernel"),
    "kernel-nan": (dict(kernel=_with_value((3, 3), (1, 1), np.nan)), "kernel"),
    "kernel-inf": (dict(kernel=_with_value((2, 4), (0, 3), np.inf)), "kernel"),
    "kernel-minus-inf-float32": (
        dict(kernel=_with_value((3, 2), (2, 0), -np.inf, np.float32)),
        "kernel",
    ),
    "kernel-complex": (dict(kernel=np.ones((3, 3)) + 0j), "kernel"),
    "kernel-strings": (dict(kernel=np.array([["1", "2"], ["3", "4"]])), "kernel"),
    "kernel-object": (dict(kernel=np.array([[1, "x"], [2, 3]], dtype=object)), "kernel"),
    "kernel-ragged-list": (dict(kernel=[[1.0, 2.0], [3.0]]), "kernel"),
    # boundary, output, backend
    "boundary-numpy-name": (dict(boundary="symmetric"), "boundary"),
    "boundary-opencv-name": (dict(boundary="reflect101"), "boundary"),
    "boundary-unknown": (dict(boundary="circular"), "boundary"),
    "boundary-wrong-case": (dict(boundary="Reflect"), "boundary"),
    "boundary-none": (dict(boundary=None), "boundary"),
    "output-unknown": (dict(output="half"), "output"),
    "output-wrong-case": (dict(output="SAME"), "output"),
    "output-none": (dict(output=None), "output"),
    "backend-unknown": (dict(backend="cuda"), "backend"),
    "backend-wrong-case": (dict(backend="CPU"), "backend"),
    "backend-none": (dict(backend=None), "backend"),
    # dtype
    "dtype-int": (dict(dtype=int), "dtype"),
    "dtype-int32": (dict(dtype=np.int32), "dtype"),
    "dtype-uint8-string": (dict(dtype="uint8"), "dtype"),
    "dtype-complex": (dict(dtype=complex), "dtype"),
    "dtype-complex128": (dict(dtype=np.complex128), "dtype"),
    "dtype-float16-string": (dict(dtype="float16"), "dtype"),
    "dtype-float16": (dict(dtype=np.float16), "dtype"),
    "dtype-longdouble": (dict(dtype=np.longdouble), "dtype"),
    "dtype-bool": (dict(dtype=bool), "dtype"),
    "dtype-unknown-name": (dict(dtype="float65"), "dtype"),
    "dtype-not-a-dtype": (dict(dtype=[1]), "dtype"),
    # cval
    "cval-nan": (dict(boundary="constant", cval=float("nan")), "cval"),
    "cval-inf": (dict(boundary="constant", cval=float("inf")), "cval"),
    "cval-numpy-nan": (dict(boundary="constant", cval=np.float32("nan")), "cval"),
    "cval-string": (dict(boundary="constant", cval="1.0"), "cval"),
    "cval-none": (dict(boundary="constant", cval=None), "cval"),
    "cval-complex": (dict(boundary="constant", cval=1j), "cval"),
    # valid with a kernel larger than the 4×5 image
    "valid-kernel-too-tall": (dict(kernel=np.ones((5, 1)), output="valid"), "output"),
    "valid-kernel-too-wide": (dict(kernel=np.ones((1, 6)), output="valid"), "output"),
    "valid-kernel-too-large": (dict(kernel=np.ones((7, 8)), output="valid"), "output"),
    "valid-kernel-too-tall-3d": (
        dict(image=np.ones((4, 9, 3)), kernel=np.ones((5, 2)), output="valid"),
        "output",
    ),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
def test_bad_arguments_raise_filters_error_naming_the_argument(name, case):
    overrides, argument = BAD_ARGUMENTS[case]
    arguments = dict(image=GOOD_IMAGE, kernel=GOOD_KERNEL)
    arguments.update(overrides)
    image, kernel = arguments.pop("image"), arguments.pop("kernel")
    with pytest.raises(FiltersError, match=argument) as raised:
        FUNCTIONS[name](image, kernel, **arguments)
    assert isinstance(raised.value, ValueError)
    # ... and an ordinary ``except ValueError`` catches it.
    try:
        FUNCTIONS[name](image, kernel, **arguments)
    except ValueError as error:
        assert argument in str(error)
    else:  # pragma: no cover - the raises above already failed
        pytest.fail("no error")


def test_filters_error_is_a_value_error():
    assert issubclass(FiltersError, ValueError)
    assert filters.FiltersError is FiltersError


def test_bad_arguments_table_is_valid_when_fixed():
    """Each bad case differs from a good call in one argument only: the good call works."""
    for function in FUNCTIONS.values():
        for output in OUTPUTS:
            for dtype in (np.float64, np.float32, "float64", "float32"):
                function(GOOD_IMAGE, GOOD_KERNEL, output=output, dtype=dtype, backend="cpu")
        function(GOOD_IMAGE, GOOD_KERNEL, boundary="constant", cval=np.float32(2.0))
        function(GOOD_IMAGE, GOOD_KERNEL, boundary="constant", cval=3)
        function(GOOD_IMAGE, np.ones((4, 5)), output="valid")


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_gpu_backend_without_a_gpu_is_a_clear_error(name, monkeypatch):
    monkeypatch.setenv("FILTERS_FORCE_CPU", "1")
    with pytest.raises(FiltersError, match="backend") as raised:
        FUNCTIONS[name](GOOD_IMAGE, GOOD_KERNEL, backend="gpu")
    assert "FILTERS_FORCE_CPU" in str(raised.value)
    # "auto" quietly uses the CPU instead.
    result = FUNCTIONS[name](GOOD_IMAGE, GOOD_KERNEL, backend="auto")
    assert_close(
        result,
        reference(name, GOOD_IMAGE, GOOD_KERNEL, "reflect", "same", 0.0),
        tolerance_for(name),
        scale_of(GOOD_IMAGE, GOOD_KERNEL),
    )
