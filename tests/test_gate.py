"""The admission gate: slots, strict FIFO queue, waiting counts, superseding, cleanup."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import filters
from filters import FiltersError
from ui import gate as gate_module
from ui.gate import WORKERS_ENV, Gate, Superseded, default_slots, gate, reset_gate

WAIT = 2.0  # seconds a thread may take before a test gives up on it


class Stop(BaseException):
    """Like Streamlit's StopException: control flow, not an error."""


class Request:
    """One request in its own thread: it waits for a slot, then holds it until released."""

    def __init__(self, gate: Gate, owner: str, *, poll: float = 0.0, on_wait=None, hold=True):
        self.gate = gate
        self.owner = owner
        self.poll = poll
        self.extra_on_wait = on_wait
        self.waits: list[int] = []
        self.queued = threading.Event()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.done = threading.Event()
        if not hold:
            self.release.set()
        self.ticket = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _on_wait(self, ahead: int) -> None:
        self.waits.append(ahead)
        self.queued.set()
        if self.extra_on_wait is not None:
            self.extra_on_wait(ahead)

    def _run(self) -> None:
        try:
            with self.gate.admit(self.owner, on_wait=self._on_wait, poll=self.poll) as ticket:
                self.ticket = ticket
                self.entered.set()
                assert self.release.wait(WAIT)
        except BaseException as error:
            self.error = error
        finally:
            self.done.set()

    def finish(self) -> None:
        self.release.set()
        assert self.done.wait(WAIT), f"{self.owner} did not finish"


