"""filters.exercises: every question's truth is what the package computes, for many seeds."""

from __future__ import annotations

import numpy as np
import pytest

import filters
from filters import FiltersError, cnn, exercises, kernels

SEEDS = range(60)


def _rotated(kernel: np.ndarray) -> np.ndarray:
    return np.rot90(kernel, 2)


# ----------------------------------------------------------------------------
# 1. Will convolution and correlation be equal?
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["any", "symmetric", "point", "asymmetric", "even"])
def test_equality_truth_is_whether_the_kernel_equals_its_rotation(source: str) -> None:
    for seed in SEEDS:
        question = exercises.equality_question(seed, source)
        symmetric = np.array_equal(question.kernel, _rotated(question.kernel))
        assert question.answer == ("equal" if symmetric else "different"), (seed, question.kernel)
        np.testing.assert_array_equal(question.rotated, _rotated(question.kernel))
        assert question.check(question.answer)
        assert not question.check("different" if symmetric else "equal")


def test_equality_sources_give_the_kernels_they_name() -> None:
    for seed in SEEDS:
        symmetric = exercises.equality_question(seed, "symmetric").kernel
        assert np.array_equal(symmetric, symmetric[::-1]) and np.array_equal(
            symmetric, symmetric[:, ::-1]
        )
        point = exercises.equality_question(seed, "point").kernel
        assert np.array_equal(point, _rotated(point))
        asymmetric = exercises.equality_question(seed, "asymmetric").kernel
        assert not np.array_equal(asymmetric, _rotated(asymmetric))
        even = exercises.equality_question(seed, "even").kernel
        assert even.shape[0] % 2 == 0 and even.shape[1] % 2 == 0
    chosen = {exercises.equality_question(seed).source for seed in SEEDS}
    assert chosen == {"symmetric", "point", "asymmetric", "even"}


def test_equality_results_and_numbers_are_the_package_s() -> None:
    image = np.random.default_rng(5).random((50, 40, 3))
    kernel = kernels.make("emboss")
    question = exercises.equality_question(3, "current", kernel=kernel, image=image)
    small = exercises.small_grey(image, exercises.EQUAL_SIDE)
    np.testing.assert_array_equal(question.image, small)
    expected_conv = filters.convolve(small, kernel)
    expected_corr = filters.correlate(small, kernel)
    np.testing.assert_allclose(question.convolution, expected_conv, rtol=0, atol=1e-12)
    np.testing.assert_allclose(question.correlation, expected_corr, rtol=0, atol=1e-12)
    difference = float(np.max(np.abs(expected_conv - expected_corr)))
    assert question.max_difference == pytest.approx(difference)
    assert question.answer == "different"
    explanation = question.explanation()
    assert f"{difference:.4g}" in explanation and "180°" in explanation


def test_equality_with_a_symmetric_current_kernel_is_equal_and_says_why() -> None:
    question = exercises.equality_question(
        0, "current", kernel=kernels.make("gaussian273"), image=np.eye(20)
    )
    assert question.answer == "equal" and question.max_difference == 0
    assert "K equals K rotated by 180°" in question.explanation()


def test_equality_explanation_names_a_one_way_mirror() -> None:
    trap = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, 3.0, -1.0]])
    question = exercises.equality_question(0, "current", kernel=trap)
    assert question.answer == "different"
    assert "mirror-symmetric left–right" in question.explanation()


def test_equality_needs_a_kernel_for_the_current_source_and_a_known_source() -> None:
    with pytest.raises(FiltersError, match="kernel"):
        exercises.equality_question(0, "current")
    with pytest.raises(FiltersError, match="source"):
        exercises.equality_question(0, "lopsided")
    with pytest.raises(FiltersError, match="seed"):
        exercises.equality_question(-1)


# ----------------------------------------------------------------------------
# 2. Which panel is the convolution?
# ----------------------------------------------------------------------------


def test_which_panels_really_are_convolution_and_correlation() -> None:
    labels = set()
    for seed in SEEDS:
        question = exercises.which_question(seed)
        options = dict(boundary="constant", output="same")
        convolution = filters.convolve(question.image, question.kernel, **options)
        correlation = filters.correlate(question.image, question.kernel, **options)
        panels = question.panels
        np.testing.assert_array_equal(panels[question.answer], convolution)
        np.testing.assert_array_equal(panels[question.other], correlation)
        assert not np.array_equal(convolution, correlation)
        # The impulse draws K in the convolution and K rotated in the correlation.
        np.testing.assert_array_equal(question.window(convolution), question.kernel)
        np.testing.assert_array_equal(question.window(correlation), _rotated(question.kernel))
        assert question.image.sum() == 1 and question.image[question.impulse] == 1
        assert question.check(question.answer) and not question.check(question.other)
        assert f"panel {question.answer}" in question.explanation()
        labels.add(question.answer)
    assert labels == {"A", "B"}


# ----------------------------------------------------------------------------
# 3. Where will the difference be largest?
# ----------------------------------------------------------------------------


