"""Downloads and the "reproduce in Python" snippet for the Compare page."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import streamlit as st

from filters import Comparison, images
from ui import figures, state
from ui.budget import budget

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


#: Session-state key of the files the page shows now, by button key (read by the buttons).
ON_SCREEN = "exports_on_screen"


class ReplacedResultError(RuntimeError):
    """A download button can no longer serve the result on screen."""


@dataclasses.dataclass(frozen=True)
class DownloadFile:
    """One download of the Compare page, made only when it is asked for.

    ``content_key`` names exactly what the file holds (image, kernel, options,
    which array, format and, for pictures, the display mode); ``make`` builds the
    bytes, kept in the memory budget for repeated clicks.
    """

    label: str
    file_name: str
    mime: str
    key: str
    content_key: str
    make: Callable[[], bytes]


def _kept(content_key: str, make: Callable[[], bytes]) -> Callable[[], bytes]:
    return lambda: budget().get_or_compute(f"export:{content_key}", make)


def _npy_as(values: np.ndarray, dtype: np.dtype) -> bytes:
    return npy_bytes(values.astype(dtype, copy=False))


def download_files(
    result: Comparison, kernel: np.ndarray, demo: state.Demo, result_key: str
) -> list[DownloadFile]:
    """The Compare page's downloads: PNG and NPY of each result, and the kernel as CSV.

    ``result_key`` names the result (:func:`ui.compute.result_key`). Every NPY
    has the chosen precision (``demo.dtype``), the difference map included.
    """
    dtype = np.dtype(demo.dtype)
    arrays = {
        "convolution": result.convolution,
        "correlation": result.correlation,
        "fft": result.fft,
        "conv_minus_corr": result.conv_minus_corr.map,
    }
    # A large image's comparison keeps block means only: the files say so in their names.
    suffix = f"_mean{result.scale}x{result.scale}" if result.scale > 1 else ""
    files = []
    for name, values in arrays.items():
        png_key = f"{result_key}|{name}|png|{demo.display}"
        npy_key = f"{result_key}|{name}|npy|{dtype.name}"
        files += [
            DownloadFile(
                "PNG",
                f"{name}{suffix}.png",
                "image/png",
                f"download_{name}_png",
                png_key,
                _kept(png_key, functools.partial(result_png, values, demo.display)),
            ),
            DownloadFile(
                "NPY",
                f"{name}{suffix}.npy",
                "application/octet-stream",
                f"download_{name}_npy",
                npy_key,
                _kept(npy_key, functools.partial(_npy_as, values, dtype)),
            ),
        ]
    kernel = np.array(kernel, dtype=np.float64)
    digest = hashlib.blake2b(kernel.tobytes(), digest_size=8)
    digest.update(str(kernel.shape).encode())
    files.append(
        DownloadFile(
            "Kernel as CSV",
            "kernel.csv",
            "text/csv",
            "download_kernel_csv",
            f"kernel:{digest.hexdigest()}|csv",
            lambda: kernel_csv(kernel).encode(),
        )
    )
    return files


class Button:
    """What one drawn download button serves: the file of its key that is on screen.

    A button is drawn on every run; the browser keeps the last one drawn until the
    next arrives, and a click on it may reach the server after a new result has
    replaced the page's. It then serves the new result, the one on screen, rather
    than the result it was drawn with. Its first click fixes what it serves; a
    later click after yet another replacement is refused, never answered with a
    different file under the same name.

    ``mime`` carries a tag of its own per drawn button: Streamlit names a stored
    file by its MIME type, its name and a fingerprint of its bytes that, for
    files over 1 MiB, samples only three 64 KiB stretches, so without the tag two
    different results could be served as one stored file.
    """

    def __init__(self, key: str, on_screen: Mapping[str, DownloadFile]) -> None:
        self.key = key
        self._on_screen = on_screen
        self._tag = uuid.uuid4().hex[:16]
        self._served: DownloadFile | None = None
        self._lock = threading.Lock()

    def mime(self, base: str) -> str:
        return f"{base}; download={self._tag}"

    def __call__(self) -> bytes:
        current = self._on_screen.get(self.key)
        if current is None:
            raise ReplacedResultError(f"No file {self.key!r} is on screen.")
        with self._lock:
            if self._served is None:
                self._served = current
        if self._served.content_key != current.content_key:
            raise ReplacedResultError(
                f"{current.file_name} was replaced again; click its new button to download "
                "the result on screen."
            )
        return self._served.make()


def downloads(result: Comparison, kernel: np.ndarray, demo: state.Demo, result_key: str) -> None:
    """The download buttons: PNG and NPY of each result, and the kernel as CSV.

    Every file is deferred: nothing is stored until a button is clicked, so no
    button ever points to a stored file that a later run deleted, and a click
    serves the result on screen (see :class:`Button`).
    """
    files = download_files(result, kernel, demo, result_key)
    if result.scale > 1:
        st.caption(
            f"This image is too large to keep its results whole: the files hold what the "
            f"page shows, the mean of each {result.scale}×{result.scale} block. For every "
            "pixel, run the snippet below."
        )
    on_screen: dict[str, DownloadFile] = st.session_state.setdefault(ON_SCREEN, {})
    on_screen.update({file.key: file for file in files})
    by_key = {file.key: file for file in files}
    for name in ("convolution", "correlation", "fft", "conv_minus_corr"):
        columns = st.columns([2, 1, 1])
        columns[0].markdown(f"`{name}`")
        for column, kind in zip(columns[1:], ("png", "npy"), strict=True):
            _draw(column, by_key[f"download_{name}_{kind}"], on_screen)
    _draw(st, by_key["download_kernel_csv"], on_screen)


def _draw(where: Any, file: DownloadFile, on_screen: Mapping[str, DownloadFile]) -> None:
    button = Button(file.key, on_screen)
    where.download_button(
        file.label,
        button,
        file_name=file.file_name,
        mime=button.mime(file.mime),
        key=file.key,
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


__all__ = [
    "Button",
    "DownloadFile",
    "ReplacedResultError",
    "download_files",
    "downloads",
    "kernel_csv",
    "npy_bytes",
    "python_snippet",
    "result_png",
]
