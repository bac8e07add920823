"""The array backends: NumPy/SciPy on the CPU, CuPy on an NVIDIA GPU.

All of the package's maths is written once against a :class:`Backend`, which
bundles what the computation needs, in the spirit of ``cupyx.scipy`` mirroring
``scipy``:

- ``xp``: the array module (``numpy`` or ``cupy``),
- ``fft``: the FFT module (``scipy.fft`` or ``cupyx.scipy.fft``),
- ``ndimage``: the ndimage-like module (``scipy.ndimage`` or ``cupyx.scipy.ndimage``),
- ``asarray`` / ``to_host``: moving arrays onto the device and back.

Choosing the GPU never crashes. ``backend="auto"`` uses CuPy only when it
imports *and* a CUDA device answers a small computation; otherwise it falls back
to the CPU and records why, so a user interface can say so in one sentence
(:func:`describe_backend`). Setting the environment variable
``FILTERS_FORCE_CPU=1`` forces the CPU whatever is installed.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import scipy.fft
import scipy.ndimage

from ._errors import FiltersError

__all__ = [
    "BACKEND_NAMES",
    "FORCE_CPU_ENV",
    "Backend",
    "GpuStatus",
    "describe_backend",
    "get_backend",
    "gpu_status",
]

BACKEND_NAMES = ("auto", "cpu", "gpu")
FORCE_CPU_ENV = "FILTERS_FORCE_CPU"


@dataclass(frozen=True)
class Backend:
    """One array backend: the modules the maths uses and how to reach the host.

    Attributes
    ----------
    name : {"cpu", "gpu"}
        Which hardware computes.
    xp : module
        The array module, ``numpy`` or ``cupy``.
    fft : module
        The FFT module, ``scipy.fft`` or ``cupyx.scipy.fft``.
    ndimage : module
        ``scipy.ndimage`` or ``cupyx.scipy.ndimage``.
    asarray : callable
        Moves a host array onto the backend's device (identity on the CPU).
    to_host : callable
        Returns a NumPy array on the host (identity on the CPU).
    reason : str
        One sentence saying why this backend was chosen.
    device_name : str
        A human-readable name of the device that computes.
    """

    name: str
    xp: ModuleType
    fft: ModuleType
    ndimage: ModuleType
    asarray: Callable[[Any], Any]
    to_host: Callable[[Any], np.ndarray]
    reason: str
    device_name: str

    @property
    def fft_workers(self) -> dict[str, int]:
        """Keyword arguments that make the FFT use every core (CPU only)."""
        return {"workers": -1} if self.name == "cpu" else {}


@dataclass(frozen=True)
class GpuStatus:
    """Whether a GPU backend is usable, and why (not).

    Attributes
    ----------
    usable : bool
        True when CuPy imports and a CUDA device answered.
    reason : str
        One sentence for a user interface.
    device_name : str
        The device's name when usable, else an empty string.
    """

    usable: bool
    reason: str
    device_name: str = ""


@functools.lru_cache(maxsize=1)
def _cpu_device_name() -> str:
    cores = os.cpu_count() or 1
    return f"CPU ({cores} core{'s' if cores != 1 else ''})"


def _cpu_backend(reason: str) -> Backend:
    return Backend(
        name="cpu",
        xp=np,
        fft=scipy.fft,
        ndimage=scipy.ndimage,
        asarray=np.asarray,
        to_host=np.asarray,
        reason=reason,
        device_name=_cpu_device_name(),
    )


def _force_cpu_requested() -> bool:
    return os.environ.get(FORCE_CPU_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _import_cupy() -> tuple[ModuleType, ModuleType, ModuleType]:
    """Import CuPy and its SciPy mirrors (a seam that tests replace)."""
    import cupy
    import cupyx.scipy.fft
    import cupyx.scipy.ndimage

    return cupy, cupyx.scipy.fft, cupyx.scipy.ndimage


@functools.lru_cache(maxsize=1)
def _probe_gpu() -> tuple[GpuStatus, tuple[ModuleType, ModuleType, ModuleType] | None]:
    """Try CuPy once per process: import it and run a tiny computation on the device."""
    try:
        modules = _import_cupy()
    except ImportError:
        return GpuStatus(False, "CuPy is not installed, so the GPU backend is unavailable."), None
    except Exception as exc:  # a broken CUDA install can raise anything at import
        return GpuStatus(False, f"CuPy failed to import ({type(exc).__name__}: {exc})."), None
    cupy = modules[0]
    try:
        count = cupy.cuda.runtime.getDeviceCount()
        if count < 1:
            return GpuStatus(False, "CuPy is installed but no CUDA device was found."), None
        probe = cupy.arange(4, dtype=cupy.float64)
        if float((probe * 2).sum()) != 12.0:
            return GpuStatus(False, "The CUDA device gave a wrong answer to a test sum."), None
        props = cupy.cuda.runtime.getDeviceProperties(0)
        name = props.get("name", b"CUDA device")
        name = name.decode() if isinstance(name, bytes) else str(name)
    except Exception as exc:  # no driver, no device, out of memory...
        return GpuStatus(False, f"CuPy is installed but the GPU did not answer ({exc})."), None
    return GpuStatus(True, f"CuPy on {name}.", name), modules


def gpu_status() -> GpuStatus:
    """Say whether the GPU backend is usable here, and why (not).

    The probe runs once per process. The ``FILTERS_FORCE_CPU`` environment variable
    makes the GPU unusable with that reason.
    """
    if _force_cpu_requested():
        return GpuStatus(False, f"The GPU is switched off by the {FORCE_CPU_ENV} variable.")
    return _probe_gpu()[0]


def get_backend(name: str = "auto") -> Backend:
    """Return the backend for ``name``.

    Parameters
    ----------
    name : {"auto", "cpu", "gpu"}
        ``"auto"`` picks the GPU when CuPy imports and a device answers, else the
        CPU (recording why); ``"cpu"`` is NumPy/SciPy; ``"gpu"`` is CuPy and raises
        when no GPU is usable.

    Returns
    -------
    Backend

    Raises
    ------
    FiltersError
        For an unknown name, or for ``"gpu"`` when no GPU is usable (the message
        says why).
    """
    if not isinstance(name, str) or name not in BACKEND_NAMES:
        raise FiltersError(f"backend must be one of {', '.join(BACKEND_NAMES)}; got {name!r}.")
    if name == "cpu":
        return _cpu_backend("The CPU was asked for.")
    status = gpu_status()
    if not status.usable:
        if name == "gpu":
            raise FiltersError(f"backend='gpu' is not usable here: {status.reason}")
        return _cpu_backend(f"Using the CPU: {status.reason}")
    cupy, cupy_fft, cupy_ndimage = _probe_gpu()[1]
    return Backend(
        name="gpu",
        xp=cupy,
        fft=cupy_fft,
        ndimage=cupy_ndimage,
        asarray=cupy.asarray,
        to_host=cupy.asnumpy,
        reason=f"Using the GPU: {status.reason}",
        device_name=status.device_name,
    )


def describe_backend(name: str = "auto") -> str:
    """One sentence saying which backend ``name`` resolves to, and why."""
    try:
        return get_backend(name).reason
    except FiltersError as exc:
        return str(exc)
