"""The process-wide memory budget: sizes, LRU by bytes, reservations, expiry, single flight."""

from __future__ import annotations

import dataclasses
import functools
import threading
import time

import numpy as np
import pytest

from filters import FiltersError
from ui import budget as budget_module
from ui.budget import (
    BUDGET_ENV,
    EXPIRY_ENV,
    BudgetExceeded,
    MemoryBudget,
    budget,
    format_bytes,
    nbytes_of,
    parse_bytes,
    release_to_os,
    reset_budget,
)

MB = 2**20
GB = 2**30
WAIT = 2.0  # seconds a thread may take before a test gives up on it


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_budget(max_bytes: int = 100, idle_seconds: float = 60.0, clock=None) -> MemoryBudget:
    return MemoryBudget(max_bytes, idle_seconds, clock=clock or FakeClock())


# ----------------------------------------------------------------------------
# parse_bytes and format_bytes
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3GiB", 3 * GB),
        ("3 GiB", 3 * GB),
        ("3GB", 3 * GB),
        ("3g", 3 * GB),
        ("3Gi", 3 * GB),
        ("512MiB", 512 * MB),
        ("512 mb", 512 * MB),
        ("2.5G", int(2.5 * GB)),
        ("1500MB", 1500 * MB),
        ("64k", 64 * 1024),
        ("1.5 KiB", 1536),
        ("1T", 2**40),
        (".5M", MB // 2),
        ("123456", 123456),
        ("123456B", 123456),
        ("  7  ", 7),
        ("0", 0),
    ],
)
def test_parse_bytes_reads_sizes(text, expected):
    assert parse_bytes(text) == expected


@pytest.mark.parametrize(
    "text", ["", "GiB", "abc", "3 GiBs", "-1G", "3 XB", "1e9", "3 iB", "1.2.3M", "inf", "nan"]
)
def test_parse_bytes_refuses_other_text_and_names_it(text):
    with pytest.raises(ValueError, match="not a memory size") as caught:
        parse_bytes(text)
    assert repr(text) in str(caught.value)


def test_parse_bytes_refuses_non_strings():
    with pytest.raises(ValueError, match="not a memory size"):
        parse_bytes(3)


def test_format_bytes_uses_megabytes_below_a_gigabyte():
    assert format_bytes(512 * MB) == "512.0 MB"
    assert format_bytes(int(1.25 * MB)) == "1.2 MB"
    assert format_bytes(3 * GB) == "3.0 GB"
    assert format_bytes(int(4.1 * GB)) == "4.1 GB"


# ----------------------------------------------------------------------------
# nbytes_of
# ----------------------------------------------------------------------------


def test_nbytes_of_an_array_is_its_buffer():
    assert nbytes_of(np.zeros((100, 50))) == 100 * 50 * 8
    assert nbytes_of(np.zeros((10, 10, 3), dtype=np.uint8)) == 300


def test_nbytes_of_views_counts_the_owning_array_once():
    base = np.zeros(1000)
    # A small view keeps the whole array alive.
    assert nbytes_of(base[:10]) == 8000
    views = [base, base[::2], base[10:20].reshape(2, 5)]
    assert 8000 <= nbytes_of(views) < 8000 + 200  # the list itself adds a little
    assert 8000 <= nbytes_of((base[:10], base[10:])) < 8000 + 200


def test_nbytes_of_a_broadcast_array_is_what_it_really_holds():
    small = np.zeros(10)
    wide = np.broadcast_to(small, (1000, 10))
    assert wide.nbytes == 80_000
    assert nbytes_of(wide) == 80


def test_nbytes_of_object_arrays_adds_their_elements():
    elements = np.empty(2, dtype=object)
    elements[0] = np.zeros(100)
    elements[1] = np.zeros(200)
    assert nbytes_of(elements) >= elements.nbytes + 300 * 8


def test_nbytes_of_bytes_and_strings():
    assert nbytes_of(b"x" * 10_000) >= 10_000
    assert nbytes_of(bytearray(10_000)) >= 10_000
    assert nbytes_of("x" * 10_000) >= 10_000
    assert nbytes_of(b"x" * 10_000) < 10_000 + 100


