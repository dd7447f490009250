"""The refresh/scope checks appended to harness.specs.rfc6749 by the token lifecycle area."""

from __future__ import annotations

import pytest

from harness.results import CheckFailed
from harness.specs import rfc6749 as p

JSON = {"Content-Type": "application/json"}


def test_refresh_rotated(fails) -> None:
    assert p.check_refresh_rotated("old", {"refresh_token": "new"}) == "new"
    fails(p.check_refresh_rotated, "old", {"refresh_token": "old"}, code="REFRESH_NOT_ROTATED",
          req="DOC-refresh_token_rolling")
    fails(p.check_refresh_rotated, "old", {}, requirement="RFC9700-4.14.2", code="REFRESH_NOT_ROTATED",
          req="RFC9700-4.14.2")


def test_refresh_not_rotated(fails) -> None:
    p.check_refresh_not_rotated("old", {})
    p.check_refresh_not_rotated("old", {"refresh_token": "old"})
    fails(p.check_refresh_not_rotated, "old", {"refresh_token": "new"}, code="REFRESH_ROTATED_UNEXPECTEDLY")


def test_scope_narrowed(fails) -> None:
    p.check_refresh_scope_narrowed("openid", {"scope": "openid"})
    p.check_refresh_scope_narrowed("openid", {})
    fails(p.check_refresh_scope_narrowed, "openid", {"scope": "openid profile"}, code="REFRESH_SCOPE_NOT_NARROWED",
          req="RFC6749-6")
    fails(p.check_refresh_scope_narrowed, "openid", {"scope": ["openid"]}, code="TOKEN_SCOPE_NOT_STRING")


def test_unknown_scope(fails) -> None:
    p.check_unknown_scope_handled(400, JSON, {"error": "invalid_scope"}, "x", basic_auth_used=False)
    p.check_unknown_scope_handled(200, JSON, {"access_token": "a", "scope": ""}, "x", basic_auth_used=False)
    p.check_unknown_scope_handled(200, JSON, {"access_token": "a", "scope": "y"}, "x", basic_auth_used=False)
    fails(p.check_unknown_scope_handled, 200, JSON, {"access_token": "a"}, "x", basic_auth_used=False,
          code="TOKEN_SCOPE_CHANGE_NOT_REPORTED", req="RFC6749-3.3")
    fails(p.check_unknown_scope_handled, 200, JSON, {"access_token": "a", "scope": "x y"}, "x",
          basic_auth_used=False, code="TOKEN_UNKNOWN_SCOPE_GRANTED")
    fails(p.check_unknown_scope_handled, 400, JSON, {"error": "invalid_request"}, "x", basic_auth_used=False,
          code="TOKEN_ERROR_WRONG_CODE")


def test_at_most_one_success() -> None:
    p.check_at_most_one_success(0, what="code", code="X")
    p.check_at_most_one_success(1, what="code", code="X")
    with pytest.raises(CheckFailed) as info:
        p.check_at_most_one_success(2, what="refresh token", code="REFRESH_PARALLEL_REDEMPTION")
    finding = info.value.findings[0]
    assert (finding.code, finding.requirement) == ("REFRESH_PARALLEL_REDEMPTION", "RFC9700-4.14.2")
