"""Every page works offline: nothing is asked of any host but the app's.

A classroom may have no internet. Each page is opened in Chromium with every
request to another host refused and recorded (``tests.browser.new_offline_context``);
no page may attempt one, and the page icon must come from the app itself.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import (
    REPO,
    UI_TIMEOUT_MS,
    assert_offline,
    chromium,
    new_offline_context,
    outside_requests,
    serve_for_tests,
    wait_idle,
)

pytestmark = pytest.mark.browser

#: Address path and navigation label of every page.
PAGES = [
    ("", "Compare"),
    ("fourier", "Fourier domain"),
    ("algebra", "Algebra"),
    ("cnn", "CNN"),
    ("layers", "CNN layers"),
    ("step", "Step through"),
    ("slide", "Slide"),
    ("onedim", "One dimension"),
    ("predict", "Predict"),
    ("performance", "Performance"),
    ("questions", "Questions"),
]
ICON = 'link[rel~="icon"]'
#: Time for requests a page makes after its run (the icon, lazily loaded code).
SETTLE_MS = 1500


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    yield from serve_for_tests("app.py", "offline_server.log")


@pytest.fixture(scope="module")
def browser(app_url: str) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture()
def context(browser: Any) -> Iterator[Any]:
    context = new_offline_context(browser, viewport={"width": 1280, "height": 720})
    try:
        yield context
    finally:
        context.close()


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _open(page: Any, url: str) -> None:
    page.goto(url)
    wait_idle(page, page.get_by_text("Options"))
    page.wait_for_timeout(SETTLE_MS)


@pytest.mark.parametrize(("path", "label"), PAGES, ids=[label for _, label in PAGES])
def test_a_page_asks_nothing_of_other_hosts(
    context: Any, app_url: str, path: str, label: str
) -> None:
    page = context.new_page()
    _open(page, f"{app_url}/{path}")
    assert page.get_by_role("link", name=label).count() >= 1
    assert_offline(context)


def test_the_navigation_through_every_page_stays_offline(context: Any, app_url: str) -> None:
    page = context.new_page()
    _open(page, app_url)
    for _, label in [*PAGES[1:], PAGES[0]]:
        page.get_by_role("link", name=label).first.click()
        wait_idle(page, page.get_by_text("Options"))
    page.wait_for_timeout(SETTLE_MS)
    assert_offline(context)


def test_the_page_icon_is_served_by_the_app(context: Any, app_url: str) -> None:
    page = context.new_page()
    _open(page, app_url)
    icon = page.locator(ICON).first
    expect(icon).to_have_attribute("href", re.compile("^" + re.escape(app_url) + "/"))
    href = icon.get_attribute("href")
    with urllib.request.urlopen(href, timeout=UI_TIMEOUT_MS / 1000) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/png"
        served = response.read()
    assert served == (REPO / "assets" / "icon.png").read_bytes()
    assert_offline(context)


def test_a_request_to_another_host_is_refused_and_recorded(context: Any, app_url: str) -> None:
    """The guard itself: an outside fetch fails in the page and is listed."""
    page = context.new_page()
    page.goto(f"{app_url}/_stcore/health")
    failed = page.evaluate(
        """() => fetch("https://example.com/font.woff2").then(() => false, () => true)"""
    )
    assert failed
    assert outside_requests(context) == ["fetch https://example.com/font.woff2"]
    with pytest.raises(AssertionError, match=r"example\.com"):
        assert_offline(context)
