"""Reports of real runs against the reference target: schema, HTML evidence, deviations, rendering."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest

from harness.reporting.model import results_json_schema

from .conftest import SuiteRunner

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "harness" / "reporting" / "results.schema.json"
ARTIFACTS = Path(__file__).resolve().parents[2] / "reports" / "selftest"


def test_shipped_schema_is_current() -> None:
    assert json.loads(SCHEMA_FILE.read_text()) == results_json_schema(), "run `make schema`"


def _validate(document: dict[str, object]) -> None:
    jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text())).validate(document)


class _Details(HTMLParser):
    """Collects the text inside one <details id=...> element."""

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted, self.depth = wanted, 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "details" and (self.depth or dict(attrs).get("id") == self.wanted):
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "details" and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)


def test_defect_run_html_shows_expected_actual_and_exchange(suite_runner: SuiteRunner) -> None:
    records = suite_runner.run(defects=("pkce_verifier_unchecked",), checks=["pkce.wrong_verifier_refused"])
    assert records["pkce.wrong_verifier_refused"]["outcome"] == "failed"
    _validate(suite_runner.last_document)
    # the run records what discovery advertises (the interoperability matrix shows it)
    features = {f["key"]: f["supported"] for f in suite_runner.last_document["run"]["features"]}
    assert features["pkce"] and features["par"] and features["registration"]  # the registration area serves RFC 7591
    assert suite_runner.last_report_dir is not None
    html = (suite_runner.last_report_dir / "index.html").read_text()
    parser = _Details("check-pkce-wrong-verifier-refused")
    parser.feed(html)
    entry = "".join(parser.text)
    assert "expected:" in entry and "actual:" in entry and "RFC7636-4.6" in entry
    assert "redeem with a wrong verifier" in entry and "HTTP 200" in entry and "Reproduce with:" in entry
    junit = (suite_runner.last_report_dir / "junit.xml").read_text()
    assert "RFC7636-4.6" in junit and "expected" in junit


def test_known_deviation_tolerated_and_stale_entry_fails(suite_runner: SuiteRunner, tmp_path: Path) -> None:
    deviations = tmp_path / "deviations.yaml"
    records = suite_runner.run(defects=("pkce_verifier_unchecked",), checks=["pkce.wrong_verifier_refused"])
    codes = sorted({f["code"] for f in records["pkce.wrong_verifier_refused"]["findings"]})
    deviations.write_text("deviations:\n  - check: pkce.wrong_verifier_refused\n"
                          f"    findings: [{', '.join(codes)}]\n    reason: test entry\n")
    # the defect makes the check fail with the listed findings: known, not an unexpected failure
    records = suite_runner.run(defects=("pkce_verifier_unchecked",), checks=["pkce.wrong_verifier_refused"],
                               deviations=deviations)
    summary = suite_runner.last_document["summary"]
    assert records["pkce.wrong_verifier_refused"]["deviation"]["status"] == "known"
    assert summary["failed"] == 0 and summary["known"] == 1 and summary["known_failures"] == 1
    assert summary["stale_deviations"] == 0
    assert suite_runner.last_report_dir is not None
    assert "<failure" not in (suite_runner.last_report_dir / "junit.xml").read_text()
    _validate(suite_runner.last_document)
    # without the defect the listed failure no longer happens: the entry is stale and fails the run
    suite_runner.run(checks=["pkce.wrong_verifier_refused"], deviations=deviations)
    document = suite_runner.last_document
    assert document["summary"]["stale_deviations"] == 1
    assert document["deviations"]["stale"][0]["check"] == "pkce.wrong_verifier_refused"
    _validate(document)


def test_clean_run_findings_carry_catalogued_requirements(
        suite_runner: SuiteRunner, clean_run: dict[str, dict[str, object]]) -> None:
    """The demo-run proof: every cited requirement is catalogued, every finding carries requirement and level,
    and junit.xml has no <failure> when the run has no unexpected failure (exit 0)."""
    from harness.specs.catalogue import catalogue

    known = catalogue()
    document = suite_runner.clean_document
    cited = {r for c in document["checks"] for r in c["requirements"]}
    cited |= {f["requirement"] for c in document["checks"] for f in c["findings"]}
    assert sorted(cited - set(known)) == []
    for check in document["checks"]:
        if check["outcome"] != "passed":
            for finding in check["findings"]:
                assert finding["requirement"] and finding["level"] in ("must", "should", "may"), check["id"]
                assert finding["requirement_text"] == known[finding["requirement"]].text
    assert document["summary"]["failed"] == 0 and document["summary"]["stale_deviations"] == 0
    assert suite_runner.clean_report_dir is not None
    assert "<failure" not in (suite_runner.clean_report_dir / "junit.xml").read_text()
    _validate(document)


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian chromium is not installed")
def test_html_renders_in_chromium_without_console_errors(suite_runner: SuiteRunner) -> None:
    suite_runner.run(defects=("authz_state_mismatch",), checks=["authorization_code.state_echoed",
                                                                "authorization_code.iss_in_response"])
    assert suite_runner.last_report_dir is not None
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        errors: list[str] = []
        requests: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto((suite_runner.last_report_dir / "index.html").as_uri())
        page.uncheck("input.f-outcome[value=passed]")
        visible = page.locator("details.check:visible").count()
        page.screenshot(path=str(ARTIFACTS / "html-report.png"), full_page=True)
        browser.close()
    assert errors == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert visible == 1  # only the failed check remains after hiding passed ones


@pytest.mark.skipif(not __import__("harness.reporting.allure_cli", fromlist=["x"]).find_allure(),
                    reason="Allure command line not installed (make allure)")
def test_allure_single_file_report(suite_runner: SuiteRunner) -> None:
    from harness.reporting.allure_cli import render_allure

    suite_runner.run(checks=["pkce.wrong_verifier_refused", "pkce.s256_round_trip"])
    run_dir = suite_runner.last_report_dir
    assert run_dir is not None
    results = [json.loads(p.read_text()) for p in (run_dir / "allure-results").glob("*-result.json")]
    assert {r["name"] for r in results} == {"pkce.wrong_verifier_refused", "pkce.s256_round_trip"}
    labels = {(label["name"], label["value"]) for r in results for label in r["labels"]}
    assert ("suite", "pkce") in labels and ("severity", "critical") in labels
    assert any(link["name"] == "RFC7636-4.6" for r in results for link in r.get("links", []))
    assert any(a["name"].startswith("#1 ") for r in results for a in r.get("attachments", []))
    messages: list[str] = []
    assert render_allure(run_dir, out=messages.append, err=messages.append) == 0, messages
    html = (run_dir / "allure-report" / "index.html").read_text()
    assert len(html) > 100_000 and "googletagmanager" not in html


def test_plugin_suite_in_reports_with_requirement_links(suite_runner: SuiteRunner) -> None:
    records = suite_runner.run(suites=["org_policy"])
    assert {r["outcome"] for r in records.values()} == {"passed"}
    assert suite_runner.last_report_dir is not None
    html = (suite_runner.last_report_dir / "index.html").read_text()
    assert 'href="https://policies.example.test/oauth-token-policy.html#rule-1"' in html
    assert "Example Org token policy v1" in html  # the matrix groups by the plugin's own document title
