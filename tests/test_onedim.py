"""``filters.onedim``: 1-D convolution against NumPy, the sliding picture, the examples."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import filters
from filters import FiltersError, onedim

SEQUENCE = st.lists(
    st.floats(-100, 100, allow_nan=False, allow_subnormal=False), min_size=1, max_size=24
)


# ----------------------------------------------------------------------------
# The two operations against numpy
# ----------------------------------------------------------------------------


def _random_pairs(count: int = 60):
    rng = np.random.default_rng(7)
    for _ in range(count):
        n, m = rng.integers(1, 40, size=2)
        yield rng.standard_normal(n), rng.standard_normal(m)


def test_full_convolution_equals_numpy_for_many_lengths():
    for x, h in _random_pairs():
        np.testing.assert_allclose(
            onedim.convolve1d(x, h), np.convolve(x, h, "full"), rtol=1e-12, atol=1e-12
        )


def test_same_equals_numpy_when_the_kernel_is_not_longer():
    for x, h in _random_pairs():
        if h.size > x.size:
            x, h = h, x
        np.testing.assert_allclose(
            onedim.convolve1d(x, h, "same"), np.convolve(x, h, "same"), rtol=1e-12, atol=1e-12
        )


def test_same_keeps_the_inputs_length_when_the_kernel_is_longer():
    """NumPy returns max(N, M) samples; the package keeps x's length, as for images."""
    x, h = np.arange(1.0, 4.0), np.arange(1.0, 8.0)
    full = np.convolve(x, h)
    ours = onedim.convolve1d(x, h, "same")
    start = (h.size - 1) // 2
    np.testing.assert_array_equal(ours, full[start : start + x.size])
    assert np.convolve(x, h, "same").size == h.size != ours.size


def test_valid_equals_numpy_and_refuses_a_longer_kernel():
    for x, h in _random_pairs():
        if h.size > x.size:
            with pytest.raises(FiltersError, match="valid"):
                onedim.convolve1d(x, h, "valid")
            x, h = h, x
        np.testing.assert_allclose(
            onedim.convolve1d(x, h, "valid"), np.convolve(x, h, "valid"), rtol=1e-12, atol=1e-12
        )


def test_correlation_equals_numpy_correlate():
    for x, h in _random_pairs():
        np.testing.assert_allclose(
            onedim.correlate1d(x, h), np.correlate(x, h, "full"), rtol=1e-12, atol=1e-12
        )
        if h.size <= x.size:
            np.testing.assert_allclose(
                onedim.correlate1d(x, h, "valid"),
                np.correlate(x, h, "valid"),
                rtol=1e-12,
                atol=1e-12,
            )


def test_the_operations_are_the_packages_2d_routines_on_one_row():
    x, h = np.array([3.0, -1.0, 4.0, 1.0, 5.0]), np.array([2.0, 7.0, 1.0])
    for output in filters.OUTPUTS:
        options = dict(boundary="constant", output=output)
        assert np.array_equal(
            onedim.convolve1d(x, h, output), filters.convolve(x[None], h[None], **options)[0]
        )
        assert np.array_equal(
            onedim.correlate1d(x, h, output), filters.correlate(x[None], h[None], **options)[0]
        )


@settings(max_examples=60, deadline=None)
@given(SEQUENCE, SEQUENCE)
def test_convolution_commutes_and_correlation_is_convolution_with_h_reversed(x, h):
    x, h = np.array(x), np.array(h)
    scale = 1e-12 * (1 + np.abs(x).max() * np.abs(h).sum())
    np.testing.assert_allclose(onedim.convolve1d(x, h), onedim.convolve1d(h, x), atol=scale)
    assert np.array_equal(onedim.correlate1d(x, h), onedim.convolve1d(x, h[::-1]))


def test_output_length():
    assert [onedim.output_length(7, 3, o) for o in ("full", "same", "valid")] == [9, 7, 5]