def test_where_truth_holds_the_largest_difference() -> None:
    for seed in range(25):
        question = exercises.where_question(seed)
        difference = np.abs(
            filters.convolve(question.image, question.kernel)
            - filters.correlate(question.image, question.kernel)
        )
        row, col = np.unravel_index(np.argmax(difference), difference.shape)
        holder = next(
            name
            for name, (rows, cols) in zip(
                exercises.REGIONS, exercises.region_bounds(difference.shape), strict=True
            )
            if rows.start <= row < rows.stop and cols.start <= col < cols.stop
        )
        assert holder in question.accepted, seed
        assert question.answer in question.accepted
        assert question.check(holder)
        for region in exercises.REGIONS:
            if region not in question.accepted:
                assert not question.check(region)
        assert float(difference.max()) == pytest.approx(question.region_max.max())


def test_where_regions_tile_the_image() -> None:
    for shape in [(96, 82), (10, 3), (7, 11)]:
        covered = np.zeros(shape, dtype=int)
        for rows, cols in exercises.region_bounds(shape):
            covered[rows, cols] += 1
        assert (covered == 1).all()


def test_where_ties_accept_every_tied_region() -> None:
    image = np.zeros((30, 30))
    image[5, 5] = image[5, 25] = 1.0  # the same impulse in top-left and top-right
    question = exercises.where_question(0, kernel=kernels.make("sobel_x"), image=image)
    assert set(question.accepted) == {"top-left", "top-right"}
    assert question.check("top-left") and question.check("top-right")
    assert not question.check("centre")
    assert "tied within rounding with top-right: either counts" in question.explanation()


def test_where_with_a_symmetric_kernel_accepts_every_region() -> None:
    question = exercises.where_question(1, kernel=kernels.make("gaussian273"))
    assert question.accepted == exercises.REGIONS
    assert "every region is right" in question.explanation()


# ----------------------------------------------------------------------------
# 4. What will the output size be?
# ----------------------------------------------------------------------------


def _formula(n: int, k: int, s: int, p: int, d: int, a: int, transposed: bool) -> int:
    if transposed:
        return (n - 1) * s - 2 * p + d * (k - 1) + a + 1
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


@pytest.mark.parametrize("transposed", [False, True])
def test_output_size_truth_is_the_formula_and_the_layer_s_shape(transposed: bool) -> None:
    for seed in SEEDS:
        q = exercises.output_size_question(seed, transposed=transposed)
        expected = tuple(
            _formula(n, k, q.stride, q.padding, q.dilation, q.output_padding, transposed)
            for n, k in zip(q.size, q.kernel, strict=True)
        )
        assert q.truth == expected, seed
        assert min(q.truth) >= 1
        options = dict(stride=q.stride, padding=q.padding, dilation=q.dilation)
        if transposed:
            assert q.output_padding < max(q.stride, q.dilation)
            out = cnn.conv_transpose2d(
                np.zeros((1, *q.size)),
                np.zeros((1, 1, *q.kernel)),
                output_padding=q.output_padding,
                **options,
            )
        else:
            out = cnn.conv2d(np.zeros((1, *q.size)), np.zeros((1, 1, *q.kernel)), **options)
        assert out.shape[-2:] == q.truth
        assert f"= {q.truth[0]};" in q.explanation() and q.explanation().endswith(f"{q.truth[1]}.")


def test_output_size_checking() -> None:
    question = exercises.output_size_question(7)
    height, width = question.truth
    assert question.check((height, width))
    assert question.check([float(height), float(width)])
    assert not question.check((height + 1, width))
    assert not question.check((height, width - 1))
    assert not question.check((width, height)) or height == width
    assert not question.check(None)
    assert not question.check(("a", "b"))
    assert not question.check((height,))


def test_output_size_seeds_give_both_layers() -> None:
    layers = {exercises.output_size_question(seed).transposed for seed in SEEDS}
    assert layers == {False, True}


# ----------------------------------------------------------------------------
# Every kind
# ----------------------------------------------------------------------------


def _fingerprint(question) -> tuple:
    arrays = [
        getattr(question, name)
        for name in ("kernel", "image", "convolution", "correlation")
        if isinstance(getattr(question, name, None), np.ndarray)
    ]
    return (question.answer, question.explanation(), *(a.tobytes() for a in arrays))


@pytest.mark.parametrize("kind", exercises.KINDS)
def test_questions_are_deterministic_per_seed_and_vary_between_seeds(kind: str) -> None:
    first = [_fingerprint(exercises.make(kind, seed)) for seed in range(8)]
    again = [_fingerprint(exercises.make(kind, seed)) for seed in range(8)]
    assert first == again
    assert len(set(first)) == len(first)


def test_mixed_rounds_pick_every_kind_and_bad_kinds_are_refused() -> None:
    assert {exercises.pick_kind(seed) for seed in SEEDS} == set(exercises.KINDS)
    assert exercises.pick_kind(11) == exercises.pick_kind(11)
    with pytest.raises(FiltersError, match="kind"):
        exercises.make("guess", 0)


@pytest.mark.parametrize("kind", ["equal", "which", "where"])
def test_choice_questions_accept_their_answer_and_refuse_others(kind: str) -> None:
    for seed in range(10):
        question = exercises.make(kind, seed)
        assert question.answer in question.choices
        assert question.check(question.answer)
        assert not question.check("something else")
