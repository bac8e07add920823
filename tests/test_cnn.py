"""filters.cnn: the correlation layer, its gradients, training and the closed form."""

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from filters import FiltersError, cnn, correlate, kernels

EMBOSS = kernels.make("emboss")
RANDOM_5 = kernels.make("random", size=5, seed=3)
GAUSSIAN = kernels.make("gaussian273")


def _rng(seed=0):
    return np.random.default_rng(seed)


def _smooth_image(size=48, seed=0):
    """Strongly correlated neighbouring pixels, like a photo."""
    noise = _rng(seed).standard_normal((size + 8, size + 8))
    smooth = scipy.signal.convolve2d(noise, np.ones((9, 9)) / 81, mode="valid")
    return (smooth - smooth.mean()) / smooth.std()


shapes = st.tuples(
    st.integers(4, 12), st.integers(4, 12), st.integers(1, 4), st.integers(1, 4), st.integers(0, 99)
)


# ----------------------------------------------------------------------------
# The layer and its target
# ----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(shapes, st.floats(-3, 3))
def test_layer_is_scipy_valid_correlation_plus_bias(shape, bias):
    height, width, kh, kw, seed = shape
    x = _rng(seed).standard_normal((height, width))
    w = _rng(seed + 1).standard_normal((kh, kw))
    expected = scipy.signal.correlate2d(x, w, mode="valid") + bias
    np.testing.assert_allclose(cnn.correlation_layer(x, w, bias), expected, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(shapes)
def test_target_is_true_convolution_which_is_correlation_with_flip(shape):
    height, width, kh, kw, seed = shape
    x = _rng(seed).standard_normal((height, width))
    kernel = _rng(seed + 1).standard_normal((kh, kw))
    target = cnn.make_target(x, kernel)
    np.testing.assert_allclose(target, scipy.signal.convolve2d(x, kernel, "valid"), atol=1e-12)
    np.testing.assert_allclose(target, cnn.correlation_layer(x, kernel[::-1, ::-1]), atol=1e-12)


def test_target_noise_has_the_asked_relative_size_and_is_seeded():
    x = cnn.white_noise((96, 96), seed=1)
    clean = cnn.make_target(x, EMBOSS)
    noisy = cnn.make_target(x, EMBOSS, noise=0.2, seed=5)
    assert np.std(noisy - clean) / np.std(clean) == pytest.approx(0.2, rel=0.05)
    np.testing.assert_array_equal(noisy, cnn.make_target(x, EMBOSS, noise=0.2, seed=5))
    assert not np.array_equal(noisy, cnn.make_target(x, EMBOSS, noise=0.2, seed=6))


@settings(max_examples=20, deadline=None)
@given(shapes)
def test_patch_matrix_times_filter_is_the_layer(shape):
    height, width, kh, kw, seed = shape
    x = _rng(seed).standard_normal((height, width))
    w = _rng(seed + 1).standard_normal((kh, kw))
    patches = cnn.patch_matrix(x, (kh, kw))
    assert patches.shape == ((height - kh + 1) * (width - kw + 1), kh * kw)
    np.testing.assert_allclose(
        (patches @ w.ravel()).reshape(height - kh + 1, width - kw + 1),
        cnn.correlation_layer(x, w),
        atol=1e-12,
    )


# ----------------------------------------------------------------------------
# Gradients
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("height", "width", "kh", "kw"),
    [(7, 9, 3, 3), (8, 6, 2, 2), (10, 10, 4, 3), (6, 11, 1, 5), (9, 7, 5, 2)],
)
def test_gradients_match_finite_differences(height, width, kh, kw):
    rng = _rng(height * width + kh)
    x = rng.standard_normal((height, width))
    w = rng.standard_normal((kh, kw))
    bias = float(rng.standard_normal())
    target = rng.standard_normal((height - kh + 1, width - kw + 1))
    loss, grad_w, grad_b = cnn.gradients(x, w, bias, target)
    step = 1e-6
    numeric = np.empty_like(w)
    for index in np.ndindex(w.shape):
        plus, minus = w.copy(), w.copy()
        plus[index] += step
        minus[index] -= step
        numeric[index] = (
            cnn.gradients(x, plus, bias, target)[0] - cnn.gradients(x, minus, bias, target)[0]
        ) / (2 * step)
    numeric_b = (
        cnn.gradients(x, w, bias + step, target)[0] - cnn.gradients(x, w, bias - step, target)[0]
    ) / (2 * step)
    np.testing.assert_allclose(grad_w, numeric, rtol=1e-6, atol=1e-8)
    assert grad_b == pytest.approx(numeric_b, rel=1e-6, abs=1e-8)
    residual = cnn.correlation_layer(x, w, bias) - target
    assert loss == pytest.approx(np.mean(residual**2), rel=1e-12)


