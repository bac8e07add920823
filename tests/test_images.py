"""Tests for filters.images: loading every kind of file, refusing bad ones, display helpers."""

from __future__ import annotations

import ast
import io
import struct
import sys
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from filters import images
from filters._errors import FiltersError, ImageLoadError
from filters.images import (
    LUMA_WEIGHTS,
    encode_png,
    image_info,
    load_image,
    resize_long_side,
    to_grey,
    to_uint8,
)

# --------------------------------------------------------------------------
# Helpers


def encode(image: Image.Image, image_format: str = "PNG", **params) -> bytes:
    """Save a Pillow image to bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **params)
    return buffer.getvalue()


def rgb_pixels() -> np.ndarray:
    """A 2 × 3 RGB test image with distinct pixels."""
    return np.array(
        [
            [[255, 0, 0], [0, 255, 0], [0, 0, 255]],
            [[0, 0, 0], [255, 255, 255], [10, 100, 200]],
        ],
        dtype=np.uint8,
    )


def png_with_size(width: int, height: int) -> bytes:
    """A valid small PNG whose IHDR chunk is patched to claim ``width`` × ``height``."""
    data = bytearray(encode(Image.new("RGB", (4, 4), "red")))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


# --------------------------------------------------------------------------
# Modes and formats


def test_rgb_png_gives_exact_float_values():
    pixels = rgb_pixels()
    result = load_image(encode(Image.fromarray(pixels)))
    assert result.shape == (2, 3, 3)
    assert result.dtype == np.float64
    assert result.flags.c_contiguous and result.flags.writeable
    np.testing.assert_array_equal(result, pixels / 255.0)


def test_greyscale_png_gives_2d():
    pixels = np.array([[0, 51, 255], [102, 204, 153]], dtype=np.uint8)
    result = load_image(encode(Image.fromarray(pixels)))
    assert result.shape == (2, 3)
    np.testing.assert_array_equal(result, pixels / 255.0)


def test_bilevel_png_gives_2d_zeros_and_ones():
    image = Image.new("1", (3, 2), 0)
    image.putpixel((1, 0), 1)
    result = load_image(encode(image))
    np.testing.assert_array_equal(result, [[0, 1, 0], [0, 0, 0]])


def test_rgba_is_composited_over_white():
    pixels = np.array(
        [[[255, 0, 0, 0], [255, 0, 0, 128], [255, 0, 0, 255], [0, 0, 0, 0]]], dtype=np.uint8
    )
    result = load_image(encode(Image.fromarray(pixels)))
    assert result.shape == (1, 4, 3)
    half = 1 - 128 / 255
    np.testing.assert_allclose(result[0, 0], [1, 1, 1])  # transparent red is white
    np.testing.assert_allclose(result[0, 1], [1, half, half])  # half-way to red
    np.testing.assert_allclose(result[0, 2], [1, 0, 0])  # opaque red stays red
    np.testing.assert_allclose(result[0, 3], [1, 1, 1])  # transparent black is white


def test_la_is_composited_over_white_and_stays_2d():
    image = Image.new("LA", (3, 1))
    image.putpixel((0, 0), (0, 0))
    image.putpixel((1, 0), (0, 128))
    image.putpixel((2, 0), (0, 255))
    result = load_image(encode(image))
    assert result.shape == (1, 3)
    np.testing.assert_allclose(result[0], [1, 1 - 128 / 255, 0])


def test_palette_with_transparency_is_composited_over_white():
    image = Image.new("P", (2, 1))
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * (254 * 3))
    image.putpixel((0, 0), 0)
    image.putpixel((1, 0), 1)
    data = encode(image, transparency=0)  # palette entry 0 (red) is transparent
    assert Image.open(io.BytesIO(data)).mode == "P"
    result = load_image(data)
    assert result.shape == (1, 2, 3)
    np.testing.assert_allclose(result[0, 0], [1, 1, 1])
    np.testing.assert_allclose(result[0, 1], [0, 0, 1])


def test_palette_image_with_colour_gives_3d_and_grey_palette_gives_2d():
    colour = Image.fromarray(rgb_pixels()).convert("P", palette=Image.Palette.ADAPTIVE)
    assert colour.mode == "P"
    np.testing.assert_allclose(load_image(encode(colour)), rgb_pixels() / 255.0, atol=2 / 255)

    grey = Image.new("P", (2, 1))
    grey.putpalette([level for value in range(256) for level in (value, value, value)])
    grey.putpixel((0, 0), 30)
    grey.putpixel((1, 0), 200)
    result = load_image(encode(grey))
    assert result.shape == (1, 2)
    np.testing.assert_allclose(result, [[30 / 255, 200 / 255]])


def test_cmyk_tiff_is_converted_to_rgb():
    image = Image.new("CMYK", (2, 1))
    image.putpixel((0, 0), (0, 255, 255, 0))  # red
    image.putpixel((1, 0), (0, 0, 0, 0))  # white
    result = load_image(encode(image, "TIFF"))
    assert result.shape == (1, 2, 3)
    np.testing.assert_allclose(result[0], [[1, 0, 0], [1, 1, 1]])


def test_cmyk_jpeg_is_converted_to_rgb():
    data = encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    result = load_image(data)
    assert result.shape == (16, 16, 3)
    mean = result.mean(axis=(0, 1))
    assert mean[0] > 0.9 and mean[1] < 0.1 and mean[2] < 0.1


def test_16_bit_png_is_scaled_by_65535():
    pixels = np.array([[0, 32768, 65535]], dtype=np.uint16)
    data = encode(Image.fromarray(pixels))
    assert Image.open(io.BytesIO(data)).mode.startswith("I;16")
    result = load_image(data)
    assert result.shape == (1, 3)
    assert result[0, 0] == 0.0
    assert result[0, 1] == pytest.approx(0.5, abs=1e-4)
    assert result[0, 2] == 1.0


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0, 1000, 65535], [0, 1000 / 65535, 1]),  # 16-bit data in a 32-bit container
        ([0, 100_000, 2**31 - 1], [0, 100_000 / (2**31 - 1), 1]),  # full 32-bit range
        ([-10, 0, 30], [0, 0.25, 1]),  # negative values: rescaled min..max
    ],
)
def test_32_bit_integer_tiff_scaling_rule(values, expected):
    data = encode(Image.fromarray(np.array([values], dtype=np.int32)), "TIFF")
    assert Image.open(io.BytesIO(data)).mode == "I"
    result = load_image(data)
    assert result.shape == (1, 3)
    np.testing.assert_allclose(result[0], expected)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.0, 0.25, 1.0], [0.0, 0.25, 1.0]),  # already in [0, 1]: kept
        ([-1.0, 0.0, 3.0], [0.0, 0.25, 1.0]),  # otherwise rescaled min..max
        ([np.nan, 0.5, np.inf], [0.0, 0.5, 1.0]),  # NaN -> 0, +inf -> 1
    ],
)
def test_float_tiff_scaling_rule(values, expected):
    data = encode(Image.fromarray(np.array([values], dtype=np.float32)), "TIFF")
    assert Image.open(io.BytesIO(data)).mode == "F"
    np.testing.assert_allclose(load_image(data)[0], expected)


@pytest.mark.parametrize(
    ("orientation", "expected"), [(6, [[4, 1], [5, 2], [6, 3]]), (8, [[3, 6], [2, 5], [1, 4]])]
)
def test_exif_orientation_is_applied(orientation, expected):
    stored = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8) * 40  # 2 high, 3 wide
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(Image.fromarray(stored), exif=exif)
    result = load_image(data)
    assert result.shape == (3, 2)
    np.testing.assert_array_equal(result, np.array(expected) * 40 / 255.0)
    info = image_info(data)
    assert (info["width"], info["height"]) == (2, 3)


@pytest.mark.parametrize(
    ("image_format", "params"),
    [("GIF", {}), ("PNG", {}), ("WEBP", {"lossless": True})],
)
def test_animated_file_gives_first_frame(image_format, params):
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = [Image.new("RGB", (4, 4), colour) for colour in colours]
    data = encode(
        frames[0], image_format, save_all=True, append_images=frames[1:], duration=100, **params
    )
    info = image_info(data)
    assert info["frames"] == 3 and info["animated"]
    result = load_image(data)
    assert result.shape == (4, 4, 3)
    np.testing.assert_allclose(result, np.broadcast_to([1.0, 0.0, 0.0], (4, 4, 3)), atol=2 / 255)


def test_image_info_does_not_decode_pixels(monkeypatch):
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.format))
    exif = Image.Exif()
    exif[0x0112] = 6
    frames = [Image.new("RGB", (4, 2), colour) for colour in ("red", "blue")]
    for data in [
        encode(Image.new("RGB", (4, 2))),
        encode(Image.new("RGB", (4, 2)), exif=exif),
        encode(Image.new("RGB", (4, 2)), "JPEG", exif=exif),
        encode(frames[0], "GIF", save_all=True, append_images=frames[1:]),
    ]:
        info = image_info(data)
        assert {info["width"], info["height"]} == {2, 4}
    assert decoded == []


def test_image_info_reports_header_fields():
    info = image_info(encode(Image.new("RGBA", (5, 3))))
    assert info == {
        "format": "PNG",
        "mode": "RGBA",
        "width": 5,
        "height": 3,
        "frames": 1,
        "animated": False,
    }


# --------------------------------------------------------------------------
# Sources


def test_path_and_file_object_sources(tmp_path):
    data = encode(Image.fromarray(rgb_pixels()))
    path = tmp_path / "picture.png"
    path.write_bytes(data)
    expected = rgb_pixels() / 255.0
    np.testing.assert_array_equal(load_image(path), expected)
    np.testing.assert_array_equal(load_image(str(path)), expected)
    with path.open("rb") as stream:
        np.testing.assert_array_equal(load_image(stream), expected)
    np.testing.assert_array_equal(load_image(io.BytesIO(data)), expected)
    np.testing.assert_array_equal(load_image(bytearray(data)), expected)
    np.testing.assert_array_equal(load_image(memoryview(data)), expected)


def test_nonexistent_path_is_refused(tmp_path):
    missing = tmp_path / "nowhere.png"
    with pytest.raises(ImageLoadError, match="no file") as caught:
        load_image(missing)
    assert str(missing) in str(caught.value)


def test_directory_is_refused(tmp_path):
    with pytest.raises(ImageLoadError, match="folder"):
        load_image(tmp_path)


@pytest.mark.parametrize("source", [42, None, 3.5, ["a.png"]])
def test_wrong_source_type_names_the_argument(source):
    with pytest.raises(ImageLoadError, match="source") as caught:
        load_image(source)
    assert isinstance(caught.value, FiltersError)


def test_text_mode_file_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with path.open() as stream, pytest.raises(ImageLoadError, match="binary mode"):
        load_image(stream)


# --------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize("source", [b"", bytearray(), io.BytesIO(b"")])
def test_empty_input_is_refused(source):
    with pytest.raises(ImageLoadError, match="The file is empty"):
        load_image(source)


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "blank.png"
    path.touch()
    with pytest.raises(ImageLoadError, match="The file is empty"):
        load_image(path)


@pytest.mark.parametrize(
    "data",
    [
        bytes(np.random.default_rng(1).integers(0, 256, 2000, dtype=np.uint8)),
        b"This is a plain text file, not a picture.\n" * 10,
    ],
)
def test_non_image_data_is_refused(data):
    with pytest.raises(ImageLoadError, match="is not an image Pillow can read; use PNG"):
        load_image(data)


def test_non_image_file_is_named_in_the_message(tmp_path):
    path = tmp_path / "letter.txt"
    path.write_text("Dear reader,\n")
    with pytest.raises(ImageLoadError, match=r"'letter\.txt' is not an image"):
        load_image(path)


def test_formats_that_run_external_programs_are_not_opened():
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"
    with pytest.raises(ImageLoadError, match="not an image"):
        load_image(eps)


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_truncated_file_is_refused(image_format):
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    data = encode(Image.fromarray(noise), image_format)
    with pytest.raises(ImageLoadError, match="truncated or corrupt"):
        load_image(data[: len(data) // 2])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_header_bomb_is_refused_quickly_without_decoding(monkeypatch):
    decoded = []
    original_load = ImageFile.ImageFile.load

    def spying_load(self):
        decoded.append(self.size)
        return original_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spying_load)
    for width, height in [(60_000, 60_000), (7_000, 7_000)]:
        start = time.perf_counter()
        with pytest.raises(ImageLoadError, match="limit of 40,000,000 pixels"):
            load_image(png_with_size(width, height))
        assert time.perf_counter() - start < 0.5
    assert decoded == []


def test_own_pixel_limit_message_gives_the_size():
    with pytest.raises(ImageLoadError, match=r"7,000 × 7,000 = 49,000,000 pixels"):
        load_image(png_with_size(7_000, 7_000))


def test_max_pixels_is_honoured():
    data = encode(Image.new("L", (4, 4)))
    assert load_image(data, max_pixels=16).shape == (4, 4)
    with pytest.raises(ImageLoadError, match="limit of 15 pixels"):
        load_image(data, max_pixels=15)


@pytest.mark.parametrize("max_pixels", [0, -5, 2.5, "many", True])
def test_bad_max_pixels_is_refused(max_pixels):
    with pytest.raises(ImageLoadError, match="max_pixels"):
        load_image(encode(Image.new("L", (4, 4))), max_pixels=max_pixels)


def test_pillow_bomb_warning_becomes_a_refusal_without_leaking_state():
    limit_before = Image.MAX_IMAGE_PIXELS
    data = png_with_size(10_000, 10_000)  # between Pillow's warning and error thresholds
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        filters_before = list(warnings.filters)
        with pytest.raises(ImageLoadError, match="too large"):
            load_image(data, max_pixels=500_000_000)
        assert warnings.filters == filters_before
    assert not [warning for warning in caught if warning.category is Image.DecompressionBombWarning]
    assert limit_before == Image.MAX_IMAGE_PIXELS


def test_zero_size_is_refused(monkeypatch):
    with pytest.raises(ImageLoadError):
        load_image(png_with_size(0, 0))  # Pillow itself will not identify it
    monkeypatch.setattr(images.Image, "open", lambda *args, **kwargs: Image.new("L", (0, 0)))
    with pytest.raises(ImageLoadError, match="zero size"):
        load_image(b"any bytes")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    position=st.integers(min_value=0, max_value=10_000),
    replacement=st.binary(min_size=1, max_size=16),
    cut=st.booleans(),
)
def test_corrupted_png_never_leaks_a_pillow_exception(position, replacement, cut):
    data = bytearray(encode(Image.fromarray(rgb_pixels()).resize((16, 16))))
    position %= len(data)
    if cut:
        data = data[:position]
    else:
        data[position : position + len(replacement)] = replacement
    try:
        result = load_image(bytes(data))
    except ImageLoadError:
        return
    assert result.dtype == np.float64
    assert result.min() >= 0.0 and result.max() <= 1.0


# --------------------------------------------------------------------------
# Display helpers


def test_to_uint8_clip():
    result = to_uint8(np.array([[-0.5, 0.0, 0.5, 1.0, 2.0, np.nan]]))
    assert result.dtype == np.uint8
    np.testing.assert_array_equal(result, [[0, 0, 128, 255, 255, 0]])


def test_to_uint8_rescale_uses_global_min_and_max():
    values = np.array([[[-1.0, 0.0, 1.0]]])
    np.testing.assert_array_equal(to_uint8(values, mode="rescale"), [[[0, 128, 255]]])
    np.testing.assert_array_equal(to_uint8(np.full((2, 2), 7.0), mode="rescale"), 0)
    np.testing.assert_array_equal(
        to_uint8(np.array([[2.0, 4.0, np.inf]]), mode="rescale"), [[0, 255, 255]]
    )


def test_to_uint8_keeps_uint8_pixels_as_a_copy():
    pixels = rgb_pixels()
    result = to_uint8(pixels)
    np.testing.assert_array_equal(result, pixels)
    assert not np.shares_memory(result, pixels)


@pytest.mark.parametrize(
    ("array", "mode", "match"),
    [
        (np.zeros((2, 2)), "stretch", "mode"),
        (np.zeros(5), "clip", "shape"),
        (np.zeros((0, 3)), "clip", "empty"),
        (np.zeros((2, 2), dtype=complex), "clip", "real"),
    ],
)
def test_to_uint8_refuses_bad_arguments(array, mode, match):
    with pytest.raises(FiltersError, match=match):
        to_uint8(array, mode=mode)


@pytest.mark.parametrize(
    ("shape", "pil_mode"),
    [((5, 7), "L"), ((5, 7, 1), "L"), ((5, 7, 3), "RGB"), ((5, 7, 4), "RGBA")],
)
def test_encode_png_round_trips_through_pillow(shape, pil_mode):
    values = np.random.default_rng(2).random(shape)
    png = encode_png(values)
    decoded = Image.open(io.BytesIO(png))
    assert decoded.format == "PNG" and decoded.mode == pil_mode
    pixels = np.asarray(decoded)
    np.testing.assert_array_equal(pixels, to_uint8(values).reshape(pixels.shape))


def test_encode_png_round_trips_through_load_image():
    values = np.random.default_rng(3).random((6, 4, 3))
    np.testing.assert_allclose(load_image(encode_png(values)), values, atol=0.5 / 255 + 1e-12)
    pixels = rgb_pixels()
    np.testing.assert_array_equal(load_image(encode_png(pixels)), pixels / 255.0)


def test_encode_png_refuses_two_channels():
    with pytest.raises(FiltersError, match="channels"):
        encode_png(np.zeros((3, 3, 2)))


def test_to_grey_uses_bt601_weights():
    primaries = np.array([[[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [1.0, 1.0, 1.0]]])
    np.testing.assert_allclose(to_grey(primaries), [[0.299, 0.587, 0.114, 1.0]])
    assert LUMA_WEIGHTS == (0.299, 0.587, 0.114)


def test_to_grey_matches_pillow_greyscale_conversion():
    pixels = np.random.default_rng(4).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    pillow_grey = np.asarray(Image.fromarray(pixels).convert("L")) / 255.0
    np.testing.assert_allclose(to_grey(pixels / 255.0), pillow_grey, atol=1 / 255)


def test_to_grey_passes_2d_through_and_refuses_other_shapes():
    grey = np.random.default_rng(5).random((4, 5))
    assert to_grey(grey) is grey
    with pytest.raises(FiltersError, match="shape"):
        to_grey(np.zeros((4, 5, 4)))


def test_resize_long_side_shrinks_to_the_requested_long_side():
    colour = np.random.default_rng(6).random((600, 512, 3))
    result = resize_long_side(colour, 256)
    assert result.shape == (256, 218, 3)
    assert result.dtype == np.float64
    assert result.min() >= 0.0 and result.max() <= 1.0
    assert result.mean() == pytest.approx(colour.mean(), abs=0.01)

    wide = np.zeros((50, 200))
    assert resize_long_side(wide, 100).shape == (25, 100)


def test_resize_long_side_keeps_content_in_place():
    image = np.zeros((100, 100))
    image[:, :50] = 1.0  # left half white
    result = resize_long_side(image, 20)
    assert result[:, :8].min() > 0.99 and result[:, 12:].max() < 0.01


def test_resize_long_side_never_enlarges():
    small = np.random.default_rng(7).random((30, 40, 3))
    assert resize_long_side(small, 40) is small
    assert resize_long_side(small, 1000) is small


def test_resize_long_side_clips_lanczos_ringing_to_the_input_range():
    checker = (np.indices((64, 64)).sum(axis=0) // 8 % 2).astype(np.float64)
    result = resize_long_side(checker, 27)
    assert result.min() >= 0.0 and result.max() <= 1.0


@pytest.mark.parametrize("long_side", [0, -3, 2.5, "big", True])
def test_resize_long_side_refuses_bad_sizes(long_side):
    with pytest.raises(FiltersError, match="long_side"):
        resize_long_side(np.zeros((10, 10)), long_side)


def test_module_imports_only_numpy_pillow_and_its_own_helpers():
    tree = ast.parse(Path(images.__file__).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    third_party = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names}
    assert third_party == {"numpy", "PIL", "filters", "filters._checks", "filters._errors"}
