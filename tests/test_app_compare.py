"""The Compare page through ``streamlit.testing.v1.AppTest``: what a user sees and does.

Every test starts a fresh session of ``app.py`` (with its query parameters when
the test is about links), acts through the widgets, and checks what is shown:
messages, metrics, the kernel line, the image viewers' binary payloads (pixels
and hover values) and the kernel matrices' and timing bars' JSON.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from filters import convolve, kernels
from ui import compare_view, figures, state, widgets
from ui.image_viewer import read_payload

APP = Path(__file__).resolve().parents[1] / "app.py"
TIMEOUT = 60
COMPONENTS = [
    "differences",
    "input_view",
    "kernel_heatmaps",
    "keyboard",
    "results",
    "timing",
]
RESULT_TITLES = ["Convolution", "Correlation", "FFT"]
DEFAULT_IMAGE = "437×512 colour"  # Grace Hopper, 512×600, previewed at 512 px
SMALL = {"preview": "256"}  # 218×256: tests that need not the default size run faster


@pytest.fixture(scope="module")
def default_app() -> AppTest:
    """One session on the default screen, shared by tests that only look at it."""
    return open_app()


# ---------------------------------------------------------------------------- helpers


def open_app(**query: str) -> AppTest:
    """A new session with this link's query parameters, after its first run."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    return shown(at.run())


def open_small(**query: str) -> AppTest:
    """A new session on the default image previewed at 256 px: the same page, less work."""
    return open_app(**{**SMALL, **query})


def shown(at: AppTest) -> AppTest:
    """Check that the run ended without an uncaught exception; return it for chaining."""
    assert not at.exception, [e.value for e in at.exception]
    return at


def values(elements) -> list[str]:
    return [element.value for element in elements]


def open_exports(at: AppTest) -> AppTest:
    """Turn on the "Export" toggle: the downloads and the Python code are drawn."""
    return shown(at.toggle(key="export_open").set_value(True).run())


def nodes(node) -> Counter:
    """The blocks (by type) and elements (by type) under a node of the page's tree."""
    found: Counter = Counter()
    for child in getattr(node, "children", {}).values():
        found[("block" if isinstance(child, Block) else "element", child.type)] += 1
        found += nodes(child)
    return found


def kernel_line(at: AppTest) -> str:
    (line,) = [m.value for m in at.markdown if "DC gain" in m.value]
    return line


def button(at: AppTest, label: str):
    (found,) = [b for b in at.button if b.label == label and not (b.key or "").startswith("quick")]
    return found


def component_keys(at: AppTest) -> list[str]:
    """The user keys of the custom components shown, sorted (a repeated key shows twice)."""
    return sorted(element.proto.id.rsplit("-", 1)[-1] for element in at.get("bidi_component"))


def component(at: AppTest, key: str):
    """The one custom component (its ``BidiComponent`` proto) with this user key."""
    (found,) = [e.proto for e in at.get("bidi_component") if e.proto.id.endswith(f"-{key}")]
    return found


def viewer(at: AppTest, key: str) -> tuple[dict, list[tuple[np.ndarray, np.ndarray]]]:
    """An image viewer's header and, per panel, its display pixels and hover values."""
    proto = component(at, key)
    assert proto.WhichOneof("data") == "bytes"
    return read_payload(proto.bytes)


def panels(at: AppTest, key: str = "results") -> list[dict]:
    return viewer(at, key)[0]["panels"]


def pictures(at: AppTest, key: str = "results") -> list[np.ndarray]:
    """The display pixels of each panel of a viewer: uint8, height × width × channels."""
    return [pixels for pixels, _ in viewer(at, key)[1]]


def hover(at: AppTest, key: str = "results") -> list[np.ndarray]:
    """The float32 values of each panel of a viewer, as sent for the hover read-out."""
    return [values for _, values in viewer(at, key)[1]]


def light_figure(at: AppTest, key: str) -> dict:
    proto = component(at, key)
    assert proto.WhichOneof("data") == "json"
    return json.loads(proto.json)


def matrix(at: AppTest, name: str) -> np.ndarray:
    """One kernel matrix as shown, from its cells' exact values (6 significant digits)."""
    (found,) = [m for m in light_figure(at, "kernel_heatmaps")["matrices"] if m["name"] == name]
    exact = np.array([float(cell["exact"]) for cell in found["cells"]])
    return exact.reshape(found["rows"], found["cols"])


