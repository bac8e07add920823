"""GPU timings of the filters package against CuPy's own SciPy mirrors.

Run from the repository root on a machine with an NVIDIA GPU and CuPy::

    .venv/bin/python -m benchmarks.bench_gpu [--size 4096] [--kernel 31] [--repeats 5]

Measures, on a size×size×3 float64 image with a random k×k kernel:

- ours with ``backend="gpu"``, direct and FFT, end to end: the image goes to the
  device, the result comes back as a NumPy array, so the time includes both
  transfers (and is synchronised by the copy back);
- the transfers alone (image to the device, an output back to the host), timed
  with CUDA events, and ours minus them: an estimate of our compute time;
- ours FFT reusing a spectrum already on the device (``ImageSpectrum``),
  end to end and compute-only (the product and the inverse transform on the
  device, through ``filters.get_backend("gpu")``'s FFT module);
- ``cupyx.scipy.ndimage.convolve`` (mode="reflect") and
  ``cupyx.scipy.signal.fftconvolve`` on device-resident arrays (compute only)
  and with the same transfers as ours;
- ours on the CPU (direct and FFT), for scale.

Then the ratio table of ``bench_filters --opencv`` on the GPU: for every
image size and kernel side (``--sizes``, ``--kernels``), float64 and float32,
``cupyx.scipy.ndimage.correlate`` / ours and ``cupyx.scipy.signal.fftconvolve``
/ ours (device-resident, compute only, medians of runs that take turns), ours
on the GPU with ``filter2d(method="auto", backend="gpu")`` end to end, and
ours on the CPU (``method="auto"``) against ours on the GPU.

Without CuPy or a usable CUDA device it prints one line saying so and exits 0.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import filters


def wall(fn: Callable[[], object], repeats: int, sync: Callable[[], None]) -> float:
    """Median wall time of ``fn`` after one warm-up call, synchronising the device."""
    fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def device_time(cupy, fn: Callable[[], object], repeats: int) -> float:
    """Median device time of ``fn`` between two CUDA events, after a warm-up call."""
    fn()
    cupy.cuda.Device().synchronize()
    times = []
    for _ in range(repeats):
        start, stop = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, stop) / 1e3)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="GPU timings of the filters package.")
    parser.add_argument("--size", type=int, default=4096, help="image side (4096)")
    parser.add_argument("--kernel", type=int, default=31, help="kernel side (31)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per method (5)")
    parser.add_argument("--no-cpu", action="store_true", help="skip our CPU timings")
    parser.add_argument(
        "--sizes", default="1024,2048", help="image sides of the ratio table (1024,2048)"
    )
    parser.add_argument("--kernels", default="3,5,15,31,63", help="kernel sides of the ratio table")
    parser.add_argument("--runs", type=int, default=7, help="runs per method in the table (7)")
    parser.add_argument("--no-table", action="store_true", help="skip the ratio table")
    args = parser.parse_args(argv)

    status = filters.gpu_status()
    if not status.usable:
        print(f"GPU benchmark skipped: {status.reason}")
        return 0
    try:
        import cupy
        import cupyx.scipy.ndimage
        import cupyx.scipy.signal
    except Exception as exc:  # cupyx.scipy.signal needs a recent CuPy
        print(f"GPU benchmark skipped: CuPy's SciPy mirrors failed to import ({exc}).")
        return 0

    backend = filters.get_backend("gpu")
    rng = np.random.default_rng(4096)
    size, k, repeats = args.size, args.kernel, args.repeats
    img = rng.random((size, size, 3))
    kernel = rng.standard_normal((k, k))

    def sync() -> None:
        cupy.cuda.Device().synchronize()

    d_img = cupy.asarray(img)
    d_kernel3 = cupy.asarray(kernel[:, :, None])
    spectrum = filters.ImageSpectrum(img, kernel.shape, backend="gpu")
    d_kernel_spectrum = spectrum.kernel_spectrum(kernel)
    rows, cols = spectrum.output_shape[:2]

    def fft_compute_only():
        """The reused-spectrum product and inverse transform, kept on the device."""
        full = backend.fft.irfft2(spectrum.spectrum * d_kernel_spectrum, s=spectrum.fft_shape)
        return full[..., k - 1 : k - 1 + rows, k - 1 : k - 1 + cols]

    # Results first: every method must compute the same thing.
    ours_direct = filters.filter2d(img, kernel, method="direct", backend="gpu")
    ours_fft = filters.fft_convolve(img, kernel, backend="gpu")
    peer_nd = cupy.asnumpy(cupyx.scipy.ndimage.convolve(d_img, d_kernel3, mode="reflect"))
    scale = float(np.max(np.abs(peer_nd)))
    diffs = {
        "ours direct (gpu) vs cupyx ndimage": np.max(np.abs(ours_direct - peer_nd)) / scale,
        "ours FFT (gpu) vs ours direct (gpu)": np.max(np.abs(ours_fft - ours_direct)) / scale,
        "ours FFT reused vs ours FFT": np.max(np.abs(spectrum.convolve(kernel) - ours_fft)) / scale,
    }
    del ours_direct, ours_fft, peer_nd

    upload = device_time(cupy, lambda: cupy.asarray(img), repeats)
    d_out = cupy.empty_like(d_img)
    download = device_time(cupy, lambda: cupy.asnumpy(d_out), repeats)
    transfers = upload + download

    times: dict[str, float] = {}
    times["ours direct (gpu), end to end"] = wall(
        lambda: filters.filter2d(img, kernel, method="direct", backend="gpu"), repeats, sync
    )
    times["ours FFT (gpu), end to end"] = wall(
        lambda: filters.fft_convolve(img, kernel, backend="gpu"), repeats, sync
    )
    times["ours FFT reused (gpu), end to end"] = wall(
        lambda: spectrum.convolve(kernel), repeats, sync
    )
    times["ours FFT reused (gpu), compute only"] = device_time(cupy, fft_compute_only, repeats)
    times["cupyx ndimage.convolve, compute only"] = device_time(
        cupy, lambda: cupyx.scipy.ndimage.convolve(d_img, d_kernel3, mode="reflect"), repeats
    )
    times["cupyx ndimage.convolve, with transfers"] = wall(
        lambda: cupy.asnumpy(
            cupyx.scipy.ndimage.convolve(cupy.asarray(img), d_kernel3, mode="reflect")
        ),
        repeats,
        sync,
    )
    times["cupyx signal.fftconvolve, compute only"] = device_time(
        cupy,
        lambda: cupyx.scipy.signal.fftconvolve(d_img, d_kernel3, mode="same", axes=(0, 1)),
        repeats,
    )
    times["cupyx signal.fftconvolve, with transfers"] = wall(
        lambda: cupy.asnumpy(
            cupyx.scipy.signal.fftconvolve(cupy.asarray(img), d_kernel3, mode="same", axes=(0, 1))
        ),
        repeats,
        sync,
    )
    if not args.no_cpu:
        times["ours direct (cpu)"] = wall(
            lambda: filters.filter2d(img, kernel, method="direct", backend="cpu"),
            repeats,
            lambda: None,
        )
        times["ours FFT (cpu)"] = wall(
            lambda: filters.fft_convolve(img, kernel, backend="cpu"), repeats, lambda: None
        )

    print("# filters GPU benchmark\n")
    print(f"- device: {status.device_name}; CuPy {cupy.__version__}")
    print(f"- image {size}²×3 float64, kernel {k}×{k} random; median of {repeats} runs")
    print(
        f"- transfers (CUDA events): image to device {upload * 1e3:.1f} ms, output to host "
        f"{download * 1e3:.1f} ms, together {transfers * 1e3:.1f} ms\n"
    )
    print("| method | ms | ours compute, est. (minus transfers) |")
    print("|---|---|---|")
    for name, seconds in times.items():
        estimate = ""
        if name in ("ours direct (gpu), end to end", "ours FFT (gpu), end to end"):
            estimate = f"{(seconds - transfers) * 1e3:.1f}"
        elif name == "ours FFT reused (gpu), end to end":
            estimate = f"{(seconds - download) * 1e3:.1f}"
        print(f"| {name} | {seconds * 1e3:.1f} | {estimate} |")
    print("\nAgreement (max abs difference / max |result|):")
    for name, value in diffs.items():
        print(f"- {name}: {value:.1e}")
    print(
        "\nOurs direct on the GPU extends the image by the boundary rule and calls "
        "cupyx.scipy.ndimage.correlate; end-to-end times include the copy of the image "
        "to the device and of the result back, which CuPy's peers avoid when the data "
        "stays on the device ('compute only')."
    )
    if not args.no_table:
        sizes = [int(part) for part in args.sizes.split(",") if part]
        kernels = [int(part) for part in args.kernels.split(",") if part]
        rows = ratio_rows(cupy, sizes, kernels, args.runs, cpu=not args.no_cpu)
        print()
        print(ratio_table(rows))
    return 0


def gpu_calls(cupy, img, d_img, kernel, dtype, cpu: bool) -> dict[str, Callable[[], object]]:
    """CuPy's peers on the device-resident image, and ours (GPU, and CPU) end to end."""
    import cupyx.scipy.ndimage
    import cupyx.scipy.signal

    d_kernel3 = cupy.asarray(kernel[:, :, None].astype(dtype))
    options = dict(operation="correlate", boundary="mirror", dtype=dtype)
    calls = {
        "ndimage": lambda: cupyx.scipy.ndimage.correlate(d_img, d_kernel3, mode="mirror"),
        # fftconvolve convolves: the flipped kernel correlates.
        "fftconvolve": lambda: cupyx.scipy.signal.fftconvolve(
            d_img, d_kernel3[::-1, ::-1], mode="same", axes=(0, 1)
        ),
        "ours_gpu": lambda: filters.filter2d(img, kernel, method="auto", backend="gpu", **options),
    }
    if cpu:
        calls["ours_cpu"] = lambda: filters.filter2d(
            img, kernel, method="auto", backend="cpu", **options
        )
    return calls


