"""OpenID Connect Client-Initiated Backchannel Authentication (CIBA Core 1.0).

Backchannel authentication responses and errors (§7.3, §13), token polling (§10.1, §11),
ping and push notifications to the client (§10.2, §10.3), and signed authentication
requests (§7.1.1). Token-endpoint details reuse :mod:`harness.specs.rfc6749`.
"""

from __future__ import annotations

import string
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from harness.results import CheckFailed, Finding, Findings, Level, fail
from harness.specs._findings import finding
from harness.specs._http import Body, Headers, header_value, media_type, parse_json
from harness.specs.rfc6749 import check_code_entropy, check_token_error_response, check_token_success_response

__all__ = [
    "AUTHENTICATION_ERRORS",
    "AUTH_REQ_ID_CHARS",
    "GRANT_TYPE",
    "check_access_denied",
    "check_approved_poll",
    "check_auth_req_id_entropy",
    "check_authentication_error",
    "check_authentication_response",
    "check_authorization_pending",
    "check_binding_message_refused",
    "check_documented_interval",
    "check_expired_token",
    "check_invalid_grant",
    "check_ping_notification",
    "check_ping_received",
    "check_push_notification",
    "check_request_accepted",
    "check_request_object_refused",
    "check_slow_down",
]

GRANT_TYPE = "urn:openid:params:grant-type:ciba"
#: §7.3: "The OpenID Provider MUST restrict the characters used to 'A'-'Z', 'a'-'z', '0'-'9',
#: '.', '-' and '_'".
AUTH_REQ_ID_CHARS: frozenset[str] = frozenset(string.ascii_letters + string.digits + ".-_")
#: §13 authentication error codes of the backchannel authentication endpoint.
AUTHENTICATION_ERRORS: frozenset[str] = frozenset({
    "invalid_request", "invalid_scope", "expired_login_hint_token", "unknown_user_id", "unauthorized_client",
    "missing_user_code", "invalid_user_code", "invalid_binding_message", "invalid_client", "access_denied",
})
_POLLING = ("authorization_pending", "slow_down")


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def check_authentication_response(status: int, headers: Headers, body: Body) -> dict[str, Any]:
    """CIBA §7.3: the successful authentication request acknowledgement; return the JSON.

    "If the authentication request is validated ... the OpenID Provider will return an HTTP
    200 OK response to the Client ... The response uses the application/json media type".
    auth_req_id "REQUIRED" and "The OpenID Provider MUST restrict the characters used to
    'A'-'Z', 'a'-'z', '0'-'9', '.', '-' and '_'"; expires_in "REQUIRED. A JSON number with
    a positive integer value indicating the expiration time of the "auth_req_id" in seconds
    since the authentication request was received."; interval "OPTIONAL. The minimum amount
    of time in seconds that the Client MUST wait between polling requests".
    """
    findings = Findings()
    if status != 200:
        findings.add(finding("CIBA_RESPONSE_STATUS", "the authentication response is not HTTP 200", "CIBA-7.3",
                             200, status))
    if media_type(headers) != "application/json":
        findings.add(finding("CIBA_RESPONSE_CONTENT_TYPE", "the authentication response is not application/json",
                             "CIBA-7.3", "application/json", header_value(headers, "content-type")))
    data, problem = parse_json(body)
    if not isinstance(data, Mapping):
        findings.add(finding("CIBA_RESPONSE_NOT_JSON_OBJECT", "the body is not a JSON object", "CIBA-7.3",
                             "JSON object", problem or type(data).__name__))
        findings.raise_if_any()
        return {}
    auth_req_id = data.get("auth_req_id")
    if "auth_req_id" not in data:
        findings.add(finding("CIBA_RESPONSE_MEMBER_MISSING", "auth_req_id is REQUIRED", "CIBA-7.3-auth_req_id",
                             "auth_req_id", sorted(data)))
    elif not isinstance(auth_req_id, str) or not auth_req_id:
        findings.add(finding("CIBA_RESPONSE_MEMBER_INVALID", "auth_req_id is not a non-empty string",
                             "CIBA-7.3-auth_req_id",
                             "string", type(auth_req_id).__name__))
    else:
        bad = sorted({c for c in auth_req_id if c not in AUTH_REQ_ID_CHARS})
        if bad:
            findings.add(finding("CIBA_AUTH_REQ_ID_CHARSET", "auth_req_id uses characters outside "
                                 "A-Z a-z 0-9 . - _", "CIBA-7.3-auth_req_id_charset", "[A-Za-z0-9.-_]", bad))
    if "expires_in" not in data:
        findings.add(finding("CIBA_RESPONSE_MEMBER_MISSING", "expires_in is REQUIRED", "CIBA-7.3-expires_in",
                             "expires_in", sorted(data)))
    elif not _positive_int(data["expires_in"]):
        findings.add(finding("CIBA_RESPONSE_MEMBER_INVALID", "expires_in is not a positive integer",
                             "CIBA-7.3-expires_in",
                             "positive integer", data["expires_in"]))
    interval = data.get("interval")
    if "interval" in data and not _positive_int(interval):
        findings.add(finding("CIBA_RESPONSE_MEMBER_INVALID", "interval is not a positive integer",
                             "CIBA-7.3-interval", "positive integer", interval, Level.MAY))
    findings.raise_if_any()
    return dict(data)


