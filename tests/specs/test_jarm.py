from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness import jose
from harness.results import Finding, Level
from harness.specs import jarm as p

ISSUER = "https://op.example.test"
NOW = 1_700_000_000
GOOD = {"iss": ISSUER, "aud": "client-1", "exp": NOW + 120, "code": "c0de", "state": "s1"}


def _claims(**changes: Any) -> dict[str, Any]:
    out = dict(GOOD)
    for name, value in changes.items():
        if value is jose.REMOVE:
            out.pop(name, None)
        else:
            out[name] = value
    return out


@pytest.mark.parametrize(("mode", "response_type", "where"), [
    ("jwt", "code", "query"), ("jwt", "code id_token", "fragment"), ("jwt", "code token", "fragment"),
    ("jwt", "id_token", "fragment"), ("jwt", "none", "query"),
    ("query.jwt", "code", "query"), ("fragment.jwt", "code", "fragment"), ("form_post.jwt", "code", "form_post"),
])
def test_expected_delivery(mode: str, response_type: str, where: str) -> None:
    assert p.expected_delivery(mode, response_type) == where
    p.check_delivery(mode, response_type, where, {"response": "x"})


def test_expected_delivery_rejects_other_modes() -> None:
    with pytest.raises(ValueError):
        p.expected_delivery("query", "code")


def test_delivery_failures(fails: Callable[..., Finding]) -> None:
    fails(p.check_delivery, "fragment.jwt", "code", "query", {"response": "x"}, code="JARM_WRONG_DELIVERY",
          req="JARM-2.3.2")
    fails(p.check_delivery, "form_post.jwt", "code", "query", {"response": "x"}, code="JARM_WRONG_DELIVERY",
          req="JARM-2.3.3")
    fails(p.check_delivery, "query.jwt", "code", "query", {"response": "x", "code": "c"},
          code="JARM_PARAMETERS_OUTSIDE_JWT", req="JARM-2.3.1")
    p.check_delivery("query.jwt", "code", "query", {"response": "x", "state": "s", "iss": ISSUER})


def test_response_claims_pass() -> None:
    assert p.check_response_claims(GOOD, issuer=ISSUER, client_id="client-1", state="s1", now=NOW) == "c0de"
    p.check_response_claims(_claims(aud=["client-1", "other"]), issuer=ISSUER, client_id="client-1", state="s1",
                            now=NOW)
    p.check_response_claims(_claims(state=jose.REMOVE), issuer=ISSUER, client_id="client-1", state=None, now=NOW)


@pytest.mark.parametrize(("changes", "code", "level"), [
    ({"iss": jose.REMOVE}, "JARM_ISS_MISSING", Level.MUST),
    ({"iss": "https://evil.example.test"}, "JARM_ISS_MISMATCH", Level.MUST),
    ({"aud": jose.REMOVE}, "JARM_AUD_MISSING", Level.MUST),
    ({"aud": "other-client"}, "JARM_AUD_MISMATCH", Level.MUST),
    ({"exp": jose.REMOVE}, "JARM_EXP_MISSING", Level.MUST),
    ({"exp": "soon"}, "JARM_EXP_INVALID", Level.MUST),
    ({"exp": NOW - 1}, "JARM_EXPIRED", Level.MUST),
    ({"exp": NOW + 86400}, "JARM_LIFETIME_LONG", Level.SHOULD),
    ({"code": jose.REMOVE}, "JARM_CODE_MISSING", Level.MUST),
    ({"state": jose.REMOVE}, "JARM_STATE_MISSING", Level.MUST),
    ({"state": "other"}, "JARM_STATE_MISMATCH", Level.MUST),
])
def test_response_claims_failures(fails: Callable[..., Finding], changes: dict[str, Any], code: str,
                                  level: Any) -> None:
    fails(p.check_response_claims, _claims(**changes), issuer=ISSUER, client_id="client-1", state="s1", now=NOW,
          code=code, level=level)


