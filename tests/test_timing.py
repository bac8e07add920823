"""filters.timing: deterministic timing, the crossover, sweeps, summaries and CSV."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

from filters import FiltersError, choose_method, kernels, timing
from filters.timing import Measurement


class FakeClock:
    """A ``perf_counter`` that returns a fixed sequence of readings."""

    def __init__(self, readings):
        self.readings = list(readings)
        self.calls = 0

    def __call__(self) -> float:
        value = self.readings[self.calls]
        self.calls += 1
        return value


class SimulatedMachine:
    """A clock that only moves when a candidate runs: each call takes the seconds scripted.

    ``candidate(name, seconds)`` is a call that logs its name and advances the
    clock by the next of ``seconds``; the calls whose 0-based position among all
    calls is in ``spikes`` take 50 times longer, as when another program wakes up.
    """

    def __init__(self, spikes=()):
        self.now = 0.0
        self.log: list[str] = []
        self.spikes = set(spikes)

    def __call__(self) -> float:
        return self.now

    def candidate(self, name: str, seconds):
        remaining = iter(seconds)

        def run():
            factor = 50.0 if len(self.log) in self.spikes else 1.0
            self.log.append(name)
            self.now += next(remaining) * factor

        return run


def stats(*runs: float) -> timing.TimingStats:
    return timing.TimingStats.of(runs)


# ---------------------------------------------------------------------------- measure


def test_measure_warms_up_then_interleaves_the_rounds_starting_one_further_each_time():
    machine = SimulatedMachine()
    candidates = {name: machine.candidate(name, [1.0] * 10) for name in "abc"}
    timing.measure(candidates, repeats=4, warmup=2, clock=machine)
    assert "".join(machine.log) == "abcabc" + "abcbcacababc"


def test_measure_reports_median_quartiles_and_extremes_of_the_timed_runs_only():
    machine = SimulatedMachine()
    found = timing.measure(
        {
            "a": machine.candidate("a", [100.0, 1.0, 3.0, 2.0, 10.0, 4.0]),  # 100: the warm-up
            "b": machine.candidate("b", [7.0, 5.0, 5.0, 5.0, 5.0, 5.0]),
        },
        repeats=5,
        warmup=1,
        clock=machine,
    )
    assert list(found) == ["a", "b"]
    # Runs 1 3 2 10 4, sorted 1 2 3 4 10: inclusive quartiles at the 2nd and 4th.
    assert found["a"] == timing.TimingStats(
        median=3.0, q1=2.0, q3=4.0, min=1.0, max=10.0, runs=(1.0, 3.0, 2.0, 10.0, 4.0)
    )
    assert found["a"].spread == 10.0
    assert found["b"] == stats(5, 5, 5, 5, 5)


def test_quartiles_interpolate_between_runs_and_equal_the_single_run():
    assert (stats(1, 2, 3, 4).q1, stats(1, 2, 3, 4).q3) == (1.75, 3.25)
    one = stats(0.25)
    assert (one.median, one.q1, one.q3, one.min, one.max) == (0.25,) * 5


def test_a_load_spike_during_one_round_slows_every_candidate_alike():
    """Interleaved, a spike costs each candidate one slow run: the verdict survives it."""
    # Calls 0–1 warm up, then rounds of two calls: calls 6 and 7 are round 2.
    machine = SimulatedMachine(spikes={6, 7})
    found = timing.measure(
        {
            "fast": machine.candidate("fast", [1.0] * 8),
            "slow": machine.candidate("slow", [2.0] * 8),
        },
        repeats=5,
        warmup=1,
        clock=machine,
    )
    assert found["fast"].runs == (1.0, 1.0, 50.0, 1.0, 1.0)
    assert found["slow"].runs == (2.0, 2.0, 100.0, 2.0, 2.0)
    outcome = timing.verdict(found, "slow", "fast")
    assert (outcome.faster, outcome.slower, outcome.ratio) == ("fast", "slow", 2.0)


def test_time_budget_lowers_the_repeats_but_not_below_the_minimum():
    machine = SimulatedMachine()
    calls = {name: machine.candidate(name, [1.0] * 20) for name in "ab"}  # 2 s a round
    found = timing.measure(calls, repeats=7, clock=machine, time_budget=8.0)
    assert len(found["a"].runs) == 4
    machine.log.clear()
    found = timing.measure(calls, repeats=7, clock=machine, time_budget=1.0, min_repeats=3)
    assert len(found["b"].runs) == 3
    assert machine.log == list("ababbaab")


def test_time_call_is_measure_with_one_candidate(monkeypatch):
    clock = FakeClock([0.0, 1.0, 10.0, 13.0, 20.0, 22.0])
    monkeypatch.setattr(timing, "perf_counter", clock)
    calls = []
    found = timing.time_call(lambda: calls.append(1), repeats=3, warmup=2)
    assert found == stats(1.0, 3.0, 2.0)
    assert len(calls) == 5  # two warm-up calls, untimed, then three timed ones
    assert clock.calls == 6


def test_time_call_median_of_an_even_count_is_the_mean_of_the_middle_two():
    found = timing.time_call(
        lambda: None, repeats=4, warmup=0, clock=FakeClock([0, 4, 0, 1, 0, 2, 0, 8])
    )
    assert found.median == 3.0
    assert (found.min, found.max) == (1, 8)


@pytest.mark.parametrize(("repeats", "warmup"), [(0, 1), (2, -1), (1.5, 0), (True, 0)])
def test_time_call_refuses_bad_counts(repeats, warmup):
    with pytest.raises(FiltersError, match=r"repeats|warmup"):
        timing.time_call(lambda: None, repeats=repeats, warmup=warmup)


def test_measure_refuses_nothing_to_time():
    with pytest.raises(FiltersError, match="candidates"):
        timing.measure({})


# ---------------------------------------------------------------------------- verdicts


def test_faster_only_when_the_upper_quartile_is_below_the_other_lower_quartile():
    quick, slow = stats(1, 1.1, 1.2, 1.3, 1.4), stats(2, 2.1, 2.2, 2.3, 2.4)
    assert timing.clearly_faster(quick, slow) and not timing.clearly_faster(slow, quick)
    # Touching middle halves (q3 == the other's q1) are not separated.
    touching = timing.TimingStats(2.0, 1.5, 3.0, 1.0, 4.0, ())
    other = timing.TimingStats(4.0, 3.0, 5.0, 2.0, 9.0, ())
    assert not timing.clearly_faster(touching, other)
    # Whole ranges may overlap (an outlier) as long as the middle halves do not.
    outlier = stats(1, 1, 1, 1, 30)
    assert timing.clearly_faster(outlier, slow)


def test_verdict_names_the_faster_and_the_ratio_of_medians():
    found = {"direct": stats(4, 4.1, 4.2, 4.3, 9), "fft": stats(1, 1.0, 1.1, 1.2, 1.3)}
    outcome = timing.verdict(found, "direct", "fft")
    assert (outcome.first, outcome.second) == ("direct", "fft")
    assert (outcome.faster, outcome.slower) == ("fft", "direct")
    assert outcome.decided
    assert outcome.ratio == pytest.approx(4.2 / 1.1)
    labels = {"direct": "direct", "fft": "the FFT"}
    assert outcome.sentence(labels) == "The FFT is faster than direct (×3.8)."
    assert timing.verdict(found, "fft", "direct").sentence() == "Fft is faster than direct (×3.8)."


def test_overlapping_spreads_are_too_close_to_call_whatever_the_medians():
    # Medians 1.0 and 1.5, but the middle halves (0.9–1.8 and 1.1–1.9) overlap.
    found = {"a": stats(0.8, 0.9, 1.0, 1.8, 2.0), "b": stats(1.0, 1.1, 1.5, 1.9, 2.0)}
    outcome = timing.verdict(found, "a", "b")
    assert not outcome.decided and outcome.faster is None and outcome.slower is None
    assert outcome.ratio == pytest.approx(1.5)
    assert outcome.sentence({"a": "direct", "b": "the FFT"}) == (
        "Direct and the FFT are too close to call on this machine."
    )


def test_one_verdict_answers_both_orders_alike():
    found = {"a": stats(1, 2, 3), "b": stats(10, 20, 30), "c": stats(2, 2.5, 3.5)}
    for x, y in (("a", "b"), ("a", "c"), ("b", "c")):
        one, other = timing.verdict(found, x, y), timing.verdict(found, y, x)
        assert (one.faster, one.slower, one.ratio) == (other.faster, other.slower, other.ratio)


def test_verdict_refuses_a_name_that_was_not_timed():
    with pytest.raises(FiltersError, match="'gpu' was not timed"):
        timing.verdict({"cpu": stats(1)}, "cpu", "gpu")


@pytest.mark.parametrize(
    ("ratio", "text"), [(1.04, "1"), (2.44, "2.4"), (9.94, "9.9"), (38.4, "38")]
)
def test_format_ratio(ratio, text):
    assert timing.format_ratio(ratio) == text


def test_machine_load_reports_load_averages_and_usable_cpus(monkeypatch):
    monkeypatch.setattr(timing.os, "getloadavg", lambda: (1.5, 1.0, 0.5))
    monkeypatch.setattr(timing.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    load = timing.machine_load()
    assert load == timing.MachineLoad(1.5, 1.0, 0.5, 2)
    assert load.describe() == "load average 1.50 (1 min) on 2 CPUs"
    assert load.busy is False

    def unknown():
        raise OSError("no load average here")

    monkeypatch.setattr(timing.os, "getloadavg", unknown)
    assert timing.machine_load().describe() == "load average unknown on 2 CPUs"


def test_crossover_of_a_power_law_and_a_constant_is_exact_on_log_log_axes():
    sizes = [3, 5, 9, 17, 33]
    direct = [1e-4 * s**2 for s in sizes]  # equals the FFT's 0.01 s at s = 10
    fft = [0.01] * len(sizes)
    assert timing.crossover(sizes, direct, fft) == pytest.approx(10.0, rel=1e-12)
    assert timing.crossover(sizes[::-1], direct[::-1], fft) == pytest.approx(10.0, rel=1e-12)


def test_crossover_is_none_when_one_method_always_wins():
    sizes = [3, 7, 15, 31]
    assert timing.crossover(sizes, [1.0, 2.0, 3.0, 4.0], [0.5, 0.6, 0.7, 0.8]) is None
    assert timing.crossover(sizes, [0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]) is None
    assert timing.crossover([5], [1.0], [2.0]) is None


def test_crossings_lists_each_change_and_crossover_is_the_last():
    sizes = [2, 4, 8, 16]
    direct = [1.0, 4.0, 1.0, 4.0]
    fft = [2.0, 2.0, 2.0, 2.0]
    found = timing.crossings(sizes, direct, fft)
    # log-ratio −log 2, +log 2, −log 2, +log 2: midway (in log) between each pair.
    assert found == pytest.approx([math.sqrt(8), math.sqrt(32), math.sqrt(128)])
    assert timing.crossover(sizes, direct, fft) == pytest.approx(math.sqrt(128))


def test_a_measured_tie_is_a_crossing_at_that_size():
    assert timing.crossings([3, 5, 7], [1.0, 2.0, 3.0], [2.0, 2.0, 2.0]) == [5.0]


@pytest.mark.parametrize(
    ("sizes", "direct", "fft"),
    [([1, 2], [1.0], [1.0, 2.0]), ([1, 2], [1.0, 0.0], [1.0, 1.0]), ([1, 2], [1, np.nan], [1, 1])],
)
def test_crossover_refuses_bad_data(sizes, direct, fft):
    with pytest.raises(FiltersError):
        timing.crossover(sizes, direct, fft)


def test_gaussian_kernel_is_rank_one_and_sums_to_one():
    for size in (1, 3, 8, 63):
        kernel = timing.gaussian_kernel(size)
        assert kernel.shape == (size, size)
        assert kernel.sum() == pytest.approx(1.0)
        assert kernels.separability(kernel).rank == 1
        assert np.all(kernel > 0)


def test_kernel_sweep_times_every_method_once_per_size_and_reports_progress():
    calls = []
    rows = timing.sweep_kernel_sizes(
        (16, 12), [5, 3, 5], repeats=2, progress=lambda *args: calls.append(args)
    )
    assert [(r.kernel_size, r.method) for r in rows] == [
        (size, method) for size in (3, 5) for method in timing.METHODS
    ]
    assert all(r.median_s > 0 and r.min_s <= r.median_s <= r.max_s for r in rows)
    assert all(
        (r.image_height, r.image_width, r.channels, r.repeats) == (16, 12, 1, 2) for r in rows
    )
    assert all(r.sweep == "kernel" and r.backend == "cpu" for r in rows)
    assert [(done, total) for done, total, _ in calls] == [(i, len(rows)) for i in range(1, 9)]
    assert rows[0].auto_choice == choose_method((16, 12), timing.gaussian_kernel(3))


def test_separable_is_measured_only_for_rank_one_kernels():
    def random_kernel(size):
        return np.random.default_rng(size).normal(size=(size, size))

    rows = timing.sweep_kernel_sizes((12, 12), [3, 4], repeats=1, kernel=random_kernel)
    assert {r.method for r in rows} == {"direct", "fft", "fft_reused"}
    assert len(rows) == 6


def test_image_sweep_filters_square_colour_images():
    rows = timing.sweep_image_sizes([8, 16], 3, methods=["fft", "direct"], repeats=1, channels=3)
    assert [(r.size, r.method) for r in rows] == [
        (8, "direct"),
        (8, "fft"),
        (16, "direct"),
        (16, "fft"),
    ]
    assert all(r.channels == 3 and r.kernel_size == 3 and r.sweep == "image" for r in rows)
    assert all(r.image_height == r.image_width == r.size for r in rows)


@pytest.mark.parametrize(
    "call",
    [
        lambda: timing.sweep_kernel_sizes((8, 8), [], repeats=1),
        lambda: timing.sweep_kernel_sizes((8, 8), [3], methods=["magic"], repeats=1),
        lambda: timing.sweep_kernel_sizes((8,), [3], repeats=1),
        lambda: timing.sweep_image_sizes([8], 0, repeats=1),
    ],
)
def test_sweeps_refuse_bad_arguments(call):
    with pytest.raises(FiltersError):
        call()


def test_run_plan_runs_both_sweeps_with_a_rising_progress_fraction():
    plan = timing.SweepPlan(
        kernel_sizes=(3,),
        kernel_sweep_image=8,
        image_sizes=(8, 12),
        image_sweep_kernel=3,
        channels=3,
        repeats=1,
        methods=("direct", "fft"),
    )
    fractions = []
    rows = timing.run_plan(plan, lambda fraction, label: fractions.append(fraction))
    assert [(r.sweep, r.size) for r in rows] == [
        ("kernel", 3),
        ("kernel", 3),
        ("image", 8),
        ("image", 8),
        ("image", 12),
        ("image", 12),
    ]
    assert len(fractions) == len(rows) == plan.measurement_count
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert rows[0].channels == 3


def _row(method, size, seconds, *, sweep="kernel", auto="fft", image=64, spread=0.0):
    """A measurement whose middle half of runs spans ``seconds · (1 ± spread)``."""
    return Measurement(
        sweep=sweep,
        backend="cpu",
        method=method,
        image_height=image if sweep == "kernel" else size,
        image_width=image if sweep == "kernel" else size,
        channels=1,
        kernel_size=size if sweep == "kernel" else 5,
        median_s=seconds,
        min_s=seconds * (1 - 2 * spread),
        max_s=seconds * (1 + 2 * spread),
        q1_s=seconds * (1 - spread),
        q3_s=seconds * (1 + spread),
        repeats=3,
        auto_choice=auto,
    )


def test_summarize_gathers_medians_crossover_fastest_and_guides():
    sizes = (3, 9, 27)
    direct = (1e-3, 9e-3, 81e-3)
    fft = (5e-3, 5e-3, 5e-3)
    separable = (2e-3, 2e-3, 2e-3)
    rows = [
        _row(method, size, seconds, auto=auto)
        for method, times in (("direct", direct), ("fft", fft), ("separable", separable))
        for size, seconds, auto in zip(sizes, times, ("direct", "separable", "fft"), strict=True)
    ]
    summary = timing.summarize(rows, "kernel")
    assert summary.sizes == sizes
    assert summary.medians["direct"] == direct
    assert "fft_reused" not in summary.medians
    assert summary.crossover == pytest.approx(timing.crossover(sizes, direct, fft))
    assert [v.faster for v in summary.verdicts] == ["direct", "fft", "fft"]
    assert summary.fastest == ("direct", "separable", "separable")
    assert summary.auto == ("direct", "separable", "fft")
    assert summary.beaten_by == ("", "", "separable")
    assert summary.agree == (True, True, False)
    assert summary.agreement == (2, 3)
    assert summary.anchor == 27
    assert summary.speedup("fft", over="direct", size=27) == pytest.approx(81 / 5)
    # The guides pass through the measured point at the largest size and follow
    # the cost laws elsewhere: K² for direct, the padded P log P for the FFT.
    n2k2 = summary.guides["O(N²K²)"]
    assert n2k2[-1] == pytest.approx(direct[-1])
    assert n2k2[0] / n2k2[-1] == pytest.approx((3 / 27) ** 2)
    nlogn = summary.guides["O(N² log N)"]
    assert nlogn[-1] == pytest.approx(fft[-1])
    assert nlogn[0] / nlogn[-1] == pytest.approx(
        timing.fft_cost(64, 64, 3) / timing.fft_cost(64, 64, 27)
    )
    assert summary.fixed == "64×64 grey image"
    assert summary.verdict_text() == (
        "Direct is faster than the FFT at K = 3 (×5). "
        "The FFT is faster than direct at K = 9, 27 (×1.8 to ×16)."
    )


def test_summary_verdicts_say_too_close_where_the_spreads_overlap():
    # At K = 9 the medians differ by 10 %, inside a ±20 % spread: no winner, no pick beaten.
    rows = [
        _row("direct", 3, 1.0, spread=0.2, auto="direct"),
        _row("fft", 3, 3.0, spread=0.2, auto="direct"),
        _row("direct", 9, 2.2, spread=0.2, auto="direct"),
        _row("fft", 9, 2.0, spread=0.2, auto="direct"),
    ]
    summary = timing.summarize(rows, "kernel")
    assert summary.verdicts[1].faster is None
    assert summary.fastest == ("direct", "fft")
    assert summary.agree == (True, True)
    assert summary.verdict_text() == (
        "Direct is faster than the FFT at K = 3 (×3). Too close to call on this machine at K = 9."
    )
    assert summary.q1["fft"] == pytest.approx((2.4, 1.6))
    assert summary.q3["direct"] == pytest.approx((1.2, 2.64))


def test_a_sweep_timed_by_a_steady_clock_calls_every_size_too_close():
    """Every run lasts exactly one tick: nothing is faster than anything."""
    ticks = iter(range(10_000))
    rows = timing.sweep_kernel_sizes(
        (12, 12), [3, 5], methods=["direct", "fft"], repeats=3, clock=lambda: next(ticks)
    )
    assert all(
        (r.median_s, r.q1_s, r.q3_s, r.min_s, r.max_s, r.repeats) == (1, 1, 1, 1, 1, 3)
        for r in rows
    )
    summary = timing.summarize(rows, "kernel")
    assert summary.verdict_text() == "Too close to call on this machine at K = 3, 5."
    assert summary.agreement == (2, 2)


def test_summarize_keeps_sweeps_and_backends_apart():
    rows = [_row("direct", 3, 1.0), _row("fft", 64, 2.0, sweep="image")]
    assert timing.summarize(rows, "kernel").sizes == (3,)
    assert timing.summarize(rows, "image").fixed == "5×5 kernel"
    assert timing.summarize(rows, "kernel", backend="gpu") is None
    with pytest.raises(FiltersError):
        timing.summarize(rows, "colour")


def test_results_to_csv_parses_back_exactly():
    rows = timing.sweep_kernel_sizes((8, 8), [3], methods=["direct", "fft"], repeats=1)
    text = timing.results_to_csv(rows)
    records = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == (
        "sweep,backend,method,image_height,image_width,channels,kernel_size,"
        "median_s,min_s,max_s,q1_s,q3_s,repeats,auto_choice"
    )
    assert [r["method"] for r in records] == ["direct", "fft"]
    for record, row in zip(records, rows, strict=True):
        assert float(record["median_s"]) == row.median_s
        assert float(record["q3_s"]) == row.q3_s
        assert int(record["kernel_size"]) == row.kernel_size
        assert record["auto_choice"] == row.auto_choice


def test_kernel_growth_times_both_methods_at_both_sizes():
    growth = timing.kernel_growth(np.random.default_rng(1).random((24, 20, 3)), 3, 7, repeats=1)
    assert set(growth) == {"direct", "fft"}
    assert all(set(times) == {3, 7} for times in growth.values())
    assert all(
        found.median > 0 and len(found.runs) == 1
        for times in growth.values()
        for found in times.values()
    )


def test_kernel_growth_interleaves_its_four_calls():
    ticks = iter(range(1000))
    growth = timing.kernel_growth(np.ones((8, 8)), 3, 5, repeats=4, clock=lambda: next(ticks))
    assert growth["fft"][5] == timing.TimingStats.of([1, 1, 1, 1])


def test_measurement_count_skips_separable_for_a_one_pixel_kernel():
    plan = timing.SweepPlan(
        kernel_sizes=(1, 3),
        kernel_sweep_image=8,
        image_sizes=(8,),
        image_sweep_kernel=3,
        backends=("cpu", "gpu"),
    )
    # kernel sweep: 3 methods at K = 1 (a 1×1 kernel has no 1-D factors), 4 at K = 3;
    # image sweep: 4 at K = 3; all on two backends.
    assert plan.measurement_count == 2 * (3 + 4 + 4)


def test_largest_spread_is_the_worst_max_over_min():
    rows = [
        Measurement("kernel", "cpu", "fft", 8, 8, 1, 3, 2.0, 1.0, 3.0, 1.5, 2.5, 3, "fft"),
        Measurement("kernel", "cpu", "direct", 8, 8, 1, 3, 2.0, 2.0, 5.0, 2.0, 3.0, 3, "fft"),
    ]
    assert timing.largest_spread(rows) == 3.0
    assert rows[0].stats == timing.TimingStats(2.0, 1.5, 2.5, 1.0, 3.0, ())
    assert math.isnan(timing.largest_spread([]))


def test_cost_laws():
    assert timing.direct_cost(10, 20, 3) == 10 * 20 * 9
    padded = 12 * 22
    assert timing.fft_cost(10, 20, 3) == pytest.approx(padded * math.log2(padded))
