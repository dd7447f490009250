"""RFC 6749 (OAuth 2.0): authorization responses, token responses, errors, credential guessing."""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from harness.results import Findings, HarnessError, Level, NeedsReview, fail
from harness.specs._entropy import EntropyEstimate, estimate_entropy
from harness.specs._findings import finding
from harness.specs._http import (
    Body,
    Headers,
    chars_outside,
    code_points,
    directive_names,
    header_value,
    header_values,
    media_type,
    parse_json,
)

__all__ = [
    "AUTHORIZATION_ERRORS",
    "EXTENSION_ERRORS",
    "TOKEN_ERRORS",
    "check_code_entropy",
    "check_code_in_query_only",
    "check_error_code_value",
    "check_error_description_charset",
    "check_error_response_params",
    "check_redirect_not_followed_to",
    "check_state_echoed",
    "check_token_error_response",
    "check_token_success_response",
    "DEFAULT_GRANT_TYPES",
    "estimate_entropy_bits",
    "unregistered_grant_errors",
    "expected_error_status",
    "describe_entropy",
]

#: RFC 6749 §4.1.2.1 error codes of the authorization endpoint.
AUTHORIZATION_ERRORS: frozenset[str] = frozenset({
    "invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type",
    "invalid_scope", "server_error", "temporarily_unavailable",
})
#: RFC 6749 §5.2 error codes of the token endpoint.
TOKEN_ERRORS: frozenset[str] = frozenset({
    "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
    "unsupported_grant_type", "invalid_scope",
})
#: Error codes registered by extensions (OIDC Core §3.1.2.6, RFC 9101, RFC 8628, RFC 9449,
#: RFC 8707, RFC 9396, RFC 6750, RFC 7009, CIBA).
EXTENSION_ERRORS: frozenset[str] = frozenset({
    "interaction_required", "login_required", "account_selection_required", "consent_required",
    "invalid_request_uri", "invalid_request_object", "request_not_supported",
    "request_uri_not_supported", "registration_not_supported", "authorization_pending",
    "slow_down", "access_denied", "expired_token", "invalid_dpop_proof", "use_dpop_nonce",
    "invalid_target", "invalid_authorization_details", "invalid_token", "insufficient_scope",
    "unsupported_token_type", "unknown_user_id", "expired_login_hint_token",
    "missing_user_code", "invalid_user_code", "invalid_binding_message", "transaction_failed",
})

# RFC 6749 §4.1.2.1 / §5.2 character sets.
_ERROR_CHARS = code_points((0x20, 0x21), (0x23, 0x5B), (0x5D, 0x7E))
_ERROR_URI_CHARS = code_points((0x21, 0x21), (0x23, 0x5B), (0x5D, 0x7E))


def check_state_echoed(sent: str | None, params: Mapping[str, str], *,
                       requirement: str = "RFC6749-4.1.2-state") -> None:
    """RFC 6749 §4.1.2 / §4.1.2.1, ``state``.

    "REQUIRED if the "state" parameter was present in the client authorization request.
    The exact value received from the client."
    """
    if sent is None:
        return
    if "state" not in params:
        raise fail("STATE_MISSING", "the response does not carry the state the client sent",
                   requirement, expected=sent, actual=None)
    if params["state"] != sent:
        raise fail("STATE_MISMATCH", "state differs from the value the client sent",
                   requirement, expected=sent, actual=params["state"])


def check_code_in_query_only(query_params: Mapping[str, str],
                             fragment_params: Mapping[str, str]) -> str:
    """RFC 6749 §4.1.2: the code travels in the query; return it.

    "the authorization server issues an authorization code and delivers it to the client by
    adding the following parameters to the query component of the redirection URI using
    the "application/x-www-form-urlencoded" format"
    """
    findings = Findings()
    if "code" in fragment_params:
        findings.add(finding("CODE_IN_FRAGMENT", "the authorization code appears in the fragment",
                             "RFC6749-4.1.2", "query only", "fragment"))
    code = query_params.get("code")
    if not code:
        findings.add(finding("CODE_NOT_IN_QUERY", "no authorization code in the query component",
                             "RFC6749-4.1.2", "code=…", sorted(query_params)))
    findings.raise_if_any()
    assert code is not None
    return code


