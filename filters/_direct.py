"""Spatial-domain sliding-window sums, compiled with Numba and parallel over row blocks.

Every function here computes the *valid* convolution of the image extended by
a boundary rule, written as a correlation with the flipped kernel
``G = K[::-1, ::-1]``:

.. math:: out[y, x] = \\sum_{a, b} G[a, b] \\, P[y + a, x + b]

where ``P`` is the image extended by ``pad_rows`` / ``pad_cols`` samples. The
extension is never built as a whole: the rows a block of outputs needs are
extended one at a time into a small per-thread ring of ``kh`` rows (the
columns through an index map, the rows through another), so the image is read
once and the output written once, as by a plain copy.

How it is fast. A channels-last row is a contiguous run of ``W · C`` numbers in
which the tap ``(a, b)`` always lies at the same distance ``b · C`` from the
output sample: each output row is a sum, over the kernel's non-zero taps, of
weighted slices of ``kh`` extended rows, every channel at once and without a
transpose. Rows are split across cores in blocks, each output row is processed
in chunks that stay in the first-level cache, and taps are applied eight at a
time in registers, so the chunk is written once per eight multiply-adds.

A rank-1 kernel ``outer(column, row)`` can instead go through two 1-D passes
per output row: the column taps down ``kh`` image rows into one extended row,
then the row taps along it (``kh + kw`` multiply-adds per sample instead of
``kh · kw``).

The image is checked for NaN and infinities while it is read (every image row
is read at least once), so no separate pass over it is needed.

No transform is involved at any kernel size.
"""

from __future__ import annotations

import threading

import numpy as np
from numba import get_num_threads, njit, prange

from ._errors import FiltersError

__all__ = [
    "convolve_valid",
    "convolve_valid_separable",
    "index_map",
    "sliding_2d",
    "sliding_separable",
]

# Numba's default "workqueue" threading layer must not be entered from two
# threads at once (a web server filters for several sessions concurrently).
# Each call already uses every core, so taking turns costs no throughput.
_PARALLEL_SECTION = threading.Lock()

# Output samples handled per chunk: the chunk and the slices it reads stay in
# the core's first-level cache.
_CHUNK = 1024

# Fused multiply-adds only: no reassociation, so every sum is the one written.
_FAST = {"contract"}

_NOT_FINITE = "image contains NaN or infinite values."


# ----------------------------------------------------------------------------
# Taps in registers: out[i] (+)= Σ_t w[t] · a_t[i] for groups of 8, 4, 2, 1 taps
# ----------------------------------------------------------------------------


@njit(inline="always", fastmath=_FAST, nogil=True)
def _g8(out, a0, a1, a2, a3, a4, a5, a6, a7, w, t, n, first):
    w0, w1, w2, w3 = w[t], w[t + 1], w[t + 2], w[t + 3]
    w4, w5, w6, w7 = w[t + 4], w[t + 5], w[t + 6], w[t + 7]
    if first:
        for i in range(n):
            out[i] = ((w0 * a0[i] + w1 * a1[i]) + (w2 * a2[i] + w3 * a3[i])) + (
                (w4 * a4[i] + w5 * a5[i]) + (w6 * a6[i] + w7 * a7[i])
            )
    else:
        for i in range(n):
            out[i] += ((w0 * a0[i] + w1 * a1[i]) + (w2 * a2[i] + w3 * a3[i])) + (
                (w4 * a4[i] + w5 * a5[i]) + (w6 * a6[i] + w7 * a7[i])
            )


@njit(inline="always", fastmath=_FAST, nogil=True)
def _g4(out, a0, a1, a2, a3, w, t, n, first):
    w0, w1, w2, w3 = w[t], w[t + 1], w[t + 2], w[t + 3]
    if first:
        for i in range(n):
            out[i] = (w0 * a0[i] + w1 * a1[i]) + (w2 * a2[i] + w3 * a3[i])
    else:
        for i in range(n):
            out[i] += (w0 * a0[i] + w1 * a1[i]) + (w2 * a2[i] + w3 * a3[i])


@njit(inline="always", fastmath=_FAST, nogil=True)
def _g2(out, a0, a1, w, t, n, first):
    w0, w1 = w[t], w[t + 1]
    if first:
        for i in range(n):
            out[i] = w0 * a0[i] + w1 * a1[i]
    else:
        for i in range(n):
            out[i] += w0 * a0[i] + w1 * a1[i]


@njit(inline="always", fastmath=_FAST, nogil=True)
def _g1(out, a0, w, t, n, first):
    w0 = w[t]
    if first:
        for i in range(n):
            out[i] = w0 * a0[i]
    else:
        for i in range(n):
            out[i] += w0 * a0[i]


