"""FFT convolution in cache-sized blocks (overlap-save), on the CPU.

The output is cut into tiles. A tile of ``th × tw`` outputs needs the
``(th + kh - 1) × (tw + kw - 1)`` block of the extended image above it; that
block, gathered straight from the image through the boundary's index maps
(no padded copy of the image is ever made), is transformed with real FFTs of
a fast size ``F ≥`` the block, for all channels at once as one ``(C, F_h, F_w)``
array, multiplied by the kernel's spectrum at that size, transformed back, and
the tile's valid part is written into the channels-last output. Everything a
tile touches stays in the cache; the image is read once and the output written
once. Tiles are shared out among threads (``filters._threads``; the transforms
and the compiled gather and scatter release the GIL).

Circular convolution of a block with the zero-padded kernel equals the linear
one wherever the kernel does not wrap around: rows ``kh - 1 ..`` of the block
(columns alike), which are exactly the tile's outputs. For correlation the
kernel's spectrum is conjugated instead and the valid part starts at 0.

The tile size is chosen by a cost model: fewer, larger tiles repeat less of
the overlap but transform at ``F log F``; small tiles pay a fixed cost each.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import scipy.fft
from numba import njit

from . import _threads
from ._errors import FiltersError

__all__ = [
    "BlockSpectra",
    "TilePlan",
    "blocked",
    "convolve_valid_fft",
    "kernel_spectrum",
    "plan_tiles",
]

# Cost model of one tile, in "units" (calibrated seconds per unit live in
# ``_calibrate``): C · F_h · F_w · (log2(F_h · F_w) + _PASSES) + _TILE_UNITS.
# _PASSES stands for the passes that are not the transform (gather, product,
# scatter); _TILE_UNITS for the fixed cost of a tile (calls, plan look-ups).
_PASSES = 6.0
_TILE_UNITS = 60_000.0
# Largest block, in bytes of one real (C, F_h, F_w) array: the block, its
# spectrum and the kernel's stay within the second-level cache or close.
_MAX_BLOCK_BYTES = 2 * 1024 * 1024
# Never cut an axis in more tiles than this (the search is over tile counts).
_MAX_TILES_PER_AXIS = 64

_NOT_FINITE = "image contains NaN or infinite values."


# ----------------------------------------------------------------------------
# Planning
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TilePlan:
    """How an ``out_shape`` output is cut in tiles and at what FFT size each is transformed."""

    out_shape: tuple[int, int]
    kernel_shape: tuple[int, int]
    channels: int
    counts: tuple[int, int]
    tile: tuple[int, int]
    fft_shape: tuple[int, int]

    @property
    def tiles(self) -> int:
        return self.counts[0] * self.counts[1]

    def origins(self) -> list[tuple[int, int]]:
        """Top-left output index of every tile, row by row."""
        (ny, nx), (th, tw) = self.counts, self.tile
        return [(i * th, j * tw) for i in range(ny) for j in range(nx)]

    def units(self) -> float:
        """The cost model's units for the whole output (see :func:`tile_units`)."""
        return self.tiles * tile_units(self.fft_shape, self.channels)


def tile_units(fft_shape: tuple[int, int], channels: int) -> float:
    size = fft_shape[0] * fft_shape[1]
    return channels * size * (math.log2(max(size, 2)) + _PASSES) + _TILE_UNITS


