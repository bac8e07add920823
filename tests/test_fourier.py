"""filters.fourier: the convolution and correlation theorems, circular vs padded FFT,
frequency-response classes and deconvolution, checked against the direct functions and
against formulas written out by hand."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filters import BOUNDARIES, FiltersError, convolve, correlate, fourier, images, kernels, samples

RNG_SEED = 20261125


def random_case(seed: int, height: int, width: int, kh: int, kw: int, channels: int):
    rng = np.random.default_rng(seed)
    shape = (height, width) if channels == 0 else (height, width, channels)
    return rng.random(shape), rng.standard_normal((kh, kw))


def tolerance(image, kernel) -> float:
    return 1e-12 * max(1.0, float(np.abs(image).max()) * float(np.abs(kernel).sum()))


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    """The default sample in grey at 128 px, the kind of image the page deconvolves."""
    grey = images.to_grey(samples.load_sample(samples.DEFAULT_SAMPLE))
    return images.resize_long_side(grey, 128)


# ----------------------------------------------------------------------------
# Circular convolution is convolve(boundary="wrap")
# ----------------------------------------------------------------------------

shapes = st.tuples(
    st.integers(0, 2**32 - 1),
    st.integers(1, 24),
    st.integers(1, 24),
    st.integers(1, 9),
    st.integers(1, 9),
    st.sampled_from([0, 1, 3]),
)


@settings(max_examples=60, deadline=None)
@given(shapes)
def test_circular_convolve_is_wrap_convolution(case):
    image, kernel = random_case(*case)
    expected = convolve(image, kernel, boundary="wrap", output="same")
    result = fourier.circular_convolve(image, kernel)
    assert result.shape == image.shape
    np.testing.assert_allclose(result, expected, rtol=0, atol=tolerance(image, kernel))


@settings(max_examples=60, deadline=None)
@given(shapes)
def test_circular_correlate_is_wrap_correlation(case):
    image, kernel = random_case(*case)
    expected = correlate(image, kernel, boundary="wrap", output="same")
    result = fourier.circular_correlate(image, kernel)
    np.testing.assert_allclose(result, expected, rtol=0, atol=tolerance(image, kernel))


@pytest.mark.parametrize("kernel_shape", [(3, 3), (4, 4), (5, 2), (2, 6), (1, 1)])
def test_circular_convolve_odd_and_even_kernels(kernel_shape):
    image, kernel = random_case(RNG_SEED, 17, 12, *kernel_shape, 0)
    expected = convolve(image, kernel, boundary="wrap", output="same")
    np.testing.assert_allclose(fourier.circular_convolve(image, kernel), expected, atol=1e-12)


def test_circular_convolve_needs_the_centring_roll():
    """Without the roll by the kernel's centre, the plain product is off by (cy, cx)."""
    image, kernel = random_case(RNG_SEED, 16, 16, 5, 4, 0)
    plain = np.fft.ifft2(np.fft.fft2(image) * np.fft.fft2(kernel, s=image.shape)).real
    expected = convolve(image, kernel, boundary="wrap", output="same")
    assert np.abs(plain - expected).max() > 0.1
    np.testing.assert_allclose(np.roll(plain, (-2, -1), axis=(0, 1)), expected, atol=1e-12)


def test_kernel_larger_than_the_image_wraps_around():
    image, kernel = random_case(RNG_SEED, 5, 4, 9, 11, 0)
    expected = convolve(image, kernel, boundary="wrap", output="same")
    np.testing.assert_allclose(fourier.circular_convolve(image, kernel), expected, atol=1e-12)


def test_a_shift_wraps_around_without_padding():
    image = np.arange(36.0).reshape(6, 6)
    shifted = fourier.circular_convolve(image, kernels.make("shift", dx=2, dy=1))
    np.testing.assert_allclose(shifted, np.roll(image, (1, 2), axis=(0, 1)), atol=1e-12)


