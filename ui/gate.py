"""One admission gate for heavy work (comparisons, sweeps, training), sized to the cores.

However many sessions ask at once, at most ``slots`` heavy computations run;
the others wait in one strict first-come, first-served queue and are told how
many computations are ahead of them. A session that asks again while its
older request still waits replaces that request (which raises
:class:`Superseded`), and a session's request that is already running is
marked so that it can stop between steps.

How many slots. The compiled filters already use every core inside one
computation (a Numba parallel section that computations take in turns, see
``filters._direct._PARALLEL_SECTION``), so running more computations at once
than there are cores adds memory, not speed. A few at once still help: the
FFTs, numpy steps and Python around the parallel section overlap. The default
is therefore the number of cores this process may use, at most 4;
``WORKBENCH_WORKERS`` overrides it.
"""

from __future__ import annotations

import collections
import contextlib
import math
import operator
import os
import threading
import time
from collections.abc import Callable, Iterator

__all__ = [
    "DEFAULT_MAX_SLOTS",
    "WORKERS_ENV",
    "Gate",
    "Superseded",
    "Ticket",
    "default_slots",
    "gate",
    "reset_gate",
]

WORKERS_ENV = "WORKBENCH_WORKERS"
DEFAULT_MAX_SLOTS = 4

# A waiting ticket re-checks the queue at least this often even if nobody
# wakes it, so a missed wake-up costs a moment, never a hang.
_LONGEST_WAIT = 1.0


class Superseded(Exception):
    """A newer request from the same owner replaced this one.

    Not a :class:`filters.FiltersError`: nothing was wrong with the request,
    so the page shows nothing for it.
    """


class Ticket:
    """One request's place at a :class:`Gate`.

    Attributes
    ----------
    owner : str
        Who asked (a session); a newer request of the same owner supersedes it.
    arrival : int
        Its place in the order of arrival at the gate, from 1.
    admission : int or None
        Its place in the order of admission, from 1; None until admitted.
    """

    __slots__ = ("_state", "_superseded", "admission", "arrival", "owner")

    def __init__(self, owner: str, arrival: int):
        self.owner = owner
        self.arrival = arrival
        self.admission: int | None = None
        # "waiting" -> "running" -> "done", or "waiting" -> "superseded" or "left"
        self._state = "waiting"
        self._superseded = False

    def __repr__(self) -> str:
        return f"Ticket(owner={self.owner!r}, arrival={self.arrival}, state={self._state!r})"

    @property
    def superseded(self) -> bool:
        """Whether a newer request of the same owner has arrived since this one."""
        return self._superseded

    def check(self) -> None:
        """Raise :class:`Superseded` if a newer request replaced this one.

        Long computations call this between steps to stop early.
        """
        if self._superseded:
            raise Superseded(f"A newer request from {self.owner!r} replaced this one.")


