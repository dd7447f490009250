from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import pytest

from harness.results import Finding, Level
from harness.specs import oidc_ciba as p

JSON = {"Content-Type": "application/json"}
NO_STORE = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}
GOOD = {"auth_req_id": "1c266114-a1be-4252-8ad1-04986c5b9ac1", "expires_in": 120, "interval": 2}
TOKEN = "8d67dc78-7faa-4d41-aabd-67707b374255"
PING_HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


def _err(error: str) -> bytes:
    return json.dumps({"error": error, "error_description": "x"}).encode()


def test_good_authentication_response() -> None:
    assert p.check_authentication_response(200, JSON, GOOD)["auth_req_id"] == GOOD["auth_req_id"]
    p.check_authentication_response(200, JSON, {"auth_req_id": "a.b-c_D9", "expires_in": 1})


@pytest.mark.parametrize(("body", "code", "req", "level"), [
    ({"expires_in": 120}, "CIBA_RESPONSE_MEMBER_MISSING", "CIBA-7.3-auth_req_id", Level.MUST),
    ({"auth_req_id": "abc"}, "CIBA_RESPONSE_MEMBER_MISSING", "CIBA-7.3-expires_in", Level.MUST),
    ({**GOOD, "auth_req_id": ""}, "CIBA_RESPONSE_MEMBER_INVALID", "CIBA-7.3-auth_req_id", Level.MUST),
    ({**GOOD, "auth_req_id": 7}, "CIBA_RESPONSE_MEMBER_INVALID", "CIBA-7.3-auth_req_id", Level.MUST),
    ({**GOOD, "auth_req_id": "abc+/="}, "CIBA_AUTH_REQ_ID_CHARSET", "CIBA-7.3-auth_req_id_charset", Level.MUST),
    ({**GOOD, "expires_in": "120"}, "CIBA_RESPONSE_MEMBER_INVALID", "CIBA-7.3-expires_in", Level.MUST),
    ({**GOOD, "expires_in": 0}, "CIBA_RESPONSE_MEMBER_INVALID", "CIBA-7.3-expires_in", Level.MUST),
    ({**GOOD, "interval": 1.5}, "CIBA_RESPONSE_MEMBER_INVALID", "CIBA-7.3-interval", Level.MAY),
])
def test_response_members(fails: Callable[..., Finding], body: dict[str, Any], code: str, req: str, level: Any) -> None:
    fails(p.check_authentication_response, 200, JSON, body, code=code, req=req, level=level)


def test_response_format(fails: Callable[..., Finding]) -> None:
    fails(p.check_authentication_response, 201, JSON, GOOD, code="CIBA_RESPONSE_STATUS")
    fails(p.check_authentication_response, 200, {"Content-Type": "text/html"}, GOOD, code="CIBA_RESPONSE_CONTENT_TYPE")
    fails(p.check_authentication_response, 200, JSON, b"[]", code="CIBA_RESPONSE_NOT_JSON_OBJECT")


def test_auth_req_id_entropy(fails: Callable[..., Finding]) -> None:
    assert p.check_auth_req_id_entropy([secrets.token_urlsafe(32) for _ in range(5)]) >= 160
    fails(p.check_auth_req_id_entropy, [f"{n:08x}" for n in range(0x1000100, 0x1000105)],
          code="CODE_ENTROPY_LOW", req="CIBA-7.3-entropy")
    fails(p.check_auth_req_id_entropy, [secrets.token_hex(12) for _ in range(5)], code="CODE_ENTROPY_LOW")


def test_documented_interval(fails: Callable[..., Finding]) -> None:
    p.check_documented_interval({"interval": 3}, 3)
    fails(p.check_documented_interval, {"interval": 5}, 3, code="CIBA_INTERVAL_NOT_DOCUMENTED",
          req="DOC-ciba_polling_interval")
    fails(p.check_documented_interval, {}, 3, code="CIBA_INTERVAL_NOT_DOCUMENTED")


