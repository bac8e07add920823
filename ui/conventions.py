"""The conventions table: how SciPy, MATLAB, OpenCV and PyTorch line up with ``filters``."""

from __future__ import annotations

import streamlit as st

from filters import conventions

COLUMNS = ("Library", "Call", "Computes", "Odd kernel sides: equals", "Even sides: equals")


def table_rows() -> list[dict[str, str]]:
    """One row per library call of :data:`filters.conventions.CONVENTIONS`."""
    return [
        dict(
            zip(
                COLUMNS,
                (row.library, row.call, row.operation, row.odd_sides, row.even_sides),
                strict=True,
            )
        )
        for row in conventions.CONVENTIONS
    ]


def section(kernel_shape: tuple[int, int]) -> None:
    """The table, and the SciPy rows checked now for ``kernel_shape`` and a 4×4 kernel."""
    st.markdown(
        "For odd kernel sides every library agrees: the kernel has a centre pixel. For an "
        "even side there is none, and libraries start `same` output one pixel apart. Ours, "
        "`align='scipy'`, keeps `full[(k−1)//2 :]`; `align='matlab'` keeps `full[k//2 :]`, "
        "as MATLAB's `conv2`, `filter2` and `imfilter` do. MATLAB's own "
        "`conv([-1 2 3 -2 0 1 2], [2 4 -1 1], 'same')` = `[15 5 -9 7 6 7 -1]`: that is "
        "`align='matlab'`; the default gives `[0 15 5 -9 7 6 7]`, like SciPy's `convolve2d`."
    )
    # A static table: its cells wrap, so the last column (the mapping) is never cut.
    st.table(table_rows())
    shapes = [tuple(kernel_shape)]
    if (4, 4) not in shapes:
        shapes.append((4, 4))
    for shape in shapes:
        check = conventions.check_scipy(shape)
        worst = max(check.differences.values())
        verdict = "every SciPy row holds" if check.all_equal else "a SciPy row does NOT hold"
        st.markdown(
            f"Checked now for a {shape[0]}×{shape[1]} kernel on a random 9×10 image: "
            f"{verdict} (largest gap {worst:.2g} over {len(check.differences)} calls)."
        )
    st.caption(
        "MATLAB, OpenCV and PyTorch are not run by the app; the test suite checks their "
        "rows (MATLAB on its published examples, OpenCV directly, PyTorch's 'same' padding "
        "through ONNX's reference Conv)."
    )
