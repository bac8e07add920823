"""The kernel canvas in a real browser, plus its input validation.

The browser test starts ``tests/apps/canvas_demo.py`` with ``streamlit run`` on a free
port and drives it with Playwright and the system Chromium: it paints with the mouse,
switches to subtract mode, clears, and reads the sums the app prints from the returned
matrix. A screenshot goes to ``test-artifacts/kernel_canvas.png``.

Run it with ``.venv/bin/python -m pytest tests/test_kernel_canvas_browser.py -m browser``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tests.browser import ARTIFACTS, REPO, chromium, serve_for_tests
from ui.kernel_canvas import (
    MAX_ABS_VALUE,
    _parse_browser_state,
    _validated_kernel,
)

DEMO_APP = REPO / "tests" / "apps" / "canvas_demo.py"
UI_TIMEOUT_MS = 20_000


# --------------------------------------------------------------------------- validation


def test_kernel_validation_rejects_bad_kernels() -> None:
    with pytest.raises(ValueError, match="2-D"):
        _validated_kernel(np.zeros(3))
    with pytest.raises(ValueError, match="shape"):
        _validated_kernel(np.zeros((16, 3)))
    with pytest.raises(ValueError, match="shape"):
        _validated_kernel(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="finite"):
        _validated_kernel(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="within"):
        _validated_kernel(np.array([[2 * MAX_ABS_VALUE]]))
    with pytest.raises(ValueError):
        _validated_kernel([["a", "b"]])
    k = _validated_kernel([[1, -0.0], [3, 4]])
    assert k.dtype == np.float64 and k.shape == (2, 2)
    assert not np.signbit(k[0, 1])


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "text",
        [[1, 2], [3, 4]],
        {"values": [[1, 2], [3, 4]], "base": 7, "id": "x:1"},
        {"values": [[1, 2], [3, 4]], "base": "v"},
        {"values": [[1, 2], [3]], "base": "v", "id": "x:1"},
        {"values": [[1, 2]], "base": "v", "id": "x:1"},
        {"values": [[1, 2], [3, "4"]], "base": "v", "id": "x:1"},
        {"values": [[1, 2], [3, True]], "base": "v", "id": "x:1"},
        {"values": [[1, 2], [3, None]], "base": "v", "id": "x:1"},
        {"values": [[1, 2], [3, float("nan")]], "base": "v", "id": "x:1"},
        {"values": [[1, 2], [3, float("inf")]], "base": "v", "id": "x:1"},
        {"values": [[1, 2], [3, 10**400]], "base": "v", "id": "x:1"},
        {"values": [[1, 2], [3, [4]]], "base": "v", "id": "x:1"},
        {"values": [[1, 2], [3, 4]], "base": "v", "id": "x" * 65},
    ],
)
def test_browser_state_is_rejected_unless_well_formed(raw: Any) -> None:
    assert _parse_browser_state(raw, (2, 2)) is None


def test_browser_state_is_parsed_and_clamped() -> None:
    raw = {"values": [[1, -2.5], [1e9, -1e9]], "base": "v", "id": "x:1"}
    parsed = _parse_browser_state(raw, (2, 2))
    assert parsed is not None
    values, base, stroke = parsed
    assert values.dtype == np.float64
    np.testing.assert_array_equal(values, [[1, -2.5], [MAX_ABS_VALUE, -MAX_ABS_VALUE]])
    assert (base, stroke) == ("v", "x:1")


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """Serve the demo app with ``streamlit run``; the server is stopped afterwards."""
    yield from serve_for_tests(DEMO_APP, "canvas_demo_server.log")


@pytest.fixture()
def page(app_url: str) -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1000, "height": 1000})
        yield context.new_page()


def _centre_of(page: Any, row: int, col: int) -> tuple[float, float]:
    box = page.locator(f'[data-kc-cell="{row}-{col}"]').bounding_box()
    assert box is not None, f"cell {row},{col} is not displayed"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.browser
def test_paint_subtract_and_clear_in_browser(page: Any, app_url: str) -> None:
    from playwright.sync_api import expect

    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    def shows(text: str) -> None:
        expect(page.get_by_text(text, exact=True)).to_be_visible(timeout=UI_TIMEOUT_MS)

    page.goto(app_url, wait_until="domcontentloaded")
    cells = page.locator("[data-kc-cell]")
    expect(cells).to_have_count(25, timeout=30_000)
    shows("sum=0.0")
    shows("drawn=False")

    # Cells are square and large.
    box = cells.first.bounding_box()
    assert box is not None
    assert box["width"] >= 48 and abs(box["width"] - box["height"]) < 1

    # One stroke across the middle row, doubling back over a cell it already painted:
    # every cell changes once per stroke.
    start, middle, end = _centre_of(page, 2, 1), _centre_of(page, 2, 2), _centre_of(page, 2, 3)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*middle, steps=6)
    page.mouse.move(*end, steps=6)
    page.mouse.move(*middle, steps=6)
    page.mouse.up()
    shows("sum=3.0")
    shows("centre=1.0")
    shows("drawn=True")
    row = page.locator('[data-kc-cell^="2-"]')
    expect(row).to_have_text(["0", "1", "1", "1", "0"])
    expect(page.locator('[data-kc-cell="2-2"]')).to_have_attribute(
        "aria-label", "Row 3, column 3: 1"
    )

    # Subtract mode: one click takes the brush weight off one cell.
    page.locator('[data-kc="mode-sub"]').click()
    expect(page.locator('[data-kc="mode-sub"]')).to_have_attribute("aria-pressed", "true")
    page.locator('[data-kc-cell="2-2"]').click()
    shows("sum=2.0")
    shows("centre=0.0")

    # A negative cell, so that the screenshot shows both ends of the colour map.
    page.locator('[data-kc-cell="1-2"]').click()
    shows("sum=1.0")
    expect(page.locator('[data-kc-cell="1-2"]')).to_have_text("\u22121")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "kernel_canvas.png"), full_page=True)

    page.locator('[data-kc="clear"]').click()
    shows("sum=0.0")
    expect(cells).to_have_text(["0"] * 25)

    assert page_errors == []
