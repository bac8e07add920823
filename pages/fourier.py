"""Fourier domain: why the FFT computes convolution, shown on the current image and kernel."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from filters import fourier, images, kernels, samples
from ui import compute, figures, state, widgets
from ui import fourier_figures as ff
from ui.frame import ensure_app_frame
from ui.guard import guarded
from ui.image_viewer import cached_viewer

ensure_app_frame()

MAX_SIDE = 1024  # long side of the grey image this page transforms
QUICK_PICKS = {
    "Gauss /273": ("gaussian273", {}),
    "Box 7×7": ("box", {"size": 7}),
    "Motion blur": ("motion", {}),
    "Laplacian": ("laplacian4", {}),
    "Sharpen": ("sharpen", {}),
    "DoG": ("dog", {}),
    "Gabor": ("gabor", {}),
    "Sobel x": ("sobel_x", {}),
    "Identity": ("identity", {}),
}
WRAP_KERNELS = {
    "Gaussian 31×31, σ = 8": ("gaussian", {"size": 31, "sigma": 8.0}),
    "Shifted impulse, dx = dy = 7": ("shift", {"dx": 7, "dy": 7}),
    "The current kernel": None,
}
NSR_EXPONENTS = np.arange(-6.0, 0.001, 0.25)  # log10 K on the PSNR curve and the slider
RESPONSE_SHAPE = (128, 128)  # even, so Nyquist (±0.5) is sampled


# ----------------------------------------------------------------------------
# Cached computations (large arrays are underscore arguments, named by a key)
# ----------------------------------------------------------------------------


@compute.kept
def grey_image(image_key: str, _image: np.ndarray) -> np.ndarray:
    """The page's working image: BT.601 luma, long side at most ``MAX_SIDE``."""
    grey = images.resize_long_side(images.to_grey(_image), MAX_SIDE)
    return np.ascontiguousarray(grey)


@compute.kept
def theorem(
    image_key: str,
    _grey: np.ndarray,
    kernel_bytes: bytes,
    kernel_shape: tuple[int, int],
    boundary: str | None,
    correlation: bool,
) -> fourier.Theorem:
    kernel = np.frombuffer(kernel_bytes, dtype=np.float64).reshape(kernel_shape)
    compute_theorem = fourier.correlation_theorem if correlation else fourier.convolution_theorem
    return compute_theorem(_grey, kernel, boundary=boundary)


def theorem_for(grey, kernel, boundary, *, correlation=False) -> fourier.Theorem:
    image_key, kernel_bytes, kernel_shape = kernel_identity(kernel)
    return theorem(image_key, grey, kernel_bytes, kernel_shape, boundary, correlation)


@compute.kept
def degraded(
    image_key: str,
    _grey: np.ndarray,
    kernel_bytes: bytes,
    kernel_shape: tuple[int, int],
    noise_sigma: float,
    seed: int,
) -> dict:
    """The blurred, noisy image, its naive inverse and the PSNR of Wiener for every K."""
    kernel = np.frombuffer(kernel_bytes, dtype=np.float64).reshape(kernel_shape)
    blurred = fourier.blur_and_noise(_grey, kernel, noise_sigma, seed)
    naive = fourier.inverse_filter(blurred, kernel)
    return {
        "blurred": blurred,
        "naive": naive,
        "psnr_blurred": fourier.psnr(_grey, blurred),
        "psnr_naive": fourier.psnr(_grey, naive),
        "curve": fourier.psnr_versus_nsr(_grey, blurred, kernel, 10.0**NSR_EXPONENTS),
    }


@compute.kept
def wiener(
    image_key: str,
    _blurred: np.ndarray,
    kernel_bytes: bytes,
    kernel_shape: tuple[int, int],
    noise_sigma: float,
    seed: int,
    nsr: float,
) -> np.ndarray:
    kernel = np.frombuffer(kernel_bytes, dtype=np.float64).reshape(kernel_shape)
    return fourier.wiener_deconvolve(_blurred, kernel, nsr)


# ----------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------


