"""The pytest side of overlapping mandated waits (:mod:`harness.wait_overlap`).

Every selected check marked ``slow_wait`` gets a *start* item, ``<test name>@prepare``, that
runs first: it calls the check function with its fixtures until the first mandated wait and
parks it there. The check's own item runs at the end of the run: it lets the parked check end
(waiting out whatever is left of its deadline) and its outcome, evidence and findings are the
check's, exactly as if it had run in one go. Between any two items, the parked checks whose
deadline has passed go on. A start item is no check: it has no record, pytest does not count
it, and its failures are nobody's (the check then runs whole in its own item).

Under pytest-xdist, :mod:`harness.wait_scheduling` keeps a check's start and end on one worker.
``--no-wait-overlap`` turns it all off (each check waits in its own item, as before).

A check is started early only when that cannot change what it sees: not parametrized, and no
function-scoped fixture with a teardown except ``user_agent`` (whose agents are closed when the
check ends) and the harness's evidence log.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from harness import evidence
from harness.wait_overlap import WaitRoom, adopt, pop, push

__all__ = ["START_SUFFIX", "Starter", "active_time", "defer_cleanup", "drop_start_results", "is_starter",
           "wait_priority", "was_started"]

START_SUFFIX = "@prepare"
"""Appended to a waiting check's node id to name its start item."""

_TEARDOWN_OK = frozenset({"user_agent", "_harness_evidence"})
"""Function-scoped fixtures with a teardown that a started check may keep using (see module docstring)."""

_ROOM = pytest.StashKey[WaitRoom]()
_ACTIVE = pytest.StashKey[float]()


class Starter(pytest.Function):
    """The start item of a waiting check (runs it up to its first mandated wait)."""

    check_nodeid: str = ""


def is_starter(item: object) -> bool:
    """Whether ``item`` is a start item (no check of its own)."""
    return isinstance(item, Starter)


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--no-wait-overlap``."""
    parser.getgroup("oauth-harness").addoption(
        "--no-wait-overlap", dest="harness_no_wait_overlap", action="store_true",
        help="do not start the checks that wait for an expiry early (each waits in its own turn)")


def _enabled(config: pytest.Config) -> bool:
    return not config.getoption("harness_no_wait_overlap", False)


def _eligible(item: pytest.Item) -> bool:
    if not isinstance(item, pytest.Function) or is_starter(item) or not item.get_closest_marker("slow_wait"):
        return False
    if getattr(item, "callspec", None) is not None:
        return False
    for name, definitions in item._fixtureinfo.name2fixturedefs.items():
        definition = definitions[-1]
        if definition.scope == "function" and name not in _TEARDOWN_OK and (
                inspect.isgeneratorfunction(definition.func) or inspect.isasyncgenfunction(definition.func)):
            return False
    return True


def wait_priority(item: pytest.Item) -> int:
    """Sort key: 0 waits out an artefact's lifetime (``slow_wait(lifetime=True)``), 1 other waits, 2 the rest.

    Those are the long waits (a code, request_uri, device code, CIBA request or token lifetime; 60 s
    to 600 s on real deployments), the others a few seconds (``slow_down``, ``max_age``). The
    scheduler hands the starts out in this order, round-robin, so every worker begins with a long
    one and the run's wall time approaches the longest single wait. A stable sort: the rest keep
    their collection order, identical on every xdist worker.
    """
    marker = item.get_closest_marker("slow_wait")
    if marker is None:
        return 2
    return 0 if marker.kwargs.get("lifetime") else 1


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add the start items (after every selection): starts first, other waiting checks, the rest, the ends."""
    if not _enabled(config) or config.getoption("collectonly", False):
        return
    waiting = sorted((item for item in items if _eligible(item)), key=wait_priority)
    if not waiting:
        return
    starts: list[pytest.Item] = []
    for item in waiting:
        assert isinstance(item, pytest.Function)
        start = Starter.from_parent(item.parent, name=item.name + START_SUFFIX, callobj=item.obj,
                                    fixtureinfo=item._fixtureinfo)
        start.check_nodeid = item.nodeid
        starts.append(start)
    ends = {id(item) for item in waiting}
    rest = [item for item in items if id(item) not in ends]
    items[:] = [*starts, *rest, *waiting]


def pytest_sessionstart(session: pytest.Session) -> None:
    """One room per session (per process)."""
    if _enabled(session.config):
        room = WaitRoom()
        session.config.stash[_ROOM] = room
        push(room)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """End what is still parked (an interrupted run) and close its user agents."""
    room = session.config.stash.get(_ROOM, None)
    if room is not None:
        pop(room)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    """Between items, the parked checks whose deadline has passed go on."""
    room = item.config.stash.get(_ROOM, None)
    if room is not None:
        room.run_due()
    try:
        return (yield)
    finally:
        if room is not None:
            room.run_due()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """A start item parks its check; a started check's item lets it end and takes its outcome."""
    room = pyfuncitem.config.stash.get(_ROOM, None)
    if room is None:
        return None
    if isinstance(pyfuncitem, Starter):
        function = pyfuncitem.obj
        arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        room.start(pyfuncitem.check_nodeid, lambda: function(**arguments), evidence.current())
        return True
    entry = room.finish(pyfuncitem.nodeid)
    if entry is None:
        return None
    adopt(evidence.current(), entry.log)
    pyfuncitem.stash[_ACTIVE] = entry.active_s
    if entry.error is not None:
        raise entry.error
    return True


def was_started(item: pytest.Item) -> bool:
    """Whether ``item``'s check was started by its start item in this process (and has not ended yet)."""
    room = item.config.stash.get(_ROOM, None)
    return room is not None and item.nodeid in room.parked


def active_time(item: pytest.Item) -> float | None:
    """How long a started check ran (its prepare and judge phases), or ``None`` for one that ran whole."""
    return item.stash.get(_ACTIVE, None)


def defer_cleanup(item: pytest.Item, callback: Any) -> bool:
    """Keep ``callback`` (closing a start item's user agents) until its check ends; ``False``: run it now."""
    if not isinstance(item, Starter):
        return False
    room = item.config.stash.get(_ROOM, None)
    entry = room.parked.get(item.check_nodeid) if room is not None else None
    if entry is None or entry.done:
        return False
    entry.cleanups.append(callback)
    return True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """A start item that could not set up or tear down is skipped: its check runs whole and says why."""
    report = yield
    if isinstance(item, Starter) and call.when != "call" and report.failed:
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: start of {item.check_nodeid} failed")
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
    """Start items are not counted in pytest's summary and print no progress letter."""
    if report.nodeid.endswith(START_SUFFIX):
        return "", "", ""
    return None


def drop_start_results(directory: Path) -> None:
    """Remove the start items from allure-pytest's results (they are no checks); their fixture groups follow."""
    dropped: set[str] = set()
    for path in directory.glob("*-result.json"):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if str(result.get("fullName", "")).endswith(START_SUFFIX):
            dropped.add(str(result.get("uuid")))
            path.unlink()
    if not dropped:
        return
    for path in directory.glob("*-container.json"):
        try:
            container = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        children = [c for c in container.get("children", []) if c not in dropped]
        if children == container.get("children", []):
            continue
        if children:
            container["children"] = children
            path.write_text(json.dumps(container), encoding="utf-8")
        else:
            path.unlink()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """The xdist ``load`` scheduling, keeping each start and its check on one worker."""
    if not _enabled(config) or config.getoption("dist", "load") != "load":
        return None
    from harness.wait_scheduling import WaitFirstScheduling

    return WaitFirstScheduling(config, log)
