"""Every page fits the screens of a classroom: 1280×720 and 1600×1000, sidebar open.

Each page is opened at 1280×720 (the Performance page also measures, in its
quick mode, so that its charts are there), then the window is widened to
1600×1000. At each size a script in the page checks that

(a) no button's label is cut: no part of it is wider than its box;
(b) no Plotly title (the figure's, an axis's, a subplot's, a colour bar's) or
    legend overlaps another, sticks out of its chart, or lies under the chart's
    mode bar;
(c) nothing scrolls sideways: neither the document nor the main column;

and, as the same kind of defect, that no other text is cut short with "…" (the
image viewer's panel titles) and no formula is cut. A screenshot of the whole
page at each size goes to ``test-artifacts/layout_<page>_<width>.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import ARTIFACTS, UI_TIMEOUT_MS, chromium, serve_for_tests, wait_idle

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1600, 1000)]
PAGES = [
    "compare",
    "fourier",
    "algebra",
    "cnn",
    "layers",
    "step",
    "slide",
    "onedim",
    "predict",
    "performance",
    "questions",
]
TALLEST_SCREENSHOT_PX = 9000
#: Pixels of rounding allowed before a box counts as overflowing (KaTeX's struts
#: make a formula's box a pixel or two wider than its text).
SLACK_PX = 1
FORMULA_SLACK_PX = 4

#: Returns one sentence per problem found on the page as it is drawn now.
LAYOUT_PROBLEMS = """
([slack, formulaSlack]) => {
  const problems = [];
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const text = (el) => (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 60);
  const cut = (el, allowed) => el.clientWidth > 0 && el.scrollWidth > el.clientWidth + allowed;

  // (a) Buttons: the button and everything in it show their whole text.
  for (const button of document.querySelectorAll("button")) {
    if (!shown(button)) continue;
    if ([button, ...button.querySelectorAll("*")].some((el) => cut(el, slack))) {
      problems.push(`button label cut: "${text(button)}"`);
    }
  }
  // Any other text shortened with an ellipsis (image viewer titles, widget labels).
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("button") || !shown(el)) continue;
    if (getComputedStyle(el).textOverflow === "ellipsis" && cut(el, slack)) {
      problems.push(`text cut: "${text(el)}"`);
    }
  }
  for (const formula of document.querySelectorAll(".katex-display")) {
    if (cut(formula, formulaSlack)) problems.push(`formula cut: "${text(formula).slice(0, 30)}"`);
  }

  // (b) Plotly: titles and legends clear of each other, of the edges and of the mode bar.
  const TITLES = [
    ".gtitle",
    "[class^='g-x'][class$='title'] text",
    "[class^='g-y'][class$='title'] text",
    ".infolayer .annotation",
    ".cbtitle text",
    ".legend",
  ].join(", ");
  const boxes = (chart, selector) =>
    [...chart.querySelectorAll(selector)]
      .map((el) => ({ el, box: el.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 0 && box.height > 0);
  const overlap = (a, b) =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > slack &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > slack;
  const outside = (a, b) =>
    a.left < b.left - slack || a.right > b.right + slack ||
    a.top < b.top - slack || a.bottom > b.bottom + slack;
  document.querySelectorAll(".js-plotly-plot").forEach((chart, index) => {
    const svg = chart.querySelector(".main-svg");
    if (!svg) return;
    const frame = svg.getBoundingClientRect();
    const titles = boxes(chart, TITLES);
    const bars = boxes(chart, ".modebar");
    titles.forEach((a, i) => {
      if (outside(a.box, frame)) problems.push(`chart ${index}: "${text(a.el)}" is cut off`);
      for (const b of titles.slice(i + 1)) {
        if (overlap(a.box, b.box)) {
          problems.push(`chart ${index}: "${text(a.el)}" overlaps "${text(b.el)}"`);
        }
      }
      for (const bar of bars) {
        if (overlap(a.box, bar.box)) {
          problems.push(`chart ${index}: the mode bar covers "${text(a.el)}"`);
        }
      }
    });
  });

  // (c) Nothing scrolls sideways.
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) {
    problems.push(`the page scrolls sideways: ${root.scrollWidth} px > ${window.innerWidth} px`);
  }
  const main = document.querySelector('[data-testid="stMain"]');
  if (main && cut(main, slack)) {
    const widths = `${main.scrollWidth} px > ${main.clientWidth} px`;
    problems.push(`the main column scrolls sideways: ${widths}`);
  }
  return problems;
}
"""

#: True once every Plotly chart on the page has drawn its figure.
CHARTS_DRAWN = """
() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
  .every((chart) => chart.querySelector(".main-svg .infolayer"))
"""


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    yield from serve_for_tests("app.py", "layout_server.log")


@pytest.fixture(scope="module")
def browser(app_url: str) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _settled(page: Any) -> None:
    """Wait for the run to finish, every chart to be drawn and the layout to settle."""
    wait_idle(page, page.locator("h1"), page.get_by_text("Options"))
    page.wait_for_function(CHARTS_DRAWN, timeout=UI_TIMEOUT_MS)
    page.wait_for_timeout(600)  # charts and viewers follow a resize on the next frames


def _screenshot(page: Any, name: str, width: int, height: int) -> None:
    """The whole page (Streamlit scrolls its main column, so the window is made tall)."""
    tall = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(tall, TALLEST_SCREENSHOT_PX)})
    page.wait_for_timeout(400)
    page.screenshot(path=str(ARTIFACTS / f"layout_{name}_{width}.png"))
    page.set_viewport_size({"width": width, "height": height})


@pytest.mark.parametrize("name", PAGES)
def test_nothing_is_cut_overlapped_or_scrolled_sideways(
    browser: Any, app_url: str, name: str
) -> None:
    (first_width, first_height) = SIZES[0]
    context = browser.new_context(viewport={"width": first_width, "height": first_height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{app_url}/{'' if name == 'compare' else name}")
        _settled(page)
        if name == "performance":
            page.get_by_role("button", name="Measure").click()
            wait_idle(page, page.locator('[data-testid="stPlotlyChart"]'))
            _settled(page)
        found = {}
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            _settled(page)
            found[f"{width}×{height}"] = page.evaluate(
                LAYOUT_PROBLEMS, [SLACK_PX, FORMULA_SLACK_PX]
            )
            _screenshot(page, name, width, height)
        assert not errors, errors
        assert page.locator('[data-testid="stException"]').count() == 0
        problems = [f"{size}: {problem}" for size, listed in found.items() for problem in listed]
        assert not problems, f"{name} (see test-artifacts/layout_{name}_*.png):\n" + "\n".join(
            problems
        )
    finally:
        context.close()
