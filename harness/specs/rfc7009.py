"""RFC 7009 (OAuth 2.0 Token Revocation)."""

from __future__ import annotations

from harness.results import Level, fail
from harness.specs._http import Body, Headers
from harness.specs.rfc6749 import check_token_error_response

__all__ = [
    "REVOCATION_ERRORS",
    "check_not_revoked",
    "check_revocation_refused",
    "check_revocation_succeeded",
    "check_revoked",
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


def check_revoked(still_usable: bool, *, what: str, requirement: str = "RFC7009-2.2",
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
                               requirement="RFC7009-2.2.1")