@njit(fastmath=_FAST, nogil=True, cache=True)
def _taps(out, src, rows, offsets, w, start, n):
    """``out[i] = Σ_t w[t] · src[rows[t], offsets[t] + start + i]`` for ``i < n``."""
    count = w.shape[0]
    t = 0
    first = True
    s = start
    while t < count:
        left = count - t
        if left >= 8:
            _g8(
                out,
                src[rows[t], offsets[t] + s :],
                src[rows[t + 1], offsets[t + 1] + s :],
                src[rows[t + 2], offsets[t + 2] + s :],
                src[rows[t + 3], offsets[t + 3] + s :],
                src[rows[t + 4], offsets[t + 4] + s :],
                src[rows[t + 5], offsets[t + 5] + s :],
                src[rows[t + 6], offsets[t + 6] + s :],
                src[rows[t + 7], offsets[t + 7] + s :],
                w,
                t,
                n,
                first,
            )
            t += 8
        elif left >= 4:
            _g4(
                out,
                src[rows[t], offsets[t] + s :],
                src[rows[t + 1], offsets[t + 1] + s :],
                src[rows[t + 2], offsets[t + 2] + s :],
                src[rows[t + 3], offsets[t + 3] + s :],
                w,
                t,
                n,
                first,
            )
            t += 4
        elif left >= 2:
            _g2(
                out,
                src[rows[t], offsets[t] + s :],
                src[rows[t + 1], offsets[t + 1] + s :],
                w,
                t,
                n,
                first,
            )
            t += 2
        else:
            _g1(out, src[rows[t], offsets[t] + s :], w, t, n, first)
            t += 1
        first = False
    if first:  # no taps at all
        for i in range(n):
            out[i] = 0


# ----------------------------------------------------------------------------
# Extending one row
# ----------------------------------------------------------------------------


@njit(nogil=True, cache=True)
def _extend_columns(row, colmap, channels, cval, pad_left, width):
    """Fill the column padding of an extended row whose image part is in place."""
    for p in range(colmap.shape[0]):
        if pad_left <= p < pad_left + width:
            continue
        j = colmap[p]
        if j < 0:
            for c in range(channels):
                row[p * channels + c] = cval
        else:
            source = (pad_left + j) * channels
            for c in range(channels):
                row[p * channels + c] = row[source + c]


@njit(nogil=True, cache=True)
def _extended_row(row, image, source_row, colmap, channels, cval, pad_left, width):
    """Image row ``source_row`` (or a row of ``cval`` when negative), extended, into ``row``.

    Returns False when the image row holds a NaN or an infinity.
    """
    if source_row < 0:
        for i in range(row.shape[0]):
            row[i] = cval
        return True
    source = image[source_row]
    base = pad_left * channels
    bad = False
    for i in range(width * channels):
        value = source[i]
        row[base + i] = value
        bad |= (value - value) != 0  # NaN for NaN and ±inf, 0 otherwise
    _extend_columns(row, colmap, channels, cval, pad_left, width)
    return not bad


@njit(nogil=True, cache=True)
def _finite_row(row):
    bad = False
    for i in range(row.shape[0]):
        value = row[i]
        bad |= (value - value) != 0
    return not bad


# ----------------------------------------------------------------------------
# The two parallel routes
# ----------------------------------------------------------------------------


@njit(parallel=True, fastmath=_FAST, cache=True)
def _sliding_2d(image, rowmap, colmap, channels, cval, pad_left, taprow, tapoff, w, out, block):
    """``out[y] = Σ_t w[t] · P[y + taprow[t], tapoff[t] :]`` over flattened extended rows."""
    rows_out, n_out = out.shape
    width = image.shape[1] // channels
    kh = 1
    for t in range(taprow.shape[0]):
        kh = max(kh, taprow[t] + 1)
    row_length = colmap.shape[0] * channels
    blocks = (rows_out + block - 1) // block
    finite = np.ones(blocks, dtype=np.bool_)
    for b in prange(blocks):
        y0 = b * block
        y1 = min(rows_out, y0 + block)
        ring = np.empty((kh, row_length), dtype=out.dtype)
        rows = np.empty(taprow.shape[0], dtype=np.int64)
        ok = True
        for r in range(y0, y0 + kh - 1):
            ok &= _extended_row(
                ring[r % kh], image, rowmap[r], colmap, channels, cval, pad_left, width
            )
        for y in range(y0, y1):
            r = y + kh - 1
            ok &= _extended_row(
                ring[r % kh], image, rowmap[r], colmap, channels, cval, pad_left, width
            )
            for t in range(taprow.shape[0]):
                rows[t] = (y + taprow[t]) % kh
            target = out[y]
            for start in range(0, n_out, _CHUNK):
                _taps(target[start:], ring, rows, tapoff, w, start, min(_CHUNK, n_out - start))
        finite[b] = ok
    # Every image row is some extended row (the padding is never negative), and
    # every extended row is filled by some block: the whole image was checked.
    return finite.all()


