"""Plotly figure builders shared by the pages.

Images travel to the browser as PNGs (a data URI per panel), not as millions of
JSON numbers. Hover values come from an invisible heatmap layer that carries
the true values as a binary typed array, at full resolution for previews and
sampled every n-th pixel beyond a budget, so hovering always shows the real
number at the coordinates it names.
"""

from __future__ import annotations

import base64
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.colors import get_colorscale, sample_colorscale
from plotly.subplots import make_subplots

from filters import images

# Perceptually uniform diverging map centred at zero (cmocean "balance"),
# readable with the common colour-vision deficiencies (blue against red).
DIVERGING = "balance"
SEQUENTIAL = "gray"
FONT = dict(size=16)
HOVER_BUDGET = 64_000  # numbers per panel sent for hover
DISPLAY_MAX_SIDE = 768  # pictures larger than this are sent downscaled; hover stays exact
_LUT_SIZE = 256
_PICTURE_CACHE_SIZE = 48


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
_DIVERGING_LUT = DIVERGING_LUT


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
    return png_data_uri_from_bytes(images.encode_png(picture))


class Picture:
    """A panel's picture at display size: 8-bit pixels, or indices into a colour map.

    ``pixels`` is (h, w, 1) grey or colour-map indices (``indexed``, into
    :data:`DIVERGING_LUT`) or (h, w, 3) RGB; ``png`` encodes it (made on first use).
    """

    def __init__(self, pixels: np.ndarray, indexed: bool) -> None:
        self.pixels = pixels
        self.indexed = indexed
        self._png: bytes | None = None

    @property
    def rgb(self) -> np.ndarray:
        """The picture as grey or RGB pixels (colour map applied)."""
        if self.indexed:
            return DIVERGING_LUT[self.pixels[:, :, 0]]
        return self.pixels[:, :, 0] if self.pixels.shape[2] == 1 else self.pixels

    @property
    def png(self) -> bytes:
        if self._png is None:
            self._png = images.encode_png(self.rgb)
        return self._png


_pictures: OrderedDict[tuple, Picture] = OrderedDict()
_pictures_lock = threading.Lock()


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
    Pictures of panels with a ``key`` are remembered, so an unchanged panel is
    not made again.
    """
    cache_key = None
    if panel.key is not None:
        cache_key = (panel.key, panel.signed, panel.display, panel.limit)
        with _pictures_lock:
            if cache_key in _pictures:
                _pictures.move_to_end(cache_key)
                return _pictures[cache_key]
    if panel.signed:
        limit = panel.limit or signed_limit(panel.values)
        plane = images.signed_to_index(panel.values, limit, len(DIVERGING_LUT))
        picture = Picture(_downscaled(plane)[:, :, None], indexed=True)
    else:
        pixels = images.to_uint8(panel.values, mode=panel.display)
        if pixels.ndim == 3 and pixels.shape[2] != 3:
            pixels = np.rint(pixels.mean(axis=2)).astype(np.uint8)
        pixels = _downscaled(pixels)
        picture = Picture(pixels if pixels.ndim == 3 else pixels[:, :, None], indexed=False)
    if cache_key is not None:
        with _pictures_lock:
            _pictures[cache_key] = picture
            while len(_pictures) > _PICTURE_CACHE_SIZE:
                _pictures.popitem(last=False)
    return picture


def display_png(panel: Panel) -> tuple[bytes, int, int]:
    """The panel's display picture as a PNG, with its width and height."""
    picture = display_picture(panel)
    return picture.png, picture.pixels.shape[1], picture.pixels.shape[0]


def _display_picture(panel: Panel) -> tuple[str, float, float]:
    """The panel's display PNG as a data URI, with the true pixels per picture pixel."""
    png, picture_width, picture_height = display_png(panel)
    height, width = panel.values.shape[:2]
    return png_data_uri_from_bytes(png), width / picture_width, height / picture_height


