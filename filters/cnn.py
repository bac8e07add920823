"""A one-filter "convolution layer" as deep-learning libraries implement it, in NumPy.

``torch.nn.functional.conv2d`` and ``tf.nn.conv2d`` compute a *cross-correlation*:
the filter slides over the input without being flipped. This module trains such a
layer, by gradient descent or Adam, to imitate a target made by a *true* convolution
with a kernel ``K``. Because ``x ∗ K == x ⋆ flip(K)``, the filter it learns is
``flip(K)``, the kernel rotated by 180°; nothing else changes.

Notation: ``x`` is a 2-D input of shape ``(H, W)``; the layer's filter ``w`` has shape
``(kh, kw)`` and its output, with valid padding, shape ``(H - kh + 1, W - kw + 1)``;
``N`` is the number of output pixels.

The patch matrix ``A`` (im2col) has one row per output pixel holding the ``kh × kw``
input patch under the filter, so the layer is ``A @ w.ravel() + b`` and every
quantity below is a small matrix product.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _core, images
from ._errors import FiltersError

__all__ = [
    "MAX_PATCH_VALUES",
    "MAX_STEPS",
    "OPTIMIZERS",
    "Conditioning",
    "FlipCheck",
    "LeastSquaresResult",
    "TrainingResult",
    "check_flip",
    "conditioning",
    "correlation_layer",
    "distances",
    "gradients",
    "least_squares_filter",
    "make_target",
    "patch_matrix",
    "prepare_input",
    "train",
    "white_noise",
]

OPTIMIZERS = ("adam", "gd")
#: Most training steps one call to :func:`train` accepts.
MAX_STEPS = 100_000
#: Largest patch matrix (output pixels × filter weights) the functions build.
MAX_PATCH_VALUES = 20_000_000
#: A run counts as diverged when its loss grows past this factor of the starting loss.
DIVERGENCE_FACTOR = 1e12

_ADAM_BETA1 = 0.9
_ADAM_BETA2 = 0.999
_ADAM_EPSILON = 1e-8


# ----------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------


def _input(x, name: str = "x") -> np.ndarray:
    array = _core._real_finite_array(x, name)
    if array.ndim != 2:
        raise FiltersError(f"{name} must be a 2-D (H, W) array; got shape {array.shape}.")
    return np.ascontiguousarray(array, dtype=np.float64)


def _kernel_shape(shape, x_shape: tuple[int, int]) -> tuple[int, int]:
    try:
        rows, cols = (int(side) for side in shape)
        valid = all(isinstance(side, numbers.Integral) for side in shape)
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise FiltersError(f"kernel_shape must be two integers (rows, columns); got {shape!r}.")
    if rows < 1 or cols < 1:
        raise FiltersError(f"kernel_shape must have both sides ≥ 1; got {rows}×{cols}.")
    if rows > x_shape[0] or cols > x_shape[1]:
        raise FiltersError(
            f"A {rows}×{cols} filter does not fit in the {x_shape[0]}×{x_shape[1]} input "
            "with valid padding."
        )
    return rows, cols


def _output_shape(x_shape, kernel_shape) -> tuple[int, int]:
    return x_shape[0] - kernel_shape[0] + 1, x_shape[1] - kernel_shape[1] + 1


def _target(target, expected: tuple[int, int]) -> np.ndarray:
    array = _input(target, "target")
    if array.shape != expected:
        raise FiltersError(
            f"target must have the layer's output shape {expected[0]}×{expected[1]} "
            f"(valid padding); got {array.shape[0]}×{array.shape[1]}."
        )
    return array


def _positive_number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise FiltersError(f"{name} must be a number; got {value!r}.")
    number = float(value)
    if not np.isfinite(number) or number <= 0:
        raise FiltersError(f"{name} must be a finite number > 0; got {value!r}.")
    return number


def _steps(value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise FiltersError(f"steps must be an integer; got {value!r}.")
    if not 1 <= value <= MAX_STEPS:
        raise FiltersError(f"steps must be between 1 and {MAX_STEPS}; got {value}.")
    return int(value)


# ----------------------------------------------------------------------------
# The layer and its target
# ----------------------------------------------------------------------------


def correlation_layer(x, w, b: float = 0.0) -> np.ndarray:
    """Apply a one-filter convolution layer as CNN libraries define it.

    Parameters
    ----------
    x : (H, W) array_like
        The input.
    w : (kh, kw) array_like
        The filter, with ``kh ≤ H`` and ``kw ≤ W``.
    b : float, optional
        The bias added to every output pixel.

    Returns
    -------
    (H - kh + 1, W - kw + 1) ndarray of float64
        The valid cross-correlation plus the bias.

    Notes
    -----
    .. math:: \\hat y[i, j] = \\sum_{u, v} w[u, v] \\, x[i + u, j + v] + b

    No flip: this is ``torch.nn.functional.conv2d(x, w, b)`` and ``tf.nn.conv2d``
    (padding ``"VALID"``) for one channel and one filter, and
    ``scipy.signal.correlate2d(x, w, mode="valid") + b``.
    """
    x = _input(x)
    w = _input(w, "w")
    _kernel_shape(w.shape, x.shape)
    bias = float(b)
    if not np.isfinite(bias):
        raise FiltersError(f"b must be a finite number; got {b!r}.")
    return _core.correlate(x, w, output="valid", backend="cpu") + bias


def make_target(x, kernel, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """The target the layer learns to imitate: a true convolution, plus optional noise.

    Parameters
    ----------
    x : (H, W) array_like
        The input.
    kernel : (kh, kw) array_like
        The kernel ``K`` of the convolution.
    noise : float, optional
        Standard deviation of the added Gaussian noise, as a fraction of the clean
        target's standard deviation (0 for none).
    seed : int, optional
        Seed of the noise.

    Returns
    -------
    (H - kh + 1, W - kw + 1) ndarray of float64

    Notes
    -----
    .. math:: t[i, j] = \\sum_{u, v} K[u, v] \\, x[i + kh - 1 - u, j + kw - 1 - v]
              + \\sigma \\varepsilon[i, j]

    the valid part of ``x ∗ K``, which equals ``x ⋆ flip(K)``.
    """
    x = _input(x)
    kernel = _input(kernel, "kernel")
    _kernel_shape(kernel.shape, x.shape)
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not noise >= 0:
        raise FiltersError(f"noise must be a number ≥ 0; got {noise!r}.")
    clean = _core.convolve(x, kernel, output="valid", backend="cpu")
    if noise == 0:
        return clean
    scale = float(noise) * float(np.std(clean))
    return clean + scale * np.random.default_rng(seed).standard_normal(clean.shape)


# ----------------------------------------------------------------------------
# Patches, loss and gradients
# ----------------------------------------------------------------------------


def patch_matrix(x, kernel_shape) -> np.ndarray:
    """The im2col matrix: one row per output pixel, holding the patch under the filter.

    Parameters
    ----------
    x : (H, W) array_like
    kernel_shape : (int, int)
        ``(kh, kw)``.

    Returns
    -------
    A : (N, kh * kw) ndarray of float64
        With ``N = (H - kh + 1)(W - kw + 1)`` and rows in raster order, so that
        ``A @ w.ravel()`` is ``correlation_layer(x, w).ravel()``.
    """
    x = _input(x)
    shape = _kernel_shape(kernel_shape, x.shape)
    rows, cols = _output_shape(x.shape, shape)
    if rows * cols * shape[0] * shape[1] > MAX_PATCH_VALUES:
        raise FiltersError(
            f"A {shape[0]}×{shape[1]} filter over a {x.shape[0]}×{x.shape[1]} input needs "
            f"{rows * cols * shape[0] * shape[1]:,} patch values; at most {MAX_PATCH_VALUES:,} "
            "are allowed. Use a smaller input or filter."
        )
    return sliding_window_view(x, shape).reshape(rows * cols, shape[0] * shape[1]).copy()


def _loss_and_gradients(patches, w_flat, b, target_flat):
    residual = patches @ w_flat + b - target_flat
    count = residual.size
    loss = float(residual @ residual) / count
    return loss, (2.0 / count) * (patches.T @ residual), 2.0 * float(residual.mean())


def gradients(x, w, b: float, target) -> tuple[float, np.ndarray, float]:
    """Mean squared error of the layer and its gradients.

    Parameters
    ----------
    x : (H, W) array_like
    w : (kh, kw) array_like
    b : float
    target : (H - kh + 1, W - kw + 1) array_like

    Returns
    -------
    loss : float
        :math:`L = \\frac{1}{N} \\sum_{i,j} r[i, j]^2` with the residual
        :math:`r = \\hat y - t`.
    grad_w : (kh, kw) ndarray of float64
        :math:`\\partial L / \\partial w = \\frac{2}{N} (x \\star r)_{valid}`, the
        valid correlation of the input with the residual.
    grad_b : float
        :math:`\\partial L / \\partial b = \\frac{2}{N} \\sum_{i, j} r[i, j]`.
    """
    x = _input(x)
    w = _input(w, "w")
    patches = patch_matrix(x, w.shape)
    target = _target(target, _output_shape(x.shape, w.shape))
    loss, grad_w, grad_b = _loss_and_gradients(patches, w.ravel(), float(b), target.ravel())
    return loss, grad_w.reshape(w.shape), grad_b


# ----------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingResult:
    """What :func:`train` learned.

    Attributes
    ----------
    weights : (kh, kw) ndarray of float64
        The learned filter.
    bias : float
        The learned bias (0 when the layer has none).
    losses : (steps + 1,) ndarray of float64
        The loss before the first step and after each step (shorter when the run
        diverged and stopped early).
    history : (steps + 1, kh, kw) ndarray of float64
        The filter before the first step and after each step.
    diverged : bool
        Whether the loss grew past ``DIVERGENCE_FACTOR`` times its start or stopped
        being finite; training stops there.
    """

    weights: np.ndarray
    bias: float
    losses: np.ndarray
    history: np.ndarray
    diverged: bool

    @property
    def steps(self) -> int:
        """Number of update steps taken."""
        return len(self.losses) - 1


def _initial_weights(shape, bias: bool, seed: int) -> tuple[np.ndarray, float]:
    """PyTorch's default ``Conv2d`` start: uniform in ±1/sqrt(fan_in)."""
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(shape[0] * shape[1])
    weights = rng.uniform(-bound, bound, shape[0] * shape[1])
    return weights, float(rng.uniform(-bound, bound)) if bias else 0.0