def test_error_claims(fails: Callable[..., Finding]) -> None:
    error = _claims(code=jose.REMOVE, error="access_denied")
    assert p.check_error_claims(error, issuer=ISSUER, client_id="client-1", state="s1",
                                expected_errors={"access_denied"}, now=NOW) == "access_denied"
    fails(p.check_error_claims, _claims(code=jose.REMOVE), issuer=ISSUER, client_id="client-1", state="s1",
          expected_errors={"access_denied"}, now=NOW, code="JARM_ERROR_MISSING")
    fails(p.check_error_claims, _claims(code=jose.REMOVE, error="server_error"), issuer=ISSUER,
          client_id="client-1", state="s1", expected_errors={"access_denied"}, now=NOW, code="JARM_ERROR_UNEXPECTED")
    fails(p.check_error_claims, _claims(error="access_denied"), issuer=ISSUER, client_id="client-1", state="s1",
          expected_errors={"access_denied"}, now=NOW, code="JARM_ERROR_HAS_CODE")
    fails(p.check_error_claims, _claims(code=jose.REMOVE, error="access_denied", iss=jose.REMOVE), issuer=ISSUER,
          client_id="client-1", state="s1", expected_errors={"access_denied"}, now=NOW, code="JARM_ISS_MISSING")


@pytest.fixture(scope="module")
def signer() -> tuple[jose.Key, jose.JWKS]:
    key = jose.generate_key("RSA", label="jarm-test")
    return key, jose.JWKS.from_keys([key])


def _signed(key: jose.Key, alg: str = "RS256", claims: dict[str, Any] = GOOD,
            header: dict[str, Any] | None = None) -> Any:
    token = jose.sign_jws({"alg": alg, "kid": key.get("kid"), **(header or {})}, claims, key, alg=alg)
    return jose.decode_unverified(token)


ALGS = ("RS256", "PS256", "ES256")


def test_signature_passes(signer: tuple[jose.Key, jose.JWKS]) -> None:
    key, keys = signer
    p.check_signature(_signed(key), keys, expected_alg="RS256", documented=True, allowed_algs=ALGS)
    p.check_signature(_signed(key, "PS256"), keys, expected_alg="PS256", documented=False, allowed_algs=ALGS)


def test_signature_failures(fails: Callable[..., Finding], signer: tuple[jose.Key, jose.JWKS]) -> None:
    key, keys = signer
    fails(p.check_signature, _signed(key, "PS256"), keys, expected_alg="RS256", documented=True, allowed_algs=ALGS,
          code="JARM_ALG_UNEXPECTED", req="DOC-jarm_signing_alg")
    fails(p.check_signature, _signed(key, "PS256"), keys, expected_alg="RS256", documented=False, allowed_algs=ALGS,
          code="JARM_ALG_UNEXPECTED", req="JARM-3")
    unsigned = jose.decode_unverified(jose.sign_unsecured(None, GOOD))
    fails(p.check_signature, unsigned, keys, expected_alg="RS256", documented=True, allowed_algs=ALGS,
          code="JARM_UNSIGNED")
    good = _signed(key)
    head, body, signature = good.compact.split(".")
    broken = jose.decode_unverified(f"{head}.{body}.{('B' if signature[0] == 'A' else 'A') + signature[1:]}")
    fails(p.check_signature, broken, keys, expected_alg="RS256", documented=True, allowed_algs=ALGS,
          code="JARM_SIGNATURE_INVALID")
    other = jose.generate_key("RSA", label="jarm-test-other")
    fails(p.check_signature, _signed(other), keys, expected_alg="RS256", documented=True, allowed_algs=ALGS,
          code="JARM_KID_UNKNOWN")
    fails(p.check_signature, _signed(jose.generate_key("oct"), "HS256"), keys, expected_alg="RS256",
          documented=True, allowed_algs=ALGS, code="JARM_ALG_NOT_ALLOWED")


