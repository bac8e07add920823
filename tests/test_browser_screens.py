"""The screens people see, in a real browser: results in view, presentation mode, phones, links.

At 1280×720 and 1600×1000 with the sidebar open, the input and the three results must be
on screen without scrolling, each at least 200 px wide, with the verdict. Presentation
mode (``mode=present``) closes the sidebar, uses 24 px type, shows the four pictures two
by two and answers the keyboard keys. On a 390×844 phone the sidebar starts closed, the
pictures stack at full width and nothing scrolls sideways. A link with an uploaded image
opens the same image in another browser. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.browser import (
    ARTIFACTS,
    UI_TIMEOUT_MS,
    assert_offline,
    chromium,
    new_offline_context,
    serve_for_tests,
    wait_idle,
)

pytestmark = pytest.mark.browser

DESKTOPS = [(1280, 720), (1600, 1000)]
PHONE = (390, 844)
VERDICT = '[data-testid="stMain"] [data-testid^="stAlertContent"], .wb-verdict'

#: The pictures of the Compare page's viewers, with their bounding boxes, read in the page.
_PICTURES_JS = """
(selectors) => {
  const boxes = [];
  for (const selector of selectors) {
    for (const host of document.querySelectorAll(selector + ' *')) {
      if (!host.shadowRoot) continue;
      for (const canvas of host.shadowRoot.querySelectorAll('canvas')) {
        const r = canvas.getBoundingClientRect();
        boxes.push({left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                    width: r.width, height: r.height, label: canvas.getAttribute('aria-label')});
      }
    }
  }
  return boxes;
}
"""


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    yield from serve_for_tests("app.py", "screens_server.log")


@pytest.fixture(scope="module")
def browser(app_url: str) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _open(browser: Any, url: str, size: tuple[int, int], **options: Any) -> Any:
    width, height = size
    phone = width < 500
    context = new_offline_context(
        browser,
        viewport={"width": width, "height": height},
        is_mobile=phone,
        has_touch=phone,
        **options,
    )
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    page.goto(url, wait_until="domcontentloaded")
    wait_idle(page, page.locator(".st-key-results"), page.locator(VERDICT))
    _wait_drawn(page, 4)
    return page


def _close(page: Any) -> None:
    """Close the page's browser context: it must not have asked anything of another host."""
    context = page.context
    context.close()
    assert_offline(context)


def _wait_drawn(page: Any, count: int) -> None:
    deadline = time.monotonic() + UI_TIMEOUT_MS / 1000
    while len(_pictures(page)) < count or min(b["height"] for b in _pictures(page)) < 20:
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {count} pictures drawn: {_pictures(page)}")
        time.sleep(0.2)
    time.sleep(0.5)


def _pictures(page: Any) -> list[dict]:
    return page.evaluate(_PICTURES_JS, [".st-key-input_view", ".st-key-results"])


def _in_view(box: dict, width: int, height: int) -> bool:
    return (
        box["left"] >= 0 and box["top"] >= 0 and box["right"] <= width and box["bottom"] <= height
    )


def _component_text(page: Any, selector: str) -> str:
    """The text a components-v2 element shows (it lives in a shadow root)."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector + ' *')]
             .filter((e) => e.shadowRoot)
             .map((e) => e.shadowRoot.textContent).join(' ')""",
        selector,
    )


def _sidebar_width(page: Any) -> float:
    box = page.locator('[data-testid="stSidebar"]').bounding_box()
    return 0.0 if box is None else box["width"] + min(0.0, box["x"])


