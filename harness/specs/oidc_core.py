"""OpenID Connect Core 1.0: ID Token rules, UserInfo ``sub``, ``prompt=none`` errors.

Each numbered rule of §3.1.3.7 (ID Token Validation) is its own check citing
``OIDCC-3.1.3.7-<n>``; claim rules cite §2, hash rules §3.1.3.6 / §3.2.2.x / §3.3.2.x. The
OP-side obligations behind a registered algorithm come from OIDC Dynamic Client
Registration §2 (``OIDCR-2``). :func:`validate_id_token` runs every applicable rule and
collects the findings, so a suite can either judge a token at once or call single rules.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness import jose
from harness.jose import JWKS, DecodedJWT
from harness.results import CheckFailed, Finding, Findings, HarnessError, Level, fail
from harness.specs._findings import finding
from harness.specs._redirect_target import at_redirect_uri
from harness.specs.rfc6749 import check_error_response_params
from harness.specs.rfc7518 import check_key_size

__all__ = [
    "PROMPT_NONE_ERRORS",
    "IdTokenExpectations",
    "RelyingPartyExpectations",
    "check_at_hash",
    "check_c_hash",
    "check_id_token_acr",
    "check_id_token_audience",
    "check_id_token_auth_time",
    "check_id_token_azp",
    "check_id_token_encryption",
    "check_id_token_expiry",
    "check_id_token_iat",
    "check_id_token_issuer",
    "check_id_token_key_size",
    "check_id_token_nonce",
    "check_id_token_signature",
    "check_id_token_sub",
    "check_login_required_error",
    "check_request_object_redirect_uri_used",
    "check_s_hash",
    "check_prompt_none_no_ui",
    "check_relying_party_acceptance",
    "check_sub_stable",
    "check_userinfo_sub",
    "validate_id_token",
]

#: OIDC Core §3.1.2.6 errors for a ``prompt=none`` request that needs interaction.
PROMPT_NONE_ERRORS: frozenset[str] = frozenset({
    "login_required", "interaction_required", "consent_required", "account_selection_required",
})

_JWS_ERRORS: dict[type[jose.JoseError], tuple[str, str]] = {
    jose.UnknownKid: ("ID_TOKEN_KID_UNKNOWN", "OIDCC-3.1.3.7-6"),
    jose.NoSuitableKey: ("ID_TOKEN_NO_SUITABLE_KEY", "OIDCC-3.1.3.7-6"),
    jose.AmbiguousKey: ("ID_TOKEN_KEY_AMBIGUOUS", "OIDCC-10.1-kid"),
    jose.KeyMismatch: ("ID_TOKEN_KEY_MISMATCH", "OIDCC-3.1.3.7-6"),
    jose.BadSignature: ("ID_TOKEN_SIGNATURE_INVALID", "OIDCC-3.1.3.7-6"),
    jose.InvalidHeader: ("ID_TOKEN_HEADER_INVALID", "RFC7515-4.1.11"),
    jose.MalformedToken: ("ID_TOKEN_MALFORMED", "OIDCC-2-signed"),
}


def check_id_token_encryption(token: str, *, expected_alg: str | None,
                              expected_enc: str | None) -> dict[str, Any] | None:
    """§3.1.3.7 rule 1 / Registration §2: encrypted exactly as registered; return the JWE header.

    Rule 1: "If the ID Token is encrypted, decrypt it using the keys and algorithms that
    the Client specified during Registration that the OP was to use to encrypt the ID
    Token. If encryption was negotiated with the OP at Registration time and the ID Token
    is not encrypted, the RP SHOULD reject it." Registration §2,
    ``id_token_encrypted_response_alg``: "If this is requested, the response will be
    encrypted … The default, if omitted, is that no encryption is performed." The OP side
    is therefore a MUST both ways. ``expected_alg=None`` means no encryption registered.
    """
    if not jose.is_jwe(token):
        if expected_alg is not None:
            raise fail("ID_TOKEN_NOT_ENCRYPTED", "encryption was registered but the ID Token is "
                       "not a JWE", "OIDCR-2-id_token_encrypted_response_alg", expected=expected_alg, actual="JWS")
        return None
    try:
        header = jose.decode_jose_header(token)
    except jose.JoseError as exc:
        raise fail("ID_TOKEN_MALFORMED", f"unreadable JWE header: {exc}", "OIDCC-2-signed") from exc
    if expected_alg is None:
        raise fail("ID_TOKEN_UNEXPECTEDLY_ENCRYPTED", "no encryption was registered but the ID "
                   "Token is a JWE", "OIDCR-2-id_token_encrypted_response_alg", expected="JWS",
                   actual=header.get("alg"))
    findings = Findings()
    if header.get("alg") != expected_alg:
        findings.add(finding("ID_TOKEN_ENC_ALG_MISMATCH", "JWE alg is not the registered one",
                             "OIDCR-2-id_token_encrypted_response_alg", expected_alg, header.get("alg")))
    if expected_enc is not None and header.get("enc") != expected_enc:
        findings.add(finding("ID_TOKEN_ENC_ENC_MISMATCH", "JWE enc is not the registered one",
                             "OIDCR-2-id_token_encrypted_response_enc", expected_enc, header.get("enc")))
    findings.raise_if_any()
    return header


def check_id_token_signature(token: str, keys: JWKS | None, *, allowed_algs: Sequence[str],
                             expected_alg: str | None = None, client_secret: str | None = None,
                             alg_requirement: str = "OIDCR-2-id_token_signed_response_alg",
                             public_client: bool = False) -> DecodedJWT:
    """§3.1.3.7 rules 6–8, §2 and §10.1: the ID Token is signed as it must be; return it.

    §2: "ID Tokens MUST be signed using JWS" and "ID Tokens MUST NOT use none as the alg
    value unless the Response Type used returns no ID Token from the Authorization
    Endpoint … and the Client explicitly requested the use of none at Registration time"
    (``none`` passes only if ``allowed_algs`` lists it). Rule 6: "The Client MUST validate
    the signature of all other ID Tokens according to JWS [JWS] using the algorithm
    specified in the JWT alg Header Parameter. The Client MUST use the keys provided by the
    Issuer." Rule 7: "The alg value SHOULD be the default of RS256 or the algorithm sent by
    the Client in the id_token_signed_response_alg parameter during Registration." — a
    registered ``expected_alg`` is a MUST for the OP (Registration §2: "JWS alg algorithm
    [JWA] REQUIRED for signing the ID Token issued to this Client"), an alg outside
    ``allowed_algs`` is a warning. Rule 8: for HS256/384/512 "the octets of the UTF-8
    [RFC3629] representation of the client_secret corresponding to the client_id contained
    in the aud (audience) Claim are used as the key". §10.1: "If there are multiple keys
    in the referenced JWK Set document, a kid value MUST be provided in the JOSE Header."

    An HS* token for a client that has no ``client_secret`` (``client_secret=None``: a
    ``private_key_jwt``, mTLS or public client) is the target's fault, not the harness's.
    §10.1: "When using MAC-based signatures, [...] The MAC key used is the octets of the
    UTF-8 representation of the client_secret value." — that key does not exist, so no
    client can validate the token (``ID_TOKEN_HS_WITHOUT_CLIENT_SECRET``); for a public
    client §10.1 adds "Symmetric signatures MUST NOT be used by public (non-confidential)
    Clients because of their inability to keep secrets." (``ID_TOKEN_HS_FOR_PUBLIC_CLIENT``).
    """
    if jose.is_jwe(token):
        raise HarnessError("check_id_token_signature needs the decrypted (inner) JWS")
    try:
        decoded = jose.decode_unverified(token)
    except jose.JoseError as exc:
        raise fail("ID_TOKEN_MALFORMED", f"the ID Token is not a JWS: {exc}", "OIDCC-2-signed") from exc
    alg = decoded.alg or ""
    findings = Findings()
    if alg == "none":
        if "none" in allowed_algs:
            return decoded
        raise fail("ID_TOKEN_UNSIGNED", "the ID Token uses alg none", "OIDCC-2-none",
                   expected=list(allowed_algs), actual="none")
    if expected_alg is not None and alg != expected_alg:
        findings.add(finding("ID_TOKEN_ALG_UNEXPECTED", "the ID Token is not signed with the "
                             "registered algorithm", alg_requirement, expected_alg, alg))
    elif alg not in allowed_algs:
        findings.add(finding("ID_TOKEN_ALG_NOT_ALLOWED", "the ID Token alg is neither RS256 nor "
                             "an allowed algorithm", "OIDCC-3.1.3.7-7", list(allowed_algs), alg,
                             Level.SHOULD))
    if alg in jose.HS_ALGS:
        _verify_hs(decoded, client_secret, findings, public_client=public_client)
    else:
        _verify_asymmetric(decoded, keys, findings)
    findings.raise_if_any()
    return decoded


def _verify_hs(decoded: DecodedJWT, client_secret: str | None, findings: Findings, *,
               public_client: bool) -> None:
    if client_secret is None:
        if public_client:
            findings.add(finding("ID_TOKEN_HS_FOR_PUBLIC_CLIENT", f"the ID Token of a public client is signed "
                                 f"with {decoded.alg}, a symmetric algorithm", "OIDCC-10.1-symmetric",
                                 "an asymmetric signature", decoded.alg))
        else:
            findings.add(finding("ID_TOKEN_HS_WITHOUT_CLIENT_SECRET", f"the ID Token is signed with {decoded.alg} "
                                 "but the client has no client_secret to serve as the key, so no client can "
                                 "validate it", "OIDCC-10.1-symmetric", "an algorithm the client has a key for",
                                 decoded.alg))
        return
    try:
        jose.verify_hs(decoded.compact, client_secret, [decoded.alg or ""])
    except jose.JoseError as exc:
        findings.add(_jose_finding(exc))


def _verify_asymmetric(decoded: DecodedJWT, keys: JWKS | None, findings: Findings) -> None:
    if keys is None:
        raise HarnessError(f"the ID Token uses {decoded.alg} but no issuer JWKS is available")
    if len(keys) > 1 and "kid" not in decoded.header:
        findings.add(finding("ID_TOKEN_KID_MISSING", "the issuer publishes several keys but the "
                             "ID Token header has no kid", "OIDCC-10.1-kid", "kid", None))
    try:
        jose.verify_jws(decoded.compact, keys, [decoded.alg or ""])
    except jose.AmbiguousKey as exc:
        if "kid" in decoded.header:
            findings.add(_jose_finding(exc))
    except jose.JoseError as exc:
        findings.add(_jose_finding(exc))


def _jose_finding(exc: jose.JoseError) -> Finding:
    code, requirement = _JWS_ERRORS.get(type(exc), ("ID_TOKEN_SIGNATURE_INVALID",
                                                    "OIDCC-3.1.3.7-6"))
    return finding(code, str(exc), requirement, None, exc.code)


def check_id_token_key_size(decoded: DecodedJWT, keys: JWKS, *, min_rsa_bits: int = 2048) -> int:
    """RFC 7518 §3.3: the RSA key that signed the ID Token has at least 2048 bits.

    "A key of size 2048 bits or larger MUST be used with these algorithms." Returns the
    key size in bits.
    """
    key = jose.select_key(keys, decoded.header)
    return check_key_size(key, decoded.alg or "", min_rsa_bits=min_rsa_bits)


def check_id_token_issuer(claims: Mapping[str, Any], issuer: str) -> None:
    """§3.1.3.7 rule 2: ``iss`` is exactly the issuer.

    "The Issuer Identifier for the OpenID Provider (which is typically obtained during
    Discovery) MUST exactly match the value of the iss (issuer) Claim."
    """
    if "iss" not in claims:
        raise fail("ID_TOKEN_ISS_MISSING", "the ID Token has no iss", "OIDCC-2-iss", expected=issuer)
    if claims["iss"] != issuer:
        raise fail("ID_TOKEN_ISS_MISMATCH", "iss is not exactly the issuer", "OIDCC-3.1.3.7-2",
                   expected=issuer, actual=claims["iss"])


def _audiences(claims: Mapping[str, Any]) -> list[str] | None:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud):
        return list(aud)
    return None


def check_id_token_audience(claims: Mapping[str, Any], client_id: str, *,
                            trusted_audiences: Collection[str] = ()) -> None:
    """§3.1.3.7 rule 3: ``aud`` contains the client and no untrusted audience.

    "The Client MUST validate that the aud (audience) Claim contains its client_id value
    registered at the Issuer identified by the iss (issuer) Claim as an audience. … The ID
    Token MUST be rejected if the ID Token does not list the Client as a valid audience, or
    if it contains additional audiences not trusted by the Client."
    """
    if "aud" not in claims:
        raise fail("ID_TOKEN_AUD_MISSING", "the ID Token has no aud", "OIDCC-2-aud", expected=client_id)
    audiences = _audiences(claims)
    if audiences is None:
        raise fail("ID_TOKEN_AUD_INVALID", "aud is neither a string nor an array of strings",
                   "OIDCC-2-aud", expected=client_id, actual=claims["aud"])
    if client_id not in audiences:
        raise fail("ID_TOKEN_AUD_MISMATCH", "aud does not contain the client_id",
                   "OIDCC-3.1.3.7-3", expected=client_id, actual=claims["aud"])
    untrusted = [a for a in audiences if a != client_id and a not in trusted_audiences]
    if untrusted:
        raise fail("ID_TOKEN_AUD_UNTRUSTED", "aud lists audiences the client does not trust",
                   "OIDCC-3.1.3.7-3", expected=[client_id, *trusted_audiences], actual=untrusted)


def check_id_token_azp(claims: Mapping[str, Any], client_id: str) -> None:
    """§2 ``azp``: when present, it is the client.

    §2: "azp … If present, it MUST contain the OAuth 2.0 Client ID of this party." Core 1.0 as
    first published also had the Client "verify that an azp Claim is present" when the ID Token
    has several audiences; errata set 2 removed that sentence (§3.1.3.7 rule 4 now only concerns
    extensions that use ``azp``), so a missing ``azp`` is no finding — several audiences are judged
    by rule 3 (:func:`check_id_token_audience`: no audience the client does not trust).
    """
    if "azp" in claims and claims["azp"] != client_id:
        raise fail("ID_TOKEN_AZP_MISMATCH", "azp is not the client_id", "OIDCC-2-azp",
                   expected=client_id, actual=claims["azp"])


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def check_id_token_expiry(claims: Mapping[str, Any], *, now: float, leeway: float = 60) -> None:
    """§2 ``exp`` and §3.1.3.7 rule 9: ``exp`` is present, numeric, and in the future.

    §2: "exp REQUIRED. Expiration time on or after which the ID Token MUST NOT be accepted
    by the RP when performing authentication with the OP." Rule 9: "The current time MUST
    be before the time represented by the exp Claim (possibly allowing for some small
    leeway to account for clock skew)."
    """
    if "exp" not in claims:
        raise fail("ID_TOKEN_EXP_MISSING", "the ID Token has no exp", "OIDCC-2-exp")
    exp = _number(claims, "exp")
    if exp is None:
        raise fail("ID_TOKEN_EXP_INVALID", "exp is not a JSON number", "OIDCC-2-exp",
                   expected="NumericDate", actual=claims["exp"])
    if now >= exp + leeway:
        raise fail("ID_TOKEN_EXPIRED", "the ID Token is already expired", "OIDCC-3.1.3.7-9",
                   expected=f"exp > {int(now)} (leeway {leeway}s)", actual=claims["exp"])


def check_id_token_iat(claims: Mapping[str, Any], *, now: float, leeway: float = 60,
                       max_age: float = 600) -> None:
    """§2 ``iat`` and §3.1.3.7 rule 10: ``iat`` is present and close to the current time.

    §2: "iat REQUIRED. Time at which the JWT was issued." Rule 10: "The iat Claim can be
    used to reject tokens that were issued too far away from the current time … The
    acceptable range is Client specific." — so a missing/non-numeric ``iat`` fails, while
    a future, stale or after-``exp`` value is a warning.
    """
    if "iat" not in claims:
        raise fail("ID_TOKEN_IAT_MISSING", "the ID Token has no iat", "OIDCC-2-iat")
    iat = _number(claims, "iat")
    if iat is None:
        raise fail("ID_TOKEN_IAT_INVALID", "iat is not a JSON number", "OIDCC-2-iat",
                   expected="NumericDate", actual=claims["iat"])
    findings = Findings()
    if iat > now + leeway:
        findings.add(finding("ID_TOKEN_IAT_IN_FUTURE", "iat is in the future", "OIDCC-3.1.3.7-10",
                             f"<= {int(now)} (leeway {leeway}s)", claims["iat"], Level.MAY))
    if now - iat > max_age:
        findings.add(finding("ID_TOKEN_IAT_TOO_OLD", "iat is far in the past for a fresh token",
                             "OIDCC-3.1.3.7-10", f">= {int(now - max_age)}", claims["iat"],
                             Level.MAY))
    exp = _number(claims, "exp")
    if exp is not None and exp <= iat:
        findings.add(finding("ID_TOKEN_EXP_NOT_AFTER_IAT", "exp is not after iat",
                             "OIDCC-3.1.3.7-10", f"> {claims['iat']}", claims["exp"],
                             Level.MAY))
    findings.raise_if_any()


def check_id_token_nonce(claims: Mapping[str, Any], sent_nonce: str | None) -> None:
    """§2 ``nonce`` and §3.1.3.7 rule 11: the nonce sent comes back unchanged.

    §2: "If present in the Authentication Request, Authorization Servers MUST include a
    nonce Claim in the ID Token with the Claim Value being the nonce value sent in the
    Authentication Request." Rule 11: "If a nonce value was sent in the Authentication
    Request, a nonce Claim MUST be present and its value checked to verify that it is the
    same value as the one that was sent in the Authentication Request."
    """
    if sent_nonce is None:
        return
    if "nonce" not in claims:
        raise fail("ID_TOKEN_NONCE_MISSING", "the ID Token has no nonce", "OIDCC-3.1.3.7-11",
                   expected=sent_nonce, actual=None)
    if claims["nonce"] != sent_nonce:
        raise fail("ID_TOKEN_NONCE_MISMATCH", "nonce differs from the one sent",
                   "OIDCC-3.1.3.7-11", expected=sent_nonce, actual=claims["nonce"])


def check_id_token_sub(claims: Mapping[str, Any]) -> str:
    """§2 ``sub``: present, a non-empty string of at most 255 ASCII characters; return it.

    "sub REQUIRED. Subject Identifier. A locally unique and never reassigned identifier
    within the Issuer for the End-User … It MUST NOT exceed 255 ASCII [RFC20] characters
    in length. The sub value is a case-sensitive string."
    """
    sub = claims.get("sub")
    if "sub" not in claims:
        raise fail("ID_TOKEN_SUB_MISSING", "the ID Token has no sub", "OIDCC-2-sub")
    if not isinstance(sub, str) or not sub:
        raise fail("ID_TOKEN_SUB_INVALID", "sub is not a non-empty string", "OIDCC-2-sub",
                   expected="string", actual=sub)
    findings = Findings()
    if not sub.isascii():
        findings.add(finding("ID_TOKEN_SUB_NOT_ASCII", "sub has non-ASCII characters", "OIDCC-2-sub_length",
                             "ASCII", sub))
    if len(sub) > 255:
        findings.add(finding("ID_TOKEN_SUB_TOO_LONG", "sub exceeds 255 characters", "OIDCC-2-sub_length",
                             "<= 255", len(sub)))
    findings.raise_if_any()
    return sub


def check_id_token_auth_time(claims: Mapping[str, Any], *, now: float, max_age: int | None = None,
                             essential: bool = False, leeway: float = 60) -> None:
    """§2 ``auth_time`` and §3.1.2.1 ``max_age``: present when required and recent enough.

    §2: "When a max_age request is made or when auth_time is requested as an Essential
    Claim, then this Claim is REQUIRED; otherwise, its inclusion is OPTIONAL." §3.1.2.1
    ``max_age``: "If the elapsed time is greater than this value, the OP MUST attempt to
    actively re-authenticate the End-User." ``now`` is the time the authentication response
    arrived.
    """
    if "auth_time" not in claims:
        if max_age is not None or essential:
            raise fail("ID_TOKEN_AUTH_TIME_MISSING", "auth_time is required (max_age or "
                       "essential request) but missing", "OIDCC-2-auth_time", expected="auth_time")
        return
    auth_time = _number(claims, "auth_time")
    if auth_time is None:
        raise fail("ID_TOKEN_AUTH_TIME_INVALID", "auth_time is not a JSON number", "OIDCC-2-auth_time",
                   expected="NumericDate", actual=claims["auth_time"])
    if max_age is not None and now - auth_time > max_age + leeway:
        raise fail("ID_TOKEN_AUTH_TIME_TOO_OLD", "the End-User was not re-authenticated although "
                   "max_age had elapsed", "OIDCC-3.1.2.1-max_age",
                   expected=f">= {int(now - max_age)}", actual=claims["auth_time"])
    if auth_time > now + leeway:
        raise fail("ID_TOKEN_AUTH_TIME_IN_FUTURE", "auth_time is in the future", "OIDCC-2-auth_time",
                   expected=f"<= {int(now)}", actual=claims["auth_time"], level=Level.SHOULD)


def check_id_token_acr(claims: Mapping[str, Any], *, requested: Collection[str] | None = None,
                       essential: bool = False) -> None:
    """§5.5.1.1: the ``acr`` returned for an ``acr`` request.

    "If the acr Claim is requested as an Essential Claim for the ID Token with a values
    parameter requesting specific Authentication Context Class Reference values and the
    implementation supports the claims parameter, the Authorization Server MUST return an
    acr Claim Value that matches one of the requested values." and "If the Claim is not
    Essential and a requested value cannot be provided, the Authorization Server SHOULD
    return the session's current acr as the value of the acr Claim." An essential request
    without values that gets no ``acr`` is a warning (§5.5.1: claims may be withheld).
    """
    acr = claims.get("acr")
    must = essential and bool(requested)
    level = Level.MUST if must else Level.SHOULD
    if acr is None:
        if essential or requested:
            raise fail("ID_TOKEN_ACR_MISSING", "acr was requested but is missing",
                       "OIDCC-5.5.1.1-essential" if must else "OIDCC-5.5.1.1-voluntary",
                       expected=sorted(requested or []), actual=None, level=level)
        return
    if must and acr not in (requested or ()):
        raise fail("ID_TOKEN_ACR_NOT_REQUESTED", "acr is none of the essential values requested",
                   "OIDCC-5.5.1.1-essential", expected=sorted(requested or []), actual=acr)


def _check_hash(claims: Mapping[str, Any], claim: str, value: str, alg: str, *, required: bool,
                crv: str | None, presence_req: str, match_req: str) -> None:
    code = claim.upper()
    if claim not in claims:
        if required:
            raise fail(f"ID_TOKEN_{code}_MISSING", f"{claim} is REQUIRED here", presence_req,
                       expected=jose.half_hash(value, alg, crv=crv), actual=None)
        return
    expected = jose.half_hash(value, alg, crv=crv)
    if claims[claim] != expected:
        raise fail(f"ID_TOKEN_{code}_MISMATCH", f"{claim} does not match the hash of the value",
                   match_req, expected=expected, actual=claims[claim])


def check_s_hash(claims: Mapping[str, Any], state: str, alg: str, *, crv: str | None = None) -> None:
    """FAPI 1.0 Advanced §5.2.2.1: ``s_hash`` in the front-channel ID Token when ``state`` was sent.

    Only for FAPI 1.0 Advanced clients (OIDC Core defines no ``s_hash``): with ``code id_token``
    the authorization server "shall include state hash, s_hash, in the ID Token to protect the
    state value if the client supplied a value for state"; §5.1: "the base64url encoding of the
    left-most half of the hash of the octets of the ASCII representation of the state value, where
    the hash algorithm used is the hash algorithm used in the alg header parameter of the ID
    Token's JOSE header". Missing or different is a SHALL finding.
    """
    _check_hash(claims, "s_hash", state, alg, required=True, crv=crv, presence_req="FAPI1ADV-5.2.2.1-5",
                match_req="FAPI1ADV-5.2.2.1-5")


def check_at_hash(claims: Mapping[str, Any], access_token: str, alg: str, *, required: bool,
                  crv: str | None = None, requirement: str = "OIDCC-3.3.2.11-at_hash") -> None:
    """§3.2.2.10 / §3.3.2.11 ``at_hash`` and §3.2.2.9 Access Token Validation.

    "at_hash: Access Token hash value. Its value is the base64url encoding of the left-most
    half of the hash of the octets of the ASCII representation of the access_token value,
    where the hash algorithm used is the hash algorithm used in the alg Header Parameter of
    the ID Token's JOSE Header." Hybrid (§3.3.2.11): "If the ID Token is issued from the
    Authorization Endpoint with an access_token value, which is the case for the
    response_type value code id_token token, this is REQUIRED; otherwise, its inclusion is
    OPTIONAL." §3.2.2.9: "The value of at_hash in the ID Token MUST match the value produced
    in the previous step." ``requirement`` names the presence rule that applies.
    """
    _check_hash(claims, "at_hash", access_token, alg, required=required, crv=crv,
                presence_req=requirement, match_req="OIDCC-3.2.2.9")


def check_c_hash(claims: Mapping[str, Any], code: str, alg: str, *, required: bool,
                 crv: str | None = None, requirement: str = "OIDCC-3.3.2.11-c_hash") -> None:
    """§3.3.2.11 ``c_hash`` and §3.3.2.10 Authorization Code Validation.

    "c_hash: Code hash value. Its value is the base64url encoding of the left-most half of
    the hash of the octets of the ASCII representation of the code value … If the ID Token
    is issued from the Authorization Endpoint with a code, which is the case for the
    response_type values code id_token and code id_token token, this is REQUIRED;
    otherwise, its inclusion is OPTIONAL." §3.3.2.10: "The value of c_hash in the ID Token
    MUST match the value produced in the previous step."
    """
    _check_hash(claims, "c_hash", code, alg, required=required, crv=crv, presence_req=requirement,
                match_req="OIDCC-3.3.2.10")


def check_userinfo_sub(userinfo: Mapping[str, Any], id_token_claims: Mapping[str, Any]) -> None:
    """§5.3.2: the UserInfo ``sub`` is present and equals the ID Token's.

    "The sub (subject) Claim MUST always be returned in the UserInfo Response." and "The
    sub Claim in the UserInfo Response MUST be verified to exactly match the sub Claim in
    the ID Token; if they do not match, the UserInfo Response values MUST NOT be used."
    """
    if "sub" not in userinfo:
        raise fail("USERINFO_SUB_MISSING", "the UserInfo response has no sub", "OIDCC-5.3.2-sub",
                   expected=id_token_claims.get("sub"), actual=None)
    if userinfo["sub"] != id_token_claims.get("sub"):
        raise fail("USERINFO_SUB_MISMATCH", "UserInfo sub differs from the ID Token sub",
                   "OIDCC-5.3.2-sub_match", expected=id_token_claims.get("sub"), actual=userinfo["sub"])


def check_sub_stable(first_sub: str, later_sub: str) -> None:
    """§2 ``sub``: the same End-User keeps the same ``sub`` for the same client.

    "A locally unique and never reassigned identifier within the Issuer for the End-User,
    which is intended to be consumed by the Client".
    """
    if first_sub != later_sub:
        raise fail("ID_TOKEN_SUB_CHANGED", "the same End-User got a different sub", "OIDCC-5.7",
                   expected=first_sub, actual=later_sub)


def check_login_required_error(params: Mapping[str, str], *,
                               accepted: Collection[str] = PROMPT_NONE_ERRORS) -> str:
    """§3.1.2.1 ``prompt=none`` / §3.1.2.6: a session-less ``prompt=none`` gets an error.

    "none: The Authorization Server MUST NOT display any authentication or consent user
    interface pages. An error is returned if an End-User is not already authenticated … The
    error code will typically be login_required, interaction_required, or another code
    defined in Section 3.1.2.6." §3.1.2.6 defines login_required, interaction_required,
    account_selection_required and consent_required for this. Returns the error.

    An error must come back (MUST); which one is only "typically" named, so another error code
    is a warning, not a failure.
    """
    return check_error_response_params(params, accepted, "OIDCC-3.1.2.1-prompt_none",
                                       unexpected_level=Level.SHOULD)


def check_prompt_none_no_ui(status: int, location: str | None, redirect_uri: str) -> None:
    """§3.1.2.1 ``prompt=none``: the answer is a redirect back to the client, not a page.

    "The Authorization Server MUST NOT display any authentication or consent user interface
    pages." (A ``form_post`` response is a 200 page that posts to the client: check it with
    the response-mode specific evidence instead.)
    """
    if not (300 <= status < 400 and location and location.startswith(redirect_uri.split("?")[0])):
        raise fail("PROMPT_NONE_SHOWED_UI", "prompt=none was not answered with a redirect to the "
                   "client", "OIDCC-3.1.2.1-prompt_none", expected=f"3xx to {redirect_uri}",
                   actual={"status": status, "location": location})


@dataclass(frozen=True)
class RelyingPartyExpectations:
    """The relying party's own acceptance rules (``documented.relying_party``), defaults resolved.

    PingAM's OpenID Connect module accepts an ID Token from ``accepted_issuer``, for one of
    ``accepted_audiences``, from one of ``accepted_authorized_parties``, verified by
    ``key_source`` (``discovery``: nothing beyond rule 6; ``jwks_url``: also with
    ``stated_keys``, fetched from ``jwks_url``; ``client_secret``: an HS* signature with the
    client secret). Checked by :func:`check_relying_party_acceptance`, in addition to the spec.
    """

    accepted_issuer: str
    accepted_audiences: tuple[str, ...]
    accepted_authorized_parties: tuple[str, ...]
    key_source: str = "discovery"
    jwks_url: str | None = None
    stated_keys: JWKS | None = None


@dataclass(frozen=True)
class IdTokenExpectations:
    """What the client sent and registered, for :func:`validate_id_token`."""

    issuer: str
    client_id: str
    keys: JWKS | None = None
    allowed_algs: tuple[str, ...] = ("RS256",)
    expected_alg: str | None = None
    alg_requirement: str = "OIDCR-2-id_token_signed_response_alg"
    client_secret: str | None = None
    public_client: bool = False
    nonce: str | None = None
    max_age: int | None = None
    auth_time_essential: bool = False
    acr_values: tuple[str, ...] | None = None
    acr_essential: bool = False
    access_token: str | None = None
    code: str | None = None
    response_type: str = "code"
    from_authorization_endpoint: bool = False
    trusted_audiences: tuple[str, ...] = ()
    decryption_keys: JWKS | None = None
    encryption_alg: str | None = None
    encryption_enc: str | None = None
    leeway: float = 60
    max_iat_age: float = 600
    min_rsa_bits: int = 2048
    relying_party: RelyingPartyExpectations | None = None


def validate_id_token(token: str, expect: IdTokenExpectations, *,
                      now: float) -> tuple[DecodedJWT | None, Findings]:
    """Run every applicable ID Token rule; return the decoded JWS (or None) and the findings.

    Decrypts (rule 1), verifies the signature and algorithm (rules 6–8, §10.1), checks the
    key size and the claims (rules 2–4, 9–11, §2, §5.5.1.1) and ``at_hash``/``c_hash``.
    Findings are collected, not raised: call ``findings.raise_if_any()`` to judge. Missing
    keys or secrets raise :class:`~harness.results.HarnessError`.
    """
    findings = Findings()
    inner = _decrypt(token, expect, findings)
    if inner is None:
        return None, findings
    try:
        decoded = jose.decode_unverified(inner)
    except jose.JoseError as exc:
        findings.add(finding("ID_TOKEN_MALFORMED", f"the ID Token is not a JWS: {exc}", "OIDCC-2-signed"))
        return None, findings
    verified = findings.check(check_id_token_signature, inner, expect.keys,
                              allowed_algs=expect.allowed_algs, expected_alg=expect.expected_alg,
                              client_secret=expect.client_secret,
                              alg_requirement=expect.alg_requirement, public_client=expect.public_client)
    if verified is not None and expect.keys is not None and decoded.alg not in (*jose.HS_ALGS,
                                                                                  "none"):
        findings.check(check_id_token_key_size, decoded, expect.keys,
                       min_rsa_bits=expect.min_rsa_bits)
    _check_claims(decoded, expect, now, findings)
    if expect.relying_party is not None:
        for item in check_relying_party_acceptance(decoded, expect.relying_party,
                                                   client_secret=expect.client_secret).items:
            findings.add(item)
    return decoded, findings


def check_relying_party_acceptance(decoded: DecodedJWT, stated: RelyingPartyExpectations, *,
                                   client_secret: str | None) -> Findings:
    """The relying party's stated acceptance rules, on top of §3.1.3.7 (``DOC-relying_party.*``).

    PingAM OpenID Connect module: "Name of OpenID Connect ID Token Issuer" — "Value must match
    the iss field in issued ID Token" (``iss`` equals ``accepted_issuer``); "Audience name" —
    "used to check that the ID token received is intended for this module as an audience"
    (``aud`` contains one of ``accepted_audiences``); "List of accepted authorized parties" —
    "checked against the authorized party claim of the ID token": the authorized party is
    ``azp``, or, without ``azp``, the single ``aud`` (OIDC Core §2: ``azp`` is "the party to
    which the ID Token was issued"; without it the token was issued to its audience), and must
    be accepted. Several audiences without ``azp`` name no authorized party: a finding, as the
    module has nothing to check. "OpenID Connect validation configuration type" — "1. the issuer
    discovery url, 2. the issuer jwk url, or 3. the client_secret": with ``jwks_url`` the
    signature also verifies with a key published there, with ``client_secret`` the token is
    HS*-signed with the client secret (OIDC Core §10.1). Never replaces a spec rule: the
    §3.1.3.7 checks run besides. Returns the findings (empty when everything matches).
    """
    findings = Findings()
    claims = decoded.claims
    if claims.get("iss") != stated.accepted_issuer:
        findings.add(finding("ID_TOKEN_ISSUER_NOT_ACCEPTED", "iss is not the relying party's accepted issuer",
                             "DOC-relying_party.accepted_issuer", stated.accepted_issuer, claims.get("iss")))
    audiences = _audiences(claims) or []
    if not any(a in audiences for a in stated.accepted_audiences):
        findings.add(finding("ID_TOKEN_AUDIENCE_NOT_ACCEPTED", "aud contains none of the relying party's "
                             "accepted audiences", "DOC-relying_party.accepted_audiences",
                             list(stated.accepted_audiences), claims.get("aud")))
    party = claims.get("azp", audiences[0] if len(audiences) == 1 else None)
    if party not in stated.accepted_authorized_parties:
        what = "azp" if "azp" in claims else ("the single aud (no azp)" if len(audiences) == 1
                                              else "nothing (several audiences, no azp)")
        findings.add(finding("ID_TOKEN_AZP_NOT_ACCEPTED", f"the authorized party ({what}) is not an accepted "
                             "authorized party", "DOC-relying_party.accepted_authorized_parties",
                             list(stated.accepted_authorized_parties), party))
    alg = decoded.alg or ""
    if stated.key_source == "client_secret":
        _check_stated_secret(decoded, alg, client_secret, findings)
    elif stated.key_source == "jwks_url":
        _check_stated_jwks(decoded, alg, stated, findings)
    return findings


def _check_stated_secret(decoded: DecodedJWT, alg: str, client_secret: str | None, findings: Findings) -> None:
    if alg not in jose.HS_ALGS:
        findings.add(finding("ID_TOKEN_NOT_SIGNED_WITH_CLIENT_SECRET", "the relying party validates with the "
                             "client secret but the ID Token is not HMAC-signed", "DOC-relying_party.key_source",
                             "HS256, HS384 or HS512", alg))
        return
    if client_secret is None:
        raise HarnessError("key_source client_secret: the client of the ID Token has no secret in the profile")
    try:
        jose.verify_hs(decoded.compact, client_secret, [alg])
    except jose.JoseError as exc:
        findings.add(finding("ID_TOKEN_NOT_SIGNED_WITH_CLIENT_SECRET", f"the ID Token does not verify with the "
                             f"client secret: {exc}", "DOC-relying_party.key_source", "a valid HMAC", exc.code))


def _check_stated_jwks(decoded: DecodedJWT, alg: str, stated: RelyingPartyExpectations, findings: Findings) -> None:
    if stated.stated_keys is None:
        raise HarnessError("key_source jwks_url: the keys of relying_party.jwks_url were not fetched")
    if alg in (*jose.HS_ALGS, "none"):
        findings.add(finding("ID_TOKEN_KEY_NOT_AT_STATED_JWKS_URL", "the relying party validates with the keys at "
                             "its JWK Set URL but the ID Token has no asymmetric signature",
                             "DOC-relying_party.jwks_url", f"a key of {stated.jwks_url}", alg))
        return
    try:
        jose.verify_jws(decoded.compact, stated.stated_keys, [alg])
    except jose.JoseError as exc:
        findings.add(finding("ID_TOKEN_KEY_NOT_AT_STATED_JWKS_URL", f"the ID Token does not verify with the keys "
                             f"published at the relying party's JWK Set URL: {exc}", "DOC-relying_party.jwks_url",
                             f"a key of {stated.jwks_url}", decoded.header.get("kid")))


def _decrypt(token: str, expect: IdTokenExpectations, findings: Findings) -> str | None:
    encrypted = jose.is_jwe(token)
    try:
        check_id_token_encryption(token, expected_alg=expect.encryption_alg,
                                  expected_enc=expect.encryption_enc)
    except CheckFailed as exc:
        for item in exc.findings:
            findings.add(item)
        if encrypted and expect.encryption_alg is None:
            return None
    if not encrypted:
        return token
    if expect.decryption_keys is None:
        raise HarnessError("the ID Token is encrypted but no client decryption keys are configured")
    header = jose.decode_jose_header(token)
    # Decrypt even with a mismatching alg/enc (already reported) to judge the rest.
    allowed = [a for a in (expect.encryption_alg, expect.encryption_enc, header.get("alg"),
                           header.get("enc"), "DEF") if isinstance(a, str)]
    try:
        _, plaintext = jose.decrypt_jwe(token, expect.decryption_keys, allowed)
    except jose.JoseError as exc:
        findings.add(finding("ID_TOKEN_DECRYPTION_FAILED", str(exc), "OIDCC-10.2"))
        return None
    try:
        return plaintext.decode("ascii").strip()
    except UnicodeDecodeError:
        findings.add(finding("ID_TOKEN_MALFORMED", "the JWE plaintext is not a signed JWT "
                             "(ID Tokens MUST be signed)", "OIDCC-2-signed"))
        return None


def _check_claims(decoded: DecodedJWT, expect: IdTokenExpectations, now: float,
                  findings: Findings) -> None:
    claims = decoded.claims
    findings.check(check_id_token_issuer, claims, expect.issuer)
    findings.check(check_id_token_sub, claims)
    findings.check(check_id_token_audience, claims, expect.client_id,
                   trusted_audiences=expect.trusted_audiences)
    findings.check(check_id_token_azp, claims, expect.client_id)
    findings.check(check_id_token_expiry, claims, now=now, leeway=expect.leeway)
    findings.check(check_id_token_iat, claims, now=now, leeway=expect.leeway,
                   max_age=expect.max_iat_age)
    findings.check(check_id_token_nonce, claims, expect.nonce)
    findings.check(check_id_token_auth_time, claims, now=now, max_age=expect.max_age,
                   essential=expect.auth_time_essential, leeway=expect.leeway)
    if expect.acr_values is not None or expect.acr_essential:
        findings.check(check_id_token_acr, claims, requested=expect.acr_values,
                       essential=expect.acr_essential)
    _check_hashes(decoded, expect, findings)


def _check_hashes(decoded: DecodedJWT, expect: IdTokenExpectations, findings: Findings) -> None:
    alg = decoded.alg or ""
    if alg == "none":
        return
    crv = None
    if alg == "EdDSA" and expect.keys is not None:
        try:
            crv = str(jose.select_key(expect.keys, decoded.header).as_dict().get("crv"))
        except jose.JoseError:
            crv = None
    front = expect.from_authorization_endpoint
    types = set(expect.response_type.split())
    if expect.access_token is not None:
        at_required = front and "token" in types
        at_req = ("OIDCC-3.2.2.10" if "code" not in types else "OIDCC-3.3.2.11-at_hash") if front \
            else "OIDCC-3.1.3.6"
        findings.check(check_at_hash, decoded.claims, expect.access_token, alg,
                       required=at_required, crv=crv, requirement=at_req)
    if expect.code is not None:
        findings.check(check_c_hash, decoded.claims, expect.code, alg,
                       required=front and "code" in types, crv=crv, requirement="OIDCC-3.3.2.11-c_hash")


def check_request_object_redirect_uri_used(*, landed: str | None, params: Mapping[str, str], inside: str,
                                           outside: str) -> str:
    """OIDC Core §6.3.3: the ``redirect_uri`` inside a request object wins over the one outside it.

    §6.3.3: "If the same parameter exists both in the Request Object and the OAuth Authorization
    Request parameters, the parameter in the Request Object is used." The request object names a
    registered ``redirect_uri``; outside it the request names an unregistered one. The response
    must go to the inside URI and carry a code; an error page without a redirect is accepted (the
    OIDF module ``oidcc-ensure-request-object-with-redirect-uri`` allows "an invalid redirect_uri
    error": a server may check the outside value too, it never sends anything there). ``landed`` is
    where the user agent was sent (``None`` for a page at the server). Returns what was observed.
    """
    if landed is None:
        return "an error page at the server (no redirect): accepted"
    if at_redirect_uri(landed, outside):
        raise fail("REQUEST_OBJECT_OUTSIDE_REDIRECT_URI_USED", "the response went to the redirect_uri sent outside "
                   "the request object (an unregistered URI)", "OIDCC-6.3.3", expected=inside, actual=landed)
    if not at_redirect_uri(landed, inside):
        raise fail("REQUEST_OBJECT_REDIRECT_URI_NOT_USED", "the response went neither to the request object's "
                   "redirect_uri nor stayed at the server", "OIDCC-6.3.3", expected=inside, actual=landed)
    if not params.get("code"):
        raise fail("REQUEST_OBJECT_REDIRECT_URI_NOT_USED", "the request object's redirect_uri got no code: the "
                   "request was not processed with the parameters of the request object", "OIDCC-6.3.3",
                   expected="a code at the request object's redirect_uri",
                   actual=f"error={params.get('error')!r}" if params.get("error") else sorted(params))
    return "a code at the request object's redirect_uri"
