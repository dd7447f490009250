from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from harness import jose
from harness.results import Finding, Level
from harness.specs import rfc7800 as c

# RFC 7800 §3.2 example confirmation key.
RFC7800_JWK = {"kty": "EC", "use": "sig", "crv": "P-256", "x": "18wHLeIgW9wVN6VD1Txgpqy2LszYkMf6J8njVAibvhM",
               "y": "-V4dS4UaLMgP_4fY4j8ir7cl1TXlFdAgcx55o7TkcSA"}
KEY = jose.generate_key("EC", label="rfc7800")
PUBLIC = dict(KEY.as_dict(private=False))
OTHER = dict(jose.generate_key("EC", label="rfc7800-other").as_dict(private=False))
X5T = jose.b64url(b"\x01" * 32)


def test_rfc7800_and_rfc9449_examples_are_well_formed(vector: Callable[[str], Any]) -> None:
    assert c.check_cnf_shape({"jwk": RFC7800_JWK}) == []
    v = vector("rfc9449_examples")
    cnf = v["jwt_claims_with_cnf"]["cnf"]
    assert c.check_cnf(cnf, c.BoundKey(jwk=v["jwk"])) == []
    assert c.find_cnf(v["jwt_claims_with_cnf"]) == cnf


@pytest.mark.parametrize(("cnf", "code", "level"), [
    ("jkt", "CNF_NOT_OBJECT", Level.MUST),
    ({}, "CNF_EMPTY", Level.SHOULD),
    ({"jwk": PUBLIC, "jku": "https://x.example/keys"}, "CNF_MULTIPLE_KEYS", Level.MUST),
    ({"jwk": dict(KEY.as_dict(private=True))}, "CNF_JWK_PRIVATE", Level.MUST),
    ({"jwk": {"kty": "oct", "k": "AAAA"}}, "CNF_JWK_SYMMETRIC", Level.MUST),
    ({"jwk": {"kty": "EC"}}, "CNF_JWK_INVALID", Level.MUST),
    ({"jwk": "not a key"}, "CNF_JWK_INVALID", Level.MUST),
    ({"jwe": "a.b.c"}, "CNF_JWE_SYNTAX", Level.MUST),
    ({"jku": "http://x.example/keys"}, "CNF_JKU_NOT_HTTPS", Level.MUST),
    ({"kid": 7}, "CNF_KID_SYNTAX", Level.MUST),
    ({"jkt": "abc"}, "DPOP_JKT_SYNTAX", Level.MUST),
    ({"x5t#S256": X5T + "="}, "MTLS_X5T_SYNTAX", Level.MUST),
])
def test_shape_findings(fails: Callable[..., Finding], cnf: Any, code: str, level: Any) -> None:
    fails(c.check_cnf_shape, cnf, code=code, level=level)


def test_unknown_members_are_ignored_with_a_note() -> None:
    notes = c.check_cnf_shape({"jkt": jose.thumbprint(PUBLIC), "osc": {}})
    assert notes and "osc" in notes[0]


def test_binding_by_thumbprint_certificate_and_jwk(fails: Callable[..., Finding]) -> None:
    bound = c.BoundKey(jwk=PUBLIC, certificate_thumbprint=X5T)
    assert c.check_cnf({"jkt": jose.thumbprint(PUBLIC), "x5t#S256": X5T}, bound) == []
    assert c.check_cnf({"jwk": PUBLIC}, bound) == []
    fails(c.check_cnf_binding, {"jkt": jose.thumbprint(OTHER)}, bound, code="CNF_JKT_MISMATCH", req="RFC9449-6.1")
    fails(c.check_cnf_binding, {"x5t#S256": jose.b64url(b"\x02" * 32)}, bound, code="CNF_X5T_MISMATCH",
          req="RFC8705-3")
    fails(c.check_cnf_binding, {"jwk": OTHER}, bound, code="CNF_JWK_MISMATCH", req="RFC7800-3.2")
    cert_bound = c.BoundKey(certificate_thumbprint=X5T, certificate_jwk=PUBLIC)
    assert c.check_cnf({"jwk": PUBLIC, "x5t#S256": X5T}, cert_bound) == []


