"""UserInfo response judging (harness/specs/oidc_userinfo.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from harness import jose
from harness.results import Finding, Level
from harness.specs import oidc_userinfo as p

ISSUER = "https://as.example"
CLIENT = "client-1"
JSON = {"Content-Type": "application/json; charset=utf-8"}
JWT = {"Content-Type": "application/jwt"}


@pytest.fixture(scope="module")
def rsa() -> jose.Key:
    return jose.generate_key("RSA")


@pytest.fixture(scope="module")
def jwks(rsa: jose.Key) -> jose.JWKS:
    return jose.JWKS.from_keys([rsa])


def body(**claims: Any) -> bytes:
    return json.dumps({"sub": "user-1", **claims}).encode()


def test_json_response(fails: Callable[..., Finding]) -> None:
    assert p.check_userinfo_json(200, JSON, body(email="a@example.test"))["email"] == "a@example.test"
    fails(p.check_userinfo_json, 401, JSON, body(), code="USERINFO_REFUSED", req="OIDCC-5.3-bearer")
    fails(p.check_userinfo_json, 405, JSON, body(), accept_requirement="OIDCC-5.3-methods", code="USERINFO_REFUSED",
          req="OIDCC-5.3-methods")
    fails(p.check_userinfo_json, 200, {"Content-Type": "text/plain"}, body(), code="USERINFO_CONTENT_TYPE",
          req="OIDCC-5.3.2-content_type", level=Level.MUST)
    fails(p.check_userinfo_json, 200, JSON, b"[1]", code="USERINFO_NOT_JSON_OBJECT", req="OIDCC-5.3.2-json")
    fails(p.check_userinfo_json, 200, JSON, b"{}", code="USERINFO_SUB_MISSING", req="OIDCC-5.3.2-sub")
    fails(p.check_userinfo_json, 200, JSON, body(website=None, name=""), code="USERINFO_NULL_CLAIMS",
          req="OIDCC-5.3.2-omit_null", level=Level.SHOULD)


def _signed(key: jose.Key, alg: str = "RS256", **claims: Any) -> bytes:
    payload = {"sub": "user-1", "iss": ISSUER, "aud": CLIENT, **claims}
    return jose.sign_jws({"alg": alg, "kid": key.get("kid")}, payload, key).encode()


def test_jwt_response(fails: Callable[..., Finding], rsa: jose.Key, jwks: jose.JWKS) -> None:
    kw: dict[str, Any] = {"issuer": ISSUER, "client_id": CLIENT, "keys": jwks, "expected_alg": "RS256"}
    decoded = p.check_userinfo_jwt(200, JWT, _signed(rsa), **kw)
    assert decoded.claims["sub"] == "user-1"
    p.check_userinfo_jwt(200, JWT, _signed(rsa, aud=[CLIENT, "other"]), **kw)  # aud may include others
    fails(p.check_userinfo_jwt, 200, JSON, _signed(rsa), **kw, code="USERINFO_JWT_CONTENT_TYPE",
          req="OIDCC-5.3.2-jwt")
    fails(p.check_userinfo_jwt, 200, JSON, body(), **kw, code="USERINFO_NOT_SIGNED",
          req="OIDCR-2-userinfo_signed_response_alg")
    fails(p.check_userinfo_jwt, 200, JWT, _signed(rsa, alg="PS256"), **kw, code="USERINFO_ALG_UNEXPECTED",
          req="DOC-userinfo_signing_alg")
    other = jose.generate_key("RSA", label="other")
    fails(p.check_userinfo_jwt, 200, JWT, _signed(other), **kw, code="USERINFO_SIGNATURE_INVALID")
    fails(p.check_userinfo_jwt, 200, JWT, _signed(rsa, iss="https://evil.example"), **kw, code="USERINFO_JWT_ISS",
          req="OIDCC-5.3.2-signed_claims")
    fails(p.check_userinfo_jwt, 200, JWT, _signed(rsa, aud="other"), **kw, code="USERINFO_JWT_AUD")
    fails(p.check_userinfo_jwt, 401, JWT, b"", **kw, code="USERINFO_REFUSED")


@pytest.fixture(scope="module")
def enc_key() -> jose.Key:
    return jose.generate_key("RSA", label="userinfo-enc", use="enc")


def test_jwe_response(fails: Callable[..., Finding], rsa: jose.Key, jwks: jose.JWKS, enc_key: jose.Key) -> None:
    client_keys = jose.JWKS.from_keys([enc_key])
    kw: dict[str, Any] = {"issuer": ISSUER, "client_id": CLIENT, "keys": jwks, "signing_alg": "RS256",
                          "decryption_keys": client_keys, "encryption_alg": "RSA-OAEP-256",
                          "encryption_enc": "A256GCM"}
    nested = jose.encrypt_jwe(_signed(rsa), enc_key, "RSA-OAEP-256", "A256GCM").encode()
    assert p.check_userinfo_jwe(200, JWT, nested, **kw)["sub"] == "user-1"
    # encrypted without signing (the client registered no signing alg): the plaintext is the JSON claims
    plain = jose.encrypt_jwe(body(), enc_key, "RSA-OAEP-256", "A256GCM").encode()
    assert p.check_userinfo_jwe(200, JWT, plain, **{**kw, "signing_alg": None})["sub"] == "user-1"
    fails(p.check_userinfo_jwe, 200, JSON, nested, **kw, code="USERINFO_JWT_CONTENT_TYPE", req="OIDCC-5.3.2-jwt")
    fails(p.check_userinfo_jwe, 200, JWT, _signed(rsa), **kw, code="USERINFO_NOT_ENCRYPTED",
          req="DOC-userinfo_encryption")
    fails(p.check_userinfo_jwe, 200, JWT, plain, **kw, code="USERINFO_NOT_NESTED", req="OIDCC-5.3.2-nested")
    other_enc = jose.encrypt_jwe(_signed(rsa), enc_key, "RSA-OAEP", "A256GCM").encode()
    fails(p.check_userinfo_jwe, 200, JWT, other_enc, **kw, code="USERINFO_ENCRYPTION_ALG")
    stranger = jose.generate_key("RSA", label="stranger", use="enc")
    foreign = jose.encrypt_jwe(_signed(rsa), stranger, "RSA-OAEP-256", "A256GCM").encode()
    fails(p.check_userinfo_jwe, 200, JWT, foreign, **kw, code="USERINFO_DECRYPTION_FAILED",
          req="OIDCR-2-userinfo_encrypted_response_alg")
    bad_inner = jose.encrypt_jwe(_signed(rsa, iss="https://evil.example"), enc_key, "RSA-OAEP-256", "A256GCM")
    fails(p.check_userinfo_jwe, 200, JWT, bad_inner.encode(), **kw, code="USERINFO_JWT_ISS")
