"""OIDC RP-Initiated Logout, Session Management and Front-Channel Logout 1.0, judged on what the user agent saw.

The facts come from :mod:`harness.flows.logout` (where the OP sent the user agent, whether it
asked the End-User, the iframes on its pages) and from a ``prompt=none`` request through the
same user agent afterwards. Pure functions: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from harness.results import Level, fail

__all__ = [
    "SESSION_GONE_ERRORS",
    "SESSION_LIVE_ERRORS",
    "check_asked_end_user",
    "check_check_session_iframe",
    "check_end_session_endpoint",
    "check_frontchannel_iframe",
    "check_no_post_logout_redirect",
    "check_no_redirect_unrequested",
    "check_post_logout_redirect",
    "check_served",
    "check_session_ended",
    "check_session_state",
    "session_probe_conclusive",
    "strip_response_params",
]

#: OIDC Core §3.1.2.6: what a ``prompt=none`` request answers when no End-User is logged in.
SESSION_GONE_ERRORS = ("login_required", "interaction_required")


def strip_response_params(url: str, names: Sequence[str] = ("state",)) -> str:
    """``url`` without the response parameters the OP adds (``state``), for comparison with a registered URI."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in names]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))


def _registered(url: str, registered: Sequence[str]) -> bool:
    bare = strip_response_params(url)
    return any(bare == strip_response_params(uri) for uri in registered)


def check_end_session_endpoint(url: object) -> None:
    """§2.1: "end_session_endpoint REQUIRED ... This URL MUST use the https scheme"."""
    if not isinstance(url, str) or urlsplit(url).scheme != "https" or not urlsplit(url).netloc:
        raise fail("END_SESSION_ENDPOINT_NOT_HTTPS", "end_session_endpoint is not an https URL",
                   "OIDCRPI-2.1-end_session_endpoint", expected="https://...", actual=url)


def check_served(*, first_status: int | None, what: str) -> None:
    """§2: "OPs MUST support the use of the HTTP GET and POST methods ... at the Logout Endpoint".

    The end_session endpoint's answer to a logout request the spec lets the RP send is a page or
    a redirect, not a refusal (4xx, 5xx). Pages after it (the OP's home page) are not judged.
    """
    if first_status is not None and first_status >= 400:
        raise fail("LOGOUT_REQUEST_REFUSED", f"{what} was refused", "OIDCRPI-2-methods",
                   expected="a logout page or a redirect", actual=f"HTTP {first_status}")


def check_post_logout_redirect(*, left_to: str | None, expected_uri: str, state: str | None,
                               registered: Sequence[str]) -> None:
    """A valid request with a registered ``post_logout_redirect_uri`` ends there, with the same ``state``.

    Any redirect off the OP must go to a registered URI (§3 "MUST NOT perform post-logout
    redirection if the post_logout_redirect_uri value supplied does not exactly match");
    none at all is a warning (§3 has no keyword for performing it); the ``state`` goes back (§2),
    where the request carried one (``state=None``: not judged).
    """
    if left_to is None:
        raise fail("POST_LOGOUT_NO_REDIRECT", "the OP did not redirect to the registered post_logout_redirect_uri",
                   "OIDCRPI-3-redirect", level=Level.SHOULD, expected=expected_uri, actual="the user agent stayed "
                   "at the OP")
    if not _registered(left_to, registered):
        raise fail("POST_LOGOUT_REDIRECT_UNREGISTERED", "the OP redirected to a URI that is not registered",
                   "OIDCRPI-3-exact", expected=list(registered), actual=strip_response_params(left_to))
    if strip_response_params(left_to) != strip_response_params(expected_uri):
        raise fail("POST_LOGOUT_REDIRECT_OTHER", "the OP redirected to another registered URI than the one asked",
                   "OIDCRPI-3-redirect", level=Level.SHOULD, expected=expected_uri,
                   actual=strip_response_params(left_to))
    returned = dict(parse_qsl(urlsplit(left_to).query)).get("state")
    if state is not None and returned != state:
        raise fail("POST_LOGOUT_STATE_NOT_RETURNED", "the redirect after logout does not carry the request's state",
                   "OIDCRPI-2-state", expected=state, actual=returned)


def check_no_post_logout_redirect(*, left_to: str | None, forbidden: str, registered: Sequence[str],
                                  requirement: str, code: str, why: str) -> None:
    """The OP does not redirect to ``forbidden`` (nor anywhere unregistered).

    ``requirement`` names the rule that forbids the redirection (§3 exact match, §4 id_token_hint
    validation, §2 client_id match); a redirect to any unregistered URI also breaks §3.
    """
    if left_to is None:
        return
    if strip_response_params(left_to) == strip_response_params(forbidden):
        raise fail(code, f"the OP redirected to the post_logout_redirect_uri although {why}", requirement,
                   expected="no redirection to it", actual=strip_response_params(left_to))
    if not _registered(left_to, registered):
        raise fail("POST_LOGOUT_REDIRECT_UNREGISTERED", "the OP redirected to a URI that is not registered",
                   "OIDCRPI-3-exact", expected=list(registered), actual=strip_response_params(left_to))


def check_no_redirect_unrequested(left_to: str | None, registered: Sequence[str]) -> None:
    """§3: "Post-logout redirection is only done when the logout is RP-initiated" with a post_logout_redirect_uri."""
    if left_to is not None:
        code = "POST_LOGOUT_REDIRECT_UNREQUESTED" if _registered(left_to, registered) else \
            "POST_LOGOUT_REDIRECT_UNREGISTERED"
        raise fail(code, "the OP redirected the user agent away although no post_logout_redirect_uri was sent",
                   "OIDCRPI-3-exact", expected="the user agent stays at the OP", actual=strip_response_params(left_to))