def train(
    x,
    target,
    kernel_shape,
    *,
    steps: int = 300,
    lr: float = 0.05,
    optimizer: Literal["adam", "gd"] = "adam",
    bias: bool = True,
    seed: int = 0,
    callback: Callable[[int, float, np.ndarray], None] | None = None,
) -> TrainingResult:
    """Train a one-filter correlation layer to reproduce ``target`` (mean squared error).

    Parameters
    ----------
    x : (H, W) array_like
        The input.
    target : (H - kh + 1, W - kw + 1) array_like
        What the layer's output should be, e.g. from :func:`make_target`.
    kernel_shape : (int, int)
        ``(kh, kw)``, the filter's shape.
    steps : int, optional
        Number of full-batch update steps, 1 to ``MAX_STEPS``.
    lr : float, optional
        Learning rate (step size), > 0.
    optimizer : {"adam", "gd"}, optional
        Adam (Kingma & Ba, 2015; β₁ = 0.9, β₂ = 0.999, ε = 1e-8) or plain gradient
        descent ``w ← w − lr · ∂L/∂w``.
    bias : bool, optional
        Whether the layer has a bias (otherwise it stays 0).
    seed : int, optional
        Seed of the starting weights, drawn like PyTorch's ``Conv2d`` default:
        uniform in :math:`\\pm 1/\\sqrt{kh \\, kw}`.
    callback : callable, optional
        Called as ``callback(step, loss, weights)`` before the first step
        (``step = 0``) and after each step, with the loss at that point and a copy of
        the ``(kh, kw)`` filter. Useful for live progress.

    Returns
    -------
    TrainingResult

    Notes
    -----
    Each step uses the whole input (full batch). With the residual
    :math:`r = x \\star w + b - t`, the gradients are
    :math:`\\frac{2}{N}(x \\star r)_{valid}` and :math:`\\frac{2}{N}\\sum r`
    (see :func:`gradients`), computed as ``A.T @ r`` with the patch matrix ``A``.
    """
    x = _input(x)
    shape = _kernel_shape(kernel_shape, x.shape)
    target = _target(target, _output_shape(x.shape, shape)).ravel()
    steps = _steps(steps)
    lr = _positive_number(lr, "lr")
    if optimizer not in OPTIMIZERS:
        raise FiltersError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {optimizer!r}.")
    patches = patch_matrix(x, shape)

    weights, offset = _initial_weights(shape, bias, seed)
    moment1 = np.zeros(weights.size + 1)
    moment2 = np.zeros(weights.size + 1)
    losses = np.empty(steps + 1)
    history = np.empty((steps + 1, weights.size))
    history[0] = weights
    diverged = False
    loss, grad_w, grad_b = _loss_and_gradients(patches, weights, offset, target)
    losses[0] = loss
    limit = DIVERGENCE_FACTOR * max(loss, 1e-300)
    if callback is not None:
        callback(0, loss, weights.reshape(shape).copy())
    taken = 0
    for step in range(1, steps + 1):
        gradient = np.append(grad_w, grad_b if bias else 0.0)
        if optimizer == "adam":
            moment1 = _ADAM_BETA1 * moment1 + (1 - _ADAM_BETA1) * gradient
            moment2 = _ADAM_BETA2 * moment2 + (1 - _ADAM_BETA2) * gradient**2
            corrected1 = moment1 / (1 - _ADAM_BETA1**step)
            corrected2 = moment2 / (1 - _ADAM_BETA2**step)
            update = lr * corrected1 / (np.sqrt(corrected2) + _ADAM_EPSILON)
        else:
            update = lr * gradient
        with np.errstate(over="ignore", invalid="ignore"):
            weights = weights - update[:-1]
            offset = offset - float(update[-1])
            loss, grad_w, grad_b = _loss_and_gradients(patches, weights, offset, target)
        taken = step
        losses[step] = loss
        history[step] = weights
        if callback is not None:
            callback(step, loss, weights.reshape(shape).copy())
        if not np.isfinite(loss) or loss > limit:
            diverged = True
            break
    return TrainingResult(
        weights=weights.reshape(shape),
        bias=offset,
        losses=losses[: taken + 1].copy(),
        history=history[: taken + 1].reshape(taken + 1, *shape),
        diverged=diverged,
    )


