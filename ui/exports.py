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

#: What ``numpy.pad`` calls each boundary rule, and the rule drawn on a row a b c d.
_NUMPY_PADS = {
    "reflect": ("symmetric", "d c b a | a b c d | d c b a"),
    "mirror": ("reflect", "d c b | a b c d | c b a"),
    "nearest": ("edge", "a a | a b c d | d d"),
    "wrap": ("wrap", "c d | a b c d | a b"),
}
#: How far the snippet extends the image for each output, and why.
_PAD_WIDTHS = {
    "full": (
        '# output="full" keeps every sum that touches the image: extend by kh - 1 rows and\n'
        "# kw - 1 columns on each side.\n"
        "pad = ((kh - 1, kh - 1), (kw - 1, kw - 1))\n"
    ),
    "same": (
        '# output="same" keeps full[(kh - 1) // 2 :, (kw - 1) // 2 :] at the image\'s size (the\n'
        "# centring of scipy.signal.convolve2d, even sides included): extend by kh // 2 rows\n"
        "# above and (kh - 1) // 2 below, and likewise for the columns.\n"
        "pad = ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2))\n"
    ),
    "valid": (
        '# output="valid" keeps only the sums that stay inside the image: no extension.\n'
        "pad = ((0, 0), (0, 0))\n"
    ),
}
#: The file the NumPy/SciPy snippet reads the image from (the "Input as NPY" download).
INPUT_FILE = "input.npy"


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def kernel_csv(kernel: np.ndarray) -> str:
    return "\n".join(",".join(repr(float(v)) for v in row) for row in kernel) + "\n"


def result_png(values: np.ndarray, display: str, signed_display: str = "diverging") -> bytes:
    """The result as the panel shows it: 8-bit, or signed data as the page shows it
    (the diverging map, or grey relief)."""
    signed = figures.looks_signed(values)
    panel = figures.Panel("", values, signed=signed, display=display, signed_display=signed_display)
    return images.encode_png(figures.panel_rgb(panel))


