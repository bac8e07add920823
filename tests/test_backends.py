"""Tests for filters.backends: the CPU backend, GPU fallback, FILTERS_FORCE_CPU, and
the GPU code path of the core (run here with a fake CuPy built on NumPy/SciPy, and
on a real GPU where one is usable)."""

from __future__ import annotations

import types

import numpy as np
import pytest
import scipy.fft
import scipy.ndimage

import filters
import filters.backends as backends
from filters import (
    FiltersError,
    ImageSpectrum,
    convolve,
    correlate,
    describe_backend,
    fft_convolve,
    fft_correlate,
    get_backend,
    gpu_status,
)

BOUNDARIES = ("constant", "reflect", "mirror", "nearest", "wrap")
OUTPUTS = ("full", "same", "valid")
FUNCTIONS = {
    "convolve": convolve,
    "correlate": correlate,
    "fft_convolve": fft_convolve,
    "fft_correlate": fft_correlate,
}
IS_FFT = {"convolve": False, "correlate": False, "fft_convolve": True, "fft_correlate": True}
RTOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-4}


def scale_of(image, kernel, boundary="reflect", cval=0.0) -> float:
    peak = float(np.max(np.abs(image)))
    if boundary == "constant":
        peak = max(peak, abs(cval))
    return peak * float(np.sum(np.abs(kernel)))


def assert_matches_cpu(got, want, scale, dtype=np.float64, context=""):
    assert type(got) is np.ndarray, f"{context}: {type(got)} is not a numpy.ndarray"
    assert got.dtype == np.dtype(dtype), context
    assert got.shape == want.shape, context
    np.testing.assert_allclose(
        got.astype(np.float64),
        want.astype(np.float64),
        rtol=0,
        atol=RTOL[np.dtype(dtype)] * scale,
        err_msg=context,
    )


# ----------------------------------------------------------------------------
# The probe cache and fake CuPy modules
# ----------------------------------------------------------------------------


@pytest.fixture
def fresh_probe(monkeypatch):
    """Clear the once-per-process GPU probe before the test and again after it.

    Also removes FILTERS_FORCE_CPU so that tests see only what they set.
    """
    monkeypatch.delenv(backends.FORCE_CPU_ENV, raising=False)
    backends._probe_gpu.cache_clear()
    yield monkeypatch
    backends._probe_gpu.cache_clear()


class FakeCupy(types.ModuleType):
    """A stand-in for ``cupy`` whose arrays are NumPy arrays.

    ``cuda.runtime`` answers as configured; everything else (pad, arange,
    ascontiguousarray, float64, ...) is NumPy's. ``asarray`` and ``asnumpy`` count
    how often data moves to and from the "device".
    """

    def __init__(self, device_count=1, count_error=None, name=b"Fake GPU", wrong_sum=False):
        super().__init__("cupy")
        self.moves = {"to_device": 0, "to_host": 0}

        def get_device_count():
            if count_error is not None:
                raise count_error
            return device_count

        runtime = types.SimpleNamespace(
            getDeviceCount=get_device_count,
            getDeviceProperties=lambda index: {"name": name},
        )
        self.cuda = types.SimpleNamespace(runtime=runtime)
        self._wrong_sum = wrong_sum

    def arange(self, *args, **kwargs):
        values = np.arange(*args, **kwargs)
        return values + 1 if self._wrong_sum else values

    def asarray(self, value, *args, **kwargs):
        self.moves["to_device"] += 1
        return np.asarray(value, *args, **kwargs)

    def asnumpy(self, value):
        self.moves["to_host"] += 1
        return np.asarray(value)

    def __getattr__(self, name):
        return getattr(np, name)


