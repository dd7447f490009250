from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from harness import jose
from harness.results import CheckFailed, Finding, HarnessError, Level
from harness.specs import oidc_core as o

NOW = 1_800_000_000.0
ISSUER = "https://op.example"
CLIENT = "client-1"
SECRET = "a-client-secret-of-at-least-32-octets!"


@pytest.fixture(scope="module")
def rsa() -> jose.Key:
    return jose.generate_key("RSA")


@pytest.fixture(scope="module")
def jwks(rsa: jose.Key) -> jose.JWKS:
    return jose.JWKS.from_keys([rsa])


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"iss": ISSUER, "sub": "user-1", "aud": CLIENT, "exp": NOW + 300, "iat": NOW,
                            "nonce": "n-1"}
    for name, value in changes.items():
        if value is jose.REMOVE:
            base.pop(name, None)
        else:
            base[name] = value
    return base


def sign(body: dict[str, Any], key: jose.Key, alg: str = "RS256", **header: Any) -> str:
    return jose.sign_jws({"alg": alg, "kid": key.get("kid"), **header}, body, key)


def expect(jwks: jose.JWKS | None, **kw: Any) -> o.IdTokenExpectations:
    return o.IdTokenExpectations(issuer=ISSUER, client_id=CLIENT, keys=jwks, nonce="n-1", **kw)


# --- pipeline ---------------------------------------------------------------------------------

def test_valid_id_token_has_no_findings(rsa: jose.Key, jwks: jose.JWKS) -> None:
    decoded, findings = o.validate_id_token(sign(claims(), rsa), expect(jwks), now=NOW + 5)
    assert decoded is not None and decoded.claims["sub"] == "user-1"
    assert findings.items == []
    findings.raise_if_any()


def test_pipeline_collects_every_problem(rsa: jose.Key, jwks: jose.JWKS) -> None:
    bad = claims(iss="https://evil.example", aud=["other"], exp=NOW - 600, nonce="n-2", sub="é")
    decoded, findings = o.validate_id_token(sign(bad, rsa), expect(jwks), now=NOW)
    assert decoded is not None
    found = {f.code for f in findings.items}
    assert {"ID_TOKEN_ISS_MISMATCH", "ID_TOKEN_AUD_MISMATCH", "ID_TOKEN_EXPIRED", "ID_TOKEN_NONCE_MISMATCH",
            "ID_TOKEN_SUB_NOT_ASCII"} <= found


def test_pipeline_garbage_token(jwks: jose.JWKS) -> None:
    decoded, findings = o.validate_id_token("not-a-jwt", expect(jwks), now=NOW)
    assert decoded is None and [f.code for f in findings.items] == ["ID_TOKEN_MALFORMED"]


def test_pipeline_reports_signature_and_still_checks_claims(rsa: jose.Key, jwks: jose.JWKS) -> None:
    other = jose.generate_key("RSA", label="other")
    token = jose.sign_jws({"alg": "RS256", "kid": rsa.get("kid")}, claims(nonce="zzz"), other)
    _, findings = o.validate_id_token(token, expect(jwks), now=NOW)
    assert {f.code for f in findings.items} == {"ID_TOKEN_SIGNATURE_INVALID", "ID_TOKEN_NONCE_MISMATCH"}


def test_pipeline_small_rsa_key(jwks: jose.JWKS) -> None:
    small = jose.generate_key("RSA-1024")
    _, findings = o.validate_id_token(sign(claims(), small), expect(jose.JWKS.from_keys([small])), now=NOW)
    assert [f.code for f in findings.items] == ["RSA_KEY_TOO_SMALL"]