def check_auth_req_id_entropy(samples: Sequence[str]) -> float:
    """CIBA §7.3: auth_req_id cannot be guessed; return the estimated bits.

    "It MUST contain sufficient entropy (a minimum of 128 bits while 160 bits is
    recommended) to make brute force guessing or forgery of a valid auth_req_id
    computationally infeasible". See :func:`harness.specs.rfc6749.check_code_entropy` for
    the estimate and its limits.
    """
    return check_code_entropy(samples, 128, recommended_bits=160, label="auth_req_id",
                              requirement="CIBA-7.3-entropy")


def check_documented_interval(body: Mapping[str, Any], documented_s: int) -> None:
    """DOC-ciba_polling_interval: the response states the documented polling interval.

    A deployment documented with a CIBA polling interval (PingFederate "Polling Interval
    (seconds)") tells poll and ping clients that interval in ``interval`` (CIBA §7.3);
    without it clients fall back to 5 s.
    """
    value = body.get("interval")
    if not _positive_int(value) or value != documented_s:
        raise fail("CIBA_INTERVAL_NOT_DOCUMENTED", "the authentication response does not state the documented "
                   "polling interval", "DOC-ciba_polling_interval", expected=documented_s, actual=value)


def check_authentication_error(status: int, headers: Headers, body: Body, expected: str | Collection[str], *,
                               requirement: str = "CIBA-13", basic_auth_used: bool = False) -> dict[str, Any]:
    """CIBA §13: an authentication error response; return the JSON.

    "Authentication Error Responses are sent in the same format as Token Error Responses,
    i.e. the HTTP response body uses the application/json media type"; the listed errors
    are HTTP 400 except invalid_client (401) and access_denied (403). ``requirement`` is
    cited when the request was accepted or the error value is wrong.
    """
    wanted = {expected} if isinstance(expected, str) else set(expected)
    if wanted == {"access_denied"}:
        if 200 <= status < 300:
            raise fail("CIBA_REQUEST_ACCEPTED", "the backchannel endpoint accepted a request it must refuse",
                       requirement, expected="access_denied", actual=status)
        data, _ = parse_json(body)
        error = data.get("error") if isinstance(data, Mapping) else None
        if status != 403 or error != "access_denied":
            raise fail("CIBA_ERROR_WRONG", "access_denied is answered with HTTP 403", requirement,
                       expected="403 access_denied", actual=f"{status} {error}")
        return dict(data)
    try:
        return check_token_error_response(status, headers, body, wanted, basic_auth_used=basic_auth_used,
                                          requirement=requirement)
    except CheckFailed as exc:
        raise CheckFailed(*(_rename(f) for f in exc.findings)) from exc


