"""Picture panels and the figure pieces shared by the pages.

A :class:`Panel` names an array to show and how (grey or RGB, clipped or
rescaled, or signed on a diverging map centred at zero). :func:`display_picture`
turns it into 8-bit pixels at display size and :func:`hover_values` into the
float32 samples that the image viewer (:mod:`ui.image_viewer`) reads out under
the cursor; both travel to the browser as bytes, never as JSON numbers.
:func:`kernel_heatmaps` draws small matrices as annotated Plotly heatmaps.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.colors import get_colorscale, sample_colorscale
from plotly.subplots import make_subplots

from filters import images
from ui.budget import budget

# Perceptually uniform diverging map centred at zero (cmocean "balance"),
# readable with the common colour-vision deficiencies (blue against red).
DIVERGING = "balance"
SEQUENTIAL = "gray"
FONT = dict(size=16)
HOVER_BUDGET = 64_000  # numbers per panel sent for hover
DISPLAY_MAX_SIDE = 768  # pictures larger than this are sent downscaled (hover values are not)
_LUT_SIZE = 256


@dataclass(frozen=True)
class Panel:
    """One image panel: what to show and how."""

    title: str
    values: np.ndarray
    signed: bool = False
    display: str = "clip"  # for unsigned data: "clip" to [0, 1] or "rescale" min..max
    limit: float | None = None  # for signed data: the colour range ±limit
    key: str | None = None  # identifies the values, so their picture is encoded once
    origin: tuple[int, int] = (0, 0)  # (row, column) of pixel (0, 0) in shared coordinates


def _lut(colorscale: str) -> np.ndarray:
    colours = sample_colorscale(get_colorscale(colorscale), np.linspace(0, 1, _LUT_SIZE))
    rgb = [tuple(int(float(c)) for c in colour[4:-1].split(",")) for colour in colours]
    return np.array(rgb, dtype=np.uint8)


DIVERGING_LUT = _lut(DIVERGING)


def hex_colour(colour: np.ndarray) -> str:
    """An RGB triple of 0..255 as a CSS colour, ``#rrggbb``."""
    red, green, blue = (int(c) for c in colour)
    return f"#{red:02x}{green:02x}{blue:02x}"


def diverging_ramp(stops: int = 11) -> list[str]:
    """The diverging map as ``stops`` CSS colours, for a legend's gradient."""
    return [
        hex_colour(DIVERGING_LUT[i])
        for i in np.linspace(0, len(DIVERGING_LUT) - 1, stops).round().astype(int)
    ]


def signed_limit(values: np.ndarray) -> float:
    """The symmetric colour range for signed data: max |value| (1 for all zeros)."""
    limit = float(np.max(np.abs(values)))
    return limit if limit > 0 else 1.0


def looks_signed(values: np.ndarray) -> bool:
    """Whether data is better shown on a diverging map: clearly negative values."""
    low, high = float(np.min(values)), float(np.max(np.abs(values)))
    return low < 0 and -low > 0.02 * high


def finite_extent(values: np.ndarray) -> tuple[float, float] | None:
    """The smallest and largest finite value (``None`` when there is none)."""
    return images.finite_range(values)


def panel_rgb(panel: Panel) -> np.ndarray:
    """The 8-bit picture of a panel: grey, RGB, or the diverging map for signed data."""
    if panel.signed:
        limit = panel.limit or signed_limit(panel.values)
        return images.signed_to_rgb(panel.values, limit, DIVERGING_LUT)
    return images.to_uint8(panel.values, mode=panel.display)


def png_data_uri(picture: np.ndarray) -> str:
    """A picture as a PNG data URI (for an image inside a Plotly figure)."""
    return "data:image/png;base64," + base64.b64encode(images.encode_png(picture)).decode()


class Picture:
    """A panel's picture at display size: 8-bit pixels, or indices into a colour map.

    ``pixels`` is (h, w, 1) grey or colour-map indices (``indexed``, into
    :data:`DIVERGING_LUT`) or (h, w, 3) RGB.
    """

    def __init__(self, pixels: np.ndarray, indexed: bool) -> None:
        self.pixels = pixels
        self.indexed = indexed


def _downscaled(plane: np.ndarray) -> np.ndarray:
    height, width = plane.shape[:2]
    scale = max(height, width) / DISPLAY_MAX_SIDE
    if scale <= 1:
        return plane
    size = (max(1, round(width / scale)), max(1, round(height / scale)))
    return np.asarray(Image.fromarray(plane).resize(size, Image.Resampling.BOX))


