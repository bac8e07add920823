"""Tests for filters.kernels: presets, the text format and the analysis helpers."""

import contextlib
import math
import time

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from filters import kernels
from filters._errors import FiltersError, KernelParseError

GAUSSIAN_273 = (
    np.array(
        [
            [1, 4, 7, 4, 1],
            [4, 16, 26, 16, 4],
            [7, 26, 41, 26, 7],
            [4, 16, 26, 16, 4],
            [1, 4, 7, 4, 1],
        ],
        dtype=np.float64,
    )
    / 273
)

FAST = settings(max_examples=40, deadline=None)


def _classify(kernel: np.ndarray) -> str:
    """Return "symmetric", "antisymmetric" or "asymmetric" under a 180° rotation."""
    if kernels.is_symmetric(kernel):
        return "symmetric"
    if np.abs(kernels.symmetric_part(kernel)).max() <= 1e-12 * np.abs(kernel).max():
        return "antisymmetric"
    return "asymmetric"


def _preset_values(name: str, which: str) -> dict[str, float]:
    return {param.name: getattr(param, which) for param in kernels.PRESETS[name].params}


def _check_kernel(kernel: np.ndarray) -> None:
    assert isinstance(kernel, np.ndarray)
    assert kernel.dtype == np.float64
    assert kernel.ndim == 2
    assert 1 <= kernel.shape[0] <= 63 and 1 <= kernel.shape[1] <= 63
    assert np.isfinite(kernel).all()


# --------------------------------------------------------------------------------------------
# Presets
# --------------------------------------------------------------------------------------------

REQUIRED_PRESETS = {
    "gaussian273",
    "gaussian",
    "box",
    "sharpen",
    "unsharp",
    "laplacian4",
    "laplacian8",
    "log",
    "sobel_x",
    "sobel_y",
    "scharr_x",
    "scharr_y",
    "prewitt_x",
    "prewitt_y",
    "emboss",
    "motion",
    "shift",
    "identity",
    "dog",
    "gabor",
    "random",
}

SYMMETRY_AT_DEFAULTS = {
    "gaussian273": "symmetric",
    "gaussian": "symmetric",
    "box": "symmetric",
    "sharpen": "symmetric",
    "unsharp": "symmetric",
    "laplacian4": "symmetric",
    "laplacian8": "symmetric",
    "log": "symmetric",
    "sobel_x": "antisymmetric",
    "sobel_y": "antisymmetric",
    "scharr_x": "antisymmetric",
    "scharr_y": "antisymmetric",
    "prewitt_x": "antisymmetric",
    "prewitt_y": "antisymmetric",
    "emboss": "asymmetric",
    "motion": "symmetric",
    "shift": "asymmetric",
    "identity": "symmetric",
    "dog": "symmetric",
    "gabor": "symmetric",
    "random": "asymmetric",
}

DESCRIPTION_PHRASE = {
    "symmetric": "; symmetric under 180° rotation",
    "antisymmetric": "; antisymmetric under 180° rotation",
    "asymmetric": "; not symmetric under 180° rotation",
}


def test_required_presets_exist_and_default_is_gaussian273():
    assert set(kernels.PRESETS) >= REQUIRED_PRESETS
    assert set(SYMMETRY_AT_DEFAULTS) == set(kernels.PRESETS)
    assert kernels.DEFAULT_PRESET == "gaussian273"


@pytest.mark.parametrize("name", sorted(kernels.PRESETS))
def test_preset_metadata_is_consistent(name):
    preset = kernels.PRESETS[name]
    assert preset.name == name
    assert preset.label
    assert "\n" not in preset.description
    assert DESCRIPTION_PHRASE[SYMMETRY_AT_DEFAULTS[name]] in preset.description
    for param in preset.params:
        assert param.kind in ("int", "float")
        assert param.min <= param.default <= param.max
        assert param.step > 0
        if param.kind == "int":
            assert all(isinstance(v, int) for v in (param.default, param.min, param.max))
            assert (param.default - param.min) % param.step == 0
            assert (param.max - param.min) % param.step == 0


@pytest.mark.parametrize("name", sorted(kernels.PRESETS))
def test_preset_builds_at_defaults_and_extremes(name):
    _check_kernel(kernels.make(name))
    for which in ("min", "max"):
        _check_kernel(kernels.make(name, **_preset_values(name, which)))
        for param in kernels.PRESETS[name].params:
            _check_kernel(kernels.make(name, **{param.name: getattr(param, which)}))


def test_make_returns_a_fresh_array():
    first = kernels.make("sobel_x")
    first[0, 0] = 99
    assert kernels.make("sobel_x")[0, 0] == -1


@pytest.mark.parametrize("name", sorted(kernels.PRESETS))
def test_symmetry_claims_hold_at_defaults(name):
    assert _classify(kernels.make(name)) == SYMMETRY_AT_DEFAULTS[name]


