"""OpenID Connect Core §3.1.2.1: prompt, max_age, hints, display and locales, judged on what the user agent saw.

The facts come from a user agent that keeps its session across requests: whether a login or
consent page was shown (:class:`~harness.flows.authorization.AuthorizationOutcome`), the
response parameters, and the ``auth_time`` of the ID Tokens before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.results import Findings, Level, fail
from harness.specs._findings import finding

__all__ = [
    "CONSENT_ERRORS",
    "check_auth_time_kept",
    "check_consent_required",
    "check_error_returned",
    "check_reauthenticated",
    "check_request_served",
    "check_silent_response",
    "describe_login_hint_use",
]


#: §3.1.2.6: the errors for a prompt=none request that would need a consent page.
CONSENT_ERRORS = ("consent_required", "interaction_required")


def _error_text(params: Mapping[str, str]) -> str:
    error = params.get("error")
    return f"error={error}" if error else f"parameters {sorted(params)}"


def check_request_served(*, code_returned: bool, params: Mapping[str, str], requirement: str, level: Level = Level.MUST,
                         what: str) -> None:
    """An authorization request that the spec lets the client send is served: a code comes back.

    ``requirement`` is the sentence that makes the request valid (e.g. §3.1.2.1 "Authorization
    Servers MUST support the use of the HTTP GET and POST methods", ui_locales "An error SHOULD
    NOT result if some or all of the requested locales are not supported"), at its ``level``.
    """
    if not code_returned:
        raise fail("AUTHZ_VALID_REQUEST_REFUSED", f"the authorization server did not serve {what}", requirement,
                   expected="redirect with code", actual=_error_text(params), level=level)


def check_silent_response(*, login_shown: bool, consent_shown: bool, code_returned: bool, params: Mapping[str, str],
                          requirement: str = "OIDCC-3.1.2.1-prompt_none") -> None:
    """``prompt=none`` while the End-User is logged in and has consented: no UI, and a code.

    §3.1.2.1: "none The Authorization Server MUST NOT display any authentication or consent user
    interface pages. An error is returned if an End-User is not already authenticated or the
    Client does not have pre-configured consent for the requested Claims or does not fulfill
    other conditions for processing the request." A page shown is a MUST finding. The End-User
    is authenticated and approved the same request moments before, so an error instead of a code
    means the session or the consent was not used: the sentence allows errors for "other
    conditions", hence a SHOULD finding (warning), not a failure.
    """
    if login_shown or consent_shown:
        raise fail("PROMPT_NONE_SHOWED_UI", "prompt=none displayed a login or consent page", requirement,
                   expected="no user interface", actual={"login_page": login_shown, "consent_page": consent_shown})
    if not code_returned:
        raise fail("PROMPT_NONE_SESSION_NOT_USED", "prompt=none with a live, consented session did not return a "
                   "code", requirement, expected="redirect with code", actual=_error_text(params),
                   level=Level.SHOULD)


def check_error_returned(*, code_returned: bool, params: Mapping[str, str], requirement: str, what: str,
                         level: Level = Level.MUST) -> str | None:
    """A request the spec answers with an error got one (no code); returns the error code.

    E.g. §3.1.2.1: "If this parameter contains none with any other value, an error is returned."
    """
    if code_returned or not params.get("error"):
        raise fail("AUTHZ_ERROR_EXPECTED", f"{what} was not answered with an error", requirement,
                   expected="redirect with error", actual=_error_text(params), level=level)
    return params.get("error")


def _auth_time(claims: Mapping[str, Any]) -> float | None:
    value = claims.get("auth_time")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def check_reauthenticated(*, login_shown: bool, first: Mapping[str, Any], later: Mapping[str, Any] | None,
                          params: Mapping[str, str], requirement: str, level: Level, what: str) -> None:
    """The End-User was actively re-authenticated: a login page was shown and ``auth_time`` moved on.

    ``max_age`` (§3.1.2.1): "If the elapsed time is greater than this value, the OP MUST attempt to
    actively re-authenticate the End-User." ``prompt=login``: "The Authorization Server SHOULD
    prompt the End-User for reauthentication. If it cannot reauthenticate the End-User, it MUST
    return an error". ``later`` is the new ID Token's claims (``None`` when the request ended in
    an error, which passes: the OP could not re-authenticate and said so). §2 ``auth_time``:
    "Time when the End-User authentication occurred" — a re-authentication gives a later one.
    """
    if later is None:
        if not params.get("error"):
            raise fail("REAUTHENTICATION_NO_ANSWER", f"{what} returned neither tokens nor an error", requirement,
                       expected="re-authentication or an error", actual=sorted(params), level=level)
        return
    findings = Findings()
    if not login_shown:
        findings.add(finding("REAUTHENTICATION_SKIPPED", f"{what} returned a code without showing a login page",
                             requirement, "a login page", "no login page", level))
    first_time, later_time = _auth_time(first), _auth_time(later)
    if later_time is None:
        findings.add(finding("ID_TOKEN_AUTH_TIME_MISSING", "the ID Token after re-authentication has no auth_time",
                             "OIDCC-2-auth_time", "auth_time", None,
                             Level.MUST if requirement == "OIDCC-3.1.2.1-max_age" else Level.SHOULD))
    elif first_time is not None and login_shown and later_time <= first_time:
        findings.add(finding("ID_TOKEN_AUTH_TIME_NOT_UPDATED", "auth_time did not change although the End-User "
                             "logged in again", "OIDCC-2-auth_time", f"> {int(first_time)}", int(later_time)))
    findings.raise_if_any()


def check_auth_time_kept(*, login_shown: bool, first: Mapping[str, Any], later: Mapping[str, Any]) -> None:
    """``max_age`` not yet elapsed and no new login: ``auth_time`` is present and still the first login's.

    §2: "When a max_age request is made ... then this Claim is REQUIRED" and it is the "Time when
    the End-User authentication occurred". Without a login page there was no new authentication,
    so the value must be the earlier one. (An OP may re-authenticate anyway; then a later value is
    right.)
    """
    later_time = _auth_time(later)
    if later_time is None:
        raise fail("ID_TOKEN_AUTH_TIME_MISSING", "auth_time is required (max_age request) but missing",
                   "OIDCC-2-auth_time", expected="auth_time", actual=later.get("auth_time"))
    first_time = _auth_time(first)
    if not login_shown and first_time is not None and abs(later_time - first_time) > 1:
        raise fail("ID_TOKEN_AUTH_TIME_CHANGED", "auth_time changed although the End-User did not log in again",
                   "OIDCC-2-auth_time", expected=int(first_time), actual=int(later_time))


def check_consent_required(*, redirected: bool, login_shown: bool, consent_shown: bool, code_returned: bool,
                           params: Mapping[str, str]) -> str:
    """``prompt=none`` by a logged-in End-User for a client they have not consented to: an error, no page.

    §3.1.2.1: "none The Authorization Server MUST NOT display any authentication or consent user
    interface pages. An error is returned if an End-User is not already authenticated or the
    Client does not have pre-configured consent for the requested Claims". A page or a code is a
    MUST finding; an error page instead of an error redirect too (§3.1.2.6: the error is returned
    to the client). §3.1.2.6 names ``consent_required`` ("This error MAY be returned when the
    prompt parameter value in the Authentication Request is none, but the Authentication Request
    cannot be completed without displaying a user interface for End-User consent") and
    ``interaction_required``; another code is a SHOULD finding. Returns the error.
    """
    if login_shown or consent_shown:
        raise fail("PROMPT_NONE_SHOWED_UI", "prompt=none displayed a login or consent page",
                   "OIDCC-3.1.2.1-prompt_none", expected="an error, no user interface",
                   actual={"login_page": login_shown, "consent_page": consent_shown})
    if code_returned:
        raise fail("PROMPT_NONE_WITHOUT_CONSENT_SERVED", "prompt=none returned a code for a client the End-User has "
                   "not consented to", "OIDCC-3.1.2.1-prompt_none", expected="error=consent_required",
                   actual=sorted(params))
    if not redirected or not params.get("error"):
        raise fail("AUTHZ_ERROR_NOT_REDIRECTED", "prompt=none without consent did not return an error to the client",
                   "OIDCC-3.1.2.1-prompt_none", expected="redirect with error=consent_required",
                   actual=_error_text(params) if redirected else "no redirect to the client")
    error = params["error"]
    if error not in CONSENT_ERRORS:
        raise fail("PROMPT_NONE_CONSENT_ERROR_CODE", f"prompt=none without consent returned error={error!r}",
                   "OIDCC-3.1.2.1-prompt_none", level=Level.SHOULD, expected=list(CONSENT_ERRORS), actual=error)
    return error


def describe_login_hint_use(hint: str, *, login_shown: bool, prefill: str | None, observable: bool) -> str:
    """What the login page did with ``login_hint`` (information only, never a finding).

    §3.1.2.1: "login_hint OPTIONAL. Hint to the Authorization Server about the login identifier
    the End-User might use to log in (if necessary). ... The use of this parameter is left to the
    OP's discretion." A page that ignores the hint breaks no rule, so nothing here is judged.
    """
    if not login_shown:
        return "login_hint: no login page was shown (nothing to pre-fill)"
    if not observable:
        return "login_hint: this login driver does not report the login form's pre-filled username"
    if prefill is None:
        return "login_hint: the login page left the username empty (the hint's use is at the OP's discretion)"
    if prefill == hint:
        return "login_hint: the login page pre-filled the username with the hint"
    return f"login_hint: the login page pre-filled the username with {prefill!r}, not the hint {hint!r}"
