"""The shareable URL: ``ui.state.to_query`` and ``ui.state.from_query``.

Every demo the app can be in must come back from its own link unchanged, and
anything else a link may carry (typos, attacks, junk) must fall back to the
defaults with one plain warning per refused value, never an exception.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from filters import BOUNDARIES, OUTPUTS, kernels, samples
from ui import state
from ui.state import Demo, from_query, to_query

FAST = settings(max_examples=60, deadline=None)

OPTION_CHOICES = {
    "sample": tuple(samples.SAMPLES),
    "boundary": tuple(BOUNDARIES),
    "output": tuple(OUTPUTS),
    "backend": state.BACKENDS,
    "dtype": state.DTYPES,
    "colour": state.COLOURS,
    "display": state.DISPLAYS,
    "preview": state.PREVIEW_SIZES,
}
PARAM_NAMES = sorted({param.name for preset in kernels.PRESETS.values() for param in preset.params})
LONGEST_WARNING = 300  # characters: a sentence a person reads, whatever the link holds


# ---------------------------------------------------------------------------- strategies


def _param_value(param: kernels.Param) -> st.SearchStrategy[float]:
    if param.kind == "int":
        steps = int((param.max - param.min) // param.step)
        return st.integers(0, steps).map(lambda n: int(param.min + n * param.step))
    return st.floats(param.min, param.max, allow_nan=False, allow_infinity=False)


@st.composite
def preset_demos(draw) -> Demo:
    """A demo on any preset, with any subset of its parameters set to valid values."""
    preset = kernels.PRESETS[draw(st.sampled_from(sorted(kernels.PRESETS)))]
    params = {}
    for param in preset.params:
        if draw(st.booleans()):
            params[param.name] = draw(_param_value(param))
    options = {name: draw(st.sampled_from(choices)) for name, choices in OPTION_CHOICES.items()}
    return Demo(**options).with_preset(preset.name, params)


def kernel_arrays(elements: st.SearchStrategy[float]) -> st.SearchStrategy[np.ndarray]:
    shapes = st.tuples(st.integers(1, 15), st.integers(1, 15))
    return hnp.arrays(np.float64, shapes, elements=elements)


FINITE_URL_VALUES = st.floats(
    -state.MAX_URL_NUMBER, state.MAX_URL_NUMBER, allow_nan=False, allow_infinity=False
)
SHORT_URL_VALUES = st.integers(-999, 999).map(lambda n: n / 4)  # short decimals: 1.25, -3.5


# ---------------------------------------------------------------------------- defaults


def test_the_default_demo_makes_an_empty_query() -> None:
    assert to_query(Demo()) == {}


def test_an_empty_query_gives_the_default_demo_and_no_warning() -> None:
    assert from_query({}) == (Demo(), [])


def test_the_default_demo_is_the_gaussian_273_on_the_default_sample() -> None:
    demo = Demo()
    assert demo.sample == samples.DEFAULT_SAMPLE
    np.testing.assert_array_equal(demo.kernel(), kernels.make("gaussian273"))


def test_options_equal_to_their_defaults_are_left_out() -> None:
    demo = Demo(boundary="reflect", output="same", preview=state.DEFAULT_PREVIEW)
    assert to_query(demo) == {}
    assert to_query(Demo(boundary="wrap")) == {"boundary": "wrap"}


# ---------------------------------------------------------------------------- round trips


@FAST
@given(preset_demos())
def test_every_preset_with_valid_parameters_round_trips(demo: Demo) -> None:
    query = to_query(demo)
    assert all(isinstance(key, str) and isinstance(value, str) for key, value in query.items())
    restored, warnings = from_query(query)
    assert warnings == []
    assert restored == demo
    np.testing.assert_array_equal(restored.kernel(), demo.kernel())


def _on_grid(param: kernels.Param, value: float) -> float:
    """``value`` moved down onto the parameter's grid (whole steps from its minimum)."""
    if param.kind == "float":
        return float(value)
    return int(param.min + ((value - param.min) // param.step) * param.step)


@pytest.mark.parametrize("name", sorted(kernels.PRESETS))
def test_each_preset_at_its_parameter_bounds_round_trips(name: str) -> None:
    preset = kernels.PRESETS[name]
    for pick in ("min", "max", "default"):
        params = {p.name: _on_grid(p, getattr(p, pick)) for p in preset.params}
        demo = Demo().with_preset(name, params)
        assert from_query(to_query(demo)) == (demo, [])


@pytest.mark.parametrize("name", list(OPTION_CHOICES))
def test_every_option_value_round_trips(name: str) -> None:
    for value in OPTION_CHOICES[name]:
        demo = Demo(**{name: value})
        restored, warnings = from_query(to_query(demo))
        assert warnings == []
        assert getattr(restored, name) == value
        assert restored == demo


@FAST
@given(kernel_arrays(SHORT_URL_VALUES))
def test_explicit_kernels_with_short_values_round_trip(kernel: np.ndarray) -> None:
    demo = Demo(boundary="constant").with_kernel(kernel)
    query = to_query(demo)
    assert "kernel" in query and "preset" not in query
    restored, warnings = from_query(query)
    assert warnings == []
    assert restored.preset is None
    np.testing.assert_array_equal(restored.kernel(), kernel)


@FAST
@given(kernel_arrays(FINITE_URL_VALUES))
@example(kernels.make("random", size=15, seed=1))
@example(kernels.make("gaussian", size=15, sigma=3.0))
def test_explicit_kernels_up_to_15x15_round_trip_exactly(kernel: np.ndarray) -> None:
    """Any kernel a link may hold (up to 15×15, |value| <= 1e6) comes back bit for bit.

    A 15×15 Gaussian or random kernel written with full float precision is the
    kind a user gets from a preset followed by "Flip 180°" or "Normalise".
    """
    demo = Demo().with_kernel(kernel)
    restored, warnings = from_query(to_query(demo))
    assert warnings == []
    np.testing.assert_array_equal(restored.kernel(), kernel)


def test_a_link_is_never_written_that_its_reader_refuses() -> None:
    """Whatever ``to_query`` writes for an explicit kernel, ``from_query`` accepts."""
    for kernel in (np.array([[0.0, 2e6], [1.0, 0.0]]), np.full((3, 3), -1.5e7)):
        query = to_query(Demo().with_kernel(kernel))
        _, warnings = from_query(query)
        assert warnings == [], (query, warnings)


def test_kernels_larger_than_15x15_are_left_out_of_the_link() -> None:
    demo = Demo().with_kernel(np.ones((16, 3)))
    assert "kernel" not in to_query(demo)
    assert from_query(to_query(demo)) == (Demo(), [])


def test_an_explicit_kernel_wins_over_a_preset_in_the_same_link_and_says_so() -> None:
    demo, warnings = from_query({"preset": "emboss", "kernel": "1,2;3,4", "sigma": "2"})
    assert demo.preset is None
    np.testing.assert_array_equal(demo.kernel(), [[1, 2], [3, 4]])
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith("The link's preset='emboss' was ignored")
    assert warnings[1].startswith("The link's sigma='2' was ignored")
    assert all("explicit kernel values" in warning for warning in warnings)


def test_whole_number_parameters_read_as_ints() -> None:
    demo, warnings = from_query({"preset": "box", "size": "7.0"})
    assert warnings == []
    assert demo.params == {"size": 7} and isinstance(demo.params["size"], int)


# ---------------------------------------------------------------------------- hostile links


def _big_kernel_text(side: int) -> str:
    return ";".join(",".join("1" for _ in range(side)) for _ in range(side))


DEFAULT = Demo()
HOSTILE = {
    "script in boundary": ({"boundary": "<script>alert(1)</script>"}, DEFAULT, "boundary"),
    "unknown preset": ({"preset": "nope"}, DEFAULT, "preset"),
    "dunder preset": ({"preset": "__class__"}, DEFAULT, "preset"),
    "NaN sigma": (
        {"sigma": "nan", "preset": "gaussian"},
        DEFAULT.with_preset("gaussian", {}),
        "sigma",
    ),
    "inf sigma": (
        {"sigma": "inf", "preset": "gaussian"},
        DEFAULT.with_preset("gaussian", {}),
        "sigma",
    ),
    "-inf sigma": (
        {"sigma": "-inf", "preset": "gaussian"},
        DEFAULT.with_preset("gaussian", {}),
        "sigma",
    ),
    "huge dx": ({"dx": "1e300", "preset": "shift"}, DEFAULT.with_preset("shift", {}), "dx"),
    "non-numeric size": ({"size": "abc", "preset": "box"}, DEFAULT.with_preset("box", {}), "size"),
    "out-of-range sigma": (
        {"sigma": "20", "preset": "gaussian"},
        DEFAULT.with_preset("gaussian", {}),
        "sigma",
    ),
    "even size where odd is needed": (
        {"size": "4", "preset": "unsharp"},
        DEFAULT.with_preset("unsharp", {}),
        "size",
    ),
    "fractional int": ({"size": "3.5", "preset": "box"}, DEFAULT.with_preset("box", {}), "size"),
    "16x16 kernel": ({"kernel": _big_kernel_text(16)}, DEFAULT, "kernel"),
    "ragged kernel": ({"kernel": "1,2;3"}, DEFAULT, "kernel"),
    "empty kernel": ({"kernel": ""}, DEFAULT, "kernel"),
    "kernel with a word": ({"kernel": "1,2;3,rm -rf"}, DEFAULT, "kernel"),
    "kernel with NaN": ({"kernel": "1,nan"}, DEFAULT, "kernel"),
    "huge kernel value": ({"kernel": "1e300"}, DEFAULT, "kernel"),
    "10 kB value": ({"kernel": "1," * 5000}, DEFAULT, "kernel"),
    "10 kB boundary": ({"boundary": "x" * 10_000}, DEFAULT, "boundary"),
    "preview too large": ({"preview": "99999"}, DEFAULT, "preview"),
    "preview huge": ({"preview": "1e300"}, DEFAULT, "preview"),
    "preview text": ({"preview": "big"}, DEFAULT, "preview"),
    "path in sample": ({"sample": "../../etc/passwd"}, DEFAULT, "sample"),
    "unicode boundary": ({"boundary": "ｗｒａｐ"}, DEFAULT, "boundary"),
    "emoji preset": ({"preset": "😀"}, DEFAULT, "preset"),
    "NUL in output": ({"output": "same\x00"}, DEFAULT, "output"),
    "unknown dtype": ({"dtype": "float16"}, DEFAULT, "dtype"),
    "unknown backend": ({"backend": "tpu"}, DEFAULT, "backend"),
    "unknown colour": ({"colour": "sepia"}, DEFAULT, "colour"),
    "unknown display": ({"display": "log"}, DEFAULT, "display"),
}


@pytest.mark.parametrize("query, expected, field", HOSTILE.values(), ids=list(HOSTILE))
def test_a_bad_value_falls_back_to_the_default_with_one_warning(
    query: dict[str, str], expected: Demo, field: str
) -> None:
    demo, warnings = from_query(query)
    assert demo == expected
    assert len(warnings) == 1, warnings
    assert field in warnings[0]


@pytest.mark.parametrize("query, expected, field", HOSTILE.values(), ids=list(HOSTILE))
def test_warnings_stay_short_whatever_the_link_holds(
    query: dict[str, str], expected: Demo, field: str
) -> None:
    longest = {key: value * (3999 // max(len(value), 1)) for key, value in query.items()}
    for candidate in (query, longest):
        _, warnings = from_query(candidate)
        for warning in warnings:
            assert len(warning) <= LONGEST_WARNING, warning[:120] + "…"


def test_a_long_bad_kernel_token_is_not_echoed_in_full() -> None:
    _, warnings = from_query({"kernel": "1," + "x" * 3000})
    assert len(warnings) == 1
    assert len(warnings[0]) <= LONGEST_WARNING


def test_more_than_40_parameters_give_the_default_and_one_warning() -> None:
    query = {f"p{i}": "1" for i in range(state.MAX_URL_PARAMS + 1)}
    query["boundary"] = "wrap"  # even good values are ignored: the link is junk
    demo, warnings = from_query(query)
    assert demo == DEFAULT
    assert len(warnings) == 1 and "40" in warnings[0]


def test_exactly_40_parameters_are_read() -> None:
    query = {f"p{i}": "1" for i in range(state.MAX_URL_PARAMS - 1)}
    query["boundary"] = "wrap"
    demo, warnings = from_query(query)
    assert warnings == []
    assert demo.boundary == "wrap"


def test_several_bad_values_give_one_warning_each_and_keep_the_good_ones() -> None:
    query = {
        "boundary": "<b>",
        "output": "FULL",
        "preview": "7",
        "sample": "nope",
        "dtype": "wrap",
        "colour": "grey",
        "preset": "shift",
        "dx": "2",
        "dy": "x",
    }
    demo, warnings = from_query(query)
    assert len(warnings) == 6, warnings
    assert demo == Demo(colour="grey").with_preset("shift", {"dx": 2})


def test_very_long_keys_are_ignored_without_raising() -> None:
    long_key = "k" * 100_000
    demo, warnings = from_query({long_key: "1", "boundary": "wrap"})
    assert demo == Demo(boundary="wrap")
    assert warnings == []
    demo, warnings = from_query({long_key: "v" * 10_000})
    assert demo == DEFAULT
    assert len(warnings) == 1 and len(warnings[0]) <= LONGEST_WARNING


def test_a_value_at_the_length_limit_is_still_read() -> None:
    text = "1" + " " * (state.MAX_URL_VALUE_LENGTH - 2) + "2"
    assert len(text) == state.MAX_URL_VALUE_LENGTH
    demo, warnings = from_query({"kernel": text})
    assert warnings == []
    np.testing.assert_array_equal(demo.kernel(), [[1, 2]])


QUERY_KEYS = st.sampled_from([*OPTION_CHOICES, "preset", "kernel", *PARAM_NAMES]) | st.text(
    max_size=20
)
QUERY_VALUES = st.one_of(
    st.text(max_size=60),
    st.floats().map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from([*kernels.PRESETS, *BOUNDARIES, *OUTPUTS, "1,2;3,4", "[1 2; 3 4] / 0"]),
    st.text(max_size=5).map(lambda s: s * 2000),
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(QUERY_KEYS, QUERY_VALUES, max_size=45))
def test_any_query_gives_a_usable_demo_and_never_raises(query: dict[str, str]) -> None:
    demo, warnings = from_query(query)
    assert all(isinstance(warning, str) and warning for warning in warnings)
    assert demo.sample in samples.SAMPLES
    assert demo.boundary in BOUNDARIES and demo.output in OUTPUTS
    assert demo.backend in state.BACKENDS and demo.dtype in state.DTYPES
    assert demo.colour in state.COLOURS and demo.display in state.DISPLAYS
    assert demo.preview in state.PREVIEW_SIZES
    kernel = demo.kernel()
    assert kernel.ndim == 2 and np.isfinite(kernel).all()
    if demo.preset is None:
        assert max(kernel.shape) <= state.MAX_URL_KERNEL_SIDE
        assert np.abs(kernel).max() <= state.MAX_URL_NUMBER
    else:
        assert demo.preset in kernels.PRESETS
        assert all(math.isfinite(value) for value in demo.params.values())
    if len(query) > state.MAX_URL_PARAMS:
        assert demo == DEFAULT and len(warnings) == 1
    assert from_query(to_query(demo)) == (demo, [])


# ---------------------------------------------------------------------------- nothing silent

PREVIEW_SIZES_TEXT = "256, 384, 512, 768, 1024 or 0 (full resolution)"


@pytest.mark.parametrize("text", ["0.5", "512.9", "255.5", "-0.25"])
def test_a_fractional_preview_is_refused_and_named(text: str) -> None:
    demo, warnings = from_query({"preview": text})
    assert demo.preview == state.DEFAULT_PREVIEW
    assert warnings == [
        f"The link's preview={text!r} is not a whole number of pixels; "
        f"the sizes are {PREVIEW_SIZES_TEXT}. The default, 512 px, is used."
    ]


@pytest.mark.parametrize("text", ["7", "500", "-512", "2048"])
def test_a_whole_preview_that_is_not_a_size_lists_the_sizes(text: str) -> None:
    demo, warnings = from_query({"preview": text})
    assert demo.preview == state.DEFAULT_PREVIEW
    assert warnings == [
        f"The link's preview={text!r} is not one of the sizes {PREVIEW_SIZES_TEXT}; "
        "the default, 512 px, is used."
    ]


@pytest.mark.parametrize(
    "text, problem",
    [
        ("nan", "is not a finite number"),
        ("-inf", "is not a finite number"),
        ("1e308", "is out of range"),
        ("1e999", "is out of range"),  # a number, only too large for a float
        ("big", "is not a number"),
    ],
)
def test_a_preview_that_is_no_usable_number_says_why(text: str, problem: str) -> None:
    demo, warnings = from_query({"preview": text})
    assert demo.preview == state.DEFAULT_PREVIEW
    assert warnings == [
        f"The link's preview={text!r} {problem}; the sizes are {PREVIEW_SIZES_TEXT}. "
        "The default, 512 px, is used."
    ]


@pytest.mark.parametrize("text, size", [("512.0", 512), ("0", 0), ("0.0", 0), ("1e3", None)])
def test_a_preview_written_as_a_whole_float_is_read(text: str, size: int | None) -> None:
    demo, warnings = from_query({"preview": text})
    if size is None:  # 1000 is whole but not a size
        assert demo.preview == state.DEFAULT_PREVIEW and len(warnings) == 1
    else:
        assert (demo.preview, warnings) == (size, [])


@pytest.mark.parametrize(
    "preset, name, text, message",
    [
        ("box", "size", "1e308", "is out of range (1..31)."),
        ("box", "size", "1e999", "is out of range (1..31)."),
        ("box", "size", "-1e7", "is out of range (1..31)."),
        ("box", "size", "99", "is out of range (1..31)."),
        ("box", "size", "0", "is out of range (1..31)."),
        ("random", "size", "1", "is out of range (2..31)."),
        ("gaussian", "sigma", "20", "is out of range (0.1..10)."),
        ("gaussian", "sigma", "0.05", "is out of range (0.1..10)."),
        ("shift", "dx", "1e300", "is out of range (-7..7)."),
        ("gaussian", "sigma", "nan", "is not a finite number."),
        ("gaussian", "sigma", "inf", "is not a finite number."),
        ("gaussian", "sigma", "-Infinity", "is not a finite number."),
        ("box", "size", "abc", "is not a number."),
        ("box", "size", "3.5", "is not a whole number; the default size 3 is used."),
        ("shift", "dy", "0.25", "is not a whole number; the default dy 2 is used."),
        ("unsharp", "size", "4", "is not an odd number (1..31)."),
        ("gabor", "size", "8", "is not an odd number (3..31)."),
    ],
)
def test_each_refused_parameter_says_why_and_the_default_is_kept(
    preset: str, name: str, text: str, message: str
) -> None:
    demo, warnings = from_query({"preset": preset, name: text})
    assert demo == Demo().with_preset(preset, {})
    (warning,) = warnings
    assert warning.startswith(f"The link's {name}={text!r} {message.rstrip('.')}")
    assert warning.endswith(" is used."), warning


def test_a_refused_parameter_leaves_the_others_of_its_preset_in_use() -> None:
    demo, warnings = from_query({"preset": "gaussian", "size": "7", "sigma": "20"})
    assert demo == Demo().with_preset("gaussian", {"size": 7})
    assert warnings == [
        "The link's sigma='20' is out of range (0.1..10); the default sigma 1 is used."
    ]


@pytest.mark.parametrize(
    "query, message",
    [
        ({"preset": "box", "sigma": "2"}, "The link's sigma='2' was ignored: Box blur has no such"),
        ({"dx": "1"}, "The link's dx='1' was ignored: Gaussian 5×5 (/273) has no such"),
        ({"preset": "nope", "seed": "4"}, "The link's seed='4' was ignored: Gaussian 5×5"),
        (
            {"kernel": "1,2", "size": "3"},
            "The link's size='3' was ignored: the link gives explicit",
        ),
    ],
)
def test_a_parameter_the_kernel_does_not_use_is_named(query: dict[str, str], message: str) -> None:
    _, warnings = from_query(query)
    assert any(warning.startswith(message) for warning in warnings), warnings


GPU_REASON = "CuPy is not installed."


def test_a_gpu_link_where_no_gpu_is_usable_gets_the_cpu_and_says_why() -> None:
    query = {"backend": "gpu", "boundary": "wrap"}
    demo, warnings = from_query(query, gpu_usable=False, gpu_reason=GPU_REASON)
    assert demo == Demo(backend="cpu", boundary="wrap")
    assert warnings == [
        "The link asks for the GPU backend, but no GPU is usable here "
        "(CuPy is not installed); the CPU is used."
    ]


@pytest.mark.parametrize("gpu_usable", [True, None])
def test_a_gpu_link_keeps_the_gpu_where_it_is_usable_or_unknown(gpu_usable: bool | None) -> None:
    assert from_query({"backend": "gpu"}, gpu_usable=gpu_usable) == (Demo(backend="gpu"), [])


@pytest.mark.parametrize("backend", ["auto", "cpu"])
def test_other_backends_need_no_gpu(backend: str) -> None:
    demo, warnings = from_query({"backend": backend}, gpu_usable=False, gpu_reason=GPU_REASON)
    assert (demo.backend, warnings) == (backend, [])


LONG_VALUE = "<" + "x" * 500 + ">"


@pytest.mark.parametrize(
    "key", [*OPTION_CHOICES, "preset", "kernel", *PARAM_NAMES, "nan-" + "y" * 60]
)
def test_every_warning_quotes_at_most_about_40_characters_of_the_value(key: str) -> None:
    query = {"preset": "gabor", key: LONG_VALUE} if key in PARAM_NAMES else {key: LONG_VALUE}
    _, warnings = from_query(query)
    for warning in warnings:
        assert "x" * 41 not in warning, warning
        assert len(warning) <= LONGEST_WARNING, warning


# ------------------------------------------------------- property: nothing substituted silently

KNOWN_KEYS = (*OPTION_CHOICES, "preset", "kernel", *state.PARAMETER_NAMES)
NUMERIC_KEYS = {"preview", *state.PARAMETER_NAMES}


def _reproduced(key: str, value: str, demo: Demo) -> bool:
    """Whether ``to_query(demo)`` says the same as the link's ``key=value``."""
    written = to_query(demo)
    if key in written:
        shown = written[key]
    elif key in OPTION_CHOICES:  # left out because it is the default
        shown = str(getattr(Demo(), key))
    elif key == "preset" and demo.preset is not None:
        shown = demo.preset
    else:
        return False
    if key in NUMERIC_KEYS:
        try:
            return float(value) == float(shown)
        except ValueError:
            return False
    if key == "kernel":
        try:
            asked = kernels.parse(value, max_size=state.MAX_URL_KERNEL_SIDE)
        except ValueError:
            return False
        return asked.shape == demo.kernel().shape and np.array_equal(asked, demo.kernel())
    return value == shown


def _named(key: str, warnings: list[str]) -> bool:
    pattern = re.compile(rf"The link's '?{re.escape(key)}\b|the GPU {re.escape(key)}\b")
    return any(pattern.search(warning) for warning in warnings)


SHORT_STRINGS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            *kernels.PRESETS,
            *(value for choices in OPTION_CHOICES.values() for value in map(str, choices)),
            "gpu",
            "0.5",
            "512.9",
            "512.0",
            "1e308",
            "1e999",
            "nan",
            "-inf",
            "3.5",
            "4",
            "7",
            "7.0",
            "0.1",
            "-7",
            "20",
            "1,2;3,4",
            "[1 2; 3 4] / 2",
            "1e7,0",
            "",
        ]
    ),
    st.integers(-40, 2000).map(str),
    st.floats(-50, 50).map(lambda value: f"{value:.3g}"),
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from(KNOWN_KEYS) | st.text(max_size=8), SHORT_STRINGS, max_size=8),
    st.sampled_from([None, True, False]),
)
@example({"preview": "0.5"}, None)
@example({"preview": "512.9"}, None)
@example({"size": "1e308", "preset": "box"}, None)
@example({"backend": "gpu"}, False)
@example({"kernel": "1,2", "preset": "emboss", "sigma": "2"}, None)
def test_nothing_a_link_asks_for_is_substituted_silently(
    query: dict[str, str], gpu_usable: bool | None
) -> None:
    demo, warnings = from_query(query, gpu_usable=gpu_usable, gpu_reason=GPU_REASON)
    assert all(isinstance(warning, str) and warning for warning in warnings)
    for key, value in query.items():
        if key in KNOWN_KEYS and not _reproduced(key, value, demo):
            assert _named(key, warnings), (key, value, demo, warnings)
    assert from_query(to_query(demo), gpu_usable=gpu_usable) == (demo, [])


