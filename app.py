"""Entry point: page config, navigation over the pages, and the shared sidebar."""

from pathlib import Path

import streamlit as st

from ui import compute, present, server, widgets
from ui.guard import guarded

# Presentation mode starts with the sidebar closed; "auto" closes it on phones.
mode = widgets.demo().mode
st.set_page_config(
    page_title="Convolution workbench",
    # A file the app serves itself: a ":material/…:" page icon is fetched from a font host.
    page_icon=Path(__file__).parent / "assets" / "icon.png",
    layout="wide",
    initial_sidebar_state="collapsed" if mode == "present" else "auto",
)
present.style(mode)

pages = [
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:", default=True),
    st.Page("pages/fourier.py", title="Fourier domain", icon=":material/waves:"),
    st.Page("pages/algebra.py", title="Algebra", icon=":material/function:"),
    st.Page("pages/cnn.py", title="CNN", icon=":material/neurology:"),
    st.Page("pages/layers.py", title="CNN layers", icon=":material/layers:"),
    st.Page("pages/step.py", title="Step through", icon=":material/search:"),
    st.Page("pages/slide.py", title="Slide", icon=":material/animation:"),
    st.Page("pages/onedim.py", title="One dimension", icon=":material/show_chart:"),
    st.Page("pages/predict.py", title="Predict", icon=":material/quiz:"),
    st.Page("pages/performance.py", title="Performance", icon=":material/timer:"),
    st.Page("pages/questions.py", title="Questions", icon=":material/help:"),
]
navigation = st.navigation(pages)
server.install()  # already done by serve.py; here too for a plain `streamlit run app.py`
compute.warm_up()

with st.sidebar, guarded("reading the image and options"):
    demo = widgets.presentation_toggle(widgets.demo())
    demo = widgets.image_source(demo)
    demo = widgets.options(demo)
    widgets.set_demo(demo, kernel_changed=False)

with guarded("drawing this page"):
    navigation.run()
