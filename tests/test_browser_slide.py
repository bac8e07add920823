"""The Slide page's player in a real browser: play, pause, steps, keys, sums and frame rate.

The page's default input is reproducible (the letter-L pattern, 16×16), so the test
recomputes the sum the player shows with ``filters`` and compares. The frame rate is
what the player itself measures (``data-fps``: frames drawn in the last second) while
playing at 20 positions a second; it is written to ``test-artifacts/slide_fps.txt``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

import filters
from filters import kernels, slide
from tests.browser import (
    ARTIFACTS,
    assert_offline,
    chromium,
    new_offline_context,
    serve_for_tests,
    wait_idle,
)

pytestmark = pytest.mark.browser

#: A lower bound that holds on a loaded two-core machine; an idle one draws about 60.
MIN_FPS = 20
FIRST_LOAD_MS = 180_000


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    yield from serve_for_tests("app.py", "slide_server.log")


def _state(root: Any) -> dict[str, str]:
    return root.evaluate("(element) => ({...element.dataset})")


def _position(root: Any) -> int:
    return int(root.get_attribute("data-position"))


def _wait_position(page: Any, root: Any, expected: int) -> None:
    page.wait_for_function(
        "([element, expected]) => element.dataset.position === String(expected)",
        arg=[root.element_handle(), expected],
        timeout=5_000,
    )


def test_the_player_plays_steps_and_shows_the_library_sums(app_url: str) -> None:
    with chromium() as browser:
        context = new_offline_context(browser, viewport={"width": 1280, "height": 720})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            page.goto(app_url)
            # A fresh server loads its compiled code first: slow on a busy machine.
            wait_idle(page, page.get_by_text("Options"), timeout_ms=FIRST_LOAD_MS)
            page.get_by_role("link", name="Slide").first.click()
            heading = page.get_by_role("heading", name="Slide the kernel")
            root = page.locator('[data-sp="root"]')
            wait_idle(page, heading, root)
            first_payload = root.get_attribute("data-payload")

            # An asymmetric kernel: the two sums differ.
            page.get_by_role("button", name="Emboss").click()
            page.wait_for_function(
                "([element, old]) => element.dataset.payload !== old",
                arg=[root.element_handle(), first_payload],
                timeout=60_000,
            )
            wait_idle(page)
            assert root.get_attribute("data-count") == "256"
            root.scroll_into_view_if_needed()

            # Fastest speed, then play.
            page.get_by_role("slider", name="Speed in positions per second").focus()
            page.keyboard.press("End")
            assert root.get_attribute("data-speed") == "20"
            start = _position(root)
            page.get_by_role("button", name="Play").click()
            assert root.get_attribute("data-playing") == "true"
            page.wait_for_timeout(2_000)
            fps = int(root.get_attribute("data-fps"))
            played = _position(root)
            assert played >= start + 10, (start, played)

            # Pause: the position stays.
            page.get_by_role("button", name="Pause").click()
            assert root.get_attribute("data-playing") == "false"
            paused = _position(root)
            page.wait_for_timeout(600)
            assert _position(root) == paused

            # Steps by the buttons and by the arrow keys.
            page.get_by_role("button", name="Step forward one position").click()
            _wait_position(page, root, paused + 1)
            page.get_by_role("button", name="Step back one position").click()
            _wait_position(page, root, paused)
            heading.click()  # the focus leaves the player's controls
            page.keyboard.press("ArrowRight")
            _wait_position(page, root, paused + 1)
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowLeft")
            _wait_position(page, root, paused + 1)
            page.keyboard.press("Space")
            assert root.get_attribute("data-playing") == "true"
            page.keyboard.press("Space")
            assert root.get_attribute("data-playing") == "false"

            # The scrubber reaches the last position.
            page.get_by_role("slider", name="Output position").focus()
            page.keyboard.press("End")
            _wait_position(page, root, 255)

            # At a position inside the image, the shown sums are the library's results.
            page.get_by_role("slider", name="Output position").evaluate(
                "(input) => { input.value = '100'; input.dispatchEvent(new Event('input')); }"
            )
            _wait_position(page, root, 100)
            state = _state(root)
            row, col = int(state["row"]), int(state["col"])
            assert (row, col) == (6, 4)
            plane, emboss = slide.pattern("letter_l", 16), kernels.make("emboss")
            convolution = filters.convolve(plane, emboss, boundary="reflect")[row, col]
            correlation = filters.correlate(plane, emboss, boundary="reflect")[row, col]
            assert float(state["convSum"]) == pytest.approx(convolution, rel=1e-12, abs=1e-15)
            assert float(state["corrSum"]) == pytest.approx(correlation, rel=1e-12, abs=1e-15)
            assert convolution != pytest.approx(correlation)
            label = page.locator('[data-op="convolve"] canvas').get_attribute("aria-label")
            shown = re.search(r"sum of products (\S+)\.$", label).group(1).replace("\u2212", "-")
            assert float(shown) == pytest.approx(convolution, rel=1e-5, abs=1e-12)
            assert f"position {row}, {col}" in label
            page.screenshot(path=str(ARTIFACTS / "slide_player.png"))

            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            (ARTIFACTS / "slide_fps.txt").write_text(f"{fps} frames/s at 20 positions/s\n")
            print(f"slide player: {fps} frames drawn per second at 20 positions/s")
            assert fps >= MIN_FPS, fps
            assert not errors, errors
        finally:
            context.close()
    assert_offline(context)
