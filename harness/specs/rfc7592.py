"""RFC 7592 (OAuth 2.0 Dynamic Client Registration Management Protocol): read, update, delete.

Pure functions over what a client configuration endpoint answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.results import Findings, NeedsReview, fail
from harness.specs._findings import finding
from harness.specs.rfc7591 import RegistrationAnswer

__all__ = [
    "AUTHENTICATED_ERRORS",
    "check_deleted",
    "check_deleted_client_refused",
    "check_deleted_token_invalid",
    "check_read",
    "check_read_refused",
    "check_update_applied",
]

#: Token-endpoint error codes given only after the client authenticated (RFC 6749 §5.2).
AUTHENTICATED_ERRORS = frozenset({"invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope"})


def check_read(answer: RegistrationAnswer, *, client_id: str) -> Mapping[str, Any]:
    """A read with the registration access token returns the registration.

    RFC 7592 §2.1: "Upon successful read of the information for a currently active client, the
    authorization server responds with an HTTP 200 OK with content type of "application/json"
    and a payload as described in Section 3" (which carries ``client_id``). Returns the body.
    """
    if answer.status != 200 or answer.body is None or answer.media_type != "application/json":
        raise fail("MGMT_READ_FAILED", "reading the registration with its registration access token did not give "
                   "HTTP 200 with a JSON object", "RFC7592-2.1", expected="HTTP 200 application/json",
                   actual=answer.describe())
    if answer.body.get("client_id") != client_id:
        raise fail("MGMT_READ_OTHER_CLIENT", "the read answer names another client_id", "RFC7592-2.1",
                   expected=client_id, actual=answer.body.get("client_id"))
    return answer.body


def check_read_refused(answer: RegistrationAnswer, *, client_id: str, www_authenticate: str | None,
                       how: str) -> None:
    """A read without (or with a wrong) registration access token is refused.

    RFC 7592 §2: the client configuration endpoint is an OAuth 2.0 protected resource; "The
    client MUST use its registration access token in all calls to the client configuration
    endpoint as an OAuth 2.0 Bearer Token [RFC6750]". A read ``how`` (without the token, with
    another one) that returns the registration gives it away. RFC 6750 §3: a refusal of a
    request without a usable token "MUST include the HTTP "WWW-Authenticate" response header
    field" when it is a 401. A 5xx answer is no refusal: a human judges it (*review*).
    """
    if 200 <= answer.status < 300:
        leaked = answer.body is not None and answer.body.get("client_id") == client_id
        raise fail("MGMT_READ_UNPROTECTED", f"the client configuration endpoint answered a read {how} with "
                   f"HTTP {answer.status}" + (" and the client's registration" if leaked else ""), "RFC7592-2",
                   expected="refused (HTTP 401 invalid_token)", actual=answer.describe())
    if answer.status >= 500:
        raise NeedsReview(f"the client configuration endpoint answered a read {how} with HTTP {answer.status} (a "
                          "server error, not a refusal): whether it protects the registration cannot be told")
    if answer.status == 401 and not www_authenticate:
        raise fail("MGMT_NO_CHALLENGE", f"the 401 refusal of a read {how} has no WWW-Authenticate header",
                   "RFC6750-3", expected="WWW-Authenticate with a Bearer challenge", actual="absent")


def check_update_applied(answer: RegistrationAnswer, read_back: Mapping[str, Any] | None, *, member: str,
                         value: Any) -> None:
    """An update is answered with, and applies, the new value.

    RFC 7592 §2.2: "Upon successful update, the authorization server responds with an HTTP 200 OK
    message with content type "application/json" and a payload as described in Section 3", and
    the server "MUST return all registered metadata about this client": the updated ``member``
    shows ``value`` in the answer and in a later read (``read_back``, when the token still reads).
    """
    if answer.status != 200 or answer.body is None:
        raise fail("MGMT_UPDATE_FAILED", "a valid update request did not give HTTP 200 with a JSON object",
                   "RFC7592-2.2", expected="HTTP 200 application/json", actual=answer.describe())
    findings = Findings()
    if answer.body.get(member) != value:
        findings.add(finding("MGMT_UPDATE_NOT_RETURNED", f"the update answer does not show the new {member}",
                             "RFC7592-2.2", expected=value, actual=answer.body.get(member, "absent")))
    if read_back is not None and read_back.get(member) != value:
        findings.add(finding("MGMT_UPDATE_NOT_APPLIED", f"a read after the update does not show the new {member}",
                             "RFC7592-2.2", expected=value, actual=read_back.get(member, "absent")))
    findings.raise_if_any()


def check_deleted(status: int) -> None:
    """A delete with the registration access token answers 204.

    RFC 7592 §2.3: "If a client has been successfully deprovisioned, the authorization server MUST
    respond with an HTTP 204 No Content message."
    """
    if status != 204:
        raise fail("MGMT_DELETE_STATUS", "deleting the client with its registration access token did not give "
                   "HTTP 204", "RFC7592-2.3", expected=204, actual=status)


def check_deleted_token_invalid(answer: RegistrationAnswer) -> None:
    """After the delete, the registration access token no longer reads (401).

    RFC 7592 §5: after deprovisioning, "any outstanding registration access token for that client
    MUST be invalidated at the same time", and the server "MUST treat all such requests as if the
    registration access token was invalid by returning an HTTP 401 Unauthorized error."
    """
    if answer.status != 401:
        raise fail("MGMT_DELETED_TOKEN_VALID", "after the delete, a read with the client's registration access "
                   "token did not get HTTP 401", "RFC7592-5", expected=401, actual=answer.describe())


def check_deleted_client_refused(status: int, error: str | None, *, unknown: tuple[int, str | None]) -> None:
    """After the delete, the client no longer authenticates at the token endpoint.

    RFC 7592 §2.3: "A successful delete action will invalidate the "client_id", "client_secret",
    and "registration_access_token" for this client, thereby preventing the "client_id" from
    being used at either the authorization endpoint or token endpoint".

    The harness sends the deleted client's credentials with an unknown code: a server that
    still authenticates the client issues tokens, or answers with an error RFC 6749 §5.2 gives
    only after authentication (``invalid_grant``, ...) — unless it answers a client id that never
    existed the same way (``unknown``: status and error of that request), so the answer says
    nothing about authentication.
    """
    if 200 <= status < 300 or (error in AUTHENTICATED_ERRORS and (status, error) != unknown):
        raise fail("MGMT_DELETED_CLIENT_AUTHENTICATES", "the deleted client still authenticates at the token "
                   "endpoint", "RFC7592-2.3", expected="invalid_client (HTTP 401/400)",
                   actual=f"HTTP {status} error={error}")