def kernel_name(current: state.Demo) -> str:
    if current.preset is None:
        return "a custom kernel"
    preset = kernels.PRESETS[current.preset]
    params = ", ".join(f"{name} = {value:g}" for name, value in current.params.items())
    return preset.label + (f" ({params})" if params else "")


def number(value: float) -> str:
    return f"{value:.2g}"


def decibels(value: float) -> str:
    return "∞ dB (identical)" if math.isinf(value) else f"{value:.1f} dB"


def result_panels(titles, arrays, display: str) -> list[figures.Panel]:
    """Same-scale panels for results, then a signed difference panel for the last pair."""
    *results, difference = arrays
    signed = figures.looks_signed(results[0])
    limit = figures.signed_limit(results[0]) if signed else None
    panels = [
        figures.Panel(title, values, signed, display, limit)
        for title, values in zip(titles[:-1], results, strict=True)
    ]
    panels.append(figures.Panel(titles[-1], difference, signed=True))
    return panels


@compute.kept
def built_figure(key: str, identity: tuple, _build: Callable[[], go.Figure]) -> go.Figure:
    """A figure built once for its inputs (``identity``): a rerun that changes something
    else on the page reuses it instead of encoding its pictures again."""
    return ff.readable_colour_bars(_build())


def chart(key: str, identity: tuple, build: Callable[[], go.Figure]) -> None:
    figure = built_figure(key, identity, build)
    config = figures.PLOTLY_CONFIG | {"scrollZoom": True}
    st.plotly_chart(figure, width="stretch", key=key, config=config)


def kernel_identity(kernel: np.ndarray) -> tuple:
    """What identifies a figure's image and kernel in the figure cache."""
    kernel = np.ascontiguousarray(kernel, dtype=np.float64)
    return st.session_state.get(state.IMAGE_KEY, ""), kernel.tobytes(), kernel.shape


def quick_pick(name: str) -> None:
    widgets.set_demo(widgets.demo().with_preset(*QUICK_PICKS[name]))


def current_image() -> np.ndarray:
    """The working image from the sidebar, or the default sample when run on its own."""
    image = st.session_state.get(state.IMAGE)
    if image is None:
        image = compute.sample(samples.DEFAULT_SAMPLE)
        st.session_state[state.IMAGE_KEY] = f"sample:{samples.DEFAULT_SAMPLE}|standalone"
    return image


# ----------------------------------------------------------------------------
# Kernel
# ----------------------------------------------------------------------------


@st.fragment
def kernel_strip(shown: bytes) -> None:
    """Quick picks and the full editor; a kernel change reruns the whole page."""
    with guarded("changing the kernel"):
        row = st.container(horizontal=True, gap="small")  # wraps rather than cut labels
        for name in QUICK_PICKS:
            row.button(
                name,
                key=f"fourier_quick_{name}",
                on_click=quick_pick,
                args=(name,),
                width="stretch",
            )
        with st.expander("Edit the kernel (presets and their parameters, grid, text, drawing)"):
            kernel = widgets.kernel_editor(widgets.demo())
        if np.ascontiguousarray(kernel, dtype=np.float64).tobytes() != shown:
            st.rerun()


# ----------------------------------------------------------------------------
# Sections
# ----------------------------------------------------------------------------


