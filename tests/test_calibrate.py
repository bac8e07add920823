"""The calibration behind ``method="auto"``: deterministic under a fake clock, and obeyed.

``filters._calibrate.calibrate(clock=...)`` times the real routes on a small
image, reading ``clock`` twice around each timed run (``repeats`` rounds over
:data:`PROBES`, in order). Fed fake times, it must give exactly the
coefficients those times imply, and ``choose_method`` / ``filter2d`` must then
take the route those (fake) measurements say is fastest.
"""

from __future__ import annotations

import time

import numba
import numpy as np
import pytest

import filters
from filters import _blockfft, _calibrate, _direct, choose_method, estimate_seconds, filter2d

SAMPLES = _calibrate.ROWS * _calibrate.COLS * 3


class FakeClock:
    """Returns the times a run of the given durations would read, in probe order.

    ``durations`` maps a probe to its seconds, either one number (every round)
    or a list with one number per round.
    """

    def __init__(self, durations: dict, repeats: int):
        self.values = []
        now = 100.0
        for round_ in range(repeats):
            for probe in _calibrate.PROBES:
                seconds = durations[probe]
                if isinstance(seconds, list):
                    seconds = seconds[round_]
                self.values += [now, now + seconds]
                now += seconds + 1.0
        self.reads = 0

    def __call__(self) -> float:
        value = self.values[self.reads]
        self.reads += 1
        return value


def durations(direct=(1e-3, 5e-3), separable=(1e-3, 2e-3), fft=(4e-3, 5e-3)) -> dict:
    """Probe -> seconds, in the order of the probes of each route."""
    by_route = {"direct": list(direct), "separable": list(separable), "fft": list(fft)}
    return {probe: by_route[probe[0]].pop(0) for probe in _calibrate.PROBES}


def fft_units(k: int, dtype=np.float64) -> float:
    plan = _blockfft.plan_tiles(_calibrate.ROWS, _calibrate.COLS, k, k, 3, np.dtype(dtype).itemsize)
    return plan.units()


@pytest.fixture(autouse=True)
def keep_calibrations():
    """Each test leaves the process's calibrations as it found them."""
    saved = dict(_calibrate._CURRENT)
    yield
    _calibrate._CURRENT.clear()
    _calibrate._CURRENT.update(saved)


def probe_sides(route: str) -> list[int]:
    return [k for r, k in _calibrate.PROBES if r == route]


def test_probes_cover_every_route_twice():
    assert sorted({route for route, _ in _calibrate.PROBES}) == ["direct", "fft", "separable"]
    for route in ("direct", "separable", "fft"):
        assert len(probe_sides(route)) == 2


def test_calibration_is_deterministic_under_a_fake_clock():
    times = durations()
    first = _calibrate.calibrate(np.float64, clock=FakeClock(times, 2), repeats=2)
    second = _calibrate.calibrate(np.float64, clock=FakeClock(times, 2), repeats=2)
    assert first == second
    assert first.dtype == "float64"

    (d1, d2), (s1, s2), (f1, f2) = (probe_sides(r) for r in ("direct", "separable", "fft"))
    # Straight lines through the two probes of each spatial route, per output sample.
    slope = (times[("direct", d2)] - times[("direct", d1)]) / SAMPLES / (d2 * d2 - d1 * d1)
    intercept = times[("direct", d1)] / SAMPLES - slope * d1 * d1
    assert first.direct == pytest.approx((intercept, slope), rel=1e-9)
    slope = (times[("separable", s2)] - times[("separable", s1)]) / SAMPLES / (2 * s2 - 2 * s1)
    intercept = times[("separable", s1)] / SAMPLES - slope * 2 * s1
    assert first.separable == pytest.approx((intercept, slope), rel=1e-9)
    # The FFT: seconds per unit of the tile plan, the smaller of the two probes.
    per_unit = min(times[("fft", f1)] / fft_units(f1), times[("fft", f2)] / fft_units(f2))
    assert first.fft == pytest.approx(per_unit, rel=1e-9)
    assert first.measured[f"direct {d1}×{d1}"] == pytest.approx(times[("direct", d1)])


def test_the_fastest_round_counts_and_the_clock_is_read_twice_per_run():
    times = durations()
    slow = {probe: [seconds * 3, seconds, seconds * 2] for probe, seconds in times.items()}
    clock = FakeClock(slow, 3)
    calibration = _calibrate.calibrate(np.float64, clock=clock, repeats=3)
    assert clock.reads == 2 * 3 * len(_calibrate.PROBES)
    assert calibration == _calibrate.calibrate(np.float64, clock=FakeClock(times, 1), repeats=1)


def test_calibration_times_one_core_and_gives_the_threads_back():
    before = numba.get_num_threads()
    seen = []

    def clock():
        seen.append(numba.get_num_threads())
        return float(len(seen))

    _calibrate.calibrate(np.float32, clock=clock, repeats=1)
    assert set(seen) == {1}
    assert numba.get_num_threads() == before


def test_coefficients_stay_positive_whatever_the_clock_says():
    # A larger kernel measured faster than a smaller one (noise): slopes stay > 0.
    times = durations(direct=(5e-3, 1e-3), separable=(3e-3, 1e-3))
    calibration = _calibrate.calibrate(np.float64, clock=FakeClock(times, 1), repeats=1)
    assert calibration.direct[1] > 0 and calibration.separable[1] > 0
    assert calibration.direct[0] >= 0 and calibration.separable[0] >= 0
    # A clock that does not move: every probe counts as the shortest time.
    frozen = _calibrate.calibrate(np.float64, clock=lambda: 1.0, repeats=1)
    assert frozen.fft > 0 and frozen.direct[1] > 0


