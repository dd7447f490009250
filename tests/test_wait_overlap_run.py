"""Overlapping waits in a real pytest run: the waits run side by side and every check keeps its outcome.

The same small suite runs with and without ``--no-wait-overlap``, in one process and on two
xdist workers: the records (outcome, findings, evidence notes, mandated wait) are the same; with
the overlap the run takes about the longest wait, without it the sum; a started check's start and
end run in one worker process; a check whose fixtures have a teardown is not started early.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

WAIT_S = 1.0

SUITE = f'''
import os
import pytest
from harness import evidence
from harness.results import fail

requirement = pytest.mark.requirement
WAIT_S = {WAIT_S}


@pytest.fixture
def torn_down():
    yield "value"


@requirement("RFC6749-4.1.2-expiry")
@pytest.mark.slow_wait
def test_expires_passes():
    """Waits, then passes."""
    evidence.note(f"prepare pid {{os.getpid()}}")
    evidence.mandated_wait(WAIT_S, "lifetime a")
    evidence.note(f"judge pid {{os.getpid()}}")


@requirement("RFC6749-4.1.2-expiry")
@pytest.mark.slow_wait
def test_expires_fails():
    """Waits, then fails with a finding."""
    evidence.note(f"prepare pid {{os.getpid()}}")
    evidence.mandated_wait(WAIT_S, "lifetime b")
    evidence.note(f"judge pid {{os.getpid()}}")
    raise fail("X_STILL_ACCEPTED", "accepted after expiry", "RFC6749-4.1.2-expiry", expected="refused",
               actual="accepted")


@requirement("RFC6749-4.1.2-expiry")
@pytest.mark.slow_wait
def test_expires_polls_twice():
    """Two waits (a polling interval), then passes."""
    evidence.note(f"prepare pid {{os.getpid()}}")
    evidence.mandated_wait(WAIT_S / 2, "interval 1")
    evidence.mandated_wait(WAIT_S / 2, "interval 2")
    evidence.note(f"judge pid {{os.getpid()}}")


@requirement("RFC6749-4.1.2-expiry")
@pytest.mark.slow_wait
def test_expires_skips_before_asking():
    """Not applicable (decided before any wait)."""
    pytest.skip("the profile documents no lifetime")


@requirement("RFC6749-4.1.2-expiry")
@pytest.mark.slow_wait
def test_expires_with_teardown_fixture(torn_down):
    """A function fixture with a teardown: runs whole in its own turn."""
    evidence.note(f"prepare pid {{os.getpid()}}")
    evidence.mandated_wait(WAIT_S, "lifetime e")
    evidence.note(f"judge pid {{os.getpid()}}")


@pytest.mark.parametrize("n", range(6))
@requirement("RFC6749-4.1.2")
def test_ordinary(n):
    """Ordinary checks that run while the others wait."""
'''


def _record(outcome: str, codes: list[str], notes: list[str], waited: float) -> dict[str, Any]:
    return {"outcome": outcome, "findings": [{"code": c} for c in codes], "evidence": {
        "notes": notes, "mandated_wait_s": waited}}


_WAITED = ["prepare pid 0", f"waited {WAIT_S:.1f}s: lifetime {{}}", "judge pid 0"]
EXPECTED = {
    "expires_passes": _record("passed", [], [n.format("a") for n in _WAITED], WAIT_S),
    "expires_fails": _record("failed", ["X_STILL_ACCEPTED"], [n.format("b") for n in _WAITED], WAIT_S),
    "expires_polls_twice": _record("passed", [], ["prepare pid 0", f"waited {WAIT_S / 2:.1f}s: interval 1",
                                                  f"waited {WAIT_S / 2:.1f}s: interval 2", "judge pid 0"], WAIT_S),
    "expires_skips_before_asking": _record("skipped", [], [], 0.0),
    "expires_with_teardown_fixture": _record("passed", [], [n.format("e") for n in _WAITED], WAIT_S),
    **{f"ordinary[{n}]": _record("passed", [], [], 0.0) for n in range(6)},
}
"""What every check of SUITE ends with (as run in one process without the overlap)."""


def _run(pytester: pytest.Pytester, *extra: str) -> tuple[dict[str, dict[str, Any]], float, Any]:
    pytester.makepyfile(test_waits=SUITE)
    out = pytester.path / f"out{len(list(pytester.path.glob('out*')))}"
    result = pytester.runpytest_inprocess("--report-dir", str(out), "-p", "no:cacheprovider",
                                          "--alluredir", str(out / "allure"), *extra)
    document = json.loads((out / "results.json").read_text())
    checks = {c["id"].split(".", 1)[1]: c for c in document["checks"]}
    return checks, float(document["run"]["duration_s"]), result


def _comparable(record: dict[str, Any]) -> tuple[Any, ...]:
    notes = [n.split(" pid ")[0] for n in record["evidence"]["notes"]]
    return (record["outcome"], [f["code"] for f in record["findings"]], notes, record["evidence"]["mandated_wait_s"])


def _pids(record: dict[str, Any]) -> set[str]:
    return {n.split(" pid ")[1] for n in record["evidence"]["notes"] if " pid " in n}


@pytest.mark.parametrize("workers", [[], ["-p", "xdist", "-n", "2"]], ids=["one process", "two workers"])
def test_waits_overlap_and_outcomes_stay(pytester: pytest.Pytester, workers: list[str]) -> None:
    overlapped, fast, result = _run(pytester, *workers)
    # the run without overlap, in one process (starting workers twice costs more than it proves)
    whole, slow, _ = _run(pytester, "--no-wait-overlap") if not workers else (EXPECTED, 0.0, None)
    assert {k: _comparable(v) for k, v in overlapped.items()} == {k: _comparable(v) for k, v in whole.items()}
    assert len(overlapped) == 11  # the start items are no checks
    assert overlapped["expires_fails"]["outcome"] == "failed"
    assert overlapped["expires_skips_before_asking"]["outcome"] == "skipped"
    for check in ("expires_passes", "expires_fails", "expires_polls_twice"):
        record = overlapped[check]
        assert len(_pids(record)) == 1, record["evidence"]["notes"]  # started and ended in one process
        assert record["duration_s"] >= WAIT_S  # a started check's duration still counts its wait
    if not workers:  # in one process: three started waits side by side plus the fixture one, 2 waits instead of 4
        assert slow - fast >= 1.5 * WAIT_S, (fast, slow)
    result.stdout.no_fnmatch_line("*@prepare*")
    allure = [p.read_text() for p in (pytester.path / "out0" / "allure").glob("*-result.json")]
    assert len(allure) == 11 and not any("@prepare" in text for text in allure)  # Allure shows the checks only
    result.stdout.fnmatch_lines(["*9 passed*"])  # pytest counts the checks only (2 of 11 failed/skipped)


DEADLINE_SUITE = '''
import time
import pytest
from harness import evidence

requirement = pytest.mark.requirement


@requirement("RFC6749-4.1.2-expiry")
@pytest.mark.slow_wait
def test_started_before_the_deadline():
    evidence.mandated_wait(1.5, "lifetime")


@requirement("RFC6749-4.1.2")
def test_slow_ordinary():
    time.sleep(1.2)


@requirement("RFC6749-4.1.2")
def test_after_the_deadline():
    """Not started by the run deadline: broken."""
'''


def test_a_check_started_before_the_run_deadline_may_end_after_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_deadline=DEADLINE_SUITE)
    pytester.runpytest_inprocess("--report-dir", str(pytester.path / "out"), "-p", "no:cacheprovider",
                                 "--run-deadline", "1")
    checks = {c["id"].split(".", 1)[1]: c for c in
              json.loads((pytester.path / "out" / "results.json").read_text())["checks"]}
    assert checks["started_before_the_deadline"]["outcome"] == "passed"
    assert checks["after_the_deadline"]["outcome"] == "broken"
