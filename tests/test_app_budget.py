"""The app under a small memory budget and a busy gate, through AppTest.

A comparison that does not fit the budget must say so in a plain sentence, offer the
largest preview size that fits, and leave a working app; a computation waiting for
the gate must say how many others are ahead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_app_compare import APP, TIMEOUT, open_app, shown, values
from ui import budget as memory
from ui import gate as admission


@pytest.fixture
def small_budget() -> Iterator[memory.MemoryBudget]:
    """A 40 MB budget: the default 512 px comparison (about 64 MB) does not fit."""
    yield memory.reset_budget(max_bytes=40 * 2**20)
    memory.reset_budget()


def test_a_comparison_beyond_the_budget_says_so_and_offers_a_size_that_fits(small_budget):
    at = open_app()
    (error,) = values(at.error)
    assert "needs" in error and "budget" in error and "WORKBENCH\\_MEMORY\\_BUDGET" in error
    offer = at.button(key="use_fitting_preview")
    assert offer.label == "Use a 384 px preview instead"
    assert values(at.success) == []
    shown(offer.click().run())
    assert values(at.error) == []
    assert at.selectbox(key="preview").value == 384
    assert values(at.success)[0].startswith("The kernel is symmetric")
    assert small_budget.used <= small_budget.max_bytes


def test_work_kept_between_reruns_stays_within_the_budget(small_budget):
    at = open_app(preview="256")
    for name in ("Emboss", "Sobel x", "Shifted impulse", "Gaussian /273"):
        shown(at.button(key=f"quick_{name}").click().run())
        assert values(at.error) == []
        assert small_budget.used <= small_budget.max_bytes
    assert small_budget.stats()["evictions"] > 0


def test_a_computation_waiting_for_the_gate_says_how_many_are_ahead(monkeypatch):
    gate = admission.reset_gate(1)
    told: list[int] = []
    admit = gate.admit

    def recording_admit(owner, *, on_wait=None, **options):
        def recorded(ahead: int) -> None:
            told.append(ahead)
            on_wait(ahead)

        return admit(owner, on_wait=recorded if on_wait else None, **options)

    monkeypatch.setattr(gate, "admit", recording_admit)
    release = threading.Event()
    entered = threading.Event()

    def busy() -> None:
        with gate.admit("another session"):
            entered.set()
            release.wait(10)

    other = threading.Thread(target=busy)
    other.start()
    entered.wait(5)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["preview"] = "256"
    at.query_params["preset"] = "emboss"  # not cached by other tests at this size
    at.query_params["boundary"] = "wrap"
    timer = threading.Timer(1.5, release.set)
    timer.start()
    try:
        shown(at.run())
    finally:
        release.set()
        other.join()
        admission.reset_gate()
    # The page was told one computation was ahead, then admitted (0), and finished.
    assert told[0] == 1 and told[-1] == 0
    assert values(at.warning)[0].startswith("The kernel is not symmetric")
    assert gate.stats()["waiting"] == 0
