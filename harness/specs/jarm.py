"""JWT Secured Authorization Response Mode for OAuth 2.0 (JARM, OpenID final): the response JWT.

Section numbers follow the final specification: §2.1 the JWT response document, §2.2
signing and encryption, §2.3.1–§2.3.4 the four response modes, §3 authorization server
metadata, §4 client metadata.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from harness import jose
from harness.jose import JWKS, DecodedJWT
from harness.results import Finding, Findings, Level, fail
from harness.specs._findings import finding

__all__ = [
    "JARM_MODES",
    "MAX_RECOMMENDED_LIFETIME_S",
    "check_delivery",
    "check_encryption",
    "check_error_claims",
    "check_jarm_advertised",
    "check_jarm_required",
    "check_response_claims",
    "check_signature",
    "expected_delivery",
]

JARM_MODES: tuple[str, ...] = ("jwt", "query.jwt", "fragment.jwt", "form_post.jwt")
#: §2.1: "A maximum JWT lifetime of 10 minutes is RECOMMENDED."
MAX_RECOMMENDED_LIFETIME_S = 600
_CREDENTIALS = ("code", "access_token", "id_token", "error")


def expected_delivery(mode: str, response_type: str) -> str:
    """Where a JARM ``mode`` delivers the response (``query``, ``fragment`` or ``form_post``).

    §2.3.4: "The response mode "jwt" is a shortcut and indicates the default redirect
    encoding (query, fragment) for the requested response type. The default for response
    type "code" is "query.jwt" whereas the default for response types containing "token"
    is "fragment.jwt"."

    "Containing "token"" is read as the name containing it, so ``id_token`` counts: a hybrid
    ``code id_token`` answers in the fragment, as its plain default does (OAuth 2.0 Multiple
    Response Type Encoding Practices §5: "the default Response Mode for this Response Type is the
    fragment encoding"), and §2.3.1 names both: ""query.jwt" MUST NOT be used in conjunction with
    response types that contain "token" or "id_token" unless the response JWT is encrypted".
    """
    if mode == "jwt":
        return "fragment" if any("token" in part for part in response_type.split()) else "query"
    if mode not in JARM_MODES:
        raise ValueError(f"{mode!r} is not a JARM response mode")
    return mode.split(".", 1)[0]


def check_delivery(mode: str, response_type: str, delivered_in: str, outer_params: Mapping[str, str]) -> None:
    """§2.3.1–§2.3.4: the ``response`` JWT travels where the mode says, and nothing leaks beside it.

    "query.jwt": the authorization server "adds the parameter response containing the JWT
    ... to the query component of the redirect URI"; "fragment.jwt": "to the fragment
    component"; "form_post.jwt": "encodes the response parameter ... as HTML form value
    that is auto-submitted in the User Agent". Authorization response parameters (a code,
    tokens, an error) sent next to the JWT defeat its protection (§1: JARM adds "sender
    authentication, audience restriction as well as protection from replay, credential
    leakage, and mix-up attacks").
    """
    findings = Findings()
    where = expected_delivery(mode, response_type)
    if delivered_in != where:
        findings.add(finding("JARM_WRONG_DELIVERY", f"response_mode={mode} delivered the response in the "
                             f"{delivered_in}", _mode_section(mode), where, delivered_in))
    leaked = sorted(k for k in outer_params if k in _CREDENTIALS)
    if leaked:
        findings.add(finding("JARM_PARAMETERS_OUTSIDE_JWT", "authorization response parameters were sent next "
                             "to the response JWT", _mode_section(mode), "only response", leaked))
    findings.raise_if_any()


def _mode_section(mode: str) -> str:
    return {"query.jwt": "JARM-2.3.1", "fragment.jwt": "JARM-2.3.2", "form_post.jwt": "JARM-2.3.3",
            "jwt": "JARM-2.3.4"}.get(mode, "JARM-2.3")


def _check_common(claims: Mapping[str, Any], issuer: str, client_id: str, now: float,
                  findings: Findings) -> None:
    iss = claims.get("iss")
    if iss is None:
        findings.add(finding("JARM_ISS_MISSING", "the response JWT has no iss", "JARM-2.1", issuer, None))
    elif iss != issuer:
        findings.add(finding("JARM_ISS_MISMATCH", "iss is not the issuer", "JARM-2.1", issuer, iss))
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud] if aud is not None else []
    if aud is None:
        findings.add(finding("JARM_AUD_MISSING", "the response JWT has no aud", "JARM-2.1", client_id, None))
    elif client_id not in audiences:
        findings.add(finding("JARM_AUD_MISMATCH", "aud is not the client_id of the client", "JARM-2.1",
                             client_id, aud))
    exp = claims.get("exp")
    if exp is None:
        findings.add(finding("JARM_EXP_MISSING", "the response JWT has no exp", "JARM-2.1", "NumericDate", None))
    elif isinstance(exp, bool) or not isinstance(exp, (int, float)):
        findings.add(finding("JARM_EXP_INVALID", "exp is not a NumericDate", "RFC7519-4.1.4-numericdate", "number",
                             exp))
    elif exp <= now:
        findings.add(finding("JARM_EXPIRED", "the response JWT is already expired", "RFC7519-4.1.4",
                             f"> {int(now)}", exp))
    elif exp - now > MAX_RECOMMENDED_LIFETIME_S + 60:
        findings.add(finding("JARM_LIFETIME_LONG", "the response JWT lives longer than the recommended 10 "
                             "minutes", "JARM-2.1-lifetime", f"<= {MAX_RECOMMENDED_LIFETIME_S}s", round(exp - now),
                             Level.SHOULD))


def check_response_claims(claims: Mapping[str, Any], *, issuer: str, client_id: str, state: str | None,
                          now: float | None = None) -> str:
    """§2.1: the response document of a successful code response; return the code.

    "The JWT always contains the following data utilized to secure the transmission: iss -
    the issuer URL of the authorization server that created the response; aud - the
    client_id of the client the response is intended for; exp - expiration of the JWT. A
    maximum JWT lifetime of 10 minutes is RECOMMENDED." and "The JWT MUST furthermore
    contain the authorization endpoint response parameters as defined for the particular
    response types" — for ``code``: ``code`` and ``state`` ("The exact value received from
    the client", RFC 6749 §4.1.2). ``exp`` must lie in the future (RFC 7519 §4.1.4); one
    minute of clock skew is allowed on the lifetime.
    """
    current = time.time() if now is None else now
    findings = Findings()
    _check_common(claims, issuer, client_id, current, findings)
    code = claims.get("code")
    if not isinstance(code, str) or not code:
        findings.add(finding("JARM_CODE_MISSING", "the response JWT carries no code", "JARM-2.1", "code",
                             sorted(claims)))
    _check_state(claims, state, findings)
    findings.raise_if_any()
    assert isinstance(code, str)
    return code


def _check_state(claims: Mapping[str, Any], state: str | None, findings: Findings) -> None:
    if state is None:
        return
    if "state" not in claims:
        findings.add(finding("JARM_STATE_MISSING", "the response JWT does not carry the state the client sent",
                             "JARM-2.1", state, None))
    elif claims["state"] != state:
        findings.add(finding("JARM_STATE_MISMATCH", "state in the response JWT differs from the one sent",
                             "RFC6749-4.1.2-state", state, claims["state"]))


def check_error_claims(claims: Mapping[str, Any], *, issuer: str, client_id: str, state: str | None,
                       expected_errors: Collection[str], now: float | None = None) -> str:
    """§2.1 / §2.1.3: an error response is a JWT too, with ``error`` and ``state``; return the error.

    "The JWT MUST furthermore contain the authorization endpoint response parameters as
    defined for the particular response types, even in case of an error response" —
    ``error`` (RFC 6749 §4.1.2.1) and ``state`` — plus ``iss``, ``aud`` and ``exp``.
    """
    current = time.time() if now is None else now
    findings = Findings()
    _check_common(claims, issuer, client_id, current, findings)
    error = claims.get("error")
    if not isinstance(error, str):
        findings.add(finding("JARM_ERROR_MISSING", "the error response JWT has no error", "JARM-2.1",
                             sorted(expected_errors), sorted(claims)))
    elif error not in expected_errors:
        findings.add(finding("JARM_ERROR_UNEXPECTED", f"error is {error!r}", "RFC6749-4.1.2.1",
                             sorted(expected_errors), error))
    if claims.get("code"):
        findings.add(finding("JARM_ERROR_HAS_CODE", "an error response JWT also carries a code",
                             "RFC6749-4.1.2.1-params", "no code", "code"))
    _check_state(claims, state, findings)
    findings.raise_if_any()
    return str(error)


_JWS_ERRORS: dict[type[jose.JoseError], str] = {
    jose.UnknownKid: "JARM_KID_UNKNOWN",
    jose.NoSuitableKey: "JARM_NO_SUITABLE_KEY",
    jose.AmbiguousKey: "JARM_KEY_AMBIGUOUS",
    jose.KeyMismatch: "JARM_KEY_MISMATCH",
    jose.BadSignature: "JARM_SIGNATURE_INVALID",
    jose.InvalidHeader: "JARM_HEADER_INVALID",
    jose.MalformedToken: "JARM_MALFORMED",
}


def check_signature(decoded: DecodedJWT, keys: JWKS, *, expected_alg: str, documented: bool,
                    allowed_algs: Sequence[str], client_secret: str | None = None) -> None:
    """§2.2 / §4: the response JWT is signed with the registered algorithm and a key of the issuer.

    §2.2: "The JWT is either signed, or signed and encrypted." §4,
    ``authorization_signed_response_alg``: "JWS [RFC7515] alg algorithm JWA [RFC7518]
    REQUIRED for signing authorization responses. If this is specified, the response will be
    signed using JWS and the configured algorithm. The default, if omitted, is RS256."
    §2.4: the client validates the signature "using the JWK set of the expected issuer".
    ``documented`` says whether ``expected_alg`` comes from the profile (``DOC-jarm_signing_alg``)
    or is the default. ``none`` is never acceptable. HS256/384/512 responses are verified with
    ``client_secret`` (OIDC Core §10.1: the octets of the UTF-8 client secret).
    """
    alg = decoded.alg or ""
    if alg == "none":
        raise fail("JARM_UNSIGNED", "the response JWT is not signed (alg none)", "JARM-2.2",
                   expected=expected_alg, actual="none")
    findings = Findings()
    if alg != expected_alg:
        findings.add(finding("JARM_ALG_UNEXPECTED", "the response JWT is not signed with the registered "
                             "algorithm", "DOC-jarm_signing_alg" if documented else "JARM-3", expected_alg, alg))
    if alg in jose.HS_ALGS and client_secret is not None:
        try:
            jose.verify_hs(decoded.compact, client_secret, [alg])
        except jose.JoseError as exc:
            findings.add(_jose_finding(exc))
        findings.raise_if_any()
        return
    if alg not in allowed_algs:
        findings.add(finding("JARM_ALG_NOT_ALLOWED", f"alg {alg} is not an asymmetric JWS algorithm the harness "
                             "verifies", "JARM-2.2", list(allowed_algs), alg))
        findings.raise_if_any()
    try:
        jose.verify_jws(decoded.compact, keys, [alg])
    except jose.JoseError as exc:
        findings.add(_jose_finding(exc))
    findings.raise_if_any()


def _jose_finding(exc: jose.JoseError) -> Finding:
    return finding(_JWS_ERRORS.get(type(exc), "JARM_SIGNATURE_INVALID"), str(exc), "JARM-2.4", None, exc.code)


def check_encryption(jwe_header: Mapping[str, Any] | None, *, expected_alg: str, expected_enc: str) -> None:
    """§2.2 / §4: a client registered for encryption gets a JWE with the registered ``alg``/``enc``.

    §2.2: "If the JWT is both signed and encrypted, the JSON document will be signed then
    encrypted, with the result being a Nested JWT". §4, ``authorization_encrypted_response_alg``:
    "JWE [RFC7516] alg algorithm JWA [RFC7518] REQUIRED for encrypting authorization
    responses. If both signing and encryption are requested, the response will be signed
    then encrypted"; ``authorization_encrypted_response_enc``: "JWE [RFC7516] enc algorithm
    JWA [RFC7518] REQUIRED for encrypting authorization responses."
    """
    if jwe_header is None:
        raise fail("JARM_NOT_ENCRYPTED", "encryption is registered but the response JWT is not a JWE",
                   "DOC-jarm_encryption", expected=f"{expected_alg}/{expected_enc}", actual="JWS")
    findings = Findings()
    if jwe_header.get("alg") != expected_alg:
        findings.add(finding("JARM_ENC_ALG_MISMATCH", "the JWE alg is not the registered one", "DOC-jarm_encryption",
                             expected_alg, jwe_header.get("alg")))
    if jwe_header.get("enc") != expected_enc:
        findings.add(finding("JARM_ENC_ENC_MISMATCH", "the JWE enc is not the registered one", "DOC-jarm_encryption",
                             expected_enc, jwe_header.get("enc")))
    findings.raise_if_any()


def check_jarm_required(params: Mapping[str, str], *, response_jwt_present: bool, redirected: bool) -> None:
    """Documented "Require JARM": a request without a JWT response mode is refused.

    PingFederate "Require JWT Secured Authorization Response Mode": "the client must use
    JWT secured authorization response mode (JARM). The client's authorization requests
    must include one of the following authorization response mode values: jwt, query.jwt,
    fragment.jwt, form_post.jwt". A plain code response is a failure of the documented
    setting; a refusal is expected to be ``invalid_request`` (RFC 6749 §4.1.2.1, a
    warning otherwise).
    """
    if params.get("code") or params.get("access_token") or params.get("id_token"):
        raise fail("JARM_NOT_REQUIRED", "a request without a JWT response mode got a plain authorization "
                   "response although JARM is required", "DOC-require_jarm", expected="refusal",
                   actual="plain code response")
    if response_jwt_present:
        return  # the server answered with JARM regardless of the mode: protected, not a failure
    if redirected and params.get("error") not in ("invalid_request", "unsupported_response_mode"):
        raise fail("JARM_REQUIRED_WRONG_ERROR", "the refusal does not use invalid_request", "RFC6749-4.1.2.1",
                   expected="invalid_request", actual=params.get("error"), level=Level.SHOULD)


def check_jarm_advertised(metadata: Mapping[str, Any], *, working_modes: Sequence[str],
                          signing_alg: str | None = None, encryption: tuple[str, str] | None = None,
                          tried_modes: Sequence[str] = ()) -> None:
    """RFC 8414 §2 / JARM §3: the metadata lists the response modes and algorithms that work.

    RFC 8414 §2, ``response_modes_supported``: "JSON array containing a list of the OAuth
    2.0 "response_mode" values that this authorization server supports ... If omitted, the
    default is "["query", "fragment"]"." JARM §3 adds
    ``authorization_signing_alg_values_supported`` ("JSON array containing a list of the JWS
    [RFC7515] signing algorithms (alg values) JWA [RFC7518] supported by the authorization
    endpoint to sign the response"), ``authorization_encryption_alg_values_supported`` and
    ``authorization_encryption_enc_values_supported``. A working mode that is not listed is a
    warning (JARM §4: "Authorization servers SHOULD publish the supported response mode values
    utilizing the parameter response_modes_supported"); a listed mode of ``tried_modes`` that did
    not work is a failure (the list then claims support that is not there); an unlisted algorithm,
    a warning (the members are optional).
    """
    findings = Findings()
    modes = metadata.get("response_modes_supported", ["query", "fragment"])
    modes_list = modes if isinstance(modes, list) else []
    missing = [m for m in working_modes if m not in modes_list]
    if missing:
        findings.add(finding("JARM_MODES_NOT_ADVERTISED", "JARM response modes work but are not listed in "
                             "response_modes_supported", "JARM-4-response_modes", list(working_modes), modes,
                             Level.SHOULD))
    broken = [m for m in tried_modes if m in modes_list and m not in working_modes]
    if broken:
        findings.add(finding("JARM_MODES_ADVERTISED_NOT_WORKING", "JARM response modes are listed in "
                             "response_modes_supported but returned no response JWT", "RFC8414-2-supported",
                             list(working_modes), broken))
    for member, value in (("authorization_signing_alg_values_supported", signing_alg),
                          ("authorization_encryption_alg_values_supported", encryption[0] if encryption else None),
                          ("authorization_encryption_enc_values_supported", encryption[1] if encryption else None)):
        if value is None:
            continue
        listed = metadata.get(member)
        if not isinstance(listed, list) or value not in listed:
            findings.add(finding("JARM_ALG_NOT_ADVERTISED", f"{value} is used but not listed in {member}",
                                 "JARM-4", value, listed, Level.SHOULD))
    findings.raise_if_any()
