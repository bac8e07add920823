"""Plotly figures for the Fourier page: frequency responses, gains and PSNR curves.

Image-like panels (spectra, results, differences) go through
:mod:`ui.image_viewer`; this module draws what is not an image. The data come
computed from :mod:`filters.fourier`; nothing here computes more than a slice.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from filters.fourier import HALF_POWER, ResponseLevels
from ui.figures import FONT, bottom_margin, chart_title, legend_below, top_margin

# Perceptually uniform, readable by colour-blind viewers, dark = 0.
SEQUENTIAL = "viridis"
LINE_COLOURS = ("#3b6ea8", "#d1495b", "#2e933c")
_TITLE_FONT = dict(size=17)
_AXIS_FONT = dict(size=14)


def _layout(figure: go.Figure, title: str, height: int, legend_rows: int = 2) -> go.Figure:
    """Title, fonts and grid; a legend of up to ``legend_rows`` rows under the x axis."""
    figure.update_layout(
        height=height,
        margin=dict(l=8, r=8, t=top_margin(), b=bottom_margin(legend_rows)),
        showlegend=True,
        font=FONT,
        title=chart_title(title, size=_TITLE_FONT["size"]),
        plot_bgcolor="white",
        hoverlabel=dict(font_size=15),
        legend=legend_below(size=_AXIS_FONT["size"] + 1),
    )
    figure.update_xaxes(tickfont=_AXIS_FONT, gridcolor="#e5e5e5", zerolinecolor="#bbbbbb")
    figure.update_yaxes(tickfont=_AXIS_FONT, gridcolor="#e5e5e5", zerolinecolor="#bbbbbb")
    return figure


def readable_colour_bars(figure: go.Figure) -> go.Figure:
    """Colour-bar ticks as powers of ten (5×10⁻¹⁶), not SI prefixes (5f)."""
    figure.update_traces(colorbar_exponentformat="power", selector=dict(type="heatmap"))
    return figure


def response_heatmap(
    magnitude: np.ndarray,
    vertical: np.ndarray,
    horizontal: np.ndarray,
    *,
    height: int = 460,
) -> go.Figure:
    """``|H(u, v)|`` on linear amplitude, zero frequency in the middle.

    Parameters
    ----------
    magnitude : (M, N) ndarray
        ``|H|`` on a centred grid.
    vertical, horizontal : ndarray
        The grid's frequencies in cycles per pixel (:func:`filters.kernels.frequency_axes`).
    """
    figure = go.Figure(
        go.Heatmap(
            z=magnitude,
            x=horizontal,
            y=vertical,
            colorscale=SEQUENTIAL,
            zmin=0,
            colorbar=dict(title=dict(text="|H|"), thickness=14, tickfont=_AXIS_FONT),
            hovertemplate="v %{x:.3f}, u %{y:.3f} cycles/px<br>|H| %{z:.4g}<extra></extra>",
        )
    )
    _layout(figure, "|H(u, v)|: gain at each frequency", height, legend_rows=0)
    figure.update_xaxes(title="v: horizontal frequency (cycles/pixel)", constrain="domain")
    figure.update_yaxes(
        title="u: vertical frequency",
        scaleanchor="x",
        scaleratio=1,
        autorange="reversed",
        constrain="domain",
    )
    return figure


def response_sections(
    magnitude: np.ndarray,
    vertical: np.ndarray,
    horizontal: np.ndarray,
    levels: ResponseLevels,
    *,
    height: int = 460,
) -> go.Figure:
    """Cross-sections of ``|H|`` through zero frequency along v and along u, with the
    half-power line that :func:`filters.fourier.classify_response` uses."""
    row, column = magnitude.shape[0] // 2, magnitude.shape[1] // 2
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=horizontal,
            y=magnitude[row, :],
            name="along v (u = 0)",
            mode="lines",
            line=dict(color=LINE_COLOURS[0], width=3),
            hovertemplate="v %{x:.3f}: |H| %{y:.4g}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=vertical,
            y=magnitude[:, column],
            name="along u (v = 0)",
            mode="lines",
            line=dict(color=LINE_COLOURS[1], width=3, dash="dash"),
            hovertemplate="u %{x:.3f}: |H| %{y:.4g}<extra></extra>",
        )
    )
    if magnitude.shape[0] == magnitude.shape[1]:
        diagonal = np.diagonal(magnitude)
        figure.add_trace(
            go.Scatter(
                x=horizontal,
                y=diagonal,
                name="diagonal (u = v)",
                mode="lines",
                line=dict(color=LINE_COLOURS[2], width=2, dash="dot"),
                hovertemplate="u = v = %{x:.3f}: |H| %{y:.4g}<extra></extra>",
            )
        )
    if levels.peak > 0:
        figure.add_hline(
            y=HALF_POWER * levels.peak,
            line=dict(color="#666666", width=1.5, dash="dot"),
            annotation_text="peak/√2 (−3 dB)",
            annotation_position="top left",
            annotation_font=dict(size=14),
        )
    _layout(figure, "Through zero frequency (DC), linear amplitude", height)
    figure.update_xaxes(title="frequency (cycles/pixel); ±0.5 = Nyquist", range=[-0.5, 0.5])
    figure.update_yaxes(title="|H|", rangemode="tozero")
    return figure


def gain_curves(
    frequencies: np.ndarray,
    blur: np.ndarray,
    inverse: np.ndarray,
    wiener: np.ndarray,
    *,
    height: int = 400,
) -> go.Figure:
    """What each deconvolution multiplies each frequency by, on a log scale.

    Parameters
    ----------
    frequencies : (n,) ndarray
        Horizontal frequencies in cycles per pixel (one row through zero frequency).
    blur, inverse, wiener : (n,) ndarray
        ``|H|``, the inverse filter's ``1/|H|`` and Wiener's ``|H| / (|H|² + K)`` there.
    """
    figure = go.Figure()
    for values, name, colour, dash in (
        (blur, "blur |H|", LINE_COLOURS[0], "solid"),
        (inverse, "naive inverse 1/|H|", LINE_COLOURS[1], "dash"),
        (wiener, "Wiener |H|/(|H|²+K)", LINE_COLOURS[2], "solid"),
    ):
        figure.add_trace(
            go.Scatter(
                x=frequencies,
                y=np.maximum(values, 1e-20),
                name=name,
                mode="lines",
                line=dict(color=colour, width=3, dash=dash),
                hovertemplate="v %{x:.3f}: %{y:.3g}<extra>" + name + "</extra>",
            )
        )
    _layout(figure, "Gain per frequency (noise gets the same gain)", height)
    figure.update_xaxes(title="horizontal frequency v (cycles/pixel), u = 0", range=[0, 0.5])
    figure.update_yaxes(title="gain", type="log", exponentformat="power")
    return figure


def psnr_curve(
    nsrs: np.ndarray,
    psnrs: np.ndarray,
    *,
    chosen_nsr: float,
    chosen_psnr: float,
    blurred_psnr: float,
    naive_psnr: float,
    height: int = 400,
) -> go.Figure:
    """PSNR of the Wiener estimate against ``K``, with the chosen ``K``, the blurred input
    and the naive inverse for reference (the latter noted when far off the scale)."""
    figure = go.Figure(
        go.Scatter(
            x=nsrs,
            y=psnrs,
            name="Wiener",
            mode="lines+markers",
            line=dict(color=LINE_COLOURS[2], width=3),
            hovertemplate="K %{x:.2g}: %{y:.2f} dB<extra>Wiener</extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[chosen_nsr],
            y=[chosen_psnr],
            name="your K",
            mode="markers",
            marker=dict(size=16, color=LINE_COLOURS[1], symbol="diamond"),
            hovertemplate="K %{x:.2g}: %{y:.2f} dB<extra>your K</extra>",
        )
    )
    figure.add_hline(
        y=blurred_psnr,
        line=dict(color="#666666", width=1.5, dash="dot"),
        annotation_text=f"blurred input {blurred_psnr:.1f} dB",
        annotation_position="bottom left",
        annotation_font=dict(size=14),
    )
    finite = psnrs[np.isfinite(psnrs)]
    low = min(float(finite.min()) if finite.size else blurred_psnr, blurred_psnr) - 3
    high = max(float(finite.max()) if finite.size else blurred_psnr, blurred_psnr) + 3
    if math.isfinite(naive_psnr) and low <= naive_psnr <= high:
        figure.add_hline(
            y=naive_psnr,
            line=dict(color=LINE_COLOURS[1], width=1.5, dash="dash"),
            annotation_text=f"naive inverse {naive_psnr:.1f} dB",
            annotation_position="top left",
            annotation_font=dict(size=14),
        )
    else:
        naive = "∞" if math.isinf(naive_psnr) else f"{naive_psnr:.1f}"
        figure.add_annotation(
            text=f"naive inverse: {naive} dB (off the scale)",
            xref="paper",
            yref="paper",
            x=0.98,
            y=0.02,
            showarrow=False,
            font=dict(size=14, color=LINE_COLOURS[1]),
            xanchor="right",
            yanchor="bottom",
        )
    _layout(figure, "PSNR against the original, for each K", height, legend_rows=1)
    figure.update_xaxes(
        title="K (noise-to-signal ratio, log scale)", type="log", dtick=1, exponentformat="power"
    )
    figure.update_yaxes(title="PSNR (dB)", range=[low, high])
    return figure