def assert_shown_kernel(at: AppTest, kernel: np.ndarray) -> None:
    """The matrices K and flip(K) show this kernel and its flip."""
    for name, expected in (("K", kernel), ("flip(K)", kernels.flip(kernel))):
        shown_matrix = matrix(at, name)
        assert shown_matrix.shape == expected.shape
        np.testing.assert_allclose(shown_matrix, expected, rtol=5e-6, atol=0)


def metric(at: AppTest, label: str, which: int) -> str:
    """The ``which``-th metric with this label: 0 for conv − corr, 1 for conv − FFT."""
    return [m.value for m in at.metric if m.label == label][which]


def max_difference(message: str) -> float:
    found = re.search(r"max \|difference\| = ([-+0-9.eE]+)", message)
    assert found, message
    return float(found.group(1).rstrip("."))


def sidebar_text(at: AppTest) -> str:
    return "\n".join(values(at.sidebar.text))


def open_tab(at: AppTest, label: str) -> AppTest:
    """Open a tab of the kernel editor: only the open tab's widgets are built."""
    at.session_state[widgets.KERNEL_TAB] = label
    return shown(at.run())


def apply_kernel_text(at: AppTest, text: str) -> AppTest:
    open_tab(at, "Text")
    (area,) = at.text_area
    area.set_value(text)
    return shown(button(at, "Use this kernel").click().run())


# ---------------------------------------------------------------------------- default screen


def test_the_default_screen_teaches_with_the_gaussian_273(default_app: AppTest) -> None:
    at = default_app
    assert values(at.error) == [] and values(at.warning) == []
    (verdict,) = values(at.success)
    assert "identical" in verdict
    assert max_difference(verdict) == 0
    assert at.selectbox(key="preset_name").value == "gaussian273"
    line = kernel_line(at)
    assert (
        "5×5" in line and "sum (DC gain) **1**" in line and "symmetric under 180°: **yes**" in line
    )
    assert DEFAULT_IMAGE in sidebar_text(at)
    assert component_keys(at) == COMPONENTS
    assert len(at.get("plotly_chart")) == 0
    assert dict(at.query_params) == {}


def test_the_results_viewers_show_four_linked_panels(default_app: AppTest) -> None:
    at = default_app
    inputs, results = viewer(at, "input_view")[0], viewer(at, "results")[0]
    assert [panel["title"] for panel in inputs["panels"]] == ["Input"]
    titles = [panel["title"] for panel in results["panels"]]
    assert len(titles) == 3
    for title, word in zip(titles, RESULT_TITLES, strict=True):
        assert title.startswith(word)
    every = inputs["panels"] + results["panels"]
    assert [(p["rows"], p["cols"], p["origin"]) for p in every] == [(512, 437, [0, 0])] * 4
    assert [p["channels"] for p in every] == [["R", "G", "B"]] * 4
    assert [p.shape for p in pictures(at, "input_view") + pictures(at)] == [(512, 437, 3)] * 4
    assert all(p.dtype == np.uint8 for p in pictures(at))
    conv, corr, _ = pictures(at)
    np.testing.assert_array_equal(conv, corr)  # symmetric kernel: conv == corr
    # One group: zoom, pan and the hover cursor are shared by all the pictures.
    assert inputs["group"] == results["group"] == viewer(at, "differences")[0]["group"]
    assert inputs["row"] == results["row"]