def wait_until(condition, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def queued(gate: Gate, owner: str, **options) -> Request:
    """Start a request and return once it is in the queue."""
    request = Request(gate, owner, **options)
    assert request.queued.wait(WAIT), f"{owner} was not queued"
    return request


def running(gate: Gate, owner: str, **options) -> Request:
    """Start a request and return once it holds a slot."""
    request = Request(gate, owner, **options)
    assert request.entered.wait(WAIT), f"{owner} was not admitted"
    return request


# ----------------------------------------------------------------------------
# Admission
# ----------------------------------------------------------------------------


def test_a_free_slot_admits_at_once_without_waiting():
    waits = []
    entrance = Gate(2)
    with entrance.admit("a", on_wait=waits.append) as ticket:
        assert ticket.owner == "a"
        assert (ticket.arrival, ticket.admission) == (1, 1)
        assert not ticket.superseded
        ticket.check()
        assert entrance.running() == 1
        with entrance.admit("b", on_wait=waits.append):
            assert entrance.running() == 2
    assert waits == []
    assert entrance.running() == 0
    assert entrance.stats() == {
        "slots": 2,
        "running": 0,
        "waiting": 0,
        "admitted": 2,
        "queued": 0,
        "superseded": 0,
        "left": 0,
    }


def test_requests_beyond_the_slots_wait_and_are_served_first_come_first_served():
    entrance = Gate(1)
    holder = running(entrance, "holder")
    waiters = []
    for number in range(5):
        request = queued(entrance, f"w{number}", hold=False)
        waiters.append(request)
    assert entrance.waiting() == 5
    assert [request.waits[0] for request in waiters] == [1, 2, 3, 4, 5]

    holder.finish()
    for request in waiters:
        assert request.done.wait(WAIT)
        assert request.error is None
    order = sorted(waiters, key=lambda request: request.ticket.admission)
    assert [request.owner for request in order] == ["w0", "w1", "w2", "w3", "w4"]
    assert entrance.running() == entrance.waiting() == 0
    for request in waiters:
        # Each count is smaller than the one before, and admission reports 0.
        assert request.waits == sorted(set(request.waits), reverse=True)
        assert request.waits[-1] == 0
        assert request.waits[-2] >= 1


def test_on_wait_follows_every_change_ahead_down_to_admission():
    entrance = Gate(1)
    holder = running(entrance, "holder")
    first = queued(entrance, "first")
    second = queued(entrance, "second")
    last = queued(entrance, "last")
    assert last.waits == [3]
    holder.finish()
    assert first.entered.wait(WAIT)
    wait_until(lambda: last.waits[-1] == 2)
    first.finish()
    assert second.entered.wait(WAIT)
    wait_until(lambda: last.waits[-1] == 1)
    second.finish()
    assert last.entered.wait(WAIT)
    assert last.waits == [3, 2, 1, 0]
    assert first.waits == [1, 0]
    last.finish()


def test_on_wait_is_called_at_most_every_poll_seconds():
    entrance = Gate(1)
    holder = running(entrance, "holder")
    first = queued(entrance, "first")
    late = queued(entrance, "late", poll=60.0)
    holder.finish()
    assert first.entered.wait(WAIT)
    time.sleep(0.05)  # the count ahead of "late" fell to 1, too soon to report
    first.finish()
    assert late.entered.wait(WAIT)
    assert late.waits == [2, 0]
    late.finish()


def test_several_slots_count_running_and_queued_computations_ahead():
    entrance = Gate(2)
    holders = [running(entrance, "h1"), running(entrance, "h2")]
    first = queued(entrance, "first")
    second = queued(entrance, "second")
    assert (first.waits, second.waits) == ([2], [3])
    holders[0].finish()
    assert first.entered.wait(WAIT)
    assert not second.entered.is_set()
    holders[1].finish()
    assert second.entered.wait(WAIT)
    for request in (first, second):
        request.finish()


# ----------------------------------------------------------------------------
# Superseding
# ----------------------------------------------------------------------------


def test_a_newer_request_replaces_a_waiting_one_and_joins_at_the_back():
    entrance = Gate(1)
    holder = running(entrance, "holder")
    older = queued(entrance, "session")
    other = queued(entrance, "other")
    newer = queued(entrance, "session")
    assert older.done.wait(WAIT)
    assert isinstance(older.error, Superseded)
    assert not older.entered.is_set()
    assert entrance.waiting() == 2
    # Asking again does not move the session ahead of "other", who asked meanwhile.
    assert newer.waits[0] == 2
    holder.finish()
    assert other.entered.wait(WAIT)
    assert not newer.entered.is_set()
    other.finish()
    assert newer.entered.wait(WAIT)
    assert not newer.ticket.superseded
    newer.finish()
    assert entrance.stats()["superseded"] == 1
    assert entrance.running() == entrance.waiting() == 0


def test_superseded_is_not_a_filters_error():
    assert issubclass(Superseded, Exception)
    assert not issubclass(Superseded, FiltersError)


def test_a_running_request_is_marked_not_interrupted():
    entrance = Gate(2)
    older = running(entrance, "session")
    newer = running(entrance, "session")
    assert older.ticket.superseded
    with pytest.raises(Superseded):
        older.ticket.check()
    assert not older.done.is_set()
    assert not newer.ticket.superseded
    newer.ticket.check()
    older.finish()
    newer.finish()
    assert older.error is None


def test_a_newer_request_waits_for_the_running_one_it_supersedes():
    entrance = Gate(1)
    older = running(entrance, "session")
    newer = queued(entrance, "session")
    assert older.ticket.superseded
    assert newer.waits == [1]
    older.finish()
    assert newer.entered.wait(WAIT)
    newer.finish()


# ----------------------------------------------------------------------------
# Leaving cleanly
# ----------------------------------------------------------------------------


def test_an_exception_inside_releases_the_slot():
    entrance = Gate(1)
    with pytest.raises(ValueError), entrance.admit("a"):
        raise ValueError("the computation failed")
    assert entrance.running() == 0
    with entrance.admit("b") as ticket:
        assert ticket.admission == 2


def test_a_base_exception_from_on_wait_leaves_the_queue_cleanly():
    entrance = Gate(1)
    holder = running(entrance, "holder")

    def stop(ahead):
        raise Stop

    stopped = Request(entrance, "stopped", on_wait=stop)
    assert stopped.done.wait(WAIT)
    assert isinstance(stopped.error, Stop)
    behind = queued(entrance, "behind")
    assert behind.waits == [1]
    assert entrance.waiting() == 1
    holder.finish()
    assert behind.entered.wait(WAIT)
    behind.finish()
    assert entrance.stats()["left"] == 1
    assert entrance.running() == entrance.waiting() == 0


def test_stopping_while_others_wait_behind_lets_them_move_up():
    entrance = Gate(1)
    holder = running(entrance, "holder")
    stop_now = threading.Event()

    def stop_when_told(ahead):
        if stop_now.is_set():
            raise Stop

    stopped = queued(entrance, "stopped", on_wait=stop_when_told)
    behind = queued(entrance, "behind")
    assert behind.waits == [2]
    stop_now.set()
    holder.finish()  # the count ahead of "stopped" changes, so on_wait runs and stops
    assert stopped.done.wait(WAIT)
    assert isinstance(stopped.error, Stop)
    assert behind.entered.wait(WAIT)
    behind.finish()
    assert entrance.running() == entrance.waiting() == 0


def test_stopping_when_admitted_releases_the_slot():
    entrance = Gate(1)
    holder = running(entrance, "holder")

    def stop_at_admission(ahead):
        if ahead == 0:
            raise Stop

    stopped = queued(entrance, "stopped", on_wait=stop_at_admission)
    holder.finish()
    assert stopped.done.wait(WAIT)
    assert isinstance(stopped.error, Stop)
    assert not stopped.entered.is_set()
    assert entrance.running() == 0
    running(entrance, "next").finish()


# ----------------------------------------------------------------------------
# Under load
# ----------------------------------------------------------------------------


def load(entrance, owners, threads_per_owner, requests_per_thread):
    """Every owner's threads ask for the gate again and again; what happened to each request."""
    record = threading.Lock()
    completed = []  # (owner, arrival, admission)
    superseded = []
    first_counts = []
    start = threading.Barrier(len(owners) * threads_per_owner)

    def ask(owner):
        start.wait(WAIT)
        for _ in range(requests_per_thread):
            waits = []
            try:
                with entrance.admit(owner, on_wait=waits.append, poll=0) as ticket:
                    time.sleep(0.0005)
                    with record:
                        completed.append((owner, ticket.arrival, ticket.admission))
            except Superseded:
                with record:
                    superseded.append(owner)
            with record:
                first_counts.extend(waits[:1])

    threads = [
        threading.Thread(target=ask, args=(owner,), daemon=True)
        for owner in owners
        for _ in range(threads_per_owner)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 5)
        assert not thread.is_alive()
    return completed, superseded, first_counts


def assert_first_come_first_served(completed):
    arrivals = [arrival for _, arrival, _ in sorted(completed, key=lambda row: row[2])]
    assert arrivals == sorted(arrivals)


def test_no_request_starves_under_load():
    entrance = Gate(2)
    owners = [f"session{number}" for number in range(8)]
    completed, superseded, first_counts = load(entrance, owners, 1, 20)
    assert superseded == []
    assert len(completed) == 8 * 20
    assert_first_come_first_served(completed)
    # Each session has one request at a time, so at most the 7 others are ahead.
    assert max(first_counts) <= 7
    assert entrance.running() == entrance.waiting() == 0
    assert entrance.stats()["admitted"] == 8 * 20


def test_sessions_that_keep_asking_again_still_get_served():
    entrance = Gate(2)
    owners = [f"session{number}" for number in range(8)]
    completed, superseded, first_counts = load(entrance, owners, 2, 10)
    # Every request either ran to the end or was replaced by a newer one.
    assert len(completed) + len(superseded) == 8 * 2 * 10
    assert {owner for owner, _, _ in completed} == set(owners)
    assert_first_come_first_served(completed)
    assert max(first_counts) <= 2 * 8 - 1
    assert entrance.running() == entrance.waiting() == 0
    assert entrance.stats()["superseded"] >= len(superseded)


def test_filters_give_the_same_results_from_several_threads_through_the_gate():
    rng = np.random.default_rng(7)
    images = [rng.random((40 + 3 * n, 50, 3) if n % 2 else (40 + 3 * n, 50)) for n in range(8)]
    kernels = [rng.standard_normal((2 * (n % 3) + 3, 5)) for n in range(8)]
    cases = list(zip(images, kernels, strict=True))
    expected = [filters.convolve(image, kernel) for image, kernel in cases]
    entrance = Gate(4)
    results: dict[int, list[np.ndarray]] = {}
    start = threading.Barrier(4)

    def work(worker):
        start.wait(WAIT)
        outputs = []
        for image, kernel in cases:
            with entrance.admit(f"session{worker}"):
                outputs.append(filters.convolve(image, kernel))
        results[worker] = outputs

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 5)
        assert not thread.is_alive()
    assert sorted(results) == [0, 1, 2, 3]
    for outputs in results.values():
        for got, want in zip(outputs, expected, strict=True):
            np.testing.assert_array_equal(got, want)