def check_error_response_params(params: Mapping[str, str], expected_errors: str | Collection[str],
                                requirement: str = "RFC6749-4.1.2.1", *,
                                unexpected_level: Level = Level.MUST) -> str:
    """RFC 6749 §4.1.2.1: an error response names the right error and carries no code.

    "error REQUIRED. A single ASCII [USASCII] error code from the following: …" — an error
    response is made of ``error``, ``error_description``, ``error_uri`` and ``state``, so an
    authorization ``code`` or ``access_token`` must not accompany it. Returns the error.
    ``unexpected_level`` is the level of a wrong error value, for rules that name the error
    only as the typical one.
    """
    expected = {expected_errors} if isinstance(expected_errors, str) else set(expected_errors)
    findings = Findings()
    for leaked in ("code", "access_token", "id_token"):
        if leaked in params:
            findings.add(finding("ERROR_RESPONSE_HAS_CREDENTIAL",
                                 f"an error response also carries {leaked!r}", "RFC6749-4.1.2.1-params",
                                 "no credential", leaked))
    error = params.get("error")
    if not error:
        findings.add(finding("ERROR_MISSING", "the response has no error parameter", requirement,
                             sorted(expected), dict(params)))
    elif error not in expected:
        findings.add(finding("ERROR_UNEXPECTED", f"error is {error!r}", requirement,
                             sorted(expected), error, unexpected_level))
    findings.raise_if_any()
    assert error is not None
    return error


def check_error_description_charset(params: Mapping[str, Any], *,
                                    requirement: str = "RFC6749-4.1.2.1-charset") -> None:
    """RFC 6749 §4.1.2.1 / §5.2: characters allowed in ``error``, ``error_description``, ``error_uri``.

    "Values for the "error_description" parameter MUST NOT include characters outside the
    set %x20-21 / %x23-5B / %x5D-7E." and "Values for the "error_uri" parameter MUST conform
    to the URI-reference syntax and thus MUST NOT include characters outside the set %x21 /
    %x23-5B / %x5D-7E." (the same set as ``error_description`` applies to ``error``).
    """
    findings = Findings()
    for name, allowed, code in (("error", _ERROR_CHARS, "ERROR_CODE_CHARSET"),
                                ("error_description", _ERROR_CHARS, "ERROR_DESCRIPTION_CHARSET"),
                                ("error_uri", _ERROR_URI_CHARS, "ERROR_URI_CHARSET")):
        value = params.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            findings.add(finding(code, f"{name} is not a string", requirement, "string", value))
            continue
        bad = chars_outside(value, allowed)
        if bad:
            findings.add(finding(code, f"{name} contains characters outside the allowed set",
                                 requirement, "%x21 / %x23-5B / %x5D-7E" if name == "error_uri"
                                 else "%x20-21 / %x23-5B / %x5D-7E", bad))
    findings.raise_if_any()


def check_error_code_value(error: str, *, endpoint: str = "authorization",
                           extra: Collection[str] = (),
                           requirement: str | None = None) -> None:
    """RFC 6749 §4.1.2.1 / §5.2 / §8.5: the ``error`` value is one the specifications define.

    "error REQUIRED. A single ASCII [USASCII] error code from the following: …" and §8.5
    "Extension error codes MUST be registered … if the extension they are used in
    conjunction with is a registered access token type, a registered endpoint parameter, or
    an extension grant type." An unknown code is reported as SHOULD: it may belong to an
    unregistered extension. ``endpoint`` is ``authorization`` or ``token``.
    """
    if endpoint not in ("authorization", "token"):
        raise ValueError(f"endpoint must be 'authorization' or 'token', not {endpoint!r}")
    req = requirement or ("RFC6749-4.1.2.1-charset" if endpoint == "authorization" else "RFC6749-5.2-charset")
    check_error_description_charset({"error": error}, requirement=req)
    base = AUTHORIZATION_ERRORS if endpoint == "authorization" else TOKEN_ERRORS
    if error not in base | EXTENSION_ERRORS | set(extra):
        raise fail("ERROR_CODE_UNREGISTERED", f"error {error!r} is not a defined error code",
                   "RFC6749-8.5", expected=sorted(base), actual=error, level=Level.SHOULD)


