"""Report writers: results.json shape, JUnit XML, HTML — all from the same records."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.reporting.html import render_html
from harness.reporting.summary import counts, suite_verdict, summary_table
from harness.reporting.writer import RunInfo, results_document, results_json_text, write_reports
from harness.results import CheckRecord, Finding, Level, Outcome


def _records() -> list[CheckRecord]:
    return [
        CheckRecord(id="pkce.wrong_verifier_refused", suite="pkce", title="Wrong verifier refused",
                    outcome=Outcome.FAILED, requirements=["RFC7636-4.6"], message="[RFC7636-4.6] accepted",
                    findings=[Finding("TOKEN_REQUEST_ACCEPTED", "accepted", "RFC7636-4.6", expected=400, actual=200)],
                    evidence={"exchanges": [{"seq": 1, "label": "token", "request": {
                        "method": "POST", "url": "https://as/token", "headers": [], "body": "code=%5BREDACTED%5D"},
                        "response": {"status": 200, "headers": [], "body": "{}"}, "elapsed_s": 0.01, "error": None,
                        "curl": "curl -X POST https://as/token"}], "tokens": [], "notes": [], "screenshots": []}),
        CheckRecord(id="pkce.s256_round_trip", suite="pkce", title="ok", outcome=Outcome.PASSED,
                    requirements=["RFC7636-4.6"]),
        CheckRecord(id="discovery.x", suite="discovery", title="warn <b>", outcome=Outcome.WARNING,
                    requirements=["OIDCD-3"], message="should",
                    findings=[Finding("W", "should", "OIDCD-3", level=Level.SHOULD)]),
        CheckRecord(id="discovery.y", suite="discovery", title="skip", outcome=Outcome.SKIPPED,
                    requirements=["RFC8705-5"], message="no mTLS"),
        CheckRecord(id="discovery.z", suite="discovery", title="broken", outcome=Outcome.BROKEN,
                    requirements=["RFC8414-2"], message="TargetUnreachable: timeout"),
    ]


def _info() -> RunInfo:
    return RunInfo(target="t", issuer="https://as", harness_version="0.1.0", started="s", finished="f")


def test_results_document_shape() -> None:
    doc = results_document(_records(), _info())
    assert set(doc) == {"schema_version", "run", "summary", "suites", "checks", "causes", "deviations",
                        "certification", "baseline", "history"}
    assert doc["summary"] == {"passed": 1, "failed": 1, "warning": 1, "known": 0, "skipped": 1, "broken": 1,
                              "review": 0, "total": 5, "known_failures": 0, "stale_deviations": 0, "causes": 2,
                              "harness_errors": 0}
    assert doc["suites"]["pkce"]["verdict"] == "failed" and doc["suites"]["discovery"]["verdict"] == "broken"
    check = doc["checks"][-1]
    assert {"id", "suite", "outcome", "requirements", "message", "evidence", "findings"} <= set(check)


def test_results_json_has_one_check_per_line(tmp_path: Path) -> None:
    write_reports(tmp_path / "run", _records(), _info())
    text = (tmp_path / "run" / "results.json").read_text()
    document = json.loads(text)
    assert document == results_document(_records(), _info()) | {"history": document["history"]}
    lines = text.splitlines()
    for check in document["checks"]:  # each record whole on its own line, greppable by id
        assert [line.rstrip(",") for line in lines if f'"id": "{check["id"]}"' in line] == [f"    {json.dumps(check)}"]
    assert lines[0] == "{" and '  "schema_version": ' in lines[1]  # the rest of the document stays indented
    samples: list[dict[str, object]] = [{}, {"checks": []}, {"a": {"b": [1, "x\ny"]}, "checks": [{"m": "é\n"}]},
                                        {"certification": [{"profile": "p", "modules": [{"m": 1}]}], "checks": []}]
    for document_ in samples:
        assert json.loads(results_json_text(document_)) == document_


def test_results_json_has_one_certification_verdict_per_line(tmp_path: Path) -> None:
    verdicts = [{"profile": name, "selected": False, "requirements": [{"id": "R", "checks": [{"id": "c"}]}]}
                for name in ("oauth2-baseline", "oidc-basic-op")]
    write_reports(tmp_path / "run", _records(), _info(), certification=verdicts)
    text = (tmp_path / "run" / "results.json").read_text()
    assert json.loads(text)["certification"] == verdicts
    assert [line.rstrip(",") for line in text.splitlines() if '"profile": ' in line] == [
        f"    {json.dumps(verdict)}" for verdict in verdicts]


def test_junit_one_case_per_check(tmp_path: Path) -> None:
    write_reports(tmp_path / "run", _records(), _info())
    root = ET.parse(tmp_path / "run" / "junit.xml").getroot()
    cases = root.findall(".//testcase")
    assert len(cases) == 5
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["pkce.wrong_verifier_refused"]
    assert [p.get("value") for p in failed[0].iter("property") if p.get("name") == "requirement"] == ["RFC7636-4.6"]
    assert [c.get("name") for c in cases if c.find("error") is not None] == ["discovery.z"]
    assert json.loads((tmp_path / "run" / "results.json").read_text())["summary"]["total"] == 5


def test_html_escapes_and_links() -> None:
    html = render_html(results_document(_records(), _info()))
    assert "warn &lt;b&gt;" in html and "warn <b>" not in html
    assert 'href="https://www.rfc-editor.org/rfc/rfc7636.html#section-4.6"' in html
    assert html.index("pkce.wrong_verifier_refused") < html.index("pkce.s256_round_trip")  # failures first
    assert "http://" not in html.replace('href="https://', "")  # nothing fetched from outside


def test_summary_helpers() -> None:
    records = _records()
    assert counts(records)["failed"] == 1
    assert suite_verdict([r for r in records if r.suite == "pkce"]) == "failed"
    assert summary_table(records)[0].startswith("suite")


def test_deviations_apply_both_ways() -> None:
    from harness.reporting.deviations import DeviationsFile, apply_deviations
    from harness.reporting.summary import exit_code

    records = _records()
    listed = DeviationsFile.model_validate({"deviations": [
        {"check": "pkce.wrong_verifier_refused", "findings": ["TOKEN_REQUEST_ACCEPTED"], "reason": "known bug"},
        {"check": "pkce.s256_round_trip", "findings": ["X"], "reason": "was broken"},  # passes now: stale
        {"check": "discovery.x", "findings": ["W"], "expected": "warning", "reason": "documented SHOULD gap"},
        {"check": "discovery.y", "findings": ["Y"], "reason": "skipped: neither known nor stale"},
    ]})
    result = apply_deviations(records, listed, "dev.yaml")
    assert result.known == ["pkce.wrong_verifier_refused", "discovery.x"]
    assert [s.check for s in result.stale] == ["pkce.s256_round_trip"]
    assert exit_code(records, stale_deviations=len(result.stale)) == 1
    assert exit_code([r for r in records if r.outcome.value != "broken"], stale_deviations=0) == 0
    assert counts(records)["known"] == 2 and counts(records)["failed"] == 0


def test_diff_runs() -> None:
    from harness.reporting.diff import diff_runs, render_html, render_text

    def doc(outcomes: dict[str, str]) -> dict[str, object]:
        return {"checks": [{"id": k, "outcome": v, "message": f"{k} {v}"} for k, v in outcomes.items()]}

    old = doc({"a": "passed", "b": "failed", "c": "passed", "gone": "passed"})
    new = doc({"a": "failed", "b": "passed", "c": "warning", "new": "failed"})
    result = diff_runs(old, new, old_name="old", new_name="new")
    assert [c.check for c in result.new_failures] == ["a", "new"]
    assert [c.check for c in result.fixed_failures] == ["b"]
    assert {c.check for c in result.changed} == {"a", "b", "c"}
    assert result.added == ["new"] and result.removed == ["gone"]
    assert result.headline() == "2 new failures, 1 fixed, 3 changed, 1 added, 1 removed"
    assert "NEW FAILURE a" in "\n".join(render_text(result)).replace("  ", " ").replace("  ", " ")
    assert "<h2>New failures (2)</h2>" in render_html(result)
