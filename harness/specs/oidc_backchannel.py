"""OpenID Connect Back-Channel Logout 1.0: the logout request the OP POSTs and its Logout Token.

The facts are what reached the harness-hosted ``backchannel_logout_uri`` (method, content
type, body) and the decoded token; signature verification uses :mod:`harness.jose` against
the OP's JWK Set. Pure functions: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from harness import jose
from harness.results import Level, fail

__all__ = [
    "LOGOUT_EVENT",
    "check_events",
    "check_logout_request",
    "check_no_nonce",
    "check_required_claims",
    "check_session_sid",
    "check_signed",
    "check_sub_or_sid",
    "check_typ",
]

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
_TYPES = ("logout+jwt", "application/logout+jwt")


def check_logout_request(*, method: str | None, content_type: str, body: bytes) -> str:
    """§2.5: an HTTP POST, ``application/x-www-form-urlencoded``, carrying ``logout_token``; returns the token.

    ``method`` ``None``: nothing reached the back-channel logout URI.
    """
    if method is None:
        raise fail("BACKCHANNEL_LOGOUT_NOT_SENT", "no back-channel logout request reached the client's "
                   "backchannel_logout_uri after the logout", "OIDCBCL-2.5-post",
                   expected="POST to the backchannel_logout_uri", actual="nothing received")
    if method != "POST":
        raise fail("BACKCHANNEL_LOGOUT_NOT_POST", "the back-channel logout request is not a POST",
                   "OIDCBCL-2.5-post", expected="POST", actual=method)
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        raise fail("BACKCHANNEL_LOGOUT_NOT_FORM", "the back-channel logout request body is not a form",
                   "OIDCBCL-2.5-form", expected="application/x-www-form-urlencoded", actual=media or "none")
    params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    token = params.get("logout_token")
    if not token:
        raise fail("BACKCHANNEL_LOGOUT_NO_TOKEN", "the back-channel logout request carries no logout_token",
                   "OIDCBCL-2.5-form", expected="logout_token", actual=sorted(params))
    return token


def check_signed(token: str, jwks: Mapping[str, Any], allowed_algs: Sequence[str]) -> jose.DecodedJWT:
    """§2.4: "A Logout Token MUST be signed"; the signature verifies with the OP's key (the ID Token keys)."""
    try:
        decoded = jose.decode_unverified(token)
    except jose.JoseError as exc:
        raise fail("LOGOUT_TOKEN_MALFORMED", f"the logout_token is not a JWS: {exc}", "OIDCBCL-2.4-signed",
                   expected="a signed JWT", actual=str(exc)) from exc
    if (decoded.alg or "none") == "none":
        raise fail("LOGOUT_TOKEN_UNSIGNED", "the Logout Token is not signed (alg none)", "OIDCBCL-2.4-signed",
                   expected=list(allowed_algs), actual="none")
    try:
        return jose.verify_jws(token, jose.parse_jwks(dict(jwks)), [a for a in allowed_algs if a != "none"])
    except jose.JoseError as exc:
        raise fail("LOGOUT_TOKEN_SIGNATURE_INVALID", f"the Logout Token's signature does not verify: {exc}",
                   "OIDCBCL-2.4-signed", expected="a signature by a key of the OP's JWK Set",
                   actual=f"{exc.code}: {exc}") from exc


def check_required_claims(claims: Mapping[str, Any], *, issuer: str, client_id: str, now: float,
                          leeway_s: float = 300) -> None:
    """§2.4: ``iss`` (the issuer), ``aud`` (the client), ``iat`` and ``jti`` are REQUIRED."""
    if claims.get("iss") != issuer:
        raise fail("LOGOUT_TOKEN_ISS", "the Logout Token's iss is not the OP's issuer", "OIDCBCL-2.4-iss",
                   expected=issuer, actual=claims.get("iss"))
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if client_id not in audiences:
        raise fail("LOGOUT_TOKEN_AUD", "the Logout Token's aud does not contain the client's client_id",
                   "OIDCBCL-2.4-aud", expected=client_id, actual=aud)
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool) or abs(iat - now) > leeway_s:
        raise fail("LOGOUT_TOKEN_IAT", "the Logout Token's iat is missing or not the time of issue",
                   "OIDCBCL-2.4-iat", expected=f"a NumericDate within {int(leeway_s)} s of now", actual=iat)
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise fail("LOGOUT_TOKEN_JTI", "the Logout Token has no jti", "OIDCBCL-2.4-jti",
                   expected="a unique identifier string", actual=jti)


def check_events(claims: Mapping[str, Any]) -> None:
    """§2.4: ``events`` is a JSON object with the member ``http://schemas.openid.net/event/backchannel-logout``."""
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(LOGOUT_EVENT), dict):
        raise fail("LOGOUT_TOKEN_EVENTS", "the Logout Token's events claim lacks the back-channel logout member",
                   "OIDCBCL-2.4-events", expected={LOGOUT_EVENT: {}}, actual=events)


def check_sub_or_sid(claims: Mapping[str, Any]) -> None:
    """§2.4: "A Logout Token MUST contain either a sub or a sid Claim, and MAY contain both"."""
    if not any(isinstance(claims.get(name), str) and claims.get(name) for name in ("sub", "sid")):
        raise fail("LOGOUT_TOKEN_NO_SUB_SID", "the Logout Token carries neither sub nor sid", "OIDCBCL-2.4-sub_sid",
                   expected="sub and/or sid", actual=sorted(claims))


def check_no_nonce(claims: Mapping[str, Any]) -> None:
    """§2.4: "A nonce Claim MUST NOT be present"."""
    if "nonce" in claims:
        raise fail("LOGOUT_TOKEN_NONCE", "the Logout Token carries a nonce claim", "OIDCBCL-2.4-nonce",
                   expected="no nonce", actual="nonce present")


def check_typ(header: Mapping[str, Any]) -> None:
    """§2.4: explicit typing is RECOMMENDED; where ``typ`` is sent it says ``logout+jwt``."""
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.lower() not in _TYPES):
        raise fail("LOGOUT_TOKEN_TYP", "the Logout Token's typ header is not logout+jwt", "OIDCBCL-2.4-typ",
                   level=Level.SHOULD, expected="logout+jwt", actual=typ)


def check_session_sid(*, id_token_claims: Mapping[str, Any], logout_claims: Mapping[str, Any]) -> None:
    """§2.1/§2.2: the ID Token carries ``sid``, and the Logout Token the same ``sid``.

    Judged where the OP advertises ``backchannel_logout_session_supported`` for a client registered
    with ``backchannel_logout_session_required``.
    """
    sid = id_token_claims.get("sid")
    if not isinstance(sid, str) or not sid:
        raise fail("ID_TOKEN_NO_SID", "the OP advertises backchannel_logout_session_supported but its ID Token "
                   "has no sid", "OIDCBCL-2.1-session", expected="sid", actual=sorted(id_token_claims))
    got = logout_claims.get("sid")
    if got != sid:
        raise fail("LOGOUT_TOKEN_SID", "the Logout Token's sid is not the sid of the ended session",
                   "OIDCBCL-2.2-session_required", expected=sid, actual=got)