def check_asked_end_user(*, confirm_shown: bool, what: str) -> None:
    """§2: "the OP MUST ask the End-User this question if an id_token_hint was not provided"."""
    if not confirm_shown:
        raise fail("LOGOUT_NOT_CONFIRMED_BY_USER", f"{what} logged the End-User out without asking",
                   "OIDCRPI-2-ask", expected="the logout confirmation page (logout.confirm.form_id)",
                   actual="no confirmation page")


#: OIDC Core §3.1.2.6 errors that presume a logged-in End-User (a session to consent for or to choose from).
SESSION_LIVE_ERRORS = ("consent_required", "account_selection_required")


def session_probe_conclusive(*, code_returned: bool, params: Mapping[str, str], login_form_shown: bool) -> bool:
    """Whether a ``prompt=none`` answer tells if the End-User is logged in (else a plain request is asked)."""
    error = params.get("error")
    return code_returned or login_form_shown or error in SESSION_GONE_ERRORS or error in SESSION_LIVE_ERRORS


def check_session_ended(*, code_returned: bool, params: Mapping[str, str], login_form_shown: bool = False,
                        asked: bool = True, observed: str | None = None) -> None:
    """§2: "If the End-User says "yes", then the OP MUST log out the End-User".

    Judged by a request through the same user agent afterwards (``prompt=none``, else a plain
    one without logging in): a login page, or ``login_required`` / ``interaction_required``
    (OIDC Core §3.1.2.6), shows the End-User is logged out; a code, or an error that presumes a
    logged-in End-User (``consent_required``, ``account_selection_required``), shows the session
    lives on. ``asked=False`` (no confirmation page was answered): a live session means the OP
    neither asked nor logged out (§2 "the OP MUST ask the End-User this question if an
    id_token_hint was not provided"). An answer that shows neither (an error page) is a
    ``PRECONDITION_*`` failure: the valid request was refused. ``observed`` describes the
    evidence when it is not a response (the login driver's session API).
    """
    error = params.get("error")
    if not code_returned and (login_form_shown or error in SESSION_GONE_ERRORS):
        return
    if code_returned or error in SESSION_LIVE_ERRORS:
        actual = observed or ("a code" if code_returned else f"error={error}")
        if not asked:
            raise fail("LOGOUT_REQUEST_IGNORED", "the OP neither asked the End-User to log out nor logged them out",
                       "OIDCRPI-2-ask", expected="a logout confirmation, then no session",
                       actual=f"no confirmation; then {actual}")
        raise fail("SESSION_NOT_ENDED", "after a confirmed logout the End-User is still logged in at the OP",
                   "OIDCRPI-2-logout", expected=f"a login page or {' or '.join(SESSION_GONE_ERRORS)}",
                   actual=actual)
    raise fail("PRECONDITION_AUTHORIZATION_FAILED", "a valid authorization request after the logout was answered "
               "with neither a login page nor a response telling whether the End-User is logged in",
               "RFC6749-4.1.2", expected="a login page or a redirect to the client",
               actual=f"error={error}" if error else "an error page")


def check_check_session_iframe(url: object, *, status: int | None, content_type: str) -> None:
    """Session Management §2.1: check_session_iframe is an https URL of an OP iframe (an HTML page)."""
    if not isinstance(url, str) or urlsplit(url).scheme != "https":
        raise fail("CHECK_SESSION_IFRAME_NOT_HTTPS", "check_session_iframe is not an https URL",
                   "OIDCSM-2.1-check_session_iframe", expected="https://...", actual=url)
    if status != 200 or "html" not in content_type:
        raise fail("CHECK_SESSION_IFRAME_UNSERVED", "check_session_iframe does not serve an HTML page",
                   "OIDCSM-2.1-check_session_iframe", expected="HTTP 200 text/html",
                   actual=f"HTTP {status} {content_type}")


def check_session_state(params: Mapping[str, str]) -> None:
    """Session Management §3: session_state "is REQUIRED if session management is supported" (no spaces)."""
    value = params.get("session_state")
    if not value:
        raise fail("SESSION_STATE_MISSING", "the authentication response carries no session_state",
                   "OIDCSM-3-session_state", expected="session_state", actual=sorted(params))
    if " " in value:
        raise fail("SESSION_STATE_HAS_SPACE", "session_state contains a space", "OIDCSM-3-session_state",
                   expected="no space character", actual="a space")


def check_frontchannel_iframe(iframes: Sequence[str], *, logout_uri: str, session_required: bool, issuer: str,
                              sid: object) -> None:
    """Front-Channel Logout §4: the OP renders an iframe at the RP's ``frontchannel_logout_uri``.

    With ``frontchannel_logout_session_required`` the iframe URL carries ``iss`` (the issuer)
    and ``sid`` (the ID Token's), §2.
    """
    base = strip_response_params(logout_uri, ())
    matching = [src for src in iframes if strip_response_params(src, ("iss", "sid")) == base]
    if not matching:
        raise fail("FRONTCHANNEL_IFRAME_MISSING", "no page of the logout rendered an iframe at the "
                   "frontchannel_logout_uri", "OIDCFCL-4-iframe", expected=logout_uri,
                   actual=[strip_response_params(s, ("iss", "sid")) for s in iframes] or "no iframe")
    if session_required:
        query = dict(parse_qsl(urlsplit(matching[0]).query))
        if query.get("iss") != issuer or not query.get("sid") or (isinstance(sid, str) and query["sid"] != sid):
            raise fail("FRONTCHANNEL_SESSION_PARAMS", "the front-channel logout iframe lacks the iss and sid of the "
                       "session", "OIDCFCL-2-session_required", expected={"iss": issuer, "sid": sid},
                       actual={k: query.get(k) for k in ("iss", "sid")})
