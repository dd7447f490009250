"""The outcome mapping: how a check ends decides passed/failed/warning/skipped/broken/review."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from harness.reporting.summary import exit_code
from harness.results import CheckFailed, CheckRecord, Finding, Level, Outcome, fail, outcome_for_findings

SUITE = '''
import pytest
from harness.results import fail, Level, NeedsReview, HarnessError, TargetUnreachable
from harness.target import NotApplicable

requirement = pytest.mark.requirement

@requirement("RFC6749-4.1.2")
def test_passes():
    """A check that passes."""

@requirement("RFC6749-4.1.2")
def test_must_fails():
    raise fail("X_MUST", "broke a MUST", "RFC6749-4.1.2", expected=1, actual=2)

@requirement("RFC6749-5.1")
def test_should_warns():
    raise fail("X_SHOULD", "broke a SHOULD", "RFC6749-5.1", level=Level.SHOULD)

@requirement("RFC9126-2.2")
def test_not_applicable():
    raise NotApplicable("no PAR endpoint")

@requirement("RFC9126-2.2")
def test_pytest_skip():
    pytest.skip("not documented")

@requirement("OIDCC-3.1.2.6")
def test_review():
    raise NeedsReview("look at the screenshot")

@requirement("RFC6749-4.1.2")
def test_harness_error():
    raise HarnessError("profile client missing")

@requirement("RFC6749-4.1.2")
def test_unreachable():
    raise TargetUnreachable("connection refused")

@requirement("RFC6749-4.1.2")
def test_plain_bug():
    {}["missing"]

@pytest.fixture
def broken_fixture():
    raise TargetUnreachable("setup could not reach target")

@requirement("RFC6749-4.1.2")
def test_setup_broken(broken_fixture):
    pass
'''


@pytest.fixture
def run_results(pytester: pytest.Pytester) -> dict[str, dict[str, object]]:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_inprocess("--report-dir", str(pytester.path / "out"), "-p", "no:cacheprovider")
    data = json.loads((pytester.path / "out" / "results.json").read_text())
    result.assert_outcomes(passed=1, failed=4, skipped=2, errors=1)
    outcomes = result.parseoutcomes()  # warnings and reviews are their own categories in pytest's footer
    assert outcomes["warned"] == 1 and outcomes["review"] == 1
    return {c["id"].split(".", 1)[1]: c for c in data["checks"]}


def test_outcome_mapping(run_results: dict[str, dict[str, object]]) -> None:
    outcomes = {name: check["outcome"] for name, check in run_results.items()}
    assert outcomes == {
        "passes": "passed", "must_fails": "failed", "should_warns": "warning",
        "not_applicable": "skipped", "pytest_skip": "skipped", "review": "review",
        "harness_error": "broken", "unreachable": "broken", "plain_bug": "broken", "setup_broken": "broken",
    }


def test_broken_checks_name_whose_fault_it_is(run_results: dict[str, dict[str, object]]) -> None:
    """Broken is never the target's fault: each broken record says whose it is; a bug carries its traceback."""
    causes = {name: check["broken_by"] for name, check in run_results.items() if check["outcome"] == "broken"}
    assert causes == {"harness_error": "setup", "unreachable": "network", "plain_bug": "harness",
                      "setup_broken": "network"}
    trace = run_results["plain_bug"]["evidence"]["traceback"]  # type: ignore[index]
    assert "KeyError" in trace and "test_plain_bug" in trace
    assert "traceback" not in run_results["unreachable"]["evidence"]  # type: ignore[operator]
    assert all(check["broken_by"] is None for check in run_results.values() if check["outcome"] != "broken")


def test_failure_record_carries_requirement_and_values(run_results: dict[str, dict[str, object]]) -> None:
    check = run_results["must_fails"]
    assert check["requirements"] == ["RFC6749-4.1.2"]
    finding = check["findings"][0]  # type: ignore[index]
    assert finding["code"] == "X_MUST" and finding["expected"] == 1 and finding["actual"] == 2
    assert run_results["not_applicable"]["message"] == "no PAR endpoint"
    assert run_results["passes"]["title"] == "A check that passes."


VERDICT_THEN_TEARDOWN_BUG = '''
import pytest
from harness.results import fail

@pytest.fixture
def leaky():
    yield
    {}["teardown"]

@pytest.mark.requirement("RFC6749-4.1.2")
def test_fails_then_teardown_bug(leaky):
    raise fail("X_MUST", "broke a MUST", "RFC6749-4.1.2", expected=1, actual=2)
'''


