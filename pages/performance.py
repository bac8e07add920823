"""Performance: time against kernel size and image size for each method and backend."""

import time

import streamlit as st

from filters import gpu_status, timing
from ui import compute
from ui import performance_figures as figures
from ui.figures import PLOTLY_CONFIG
from ui.frame import ensure_app_frame
from ui.guard import guarded
from ui.widgets import plain

ensure_app_frame()

RESULTS = "perf_results"
KERNEL_SIZES = (3, 5, 7, 9, 11, 15, 21, 31, 41, 51, 63)
IMAGE_SIZES = (32, 64, 128, 256, 384, 512, 768, 1024, 1536, 2048)
MODES = {
    "quick": dict(
        kernel_sizes=(3, 7, 15, 31, 63),
        kernel_image=256,
        image_sizes=(128, 256, 512, 1024),
        image_kernel=15,
        repeats=3,
    ),
    "thorough": dict(
        kernel_sizes=KERNEL_SIZES,
        kernel_image=512,
        image_sizes=(128, 256, 384, 512, 768, 1024, 1536, 2048),
        image_kernel=15,
        repeats=5,
    ),
}

st.title("How fast is each method?")
st.markdown(
    "Direct filtering costs one multiply-add per kernel tap and pixel, **O(N²K²)**; "
    "the FFT costs **O(N² log N)** whatever the kernel's size. Measure where one overtakes "
    "the other on this machine."
)


def _settings() -> timing.SweepPlan:
    top = st.columns([2, 2, 3])
    mode = top[0].radio(
        "Run",
        list(MODES),
        horizontal=True,
        key="perf_mode",
        format_func=lambda m: f"{m} ({MODES[m]['repeats']} repeats)",
    )
    preset = MODES[mode]
    colour = top[1].radio("Test image", ["grey", "RGB"], horizontal=True, key="perf_colour")
    gpu = gpu_status()
    backends = ["cpu"]
    with top[2]:
        if gpu.usable:
            if st.checkbox(f"Also on the GPU ({plain(gpu.device_name)})", True, key="perf_gpu"):
                backends.append("gpu")
        else:
            st.caption(f"CPU only. {plain(gpu.reason)}")
    left, right = st.columns(2)
    with left:
        kernel_sizes = st.multiselect(
            "Kernel sides K (kernel sweep)",
            KERNEL_SIZES,
            default=preset["kernel_sizes"],
            key=f"perf_kernel_sizes_{mode}",
        )
        kernel_image = st.select_slider(
            "… on an N×N image with N =",
            IMAGE_SIZES,
            value=preset["kernel_image"],
            key=f"perf_kernel_image_{mode}",
        )
    with right:
        image_sizes = st.multiselect(
            "Image sides N (image sweep)",
            IMAGE_SIZES,
            default=preset["image_sizes"],
            key=f"perf_image_sizes_{mode}",
        )
        image_kernel = st.select_slider(
            "… with a K×K kernel, K =",
            KERNEL_SIZES,
            value=preset["image_kernel"],
            key=f"perf_image_kernel_{mode}",
        )
    return timing.SweepPlan(
        kernel_sizes=tuple(kernel_sizes),
        kernel_sweep_image=kernel_image,
        image_sizes=tuple(image_sizes),
        image_sweep_kernel=image_kernel,
        channels=1 if colour == "grey" else 3,
        repeats=preset["repeats"],
        backends=tuple(backends),
    )


def _measure(plan: timing.SweepPlan) -> dict:
    # One measurement at a time on the whole server: timings taken while other
    # computations share the cores would be wrong, and they would slow the others.
    with compute.heavy("measuring") as check:
        bar = st.progress(0.0, text="Starting…")
        start = time.perf_counter()

        def progress(fraction: float, label: str) -> None:
            check()
            bar.progress(fraction, text=label)

        rows = timing.run_plan(plan, progress)
        seconds = time.perf_counter() - start
        bar.empty()
    return dict(rows=rows, plan=plan, seconds=seconds, gpu_reason=gpu_status().reason)


def _ratio(value: float) -> str:
    return f"{value:.2g}" if value < 10 else f"{value:.0f}"


def _crossover_text(summary: timing.SweepSummary) -> str:
    letter = "K" if summary.sweep == "kernel" else "N"
    if summary.faster_first is None:
        return "Direct and FFT were not both measured."
    names = {"direct": "direct", "fft": "the FFT"}
    other = {"direct": "the FFT", "fft": "direct"}
    count = len(summary.crossings)
    if count == 0:
        text = (
            f"No crossover between {letter} = {summary.sizes[0]} and {summary.sizes[-1]}: "
            f"{names[summary.faster_first]} was faster at every size measured."
        )
    elif count == 1:
        text = (
            f"Direct and FFT cross at {letter} ≈ {summary.crossover:.3g}: "
            f"{names[summary.faster_first]} is faster below, {other[summary.faster_first]} above."
        )
    else:
        text = (
            f"Direct and FFT cross {count} times, where their times are close or noisy; after "
            f"the last crossing, at {letter} ≈ {summary.crossover:.3g}, "
            f"{names[summary.faster_last]} is faster at every size measured."
        )
    largest = summary.anchor
    ratio = summary.speedup("fft", over="direct", size=largest)
    if ratio >= 1:
        return text + f" At {letter} = {largest} the FFT is {_ratio(ratio)}× faster than direct."
    return text + f" At {letter} = {largest} direct is {_ratio(1 / ratio)}× faster than the FFT."


