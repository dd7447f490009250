"""Certification verdicts against the reference target: all shipped profiles pass on the clean
target, and a defect flips exactly the profiles that require the broken behaviour."""

from __future__ import annotations

from typing import Any, cast

import pytest

from harness.certification import all_profiles, evaluate
from harness.results import CheckRecord, Outcome

from .conftest import SuiteRunner
from .test_checks_both_ways import DEFECT_CHECKS

# defect -> the profiles whose verdict it must flip (every other profile keeps passing)
FLIPS: dict[str, set[str]] = {
    # the Message Signing plan runs the Security Profile's modules in its signed variant
    "pkce_verifier_unchecked": {"oauth2-baseline", "fapi2-security-profile", "fapi2-message-signing"},
    "authz_state_mismatch": {"oauth2-baseline", "oidc-basic-op"},
    "idtoken_wrong_iss": {"oidc-basic-op"},
    "discovery_no_rs256": {"oidc-basic-op", "oidc-config-op", "oidc-implicit-op", "oidc-hybrid-op", "oidc-formpost-op"},
    "userinfo_no_challenge": {"oidc-basic-op"},
    "front_channel_in_query": {"oidc-implicit-op", "oidc-hybrid-op"},
    "form_post_ignored": {"oidc-formpost-op"},
    "device_code_reusable": {"device"},
    "ciba_auth_req_id_reusable": {"ciba-poll"},
    # ping mode is not part of ciba-poll; the FAPI-CIBA plan's main module runs in ping mode too
    "ciba_ping_no_bearer": {"fapi-ciba"},
    # the refresh-token modules of FAPI 2.0 (both plans) and FAPI-CIBA map the refresh suite
    "refresh_not_client_bound": {"oauth2-baseline", "fapi2-security-profile", "fapi2-message-signing", "fapi-ciba"},
    "par_request_uri_reusable": {"fapi2-security-profile", "fapi2-message-signing"},
    "jarm_no_iss": {"jarm"},
    # the FAPI 2.0 client's tokens are DPoP-bound: its resource rule (fapi2.bound_token_as_bearer_refused) breaks
    "dpop_bound_token_accepted_as_bearer": {"fapi2-security-profile"},
}


def _records(documents: dict[str, dict[str, object]]) -> list[CheckRecord]:
    return [CheckRecord(id=str(c["id"]), suite=str(c["suite"]), title=str(c["title"]),
                        outcome=Outcome(str(c["outcome"])),
                        requirements=[str(r) for r in cast(list[object], c["requirements"])], message=str(c["message"]),
                        deviation=cast("dict[str, Any] | None", c.get("deviation")))
            for c in documents.values()]


def _verdicts(records: list[CheckRecord]) -> dict[str, str]:
    return {name: evaluate(profile, records).verdict for name, profile in all_profiles().items()}


def test_every_profile_passes_on_the_clean_reference(clean_run: dict[str, dict[str, object]]) -> None:
    verdicts = _verdicts(_records(clean_run))
    assert verdicts == {name: "passed" for name in verdicts}


@pytest.mark.parametrize("defect", sorted(FLIPS))
def test_defect_flips_exactly_the_profiles_that_need_the_behaviour(
        suite_runner: SuiteRunner, clean_run: dict[str, dict[str, object]], defect: str) -> None:
    broken = suite_runner.run(defects=(defect,), checks=DEFECT_CHECKS[defect], results_only=True)
    judged = {name: evaluate(profile, _records({**clean_run, **broken})) for name, profile in all_profiles().items()}
    flipped = {name for name, result in judged.items() if result.verdict != "passed"}
    why = {name: [r.id for r in result.requirements if r.verdict != "passed"]
           + [m["module"] for m in result.modules if m["required"] and m["verdict"] in ("failed", "broken")]
           for name, result in judged.items() if name in flipped ^ FLIPS[defect]}
    assert flipped == FLIPS[defect], why
