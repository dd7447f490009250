from __future__ import annotations

from collections.abc import Callable

import pytest

from harness import jose
from harness.results import Finding, Level
from harness.specs import rfc9068 as p

NOW = 1_700_000_000
CLAIMS = {"iss": "https://op.example", "exp": NOW + 300, "aud": "https://api.example/", "sub": "u1",
          "client_id": "c1", "iat": NOW, "jti": "j" * 43, "scope": "api:read api:write"}


def test_typ() -> None:
    p.check_typ({"typ": "at+jwt"})
    p.check_typ({"typ": "AT+JWT"})  # media type names are case-insensitive


def test_typ_failures(fails: Callable[..., Finding]) -> None:
    fails(p.check_typ, {"typ": "JWT"}, code="AT_TYP_NOT_AT_JWT", req="RFC9068-2.1")
    fails(p.check_typ, {}, code="AT_TYP_NOT_AT_JWT")
    # the media type with its prefix keeps the MUST but breaks "the "typ" value used SHOULD be "at+jwt""
    fails(p.check_typ, {"typ": "application/at+JWT"}, code="AT_TYP_APPLICATION_PREFIX", req="RFC9068-2.1-typ_short",
          level=Level.SHOULD)
    # a documented typ never waives RFC 9068 §2.1's MUST (issue 21): behaving as documented still fails the RFC
    fails(p.check_typ, {"typ": "JWT"}, "JWT", code="AT_TYP_NOT_AT_JWT", req="RFC9068-2.1", level=Level.MUST)
    fails(p.check_typ, {"typ": "at+jwt"}, "JWT", code="AT_TYP_NOT_DOCUMENTED", req="DOC-access_token.typ")


def test_kid_header(fails: Callable[..., Finding]) -> None:
    p.check_kid_header({"kid": "k1"}, True, ["k1", None])
    p.check_kid_header({}, False, ["k1"])
    fails(p.check_kid_header, {}, True, ["k1"], code="AT_KID_MISSING", req="DOC-access_token.kid_header")
    fails(p.check_kid_header, {"kid": "k9"}, True, ["k1"], code="AT_KID_UNKNOWN")
    fails(p.check_kid_header, {"kid": "k1"}, False, ["k1"], code="AT_KID_PRESENT")


def test_x5t_header(fails: Callable[..., Finding]) -> None:
    p.check_x5t_header({}, False)
    p.check_x5t_header({"x5t": "abc"}, True)
    fails(p.check_x5t_header, {"x5t": "abc"}, False, code="AT_X5T_PRESENT")
    fails(p.check_x5t_header, {}, True, code="AT_X5T_MISSING", req="DOC-access_token.x5t_header")


@pytest.fixture(scope="module")
def signed() -> tuple[str, jose.JWKS, jose.Key]:
    key = jose.generate_key("RSA", label="rfc9068-test")
    token = jose.sign_jws({"alg": "RS256", "typ": "at+jwt", "kid": key.get("kid")}, CLAIMS, key)
    return token, jose.JWKS.from_keys([key]), key


def test_signature(fails: Callable[..., Finding], signed: tuple[str, jose.JWKS, jose.Key]) -> None:
    token, jwks, key = signed
    p.check_signature(token, jwks, expected_alg="RS256")
    p.check_signature(token, jwks, expected_alg=None)
    fails(p.check_signature, token, jwks, expected_alg="PS256", code="AT_ALG_NOT_DOCUMENTED",
          req="DOC-access_token.signing_alg")
    unsigned = jose.sign_unsecured({"typ": "at+jwt"}, CLAIMS)
    fails(p.check_signature, unsigned, jwks, expected_alg="RS256", code="AT_UNSIGNED", req="RFC9068-2.1-signed")
    head, body, sig = token.split(".")
    broken = f"{head}.{body}.{sig[:-4]}AAAA"
    fails(p.check_signature, broken, jwks, expected_alg="RS256", code="AT_SIGNATURE_INVALID", req="RFC9068-4")
    other = jose.generate_key("RSA", label="rfc9068-other")
    fails(p.check_signature, token, jose.JWKS.from_keys([other]), expected_alg="RS256", code="AT_SIGNATURE_INVALID")


def test_required_claims(fails: Callable[..., Finding]) -> None:
    p.check_required_claims(CLAIMS)
    # documented settings never waive a REQUIRED claim (issue 21): no jti, or client_id renamed, keeps the RFC finding
    fails(p.check_required_claims, {k: v for k, v in CLAIMS.items() if k != "jti"}, code="AT_CLAIM_MISSING",
          req="RFC9068-2.2")
    renamed = {**{k: v for k, v in CLAIMS.items() if k != "client_id"}, "cid": "c1"}
    fails(p.check_required_claims, renamed, client_id_claim="cid", code="AT_CLAIM_MISSING", req="RFC9068-2.2")
    p.check_required_claims({**CLAIMS, "cid": "c1"}, client_id_claim="cid")
    fails(p.check_required_claims, {k: v for k, v in CLAIMS.items() if k != "sub"}, code="AT_CLAIM_MISSING",
          req="RFC9068-2.2")
    fails(p.check_required_claims, CLAIMS, client_id_claim="cid", code="AT_CLAIM_MISSING",
          req="DOC-access_token.client_id_claim")
    fails(p.check_required_claims, {**CLAIMS, "exp": "soon"}, code="AT_CLAIM_TYPE")
    fails(p.check_required_claims, {**CLAIMS, "aud": []}, code="AT_CLAIM_TYPE")
    fails(p.check_required_claims, {**CLAIMS, "iat": True}, code="AT_CLAIM_TYPE")


