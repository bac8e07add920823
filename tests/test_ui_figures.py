"""Plotly figure builders: light image panels with true hover values, kernels, timings."""

from __future__ import annotations

import base64
import io
import json
import math

import numpy as np
import pytest
from PIL import Image
from plotly.colors import get_colorscale, sample_colorscale

import filters
from filters import images, kernels, samples
from ui import figures
from ui.figures import Panel

PNG_PREFIX = "data:image/png;base64,"


# ---------------------------------------------------------------------------- helpers


def _figure_json(figure) -> dict:
    return json.loads(figure.to_json())


def _typed_array(value) -> np.ndarray:
    """A Plotly JSON array, either plain or binary (``{"dtype", "bdata", "shape"}``)."""
    if isinstance(value, dict):
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        if shape:
            data = data.reshape([int(n) for n in str(shape).split(",")])
        return data
    return np.asarray(value)


def _png_pixels(uri: str) -> np.ndarray:
    assert uri.startswith(PNG_PREFIX)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri[len(PNG_PREFIX) :]))))


def _traces(spec: dict, kind: str) -> list[dict]:
    return [trace for trace in spec["data"] if trace["type"] == kind]


def _longest_plain_number_list(node) -> int:
    if isinstance(node, dict):
        return max((_longest_plain_number_list(v) for v in node.values()), default=0)
    if isinstance(node, list):
        own = len(node) if node and all(isinstance(v, int | float) for v in node) else 0
        return max([own, *(_longest_plain_number_list(v) for v in node)])
    return 0


def _smooth_rgb(height: int, width: int) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    return np.stack([x, y, 0.5 + 0.5 * np.sin(6 * x) * np.cos(4 * y)], axis=-1)


@pytest.fixture(scope="module")
def photo_panels() -> list[Panel]:
    """What the Compare page shows for a 512×512 colour photograph and the default kernel."""
    image = samples.load_sample("astronaut")
    assert image.shape == (512, 512, 3)
    kernel = kernels.make("gaussian273")
    result = filters.compare(image, kernel)
    return [
        Panel("Input", image),
        Panel("Convolution", result.convolution),
        Panel("Correlation", result.correlation),
        Panel("FFT", result.fft),
    ]


# ---------------------------------------------------------------------------- image_row


def test_each_panel_is_sent_as_a_png_of_its_pixels() -> None:
    grey = np.linspace(0, 1, 30 * 40).reshape(30, 40)
    rgb = _smooth_rgb(30, 40)
    signed = grey - 0.5
    panels = [Panel("grey", grey), Panel("rgb", rgb), Panel("signed", signed, signed=True)]
    spec = _figure_json(figures.image_row(panels))
    pictures = _traces(spec, "image")
    assert len(pictures) == 3
    for panel, picture in zip(panels, pictures, strict=True):
        assert picture["source"].startswith(PNG_PREFIX)
        assert "z" not in picture
        np.testing.assert_array_equal(_png_pixels(picture["source"]), figures.panel_rgb(panel))
    assert _png_pixels(pictures[0]["source"]).shape == (30, 40)
    assert _png_pixels(pictures[1]["source"]).shape == (30, 40, 3)
    assert _png_pixels(pictures[2]["source"]).shape == (30, 40, 3)


def test_subplot_titles_are_the_panel_titles() -> None:
    panels = [Panel(title, np.zeros((8, 8))) for title in ("Input", "Convolution", "FFT")]
    spec = _figure_json(figures.image_row(panels))
    assert [a["text"] for a in spec["layout"]["annotations"]] == ["Input", "Convolution", "FFT"]


def test_all_panels_zoom_and_pan_together() -> None:
    panels = [Panel(str(i), np.zeros((8, 10))) for i in range(4)]
    layout = _figure_json(figures.image_row(panels))["layout"]
    for index in range(2, 5):
        assert layout[f"xaxis{index}"]["matches"] == "x"
        assert layout[f"yaxis{index}"]["matches"] == "y"
    assert layout["yaxis"]["autorange"] == "reversed"  # row 0 at the top, like an image
    assert layout["yaxis"]["scaleanchor"] == "x"  # square pixels


def test_hover_layers_carry_the_true_values_as_binary_arrays() -> None:
    rng = np.random.default_rng(0)
    grey = rng.standard_normal((20, 30))
    rgb = rng.random((20, 30, 3))
    spec = _figure_json(figures.image_row([Panel("grey", grey), Panel("rgb", rgb)]))
    hover_grey, hover_rgb = _traces(spec, "heatmap")
    assert isinstance(hover_grey["z"], dict) and "bdata" in hover_grey["z"]
    np.testing.assert_array_equal(_typed_array(hover_grey["z"]), grey.astype(np.float32))
    np.testing.assert_array_equal(_typed_array(hover_grey["x"]), np.arange(30))
    np.testing.assert_array_equal(_typed_array(hover_grey["y"]), np.arange(20))
    assert isinstance(hover_rgb["customdata"], dict) and "bdata" in hover_rgb["customdata"]
    np.testing.assert_array_equal(_typed_array(hover_rgb["customdata"]), rgb.astype(np.float32))
    for name in ("R", "G", "B"):
        assert name in hover_rgb["hovertemplate"]
    for layer in (hover_grey, hover_rgb):
        assert layer["opacity"] == 0  # invisible: the PNG is what is seen
        assert "sampled" not in layer["hovertemplate"]  # small panels: every pixel