def test_nbytes_of_nested_containers_adds_every_array():
    a, b, c, d = (np.zeros(n) for n in (100, 200, 300, 400))
    value = {"a": a, "rest": [(b,), {"d": d}]}
    expected = (100 + 200 + 400) * 8
    assert expected <= nbytes_of(value) < expected + 2000
    with_set = {frozenset({1, 2}), ("x", c.tobytes())}
    assert nbytes_of(with_set) >= 300 * 8


def test_nbytes_of_counts_dict_keys_too():
    key = b"k" * 5000
    assert nbytes_of({key: 1}) >= 5000


@dataclasses.dataclass(frozen=True)
class Result:
    image: np.ndarray
    parts: tuple
    label: str = "result"

    @functools.cached_property
    def doubled(self) -> np.ndarray:
        return self.image * 2


@dataclasses.dataclass(slots=True)
class SlottedResult:
    image: np.ndarray
    extra: list


def test_nbytes_of_dataclasses_sums_fields_and_cached_properties():
    result = Result(np.zeros(1000), (np.zeros(500),))
    before = nbytes_of(result)
    assert 1500 * 8 <= before < 1500 * 8 + 1000
    result.doubled  # noqa: B018 - computes and caches it
    assert nbytes_of(result) >= before + 1000 * 8


def test_nbytes_of_slotted_dataclasses_and_plain_objects():
    assert nbytes_of(SlottedResult(np.zeros(1000), [np.zeros(100)])) >= 1100 * 8

    class Holder:
        def __init__(self):
            self.image = np.zeros(2000)

    assert nbytes_of(Holder()) >= 2000 * 8


def test_nbytes_of_follows_partials_bound_methods_and_closures():
    class Spectrum:
        def __init__(self):
            self.values = np.zeros(4000)

        def correlate(self, kernel):
            return kernel

    spectrum = Spectrum()
    assert nbytes_of(functools.partial(spectrum.correlate, np.zeros(10))) >= 4010 * 8
    captured = np.zeros(3000)

    def closure():
        return captured

    assert nbytes_of(closure) >= 3000 * 8


def test_nbytes_of_uses_an_nbytes_attribute():
    class DeviceArray:
        nbytes = 12345

    assert nbytes_of(DeviceArray()) >= 12345
    assert nbytes_of(memoryview(bytearray(7000))) >= 7000


def test_nbytes_of_survives_cycles_and_counts_shared_objects_once():
    array = np.zeros(1000)
    cyclic: list = [array]
    cyclic.append(cyclic)
    parent = {"child": {"array": array}}
    parent["child"]["parent"] = parent
    assert 8000 <= nbytes_of(cyclic) < 8000 + 500
    assert 8000 <= nbytes_of(parent) < 8000 + 1000
    assert nbytes_of([array, array, (array,)]) < 2 * 8000


def test_nbytes_of_does_not_walk_into_modules_or_classes():
    assert nbytes_of([np, MemoryBudget, 3, None, 2.5]) < 1000


def test_nbytes_of_a_deeply_nested_value_does_not_recurse():
    nested: list = []
    for _ in range(10_000):
        nested = [nested]
    assert nbytes_of(nested) > 0


# ----------------------------------------------------------------------------
# Storing and evicting
# ----------------------------------------------------------------------------


def test_put_returns_the_value_and_get_finds_it():
    store = make_budget()
    value = object()
    assert store.put("a", value, nbytes=10) is value
    assert store.get("a") is value
    assert store.get("missing", "default") == "default"
    assert store.used == 10
    assert "a" in store
    assert len(store) == 1


def test_put_sizes_values_with_nbytes_of():
    store = make_budget(max_bytes=10 * MB)
    store.put("image", np.zeros(1000))
    assert store.used == 8000


