"""Large images in bounded memory: compact decoding and the comparison in strips."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from PIL import Image

import filters
from filters import images

RNG = np.random.default_rng(20261202)


def _encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def _sources():
    pixels = RNG.integers(0, 256, (23, 31, 4), dtype=np.uint8)
    yield "RGB", _encoded(Image.fromarray(pixels[..., :3]), "PNG")
    yield "L", _encoded(Image.fromarray(pixels[..., 0]), "PNG")
    yield "RGBA", _encoded(Image.fromarray(pixels), "PNG")
    yield "LA", _encoded(Image.fromarray(pixels[..., 0]).convert("LA"), "PNG")
    yield "P", _encoded(Image.fromarray(pixels[..., :3]).convert("P"), "PNG")
    yield "1", _encoded(Image.fromarray(pixels[..., 0]).convert("1"), "PNG")
    yield "CMYK", _encoded(Image.fromarray(pixels[..., :3]).convert("CMYK"), "TIFF")
    sixteen = RNG.integers(0, 65536, (23, 31), dtype=np.uint16)
    yield "I;16", _encoded(Image.fromarray(sixteen), "TIFF")
    yield "I", _encoded(Image.fromarray(sixteen).convert("I"), "TIFF")


@pytest.mark.parametrize(("mode", "data"), list(_sources()), ids=lambda v: str(v)[:6])
def test_compact_is_exactly_load_image(mode, data):
    compact = images.load_compact(data)
    assert compact.dtype in (np.uint8, np.uint16)
    np.testing.assert_array_equal(images.compact_to_float(compact), images.load_image(data))


def test_compact_float_source_keeps_values_to_float32():
    values = RNG.random((9, 11)).astype(np.float32) * 4 - 1
    data = _encoded(Image.fromarray(values, mode="F"), "TIFF")
    compact = images.load_compact(data)
    assert compact.dtype == np.float32
    np.testing.assert_allclose(images.compact_to_float(compact), images.load_image(data), atol=1e-6)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_decoding_to_a_working_size_keeps_at_least_that_size(fmt):
    picture = Image.fromarray(RNG.integers(0, 256, (900, 1400, 3), dtype=np.uint8))
    data = _encoded(picture, fmt)
    reduced = images.load_compact(data, long_side=256)
    assert reduced.dtype == np.uint8
    assert 256 <= max(reduced.shape[:2]) < 1400 // 2 + 1
    assert reduced.shape[1] / reduced.shape[0] == pytest.approx(1400 / 900, rel=0.02)
    assert images.load_compact(data, long_side=5000).shape == (900, 1400, 3)


def test_compact_refuses_what_load_image_refuses():
    with pytest.raises(filters.ImageLoadError):
        images.load_compact(b"not an image")
    with pytest.raises(filters.ImageLoadError, match="limit"):
        images.load_compact(_encoded(Image.new("L", (100, 100)), "PNG"), max_pixels=50)


CASES = list(
    itertools.product(
        [(37, 29, 3), (50, 41)],
        [(5, 5), (4, 3), (1, 6)],
        list(filters.BOUNDARIES),
        filters.OUTPUTS,
        [np.float64, np.float32],
        [1, 3],
        [2_000, 10**9],
    )
)


@pytest.mark.parametrize(
    ("shape", "kernel_shape", "boundary", "output", "dtype", "scale", "strip_bytes"), CASES
)
def test_strips_equal_the_whole_comparison(
    shape, kernel_shape, boundary, output, dtype, scale, strip_bytes
):
    rng = np.random.default_rng(abs(hash((shape, kernel_shape, boundary, output))) % 2**32)
    image = rng.random(shape)
    kernel = rng.standard_normal(kernel_shape)
    options = dict(boundary=boundary, output=output, dtype=dtype, cval=0.3)
    whole = filters.compare(image, kernel, **options)
    strips = filters.compare_in_strips(
        image, kernel, scale=scale, strip_bytes=strip_bytes, **options
    )
    atol = 1e-12 if dtype == np.float64 else 1e-5
    pairs = [
        (whole.convolution, strips.convolution),
        (whole.correlation, strips.correlation),
        (whole.fft, strips.fft),
        (whole.conv_minus_corr.map, strips.conv_minus_corr.map),
        (whole.conv_minus_fft.map, strips.conv_minus_fft.map),
        (whole.predicted_difference, strips.predicted_difference),
    ]
    for full, reduced in pairs:
        np.testing.assert_allclose(filters.block_means(full, scale), reduced, rtol=0, atol=atol)
    rel = 1e-9 if dtype == np.float64 else 1e-4
    a, b = whole.conv_minus_corr, strips.conv_minus_corr
    assert b.max_abs == pytest.approx(a.max_abs, rel=rel, abs=1e-300)
    assert b.rms == pytest.approx(a.rms, rel=rel, abs=1e-300)
    assert b.psnr == pytest.approx(a.psnr, rel=rel)
    # The FFT's rounding depends on the transform sizes, which differ per strip.
    assert strips.fft_within_tolerance and whole.fft_within_tolerance
    assert strips.prediction_error <= strips.fft_tolerance
    assert strips.fft_tolerance == pytest.approx(whole.fft_tolerance)
    assert strips.output_shape == whole.output_shape
    assert strips.scale == scale
    assert strips.verdict()[0].split(":")[0] == whole.verdict()[0].split(":")[0]


def test_strips_read_a_compact_image_through_the_converter():
    pixels = RNG.integers(0, 256, (40, 33, 3), dtype=np.uint8)
    kernel = filters.kernels.make("emboss")
    whole = filters.compare(pixels / 255.0, kernel)
    strips = filters.compare_in_strips(
        pixels, kernel, rows_to_float=images.compact_to_float, strip_bytes=3_000
    )
    np.testing.assert_allclose(strips.convolution, whole.convolution, atol=1e-12)


def test_strips_report_progress_and_can_be_stopped():
    seen = []

    def progress(fraction):
        seen.append(fraction)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        filters.compare_in_strips(
            RNG.random((64, 20)), np.ones((3, 3)), strip_bytes=800, progress=progress
        )
    assert seen == sorted(seen) and 0 < seen[0] < seen[-1] < 1


def test_comparison_bytes_grows_with_the_image():
    small = filters.comparison_bytes((100, 100, 3), (5, 5))
    large = filters.comparison_bytes((1000, 1000, 3), (5, 5))
    assert large == pytest.approx(100 * small, rel=0.01)
    assert filters.comparison_bytes((100, 100), (5, 5), dtype=np.float32) > 0
