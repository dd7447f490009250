"""xdist scheduling for started waits: each check's start and end on one worker, the starts first.

With :mod:`harness.wait_overlap` a waiting check is two items: its start (``<name>@prepare``,
which runs the check up to its first mandated wait and parks it) and the check itself (which
collects the ending). Both must run in the same worker process (the parked check lives there),
the starts as early as possible, and the ends as late as possible (by then the waits are over
and nothing blocks on them). pytest-xdist's ``load`` scheduling sends items in order to
whichever worker asks: this variant

* sends the starts first, round-robin over the workers (so the prepare phases run in parallel),
* keeps each check's end back for the worker that ran its start, and
* sends a worker its ends once no other item is left to hand out (then shuts it down).

Everything else is xdist's ``load`` scheduling. A worker that dies takes its parked checks
with it: their ends go back to the common pool and run from scratch elsewhere (a check whose
start is not in the process simply runs whole), so the outcome never depends on scheduling.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import cycle
from typing import Any

from xdist.scheduler import LoadScheduling

from harness.pytest_waits import START_SUFFIX

__all__ = ["WaitFirstScheduling", "plan_starts"]


def plan_starts(collection: Sequence[str]) -> dict[int, int]:
    """Index of each start item -> index of its check in ``collection`` (starts without a check are left out)."""
    index = {nodeid: i for i, nodeid in enumerate(collection)}
    pairs: dict[int, int] = {}
    for i, nodeid in enumerate(collection):
        if nodeid.endswith(START_SUFFIX):
            check = index.get(nodeid[: -len(START_SUFFIX)])
            if check is not None:
                pairs[i] = check
    return pairs


class WaitFirstScheduling(LoadScheduling):  # type: ignore[misc]
    """``load`` scheduling with started waits (see the module docstring)."""

    collection: list[str] | None
    maxschedchunk: int | None
    pending: list[int]
    node2pending: dict[Any, list[int]]
    node2collection: dict[Any, list[str]]

    def __init__(self, config: Any, log: Any = None) -> None:
        super().__init__(config, log)
        self.held: dict[Any, list[int]] = {}
        self.starts: set[int] = set()

    @property
    def tests_finished(self) -> bool:
        """Finished when xdist says so and no check's end is held back."""
        return not any(self.held.values()) and bool(super().tests_finished)

    @property
    def has_pending(self) -> bool:
        """Pending while xdist has items or a check's end is held back."""
        return any(self.held.values()) or bool(super().has_pending)

    def schedule(self) -> None:
        """First distribution: the starts round-robin, then xdist's chunks of the rest."""
        if self.collection is not None or not self.collection_is_completed:
            super().schedule()
            return
        if not self._check_nodes_have_same_collection():
            self.log("**Different tests collected, aborting run**")
            return
        collection: list[str] = list(next(iter(self.node2collection.values())))
        pairs = plan_starts(collection)
        if not pairs:
            super().schedule()
            return
        self.collection = collection
        if self.maxschedchunk is None:
            self.maxschedchunk = len(collection)
        self.starts = set(pairs)
        paired = set(pairs) | set(pairs.values())
        self.pending[:] = [i for i in range(len(collection)) if i not in paired]
        nodes = cycle(self.nodes)
        for start, check in pairs.items():
            node = next(nodes)
            self._send(node, [start])
            self.held.setdefault(node, []).append(check)
        if len(self.pending) < 2 * len(self.nodes):
            nodes = cycle(self.nodes)
            for _ in range(len(self.pending)):
                self._send_tests(next(nodes), 1)
        else:
            chunk = max(2, min(len(self.pending) // len(self.nodes) // 4, self.maxschedchunk))
            for node in self.nodes:
                self._send_tests(node, chunk)
        if not self.pending:
            for node in self.nodes:
                self.check_schedule(node)

    def check_schedule(self, node: Any, duration: float = 0) -> None:
        """Once the common pool is empty, the worker gets its held check ends (and then its shutdown)."""
        if not node.shutting_down and not self.pending and self.held.get(node):
            self._send(node, sorted(self.held.pop(node)))
        super().check_schedule(node, duration=duration)

    def remove_node(self, node: Any) -> str | None:
        """A worker ended: the check ends it still held run from scratch on the others (their starts are dropped)."""
        orphans = self.held.pop(node, [])
        crashed: str | None = super().remove_node(node)
        self.pending[:] = [i for i in self.pending if i not in self.starts] + orphans
        if orphans:
            for other in self.nodes:
                self.check_schedule(other)
        return crashed

    def _send(self, node: Any, indices: list[int]) -> None:
        self.node2pending[node].extend(indices)
        node.send_runtest_some(indices)