def test_eviction_is_least_recently_used_first_and_by_bytes():
    store = make_budget(max_bytes=100)
    store.put("a", "A", nbytes=40)
    store.put("b", "B", nbytes=40)
    store.put("c", "C", nbytes=10)
    # 90 used: 30 more must evict "a" (40), not just one entry's worth of count.
    store.put("d", "D", nbytes=30)
    assert "a" not in store
    assert [key for key in "abcd" if key in store] == ["b", "c", "d"]
    assert store.used == 80
    # 61 more must evict "b" and "c" (50), not only "b": 30 + 61 = 91.
    store.put("e", "E", nbytes=61)
    assert [key for key in "abcde" if key in store] == ["d", "e"]
    assert store.stats()["evictions"] == 3


def test_one_large_value_evicts_many_small_ones():
    store = make_budget(max_bytes=100)
    for number in range(10):
        store.put(number, number, nbytes=10)
    store.put("big", "big", nbytes=95)
    assert len(store) == 1
    assert store.used == 95


def test_get_marks_an_entry_as_recently_used():
    store = make_budget(max_bytes=100)
    store.put("a", "A", nbytes=40)
    store.put("b", "B", nbytes=40)
    assert store.get("a") == "A"
    store.put("c", "C", nbytes=40)
    assert "a" in store
    assert "b" not in store


def test_membership_does_not_mark_an_entry_as_used():
    store = make_budget(max_bytes=100)
    store.put("a", "A", nbytes=40)
    store.put("b", "B", nbytes=40)
    assert "a" in store
    store.put("c", "C", nbytes=40)
    assert "a" not in store


def test_putting_a_key_again_replaces_it_and_its_size():
    store = make_budget(max_bytes=100)
    store.put("a", "old", nbytes=60)
    store.put("a", "new", nbytes=70)
    assert store.get("a") == "new"
    assert store.used == 70
    assert store.stats()["evictions"] == 0


def test_a_value_larger_than_the_budget_raises_and_stores_nothing():
    store = make_budget(max_bytes=100)
    store.put("a", "A", nbytes=50)
    store.put("key", "older", nbytes=10)
    with pytest.raises(BudgetExceeded) as caught:
        store.put("key", "huge", nbytes=101)
    assert isinstance(caught.value, FiltersError)
    assert store.get("key") == "older"
    assert "a" in store
    assert store.used == 60


def test_budget_exceeded_says_how_much_is_needed_and_available():
    error = BudgetExceeded("This", int(4.1 * GB), 3 * GB)
    assert str(error) == (
        f"This needs 4.1 GB of working memory but the server's budget is 3.0 GB ({BUDGET_ENV})."
    )
    assert (error.needed, error.max_bytes, error.reserved) == (int(4.1 * GB), 3 * GB, 0)
    shared = BudgetExceeded("This comparison", 2 * GB, 3 * GB, reserved=int(1.5 * GB))
    assert "only 1.5 GB of the server's 3.0 GB budget" in str(shared)
    assert "while other computations run" in str(shared)


def test_put_refuses_negative_sizes():
    with pytest.raises(ValueError, match="negative"):
        make_budget().put("a", "A", nbytes=-1)


def test_the_budget_refuses_nonsense_limits():
    with pytest.raises(ValueError, match="max_bytes"):
        MemoryBudget(0, 10)
    with pytest.raises(ValueError, match="idle_seconds"):
        MemoryBudget(10, 0)
    with pytest.raises(ValueError, match="idle_seconds"):
        MemoryBudget(10, float("nan"))


def test_discard_discard_prefix_and_clear_return_bytes_freed():
    store = make_budget(max_bytes=1000)
    store.put("session1/image", 1, nbytes=100)
    store.put("session1/result", 2, nbytes=200)
    store.put("session2/image", 3, nbytes=300)
    store.put(("tuple", "key"), 4, nbytes=50)
    assert store.discard("nothing") == 0
    assert store.discard_prefix("session1/") == 300
    assert store.discard(("tuple", "key")) == 50
    assert store.used == 300
    assert store.clear() == 300
    assert store.used == 0
    assert len(store) == 0


