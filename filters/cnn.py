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

Layer arithmetic. :func:`conv2d` and :func:`conv_transpose2d` are the multi-channel
layers of the frameworks, with their arguments (stride, padding, dilation, groups,
output_padding) and PyTorch's weight layouts, computed with the package's own
correlation: ``x`` is ``(N, C_in, H, W)`` (or unbatched ``(C_in, H, W)``), and each
output channel is the sum over its group's input channels of one correlation each.
Along one axis of size ``H``, with kernel side ``k``, stride ``s``, padding ``p``,
dilation ``d`` and output padding ``a``:

- conv2d gives ``(H + 2p - d(k - 1) - 1) // s + 1`` cells;
- conv_transpose2d gives ``(H - 1) s - 2p + d(k - 1) + a + 1`` and is the adjoint
  of conv2d with the same arguments.

:func:`conv2d_output_size`, :func:`conv_transpose2d_output_size`,
:func:`same_padding`, :func:`receptive_cells` and :func:`channel_terms` take these
layers apart for teaching.
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
    "PADDING_MODES",
    "Conditioning",
    "FlipCheck",
    "LeastSquaresResult",
    "ReceptiveCells",
    "TrainingResult",
    "channel_terms",
    "check_flip",
    "conditioning",
    "conv2d",
    "conv2d_output_size",
    "conv_transpose2d",
    "conv_transpose2d_output_size",
    "correlation_layer",
    "distances",
    "gradients",
    "least_squares_filter",
    "make_target",
    "patch_matrix",
    "prepare_input",
    "receptive_cells",
    "same_padding",
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


# ----------------------------------------------------------------------------
# Layer arithmetic: conv2d and conv_transpose2d
# ----------------------------------------------------------------------------

#: The padding strings :func:`conv2d` accepts (PyTorch's).
PADDING_MODES = ("valid", "same")
_TRANSPOSED_PADDING = (
    "padding of a transposed convolution must be an integer or a pair of integers "
    "(as in PyTorch, 'valid' and 'same' are for conv2d only); got {padding!r}."
)