# ----------------------------------------------------------------------------
# The convolution theorem, padded and circular
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("boundary", [None, *BOUNDARIES])
@pytest.mark.parametrize("kernel_shape", [(5, 5), (4, 6), (1, 3)])
def test_convolution_theorem_matches_direct(boundary, kernel_shape):
    image, kernel = random_case(RNG_SEED, 23, 18, *kernel_shape, 0)
    result = fourier.convolution_theorem(image, kernel, boundary=boundary)
    expected = convolve(image, kernel, boundary=boundary or "wrap", output="same")
    np.testing.assert_array_equal(result.direct, expected)
    assert result.max_abs_difference <= result.tolerance
    assert result.max_abs_difference < 1e-12
    np.testing.assert_array_equal(result.difference, result.via_fft - result.direct)
    assert result.direct_boundary == (boundary or "wrap")
    assert not result.correlation


@pytest.mark.parametrize("boundary", ["reflect", "constant"])
def test_padded_theorem_spectra_are_what_they_say(boundary):
    image, kernel = random_case(RNG_SEED, 20, 15, 5, 4, 0)
    result = fourier.convolution_theorem(image, kernel, boundary=boundary)
    fm, fn = result.fft_shape
    assert fm >= 20 + 5 - 1 and fn >= 15 + 4 - 1
    mode = BOUNDARIES[boundary]
    extended = np.pad(image, [(5 - 1 - 2, 2), (4 - 1 - 1, 1)], mode=mode)
    np.testing.assert_allclose(result.image_spectrum, np.fft.fft2(extended, s=(fm, fn)))
    np.testing.assert_allclose(result.kernel_spectrum, np.fft.fft2(kernel, s=(fm, fn)))
    np.testing.assert_array_equal(result.product, result.image_spectrum * result.kernel_spectrum)
    full = np.fft.ifft2(result.product).real
    np.testing.assert_allclose(result.via_fft, full[4 : 4 + 20, 3 : 3 + 15], atol=1e-12)


def test_circular_theorem_spectra_are_at_the_image_size():
    image, kernel = random_case(RNG_SEED, 14, 11, 3, 3, 0)
    result = fourier.convolution_theorem(image, kernel, boundary=None)
    assert result.fft_shape == (14, 11)
    np.testing.assert_allclose(result.image_spectrum, np.fft.fft2(image))
    np.testing.assert_allclose(result.kernel_spectrum, np.fft.fft2(kernel, s=(14, 11)))
    np.testing.assert_allclose(result.via_fft, fourier.circular_convolve(image, kernel))


def test_theorem_on_colour_images_works_channel_by_channel():
    image, kernel = random_case(RNG_SEED, 12, 10, 3, 4, 3)
    result = fourier.convolution_theorem(image, kernel, boundary="mirror")
    assert result.image_spectrum.shape[2] == 3 and result.kernel_spectrum.ndim == 2
    for channel in range(3):
        alone = fourier.convolution_theorem(image[..., channel], kernel, boundary="mirror")
        np.testing.assert_allclose(result.via_fft[..., channel], alone.via_fft, atol=1e-12)
    assert result.max_abs_difference < 1e-12


def test_tolerance_is_the_contracts_bound():
    image, kernel = random_case(RNG_SEED, 9, 9, 3, 3, 0)
    result = fourier.convolution_theorem(image * 4, kernel)
    assert result.tolerance == pytest.approx(1e-10 * np.abs(image * 4).max() * np.abs(kernel).sum())


def test_unpadded_and_padded_differ_only_in_the_border_band():
    image, kernel = random_case(RNG_SEED, 30, 26, 7, 4, 0)
    circular = fourier.convolution_theorem(image, kernel, boundary=None).via_fft
    padded = fourier.convolution_theorem(image, kernel, boundary="reflect").via_fft
    band = fourier.boundary_band(image.shape, kernel.shape)
    difference = np.abs(circular - padded)
    assert difference[~band].max() < 1e-12
    assert difference[band].max() > 1e-3


