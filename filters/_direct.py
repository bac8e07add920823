"""Spatial-domain sliding-window sums, compiled with Numba and parallel over rows.

Every function here computes the *valid* convolution of an already-extended
image: the caller (``_core``) extends the image by the boundary rule, so the
output needs no bounds checks.

.. math:: out[y, x] = \\sum_{u, v} K[u, v] \\, P[y + k_h - 1 - u, x + k_w - 1 - v]

How it is fast. A channels-last image is a C-contiguous block of numbers in
which the tap ``(u, v)`` always lies at the same distance from the output
sample's origin: ``(kh - 1 - u) * row_length + (kw - 1 - v) * channels``. So
each output row is a sum, over the kernel's non-zero taps, of weighted slices
of the input, which is one contiguous, vectorisable loop per group of taps that
filters every channel at once and independently. Rows are split across cores,
each row is processed in cache-sized chunks, and taps are applied four at a
time so the accumulator is read and written once per four multiply-adds.

No transform is involved at any kernel size.
"""

from __future__ import annotations

import threading

import numpy as np
from numba import njit, prange

__all__ = ["convolve_valid", "convolve_valid_separable"]

# Numba's default "workqueue" threading layer must not be entered from two
# threads at once (a web server filters for several sessions concurrently).
# Each call already uses every core, so taking turns costs no throughput.
_PARALLEL_SECTION = threading.Lock()

# Output samples handled per chunk: the chunk and the input slices it reads
# stay in the core's first-level caches.
_CHUNK = 1024


@njit(cache=True, nogil=True)
def _accumulate(acc, flat, base, weights, offsets):
    """``acc[j] += Σ_t weights[t] · flat[base + offsets[t] + j]`` for all j in acc."""
    n = acc.shape[0]
    count = weights.shape[0]
    t = 0
    while t + 4 <= count:
        w0, w1, w2, w3 = weights[t], weights[t + 1], weights[t + 2], weights[t + 3]
        # Slices starting at zero let the compiler prove indices are in range and
        # vectorise the loop.
        s0 = flat[base + offsets[t] : base + offsets[t] + n]
        s1 = flat[base + offsets[t + 1] : base + offsets[t + 1] + n]
        s2 = flat[base + offsets[t + 2] : base + offsets[t + 2] + n]
        s3 = flat[base + offsets[t + 3] : base + offsets[t + 3] + n]
        for j in range(n):
            acc[j] += (w0 * s0[j] + w1 * s1[j]) + (w2 * s2[j] + w3 * s3[j])
        t += 4
    while t < count:
        w = weights[t]
        s = flat[base + offsets[t] : base + offsets[t] + n]
        for j in range(n):
            acc[j] += w * s[j]
        t += 1


@njit(cache=True, parallel=True)
def _sliding_sum(flat, row_length, weights, offsets, out):
    """``out[y, j] = Σ_t weights[t] · flat[y · row_length + offsets[t] + j]``."""
    rows, n = out.shape
    for y in prange(rows):
        row = out[y]
        row[:] = 0
        for start in range(0, n, _CHUNK):
            stop = min(start + _CHUNK, n)
            _accumulate(row[start:stop], flat, y * row_length + start, weights, offsets)


def _taps(kernel: np.ndarray, row_length: int, channels: int, dtype) -> tuple[np.ndarray, ...]:
    """Non-zero weights of ``kernel`` and their offsets in the flattened image.

    Zero taps are left out: exact for finite images, and it makes sparse
    kernels (shifted impulses, Sobel's middle column) cheaper.
    """
    kh, kw = kernel.shape
    u, v = np.nonzero(kernel)
    weights = np.ascontiguousarray(kernel[u, v], dtype=dtype)
    offsets = ((kh - 1 - u) * row_length + (kw - 1 - v) * channels).astype(np.int64)
    return weights, offsets


def _valid(padded: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Valid convolution of a C-contiguous (M, N[, C]) array with a 2-D kernel."""
    kh, kw = kernel.shape
    channels = padded.shape[2] if padded.ndim == 3 else 1
    row_length = padded.shape[1] * channels
    out_shape = (padded.shape[0] - kh + 1, padded.shape[1] - kw + 1, *padded.shape[2:])
    out = np.empty(out_shape, dtype=padded.dtype)
    weights, offsets = _taps(kernel, row_length, channels, padded.dtype)
    with _PARALLEL_SECTION:
        _sliding_sum(
            padded.reshape(-1), row_length, weights, offsets, out.reshape(out_shape[0], -1)
        )
    return out


def convolve_valid(padded: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Valid convolution of an extended image with a 2-D kernel, in the spatial domain.

    Parameters
    ----------
    padded : (M, N[, C]) ndarray
        The image already extended by the boundary rule; float32 or float64.
    kernel : (kh, kw) ndarray
        Real; cast to the image's dtype.

    Returns
    -------
    out : (M - kh + 1, N - kw + 1[, C]) ndarray
    """
    return _valid(np.ascontiguousarray(padded), kernel)


def convolve_valid_separable(
    padded: np.ndarray, column_taps: np.ndarray, row_taps: np.ndarray
) -> np.ndarray:
    """Valid convolution with the rank-1 kernel ``outer(column_taps, row_taps)``.

    Two 1-D passes, along rows then along columns: ``kh + kw`` multiply-adds per
    output sample instead of ``kh · kw``.
    """
    along_rows = _valid(np.ascontiguousarray(padded), row_taps.reshape(1, -1))
    return _valid(along_rows, column_taps.reshape(-1, 1))
