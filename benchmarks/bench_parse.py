"""How long :func:`filters.kernels.parse` takes on hostile and ordinary kernel text.

Run from the repository root, either way::

    .venv/bin/python -m benchmarks.bench_parse [options]
    .venv/bin/python benchmarks/bench_parse.py [options]

The kernel text box and kernel file uploads hand ``parse`` up to
:data:`filters.kernels.MAX_TEXT_LENGTH` characters of untrusted text, so every such
text must be read or refused at once: the budget is 50 ms on this project's
2-core machine. One run prints, as Markdown: the machine and its load, then the
median of ``--repeats`` timed calls (and the slowest of them) for each pathological
input and for an ordinary 15×15 kernel, then the median and maximum over
``--fuzz`` random texts of random length up to the limit, each row marked with
whether it stays within the budget. The exit status is 1 when a row does not.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from filters import FiltersError, kernels

LIMIT = kernels.MAX_TEXT_LENGTH
BUDGET_MS = 50.0

#: Texts up to the length limit that once took seconds or quoted themselves whole.
PATHOLOGICAL: dict[str, Callable[[], str]] = {
    "newlines then 1": lambda: "\n" * 99_990 + "1",
    "semicolons": lambda: ";" * 99_999,
    "spaces": lambda: " " * 99_999,
    "CRLF lines": lambda: "\r\n" * 50_000,
    "'1 ' × 50,000": lambda: "1 " * 50_000,
    "'1\\n' × 50,000": lambda: "1\n" * 50_000,
    "100,000-digit number": lambda: "1" * 100_000,
    "100,000-letter word": lambda: "a" * 100_000,
    "'[' × 50,000": lambda: "[" * 50_000,
    "']' × 50,000": lambda: "]" * 50_000,
    "'[]' × 50,000": lambda: "[]" * 50_000,
    "commas between rows": lambda: "[[1]" + "," * 99_990 + "]",
    "',\\n' between rows": lambda: "[[1]" + ",\n" * 49_990 + "]",
    "'1,' × 50,000": lambda: "1," * 50_000,
    "'1/' × 50,000": lambda: "1/" * 50_000,
    "stars": lambda: "*" * 100_000,
    "minus signs (U+2212)": lambda: "\u2212" * 100_000,
    "long nested row": lambda: "[[" + "1," * 49_990 + "1]]",
    "factor, long row": lambda: "1/273 * [" + "1 " * 49_990 + "]",
    "63×63 of fractions": lambda: "\n".join([" ".join(["1/3"] * 63)] * 63),
}

#: Pieces the random texts are made of: numbers, separators, brackets and junk.
PIECES = (
    *("1", "-2", "3.5", ".5", "1e3", "1e7", "2/3", "0", "nan", "x", "<b>", "www.x.y"),
    *(" ", "  ", "\t", "\n", "\r\n", ";", ",", "[", "]", "*", "/", "1/273 *", "\u2212"),
)


def ordinary_kernel() -> str:
    """A 15×15 Gaussian as the text tab shows it."""
    return kernels.to_text(kernels.make("gaussian", size=15, sigma=3.0))


def random_text(rng: random.Random) -> str:
    """Random pieces, or a run of one piece, up to a random length within the limit."""
    length = int(LIMIT ** rng.random())  # log-uniform: short and long texts alike
    if rng.random() < 0.3:
        piece = rng.choice(PIECES)
        return (piece * (length // len(piece) + 1))[:length]
    parts, size = [], 0
    while size < length:
        piece = rng.choice(PIECES)
        parts.append(piece)
        size += len(piece)
    return "".join(parts)[:length]


def time_once(text: str) -> tuple[float, str]:
    """Milliseconds for one call, and "ok" or the start of the refusal."""
    start = time.perf_counter()
    try:
        kernels.parse(text)
    except FiltersError as error:
        outcome = str(error)
    else:
        outcome = "ok"
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, outcome


def within(ms: float) -> str:
    return "yes" if ms <= BUDGET_MS else "**NO**"


def shorten(text: str, limit: int = 60) -> str:
    text = text.replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time filters.kernels.parse on pathological and random kernel text."
    )
    parser.add_argument("--repeats", type=int, default=7, help="timed calls per input (median)")
    parser.add_argument("--fuzz", type=int, default=2_000, help="number of random texts")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random texts")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    print("# kernels.parse: time per input\n")
    print(f"- machine: {platform.platform()}, Python {platform.python_version()}")
    print(f"- cores: {os.cpu_count()}, load before: {load_text()}")
    print(f"- text limit: {LIMIT:,} characters; budget: {BUDGET_MS:g} ms per call")
    print(f"- median of {args.repeats} calls per input; the slowest call is shown too\n")
    print("| input | characters | median ms | max ms | ≤ 50 ms | outcome |")
    print("|---|---:|---:|---:|:-:|---|")
    worst = 0.0
    inputs = {name: make() for name, make in PATHOLOGICAL.items()}
    inputs["ordinary 15×15 Gaussian"] = ordinary_kernel()
    for name, text in inputs.items():
        runs = [time_once(text) for _ in range(args.repeats)]
        times = [ms for ms, _ in runs]
        median, slowest = statistics.median(times), max(times)
        worst = max(worst, median)
        print(
            f"| {shorten(name, 30)} | {len(text):,} | {median:.2f} | {slowest:.2f} "
            f"| {within(median)} | {shorten(runs[0][1])} |"
        )

    rng = random.Random(args.seed)
    fuzz_times, refused, longest = [], 0, 0
    for _ in range(args.fuzz):
        text = random_text(rng)
        longest = max(longest, len(text))
        ms, outcome = time_once(text)
        fuzz_times.append(ms)
        refused += outcome != "ok"
    if fuzz_times:
        fuzz = np.array(fuzz_times)
        fuzz_median, fuzz_max = float(np.median(fuzz)), float(fuzz.max())
        worst = max(worst, fuzz_max)
        print(
            f"| random texts ×{args.fuzz:,} (one call each; up to {longest:,} chars, "
            f"{refused:,} refused) | ≤ {LIMIT:,} | {fuzz_median:.2f} | {fuzz_max:.2f} "
            f"| {within(fuzz_max)} | p99 {np.percentile(fuzz, 99):.2f} ms |"
        )
    print(f"\nSlowest median (or random text): {worst:.2f} ms; budget {BUDGET_MS:g} ms.")
    print(f"Load after: {load_text()}")
    return 0 if worst <= BUDGET_MS else 1


def load_text() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":
    sys.exit(main())