def test_stats_count_hits_misses_and_evictions():
    store = make_budget(max_bytes=100)
    store.put("a", "A", nbytes=60)
    store.get("a")
    store.get("b")
    store.put("b", "B", nbytes=60)
    assert store.stats() == {
        "entries": 1,
        "used": 60,
        "reserved": 0,
        "max": 100,
        "hits": 1,
        "misses": 1,
        "evictions": 1,
        "expirations": 0,
    }


# ----------------------------------------------------------------------------
# Reservations
# ----------------------------------------------------------------------------


def test_a_reservation_evicts_entries_and_counts_until_it_ends():
    store = make_budget(max_bytes=100)
    store.put("a", "A", nbytes=40)
    store.put("b", "B", nbytes=40)
    with store.reserve(50, "This"):
        assert "a" not in store
        assert "b" in store
        assert store.reserved == 50
        assert store.free() == 10
        assert store.available() == 50
        # Entries stored meanwhile make room around the reservation.
        store.put("c", "C", nbytes=30)
        assert "b" not in store
    assert store.reserved == 0
    assert store.free() == 70
    assert store.available() == 100


def test_a_reservation_ends_when_its_block_raises():
    store = make_budget(max_bytes=100)
    with pytest.raises(RuntimeError), store.reserve(80, "This"):
        raise RuntimeError("the computation failed")
    assert store.reserved == 0


def test_a_reservation_larger_than_the_budget_fails_and_evicts_nothing():
    store = make_budget(max_bytes=100)
    store.put("a", "A", nbytes=40)
    with pytest.raises(BudgetExceeded, match="This sweep needs"), store.reserve(101, "This sweep"):
        pytest.fail("must not start")
    assert "a" in store
    assert store.reserved == 0


def test_reservations_in_progress_count_against_new_ones():
    store = make_budget(max_bytes=100)
    store.put("a", "A", nbytes=30)
    with store.reserve(60, "First"):
        refused = pytest.raises(BudgetExceeded, match="while other computations run")
        with refused, store.reserve(50, "Second"):
            pytest.fail("must not start")
        with pytest.raises(BudgetExceeded):
            store.put("big", "B", nbytes=41)
        # What is left can still be used, by evicting.
        with store.reserve(40, "Third"):
            assert "a" not in store
            assert store.free() == 0
    assert store.reserved == 0


def test_reservations_from_several_threads_never_exceed_the_budget():
    store = make_budget(max_bytes=100)
    highest = []
    refused = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def work():
        start.wait(WAIT)
        for _ in range(50):
            try:
                with store.reserve(30, "This"):
                    counts = store.stats()  # one consistent reading
                    with lock:
                        highest.append(counts["reserved"] + counts["used"])
                    store.put(threading.get_ident(), "x", nbytes=5)
            except BudgetExceeded:
                refused.append(1)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 5)
    assert max(highest) <= 100
    assert store.reserved == 0
    assert len(highest) + len(refused) == 8 * 50


# ----------------------------------------------------------------------------
# Expiry
# ----------------------------------------------------------------------------


def test_expire_drops_entries_idle_longer_than_the_limit():
    clock = FakeClock()
    store = make_budget(max_bytes=1000, idle_seconds=60, clock=clock)
    store.put("old", 1, nbytes=100)
    clock.now += 30
    store.put("newer", 2, nbytes=200)
    clock.now += 31
    assert store.expire() == 100
    assert "old" not in store
    assert "newer" in store
    clock.now += 29  # "newer" idle for exactly 60 s: not longer
    assert store.expire() == 0
    clock.now += 0.5
    assert store.expire() == 200
    assert store.stats()["expirations"] == 2


def test_an_entry_can_have_an_idle_expiry_of_its_own():
    clock = FakeClock()
    store = make_budget(max_bytes=1000, idle_seconds=60, clock=clock)
    store.put("result", 1, nbytes=100)
    store.put("upload", 2, nbytes=100, idle_seconds=3600)
    clock.now += 61
    assert store.expire() == 100
    assert "upload" in store and "result" not in store
    clock.now += 3600
    assert store.expire() == 100
    assert len(store) == 0


