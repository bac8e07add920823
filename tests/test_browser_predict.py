"""The Predict page in a real Chromium: one question answered right, one wrong, the score follows.

The truth is computed here with ``filters.exercises`` from the question number
the page shows, as the page computes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from filters import exercises
from tests.browser import (
    ARTIFACTS,
    assert_offline,
    chromium,
    new_offline_context,
    serve_for_tests,
    wait_idle,
)
from ui.exercises import EQUAL_ANSWERS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    yield from serve_for_tests("app.py", "predict_server.log")


def _question(page: Any) -> exercises.EqualityQuestion:
    number = int(page.get_by_label("Question", exact=True).input_value())
    return exercises.equality_question(number, "any")


def _answer(page: Any, answer: str, verdict: str, score: str) -> None:
    page.get_by_role("button", name=EQUAL_ANSWERS[answer], exact=True).click()
    alert = page.get_by_test_id("stAlert").filter(has_text=verdict)
    wait_idle(page, alert, page.get_by_text(score))
    assert page.get_by_role("button", name=EQUAL_ANSWERS[answer], exact=True).is_disabled()


def test_answer_one_right_and_one_wrong(app_url: str) -> None:
    with chromium() as browser:
        context = new_offline_context(browser, viewport={"width": 1280, "height": 720})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            page.goto(app_url)
            wait_idle(page, page.get_by_text("Options"))
            page.get_by_role("link", name="Predict").first.click()
            wait_idle(page, page.get_by_text("Predict, then reveal"), page.get_by_text("Score"))
            page.get_by_test_id("stRadio").get_by_text("Equal?", exact=True).click()
            wait_idle(page, page.get_by_role("button", name=EQUAL_ANSWERS["equal"]))

            question = _question(page)
            _answer(page, question.answer, "Right", "Score: 1 of 1 right")
            page.screenshot(path=str(ARTIFACTS / "predict_right.png"))

            page.get_by_role("button", name="New question").click()
            expect(page.get_by_label("Question", exact=True)).to_have_value(str(question.seed + 1))
            wait_idle(page)
            following = _question(page)
            wrong = "different" if following.answer == "equal" else "equal"
            _answer(page, wrong, "Wrong", "Score: 1 of 2 right")
            page.screenshot(path=str(ARTIFACTS / "predict_wrong.png"))

            text = page.inner_text("body")
            assert "Traceback" not in text and "Something went wrong" not in text
            assert not errors, errors
            assert_offline(context)
        finally:
            context.close()