def test_weight_gradient_is_the_input_correlated_with_the_residual():
    rng = _rng(4)
    x = rng.standard_normal((20, 17))
    w = rng.standard_normal((4, 3))
    target = rng.standard_normal((17, 15))
    _, grad_w, _ = cnn.gradients(x, w, 0.3, target)
    residual = cnn.correlation_layer(x, w, 0.3) - target
    expected = 2.0 / residual.size * correlate(x, residual, output="valid")
    np.testing.assert_allclose(grad_w, expected, atol=1e-12)


# ----------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", [EMBOSS, RANDOM_5], ids=["emboss 3x3", "random 5x5"])
@pytest.mark.parametrize(("optimizer", "lr"), [("adam", 0.05), ("gd", 0.4)])
def test_training_on_random_image_learns_the_flipped_kernel(kernel, optimizer, lr):
    x = cnn.white_noise((48, 48), seed=2)
    target = cnn.make_target(x, kernel)
    result = cnn.train(x, target, kernel.shape, steps=300, lr=lr, optimizer=optimizer, seed=1)
    assert not result.diverged
    assert np.max(np.abs(result.weights - kernel[::-1, ::-1])) < 1e-3
    assert np.max(np.abs(result.weights - kernel)) > 0.5 * np.max(np.abs(kernel))
    assert abs(result.bias) < 1e-3
    assert result.losses[-1] < 1e-5 * result.losses[0]
    check = cnn.check_flip(result.weights, kernel)
    assert check.verdict == "flip"
    assert not check.symmetric


def test_symmetric_kernel_is_learned_as_itself_and_as_its_flip():
    x = cnn.white_noise((48, 48), seed=3)
    result = cnn.train(x, cnn.make_target(x, GAUSSIAN), GAUSSIAN.shape, steps=300, lr=0.05)
    assert np.max(np.abs(result.weights - GAUSSIAN)) < 1e-4
    assert np.max(np.abs(result.weights - GAUSSIAN[::-1, ::-1])) < 1e-4
    check = cnn.check_flip(result.weights, GAUSSIAN)
    assert check.symmetric
    assert check.verdict == "both"


def test_training_records_every_step_and_calls_back():
    x = cnn.white_noise((24, 24), seed=0)
    target = cnn.make_target(x, EMBOSS)
    seen = []
    result = cnn.train(
        x,
        target,
        (3, 3),
        steps=12,
        lr=0.1,
        callback=lambda step, loss, w: seen.append((step, loss, w)),
    )
    assert [step for step, _, _ in seen] == list(range(13))
    assert result.steps == 12
    assert result.losses.shape == (13,)
    assert result.history.shape == (13, 3, 3)
    np.testing.assert_array_equal(result.history[-1], result.weights)
    for step, loss, weights in seen:
        np.testing.assert_array_equal(weights, result.history[step])
        assert loss == result.losses[step]
    # Each recorded loss is the loss of the recorded filter (bias from the last step).
    final = cnn.gradients(x, result.weights, result.bias, target)[0]
    assert final == pytest.approx(result.losses[-1], rel=1e-12)


