"""Accessibility in a real browser: axe-core on every page, pictures named, keyboard reach.

* axe-core (bundled by ``axe-playwright-python``) runs on every page at 1280×720; no
  serious or critical violation may remain. Each page's full axe result is saved in
  ``test-artifacts/axe_<page>.json``.
* Every picture the app draws (the image viewer's canvases, the kernel heatmaps,
  images) has a text alternative.
* The keyboard alone reaches the sidebar's widgets, the quick picks and the kernel
  editor's tabs on the Compare page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tests.browser import (
    ARTIFACTS,
    assert_offline,
    chromium,
    new_offline_context,
    serve_for_tests,
    wait_idle,
)
from ui import figures, light_figures

VIEWPORT = {"width": 1280, "height": 720}
PAGES = [
    ("", "compare"),
    ("fourier", "fourier"),
    ("algebra", "algebra"),
    ("cnn", "cnn"),
    ("layers", "layers"),
    ("step", "step"),
    ("slide", "slide"),
    ("onedim", "onedim"),
    ("predict", "predict"),
    ("performance", "performance"),
    ("questions", "questions"),
]
BLOCKING = ("serious", "critical")
#: KaTeX (in Streamlit's frontend) ends every row of an ``aligned`` formula with a 2 px
#: strut (``.vlist-s``), one that overflows Streamlit's ``.katex-display`` box, which
#: scrolls (``overflow-x: auto``): axe then sees a scrollable region with nothing
#: focusable. Nothing is hidden from anyone; only overflows this small are excused.
KATEX_STRUT_PX = 2

#: Every picture in the document and in the components' shadow roots, with its name.
#: Plotly's layers (named by the chart's own title and axis text) and the data grid's
#: canvas (backed by an accessible table) are not pictures of their own.
PICTURES_JS = r"""() => {
  const found = [];
  const named = (e) => (e.getAttribute("aria-label") || e.getAttribute("alt") || "").trim()
    || (e.getAttribute("aria-labelledby") ? "labelled" : "");
  const skip = (e) => e.closest(".js-plotly-plot, [data-testid='stDataFrame']")
    || e.closest("[aria-hidden='true']") || e.getAttribute("alt") === "";
  function visit(root) {
    for (const e of root.querySelectorAll("*")) {
      if (e.shadowRoot) visit(e.shadowRoot);
      const picture = ["IMG", "CANVAS"].includes(e.tagName) || e.getAttribute("role") === "img";
      if (!picture || skip(e)) continue;
      const box = e.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      found.push({tag: e.tagName, name: named(e), html: e.outerHTML.slice(0, 160)});
    }
  }
  visit(document);
  return found;
}"""

#: What has the keyboard focus, looking into the components' shadow roots.
FOCUSED_JS = r"""() => {
  let e = document.activeElement;
  while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
  if (!e || e === document.body) return null;
  const keyed = e.closest("[class*='st-key-']");
  return {
    tag: e.tagName,
    role: e.getAttribute("role") || "",
    text: (e.getAttribute("aria-label") || e.innerText || e.value || "").trim().slice(0, 60),
    key: keyed ? [...keyed.classList].find((c) => c.startsWith("st-key-")) : "",
    sidebar: Boolean(e.closest("[data-testid='stSidebar']")),
  };
}"""


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    yield from serve_for_tests("app.py", "a11y_server.log")


@pytest.fixture(scope="module")
def browser(app_url: str) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = new_offline_context(browser, viewport=VIEWPORT)
    try:
        yield context.new_page()
    finally:
        context.close()
    assert_offline(context)


def _open(page: Any, url: str) -> None:
    page.goto(url)
    wait_idle(page, page.get_by_text("Options"))
    page.wait_for_timeout(500)  # components draw after the run ends


def _katex_strut_only(page: Any, rule: str, target: str) -> bool:
    """Whether a violation is only KaTeX's strut overflowing a formula's box."""
    if rule != "scrollable-region-focusable" or not target.endswith(".katex-display"):
        return False
    overflow = page.evaluate(
        "(selector) => { const e = document.querySelector(selector);"
        " return e ? e.scrollWidth - e.clientWidth : null; }",
        target,
    )
    return overflow is not None and overflow <= KATEX_STRUT_PX


# --------------------------------------------------------------------------- axe


@pytest.mark.browser
@pytest.mark.parametrize(("path", "name"), PAGES, ids=[name for _, name in PAGES])
def test_axe_finds_no_serious_violation(page: Any, app_url: str, path: str, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    _open(page, f"{app_url}/{path}")
    results = Axe().run(page, options={"resultTypes": ["violations"]}).response
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe_{name}.json").write_text(json.dumps(results["violations"], indent=1))
    blocking = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {target}"
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
        for node in violation["nodes"]
        for target in [" ".join(map(str, node["target"]))]
        if not _katex_strut_only(page, violation["id"], target)
    ]
    assert not blocking, "\n".join(blocking)


# --------------------------------------------------------------------------- pictures


@pytest.mark.browser
@pytest.mark.parametrize(("path", "name"), PAGES, ids=[name for _, name in PAGES])
def test_every_picture_has_a_text_alternative(
    page: Any, app_url: str, path: str, name: str
) -> None:
    _open(page, f"{app_url}/{path}")
    pictures = page.evaluate(PICTURES_JS)
    unnamed = [picture["html"] for picture in pictures if not picture["name"]]
    assert not unnamed, "\n".join(unnamed)
    if name == "compare":
        names = {picture["name"] for picture in pictures}
        assert {"Input", "Convolution I ∗ K", "Correlation I ⋆ K"} <= names
        kernels = [n for n in names if n.startswith("K, 5×5: row 1: ")]
        assert kernels, names  # the kernel heatmap, read out row by row


# --------------------------------------------------------------------------- keyboard


@pytest.mark.browser
def test_the_keyboard_reaches_the_sidebar_quick_picks_and_kernel_tabs(
    page: Any, app_url: str
) -> None:
    _open(page, app_url)
    page.evaluate("() => document.activeElement?.blur()")  # Tab from the document's start
    focused: list[dict] = []
    for _ in range(300):  # until the focus comes round to the first stop again
        page.keyboard.press("Tab")
        where = page.evaluate(FOCUSED_JS)
        if focused and where == focused[0]:
            break
        if where is not None:
            focused.append(where)
    sidebar = [f for f in focused if f["sidebar"]]
    quick = {f["text"] for f in focused if f["key"].startswith("st-key-quick_")}
    tabs = {f["text"] for f in focused if f["role"] == "tab"}
    assert any(f["key"] == "st-key-image_source" for f in sidebar), sidebar
    assert any(f["tag"] in ("INPUT", "SELECT") or f["role"] == "combobox" for f in sidebar)
    assert {"Gaussian /273", "Emboss", "Sobel x", "Shifted impulse", "Random"} <= quick, quick
    assert "Presets" in tabs, tabs  # the open tab; arrow keys move between tabs

    # The arrow keys then move through the kernel editor's tabs.
    page.get_by_role("tab", name="Presets").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate(FOCUSED_JS)["text"] == "Grid"


# --------------------------------------------------------------------------- contrast


def test_heatmap_labels_contrast_with_every_cell_colour() -> None:
    """The kernel heatmaps print values in white or black, whichever reads better:
    at least 4.5:1 (WCAG AA) on every colour of the diverging map."""
    lut = np.asarray(figures.DIVERGING_LUT, dtype=np.float64)
    channels = lut / 255
    linear = np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
    background = linear @ np.array([0.2126, 0.7152, 0.0722])
    text = np.array([1.0 if light_figures._is_dark(colour) else 0.0 for colour in lut])
    ratio = (np.maximum(background, text) + 0.05) / (np.minimum(background, text) + 0.05)
    assert ratio.min() >= 4.5, lut[ratio.argmin()]
