"""The Compare page in a real browser: ``streamlit run app.py`` driven by headless Chromium.

One app server serves the whole module; every test gets a fresh browser context and
page (so a fresh Streamlit session). Each test saves a screenshot to ``test-artifacts/``.

Run them with ``.venv/bin/python -m pytest tests/test_browser_compare.py -m browser``;
they are skipped, with the reason, when ``/usr/bin/chromium`` or Playwright is missing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest
from PIL import Image

from filters import convolve, correlate, images, kernels, samples
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

VIEWPORT = {"width": 1600, "height": 2400}
TITLE = "Convolution, correlation and the FFT, side by side"
PANEL_TITLES = ("Input", "Convolution", "Correlation", "FFT")
SIZE_LINE = re.compile(r"(\d+)×(\d+) (colour|grey) \(original (\d+)×(\d+)\)")
KERNEL_LINE = re.compile(r"^\d+×\d+ · sum \(DC gain\)")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """``streamlit run app.py`` on a free loopback port, for the whole module."""
    yield from serve_for_tests("app.py", "compare_server.log")


@pytest.fixture(scope="module")
def browser(app_url: str) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


class PageWatch:
    """A fresh page plus what it reported: console errors, page errors, dialogs."""

    def __init__(self, page: Any, app_url: str) -> None:
        self.page = page
        self.app_url = app_url
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("dialog", self._on_dialog)

    def _on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "") or ""
        text = message.text
        # Network failures for other hosts (blocked in the sandbox) are not the app's.
        if "Failed to load resource" in text and not url.startswith(self.app_url):
            return
        self.console_errors.append(f"{text} ({url})")

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture()
def watch(browser: Any, app_url: str) -> Iterator[PageWatch]:
    context = new_offline_context(browser, viewport=VIEWPORT, accept_downloads=True)
    try:
        yield PageWatch(context.new_page(), app_url)
    finally:
        context.close()
    assert_offline(context)


# --------------------------------------------------------------------------- helpers


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def results_chart(page: Any) -> Any:
    return page.locator(".st-key-results [data-picture]").first


def success_box(page: Any) -> Any:
    return page.locator('[data-testid="stAlertContentSuccess"]')


def warning_box(page: Any) -> Any:
    return page.locator('[data-testid="stAlertContentWarning"]')


def kernel_line(page: Any) -> Any:
    return page.locator('[data-testid="stMarkdownContainer"] p').filter(has_text=KERNEL_LINE)


def sidebar(page: Any) -> Any:
    return page.locator('[data-testid="stSidebar"]')


def painted(page: Any, key: str) -> list[str]:
    """Digests of the pictures a viewer has painted (one per panel, "" if not yet)."""
    panels = page.locator(f".st-key-{key} [data-picture]")
    return [panels.nth(i).get_attribute("data-drawn") or "" for i in range(panels.count())]


def results_rendered(page: Any) -> None:
    """The input and result viewers show their four titles and have painted every panel."""
    titles = page.locator(".st-key-input_view .iv-title, .st-key-results .iv-title")
    expect(titles).to_have_count(4, timeout=UI_TIMEOUT_MS)
    for title, expected in zip(titles.all_inner_texts(), PANEL_TITLES, strict=True):
        assert title.startswith(expected)
    for key, count in (("input_view", 1), ("results", 3), ("differences", 3)):
        panels = page.locator(f".st-key-{key} [data-picture]")
        expect(panels).to_have_count(count, timeout=UI_TIMEOUT_MS)
        for i in range(count):
            panel = panels.nth(i)
            expect(panel).to_have_attribute(
                "data-drawn", panel.get_attribute("data-picture"), timeout=UI_TIMEOUT_MS
            )


def open_app(watch: PageWatch, query: str = "") -> Any:
    """Open the app and wait for the first complete run."""
    page = watch.page
    page.goto(watch.app_url + "/" + query, wait_until="domcontentloaded")
    wait_idle(page, page.get_by_role("heading", name=TITLE), results_chart(page))
    results_rendered(page)
    return page


def no_failure_shown(page: Any) -> None:
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert "Traceback" not in page.locator("body").inner_text()


def sidebar_size(page: Any) -> tuple[int, int]:
    """(width, height) of the working image, from the sidebar's size line."""
    text = sidebar(page).locator('[data-testid="stText"]').filter(has_text=SIZE_LINE)
    match = SIZE_LINE.search(text.first.inner_text())
    assert match, "the sidebar does not show the image size"
    return int(match.group(1)), int(match.group(2))


