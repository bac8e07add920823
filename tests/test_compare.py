"""Tests for filters.compare: the numbers and sentences of the side-by-side comparison."""

from __future__ import annotations

import math

import numpy as np
import pytest

import filters
import filters._compare as compare_module
from filters import (
    FiltersError,
    ImageSpectrum,
    compare,
    convolve,
    correlate,
    fft_convolve,
    fft_correlate,
    fft_tolerance,
)
from filters.kernels import make

BOUNDARIES = ("constant", "reflect", "mirror", "nearest", "wrap")
OUTPUTS = ("full", "same", "valid")


def image_rgb(shape=(14, 17, 3), seed=0):
    return np.random.default_rng(seed).uniform(0.0, 1.0, shape)


def antisymmetric(kernel):
    kernel = np.asarray(kernel, dtype=np.float64)
    return (kernel - kernel[::-1, ::-1]) / 2


ASYMMETRIC_KERNELS = {
    "emboss": lambda: make("emboss"),
    "shifted-impulse": lambda: make("shift", dx=2, dy=-1),
    "random": lambda: make("random", size=5, seed=3),
    "sobel": lambda: make("sobel_x"),  # antisymmetric: conv = -corr
    "random-even": lambda: np.random.default_rng(9).standard_normal((4, 6)),
}


# ----------------------------------------------------------------------------
# A symmetric kernel: convolution and correlation are identical
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("image", [image_rgb(), image_rgb((15, 12))], ids=["rgb", "grey"])
def test_gaussian_273_is_symmetric_and_identical(image):
    kernel = make("gaussian273")
    np.testing.assert_array_equal(kernel, kernel[::-1, ::-1])
    result = compare(image, kernel)
    assert result.symmetric is True
    assert result.asymmetry == 0
    assert result.conv_minus_corr.max_abs == 0
    assert result.conv_minus_corr.rms == 0
    assert result.conv_minus_corr.psnr == math.inf
    np.testing.assert_array_equal(result.convolution, result.correlation)
    np.testing.assert_array_equal(result.predicted_difference, 0)
    assert result.prediction_error == 0
    assert result.prediction_holds
    assert result.even_kernel is False
    verdict = result.verdict()
    assert "identical" in verdict[0]
    assert not any("not symmetric" in line for line in verdict)
    assert not any("even side" in line for line in verdict)
    # The arrays are those of the four public functions with the same options.
    np.testing.assert_array_equal(result.convolution, convolve(image, kernel))
    np.testing.assert_array_equal(result.correlation, correlate(image, kernel))
    np.testing.assert_allclose(result.fft, fft_convolve(image, kernel), rtol=0, atol=1e-13)
    np.testing.assert_allclose(
        result.fft_correlation, fft_correlate(image, kernel), rtol=0, atol=1e-13
    )
    assert result.fft_within_tolerance
    assert result.conv_minus_fft.max_abs <= result.fft_tolerance
    assert result.conv_minus_fft.max_abs > 0 or np.array_equal(result.fft, result.convolution)
    assert any("within" in line and "FFT" in line for line in verdict)


# ----------------------------------------------------------------------------
# Asymmetric kernels: the difference is the antisymmetric part at work
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ASYMMETRIC_KERNELS))
@pytest.mark.parametrize("boundary", ["reflect", "constant", "wrap"])
def test_asymmetric_kernels_differ_by_twice_the_antisymmetric_part(name, boundary):
    kernel = ASYMMETRIC_KERNELS[name]()
    image = image_rgb(seed=1)
    options = dict(boundary=boundary, cval=0.25)
    result = compare(image, kernel, **options)
    scale = max(np.abs(image).max(), 0.25) * np.abs(kernel).sum()

    assert result.symmetric is False
    assert 0 < result.asymmetry <= 1
    assert result.conv_minus_corr.max_abs > 0
    np.testing.assert_array_equal(
        result.conv_minus_corr.map, result.convolution - result.correlation
    )

    # The prediction: conv - corr == 2 · convolve(I, A) == -2 · correlate(I, A).
    assert result.prediction_error <= 1e-12 * scale
    assert result.prediction_holds
    np.testing.assert_allclose(
        result.predicted_difference, result.conv_minus_corr.map, rtol=0, atol=1e-12 * scale
    )
    a = antisymmetric(kernel)
    np.testing.assert_allclose(
        result.predicted_difference, 2 * convolve(image, a, **options), rtol=0, atol=1e-12 * scale
    )
    # DESIGN.md: correlate(I, K) - convolve(I, K) == 2 · correlate(I, A).
    np.testing.assert_allclose(
        correlate(image, kernel, **options) - convolve(image, kernel, **options),
        2 * correlate(image, a, **options),
        rtol=0,
        atol=1e-12 * scale,
    )

    # The difference summary numbers.
    diff = result.convolution - result.correlation
    assert result.conv_minus_corr.max_abs == pytest.approx(np.abs(diff).max(), rel=1e-15)
    assert result.conv_minus_corr.rms == pytest.approx(np.sqrt(np.mean(diff**2)), rel=1e-12)
    assert math.isfinite(result.conv_minus_corr.psnr)
    peak = result.convolution.max() - result.convolution.min()
    expected_psnr = 10 * math.log10(peak**2 / np.mean(diff**2))
    assert result.conv_minus_corr.psnr == pytest.approx(expected_psnr, rel=1e-9)

    # FFT agrees with the direct result within the contract's bound.
    assert result.fft_tolerance == pytest.approx(fft_tolerance(image, kernel))
    assert result.conv_minus_fft.max_abs <= result.fft_tolerance
    assert result.fft_within_tolerance
    np.testing.assert_allclose(result.fft, result.convolution, rtol=0, atol=result.fft_tolerance)
    np.testing.assert_allclose(
        result.fft_correlation, result.correlation, rtol=0, atol=result.fft_tolerance
    )

    verdict = result.verdict()
    assert "not symmetric" in verdict[0]
    assert any("matches" in line and "NOT" not in line for line in verdict)
    assert not any("identical" in line for line in verdict)