# ----------------------------------------------------------------------------
# Closed form and conditioning
# ----------------------------------------------------------------------------


def _design(x, kernel_shape, bias: bool) -> np.ndarray:
    patches = patch_matrix(x, kernel_shape)
    if bias:
        patches = np.hstack([patches, np.ones((patches.shape[0], 1))])
    if patches.shape[0] < patches.shape[1]:
        raise FiltersError(
            f"The input gives {patches.shape[0]} output pixels for {patches.shape[1]} unknowns; "
            "use a larger input or a smaller filter."
        )
    return patches


@dataclass(frozen=True)
class LeastSquaresResult:
    """The filter that minimises the mean squared error exactly.

    Attributes
    ----------
    weights : (kh, kw) ndarray of float64
    bias : float
    loss : float
        The mean squared error it leaves.
    rank : int
        Rank of the patch matrix; below the number of unknowns, the input does not
        determine every weight and the minimum-norm solution is returned.
    unknowns : int
        ``kh * kw``, plus one with a bias.
    """

    weights: np.ndarray
    bias: float
    loss: float
    rank: int
    unknowns: int


def least_squares_filter(x, target, kernel_shape, *, bias: bool = True) -> LeastSquaresResult:
    """Solve for the best filter in closed form (linear least squares).

    Parameters
    ----------
    x : (H, W) array_like
    target : (H - kh + 1, W - kw + 1) array_like
    kernel_shape : (int, int)
    bias : bool, optional

    Returns
    -------
    LeastSquaresResult

    Notes
    -----
    With the patch matrix ``A`` (a column of ones appended for the bias), the
    minimiser of :math:`\\lVert A\\theta - t \\rVert^2` solves the normal equations
    :math:`A^T A \\, \\theta = A^T t`; it is computed with ``numpy.linalg.lstsq`` (SVD),
    which is more accurate than forming :math:`A^T A`. For ``t = x ∗ K`` the exact
    answer is ``θ = flip(K)`` (and bias 0).
    """
    x = _input(x)
    shape = _kernel_shape(kernel_shape, x.shape)
    target = _target(target, _output_shape(x.shape, shape)).ravel()
    design = _design(x, shape, bias)
    solution, _, rank, _ = np.linalg.lstsq(design, target, rcond=None)
    residual = design @ solution - target
    count = shape[0] * shape[1]
    return LeastSquaresResult(
        weights=solution[:count].reshape(shape),
        bias=float(solution[count]) if bias else 0.0,
        loss=float(residual @ residual) / residual.size,
        rank=int(rank),
        unknowns=design.shape[1],
    )


