"""Compare: convolution, correlation and FFT product side by side, differences explained."""

import numpy as np
import streamlit as st

from filters import kernels
from ui import compare_view, compute, exports, light_figures, present, state, widgets
from ui.budget import BudgetExceeded
from ui.frame import ensure_app_frame
from ui.guard import guarded
from ui.image_viewer import image_viewer

ensure_app_frame()

#: Largest picture height in presentation mode: two rows and the verdict fit 1280×720.
PRESENT_PICTURE_HEIGHT = 165

if widgets.demo().mode != "present":
    st.title("Convolution, correlation and the FFT, side by side")
    st.caption(
        "Convolution flips the kernel by 180° before sliding it; correlation does not; the "
        "FFT multiplies spectra. Pick a kernel and watch when they agree."
    )
widgets.show_url_warnings()


def _metrics(label: str, difference, note: str) -> None:
    """A difference's three numbers in one row that wraps, under its label and note."""
    st.markdown(f"**{label}** · {note}")
    row = st.container(horizontal=True, gap="small")
    row.metric("max |diff|", f"{difference.max_abs:.3g}")
    row.metric("RMS", f"{difference.rms:.3g}")
    psnr = "∞" if np.isinf(difference.psnr) else f"{difference.psnr:.1f} dB"
    row.metric("PSNR", psnr)


def _kernel_panel(kernel: np.ndarray) -> None:
    light_figures.matrices(compare_view.kernel_parts(kernel), key="kernel_heatmaps")
    facts = kernels.describe(kernel)
    separable = kernels.separability(kernel)
    rank = compare_view.rank_words(separable)
    st.markdown(
        f"**{kernel.shape[0]}×{kernel.shape[1]}** · sum (DC gain) **{facts['sum']:.4g}** · "
        f"min **{facts['min']:.3g}** · max **{facts['max']:.3g}** · "
        f"symmetric under 180°: **{'yes' if facts['symmetric'] else 'no'}** · {rank}"
    )
    if separable.is_separable and separable.column is not None and min(kernel.shape) > 1:
        st.caption(
            "K = column ⊗ row with column = "
            + np.array2string(separable.column, precision=3, separator=", ")
            + " and row = "
            + np.array2string(separable.row, precision=3, separator=", ")
        )


def _results(image, result, result_key: str, kernel: np.ndarray, current: state.Demo) -> None:
    """The verdict and the four pictures: in one row, or two by two when presenting."""
    verdict = result.verdict()
    origin = compare_view.output_origin(kernel.shape, current.output, result.scale)
    panels = compare_view.result_panels(result_key, image, result, current.display, origin)
    if current.mode == "present":
        present.verdict(verdict[0], result.symmetric)
        shared = dict(group="compare", max_height=PRESENT_PICTURE_HEIGHT, hint=False)
        image_viewer(panels[:2], key="input_view", row="top", **shared)
        image_viewer(panels[2:], key="results", row="bottom", **shared)
    else:
        (st.success if result.symmetric else st.warning)(verdict[0])
        # The input travels in a message of its own, not sent again while unchanged.
        left, right = st.columns([1, 3], gap="small")
        with left:
            image_viewer(panels[:1], key="input_view", group="compare", row="results", hint=False)
        with right:
            image_viewer(panels[1:], key="results", group="compare", row="results")
    for line in verdict[1:]:
        st.info(line)


def _comparison(kernel: np.ndarray, current: state.Demo):
    """(input shown, comparison, its key), or None with a message when it cannot fit."""
    image = st.session_state[state.IMAGE]
    image_key = st.session_state[state.IMAGE_KEY]
    full_source = st.session_state.get(state.FULL_SOURCE)
    try:
        if full_source is None:
            result = compute.compare(image_key, image, kernel, current)
            return image, result, compute.result_key(image_key, kernel, current)
        source_key, data = full_source
        original = compute.decode(data, 0)
        result = compute.compare_large(source_key, original, kernel, current)
        shown = compute.reduced_input(source_key, original, current.colour, result.scale)
        full_key = f"{source_key}|{current.colour}|full"
        return shown, result, compute.result_key(full_key, kernel, current)
    except BudgetExceeded as exc:
        widgets.too_large(exc, image.shape)
        return None


@st.fragment
def workbench() -> None:
    with guarded("filtering the image"):
        _workbench()


def _workbench() -> None:
    current = widgets.demo()
    presenting = current.mode == "present"
    if not presenting:
        widgets.keyboard_action(present.KEYBOARD, present.keys(widgets.on_key))
        widgets.quick_picks()
    kernel = current.kernel()
    computed = _comparison(kernel, current)
    if computed is None:
        return
    image, result, result_key = computed
    _results(image, result, result_key, kernel, current)
    if presenting:
        # Results first on a projector; the keys that change them right below.
        widgets.keyboard_action(present.KEYBOARD, present.keys(widgets.on_key, shown=True))
        widgets.quick_picks()

    # The kernel: one glance below the pictures. An edit made while drawing this part
    # (the grid, the canvas) draws the pictures again with it.
    editor, panel = st.columns([1, 1], gap="large")
    with editor:
        st.subheader("Kernel")
        edited = widgets.kernel_editor(current)
    with panel:
        st.subheader("K, its flip, and its symmetric and antisymmetric parts")
        _kernel_panel(edited)
    if not np.array_equal(edited, kernel):
        widgets.rerun()
    widgets.sync_url(widgets.demo())
    # The link and its QR code are drawn only when asked for (or on a projector):
    # every rerun of thirty students' pages would otherwise pay for them.
    if presenting or st.toggle("Share this state: link and QR code", key="share_open"):
        present.share(widgets.demo())

    st.subheader("Differences")
    origin = compare_view.output_origin(edited.shape, current.output, result.scale)
    image_viewer(
        compare_view.difference_panels(result_key, result, origin),
        key="differences",
        group="compare",
        max_height=380,
    )
    if result.scale > 1:
        rows, cols = result.output_shape[:2]
        st.caption(
            f"Every {cols}×{rows} result was computed at full resolution, in strips; the "
            f"pictures show the mean of each {result.scale}×{result.scale} block, and every "
            "number on this page is over all pixels."
        )
    left, right = st.columns(2)
    with left:
        _metrics(
            "Convolution − correlation",
            result.conv_minus_corr,
            f"equals 2·(I ∗ A) to within {result.prediction_error:.2g}",
        )
    with right:
        _metrics(
            "Convolution − FFT",
            result.conv_minus_fft,
            f"the FFT's rounding allows {result.fft_tolerance:.2g}",
        )

    timing, export = st.columns([2, 3], gap="large")
    with timing:
        from ui import timing_view

        timing_view.compare_column(image, kernel, current, result, result_key)
    with export:
        st.subheader("Export")
        # Drawn only when asked for, like the share link: some forty elements that every
        # kernel edit would otherwise send and draw again.
        if st.toggle("Show downloads and Python code", key="export_open"):
            exports.downloads(result, kernel, current, result_key)
            st.markdown("**Reproduce in Python**")
            exports.reproduce_in_python(
                result,
                image,
                kernel,
                current,
                result_key,
                image_label=st.session_state[state.IMAGE_LABEL],
                from_sample=result_key.startswith("sample:"),
            )
        else:
            st.caption("PNG and NPY of each result, the kernel as CSV, code that reproduces them.")


workbench()
