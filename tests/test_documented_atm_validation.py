"""PingFederate ATM settings verified against the reference target both ways (issue 21).

* "Active Signing Certificate Key ID" (``documented.access_token.signing_kid``): the reference profile
  cannot state the kid (the launcher generates it per start), so this test states the kid of the
  RS256 key JWT access tokens are signed with (read from the running target's JWK Set) — passes —
  and then the PS256 key's — fails ``AT_SIGNING_KID_NOT_DOCUMENTED``;
* "Publish Key ID X.509 URL" / "Publish Thumbprint X.509 URL", validation of JWT access tokens by
  introspection with the grant check, and the public client refused the client credentials grant
  are stated in the reference profile: they pass as documented and fail with the defects
  ``doc_atm_x509_wrong_certificate``, ``doc_jwt_access_token_not_validated``,
  ``doc_revoked_grant_token_active`` and ``doc_public_client_credentials_issued``;
* claims documented as omitted (``omitted_claims: [client_id, scope]``, PingFederate's empty
  "Client ID Claim Name" / "Scope Claim Name"; oidc-provider signs no JWT access token without
  ``aud``, so a blank "Audience Claim Value" is left to the unit tests): with the runtime
  setting ``doc_atm_claims_omitted`` the documented check passes while ``jwt_access_token.required_claims``
  still fails for RFC 9068 §2.2 (both findings, issue 21 item 2); without it the documented check fails
  ``AT_CLAIM_NOT_OMITTED``;
* an HMAC "JWS Algorithm" with the key of "Active Symmetric Key ID" (``signing_alg: HS256``,
  ``hmac_key``): with the runtime setting ``doc_atm_hmac`` (tokens re-signed HS256 with the ATM's
  symmetric key) ``documented.access_token_hmac_signature`` passes; ``doc_atm_hmac_wrong_key``
  fails it ``AT_HMAC_SIGNATURE_INVALID``;
* "Expand Scope Groups" selected (``expand_scope_groups: true``): with the runtime setting
  ``doc_scope_groups_expanded`` the group ``doc:group`` introspects as ``doc:a doc:b`` and the check
  passes; without it (the group as granted) it fails ``SCOPE_GROUP_NOT_AS_DOCUMENTED`` (the clean
  profile's "not selected" is proven by the defect ``doc_scope_group_expanded``).
"""

from __future__ import annotations

import hashlib
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.reference_target import RunningTarget
from tests.suite_runs import profile_copy, run_checks

PROFILED = ("documented.access_token_x509_urls", "documented.jwt_access_token_introspection",
            "documented.public_client_credentials_refused")
KEYWORD = "test_access_token_x509_urls or test_jwt_access_token_introspection or test_public_client_credentials_refused"


def _signing_kids(reference: RunningTarget) -> dict[str, str]:
    """alg -> kid of the provider's signing keys, from its JWK Set."""
    context = ssl.create_default_context(cafile=reference.env["REFTARGET_CA_FILE"])
    response = httpx.get(f"{reference.env['REFTARGET_ISSUER']}/jwks", verify=context)
    return {str(k.get("alg")): str(k["kid"]) for k in response.json()["keys"] if k.get("use") == "sig" and "kid" in k}


@pytest.mark.parametrize(("alg", "expected"), [("RS256", ("passed", set())),
                                                ("PS256", ("failed", {"AT_SIGNING_KID_NOT_DOCUMENTED"}))],
                         ids=["rs256-key-as-documented", "other-key-documented"])
def test_signing_kid_both_ways(reference: RunningTarget, tmp_path: Path, alg: str,
                               expected: tuple[str, set[str]]) -> None:
    kid = _signing_kids(reference)[alg]

    def edit(data: dict[str, Any]) -> None:
        data["documented"]["access_token"]["signing_kid"] = kid
    records = run_checks(reference, profile_copy(tmp_path, "signing-kid", edit), tmp_path / "report",
                         suites=["documented"], keyword="test_access_token_signing_kid")
    record = records["documented.access_token_signing_kid"]
    assert (record["outcome"], {f["code"] for f in record["findings"]}) == expected, record["message"]


CASES = [
    ([], {PROFILED[0]: ("passed", set()), PROFILED[1]: ("passed", set()), PROFILED[2]: ("passed", set())}),
    (["doc_atm_x509_wrong_certificate"], {PROFILED[0]: ("failed", {"AT_PUBLISHED_CERTIFICATE_MISMATCH"})}),
    (["doc_jwt_access_token_not_validated"], {PROFILED[1]: ("failed", {"JWT_AT_NOT_VALIDATED"})}),
    (["doc_revoked_grant_token_active"], {PROFILED[1]: ("failed", {"JWT_AT_REVOKED_GRANT_ACTIVE"})}),
    (["doc_public_client_credentials_issued"], {PROFILED[2]: ("failed", {"PUBLIC_CLIENT_CREDENTIALS_ISSUED"})}),
]


