from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from harness.results import Finding, HarnessError, Level
from harness.specs import rfc6749 as r

JSON_NO_STORE = {"Content-Type": "application/json;charset=UTF-8", "Cache-Control": "no-store",
                 "Pragma": "no-cache"}
GOOD_TOKEN = {"access_token": "2YotnFZFEjr1zCsicMWpAA", "token_type": "Bearer", "expires_in": 3600}


# --- state / code -----------------------------------------------------------------------------

def test_state_echoed_passes() -> None:
    r.check_state_echoed("xyz", {"code": "c", "state": "xyz"})
    r.check_state_echoed(None, {"code": "c"})


def test_state_missing_fails(fails: Callable[..., Finding]) -> None:
    fails(r.check_state_echoed, "xyz", {"code": "c"}, code="STATE_MISSING", req="RFC6749-4.1.2-state")


def test_state_mismatch_fails_with_custom_requirement(fails: Callable[..., Finding]) -> None:
    f = fails(r.check_state_echoed, "xyz", {"state": "XYZ"}, requirement="RFC6749-4.1.2.1",
              code="STATE_MISMATCH", req="RFC6749-4.1.2.1")
    assert f.expected == "xyz" and f.actual == "XYZ"


def test_code_in_query_returns_code() -> None:
    assert r.check_code_in_query_only({"code": "abc", "state": "s"}, {}) == "abc"


@pytest.mark.parametrize(("query", "fragment", "expected"), [
    ({"code": "abc"}, {"code": "abc"}, "CODE_IN_FRAGMENT"),
    ({}, {"code": "abc"}, "CODE_NOT_IN_QUERY"),
    ({"state": "s"}, {}, "CODE_NOT_IN_QUERY"),
])
def test_code_placement_failures(fails: Callable[..., Finding], query: dict[str, Any], fragment: dict[str, Any],
                                 expected: str) -> None:
    fails(r.check_code_in_query_only, query, fragment, code=expected, req="RFC6749-4.1.2")


# --- authorization error responses ------------------------------------------------------------

def test_error_response_params_pass() -> None:
    assert r.check_error_response_params({"error": "access_denied", "state": "s"},
                                         {"access_denied"}) == "access_denied"
    assert r.check_error_response_params({"error": "invalid_request"}, "invalid_request") == \
        "invalid_request"


def test_error_response_missing_error(fails: Callable[..., Finding]) -> None:
    fails(r.check_error_response_params, {"state": "s"}, "access_denied", code="ERROR_MISSING",
          req="RFC6749-4.1.2.1")


def test_error_response_unexpected_error_uses_given_requirement(fails: Callable[..., Finding]) -> None:
    fails(r.check_error_response_params, {"error": "server_error"}, {"invalid_request"},
          "RFC7636-4.4.1", code="ERROR_UNEXPECTED", req="RFC7636-4.4.1")


@pytest.mark.parametrize("leaked", ["code", "access_token", "id_token"])
def test_error_response_with_credential_fails(fails: Callable[..., Finding], leaked: str) -> None:
    fails(r.check_error_response_params, {"error": "access_denied", leaked: "x"}, "access_denied",
          code="ERROR_RESPONSE_HAS_CREDENTIAL", req="RFC6749-4.1.2.1-params")


def test_error_charset_passes() -> None:
    r.check_error_description_charset({"error": "invalid_request",
                                       "error_description": "Missing parameter: 'nonce' (see docs)!",
                                       "error_uri": "https://as.example/errors#nonce"})


@pytest.mark.parametrize(("params", "expected"), [
    ({"error_description": 'has a "quote"'}, "ERROR_DESCRIPTION_CHARSET"),
    ({"error_description": "back\\slash"}, "ERROR_DESCRIPTION_CHARSET"),
    ({"error_description": "caf\u00e9"}, "ERROR_DESCRIPTION_CHARSET"),
    ({"error_description": "line\nbreak"}, "ERROR_DESCRIPTION_CHARSET"),
    ({"error_description": 42}, "ERROR_DESCRIPTION_CHARSET"),
    ({"error_uri": "https://as.example/a b"}, "ERROR_URI_CHARSET"),
    ({"error": "bad\"code"}, "ERROR_CODE_CHARSET"),
])
def test_error_charset_failures(fails: Callable[..., Finding], params: dict[str, Any], expected: str) -> None:
    fails(r.check_error_description_charset, params, code=expected, req="RFC6749-4.1.2.1-charset")