def _rename(item: Finding) -> Finding:
    """Token-endpoint codes become CIBA codes (same rule, different endpoint)."""
    renames = {"TOKEN_REQUEST_ACCEPTED": "CIBA_REQUEST_ACCEPTED", "TOKEN_ERROR_WRONG_CODE": "CIBA_ERROR_WRONG",
               "TOKEN_ERROR_STATUS": "CIBA_ERROR_STATUS", "TOKEN_ERROR_CONTENT_TYPE": "CIBA_ERROR_CONTENT_TYPE",
               "TOKEN_ERROR_BODY_NOT_JSON_OBJECT": "CIBA_ERROR_NOT_JSON", "TOKEN_ERROR_MISSING": "CIBA_ERROR_MISSING"}
    code = renames.get(item.code)
    if code is None:
        return item
    return finding(code, item.message.replace("token endpoint", "backchannel authentication endpoint"),
                   item.requirement, item.expected, item.actual, item.level)


def check_request_object_refused(status: int, headers: Headers, body: Body, *,
                                 requirement: str = "CIBA-7.2") -> dict[str, Any]:
    """CIBA §7.1.1 / §7.2 / §13: an invalid signed authentication request is refused.

    §7.1.1: the JWT "MUST contain all of the following claims: aud ... MUST contain the value
    of the Issuer Identifier for the OP ... iss ... MUST be the client_id of the OAuth
    Client ... exp ... iat ... nbf ... jti". §7.2: the OP MUST validate the request, and
    §13 answers a malformed request with "invalid_request". ``invalid_request_object``
    (RFC 9101) is not a CIBA error code: it counts as a refusal, reported as a SHOULD.
    """
    try:
        return check_authentication_error(status, headers, body, "invalid_request", requirement=requirement)
    except CheckFailed as exc:
        data, _ = parse_json(body)
        error = data.get("error") if isinstance(data, Mapping) else None
        if status == 400 and error == "invalid_request_object" and all(
                f.code == "CIBA_ERROR_WRONG" for f in exc.findings):
            raise fail("CIBA_ERROR_NOT_CIBA_CODE", "the refusal uses invalid_request_object, which CIBA §13 does "
                       "not define (invalid_request)", "CIBA-13", expected="invalid_request", actual=error,
                       level=Level.SHOULD) from exc
        raise


def check_binding_message_refused(status: int, headers: Headers, body: Body) -> dict[str, Any]:
    """CIBA §7.1 / §13: an unacceptable binding_message gives ``invalid_binding_message``.

    §7.1: "The binding_message value SHOULD be relatively short and use a limited set of
    plain text characters." §13: "invalid_binding_message: The binding message is invalid
    or unacceptable for use in the context of the given request." What is unacceptable is
    the OP's decision, so accepting the message (or refusing it with another code) is a
    SHOULD-level finding.
    """
    try:
        return check_authentication_error(status, headers, body, "invalid_binding_message",
                                          requirement="CIBA-7.1-binding_message")
    except CheckFailed as exc:
        raise CheckFailed(*(finding(f.code, f.message, f.requirement, f.expected, f.actual, Level.SHOULD)
                            for f in exc.findings)) from exc


def check_request_accepted(status: int, headers: Headers, body: Body, *, requirement: str,
                           level: Level = Level.MUST) -> dict[str, Any]:
    """An accept check: a valid authentication request gets a §7.3 acknowledgement.

    Used for valid variants the OP must not refuse (``requirement`` names the rule that
    makes the variant valid). The response itself is judged by
    :func:`check_authentication_response`.
    """
    if status != 200:
        data, _ = parse_json(body)
        error = data.get("error") if isinstance(data, Mapping) else None
        raise fail("CIBA_VALID_REQUEST_REFUSED", "a valid backchannel authentication request was refused",
                   requirement, expected=200, actual=f"{status} {error}", level=level)
    return check_authentication_response(status, headers, body)


def check_authorization_pending(status: int, headers: Headers, body: Body) -> dict[str, Any]:
    """CIBA §11: polling before the user decided gives ``authorization_pending``.

    "authorization_pending: The authorization request is still pending as the user hasn't
    yet been authenticated."
    """
    return check_token_error_response(status, headers, body, "authorization_pending", basic_auth_used=False,
                                      requirement="CIBA-11-authorization_pending")


