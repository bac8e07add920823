"""Questions: a guided tour of four questions, each answered live on the current image."""

import streamlit as st

import filters
from filters import images, kernels, timing
from ui import compute, conventions, figures, light_figures, state, timing_view, widgets
from ui import performance_figures as timing_figures
from ui.frame import ensure_app_frame
from ui.guard import guarded
from ui.image_viewer import image_viewer

ensure_app_frame()

SMALL_SIDE = 128  # the live demos run on the current image shrunk to this long side
TINY_SIDE = 16  # the algebra checks use an even smaller grey crop
GROWTH_SIZES = (5, 31)
EMBOSS = kernels.make("emboss")
RAMP = kernels.parse("1 2 3; 4 5 6; 7 8 9")  # every weight distinct: a flip is visible
TINY_OPTIONS = dict(boundary="constant", output="full")

st.title("Four questions, answered on your image")
st.markdown(
    "Every number below is measured now with the current kernel and options from the "
    "sidebar: the timings of question 1 on the working image (the Compare page's own "
    f"figures), everything else on the image shrunk to at most {SMALL_SIDE} px. "
    "Switch the kernel here and watch the answers change:"
)
widgets.quick_picks()


def _kernel_name(current: state.Demo) -> str:
    kernel = current.kernel()
    size = f"{kernel.shape[0]}×{kernel.shape[1]}"
    if current.preset is None:
        return f"your {size} kernel"
    label = kernels.PRESETS[current.preset].label
    return f"the {label} kernel" if size in label else f"the {label} kernel ({size})"


def _working_image(current: state.Demo):
    """The shared sidebar's image and its cache key; the demo's sample when there is none yet."""
    if st.session_state.get(state.IMAGE) is not None:
        return st.session_state[state.IMAGE], st.session_state[state.IMAGE_KEY]
    return compute.sample(current.sample), f"sample:{current.sample}"


def question_fft(image, kernel, current: state.Demo, name: str) -> None:
    st.header("1 · Is CNN convolution linked to the FFT?")
    st.markdown(
        "Yes: the **convolution theorem**. A convolution in space is a pointwise product "
        "of spectra, and the FFT computes a spectrum in O(N² log N) operations:"
    )
    st.latex(
        r"\mathcal{F}\{I * K\} = \mathcal{F}\{I\}\cdot\mathcal{F}\{K\}"
        r" \quad\Longrightarrow\quad "
        r"I * K = \mathcal{F}^{-1}\big(\mathcal{F}\{I\}\cdot\mathcal{F}\{K\}\big)"
    )
    options = dict(
        boundary=current.boundary,
        output=current.output,
        dtype=current.dtype,
        backend=current.backend,
    )
    direct = filters.convolve(image, kernel, **options)
    through_fft = filters.fft_convolve(image, kernel, **options)
    difference = filters.Difference.between(direct, through_fft)
    bound = filters.fft_tolerance(image, kernel, current.dtype)
    # The times are the Compare page's: the working image, kept per image, kernel and options.
    working, working_key = _working_image(current)
    result_key = compute.result_key(working_key, kernel, current)
    times = timing_view.route_times(result_key, working_key, working, kernel, current)
    timing_view.remember(result_key)
    columns = st.columns(3)
    columns[0].metric("max |direct − FFT|", f"{difference.max_abs:.2g}")
    columns[1].metric("direct (spatial domain)", timing_view.ms(times.stats["convolution"].median))
    columns[2].metric("through the FFT", timing_view.ms(times.stats["fft"].median))
    within = "within" if difference.max_abs <= bound else "OUTSIDE"
    st.markdown(
        f"With {name}, both routes give the same image: they differ by "
        f"{difference.max_abs:.2g}, {within} the rounding bound {bound:.2g}. "
        + " ".join(times.sentences())
    )
    left, right = st.columns([3, 2], gap="large")
    with left:
        timing_view.chart(timing_view.bars_data(times), key="questions_timing")
    with right:
        same = ""
        if st.session_state.get(state.FULL_SOURCE) is None:
            same = " The Compare page shows these same figures for this image, kernel and options."
        st.caption(times.describe() + same)

    def grew(found: dict) -> str:
        """How a route's time changed from the small kernel to the large one, if beyond noise."""
        small_stats, large_stats = (found[size] for size in GROWTH_SIZES)
        outcome = timing.verdict({"small": small_stats, "large": large_stats}, "small", "large")
        ratio = timing.format_ratio(outcome.ratio)
        if outcome.faster == "small":
            return f"took **{ratio}×** as long"
        if outcome.faster == "large":
            return f"was **{ratio}×** faster with the larger kernel"
        return f"did not change beyond the noise ({timing.TOO_CLOSE})"

    growth = timing_view.kernel_growth(
        f"{working_key}|questions{SMALL_SIDE}",
        image,
        *GROWTH_SIZES,
        current.backend,
        current.dtype,
    )
    small, large = GROWTH_SIZES
    height, width = image.shape[:2]
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.plotly_chart(
            timing_figures.growth_bars(growth),
            width="stretch",
            key="questions_growth",
            config=figures.PLOTLY_CONFIG,
        )
    with right:
        st.markdown(
            f"**Does the cost grow with the kernel?** From {small}×{small} to "
            f"{large}×{large}, the kernel has {large**2 / small**2:.0f}× more taps. "
            f"Timed on the {width}×{height} version of the image with Gaussian kernels and "
            f"full 2-D sums, taking turns: direct filtering {grew(growth['direct'])}, the FFT "
            f"{grew(growth['fft'])}. The FFT's work depends on the padded image's size, not on "
            "how many taps the kernel has."
        )
        st.markdown(
            "Without padding, the spectra's product wraps around the edges: the FFT "
            "computes a *circular* convolution, as if the image tiled the plane."
        )
    links = st.columns(2)
    links[0].page_link(
        "pages/fourier.py", label="Spectra, padding and wrap-around", icon=":material/waves:"
    )
    links[1].page_link(
        "pages/performance.py", label="Where the FFT overtakes direct", icon=":material/timer:"
    )


