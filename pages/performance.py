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
        load_before = timing.machine_load()
        start = time.perf_counter()

        def progress(fraction: float, label: str) -> None:
            check()
            bar.progress(fraction, text=label)

        rows = timing.run_plan(plan, progress)
        seconds = time.perf_counter() - start
        load_after = timing.machine_load()
        bar.empty()
    return dict(
        rows=rows,
        plan=plan,
        seconds=seconds,
        gpu_reason=gpu_status().reason,
        load_before=load_before,
        load_after=load_after,
    )


def _crossing_text(summary: timing.SweepSummary) -> str:
    """Where the median curves cross: an estimate between sizes, not a verdict."""
    letter = summary.letter
    if summary.anchor is None:
        return ""
    count = len(summary.crossings)
    if count == 0:
        first, last = summary.sizes[0], summary.sizes[-1]
        return f"The medians do not cross between {letter} = {first} and {last}."
    if count == 1:
        return f"The medians cross at {letter} ≈ {summary.crossover:.3g}."
    return (
        f"The medians cross {count} times, the last at {letter} ≈ {summary.crossover:.3g}: "
        "where they run close, noise decides the order."
    )


def _agreement_text(summary: timing.SweepSummary) -> str:
    agreed, total = summary.agreement
    letter = summary.letter
    picks = sorted({timing.METHOD_LABELS[pick] for pick in summary.auto})
    misses = [
        f"{letter} = {size} → {timing.METHOD_LABELS[beaten]}"
        for size, beaten in zip(summary.sizes, summary.beaten_by, strict=True)
        if beaten
    ]
    text = (
        f"`choose_method` picks {' or '.join(picks)} here: no method was clearly faster than "
        f"its pick at {agreed} of {total} sizes."
    )
    return text + (" Clearly faster where it missed: " + ", ".join(misses) + "." if misses else "")


def _load_value(stored: dict) -> str:
    before, after = stored.get("load_before"), stored.get("load_after")
    if before is None or after is None or before.one is None or after.one is None:
        return "unknown"
    return f"{before.one:.2f} → {after.one:.2f}"


def _load_text(stored: dict) -> str:
    before, after = stored.get("load_before"), stored.get("load_after")
    if before is None or after is None:
        return "The machine's load was not recorded for this run."
    if before.one is None or after.one is None:
        return f"Machine during the run: {before.describe()}."
    text = (
        f"Machine during the run: {before.cpus} CPUs; load average (1 min) {before.one:.2f} "
        f"at the start, {after.one:.2f} at the end."
    )
    if before.busy or after.busy:
        text += (
            " It was busy (a load at or above the CPU count): timings are noisier, so more "
            "sizes come out too close to call."
        )
    return text


def _results(stored: dict) -> None:
    rows, plan = stored["rows"], stored["plan"]
    summaries = {
        (sweep, backend): timing.summarize(rows, sweep, backend)
        for sweep in ("kernel", "image")
        for backend in plan.backends
    }
    cpu_kernel, cpu_image = summaries[("kernel", "cpu")], summaries[("image", "cpu")]
    metrics = st.columns(4)
    for column, summary in ((metrics[0], cpu_kernel), (metrics[1], cpu_image)):
        measured = f"{summary.sizes[0]}–{summary.sizes[-1]}"
        if summary.crossover is None:
            # Short: a metric's value is large type in a quarter of the page.
            value = "none"
        else:
            value = f"{summary.letter} ≈ {summary.crossover:.3g}"
        column.metric(
            f"Crossover, {summary.sweep} sweep",
            value,
            help="Where the median times of direct filtering and the FFT cross, on the CPU, "
            f"over the sizes measured ({measured}); none: they do not cross there.",
        )
    agreed = sum(s.agreement[0] for s in summaries.values())
    total = sum(s.agreement[1] for s in summaries.values())
    metrics[2].metric(
        "Auto pick not beaten",
        f"{agreed} of {total}",
        help="Sizes where no method was clearly faster than what choose_method picks.",
    )
    cpus = stored["load_before"].cpus if stored.get("load_before") else "?"
    metrics[3].metric(
        f"Load (1 min), {cpus} CPUs",
        _load_value(stored),
        help="os.getloadavg() at the start and at the end of the run.",
    )
    st.caption(_load_text(stored))

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
            parts = [summary.verdict_text(), _crossing_text(summary), _agreement_text(summary)]
            st.markdown(prefix + " ".join(part for part in parts if part))

    note = (
        f"Medians of {plan.repeats} timed runs after one warm-up run, on random images; at "
        "each size the methods take turns, run by run, so a busy moment slows them alike. "
        "Error bars span the middle half of each method's runs: a method is called faster "
        "only where its bar lies wholly below the other's, otherwise the two are too close "
        "to call. The kernel is a Gaussian (σ = K/6), which has rank 1, so the separable "
        "route applies; a kernel of higher rank has no separable series. "
        "Guide lines follow the cost laws through the measured direct and FFT times at the "
        "largest size. The slowest run of a measurement took up to "
        f"{timing.format_ratio(timing.largest_spread(rows))}× its fastest. "
        f"Measuring took {stored['seconds']:.1f} s."
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
            f"every size chosen above, each timed {plan.repeats} times after one warm-up run, "
            "the methods taking turns."
        )
        st.caption(f"This machine now: {timing.machine_load().describe()}.")
    else:
        _results(stored)