class FakeCupyFft(types.ModuleType):
    """``cupyx.scipy.fft``: scipy.fft's functions with CuPy's signatures (no ``workers``)."""

    def __init__(self):
        super().__init__("cupyx.scipy.fft")
        self.calls = []

        def wrap(name):
            original = getattr(scipy.fft, name)

            def function(x, *args, plan=None, **kwargs):
                assert "workers" not in kwargs, f"cupyx.scipy.fft.{name} has no 'workers'"
                self.calls.append(name)
                return original(x, *args, **kwargs)

            return function

        for name in ("fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "rfft2", "irfft2"):
            setattr(self, name, wrap(name))
        for name in ("fftn", "ifftn", "rfftn", "irfftn", "next_fast_len"):
            setattr(self, name, wrap(name))


class FakeCupyNdimage(types.ModuleType):
    """``cupyx.scipy.ndimage``: scipy.ndimage, counting correlate calls."""

    def __init__(self):
        super().__init__("cupyx.scipy.ndimage")
        self.calls = []

    def correlate(self, *args, **kwargs):
        self.calls.append("correlate")
        return scipy.ndimage.correlate(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(scipy.ndimage, name)


def install(monkeypatch, importer):
    monkeypatch.setattr(backends, "_import_cupy", importer)
    backends._probe_gpu.cache_clear()


def importer_raising(error):
    def importer():
        raise error

    return importer


def importer_returning(cupy):
    def importer():
        return cupy, FakeCupyFft(), FakeCupyNdimage()

    return importer


@pytest.fixture
def fake_gpu(fresh_probe):
    """A usable "GPU": the fake CuPy with one device, NumPy underneath."""
    cupy, fft, ndimage = FakeCupy(), FakeCupyFft(), FakeCupyNdimage()
    install(fresh_probe, lambda: (cupy, fft, ndimage))
    return types.SimpleNamespace(cupy=cupy, fft=fft, ndimage=ndimage)


# ----------------------------------------------------------------------------
# The CPU backend
# ----------------------------------------------------------------------------


def test_cpu_backend_is_numpy_and_scipy():
    backend = get_backend("cpu")
    assert backend.name == "cpu"
    assert backend.xp is np
    assert backend.fft is scipy.fft
    assert backend.ndimage is scipy.ndimage
    array = np.arange(6.0)
    assert backend.asarray(array) is array
    assert backend.to_host(array) is array
    assert backend.fft_workers == {"workers": -1}
    assert "CPU" in backend.device_name
    assert backend.reason.endswith(".")
    assert get_backend() == get_backend("auto")


@pytest.mark.parametrize("name", ["cuda", "CPU", "", None, 0, "numpy"])
def test_unknown_backend_name(name):
    with pytest.raises(FiltersError, match="backend"):
        get_backend(name)
    with pytest.raises(ValueError, match="backend"):
        get_backend(name)
    text = describe_backend(name)  # never raises: it says what is wrong
    assert "backend" in text


def test_auto_here_and_describe_backend():
    status = gpu_status()
    backend = get_backend("auto")
    sentence = describe_backend()
    assert isinstance(sentence, str) and sentence.strip() == sentence
    assert "\n" not in sentence and sentence.endswith(".")
    assert sentence == backend.reason
    if status.usable:
        assert backend.name == "gpu"
        assert "GPU" in sentence
    else:
        assert backend.name == "cpu"
        assert "CPU" in sentence
        assert status.reason in sentence  # the reason, not just the choice
        with pytest.raises(FiltersError, match="backend"):
            get_backend("gpu")
        assert status.reason in describe_backend("gpu")


def test_cpu_describe():
    assert "CPU" in describe_backend("cpu")


# ----------------------------------------------------------------------------
# Fallback: CuPy absent, broken, without a driver or without a device
# ----------------------------------------------------------------------------

FAILURES = {
    "not-installed": (
        lambda: importer_raising(ImportError("No module named 'cupy'")),
        ("not installed",),
    ),
    "broken-install": (
        lambda: importer_raising(RuntimeError("CUDA path could not be detected")),
        ("RuntimeError", "CUDA path could not be detected"),
    ),
    "no-driver": (
        lambda: importer_returning(
            FakeCupy(count_error=RuntimeError("cudaErrorInsufficientDriver: driver too old"))
        ),
        ("cudaErrorInsufficientDriver: driver too old",),
    ),
    "no-device": (
        lambda: importer_returning(FakeCupy(device_count=0)),
        ("no CUDA device",),
    ),
    "wrong-answer": (
        lambda: importer_returning(FakeCupy(wrong_sum=True)),
        ("wrong answer",),
    ),
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_gpu_failures_fall_back_to_the_cpu_with_the_cause(failure, fresh_probe):
    make_importer, cause_words = FAILURES[failure]
    install(fresh_probe, make_importer())

    status = gpu_status()
    assert status.usable is False
    assert status.device_name == ""
    for words in cause_words:
        assert words in status.reason

    backend = get_backend("auto")
    assert backend.name == "cpu"
    assert backend.xp is np
    for words in cause_words:
        assert words in backend.reason
        assert words in describe_backend()
    assert "\n" not in describe_backend()

    with pytest.raises(FiltersError, match="backend") as raised:
        get_backend("gpu")
    for words in cause_words:
        assert words in str(raised.value)
        assert words in describe_backend("gpu")

    rng = np.random.default_rng(1)
    image, kernel = rng.standard_normal((6, 7, 3)), rng.standard_normal((3, 4))
    for function in FUNCTIONS.values():
        auto = function(image, kernel, backend="auto")
        cpu = function(image, kernel, backend="cpu")
        np.testing.assert_array_equal(auto, cpu)
        with pytest.raises(FiltersError, match="backend"):
            function(image, kernel, backend="gpu")
    comparison = filters.compare(image, kernel, backend="auto")
    assert comparison.backend == "cpu"
    for words in cause_words:
        assert words in comparison.backend_reason


def test_the_probe_runs_once_per_process(fresh_probe):
    calls = []

    def importer():
        calls.append(1)
        raise ImportError("No module named 'cupy'")

    install(fresh_probe, importer)
    for _ in range(3):
        gpu_status()
        get_backend("auto")
        convolve(np.ones((3, 3)), np.ones((2, 2)))
    assert len(calls) == 1
    backends._probe_gpu.cache_clear()
    gpu_status()
    assert len(calls) == 2


# ----------------------------------------------------------------------------
# A fake "working" GPU: the core's GPU code path, run on NumPy
# ----------------------------------------------------------------------------


def test_fake_gpu_is_chosen_and_named(fake_gpu):
    status = gpu_status()
    assert status.usable is True
    assert status.device_name == "Fake GPU"
    assert "Fake GPU" in status.reason
    backend = get_backend("auto")
    assert backend.name == "gpu"
    assert backend.xp is fake_gpu.cupy
    assert backend.fft is fake_gpu.fft
    assert backend.ndimage is fake_gpu.ndimage
    assert backend.fft_workers == {}
    assert "Fake GPU" in backend.reason and "Fake GPU" in describe_backend()
    assert get_backend("gpu").name == "gpu"
    assert get_backend("cpu").name == "cpu"
    # "auto" computes on the (fake) GPU: through its ndimage and its FFT.
    image, kernel = np.arange(30.0).reshape(5, 6), np.array([[1.0, 2.0], [0.0, -1.0]])
    for name, function in FUNCTIONS.items():
        fake_gpu.ndimage.calls.clear()
        fake_gpu.fft.calls.clear()
        auto = function(image, kernel)
        np.testing.assert_array_equal(auto, function(image, kernel, backend="gpu"))
        assert bool(fake_gpu.fft.calls) == IS_FFT[name]
        assert bool(fake_gpu.ndimage.calls) != IS_FFT[name]


@pytest.mark.parametrize("value", ["1", "true", "yes", "on"])
def test_force_cpu_variable_wins_over_a_working_gpu(value, fake_gpu, monkeypatch):
    monkeypatch.setenv("FILTERS_FORCE_CPU", value)
    status = gpu_status()
    assert status.usable is False
    assert "FILTERS_FORCE_CPU" in status.reason
    backend = get_backend("auto")
    assert backend.name == "cpu"
    assert "FILTERS_FORCE_CPU" in backend.reason
    assert "FILTERS_FORCE_CPU" in describe_backend()
    with pytest.raises(FiltersError, match="FILTERS_FORCE_CPU"):
        get_backend("gpu")
    with pytest.raises(FiltersError, match="backend"):
        convolve(np.ones((4, 4)), np.ones((3, 3)), backend="gpu")
    before = fake_gpu.ndimage.calls[:]
    convolve(np.ones((4, 4)), np.ones((3, 3)), backend="auto")
    assert fake_gpu.ndimage.calls == before  # the CPU computed it


@pytest.mark.parametrize("value", ["", "0", "false", "no"])
def test_force_cpu_variable_off_values(value, fake_gpu, monkeypatch):
    monkeypatch.setenv("FILTERS_FORCE_CPU", value)
    assert gpu_status().usable is True
    assert get_backend("auto").name == "gpu"


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fake_gpu_runs_the_gpu_code_path_and_matches_the_cpu(boundary, dtype, fake_gpu):
    rng = np.random.default_rng(2)
    setups = [
        (rng.uniform(-2, 2, (9, 8)), rng.standard_normal((3, 3))),  # odd
        (rng.uniform(-2, 2, (7, 10, 3)), rng.standard_normal((4, 2))),  # even, 3-D
        (rng.uniform(-2, 2, (6, 5, 1)), rng.standard_normal((5, 4))),  # mixed, one channel
        (rng.uniform(-2, 2, (3, 4)), rng.standard_normal((6, 7))),  # kernel > image
        (rng.uniform(-2, 2, (8, 9)), np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0])),  # rank 1
    ]
    cval = 0.5
    for image, kernel in setups:
        scale = scale_of(image, kernel, boundary, cval)
        for output in OUTPUTS:
            if output == "valid" and (
                kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]
            ):
                continue
            options = dict(boundary=boundary, output=output, cval=cval, dtype=dtype)
            for name, function in FUNCTIONS.items():
                fake_gpu.ndimage.calls.clear()
                fake_gpu.fft.calls.clear()
                moves_before = dict(fake_gpu.cupy.moves)
                got = function(image, kernel, backend="gpu", **options)
                want = function(image, kernel, backend="cpu", **options)
                context = f"{name} {image.shape} {kernel.shape} {output}"
                assert_matches_cpu(got, want, scale, dtype, context)
                if IS_FFT[name]:
                    assert "rfft2" in fake_gpu.fft.calls, context
                    assert fake_gpu.ndimage.calls == [], context
                else:
                    assert fake_gpu.ndimage.calls == ["correlate"], context
                    assert fake_gpu.fft.calls == [], context
                assert fake_gpu.cupy.moves["to_device"] > moves_before["to_device"], context
                assert fake_gpu.cupy.moves["to_host"] > moves_before["to_host"], context


