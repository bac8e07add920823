"""Questions page."""

import streamlit as st

st.title("Questions")
