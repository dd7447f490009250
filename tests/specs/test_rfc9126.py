from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest

from harness.results import Finding, Level
from harness.specs import rfc9126 as p

JSON = {"Content-Type": "application/json"}
GOOD = {"request_uri": "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c", "expires_in": 60}


def test_success_response_passes() -> None:
    assert p.check_par_success_response(201, JSON, GOOD)["expires_in"] == 60
    p.check_par_success_response(201, {"content-type": "application/json; charset=utf-8"}, GOOD,
                                 documented_lifetime=60)


@pytest.mark.parametrize(("status", "headers", "body", "code"), [
    (200, JSON, GOOD, "PAR_STATUS_NOT_201"),
    (201, {"Content-Type": "text/plain"}, GOOD, "PAR_CONTENT_TYPE"),
    (201, JSON, b"not json", "PAR_BODY_NOT_JSON_OBJECT"),
    (201, JSON, {"expires_in": 60}, "PAR_REQUEST_URI_MISSING"),
    (201, JSON, {"request_uri": "", "expires_in": 60}, "PAR_REQUEST_URI_MISSING"),
    (201, JSON, {"request_uri": "relative-reference", "expires_in": 60}, "PAR_REQUEST_URI_NOT_ABSOLUTE"),
    (201, JSON, {"request_uri": GOOD["request_uri"]}, "PAR_EXPIRES_IN_MISSING"),
    (201, JSON, {**GOOD, "expires_in": "60"}, "PAR_EXPIRES_IN_INVALID"),
    (201, JSON, {**GOOD, "expires_in": 0}, "PAR_EXPIRES_IN_INVALID"),
    (201, JSON, {**GOOD, "expires_in": 1.5}, "PAR_EXPIRES_IN_INVALID"),
    (201, JSON, {**GOOD, "expires_in": True}, "PAR_EXPIRES_IN_INVALID"),
])
def test_success_response_failures(fails: Callable[..., Finding], status: int, headers: Any, body: Any,
                                   code: str) -> None:
    fails(p.check_par_success_response, status, headers, body, code=code)


def test_documented_lifetime(fails: Callable[..., Finding]) -> None:
    fails(p.check_par_success_response, 201, JSON, GOOD, documented_lifetime=10,
          code="PAR_LIFETIME_NOT_DOCUMENTED", req="DOC-par.request_uri_lifetime_s")


def test_error_response(fails: Callable[..., Finding]) -> None:
    body = {"error": "invalid_request", "error_description": "bad redirect_uri"}
    assert p.check_par_error_response(400, JSON, body, "invalid_request", basic_auth_used=False,
                                      requirement="RFC9126-2.1")["error"] == "invalid_request"
    fails(p.check_par_error_response, 201, JSON, GOOD, "invalid_request", basic_auth_used=False,
          requirement="RFC9126-2.1", code="PAR_REQUEST_ACCEPTED", req="RFC9126-2.1")
    fails(p.check_par_error_response, 400, JSON, {"error": "server_error"}, "invalid_request",
          basic_auth_used=False, requirement="RFC9126-2.1", code="TOKEN_ERROR_WRONG_CODE")
    fails(p.check_par_error_response, 400, JSON, {"error": "invalid_redirect_uri"},
          {"invalid_request", "invalid_redirect_uri"}, basic_auth_used=False, requirement="RFC9126-2.1",
          preferred="invalid_request", code="PAR_ERROR_NOT_PREFERRED", level=Level.SHOULD)
    fails(p.check_par_error_response, 401, JSON, {"error": "invalid_client"}, "invalid_client",
          basic_auth_used=True, requirement="RFC9126-2.1", code="TOKEN_ERROR_WWW_AUTHENTICATE")


def test_non_post(fails: Callable[..., Finding]) -> None:
    p.check_non_post_refused(405, {"error": "invalid_request"})
    fails(p.check_non_post_refused, 201, GOOD, code="PAR_NON_POST_ACCEPTED", level=Level.MUST)
    fails(p.check_non_post_refused, 404, "Not Found", code="PAR_NON_POST_STATUS", level=Level.SHOULD)


