"""The HTML report in a real browser (Playwright + Debian's Chromium): what a person opening it sees.

Reports written by the real writer: a run with failures (its second night, so one failure is new
and the trend has two points), a clean run, and two real runs against the bundled reference target
(the second with a defect injected, so its failure is new and its exchanges are real). One browser
serves every test; each page records every request it makes and every console error. Screenshots are kept in
``reports/test-artefacts/report-browser/`` (not committed), named in each test's junit properties.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from harness.reference_target import RunningTarget
from tests.report_samples import clean_records, failing_records, write_run

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "reports" / "test-artefacts" / "report-browser"
"""Screenshots of every test's page (reports/ is not committed); pytest's tmp dirs rotate too fast to keep them."""
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (make install does it)")


@dataclass
class Reports:
    failing: Path
    clean: Path
    screenshots: Path


@dataclass
class Opened:
    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    nightly = tmp_path_factory.mktemp("reports")
    write_run(nightly, "night1", failing_records(), "2026-01-01T02:00:00+00:00")
    failing = write_run(nightly, "night2", failing_records(extra_failure=True), "2026-01-02T02:00:00+00:00")
    clean = write_run(tmp_path_factory.mktemp("clean"), "run", clean_records(), "2026-01-02T02:00:00+00:00")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return Reports(failing=failing, clean=clean, screenshots=SCREENSHOTS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    from harness.login.browser import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_report(browser: Any, reports: Reports, request: pytest.FixtureRequest) -> Iterator[Any]:
    contexts: list[Any] = []
    opened_pages: list[Opened] = []

    def open_(path: Path) -> Opened:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        opened = Opened(page=page)
        page.on("request", lambda r: opened.requests.append(r.url))
        page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: opened.errors.append(str(e)))
        page.goto(path.as_uri())
        opened_pages.append(opened)
        return opened

    yield open_
    for number, opened in enumerate(opened_pages):
        shot = reports.screenshots / f"{request.node.name}-{number}.png"
        opened.page.screenshot(path=str(shot), full_page=False)
        request.node.user_properties.append(("screenshot", str(shot)))
        # nothing but the file itself was loaded, and no script failed
        assert [u for u in opened.requests if not u.startswith(("file://", "data:"))] == []
        assert opened.errors == []
    for context in contexts:
        context.close()


def test_what_broke_is_the_first_screen_in_order(open_report: Any, reports: Reports) -> None:
    page = open_report(reports.failing).page
    page.screenshot(path=str(reports.screenshots / "first-screen-with-failures.png"))
    block = page.locator("#what-broke")
    assert block.is_visible()
    box = block.bounding_box()
    assert box is not None and box["y"] < 200  # on the first screen, above everything else
    assert page.locator("h3.wb-group").evaluate_all("els => els.map(e => e.dataset.group)") == [
        "new", "failed", "warning"]
    checks = page.locator("#what-broke > ol .wb-item").evaluate_all("els => els.map(e => e.dataset.check)")
    assert checks[:2] == ["pkce.plain_refused", "pkce.wrong_verifier_refused"]
    assert "1 new failure(s), 1 other failure(s), 3 warning(s), 1 known deviation(s)" in block.inner_text()
    failure = page.locator('.wb-item[data-check="pkce.wrong_verifier_refused"]')
    text = failure.inner_text()
    assert "A wrong code_verifier is refused" in text and "RFC7636-4.6" in text
    assert "MUST continue processing" in failure.locator("q").inner_text()
    assert "expected 400, got 200" in text
    assert "oauth-harness run --target sample.yaml --check pkce.wrong_verifier_refused" in text
    # one cause seen by three checks: shown in full once, then one short line per further check
    warnings = page.locator('#what-broke li.wb-warning')
    assert warnings.count() == 3
    assert "seen in 3 checks" in warnings.nth(0).inner_text()
    assert [warnings.nth(i).inner_text().endswith("same cause as above") for i in range(3)] == [False, True, True]
    known = page.locator("details.wb-known-list")
    assert "Known deviations" in known.locator("summary").inner_text()
    known.locator("summary").click()
    assert "staging uses plain http" in known.inner_text()
    assert page.locator('#what-broke > ol .wb-item[data-check="discovery.jwks_uri_https"]').count() == 0


def test_a_failure_link_opens_its_details(open_report: Any, reports: Reports) -> None:
    page = open_report(reports.failing).page
    details = page.locator("#check-pkce-wrong-verifier-refused")
    assert details.get_attribute("open") is None
    page.locator('.wb-item[data-check="pkce.wrong_verifier_refused"] a.wb-link').click()
    expect(details).to_have_attribute("open", "")  # the page opens it on hashchange, an event after the click
    assert details.locator(".finding").first.is_visible()
    assert "rerun this check: oauth-harness run --target sample.yaml --check pkce.wrong_verifier_refused" in (
        details.inner_text())
    details.locator("details summary", has_text="#1 token request").click()
    assert 'export first: CODE' in details.inner_text()
    assert "--data-urlencode \"code=${CODE}\"" in details.locator("pre.curl").inner_text()


def test_filters_narrow_the_checks(open_report: Any, reports: Reports) -> None:
    page = open_report(reports.failing).page
    total = page.locator("details.check").count()
    assert page.locator("#f-count").inner_text() == f"{total} shown"
    page.locator('input.f-outcome[value="warning"]').uncheck()
    assert page.locator("#f-count").inner_text() == f"{total - 3} shown"
    assert not page.locator("#check-token-endpoint-success-code").is_visible()
    page.locator("#f-text").fill("verifier")
    assert page.locator("#f-count").inner_text() == "1 shown"
    page.locator("#f-text").fill("")
    page.locator("#f-suite").select_option("pkce")
    assert page.locator("#f-count").inner_text() == "2 shown"


def test_trend_has_one_point_per_run_linking_to_each_report(open_report: Any, reports: Reports) -> None:
    page = open_report(reports.failing).page
    chart = page.locator("#trend-chart svg")
    assert chart.is_visible()
    assert chart.locator("circle.run-point").count() == 2
    hrefs = chart.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert hrefs == ["../night1/index.html", "index.html"]
    page.locator("#trend-chart svg a").first.click()
    page.wait_for_url("**/night1/index.html")
    assert "First run of this target" in page.locator("#trend").inner_text()


def test_matrix_folds_by_specification(open_report: Any, reports: Reports) -> None:
    page = open_report(reports.failing).page
    folds = page.locator("details.spec-group")
    assert folds.count() >= 3
    pkce = page.locator('details.spec-group[data-spec*="7636"]')
    assert pkce.get_attribute("open") == ""  # a specification with failures opens
    clean = page.locator('details.spec-group:not([open])')
    assert clean.count() >= 1 and not clean.first.locator("table").is_visible()


def test_print_hides_the_controls(open_report: Any, reports: Reports) -> None:
    page = open_report(reports.failing).page
    page.emulate_media(media="print")
    assert not page.locator(".filters").is_visible()
    assert page.locator("#what-broke").is_visible()
    pdf = SCREENSHOTS / "report-for-an-auditor.pdf"  # what "print to PDF" gives (beforeprint opens the findings)
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
    assert page.locator('details.check[data-outcome="failed"][open]').count() == 2
    assert page.locator('details.check[data-outcome="passed"][open]').count() == 0


def test_clean_run_says_so_in_one_line(open_report: Any, reports: Reports) -> None:
    page = open_report(reports.clean).page
    page.screenshot(path=str(reports.screenshots / "first-screen-clean.png"))
    block = page.locator("#what-broke")
    assert block.locator(".wb-clean").inner_text() == (
        "Nothing broke: all 3 checks passed, were skipped or await review.")
    assert block.locator(".wb-item").count() == 0
    assert "the trend starts with the next run" in page.locator("#trend").inner_text()


def test_real_run_with_a_new_failure(open_report: Any, reference: RunningTarget, tmp_path: Path) -> None:
    """Two runs of two checks against the reference target, the second with a defect: the report a person gets."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent / "interop"))
    from tests.interop.interop_cli import run_cli

    argv = ["run", "--target", str(reference.profile_path()), "--check", "pkce.wrong_verifier_refused",
            "--check", "discovery.issuer_matches"]
    code, output = run_cli([*argv, "--report-dir", str(tmp_path / "reports" / "clean")], env=reference.env)
    assert code == 0, output
    reference.set_defects(["pkce_verifier_unchecked"])
    try:
        code, output = run_cli([*argv, "--report-dir", str(tmp_path / "reports" / "defect")], env=reference.env)
    finally:
        reference.set_defects([])
    assert code == 1, output
    assert "New failures since the baseline — previous run in the history" in output
    page = open_report(tmp_path / "reports" / "defect" / "index.html").page
    page.screenshot(path=str(SCREENSHOTS / "first-screen-real-run.png"))
    item = page.locator('#what-broke li.wb-new[data-check="pkce.wrong_verifier_refused"]')
    assert item.count() == 1 and "RFC7636-4.6" in item.inner_text()
    assert f"--target {reference.profile_path()} --check pkce.wrong_verifier_refused" in item.inner_text()
    assert page.locator("#trend-chart circle.run-point").count() == 2
    item.locator("a.wb-link").click()
    details = page.locator("#check-pkce-wrong-verifier-refused")
    expect(details).to_have_attribute("open", "")  # hashchange fires after the click returns
    token = details.locator("details", has_text="POST").last
    token.locator("summary").click()
    line = token.locator("pre.curl").inner_text()
    assert f"--cacert {reference.ca_file}" in line and "${CODE_VERIFIER}" in line
    assert "REDACTED" not in line