def test_big_panels_are_sampled_at_the_coordinates_they_name() -> None:
    values = np.arange(1200 * 900, dtype=np.float64).reshape(1200, 900) / 1e6
    spec = _figure_json(figures.image_row([Panel("big", values)]))
    (layer,) = _traces(spec, "heatmap")
    stride = math.ceil(math.sqrt(values.size / figures.HOVER_BUDGET))
    assert stride > 1
    z = _typed_array(layer["z"])
    xs, ys = _typed_array(layer["x"]), _typed_array(layer["y"])
    assert z.size <= figures.HOVER_BUDGET
    np.testing.assert_array_equal(xs, np.arange(0, 900, stride))
    np.testing.assert_array_equal(ys, np.arange(0, 1200, stride))
    np.testing.assert_array_equal(z, values[np.ix_(ys, xs)].astype(np.float32))
    assert f"1 pixel in {stride}×{stride}" in layer["hovertemplate"]


def test_big_colour_panels_keep_every_channel_within_the_hover_budget() -> None:
    values = _smooth_rgb(700, 500)
    spec = _figure_json(figures.image_row([Panel("big", values)]))
    (layer,) = _traces(spec, "heatmap")
    customdata = _typed_array(layer["customdata"])
    assert customdata.shape[2] == 3
    assert customdata.size <= figures.HOVER_BUDGET
    xs, ys = _typed_array(layer["x"]), _typed_array(layer["y"])
    np.testing.assert_array_equal(customdata, values[np.ix_(ys, xs)].astype(np.float32))
    assert "sampled" in layer["hovertemplate"]


def test_four_photo_panels_are_far_lighter_than_plain_numbers(photo_panels) -> None:
    text = figures.image_row(photo_panels).to_json()
    spec = json.loads(text)
    assert "bdata" in text
    assert _longest_plain_number_list(spec) < 1000
    assert len(text) < _plain_json_size(photo_panels) / 4


