"""One dimension: 1-D convolution, where the flip is easiest to see."""

import numpy as np
import pandas as pd
import streamlit as st

from filters import FiltersError, onedim
from ui import compute, figures, onedim_figures
from ui import text as plain_text
from ui.frame import ensure_app_frame
from ui.guard import guarded

ensure_app_frame()

EXAMPLES = {
    "average": "Moving average",
    "dice": "Sum of dice",
    "polynomial": "Polynomial product",
    "fft": "Product through the FFT",
}
WHY = {
    "average": "Each output sample is the mean of the w input samples ending at it: the "
    "same weights 1/w slid along the signal, which is a convolution with a box.",
    "dice": "To throw a sum s, the first dice show some k and the last die s − k; adding "
    "P(k) · P(s − k) over every k is a convolution of the two distributions.",
    "polynomial": "The coefficient of xⁿ in a(x)·b(x) collects every pair of powers adding "
    "up to n: cₙ = Σ aₖ bₙ₋ₖ, the convolution of the coefficient lists.",
    "fft": "The spectrum of a convolution is the product of the spectra: transform both "
    "coefficient lists, multiply them point by point and transform back.",
}
GENERAL = r"y[n] &= \sum_k x[k]\,h[n-k]"
FORMULAS = {
    "average": r"h[m] &= \tfrac{1}{w} \quad (0 \le m < w)",
    "dice": r"P_d(s) &= \sum_k P_{d-1}(k)\,p(s-k)",
    "polynomial": r"c_n &= \sum_k a_k\, b_{n-k}",
    "fft": r"c &= \mathcal{F}^{-1}\big\{\mathcal{F}\{a\}\cdot\mathcal{F}\{b\}\big\}",
}
MAX_COEFFICIENTS = 32  # typed polynomials: the animation has a frame per output sample
MAX_RANDOM_DEGREE = 40
FAIR, LOADED_DEFAULT = [1] * 6, [1, 1, 1, 1, 1, 3]
FIGURE_HEIGHT = 620

st.title("One dimension")
st.markdown(
    "Convolution slides a kernel **turned round** along the input and adds the products. "
    "In one dimension the flip is plain to see: press ▶ Play, or drag the slider."
)


# ----------------------------------------------------------------------------
# Computations, kept between reruns
# ----------------------------------------------------------------------------


@compute.kept
def _average(window: int, noise: float) -> onedim.MovingAverage:
    return onedim.moving_average(window, noise=noise)


@compute.kept
def _dice(count: int, weights: tuple[int, ...]) -> onedim.DiceSums:
    return onedim.dice_sums(count, list(weights))


@compute.kept
def _polynomials(a: tuple[float, ...], b: tuple[float, ...]) -> onedim.PolynomialProduct:
    return onedim.polynomial_product(np.array(a), np.array(b))


@compute.kept
def _sliding_figure(
    x: tuple[float, ...], x_start: int, h: tuple[float, ...], h_start: int, both: bool
):
    """The animated figure, kept whole: its frames take about a second to build."""
    operations = onedim.OPERATIONS if both else ("convolve",)
    first, kernel = onedim.Sequence(np.array(x), x_start), onedim.Sequence(np.array(h), h_start)
    slides = [onedim.sliding(first, kernel, operation) for operation in operations]
    return onedim_figures.sliding_figure(slides, height=FIGURE_HEIGHT)


def _animation(x: onedim.Sequence, h: onedim.Sequence, key: str) -> None:
    both = st.toggle(
        "Correlation beside it (h not turned round)",
        key="onedim_correlation",
        help="With a kernel that is not symmetric the two outputs differ.",
    )
    figure = _sliding_figure(
        tuple(x.values.tolist()), x.start, tuple(h.values.tolist()), h.start, both
    )
    st.plotly_chart(
        figure,
        key=key,
        width="stretch",
        config=figures.PLOTLY_CONFIG,
    )
    st.caption(
        f"x: {x.values.size} samples · h: {h.values.size} samples · "
        f"{len(figure.frames)} shifts, one frame each. Blue bars: the input; orange stems: "
        "the kernel, h[m] at k = n − m; green: the products; the orange diamond: their sum, y[n]."
    )


# ----------------------------------------------------------------------------
# The four examples
# ----------------------------------------------------------------------------


def moving_average() -> None:
    controls = st.columns(2)
    window = controls[0].slider("Window length w", 1, 25, 5, key="onedim_window")
    noise = controls[1].slider(
        "Noise (standard deviation)", 0.0, 1.0, 0.35, 0.05, key="onedim_noise"
    )
    average = _average(window, noise)
    _animation(average.signal, average.kernel, "onedim_chart_average")
    st.plotly_chart(
        onedim_figures.smoothing_figure(average),
        key="onedim_smoothed",
        width="stretch",
        config=figures.PLOTLY_CONFIG,
    )
    gain = average.noise_rms / average.smoothed_rms if average.smoothed_rms else float("inf")
    cells = st.columns(3)
    cells[0].metric("RMS error of the input", f"{average.noise_rms:.4f}")
    cells[1].metric(f"RMS error after the average of {window}", f"{average.smoothed_rms:.4f}")
    cells[2].metric("noise reduced by", f"{gain:.2f}×")
    st.caption(
        "Errors against the signal before the noise, over the samples whose window lies "
        "inside the signal. The smoothed curve is the 'same' output: the full output "
        f"cropped by {(window - 1) // 2} samples at the start."
    )


