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
  tokens, the clean reference profile) → passed, as before.
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


def _hmac_key(reference: RunningTarget) -> str:
    """The reference target's ATM symmetric key (src/areas/documented_settings.mjs derives it the same way)."""
    return hashlib.sha256(f"atm-hmac:{reference.env['REFTARGET_ADMIN_TOKEN']}".encode()).hexdigest()


CASES = [
    ("hmac-key-stated", True, True, [], ("passed", set())),
    ("doc_atm_hmac_wrong_key", True, True, ["doc_atm_hmac_wrong_key"], ("failed", {"AT_HMAC_SIGNATURE_INVALID"})),
    ("hmac-no-key-stated", True, False, [], ("review", set())),
    ("rs256-unchanged", False, False, [], ("passed", set())),
]


@pytest.mark.parametrize(("name", "hmac_tokens", "key_stated", "defects", "expected"), CASES,
                         ids=[case[0] for case in CASES])
def test_signature_on_hmac_tokens_both_ways(reference: RunningTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            name: str, hmac_tokens: bool, key_stated: bool, defects: list[str],
                                            expected: tuple[str, set[str]]) -> None:
    monkeypatch.setenv("HARNESS_TEST_ATM_HMAC_KEY", _hmac_key(reference))

    def edit(data: dict[str, Any]) -> None:
        if hmac_tokens:
            data["documented"]["access_token"]["signing_alg"] = "HS256"
        if key_stated:
            data["documented"]["access_token"]["hmac_key"] = "${HARNESS_TEST_ATM_HMAC_KEY}"
    records = run_checks(reference, profile_copy(tmp_path, name, edit), tmp_path / "report",
                         suites=["jwt_access_token"], keyword="test_signature", defects=defects,
                         settings={"doc_atm_hmac": hmac_tokens})
    record = records[CHECK]
    assert (record["outcome"], {f["code"] for f in record["findings"]}) == expected, record["message"]
    if expected[0] == "review":
        assert "documented.access_token.hmac_key" in record["message"]
