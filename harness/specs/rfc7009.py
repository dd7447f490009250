"""RFC 7009 (OAuth 2.0 Token Revocation)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.results import Findings, Level, fail
from harness.specs._findings import finding
from harness.specs._http import Body, Headers, parse_json
from harness.specs.rfc6749 import check_token_error_response

__all__ = [
    "REVOCATION_ERRORS",
    "check_access_token_revocation_answer",
    "check_not_revoked",
    "check_revocation_refused",
    "check_revocation_succeeded",
    "check_revoked",
    "check_unauthenticated_revocation_refused",
    "check_unsupported_token_type",
]

#: RFC 7009 §2.2.1: the RFC 6749 §5.2 codes plus ``unsupported_token_type``.
REVOCATION_ERRORS: frozenset[str] = frozenset({
    "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
    "invalid_scope", "unsupported_token_type",
})


def check_revocation_succeeded(status: int, *, why: str = "a valid token",
                               requirement: str = "RFC7009-2.2") -> None:
    """RFC 7009 §2.2: success and invalid tokens both give HTTP 200.

    "The authorization server responds with HTTP status code 200 if the token has been
    revoked successfully or if the client submitted an invalid token. Note: invalid tokens do
    not cause an error response since the client cannot handle such an error in a reasonable
    way".
    """
    if status != 200:
        raise fail("REVOCATION_STATUS", f"revoking {why} did not give HTTP 200", requirement,
                   expected=200, actual=status)


def check_revoked(still_usable: bool, *, what: str, requirement: str = "RFC7009-2.1-invalidate",
                  level: Level = Level.MUST) -> None:
    """RFC 7009 §2.2: after a successful revocation "the token ... cannot be used anymore".

    "The authorization server responds with HTTP status code 200 if the token has been
    revoked successfully" and §2.1 "the authorization server invalidates the token". The
    caller observes whether the token still works (resource call, refresh, introspection).
    """
    if still_usable:
        raise fail("TOKEN_NOT_REVOKED", f"{what} still works after revocation", requirement,
                   expected="refused", actual="accepted", level=level)


def check_not_revoked(still_usable: bool, *, what: str, requirement: str = "RFC7009-2.1") -> None:
    """RFC 7009 §2.1: a request that fails validation does not revoke the token.

    "The authorization server first validates the client credentials (in case of a
    confidential client) and then verifies whether the token was issued to the client making
    the revocation request. If this validation fails, the request is refused".
    """
    if not still_usable:
        raise fail("TOKEN_REVOKED_BY_INVALID_REQUEST", f"{what} stopped working after a revocation request that "
                   "must be refused", requirement, expected="token still valid", actual="token revoked")


def check_access_token_revocation_answer(status: int, headers: Headers, body: Body, *, basic_auth_used: bool) -> None:
    """RFC 7009 §2 / §2.2: revoking a valid access token is answered 200 (or, at worst, ``unsupported_token_type``).

    §2: "Implementations MUST support the revocation of refresh tokens and SHOULD support the
    revocation of access tokens"; §2.2.1: "unsupported_token_type: The authorization server does
    not support the revocation of the presented token type. That is, the client tried to revoke
    an access token on a server not supporting this feature." A server that does not revoke
    access tokens and says so breaks the SHOULD; any other answer breaks §2.2 ("responds with
    HTTP status code 200 if the token has been revoked successfully").
    """
    if status == 200:
        return
    data, _ = parse_json(body)
    if isinstance(data, Mapping) and data.get("error") == "unsupported_token_type":
        findings = Findings()
        findings.add(finding("ACCESS_TOKEN_REVOCATION_UNSUPPORTED", "the server does not revoke access tokens "
                             "(unsupported_token_type)", "RFC7009-2-access_tokens", 200, status, Level.SHOULD))
        findings.check(check_token_error_response, status, headers, body, "unsupported_token_type",
                       basic_auth_used=basic_auth_used, requirement="RFC7009-2.2.1-unsupported_token_type")
        findings.raise_if_any()
    check_revocation_succeeded(status, why="a valid access token")


def check_unauthenticated_revocation_refused(status: int, headers: Headers, body: Body) -> dict[str, Any]:
    """RFC 7009 §2.1 with RFC 6749 §5.2: a confidential client sending no credentials gets ``invalid_client``.

    §2.1: "The client also includes its authentication credentials as described in Section 2.3.
    of [RFC6749]." and "The authorization server first validates the client credentials (in case
    of a confidential client) ... If this validation fails, the request is refused"; §2.2.1: "The
    error presentation conforms to the definition in Section 5.2 of [RFC6749]", where
    "invalid_client Client authentication failed (e.g., unknown client, no client authentication
    included, or unsupported authentication method)." The case fixes the answer: exactly
    ``invalid_client``, HTTP 400 or 401 (no ``Authorization`` header was sent, so no challenge is
    due). Returns the error JSON.
    """
    if 200 <= status < 300:
        raise fail("REVOCATION_NOT_REFUSED", "a revocation request without the confidential client's credentials "
                   "was answered with success", "RFC7009-2.1", expected="invalid_client", actual=status)
    return check_token_error_response(status, headers, body, "invalid_client", basic_auth_used=False,
                                      requirement="RFC7009-2.1", error_requirement="RFC6749-5.2-invalid_client")


def check_revocation_refused(status: int, headers: Headers, body: Body, *, basic_auth_used: bool,
                             requirement: str = "RFC7009-2.1", level: Level = Level.MUST) -> None:
    """RFC 7009 §2.1 / §2.2.1: a refused revocation request gets an RFC 6749 §5.2 error response.

    §2.1: "If this validation fails, the request is refused and the client is informed of the
    error by the authorization server as described below." §2.2.1: "The error presentation
    conforms to the definition in Section 5.2 of [RFC6749]." ``level`` is SHOULD where a
    silent 200 only hides the refusal (e.g. another client's token).
    """
    if 200 <= status < 300:
        raise fail("REVOCATION_NOT_REFUSED", "the revocation request was answered with success", requirement,
                   expected="an error response", actual=status, level=level)
    check_token_error_response(status, headers, body, REVOCATION_ERRORS, basic_auth_used=basic_auth_used,
                               requirement="RFC7009-2.2.1")


def check_unsupported_token_type(status: int, headers: Headers, body: Body, *, basic_auth_used: bool) -> None:
    """RFC 7009 §2.2.1: a token type the server cannot revoke gives ``unsupported_token_type``.

    "unsupported_token_type: The authorization server does not support the revocation of the
    presented token type. That is, the client tried to revoke an access token on a server not
    supporting this feature." HTTP 200 (revoked) is fine as well.
    """
    if status == 200:
        return
    check_token_error_response(status, headers, body, "unsupported_token_type", basic_auth_used=basic_auth_used,
                               requirement="RFC7009-2.2.1-unsupported_token_type")
