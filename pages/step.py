"""Step through page."""

import streamlit as st

st.title("Step through")
