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


def test_time_call_reports_the_median_of_the_clock_differences(monkeypatch):
    clock = FakeClock([0.0, 1.0, 10.0, 13.0, 20.0, 22.0])
    monkeypatch.setattr(timing, "perf_counter", clock)
    calls = []
    stats = timing.time_call(lambda: calls.append(1), repeats=3, warmup=2)
    assert stats == timing.TimingStats(median=2.0, min=1.0, max=3.0, runs=(1.0, 3.0, 2.0))
    assert len(calls) == 5  # two warm-up calls, untimed, then three timed ones
    assert clock.calls == 6


def test_time_call_median_of_an_even_count_is_the_mean_of_the_middle_two(monkeypatch):
    monkeypatch.setattr(timing, "perf_counter", FakeClock([0, 4, 0, 1, 0, 2, 0, 8]))
    stats = timing.time_call(lambda: None, repeats=4, warmup=0)
    assert stats.median == 3.0
    assert (stats.min, stats.max) == (1, 8)


@pytest.mark.parametrize(("repeats", "warmup"), [(0, 1), (2, -1), (1.5, 0), (True, 0)])
def test_time_call_refuses_bad_counts(repeats, warmup):
    with pytest.raises(FiltersError, match=r"repeats|warmup"):
        timing.time_call(lambda: None, repeats=repeats, warmup=warmup)


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


def _row(method, size, seconds, *, sweep="kernel", auto="fft", image=64):
    return Measurement(
        sweep=sweep,
        backend="cpu",
        method=method,
        image_height=image if sweep == "kernel" else size,
        image_width=image if sweep == "kernel" else size,
        channels=1,
        kernel_size=size if sweep == "kernel" else 5,
        median_s=seconds,
        min_s=seconds,
        max_s=seconds,
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
    assert (summary.faster_first, summary.faster_last) == ("direct", "fft")
    assert summary.fastest == ("direct", "separable", "separable")
    assert summary.auto == ("direct", "separable", "fft")
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
        "median_s,min_s,max_s,repeats,auto_choice"
    )
    assert [r["method"] for r in records] == ["direct", "fft"]
    for record, row in zip(records, rows, strict=True):
        assert float(record["median_s"]) == row.median_s
        assert int(record["kernel_size"]) == row.kernel_size
        assert record["auto_choice"] == row.auto_choice


def test_kernel_growth_times_both_methods_at_both_sizes():
    growth = timing.kernel_growth(np.random.default_rng(1).random((24, 20, 3)), 3, 7, repeats=1)
    assert set(growth) == {"direct", "fft"}
    assert all(set(times) == {3, 7} for times in growth.values())
    assert all(seconds > 0 for times in growth.values() for seconds in times.values())


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
        Measurement("kernel", "cpu", "fft", 8, 8, 1, 3, 2.0, 1.0, 3.0, 3, "fft"),
        Measurement("kernel", "cpu", "direct", 8, 8, 1, 3, 2.0, 2.0, 5.0, 3, "fft"),
    ]
    assert timing.largest_spread(rows) == 3.0
    assert math.isnan(timing.largest_spread([]))


def test_cost_laws():
    assert timing.direct_cost(10, 20, 3) == 10 * 20 * 9
    padded = 12 * 22
    assert timing.fft_cost(10, 20, 3) == pytest.approx(padded * math.log2(padded))