def test_fake_gpu_image_spectrum_and_compare(fake_gpu):
    rng = np.random.default_rng(3)
    image = rng.uniform(0, 1, (10, 9, 3))
    kernels = [rng.standard_normal((4, 5)) for _ in range(3)]
    spectrum = ImageSpectrum(image, (4, 5), boundary="wrap", output="full", backend="gpu")
    assert spectrum.backend.name == "gpu"
    for kernel in kernels:
        conv, corr = spectrum.convolve_and_correlate(kernel)
        scale = scale_of(image, kernel)
        want = convolve(image, kernel, boundary="wrap", output="full", backend="cpu")
        assert_matches_cpu(conv, want, scale)
        want = correlate(image, kernel, boundary="wrap", output="full", backend="cpu")
        assert_matches_cpu(corr, want, scale)
    comparison = filters.compare(image, kernels[0], backend="gpu")
    assert comparison.backend == "gpu"
    assert "Fake GPU" in comparison.backend_reason
    assert comparison.fft_within_tolerance
    assert comparison.prediction_holds
    cpu = filters.compare(image, kernels[0], backend="cpu")
    assert_matches_cpu(comparison.convolution, cpu.convolution, scale_of(image, kernels[0]))


def test_fake_gpu_rejects_bad_arguments_like_the_cpu(fake_gpu):
    for function in FUNCTIONS.values():
        with pytest.raises(FiltersError, match="image"):
            function(np.ones(4), np.ones((3, 3)), backend="gpu")
        with pytest.raises(FiltersError, match="output"):
            function(np.ones((2, 2)), np.ones((3, 3)), output="valid", backend="gpu")