def ratio_rows(cupy, sizes, kernels, runs: int, cpu: bool = True) -> list[dict]:
    """Per size × dtype × kernel: CuPy's peers and ours (GPU, and CPU) on the same work.

    The work is that of the CPU table: a correlation of an H×W×3 image with a
    random k×k kernel, mirror border ("mirror" = scipy.ndimage's "mirror"),
    output the image's size. The peers run on device-resident arrays (compute
    only, synchronised); ours on the GPU is timed end to end (the image goes to
    the device and the result comes back), and so is ours on the CPU.
    """
    rng = np.random.default_rng(8)
    rows = []

    def sync() -> None:
        cupy.cuda.Device().synchronize()

    for size in sizes:
        for dtype in (np.float64, np.float32):
            img = rng.random((size, size, 3)).astype(dtype)
            d_img = cupy.asarray(img)
            for k in kernels:
                kernel = rng.standard_normal((k, k))
                calls = gpu_calls(cupy, img, d_img, kernel, dtype, cpu)
                for call in calls.values():
                    call()
                sync()
                times: dict[str, list[float]] = {name: [] for name in calls}
                for _ in range(runs):
                    for name, call in calls.items():
                        start = time.perf_counter()
                        call()
                        sync()
                        times[name].append(time.perf_counter() - start)
                medians = {name: statistics.median(t) for name, t in times.items()}
                rows.append({"size": size, "dtype": np.dtype(dtype).name, "k": k, **medians})
            del d_img
    return rows


