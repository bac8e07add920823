"""Picture panels and the figure pieces shared by the pages.

A :class:`Panel` names an array to show and how (grey or RGB, clipped or
rescaled, or signed: on a diverging map centred at zero, or as grey relief with
zero at mid-grey, the user's choice in the sidebar). :func:`display_picture`
turns it into 8-bit pixels at display size and :func:`hover_values` into the
float32 samples that the image viewer (:mod:`ui.image_viewer`) reads out under
the cursor; both travel to the browser as bytes, never as JSON numbers.
:data:`PLOTLY_CONFIG`, :func:`top_margin` and :func:`chart_title` keep every
Plotly chart's titles clear of its mode bar.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image
from plotly.colors import get_colorscale, sample_colorscale

from filters import images
from ui.budget import budget

# Perceptually uniform diverging map centred at zero (cmocean "balance"),
# readable with the common colour-vision deficiencies (blue against red).
DIVERGING = "balance"
#: How signed data can be shown: the diverging map, or grey relief (0 at mid-grey).
SIGNED_DISPLAYS = ("diverging", "relief")
SEQUENTIAL = "gray"
FONT = dict(size=16)
HOVER_BUDGET = 64_000  # numbers per panel sent for hover
DISPLAY_MAX_SIDE = 768  # pictures larger than this are sent downscaled (hover values are not)
_LUT_SIZE = 256

#: Plotly's mode bar (zoom, pan, download) sits in a chart's top right corner, 2 px
#: below the top and 26 px high; titles and legends start below it.
MODEBAR_PX = 32
#: Pixels per line of a 17 px title.
TITLE_LINE_PX = 24
#: Under a plot: its tick labels and the axis title; then a legend's rows, if any.
AXIS_BELOW_PX = 64
LEGEND_ROW_PX = 26
#: What every Plotly chart is drawn with: the mode bar appears while the pointer is on
#: the chart, and covers no title then either (see :func:`top_margin`).
PLOTLY_CONFIG = {"displayModeBar": "hover", "displaylogo": False}


@dataclass(frozen=True)
class Panel:
    """One image panel: what to show and how."""

    title: str
    values: np.ndarray
    signed: bool = False
    display: str = "clip"  # for unsigned data: "clip" to [0, 1] or "rescale" min..max
    limit: float | None = None  # for signed data: the colour range ±limit
    signed_display: str = "diverging"  # for signed data: "diverging" map or grey "relief"
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


def relief_ramp() -> list[str]:
    """Grey relief as CSS colours for a legend's gradient: black, mid-grey, white."""
    return [hex_colour(np.full(3, level)) for level in (0, 128, 255)]


def signed_legend(limit: float, signed_display: str) -> str:
    """What the colours of a signed picture mean, in words, for ``±limit``."""
    value = f"{limit:.3g}".replace("-", "-\u2060")  # a word joiner: 1e-15 stays on one line
    if signed_display == "relief":
        return f"mid-grey = 0, white = +{value}, black = −{value}"
    return f"pale = 0, red = +{value}, blue = −{value}"


def signed_limit(values: np.ndarray) -> float:
    """The symmetric colour range for signed data: max |value| (1 for all zeros)."""
    limit = float(np.max(np.abs(values)))
    return limit if limit > 0 else 1.0


def looks_signed(values: np.ndarray) -> bool:
    """Whether data is better shown on a diverging map: clearly negative values."""
    low, high = float(np.min(values)), float(np.max(np.abs(values)))
    return low < 0 and -low > 0.02 * high


def signed_range(values: np.ndarray) -> tuple[bool, float | None]:
    """:func:`looks_signed` and, for signed data, :func:`signed_limit`, from one min and max.

    Two reductions over the data instead of four (and no array of magnitudes):
    a megapixel colour result is read twice, not four times.
    """
    low, high = float(np.min(values)), float(np.max(values))
    if not (math.isfinite(low) and math.isfinite(high)):
        signed = looks_signed(values)
        return signed, (signed_limit(values) if signed else None)
    magnitude = max(-low, high)
    if not (low < 0 and -low > 0.02 * magnitude):
        return False, None
    return True, magnitude


def finite_extent(values: np.ndarray) -> tuple[float, float] | None:
    """The smallest and largest finite value (``None`` when there is none)."""
    return images.finite_range(values)


def panel_rgb(panel: Panel) -> np.ndarray:
    """The 8-bit picture of a panel: grey, RGB, or signed data as the panel says.

    Signed data is (M, N, 3) on the diverging map, or (M, N) grey relief.
    """
    if panel.signed:
        limit = panel.limit or signed_limit(panel.values)
        if panel.signed_display == "relief":
            return images.signed_to_grey(panel.values, limit)
        return images.signed_to_rgb(panel.values, limit, DIVERGING_LUT)
    return images.to_uint8(panel.values, mode=panel.display)


def png_data_uri(picture: np.ndarray) -> str:
    """A picture as a PNG data URI (for an image inside a Plotly figure)."""
    return "data:image/png;base64," + base64.b64encode(images.encode_png(picture)).decode()


class Picture:
    """A panel's picture at display size: 8-bit pixels, or indices into a colour map.

    ``pixels`` is (h, w, 1) grey or colour-map indices (``indexed``, into
    :data:`DIVERGING_LUT`) or (h, w, 3) RGB. Grey relief is grey.
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
    indices, so neighbouring values are averaged rather than their colours (grey
    relief likewise: its grey levels are those indices).
    Pictures of panels with a ``key`` are kept in the memory budget, so an
    unchanged panel is not made again.
    """
    if panel.key is None:
        return _picture(panel)
    cache_key = (
        "picture",
        panel.key,
        panel.signed,
        panel.display,
        panel.limit,
        panel.signed_display if panel.signed else None,
    )
    return budget().get_or_compute(cache_key, lambda: _picture(panel))


def _picture(panel: Panel) -> Picture:
    if panel.signed:
        limit = panel.limit or signed_limit(panel.values)
        if panel.signed_display == "relief":
            plane = images.signed_to_grey(panel.values, limit)
            return Picture(_downscaled(plane)[:, :, None], indexed=False)
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


def top_margin(title_lines: int = 1, line_px: int = TITLE_LINE_PX) -> int:
    """A chart's top margin: ``title_lines`` lines of title below the mode bar.

    Subplot titles and titles placed by :func:`chart_title` sit just above the
    plot area, so with this margin they start below :data:`MODEBAR_PX`.
    """
    return MODEBAR_PX + title_lines * line_px + 6


def bottom_margin(legend_rows: int = 0) -> int:
    """A chart's bottom margin: the x axis's labels and title, then ``legend_rows`` of legend."""
    return AXIS_BELOW_PX + legend_rows * LEGEND_ROW_PX + 6


def legend_below(*, x: float = 0.0, xanchor: str = "left", size: int = 15) -> dict:
    """A horizontal legend at the chart's foot, under the x axis (see :func:`bottom_margin`).

    Placed in pixels from the bottom rather than as a fraction of the plot's height,
    so it never climbs onto the axis title when the plot is short.
    """
    return dict(
        orientation="h",
        yref="container",
        y=0,
        yanchor="bottom",
        x=x,
        xanchor=xanchor,
        font=dict(size=size),
    )


def chart_title(text: str, *, size: int = 17) -> dict:
    """A figure title just above the plot area, left-aligned (use with :func:`top_margin`)."""
    return dict(
        text=text,
        font=dict(size=size),
        x=0,
        xref="paper",
        xanchor="left",
        y=1,
        yref="paper",
        yanchor="bottom",
        pad=dict(b=8),
    )