def display_picture(panel: Panel) -> Picture:
    """The panel's picture at display size (at most :data:`DISPLAY_MAX_SIDE` a side).

    Larger pictures are downscaled with a box filter; the viewer stretches them
    back over the true pixel grid, so hover still names true coordinates and
    values. Signed data is placed on the diverging map *before* downscaling, as
    indices, so neighbouring values are averaged rather than their colours.
    Pictures of panels with a ``key`` are kept in the memory budget, so an
    unchanged panel is not made again.
    """
    if panel.key is None:
        return _picture(panel)
    cache_key = ("picture", panel.key, panel.signed, panel.display, panel.limit)
    return budget().get_or_compute(cache_key, lambda: _picture(panel))


def _picture(panel: Panel) -> Picture:
    if panel.signed:
        limit = panel.limit or signed_limit(panel.values)
        plane = images.signed_to_index(panel.values, limit, len(DIVERGING_LUT))
        return Picture(_downscaled(plane)[:, :, None], indexed=True)
    pixels = images.to_uint8(panel.values, mode=panel.display)
    if pixels.ndim == 3 and pixels.shape[2] != 3:
        pixels = np.rint(pixels.mean(axis=2)).astype(np.uint8)
    pixels = _downscaled(pixels)
    return Picture(pixels if pixels.ndim == 3 else pixels[:, :, None], indexed=False)


def hover_values(panel: Panel) -> tuple[np.ndarray, int]:
    """The values sent for hover (float32, every ``stride``-th row and column) and stride.

    Every pixel is sent up to :data:`HOVER_BUDGET` numbers; beyond, every
    ``stride``-th row and column with ``stride = ceil(√(numbers / HOVER_BUDGET))``,
    which sends about the budget (a little more when a side is not a multiple of it).
    """
    values = panel.values
    height, width = values.shape[:2]
    channels = values.shape[2] if values.ndim == 3 else 1
    stride = max(1, math.ceil(math.sqrt(height * width * channels / HOVER_BUDGET)))
    sampled = np.ascontiguousarray(values[::stride, ::stride], dtype=np.float32)
    return sampled.reshape(*sampled.shape[:2], channels), stride


def _annotation_text(kernel: np.ndarray) -> np.ndarray | None:
    if max(kernel.shape) > 9:
        return None
    digits = 3 if max(kernel.shape) <= 3 else 2
    return np.vectorize(lambda v: f"{v:.{digits}g}")(kernel)


def kernel_heatmaps(
    kernels: dict[str, np.ndarray], *, columns: int = 2, height: int = 560
) -> go.Figure:
    """Annotated heatmaps of kernels on one shared diverging scale centred at zero."""
    names = list(kernels)
    rows = math.ceil(len(names) / columns)
    limit = max(signed_limit(kernel) for kernel in kernels.values())
    figure = make_subplots(
        rows=rows, cols=columns, subplot_titles=names, horizontal_spacing=0.06, vertical_spacing=0.1
    )
    for index, name in enumerate(names):
        kernel = kernels[name]
        text = _annotation_text(kernel)
        figure.add_trace(
            go.Heatmap(
                z=kernel,
                zmin=-limit,
                zmax=limit,
                colorscale=DIVERGING,
                showscale=index == 0,
                colorbar=dict(thickness=14, tickfont=dict(size=13)),
                text=text,
                texttemplate="%{text}" if text is not None else None,
                textfont=dict(size=14 if max(kernel.shape) <= 7 else 11),
                hovertemplate="row %{y}, col %{x}<br>%{z:.6g}<extra>" + name + "</extra>",
                xgap=1,
                ygap=1,
            ),
            row=index // columns + 1,
            col=index % columns + 1,
        )
    figure.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, constrain="domain")
    figure.update_yaxes(
        showticklabels=False,
        showgrid=False,
        zeroline=False,
        autorange="reversed",
        constrain="domain",
    )
    for index in range(len(names)):
        suffix = "" if index == 0 else str(index + 1)
        figure.update_yaxes(
            scaleanchor=f"x{suffix}",
            scaleratio=1,
            row=index // columns + 1,
            col=index % columns + 1,
        )
    figure.update_annotations(font=dict(size=17))
    figure.update_layout(
        height=height, margin=dict(l=4, r=4, t=36, b=4), font=FONT, plot_bgcolor="white"
    )
    return figure
