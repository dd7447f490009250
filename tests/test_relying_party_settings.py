"""The harness as relying party: PingAM OpenID Connect module settings (``documented.relying_party``, issue 21).

Unit tests of :func:`harness.specs.oidc_core.check_relying_party_acceptance` and of the profile
model, then both ways on the reference target with profile copies: stated values the target's ID
Tokens satisfy pass ``id_token.documented_relying_party``; a stated accepted issuer, audience,
authorized party or JWK Set URL they do not satisfy fails it with the ``DOC-`` finding while the
spec checks (``id_token.issuer``, ``audience``, ``azp``, ``signature_verifies``) still pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from harness import jose
from harness.profile.relying_party import RelyingPartySettings
from harness.reference_target import RunningTarget
from harness.results import HarnessError
from harness.specs import oidc_core as o
from tests.suite_runs import profile_copy, run_checks

NOW = 1_800_000_000.0
ISSUER = "https://op.example"
CLIENT = "client-1"
SECRET = "a-client-secret-of-at-least-32-octets!"


@pytest.fixture(scope="module")
def rsa() -> jose.Key:
    return jose.generate_key("RSA")


def _claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"iss": ISSUER, "sub": "u", "aud": CLIENT, "exp": NOW + 300, "iat": NOW, "nonce": "n"}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not jose.REMOVE}


def _stated(**kw: Any) -> o.RelyingPartyExpectations:
    values: dict[str, Any] = {"accepted_issuer": ISSUER, "accepted_audiences": (CLIENT,),
                              "accepted_authorized_parties": (CLIENT,)}
    values.update(kw)
    return o.RelyingPartyExpectations(**values)


def _codes(token: str, stated: o.RelyingPartyExpectations, secret: str | None = None) -> set[str]:
    return {f.code for f in o.check_relying_party_acceptance(jose.decode_unverified(token), stated,
                                                             client_secret=secret).items}


def _rs(rsa: jose.Key, **changes: Any) -> str:
    return jose.sign_jws({"alg": "RS256", "kid": rsa.get("kid")}, _claims(**changes), rsa)


def test_matching_statements_add_nothing(rsa: jose.Key) -> None:
    assert _codes(_rs(rsa), _stated()) == set()
    assert _codes(_rs(rsa), _stated(key_source="jwks_url", jwks_url="https://op.example/k",
                                    stated_keys=jose.JWKS.from_keys([rsa]))) == set()


@pytest.mark.parametrize(("changes", "stated", "code"), [
    ({}, {"accepted_issuer": "https://other.example"}, "ID_TOKEN_ISSUER_NOT_ACCEPTED"),
    ({}, {"accepted_audiences": ("module-audience",)}, "ID_TOKEN_AUDIENCE_NOT_ACCEPTED"),
    ({"azp": "someone-else"}, {}, "ID_TOKEN_AZP_NOT_ACCEPTED"),
    ({}, {"accepted_authorized_parties": ("rp-a", "rp-b")}, "ID_TOKEN_AZP_NOT_ACCEPTED"),  # the single aud
    ({"aud": [CLIENT, "api"]}, {}, "ID_TOKEN_AZP_NOT_ACCEPTED"),  # several audiences, no azp
], ids=["issuer", "audience", "azp", "single-aud-as-party", "several-aud-no-azp"])
def test_statement_not_satisfied(rsa: jose.Key, changes: dict[str, Any], stated: dict[str, Any], code: str) -> None:
    assert _codes(_rs(rsa, **changes), _stated(**stated)) == {code}


def test_audience_one_of_several_accepted(rsa: jose.Key) -> None:
    assert _codes(_rs(rsa, aud=[CLIENT, "api"], azp=CLIENT), _stated(accepted_audiences=("api", "x"))) == set()


def test_jwks_url_without_the_key(rsa: jose.Key) -> None:
    other = jose.JWKS.from_keys([jose.generate_key("RSA", label="other")])
    stated = _stated(key_source="jwks_url", jwks_url="https://op.example/k", stated_keys=other)
    assert _codes(_rs(rsa), stated) == {"ID_TOKEN_KEY_NOT_AT_STATED_JWKS_URL"}
    with pytest.raises(HarnessError):
        _codes(_rs(rsa), _stated(key_source="jwks_url", jwks_url="https://op.example/k"))


def test_client_secret_key_source(rsa: jose.Key) -> None:
    hs = jose.sign_jws({"alg": "HS256"}, _claims(), jose.secret_key(SECRET))
    assert _codes(hs, _stated(key_source="client_secret"), SECRET) == set()
    assert _codes(hs, _stated(key_source="client_secret"), SECRET + "x") == {"ID_TOKEN_NOT_SIGNED_WITH_CLIENT_SECRET"}
    assert _codes(_rs(rsa), _stated(key_source="client_secret"), SECRET) == {"ID_TOKEN_NOT_SIGNED_WITH_CLIENT_SECRET"}


def test_validate_id_token_adds_doc_findings_and_keeps_spec_ones(rsa: jose.Key) -> None:
    """A stated value never waives a spec rule: a foreign iss gets both findings."""
    expect = o.IdTokenExpectations(issuer=ISSUER, client_id=CLIENT, keys=jose.JWKS.from_keys([rsa]), nonce="n",
                                   relying_party=_stated(accepted_issuer="https://evil.example"))
    _, findings = o.validate_id_token(_rs(rsa, iss="https://evil.example"), expect, now=NOW)
    assert {(f.code, f.requirement) for f in findings.items} == {
        ("ID_TOKEN_ISS_MISMATCH", "OIDCC-3.1.3.7-2")}
    _, findings = o.validate_id_token(_rs(rsa), expect, now=NOW)
    assert {(f.code, f.requirement) for f in findings.items} == {
        ("ID_TOKEN_ISSUER_NOT_ACCEPTED", "DOC-relying_party.accepted_issuer")}


def test_model_jwks_url_only_with_its_key_source() -> None:
    assert RelyingPartySettings(key_source="jwks_url", jwks_url="https://op.example/jwks").jwks_url
    for bad in ({"key_source": "jwks_url"}, {"jwks_url": "https://op.example/jwks"},
                {"key_source": "jwks_url", "jwks_url": "not-a-url"}, {"key_source": "keystore"}):
        with pytest.raises(ValidationError):
            RelyingPartySettings.model_validate(bad)


# --- both ways on the reference target ---------------------------------------------------------

CHECK = "id_token.documented_relying_party"
SPEC = ("id_token.issuer", "id_token.audience", "id_token.azp", "id_token.signature_verifies")
KEYWORD = "test_documented_relying_party or test_issuer or test_audience or test_azp or test_signature_verifies"
ATM_JWKS = "${REFTARGET_ISSUER}/ext/atm-jwks"  # the provider's keys, as PingFederate's "JWKS Endpoint Path"

CASES: list[tuple[str, dict[str, Any], list[str], tuple[str, set[str]]]] = [
    ("as-issued", {"accepted_issuer": "${REFTARGET_ISSUER}", "accepted_audiences": ["conf-basic"],
                   "accepted_authorized_parties": ["conf-basic", "other-rp"], "key_source": "jwks_url",
                   "jwks_url": ATM_JWKS}, [], ("passed", set())),
    ("client-secret", {"key_source": "client_secret"}, [], ("passed", set())),
    ("client-stated", {"client": "conf-basic", "accepted_audiences": ["conf-basic"]}, [], ("passed", set())),
    ("client-secret-rs256-client", {"client": "conf-basic", "key_source": "client_secret"}, [],
     ("failed", {"ID_TOKEN_NOT_SIGNED_WITH_CLIENT_SECRET"})),
    ("other-issuer", {"accepted_issuer": "https://idp.other.example"}, [],
     ("failed", {"ID_TOKEN_ISSUER_NOT_ACCEPTED"})),
    ("other-audience", {"accepted_audiences": ["am-module"]}, [], ("failed", {"ID_TOKEN_AUDIENCE_NOT_ACCEPTED"})),
    ("other-azp", {"accepted_authorized_parties": ["other-rp"]}, [], ("failed", {"ID_TOKEN_AZP_NOT_ACCEPTED"})),
    ("jwks-url-without-key", {"key_source": "jwks_url", "jwks_url": ATM_JWKS}, ["doc_atm_jwks_incomplete"],
     ("failed", {"ID_TOKEN_KEY_NOT_AT_STATED_JWKS_URL"})),
]


@pytest.mark.parametrize(("name", "stated", "defects", "expected"), CASES, ids=[c[0] for c in CASES])
def test_relying_party_both_ways(reference: RunningTarget, tmp_path: Path, name: str, stated: dict[str, Any],
                                 defects: list[str], expected: tuple[str, set[str]]) -> None:
    def edit(data: dict[str, Any]) -> None:
        data.setdefault("documented", {})["relying_party"] = stated
    records = run_checks(reference, profile_copy(tmp_path, name, edit), tmp_path / "report", suites=["id_token"],
                         keyword=KEYWORD, defects=defects)
    record = records[CHECK]
    assert (record["outcome"], {f["code"] for f in record["findings"]}) == expected, record["message"]
    for spec_check in SPEC:  # a stated value never changes a spec verdict
        assert records[spec_check]["outcome"] == "passed", (spec_check, records[spec_check]["message"])


def test_unstated_is_skipped_and_foreign_jwks_url_is_broken(reference: RunningTarget, tmp_path: Path) -> None:
    unstated = profile_copy(tmp_path, "unstated", lambda data: data["documented"].pop("relying_party"))
    records = run_checks(reference, unstated, tmp_path / "r1", suites=["id_token"],
                         keyword="test_documented_relying_party")
    assert records[CHECK]["outcome"] == "skipped"

    def edit(data: dict[str, Any]) -> None:
        data["documented"]["relying_party"] = {"key_source": "jwks_url", "jwks_url": "https://keys.other.example/jwks"}
    records = run_checks(reference, profile_copy(tmp_path, "foreign", edit), tmp_path / "r2", suites=["id_token"],
                         keyword="test_documented_relying_party")
    assert records[CHECK]["outcome"] == "broken", records[CHECK]["message"]
