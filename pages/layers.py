"""CNN layers: the arithmetic of conv2d and conv_transpose2d, one cell at a time."""

from __future__ import annotations

import numpy as np
import streamlit as st

from filters import cnn
from ui import compute, exercises, figures, layer_figures, light_figures, state
from ui.frame import ensure_app_frame
from ui.guard import guarded
from ui.layer_figures import LayerSettings

ensure_app_frame()

KINDS = {
    "conv2d": "Convolution · conv2d",
    "conv_transpose2d": "Transposed · conv_transpose2d",
}
SOURCES = {
    "random": "Random integers (seeded)",
    "image": f"The current image, grey 0–{layer_figures.GREY_LEVELS - 1}",
}
PADDINGS = (0, 1, 2, 3, "same")
CHANNELS = (1, 2, 3, 4, 6)
ROW, COL, OUT_CHANNEL, IN_CHANNEL = "layers_row", "layers_col", "layers_out", "layers_in"
GROUPS, CHART = "layers_groups", "layers_chart"


@compute.kept
def _grey_input(image_key: str, _image: np.ndarray, height: int, width: int, channels: int):
    return layer_figures.grey_input(_image, height, width, channels)


@compute.kept
def _output(settings: LayerSettings, input_key: str, _x, _w, _b) -> np.ndarray:
    layer = cnn.conv_transpose2d if settings.transposed else cnn.conv2d
    return layer(_x, _w, _b, **settings.options())


@compute.kept
def _terms(settings: LayerSettings, input_key: str, out_channel: int, _x, _w) -> np.ndarray:
    return cnn.channel_terms(
        _x, _w, out_channel, transposed=settings.transposed, **settings.options()
    )


def _common_divisors(a: int, b: int) -> list[int]:
    return [n for n in range(1, min(a, b) + 1) if a % n == 0 and b % n == 0]


def _kept_inside(key: str, choices: list) -> None:
    """Reset a widget's remembered value when it is no longer among its choices."""
    if st.session_state.get(key) not in choices:
        st.session_state.pop(key, None)


# ----------------------------------------------------------------------------
# Controls
# ----------------------------------------------------------------------------


def _controls() -> tuple[LayerSettings, str]:
    with st.container(border=True):
        top = st.columns([1.6, 1, 1, 1, 1], gap="medium")
        kind = top[0].radio("Layer", list(KINDS), format_func=KINDS.get, key="layers_kind")
        height = top[1].slider("Input height H", 3, 12, 7, key="layers_h")
        width = top[2].slider("Input width W", 3, 12, 7, key="layers_w")
        kernel_h = top[3].slider("Kernel height kh", 1, 7, 3, key="layers_kh")
        kernel_w = top[4].slider("Kernel width kw", 1, 7, 3, key="layers_kw")

        middle = st.columns([1.6, 1, 1, 1, 1], gap="medium")
        source = middle[0].radio(
            "Input values", list(SOURCES), format_func=SOURCES.get, key="layers_source"
        )
        stride = middle[1].slider("Stride s", 1, 3, 2, key="layers_stride")
        padding = middle[2].select_slider(
            "Padding p",
            PADDINGS,
            value=1,
            key="layers_padding",
            help="Zeros added on every side. 'same' keeps H and W (stride 1 only); "
            "an odd total puts the extra zero at the bottom or right, as PyTorch does.",
        )
        dilation = middle[3].slider(
            "Dilation d", 1, 3, 1, key="layers_dilation", help="Spacing between kernel taps."
        )
        transposed = kind == "conv_transpose2d"
        # Shown only where it applies: a disabled slider's grey label is too faint to read.
        if transposed:
            output_padding = middle[4].slider(
                "Output padding a",
                0,
                2,
                0,
                key="layers_output_padding",
                help="Transposed layers only: extra cells at the bottom and right; "
                "must be below the stride or the dilation.",
            )
        else:
            output_padding = 0
            middle[4].caption("Output padding: transposed layers only.")

        bottom = st.columns([1.6, 1, 1, 1, 1], gap="medium")
        in_channels = bottom[1].select_slider("Channels in C_in", CHANNELS, 2, key="layers_cin")
        out_channels = bottom[2].select_slider("Channels out C_out", CHANNELS, 2, key="layers_cout")
        divisors = _common_divisors(in_channels, out_channels)
        _kept_inside(GROUPS, divisors)
        groups = bottom[3].selectbox(
            "Groups",
            divisors,
            key=GROUPS,
            help="Channels split into blocks; each output channel sees only its block's "
            "C_in/groups inputs. So groups must divide C_in and C_out: these are the "
            "numbers that divide both.",
        )
        bias = bottom[4].toggle("Bias b", value=True, key="layers_bias")
        seed = bottom[0].number_input(
            "Random seed", 0, 999, 0, key="layers_seed", help="Of the weights, bias and input."
        )
    settings = LayerSettings(
        transposed=transposed,
        height=int(height),
        width=int(width),
        kernel_h=int(kernel_h),
        kernel_w=int(kernel_w),
        stride=int(stride),
        padding=padding,
        dilation=int(dilation),
        output_padding=int(output_padding) if transposed else 0,
        in_channels=int(in_channels),
        out_channels=int(out_channels),
        groups=int(groups),
        bias=bool(bias),
        seed=int(seed),
    )
    return settings, source