def test_antisymmetric_kernel_gives_opposite_results():
    image = image_rgb(seed=2)
    kernel = make("sobel_x")
    result = compare(image, kernel, boundary="wrap")
    np.testing.assert_allclose(result.convolution, -result.correlation, rtol=0, atol=1e-12)
    assert result.asymmetry == 1


def test_shifted_impulse_moves_the_image_in_opposite_directions():
    image = image_rgb((9, 11), seed=3)
    kernel = make("shift", dx=2, dy=-1)  # a 1 at (dy, dx) from the centre
    result = compare(image, kernel, boundary="wrap")
    np.testing.assert_array_equal(result.convolution, np.roll(image, (-1, 2), axis=(0, 1)))
    np.testing.assert_array_equal(result.correlation, np.roll(image, (1, -2), axis=(0, 1)))
    assert result.prediction_holds and result.conv_minus_corr.max_abs > 0


# ----------------------------------------------------------------------------
# Even kernels, timings, options
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(4, 4), (3, 2), (2, 5)])
def test_even_kernel_is_flagged_with_the_centring_note(shape):
    kernel = np.random.default_rng(4).standard_normal(shape)
    result = compare(image_rgb(seed=4), kernel)
    assert result.even_kernel is True
    notes = [line for line in result.verdict() if "even side" in line]
    assert len(notes) == 1
    assert "(k−1)//2" in notes[0] and "scipy.ndimage.convolve" in notes[0]
    odd = compare(image_rgb(seed=4), np.random.default_rng(4).standard_normal((3, 5)))
    assert odd.even_kernel is False
    assert not any("even side" in line for line in odd.verdict())


def test_times_are_reported_for_the_three_methods():
    result = compare(image_rgb(), make("emboss"))
    assert set(result.times) == {"convolution", "correlation", "fft"}
    for seconds in result.times.values():
        assert isinstance(seconds, float) and 0 < seconds < 60


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("output", OUTPUTS)
def test_every_boundary_and_output(boundary, output):
    image = image_rgb((9, 10, 3), seed=5)
    kernel = make("random", size=4, seed=5)
    options = dict(boundary=boundary, output=output, cval=0.5)
    result = compare(image, kernel, **options)
    np.testing.assert_array_equal(result.convolution, convolve(image, kernel, **options))
    np.testing.assert_array_equal(result.correlation, correlate(image, kernel, **options))
    assert result.convolution.shape == convolve(image, kernel, **options).shape
    assert result.fft_within_tolerance
    assert result.prediction_holds
    assert result.backend == filters.get_backend("auto").name
    assert result.backend_reason == filters.get_backend("auto").reason


def test_float32():
    image = image_rgb(seed=6).astype(np.float32)
    for kernel in (make("emboss"), make("random", size=4, seed=6), make("gaussian273")):
        result = compare(image, kernel, dtype=np.float32)
        for array in (result.convolution, result.correlation, result.fft, result.fft_correlation):
            assert array.dtype == np.float32
        assert result.fft_tolerance == pytest.approx(fft_tolerance(image, kernel, np.float32))
        assert result.fft_tolerance == pytest.approx(
            1e-4 * np.abs(image).max() * np.abs(kernel).sum()
        )
        assert result.fft_within_tolerance
        double = compare(image, kernel)
        scale = np.abs(image).max() * np.abs(kernel).sum()
        np.testing.assert_allclose(result.convolution, double.convolution, atol=1e-5 * scale)
        # conv − corr == 2·(I ∗ A) holds in float32 to float32 rounding, so the
        # verdict must say it matches (not "does NOT match").
        assert result.prediction_error <= 1e-5 * scale
        assert result.prediction_holds, (result.prediction_error, result.verdict())
        assert not any("does NOT match" in line for line in result.verdict())


def test_fft_tolerance_function():
    image = np.array([[1.0, -3.0], [2.0, 0.5]])
    kernel = np.array([[0.5, -0.25, 1.0]])
    assert fft_tolerance(image, kernel) == pytest.approx(1e-10 * 3.0 * 1.75)
    assert fft_tolerance(image, kernel, np.float32) == pytest.approx(1e-4 * 3.0 * 1.75)


