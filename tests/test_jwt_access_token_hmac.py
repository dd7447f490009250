"""``jwt_access_token.signature`` on HMAC-signed JWT access tokens (issue 21), both ways.

RFC 9068 §4 only RECOMMENDS asymmetric signing; PingFederate's JWT ATM offers HMAC "JWS
Algorithm"s. No ``jwks_uri`` publishes the shared key, so the check verifies an HS256/384/512
token with the key the profile states (``documented.access_token.hmac_key``, the same function
``documented.access_token_hmac_signature`` uses) and leaves it for review when none is stated:

* pure: :func:`harness.specs.rfc9068.check_hmac_signature` passes with the key, fails
  ``AT_HMAC_SIGNATURE_INVALID`` with another, ``AT_ALG_NOT_DOCUMENTED`` for an undocumented alg,
  and raises :class:`NeedsReview` without a key;
* against the reference target with the runtime setting ``doc_atm_hmac`` (tokens re-signed HS256
  with the ATM's symmetric key): key stated → passed; defect ``doc_atm_hmac_wrong_key`` → failed
  ``AT_HMAC_SIGNATURE_INVALID``; no key stated → review (not failed); without the setting (RS256
  tokens, the clean reference profile) → passed, as before;
* the same cause in ``jwt_access_token.kid_header`` (the kid of an HMAC token names the symmetric
  key, which no JWK Set publishes: presence judged, no lookup — it used to fail ``AT_KID_UNKNOWN``)
  and ``jwt_access_token.documented_jwks_url`` (skipped before asking where an HMAC alg is
  documented, review where the HMAC token is a surprise — it used to fail
  ``AT_KEY_NOT_AT_DOCUMENTED_JWKS_URL``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from harness import jose
from harness.reference_target import RunningTarget
from harness.results import CheckFailed, NeedsReview
from harness.specs import rfc9068
from tests.suite_runs import profile_copy, run_checks

CHECK = "jwt_access_token.signature"


def _token(alg: str = "HS256", key: str = "the-shared-key") -> str:
    return jose.sign_jws({"alg": alg, "typ": "at+jwt"}, {"sub": "u"}, jose.secret_key(key))


def test_hmac_signature_verifies_with_the_stated_key() -> None:
    assert rfc9068.check_hmac_signature(_token(), "the-shared-key", expected_alg="HS256").claims == {"sub": "u"}
    assert rfc9068.check_hmac_signature(_token("HS384"), "the-shared-key", expected_alg=None).alg == "HS384"


def test_hmac_signature_with_another_key_fails() -> None:
    with pytest.raises(CheckFailed) as caught:
        rfc9068.check_hmac_signature(_token(key="another-key"), "the-shared-key", expected_alg="HS256")
    assert [(f.code, f.requirement) for f in caught.value.findings] == [
        ("AT_HMAC_SIGNATURE_INVALID", "DOC-access_token.hmac_key")]


def test_hmac_signature_undocumented_alg_fails_first() -> None:
    with pytest.raises(CheckFailed) as caught:
        rfc9068.check_hmac_signature(_token(), None, expected_alg="RS256")
    assert [f.code for f in caught.value.findings] == ["AT_ALG_NOT_DOCUMENTED"]


def test_hmac_signature_without_a_key_is_review() -> None:
    with pytest.raises(NeedsReview, match="documented.access_token.hmac_key"):
        rfc9068.check_hmac_signature(_token(), None, expected_alg="HS256")


def test_hmac_signature_refuses_asymmetric_tokens() -> None:
    key = jose.generate_key("RSA", label="rfc9068-test")
    with pytest.raises(ValueError):
        rfc9068.check_hmac_signature(jose.sign_jws({"alg": "RS256"}, {"sub": "u"}, key), "k", expected_alg=None)


def test_kid_header_of_hmac_tokens_is_not_looked_up() -> None:
    rfc9068.check_kid_header({"kid": "atm-hmac"}, True, None)
    with pytest.raises(CheckFailed) as caught:
        rfc9068.check_kid_header({}, True, None)
    assert [f.code for f in caught.value.findings] == ["AT_KID_MISSING"]
    with pytest.raises(CheckFailed):
        rfc9068.check_kid_header({"kid": "atm-hmac"}, True, ["op-rs256"])


def _hmac_key(reference: RunningTarget) -> str:
    """The reference target's ATM symmetric key (src/areas/documented_settings.mjs derives it the same way)."""
    return hashlib.sha256(f"atm-hmac:{reference.env['REFTARGET_ADMIN_TOKEN']}".encode()).hexdigest()


SIGNATURE, KID, JWKS_URL = CHECK, "jwt_access_token.kid_header", "jwt_access_token.documented_jwks_url"
KEYWORD = "test_signature or test_kid_header or test_documented_jwks_url"
CASES = [
    # name, runtime setting doc_atm_hmac, documented signing_alg, hmac_key stated, defects, expected per check
    ("hmac-key-stated", True, "HS256", True, [],
     {SIGNATURE: ("passed", set()), KID: ("passed", set()), JWKS_URL: ("skipped", set())}),
    ("doc_atm_hmac_wrong_key", True, "HS256", True, ["doc_atm_hmac_wrong_key"],
     {SIGNATURE: ("failed", {"AT_HMAC_SIGNATURE_INVALID"}), KID: ("passed", set())}),
    ("hmac-no-key-stated", True, "HS256", False, [],
     {SIGNATURE: ("review", set()), KID: ("passed", set()), JWKS_URL: ("skipped", set())}),
    ("hmac-alg-undocumented", True, None, False, [],
     {SIGNATURE: ("review", set()), KID: ("passed", set()), JWKS_URL: ("review", set())}),
    ("rs256-unchanged", False, "RS256", False, [],
     {SIGNATURE: ("passed", set()), KID: ("passed", set()), JWKS_URL: ("passed", set())}),
]


@pytest.mark.parametrize(("name", "hmac_tokens", "alg", "key_stated", "defects", "expected"), CASES,
                         ids=[case[0] for case in CASES])
def test_signature_on_hmac_tokens_both_ways(reference: RunningTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            name: str, hmac_tokens: bool, alg: str | None, key_stated: bool,
                                            defects: list[str], expected: dict[str, tuple[str, set[str]]]) -> None:
    monkeypatch.setenv("HARNESS_TEST_ATM_HMAC_KEY", _hmac_key(reference))

    def edit(data: dict[str, Any]) -> None:
        settings = data["documented"]["access_token"]
        settings["signing_alg"] = alg
        if key_stated:
            settings["hmac_key"] = "${HARNESS_TEST_ATM_HMAC_KEY}"
    records = run_checks(reference, profile_copy(tmp_path, name, edit), tmp_path / "report",
                         suites=["jwt_access_token"], keyword=KEYWORD, defects=defects,
                         settings={"doc_atm_hmac": hmac_tokens})
    got = {cid: (records[cid]["outcome"], {f["code"] for f in records[cid]["findings"]}) for cid in expected}
    assert got == expected, {cid: records[cid]["message"] for cid in expected}
    if got[SIGNATURE][0] == "review":
        assert "documented.access_token.hmac_key" in records[SIGNATURE]["message"]