def ratio_table(rows: list[dict]) -> str:
    """Markdown: times and peer / ours ratios (above 1: ours faster)."""
    cpu = any("ours_cpu" in row for row in rows)
    headers = [
        "image",
        "dtype",
        "k",
        "ours GPU ms (end to end)",
        "cupyx ndimage ms",
        "cupyx fftconvolve ms",
        "ndimage / ours",
        "fftconvolve / ours",
    ]
    if cpu:
        headers += ["ours CPU ms", "ours CPU / ours GPU"]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for r in rows:
        cells = [
            f"{r['size']}²×3",
            r["dtype"],
            f"{r['k']}×{r['k']}",
            f"{r['ours_gpu'] * 1e3:.2f}",
            f"{r['ndimage'] * 1e3:.2f}",
            f"{r['fftconvolve'] * 1e3:.2f}",
            f"{r['ndimage'] / r['ours_gpu']:.2f}×",
            f"{r['fftconvolve'] / r['ours_gpu']:.2f}×",
        ]
        if cpu:
            cells += [f"{r['ours_cpu'] * 1e3:.2f}", f"{r['ours_cpu'] / r['ours_gpu']:.2f}×"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append(
        "\nRatios > 1: ours faster. CuPy's peers are timed on arrays already on the device; "
        "ours (GPU) includes copying the image there and the result back."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