@st.fragment
def spectra_section(grey: np.ndarray, kernel: np.ndarray, current: state.Demo) -> None:
    st.header("1 · Spectra: convolution is a product of spectra")
    st.latex(r"\mathcal{F}\{I * K\} = \mathcal{F}\{I\} \cdot \mathcal{F}\{K\}")
    with guarded("computing the spectra"):
        route = st.radio(
            "FFT route",
            ["padded", "circular"],
            horizontal=True,
            key="fourier_route",
            format_func=lambda r: (
                f"padded: extend by the sidebar's boundary ({current.boundary}), zero-pad"
                if r == "padded"
                else "no padding: circular, at the image's size"
            ),
        )
        boundary = current.boundary if route == "padded" else None
        result = theorem_for(grey, kernel, boundary)
        (height, width), (kh, kw) = grey.shape, kernel.shape
        fm, fn = result.fft_shape
        if boundary is None:
            st.markdown(
                f"Image and kernel both transformed at the image's size, **{fm}×{fn}**, the "
                f"kernel zero-padded to it. The product's inverse is the **circular** "
                f"convolution: it equals `convolve(..., boundary='wrap', output='same')` once "
                f"rolled back by the kernel's centre, −((kh−1)//2, (kw−1)//2) = "
                f"({-((kh - 1) // 2)}, {-((kw - 1) // 2)})."
            )
        else:
            st.markdown(
                f"The image (H×W = {height}×{width}) is extended by **{boundary}** to "
                f"(H+kh−1)×(W+kw−1) = {height + kh - 1}×{width + kw - 1} and zero-padded to the "
                f"fast FFT size **{fm}×{fn}**; the {kh}×{kw} kernel is zero-padded to the same "
                f"size. The wrap-around of the circular product never reaches the cropped "
                f"window, so the inverse equals `convolve(..., boundary='{boundary}')` exactly."
            )
        spectra = [
            ("log(1+|ℱ{I}|)", result.image_spectrum),
            ("log(1+|ℱ{K}|)", result.kernel_spectrum),
            ("log(1+|ℱ{I}·ℱ{K}|)", result.product),
        ]

        def spectra_panels() -> list[figures.Panel]:
            return [
                figures.Panel(title, fourier.centred_log_magnitude(values), display="rescale")
                for title, values in spectra
            ]

        inputs = (*kernel_identity(kernel), boundary)
        cached_viewer("fourier_spectra", inputs, spectra_panels)
        st.caption(
            "Centred spectra (zero frequency in the middle), log(1+|F|), each scaled to its own "
            "range. Multiplying by the kernel's spectrum keeps what it passes and dims the rest."
        )
        cached_viewer(
            "fourier_inverse",
            (*inputs, current.display),
            lambda: result_panels(
                [
                    "ℱ⁻¹(ℱ{I}·ℱ{K})",
                    f"convolve, boundary={result.direct_boundary}",
                    "difference",
                ],
                [result.via_fft, result.direct, result.difference],
                current.display,
            ),
        )
        columns = st.columns(3)
        columns[0].metric("max |FFT − direct|", number(result.max_abs_difference))
        columns[1].metric("allowed by rounding", number(result.tolerance))
        columns[2].metric("FFT size", f"{fm}×{fn}")
        if result.max_abs_difference <= result.tolerance:
            st.success(
                "The product of spectra, transformed back, is the direct convolution: "
                f"max |difference| = {number(result.max_abs_difference)}, rounding only."
            )
        else:
            st.error(
                f"The FFT and the direct convolution differ by "
                f"{number(result.max_abs_difference)}, more than rounding allows."
            )


def response_section(kernel: np.ndarray) -> None:
    st.header("2 · Frequency response: what the kernel does to each frequency")
    with guarded("computing the frequency response"):
        response = kernels.frequency_response(kernel, RESPONSE_SHAPE)
        magnitude = np.abs(response)
        vertical, horizontal = kernels.frequency_axes(RESPONSE_SHAPE)
        levels = fourier.response_levels(response)
        left, right = st.columns(2, gap="large")
        inputs = kernel_identity(kernel)[1:]
        with left:
            chart(
                "fourier_response",
                inputs,
                lambda: ff.response_heatmap(magnitude, vertical, horizontal),
            )
        with right:
            chart(
                "fourier_sections",
                inputs,
                lambda: ff.response_sections(magnitude, vertical, horizontal, levels),
            )
        st.markdown(
            f"### This kernel is **{levels.label}**\n"
            f"|H| at DC **{levels.dc:.3g}** · mean |H| at Nyquist **{levels.nyquist:.3g}** · "
            f"peak **{levels.peak:.3g}** · minimum **{levels.floor:.3g}** "
            f"(on a {RESPONSE_SHAPE[0]}×{RESPONSE_SHAPE[1]} grid)."
        )
        st.caption(
            "Rule (filters.fourier.classify_response): a frequency passes when |H| ≥ peak/√2 "
            "(−3 dB). Flat within 3 dB everywhere: all-pass. DC passes but Nyquist (the mean "
            "over the outermost frequencies) does not: low-pass. Nyquist passes but DC does "
            "not: high-pass. Neither: band-pass. Both, with a dip between: band-stop."
        )
        rows = []
        for name, (preset, params) in QUICK_PICKS.items():
            levels = fourier.response_levels(
                kernels.frequency_response(kernels.make(preset, **params), RESPONSE_SHAPE)
            )
            rows.append(
                {
                    "quick pick": name,
                    "class": levels.label,
                    "|H| at DC": round(levels.dc, 4),
                    "|H| at Nyquist": round(levels.nyquist, 4),
                    "peak": round(levels.peak, 4),
                }
            )
        st.markdown("How the quick picks above classify (click one to see its response):")
        st.dataframe(rows, hide_index=True, width="stretch")


