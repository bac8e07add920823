"""Streamlit user-interface pieces of the filter workbench."""