def test_gaussian273_is_the_exact_classic_matrix():
    kernel = kernels.make("gaussian273")
    np.testing.assert_array_equal(kernel, GAUSSIAN_273)
    assert kernel.sum() == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("gaussian", {}),
        ("gaussian", {"size": 4, "sigma": 0.7}),
        ("gaussian", {"size": 31, "sigma": 10.0}),
        ("gaussian", {"size": 31, "sigma": 0.1}),
        ("box", {}),
        ("box", {"size": 6}),
        ("motion", {}),
        ("motion", {"length": 8, "angle": 30.0}),
        ("motion", {"length": 31, "angle": -135.0}),
        ("sharpen", {"amount": 2.5}),
        ("unsharp", {"size": 7, "sigma": 2.0, "amount": 3.0}),
        ("identity", {"size": 5}),
        ("emboss", {}),
    ],
)
def test_blur_and_sharpen_presets_sum_to_one(name, params):
    assert kernels.make(name, **params).sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("sobel_x", {}),
        ("sobel_y", {}),
        ("scharr_x", {}),
        ("scharr_y", {}),
        ("prewitt_x", {}),
        ("prewitt_y", {}),
        ("laplacian4", {}),
        ("laplacian8", {}),
        ("log", {}),
        ("log", {"size": 31, "sigma": 4.0}),
        ("dog", {}),
    ],
)
def test_edge_presets_sum_to_zero(name, params):
    kernel = kernels.make(name, **params)
    assert abs(kernel.sum()) <= 1e-12 * np.abs(kernel).sum()


