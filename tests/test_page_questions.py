"""The Questions page through Streamlit's AppTest: three sections, each showing numbers
measured on the current image (checked here against the library), and links onward.

Question 1's times are the Compare page's (one kept timing per image, kernel and options):
read on both pages in one session, they are the same figures and the same verdicts."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import filters
from filters import conventions, images, kernels
from ui import state

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT_S = 180
SMALL_SIDE = 128


def open_page() -> AppTest:
    """The app as a visitor opens it, then the Questions page (so the shared sidebar ran)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page("pages/questions.py")
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def timing_chart(at: AppTest, key: str) -> dict:
    """The JSON of the timing chart (a custom component) with this key."""
    (found,) = [e.proto for e in at.get("bidi_component") if e.proto.id.endswith(f"-{key}")]
    return json.loads(found.json)


VERDICT = re.compile(
    r"(?:Direct convolution|Direct correlation|The FFT)[^()]*?"
    r"(?: is faster than [^()]*\(×[0-9.]+\)| are too close to call on this machine)\."
)


def verdicts(at: AppTest) -> list[str]:
    """Every route verdict shown: "… is faster than … (×r)." or "… too close to call …"."""
    return [found for m in at.markdown for found in VERDICT.findall(m.value)]


def small_image(at: AppTest) -> np.ndarray:
    return images.resize_long_side(at.session_state[state.IMAGE], SMALL_SIDE)


@pytest.fixture(scope="module")
def page() -> AppTest:
    return open_page()


@pytest.fixture(scope="module")
def embossed() -> AppTest:
    at = open_page()
    return at.button(key="quick_Emboss").click().run()


def test_page_renders_four_questions_with_formulas_and_links(page):
    assert_clean(page)
    assert [h.value[0] for h in page.header] == ["1", "2", "3", "4"]
    formulas = " ".join(latex.value for latex in page.latex)
    assert r"\mathcal{F}\{I * K\}" in formulas and r"\operatorname{flip}(K)" in formulas
    links = [link.proto.page for link in page.get("page_link")]
    # Compare is the default page, so its address is the app's root ("").
    assert sorted(links) == sorted(["fourier", "performance", "", "step", "algebra", "cnn"])


def test_question_one_measures_direct_against_fft(page):
    shown = metrics(page)
    image = small_image(page)
    kernel = kernels.make(kernels.DEFAULT_PRESET)
    difference = np.max(
        np.abs(filters.convolve(image, kernel) - filters.fft_convolve(image, kernel))
    )
    assert shown["max |direct − FFT|"] == f"{difference:.2g}"
    for label in ("direct (spatial domain)", "through the FFT"):
        assert shown[label].endswith(" ms") and float(shown[label].split()[0]) > 0
    # The metrics are the medians the chart draws, each with its middle half of runs.
    chart = timing_chart(page, "questions_timing")
    assert not chart["single"]
    bars = {bar["label"]: bar for bar in chart["bars"]}
    assert list(bars) == ["convolution", "correlation", "fft", "fft, spectrum reused"]
    assert bars["convolution"]["text"].startswith(shown["direct (spatial domain)"] + " (")
    assert bars["fft"]["text"].startswith(shown["through the FFT"] + " (")
    assert all(bar["low"] <= bar["value"] <= bar["high"] for bar in bars.values())
    # Two verdicts, each decided by the spreads: direct convolution against both FFTs.
    found = verdicts(page)
    assert len(found) == 2 and all(s.startswith(("Direct convolution", "The FFT")) for s in found)
    text = "\n".join(m.value for m in page.markdown)
    assert "38× more taps" in text  # (31 / 5)² = 38.4, computed by the page
    assert "within the rounding bound" in text
    assert "direct filtering " in text and "taking turns" in text
    assert any("load average" in caption.value for caption in page.caption)


