"""The Compare page's figures, built once per result and reused across reruns."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from filters import Comparison, kernels
from ui import figures


def _result_panels(key: str, image: np.ndarray, result: Comparison, display: str):
    signed = figures.looks_signed(result.convolution)
    limit = figures.signed_limit(result.convolution) if signed else None
    image_key = key.split("|kernel:")[0]
    return [
        figures.Panel("Input", image, display="clip", key=f"{image_key}|input"),
        figures.Panel(
            "Convolution I ∗ K",
            result.convolution,
            signed,
            display,
            limit,
            key=f"{key}|convolution",
        ),
        figures.Panel(
            "Correlation I ⋆ K",
            result.correlation,
            signed,
            display,
            limit,
            key=f"{key}|correlation",
        ),
        figures.Panel("FFT: ℱ⁻¹(ℱI · ℱK)", result.fft, signed, display, limit, key=f"{key}|fft"),
    ]


@st.cache_resource(max_entries=6, show_spinner=False)
def results_figure(key: str, _image: np.ndarray, _result: Comparison, display: str) -> go.Figure:
    """Input, convolution, correlation and FFT product, linked (cached by ``key``)."""
    return figures.image_row(_result_panels(key, _image, _result, display))


@st.cache_resource(max_entries=6, show_spinner=False)
def differences_figure(key: str, _result: Comparison) -> go.Figure:
    """conv − corr, its prediction 2·(I ∗ A), and conv − FFT (cached by ``key``)."""
    limit = figures.signed_limit(_result.conv_minus_corr.map)
    panels = [
        figures.Panel("conv − corr", _result.conv_minus_corr.map, signed=True),
        figures.Panel(
            "predicted: 2·(I ∗ A)", _result.predicted_difference, signed=True, limit=limit
        ),
        figures.Panel("conv − FFT", _result.conv_minus_fft.map, signed=True),
    ]
    return figures.image_row(panels, height=400)


@st.cache_resource(max_entries=16, show_spinner=False)
def _kernel_figure(kernel_bytes: bytes, shape: tuple[int, int]) -> go.Figure:
    kernel = np.frombuffer(kernel_bytes, dtype=np.float64).reshape(shape)
    return figures.kernel_heatmaps(
        {
            "K": kernel,
            "flip(K)": kernels.flip(kernel),
            "S = (K + flip K)/2": kernels.symmetric_part(kernel),
            "A = (K − flip K)/2": kernels.antisymmetric_part(kernel),
        }
    )


def kernel_figure(kernel: np.ndarray) -> go.Figure:
    """K, flip(K) and the symmetric and antisymmetric parts (cached by the values)."""
    kernel = np.ascontiguousarray(kernel, dtype=np.float64)
    return _kernel_figure(kernel.tobytes(), kernel.shape)
