"""RFC 6750 refusal judging (harness/specs/rfc6750.py)."""

from __future__ import annotations

from collections.abc import Callable

from harness.results import Finding, Level
from harness.specs import rfc6750 as p

BEARER = [("WWW-Authenticate", 'Bearer realm="https://as.example"')]
INVALID = [("WWW-Authenticate", 'Bearer realm="x", error="invalid_token"')]


def test_no_token_refusal(fails: Callable[..., Finding]) -> None:
    assert p.check_bearer_refusal(401, BEARER, token_sent=False).is_scheme("Bearer")
    # several challenges: the Bearer one is judged
    p.check_bearer_refusal(401, [("WWW-Authenticate", 'DPoP algs="ES256", Bearer realm="x"')], token_sent=False)
    fails(p.check_bearer_refusal, 200, BEARER, token_sent=False, code="BEARER_REQUEST_ACCEPTED", req="RFC6750-3",
          level=Level.MUST)
    fails(p.check_bearer_refusal, 401, [], token_sent=False, code="BEARER_CHALLENGE_MISSING", req="RFC6750-3")
    fails(p.check_bearer_refusal, 401, [("WWW-Authenticate", 'Basic realm="x"')], token_sent=False,
          code="BEARER_CHALLENGE_SCHEME", req="RFC6750-3-scheme", level=Level.MUST)
    fails(p.check_bearer_refusal, 401, INVALID, token_sent=False, code="BEARER_ERROR_WITHOUT_CREDENTIALS",
          req="RFC6750-3.1-no_error", level=Level.SHOULD)


def test_invalid_token_refusal(fails: Callable[..., Finding]) -> None:
    p.check_bearer_refusal(401, INVALID, token_sent=True)
    fails(p.check_bearer_refusal, 401, BEARER, token_sent=True, code="BEARER_CHALLENGE_NO_ERROR",
          req="RFC6750-3-error", level=Level.SHOULD)
    wrong = [("WWW-Authenticate", 'Bearer error="invalid_request"')]
    fails(p.check_bearer_refusal, 400, wrong, token_sent=True, code="BEARER_ERROR_WRONG_CODE", level=Level.SHOULD)
    fails(p.check_bearer_refusal, 400, INVALID, token_sent=True, code="BEARER_ERROR_STATUS", req="RFC6750-3.1",
          level=Level.SHOULD)
    fails(p.check_bearer_refusal, 200, INVALID, token_sent=True, refuse_requirement="RFC7009-2.1-invalidate",
          code="BEARER_REQUEST_ACCEPTED", req="RFC7009-2.1-invalidate")


def test_unsupported_placement_error_not_judged(fails: Callable[..., Finding]) -> None:
    # a query/form-body token the resource does not support: any error (or none) passes
    p.check_bearer_refusal(400, [("WWW-Authenticate", 'Bearer error="invalid_request"')], token_sent=None)
    p.check_bearer_refusal(401, BEARER, token_sent=None)
    fails(p.check_bearer_refusal, 400, [], token_sent=None, code="BEARER_CHALLENGE_MISSING")


def test_query_success_cache_control(fails: Callable[..., Finding]) -> None:
    p.check_query_success_cache_control({"Cache-Control": "private, max-age=0"})
    p.check_query_success_cache_control({"Cache-Control": "no-store"})
    fails(p.check_query_success_cache_control, {}, code="QUERY_TOKEN_RESPONSE_CACHEABLE",
          req="RFC6750-2.3-cache_control", level=Level.SHOULD)
    fails(p.check_query_success_cache_control, {"Cache-Control": "max-age=60"}, code="QUERY_TOKEN_RESPONSE_CACHEABLE")