def test_question_one_and_compare_show_the_same_timing_and_verdicts():
    """Compare times the routes on demand; Questions then shows those very figures."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.query_params["preview"] = "256"
    at.run()
    assert_clean(at)
    single = timing_chart(at, "timing")
    assert single["single"] and "not repeated" in single["title"]
    at.button(key="timing_measure").click().run()
    assert_clean(at)
    on_compare = timing_chart(at, "timing")
    assert not on_compare["single"]
    said_on_compare = verdicts(at)
    assert len(said_on_compare) == 2
    at.switch_page("pages/questions.py")
    at.run()
    assert_clean(at)
    assert timing_chart(at, "questions_timing") == on_compare
    assert verdicts(at)[:2] == said_on_compare
    shown = metrics(at)
    bars = {bar["label"]: bar for bar in on_compare["bars"]}
    assert bars["convolution"]["text"].startswith(shown["direct (spatial domain)"])


def test_figures_timed_on_questions_appear_on_compare_without_timing_again():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.query_params["preview"] = "256"
    at.run()
    at.switch_page("pages/questions.py")
    at.run()
    at.button(key="quick_Emboss").click().run()
    assert_clean(at)
    on_questions = timing_chart(at, "questions_timing")
    said = verdicts(at)[:2]
    at.switch_page("pages/compare.py")
    at.run()
    assert_clean(at)
    assert timing_chart(at, "timing") == on_questions
    assert verdicts(at) == said
    assert not [b for b in at.button if b.key == "timing_measure"]


def test_question_two_default_gaussian_is_symmetric_and_emboss_is_not(page):
    shown = metrics(page)
    image = small_image(page)
    emboss = filters.compare(image, kernels.make("emboss"))
    assert shown["your kernel symmetric?"] == "yes"
    assert shown["max |conv − corr|, your kernel"] == "0"
    assert shown["max |conv − corr|, emboss"] == f"{emboss.conv_minus_corr.max_abs:.3g}"
    assert emboss.conv_minus_corr.max_abs > 0.1
    assert float(shown["max |(corr − conv) − 2·(I ⋆ A)|"]) < 1e-9


def test_question_three_convolution_commutes_and_associates_correlation_does_not(page):
    shown = metrics(page)
    assert float(shown["max |I∗K − K∗I|"]) < 1e-12
    assert float(shown["max |(I∗K)∗L − I∗(K∗L)|"]) < 1e-12
    assert float(shown["max |I⋆K − K⋆I|"]) > 0.01
    assert float(shown["max |(I⋆K)⋆L − I⋆(K⋆L)|"]) > 0.01
    text = "\n".join(m.value for m in page.markdown)
    assert "reproduces K (max difference 0)" in text
    assert "max difference from flip K: 0" in text


def test_switching_to_emboss_changes_the_answers(embossed):
    assert_clean(embossed)
    shown = metrics(embossed)
    assert shown["your kernel symmetric?"] == "no"
    assert shown["max |conv − corr|, your kernel"] == shown["max |conv − corr|, emboss"]
    assert float(shown["max |conv − corr|, your kernel"]) > 0.1
    text = "\n".join(m.value for m in embossed.markdown)
    assert "are **different**" in text


def test_a_kernel_too_wide_for_valid_output_shows_errors_and_the_rest_still_works():
    at = open_page()
    at.session_state[state.DEMO] = state.Demo().with_kernel(np.ones((1, 129)))
    at.selectbox(key="output").set_value("valid")
    at.run()
    assert not at.exception
    assert len(at.error) == 2  # questions 1 and 2 filter with output='valid'
    assert all("valid" in error.value for error in at.error)
    assert "max |I∗K − K∗I|" in metrics(at)  # question 3 uses full output


def test_question_four_shows_the_conventions_table_checked_live(page):
    (table,) = page.table
    frame = table.value
    assert len(frame) == len(conventions.CONVENTIONS)
    assert set(frame["Library"]) == {"SciPy ndimage", "SciPy signal", "MATLAB", "OpenCV", "PyTorch"}
    matlab = frame[frame["Call"] == "conv2(I, K, 'same')"].iloc[0]
    assert "align='matlab'" in matlab["Even sides: equals"]
    text = " ".join(markdown.value for markdown in page.markdown)
    # The default 5×5 Gaussian and a 4×4 kernel, both checked now.
    assert "for a 5×5 kernel on a random 9×10 image: every SciPy row holds" in text
    assert "for a 4×4 kernel on a random 9×10 image: every SciPy row holds" in text
    assert "[15 5 -9 7 6 7 -1]" in text