def pattern_png(width: int = 64, height: int = 48) -> bytes:
    """A small RGB test picture: a colour ramp with a checkerboard."""
    y, x = np.mgrid[0:height, 0:width]
    checker = ((x // 8 + y // 8) % 2) * 80
    pixels = np.stack(
        [x * 255 // (width - 1), y * 255 // (height - 1), checker + 60], axis=-1
    ).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def choose_upload(page: Any) -> Any:
    """Switch the sidebar's image source to Upload; return the file input."""
    sidebar(page).get_by_text("Upload", exact=True).click()
    uploader = sidebar(page).locator('[data-testid="stFileUploader"] input[type="file"]')
    expect(uploader).to_be_attached(timeout=UI_TIMEOUT_MS)
    wait_idle(page, results_chart(page))
    return uploader


def assert_clean(watch: PageWatch) -> None:
    assert watch.page_errors == [], watch.page_errors
    assert watch.console_errors == [], watch.console_errors


# --------------------------------------------------------------------------- tests


def test_default_screen(watch: PageWatch) -> None:
    page = open_app(watch)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(success_box(page)).to_contain_text("identical")
    expect(kernel_line(page)).to_contain_text("5×5 · sum (DC gain) 1 ")
    no_failure_shown(page)
    screenshot(page, "compare_default.png")
    assert_clean(watch)


def test_upload_png(watch: PageWatch) -> None:
    page = open_app(watch)
    uploader = choose_upload(page)
    uploader.set_input_files(
        files=[{"name": "pattern.png", "mimeType": "image/png", "buffer": pattern_png()}]
    )
    size_text = sidebar(page).locator('[data-testid="stText"]').filter(has_text="pattern.png")
    wait_idle(page, size_text)
    expect(size_text).to_contain_text("64×48 colour (original 64×48)")
    assert sidebar_size(page) == (64, 48)
    results_rendered(page)
    expect(success_box(page)).to_contain_text("identical")
    no_failure_shown(page)
    screenshot(page, "compare_upload.png")
    assert_clean(watch)


def test_change_preset(watch: PageWatch) -> None:
    page = open_app(watch)
    before = painted(page, "results")
    assert before[0] == before[1]  # symmetric kernel: conv and corr look the same
    page.get_by_role("button", name="Shifted impulse", exact=True).click()
    wait_idle(page, warning_box(page).filter(has_text="differ"))
    expect(success_box(page)).to_have_count(0)
    expect(kernel_line(page)).to_contain_text("5×7 · sum (DC gain) 1 ")
    results_rendered(page)
    after = painted(page, "results")
    assert after[0] != after[1]  # shifted opposite ways
    assert not set(after) & set(before)

    page.locator(".st-key-preset_name").get_by_role("combobox").click()
    page.get_by_role("option", name="Box blur", exact=True).click()
    wait_idle(page, kernel_line(page).filter(has_text="3×3 · sum (DC gain) 1 "))
    expect(success_box(page)).to_contain_text("identical")
    expect(warning_box(page)).to_have_count(0)
    results_rendered(page)
    no_failure_shown(page)
    screenshot(page, "compare_preset.png")
    assert_clean(watch)


def _cell_centre(page: Any, row: int, col: int) -> tuple[float, float]:
    box = page.locator(f'[data-kc-cell="{row}-{col}"]').bounding_box()
    assert box is not None, f"kernel cell {row},{col} is not displayed"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_draw_on_kernel_canvas(watch: PageWatch) -> None:
    page = open_app(watch)
    expect(kernel_line(page)).to_contain_text("sum (DC gain) 1 ")
    page.get_by_role("tab", name="Draw").click()
    cells = page.locator("[data-kc-cell]")
    expect(cells).to_have_count(25, timeout=UI_TIMEOUT_MS)

    # +1 on the centre and the two cells right of it: the sum goes from 1 to 4 and the
    # kernel is no longer symmetric under 180°, so convolution and correlation differ.
    start, middle, end = (_cell_centre(page, 2, c) for c in (2, 3, 4))
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*middle, steps=6)
    page.mouse.move(*end, steps=6)
    page.mouse.up()

    wait_idle(page, kernel_line(page).filter(has_text="sum (DC gain) 4 "))
    expect(kernel_line(page)).to_contain_text("symmetric under 180°: no")
    expect(warning_box(page).filter(has_text="differ")).to_be_visible()
    # The cell right of the centre held 26/273 ≈ 0.0952 and now holds about 1.1.
    expect(page.locator('[data-kc-cell="2-3"]')).to_have_text(re.compile(r"^1\.1"))
    results_rendered(page)
    no_failure_shown(page)
    screenshot(page, "compare_draw.png")
    assert_clean(watch)


PIXEL = re.compile(r"Pixel x (\d+), y (\d+)")


def _hover(page: Any, key: str, panel: int, dx: float = 0, dy: float = 0) -> tuple[int, int]:
    """Point (dx, dy) CSS pixels from a viewer panel's centre; return the pixel read out."""
    canvas = page.locator(f".st-key-{key} canvas").nth(panel)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy, steps=3)
    readout = page.locator(f".st-key-{key} [data-iv='readout']")
    expect(readout).to_contain_text(PIXEL, timeout=UI_TIMEOUT_MS)
    found = PIXEL.search(readout.inner_text())
    assert found
    return int(found.group(1)), int(found.group(2))


def _values(page: Any, key: str) -> list[str]:
    return page.locator(f".st-key-{key} [data-iv-value]").all_inner_texts()


def test_viewers_share_cursor_zoom_and_pan(watch: PageWatch) -> None:
    page = open_app(watch)
    width, height = sidebar_size(page)
    centre = (width // 2, height // 2)

    # The middle of the convolution panel is the middle of the image, and every
    # viewer of the page reads out that same pixel.
    x, y = _hover(page, "results", 0)
    assert abs(x - centre[0]) <= 2 and abs(y - centre[1]) <= 2
    expect(page.locator(".st-key-differences [data-iv='readout']")).to_contain_text(
        f"Pixel x {x}, y {y}"
    )
    conv, corr, fft = _values(page, "results")
    assert conv == corr and conv.count("·") == 2 and "R " in conv  # three channels
    numbers = re.compile(r"[-+]?\d*\.?\d+(?:e[-+]?\d+)?")
    np.testing.assert_allclose(
        [float(v) for v in numbers.findall(fft)],
        [float(v) for v in numbers.findall(conv)],
        rtol=1e-4,
    )
    assert _values(page, "differences")[0].replace("≈ ", "") == "R 0 · G 0 · B 0"
    (shown,) = _values(page, "input_view")
    assert shown.startswith(("R ", "≈ R "))

    # Zoom in (about the centre): the pixel under an off-centre point moves toward it,
    # in the input panel as well as in the result it was zoomed from.
    far = _hover(page, "results", 1, 120)
    page.locator(".st-key-results").get_by_role("button", name="+").click()
    near = _hover(page, "results", 1, 120)
    assert 1.4 < (far[0] - centre[0]) / (near[0] - centre[0]) < 1.8
    assert abs(_hover(page, "input_view", 0, 120)[0] - near[0]) <= 1

    # Drag the picture to the left: the pixel under a fixed point is further right.
    canvas = page.locator(".st-key-results canvas").nth(2)
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 0.6 * box["width"], box["y"] + 0.5 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.3 * box["width"], box["y"] + 0.5 * box["height"], steps=8)
    page.mouse.up()
    moved = _hover(page, "input_view", 0, 120)
    assert moved[0] > near[0] + 10

    # Double-click shows the whole pictures again.
    page.locator(".st-key-results canvas").first.dblclick()
    back = _hover(page, "results", 0)
    assert abs(back[0] - centre[0]) <= 2 and abs(back[1] - centre[1]) <= 2
    screenshot(page, "compare_viewer_zoom.png")
    no_failure_shown(page)
    assert_clean(watch)


def open_exports(page: Any) -> None:
    """Turn on the "Export" toggle and wait for its buttons."""
    page.locator(".st-key-export_open").get_by_text("Show downloads and Python code").click()
    wait_idle(page, page.locator(".st-key-download_kernel_csv").get_by_role("button"))


def _download(page: Any, key: str, target: Path) -> Path:
    with page.expect_download(timeout=UI_TIMEOUT_MS) as info:
        page.locator(f".st-key-{key}").get_by_role("button").click()
    download = info.value
    assert download.failure() is None
    download.save_as(str(target))
    return target


def test_download_results(watch: PageWatch, tmp_path: Path) -> None:
    page = open_app(watch)
    width, height = sidebar_size(page)
    open_exports(page)

    npy = _download(page, "download_convolution_npy", tmp_path / "convolution.npy")
    array = np.load(npy, allow_pickle=False)
    assert array.shape == (height, width, 3)
    assert array.dtype == np.float64
    assert np.isfinite(array).all()

    png = _download(page, "download_convolution_png", tmp_path / "convolution.png")
    with Image.open(png) as picture:
        picture.load()
        assert picture.format == "PNG"
        assert picture.size == (width, height)
        assert picture.mode == "RGB"

    csv = _download(page, "download_kernel_csv", tmp_path / "kernel.csv")
    kernel = kernels.parse(csv.read_text())
    np.testing.assert_allclose(kernel, kernels.make("gaussian273"), rtol=0, atol=1e-15)
    assert kernel.shape == (5, 5)
    np.testing.assert_allclose(kernel * 273, np.rint(kernel * 273), atol=1e-9)

    no_failure_shown(page)
    screenshot(page, "compare_download.png")
    assert_clean(watch)


def test_a_download_after_the_kernel_changed_is_the_new_result(
    watch: PageWatch, tmp_path: Path
) -> None:
    """Replacing the result gives downloads of the new result; no file is ever missing.

    Each download is made when clicked. After a kernel change, the buttons serve the
    result on screen, and no request of the page gets a 404 (the browser logs
    "Download Button source error - 404" for a button whose file was deleted).
    """
    missing: list[str] = []
    watch.page.on(
        "response",
        lambda response: (
            missing.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.url.startswith(watch.app_url)
            else None
        ),
    )
    page = open_app(watch, "?preview=256")
    image = images.resize_long_side(samples.load_sample(samples.DEFAULT_SAMPLE), 256)
    assert sidebar_size(page) == (image.shape[1], image.shape[0])
    open_exports(page)

    before = np.load(_download(page, "download_convolution_npy", tmp_path / "a.npy"))
    np.testing.assert_allclose(before, convolve(image, kernels.make("gaussian273")), atol=1e-12)

    page.get_by_role("button", name="Emboss", exact=True).click()
    wait_idle(
        page,
        kernel_line(page).filter(has_text="3×3 · sum (DC gain) 1 "),
        warning_box(page).filter(has_text="differ"),
    )
    results_rendered(page)
    wait_idle(page)

    emboss = kernels.make("emboss")
    after = np.load(_download(page, "download_convolution_npy", tmp_path / "b.npy"))
    np.testing.assert_allclose(after, convolve(image, emboss), atol=1e-12)
    assert after.dtype == np.float64
    difference = np.load(_download(page, "download_conv_minus_corr_npy", tmp_path / "c.npy"))
    np.testing.assert_allclose(
        difference, convolve(image, emboss) - correlate(image, emboss), atol=1e-12
    )
    csv = _download(page, "download_kernel_csv", tmp_path / "kernel.csv")
    np.testing.assert_array_equal(kernels.parse(csv.read_text()), emboss)
    png = _download(page, "download_convolution_png", tmp_path / "b.png")
    with Image.open(png) as picture:
        assert picture.size == (image.shape[1], image.shape[0])

    # Single precision replaces every result (a run of the whole page): each NPY,
    # the difference map included, now holds float32 values.
    sidebar(page).get_by_text("float32", exact=True).click()
    page.wait_for_url(re.compile(r"dtype=float32"), timeout=UI_TIMEOUT_MS)
    wait_idle(page)
    results_rendered(page)
    wait_idle(page)
    single = np.load(_download(page, "download_conv_minus_corr_npy", tmp_path / "d.npy"))
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, difference, atol=1e-5)
    single = np.load(_download(page, "download_fft_npy", tmp_path / "e.npy"))
    assert single.dtype == np.float32

    page.wait_for_timeout(500)  # let any late check of a file's address report
    no_failure_shown(page)
    screenshot(page, "compare_download_after_change.png")
    assert missing == []
    assert_clean(watch)


