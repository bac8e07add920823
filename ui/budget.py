"""One memory budget for everything the server keeps between reruns.

Decoded images, working images, spectra, results, viewer payloads, exports and
uploads kept for links all live in one process-wide :class:`MemoryBudget`,
sized in bytes, so that the server's memory is bounded by one number however
many sessions it serves. Entries are evicted least recently used first when
something new needs room, and dropped once idle for a while. Computations in
progress claim their transient working memory with :meth:`MemoryBudget.reserve`
before they allocate it; if it cannot fit even after evicting everything, they
are refused with :class:`BudgetExceeded`, a message a person can act on.

The size is read from ``WORKBENCH_MEMORY_BUDGET`` (default ``3GiB``) and the
idle expiry from ``WORKBENCH_IDLE_EXPIRY`` (seconds, default 300).
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import logging
import math
import operator
import os
import re
import sys
import threading
import time
import types
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

import cachetools
import numpy as np

from filters import FiltersError

__all__ = [
    "BUDGET_ENV",
    "DEFAULT_BUDGET",
    "DEFAULT_IDLE_SECONDS",
    "EXPIRY_ENV",
    "RELEASE_THRESHOLD",
    "BudgetExceeded",
    "MemoryBudget",
    "budget",
    "format_bytes",
    "nbytes_of",
    "parse_bytes",
    "release_to_os",
    "reset_budget",
]

logger = logging.getLogger("workbench")

BUDGET_ENV = "WORKBENCH_MEMORY_BUDGET"
EXPIRY_ENV = "WORKBENCH_IDLE_EXPIRY"
DEFAULT_BUDGET = "3GiB"
DEFAULT_IDLE_SECONDS = 300.0

# Returning memory to the operating system walks the allocator's whole heap;
# below this much freed it is not worth the walk.
RELEASE_THRESHOLD = 16 * 2**20

# What an object the size walk cannot see into is assumed to hold.
_OTHER_OBJECT_BYTES = 64

# The sweeper wakes at least this often, however short the idle expiry, and
# never sleeps so long that an idle entry outlives its expiry by much.
_LONGEST_SWEEP_INTERVAL = 30.0
_SHORTEST_SWEEP_INTERVAL = 0.05

T = TypeVar("T")


# ----------------------------------------------------------------------------
# Sizes
# ----------------------------------------------------------------------------

# Memory sizes: every unit is binary, as "GB" means for RAM (JEDEC), so that
# "3GB", "3G" and "3GiB" agree and match what error messages print.
_UNIT_BYTES = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
_SIZE_PATTERN = re.compile(
    r"(?P<number>\d+(?:\.\d*)?|\.\d+)\s*(?P<prefix>[kmgt]?)(?P<binary>i?)(?P<b>b?)",
    re.IGNORECASE,
)


def parse_bytes(text: str) -> int:
    """Read a memory size such as ``"3GiB"``, ``"512 MiB"``, ``"2.5G"`` or ``"123456"``.

    Parameters
    ----------
    text : str
        A non-negative number, optionally followed by a unit: ``B``, ``K``,
        ``M``, ``G`` or ``T``, each optionally spelled ``KB``/``KiB`` and so
        on, in any case, with or without a space. All units are binary
        (1 GB = 1 GiB = 1024³ bytes), as memory is sold and as the app's
        messages print sizes. A bare number is a number of bytes.

    Returns
    -------
    int
        The size in bytes, rounded to the nearest byte.

    Raises
    ------
    ValueError
        If ``text`` is not a memory size; the message quotes it.

    Examples
    --------
    >>> parse_bytes("3GiB") == 3 * 1024**3
    True
    >>> parse_bytes("1.5 k")
    1536
    """
    match = _SIZE_PATTERN.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or (match["binary"] and not match["prefix"]):
        raise ValueError(
            f"{text!r} is not a memory size: write a number of bytes with an optional "
            "unit, e.g. '3GiB', '512MiB', '2.5G' or '123456'."
        )
    return round(float(match["number"]) * _UNIT_BYTES[match["prefix"].lower()])


def format_bytes(nbytes: int) -> str:
    """A size as a person reads it: ``"512.0 MB"`` below a gigabyte, else ``"4.1 GB"``.

    Units are binary (1 MB = 1024² bytes), as :func:`parse_bytes` reads them.
    """
    if nbytes < 2**30:
        return f"{nbytes / 2**20:.1f} MB"
    return f"{nbytes / 2**30:.1f} GB"


def nbytes_of(value: Any) -> int:
    """Bytes of memory that ``value`` keeps alive, approximately.

    Counted: numpy arrays (the memory they own; views count the array that
    owns their memory, once however many views share it, and object arrays
    add their elements), ``bytes``, ``bytearray`` and ``str``, the elements of
    tuples, lists, sets and dicts (keys and values), the attributes of objects
    (``__dict__`` and ``__slots__``, so dataclass fields and
    ``functools.cached_property`` values already computed), what functions,
    bound methods and ``functools.partial`` objects hold on to, and the
    ``nbytes`` attribute of other objects that have one (GPU arrays,
    memoryviews). Each object is counted once, so cycles end the walk.
    Classes and modules are not walked into, and any other object counts as a
    small constant.

    Memory the walk cannot see (a PIL image's pixels, a C extension's buffers)
    is missed: pass ``nbytes`` explicitly for such values.
    """
    # id -> object: keeping the objects alive stops their ids being reused by
    # temporaries during the walk, which would skip them.
    seen: dict[int, Any] = {}
    pending = [value]
    total = 0
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen[id(item)] = item
        if isinstance(item, np.ndarray):
            owner = item
            while isinstance(owner.base, np.ndarray):
                owner = owner.base
            if owner is not item:
                if id(owner) in seen:
                    continue
                seen[id(owner)] = owner
            total += owner.nbytes
            if owner.dtype == object:
                pending.extend(owner.flat)
        elif isinstance(item, bytes | bytearray | str):
            total += sys.getsizeof(item)
        elif isinstance(item, dict):
            total += sys.getsizeof(item)
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, tuple | list | set | frozenset):
            total += sys.getsizeof(item)
            pending.extend(item)
        elif isinstance(item, type | types.ModuleType):
            total += _OTHER_OBJECT_BYTES
        else:
            total += _OTHER_OBJECT_BYTES
            try:
                nbytes = getattr(item, "nbytes", None)
            except Exception:  # a property that cannot answer: walk the object instead
                nbytes = None
            if isinstance(nbytes, int) and not isinstance(nbytes, bool):
                total += nbytes
            else:
                pending.extend(_references(item))
    return total


def _references(item: Any) -> list[Any]:
    """The objects that ``item`` holds on to, for :func:`nbytes_of`."""
    if isinstance(item, types.FunctionType):
        # Closure cells only: globals and defaults belong to the module.
        return [cell.cell_contents for cell in item.__closure__ or () if _filled(cell)]
    if isinstance(item, types.MethodType):
        return [item.__self__, item.__func__]
    if isinstance(item, functools.partial):
        return [item.func, item.args, item.keywords]
    references = list(getattr(item, "__dict__", {}).values())
    for cls in type(item).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__"):
                with contextlib.suppress(AttributeError):
                    references.append(getattr(item, name))
    if dataclasses.is_dataclass(item):
        for field in dataclasses.fields(item):
            with contextlib.suppress(AttributeError):
                references.append(getattr(item, field.name))
    return references


def _filled(cell: types.CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


# ----------------------------------------------------------------------------
# Giving memory back
# ----------------------------------------------------------------------------


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_to_os() -> bool:
    """Hand freed heap memory back to the operating system, where that is possible.

    glibc keeps freed memory, even of large arrays, in its heap for reuse, so
    the server's resident size would never fall after a peak. ``malloc_trim(0)``
    returns the free pages. Elsewhere (no glibc) this does nothing.

    Returns
    -------
    bool
        Whether memory was trimmed (False where ``malloc_trim`` is missing).
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


