"""The Fourier page through Streamlit's AppTest: it renders, and its widgets change what it
shows (the numbers it prints are the ones it computed)."""

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ui import state

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT_S = 180


def open_page(**session) -> AppTest:
    """The app as a visitor sees it: the home page first (which builds the sidebar's
    image), then a click on "Fourier domain"."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("pages/fourier.py")
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def decibels(text: str) -> float:
    return float(text.split(" ")[0].replace("∞", "inf"))


def markdown(at: AppTest) -> str:
    return "\n".join(element.value for element in at.markdown)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.fixture(scope="module")
def page() -> AppTest:
    """The page as a first visit shows it (not changed by any test)."""
    return open_page()


def test_page_renders_every_section(page):
    assert_clean(page)
    assert page.title[0].value.startswith("Fourier domain")
    headers = [header.value for header in page.header]
    assert [header[0] for header in headers] == ["1", "2", "3", "4", "5"]
    assert any(r"\mathcal{F}\{I * K\}" in latex.value for latex in page.latex)
    # The sidebar's image (Grace Hopper at the 512 px preview), in grey.
    assert "**Grace Hopper**" in markdown(page)
    assert any("437 wide × 512 high" in info.value for info in page.info)
    shown = metrics(page)
    # Each theorem's FFT result equals the direct one to rounding.
    for label in (
        "max |FFT − direct|",
        "max |no padding − convolve(wrap)|",
        "max |FFT − correlate(reflect)|",
        "circular: max |FFT − correlate(wrap)|",
    ):
        assert float(shown[label]) < 1e-12, label
    assert "This kernel is **low-pass**" in markdown(page)  # the default Gaussian /273


def test_wiener_beats_the_naive_inverse_by_default(page):
    shown = metrics(page)
    wiener = decibels(shown["PSNR: Wiener"])
    naive = decibels(shown["PSNR: naive inverse"])
    assert wiener > naive
    assert wiener > decibels(shown["PSNR: blurred + noise"])
    assert any("Wiener beats the naive inverse" in success.value for success in page.success)


def test_noise_slider_changes_the_psnr():
    at = open_page()
    before = metrics(at)
    at.slider(key="fourier_noise_sigma").set_value(0.05).run()
    assert_clean(at)
    after = metrics(at)
    for label in ("PSNR: blurred + noise", "PSNR: naive inverse", "PSNR: Wiener"):
        assert after[label] != before[label], label
    assert decibels(after["PSNR: blurred + noise"]) < decibels(before["PSNR: blurred + noise"])
    assert decibels(after["PSNR: Wiener"]) > decibels(after["PSNR: naive inverse"])

    at.slider(key="fourier_noise_sigma").set_value(0.0).run()
    assert_clean(at)
    # Without noise there is nothing to blow up: dividing the spectra is exact.
    assert decibels(metrics(at)["PSNR: naive inverse"]) > 100
    assert any("naive inverse wins" in info.value for info in at.info)


def test_quick_picks_change_the_classification():
    at = open_page()
    at.button(key="fourier_quick_Laplacian").click().run()
    assert_clean(at)
    assert "This kernel is **high-pass**" in markdown(at)
    at.button(key="fourier_quick_Identity").click().run()
    assert "This kernel is **all-pass**" in markdown(at)
    at.button(key="fourier_quick_DoG").click().run()
    assert "This kernel is **band-pass**" in markdown(at)
    assert any("Difference of Gaussians" in text for text in markdown(at).splitlines())


def test_padding_choices():
    at = open_page()

    # Section 3: without padding, a shift wraps around; only the border band differs.
    at.radio(key="fourier_wrap_kernel").set_value("Shifted impulse, dx = dy = 7").run()
    assert_clean(at)
    shown = metrics(at)
    assert float(shown["max |no padding − convolve(wrap)|"]) < 1e-12
    assert float(shown["max |no padding − padded|, border band"]) > 0.05
    assert float(shown["… away from the border"]) < 1e-12

    # Section 1: the circular route transforms at the image's own size.
    padded_size = metrics(at)["FFT size"]
    note = next(info.value for info in at.info if "grey version" in info.value)
    width, height = re.search(r"(\d+) wide × (\d+) high", note).groups()
    at.radio(key="fourier_route").set_value("circular").run()
    assert_clean(at)
    shown = metrics(at)
    assert shown["FFT size"] == f"{height}×{width}" != padded_size
    assert float(shown["max |FFT − direct|"]) < 1e-12
    assert "boundary='wrap'" in markdown(at)


def test_the_sidebar_boundary_drives_the_padded_route():
    """The sidebar's boundary pads; wrap padding is circular convolution."""
    at = open_page()
    assert at.sidebar.selectbox(key="boundary").value == "reflect"  # app.py's sidebar ran
    at.sidebar.selectbox(key="boundary").set_value("wrap").run()
    assert_clean(at)
    assert any("which *is* circular" in info.value for info in at.info)
    shown = metrics(at)
    assert float(shown["max |no padding − padded|, border band"]) < 1e-12
    assert float(shown["max |FFT − correlate(wrap)|"]) < 1e-12


def test_an_all_zero_kernel_is_shown_not_crashed():
    zero = state.Demo().with_kernel(np.zeros((3, 3)))
    at = open_page(**{state.URL_READ: True, state.DEMO: zero, state.KERNEL_VERSION: 0})
    assert_clean(at)
    assert "This kernel is **zero**" in markdown(at)