def test_broken_upload(watch: PageWatch) -> None:
    page = open_app(watch)
    uploader = choose_upload(page)
    junk = b"this is not an image\x00" + np.random.default_rng(7).bytes(4096)
    uploader.set_input_files(
        files=[{"name": "broken.png", "mimeType": "image/png", "buffer": junk}]
    )
    message = sidebar(page).locator('[data-testid="stAlertContentError"]')
    wait_idle(page, message)
    expect(message).to_contain_text("not an image")
    no_failure_shown(page)
    # The page keeps working on the last good image (the default sample).
    expect(sidebar(page).get_by_text("Showing the last good image.")).to_be_visible()
    results_rendered(page)
    expect(success_box(page)).to_contain_text("identical")
    screenshot(page, "compare_broken_upload.png")
    assert_clean(watch)


def test_hostile_url(watch: PageWatch) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    page = open_app(watch, f"?boundary={quote(hostile)}&preset=nope")
    warnings = warning_box(page).filter(has_text="Link ignored")
    expect(warnings).to_have_count(2)
    expect(warnings.filter(has_text="boundary")).to_contain_text(hostile)
    expect(warnings.filter(has_text="preset")).to_contain_text("nope")
    # The value is shown as text, never as markup.
    expect(page.locator('img[src="x"]')).to_have_count(0)
    results_rendered(page)
    expect(success_box(page)).to_contain_text("identical")
    no_failure_shown(page)
    page.wait_for_timeout(500)
    screenshot(page, "compare_hostile_url.png")
    assert watch.dialogs == []
    assert_clean(watch)


