"""AppTest for the CNN page: it trains, shows the flip, and reacts to its controls."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ERROR_BOUND = 1e-3  # max |W − flip K| the page must reach with a converging setting


def _cnn_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/cnn.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at: AppTest, label: str) -> float:
    (metric,) = [m for m in at.metric if m.label == label]
    return float(metric.value)


def _conclusions(at: AppTest) -> list[str]:
    return [element.value for element in [*at.success, *at.warning, *at.error]]


def test_default_page_shows_the_learned_flip_and_training_again_reaches_the_bound():
    at = _cnn_page()
    assert not at.error
    assert _metric(at, "max |W − flip K|") < ERROR_BOUND
    assert _metric(at, "max |W − K|") > 1.0  # emboss: K and flip(K) differ by 4
    assert any("learned the flipped kernel" in text for text in _conclusions(at))

    at.radio(key="cnn_opt").set_value("gd").run()
    at.select_slider(key="cnn_lr").set_value(0.5)
    at.select_slider(key="cnn_steps").set_value(50).run()
    before = _metric(at, "max |W − flip K|")
    at.button(key="cnn_train").click().run()
    assert not at.exception
    after = _metric(at, "max |W − flip K|")
    assert after < ERROR_BOUND
    assert after != before  # a new random start
    (conclusion,) = at.success
    assert "After 50 steps" in conclusion.value
    assert "matches flip(K)" in conclusion.value
    assert "learned the flipped kernel" in conclusion.value


def test_learning_rate_and_steps_change_the_shown_numbers():
    at = _cnn_page()
    start = _metric(at, "max |W − flip K|")
    at.select_slider(key="cnn_lr").set_value(0.01).run()
    slower = _metric(at, "max |W − flip K|")
    assert slower != start
    assert slower > ERROR_BOUND  # Adam at 0.01 has not converged in 300 steps
    assert any("not converged yet" in text for text in _conclusions(at))
    at.select_slider(key="cnn_steps").set_value(2000).run()
    longer = _metric(at, "max |W − flip K|")
    assert longer < slower
    assert any("After 2000 steps" in text for text in _conclusions(at))


def test_symmetric_kernel_and_photo_input_and_divergence():
    at = _cnn_page()
    at.selectbox(key="cnn_target").set_value("gaussian273").run()
    assert any("The flip is invisible" in text for text in _conclusions(at))
    assert _metric(at, "max |W − flip K|") == pytest.approx(_metric(at, "max |W − K|"))

    at.radio(key="cnn_source").set_value("photo").run()
    assert not at.exception
    why = [m.value for m in at.markdown if "Why white noise trains fastest" in m.value]
    assert why and "the current image κ" in why[0]

    at.radio(key="cnn_opt").set_value("gd")
    at.select_slider(key="cnn_lr").set_value(2.0).run()
    assert not at.exception
    assert any("diverged" in element.value for element in at.error)


def test_too_large_current_kernel_is_refused_plainly():
    at = _cnn_page({"preset": "gaussian", "size": "21"})
    at.selectbox(key="cnn_target").set_value("current").run()
    assert not at.exception
    assert any("up to 15×15" in element.value for element in at.error)
