from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from harness.results import Finding, HarnessError, Level
from harness.specs import rfc8628 as p

JSON = {"Content-Type": "application/json"}
NO_STORE = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}
GOOD = {
    "device_code": "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
    "user_code": "WDJB-MJHT",
    "verification_uri": "https://example.com/device",
    "verification_uri_complete": "https://example.com/device?user_code=WDJB-MJHT",
    "expires_in": 1800,
    "interval": 5,
}


def _err(error: str) -> bytes:
    return json.dumps({"error": error}).encode()


def test_good_device_authorization_response() -> None:
    assert p.check_device_authorization_response(200, JSON, GOOD)["user_code"] == "WDJB-MJHT"
    minimal = {k: v for k, v in GOOD.items() if k not in ("verification_uri_complete", "interval")}
    p.check_device_authorization_response(200, JSON, json.dumps(minimal))


@pytest.mark.parametrize("missing", ["device_code", "user_code", "verification_uri", "expires_in"])
def test_required_members(fails: Callable[..., Finding], missing: str) -> None:
    body = {k: v for k, v in GOOD.items() if k != missing}
    fails(p.check_device_authorization_response, 200, JSON, body, code="DEVICE_RESPONSE_MEMBER_MISSING",
          req="RFC8628-3.2-members")


@pytest.mark.parametrize(("member", "value"), [
    ("device_code", ""), ("user_code", 42), ("verification_uri", "/device"),
    ("verification_uri_complete", "not a uri"), ("expires_in", "1800"), ("expires_in", 0), ("expires_in", True),
    ("interval", -1), ("interval", "5"),
])
def test_invalid_members(fails: Callable[..., Finding], member: str, value: Any) -> None:
    fails(p.check_device_authorization_response, 200, JSON, {**GOOD, member: value},
          code="DEVICE_RESPONSE_MEMBER_INVALID")


def test_response_format(fails: Callable[..., Finding]) -> None:
    fails(p.check_device_authorization_response, 201, JSON, GOOD, code="DEVICE_RESPONSE_STATUS")
    fails(p.check_device_authorization_response, 200, {"Content-Type": "text/plain"}, GOOD,
          code="DEVICE_RESPONSE_CONTENT_TYPE")
    fails(p.check_device_authorization_response, 200, JSON, b"<html>", code="DEVICE_RESPONSE_NOT_JSON_OBJECT")


def test_interval_arithmetic() -> None:
    assert p.effective_interval({"interval": 2}) == 2.0
    assert p.effective_interval({}) == 5.0  # §3.2 default
    assert p.effective_interval({"interval": "2"}) == 5.0
    assert p.effective_interval({"interval": 0}) == 5.0
    assert p.next_interval(2.0, "slow_down") == 7.0
    assert p.next_interval(7.0, "authorization_pending") == 7.0
    assert p.next_interval(7.0, None) == 7.0


def test_documented_interval_and_lifetime(fails: Callable[..., Finding]) -> None:
    p.check_documented_interval({"interval": 1}, 1)
    fails(p.check_documented_interval, {"interval": 5}, 1, code="DEVICE_INTERVAL_NOT_DOCUMENTED",
          req="DOC-device_polling_interval")
    fails(p.check_documented_interval, {}, 1, code="DEVICE_INTERVAL_NOT_DOCUMENTED")
    p.check_documented_lifetime({"expires_in": 10}, 10)
    fails(p.check_documented_lifetime, {"expires_in": 600}, 10, code="DEVICE_EXPIRES_IN_NOT_DOCUMENTED",
          req="DOC-device_code_lifetime")
    fails(p.check_documented_lifetime, {}, 10, code="DEVICE_EXPIRES_IN_NOT_DOCUMENTED")


@pytest.mark.parametrize(("check", "error"), [
    (p.check_authorization_pending, "authorization_pending"),
    (p.check_access_denied, "access_denied"),
    (p.check_expired_token, "expired_token"),
    (p.check_code_reuse_refused, "invalid_grant"),
    (p.check_other_client_refused, "invalid_grant"),
])
def test_polling_errors(fails: Callable[..., Finding], check: Any, error: str) -> None:
    check(400, JSON, _err(error))
    fails(check, 400, JSON, _err("server_error"), code="TOKEN_ERROR_WRONG_CODE")
    fails(check, 200, NO_STORE, {"access_token": "x", "token_type": "Bearer"}, code="TOKEN_REQUEST_ACCEPTED")
    fails(check, 401, JSON, _err(error), code="TOKEN_ERROR_STATUS")


def test_pending_cites_rfc8628(fails: Callable[..., Finding]) -> None:
    fails(p.check_authorization_pending, 400, JSON, _err("invalid_grant"), code="TOKEN_ERROR_WRONG_CODE",
          req="RFC8628-3.5-authorization_pending")


def test_slow_down(fails: Callable[..., Finding]) -> None:
    p.check_slow_down(400, JSON, _err("slow_down"))
    fails(p.check_slow_down, 400, JSON, _err("authorization_pending"), code="SLOW_DOWN_MISSING",
          req="DOC-device_slow_down", level=Level.MUST)
    fails(p.check_slow_down, 400, JSON, _err("invalid_grant"), code="TOKEN_ERROR_WRONG_CODE")


def test_approved_poll(fails: Callable[..., Finding]) -> None:
    p.check_approved_poll(200, NO_STORE, {"access_token": "x", "token_type": "Bearer", "expires_in": 60})
    for error in ("authorization_pending", "slow_down", "expired_token"):
        fails(p.check_approved_poll, 400, JSON, _err(error), code="APPROVAL_NOT_HONOURED", req="RFC8628-3.5")
    fails(p.check_approved_poll, 400, JSON, _err("invalid_grant"), code="TOKEN_STATUS_NOT_200")


def test_confirmation_shown(fails: Callable[..., Finding]) -> None:
    p.check_confirmation_shown(True, True)
    fails(p.check_confirmation_shown, False, False, code="DEVICE_CODE_NOT_CONFIRMED", req="RFC8628-3.3.1",
          level=Level.SHOULD)
    fails(p.check_confirmation_shown, True, False, code="DEVICE_CODE_NOT_DISPLAYED", level=Level.SHOULD)


def test_user_code_entropy(fails: Callable[..., Finding]) -> None:
    base20 = ["WDJB-MJHT", "KVPL-MFQZ", "GNMV-PWFQ", "BLRX-SHCJ", "RVMB-JZMX"]
    assert p.check_user_code_entropy(base20) >= 34
    fails(p.check_user_code_entropy, ["0042", "1234", "9876", "5555"], code="USER_CODE_ENTROPY_LOW",
          req="RFC8628-5.1", level=Level.SHOULD)
    fails(p.check_user_code_entropy, ["WDJB-MJHT", "WDJBMJHT"], code="USER_CODE_REPEATED", level=Level.MUST)
    with pytest.raises(HarnessError):
        p.check_user_code_entropy(["WDJB-MJHT"])


def test_user_code_charset(fails: Callable[..., Finding]) -> None:
    p.check_user_code_charset(["WDJB-MJHT", "KVPL-MFQZ"])
    p.check_user_code_charset(["12345678", "98765432"])  # digits alone are not confusable
    finding = fails(p.check_user_code_charset, ["AB0O-CDEF", "IJ1K-LMNP"], code="USER_CODE_CONFUSABLE_CHARS",
                    req="RFC8628-6.1", level=Level.SHOULD)
    assert finding.actual == ["0/O", "1/I"]