def test_first_adam_step_moves_each_weight_by_the_learning_rate():
    x = cnn.white_noise((20, 20), seed=0)
    target = cnn.make_target(x, EMBOSS)
    result = cnn.train(x, target, (3, 3), steps=1, lr=0.01, optimizer="adam", bias=False)
    _, grad_w, _ = cnn.gradients(x, result.history[0], 0.0, target)
    np.testing.assert_allclose(
        result.history[1] - result.history[0], -0.01 * np.sign(grad_w), rtol=1e-6
    )
    assert result.bias == 0.0


def test_gradient_descent_step_is_lr_times_gradient():
    x = cnn.white_noise((20, 20), seed=0)
    target = cnn.make_target(x, EMBOSS)
    result = cnn.train(x, target, (3, 3), steps=1, lr=0.1, optimizer="gd", bias=False)
    _, grad_w, _ = cnn.gradients(x, result.history[0], 0.0, target)
    np.testing.assert_allclose(result.history[1] - result.history[0], -0.1 * grad_w, atol=1e-12)


def test_same_seed_same_run_other_seed_other_start():
    x = cnn.white_noise((20, 20), seed=0)
    target = cnn.make_target(x, EMBOSS)
    first = cnn.train(x, target, (3, 3), steps=5, seed=7)
    again = cnn.train(x, target, (3, 3), steps=5, seed=7)
    other = cnn.train(x, target, (3, 3), steps=5, seed=8)
    np.testing.assert_array_equal(first.history, again.history)
    assert not np.array_equal(first.history[0], other.history[0])
    assert np.max(np.abs(first.history[0])) <= 1 / 3  # PyTorch's ±1/sqrt(fan_in)


def test_stability_bound_of_gradient_descent():
    x = _smooth_image(32)
    target = cnn.make_target(x, EMBOSS)
    bound = cnn.conditioning(x, (3, 3)).max_stable_lr
    below = cnn.train(x, target, (3, 3), steps=400, lr=0.9 * bound, optimizer="gd")
    above = cnn.train(x, target, (3, 3), steps=400, lr=1.2 * bound, optimizer="gd")
    assert not below.diverged
    assert below.losses[-1] < below.losses[0]
    assert above.diverged
    assert above.steps < 400


def test_white_noise_is_far_better_conditioned_than_a_smooth_image():
    noise = cnn.conditioning(cnn.white_noise((48, 48), seed=0), (3, 3))
    smooth = cnn.conditioning(_smooth_image(48), (3, 3))
    assert noise.condition_number < 2
    assert smooth.condition_number > 50 * noise.condition_number
    assert np.all(np.diff(noise.eigenvalues) >= 0)


# ----------------------------------------------------------------------------
# Closed form
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kernel", [EMBOSS, RANDOM_5, kernels.make("shift")])
def test_least_squares_is_the_flipped_kernel(kernel, bias):
    for x in (cnn.white_noise((40, 40), seed=1), _smooth_image(40)):
        fit = cnn.least_squares_filter(x, cnn.make_target(x, kernel), kernel.shape, bias=bias)
        np.testing.assert_allclose(fit.weights, kernel[::-1, ::-1], atol=1e-8)
        assert abs(fit.bias) < 1e-8
        assert fit.loss < 1e-20
        assert fit.rank == fit.unknowns == kernel.size + bias


def test_least_squares_with_noise_is_close_and_solves_the_normal_equations():
    x = cnn.white_noise((64, 64), seed=1)
    target = cnn.make_target(x, EMBOSS, noise=0.1, seed=2)
    fit = cnn.least_squares_filter(x, target, (3, 3))
    assert np.max(np.abs(fit.weights - EMBOSS[::-1, ::-1])) < 0.05
    design = np.hstack([cnn.patch_matrix(x, (3, 3)), np.ones((62 * 62, 1))])
    theta = np.append(fit.weights.ravel(), fit.bias)
    np.testing.assert_allclose(design.T @ design @ theta, design.T @ target.ravel(), atol=1e-8)


# ----------------------------------------------------------------------------
# Inputs and comparisons
# ----------------------------------------------------------------------------


