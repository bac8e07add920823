"""Entry point: page config, navigation over the pages, and the shared sidebar."""

import streamlit as st

from ui import compute, widgets
from ui.guard import guarded

st.set_page_config(
    page_title="Convolution workbench",
    page_icon="🔍",
    layout="wide",
    initial_sidebar_state="expanded",
)

pages = [
    st.Page("pages/compare.py", title="Compare", icon="⚖️", default=True),
]
navigation = st.navigation(pages)
compute.warm_up()

with st.sidebar, guarded("reading the image and options"):
    demo = widgets.image_source(widgets.demo())
    demo = widgets.options(demo)
    widgets.set_demo(demo, kernel_changed=False)

with guarded("drawing this page"):
    navigation.run()
