"""RFC 9126 (OAuth 2.0 Pushed Authorization Requests): the PAR endpoint and ``request_uri`` rules.

The PAR endpoint answers in the token endpoint's error format (§2.3), so error checks reuse
:func:`harness.specs.rfc6749.check_token_error_response`. Front-channel checks judge the
parameters that came back to the client (``params``: query, fragment or form; empty when
the server showed an error page instead of redirecting).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from harness.results import Findings, Level, fail
from harness.specs._findings import finding
from harness.specs._http import Body, Headers, header_value, media_type, parse_json
from harness.specs.rfc6749 import check_code_entropy, check_token_error_response

__all__ = [
    "check_assertion_audiences_accepted",
    "check_authorization_by_reference",
    "check_expired_request_uri_refused",
    "check_non_post_refused",
    "check_par_error_response",
    "check_par_success_response",
    "check_request_uri_bound_to_client",
    "check_request_uri_entropy",
    "check_request_uri_single_use",
    "check_require_par_advertised",
    "check_required_par_refusal",
    "check_unregistered_redirect_uri_outcome",
]


def check_par_success_response(status: int, headers: Headers, body: Body, *,
                               documented_lifetime: int | None = None) -> dict[str, Any]:
    """§2.2: a successful push is HTTP 201 with JSON ``request_uri`` and ``expires_in``; return the body.

    "If the verification is successful, the server MUST generate a request URI and provide
    it in the response with a 201 HTTP status code. The following parameters are included
    as top-level members in the message body of the HTTP response using the
    application/json media type": ``request_uri`` ("The request URI corresponding to the
    authorization request posted") and ``expires_in`` ("A JSON number that represents the
    lifetime of the request URI in seconds as a positive integer"). RFC 9101 §5 defines
    ``request_uri`` as an absolute URI. A documented lifetime (``documented.par``) must
    be the ``expires_in`` the server announces.
    """
    findings = Findings()
    if status != 201:
        findings.add(finding("PAR_STATUS_NOT_201", "a successful push must answer HTTP 201", "RFC9126-2.2",
                             201, status))
    if media_type(headers) != "application/json":
        findings.add(finding("PAR_CONTENT_TYPE", "the PAR response is not application/json", "RFC9126-2.2",
                             "application/json", header_value(headers, "content-type")))
    data, problem = parse_json(body)
    if not isinstance(data, Mapping):
        findings.add(finding("PAR_BODY_NOT_JSON_OBJECT", "the PAR response body is not a JSON object",
                             "RFC9126-2.2", "JSON object", problem or type(data).__name__))
        findings.raise_if_any()
        return {}
    request_uri = data.get("request_uri")
    if not isinstance(request_uri, str) or not request_uri:
        findings.add(finding("PAR_REQUEST_URI_MISSING", "request_uri is missing or not a non-empty string",
                             "RFC9126-2.2", "string", request_uri))
    elif not urlsplit(request_uri).scheme:
        findings.add(finding("PAR_REQUEST_URI_NOT_ABSOLUTE", "request_uri is not an absolute URI",
                             "RFC9101-5-request_uri", "absolute URI (e.g. urn:ietf:params:oauth:request_uri:...)",
                             request_uri))
    expires_in = data.get("expires_in")
    if expires_in is None:
        findings.add(finding("PAR_EXPIRES_IN_MISSING", "expires_in is missing", "RFC9126-2.2",
                             "positive integer", None))
    elif isinstance(expires_in, bool) or not isinstance(expires_in, (int, float)) or expires_in <= 0 \
            or int(expires_in) != expires_in:
        findings.add(finding("PAR_EXPIRES_IN_INVALID", "expires_in is not a positive integer JSON number",
                             "RFC9126-2.2", "positive integer", expires_in))
    elif documented_lifetime is not None and int(expires_in) != documented_lifetime:
        findings.add(finding("PAR_LIFETIME_NOT_DOCUMENTED", "expires_in differs from the documented "
                             "request_uri lifetime", "DOC-par.request_uri_lifetime_s",
                             documented_lifetime, expires_in))
    findings.raise_if_any()
    return dict(data)


def check_par_error_response(status: int, headers: Headers, body: Body, expected: str | Collection[str], *,
                             basic_auth_used: bool, requirement: str,
                             preferred: str | None = None) -> dict[str, Any]:
    """§2.3: a refused push answers in the token endpoint's error format; return the body.

    "The authorization server returns an error response with the same format as is
    specified for error responses from the token endpoint in Section 5.2 of [RFC6749] using
    the appropriate error code from therein or from Section 4.1.2.1 of [RFC6749]." A 2xx
    answer is the request being accepted (``PAR_REQUEST_ACCEPTED``, citing
    ``requirement``). ``expected`` lists acceptable codes; when ``preferred`` is given,
    another acceptable code is reported as SHOULD (e.g. "the invalid_request error code
    can be used as the default error code").
    """
    accepted = {expected} if isinstance(expected, str) else set(expected)
    if 200 <= status < 300:
        raise fail("PAR_REQUEST_ACCEPTED", "the PAR endpoint accepted a request it must refuse", requirement,
                   expected=sorted(accepted), actual=status)
    data = check_token_error_response(status, headers, body, accepted, basic_auth_used=basic_auth_used,
                                      requirement=requirement)
    error = data.get("error")
    if preferred is not None and error != preferred:
        raise fail("PAR_ERROR_NOT_PREFERRED", f"error is {error!r}; {preferred!r} is the code the "
                   "specification names for this case", requirement, expected=preferred, actual=error,
                   level=Level.SHOULD)
    return data


def check_non_post_refused(status: int, body: Body) -> None:
    """§2.1 / §2.3: the PAR endpoint takes POST only, and answers other methods with 405.

    §2.1: "The client constructs the message body of an HTTP POST request"; §2.3: "405: If
    the request did not use the POST method, the authorization server responds with an
    HTTP 405 (Method Not Allowed) status code." Issuing a ``request_uri`` for a GET is a
    failure; refusing with another status is a warning (the section says the endpoint
    "can also make use of" these codes).
    """
    data, _ = parse_json(body)
    if 200 <= status < 300 and isinstance(data, Mapping) and data.get("request_uri"):
        raise fail("PAR_NON_POST_ACCEPTED", "the PAR endpoint issued a request_uri for a GET request",
                   "RFC9126-2-post", expected="HTTP 405", actual=status)
    if status != 405:
        raise fail("PAR_NON_POST_STATUS", "a non-POST request to the PAR endpoint is not answered with 405",
                   "RFC9126-2.3-405", expected=405, actual=status, level=Level.SHOULD)


def _code_issued(params: Mapping[str, str]) -> bool:
    return bool(params.get("code") or params.get("access_token") or params.get("id_token"))


def check_authorization_by_reference(params: Mapping[str, str], state: str | None) -> str:
    """§4: an authorization request with only ``client_id`` and ``request_uri`` succeeds; return the code.

    "The client uses the request_uri value returned by the authorization server to build
    an authorization request as defined in [RFC9101]", e.g. ``GET
    /authorize?client_id=s6BhdRkqt3&request_uri=…``; RFC 6749 §4.1.2: ``state`` is "The
    exact value received from the client" (here: the value that was pushed).
    """
    code = params.get("code")
    if not code:
        raise fail("PAR_REFERENCE_NOT_ACCEPTED", "an authorization request carrying only client_id and the "
                   "pushed request_uri did not return a code", "RFC9126-4", expected="code",
                   actual={k: v for k, v in params.items() if k in ("error", "error_description")} or "no redirect")
    if state is not None and params.get("state") != state:
        raise fail("PAR_STATE_NOT_PUSHED_VALUE", "state differs from the value in the pushed request",
                   "RFC6749-4.1.2-state", expected=state, actual=params.get("state"))
    return code


def check_request_uri_single_use(params: Mapping[str, str], *, documented_single_use: bool | None = None) -> None:
    """§4 / §7.3: a ``request_uri`` that already produced a response is not accepted again.

    §4: "Authorization servers SHOULD treat request_uri values as one-time use but MAY allow
    for duplicate requests due to a user reloading/refreshing their user agent." §7.3:
    "the authorization server SHOULD make the request URIs one-time use." A warning, unless
    the profile documents single use (``documented.par.request_uri_single_use``).
    """
    if _code_issued(params):
        documented = documented_single_use is True
        raise fail("PAR_REQUEST_URI_REUSED", "a request_uri that had already been used produced a second "
                   "authorization response", "DOC-par.request_uri_single_use" if documented else "RFC9126-4-one_time",
                   expected="refusal", actual="code issued", level=Level.MUST if documented else Level.SHOULD)


def check_expired_request_uri_refused(params: Mapping[str, str]) -> None:
    """§4: an expired ``request_uri`` is refused.

    "An expired request_uri MUST be rejected as invalid."
    """
    if _code_issued(params):
        raise fail("PAR_EXPIRED_REQUEST_URI_ACCEPTED", "an expired request_uri produced an authorization "
                   "response", "RFC9126-4-expired", expected="refusal (invalid_request_uri)", actual="code issued")


def check_request_uri_bound_to_client(params: Mapping[str, str]) -> None:
    """§2.2: a ``request_uri`` pushed by one client cannot be used by another.

    "The request_uri value MUST be bound to the client that posted the authorization
    request."
    """
    if _code_issued(params):
        raise fail("PAR_REQUEST_URI_NOT_CLIENT_BOUND", "another client obtained an authorization response "
                   "with a request_uri it did not push", "RFC9126-2.2-client_bound", expected="refusal",
                   actual="code issued")


def check_required_par_refusal(params: Mapping[str, str], *, redirected: bool,
                               requirement: str = "DOC-require_par") -> None:
    """§4: where PAR is required, a request without a pushed ``request_uri`` is refused with ``invalid_request``.

    "Authorization server policy MAY dictate, either globally or on a per-client basis,
    that PAR be the only means for a client to pass authorization request data. In this
    case, the authorization server will refuse, using the invalid_request error code, to
    process any request to the authorization endpoint that does not have a request_uri
    parameter with a value obtained from the PAR endpoint."
    """
    if _code_issued(params):
        raise fail("PAR_NOT_REQUIRED", "a plain authorization request was answered although PAR is required",
                   requirement, expected="error=invalid_request", actual="code issued")
    if redirected and params.get("error") != "invalid_request":
        # "will refuse, using the invalid_request error code" describes the refusal without a
        # keyword of its own: the refusal is what the documented setting binds, the code a warning
        raise fail("PAR_REQUIRED_WRONG_ERROR", "the refusal does not use the invalid_request error code",
                   "RFC9126-4-required_par", expected="invalid_request", actual=params.get("error"),
                   level=Level.MAY)


def check_require_par_advertised(metadata: Mapping[str, Any], *, plain_refused: bool) -> None:
    """§5: ``require_pushed_authorization_requests`` says whether plain requests are refused.

    "require_pushed_authorization_requests: Boolean parameter indicating whether the
    authorization server accepts authorization request data only via the pushed
    authorization request method. If omitted, the default value is false."
    ``plain_refused`` is what a plain request by a client without a per-client PAR
    requirement got.
    """
    value = metadata.get("require_pushed_authorization_requests", False)
    if not isinstance(value, bool):
        raise fail("PAR_REQUIRE_METADATA_NOT_BOOLEAN", "require_pushed_authorization_requests is not a boolean",
                   "RFC9126-5", expected="true or false", actual=value)
    if value and not plain_refused:
        raise fail("PAR_REQUIRE_ADVERTISED_NOT_ENFORCED", "the server advertises that it accepts authorization "
                   "data only via PAR, yet a plain authorization request succeeded", "RFC9126-5",
                   expected="plain request refused", actual="code issued")
    if not value and plain_refused:
        raise fail("PAR_REQUIRE_NOT_ADVERTISED", "a plain authorization request was refused although the "
                   "server does not advertise require_pushed_authorization_requests", "RFC9126-5",
                   expected="plain request accepted", actual="refused")


def check_request_uri_entropy(samples: Sequence[str]) -> float:
    """§2.2: ``request_uri`` values cannot be guessed (RFC 6749 §10.10 rules); return the estimate.

    "The format of the request_uri value is at the discretion of the authorization server,
    but it MUST contain some part generated using a cryptographically strong pseudorandom
    algorithm such that it is computationally infeasible to predict or guess a valid value
    (see Section 10.10 of [RFC6749] for specifics)."
    """
    return check_code_entropy(samples, label="request_uri", requirement="RFC9126-2.2-entropy")


def check_assertion_audiences_accepted(issuer: tuple[str, int], others: Mapping[str, int], *,
                                       fapi2: bool = False, without_request_uri: Iterable[str] = ()) -> None:
    """§2 (or FAPI 2.0 §5.3.2.1 for FAPI 2.0 clients): which client assertion audiences the PAR endpoint takes.

    RFC 9126 §2: "In order to facilitate interoperability, the authorization server MUST
    accept its issuer identifier, token endpoint URL, or pushed authorization request
    endpoint URL as values that identify it as an intended audience." FAPI 2.0 Security
    Profile (Final) §5.3.2.1 item 8 replaces this for FAPI 2.0 clients: the authorization
    server "shall only accept its issuer identifier value (as defined in [RFC8414]) as a
    string in the aud claim received in client authentication assertions" — there the issuer
    must work and the endpoint URLs must be refused.

    ``issuer`` is (label, HTTP status) of the push whose assertion named the issuer;
    ``others`` maps the other audiences tried (token endpoint, PAR endpoint) to their status.
    ``without_request_uri`` names the pushes answered 2xx without a ``request_uri``: that is no
    acceptance — §2.2: "If the verification is successful, the server MUST generate a request URI
    and provide it in the response with a "201" HTTP status code" — and fails that rule.
    """
    hollow = {label: status for label, status in (issuer, *others.items())
              if label in set(without_request_uri) and 200 <= status < 300}
    if hollow:
        raise fail("PAR_SUCCESS_WITHOUT_REQUEST_URI", "a push answered with a success status carried no "
                   "request_uri, so whether its client assertion was accepted cannot be told", "RFC9126-2.2",
                   expected="201 with request_uri", actual=hollow)
    accepted = {label: 200 <= status < 300 for label, status in (issuer, *others.items())}
    if fapi2:
        findings = Findings()
        if not accepted[issuer[0]]:
            findings.add(finding("PAR_ASSERTION_ISSUER_AUDIENCE_REFUSED", "a FAPI 2.0 client's assertion whose aud "
                                 "is the issuer identifier was refused", "FAPI2SP-5.3.2.1-8", "accepted",
                                 {issuer[0]: issuer[1]}))
        extra = {label: others[label] for label in others if accepted[label]}
        if extra:
            findings.add(finding("PAR_ASSERTION_NON_ISSUER_AUDIENCE_ACCEPTED", "a FAPI 2.0 client's assertion whose "
                                 "aud is not the issuer identifier was accepted", "FAPI2SP-5.3.2.1-8", "refused",
                                 extra))
        findings.raise_if_any()
        return
    refused = {label: status for label, status in (issuer, *others.items()) if not accepted[label]}
    if refused:
        raise fail("PAR_ASSERTION_AUDIENCE_REFUSED", "a client assertion with an audience the PAR endpoint "
                   "must accept was refused", "RFC9126-2", expected="accepted", actual=refused)


def check_unregistered_redirect_uri_outcome(*, redirected: bool, redirect_url: str | None,
                                            params: Mapping[str, str], pushed_redirect_uri: str,
                                            state: str | None) -> None:
    """§2.1 / §2.4: a push with an unregistered ``redirect_uri`` that the PAR endpoint *accepted*.

    §2.4: "The exact matching requirement MAY be relaxed when using PAR for clients that
    have established authentication credentials with the authorization server. [...] The
    authorization server MAY allow such clients to specify redirect_uri values that were not
    previously registered with the authorization server." So accepting the push is legitimate
    for an authenticated client — provided the server then honours it. §2.1: the
    authorization server MUST "Validate the pushed request as it would an authorization
    request sent to the authorization endpoint. For example, the authorization server checks
    whether the redirect URI matches one of the redirect URIs configured for the client" —
    a pushed request the authorization endpoint then refuses was not validated as one.

    Judged here: the front-channel outcome of that accepted push. A code delivered to the
    pushed URI is the §2.4 policy at work (passes); a refusal at the authorization endpoint
    breaks §2.1; a code delivered elsewhere breaks RFC 6749 §4.1.2 (the response goes to the
    ``redirect_uri`` of the request).
    """
    target_uri = pushed_redirect_uri.split("?", 1)[0]
    code = params.get("code")
    delivered_to_pushed = redirected and redirect_url is not None and redirect_url.startswith(target_uri)
    if code and delivered_to_pushed:
        if state is not None and params.get("state") != state:
            raise fail("PAR_STATE_NOT_PUSHED_VALUE", "state differs from the value in the pushed request",
                       "RFC6749-4.1.2-state", expected=state, actual=params.get("state"))
        return
    if code:
        raise fail("PAR_REDIRECT_URI_REPLACED", "the code was delivered to another URI than the pushed "
                   "redirect_uri", "RFC6749-4.1.2", expected=target_uri, actual=redirect_url)
    raise fail("PAR_REDIRECT_URI_NOT_VALIDATED_AT_PUSH", "the PAR endpoint accepted an unregistered redirect_uri "
               "that the authorization endpoint then refused: the pushed request was not validated as an "
               "authorization request", "RFC9126-2.1-validate",
               expected="refused at the PAR endpoint, or honoured (§2.4)",
               actual={k: v for k, v in params.items() if k in ("error", "error_description")} or
               ("error page" if not redirected else redirect_url))
