"""The fast routes against the oracles: direct (2-D and separable), blocked FFT, auto.

Every route (``filters._direct`` sliding sums that extend rows on the fly, the
blocked overlap-save FFT of ``filters._blockfft`` and the block spectra behind
:class:`filters.ImageSpectrum`) must equal an obviously correct reference,
built here from ``numpy.pad`` and ``scipy.signal.convolve2d``, on every
boundary, output and ``align``, for odd, even and non-square kernels, 1 and 3
channels, float32 and float64, images smaller than the kernel, and tiles that
do not divide the image. float64 results agree to within rounding:
``1e-12 · max|Ĩ| · Σ|K|``.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft
import scipy.ndimage
import scipy.signal

import filters
from filters import FiltersError, ImageSpectrum, _blockfft, _calibrate, _direct, filter2d

BOUNDARIES = ("constant", "reflect", "mirror", "nearest", "wrap")
PAD_MODES = {
    "constant": "constant",
    "reflect": "symmetric",
    "mirror": "reflect",
    "nearest": "edge",
    "wrap": "wrap",
}
OUTPUTS = ("full", "same", "valid")
ALIGNS = ("scipy", "matlab")
RTOL = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 2e-6}
FFT_RTOL = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 2e-5}

# Odd, even, non-square, one row, one column, single tap.
KERNEL_SHAPES = [(3, 3), (4, 4), (2, 5), (5, 2), (1, 4), (3, 1), (1, 1), (7, 6)]


# ----------------------------------------------------------------------------
# The reference
# ----------------------------------------------------------------------------


def reference(image, kernel, boundary, output, cval=0.0, align="scipy", correlation=False):
    """Convolution (or correlation) by numpy.pad and scipy.signal.convolve2d, in float64."""
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if correlation:
        kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape
    h, w = image.shape[:2]
    widths = [(kh - 1, kh - 1), (kw - 1, kw - 1)] + [(0, 0)] * (image.ndim - 2)
    mode = PAD_MODES[boundary]
    if mode == "constant":
        extended = np.pad(image, widths, mode="constant", constant_values=cval)
    else:
        extended = np.pad(image, widths, mode=mode)
    planes = extended if image.ndim == 3 else extended[..., None]
    full = np.stack(
        [
            scipy.signal.convolve2d(planes[..., c], kernel, mode="valid")
            for c in range(planes.shape[2])
        ],
        axis=-1,
    )
    if image.ndim == 2:
        full = full[..., 0]

    def keep(length, k):
        if output == "full":
            return slice(0, length + k - 1)
        if output == "valid":
            return slice(k - 1, length)
        start = k // 2 if align == "matlab" else (k - 1) // 2
        return slice(start, start + length)

    return full[keep(h, kh), keep(w, kw)]


def scale_of(image, kernel, boundary="reflect", cval=0.0):
    largest = float(np.max(np.abs(image)))
    if boundary == "constant":
        largest = max(largest, abs(cval))
    return max(largest, 1e-300) * float(np.sum(np.abs(kernel)))


def assert_close(got, want, rtol, scale, context=""):
    assert got.shape == want.shape, f"{context}: shape {got.shape} != {want.shape}"
    error = float(np.max(np.abs(got.astype(np.float64) - want))) if got.size else 0.0
    assert error <= rtol * scale, f"{context}: error {error:.3g} > {rtol:.0e} · {scale:.3g}"


def applicable(image_shape, kernel_shape, output):
    return output != "valid" or (
        kernel_shape[0] <= image_shape[0] and kernel_shape[1] <= image_shape[1]
    )


def routes():
    """name -> function(image, kernel, convolution, **options), every CPU route."""

    def direct(image, kernel, convolution, **options):
        operation = "convolve" if convolution else "correlate"
        return filter2d(image, kernel, operation=operation, method="direct", **options)

    def fft(image, kernel, convolution, **options):
        function = filters.fft_convolve if convolution else filters.fft_correlate
        return function(image, kernel, **options)

    def spectrum(image, kernel, convolution, **options):
        prepared = ImageSpectrum(image, kernel.shape, **options)
        return prepared.filter(kernel, convolution=convolution)

    def auto(image, kernel, convolution, **options):
        operation = "convolve" if convolution else "correlate"
        return filter2d(image, kernel, operation=operation, method="auto", **options)

    def plain(image, kernel, convolution, **options):
        function = filters.convolve if convolution else filters.correlate
        return function(image, kernel, **options)

    return {"direct": direct, "fft": fft, "spectrum": spectrum, "auto": auto, "plain": plain}


ROUTES = routes()


@pytest.fixture
def small_tiles(monkeypatch):
    """Make the blocked FFT cut every output in tiles of at most ``side × side``."""

    def install(side):
        original = _blockfft.plan_tiles

        def plan(out_rows, out_cols, kh, kw, channels, itemsize):
            counts = (-(-out_rows // side), -(-out_cols // side))
            tile = (-(-out_rows // counts[0]), -(-out_cols // counts[1]))
            fft_shape = tuple(
                scipy.fft.next_fast_len(t + k - 1, real=True)
                for t, k in zip(tile, (kh, kw), strict=True)
            )
            return _blockfft.TilePlan(
                (out_rows, out_cols), (kh, kw), channels, counts, tile, fft_shape
            )

        monkeypatch.setattr(_blockfft, "plan_tiles", plan)
        return original

    return install


# ----------------------------------------------------------------------------
# Every route, every option
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("route", list(ROUTES))
def test_route_matches_reference_everywhere(route, boundary, dtype):
    rng = np.random.default_rng(sum(map(ord, route + boundary)) + np.dtype(dtype).itemsize)
    dtype = np.dtype(dtype)
    function = ROUTES[route]
    rtol = (FFT_RTOL if route in ("fft", "spectrum", "auto") else RTOL)[dtype]
    shapes = [(11, 9), (9, 12, 3), (8, 7, 1)]
    for index, kernel_shape in enumerate(KERNEL_SHAPES):
        image = rng.uniform(-2, 2, shapes[index % len(shapes)])
        kernel = rng.standard_normal(kernel_shape)
        cval = 0.75
        scale = scale_of(image, kernel, boundary, cval)
        for output in OUTPUTS:
            if not applicable(image.shape, kernel_shape, output):
                continue
            for align in ALIGNS if output == "same" else ("scipy",):
                options = dict(
                    boundary=boundary, output=output, cval=cval, dtype=dtype, align=align
                )
                for convolution in (True, False):
                    got = function(image, kernel, convolution, **options)
                    want = reference(image, kernel, boundary, output, cval, align, not convolution)
                    assert got.dtype == dtype
                    context = f"{route} {image.shape} {kernel_shape} {output} {align} {convolution}"
                    assert_close(got, want, rtol, scale, context)


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_images_smaller_than_the_kernel(route, boundary):
    rng = np.random.default_rng(7)
    for image_shape, kernel_shape in [
        ((2, 3), (5, 6)),
        ((1, 1, 3), (4, 3)),
        ((3, 2, 3), (7, 7)),
        ((1, 5), (6, 1)),
    ]:
        image = rng.uniform(-1, 1, image_shape)
        kernel = rng.standard_normal(kernel_shape)
        for output in ("full", "same"):
            for align in ALIGNS:
                options = dict(boundary=boundary, output=output, cval=-0.5, align=align)
                for convolution in (True, False):
                    got = ROUTES[route](image, kernel, convolution, **options)
                    want = reference(image, kernel, boundary, output, -0.5, align, not convolution)
                    assert_close(got, want, 1e-12, scale_of(image, kernel, boundary, -0.5))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_separable_route_matches_reference(boundary, dtype):
    rng = np.random.default_rng(11)
    dtype = np.dtype(dtype)
    for kernel_shape, image_shape in [
        ((3, 3), (13, 11, 3)),
        ((5, 2), (9, 10)),
        ((2, 7), (12, 6, 3)),
        ((6, 6), (4, 5, 3)),  # larger than the image
        ((9, 4), (30, 25)),
    ]:
        kernel = np.outer(
            rng.standard_normal(kernel_shape[0]), rng.standard_normal(kernel_shape[1])
        )
        image = rng.uniform(-1, 1, image_shape)
        for output in OUTPUTS:
            if not applicable(image_shape, kernel_shape, output):
                continue
            for align in ALIGNS if output == "same" else ("scipy",):
                options = dict(boundary=boundary, output=output, cval=2.0, dtype=dtype, align=align)
                for operation in ("convolve", "correlate"):
                    got = filter2d(
                        image, kernel, operation=operation, method="separable", **options
                    )
                    want = reference(
                        image, kernel, boundary, output, 2.0, align, operation == "correlate"
                    )
                    assert_close(got, want, RTOL[dtype], scale_of(image, kernel, boundary, 2.0))


def test_kernels_with_zero_rows_columns_and_taps():
    """Zero taps are skipped and zero taps are added to fill groups: both exact."""
    rng = np.random.default_rng(12)
    image = rng.uniform(-1, 1, (14, 13, 3))
    for count in range(1, 20):  # every remainder of the groups of 8
        kernel = np.zeros((5, 5))
        kernel.flat[rng.choice(25, count, replace=False)] = rng.standard_normal(count)
        for boundary in BOUNDARIES:
            got = filter2d(image, kernel, method="direct", boundary=boundary, cval=1.5)
            want = reference(image, kernel, boundary, "same", 1.5)
            assert_close(got, want, 1e-12, scale_of(image, kernel, boundary, 1.5), f"{count}")
    padded = np.zeros((6, 5))
    padded[1:3, 1:4] = rng.standard_normal((2, 3))  # zero first and last rows and columns
    for output in OUTPUTS:
        got = filter2d(image, padded, method="direct", output=output, boundary="wrap")
        assert_close(got, reference(image, padded, "wrap", output), 1e-12, scale_of(image, padded))
    zero = filter2d(image, np.zeros((3, 4)), method="direct", boundary="constant", cval=5.0)
    np.testing.assert_array_equal(zero, np.zeros_like(image))


# ----------------------------------------------------------------------------
# Blocks and tiles
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("side", [1, 3, 7, 16])
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_block_fft_at_tile_edges(small_tiles, side, boundary):
    """Tiles that do not divide the output, down to one pixel: the same result."""
    small_tiles(side)
    rng = np.random.default_rng(side)
    for image_shape, kernel_shape in [
        ((23, 17, 3), (5, 4)),
        ((19, 31), (3, 8)),
        ((5, 4, 3), (6, 7)),
    ]:
        image = rng.uniform(-1, 1, image_shape)
        kernel = rng.standard_normal(kernel_shape)
        scale = scale_of(image, kernel, boundary, 0.3)
        for output in OUTPUTS:
            if not applicable(image_shape, kernel_shape, output):
                continue
            options = dict(boundary=boundary, output=output, cval=0.3)
            for convolution in (True, False):
                want = reference(image, kernel, boundary, output, 0.3, "scipy", not convolution)
                got = ROUTES["fft"](image, kernel, convolution, **options)
                assert_close(got, want, 1e-12, scale, f"fft {image_shape} {output}")
                got = ROUTES["spectrum"](image, kernel, convolution, **options)
                assert_close(got, want, 1e-12, scale, f"spectrum {image_shape} {output}")


def test_tile_plans_cover_the_output_and_fit_the_kernel():
    for out_rows, out_cols, kh, kw in [
        (1024, 1024, 31, 31),
        (2048, 2048, 63, 63),
        (1000, 37, 5, 15),
        (1, 1, 1, 1),
        (7, 3000, 9, 2),
    ]:
        for itemsize in (4, 8):
            plan = _blockfft.plan_tiles(out_rows, out_cols, kh, kw, 3, itemsize)
            (ny, nx), (th, tw), (fh, fw) = plan.counts, plan.tile, plan.fft_shape
            assert (ny - 1) * th < out_rows <= ny * th
            assert (nx - 1) * tw < out_cols <= nx * tw
            assert fh >= th + kh - 1 and fw >= tw + kw - 1
            assert scipy.fft.next_fast_len(fh, real=True) == fh
            assert scipy.fft.next_fast_len(fw, real=True) == fw
            assert len(plan.origins()) == plan.tiles == ny * nx
            assert plan.units() > 0


def test_large_image_blocks_stay_cache_sized():
    plan = _blockfft.plan_tiles(2048, 2048, 31, 31, 3, 8)
    assert plan.tiles > 1
    assert 3 * plan.fft_shape[0] * plan.fft_shape[1] * 8 <= _blockfft._MAX_BLOCK_BYTES


def test_kernel_spectra_are_reused_and_read_only(monkeypatch):
    calls = []
    original = scipy.fft.rfft2

    def spy(x, *args, **kwargs):
        calls.append(np.shape(x))
        return original(x, *args, **kwargs)

    monkeypatch.setattr(scipy.fft, "rfft2", spy)
    kernel = np.random.default_rng(3).standard_normal((5, 5))
    first = _blockfft.kernel_spectrum(kernel, (32, 30), np.float64)
    again = _blockfft.kernel_spectrum(kernel.copy(), (32, 30), np.float64)
    assert again is first and calls == [(5, 5)]
    assert not first.flags.writeable
    single = _blockfft.kernel_spectrum(kernel, (32, 30), np.float32)
    assert single.dtype == np.complex64 and len(calls) == 2
    other = _blockfft.kernel_spectrum(kernel * 2, (32, 30), np.float64)
    np.testing.assert_allclose(other, 2 * first, rtol=1e-13, atol=1e-13)


def test_image_spectrum_keeps_its_public_api_on_the_cpu():
    rng = np.random.default_rng(4)
    image = rng.uniform(-1, 1, (40, 33, 3))
    kernel = rng.standard_normal((6, 5))
    for dtype in (np.float64, np.float32):
        prepared = ImageSpectrum(image, kernel.shape, boundary="mirror", dtype=dtype)
        fast = tuple(scipy.fft.next_fast_len(n, real=True) for n in prepared.plan.padded_shape)
        assert prepared.fft_shape == fast
        assert prepared.spectrum.shape == (3, fast[0], fast[1] // 2 + 1)
        assert prepared.kernel_spectrum(kernel).shape == (fast[0], fast[1] // 2 + 1)
        # The whole-image spectrum still gives the answer through the theorem.
        whole = prepared._from_kernel_spectrum(prepared.kernel_spectrum(kernel), True)
        blocked = prepared.convolve(kernel)
        tol = 1e-12 if dtype == np.float64 else 2e-5
        assert_close(blocked, whole.astype(np.float64), tol, scale_of(image, kernel))
        conv, corr = prepared.convolve_and_correlate(kernel)
        np.testing.assert_array_equal(conv, blocked)
        np.testing.assert_array_equal(corr, prepared.correlate(kernel))


# ----------------------------------------------------------------------------
# NaN and infinities are found while the image is read
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("route", ["direct", "fft", "spectrum", "auto", "separable"])
def test_non_finite_values_are_refused_by_every_route(route, bad, small_tiles):
    small_tiles(5)
    rng = np.random.default_rng(5)
    rank_one = np.outer(rng.standard_normal(3), rng.standard_normal(4))
    for shape, where in [((12, 10, 3), (0, 0, 0)), ((12, 10, 3), (11, 9, 2)), ((9, 14), (4, 7))]:
        for output in OUTPUTS:
            image = rng.uniform(-1, 1, shape)
            image[where] = bad
            for boundary in ("constant", "wrap", "reflect"):
                options = dict(boundary=boundary, output=output)
                with pytest.raises(FiltersError, match="image") as raised:
                    if route == "separable":
                        filter2d(image, rank_one, method="separable", **options)
                    else:
                        ROUTES[route](image, rank_one, True, **options)
                assert "NaN or infinite" in str(raised.value)


def test_a_kernel_with_zero_edge_rows_still_checks_every_image_row():
    image = np.ones((10, 8))
    image[-1, 3] = np.nan
    kernel = np.zeros((4, 3))
    kernel[0, 1] = 1.0  # only the first row of taps is non-zero
    for method in ("direct", "fft"):
        with pytest.raises(FiltersError, match="NaN"):
            filter2d(image, kernel, method=method, output="valid")


# ----------------------------------------------------------------------------
# Layout and dtypes
# ----------------------------------------------------------------------------


def test_non_contiguous_and_integer_images():
    rng = np.random.default_rng(6)
    base = rng.integers(0, 255, (30, 40, 4)).astype(np.uint8)
    views = [base[::2, 1::3, :3], base[..., 1], np.asfortranarray(base[..., :3])]
    kernel = rng.standard_normal((4, 5))
    for image in views:
        for route in ("direct", "fft", "spectrum"):
            got = ROUTES[route](image, kernel, True, boundary="nearest")
            want = reference(image, kernel, "nearest", "same")
            assert_close(got, want, 1e-12, scale_of(image, kernel), route)


def test_more_rows_than_one_block_and_many_channels():
    rng = np.random.default_rng(8)
    image = rng.uniform(-1, 1, (150, 37, 5))
    for kernel in (rng.standard_normal((7, 3)), np.outer(rng.standard_normal(9), np.ones(2))):
        for method in ("direct", "fft", "auto"):
            got = filter2d(image, kernel, method=method, boundary="mirror", output="full")
            want = reference(image, kernel, "mirror", "full")
            assert_close(got, want, 1e-12, scale_of(image, kernel), method)


def test_direct_module_still_convolves_already_extended_images():
    rng = np.random.default_rng(9)
    padded = rng.uniform(-1, 1, (20, 16, 3))
    kernel = rng.standard_normal((5, 4))
    want = np.stack(
        [scipy.signal.convolve2d(padded[..., c], kernel, mode="valid") for c in range(3)], -1
    )
    assert_close(_direct.convolve_valid(padded, kernel), want, 1e-12, scale_of(padded, kernel))
    column, row = rng.standard_normal(5), rng.standard_normal(4)
    want = np.stack(
        [
            scipy.signal.convolve2d(padded[..., c], np.outer(column, row), mode="valid")
            for c in range(3)
        ],
        -1,
    )
    got = _direct.convolve_valid_separable(padded, column, row)
    assert_close(got, want, 1e-12, scale_of(padded, np.outer(column, row)))


def test_float32_results_are_float32_and_close():
    rng = np.random.default_rng(10)
    image = rng.uniform(0, 1, (64, 48, 3)).astype(np.float32)
    kernel = rng.standard_normal((15, 15))
    want = reference(image, kernel, "reflect", "same")
    for method in ("direct", "fft", "auto"):
        got = filter2d(image, kernel, method=method, dtype=np.float32)
        assert got.dtype == np.float32
        assert_close(got, want, 2e-5, scale_of(image, kernel), method)


def test_rank_one_choice_follows_the_calibration(monkeypatch):
    """A rank-1 kernel goes through two passes only when they are estimated faster."""
    calls = []
    original = _direct.convolve_valid_separable

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(_direct, "convolve_valid_separable", spy)
    base = _calibrate.current(np.float64)
    image = np.random.default_rng(1).uniform(size=(20, 20))
    kernel = np.outer([1.0, 2.0, 1.0], [1.0, 0.5, -1.0])
    try:
        cheap = _calibrate.Calibration("float64", (1e-9, 1e-9), (1e-12, 1e-12), 1.0, {})
        _calibrate.use(cheap)
        filters.convolve(image, kernel)
        assert calls == [1]
        dear = _calibrate.Calibration("float64", (1e-12, 1e-12), (1e-6, 1e-6), 1.0, {})
        _calibrate.use(dear)
        got = filters.convolve(image, kernel)
        assert calls == [1]
        assert_close(
            got, reference(image, kernel, "reflect", "same"), 1e-12, scale_of(image, kernel)
        )
    finally:
        _calibrate.use(base)


def test_scipy_ndimage_agrees_on_a_colour_image():
    """The contract's own equivalence, on the fast routes: correlate same == ndimage."""
    rng = np.random.default_rng(13)
    image = rng.uniform(0, 1, (70, 90, 3))
    for k in (3, 4, 9):
        kernel = rng.standard_normal((k, k + 1))
        want = scipy.ndimage.correlate(image, kernel[:, :, None], mode="mirror")
        for method in ("direct", "fft"):
            got = filter2d(image, kernel, operation="correlate", method=method, boundary="mirror")
            assert_close(got, want, 1e-12, scale_of(image, kernel), f"{method} {k}")


def test_overflowing_sums_of_a_finite_image_are_not_refused():
    """Outputs that overflow to inf come from a finite image: no error, as before."""
    image = np.full((12, 10, 3), 1e308)
    kernel = np.full((3, 3), 2.0)
    for method in ("direct", "separable"):
        got = filter2d(image, kernel, method=method)
        assert np.isinf(got).all()


def test_a_nan_only_an_edge_strip_holds_is_still_found():
    """A single tap in a corner leaves image rows and columns no output reads."""
    kernel = np.zeros((5, 5))
    kernel[0, 0] = 1.0
    for where in [(0, 3), (11, 3), (4, 0), (4, 9)]:
        image = np.ones((12, 10))
        image[where] = np.nan
        for boundary in ("constant", "nearest"):
            with pytest.raises(FiltersError, match="NaN"):
                filter2d(image, kernel, method="direct", boundary=boundary, output="same")
