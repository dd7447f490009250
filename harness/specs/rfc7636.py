"""RFC 7636 (PKCE): verifier/challenge helpers and the checks a PKCE suite runs.

The token-endpoint checks take the status, headers and body the endpoint returned for a
negative case and assert it was refused the way the specifications say, reusing
:func:`harness.specs.rfc6749.check_token_error_response` for the HTTP details.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from collections.abc import Collection, Mapping
from typing import Any

from harness.jose import b64url
from harness.results import CheckFailed, Findings, Level, fail
from harness.specs._findings import finding
from harness.specs._http import Body, Headers
from harness.specs.rfc6749 import check_error_response_params, check_token_error_response

__all__ = [
    "UNRESERVED",
    "check_challenge_method_refused",
    "check_challenge_required",
    "check_challenge_syntax",
    "check_missing_verifier_refused",
    "check_verifier_length_refused",
    "check_verifier_syntax",
    "check_verifier_without_challenge_refused",
    "check_wrong_verifier_refused",
    "make_verifier",
    "s256_challenge",
    "supported_methods",
]

#: RFC 7636 §4.1 ``unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"``.
UNRESERVED: frozenset[str] = frozenset(string.ascii_letters + string.digits + "-._~")
_B64URL: frozenset[str] = frozenset(string.ascii_letters + string.digits + "-_")


def make_verifier(length: int = 64, *, strict: bool = True) -> str:
    """A random code_verifier of ``length`` unreserved characters (base64url subset).

    With ``strict`` (default) the length must be 43..128; pass ``strict=False`` to build
    out-of-range verifiers for negative tests.
    """
    if strict and not 43 <= length <= 128:
        raise ValueError("a code_verifier has 43 to 128 characters (RFC 7636 §4.1)")
    if length < 0:
        raise ValueError("length must not be negative")
    alphabet = sorted(_B64URL)
    return "".join(secrets.choice(alphabet) for _ in range(length))


def s256_challenge(verifier: str) -> str:
    """RFC 7636 §4.2: ``BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))``."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def supported_methods(advertised: Any, documented: Collection[str] | None) -> frozenset[str]:
    """The code challenge methods the server is known to support before it is asked.

    RFC 8414 §2 ``code_challenge_methods_supported``: "JSON array containing a list of Proof Key
    for Code Exchange (PKCE) [RFC7636] code challenge methods supported by this authorization
    server. ... If omitted, the authorization server does not support PKCE." The profile's
    ``documented.pkce_methods`` adds what the vendor documents. Empty: the server does not
    support PKCE as far as anyone can tell, so rules for "the server supporting PKCE" (RFC 7636
    §4.4.1) do not apply to it.
    """
    methods = {m for m in advertised if isinstance(m, str)} if isinstance(advertised, list) else set()
    methods |= {m for m in (documented or ()) if isinstance(m, str)}
    return frozenset(methods)


def check_verifier_syntax(verifier: str) -> None:
    """RFC 7636 §4.1: the shape of a code_verifier.

    "code_verifier = high-entropy cryptographic random STRING using the unreserved
    characters [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~" from Section 2.3 of
    [RFC3986], with a minimum length of 43 characters and a maximum length of 128
    characters."
    """
    findings = Findings()
    if not 43 <= len(verifier) <= 128:
        findings.add(finding("VERIFIER_LENGTH", "code_verifier length is outside 43..128",
                             "RFC7636-4.1", "43..128", len(verifier)))
    bad = sorted({c for c in verifier if c not in UNRESERVED})
    if bad:
        findings.add(finding("VERIFIER_CHARSET", "code_verifier has characters outside "
                             "unreserved", "RFC7636-4.1", "[A-Za-z0-9-._~]", bad))
    findings.raise_if_any()


def check_challenge_syntax(challenge: str, method: str = "S256") -> None:
    """RFC 7636 §4.2 / §4.3: an S256 challenge is 43 base64url characters without padding.

    "code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))"; base64url without
    padding of a 32-octet hash is exactly 43 characters. A ``plain`` challenge follows the
    verifier syntax.
    """
    if method == "plain":
        check_verifier_syntax(challenge)
        return
    if len(challenge) != 43 or any(c not in _B64URL for c in challenge):
        raise fail("CHALLENGE_SYNTAX", "an S256 code_challenge is 43 base64url characters",
                   "RFC7636-4.2", expected="43 chars of [A-Za-z0-9-_]", actual=challenge)