def test_get_keeps_an_entry_from_expiring():
    clock = FakeClock()
    store = make_budget(idle_seconds=60, clock=clock)
    store.put("a", "A", nbytes=10)
    clock.now += 50
    store.get("a")
    clock.now += 50
    assert store.expire() == 0
    clock.now += 11
    assert store.expire() == 10


def test_large_frees_give_memory_back_to_the_os(monkeypatch):
    calls = []
    monkeypatch.setattr(budget_module, "release_to_os", lambda: calls.append(1))
    store = make_budget(max_bytes=GB)
    store.put("small", 1, nbytes=MB)
    store.discard("small")
    assert calls == []
    store.put("a", 1, nbytes=600 * MB)
    store.put("b", 2, nbytes=600 * MB)  # evicts "a"
    assert calls == [1]
    store.expire()
    store.clear()
    assert calls == [1, 1]


def test_release_to_os_runs_anywhere():
    assert release_to_os() in (True, False)


# ----------------------------------------------------------------------------
# Single flight
# ----------------------------------------------------------------------------


def test_get_or_compute_computes_once_and_then_hits():
    store = make_budget(max_bytes=10 * MB)
    calls = []

    def compute():
        calls.append(1)
        return np.ones(10)

    first = store.get_or_compute("key", compute)
    second = store.get_or_compute("key", compute)
    assert first is second
    assert calls == [1]
    assert store.used == 80
    assert store.get_or_compute("other", lambda: "x", nbytes=7) == "x"
    assert store.used == 87


def test_concurrent_callers_share_one_computation():
    store = make_budget(max_bytes=10 * MB)
    started = threading.Event()
    release = threading.Event()
    calls = []
    results = [None, None, None]

    def compute():
        calls.append(1)
        started.set()
        assert release.wait(WAIT)
        return np.zeros(10)

    def call(index):
        results[index] = store.get_or_compute("key", compute)

    leader = threading.Thread(target=call, args=(0,))
    leader.start()
    assert started.wait(WAIT)
    followers = [threading.Thread(target=call, args=(i,)) for i in (1, 2)]
    for thread in followers:
        thread.start()
    time.sleep(0.05)  # let the followers reach the wait
    release.set()
    for thread in [leader, *followers]:
        thread.join(WAIT)
    assert calls == [1]
    assert results[0] is results[1] is results[2]
    assert results[0] is not None


def test_a_failed_computation_reaches_every_waiter_and_stores_nothing():
    store = make_budget(max_bytes=10 * MB)
    started = threading.Event()
    release = threading.Event()
    errors = []

    def failing():
        started.set()
        assert release.wait(WAIT)
        raise KeyError("no such kernel")

    def call():
        try:
            store.get_or_compute("key", failing)
        except KeyError as error:
            errors.append(error)

    leader = threading.Thread(target=call)
    leader.start()
    assert started.wait(WAIT)
    follower = threading.Thread(target=call)
    follower.start()
    time.sleep(0.05)
    release.set()
    leader.join(WAIT)
    follower.join(WAIT)
    assert len(errors) == 2
    assert "key" not in store
    assert store.used == 0
    # The next call computes again.
    assert store.get_or_compute("key", lambda: "fresh", nbytes=1) == "fresh"


def test_a_value_too_big_to_keep_fails_the_computation():
    store = make_budget(max_bytes=100)
    with pytest.raises(BudgetExceeded, match="Keeping this result needs"):
        store.get_or_compute("key", lambda: "big", nbytes=200)
    assert "key" not in store
    assert store.get_or_compute("key", lambda: "small", nbytes=20) == "small"