def check_slow_down(status: int, headers: Headers, body: Body, *,
                    requirement: str = "DOC-ciba_slow_down") -> dict[str, Any]:
    """CIBA §11: polling faster than the interval gives ``slow_down`` (where documented).

    "slow_down: A variant of "authorization_pending", the authorization request is still
    pending and polling should continue, but the interval MUST be increased by at least 5
    seconds for this and all subsequent requests." The OP may send it; a deployment
    documented to (PingFederate: "When PingFederate receives a token request within this
    time interval, it returns a slow_down error") is held to it.
    """
    data, _ = parse_json(body)
    error = data.get("error") if isinstance(data, Mapping) else None
    if status == 400 and error == "authorization_pending":
        raise fail("SLOW_DOWN_MISSING", "polling faster than the interval was answered authorization_pending, "
                   "not slow_down", requirement, expected="slow_down", actual=error)
    return check_token_error_response(status, headers, body, "slow_down", basic_auth_used=False,
                                      requirement=requirement)


def check_access_denied(status: int, headers: Headers, body: Body) -> dict[str, Any]:
    """CIBA §11: a denied request gives ``access_denied``.

    "access_denied: The end-user denied the authorization request."
    """
    return check_token_error_response(status, headers, body, "access_denied", basic_auth_used=False,
                                      requirement="CIBA-11-access_denied")


def check_expired_token(status: int, headers: Headers, body: Body) -> dict[str, Any]:
    """CIBA §11: polling with an expired auth_req_id gives ``expired_token``.

    "expired_token: The auth_req_id has expired. The Client will need to make a new
    Authentication Request."
    """
    return check_token_error_response(status, headers, body, "expired_token", basic_auth_used=False,
                                      requirement="CIBA-11-expired_token")


def check_invalid_grant(status: int, headers: Headers, body: Body) -> dict[str, Any]:
    """CIBA §11: a used or another client's auth_req_id gives ``invalid_grant``.

    "If the auth_req_id is invalid or was issued to another Client, an invalid_grant error
    MUST be returned as described in Section 5.2 of [RFC6749]." An auth_req_id whose tokens
    were already issued is no longer valid.
    """
    return check_token_error_response(status, headers, body, "invalid_grant", basic_auth_used=False,
                                      requirement="CIBA-11-invalid_grant")


def check_approved_poll(status: int, headers: Headers, body: Body) -> dict[str, Any]:
    """CIBA §10.1.1: after the user approved, the token request returns tokens.

    "If the Token Request is valid and the end-user has been authenticated and authorized
    the Client, the OpenID Provider returns ... an access token and an ID Token" (the
    successful response of OIDC Core §3.1.3.3). Pending until expiry means the approval was
    lost.
    """
    data, _ = parse_json(body)
    error = data.get("error") if isinstance(data, Mapping) else None
    if status != 200 and error in (*_POLLING, "expired_token"):
        raise fail("APPROVAL_NOT_HONOURED", "the user approved but polling never returned tokens", "CIBA-10.1.1",
                   expected="token response", actual=error)
    result = check_token_success_response(status, headers, body)
    if not isinstance(result.get("id_token"), str):
        raise fail("CIBA_NO_ID_TOKEN", "the CIBA token response has no ID Token", "CIBA-10.1.1",
                   expected="id_token", actual=sorted(result))
    return result


def check_ping_received(count: int, waited_s: float) -> None:
    """CIBA §10.2: a ping-mode client is notified once the user decided.

    "If the Client is registered in Ping mode, the OpenID Provider will send an HTTP POST
    Request to the Client Notification Endpoint after a successful or failed end-user
    authentication."
    """
    if count == 0:
        raise fail("CIBA_PING_NOT_RECEIVED", f"no notification reached the client notification endpoint within "
                   f"{waited_s:.1f}s of the decision", "CIBA-10.2", expected="one POST", actual="none")