def test_prepare_input_is_grey_small_and_standardised():
    photo = _rng(0).random((120, 90, 3))
    x = cnn.prepare_input(photo, 48)
    assert x.shape == (48, 36)
    assert x.mean() == pytest.approx(0, abs=1e-12)
    assert x.std() == pytest.approx(1, rel=1e-12)


def test_white_noise_is_standardised_and_seeded():
    x = cnn.white_noise((30, 20), seed=4)
    assert x.shape == (30, 20)
    assert x.mean() == pytest.approx(0, abs=1e-12)
    assert x.std() == pytest.approx(1, rel=1e-12)
    np.testing.assert_array_equal(x, cnn.white_noise((30, 20), seed=4))


def test_check_flip_and_distances():
    w = EMBOSS[::-1, ::-1] + 1e-4
    check = cnn.check_flip(w, EMBOSS)
    assert check.error_to_flip == pytest.approx(1e-4)
    assert check.error_to_kernel == pytest.approx(4 + 1e-4)
    assert check.verdict == "flip"
    assert cnn.check_flip(EMBOSS, EMBOSS).verdict == "kernel"
    assert cnn.check_flip(np.zeros((3, 3)), EMBOSS).verdict == "neither"
    to_flip, to_kernel = cnn.distances(np.stack([w, EMBOSS]), EMBOSS)
    np.testing.assert_allclose(to_flip, [1e-4, 4])
    np.testing.assert_allclose(to_kernel, [4 + 1e-4, 0])


# ----------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------

X = np.zeros((10, 10)) + np.arange(10)
T = np.zeros((8, 8))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cnn.correlation_layer(np.zeros((4, 4, 3)), np.ones((3, 3))), "2-D"),
        (lambda: cnn.correlation_layer(X, np.ones((11, 3))), "does not fit"),
        (lambda: cnn.correlation_layer(X, np.ones((3, 3)), np.nan), "finite"),
        (lambda: cnn.correlation_layer([[np.inf]], [[1.0]]), "NaN or infinite"),
        (lambda: cnn.make_target(X, np.ones((3, 3)), noise=-1), "noise"),
        (lambda: cnn.train(X, T, (3, 3, 1)), "kernel_shape"),
        (lambda: cnn.train(X, T, (0, 3)), "≥ 1"),
        (lambda: cnn.train(X, T, (2.5, 3)), "kernel_shape"),
        (lambda: cnn.train(X, np.zeros((7, 8)), (3, 3)), "output shape 8×8"),
        (lambda: cnn.train(X, T, (3, 3), steps=0), "steps"),
        (lambda: cnn.train(X, T, (3, 3), steps=2.5), "steps"),
        (lambda: cnn.train(X, T, (3, 3), steps=True), "steps"),
        (lambda: cnn.train(X, T, (3, 3), steps=cnn.MAX_STEPS + 1), "steps"),
        (lambda: cnn.train(X, T, (3, 3), lr=0), "lr"),
        (lambda: cnn.train(X, T, (3, 3), lr=-0.1), "lr"),
        (lambda: cnn.train(X, T, (3, 3), lr=float("nan")), "lr"),
        (lambda: cnn.train(X, T, (3, 3), lr="fast"), "lr"),
        (lambda: cnn.train(X, T, (3, 3), optimizer="sgd"), "optimizer"),
        (lambda: cnn.least_squares_filter(X, np.zeros((1, 1)), (10, 10)), "unknowns"),
        (lambda: cnn.conditioning(X, (10, 10)), "unknowns"),
        (lambda: cnn.patch_matrix(np.zeros((5000, 5000)), (3, 3)), "patch values"),
        (lambda: cnn.prepare_input(np.ones((20, 20)), 10), "constant"),
        (lambda: cnn.white_noise((1, 5)), "at least 2×2"),
        (lambda: cnn.check_flip(np.ones((3, 3)), np.ones((5, 5))), "same shape"),
        (lambda: cnn.distances(np.ones((4, 3, 2)), np.ones((3, 3))), "history"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, message):
    with pytest.raises(FiltersError, match=message):
        call()
