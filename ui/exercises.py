"""Predict, then reveal: a question, its answer widgets, the reveal, and the round's score.

The questions come from :mod:`filters.exercises` (seeded, answers computed there);
this module only draws them. A round's state lives in ``st.session_state`` under
keys that start with the round's prefix (:class:`RoundKeys`): the question number
(the seed), the score, and every question revealed so far with the answer given,
so that each question takes one answer and stays revealed.

:func:`predict_round` is the Predict page (every kind); :func:`output_size_exercise`
is the output-size question alone, with its own score, for another page to embed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from filters import exercises, kernels
from ui import compute, figures, light_figures, state, widgets
from ui import text as plain_text
from ui.guard import guarded
from ui.image_viewer import image_viewer

__all__ = ["RoundKeys", "output_size_exercise", "predict_round", "score"]

FIRST_QUESTION = 1
MAX_QUESTION = 999_999
#: Questions remembered as revealed, per round (the oldest are forgotten first).
MAX_REVEALED = 200
KIND_LABELS = {
    "mixed": "Mixed",
    "equal": "Equal?",
    "which": "Which?",
    "where": "Where?",
    "size": "Size",
}
EQUAL_KERNELS = {
    "any": "Random, any kind",
    "symmetric": "Random mirror-symmetric",
    "point": "Random symmetric under 180°",
    "asymmetric": "Random asymmetric",
    "even": "Random even-sided",
    "current": "The current kernel",
}
PICKED_OR_CURRENT = {"picked": "Picked by the question number", "current": "The current one"}
EQUAL_ANSWERS = {"equal": "Yes, equal", "different": "No, different"}
GRID_COLOUR = "#e08a1e"  # orange: reads on grey pictures and on the diverging map
BEST_COLOUR = "#ff3d7f"
PICTURE_HEIGHT = 260


@dataclass(frozen=True)
class RoundKeys:
    """The ``st.session_state`` keys of one round, all starting with ``prefix``."""

    prefix: str

    @property
    def seed(self) -> str:
        """The question number, which is the question's seed."""
        return f"{self.prefix}_question_number"

    @property
    def right(self) -> str:
        return f"{self.prefix}_score_right"

    @property
    def answered(self) -> str:
        return f"{self.prefix}_score_answered"

    @property
    def revealed(self) -> str:
        """A dict: question identity -> (the answer given, whether it was right)."""
        return f"{self.prefix}_revealed"

    @property
    def kind(self) -> str:
        return f"{self.prefix}_kind"

    def widget(self, name: str) -> str:
        return f"{self.prefix}_{name}"


def score(prefix: str) -> tuple[int, int]:
    """(right, answered) in the round ``prefix``."""
    keys = RoundKeys(prefix)
    return int(st.session_state.get(keys.right, 0)), int(st.session_state.get(keys.answered, 0))


# ----------------------------------------------------------------------------
# The round: question number, new question, score
# ----------------------------------------------------------------------------


def _clear_size_inputs(keys: RoundKeys) -> None:
    for name in ("h_out", "w_out"):
        st.session_state[keys.widget(name)] = None


def _new_question(keys: RoundKeys) -> None:
    st.session_state[keys.seed] = min(st.session_state.get(keys.seed, 0) + 1, MAX_QUESTION)
    _clear_size_inputs(keys)


def _reset_score(keys: RoundKeys) -> None:
    st.session_state[keys.right] = 0
    st.session_state[keys.answered] = 0


def _record(keys: RoundKeys, identity: str, question, answer) -> None:
    """Take an answer once per question: keep it, and count it in the score."""
    revealed: dict = st.session_state.setdefault(keys.revealed, {})
    if identity in revealed:
        return
    right = bool(question.check(answer))
    revealed[identity] = (answer, right)
    while len(revealed) > MAX_REVEALED:
        revealed.pop(next(iter(revealed)))
    st.session_state[keys.answered] = st.session_state.get(keys.answered, 0) + 1
    st.session_state[keys.right] = st.session_state.get(keys.right, 0) + int(right)


def _record_size(keys: RoundKeys, identity: str, question) -> None:
    """Take the typed height and width (read now: they may have changed with this click)."""
    answer = tuple(st.session_state.get(keys.widget(name)) for name in ("h_out", "w_out"))
    if None in answer:
        st.session_state[keys.widget("size_missing")] = True
        return
    _record(keys, identity, question, tuple(int(side) for side in answer))