@dataclass(frozen=True)
class Conditioning:
    """How hard the least-squares problem is for gradient descent.

    Attributes
    ----------
    eigenvalues : (p,) ndarray of float64
        Eigenvalues of the loss's Hessian :math:`H = \\frac{2}{N} A^T A`, ascending.
    condition_number : float
        :math:`\\kappa = \\lambda_{max} / \\lambda_{min}` (inf when singular).
        Gradient descent shrinks the error along each eigenvector by
        :math:`|1 - lr \\, \\lambda|` per step, so the slowest direction needs about
        :math:`\\kappa` steps per factor e at the best learning rate.
    max_stable_lr : float
        :math:`2 / \\lambda_{max}`: plain gradient descent diverges above it.
    """

    eigenvalues: np.ndarray
    condition_number: float
    max_stable_lr: float


def conditioning(x, kernel_shape, *, bias: bool = True) -> Conditioning:
    """Spectrum of the mean-squared-error Hessian for a filter of ``kernel_shape`` on ``x``.

    Parameters
    ----------
    x : (H, W) array_like
    kernel_shape : (int, int)
    bias : bool, optional

    Returns
    -------
    Conditioning

    Notes
    -----
    The Hessian does not depend on the target: it is the (scaled) autocorrelation of
    the input's patches. White noise has uncorrelated pixels, so
    :math:`A^T A / N \\approx \\sigma^2 I` and :math:`\\kappa \\approx 1`: every weight
    learns at the same speed. Neighbouring pixels of a photograph are alike, so a few
    smooth directions dominate, :math:`\\kappa` is large, and the filter's fine detail
    learns slowly.
    """
    x = _input(x)
    shape = _kernel_shape(kernel_shape, x.shape)
    design = _design(x, shape, bias)
    eigenvalues = np.linalg.eigvalsh((2.0 / design.shape[0]) * (design.T @ design))
    largest = float(eigenvalues[-1])
    smallest = float(eigenvalues[0])
    tiny = largest * design.shape[1] * np.finfo(np.float64).eps
    condition = largest / smallest if smallest > tiny else np.inf
    return Conditioning(eigenvalues, condition, 2.0 / largest if largest > 0 else np.inf)


