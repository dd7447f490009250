"""The internal test hook ``harness.reporting.writer.results_only``: inside it a run writes results.json only.

The both-ways proofs (tests/defects) make hundreds of in-process runs that read nothing but
results.json; every other run — and every real run — writes every report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.reporting.writer import RunInfo, results_document, results_only, results_only_active, write_reports
from harness.results import CheckRecord, Finding, Outcome


def _records() -> list[CheckRecord]:
    return [CheckRecord(id="pkce.wrong_verifier_refused", suite="pkce", title="t", outcome=Outcome.FAILED,
                        requirements=["RFC7636-4.6"], message="accepted",
                        findings=[Finding("TOKEN_REQUEST_ACCEPTED", "accepted", "RFC7636-4.6", expected=400,
                                          actual=200)]),
            CheckRecord(id="pkce.s256_round_trip", suite="pkce", title="ok", outcome=Outcome.PASSED,
                        requirements=["RFC7636-4.6"])]


def _info() -> RunInfo:
    return RunInfo(target="t", issuer="https://as", harness_version="0.1.0", started="s", finished="f")


def _names(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


def test_inside_the_hook_only_results_json_is_written(tmp_path: Path) -> None:
    with results_only():
        path = write_reports(tmp_path / "reports" / "run1", _records(), _info())
    assert path == tmp_path / "reports" / "run1" / "results.json"
    assert _names(tmp_path / "reports" / "run1") == {"results.json"}
    assert _names(tmp_path / "reports") == {"run1"}  # no history.jsonl, no latest copy
    document = json.loads(path.read_text())
    expected = results_document(_records(), _info())
    assert document == json.loads(json.dumps(expected))  # the document a real run writes, without history
    assert document["history"] == [] and document["baseline"] is None


def test_outside_the_hook_every_report_is_written(tmp_path: Path) -> None:
    with results_only():
        pass
    write_reports(tmp_path / "reports" / "run1", _records(), _info())
    assert {"results.json", "junit.xml", "index.html"} <= _names(tmp_path / "reports" / "run1")
    assert {"run1", "latest", "history.jsonl"} <= _names(tmp_path / "reports")


def test_the_hook_ends_with_its_block_even_on_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), results_only(), results_only():
        raise RuntimeError("boom")
    write_reports(tmp_path / "run", _records(), _info())
    assert {"junit.xml", "index.html"} <= _names(tmp_path / "run")


def test_the_hook_is_visible_to_the_report_step_only_inside_its_block() -> None:
    """The plugin skips judging the certification profiles inside the hook (``certification: []``)."""
    assert not results_only_active()
    with results_only():
        assert results_only_active()
    assert not results_only_active()
