"""The defect registry: core defects (``src/defects.mjs``) plus the area modules' ones (``src/areas``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from harness.reference_target.install import FIXTURE_DIR

__all__ = ["AREAS_DIR", "CORE_DEFECTS", "KNOWN_DEFECTS", "check_defects"]

CORE_DEFECTS: Mapping[str, str] = MappingProxyType({
    # discovery / JWKS
    "discovery_wrong_issuer": 'discovery "issuer" differs from the issuer the metadata was fetched for',
    "discovery_missing_jwks_uri": 'discovery document lacks the required "jwks_uri" member',
    "discovery_scalar_array":
        'discovery "response_types_supported" is a space-separated string instead of a JSON array',
    "jwks_duplicate_kid": 'jwks_uri publishes two different keys with the same "kid"',
    "discovery_no_pkce_methods":
        'discovery omits "code_challenge_methods_supported" although PKCE (S256) works',
    "discovery_iss_param_unadvertised":
        'discovery omits "authorization_response_iss_parameter_supported" although "iss" is sent',
    "jwks_private_key": "jwks_uri leaks private RSA key members (d, p, q, dp, dq, qi)",
    "discovery_not_json": "the discovery document is served with Content-Type text/plain (body unchanged)",
    "discovery_issuer_query": 'discovery "issuer" has a query component ("?tenant=1")',
    "discovery_http_endpoint": 'discovery "userinfo_endpoint" uses http:// instead of https://',
    "discovery_no_rs256": 'discovery "id_token_signing_alg_values_supported" lacks RS256',
    "discovery_scopes_no_openid": 'discovery "scopes_supported" lacks "openid"',
    "discovery_bad_subject_type": 'discovery "subject_types_supported" contains the undefined value "anonymous"',
    # authorization endpoint
    "authz_state_mismatch": 'successful authorization responses carry a "state" different from the one sent',
    "authz_state_dropped": 'successful authorization responses omit "state"',
    "authz_iss_missing": 'authorization responses omit the RFC 9207 "iss" parameter',
    "authz_iss_wrong": 'authorization responses carry a wrong RFC 9207 "iss" value',
    "authz_code_in_fragment": "response_mode=query responses are delivered in the fragment",
    "redirect_uri_prefix_match":
        "redirect_uri is prefix-matched: a registered URI plus extra path/query is accepted and redirected to",
    "redirect_uri_any_host":
        "any absolute redirect_uri (another host included) is accepted and redirected to with a code",
    "authz_missing_response_type_wrong_error":
        'an authorization request without response_type is answered with "server_error" instead of "invalid_request"',
    "authz_wrong_error_unsupported_response_type":
        'an unsupported response_type is answered with "server_error" instead of "unsupported_response_type"',
    "authz_unknown_param_rejected":
        'an unknown authorization request parameter causes "invalid_request" instead of being ignored',
    "consent_denied_no_state": 'the access_denied error redirect (consent denied) omits "state"',
    "consent_denied_wrong_error": 'denying consent redirects with "server_error" instead of "access_denied"',
    "prompt_none_shows_login":
        "prompt=none without a session renders the login page instead of redirecting with login_required",
    "error_redirect_includes_code": 'authorization error redirects also carry a "code" parameter',
    # token endpoint / authorization code
    "code_reusable": "an authorization code can be redeemed more than once",
    "code_reuse_keeps_tokens":
        "code reuse is refused but tokens issued for the first redemption are not revoked",
    "code_not_client_bound": "a client can redeem an authorization code issued to another client",
    "token_redirect_uri_unchecked":
        "the token endpoint accepts a redirect_uri different from the one used in the authorization request",
    "code_never_expires": "expired authorization codes are still accepted",
    "code_low_entropy": "authorization codes are 8 hex characters from a sequential counter (still redeemable)",
    "token_error_wrong_status": "invalid_grant errors from the token endpoint are sent with HTTP 200 instead of 400",
    "token_no_cache_control": 'token endpoint responses lack "Cache-Control: no-store"',
    # PKCE
    "pkce_verifier_unchecked": "a wrong code_verifier is accepted",
    "pkce_verifier_optional": "a missing code_verifier is accepted although a code_challenge was sent",
    "pkce_plain_accepted": "code_challenge_method=plain is accepted (and works end-to-end)",
    "pkce_not_required": "public clients and require_pkce clients may omit the code_challenge",
    "pkce_verifier_without_challenge_accepted":
        "a code_verifier sent for a code issued without a code_challenge is accepted",
    "pkce_verifier_length_unchecked":
        "a code_verifier shorter than 43 or longer than 128 characters is accepted when its S256 matches",
    "pkce_wrong_error": 'a wrong code_verifier is answered with "invalid_request" instead of "invalid_grant"',
    "pkce_missing_method_accepted":
        "a code_challenge without code_challenge_method (i.e. plain) is accepted and treated as S256",
    # ID token
    "idtoken_bad_signature": "ID token signature bytes are corrupted",
    "idtoken_alg_none": 'ID token is unsigned (alg "none")',
    "idtoken_unknown_kid": 'ID token header "kid" names a key that is not in the JWKS',
    "idtoken_wrong_iss": 'ID token "iss" differs from the issuer',
    "idtoken_wrong_aud": 'ID token "aud" is another client',
    "idtoken_multi_aud_no_azp": 'ID token "aud" is an array with an extra audience and there is no "azp"',
    "idtoken_expired": 'ID token "exp" is in the past',
    "idtoken_iat_future": 'ID token "iat" is one hour in the future',
    "idtoken_nonce_missing": 'ID token omits the "nonce" that was sent in the authorization request',
    "idtoken_nonce_wrong": 'ID token "nonce" differs from the one sent in the authorization request',
    "idtoken_implicit_nonce_missing":
        'ID tokens from the authorization endpoint (implicit/hybrid) omit "nonce"; token endpoint ones keep it',
    "idtoken_no_auth_time": 'ID token omits "auth_time" even when max_age was requested',
    "idtoken_no_acr": 'ID token omits "acr" even when it was requested as an essential claim',
    "idtoken_bad_at_hash": 'ID token "at_hash" does not match the access token',
    "idtoken_bad_c_hash": 'ID token "c_hash" does not match the authorization code',
    "idtoken_sub_mismatch": 'ID token "sub" differs from the UserInfo "sub"',
    "idtoken_sub_unstable": 'every token endpoint ID token carries a fresh random "sub" (not stable across logins)',
    "idtoken_weak_rsa_key": "ID token is signed with a 1024-bit RSA key (published in the JWKS while active)",
    "idtoken_enc_wrong_alg": "encrypted ID tokens use RSA-OAEP instead of the registered RSA-OAEP-256",
    "idtoken_hs256_wrong_secret": "HS256 ID tokens are signed with a secret other than the client secret",
})
"""Core defect name -> one-line description; mirrors ``fixtures/reference_target/src/defects.mjs``."""

AREAS_DIR = FIXTURE_DIR / "src" / "areas"


def _area_defects() -> dict[str, str]:
    """Defects that area modules register (``src/areas/<area>.defects.json``)."""
    found: dict[str, str] = {}
    for path in sorted(AREAS_DIR.glob("*.defects.json")):
        entries = json.loads(path.read_text(encoding="utf-8"))
        for name, description in entries.items():
            if name in found or name in CORE_DEFECTS:
                raise ValueError(f"defect {name} is registered twice ({path.name})")
            found[str(name)] = str(description)
    return found


KNOWN_DEFECTS: Mapping[str, str] = MappingProxyType({**CORE_DEFECTS, **_area_defects()})
"""Every defect the server knows: the core ones plus the area modules' ones."""


def check_defects(names: Sequence[str]) -> list[str]:
    """The names, deduplicated in order; every one must be a known defect.

    Raises:
        TypeError: a single string instead of a sequence.
        ValueError: an unknown name.
    """
    if isinstance(names, str):
        raise TypeError("defects must be a sequence of names, not a string")
    unknown = [n for n in names if n not in KNOWN_DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect(s) {unknown}; valid: {sorted(KNOWN_DEFECTS)}")
    return list(dict.fromkeys(names))