def test_boundary_band_depths():
    band = fourier.boundary_band((10, 12), (5, 4))
    # cy = 2, cx = 1: 2 rows on top and 2 at the bottom, 2 columns left and 1 right.
    assert band[:2].all() and band[-2:].all() and band[:, :2].all() and band[:, -1:].all()
    assert not band[2:-2, 2:-1].any()
    assert not fourier.boundary_band((4, 4), (1, 1)).any()
    assert fourier.boundary_band((3, 3), (9, 9)).all()


# ----------------------------------------------------------------------------
# The correlation theorem
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("boundary", [None, *BOUNDARIES])
@pytest.mark.parametrize("kernel_shape", [(3, 3), (4, 5), (2, 2)])
def test_correlation_theorem_matches_correlate(boundary, kernel_shape):
    image, kernel = random_case(RNG_SEED + 1, 19, 21, *kernel_shape, 0)
    result = fourier.correlation_theorem(image, kernel, boundary=boundary)
    expected = correlate(image, kernel, boundary=boundary or "wrap", output="same")
    np.testing.assert_array_equal(result.direct, expected)
    assert result.correlation
    assert result.max_abs_difference < 1e-12


def test_correlation_multiplies_by_the_conjugate():
    image, kernel = random_case(RNG_SEED, 16, 13, 3, 5, 0)
    result = fourier.correlation_theorem(image, kernel, boundary=None)
    np.testing.assert_allclose(
        result.product, result.image_spectrum * np.conj(result.kernel_spectrum)
    )
    convolution = fourier.convolution_theorem(image, kernel, boundary=None)
    # An asymmetric kernel: conjugating changes the result.
    assert np.abs(convolution.via_fft - result.via_fft).max() > 0.01


def test_correlation_theorem_on_colour():
    image, kernel = random_case(RNG_SEED, 11, 9, 4, 3, 3)
    result = fourier.correlation_theorem(image, kernel, boundary="nearest")
    assert result.via_fft.shape == image.shape
    assert result.max_abs_difference < 1e-12


# ----------------------------------------------------------------------------
# Spectra
# ----------------------------------------------------------------------------


def test_centred_log_magnitude():
    image, _ = random_case(RNG_SEED, 8, 6, 1, 1, 0)
    spectrum = np.fft.fft2(image)
    shown = fourier.centred_log_magnitude(spectrum)
    assert shown.shape == (8, 6)
    assert shown[4, 3] == pytest.approx(math.log1p(abs(spectrum[0, 0])))
    np.testing.assert_allclose(shown, np.fft.fftshift(np.log1p(np.abs(spectrum))))
    colour = fourier.centred_log_magnitude(np.stack([spectrum] * 3, axis=-1))
    np.testing.assert_allclose(colour[..., 1], shown)


def test_padded_kernel_spectrum_origins():
    kernel = kernels.make("emboss")
    corner = fourier.padded_kernel_spectrum(kernel, (16, 12))
    centre = fourier.padded_kernel_spectrum(kernel, (16, 12), origin="centre")
    np.testing.assert_allclose(corner, np.fft.fft2(kernel, s=(16, 12)))
    np.testing.assert_allclose(
        centre, kernels.frequency_response(kernel, (16, 12), centred=False), atol=1e-12
    )
    np.testing.assert_allclose(np.abs(corner), np.abs(centre), atol=1e-12)
    assert corner[0, 0] == pytest.approx(kernel.sum())


# ----------------------------------------------------------------------------
# Frequency-response classes
# ----------------------------------------------------------------------------


def response(name: str, shape=(64, 64), **params) -> np.ndarray:
    return kernels.frequency_response(kernels.make(name, **params), shape)


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("box", {}, "low-pass"),
        ("box", {"size": 2}, "low-pass"),
        ("gaussian273", {}, "low-pass"),
        ("motion", {"length": 9, "angle": 0.0}, "low-pass"),
        ("laplacian4", {}, "high-pass"),
        ("laplacian8", {}, "high-pass"),
        ("sharpen", {}, "high-pass"),
        ("identity", {}, "all-pass"),
        ("shift", {"dx": 3, "dy": -2}, "all-pass"),
        ("dog", {}, "band-pass"),
        ("gabor", {}, "band-pass"),
        ("sobel_x", {}, "band-pass"),
        ("log", {}, "band-pass"),
    ],
)
def test_classify_response(name, params, expected):
    assert fourier.classify_response(response(name, **params)) == expected


