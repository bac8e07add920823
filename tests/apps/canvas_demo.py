"""Demo app for the kernel canvas, driven by ``tests/test_kernel_canvas_browser.py``.

Run it by hand with ``streamlit run tests/apps/canvas_demo.py`` from the repository root.
"""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import numpy as np  # noqa: E402
import streamlit as st  # noqa: E402

from ui.kernel_canvas import kernel_canvas  # noqa: E402

st.set_page_config(page_title="Kernel canvas demo")
st.title("Kernel canvas")

kernel = np.zeros((5, 5))
drawn = kernel_canvas(kernel, key="demo_canvas")
shown = kernel if drawn is None else drawn

st.text(f"sum={shown.sum():.1f}")
st.text(f"centre={shown[2, 2]:.1f}")
st.text(f"drawn={drawn is not None}")