def test_pipeline_hybrid_hashes(rsa: jose.Key, jwks: jose.JWKS) -> None:
    at, code = "access-token-value", "authorization-code-value"
    body = claims(at_hash=jose.half_hash(at, "RS256"), c_hash=jose.half_hash(code, "RS256"))
    exp = expect(jwks, access_token=at, code=code, response_type="code id_token token",
                 from_authorization_endpoint=True)
    assert o.validate_id_token(sign(body, rsa), exp, now=NOW)[1].items == []
    _, findings = o.validate_id_token(sign(claims(), rsa), exp, now=NOW)
    found = {(f.code, f.requirement) for f in findings.items}
    assert found == {("ID_TOKEN_AT_HASH_MISSING", "OIDCC-3.3.2.11-at_hash"),
                     ("ID_TOKEN_C_HASH_MISSING", "OIDCC-3.3.2.11-c_hash")}


def test_pipeline_hashes_optional_from_token_endpoint(rsa: jose.Key, jwks: jose.JWKS) -> None:
    exp = expect(jwks, access_token="at", code="c")
    assert o.validate_id_token(sign(claims(), rsa), exp, now=NOW)[1].items == []
    _, findings = o.validate_id_token(sign(claims(at_hash="wrong"), rsa), exp, now=NOW)
    assert [(f.code, f.requirement) for f in findings.items] == [("ID_TOKEN_AT_HASH_MISMATCH", "OIDCC-3.2.2.9")]


def test_pipeline_implicit_requires_at_hash(rsa: jose.Key, jwks: jose.JWKS) -> None:
    exp = expect(jwks, access_token="at", response_type="id_token token", from_authorization_endpoint=True)
    _, findings = o.validate_id_token(sign(claims(), rsa), exp, now=NOW)
    assert [(f.code, f.requirement) for f in findings.items] == [("ID_TOKEN_AT_HASH_MISSING", "OIDCC-3.2.2.10")]


def test_pipeline_eddsa_hash_uses_sha512() -> None:
    ed = jose.generate_key("Ed25519")
    body = claims(at_hash=jose.half_hash("at", "EdDSA"))
    exp = expect(jose.JWKS.from_keys([ed]), allowed_algs=("EdDSA",), access_token="at")
    assert o.validate_id_token(sign(body, ed, "EdDSA"), exp, now=NOW)[1].items == []
    assert len(body["at_hash"]) == 43  # half of a 64-octet SHA-512 digest


def test_pipeline_hs256_uses_client_secret() -> None:
    secret_key = jose.secret_key(SECRET)
    token = jose.sign_jws({"alg": "HS256"}, claims(), secret_key)
    exp = expect(None, allowed_algs=("HS256",), client_secret=SECRET)
    assert o.validate_id_token(token, exp, now=NOW)[1].items == []
    _, findings = o.validate_id_token(token, replace(exp, client_secret="wrong"), now=NOW)
    assert [f.code for f in findings.items] == ["ID_TOKEN_SIGNATURE_INVALID"]


def test_hs256_for_a_client_without_secret_is_a_target_fault(rsa: jose.Key, jwks: jose.JWKS,
                                                             fails: Callable[..., Finding]) -> None:
    # issue 14 item 7: the token cannot be validated by any client, a failed finding, never "harness error"
    token = jose.sign_jws({"alg": "HS256"}, claims(), jose.secret_key(SECRET))
    exp = expect(jwks, allowed_algs=("RS256",), expected_alg="RS256", client_secret=None)
    _, findings = o.validate_id_token(token, exp, now=NOW)
    assert {f.code for f in findings.items} == {"ID_TOKEN_ALG_UNEXPECTED", "ID_TOKEN_HS_WITHOUT_CLIENT_SECRET"}
    assert all(f.level is Level.MUST for f in findings.items)
    fails(o.check_id_token_signature, token, jwks, allowed_algs=("RS256",), expected_alg="RS256",
          code="ID_TOKEN_HS_WITHOUT_CLIENT_SECRET", req="OIDCC-10.1-symmetric", level=Level.MUST)
    fails(o.check_id_token_signature, token, jwks, allowed_algs=("RS256",), public_client=True,
          code="ID_TOKEN_HS_FOR_PUBLIC_CLIENT", req="OIDCC-10.1-symmetric", level=Level.MUST)
    # a client that has a secret: the HS256 token verifies, only the algorithm is wrong
    f = fails(o.check_id_token_signature, token, jwks, allowed_algs=("RS256",), expected_alg="RS256",
              client_secret=SECRET, code="ID_TOKEN_ALG_UNEXPECTED", req="OIDCR-2-id_token_signed_response_alg")
    assert f.actual == "HS256"