# ----------------------------------------------------------------------------
# A real GPU, where one is usable
# ----------------------------------------------------------------------------

_STATUS = gpu_status()
needs_gpu = pytest.mark.skipif(not _STATUS.usable, reason=f"no usable GPU: {_STATUS.reason}")


@pytest.mark.gpu
@needs_gpu
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_real_gpu_matches_the_cpu(dtype, boundary):
    backends._probe_gpu.cache_clear()
    assert gpu_status().usable, gpu_status().reason
    rng = np.random.default_rng(4)
    setups = [
        (rng.uniform(-1, 1, (33, 40)), rng.standard_normal((5, 5))),
        (rng.uniform(-1, 1, (31, 28, 3)), rng.standard_normal((4, 6))),
        (rng.uniform(0, 255, (20, 24, 3)).astype(np.uint8), rng.standard_normal((7, 2))),
        (rng.uniform(-1, 1, (6, 5, 3)), rng.standard_normal((9, 8))),
        (rng.uniform(-1, 1, (64, 64)), np.outer(rng.standard_normal(9), rng.standard_normal(9))),
    ]
    for image, kernel in setups:
        scale = scale_of(image.astype(np.float64), kernel, boundary, 1.5)
        for output in OUTPUTS:
            if output == "valid" and (
                kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]
            ):
                continue
            options = dict(boundary=boundary, output=output, cval=1.5, dtype=dtype)
            for name, function in FUNCTIONS.items():
                got = function(image, kernel, backend="gpu", **options)
                want = function(image, kernel, backend="cpu", **options)
                assert_matches_cpu(got, want, scale, dtype, f"{name} {image.shape} {output}")


@pytest.mark.gpu
@needs_gpu
def test_real_gpu_spectrum_and_compare():
    backends._probe_gpu.cache_clear()
    rng = np.random.default_rng(5)
    image = rng.uniform(0, 1, (48, 40, 3))
    kernel = rng.standard_normal((6, 5))
    spectrum = ImageSpectrum(image, kernel.shape, backend="gpu")
    assert spectrum.backend.name == "gpu"
    conv, corr = spectrum.convolve_and_correlate(kernel)
    assert type(conv) is np.ndarray and type(corr) is np.ndarray
    scale = scale_of(image, kernel)
    assert_matches_cpu(conv, convolve(image, kernel, backend="cpu"), scale)
    assert_matches_cpu(corr, correlate(image, kernel, backend="cpu"), scale)
    comparison = filters.compare(image, kernel, backend="gpu")
    assert comparison.backend == "gpu"
    assert comparison.fft_within_tolerance and comparison.prediction_holds
