"""Plotly figures for the One-dimension page: a 1-D convolution, shift by shift.

:func:`sliding_figure` draws one column per operation (convolution, and
correlation beside it when asked): on top the input ``x[k]`` and the kernel as
placed at shift ``n`` (turned round for convolution), in the middle the
products at the overlap, at the bottom the output ``y[n]`` filled in up to
``n``. Every shift is a Plotly frame; the slider and the play and pause buttons
step through them in the browser, without a rerun of the page. All values come
computed in a :class:`filters.onedim.Sliding`.

The results of the examples have their own pictures: the smoothed signal
(:func:`smoothing_figure`), the distribution of a sum of dice
(:func:`dice_figure`) and the FFT route's rounding (:func:`fft_error_figure`).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from filters.onedim import DiceSums, FftProduct, MovingAverage, Sliding
from ui.figures import FONT, bottom_margin, chart_title, legend_below, top_margin

# Okabe–Ito blue, vermilion and bluish green: distinct with any colour vision.
INPUT_COLOUR = "#0072B2"
KERNEL_COLOUR = "#D55E00"
PRODUCT_COLOUR = "#009E73"
OUTPUT_COLOUR = "#333333"
CURRENT_COLOUR = "#D55E00"
#: Kernels up to this long, on an axis up to this wide, have each placed tap
#: labelled (h[2] h[1] h[0]) and each product printed; more would crowd the picture.
LABELLED_TAPS = 8
LABELLED_SPAN = 26  # axis units across the whole figure (both columns)
#: Milliseconds per frame while playing.
FRAME_MS = 600
_AXIS_FONT = dict(size=14)
_TICK_FONT = dict(size=13)
#: Below the plots: the x axis's labels and title, then the play buttons and the slider.
_AXIS_PX = 60
_SLIDER_PX = 84
#: Between rows: the top row's tick labels, then the next row's title.
_ROW_GAP_PX = 54

TOP_TITLES = {
    "convolve": "Convolution: x[k] and h[n−k], h turned round",
    "correlate": "Correlation: x[k] and h slid as given",
}
KERNEL_AXIS = {"convolve": "kernel h[n−k]", "correlate": "kernel h, unflipped"}


def _stems(x, y, colour: str, name: str, hover: str, **extra) -> dict:
    """A stem plot as one scatter trace: a marker per sample and a line down to 0."""
    y = np.asarray(y, dtype=np.float64)
    return dict(
        type="scatter",
        x=np.asarray(x).tolist(),
        y=y.tolist(),
        mode=extra.pop("mode", "markers"),
        name=name,
        marker=dict(color=colour, size=extra.pop("size", 9)),
        error_y=dict(
            type="data",
            symmetric=False,
            array=np.maximum(-y, 0).tolist(),
            arrayminus=np.maximum(y, 0).tolist(),
            width=0,
            thickness=2.5,
            color=colour,
        ),
        hovertemplate=hover,
        showlegend=False,
        **extra,
    )


def _value_text(value: float) -> str:
    return f"{value:.4g}".replace("-", "−")


def _range(
    values: np.ndarray, share_below: float | None = None, room: float = 0.2
) -> tuple[list[float], float]:
    """An axis range holding 0 and ``values`` with room above for a label.

    Returns the range and the share of it below zero; with ``share_below`` the range
    puts zero at that height instead (so two axes on one plot share their zero line).
    """
    low, high = min(float(np.min(values)), 0.0), max(float(np.max(values)), 0.0)
    if high == low:
        high = low + 1.0
    below = -low / (high - low) if share_below is None else share_below
    if 0 < below < 1:
        span = max(high / (1 - below), -low / below)
    elif below <= 0:
        span = high
    else:
        span = -low
    pad = room * span
    return [-below * span - pad * (below > 0), (1 - below) * span + pad], below


def _kernel_trace(step: Sliding, i: int, labelled: bool) -> dict:
    taps = step.taps + step.h.start
    return _stems(
        step.positions[i],
        step.placed[i],
        KERNEL_COLOUR,
        "kernel as placed",
        "k = %{x}: h[%{customdata}] = %{y:.4g}<extra></extra>",
        customdata=taps.tolist(),
        mode="markers+text" if labelled else "markers",
        text=[f"h[{tap}]" for tap in taps] if labelled else None,
        textposition="top center",
        textfont=dict(color=KERNEL_COLOUR, size=14),
        size=11,
    )


def _products_trace(step: Sliding, i: int, labelled: bool) -> dict:
    overlap = step.overlap[i]
    values = step.products[i][overlap]
    return _stems(
        step.positions[i][overlap],
        values,
        PRODUCT_COLOUR,
        "products",
        "k = %{x}: x[k]·h = %{y:.4g}<extra></extra>",
        mode="markers+text" if labelled else "markers",
        text=[_value_text(v) for v in values] if labelled else None,
        textposition="top center",
        textfont=dict(color=PRODUCT_COLOUR, size=13),
    )


def _output_traces(step: Sliding, i: int) -> list[dict]:
    done = _stems(
        step.index[: i + 1],
        step.output[: i + 1],
        OUTPUT_COLOUR,
        "output so far",
        "n = %{x}: y[n] = %{y:.4g}<extra></extra>",
        size=7,
    )
    current = dict(
        type="scatter",
        x=[int(step.index[i])],
        y=[float(step.output[i])],
        mode="markers+text",
        marker=dict(color=CURRENT_COLOUR, size=14, symbol="diamond"),
        text=[f"y[{step.index[i]}] = Σ = {_value_text(step.sums[i])}"],
        textposition="top center",
        textfont=dict(color=CURRENT_COLOUR, size=15),
        hovertemplate="n = %{x}: y[n] = %{y:.4g}<extra></extra>",
        showlegend=False,
        cliponaxis=False,
    )
    return [done, current]


def sliding_figure(steps: list[Sliding], *, start: int = 0, height: int = 600):
    """Every shift of one or two 1-D operations, animated with Plotly frames.

    Parameters
    ----------
    steps : list of Sliding
        One per column, all with the same input and kernel lengths (convolution and,
        beside it, correlation of the same sequences).
    start : int
        The shift shown before anything is played (its position, 0 … L-1). Play
        starts from the first shift until the slider or a pause has set another
        (Plotly does not know which frame a figure starts on).
    height : int
        The figure's height in pixels, slider included.

    Returns
    -------
    plotly.graph_objects.Figure
        Three rows per column, a frame per output sample (named by its position,
        ``"0"`` … ``"L-1"``), a slider and play / pause buttons.
    """
    columns = len(steps)
    first = steps[0]
    length = len(first)
    start = int(np.clip(start, 0, length - 1))

    titles = [TOP_TITLES[step.operation] for step in steps]
    titles += ["products x[k]·h at the overlap"] * columns
    titles += ["output y[n], filled in up to n"] * columns
    plot_px = height - top_margin() - _AXIS_PX - _SLIDER_PX
    figure = make_subplots(
        rows=3,
        cols=columns,
        shared_xaxes=True,
        vertical_spacing=_ROW_GAP_PX / plot_px,
        horizontal_spacing=0.16,
        row_heights=[0.4, 0.3, 0.3],
        subplot_titles=titles,
        specs=[[{"secondary_y": True}] * columns, [{}] * columns, [{}] * columns],
    )

    positions = np.concatenate([first.positions.ravel(), first.index])
    x_range = [float(positions.min()) - 0.8, float(positions.max()) + 0.8]
    labelled = (
        first.h.values.size <= LABELLED_TAPS
        and (x_range[1] - x_range[0]) * columns <= LABELLED_SPAN
    )
    animated: list[int] = []
    for column, step in enumerate(steps, start=1):
        # Both axes of the top row put zero at the same height.
        below = max(_range(step.x.values)[1], _range(step.h.values)[1])
        input_range, _ = _range(step.x.values, share_below=below, room=0.32)
        kernel_range, _ = _range(step.h.values, share_below=below, room=0.32)
        product_range, _ = _range(step.products, room=0.35)
        output_range, _ = _range(step.output, room=0.35)
        figure.add_trace(
            go.Bar(
                x=step.x.index,
                y=step.x.values,
                width=0.7,
                marker=dict(color=INPUT_COLOUR, opacity=0.45, line=dict(width=0)),
                name="input",
                hovertemplate="k = %{x}: x[k] = %{y:.4g}<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=column,
        )
        pieces = [
            (_kernel_trace(step, start, labelled), 1, True),
            (_products_trace(step, start, labelled), 2, False),
            *((trace, 3, False) for trace in _output_traces(step, start)),
        ]
        for trace, row, secondary in pieces:
            figure.add_trace(go.Scatter(trace), row=row, col=column, secondary_y=secondary)
            animated.append(len(figure.data) - 1)

        figure.update_yaxes(
            range=input_range,
            title=dict(text="input x[k]", font=dict(color=INPUT_COLOUR, **_AXIS_FONT)),
            row=1,
            col=column,
            secondary_y=False,
        )
        figure.update_yaxes(
            range=kernel_range,
            title=dict(
                text=KERNEL_AXIS[step.operation], font=dict(color=KERNEL_COLOUR, **_AXIS_FONT)
            ),
            showgrid=False,
            zeroline=False,
            row=1,
            col=column,
            secondary_y=True,
        )
        figure.update_yaxes(
            range=product_range,
            title=dict(text="x[k]·h", font=_AXIS_FONT),
            row=2,
            col=column,
        )
        figure.update_yaxes(
            range=output_range,
            title=dict(text="output y[n]", font=_AXIS_FONT),
            row=3,
            col=column,
        )
        figure.update_xaxes(
            title=dict(text="k (input) · n (output)", font=_AXIS_FONT), row=3, col=column
        )

    figure.update_xaxes(
        range=x_range,
        showticklabels=True,
        tickfont=_TICK_FONT,
        gridcolor="#e5e5e5",
        zeroline=False,
        dtick=_tick_step(x_range[1] - x_range[0]),
    )
    figure.update_yaxes(tickfont=_TICK_FONT, gridcolor="#e5e5e5", zerolinecolor="#999999")
    # The products share the top row's k axis, whose numbers are just above them.
    figure.update_xaxes(showticklabels=False, row=2)

    # Each frame's traces name the axes of the traces they replace.
    axes = [dict(xaxis=figure.data[t].xaxis, yaxis=figure.data[t].yaxis) for t in animated]
    frames = []
    for i in range(length):
        data = []
        for step in steps:
            data.append(_kernel_trace(step, i, labelled))
            data.append(_products_trace(step, i, labelled))
            data.extend(_output_traces(step, i))
        data = [trace | where for trace, where in zip(data, axes, strict=True)]
        frames.append(go.Frame(name=str(i), data=data, traces=animated))
    figure.frames = frames

    controls_y = -_AXIS_PX / plot_px  # just under the x axis, in the plots' height
    step_args = dict(
        mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0)
    )
    figure.update_layout(
        height=height,
        font=FONT,
        plot_bgcolor="white",
        margin=dict(l=10, r=10, t=top_margin(), b=_AXIS_PX + _SLIDER_PX),
        hoverlabel=dict(font_size=15),
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0,
                xanchor="left",
                y=controls_y,
                yanchor="top",
                pad=dict(t=24, r=10),
                showactive=False,
                font=dict(size=15),
                buttons=[
                    dict(
                        label="▶ Play",
                        method="animate",
                        args=[
                            None,
                            dict(
                                mode="immediate",
                                fromcurrent=True,
                                frame=dict(duration=FRAME_MS, redraw=True),
                                transition=dict(duration=0),
                            ),
                        ],
                    ),
                    dict(
                        label="❚❚ Pause",
                        method="animate",
                        args=[[None], step_args],
                    ),
                ],
            )
        ],
        sliders=[
            dict(
                active=start,
                x=0.2,
                len=0.8,
                y=controls_y,
                yanchor="top",
                pad=dict(t=0, b=0),
                currentvalue=dict(prefix="shift n = ", font=dict(size=15, color="#222222")),
                # Past a few dozen shifts the numbers under the slider would overlap:
                # the current value above it still says which shift is shown.
                font=dict(size=12, color="#444444" if length <= 30 else "rgba(0,0,0,0)"),
                steps=[
                    dict(
                        label=str(int(n)),
                        method="animate",
                        args=[[str(i)], step_args],
                    )
                    for i, n in enumerate(first.index)
                ],
            )
        ],
    )
    return figure


def _tick_step(span: float) -> int:
    """A whole tick step giving at most about 16 ticks."""
    for step in (1, 2, 5, 10, 20, 50, 100, 200):
        if span / step <= 16:
            return step
    return 500


# ----------------------------------------------------------------------------
# The results of the examples
# ----------------------------------------------------------------------------


def _result_layout(
    figure: go.Figure, title: str, height: int, x_title: str, y_title: str, legend: bool = False
):
    figure.update_layout(
        height=height,
        font=FONT,
        plot_bgcolor="white",
        margin=dict(l=10, r=10, t=top_margin(), b=bottom_margin(1 if legend else 0)),
        title=chart_title(title),
        hoverlabel=dict(font_size=15),
        legend=legend_below(size=15),
        showlegend=legend,
    )
    figure.update_xaxes(
        title=dict(text=x_title, font=_AXIS_FONT), tickfont=_TICK_FONT, gridcolor="#e5e5e5"
    )
    figure.update_yaxes(
        title=dict(text=y_title, font=_AXIS_FONT),
        tickfont=_TICK_FONT,
        gridcolor="#e5e5e5",
        zerolinecolor="#999999",
    )
    return figure


def smoothing_figure(average: MovingAverage, *, height: int = 360) -> go.Figure:
    """The noisy signal, the clean one under it and the moving average (``same`` output)."""
    k = average.signal.index
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=k,
            y=average.signal.values,
            mode="markers",
            name="noisy input x[k]",
            marker=dict(color=INPUT_COLOUR, size=7, opacity=0.7),
            hovertemplate="k = %{x}: x = %{y:.4g}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=k,
            y=average.clean,
            mode="lines",
            name="signal before the noise",
            line=dict(color="#888888", width=2, dash="dash"),
            hovertemplate="k = %{x}: %{y:.4g}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=k,
            y=average.smoothed,
            mode="lines",
            name=f"moving average of {average.kernel.values.size} (same size)",
            line=dict(color=KERNEL_COLOUR, width=3.5),
            hovertemplate="n = %{x}: y = %{y:.4g}<extra></extra>",
        )
    )
    return _result_layout(figure, "The smoothed signal", height, "k, n", "value", legend=True)


def dice_figure(dice: DiceSums, *, height: int = 360) -> go.Figure:
    """The probability of each sum, with the exact fraction on each bar when there is room."""
    labelled = dice.totals.size <= 13
    text = [str(dice.fraction(i)) for i in range(dice.totals.size)] if labelled else None
    figure = go.Figure(
        go.Bar(
            x=dice.totals,
            y=dice.probabilities,
            text=text,
            textposition="outside",
            textfont=dict(size=14),
            cliponaxis=False,
            marker=dict(color=INPUT_COLOUR),
            name="P(sum = s)",
            hovertemplate="sum %{x}: P = %{y:.6g}<extra></extra>",
        )
    )
    dice_word = "die" if dice.count == 1 else "dice"
    _result_layout(
        figure, f"The sum of {dice.count} {dice_word}", height, "sum s", "probability P(sum = s)"
    )
    figure.update_yaxes(range=[0, 1.18 * float(dice.probabilities.max())])
    figure.update_xaxes(dtick=_tick_step(float(dice.totals.size)))
    return figure


def fft_error_figure(fft: FftProduct, *, height: int = 320) -> go.Figure:
    """``FFT − direct`` for every coefficient: the FFT route's rounding."""
    difference = fft.values - fft.direct
    figure = go.Figure(
        go.Scatter(
            _stems(
                np.arange(difference.size),
                difference,
                PRODUCT_COLOUR,
                "FFT − direct",
                "x^%{x}: FFT − direct = %{y:.3g}<extra></extra>",
                size=7,
            )
        )
    )
    _result_layout(
        figure, "FFT route − direct route, per coefficient", height, "power n", "difference"
    )
    figure.update_yaxes(exponentformat="power")
    return figure
