"""Predict, then reveal: answer first, then see the results that say who was right."""

import streamlit as st

from ui import exercises
from ui.frame import ensure_app_frame
from ui.guard import guarded

ensure_app_frame()

st.title("Predict, then reveal")
st.caption(
    "Answer first: the results, and why, appear once you have answered. One try per question."
)


@st.fragment
def predict() -> None:
    with guarded("asking the question"):
        exercises.predict_round("predict")


predict()
