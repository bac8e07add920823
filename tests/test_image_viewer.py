"""The image viewer's binary payload, the display pictures it carries, and output origins."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import re
import struct

import numpy as np
import pytest
from PIL import Image

import filters
from filters import images
from ui import compare_view, image_viewer, light_figures
from ui.figures import (
    DISPLAY_MAX_SIDE,
    DIVERGING_LUT,
    HOVER_BUDGET,
    Panel,
    display_picture,
    diverging_ramp,
    hex_colour,
    hover_values,
)
from ui.image_viewer import MAGIC, build_message, build_payload, encode_png, read_payload

CSS_COLOUR = re.compile(r"#[0-9a-f]{6}")


# ---------------------------------------------------------------------------- helpers


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _payload(panels: list[Panel]) -> bytes:
    return build_payload(panels, group="g", max_height=300, row="r", hint=False)


def _round_trip(panels: list[Panel]):
    return read_payload(_payload(panels))


def _picture_png(payload: bytes, index: int) -> bytes:
    (length,) = struct.unpack("<I", payload[4:8])
    header, _ = read_payload(payload)
    start, size = header["panels"][index]["picture"]["range"]
    return payload[8 + length + start : 8 + length + start + size]


def _expected_stride(values: np.ndarray) -> int:
    height, width = values.shape[:2]
    channels = values.shape[2] if values.ndim == 3 else 1
    return max(1, math.ceil(math.sqrt(height * width * channels / HOVER_BUDGET)))


@pytest.fixture(scope="module")
def panels() -> list[Panel]:
    rng = _rng(1)
    return [
        Panel("grey", rng.uniform(-0.2, 1.2, (20, 30))),
        Panel("rgb", rng.random((25, 18, 3))),
        Panel("signed", rng.standard_normal((16, 21)), signed=True, limit=0.8),
        Panel("moved", rng.random((12, 9)), origin=(-2, 3)),
        Panel("big", rng.random((1000, 700, 3))),
    ]


@pytest.fixture(scope="module")
def decoded(panels):
    return _round_trip(panels)


# ---------------------------------------------------------------------------- header


def test_header_describes_the_viewer(decoded):
    header, parts = decoded
    assert header["group"] == "g"
    assert header["row"] == "r"
    assert header["hint"] is False
    assert header["maxHeight"] == 300
    assert "lut" not in header  # the colour map travels in each indexed picture's palette
    assert len(header["panels"]) == len(parts) == 5


def test_header_describes_each_panel(panels, decoded):
    header, _ = decoded
    for panel, entry in zip(panels, header["panels"], strict=True):
        picture = display_picture(panel)
        _, stride = hover_values(panel)
        assert entry["title"] == panel.title
        assert (entry["rows"], entry["cols"]) == panel.values.shape[:2]
        assert entry["origin"] == list(panel.origin)
        assert entry["picture"]["width"] == picture.pixels.shape[1]
        assert entry["picture"]["height"] == picture.pixels.shape[0]
        assert entry["picture"]["channels"] == picture.pixels.shape[2]
        assert entry["picture"]["indexed"] is panel.signed
        assert entry["hover"]["stride"] == stride == _expected_stride(panel.values)
        assert entry["hover"]["rows"] == len(range(0, panel.values.shape[0], stride))
        assert entry["hover"]["cols"] == len(range(0, panel.values.shape[1], stride))
    names = [entry["channels"] for entry in header["panels"]]
    assert names == [[""], ["R", "G", "B"], [""], [""], ["R", "G", "B"]]
    assert header["panels"][3]["origin"] == [-2, 3]


def test_scale_note_is_a_ramp_for_signed_and_text_otherwise(panels, decoded):
    header, _ = decoded
    for panel, entry in zip(panels, header["panels"], strict=True):
        scale = entry["scale"]
        if panel.signed:
            assert scale["ramp"] == diverging_ramp()
            assert len(scale["ramp"]) >= 2
            assert all(CSS_COLOUR.fullmatch(colour) for colour in scale["ramp"])
            assert scale["ramp"][0] == hex_colour(DIVERGING_LUT[0])
            assert scale["ramp"][-1] == hex_colour(DIVERGING_LUT[-1])
            assert scale["ticks"] == ["-0.8", "0", "0.8"]
        else:
            assert "ramp" not in scale and "ticks" not in scale
            assert isinstance(scale["text"], str) and scale["text"]
    assert header["panels"][0]["scale"]["text"] == "grey, clipped to [0, 1]"
    assert header["panels"][1]["scale"]["text"] == "RGB, clipped to [0, 1]"


def test_signed_scale_without_a_limit_uses_the_largest_magnitude():
    values = np.array([[-0.25, 0.1], [0.0, 0.125]])
    header, (pixels_and_hover,) = _round_trip([Panel("s", values, signed=True)])
    assert header["panels"][0]["scale"]["ticks"] == ["-0.25", "0", "0.25"]
    np.testing.assert_array_equal(pixels_and_hover[0][..., 0], [[0, 179], [128, 191]])


def test_rescaled_scale_note_names_the_range():
    values = np.array([[-2.0, 0.5], [3.0, np.nan]])
    header, _ = _round_trip([Panel("r", values, display="rescale")])
    text = header["panels"][0]["scale"]["text"]
    assert "-2" in text and "3" in text and "rescaled" in text


# ---------------------------------------------------------------------------- pixels


def test_decoded_pixels_are_the_display_pictures(panels, decoded):
    _, parts = decoded
    for panel, (pixels, _) in zip(panels, parts, strict=True):
        assert pixels.dtype == np.uint8
        np.testing.assert_array_equal(pixels, display_picture(panel).pixels)


def test_small_unsigned_pictures_are_the_clipped_pixels(panels, decoded):
    _, parts = decoded
    grey, rgb, _, moved, _ = panels
    np.testing.assert_array_equal(parts[0][0], images.to_uint8(grey.values)[:, :, None])
    np.testing.assert_array_equal(parts[1][0], images.to_uint8(rgb.values))
    np.testing.assert_array_equal(parts[3][0], images.to_uint8(moved.values)[:, :, None])


def test_signed_pictures_are_indices_into_the_lut(panels, decoded):
    header, parts = decoded
    signed = panels[2]
    assert header["panels"][2]["picture"]["indexed"] is True
    expected = images.signed_to_index(signed.values, signed.limit)[:, :, None]
    np.testing.assert_array_equal(parts[2][0], expected)
    # The PNG's palette is the diverging map: the browser shows the map's colours.
    png = _picture_png(_payload(panels), 2)
    with Image.open(io.BytesIO(png)) as picture:
        assert picture.mode == "P"
        colours = np.asarray(picture.convert("RGB"))
    np.testing.assert_array_equal(colours, images.signed_to_rgb(signed.values, 0.8, DIVERGING_LUT))


def test_large_pictures_are_downscaled_keeping_their_aspect(panels, decoded):
    header, parts = decoded
    big = panels[4]
    pixels = parts[4][0]
    height, width = big.values.shape[:2]
    assert max(pixels.shape[:2]) == DISPLAY_MAX_SIDE
    assert pixels.shape[0] == DISPLAY_MAX_SIDE  # the long side stays the long side
    assert abs(pixels.shape[1] - width * DISPLAY_MAX_SIDE / height) <= 1
    assert pixels.shape[2] == 3
    # Box filtering keeps the mean brightness of every channel and of every band of rows.
    full = images.to_uint8(big.values).astype(float)
    np.testing.assert_allclose(pixels.mean(axis=(0, 1)), full.mean(axis=(0, 1)), atol=0.5)
    bands = pixels.reshape(8, -1, 3).mean(axis=1)
    np.testing.assert_allclose(bands, full.reshape(8, -1, 3).mean(axis=1), atol=2)
    for entry, (pixels, _) in zip(header["panels"], parts, strict=True):
        assert max(pixels.shape[:2]) <= DISPLAY_MAX_SIDE
        assert entry["rows"] * pixels.shape[1] == pytest.approx(
            entry["cols"] * pixels.shape[0], abs=max(entry["rows"], entry["cols"])
        )


@pytest.mark.parametrize("shape", [(1000, 300), (769, 2000), (5, 3000)])
def test_downscaling_keeps_the_aspect_within_a_pixel(shape):
    values = _rng(2).random(shape)
    for panel in (Panel("u", values), Panel("s", values - 0.5, signed=True)):
        pixels = display_picture(panel).pixels
        height, width = shape
        scale = max(shape) / DISPLAY_MAX_SIDE
        assert max(pixels.shape[:2]) == DISPLAY_MAX_SIDE
        assert abs(pixels.shape[0] - height / scale) <= 1
        assert abs(pixels.shape[1] - width / scale) <= 1
        assert min(pixels.shape[:2]) >= 1


# ---------------------------------------------------------------------------- hover values


def test_decoded_hover_values_are_the_sampled_values(panels, decoded):
    header, parts = decoded
    for panel, entry, (_, hover) in zip(panels, header["panels"], parts, strict=True):
        stride = entry["hover"]["stride"]
        expected = panel.values[::stride, ::stride].astype(np.float32)
        if expected.ndim == 2:
            expected = expected[:, :, None]
        assert hover.dtype == np.float32
        np.testing.assert_array_equal(hover, expected)
        if panel.values.size <= HOVER_BUDGET:
            assert stride == 1
    assert header["panels"][4]["hover"]["stride"] == 6
    assert parts[4][1].size <= HOVER_BUDGET


@pytest.mark.parametrize(
    "shape", [(1, 1), (253, 253), (253, 253, 1), (300, 300), (150, 150, 3), (64000, 1)]
)
def test_hover_stride_is_the_smallest_that_fits_the_budget(shape):
    values = np.arange(math.prod(shape), dtype=np.float64).reshape(shape) / 7
    sampled, stride = hover_values(Panel("v", values))
    assert stride == _expected_stride(values)
    assert sampled.size <= HOVER_BUDGET * 1.05 or stride == 1
    if stride > 1:  # one less would not fit
        rows = math.ceil(shape[0] / (stride - 1))
        cols = math.ceil(shape[1] / (stride - 1))
        channels = shape[2] if len(shape) == 3 else 1
        assert rows * cols * channels > HOVER_BUDGET
    assert sampled.dtype == np.float32 and sampled.ndim == 3
    expected = values[::stride, ::stride].astype(np.float32)
    np.testing.assert_array_equal(sampled, expected.reshape(sampled.shape))


def test_hover_values_keep_nan_and_infinities():
    values = np.array([[np.nan, np.inf], [-np.inf, 1e-3]])
    _, ((_, hover),) = _round_trip([Panel("x", values)])
    np.testing.assert_array_equal(hover[:, :, 0], values.astype(np.float32))


# ---------------------------------------------------------------------------- layout


def test_payload_layout_is_aligned(panels):
    payload = _payload(panels)
    assert payload.startswith(MAGIC)
    (length,) = struct.unpack("<I", payload[4:8])
    base = 8 + length
    assert base % 8 == 0
    header, _ = read_payload(payload)
    end = 0
    for entry in header["panels"]:
        for blob in (entry["picture"]["range"], entry["hover"]["range"]):
            start, size = blob
            assert (base + start) % 8 == 0
            assert start >= end  # blobs do not overlap
            end = start + size
    assert base + end <= len(payload) < base + end + 8
    for index in range(len(panels)):
        assert _picture_png(payload, index).startswith(b"\x89PNG\r\n\x1a\n")


# ---------------------------------------------------------------------------- PNG


@pytest.mark.parametrize(
    "shape", [(1, 1, 1), (1, 7, 3), (9, 1, 1), (33, 47, 3), (64, 65, 1), (300, 200, 3)]
)
def test_pngs_decode_to_the_same_pixels(shape):
    pixels = _rng(5).integers(0, 256, shape, dtype=np.uint8)
    for palette in (None, DIVERGING_LUT) if shape[2] == 1 else (None,):
        png = encode_png(pixels, palette)
        with Image.open(io.BytesIO(png)) as picture:
            picture.load()
            assert picture.size == (shape[1], shape[0])
            assert picture.mode == ("P" if palette is not None else "L" if shape[2] == 1 else "RGB")
            decoded = np.asarray(picture)
        np.testing.assert_array_equal(decoded.reshape(shape), pixels)


def test_pngs_of_smooth_pictures_are_small():
    y, x = np.mgrid[0:256, 0:256]
    smooth = np.stack([x, y, (x + y) // 2], axis=-1).astype(np.uint8)
    assert len(encode_png(smooth)) < smooth.nbytes / 10


def test_encode_png_refuses_other_shapes():
    with pytest.raises(ValueError):
        encode_png(np.zeros((4, 4, 2), dtype=np.uint8))
    with pytest.raises(ValueError):
        encode_png(np.zeros((4, 4, 3), dtype=np.uint8), DIVERGING_LUT)


# ---------------------------------------------------------------------------- files by URL


def _linked(panels: list[Panel]):
    files: dict[str, tuple[bytes, str]] = {}

    def link(name: str, data: bytes, mime: str) -> str:
        url = f"/media/{hashlib.md5(data).hexdigest()}"
        files[url] = (data, mime)
        image_viewer._remember(url, data)
        return url

    message = build_message(panels, group="g", max_height=300, row="r", hint=False, link=link)
    return message, files


def test_linked_messages_name_their_files_and_carry_only_the_header(panels):
    message, files = _linked(panels)
    header, parts = read_payload(message.payload)
    (length,) = struct.unpack("<I", message.payload[4:8])
    assert len(message.payload) == 8 + length < 6000  # no picture, no value in the message
    assert len(message.files) == 2 * len(panels)
    for entry in header["panels"]:
        assert "range" not in entry["picture"] and "range" not in entry["hover"]
        assert files[entry["picture"]["url"]][1] == "image/png"
        assert files[entry["hover"]["url"]][1] == "application/octet-stream"
        assert entry["picture"]["bytes"] == len(files[entry["picture"]["url"]][0])
    inline_header, inline_parts = read_payload(_payload(panels))
    assert header["id"] == inline_header["id"]  # what is shown, however it travels
    for (pixels, hover), (inline_pixels, inline_hover) in zip(parts, inline_parts, strict=True):
        np.testing.assert_array_equal(pixels, inline_pixels)
        np.testing.assert_array_equal(hover, inline_hover)


def test_the_same_picture_is_the_same_file(panels):
    first, _ = _linked(panels[:2])
    second, _ = _linked([panels[0], Panel("other", panels[1].values / 2)])
    urls = [[url for _, _, _, url in message.files] for message in (first, second)]
    assert urls[0][:2] == urls[1][:2]  # the first panel: its picture and values
    assert urls[0][2:] != urls[1][2:]


def test_read_payload_refuses_other_bytes(panels):
    payload = _payload(panels[:1])
    for bad in (b"", b"IMV", b"PNG0" + payload[4:], b"IMV1" + payload[4:]):
        with pytest.raises(ValueError):
            read_payload(bad)


def test_build_payload_needs_a_panel():
    with pytest.raises(ValueError):
        build_payload([], group="g", max_height=300, row="r", hint=False)


def test_build_payload_defaults():
    values = np.zeros((3, 4))
    header, _ = read_payload(build_payload([Panel("z", values)], group="x", max_height=440.0))
    assert header["row"] is None and header["hint"] is True
    assert header["maxHeight"] == 440 and type(header["maxHeight"]) is int


# ---------------------------------------------------------------------------- identity


def test_id_is_stable_for_identical_panels(panels):
    copies = [dataclasses.replace(p, values=p.values.copy()) for p in panels[:4]]
    first, _ = _round_trip(panels[:4])
    second, _ = _round_trip(copies)
    assert first["id"] == second["id"]
    assert re.fullmatch(r"[0-9a-f]{16}", first["id"])


def test_id_changes_when_the_pictures_change(panels):
    first, _ = _round_trip(panels[:2])
    changed = panels[1].values.copy()
    changed[0, 0] = 1 - changed[0, 0]
    second, _ = _round_trip([panels[0], Panel("rgb", changed)])
    assert first["id"] != second["id"]
    third, _ = _round_trip([panels[0], Panel("rgb", panels[1].values, display="rescale")])
    assert first["id"] != third["id"]


def test_id_changes_when_only_the_hover_values_change():
    # Values beyond the clipped range give the same picture but new numbers on hover;
    # a browser that keeps the old header while the id is unchanged would show stale ones.
    values = np.full((4, 5), 1.5)
    first, _ = _round_trip([Panel("v", values)])
    second, ((_, hover),) = _round_trip([Panel("v", values + 0.5)])
    assert hover.ravel()[0] == 2.0
    assert first["id"] != second["id"]


def test_digest_depends_only_on_the_picture():
    values = _rng(4).random((10, 12, 3))
    header, _ = _round_trip(
        [Panel("a", values), Panel("b", values.copy(), origin=(1, 1)), Panel("c", values / 2)]
    )
    digests = [entry["digest"] for entry in header["panels"]]
    assert digests[0] == digests[1] != digests[2]
    assert all(re.fullmatch(r"[0-9a-f]{16}", d) for d in digests)


# ---------------------------------------------------------------------------- scripts


@pytest.mark.parametrize("module", [image_viewer, light_figures])
def test_scripts_never_parse_html(module):
    script = module._JS
    assert "textContent" in script or "createElement" in script
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML"):
        assert sink not in script


# ---------------------------------------------------------------------------- output origin


def test_same_output_has_no_offset():
    for shape in [(1, 1), (2, 5), (4, 4), (7, 3)]:
        assert compare_view.output_origin(shape, "same") == (0, 0)


def test_output_origin_examples():
    assert compare_view.output_origin((3, 4), "full") == (-1, -1)
    assert compare_view.output_origin((3, 4), "valid") == (1, 2)
    assert compare_view.output_origin((1, 2), "full") == (0, 0)
    assert compare_view.output_origin((1, 2), "valid") == (0, 1)


@pytest.mark.parametrize("output", ["full", "valid"])
@pytest.mark.parametrize("seed", range(6))
def test_output_origin_lines_outputs_up_with_the_same_output(output, seed):
    rng = _rng(100 + seed)
    kernel_shape = (int(rng.integers(1, 7)), int(rng.integers(1, 7)))
    if seed < 2:  # make sure both odd and even sides are covered
        kernel_shape = ((3, 4), (6, 5))[seed]
    image = rng.standard_normal((int(rng.integers(8, 14)), int(rng.integers(8, 14))))
    kernel = rng.standard_normal(kernel_shape)
    same = filters.convolve(image, kernel, boundary="constant", output="same")
    other = filters.convolve(image, kernel, boundary="constant", output=output)
    oy, ox = compare_view.output_origin(kernel.shape, output)
    ys = [y for y in range(same.shape[0]) if 0 <= y - oy < other.shape[0]]
    xs = [x for x in range(same.shape[1]) if 0 <= x - ox < other.shape[1]]
    assert ys and xs
    expected = other.shape if output == "valid" else same.shape
    assert (len(ys), len(xs)) == expected  # the overlap is the whole smaller output
    np.testing.assert_allclose(
        other[np.ix_([y - oy for y in ys], [x - ox for x in xs])],
        same[np.ix_(ys, xs)],
        rtol=1e-12,
        atol=1e-12,
    )
