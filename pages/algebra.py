"""Algebra page."""

import streamlit as st

st.title("Algebra")