def check_token_success_response(status: int, headers: Headers, body: Body, *,
                                 requested_scope: str | None = None,
                                 granted_scope: str | None = None) -> dict[str, Any]:
    """RFC 6749 §5.1: a successful token response; return the parsed JSON.

    "constructs the response by adding the following parameters to the entity-body of the
    HTTP response with a 200 (OK) status code"; "The parameters are included in the
    entity-body of the HTTP response using the "application/json" media type";
    access_token "REQUIRED"; token_type "REQUIRED"; expires_in "RECOMMENDED"; scope
    "OPTIONAL, if identical to the scope requested by the client; otherwise, REQUIRED";
    "The authorization server MUST include the HTTP "Cache-Control" response header field
    [RFC2616] with a value of "no-store" in any response containing tokens, credentials,
    or other sensitive information, as well as the "Pragma" response header field
    [RFC2616] with a value of "no-cache"."

    ``Pragma`` is checked as SHOULD: it is an HTTP/1.0 mechanism that RFC 9111 §5.4
    deprecates, and the OAuth 2.1 draft drops it; ``Cache-Control: no-store`` remains
    MUST. ``granted_scope`` (e.g. from introspection) enables the scope rule.
    """
    findings = Findings()
    if status != 200:
        findings.add(finding("TOKEN_STATUS_NOT_200", "token response status is not 200",
                              "RFC6749-5.1", 200, status))
    if media_type(headers) != "application/json":
        findings.add(finding("TOKEN_CONTENT_TYPE", "token response is not application/json",
                              "RFC6749-5.1-json", "application/json",
                              header_value(headers, "content-type")))
    _check_no_store(headers, findings)
    data, problem = parse_json(body)
    if not isinstance(data, Mapping):
        findings.add(finding("TOKEN_BODY_NOT_JSON_OBJECT", "token response body is not a JSON "
                              "object", "RFC6749-5.1-json", "JSON object", problem or type(data).__name__))
        findings.raise_if_any()
        return {}
    _check_token_members(dict(data), requested_scope, granted_scope, findings)
    findings.raise_if_any()
    return dict(data)


def _check_no_store(headers: Headers, findings: Findings) -> None:
    cache_control = header_value(headers, "cache-control")
    if "no-store" not in directive_names(cache_control):
        findings.add(finding("TOKEN_CACHE_CONTROL", "Cache-Control lacks no-store",
                              "RFC6749-5.1-no_store", "no-store", cache_control))
    pragma = header_value(headers, "pragma")
    if "no-cache" not in directive_names(pragma):
        findings.add(finding("TOKEN_PRAGMA", "Pragma: no-cache is missing (RFC 6749 §5.1; "
                              "deprecated by RFC 9111, hence a warning)", "RFC6749-5.1-no_store",
                              "no-cache", pragma, Level.SHOULD))


def _check_token_members(data: dict[str, Any], requested_scope: str | None,
                         granted_scope: str | None, findings: Findings) -> None:
    for member in ("access_token", "token_type"):
        value = data.get(member)
        if not isinstance(value, str) or not value:
            findings.add(finding(f"TOKEN_{member.upper()}_MISSING",
                                  f"{member} is missing or not a non-empty string",
                                  "RFC6749-5.1-members", "non-empty string", value))
    if "expires_in" not in data:
        findings.add(finding("TOKEN_EXPIRES_IN_MISSING", "expires_in is RECOMMENDED",
                              "RFC6749-5.1-expires_in", "a number of seconds", None, Level.SHOULD))
    elif isinstance(data["expires_in"], bool) or not isinstance(data["expires_in"], (int, float)):
        findings.add(finding("TOKEN_EXPIRES_IN_INVALID", "expires_in is not a JSON number",
                              "RFC6749-5.1-json", "number", data["expires_in"]))
    scope = data.get("scope")
    if scope is not None and not isinstance(scope, str):
        findings.add(finding("TOKEN_SCOPE_NOT_STRING", "scope is not a space-delimited "
                              "string", "RFC6749-3.3-format", "string", scope))
    if (scope is None and granted_scope is not None and requested_scope is not None
            and set(granted_scope.split()) != set(requested_scope.split())):
        findings.add(finding("TOKEN_SCOPE_MISSING", "the granted scope differs from the "
                              "requested one but the response has no scope", "RFC6749-5.1-scope",
                              granted_scope, None))


