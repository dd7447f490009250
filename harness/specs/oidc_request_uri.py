"""Request objects by reference and unsigned, and redirect URIs registered with a query.

OIDC Core §6.2 and RFC 9101 §5.2 (``request_uri`` pointing at a request object the client
hosts), OIDC Registration §2 (``request_object_signing_alg`` ``none``), RFC 6749 §3.1.2
(a registered redirect URI may carry a query, which is kept). Pure functions over what the
check observed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit

from harness.results import Findings, Level, fail
from harness.specs._findings import finding

__all__ = [
    "changed_query",
    "check_by_reference_accepted",
    "check_redirect_query_retained",
    "check_unfetchable_refused",
    "check_unsigned_accepted",
]


def _issued(params: Mapping[str, str]) -> bool:
    return bool(params.get("code") or params.get("access_token") or params.get("id_token"))


def _error_of(params: Mapping[str, str]) -> dict[str, str] | str:
    return {k: v for k, v in params.items() if k in ("error", "error_description")} or "no code"


def check_by_reference_accepted(params: Mapping[str, str], *, state: str | None, fetches: int) -> str:
    """OIDC Core §6.2.3 / RFC 9101 §5.2: a request object served at ``request_uri`` is fetched and used.

    §6.2.3: "Upon receipt of the Request, the Authorization Server MUST send an HTTP GET request
    to the request_uri to retrieve the referenced Request Object, unless it is already cached,
    and parse it to recreate the Authorization Request parameters." The URL is fresh (a random
    path), so it cannot be cached: ``fetches`` (GETs the host saw) must be at least one, and the
    response carries the code and the ``state`` that only the object held. Returns the code.
    """
    findings = Findings()
    if fetches == 0:
        findings.add(finding("REQUEST_URI_NOT_FETCHED", "the server never fetched the request object at "
                             "request_uri", "OIDCC-6.2.3", "one GET to the request_uri", "no request"))
    code = params.get("code")
    if not code:
        findings.add(finding("REQUEST_URI_REFUSED", "a valid request object passed by reference did not produce "
                             "an authorization code", "OIDCC-6.2.3", "code", _error_of(params)))
    elif state is not None and params.get("state") != state:
        findings.add(finding("REQUEST_URI_STATE_NOT_FROM_OBJECT", "state differs from the value in the referenced "
                             "request object", "RFC9101-6.3", state, params.get("state")))
    findings.raise_if_any()
    return code or ""


def check_unsigned_accepted(params: Mapping[str, str], *, state: str | None, requirement: str) -> str:
    """An unsigned request object from a client registered for ``none`` is processed; return the code.

    OIDC Core §6.1: "The Request Object MAY be signed or unsigned (unsecured). When it is
    unsecured, this is indicated by use of the none algorithm [JWA] in the JOSE Header."
    Registration §2 ``request_object_signing_alg``: "The value none MAY be used." A client
    documented with ``none`` (``requirement`` is the documented setting) must be served.
    """
    code = params.get("code")
    if not code:
        raise fail("UNSIGNED_REQUEST_OBJECT_REFUSED", "an unsigned request object from a client registered with "
                   "request_object_signing_alg none did not produce an authorization code", requirement,
                   expected="code", actual=_error_of(params))
    if state is not None and params.get("state") != state:
        raise fail("UNSIGNED_STATE_NOT_FROM_OBJECT", "state differs from the value in the unsigned request object",
                   "RFC9101-6.3", expected=state, actual=params.get("state"))
    return code


def check_unfetchable_refused(params: Mapping[str, str], *, redirected: bool) -> None:
    """A ``request_uri`` that answers with an error is refused, ideally with ``invalid_request_uri``.

    RFC 9101 §5.2: "the content of the resource referenced by request_uri MUST be a Request
    Object, and the authorization server MUST be able to access it"; §6.3: "If the Client ID
    check or the request validation fails, then the authorization server MUST return an error"
    — serving the request without its object is a MUST failure. OIDC Core §3.1.2.6 / RFC 9101
    §7 define the code: "invalid_request_uri The request_uri in the Authorization Request
    returns an error or contains invalid data" (no keyword: SHOULD). An error page (no
    redirect) is a refusal too.
    """
    if _issued(params):
        raise fail("REQUEST_URI_UNFETCHABLE_ACCEPTED", "the server issued a response although the request_uri "
                   "answered 404 (the request was served without its request object)", "RFC9101-5.2",
                   expected="error invalid_request_uri", actual="code issued")
    if redirected and params.get("error") != "invalid_request_uri":
        raise fail("REQUEST_URI_WRONG_ERROR", "the refusal of an unfetchable request_uri does not use "
                   "invalid_request_uri", "OIDCC-3.1.2.6-invalid_request_uri", expected="invalid_request_uri",
                   actual=params.get("error"), level=Level.SHOULD)


def _query_pairs(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def check_redirect_query_retained(landed: str | None, registered: str, *, params: Mapping[str, str]) -> str:
    """RFC 6749 §3.1.2: the query of a registered redirect URI is kept in the response; return the code.

    "The endpoint URI MAY include an "application/x-www-form-urlencoded" formatted (per Appendix
    B) query component ([RFC3986] Section 3.4), which MUST be retained when adding additional
    query parameters." The request used the registered URI exactly, so the flow must complete
    (OIDC Core §3.1.2.1: the URI "MUST exactly match one of the Redirection URI values") and the
    response URL must carry every query pair of the registered URI.
    """
    code = params.get("code")
    if not code or landed is None:
        raise fail("REDIRECT_URI_WITH_QUERY_REFUSED", "an authorization request using a registered redirect URI "
                   "that carries a query did not return a code", "OIDCC-3.1.2.1-redirect_uri_match",
                   expected=f"code at {registered}", actual=_error_of(params))
    missing = [pair for pair in _query_pairs(registered) if pair not in _query_pairs(landed)]
    if missing:
        raise fail("REDIRECT_URI_QUERY_DROPPED", "the authorization response dropped or changed the query of the "
                   "registered redirect URI", "RFC6749-3.1.2-query", expected=registered,
                   actual=[f"{k}={v}" for k, v in missing])
    return code


def changed_query(registered: str) -> str:
    """``registered`` with the value of each query parameter changed (same names, same order)."""
    parts = urlsplit(registered)
    pairs: Sequence[tuple[str, str]] = _query_pairs(registered)
    return parts._replace(query=urlencode([(k, f"{v}x") for k, v in pairs])).geturl()
