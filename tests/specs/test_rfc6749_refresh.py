"""The refresh/scope checks appended to harness.specs.rfc6749 by the token lifecycle area."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.results import CheckFailed, Finding, Level, NeedsReview
from harness.specs import rfc6749 as p

JSON = {"Content-Type": "application/json"}


def test_refresh_rotated(fails: Callable[..., Finding]) -> None:
    assert p.check_refresh_rotated("old", {"refresh_token": "new"}) == "new"
    fails(p.check_refresh_rotated, "old", {"refresh_token": "old"}, code="REFRESH_NOT_ROTATED",
          req="DOC-refresh_token_rolling")
    fails(p.check_refresh_rotated, "old", {}, requirement="RFC9700-4.14.2", code="REFRESH_NOT_ROTATED",
          req="RFC9700-4.14.2")


def test_refresh_not_rotated(fails: Callable[..., Finding]) -> None:
    p.check_refresh_not_rotated("old", {})
    p.check_refresh_not_rotated("old", {"refresh_token": "old"})
    fails(p.check_refresh_not_rotated, "old", {"refresh_token": "new"}, code="REFRESH_ROTATED_UNEXPECTEDLY")


def test_scope_narrowed(fails: Callable[..., Finding]) -> None:
    p.check_refresh_scope_narrowed("openid", {"scope": "openid"})
    p.check_refresh_scope_narrowed("openid", {})
    # §3.3: the server MAY ignore the requested scope; RFC 9700 §2.3 SHOULD keep privileges minimal
    fails(p.check_refresh_scope_narrowed, "openid", {"scope": "openid profile"}, code="REFRESH_SCOPE_NOT_NARROWED",
          req="RFC9700-2.3", level=Level.SHOULD)
    fails(p.check_refresh_scope_narrowed, "openid", {"scope": ["openid"]}, code="TOKEN_SCOPE_NOT_STRING")


def test_unknown_scope(fails: Callable[..., Finding]) -> None:
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
    p.check_at_most_one_success(1, what="code", code="X")
    with pytest.raises(NeedsReview):  # no redemption succeeded: nothing evaluated, never a pass
        p.check_at_most_one_success(0, what="code", code="X", attempts=5)
    with pytest.raises(CheckFailed) as info:
        p.check_at_most_one_success(2, what="refresh token", code="REFRESH_PARALLEL_REDEMPTION")
    finding = info.value.findings[0]
    assert (finding.code, finding.requirement) == ("REFRESH_PARALLEL_REDEMPTION", "RFC9700-4.14.2")


def test_refresh_token_issued() -> None:
    assert p.check_refresh_token_issued({"refresh_token": "rt"}, documented_by=None, client_id="c",
                                        requested_scope="openid") == "rt"


def test_refresh_token_missing_fails_where_documented(fails: Callable[..., Finding]) -> None:
    f = fails(p.check_refresh_token_issued, {"access_token": "a", "scope": "openid"},
              documented_by="DOC-refresh.rotation", client_id="c", requested_scope="openid offline_access",
              code="PRECONDITION_REFRESH_TOKEN_NOT_ISSUED", req="DOC-refresh.rotation", level=Level.MUST)
    assert "offline_access" in f.actual


@pytest.mark.parametrize("body", [{"access_token": "a"}, {"access_token": "a", "refresh_token": ""}])
def test_refresh_token_missing_is_review_where_not_documented(body: dict[str, Any]) -> None:
    # e.g. offline_access not granted: a server may legitimately issue none (RFC 6749 §1.5)
    with pytest.raises(NeedsReview):
        p.check_refresh_token_issued(body, documented_by=None, client_id="c", requested_scope="openid")


GRANTED = "openid offline_access profile"


@pytest.mark.parametrize(("status", "body"), [
    (400, {"error": "invalid_scope"}),                                   # refused, exactly
    (200, {"access_token": "a", "scope": GRANTED}),                      # extra ignored, granted scope reported
    (200, {"access_token": "a", "scope": "openid profile"}),             # narrower than the grant: fine
])
def test_scope_widening_not_widened_passes(status: int, body: dict[str, Any]) -> None:
    p.check_refresh_scope_not_widened(status, JSON, body, granted=GRANTED, extra="email", basic_auth_used=False)


@pytest.mark.parametrize(("status", "body", "code", "req"), [
    (200, {"access_token": "a", "scope": GRANTED + " email"}, "REFRESH_SCOPE_WIDENED", "RFC6749-6-scope"),
    (200, {"access_token": "a"}, "TOKEN_SCOPE_CHANGE_NOT_REPORTED", "RFC6749-3.3"),
    (200, {"access_token": "a", "scope": ["openid"]}, "TOKEN_SCOPE_NOT_STRING", "RFC6749-3.3-format"),
    (400, {"error": "invalid_request"}, "TOKEN_ERROR_WRONG_CODE", "RFC6749-5.2"),
    (401, {"error": "invalid_scope"}, "TOKEN_ERROR_STATUS", "RFC6749-5.2-status"),
])
def test_scope_widening_failures(fails: Callable[..., Finding], status: int, body: dict[str, Any], code: str,
                                 req: str) -> None:
    fails(p.check_refresh_scope_not_widened, status, JSON, body, granted=GRANTED, extra="email",
          basic_auth_used=False, code=code, req=req, level=Level.MUST)