@st.fragment
def circular_section(grey: np.ndarray, kernel: np.ndarray, current: state.Demo) -> None:
    st.header("3 · Padded vs unpadded: without padding the FFT wraps around")
    with guarded("comparing padded and circular FFTs"):
        choice = st.radio(
            "Kernel for this section",
            list(WRAP_KERNELS),
            horizontal=True,
            key="fourier_wrap_kernel",
            help="A wide kernel makes the wrap-around easy to see.",
        )
        picked = WRAP_KERNELS[choice]
        wrap_kernel = kernel if picked is None else kernels.make(picked[0], **picked[1])
        circular = theorem_for(grey, wrap_kernel, None)
        padded = theorem_for(grey, wrap_kernel, current.boundary)
        difference = circular.via_fft - padded.via_fft
        band = fourier.boundary_band(grey.shape, wrap_kernel.shape)
        inside = np.abs(difference[~band]).max() if (~band).any() else 0.0
        in_band = np.abs(difference[band]).max() if band.any() else 0.0
        cached_viewer(
            "fourier_wrap",
            (*kernel_identity(wrap_kernel), current.boundary, current.display),
            lambda: result_panels(
                [
                    f"no padding (FFT at {circular.fft_shape[0]}×{circular.fft_shape[1]})",
                    f"padded by {current.boundary} (FFT at "
                    f"{padded.fft_shape[0]}×{padded.fft_shape[1]})",
                    "no padding − padded",
                ],
                [circular.via_fft, padded.via_fft, difference],
                current.display,
            ),
        )
        columns = st.columns(3)
        columns[0].metric("max |no padding − convolve(wrap)|", number(circular.max_abs_difference))
        columns[1].metric("max |no padding − padded|, border band", number(in_band))
        columns[2].metric("… away from the border", number(inside))
        kh, kw = wrap_kernel.shape
        st.markdown(
            f"Without padding, what leaves one edge re-enters at the opposite one: the result "
            f"**is** `convolve(..., boundary='wrap')` (max |difference| "
            f"{number(circular.max_abs_difference)}). It differs from the padded "
            f"**{current.boundary}** result only where the {kh}×{kw} kernel reaches past the "
            f"image's edge, a band {kh - 1 - (kh - 1) // 2}/{(kh - 1) // 2} pixels deep at the "
            f"top/bottom and {kw - 1 - (kw - 1) // 2}/{(kw - 1) // 2} at the left/right; "
            f"inside it they agree to rounding."
        )
        if current.boundary == "wrap":
            st.info("The sidebar's boundary is wrap, which *is* circular: nothing differs.")


