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
_NUMPY_PAD_MODES = {"mirror": "reflect", "nearest": "edge"}
_CROP_LINES = {
    "full": "    return full\n\n",
    "same": (
        "    top, left = (kh - 1) // 2, (kw - 1) // 2\n"
        "    return full[top : top + channel.shape[0], left : left + channel.shape[1]]\n\n"
    ),
    "valid": ("    return full[kh - 1 : channel.shape[0], kw - 1 : channel.shape[1]]\n\n"),
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


def _deferred(key: str, values: np.ndarray, kind: str, display: str):
    """A function that makes the file when the download is asked for."""
    return lambda: _encoded(key, values, kind, display)


def downloads(result: Comparison, kernel: np.ndarray, demo: state.Demo, result_key: str) -> None:
    """PNG and NPY of each result, and the kernel as CSV.

    Files are made only when their button is clicked (and then cached by
    ``result_key``, which names the result by image, kernel and options).
    """
    arrays = {
        "convolution": result.convolution,
        "correlation": result.correlation,
        "fft": result.fft,
        "conv_minus_corr": result.conv_minus_corr.map,
    }
    for name, values in arrays.items():
        columns = st.columns([2, 1, 1])
        columns[0].markdown(f"`{name}`")
        columns[1].download_button(
            "PNG",
            _deferred(f"{result_key}:{name}:png:{demo.display}", values, "png", demo.display),
            file_name=f"{name}.png",
            mime="image/png",
            key=f"download_{name}_png",
            on_click="ignore",
        )
        columns[2].download_button(
            "NPY",
            _deferred(f"{result_key}:{name}:npy", values, "npy", demo.display),
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


def python_snippet(
    kernel: np.ndarray, demo: state.Demo, image_label: str, *, from_sample: bool
) -> str:
    """Code that reproduces the current results with ``filters`` and with SciPy.

    ``from_sample`` says whether the image is the demo's bundled sample; otherwise
    the snippet loads a file named after ``image_label``.
    """
    rows = ",\n    ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in kernel)
    options = f'boundary="{demo.boundary}", output="{demo.output}", dtype=np.{demo.dtype}'
    if from_sample:
        load = f'image = samples.load_sample("{demo.sample}")'
    else:
        load = f"image = images.load_image({image_label!r})  # the file you uploaded"
    if demo.colour == "grey":
        load += "\nimage = images.to_grey(image)"
    if demo.preview:
        load += f"\nimage = images.resize_long_side(image, {demo.preview})"
    scipy_mode = _SCIPY_MODES.get(demo.boundary)
    if scipy_mode is not None:
        per_channel = (
            f'scipy.signal.convolve2d(channel, kernel, mode="{demo.output}", '
            f'boundary="{scipy_mode}")'
        )
        helper = ""
    else:
        per_channel = "by_padding(channel)"
        helper = (
            f"# convolve2d has no '{demo.boundary}' boundary: extend with numpy.pad,\n"
            "# keep the 'valid' part (the full convolution), then crop like conv2.\n"
            "def by_padding(channel):\n"
            "    kh, kw = kernel.shape\n"
            "    padded = np.pad(channel, ((kh - 1, kh - 1), (kw - 1, kw - 1)), "
            f'mode="{_NUMPY_PAD_MODES[demo.boundary]}")\n'
            '    full = scipy.signal.convolve2d(padded, kernel, mode="valid")\n'
            f"{_CROP_LINES[demo.output]}"
        )
    scipy_lines = (
        "# The same convolution with SciPy, one channel at a time:\n"
        "import scipy.signal\n\n"
        f"{helper}"
        "channels = image[..., None] if image.ndim == 2 else image\n"
        f"reference = np.stack([{per_channel}\n"
        "                      for channel in np.moveaxis(channels, -1, 0)], axis=-1)\n"
        "reference = reference[..., 0] if image.ndim == 2 else reference\n"
        "print(np.abs(convolution - reference).max())\n"
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