def check_wrong_verifier_refused(status: int, headers: Headers, body: Body, *,
                                 basic_auth_used: bool = False) -> dict[str, Any]:
    """RFC 7636 §4.6: a code_verifier that does not match the challenge gets invalid_grant.

    "If the values are not equal, an error response indicating "invalid_grant" as
    described in Section 5.2 of [RFC6749] MUST be returned."
    """
    return check_token_error_response(status, headers, body, "invalid_grant",
                                      basic_auth_used=basic_auth_used, requirement="RFC7636-4.6")


def check_missing_verifier_refused(status: int, headers: Headers, body: Body, *,
                                   basic_auth_used: bool = False) -> dict[str, Any]:
    """RFC 9700 §2.1.1 / RFC 7636 §4.5: a challenge was sent, the token request omits the verifier.

    RFC 9700: "If a client sends a valid PKCE code_challenge parameter in the authorization
    request, the authorization server MUST enforce the correct usage of code_verifier at
    the token endpoint." RFC 7636 §4.5 makes code_verifier "REQUIRED". No error value is
    named for this case: ``invalid_grant`` (the code cannot be redeemed) and
    ``invalid_request`` (a required parameter is missing, RFC 6749 §5.2) are accepted.
    """
    return check_token_error_response(status, headers, body, {"invalid_grant", "invalid_request"},
                                      basic_auth_used=basic_auth_used, requirement="RFC9700-2.1.1-enforce")


def check_verifier_without_challenge_refused(status: int, headers: Headers, body: Body, *,
                                             basic_auth_used: bool = False) -> dict[str, Any]:
    """RFC 9700 §2.1.1: PKCE downgrade, a verifier for a code issued without a challenge.

    "Authorization servers MUST mitigate PKCE Downgrade Attacks by ensuring that a token
    request containing a code_verifier parameter is accepted only if a code_challenge
    parameter was present in the authorization request". ``invalid_grant`` and
    ``invalid_request`` are accepted (no value is named).
    """
    return check_token_error_response(status, headers, body, {"invalid_grant", "invalid_request"},
                                      basic_auth_used=basic_auth_used, requirement="RFC9700-2.1.1")


def check_verifier_length_refused(status: int, headers: Headers, body: Body, *,
                                  basic_auth_used: bool = False) -> dict[str, Any]:
    """RFC 7636 §4.1: a verifier shorter than 43 or longer than 128 characters is refused.

    "with a minimum length of 43 characters and a maximum length of 128 characters". The
    sentence constrains the client and names no server behaviour, so accepting such a
    verifier is reported as SHOULD; ``invalid_request`` and ``invalid_grant`` both count
    as refusal.
    """
    try:
        return check_token_error_response(status, headers, body,
                                          {"invalid_request", "invalid_grant"},
                                          basic_auth_used=basic_auth_used,
                                          requirement="RFC7636-4.1")
    except CheckFailed as exc:
        if any(f.code == "TOKEN_REQUEST_ACCEPTED" for f in exc.findings):
            raise fail("TOKEN_REQUEST_ACCEPTED", "a code_verifier outside 43..128 characters "
                       "was accepted", "RFC7636-4.1", expected="refusal", actual=status,
                       level=Level.SHOULD) from exc
        raise


def check_challenge_required(params: Mapping[str, str]) -> str:
    """RFC 7636 §4.4.1: PKCE required but no code_challenge sent → invalid_request.

    "If the server requires Proof Key for Code Exchange (PKCE) by OAuth public clients and
    the client does not send the "code_challenge" in the request, the authorization
    endpoint MUST return the authorization error response with the "error" value set to
    "invalid_request"."
    """
    return check_error_response_params(params, "invalid_request", "RFC7636-4.4.1")


def check_challenge_method_refused(params: Mapping[str, str]) -> str:
    """RFC 7636 §4.4.1: an unsupported code_challenge_method (e.g. plain) → invalid_request.

    "If the server supporting PKCE does not support the requested transformation, the
    authorization endpoint MUST return the authorization error response with "error" value
    set to "invalid_request"."
    """
    return check_error_response_params(params, "invalid_request", "RFC7636-4.4.1-method")