def correlation_section(grey: np.ndarray, kernel: np.ndarray, current: state.Demo) -> None:
    st.header("4 · Correlation theorem: conjugate the kernel's spectrum")
    st.latex(
        r"\mathcal{F}\{I \star K\} = \mathcal{F}\{I\} \cdot \overline{\mathcal{F}\{K\}}"
        r"\qquad\text{since}\qquad \overline{\mathcal{F}\{K\}}(f) = \mathcal{F}\{K\}(-f)"
    )
    with guarded("checking the correlation theorem"):
        padded = theorem_for(grey, kernel, current.boundary, correlation=True)
        circular = theorem_for(grey, kernel, None, correlation=True)
        convolution = theorem_for(grey, kernel, current.boundary)
        cached_viewer(
            "fourier_correlation",
            (*kernel_identity(kernel), current.boundary, current.display),
            lambda: result_panels(
                [
                    "ℱ⁻¹(ℱ{I}·conj ℱ{K})",
                    f"correlate, boundary={current.boundary}",
                    "difference",
                ],
                [padded.via_fft, padded.direct, padded.difference],
                current.display,
            ),
        )
        gap = float(np.max(np.abs(convolution.direct - padded.direct)))
        columns = st.columns(3)
        columns[0].metric(
            f"max |FFT − correlate({current.boundary})|", number(padded.max_abs_difference)
        )
        columns[1].metric(
            "circular: max |FFT − correlate(wrap)|", number(circular.max_abs_difference)
        )
        columns[2].metric("max |convolution − correlation|", number(gap))
        symmetric = kernels.is_symmetric(kernel)
        st.markdown(
            "A real kernel's conjugate spectrum is the spectrum of the kernel rotated by 180°, "
            "so multiplying by it correlates instead of convolving. "
            + (
                "This kernel is symmetric under 180° rotation, so conjugating changes nothing "
                "that matters: convolution and correlation agree."
                if symmetric
                else "This kernel is not symmetric under 180° rotation, so the conjugate "
                "matters: convolution and correlation differ by the amount shown."
            )
            + " Circularly, an even kernel's window moves by one pixel: the flip moves its "
            "centre from (kh−1)//2 to kh//2."
        )


@st.fragment
def deconvolution_section(grey: np.ndarray, kernel: np.ndarray) -> None:
    st.header("5 · Deconvolution: dividing spectra undoes a blur, and amplifies noise")
    st.latex(
        r"\hat I_{\text{naive}} = \mathcal{F}^{-1}\!\left[\frac{B}{H}\right]"
        r"\qquad \hat I_{\text{Wiener}} = \mathcal{F}^{-1}\!\left["
        r"\frac{\overline{H}}{|H|^2 + K}\, B\right]"
    )
    st.caption(
        "Model: circular. The blur is applied as circular convolution (boundary wrap, FFT at "
        "the image's size), the exact model both filters invert, so every failure below is "
        "the noise's doing and none is the borders'."
    )
    with guarded("deconvolving"):
        controls = st.columns([2, 2, 2, 2, 1])
        source = controls[0].radio(
            "Blur",
            ["gaussian", "current"],
            key="fourier_blur_source",
            format_func=lambda s: "Gaussian (σ slider)" if s == "gaussian" else "current kernel",
        )
        sigma = controls[1].slider(
            "blur σ (pixels)",
            0.5,
            5.0,
            fourier.DEFAULT_BLUR_SIGMA,
            0.1,
            key="fourier_blur_sigma",
            disabled=source != "gaussian",
        )
        noise = controls[2].slider(
            "noise σ",
            0.0,
            0.1,
            fourier.DEFAULT_NOISE_SIGMA,
            0.001,
            format="%.3f",
            key="fourier_noise_sigma",
            help="Standard deviation of the added Gaussian noise, on the image's 0..1 scale.",
        )
        exponent = controls[3].slider(
            "log₁₀ K (Wiener's noise-to-signal ratio)",
            float(NSR_EXPONENTS[0]),
            float(NSR_EXPONENTS[-1]),
            fourier.DEFAULT_LOG10_NSR,
            0.25,
            key="fourier_log_nsr",
        )
        seed = controls[4].number_input("noise seed", 0, 9999, 0, key="fourier_seed")
        if source == "gaussian":
            blur = fourier.gaussian_blur(sigma)
        else:
            blur = np.ascontiguousarray(kernel, dtype=np.float64)
        nsr = 10.0**exponent
        key = st.session_state.get(state.IMAGE_KEY, "")
        arguments = (key, grey, blur.tobytes(), blur.shape, float(noise), int(seed))
        found = degraded(*arguments)
        restored = wiener(key, found["blurred"], *arguments[2:], nsr)
        psnr_wiener = fourier.psnr(grey, restored)
        panels = [
            figures.Panel("original (grey)", grey),
            figures.Panel(f"blurred + noise σ={noise:g}", found["blurred"]),
            figures.Panel("naive inverse B/H", found["naive"]),
            figures.Panel(f"Wiener, K = {nsr:.2g}", restored),
        ]
        inputs = (*kernel_identity(blur), float(noise), int(seed))
        cached_viewer(
            "fourier_deconvolution",
            (*inputs, nsr),
            lambda: panels,
        )
        curve = found["curve"]
        best = int(np.argmax(curve))
        columns = st.columns(4)
        columns[0].metric("PSNR: blurred + noise", decibels(found["psnr_blurred"]))
        columns[1].metric("PSNR: naive inverse", decibels(found["psnr_naive"]))
        columns[2].metric("PSNR: Wiener", decibels(psnr_wiener))
        columns[3].metric(
            "best K on the curve",
            f"{10.0 ** NSR_EXPONENTS[best]:.2g}",
            help="Found with the original image, which a real deblurrer does not have.",
        )
        if psnr_wiener > found["psnr_naive"]:
            st.success(
                f"Wiener beats the naive inverse by {psnr_wiener - found['psnr_naive']:.1f} dB: "
                "where |H|² is small next to K it stops dividing, so the noise is not blown up."
            )
        else:
            st.info(
                "Here the naive inverse wins: with little or no noise there is nothing to blow "
                "up, and dividing by H is exact. Add noise to see it fail."
            )
        gains = fourier.deconvolution_gains(blur, grey.shape, nsr)
        frequencies = kernels.frequency_axes(grey.shape)[1]
        row = grey.shape[0] // 2
        positive = frequencies >= 0
        left, right = st.columns(2, gap="large")
        with left:
            chart(
                "fourier_gains",
                (*inputs, nsr),
                lambda: ff.gain_curves(
                    frequencies[positive], *(gain[row, positive] for gain in gains)
                ),
            )
        with right:
            chart(
                "fourier_psnr_curve",
                (*inputs, nsr),
                lambda: ff.psnr_curve(
                    10.0**NSR_EXPONENTS,
                    curve,
                    chosen_nsr=nsr,
                    chosen_psnr=psnr_wiener,
                    blurred_psnr=found["psnr_blurred"],
                    naive_psnr=found["psnr_naive"],
                ),
            )
        st.caption(
            f"The noise is white: every frequency carries about the same amount. The naive "
            f"inverse multiplies it by 1/|H|, up to {number(float(gains[1].max()))} at the worst "
            "frequency here; Wiener's gain peaks where |H|² ≈ K and falls to 0 beyond."
        )