class Gate:
    """At most ``slots`` computations at once; the rest wait first come, first served.

    Parameters
    ----------
    slots : int
        How many computations may run at once, at least 1.

    Notes
    -----
    The queue is strictly FIFO: a ticket is admitted only from the head of the
    queue, and a newcomer enters at once only if nobody waits, so no ticket is
    ever served after one that arrived later. When an owner asks again, its
    waiting ticket leaves the queue and the new ticket joins at the *back*:
    asking again never moves a session ahead of sessions that asked in the
    meantime.
    """

    def __init__(self, slots: int):
        slots = operator.index(slots)
        if slots < 1:
            raise ValueError(f"slots must be at least 1; got {slots}.")
        self._slots = slots
        self._condition = threading.Condition(threading.Lock())
        self._running: list[Ticket] = []
        self._queue: collections.deque[Ticket] = collections.deque()
        self._arrivals = 0
        self._admissions = 0
        self._queued = 0
        self._superseded = 0
        self._left = 0

    def __repr__(self) -> str:
        return f"Gate(slots={self._slots}, running={self.running()}, waiting={self.waiting()})"

    @property
    def slots(self) -> int:
        """How many computations may run at once."""
        return self._slots

    def running(self) -> int:
        """How many computations are running now."""
        with self._condition:
            return len(self._running)

    def waiting(self) -> int:
        """How many requests are waiting now."""
        with self._condition:
            return len(self._queue)

    def stats(self) -> dict[str, int]:
        """Counts for logs and diagnostics.

        Returns
        -------
        dict
            ``slots``, ``running`` and ``waiting`` now, and since creation
            ``admitted``, ``queued`` (had to wait), ``superseded`` (waiting
            or running tickets replaced by a newer request) and ``left``
            (stopped waiting because ``on_wait`` raised).
        """
        with self._condition:
            return {
                "slots": self._slots,
                "running": len(self._running),
                "waiting": len(self._queue),
                "admitted": self._admissions,
                "queued": self._queued,
                "superseded": self._superseded,
                "left": self._left,
            }

    @contextlib.contextmanager
    def admit(
        self,
        owner: str,
        *,
        on_wait: Callable[[int], object] | None = None,
        poll: float = 0.2,
    ) -> Iterator[Ticket]:
        """Wait for a slot, hold it for the ``with`` block, and yield the :class:`Ticket`.

        Parameters
        ----------
        owner : str
            Who asks, e.g. a session id. Any waiting ticket of the same owner
            leaves the queue (its thread raises :class:`Superseded`); any
            running one is marked :attr:`Ticket.superseded`.
        on_wait : callable, optional
            Called as ``on_wait(ahead)`` when the request has to queue and
            whenever ``ahead`` changes, at most every ``poll`` seconds, with
            ``ahead`` the computations that must finish or leave before this
            one runs (running ones plus those queued before it); and once with
            0 when admitted after waiting, so a waiting notice can be cleared.
            Called in the waiting thread, without the gate's lock; while it
            runs the ticket keeps its place, so it should be quick. Whatever
            it raises, ``BaseException`` included, makes the request leave the
            queue cleanly and is raised again.
        poll : float
            Least seconds between two calls of ``on_wait``.

        Raises
        ------
        Superseded
            If a newer request of the same owner arrives while this one waits.
        """
        ticket = self._enter(owner, on_wait, poll)
        try:
            yield ticket
        finally:
            self._finish(ticket)

    def _enter(self, owner: str, on_wait: Callable[[int], object] | None, poll: float) -> Ticket:
        """Queue a ticket for ``owner`` and return it once admitted."""
        with self._condition:
            self._supersede(owner)
            self._arrivals += 1
            ticket = Ticket(owner, self._arrivals)
            if not self._queue and len(self._running) < self._slots:
                self._start(ticket)
                return ticket
            self._queue.append(ticket)
            self._queued += 1

        reported: int | None = None
        reported_at = -math.inf
        try:
            while True:
                with self._condition:
                    ahead = self._wait_for_change(ticket, on_wait, reported, reported_at + poll)
                if ahead is None:
                    break
                on_wait(ahead)
                reported, reported_at = ahead, time.monotonic()
            if reported is not None:
                on_wait(0)
        except BaseException:
            with self._condition:
                if ticket._state == "waiting":
                    self._queue.remove(ticket)
                    ticket._state = "left"
                    self._left += 1
                    self._condition.notify_all()
            self._finish(ticket)
            raise
        return ticket

    def _wait_for_change(
        self,
        ticket: Ticket,
        on_wait: Callable[[int], object] | None,
        reported: int | None,
        report_due: float,
    ) -> int | None:
        """Wait (lock held) until admitted (None) or a new count is due to report (the count)."""
        while True:
            if ticket._state == "superseded":
                raise Superseded(f"A newer request from {ticket.owner!r} replaced this one.")
            if self._queue[0] is ticket and len(self._running) < self._slots:
                self._queue.popleft()
                self._start(ticket)
                # The next ticket may be admissible too, and every count ahead changed.
                self._condition.notify_all()
                return None
            ahead = len(self._running) + self._queue.index(ticket)
            timeout = _LONGEST_WAIT
            if on_wait is not None and ahead != reported:
                now = time.monotonic()
                if now >= report_due:
                    return ahead
                timeout = min(timeout, report_due - now)
            self._condition.wait(timeout)

    def _start(self, ticket: Ticket) -> None:
        self._running.append(ticket)
        ticket._state = "running"
        self._admissions += 1
        ticket.admission = self._admissions

    def _finish(self, ticket: Ticket) -> None:
        with self._condition:
            if ticket._state == "running":
                self._running.remove(ticket)
                ticket._state = "done"
                self._condition.notify_all()

    def _supersede(self, owner: str) -> None:
        """Replace ``owner``'s waiting tickets and mark its running ones (lock held)."""
        for ticket in [t for t in self._queue if t.owner == owner]:
            self._queue.remove(ticket)
            ticket._state = "superseded"
            ticket._superseded = True
            self._superseded += 1
            self._condition.notify_all()
        for ticket in self._running:
            if ticket.owner == owner and not ticket._superseded:
                ticket._superseded = True
                self._superseded += 1


# ----------------------------------------------------------------------------
# The process-wide gate
# ----------------------------------------------------------------------------

_current: Gate | None = None
_current_lock = threading.Lock()


def default_slots() -> int:
    """The number of cores this process may use, at least 1 and at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(DEFAULT_MAX_SLOTS, cores))


def gate() -> Gate:
    """The server's gate, built on first use.

    ``WORKBENCH_WORKERS`` sets its slots; by default :func:`default_slots`.

    Raises
    ------
    ValueError
        If ``WORKBENCH_WORKERS`` is not a positive whole number.
    """
    current = _current
    if current is not None:
        return current
    with _current_lock:
        if _current is None:
            _install(_from_environment())
        return _current


def reset_gate(slots: int | None = None) -> Gate:
    """Replace the server's gate with a new one; for tests.

    ``slots`` left out is read as :func:`gate` does. Computations admitted by
    the old gate finish there.
    """
    replacement = Gate(slots) if slots is not None else _from_environment()
    with _current_lock:
        _install(replacement)
    return replacement


def _install(replacement: Gate) -> None:
    global _current
    _current = replacement


def _from_environment() -> Gate:
    text = os.environ.get(WORKERS_ENV)
    if not text:
        return Gate(default_slots())
    try:
        slots = int(text)
    except ValueError:
        slots = 0
    if slots < 1:
        raise ValueError(
            f"{WORKERS_ENV}={text!r} is not a number of computations: set it to a whole "
            "number of at least 1, e.g. 2."
        )
    return Gate(slots)