def test_pipeline_asymmetric_without_keys_is_broken(rsa: jose.Key) -> None:
    with pytest.raises(HarnessError):
        o.validate_id_token(sign(claims(), rsa), expect(None), now=NOW)


# --- encryption (rule 1) ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def enc_key() -> jose.Key:
    return jose.generate_key("RSA", label="client-enc", use="enc")


def encrypted(inner: str, key: jose.Key, alg: str = "RSA-OAEP-256", enc: str = "A256GCM") -> str:
    return jose.encrypt_jwe(inner, key, alg, enc, header_extra={"cty": "JWT", "iss": ISSUER, "aud": CLIENT})


def test_encrypted_id_token_decrypts(rsa: jose.Key, jwks: jose.JWKS, enc_key: jose.Key) -> None:
    exp = expect(jwks, decryption_keys=jose.JWKS.from_keys([enc_key]), encryption_alg="RSA-OAEP-256",
                 encryption_enc="A256GCM")
    decoded, findings = o.validate_id_token(encrypted(sign(claims(), rsa), enc_key), exp, now=NOW)
    assert findings.items == [] and decoded is not None


def test_encryption_mismatches_are_reported_but_decrypted(rsa: jose.Key, jwks: jose.JWKS, enc_key: jose.Key) -> None:
    exp = expect(jwks, decryption_keys=jose.JWKS.from_keys([enc_key]), encryption_alg="RSA-OAEP-256",
                 encryption_enc="A256GCM")
    token = encrypted(sign(claims(), rsa), enc_key, "RSA-OAEP", "A128CBC-HS256")
    decoded, findings = o.validate_id_token(token, exp, now=NOW)
    assert {f.code for f in findings.items} == {"ID_TOKEN_ENC_ALG_MISMATCH", "ID_TOKEN_ENC_ENC_MISMATCH"}
    assert decoded is not None


def test_not_encrypted_when_registered(rsa: jose.Key, jwks: jose.JWKS, enc_key: jose.Key,
                                       fails: Callable[..., Finding]) -> None:
    fails(o.check_id_token_encryption, sign(claims(), rsa), expected_alg="RSA-OAEP-256", expected_enc=None,
          code="ID_TOKEN_NOT_ENCRYPTED", req="OIDCR-2-id_token_encrypted_response_alg", level=Level.MUST)
    exp = expect(jwks, decryption_keys=jose.JWKS.from_keys([enc_key]), encryption_alg="RSA-OAEP-256")
    _, findings = o.validate_id_token(sign(claims(), rsa), exp, now=NOW)
    assert [f.code for f in findings.items] == ["ID_TOKEN_NOT_ENCRYPTED"]


def test_encrypted_without_registration(rsa: jose.Key, jwks: jose.JWKS, enc_key: jose.Key,
                                        fails: Callable[..., Finding]) -> None:
    token = encrypted(sign(claims(), rsa), enc_key)
    fails(o.check_id_token_encryption, token, expected_alg=None, expected_enc=None,
          code="ID_TOKEN_UNEXPECTEDLY_ENCRYPTED", req="OIDCR-2-id_token_encrypted_response_alg")
    decoded, findings = o.validate_id_token(token, expect(jwks), now=NOW)
    assert decoded is None and [f.code for f in findings.items] == ["ID_TOKEN_UNEXPECTEDLY_ENCRYPTED"]


