"""A listed finding is *known* everywhere (console, pytest footer, junit, HTML, JSON) and exits 0;
a new finding in a listed check fails the run; a stale entry fails it too."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

SUITE = '''
import pytest
from harness.results import CheckFailed, Finding

@pytest.mark.requirement("RFC6749-4.1.2")
def test_known():
    """Fails with the listed finding only."""
    raise CheckFailed(Finding("LISTED", "listed problem", "RFC6749-4.1.2"))

@pytest.mark.requirement("RFC6749-4.1.2")
def test_new_finding():
    """Fails with the listed finding and a new one."""
    raise CheckFailed(Finding("LISTED", "listed problem", "RFC6749-4.1.2"),
                      Finding("NEW_PROBLEM", "a regression", "RFC6749-4.1.2"))

@pytest.mark.requirement("RFC6749-4.1.2")
def test_fixed():
    """Passes although listed."""
'''


def _run(pytester: pytest.Pytester, entries: str, *tests: str) -> tuple[pytest.RunResult, Path]:
    pytester.makepyfile(test_suite=SUITE)
    deviations = pytester.path / "deviations.yaml"
    entries = entries.replace("test_suite.", f"{pytester.path.name}.")  # the suite is the test's directory
    deviations.write_text(f"deviations:\n{entries}", encoding="utf-8")
    out = pytester.path / "out"
    select = ["-k", " or ".join(tests)] if tests else []
    result = pytester.runpytest_inprocess("--report-dir", str(out), "--deviations", str(deviations),
                                          "--harness-progress", "-p", "no:cacheprovider", *select)
    return result, out


KNOWN_ONLY = """  - check: test_suite.known
    findings: [LISTED]
    reason: accepted
"""


def test_listed_finding_is_known_everywhere(pytester: pytest.Pytester) -> None:
    result, out = _run(pytester, KNOWN_ONLY, "test_known")
    assert result.ret == 0
    text = result.stdout.str()
    assert f"KNOWN   {pytester.path.name}.known" in text and "FAILED" not in text
    assert "1 known" in text.splitlines()[-1]  # pytest's footer
    summary_row = next(line for line in text.splitlines() if line.startswith(pytester.path.name))
    assert summary_row.rstrip().endswith("known")
    junit = ET.parse(out / "junit.xml").getroot()
    assert junit.find(".//failure") is None
    case = junit.find(".//testcase")
    assert case is not None and {p.get("value") for p in case.iter("property") if p.get("name") == "outcome"} == {
        "known"}
    document = json.loads((out / "results.json").read_text())
    assert document["summary"]["known"] == 1 and document["summary"]["failed"] == 0
    check = document["checks"][0]
    assert check["outcome"] == "failed" and check["deviation"]["status"] == "known"
    finding = check["findings"][0]
    assert finding["requirement_level"] and finding["requirement_text"]  # the catalogued sentence
    html = (out / "index.html").read_text()
    assert 'data-outcome="known"' in html and "known deviation (failed)" in html


def test_new_finding_in_listed_check_fails(pytester: pytest.Pytester) -> None:
    entries = KNOWN_ONLY.replace("test_suite.known", "test_suite.new_finding")
    result, out = _run(pytester, entries, "test_new_finding")
    assert result.ret == 1
    document = json.loads((out / "results.json").read_text())
    assert document["summary"]["failed"] == 1 and document["summary"]["known"] == 0
    assert "NEW_PROBLEM" in document["checks"][0]["message"]
    assert ET.parse(out / "junit.xml").getroot().find(".//failure") is not None


def test_stale_entry_fails_the_run(pytester: pytest.Pytester) -> None:
    entries = KNOWN_ONLY.replace("test_suite.known", "test_suite.fixed")
    result, out = _run(pytester, entries, "test_fixed")
    assert result.ret == 1
    assert f"STALE DEVIATION {pytester.path.name}.fixed" in result.stdout.str()
    failures = ET.parse(out / "junit.xml").getroot().findall(".//failure")
    assert [f.get("type") for f in failures] == ["stale"]


def test_wildcard_in_a_check_name_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result, _ = _run(pytester, KNOWN_ONLY.replace("test_suite.known", "test_suite.*"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "wildcards are allowed only over parameters" in result.stderr.str()