def test_authentication_errors(fails: Callable[..., Finding]) -> None:
    p.check_authentication_error(400, JSON, _err("invalid_request"), "invalid_request")
    p.check_authentication_error(400, JSON, _err("unknown_user_id"), "unknown_user_id")
    fails(p.check_authentication_error, 200, JSON, GOOD, "invalid_request", code="CIBA_REQUEST_ACCEPTED",
          req="CIBA-13")
    fails(p.check_authentication_error, 400, JSON, _err("invalid_scope"), "invalid_request",
          code="CIBA_ERROR_WRONG")
    fails(p.check_authentication_error, 500, JSON, _err("invalid_request"), "invalid_request",
          code="CIBA_ERROR_STATUS")
    fails(p.check_authentication_error, 400, {"Content-Type": "text/html"}, _err("invalid_request"),
          "invalid_request", code="CIBA_ERROR_CONTENT_TYPE")
    p.check_authentication_error(403, JSON, _err("access_denied"), "access_denied")
    fails(p.check_authentication_error, 400, JSON, _err("access_denied"), "access_denied", code="CIBA_ERROR_WRONG")
    fails(p.check_authentication_error, 200, JSON, GOOD, "access_denied", code="CIBA_REQUEST_ACCEPTED")


def test_request_object_refused(fails: Callable[..., Finding]) -> None:
    p.check_request_object_refused(400, JSON, _err("invalid_request"))
    fails(p.check_request_object_refused, 200, JSON, GOOD, code="CIBA_REQUEST_ACCEPTED", req="CIBA-7.2",
          level=Level.MUST)
    fails(p.check_request_object_refused, 400, JSON, _err("invalid_request_object"),
          code="CIBA_ERROR_NOT_CIBA_CODE", level=Level.SHOULD)
    fails(p.check_request_object_refused, 400, JSON, _err("server_error"), code="CIBA_ERROR_WRONG",
          level=Level.MUST)


def test_binding_message_refused(fails: Callable[..., Finding]) -> None:
    p.check_binding_message_refused(400, JSON, _err("invalid_binding_message"))
    fails(p.check_binding_message_refused, 200, JSON, GOOD, code="CIBA_REQUEST_ACCEPTED", level=Level.SHOULD)
    fails(p.check_binding_message_refused, 400, JSON, _err("invalid_request"), code="CIBA_ERROR_WRONG",
          level=Level.SHOULD)


def test_request_accepted(fails: Callable[..., Finding]) -> None:
    assert p.check_request_accepted(200, JSON, GOOD, requirement="CIBA-7.1-hint")["interval"] == 2
    fails(p.check_request_accepted, 400, JSON, _err("invalid_request"), requirement="CIBA-7.1-hint",
          code="CIBA_VALID_REQUEST_REFUSED", req="CIBA-7.1-hint", level=Level.MUST)
    fails(lambda: p.check_request_accepted(400, JSON, _err("invalid_request"), requirement="CIBA-7.1-hint",
                                           level=Level.SHOULD), code="CIBA_VALID_REQUEST_REFUSED", level=Level.SHOULD)


@pytest.mark.parametrize(("check", "error"), [
    (p.check_authorization_pending, "authorization_pending"),
    (p.check_access_denied, "access_denied"),
    (p.check_expired_token, "expired_token"),
    (p.check_invalid_grant, "invalid_grant"),
])
def test_token_errors(fails: Callable[..., Finding], check: Any, error: str) -> None:
    check(400, JSON, _err(error))
    fails(check, 400, JSON, _err("invalid_request"), code="TOKEN_ERROR_WRONG_CODE", req=f"CIBA-11-{error}")
    fails(check, 200, NO_STORE, {"access_token": "x", "token_type": "Bearer"}, code="TOKEN_REQUEST_ACCEPTED")


def test_slow_down(fails: Callable[..., Finding]) -> None:
    p.check_slow_down(400, JSON, _err("slow_down"))
    fails(p.check_slow_down, 400, JSON, _err("authorization_pending"), code="SLOW_DOWN_MISSING",
          req="DOC-ciba_slow_down")