@njit(parallel=True, fastmath=_FAST, cache=True)
def _sliding_separable(
    image, rowmap, colmap, channels, cval, pad_left, column_rows, column_w, row_offsets, row_w,
    out, block,
):  # fmt: skip
    """Column taps down the image rows into one extended row, then row taps along it."""
    rows_out, n_out = out.shape
    width = image.shape[1] // channels
    n_image = width * channels
    row_length = colmap.shape[0] * channels
    kh = rowmap.shape[0] - rows_out + 1
    blocks = (rows_out + block - 1) // block
    count = column_rows.shape[0]
    finite = np.ones(blocks, dtype=np.bool_)
    for b in prange(blocks):
        y0 = b * block
        y1 = min(rows_out, y0 + block)
        line = np.empty((1, row_length), dtype=out.dtype)
        rows = np.empty(count, dtype=np.int64)
        weights = np.empty(count, dtype=out.dtype)
        zeros = np.zeros(count, dtype=np.int64)
        line_rows = np.zeros(row_w.shape[0], dtype=np.int64)
        target_line = line[0, pad_left * channels :]
        ok = True
        # Padded row y + kh - 1 is checked with output row y, the first kh - 1
        # rows with the first block: every image row is checked once, from cache.
        if y0 == 0:
            for r in range(kh - 1):
                if rowmap[r] >= 0:
                    ok &= _finite_row(image[rowmap[r]])
        for y in range(y0, y1):
            if rowmap[y + kh - 1] >= 0:
                ok &= _finite_row(image[rowmap[y + kh - 1]])
            # Taps falling on rows of cval add a constant.
            used = 0
            bias = 0.0
            for t in range(count):
                source = rowmap[y + column_rows[t]]
                if source < 0:
                    bias += column_w[t] * cval
                else:
                    rows[used] = source
                    weights[used] = column_w[t]
                    used += 1
            for start in range(0, n_image, _CHUNK):
                n = min(_CHUNK, n_image - start)
                _taps(target_line[start:], image, rows[:used], zeros, weights[:used], start, n)
                if bias != 0.0:
                    chunk = target_line[start : start + n]
                    for i in range(n):
                        chunk[i] += bias
            # Columns of cval: every row there is cval, so the column sum is Σw · cval.
            full = 0.0
            for t in range(count):
                full += column_w[t]
            _extend_columns(line[0], colmap, channels, cval * full, pad_left, width)
            target = out[y]
            for start in range(0, n_out, _CHUNK):
                _taps(target[start:], line, line_rows, row_offsets, row_w, start,
                      min(_CHUNK, n_out - start))  # fmt: skip
        finite[b] = ok
    return finite.all()


# ----------------------------------------------------------------------------
# Python side
# ----------------------------------------------------------------------------

#: numpy.pad modes by scipy.ndimage boundary name (and numpy.pad's own names).
_PAD_MODES = {
    "constant": "constant",
    "reflect": "symmetric",
    "mirror": "reflect",
    "nearest": "edge",
    "wrap": "wrap",
    "symmetric": "symmetric",
    "edge": "edge",
}


def index_map(length: int, pad: tuple[int, int], boundary: str) -> np.ndarray:
    """Source index of each extended position along one axis; -1 where it is ``cval``.

    ``boundary`` is a scipy.ndimage name (or numpy.pad's); the map is exactly
    what ``numpy.pad`` does to the indices, so any padding width works.
    """
    mode = _PAD_MODES[boundary]
    indices = np.arange(length, dtype=np.int64)
    if mode == "constant":
        return np.pad(indices, pad, mode="constant", constant_values=-1)
    return np.pad(indices, pad, mode=mode)


def _geometry(image, kernel_shape, pad_rows, pad_cols, boundary):
    if image.ndim not in (2, 3):
        raise FiltersError(f"image must be 2-D or 3-D; got shape {image.shape}.")
    h, w = image.shape[:2]
    channels = image.shape[2] if image.ndim == 3 else 1
    rowmap = index_map(h, tuple(pad_rows), boundary)
    colmap = index_map(w, tuple(pad_cols), boundary)
    kh, kw = kernel_shape
    out_shape = (rowmap.size - kh + 1, colmap.size - kw + 1, *image.shape[2:])
    if out_shape[0] < 1 or out_shape[1] < 1:
        raise FiltersError(
            f"the kernel {kh}×{kw} is larger than the extended image {rowmap.size}×{colmap.size}."
        )
    return channels, rowmap, colmap, out_shape