def test_url_values_are_shown_as_plain_text(watch: PageWatch) -> None:
    link, picture = "[Fix it here](https://ev.il/x)", "![](https://ev.il/p.png)"
    page = open_app(watch, f"?boundary={quote(link)}&output={quote(picture)}")
    warnings = warning_box(page).filter(has_text="Link ignored")
    expect(warnings).to_have_count(2)
    # The values appear literally, brackets and all; no Markdown link text, no picture.
    expect(warnings.filter(has_text="boundary")).to_contain_text(link)
    expect(warnings.filter(has_text="output")).to_contain_text(picture)
    expect(warnings.locator("a")).to_have_count(0)
    expect(warnings.locator("img")).to_have_count(0)
    results_rendered(page)
    no_failure_shown(page)
    screenshot(page, "compare_url_markdown.png")
    assert_clean(watch)


def test_url_values_do_not_become_links(watch: PageWatch) -> None:
    """A bare address in a link's value is shown as text, not as a clickable link."""
    page = open_app(watch, "?boundary=" + quote("https://ev.il/login"))
    warnings = warning_box(page).filter(has_text="Link ignored")
    expect(warnings).to_have_count(1)
    expect(warnings).to_contain_text("https://ev.il/login")
    expect(warnings.locator("a")).to_have_count(0)
    no_failure_shown(page)
    screenshot(page, "compare_url_autolink.png")
    assert_clean(watch)