def _weights(loaded: bool) -> list[int]:
    if not loaded:
        return FAIR
    st.caption("Relative weight of each face (0–9); every die is loaded the same way.")
    cells = st.columns(6)
    return [
        int(
            cells[face].number_input(
                f"Face {face + 1}",
                0,
                onedim.MAX_WEIGHT,
                LOADED_DEFAULT[face],
                key=f"onedim_weight_{face + 1}",
            )
        )
        for face in range(6)
    ]


def dice() -> None:
    controls = st.columns([3, 1], vertical_alignment="bottom")
    count = controls[0].slider("Number of dice", 1, onedim.MAX_DICE, 2, key="onedim_dice")
    loaded = controls[1].toggle("Loaded dice", key="onedim_loaded")
    result = _dice(count, tuple(_weights(loaded)))
    _animation(result.previous, result.die, "onedim_chart_dice")
    chart, table = st.columns([3, 2], gap="medium")
    with chart:
        st.plotly_chart(
            onedim_figures.dice_figure(result),
            key="onedim_dice_bars",
            width="stretch",
            config=figures.PLOTLY_CONFIG,
        )
    with table:
        rows = [
            {
                "sum": int(total),
                "ways / all": f"{int(ways)}/{result.denominator}",
                "exact": str(result.fraction(i)),
                "probability": float(result.probabilities[i]),
            }
            for i, (total, ways) in enumerate(zip(result.totals, result.counts, strict=True))
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=340)
    rounding = (
        f"differ from them by at most {result.float_error:.2g}"
        if result.float_error
        else "equal them exactly"
    )
    st.caption(
        f"Exact fractions from whole-number counts (all {result.denominator} weighted "
        f"throws); the probabilities from the floating-point convolution {rounding}. "
        f"Expected sum: {result.mean:.4g}."
    )


def _coefficients(label: str, key: str, default: str, name: str) -> np.ndarray | None:
    text = st.text_input(
        label,
        default,
        key=key,
        max_chars=onedim.MAX_TEXT,
        help="Lowest power first: 1, 2 is 1 + 2x.",
    )
    try:
        return onedim.parse_coefficients(text, name, max_length=MAX_COEFFICIENTS)
    except FiltersError as exc:
        plain_text.error(exc)
        return None


def _typed_polynomials() -> tuple[np.ndarray, np.ndarray] | None:
    cells = st.columns(2)
    with cells[0]:
        a = _coefficients("a(x): coefficients, lowest power first", "onedim_a", "1, 2", "a(x)")
    with cells[1]:
        b = _coefficients("b(x): coefficients, lowest power first", "onedim_b", "3, 1, 1", "b(x)")
    if a is None or b is None:
        return None
    return a, b


def polynomial() -> None:
    typed = _typed_polynomials()
    if typed is None:
        return
    product = _polynomials(*(tuple(values.tolist()) for values in typed))
    _animation(product.a, product.b, "onedim_chart_polynomial")
    a, b, c = (onedim.polynomial_text(v, latex=True) for v in (*typed, product.product))
    st.latex(rf"\big({a}\big)\big({b}\big) = {c}")
    st.markdown(
        "Coefficients of the product, lowest power first: "
        + plain_text.plain(", ".join(f"{v:.6g}" for v in product.product))
    )
    if product.reference_error == 0:
        st.success("numpy.polynomial.polynomial.polymul gives exactly the same coefficients.")
    else:
        st.info(
            "numpy.polynomial.polynomial.polymul differs by at most "
            f"{product.reference_error:.2g} (rounding)."
        )


def fft_product() -> None:
    use_random = st.toggle("Random whole coefficients", True, key="onedim_random")
    if use_random:
        degree = st.slider("Degree of a(x) and b(x)", 1, MAX_RANDOM_DEGREE, 20, key="onedim_degree")
        typed = (onedim.random_polynomial(degree, seed=1), onedim.random_polynomial(degree, seed=2))
    else:
        typed = _typed_polynomials()
        if typed is None:
            return
    product = _polynomials(*(tuple(values.tolist()) for values in typed))
    fft = product.fft
    _animation(product.a, product.b, "onedim_chart_fft")
    cells = st.columns(3)
    cells[0].metric("FFT length (padded)", f"{fft.fft_length}")
    cells[1].metric("max |FFT − direct|", f"{fft.max_error:.3g}")
    cells[2].metric("relative to max|a|·Σ|b|", f"{fft.relative_error:.3g}")
    st.caption(
        f"Both lists are padded with zeros to {fft.fft_length} ≥ {fft.values.size} samples, "
        "so the FFT's circular convolution does not wrap round; the product of the two "
        "real spectra, transformed back, gives the coefficients up to rounding."
    )
    st.plotly_chart(
        onedim_figures.fft_error_figure(fft),
        key="onedim_fft_error",
        width="stretch",
        config=figures.PLOTLY_CONFIG,
    )
    if fft.values.size <= 16:
        st.dataframe(
            pd.DataFrame(
                {
                    "power": np.arange(fft.values.size),
                    "direct": fft.direct,
                    "through the FFT": fft.values,
                    "FFT − direct": fft.values - fft.direct,
                }
            ),
            hide_index=True,
            width="stretch",
        )


with guarded("drawing the one-dimensional examples"):
    example = st.radio(
        "Example",
        list(EXAMPLES),
        format_func=EXAMPLES.get,
        horizontal=True,
        key="onedim_example",
    )
    explanation, formula = st.columns(2, vertical_alignment="center")
    explanation.markdown(WHY[example])
    formula.latex(rf"\begin{{aligned}}{GENERAL} \\ {FORMULAS[example]}\end{{aligned}}")
    {"average": moving_average, "dice": dice, "polynomial": polynomial, "fft": fft_product}[
        example
    ]()
