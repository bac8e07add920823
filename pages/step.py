"""Step through: one output pixel, taken apart for convolution and correlation."""

import numpy as np
import streamlit as st

import filters
from filters import stepthrough
from ui import algebra_figures, compute, figures, state, widgets
from ui.frame import ensure_app_frame
from ui.guard import guarded

ensure_app_frame()

ROW, COL, CHART = "step_row", "step_col", "step_chart"
#: About how wide the kernel and products grids are drawn (half the page at 1280×720),
#: so that their printed values fit the cells there and on larger screens.
GRIDS_WIDTH_PX = 380
CHANNEL_LABELS = {"grey": "Grey (luma)", "red": "Red", "green": "Green", "blue": "Blue"}
BOUNDARY_RULES = {
    "reflect": "reflect: the image is mirrored at its edge, edge pixel included "
    "(d c b a │ a b c d)",
    "constant": "constant: every cell outside the image is 0 (zero padding)",
    "mirror": "mirror: the image is mirrored about its edge pixel (d c b │ a b c d)",
    "nearest": "nearest: the edge pixel is repeated (a a a │ a b c d)",
    "wrap": "wrap: the image repeats from the opposite edge (b c d │ a b c d)",
}

st.title("Step through one pixel")
st.markdown(
    "Click a pixel of a result (or type its row and column) to see the window of the "
    "image under the kernel, the kernel as it is applied, the products and their sum. "
    "Convolution rotates the kernel by 180° first; correlation uses it as it is."
)


@compute.kept
def _plane(image_key: str, _image: np.ndarray, channel: str) -> np.ndarray:
    return stepthrough.channel_plane(_image, channel)


@compute.kept
def _results(image_key, channel, _plane_values, kernel_bytes, kernel_shape, boundary, output):
    kernel = np.frombuffer(kernel_bytes, dtype=np.float64).reshape(kernel_shape)
    options = dict(boundary=boundary, output=output, dtype=np.float64, backend="cpu")
    return (
        filters.convolve(_plane_values, kernel, **options),
        filters.correlate(_plane_values, kernel, **options),
    )


def _picked() -> None:
    """Copy a click on a result into the row and column inputs."""
    points = st.session_state[CHART].selection.points
    if points:
        st.session_state[ROW] = round(points[0]["y"])
        st.session_state[COL] = round(points[0]["x"])


def _jump(row: int, col: int) -> None:
    st.session_state[ROW], st.session_state[COL] = row, col


