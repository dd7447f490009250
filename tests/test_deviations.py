"""Known deviations cannot hide regressions: entries match a check id AND the findings they name."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from harness.reporting.deviations import DeviationsFile, apply_deviations, load_deviations, match_record
from harness.reporting.summary import counts, exit_code, summary_table
from harness.results import CheckRecord, Finding, Level, Outcome, ProfileError


def _failed(check: str, *codes: str, requirement: str = "RFC6749-5.2", level: Level = Level.MUST) -> CheckRecord:
    outcome = Outcome.FAILED if level is Level.MUST else Outcome.WARNING
    return CheckRecord(id=check, suite=check.split(".")[0], title=check, outcome=outcome,
                       requirements=[requirement],
                       findings=[Finding(code, f"{code} seen", requirement, level=level) for code in codes])


def _passed(check: str) -> CheckRecord:
    return CheckRecord(id=check, suite=check.split(".")[0], title=check, outcome=Outcome.PASSED, requirements=[])


def _file(*entries: Mapping[str, object]) -> DeviationsFile:
    return DeviationsFile.model_validate({"deviations": [{"reason": "because", **e} for e in entries]})


def test_listed_finding_is_known() -> None:
    record = _failed("dpop.replay", "WRONG_ERROR")
    match = match_record(record, _file({"check": "dpop.replay", "findings": ["WRONG_ERROR"]}))
    assert match.known and match.as_deviation() == {"status": "known", "reason": "because", "link": None,
                                                    "entries": [0]}


def test_new_finding_in_a_listed_check_is_a_new_failure() -> None:
    record = _failed("dpop.replay", "WRONG_ERROR", "REPLAY_ACCEPTED")
    match = match_record(record, _file({"check": "dpop.replay", "findings": ["WRONG_ERROR"]}))
    assert not match.known and match.unlisted == ("REPLAY_ACCEPTED",)
    result = apply_deviations([record], _file({"check": "dpop.replay", "findings": ["WRONG_ERROR"]}), "d.yaml")
    assert result.known == [] and result.stale == []  # the listed finding did happen: not stale either
    assert exit_code([record]) == 1


def test_requirement_must_match_when_given() -> None:
    entry = {"check": "a.b", "findings": ["CODE"], "requirement": "RFC6749-4.1.2"}
    assert match_record(_failed("a.b", "CODE", requirement="RFC6749-4.1.2"), _file(entry)).known
    assert not match_record(_failed("a.b", "CODE", requirement="RFC7636-4.6"), _file(entry)).known


def test_expected_level_must_match_when_given() -> None:
    entry = {"check": "a.b", "findings": ["CODE"], "expected": "warning"}
    assert match_record(_failed("a.b", "CODE", level=Level.SHOULD), _file(entry)).known
    assert not match_record(_failed("a.b", "CODE"), _file(entry)).known  # failed where a warning was listed


@pytest.mark.parametrize("pattern", ["pkce.*", "pkce.verifier_*", "*.verifier_length_bounds", "pkce.ver?fier"])
def test_wildcards_inside_a_check_name_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="wildcards are allowed only over parameters"):
        _file({"check": pattern, "findings": ["X"]})


def test_wildcards_over_parameters() -> None:
    listed = _file({"check": "pkce.verifier_length_bounds[*]", "findings": ["LENGTH_ACCEPTED"]})
    assert match_record(_failed("pkce.verifier_length_bounds[42]", "LENGTH_ACCEPTED"), listed).known
    assert match_record(_failed("pkce.verifier_length_bounds[129]", "LENGTH_ACCEPTED"), listed).known
    assert not match_record(_failed("pkce.verifier_length_bounds_new", "LENGTH_ACCEPTED"), listed).known
    assert not match_record(_failed("pkce.verifier_length_bounds", "LENGTH_ACCEPTED"), listed).known


def test_findings_are_required() -> None:
    with pytest.raises(ValueError, match="findings"):
        DeviationsFile.model_validate({"deviations": [{"check": "a.b", "reason": "r"}]})


def test_stale_when_the_check_passes_or_shows_other_findings_only() -> None:
    listed = _file({"check": "a.passes", "findings": ["X"]}, {"check": "a.other", "findings": ["X"]},
                   {"check": "a.skipped", "findings": ["X"]})
    skipped = CheckRecord(id="a.skipped", suite="a", title="", outcome=Outcome.SKIPPED, requirements=[])
    result = apply_deviations([_passed("a.passes"), _failed("a.other", "Y"), skipped], listed, "d.yaml")
    assert [(s.check, s.actual) for s in result.stale] == [("a.passes", "passed"), ("a.other", "failed (Y)")]


def test_an_intermittent_entry_is_not_stale_when_its_race_was_not_lost() -> None:
    """``intermittent: true`` (a race): a passed check neither matches nor goes stale; other findings still do."""
    listed = _file({"check": "a.race", "findings": ["X"], "intermittent": True},
                   {"check": "a.race_other", "findings": ["X"], "intermittent": True})
    result = apply_deviations([_passed("a.race"), _failed("a.race_other", "Y")], listed, "d.yaml", full_run=True)
    assert result.known == []
    assert [(s.check, s.actual) for s in result.stale] == [("a.race_other", "failed (Y)")]
    lost = apply_deviations([_failed("a.race", "X")], listed, "d.yaml")
    assert lost.known == ["a.race"] and lost.stale == []


def test_entry_for_a_check_that_does_not_exist_is_stale_in_a_full_run() -> None:
    listed = _file({"check": "a.renamed_long_ago", "findings": ["X"]}, {"check": "zz.other_suite", "findings": ["X"]})
    records = [_passed("a.present")]
    full = apply_deviations(records, listed, "d.yaml", full_run=True)
    assert [(s.check, s.actual) for s in full.stale] == [("a.renamed_long_ago", "no such check in this run")]
    assert apply_deviations(records, listed, "d.yaml", full_run=False).stale == []


def test_known_is_counted_apart_everywhere() -> None:
    record = _failed("dpop.replay", "WRONG_ERROR")
    apply_deviations([record], _file({"check": "dpop.replay", "findings": ["WRONG_ERROR"]}), "d.yaml")
    tally = counts([record])
    assert tally["known"] == 1 and tally["failed"] == 0
    row = next(line for line in summary_table([record]) if line.startswith("dpop"))
    assert row.rstrip().endswith("known")
    assert exit_code([record]) == 0


def test_load_errors_name_the_entry_and_key(tmp_path: Path) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text("deviations:\n  - check: 'pkce.*'\n    findings: [X]\n    reason: r\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"deviations\.0\.check \(entry for 'pkce\.\*'\)"):
        load_deviations(path)


# -- the ten-regression scenario ------------------------------------------------------------
# A deviations file of plausible entries, and ten security regressions a target might ship the
# next night. Under the old matching (check id only, wildcards anywhere) all ten were "known".

_LISTED = [
    {"check": "client_auth.assertion_alg_none_refused", "findings": ["TOKEN_ERROR_WRONG_CODE"]},
    {"check": "refresh.other_client_token_refused", "findings": ["REFRESH_WRONG_ERROR"]},
    {"check": "client_auth.wrong_secret_basic_refused", "findings": ["WWW_AUTHENTICATE_SCHEME"]},
    {"check": "authorization_code.code_reuse_refused", "findings": ["TOKEN_ERROR_WRONG_CODE"],
     "requirement": "RFC6749-5.2"},
    {"check": "pkce.verifier_length_bounds[*]", "findings": ["VERIFIER_LENGTH_ACCEPTED"], "expected": "warning"},
    {"check": "dpop.replayed_proof_refused_at_token_endpoint", "findings": ["DPOP_WRONG_ERROR"]},
    {"check": "id_token.signature_verified", "findings": ["ID_TOKEN_KID_MISSING"], "expected": "warning"},
    {"check": "mtls.unbound_token_refused", "findings": ["RESOURCE_WRONG_STATUS"]},
    {"check": "revocation.unauthenticated_refused", "findings": ["REVOCATION_WRONG_ERROR"]},
]
_REGRESSIONS = [
    _failed("client_auth.assertion_alg_none_refused", "TOKEN_REQUEST_ACCEPTED"),   # alg=none assertion accepted
    _failed("refresh.other_client_token_refused", "REFRESH_ACCEPTED"),             # another client's refresh token
    _failed("client_auth.wrong_secret_basic_refused", "WWW_AUTHENTICATE_SCHEME",
            "TOKEN_REQUEST_ACCEPTED"),                                             # wrong secret now accepted too
    _failed("authorization_code.code_reuse_refused", "TOKEN_ERROR_WRONG_CODE",
            requirement="RFC6749-4.1.2"),                                          # reuse now works (other rule)
    _failed("pkce.verifier_length_bounds[42]", "VERIFIER_LENGTH_ACCEPTED"),        # now a MUST-level failure
    _failed("pkce.verifier_length_bounds_any", "VERIFIER_UNCHECKED"),              # a check that did not exist
    _failed("dpop.replayed_proof_refused_at_token_endpoint", "DPOP_REPLAY_ACCEPTED"),  # replay accepted
    _failed("id_token.signature_verified", "ID_TOKEN_BAD_SIGNATURE"),              # signature no longer checked
    _failed("mtls.unbound_token_refused", "RESOURCE_ACCEPTED"),                    # unbound token accepted
    _failed("revocation.unauthenticated_refused", "REVOCATION_WITHOUT_AUTH"),      # anyone revokes
]


def test_ten_regressions_are_ten_new_failures() -> None:
    listed = _file(*_LISTED)
    result = apply_deviations(_REGRESSIONS, listed, "d.yaml", full_run=True)
    assert result.known == []
    assert counts(_REGRESSIONS)["failed"] == 10 and counts(_REGRESSIONS)["known"] == 0
    assert exit_code(_REGRESSIONS) == 1


def test_update_fills_findings_and_expands_wildcards() -> None:
    from harness.reporting.deviations_update import update_entries

    document = {"checks": [
        {"id": "pkce.lengths[42]", "outcome": "warning", "findings": [{"code": "LEN", "requirement": "RFC7636-4.1"}]},
        {"id": "pkce.lengths[129]", "outcome": "warning", "findings": [{"code": "LEN", "requirement": "RFC7636-4.1"}]},
        {"id": "dpop.replay", "outcome": "failed", "findings": [{"code": "WRONG", "requirement": "RFC9449-11.1"}]},
        {"id": "dpop.fixed", "outcome": "passed", "findings": []},
    ]}
    result = update_entries([{"check": "pkce.lengths*", "reason": "r1"}, {"check": "dpop.replay", "reason": "r2"},
                             {"check": "dpop.fixed", "reason": "r3"}], document)
    assert result.entries == [
        {"check": "pkce.lengths[*]", "findings": ["LEN"], "requirement": "RFC7636-4.1", "expected": "warning",
         "reason": "r1"},
        {"check": "dpop.replay", "findings": ["WRONG"], "requirement": "RFC9449-11.1", "expected": "failed",
         "reason": "r2"},
    ]
    assert result.dropped == ["dpop.fixed: passed — left out"]
    DeviationsFile.model_validate({"deviations": result.entries})


def test_update_keeps_parameter_patterns_of_old_entries() -> None:
    from harness.reporting.deviations_update import update_entries

    document = {"checks": [
        {"id": "dpop.proof[a-resource]", "outcome": "failed",
         "findings": [{"code": "R", "requirement": "RFC9449-7.1"}]},
        {"id": "dpop.proof[b-token]", "outcome": "failed", "findings": [{"code": "T", "requirement": "RFC9449-5"}]},
    ]}
    result = update_entries([{"check": "dpop.proof[[]*-resource]", "reason": "r"},
                             {"check": "dpop.proof[b-token]", "expected": "warning", "reason": "t"}], document)
    assert [(e["check"], e["findings"]) for e in result.entries] == [("dpop.proof[*-resource]", ["R"]),
                                                                     ("dpop.proof[b-token]", ["T"])]
    assert result.changed == ["dpop.proof[b-token]: expected warning -> failed"]
    listed = DeviationsFile.model_validate({"deviations": result.entries})
    record = _failed("dpop.proof[a-resource]", "R", requirement="RFC9449-7.1")
    assert match_record(record, listed).known
