"""Overlapping mandated waits (harness.wait_overlap, harness.wait_scheduling): side by side, outcomes unchanged."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from harness import evidence
from harness.results import CheckFailed, Finding, Level
from harness.wait_overlap import WaitRoom, adopt, pop, push
from harness.wait_scheduling import WaitFirstScheduling, plan_starts


class FakeClock:
    """A clock that only moves when the room pauses (and, optionally, while a check works)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.paused: list[float] = []

    def __call__(self) -> float:
        return self.now

    def pause(self, seconds: float) -> None:
        assert seconds > 0
        self.paused.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def room(clock: FakeClock) -> Any:
    room = WaitRoom(clock=clock, pause=clock.pause)
    push(room)
    try:
        yield room
    finally:
        pop(room)


def _check(events: list[str], name: str, wait: float, clock: FakeClock, work: float = 0.0,
           fail: BaseException | None = None) -> Any:
    def body() -> None:
        events.append(f"{name} prepare")
        clock.now += work
        evidence.mandated_wait(wait, f"{name} lifetime")
        events.append(f"{name} judge at {clock.now - 1000:g}")
        if fail is not None:
            raise fail
    return body


def test_two_started_waits_run_side_by_side(room: WaitRoom, clock: FakeClock) -> None:
    events: list[str] = []
    logs = {name: evidence.EvidenceLog() for name in ("a", "b")}
    for name, wait in (("a", 10.0), ("b", 12.0)):
        with evidence.collecting(logs[name]):
            room.start(name, _check(events, name, wait, clock), logs[name])
    assert events == ["a prepare", "b prepare"]  # both parked at their wait, nothing slept yet
    assert clock.paused == []
    first, second = room.finish("a"), room.finish("b")
    assert first is not None and second is not None and first.error is None and second.error is None
    assert events[2:] == ["a judge at 10", "b judge at 12"]
    assert sum(clock.paused) == pytest.approx(12.0)  # the longest wait, not 22 s
    for name, wait in (("a", 10.0), ("b", 12.0)):  # each check's own evidence, with its full mandated wait
        assert logs[name].mandated_wait_s == wait and logs[name].notes == [f"waited {wait:.1f}s: {name} lifetime"]


def test_a_waiting_check_ends_with_its_own_outcome(room: WaitRoom, clock: FakeClock) -> None:
    failure = CheckFailed(Finding(code="X", message="m", requirement="RFC6749-4.1.2-expiry", level=Level.MUST,
                                  expected="refused", actual="accepted"))
    early = ValueError("before the wait")
    events: list[str] = []

    def fails_before_waiting() -> None:
        raise early

    room.start("judged", _check(events, "judged", 5.0, clock, fail=failure), evidence.EvidenceLog())
    room.start("early", fails_before_waiting, evidence.EvidenceLog())
    ended = room.finish("early")
    assert ended is not None and ended.error is early and ended.done
    judged = room.finish("judged")
    assert judged is not None and judged.error is failure
    assert room.finish("never started") is None


def test_parked_checks_go_on_at_item_boundaries_and_while_the_process_waits(room: WaitRoom,
                                                                           clock: FakeClock) -> None:
    events: list[str] = []
    room.start("short", _check(events, "short", 2.0, clock), evidence.EvidenceLog())
    room.run_due()
    assert events == ["short prepare"]  # not due yet
    clock.now += 3.0  # other checks ran meanwhile
    room.run_due()
    assert events[-1] == "short judge at 3"
    room.start("long", _check(events, "long", 4.0, clock), evidence.EvidenceLog())
    evidence.mandated_wait(6.0, "an ordinary check's own wait")  # the process waits: due parked checks go on
    assert events[-1] == "long judge at 7" and clock.now == 1009.0
    assert room.finish("long") is not None and room.waiting == 0


def test_a_check_with_two_waits_parks_twice(room: WaitRoom, clock: FakeClock) -> None:
    events: list[str] = []

    def polls() -> None:
        for n in range(3):
            events.append(f"poll {n} at {clock.now - 1000:g}")
            if n < 2:
                evidence.mandated_wait(5.0, "polling interval")

    room.start("poller", polls, evidence.EvidenceLog())
    room.start("other", _check(events, "other", 7.0, clock), evidence.EvidenceLog())
    assert room.finish("poller") is not None and room.finish("other") is not None
    assert events == ["poll 0 at 0", "other prepare", "poll 1 at 5", "other judge at 7", "poll 2 at 10"]


def test_an_interrupt_inside_a_parked_check_ends_the_run(room: WaitRoom, clock: FakeClock) -> None:
    room.start("interrupted", _check([], "interrupted", 1.0, clock, fail=KeyboardInterrupt()), evidence.EvidenceLog())
    with pytest.raises(KeyboardInterrupt):
        room.finish("interrupted")


def test_close_ends_parked_checks_and_runs_their_cleanups(clock: FakeClock) -> None:
    room = WaitRoom(clock=clock, pause=clock.pause)
    push(room)
    closed: list[str] = []
    finalised: list[str] = []

    def body() -> None:
        try:
            evidence.mandated_wait(60.0, "never reached")
        finally:
            finalised.append("finally")

    entry = room.start("stuck", body, evidence.EvidenceLog())
    entry.cleanups.append(lambda: closed.append("agent"))
    pop(room)
    assert finalised == ["finally"] and closed == ["agent"] and clock.paused == []