# ----------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------


def _standardised(values: np.ndarray) -> np.ndarray:
    spread = float(values.std())
    if spread == 0:
        raise FiltersError("The training image is constant; it cannot teach a filter anything.")
    return (values - values.mean()) / spread


def prepare_input(image, long_side: int) -> np.ndarray:
    """A photo made ready for the layer: grey, downscaled and standardised.

    Parameters
    ----------
    image : (M, N) or (M, N, 3) array_like
    long_side : int
        Largest height or width after downscaling (images are never enlarged).

    Returns
    -------
    (P, Q) ndarray of float64
        Zero mean and unit standard deviation, as networks usually see their input.
    """
    grey = images.to_grey(image)
    return _standardised(images.resize_long_side(grey, long_side))


def white_noise(shape, seed: int = 0) -> np.ndarray:
    """A random-texture input: independent Gaussian pixels, standardised.

    Parameters
    ----------
    shape : (int, int)
    seed : int, optional

    Returns
    -------
    (H, W) ndarray of float64
        Zero mean and unit standard deviation exactly.
    """
    try:
        rows, cols = (int(side) for side in shape)
    except (TypeError, ValueError):
        raise FiltersError(f"shape must be two integers; got {shape!r}.") from None
    if rows < 2 or cols < 2:
        raise FiltersError(f"shape must be at least 2×2; got {rows}×{cols}.")
    return _standardised(np.random.default_rng(seed).standard_normal((rows, cols)))