def _block_rows(rows: int, kh: int) -> int:
    """Output rows per parallel block: a few blocks per thread, halos kept small."""
    threads = max(1, get_num_threads())
    return max(min(rows, 4 * kh, 64), -(-rows // (4 * threads)))


def _contiguous(image: np.ndarray, dtype) -> np.ndarray:
    return np.ascontiguousarray(image, dtype=dtype)


def _require_finite(finite: bool) -> None:
    if not finite:
        raise FiltersError(_NOT_FINITE)


def convolve_valid(padded: np.ndarray, kernel: np.ndarray, **extension) -> np.ndarray:
    """Valid convolution of an extended image with a 2-D kernel, in the spatial domain.

    Parameters
    ----------
    padded : (M, N[, C]) ndarray
        The image, float32 or float64; with the default zero ``pad_rows`` and
        ``pad_cols`` it is taken as already extended.
    kernel : (kh, kw) ndarray
        Real; cast to the image's dtype.
    pad_rows, pad_cols : (int, int), optional
        How far to extend the image by ``boundary`` (scipy.ndimage's names) before
        and after, along rows and columns. The extension is never materialised.
    boundary : str, optional
        "constant" by default.
    cval : float, optional
        The value outside the image for ``boundary="constant"``.

    Returns
    -------
    out : (M' - kh + 1, N' - kw + 1[, C]) ndarray
        With ``M' = M + sum(pad_rows)``, ``N' = N + sum(pad_cols)``.

    Raises
    ------
    FiltersError
        When the image holds NaN or infinite values.
    """
    return sliding_2d(padded, kernel, **extension)


def convolve_valid_separable(
    padded: np.ndarray, column_taps: np.ndarray, row_taps: np.ndarray, **extension
) -> np.ndarray:
    """Valid convolution with the rank-1 kernel ``outer(column_taps, row_taps)``.

    Two 1-D passes per output row, down the columns then along the row:
    ``kh + kw`` multiply-adds per output sample instead of ``kh · kw``. The
    keyword arguments are those of :func:`convolve_valid`.
    """
    return sliding_separable(padded, column_taps, row_taps, **extension)


def sliding_2d(
    padded: np.ndarray,
    kernel: np.ndarray,
    *,
    pad_rows=(0, 0),
    pad_cols=(0, 0),
    boundary: str = "constant",
    cval: float = 0.0,
) -> np.ndarray:
    """:func:`convolve_valid` itself (the calibration times this, not the public name)."""
    image = _contiguous(padded, padded.dtype)
    kh = kernel.shape[0]
    channels, rowmap, colmap, out_shape = _geometry(
        image, kernel.shape, pad_rows, pad_cols, boundary
    )
    dtype = image.dtype
    flipped = np.asarray(kernel)[::-1, ::-1]
    a, b = np.nonzero(flipped)
    weights = np.ascontiguousarray(flipped[a, b], dtype=dtype)
    out = np.empty(out_shape, dtype=dtype)
    h = image.shape[0]
    flat = image.reshape(h, -1)
    with _PARALLEL_SECTION:
        finite = _sliding_2d(
            flat,
            rowmap,
            colmap,
            channels,
            dtype.type(cval),
            int(pad_cols[0]),
            a.astype(np.int64),
            (b * channels).astype(np.int64),
            weights,
            out.reshape(out_shape[0], -1),
            _block_rows(out_shape[0], kh),
        )
    _require_finite(finite)
    return out


def sliding_separable(
    padded: np.ndarray,
    column_taps: np.ndarray,
    row_taps: np.ndarray,
    *,
    pad_rows=(0, 0),
    pad_cols=(0, 0),
    boundary: str = "constant",
    cval: float = 0.0,
) -> np.ndarray:
    """:func:`convolve_valid_separable` itself."""
    image = _contiguous(padded, padded.dtype)
    column = np.asarray(column_taps).reshape(-1)
    row = np.asarray(row_taps).reshape(-1)
    kh, kw = column.size, row.size
    channels, rowmap, colmap, out_shape = _geometry(image, (kh, kw), pad_rows, pad_cols, boundary)
    dtype = image.dtype
    column_flipped, row_flipped = column[::-1], row[::-1]
    (a,) = np.nonzero(column_flipped)
    (b,) = np.nonzero(row_flipped)
    out = np.empty(out_shape, dtype=dtype)
    h = image.shape[0]
    flat = image.reshape(h, -1)
    with _PARALLEL_SECTION:
        finite = _sliding_separable(
            flat,
            rowmap,
            colmap,
            channels,
            dtype.type(cval),
            int(pad_cols[0]),
            a.astype(np.int64),
            np.ascontiguousarray(column_flipped[a], dtype=dtype),
            (b * channels).astype(np.int64),
            np.ascontiguousarray(row_flipped[b], dtype=dtype),
            out.reshape(out_shape[0], -1),
            _block_rows(out_shape[0], kh),
        )
    _require_finite(finite)
    return out