def _round_bar(keys: RoundKeys, columns) -> int:
    """Question number, "New question", "Reset score" and the score; returns the seed."""
    st.session_state.setdefault(keys.seed, FIRST_QUESTION)
    st.session_state.setdefault(keys.right, 0)
    st.session_state.setdefault(keys.answered, 0)
    number, new, reset, shown = columns
    seed = number.number_input(
        "Question",
        min_value=0,
        max_value=MAX_QUESTION,
        step=1,
        key=keys.seed,
        on_change=_clear_size_inputs,
        args=(keys,),
        help="The question number: the same number gives everyone the same question.",
    )
    new.button(
        "New question",
        key=keys.widget("new"),
        on_click=_new_question,
        args=(keys,),
        icon=":material/casino:",
        type="primary",
        width="stretch",
    )
    reset.button(
        "Reset score",
        key=keys.widget("reset"),
        on_click=_reset_score,
        args=(keys,),
        icon=":material/restart_alt:",
        width="stretch",
    )
    right, answered = score(keys.prefix)
    shown.markdown(f"**Score: {right} of {answered} right**")
    return int(seed)


def _reveal(keys: RoundKeys, identity: str, question) -> bool:
    """The verdict and the explanation, once the question was answered; whether it was."""
    given = st.session_state.get(keys.revealed, {}).get(identity)
    if given is None:
        return False
    answer, right = given
    words = _said(question, answer)
    if right:
        plain_text.success(f"Right: {words}. {question.explanation()}")
    else:
        plain_text.error(f"Wrong: you said {words}. {question.explanation()}")
    return True


def _said(question, answer) -> str:
    """An answer as a sentence fragment."""
    if question.kind == "equal":
        return EQUAL_ANSWERS[answer].lower()
    if question.kind == "which":
        return f"panel {answer}"
    if question.kind == "where":
        return f"the {answer} region"
    height, width = answer
    return f"{height}×{width}"


def _answered(keys: RoundKeys, identity: str) -> bool:
    return identity in st.session_state.get(keys.revealed, {})


def _choice_buttons(keys, identity, question, labels: dict[str, str], columns) -> None:
    locked = _answered(keys, identity)
    given = st.session_state.get(keys.revealed, {}).get(identity, (None, None))[0]
    for column, (answer, label) in zip(columns, labels.items(), strict=True):
        column.button(
            label,
            key=keys.widget(f"answer_{answer}"),
            on_click=_record,
            args=(keys, identity, question, answer),
            disabled=locked,
            type="primary" if given == answer else "secondary",
            width="stretch",
        )


# ----------------------------------------------------------------------------
# Pictures
# ----------------------------------------------------------------------------


def _result_panels(question) -> list[figures.Panel]:
    """Input, both results on one scale, and their difference."""
    conv, corr = question.convolution, question.correlation
    signed = figures.looks_signed(conv) or figures.looks_signed(corr)
    both = np.concatenate([conv.ravel(), corr.ravel()])
    shared = dict(signed=signed, display="rescale")
    if signed:
        shared["limit"] = figures.signed_limit(both)
    return [
        figures.Panel("Input I", question.image, display="rescale"),
        figures.Panel("Convolution I ∗ K", conv, **shared),
        figures.Panel("Correlation I ⋆ K", corr, **shared),
        figures.Panel("conv − corr", conv - corr, signed=True),
    ]


def region_figure(
    values: np.ndarray,
    title: str,
    *,
    signed: bool = False,
    numbers: np.ndarray | None = None,
    best: tuple[str, ...] = (),
    height: int = PICTURE_HEIGHT,
) -> go.Figure:
    """A picture cut into the 3×3 regions of a "where" question.

    ``numbers`` (one per region) are written in each region; the ``best`` regions
    are outlined.
    """
    panel = figures.Panel(title, values, signed=signed, display="rescale")
    figure = go.Figure(
        go.Image(source=figures.png_data_uri(figures.panel_rgb(panel)), hoverinfo="skip")
    )
    bounds = exercises.region_bounds(values.shape)
    line = dict(color=GRID_COLOUR, width=2)
    rows, cols = values.shape[:2]
    for _, cols_slice in bounds[1:3]:
        figure.add_shape(
            type="line",
            x0=cols_slice.start - 0.5,
            x1=cols_slice.start - 0.5,
            y0=-0.5,
            y1=rows - 0.5,
            line=line,
        )
    for rows_slice, _ in bounds[3:9:3]:
        figure.add_shape(
            type="line",
            x0=-0.5,
            x1=cols - 0.5,
            y0=rows_slice.start - 0.5,
            y1=rows_slice.start - 0.5,
            line=line,
        )
    for index, (name, (rows_slice, cols_slice)) in enumerate(
        zip(exercises.REGIONS, bounds, strict=True)
    ):
        if name in best:
            figure.add_shape(
                type="rect",
                x0=cols_slice.start - 0.5,
                x1=cols_slice.stop - 0.5,
                y0=rows_slice.start - 0.5,
                y1=rows_slice.stop - 0.5,
                line=dict(color=BEST_COLOUR, width=4),
            )
        if numbers is not None:
            figure.add_annotation(
                x=(cols_slice.start + cols_slice.stop - 1) / 2,
                y=(rows_slice.start + rows_slice.stop - 1) / 2,
                text=f"{numbers[index]:.3g}",
                showarrow=False,
                font=dict(size=15, color="black"),
                bgcolor="rgba(255,255,255,0.8)",
            )
    figure.update_xaxes(visible=False, constrain="domain")
    figure.update_yaxes(visible=False, scaleanchor="x", constrain="domain")
    figure.update_layout(
        title=figures.chart_title(title, size=16),
        height=height,
        margin=dict(l=4, r=4, t=figures.top_margin(), b=4),
        font=figures.FONT,
        plot_bgcolor="white",
    )
    return figure