# ----------------------------------------------------------------------------
# The sliding picture
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("operation", onedim.OPERATIONS)
def test_every_shifts_sum_is_the_output(operation):
    rng = np.random.default_rng(3)
    for n, m in [(1, 1), (1, 5), (5, 1), (7, 3), (3, 7), (20, 6), (6, 6)]:
        x = onedim.Sequence(rng.standard_normal(n), start=int(rng.integers(-3, 4)))
        h = onedim.Sequence(rng.standard_normal(m), start=int(rng.integers(-3, 4)))
        step = onedim.sliding(x, h, operation)
        assert len(step) == n + m - 1 == step.sums.size == step.positions.shape[0]
        np.testing.assert_allclose(step.sums, step.output, rtol=1e-12, atol=1e-12)
        expected = onedim.convolve1d(x.values, h.values)
        if operation == "correlate":
            expected = onedim.correlate1d(x.values, h.values)
        assert np.array_equal(step.output, expected)
        assert step.index[0] == x.start + h.start


def test_convolution_places_the_kernel_turned_round():
    step = onedim.sliding(
        onedim.Sequence(np.array([1.0, 2.0])), onedim.Sequence(np.array([3.0, 1.0, 5.0]))
    )
    # Shift n = 2: h[2] h[1] h[0] under x[0] x[1] x[2].
    assert step.positions[2].tolist() == [0, 1, 2]
    assert step.placed[2].tolist() == [5.0, 1.0, 3.0]
    assert step.taps.tolist() == [2, 1, 0]
    assert step.overlap[2].tolist() == [True, True, False]
    assert step.products[2].tolist() == [5.0, 2.0, 0.0]
    # Every placed tap m sits at k = n - m: the definition y[n] = Σ x[k] h[n - k].
    for i, n in enumerate(step.index):
        assert np.array_equal(step.positions[i], n - step.taps - step.h.start)


def test_correlation_places_the_kernel_as_given():
    step = onedim.sliding(
        onedim.Sequence(np.array([1.0, 2.0])),
        onedim.Sequence(np.array([3.0, 1.0, 5.0])),
        "correlate",
    )
    assert step.placed[2].tolist() == [3.0, 1.0, 5.0]
    assert step.taps.tolist() == [0, 1, 2]


def test_the_sums_are_exact_on_whole_numbers():
    x = onedim.Sequence(np.arange(1.0, 30.0))
    h = onedim.Sequence(np.array([2.0, -1.0, 3.0, 4.0]), start=1)
    step = onedim.sliding(x, h)
    assert np.array_equal(step.sums, step.output)
    assert np.array_equal(step.output, np.convolve(x.values, h.values))


# ----------------------------------------------------------------------------
# Examples
# ----------------------------------------------------------------------------


def test_moving_average_is_seeded_and_smooths():
    first, again = onedim.moving_average(7), onedim.moving_average(7)
    assert np.array_equal(first.signal.values, again.signal.values)
    assert not np.array_equal(first.signal.values, onedim.moving_average(7, seed=1).signal.values)
    assert np.allclose(first.kernel.values, 1 / 7) and first.kernel.values.size == 7
    np.testing.assert_allclose(
        first.smoothed, np.convolve(first.signal.values, first.kernel.values, "same"), atol=1e-12
    )
    assert first.smoothed_rms < first.noise_rms
    # A window of one changes nothing.
    one = onedim.moving_average(1)
    assert np.array_equal(one.smoothed, one.signal.values)
    assert one.smoothed_rms == one.noise_rms


def _brute_force(count: int, weights) -> dict[int, Fraction]:
    total = sum(weights)
    found: dict[int, Fraction] = {}
    for throw in itertools.product(range(1, len(weights) + 1), repeat=count):
        chance = Fraction(1)
        for face in throw:
            chance *= Fraction(weights[face - 1], total)
        found[sum(throw)] = found.get(sum(throw), Fraction(0)) + chance
    return found