def install(times: dict, dtype=np.float64) -> _calibrate.Calibration:
    calibration = _calibrate.calibrate(dtype, clock=FakeClock(times, 1), repeats=1)
    _calibrate.use(calibration)
    return calibration


@pytest.fixture
def route_calls(monkeypatch):
    """Counts the calls of each CPU route as filter2d makes them."""
    calls = []
    for module, name, label in [
        (_direct, "convolve_valid", "direct"),
        (_direct, "convolve_valid_separable", "separable"),
        (_blockfft, "convolve_valid_fft", "fft"),
    ]:
        original = getattr(module, name)

        def spy(*args, _original=original, _label=label, **kwargs):
            calls.append(_label)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    return calls


def test_auto_takes_the_fft_when_the_measurements_say_it_is_fastest(route_calls):
    # The FFT probes "took" a nanosecond: even a 3×3 kernel goes through the FFT.
    install(durations(direct=(1e-2, 5e-2), separable=(1e-2, 2e-2), fft=(1e-9, 1e-9)))
    image = np.random.default_rng(1).uniform(size=(64, 64, 3))
    kernel = np.random.default_rng(2).standard_normal((3, 3))
    assert choose_method(image.shape, kernel) == "fft"
    got = filter2d(image, kernel, method="auto")
    assert route_calls == ["fft"]
    np.testing.assert_allclose(got, filters.convolve(image, kernel), atol=1e-12)


def test_auto_takes_the_direct_route_when_it_is_measured_fastest(route_calls):
    install(durations(direct=(1e-9, 2e-9), separable=(1.0, 2.0), fft=(10.0, 10.0)))
    image = np.random.default_rng(3).uniform(size=(40, 50))
    kernel = np.random.default_rng(4).standard_normal((31, 31))
    assert choose_method(image.shape, kernel) == "direct"
    filter2d(image, kernel, method="auto")
    assert route_calls == ["direct"]


def test_auto_takes_the_separable_route_for_rank_one_when_it_is_cheapest(route_calls):
    install(durations(direct=(1.0, 2.0), separable=(1e-9, 2e-9), fft=(10.0, 10.0)))
    image = np.random.default_rng(5).uniform(size=(30, 30, 3))
    rank_one = np.outer([1.0, 2.0, 3.0, 2.0, 1.0], [1.0, -1.0, 0.5])
    full_rank = np.random.default_rng(6).standard_normal((5, 3))
    assert choose_method(image.shape, rank_one) == "separable"
    assert choose_method(image.shape, full_rank) == "direct"
    filter2d(image, rank_one, method="auto")
    filters.convolve(image, rank_one)  # the plain direct function chooses alike
    assert route_calls == ["separable", "separable"]
    # ... and the 2-D loop when two passes are measured dearer.
    install(durations(direct=(1e-9, 2e-9), separable=(1.0, 2.0), fft=(10.0, 10.0)))
    filters.convolve(image, rank_one)
    assert route_calls[-1] == "direct"


def test_estimates_follow_the_installed_calibration():
    calibration = install(durations())
    shape, kernel = (100, 80, 3), np.random.default_rng(7).standard_normal((9, 7))
    threads = filters._threads.count()
    estimates = estimate_seconds(shape, kernel)
    samples = 100 * 80 * 3
    assert estimates["direct"] == pytest.approx(
        calibration.direct_seconds(samples, 63) / threads, rel=1e-12
    )
    plan = _blockfft.plan_tiles(100, 80, 9, 7, 3, 8)
    assert estimates["fft"] == pytest.approx(calibration.fft_seconds(plan.units()) / threads)
    assert set(estimates) == {"direct", "fft"}
    # More taps, more channels: more time.
    assert estimate_seconds(shape, np.ones((15, 15)))["direct"] > estimates["direct"]
    assert estimate_seconds((100, 80), kernel)["fft"] < estimates["fft"]


def test_float32_has_its_own_calibration():
    install(durations(), np.float32)
    install(durations(direct=(1.0, 2.0), separable=(1.0, 2.0), fft=(1e-9, 1e-9)))
    kernel = np.random.default_rng(8).standard_normal((3, 3))
    assert choose_method((256, 256, 3), kernel, dtype=np.float64) == "fft"
    assert choose_method((256, 256, 3), kernel, dtype=np.float32) == "direct"
    assert _calibrate.current(np.float32).dtype == "float32"


def test_current_calibrates_once_per_dtype_until_forgotten(monkeypatch):
    made = []

    def fake(dtype=np.float64, **_):
        made.append(np.dtype(dtype).name)
        return _calibrate.Calibration(np.dtype(dtype).name, (1e-9, 1e-10), (1e-9, 1e-10), 1e-9, {})

    monkeypatch.setattr(_calibrate, "calibrate", fake)
    _calibrate.forget()
    for _ in range(3):
        _calibrate.current(np.float64)
        _calibrate.current("float32")
    assert made == ["float64", "float32"]
    _calibrate.forget()
    _calibrate.current(np.float64)
    assert made == ["float64", "float32", "float64"]


def test_a_real_calibration_is_short_and_sensible():
    _calibrate.calibrate(np.float64, repeats=1)  # compiled code and caches ready
    start = time.perf_counter()
    calibration = _calibrate.calibrate(np.float64)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"calibration took {elapsed:.2f} s"
    assert all(seconds > 0 for seconds in calibration.measured.values())
    # Physical sense, with a wide margin for a busy machine: a 63×63 kernel is
    # far cheaper through the FFT, a 3×3 one far cheaper directly.
    image = (1024, 1024, 3)
    _calibrate.use(calibration)
    rng = np.random.default_rng(9)
    big, small = rng.standard_normal((63, 63)), rng.standard_normal((3, 3))
    assert choose_method(image, big) == "fft"
    assert choose_method(image, small) == "direct"
