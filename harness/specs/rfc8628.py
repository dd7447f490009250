"""RFC 8628 (OAuth 2.0 Device Authorization Grant): responses, polling errors, user codes.

Token-endpoint checks take what the endpoint answered (status, headers, body) and reuse
:func:`harness.specs.rfc6749.check_token_error_response` for the RFC 6749 §5.2 details.
The polling arithmetic (the client's side of §3.5) is :func:`next_interval`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.results import Findings, HarnessError, Level, fail
from harness.specs._entropy import estimate_entropy
from harness.specs._findings import finding
from harness.specs._http import Body, Headers, header_value, is_absolute_url, media_type, parse_json
from harness.specs.rfc6749 import check_token_error_response, check_token_success_response

__all__ = [
    "DEFAULT_INTERVAL_S",
    "GRANT_TYPE",
    "SLOW_DOWN_STEP_S",
    "check_access_denied",
    "check_approved_poll",
    "check_authorization_pending",
    "check_code_reuse_refused",
    "check_confirmation_shown",
    "check_device_authorization_response",
    "check_documented_interval",
    "check_documented_lifetime",
    "check_expired_token",
    "check_other_client_refused",
    "check_slow_down",
    "check_user_code_charset",
    "check_user_code_entropy",
    "effective_interval",
    "next_interval",
]

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
#: §3.2: "If no value is provided, clients MUST use 5 as the default."
DEFAULT_INTERVAL_S = 5.0
#: §3.5 slow_down: "the interval MUST be increased by 5 seconds for this and all subsequent requests".
SLOW_DOWN_STEP_S = 5.0
#: Characters §6.1 names as easily confused ("0" and "O" or "1", "l" and "I").
CONFUSABLE_GROUPS: tuple[frozenset[str], ...] = (frozenset("0Oo"), frozenset("1Il"))
_POLLING = ("authorization_pending", "slow_down")


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def check_device_authorization_response(status: int, headers: Headers, body: Body) -> dict[str, Any]:
    """RFC 8628 §3.2: the device authorization response; return the parsed JSON.

    "the authorization server generates a unique device verification code and an end-user
    code that are valid for a limited time and includes them in the HTTP response body using
    the "application/json" format [RFC8259] with a 200 (OK) status code." Members:
    device_code "REQUIRED", user_code "REQUIRED", verification_uri "REQUIRED",
    verification_uri_complete "OPTIONAL", expires_in "REQUIRED. The lifetime in seconds of
    the "device_code" and "user_code."", interval "OPTIONAL. The minimum amount of time in
    seconds that the client SHOULD wait between polling requests to the token endpoint."
    """
    findings = Findings()
    if status != 200:
        findings.add(finding("DEVICE_RESPONSE_STATUS", "the device authorization response is not HTTP 200",
                             "RFC8628-3.2", 200, status))
    if media_type(headers) != "application/json":
        findings.add(finding("DEVICE_RESPONSE_CONTENT_TYPE", "the device authorization response is not "
                             "application/json", "RFC8628-3.2", "application/json",
                             header_value(headers, "content-type")))
    data, problem = parse_json(body)
    if not isinstance(data, Mapping):
        findings.add(finding("DEVICE_RESPONSE_NOT_JSON_OBJECT", "the body is not a JSON object",
                             "RFC8628-3.2", "JSON object", problem or type(data).__name__))
        findings.raise_if_any()
        return {}
    for member in ("device_code", "user_code"):
        value = data.get(member)
        if member not in data:
            findings.add(finding("DEVICE_RESPONSE_MEMBER_MISSING", f"{member} is REQUIRED", "RFC8628-3.2-members",
                                 member, sorted(data)))
        elif not isinstance(value, str) or not value:
            findings.add(finding("DEVICE_RESPONSE_MEMBER_INVALID", f"{member} is not a non-empty string",
                                 "RFC8628-3.2-members", "string", value))
    for member, required in (("verification_uri", True), ("verification_uri_complete", False)):
        if member not in data:
            if required:
                findings.add(finding("DEVICE_RESPONSE_MEMBER_MISSING", f"{member} is REQUIRED", "RFC8628-3.2-members",
                                     member, sorted(data)))
        elif not is_absolute_url(data[member]):
            findings.add(finding("DEVICE_RESPONSE_MEMBER_INVALID", f"{member} is not an absolute URI",
                                 "RFC8628-3.2-members", "absolute URI", data[member]))
    if "expires_in" not in data:
        findings.add(finding("DEVICE_RESPONSE_MEMBER_MISSING", "expires_in is REQUIRED", "RFC8628-3.2-members",
                             "expires_in", sorted(data)))
    elif not _positive_int(data["expires_in"]):
        findings.add(finding("DEVICE_RESPONSE_MEMBER_INVALID", "expires_in is not a positive integer",
                             "RFC8628-3.2-members", "positive integer", data["expires_in"]))
    if "interval" in data and not _positive_number(data["interval"]):
        findings.add(finding("DEVICE_RESPONSE_MEMBER_INVALID", "interval is not a positive number of seconds",
                             "RFC8628-3.2-members", "positive number", data["interval"]))
    findings.raise_if_any()
    return dict(data)


def effective_interval(body: Mapping[str, Any]) -> float:
    """RFC 8628 §3.2: the polling interval a client must use (the response's, else 5 s).

    "If no value is provided, clients MUST use 5 as the default."
    """
    value = body.get("interval")
    return float(value) if isinstance(value, (int, float)) and _positive_number(value) else DEFAULT_INTERVAL_S


def next_interval(current: float, error: str | None) -> float:
    """RFC 8628 §3.5: the interval before the next poll, given the last poll's ``error``.

    slow_down: "the interval MUST be increased by 5 seconds for this and all subsequent
    requests." Any other answer keeps the interval.
    """
    return current + SLOW_DOWN_STEP_S if error == "slow_down" else current


def check_documented_interval(body: Mapping[str, Any], documented_s: int) -> None:
    """DOC-device_polling_interval: the response states the documented polling interval.

    A deployment documented with a device polling interval (PingFederate "Device Polling
    Interval") tells clients that interval in ``interval`` (RFC 8628 §3.2); a missing value
    would make clients use 5 s instead.
    """
    value = body.get("interval")
    if value is None or not _positive_number(value) or float(value) != float(documented_s):
        raise fail("DEVICE_INTERVAL_NOT_DOCUMENTED", "the device authorization response does not state the "
                   "documented polling interval", "DOC-device_polling_interval", expected=documented_s,
                   actual=value)


def check_documented_lifetime(body: Mapping[str, Any], documented_s: int) -> None:
    """DOC-device_code_lifetime: ``expires_in`` equals the documented code lifetime.

    RFC 8628 §3.2 expires_in: "The lifetime in seconds of the "device_code" and
    "user_code"." (PingFederate "Pending Authorization Timeout").
    """
    value = body.get("expires_in")
    if not _positive_int(value) or value != documented_s:
        raise fail("DEVICE_EXPIRES_IN_NOT_DOCUMENTED", "expires_in differs from the documented device code "
                   "lifetime", "DOC-device_code_lifetime", expected=documented_s, actual=value)


def check_authorization_pending(status: int, headers: Headers, body: Body, *,
                                basic_auth_used: bool = False) -> dict[str, Any]:
    """RFC 8628 §3.5: polling before the user acted gives ``authorization_pending``.

    "authorization_pending: The authorization request is still pending as the end user
    hasn't yet completed the user-interaction steps (Section 3.3)."
    """
    return check_token_error_response(status, headers, body, "authorization_pending",
                                      basic_auth_used=basic_auth_used, requirement="RFC8628-3.5-authorization_pending")


def check_slow_down(status: int, headers: Headers, body: Body, *, basic_auth_used: bool = False,
                    requirement: str = "DOC-device_slow_down") -> dict[str, Any]:
    """RFC 8628 §3.5: polling sooner than the interval gives ``slow_down`` (where documented).

    "slow_down: A variant of "authorization_pending", the authorization request is still
    pending and polling should continue, but the interval MUST be increased by 5 seconds for
    this and all subsequent requests." The server is not obliged to send it; a deployment
    documented to do so is held to it (``requirement``).
    """
    data, _ = parse_json(body)
    error = data.get("error") if isinstance(data, Mapping) else None
    if status == 400 and error == "authorization_pending":
        raise fail("SLOW_DOWN_MISSING", "polling faster than the interval was answered "
                   "authorization_pending, not slow_down", requirement, expected="slow_down", actual=error)
    return check_token_error_response(status, headers, body, "slow_down", basic_auth_used=basic_auth_used,
                                      requirement=requirement)


def check_access_denied(status: int, headers: Headers, body: Body, *,
                        basic_auth_used: bool = False) -> dict[str, Any]:
    """RFC 8628 §3.5: a denied request gives ``access_denied``.

    "access_denied: The authorization request was denied."
    """
    return check_token_error_response(status, headers, body, "access_denied",
                                      basic_auth_used=basic_auth_used, requirement="RFC8628-3.5-access_denied")


def check_expired_token(status: int, headers: Headers, body: Body, *,
                        basic_auth_used: bool = False) -> dict[str, Any]:
    """RFC 8628 §3.5: polling with an expired device_code gives ``expired_token``.

    "expired_token: The "device_code" has expired, and the device authorization session has
    concluded."
    """
    return check_token_error_response(status, headers, body, "expired_token",
                                      basic_auth_used=basic_auth_used, requirement="RFC8628-3.5-expired_token")


def check_code_reuse_refused(status: int, headers: Headers, body: Body, *,
                             basic_auth_used: bool = False) -> dict[str, Any]:
    """RFC 8628 §3.5 with RFC 6749 §5.2: a redeemed device_code cannot be redeemed again.

    Once tokens were issued "the device authorization session has concluded" (§3.5); the
    device_code is then an authorization grant that is no longer valid, and RFC 6749 §5.2
    answers such a grant with "invalid_grant: The provided authorization grant ... is
    invalid, expired, revoked ...". Issuing a second set of tokens would let anyone who saw
    the device_code replay the user's approval.
    """
    return check_token_error_response(status, headers, body, "invalid_grant",
                                      basic_auth_used=basic_auth_used, requirement="RFC8628-3.5")


def check_other_client_refused(status: int, headers: Headers, body: Body, *,
                               basic_auth_used: bool = False) -> dict[str, Any]:
    """RFC 8628 §3.4 with RFC 6749 §5.2: a device_code is redeemable only by its client.

    §3.4 makes client_id part of the device access token request (or the client
    authenticates), and RFC 6749 §5.2 "invalid_grant: The provided authorization grant ...
    was issued to another client."
    """
    return check_token_error_response(status, headers, body, "invalid_grant",
                                      basic_auth_used=basic_auth_used, requirement="RFC6749-5.2")


def check_approved_poll(status: int, headers: Headers, body: Body) -> dict[str, Any]:
    """RFC 8628 §3.5: after the user approved, polling returns a token response.

    "If the user has approved the grant, the token endpoint responds with a success response
    defined in Section 5.1 of [RFC6749]". Still answering authorization_pending (or
    expired_token after the approval) means the approval was not honoured.
    """
    data, _ = parse_json(body)
    error = data.get("error") if isinstance(data, Mapping) else None
    if status != 200 and error in (*_POLLING, "expired_token"):
        raise fail("APPROVAL_NOT_HONOURED", "the user approved but polling never returned tokens",
                   "RFC8628-3.5", expected="token response", actual=error)
    return check_token_success_response(status, headers, body)


def check_confirmation_shown(confirmation_shown: bool, user_code_displayed: bool) -> None:
    """RFC 8628 §5.4 / §3.3.1: with verification_uri_complete the user still confirms the code.

    §5.4: "For authorization servers that support the "verification_uri_complete"
    optimization, it is particularly important to confirm that the device is in the user's
    possession, as the user no longer has to type in the code manually. One possible
    solution is to display the code during the authorization flow and ask the user to verify
    that the same code is being displayed on the device." The mitigation is RECOMMENDED.
    """
    if not confirmation_shown:
        raise fail("DEVICE_CODE_NOT_CONFIRMED", "visiting verification_uri_complete authorized the device "
                   "without asking the user to confirm the code", "RFC8628-3.3.1", expected="confirmation page",
                   actual="no confirmation", level=Level.SHOULD)
    if not user_code_displayed:
        raise fail("DEVICE_CODE_NOT_DISPLAYED", "the confirmation page does not display the user code",
                   "RFC8628-3.3.1", expected="user_code on the page", actual="not shown", level=Level.SHOULD)


def check_user_code_entropy(samples: Sequence[str], min_bits: float = 20.0) -> float:
    """RFC 8628 §5.1 / §6.1: user codes carry enough entropy; return the estimate (bits).

    §5.1: "the user code SHOULD have enough entropy that, when combined with rate-limiting
    and other mitigations, makes a brute-force attack infeasible"; §6.1's example (8
    characters of a 20-letter set) has about 34.5 bits. Separators are ignored (§6.1
    "Punctuation or other characters ... The authorization server should ignore" them).
    ``min_bits`` (default 20, a 6-digit code) is the floor below which rate limiting alone
    cannot make guessing infeasible. SHOULD-level; a repeated code is a MUST failure.
    """
    normalized = [_normalize_user_code(s) for s in samples]
    try:
        estimate = estimate_entropy(normalized)
    except ValueError as exc:
        raise HarnessError(str(exc)) from exc
    if estimate.repeated:
        raise fail("USER_CODE_REPEATED", "the same user code was issued to two pending requests", "RFC8628-3.2",
                   expected="distinct values", actual=list(samples))
    if estimate.bits < min_bits:
        raise fail("USER_CODE_ENTROPY_LOW", f"user codes carry too little entropy: {estimate.describe()}",
                   "RFC8628-5.1", expected=f">= {min_bits} bits", actual=round(estimate.bits, 1),
                   level=Level.SHOULD)
    return estimate.bits


def check_user_code_charset(samples: Sequence[str]) -> None:
    """RFC 8628 §6.1: the user-code character set avoids easily confused characters.

    "It is RECOMMENDED to avoid character sets that contain two or more characters that can
    be easily confused with each other, like "0" and "O" or "1", "l" and "I"." Judged on
    the characters seen across the samples (separators ignored); SHOULD-level.
    """
    seen = {c for s in samples for c in _normalize_user_code(s)}
    clashes = sorted("/".join(sorted(group & seen)) for group in CONFUSABLE_GROUPS if len(group & seen) > 1)
    if clashes:
        raise fail("USER_CODE_CONFUSABLE_CHARS", "user codes mix characters that are easily confused",
                   "RFC8628-6.1", expected="no confusable pairs", actual=clashes, level=Level.SHOULD)


def _normalize_user_code(value: str) -> str:
    return "".join(c for c in value if c.isalnum())
