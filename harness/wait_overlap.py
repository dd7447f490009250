"""Mandated waits that overlap: a waiting check parks while the other checks run.

A check that must watch an artefact expire (a code, a ``request_uri``, a device code) or poll
at an interval spends most of its time in :func:`harness.evidence.mandated_wait`. Run one after
the other, those waits add up; spread over workers, they still queue behind each other on a
worker. Here a waiting check is *started* early (``start``): it runs up to its first mandated
wait and parks there with a deadline; the process goes on with other checks; at every check
boundary (and while the process itself has to wait) the parked checks whose deadline has passed
are resumed, each until its next wait or its end; the check's own place in the run
(``finish``) only collects the ending (resuming it when due). The waits of all started checks
therefore run at the same time, and the run takes about the longest single wait, not their sum.

Everything runs on the main thread: a parked check is a greenlet (the package Playwright's sync
API is built on), so no two checks ever run at the same time, pytest and the browser are used
from one thread as before, and a check's code is unchanged: it sees its wait take (at least) the
mandated time. A resumed check is late by at most the check that was running at its deadline
(checks between waits are short: the artefacts outlive that by far).
"""

from __future__ import annotations

import contextvars
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import greenlet

from harness import evidence

__all__ = ["Parked", "WaitRoom", "active_room", "sleep"]


@dataclass
class Parked:
    """One started check: its greenlet, its evidence, and how it ended."""

    key: str
    log: evidence.EvidenceLog
    glet: Any = None
    deadline: float | None = None  # monotonic time it may go on (while parked in a wait)
    error: BaseException | None = None
    done: bool = False
    active_s: float = 0.0  # time it ran (prepare and judge), not counting its parked waits
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def cleanup(self) -> None:
        """Run the deferred fixture finalisers (the check's user agents), once."""
        callbacks, self.cleanups = self.cleanups, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # noqa: BLE001, S110 - closing an agent must not end the run
                pass


class WaitRoom:
    """The started checks of one pytest session (one process)."""

    def __init__(self, clock: Callable[[], float] | None = None,
                 pause: Callable[[float], None] | None = None) -> None:
        # looked up at each call, so a test that replaces time.sleep / time.monotonic still governs the waits
        self.clock: Callable[[], float] = clock or (lambda: time.monotonic())
        self.pause: Callable[[float], None] = pause or (lambda seconds: time.sleep(seconds))
        self.parked: dict[str, Parked] = {}
        self._by_glet: dict[Any, Parked] = {}

    # -- the check's side ---------------------------------------------------------------

    def start(self, key: str, body: Callable[[], object], log: evidence.EvidenceLog) -> Parked:
        """Run ``body`` (the check function with its fixtures) until its first mandated wait or its end."""
        entry = Parked(key=key, log=log)

        def run() -> None:
            try:
                body()
            except BaseException as exc:  # noqa: BLE001 - the check's outcome, re-raised by finish()
                entry.error = exc
            finally:
                entry.done = True
                entry.deadline = None

        entry.glet = greenlet.greenlet(run)
        entry.glet.gr_context = contextvars.copy_context()  # the check's evidence log is current in it
        self.parked[key] = entry
        self._by_glet[entry.glet] = entry
        self._switch_into(entry)
        return entry

    def sleep(self, seconds: float) -> None:
        """A mandated wait: a started check parks; anything else waits, resuming parked checks when due."""
        entry = self._by_glet.get(greenlet.getcurrent())
        if entry is None:
            if self.waiting:
                self._wait_until(self.clock() + seconds)
            else:
                self.pause(seconds)  # nothing parked: a plain sleep, as without a room
            return
        entry.deadline = self.clock() + seconds
        entry.glet.parent.switch()
        # resumed: the deadline has passed

    # -- the process's side -------------------------------------------------------------

    def run_due(self) -> None:
        """Resume every parked check whose deadline has passed, earliest first, until its next wait or end."""
        while True:
            now = self.clock()
            due = [e for e in self.parked.values() if not e.done and e.deadline is not None and e.deadline <= now]
            if not due:
                return
            self._switch_into(min(due, key=lambda e: (e.deadline, e.key)))

    def finish(self, key: str) -> Parked | None:
        """Let the started check ``key`` end (waiting out its deadline, resuming others meanwhile).

        ``None`` when it was not started in this process.
        """
        entry = self.parked.get(key)
        if entry is None:
            return None
        while not entry.done:
            if entry.deadline is None:  # pragma: no cover - a started check is parked or done
                break
            self._wait_until(entry.deadline)
        self._forget(entry)
        return entry

    def close(self) -> None:
        """End the parked checks that never got their turn (an interrupted run) and run their cleanups."""
        for entry in list(self.parked.values()):
            if not entry.done and entry.glet is not None and not entry.glet.dead:
                try:
                    entry.glet.throw(greenlet.GreenletExit)
                except greenlet.GreenletExit:
                    pass
            self._forget(entry)

    @property
    def waiting(self) -> int:
        """How many started checks have not ended yet."""
        return sum(1 for e in self.parked.values() if not e.done)

    def _wait_until(self, deadline: float) -> None:
        """Pause until ``deadline``, resuming parked checks as they fall due (one plain pause when none is parked)."""
        self.run_due()
        remaining = deadline - self.clock()
        while remaining > 0:
            now = self.clock()
            upcoming = [e.deadline - now for e in self.parked.values() if not e.done and e.deadline is not None]
            step = max(0.0, min([remaining, *upcoming]))
            if step:
                self.pause(step)
            remaining -= step  # counted as paused even if a test's time.sleep does not really sleep
            self.run_due()
            remaining = min(remaining, deadline - self.clock())

    def _switch_into(self, entry: Parked) -> None:
        started = self.clock()
        entry.deadline = None
        try:
            entry.glet.switch()
        finally:
            entry.active_s += self.clock() - started
        if entry.done and isinstance(entry.error, (KeyboardInterrupt, SystemExit)):
            raise entry.error  # an interrupt that hit the check: end the run, not the check

    def _forget(self, entry: Parked) -> None:
        self.parked.pop(entry.key, None)
        self._by_glet.pop(entry.glet, None)
        entry.cleanup()


def adopt(into: evidence.EvidenceLog, earlier: evidence.EvidenceLog) -> None:
    """Put ``earlier``'s records (the started check's) before ``into``'s own, in place."""
    for spec in dataclasses.fields(evidence.EvidenceLog):
        mine, theirs = getattr(into, spec.name), getattr(earlier, spec.name)
        if isinstance(mine, list):
            setattr(into, spec.name, [*theirs, *mine])
        elif isinstance(mine, float):
            setattr(into, spec.name, mine + theirs)


_ROOMS: list[WaitRoom] = []


def active_room() -> WaitRoom | None:
    """The room of the running session (sessions nest when a test runs the suites in-process)."""
    return _ROOMS[-1] if _ROOMS else None


def push(room: WaitRoom) -> None:
    """Make ``room`` the active one (session start)."""
    _ROOMS.append(room)


def pop(room: WaitRoom) -> None:
    """Close ``room`` and make the previous one active again (session end)."""
    room.close()
    if room in _ROOMS:
        _ROOMS.remove(room)


def sleep(seconds: float) -> None:
    """Wait ``seconds`` for a protocol-mandated reason (called by :func:`harness.evidence.mandated_wait`)."""
    room = active_room()
    if room is None:
        time.sleep(seconds)
    else:
        room.sleep(seconds)
