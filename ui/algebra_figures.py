"""Plotly figures for the Algebra and Step-through pages.

Algebra: a bar chart of the measured errors of every identity on a log scale,
with the tolerance drawn and a holds/fails mark per bar. Step through: a
picker (the input and both results, where a click chooses an output pixel)
and annotated grids of the window under the kernel, the kernel as applied and
the products, with the cells that come from outside the image marked.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from filters.algebra import Check
from filters.stepthrough import PixelExplanation
from ui import figures

HOLDS_COLOUR = "#3b6ea8"  # blue
FAILS_COLOUR = "#e08a1e"  # orange: tells apart from blue with any colour vision
OUTSIDE_COLOUR = "#e08a1e"
PICK_COLOUR = "#ff3d7f"
ERROR_FLOOR = 1e-18  # where an exact zero is drawn on the log axis
CLICK_BUDGET = 30_000  # clickable points per result panel
MAX_ANNOTATED_SIDE = 9


# ----------------------------------------------------------------------------
# Algebra
# ----------------------------------------------------------------------------


def _error_label(check: Check) -> str:
    mark = "✓ holds" if check.holds else "✗ fails"
    if check.relative_error == 0:
        return f"{mark} · 0 (exact)"
    return f"{mark} · {check.relative_error:.2g}"


def _row_label(check: Check) -> str:
    # "∗" and "⋆" look alike at a distance: name the operation too.
    operation = "conv" if check.operation == "convolve" else "corr"
    return f"{operation} │ {check.statement}  "


def error_bars(checks: list[Check], *, tolerance: float) -> go.Figure:
    """Relative error of each check on a log axis, coloured by verdict.

    Exact zeros are drawn at :data:`ERROR_FLOOR`; the tolerance is a dashed
    vertical line; the verdict and the number stand in a column on the right.
    """
    labels = [_row_label(check) for check in checks]
    values = [max(check.relative_error, ERROR_FLOOR) for check in checks]
    largest = max([*values, tolerance, 1.0])
    colours = [HOLDS_COLOUR if check.holds else FAILS_COLOUR for check in checks]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            base=ERROR_FLOOR,
            orientation="h",
            marker_color=colours,
            customdata=[[check.name, check.max_abs_error] for check in checks],
            hovertemplate=(
                "%{customdata[0]}: %{y}<br>relative error %{x:.3g}"
                "<br>max |lhs − rhs| %{customdata[1]:.3g}<extra></extra>"
            ),
        )
    )
    for label, check, colour in zip(labels, checks, colours, strict=True):
        figure.add_annotation(
            x=1.01,
            xref="paper",
            xanchor="left",
            y=label,
            yref="y",
            text=_error_label(check),
            showarrow=False,
            font=dict(size=16, color=colour),
        )
    figure.add_vline(
        x=tolerance,
        line=dict(color="#333333", dash="dash", width=2),
        annotation=dict(text=f"tolerance {tolerance:.0e}", font=dict(size=15)),
        annotation_position="top",
    )
    figure.update_layout(
        height=figures.top_margin() + 40 + 44 * len(checks),
        margin=dict(l=4, r=190, t=figures.top_margin(), b=50),
        font=figures.FONT,
        plot_bgcolor="white",
        showlegend=False,
        xaxis=dict(
            type="log",
            range=[math.log10(ERROR_FLOOR), math.log10(largest) + 1],
            title="max |lhs − rhs| / max |lhs|   (log scale)",
            tickfont=dict(size=14),
            dtick=4,  # 10⁻¹⁶, 10⁻¹², ...: few enough to stay level on a narrow chart
            tickangle=0,
            gridcolor="#e5e5e5",
            exponentformat="power",
        ),
        yaxis=dict(autorange="reversed", tickfont=dict(size=16)),
        bargap=0.3,
    )
    return figure


def error_map(error: np.ndarray, interior: np.ndarray, title: str) -> go.Figure:
    """|lhs − rhs| over the image on a sequential scale, the interior outlined."""
    figure = go.Figure(
        go.Heatmap(
            z=error,
            colorscale="viridis",
            zmin=0,
            zmax=max(float(error.max()), np.finfo(float).tiny),
            colorbar=dict(thickness=14, tickfont=dict(size=13), title=dict(text="|lhs − rhs|")),
            hovertemplate="row %{y}, col %{x}<br>|lhs − rhs| %{z:.3g}<extra></extra>",
        )
    )
    rows = np.flatnonzero(interior.any(axis=1))
    cols = np.flatnonzero(interior.any(axis=0))
    if rows.size and cols.size and not interior.all():
        figure.add_shape(
            type="rect",
            x0=cols[0] - 0.5,
            x1=cols[-1] + 0.5,
            y0=rows[0] - 0.5,
            y1=rows[-1] + 0.5,
            line=dict(color="white", width=3, dash="dash"),
        )
    figure.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, constrain="domain")
    figure.update_yaxes(
        showticklabels=False,
        showgrid=False,
        zeroline=False,
        autorange="reversed",
        scaleanchor="x",
        constrain="domain",
    )
    figure.update_layout(
        title=figures.chart_title(title),
        height=420,
        margin=dict(l=4, r=4, t=figures.top_margin(), b=4),
        font=figures.FONT,
        plot_bgcolor="white",
    )
    return figure


# ----------------------------------------------------------------------------
# Step through: the picker
# ----------------------------------------------------------------------------


def click_stride(shape: tuple[int, int], budget: int = CLICK_BUDGET) -> int:
    """Every how many pixels a click target is placed so a panel has ≤ ``budget`` of them."""
    return max(1, math.ceil(math.sqrt(shape[0] * shape[1] / budget)))


def signed_results_limit(*results: np.ndarray) -> float | None:
    """The shared ±limit of results shown as signed data, or None when they are not signed."""
    if not any(figures.looks_signed(values) for values in results):
        return None
    return max(figures.signed_limit(values) for values in results)


def _image_panel(
    values: np.ndarray, limit: float | None = None, signed_display: str = "diverging"
) -> go.Image:
    """A picture for the picker: clipped, or signed data on ``±limit`` as chosen."""
    panel = figures.Panel(
        "", values, signed=limit is not None, limit=limit, signed_display=signed_display
    )
    return go.Image(source=figures.png_data_uri(figures.panel_rgb(panel)), hoverinfo="skip")


def _click_layer(shape: tuple[int, int], stride: int, values: np.ndarray, name: str):
    ys, xs = np.mgrid[0 : shape[0] : stride, 0 : shape[1] : stride]
    return go.Scattergl(
        x=xs.ravel(),
        y=ys.ravel(),
        customdata=values[::stride, ::stride].ravel().astype(np.float32),
        mode="markers",
        marker=dict(size=6, opacity=0, color="#000000"),
        selected=dict(marker=dict(opacity=0)),
        unselected=dict(marker=dict(opacity=0)),
        hovertemplate="row %{y}, col %{x}<br>value %{customdata:.4g}<br>click to explain"
        + f"<extra>{name}</extra>",
        showlegend=False,
    )


def _crosshair(figure: go.Figure, shape, centre: tuple[float, float], col: int) -> None:
    """Two thin lines across a panel through ``centre``: the chosen pixel, seen at any size."""
    height, width = shape
    y, x = centre
    line = dict(color=PICK_COLOUR, width=1.5)
    figure.add_shape(type="line", x0=-0.5, x1=width - 0.5, y0=y, y1=y, line=line, row=1, col=col)
    figure.add_shape(type="line", x0=x, x1=x, y0=-0.5, y1=height - 0.5, line=line, row=1, col=col)


def pixel_picker(
    plane: np.ndarray,
    convolution: np.ndarray,
    correlation: np.ndarray,
    row: int,
    col: int,
    window_rows: tuple[int, int],
    window_cols: tuple[int, int],
    *,
    height: int = 430,
    signed_display: str = "diverging",
) -> tuple[go.Figure, int]:
    """The input plane and both results; clicking a result picks an output pixel.

    Signed results share one ``±limit`` (:func:`signed_results_limit`) and are
    drawn as ``signed_display`` says: "diverging" colour or grey "relief".

    The window under the kernel is outlined on the input (it may reach past the
    image), the chosen pixel on both results. The click targets are a sparse
    grid of invisible points (one every ``stride`` pixels) whose x and y are
    true output coordinates. Returns the figure and the stride.
    """
    stride = click_stride(convolution.shape[:2])
    figure = make_subplots(
        rows=1,
        cols=3,
        horizontal_spacing=0.03,
        subplot_titles=["Input plane (window outlined)", "Convolution I ∗ K", "Correlation I ⋆ K"],
    )
    figure.add_trace(_image_panel(plane), row=1, col=1)
    limit = signed_results_limit(convolution, correlation)
    for col_index, (values, name) in enumerate(
        ((convolution, "convolution"), (correlation, "correlation")), start=2
    ):
        figure.add_trace(_image_panel(values, limit, signed_display), row=1, col=col_index)
        figure.add_trace(_click_layer(values.shape[:2], stride, values, name), row=1, col=col_index)
    figure.add_shape(
        type="rect",
        x0=window_cols[0] - 0.5,
        x1=window_cols[1] + 0.5,
        y0=window_rows[0] - 0.5,
        y1=window_rows[1] + 0.5,
        line=dict(color=PICK_COLOUR, width=3),
        row=1,
        col=1,
    )
    centre = ((window_rows[0] + window_rows[1]) / 2, (window_cols[0] + window_cols[1]) / 2)
    _crosshair(figure, plane.shape[:2], centre, 1)
    for col_index in (2, 3):
        _crosshair(figure, convolution.shape[:2], (row, col), col_index)
    figure.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    figure.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, autorange="reversed")
    for index in range(1, 4):
        suffix = "" if index == 1 else str(index)
        figure.update_yaxes(scaleanchor=f"x{suffix}", scaleratio=1, row=1, col=index)
    figure.update_annotations(font=dict(size=17))
    figure.update_layout(
        height=height,
        margin=dict(l=4, r=4, t=figures.top_margin(), b=4),
        font=figures.FONT,
        hoverlabel=dict(font_size=15),
        plot_bgcolor="white",
        dragmode="pan",
        clickmode="event+select",
    )
    return figure, stride


# ----------------------------------------------------------------------------
# Step through: the grids
# ----------------------------------------------------------------------------


def _cell_text(values: np.ndarray) -> np.ndarray | None:
    if max(values.shape) > MAX_ANNOTATED_SIDE:
        return None
    return np.vectorize(lambda v: "0" if v == 0 else f"{v:.2g}")(values)


def _text_size(text: np.ndarray | None, cell_px: float) -> int:
    """A font size at which the longest printed value fits its cell (about 0.6 em a character)."""
    if text is None:
        return 10
    longest = max(len(label) for label in text.ravel())
    return int(np.clip(cell_px / (0.6 * longest + 0.5), 8, 17))


def _grid(values, colorscale, zmin, zmax, name, hover, cell_px) -> go.Heatmap:
    text = _cell_text(values)
    return go.Heatmap(
        z=values,
        zmin=zmin,
        zmax=zmax,
        colorscale=colorscale,
        showscale=False,
        text=text,
        texttemplate="%{text}" if text is not None else None,
        textfont=dict(size=_text_size(text, cell_px)),
        customdata=hover,
        hovertemplate="%{customdata}<extra>" + name + "</extra>",
        xgap=1,
        ygap=1,
    )


def _outside_marks(outside: np.ndarray, cell_px: float, annotated: bool) -> go.Scatter:
    """An orange ✕ on each outside cell: in its corner when the cell shows a number."""
    rows, cols = np.nonzero(outside)
    offset = 0.3 if annotated else 0.0
    size = 0.3 * cell_px if annotated else 0.8 * cell_px
    return go.Scatter(
        x=cols - offset,
        y=rows - offset,
        mode="markers",
        marker=dict(
            symbol="x-thin",
            size=max(5.0, size),
            line=dict(color=OUTSIDE_COLOUR, width=2.5 if cell_px > 20 else 1),
        ),
        hoverinfo="skip",
        showlegend=False,
    )


def _inside_outline(figure: go.Figure, outside: np.ndarray, col: int) -> None:
    """Outline the cells that lie inside the image (the image's edge, inside the window)."""
    inside = ~outside
    rows = np.flatnonzero(inside.any(axis=1))
    cols = np.flatnonzero(inside.any(axis=0))
    if not rows.size or not outside.any():
        return
    figure.add_shape(
        type="rect",
        x0=cols[0] - 0.5,
        x1=cols[-1] + 0.5,
        y0=rows[0] - 0.5,
        y1=rows[-1] + 0.5,
        line=dict(color=OUTSIDE_COLOUR, width=4),
        row=1,
        col=col,
    )


def _window_hover(explanation: PixelExplanation) -> np.ndarray:
    found = explanation.neighbourhood
    window = found.window
    hover = np.empty(window.shape, dtype=object)
    for i, image_row in enumerate(found.rows):
        for j, image_col in enumerate(found.cols):
            where = f"image ({image_row}, {image_col})<br>value {window[i, j]:.4g}"
            if found.outside[i, j]:
                source_row, source_col = found.source_rows[i], found.source_cols[j]
                if source_row < 0 or source_col < 0:
                    where += "<br>outside: the constant"
                else:
                    where += f"<br>outside: copies ({source_row}, {source_col})"
            hover[i, j] = where
    return hover


def step_grids(
    explanation: PixelExplanation,
    *,
    panels: tuple[str, ...] = ("kernel", "products"),
    window_range: tuple[float, float] = (0.0, 1.0),
    height: int | None = None,
    width_px: float = 600,
) -> go.Figure:
    """Side-by-side grids for one operation: any of the window, the kernel as applied, products.

    Values are printed in the cells for kernels up to 9×9. Cells outside the
    image carry an orange ✕ and the inside part of the window is outlined.
    The window uses a grey scale over ``window_range``; the kernel and products
    use the diverging scale centred at zero. ``width_px`` is about how wide the
    figure will be drawn, to size the printed values to the cells; the height
    follows the kernel's aspect unless given.
    """
    kernel = explanation.applied_kernel
    kh, kw = kernel.shape
    flipped = explanation.operation == "convolve"
    titles = {
        "window": "Window of Ĩ",
        "kernel": "K rotated 180°" if flipped else "K as given",
        "products": "Products",
    }
    figure = make_subplots(
        rows=1,
        cols=len(panels),
        horizontal_spacing=0.05,
        subplot_titles=[titles[name] for name in panels],
    )
    panel_px = 0.9 * width_px / len(panels)
    frame = figures.top_margin() + 14  # titles above, a small margin below
    if height is None:
        height = int(frame + min(420.0, panel_px * kh / kw))
    cell_px = min((height - frame) / kh, panel_px / kw)
    window_hover = _window_hover(explanation)
    positions = np.indices(kernel.shape)
    plain_hover = np.vectorize(lambda i, j, v: f"[{i}, {j}] = {v:.6g}")
    for index, name in enumerate(panels, start=1):
        if name == "window":
            low, high = window_range
            trace = _grid(explanation.window, "gray", low, high, "Ĩ", window_hover, cell_px)
        elif name == "kernel":
            limit = figures.signed_limit(kernel)
            trace = _grid(
                kernel,
                figures.DIVERGING,
                -limit,
                limit,
                titles["kernel"],
                plain_hover(*positions, kernel),
                cell_px,
            )
        else:
            products = explanation.products
            limit = figures.signed_limit(products)
            trace = _grid(
                products,
                figures.DIVERGING,
                -limit,
                limit,
                "products",
                plain_hover(*positions, products),
                cell_px,
            )
        figure.add_trace(trace, row=1, col=index)
        if name in ("window", "products") and explanation.outside.any():
            marks = _outside_marks(explanation.outside, cell_px, max(kh, kw) <= MAX_ANNOTATED_SIDE)
            figure.add_trace(marks, row=1, col=index)
            _inside_outline(figure, explanation.outside, index)
    figure.update_xaxes(
        showticklabels=False,
        showgrid=False,
        zeroline=False,
        constrain="domain",
        range=[-0.5, kw - 0.5],
    )
    figure.update_yaxes(
        showticklabels=False,
        showgrid=False,
        zeroline=False,
        autorange=False,
        range=[kh - 0.5, -0.5],
        constrain="domain",
    )
    for index in range(1, len(panels) + 1):
        suffix = "" if index == 1 else str(index)
        figure.update_yaxes(scaleanchor=f"x{suffix}", scaleratio=1, row=1, col=index)
    figure.update_annotations(font=dict(size=17))
    figure.update_layout(
        height=height,
        margin=dict(l=4, r=4, t=figures.top_margin(), b=4),
        font=figures.FONT,
        hoverlabel=dict(font_size=15),
        plot_bgcolor="white",
    )
    return figure
