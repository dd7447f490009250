"""Documented settings of the target profile held against what the deployment does.

Each function judges one statement of the profile's ``documented:`` section (``DOC-<key>``,
see ``harness/specs/requirements/doc.yaml``): the vendor documents the behaviour, so a
deployment that behaves otherwise fails. A documented value never waives a specification rule;
the spec checks run next to these (issue 21: documented settings only make checks stricter).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.results import Finding, Findings, fail

__all__ = ["check_confirmation_bypassed", "check_documented_lifetime", "check_response_type_restricted",
           "check_scope_restricted", "check_user_code_support"]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_documented_lifetime(claims: Mapping[str, Any], documented_s: int, *, requirement: str, what: str,
                              code_prefix: str, tolerance_s: int = 2) -> int:
    """``exp - iat`` of a token (its claims, or its introspection answer) equals the documented lifetime.

    ``code_prefix`` prefixes the finding codes (``<prefix>_LIFETIME_UNKNOWN`` / ``_MISMATCH``);
    ``tolerance_s`` absorbs the rounding of ``iat`` and ``exp`` to whole seconds. Returns the lifetime.
    """
    exp, iat = claims.get("exp"), claims.get("iat")
    if not (isinstance(exp, (int, float)) and isinstance(iat, (int, float)) and _is_number(exp)
            and _is_number(iat)):
        raise fail(f"{code_prefix}_LIFETIME_UNKNOWN", f"the {what} carries no numeric exp and iat, so its "
                   "lifetime cannot be compared with the documented one", requirement, expected=documented_s,
                   actual={"exp": exp, "iat": iat})
    lifetime = int(exp - iat)
    if abs(lifetime - documented_s) > tolerance_s:
        raise fail(f"{code_prefix}_LIFETIME_MISMATCH", f"the {what} lifetime (exp - iat) differs from the "
                   "documented one", requirement, expected=documented_s, actual=lifetime)
    return lifetime


def check_user_code_support(advertised: Any, status: int, body: Mapping[str, Any]) -> None:
    """Documented CIBA "User Code Support": advertised in discovery and a request with ``user_code`` accepted.

    CIBA Core §4: "backchannel_user_code_parameter_supported OPTIONAL. Boolean value specifying
    whether the OP supports the use of the user_code parameter, with true indicating support. If
    omitted, the default value is false." A deployment documented to support user codes therefore
    advertises ``true`` and acknowledges (§7.3, HTTP 200 with ``auth_req_id``) a valid request that
    carries one.
    """
    findings = Findings()
    if advertised is not True:
        findings.add(Finding(code="CIBA_USER_CODE_UNADVERTISED", message="user_code support is documented but "
                             "discovery does not advertise backchannel_user_code_parameter_supported true",
                             requirement="DOC-ciba.user_code", expected=True, actual=advertised))
    auth_req_id = body.get("auth_req_id")
    if status != 200 or not isinstance(auth_req_id, str) or not auth_req_id:
        findings.add(Finding(code="CIBA_USER_CODE_REFUSED", message="a valid backchannel request carrying user_code "
                             "was not acknowledged although user_code support is documented",
                             requirement="DOC-ciba.user_code", expected="HTTP 200 with auth_req_id",
                             actual=f"HTTP {status} error={body.get('error')}"))
    findings.raise_if_any()


#: Authorization response members that carry a credential (a code or a token).
CREDENTIAL_MEMBERS = ("code", "access_token", "id_token")


def check_response_type_restricted(response_type: str, allowed: list[str], delivered: Mapping[str, str]) -> None:
    """Documented "Restrict Response Types": a ``response_type`` the client is not allowed is refused.

    PingFederate's client setting restricts the client to the selected response types (the
    profile's ``clients[].response_types``); OIDC Registration §2 ``response_types`` is the list the
    client "will restrict itself to using". A request for another type must end without a code or
    token in the authorization response (RFC 6749 §4.1.2.1: an error such as ``unauthorized_client``
    or ``unsupported_response_type``, or an error page).
    """
    issued = sorted(m for m in CREDENTIAL_MEMBERS if delivered.get(m))
    if issued:
        raise fail("RESPONSE_TYPE_NOT_RESTRICTED", f"response_type {response_type!r} is not among the client's "
                   "allowed response types but the authorization response carries credentials",
                   "DOC-restrict_response_types", expected=f"refused (allowed: {' | '.join(allowed)})",
                   actual=f"delivered {', '.join(issued)}")


def check_confirmation_bypassed(bypass_documented: bool, confirmation_shown: bool) -> None:
    """Documented "Bypass Activation Code Confirmation": ``verification_uri_complete`` shows no confirmation page.

    PingFederate's device setting skips the user-code confirmation when the user arrives through
    ``verification_uri_complete``. The RFC 8628 §3.3.1 recommendation to confirm still applies and is
    judged separately (:func:`harness.specs.rfc8628.check_confirmation_shown`).
    """
    if bypass_documented and confirmation_shown:
        raise fail("DEVICE_CONFIRMATION_DESPITE_BYPASS", "a confirmation page appeared although Bypass Activation "
                   "Code Confirmation is documented", "DOC-device_bypass_activation_code_confirmation",
                   expected="no confirmation page", actual="confirmation page")


def check_scope_restricted(extra_scope: str, allowed: list[str], redirected: bool, params: Mapping[str, str]) -> None:
    """Documented "Restrict Common Scopes": a known scope the client was not given is refused with ``invalid_scope``.

    PingFederate's client setting: with common scopes restricted, a request for a common scope not
    selected for the client gets ``invalid_scope`` (RFC 6749 §4.1.2.1: "invalid_scope The requested
    scope is invalid, unknown, or malformed."). The profile's ``clients[].scope`` is the selection.
    A success, or any other answer, differs from the documented behaviour.
    """
    error = params.get("error") if redirected else None
    if error != "invalid_scope":
        if error:
            actual = f"error={error}"
        elif not redirected:
            actual = "no redirect to the client"
        else:
            actual = f"success (scope={params.get('scope')!r})"
        raise fail("SCOPE_NOT_RESTRICTED", f"the scope {extra_scope!r} is not among the client's scopes but the "
                   "request was not refused with invalid_scope", "DOC-restrict_scopes",
                   expected=f"error=invalid_scope (allowed: {' '.join(allowed)})", actual=actual)
