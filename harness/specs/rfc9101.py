"""RFC 9101 (JWT-Secured Authorization Request) and OpenID Connect Core §6: request objects.

The server side of a request object: it must be signed and verified with the client's key
and the registered algorithm (RFC 9101 §6.2, OIDC Core §6.3.2), decrypted when encrypted
(§6.1), its claims validated (RFC 7519 §4.1), and its parameters used instead of those
outside it (RFC 9101 §6.3, OIDC Core §6.3.3). Front-channel checks judge the parameters
that came back to the client (``params``; empty when the server showed an error page).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from harness.results import Level, fail

__all__ = [
    "REQUEST_OBJECT_ERRORS",
    "check_inside_parameters_win",
    "check_request_object_accepted",
    "check_request_object_refused",
    "check_request_parameter_advertised",
    "check_request_uri_by_reference",
    "check_signed_requests_required",
    "check_signing_alg_advertised",
]

#: Errors a server may use for an unacceptable request object: RFC 9101 §7
#: ``invalid_request_object`` ("The request parameter contains an invalid Request Object")
#: and RFC 6749 ``invalid_request`` (§6.3: the request validation failed).
REQUEST_OBJECT_ERRORS: frozenset[str] = frozenset({"invalid_request_object", "invalid_request"})


def _code_issued(params: Mapping[str, str]) -> bool:
    return bool(params.get("code") or params.get("access_token") or params.get("id_token"))


def check_request_object_accepted(params: Mapping[str, str], *, state: str | None,
                                  requirement: str = "RFC9101-6.3") -> str:
    """§5 / §6: a valid signed request object is processed and the flow completes; return the code.

    RFC 9101 §5: "The Authorization Request Object MUST be one of the following: (a) JWS
    signed (b) JWS signed and JWE encrypted"; §6.3: "The authorization server MUST extract
    the set of authorization request parameters from the Request Object value." A valid
    object must therefore lead to the normal response, with the ``state`` it carries.
    """
    code = params.get("code")
    if not code:
        raise fail("JAR_VALID_REQUEST_OBJECT_REFUSED", "a valid signed request object did not produce an "
                   "authorization code", requirement, expected="code",
                   actual={k: v for k, v in params.items() if k in ("error", "error_description")} or "no redirect")
    if state is not None and params.get("state") != state:
        raise fail("JAR_STATE_NOT_FROM_OBJECT", "state differs from the value in the request object",
                   "RFC9101-6.3", expected=state, actual=params.get("state"))
    return code


def check_request_object_refused(params: Mapping[str, str], *, redirected: bool, code: str, message: str,
                                 requirement: str, expected_errors: Collection[str] = REQUEST_OBJECT_ERRORS,
                                 level: Level = Level.MUST) -> None:
    """A request object that breaks a rule is refused: no authorization response is issued.

    RFC 9101 §6.2: "If the key is not associated with the client or if signature validation
    fails, the authorization server MUST return an invalid_request_object error to the
    client in response to the authorization request." §6.3: "If the Client ID check or the
    request validation fails, then the authorization server MUST return an error to the
    client". ``code``/``message``/``requirement``/``level`` describe the broken rule; when
    the error was redirected back, its value must be one of ``expected_errors``. An error
    page (the redirect URI inside an untrusted object cannot be used) counts as refusal.
    """
    if _code_issued(params):
        raise fail(code, message, requirement, expected="refusal (invalid_request_object)",
                   actual="code issued", level=level)
    if redirected and params.get("error") not in expected_errors:
        raise fail("JAR_WRONG_ERROR", "the refusal of the request object uses an unexpected error code",
                   "RFC9101-7", expected=sorted(expected_errors), actual=params.get("error"))


def check_inside_parameters_win(params: Mapping[str, str], *, inside_state: str, outside_state: str) -> None:
    """RFC 9101 §6.3 / OIDC Core §6.3.3: parameters in the request object win over those outside.

    RFC 9101 §6.3: "The authorization server MUST only use the parameters in the Request
    Object, even if the same parameter is provided in the query parameter." OIDC Core
    §6.3.3: "If the same parameter exists both in the Request Object and the OAuth
    Authorization Request parameters, the parameter in the Request Object is used."
    Observed through ``state``, which the response echoes.
    """
    state = params.get("state")
    if state == outside_state:
        raise fail("JAR_OUTSIDE_PARAMETER_USED", "the server used the state sent outside the request object",
                   "RFC9101-6.3", expected=inside_state, actual=state)
    if state != inside_state:
        raise fail("JAR_STATE_NOT_FROM_OBJECT", "state is not the value in the request object", "RFC9101-6.3",
                   expected=inside_state, actual=state)


def check_signed_requests_required(params: Mapping[str, str], *, redirected: bool) -> None:
    """Documented "Require Signed Requests": a request without a request object is refused.

    RFC 9101 §10.5 lets a client be registered with ``require_signed_request_object``
    (PingFederate: "Require Signed Requests"); the documented setting is a MUST. No error
    code is named for the authorization endpoint; RFC 9126 §2.3 names ``invalid_request``
    for the same policy at the PAR endpoint, so another code is a warning.
    """
    if _code_issued(params):
        raise fail("JAR_SIGNED_REQUESTS_NOT_REQUIRED", "a plain authorization request was answered although "
                   "the client is documented to require signed request objects", "DOC-require_signed_requests",
                   expected="refusal", actual="code issued")
    if redirected and params.get("error") != "invalid_request":
        raise fail("JAR_SIGNED_REQUIRED_WRONG_ERROR", "the refusal does not use invalid_request", "RFC9126-2.3",
                   expected="invalid_request", actual=params.get("error"), level=Level.SHOULD)


def check_request_uri_by_reference(metadata: Mapping[str, Any], params: Mapping[str, str], *,
                                   redirected: bool) -> None:
    """RFC 9101 §5.2 / §7: ``request_uri`` by reference where the server says it does not support it.

    OIDC Discovery §3, ``request_uri_parameter_supported``: "Boolean value specifying whether
    the OP supports use of the request_uri parameter, with true indicating support." RFC
    9101 §7 defines ``request_uri_not_supported``: "The authorization server does not
    support the use of the request_uri parameter." RFC 6749 §4.1.2.1: errors other than a
    bad ``redirect_uri``/``client_id`` are redirected to the client.
    """
    if metadata.get("request_uri_parameter_supported", True) is not False:
        raise ValueError("check_request_uri_by_reference judges servers that advertise no request_uri support")
    if _code_issued(params):
        raise fail("JAR_REQUEST_URI_UNADVERTISED_SUPPORT", "a request_uri by reference was processed although "
                   "request_uri_parameter_supported is false", "OIDCC-6.2", expected="request_uri_not_supported",
                   actual="code issued")
    if not redirected:
        raise fail("JAR_REQUEST_URI_ERROR_NOT_REDIRECTED", "the request_uri_not_supported error was not "
                   "returned to the client", "RFC6749-4.1.2.1-redirect", expected="redirect with error",
                   actual="error page")
    if params.get("error") != "request_uri_not_supported":
        raise fail("JAR_REQUEST_URI_WRONG_ERROR", "a server without request_uri support must answer "
                   "request_uri_not_supported", "RFC9101-7", expected="request_uri_not_supported",
                   actual=params.get("error"))


def check_request_parameter_advertised(metadata: Mapping[str, Any], *, works: bool) -> None:
    """OIDC Discovery §3: ``request_parameter_supported`` agrees with what the server does.

    "request_parameter_supported OPTIONAL. Boolean value specifying whether the OP supports
    use of the request parameter, with true indicating support. If omitted, the default
    value is false." Advertised but refused is a failure; working but unadvertised a
    warning (clients that trust the metadata will not use it).
    """
    advertised = metadata.get("request_parameter_supported", False) is True
    if advertised and not works:
        raise fail("JAR_REQUEST_PARAMETER_ADVERTISED_NOT_WORKING", "request_parameter_supported is true but a "
                   "valid request object was refused", "OIDCD-3-request_parameter_supported", expected="accepted",
                   actual="refused", level=Level.MAY)
    if works and not advertised:
        raise fail("JAR_REQUEST_PARAMETER_NOT_ADVERTISED", "request objects work but request_parameter_supported "
                   "is not true", "OIDCD-3-request_parameter_supported", expected=True,
                   actual=metadata.get("request_parameter_supported"), level=Level.MAY)


def check_signing_alg_advertised(metadata: Mapping[str, Any], alg: str) -> None:
    """OIDC Discovery §3: an algorithm the server accepts for request objects is advertised.

    "request_object_signing_alg_values_supported OPTIONAL. JSON array containing a list of
    the JWS signing algorithms (alg values) supported by the OP for Request Objects". A
    warning: the member is optional.
    """
    values = metadata.get("request_object_signing_alg_values_supported")
    if not isinstance(values, list) or alg not in values:
        raise fail("JAR_SIGNING_ALG_NOT_ADVERTISED", f"request objects signed with {alg} work but {alg} is not "
                   "in request_object_signing_alg_values_supported",
                   "OIDCD-3-request_object_signing_alg_values_supported", expected=alg, actual=values, level=Level.MAY)