def _axis_options(length: int, k: int) -> list[tuple[int, int, int]]:
    """Candidate (tile count, tile side, FFT side) along one axis, without repeats."""
    options = {}
    for count in range(1, min(length, _MAX_TILES_PER_AXIS) + 1):
        tile = -(-length // count)
        if count > 1 and (count - 1) * tile >= length:
            continue  # the last tile would be empty
        fast = scipy.fft.next_fast_len(tile + k - 1, real=True)
        key = (tile, fast)
        if key not in options:
            options[key] = (count, tile, fast)
    return sorted(options.values())


@functools.lru_cache(maxsize=256)
def plan_tiles(
    out_rows: int, out_cols: int, kh: int, kw: int, channels: int, itemsize: int
) -> TilePlan:
    """The cheapest tiling of an ``out_rows × out_cols`` output by the cost model.

    Blocks larger than the cache budget are only used when nothing smaller
    exists (a kernel that is itself that large).
    """
    rows = _axis_options(out_rows, kh)
    cols = _axis_options(out_cols, kw)
    best = None
    for ny, th, fh in rows:
        for nx, tw, fw in cols:
            big = channels * fh * fw * itemsize > _MAX_BLOCK_BYTES
            cost = ny * nx * tile_units((fh, fw), channels)
            key = (big, cost)
            if best is None or key < best[0]:
                best = (key, (ny, nx), (th, tw), (fh, fw))
    _, counts, tile, fft_shape = best
    return TilePlan((out_rows, out_cols), (kh, kw), channels, counts, tile, fft_shape)


# ----------------------------------------------------------------------------
# Compiled gather and scatter
# ----------------------------------------------------------------------------


@njit(nogil=True, cache=True, fastmath={"reassoc"})
def _deinterleave(block, r, x0, source, run, total):
    """``block[c, r, x0 + x] = source[x · C + c]`` for x < run; adds ``v - v`` to ``total``.

    ``total`` stays 0 while every value is finite and turns NaN otherwise (see
    :func:`filters._direct.finite`: reassociation cannot hide a NaN).
    """
    channels = block.shape[0]
    if channels == 3:  # one pass, a constant stride: the compiler vectorises it
        t0, t1, t2 = block[0, r, x0:], block[1, r, x0:], block[2, r, x0:]
        for x in range(run):
            v0, v1, v2 = source[3 * x], source[3 * x + 1], source[3 * x + 2]
            t0[x] = v0
            t1[x] = v1
            t2[x] = v2
            total += (v0 - v0) + (v1 - v1) + (v2 - v2)
    elif channels == 1:
        t0 = block[0, r, x0:]
        for x in range(run):
            v0 = source[x]
            t0[x] = v0
            total += v0 - v0
    else:
        for c in range(channels):
            target = block[c, r, x0:]
            values = source[c:]
            for x in range(run):
                value = values[x * channels]
                target[x] = value
                total += value - value
    return total


@njit(nogil=True, cache=True)
def _gather(block, image, rowmap, colmap, cval, r0, c0, bh, bw):
    """``block[c, r, x] = P[r0 + r, c0 + x, c]`` for r < bh, x < bw; zeros elsewhere.

    ``P`` is the image extended through ``rowmap`` / ``colmap`` (-1: ``cval``).
    Returns False when a value read from the image is NaN or infinite.
    """
    channels = block.shape[0]
    # The longest run of consecutive image columns: copied without the map.
    run_start, run_length, x = 0, 0, 0
    while x < bw:
        j = colmap[c0 + x]
        length = 0
        while j >= 0 and x + length < bw and colmap[c0 + x + length] == j + length:
            length += 1
        if length > run_length:
            run_start, run_length = x, length
        x += max(length, 1)
    first = colmap[c0 + run_start] if run_length else 0
    total = cval - cval  # zero, in the block's dtype
    for r in range(bh):
        source_row = rowmap[r0 + r]
        if source_row < 0:
            block[:, r, :bw] = cval
        else:
            source = image[source_row]
            total = _deinterleave(
                block, r, run_start, source[first * channels :], run_length, total
            )
            for q in range(bw - run_length):  # the columns outside the run
                x = q if q < run_start else q + run_length
                j = colmap[c0 + x]
                if j < 0:
                    block[:, r, x] = cval
                else:
                    values = source[j * channels :]
                    for c in range(channels):
                        value = values[c]
                        block[c, r, x] = value
                        total += value - value
        block[:, r, bw:] = 0
    block[:, bh:, :] = 0
    return total == 0


@njit(nogil=True, cache=True)
def _scatter3(out, r0, r1, r2, y0, x0, th, tw, ox):
    """``out[y0 + r, (x0 + x) · 3 + c] = r_c[r, ox + x]`` for r < th, x < tw."""
    for r in range(th):
        target = out[y0 + r, x0 * 3 :]
        s0, s1, s2 = r0[r, ox:], r1[r, ox:], r2[r, ox:]
        for x in range(tw):
            target[3 * x] = s0[x]
            target[3 * x + 1] = s1[x]
            target[3 * x + 2] = s2[x]


@njit(nogil=True, cache=True)
def _scatter(out, plane, channel, channels, y0, x0, th, tw, ox):
    """``out[y0 + r, (x0 + x) · C + channel] = plane[r, ox + x]`` for r < th, x < tw."""
    for r in range(th):
        target = out[y0 + r, x0 * channels + channel :]
        source = plane[r, ox:]
        if channels == 1:
            for x in range(tw):
                target[x] = source[x]
        else:
            for x in range(tw):
                target[x * channels] = source[x]


@njit(nogil=True, cache=True)
def _multiply(target, spectrum, kernel, conjugate):
    """``target[c] = spectrum[c] · kernel`` (or its conjugate), per channel."""
    channels, rows, cols = spectrum.shape
    for c in range(channels):
        for r in range(rows):
            s = spectrum[c, r]
            k = kernel[r]
            t = target[c, r]
            if conjugate:
                for x in range(cols):
                    t[x] = s[x] * k[x].conjugate()
            else:
                for x in range(cols):
                    t[x] = s[x] * k[x]


# ----------------------------------------------------------------------------
# Kernel spectra, reused
# ----------------------------------------------------------------------------

_KERNEL_SPECTRA: OrderedDict = OrderedDict()
_KERNEL_SPECTRA_LOCK = threading.Lock()
_KERNEL_SPECTRA_SIZE = 16
# Spectra larger than this are not kept (the full-image ones of ImageSpectrum).
_KERNEL_SPECTRUM_MAX_BYTES = 4 * 1024 * 1024


def kernel_spectrum(kernel: np.ndarray, fft_shape: tuple[int, int], dtype) -> np.ndarray:
    """``rfft2(kernel, s=fft_shape)`` in ``dtype``'s precision; recent ones are reused.

    The result is read-only: it may be shared with other calls.
    """
    dtype = np.dtype(dtype)
    weights = np.ascontiguousarray(kernel, dtype=dtype)
    key = (weights.shape, dtype.str, tuple(fft_shape), weights.tobytes())
    with _KERNEL_SPECTRA_LOCK:
        found = _KERNEL_SPECTRA.get(key)
        if found is not None:
            _KERNEL_SPECTRA.move_to_end(key)
            return found
    spectrum = scipy.fft.rfft2(weights, s=tuple(fft_shape))
    spectrum.flags.writeable = False
    if spectrum.nbytes <= _KERNEL_SPECTRUM_MAX_BYTES:
        with _KERNEL_SPECTRA_LOCK:
            _KERNEL_SPECTRA[key] = spectrum
            while len(_KERNEL_SPECTRA) > _KERNEL_SPECTRA_SIZE:
                _KERNEL_SPECTRA.popitem(last=False)
    return spectrum


def _scratch(scratch: dict, name: str, shape, dtype) -> np.ndarray:
    array = scratch.get(name)
    if array is None or array.shape != tuple(shape) or array.dtype != dtype:
        array = np.empty(shape, dtype=dtype)
        scratch[name] = array
    return array


# ----------------------------------------------------------------------------
# The routes
# ----------------------------------------------------------------------------


def _complex(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.complex64) if dtype == np.float32 else np.dtype(np.complex128)


class _Geometry:
    """The image, its index maps and the output of one blocked convolution."""

    def __init__(self, image, kernel_shape, pad_rows, pad_cols, boundary, cval):
        from ._direct import index_map

        if image.ndim not in (2, 3):
            raise FiltersError(f"image must be 2-D or 3-D; got shape {image.shape}.")
        self.image = np.ascontiguousarray(image)
        h, w = image.shape[:2]
        self.channels = image.shape[2] if image.ndim == 3 else 1
        self.flat = self.image.reshape(h, -1)
        self.rowmap = index_map(h, tuple(pad_rows), boundary)
        self.colmap = index_map(w, tuple(pad_cols), boundary)
        self.kernel_shape = tuple(kernel_shape)
        kh, kw = self.kernel_shape
        self.out_rows = self.rowmap.size - kh + 1
        self.out_cols = self.colmap.size - kw + 1
        if self.out_rows < 1 or self.out_cols < 1:
            raise FiltersError(
                f"the kernel {kh}×{kw} is larger than the extended image "
                f"{self.rowmap.size}×{self.colmap.size}."
            )
        self.dtype = self.image.dtype
        self.cval = self.dtype.type(cval)
        self.out_shape = (self.out_rows, self.out_cols, *image.shape[2:])
        self.plan = plan_tiles(
            self.out_rows, self.out_cols, kh, kw, self.channels, self.dtype.itemsize
        )

    def gather(self, block, origin) -> bool:
        (kh, kw), (th, tw) = self.kernel_shape, self.tile_size(origin)
        return _gather(
            block,
            self.flat,
            self.rowmap,
            self.colmap,
            self.cval,
            origin[0],
            origin[1],
            th + kh - 1,
            tw + kw - 1,
        )

    def tile_size(self, origin) -> tuple[int, int]:
        th, tw = self.plan.tile
        return min(th, self.out_rows - origin[0]), min(tw, self.out_cols - origin[1])

    def new_output(self) -> np.ndarray:
        return np.empty(self.out_shape, dtype=self.dtype)

    def scatter(self, out, planes, origin, column) -> None:
        """Channel planes of a tile's valid rows, from ``column`` on, into the output."""
        th, tw = self.tile_size(origin)
        flat = out.reshape(self.out_rows, -1)
        if len(planes) == 3:
            _scatter3(flat, *planes, origin[0], origin[1], th, tw, column)
            return
        for channel, plane in enumerate(planes):
            _scatter(flat, plane, channel, len(planes), origin[0], origin[1], th, tw, column)


def _inverse_rows(product, fft_shape, first: int, count: int, workers: int) -> list:
    """Rows ``first .. first + count - 1`` of ``irfft2(product, s=fft_shape)``, per channel.

    Uses up ``product`` ((C, F_h, F_w // 2 + 1)). Two 1-D passes: the complex
    inverse along columns (in place), then the complex-to-real inverse along
    rows for the rows kept only, which one ``irfft2`` call cannot skip. In
    double precision the column pass runs about three times faster channel by
    channel than over the (C, ...) stack (pocketfft strides badly through a
    complex128 stack); in single precision the stack is a little faster.
    """
    n = fft_shape[1]
    if product.dtype == np.complex64:
        columns = scipy.fft.ifft(product, axis=-2, overwrite_x=True, workers=workers)
        return list(
            scipy.fft.irfft(columns[:, first : first + count], n=n, axis=-1, workers=workers)
        )
    planes = []
    for channel in product:
        columns = scipy.fft.ifft(channel, axis=0, overwrite_x=True, workers=workers)
        planes.append(
            scipy.fft.irfft(columns[first : first + count], n=n, axis=-1, workers=workers)
        )
    return planes


def _offset(kernel_shape, correlation: bool) -> tuple[int, int]:
    kh, kw = kernel_shape
    return (0, 0) if correlation else (kh - 1, kw - 1)


def convolve_valid_fft(image: np.ndarray, kernel: np.ndarray, **options) -> np.ndarray:
    """Valid convolution (or correlation) of the extended image, through blocked FFTs.

    Keyword arguments as :func:`filters._direct.convolve_valid` (``pad_rows``,
    ``pad_cols``, ``boundary``, ``cval``); ``correlation=True`` correlates with
    ``kernel`` instead (the conjugated spectrum). The image's dtype (float32 or
    float64) sets the precision.
    """
    return blocked(image, kernel, **options)


def blocked(
    image: np.ndarray,
    kernel: np.ndarray,
    *,
    pad_rows=(0, 0),
    pad_cols=(0, 0),
    boundary: str = "constant",
    cval: float = 0.0,
    correlation: bool = False,
) -> np.ndarray:
    """:func:`convolve_valid_fft` itself (the calibration times this, not the public name)."""
    geometry = _Geometry(image, kernel.shape, pad_rows, pad_cols, boundary, cval)
    plan, dtype = geometry.plan, geometry.dtype
    spectrum = kernel_spectrum(kernel, plan.fft_shape, dtype)
    origins = plan.origins()
    out = geometry.new_output()
    offset = _offset(kernel.shape, correlation)
    block_shape = (geometry.channels, *plan.fft_shape)
    one = len(origins) == 1
    workers = _threads.count() if one else 1

    def work(index, scratch) -> bool:
        origin = origins[index]
        block = _scratch(scratch, "block", block_shape, dtype)
        ok = geometry.gather(block, origin)
        transformed = scipy.fft.rfft2(block, workers=workers)
        _multiply(transformed, transformed, spectrum, correlation)
        rows = geometry.tile_size(origin)[0]
        planes = _inverse_rows(transformed, plan.fft_shape, offset[0], rows, workers)
        geometry.scatter(out, planes, origin, offset[1])
        return ok

    if not _threads.run(work, len(origins)):
        raise FiltersError(_NOT_FINITE)
    return out


class BlockSpectra:
    """The spectra of every block of an extended image, for one kernel shape.

    The blocked counterpart of a whole-image spectrum: filtering with a kernel
    then costs one small kernel transform, one product and one inverse
    transform per block, all in cache.
    """

    def __init__(self, image, kernel_shape, *, pad_rows, pad_cols, boundary, cval):
        self.geometry = _Geometry(image, kernel_shape, pad_rows, pad_cols, boundary, cval)
        plan = self.geometry.plan
        self.origins = plan.origins()
        fh, fw = plan.fft_shape
        self.spectra = np.empty(
            (len(self.origins), self.geometry.channels, fh, fw // 2 + 1),
            dtype=_complex(self.geometry.dtype),
        )
        block_shape = (self.geometry.channels, fh, fw)
        workers = _threads.count() if len(self.origins) == 1 else 1

        def work(index, scratch) -> bool:
            block = _scratch(scratch, "block", block_shape, self.geometry.dtype)
            ok = self.geometry.gather(block, self.origins[index])
            self.spectra[index] = scipy.fft.rfft2(block, workers=workers)
            return ok

        if not _threads.run(work, len(self.origins)):
            raise FiltersError(_NOT_FINITE)
        # The image is no longer needed: drop the reference.
        self.geometry.image = self.geometry.flat = None

    @property
    def fft_shape(self) -> tuple[int, int]:
        return self.geometry.plan.fft_shape

    def filter(self, kernel_spectrum: np.ndarray, correlation: bool) -> np.ndarray:
        """The output for a kernel whose spectrum at :attr:`fft_shape` is given."""
        geometry, plan = self.geometry, self.geometry.plan
        out = geometry.new_output()
        offset = _offset(geometry.kernel_shape, correlation)
        workers = _threads.count() if len(self.origins) == 1 else 1

        def work(index, scratch) -> bool:
            product = _scratch(scratch, "product", self.spectra.shape[1:], self.spectra.dtype)
            _multiply(product, self.spectra[index], kernel_spectrum, correlation)
            origin = self.origins[index]
            rows = geometry.tile_size(origin)[0]
            planes = _inverse_rows(product, plan.fft_shape, offset[0], rows, workers)
            geometry.scatter(out, planes, origin, offset[1])
            return True

        _threads.run(work, len(self.origins))
        return out