def _plotly(figure: go.Figure, key: str) -> None:
    st.plotly_chart(figure, width="stretch", key=key, config=figures.PLOTLY_CONFIG)


# ----------------------------------------------------------------------------
# The four kinds
# ----------------------------------------------------------------------------


def _equal(keys: RoundKeys, identity: str, question: exercises.EqualityQuestion) -> None:
    st.subheader("Will convolution and correlation with K be equal?")
    kernel_column, answer_column = st.columns([1, 1.4], gap="large")
    with answer_column:
        st.caption(
            f"I is a {question.image.shape[0]}×{question.image.shape[1]} grey image; "
            "boundary reflect, output same."
        )
        _choice_buttons(keys, identity, question, EQUAL_ANSWERS, st.columns(2))
        revealed = _reveal(keys, identity, question)
    with kernel_column:
        shown = {"K": question.kernel}
        if revealed:
            shown["rot180(K)"] = question.rotated
        light_figures.matrices(shown, key=keys.widget("kernel"), columns=2)
    if revealed:
        image_viewer(
            _result_panels(question),
            key=keys.widget("results"),
            group=keys.widget("results"),
            max_height=PICTURE_HEIGHT,
        )


def _which(keys: RoundKeys, identity: str, question: exercises.WhichQuestion) -> None:
    st.subheader("Which panel is the convolution?")
    pictures, answer_column = st.columns([3, 1.3], gap="large")
    with answer_column:
        st.caption(question.prompt)
        labels = {"A": "A is the convolution", "B": "B is the convolution"}
        for answer, label in labels.items():
            _choice_buttons(keys, identity, question, {answer: label}, [st])
        revealed = _reveal(keys, identity, question)
    with pictures:
        shown = {"K": question.kernel}
        if revealed:
            shown["rot180(K)"] = kernels.flip(question.kernel)
        shown |= {"Panel A": question.panels["A"], "Panel B": question.panels["B"]}
        light_figures.matrices(shown, key=keys.widget("panels"), columns=len(shown))


def _where(keys: RoundKeys, identity: str, question: exercises.WhereQuestion) -> None:
    st.subheader("Where will convolution and correlation differ most?")
    picture, kernel_column, answer_column = st.columns([1.2, 0.8, 1.3], gap="medium")
    with picture:
        _plotly(region_figure(question.image, "The image I, in 9 regions"), keys.widget("regions"))
    with kernel_column:
        light_figures.matrices({"K": question.kernel}, key=keys.widget("where_kernel"), columns=1)
    with answer_column:
        st.caption("Where is |conv − corr| largest? Pick a region:")
        for row in range(3):
            names = exercises.REGIONS[3 * row : 3 * row + 3]
            _choice_buttons(keys, identity, question, {name: name for name in names}, st.columns(3))
        revealed = _reveal(keys, identity, question)
    if not revealed:
        return
    left, right = st.columns([1, 2], gap="medium")
    with left:
        _plotly(
            region_figure(
                np.abs(question.difference),
                "|conv − corr|, largest in each region",
                numbers=question.region_max,
                best=question.accepted,
            ),
            keys.widget("where_difference"),
        )
    with right:
        image_viewer(
            _result_panels(question)[1:],
            key=keys.widget("where_results"),
            group=keys.widget("where_results"),
            max_height=PICTURE_HEIGHT,
        )


def _size(keys: RoundKeys, identity: str, question: exercises.OutputSizeQuestion) -> None:
    st.subheader("What will the output size be?")
    st.markdown(question.prompt)
    locked = _answered(keys, identity)
    inputs = st.columns([1, 1, 1, 1])
    inputs[0].number_input(
        "H_out",
        min_value=0,
        max_value=100_000,
        step=1,
        value=None,
        key=keys.widget("h_out"),
        disabled=locked,
    )
    inputs[1].number_input(
        "W_out",
        min_value=0,
        max_value=100_000,
        step=1,
        value=None,
        key=keys.widget("w_out"),
        disabled=locked,
    )
    inputs[2].button(
        "Check",
        key=keys.widget("check_size"),
        on_click=_record_size,
        args=(keys, identity, question),
        disabled=locked,
        type="primary",
        width="stretch",
    )
    if not locked and st.session_state.pop(keys.widget("size_missing"), False):
        st.warning("Type both numbers first, then check.")
    _reveal(keys, identity, question)