def check_token_error_response(status: int, headers: Headers, body: Body,
                               expected_error: str | Collection[str], *, basic_auth_used: bool,
                               auth_scheme: str = "Basic",
                               requirement: str = "RFC6749-5.2",
                               error_requirement: str | None = None) -> dict[str, Any]:
    """RFC 6749 §5.2: a token endpoint error response for the case tested; return the parsed JSON.

    "The authorization server responds with an HTTP 400 (Bad Request) status code (unless
    specified otherwise)"; for invalid_client "If the client attempted to authenticate via
    the "Authorization" request header field, the authorization server MUST respond with
    an HTTP 401 (Unauthorized) status code and include the "WWW-Authenticate" response
    header field matching the authentication scheme used by the client."; "The parameters
    are included in the entity-body of the HTTP response using the "application/json"
    media type".

    The expectations come from the *case* (``expected_error``: the error codes that are right
    for the request sent, and ``basic_auth_used``: whether the client authenticated with the
    ``Authorization`` header), never from what the server happened to answer: a failed Basic
    authentication needs 401 and a ``WWW-Authenticate: Basic`` challenge even when the server
    answered with another error code (see :func:`expected_error_status`).

    ``requirement`` is the rule the request breaks, cited when the server *accepted* it (e.g.
    ``RFC6749-4.1.3`` for a code redeemed by another client, ``RFC7636-4.6`` for a wrong
    code_verifier). ``error_requirement`` (default: ``requirement``) is the sentence that names
    the error code, cited when the error value is wrong.
    """
    expected = {expected_error} if isinstance(expected_error, str) else set(expected_error)
    if not expected:
        raise ValueError("expected_error names no error code")
    if 200 <= status < 300:
        raise fail("TOKEN_REQUEST_ACCEPTED", "the token endpoint accepted a request it must "
                   "refuse", requirement, expected=sorted(expected), actual=status)
    findings = Findings()
    data, problem = parse_json(body)
    error = data.get("error") if isinstance(data, Mapping) else None
    _check_error_status(status, headers, expected, error, basic_auth_used, auth_scheme, findings)
    if media_type(headers) != "application/json":
        findings.add(finding("TOKEN_ERROR_CONTENT_TYPE", "error response is not "
                              "application/json", "RFC6749-5.2-json", "application/json",
                              header_value(headers, "content-type")))
    if not isinstance(data, Mapping):
        findings.add(finding("TOKEN_ERROR_BODY_NOT_JSON_OBJECT", "error body is not a JSON "
                              "object", "RFC6749-5.2-json", "JSON object", problem))
    elif not isinstance(error, str):
        findings.add(finding("TOKEN_ERROR_MISSING", "error body has no error member",
                              "RFC6749-5.2", sorted(expected), dict(data)))
    else:
        if error not in expected:
            findings.add(finding("TOKEN_ERROR_WRONG_CODE", f"error is {error!r}",
                                  error_requirement or requirement, sorted(expected), error))
        findings.check(check_error_description_charset, data, requirement="RFC6749-5.2-charset")
    findings.raise_if_any()
    return dict(data) if isinstance(data, Mapping) else {}


def expected_error_status(expected_errors: Collection[str], returned_error: Any, *,
                          header_auth: bool) -> tuple[frozenset[int], bool]:
    """The HTTP statuses allowed for a token error of the case tested, and whether a challenge is due.

    RFC 6749 §5.2: 400 "unless specified otherwise"; ``invalid_client`` "MAY return an HTTP
    401" and, when the client authenticated with the ``Authorization`` header, "MUST respond
    with an HTTP 401 (Unauthorized) status code and include the "WWW-Authenticate" response
    header field". When the server answered one of the case's correct errors, that error's
    rule applies (a case may allow several); otherwise the rule of every correct error does:
    a failed Basic authentication answered ``invalid_request``/400 still owes 401 and the
    challenge.
    """
    chosen = {returned_error} if returned_error in expected_errors else set(expected_errors)
    statuses: set[int] = set()
    challenge = True
    for error in chosen:
        if error == "invalid_client":
            statuses |= {401} if header_auth else {400, 401}
            challenge = challenge and header_auth
        else:
            statuses.add(400)
            challenge = False
    return frozenset(statuses), challenge


def _check_error_status(status: int, headers: Headers, expected: set[str], error: Any,
                        basic_auth_used: bool, auth_scheme: str, findings: Findings) -> None:
    statuses, challenge = expected_error_status(expected, error, header_auth=basic_auth_used)
    if status not in statuses:
        why = ("failed client authentication with the Authorization header must be answered 401"
               if challenge else "token error responses use HTTP 400 (invalid_client may use 401)")
        findings.add(finding("TOKEN_ERROR_STATUS", why, "RFC6749-5.2-invalid_client" if challenge
                              else "RFC6749-5.2-status",
                              sorted(statuses) if len(statuses) > 1 else next(iter(statuses)), status))
    if challenge:
        challenges = header_values(headers, "www-authenticate")
        schemes = {c.strip().split(" ", 1)[0].split(",", 1)[0].lower() for c in challenges}
        if auth_scheme.lower() not in schemes:
            findings.add(finding("TOKEN_ERROR_WWW_AUTHENTICATE", f"no WWW-Authenticate "
                                  f"challenge for the {auth_scheme} scheme the client used",
                                  "RFC6749-5.2-invalid_client", auth_scheme, challenges or None))


