"""The Algebra page through AppTest: every number it shows is recomputed here.

The summary table's errors and verdicts must be those of ``filters.algebra.run_all``
on the same grey copy of the working image, and each control must change them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from filters import algebra, images, kernels

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _algebra_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=150)
    at.run()
    at.switch_page("pages/algebra.py")
    at.run()
    _no_trouble(at)
    return at


def _no_trouble(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _table(at: AppTest):
    """The summary table (the kernel editor's grid is a data frame too)."""
    (table,) = [frame.value for frame in at.dataframe if "Identity" in frame.value.columns]
    return table


def _recomputed(at: AppTest, k2_name: str, size: int, shift=(7, -11)):
    small = images.resize_long_side(images.to_grey(at.session_state["image"]), size)
    k1 = at.session_state["demo"].kernel()
    k2 = algebra.letter_f_kernel() if k2_name == "letter_f" else kernels.make(k2_name)
    return algebra.run_all(small, k1, k2, shift=shift)


def _assert_table_matches(at: AppTest, checks) -> None:
    table = _table(at)
    assert list(table["Identity"]) == [check.statement for check in checks]
    assert list(table["relative error"]) == [f"{check.relative_error:.2e}" for check in checks]
    assert list(table["max |lhs − rhs|"]) == [f"{check.max_abs_error:.2e}" for check in checks]
    assert list(table["verdict"]) == ["✓ holds" if c.holds else "✗ fails" for c in checks]


@pytest.fixture(scope="module")
def page() -> AppTest:
    """The page as a first visit shows it; tests that change it open their own."""
    return _algebra_page()


def test_default_table_is_computed_from_the_shown_image_and_kernels(page):
    checks = _recomputed(page, "emboss", 96)
    _assert_table_matches(page, checks)
    verdicts = list(_table(page)["verdict"])
    # Correlation neither commutes nor associates naively; everything else holds.
    assert verdicts == ["✓ holds", "✗ fails", "✓ holds", "✓ holds", "✗ fails"] + ["✓ holds"] * 5
    warnings = [w.value for w in page.warning]
    assert any(w.startswith("**I ⋆ K = K ⋆ I** fails") for w in warnings)
    assert any(w.startswith("**(I ⋆ K₁) ⋆ K₂ = I ⋆ (K₁ ⋆ K₂)** fails") for w in warnings)
    successes = [s.value for s in page.success]
    assert any(s.startswith("**I ⋆ K = R(K ⋆ I)** holds") for s in successes)
    assert any(s.startswith("**(I ⋆ K₁) ⋆ K₂ = I ⋆ (K₁ ∗ K₂)** holds") for s in successes)
    height, width = images.resize_long_side(page.session_state["image"][..., 0], 96).shape
    assert any(f"On a {width}×{height} grey copy" in c.value for c in page.caption)


def test_linearity_prints_the_weights_it_drew(page):
    checks = _recomputed(page, "emboss", 96)
    a, b = checks[6].params["a"], checks[6].params["b"]
    assert any(
        f"a = {a:.3f}" in latex.value and f"b = {b:.3f}" in latex.value for latex in page.latex
    )


def test_impulse_response_is_exact_for_both_operations(page):
    successes = [s.value for s in page.success]
    assert any(s.startswith("δ ∗ K is **exactly** K") for s in successes)
    assert any(s.startswith("δ ⋆ K is **exactly** R(K)") for s in successes)


def test_shift_map_reports_where_it_holds(page):
    notes = [info.value for info in page.info]
    assert len(notes) == 2
    result = algebra.check_shift_equivariance(
        images.resize_long_side(images.to_grey(page.session_state["image"]), 96),
        page.session_state["demo"].kernel(),
        "convolve",
        shift=(7, -11),
        boundary="reflect",
    )
    assert f"relative error is {result.check.relative_error:.3g}" in notes[0]
    assert f"within {result.band} px of the borders" in notes[0]
    assert "Inside the dashed frame it holds" in notes[0]


def test_a_symmetric_second_kernel_makes_the_naive_rule_hold_and_size_changes_numbers():
    at = _algebra_page()
    before = list(_table(at)["relative error"])
    at.selectbox(key="algebra_k2").set_value("box").run()
    _no_trouble(at)
    checks = _recomputed(at, "box", 96)
    _assert_table_matches(at, checks)
    assert list(_table(at)["verdict"])[4] == "✓ holds"
    after = list(_table(at)["relative error"])
    assert after[4] != before[4]

    at.select_slider(key="algebra_size").set_value(48).run()
    _no_trouble(at)
    _assert_table_matches(at, _recomputed(at, "box", 48))


def test_shift_boundary_and_impulse_kernel_controls():
    at = _algebra_page()
    at.selectbox(key="algebra_shift_boundary").set_value("wrap").run()
    _no_trouble(at)
    holds = [s.value for s in at.success if s.value.startswith("Holds everywhere")]
    assert len(holds) == 2
    assert not at.info

    at.button(key="quick_Emboss").click().run()
    at.selectbox(key="algebra_impulse_kernel").set_value("k1").run()
    _no_trouble(at)
    assert any(s.value.startswith("δ ⋆ K is **exactly** R(K)") for s in at.success)
    # K₁ is now the emboss kernel, asymmetric: correlation's swap fails, convolution's holds.
    _assert_table_matches(at, _recomputed(at, "emboss", 96))


def test_a_shift_larger_than_the_image_is_a_plain_error():
    at = _algebra_page()
    at.select_slider(key="algebra_size").set_value(32).run()
    at.number_input(key="algebra_dx").set_value(-31).run()
    assert not at.exception
    (error,) = at.error
    assert "shift must be smaller than the image" in error.value
    at.number_input(key="algebra_dx").set_value(-3).run()
    _no_trouble(at)
    _assert_table_matches(at, _recomputed(at, "emboss", 32, shift=(7, -3)))
