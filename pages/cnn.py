"""CNN: a correlation layer trained to imitate a true convolution learns the flipped kernel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from filters import FiltersError, cnn, kernels
from ui import cnn_figures, compute, figures, light_figures, state, widgets
from ui import text as plain_text
from ui.frame import ensure_app_frame
from ui.guard import guarded
from ui.image_viewer import image_viewer

ensure_app_frame()

MAX_SIDE = 15  # largest filter this page trains
MAX_RUNS = 6  # training results kept per session
NOISE_SEED = 0
INPUT_SIZES = (32, 48, 64, 96)
LEARNING_RATES = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
STEP_CHOICES = (10, 20, 50, 100, 200, 300, 500, 1000, 2000)
OPTIMIZER_LABELS = {"adam": "Adam", "gd": "Gradient descent"}
SOURCES = {"noise": "White noise (random texture)", "photo": "The current image, in grey"}
TARGETS = {
    "emboss": "Emboss 3×3",
    "sobel_x": "Sobel x 3×3",
    "shift": "Shifted impulse",
    "random": "Random",
    "gaussian273": "Gaussian 5×5 /273 (symmetric)",
    "current": "The current kernel (shared with the other pages)",
}
RUNS = "cnn_runs"
SEED = "cnn_seed"


@dataclass(frozen=True)
class Settings:
    kernel: np.ndarray
    source: str
    size: int
    optimizer: str
    lr: float
    steps: int
    bias: bool
    noise: float

    def key(self, input_key: str, seed: int) -> tuple:
        return (
            self.kernel.tobytes(),
            self.kernel.shape,
            input_key,
            self.optimizer,
            self.lr,
            self.steps,
            self.bias,
            self.noise,
            seed,
        )


@compute.kept
def _photo_input(image_key: str, _image: np.ndarray, size: int) -> np.ndarray:
    return cnn.prepare_input(_image, size)


@compute.kept
def _noise_input(size: int) -> np.ndarray:
    return cnn.white_noise((size, size), seed=0)


@compute.kept
def _condition_number(input_key: str, _x: np.ndarray, shape: tuple, bias: bool) -> cnn.Conditioning:
    return cnn.conditioning(_x, shape, bias=bias)


@compute.kept
def _symmetric_check(input_key: str, _x: np.ndarray, bias: bool) -> cnn.FlipCheck:
    """Least squares for a symmetric kernel on the same input: both errors are tiny."""
    symmetric = kernels.make("gaussian273")
    fit = cnn.least_squares_filter(_x, cnn.make_target(_x, symmetric), symmetric.shape, bias=bias)
    return cnn.check_flip(fit.weights, symmetric)


def _input_key(source: str, size: int) -> str:
    """A short cache key for a training input."""
    image = st.session_state.get(state.IMAGE_KEY, "") if source == "photo" else ""
    return f"{source}:{image}:{size}"


def _new_start() -> None:
    st.session_state[SEED] = st.session_state.get(SEED, 0) + 1


# ----------------------------------------------------------------------------
# Controls
# ----------------------------------------------------------------------------


def _target_kernel(choice: str, column) -> np.ndarray:
    with column:
        if choice == "shift":
            size = st.select_slider("Kernel size", (3, 5, 7), value=3, key="cnn_shift_size")
            return kernels.make("shift", dx=size // 2, dy=size // 2)
        if choice == "random":
            size = st.slider("Kernel size", 2, 7, 4, key="cnn_random_size")
            return kernels.make("random", size=size, seed=1)
    kernel = widgets.demo().kernel() if choice == "current" else kernels.make(choice)
    column.markdown(
        f"Kernel size  \n**{kernel.shape[0]}×{kernel.shape[1]}**",
        help="The layer's filter has the size of K.",
    )
    return kernel


def _controls() -> Settings:
    with st.container(border=True):
        top = st.columns([2.2, 1, 1.8, 1.2], gap="medium")
        choice = top[0].selectbox(
            "Target kernel K", list(TARGETS), format_func=TARGETS.get, key="cnn_target"
        )
        kernel = _target_kernel(choice, top[1])
        source = top[2].radio(
            "Training input x", list(SOURCES), format_func=SOURCES.get, key="cnn_source"
        )
        size = top[3].select_slider(
            "Input size (pixels)",
            INPUT_SIZES,
            value=64,
            key="cnn_size",
            help="The long side. Small inputs keep training fast.",
        )
        bottom = st.columns([1.2, 1.5, 1.5, 1.0, 1.4], gap="medium")
        optimizer = bottom[0].radio(
            "Optimiser", list(OPTIMIZER_LABELS), format_func=OPTIMIZER_LABELS.get, key="cnn_opt"
        )
        lr = bottom[1].select_slider(
            "Learning rate", LEARNING_RATES, value=0.05, key="cnn_lr", format_func="{:g}".format
        )
        steps = bottom[2].select_slider("Steps", STEP_CHOICES, value=300, key="cnn_steps")
        bias = bottom[3].toggle("Bias b", value=True, key="cnn_bias")
        noise = bottom[4].slider(
            "Noise on the target",
            0.0,
            0.5,
            0.0,
            0.05,
            key="cnn_noise",
            help="Gaussian noise added to t, as a fraction of t's standard deviation.",
        )
        st.button(
            "Train again from a new random start",
            key="cnn_train",
            on_click=_new_start,
            icon=":material/replay:",
            type="primary",
        )
    if choice == "current":
        with st.expander("Edit the current kernel", expanded=False):
            widgets.quick_picks()
            kernel = widgets.kernel_editor(widgets.demo())
    return Settings(kernel, source, size, optimizer, lr, steps, bias, noise)


# ----------------------------------------------------------------------------
# Training with live progress
# ----------------------------------------------------------------------------


def _train_live(x: np.ndarray, target: np.ndarray, settings: Settings, seed: int):
    steps = settings.steps
    every = max(1, steps // 25)
    progress = st.progress(0.0, text="Training…")
    chart = st.empty()
    losses: list[float] = []
    history: list[np.ndarray] = []

    def report(step: int, loss: float, weights: np.ndarray) -> None:
        losses.append(loss)
        history.append(weights)
        if step % every and step != steps:
            return
        progress.progress(step / steps, text=f"Training: step {step} of {steps}, loss {loss:.2e}")
        to_flip, to_kernel = cnn.distances(np.array(history), settings.kernel)
        chart.plotly_chart(
            cnn_figures.training_curves(np.array(losses), to_flip, to_kernel, total_steps=steps),
            width="stretch",
            key=f"cnn_live_{step}",
            config=figures.PLOTLY_CONFIG,
        )

    with compute.heavy("training") as check:

        def checked_report(step: int, loss: float, weights: np.ndarray) -> None:
            check()
            report(step, loss, weights)

        result = cnn.train(
            x,
            target,
            settings.kernel.shape,
            steps=steps,
            lr=settings.lr,
            optimizer=settings.optimizer,
            bias=settings.bias,
            seed=seed,
            callback=checked_report,
        )
    progress.empty()
    chart.empty()
    return result


def _trained(x, target, settings: Settings, seed: int) -> cnn.TrainingResult:
    runs: dict = st.session_state.setdefault(RUNS, {})
    key = settings.key(_input_key(settings.source, settings.size), seed)
    if key not in runs:
        runs[key] = _train_live(x, target, settings, seed)
        while len(runs) > MAX_RUNS:
            runs.pop(next(iter(runs)))
    return runs[key]


# ----------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------


def _conclusion(result: cnn.TrainingResult, check: cnn.FlipCheck, stable_lr: float) -> None:
    steps, to_flip, to_kernel = result.steps, check.error_to_flip, check.error_to_kernel
    if result.diverged:
        st.error(
            f"Training diverged after {steps} steps: the loss grew to {result.losses[-1]:.2g}. "
            f"Lower the learning rate (plain gradient descent is stable below "
            f"{stable_lr:.2g} on this input)."
        )
    elif check.verdict == "flip":
        st.success(
            f"After {steps} steps the learned filter matches flip(K) to {to_flip:.1e} but "
            f"differs from K by {to_kernel:.2g}: the layer learned the flipped kernel; nothing "
            "else changed."
        )
    elif check.verdict == "both":
        st.success(
            f"K is symmetric under 180°, so flip(K) = K: after {steps} steps the learned filter "
            f"matches both to {to_flip:.1e}. The flip is invisible."
        )
    elif check.verdict == "kernel":
        st.warning(
            f"After {steps} steps the learned filter matches K to {to_kernel:.1e} but differs "
            f"from flip(K) by {to_flip:.2g}."
        )
    else:
        closer = "flip(K)" if to_flip < to_kernel else "K"
        st.warning(
            f"After {steps} steps the learned filter is still {to_flip:.2g} from flip(K) and "
            f"{to_kernel:.2g} from K (a match is within {check.tolerance:.2g}): not converged "
            f"yet, but already closer to {closer}. Try more steps or another learning rate."
        )


def _metrics(result, check, fit_check) -> None:
    columns = st.columns(5)
    columns[0].metric("max |W − flip K|", f"{check.error_to_flip:.2e}")
    columns[1].metric("max |W − K|", f"{check.error_to_kernel:.2e}")
    columns[2].metric(
        "max |W* − flip K|",
        f"{fit_check.error_to_flip:.2e}",
        help="W* is the filter found by least squares, without training.",
    )
    columns[3].metric("learned bias b", f"{result.bias:.2e}")
    columns[4].metric("final loss", f"{result.losses[-1]:.2e}")


def _why_noise(settings: Settings, photo_x, noise_x, this_input: cnn.Conditioning) -> None:
    shape = settings.kernel.shape
    noise = _condition_number(_input_key("noise", settings.size), noise_x, shape, settings.bias)
    text = (
        "**Why white noise trains fastest.** Gradient descent's pace is set by the condition "
        "number κ = λmax / λmin of the loss's Hessian 2AᵀA/N (A holds the input's patches). "
        f"For a {shape[0]}×{shape[1]} filter, white noise gives κ = {noise.condition_number:.3g}"
    )
    if photo_x is not None:
        photo = _condition_number(_input_key("photo", settings.size), photo_x, shape, settings.bias)
        text += f" and the current image κ = {photo.condition_number:.3g}"
    text += (
        ". Noise pixels are independent, so every weight learns at the same rate; neighbouring "
        "pixels of a photo are alike, so its fine detail learns about κ times slower. "
        f"Plain gradient descent is stable for a learning rate below 2/λmax = "
        f"{this_input.max_stable_lr:.2g} on this input."
    )
    st.markdown(text)


def _page() -> None:
    settings = _controls()
    kernel = settings.kernel
    if max(kernel.shape) > MAX_SIDE:
        st.error(
            f"This page trains filters up to {MAX_SIDE}×{MAX_SIDE}; K is "
            f"{kernel.shape[0]}×{kernel.shape[1]}. Pick a smaller kernel."
        )
        return

    noise_x = _noise_input(settings.size)
    image_key = st.session_state.get(state.IMAGE_KEY, "")
    photo_x, photo_problem = None, None
    image = st.session_state.get(state.IMAGE)
    if image is None:
        photo_problem = "no image is loaded yet; pick one in the sidebar."
    else:
        try:
            photo_x = _photo_input(image_key, image, settings.size)
        except FiltersError as exc:
            photo_problem = str(exc)
    if settings.source == "photo" and photo_x is None:
        plain_text.error(f"The current image cannot be used: {photo_problem}")
        return
    x = photo_x if settings.source == "photo" else noise_x
    input_key = _input_key(settings.source, settings.size)
    clean = cnn.make_target(x, kernel)
    target = cnn.make_target(x, kernel, noise=settings.noise, seed=NOISE_SEED)
    fit = cnn.least_squares_filter(x, target, kernel.shape, bias=settings.bias)
    this_input = _condition_number(input_key, x, kernel.shape, settings.bias)

    result = _trained(x, target, settings, st.session_state.get(SEED, 0))
    check = cnn.check_flip(result.weights, kernel)
    fit_check = cnn.check_flip(fit.weights, kernel)

    st.subheader("Result")
    _conclusion(result, check, this_input.max_stable_lr)
    _metrics(result, check, fit_check)
    if fit.rank < fit.unknowns:
        st.warning(
            f"This input determines only {fit.rank} of the {fit.unknowns} unknowns; "
            "the least-squares filter is the smallest of many equally good ones."
        )

    optimiser = OPTIMIZER_LABELS[settings.optimizer]
    light_figures.matrices(
        {
            "K (the true convolution's kernel)": kernel,
            "flip(K): K rotated by 180°": kernels.flip(kernel),
            f"W learned ({optimiser}, {result.steps} steps)": result.weights,
            "W* by least squares": fit.weights,
        },
        key="cnn_kernels",
        columns=4,
    )

    st.subheader("Training")
    to_flip, to_kernel = cnn.distances(result.history, kernel)
    st.plotly_chart(
        cnn_figures.training_curves(result.losses, to_flip, to_kernel, total_steps=settings.steps),
        width="stretch",
        key="cnn_curves",
        config=figures.PLOTLY_CONFIG,
    )

    output = cnn.correlation_layer(x, result.weights, result.bias)
    image_viewer(
        [
            figures.Panel("Input x", x, signed=True),
            figures.Panel("Target t = x ∗ K", target, signed=True),
            figures.Panel("Layer output x ⋆ W + b", output, signed=True),
            figures.Panel("Output − (x ∗ K)", output - clean, signed=True),
        ],
        key="cnn_images",
        group="cnn_images",
        max_height=320,
    )
    gap = float(np.max(np.abs(output - clean)))
    scale = float(np.max(np.abs(clean))) or 1.0
    st.markdown(
        f"The layer's output differs from the true convolution x ∗ K by at most {gap:.1e} "
        f"(relative to its largest value: {gap / scale:.1e})."
    )

    _why_noise(settings, photo_x, noise_x, this_input)
    if not check.symmetric:
        symmetric = _symmetric_check(input_key, x, settings.bias)
        st.markdown(
            "**With a symmetric K the flip is invisible.** For the Gaussian 5×5 /273 on the same "
            f"input, the least-squares filter is {symmetric.error_to_flip:.0e} from flip(K) and "
            f"{symmetric.error_to_kernel:.0e} from K."
        )


st.title("A CNN layer learns the flipped kernel")
st.markdown(
    "The “convolution” layers of PyTorch and TensorFlow compute a **cross-correlation**: the "
    "filter is not flipped. Here one such layer, with valid padding, is trained to imitate a "
    "**true convolution** with a kernel K. It succeeds by learning flip(K)."
)
formula_left, formula_right = st.columns(2)
formula_left.latex(r"\hat y = x \star W + b, \qquad t = x * K = x \star \operatorname{flip}(K)")
formula_right.latex(
    r"L = \tfrac{1}{N}\sum (\hat y - t)^2, \qquad "
    r"\frac{\partial L}{\partial W} = \tfrac{2}{N}\, x \star (\hat y - t)"
)


@st.fragment
def cnn_page() -> None:
    with guarded("training the layer"):
        _page()


cnn_page()