def _arrays(settings: LayerSettings, source: str):
    """Input, weights and bias, and a short key naming the input."""
    x, w, b = layer_figures.example_arrays(settings)
    image = st.session_state.get(state.IMAGE)
    if source == "image" and image is None:
        st.info("No image is loaded yet; showing random integers. Pick an image in the sidebar.")
        source = "random"
    if source == "image":
        image_key = st.session_state.get(state.IMAGE_KEY, "")
        shape = (settings.height, settings.width, settings.in_channels)
        x = np.array(_grey_input(image_key, image, *shape))
        return x, w, b, f"image:{image_key}"
    return x, w, b, f"random:{settings.seed}"


# ----------------------------------------------------------------------------
# The layer
# ----------------------------------------------------------------------------


def _output_sizes(settings: LayerSettings) -> tuple[int, int]:
    """Both output sides from the library's size functions (a clear error when empty)."""
    if settings.transposed:
        options = (settings.stride, settings.padding, settings.output_padding, settings.dilation)
        size_of = cnn.conv_transpose2d_output_size
    else:
        options = (settings.stride, settings.padding, settings.dilation)
        size_of = cnn.conv2d_output_size
    return (
        size_of(settings.height, settings.kernel_h, *options),
        size_of(settings.width, settings.kernel_w, *options),
    )


def _formulas(settings: LayerSettings, sides: tuple[int, int]) -> None:
    st.subheader("Output size")
    left, right = st.columns(2)
    for column, axis, size, kernel in (
        (left, 0, settings.height, settings.kernel_h),
        (right, 1, settings.width, settings.kernel_w),
    ):
        with column:
            st.latex(layer_figures.size_formula(settings, axis, size, kernel, sides[axis]))
    name = "conv_transpose2d" if settings.transposed else "conv2d"
    st.caption(
        f"{name}: C_in × H × W = {settings.in_channels} × {settings.height} × {settings.width} "
        f"→ C_out × H′ × W′ = {settings.out_channels} × {sides[0]} × {sides[1]}. "
        "s stride, p padding, d dilation" + (", a output padding." if settings.transposed else ".")
    )


def _picked() -> None:
    """Copy a click on the output grid into the row and column inputs."""
    points = st.session_state[CHART].selection.points
    if points:
        st.session_state[ROW] = round(points[0]["y"])
        st.session_state[COL] = round(points[0]["x"])


def _position(settings: LayerSettings, sides: tuple[int, int]) -> tuple[int, int, int, int]:
    """Output channel, row and column, and the input channel drawn; kept inside the layer."""
    rows, cols = sides
    st.session_state.setdefault(ROW, 0)
    st.session_state.setdefault(COL, 0)
    st.session_state[ROW] = min(max(int(st.session_state[ROW]), 0), rows - 1)
    st.session_state[COL] = min(max(int(st.session_state[COL]), 0), cols - 1)
    _kept_inside(OUT_CHANNEL, list(range(settings.out_channels)))
    inputs = st.columns(4)
    out_channel = inputs[0].selectbox(
        "Output channel o", list(range(settings.out_channels)), key=OUT_CHANNEL
    )
    row = inputs[1].number_input(f"Output row (0–{rows - 1})", 0, rows - 1, step=1, key=ROW)
    col = inputs[2].number_input(f"Output column (0–{cols - 1})", 0, cols - 1, step=1, key=COL)
    seen = layer_figures.group_inputs(settings, out_channel)
    _kept_inside(IN_CHANNEL, seen)
    in_channel = inputs[3].selectbox(
        "Input channel drawn",
        seen,
        key=IN_CHANNEL,
        help="The input channels this output channel sees (its group's).",
    )
    return int(out_channel), int(row), int(col), int(in_channel)