def _is_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _pair(value, name: str, *, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, each at least ``minimum``, as a pair."""
    if _is_integer(value):
        values = (int(value), int(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(_is_integer(side) for side in value)
    ):
        values = (int(value[0]), int(value[1]))
    else:
        raise FiltersError(f"{name} must be an integer or a pair of integers; got {value!r}.")
    if min(values) < minimum:
        raise FiltersError(f"{name} must be at least {minimum} on each axis; got {value!r}.")
    return values


def _stride_and_dilation(stride, dilation) -> tuple[tuple[int, int], tuple[int, int]]:
    return _pair(stride, "stride", minimum=1), _pair(dilation, "dilation", minimum=1)


def _span(kernel: int, dilation: int) -> int:
    """Rows (or columns) a kernel side covers once dilated: ``d (k - 1) + 1``."""
    return dilation * (kernel - 1) + 1


def same_padding(kernel: int, dilation: int = 1) -> tuple[int, int]:
    """Zeros before and after one axis that keep its size (``padding="same"``, stride 1).

    Parameters
    ----------
    kernel : int
        The kernel's side ``k`` on this axis, at least 1.
    dilation : int, optional
        ``d``, at least 1.

    Returns
    -------
    (before, after) : tuple of int
        The total ``d (k - 1)`` split as PyTorch does: ``before = total // 2`` and
        ``after`` the rest, so an odd total puts its extra zero after (at the bottom or
        right). ONNX's ``auto_pad="SAME_UPPER"`` places it the same way.
    """
    kernel = _axis_int(kernel, "kernel", minimum=1)
    dilation = _axis_int(dilation, "dilation", minimum=1)
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def _resolved_padding(padding, kernel_hw, stride, dilation) -> tuple[tuple[int, int], ...]:
    """``((top, bottom), (left, right))`` zeros for conv2d's ``padding`` argument."""
    if isinstance(padding, str):
        if padding not in PADDING_MODES:
            raise FiltersError(
                f"padding must be an integer, a pair of integers, 'valid' or 'same'; "
                f"got {padding!r}."
            )
        if padding == "valid":
            return (0, 0), (0, 0)
        if any(step != 1 for step in stride):
            raise FiltersError(
                f"padding='same' needs stride 1 (as in PyTorch); got stride "
                f"{stride[0] if len(set(stride)) == 1 else stride}."
            )
        return tuple(same_padding(k, d) for k, d in zip(kernel_hw, dilation, strict=True))
    rows, cols = _pair(padding, "padding", minimum=0)
    return (rows, rows), (cols, cols)


def _conv_side(size: int, kernel: int, stride: int, pads: tuple[int, int], dilation: int) -> int:
    return (size + pads[0] + pads[1] - _span(kernel, dilation)) // stride + 1


def _transpose_side(size, kernel, stride, padding, output_padding, dilation) -> int:
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def _axis_int(value, name: str, *, minimum: int) -> int:
    """One axis's integer argument, at least ``minimum``."""
    if not _is_integer(value):
        raise FiltersError(f"{name} must be an integer; got {value!r}.")
    if value < minimum:
        raise FiltersError(f"{name} must be at least {minimum}; got {value!r}.")
    return int(value)


def conv2d_output_size(size, kernel, stride=1, padding=0, dilation=1) -> int:
    """Length of a conv2d output along one axis.

    Parameters
    ----------
    size : int
        The input's side ``H`` (or ``W``), at least 1.
    kernel : int
        The kernel's side ``k``, at least 1.
    stride : int, optional
        ``s``, at least 1.
    padding : int or {"valid", "same"}, optional
        ``p`` zeros on both ends (≥ 0); "valid" is 0 and "same" keeps ``size``
        (stride 1 only; see :func:`same_padding`).
    dilation : int, optional
        ``d``, at least 1.

    Returns
    -------
    int
        :math:`\\lfloor (H + 2p - d(k - 1) - 1) / s \\rfloor + 1`.

    Raises
    ------
    FiltersError
        When an argument is out of range or the output would be empty (the dilated
        kernel is longer than the padded input).
    """
    size = _axis_int(size, "size", minimum=1)
    kernel = _axis_int(kernel, "kernel", minimum=1)
    stride = _axis_int(stride, "stride", minimum=1)
    dilation = _axis_int(dilation, "dilation", minimum=1)
    if isinstance(padding, str):
        pads = _resolved_padding(padding, (kernel,), (stride,), (dilation,))[0]
    else:
        pads = (_axis_int(padding, "padding", minimum=0),) * 2
    side = _conv_side(size, kernel, stride, pads, dilation)
    if side < 1:
        raise FiltersError(
            f"The kernel spans {_span(kernel, dilation)} cells (size {kernel}, dilation "
            f"{dilation}) but the padded input has only {size + sum(pads)} (size {size}, "
            f"padding {pads[0]} + {pads[1]}): the output would be empty."
        )
    return side


def conv_transpose2d_output_size(
    size, kernel, stride=1, padding=0, output_padding=0, dilation=1
) -> int:
    """Length of a conv_transpose2d output along one axis.

    Parameters
    ----------
    size : int
        The input's side ``H`` (or ``W``), at least 1.
    kernel : int
        The kernel's side ``k``, at least 1.
    stride, padding, output_padding, dilation : int, optional
        ``s ≥ 1``, ``p ≥ 0``, ``0 ≤ a < max(s, d)``, ``d ≥ 1``.

    Returns
    -------
    int
        :math:`(H - 1) s - 2p + d(k - 1) + a + 1`, the size of the conv2d input
        that the same arguments map to ``H`` (``a`` picks among the sizes a stride
        rounds to the same output).

    Raises
    ------
    FiltersError
        When an argument is out of range or the output would be empty (the padding
        crops everything).
    """
    size = _axis_int(size, "size", minimum=1)
    kernel = _axis_int(kernel, "kernel", minimum=1)
    if isinstance(padding, str):
        raise FiltersError(_TRANSPOSED_PADDING.format(padding=padding))
    values = {
        "stride": _axis_int(stride, "stride", minimum=1),
        "padding": _axis_int(padding, "padding", minimum=0),
        "output_padding": _axis_int(output_padding, "output_padding", minimum=0),
        "dilation": _axis_int(dilation, "dilation", minimum=1),
    }
    _check_output_padding((values["output_padding"],), (values["stride"],), (values["dilation"],))
    side = _transpose_side(size, kernel, *values.values())
    if side < 1:
        raise FiltersError(
            f"padding {values['padding']} crops the whole output of a transposed convolution "
            f"of size {size} with a kernel of size {kernel}: the output would be empty."
        )
    return side


def _check_output_padding(output_padding, stride, dilation) -> None:
    for axis, (extra, s, d) in enumerate(zip(output_padding, stride, dilation, strict=True)):
        if extra >= max(s, d):
            raise FiltersError(
                f"output_padding must be smaller than the stride or the dilation on each axis "
                f"(as in PyTorch); got {extra} with stride {s} and dilation {d} on axis {axis}."
            )


@dataclass(frozen=True)
class _Layer:
    """A validated layer call: batched input, weights, bias and the geometry."""

    x: np.ndarray  # (N, C_in, H, W)
    w: np.ndarray
    bias: np.ndarray | None
    batched: bool
    stride: tuple[int, int]
    dilation: tuple[int, int]
    groups: int
    pads: tuple[tuple[int, int], tuple[int, int]]  # zeros conv2d adds (crop when negative)
    output_shape: tuple[int, int]

    @property
    def in_per_group(self) -> int:
        return self.x.shape[1] // self.groups


def _layer_arrays(x, w, bias, groups, transposed: bool):
    x = _core._real_finite_array(x, "x")
    if x.ndim not in (3, 4):
        raise FiltersError(
            f"x must be (N, C_in, H, W) or (C_in, H, W); got {x.ndim}-D with shape {x.shape}."
        )
    batched = x.ndim == 4
    x = np.asarray(x if batched else x[None], dtype=np.float64)
    w = _core._real_finite_array(w, "w")
    layout = "(C_in, C_out/groups, kh, kw)" if transposed else "(C_out, C_in/groups, kh, kw)"
    if w.ndim != 4:
        raise FiltersError(f"w must be 4-D {layout}; got {w.ndim}-D with shape {w.shape}.")
    w = np.asarray(w, dtype=np.float64)
    if not _is_integer(groups) or groups < 1:
        raise FiltersError(f"groups must be an integer ≥ 1; got {groups!r}.")
    groups = int(groups)
    in_channels = x.shape[1]
    if in_channels % groups:
        raise FiltersError(
            f"groups ({groups}) must divide the input channels C_in = {in_channels}."
        )
    if transposed:
        if w.shape[0] != in_channels:
            raise FiltersError(
                f"w has {w.shape[0]} input channels (w.shape[0]) but x has C_in = "
                f"{in_channels}; w must be {layout}."
            )
        out_channels = w.shape[1] * groups
    else:
        if w.shape[1] * groups != in_channels:
            raise FiltersError(
                f"w takes {w.shape[1]} channels per group (w.shape[1]) × groups {groups} = "
                f"{w.shape[1] * groups}, but x has C_in = {in_channels}; w must be {layout}."
            )
        out_channels = w.shape[0]
        if out_channels % groups:
            raise FiltersError(
                f"groups ({groups}) must divide the output channels C_out = {out_channels} "
                "(w.shape[0])."
            )
    if bias is not None:
        bias = _core._real_finite_array(bias, "bias")
        if bias.shape != (out_channels,):
            raise FiltersError(
                f"bias must have shape (C_out,) = ({out_channels},); got {bias.shape}."
            )
        bias = np.asarray(bias, dtype=np.float64)
    return x, w, bias, batched, groups


def _conv_layer(x, w, bias, stride, padding, dilation, groups) -> _Layer:
    x, w, bias, batched, groups = _layer_arrays(x, w, bias, groups, transposed=False)
    stride, dilation = _stride_and_dilation(stride, dilation)
    pads = _resolved_padding(padding, w.shape[2:], stride, dilation)
    sides = []
    for axis, name in enumerate(("height", "width")):
        size, kernel = x.shape[2 + axis], w.shape[2 + axis]
        side = _conv_side(size, kernel, stride[axis], pads[axis], dilation[axis])
        if side < 1:
            raise FiltersError(
                f"The kernel spans {_span(kernel, dilation[axis])} {name} cells (w side "
                f"{kernel}, dilation {dilation[axis]}) but x padded has only "
                f"{size + sum(pads[axis])} (x {name} {size}, padding {pads[axis][0]} + "
                f"{pads[axis][1]}): the output would be empty."
            )
        sides.append(side)
    return _Layer(x, w, bias, batched, stride, dilation, groups, pads, tuple(sides))


def _transpose_layer(x, w, bias, stride, padding, output_padding, dilation, groups) -> _Layer:
    x, w, bias, batched, groups = _layer_arrays(x, w, bias, groups, transposed=True)
    stride, dilation = _stride_and_dilation(stride, dilation)
    if isinstance(padding, str):
        raise FiltersError(_TRANSPOSED_PADDING.format(padding=padding))
    padding = _pair(padding, "padding", minimum=0)
    output_padding = _pair(output_padding, "output_padding", minimum=0)
    _check_output_padding(output_padding, stride, dilation)
    sides, pads = [], []
    for axis, name in enumerate(("height", "width")):
        size, kernel = x.shape[2 + axis], w.shape[2 + axis]
        args = (stride[axis], padding[axis], output_padding[axis], dilation[axis])
        side = _transpose_side(size, kernel, *args)
        if side < 1:
            raise FiltersError(
                f"padding {padding[axis]} crops the whole {name} of the output (x {name} "
                f"{size}, w side {kernel}): the output would be empty."
            )
        sides.append(side)
        # Zeros around the stretched input so that the valid convolution is the output.
        before = dilation[axis] * (kernel - 1) - padding[axis]
        pads.append((before, before + output_padding[axis]))
    return _Layer(x, w, bias, batched, stride, dilation, groups, tuple(pads), tuple(sides))


def _dilated(kernel: np.ndarray, dilation: tuple[int, int]) -> np.ndarray:
    """The kernel with ``d - 1`` zeros between neighbouring taps."""
    kh, kw = kernel.shape
    spread = np.zeros((_span(kh, dilation[0]), _span(kw, dilation[1])))
    spread[:: dilation[0], :: dilation[1]] = kernel
    return spread


def _padded_or_cropped(planes: np.ndarray, pads) -> np.ndarray:
    """Zeros added to (or cells cut from, where negative) the two leading axes."""
    crop = tuple(
        slice(max(-before, 0), size - max(-after, 0))
        for size, (before, after) in zip(planes.shape[:2], pads, strict=True)
    )
    widths = [(max(before, 0), max(after, 0)) for before, after in pads]
    widths += [(0, 0)] * (planes.ndim - 2)
    return np.pad(planes[crop], widths)


def _conv_planes(layer: _Layer) -> np.ndarray:
    """Each input channel zero-padded, batch last: (C_in, H + pads, W + pads, N)."""
    planes = layer.x.transpose(2, 3, 1, 0)  # (H, W, C_in, N)
    padded = _padded_or_cropped(planes, layer.pads)
    return np.ascontiguousarray(padded.transpose(2, 0, 1, 3))


def _transpose_planes(layer: _Layer) -> np.ndarray:
    """Each input channel stretched (``s - 1`` zeros between samples), then padded or cropped."""
    n, channels, h, w = layer.x.shape
    (sh, sw) = layer.stride
    stretched = np.zeros(((h - 1) * sh + 1, (w - 1) * sw + 1, channels, n))
    stretched[::sh, ::sw] = layer.x.transpose(2, 3, 1, 0)
    padded = _padded_or_cropped(stretched, layer.pads)
    return np.ascontiguousarray(padded.transpose(2, 0, 1, 3))


def _terms(layer: _Layer, planes: np.ndarray, out_channel: int, transposed: bool) -> np.ndarray:
    """Per input channel of ``out_channel``'s group, its share of the output: (N, C_g, H', W')."""
    rows, cols = layer.output_shape
    out_per_group = layer.w.shape[1] if transposed else layer.w.shape[0] // layer.groups
    group, within = divmod(out_channel, out_per_group)
    first = group * layer.in_per_group
    terms = np.empty((layer.x.shape[0], layer.in_per_group, rows, cols))
    options = dict(boundary="constant", output="valid", backend="cpu")
    for j in range(layer.in_per_group):
        if transposed:
            # Correlation with the flipped, channel-swapped kernel: a true convolution.
            kernel = _dilated(layer.w[first + j, within], layer.dilation)
            share = _core.convolve(planes[first + j], kernel, **options)
        else:
            kernel = _dilated(layer.w[out_channel, j], layer.dilation)
            share = _core.correlate(planes[first + j], kernel, **options)
            share = share[:: layer.stride[0], :: layer.stride[1]]
        terms[:, j] = share[:rows, :cols].transpose(2, 0, 1)
    return terms


def _out_channels(layer: _Layer, transposed: bool) -> int:
    return layer.w.shape[1] * layer.groups if transposed else layer.w.shape[0]


def _apply(layer: _Layer, transposed: bool) -> np.ndarray:
    planes = _transpose_planes(layer) if transposed else _conv_planes(layer)
    channels = _out_channels(layer, transposed)
    out = np.empty((layer.x.shape[0], channels, *layer.output_shape))
    for channel in range(channels):
        out[:, channel] = _terms(layer, planes, channel, transposed).sum(axis=1)
    if layer.bias is not None:
        out += layer.bias[None, :, None, None]
    return out if layer.batched else out[0]


def conv2d(x, w, bias=None, *, stride=1, padding=0, dilation=1, groups=1) -> np.ndarray:
    """A 2-D convolution layer as deep-learning frameworks define it (a cross-correlation).

    Parameters
    ----------
    x : (N, C_in, H, W) or (C_in, H, W) array_like
        The input, real and finite.
    w : (C_out, C_in / groups, kh, kw) array_like
        The filters, PyTorch's layout; ``C_out`` a multiple of ``groups``.
    bias : (C_out,) array_like, optional
        Added to every cell of each output channel.
    stride : int or (int, int), optional
        Step ``s`` between the windows, ≥ 1.
    padding : int, (int, int), "valid" or "same", optional
        ``p`` zeros on both sides of each axis; "valid" is 0; "same" keeps (H, W)
        and needs stride 1, with an odd total ``d (k - 1)`` putting its extra zero at
        the bottom or right (PyTorch's placement and ONNX's ``SAME_UPPER``; see
        :func:`same_padding`).
    dilation : int or (int, int), optional
        Spacing ``d`` between the kernel's taps, ≥ 1.
    groups : int, optional
        Input and output channels are split into ``groups`` blocks; each output
        channel sees only its block's ``C_in / groups`` input channels.

    Returns
    -------
    (N, C_out, H', W') or (C_out, H', W') ndarray of float64
        Unbatched when ``x`` is, with
        :math:`H' = \\lfloor (H + 2p - d(k_h - 1) - 1) / s \\rfloor + 1` (likewise ``W'``).

    Raises
    ------
    FiltersError
        Naming the argument: wrong ndim or shape, channels that do not match,
        groups not dividing C_in or C_out, stride or dilation below 1, negative
        padding, "same" with a stride, an empty output, non-finite values.

    Notes
    -----
    With ``x̃`` the zero-padded input and ``g`` the group of output channel ``o``,

    .. math:: y[n, o, i, j] = b[o] + \\sum_{c \\in g} \\sum_{u, v}
              w[o, c, u, v] \\, x̃[n, c, s i + d u, s j + d v]

    No flip: this is ``torch.nn.functional.conv2d`` and ONNX's ``Conv``. Each term
    of the sum over ``c`` is computed with the package's :func:`filters.correlate`
    (zero boundary, valid output) of the padded channel with the dilated kernel
    (``d - 1`` zeros between taps), keeping every ``s``-th row and column.

    Examples
    --------
    >>> import numpy as np
    >>> from filters.cnn import conv2d
    >>> conv2d(np.ones((1, 5, 5)), np.ones((2, 1, 3, 3)), padding=1, stride=2).shape
    (2, 3, 3)
    """
    layer = _conv_layer(x, w, bias, stride, padding, dilation, groups)
    return _apply(layer, transposed=False)


def conv_transpose2d(
    x, w, bias=None, *, stride=1, padding=0, output_padding=0, dilation=1, groups=1
) -> np.ndarray:
    """A transposed convolution layer (PyTorch's ``conv_transpose2d``): the adjoint of conv2d.

    Parameters
    ----------
    x : (N, C_in, H, W) or (C_in, H, W) array_like
        The input, real and finite.
    w : (C_in, C_out / groups, kh, kw) array_like
        The filters, PyTorch's layout for a transposed convolution (the same array
        as the conv2d it undoes the shapes of).
    bias : (C_out,) array_like, optional
    stride : int or (int, int), optional
        ``s ≥ 1``: output cells per input cell.
    padding : int or (int, int), optional
        ``p ≥ 0``: cells cropped from each end of the full result.
    output_padding : int or (int, int), optional
        ``a``: cells added at the bottom and right, ``0 ≤ a < max(s, d)``.
    dilation : int or (int, int), optional
        ``d ≥ 1``.
    groups : int, optional
        Dividing ``C_in``; ``C_out = w.shape[1] · groups``.

    Returns
    -------
    (N, C_out, H', W') or (C_out, H', W') ndarray of float64
        :math:`H' = (H - 1) s - 2p + d(k_h - 1) + a + 1` (likewise ``W'``).

    Raises
    ------
    FiltersError
        Naming the argument, as for :func:`conv2d`, and for an ``output_padding``
        not below the stride or the dilation.

    Notes
    -----
    Every input cell spreads its value, weighted by the kernel, over the output:

    .. math:: y[n, o, s i - p + d u, s j - p + d v] \\mathrel{+}=
              w[c, o', u, v] \\, x[n, c, i, j]

    (``o'`` the index of ``o`` within its group). Computed as: insert ``s - 1``
    zeros between the input's samples, pad by ``d(k - 1) - p`` (crop when
    negative) plus ``a`` at the bottom and right, and correlate with the flipped,
    channel-swapped kernel, i.e. :func:`filters.convolve` (valid output), per group.
    For the same arguments and shapes that match,
    :math:`\\langle \\mathrm{conv2d}(x, w), y \\rangle =
    \\langle x, \\mathrm{conv\\_transpose2d}(y, w) \\rangle`.
    """
    layer = _transpose_layer(x, w, bias, stride, padding, output_padding, dilation, groups)
    return _apply(layer, transposed=True)


def channel_terms(
    x,
    w,
    out_channel: int,
    *,
    transposed: bool = False,
    stride=1,
    padding=0,
    output_padding=0,
    dilation=1,
    groups=1,
) -> np.ndarray:
    """Each input channel's share of one output channel of a conv2d or conv_transpose2d layer.

    Parameters
    ----------
    x, w, stride, padding, dilation, groups
        As for :func:`conv2d` (or :func:`conv_transpose2d` with ``transposed=True``,
        which also takes ``output_padding``; conv2d ignores it).
    out_channel : int
        The output channel ``o``, ``0 ≤ o < C_out``.
    transposed : bool, optional
        Whether the layer is a transposed convolution.

    Returns
    -------
    ([N,] C_in / groups, H', W') ndarray of float64
        Term ``j`` comes from input channel ``g · C_in / groups + j``, where ``g`` is
        ``o``'s group. Their sum over that axis, plus ``bias[o]``, is output
        channel ``o`` of the layer.
    """
    if transposed:
        layer = _transpose_layer(x, w, None, stride, padding, output_padding, dilation, groups)
        planes = _transpose_planes(layer)
    else:
        layer = _conv_layer(x, w, None, stride, padding, dilation, groups)
        planes = _conv_planes(layer)
    channels = _out_channels(layer, transposed)
    if not _is_integer(out_channel) or not 0 <= out_channel < channels:
        raise FiltersError(
            f"out_channel must be an integer from 0 to {channels - 1}; got {out_channel!r}."
        )
    terms = _terms(layer, planes, int(out_channel), transposed)
    return terms if layer.batched else terms[0]


def _shape_pair(value, name: str) -> tuple[int, int]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise FiltersError(f"{name} must be a pair of integers (rows, columns); got {value!r}.")
    return _axis_int(value[0], name, minimum=1), _axis_int(value[1], name, minimum=1)


@dataclass(frozen=True)
class ReceptiveCells:
    """The input cells that feed one output cell of a conv2d or conv_transpose2d layer.

    One entry per (input cell, kernel tap) pair, in the kernel's raster order.

    Attributes
    ----------
    rows, cols : (n,) ndarray of int
        Input coordinates (row, column). For conv2d these can lie in the zero
        padding: below 0 or at least H (W).
    kernel_rows, kernel_cols : (n,) ndarray of int
        The tap ``(u, v)`` of the kernel that weighs each cell.
    inside : (n,) ndarray of bool
        Whether the cell is a real input cell rather than padding.
    """

    rows: np.ndarray
    cols: np.ndarray
    kernel_rows: np.ndarray
    kernel_cols: np.ndarray
    inside: np.ndarray


def receptive_cells(
    input_hw,
    kernel_hw,
    out_row: int,
    out_col: int,
    stride=1,
    padding=0,
    dilation=1,
    transposed: bool = False,
    output_padding=0,
) -> ReceptiveCells:
    """Which input cells feed output cell ``(out_row, out_col)``, and through which taps.

    Parameters
    ----------
    input_hw : (int, int)
        The input's ``(H, W)``.
    kernel_hw : (int, int)
        The kernel's ``(kh, kw)``.
    out_row, out_col : int
        The output cell, inside the output.
    stride, padding, dilation, output_padding
        As for :func:`conv2d` (padding may be "valid" or "same") or, with
        ``transposed=True``, :func:`conv_transpose2d`.
    transposed : bool, optional
        Whether the layer is a transposed convolution.

    Returns
    -------
    ReceptiveCells
        For conv2d, all ``kh · kw`` cells ``(s i - p_top + d u, s j - p_left + d v)``,
        some of them possibly in the padding. For conv_transpose2d, the input cells
        ``(r, c)`` with ``s r - p + d u = i`` and ``s c - p + d v = j`` for some tap
        ``(u, v)``: the cells whose spread reaches the output cell (often fewer
        than ``kh · kw``, none in the padding).
    """
    height, width = _shape_pair(input_hw, "input_hw")
    kh, kw = _shape_pair(kernel_hw, "kernel_hw")
    x_shape, w_shape = (1, 1, height, width), (1, 1, kh, kw)
    if transposed:
        layer = _transpose_layer(
            np.zeros(x_shape),
            np.zeros(w_shape),
            None,
            stride,
            padding,
            output_padding,
            dilation,
            1,
        )
    else:
        layer = _conv_layer(
            np.zeros(x_shape), np.zeros(w_shape), None, stride, padding, dilation, 1
        )
    rows_out, cols_out = layer.output_shape
    for name, value, limit in (("out_row", out_row, rows_out), ("out_col", out_col, cols_out)):
        if not _is_integer(value) or not 0 <= value < limit:
            raise FiltersError(f"{name} must be an integer from 0 to {limit - 1}; got {value!r}.")
    u, v = (tap.ravel() for tap in np.meshgrid(np.arange(kh), np.arange(kw), indexing="ij"))
    (sh, sw), (dh, dw) = layer.stride, layer.dilation
    if not transposed:
        rows = sh * out_row - layer.pads[0][0] + dh * u
        cols = sw * out_col - layer.pads[1][0] + dw * v
        inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
        return ReceptiveCells(rows, cols, u, v, inside)
    # Output i gets input r through tap u when s r - p + d u = i; p = d(k - 1) - pads.
    top = dh * (kh - 1) - layer.pads[0][0]
    left = dw * (kw - 1) - layer.pads[1][0]
    row_offset = out_row + top - dh * u
    col_offset = out_col + left - dw * v
    rows, cols = row_offset // sh, col_offset // sw
    keep = (
        (row_offset % sh == 0)
        & (col_offset % sw == 0)
        & (rows >= 0)
        & (rows < height)
        & (cols >= 0)
        & (cols < width)
    )
    return ReceptiveCells(rows[keep], cols[keep], u[keep], v[keep], np.ones(keep.sum(), bool))