def test_decryption_failure(rsa: jose.Key, jwks: jose.JWKS, enc_key: jose.Key) -> None:
    stranger = jose.generate_key("RSA", label="stranger-enc", use="enc")
    exp = expect(jwks, decryption_keys=jose.JWKS.from_keys([enc_key]), encryption_alg="RSA-OAEP-256",
                 encryption_enc="A256GCM")
    decoded, findings = o.validate_id_token(encrypted(sign(claims(), rsa), stranger), exp, now=NOW)
    assert decoded is None and [f.code for f in findings.items] == ["ID_TOKEN_DECRYPTION_FAILED"]
    with pytest.raises(HarnessError):
        o.validate_id_token(encrypted(sign(claims(), rsa), enc_key), replace(exp, decryption_keys=None), now=NOW)


def test_encrypted_payload_must_be_signed(jwks: jose.JWKS, enc_key: jose.Key) -> None:
    exp = expect(jwks, decryption_keys=jose.JWKS.from_keys([enc_key]), encryption_alg="RSA-OAEP-256",
                 encryption_enc="A256GCM")
    token = jose.encrypt_jwe('{"iss": "x"}', enc_key, "RSA-OAEP-256", "A256GCM")
    decoded, findings = o.validate_id_token(token, exp, now=NOW)
    assert decoded is None and [f.code for f in findings.items] == ["ID_TOKEN_MALFORMED"]


# --- signature (rules 6-8, §2, §10.1) ---------------------------------------------------------

def test_signature_rules_pass(rsa: jose.Key, jwks: jose.JWKS) -> None:
    decoded = o.check_id_token_signature(sign(claims(), rsa), jwks, allowed_algs=["RS256"], expected_alg="RS256")
    assert decoded.alg == "RS256"
    assert o.check_id_token_key_size(decoded, jwks) == 2048


def test_alg_none_refused_unless_allowed(jwks: jose.JWKS, fails: Callable[..., Finding]) -> None:
    token = jose.sign_unsecured(None, claims())
    fails(o.check_id_token_signature, token, jwks, allowed_algs=["RS256"], code="ID_TOKEN_UNSIGNED", req="OIDCC-2-none")
    assert o.check_id_token_signature(token, jwks, allowed_algs=["none"]).alg == "none"


def test_registered_alg_is_a_must(rsa: jose.Key, jwks: jose.JWKS, fails: Callable[..., Finding]) -> None:
    fails(o.check_id_token_signature, sign(claims(), rsa, "PS256"), jwks, allowed_algs=["RS256", "PS256"],
          expected_alg="RS256", code="ID_TOKEN_ALG_UNEXPECTED", req="OIDCR-2-id_token_signed_response_alg",
          level=Level.MUST)
    fails(o.check_id_token_signature, sign(claims(), rsa, "PS256"), jwks, allowed_algs=["RS256"],
          expected_alg="RS256", alg_requirement="DOC-id_token_signing_alg", code="ID_TOKEN_ALG_UNEXPECTED",
          req="DOC-id_token_signing_alg")


def test_unlisted_alg_is_a_warning_and_still_verified(rsa: jose.Key, jwks: jose.JWKS, fails: Callable[..., Finding],
                                                      codes: Callable[..., list[str]]) -> None:
    fails(o.check_id_token_signature, sign(claims(), rsa, "PS256"), jwks, allowed_algs=["RS256"],
          code="ID_TOKEN_ALG_NOT_ALLOWED", req="OIDCC-3.1.3.7-7", level=Level.SHOULD)
    forged = jose.sign_jws({"alg": "PS256", "kid": rsa.get("kid")}, claims(), jose.generate_key("RSA", label="x"))
    assert set(codes(o.check_id_token_signature, forged, jwks, allowed_algs=["RS256"])) == {
        "ID_TOKEN_ALG_NOT_ALLOWED", "ID_TOKEN_SIGNATURE_INVALID"}