def test_signature_hs(fails: Callable[..., Finding], signer: tuple[jose.Key, jose.JWKS]) -> None:
    _, keys = signer
    secret = "client-secret-" + "x" * 30
    good = jose.decode_unverified(jose.sign_jws({"alg": "HS256"}, GOOD, jose.secret_key(secret), alg="HS256"))
    p.check_signature(good, keys, expected_alg="HS256", documented=True, allowed_algs=ALGS, client_secret=secret)
    fails(p.check_signature, good, keys, expected_alg="HS256", documented=True, allowed_algs=ALGS,
          client_secret="another-secret-" + "y" * 30, code="JARM_SIGNATURE_INVALID")


def test_encryption(fails: Callable[..., Finding]) -> None:
    p.check_encryption({"alg": "RSA-OAEP-256", "enc": "A256GCM"}, expected_alg="RSA-OAEP-256", expected_enc="A256GCM")
    fails(p.check_encryption, None, expected_alg="RSA-OAEP-256", expected_enc="A256GCM", code="JARM_NOT_ENCRYPTED",
          req="DOC-jarm_encryption")
    fails(p.check_encryption, {"alg": "RSA-OAEP", "enc": "A256GCM"}, expected_alg="RSA-OAEP-256",
          expected_enc="A256GCM", code="JARM_ENC_ALG_MISMATCH")
    fails(p.check_encryption, {"alg": "RSA-OAEP-256", "enc": "A128GCM"}, expected_alg="RSA-OAEP-256",
          expected_enc="A256GCM", code="JARM_ENC_ENC_MISMATCH")


def test_jarm_required(fails: Callable[..., Finding]) -> None:
    p.check_jarm_required({"error": "invalid_request"}, response_jwt_present=False, redirected=True)
    p.check_jarm_required({}, response_jwt_present=True, redirected=True)
    p.check_jarm_required({}, response_jwt_present=False, redirected=False)
    fails(p.check_jarm_required, {"code": "c"}, response_jwt_present=False, redirected=True,
          code="JARM_NOT_REQUIRED", req="DOC-require_jarm")
    fails(p.check_jarm_required, {"error": "server_error"}, response_jwt_present=False, redirected=True,
          code="JARM_REQUIRED_WRONG_ERROR", level=Level.SHOULD)


def test_jarm_advertised(fails: Callable[..., Finding]) -> None:
    metadata = {"response_modes_supported": ["query", "fragment", *p.JARM_MODES],
                "authorization_signing_alg_values_supported": ["RS256"],
                "authorization_encryption_alg_values_supported": ["RSA-OAEP-256"],
                "authorization_encryption_enc_values_supported": ["A256GCM"]}
    p.check_jarm_advertised(metadata, working_modes=list(p.JARM_MODES), signing_alg="RS256",
                            encryption=("RSA-OAEP-256", "A256GCM"))
    p.check_jarm_advertised({}, working_modes=[])
    fails(p.check_jarm_advertised, {"response_modes_supported": ["query"]}, working_modes=["jwt"],
          code="JARM_MODES_NOT_ADVERTISED", level=Level.SHOULD, req="JARM-4-response_modes")
    fails(p.check_jarm_advertised, {}, working_modes=["query.jwt"], code="JARM_MODES_NOT_ADVERTISED")
    fails(p.check_jarm_advertised, metadata, working_modes=["jwt"], signing_alg="PS256",
          code="JARM_ALG_NOT_ADVERTISED", level=Level.SHOULD)
    fails(p.check_jarm_advertised, metadata, working_modes=["jwt"], encryption=("RSA-OAEP", "A256GCM"),
          code="JARM_ALG_NOT_ADVERTISED")


def test_jarm_advertised_but_not_working(fails: Callable[..., Finding]) -> None:
    metadata = {"response_modes_supported": ["query", "jwt", "query.jwt", "form_post.jwt"]}
    p.check_jarm_advertised(metadata, working_modes=["jwt", "query.jwt", "form_post.jwt"], tried_modes=p.JARM_MODES)
    f = fails(p.check_jarm_advertised, metadata, working_modes=["jwt", "query.jwt"], tried_modes=p.JARM_MODES,
              code="JARM_MODES_ADVERTISED_NOT_WORKING", level=Level.MUST)
    assert f.actual == ["form_post.jwt"]  # fragment.jwt is neither listed nor working: consistent