def _position(shape: tuple[int, int]) -> tuple[int, int]:
    """Row and column inputs, kept inside the output and in step with clicks."""
    rows, cols = shape
    st.session_state.setdefault(ROW, 0)
    st.session_state.setdefault(COL, min(2, cols - 1))
    st.session_state[ROW] = min(max(int(st.session_state[ROW]), 0), rows - 1)
    st.session_state[COL] = min(max(int(st.session_state[COL]), 0), cols - 1)
    inputs = st.columns([1, 1, 3])
    row = inputs[0].number_input(f"Row (0–{rows - 1})", 0, rows - 1, step=1, key=ROW)
    col = inputs[1].number_input(f"Column (0–{cols - 1})", 0, cols - 1, step=1, key=COL)
    with inputs[2]:
        st.markdown("Jump to")
        jumps = st.columns(3)
        jumps[0].button("Corner", key="step_corner", on_click=_jump, args=(0, 0), width="stretch")
        jumps[1].button(
            "Edge", key="step_edge", on_click=_jump, args=(rows // 2, 0), width="stretch"
        )
        jumps[2].button(
            "Centre",
            key="step_centre",
            on_click=_jump,
            args=(rows // 2, cols // 2),
            width="stretch",
        )
    return int(row), int(col)


def _tex_number(value: float, digits: int = 10) -> str:
    """A number for LaTeX: ``1.5e-17`` becomes ``1.5 \\times 10^{-17}``."""
    text = f"{value:.{digits}g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def _operation_column(explanation, result, symbol: str, formula: str) -> None:
    st.latex(formula)
    st.plotly_chart(
        algebra_figures.step_grids(explanation, width_px=GRIDS_WIDTH_PX),
        width="stretch",
        key=f"step_grids_{explanation.operation}",
        config=figures.PLOTLY_CONFIG,
    )
    check = stepthrough.agreement(explanation, result)
    operator = "*" if explanation.operation == "convolve" else r"\star"
    st.latex(
        r"\begin{aligned}"
        rf"\textstyle\sum \text{{products}} &= {_tex_number(check.total)} \\"
        rf"(I {operator} K)[{explanation.row}, {explanation.col}] &= {_tex_number(check.value)}"
        rf" \\ \text{{difference}} &= {_tex_number(check.difference, 2)}"
        r"\end{aligned}"
    )
    if check.agree:
        st.success(
            f"Sum of products = value of I {symbol} K at ({explanation.row}, {explanation.col}), "
            f"to rounding (|difference| ≤ {check.tolerance:.1g}).",
        )
    else:
        st.error(f"The sum of products and the result differ by {check.difference:.3g}.")


@st.fragment
def workbench() -> None:
    with guarded("explaining the pixel"):
        _workbench()


def _workbench() -> None:
    widgets.quick_picks()
    with st.expander("Edit the kernel"):
        widgets.kernel_editor(widgets.demo())
    current = widgets.demo()
    kernel = current.kernel()
    image = st.session_state[state.IMAGE]
    image_key = st.session_state[state.IMAGE_KEY]

    options = st.columns([1, 3])
    channels = list(CHANNEL_LABELS) if image.ndim == 3 else ["grey"]
    channel = options[0].selectbox(
        "Plane", channels, format_func=CHANNEL_LABELS.get, key="step_channel"
    )
    options[1].markdown(
        f"**Kernel** {kernel.shape[0]}×{kernel.shape[1]} · **boundary** {current.boundary} · "
        f"**output** {current.output} (change them in the sidebar) · float64"
    )
    plane = _plane(image_key, image, channel)
    convolution, correlation = _results(
        image_key,
        channel,
        plane,
        np.ascontiguousarray(kernel, dtype=np.float64).tobytes(),
        kernel.shape,
        current.boundary,
        current.output,
    )
    row, col = _position(convolution.shape)

    explained = {
        operation: stepthrough.explain_pixel(
            plane, kernel, row, col, operation, current.boundary, current.output
        )
        for operation in stepthrough.OPERATIONS
    }
    found = explained["convolve"].neighbourhood
    figure, stride = algebra_figures.pixel_picker(
        plane,
        convolution,
        correlation,
        row,
        col,
        (int(found.rows[0]), int(found.rows[-1])),
        (int(found.cols[0]), int(found.cols[-1])),
        signed_display=current.signed,
    )
    st.plotly_chart(
        figure,
        on_select=_picked,
        selection_mode="points",
        key=CHART,
        width="stretch",
        config=figures.PLOTLY_CONFIG | {"scrollZoom": True},
    )
    snap = f" Clicks snap to a grid of step {stride} px; type exact coordinates above." * (
        stride > 1
    )
    limit = algebra_figures.signed_results_limit(convolution, correlation)
    legend = f" Results: {figures.signed_legend(limit, current.signed)}." if limit else ""
    st.caption(f"Click a pixel of either result to explain it; scroll to zoom.{snap}{legend}")

    window_column, window_text = st.columns([1, 2], gap="large")
    with window_column:
        st.plotly_chart(
            algebra_figures.step_grids(
                explained["convolve"],
                panels=("window",),
                window_range=(float(min(plane.min(), 0.0)), float(max(plane.max(), 1.0))),
                width_px=380,
            ),
            width="stretch",
            key="step_window",
            config=figures.PLOTLY_CONFIG,
        )
    with window_text:
        kh, kw = kernel.shape
        st.subheader(f"The window W: the {kh}×{kw} pixels under the kernel")
        st.latex(r"W[i,j] = \tilde I\,[\,y - k_h + 1 + i,\; x - k_w + 1 + j\,]")
        st.markdown(
            f"Ĩ is the image extended by the boundary rule; (y, x) is the pixel's place in the "
            f"*full* result ({current.output} output). Both operations read the same window."
        )
        outside = int(found.outside.sum())
        if outside:
            st.info(
                f"{outside} of {found.outside.size} cells lie outside the image (orange ✕, "
                f"outside the orange frame). Boundary rule — {BOUNDARY_RULES[current.boundary]}.",
            )
        else:
            st.caption("The whole window lies inside the image: no boundary rule is needed.")

    conv_column, corr_column = st.columns(2, gap="large")
    with conv_column:
        st.subheader("Convolution: K rotated 180°")
        _operation_column(
            explained["convolve"],
            convolution,
            "∗",
            r"\begin{aligned}(I * K)[r,c] &= \sum_{i,j} K'[i,j]\; W[i,j] \\"
            r"K'[i,j] &= K[k_h{-}1{-}i,\ k_w{-}1{-}j]\end{aligned}",
        )
    with corr_column:
        st.subheader("Correlation: K as given")
        _operation_column(
            explained["correlate"],
            correlation,
            "⋆",
            r"(I \star K)[r,c] = \sum_{i,j} K[i,j]\; W[i,j]",
        )


workbench()
