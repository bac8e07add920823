"""Speed and memory of the filters package against scipy and OpenCV on the CPU.

Run from the repository root, either way::

    .venv/bin/python -m benchmarks.bench_filters [options]
    .venv/bin/python benchmarks/bench_filters.py [options]

One run prints, as Markdown: the machine, the median time of each method for
every image size × kernel size, the ratios against the peers, whether
:func:`filters.choose_method` picked the fastest method, a check that every
method computed the same thing, the peak extra memory of each method (on the
1024² image) and a float32 vs float64 table. See ``benchmarks/README.md``.

``--opencv`` prints instead the targets of the fast routes, each table with the
load average: ``cv2.filter2D / filters.filter2d(method="auto")`` (medians of
runs interleaved with the peer in one process) on 1024²×3 and 2048²×3 in
float64 and float32; the 3×3 time against one ``np.copyto`` of the image;
``scipy.ndimage.convolve / ours direct``; ``scipy.signal.fftconvolve / ours
FFT`` (and the reused spectrum); ``auto`` against the fastest route; and the
peak extra memory of each route against the output's size. ``--quick`` makes
either mode a smoke run of seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numba
import numpy as np
import scipy
import scipy.ndimage
import scipy.signal

import filters

MIB = 1024 * 1024

# Our methods and the peers, in table order: key -> column heading.
OURS = {
    "direct": "ours direct",
    "separable": "ours separable (rank-1 K)",
    "fft": "ours FFT",
    "fft_reused": "ours FFT reused",
}
PEERS = {
    "ndimage": "ndimage",
    "ndimage_rank1": "ndimage (rank-1 K)",
    "fftconvolve": "fftconvolve",
    "cv2": "cv2.filter2D",
}
# Methods whose cost grows with kh · kw: their time is predicted from the last
# measurement to skip runs that would blow the time budget.
SPATIAL = ("direct", "ndimage", "ndimage_rank1")

# Agreement required between two results, relative to the reference's largest
# magnitude (float64 throughout).
RTOL = 1e-10


@dataclass
class Timing:
    """The measured time of one method on one configuration."""

    seconds: float | None  # median, or the single run; None when skipped
    runs: int
    note: str = ""  # "", "1 run" or "skipped: ..."
    peak_mib: float | None = None  # peak extra traced memory of the first call
    all_seconds: list[float] = field(default_factory=list)


@dataclass
class Row:
    """Everything measured for one image size × kernel size."""

    size: int
    k: int
    timings: dict[str, Timing]
    checks: dict[str, dict]
    pick_full_rank: str
    pick_rank1: str
    separable_detected: bool
    load: float | None = None  # 1-minute load average just after the row was measured


# ----------------------------------------------------------------------------
# Machine
# ----------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def tracemalloc_sees_numpy() -> bool:
    """True when numpy's data buffers are reported to tracemalloc (they should be)."""
    tracemalloc.start()
    try:
        block = np.ones(1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
        del block
    finally:
        tracemalloc.stop()
    return peak >= 8_000_000


# ----------------------------------------------------------------------------
# Measuring
# ----------------------------------------------------------------------------


def measure(
    fn: Callable[[], np.ndarray],
    *,
    repeats: int,
    trace: bool,
    budget: float | None = None,
    predicted: float | None = None,
    max_seconds: float | None = None,
) -> tuple[Timing, np.ndarray | None]:
    """Time ``fn``: a first call (warm-up, memory trace, result), then ``repeats``.

    For peers (``budget`` given): a predicted time over ``max_seconds`` skips
    the method, and a first call slower than ``budget`` seconds is reported as
    the single measurement ("1 run") instead of repeating it.
    """
    if predicted is not None and max_seconds is not None and predicted > max_seconds:
        note = f"skipped: > budget (predicted {predicted:.0f} s > {max_seconds:.0f} s)"
        return Timing(None, 0, note), None
    gc.collect()
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    result = fn()
    first = time.perf_counter() - start
    peak = None
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / MIB
        tracemalloc.stop()
    if budget is not None and first > budget:
        return Timing(first, 1, "1 run", peak, [first]), result
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return Timing(statistics.median(times), len(times), "", peak, times), result


def difference(result: np.ndarray | None, reference: np.ndarray | None, crop: int = 0) -> dict:
    """Max absolute and relative difference, optionally away from a border of ``crop``."""
    if result is None or reference is None:
        return {"max_abs": None, "rel": None, "ok": None, "note": "n/a (not run)"}
    if crop:
        if min(result.shape[:2]) <= 2 * crop:
            return {"max_abs": None, "rel": None, "ok": None, "note": "n/a (image too small)"}
        result = result[crop:-crop, crop:-crop]
        reference = reference[crop:-crop, crop:-crop]
    max_abs = float(np.max(np.abs(result - reference)))
    rel = max_abs / float(np.max(np.abs(reference)))
    return {"max_abs": max_abs, "rel": rel, "ok": rel <= RTOL, "note": ""}


def warm_up() -> None:
    """Compile the numba kernels (both dtypes) and touch every code path once."""
    rng = np.random.default_rng(1)
    for dtype in (np.float64, np.float32):
        img = rng.random((64, 64, 3)).astype(dtype)
        full = rng.standard_normal((5, 5))
        rank1 = np.outer(rng.standard_normal(5), rng.standard_normal(5))
        filters.filter2d(img, full, method="direct", dtype=dtype)
        filters.convolve(img, rank1, dtype=dtype)
        filters.fft_convolve(img, full, dtype=dtype)
        filters.ImageSpectrum(img, full.shape, dtype=dtype).convolve(full)
    img = rng.random((64, 64, 3))
    scipy.ndimage.convolve(img, full[:, :, None], mode="reflect")
    scipy.signal.fftconvolve(img, full[:, :, None], mode="same", axes=(0, 1))
    cv2.filter2D(img, -1, full, borderType=cv2.BORDER_REFLECT)


def bench_config(
    img: np.ndarray, k: int, rng: np.random.Generator, args, rates: dict, trace: bool
) -> Row:
    """Measure every method on one image with one kernel size."""
    size = img.shape[0]
    full = rng.standard_normal((k, k))
    rank1 = np.outer(rng.standard_normal(k), rng.standard_normal(k))
    full3, rank13 = full[:, :, None], rank1[:, :, None]
    full_cv = np.ascontiguousarray(full[::-1, ::-1])  # filter2D correlates
    spectrum = filters.ImageSpectrum(img, full.shape)  # prepared outside the timing

    calls: dict[str, Callable[[], np.ndarray]] = {
        "direct": lambda: filters.filter2d(img, full, method="direct", boundary="reflect"),
        "separable": lambda: filters.convolve(img, rank1),
        "fft": lambda: filters.fft_convolve(img, full),
        "fft_reused": lambda: spectrum.convolve(full),
        "ndimage": lambda: scipy.ndimage.convolve(img, full3, mode="reflect"),
        "ndimage_rank1": lambda: scipy.ndimage.convolve(img, rank13, mode="reflect"),
        "fftconvolve": lambda: scipy.signal.fftconvolve(img, full3, mode="same", axes=(0, 1)),
        "cv2": lambda: cv2.filter2D(img, -1, full_cv, borderType=cv2.BORDER_REFLECT),
    }
    units = img.size * k * k
    timings: dict[str, Timing] = {}
    kept: dict[str, np.ndarray | None] = {}
    checks: dict[str, dict] = {}
    odd = k % 2 == 1
    for name, call in calls.items():
        peer = name in PEERS
        predicted = rates[name] * units if name in SPATIAL and name in rates else None
        timing, result = measure(
            call,
            repeats=args.repeats,
            trace=trace,
            budget=args.peer_budget if peer else None,
            predicted=predicted if peer else None,
            max_seconds=args.peer_max if peer else None,
        )
        timings[name] = timing
        if name in SPATIAL and timing.seconds is not None:
            rates[name] = timing.seconds / units
        # Compare as we go, keeping only the references.
        if name in ("direct", "separable", "fft"):
            kept[name] = result
        elif name == "fft_reused":
            checks["FFT reused vs FFT"] = difference(result, kept["fft"])
        elif name == "ndimage":
            checks["direct vs ndimage"] = (
                difference(kept["direct"], result)
                if odd
                else {"max_abs": None, "rel": None, "ok": None, "note": "n/a (even kernel)"}
            )
        elif name == "ndimage_rank1":
            checks["separable vs ndimage"] = (
                difference(kept["separable"], result)
                if odd
                else {"max_abs": None, "rel": None, "ok": None, "note": "n/a (even kernel)"}
            )
        elif name == "fftconvolve":
            # fftconvolve pads with zeros, not by reflection: compare the interior.
            checks["fftconvolve vs FFT (interior)"] = difference(result, kept["fft"], crop=k)
        elif name == "cv2":
            checks["cv2 vs direct"] = (
                difference(result, kept["direct"])
                if odd
                else {"max_abs": None, "rel": None, "ok": None, "note": "n/a (even kernel)"}
            )
        del result
    checks["FFT vs direct"] = difference(kept["fft"], kept["direct"])
    estimates = filters.estimate_seconds(img.shape, rank1)
    return Row(
        size=size,
        k=k,
        timings=timings,
        checks=checks,
        pick_full_rank=filters.choose_method(img.shape, full),
        pick_rank1=filters.choose_method(img.shape, rank1),
        separable_detected="separable" in estimates,
    )


def bench_float32(size: int, kernels: list[int], repeats: int) -> list[dict]:
    """Our direct and FFT methods in float32 against float64 on one image size."""
    rng = np.random.default_rng(32)
    img64 = rng.random((size, size, 3))
    img32 = img64.astype(np.float32)
    rows = []
    for k in kernels:
        kernel = rng.standard_normal((k, k))
        row: dict = {"size": size, "k": k}
        for method, call in (
            (
                "direct",
                lambda im, dt_, K=kernel: filters.filter2d(im, K, method="direct", dtype=dt_),
            ),
            ("fft", lambda im, dt_, K=kernel: filters.fft_convolve(im, K, dtype=dt_)),
        ):
            t64, r64 = measure(lambda c=call: c(img64, np.float64), repeats=repeats, trace=False)
            t32, r32 = measure(lambda c=call: c(img32, np.float32), repeats=repeats, trace=False)
            row[f"{method}_f64"] = t64.seconds
            row[f"{method}_f32"] = t32.seconds
            row[f"{method}_rel_diff"] = float(np.max(np.abs(r32 - r64)) / np.max(np.abs(r64)))
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------
# Formatting
# ----------------------------------------------------------------------------


def fmt_ms(timing: Timing) -> str:
    if timing.seconds is None:
        return "skipped: > budget"
    ms = timing.seconds * 1e3
    text = f"{ms:.0f}" if ms >= 100 else f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"
    return f"{text} (1 run)" if timing.note == "1 run" else text


def ratio(numerator: Timing, denominator: Timing) -> str:
    if numerator.seconds is None or denominator.seconds is None:
        return "—"
    mark = "†" if "1 run" in (numerator.note, denominator.note) else ""
    return f"{numerator.seconds / denominator.seconds:.2f}×{mark}"


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def times_table(rows: list[Row]) -> str:
    headers = ["image", "k", *OURS.values(), *PEERS.values()]
    body = [
        [f"{r.size}²×3", f"{r.k}×{r.k}"] + [fmt_ms(r.timings[key]) for key in (*OURS, *PEERS)]
        for r in rows
    ]
    return table(headers, body)


def fastest(timings: dict[str, Timing], names: tuple[str, ...]) -> str:
    measured = {n: timings[n].seconds for n in names if timings[n].seconds is not None}
    return min(measured, key=measured.get)


def ratios_table(rows: list[Row]) -> str:
    headers = [
        "image",
        "k",
        "ndimage / direct",
        "ndimage / separable",
        "fftconvolve / FFT",
        "fftconvolve / FFT reused",
        "cv2 / ours best",
        "choose_method (full-rank K)",
        "choose_method (rank-1 K)",
    ]
    body = []
    for r in rows:
        t = r.timings
        best = fastest(t, ("direct", "fft"))
        fastest_full = best
        # Direct and FFT cost the same for any kernel of this shape, so their
        # full-rank times stand in for the rank-1 kernel.
        fastest_rank1 = fastest(t, ("separable", "direct", "fft"))
        full_ok = "✓" if r.pick_full_rank == fastest_full else f"✗ ({fastest_full} fastest)"
        rank1_ok = "✓" if r.pick_rank1 == fastest_rank1 else f"✗ ({fastest_rank1} fastest)"
        body.append(
            [
                f"{r.size}²×3",
                f"{r.k}×{r.k}",
                ratio(t["ndimage"], t["direct"]),
                ratio(t["ndimage_rank1"], t["separable"]),
                ratio(t["fftconvolve"], t["fft"]),
                ratio(t["fftconvolve"], t["fft_reused"]),
                f"{ratio(t['cv2'], t[best])} ({best})",
                f"{r.pick_full_rank} {full_ok}",
                f"{r.pick_rank1} {rank1_ok}",
            ]
        )
    return table(headers, body)


def fmt_diff(check: dict) -> str:
    if check["max_abs"] is None:
        return check["note"]
    flag = "ok" if check["ok"] else "MISMATCH"
    return f"{check['max_abs']:.1e} ({check['rel']:.0e} rel, {flag})"


def checks_table(rows: list[Row]) -> str:
    names = list(rows[0].checks)
    headers = ["image", "k", *names, "rank 1 detected"]
    body = [
        [f"{r.size}²×3", f"{r.k}×{r.k}"]
        + [fmt_diff(r.checks[n]) for n in names]
        + ["yes" if r.separable_detected else "NO"]
        for r in rows
    ]
    return table(headers, body)


def memory_table(rows: list[Row], size: int) -> str:
    headers = ["k", *OURS.values(), *PEERS.values()]
    body = []
    for r in rows:
        if r.size != size:
            continue
        cells = []
        for key in (*OURS, *PEERS):
            peak = r.timings[key].peak_mib
            cells.append("—" if peak is None else f"{peak:.0f}")
        body.append([f"{r.k}×{r.k}", *cells])
    return table(headers, body)


def float32_table(rows: list[dict]) -> str:
    headers = [
        "image",
        "k",
        "direct f64",
        "direct f32",
        "direct f64/f32",
        "FFT f64",
        "FFT f32",
        "FFT f64/f32",
        "f32 vs f64 rel diff (direct / FFT)",
    ]
    body = []
    for r in rows:
        body.append(
            [
                f"{r['size']}²×3",
                f"{r['k']}×{r['k']}",
                f"{r['direct_f64'] * 1e3:.1f}",
                f"{r['direct_f32'] * 1e3:.1f}",
                f"{r['direct_f64'] / r['direct_f32']:.2f}×",
                f"{r['fft_f64'] * 1e3:.1f}",
                f"{r['fft_f32'] * 1e3:.1f}",
                f"{r['fft_f64'] / r['fft_f32']:.2f}×",
                f"{r['direct_rel_diff']:.0e} / {r['fft_rel_diff']:.0e}",
            ]
        )
    return table(headers, body)


# ----------------------------------------------------------------------------
# --opencv: the targets of the fast routes
# ----------------------------------------------------------------------------

# The like-for-like call: cv2.filter2D correlates and its default border is
# BORDER_REFLECT_101, which is "mirror" in scipy.ndimage's words.
CV2_BORDER = cv2.BORDER_REFLECT_101


def interleaved(
    calls: dict[str, Callable[[], object]], runs: int, once: tuple[str, ...] = ()
) -> dict[str, list[float]]:
    """Seconds of every run of each call, the calls taking turns round after round.

    One untimed call of each first. Every round takes the calls in a new
    order (shuffled with a fixed seed), so no call always follows the same
    one: a peer whose worker threads keep spinning for a while after it
    returns slows down whatever runs next, by up to a third at 1 ms. Calls
    named in ``once`` are timed in the first round only (routes far too slow
    to matter, kept for completeness).
    """
    for call in calls.values():
        call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    order = random.Random(2026)
    for round_ in range(runs):
        names = list(calls)
        order.shuffle(names)
        for name in names:
            call = calls[name]
            if round_ and name in once:
                continue
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return times


def median_ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1e3


def round_ratios(numerator: list[float], denominator: list[float]) -> float:
    """Median of the per-round ratios: robust to load that drifts between rounds."""
    return statistics.median(a / b for a, b in zip(numerator, denominator, strict=False))


def peak_extra_mib(call: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1] / MIB
    finally:
        tracemalloc.stop()


def opencv_calls(img, kernel, dtype, copy_target) -> dict[str, Callable[[], object]]:
    """cv2.filter2D and ours on the same work; np.copyto of the image for scale."""
    ours = dict(operation="correlate", boundary="mirror", dtype=dtype)
    return {
        "cv2": lambda: cv2.filter2D(img, -1, kernel, borderType=CV2_BORDER),
        "auto": lambda: filters.filter2d(img, kernel, method="auto", **ours),
        "direct": lambda: filters.filter2d(img, kernel, method="direct", **ours),
        "fft": lambda: filters.filter2d(img, kernel, method="fft", **ours),
        "copyto": lambda: np.copyto(copy_target, img),
    }


def opencv_rows(sizes, kernels, dtypes, runs: int) -> list[dict]:
    """For every size × dtype × kernel: cv2, ours auto / direct / FFT, interleaved."""
    rng = np.random.default_rng(5)
    rows = []
    for size in sizes:
        base = rng.random((size, size, 3))
        for dtype in dtypes:
            img = base.astype(dtype)
            copy_target = np.empty_like(img)
            for k in kernels:
                kernel = rng.standard_normal((k, k))
                calls = opencv_calls(img, kernel, dtype, copy_target)
                # A route estimated at many times the other is timed once only.
                estimates = filters.estimate_seconds(img.shape, kernel, dtype=dtype)
                slow = tuple(
                    name
                    for name in ("direct", "fft")
                    if estimates[name] > 6 * min(estimates["direct"], estimates["fft"])
                )
                load_before = os.getloadavg()[0]
                times = interleaved(calls, runs, once=slow)
                rows.append(
                    {
                        "size": size,
                        "dtype": np.dtype(dtype).name,
                        "k": k,
                        "ms": {name: median_ms(t) for name, t in times.items()},
                        "runs": {name: len(t) for name, t in times.items()},
                        "cv2_over_auto": round_ratios(times["cv2"], times["auto"]),
                        "auto_over_copy": round_ratios(times["auto"], times["copyto"]),
                        "pick": filters.choose_method(img.shape, kernel, dtype=dtype),
                        "load": (load_before, os.getloadavg()[0]),
                    }
                )
                print(
                    f"<!-- {size}² {np.dtype(dtype).name} {k}×{k}: cv2/auto "
                    f"{rows[-1]['cv2_over_auto']:.2f} -->",
                    file=sys.stderr,
                    flush=True,
                )
    return rows


def scipy_rows(size: int, kernels, runs: int, peer_budget: float) -> list[dict]:
    """ndimage / ours direct and fftconvolve / ours FFT (fresh and reused), float64."""
    rng = np.random.default_rng(6)
    img = rng.random((size, size, 3))
    rows = []
    for k in kernels:
        kernel = rng.standard_normal((k, k))
        kernel3 = kernel[:, :, None]
        spectrum = filters.ImageSpectrum(img, kernel.shape, boundary="reflect")
        # ndimage is single-threaded and O(k²): one run when its first is slow.
        start = time.perf_counter()
        scipy.ndimage.convolve(img, kernel3, mode="reflect")
        first = time.perf_counter() - start
        calls = {
            "ndimage": lambda K=kernel3: scipy.ndimage.convolve(img, K, mode="reflect"),
            "direct": lambda K=kernel: filters.filter2d(img, K, method="direct"),
            "fftconvolve": lambda K=kernel3: scipy.signal.fftconvolve(
                img, K, mode="same", axes=(0, 1)
            ),
            "fft": lambda K=kernel: filters.fft_convolve(img, K),
            "fft_reused": lambda K=kernel, S=spectrum: S.convolve(K),
        }
        once = ("ndimage",) if first > peer_budget else ()
        load_before = os.getloadavg()[0]
        times = interleaved(calls, runs, once=once)
        ms = {name: median_ms(t) for name, t in times.items()}
        rows.append(
            {
                "size": size,
                "k": k,
                "ms": ms,
                "runs": {name: len(t) for name, t in times.items()},
                "ndimage_over_direct": ms["ndimage"] / ms["direct"],
                "fftconvolve_over_fft": round_ratios(times["fftconvolve"], times["fft"]),
                "fftconvolve_over_reused": round_ratios(times["fftconvolve"], times["fft_reused"]),
                "load": (load_before, os.getloadavg()[0]),
            }
        )
        print(f"<!-- scipy peers {size}² {k}×{k} done -->", file=sys.stderr, flush=True)
    return rows


def memory_rows(size: int, kernels, dtypes) -> list[dict]:
    """Peak extra traced memory of each route's first call, against the output's size."""
    rng = np.random.default_rng(7)
    rows = []
    for dtype in dtypes:
        img = rng.random((size, size, 3)).astype(dtype)
        for k in kernels:
            kernel = rng.standard_normal((k, k))
            row = {"size": size, "dtype": np.dtype(dtype).name, "k": k}
            for method in ("direct", "fft", "auto"):
                row[method] = peak_extra_mib(
                    functools.partial(filters.filter2d, img, kernel, method=method, dtype=dtype)
                )
            row["output_mib"] = img.nbytes / MIB
            rows.append(row)
    return rows


def fmt_load(pair) -> str:
    return f"{pair[0]:.2f}→{pair[1]:.2f}"


def opencv_tables(rows: list[dict]) -> str:
    parts = []
    body = []
    for r in rows:
        m = r["ms"]
        ok = "✓" if r["cv2_over_auto"] >= 1.0 else "✗"
        body.append(
            [
                f"{r['size']}²×3",
                r["dtype"],
                f"{r['k']}×{r['k']}",
                f"{m['cv2']:.2f}",
                f"{m['auto']:.2f}",
                f"{r['cv2_over_auto']:.2f}× {ok}",
                f"{m['cv2'] / m['auto']:.2f}×",
                r["pick"],
                fmt_load(r["load"]),
            ]
        )
    parts.append('## cv2.filter2D / filters.filter2d(method="auto") (target ≥ 1.0)\n')
    parts.append(
        table(
            [
                "image",
                "dtype",
                "k",
                "cv2 ms",
                "auto ms",
                "cv2 / auto (median of rounds)",
                "ratio of medians",
                "auto picks",
                "load 1 min",
            ],
            body,
        )
    )
    parts.append(
        "\nBoth correlate with a mirror border (cv2.BORDER_REFLECT_101 = boundary "
        '"mirror"), same output, same dtype, on an H×W×3 image.\n'
    )
    body = []
    for r in rows:
        if r["k"] != 3:
            continue
        m = r["ms"]
        ratio_ = r["auto_over_copy"]
        body.append(
            [
                f"{r['size']}²×3",
                r["dtype"],
                f"{m['copyto']:.2f}",
                f"{m['auto']:.2f}",
                f"{ratio_:.2f}× {'✓' if ratio_ <= 1.5 else '✗'}",
                fmt_load(r["load"]),
            ]
        )
    if body:
        parts.append("## 3×3 against one np.copyto of the image (target ≤ 1.5×)\n")
        parts.append(
            table(["image", "dtype", "np.copyto ms", "ours 3×3 ms", "ours / copyto", "load"], body)
        )
        parts.append("")
    body = []
    for r in rows:
        m = r["ms"]
        routes = {"direct": m["direct"], "fft": m["fft"]}
        best = min(routes, key=routes.get)
        over = m["auto"] / routes[best]
        runs = r["runs"]
        note = ", ".join(f"{n} 1 run" for n in ("direct", "fft") if runs[n] == 1)
        body.append(
            [
                f"{r['size']}²×3",
                r["dtype"],
                f"{r['k']}×{r['k']}",
                f"{m['direct']:.2f}",
                f"{m['fft']:.2f}",
                f"{m['auto']:.2f} ({r['pick']})",
                f"{over:.2f}× {'✓' if over <= 1.10 else '✗'}",
                note,
            ]
        )
    parts.append("## auto against the fastest route (target ≤ 1.10×)\n")
    parts.append(
        table(
            ["image", "dtype", "k", "direct ms", "FFT ms", "auto ms (pick)", "auto / fastest", ""],
            body,
        )
    )
    parts.append('\nA route estimated at more than 6× the other is timed once ("1 run").\n')
    return "\n".join(parts)


def scipy_tables(rows: list[dict]) -> str:
    body = []
    for r in rows:
        m = r["ms"]
        nd = r["ndimage_over_direct"]
        fc = r["fftconvolve_over_fft"]
        target = "✓" if nd >= 10 else "✗" if r["k"] >= 15 else ""
        single = " (1 run)" if r["runs"]["ndimage"] == 1 else ""
        body.append(
            [
                f"{r['size']}²×3",
                f"{r['k']}×{r['k']}",
                f"{m['ndimage']:.1f}{single}",
                f"{m['direct']:.2f}",
                f"{nd:.1f}× {target}",
                f"{m['fftconvolve']:.1f}",
                f"{m['fft']:.2f}",
                f"{fc:.2f}× {'✓' if fc >= 1.5 else '✗'}",
                f"{m['fft_reused']:.2f}",
                f"{r['fftconvolve_over_reused']:.2f}×",
                fmt_load(r["load"]),
            ]
        )
    header = [
        "image",
        "k",
        "ndimage ms",
        "ours direct ms",
        "ndimage / direct (≥ 10× at k ≥ 15)",
        "fftconvolve ms",
        "ours FFT ms",
        "fftconvolve / FFT (≥ 1.5×)",
        "ours FFT reused ms",
        "fftconvolve / reused",
        "load",
    ]
    return (
        "## scipy peers, float64 (reflect border)\n\n"
        + table(header, body)
        + '\n\nndimage.convolve(img, K[:, :, None], mode="reflect") and '
        'fftconvolve(img, K[:, :, None], mode="same", axes=(0, 1)); ours: filter2d '
        '(method="direct"), fft_convolve, and ImageSpectrum.convolve on a spectrum '
        "prepared beforehand.\n"
    )


def memory_tables(rows: list[dict]) -> str:
    body = []
    for r in rows:
        out = r["output_mib"]
        cells = [f"{r[m]:.1f} ({r[m] / out:.2f}×)" for m in ("direct", "fft", "auto")]
        worst = max(r[m] for m in ("direct", "fft", "auto")) / out
        body.append(
            [
                f"{r['size']}²×3",
                r["dtype"],
                f"{r['k']}×{r['k']}",
                f"{out:.0f}",
                *cells,
                "✓" if worst <= 2 else "✗",
            ]
        )
    return (
        "## Peak extra memory (tracemalloc MiB, × the output; target ≤ 2×)\n\n"
        + table(["image", "dtype", "k", "output MiB", "direct", "FFT", "auto", ""], body)
        + "\n\nPeak during the first call, the output included.\n"
    )


def main_opencv(args) -> int:
    started = time.perf_counter()
    numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    cv2.setNumThreads(args.threads)
    warm_up()
    info = machine_info(args.threads)
    sizes = args.sizes
    kernels = args.kernels
    runs = max(args.repeats, 3 if args.quick else 7)
    print("# filters against OpenCV's filter2D and scipy: the targets\n")
    print(f"- date: {info['date']}; CPU: {info['cpu']}, {info['cores']} cores available")
    print(
        f"- numpy {info['numpy']}, scipy {info['scipy']}, numba {info['numba']} "
        f"({info['numba_threads']} threads), opencv {info['opencv']} "
        f"({info['cv2_threads']} threads)"
    )
    print(f"- load average (1/5/15 min) at start: {info['load_average_start']}")
    # The warm-up already calibrated: time a fresh calibration of each dtype.
    filters._calibrate.forget()
    seconds = {}
    for dtype in (np.float64, np.float32):
        start = time.perf_counter()
        filters._calibrate.current(dtype)
        seconds[np.dtype(dtype).name] = time.perf_counter() - start
    print(
        "- calibration of auto (once per process and dtype): "
        + ", ".join(f"{name} {value * 1e3:.0f} ms" for name, value in seconds.items())
    )
    print(f"- medians of {runs} runs, ours and the peer taking turns in one process\n")

    rows = opencv_rows(sizes, kernels, (np.float64, np.float32), runs)
    print(opencv_tables(rows))
    scipy_size = min(sizes)
    peers = scipy_rows(scipy_size, kernels, max(3, runs // 2), args.peer_budget)
    print(scipy_tables(peers))
    memory = memory_rows(args.memory_size, kernels, (np.float64, np.float32))
    print(memory_tables(memory))
    print(f"Total: {time.perf_counter() - started:.0f} s; load average at end: {load_average()}")
    if args.json:
        payload = {"machine": info, "opencv": rows, "scipy": peers, "memory": memory}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2, default=str))
        print(f"Results written to {args.json}")
    return 0


# ----------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------


def int_list(text: str) -> list[int]:
    return [int(part) for part in text.replace(" ", ",").split(",") if part]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time and size the filters package against scipy and OpenCV."
    )
    parser.add_argument("--sizes", type=int_list, default=None, help="image sides (1024,2048)")
    parser.add_argument("--kernels", type=int_list, default=None, help="kernel sides (3,5,...)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per method (5)")
    parser.add_argument(
        "--quick", action="store_true", help="small smoke run: 256² image, kernels 3,15,31"
    )
    parser.add_argument("--json", type=Path, default=None, help="write all results here")
    parser.add_argument(
        "--threads",
        type=int,
        default=available_cores(),
        help="threads for numba and OpenCV (default: every available core)",
    )
    parser.add_argument(
        "--peer-budget",
        type=float,
        default=2.0,
        help="a peer whose first run takes longer than this many seconds is run once (2)",
    )
    parser.add_argument(
        "--peer-max",
        type=float,
        default=60.0,
        help="skip a spatial peer predicted to take longer than this many seconds (60)",
    )
    parser.add_argument(
        "--memory-size", type=int, default=None, help="image side whose peak memory is traced"
    )
    parser.add_argument("--no-float32", action="store_true", help="skip the float32 table")
    parser.add_argument(
        "--opencv",
        action="store_true",
        help="print the targets instead: cv2.filter2D / auto, 3×3 vs np.copyto, scipy "
        "peers, auto vs the fastest route, peak memory",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.sizes = args.sizes or ([256] if quick else [1024, 2048])
    args.kernels = sorted(args.kernels or ([3, 15, 31] if quick else [3, 5, 15, 31, 63]))
    args.repeats = args.repeats or (3 if quick else 7 if args.opencv else 5)
    args.memory_size = args.memory_size or (256 if quick else 1024)
    return args


def machine_info(threads: int) -> dict:
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": available_cores(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": numba.__version__,
        "opencv": cv2.__version__,
        "numba_threads": numba.get_num_threads(),
        "numba_threading_layer": numba.threading_layer(),
        "cv2_threads": cv2.getNumThreads(),
        "scipy_fft_workers_ours": os.cpu_count(),
        "threads_requested": threads,
        "load_average_start": load_average(),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.opencv:
        return main_opencv(args)
    started = time.perf_counter()
    numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    cv2.setNumThreads(args.threads)
    warm_up()  # numba compiles on the first call; the threading layer is known after it
    info = machine_info(args.threads)

    print("# filters benchmark\n")
    print(f"- date: {info['date']}")
    print(f"- CPU: {info['cpu']}, {info['cores']} cores available")
    print(
        f"- Python {info['python']}, numpy {info['numpy']}, scipy {info['scipy']}, "
        f"numba {info['numba']}, opencv {info['opencv']}"
    )
    print(
        f"- threads: ours = numba {info['numba_threads']} threads "
        f"(threading layer `{info['numba_threading_layer']}`) + scipy.fft workers=-1 "
        f"({info['scipy_fft_workers_ours']} cores); scipy.ndimage.convolve and "
        f"scipy.signal.fftconvolve are single-threaded; cv2.getNumThreads() = "
        f"{info['cv2_threads']}"
    )
    print(f"- load average (1/5/15 min) at start: {info['load_average_start']}")
    print(
        f"- float64 random images (H×W×3), median of {args.repeats} runs after a warm-up "
        f"call; peers taking > {args.peer_budget:g} s are run once (1 run), spatial peers "
        f"predicted to take > {args.peer_max:g} s are skipped"
    )
    if not tracemalloc_sees_numpy():
        print("- WARNING: tracemalloc does not see numpy allocations; memory is meaningless")
    print(flush=True)

    rng = np.random.default_rng(2024)
    rows: list[Row] = []
    rates: dict[str, float] = {}
    for size in sorted(args.sizes):
        img = rng.random((size, size, 3))
        for k in args.kernels:
            t0 = time.perf_counter()
            row = bench_config(img, k, rng, args, rates, trace=size == args.memory_size)
            row.load = os.getloadavg()[0]
            rows.append(row)
            print(
                f"<!-- {size}²×3, {k}×{k}: {time.perf_counter() - t0:.1f} s -->",
                file=sys.stderr,
                flush=True,
            )
        del img

    print("## Median time (ms)\n")
    print(times_table(rows))
    print(
        "\n(1 run) = a peer slower than the budget, timed once. cv2.filter2D switches to a "
        "DFT for float64 kernels of area >= 50 (8×8 and up; >= 130 for float32/uint8), so it "
        "is not a direct method there. 'ours FFT reused' excludes the image transform, done "
        "once beforehand by filters.ImageSpectrum.\n"
    )
    print("## Ratios (> 1: ours faster)\n")
    print(ratios_table(rows))
    print(
        "\n† one side is a single run. 'ours best' = the faster of ours direct and ours FFT "
        "on the same full-rank kernel. choose_method: ✓ when its pick was the fastest "
        "measured (rank-1: among separable, direct, FFT).\n"
    )
    print("## Same work? Max abs difference (relative to max |reference|)\n")
    print(checks_table(rows))
    print(
        f"\nok = relative difference <= {RTOL:g}. fftconvolve pads with zeros, so it is "
        "compared away from a border of k pixels.\n"
    )
    if any(r.size == args.memory_size for r in rows):
        image_mib = args.memory_size**2 * 3 * 8 / MIB
        print(f"## Peak extra memory on {args.memory_size}²×3 (MiB, tracemalloc)\n")
        print(memory_table(rows, args.memory_size))
        print(
            f"\nThe input image is {image_mib:.0f} MiB and so is each output. Peak of the "
            "first call, output included; 'ours FFT reused' excludes the stored spectrum. "
            "tracemalloc sees numpy allocations only: OpenCV's internal buffers (its DFT "
            "ones included) are not counted, nor is scratch memory inside C/C++ code.\n"
        )

    f32_rows = []
    if not args.no_float32:
        f32_size = 256 if args.quick else 1024
        f32_kernels = [3, 15] if args.quick else [15, 31]
        f32_rows = bench_float32(f32_size, f32_kernels, args.repeats)
        print("## float32 vs float64, ours (ms)\n")
        print(float32_table(f32_rows))
        print()

    elapsed = time.perf_counter() - started
    print(f"Total benchmark time: {elapsed:.0f} s; load average at end: {load_average()}")
    busy = [r for r in rows if r.load is not None and r.load > info["cores"] + 0.5]
    if busy:
        listed = ", ".join(f"{r.size}²/{r.k}×{r.k} ({r.load:.1f})" for r in busy)
        print(
            f"\nWARNING: the 1-minute load average exceeded {info['cores']} cores + 0.5 "
            f"after {listed}: other processes competed for the CPU and those times are "
            "noisy. Rerun on a quiet machine."
        )

    if args.json:
        payload = {
            "machine": info,
            "options": {k: v for k, v in vars(args).items() if k != "json" and not callable(v)},
            "rows": [
                {
                    "size": r.size,
                    "k": r.k,
                    "timings": {n: asdict(t) for n, t in r.timings.items()},
                    "checks": r.checks,
                    "choose_method_full_rank": r.pick_full_rank,
                    "choose_method_rank1": r.pick_rank1,
                    "separable_detected": r.separable_detected,
                    "load_average_1min": r.load,
                }
                for r in rows
            ],
            "float32": f32_rows,
            "total_seconds": elapsed,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2, default=str))
        print(f"Results written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
