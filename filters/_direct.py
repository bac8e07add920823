"""Spatial-domain sliding-window sums, compiled with Numba, run on every core.

Every function here computes the *valid* convolution of the image extended by
a boundary rule, written as a correlation with the flipped kernel
``G = K[::-1, ::-1]``:

.. math:: out[y, x] = \\sum_{a, b} G[a, b] \\, P[y + a, x + b]

where ``P`` is the image extended by ``pad_rows`` / ``pad_cols`` samples. The
extension is never built: rows come through an index map (a row of ``cval``
adds a constant), output columns whose taps all fall inside the image read
the image rows in place, and only the few columns near the left and right
edges read small extended copies of the columns they need, kept in rings of
``kh`` rows. The image is read once and the output written once, as by a
plain copy.

How it is fast. A channels-last row is a contiguous run of ``W · C`` numbers in
which the tap ``(a, b)`` always lies at the same distance ``b · C`` from the
output sample: each output row is a sum, over the kernel's non-zero taps, of
weighted slices of ``kh`` rows, every channel at once and without a
transpose. Each output row is processed in chunks of 16 KB that stay in the
core's caches, and taps are applied up to 25 at a time in registers, so a
chunk is written once per pass of up to 25 multiply-adds (a 3×3 or a 5×5
kernel is one pass; :func:`_grouped` pads the tap list with zero taps where
that saves a pass). Output rows are cut in
blocks that threads take in turn (``filters._threads``): the compiled kernels
release the GIL.

A rank-1 kernel ``outer(column, row)`` can instead go through two 1-D passes
per output row: the column taps down ``kh`` image rows into one extended row,
then the row taps along it (``kh + kw`` multiply-adds per sample instead of
``kh · kw``).

NaN and infinities in the image are found from the outputs, checked while
they are still in the cache: a non-finite pixel makes every output it enters
non-finite (see :func:`_check_finite`), so no separate pass over a large image
is needed.

No transform is involved at any kernel size.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np
from numba import njit

from . import _threads
from ._errors import FiltersError

__all__ = [
    "convolve_valid",
    "convolve_valid_separable",
    "index_map",
    "sliding_2d",
    "sliding_separable",
]

# Kept for code that serialises work around it; the kernels no longer need it:
# they run on plain threads (``_threads``), which any number of callers share.
_PARALLEL_SECTION = threading.Lock()

# Bytes of output handled per chunk (4096 float32 or 2048 float64 samples): the
# chunk and the slices it reads stay in the core's first- and second-level
# caches, and the set-up of a chunk is paid rarely.
_CHUNK_BYTES = 16384

# Fused multiply-adds only: no reassociation, so every sum is the one written.
_FAST = {"contract"}

_NOT_FINITE = "image contains NaN or infinite values."


# ----------------------------------------------------------------------------
# Taps in registers: out[i] (+)= Σ_t w[t] · a_t[i], up to 25 taps in one pass
# ----------------------------------------------------------------------------

#: Taps applied in one pass over a chunk of output, largest first. One pass of
#: 25 covers a 5×5 kernel and one of 9 a 3×3: every sample is written once and
#: its sum stays in a register (25 weights fit the 32 vector registers).
_GROUP_SIZES = (25, 9, 4, 1)

# What a pass costs besides its taps (loading and storing the chunk), in taps.
_PASS_COST = 3


def _sum_source(size: int) -> str:
    """``w0·a0[i] + … + w{size-1}·a{size-1}[i]`` as two chains of fused multiply-adds.

    Even taps in one chain and odd taps in the other, added at the end: fewer
    operations than a balanced tree of pairs (one multiply per chain and a
    single add, the rest fused), and two chains keep both FMA units busy.
    """
    chains = []
    for first in range(min(size, 2)):
        chain = f"w{first} * a{first}[i]"
        for j in range(first + 2, size, 2):
            chain = f"({chain} + w{j} * a{j}[i])"
        chains.append(chain)
    return " + ".join(chains)


def _group_source(size: int) -> str:
    """Source of ``_g{size}(out, a0, …, w, t, n, first)``: one pass of ``size`` taps.

    With ``first`` the pass writes the chunk, otherwise it adds to it. Every
    call site passes a literal ``first``, so each inlined copy keeps one loop.
    """
    arrays = ", ".join(f"a{j}" for j in range(size))
    weights = "\n".join(f"    w{j} = w[t + {j}]" for j in range(size))
    total = _sum_source(size)
    return (
        f"def _g{size}(out, {arrays}, w, t, n, first):\n{weights}\n"
        f"    if first:\n        for i in range(n):\n            out[i] = {total}\n"
        f"    else:\n        for i in range(n):\n            out[i] += {total}\n"
    )


def _dispatch_source() -> str:
    """Source of ``_group(out, src, o, w, t, s, n, first)``: one pass of the largest
    group size that the taps left from ``t`` fill, tap ``j`` reading ``src[o[j] + s:]``;
    returns the next ``t``."""
    lines = ["def _group(out, src, o, w, t, s, n, first):", "    left = w.shape[0] - t"]
    for size in _GROUP_SIZES:
        slices = ", ".join(f"src[o[t + {j}] + s :]" for j in range(size))
        lines += [f"    if left >= {size}:", f"        _g{size}(out, {slices}, w, t, n, first)"]
        lines.append(f"        return t + {size}")
    lines.append("    return t")
    return "\n".join(lines) + "\n"


def _passes(count: int) -> int:
    """How many passes :func:`_taps` makes over ``count`` taps (largest group first)."""
    passes = 0
    for size in _GROUP_SIZES:
        passes += count // size
        count %= size
    return passes


def _compile_groups() -> dict:
    namespace: dict = {}
    for size in _GROUP_SIZES:
        exec(_group_source(size), namespace)  # source built above from constants
        namespace[f"_g{size}"] = njit(inline="always", fastmath=_FAST, nogil=True)(
            namespace[f"_g{size}"]
        )
    exec(_dispatch_source(), namespace)
    return namespace


_group = njit(inline="always", fastmath=_FAST, nogil=True)(_compile_groups()["_group"])


@njit(fastmath=_FAST, nogil=True, cache=True)
def _few_taps(out, src, offsets, w, start, n):
    """:func:`_taps` for a handful of outputs (the edge columns): no slices, no set-up."""
    count = w.shape[0]
    for i in range(n):
        if count == 0:
            out[i] = 0
            continue
        total = w[0] * src[offsets[0] + start + i]
        for t in range(1, count):
            total += w[t] * src[offsets[t] + start + i]
        out[i] = total


@njit(fastmath=_FAST, nogil=True, cache=True)
def _taps(out, src, offsets, w, start, n):
    """``out[i] = Σ_t w[t] · src[offsets[t] + start + i]`` for ``i < n``.

    ``src`` is flat (a row-major array seen as one run), so a tap is one
    offset. Taps go in passes of 25, 9, 4 and 1, the largest that
    fits first; :func:`_grouped` pads a tap list with zero taps where that
    saves passes.
    """
    if w.shape[0] == 0:
        for i in range(n):
            out[i] = 0
        return
    t = _group(out, src, offsets, w, 0, start, n, True)
    while t < w.shape[0]:
        t = _group(out, src, offsets, w, t, start, n, False)


# ----------------------------------------------------------------------------
# Extending one row
# ----------------------------------------------------------------------------


@njit(nogil=True, cache=True)
def _extend_columns(row, colmap, channels, cval, pad_left, width):
    """Fill the column padding of an extended row whose image part is in place."""
    after = colmap.shape[0] - pad_left - width
    for q in range(pad_left + after):
        p = q if q < pad_left else q + width  # skip the image part
        j = colmap[p]
        if j < 0:
            for c in range(channels):
                row[p * channels + c] = cval
        else:
            source = (pad_left + j) * channels
            for c in range(channels):
                row[p * channels + c] = row[source + c]


@njit(nogil=True, cache=True, fastmath={"reassoc"})
def finite(values, n):
    """False when one of ``values[:n]`` is NaN or infinite.

    ``v - v`` is 0 for a finite ``v`` and NaN otherwise, and a NaN makes the
    sum NaN whatever the order: reassociating it (which lets the loop
    vectorise) cannot hide one. No other fast-math assumption is allowed here.
    """
    if n == 0:
        return True
    total = values[0] - values[0]
    for i in range(n):
        total += values[i] - values[i]
    return total == 0


@njit(nogil=True, cache=True)
def _finite_row(row):
    return finite(row, row.shape[0])


# ----------------------------------------------------------------------------
# The two parallel routes
# ----------------------------------------------------------------------------


@njit(nogil=True, cache=True)
def _extended_part(row, image, source_row, colmap, channels, cval, first, stop):
    """Extended columns ``first .. stop - 1`` of extended row (image row ``source_row``)."""
    if source_row < 0:
        row[:] = cval
        return
    source = image[source_row]
    for p in range(first, stop):
        j = colmap[p]
        target = row[(p - first) * channels :]
        if j < 0:
            for c in range(channels):
                target[c] = cval
        else:
            values = source[j * channels :]
            for c in range(channels):
                target[c] = values[c]


@njit(nogil=True, fastmath=_FAST, cache=True)
def _image_rows(
    out, n, flat_image, row_length, rowmap, taprow, tapoff, w, cval, offsets, weights, chunk
):
    """``out[i] = Σ_t w[t] · P[taprow[t], tapoff[t] + i]`` for ``i < n``, read in place.

    ``P`` is the image extended along rows only (``rowmap``, from the first
    row the taps count from): image rows are read where they are, and the
    taps that fall on rows of ``cval`` add a constant. ``offsets`` and
    ``weights`` are scratch arrays as long as the taps.
    """
    used = 0
    bias = 0.0
    for t in range(taprow.shape[0]):
        source_row = rowmap[taprow[t]]
        if source_row < 0:
            bias += w[t] * cval
        else:
            offsets[used] = source_row * row_length + tapoff[t]
            weights[used] = w[t]
            used += 1
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        _taps(out[start:], flat_image, offsets[:used], weights[:used], start, m)
        if bias != 0.0:
            part = out[start : start + m]
            for i in range(m):
                part[i] += bias


@njit(nogil=True, fastmath=_FAST, cache=True)
def _sliding_2d(
    image, rowmap, colmap, channels, cval, pad_top, pad_left, taprow, tapoff, w, out, y0, y1
):
    """``out[y] = Σ_t w[t] · P[y + taprow[t], tapoff[t] :]`` over flattened extended rows.

    Output columns whose taps all fall on image columns (the interior) read the
    image rows in place; the few others, near the left and right edges, read
    extended copies of just the columns they need, kept in small rings of
    ``kh`` rows. An image narrower than the kernel's reach is all edge.

    When output rows are as long as image rows (``same`` output), the interior
    of the rows whose taps all fall on image rows is one run of the flattened
    arrays: it is computed in one go, across row ends (the edge columns it
    writes there are computed again afterwards), which saves the set-up of
    every row. Every chunk of output is checked for NaN and infinities while
    it is still in the cache. Returns False when an output is not finite.
    """
    rows_out, n_out = out.shape
    row_length = image.shape[1]
    width = row_length // channels
    count = taprow.shape[0]
    kh = rowmap.shape[0] - rows_out + 1
    kw = colmap.shape[0] - n_out // channels + 1
    chunk = _CHUNK_BYTES // out.itemsize
    flat_image = image.reshape(image.shape[0] * row_length)
    # Interior output columns: [x_lo, x_hi).
    x_lo = min(pad_left, n_out // channels)
    x_hi = max(x_lo, width + pad_left - kw + 1)
    left_cols = min(x_lo + kw - 1, colmap.shape[0])  # extended columns the left edge reads
    right_first = x_hi  # extended columns x_hi .. N - 1 for the right edge
    right_cols = colmap.shape[0] - right_first
    left_length = max(left_cols, 1) * channels
    right_length = max(right_cols, 1) * channels
    left = np.empty((kh, left_length), dtype=out.dtype)
    right = np.empty((kh, right_length), dtype=out.dtype)
    flat_left = left.reshape(kh * left_length)
    flat_right = right.reshape(kh * right_length)
    left_offsets = np.empty(count, dtype=np.int64)
    right_offsets = np.empty(count, dtype=np.int64)
    image_offsets = np.empty(count, dtype=np.int64)
    image_w = np.empty(count, dtype=out.dtype)
    ok = True
    span_first = max(y0, pad_top)
    span_stop = min(y1, image.shape[0] - kh + pad_top + 1)
    spanned = n_out == row_length and x_hi > x_lo and span_stop > span_first
    if spanned:
        flat_out = out.reshape(out.shape[0] * n_out)
        first = span_first * row_length + x_lo * channels
        stop = (span_stop - 1) * row_length + x_hi * channels
        offsets = np.empty(count, dtype=np.int64)
        for t in range(count):
            offsets[t] = (
                first + (taprow[t] - pad_top) * row_length + tapoff[t] - pad_left * channels
            )
        run = flat_out[first:]
        for start in range(0, stop - first, chunk):
            m = min(chunk, stop - first - start)
            _taps(run[start:], flat_image, offsets, w, start, m)
            ok &= finite(run[start:], m)  # still in the cache
    slot = y0 % kh  # ring slot of row r; no division per row
    for r in range(y0, y1 + kh - 1):
        here = slot
        slot = slot + 1 if slot + 1 < kh else 0  # (r + 1) % kh, which is y % kh below
        source_row = rowmap[r]
        if left_cols > 0 and x_lo > 0:
            _extended_part(left[here], image, source_row, colmap, channels, cval, 0, left_cols)
        if right_cols > 0 and x_hi < n_out // channels:
            _extended_part(
                right[here],
                image,
                source_row,
                colmap,
                channels,
                cval,
                right_first,
                colmap.shape[0],
            )
        y = r - kh + 1
        if y < y0:
            continue
        target = out[y]
        # Edges, from the rings.
        for t in range(count):
            ring = slot + taprow[t]
            if ring >= kh:
                ring -= kh
            left_offsets[t] = ring * left_length + tapoff[t]
            right_offsets[t] = ring * right_length + tapoff[t]
        n = x_lo * channels
        if 0 < n <= 48:
            _few_taps(target, flat_left, left_offsets, w, 0, n)
        elif n > 0:
            for start in range(0, n, chunk):
                _taps(target[start:], flat_left, left_offsets, w, start, min(chunk, n - start))
        edge = target[x_hi * channels :]
        n = n_out - x_hi * channels
        if 0 < n <= 48:
            _few_taps(edge, flat_right, right_offsets, w, 0, n)
        elif n > 0:
            for start in range(0, n, chunk):
                _taps(edge[start:], flat_right, right_offsets, w, start, min(chunk, n - start))
        if spanned and span_first <= y < span_stop:
            # The interior came from the run (and was checked there).
            ok &= finite(target, x_lo * channels) and finite(edge, n)
            continue
        # Interior, from the image; taps on rows of cval add a constant.
        if x_hi > x_lo:
            _image_rows(
                target[x_lo * channels :],
                (x_hi - x_lo) * channels,
                flat_image,
                row_length,
                rowmap[y:],
                taprow,
                tapoff,
                w,
                cval,
                image_offsets,
                image_w,
                chunk,
            )
        ok &= _finite_row(target)  # still in the cache
    return ok


@njit(nogil=True, fastmath=_FAST, cache=True)
def _sliding_separable(
    image,
    rowmap,
    colmap,
    channels,
    cval,
    pad_left,
    column_rows,
    column_w,
    row_offsets,
    row_w,
    out,
    y0,
    y1,
):
    """Column taps down the image rows into one extended row, then row taps along it.

    For output rows ``y0 .. y1 - 1``; False when an output is NaN or infinite.
    """
    n_out = out.shape[1]
    width = image.shape[1] // channels
    n_image = width * channels
    row_length = colmap.shape[0] * channels
    count = column_rows.shape[0]
    chunk = _CHUNK_BYTES // out.itemsize
    flat_image = image.reshape(image.shape[0] * image.shape[1])
    line = np.empty(row_length, dtype=out.dtype)
    offsets = np.empty(count, dtype=np.int64)
    weights = np.empty(count, dtype=out.dtype)
    column_offsets = np.zeros(count, dtype=np.int64)
    target_line = line[pad_left * channels :]
    ok = True
    for y in range(y0, y1):
        _image_rows(
            target_line,
            n_image,
            flat_image,
            image.shape[1],
            rowmap[y:],
            column_rows,
            column_offsets,
            column_w,
            cval,
            offsets,
            weights,
            chunk,
        )
        # Columns of cval: every row there is cval, so the column sum is Σw · cval.
        full = 0.0
        for t in range(count):
            full += column_w[t]
        _extend_columns(line, colmap, channels, cval * full, pad_left, width)
        target = out[y]
        for start in range(0, n_out, chunk):
            _taps(target[start:], line, row_offsets, row_w, start, min(chunk, n_out - start))
        ok &= _finite_row(target)  # still in the cache
    return ok


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
    what ``numpy.pad`` does to the indices, so any padding width works. The
    maps of recent calls are kept (the caller must not write to the array).
    """
    return _index_map(int(length), (int(pad[0]), int(pad[1])), boundary)


