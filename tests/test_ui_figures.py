"""Figure pieces: image panels with true hover values; chart titles clear of the mode bar."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
from PIL import Image
from plotly.colors import get_colorscale, sample_colorscale

from filters import images
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


# ---------------------------------------------------------------------------- helpers


def test_signed_range_matches_looks_signed_and_signed_limit() -> None:
    rng = np.random.default_rng(3)
    cases = [
        rng.standard_normal((20, 30, 3)),
        rng.random((8, 8)),
        rng.random((8, 8)) - 0.01,  # barely negative: not signed
        -rng.random((5, 5)),
        np.zeros((3, 3)),
        np.array([[-np.inf, 1.0]]),
        np.array([[np.nan, 1.0, -2.0]]),
    ]
    for values in cases:
        signed = figures.looks_signed(values)
        limit = figures.signed_limit(values) if signed else None
        assert figures.signed_range(values) == (signed, limit)


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
    lut = figures.DIVERGING_LUT
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
    np.testing.assert_array_equal(picture[0, 0], figures.DIVERGING_LUT[0])
    np.testing.assert_array_equal(picture[1, 1], figures.DIVERGING_LUT[-1])


def test_png_data_uri_round_trips() -> None:
    picture = (np.arange(60).reshape(4, 5, 3) * 4).astype(np.uint8)
    np.testing.assert_array_equal(_png_pixels(figures.png_data_uri(picture)), picture)


# ---------------------------------------------------------------------------- chart titles


def test_titles_start_below_the_mode_bar() -> None:
    assert figures.top_margin(1) >= figures.MODEBAR_PX + figures.TITLE_LINE_PX
    assert figures.top_margin(2) == figures.top_margin(1) + figures.TITLE_LINE_PX
    title = figures.chart_title("T")
    assert (title["yref"], title["y"], title["yanchor"]) == ("paper", 1, "bottom")
    assert figures.PLOTLY_CONFIG["displayModeBar"] == "hover"
