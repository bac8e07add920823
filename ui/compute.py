"""Cached calls into ``filters`` for the pages.

Decoding is cached by content, the working image by (source, colour, preview
size), the image's spectrum by (image, kernel shape, options) so that a kernel
edit reuses it, and whole comparisons by (image, kernel values, options). Large
arrays are passed as underscore arguments (not hashed) next to a short key
that identifies them.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

import filters
from filters import images, samples


def content_key(data: bytes) -> str:
    """A short key that identifies some bytes by their content."""
    return hashlib.blake2b(data, digest_size=12).hexdigest()


@st.cache_data(max_entries=8, show_spinner=False)
def decode(data: bytes) -> np.ndarray:
    """Decode uploaded bytes (cached by content); raises ImageLoadError."""
    return images.load_image(data)


@st.cache_data(max_entries=16, show_spinner=False)
def sample(name: str) -> np.ndarray:
    return samples.load_sample(name)


@st.cache_resource(max_entries=8, show_spinner=False)
def working_image(source_key: str, _image: np.ndarray, colour: str, preview: int) -> np.ndarray:
    """The image the filters run on: grey or colour, downscaled to ``preview`` (0 = full).

    Shared, not copied, on every rerun (a 1-megapixel colour image is 25 MB), so
    it is read-only.
    """
    image = _image
    if colour == "grey":
        image = images.to_grey(image)
    if preview:
        image = images.resize_long_side(image, preview)
    image = np.array(image, dtype=np.float64, order="C")
    image.setflags(write=False)
    return image


@st.cache_resource(max_entries=4, show_spinner=False)
def spectrum(
    image_key: str,
    _image: np.ndarray,
    kernel_shape: tuple[int, int],
    boundary: str,
    output: str,
    dtype: str,
    backend: str,
) -> filters.ImageSpectrum:
    """The working image's spectrum, reused across kernel edits of one shape."""
    return filters.ImageSpectrum(
        _image, kernel_shape, boundary=boundary, output=output, dtype=dtype, backend=backend
    )


@st.cache_resource(max_entries=4, show_spinner=False)
def comparison(
    image_key: str,
    _image: np.ndarray,
    kernel_bytes: bytes,
    kernel_shape: tuple[int, int],
    boundary: str,
    output: str,
    dtype: str,
    backend: str,
) -> filters.Comparison:
    """``filters.compare`` with the image spectrum reused (cached by its inputs)."""
    kernel = np.frombuffer(kernel_bytes, dtype=np.float64).reshape(kernel_shape)
    prepared = spectrum(image_key, _image, kernel_shape, boundary, output, dtype, backend)
    return filters.compare(
        _image,
        kernel,
        boundary=boundary,
        output=output,
        dtype=dtype,
        backend=backend,
        spectrum=prepared,
    )


def result_key(image_key: str, kernel: np.ndarray, demo) -> str:
    """Names a comparison by what produced it: image, kernel values and options."""
    kernel = np.ascontiguousarray(kernel, dtype=np.float64)
    digest = hashlib.blake2b(kernel.tobytes(), digest_size=8)
    digest.update(str(kernel.shape).encode())
    options = f"{demo.boundary},{demo.output},{demo.dtype},{demo.backend}"
    return f"{image_key}|kernel:{digest.hexdigest()}|{options}"


def compare(image_key: str, image: np.ndarray, kernel: np.ndarray, demo) -> filters.Comparison:
    """Compare with the demo's options, through the caches."""
    kernel = np.ascontiguousarray(kernel, dtype=np.float64)
    return comparison(
        image_key,
        image,
        kernel.tobytes(),
        kernel.shape,
        demo.boundary,
        demo.output,
        demo.dtype,
        demo.backend,
    )


@st.cache_resource(show_spinner="Loading the compiled filters…")
def warm_up() -> None:
    """Load the compiled sliding-sum code once per process, so timings show the maths."""
    tiny = np.zeros((8, 8, 3))
    for kernel in (np.ones((3, 3)), np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0])):
        filters.convolve(tiny, kernel)
        filters.convolve(tiny, kernel, dtype=np.float32)
