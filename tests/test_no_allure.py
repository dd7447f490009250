"""``oauth-harness run --no-allure``: the same checks and verdicts, every other report, no ``allure-results``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from harness.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent / "interop"))
from tests.interop.interop_cli import run_cli  # noqa: E402

CHECKS = ["--check", "discovery.issuer_matches", "--check", "pkce.wrong_verifier_refused",
          "--check", "authorization_code.code_reuse_refused"]


def _verdicts(run_dir: Path) -> dict[str, str]:
    document = json.loads((run_dir / "results.json").read_text())
    return {c["id"]: c["outcome"] for c in document["checks"]}


def test_no_allure_writes_every_other_report_with_the_same_verdicts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with_allure, without = tmp_path / "with", tmp_path / "without"
    code, output = run_cli(["run", *CHECKS, "--quiet", "--report-dir", str(with_allure)], timeout_s=180)
    assert code == 0, output
    stale = without / "allure-results" / "earlier-run-result.json"  # an earlier run's, in a reused directory
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    code, output = run_cli(["run", *CHECKS, "--quiet", "--no-allure", "--report-dir", str(without)], timeout_s=180)
    assert code == 0, output
    assert list((with_allure / "allure-results").glob("*-result.json")), "the default run writes Allure results"
    assert not (without / "allure-results").exists(), "an earlier run's Allure results would pass for this run's"
    assert {p.name for p in without.iterdir()} >= {"results.json", "junit.xml", "index.html"}
    verdicts = _verdicts(without)
    assert len(verdicts) == 3 and verdicts == _verdicts(with_allure)
    assert main(["report", "--allure", str(without)]) == 2
    assert "without --no-allure writes them" in capsys.readouterr().err
