"""SIGTERM (how CI runners stop jobs) ends a run like Ctrl-C: reports written, marked incomplete."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

SUITE = '''
import time
import pytest

@pytest.mark.requirement("RFC6749-4.1.2")
def test_a_quick():
    """Finishes at once."""

@pytest.mark.requirement("RFC6749-4.1.2")
def test_b_stuck():
    """Still running when the job is stopped."""
    open("stuck-started", "w").close()
    time.sleep(60)
'''


@pytest.mark.parametrize("workers", [[], ["-p", "xdist", "-n", "2"]], ids=["serial", "xdist"])
def test_sigterm_writes_incomplete_reports(pytester: pytest.Pytester, workers: list[str]) -> None:
    pytester.makepyfile(test_suite=SUITE)
    out = pytester.path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "--report-dir", str(out), *workers],
        cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"})  # lines as they happen
    # wait until the stuck check runs (start-up and xdist workers may be slow on a loaded machine); the
    # quick one ran before it (serially) or is held by its xdist worker until the shutdown, then reported
    started = pytester.path / "stuck-started"
    deadline = time.monotonic() + 90
    while not started.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    time.sleep(0.3)
    assert process.poll() is None, "the run ended before it could be stopped"
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the run did not end within 30 s of SIGTERM") from None
    assert "Traceback" not in output, output
    document = json.loads((out / "results.json").read_text())
    assert document["run"]["incomplete"] is True, output
    assert "a_quick" in {c["id"].split(".", 1)[1] for c in document["checks"]}
    assert (out / "junit.xml").exists() and (out / "index.html").exists()



def test_run_deadline_ends_a_stuck_check(pytester: pytest.Pytester) -> None:
    """A check stuck mid-exchange cannot hold the run past the run deadline (plus the grace)."""
    from harness.pytest_plugin import RUN_DEADLINE_GRACE_S

    pytester.makepyfile(test_suite=SUITE)
    out = pytester.path / "out"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--report-dir", str(out), "--run-deadline", "2"],
        cwd=pytester.path, capture_output=True, text=True, timeout=60, check=False)
    elapsed = time.monotonic() - started
    assert elapsed < 2 + RUN_DEADLINE_GRACE_S + 10, elapsed
    assert "Traceback" not in result.stdout, result.stdout
    document = json.loads((out / "results.json").read_text())
    assert document["run"]["incomplete"] is True
    assert "run deadline" in result.stdout