def test_approved_poll(fails: Callable[..., Finding]) -> None:
    tokens = {"access_token": "x", "token_type": "Bearer", "expires_in": 60, "id_token": "a.b.c"}
    p.check_approved_poll(200, NO_STORE, tokens)
    fails(p.check_approved_poll, 200, NO_STORE, {**tokens, "id_token": None}, code="CIBA_NO_ID_TOKEN",
          req="CIBA-10.1.1")
    fails(p.check_approved_poll, 400, JSON, _err("authorization_pending"), code="APPROVAL_NOT_HONOURED")


def test_ping_received(fails: Callable[..., Finding]) -> None:
    p.check_ping_received(1, 0.2)
    fails(p.check_ping_received, 0, 10.0, code="CIBA_PING_NOT_RECEIVED", req="CIBA-10.2")


def test_good_ping() -> None:
    p.check_ping_notification("POST", PING_HEADERS, json.dumps({"auth_req_id": "abc"}), expected_token=TOKEN,
                              auth_req_id="abc")
    p.check_ping_notification("POST", {**PING_HEADERS, "Authorization": f"bearer {TOKEN}"},
                              {"auth_req_id": "abc"}, expected_token=TOKEN, auth_req_id="abc")


@pytest.mark.parametrize(("method", "headers", "body", "code", "level"), [
    ("POST", {"Content-Type": "application/json"}, {"auth_req_id": "abc"}, "CIBA_NOTIFICATION_NO_BEARER",
     Level.MUST),
    ("POST", {**PING_HEADERS, "Authorization": f"Basic {TOKEN}"}, {"auth_req_id": "abc"},
     "CIBA_NOTIFICATION_NO_BEARER", Level.MUST),
    ("POST", {**PING_HEADERS, "Authorization": "Bearer other"}, {"auth_req_id": "abc"},
     "CIBA_NOTIFICATION_TOKEN_MISMATCH", Level.MUST),
    ("GET", PING_HEADERS, {"auth_req_id": "abc"}, "CIBA_NOTIFICATION_METHOD", Level.MUST),
    ("POST", {**PING_HEADERS, "Content-Type": "application/x-www-form-urlencoded"}, {"auth_req_id": "abc"},
     "CIBA_NOTIFICATION_CONTENT_TYPE", Level.MUST),
    ("POST", PING_HEADERS, b"auth_req_id=abc", "CIBA_NOTIFICATION_NOT_JSON", Level.MUST),
    ("POST", PING_HEADERS, {"auth_req_id": "other"}, "CIBA_PING_AUTH_REQ_ID", Level.MUST),
    ("POST", PING_HEADERS, {}, "CIBA_PING_AUTH_REQ_ID", Level.MUST),
    ("POST", PING_HEADERS, {"auth_req_id": "abc", "access_token": "x"}, "CIBA_PING_EXTRA_MEMBERS", Level.SHOULD),
])
def test_bad_pings(fails: Callable[..., Finding], method: str, headers: Any, body: Any, code: str, level: Any) -> None:
    fails(p.check_ping_notification, method, headers, body, expected_token=TOKEN, auth_req_id="abc", code=code,
          req="CIBA-10.2", level=level)


def test_push_notification(fails: Callable[..., Finding]) -> None:
    good = {"auth_req_id": "abc", "access_token": "x", "token_type": "Bearer", "id_token": "a.b.c"}
    assert p.check_push_notification("POST", PING_HEADERS, good, expected_token=TOKEN, auth_req_id="abc") == good
    p.check_push_notification("POST", PING_HEADERS, {"auth_req_id": "abc", "error": "access_denied"},
                              expected_token=TOKEN, auth_req_id="abc")
    fails(p.check_push_notification, "POST", PING_HEADERS, {"auth_req_id": "abc"}, expected_token=TOKEN,
          auth_req_id="abc", code="CIBA_PUSH_MEMBER_MISSING", req="CIBA-10.3.1")
    fails(p.check_push_notification, "POST", PING_HEADERS, {**good, "auth_req_id": "x"}, expected_token=TOKEN,
          auth_req_id="abc", code="CIBA_PUSH_AUTH_REQ_ID")
    fails(p.check_push_notification, "POST", {"Content-Type": "application/json"}, good, expected_token=TOKEN,
          auth_req_id="abc", code="CIBA_NOTIFICATION_NO_BEARER", req="CIBA-10.3.1")
