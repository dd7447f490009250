"""Certification verdicts from check records (pure)."""

from __future__ import annotations

import pytest

from harness.certification import CertificationProfile, all_profiles, evaluate, get_profile
from harness.results import CheckRecord, Outcome, ProfileError


def _r(cid: str, outcome: Outcome) -> CheckRecord:
    return CheckRecord(id=cid, suite=cid.split(".")[0], title="t", outcome=outcome, requirements=[])


PROFILE = CertificationProfile.model_validate({
    "name": "p", "version": "1", "title": "test profile",
    "requirements": [
        {"id": "A", "title": "a", "checks": ["s.a*"]},
        {"id": "B", "title": "b", "checks": ["s.b"], "level": "should"},
        {"id": "C", "title": "c", "checks": ["x.dpop", "x.mtls"], "mode": "any"},
        {"id": "D", "title": "d", "checks": ["s.d"], "escalate": True},
    ]})

BASE = {"s.a1": Outcome.PASSED, "s.a2": Outcome.PASSED, "s.b": Outcome.PASSED, "x.dpop": Outcome.SKIPPED,
        "x.mtls": Outcome.PASSED, "s.d": Outcome.PASSED}


def _verdict(**changes: Outcome) -> tuple[str, dict[str, str]]:
    outcomes = {**BASE, **{k.replace("__", "."): v for k, v in changes.items()}}
    result = evaluate(PROFILE, [_r(k, v) for k, v in outcomes.items() if v is not None])
    return result.verdict, {r.id: r.verdict for r in result.requirements}


def test_all_passing() -> None:
    assert _verdict() == ("passed", {"A": "passed", "B": "passed", "C": "passed", "D": "passed"})


def test_must_failure_fails_should_failure_warns() -> None:
    assert _verdict(s__a2=Outcome.FAILED)[0] == "failed"
    verdict, items = _verdict(s__b=Outcome.FAILED)
    assert verdict == "passed" and items["B"] == "warning"


def test_unsupported_feature_fails_the_profile() -> None:
    verdict, items = _verdict(x__mtls=Outcome.SKIPPED)
    assert verdict == "failed" and items["C"] == "not supported"


def test_any_of_needs_one_alternative() -> None:
    assert _verdict(x__mtls=Outcome.FAILED)[1]["C"] == "failed"
    assert _verdict(x__dpop=Outcome.PASSED, x__mtls=Outcome.FAILED)[1]["C"] == "passed"


def test_escalated_should_and_broken() -> None:
    assert _verdict(s__d=Outcome.WARNING)[0] == "failed"
    assert _verdict(s__a1=Outcome.WARNING)[1]["A"] == "warning"
    assert _verdict(s__a1=Outcome.BROKEN)[0] == "broken"


def test_missing_checks_are_not_run() -> None:
    result = evaluate(PROFILE, [_r("s.b", Outcome.PASSED)])
    assert result.verdict == "failed" and result.requirements[0].verdict == "not run"


def test_shipped_profiles_load_and_unknown_names_suggest() -> None:
    assert {"oauth2-baseline", "oidc-basic-op"} <= set(all_profiles())
    with pytest.raises(ProfileError, match="did you mean 'oidc-basic-op'"):
        get_profile("oidc-basic")


def test_verdict_as_dict_is_dataclasses_asdict_and_shares_nothing() -> None:
    """The hand-built JSON form equals ``dataclasses.asdict`` (keys, order, values) for every shipped profile."""
    import dataclasses
    import json

    records = [CheckRecord(id="pkce.wrong_verifier_refused", suite="pkce", title="t", outcome=Outcome.FAILED,
                           requirements=["RFC7636-4.6"], message="accepted"),
               CheckRecord(id="discovery.issuer_matches", suite="discovery", title="t", outcome=Outcome.PASSED,
                           requirements=["OIDCD-3"])]
    for profile in all_profiles().values():
        verdict = evaluate(profile, records)
        built = verdict.as_dict()
        assert json.dumps(built) == json.dumps(dataclasses.asdict(verdict))
        if built["modules"]:
            built["modules"][0]["checks"].append({"check": "x"})
            assert {"check": "x"} not in verdict.modules[0]["checks"]