# ----------------------------------------------------------------------------
# The budget
# ----------------------------------------------------------------------------


class BudgetExceeded(FiltersError):
    """Something needs more memory than the server's budget can give it.

    Parameters
    ----------
    what : str
        What needs the memory, starting the sentence, e.g. ``"This comparison"``.
    needed : int
        Bytes it needs.
    max_bytes : int
        The whole budget.
    reserved : int
        Bytes that computations in progress hold, which it cannot have.
    kind : str
        What the memory is for, e.g. ``"working memory"``.

    Attributes
    ----------
    what, needed, max_bytes, reserved
        As given, for a caller that words its own message.
    """

    def __init__(
        self,
        what: str,
        needed: int,
        max_bytes: int,
        *,
        reserved: int = 0,
        kind: str = "working memory",
    ):
        self.what = what
        self.needed = needed
        self.max_bytes = max_bytes
        self.reserved = reserved
        if needed > max_bytes or reserved <= 0:
            limit = f"the server's budget is {format_bytes(max_bytes)} ({BUDGET_ENV})"
        else:
            limit = (
                f"only {format_bytes(max_bytes - reserved)} of the server's "
                f"{format_bytes(max_bytes)} budget ({BUDGET_ENV}) is free while other "
                "computations run"
            )
        super().__init__(f"{what} needs {format_bytes(needed)} of {kind} but {limit}.")