def test_a_stopped_computation_lets_a_waiter_compute_instead():
    class Stop(BaseException):
        """Like Streamlit's stop: control flow of one session, not an error."""

    store = make_budget(max_bytes=100)
    started = threading.Event()
    release = threading.Event()
    outcome = {}

    def stopped():
        started.set()
        assert release.wait(WAIT)
        raise Stop

    def leader():
        try:
            store.get_or_compute("key", stopped)
        except Stop:
            outcome["leader"] = "stopped"

    def follower():
        outcome["follower"] = store.get_or_compute("key", lambda: "computed", nbytes=1)

    threads = [threading.Thread(target=leader), threading.Thread(target=follower)]
    threads[0].start()
    assert started.wait(WAIT)
    threads[1].start()
    time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join(WAIT)
    assert outcome == {"leader": "stopped", "follower": "computed"}
    assert store.get("key") == "computed"


def test_a_computation_that_needs_its_own_key_fails_instead_of_hanging():
    store = make_budget()
    with pytest.raises(RuntimeError, match="needs"):
        store.get_or_compute("key", lambda: store.get_or_compute("key", lambda: 1))
    assert store.get_or_compute("key", lambda: 2, nbytes=1) == 2


def test_different_keys_compute_at_the_same_time():
    store = make_budget(max_bytes=100)
    both_running = threading.Barrier(2)

    def compute():
        both_running.wait(WAIT)  # breaks (and fails) if the keys were serialised
        return "value"

    results = []
    threads = [
        threading.Thread(
            target=lambda key=key: results.append(store.get_or_compute(key, compute, nbytes=1))
        )
        for key in ("a", "b")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 2)
    assert results == ["value", "value"]


# ----------------------------------------------------------------------------
# The process-wide budget and its environment
# ----------------------------------------------------------------------------


@pytest.fixture
def fresh_environment(monkeypatch):
    monkeypatch.delenv(BUDGET_ENV, raising=False)
    monkeypatch.delenv(EXPIRY_ENV, raising=False)
    yield monkeypatch
    monkeypatch.undo()
    reset_budget()


def test_budget_defaults_to_3_gib_and_five_minutes(fresh_environment):
    current = reset_budget()
    assert budget() is current
    assert current.max_bytes == 3 * GB
    assert current.idle_seconds == 300


def test_budget_reads_the_environment(fresh_environment):
    fresh_environment.setenv(BUDGET_ENV, "512MiB")
    fresh_environment.setenv(EXPIRY_ENV, "45.5")
    current = reset_budget()
    assert (current.max_bytes, current.idle_seconds) == (512 * MB, 45.5)


def test_reset_budget_overrides_the_environment_and_clears_the_old_budget(fresh_environment):
    fresh_environment.setenv(BUDGET_ENV, "1GiB")
    old = reset_budget()
    old.put("a", "A", nbytes=10)
    current = reset_budget(max_bytes=1234, idle_seconds=5)
    assert budget() is current
    assert (current.max_bytes, current.idle_seconds) == (1234, 5)
    assert len(old) == 0


@pytest.mark.parametrize("value", ["lots", "-1G", "0", "3 parsecs"])
def test_an_invalid_budget_variable_is_named(fresh_environment, value):
    fresh_environment.setenv(BUDGET_ENV, value)
    with pytest.raises(ValueError, match=BUDGET_ENV) as caught:
        reset_budget()
    assert repr(value) in str(caught.value)


@pytest.mark.parametrize("value", ["soon", "0", "-5", "nan"])
def test_an_invalid_expiry_variable_is_named(fresh_environment, value):
    fresh_environment.setenv(EXPIRY_ENV, value)
    with pytest.raises(ValueError, match=EXPIRY_ENV) as caught:
        reset_budget()
    assert repr(value) in str(caught.value)


def test_the_first_use_builds_the_budget_from_the_environment(fresh_environment):
    fresh_environment.setattr(budget_module, "_current", None)
    fresh_environment.setenv(BUDGET_ENV, "2G")
    assert budget().max_bytes == 2 * GB
    assert budget() is budget()


def test_the_sweeper_expires_idle_entries(fresh_environment):
    current = reset_budget(max_bytes=MB, idle_seconds=0.2)
    current.put("a", "A", nbytes=10)
    deadline = time.monotonic() + WAIT
    while "a" in current and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "a" not in current
    assert budget_module._sweeper.is_alive()