def png_data_uri_from_bytes(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def hover_values(panel: Panel) -> tuple[np.ndarray, int]:
    """The values sent for hover (float32, every ``stride``-th row and column) and stride.

    Every pixel is sent up to :data:`HOVER_BUDGET` numbers; beyond, the smallest
    stride that fits the budget.
    """
    values = panel.values
    height, width = values.shape[:2]
    channels = values.shape[2] if values.ndim == 3 else 1
    stride = max(1, math.ceil(math.sqrt(height * width * channels / HOVER_BUDGET)))
    sampled = np.ascontiguousarray(values[::stride, ::stride], dtype=np.float32)
    return sampled.reshape(*sampled.shape[:2], channels), stride


def _hover_layer(panel: Panel, col: int) -> go.Heatmap:
    sampled, stride = hover_values(panel)
    height, width = panel.values.shape[:2]
    channels = sampled.shape[2]
    if channels == 1:
        sampled = sampled[:, :, 0]
    xs = np.arange(0, width, stride)
    ys = np.arange(0, height, stride)
    note = f"<br>(sampled: 1 pixel in {stride}×{stride})" if stride > 1 else ""
    if channels == 1:
        z, customdata = sampled, None
        template = "x %{x}, y %{y}<br>value %{z:.5g}" + note
    else:
        # The layer is invisible: for colour, z only anchors the hover points, so
        # one byte per pixel is enough; the true values travel in customdata.
        z, customdata = np.zeros(sampled.shape[:2], dtype=np.uint8), sampled
        names = "RGB" if channels == 3 else [f"c{i}" for i in range(channels)]
        template = "x %{x}, y %{y}<br>" + "<br>".join(
            f"{names[i]} %{{customdata[{i}]:.5g}}" for i in range(channels)
        )
        template += note
    layer = dict(
        z=z,
        x=xs,
        y=ys,
        customdata=customdata,
        hovertemplate=template + f"<extra>{panel.title}</extra>",
        opacity=0,
        showscale=False,
        xaxis=f"x{col if col > 1 else ''}",
        yaxis=f"y{col if col > 1 else ''}",
    )
    if panel.signed:
        limit = panel.limit or signed_limit(panel.values)
        layer.update(colorscale=DIVERGING, zmin=-limit, zmax=limit, showscale=True)
    return go.Heatmap(**layer)


def image_row(panels: list[Panel], *, height: int = 460) -> go.Figure:
    """Panels side by side with linked zoom and pan and true values on hover.

    Every panel shares the first panel's x and y axes, so zooming or panning
    one moves all of them. Signed panels get a colour bar centred at zero.
    """
    count = len(panels)
    figure = make_subplots(
        rows=1,
        cols=count,
        shared_xaxes="all",
        shared_yaxes="all",
        horizontal_spacing=0.02,
        subplot_titles=[panel.title for panel in panels],
    )
    for col, panel in enumerate(panels, start=1):
        source, dx, dy = _display_picture(panel)
        figure.add_trace(
            go.Image(
                source=source, x0=(dx - 1) / 2, y0=(dy - 1) / 2, dx=dx, dy=dy, hoverinfo="skip"
            ),
            row=1,
            col=col,
        )
        layer = _hover_layer(panel, col)
        if layer.showscale:
            domain = figure.layout[f"xaxis{col if col > 1 else ''}"].domain
            layer.colorbar = dict(
                orientation="h",
                x=(domain[0] + domain[1]) / 2,
                xanchor="center",
                len=(domain[1] - domain[0]) * 0.9,
                y=-0.02,
                yanchor="top",
                thickness=14,
                tickfont=dict(size=13),
                exponentformat="power",
            )
        figure.add_trace(layer, row=1, col=col)
    figure.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    figure.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, autorange="reversed")
    figure.update_layout(yaxis=dict(scaleanchor="x", scaleratio=1))
    figure.update_annotations(font=dict(size=17))
    figure.update_layout(
        height=height,
        margin=dict(l=4, r=4, t=36, b=70),
        font=FONT,
        dragmode="pan",
        hoverlabel=dict(font_size=15),
        plot_bgcolor="white",
    )
    return figure


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


def timing_bars(times: dict[str, float], *, backend: str, height: int = 220) -> go.Figure:
    """A horizontal bar per method: milliseconds, labelled with the value."""
    names = list(times)
    milliseconds = [times[name] * 1000 for name in names]
    figure = go.Figure(
        go.Bar(
            x=milliseconds,
            y=names,
            orientation="h",
            text=[f"{ms:.1f} ms" for ms in milliseconds],
            textposition="auto",
            marker_color="#3b6ea8",
            hovertemplate="%{y}: %{x:.2f} ms<extra></extra>",
        )
    )
    figure.update_layout(
        height=height,
        margin=dict(l=4, r=4, t=36, b=30),
        font=FONT,
        title=dict(text=f"Time per method on the {backend.upper()}", font=dict(size=17)),
        xaxis=dict(title="milliseconds", tickfont=dict(size=14)),
        yaxis=dict(autorange="reversed", tickfont=dict(size=15)),
        plot_bgcolor="white",
    )
    return figure