def _bearer(headers: Headers) -> str | None:
    value = header_value(headers, "authorization")
    if value is None:
        return None
    scheme, _, credentials = value.strip().partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def _notification_common(method: str, headers: Headers, body: Body, expected_token: str,
                         findings: Findings, requirement: str) -> Mapping[str, Any] | None:
    if method.upper() != "POST":
        findings.add(finding("CIBA_NOTIFICATION_METHOD", "the notification is not an HTTP POST", requirement,
                             "POST", method))
    token = _bearer(headers)
    if token is None:
        findings.add(finding("CIBA_NOTIFICATION_NO_BEARER", "the notification does not carry the "
                             "client_notification_token as a Bearer token", requirement,
                             "Authorization: Bearer <client_notification_token>",
                             "absent" if header_value(headers, "authorization") is None else "not Bearer"))
    elif token != expected_token:
        findings.add(finding("CIBA_NOTIFICATION_TOKEN_MISMATCH", "the Bearer token is not the "
                             "client_notification_token of the request", requirement,
                             "the request's client_notification_token", "another value"))
    if media_type(headers) != "application/json":
        findings.add(finding("CIBA_NOTIFICATION_CONTENT_TYPE", "the notification is not application/json",
                             requirement, "application/json", header_value(headers, "content-type")))
    data, problem = parse_json(body)
    if not isinstance(data, Mapping):
        findings.add(finding("CIBA_NOTIFICATION_NOT_JSON", "the notification body is not a JSON object",
                             requirement, "JSON object", problem))
        return None
    return data


def check_ping_notification(method: str, headers: Headers, body: Body, *, expected_token: str,
                            auth_req_id: str) -> None:
    """CIBA §10.2: the ping notification's shape.

    "In this mode the OP sends the client_notification_token as a bearer token in the
    Authorization header field and sends only the auth_req_id in the body of the request.
    The request uses the application/json media type." Extra body members are reported as
    SHOULD (the client ignores them; the auth_req_id is what it needs).
    """
    findings = Findings()
    data = _notification_common(method, headers, body, expected_token, findings, "CIBA-10.2")
    if data is not None:
        if data.get("auth_req_id") != auth_req_id:
            findings.add(finding("CIBA_PING_AUTH_REQ_ID", "the ping does not name the request's auth_req_id",
                                 "CIBA-10.2", "the auth_req_id of the request",
                                 "absent" if "auth_req_id" not in data else "another value"))
        extra = sorted(set(data) - {"auth_req_id"})
        if extra:
            findings.add(finding("CIBA_PING_EXTRA_MEMBERS", "the ping body carries more than auth_req_id",
                                 "CIBA-10.2", ["auth_req_id"], extra, Level.SHOULD))
    findings.raise_if_any()


def check_push_notification(method: str, headers: Headers, body: Body, *, expected_token: str,
                            auth_req_id: str) -> dict[str, Any]:
    """CIBA §10.3.1: a push delivery carries the tokens; return the body.

    "the OpenID Provider delivers the tokens to the Client Notification Endpoint ... The OP
    sends the client_notification_token as a bearer token in the Authorization header" and
    the body holds "auth_req_id", "access_token", "token_type", "id_token" (an error
    delivery, §12, holds "auth_req_id" and "error" instead).
    """
    findings = Findings()
    data = _notification_common(method, headers, body, expected_token, findings, "CIBA-10.3.1")
    result: dict[str, Any] = {}
    if data is not None:
        result = dict(data)
        if data.get("auth_req_id") != auth_req_id:
            findings.add(finding("CIBA_PUSH_AUTH_REQ_ID", "the push does not name the request's auth_req_id",
                                 "CIBA-10.3.1", "the auth_req_id of the request", "absent or another value"))
        wanted = ("error",) if "error" in data else ("access_token", "token_type", "id_token")
        missing = [m for m in wanted if not isinstance(data.get(m), str)]
        if missing:
            findings.add(finding("CIBA_PUSH_MEMBER_MISSING", "the push delivery lacks required members",
                                 "CIBA-10.3.1", list(wanted), missing))
    findings.raise_if_any()
    return result
