"""RFC 6750 (OAuth 2.0 Bearer Token Usage): how a protected resource refuses a request.

Pure judging functions over what a resource answered (status, headers). Used by the
``userinfo`` suite (OIDC Core §5.3.3: "When an error condition occurs, the UserInfo Endpoint
returns an Error Response as defined in Section 3 of OAuth 2.0 Bearer Token Usage").

Levels follow the sentences:

* §3 "the resource server MUST include the HTTP "WWW-Authenticate" response header field" and
  "All challenges defined by this specification MUST use the auth-scheme value "Bearer"" — MUST;
* §3 "If the protected resource request included an access token and failed authentication,
  the resource server SHOULD include the "error" attribute" — SHOULD, so a missing or different
  ``error`` is a warning, never a failure;
* §3.1 "If the request lacks any authentication information ... the resource server SHOULD NOT
  include an error code or other error information." — SHOULD NOT;
* §3.1 status codes ("invalid_token ... The resource SHOULD respond with the HTTP 401") — SHOULD.
"""

from __future__ import annotations

from collections.abc import Collection

from harness.results import Findings, Level, fail
from harness.specs._findings import finding
from harness.specs._http import Headers, directive_names, header_value
from harness.specs.rfc9449 import Challenge, find_challenge, parse_challenges

__all__ = [
    "STATUS_OF_ERROR",
    "check_bearer_refusal",
    "check_query_success_cache_control",
]

#: RFC 6750 §3.1: the status each error code SHOULD be answered with.
STATUS_OF_ERROR = {"invalid_request": 400, "invalid_token": 401, "insufficient_scope": 403}


def check_bearer_refusal(status: int, headers: Headers, *, token_sent: bool | None,
                         expected_errors: Collection[str] = ("invalid_token",),
                         refuse_requirement: str = "RFC6750-3",
                         what: str = "the request") -> Challenge:
    """A refusal of a bearer-protected request, judged by RFC 6750 §3 and §3.1; returns the Bearer challenge.

    * 2xx: the resource served ``what`` although it must not — a MUST finding citing
      ``refuse_requirement`` (the rule that makes the request unacceptable).
    * No ``WWW-Authenticate`` at all: §3 "If the protected resource request does not include
      authentication credentials or does not contain an access token that enables access to the
      protected resource, the resource server MUST include the HTTP "WWW-Authenticate" response
      header field" (MUST).
    * Challenges, but none ``Bearer``: §3 "All challenges defined by this specification MUST use the
      auth-scheme value "Bearer"" — the resource accepts bearer tokens (OIDC Core §5.3 for UserInfo),
      so its RFC 6750 challenge is a Bearer one (MUST).
    * ``token_sent=False`` (no credentials at all): §3.1 "the resource server SHOULD NOT include an
      error code or other error information" — an ``error`` attribute is a SHOULD finding; the status
      is not judged (no sentence fixes it).
    * ``token_sent=True``: §3 "the resource server SHOULD include the "error" attribute" — a missing
      ``error``, or one outside ``expected_errors``, is a SHOULD finding; the status §3.1 gives the
      error that was sent (401 for ``invalid_token``) is a SHOULD.
    * ``token_sent=None``: the token travelled in a way the resource MAY not support (RFC 6750 §2.2
      form body, §2.3 query), so the resource may see no credentials (no error code) or an
      unsupported parameter (§3.1 ``invalid_request``): the ``error`` is not judged.
    """
    if 200 <= status < 300:
        raise fail("BEARER_REQUEST_ACCEPTED", f"the resource served {what}", refuse_requirement,
                   expected="HTTP 401 with WWW-Authenticate: Bearer", actual=status)
    challenges = parse_challenges(headers)
    if not challenges:
        raise fail("BEARER_CHALLENGE_MISSING", f"the refusal of {what} carries no WWW-Authenticate header",
                   "RFC6750-3", expected="WWW-Authenticate: Bearer ...", actual=None)
    bearer = find_challenge(challenges, "Bearer")
    if bearer is None:
        raise fail("BEARER_CHALLENGE_SCHEME", f"the refusal of {what} carries no Bearer challenge",
                   "RFC6750-3-scheme", expected="WWW-Authenticate: Bearer ...",
                   actual=[c.scheme for c in challenges])
    findings = Findings()
    error = bearer.error
    if token_sent is None:
        return bearer
    if not token_sent:
        if error is not None:
            findings.add(finding("BEARER_ERROR_WITHOUT_CREDENTIALS", "a request without any token got a Bearer "
                                 f"challenge with error={error!r}", "RFC6750-3.1-no_error", "no error attribute",
                                 error, Level.SHOULD))
        findings.raise_if_any()
        return bearer
    if error is None:
        findings.add(finding("BEARER_CHALLENGE_NO_ERROR", f"the Bearer challenge refusing {what} names no error",
                             "RFC6750-3-error", sorted(expected_errors), bearer.params, Level.SHOULD))
    elif error not in expected_errors:
        findings.add(finding("BEARER_ERROR_WRONG_CODE", f"the Bearer challenge refusing {what} says error={error!r}",
                             "RFC6750-3-error", sorted(expected_errors), error, Level.SHOULD))
    wanted = STATUS_OF_ERROR.get(error or "")
    if wanted is not None and status != wanted:
        findings.add(finding("BEARER_ERROR_STATUS", f"error {error!r} is answered with HTTP {status}", "RFC6750-3.1",
                             wanted, status, Level.SHOULD))
    findings.raise_if_any()
    return bearer


def check_query_success_cache_control(headers: Headers) -> None:
    """§2.3: a 2xx answer to a request carrying the token in the query has ``Cache-Control: private``.

    "Server success (2XX status) responses to these requests SHOULD contain a Cache-Control header
    with the "private" option." (SHOULD.) ``no-store`` is accepted as well: it forbids every cache,
    shared or private, from storing the response (RFC 9111 §5.2.2.5), which is what ``private``
    asks of shared caches and more.
    """
    directives = directive_names(header_value(headers, "cache-control"))
    if not directives & {"private", "no-store"}:
        raise fail("QUERY_TOKEN_RESPONSE_CACHEABLE", "a success response to a request with the access token in "
                   "the query has no Cache-Control: private", "RFC6750-2.3-cache_control", level=Level.SHOULD,
                   expected="Cache-Control: private", actual=header_value(headers, "cache-control"))
