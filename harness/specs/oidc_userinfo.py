"""OpenID Connect Core §5.3 (UserInfo Endpoint): what a UserInfo response must look like.

Pure judging functions over an observed response (status, headers, body). Errors of the
endpoint are judged by :mod:`harness.specs.rfc6750` (OIDC Core §5.3.3: "When an error
condition occurs, the UserInfo Endpoint returns an Error Response as defined in Section 3 of
OAuth 2.0 Bearer Token Usage"); which claims a response carries by :mod:`harness.specs.oidc_claims`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness import jose
from harness.jose import JWKS, DecodedJWT
from harness.results import CheckFailed, Findings, Level, fail
from harness.specs._findings import finding
from harness.specs._http import Body, Headers, media_type, parse_json

__all__ = [
    "check_userinfo_json",
    "check_userinfo_jwe",
    "check_userinfo_jwt",
]


def _accepted(status: int, accept_requirement: str, what: str) -> None:
    if status != 200:
        raise fail("USERINFO_REFUSED", f"the UserInfo endpoint refused {what}", accept_requirement,
                   expected=200, actual=status)


def check_userinfo_json(status: int, headers: Headers, body: Body, *, accept_requirement: str = "OIDCC-5.3-bearer",
                        what: str = "a fresh access token") -> dict[str, Any]:
    """§5.3.2: a plain UserInfo response is a JSON object served as ``application/json`` with ``sub``.

    ``accept_requirement`` is the rule that obliges the endpoint to serve the request (a refusal
    is a MUST finding citing it): "The UserInfo Endpoint MUST accept Access Tokens as OAuth 2.0
    Bearer Token Usage" (§5.3), "MUST support the use of the HTTP GET and HTTP POST methods"
    (§5.3), RFC 6750 §2.1 "Resource servers MUST support this method." Then:

    * "The UserInfo Claims MUST be returned as the members of a JSON object unless a signed or
      encrypted response was requested during Client Registration." (MUST);
    * "The content-type of the HTTP response MUST be application/json if the response body is a
      text JSON object" (MUST);
    * "The sub (subject) Claim MUST always be returned in the UserInfo Response." (MUST);
    * "If a Claim is not returned, that Claim Name SHOULD be omitted from the JSON object
      representing the Claims; it SHOULD NOT be present with a null or empty string value." (SHOULD).

    Returns the claims.
    """
    _accepted(status, accept_requirement, what)
    value, problem = parse_json(body)
    if not isinstance(value, dict):
        reason = problem or "not an object"
        raise fail("USERINFO_NOT_JSON_OBJECT", f"the UserInfo response is not a JSON object ({reason})",
                   "OIDCC-5.3.2-json", expected="JSON object", actual=media_type(headers))
    findings = Findings()
    kind = media_type(headers)
    if kind != "application/json":
        findings.add(finding("USERINFO_CONTENT_TYPE", "the UserInfo JSON response is not served as application/json",
                             "OIDCC-5.3.2-content_type", "application/json", kind))
    if not isinstance(value.get("sub"), str) or not value.get("sub"):
        findings.add(finding("USERINFO_SUB_MISSING", "the UserInfo response has no sub", "OIDCC-5.3.2-sub",
                             "sub", sorted(value)))
    empty = sorted(name for name, claim in value.items() if claim is None or claim == "")
    if empty:
        findings.add(finding("USERINFO_NULL_CLAIMS", "the UserInfo response lists claims with a null or empty "
                             "value instead of omitting them", "OIDCC-5.3.2-omit_null", "claims omitted", empty,
                             Level.SHOULD))
    findings.raise_if_any()
    return value


def check_userinfo_jwt(status: int, headers: Headers, body: bytes | str, *, issuer: str, client_id: str,
                       keys: JWKS, expected_alg: str) -> DecodedJWT:
    """§5.3.2 with Registration §2 ``userinfo_signed_response_alg``: a signed UserInfo response.

    Registration §2: "userinfo_signed_response_alg ... JWS alg algorithm [JWA] REQUIRED for
    signing UserInfo Responses. If this is specified, the response will be JWT [JWT] serialized,
    and signed using JWS." §5.3.2: "If the UserInfo Response is signed and/or encrypted, then the
    Claims are returned in a JWT and the content-type MUST be application/jwt." and "If signed,
    the UserInfo Response MUST contain the Claims iss (issuer) and aud (audience) as members. The
    iss value MUST be the OP's Issuer Identifier URL. The aud value MUST be or include the RP's
    Client ID value." The registered alg is the documented one (``DOC-userinfo_signing_alg``);
    the signature must verify with a key of the issuer's JWK Set. Returns the decoded JWT.
    """
    _accepted(status, "OIDCC-5.3-bearer", "a fresh access token of a client registered for signed UserInfo")
    findings = Findings()
    _check_jwt_type(headers, findings)
    decoded = _signed(_text(body), issuer=issuer, client_id=client_id, keys=keys, expected_alg=expected_alg,
                      findings=findings)
    findings.raise_if_any()
    return decoded


def check_userinfo_jwe(status: int, headers: Headers, body: bytes | str, *, issuer: str, client_id: str,
                       keys: JWKS, signing_alg: str | None, decryption_keys: JWKS, encryption_alg: str,
                       encryption_enc: str) -> dict[str, Any]:
    """§5.3.2 with Registration §2 ``userinfo_encrypted_response_alg``/``_enc``: an encrypted UserInfo response.

    Registration §2: "userinfo_encrypted_response_alg ... JWE [JWE] alg algorithm [JWA] REQUIRED
    for encrypting UserInfo Responses. If both signing and encryption are requested, the response
    will be signed then encrypted, with the result being a Nested JWT". §5.3.2: "the content-type
    MUST be application/jwt" and "If both signing and encryption are requested, the response MUST
    be signed then encrypted, with the result being a Nested JWT, as defined in [JWT]." The
    documented alg/enc (``DOC-userinfo_encryption``) must be the ones used; the JWE must decrypt
    with the client's key; with a documented ``signing_alg`` the plaintext is judged as a signed
    response (:func:`check_userinfo_jwt`), otherwise it is the claims as JSON. Returns the claims.
    """
    _accepted(status, "OIDCC-5.3-bearer", "a fresh access token of a client registered for encrypted UserInfo")
    findings = Findings()
    _check_jwt_type(headers, findings)
    text = _text(body)
    if not jose.is_jwe(text):
        raise fail("USERINFO_NOT_ENCRYPTED", "the UserInfo response of a client registered for encrypted responses "
                   "is not a JWE", "DOC-userinfo_encryption", expected=f"JWE {encryption_alg}/{encryption_enc}",
                   actual="JWS" if text.count(".") == 2 else media_type(headers))
    header = jose.decode_jose_header(text)
    if header.get("alg") != encryption_alg or header.get("enc") != encryption_enc:
        findings.add(finding("USERINFO_ENCRYPTION_ALG", "the UserInfo JWE does not use the registered alg/enc",
                             "DOC-userinfo_encryption", f"{encryption_alg}/{encryption_enc}",
                             f"{header.get('alg')}/{header.get('enc')}"))
    allowed = [a for a in (encryption_alg, encryption_enc, header.get("alg"), header.get("enc")) if isinstance(a, str)]
    try:
        _, plaintext = jose.decrypt_jwe(text, decryption_keys, allowed)
    except jose.JoseError as exc:
        findings.add(finding("USERINFO_DECRYPTION_FAILED", f"the UserInfo JWE does not decrypt with the client's key: "
                             f"{exc}", "OIDCR-2-userinfo_encrypted_response_alg", "decryptable JWE", exc.code))
        raise CheckFailed(*findings.items) from exc
    inner = plaintext.decode("utf-8", "replace").strip()
    if signing_alg is not None:
        if inner.count(".") != 2:
            findings.add(finding("USERINFO_NOT_NESTED", "signing and encryption are registered but the JWE does not "
                                 "contain a signed JWT", "OIDCC-5.3.2-nested", "Nested JWT (signed then encrypted)",
                                 "plain claims"))
            raise CheckFailed(*findings.items)
        decoded = _signed(inner, issuer=issuer, client_id=client_id, keys=keys, expected_alg=signing_alg,
                          findings=findings)
        findings.raise_if_any()
        return dict(decoded.claims)
    value, problem = parse_json(inner)
    if not isinstance(value, dict):
        findings.add(finding("USERINFO_NOT_JSON_OBJECT", f"the decrypted UserInfo response is not a JSON object "
                             f"({problem or 'not an object'})", "OIDCC-5.3.2-json", "JSON object", None))
        raise CheckFailed(*findings.items)
    findings.raise_if_any()
    return value


def _text(body: bytes | str) -> str:
    return (body.decode("utf-8", "replace") if isinstance(body, bytes) else body).strip()


def _check_jwt_type(headers: Headers, findings: Findings) -> None:
    kind = media_type(headers)
    if kind != "application/jwt":
        findings.add(finding("USERINFO_JWT_CONTENT_TYPE", "the UserInfo response of a client registered for signed "
                             "or encrypted responses is not served as application/jwt", "OIDCC-5.3.2-jwt",
                             "application/jwt", kind))


def _signed(text: str, *, issuer: str, client_id: str, keys: JWKS, expected_alg: str,
            findings: Findings) -> DecodedJWT:
    """Judge a signed UserInfo JWT (alg, signature, iss/aud/sub) into ``findings``; not a JWS raises them."""
    try:
        decoded = jose.decode_unverified(text)
    except jose.JoseError as exc:
        findings.add(finding("USERINFO_NOT_SIGNED", f"the UserInfo response is not a JWS: {exc}",
                             "OIDCR-2-userinfo_signed_response_alg", f"JWS signed with {expected_alg}", exc.code))
        raise CheckFailed(*findings.items) from exc
    if decoded.alg != expected_alg:
        findings.add(finding("USERINFO_ALG_UNEXPECTED", "the UserInfo JWT is not signed with the registered "
                             "algorithm", "DOC-userinfo_signing_alg", expected_alg, decoded.alg))
    elif decoded.alg != "none":
        try:
            jose.verify_jws(decoded.compact, keys, [expected_alg])
        except jose.JoseError as exc:
            findings.add(finding("USERINFO_SIGNATURE_INVALID", f"the UserInfo JWT does not verify with the issuer's "
                                 f"keys: {exc}", "OIDCR-2-userinfo_signed_response_alg", "a valid signature",
                                 exc.code))
    _check_signed_claims(decoded.claims, issuer, client_id, findings)
    return decoded


def _check_signed_claims(claims: Mapping[str, Any], issuer: str, client_id: str, findings: Findings) -> None:
    if claims.get("iss") != issuer:
        findings.add(finding("USERINFO_JWT_ISS", "the signed UserInfo response's iss is not the issuer",
                             "OIDCC-5.3.2-signed_claims", issuer, claims.get("iss")))
    aud = claims.get("aud")
    audiences: Sequence[Any] = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if client_id not in audiences:
        findings.add(finding("USERINFO_JWT_AUD", "the signed UserInfo response's aud does not include the client id",
                             "OIDCC-5.3.2-signed_claims", client_id, aud))
    if not isinstance(claims.get("sub"), str) or not claims.get("sub"):
        findings.add(finding("USERINFO_SUB_MISSING", "the signed UserInfo response has no sub", "OIDCC-5.3.2-sub",
                             "sub", sorted(claims)))