# ----------------------------------------------------------------------------
# Which kernel did it learn?
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FlipCheck:
    """How close a learned filter is to ``K`` and to ``flip(K)``.

    Attributes
    ----------
    error_to_flip : float
        ``max |W − flip(K)|``.
    error_to_kernel : float
        ``max |W − K|``.
    tolerance : float
        An error at most this counts as a match: ``rtol · max |K|``.
    symmetric : bool
        Whether ``K == flip(K)`` to within the tolerance (then the flip is invisible).
    verdict : {"flip", "kernel", "both", "neither"}
        Which of the two the filter matches.
    """

    error_to_flip: float
    error_to_kernel: float
    tolerance: float
    symmetric: bool
    verdict: Literal["flip", "kernel", "both", "neither"]


def check_flip(weights, kernel, *, rtol: float = 0.05) -> FlipCheck:
    """Compare a learned filter with ``K`` and with ``flip(K)``.

    Parameters
    ----------
    weights : (kh, kw) array_like
    kernel : (kh, kw) array_like
    rtol : float, optional
        Relative tolerance for a match, as a fraction of ``max |K|``.

    Returns
    -------
    FlipCheck
    """
    weights = _input(weights, "weights")
    kernel = _input(kernel, "kernel")
    if weights.shape != kernel.shape:
        raise FiltersError(
            f"weights ({weights.shape[0]}×{weights.shape[1]}) and kernel "
            f"({kernel.shape[0]}×{kernel.shape[1]}) must have the same shape."
        )
    rtol = _positive_number(rtol, "rtol")
    flipped = kernel[::-1, ::-1]
    to_flip = float(np.max(np.abs(weights - flipped)))
    to_kernel = float(np.max(np.abs(weights - kernel)))
    scale = float(np.max(np.abs(kernel)))
    tolerance = rtol * scale if scale > 0 else rtol
    symmetric = float(np.max(np.abs(kernel - flipped))) <= tolerance
    flip_ok, kernel_ok = to_flip <= tolerance, to_kernel <= tolerance
    if flip_ok and kernel_ok:
        verdict = "both"
    elif flip_ok:
        verdict = "flip"
    elif kernel_ok:
        verdict = "kernel"
    else:
        verdict = "neither"
    return FlipCheck(to_flip, to_kernel, tolerance, symmetric, verdict)


def distances(history, kernel) -> tuple[np.ndarray, np.ndarray]:
    """Distance of each filter in a training history to ``flip(K)`` and to ``K``.

    Parameters
    ----------
    history : (S, kh, kw) array_like
        Filters, e.g. :attr:`TrainingResult.history`.
    kernel : (kh, kw) array_like

    Returns
    -------
    to_flip, to_kernel : (S,) ndarray of float64
        ``max |W_s − flip(K)|`` and ``max |W_s − K|`` for each filter ``W_s``.
    """
    history = np.asarray(history, dtype=np.float64)
    kernel = _input(kernel, "kernel")
    if history.ndim != 3 or history.shape[1:] != kernel.shape:
        raise FiltersError(
            f"history must have shape (S, {kernel.shape[0]}, {kernel.shape[1]}); "
            f"got {history.shape}."
        )
    to_flip = np.max(np.abs(history - kernel[::-1, ::-1]), axis=(1, 2))
    to_kernel = np.max(np.abs(history - kernel), axis=(1, 2))
    return to_flip, to_kernel
