"""Algebra: the identities convolution obeys and correlation does not, measured."""

import numpy as np
import pandas as pd
import streamlit as st

from filters import algebra, images, kernels
from ui import algebra_figures, compute, figures, light_figures, state, widgets
from ui.frame import ensure_app_frame
from ui.guard import guarded
from ui.image_viewer import image_viewer

ensure_app_frame()

SIZES = (32, 48, 64, 96, 128)
DEFAULT_SIZE = 96
LETTER_F = "letter_f"
DEFAULT_K2 = "emboss"
K2_LABELS = {LETTER_F: "Letter F (9×7)"} | {
    name: preset.label for name, preset in kernels.PRESETS.items()
}
IMPULSE_LABELS = {LETTER_F: "Letter F (9×7)", "k1": "K₁ (the demo kernel)", "k2": "K₂"}
BOUNDARY_NAMES = ("reflect", "constant", "mirror", "nearest", "wrap")
RTOL = algebra.DEFAULT_RTOL

st.title("Algebra: what convolution obeys and correlation does not")
st.markdown(
    "Each identity is computed on a small grey copy of the current image with "
    "K₁ = the demo kernel and a second kernel K₂, for convolution (∗) and correlation (⋆). "
    f"A row **holds** when max |lhs − rhs| / max |lhs| ≤ {RTOL:.0e}; float64 rounding is "
    "about 1e-16."
)


def _kernel_two(name: str) -> np.ndarray:
    return algebra.letter_f_kernel() if name == LETTER_F else kernels.make(name)


def _as_kernel(data: bytes, shape: tuple[int, int]) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float64).reshape(shape).copy()


@compute.kept
def _small_image(image_key: str, _image: np.ndarray, size: int) -> np.ndarray:
    return images.resize_long_side(images.to_grey(_image), size)


@compute.kept(spinner="Checking the identities…")
def _checks(image_key, size, _image, k1_bytes, k1_shape, k2_name, shift, backend):
    k1 = _as_kernel(k1_bytes, k1_shape)
    return algebra.run_all(_image, k1, _kernel_two(k2_name), shift=shift, backend=backend)


@compute.kept
def _shift_checks(image_key, size, _image, k1_bytes, k1_shape, shift, boundary, backend):
    k1 = _as_kernel(k1_bytes, k1_shape)
    return [
        algebra.check_shift_equivariance(
            _image, k1, operation, shift=shift, boundary=boundary, backend=backend
        )
        for operation in algebra.OPERATIONS
    ]


@compute.kept
def _impulses(kernel_bytes, kernel_shape, size):
    kernel = _as_kernel(kernel_bytes, kernel_shape)
    return [algebra.impulse_response(kernel, size, operation) for operation in algebra.OPERATIONS]


def _verdict(check: algebra.Check) -> None:
    if check.holds:
        st.success(
            f"**{check.statement}** holds: relative error {check.relative_error:.2g} "
            f"≤ {check.tolerance:.0e}.",
        )
    else:
        st.warning(
            f"**{check.statement}** fails: relative error {check.relative_error:.3g} "
            f"> {check.tolerance:.0e} (max |lhs − rhs| = {check.max_abs_error:.3g}).",
        )


def _summary_table(checks: list[algebra.Check]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Property": [check.name for check in checks],
            "Identity": [check.statement for check in checks],
            "max |lhs − rhs|": [f"{check.max_abs_error:.2e}" for check in checks],
            "relative error": [f"{check.relative_error:.2e}" for check in checks],
            "verdict": ["✓ holds" if check.holds else "✗ fails" for check in checks],
        }
    )


def _result_panels(named: dict[str, np.ndarray]) -> list[figures.Panel]:
    arrays = list(named.values())
    signed = any(figures.looks_signed(values) for values in arrays)
    limit = max(figures.signed_limit(values) for values in arrays) if signed else None
    return [
        figures.Panel(title, values, signed=signed, display="rescale", limit=limit)
        for title, values in named.items()
    ]


def _by_statement(checks: list[algebra.Check], name: str) -> list[algebra.Check]:
    return [check for check in checks if check.name == name]