def test_fixed_3x3_kernels_have_standard_values():
    np.testing.assert_array_equal(kernels.make("sobel_x"), [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(kernels.make("sobel_y"), [[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
    np.testing.assert_array_equal(kernels.make("scharr_x"), [[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]])
    np.testing.assert_array_equal(kernels.make("prewitt_y"), [[-1, -1, -1], [0, 0, 0], [1, 1, 1]])
    np.testing.assert_array_equal(kernels.make("laplacian4"), [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    np.testing.assert_array_equal(kernels.make("emboss"), [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
    np.testing.assert_array_equal(
        kernels.make("sharpen", amount=1.0), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
    )


@pytest.mark.parametrize(("name", "axis"), [("sobel_x", 1), ("sobel_y", 0)])
def test_sobel_orientation_matches_scipy_under_correlation(name, axis):
    rng = np.random.default_rng(3)
    image = rng.standard_normal((12, 14))
    ours = scipy.ndimage.correlate(image, kernels.make(name), mode="reflect")
    np.testing.assert_allclose(ours, scipy.ndimage.sobel(image, axis=axis, mode="reflect"))


@pytest.mark.parametrize("name", ["sobel_x", "scharr_x", "prewitt_x"])
def test_x_gradients_are_positive_for_brightness_rising_to_the_right(name):
    ramp = np.tile(np.arange(8.0), (6, 1))
    response = scipy.ndimage.correlate(ramp, kernels.make(name), mode="nearest")
    assert (response[:, 1:-1] > 0).all()


@pytest.mark.parametrize(("dx", "dy"), [(2, 1), (-3, 0), (0, -7), (7, 7), (-1, 4)])
def test_shift_places_the_one_at_the_offset(dx, dy):
    kernel = kernels.make("shift", dx=dx, dy=dy)
    assert kernel.shape == (2 * abs(dy) + 1, 2 * abs(dx) + 1)
    centre = ((kernel.shape[0] - 1) // 2, (kernel.shape[1] - 1) // 2)
    assert kernel[centre[0] + dy, centre[1] + dx] == 1
    assert kernel.sum() == 1 and np.count_nonzero(kernel) == 1


def test_shift_without_offset_is_the_symmetric_1x1_identity():
    np.testing.assert_array_equal(kernels.make("shift", dx=0, dy=0), [[1.0]])


def test_convolving_with_shift_moves_the_image_right_and_down():
    image = np.zeros((9, 9))
    image[4, 4] = 1.0
    kernel = kernels.make("shift", dx=2, dy=1)
    convolved = scipy.signal.convolve2d(image, kernel, mode="same")
    assert np.argwhere(convolved == 1).tolist() == [[5, 6]]
    correlated = scipy.signal.correlate2d(image, kernel, mode="same")
    assert np.argwhere(correlated == 1).tolist() == [[3, 2]]


def test_motion_at_angle_zero_is_a_horizontal_line():
    kernel = kernels.make("motion", length=9, angle=0.0)
    np.testing.assert_allclose(kernel, np.full((1, 9), 1 / 9))


def test_motion_at_angle_90_is_a_vertical_line():
    kernel = kernels.make("motion", length=7, angle=90.0)
    np.testing.assert_allclose(kernel, np.full((7, 1), 1 / 7))


def test_motion_at_30_degrees_is_a_centred_rising_line():
    kernel = kernels.make("motion", length=15, angle=30.0)
    assert kernel.shape[0] % 2 == 1 and kernel.shape[1] % 2 == 1
    assert kernel.shape[1] > kernel.shape[0] > 1
    assert kernels.is_symmetric(kernel)
    # y points up: a line at +30° rises to the right, so the top-right is weighted.
    assert kernel[0, -1] > 0 and kernel[0, 0] == 0


def test_gabor_phase_controls_symmetry():
    assert _classify(kernels.make("gabor", phase=0.0)) == "symmetric"
    assert _classify(kernels.make("gabor", phase=180.0)) == "symmetric"
    assert _classify(kernels.make("gabor", phase=90.0)) == "antisymmetric"
    assert _classify(kernels.make("gabor", phase=-90.0, theta=37.0)) == "antisymmetric"
    assert _classify(kernels.make("gabor", phase=45.0)) == "asymmetric"


def test_gabor_at_theta_zero_varies_along_x_only_through_the_carrier():
    kernel = kernels.make("gabor", size=15, sigma=3.0, theta=0.0, wavelength=4.0, gamma=0.5)
    middle = kernel[7]
    # cos(2π x / 4) is -1 at x = ±2 and +1 at x = 0, ±4.
    assert middle[7] == pytest.approx(1.0)
    assert middle[5] < 0 and middle[9] < 0
    assert middle[3] > 0 and middle[11] > 0


def test_random_is_deterministic_and_scaled_by_absolute_sum():
    first = kernels.make("random", size=6, seed=12)
    np.testing.assert_array_equal(first, kernels.make("random", size=6, seed=12))
    assert not np.array_equal(first, kernels.make("random", size=6, seed=13))
    assert np.abs(first).sum() == pytest.approx(1.0)


def test_gaussian_is_separable_and_gaussian273_is_not():
    assert kernels.separability(kernels.make("gaussian", size=7, sigma=1.5)).rank == 1
    assert kernels.separability(kernels.make("gaussian273")).rank > 1


def test_even_sized_gaussian_is_symmetric():
    kernel = kernels.make("gaussian", size=6, sigma=1.2)
    assert kernel.shape == (6, 6)
    assert kernels.is_symmetric(kernel)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("nope", {}, "unknown kernel preset 'nope'"),
        ("gaussian", {"sigmaa": 1.0}, "no parameter 'sigmaa'"),
        ("laplacian4", {"size": 3}, "no parameter 'size'"),
        ("gaussian", {"size": 32}, "'size'.*between 1 and 31"),
        ("gaussian", {"sigma": 0.0}, "'sigma'.*between"),
        ("shift", {"dx": -8}, "'dx'.*between -7 and 7"),
        ("identity", {"size": 4}, "'size'.*odd"),
        ("box", {"size": 2.5}, "'size'.*whole number"),
        ("box", {"size": True}, "'size'.*must be a number"),
        ("motion", {"angle": "north"}, "'angle'.*must be a number"),
        ("motion", {"angle": float("nan")}, "'angle'.*finite"),
    ],
)
def test_make_rejects_bad_names_and_parameters(name, params, message):
    with pytest.raises(FiltersError, match=message):
        kernels.make(name, **params)


def test_make_accepts_integral_floats_for_int_parameters():
    np.testing.assert_array_equal(kernels.make("box", size=4.0), kernels.make("box", size=4))


# --------------------------------------------------------------------------------------------
# Parsing and writing text
# --------------------------------------------------------------------------------------------

ONE_TO_FOUR = [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 2\n3 4", ONE_TO_FOUR),
        ("1 2\n3 4\n", ONE_TO_FOUR),
        ("\n\n  1 2  \n\n  3 4 \n\n", ONE_TO_FOUR),
        ("1,2\n3,4", ONE_TO_FOUR),
        ("1, 2; 3, 4", ONE_TO_FOUR),
        ("1 2;3 4;", ONE_TO_FOUR),
        ("1\t2\r\n3\t4\r\n", ONE_TO_FOUR),
        ("[1 2; 3 4]", ONE_TO_FOUR),
        ("[1, 2\n 3, 4]", ONE_TO_FOUR),
        ("[\n  1 2\n  3 4\n]\n", ONE_TO_FOUR),
        ("[[1, 2], [3, 4]]", ONE_TO_FOUR),
        ("[[1, 2],\n [3, 4],]", ONE_TO_FOUR),
        ("[[1. 2.]\n [3. 4.]]", ONE_TO_FOUR),
        ("[[1,\n 2], [3, 4]]", ONE_TO_FOUR),
        ("1, 2,\n3, 4,", ONE_TO_FOUR),
        ("2 * [0.5 1; 1.5 2]", ONE_TO_FOUR),
        ("0.5*[2 4; 6 8]", ONE_TO_FOUR),
        ("1/2 [2 4\n6 8]", ONE_TO_FOUR),
        ("1/2 *\n[[2, 4], [6, 8]]", ONE_TO_FOUR),
        ("[2 4; 6 8] / 2", ONE_TO_FOUR),
        ("[0.5 1; 1.5 2] * 2", ONE_TO_FOUR),
        ("10e-1 +2e0\n.3e1 4.", ONE_TO_FOUR),
        ("2/2 4/2\n6/2 8/2", ONE_TO_FOUR),
        ("−1 +2", [[-1.0, 2.0]]),
        ("1e-3 .5 -.25", [[0.001, 0.5, -0.25]]),
        ("7", [[7.0]]),
        ("3/4", [[0.75]]),
        ("1\n2\n3", [[1.0], [2.0], [3.0]]),
    ],
)
def test_parse_accepts_common_formats(text, expected):
    result = kernels.parse(text)
    assert result.dtype == np.float64
    np.testing.assert_allclose(result, expected, rtol=1e-15)


def test_parse_reads_the_classic_gaussian_with_a_factor():
    text = """1/273 * [
        1  4  7  4  1
        4 16 26 16  4
        7 26 41 26  7
        4 16 26 16  4
        1  4  7  4  1
    ]"""
    np.testing.assert_allclose(kernels.parse(text), GAUSSIAN_273, rtol=1e-15)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        (" \n\t\n ", "empty"),
        ("[]", "no numbers"),
        (";;\n;", "no numbers"),
        ("1 2 3\n4 5 abc", r"At row 2, column 3: 'abc' is not a number\."),
        ("1 2 3\n4 5 6\n7 8", r"row 3 has 2 values but row 1 has 3\."),
        ("[[1, 2], [3]]", r"row 2 has 1 value but row 1 has 2\."),
        ("1 nan", r"At row 1, column 2: 'nan' is not a finite number\."),
        ("1 2\n-inf 3", r"At row 2, column 1: '-inf' is not a finite number\."),
        ("1e400", r"At row 1, column 1: '1e400' is not a finite number\."),
        ("1 2/0", r"At row 1, column 2: '2/0' divides by zero\."),
        ("1 2/", r"At row 1, column 2: '2/' must be followed by a number, found nothing\."),
        ("1 2/\n3", r"At row 1, column 2: '2/' must be followed by a number, found '\\n'\."),
        ("1-2", r"At row 1, column 1: '1-2' is not a number\."),
        ("1,,2", r"At row 1, column 2: empty value between commas\."),
        ("1, ,2", r"At row 1, column 2: empty value between commas\."),
        (", 1", r"At row 1, column 1: a comma comes before any value\."),
        ("1 2\n, 3 4", r"At row 2, column 1: a comma comes before any value\."),
        ("1 2 *", r"At row 1, column 3: unexpected '\*'\."),
        ("1 2 [3]", r"At row 1, column 3: unexpected '\['"),
        ("[1 2; 3 4", r"Unbalanced brackets: 1 '\[' not closed"),
        ("1 2]", r"Unbalanced brackets: a '\]' has no matching"),
        ("]][[", r"Unbalanced brackets: a '\]' has no matching"),
        ("[[[1]]]", "nested more than two deep"),
        ("[[[", "nested more than two deep"),
        ("[[1; 2]]", r"At row 1, column 2: ';' cannot appear inside a bracketed row\."),
        ("[[1, 2], 3]", r"At row 2: expected '\[' to start the row, found '3'\."),
        ("[[1], []]", r"row 2 is empty\."),
        ("[1 2] [3 4]", r"Unexpected '\[' after the closing"),
        ("[1 2]\n;", r"Unexpected ';' after the closing"),
        ("[1 2] / 2 3", r"Unexpected '3' after the factor\."),
        ("0 * [1 2]", "factor, '0', is zero"),
        ("[1 2] * 0", "factor after '\\]', '0', is zero"),
        ("[1 2] / 0", "divisor after '\\]', '0', is zero: division by zero"),
        ("1/0 * [1 2]", "'1/0' divides by zero"),
        ("[1 2] / x", "divisor after '\\]' must be a number, found 'x'"),
        ("2 * 1 2", "must be followed by a bracketed matrix"),
        ("1e308 * [10]", r"At row 1, column 1: .*too large to represent\."),
        ("[1] / 1e-320", "factors combine to inf"),
        ("1 1e7", r"At row 1, column 2: the value 10000000 is too large; .* within ±1e\+06\."),
        ("1e300 * [1e300]", r"At row 1, column 1: the value 1e\+300 is too large"),
        ("-1000000.5", r"At row 1, column 1: the value -1000000.5 is too large"),
        ("2e12/2", r"At row 1, column 1: the value 1e\+12 is too large"),
        ("1e3 * [1 2; 3 1e4]", r"At row 2, column 2: .*factor 1000, the value is 10000000,"),
        ("[1 2; 3 1e4] / 1e-3", r"At row 2, column 2: .*within ±1e\+06\."),
    ],
)
def test_parse_errors_say_what_and_where(text, message):
    with pytest.raises(KernelParseError, match=message) as raised:
        kernels.parse(text)
    _assert_short_sentence(str(raised.value))


def _assert_short_sentence(message: str) -> None:
    """A refusal is one short sentence: a capital letter first, a full stop last."""
    assert message[:1].isupper(), message
    assert message.endswith("."), message
    assert len(message) < 200, message


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('echo hacked')",
        "[[1, 2], [3, __import__('os')]]",
        "1 2\nopen('/etc/passwd')",
        "(1, 2)",
        "lambda: 1",
        "1_000",
        "0x10",
        "1j",
    ],
)
def test_parse_never_evaluates_code(text, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("parse must not evaluate text")

    monkeypatch.setattr("builtins.eval", refuse)
    monkeypatch.setattr("builtins.exec", refuse)
    with pytest.raises(KernelParseError, match="is not a number"):
        kernels.parse(text)


def test_parse_rejects_text_that_is_too_long():
    with pytest.raises(
        KernelParseError, match=r"100,001 characters.*at most 100,000 are allowed\.$"
    ):
        kernels.parse("1 " * 50_000 + "1")


# Texts up to the length limit that once took seconds (quadratic work) or produced
# messages quoting the whole input. Each must be read or refused at once, briefly.
PATHOLOGICAL_TEXTS = {
    "newlines then a number": "\n" * 99_990 + "1",
    "semicolons": ";" * 99_999,
    "spaces": " " * 99_999,
    "CRLF lines": "\r\n" * 50_000,
    "one value, 50,000 times": "1 " * 50_000,
    "one row per value": "1\n" * 50_000,
    "a 100,000-digit number": "1" * 100_000,
    "a 100,000-letter word": "a" * 100_000,
    "a huge exponent": "1e" + "9" * 99_998,
    "a tiny number": "0." + "0" * 99_997 + "1",
    "opening brackets": "[" * 50_000,
    "closing brackets": "]" * 50_000,
    "empty pairs of brackets": "[]" * 50_000,
    "commas between nested rows": "[[1]" + "," * 99_990 + "]",
    "commas and newlines between nested rows": "[[1]" + ",\n" * 49_990 + "]",
    "trailing commas": "1," * 50_000,
    "lone commas": ",\n" * 50_000,
    "fractions without a denominator": "1/" * 50_000,
    "stars": "*" * 100_000,
    "minus signs": "\u2212" * 100_000,
    "a long nested row": "[[" + "1," * 49_990 + "1]]",
    "a factor and a long row": "1/273 * [" + "1 " * 49_990 + "]",
    "spaces between two values": "1" + " " * 99_998 + "2",
    "a factor after many newlines": "[1]" + "\n" * 99_990 + "*2",
    "a 63×63 kernel of fractions": "\n".join([" ".join(["1/3"] * 63)] * 63),
}


@pytest.mark.parametrize("text", PATHOLOGICAL_TEXTS.values(), ids=PATHOLOGICAL_TEXTS.keys())
def test_parse_reads_or_refuses_pathological_text_briefly(text):
    assert len(text) <= kernels.MAX_TEXT_LENGTH
    try:
        kernel = kernels.parse(text)
    except FiltersError as error:
        _assert_short_sentence(str(error))
    else:
        assert kernel.ndim == 2
        assert np.isfinite(kernel).all()


def test_messages_quote_at_most_about_forty_characters_of_the_text():
    word = "x" * 100_000
    with pytest.raises(KernelParseError) as raised:
        kernels.parse("1 2\n3 " + word[:99_990])
    message = str(raised.value)
    assert message == f"At row 2, column 2: '{'x' * 40}…' is not a number."
    with pytest.raises(KernelParseError, match=r"'1{40}…' must be followed by a number"):
        kernels.parse("1" * 60 + "/")
    with pytest.raises(KernelParseError, match=r"^At row 1, column 1: '<b>\\u202e'"):
        kernels.parse("<b>\u202e")  # quoted like repr: invisible characters escaped


def _best_time(text: str, repeats: int = 7) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        with contextlib.suppress(FiltersError):
            kernels.parse(text)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize(
    "build",
    [
        lambda n: "\n" * n + "1",
        lambda n: ";" * n,
        lambda n: "[]" * (n // 2),
        lambda n: "[[1]" + "," * n + "]",
        lambda n: "[[1]" + ",\n" * (n // 2) + "]",
        lambda n: "1" + " " * n + "2",
        lambda n: "1" * n,
    ],
    ids=["newlines", "semicolons", "bracket pairs", "commas", "comma lines", "spaces", "digits"],
)
def test_parse_time_grows_linearly_with_the_text(build):
    """Eight times the text takes about eight times as long, not sixty-four (quadratic)."""
    small, large = build(12_000), build(96_000)
    assert len(large) <= kernels.MAX_TEXT_LENGTH
    ratio = _best_time(large) / max(_best_time(small), 1e-6)
    assert ratio < 24, f"8× the text took {ratio:.1f}× as long"


_KERNEL_TEXT_PIECES = st.sampled_from(
    [
        "1",
        "-2",
        "3.5",
        ".5",
        "1e3",
        "1e7",
        "2/3",
        "0",
        "nan",
        "x",
        " ",
        "\t",
        "\n",
        "\r\n",
        ";",
        ",",
        "[",
        "]",
        "*",
        "/",
        "1/273 *",
        "\u2212",
        "e",
        "+",
        "<b>",
        "www.x.y",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.lists(_KERNEL_TEXT_PIECES, max_size=40).map("".join),
    )
)
def test_parse_returns_a_bounded_kernel_or_a_short_refusal(text):
    try:
        kernel = kernels.parse(text, max_size=8)
    except FiltersError as error:
        _assert_short_sentence(str(error))
    else:
        assert isinstance(kernel, np.ndarray)
        assert kernel.dtype == np.float64 and kernel.ndim == 2
        assert min(kernel.shape) >= 1 and max(kernel.shape) <= 8
        assert np.isfinite(kernel).all()
        assert np.abs(kernel).max() <= kernels.MAX_ABS_VALUE


def test_parse_refuses_values_beyond_the_bound_as_written_and_after_the_factor():
    bound = kernels.MAX_ABS_VALUE
    assert bound == 1e6
    np.testing.assert_array_equal(kernels.parse("1e6 -1e6"), [[bound, -bound]])
    np.testing.assert_array_equal(kernels.parse("1e3 * [1e3]"), [[bound]])
    with pytest.raises(KernelParseError, match=r"At row 1, column 2: the value 1000001 "):
        kernels.parse("0 1000001")
    with pytest.raises(KernelParseError, match=r"At row 1, column 1: .* -2000000, too large"):
        kernels.parse("[-1e6] * 2")


def test_parse_rejects_non_strings():
    with pytest.raises(KernelParseError, match="must be a string"):
        kernels.parse(b"1 2")


def test_parse_limits_rows_and_columns_to_max_size():
    assert kernels.parse("\n".join(["1"] * 63)).shape == (63, 1)
    assert kernels.parse(" ".join(["1"] * 63)).shape == (1, 63)
    with pytest.raises(KernelParseError, match="more than 63 rows"):
        kernels.parse("\n".join(["1"] * 64))
    with pytest.raises(KernelParseError, match="row 1 has more than 63 values; at most 63 columns"):
        kernels.parse(" ".join(["1"] * 64))
    with pytest.raises(KernelParseError, match="row 2 has more than 63 values"):
        kernels.parse("1\n" + " ".join(["1"] * 64))
    with pytest.raises(KernelParseError, match="more than 2 rows"):
        kernels.parse("1 1\n1 1\n1 1", max_size=2)
    with pytest.raises(FiltersError, match="max_size"):
        kernels.parse("1", max_size=0)


finite_kernels = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=7),
    elements=st.floats(
        -kernels.MAX_ABS_VALUE, kernels.MAX_ABS_VALUE, allow_nan=False, allow_infinity=False
    ),
)


@FAST
@given(finite_kernels)
def test_to_text_round_trips_exactly_with_repr_precision(kernel):
    text = kernels.to_text(kernel, precision=None)
    np.testing.assert_array_equal(kernels.parse(text), kernel)


@FAST
@given(finite_kernels)
def test_to_text_round_trips_within_printed_precision(kernel):
    text = kernels.to_text(kernel)
    assert len(text.splitlines()) == kernel.shape[0]
    np.testing.assert_allclose(kernels.parse(text), kernel, rtol=5e-6, atol=0)
    wrapped = kernels.parse("[" + text + "] / 4")
    np.testing.assert_allclose(wrapped, kernel / 4, rtol=5e-6, atol=0)


def test_to_text_layout():
    text = kernels.to_text(np.array([[-0.0, 1.5], [10.0, -2.0]]))
    assert text == "  0 1.5\n 10  -2"
    assert kernels.to_text([[1 / 3]], precision=3) == "0.333"
    with pytest.raises(FiltersError, match="precision"):
        kernels.to_text([[1.0]], precision=0)


# --------------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------------

small_kernels = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=9),
    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)


@FAST
@given(small_kernels)
def test_symmetric_and_antisymmetric_parts_split_the_kernel(kernel):
    symmetric = kernels.symmetric_part(kernel)
    antisymmetric = kernels.antisymmetric_part(kernel)
    np.testing.assert_allclose(symmetric + antisymmetric, kernel, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(kernels.flip(symmetric), symmetric)
    np.testing.assert_array_equal(kernels.flip(antisymmetric), -antisymmetric)
    assert kernels.is_symmetric(symmetric)
    assert 0.0 <= kernels.asymmetry(kernel) <= 1.0


def test_flip_rotates_by_180_degrees_and_copies():
    kernel = np.arange(6.0).reshape(2, 3)
    flipped = kernels.flip(kernel)
    np.testing.assert_array_equal(flipped, [[5, 4, 3], [2, 1, 0]])
    flipped[0, 0] = -1
    assert kernel[1, 2] == 5


def test_is_symmetric_and_asymmetry_on_known_kernels():
    assert kernels.is_symmetric(GAUSSIAN_273)
    assert kernels.asymmetry(GAUSSIAN_273) == 0.0
    assert not kernels.is_symmetric(kernels.make("sobel_x"))
    assert kernels.asymmetry(kernels.make("sobel_x")) == 1.0
    assert kernels.asymmetry(np.zeros((3, 3))) == 0.0
    assert kernels.is_symmetric(np.zeros((2, 4)))
    assert kernels.asymmetry(kernels.make("shift", dx=1, dy=0)) == pytest.approx(0.5)


def test_is_symmetric_respects_tolerances():
    kernel = np.array([[1.0, 2.0, 1.0 + 1e-9]])
    assert not kernels.is_symmetric(kernel)
    assert kernels.is_symmetric(kernel, rtol=1e-8)
    assert kernels.is_symmetric(kernel, atol=1e-8)
    with pytest.raises(FiltersError, match="rtol"):
        kernels.is_symmetric(kernel, rtol=-1.0)


nonzero_vectors = hnp.arrays(
    np.float64,
    st.integers(1, 8),
    elements=st.floats(-10, 10, allow_nan=False, allow_infinity=False),
).filter(lambda vector: np.abs(vector).max() > 0.1)


@FAST
@given(nonzero_vectors, nonzero_vectors)
def test_separability_recovers_outer_products(column, row):
    kernel = np.outer(column, row)
    result = kernels.separability(kernel)
    assert result.rank == 1
    assert result.is_separable
    scale = np.abs(kernel).max()
    np.testing.assert_allclose(np.outer(result.column, result.row), kernel, atol=1e-12 * scale)
    assert result.column[np.argmax(np.abs(result.column))] > 0
    assert np.linalg.norm(result.column) == pytest.approx(np.linalg.norm(result.row))


@FAST
@given(nonzero_vectors, nonzero_vectors, nonzero_vectors, nonzero_vectors)
def test_separability_finds_rank_two_for_two_independent_terms(c1, r1, c2, r2):
    size = min(len(c1), len(c2)), min(len(r1), len(r2))
    c1, c2, r1, r2 = c1[: size[0]], c2[: size[0]], r1[: size[1]], r2[: size[1]]
    assume(min(size) >= 2)
    # Both pairs must be linearly independent (well conditioned), or the sum is rank 1.
    assume(np.linalg.cond(np.stack([c1, c2])) < 1e3 and np.linalg.cond(np.stack([r1, r2])) < 1e3)
    result = kernels.separability(np.outer(c1, r1) + np.outer(c2, r2))
    assert result.rank == 2
    assert not result.is_separable
    assert result.column is None and result.row is None


def test_separability_of_degenerate_shapes_and_zero():
    row_kernel = kernels.separability([[1.0, -2.0, 3.0]])
    assert row_kernel.is_separable and row_kernel.rank == 1
    np.testing.assert_allclose(np.outer(row_kernel.column, row_kernel.row), [[1, -2, 3]])
    column_kernel = kernels.separability([[1.0], [2.0]])
    assert column_kernel.is_separable and column_kernel.rank == 1
    zero = kernels.separability(np.zeros((3, 4)))
    assert zero.rank == 0 and zero.is_separable
    np.testing.assert_array_equal(zero.column, np.zeros(3))
    np.testing.assert_array_equal(zero.row, np.zeros(4))
    np.testing.assert_allclose(
        kernels.separability(kernels.make("sobel_x")).singular_values[1:], 0, atol=1e-12
    )


def test_separability_sign_convention_for_negative_kernels():
    result = kernels.separability(-np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0]))
    assert result.column[1] > 0
    np.testing.assert_allclose(
        np.outer(result.column, result.row), [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    )


def test_dc_gain_and_normalize():
    assert kernels.dc_gain(GAUSSIAN_273 * 273) == 273.0
    np.testing.assert_allclose(kernels.normalize(GAUSSIAN_273 * 273), GAUSSIAN_273)
    assert kernels.normalize([[2.0, -1.0]]).tolist() == [[2.0, -1.0]]


@pytest.mark.parametrize("name", ["sobel_x", "laplacian8", "log", "dog"])
def test_normalize_refuses_zero_sum_kernels(name):
    with pytest.raises(FiltersError, match="cannot be normalised to sum 1"):
        kernels.normalize(kernels.make(name))


def test_normalize_explains_exact_zero_sum():
    with pytest.raises(FiltersError, match="the kernel sums to 0, so it cannot be normalised"):
        kernels.normalize([[1.0, -1.0]])


@pytest.mark.parametrize(
    ("name", "params"),
    [("gaussian273", {}), ("laplacian8", {}), ("log", {}), ("motion", {"angle": 30.0})],
)
def test_frequency_response_of_symmetric_odd_kernel_is_real(name, params):
    kernel = kernels.make(name, **params)
    response = kernels.frequency_response(kernel, (32, 48))
    assert response.shape == (32, 48)
    assert np.abs(response.imag).max() <= 1e-12 * np.abs(response).max()


def test_frequency_response_of_antisymmetric_kernel_is_imaginary():
    response = kernels.frequency_response(kernels.make("sobel_x"))
    assert np.abs(response.real).max() <= 1e-12 * np.abs(response).max()


def test_frequency_response_at_dc_is_the_sum_and_box_is_low_pass():
    shape = (64, 64)
    gaussian = kernels.frequency_response(GAUSSIAN_273, shape)
    assert gaussian[32, 32] == pytest.approx(1.0)
    uncentred = kernels.frequency_response(GAUSSIAN_273, shape, centred=False)
    assert uncentred[0, 0] == pytest.approx(1.0)
    box = np.abs(kernels.frequency_response(kernels.make("box", size=3), shape))
    assert box[32, 32] == pytest.approx(1.0)
    assert box[32, 32] > box[0, 0] and box[32, 32] > box[32, 0]
    assert np.abs(box[0, 0]) == pytest.approx(1 / 9)


def test_frequency_response_matches_direct_dft_formula():
    kernel = np.array([[0.0, 1.0, 2.0, 0.5], [3.0, -1.0, 0.0, 4.0]])
    shape = (5, 6)
    rows = np.arange(2)[:, None, None, None] - 0
    cols = np.arange(4)[None, :, None, None] - 1
    u = np.arange(5)[None, None, :, None]
    v = np.arange(6)[None, None, None, :]
    phases = np.exp(-2j * np.pi * (u * rows / shape[0] + v * cols / shape[1]))
    expected = (kernel[:, :, None, None] * phases).sum(axis=(0, 1))
    np.testing.assert_allclose(
        kernels.frequency_response(kernel, shape, centred=False), expected, atol=1e-12
    )


def test_frequency_axes_match_the_centred_layout():
    vertical, horizontal = kernels.frequency_axes((4, 5))
    np.testing.assert_allclose(vertical, [-0.5, -0.25, 0.0, 0.25])
    np.testing.assert_allclose(horizontal, [-0.4, -0.2, 0.0, 0.2, 0.4])
    response = kernels.frequency_response(kernels.make("box"), (4, 5))
    assert np.argmax(np.abs(response)) == np.ravel_multi_index(
        (np.argmin(np.abs(vertical)), np.argmin(np.abs(horizontal))), (4, 5)
    )


def test_frequency_response_rejects_a_grid_smaller_than_the_kernel():
    with pytest.raises(FiltersError, match="smaller than the kernel"):
        kernels.frequency_response(np.ones((5, 5)), (4, 8))
    with pytest.raises(FiltersError, match="shape must be a pair"):
        kernels.frequency_response(np.ones((3, 3)), (8,))


def test_describe_reports_plain_values():
    summary = kernels.describe(kernels.make("emboss"))
    assert summary == {
        "shape": (3, 3),
        "sum": 1.0,
        "min": -2.0,
        "max": 2.0,
        "symmetric": False,
        "asymmetry": 1.0,
        "rank": 3,
        "separable": False,
    }
    box = kernels.describe(kernels.make("box", size=4))
    assert box["symmetric"] is True and box["separable"] is True and box["rank"] == 1
    assert type(box["shape"][0]) is int and type(box["sum"]) is float


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([1.0, 2.0], "weights must be a 2-D array"),
        (np.ones((2, 2, 2)), "weights must be a 2-D array, got 3-D"),
        (np.zeros((0, 3)), "weights must have at least one row and one column"),
        ([[1.0, np.nan]], r"weights contains NaN or infinity \(first at row 1, column 2\)"),
        ([[1.0], [np.inf]], r"weights contains NaN or infinity \(first at row 2, column 1\)"),
        (np.ones((64, 3)), "weights is 64×3; at most 63×63"),
        ([[1j, 2]], "weights must contain real numbers"),
        ([[True, False]], "weights must contain real numbers"),
        ([["a", "b"]], "weights must contain real numbers"),
        ([[1, 2], [3]], "weights must be a rectangular"),
    ],
)
def test_validate_kernel_names_the_argument(value, message):
    with pytest.raises(FiltersError, match=message):
        kernels.validate_kernel(value, name="weights")


def test_validate_kernel_returns_a_float64_copy_and_honours_max_size():
    original = np.array([[1, 2], [3, 4]], dtype=np.int32)
    result = kernels.validate_kernel(original)
    assert result.dtype == np.float64
    result[0, 0] = 10
    assert original[0, 0] == 1
    assert kernels.validate_kernel(np.ones((70, 2)), max_size=None).shape == (70, 2)
    with pytest.raises(FiltersError, match="kernel is 3×3; at most 2×2"):
        kernels.validate_kernel(np.ones((3, 3)), max_size=2)


def test_parts_of_kernels_near_the_float_limit_do_not_overflow():
    kernel = np.array([[1e308, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, -1e308]])
    symmetric = kernels.symmetric_part(kernel)
    antisymmetric = kernels.antisymmetric_part(kernel)
    assert np.all(np.isfinite(symmetric)) and np.all(np.isfinite(antisymmetric))
    np.testing.assert_array_equal(antisymmetric[0, 0], 1e308)
    np.testing.assert_array_equal(symmetric[0, 0], 0.0)
    np.testing.assert_array_equal(symmetric + antisymmetric, kernel)