# ----------------------------------------------------------------------------
# The process-wide gate
# ----------------------------------------------------------------------------


@pytest.fixture
def fresh_environment(monkeypatch):
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    yield monkeypatch
    monkeypatch.undo()
    reset_gate()


def test_a_gate_needs_a_slot():
    with pytest.raises(ValueError, match="slots"):
        Gate(0)


@pytest.mark.parametrize(("cores", "slots"), [(1, 1), (2, 2), (4, 4), (16, 4), (128, 4)])
def test_default_slots_follow_the_cores_up_to_four(fresh_environment, cores, slots):
    fresh_environment.setattr(gate_module.os, "sched_getaffinity", lambda pid: set(range(cores)))
    assert default_slots() == slots
    assert reset_gate().slots == slots


def test_default_slots_without_affinity_use_the_cpu_count(fresh_environment):
    fresh_environment.delattr(gate_module.os, "sched_getaffinity", raising=False)
    fresh_environment.setattr(gate_module.os, "cpu_count", lambda: None)
    assert default_slots() == 1


def test_the_environment_sets_the_slots(fresh_environment):
    fresh_environment.setenv(WORKERS_ENV, "3")
    current = reset_gate()
    assert current.slots == 3
    assert gate() is current


@pytest.mark.parametrize("value", ["many", "0", "-2", "1.5"])
def test_an_invalid_workers_variable_is_named(fresh_environment, value):
    fresh_environment.setenv(WORKERS_ENV, value)
    with pytest.raises(ValueError, match=WORKERS_ENV) as caught:
        reset_gate()
    assert repr(value) in str(caught.value)


def test_reset_gate_replaces_the_gate(fresh_environment):
    current = reset_gate(2)
    assert current.slots == 2
    assert gate() is current
    fresh_environment.setattr(gate_module, "_current", None)
    assert gate() is gate()
