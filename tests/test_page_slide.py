"""The Slide page (AppTest): the player's one message follows the page's choices.

The player itself runs in the browser (tests/test_browser_slide.py); here the tests
read the JSON message the page sends it and recompute its numbers with ``filters``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import filters
from filters import kernels, slide
from filters.images import to_grey
from ui import slide_player

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PLAYER = "slide_player"


def _slide_page(query: dict[str, str] | None = None, *, clean: bool = True) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/slide.py")
    at.run()
    if clean:
        _no_trouble(at)
    return at


def _no_trouble(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _payload(at: AppTest) -> dict:
    found = [e.proto for e in at.get("bidi_component") if e.proto.id.endswith(f"-{PLAYER}")]
    assert len(found) == 1, [e.proto.id for e in at.get("bidi_component")]
    assert found[0].WhichOneof("data") == "json"
    return json.loads(found[0].json)


def _decode(text: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


def _assert_sums(payload: dict, plane: np.ndarray, kernel: np.ndarray, **options) -> None:
    for name, function in (("convolve", filters.convolve), ("correlate", filters.correlate)):
        expected = function(plane, kernel, **options)
        assert payload["output_shape"] == list(expected.shape)
        sums = _decode(payload[name]["sums"], "<f8")
        np.testing.assert_allclose(sums, expected.ravel(), rtol=1e-12, atol=1e-15)


def test_the_page_renders_the_player_for_the_letter_l():
    at = _slide_page()
    assert any("Slide the kernel" in t.value for t in at.title)
    payload = _payload(at)
    assert payload["image"] == [16, 16] and payload["kernel"] == [5, 5]
    assert (payload["boundary"], payload["output"]) == ("reflect", "same")
    plane = slide.pattern("letter_l", 16)
    _assert_sums(payload, plane, kernels.make("gaussian273"), boundary="reflect")
    assert payload["speeds"][0] == 0.5 and payload["speeds"][-1] == 20
    assert len(json.dumps(payload)) < 200_000
    # The Gaussian is symmetric: the page says the outputs match.
    assert any("symmetric under a 180° rotation, so" in m.value for m in at.markdown)


def test_changing_the_pattern_or_the_kernel_changes_the_message():
    at = _slide_page()
    first = _payload(at)
    at.selectbox(key="slide_pattern").set_value("impulse").run()
    _no_trouble(at)
    impulse = _payload(at)
    assert impulse["id"] != first["id"]
    assert impulse["pictures"]["input"] != first["pictures"]["input"]
    at.button(key="quick_Emboss").click().run()
    _no_trouble(at)
    emboss = _payload(at)
    assert emboss["id"] != impulse["id"] and emboss["kernel"] == [3, 3]
    kernel = kernels.make("emboss")
    _assert_sums(emboss, slide.pattern("impulse", 16), kernel, boundary="reflect")
    applied = _decode(emboss["convolve"]["applied"], "<f8").reshape(3, 3)
    np.testing.assert_array_equal(applied, kernel[::-1, ::-1])
    assert any("not symmetric under a 180° rotation" in m.value for m in at.markdown)


def test_size_and_image_sources_are_followed():
    at = _slide_page()
    at.slider(key="slide_size").set_value(24).run()
    _no_trouble(at)
    assert _payload(at)["image"] == [24, 24]
    image = at.session_state["image"]
    at.radio(key="slide_source").set_value("downscale").run()
    _no_trouble(at)
    payload = _payload(at)
    expected = slide.downscale(image, 24)
    assert payload["image"] == list(expected.shape)
    _assert_sums(payload, expected, kernels.make("gaussian273"), boundary="reflect")
    at.radio(key="slide_source").set_value("crop").run()
    at.slider(key="slide_across").set_value(0.0)
    at.slider(key="slide_down").set_value(1.0).run()
    _no_trouble(at)
    payload = _payload(at)
    grey = to_grey(image)
    _assert_sums(payload, grey[-24:, :24], kernels.make("gaussian273"), boundary="reflect")


def test_boundary_and_output_start_from_the_sidebar_and_can_be_changed_here():
    at = _slide_page({"boundary": "constant", "output": "full"})
    assert at.selectbox(key="slide_boundary").value == "constant"
    assert at.selectbox(key="slide_output").value == "full"
    assert _payload(at)["output_shape"] == [20, 20]
    at.selectbox(key="slide_output").set_value("valid").run()
    _no_trouble(at)
    payload = _payload(at)
    assert payload["output"] == "valid" and payload["output_shape"] == [12, 12]
    assert at.sidebar.selectbox(key="output").value == "full"  # the sidebar keeps its own
    at.sidebar.selectbox(key="boundary").set_value("wrap").run()
    _no_trouble(at)
    # The sidebar's new boundary reaches this page; the output chosen here stays.
    assert at.selectbox(key="slide_boundary").value == "wrap"
    assert at.selectbox(key="slide_output").value == "valid"
    plane, kernel = slide.pattern("letter_l", 16), kernels.make("gaussian273")
    _assert_sums(_payload(at), plane, kernel, boundary="wrap", output="valid")


def _kernel_query(side: int) -> str:
    return ";".join(",".join(str(i + j + 1) for j in range(side)) for i in range(side))


def test_a_valid_output_with_a_kernel_larger_than_the_input_shows_a_clear_message():
    at = _slide_page({"kernel": _kernel_query(9), "output": "valid"})
    assert _payload(at)["kernel"] == [9, 9]
    at.slider(key="slide_size").set_value(8).run()
    assert not at.exception
    (message,) = at.error
    assert "valid" in message.value and "9×9" in message.value and "8×8" in message.value
    assert not [e for e in at.get("bidi_component") if e.proto.id.endswith(f"-{PLAYER}")]
    at.selectbox(key="slide_output").set_value("same").run()
    _no_trouble(at)
    assert _payload(at)["image"] == [8, 8]


def test_a_kernel_too_large_to_show_its_numbers_is_refused_plainly():
    at = _slide_page({"kernel": _kernel_query(11)}, clean=False)
    assert not at.exception
    (message,) = at.error
    assert "at most 9×9" in message.value and "11×11" in message.value


@pytest.mark.parametrize("signed_display", ["diverging", "relief"])
def test_player_data_sends_pictures_of_the_right_sizes(signed_display: str):
    run = slide.slide(slide.pattern("edge", 10), kernels.make("sobel_x"), output="full")
    data = json.loads(json.dumps(slide_player.player_data(run, signed_display=signed_display)))
    rows, cols = data["extended"]["shape"]
    assert _decode(data["pictures"]["input"], "u1").size == rows * cols * 3
    for name in ("convolve", "correlate"):
        assert _decode(data["pictures"][name], "u1").size == 12 * 12 * 3
    assert len(data["display"]["lut"]) == 256 * 3
    assert data["display"]["products_limit"] == pytest.approx(
        np.abs(np.concatenate([run.convolve.products, run.correlate.products])).max()
    )
    assert "Output colours" in data["legend"]
