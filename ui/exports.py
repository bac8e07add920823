"""Downloads and the "reproduce in Python" snippet for the Compare page."""

from __future__ import annotations

import io

import numpy as np
import streamlit as st

from filters import Comparison, images
from ui import figures, state

_SCIPY_MODES = {
    "constant": "fill",
    "reflect": "symm",
    "wrap": "wrap",
}


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def kernel_csv(kernel: np.ndarray) -> str:
    return "\n".join(",".join(repr(float(v)) for v in row) for row in kernel) + "\n"


def result_png(values: np.ndarray, display: str) -> bytes:
    """The result as the panel shows it: 8-bit, or the diverging map for signed data."""
    signed = figures.looks_signed(values)
    panel = figures.Panel("", values, signed=signed, display=display)
    return images.encode_png(figures.panel_rgb(panel))


@st.cache_data(max_entries=16, show_spinner=False)
def _encoded(key: str, _values: np.ndarray, kind: str, display: str) -> bytes:
    return npy_bytes(_values) if kind == "npy" else result_png(_values, display)


def downloads(result: Comparison, kernel: np.ndarray, demo: state.Demo) -> None:
    """PNG and NPY of each result, and the kernel as CSV."""
    arrays = {
        "convolution": result.convolution,
        "correlation": result.correlation,
        "fft": result.fft,
        "conv_minus_corr": result.conv_minus_corr.map,
    }
    key_base = f"{id(result)}"
    for name, values in arrays.items():
        columns = st.columns([2, 1, 1])
        columns[0].markdown(f"`{name}`")
        columns[1].download_button(
            "PNG",
            _encoded(f"{key_base}:{name}:png:{demo.display}", values, "png", demo.display),
            file_name=f"{name}.png",
            mime="image/png",
            key=f"download_{name}_png",
            on_click="ignore",
        )
        columns[2].download_button(
            "NPY",
            _encoded(f"{key_base}:{name}:npy", values, "npy", demo.display),
            file_name=f"{name}.npy",
            mime="application/octet-stream",
            key=f"download_{name}_npy",
            on_click="ignore",
        )
    st.download_button(
        "Kernel as CSV",
        kernel_csv(kernel),
        file_name="kernel.csv",
        mime="text/csv",
        key="download_kernel_csv",
        on_click="ignore",
    )


def python_snippet(kernel: np.ndarray, demo: state.Demo, image_label: str) -> str:
    """Code that reproduces the current results with ``filters`` and with SciPy."""
    rows = ",\n    ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in kernel)
    options = f'boundary="{demo.boundary}", output="{demo.output}", dtype=np.{demo.dtype}'
    if demo.sample and image_label:
        load = f'image = samples.load_sample("{demo.sample}")'
    else:
        load = 'image = images.load_image("your_image.png")'
    if demo.colour == "grey":
        load += "\nimage = images.to_grey(image)"
    if demo.preview:
        load += f"\nimage = images.resize_long_side(image, {demo.preview})"
    scipy_mode = _SCIPY_MODES.get(demo.boundary)
    if scipy_mode is not None:
        scipy_lines = (
            "# The same convolution with SciPy (one channel at a time):\n"
            "import scipy.signal\n"
            "channels = image[..., None] if image.ndim == 2 else image\n"
            "reference = np.stack([scipy.signal.convolve2d(channels[..., c], kernel,\n"
            f'    mode="{demo.output}", boundary="{scipy_mode}") '
            "for c in range(channels.shape[2])], axis=-1)\n"
        )
    else:
        scipy_lines = (
            f"# scipy.signal.convolve2d has no '{demo.boundary}' boundary; with numpy.pad:\n"
            "# pad by kernel size - 1 on each side, convolve2d(mode='valid'), then crop.\n"
        )
    return (
        "import numpy as np\n"
        "from filters import convolve, correlate, fft_convolve, images, samples\n\n"
        f"{load}\n"
        f"kernel = np.array([\n    {rows},\n])\n\n"
        f"convolution = convolve(image, kernel, {options})\n"
        f"correlation = correlate(image, kernel, {options})\n"
        f"via_fft = fft_convolve(image, kernel, {options})\n"
        "print(np.abs(convolution - correlation).max(), np.abs(convolution - via_fft).max())\n\n"
        + scipy_lines
    )


__all__ = ["downloads", "kernel_csv", "npy_bytes", "python_snippet", "result_png"]