def test_classify_band_stop_and_zero():
    notch = kernels.make("identity", size=9) - 2 * kernels.make("dog")
    assert fourier.classify_response(kernels.frequency_response(notch, (64, 64))) == "band-stop"
    zero = kernels.frequency_response(np.zeros((3, 3)), (64, 64))
    assert fourier.classify_response(zero) == "zero"


def test_classify_accepts_magnitudes_and_odd_grids():
    box = response("box", shape=(33, 31))
    assert fourier.classify_response(np.abs(box)) == "low-pass"
    assert fourier.classify_response(response("laplacian4", shape=(33, 31))) == "high-pass"


def test_response_levels_by_hand():
    # Laplacian: H(u, v) = −4 + 2 cos 2πu + 2 cos 2πv on a 4×4 grid (u, v ∈ {−½, −¼, 0, ¼}).
    levels = fourier.response_levels(response("laplacian4", shape=(4, 4)))
    assert levels.dc == pytest.approx(0.0, abs=1e-12)
    assert levels.peak == pytest.approx(8.0)
    assert levels.floor == pytest.approx(0.0, abs=1e-12)
    # The outer row u = −½ is |−6 + 2 cos 2πv| = 8, 6, 4, 6; the outer column the same;
    # the corner is counted once: (8 + 6 + 4 + 6 + 6 + 4 + 6) / 7.
    assert levels.nyquist == pytest.approx(40 / 7)
    assert levels.label == "high-pass"


def test_classification_threshold_is_half_power():
    """A flat response whose outermost frequencies sit just under or just over −3 dB."""
    for edge, expected in ((0.70, "low-pass"), (0.71, "all-pass")):
        flat = np.ones((8, 8))
        flat[0, :] = flat[:, 0] = edge  # on an even centred grid: u = −½ and v = −½
        assert fourier.classify_response(flat) == expected
    assert pytest.approx(1 / math.sqrt(2)) == fourier.HALF_POWER


# ----------------------------------------------------------------------------
# Deconvolution
# ----------------------------------------------------------------------------


def test_psnr_matches_the_formula():
    rng = np.random.default_rng(RNG_SEED)
    reference = rng.random((10, 7))
    estimate = reference + rng.normal(0, 0.05, reference.shape)
    mse = np.mean((reference - estimate) ** 2)
    assert fourier.psnr(reference, estimate) == pytest.approx(10 * np.log10(1 / mse))
    assert fourier.psnr(reference, estimate, data_range=255) == pytest.approx(
        10 * np.log10(255**2 / mse)
    )
    assert fourier.psnr(reference, reference) == math.inf
    assert fourier.psnr(np.zeros((2, 2)), np.full((2, 2), 0.1)) == pytest.approx(20.0)


def test_blur_and_noise_is_seeded_and_circular():
    image, _ = random_case(RNG_SEED, 20, 16, 1, 1, 0)
    kernel = kernels.make("gaussian273")
    clean = fourier.blur_and_noise(image, kernel, 0.0)
    np.testing.assert_allclose(clean, convolve(image, kernel, boundary="wrap"), atol=1e-12)
    first = fourier.blur_and_noise(image, kernel, 0.1, seed=3)
    np.testing.assert_array_equal(first, fourier.blur_and_noise(image, kernel, 0.1, seed=3))
    assert not np.array_equal(first, fourier.blur_and_noise(image, kernel, 0.1, seed=4))
    noise = first - clean
    assert np.std(noise) == pytest.approx(0.1, rel=0.15)