def _no_sideways_scroll(page: Any) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("size", DESKTOPS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_four_pictures_and_the_verdict_are_in_view_with_the_sidebar_open(
    browser: Any, app_url: str, size: tuple[int, int]
) -> None:
    page = _open(browser, app_url, size)
    try:
        width, height = size
        assert _sidebar_width(page) > 200, "the sidebar should be open on a desktop"
        pictures = _pictures(page)
        assert [p["label"] for p in pictures][:1] == ["Input"] and len(pictures) == 4
        for picture in pictures:
            assert _in_view(picture, width, height), picture
            assert picture["width"] >= 200, picture
        verdict = page.locator(VERDICT).first.bounding_box()
        assert verdict is not None and verdict["y"] + verdict["height"] <= height
        assert _no_sideways_scroll(page)
        page.screenshot(path=str(ARTIFACTS / f"screen_compare_{width}x{height}.png"))
    finally:
        _close(page)


def test_presentation_mode_is_large_two_by_two_and_answers_the_keys(
    browser: Any, app_url: str
) -> None:
    width, height = 1280, 720
    page = _open(browser, f"{app_url}/?mode=present", (width, height))
    try:
        assert _sidebar_width(page) < 50, "presentation mode starts with the sidebar closed"
        verdict = page.locator(".wb-verdict")
        assert "symmetric" in verdict.inner_text()
        sizes = page.evaluate(
            """() => [...document.querySelectorAll(
                 '.wb-verdict, [data-testid="stMain"] button p')]
               .map((e) => parseFloat(getComputedStyle(e).fontSize))"""
        )
        assert min(sizes) >= 24, sizes
        pictures = _pictures(page)
        rows = sorted({round(p["top"]) for p in pictures})
        assert len(pictures) == 4 and len(rows) == 2, pictures
        assert all(_in_view(p, width, height) for p in pictures), pictures
        keys = _component_text(page, ".st-key-keyboard")
        for word in ("flip the kernel", "transpose the kernel", "Gaussian"):
            assert word in keys
        page.screenshot(path=str(ARTIFACTS / "screen_present_1280x720.png"))

        page.locator("body").press("ArrowRight")  # the next quick pick: Emboss
        wait_idle(page, verdict.filter(has_text="not symmetric"))
        page.locator("body").press("t")  # transpose: still not symmetric, another kernel
        page.locator("body").press("g")  # back to the Gaussian
        wait_idle(page, verdict.filter(has_text="The kernel is symmetric"))
        assert "mode=present" in page.url
    finally:
        _close(page)


def test_the_link_can_be_copied_and_scanned(browser: Any, app_url: str) -> None:
    page = _open(
        browser,
        f"{app_url}/?preset=emboss&mode=present",
        (1280, 720),
        permissions=["clipboard-read", "clipboard-write"],
    )
    try:
        share = page.locator(".st-key-share_link")
        share.get_by_role("button", name="Copy link").click()
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert "preset=emboss" in copied and "mode=present" in copied
        assert copied.startswith(app_url)
        qr = page.get_by_role("img", name=re.compile("Scan to open this state|", re.I))
        assert page.locator('[data-testid="stImage"] img').count() >= 1, qr
    finally:
        _close(page)


def test_a_phone_starts_with_the_sidebar_closed_and_stacks_the_pictures(
    browser: Any, app_url: str
) -> None:
    width = PHONE[0]
    page = _open(browser, app_url, PHONE)
    try:
        assert _sidebar_width(page) < 50
        assert _no_sideways_scroll(page)
        pictures = _pictures(page)
        for picture in pictures:
            assert picture["width"] >= width - 60, picture
        lefts = {round(p["left"]) for p in pictures}
        assert len(lefts) == 1, "one picture a row"
        truncated = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stMain"] button p, h1')]
               .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent)"""
        )
        assert truncated == []
        page.screenshot(path=str(ARTIFACTS / "screen_compare_phone_390x844.png"), full_page=False)
    finally:
        _close(page)


def _png(height: int, width: int) -> bytes:
    rng = np.random.default_rng(11)
    buffer = io.BytesIO()
    Image.fromarray((rng.random((height, width, 3)) * 255).astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_link_with_an_upload_opens_the_same_image_in_another_browser(
    browser: Any, app_url: str
) -> None:
    page = _open(browser, app_url, (1600, 1000))
    try:
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Upload", exact=True).click()
        uploader = sidebar.locator('[data-testid="stFileUploader"] input[type="file"]')
        uploader.wait_for(state="attached")
        wait_idle(page)
        uploader.set_input_files(
            files=[{"name": "mine.png", "mimeType": "image/png", "buffer": _png(48, 80)}]
        )
        wait_idle(page, sidebar.get_by_text("80×48 colour"))
        deadline = time.monotonic() + 30
        while "image=" not in page.url and time.monotonic() < deadline:
            time.sleep(0.2)
        link = page.url
        assert re.search(r"image=[0-9a-f]{24}", link), link
    finally:
        _close(page)
    other = _open(browser, link, (1600, 1000))
    try:
        sidebar = other.locator('[data-testid="stSidebar"]')
        assert "The image shared by the link" in sidebar.inner_text()
        assert "80×48 colour" in sidebar.inner_text()
        assert other.locator('[data-testid="stAlertContentWarning"]').count() == 0
    finally:
        _close(other)
