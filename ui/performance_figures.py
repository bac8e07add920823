"""Plotly figures and tables for timings: the Performance page and the Questions tour."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from filters.timing import METHOD_LABELS, Measurement, SweepSummary, TimingStats
from ui.figures import bottom_margin, chart_title, legend_below, top_margin

# Okabe–Ito colours (distinct under the common colour-vision deficiencies), and a
# marker shape per method so that no series depends on colour alone.
COLOURS = {
    "direct": "#0072B2",
    "separable": "#E69F00",
    "fft": "#009E73",
    "fft_reused": "#CC79A7",
}
SYMBOLS = {"direct": "circle", "separable": "diamond", "fft": "square", "fft_reused": "triangle-up"}
DASHES = {"cpu": "solid", "gpu": "dash"}
GUIDE_DASHES = {"O(N²K²)": "dot", "O(N² log N)": "dashdot"}
GUIDE_COLOUR = "#555555"
FONT = dict(size=16)
AXIS_TITLES = {
    "kernel": "kernel side K (a K×K kernel)",
    "image": "image side N (an N×N image)",
}


def _ms(values) -> list[float]:
    return [v * 1000.0 for v in values]


def _size_label(summary: SweepSummary, size: float) -> str:
    return f"K ≈ {size:.3g}" if summary.sweep == "kernel" else f"N ≈ {size:.3g}"


def sweep_figure(summaries: list[SweepSummary], *, height: int = 560) -> go.Figure:
    """Median time against the swept size on log-log axes, one line per method and backend.

    Error bars span each point's middle half of runs (lower to upper quartile):
    where two methods' bars overlap, neither is clearly faster. Guide lines
    show the two cost laws through the measured point at the largest size; a
    vertical line marks where the direct and FFT medians cross; rings mark what
    ``choose_method`` picks at each size (a crossed ring where another method
    was clearly faster).
    """
    figure = go.Figure()
    first = summaries[0]
    for summary in summaries:
        backend = summary.backend.upper()
        for method, medians in summary.medians.items():
            low, high = summary.q1[method], summary.q3[method]
            figure.add_trace(
                go.Scatter(
                    x=list(summary.sizes),
                    y=_ms(medians),
                    name=f"{METHOD_LABELS[method]} · {backend}",
                    mode="lines+markers",
                    line=dict(color=COLOURS[method], width=3, dash=DASHES.get(summary.backend)),
                    marker=dict(symbol=SYMBOLS[method], size=11, color=COLOURS[method]),
                    error_y=dict(
                        type="data",
                        symmetric=False,
                        array=[(h - m) * 1000.0 for h, m in zip(high, medians, strict=True)],
                        arrayminus=[(m - lo) * 1000.0 for lo, m in zip(low, medians, strict=True)],
                        color=COLOURS[method],
                        thickness=2,
                        width=6,
                    ),
                    customdata=[[lo * 1000.0, h * 1000.0] for lo, h in zip(low, high, strict=True)],
                    hovertemplate=f"{METHOD_LABELS[method]} ({backend})<br>"
                    "size %{x}: median %{y:.3g} ms<br>"
                    "middle half %{customdata[0]:.3g}–%{customdata[1]:.3g} ms<extra></extra>",
                    connectgaps=False,
                )
            )
    for name, values in first.guides.items():
        figure.add_trace(
            go.Scatter(
                x=list(first.sizes),
                y=_ms(values),
                name=f"{name} guide",
                mode="lines",
                line=dict(color=GUIDE_COLOUR, width=2, dash=GUIDE_DASHES[name]),
                hovertemplate=f"{name} through the measured point at {first.anchor}"
                "<br>%{y:.3g} ms<extra></extra>",
            )
        )
    for summary in summaries:
        _auto_markers(figure, summary)
        if summary.crossover is not None:
            _crossover_line(figure, summary, len(summaries) > 1)
    low, high = math.log10(min(first.sizes)), math.log10(max(first.sizes))
    margin = 0.04 * max(high - low, 0.5)
    figure.update_xaxes(
        type="log",
        range=[low - margin, high + margin],
        title=AXIS_TITLES[first.sweep],
        tickvals=list(first.sizes),
        ticktext=[str(s) for s in first.sizes],
        tickfont=dict(size=15),
        gridcolor="#e5e5e5",
    )
    figure.update_yaxes(
        type="log",
        title="milliseconds (median; whiskers: middle half)",
        tickfont=dict(size=15),
        gridcolor="#e5e5e5",
    )
    # Crossover labels stand on the plot's top edge: the title goes one line higher.
    labels = any(summary.crossover is not None for summary in summaries)
    title = chart_title(f"Time against {first.sweep} size · {first.fixed}", size=19)
    title["pad"] = dict(b=8 + 26 * labels)
    figure.update_layout(
        height=height,
        font=FONT,
        title=title,
        legend=legend_below(),
        margin=dict(l=10, r=10, t=top_margin(1 + labels, line_px=28), b=bottom_margin(3)),
        plot_bgcolor="white",
        hoverlabel=dict(font_size=15),
    )
    return figure


def _crossover_line(figure: go.Figure, summary: SweepSummary, name_backend: bool) -> None:
    """A vertical line at the crossover, labelled at the top.

    On a log axis, shapes take data values but annotations take log10 positions.
    """
    dash = DASHES.get(summary.backend, "solid")
    figure.add_shape(
        type="line",
        xref="x",
        yref="paper",
        x0=summary.crossover,
        x1=summary.crossover,
        y0=0,
        y1=1,
        line=dict(color="black", width=2, dash=dash),
    )
    text = f"medians cross at {_size_label(summary, summary.crossover)}"
    if name_backend:
        text += f" ({summary.backend.upper()})"
    figure.add_annotation(
        x=math.log10(summary.crossover),
        xref="x",
        yref="paper",
        y=1,
        yanchor="bottom",
        text=text,
        showarrow=False,
        font=dict(size=16),
        bgcolor="rgba(255,255,255,0.85)",
    )


def _auto_markers(figure: go.Figure, summary: SweepSummary) -> None:
    for agree, name, symbol in (
        (True, "auto pick not beaten", "circle-open"),
        (False, "auto pick clearly beaten", "circle-x-open"),
    ):
        xs, ys, text = [], [], []
        for index, size in enumerate(summary.sizes):
            pick = summary.auto[index]
            if summary.agree[index] != agree or pick not in summary.medians:
                continue
            value = summary.medians[pick][index]
            if math.isnan(value):
                continue
            xs.append(size)
            ys.append(value * 1000.0)
            beaten = summary.beaten_by[index]
            text.append(
                f"picks {METHOD_LABELS[pick]}; "
                + (f"clearly beaten by {METHOD_LABELS[beaten]}" if beaten else "not beaten")
            )
        if xs:
            figure.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    name=f"{name} · {summary.backend.upper()}",
                    mode="markers",
                    marker=dict(symbol=symbol, size=24, color="black", line=dict(width=2)),
                    text=text,
                    hovertemplate="choose_method at %{x}: %{text}<extra></extra>",
                )
            )


def agreement_table(summary: SweepSummary) -> pd.DataFrame:
    """Per size: the lowest median, ``choose_method``'s pick, and what clearly beat it, if any."""
    return pd.DataFrame(
        {
            "size": list(summary.sizes),
            "lowest median": [METHOD_LABELS.get(m, "—") for m in summary.fastest],
            "choose_method picks": [METHOD_LABELS[m] for m in summary.auto],
            "pick clearly beaten by": [METHOD_LABELS.get(m, "no one") for m in summary.beaten_by],
        }
    )