def test_unknown_kid(rsa: jose.Key, jwks: jose.JWKS, fails: Callable[..., Finding]) -> None:
    token = jose.sign_jws({"alg": "RS256", "kid": "rotated-away"}, claims(), rsa)
    fails(o.check_id_token_signature, token, jwks, allowed_algs=["RS256"], code="ID_TOKEN_KID_UNKNOWN",
          req="OIDCC-3.1.3.7-6")


def test_kid_required_with_several_keys(rsa: jose.Key, fails: Callable[..., Finding]) -> None:
    several = jose.JWKS.from_keys([rsa, jose.generate_key("EC")])
    token = jose.sign_jws({"alg": "RS256"}, claims(), rsa)
    fails(o.check_id_token_signature, token, several, allowed_algs=["RS256"], code="ID_TOKEN_KID_MISSING",
          req="OIDCC-10.1-kid")
    o.check_id_token_signature(token, jose.JWKS.from_keys([rsa]), allowed_algs=["RS256"])


def test_ambiguous_kid(rsa: jose.Key, fails: Callable[..., Finding]) -> None:
    twin = jose.import_jwk(jose.public_jwk(jose.generate_key("RSA", label="twin")) | {"kid": rsa.get("kid")})
    token = sign(claims(), rsa)
    fails(o.check_id_token_signature, token, jose.JWKS.from_keys([rsa, twin]), allowed_algs=["RS256"],
          code="ID_TOKEN_KEY_AMBIGUOUS", req="OIDCC-10.1-kid")


def test_wrong_key_type(rsa: jose.Key, fails: Callable[..., Finding]) -> None:
    ec = jose.generate_key("EC")
    token = jose.sign_jws({"alg": "ES256", "kid": rsa.get("kid")}, claims(), ec)
    fails(o.check_id_token_signature, token, jose.JWKS.from_keys([rsa]), allowed_algs=["ES256"],
          code="ID_TOKEN_NO_SUITABLE_KEY", req="OIDCC-3.1.3.7-6")


def test_signature_check_input_errors(jwks: jose.JWKS, enc_key: jose.Key, fails: Callable[..., Finding]) -> None:
    fails(o.check_id_token_signature, "a.b", jwks, allowed_algs=["RS256"], code="ID_TOKEN_MALFORMED")
    with pytest.raises(HarnessError):
        o.check_id_token_signature(encrypted("x.y.z", enc_key), jwks, allowed_algs=["RS256"])


# --- claims -----------------------------------------------------------------------------------

def test_issuer(fails: Callable[..., Finding]) -> None:
    o.check_id_token_issuer(claims(), ISSUER)
    fails(o.check_id_token_issuer, claims(iss=ISSUER + "/"), ISSUER, code="ID_TOKEN_ISS_MISMATCH",
          req="OIDCC-3.1.3.7-2")
    fails(o.check_id_token_issuer, claims(iss=jose.REMOVE), ISSUER, code="ID_TOKEN_ISS_MISSING", req="OIDCC-2-iss")


@pytest.mark.parametrize(("aud", "trusted", "expected"), [
    (jose.REMOVE, (), "ID_TOKEN_AUD_MISSING"),
    (42, (), "ID_TOKEN_AUD_INVALID"),
    ([], (), "ID_TOKEN_AUD_INVALID"),
    ("other", (), "ID_TOKEN_AUD_MISMATCH"),
    ([CLIENT, "api"], (), "ID_TOKEN_AUD_UNTRUSTED"),
])
def test_audience_failures(fails: Callable[..., Finding], aud: object, trusted: tuple[str, ...], expected: str) -> None:
    fails(o.check_id_token_audience, claims(aud=aud), CLIENT, trusted_audiences=trusted, code=expected)


def test_audience_passes() -> None:
    o.check_id_token_audience(claims(aud=[CLIENT]), CLIENT)
    o.check_id_token_audience(claims(aud=[CLIENT, "api"]), CLIENT, trusted_audiences=["api"])