def test_error_code_value_known_codes_pass() -> None:
    r.check_error_code_value("access_denied")
    r.check_error_code_value("invalid_grant", endpoint="token")
    r.check_error_code_value("login_required")
    r.check_error_code_value("use_dpop_nonce", endpoint="token")
    r.check_error_code_value("vendor_specific", extra={"vendor_specific"})


def test_error_code_value_unknown_is_a_warning(fails: Callable[..., Finding]) -> None:
    fails(r.check_error_code_value, "invalid_grant_type", endpoint="token",
          code="ERROR_CODE_UNREGISTERED", req="RFC6749-8.5", level=Level.SHOULD)


def test_error_code_value_charset_is_a_failure(fails: Callable[..., Finding]) -> None:
    fails(r.check_error_code_value, "bad\\code", code="ERROR_CODE_CHARSET", level=Level.MUST)


def test_error_code_value_rejects_unknown_endpoint() -> None:
    with pytest.raises(ValueError):
        r.check_error_code_value("x", endpoint="userinfo")


# --- token success ----------------------------------------------------------------------------

def test_token_success_passes_and_returns_body() -> None:
    body = r.check_token_success_response(200, JSON_NO_STORE, json.dumps(GOOD_TOKEN))
    assert body["access_token"] == GOOD_TOKEN["access_token"]


def test_token_success_accepts_httpx_headers_pairs_and_parsed_body() -> None:
    headers = httpx.Headers([("content-type", "application/json"),
                             ("cache-control", "private"), ("cache-control", "no-store"),
                             ("pragma", "no-cache")])
    r.check_token_success_response(200, headers, GOOD_TOKEN)
    r.check_token_success_response(200, list(JSON_NO_STORE.items()), json.dumps(GOOD_TOKEN).encode())


def test_token_success_reports_every_problem(codes: Callable[..., list[str]]) -> None:
    found = codes(r.check_token_success_response, 201, {"Content-Type": "text/plain"},
                  json.dumps({"token_type": "Bearer"}))
    assert {"TOKEN_STATUS_NOT_200", "TOKEN_CONTENT_TYPE", "TOKEN_CACHE_CONTROL", "TOKEN_PRAGMA",
            "TOKEN_ACCESS_TOKEN_MISSING", "TOKEN_EXPIRES_IN_MISSING"} <= set(found)


def test_token_success_cache_control_must(fails: Callable[..., Finding]) -> None:
    headers = {"Content-Type": "application/json", "Cache-Control": "no-cache", "Pragma": "no-cache"}
    fails(r.check_token_success_response, 200, headers, GOOD_TOKEN, code="TOKEN_CACHE_CONTROL",
          req="RFC6749-5.1-no_store", level=Level.MUST)


def test_token_success_pragma_is_only_a_warning(fails: Callable[..., Finding]) -> None:
    headers = {"Content-Type": "application/json", "Cache-Control": "no-store"}
    fails(r.check_token_success_response, 200, headers, GOOD_TOKEN, code="TOKEN_PRAGMA",
          level=Level.SHOULD)


def test_token_success_expires_in_recommended(fails: Callable[..., Finding]) -> None:
    body = {k: v for k, v in GOOD_TOKEN.items() if k != "expires_in"}
    fails(r.check_token_success_response, 200, JSON_NO_STORE, body, code="TOKEN_EXPIRES_IN_MISSING",
          level=Level.SHOULD)