def test_a_verdict_keeps_its_message_and_a_harness_bug_its_traceback(pytester: pytest.Pytester) -> None:
    """pytest's report of a check that ended in a verdict is the verdict's text, not a rendered traceback.

    A harness bug keeps pytest's traceback with its source lines, also in a later phase of the same check.
    """
    pytester.makepyfile(test_suite=SUITE, test_teardown=VERDICT_THEN_TEARDOWN_BUG)
    recorder = pytester.inline_run("--report-dir", str(pytester.path / "out"), "-p", "no:cacheprovider")
    reports = {(r.nodeid.split("::")[-1], r.when): r for r in recorder.getreports("pytest_runtest_logreport")}
    must = reports[("test_must_fails", "call")].longreprtext
    assert must.startswith("CheckFailed: ") and "[RFC6749-4.1.2]" in must and "broke a MUST" in must
    assert "raise fail(" not in must  # pytest's rendering shows the raising line of source
    assert reports[("test_review", "call")].longreprtext == "NeedsReview: look at the screenshot"
    assert reports[("test_should_warns", "call")].longreprtext.startswith("CheckFailed: ")
    bug = reports[("test_plain_bug", "call")].longreprtext
    assert '{}["missing"]' in bug and "KeyError" in bug
    assert "def test_harness_error" in reports[("test_harness_error", "call")].longreprtext
    assert reports[("test_fails_then_teardown_bug", "call")].longreprtext.startswith("CheckFailed: ")
    teardown = reports[("test_fails_then_teardown_bug", "teardown")].longreprtext
    assert '{}["teardown"]' in teardown and "KeyError" in teardown


