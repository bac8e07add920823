"""The One-dimension page: each example renders, its controls change what is shown,
bad coefficient text gets a plain message, and the animation has a frame per output sample.

The numbers the page shows are read back and recomputed here with ``filters.onedim``.
One real-browser test plays the animation: it runs in the browser, with no rerun.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from filters import onedim
from tests.browser import (
    ARTIFACTS,
    assert_offline,
    chromium,
    new_offline_context,
    serve_for_tests,
    wait_idle,
)
from ui import onedim_figures

APP = str(Path(__file__).resolve().parents[1] / "app.py")
EXAMPLES = ("average", "dice", "polynomial", "fft")


def _page(example: str = "average") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/onedim.py")
    at.run()
    if example != "average":
        at.radio(key="onedim_example").set_value(example).run()
    _no_trouble(at)
    return at


def _no_trouble(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _animation(at: AppTest) -> dict:
    """The spec of the animated chart (the one with frames)."""
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    animated = [spec for spec in specs if spec.get("frames")]
    assert len(animated) == 1, [len(spec.get("frames", [])) for spec in specs]
    return animated[0]


def _metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_example_renders_with_its_formula_and_animation(example):
    at = _page(example)
    assert any(r"y[n] &= \sum_k x[k]\,h[n-k]" in latex.value for latex in at.latex)
    spec = _animation(at)
    slider = spec["layout"]["sliders"][0]
    assert len(slider["steps"]) == len(spec["frames"])
    labels = [button["label"] for button in spec["layout"]["updatemenus"][0]["buttons"]]
    assert labels == ["▶ Play", "❚❚ Pause"]


def test_the_moving_average_has_a_frame_per_output_sample_and_follows_the_window():
    at = _page()
    average = onedim.moving_average(5, noise=0.35)
    assert len(_animation(at)["frames"]) == average.signal.values.size + 5 - 1
    before = _metrics(at)
    assert before["RMS error of the input"] == f"{average.noise_rms:.4f}"
    assert before["RMS error after the average of 5"] == f"{average.smoothed_rms:.4f}"

    at.slider(key="onedim_window").set_value(11).run()
    _no_trouble(at)
    wider = onedim.moving_average(11, noise=0.35)
    assert len(_animation(at)["frames"]) == wider.signal.values.size + 11 - 1
    after = _metrics(at)
    assert after["RMS error after the average of 11"] == f"{wider.smoothed_rms:.4f}"
    assert after["noise reduced by"] != before["noise reduced by"]


def test_each_frame_shows_the_sum_of_its_products():
    at = _page("polynomial")
    step = onedim.sliding(
        onedim.Sequence(np.array([1.0, 2.0])), onedim.Sequence(np.array([3.0, 1.0, 1.0]))
    )
    frames = _animation(at)["frames"]
    assert len(frames) == len(step) == 4
    for i, frame in enumerate(frames):
        kernel, products, _, current = frame["data"]
        assert kernel["x"] == step.positions[i].tolist()
        assert kernel["y"] == step.placed[i].tolist()
        assert sum(products["y"]) == pytest.approx(step.output[i])
        assert current["y"] == [step.output[i]]


def test_the_dice_table_and_animation_follow_the_number_of_dice():
    at = _page("dice")
    table = at.dataframe[0].value
    assert len(table) == 11
    seven = table[table["sum"] == 7].iloc[0]
    assert (seven["ways / all"], seven["exact"]) == ("6/36", "1/6")
    assert len(_animation(at)["frames"]) == 11  # one die's sums convolved with a die

    at.slider(key="onedim_dice").set_value(3).run()
    _no_trouble(at)
    table = at.dataframe[0].value
    dice = onedim.dice_sums(3)
    assert table["sum"].tolist() == dice.totals.tolist()
    assert table["ways / all"].tolist() == [f"{c}/216" for c in dice.counts]
    assert len(_animation(at)["frames"]) == 16  # two dice's 11 sums with a die's 6 faces


def test_loaded_dice_change_the_distribution():
    at = _page("dice")
    at.toggle(key="onedim_loaded").set_value(True).run()
    _no_trouble(at)
    loaded = onedim.dice_sums(2, [1, 1, 1, 1, 1, 3])
    table = at.dataframe[0].value
    assert table["exact"].tolist() == [str(loaded.fraction(i)) for i in range(11)]
    at.number_input(key="onedim_weight_1").set_value(4).run()
    _no_trouble(at)
    assert at.dataframe[0].value["exact"].iloc[0] == str(
        onedim.dice_sums(2, [4, 1, 1, 1, 1, 3]).fraction(0)
    )


def test_the_coefficients_change_the_product():
    at = _page("polynomial")
    assert any(r"= 3 + 7x + 3x^{2} + 2x^{3}" in latex.value for latex in at.latex)
    assert any("polymul gives exactly" in s.value for s in at.success)

    at.text_input(key="onedim_b").set_value("1, -1").run()
    _no_trouble(at)
    product = onedim.polynomial_product([1.0, 2.0], [1.0, -1.0]).product
    assert any(
        "= " + onedim.polynomial_text(product, latex=True) in latex.value for latex in at.latex
    )
    assert len(_animation(at)["frames"]) == 3


@pytest.mark.parametrize(
    ("text", "quoted"),
    [("1, two", "'two'"), ("**1**, [x](http://example.com)", r"'\*\*1\*\*'")],
)
def test_bad_coefficient_text_gets_a_plain_message(text, quoted):
    at = _page("polynomial")
    at.text_input(key="onedim_a").set_value(text).run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "is not a number" in message and quoted in message
    assert not _has_animation(at)


def _has_animation(at: AppTest) -> bool:
    return any(json.loads(chart.proto.spec).get("frames") for chart in at.get("plotly_chart"))


def test_correlation_beside_the_convolution():
    at = _page("polynomial")
    at.toggle(key="onedim_correlation").set_value(True).run()
    _no_trouble(at)
    spec = _animation(at)
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    assert any(t.startswith("Convolution") for t in titles)
    assert any(t.startswith("Correlation") for t in titles)
    correlation = onedim.correlate1d([1.0, 2.0], [3.0, 1.0, 1.0])
    last = spec["frames"][-1]["data"]
    assert len(last) == 8  # four animated traces a column
    assert last[7]["y"] == [correlation[-1]]


def test_the_fft_route_shows_its_measured_error():
    at = _page("fft")
    a, b = onedim.random_polynomial(20, seed=1), onedim.random_polynomial(20, seed=2)
    fft = onedim.fft_product(a, b)
    shown = _metrics(at)
    assert shown["FFT length (padded)"] == str(fft.fft_length)
    assert shown["max |FFT − direct|"] == f"{fft.max_error:.3g}"
    assert len(_animation(at)["frames"]) == 41

    at.slider(key="onedim_degree").set_value(40).run()
    _no_trouble(at)
    assert len(_animation(at)["frames"]) == 81

    at.toggle(key="onedim_random").set_value(False).run()
    _no_trouble(at)
    assert _metrics(at)["max |FFT − direct|"] == "0"
    assert at.dataframe[0].value["through the FFT"].round(9).tolist() == [3, 7, 3, 2]


# ----------------------------------------------------------------------------
# In a real browser: the animation plays without asking the server anything
# ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    yield from serve_for_tests("app.py", "onedim_server.log")


@pytest.mark.browser
def test_play_steps_through_the_shifts_in_the_browser(app_url: str) -> None:
    with chromium() as browser:
        context = new_offline_context(browser, viewport={"width": 1280, "height": 720})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sent: list[str] = []
        page.on(
            "websocket",
            lambda socket: socket.on("framesent", lambda payload: sent.append(str(payload))),
        )
        try:
            page.goto(f"{app_url}/onedim")
            label = page.locator("text.slider-label").first
            wait_idle(page, label)
            start = label.text_content()
            assert start == "shift n = 0"
            sent.clear()
            page.locator("g.updatemenu-button").first.click()  # ▶ Play
            page.wait_for_timeout(4 * onedim_figures.FRAME_MS)
            shown = label.text_content()
            assert shown != start and shown.startswith("shift n = ")
            assert not errors, errors
            page.locator("g.updatemenu-button").nth(1).click()  # ❚❚ Pause
            paused = label.text_content()
            page.wait_for_timeout(2 * onedim_figures.FRAME_MS)
            assert label.text_content() == paused
            assert not sent, "playing sent messages to the server"
            # Pausing interrupts Plotly.animate, whose promise plotly.js then rejects
            # with no reason ("undefined"): its own, harmless, and nothing else may fail.
            assert [error for error in errors if error != "undefined"] == []
            page.screenshot(path=str(ARTIFACTS / "page_onedim_playing.png"))
        finally:
            context.close()
        assert_offline(context)