@pytest.mark.parametrize(("body", "expected"), [
    ({**GOOD_TOKEN, "expires_in": "3600"}, "TOKEN_EXPIRES_IN_INVALID"),
    ({**GOOD_TOKEN, "expires_in": True}, "TOKEN_EXPIRES_IN_INVALID"),
    ({**GOOD_TOKEN, "access_token": ""}, "TOKEN_ACCESS_TOKEN_MISSING"),
    ({**GOOD_TOKEN, "token_type": None}, "TOKEN_TOKEN_TYPE_MISSING"),
    ({**GOOD_TOKEN, "scope": ["openid"]}, "TOKEN_SCOPE_NOT_STRING"),
    ("not json", "TOKEN_BODY_NOT_JSON_OBJECT"),
    ("[1, 2]", "TOKEN_BODY_NOT_JSON_OBJECT"),
    (None, "TOKEN_BODY_NOT_JSON_OBJECT"),
])
def test_token_success_member_failures(fails: Callable[..., Finding], body: Any, expected: str) -> None:
    fails(r.check_token_success_response, 200, JSON_NO_STORE, body, code=expected)


def test_token_success_scope_required_when_it_differs(fails: Callable[..., Finding]) -> None:
    fails(r.check_token_success_response, 200, JSON_NO_STORE, GOOD_TOKEN,
          requested_scope="openid email", granted_scope="openid", code="TOKEN_SCOPE_MISSING")
    r.check_token_success_response(200, JSON_NO_STORE, GOOD_TOKEN, requested_scope="openid email",
                                   granted_scope="email openid")
    r.check_token_success_response(200, JSON_NO_STORE, {**GOOD_TOKEN, "scope": "openid"},
                                   requested_scope="openid email", granted_scope="openid")


# --- token errors -----------------------------------------------------------------------------

JSON = {"Content-Type": "application/json"}


def test_token_error_passes() -> None:
    body = r.check_token_error_response(400, JSON, '{"error":"invalid_grant"}', "invalid_grant",
                                        basic_auth_used=False)
    assert body == {"error": "invalid_grant"}


def test_token_error_accepts_any_of_a_set() -> None:
    r.check_token_error_response(400, JSON, {"error": "invalid_request"},
                                 {"invalid_grant", "invalid_request"}, basic_auth_used=False)


def test_token_error_request_accepted(fails: Callable[..., Finding]) -> None:
    fails(r.check_token_error_response, 200, JSON, GOOD_TOKEN, "invalid_grant",
          basic_auth_used=False, requirement="RFC7636-4.6", code="TOKEN_REQUEST_ACCEPTED",
          req="RFC7636-4.6")


def test_token_error_wrong_code_cites_given_requirement(fails: Callable[..., Finding]) -> None:
    fails(r.check_token_error_response, 400, JSON, {"error": "invalid_request"}, "invalid_grant",
          basic_auth_used=False, requirement="RFC7636-4.6", code="TOKEN_ERROR_WRONG_CODE",
          req="RFC7636-4.6")


def test_token_error_status_must_be_400(fails: Callable[..., Finding]) -> None:
    fails(r.check_token_error_response, 401, JSON, {"error": "invalid_grant"}, "invalid_grant",
          basic_auth_used=False, code="TOKEN_ERROR_STATUS", req="RFC6749-5.2-status")


def test_invalid_client_with_basic_needs_401_and_challenge() -> None:
    headers = {**JSON, "WWW-Authenticate": 'Basic realm="as"'}
    r.check_token_error_response(401, headers, {"error": "invalid_client"}, "invalid_client",
                                 basic_auth_used=True)


def test_invalid_client_with_basic_and_400(codes: Callable[..., list[str]]) -> None:
    found = codes(r.check_token_error_response, 400, JSON, {"error": "invalid_client"},
                  "invalid_client", basic_auth_used=True)
    assert found == ["TOKEN_ERROR_STATUS", "TOKEN_ERROR_WWW_AUTHENTICATE"]


def test_invalid_client_challenge_must_match_scheme(fails: Callable[..., Finding]) -> None:
    headers = {**JSON, "WWW-Authenticate": 'Bearer realm="as"'}
    fails(r.check_token_error_response, 401, headers, {"error": "invalid_client"}, "invalid_client",
          basic_auth_used=True, code="TOKEN_ERROR_WWW_AUTHENTICATE")
    several = [("content-type", "application/json"), ("www-authenticate", "Bearer"),
               ("www-authenticate", "basic realm=x")]
    r.check_token_error_response(401, several, {"error": "invalid_client"}, "invalid_client",
                                 basic_auth_used=True)