def test_inverse_filter_is_exact_without_noise():
    image, _ = random_case(RNG_SEED, 24, 19, 1, 1, 3)
    gentle = np.array([[0.0, 0.1, 0.0], [0.1, 0.6, 0.1], [0.0, 0.1, 0.0]])  # |H| ≥ 0.2
    blurred = fourier.blur_and_noise(image, gentle, 0.0)
    np.testing.assert_allclose(fourier.inverse_filter(blurred, gentle), image, atol=1e-12)


def test_inverse_filter_survives_exact_zeros():
    image, _ = random_case(RNG_SEED, 16, 16, 1, 1, 0)
    box = kernels.make("box", size=2)  # H = 0 at Nyquist on an even grid
    assert np.abs(fourier.padded_kernel_spectrum(box, (16, 16))).min() == 0
    restored = fourier.inverse_filter(fourier.blur_and_noise(image, box, 0.0), box)
    assert np.isfinite(restored).all()


def test_wiener_beats_naive_inverse_at_the_default_noise(portrait):
    blur = fourier.gaussian_blur(fourier.DEFAULT_BLUR_SIGMA)
    blurred = fourier.blur_and_noise(portrait, blur, fourier.DEFAULT_NOISE_SIGMA, seed=0)
    naive = fourier.psnr(portrait, fourier.inverse_filter(blurred, blur))
    wiener = fourier.psnr(
        portrait, fourier.wiener_deconvolve(blurred, blur, 10**fourier.DEFAULT_LOG10_NSR)
    )
    assert wiener > naive + 20
    assert wiener > fourier.psnr(portrait, blurred)  # and it does deblur


def test_wiener_tends_to_the_inverse_filter_as_nsr_goes_to_zero():
    image, _ = random_case(RNG_SEED, 20, 17, 1, 1, 0)
    gentle = np.array([[0.05, 0.1, 0.05], [0.1, 0.4, 0.1], [0.05, 0.1, 0.05]])
    blurred = fourier.blur_and_noise(image, gentle, 0.01, seed=1)
    naive = fourier.inverse_filter(blurred, gentle)
    gaps = [
        np.abs(fourier.wiener_deconvolve(blurred, gentle, nsr) - naive).max()
        for nsr in (1e-1, 1e-3, 1e-6, 1e-9, 1e-12)
    ]
    assert all(later < earlier for earlier, later in itertools.pairwise(gaps))
    assert gaps[-1] < 1e-8


def test_wiener_gap_to_the_inverse_shrinks_for_a_gaussian_too(portrait):
    blur = fourier.gaussian_blur(2.0)
    blurred = fourier.blur_and_noise(portrait, blur, 0.01)
    naive = fourier.inverse_filter(blurred, blur)
    gaps = [
        np.linalg.norm(fourier.wiener_deconvolve(blurred, blur, nsr) - naive)
        for nsr in (1e-2, 1e-6, 1e-10, 1e-14)
    ]
    assert all(later < earlier for earlier, later in itertools.pairwise(gaps))


@pytest.mark.parametrize(("height", "width", "channels"), [(20, 16, 0), (15, 21, 3)])
def test_psnr_versus_nsr_equals_psnr_of_each_wiener(height, width, channels):
    image, _ = random_case(RNG_SEED, height, width, 1, 1, channels)
    blur = kernels.make("gaussian", size=5, sigma=1.0)
    blurred = fourier.blur_and_noise(image, blur, 0.02, seed=2)
    nsrs = [1e-4, 1e-2, 1.0]
    curve = fourier.psnr_versus_nsr(image, blurred, blur, nsrs)
    expected = [fourier.psnr(image, fourier.wiener_deconvolve(blurred, blur, k)) for k in nsrs]
    np.testing.assert_allclose(curve, expected, rtol=1e-9)


def test_deconvolution_gains():
    blur = fourier.gaussian_blur(1.5)
    magnitude, inverse, wiener = fourier.deconvolution_gains(blur, (32, 32), 1e-2)
    np.testing.assert_allclose(
        magnitude, np.abs(kernels.frequency_response(blur, (32, 32))), atol=1e-15
    )
    passing = magnitude >= fourier.DEFAULT_EPS
    np.testing.assert_allclose(inverse[passing] * magnitude[passing], 1.0)
    assert wiener.max() <= 1 / (2 * math.sqrt(1e-2)) + 1e-12  # max of x / (x² + K)
    assert magnitude[16, 16] == pytest.approx(1.0)


