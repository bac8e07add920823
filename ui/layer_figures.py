"""Figures and text for the CNN layers page: grids, filled-in formulas, code.

Every number comes from :mod:`filters.cnn`; this module only lays numbers out.
The example layer's input and weights are small seeded integers, so the grids
print exact values that a reader can add up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from filters import cnn, images
from ui import figures

__all__ = [
    "GREY_LEVELS",
    "LayerSettings",
    "example_arrays",
    "filters_code",
    "grey_input",
    "group_inputs",
    "layer_grids",
    "size_formula",
    "terms_formula",
    "torch_code",
    "weight_indices",
]

#: The current image is shown in this many grey levels (0 to GREY_LEVELS - 1).
GREY_LEVELS = 10
#: Grids with a longer side than this are drawn without printed values.
MAX_PRINTED_SIDE = 20
PADDING_COLOUR = "#d9d9d9"
FRAME_COLOUR = "#31333f"
FEED_COLOUR = "#ff3d7f"  # the cells that feed the chosen output cell
PICK_COLOUR = "#ff3d7f"


@dataclass(frozen=True)
class LayerSettings:
    """One example layer, as the page's controls set it."""

    transposed: bool
    height: int
    width: int
    kernel_h: int
    kernel_w: int
    stride: int
    padding: int | str  # an int, or "same" (conv2d only)
    dilation: int
    output_padding: int
    in_channels: int
    out_channels: int
    groups: int
    bias: bool
    seed: int

    @property
    def function(self) -> str:
        return "conv_transpose2d" if self.transposed else "conv2d"

    def options(self) -> dict:
        """Keyword arguments of the layer function."""
        options = dict(
            stride=self.stride, padding=self.padding, dilation=self.dilation, groups=self.groups
        )
        if self.transposed:
            options["output_padding"] = self.output_padding
        return options

    def weight_shape(self) -> tuple[int, int, int, int]:
        if self.transposed:
            return (
                self.in_channels,
                self.out_channels // self.groups,
                self.kernel_h,
                self.kernel_w,
            )
        return (self.out_channels, self.in_channels // self.groups, self.kernel_h, self.kernel_w)

    def pads(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """The zeros drawn around the input: conv2d's padding; none for a transposed layer."""
        if self.transposed:
            return (0, 0), (0, 0)
        if self.padding == "same":
            return (
                cnn.same_padding(self.kernel_h, self.dilation),
                cnn.same_padding(self.kernel_w, self.dilation),
            )
        return (self.padding, self.padding), (self.padding, self.padding)


def example_arrays(
    settings: LayerSettings,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Seeded small integers: input (C_in, H, W) in -3..3, weights in -2..2, bias in -2..2.

    The weights have the layout of ``settings.function`` (:meth:`LayerSettings.weight_shape`).
    """
    rng = np.random.default_rng(settings.seed)
    x = rng.integers(-3, 4, (settings.in_channels, settings.height, settings.width))
    w = rng.integers(-2, 3, settings.weight_shape())
    b = rng.integers(-2, 3, settings.out_channels) if settings.bias else None
    return (
        x.astype(np.float64),
        w.astype(np.float64),
        None if b is None else b.astype(np.float64),
    )


def grey_input(image: np.ndarray, height: int, width: int, channels: int) -> np.ndarray:
    """The image in grey, centre-cropped to H:W, downscaled to (H, W), in 0..9 levels.

    Every one of the ``channels`` input channels holds the same picture.
    """
    grey = images.to_grey(image)
    rows, cols = grey.shape
    if rows * width > cols * height:  # too tall: crop rows
        keep = max(1, round(cols * height / width))
        top = (rows - keep) // 2
        grey = grey[top : top + keep]
    else:
        keep = max(1, round(rows * width / height))
        left = (cols - keep) // 2
        grey = grey[:, left : left + keep]
    small = images.resize_long_side(grey, max(height, width))[:height, :width]
    small = np.pad(small, ((0, height - small.shape[0]), (0, width - small.shape[1])), mode="edge")
    low, high = float(small.min()), float(small.max())
    scaled = (small - low) / (high - low) if high > low else np.zeros_like(small)
    levels = np.rint(scaled * (GREY_LEVELS - 1))
    return np.repeat(levels[None], channels, axis=0)


# ----------------------------------------------------------------------------
# The grids
# ----------------------------------------------------------------------------


def _label(value: float) -> str:
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.3g}"


def _labels(values: np.ndarray) -> np.ndarray | None:
    if max(values.shape) > MAX_PRINTED_SIDE:
        return None
    return np.vectorize(_label)(values)


def _heatmap(values, rows, cols, limit, name: str, hover: str) -> go.Heatmap:
    text = _labels(values)
    return go.Heatmap(
        z=values,
        x=cols,
        y=rows,
        zmin=-limit,
        zmax=limit,
        colorscale=figures.DIVERGING,
        showscale=False,
        text=text,
        texttemplate="%{text}" if text is not None else None,
        textfont=dict(size=14),
        xgap=1,
        ygap=1,
        name=name,
        hovertemplate=hover,
        hoverinfo="skip" if hover is None else None,
    )


def _cell_box(figure, row, col, *, colour, width, column, fill=None) -> None:
    figure.add_shape(
        type="rect",
        x0=col - 0.5,
        x1=col + 0.5,
        y0=row - 0.5,
        y1=row + 0.5,
        line=dict(color=colour, width=width),
        fillcolor=fill,
        layer="above",
        row=1,
        col=column,
    )


def layer_grids(
    settings: LayerSettings,
    input_plane: np.ndarray,
    output_plane: np.ndarray,
    cells: cnn.ReceptiveCells,
    out_cell: tuple[int, int],
    *,
    in_channel: int,
    out_channel: int,
    height: int = 430,
) -> go.Figure:
    """The input grid (zero padding drawn apart, in grey) and the output grid.

    The cells that feed output cell ``out_cell`` are outlined on the input, each
    once however many taps reach it; the chosen output cell is outlined on the
    output. Clicking an output cell selects it: an invisible point sits on each.
    """
    (top, bottom), (left, right) = settings.pads()
    in_rows, in_cols = input_plane.shape
    out_rows, out_cols = output_plane.shape
    limit = max(float(np.max(np.abs(input_plane))), float(np.max(np.abs(output_plane))), 1.0)
    # Pale colours, so that printed values stay readable on every cell.
    limit *= 1.8
    padded_cols = in_cols + left + right
    input_title = f"Input x, channel {in_channel}: {in_rows}×{in_cols}"
    if top or bottom or left or right:
        input_title += " (grey: zero padding)"
    figure = make_subplots(
        rows=1,
        cols=2,
        column_widths=[padded_cols, out_cols],
        horizontal_spacing=0.08,
        subplot_titles=[input_title, f"Output y, channel {out_channel}: {out_rows}×{out_cols}"],
    )

    # Input: the padding as a grey ring of zeros, then the real cells over it.
    row_range = np.arange(-top, in_rows + bottom)
    col_range = np.arange(-left, in_cols + right)
    ring_rows, ring_cols = np.meshgrid(row_range, col_range, indexing="ij")
    ring = ~((ring_rows >= 0) & (ring_rows < in_rows) & (ring_cols >= 0) & (ring_cols < in_cols))
    if ring.any():
        printed = max(ring.shape) <= MAX_PRINTED_SIDE
        figure.add_trace(
            go.Heatmap(
                z=np.where(ring, 0.0, np.nan),
                x=col_range,
                y=row_range,
                colorscale=[[0, PADDING_COLOUR], [1, PADDING_COLOUR]],
                showscale=False,
                text=np.where(ring, "0", "") if printed else None,
                texttemplate="%{text}" if printed else None,
                textfont=dict(size=14, color="#555555"),
                xgap=1,
                ygap=1,
                hoverongaps=False,
                hovertemplate="row %{y}, col %{x}: zero padding<extra></extra>",
            ),
            row=1,
            col=1,
        )
    figure.add_trace(
        _heatmap(
            input_plane,
            np.arange(in_rows),
            np.arange(in_cols),
            limit,
            "input",
            f"x[{in_channel}, %{{y}}, %{{x}}] = %{{z:.4~g}}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    figure.add_shape(
        type="rect",
        x0=-0.5,
        x1=in_cols - 0.5,
        y0=-0.5,
        y1=in_rows - 0.5,
        line=dict(color=FRAME_COLOUR, width=2),
        layer="above",
        row=1,
        col=1,
    )
    for row, col in sorted(set(zip(cells.rows.tolist(), cells.cols.tolist(), strict=True))):
        _cell_box(
            figure,
            row,
            col,
            colour=FEED_COLOUR,
            width=3,
            column=1,
            fill="rgba(255, 61, 127, 0.18)",
        )

    # Output, with an invisible point on each cell to click.
    figure.add_trace(
        _heatmap(
            output_plane,
            np.arange(out_rows),
            np.arange(out_cols),
            limit,
            "output",
            None,  # the click points on top carry the hover text
        ),
        row=1,
        col=2,
    )
    click_rows, click_cols = np.mgrid[0:out_rows, 0:out_cols]
    figure.add_trace(
        go.Scatter(
            x=click_cols.ravel(),
            y=click_rows.ravel(),
            mode="markers",
            marker=dict(symbol="square", size=20, opacity=0, color="#000000"),
            selected=dict(marker=dict(opacity=0)),
            unselected=dict(marker=dict(opacity=0)),
            customdata=output_plane.ravel(),
            hovertemplate=f"y[{out_channel}, %{{y}}, %{{x}}] = %{{customdata:.4~g}}"
            "<br>click to pick<extra></extra>",
            showlegend=False,
        ),
        row=1,
        col=2,
    )
    _cell_box(figure, *out_cell, colour=PICK_COLOUR, width=4, column=2)

    figure.update_xaxes(
        side="top", showgrid=False, zeroline=False, dtick=1 if padded_cols <= 24 else None
    )
    figure.update_yaxes(showgrid=False, zeroline=False, constrain="domain")
    figure.update_xaxes(constrain="domain")
    figure.update_xaxes(range=[-left - 0.5, in_cols + right - 0.5], row=1, col=1)
    figure.update_xaxes(
        range=[-0.5, out_cols - 0.5], dtick=1 if out_cols <= 24 else None, row=1, col=2
    )
    figure.update_yaxes(range=[in_rows + bottom - 0.5, -top - 0.5], autorange=False, row=1, col=1)
    figure.update_yaxes(range=[out_rows - 0.5, -0.5], autorange=False, row=1, col=2)
    figure.update_yaxes(scaleanchor="x", scaleratio=1, row=1, col=1)
    figure.update_yaxes(scaleanchor="x2", scaleratio=1, row=1, col=2)
    figure.update_annotations(font=dict(size=17), yshift=22)
    figure.update_layout(
        height=height,
        margin=dict(l=30, r=10, t=figures.top_margin() + 26, b=6),
        font=figures.FONT,
        hoverlabel=dict(font_size=15),
        plot_bgcolor="white",
        dragmode=False,
        clickmode="event+select",
        hoverdistance=40,
    )
    return figure


# ----------------------------------------------------------------------------
# Formulas and code
# ----------------------------------------------------------------------------


def size_formula(settings: LayerSettings, axis: int, size: int, kernel: int, result: int) -> str:
    """LaTeX: one axis's output-size formula, then with the numbers, then ``result``.

    ``axis`` 0 is the height (H, k_h), 1 the width (W, k_w); ``result`` is the
    library's value (:func:`filters.cnn.conv2d_output_size` and friends).
    """
    out, side, k = ("H'", "H", "k_h") if axis == 0 else ("W'", "W", "k_w")
    s, d = settings.stride, settings.dilation
    if settings.transposed:
        a, p = settings.output_padding, settings.padding
        symbols = rf"{out} &= ({side} - 1)\,s - 2p + d\,({k} - 1) + a + 1"
        numbers = rf"({size} - 1)\cdot {s} - 2\cdot {p} + {d}\cdot({kernel} - 1) + {a} + 1"
        return rf"\begin{{aligned}}{symbols} \\ &= {numbers} = {result}\end{{aligned}}"
    before, after = settings.pads()[axis]
    if settings.padding == "same":
        padding_symbols, padding_numbers = r"p_1 + p_2", f"{before} + {after}"
    else:
        padding_symbols, padding_numbers = "2p", rf"2\cdot {before}"
    symbols = (
        rf"{out} &= \left\lfloor \frac{{{side} + {padding_symbols} - d\,({k} - 1) - 1}}{{s}}"
        r"\right\rfloor + 1"
    )
    numbers = (
        rf"\left\lfloor \frac{{{size} + {padding_numbers} - {d}\cdot({kernel} - 1) - 1}}{{{s}}}"
        r"\right\rfloor + 1"
    )
    return rf"\begin{{aligned}}{symbols} \\ &= {numbers} = {result}\end{{aligned}}"


def _signed(value: float) -> str:
    text = _label(value)
    return f"({text})" if value < 0 else text


def terms_formula(
    settings: LayerSettings,
    out_channel: int,
    cell: tuple[int, int],
    in_channels: list[int],
    terms: list[float],
    bias: float | None,
    value: float,
) -> str:
    """LaTeX: output cell = sum of one term per input channel (+ bias), in symbols and numbers."""
    row, col = cell
    at = f"[{row}, {col}]"
    parts = [
        rf"\operatorname{{convT}}(x_{{{c}}}, w_{{{i},{j}}}){at}"
        if settings.transposed
        else rf"(x_{{{c}}} \star w_{{{i},{j}}}){at}"
        for c, (i, j) in zip(in_channels, weight_indices(settings, out_channel), strict=True)
    ]
    symbols = " + ".join(parts) + ("" if bias is None else rf" + b_{{{out_channel}}}")
    numbers = " + ".join(_signed(term) for term in terms)
    if bias is not None:
        numbers += f" + {_signed(bias)}"
    return (
        r"\begin{aligned}"
        rf"y_{{{out_channel}}}{at} &= {symbols} \\"
        rf"&= {numbers} \\"
        rf"&= {_label(value)}"
        r"\end{aligned}"
    )


def weight_indices(settings: LayerSettings, out_channel: int) -> list[tuple[int, int]]:
    """``(i, j)`` of ``w[i, j]``, the kernel between each input channel and ``out_channel``.

    In the order of :func:`filters.cnn.channel_terms`: conv2d's ``w[o, j]`` for the
    group's j-th input channel, conv_transpose2d's ``w[c, o']`` with ``o'`` the
    output channel's place in its group.
    """
    per_group_out = settings.out_channels // settings.groups
    per_group_in = settings.in_channels // settings.groups
    group, within = divmod(out_channel, per_group_out)
    channels = range(group * per_group_in, (group + 1) * per_group_in)
    if settings.transposed:
        return [(c, within) for c in channels]
    return [(out_channel, j) for j in range(per_group_in)]


def group_inputs(settings: LayerSettings, out_channel: int) -> list[int]:
    """The input channels that ``out_channel`` sees (its group's), in order."""
    per_group_in = settings.in_channels // settings.groups
    group = out_channel // (settings.out_channels // settings.groups)
    return list(range(group * per_group_in, (group + 1) * per_group_in))


def _padding_argument(settings: LayerSettings) -> str:
    return repr(settings.padding)


def torch_code(settings: LayerSettings, output_shape: tuple[int, ...]) -> str:
    """The same layer in PyTorch, filled in."""
    c_in, h, w = settings.in_channels, settings.height, settings.width
    weight = ", ".join(str(side) for side in settings.weight_shape())
    layout = (
        "(C_in, C_out/groups, kh, kw)" if settings.transposed else "(C_out, C_in/groups, kh, kw)"
    )
    bias = f"torch.randn({settings.out_channels}, dtype=torch.float64)" if settings.bias else "None"
    extra = f"output_padding={settings.output_padding}, " if settings.transposed else ""
    shape = ", ".join(str(side) for side in output_shape)
    return (
        "import torch\n"
        "import torch.nn.functional as F\n\n"
        f"x = torch.randn(1, {c_in}, {h}, {w}, dtype=torch.float64)  # (N, C_in, H, W)\n"
        f"w = torch.randn({weight}, dtype=torch.float64)  # {layout}\n"
        f"b = {bias}\n"
        f"y = F.{settings.function}(x, w, b, stride={settings.stride}, "
        f"padding={_padding_argument(settings)}, {extra}"
        f"dilation={settings.dilation}, groups={settings.groups})\n"
        f"y.shape  # torch.Size([1, {shape}])"
    )


def filters_code(settings: LayerSettings, output_shape: tuple[int, ...]) -> str:
    """The same layer with :mod:`filters.cnn` (NumPy, float64)."""
    weight = ", ".join(str(side) for side in settings.weight_shape())
    bias = f"rng.standard_normal({settings.out_channels})" if settings.bias else "None"
    extra = f"output_padding={settings.output_padding}, " if settings.transposed else ""
    shape = ", ".join(str(side) for side in output_shape)
    return (
        "import numpy as np\n"
        f"from filters.cnn import {settings.function}\n\n"
        "rng = np.random.default_rng(0)\n"
        f"x = rng.standard_normal(({settings.in_channels}, {settings.height}, "
        f"{settings.width}))  # (C_in, H, W), unbatched\n"
        f"w = rng.standard_normal(({weight}))\n"
        f"b = {bias}\n"
        f"y = {settings.function}(x, w, b, stride={settings.stride}, "
        f"padding={_padding_argument(settings)}, {extra}"
        f"dilation={settings.dilation}, groups={settings.groups})\n"
        f"y.shape  # ({shape})"
    )