def test_azp(fails: Callable[..., Finding]) -> None:
    o.check_id_token_azp(claims(), CLIENT)
    o.check_id_token_azp(claims(azp=CLIENT, aud=[CLIENT, "api"]), CLIENT)
    fails(o.check_id_token_azp, claims(azp="other"), CLIENT, code="ID_TOKEN_AZP_MISMATCH", req="OIDCC-2-azp",
          level=Level.MUST)
    # errata set 2: several audiences without azp are legitimate (rule 3 judges the audiences)
    o.check_id_token_azp(claims(aud=[CLIENT, "api"]), CLIENT)


def test_expiry(fails: Callable[..., Finding]) -> None:
    o.check_id_token_expiry(claims(exp=NOW - 30), now=NOW)  # within leeway
    fails(o.check_id_token_expiry, claims(exp=NOW - 60), now=NOW, code="ID_TOKEN_EXPIRED", req="OIDCC-3.1.3.7-9")
    fails(o.check_id_token_expiry, claims(exp=NOW + 10), now=NOW + 100, leeway=0, code="ID_TOKEN_EXPIRED")
    fails(o.check_id_token_expiry, claims(exp=jose.REMOVE), now=NOW, code="ID_TOKEN_EXP_MISSING", req="OIDCC-2-exp")
    fails(o.check_id_token_expiry, claims(exp="soon"), now=NOW, code="ID_TOKEN_EXP_INVALID")


def test_iat(fails: Callable[..., Finding], codes: Callable[..., list[str]]) -> None:
    o.check_id_token_iat(claims(iat=NOW + 30), now=NOW)
    fails(o.check_id_token_iat, claims(iat=jose.REMOVE), now=NOW, code="ID_TOKEN_IAT_MISSING", req="OIDCC-2-iat")
    fails(o.check_id_token_iat, claims(iat=True), now=NOW, code="ID_TOKEN_IAT_INVALID")
    fails(o.check_id_token_iat, claims(iat=NOW + 3600, exp=NOW + 7200), now=NOW, code="ID_TOKEN_IAT_IN_FUTURE",
          req="OIDCC-3.1.3.7-10", level=Level.MAY)
    fails(o.check_id_token_iat, claims(iat=NOW - 3600), now=NOW, code="ID_TOKEN_IAT_TOO_OLD", level=Level.MAY)
    assert codes(o.check_id_token_iat, claims(exp=NOW), now=NOW) == ["ID_TOKEN_EXP_NOT_AFTER_IAT"]


def test_nonce(fails: Callable[..., Finding]) -> None:
    o.check_id_token_nonce(claims(), "n-1")
    o.check_id_token_nonce(claims(nonce=jose.REMOVE), None)
    fails(o.check_id_token_nonce, claims(nonce=jose.REMOVE), "n-1", code="ID_TOKEN_NONCE_MISSING",
          req="OIDCC-3.1.3.7-11")
    fails(o.check_id_token_nonce, claims(), "n-2", code="ID_TOKEN_NONCE_MISMATCH", req="OIDCC-3.1.3.7-11")


def test_sub(fails: Callable[..., Finding]) -> None:
    assert o.check_id_token_sub(claims(sub="x" * 255)) == "x" * 255
    fails(o.check_id_token_sub, claims(sub="x" * 256), code="ID_TOKEN_SUB_TOO_LONG", req="OIDCC-2-sub_length")
    fails(o.check_id_token_sub, claims(sub="usér"), code="ID_TOKEN_SUB_NOT_ASCII")
    fails(o.check_id_token_sub, claims(sub=jose.REMOVE), code="ID_TOKEN_SUB_MISSING")
    fails(o.check_id_token_sub, claims(sub=""), code="ID_TOKEN_SUB_INVALID")
    fails(o.check_id_token_sub, claims(sub=123), code="ID_TOKEN_SUB_INVALID")