def test_gaussian_blur_is_three_sigma_wide():
    assert fourier.gaussian_blur(2.0).shape == (13, 13)
    assert fourier.gaussian_blur(8.0).shape == (31, 31)
    assert fourier.gaussian_blur(0.5).sum() == pytest.approx(1.0)


# ----------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fourier.circular_convolve(np.zeros(4), np.ones((3, 3))), "image must be 2-D"),
        (lambda: fourier.circular_convolve(np.zeros((4, 4)), np.ones(3)), "kernel must be 2-D"),
        (
            lambda: fourier.circular_convolve(np.full((4, 4), np.nan), np.ones((3, 3))),
            "NaN",
        ),
        (
            lambda: fourier.convolution_theorem(np.zeros((4, 4)), np.ones((3, 3)), boundary="x"),
            "boundary must be None",
        ),
        (
            lambda: fourier.correlation_theorem(np.zeros((4, 4)), np.ones((3, 3)), boundary=3),
            "boundary must be None",
        ),
        (lambda: fourier.padded_kernel_spectrum(np.ones((3, 3)), (0, 4)), "shape must be"),
        (
            lambda: fourier.padded_kernel_spectrum(np.ones((3, 3)), (8, 8), origin="middle"),
            "origin must be",
        ),
        (lambda: fourier.centred_log_magnitude(np.zeros(5)), "spectrum must be"),
        (lambda: fourier.centred_log_magnitude(np.array([["a"]])), "spectrum must hold"),
        (lambda: fourier.classify_response(np.ones((3, 3))), "at least 4×4"),
        (lambda: fourier.classify_response(np.ones((8, 8, 2))), "2-D array"),
        (lambda: fourier.classify_response(np.full((8, 8), np.inf)), "NaN or infinite"),
        (lambda: fourier.blur_and_noise(np.zeros((4, 4)), np.ones((1, 1)), -1), "noise_sigma"),
        (lambda: fourier.blur_and_noise(np.zeros((4, 4)), np.ones((1, 1)), 0.1, -2), "seed"),
        (lambda: fourier.blur_and_noise(np.zeros((4, 4)), np.ones((1, 1)), 0.1, 1.5), "seed"),
        (lambda: fourier.inverse_filter(np.zeros((4, 4)), np.ones((1, 1)), eps=0), "eps"),
        (lambda: fourier.inverse_filter(np.zeros((4,)), np.ones((1, 1))), "blurred must be"),
        (lambda: fourier.wiener_deconvolve(np.zeros((4, 4)), np.ones((1, 1)), 0), "nsr"),
        (
            lambda: fourier.wiener_deconvolve(np.zeros((4, 4)), np.ones((1, 1)), math.nan),
            "nsr",
        ),
        (lambda: fourier.psnr(np.zeros((2, 2)), np.zeros((2, 3))), "same shape"),
        (lambda: fourier.psnr(np.zeros((2, 2)), np.full((2, 2), np.nan)), "estimate contains"),
        (lambda: fourier.psnr(np.zeros((2, 2)), np.zeros((2, 2)), data_range=0), "data_range"),
        (
            lambda: fourier.psnr_versus_nsr(
                np.zeros((4, 4)), np.zeros((4, 4)), np.ones((1, 1)), []
            ),
            "nsrs",
        ),
        (
            lambda: fourier.psnr_versus_nsr(
                np.zeros((4, 5)), np.zeros((4, 4)), np.ones((1, 1)), [1.0]
            ),
            "same shape",
        ),
        (lambda: fourier.boundary_band((4, 4), (0, 1)), "shape must be"),
        (lambda: fourier.gaussian_blur(0), "sigma"),
    ],
)
def test_errors_name_the_argument(call, message):
    with pytest.raises(FiltersError, match=message):
        call()
