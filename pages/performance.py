"""Performance page."""

import streamlit as st

st.title("Performance")
