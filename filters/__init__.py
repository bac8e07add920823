"""Convolution, correlation and FFT filtering of images, on the CPU or a GPU.

The four filtering functions share one signature::

    convolve(image, kernel, *, boundary="reflect", output="same", cval=0.0,
             dtype=numpy.float64, backend="auto") -> numpy.ndarray

``correlate``, ``fft_convolve`` and ``fft_correlate`` take the same arguments.
``correlate(I, K) == convolve(I, K[::-1, ::-1])`` in every mode, and the FFT
functions equal the direct ones up to rounding.

Submodules: :mod:`filters.kernels` (presets, parsing, analysis),
:mod:`filters.images` (loading and display helpers), :mod:`filters.samples`
(bundled images and test patterns), :mod:`filters.backends` (CPU/GPU seam).
"""

from ._compare import (
    Comparison,
    Difference,
    block_means,
    compare,
    compare_in_strips,
    comparison_bytes,
    fft_tolerance,
)
from ._core import (
    ALIGNMENTS,
    BOUNDARIES,
    OUTPUTS,
    ImageSpectrum,
    choose_method,
    convolve,
    correlate,
    estimate_seconds,
    fft_convolve,
    fft_correlate,
    filter2d,
)
from ._errors import FiltersError, ImageLoadError, KernelParseError
from .backends import describe_backend, get_backend, gpu_status

__all__ = [
    "ALIGNMENTS",
    "BOUNDARIES",
    "OUTPUTS",
    "Comparison",
    "Difference",
    "FiltersError",
    "ImageLoadError",
    "ImageSpectrum",
    "KernelParseError",
    "block_means",
    "choose_method",
    "compare",
    "compare_in_strips",
    "comparison_bytes",
    "convolve",
    "correlate",
    "describe_backend",
    "estimate_seconds",
    "fft_convolve",
    "fft_correlate",
    "fft_tolerance",
    "filter2d",
    "get_backend",
    "gpu_status",
]
