"""Fourier domain page."""

import streamlit as st

st.title("Fourier domain")
