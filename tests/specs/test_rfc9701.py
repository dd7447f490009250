from __future__ import annotations

from collections.abc import Callable

import pytest

from harness import jose
from harness.results import Finding
from harness.specs import rfc9701 as p

ISS = "https://op.example"
CLAIMS = {"iss": ISS, "aud": "rs1", "iat": 1_700_000_000, "token_introspection": {"active": True, "client_id": "c"}}
HEADER = {"alg": "RS256", "typ": "token-introspection+jwt"}


def test_media_type(fails: Callable[..., Finding]) -> None:
    p.check_jwt_response_media_type(200, {"Content-Type": "application/token-introspection+jwt; charset=utf-8"},
                                    documented=True)
    fails(p.check_jwt_response_media_type, 200, {"Content-Type": "application/json"}, documented=True,
          code="INTROSPECTION_JWT_MEDIA_TYPE", req="DOC-introspection.jwt_response")
    fails(p.check_jwt_response_media_type, 200, {"Content-Type": "application/json"}, documented=False,
          code="INTROSPECTION_JWT_MEDIA_TYPE", req="RFC9701-5")
    fails(p.check_jwt_response_media_type, 401, {}, documented=True, code="INTROSPECTION_JWT_STATUS")


@pytest.fixture(scope="module")
def key() -> jose.Key:
    return jose.generate_key("RSA", label="rfc9701-test")


def test_signature(fails: Callable[..., Finding], key: jose.Key) -> None:
    token = jose.sign_jws({**HEADER, "kid": key.get("kid")}, CLAIMS, key)
    jwks = jose.JWKS.from_keys([key])
    assert p.check_jwt_response_signature(token, jwks, expected_alg="RS256").claims == CLAIMS
    fails(p.check_jwt_response_signature, token, jwks, expected_alg="PS256", code="INTROSPECTION_JWT_ALG",
          req="DOC-introspection.jwt_signing_alg")
    fails(p.check_jwt_response_signature, jose.sign_unsecured(None, CLAIMS), jwks, expected_alg=None,
          code="INTROSPECTION_JWT_UNSIGNED")
    fails(p.check_jwt_response_signature, "not-a-jwt", jwks, expected_alg=None, code="INTROSPECTION_JWT_MALFORMED")
    other = jose.generate_key("RSA", label="rfc9701-other")
    fails(p.check_jwt_response_signature, token, jose.JWKS.from_keys([other]), expected_alg="RS256",
          code="INTROSPECTION_JWT_SIGNATURE", req="RFC9701-5-signed")


def test_claims(fails: Callable[..., Finding]) -> None:
    inner = p.check_jwt_response_claims(HEADER, CLAIMS, issuer=ISS, caller="rs1", expect_active=True)
    assert inner["client_id"] == "c"
    p.check_jwt_response_claims({"typ": "application/token-introspection+jwt"}, {**CLAIMS, "aud": ["x", "rs1"]},
                                issuer=ISS, caller="rs1")
    fails(p.check_jwt_response_claims, {"typ": "JWT"}, CLAIMS, issuer=ISS, caller="rs1", code="INTROSPECTION_JWT_TYP")
    fails(p.check_jwt_response_claims, HEADER, CLAIMS, issuer="https://x", caller="rs1", code="INTROSPECTION_JWT_ISS")
    fails(p.check_jwt_response_claims, HEADER, CLAIMS, issuer=ISS, caller="rs2", code="INTROSPECTION_JWT_AUD")
    fails(p.check_jwt_response_claims, HEADER, {k: v for k, v in CLAIMS.items() if k != "iat"}, issuer=ISS,
          caller="rs1", code="INTROSPECTION_JWT_IAT")
    fails(p.check_jwt_response_claims, HEADER, {**CLAIMS, "token_introspection": "x"}, issuer=ISS, caller="rs1",
          code="INTROSPECTION_JWT_NO_TOKEN_INTROSPECTION")
    fails(p.check_jwt_response_claims, HEADER, CLAIMS, issuer=ISS, caller="rs1", expect_active=False,
          code="INTROSPECTION_JWT_ACTIVE")
