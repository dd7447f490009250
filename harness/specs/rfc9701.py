"""RFC 9701 (JWT response for OAuth token introspection)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness import jose
from harness.results import Findings, fail
from harness.specs._findings import finding
from harness.specs._http import Headers, header_value, media_type

__all__ = [
    "MEDIA_TYPE",
    "check_jwt_response_claims",
    "check_jwt_response_media_type",
    "check_jwt_response_signature",
]

MEDIA_TYPE = "application/token-introspection+jwt"
_TYP_VALUES = ("token-introspection+jwt", MEDIA_TYPE)


def check_jwt_response_media_type(status: int, headers: Headers, *, documented: bool) -> None:
    """RFC 9701 §4 / §5: a JWT response was asked for and came as ``application/token-introspection+jwt``.

    §4: "The resource server requests a JWT response by including an Accept HTTP header
    with the value "application/token-introspection+jwt"" and §5: "The introspection
    endpoint responds with a JWT, setting the "Content-Type" HTTP header to
    "application/token-introspection+jwt"." A server that does not support JWT responses
    may answer JSON; a deployment documented to support them must not.
    """
    if status != 200:
        raise fail("INTROSPECTION_JWT_STATUS", "the JWT introspection request did not give HTTP 200",
                   "RFC9701-5", expected=200, actual=status)
    if media_type(headers) != MEDIA_TYPE:
        raise fail("INTROSPECTION_JWT_MEDIA_TYPE", "the response is not application/token-introspection+jwt",
                   "DOC-introspection.jwt_response" if documented else "RFC9701-5", expected=MEDIA_TYPE,
                   actual=header_value(headers, "content-type"))


def check_jwt_response_signature(token: str, jwks: jose.JWKS, *, expected_alg: str | None) -> jose.DecodedJWT:
    """RFC 9701 §5: the response JWT is signed by the AS with a published key (and the documented alg).

    "The JWT MUST be signed" ... the resource server "MUST validate the signature" with the
    AS keys; PingFederate's "Token Introspection Signing Algorithm" (RS256 by default) names
    the algorithm (``DOC-introspection.jwt_signing_alg``).
    """
    try:
        decoded = jose.decode_unverified(token)
    except jose.JoseError as exc:
        raise fail("INTROSPECTION_JWT_MALFORMED", f"the response is not a signed JWT ({exc})", "RFC9701-5",
                   expected="a JWS", actual=exc.code) from exc
    if decoded.alg in (None, "none"):
        raise fail("INTROSPECTION_JWT_UNSIGNED", "the JWT response is unsigned", "RFC9701-5-signed",
                   expected=expected_alg or "a JWS algorithm", actual=decoded.alg)
    if expected_alg is not None and decoded.alg != expected_alg:
        raise fail("INTROSPECTION_JWT_ALG", "the JWT response is not signed with the documented algorithm",
                   "DOC-introspection.jwt_signing_alg", expected=expected_alg, actual=decoded.alg)
    try:
        return jose.verify_jws(token, jwks, [str(decoded.alg)])
    except jose.JoseError as exc:
        raise fail("INTROSPECTION_JWT_SIGNATURE", f"the signature does not verify with the published keys "
                   f"({exc.code})", "RFC9701-5-signed", expected="a valid signature", actual=exc.code) from exc


def check_jwt_response_claims(header: Mapping[str, Any], claims: Mapping[str, Any], *, issuer: str,
                              caller: str, expect_active: bool | None = None) -> dict[str, Any]:
    """RFC 9701 §5: ``typ``, ``iss``, ``aud``, ``iat`` and ``token_introspection``; return the latter.

    "The JWT MUST contain the following top-level claims: iss ... aud ... iat" with "aud"
    identifying the resource server that asked (the calling client); "token_introspection"
    is "A JSON object containing the members of the token introspection response as
    specified in [RFC7662], Section 2.2"; and "The JWT MUST include the "typ" header
    parameter with the value "token-introspection+jwt"" (RFC 7515 §4.1.9 makes the
    "application/" prefix optional).
    """
    findings = Findings()
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in _TYP_VALUES:
        findings.add(finding("INTROSPECTION_JWT_TYP", "typ is not token-introspection+jwt", "RFC9701-5",
                             "token-introspection+jwt", typ))
    if claims.get("iss") != issuer:
        findings.add(finding("INTROSPECTION_JWT_ISS", "iss is not the issuer", "RFC9701-5-claims", issuer,
                             claims.get("iss")))
    aud = claims.get("aud")
    auds = [aud] if isinstance(aud, str) else (aud if isinstance(aud, list) else [])
    if caller not in auds:
        findings.add(finding("INTROSPECTION_JWT_AUD", "aud does not name the calling resource server",
                             "RFC9701-5-claims", caller, aud))
    iat = claims.get("iat")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool):
        findings.add(finding("INTROSPECTION_JWT_IAT", "iat is missing or not a number", "RFC9701-5-claims",
                             "NumericDate", iat))
    inner = claims.get("token_introspection")
    if not isinstance(inner, Mapping) or not isinstance(inner.get("active"), bool):
        findings.add(finding("INTROSPECTION_JWT_NO_TOKEN_INTROSPECTION", "token_introspection is missing or has "
                             "no boolean active", "RFC9701-5-claims", "object with active", inner))
    elif expect_active is not None and inner.get("active") is not expect_active:
        findings.add(finding("INTROSPECTION_JWT_ACTIVE", "token_introspection.active is wrong", "RFC9701-5-active",
                             expect_active, inner.get("active")))
    findings.raise_if_any()
    return dict(inner) if isinstance(inner, Mapping) else {}
