"""Certification profiles list the OIDF modules they correspond to (issue 17, item 7)."""

from __future__ import annotations

import fnmatch
import re

import pytest

from harness.certification import CertificationProfile, all_profiles, coverage_summary, evaluate, get_profile
from harness.results import CheckRecord, Outcome

BASIC_PLAN_MODULES = 38  # OIDCCBasicTestPlan.java of the OIDF conformance suite


def _record(cid: str, outcome: Outcome = Outcome.PASSED) -> CheckRecord:
    return CheckRecord(id=cid, suite=cid.split(".")[0], title="t", outcome=outcome, requirements=[])


def _profile(**module: object) -> CertificationProfile:
    return CertificationProfile.model_validate({
        "name": "p", "version": "1", "title": "t",
        "requirements": [{"id": "A", "title": "a", "checks": ["s.a"]}],
        "oidf_modules": [{"plan": "plan-x", "module": "m1", "coverage": "covered", "checks": ["s.a"]},
                         {"plan": "plan-x", "module": "m2", **module}]})


def test_uncovered_required_module_makes_a_passing_run_incomplete() -> None:
    profile = _profile(coverage="not covered")
    result = evaluate(profile, [_record("s.a")])
    assert result.verdict == "incomplete"
    assert any("m2" in w for w in result.warnings)
    assert [m["coverage"] for m in result.modules] == ["covered", "not covered"]
    assert result.modules[0]["checks"] == [{"check": "s.a", "outcome": "passed"}]


def test_failures_still_fail_and_optional_or_partial_modules_do_not_block() -> None:
    assert evaluate(_profile(coverage="not covered"), [_record("s.a", Outcome.FAILED)]).verdict == "failed"
    assert evaluate(_profile(coverage="not covered", required=False), [_record("s.a")]).verdict == "passed"
    partial = evaluate(_profile(coverage="partial", checks=["s.a"], note="half"), [_record("s.a")])
    assert partial.verdict == "passed" and any("partly" in w for w in partial.warnings)


def test_run_of_a_profile_selects_the_checks_of_its_modules_too() -> None:
    profile = _profile(coverage="covered", checks=["t.only_in_a_module"])
    assert profile.patterns() == ["s.a", "t.only_in_a_module"]
    assert profile.suites() == ["s", "t"]


@pytest.mark.parametrize(("outcome", "module_verdict", "profile_verdict"), [
    (Outcome.PASSED, "passed", "passed"),
    (Outcome.FAILED, "failed", "failed"),
    (Outcome.BROKEN, "broken", "broken"),
    (Outcome.WARNING, "warning", "passed"),
    (Outcome.SKIPPED, "not supported", "passed"),
])
def test_each_module_is_judged_and_a_failed_required_module_fails_the_profile(
        outcome: Outcome, module_verdict: str, profile_verdict: str) -> None:
    profile = _profile(coverage="covered", checks=["t.b"])
    result = evaluate(profile, [_record("s.a"), _record("t.b", outcome)])
    assert [m["verdict"] for m in result.modules] == ["passed", module_verdict]
    assert result.verdict == profile_verdict
    assert any("m2" in w for w in result.warnings) == (profile_verdict != "passed")


def test_an_optional_module_that_fails_is_shown_but_does_not_fail_the_profile() -> None:
    result = evaluate(_profile(coverage="covered", checks=["t.b"], required=False),
                      [_record("s.a"), _record("t.b", Outcome.FAILED)])
    assert result.modules[1]["verdict"] == "failed" and result.verdict == "passed"
    assert [m["verdict"] for m in evaluate(_profile(coverage="covered", checks=["t.b"]), [_record("s.a")]).modules] \
        == ["passed", "not run"]


def test_module_entries_are_consistent() -> None:
    for bad in ({"coverage": "not covered", "checks": ["s.a"]}, {"coverage": "covered"},
                {"coverage": "partial", "checks": ["s.a"]}):
        with pytest.raises(ValueError):
            _profile(**bad)


def test_oidc_basic_op_lists_the_whole_basic_plan_and_covers_every_module() -> None:
    profile = get_profile("oidc-basic-op")
    modules = [m for m in profile.oidf_modules if m.plan == "oidcc-basic-certification-test-plan"]
    assert len(modules) == len({m.module for m in modules}) == BASIC_PLAN_MODULES
    assert profile.uncovered() == []
    counts = coverage_summary(profile)["oidcc-basic-certification-test-plan"]
    assert counts["not covered"] == 0 and counts["covered"] + counts["partial"] == BASIC_PLAN_MODULES


def test_every_module_pattern_names_existing_checks(capsys: pytest.CaptureFixture[str]) -> None:
    from harness.cli import main

    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    ids = (re.match(r"^  ([a-z0-9_]+\.[a-z0-9_]+(?:\[[^\]]*\])?)", line) for line in lines)
    checks = {match.group(1) for match in ids if match}
    for profile in all_profiles().values():
        for module in profile.oidf_modules:
            for pattern in module.checks:
                assert any(fnmatch.fnmatchcase(c, pattern) for c in checks), (profile.name, module.module, pattern)


def test_profiles_coverage_command(capsys: pytest.CaptureFixture[str]) -> None:
    from harness.cli import main

    assert main(["profiles", "--coverage", "oidc-basic-op"]) == 0
    out = capsys.readouterr().out
    assert "oidcc-basic-certification-test-plan: 38 modules" in out and "0 not covered" in out
    assert "oidcc-userinfo-post-body" in out and "userinfo.form_body_token" in out
    assert main(["profiles", "--coverage", "no-such-profile"]) == 2