def _picture(settings, x, y, out_channel, cell, in_channel) -> None:
    cells = cnn.receptive_cells(
        (settings.height, settings.width),
        (settings.kernel_h, settings.kernel_w),
        *cell,
        stride=settings.stride,
        padding=settings.padding,
        dilation=settings.dilation,
        transposed=settings.transposed,
        output_padding=settings.output_padding,
    )
    figure = layer_figures.layer_grids(
        settings,
        x[in_channel],
        y[out_channel],
        cells,
        cell,
        in_channel=in_channel,
        out_channel=out_channel,
    )
    st.plotly_chart(
        figure,
        on_select=_picked,
        selection_mode="points",
        key=CHART,
        width="stretch",
        config=figures.PLOTLY_CONFIG,
    )
    if settings.transposed:
        text = (
            f"Outlined on the input: the {cells.rows.size} cell(s) whose spread reaches output "
            f"cell {cell}. Each input cell adds its value times the kernel to the output, "
            f"s = {settings.stride} cells apart; padding p crops p cells from every side."
        )
    else:
        inside = int(cells.inside.sum())
        text = (
            f"Outlined on the input: the {cells.rows.size} cells under the kernel for output "
            f"cell {cell} ({inside} inside the input); dilation {settings.dilation} leaves "
            f"{settings.dilation - 1} cell(s) between taps."
        )
    st.caption(text + " Click an output cell to pick it.")


def _channels(settings, x, w, b, y, out_channel, cell, input_key) -> None:
    st.subheader(f"Channels: C_in = {settings.in_channels} → C_out = {settings.out_channels}")
    seen = layer_figures.group_inputs(settings, out_channel)
    st.markdown(
        "Each output channel is a **sum of one correlation per input channel** it sees"
        + (f" (groups = {settings.groups}: only channels {seen})" if settings.groups > 1 else "")
        + ", plus its bias."
    )
    terms = _terms(settings, input_key, out_channel, x, w)
    row, col = cell
    shares = [float(value) for value in terms[:, row, col]]
    bias = float(b[out_channel]) if b is not None else None
    value = float(y[out_channel, row, col])
    formula, kernels = st.columns([3, 2], gap="medium")
    with formula:
        st.latex(
            layer_figures.terms_formula(settings, out_channel, cell, seen, shares, bias, value)
        )
        st.caption(
            "Each term is one input channel's correlation with its own kernel, read at the "
            "chosen cell; the last line is the layer's output there."
        )
    with kernels:
        indices = layer_figures.weight_indices(settings, out_channel)
        light_figures.matrices(
            {
                f"w[{i}, {j}]: x{c} → y{out_channel}": w[i, j]
                for c, (i, j) in zip(seen, indices, strict=True)
            },
            key="layers_kernels",
            columns=min(len(seen), 3),
        )


def _code(settings: LayerSettings, shape: tuple[int, ...]) -> None:
    st.subheader("The same layer in code")
    st.caption("PyTorch")
    st.code(layer_figures.torch_code(settings, shape), language="python")
    st.caption("This workbench's library, filters.cnn (NumPy, float64)")
    st.code(layer_figures.filters_code(settings, shape), language="python")


def _layer(settings: LayerSettings, source: str) -> None:
    x, w, b, input_key = _arrays(settings, source)
    sides = _output_sizes(settings)
    _formulas(settings, sides)
    y = _output(settings, input_key, x, w, b)
    out_channel, row, col, in_channel = _position(settings, sides)
    _picture(settings, x, y, out_channel, (row, col), in_channel)
    _channels(settings, x, w, b, y, out_channel, (row, col), input_key)
    _code(settings, y.shape)


st.title("CNN layer arithmetic")
st.markdown(
    "How stride, padding, dilation, channels and groups shape a convolution layer's output, "
    "and which input cells feed each output cell."
)
layer_settings, input_source = _controls()
with guarded("computing the layer"):
    _layer(layer_settings, input_source)

st.subheader("“Convolution” layers do not flip the kernel")
st.markdown(
    "The layers above, like PyTorch's and TensorFlow's, compute a **cross-correlation**: "
    "the kernel slides over the input as it is, without the 180° rotation of a true "
    "convolution. For a learned kernel this does not matter: training a correlation layer "
    "to do a convolution's job simply learns the flipped weights."
)
st.page_link("pages/cnn.py", label="See it happen on the CNN page", icon=":material/neurology:")

st.subheader("Predict the output size")
st.markdown("Work it out before you check: a new layer each time, sometimes transposed.")
with guarded("asking for an output size"):
    exercises.output_size_exercise("layers_size")
