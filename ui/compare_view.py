"""The Compare page's panels and figures, built once per result and reused across reruns."""

from __future__ import annotations

import numpy as np

from filters import Comparison, kernels
from ui import figures
from ui.budget import budget


def output_origin(kernel_shape: tuple[int, int], output: str, scale: int = 1) -> tuple[int, int]:
    """Where an output's pixel (0, 0) lies in the input's pixel coordinates.

    ``same`` outputs line up with the input; a ``full`` output starts
    ``(k - 1) // 2`` pixels before it and a ``valid`` one ``k // 2`` pixels into it,
    along each axis of a ``k``-tap kernel (the library's centring convention).
    Pictures of block means over ``scale × scale`` pixels have the offset in blocks.
    """
    offsets = {"full": lambda k: -((k - 1) // 2), "same": lambda k: 0, "valid": lambda k: k // 2}
    shift = offsets[output]
    return round(shift(kernel_shape[0]) / scale), round(shift(kernel_shape[1]) / scale)


def _kept_range(key: str, measure):
    """A few numbers about a result (its sign, its colour range), measured once per key.

    Measuring a megapixel result takes milliseconds; a rerun that shows a kept
    result (a kernel picked again) should not pay them again.
    """
    return budget().get_or_compute(("compare-range", key), measure)


def result_panels(
    key: str, image: np.ndarray, result: Comparison, display: str, origin: tuple[int, int]
) -> list[figures.Panel]:
    """Input, convolution, correlation and FFT product (pictures keyed by ``key``)."""

    signed, limit = _kept_range(f"{key}|results", lambda: figures.signed_range(result.convolution))
    image_key = key.split("|kernel:")[0]
    shared = dict(signed=signed, display=display, limit=limit, origin=origin)
    return [
        figures.Panel("Input", image, display="clip", key=f"{image_key}|input"),
        figures.Panel("Convolution I ∗ K", result.convolution, key=f"{key}|conv", **shared),
        figures.Panel("Correlation I ⋆ K", result.correlation, key=f"{key}|corr", **shared),
        figures.Panel("FFT: ℱ⁻¹(ℱI · ℱK)", result.fft, key=f"{key}|fft", **shared),
    ]


def difference_panels(key: str, result: Comparison, origin: tuple[int, int]) -> list[figures.Panel]:
    """conv − corr, its prediction 2·(I ∗ A), and conv − FFT (keyed by ``key``).

    Each map is drawn on ± its largest magnitude; the prediction on the range of
    conv − corr, so that the two pictures compare colour for colour.
    """

    def measure() -> tuple[float, float]:
        differences = (result.conv_minus_corr, result.conv_minus_fft)
        if result.scale == 1:
            # Each map's max |value| is its difference's max_abs, measured already.
            return tuple(d.max_abs if d.max_abs > 0 else 1.0 for d in differences)
        # Maps of block means: their range, not that of the pixels they average.
        return tuple(figures.signed_limit(d.map) for d in differences)

    limits = _kept_range(f"{key}|differences", measure)
    shared = dict(signed=True, origin=origin)
    return [
        figures.Panel(
            "conv − corr", result.conv_minus_corr.map, limit=limits[0], key=f"{key}|cc", **shared
        ),
        figures.Panel(
            "predicted: 2·(I ∗ A)",
            result.predicted_difference,
            limit=limits[0],
            key=f"{key}|predicted",
            **shared,
        ),
        figures.Panel(
            "conv − FFT", result.conv_minus_fft.map, limit=limits[1], key=f"{key}|cf", **shared
        ),
    ]


def kernel_parts(kernel: np.ndarray) -> dict[str, np.ndarray]:
    """K, flip(K) and the symmetric and antisymmetric parts, named for display."""
    return {
        "K": kernel,
        "flip(K)": kernels.flip(kernel),
        "S = (K + flip K)/2": kernels.symmetric_part(kernel),
        "A = (K − flip K)/2": kernels.antisymmetric_part(kernel),
    }


def rank_words(separable: kernels.Separability) -> str:
    """The kernel's rank in words: "all zeros: rank 0", "rank 1: separable", …"""
    if separable.rank == 0:
        return "all zeros: rank 0"
    if separable.rank == 1:
        return "rank 1: separable"
    return f"rank {separable.rank}: not separable"