def question_flip(image, image_key: str, kernel, current: state.Demo, name: str) -> None:
    st.header("2 · Are convolution and correlation equivalent?")
    st.markdown(
        "Only for kernels that look the same after a 180° rotation. Correlation is "
        "convolution with the flipped kernel, and the two differ by the kernel's "
        "antisymmetric part A at work:"
    )
    st.latex(
        r"I \star K = I * \operatorname{flip}(K), \qquad "
        r"I \star K - I * K = 2\,(I \star A), \quad "
        r"A = \tfrac12\big(K - \operatorname{flip}(K)\big)"
    )
    key = f"{image_key}|questions{SMALL_SIDE}"
    yours = compute.compare(key, image, kernel, current)
    emboss = compute.compare(key, image, EMBOSS, current)
    options = dict(
        boundary=current.boundary,
        output=current.output,
        dtype=current.dtype,
        backend=current.backend,
    )
    predicted = 2 * filters.correlate(image, kernels.antisymmetric_part(EMBOSS), **options)
    identity = filters.Difference.between(emboss.correlation - emboss.convolution, predicted)

    columns = st.columns(4)
    columns[0].metric("your kernel symmetric?", "yes" if yours.symmetric else "no")
    columns[1].metric("max |conv − corr|, your kernel", f"{yours.conv_minus_corr.max_abs:.3g}")
    columns[2].metric("max |conv − corr|, emboss", f"{emboss.conv_minus_corr.max_abs:.3g}")
    columns[3].metric("max |(corr − conv) − 2·(I ⋆ A)|", f"{identity.max_abs:.2g}")
    verdict = "identical" if yours.conv_minus_corr.max_abs == 0 else "different"
    if yours.symmetric and verdict == "different":
        verdict = "equal up to rounding"
    st.markdown(
        f"With {name}, convolution and correlation are **{verdict}** "
        f"(max difference {yours.conv_minus_corr.max_abs:.3g}). The emboss kernel is not "
        f"symmetric: its two results differ by up to {emboss.conv_minus_corr.max_abs:.3g}, "
        f"and that difference equals 2·(I ⋆ A) to within {identity.max_abs:.2g}."
    )
    corr_minus_conv = emboss.correlation - emboss.convolution
    limit = figures.signed_limit(corr_minus_conv)
    # Emboss results are signed: shown like every signed result (the sidebar's choice).
    emboss_limit = max(map(figures.signed_limit, (emboss.convolution, emboss.correlation)))
    image_viewer(
        [
            figures.Panel("emboss: I ∗ K", emboss.convolution, True, limit=emboss_limit),
            figures.Panel("emboss: I ⋆ K", emboss.correlation, True, limit=emboss_limit),
            figures.Panel("I ⋆ K − I ∗ K", corr_minus_conv, True, limit=limit),
            figures.Panel("2·(I ⋆ A)", predicted, True, limit=limit),
        ],
        key="questions_emboss",
        group="questions_emboss",
        max_height=280,
    )
    links = st.columns(2)
    links[0].page_link(
        "pages/compare.py", label="Compare them on any kernel", icon=":material/compare:"
    )
    links[1].page_link(
        "pages/step.py", label="Step through one pixel's sum", icon=":material/search:"
    )


