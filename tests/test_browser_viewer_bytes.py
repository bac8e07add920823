"""What a kernel change on Compare costs the browser: small messages, pictures fetched once.

The image viewers name their pictures and hover values as media files by content:
the browser fetches a picture it does not hold yet, keeps it, and fetches the values
only once the pointer is over a picture. Run with
``.venv/bin/python -m pytest tests/test_browser_viewer_bytes.py -m browser``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from filters import convolve, kernels
from tests.browser import (
    UI_TIMEOUT_MS,
    assert_offline,
    chromium,
    new_offline_context,
    serve_for_tests,
    wait_idle,
)
from ui import compute, figures, state

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1600, "height": 2400}
PIXEL = re.compile(r"Pixel x (\d+), y (\d+)")


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    yield from serve_for_tests("app.py", "viewer_bytes_server.log")


@pytest.fixture()
def page(app_url: str) -> Iterator[Any]:
    with chromium() as browser:
        context = new_offline_context(browser, viewport=VIEWPORT)
        try:
            yield context.new_page()
        finally:
            context.close()
        assert_offline(context)


def _expect(locator: Any) -> Any:
    from playwright.sync_api import expect

    return expect(locator)


#: What the three viewers show now, in one pass: per viewer (key) the id of its message
#: (``data-iv-id``) and, per panel, the picture it names and the one it has painted.
_SHOWN = """(keys) => Object.fromEntries(keys.map((key) => {
  const found = [];
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.matches('[data-iv-id], [data-picture]')) found.push(el);
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  for (const host of document.querySelectorAll(`.st-key-${key}`)) visit(host);
  const root = found.find((el) => el.dataset.ivId);
  const panels = found.filter((el) => el.dataset.picture);
  return [key, {
    id: root ? root.dataset.ivId : null,
    panels: panels.map((p) => [p.dataset.picture, p.dataset.drawn || null]),
  }];
}))"""
_COUNTS = {"input_view": 1, "results": 3, "differences": 3}
#: True once every viewer has its panels, each painted with the picture it names, and
#: the viewers in ``changed`` show another message than the ids in it.
_ALL_DRAWN = f"""([counts, changed]) => {{
  const shown = ({_SHOWN})(Object.keys(counts));
  return Object.entries(counts).every(([key, count]) =>
    shown[key].panels.length === count &&
    shown[key].panels.every(([picture, drawn]) => picture === drawn) &&
    (!(key in changed) || shown[key].id !== changed[key]));
}}"""


def _shown(page: Any) -> dict[str, Any]:
    return page.evaluate(_SHOWN, list(_COUNTS))


def _drawn(page: Any, changed: dict[str, str] | None = None) -> None:
    """Every panel of the three viewers has painted its current picture.

    With ``changed`` (viewer key: message id), those viewers must first show another
    message: the run a click started has reached them, not only the verdict.
    """
    page.wait_for_function(_ALL_DRAWN, arg=[_COUNTS, changed or {}], timeout=UI_TIMEOUT_MS)


def _pick(page: Any, name: str, verdict: str) -> None:
    before = _shown(page)
    page.get_by_role("button", name=name, exact=True).click()
    box = page.locator('[data-testid^="stAlertContent"]').first
    wait_idle(page, box.filter(has_text=verdict))
    _drawn(page, {key: before[key]["id"] for key in ("results", "differences")})


def test_pictures_are_fetched_once_and_values_on_hover(page: Any, app_url: str) -> None:
    fetched: list[str] = []  # the viewers' fetches (Streamlit's own images are <img>s)

    def note(request: Any) -> None:
        if "/media/" in request.url and request.resource_type == "fetch":
            fetched.append(request.url)

    page.on("request", note)
    page.goto(app_url, wait_until="domcontentloaded")
    wait_idle(page, page.locator(".st-key-results"))
    _drawn(page)
    assert any(url.endswith(".png") for url in fetched)
    assert not any(url.endswith(".bin") for url in fetched)  # no values before a hover

    _pick(page, "Emboss", "differ")
    _pick(page, "Gaussian /273", "identical")
    seen = set(fetched)
    fetched.clear()
    _pick(page, "Emboss", "differ")  # seen before: drawn from the pictures the page holds
    assert [url for url in fetched if url.endswith(".png")] == []
    assert seen  # (the first visits did fetch)

    # The first hover fetches the values; they are the library's convolution.
    canvas = page.locator(".st-key-results canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=3)
    readout = page.locator(".st-key-results [data-iv='readout']")
    _expect(readout).to_contain_text(PIXEL, timeout=UI_TIMEOUT_MS)
    assert any(url.endswith(".bin") for url in fetched)
    x, y = (int(v) for v in PIXEL.search(readout.inner_text()).groups())
    text = page.locator(".st-key-results [data-iv-value]").first.inner_text()
    shown = [float(v) for v in re.findall(r"[-+]?\d*\.?\d+(?:e[-+]?\d+)?", text)]
    demo = state.Demo()
    original = compute.sample_original(demo.sample)
    image = compute.working_image(f"sample:{demo.sample}", original, "colour", demo.preview)
    values, stride = figures.hover_values(
        figures.Panel("", convolve(image, kernels.make("emboss")))
    )
    row = min(values.shape[0] - 1, int(np.floor(y / stride + 0.5)))
    col = min(values.shape[1] - 1, int(np.floor(x / stride + 0.5)))
    np.testing.assert_allclose(shown, values[row, col], rtol=1e-4, atol=1e-6)