def measurements_table(rows: list[Measurement]) -> pd.DataFrame:
    """Every measurement as a table, times in milliseconds."""
    return pd.DataFrame(
        {
            "sweep": [r.sweep for r in rows],
            "backend": [r.backend.upper() for r in rows],
            "method": [METHOD_LABELS[r.method] for r in rows],
            "image": [
                f"{r.image_height}×{r.image_width}" + ("" if r.channels == 1 else f"×{r.channels}")
                for r in rows
            ],
            "kernel": [f"{r.kernel_size}×{r.kernel_size}" for r in rows],
            "median ms": np.round([r.median_s * 1000 for r in rows], 3),
            "min ms": np.round([r.min_s * 1000 for r in rows], 3),
            "max ms": np.round([r.max_s * 1000 for r in rows], 3),
            "lower quartile ms": np.round([r.q1_s * 1000 for r in rows], 3),
            "upper quartile ms": np.round([r.q3_s * 1000 for r in rows], 3),
            "runs": [r.repeats for r in rows],
        }
    )


def growth_bars(growth: dict[str, dict[int, TimingStats]], *, height: int = 360) -> go.Figure:
    """Grouped bars: direct and FFT medians for a small and a large kernel (milliseconds).

    Error bars span the middle half of the runs (lower to upper quartile). The
    axis is logarithmic, so that equal ratios look equal whatever the times.
    """
    sizes = sorted(next(iter(growth.values())))
    shades = ["#56B4E9", "#0072B2"]
    figure = go.Figure()
    labels = {"direct": "direct", "fft": "FFT"}
    for shade, size in zip(shades, sizes, strict=False):
        found = [growth[method][size] for method in growth]
        values = [s.median * 1000.0 for s in found]
        figure.add_trace(
            go.Bar(
                x=[labels.get(m, m) for m in growth],
                y=values,
                name=f"{size}×{size} kernel",
                marker_color=shade,
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=[(s.q3 - s.median) * 1000.0 for s in found],
                    arrayminus=[(s.median - s.q1) * 1000.0 for s in found],
                    color="#222222",
                    thickness=2,
                ),
                text=[f"{v:.2f} ms" for v in values],
                textposition="outside",
                textfont=dict(size=16),
                customdata=[[s.q1 * 1000.0, s.q3 * 1000.0] for s in found],
                hovertemplate="%{x}, "
                + f"{size}×{size}"
                + ": median %{y:.3f} ms<br>middle half %{customdata[0]:.3f}–"
                "%{customdata[1]:.3f} ms<extra></extra>",
            )
        )
    values = [
        v * 1000.0
        for times in growth.values()
        for s in times.values()
        for v in (s.q1, s.q3, s.median)
        if v > 0
    ]
    low, high = math.log10(min(values)), math.log10(max(values))
    figure.update_layout(
        barmode="group",
        height=height,
        font=FONT,
        yaxis=dict(
            title="ms (median; whiskers: middle half)",
            type="log",
            dtick=1,
            range=[low - 0.3, high + 0.4],
            gridcolor="#e5e5e5",
        ),
        xaxis=dict(tickfont=dict(size=17)),
        # Above the plot, left, under the mode bar (the legend's height is a title line's).
        legend=dict(orientation="h", y=1, yanchor="bottom", x=0, font=dict(size=15)),
        margin=dict(l=10, r=10, t=top_margin(), b=10),
        plot_bgcolor="white",
    )
    return figure