def _read_the_link_like_the_app() -> None:
    import streamlit as st

    from ui import state, widgets

    widgets.demo()
    for warning in st.session_state[state.URL_WARNINGS]:
        st.warning(warning)


def test_the_app_tells_a_gpu_link_that_it_runs_on_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from filters import backends

    monkeypatch.setenv(backends.FORCE_CPU_ENV, "1")
    at = AppTest.from_function(_read_the_link_like_the_app)
    at.query_params["backend"] = "gpu"
    at.run()
    assert not at.exception
    assert at.session_state[state.DEMO].backend == "cpu"
    (warning,) = [element.value for element in at.warning]
    assert warning.startswith("The link asks for the GPU backend, but no GPU is usable here (")
    assert backends.FORCE_CPU_ENV in warning and warning.endswith("; the CPU is used.")


# ---------------------------------------------------------------------------- image and mode


def test_an_uploaded_image_and_the_presentation_mode_round_trip_through_the_link():
    demo = Demo(image="0123456789abcdef01234567", mode="present")
    query = to_query(demo)
    assert query["image"] == "0123456789abcdef01234567" and query["mode"] == "present"
    assert from_query(query) == (demo, [])


@pytest.mark.parametrize("text", ["", "ABCDEF0123456789ABCDEF01", "0123", "x" * 24, "../a"])
def test_an_image_name_that_is_not_24_hex_digits_is_refused(text: str) -> None:
    demo, warnings = from_query({"image": text})
    assert demo.image is None
    (warning,) = warnings
    assert warning.startswith("The link's image=") and "the sample is shown" in warning


def test_an_unknown_mode_is_refused_with_a_warning():
    demo, (warning,) = from_query({"mode": "karaoke"})
    assert demo.mode == "workbench"
    assert "mode='karaoke'" in warning and "workbench, present" in warning