def _commutativity(checks: list[algebra.Check]) -> None:
    st.latex(r"(I * K)[y,x] = \sum_{u,v} K[u,v]\, I[y-u,\,x-v] = (K * I)[y,x]")
    st.latex(
        r"I \star K = I * R(K) \quad\Rightarrow\quad K \star I = R(I \star K)"
        r"\qquad (R = \text{rotation by } 180^\circ)"
    )
    rows = _by_statement(checks, "commutativity")
    for check in rows:
        _verdict(check)
    naive, rotated = rows[1], rows[2]
    image_viewer(
        _result_panels(
            {
                "I ⋆ K": naive.lhs,
                "K ⋆ I: upside down": naive.rhs,
                "R(K ⋆ I)": rotated.rhs,
            }
        ),
        key="algebra_commutativity_chart",
        group="algebra_commutativity_chart",
        max_height=320,
    )
    st.caption(
        "Full output with zero padding, so both orders sum exactly the same products. "
        "Swapping the arguments of a correlation turns its result upside down, whatever K is."
    )


def _associativity(checks: list[algebra.Check]) -> None:
    st.latex(r"(I * K_1) * K_2 = I * (K_1 * K_2)")
    st.latex(
        r"(I \star K_1) \star K_2 = I * R(K_1) * R(K_2) = I * R(K_1 * K_2) = I \star (K_1 * K_2)"
    )
    rows = _by_statement(checks, "associativity")
    for check in rows:
        _verdict(check)
    naive, true = rows[1], rows[2]
    image_viewer(
        _result_panels(
            {
                "(I ⋆ K₁) ⋆ K₂": naive.lhs,
                "I ⋆ (K₁ ⋆ K₂)": naive.rhs,
                "I ⋆ (K₁ ∗ K₂)": true.rhs,
            }
        ),
        key="algebra_associativity_chart",
        group="algebra_associativity_chart",
        max_height=320,
    )
    st.caption(
        "Two correlations in a row equal one correlation with the *convolution* of the kernels. "
        "Combining them by correlation is wrong unless K₂ is symmetric under 180° rotation."
    )


def _linearity(checks: list[algebra.Check]) -> None:
    rows = _by_statement(checks, "linearity")
    a, b = rows[0].params["a"], rows[0].params["b"]
    st.latex(rf"(aI + bJ) * K = a\,(I * K) + b\,(J * K), \qquad a = {a:.3f},\; b = {b:.3f}")
    for check in rows:
        _verdict(check)
    st.caption(
        "J is uniform random noise and a, b random weights, from a fixed seed; reflect boundary, "
        "same output. Any boundary that copies pixels or pads with 0 keeps filtering linear."
    )


def _shift_tab(image, k1, shift, backend, checks: list[algebra.Check]) -> None:
    st.latex(r"\operatorname{roll}(I, s) * K = \operatorname{roll}(I * K,\, s)")
    for check in _by_statement(checks, "shift equivariance"):
        _verdict(check)
    st.caption("With the wrap boundary the image is periodic, so a roll is a true shift.")
    current = widgets.demo()
    default = current.boundary if current.boundary != "wrap" else "reflect"
    boundary = st.selectbox(
        "Boundary for the error map",
        BOUNDARY_NAMES,
        index=BOUNDARY_NAMES.index(default),
        format_func=widgets.BOUNDARY_LABELS.get,
        key="algebra_shift_boundary",
    )
    image_key = st.session_state[state.IMAGE_KEY]
    results = _shift_checks(
        image_key,
        max(image.shape),
        image,
        k1.tobytes(),
        k1.shape,
        shift,
        boundary,
        backend,
    )
    columns = st.columns(2)
    for column, result in zip(columns, results, strict=True):
        symbol = algebra.SYMBOLS[result.check.operation]
        with column:
            st.plotly_chart(
                algebra_figures.error_map(
                    np.abs(result.check.difference),
                    result.interior,
                    f"|roll(I, s) {symbol} K − roll(I {symbol} K, s)|, {boundary}",
                ),
                width="stretch",
                key=f"algebra_shift_map_{result.check.operation}",
                config=figures.PLOTLY_CONFIG,
            )
            _shift_sentence(result)


def _shift_sentence(result: algebra.ShiftCheck) -> None:
    check = result.check
    if check.holds:
        st.success(f"Holds everywhere: relative error {check.relative_error:.2g}.")
        return
    inside = "holds" if result.interior_holds else "fails"
    st.info(
        f"Over the whole image the relative error is {check.relative_error:.3g}. "
        f"Inside the dashed frame it {inside} (relative error "
        f"{result.interior_relative_error:.2g}); the differences lie within "
        f"{result.band} px of the borders.",
    )


