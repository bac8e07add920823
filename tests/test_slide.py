"""filters.slide: every output position of both operations, its payload and its small inputs."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

import filters
from filters import BOUNDARIES, OUTPUTS, FiltersError, block_means, kernels, slide, stepthrough
from filters.images import to_grey

#: Odd and even sides, square and not.
KERNEL_SHAPES = [(1, 1), (2, 2), (3, 3), (2, 3), (4, 1), (3, 5), (6, 4), (5, 5), (1, 6)]


def _random_case(rng: np.random.Generator, output: str, kernel_shape: tuple[int, int]):
    kh, kw = kernel_shape
    low = (kh, kw) if output == "valid" else (1, 1)
    h, w = int(rng.integers(low[0], 13)), int(rng.integers(low[1], 13))
    plane = rng.normal(size=(h, w))
    kernel = rng.normal(size=(kh, kw))
    return plane, kernel


def _decode(text: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("boundary", list(BOUNDARIES))
def test_sums_at_every_position_equal_convolve_and_correlate(boundary: str, output: str):
    rng = np.random.default_rng([list(BOUNDARIES).index(boundary), OUTPUTS.index(output)])
    for kernel_shape in KERNEL_SHAPES + [tuple(rng.integers(1, 7, size=2)) for _ in range(4)]:
        plane, kernel = _random_case(rng, output, kernel_shape)
        cval = float(rng.normal()) if boundary == "constant" else 0.0
        options = dict(boundary=boundary, output=output, cval=cval)
        run = slide.slide(plane, kernel, **options)
        expected = {
            "convolve": filters.convolve(plane, kernel, **options),
            "correlate": filters.correlate(plane, kernel, **options),
        }
        assert run.output_shape == expected["convolve"].shape
        assert run.count == expected["convolve"].size
        for name, result in expected.items():
            part = run.operation(name)
            np.testing.assert_array_equal(part.result, result)
            scale = np.abs(part.products).reshape(run.count, -1).sum(axis=1)
            error = np.abs(part.sums - result.ravel())
            assert np.all(error <= 1e-12 * np.maximum(scale, 1e-300)), (name, error.max())


def test_positions_are_in_raster_order_and_windows_are_slices_of_the_extension():
    plane = np.arange(30.0).reshape(5, 6)
    run = slide.slide(plane, np.ones((3, 2)), boundary="wrap", output="full")
    rows, cols = run.output_shape
    assert (rows, cols) == (7, 7)
    np.testing.assert_array_equal(run.positions[:3], [[0, 0], [0, 1], [0, 2]])
    np.testing.assert_array_equal(run.positions[cols], [1, 0])
    for k, (r, c) in enumerate(run.positions):
        np.testing.assert_array_equal(run.windows[k], run.extended[r : r + 3, c : c + 2])
    top, left = run.offset
    np.testing.assert_array_equal(run.extended[top : top + 5, left : left + 6], plane)


@pytest.mark.parametrize("boundary", list(BOUNDARIES))
def test_each_position_is_what_stepthrough_explains(boundary: str):
    rng = np.random.default_rng(7)
    plane = rng.random((6, 9))
    kernel = rng.normal(size=(4, 3))
    run = slide.slide(plane, kernel, boundary=boundary, output="full", cval=0.25)
    for k in (0, 5, run.count // 2, run.count - 1):
        row, col = (int(v) for v in run.positions[k])
        found = stepthrough.neighbourhood(plane, kernel.shape, row, col, boundary, "full", 0.25)
        np.testing.assert_array_equal(run.windows[k], found.window)
        np.testing.assert_array_equal(run.outside[k], found.outside)
        for name in stepthrough.OPERATIONS:
            explained = stepthrough.explain_pixel(
                plane, kernel, row, col, name, boundary, "full", 0.25
            )
            part = run.operation(name)
            np.testing.assert_array_equal(part.products[k], explained.products)
            assert part.sums[k] == explained.total


def test_convolution_applies_the_flipped_kernel_and_correlation_the_kernel():
    kernel = np.arange(1.0, 7.0).reshape(2, 3)
    run = slide.slide(slide.pattern("letter_l", 8), kernel, boundary="constant")
    np.testing.assert_array_equal(run.convolve.applied, kernel[::-1, ::-1])
    np.testing.assert_array_equal(run.correlate.applied, kernel)
    np.testing.assert_array_equal(run.convolve.products, run.convolve.applied * run.windows)
    np.testing.assert_array_equal(run.correlate.products, kernel * run.windows)
    assert run.max_difference > 0


def test_the_outside_mask_marks_cells_the_boundary_rule_supplies():
    run = slide.slide(np.ones((4, 4)), np.ones((3, 3)), boundary="constant", output="same")
    assert run.outside[0].sum() == 5  # the corner window: one row and one column outside
    assert not run.outside[5].any()  # (1, 1): inside
    np.testing.assert_array_equal(run.windows[0][run.outside[0]], 0.0)


def test_a_symmetric_kernel_gives_equal_outputs():
    run = slide.slide(slide.pattern("letter_l", 12), kernels.make("gaussian273"))
    assert run.max_difference == 0.0
    np.testing.assert_array_equal(run.convolve.sums, run.correlate.sums)


def test_the_impulse_draws_the_kernel_under_convolution_and_its_rotation_under_correlation():
    kernel = kernels.make("emboss")
    run = slide.slide(slide.pattern("impulse", 9), kernel, boundary="constant")
    np.testing.assert_array_equal(run.convolve.result[3:6, 3:6], kernel)
    np.testing.assert_array_equal(run.correlate.result[3:6, 3:6], kernel[::-1, ::-1])


# ----------------------------------------------------------------------------
# Payload
# ----------------------------------------------------------------------------


def test_the_payload_carries_every_number_compactly():
    rng = np.random.default_rng(3)
    plane, kernel = rng.random((7, 10)), rng.normal(size=(3, 4))
    run = slide.slide(plane, kernel, boundary="mirror", output="full")
    payload = json.loads(json.dumps(run.payload()))
    assert payload["image"] == [7, 10] and payload["kernel"] == [3, 4]
    assert payload["output_shape"] == list(run.output_shape)
    assert payload["extended"]["offset"] == list(run.offset)
    extended = _decode(payload["extended"]["values"], "<f8")
    np.testing.assert_array_equal(extended.reshape(payload["extended"]["shape"]), run.extended)
    for name in stepthrough.OPERATIONS:
        part, sent = run.operation(name), payload[name]
        np.testing.assert_array_equal(_decode(sent["applied"], "<f8").reshape(3, 4), part.applied)
        np.testing.assert_array_equal(_decode(sent["sums"], "<f8"), part.sums)
        np.testing.assert_array_equal(_decode(sent["result"], "<f8"), part.result.ravel())
        products = _decode(sent["products"], "<f4").reshape(part.products.shape)
        np.testing.assert_allclose(products, part.products, rtol=1e-7)


def test_the_payload_id_follows_the_inputs():
    plane = slide.pattern("checker", 8)
    first = slide.slide(plane, np.eye(3)).payload()["id"]
    assert slide.slide(plane, np.eye(3)).payload()["id"] == first
    assert slide.slide(plane, np.eye(3)[::-1]).payload()["id"] != first
    assert slide.slide(plane, np.eye(3), boundary="wrap").payload()["id"] != first
    assert slide.slide(slide.pattern("edge", 8), np.eye(3)).payload()["id"] != first


@pytest.mark.parametrize("output", OUTPUTS)
def test_a_32_by_32_input_with_a_5_by_5_kernel_stays_well_under_a_megabyte(output: str):
    run = slide.slide(np.random.default_rng(0).random((32, 32)), np.ones((5, 5)), output=output)
    size = len(json.dumps(run.payload()))
    assert size < 450_000
    estimate = slide.payload_bytes((32, 32), (5, 5), output)
    assert size <= estimate <= size + 2048


def test_a_payload_over_the_limit_is_refused_with_a_size_that_fits():
    side = slide.largest_fitting_side((9, 9), "full")
    assert 0 < side < slide.MAX_SIDE
    assert slide.payload_bytes((side, side), (9, 9), "full") <= slide.MAX_PAYLOAD_BYTES
    assert slide.payload_bytes((side + 1, side + 1), (9, 9), "full") > slide.MAX_PAYLOAD_BYTES
    with pytest.raises(FiltersError, match=rf"at most {side}×{side}"):
        slide.slide(np.zeros((32, 32)), np.ones((9, 9)), output="full")
    # The largest kernel fits on the largest input with output="same".
    slide.slide(np.zeros((32, 32)), np.ones((9, 9)), output="same")


# ----------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plane", "kernel", "options", "match"),
    [
        (np.zeros((33, 8)), np.ones((3, 3)), {}, "at most 32×32"),
        (np.zeros((8, 40)), np.ones((3, 3)), {}, "at most 32×32"),
        (np.zeros((8, 8, 3)), np.ones((3, 3)), {}, "single 2-D plane"),
        (np.zeros((8, 8)), np.ones((10, 3)), {}, "at most 9×9"),
        (np.zeros((8, 8)), np.ones((3, 3)), {"boundary": "zero"}, "boundary"),
        (np.zeros((8, 8)), np.ones((3, 3)), {"output": "half"}, "output"),
        (np.zeros((4, 8)), np.ones((5, 5)), {"output": "valid"}, "valid"),
        (np.full((8, 8), np.nan), np.ones((3, 3)), {}, "finite|NaN"),
        (np.zeros((8, 8)), np.ones((0, 3)), {}, "kernel"),
    ],
)
def test_bad_arguments_raise_filters_errors_naming_them(plane, kernel, options, match):
    with pytest.raises(FiltersError, match=match):
        slide.slide(plane, kernel, **options)


def test_filters_error_is_a_value_error():
    with pytest.raises(ValueError):
        slide.slide(np.zeros((64, 64)), np.ones((3, 3)))


# ----------------------------------------------------------------------------
# Small inputs
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(slide.PATTERNS))
@pytest.mark.parametrize("size", [8, 17, 32])
def test_patterns_are_square_in_the_unit_range(name: str, size: int):
    image = slide.pattern(name, size)
    assert image.shape == (size, size) and image.dtype == np.float64
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert image.max() > image.min()


def test_the_letter_l_has_no_symmetry_and_the_impulse_is_one_pixel():
    letter = slide.pattern("letter_l", 16)
    for turned in (letter[::-1, ::-1], letter[::-1], letter[:, ::-1], letter.T):
        assert not np.array_equal(turned, letter)
    impulse = slide.pattern("impulse", 11)
    assert impulse.sum() == 1.0 and impulse[5, 5] == 1.0


def test_crop_takes_a_grey_piece_where_asked():
    rng = np.random.default_rng(1)
    image = rng.random((40, 50, 3))
    grey = to_grey(image)
    np.testing.assert_array_equal(slide.crop(image, 16, across=0, down=0), grey[:16, :16])
    np.testing.assert_array_equal(slide.crop(image, 16, across=1, down=1), grey[-16:, -16:])
    np.testing.assert_array_equal(slide.crop(image, 10), grey[15:25, 20:30])
    assert slide.crop(rng.random((12, 9)), 32).shape == (12, 9)


def test_downscale_averages_areas_and_keeps_the_aspect_ratio():
    rng = np.random.default_rng(2)
    image = rng.random((64, 96, 3))
    small = slide.downscale(image, 24)
    assert small.shape == (16, 24)
    np.testing.assert_allclose(small, block_means(to_grey(image), 4), rtol=1e-12)
    odd = slide.downscale(rng.random((437, 512)), 32)
    assert odd.shape == (27, 32)
    assert odd.min() >= 0.0 and odd.max() <= 1.0
    tiny = rng.random((10, 12))
    np.testing.assert_array_equal(slide.downscale(tiny, 32), tiny)  # never enlarged


def test_downscale_keeps_the_mean():
    image = np.random.default_rng(4).random((437, 512))
    assert slide.downscale(image, 29).mean() == pytest.approx(image.mean(), rel=1e-12)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: slide.pattern("letter_f", 16), "pattern"),
        (lambda: slide.pattern("impulse", 7), "size"),
        (lambda: slide.pattern("impulse", 33), "size"),
        (lambda: slide.pattern("impulse", True), "size"),
        (lambda: slide.pattern("impulse", 16.0), "size"),
        (lambda: slide.crop(np.zeros((20, 20)), 64), "size"),
        (lambda: slide.crop(np.zeros((20, 20)), 16, across=1.5), "across"),
        (lambda: slide.crop(np.zeros((20, 20)), 16, down=-0.1), "down"),
        (lambda: slide.crop(np.zeros((20, 20, 4)), 16), "shape"),
        (lambda: slide.downscale(np.zeros((20, 20)), 4), "size"),
        (lambda: slide.downscale(np.zeros(20), 16), "image"),
    ],
)
def test_input_helpers_refuse_bad_arguments(call, match):
    with pytest.raises(FiltersError, match=match):
        call()