RENDERERS = {"equal": _equal, "which": _which, "where": _where, "size": _size}


# ----------------------------------------------------------------------------
# Building questions
# ----------------------------------------------------------------------------


@compute.kept
def _built(kind, seed, source, kernel_key, image_key, _kernel, _image):
    return exercises.make(kind, seed, source=source, kernel=_kernel, image=_image)


def _digest(values: np.ndarray) -> str:
    values = np.ascontiguousarray(values, dtype=np.float64)
    return hashlib.blake2b(
        values.tobytes() + repr(values.shape).encode(), digest_size=8
    ).hexdigest()


def _current_image() -> tuple[np.ndarray, str]:
    """The sidebar's working image and its key; the demo's sample before there is one."""
    if st.session_state.get(state.IMAGE) is not None:
        return st.session_state[state.IMAGE], st.session_state[state.IMAGE_KEY]
    sample = widgets.demo().sample
    return compute.sample(sample), f"sample:{sample}"


def _options(keys: RoundKeys, kind: str, mixed: bool) -> dict:
    """Where the kernel and image come from (picked by the seed in a mixed round)."""
    if mixed or kind not in ("equal", "where"):
        return {"source": "any", "kernel": None, "image": None}
    left, right = st.columns(2)
    if kind == "equal":
        source = left.selectbox(
            "Kernel",
            list(EQUAL_KERNELS),
            format_func=EQUAL_KERNELS.get,
            key=keys.widget("equal_kernel"),
        )
        image_from = right.radio(
            "Image I",
            ["picked", "current"],
            horizontal=True,
            format_func={
                "picked": "Random, from the question number",
                "current": "The current image",
            }.get,
            key=keys.widget("equal_image"),
        )
        kernel = widgets.demo().kernel() if source == "current" else None
    else:
        kernel_from = left.radio(
            "Kernel",
            list(PICKED_OR_CURRENT),
            horizontal=True,
            format_func=PICKED_OR_CURRENT.get,
            key=keys.widget("where_kernel_from"),
        )
        image_from = right.radio(
            "Image I",
            list(PICKED_OR_CURRENT),
            horizontal=True,
            format_func=PICKED_OR_CURRENT.get,
            key=keys.widget("where_image"),
        )
        source = "any"
        kernel = widgets.demo().kernel() if kernel_from == "current" else None
    image = _current_image() if image_from == "current" else None
    return {"source": source, "kernel": kernel, "image": image}


def _ask(keys: RoundKeys, kind: str, seed: int, options: dict) -> None:
    kernel, image = options["kernel"], options["image"]
    kernel_key = _digest(kernel) if kernel is not None else ""
    image_values, image_key = image if image is not None else (None, "")
    question = _built(kind, seed, options["source"], kernel_key, image_key, kernel, image_values)
    identity = f"{kind}|{seed}|{options['source']}|{kernel_key}|{image_key}"
    RENDERERS[kind](keys, identity, question)


# ----------------------------------------------------------------------------
# Public
# ----------------------------------------------------------------------------


def predict_round(prefix: str = "predict") -> None:
    """The Predict page: choose a kind (or mixed), answer, see the reveal and the score."""
    keys = RoundKeys(prefix)
    top = st.columns([3.3, 0.75, 1.3, 1.15, 1.1], vertical_alignment="bottom")
    # A radio rather than a segmented control: the latter's selected label (Streamlit's
    # tint of the theme colour) falls just short of WCAG AA contrast.
    choice = top[0].radio(
        "Kind of question",
        list(KIND_LABELS),
        format_func=KIND_LABELS.get,
        index=list(KIND_LABELS).index("mixed"),
        horizontal=True,
        key=keys.kind,
        help="Equal? — will convolution and correlation agree. Which? — which panel is the "
        "convolution. Where? — where do they differ most. Size — a CNN layer's output size. "
        "Mixed — any of them, picked by the question number.",
    )
    seed = _round_bar(keys, top[1:])
    kind = exercises.pick_kind(seed) if choice == "mixed" else choice
    with guarded("making the question"):
        _ask(keys, kind, seed, _options(keys, kind, mixed=choice == "mixed"))


def output_size_exercise(key_prefix: str) -> None:
    """The output-size question alone, with its own question number and score.

    Every key it uses starts with ``key_prefix``, so a page can hold several.
    """
    keys = RoundKeys(key_prefix)
    seed = _round_bar(keys, st.columns([1, 1, 1, 1.4], vertical_alignment="bottom"))
    with guarded("making the question"):
        _ask(keys, "size", seed, {"source": "any", "kernel": None, "image": None})