#: RFC 8414 §2 / OpenID Connect Discovery §3: ``grant_types_supported`` "If omitted, the default
#: value is ["authorization_code", "implicit"]."
DEFAULT_GRANT_TYPES: frozenset[str] = frozenset({"authorization_code", "implicit"})


def unregistered_grant_errors(grant: str, advertised: Any, profile_grants: Collection[str]) -> frozenset[str]:
    """The right error for a client asking for a grant type it is not registered for (RFC 6749 §5.2).

    "unauthorized_client: The authenticated client is not authorized to use this authorization
    grant type." and "unsupported_grant_type: The authorization grant type is not supported by the
    authorization server." Which one applies depends on whether the *server* supports the grant,
    known before asking: it does when its metadata lists it (``advertised``, the
    ``grant_types_supported`` member) or a client of the profile is registered for it
    (``profile_grants``); it does not when a published list lacks it. When the metadata omits the
    member and no profile client uses the grant, the RFC 8414 default (no such grant) may be
    stale, so both codes are right.
    """
    if grant in profile_grants or (isinstance(advertised, list) and grant in advertised):
        return frozenset({"unauthorized_client"})
    if isinstance(advertised, list):
        return frozenset({"unsupported_grant_type"})
    if grant in DEFAULT_GRANT_TYPES:
        return frozenset({"unauthorized_client"})
    return frozenset({"unauthorized_client", "unsupported_grant_type"})


def estimate_entropy_bits(samples: Sequence[str]) -> float:
    """Upper-bound entropy (bits) of one value, from several samples of it.

    See :mod:`harness.specs._entropy` for the method and its limits: the result is the
    capacity of the observed format after removing constant parts (0 when a value repeats).
    """
    return estimate_entropy(samples).bits


def describe_entropy(samples: Sequence[str]) -> EntropyEstimate:
    """The full estimate behind :func:`estimate_entropy_bits` (for evidence)."""
    return estimate_entropy(samples)


def check_code_entropy(samples: Sequence[str], min_bits: float = 128, *,
                       recommended_bits: float = 160, label: str = "authorization code",
                       requirement: str = "RFC6749-10.10") -> float:
    """RFC 6749 §10.10: generated credentials must not be guessable; return the estimate.

    "The probability of an attacker guessing generated tokens (and other credentials not
    intended for handling by end-users) MUST be less than or equal to 2^(-128) and SHOULD
    be less than or equal to 2^(-160)."

    A repeated value or a counter-like series fails outright. The estimate is an upper
    bound (see :mod:`harness.specs._entropy`), so a failure is conclusive while a pass only
    means the format can carry enough entropy. Give at least five samples.
    """
    try:
        estimate = estimate_entropy(samples)
    except ValueError as exc:
        raise HarnessError(str(exc)) from exc
    if estimate.repeated:
        raise fail("CODE_REPEATED", f"the same {label} was issued twice", requirement,
                   expected="distinct values", actual=list(samples))
    if estimate.counter_like:
        raise fail("CODE_PREDICTABLE", f"{label} values look sequential: {estimate.describe()}",
                   requirement, expected=f">= {min_bits} bits", actual=round(estimate.bits, 1))
    if estimate.bits < min_bits:
        raise fail("CODE_ENTROPY_LOW", f"{label} carries too little entropy: "
                   f"{estimate.describe()}", requirement, expected=f">= {min_bits} bits",
                   actual=round(estimate.bits, 1))
    if estimate.bits < recommended_bits:
        raise fail("CODE_ENTROPY_BELOW_RECOMMENDED", f"{label} entropy is below the "
                   f"recommended level: {estimate.describe()}", requirement,
                   expected=f">= {recommended_bits} bits", actual=round(estimate.bits, 1),
                   level=Level.SHOULD)
    return estimate.bits