def test_kid_binding(fails: Callable[..., Finding]) -> None:
    fails(c.check_cnf_binding, {"kid": "other"}, c.BoundKey(jwk={**PUBLIC, "kid": "k1"}), code="CNF_KID_MISMATCH")
    assert c.check_cnf_binding({"kid": "k1"}, c.BoundKey(jwk={**PUBLIC, "kid": "k1"})) == []
    assert "cannot resolve" in c.check_cnf_binding({"kid": "k1"}, c.BoundKey(certificate_thumbprint=X5T))[0]


def test_jwe_binding(fails: Callable[..., Finding]) -> None:
    recipient = jose.generate_key("RSA", label="rfc7800-rs")
    symmetric = json.dumps({"kty": "oct", "k": jose.b64url(b"\x03" * 32)})
    token = jose.encrypt_jwe(symmetric, recipient, "RSA-OAEP-256", "A256GCM")
    keys = jose.JWKS.from_keys([recipient])
    assert c.check_cnf({"jwe": token}, c.BoundKey(decryption_keys=keys)) == []
    note = c.check_cnf({"jwe": token}, c.BoundKey())
    assert "not verified" in note[0]
    stranger = jose.JWKS.from_keys([jose.generate_key("RSA", label="rfc7800-stranger")])
    fails(c.check_cnf_binding, {"jwe": token}, c.BoundKey(decryption_keys=stranger), code="CNF_JWE_UNDECRYPTABLE",
          req="RFC7800-3.3")
    not_a_key = jose.encrypt_jwe("hello", recipient, "RSA-OAEP-256", "A256GCM")
    fails(c.check_cnf_binding, {"jwe": not_a_key}, c.BoundKey(decryption_keys=keys), code="CNF_JWE_NOT_JWK")


def test_jku_binding(fails: Callable[..., Finding]) -> None:
    cnf = {"jku": "https://client.example/keys", "kid": "k1"}
    assert "not fetched" in c.check_cnf(cnf, c.BoundKey(jwk=PUBLIC))[0]
    document = {"keys": [{**PUBLIC, "kid": "k1"}, {**OTHER, "kid": "k2"}]}
    assert c.check_cnf(cnf, c.BoundKey(jwk=PUBLIC, jku_document=document)) == []
    fails(c.check_cnf_binding, {"jku": cnf["jku"]}, c.BoundKey(jwk=PUBLIC, jku_document=document),
          code="CNF_JKU_KID_MISSING", req="RFC7800-3.5-kid")
    fails(c.check_cnf_binding, {**cnf, "kid": "k2"}, c.BoundKey(jwk=PUBLIC, jku_document=document),
          code="CNF_JKU_KEY_MISMATCH")
    fails(c.check_cnf_binding, {**cnf, "kid": "k9"}, c.BoundKey(jwk=PUBLIC, jku_document=document),
          code="CNF_JKU_KEY_MISSING")
    fails(c.check_cnf_binding, cnf, c.BoundKey(jwk=PUBLIC, jku_document={"nope": 1}), code="CNF_JKU_NOT_JWKS")


def test_check_cnf_reports_shape_and_binding_together(codes: Callable[..., list[str]]) -> None:
    found = codes(c.check_cnf, {"jkt": jose.thumbprint(OTHER), "jku": "http://x", "jwe": "no"}, c.BoundKey(jwk=PUBLIC))
    assert {"CNF_JKU_NOT_HTTPS", "CNF_JWE_SYNTAX", "CNF_MULTIPLE_KEYS", "CNF_JKT_MISMATCH"} <= set(found)


def test_cnf_present_where_the_rule_puts_it(fails: Callable[..., Finding]) -> None:
    c.check_cnf_present(["JWT access token", "ID token"], "JWT access token", requirement="RFC9449-6.1")
    fails(c.check_cnf_present, ["ID token"], "JWT access token", requirement="RFC9449-6.1", code="CNF_MISSING",
          req="RFC9449-6.1", level=Level.MUST)
    fails(c.check_cnf_present, [], "introspection response", requirement="RFC8705-3.2", code="CNF_MISSING",
          req="RFC8705-3.2")
    # a certificate-bound JWT without cnf breaks a SHOULD (RFC 8705 §3.1), not a MUST
    fails(lambda: c.check_cnf_present([], "JWT access token", requirement="RFC8705-3.1", level=Level.SHOULD),
          code="CNF_MISSING", req="RFC8705-3.1", level=Level.SHOULD)