@pytest.mark.parametrize("status", [400, 401])
def test_invalid_client_without_header_auth_may_be_400_or_401(status: int) -> None:
    r.check_token_error_response(status, JSON, {"error": "invalid_client"}, "invalid_client",
                                 basic_auth_used=False)


def test_invalid_client_without_header_auth_bad_status(fails: Callable[..., Finding]) -> None:
    fails(r.check_token_error_response, 403, JSON, {"error": "invalid_client"}, "invalid_client",
          basic_auth_used=False, code="TOKEN_ERROR_STATUS")


@pytest.mark.parametrize(("headers", "body", "expected"), [
    ({"Content-Type": "text/html"}, {"error": "invalid_grant"}, "TOKEN_ERROR_CONTENT_TYPE"),
    (JSON, "<html>", "TOKEN_ERROR_BODY_NOT_JSON_OBJECT"),
    (JSON, {"message": "bad"}, "TOKEN_ERROR_MISSING"),
    (JSON, {"error": "invalid_grant", "error_description": "caf\u00e9"}, "ERROR_DESCRIPTION_CHARSET"),
])
def test_token_error_shape_failures(fails: Callable[..., Finding], headers: Any, body: Any, expected: str) -> None:
    fails(r.check_token_error_response, 400, headers, body, "invalid_grant", basic_auth_used=False,
          code=expected)


# --- token errors keyed on the case tested --------------------------------------------------

@pytest.mark.parametrize(("expected", "returned", "header_auth", "statuses", "challenge"), [
    ({"invalid_grant"}, "invalid_grant", False, {400}, False),
    ({"invalid_grant"}, "invalid_client", False, {400}, False),      # the case, not the answer
    ({"invalid_client"}, "invalid_client", False, {400, 401}, False),
    ({"invalid_client"}, "invalid_client", True, {401}, True),
    ({"invalid_client"}, "invalid_request", True, {401}, True),       # wrong answer: the case still owes 401
    ({"invalid_client"}, None, True, {401}, True),
    ({"invalid_client", "invalid_request"}, "invalid_request", True, {400}, False),  # a right alternative
    ({"invalid_client", "invalid_request"}, "invalid_grant", True, {400, 401}, False),
    ({"invalid_client", "invalid_request"}, "invalid_grant", False, {400, 401}, False),
])
def test_expected_error_status(expected: set[Any], returned: str | None, header_auth: bool, statuses: set[Any],
                               challenge: bool) -> None:
    assert r.expected_error_status(expected, returned, header_auth=header_auth) == (frozenset(statuses), challenge)


def test_failed_basic_auth_answered_with_wrong_error_still_needs_401_and_challenge(
        codes: Callable[..., list[str]],
) -> None:
    found = codes(r.check_token_error_response, 400, JSON, {"error": "invalid_grant"}, "invalid_client",
                  basic_auth_used=True)
    assert set(found) == {"TOKEN_ERROR_STATUS", "TOKEN_ERROR_WWW_AUTHENTICATE", "TOKEN_ERROR_WRONG_CODE"}


def test_status_expectation_says_401_for_failed_basic_auth(fails: Callable[..., Finding]) -> None:
    f = fails(r.check_token_error_response, 400, JSON, {"error": "invalid_request"}, "invalid_client",
              basic_auth_used=True, code="TOKEN_ERROR_STATUS", req="RFC6749-5.2-invalid_client")
    assert f.expected == 401 and f.actual == 400


def test_status_expectation_follows_the_case_not_the_answer(fails: Callable[..., Finding]) -> None:
    # a made-up code answered invalid_client/401: the case (invalid_grant) wants 400
    f = fails(r.check_token_error_response, 401, JSON, {"error": "invalid_client"}, "invalid_grant",
              basic_auth_used=False, code="TOKEN_ERROR_STATUS")
    assert f.expected == 400


def test_an_allowed_alternative_uses_its_own_status_rule() -> None:
    r.check_token_error_response(400, JSON, {"error": "invalid_request"}, {"invalid_client", "invalid_request"},
                                 basic_auth_used=True)