def test_issuer_and_client_id(fails: Callable[..., Finding]) -> None:
    p.check_issuer(CLAIMS, "https://op.example")
    fails(p.check_issuer, CLAIMS, "https://other.example", code="AT_ISS_MISMATCH", req="RFC9068-4")
    p.check_client_id(CLAIMS, "c1")
    fails(p.check_client_id, CLAIMS, "c2", code="AT_CLIENT_ID_MISMATCH", req="RFC9068-2.2")
    fails(p.check_client_id, CLAIMS, "c1", "cid", code="AT_DOCUMENTED_CLIENT_ID_MISMATCH",
          req="DOC-access_token.client_id_claim")
    p.check_client_id({**CLAIMS, "cid": "c1"}, "c1", "cid")
    # the documented name does not replace RFC 9068 §2.2's client_id: renaming it keeps the RFC finding
    renamed = {**{k: v for k, v in CLAIMS.items() if k != "client_id"}, "cid": "c1"}
    fails(p.check_client_id, renamed, "c1", "cid", code="AT_CLIENT_ID_MISMATCH", req="RFC9068-2.2")


def test_audience(fails: Callable[..., Finding]) -> None:
    p.check_audience(CLAIMS, "https://api.example/", documented=False)
    p.check_audience({**CLAIMS, "aud": ["x", "https://api.example/"]}, "https://api.example/", documented=True)
    fails(p.check_audience, CLAIMS, "https://other/", documented=False, code="AT_AUD_NOT_RESOURCE",
          level=Level.SHOULD, req="RFC9068-3")
    fails(p.check_audience, CLAIMS, "https://other/", documented=True, code="AT_AUD_NOT_DOCUMENTED",
          level=Level.MUST)


def test_scope(fails: Callable[..., Finding]) -> None:
    assert p.check_scope(CLAIMS, ["api:read", "api:write", "openid"]) == ["api:read", "api:write"]
    # a documented array format never waives RFC 9068 §2.2.3's SHOULD (a warning next to the documented check)
    fails(p.check_scope, {**CLAIMS, "scope": ["a"]}, ["a"], fmt="array", code="AT_SCOPE_FORMAT", req="RFC9068-2.2.3",
          level=Level.SHOULD)
    assert p.check_scope({**CLAIMS, "scope": "a", "scp": ["a"]}, ["a"], claim_name="scp", fmt="array") == ["a"]
    assert p.check_scope({k: v for k, v in CLAIMS.items() if k != "scope"}, []) == []
    fails(p.check_scope, {**CLAIMS, "scope": ["api:read"]}, ["api:read"], code="AT_SCOPE_FORMAT",
          req="RFC9068-2.2.3", level=Level.SHOULD)
    # a documented claim name/format binds as the profile states it
    fails(p.check_scope, {**CLAIMS, "scp": ["api:read"]}, ["api:read"], claim_name="scp", fmt="string",
          code="AT_SCOPE_FORMAT", req="DOC-access_token.scope_format", level=Level.MUST)
    fails(p.check_scope, CLAIMS, ["api:read", "api:write"], fmt="array", code="AT_SCOPE_FORMAT",
          req="DOC-access_token.scope_format")
    fails(p.check_scope, {k: v for k, v in CLAIMS.items() if k != "scope"}, ["a"], code="AT_SCOPE_MISSING",
          level=Level.SHOULD)
    fails(p.check_scope, CLAIMS, ["api:read"], code="AT_SCOPE_NOT_GRANTED", req="RFC6749-3.3")
    # RFC 6749 §3.3: a scope other than the requested one is legitimate when the token response states it
    assert p.check_scope(CLAIMS, ["api:read"], granted=["api:read", "api:write"]) == ["api:read", "api:write"]
    fails(p.check_scope, CLAIMS, ["api:read", "api:write"], granted=["api:read"], code="AT_SCOPE_NOT_GRANTED")
    assert p.check_scope({**CLAIMS, "scope": "api:read"}, ["api:read", "api:write"]) == ["api:read"]


def test_jti(fails: Callable[..., Finding]) -> None:
    p.check_jti(CLAIMS, 43)
    p.check_jti(CLAIMS, None)
    p.check_jti({k: v for k, v in CLAIMS.items() if k != "jti"}, 0)
    fails(p.check_jti, CLAIMS, 16, code="AT_JTI_LENGTH", req="DOC-access_token.jti_length")
    fails(p.check_jti, CLAIMS, 0, code="AT_JTI_PRESENT")
    fails(p.check_jti, {k: v for k, v in CLAIMS.items() if k != "jti"}, 43, code="AT_JTI_LENGTH")


def test_lifetime(fails: Callable[..., Finding]) -> None:
    assert p.check_lifetime(CLAIMS, 300) == 300
    assert p.check_lifetime({**CLAIMS, "exp": NOW + 301}, 300) == 301
    fails(p.check_lifetime, CLAIMS, 7200, code="AT_LIFETIME_MISMATCH", req="DOC-access_token.lifetime_s")
    fails(p.check_lifetime, {**CLAIMS, "exp": None}, 300, code="AT_LIFETIME_UNKNOWN")


def test_time_claims(fails: Callable[..., Finding]) -> None:
    p.check_time_claims(CLAIMS, now=NOW + 1)
    fails(p.check_time_claims, CLAIMS, now=NOW + 400, code="AT_EXPIRED", req="RFC9068-4")
    # a future iat breaks no MUST (RFC 9068 §2.2 defines iat; the ID-token twin is a SHOULD): a warning
    fails(p.check_time_claims, {**CLAIMS, "iat": NOW + 3600, "exp": NOW + 3900}, now=NOW, code="AT_IAT_FUTURE",
          req="RFC9068-2.2", level=Level.SHOULD)
    p.check_time_claims({**CLAIMS, "iat": NOW + 30}, now=NOW)  # within the clock-skew allowance
