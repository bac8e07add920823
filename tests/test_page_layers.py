"""The CNN layers page: AppTest for what it shows, one real-browser visit.

The page prints each output side's formula with its numbers and result, and
the chosen output cell as a sum of one term per input channel. The tests read
those numbers back and recompute them here with ``filters.cnn`` on the same
seeded example arrays.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from filters import cnn
from ui import layer_figures
from ui.layer_figures import LayerSettings

APP = str(Path(__file__).resolve().parents[1] / "app.py")
FIRST_RUN_TIMEOUT_MS = 120_000
SIZE_LINE = re.compile(r"(H|W)' &=.*= (-?\d+)\\end\{aligned\}", re.DOTALL)
TERMS = re.compile(r"y_\{(\d+)\}\[(\d+), (\d+)\] &= .*?\\\\&= (.*?) \\\\&= (\S+)\\end\{aligned\}")

DEFAULTS = dict(
    transposed=False,
    height=7,
    width=7,
    kernel_h=3,
    kernel_w=3,
    stride=2,
    padding=1,
    dilation=1,
    output_padding=0,
    in_channels=2,
    out_channels=2,
    groups=1,
    bias=True,
    seed=0,
)


def _layers_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/layers.py")
    at.run()
    _no_trouble(at)
    return at


def _no_trouble(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _shown_sides(at: AppTest) -> dict[str, int]:
    sides = {}
    for element in at.latex:
        match = SIZE_LINE.search(element.value)
        if match:
            sides[match.group(1)] = int(match.group(2))
    assert set(sides) == {"H", "W"}, [e.value for e in at.latex]
    return sides


def _number(text: str) -> float:
    return float(text.strip().strip("()"))


def _shown_sum(at: AppTest) -> dict:
    (match,) = [m for e in at.latex if (m := TERMS.search(e.value))]
    channel, row, col, numbers, value = match.groups()
    return dict(
        channel=int(channel),
        cell=(int(row), int(col)),
        numbers=[_number(n) for n in numbers.split(" + ")],
        value=_number(value),
    )


def _conv_side(h, k, s, p, d):
    return (h + 2 * p - d * (k - 1) - 1) // s + 1


def test_default_page_shows_the_formula_a_sum_and_code():
    at = _layers_page()
    assert at.title[0].value == "CNN layer arithmetic"
    assert _shown_sides(at) == {"H": 4, "W": 4}  # (7 + 2 - 2 - 1) // 2 + 1
    shown = _shown_sum(at)
    assert shown["channel"] == 0 and shown["cell"] == (0, 0)
    assert len(shown["numbers"]) == 3  # two input channels and the bias
    assert sum(shown["numbers"]) == shown["value"]
    torch_code, filters_code = (code.value for code in at.code)
    assert "F.conv2d(x, w, b, stride=2, padding=1, dilation=1, groups=1)" in torch_code
    assert "torch.Size([1, 2, 4, 4])" in torch_code
    assert "conv2d(x, w, b, stride=2, padding=1, dilation=1, groups=1)" in filters_code
    assert "# (2, 4, 4)" in filters_code
    assert any("cross-correlation" in m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("stride", "padding", "dilation", "kernel", "size"),
    [(1, 0, 1, 3, 7), (1, 3, 3, 5, 9), (3, 1, 2, 5, 12)],
)
def test_stride_padding_and_dilation_change_the_shown_size_to_the_formulas(
    stride, padding, dilation, kernel, size
):
    at = _layers_page()
    at.slider(key="layers_stride").set_value(stride)
    at.select_slider(key="layers_padding").set_value(padding)
    at.slider(key="layers_dilation").set_value(dilation)
    at.slider(key="layers_kh").set_value(kernel)
    at.slider(key="layers_h").set_value(size).run()
    _no_trouble(at)
    expected_h = _conv_side(size, kernel, stride, padding, dilation)
    expected_w = _conv_side(7, 3, stride, padding, dilation)
    assert _shown_sides(at) == {"H": expected_h, "W": expected_w}
    assert any(f"× {expected_h} × {expected_w}." in c.value for c in at.caption)


def test_same_padding_keeps_the_size():
    at = _layers_page()
    at.slider(key="layers_stride").set_value(1)
    at.slider(key="layers_kw").set_value(4)
    at.slider(key="layers_dilation").set_value(3)
    at.select_slider(key="layers_padding").set_value("same").run()
    _no_trouble(at)
    assert _shown_sides(at) == {"H": 7, "W": 7}
    assert any("p_1 + p_2" in e.value and "4 + 5" in e.value for e in at.latex)


def _expected_layer(settings: LayerSettings):
    x, w, b = layer_figures.example_arrays(settings)
    layer = cnn.conv_transpose2d if settings.transposed else cnn.conv2d
    return layer(x, w, b, **settings.options()), b


@pytest.mark.parametrize("transposed", [False, True])
def test_the_shown_sum_for_a_chosen_cell_equals_the_layer(transposed):
    at = _layers_page()
    if transposed:
        at.radio(key="layers_kind").set_value("conv_transpose2d").run()
        at.slider(key="layers_output_padding").set_value(1)
    at.select_slider(key="layers_cin").set_value(6)
    at.select_slider(key="layers_cout").set_value(4).run()
    at.selectbox(key="layers_groups").set_value(2).run()
    at.selectbox(key="layers_out").set_value(3)
    at.number_input(key="layers_row").set_value(2)
    at.number_input(key="layers_col").set_value(1).run()
    _no_trouble(at)
    settings = LayerSettings(
        **DEFAULTS
        | dict(
            transposed=transposed,
            output_padding=1 if transposed else 0,
            in_channels=6,
            out_channels=4,
            groups=2,
        )
    )
    expected, bias = _expected_layer(settings)
    shown = _shown_sum(at)
    assert shown["channel"] == 3 and shown["cell"] == (2, 1)
    assert len(shown["numbers"]) == 6 // 2 + 1  # the group's three channels and the bias
    assert shown["numbers"][-1] == bias[3]
    assert shown["value"] == expected[3, 2, 1]
    assert sum(shown["numbers"]) == pytest.approx(shown["value"], abs=1e-9)
    # The figure outlines input channels of output channel 3's group only.
    assert at.selectbox(key="layers_in").options == ["3", "4", "5"]


def test_groups_offers_only_the_common_divisors():
    at = _layers_page()
    at.select_slider(key="layers_cin").set_value(4)
    at.select_slider(key="layers_cout").set_value(6).run()
    _no_trouble(at)
    assert at.selectbox(key="layers_groups").options == ["1", "2"]
    at.selectbox(key="layers_groups").set_value(2).run()
    at.select_slider(key="layers_cout").set_value(3).run()  # 2 no longer divides C_out
    _no_trouble(at)
    assert at.selectbox(key="layers_groups").value == 1


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"layers_padding": "same"}, ["same", "stride 1", "got stride 2"]),
        ({"layers_padding": 0, "layers_kh": 7, "layers_h": 3}, ["empty", "padding"]),
        (
            {"layers_kind": "conv_transpose2d", "layers_output_padding": 2},
            ["output\\_padding", "smaller than the stride or the dilation"],
        ),
        ({"layers_kind": "conv_transpose2d", "layers_padding": "same"}, ["conv2d only"]),
    ],
)
def test_an_inconsistent_combination_shows_a_clear_message(changes, words):
    at = _layers_page()
    for key, value in changes.items():
        widget = at.radio(key=key) if key == "layers_kind" else None
        if widget is None:
            widget = at.select_slider(key=key) if key == "layers_padding" else at.slider(key=key)
        widget.set_value(value).run()  # one at a time: a choice can enable the next widget
    assert not at.exception, [e.value for e in at.exception]
    (error,) = at.error
    for word in words:
        assert word in error.value
    # The rest of the page still works: the explanation and the link are there.
    assert any("cross-correlation" in m.value for m in at.markdown)


def test_the_current_image_in_grey_levels():
    at = _layers_page()
    at.radio(key="layers_source").set_value("image").run()
    _no_trouble(at)
    image = at.session_state["image"]
    x = layer_figures.grey_input(image, 7, 7, 2)
    assert x.shape == (2, 7, 7)
    assert x.min() == 0 and x.max() == layer_figures.GREY_LEVELS - 1
    settings = LayerSettings(**DEFAULTS)
    _, w, b = layer_figures.example_arrays(settings)
    expected = cnn.conv2d(x, w, b, **settings.options())
    assert _shown_sum(at)["value"] == expected[0, 0, 0]


def test_grey_input_keeps_any_shape():
    rng = np.random.default_rng(0)
    for shape in [(40, 90), (90, 40, 3), (5, 5)]:
        for height, width in [(3, 12), (12, 3), (7, 7)]:
            levels = layer_figures.grey_input(rng.random(shape), height, width, 1)
            assert levels.shape == (1, height, width)


# ----------------------------------------------------------------------------
# Real browser: the navigation link opens the page and the formula is drawn
# ----------------------------------------------------------------------------


@pytest.mark.browser
def test_navigation_link_opens_the_page_with_its_formula():
    browser_helpers = pytest.importorskip("tests.browser", reason="tests/browser.py is missing")
    reason = browser_helpers.missing_browser_reason()
    if reason:
        pytest.skip(f"browser test skipped: {reason}")
    wait_idle = browser_helpers.wait_idle
    with browser_helpers.StreamlitServer("app.py") as server, browser_helpers.chromium() as browser:
        context = browser_helpers.new_offline_context(
            browser, viewport={"width": 1280, "height": 720}
        )
        page = context.new_page()
        page.goto(server.url)
        link = page.get_by_role("link", name="CNN layers")
        # A fresh server loads its compiled filters on the first run: that can take a while.
        wait_idle(page, link, timeout_ms=FIRST_RUN_TIMEOUT_MS)
        link.click()
        wait_idle(page, page.get_by_role("heading", name="CNN layer arithmetic"))
        formulas = page.locator('annotation[encoding="application/x-tex"]')
        sources = [formulas.nth(i).text_content() for i in range(formulas.count())]
        assert any(r"H' &= \left\lfloor" in s and "= 4" in s for s in sources), sources
        assert page.locator('[data-testid="stPlotlyChart"]').count() == 1
        assert "Traceback" not in page.inner_text("body")
        browser_helpers.assert_offline(context)
        context.close()


def test_the_page_asks_for_an_output_size_and_scores_the_answer():
    from filters import exercises

    at = _layers_page()
    _no_trouble(at)
    assert "Predict the output size" in [s.value for s in at.subheader]
    question = exercises.output_size_question(
        int(at.number_input(key="layers_size_question_number").value)
    )
    at.number_input(key="layers_size_h_out").set_value(question.truth[0])
    at.number_input(key="layers_size_w_out").set_value(question.truth[1]).run()
    at.button(key="layers_size_check_size").click().run()
    _no_trouble(at)
    assert at.session_state["layers_size_score_right"] == 1
    assert any("The output is" in box.value for box in at.success)