@pytest.mark.parametrize("weights", [[1] * 6, [1, 1, 1, 1, 1, 3], [0, 2, 1, 0, 5, 9]])
@pytest.mark.parametrize("count", [1, 2, 3])
def test_dice_equal_brute_force_enumeration(count, weights):
    dice = onedim.dice_sums(count, weights)
    expected = {total: chance for total, chance in _brute_force(count, weights).items() if chance}
    shown = {int(total): dice.fraction(i) for i, total in enumerate(dice.totals) if dice.counts[i]}
    assert shown == expected
    assert sum(dice.fraction(i) for i in range(dice.totals.size)) == 1
    assert dice.probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    assert dice.float_error < 1e-15
    exact = [float(dice.fraction(i)) for i in range(dice.totals.size)]
    np.testing.assert_allclose(dice.probabilities, exact, atol=1e-15)


def test_two_fair_dice_give_six_chances_in_thirty_six_of_seven():
    dice = onedim.dice_sums(2)
    seven = int(np.flatnonzero(dice.totals == 7)[0])
    assert (int(dice.counts[seven]), dice.denominator) == (6, 36)
    assert dice.fraction(seven) == Fraction(1, 6)
    assert dice.counts.tolist() == [1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1]
    assert dice.mean == pytest.approx(7.0)


def test_ten_dice_stay_exact():
    dice = onedim.dice_sums(onedim.MAX_DICE, [onedim.MAX_WEIGHT] * 6)
    assert int(dice.counts.sum()) == dice.denominator == (6 * onedim.MAX_WEIGHT) ** 10
    assert dice.probabilities.sum() == pytest.approx(1.0, abs=1e-12)


def test_the_last_convolution_of_the_dice_is_the_one_animated():
    dice = onedim.dice_sums(3)
    step = onedim.sliding(dice.previous, dice.die)
    assert (dice.previous.start, dice.die.start) == (2, 1)
    assert step.index.tolist() == dice.totals.tolist()
    np.testing.assert_allclose(step.output, dice.probabilities, atol=1e-15)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([1.0, 2.0], [3.0, 1.0, 1.0]),
        ([0.0], [1.0, 2.0]),
        ([1.0, 0.0, 0.0], [2.0, 0.0]),
        ([-1.5, 0.25, 3.0], [7.0]),
    ],
)
def test_polynomial_product_equals_polymul(a, b):
    product = onedim.polynomial_product(a, b)
    trimmed = np.polynomial.polynomial.polymul(a, b)
    np.testing.assert_allclose(product.product[: trimmed.size], trimmed, atol=1e-12)
    assert not product.product[trimmed.size :].any()  # polymul drops trailing zeros
    assert product.reference_error == 0.0
    assert product.product.size == len(a) + len(b) - 1


def test_polynomial_products_of_random_polynomials_equal_polymul():
    for degree in (1, 5, 40, 200):
        a, b = onedim.random_polynomial(degree, seed=1), onedim.random_polynomial(degree, seed=2)
        assert a.size == degree + 1 and a[-1] != 0
        product = onedim.polynomial_product(a, b)
        np.testing.assert_array_equal(product.product, np.polynomial.polynomial.polymul(a, b))


def test_the_worked_example():
    product = onedim.polynomial_product([1.0, 2.0], [3.0, 1.0, 1.0])
    assert product.product.tolist() == [3.0, 7.0, 3.0, 2.0]
    assert onedim.polynomial_text(product.product) == "3 + 7x + 3x² + 2x³"


@pytest.mark.parametrize("degree", [0, 3, 20, 63, 300])
def test_fft_route_within_1e9_relative(degree):
    a, b = onedim.random_polynomial(degree, seed=3), onedim.random_polynomial(degree, seed=4)
    fft = onedim.fft_product(a, b)
    scale = np.abs(a).max() * np.abs(b).sum()
    assert fft.max_error <= 1e-9 * scale
    assert fft.relative_error == pytest.approx(fft.max_error / scale)
    np.testing.assert_array_equal(fft.direct, np.convolve(a, b))
    assert fft.fft_length >= a.size + b.size - 1
    np.testing.assert_allclose(
        fft.values,
        filters.fft_convolve(a[None], b[None], boundary="constant", output="full")[0],
        atol=1e-9 * scale,
    )