def test_fft_bound_counts_the_constant_border_value():
    """With boundary="constant" the extended image holds cval too: an image of zeros
    with cval = 5 has max|I| = 0, yet the FFT result is only as exact as rounding
    allows. The verdict must not report that as outside the bound."""
    kernel = np.random.default_rng(7).standard_normal((3, 4))
    for image in (np.zeros((5, 6)), np.full((5, 6), 1e-3)):
        result = compare(image, kernel, boundary="constant", cval=5.0, output="full")
        scale = 5.0 * np.abs(kernel).sum()
        assert result.conv_minus_fft.max_abs <= 1e-10 * scale  # the FFT is fine ...
        assert result.fft_within_tolerance  # ... and must be reported so
        assert not any("OUTSIDE" in line for line in result.verdict())


# ----------------------------------------------------------------------------
# Reusing a prepared ImageSpectrum
# ----------------------------------------------------------------------------


def test_prepared_spectrum_is_reused(monkeypatch):
    image = image_rgb(seed=8)
    kernels = [make("emboss"), make("sobel_y"), make("random", size=3, seed=8)]
    options = dict(boundary="mirror", output="same")
    spectrum = ImageSpectrum(image, (3, 3), **options)
    fresh = [compare(image, kernel, **options) for kernel in kernels]

    def no_new_spectrum(*args, **kwargs):
        raise AssertionError("compare() transformed the image again")

    monkeypatch.setattr(compare_module, "ImageSpectrum", no_new_spectrum)
    for kernel, reference in zip(kernels, fresh, strict=True):
        result = compare(image, kernel, spectrum=spectrum, **options)
        assert result.spectrum_reused is True
        assert reference.spectrum_reused is False
        np.testing.assert_array_equal(result.convolution, reference.convolution)
        np.testing.assert_array_equal(result.correlation, reference.correlation)
        np.testing.assert_array_equal(result.fft, spectrum.convolve(kernel))
        np.testing.assert_array_equal(result.fft_correlation, spectrum.correlate(kernel))
        np.testing.assert_allclose(result.fft, reference.fft, rtol=0, atol=1e-13)
        assert result.fft_within_tolerance and result.prediction_holds


@pytest.mark.parametrize(
    "spectrum_options",
    [
        dict(kernel_shape=(5, 5)),
        dict(kernel_shape=(3, 4)),
        dict(kernel_shape=(3, 3), boundary="wrap"),
        dict(kernel_shape=(3, 3), output="full"),
        dict(kernel_shape=(3, 3), dtype=np.float32),
        dict(kernel_shape=(3, 3), boundary="constant", cval=2.0),
    ],
)
def test_mismatching_spectrum_is_ignored(spectrum_options):
    image = image_rgb(seed=9)
    kernel = make("emboss")
    options = dict(boundary="constant", output="same", cval=0.0)
    spectrum_options = dict(spectrum_options)
    kernel_shape = spectrum_options.pop("kernel_shape")
    spectrum = ImageSpectrum(image, kernel_shape, **{**options, **spectrum_options})
    result = compare(image, kernel, spectrum=spectrum, **options)
    assert result.spectrum_reused is False
    reference = fft_convolve(image, kernel, **options)
    assert result.fft.shape == reference.shape
    np.testing.assert_allclose(result.fft, reference, rtol=0, atol=1e-13)
    assert result.fft_within_tolerance


def test_compare_rejects_bad_arguments():
    with pytest.raises(FiltersError, match="image"):
        compare(np.ones(5), np.ones((3, 3)))
    with pytest.raises(FiltersError, match="kernel"):
        compare(np.ones((5, 5)), np.ones((3, 3, 3)))
    with pytest.raises(FiltersError, match="kernel"):
        compare(np.ones((5, 5)), [[1.0, float("nan")]])
    with pytest.raises(FiltersError, match="boundary"):
        compare(np.ones((5, 5)), np.ones((3, 3)), boundary="symmetric")
    with pytest.raises(FiltersError, match="output"):
        compare(np.ones((5, 5)), np.ones((6, 3)), output="valid")
    with pytest.raises(FiltersError, match="dtype"):
        compare(np.ones((5, 5)), np.ones((3, 3)), dtype=np.float16)


def test_difference_between():
    a = np.array([[1.0, 2.0], [3.0, 5.0]])
    b = np.array([[1.0, 2.5], [2.0, 5.0]])
    difference = filters.Difference.between(a, b)
    np.testing.assert_array_equal(difference.map, a - b)
    assert difference.max_abs == 1.0
    assert difference.rms == pytest.approx(math.sqrt((0.25 + 1.0) / 4))
    assert difference.psnr == pytest.approx(10 * math.log10(16 / ((0.25 + 1.0) / 4)))
    same = filters.Difference.between(a, a.copy())
    assert same.max_abs == 0 and same.rms == 0 and same.psnr == math.inf