def check_redirect_not_followed_to(status: int, location: str | None, forbidden_uri: str, *,
                                   body: str | None = None, form_action: str | None = None,
                                   requirement: str = "RFC6749-3.1.2.4") -> None:
    """RFC 6749 §3.1.2.4 / §4.1.2.1: never redirect to an invalid redirection URI.

    "If an authorization request fails validation due to a missing, invalid, or
    mismatching redirection URI, the authorization server SHOULD inform the resource owner
    of the error and MUST NOT automatically redirect the user-agent to the invalid
    redirection URI." A redirect counts when its target has the forbidden URI's scheme,
    host, port and path and carries every query parameter of the forbidden URI (so a
    redirect to the *registered* URI with an error is not mistaken for one). Sending the
    user agent there by other means counts too: an auto-posting form (``form_post``; its
    ``form_action`` as the user agent saw it), or a page of any status whose ``body``
    carries a form aimed at the URI or a ``<meta http-equiv="refresh">`` to it.
    """
    if 300 <= status < 400 and location and _targets(location, forbidden_uri):
        raise fail("REDIRECTED_TO_INVALID_URI", "the server redirected to a redirection URI "
                   "it should have refused", requirement, expected="no redirect to it",
                   actual=location)
    if form_action and _targets(form_action, forbidden_uri):
        raise fail("REDIRECTED_TO_INVALID_URI", "the server sent the user agent an auto-posting "
                   "form aimed at a redirection URI it should have refused", requirement,
                   expected="no form aimed at it", actual=form_action)
    if body:
        for kind, target in _page_targets(body):
            if _targets(target, forbidden_uri):
                raise fail("REDIRECTED_TO_INVALID_URI", f"the server's page ({kind}) sends the user "
                           "agent to a redirection URI it should have refused", requirement,
                           expected=f"no {kind} aimed at it", actual=target)