def _agreement_text(summary: timing.SweepSummary) -> str:
    agreed, total = summary.agreement
    letter = "K" if summary.sweep == "kernel" else "N"
    picks = sorted({timing.METHOD_LABELS[pick] for pick in summary.auto})
    misses = [
        f"{letter} = {size} → {timing.METHOD_LABELS.get(fast, '—')}"
        for size, fast, ok in zip(summary.sizes, summary.fastest, summary.agree, strict=True)
        if not ok
    ]
    text = (
        f"`choose_method` picks {' or '.join(picks)} here: the fastest measured method at "
        f"{agreed} of {total} sizes."
    )
    return text + (
        " Where it missed, the fastest was: " + ", ".join(misses) + "." if misses else ""
    )


def _results(stored: dict) -> None:
    rows, plan = stored["rows"], stored["plan"]
    summaries = {
        (sweep, backend): timing.summarize(rows, sweep, backend)
        for sweep in ("kernel", "image")
        for backend in plan.backends
    }
    cpu_kernel, cpu_image = summaries[("kernel", "cpu")], summaries[("image", "cpu")]
    metrics = st.columns(4)
    for column, summary, letter in ((metrics[0], cpu_kernel, "K"), (metrics[1], cpu_image, "N")):
        if summary.crossover is None:
            value = f"none in {summary.sizes[0]}–{summary.sizes[-1]}"
        else:
            value = f"{letter} ≈ {summary.crossover:.3g}"
        column.metric(
            f"Crossover, {summary.sweep} sweep",
            value,
            help="Where direct filtering and the FFT take the same time, on the CPU.",
        )
    agreed = sum(s.agreement[0] for s in summaries.values())
    total = sum(s.agreement[1] for s in summaries.values())
    metrics[2].metric("Auto pick was the fastest", f"{agreed} of {total}")
    metrics[3].metric("Measuring took", f"{stored['seconds']:.1f} s")

    for sweep in ("kernel", "image"):
        shown = [summaries[(sweep, backend)] for backend in plan.backends]
        st.plotly_chart(
            figures.sweep_figure(shown),
            width="stretch",
            key=f"perf_plot_{sweep}",
            config=PLOTLY_CONFIG,
        )
        for summary in shown:
            prefix = f"**{summary.backend.upper()}.** " if len(shown) > 1 else ""
            st.markdown(prefix + _crossover_text(summary) + " " + _agreement_text(summary))

    note = (
        f"Medians of {plan.repeats} timed runs after one warm-up run, on random images. "
        "The kernel is a Gaussian (σ = K/6), which has rank 1, so the separable route "
        "applies; a kernel of higher rank has no separable series. "
        "Guide lines follow the cost laws through the measured direct and FFT times at the "
        "largest size. Other programs running at the same time slow some runs down: here "
        f"the slowest run of a measurement took up to {_ratio(timing.largest_spread(rows))}× "
        "its fastest."
    )
    if "gpu" not in plan.backends:
        note += f" GPU not measured: {stored['gpu_reason']}"
    st.caption(plain(note))

    with st.expander("All measurements and the auto pick at each size"):
        st.dataframe(figures.measurements_table(rows), width="stretch", hide_index=True)
        for summary in summaries.values():
            st.markdown(f"**{summary.sweep} sweep · {summary.backend.upper()}**")
            st.dataframe(figures.agreement_table(summary), width="stretch", hide_index=True)
    st.download_button(
        "Download the measurements (CSV)",
        timing.results_to_csv(rows),
        file_name="timings.csv",
        mime="text/csv",
        key="perf_download",
    )


with guarded("measuring the filters"):
    plan = _settings()
    if st.button("Measure", type="primary", key="perf_measure"):
        if not plan.kernel_sizes or not plan.image_sizes:
            st.warning("Pick at least one kernel side and one image side to measure.")
        else:
            st.session_state[RESULTS] = _measure(plan)
    stored = st.session_state.get(RESULTS)
    if stored is None:
        st.info(
            f"Press **Measure** to make {plan.measurement_count} measurements: every method at "
            f"every size chosen above, each timed {plan.repeats} times after one warm-up run."
        )
    else:
        _results(stored)
