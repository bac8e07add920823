"""The Predict page (AppTest): every kind renders, answers are checked once, the score counts.

The truth of each question is computed here with ``filters.exercises`` from the
question number the page shows, as the page does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from filters import exercises, kernels
from ui import text as plain_text

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PREFIX = "predict"
SEED = f"{PREFIX}_question_number"


def _predict_page(kind: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/predict.py")
    at.run()
    if kind is not None:
        at.radio(key=f"{PREFIX}_kind").set_value(kind).run()
    _no_trouble(at)
    return at


def _no_trouble(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if "Something went wrong" in e.value]


def _score(at: AppTest) -> str:
    shown = [m.value for m in at.markdown if m.value.startswith("**Score:")]
    assert len(shown) == 1, [m.value for m in at.markdown]
    return shown[0].strip("*")


def _seed(at: AppTest) -> int:
    return int(at.number_input(key=SEED).value)


def _answer(at: AppTest, answer: str) -> AppTest:
    at.button(key=f"{PREFIX}_answer_{answer}").click().run()
    _no_trouble(at)
    return at


def _wrong(question) -> str:
    return next(choice for choice in question.choices if not question.check(choice))


@pytest.mark.parametrize(
    ("kind", "heading", "answers"),
    [
        ("equal", "Will convolution and correlation with K be equal?", ["equal", "different"]),
        ("which", "Which panel is the convolution?", ["A", "B"]),
        ("where", "Where will convolution and correlation differ most?", exercises.REGIONS),
        ("size", "What will the output size be?", []),
    ],
)
def test_each_kind_renders_its_question_and_answer_widgets(kind, heading, answers) -> None:
    at = _predict_page(kind)
    assert heading in [s.value for s in at.subheader]
    for answer in answers:
        assert not at.button(key=f"{PREFIX}_answer_{answer}").disabled
    assert _score(at) == "Score: 0 of 0 right"
    assert not at.success and not at.error  # nothing revealed before an answer


def test_a_right_answer_counts_reveals_and_locks() -> None:
    at = _predict_page("equal")
    question = exercises.equality_question(_seed(at), "any")
    _answer(at, question.answer)
    assert _score(at) == "Score: 1 of 1 right"
    [success] = at.success
    assert success.value.startswith("Right")
    assert plain_text.plain(question.explanation()) in success.value
    assert at.button(key=f"{PREFIX}_answer_equal").disabled
    assert at.button(key=f"{PREFIX}_answer_different").disabled


def test_a_wrong_answer_does_not_count_and_shows_the_explanation() -> None:
    at = _predict_page("which")
    question = exercises.which_question(_seed(at))
    _answer(at, question.other)
    assert _score(at) == "Score: 0 of 1 right"
    [error] = at.error
    assert error.value.startswith("Wrong")
    assert plain_text.plain(question.explanation()) in error.value
    assert not at.success


def test_where_accepts_the_region_holding_the_largest_difference() -> None:
    at = _predict_page("where")
    question = exercises.where_question(_seed(at))
    _answer(at, question.accepted[0])
    assert at.success and _score(at) == "Score: 1 of 1 right"
    assert plain_text.plain(question.explanation()) in at.success[0].value


def test_output_size_checks_the_typed_numbers() -> None:
    at = _predict_page("size")
    question = exercises.output_size_question(_seed(at))
    assert question.prompt in [m.value for m in at.markdown]
    at.button(key=f"{PREFIX}_check_size").click().run()
    assert at.warning and _score(at) == "Score: 0 of 0 right"  # nothing typed yet
    height, width = question.truth
    at.number_input(key=f"{PREFIX}_h_out").set_value(height)
    at.number_input(key=f"{PREFIX}_w_out").set_value(width).run()
    at.button(key=f"{PREFIX}_check_size").click().run()
    _no_trouble(at)
    assert _score(at) == "Score: 1 of 1 right"
    assert f"The output is {height}×{width}" in at.success[0].value
    assert at.button(key=f"{PREFIX}_check_size").disabled


def test_new_question_changes_the_question_and_reset_clears_the_score() -> None:
    at = _predict_page("size")
    first = exercises.output_size_question(_seed(at))
    at.number_input(key=f"{PREFIX}_h_out").set_value(first.truth[0] + 1)
    at.number_input(key=f"{PREFIX}_w_out").set_value(first.truth[1]).run()
    at.button(key=f"{PREFIX}_check_size").click().run()
    assert at.error and _score(at) == "Score: 0 of 1 right"

    at.button(key=f"{PREFIX}_new").click().run()
    _no_trouble(at)
    assert _seed(at) == first.seed + 1
    second = exercises.output_size_question(_seed(at))
    prompts = [m.value for m in at.markdown]
    assert second.prompt in prompts and first.prompt not in prompts
    assert not at.error and not at.success  # the new question is not answered yet
    assert at.number_input(key=f"{PREFIX}_h_out").value is None
    assert not at.button(key=f"{PREFIX}_check_size").disabled

    at.button(key=f"{PREFIX}_reset").click().run()
    assert _score(at) == "Score: 0 of 0 right"


def test_a_revealed_question_stays_answered_when_it_comes_back() -> None:
    at = _predict_page("which")
    question = exercises.which_question(_seed(at))
    _answer(at, question.answer)
    at.button(key=f"{PREFIX}_new").click().run()
    at.number_input(key=SEED).set_value(question.seed).run()
    _no_trouble(at)
    assert at.success and at.button(key=f"{PREFIX}_answer_A").disabled
    assert _score(at) == "Score: 1 of 1 right"


def test_the_current_kernel_is_asked_about_when_chosen() -> None:
    at = _predict_page("equal")
    at.selectbox(key=f"{PREFIX}_equal_kernel").set_value("current").run()
    _no_trouble(at)
    # The app starts with the symmetric Gaussian 5×5 /273.
    question = exercises.equality_question(
        _seed(at), "current", kernel=kernels.make(kernels.DEFAULT_PRESET)
    )
    assert question.answer == "equal"
    _answer(at, "equal")
    assert at.success and _score(at) == "Score: 1 of 1 right"


def test_a_mixed_round_asks_the_kind_the_question_number_picks() -> None:
    at = _predict_page()
    headings = {
        "equal": "Will convolution and correlation with K be equal?",
        "which": "Which panel is the convolution?",
        "where": "Where will convolution and correlation differ most?",
        "size": "What will the output size be?",
    }
    seen = set()
    for _ in range(3):
        kind = exercises.pick_kind(_seed(at))
        assert headings[kind] in [s.value for s in at.subheader]
        seen.add(kind)
        at.button(key=f"{PREFIX}_new").click().run()
        _no_trouble(at)
    assert len(seen) > 1  # questions 1 to 3 are not all of one kind


def _embedded_size_exercise() -> None:
    from ui.exercises import output_size_exercise

    output_size_exercise("layers_size")


def test_the_output_size_exercise_embeds_with_its_own_keys_and_score() -> None:
    at = AppTest.from_function(_embedded_size_exercise, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    question = exercises.output_size_question(
        int(at.number_input(key="layers_size_question_number").value)
    )
    at.number_input(key="layers_size_h_out").set_value(question.truth[0])
    at.number_input(key="layers_size_w_out").set_value(question.truth[1]).run()
    at.button(key="layers_size_check_size").click().run()
    assert at.success
    assert at.session_state["layers_size_score_right"] == 1
    assert "predict_score_right" not in at.session_state
