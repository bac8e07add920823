"""Slide: the kernel sliding over a small image, convolution and correlation side by side."""

from __future__ import annotations

import numpy as np
import streamlit as st

from filters import BOUNDARIES, OUTPUTS, kernels, slide
from ui import compute, state, widgets
from ui.frame import ensure_app_frame
from ui.guard import guarded
from ui.slide_player import player_data, slide_player

ensure_app_frame()

SOURCE, PATTERN, SIZE = "slide_source", "slide_pattern", "slide_size"
ACROSS, DOWN = "slide_across", "slide_down"
BOUNDARY, OUTPUT = "slide_boundary", "slide_output"
#: The sidebar's boundary and output that this page's own choices were last set from.
SEEDED = "slide_seeded"
PLAYER = "slide_player"
DEFAULT_SIZE = 16
SOURCES = {
    "pattern": "A test pattern",
    "crop": "A piece of the current image",
    "downscale": "The whole current image, downscaled",
}


@compute.kept
def _image_plane(image_key: str, _image: np.ndarray, source: str, size: int, across, down):
    if source == "crop":
        return slide.crop(_image, size, across=across, down=down)
    return slide.downscale(_image, size)


@compute.kept(spinner="Working out every position…")
def _player(plane_key: str, _plane, kernel_bytes, kernel_shape, boundary, output, signed):
    kernel = np.frombuffer(kernel_bytes, dtype=np.float64).reshape(kernel_shape)
    run = slide.slide(_plane, kernel, boundary=boundary, output=output)
    return player_data(run, signed_display=signed), run.max_difference, run.output_shape


def _seed_options(current: state.Demo) -> None:
    """This page's boundary and output start from the sidebar's and follow its changes."""
    seeded = st.session_state.setdefault(SEEDED, {})
    for key, value in ((BOUNDARY, current.boundary), (OUTPUT, current.output)):
        if seeded.get(key) != value or key not in st.session_state:
            st.session_state[key] = seeded[key] = value


def _controls(current: state.Demo) -> tuple[str, np.ndarray, str, str] | None:
    """The input plane (with a key naming it), boundary and output; None without an image."""
    _seed_options(current)
    with st.container(border=True):
        columns = st.columns([1.6, 1.5, 1.2, 1, 1], gap="medium")
        source = columns[0].radio("Input", list(SOURCES), format_func=SOURCES.get, key=SOURCE)
        size = columns[2].slider("Size (pixels a side)", 8, 32, DEFAULT_SIZE, key=SIZE)
        boundary = columns[3].selectbox(
            "Boundary",
            list(BOUNDARIES),
            key=BOUNDARY,
            help="Starts from the sidebar's choice; a change here holds on this page only.",
        )
        output = columns[4].selectbox(
            "Output",
            list(OUTPUTS),
            key=OUTPUT,
            help="Starts from the sidebar's choice; a change here holds on this page only.",
        )
        with columns[1]:
            if source == "pattern":
                name = st.selectbox(
                    "Pattern", list(slide.PATTERNS), format_func=slide.PATTERNS.get, key=PATTERN
                )
                return f"pattern:{name}:{size}", slide.pattern(name, size), boundary, output
            image = st.session_state.get(state.IMAGE)
            if image is None:
                st.info("No image is loaded yet; pick one in the sidebar.")
                return None
            across = down = 0.5
            if source == "crop":
                across = st.slider("Across (left → right)", 0.0, 1.0, 0.5, 0.05, key=ACROSS)
                down = st.slider("Down (top → bottom)", 0.0, 1.0, 0.5, 0.05, key=DOWN)
            else:
                st.caption("Each pixel is the mean of the area it covers, in grey (luma).")
            image_key = st.session_state.get(state.IMAGE_KEY, "")
            plane = _image_plane(image_key, image, source, size, across, down)
            return f"{source}:{image_key}:{size}:{across}:{down}", plane, boundary, output


def _explanation(kernel: np.ndarray, difference: float, output_shape) -> None:
    rows, cols = output_shape
    symmetric = kernels.is_symmetric(kernel)
    st.markdown(
        f"**What you see.** The window (amber frame) visits the {rows}×{cols} output positions "
        "in reading order. At each one both operations read the *same* window W; convolution "
        "multiplies it by the kernel rotated by 180°, correlation by the kernel as given. "
        "The sum of the products is the output pixel, which fills in on the right."
    )
    if symmetric:
        st.markdown(
            "This kernel is symmetric under a 180° rotation, so both operations apply the same "
            f"numbers: the two outputs match (largest difference {difference:.3g}). "
            "Pick **Emboss** or **Shifted impulse** above to see them part."
        )
    else:
        st.markdown(
            "This kernel is not symmetric under a 180° rotation: convolution and correlation "
            f"apply different numbers and their outputs differ (by up to {difference:.3g}). "
            "On the impulse pattern, convolution draws the kernel itself, correlation draws it "
            "rotated."
        )


@st.fragment
def slide_page() -> None:
    with guarded("sliding the kernel"):
        _page()


def _page() -> None:
    widgets.quick_picks()
    with st.expander("Edit the kernel"):
        widgets.kernel_editor(widgets.demo())
    current = widgets.demo()
    kernel = current.kernel()
    chosen = _controls(current)
    if chosen is None:
        return
    plane_key, plane, boundary, output = chosen
    data, difference, output_shape = _player(
        plane_key,
        plane,
        np.ascontiguousarray(kernel, dtype=np.float64).tobytes(),
        kernel.shape,
        boundary,
        output,
        current.signed,
    )
    st.caption(
        f"Kernel {kernel.shape[0]}×{kernel.shape[1]} · input {plane.shape[0]}×{plane.shape[1]} · "
        "Space: play or pause · ← →: one position back or forward."
    )
    slide_player(data, key=PLAYER)
    _explanation(kernel, difference, output_shape)


st.title("Slide the kernel")
st.markdown(
    "The kernel slides over a small image one output pixel at a time, for convolution and "
    "correlation side by side."
)
slide_page()