def test_wrong_code_cites_error_requirement_and_acceptance_cites_the_rule(fails: Callable[..., Finding]) -> None:
    fails(r.check_token_error_response, 400, JSON, {"error": "invalid_request"}, "invalid_grant",
          basic_auth_used=False, requirement="RFC6749-4.1.3", error_requirement="RFC6749-5.2",
          code="TOKEN_ERROR_WRONG_CODE", req="RFC6749-5.2")
    fails(r.check_token_error_response, 200, JSON, GOOD_TOKEN, "invalid_grant", basic_auth_used=False,
          requirement="RFC6749-4.1.3", error_requirement="RFC6749-5.2", code="TOKEN_REQUEST_ACCEPTED",
          req="RFC6749-4.1.3")


def test_token_error_needs_an_expected_code() -> None:
    with pytest.raises(ValueError):
        r.check_token_error_response(400, JSON, {"error": "x"}, set(), basic_auth_used=False)


# --- grant types the client is not registered for ----------------------------------------------

@pytest.mark.parametrize(("advertised", "profile", "expected"), [
    (["authorization_code", "client_credentials"], set(), {"unauthorized_client"}),
    (["authorization_code"], {"client_credentials"}, {"unauthorized_client"}),   # a profile client uses it
    (None, {"client_credentials"}, {"unauthorized_client"}),
    (["authorization_code", "refresh_token"], set(), {"unsupported_grant_type"}),  # no client_credentials
    (None, set(), {"unauthorized_client", "unsupported_grant_type"}),             # unknown before asking
    ("client_credentials", set(), {"unauthorized_client", "unsupported_grant_type"}),  # not a list
])
def test_unregistered_grant_errors(advertised: Any, profile: Any, expected: set[Any]) -> None:
    assert r.unregistered_grant_errors("client_credentials", advertised, profile) == frozenset(expected)


def test_unregistered_default_grant_is_supported() -> None:
    assert r.unregistered_grant_errors("implicit", None, set()) == frozenset({"unauthorized_client"})


# --- entropy ----------------------------------------------------------------------------------

def _samples(make: Callable[[], str], n: int = 6) -> list[str]:
    return [make() for _ in range(n)]


def test_entropy_base64url_256_bits_passes() -> None:
    bits = r.check_code_entropy(_samples(lambda: secrets.token_urlsafe(32)))
    assert bits >= 250


def test_entropy_hex_160_bits_passes() -> None:
    assert r.check_code_entropy(_samples(lambda: secrets.token_hex(20))) == pytest.approx(160, abs=8)


def test_entropy_hex_128_bits_is_below_recommended(fails: Callable[..., Finding]) -> None:
    f = fails(r.check_code_entropy, _samples(lambda: secrets.token_hex(16)),
              code="CODE_ENTROPY_BELOW_RECOMMENDED", req="RFC6749-10.10", level=Level.SHOULD)
    assert f.actual <= 128


def test_entropy_uuid4_is_too_low(fails: Callable[..., Finding]) -> None:
    f = fails(r.check_code_entropy, _samples(lambda: str(uuid.uuid4())), code="CODE_ENTROPY_LOW",
              level=Level.MUST)
    assert f.actual < 128


def test_entropy_repeated_value_fails(fails: Callable[..., Finding]) -> None:
    value = secrets.token_urlsafe(32)
    fails(r.check_code_entropy, [value, secrets.token_urlsafe(32), value], code="CODE_REPEATED")


def test_entropy_counter_crossing_a_digit_boundary_fails(fails: Callable[..., Finding]) -> None:
    # every position varies (0999… → 1000…), so only the numeric spread reveals the counter
    samples = [f"{10**39 + d:040d}" for d in (-2, -1, 0, 1, 2)]
    assert r.describe_entropy(samples).varying_positions == 40
    f = fails(r.check_code_entropy, samples, code="CODE_PREDICTABLE")
    assert f.actual < 3


def test_entropy_counter_with_constant_prefix_is_low(fails: Callable[..., Finding]) -> None:
    samples = [f"code-{n:06d}" for n in (123, 124, 125, 126, 127)]
    fails(r.check_code_entropy, samples, code="CODE_ENTROPY_LOW")
    assert r.estimate_entropy_bits(samples) < 10


