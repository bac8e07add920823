"""Display pixels: filters._pixels and its public wrappers against plain NumPy references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from filters import FiltersError, _pixels, images

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------- references


def reference_clip(values: np.ndarray) -> np.ndarray:
    """``rint(255 * clip(x, 0, 1))`` with NaN → 0, +inf → 255 and -inf → 0."""
    safe = np.nan_to_num(values.astype(float), nan=0, posinf=1, neginf=0)
    return np.rint(np.clip(safe, 0, 1) * 255).astype(np.uint8)


def reference_rescale(values: np.ndarray) -> np.ndarray:
    """Smallest finite value → 0, largest → 255; constant → 0; no finite values → clip."""
    values = values.astype(float)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return reference_clip(values)
    low, high = finite.min(), finite.max()
    if not high > low:
        return np.zeros(values.shape, dtype=np.uint8)
    with np.errstate(all="ignore"):
        return reference_clip((values - low) / (high - low))


def reference_index(values: np.ndarray, limit: float, levels: int = 256) -> np.ndarray:
    """Mean over channels, then ``clip(floor((v / limit + 1) / 2 · (levels - 1) + ½))``."""
    values = values.astype(np.float64)
    with np.errstate(all="ignore"):
        if values.ndim == 3:
            total = np.zeros(values.shape[:2])
            for channel in range(values.shape[2]):
                total = total + values[:, :, channel]
            plane = total / values.shape[2]
        else:
            plane = values
        position = (plane / limit + 1.0) * 0.5 * (levels - 1) + 0.5
        index = np.clip(np.floor(position), 0, levels - 1)
    index = np.where(np.isnan(index), levels // 2, index)
    return index.astype(np.uint8)


def reference_range(values: np.ndarray) -> tuple[float, float] | None:
    finite = values[np.isfinite(values)]
    return None if finite.size == 0 else (float(finite.min()), float(finite.max()))


# ---------------------------------------------------------------------------- strategies

# Ordinary values near the display range, plus NaN, ±inf, huge, tiny and subnormal ones.
ELEMENTS = st.one_of(
    st.floats(-2.0, 2.0, width=32),
    st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, 0.5, 1e-310, -1e-310]),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
)
ELEMENTS_64 = st.one_of(ELEMENTS, st.sampled_from([1e308, -1e308, 1.7e308, 5e-324, -5e-324]))

SHAPES = st.one_of(
    st.tuples(st.integers(1, 7), st.integers(1, 7)),
    st.tuples(st.integers(1, 6), st.integers(1, 6), st.sampled_from([1, 3])),
)


@st.composite
def float_images(draw) -> np.ndarray:
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    elements = ELEMENTS_64 if dtype == np.float64 else ELEMENTS
    return draw(arrays(dtype, SHAPES, elements=elements))


LIMITS = st.one_of(
    st.floats(0.01, 10.0),
    st.sampled_from([1.0, 1e-300, 5e-324, 1e300]),
    st.floats(min_value=0.0, exclude_min=True, allow_infinity=False),
)


# ---------------------------------------------------------------------------- to_uint8


@pytest.mark.parametrize("mode", ["clip", "rescale"])
@SETTINGS
@given(values=float_images())
def test_to_uint8_matches_the_numpy_reference(mode, values):
    result = images.to_uint8(values, mode=mode)
    assert result.dtype == np.uint8 and result.shape == values.shape
    reference = reference_clip if mode == "clip" else reference_rescale
    np.testing.assert_array_equal(result, reference(values))


@SETTINGS
@given(float_images())
def test_scaled_to_uint8_defaults_clip(values):
    np.testing.assert_array_equal(_pixels.scaled_to_uint8(values), reference_clip(values))


def test_to_uint8_clip_special_values():
    values = np.array([[np.nan, np.inf, -np.inf], [-0.5, 0.5, 1.5], [1 / 510, 1e308, -1e308]])
    expected = np.array([[0, 255, 0], [0, 128, 255], [0, 255, 0]], dtype=np.uint8)
    np.testing.assert_array_equal(images.to_uint8(values), expected)
    np.testing.assert_array_equal(images.to_uint8(values), reference_clip(values))


def test_to_uint8_clip_rounds_half_to_even_like_rint():
    # k + 0.5 steps land on exact halves only where 255·x is exact; compare to rint.
    values = (np.arange(256) + 0.5).reshape(16, 16) / 255
    np.testing.assert_array_equal(images.to_uint8(values), reference_clip(values))


def test_to_uint8_rescale_maps_finite_extremes_to_black_and_white():
    values = np.array([[-3.0, 1.0, 5.0], [np.nan, np.inf, -np.inf]])
    result = images.to_uint8(values, mode="rescale")
    np.testing.assert_array_equal(result, [[0, 128, 255], [0, 255, 0]])


def test_to_uint8_rescale_uses_all_channels_together():
    values = np.zeros((2, 2, 3))
    values[..., 0] = 10.0
    values[0, 0, 2] = -10.0
    result = images.to_uint8(values, mode="rescale")
    assert result[0, 0, 2] == 0 and result[0, 0, 0] == 255 and result[1, 1, 1] == 128
    np.testing.assert_array_equal(result, reference_rescale(values))


@pytest.mark.parametrize("fill", [0.0, 0.5, 7.0, -3.0, 1e300])
def test_to_uint8_rescale_of_a_constant_image_is_black(fill):
    values = np.full((4, 5, 3), fill)
    values[0, 0] = np.nan  # non-finite pixels do not count towards the range
    np.testing.assert_array_equal(images.to_uint8(values, mode="rescale"), 0)


def test_to_uint8_rescale_without_finite_values_behaves_like_clip():
    values = np.array([[np.nan, np.inf], [-np.inf, np.nan]])
    np.testing.assert_array_equal(images.to_uint8(values, mode="rescale"), [[0, 255], [0, 0]])
    np.testing.assert_array_equal(
        images.to_uint8(values, mode="rescale"), images.to_uint8(values, mode="clip")
    )


def test_to_uint8_rescale_survives_a_range_that_overflows():
    values = np.array([[-1e308, 0.0, 1e308]])
    result = images.to_uint8(values, mode="rescale")
    np.testing.assert_array_equal(result, reference_rescale(values))
    assert result[0, 0] == 0


def test_to_uint8_reads_strided_and_integer_inputs():
    rng = np.random.default_rng(3)
    base = rng.uniform(-0.5, 1.5, (9, 12, 3))
    view = base[::2, ::-3, [2, 0, 1]]
    assert not view.flags.c_contiguous
    np.testing.assert_array_equal(images.to_uint8(view), reference_clip(view))
    np.testing.assert_array_equal(images.to_uint8(view, mode="rescale"), reference_rescale(view))
    counts = rng.integers(-5, 300, (6, 7)).astype(np.int32)
    np.testing.assert_array_equal(images.to_uint8(counts), reference_clip(counts))
    np.testing.assert_array_equal(
        images.to_uint8(counts, mode="rescale"), reference_rescale(counts)
    )


def test_scaled_to_uint8_with_an_empty_range_gives_zeros():
    values = np.linspace(-1, 2, 12).reshape(3, 4)
    np.testing.assert_array_equal(_pixels.scaled_to_uint8(values, 1.0, 1.0), 0)
    np.testing.assert_array_equal(_pixels.scaled_to_uint8(values, 2.0, 1.0), 0)
    expected = reference_clip((values + 1.0) / 3.0)
    np.testing.assert_array_equal(_pixels.scaled_to_uint8(values, -1.0, 2.0), expected)


# ---------------------------------------------------------------------------- finite_range


@SETTINGS
@given(float_images())
def test_finite_range_matches_the_numpy_reference(values):
    expected = reference_range(values.astype(np.float64))
    for result in (images.finite_range(values), _pixels.finite_range(values)):
        assert result == expected
        if result is not None:
            assert all(type(v) is float for v in result)


def test_finite_range_examples():
    assert images.finite_range(np.array([[np.nan, np.inf], [-np.inf, np.nan]])) is None
    assert images.finite_range(np.array([[np.nan, -2.5], [np.inf, 4.0]])) == (-2.5, 4.0)
    assert images.finite_range(np.full((2, 2, 3), 7, dtype=np.uint8)) == (7.0, 7.0)


@pytest.mark.parametrize(
    "array", [np.zeros(4), np.zeros((1, 2, 3, 4)), np.zeros((0, 3)), np.array([["a"]])]
)
def test_finite_range_refuses_non_images(array):
    with pytest.raises(FiltersError):
        images.finite_range(array)


# ---------------------------------------------------------------------------- signed_to_index


@SETTINGS
@given(float_images(), LIMITS, st.integers(2, 256))
def test_signed_to_index_matches_the_numpy_reference(values, limit, levels):
    result = images.signed_to_index(values, limit, levels)
    assert result.dtype == np.uint8 and result.shape == values.shape[:2]
    np.testing.assert_array_equal(result, reference_index(values, limit, levels))
    assert result.max() <= levels - 1


def test_signed_to_index_ends_centre_and_nan():
    values = np.array([[-1.0, 0.0, 1.0], [-5.0, 5.0, np.nan], [-np.inf, np.inf, 1e308]])
    np.testing.assert_array_equal(
        images.signed_to_index(values, 1.0), [[0, 128, 255], [0, 255, 128], [0, 255, 255]]
    )
    np.testing.assert_array_equal(
        images.signed_to_index(values, 1.0, 5), [[0, 2, 4], [0, 4, 2], [0, 4, 4]]
    )
    # An even number of levels has no middle colour: zero and NaN take levels // 2.
    np.testing.assert_array_equal(images.signed_to_index(values, 1.0, 2)[1, 2], 1)
    np.testing.assert_array_equal(images.signed_to_index(values, 1.0, 2)[0, 1], 1)


def test_signed_to_index_places_colour_by_the_mean_of_the_channels():
    rng = np.random.default_rng(7)
    values = rng.uniform(-2, 2, (5, 6, 3))
    result = images.signed_to_index(values, 1.5, 17)
    np.testing.assert_array_equal(result, reference_index(values, 1.5, 17))
    # Opposite channels cancel: the centre.
    cancel = np.array([[[1.0, -1.0, 0.0], [np.inf, -np.inf, 0.0]]])
    np.testing.assert_array_equal(images.signed_to_index(cancel, 1.0), [[128, 128]])


def test_signed_to_index_matches_the_reference_on_every_boundary():
    # Values exactly on the edges between indices are where rounding rules show.
    levels, limit = 9, 2.0
    edges = (np.arange(2 * levels + 1) / (levels - 1) - 0.5) * 2 * limit
    values = np.concatenate([edges, np.nextafter(edges, np.inf), np.nextafter(edges, -np.inf)])
    values = values.reshape(3, -1)
    np.testing.assert_array_equal(
        images.signed_to_index(values, limit, levels), reference_index(values, limit, levels)
    )


@pytest.mark.parametrize("limit", [0.0, -1.0, np.nan, np.inf, -np.inf])
def test_signed_to_index_refuses_bad_limits(limit):
    with pytest.raises(FiltersError, match="limit"):
        images.signed_to_index(np.zeros((2, 2)), limit)


@pytest.mark.parametrize("levels", [0, 1, 257, 1000, -3, 2.5, "8", None])
def test_signed_to_index_refuses_bad_levels(levels):
    with pytest.raises(FiltersError, match="levels"):
        images.signed_to_index(np.zeros((2, 2)), 1.0, levels)


@pytest.mark.parametrize(
    "array",
    [
        np.zeros((2, 2), dtype=complex),
        np.array([["a", "b"]]),
        np.array([[None, 1]], dtype=object),
        np.zeros(5),
        np.zeros((2, 2, 3, 1)),
        np.float64(1.0),
        np.zeros((0, 4)),
    ],
)
def test_signed_to_index_refuses_non_images(array):
    with pytest.raises(FiltersError):
        images.signed_to_index(array, 1.0)


# ---------------------------------------------------------------------------- signed_to_rgb


@SETTINGS
@given(float_images(), LIMITS, st.integers(2, 256), st.integers(0, 2**32 - 1))
def test_signed_to_rgb_looks_up_the_index_in_the_table(values, limit, levels, seed):
    table = np.random.default_rng(seed).integers(0, 256, (levels, 3), dtype=np.uint8)
    result = images.signed_to_rgb(values, limit, table)
    assert result.dtype == np.uint8 and result.shape == (*values.shape[:2], 3)
    np.testing.assert_array_equal(result, table[reference_index(values, limit, levels)])
    np.testing.assert_array_equal(result, table[images.signed_to_index(values, limit, levels)])


def test_signed_to_rgb_with_two_colours():
    table = np.array([[0, 0, 255], [255, 0, 0]], dtype=np.uint8)
    result = images.signed_to_rgb(np.array([[-1.0, -0.1, 0.1, 1.0]]), 1.0, table)
    np.testing.assert_array_equal(result[0], table[[0, 0, 1, 1]])


@pytest.mark.parametrize(
    "table",
    [
        np.zeros((256, 4), dtype=np.uint8),
        np.zeros((256,), dtype=np.uint8),
        np.zeros((4, 3, 1), dtype=np.uint8),
        np.zeros((256, 3), dtype=np.float64),
        np.zeros((256, 3), dtype=np.int64),
        np.zeros((1, 3), dtype=np.uint8),
        np.zeros((0, 3), dtype=np.uint8),
        np.zeros((257, 3), dtype=np.uint8),
        [[0, 0, 0], [255, 255, 255]],
    ],
)
def test_signed_to_rgb_refuses_bad_tables(table):
    with pytest.raises(FiltersError, match="colours"):
        images.signed_to_rgb(np.zeros((2, 2)), 1.0, table)


def test_signed_to_rgb_refuses_bad_limits():
    table = np.zeros((4, 3), dtype=np.uint8)
    with pytest.raises(FiltersError, match="limit"):
        images.signed_to_rgb(np.zeros((2, 2)), 0.0, table)
