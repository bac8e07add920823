"""Plotly figures for the CNN page: the training curves."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures import FONT, bottom_margin, legend_below, top_margin

# Blue and vermilion from the Okabe–Ito palette: distinct for colour-blind viewers.
LOSS_COLOUR = "#0072B2"
FLIP_COLOUR = "#0072B2"
KERNEL_COLOUR = "#D55E00"


def _positive(values: np.ndarray) -> np.ndarray:
    """Values for a log axis: zeros and non-finite values become gaps."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(values) & (values > 0), values, np.nan)


def _decades(series: list[np.ndarray]) -> float:
    """How many powers of ten the positive finite values span."""
    values = np.concatenate([_positive(values) for values in series])
    values = values[np.isfinite(values)]
    return float(np.log10(values.max() / values.min())) if values.size else 0.0


def training_curves(
    losses: np.ndarray,
    to_flip: np.ndarray,
    to_kernel: np.ndarray,
    *,
    total_steps: int,
    height: int = 440,
) -> go.Figure:
    """Loss and distance of the filter to flip(K) and to K against the step, log scale.

    Parameters
    ----------
    losses, to_flip, to_kernel : (S,) arrays
        Values before the first step and after each step so far.
    total_steps : int
        The planned number of steps, so a live chart keeps its x range while it grows.
    """
    steps = np.arange(len(losses))
    figure = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.1,
        subplot_titles=["Loss (mean squared error)", "Distance of the filter W"],
    )
    figure.add_trace(
        go.Scatter(
            x=steps,
            y=_positive(losses),
            mode="lines",
            line=dict(color=LOSS_COLOUR, width=3),
            name="loss",
            showlegend=False,
            hovertemplate="step %{x}<br>loss %{y:.3g}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    for values, name, colour, dash in (
        (to_flip, "max |W − flip K|", FLIP_COLOUR, "solid"),
        (to_kernel, "max |W − K|", KERNEL_COLOUR, "dash"),
    ):
        figure.add_trace(
            go.Scatter(
                x=steps,
                y=_positive(values),
                mode="lines",
                line=dict(color=colour, width=3, dash=dash),
                name=name,
                hovertemplate="step %{x}<br>%{y:.3g}<extra>" + name + "</extra>",
            ),
            row=1,
            col=2,
        )
    figure.update_xaxes(
        title_text="step", range=[0, max(total_steps, 1)], tickfont=dict(size=15), showgrid=True
    )
    figure.update_yaxes(type="log", exponentformat="power", tickfont=dict(size=15))
    for col, series in ((1, [losses]), (2, [to_flip, to_kernel])):
        decades = _decades(series)
        if decades >= 2:  # labels on powers of ten only, at most about eight of them
            figure.update_yaxes(dtick=max(1, math.ceil(decades / 8)), row=1, col=col)
    figure.update_annotations(font=dict(size=17))
    figure.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=top_margin(), b=bottom_margin(1)),
        font=FONT,
        legend=legend_below(x=1.0, xanchor="right", size=16),
        hoverlabel=dict(font_size=15),
        plot_bgcolor="white",
    )
    figure.update_xaxes(gridcolor="#e5e5e5", linecolor="#888")
    figure.update_yaxes(gridcolor="#e5e5e5", linecolor="#888")
    return figure