@dataclasses.dataclass(eq=False)
class _Entry:
    value: Any
    nbytes: int
    last_used: float
    idle_seconds: float | None = None  # its own idle expiry, instead of the budget's


class _BytesLRU(cachetools.LRUCache):
    """A byte-sized LRU cache of :class:`_Entry` that can be read without reordering."""

    def __init__(self, max_bytes: int):
        super().__init__(maxsize=max_bytes, getsizeof=operator.attrgetter("nbytes"))

    def peek(self, key: Hashable) -> _Entry:
        return cachetools.Cache.__getitem__(self, key)


class _Flight:
    """One computation of a key in progress, which later callers wait for."""

    __slots__ = ("abandoned", "done", "error", "thread", "value")

    def __init__(self) -> None:
        self.thread = threading.get_ident()
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None
        self.abandoned = False


class MemoryBudget:
    """A byte-sized, thread-safe LRU store with reservations for work in progress.

    Parameters
    ----------
    max_bytes : int
        The budget: entries kept plus memory reserved never exceed it.
    idle_seconds : float
        :meth:`expire` drops entries not used for longer than this.
    clock : callable, optional
        Seconds as a float, monotonic; ``time.monotonic`` by default.

    Notes
    -----
    A value's size is counted when it is stored (:func:`nbytes_of`, or the
    ``nbytes`` given). Memory shared by two entries counts in both, so the
    budget errs on the safe side. Every operation holds one re-entrant lock;
    computations in :meth:`get_or_compute` run outside it.
    """

    def __init__(
        self,
        max_bytes: int,
        idle_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ):
        max_bytes = operator.index(max_bytes)
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be at least 1; got {max_bytes}.")
        idle_seconds = float(idle_seconds)
        if not idle_seconds > 0:
            raise ValueError(f"idle_seconds must be positive; got {idle_seconds}.")
        self._max_bytes = max_bytes
        self._idle_seconds = idle_seconds
        self._clock = clock
        self._lock = threading.RLock()
        self._entries = _BytesLRU(max_bytes)
        self._reserved = 0
        self._flights: dict[Hashable, _Flight] = {}
        self._hits = 0
        self._misses = 0
        self._evictions = 0
        self._expirations = 0

    def __repr__(self) -> str:
        return (
            f"MemoryBudget(used={format_bytes(self.used)}, reserved="
            f"{format_bytes(self.reserved)}, max={format_bytes(self.max_bytes)}, "
            f"entries={len(self)})"
        )

    # -- what it holds ----------------------------------------------------

    @property
    def max_bytes(self) -> int:
        """The whole budget in bytes."""
        return self._max_bytes

    @property
    def idle_seconds(self) -> float:
        """How long an entry may go unused before :meth:`expire` drops it."""
        return self._idle_seconds

    @property
    def used(self) -> int:
        """Bytes held by stored entries."""
        with self._lock:
            return self._entries.currsize

    @property
    def reserved(self) -> int:
        """Bytes reserved by computations in progress."""
        with self._lock:
            return self._reserved

    def available(self) -> int:
        """The most a new reservation or entry could get, by evicting every entry."""
        with self._lock:
            return self._max_bytes - self._reserved

    def free(self) -> int:
        """Bytes neither stored nor reserved: what fits without evicting anything."""
        with self._lock:
            return self._max_bytes - self._entries.currsize - self._reserved

    def stats(self) -> dict[str, int]:
        """Counts for logs and diagnostics.

        Returns
        -------
        dict
            ``entries``, ``used``, ``reserved``, ``max`` (bytes), and since
            creation ``hits``, ``misses``, ``evictions`` (entries dropped to
            make room) and ``expirations`` (entries dropped as idle).
        """
        with self._lock:
            return {
                "entries": len(self._entries),
                "used": self._entries.currsize,
                "reserved": self._reserved,
                "max": self._max_bytes,
                "hits": self._hits,
                "misses": self._misses,
                "evictions": self._evictions,
                "expirations": self._expirations,
            }

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        """Whether ``key`` is stored; unlike :meth:`get` this does not count as a use."""
        with self._lock:
            return key in self._entries

    # -- reading and storing ------------------------------------------------

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value stored under ``key``, marked as just used; ``default`` if none."""
        with self._lock:
            entry = self._use(key)
            if entry is None:
                self._misses += 1
                return default
            self._hits += 1
            return entry.value

    def put(
        self,
        key: Hashable,
        value: T,
        *,
        nbytes: int | None = None,
        idle_seconds: float | None = None,
    ) -> T:
        """Store ``value`` under ``key``, evicting least recently used entries to fit.

        Parameters
        ----------
        key : hashable
        value : object
        nbytes : int, optional
            Its size; :func:`nbytes_of` by default.
        idle_seconds : float, optional
            How long this entry may stay unused before :meth:`expire` drops it,
            instead of the budget's :attr:`idle_seconds` (for what must outlive a
            quiet spell, such as the uploads a share link names).

        Returns
        -------
        object
            ``value``, so that ``return budget.put(key, compute())`` reads well.

        Raises
        ------
        BudgetExceeded
            If the value is larger than the budget less what is reserved;
            nothing is stored or evicted then, and an older value under
            ``key`` stays.
        """
        size = self._size(value, nbytes)
        with self._lock:
            self._check_fits(size, "Keeping this result", "memory")
            freed = self._remove(key)
            freed += self._evict_for(size)
            self._entries[key] = _Entry(value, size, self._clock(), idle_seconds)
        self._released(freed)
        return value

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], T], *, nbytes: int | None = None
    ) -> T:
        """The value under ``key``, computing and storing it once if missing.

        Concurrent callers for the same key wait for one call of ``compute``
        and share its value. If ``compute`` raises an ``Exception``, every
        caller waiting for that call gets it and nothing is stored; the next
        call computes again. If it is interrupted by a ``BaseException`` that
        is not an ``Exception`` (a stop or rerun of its own session), waiting
        callers are not interrupted with it: one of them computes instead.

        Parameters
        ----------
        key : hashable
        compute : callable
            Called without arguments, outside the budget's lock.
        nbytes : int, optional
            The value's size; :func:`nbytes_of` by default.

        Raises
        ------
        BudgetExceeded
            If the value computed does not fit (see :meth:`put`), to every
            caller of that computation.
        RuntimeError
            If ``compute`` asks for its own key, which would wait forever.
        """
        while True:
            with self._lock:
                entry = self._use(key)
                if entry is not None:
                    self._hits += 1
                    return entry.value
                flight = self._flights.get(key)
                if flight is None:
                    flight = self._flights[key] = _Flight()
                    self._misses += 1
                    break
                if flight.thread == threading.get_ident():
                    raise RuntimeError(f"computing {key!r} needs {key!r} itself.")
                self._hits += 1
            flight.done.wait()
            if flight.abandoned:
                continue
            if flight.error is not None:
                raise flight.error
            return flight.value

        try:
            value = compute()
            self.put(key, value, nbytes=nbytes)
        except Exception as error:
            flight.error = error
            raise
        except BaseException:
            flight.abandoned = True
            raise
        else:
            flight.value = value
            return value
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()

    @contextlib.contextmanager
    def reserve(self, nbytes: int, what: str) -> Iterator[None]:
        """Hold ``nbytes`` of the budget for a computation's transient memory.

        Least recently used entries are evicted until the reservation fits
        next to what is stored and reserved; the bytes count as reserved until
        the ``with`` block ends. It does not wait for other reservations to end.

        Parameters
        ----------
        nbytes : int
            The working memory the computation will allocate at its peak.
        what : str
            What needs it, starting a sentence, e.g. ``"This comparison"``.

        Raises
        ------
        BudgetExceeded
            If it does not fit even with every entry evicted (reservations in
            progress count); nothing is evicted then.
        """
        size = self._checked_nbytes(nbytes)
        with self._lock:
            self._check_fits(size, what, "working memory")
            freed = self._evict_for(size)
            self._reserved += size
        try:
            self._released(freed)
            yield
        finally:
            with self._lock:
                self._reserved -= size
            # The computation's own arrays are freed by now, or soon after:
            # let the resident size fall back.
            if size >= RELEASE_THRESHOLD:
                release_to_os()

    # -- dropping -----------------------------------------------------------

    def discard(self, key: Hashable) -> int:
        """Drop the entry under ``key``, if any; returns the bytes freed."""
        with self._lock:
            freed = self._remove(key)
        self._released(freed)
        return freed

    def discard_prefix(self, prefix: str) -> int:
        """Drop every entry whose key is a string starting with ``prefix``; returns bytes freed."""
        with self._lock:
            keys = [key for key in self._entries if isinstance(key, str) and key.startswith(prefix)]
            freed = sum(self._remove(key) for key in keys)
        self._released(freed)
        return freed

    def clear(self) -> int:
        """Drop every entry (reservations stay); returns the bytes freed."""
        with self._lock:
            freed = self._entries.currsize
            self._entries.clear()
        self._released(freed)
        return freed

    def expire(self) -> int:
        """Drop entries not used for longer than :attr:`idle_seconds`; returns bytes freed."""
        with self._lock:
            now = self._clock()
            idle = [
                key
                for key in self._entries
                if now - self._entries.peek(key).last_used > self._idle_of(self._entries.peek(key))
            ]
            freed = sum(self._remove(key) for key in idle)
            self._expirations += len(idle)
        self._released(freed)
        return freed

    # -- inside the lock --------------------------------------------------------

    def _idle_of(self, entry: _Entry) -> float:
        return self._idle_seconds if entry.idle_seconds is None else entry.idle_seconds

    def _use(self, key: Hashable) -> _Entry | None:
        if key not in self._entries:
            return None
        entry = self._entries[key]  # moves it to the most recently used end
        entry.last_used = self._clock()
        return entry

    def _check_fits(self, size: int, what: str, kind: str) -> None:
        if size > self._max_bytes - self._reserved:
            raise BudgetExceeded(what, size, self._max_bytes, reserved=self._reserved, kind=kind)

    def _evict_for(self, size: int) -> int:
        """Evict least recently used entries until ``size`` more bytes fit; bytes freed."""
        freed = 0
        while self._entries and self._entries.currsize + self._reserved + size > self._max_bytes:
            _, entry = self._entries.popitem()
            freed += entry.nbytes
            self._evictions += 1
        return freed

    def _remove(self, key: Hashable) -> int:
        if key not in self._entries:
            return 0
        return self._entries.pop(key).nbytes

    # -- outside the lock -------------------------------------------------------

    @staticmethod
    def _released(freed: int) -> None:
        if freed > RELEASE_THRESHOLD:
            release_to_os()

    @classmethod
    def _size(cls, value: Any, nbytes: int | None) -> int:
        return nbytes_of(value) if nbytes is None else cls._checked_nbytes(nbytes)

    @staticmethod
    def _checked_nbytes(nbytes: int) -> int:
        nbytes = operator.index(nbytes)
        if nbytes < 0:
            raise ValueError(f"nbytes must not be negative; got {nbytes}.")
        return nbytes


# ----------------------------------------------------------------------------
# The process-wide budget
# ----------------------------------------------------------------------------

_current: MemoryBudget | None = None
_current_lock = threading.Lock()
_sweeper: threading.Thread | None = None
_sweeper_wake = threading.Event()


def budget() -> MemoryBudget:
    """The server's budget, built on first use from the environment.

    Also starts, once, a daemon thread that calls :meth:`MemoryBudget.expire`
    every ``min(30, idle_seconds / 4)`` seconds.

    Raises
    ------
    ValueError
        If ``WORKBENCH_MEMORY_BUDGET`` or ``WORKBENCH_IDLE_EXPIRY`` is set to
        something invalid; the message names the variable.
    """
    current = _current
    if current is not None:
        return current
    with _current_lock:
        if _current is None:
            _install(_from_environment())
        return _current


def reset_budget(max_bytes: int | None = None, idle_seconds: float | None = None) -> MemoryBudget:
    """Replace the server's budget with a new, empty one; for tests.

    Parameters left out are read from the environment, as :func:`budget` does.
    The old budget is cleared.
    """
    replacement = _from_environment(max_bytes, idle_seconds)
    with _current_lock:
        old = _current
        _install(replacement)
    if old is not None:
        old.clear()
    return replacement


def _install(replacement: MemoryBudget) -> None:
    """Make ``replacement`` current and start or wake the sweeper (lock held)."""
    global _current, _sweeper
    _current = replacement
    if _sweeper is None:
        _sweeper = threading.Thread(target=_sweep, name="memory-budget-sweeper", daemon=True)
        _sweeper.start()
    else:
        _sweeper_wake.set()


def _sweep() -> None:
    while True:
        current = _current
        interval = min(_LONGEST_SWEEP_INTERVAL, current.idle_seconds / 4)
        if _sweeper_wake.wait(max(_SHORTEST_SWEEP_INTERVAL, interval)):
            # A new budget was installed: sleep on its interval instead.
            _sweeper_wake.clear()
            continue
        try:
            current.expire()
        except Exception:
            logger.exception("Expiring idle entries of the memory budget failed")


def _from_environment(
    max_bytes: int | None = None, idle_seconds: float | None = None
) -> MemoryBudget:
    if max_bytes is None:
        text = os.environ.get(BUDGET_ENV) or DEFAULT_BUDGET
        try:
            max_bytes = parse_bytes(text)
        except ValueError:
            raise ValueError(
                f"{BUDGET_ENV}={text!r} is not a memory size: set it to e.g. '3GiB', "
                "'512MiB' or a number of bytes."
            ) from None
        if max_bytes < 1:
            raise ValueError(f"{BUDGET_ENV}={text!r} must be more than zero bytes.")
    if idle_seconds is None:
        text = os.environ.get(EXPIRY_ENV) or str(DEFAULT_IDLE_SECONDS)
        try:
            idle_seconds = float(text)
        except ValueError:
            idle_seconds = math.nan
        if not idle_seconds > 0:
            raise ValueError(
                f"{EXPIRY_ENV}={text!r} is not a number of seconds: set it to a positive "
                "number, e.g. 300."
            )
    return MemoryBudget(max_bytes, idle_seconds)
