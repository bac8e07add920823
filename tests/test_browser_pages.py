"""A real-browser visit of every page: each renders its heading and shows no error.

Every page is opened by its own address on a fresh server (the deep link must
go through the app's frame and show the shared sidebar), then again by
clicking its entry in the navigation. A screenshot of each page is saved in
``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import (
    ARTIFACTS,
    assert_offline,
    chromium,
    new_offline_context,
    serve_for_tests,
    wait_idle,
)

pytestmark = pytest.mark.browser

# Address path, navigation label, and a heading the page shows.
PAGES = [
    ("fourier", "Fourier domain", "Fourier"),
    ("algebra", "Algebra", "Algebra"),
    ("cnn", "CNN", "learned"),
    ("layers", "CNN layers", "CNN layer arithmetic"),
    ("step", "Step through", "Step"),
    ("slide", "Slide", "Slide the kernel"),
    ("onedim", "One dimension", "the flip is plain to see"),
    ("predict", "Predict", "Predict, then reveal"),
    ("performance", "Performance", "Performance"),
    ("questions", "Questions", "point of flipping"),
    ("", "Compare", "Convolution, correlation and the FFT, side by side"),
]


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    yield from serve_for_tests("app.py", "pages_server.log")


@pytest.fixture(scope="module")
def browser(app_url: str) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _assert_clean(page: Any, errors: list[str]) -> None:
    text = page.inner_text("body")
    assert "Traceback" not in text
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Something went wrong" not in text
    assert not errors, errors


@pytest.mark.parametrize(("path", "label", "heading"), PAGES)
def test_every_page_renders_by_its_address_and_from_the_navigation(
    browser: Any, app_url: str, path: str, label: str, heading: str
) -> None:
    context = new_offline_context(browser, viewport={"width": 1600, "height": 2000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{app_url}/{path}")
        wait_idle(page, page.get_by_text(heading), page.get_by_text("Options"))
        _assert_clean(page, errors)
        page.screenshot(path=str(ARTIFACTS / f"page_{path or 'compare'}.png"))

        # Away and back through the sidebar navigation.
        other = "Questions" if label != "Questions" else "Algebra"
        page.get_by_role("link", name=other).first.click()
        wait_idle(page, page.get_by_text("Options"))
        page.get_by_role("link", name=label).first.click()
        wait_idle(page, page.get_by_text(heading))
        _assert_clean(page, errors)
    finally:
        context.close()
    assert_offline(context)