def _impulse(k1: np.ndarray, k2: np.ndarray) -> None:
    choice = st.selectbox(
        "Kernel",
        list(IMPULSE_LABELS),
        format_func=IMPULSE_LABELS.get,
        key="algebra_impulse_kernel",
    )
    kernel = {"k1": k1, "k2": k2}.get(choice)
    if kernel is None:
        kernel = algebra.letter_f_kernel()
    size = max(41, 2 * max(kernel.shape) + 9) | 1
    convolved, correlated = _impulses(kernel.tobytes(), kernel.shape, size)
    st.latex(
        r"(\delta * K)[c + u] = K[u], \qquad \delta \star K = \delta * R(K) \;\Rightarrow\; R(K)"
    )
    light_figures.matrices(
        {
            "K": kernel,
            "crop of δ ∗ K": convolved.crop,
            "R(K)": correlated.expected,
            "crop of δ ⋆ K": correlated.crop,
        },
        key="algebra_impulse_kernels",
        columns=4,
    )
    for result, symbol, expected in ((convolved, "∗", "K"), (correlated, "⋆", "R(K)")):
        where = f"rows {result.top}–{result.top + kernel.shape[0] - 1}"
        if result.exact:
            st.success(
                f"δ {symbol} K is **exactly** {expected}: the crop at {where} equals it bit for "
                f"bit, and the other pixels are all 0.",
            )
        else:
            st.warning(
                f"δ {symbol} K differs from {expected}: max |crop − {expected}| = "
                f"{result.max_abs_error:.3g}, max |rest| = {result.outside_max:.3g}.",
            )
    image_viewer(
        _result_panels(
            {
                f"impulse δ ({size}×{size})": convolved.image,
                "δ ∗ K": convolved.response,
                "δ ⋆ K": correlated.response,
            }
        ),
        key="algebra_impulse_images",
        group="algebra_impulse_images",
        max_height=320,
    )
    st.caption(
        "A single bright pixel filtered with zero padding and direct sums: convolution stamps "
        "the kernel as it is, correlation stamps it rotated by 180°."
    )


@st.fragment
def workbench() -> None:
    with guarded("checking the identities"):
        _workbench()


def _workbench() -> None:
    widgets.quick_picks()
    with st.expander("Edit K₁ (the demo kernel, shared with the other pages)"):
        widgets.kernel_editor(widgets.demo())
    current = widgets.demo()
    k1 = current.kernel()

    controls = st.columns([2, 2, 1, 1])
    k2_name = controls[0].selectbox(
        "Second kernel K₂",
        list(K2_LABELS),
        index=list(K2_LABELS).index(DEFAULT_K2),
        format_func=K2_LABELS.get,
        key="algebra_k2",
    )
    size = controls[1].select_slider(
        "Image size (long side, px)", SIZES, value=DEFAULT_SIZE, key="algebra_size"
    )
    dy = controls[2].number_input("Shift rows dy", -31, 31, 7, key="algebra_dy")
    dx = controls[3].number_input("Shift cols dx", -31, 31, -11, key="algebra_dx")
    k2 = _kernel_two(k2_name)

    image_key = st.session_state[state.IMAGE_KEY]
    image = _small_image(image_key, st.session_state[state.IMAGE], size)
    shift = (int(dy), int(dx))
    checks = _checks(
        image_key, size, image, k1.tobytes(), k1.shape, k2_name, shift, current.backend
    )

    summary, kernel_panel = st.columns([3, 1], gap="large")
    with summary:
        st.subheader("Every identity, measured")
        st.plotly_chart(
            algebra_figures.error_bars(checks, tolerance=RTOL),
            width="stretch",
            key="algebra_errors",
            config=figures.PLOTLY_CONFIG,
        )
    with kernel_panel:
        st.subheader("K₁ and K₂")
        light_figures.matrices({"K₁": k1, "K₂": k2}, key="algebra_kernels", columns=1)
    height, width = image.shape
    st.caption(
        f"On a {width}×{height} grey copy of the image, in float64. Exact zeros are drawn at the "
        "left edge. The full numbers:"
    )
    st.dataframe(_summary_table(checks), hide_index=True, width="stretch")

    tabs = st.tabs(
        ["Commutativity", "Associativity", "Linearity", "Shift equivariance", "Impulse response"]
    )
    with tabs[0]:
        _commutativity(checks)
    with tabs[1]:
        _associativity(checks)
    with tabs[2]:
        _linearity(checks)
    with tabs[3]:
        _shift_tab(image, k1, shift, current.backend, checks)
    with tabs[4]:
        _impulse(k1, k2)


workbench()