def test_the_hover_values_are_the_convolution_itself(default_app: AppTest) -> None:
    at = default_app
    image = at.session_state[state.IMAGE]
    assert image.shape == (512, 437, 3)
    (panel, *_), (values, corr_values, fft_values) = panels(at), hover(at)
    stride = panel["hover"]["stride"]
    assert stride >= 1 and values.dtype == np.float32
    # Every pixel up to the budget, then the smallest stride that keeps to about it.
    numbers = image.size
    assert (stride - 1) ** 2 * figures.HOVER_BUDGET < numbers <= stride**2 * figures.HOVER_BUDGET
    expected = convolve(image, kernels.make("gaussian273"))[::stride, ::stride]
    assert values.shape == expected.shape == (panel["hover"]["rows"], panel["hover"]["cols"], 3)
    np.testing.assert_allclose(values, expected.astype(np.float32), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(values, corr_values)  # symmetric kernel
    np.testing.assert_allclose(fft_values, values, rtol=0, atol=1e-6)
    (input_values,) = hover(at, "input_view")
    np.testing.assert_array_equal(input_values, image[::stride, ::stride].astype(np.float32))


def test_the_difference_viewer_shows_three_maps(default_app: AppTest) -> None:
    at = default_app
    header, parts = viewer(at, "differences")
    titles = [panel["title"] for panel in header["panels"]]
    assert titles == ["conv − corr", "predicted: 2·(I ∗ A)", "conv − FFT"]
    assert all(panel["picture"]["indexed"] for panel in header["panels"])
    for panel, (pixels, map_values) in zip(header["panels"], parts, strict=True):
        assert pixels.shape == (512, 437, 1)
        assert int(pixels.max()) < len(figures.DIVERGING_LUT)
        assert map_values.dtype == np.float32
        assert map_values.shape == (panel["hover"]["rows"], panel["hover"]["cols"], 3)
    conv_minus_corr = parts[0][1]
    assert not np.any(conv_minus_corr)  # symmetric kernel: no difference at all


def test_the_kernel_matrices_show_k_its_flip_and_its_parts(default_app: AppTest) -> None:
    at = default_app
    names = [m["name"] for m in light_figure(at, "kernel_heatmaps")["matrices"]]
    assert names == list(compare_view.kernel_parts(np.eye(2)))
    assert_shown_kernel(at, kernels.make("gaussian273"))
    np.testing.assert_array_equal(matrix(at, "A = (K − flip K)/2"), np.zeros((5, 5)))


def test_the_default_numbers_and_exports_are_shown(default_app: AppTest) -> None:
    at = open_exports(default_app)
    assert metric(at, "max |diff|", 0) == "0"
    assert metric(at, "PSNR", 0) == "∞"
    assert float(metric(at, "max |diff|", 1)) < 1e-12
    _portable, code = values(at.code)  # NumPy/SciPy only, then with filters
    assert 'load_sample("grace_hopper")' in code and "convolve(image, kernel" in code
    assert {b.key for b in at.get("download_button")} >= {
        "download_convolution_png",
        "download_convolution_npy",
        "download_kernel_csv",
    }
    bars = light_figure(at, "timing")["bars"]
    assert [bar["label"] for bar in bars] == ["convolution", "correlation", "fft"]
    assert all(bar["value"] >= 0 and bar["text"].endswith(" ms") for bar in bars)


# ---------------------------------------------------------------------------- quick picks


@pytest.mark.parametrize("pick", ["Emboss", "Shifted impulse"])
def test_an_asymmetric_quick_pick_flips_the_verdict(pick: str) -> None:
    at = open_small()
    shown(at.button(key=f"quick_{pick}").click().run())
    assert "218×256 colour" in sidebar_text(at)  # the rerun keeps the app's frame
    assert values(at.success) == []
    verdict = next(w for w in values(at.warning) if "differ" in w)
    assert max_difference(verdict) > 0
    assert any("conv − corr = 2·(I ∗ A) matches" in line for line in values(at.info))
    assert float(metric(at, "max |diff|", 0)) > 0
    assert "symmetric under 180°: **no**" in kernel_line(at)
    conv, corr, _ = pictures(at)
    assert not np.array_equal(conv, corr)
    conv_values, corr_values, _ = hover(at)
    assert not np.array_equal(conv_values, corr_values)
    assert "preset" in at.query_params


def test_the_gaussian_quick_pick_goes_back_to_identical() -> None:
    at = open_small(preset="emboss")
    shown(at.button(key="quick_Gaussian /273").click().run())
    assert "identical" in values(at.success)[0]
    assert dict(at.query_params) == SMALL


# ---------------------------------------------------------------------------- text tab


@pytest.mark.parametrize(
    "text, where",
    [("1 2; 3", "row 2"), ("1 x 3", "row 1, column 2")],
)
def test_bad_kernel_text_shows_the_parsers_message_and_keeps_the_results(
    text: str, where: str
) -> None:
    at = open_small()
    apply_kernel_text(at, text)
    (error,) = values(at.error)
    assert where in error
    assert "identical" in values(at.success)[0]  # still the Gaussian, still computed
    assert "5×5" in kernel_line(at)
    assert component_keys(at) == COMPONENTS


def test_kernel_values_beyond_the_bound_are_refused_plainly() -> None:
    at = open_small()
    apply_kernel_text(at, "1e308 0 0; 0 0 0; 0 0 -1e308")
    (error,) = values(at.error)
    assert "within ±1e+06" in error and "1e+308" in error
    assert "identical" in values(at.success)[0]  # still the Gaussian
    assert "5×5" in kernel_line(at)
    assert at.exception == []


def test_good_kernel_text_is_applied() -> None:
    at = open_small()
    apply_kernel_text(at, "0 0 0; 0 0 1; 0 0 0")
    assert values(at.error) == []
    assert any("differ" in w for w in values(at.warning))
    assert "3×3" in kernel_line(at)
    assert at.query_params["kernel"] == "0,0,0;0,0,1;0,0,0"


def test_resizing_the_grid_pads_the_kernel() -> None:
    at = open_tab(open_small(), "Grid")
    shown(at.number_input(key="grid_rows_0").set_value(7).run())
    assert values(at.error) == []
    assert "7×5" in kernel_line(at)
    assert matrix(at, "K").shape == (7, 5)


# ---------------------------------------------------------------------------- links


SHARED = {
    "preset": "shift",
    "dx": "2",
    "dy": "-1",
    "boundary": "wrap",
    "output": "full",
    "sample": "astronaut",
}


def test_a_shared_link_sets_every_widget_and_stays_in_the_url() -> None:
    at = open_app(**SHARED)
    assert not any("Link ignored" in w for w in values(at.warning))
    assert any("differ" in w for w in values(at.warning))
    assert at.selectbox(key="boundary").value == "wrap"
    assert at.selectbox(key="output").value == "full"
    assert at.selectbox(key="sample_name").value == "astronaut"
    assert at.selectbox(key="preset_name").value == "shift"
    assert at.slider(key="param_shift_dx").value == 2
    assert at.slider(key="param_shift_dy").value == -1
    assert "Astronaut" in sidebar_text(at) and "512×512" in sidebar_text(at)
    assert "3×5" in kernel_line(at)
    assert dict(at.query_params) == SHARED
    assert pictures(at)[0].shape == (512 + 2, 512 + 4, 3)  # "full" with a 3×5 kernel


def test_the_url_written_by_the_app_reproduces_the_screen() -> None:
    first = open_small(**SHARED)
    shown(first.slider(key="param_shift_dx").set_value(-3).run())
    shown(first.selectbox(key="boundary").set_value("nearest").run())
    link = dict(first.query_params)
    assert link["dx"] == "-3" and link["boundary"] == "nearest"
    second = open_app(**link)
    assert not any("Link ignored" in w for w in values(second.warning))
    assert dict(second.query_params) == link
    assert kernel_line(second) == kernel_line(first)
    assert values(second.warning) == values(first.warning)
    assert [m.value for m in second.metric][:2] == [m.value for m in first.metric][:2]


def test_an_explicit_kernel_in_the_link_is_restored() -> None:
    at = open_small(kernel="1,2;3,4")
    assert "2×2" in kernel_line(at) and "sum (DC gain) **10**" in kernel_line(at)
    assert any("even side" in line for line in values(at.info))
    assert any("custom" in caption for caption in values(at.caption))
    assert at.query_params["kernel"] == "1,2;3,4"


HOSTILE = {
    "script boundary": ({"boundary": "<script>"}, "boundary", ("boundary", "reflect")),
    "unknown preset": ({"preset": "nope"}, "preset", ("preset_name", "gaussian273")),
    "NaN sigma": (
        {"sigma": "nan", "preset": "gaussian"},
        "sigma",
        ("param_gaussian_sigma", 1.0),
    ),
    "16×16 kernel": (
        {"kernel": ";".join([",".join(["1"] * 16)] * 16)},
        "kernel",
        ("preset_name", "gaussian273"),
    ),
    "ragged kernel": ({"kernel": "1,2;3"}, "kernel", ("preset_name", "gaussian273")),
    "10 kB value": ({"kernel": "1," * 5000}, "too long", ("preset_name", "gaussian273")),
    "huge preview": ({"preview": "99999"}, "preview", ("preview", 512)),
    "path as sample": (
        {"sample": "../../etc/passwd"},
        "sample",
        ("sample_name", "grace_hopper"),
    ),
    "too many parameters": (
        {f"p{i}": "1" for i in range(41)},
        "parameters",
        ("boundary", "reflect"),
    ),
}


@pytest.mark.parametrize("query, mentions, default", HOSTILE.values(), ids=list(HOSTILE))
def test_a_hostile_link_falls_back_with_a_warning(query, mentions, default) -> None:
    at = open_app(**query) if "preview" in query else open_small(**query)
    assert values(at.error) == []
    (warning,) = [w for w in values(at.warning) if "Link ignored" in w]
    assert mentions in warning
    key, expected = default
    widget = at.slider(key=key) if key.startswith("param_") else at.selectbox(key=key)
    assert widget.value == expected
    if "kernel" in query or "preset" in query:
        expected_size = "5×5"
        assert expected_size in kernel_line(at)
    assert component_keys(at) == COMPONENTS
    assert "identical" in values(at.success)[0]


def test_the_link_warning_is_shown_once() -> None:
    at = open_small(boundary="nope")
    assert any("Link ignored" in w for w in values(at.warning))
    shown(at.button(key="quick_Emboss").click().run())
    assert not any("Link ignored" in w for w in values(at.warning))


def test_text_from_a_link_is_shown_literally_not_as_markdown() -> None:
    at = open_small(boundary="[Log in](https://x.co)", sample="**bold**")
    warnings = [w for w in values(at.warning) if "Link ignored" in w]
    assert len(warnings) == 2
    assert not any("[Log in](https://x.co)" in w for w in warnings)  # would be a live link
    assert not any("'**bold**'" in w for w in warnings)


# ---------------------------------------------------------------------------- options


def test_output_size_changes_the_result_shape() -> None:
    at = open_small()
    (picture,) = pictures(at, "input_view")
    assert picture.shape == (256, 218, 3)
    assert [p.shape for p in pictures(at)] == [(256, 218, 3)] * 3
    assert [p["origin"] for p in panels(at)] == [[0, 0]] * 3
    shown(at.selectbox(key="output").set_value("full").run())
    assert [p.shape for p in pictures(at)] == [(260, 222, 3)] * 3
    assert [p["origin"] for p in panels(at)] == [[-2, -2]] * 3  # 2 pixels before the input
    shown(at.selectbox(key="output").set_value("valid").run())
    assert [p.shape for p in pictures(at)] == [(252, 214, 3)] * 3
    assert [p["origin"] for p in panels(at)] == [[2, 2]] * 3  # 2 pixels into it
    assert at.query_params["output"] == "valid"


def test_a_full_output_is_placed_around_the_input() -> None:
    at = open_small(preset="shift", dx="2", dy="-1", output="full")
    kernel = kernels.make("shift", dx=2, dy=-1)
    assert kernel.shape == (3, 5)
    assert_shown_kernel(at, kernel)
    (source,) = panels(at, "input_view")
    assert source["origin"] == [0, 0]
    origin = list(compare_view.output_origin(kernel.shape, "full"))
    assert origin == [-1, -2]
    for viewer_key in ("results", "differences"):
        for panel in panels(at, viewer_key):
            assert panel["origin"] == origin
            assert panel["rows"] == source["rows"] + kernel.shape[0] - 1
            assert panel["cols"] == source["cols"] + kernel.shape[1] - 1
            assert panel["picture"]["height"] == panel["rows"]
            assert panel["picture"]["width"] == panel["cols"]


def test_the_boundary_changes_only_the_edges_of_the_result() -> None:
    at = open_small(preset="emboss")
    reflect = pictures(at)[0]
    shown(at.selectbox(key="boundary").set_value("constant").run())
    constant = pictures(at)[0]
    assert not np.array_equal(reflect, constant)
    np.testing.assert_array_equal(reflect[2:-2, 2:-2], constant[2:-2, 2:-2])
    assert at.query_params["boundary"] == "constant"


def test_float32_makes_the_fft_difference_larger() -> None:
    at = open_small()
    float64 = float(metric(at, "max |diff|", 1))
    shown(at.radio(key="dtype").set_value("float32").run())
    float32 = float(metric(at, "max |diff|", 1))
    assert float64 < 1e-12 < 1e-9 < float32 < 1e-4
    assert at.query_params["dtype"] == "float32"


def test_float32_still_says_the_antisymmetric_prediction_holds() -> None:
    at = open_small(preset="emboss", dtype="float32")
    (line,) = [line for line in values(at.info) if "2·(I ∗ A)" in line]
    assert "does NOT match" not in line
    assert "matches" in line


def test_grey_makes_the_image_two_dimensional() -> None:
    at = open_small()
    assert "218×256 colour" in sidebar_text(at)
    shown(at.radio(key="colour").set_value("grey").run())
    assert "218×256 grey" in sidebar_text(at)
    assert [p.shape for p in pictures(at, "input_view") + pictures(at)] == [(256, 218, 1)] * 4
    assert [p["channels"] for p in panels(at, "input_view") + panels(at)] == [[""]] * 4
    assert at.query_params["colour"] == "grey"


# ---------------------------------------------------------------------------- kernel editing


def test_the_box_preset_and_its_size_slider() -> None:
    at = open_small()
    shown(at.selectbox(key="preset_name").set_value("box").run())
    assert "3×3" in kernel_line(at)
    shown(at.slider(key="param_box_size").set_value(7).run())
    assert "7×7" in kernel_line(at)
    assert at.slider(key="param_box_size").value == 7
    assert dict(at.query_params) == {**SMALL, "preset": "box", "size": "7"}
    assert "identical" in values(at.success)[0]


def test_normalising_a_zero_sum_kernel_warns_and_keeps_it() -> None:
    at = open_small(preset="sobel_x")
    shown(button(at, "Normalise").click().run())
    assert values(at.error) == []
    assert any("sums to 0" in w for w in values(at.warning))
    assert "sum (DC gain) **0**" in kernel_line(at)


def test_normalising_scales_the_kernel_to_sum_one() -> None:
    at = open_small(kernel="1,2;3,4")
    shown(button(at, "Normalise").click().run())
    assert "sum (DC gain) **1**" in kernel_line(at)
    assert "Normalised to sum 1." in values(at.info)
    assert at.query_params["kernel"] == "0.1,0.2;0.3,0.4"


def test_flip_turns_the_kernel_and_reset_restores_the_gaussian() -> None:
    at = open_small(preset="emboss")
    emboss = kernels.make("emboss")
    assert_shown_kernel(at, emboss)
    shown(button(at, "Flip 180°").click().run())
    assert_shown_kernel(at, kernels.flip(emboss))
    assert at.query_params["kernel"] == "2,1,0;1,1,-1;0,-1,-2"
    shown(button(at, "Reset").click().run())
    assert "5×5" in kernel_line(at)
    assert "identical" in values(at.success)[0]
    assert dict(at.query_params) == SMALL


# ---------------------------------------------------------------------------- uploads


def _png(height: int, width: int) -> bytes:
    pixels = (np.random.default_rng(3).random((height, width, 3)) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_uploaded_image_is_filtered_and_reproduced_as_itself() -> None:
    at = open_small()
    shown(at.radio(key="image_source").set_value("Upload").run())
    shown(at.file_uploader(key="upload").upload("mine.png", _png(40, 60), "image/png").run())
    assert values(at.error) == []
    assert "mine.png" in sidebar_text(at) and "60×40" in sidebar_text(at)
    assert [p.shape for p in pictures(at, "input_view") + pictures(at)] == [(40, 60, 3)] * 4
    _portable, code = values(open_exports(at).code)  # NumPy/SciPy only, then with filters
    assert "load_sample" not in code  # the snippet must not claim a sample was used


def test_a_bad_upload_shows_an_error_and_keeps_the_last_good_image() -> None:
    at = open_small()
    shown(at.radio(key="image_source").set_value("Upload").run())
    shown(at.file_uploader(key="upload").upload("bad.png", b"not an image", "image/png").run())
    (error,) = values(at.error)
    assert "not an image" in error
    assert "Showing the last good image." in values(at.sidebar.info)
    assert component_keys(at) == COMPONENTS


# ---------------------------------------------------------------------------- bytes per edit

#: Bytes of one viewer's message: its header only (titles, sizes, legends, file names).
MESSAGE_BOUND = 8_000
#: Bytes of the distinct pictures a kernel change on the default screen names: the
#: three results and three differences as PNG (the same picture twice is one file; the
#: old raw pixels and hover values took 2.4 MB).
PICTURES_BOUND = 1_000_000


def _files(at: AppTest, key: str, kind: str) -> dict[str, int]:
    return {entry[kind]["url"]: entry[kind]["bytes"] for entry in panels(at, key)}


@pytest.mark.parametrize("pick", ["Emboss", "Gaussian /273"])
def test_a_kernel_change_sends_a_small_message_naming_its_pictures(pick: str) -> None:
    at = open_app()
    if pick == "Gaussian /273":
        shown(at.button(key="quick_Emboss").click().run())
    before = {key: _files(at, key, "picture") for key in ("input_view", "results", "differences")}
    shown(at.button(key=f"quick_{pick}").click().run())
    pictures: dict[str, int] = {}
    for key in ("input_view", "results", "differences"):
        assert len(component(at, key).bytes) < MESSAGE_BOUND
        for entry in panels(at, key):
            # Pictures and values are files the browser fetches, not bytes of the message.
            assert "range" not in entry["picture"] and "range" not in entry["hover"]
        pictures.update(_files(at, key, "picture"))
    changed = {url: size for url, size in pictures.items() if url not in before["input_view"]}
    assert _files(at, "input_view", "picture") == before["input_view"]  # the input: unchanged
    assert 0 < sum(changed.values()) < PICTURES_BOUND
    # The values under the cursor are fetched on hover only; they are the convolution's.
    (first, *_), (values, *_) = panels(at), hover(at)
    stride = first["hover"]["stride"]
    expected = convolve(at.session_state[state.IMAGE], at.session_state[state.DEMO].kernel())
    np.testing.assert_allclose(values, expected[::stride, ::stride], rtol=1e-6, atol=1e-6)


def test_a_kernel_picked_again_names_the_same_files() -> None:
    # The browser keeps the pictures it fetched by name: a kernel seen before costs
    # a message of a few kilobytes and no picture.
    at = open_app()
    shown(at.button(key="quick_Emboss").click().run())
    first = {key: component(at, key).bytes for key in ("input_view", "results", "differences")}
    shown(at.button(key="quick_Gaussian /273").click().run())
    assert component(at, "results").bytes != first["results"]
    shown(at.button(key="quick_Emboss").click().run())
    for key, payload in first.items():
        assert component(at, key).bytes == payload


def test_a_symmetric_kernel_shows_one_picture_file_for_conv_and_corr(default_app: AppTest) -> None:
    conv, corr, _ = (entry["picture"]["url"] for entry in panels(default_app))
    assert conv == corr  # identical pixels, one file: fetched once


# ---------------------------------------------------------------------------- elements per edit

#: Blocks and elements of the page's main area after a kernel edit (the fragment sends
#: them all again each time; there were 113 before the exports waited for their toggle).
NODES_BOUND = 70


def test_a_kernel_edit_draws_few_elements_and_the_exports_only_when_asked() -> None:
    at = open_small()
    shown(at.button(key="quick_Emboss").click().run())
    drawn = nodes(at.main)
    assert sum(drawn.values()) <= NODES_BOUND, drawn
    assert not at.get("download_button") and not at.code
    assert any("reproduces them" in caption for caption in values(at.caption))
    # The quick picks and each row of numbers are one container: no column per button.
    assert drawn[("block", "column")] <= 8, drawn

    at = open_exports(at)
    assert {b.key for b in at.get("download_button")} == {
        f"download_{name}_{kind}"
        for name in ("convolution", "correlation", "fft", "conv_minus_corr")
        for kind in ("png", "npy")
    } | {"download_kernel_csv", "download_input_npy"}
    assert len(at.code) == 2
    # It stays open across kernel edits, with the new kernel in its code.
    shown(at.button(key="quick_Gaussian /273").click().run())
    assert "0.003663003663003663" in at.code[1].value


def _two_keys_at_once() -> None:
    import streamlit as st

    from ui import widgets

    widgets._apply_key("next next")
    st.write(widgets.demo().preset)
    widgets._apply_key("transpose gaussian")
    st.write(widgets.demo().preset)


def test_keys_pressed_together_apply_in_order():
    # The keyboard sends keys pressed within a moment of each other as one message.
    at = AppTest.from_function(_two_keys_at_once, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [m.value for m in at.markdown] == ["sobel_x", "gaussian273"]
