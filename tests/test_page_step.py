"""The Step-through page: AppTest for what it shows, one real-browser check of the click.

The page prints, for each operation, the sum of the products and the filtered
result at the chosen pixel. The tests read those numbers back from the page and
recompute them here with ``filters`` on the same working image.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import filters
from filters import kernels, stepthrough
from ui import figures

APP = str(Path(__file__).resolve().parents[1] / "app.py")
NUMBER = r"(-?[\d.]+(?: \\times 10\^\{-?\d+\})?)"
SUM_LINES = re.compile(
    r"products\} &= "
    + NUMBER
    + r" \\\\\(I (\*|\\star) K\)\[(\d+), (\d+)\] &= "
    + NUMBER
    + r" \\\\ \\text\{difference\} &= "
    + NUMBER
)


def _number(text: str) -> float:
    if "times" not in text:
        return float(text)
    mantissa, exponent = re.fullmatch(r"(-?[\d.]+) \\times 10\^\{(-?\d+)\}", text).groups()
    return float(mantissa) * 10.0 ** int(exponent)


def _step_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/step.py")
    at.run()
    _no_trouble(at)
    return at


def _no_trouble(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _shown(at: AppTest) -> dict[str, dict]:
    """Per operation: the shown sum, value, difference and pixel."""
    shown = {}
    for element in at.latex:
        match = SUM_LINES.search(element.value)
        if match:
            total, symbol, row, col, value, difference = match.groups()
            operation = "convolve" if symbol == "*" else "correlate"
            shown[operation] = dict(
                total=_number(total),
                value=_number(value),
                difference=_number(difference),
                pixel=(int(row), int(col)),
            )
    assert set(shown) == {"convolve", "correlate"}, [e.value for e in at.latex]
    return shown


def _expected(at: AppTest, kernel: np.ndarray, channel: str = "grey", **options) -> dict:
    plane = stepthrough.channel_plane(at.session_state["image"], channel)
    row, col = at.number_input(key="step_row").value, at.number_input(key="step_col").value
    return {
        "convolve": filters.convolve(plane, kernel, **options)[row, col],
        "correlate": filters.correlate(plane, kernel, **options)[row, col],
    }


def _assert_consistent(at: AppTest, kernel: np.ndarray, channel: str = "grey", **options):
    shown = _shown(at)
    expected = _expected(at, kernel, channel, **options)
    for operation, numbers in shown.items():
        assert numbers["total"] == numbers["value"]  # equal to the 10 digits printed
        assert abs(numbers["difference"]) <= 1e-12
        assert numbers["value"] == pytest.approx(expected[operation], rel=1e-9, abs=1e-12)
    return shown


def test_default_page_shows_a_sum_equal_to_the_result():
    at = _step_page()
    shown = _assert_consistent(at, kernels.make("gaussian273"), boundary="reflect")
    assert shown["convolve"]["pixel"] == (0, 2)
    # The Gaussian is symmetric under rotation: both operations give the same number.
    assert shown["convolve"]["total"] == shown["correlate"]["total"]
    assert len(at.success) == 2
    assert all("Sum of products = value of" in s.value for s in at.success)
    # Near the corner part of the window lies outside the image.
    (note,) = at.info
    assert "10 of 25 cells lie outside the image" in note.value
    assert "reflect" in note.value


def test_row_and_column_inputs_change_the_shown_sum():
    at = _step_page()
    before = _shown(at)
    at.number_input(key="step_row").set_value(300)
    at.number_input(key="step_col").set_value(200).run()
    _no_trouble(at)
    after = _assert_consistent(at, kernels.make("gaussian273"), boundary="reflect")
    assert after["convolve"]["pixel"] == (300, 200)
    assert after["convolve"]["total"] != before["convolve"]["total"]
    assert not at.info
    assert any("whole window lies inside" in c.value for c in at.caption)


def test_an_asymmetric_kernel_gives_two_different_sums_each_equal_to_its_result():
    at = _step_page()
    at.button(key="quick_Emboss").click().run()
    at.number_input(key="step_row").set_value(250).run()
    _no_trouble(at)
    shown = _assert_consistent(at, kernels.make("emboss"), boundary="reflect")
    assert shown["convolve"]["total"] != shown["correlate"]["total"]


def test_channel_and_boundary_and_output_are_followed():
    at = _step_page({"boundary": "constant", "output": "full"})
    at.selectbox(key="step_channel").set_value("red").run()
    _no_trouble(at)
    _assert_consistent(at, kernels.make("gaussian273"), "red", boundary="constant", output="full")
    at.button(key="step_corner").click().run()
    _no_trouble(at)
    shown = _assert_consistent(
        at, kernels.make("gaussian273"), "red", boundary="constant", output="full"
    )
    assert shown["convolve"]["pixel"] == (0, 0)
    (note,) = at.info
    assert "24 of 25 cells lie outside the image" in note.value
    assert "constant" in note.value


def test_switching_to_a_smaller_output_keeps_the_pixel_inside_it():
    at = _step_page({"output": "full"})
    rows_full = at.session_state["image"].shape[0] + 4
    at.number_input(key="step_row").set_value(rows_full - 1).run()
    _no_trouble(at)
    at.sidebar.selectbox(key="output").set_value("valid").run()
    _no_trouble(at)
    rows_valid = at.session_state["image"].shape[0] - 4
    assert at.number_input(key="step_row").value == rows_valid - 1
    _assert_consistent(at, kernels.make("gaussian273"), boundary="reflect", output="valid")


# ----------------------------------------------------------------------------
# Real browser: a click on a result picks the pixel
# ----------------------------------------------------------------------------


@pytest.mark.browser
def test_clicking_a_result_sets_row_and_column():
    browser_helpers = pytest.importorskip("tests.browser", reason="tests/browser.py is missing")
    StreamlitServer, chromium = browser_helpers.StreamlitServer, browser_helpers.chromium
    wait_idle = browser_helpers.wait_idle
    reason = browser_helpers.missing_browser_reason()
    if reason:
        pytest.skip(f"browser test skipped: {reason}")
    with StreamlitServer("app.py") as server, chromium() as browser:
        page = browser.new_page(viewport={"width": 1600, "height": 2200})
        page.goto(server.url)
        wait_idle(page, page.get_by_role("heading", name=re.compile("side by side")))
        page.get_by_role("link", name="Step through").click()
        wait_idle(page, page.get_by_text("Step through one pixel"))
        row_input = page.get_by_label(re.compile(r"^Row \(0–\d+\)$"))
        col_input = page.get_by_label(re.compile(r"^Column \(0–\d+\)$"))
        assert (row_input.input_value(), col_input.input_value()) == ("0", "2")
        picker = page.locator('[data-testid="stPlotlyChart"]').first
        box = picker.bounding_box()
        # The figure's middle column is the convolution panel, whose image fills the
        # height below the titles: aim at a quarter of the way down, halfway across.
        top = figures.top_margin()  # the figure's top margin: mode bar, panel titles
        x = box["x"] + box["width"] / 2
        y = box["y"] + top + (box["height"] - top - 4) / 4
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        page.wait_for_function(
            "() => [...document.querySelectorAll('input')].some("
            "i => i.getAttribute('aria-label')?.startsWith('Row (') && i.value !== '0')",
            timeout=60_000,
        )
        wait_idle(page)
        row, col = int(row_input.input_value()), int(col_input.input_value())
        # A 437×512 result: a quarter of the way down, halfway across, on the click grid.
        assert 90 < row < 170 and 180 < col < 260
        assert row % 3 == 0 and col % 3 == 0
        assert page.get_by_text(f"({row}, {col})").first.is_visible()