def test_fft_rounding_is_measured_not_assumed():
    a, b = onedim.random_polynomial(63, seed=1), onedim.random_polynomial(63, seed=2)
    fft = onedim.fft_product(a, b)
    assert fft.max_error == np.abs(fft.values - np.convolve(a, b)).max()
    assert 0 < fft.max_error < 1e-9


# ----------------------------------------------------------------------------
# Text
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1, 2", [1.0, 2.0]),
        ("1 2 3", [1.0, 2.0, 3.0]),
        (" [1; -0.5,2e3] ", [1.0, -0.5, 2000.0]),
        ("(4)", [4.0]),
    ],
)
def test_coefficients_are_read(text, expected):
    assert onedim.parse_coefficients(text).tolist() == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no numbers"),
        (" , ;", "no numbers"),
        ("1, two", "'two' \\(number 2\\) is not a number"),
        ("1, nan", "finite"),
        ("inf", "finite"),
        ("1 " * 40, "40 coefficients; at most 32"),
        ("1" * 3000, "at most 2000"),
        ("**bold** [x](http://a.b)", "not a number"),
    ],
)
def test_bad_coefficient_text_is_refused(text, message):
    with pytest.raises(FiltersError, match=message):
        onedim.parse_coefficients(text)


def test_polynomial_text():
    assert onedim.polynomial_text([0.0, 0.0]) == "0"
    assert onedim.polynomial_text([0.0, -1.0, 0.5]) == "−x + 0.5x²"
    assert onedim.polynomial_text([2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]) == (
        "2 + x¹⁰"
    )
    assert onedim.polynomial_text([1e-20, 1.0], latex=True) == r"1 \times 10^{-20} + x"


# ----------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "message"),
    [
        ([], "empty"),
        ([1.0, np.nan], "NaN or infinite"),
        ([np.inf], "NaN or infinite"),
        ([[1.0, 2.0]], "1-D"),
        (["a"], "real numbers"),
        ([1 + 2j], "real numbers"),
        (np.ones(onedim.MAX_LENGTH + 1), "at most 512"),
    ],
)
def test_bad_sequences_are_refused(x, message):
    with pytest.raises(FiltersError, match=message):
        onedim.convolve1d(x, [1.0])
    with pytest.raises(FiltersError, match=message):
        onedim.correlate1d([1.0], x)
    with pytest.raises(FiltersError, match=message):
        onedim.fft_product(x, [1.0])


def test_the_longest_sequences_are_taken():
    x = np.ones(onedim.MAX_LENGTH)
    assert onedim.convolve1d(x, x).size == 2 * onedim.MAX_LENGTH - 1


def test_bad_arguments_are_refused():
    with pytest.raises(FiltersError, match="output"):
        onedim.convolve1d([1.0], [1.0], "circular")
    with pytest.raises(FiltersError, match="operation"):
        onedim.sliding(onedim.Sequence(np.ones(2)), onedim.Sequence(np.ones(2)), "multiply")
    with pytest.raises(FiltersError, match="window"):
        onedim.moving_average(0)
    with pytest.raises(FiltersError, match="window"):
        onedim.moving_average(61, length=60)
    with pytest.raises(FiltersError, match="noise"):
        onedim.moving_average(3, noise=float("nan"))
    with pytest.raises(FiltersError, match="count"):
        onedim.dice_sums(onedim.MAX_DICE + 1)
    with pytest.raises(FiltersError, match="count"):
        onedim.dice_sums(2.5)
    with pytest.raises(FiltersError, match="whole numbers"):
        onedim.dice_sums(2, [1, 1.5, 1])
    with pytest.raises(FiltersError, match="not all be 0"):
        onedim.dice_sums(2, [0, 0, 0])
    with pytest.raises(FiltersError, match="between 0 and 9"):
        onedim.dice_sums(2, [1, 10])
    with pytest.raises(FiltersError, match="two faces"):
        onedim.dice_sums(2, [1])
    with pytest.raises(FiltersError, match="degree"):
        onedim.random_polynomial(-1)
    with pytest.raises(FiltersError, match="text"):
        onedim.parse_coefficients(None)
