"""CNN layers (being built)."""

import streamlit as st

from ui.frame import ensure_app_frame

ensure_app_frame()

st.title("CNN layers")