def test_auth_time(fails: Callable[..., Finding]) -> None:
    o.check_id_token_auth_time(claims(), now=NOW)
    o.check_id_token_auth_time(claims(auth_time=NOW - 100), now=NOW, max_age=300)
    fails(o.check_id_token_auth_time, claims(), now=NOW, max_age=300, code="ID_TOKEN_AUTH_TIME_MISSING",
          req="OIDCC-2-auth_time")
    fails(o.check_id_token_auth_time, claims(), now=NOW, essential=True, code="ID_TOKEN_AUTH_TIME_MISSING")
    fails(o.check_id_token_auth_time, claims(auth_time=NOW - 1000), now=NOW, max_age=300,
          code="ID_TOKEN_AUTH_TIME_TOO_OLD", req="OIDCC-3.1.2.1-max_age", level=Level.MUST)
    fails(o.check_id_token_auth_time, claims(auth_time="x"), now=NOW, code="ID_TOKEN_AUTH_TIME_INVALID")
    fails(o.check_id_token_auth_time, claims(auth_time=NOW + 600), now=NOW, code="ID_TOKEN_AUTH_TIME_IN_FUTURE",
          level=Level.SHOULD)


def test_acr(fails: Callable[..., Finding]) -> None:
    o.check_id_token_acr(claims(acr="urn:mace:incommon:iap:silver"), requested=["urn:mace:incommon:iap:silver"],
                         essential=True)
    o.check_id_token_acr(claims())
    fails(o.check_id_token_acr, claims(), requested=["gold"], essential=True, code="ID_TOKEN_ACR_MISSING",
          req="OIDCC-5.5.1.1-essential", level=Level.MUST)
    fails(o.check_id_token_acr, claims(acr="bronze"), requested=["gold"], essential=True,
          code="ID_TOKEN_ACR_NOT_REQUESTED", req="OIDCC-5.5.1.1-essential")
    fails(o.check_id_token_acr, claims(), requested=["gold"], code="ID_TOKEN_ACR_MISSING", level=Level.SHOULD)
    fails(o.check_id_token_acr, claims(), essential=True, code="ID_TOKEN_ACR_MISSING", level=Level.SHOULD)
    o.check_id_token_acr(claims(acr="bronze"), requested=["gold"])  # voluntary: the session's acr


def test_hash_vectors(vector: Callable[[str], Any]) -> None:
    for case in vector("oidc_core_hashes")["cases"]:
        body = {case["claim"]: case["hash"]}
        check = o.check_at_hash if case["claim"] == "at_hash" else o.check_c_hash
        check(body, case["value"], case["alg"], required=True)


def test_hash_failures(fails: Callable[..., Finding]) -> None:
    fails(o.check_at_hash, {}, "at", "RS256", required=True, code="ID_TOKEN_AT_HASH_MISSING",
          req="OIDCC-3.3.2.11-at_hash")
    fails(o.check_at_hash, {"at_hash": "x"}, "at", "RS256", required=False, code="ID_TOKEN_AT_HASH_MISMATCH",
          req="OIDCC-3.2.2.9")
    fails(o.check_c_hash, {"c_hash": jose.half_hash("c", "RS256")}, "c", "RS384", required=True,
          code="ID_TOKEN_C_HASH_MISMATCH", req="OIDCC-3.3.2.10")
    o.check_c_hash({}, "c", "RS256", required=False)


def test_userinfo_sub(fails: Callable[..., Finding]) -> None:
    o.check_userinfo_sub({"sub": "user-1", "email": "a@b"}, claims())
    fails(o.check_userinfo_sub, {"email": "a@b"}, claims(), code="USERINFO_SUB_MISSING", req="OIDCC-5.3.2-sub")
    fails(o.check_userinfo_sub, {"sub": "USER-1"}, claims(), code="USERINFO_SUB_MISMATCH", req="OIDCC-5.3.2-sub_match")


def test_sub_stable(fails: Callable[..., Finding]) -> None:
    o.check_sub_stable("a", "a")
    fails(o.check_sub_stable, "a", "b", code="ID_TOKEN_SUB_CHANGED", req="OIDCC-5.7")


