"""RFC 9068 (JWT profile for OAuth 2.0 access tokens) and documented token-manager settings.

Checks take the decoded header and claims of a JWT access token (see
:func:`harness.jose.decode_unverified`); documented settings of the target profile are cited as
``DOC-access_token.<setting>`` and are MUST-level, since the deployment promises them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness import jose
from harness.results import Findings, Level, NeedsReview, fail
from harness.specs import documented
from harness.specs._findings import finding

__all__ = [
    "REQUIRED_CLAIMS",
    "check_audience",
    "check_client_id",
    "check_hmac_signature",
    "check_issuer",
    "check_jti",
    "check_kid_header",
    "check_lifetime",
    "check_required_claims",
    "check_scope",
    "check_signature",
    "check_time_claims",
    "check_typ",
    "check_x5t_header",
]

#: RFC 9068 §2.2 REQUIRED claims (``client_id`` may be renamed by a documented setting).
REQUIRED_CLAIMS: tuple[str, ...] = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")
_RFC_TYPES = ("at+jwt", "application/at+jwt")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_typ(header: Mapping[str, Any], documented: str = "at+jwt") -> None:
    """RFC 9068 §2.1: the ``typ`` header is ``at+jwt``.

    "JWT access tokens MUST include this media type in the "typ" header parameter to
    explicitly declare that the JWT represents an access token complying with this profile.
    Per the definition of "typ" in Section 4.1.9 of [RFC7515], it is RECOMMENDED that the
    "application/" prefix be omitted. Therefore, the "typ" value used SHOULD be "at+jwt"."

    ``application/at+jwt`` carries the media type (the MUST holds) but breaks the SHOULD
    (a warning). With another documented value (PingFederate "Type Header Value") the header
    must equal it as well (``DOC-access_token.typ``): a documented value never waives the RFC's
    MUST, so a deployment that behaves as documented with a typ other than at+jwt still fails
    RFC 9068 §2.1, and one that differs from both gets both findings.
    """
    typ = header.get("typ")
    findings = Findings()
    if not isinstance(typ, str) or typ.lower() not in _RFC_TYPES:
        findings.add(finding("AT_TYP_NOT_AT_JWT", "the JWT access token typ header is not at+jwt", "RFC9068-2.1",
                             "at+jwt", typ))
    elif typ.lower() != "at+jwt":
        findings.add(finding("AT_TYP_APPLICATION_PREFIX", "the typ header keeps the application/ prefix; the value "
                             "used SHOULD be at+jwt", "RFC9068-2.1-typ_short", "at+jwt", typ, Level.SHOULD))
    if documented.lower() not in _RFC_TYPES and typ != documented:
        findings.add(finding("AT_TYP_NOT_DOCUMENTED", "typ differs from the documented Type Header Value",
                             "DOC-access_token.typ", documented, typ))
    findings.raise_if_any()


def check_kid_header(header: Mapping[str, Any], documented: bool, jwks_kids: Sequence[str | None] | None) -> None:
    """Documented "Include Key ID Header Parameter": ``kid`` present (and in the JWKS) or absent.

    ``jwks_kids`` None: the kid is not looked up — an HMAC-signed token's kid names a symmetric key
    ("Active Symmetric Key ID"), which no JWK Set publishes (PingFederate's JWKS endpoint "includes
    configured Elliptic Curve (EC) and RSA-based keys"); presence or absence is still judged.
    """
    kid = header.get("kid")
    if documented:
        if not isinstance(kid, str) or not kid:
            raise fail("AT_KID_MISSING", "the documented kid header is missing", "DOC-access_token.kid_header",
                       expected="kid", actual=kid)
        if jwks_kids is not None and kid not in jwks_kids:
            raise fail("AT_KID_UNKNOWN", "the kid header names no key of the published JWKS",
                       "DOC-access_token.kid_header", expected=[k for k in jwks_kids if k], actual=kid)
    elif kid is not None:
        raise fail("AT_KID_PRESENT", "a kid header is present although the deployment documents none",
                   "DOC-access_token.kid_header", expected=None, actual=kid)


def check_x5t_header(header: Mapping[str, Any], documented: bool) -> None:
    """Documented "Include X.509 Thumbprint Header Parameter": ``x5t`` present or absent."""
    x5t = header.get("x5t")
    if documented and not (isinstance(x5t, str) and x5t):
        raise fail("AT_X5T_MISSING", "the documented x5t header is missing", "DOC-access_token.x5t_header",
                   expected="x5t", actual=x5t)
    if not documented and x5t is not None:
        raise fail("AT_X5T_PRESENT", "an x5t header is present although the deployment documents none",
                   "DOC-access_token.x5t_header", expected=None, actual=x5t)


def _check_signed_alg(decoded: jose.DecodedJWT, expected_alg: str | None) -> str:
    """RFC 9068 §2.1: never ``none``; a documented "JWS Algorithm" is the one used (returned)."""
    if decoded.alg == "none" or not decoded.alg:
        raise fail("AT_UNSIGNED", "the JWT access token is not signed (alg none)", "RFC9068-2.1-signed",
                   expected=expected_alg or "a JWS algorithm", actual=decoded.alg)
    if expected_alg is not None and decoded.alg != expected_alg:
        raise fail("AT_ALG_NOT_DOCUMENTED", "the JWT access token is not signed with the documented algorithm",
                   "DOC-access_token.signing_alg", expected=expected_alg, actual=decoded.alg)
    return decoded.alg


def check_signature(token: str, jwks: jose.JWKS, *, expected_alg: str | None) -> jose.DecodedJWT:
    """RFC 9068 §2.1 / §4: the token is signed (never ``none``) and verifies with a published key.

    §2.1: "JWT access tokens MUST be signed." and "JWT access tokens MUST NOT use "none" as
    the signing algorithm."; §4: "The resource server MUST validate the signature of all
    incoming JWT access tokens according to [RFC7515] using the algorithm specified in the JWT
    "alg" Header Parameter." A documented algorithm (PingFederate "JWS Algorithm") must be
    the one used (``DOC-access_token.signing_alg``).
    """
    decoded = jose.decode_unverified(token)
    alg = _check_signed_alg(decoded, expected_alg)
    try:
        return jose.verify_jws(token, jwks, [alg])
    except jose.JoseError as exc:
        raise fail("AT_SIGNATURE_INVALID", f"the signature does not verify with the published keys ({exc.code}: "
                   f"{exc})", "RFC9068-4", expected="a valid signature by a key of jwks_uri",
                   actual=exc.code) from exc


def check_hmac_signature(token: str, hmac_key: str | None, *, expected_alg: str | None) -> jose.DecodedJWT:
    """RFC 9068 §2.1 / §4 for an HMAC-signed (HS256/384/512) JWT access token: verified with the stated key.

    §4: "it is RECOMMENDED here that authorization servers sign JWT access tokens with an
    asymmetric algorithm" — a recommendation, so HMAC is legitimate (PingFederate's JWT ATM offers
    HMAC "JWS Algorithm"s with the key of "Active Symmetric Key ID"). Its key is a shared secret
    that no ``jwks_uri`` publishes, so the JWK Set cannot verify it: with the key stated in the
    profile (``documented.access_token.hmac_key``) the token is verified as
    ``documented.access_token_hmac_signature`` verifies it (:func:`documented.check_hmac_signature`,
    ``AT_HMAC_SIGNATURE_INVALID`` when it does not verify). Without a stated key the harness cannot
    judge the signature — not the target's failure, and not knowable before the token is seen
    (the alg is in its header), so no skip: :class:`NeedsReview` naming the key to state.
    ``none`` and an alg other than the documented one still fail first (§2.1, ``DOC-access_token.signing_alg``).
    """
    decoded = jose.decode_unverified(token)
    if decoded.alg not in jose.HS_ALGS:
        raise ValueError(f"check_hmac_signature judges HMAC-signed tokens only, not {decoded.alg!r}")
    _check_signed_alg(decoded, expected_alg)
    if hmac_key is None:
        raise NeedsReview(f"the JWT access token is signed {decoded.alg} (HMAC): its symmetric key is published by "
                          "no jwks_uri and the profile states none, so the signature cannot be verified; state it as "
                          "documented.access_token.hmac_key (the key of PingFederate's \"Active Symmetric Key ID\", "
                          "as ${ENV}) to have it checked")
    return documented.check_hmac_signature(token, hmac_key, decoded.alg)


def check_required_claims(claims: Mapping[str, Any], *, client_id_claim: str = "client_id") -> None:
    """RFC 9068 §2.2: the REQUIRED claims are present and well typed.

    "iss REQUIRED", "exp REQUIRED", "aud REQUIRED", "sub REQUIRED", "client_id REQUIRED",
    "iat REQUIRED", "jti REQUIRED" (as defined in RFC 7519 §4.1 and RFC 8693 §4.3). A
    documented setting never waives one of them: a documented client-id claim name other than
    ``client_id`` is required *as well* (``DOC-access_token.client_id_claim``), and a documented
    jti length of 0 (PingFederate "no claim is included") still leaves the RFC's ``jti``
    finding (the documented absence itself is judged by :func:`check_jti`).
    """
    findings = Findings()
    names = [*REQUIRED_CLAIMS, *([client_id_claim] if client_id_claim != "client_id" else [])]
    for claim in names:
        name = "client_id" if claim == client_id_claim else claim
        value = claims.get(claim)
        requirement = "DOC-access_token.client_id_claim" if claim != name else "RFC9068-2.2"
        if value is None:
            findings.add(finding("AT_CLAIM_MISSING", f"the REQUIRED claim {claim!r} is missing", requirement,
                                 claim, sorted(claims)))
            continue
        if name in ("exp", "iat"):
            ok = _is_number(value)
        elif name == "aud":
            ok = (isinstance(value, str) and bool(value)) or (
                isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value))
        else:
            ok = isinstance(value, str) and bool(value)
        if not ok:
            findings.add(finding("AT_CLAIM_TYPE", f"claim {claim!r} has the wrong type", requirement,
                                 "NumericDate" if name in ("exp", "iat") else "string", value))
    findings.raise_if_any()


def check_issuer(claims: Mapping[str, Any], issuer: str) -> None:
    """RFC 9068 §4: ``iss`` is the issuer.

    "The issuer identifier for the authorization server (which is typically obtained during
    discovery) MUST exactly match the value of the "iss" claim."
    """
    if claims.get("iss") != issuer:
        raise fail("AT_ISS_MISMATCH", "iss is not the issuer identifier", "RFC9068-4", expected=issuer,
                   actual=claims.get("iss"))


def check_audience(claims: Mapping[str, Any], expected: str, *, documented: bool) -> None:
    """RFC 9068 §3 / §4: ``aud`` names the requested resource (or the documented audience).

    §3: "If the request includes a "resource" parameter (as defined in [RFC8707]), the
    resulting JWT access token "aud" claim SHOULD have the same value as the "resource"
    parameter in the request." §4: "The resource server MUST validate that the "aud" claim
    contains a resource indicator value corresponding to an identifier the resource server
    expects for itself." A documented "Audience Claim Value" makes equality a MUST.
    """
    aud = claims.get("aud")
    values = [aud] if isinstance(aud, str) else (aud if isinstance(aud, list) else [])
    if expected in values:
        return
    if documented:
        raise fail("AT_AUD_NOT_DOCUMENTED", "aud is not the documented audience", "DOC-access_token.audience",
                   expected=expected, actual=aud)
    raise fail("AT_AUD_NOT_RESOURCE", "aud is not the requested resource indicator", "RFC9068-3",
               expected=expected, actual=aud, level=Level.SHOULD)


def check_client_id(claims: Mapping[str, Any], client_id: str, claim_name: str = "client_id") -> None:
    """RFC 9068 §2.2: ``client_id`` names the client that requested the token; so does a documented claim.

    "client_id REQUIRED - as defined in Section 4.3 of [RFC8693]." (the client identifier of
    the OAuth 2.0 client that requested the token). A documented "Client ID Claim Name" other
    than ``client_id`` only adds a check (``DOC-access_token.client_id_claim``): the RFC's
    ``client_id`` claim is still required, so a deployment that renames it gets both findings.
    """
    findings = Findings()
    if claims.get("client_id") != client_id:
        findings.add(finding("AT_CLIENT_ID_MISMATCH", "client_id is not the requesting client", "RFC9068-2.2",
                             client_id, claims.get("client_id")))
    if claim_name != "client_id" and claims.get(claim_name) != client_id:
        findings.add(finding("AT_DOCUMENTED_CLIENT_ID_MISMATCH", f"the documented client-id claim {claim_name} is "
                             "not the requesting client", "DOC-access_token.client_id_claim", client_id,
                             claims.get(claim_name)))
    findings.raise_if_any()


def check_scope(claims: Mapping[str, Any], requested: Sequence[str], *, claim_name: str = "scope",
                fmt: str = "string", granted: Sequence[str] | None = None) -> list[str]:
    """RFC 9068 §2.2.3: the ``scope`` claim, space-delimited (and the documented claim/format); return its values.

    "If an authorization request includes a scope parameter, the corresponding issued JWT
    access token SHOULD include a "scope" claim as defined in Section 4.2 of [RFC8693]."
    RFC 8693 §4.2: "The value of the "scope" claim is a JSON string containing a
    space-separated list of scopes". PingFederate's "Space Delimit Scope Values" (off by
    default) selects the string form; the profile's ``scope_format`` states which is
    documented (``DOC-access_token.scope_format``).

    The server may grant another scope than the one requested (RFC 6749 §3.3: "The
    authorization server MAY fully or partially ignore the scope requested by the client"),
    but then "If the issued access token scope is different from the one requested by the
    client, the authorization server MUST include the "scope" response parameter to inform
    the client of the actual scope granted." So every value of the claim must be in the
    granted scope: ``granted`` (the token response's ``scope``) or, when the response names
    none, the requested one. Fewer values than granted is not judged here.
    """
    findings = Findings()
    documented = fmt != "string" or claim_name != "scope"
    rfc_value = claims.get("scope")
    # RFC 9068 §2.2.3 / RFC 8693 §4.2 (a SHOULD sentence): a "scope" claim, space-delimited. A documented
    # claim name or format never waives it (issue 21): a deployment documented otherwise gets both findings.
    if rfc_value is None:
        if requested:
            findings.add(finding("AT_SCOPE_MISSING", "the 'scope' claim is missing although scope was requested",
                                 "RFC9068-2.2.3", " ".join(requested), None, Level.SHOULD))
    elif not isinstance(rfc_value, str):
        findings.add(finding("AT_SCOPE_FORMAT", "scope is not a space-delimited string", "RFC9068-2.2.3",
                             "string", rfc_value, Level.SHOULD))
    value = claims.get(claim_name)
    values: list[str] = []
    if documented and value is None:
        if requested:
            findings.add(finding("AT_DOCUMENTED_SCOPE_MISSING", f"the documented scope claim {claim_name!r} is "
                                 "missing although scope was requested", "DOC-access_token.scope_format",
                                 " ".join(requested), None))
    elif documented and fmt == "string" and not isinstance(value, str):
        findings.add(finding("AT_SCOPE_FORMAT", f"{claim_name} is not a space-delimited string",
                             "DOC-access_token.scope_format", "string", value))
    elif documented and fmt != "string" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        findings.add(finding("AT_SCOPE_FORMAT", f"{claim_name} is not a JSON array of strings",
                             "DOC-access_token.scope_format", "array", value))
    elif isinstance(value, str):
        values = value.split()
    elif isinstance(value, list):
        values = [v for v in value if isinstance(v, str)]
    allowed = list(granted) if granted is not None else list(requested)
    extra = sorted(set(values) - set(allowed))
    if allowed and extra:
        findings.add(finding("AT_SCOPE_NOT_GRANTED", "the token carries scopes that were neither requested nor "
                             "stated as granted in the token response", "RFC6749-3.3", sorted(allowed), values))
    findings.raise_if_any()
    return values


def check_jti(claims: Mapping[str, Any], documented_length: int | None) -> None:
    """Documented "JWT ID Claim Length": ``jti`` has exactly that many characters (0: no ``jti``)."""
    if documented_length is None:
        return
    jti = claims.get("jti")
    if documented_length == 0:
        if jti is not None:
            raise fail("AT_JTI_PRESENT", "jti is present although the documented length is 0",
                       "DOC-access_token.jti_length", expected=None, actual=jti)
        return
    if not isinstance(jti, str) or len(jti) != documented_length:
        raise fail("AT_JTI_LENGTH", "jti does not have the documented length", "DOC-access_token.jti_length",
                   expected=documented_length, actual=len(jti) if isinstance(jti, str) else jti)


def check_lifetime(claims: Mapping[str, Any], documented_s: int, *, tolerance_s: int = 1) -> int:
    """Documented "Token Lifetime": ``exp - iat`` equals it (± ``tolerance_s``); return the lifetime."""
    exp, iat = claims.get("exp"), claims.get("iat")
    if not (isinstance(exp, (int, float)) and isinstance(iat, (int, float))) or not (
            _is_number(exp) and _is_number(iat)):
        raise fail("AT_LIFETIME_UNKNOWN", "exp or iat is missing, so the lifetime cannot be judged",
                   "DOC-access_token.lifetime_s", expected=documented_s, actual={"exp": exp, "iat": iat})
    lifetime = int(exp - iat)
    if abs(lifetime - documented_s) > tolerance_s:
        raise fail("AT_LIFETIME_MISMATCH", "the token lifetime (exp - iat) differs from the documented one",
                   "DOC-access_token.lifetime_s", expected=documented_s, actual=lifetime)
    return lifetime


def check_time_claims(claims: Mapping[str, Any], *, now: float, skew_s: int = 60) -> None:
    """RFC 9068 §4 / §2.2: a fresh token is not expired (MUST) and not issued in the future (SHOULD).

    §4: "The current time MUST be before the time represented by the "exp" claim." — an
    already-expired token is unusable, a failure. §2.2: "iat REQUIRED - as defined in Section
    4.1.6 of [RFC7519]. This claim identifies the time at which the JWT access token was
    issued." No keyword governs the accuracy of that time, so an ``iat`` more than ``skew_s``
    after the moment of receipt is a warning, as for ID Tokens (OIDC Core §3.1.3.7 rule 10:
    "The iat Claim can be used to reject tokens that were issued too far away from the
    current time").
    """
    findings = Findings()
    exp, iat = claims.get("exp"), claims.get("iat")
    if isinstance(exp, (int, float)) and _is_number(exp) and exp <= now:
        findings.add(finding("AT_EXPIRED", "a freshly issued access token is already expired", "RFC9068-4",
                             f"> {int(now)}", exp))
    if isinstance(iat, (int, float)) and _is_number(iat) and iat > now + skew_s:
        findings.add(finding("AT_IAT_FUTURE", "iat lies in the future", "RFC9068-2.2", f"<= {int(now)}", iat,
                             Level.SHOULD))
    findings.raise_if_any()
