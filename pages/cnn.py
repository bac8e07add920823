"""CNN page."""

import streamlit as st

st.title("CNN")