def _plain_json_size(panels: list[Panel]) -> float:
    """What the panels' values would take as JSON numbers at hover precision (estimated)."""
    total = 0.0
    for panel in panels:
        values = panel.values.ravel()
        sample = [float(f"{v:.5g}") for v in values[:: max(1, values.size // 5000)]]
        total += values.size * (len(json.dumps(sample)) - 1) / len(sample)
    return total


def test_four_photo_panels_fit_in_6_mb(photo_panels) -> None:
    """The page's budget for one row of four 512×512 colour panels."""
    size = len(figures.image_row(photo_panels).to_json())
    assert size < 6_000_000, f"{size / 1e6:.2f} MB"


def test_signed_panels_get_a_colour_bar_centred_at_zero() -> None:
    values = np.linspace(-0.3, 2.0, 64).reshape(8, 8)
    panels = [Panel("plain", np.abs(values)), Panel("signed", values, signed=True)]
    spec = _figure_json(figures.image_row(panels))
    plain, signed = _traces(spec, "heatmap")
    assert not plain.get("showscale")
    assert signed["showscale"] is True
    assert signed["zmin"] == -signed["zmax"] == pytest.approx(-2.0)
    assert "colorbar" in signed


def test_a_given_limit_sets_the_signed_colour_range() -> None:
    values = np.linspace(-1, 1, 16).reshape(4, 4)
    spec = _figure_json(figures.image_row([Panel("s", values, signed=True, limit=5.0)]))
    (layer,) = _traces(spec, "heatmap")
    assert (layer["zmin"], layer["zmax"]) == (-5.0, 5.0)
    colours = figures.panel_rgb(Panel("s", values, signed=True, limit=5.0))
    middle = figures._DIVERGING_LUT[figures._LUT_SIZE // 2]
    assert np.abs(colours.astype(int) - middle).max() < 60  # ±1 of ±5: close to the middle


# ---------------------------------------------------------------------------- helpers


def test_looks_signed() -> None:
    assert not figures.looks_signed(np.linspace(0, 1, 10))
    assert not figures.looks_signed(np.zeros((3, 3)))
    assert not figures.looks_signed(np.array([-1e-17, 0.5, 1.0]))  # rounding noise only
    assert figures.looks_signed(np.array([-0.5, 0.0, 1.0]))
    assert figures.looks_signed(-np.ones((2, 2)))
    assert not figures.looks_signed(np.array([-0.01, 1.0]))  # 1 % below zero
    assert figures.looks_signed(np.array([-0.03, 1.0]))


def test_signed_limit() -> None:
    assert figures.signed_limit(np.array([-3.0, 2.0])) == 3.0
    assert figures.signed_limit(np.array([0.5, 2.0])) == 2.0
    assert figures.signed_limit(np.zeros((4, 4))) == 1.0


def test_panel_rgb_grey_and_colour() -> None:
    grey = np.array([[0.0, 0.5], [1.0, 2.0]])
    np.testing.assert_array_equal(figures.panel_rgb(Panel("g", grey)), [[0, 128], [255, 255]])
    rescaled = figures.panel_rgb(Panel("g", grey, display="rescale"))
    np.testing.assert_array_equal(rescaled, [[0, 64], [128, 255]])
    rgb = _smooth_rgb(5, 6)
    picture = figures.panel_rgb(Panel("c", rgb))
    assert picture.shape == (5, 6, 3) and picture.dtype == np.uint8
    np.testing.assert_array_equal(picture, images.to_uint8(rgb))


def test_panel_rgb_diverging_maps_zero_to_the_middle_colour() -> None:
    values = np.array([[-2.0, 0.0, 2.0]])
    picture = figures.panel_rgb(Panel("s", values, signed=True))
    assert picture.shape == (1, 3, 3)
    lut = figures._DIVERGING_LUT
    np.testing.assert_array_equal(picture[0, 0], lut[0])
    np.testing.assert_array_equal(picture[0, 2], lut[-1])
    middle = sample_colorscale(get_colorscale(figures.DIVERGING), [0.5])[0]
    expected = [int(float(c)) for c in middle[4:-1].split(",")]
    np.testing.assert_allclose(picture[0, 1], expected, atol=1)
    # symmetric values sit symmetrically around the middle of the map
    ramp = figures.panel_rgb(Panel("s", np.linspace(-1, 1, 256)[None, :], signed=True))
    lut_index = [int(np.abs(lut.astype(int) - c).sum(axis=1).argmin()) for c in ramp[0]]
    assert lut_index == sorted(lut_index)
    assert abs(lut_index[0] + lut_index[-1] - (figures._LUT_SIZE - 1)) <= 1


def test_panel_rgb_diverging_colour_follows_the_channel_mean() -> None:
    values = np.zeros((2, 2, 3))
    values[0, 0] = [-1.0, -1.0, -1.0]
    values[1, 1] = [1.0, 1.0, 1.0]
    picture = figures.panel_rgb(Panel("s", values, signed=True))
    assert picture.shape == (2, 2, 3)
    np.testing.assert_array_equal(picture[0, 0], figures._DIVERGING_LUT[0])
    np.testing.assert_array_equal(picture[1, 1], figures._DIVERGING_LUT[-1])


def test_png_data_uri_round_trips() -> None:
    picture = (np.arange(60).reshape(4, 5, 3) * 4).astype(np.uint8)
    np.testing.assert_array_equal(_png_pixels(figures.png_data_uri(picture)), picture)


# ---------------------------------------------------------------------------- kernels, timing


def test_kernel_heatmaps_share_one_scale_centred_at_zero() -> None:
    kernel = kernels.make("emboss")
    parts = {
        "K": kernel,
        "flip(K)": kernels.flip(kernel),
        "S": kernels.symmetric_part(kernel),
        "A": kernels.antisymmetric_part(kernel),
    }
    spec = _figure_json(figures.kernel_heatmaps(parts))
    traces = _traces(spec, "heatmap")
    assert len(traces) == 4
    assert [a["text"] for a in spec["layout"]["annotations"]] == list(parts)
    assert [bool(t.get("showscale")) for t in traces] == [True, False, False, False]
    for trace, values in zip(traces, parts.values(), strict=True):
        assert trace["zmin"] == -trace["zmax"] == -2.0
        np.testing.assert_array_equal(_typed_array(trace["z"]), values)
        assert _typed_array(trace["text"]).shape == values.shape


def test_kernel_heatmaps_drop_cell_labels_for_big_kernels() -> None:
    spec = _figure_json(figures.kernel_heatmaps({"K": np.ones((11, 11)), "L": np.ones((3, 3))}))
    big, small = _traces(spec, "heatmap")
    assert big.get("text") is None
    assert small.get("text") is not None


def test_kernel_heatmaps_of_an_all_zero_kernel_still_build() -> None:
    spec = _figure_json(figures.kernel_heatmaps({"A": np.zeros((3, 3))}))
    (trace,) = _traces(spec, "heatmap")
    assert trace["zmax"] == 1.0


def test_timing_bars() -> None:
    times = {"convolution": 0.012, "correlation": 0.0105, "fft": 0.003}
    spec = _figure_json(figures.timing_bars(times, backend="cpu"))
    (bars,) = spec["data"]
    assert bars["type"] == "bar" and bars["orientation"] == "h"
    assert list(bars["y"]) == list(times)
    np.testing.assert_allclose(_typed_array(bars["x"]), [12.0, 10.5, 3.0])
    assert list(bars["text"]) == ["12.0 ms", "10.5 ms", "3.0 ms"]
    assert "CPU" in spec["layout"]["title"]["text"]
