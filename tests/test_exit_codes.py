"""``oauth-harness run`` obeys one exit-code table: a harness bug is 4, a crash is 4 without a traceback dump."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness import cli
from harness.reporting.summary import EXIT_HARNESS_ERROR, EXIT_OK
from harness.reporting.writer import RunInfo, write_reports
from harness.results import CheckRecord, Outcome


def _profile(tmp_path: Path) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({
        "name": "fake", "issuer": "https://as.example.test",
        "clients": [{"id": "c", "auth_method": "none", "redirect_uris": ["https://rp.example.test/cb"]}],
        "users": [{"username": "u", "password": "pw-1234"}],
    }))
    return path


class _FakeTarget:
    metadata = {"issuer": "https://as.example.test"}

    @classmethod
    def from_profile(cls, profile: Any) -> _FakeTarget:
        return cls()

    def close(self) -> None:
        pass


def _run_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, records: list[CheckRecord]) -> int:
    """Run the CLI with the suites replaced by a pytest run that writes ``records``."""
    import harness.target

    report = tmp_path / "report"

    def fake_pytest_main(args: list[str]) -> int:
        info = RunInfo(target="fake", issuer="https://as.example.test", harness_version="t",
                       started="2026-01-01T00:00:00Z", finished="2026-01-01T00:00:01Z", duration_s=1.0)
        write_reports(report, records, info)
        return 0

    monkeypatch.setattr(harness.target, "Target", _FakeTarget)
    monkeypatch.setattr(pytest, "main", fake_pytest_main)
    return cli.main(["run", "--target", str(_profile(tmp_path)), "--report-dir", str(report), "--suite", "pkce"])


def test_a_check_broken_by_a_harness_bug_makes_the_run_exit_4(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    failed = CheckRecord(id="pkce.a", suite="pkce", title="t", outcome=Outcome.FAILED, requirements=[])
    bug = CheckRecord(id="pkce.b", suite="pkce", title="t", outcome=Outcome.BROKEN, requirements=[],
                      message="harness error KeyError: 'x'", broken_by="harness",
                      evidence={"traceback": "Traceback ...\nKeyError: 'x'\n"})
    assert _run_writing(tmp_path, monkeypatch, [failed, bug]) == EXIT_HARNESS_ERROR
    assert "broken by a harness bug" in capsys.readouterr().err
    document = json.loads((tmp_path / "report" / "results.json").read_text())
    assert document["summary"]["harness_errors"] == 1
    junit = (tmp_path / "report" / "junit.xml").read_text()
    assert 'type="broken:harness"' in junit and "KeyError" in junit


def test_a_clean_run_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    passed = CheckRecord(id="pkce.a", suite="pkce", title="t", outcome=Outcome.PASSED, requirements=[])
    assert _run_writing(tmp_path, monkeypatch, [passed]) == EXIT_OK


def test_an_internal_crash_is_one_line_and_exit_4(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def crash(args: Any) -> int:
        raise RuntimeError("report writer exploded")

    monkeypatch.setattr(cli, "cmd_validate", crash)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert cli.main(["validate", str(_profile(tmp_path))]) == EXIT_HARNESS_ERROR
    err = capsys.readouterr().err
    assert "internal error RuntimeError: report writer exploded" in err and "Traceback" not in err
    dumps = list(tmp_path.glob("oauth-harness-crash-*.txt"))
    assert len(dumps) == 1 and "Traceback" in dumps[0].read_text()


def test_run_help_prints_the_exit_code_table(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["run", "--help"])
    out = capsys.readouterr().out
    for code in range(6):
        assert f"  {code}  " in out
