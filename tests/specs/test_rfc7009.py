from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.results import CheckFailed, Finding, Level
from harness.specs import rfc7009 as p

JSON = {"Content-Type": "application/json"}


def test_succeeded(fails: Callable[..., Finding]) -> None:
    p.check_revocation_succeeded(200)
    fails(p.check_revocation_succeeded, 400, why="an unknown token", code="REVOCATION_STATUS", req="RFC7009-2.2")


def test_revoked_and_not_revoked(fails: Callable[..., Finding]) -> None:
    p.check_revoked(False, what="x")
    fails(p.check_revoked, True, what="x", code="TOKEN_NOT_REVOKED", req="RFC7009-2.1-invalidate")
    finding = fails(p.check_revoked, True, what="x", requirement="DOC-y", code="TOKEN_NOT_REVOKED", req="DOC-y")
    assert finding.level is Level.MUST
    p.check_not_revoked(True, what="x")
    fails(p.check_not_revoked, False, what="x", code="TOKEN_REVOKED_BY_INVALID_REQUEST", req="RFC7009-2.1")


def test_should_levels() -> None:
    with pytest.raises(CheckFailed) as info:
        p.check_revoked(True, what="x", level=Level.SHOULD)
    assert info.value.findings[0].level is Level.SHOULD
    with pytest.raises(CheckFailed) as info:
        p.check_revocation_refused(200, JSON, b"", basic_auth_used=False, level=Level.SHOULD)
    assert info.value.findings[0].code == "REVOCATION_NOT_REFUSED"
    assert info.value.findings[0].level is Level.SHOULD


def test_refused(fails: Callable[..., Finding]) -> None:
    p.check_revocation_refused(400, JSON, {"error": "invalid_request"}, basic_auth_used=False)
    p.check_revocation_refused(401, {**JSON, "WWW-Authenticate": "Basic"}, {"error": "invalid_client"},
                               basic_auth_used=True)
    fails(p.check_revocation_refused, 200, JSON, b"", basic_auth_used=False, code="REVOCATION_NOT_REFUSED",
          req="RFC7009-2.1", level=Level.MUST)
    fails(p.check_revocation_refused, 400, JSON, {"error": "server_error"}, basic_auth_used=False,
          code="TOKEN_ERROR_WRONG_CODE", req="RFC7009-2.2.1")


def test_unsupported_token_type(fails: Callable[..., Finding]) -> None:
    p.check_unsupported_token_type(200, {}, b"", basic_auth_used=False)
    p.check_unsupported_token_type(400, JSON, {"error": "unsupported_token_type"}, basic_auth_used=False)
    fails(p.check_unsupported_token_type, 400, JSON, {"error": "invalid_request"}, basic_auth_used=False,
          code="TOKEN_ERROR_WRONG_CODE")
    fails(p.check_unsupported_token_type, 500, JSON, {"error": "server_error"}, basic_auth_used=False,
          code="TOKEN_ERROR_STATUS")


def test_unauthenticated_revocation_is_exactly_invalid_client(fails: Callable[..., Finding]) -> None:
    """RFC 6749 §5.2: "no client authentication included" is invalid_client; 400 or 401 (no header was used)."""
    p.check_unauthenticated_revocation_refused(400, JSON, {"error": "invalid_client"})
    p.check_unauthenticated_revocation_refused(401, {**JSON, "WWW-Authenticate": 'Basic realm="x"'},
                                               {"error": "invalid_client"})
    fails(p.check_unauthenticated_revocation_refused, 200, JSON, b"", code="REVOCATION_NOT_REFUSED",
          req="RFC7009-2.1", level=Level.MUST)
    # the other six RFC 7009 errors no longer pass
    for error in sorted(p.REVOCATION_ERRORS - {"invalid_client"}):
        fails(p.check_unauthenticated_revocation_refused, 400, JSON, {"error": error}, code="TOKEN_ERROR_WRONG_CODE",
              req="RFC6749-5.2-invalid_client")
    fails(p.check_unauthenticated_revocation_refused, 500, JSON, {"error": "invalid_client"},
          code="TOKEN_ERROR_STATUS")
    fails(p.check_unauthenticated_revocation_refused, 400, {}, b"nope", code="TOKEN_ERROR_BODY_NOT_JSON_OBJECT")


def test_access_token_revocation_answer(fails: Callable[..., Finding]) -> None:
    p.check_access_token_revocation_answer(200, {}, b"", basic_auth_used=True)
    # not supporting access-token revocation is a SHOULD (RFC 7009 §2), said with unsupported_token_type
    fails(p.check_access_token_revocation_answer, 400, JSON, {"error": "unsupported_token_type"},
          basic_auth_used=False, code="ACCESS_TOKEN_REVOCATION_UNSUPPORTED", req="RFC7009-2-access_tokens",
          level=Level.SHOULD)
    with pytest.raises(CheckFailed) as info:
        p.check_access_token_revocation_answer(400, JSON, {"error": "unsupported_token_type"}, basic_auth_used=False)
    assert {f.level for f in info.value.findings} == {Level.SHOULD}
    fails(p.check_access_token_revocation_answer, 400, JSON, {"error": "invalid_request"}, basic_auth_used=False,
          code="REVOCATION_STATUS", req="RFC7009-2.2", level=Level.MUST)
