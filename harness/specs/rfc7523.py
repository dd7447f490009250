"""RFC 7523 (JWT client assertions) and the client-authentication rules of RFC 6749 §2.3 / §5.2."""

from __future__ import annotations

from collections.abc import Collection

from harness.results import Level, fail
from harness.specs._http import Body, Headers
from harness.specs.rfc6749 import check_token_error_response

__all__ = [
    "check_assertion_refused",
    "check_client_accepted",
    "check_client_refused",
]


def check_client_refused(status: int, headers: Headers, body: Body, *, basic_auth_used: bool,
                         requirement: str, error_requirement: str = "RFC6749-5.2",
                         also_allowed: Collection[str] = ()) -> None:
    """RFC 6749 §5.2: failed client authentication is ``invalid_client``.

    "invalid_client: Client authentication failed (e.g., unknown client, no client
    authentication included, or unsupported authentication method). The authorization server
    MAY return an HTTP 401 (Unauthorized) status code to indicate which HTTP authentication
    schemes are supported. If the client attempted to authenticate via the "Authorization"
    request header field, the authorization server MUST respond with an HTTP 401
    (Unauthorized) status code and include the "WWW-Authenticate" response header field
    matching the authentication scheme used by the client."

    ``requirement`` is the rule the request breaks, cited when it was accepted (e.g.
    ``RFC6749-3.2.1`` for a confidential client without credentials); ``error_requirement`` is
    cited when it was answered with another error; ``also_allowed`` names further error codes
    that are correct for the case. The status and ``WWW-Authenticate`` expectations follow the
    case (:func:`harness.specs.rfc6749.expected_error_status`), whatever error the server sent.
    """
    check_token_error_response(status, headers, body, {"invalid_client", *also_allowed},
                               basic_auth_used=basic_auth_used, requirement=requirement,
                               error_requirement=error_requirement)


def check_assertion_refused(status: int, headers: Headers, body: Body, *, requirement: str = "RFC7523-3",
                            error_requirement: str = "RFC7523-3.2",
                            also_allowed: Collection[str] = ()) -> None:
    """RFC 7523 §3 / §3.2: an invalid client assertion is refused with ``invalid_client``.

    §3.2: "If the client JWT is not valid, or its subject is not a valid client, the
    authorization server constructs an error response as defined in OAuth 2.0 [RFC6749].
    The value of the "error" parameter MUST be the "invalid_client" error code." The rule the
    assertion broke (``requirement``, e.g. ``RFC7523-3`` item 3 "The authorization server MUST
    reject any JWT that does not contain its own identity as the intended audience") is cited
    when the assertion was accepted; ``error_requirement`` (§3.2's sentence) when the refusal
    names another error.
    """
    check_token_error_response(status, headers, body, {"invalid_client", *also_allowed},
                               basic_auth_used=False, requirement=requirement,
                               error_requirement=error_requirement)


def check_client_accepted(ok: bool, status: int, error: str | None, *, what: str,
                          requirement: str = "RFC7523-3", level: Level = Level.MUST,
                          code: str = "CLIENT_AUTH_REFUSED") -> None:
    """An authentication that the specification allows was accepted (an *accept* check).

    A server stricter than the specification breaks clients that follow it; ``level`` is
    SHOULD where the specification permits the stricter behaviour but interoperability
    suffers.
    """
    if not ok:
        raise fail(code, f"the server refused {what}", requirement,
                   expected="HTTP 200 with tokens", actual=f"HTTP {status} error={error}", level=level)
