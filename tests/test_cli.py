"""CLI exit codes and messages that do not need the reference target."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import yaml

from harness.cli import main
from harness.reporting.summary import EXIT_UNREACHABLE, EXIT_USAGE


def _profile(tmp_path: Path, issuer: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({
        "name": "unreachable", "issuer": issuer,
        "clients": [{"id": "c", "auth_method": "none", "redirect_uris": ["https://rp.example.test/cb"]}],
        "users": [{"username": "u", "password": "pw-1234"}],
        "timeouts": {"connect": 1, "read": 1},
    }))
    return path


def test_invalid_profile_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nissuer: https://as.example.test\nclientz: []\n")
    assert main(["run", "--target", str(path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "clientz: unknown key" in err and "clients: required key is missing" in err


def test_unknown_suite_exits_2_with_closest_match(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--suite", "pcke"]) == EXIT_USAGE
    assert "did you mean 'pkce'" in capsys.readouterr().err


def test_bad_usage_exits_2() -> None:
    assert main(["frobnicate"]) == EXIT_USAGE


def test_unreachable_target_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    report = tmp_path / "report"
    assert main(["run", "--target", str(_profile(tmp_path, f"http://127.0.0.1:{port}")),
                 "--report-dir", str(report)]) == EXIT_UNREACHABLE
    assert "cannot reach the target 'unreachable'" in capsys.readouterr().err
    # the reports are still written: one broken record that says why, and a junit <error> for CI
    document = json.loads((report / "results.json").read_text())
    assert [(c["id"], c["outcome"]) for c in document["checks"]] == [("run.target_reachable", "broken")]
    assert "could not be read" in document["checks"][0]["message"] and document["run"]["incomplete"]
    assert "<error" in (report / "junit.xml").read_text() and (report / "index.html").exists()


def test_validate_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(_profile(tmp_path, "https://as.example.test"))]) == 0
    assert "valid (1 clients, 1 users)" in capsys.readouterr().out


def test_list_shows_checks_with_requirements(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--suite", "pkce"]) == 0
    out = capsys.readouterr().out
    assert "pkce.wrong_verifier_refused" in out and "RFC7636-4.6" in out
    assert "checks" in out.splitlines()[-1]


def _write_run(path: Path, outcomes: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    checks = [{"id": k, "outcome": v, "message": ""} for k, v in outcomes.items()]
    (path / "results.json").write_text(json.dumps({"checks": checks}))
    return path


def test_diff_exit_code_only_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _write_run(tmp_path / "old", {"a": "passed"})
    new = _write_run(tmp_path / "new", {"a": "failed"})
    assert main(["diff", str(old), str(new)]) == 0
    assert "1 new failures" in capsys.readouterr().out
    assert main(["diff", str(old), str(new), "--fail-on", "new", "--html", str(tmp_path / "d.html")]) == 1
    assert (tmp_path / "d.html").exists()
    assert main(["diff", str(new), str(old), "--fail-on", "new"]) == 0


def test_report_allure_says_how_to_get_it(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    run = _write_run(tmp_path / "run", {"a": "passed"})
    (run / "allure-results").mkdir()
    (run / "allure-results" / "x-result.json").write_text("{}")
    import harness.reporting.allure_cli as allure_cli

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("ALLURE", raising=False)
    monkeypatch.setattr(allure_cli, "LOCAL_ALLURE", tmp_path / "no-allure-here")
    assert main(["report", "--allure", str(run)]) == 2
    assert "npm install" in capsys.readouterr().err
