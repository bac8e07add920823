"""Tests for filters.algebra: each identity measured, with scipy.signal as the oracle.

The identities themselves are checked twice: the module's verdicts, and the
sides it computes against ``scipy.signal.convolve2d`` / ``correlate2d`` (full
mode, zero padding), so a wrong side cannot pass by agreeing with itself.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import filters
from filters import FiltersError, algebra, kernels
from filters.algebra import (
    check_associativity,
    check_commutativity,
    check_linearity,
    check_shift_equivariance,
    compare_arrays,
    impulse_response,
    letter_f_kernel,
    run_all,
    shift_interior,
)

BOUNDARIES = ("constant", "reflect", "mirror", "nearest", "wrap")
RNG = np.random.default_rng(20240601)
IMAGE = RNG.random((23, 17))
ASYMMETRIC = RNG.standard_normal((3, 4))
ASYMMETRIC2 = RNG.standard_normal((4, 3))
SYMMETRIC = kernels.make("gaussian273")


def rotate(array):
    return array[::-1, ::-1]


def kernel_arrays(max_side=5):
    shapes = st.tuples(st.integers(1, max_side), st.integers(1, max_side))
    return hnp.arrays(
        np.float64, shapes, elements=st.floats(-4, 4, allow_nan=False, allow_subnormal=False)
    )


# ----------------------------------------------------------------------------
# compare_arrays
# ----------------------------------------------------------------------------


def test_compare_arrays_measures_relative_to_the_left_side():
    check = compare_arrays("p", "convolve", "a = b", [[2.0, -4.0]], [[2.5, -4.0]], rtol=0.1)
    assert check.max_abs_error == 0.5
    assert check.relative_error == 0.125
    assert not check.holds
    assert compare_arrays("p", "convolve", "a = b", [[2.0, -4.0]], [[2.5, -4.0]], rtol=0.2).holds
    np.testing.assert_array_equal(check.difference, [[-0.5, 0.0]])


def test_compare_arrays_with_an_all_zero_left_side():
    equal = compare_arrays("p", "convolve", "0 = 0", np.zeros((2, 2)), np.zeros((2, 2)))
    assert equal.relative_error == 0.0
    assert equal.holds
    off = compare_arrays("p", "convolve", "0 = x", np.zeros((2, 2)), np.eye(2))
    assert off.relative_error == float("inf")
    assert not off.holds


@pytest.mark.parametrize("rtol", [-1e-3, float("nan"), float("inf"), "1e-10", True])
def test_compare_arrays_refuses_bad_tolerances(rtol):
    with pytest.raises(FiltersError, match="rtol must be"):
        compare_arrays("p", "convolve", "a = b", [1.0], [1.0], rtol=rtol)


def test_compare_arrays_refuses_different_shapes():
    with pytest.raises(FiltersError, match="different shapes: \\(2,\\) and \\(3,\\)"):
        compare_arrays("p", "convolve", "a = b", [1.0, 2.0], [1.0, 2.0, 3.0])


# ----------------------------------------------------------------------------
# Commutativity
# ----------------------------------------------------------------------------


def test_convolution_commutes_and_both_sides_match_scipy():
    check = check_commutativity(IMAGE, ASYMMETRIC, "convolve")
    assert check.holds
    assert check.relative_error < 1e-14
    np.testing.assert_allclose(check.lhs, scipy.signal.convolve2d(IMAGE, ASYMMETRIC), atol=1e-13)
    np.testing.assert_allclose(check.rhs, scipy.signal.convolve2d(ASYMMETRIC, IMAGE), atol=1e-13)
    assert check.statement == "I ∗ K = K ∗ I"


def test_correlation_does_not_commute_but_equals_the_rotation_of_the_swap():
    naive = check_commutativity(IMAGE, ASYMMETRIC, "correlate")
    assert not naive.holds
    assert naive.relative_error > 0.1
    np.testing.assert_allclose(naive.lhs, scipy.signal.correlate2d(IMAGE, ASYMMETRIC), atol=1e-13)
    np.testing.assert_allclose(naive.rhs, scipy.signal.correlate2d(ASYMMETRIC, IMAGE), atol=1e-13)
    rotated = check_commutativity(IMAGE, ASYMMETRIC, "correlate", rotated=True)
    assert rotated.holds
    assert rotated.relative_error < 1e-14
    assert rotated.statement == "I ⋆ K = R(K ⋆ I)"
    np.testing.assert_array_equal(rotated.rhs, rotate(naive.rhs))


def test_correlation_fails_to_commute_even_with_a_symmetric_kernel():
    # K ⋆ I = R(I ⋆ K): only a result that is itself symmetric survives the swap.
    assert not check_commutativity(IMAGE, SYMMETRIC, "correlate").holds


def test_rotating_the_swapped_convolution_breaks_it():
    assert not check_commutativity(IMAGE, ASYMMETRIC, "convolve", rotated=True).holds


@settings(max_examples=40, deadline=None)
@given(
    image=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 8), st.integers(1, 8)),
        elements=st.floats(0, 1, allow_subnormal=False),
    ),
    kernel=kernel_arrays(),
)
def test_property_commutativity_identities(image, kernel):
    # Bound the error by the sums' scale, not by max|lhs|, which cancellation can shrink.
    bound = 1e-13 * max(np.abs(image).max() * np.abs(kernel).sum(), 1e-300)
    assert check_commutativity(image, kernel, "convolve").max_abs_error <= bound
    rotated = check_commutativity(image, kernel, "correlate", rotated=True)
    assert rotated.max_abs_error <= bound


def test_commutativity_needs_a_plane():
    with pytest.raises(FiltersError, match="image must be 2-D \\(H, W\\) here"):
        check_commutativity(np.zeros((4, 4, 3)), ASYMMETRIC)
    with pytest.raises(FiltersError, match="operation must be 'convolve' or 'correlate'"):
        check_commutativity(IMAGE, ASYMMETRIC, "multiply")


# ----------------------------------------------------------------------------
# Associativity
# ----------------------------------------------------------------------------


def test_convolution_is_associative_against_scipy():
    check = check_associativity(IMAGE, ASYMMETRIC, ASYMMETRIC2, "convolve")
    assert check.holds
    twice = scipy.signal.convolve2d(scipy.signal.convolve2d(IMAGE, ASYMMETRIC), ASYMMETRIC2)
    np.testing.assert_allclose(check.lhs, twice, atol=1e-12)
    np.testing.assert_allclose(
        check.rhs,
        scipy.signal.convolve2d(IMAGE, scipy.signal.convolve2d(ASYMMETRIC, ASYMMETRIC2)),
        atol=1e-12,
    )


def test_two_correlations_equal_one_with_the_convolved_kernels():
    naive = check_associativity(IMAGE, ASYMMETRIC, ASYMMETRIC2, "correlate")
    true = check_associativity(IMAGE, ASYMMETRIC, ASYMMETRIC2, "correlate", inner="convolve")
    assert not naive.holds
    assert naive.relative_error > 0.1
    assert true.holds
    twice = scipy.signal.correlate2d(scipy.signal.correlate2d(IMAGE, ASYMMETRIC), ASYMMETRIC2)
    np.testing.assert_allclose(true.lhs, twice, atol=1e-12)
    combined = scipy.signal.convolve2d(ASYMMETRIC, ASYMMETRIC2)
    np.testing.assert_allclose(true.rhs, scipy.signal.correlate2d(IMAGE, combined), atol=1e-12)
    assert true.statement == "(I ⋆ K₁) ⋆ K₂ = I ⋆ (K₁ ∗ K₂)"
    assert naive.statement == "(I ⋆ K₁) ⋆ K₂ = I ⋆ (K₁ ⋆ K₂)"


def test_the_naive_correlation_rule_holds_when_the_second_kernel_is_symmetric():
    assert check_associativity(IMAGE, ASYMMETRIC, SYMMETRIC, "correlate").holds
    assert not check_associativity(IMAGE, SYMMETRIC, ASYMMETRIC, "correlate").holds


@settings(max_examples=40, deadline=None)
@given(k1=kernel_arrays(4), k2=kernel_arrays(4), seed=st.integers(0, 1000))
def test_property_associativity_identities(k1, k2, seed):
    image = np.random.default_rng(seed).random((9, 7))
    bound = 1e-13 * max(np.abs(k1).sum() * np.abs(k2).sum(), 1e-300)
    assert check_associativity(image, k1, k2, "convolve").max_abs_error <= bound
    true = check_associativity(image, k1, k2, "correlate", inner="convolve")
    assert true.max_abs_error <= bound


def test_associativity_accepts_colour_and_refuses_bad_inner():
    colour = RNG.random((6, 5, 3))
    assert check_associativity(colour, ASYMMETRIC, ASYMMETRIC2, "convolve").holds
    with pytest.raises(FiltersError, match="inner must be 'convolve' or 'correlate'"):
        check_associativity(IMAGE, ASYMMETRIC, ASYMMETRIC2, "correlate", inner="fft")


# ----------------------------------------------------------------------------
# Linearity
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("operation", ["convolve", "correlate"])
def test_linearity_holds_for_every_boundary(boundary, operation):
    check = check_linearity(IMAGE, ASYMMETRIC, operation, boundary=boundary, output="same")
    assert check.holds
    a, b = check.params["a"], check.params["b"]
    rng = np.random.default_rng(0)
    expected_a, expected_b = rng.uniform(-2, 2, 2)
    assert (a, b) == (expected_a, expected_b)
    other = rng.random(IMAGE.shape)
    function = filters.convolve if operation == "convolve" else filters.correlate
    lhs = function(a * IMAGE + b * other, ASYMMETRIC, boundary=boundary)
    np.testing.assert_array_equal(check.lhs, lhs)


def test_linearity_with_given_weights_and_second_image():
    other = RNG.random(IMAGE.shape)
    check = check_linearity(IMAGE, ASYMMETRIC, "convolve", other=other, a=2.0, b=-3.0)
    assert check.params == {"a": 2.0, "b": -3.0}
    expected = 2.0 * filters.convolve(IMAGE, ASYMMETRIC) - 3.0 * filters.convolve(other, ASYMMETRIC)
    np.testing.assert_allclose(check.rhs, expected, atol=0)
    assert check.holds


def test_linearity_errors():
    with pytest.raises(FiltersError, match="other must have the image's shape"):
        check_linearity(IMAGE, ASYMMETRIC, other=np.zeros((3, 3)))
    with pytest.raises(FiltersError, match="a and b must be finite"):
        check_linearity(IMAGE, ASYMMETRIC, a=float("inf"))
    with pytest.raises(FiltersError, match="boundary must be one of"):
        check_linearity(IMAGE, ASYMMETRIC, boundary="zeros")


# ----------------------------------------------------------------------------
# Shift equivariance
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", [ASYMMETRIC, ASYMMETRIC2, SYMMETRIC, np.ones((1, 1))])
@pytest.mark.parametrize("operation", ["convolve", "correlate"])
def test_shift_equivariance_is_exact_everywhere_with_wrap(kernel, operation):
    result = check_shift_equivariance(IMAGE, kernel, operation, shift=(5, -3), boundary="wrap")
    assert result.check.holds
    assert result.interior.all()
    assert result.band == 0
    assert result.check.params == {"dy": 5.0, "dx": -3.0}


@pytest.mark.parametrize("boundary", ["constant", "reflect", "mirror", "nearest"])
@pytest.mark.parametrize("operation", ["convolve", "correlate"])
def test_other_boundaries_break_it_only_near_the_borders(boundary, operation):
    shift = (4, -2)
    result = check_shift_equivariance(IMAGE, ASYMMETRIC, operation, shift=shift, boundary=boundary)
    assert not result.check.holds
    assert result.interior_holds
    assert result.interior.any()
    error = np.abs(result.check.difference)
    scale = np.abs(result.check.lhs).max()
    assert error[result.interior].max() <= 1e-10 * scale
    # The band is where the errors are, measured from the nearest border.
    height, width = IMAGE.shape
    rows, cols = np.nonzero(error > 1e-10 * scale)
    distance = np.minimum.reduce([rows, height - 1 - rows, cols, width - 1 - cols])
    assert result.band == distance.max() + 1
    assert result.band <= max(abs(shift[0]), abs(shift[1])) + max(ASYMMETRIC.shape)


def _interior_by_sets(height, width, kh, kw, dy, dx):
    """Pixels whose window rows/cols, and those moved back by the shift, stay inside."""
    mask = np.zeros((height, width), dtype=bool)
    for p in range(height):
        rows = set(range(p - kh // 2, p + (kh - 1) // 2 + 1))
        if not all(0 <= r < height and 0 <= r - dy < height for r in rows):
            continue
        for q in range(width):
            cols = set(range(q - kw // 2, q + (kw - 1) // 2 + 1))
            mask[p, q] = all(0 <= c < width and 0 <= c - dx < width for c in cols)
    return mask


@pytest.mark.parametrize("kernel_shape", [(3, 3), (4, 2), (1, 5), (2, 2)])
@pytest.mark.parametrize("shift", [(0, 0), (3, -2), (-4, 5)])
def test_shift_interior_matches_its_definition(kernel_shape, shift):
    mask = shift_interior((11, 13), kernel_shape, shift, "reflect")
    np.testing.assert_array_equal(mask, _interior_by_sets(11, 13, *kernel_shape, *shift))
    assert shift_interior((11, 13), kernel_shape, shift, "wrap").all()


def test_colour_images_shift_too():
    colour = RNG.random((12, 10, 3))
    assert check_shift_equivariance(colour, ASYMMETRIC, shift=(2, 3)).check.holds
    assert check_shift_equivariance(colour, ASYMMETRIC, shift=(2, 3), boundary="mirror").band > 0


@pytest.mark.parametrize(
    ("shift", "message"),
    [
        ((23, 0), "shift must be smaller than the image \\(23×17\\)"),
        ((0, -17), "shift must be smaller than the image"),
        ((1.5, 0), "shift must be two integers"),
        ((True, 0), "shift must be two integers"),
        ((1, 2, 3), "shift must be two integers"),
        (5, "shift must be two integers"),
    ],
)
def test_bad_shifts_raise(shift, message):
    with pytest.raises(FiltersError, match=message):
        check_shift_equivariance(IMAGE, ASYMMETRIC, shift=shift)


# ----------------------------------------------------------------------------
# Impulse response
# ----------------------------------------------------------------------------


def test_letter_f_kernel_has_no_symmetry():
    kernel = letter_f_kernel()
    assert kernel.shape == (9, 7)
    assert set(np.unique(kernel)) == {0.0, 1.0}
    assert kernel[0].all()  # the top bar
    assert kernel[:, 0].all()  # the stem on the left
    for transformed in (rotate(kernel), kernel[::-1], kernel[:, ::-1], kernel.T[:9, :7]):
        assert not np.array_equal(transformed, kernel)


@pytest.mark.parametrize(
    "kernel",
    [letter_f_kernel(), ASYMMETRIC, ASYMMETRIC2, SYMMETRIC, RNG.standard_normal((6, 6))],
)
def test_an_impulse_draws_the_kernel_exactly_and_correlation_draws_it_rotated(kernel):
    convolved = impulse_response(kernel, 21, "convolve")
    correlated = impulse_response(kernel, 21, "correlate")
    assert convolved.exact and correlated.exact
    np.testing.assert_array_equal(convolved.crop, kernel)
    np.testing.assert_array_equal(correlated.crop, rotate(kernel))
    np.testing.assert_array_equal(correlated.expected, rotate(kernel))
    assert convolved.max_abs_error == 0.0 and convolved.outside_max == 0.0
    assert convolved.image.sum() == 1.0 and convolved.image[10, 10] == 1.0
    # The crop sits where the "same" centring puts it, and scipy agrees.
    full = scipy.signal.convolve2d(convolved.image, kernel)
    kh, kw = kernel.shape
    same = full[(kh - 1) // 2 : (kh - 1) // 2 + 21, (kw - 1) // 2 : (kw - 1) // 2 + 21]
    np.testing.assert_allclose(convolved.response, same, atol=1e-15)


def test_impulse_verdict_notices_an_asymmetric_kernel_is_not_its_rotation():
    kernel = letter_f_kernel()
    correlated = impulse_response(kernel, 21, "correlate")
    assert not np.array_equal(correlated.crop, kernel)


@pytest.mark.parametrize(
    ("size", "message"),
    [
        (10, "size must be from 11 \\(the kernel is 9×7\\) to 1025; got 10"),
        (2000, "got 2000"),
        (21.0, "size must be an integer"),
        (True, "size must be an integer"),
    ],
)
def test_impulse_size_errors(size, message):
    with pytest.raises(FiltersError, match=message):
        impulse_response(letter_f_kernel(), size)


def test_impulse_operation_and_kernel_errors():
    with pytest.raises(FiltersError, match="operation must be"):
        impulse_response(ASYMMETRIC, 21, "fft")
    with pytest.raises(FiltersError, match="kernel must be 2-D"):
        impulse_response(np.ones(3), 21)


# ----------------------------------------------------------------------------
# Everything at once
# ----------------------------------------------------------------------------


def test_run_all_gives_the_expected_verdicts_in_order():
    checks = run_all(IMAGE, SYMMETRIC, kernels.make("emboss"), shift=(3, -4))
    names = [check.name for check in checks]
    assert names == [
        "commutativity",
        "commutativity",
        "commutativity",
        "associativity",
        "associativity",
        "associativity",
        "linearity",
        "linearity",
        "shift equivariance",
        "shift equivariance",
    ]
    assert [check.operation for check in checks] == ["convolve", "correlate", "correlate"] + [
        "convolve",
        "correlate",
        "correlate",
    ] + ["convolve", "correlate"] * 2
    assert [check.holds for check in checks] == [
        True,
        False,
        True,
        True,
        False,
        True,
        True,
        True,
        True,
        True,
    ]
    standalone = check_commutativity(IMAGE, SYMMETRIC, "correlate", rotated=True)
    assert checks[2].relative_error == standalone.relative_error


def test_run_all_with_a_symmetric_second_kernel_passes_the_naive_correlation_rule():
    checks = run_all(IMAGE, ASYMMETRIC, kernels.make("box"))
    assert checks[4].holds
    with pytest.raises(FiltersError, match="rtol must be"):
        run_all(IMAGE, ASYMMETRIC, ASYMMETRIC2, rtol=-1.0)


def test_module_examples_run():
    failures, tried = doctest.testmod(algebra)
    assert tried > 0
    assert failures == 0