@lru_cache(maxsize=64)
def _index_map(length: int, pad: tuple[int, int], boundary: str) -> np.ndarray:
    mode = _PAD_MODES[boundary]
    indices = np.arange(length, dtype=np.int64)
    if mode == "constant":
        return np.pad(indices, pad, mode="constant", constant_values=-1)
    return np.pad(indices, pad, mode=mode)


@lru_cache(maxsize=256)
def _padded(count: int) -> int:
    """The tap count, zero taps included, that :func:`_taps` goes through fastest."""
    return min(
        range(count, count + max(_GROUP_SIZES)),
        key=lambda total: (total + _PASS_COST * _passes(total), total),
    )


def _grouped(rows: np.ndarray, offsets: np.ndarray, weights: np.ndarray):
    """The taps, with zero-weight taps appended where that makes :func:`_taps` cheaper.

    A pass over the output costs about as much as ``_PASS_COST`` taps, so 7
    taps (passes of 4, 1, 1 and 1) become 9 (one pass) and 24 become 25. A zero
    tap reads a sample the first tap reads too and adds exactly zero (the
    image is finite, or the call fails).
    """
    count = weights.size
    if not count:
        return rows, offsets, weights
    extra = _padded(count) - count
    if not extra:
        return rows, offsets, weights
    return (
        np.concatenate([rows, np.full(extra, rows[0], dtype=rows.dtype)]),
        np.concatenate([offsets, np.full(extra, offsets[0], dtype=offsets.dtype)]),
        np.concatenate([weights, np.zeros(extra, dtype=weights.dtype)]),
    )


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


