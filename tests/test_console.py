"""The console: progress lines with elapsed time and an estimate, --verbose findings, known shown as known."""

from __future__ import annotations

import sys
from pathlib import Path

from harness.reporting.console import clock, estimate_left, progress_line

sys.path.insert(0, str(Path(__file__).resolve().parent / "interop"))
from tests.interop.interop_cli import run_cli  # noqa: E402

FAILED = {"id": "pkce.wrong_verifier_refused", "outcome": "failed", "duration_s": 0.21, "message": "[RFC7636-4.6] x",
          "findings": [{"requirement": "RFC7636-4.6", "code": "TOKEN_REQUEST_ACCEPTED", "level": "must",
                        "message": "accepted", "expected": 400, "actual": 200}]}


def test_progress_line_shows_elapsed_and_time_left() -> None:
    line = progress_line(FAILED, done=18, total=67, elapsed=75.0, left=12.4)
    assert line.startswith("[ 18/67 1m15s, ~12s left] FAILED  pkce.wrong_verifier_refused (0.21s)")
    assert line.splitlines()[1].strip() == "[RFC7636-4.6] x"
    assert "left" not in progress_line(FAILED, done=67, total=67, elapsed=75.0, left=0.0)


def test_verbose_lists_every_finding() -> None:
    line = progress_line(FAILED, done=1, total=2, elapsed=1, left=None, verbose=True)
    assert "[RFC7636-4.6] TOKEN_REQUEST_ACCEPTED (MUST): accepted" in line and "expected 400, got 200" in line


def test_known_deviation_is_shown_as_known() -> None:
    data = {**FAILED, "deviation": {"reason": "tracked in TICKET-1"}}
    line = progress_line(data, done=1, total=2, elapsed=1, left=None)
    assert "] KNOWN   pkce.wrong_verifier_refused" in line and "known deviation (failed): tracked in TICKET-1" in line


def test_estimate_prefers_the_last_run_then_the_median_pace() -> None:
    assert estimate_left(10, 5, 100, previous=40) == 30
    assert estimate_left(50, 5, 100, previous=40, durations=[12.0, 0.1, 0.1, 0.2, 0.1], workers=4) == (
        0.1 * 95 / 4)
    assert estimate_left(1, 0, 10) is None and estimate_left(1, 10, 10) == 0.0
    assert clock(59.6) == "1m00s" and clock(3) == "3s"


def test_quiet_and_verbose_runs(tmp_path: Path) -> None:
    code, quiet = run_cli(["run", "--check", "discovery.issuer_matches", "--quiet",
                           "--report-dir", str(tmp_path / "q")], timeout_s=180)
    assert code == 0, quiet
    assert "[  1/1" not in quiet and "what broke: Nothing broke" in quiet and "total " in quiet
    code, verbose = run_cli(["run", "--check", "discovery.issuer_matches", "--verbose",
                             "--report-dir", str(tmp_path / "v")], timeout_s=180)
    assert code == 0 and "[  1/1 " in verbose and "PASSED  discovery.issuer_matches" in verbose
