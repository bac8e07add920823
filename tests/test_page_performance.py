"""The Performance page through Streamlit's AppTest: nothing is measured until "Measure" is
pressed; then the plots (with error bars), the numbers and verdicts (computed from the stored
measurements: "faster" only where the spreads do not overlap), the machine's load and the CSV
download appear, and they stay across reruns."""

import json
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from filters import timing

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT_S = 180
RESULTS = "perf_results"


def open_page() -> AppTest:
    """The app as a visitor opens it, then the Performance page (so the shared sidebar ran)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page("pages/performance.py")
    return at.run()


def tiny(at: AppTest, kernel_sizes=(3, 5), image_sizes=(32, 64)) -> AppTest:
    """Quick mode with sizes small enough for a test to measure in a few seconds."""
    at.multiselect(key="perf_kernel_sizes_quick").set_value(list(kernel_sizes))
    at.select_slider(key="perf_kernel_image_quick").set_value(32)
    at.multiselect(key="perf_image_sizes_quick").set_value(list(image_sizes))
    at.select_slider(key="perf_image_kernel_quick").set_value(3)
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def charts(at: AppTest) -> list:
    return at.get("plotly_chart")


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


@pytest.fixture(scope="module")
def measured() -> AppTest:
    at = tiny(open_page())
    return at.button(key="perf_measure").click().run()


def test_page_renders_without_measuring():
    at = open_page()
    assert_clean(at)
    assert at.title[0].value == "How fast is each method?"
    assert RESULTS not in at.session_state
    assert not charts(at)
    assert not at.get("download_button")
    plan = timing.SweepPlan(
        kernel_sizes=tuple(at.multiselect(key="perf_kernel_sizes_quick").value),
        kernel_sweep_image=at.select_slider(key="perf_kernel_image_quick").value,
        image_sizes=tuple(at.multiselect(key="perf_image_sizes_quick").value),
        image_sweep_kernel=at.select_slider(key="perf_image_kernel_quick").value,
    )
    assert any(f"make {plan.measurement_count} measurements" in info.value for info in at.info)
    # Without CuPy and a device, one caption says why the GPU is not measured.
    assert any("CPU only" in caption.value for caption in at.caption)
    assert any("This machine now: load average" in caption.value for caption in at.caption)


def test_quick_mode_defaults_and_thorough_mode_measures_more():
    at = open_page()
    assert at.radio(key="perf_mode").value == "quick"
    quick = at.multiselect(key="perf_kernel_sizes_quick").value
    at.radio(key="perf_mode").set_value("thorough").run()
    thorough = at.multiselect(key="perf_kernel_sizes_thorough").value
    assert len(thorough) > len(quick)
    assert_clean(at)


def test_measure_stores_every_method_at_every_size(measured):
    assert_clean(measured)
    stored = measured.session_state[RESULTS]
    rows = stored["rows"]
    # A Gaussian kernel has rank 1: all four methods, at both sizes, in both sweeps.
    assert len(rows) == 2 * 2 * len(timing.METHODS)
    assert {(r.sweep, r.size) for r in rows} == {
        ("kernel", 3),
        ("kernel", 5),
        ("image", 32),
        ("image", 64),
    }
    assert all(r.median_s > 0 and r.repeats == 3 for r in rows)
    assert all(r.min_s <= r.q1_s <= r.median_s <= r.q3_s <= r.max_s for r in rows)


def test_plots_and_download_appear_after_measuring(measured):
    assert len(charts(measured)) == 2
    for chart in charts(measured):
        lines = [
            trace
            for trace in json.loads(chart.proto.spec)["data"]
            if trace.get("mode") == "lines+markers"
        ]
        assert lines and all(trace["error_y"]["array"] for trace in lines)
    downloads = measured.get("download_button")
    assert [d.proto.label for d in downloads] == ["Download the measurements (CSV)"]


def test_numbers_shown_are_computed_from_the_measurements(measured):
    rows = measured.session_state[RESULTS]["rows"]
    shown = metrics(measured)
    for sweep, letter in (("kernel", "K"), ("image", "N")):
        summary = timing.summarize(rows, sweep)
        value = shown[f"Crossover, {sweep} sweep"]
        if summary.crossover is None:
            assert value == "none"
        else:
            assert value == f"{letter} ≈ {summary.crossover:.3g}"
    summaries = [timing.summarize(rows, sweep) for sweep in ("kernel", "image")]
    agreed = sum(s.agreement[0] for s in summaries)
    assert shown["Auto pick not beaten"] == f"{agreed} of 4"
    text = "\n".join(m.value for m in measured.markdown)
    for summary in summaries:
        # The verdicts come from timing.verdict: "faster" or "too close to call", never
        # a bare comparison of medians.
        assert summary.verdict_text() in text
        assert ("faster than" in summary.verdict_text()) or (
            "Too close to call on this machine" in summary.verdict_text()
        )
    assert f"at {summaries[0].agreement[0]} of 2 sizes" in text


def test_the_load_during_the_run_is_shown_next_to_the_sweep(measured):
    stored = measured.session_state[RESULTS]
    before, after = stored["load_before"], stored["load_after"]
    assert before.cpus >= 1 and before.cpus == after.cpus
    shown = metrics(measured)
    assert shown[f"Load (1 min), {before.cpus} CPUs"] == f"{before.one:.2f} → {after.one:.2f}"
    captions = " ".join(caption.value for caption in measured.caption)
    assert f"{before.cpus} CPUs; load average (1 min) {before.one:.2f} at the start" in captions


def test_a_verdict_needs_separated_spreads():
    """Stored measurements with overlapping spreads at one size: the page says so."""
    rows = []
    for size, direct, fft in ((3, 1.0, 4.0), (5, 2.0, 2.1)):
        for method, seconds in (("direct", direct), ("fft", fft)):
            rows.append(
                timing.Measurement(
                    "kernel",
                    "cpu",
                    method,
                    32,
                    32,
                    1,
                    size,
                    seconds,
                    seconds * 0.5,
                    seconds * 1.5,
                    seconds * 0.8,
                    seconds * 1.2,
                    5,
                    "direct",
                )
            )
    rows += [
        replace(
            row,
            sweep="image",
            kernel_size=3,
            image_height=row.kernel_size * 10,
            image_width=row.kernel_size * 10,
        )
        for row in rows
    ]
    at = open_page()
    load = timing.MachineLoad(0.5, 0.5, 0.5, 2)
    at.session_state[RESULTS] = dict(
        rows=rows,
        plan=timing.SweepPlan((3, 5), 32, (30, 50), 3, methods=("direct", "fft")),
        seconds=1.0,
        gpu_reason="",
        load_before=load,
        load_after=load,
    )
    at.run()
    assert_clean(at)
    text = "\n".join(m.value for m in at.markdown)
    assert (
        "Direct is faster than the FFT at K = 3 (×4). Too close to call on this machine at K = 5."
        in text
    )
    assert (
        "Direct is faster than the FFT at N = 30 (×4). Too close to call on this machine at N = 50."
        in text
    )


def test_results_stay_across_reruns_without_measuring_again(measured):
    rows = measured.session_state[RESULTS]["rows"]
    measured.radio(key="perf_colour").set_value("RGB").run()
    assert measured.session_state[RESULTS]["rows"] is rows
    assert len(charts(measured)) == 2
    assert_clean(measured)


def test_an_empty_size_list_warns_and_measures_nothing():
    at = tiny(open_page(), kernel_sizes=())
    at.button(key="perf_measure").click().run()
    assert_clean(at)
    assert any("at least one" in warning.value for warning in at.warning)
    assert RESULTS not in at.session_state
    assert not charts(at)


def test_gpu_results_are_drawn_beside_the_cpu_ones():
    """Stored CPU and GPU measurements (no device needed to draw them) give two series each."""
    rows = timing.sweep_image_sizes([16, 24], 3, repeats=1) + timing.sweep_kernel_sizes(
        (16, 16), [3, 5], repeats=1
    )
    gpu_rows = [replace(row, backend="gpu", median_s=row.median_s / 2) for row in rows]
    plan = timing.SweepPlan((3, 5), 16, (16, 24), 3, repeats=1, backends=("cpu", "gpu"))
    at = open_page()
    at.session_state[RESULTS] = dict(
        rows=rows + gpu_rows, plan=plan, seconds=1.0, gpu_reason="CuPy on a test device."
    )  # stored without the load (as by an older version): the page says it was not recorded
    at.run()
    assert_clean(at)
    names = {trace.get("name") for trace in json.loads(charts(at)[0].proto.spec)["data"]}
    assert {"direct · CPU", "direct · GPU", "FFT · CPU", "FFT · GPU"} <= names
    text = "\n".join(m.value for m in at.markdown)
    assert text.count("**GPU.**") == 2 and text.count("**CPU.**") == 2
    assert not any("GPU not measured" in caption.value for caption in at.caption)
    assert any("load was not recorded" in caption.value for caption in at.caption)