# --- prompt=none ------------------------------------------------------------------------------

@pytest.mark.parametrize("error", sorted(o.PROMPT_NONE_ERRORS))
def test_login_required_family_passes(error: str) -> None:
    assert o.check_login_required_error({"error": error, "state": "s"}) == error


def test_login_required_failures(fails: Callable[..., Finding]) -> None:
    fails(o.check_login_required_error, {"code": "abc", "state": "s"}, code="ERROR_MISSING",
          req="OIDCC-3.1.2.1-prompt_none", level=Level.MUST)
    # the error is only "typically" login_required & co.: another code is a warning
    fails(o.check_login_required_error, {"error": "invalid_request"}, code="ERROR_UNEXPECTED",
          req="OIDCC-3.1.2.1-prompt_none", level=Level.SHOULD)
    fails(o.check_login_required_error, {"error": "interaction_required"}, accepted={"login_required"},
          code="ERROR_UNEXPECTED")


def test_prompt_none_no_ui(fails: Callable[..., Finding]) -> None:
    o.check_prompt_none_no_ui(302, "https://client.example/cb?error=login_required", "https://client.example/cb")
    fails(o.check_prompt_none_no_ui, 200, None, "https://client.example/cb", code="PROMPT_NONE_SHOWED_UI",
          req="OIDCC-3.1.2.1-prompt_none")
    fails(o.check_prompt_none_no_ui, 302, "https://op.example/login", "https://client.example/cb",
          code="PROMPT_NONE_SHOWED_UI")


INSIDE = "https://rp.example/cb"
OUTSIDE = "https://attacker.example/outside"


def test_request_object_redirect_uri_code_at_inside_passes() -> None:
    assert "code" in o.check_request_object_redirect_uri_used(landed=INSIDE + "?code=c&state=s",
                                                              params={"code": "c"}, inside=INSIDE, outside=OUTSIDE)


def test_request_object_redirect_uri_error_page_accepted() -> None:
    assert "error page" in o.check_request_object_redirect_uri_used(landed=None, params={}, inside=INSIDE,
                                                                    outside=OUTSIDE)


@pytest.mark.parametrize(("landed", "params", "code"), [
    (OUTSIDE + "?code=c", {"code": "c"}, "REQUEST_OBJECT_OUTSIDE_REDIRECT_URI_USED"),
    ("https://elsewhere.example/cb?code=c", {"code": "c"}, "REQUEST_OBJECT_REDIRECT_URI_NOT_USED"),
    (INSIDE + "?error=invalid_request", {"error": "invalid_request"}, "REQUEST_OBJECT_REDIRECT_URI_NOT_USED"),
])
def test_request_object_redirect_uri_not_used_fails(landed: str, params: dict[str, str], code: str) -> None:
    with pytest.raises(CheckFailed) as err:
        o.check_request_object_redirect_uri_used(landed=landed, params=params, inside=INSIDE, outside=OUTSIDE)
    assert err.value.findings[0].code == code
    assert err.value.findings[0].requirement == "OIDCC-6.3.3"


def test_s_hash_matching_passes() -> None:
    o.check_s_hash({"s_hash": jose.half_hash("state-1", "RS256")}, "state-1", "RS256")


@pytest.mark.parametrize(("claims", "code"), [
    ({}, "ID_TOKEN_S_HASH_MISSING"),
    ({"s_hash": "not-the-hash"}, "ID_TOKEN_S_HASH_MISMATCH"),
])
def test_s_hash_missing_or_wrong_fails(claims: dict[str, Any], code: str) -> None:
    with pytest.raises(CheckFailed) as err:
        o.check_s_hash(claims, "state-1", "RS256")
    assert (err.value.findings[0].code, err.value.findings[0].requirement) == (code, "FAPI1ADV-5.2.2.1-5")
    assert err.value.findings[0].level is Level.MUST
