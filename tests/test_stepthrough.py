"""Tests for filters.stepthrough: one output pixel's window, kernel as applied, products, sum.

Oracles: the library's own convolve/correlate at that pixel (the sum must match
to 1e-12), and a window cut from ``numpy.pad`` of the image by a wide margin in
the *full*-output frame, written here independently of the module's index maps.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import filters
from filters import FiltersError, images, stepthrough
from filters.stepthrough import (
    agreement,
    channel_plane,
    explain_pixel,
    neighbourhood,
    output_shape,
)

BOUNDARIES = ("constant", "reflect", "mirror", "nearest", "wrap")
OUTPUTS = ("full", "same", "valid")
PAD_MODE = {
    "constant": "constant",
    "reflect": "symmetric",
    "mirror": "reflect",
    "nearest": "edge",
    "wrap": "wrap",
}
FUNCTIONS = {"convolve": filters.convolve, "correlate": filters.correlate}
SHAPES = [((7, 9), (3, 3)), ((6, 5), (4, 2)), ((5, 8), (2, 5)), ((4, 4), (4, 4)), ((9, 6), (1, 3))]


def _full_offset(k: int, output: str) -> int:
    """Where an output index sits in the full output: the contract's crops."""
    return {"full": 0, "same": (k - 1) // 2, "valid": k - 1}[output]


def reference_window(image, kernel_shape, row, col, boundary, output, cval):
    """The window cut from a wide numpy.pad, in the full-output frame.

    full[y, x] reads Ĩ[y - kh + 1 .. y, x - kw + 1 .. x]; pad by kh + kw on
    every side so any such window lies inside the padded array.
    """
    kh, kw = kernel_shape
    margin = kh + kw
    kwargs = {"constant_values": cval} if boundary == "constant" else {}
    padded = np.pad(image, margin, mode=PAD_MODE[boundary], **kwargs)
    y = row + _full_offset(kh, output)
    x = col + _full_offset(kw, output)
    top, left = y - kh + 1 + margin, x - kw + 1 + margin
    window = padded[top : top + kh, left : left + kw]
    rows = np.arange(y - kh + 1, y + 1)
    cols = np.arange(x - kw + 1, x + 1)
    height, width = image.shape
    outside = ((rows < 0) | (rows >= height))[:, None] | ((cols < 0) | (cols >= width))[None, :]
    return window, outside


def _pixels(shape: tuple[int, int]) -> list[tuple[int, int]]:
    """Corners, edge midpoints and the centre of an output of this shape."""
    rows, cols = shape
    picks = {
        (0, 0),
        (0, cols - 1),
        (rows - 1, 0),
        (rows - 1, cols - 1),
        (0, cols // 2),
        (rows // 2, 0),
        (rows - 1, cols // 2),
        (rows // 2, cols - 1),
        (rows // 2, cols // 2),
    }
    return sorted(picks)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize(("image_shape", "kernel_shape"), SHAPES)
def test_explained_sum_equals_the_library_at_corners_edges_and_centre(
    boundary, output, image_shape, kernel_shape
):
    rng = np.random.default_rng(hash((boundary, output, image_shape, kernel_shape)) % 2**32)
    image = rng.random(image_shape)
    kernel = rng.standard_normal(kernel_shape)
    cval = 0.4
    for operation, function in FUNCTIONS.items():
        result = function(image, kernel, boundary=boundary, output=output, cval=cval)
        assert result.shape == output_shape(image_shape, kernel_shape, output)
        for row, col in _pixels(result.shape):
            step = explain_pixel(image, kernel, row, col, operation, boundary, output, cval)
            scale = np.abs(step.products).sum()
            assert abs(step.total - result[row, col]) <= 1e-12 * max(scale, 1.0)
            check = agreement(step, result)
            assert check.agree
            assert check.value == result[row, col]
            assert check.difference == step.total - result[row, col]


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("output", OUTPUTS)
def test_window_and_outside_mask_match_a_wide_numpy_pad(boundary, output):
    rng = np.random.default_rng(7)
    image = rng.random((5, 6))
    for kernel_shape in ((3, 3), (2, 4), (5, 6), (4, 1)):
        shape = output_shape(image.shape, kernel_shape, output)
        for row in range(shape[0]):
            for col in range(shape[1]):
                found = neighbourhood(image, kernel_shape, row, col, boundary, output, -0.25)
                window, outside = reference_window(
                    image, kernel_shape, row, col, boundary, output, -0.25
                )
                np.testing.assert_array_equal(found.window, window)
                np.testing.assert_array_equal(found.outside, outside)


def test_kernel_larger_than_the_image_reflects_repeatedly_like_the_library():
    image = np.random.default_rng(3).random((3, 2))
    kernel = np.random.default_rng(4).standard_normal((7, 6))
    for boundary in ("reflect", "mirror", "wrap", "nearest"):
        result = filters.convolve(image, kernel, boundary=boundary, output="same")
        for row, col in np.ndindex(result.shape):
            step = explain_pixel(image, kernel, row, col, "convolve", boundary, "same")
            assert step.outside.sum() >= 7 * 6 - 3 * 2
            assert agreement(step, result).agree


def test_outside_cells_hold_cval_and_copy_the_rule_source():
    image = np.arange(12.0).reshape(3, 4)
    found = neighbourhood(image, (3, 3), 0, 0, "constant", "same", cval=9.0)
    np.testing.assert_array_equal(
        found.outside,
        [[True, True, True], [True, False, False], [True, False, False]],
    )
    np.testing.assert_array_equal(found.window[found.outside], np.full(5, 9.0))
    np.testing.assert_array_equal(found.window[1:, 1:], image[:2, :2])
    np.testing.assert_array_equal(found.rows, [-1, 0, 1])
    np.testing.assert_array_equal(found.source_rows, [-1, 0, 1])

    nearest = neighbourhood(image, (3, 3), 0, 0, "nearest", "same")
    np.testing.assert_array_equal(nearest.source_rows, [0, 0, 1])
    np.testing.assert_array_equal(nearest.window[0], [0.0, 0.0, 1.0])
    wrapped = neighbourhood(image, (3, 3), 0, 0, "wrap", "same")
    np.testing.assert_array_equal(wrapped.source_rows, [2, 0, 1])
    np.testing.assert_array_equal(wrapped.source_cols, [3, 0, 1])
    assert wrapped.window[0, 0] == image[2, 3]


def test_a_centre_pixel_has_no_outside_cells_and_valid_never_has_any():
    image = np.random.default_rng(0).random((9, 9))
    assert not neighbourhood(image, (3, 5), 4, 4, "reflect", "same").outside.any()
    for row, col in np.ndindex(output_shape(image.shape, (4, 3), "valid")):
        assert not neighbourhood(image, (4, 3), row, col, "constant", "valid").outside.any()
    assert neighbourhood(image, (4, 3), 0, 0, "constant", "full").outside.sum() == 4 * 3 - 1


def test_the_flip_is_applied_only_for_convolution():
    image = np.random.default_rng(1).random((6, 6))
    kernel = np.arange(6.0).reshape(2, 3)
    convolved = explain_pixel(image, kernel, 2, 3, "convolve", "reflect", "same")
    correlated = explain_pixel(image, kernel, 2, 3, "correlate", "reflect", "same")
    np.testing.assert_array_equal(convolved.applied_kernel, kernel[::-1, ::-1])
    np.testing.assert_array_equal(correlated.applied_kernel, kernel)
    np.testing.assert_array_equal(convolved.window, correlated.window)
    np.testing.assert_array_equal(convolved.products, kernel[::-1, ::-1] * convolved.window)
    np.testing.assert_array_equal(correlated.products, kernel * correlated.window)
    assert convolved.total != correlated.total


def test_symmetric_kernel_gives_the_same_sum_for_both_operations():
    image = np.random.default_rng(2).random((8, 7))
    kernel = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16
    a = explain_pixel(image, kernel, 0, 6, "convolve", "mirror", "same")
    b = explain_pixel(image, kernel, 0, 6, "correlate", "mirror", "same")
    assert a.total == b.total


@settings(max_examples=60, deadline=None)
@given(
    height=st.integers(1, 7),
    width=st.integers(1, 7),
    kh=st.integers(1, 6),
    kw=st.integers(1, 6),
    boundary=st.sampled_from(BOUNDARIES),
    output=st.sampled_from(OUTPUTS),
    operation=st.sampled_from(tuple(FUNCTIONS)),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_property_any_pixel_of_any_shape(
    height, width, kh, kw, boundary, output, operation, seed, data
):
    if output == "valid" and (kh > height or kw > width):
        return
    rng = np.random.default_rng(seed)
    image = rng.uniform(-1, 1, (height, width))
    kernel = rng.standard_normal((kh, kw))
    result = FUNCTIONS[operation](image, kernel, boundary=boundary, output=output, cval=0.5)
    row = data.draw(st.integers(0, result.shape[0] - 1))
    col = data.draw(st.integers(0, result.shape[1] - 1))
    step = explain_pixel(image, kernel, row, col, operation, boundary, output, 0.5)
    assert agreement(step, result).agree
    window, outside = reference_window(image, (kh, kw), row, col, boundary, output, 0.5)
    np.testing.assert_array_equal(step.window, window)
    np.testing.assert_array_equal(step.outside, outside)


def test_agreement_reports_a_wrong_result():
    image = np.random.default_rng(5).random((5, 5))
    kernel = np.ones((3, 3))
    result = filters.convolve(image, kernel)
    step = explain_pixel(image, kernel, 2, 2)
    tampered = result.copy()
    tampered[2, 2] += 1e-6
    check = agreement(step, tampered)
    assert not check.agree
    assert check.difference == pytest.approx(-1e-6, rel=1e-6)


@pytest.mark.parametrize(
    ("row", "col", "name"),
    [(5, 0, "row"), (-1, 0, "row"), (0, 5, "col"), (0, -3, "col"), (7, 9, "row")],
)
def test_out_of_range_pixels_raise_naming_the_coordinate(row, col, name):
    image = np.zeros((5, 5))
    with pytest.raises(FiltersError, match=rf"^{name} must be from 0 to 4"):
        explain_pixel(image, np.ones((3, 3)), row, col)
    with pytest.raises(FiltersError, match=rf"^{name} must be from 0 to 4"):
        neighbourhood(image, (3, 3), row, col)


def test_the_range_follows_the_output_mode():
    image = np.zeros((5, 5))
    explain_pixel(image, np.ones((3, 3)), 6, 6, output="full")
    with pytest.raises(FiltersError, match=r"row must be from 0 to 2 .*'valid' output is 3×3"):
        explain_pixel(image, np.ones((3, 3)), 3, 0, output="valid")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(row=1.5), "row must be an integer"),
        (dict(col=True), "col must be an integer"),
        (dict(row="2"), "row must be an integer"),
        (dict(operation="convolution"), "operation must be 'convolve' or 'correlate'"),
        (dict(boundary="zero"), "boundary must be one of"),
        (dict(output="middle"), "output must be one of"),
        (dict(cval=float("nan")), "cval must be finite"),
        (dict(image=np.zeros((4, 4, 3))), "single 2-D plane"),
        (dict(image=np.zeros(4)), "image must be 2-D"),
        (dict(kernel=np.ones(3)), "kernel must be 2-D"),
        (dict(kernel=np.full((2, 2), np.inf)), "kernel contains NaN"),
        (dict(kernel=np.ones((5, 5)), output="valid"), "output='valid' needs a kernel"),
    ],
)
def test_bad_arguments_raise_a_named_error(kwargs, message):
    arguments = dict(
        image=np.zeros((4, 4)),
        kernel=np.ones((3, 3)),
        row=1,
        col=1,
        operation="convolve",
        boundary="reflect",
        output="same",
        cval=0.0,
    )
    arguments.update(kwargs)
    with pytest.raises(FiltersError, match=message):
        explain_pixel(**arguments)


@pytest.mark.parametrize("shape", [(3,), (0, 3), (2, 2, 2), (2, -1), ("a", 2), (True, 2)])
def test_bad_kernel_shapes_raise(shape):
    with pytest.raises(FiltersError, match="kernel_shape must be two integers"):
        neighbourhood(np.zeros((4, 4)), shape, 0, 0)


def test_agreement_checks_the_result_shape():
    step = explain_pixel(np.zeros((4, 4)), np.ones((3, 3)), 3, 3)
    with pytest.raises(FiltersError, match="has no pixel at row 3, col 3"):
        agreement(step, np.zeros((2, 2)))
    with pytest.raises(FiltersError, match="result must be 2-D"):
        agreement(step, np.zeros((4, 4, 3)))


def test_channel_planes():
    colour = np.random.default_rng(6).random((4, 5, 3))
    np.testing.assert_array_equal(channel_plane(colour, "grey"), images.to_grey(colour))
    for index, name in enumerate(("red", "green", "blue")):
        plane = channel_plane(colour, name)
        np.testing.assert_array_equal(plane, colour[..., index])
        assert plane.flags.c_contiguous
    grey = colour[..., 0]
    np.testing.assert_array_equal(channel_plane(grey, "grey"), grey)
    with pytest.raises(FiltersError, match="needs a colour image"):
        channel_plane(grey, "red")
    with pytest.raises(FiltersError, match="channel must be one of"):
        channel_plane(colour, "alpha")
    with pytest.raises(FiltersError, match=r"\(H, W\) or \(H, W, 3\)"):
        channel_plane(np.zeros((4, 4, 4)), "green")


def test_output_shape_matches_the_filters_for_every_mode():
    image = np.zeros((6, 9))
    for output in OUTPUTS:
        for kernel_shape in ((1, 1), (3, 4), (6, 2)):
            expected = filters.convolve(image, np.ones(kernel_shape), output=output).shape
            assert output_shape(image.shape, kernel_shape, output) == expected


def test_module_examples_run():
    failures, tried = doctest.testmod(stepthrough)
    assert tried > 0
    assert failures == 0