@pytest.mark.parametrize(("defects", "expected"), CASES,
                         ids=["as-documented", "doc_atm_x509_wrong_certificate", "doc_jwt_access_token_not_validated",
                              "doc_revoked_grant_token_active", "doc_public_client_credentials_issued"])
def test_atm_validation_both_ways(reference: RunningTarget, tmp_path: Path, defects: list[str],
                                  expected: dict[str, tuple[str, set[str]]]) -> None:
    records = run_checks(reference, profile_copy(tmp_path, "reference", lambda data: None), tmp_path / "report",
                         suites=["documented"], keyword=KEYWORD, defects=defects)
    got = {cid: (records[cid]["outcome"], {f["code"] for f in records[cid]["findings"]}) for cid in expected}
    assert got == expected, {cid: records[cid]["message"] for cid in expected}


@pytest.mark.parametrize("omitting", [True, False], ids=["claims-omitted-as-documented", "claims-present"])
def test_claims_omitted_both_ways(reference: RunningTarget, tmp_path: Path, omitting: bool) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["documented"]["access_token"]["omitted_claims"] = ["client_id", "scope"]
    records = run_checks(reference, profile_copy(tmp_path, "omitted", edit), tmp_path / "report",
                         suites=["documented", "jwt_access_token"],
                         keyword="test_access_token_claims_omitted or test_required_claims",
                         settings={"doc_atm_claims_omitted": omitting})
    documented_record = records["documented.access_token_claims_omitted"]
    spec_record = records["jwt_access_token.required_claims"]
    if omitting:
        assert documented_record["outcome"] == "passed", documented_record["message"]
        assert spec_record["outcome"] == "failed"
        assert {f["requirement"] for f in spec_record["findings"]} == {"RFC9068-2.2"}
    else:
        assert documented_record["outcome"] == "failed"
        assert {f["code"] for f in documented_record["findings"]} == {"AT_CLAIM_NOT_OMITTED"}
        assert spec_record["outcome"] == "passed", spec_record["message"]


def _hmac_key(reference: RunningTarget) -> str:
    """The reference target's ATM symmetric key (src/areas/documented_settings.mjs derives it the same way)."""
    return hashlib.sha256(f"atm-hmac:{reference.env['REFTARGET_ADMIN_TOKEN']}".encode()).hexdigest()


@pytest.mark.parametrize(("defects", "expected"), [([], ("passed", set())),
                                                    (["doc_atm_hmac_wrong_key"],
                                                     ("failed", {"AT_HMAC_SIGNATURE_INVALID"}))],
                         ids=["hmac-as-documented", "doc_atm_hmac_wrong_key"])
def test_hmac_signature_both_ways(reference: RunningTarget, tmp_path: Path, defects: list[str],
                                  expected: tuple[str, set[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_TEST_ATM_HMAC_KEY", _hmac_key(reference))

    def edit(data: dict[str, Any]) -> None:
        data["documented"]["access_token"].update({"signing_alg": "HS256", "hmac_key": "${HARNESS_TEST_ATM_HMAC_KEY}"})
    records = run_checks(reference, profile_copy(tmp_path, "hmac", edit), tmp_path / "report", suites=["documented"],
                         keyword="test_access_token_hmac_signature", defects=defects, settings={"doc_atm_hmac": True})
    record = records["documented.access_token_hmac_signature"]
    assert (record["outcome"], {f["code"] for f in record["findings"]}) == expected, record["message"]


@pytest.mark.parametrize(("expanding", "expected"), [(True, ("passed", set())),
                                                      (False, ("failed", {"SCOPE_GROUP_NOT_AS_DOCUMENTED"}))],
                         ids=["expanded-as-documented", "not-expanded"])
def test_scope_groups_expanded_both_ways(reference: RunningTarget, tmp_path: Path, expanding: bool,
                                         expected: tuple[str, set[str]]) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["documented"]["access_token"]["expand_scope_groups"] = True
    records = run_checks(reference, profile_copy(tmp_path, "scope-groups", edit), tmp_path / "report",
                         suites=["documented"], keyword="test_scope_groups_expansion",
                         settings={"doc_scope_groups_expanded": expanding})
    record = records["documented.scope_groups_expansion"]
    assert (record["outcome"], {f["code"] for f in record["findings"]}) == expected, record["message"]