def test_entropy_constant_prefix_is_not_credited() -> None:
    plain = _samples(lambda: secrets.token_hex(20))
    prefixed = ["ac_" + s for s in plain]
    assert r.estimate_entropy_bits(prefixed) == pytest.approx(r.estimate_entropy_bits(plain))


def test_entropy_small_exact_values() -> None:
    assert r.estimate_entropy_bits(["ab", "cd"]) == pytest.approx(8.0)  # 2 hex positions
    assert r.estimate_entropy_bits(["a1", "a2", "a3"]) == pytest.approx(3.3219, abs=1e-3)
    estimate = r.describe_entropy(["xAb", "xCd-"])
    assert "lengths differ" in estimate.note


def test_entropy_needs_two_samples() -> None:
    with pytest.raises(HarnessError):
        r.check_code_entropy(["only-one"])
    with pytest.raises(ValueError):
        r.estimate_entropy_bits([])


# --- redirects --------------------------------------------------------------------------------

BAD = "https://client.example/cb?extra=1"


def test_no_redirect_to_invalid_uri_passes() -> None:
    r.check_redirect_not_followed_to(400, None, BAD, body="<p>invalid redirect_uri</p>")
    r.check_redirect_not_followed_to(302, "https://client.example/cb?error=invalid_request", BAD)
    r.check_redirect_not_followed_to(302, "https://as.example/error", "https://evil.example/cb")


@pytest.mark.parametrize("location", [
    "https://client.example/cb?extra=1&error=invalid_request",
    "https://CLIENT.example/cb?error=x&extra=1",
])
def test_redirect_to_invalid_uri_fails(fails: Callable[..., Finding], location: str) -> None:
    fails(r.check_redirect_not_followed_to, 302, location, BAD, code="REDIRECTED_TO_INVALID_URI",
          req="RFC6749-3.1.2.4")


def test_form_post_to_invalid_uri_fails(fails: Callable[..., Finding]) -> None:
    page = '<form method="post" action="https://evil.example/cb"><input name="code" value="x"></form>'
    fails(r.check_redirect_not_followed_to, 200, None, "https://evil.example/cb", body=page,
          requirement="OIDCC-3.1.2.1", code="REDIRECTED_TO_INVALID_URI", req="OIDCC-3.1.2.1")


def test_redirect_case_insensitive_host_and_query_superset(fails: Callable[..., Finding]) -> None:
    fails(r.check_redirect_not_followed_to, 303, "https://ATTACKER.example/cb?code=x", "https://attacker.example/cb",
          code="REDIRECTED_TO_INVALID_URI")


def test_auto_posting_form_seen_by_the_user_agent_fails(fails: Callable[..., Finding]) -> None:
    fails(r.check_redirect_not_followed_to, 200, None, "https://evil.example/cb",
          form_action="https://evil.example/cb", code="REDIRECTED_TO_INVALID_URI", req="RFC6749-3.1.2.4")
    r.check_redirect_not_followed_to(200, None, "https://evil.example/cb", form_action="https://rp.example/cb")


@pytest.mark.parametrize("page", [
    '<html><form id="f" method="get" action="https://evil.example/cb"><input name="error" value="x"></form>'
    "<script>document.getElementById('f').submit()</script>",
    "<form action='https://evil.example/cb?error=x'></form>",
    "<form method=post action=https://evil.example/cb></form>",
    '<meta http-equiv="refresh" content="0; url=https://evil.example/cb?error=x">',
    '<form action="https://evil.example/cb?a=1&amp;b=2"></form>',
])
def test_error_page_sending_the_user_agent_there_fails_at_any_status(fails: Callable[..., Finding], page: str) -> None:
    fails(r.check_redirect_not_followed_to, 400, None, "https://evil.example/cb", body=page,
          code="REDIRECTED_TO_INVALID_URI")


def test_error_page_without_a_way_there_passes() -> None:
    r.check_redirect_not_followed_to(400, None, "https://evil.example/cb",
                                     body='<p>The redirect_uri https://evil.example/cb is not registered.</p>'
                                          '<form action="/login"></form>')