# ----------------------------------------------------------------------------
# Page
# ----------------------------------------------------------------------------

st.title("Fourier domain: why the FFT computes convolution")
widgets.show_url_warnings()

with guarded("preparing the image"):
    current = widgets.demo()
    source_image = current_image()
    grey = grey_image(st.session_state.get(state.IMAGE_KEY, ""), source_image)
    kernel = current.kernel()
    height, width = grey.shape
    downscaled = " (downscaled for this page)" if max(source_image.shape[:2]) > MAX_SIDE else ""
    st.markdown(
        "The discrete Fourier transform turns convolution into multiplication, frequency by "
        "frequency. This page computes both sides on "
        f"**{widgets.plain(st.session_state.get(state.IMAGE_LABEL, 'the sample image'))}** "
        f"and **{widgets.plain(kernel_name(current))}** ({kernel.shape[0]}×{kernel.shape[1]}) "
        "and shows the difference."
    )
    st.info(
        f"This page works on the grey version of the image (BT.601 luma, "
        f"`filters.images.to_grey`), {width} wide × {height} high{downscaled}, so that each "
        "spectrum is one picture; every result has the image's size (output `same`), in "
        "float64. "
        "Every identity here holds channel by channel for colour images: the functions in "
        "`filters.fourier` take (H, W, C) arrays.",
        icon=":material/info:",
    )
    kernel_strip(np.ascontiguousarray(kernel, dtype=np.float64).tobytes())
    widgets.sync_url(current)
    spectra_section(grey, kernel, current)
    response_section(kernel)
    circular_section(grey, kernel, current)
    correlation_section(grey, kernel, current)
    deconvolution_section(grey, kernel)
