"""Screenshots for the README's gallery: ``python docs/gallery.py [page ...]``.

Starts the app on a free loopback port, opens each page in Debian's headless
Chromium at 1280×800 (a classroom projector's size) and saves ``docs/<page>.png``.
Without arguments it shoots every page of the gallery.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser import StreamlitServer, chromium, new_offline_context, wait_idle  # noqa: E402

#: file name -> (address path, text the page shows when drawn, seconds to let it settle)
PAGES = {
    "compare": ("", "Convolution, correlation and the FFT, side by side", 1.0),
    "fourier": ("fourier", "Fourier", 1.0),
    "algebra": ("algebra", "Algebra", 1.0),
    "cnn": ("cnn", "learned", 1.0),
    "layers": ("layers", "CNN layer", 1.0),
    "step": ("step", "Step", 1.0),
    "slide": ("slide", "Slide", 2.5),
    "onedim": ("onedim", "One dimension", 1.5),
    "predict": ("predict", "Predict", 1.0),
    "performance": ("performance", "Performance", 1.0),
    "questions": ("questions", "point of flipping", 1.0),
}


def _prepare(page, name: str) -> None:
    """What a page needs before its picture: the slide a few positions in, mid-output."""
    if name == "slide":
        page.set_viewport_size({"width": 1280, "height": 1180})
        page.get_by_role("button", name="Emboss").click()
        wait_idle(page, page.get_by_text("position 0, 0"))
        page.mouse.click(700, 30)  # focus the page, not a widget
        for _ in range(70):
            page.keyboard.press("ArrowRight")


def shoot(names: list[str]) -> None:
    with StreamlitServer("app.py") as server, chromium() as browser:
        context = new_offline_context(browser, viewport={"width": 1280, "height": 800})
        page = context.new_page()
        for name in names:
            path, heading, settle_s = PAGES[name]
            page.goto(f"{server.url}/{path}")
            wait_idle(page, page.get_by_text(heading), page.get_by_text("Options"))
            page.wait_for_timeout(settle_s * 1000)
            _prepare(page, name)
            page.wait_for_timeout(500)
            target = REPO / "docs" / f"{name}.png"
            page.screenshot(path=str(target))
            page.set_viewport_size({"width": 1280, "height": 800})
            print(f"wrote {target.relative_to(REPO)}")
        context.close()


if __name__ == "__main__":
    chosen = sys.argv[1:] or list(PAGES)
    unknown = sorted(set(chosen) - set(PAGES))
    if unknown:
        sys.exit(f"unknown page(s): {', '.join(unknown)}; choose from {', '.join(PAGES)}")
    shoot(chosen)