# Multiply-adds below which a call runs on the calling thread alone: waking
# another thread costs more than it saves (tens of microseconds).
_SERIAL_WORK = 1 << 20


def _blocks(rows: int, work: int = _SERIAL_WORK) -> list[tuple[int, int]]:
    """Output row ranges shared out among threads: several per thread, at least 8 rows.

    Blocks are cheap (a block's halo rows only refill the small edge rings),
    so there are enough for a thread slowed down by other work to do fewer.
    A small ``work`` (multiply-adds) is one block.
    """
    threads = _threads.count()
    if threads == 1 or work < _SERIAL_WORK:
        return [(0, rows)]
    size = max(8, -(-rows // (8 * threads)))
    return [(y0, min(rows, y0 + size)) for y0 in range(0, rows, size)]


def _run_blocks(kernel, arguments: tuple, rows: int, work: int) -> bool:
    """``kernel(*arguments, y0, y1)`` over every block of output rows, on all cores."""
    blocks = _blocks(rows, work)
    return _threads.run(lambda index, scratch: kernel(*arguments, *blocks[index]), len(blocks))


def _contiguous(image: np.ndarray, dtype) -> np.ndarray:
    return np.ascontiguousarray(image, dtype=dtype)


@lru_cache(maxsize=256)
def _uncovered(length: int, pad: tuple[int, int], boundary: str, tap: int, outputs: int):
    """Image indices along one axis that the tap at ``tap`` never reads (kept between calls)."""
    seen = np.zeros(length, dtype=bool)
    window = _index_map(length, pad, boundary)[tap : tap + outputs]
    seen[window[window >= 0]] = True
    return np.flatnonzero(~seen)


def _central_tap(rows: np.ndarray, cols: np.ndarray, pad_rows, pad_cols, *, factors=False):
    """The non-zero tap nearest the one that reads the image in place; None if there is none.

    The tap at ``(pad_rows[0], pad_cols[0])`` of the flipped kernel reads every
    image row and column once for an output as large as the image, so the
    outputs vouch for the whole image and :func:`_check_finite` has nothing
    left to read; the nearest non-zero tap leaves the fewest edge lines. The
    taps are ``(rows[i], cols[i])``, or with ``factors`` any ``(rows[i],
    cols[j])`` (the non-zero taps of a column and a row factor).
    """
    if not rows.size or not cols.size:
        return None
    if factors:
        i = np.argmin(np.abs(rows - pad_rows[0]))
        j = np.argmin(np.abs(cols - pad_cols[0]))
        return int(rows[i]), int(cols[j])
    i = np.argmin(np.abs(rows - pad_rows[0]) + np.abs(cols - pad_cols[0]))
    return int(rows[i]), int(cols[i])


def _check_finite(outputs_finite: bool, image, pad_rows, pad_cols, boundary, tap, out_shape):
    """Raise unless the image is finite, knowing whether every output came out finite.

    A NaN or an infinity in the image reaches every output that a non-zero tap
    of the kernel reads it into, so finite outputs vouch for every pixel that
    ``tap`` (a non-zero tap) reads; the few rows and columns it does not read
    (near the edges, for some kernels and outputs) are checked here. An output
    that is not finite may also come from a finite image whose sums overflow:
    then the whole image is checked before anything is said.
    """
    h, w = image.shape[:2]
    if tap is None or not outputs_finite:  # no non-zero tap: outputs say nothing
        finite = bool(np.isfinite(image).all())
    else:
        pads = (int(pad_rows[0]), int(pad_rows[1])), (int(pad_cols[0]), int(pad_cols[1]))
        rows = _uncovered(h, pads[0], boundary, tap[0], out_shape[0])
        cols = _uncovered(w, pads[1], boundary, tap[1], out_shape[1])
        finite = not rows.size or bool(np.isfinite(image[rows]).all())
        finite = finite and (not cols.size or bool(np.isfinite(image[:, cols]).all()))
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
    channels, rowmap, colmap, out_shape = _geometry(
        image, kernel.shape, pad_rows, pad_cols, boundary
    )
    dtype = image.dtype
    flipped = np.asarray(kernel)[::-1, ::-1]
    a, b = np.nonzero(flipped)
    taprow, tapoff, weights = _grouped(
        a.astype(np.int64),
        (b * channels).astype(np.int64),
        np.ascontiguousarray(flipped[a, b], dtype=dtype),
    )
    out = np.empty(out_shape, dtype=dtype)
    arguments = (
        image.reshape(image.shape[0], -1),
        rowmap,
        colmap,
        channels,
        dtype.type(cval),
        int(pad_rows[0]),
        int(pad_cols[0]),
        taprow,
        tapoff,
        weights,
        out.reshape(out_shape[0], -1),
    )
    work = out.size * max(weights.size, 1)
    finite = _run_blocks(_sliding_2d, arguments, out_shape[0], work)
    tap = _central_tap(a, b, pad_rows, pad_cols)
    _check_finite(finite, image, pad_rows, pad_cols, boundary, tap, out_shape)
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
    column_rows, _, column_w = _grouped(
        a.astype(np.int64),
        np.zeros(a.size, dtype=np.int64),
        np.ascontiguousarray(column_flipped[a], dtype=dtype),
    )
    # The row pass reads sums that may have overflowed to inf: a zero tap there
    # would turn them into NaN, so its taps are not padded.
    row_offsets = (b * channels).astype(np.int64)
    row_w = np.ascontiguousarray(row_flipped[b], dtype=dtype)
    out = np.empty(out_shape, dtype=dtype)
    arguments = (
        image.reshape(image.shape[0], -1),
        rowmap,
        colmap,
        channels,
        dtype.type(cval),
        int(pad_cols[0]),
        column_rows,
        column_w,
        row_offsets,
        row_w,
        out.reshape(out_shape[0], -1),
    )
    work = out.size * max(column_w.size + row_w.size, 1)
    finite = _run_blocks(_sliding_separable, arguments, out_shape[0], work)
    tap = _central_tap(a, b, pad_rows, pad_cols, factors=True)
    _check_finite(finite, image, pad_rows, pad_cols, boundary, tap, out_shape)
    return out