def question_point(image, kernel) -> None:
    st.header("3 · What is the point of flipping?")
    st.markdown(
        "The flip makes convolution behave like multiplication: it is **commutative** and "
        "**associative**, so filters can be applied in any order or merged into one kernel "
        "first. Correlation is neither."
    )
    st.latex(
        r"I * K = K * I, \qquad (I * K) * L = I * (K * L), \qquad"
        r"\text{but in general}\quad I \star K \neq K \star I"
    )
    tiny = images.resize_long_side(images.to_grey(image), TINY_SIDE)
    second = EMBOSS
    checks = {}
    for label, operation in (("convolution", filters.convolve), ("correlation", filters.correlate)):

        def apply(a, b, operation=operation):
            return operation(a, b, **TINY_OPTIONS)

        checks[label] = (
            filters.Difference.between(apply(tiny, kernel), apply(kernel, tiny)).max_abs,
            filters.Difference.between(
                apply(apply(tiny, kernel), second), apply(tiny, apply(kernel, second))
            ).max_abs,
        )
    height, width = tiny.shape
    st.markdown(
        f"Measured on a {height}×{width} grey version of the image I, the current kernel K "
        f"and the emboss kernel L (full output, zero padding):"
    )
    columns = st.columns(4)
    columns[0].metric("max |I∗K − K∗I|", f"{checks['convolution'][0]:.2g}")
    columns[1].metric("max |I⋆K − K⋆I|", f"{checks['correlation'][0]:.3g}")
    columns[2].metric("max |(I∗K)∗L − I∗(K∗L)|", f"{checks['convolution'][1]:.2g}")
    columns[3].metric("max |(I⋆K)⋆L − I⋆(K⋆L)|", f"{checks['correlation'][1]:.3g}")

    impulse = kernels.make("identity", size=RAMP.shape[0])
    impulse_options = dict(boundary="constant", output="same")
    convolved = filters.convolve(impulse, RAMP, **impulse_options)
    correlated = filters.correlate(impulse, RAMP, **impulse_options)
    to_kernel = filters.Difference.between(convolved, RAMP).max_abs
    to_flipped = filters.Difference.between(correlated, kernels.flip(RAMP)).max_abs
    left, right = st.columns([3, 2], gap="large")
    with left:
        light_figures.matrices(
            {"impulse δ": impulse, "K": RAMP, "δ ∗ K": convolved, "δ ⋆ K": correlated},
            key="questions_impulse",
            columns=4,
        )
    with right:
        st.markdown(
            "**An impulse shows the kernel.** Convolving a single bright pixel reproduces K "
            f"(max difference {to_kernel:.2g}); correlating it reproduces K rotated by 180° "
            f"(max difference from flip K: {to_flipped:.2g})."
        )
        st.markdown(
            "**A learned filter is just the flipped one.** CNN layers compute correlations; "
            "trained to imitate a convolution with K, a layer learns flip(K), and nothing "
            "else changes."
        )
    links = st.columns(2)
    links[0].page_link(
        "pages/algebra.py", label="Every algebraic property, checked", icon=":material/function:"
    )
    links[1].page_link(
        "pages/cnn.py", label="Train a layer and watch it flip", icon=":material/neurology:"
    )


with guarded("preparing the questions"):
    current = widgets.demo()
    kernel = current.kernel()
    name = _kernel_name(current)
    image, image_key = _working_image(current)
    small = images.resize_long_side(image, SMALL_SIDE)
    with guarded("answering question 1"):
        question_fft(small, kernel, current, name)
    st.divider()
    with guarded("answering question 2"):
        question_flip(small, image_key, kernel, current, name)
    st.divider()
    with guarded("answering question 3"):
        question_point(small, kernel)
    st.divider()
    with guarded("answering question 4"):
        st.header("4 · Is this 'same' the same as MATLAB's, OpenCV's, PyTorch's?")
        conventions.section(kernel.shape)