def test_needs_marker_skips_with_reason(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('''
import pytest
from harness.target import Target

class _Fake:
    metadata = {"token_endpoint": "https://as/token", "require_pushed_authorization_requests": False}

    def offers(self, member):
        return self.metadata.get(member) not in (None, False, [], "")

@pytest.fixture
def target():
    return _Fake()
''')
    pytester.makepyfile(test_needs='''
import pytest

@pytest.mark.requirement("RFC9126-2")
@pytest.mark.needs("pushed_authorization_request_endpoint")
def test_par():
    raise AssertionError("must not run")

@pytest.mark.requirement("RFC6749-4.1.3")
@pytest.mark.needs("token_endpoint")
def test_token():
    pass
''')
    result = pytester.runpytest_inprocess("--report-dir", str(pytester.path / "out"), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=1)
    data = json.loads((pytester.path / "out" / "results.json").read_text())
    skipped = [c for c in data["checks"] if c["outcome"] == "skipped"][0]
    assert skipped["message"] == "the target does not advertise pushed_authorization_request_endpoint"


def test_unknown_requirement_prefix_rejected(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_bad='''
import pytest
@pytest.mark.requirement("RCF6749-4.1")
def test_x():
    pass
''')
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown prefix 'RCF6749'*"])


def test_findings_levels() -> None:
    must = Finding("A", "m", "RFC6749-5.2")
    should = Finding("B", "m", "RFC6749-5.1", level=Level.SHOULD)
    assert outcome_for_findings([]) is Outcome.PASSED
    assert outcome_for_findings([should]) is Outcome.WARNING
    assert outcome_for_findings([should, must]) is Outcome.FAILED
    with pytest.raises(ValueError):
        CheckFailed()
    assert "expected: 'x'" in str(fail("C", "msg", "RFC6749-5.2", expected="x", actual="y"))


def _record(outcome: Outcome) -> CheckRecord:
    return CheckRecord(id="s.x", suite="s", title="t", outcome=outcome, requirements=[])


def test_exit_codes() -> None:
    assert exit_code([_record(Outcome.PASSED), _record(Outcome.WARNING), _record(Outcome.SKIPPED)]) == 0
    assert exit_code([_record(Outcome.FAILED), _record(Outcome.BROKEN)]) == 1
    assert exit_code([_record(Outcome.BROKEN), _record(Outcome.PASSED)]) == 3


def _broken(cause: str) -> CheckRecord:
    record = _record(Outcome.BROKEN)
    record.broken_by = cause
    return record


def test_exit_code_table_precedence() -> None:
    """5 interrupted > 4 harness bug > 1 target failure > 2 profile > 3 network/setup > 0."""
    failed = _record(Outcome.FAILED)
    assert exit_code([failed, _broken("harness")], interrupted=True) == 5
    assert exit_code([failed, _broken("harness"), _broken("network")]) == 4
    assert exit_code([failed, _broken("profile")]) == 1
    assert exit_code([_broken("profile"), _record(Outcome.PASSED)]) == 2
    assert exit_code([_broken("profile"), _broken("network")]) == 3
    assert exit_code([_broken("setup")]) == 3
    assert exit_code([], stale_deviations=1) == 1


def test_exit_code_of_a_written_document_follows_the_same_table() -> None:
    from harness.reporting.summary import exit_code_of_document

    def document(*checks: Mapping[str, object], incomplete: bool = False) -> dict[str, object]:
        numbered = [{"id": f"s.c{i}", "suite": "s", **c} for i, c in enumerate(checks)]
        return {"run": {"incomplete": incomplete}, "checks": numbered, "summary": {"stale_deviations": 0}}

    bug = {"outcome": "broken", "broken_by": "harness"}
    profile = {"outcome": "broken", "broken_by": "profile"}
    failed = {"outcome": "failed"}
    known = {"outcome": "failed", "deviation": {"status": "known", "reason": "r"}}
    assert exit_code_of_document(document(bug, incomplete=True)) == 5
    assert exit_code_of_document(document(bug, failed)) == 4
    assert exit_code_of_document(document(profile, failed)) == 1
    assert exit_code_of_document(document(profile, known)) == 2
    assert exit_code_of_document(document({"outcome": "broken", "broken_by": "network"}, profile)) == 3
    assert exit_code_of_document(document({"outcome": "passed"}, known)) == 0


def test_run_deadline_makes_late_checks_broken(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_slow='''
import time, pytest

@pytest.mark.requirement("RFC6749-4.1.2")
def test_a_slow():
    time.sleep(1.2)

@pytest.mark.requirement("RFC6749-4.1.2")
def test_b_late():
    pass
''')
    result = pytester.runpytest_inprocess("--report-dir", str(pytester.path / "out"), "--run-deadline", "1",
                                          "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    checks = {c["id"].split(".", 1)[1]: c for c in
              json.loads((pytester.path / "out" / "results.json").read_text())["checks"]}
    assert checks["b_late"]["outcome"] == "broken" and "run deadline" in checks["b_late"]["message"]


def test_interrupted_run_still_writes_reports(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_interrupt='''
import pytest

@pytest.mark.requirement("RFC6749-4.1.2")
def test_a_first():
    pass

@pytest.mark.requirement("RFC6749-4.1.2")
def test_b_interrupt():
    raise KeyboardInterrupt

@pytest.mark.requirement("RFC6749-4.1.2")
def test_c_never():
    pass
''')
    recorder = pytester.inline_run("--report-dir", str(pytester.path / "out"), "-p", "no:cacheprovider",
                                   no_reraise_ctrlc=True)
    assert recorder.ret == pytest.ExitCode.INTERRUPTED
    data = json.loads((pytester.path / "out" / "results.json").read_text())
    assert data["run"]["incomplete"] is True
    assert [c["id"].split(".", 1)[1] for c in data["checks"]] == ["a_first"]


SKIP_AFTER_ASKING = '''
import pytest
from harness import evidence
from harness.target import NotApplicable

def _asked(label):
    log = evidence.current()
    log.exchanges.append(evidence.Exchange(seq=log.next_seq(), label=label, method="POST",
                                           url="https://as.example/token", request_headers=[], request_body=""))

@pytest.mark.requirement("RFC6749-4.1.2")
def test_skip_after_asking():
    _asked("token request")
    raise NotApplicable("the server issued no refresh token")

@pytest.mark.requirement("RFC6749-4.1.2")
def test_skip_after_discovery_only():
    _asked("discovery")
    raise NotApplicable("not advertised")
'''


def test_skip_after_asking_the_target_is_broken(pytester: pytest.Pytester) -> None:
    """Skips are decided before the target is asked; a skip after a request is a harness bug (broken)."""
    pytester.makepyfile(test_suite=SKIP_AFTER_ASKING)
    pytester.runpytest_inprocess("--report-dir", str(pytester.path / "out"), "-p", "no:cacheprovider")
    data = json.loads((pytester.path / "out" / "results.json").read_text())
    outcomes = {c["id"].split(".", 1)[1]: (c["outcome"], c["message"]) for c in data["checks"]}
    assert outcomes["skip_after_discovery_only"] == ("skipped", "not advertised")
    outcome, message = outcomes["skip_after_asking"]
    assert outcome == "broken" and "skipped after 1 request(s)" in message
