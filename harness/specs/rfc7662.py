"""RFC 7662 (OAuth 2.0 Token Introspection): response format, active and inactive answers, caller auth."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.results import Findings, Level, fail
from harness.specs._findings import finding
from harness.specs._http import Body, Headers, header_value, header_values, media_type, parse_json
from harness.specs.rfc6749 import check_token_error_response

__all__ = [
    "check_active_response",
    "check_inactive_response",
    "check_introspection_json",
    "check_invalid_credentials_refused",
    "check_unauthenticated_refused",
]

_STRING_MEMBERS = ("scope", "client_id", "username", "token_type", "sub", "iss", "jti")
_TIME_MEMBERS = ("exp", "iat", "nbf")


def check_introspection_json(status: int, headers: Headers, body: Body) -> dict[str, Any]:
    """RFC 7662 §2.2: HTTP 200, ``application/json``, an object with a boolean ``active``; return it.

    "The server responds with a JSON object [RFC7159] in "application/json" format with the
    following top-level members." and "active REQUIRED. Boolean indicator of whether or not
    the presented token is currently active."
    """
    if status != 200:
        raise fail("INTROSPECTION_STATUS", "the introspection response is not HTTP 200", "RFC7662-2.2-json",
                   expected=200, actual=status)
    findings = Findings()
    if media_type(headers) != "application/json":
        findings.add(finding("INTROSPECTION_CONTENT_TYPE", "the introspection response is not application/json",
                             "RFC7662-2.2-json", "application/json", header_value(headers, "content-type")))
    data, problem = parse_json(body)
    if not isinstance(data, Mapping):
        findings.add(finding("INTROSPECTION_NOT_JSON_OBJECT", "the introspection response is not a JSON object",
                             "RFC7662-2.2-json", "JSON object", problem or type(data).__name__))
        findings.raise_if_any()
        return {}
    if not isinstance(data.get("active"), bool):
        findings.add(finding("INTROSPECTION_ACTIVE_MISSING", "active is missing or not a boolean", "RFC7662-2.2",
                             "true or false", data.get("active")))
    findings.raise_if_any()
    return dict(data)


def check_active_response(data: Mapping[str, Any], *, client_id: str | None = None, issuer: str | None = None,
                          granted_scope: str | None = None, now: float | None = None) -> None:
    """RFC 7662 §2.2: an active token's metadata is well typed and describes the token.

    "active ... true if the token is active"; "scope OPTIONAL. A JSON string containing a
    space-separated list of scopes"; "client_id OPTIONAL. Client identifier for the OAuth 2.0
    client that requested this token."; "exp OPTIONAL. Integer timestamp ... indicating when
    this token will expire"; "iat", "nbf" likewise; "token_type", "sub", "iss", "jti",
    "username" are strings and "aud" a string or array of strings. Present members must
    match what the harness knows about the token (``client_id``, ``iss``, ``scope``).
    """
    findings = Findings()
    if data.get("active") is not True:
        raise fail("INTROSPECTION_NOT_ACTIVE", "a valid token was reported inactive", "RFC7662-2.2",
                   expected=True, actual=data.get("active"))
    for name in _STRING_MEMBERS:
        if name in data and not isinstance(data[name], str):
            findings.add(finding("INTROSPECTION_MEMBER_TYPE", f"{name} is not a string", "RFC7662-2.2-members",
                                 "string", data[name]))
    for name in _TIME_MEMBERS:
        value = data.get(name)
        if name in data and (not isinstance(value, int) or isinstance(value, bool)):
            findings.add(finding("INTROSPECTION_MEMBER_TYPE", f"{name} is not an integer timestamp",
                                 "RFC7662-2.2-members", "integer", value))
    aud = data.get("aud")
    if "aud" in data and not (isinstance(aud, str) or (isinstance(aud, list) and all(
            isinstance(v, str) for v in aud))):
        findings.add(finding("INTROSPECTION_MEMBER_TYPE", "aud is not a string or an array of strings",
                             "RFC7662-2.2-members", "string or array", aud))
    if client_id is not None and "client_id" in data and data["client_id"] != client_id:
        findings.add(finding("INTROSPECTION_CLIENT_ID_MISMATCH", "client_id is not the client the token was "
                             "issued to", "RFC7662-2.2-members", client_id, data["client_id"]))
    if issuer is not None and isinstance(data.get("iss"), str) and data["iss"] != issuer:
        findings.add(finding("INTROSPECTION_ISS_MISMATCH", "iss is not the issuer", "RFC7662-2.2-members", issuer,
                             data["iss"]))
    if granted_scope is not None and isinstance(data.get("scope"), str):
        extra = sorted(set(data["scope"].split()) - set(granted_scope.split()))
        if extra:
            findings.add(finding("INTROSPECTION_SCOPE_MISMATCH", "scope lists values the token was not granted",
                                 "RFC7662-2.2-members", granted_scope, data["scope"]))
    exp = data.get("exp")
    if now is not None and isinstance(exp, int) and not isinstance(exp, bool) and exp <= now:
        findings.add(finding("INTROSPECTION_ACTIVE_BUT_EXPIRED", "the token is reported active with an exp in "
                             "the past", "RFC7662-2.2", f"> {int(now)}", exp))
    findings.raise_if_any()


def check_inactive_response(status: int, headers: Headers, body: Body, *, why: str) -> None:
    """RFC 7662 §2.2: an inactive, unknown or not-introspectable token gives ``{"active": false}`` only.

    "If the introspection call is properly authorized but the token is not active, does not
    exist on this server, or the protected resource is not allowed to introspect this
    particular token, then the authorization server MUST return an introspection response
    with the "active" field set to "false"." and "the authorization server SHOULD NOT
    include any additional information about an inactive token, including why the token is
    inactive." ``why`` says what kind of token it is (for the message).
    """
    if status != 200:
        raise fail("INTROSPECTION_INACTIVE_NOT_200", f"introspecting a {why} token did not give HTTP 200 with "
                   "active false", "RFC7662-2.2-inactive", expected='200 {"active": false}', actual=status)
    data = check_introspection_json(status, headers, body)
    if data.get("active") is not False:
        raise fail("INTROSPECTION_INACTIVE_REPORTED_ACTIVE", f"a {why} token is reported active",
                   "RFC7662-2.2-inactive", expected=False, actual=data.get("active"))
    extra = sorted(set(data) - {"active"})
    if extra:
        raise fail("INTROSPECTION_INACTIVE_EXTRA_MEMBERS", f"the response for a {why} token carries more than "
                   "active", "RFC7662-2.2-inactive_extra", expected=["active"], actual=extra, level=Level.SHOULD)


def check_unauthenticated_refused(status: int, headers: Headers, body: Body) -> None:
    """RFC 7662 §2.1 / §2.3: a call without any authorization is refused with HTTP 401.

    §2.1: "To prevent token scanning attacks, the endpoint MUST also require some form of
    authorization to access this endpoint, such as client authentication as described in OAuth
    2.0 [RFC6749] or a separate OAuth 2.0 access token such as the bearer token described in OAuth
    2.0 Bearer Token Usage [RFC6750]." An answer of any kind (even ``{"active": false}``) means
    the endpoint did not require authorization. §2.3: the refusal is "an HTTP 401 (Unauthorized)
    as described in Section 5.2 of OAuth 2.0 [RFC6749]" for client credentials, where
    "invalid_client Client authentication failed (e.g., unknown client, no client authentication
    included ...)", or "an HTTP 401 code as described in Section 3 of OAuth 2.0 Bearer Token
    Usage" for a bearer-protected endpoint (a ``WWW-Authenticate`` challenge, RFC 6750 §3). So:
    HTTP 401, and either a JSON ``error`` that is exactly ``invalid_client`` or a challenge.
    """
    data, _ = parse_json(body)
    if 200 <= status < 300:
        active = data.get("active") if isinstance(data, Mapping) else None
        raise fail("INTROSPECTION_UNAUTHENTICATED_ANSWERED", "an introspection call without any authorization "
                   "was answered", "RFC7662-2.1", expected="HTTP 401", actual=f"HTTP {status} active={active!r}")
    findings = Findings()
    if status != 401:
        findings.add(finding("INTROSPECTION_UNAUTHENTICATED_STATUS", "the refusal of an unauthorized introspection "
                             "call is not HTTP 401", "RFC7662-2.3", 401, status))
    error = data.get("error") if isinstance(data, Mapping) else None
    challenges = header_values(headers, "www-authenticate")
    if isinstance(error, str):
        if error != "invalid_client":
            findings.add(finding("TOKEN_ERROR_WRONG_CODE", f"error is {error!r}: the request included no client "
                                 "authentication", "RFC6749-5.2-invalid_client", "invalid_client", error))
        if media_type(headers) != "application/json":
            findings.add(finding("TOKEN_ERROR_CONTENT_TYPE", "error response is not application/json",
                                 "RFC6749-5.2-json", "application/json", header_value(headers, "content-type")))
    elif not challenges:
        findings.add(finding("INTROSPECTION_UNAUTHENTICATED_NO_ERROR", "the refusal carries neither an RFC 6749 "
                             "§5.2 error nor a WWW-Authenticate challenge", "RFC7662-2.3",
                             '{"error": "invalid_client"} or WWW-Authenticate', None))
    findings.raise_if_any()


def check_invalid_credentials_refused(status: int, headers: Headers, body: Body, *, basic_auth_used: bool) -> None:
    """RFC 7662 §2.3: wrong client credentials get HTTP 401 as in RFC 6749 §5.2.

    "If the protected resource uses OAuth 2.0 client credentials to authenticate to the
    introspection endpoint and its credentials are invalid, the authorization server
    responds with an HTTP 401 (Unauthorized) as described in Section 5.2 of OAuth 2.0".
    """
    data, _ = parse_json(body)
    if 200 <= status < 300 and isinstance(data, Mapping) and "active" in data:
        raise fail("INTROSPECTION_BAD_CREDENTIALS_ANSWERED", "introspection answered a caller with invalid "
                   "credentials", "RFC7662-2.3", expected="HTTP 401 invalid_client",
                   actual=f"HTTP {status} active={data.get('active')!r}")
    findings = Findings()
    findings.check(check_token_error_response, status, headers, body, "invalid_client",
                   basic_auth_used=basic_auth_used, requirement="RFC7662-2.3")
    if status != 401 and not any(f.code == "TOKEN_ERROR_STATUS" for f in findings.items):
        findings.add(finding("INTROSPECTION_BAD_CREDENTIALS_STATUS", "invalid introspection credentials must give "
                             "HTTP 401", "RFC7662-2.3", 401, status))
    findings.raise_if_any()
