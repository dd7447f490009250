"""Run history: one line per run beside the run directories, the trend in the report, `oauth-harness history`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.cli import main
from harness.reporting.diff import load_results
from harness.reporting.history import read_history, run_selection, same_series
from harness.reporting.summary import EXIT_OK, EXIT_USAGE
from tests.report_samples import TARGET, clean_records, failing_records, write_run


def test_each_run_appends_one_line_and_the_report_shows_the_trend(tmp_path: Path) -> None:
    write_run(tmp_path, "r1", failing_records(), "2026-01-01T00:00:00+00:00")
    first = load_results(tmp_path / "r1")
    assert first["baseline"] is None and len(first["history"]) == 1
    assert "the trend starts with the next run" in (tmp_path / "r1" / "index.html").read_text()
    index = write_run(tmp_path, "r2", clean_records(), "2026-01-02T00:00:00+00:00")
    entries = read_history(tmp_path / "history.jsonl")
    assert [e["started"] for e in entries] == ["2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00"]
    assert entries[0]["failing"] == ["pkce.wrong_verifier_refused"] and entries[1]["failing"] == []
    assert set(entries[0]) >= {"started", "target", "harness_version", "counts", "suites", "failing"}
    second = load_results(tmp_path / "r2")
    assert [p["href"] for p in second["history"]] == ["../r1/index.html", "index.html"]
    html = index.read_text()
    assert len(re.findall(r'<circle class="run-point"', html)) == 2
    assert '<a href="../r1/index.html">' in html


def test_other_targets_and_selections_are_separate_series(tmp_path: Path) -> None:
    write_run(tmp_path, "r1", clean_records(), "2026-01-01T00:00:00+00:00")
    with (tmp_path / "history.jsonl").open("a") as handle:
        handle.write(json.dumps({"target": "other", "started": "x", "counts": {}, "selection": "all"}) + "\nnot json\n")
    entries = read_history(tmp_path / "history.jsonl")
    assert len(entries) == 2  # the damaged line is skipped
    assert len(same_series(entries, TARGET)) == 1 and same_series(entries, TARGET, "check=pkce.*") == []
    assert run_selection("pkce.*", None, ["suites/pkce"]) == "check=pkce.* suite=pkce"


def test_history_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_run(tmp_path, "r1", failing_records(), "2026-01-01T00:00:00+00:00")
    write_run(tmp_path, "r2", failing_records(extra_failure=True), "2026-01-02T00:00:00+00:00")
    assert main(["history", "--file", str(tmp_path / "history.jsonl")]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"{TARGET}: the last 2 run(s)" in out and "+1 new / -0 fixed" in out
    assert "failing in the last run: pkce.plain_refused, pkce.wrong_verifier_refused" in out
    assert main(["history", "--file", str(tmp_path / "none.jsonl")]) == EXIT_USAGE
    assert main(["history", "--file", str(tmp_path / "history.jsonl"), "--target", "nope"]) == EXIT_USAGE


def test_history_holds_no_evidence(tmp_path: Path) -> None:
    write_run(tmp_path, "r1", failing_records(), "2026-01-01T00:00:00+00:00")
    text = (tmp_path / "history.jsonl").read_text()
    assert "REDACTED" not in text and "curl" not in text and "exchanges" not in text


def test_an_explicit_baseline_replaces_the_history_one(tmp_path: Path) -> None:
    from harness.reporting.what_broke import what_broke
    from harness.reporting.writer import set_baseline

    write_run(tmp_path, "r1", failing_records(), "2026-01-01T00:00:00+00:00")
    write_run(tmp_path, "r2", failing_records(extra_failure=True), "2026-01-02T00:00:00+00:00")
    document = load_results(tmp_path / "r2")
    set_baseline(tmp_path / "r2", document, source="--baseline reports/last-night", started="2025-12-31",
                 new_failures=["pkce.wrong_verifier_refused", "pkce.plain_refused"])
    again = load_results(tmp_path / "r2")
    block = what_broke(again)
    assert [i.check for i in block.group("new")] == ["pkce.plain_refused", "pkce.wrong_verifier_refused"]
    assert block.baseline == "--baseline reports/last-night, 2025-12-31"
    assert "--baseline reports/last-night" in (tmp_path / "r2" / "index.html").read_text()