def test_authorization_by_reference(fails: Callable[..., Finding]) -> None:
    assert p.check_authorization_by_reference({"code": "c", "state": "s"}, "s") == "c"
    fails(p.check_authorization_by_reference, {"error": "invalid_request_uri"}, "s",
          code="PAR_REFERENCE_NOT_ACCEPTED", req="RFC9126-4")
    fails(p.check_authorization_by_reference, {"code": "c", "state": "other"}, "s",
          code="PAR_STATE_NOT_PUSHED_VALUE")


def test_single_use(fails: Callable[..., Finding]) -> None:
    p.check_request_uri_single_use({"error": "invalid_request_uri"})
    p.check_request_uri_single_use({})
    fails(p.check_request_uri_single_use, {"code": "c"}, code="PAR_REQUEST_URI_REUSED", level=Level.SHOULD,
          req="RFC9126-4-one_time")
    fails(p.check_request_uri_single_use, {"code": "c"}, documented_single_use=True, code="PAR_REQUEST_URI_REUSED",
          level=Level.MUST, req="DOC-par.request_uri_single_use")


def test_expired_and_bound(fails: Callable[..., Finding]) -> None:
    p.check_expired_request_uri_refused({"error": "invalid_request_uri"})
    fails(p.check_expired_request_uri_refused, {"code": "c"}, code="PAR_EXPIRED_REQUEST_URI_ACCEPTED")
    p.check_request_uri_bound_to_client({})
    fails(p.check_request_uri_bound_to_client, {"code": "c"}, code="PAR_REQUEST_URI_NOT_CLIENT_BOUND",
          req="RFC9126-2.2-client_bound")


def test_required_par(fails: Callable[..., Finding]) -> None:
    p.check_required_par_refusal({"error": "invalid_request", "state": "s"}, redirected=True)
    p.check_required_par_refusal({}, redirected=False)
    fails(p.check_required_par_refusal, {"code": "c"}, redirected=True, code="PAR_NOT_REQUIRED",
          req="DOC-require_par")
    fails(p.check_required_par_refusal, {"error": "access_denied"}, redirected=True,
          code="PAR_REQUIRED_WRONG_ERROR", req="RFC9126-4-required_par", level=Level.MAY)


def test_require_par_advertised(fails: Callable[..., Finding]) -> None:
    p.check_require_par_advertised({}, plain_refused=False)
    p.check_require_par_advertised({"require_pushed_authorization_requests": True}, plain_refused=True)
    fails(p.check_require_par_advertised, {"require_pushed_authorization_requests": True}, plain_refused=False,
          code="PAR_REQUIRE_ADVERTISED_NOT_ENFORCED")
    fails(p.check_require_par_advertised, {"require_pushed_authorization_requests": False}, plain_refused=True,
          code="PAR_REQUIRE_NOT_ADVERTISED")
    fails(p.check_require_par_advertised, {"require_pushed_authorization_requests": "yes"}, plain_refused=True,
          code="PAR_REQUIRE_METADATA_NOT_BOOLEAN")


def test_assertion_audiences(fails: Callable[..., Finding]) -> None:
    p.check_assertion_audiences_accepted(("issuer", 201), {"token": 201, "par": 201})
    # a success status without a request_uri (an HTML page, garbage) is no acceptance: §2.2 is broken
    f = fails(p.check_assertion_audiences_accepted, ("issuer", 201), {"token": 200, "par": 201},
              without_request_uri=["token"], code="PAR_SUCCESS_WITHOUT_REQUEST_URI", req="RFC9126-2.2")
    assert f.actual == {"token": 200}
    # a refusal (no request_uri either) is judged as a refusal, not as a hollow success
    fails(p.check_assertion_audiences_accepted, ("issuer", 201), {"token": 401, "par": 201},
          without_request_uri=["token"], code="PAR_ASSERTION_AUDIENCE_REFUSED")
    f = fails(p.check_assertion_audiences_accepted, ("issuer", 201), {"token": 201, "par": 401},
              code="PAR_ASSERTION_AUDIENCE_REFUSED", req="RFC9126-2")
    assert f.actual == {"par": 401}
    fails(p.check_assertion_audiences_accepted, ("issuer", 401), {"token": 201, "par": 201},
          code="PAR_ASSERTION_AUDIENCE_REFUSED")