_FORM_ACTION = re.compile(r"""<form\b[^>]*\baction\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_META_REFRESH = re.compile(r"""<meta\b[^>]*http-equiv\s*=\s*["']?refresh["']?[^>]*>""", re.I)
_REFRESH_URL = re.compile(r"""content\s*=\s*["']?\s*\d*\s*;?\s*url\s*=\s*['"]?([^"'>\s]+)""", re.I)


def _page_targets(body: str) -> list[tuple[str, str]]:
    """The URLs a page sends the user agent to: form actions and meta-refresh targets (unescaped)."""
    found = [("form", html.unescape(next(g for g in m.groups() if g is not None)))
             for m in _FORM_ACTION.finditer(body)]
    for meta in _META_REFRESH.finditer(body):
        url = _REFRESH_URL.search(meta.group(0))
        if url:
            found.append(("meta refresh", html.unescape(url.group(1))))
    return found


def _targets(url: str, forbidden: str) -> bool:
    a, b = urlsplit(url), urlsplit(forbidden)
    if (a.scheme.lower(), a.netloc.lower(), a.path or "/") != (
            b.scheme.lower(), b.netloc.lower(), b.path or "/"):
        return False
    return set(parse_qsl(b.query, keep_blank_values=True)) <= set(
        parse_qsl(a.query, keep_blank_values=True))




# --------------------------------------------------------------------------------------
# Refresh tokens (§6) and scope (§3.3) — token lifecycle checks
# --------------------------------------------------------------------------------------

__all__ += [
    "check_at_most_one_success",
    "check_refresh_not_rotated",
    "check_refresh_rotated",
    "check_refresh_scope_narrowed",
    "check_refresh_scope_not_widened",
    "check_refresh_token_issued",
    "check_unknown_scope_handled",
]


def check_refresh_rotated(old_refresh_token: str, body: Mapping[str, Any], *,
                          requirement: str = "DOC-refresh_token_rolling") -> str:
    """Documented refresh-token rolling: every refresh returns a new refresh token; return it.

    RFC 6749 §6: "The authorization server MAY issue a new refresh token, in which case the
    client MUST discard the old refresh token"; RFC 9700 §4.14.2: "Refresh token rotation:
    the authorization server issues a new refresh token with every access token refresh
    response. The previous refresh token is invalidated". A deployment documented to roll
    refresh tokens (PingFederate "Roll Refresh Token Values") must do so.
    """
    new = body.get("refresh_token")
    if not isinstance(new, str) or not new:
        raise fail("REFRESH_NOT_ROTATED", "the refresh response carries no new refresh token", requirement,
                   expected="a new refresh_token", actual=None)
    if new == old_refresh_token:
        raise fail("REFRESH_NOT_ROTATED", "the refresh response returned the same refresh token", requirement,
                   expected="a new refresh_token", actual="the same value")
    return new


def check_refresh_not_rotated(old_refresh_token: str, body: Mapping[str, Any], *,
                              requirement: str = "DOC-refresh_token_rolling",
                              why: str = "rolling is documented off") -> None:
    """Documented "Don't Roll" (or a roll not yet due): the refresh response returns no refresh token or the same one.

    RFC 6749 §5.1 / §6: the new refresh token is OPTIONAL; a deployment documented not to
    roll refresh tokens keeps the old one valid, so it must not hand out another.
    """
    new = body.get("refresh_token")
    if isinstance(new, str) and new and new != old_refresh_token:
        raise fail("REFRESH_ROTATED_UNEXPECTEDLY", f"a new refresh token was issued although {why}", requirement,
                   expected="no new refresh_token", actual="a new value")


def check_refresh_scope_narrowed(requested: str, body: Mapping[str, Any]) -> None:
    """RFC 6749 §6 / §3.3 / §5.1, RFC 9700 §2.3: a narrower refresh scope should be honoured.

    §6: "scope OPTIONAL. The scope of the access request as described by Section 3.3. The
    requested scope MUST NOT include any scope not originally granted by the resource
    owner"; §5.1: "scope OPTIONAL, if identical to the scope requested by the client;
    otherwise, REQUIRED." §3.3 lets the server "fully or partially ignore the scope requested
    by the client", so a response ``scope`` wider than the request (the narrowing ignored, but
    reported) breaks no MUST; RFC 9700 §2.3 "The privileges associated with an access token
    SHOULD be restricted to the minimum required for the particular application or use case."
    makes it a warning.
    """
    scope = body.get("scope")
    if scope is None:
        return  # identical to the request (§5.1)
    if not isinstance(scope, str):
        raise fail("TOKEN_SCOPE_NOT_STRING", "scope is not a space-delimited string", "RFC6749-3.3-format",
                   expected="string", actual=scope)
    extra = sorted(set(scope.split()) - set(requested.split()))
    if extra:
        raise fail("REFRESH_SCOPE_NOT_NARROWED", "the refreshed token carries scopes that were not requested "
                   "(the narrowing was ignored)", "RFC9700-2.3", expected=requested, actual=scope,
                   level=Level.SHOULD)


def check_unknown_scope_handled(status: int, headers: Headers, body: Body, unknown: str, *,
                                basic_auth_used: bool) -> None:
    """RFC 6749 §3.3 / §5.2: a scope the server will not grant is refused or the real scope reported.

    §3.3: "The authorization server MAY fully or partially ignore the scope requested by the
    client ... If the issued access token scope is different from the one requested by the
    client, the authorization server MUST include the "scope" response parameter to inform
    the client of the actual scope granted." §5.2: "invalid_scope: The requested scope is
    invalid, unknown, malformed, or exceeds the scope granted by the resource owner."
    """
    if not 200 <= status < 300:
        check_token_error_response(status, headers, body, "invalid_scope", basic_auth_used=basic_auth_used,
                                   requirement="RFC6749-5.2")
        return
    data, _ = parse_json(body)
    scope = data.get("scope") if isinstance(data, Mapping) else None
    if not isinstance(scope, str):
        raise fail("TOKEN_SCOPE_CHANGE_NOT_REPORTED", "the unknown scope was dropped without a scope member "
                   "telling the client what was granted", "RFC6749-3.3", expected="scope member or invalid_scope",
                   actual=sorted(data) if isinstance(data, Mapping) else None)
    if unknown in scope.split():
        raise fail("TOKEN_UNKNOWN_SCOPE_GRANTED", "a scope the server does not know was granted", "RFC6749-3.3-defined",
                   expected=f"no {unknown!r}", actual=scope)


def check_at_most_one_success(successes: int, *, what: str, code: str, requirement: str = "RFC9700-4.14.2",
                              attempts: int = 1) -> None:
    """At most one of several simultaneous redemptions of a one-time credential succeeds.

    RFC 6749 §10.5: "Authorization codes MUST be short lived and single-use."; RFC 9700
    §4.14.2 (refresh token rotation): "The previous refresh token is invalidated but
    information about the relationship is retained by the authorization server." A race
    between two redemptions must not yield two sets of tokens.

    ``successes`` is the most successes seen in one race (over ``attempts`` races). None at
    all means the race was never observed (the server refused even the one valid
    redemption, or both): nothing was evaluated, so a human must look (*review*), never a pass.
    """
    if successes > 1:
        raise fail(code, f"{successes} parallel redemptions of one {what} returned tokens", requirement,
                   expected="at most one success", actual=f"{successes} successes")
    if successes < 1:
        raise NeedsReview(f"none of the parallel redemptions of a {what} returned tokens "
                          f"({attempts} race(s)): the race could not be observed, so nothing was judged; "
                          "see the evidence for the errors the server gave")


def check_refresh_token_issued(body: Mapping[str, Any], *, documented_by: str | None, client_id: str,
                               requested_scope: str | None) -> str:
    """A refresh token where the profile documents that the client gets one; return it.

    RFC 6749 §1.5: "Issuing a refresh token is optional at the discretion of the authorization
    server."; OpenID Connect Core §11: "offline_access ... requests that an OAuth 2.0 Refresh Token
    be issued" (the harness requests it, with ``prompt=consent``, where the server lists it). A
    documented refresh-token policy (``documented_by``, e.g. ``DOC-refresh.rotation``) makes the
    refresh token part of the deployment's behaviour: its absence is a failure citing that
    statement. Without one the absence cannot be judged (*review*): the server may legitimately
    issue none, e.g. when ``offline_access`` was not granted.
    """
    token = body.get("refresh_token")
    if isinstance(token, str) and token:
        return token
    scope = body.get("scope")
    if documented_by is not None:
        raise fail("PRECONDITION_REFRESH_TOKEN_NOT_ISSUED",
                   f"the token response for client {client_id} carries no refresh token although the profile "
                   f"documents a refresh-token policy ({documented_by})", documented_by,
                   expected="refresh_token", actual=f"no refresh_token (requested scope {requested_scope!r}, "
                   f"granted scope {scope!r})")
    raise NeedsReview(f"the target issued no refresh token to client {client_id} (requested scope "
                      f"{requested_scope!r}, granted scope {scope!r}); the profile documents no refresh-token "
                      "policy (documented.refresh / refresh_token_rolling), so whether one is due cannot be judged")


def check_refresh_scope_not_widened(status: int, headers: Headers, body: Body, *, granted: str, extra: str,
                                    basic_auth_used: bool) -> None:
    """RFC 6749 §6 / §3.3: a refresh asking for more than the original grant gets no wider token.

    §6: "The requested scope MUST NOT include any scope not originally granted by the resource
    owner"; §5.2 ``invalid_scope``: "The requested scope is invalid, unknown, malformed, or
    exceeds the scope granted by the resource owner."; §3.3: "The authorization server MAY fully
    or partially ignore the scope requested by the client ... If the issued access token scope is
    different from the one requested by the client, the authorization server MUST include the
    "scope" response parameter to inform the client of the actual scope granted."

    Refused → exactly ``invalid_scope``. Accepted → a pass only when the response's ``scope``
    stays within the original grant (the extra scope was ignored, as §3.3 allows); a ``scope``
    reaching beyond the grant is a widened token, a missing one tells the client it got the
    wider scope it asked for.
    """
    if not 200 <= status < 300:
        check_token_error_response(status, headers, body, "invalid_scope", basic_auth_used=basic_auth_used,
                                   requirement="RFC6749-6-scope", error_requirement="RFC6749-5.2")
        return
    data, _ = parse_json(body)
    scope = data.get("scope") if isinstance(data, Mapping) else None
    if scope is None:
        raise fail("TOKEN_SCOPE_CHANGE_NOT_REPORTED", f"the extra scope {extra!r} was accepted or ignored without "
                   "a scope member telling the client what was granted", "RFC6749-3.3",
                   expected=f"invalid_scope, or scope within {granted!r}",
                   actual=sorted(data) if isinstance(data, Mapping) else None)
    if not isinstance(scope, str):
        raise fail("TOKEN_SCOPE_NOT_STRING", "scope is not a space-delimited string", "RFC6749-3.3-format",
                   expected="string", actual=scope)
    beyond = sorted(set(scope.split()) - set(granted.split()))
    if beyond:
        raise fail("REFRESH_SCOPE_WIDENED", "the refreshed token carries scopes beyond the original grant",
                   "RFC6749-6-scope", expected=f"within {granted!r}", actual=scope)