def test_without_a_room_a_mandated_wait_is_a_plain_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", slept.append)
    with evidence.collecting(evidence.EvidenceLog()) as log:
        evidence.mandated_wait(0.25, "no session")
    assert slept == [0.25] and log.mandated_wait_s == 0.25


def test_adopt_puts_the_started_records_first() -> None:
    started, own = evidence.EvidenceLog(notes=["prepare"], mandated_wait_s=3.0), evidence.EvidenceLog(notes=["own"])
    adopt(own, started)
    assert own.notes == ["prepare", "own"] and own.mandated_wait_s == 3.0


# -- xdist scheduling -----------------------------------------------------------------------

class FakeNode:
    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[int] = []
        self.shutting_down = False
        self.gateway = SimpleNamespace(id=name)

    def send_runtest_some(self, indices: list[int]) -> None:
        assert not self.shutting_down
        self.sent.extend(indices)

    def shutdown(self) -> None:
        self.shutting_down = True

    def __repr__(self) -> str:
        return self.name


COLLECTION = [
    "s/test_a.py::test_wait_a@prepare", "s/test_b.py::test_wait_b@prepare", "s/test_c.py::test_wait_c@prepare",
    *[f"s/test_x.py::test_{i}" for i in range(12)],
    "s/test_a.py::test_wait_a", "s/test_b.py::test_wait_b", "s/test_c.py::test_wait_c",
]


def _scheduler(nodes: list[FakeNode]) -> WaitFirstScheduling:
    config = SimpleNamespace(getvalue=lambda name: [f"{len(nodes)}*popen"],
                             getoption=lambda name: 1 if name == "maxschedchunk" else None)
    scheduler = WaitFirstScheduling(config)
    for node in nodes:
        scheduler.add_node(node)
        scheduler.add_node_collection(node, COLLECTION)
    return scheduler


def _run_to_the_end(scheduler: WaitFirstScheduling, nodes: list[FakeNode]) -> None:
    done: dict[str, int] = {node.name: 0 for node in nodes}
    for _ in range(200):
        progressed = False
        for node in nodes:
            queue = scheduler.node2pending[node]
            # a worker runs an item once it knows the next one (or is shutting down)
            if len(queue) >= 2 or (queue and node.shutting_down):
                scheduler.mark_test_complete(node, queue[0])
                done[node.name] += 1
                progressed = True
        if not progressed:
            break
    assert scheduler.tests_finished and not scheduler.has_pending


def test_plan_starts_pairs_each_start_with_its_check() -> None:
    assert plan_starts(COLLECTION) == {0: 15, 1: 16, 2: 17}
    assert plan_starts(["a::t@prepare"]) == {}  # a start without its check is no pair


def test_starts_go_first_and_each_check_ends_on_its_start_worker_last() -> None:
    nodes = [FakeNode("gw0"), FakeNode("gw1")]
    scheduler = _scheduler(nodes)
    scheduler.schedule()
    assert [node.sent[0] for node in nodes] == [0, 1] and 2 in nodes[0].sent[:2]
    _run_to_the_end(scheduler, nodes)
    everything = sorted(i for node in nodes for i in node.sent)
    assert everything == list(range(len(COLLECTION)))  # every item exactly once
    for start, check in plan_starts(COLLECTION).items():
        owner = next(node for node in nodes if start in node.sent)
        assert check in owner.sent  # the parked check lives in that worker
        assert owner.sent.index(check) > max(owner.sent.index(i) for i in owner.sent if 3 <= i < 15)


def test_a_dead_worker_hands_its_held_checks_to_the_others() -> None:
    nodes = [FakeNode("gw0"), FakeNode("gw1")]
    scheduler = _scheduler(nodes)
    scheduler.schedule()
    held = list(scheduler.held[nodes[0]])
    scheduler.remove_node(nodes[0])
    _run_to_the_end(scheduler, [nodes[1]])
    assert set(held) <= set(nodes[1].sent)  # they run whole there (their start died with gw0)
    assert 2 not in nodes[1].sent  # the dead worker's unrun start is dropped, not run for nothing


def test_lifetime_waits_start_before_the_other_waits_and_the_rest() -> None:
    """``slow_wait(lifetime=True)`` checks (an artefact's lifetime, the long waits) are scheduled first."""
    from typing import cast

    from harness.pytest_waits import wait_priority

    class _Item:
        def __init__(self, name: str, mark: pytest.MarkDecorator | None) -> None:
            self.name, self.mark = name, mark

        def get_closest_marker(self, name: str) -> pytest.Mark | None:
            return self.mark.mark if self.mark is not None and name == "slow_wait" else None

    items = [_Item("plain", None), _Item("slow_down", pytest.mark.slow_wait),
             _Item("expired_code", pytest.mark.slow_wait(lifetime=True)), _Item("plain2", None),
             _Item("expired_request_uri", pytest.mark.slow_wait(lifetime=True))]
    ordered = sorted(items, key=lambda i: wait_priority(cast(pytest.Item, i)))
    assert [i.name for i in ordered] == ["expired_code", "expired_request_uri", "slow_down", "plain", "plain2"]
