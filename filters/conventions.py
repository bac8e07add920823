"""How other libraries' "convolution" lines up with this package's, exactly.

For odd kernel sides every major library agrees on where ``same`` output is
centred, because the kernel has a centre pixel. For even sides there is no
centre and libraries pick one of two origins, one pixel apart: this package's
default (``align="scipy"``) keeps ``full[(k - 1) // 2 :]`` like
``scipy.signal.convolve2d``; ``align="matlab"`` keeps ``full[k // 2 :]`` like
MATLAB's ``conv2``, ``filter2`` and ``imfilter``. The table below says, for each
common call, which of ours it equals and what maps one onto the other. Every row
is checked by the test suite (SciPy and OpenCV directly, MATLAB on its published
examples, PyTorch's placement through ONNX's reference ``Conv``), and the SciPy
rows are checked again live by :func:`check_scipy`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.ndimage
import scipy.signal

from . import _core

__all__ = ["CONVENTIONS", "Convention", "ScipyCheck", "check_scipy", "matlab_same_start"]


@dataclass(frozen=True)
class Convention:
    """One library call and the call of this package it equals."""

    library: str
    call: str
    operation: str  # "convolution" or "correlation"
    odd_sides: str  # what it equals for odd kernel sides
    even_sides: str  # what it equals for even kernel sides, and the mapping


CONVENTIONS: tuple[Convention, ...] = (
    Convention(
        "SciPy ndimage",
        "scipy.ndimage.convolve(I, K, mode=m)",
        "convolution",
        "convolve(I, K, boundary=m)",
        "convolve(I, K, boundary=m, align='matlab'); ours is origin=-1 on each even axis",
    ),
    Convention(
        "SciPy ndimage",
        "scipy.ndimage.correlate(I, K, mode=m)",
        "correlation",
        "correlate(I, K, boundary=m)",
        "correlate(I, K, boundary=m), the same",
    ),
    Convention(
        "SciPy signal",
        "scipy.signal.convolve2d(I, K, 'same')",
        "convolution",
        "convolve(I, K, boundary='constant')",
        "convolve(I, K, boundary='constant'), the same",
    ),
    Convention(
        "SciPy signal",
        "scipy.signal.correlate2d(I, K, 'same')",
        "correlation",
        "correlate(I, K, boundary='constant')",
        "correlate(I, K, boundary='constant', align='matlab')",
    ),
    Convention(
        "MATLAB",
        "conv2(I, K, 'same')",
        "convolution",
        "convolve(I, K, boundary='constant')",
        "convolve(I, K, boundary='constant', align='matlab')",
    ),
    Convention(
        "MATLAB",
        "filter2(K, I) · imfilter(I, K)",
        "correlation",
        "correlate(I, K, boundary='constant')",
        "correlate(I, K, boundary='constant', align='matlab')",
    ),
    Convention(
        "MATLAB",
        "imfilter(I, K, 'conv')",
        "convolution",
        "convolve(I, K, boundary='constant')",
        "convolve(I, K, boundary='constant', align='matlab')",
    ),
    Convention(
        "OpenCV",
        "cv2.filter2D(I, -1, K)",
        "correlation",
        "correlate(I, K, boundary='mirror')",
        "correlate(I, K, boundary='mirror'), the same (default anchor)",
    ),
    Convention(
        "OpenCV",
        "cv2.filter2D(I, -1, K[::-1, ::-1])",
        "convolution",
        "convolve(I, K, boundary='mirror')",
        "convolve(I, K, boundary='mirror'); with anchor=(kw-kw//2-1, kh-kh//2-1) "
        "it is align='matlab'",
    ),
    Convention(
        "PyTorch",
        "torch.nn.functional.conv2d(x, w, padding='same')",
        "correlation",
        "correlate(I, K, boundary='constant')",
        "correlate(I, K, boundary='constant', align='matlab')",
    ),
)


def matlab_same_start(k: int) -> int:
    """Where MATLAB's ``'same'`` starts in the full result, 0-based: ``k // 2``.

    MATLAB documents it as ``Cfull(floor(length(B)/2) + (1:length(A)))``; this
    package's default starts at ``(k - 1) // 2``, one earlier for even ``k``.
    """
    return int(k) // 2


@dataclass(frozen=True)
class ScipyCheck:
    """The SciPy rows of :data:`CONVENTIONS`, checked on one random image."""

    kernel_shape: tuple[int, int]
    #: call -> max |SciPy − the call of ours the table names|
    differences: dict[str, float]

    @property
    def all_equal(self) -> bool:
        return all(value <= 1e-12 for value in self.differences.values())


def check_scipy(kernel_shape=(4, 4), *, image_shape=(9, 10), seed: int = 0) -> ScipyCheck:
    """Run each SciPy row of the table on a random image and measure the gap.

    Uses the ``even_sides`` mapping (which is also the odd one where a side is odd),
    with ``mode="constant"`` so that ndimage and signal see the same zero padding.
    """
    rng = np.random.default_rng(seed)
    kh, kw = (int(side) for side in kernel_shape)
    image = rng.random(image_shape)
    kernel = rng.random((kh, kw)) - 0.5
    options = dict(boundary="constant", dtype=np.float64, backend="cpu")
    even = (1 - kh % 2, 1 - kw % 2)
    pairs = {
        CONVENTIONS[0].call: (
            scipy.ndimage.convolve(image, kernel, mode="constant"),
            _core.convolve(image, kernel, align="matlab", **options),
        ),
        "scipy.ndimage.convolve(I, K, mode=m, origin=-1 on even axes)": (
            scipy.ndimage.convolve(image, kernel, mode="constant", origin=[-e for e in even]),
            _core.convolve(image, kernel, **options),
        ),
        CONVENTIONS[1].call: (
            scipy.ndimage.correlate(image, kernel, mode="constant"),
            _core.correlate(image, kernel, **options),
        ),
        CONVENTIONS[2].call: (
            scipy.signal.convolve2d(image, kernel, mode="same"),
            _core.convolve(image, kernel, **options),
        ),
        CONVENTIONS[3].call: (
            scipy.signal.correlate2d(image, kernel, mode="same"),
            _core.correlate(image, kernel, align="matlab", **options),
        ),
    }
    differences = {call: float(np.max(np.abs(a - b))) for call, (a, b) in pairs.items()}
    return ScipyCheck((kh, kw), differences)