def test_assertion_audiences_fapi2_issuer_only(fails: Callable[..., Finding]) -> None:
    # FAPI 2.0 SP §5.3.2.1: "shall only accept its issuer identifier value" — refusing the endpoints is right
    p.check_assertion_audiences_accepted(("issuer", 201), {"token": 401, "par": 400}, fapi2=True)
    f = fails(p.check_assertion_audiences_accepted, ("issuer", 201), {"token": 201, "par": 401}, fapi2=True,
              code="PAR_ASSERTION_NON_ISSUER_AUDIENCE_ACCEPTED", req="FAPI2SP-5.3.2.1-8", level=Level.MUST)
    assert f.actual == {"token": 201}
    fails(p.check_assertion_audiences_accepted, ("issuer", 401), {"token": 401, "par": 401}, fapi2=True,
          code="PAR_ASSERTION_ISSUER_AUDIENCE_REFUSED", req="FAPI2SP-5.3.2.1-8")


URI = "https://rp.example.test/per-request"


def test_unregistered_redirect_uri_honoured_is_legitimate() -> None:
    # RFC 9126 §2.4: the server MAY allow authenticated clients unregistered redirect URIs
    p.check_unregistered_redirect_uri_outcome(redirected=True, redirect_url=f"{URI}?code=c&state=s",
                                              params={"code": "c", "state": "s"}, pushed_redirect_uri=URI,
                                              state="s")


def test_unregistered_redirect_uri_accepted_then_refused(fails: Callable[..., Finding]) -> None:
    fails(p.check_unregistered_redirect_uri_outcome, redirected=False, redirect_url=None, params={},
          pushed_redirect_uri=URI, state="s", code="PAR_REDIRECT_URI_NOT_VALIDATED_AT_PUSH", req="RFC9126-2.1-validate")
    fails(p.check_unregistered_redirect_uri_outcome, redirected=True, redirect_url=f"{URI}?error=invalid_request",
          params={"error": "invalid_request"}, pushed_redirect_uri=URI, state="s",
          code="PAR_REDIRECT_URI_NOT_VALIDATED_AT_PUSH")
    fails(p.check_unregistered_redirect_uri_outcome, redirected=True,
          redirect_url="https://rp.example.test/cb?code=c", params={"code": "c", "state": "s"},
          pushed_redirect_uri=URI, state="s", code="PAR_REDIRECT_URI_REPLACED", req="RFC6749-4.1.2")
    fails(p.check_unregistered_redirect_uri_outcome, redirected=True, redirect_url=f"{URI}?code=c",
          params={"code": "c", "state": "x"}, pushed_redirect_uri=URI, state="s", code="PAR_STATE_NOT_PUSHED_VALUE")


def test_entropy(fails: Callable[..., Finding]) -> None:
    p.check_request_uri_entropy([f"urn:ietf:params:oauth:request_uri:{secrets.token_urlsafe(32)}" for _ in range(5)])
    counter = [f"urn:ietf:params:oauth:request_uri:fixedprefix{n:08x}" for n in range(100, 105)]
    fails(p.check_request_uri_entropy, counter, code="CODE_ENTROPY_LOW", req="RFC9126-2.2-entropy")
    fails(p.check_request_uri_entropy, ["urn:x:1", "urn:x:1"], code="CODE_REPEATED")