#: Width in pixels of a result's name before its download buttons (the longest fits).
_NAME_WIDTH = 160

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
        png_key = f"{result_key}|{name}|png|{demo.display}|{demo.signed}"
        npy_key = f"{result_key}|{name}|npy|{dtype.name}"
        files += [
            DownloadFile(
                "PNG",
                f"{name}{suffix}.png",
                "image/png",
                f"download_{name}_png",
                png_key,
                _kept(png_key, functools.partial(result_png, values, demo.display, demo.signed)),
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
        # One container a row (not three columns): the name, then its two buttons.
        row = st.container(horizontal=True, vertical_alignment="center", gap="small")
        row.markdown(f"`{name}`", width=_NAME_WIDTH)
        for kind in ("png", "npy"):
            _draw(row, by_key[f"download_{name}_{kind}"], on_screen)
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
    """Code that reproduces the current results with this project's ``filters``.

    ``from_sample`` says whether the image is the demo's bundled sample; otherwise
    the snippet loads a file named after ``image_label``.
    """
    options = f'boundary="{demo.boundary}", output="{demo.output}", dtype=np.{demo.dtype}'
    if from_sample:
        load = f'image = samples.load_sample("{demo.sample}")'
    else:
        load = f"image = images.load_image({image_label!r})  # the file you uploaded"
    if demo.colour == "grey":
        load += "\nimage = images.to_grey(image)"
    if demo.preview:
        load += f"\nimage = images.resize_long_side(image, {demo.preview})"
    return (
        "import numpy as np\n"
        "from filters import convolve, correlate, fft_convolve, images, samples\n\n"
        f"{load}\n"
        f"kernel = np.array([\n    {_kernel_rows(kernel)},\n])\n\n"
        f"convolution = convolve(image, kernel, {options})\n"
        f"correlation = correlate(image, kernel, {options})\n"
        f"via_fft = fft_convolve(image, kernel, {options})\n"
        "print(np.abs(convolution - correlation).max(), np.abs(convolution - via_fft).max())\n"
    )


def numpy_snippet(
    kernel: np.ndarray, demo: state.Demo, *, cval: float = 0.0, input_download: bool = True
) -> str:
    """Code that reproduces the current results with NumPy and SciPy alone.

    It runs anywhere (no ``filters`` import) and gives the numbers of
    ``filters.convolve``, ``correlate`` and ``fft_convolve`` with the demo's
    boundary (``cval`` for ``"constant"``), output and dtype, for grey and colour
    images and kernels of any sides: the image is extended with ``numpy.pad`` so
    that the output is the *valid* convolution of the extended image, computed by
    ``scipy.signal.convolve2d`` and by a product of real FFT spectra.

    The image is read from :data:`INPUT_FILE`: the page offers it as a download
    when ``input_download`` (the working image is kept whole); otherwise the
    snippet asks for the full-resolution image saved under that name.
    """
    dtype = f"np.{demo.dtype}"
    if input_download:
        source = (
            '# The image exactly as the workbench filtered it (the "Input as NPY" download):\n'
            "# (H, W) grey or (H, W, 3) colour, values in [0, 1]. Any such array works.\n"
        )
    else:
        source = (
            "# Your image at full resolution, saved with numpy.save: (H, W) grey or (H, W, 3)\n"
            "# colour, values in [0, 1] (the page shows block means of a larger image).\n"
        )
    if demo.boundary == "constant":
        boundary = f'# boundary="constant" fills the outside with cval = {float(cval)!r}' + (
            " (zero padding).\n" if cval == 0 else ".\n"
        )
        pad_call = f'np.pad(channel, pad, mode="constant", constant_values={float(cval)!r})'
    else:
        mode, picture = _NUMPY_PADS[demo.boundary]
        boundary = f'# boundary="{demo.boundary}" ({picture}) is numpy.pad\'s "{mode}".\n'
        pad_call = f'np.pad(channel, pad, mode="{mode}")'
    return (
        "import numpy as np\n"
        "import scipy.fft\n"
        "import scipy.signal\n\n"
        f"{source}"
        f'image = np.load("{INPUT_FILE}", allow_pickle=False).astype({dtype})\n'
        f"kernel = np.array([\n    {_kernel_rows(kernel)},\n], dtype={dtype})\n"
        "kh, kw = kernel.shape\n\n"
        '# Extend the image past its edges so that the output asked for is the "valid" part\n'
        "# of the convolution of the extended image.\n"
        f"{boundary}"
        f"{_PAD_WIDTHS[demo.output]}\n\n"
        "def extend(channel):\n"
        f"    return {pad_call}\n\n\n"
        "def convolve_direct(channel, weights):\n"
        '    """Sliding sums in the spatial domain."""\n'
        '    return scipy.signal.convolve2d(extend(channel), weights, mode="valid")\n\n\n'
        "def convolve_fft(channel, weights):\n"
        '    """The same through the convolution theorem: a product of spectra."""\n'
        "    extended = extend(channel)\n"
        "    shape = [scipy.fft.next_fast_len(n, real=True) for n in extended.shape]\n"
        "    product = scipy.fft.rfft2(extended, shape) * scipy.fft.rfft2(weights, shape)\n"
        "    full = scipy.fft.irfft2(product, shape)\n"
        "    # The circular wrap-around never reaches the part kept here.\n"
        "    return full[kh - 1 : extended.shape[0], kw - 1 : extended.shape[1]]\n\n\n"
        "def each_channel(method, weights):\n"
        '    """Filter each colour channel on its own; a grey image is one channel."""\n'
        "    if image.ndim == 2:\n"
        "        return method(image, weights)\n"
        "    channels = [method(image[..., c], weights) for c in range(image.shape[2])]\n"
        "    return np.stack(channels, axis=-1)\n\n\n"
        "convolution = each_channel(convolve_direct, kernel)\n"
        "# Correlation is convolution with the kernel rotated by 180°.\n"
        "correlation = each_channel(convolve_direct, kernel[::-1, ::-1])\n"
        "via_fft = each_channel(convolve_fft, kernel)\n"
        'print("max |convolution - correlation|:", np.abs(convolution - correlation).max())\n'
        'print("max |convolution - FFT product|:", np.abs(convolution - via_fft).max())\n'
    )


def _kernel_rows(kernel: np.ndarray) -> str:
    return ",\n    ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in kernel)


def _input_file(image: np.ndarray, result_key: str) -> DownloadFile:
    content_key = f"{result_key}|input|npy"
    return DownloadFile(
        "Input as NPY",
        INPUT_FILE,
        "application/octet-stream",
        "download_input_npy",
        content_key,
        _kept(content_key, functools.partial(npy_bytes, image)),
    )


def reproduce_in_python(
    result: Comparison,
    image: np.ndarray,
    kernel: np.ndarray,
    demo: state.Demo,
    result_key: str,
    *,
    image_label: str,
    from_sample: bool,
) -> None:
    """The "reproduce in Python" code, with NumPy and SciPy only and with ``filters``.

    ``image`` is the input the page shows; when it is the image that was filtered
    (``result.scale == 1``) it is offered as :data:`INPUT_FILE` for the first snippet.
    """
    whole = result.scale == 1
    portable, with_filters = st.tabs(
        ["With NumPy and SciPy only", "With this project's filters package"]
    )
    with portable:
        if whole:
            file = _input_file(image, result_key)
            on_screen: dict[str, DownloadFile] = st.session_state.setdefault(ON_SCREEN, {})
            on_screen[file.key] = file
            _draw(st, file, on_screen)
        st.code(numpy_snippet(kernel, demo, input_download=whole), wrap_lines=True)
    with with_filters:
        snippet = python_snippet(kernel, demo, image_label, from_sample=from_sample)
        st.code(snippet, wrap_lines=True)


__all__ = [
    "INPUT_FILE",
    "Button",
    "DownloadFile",
    "ReplacedResultError",
    "download_files",
    "downloads",
    "kernel_csv",
    "npy_bytes",
    "numpy_snippet",
    "python_snippet",
    "reproduce_in_python",
    "result_png",
]
