from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.results import CheckFailed, Finding, Level
from harness.specs import rfc7523 as p

JSON = {"Content-Type": "application/json"}
BASIC_401 = {"Content-Type": "application/json", "WWW-Authenticate": 'Basic realm="x", error="invalid_client"'}


R = "RFC6749-4.1.3"


def test_client_refused_passes() -> None:
    p.check_client_refused(401, BASIC_401, {"error": "invalid_client"}, basic_auth_used=True, requirement=R)
    p.check_client_refused(400, JSON, {"error": "invalid_client"}, basic_auth_used=False, requirement=R)
    p.check_client_refused(401, JSON, {"error": "invalid_client"}, basic_auth_used=False, requirement=R)
    p.check_client_refused(400, JSON, {"error": "invalid_request"}, basic_auth_used=False, requirement=R,
                           also_allowed=("invalid_request",))


def test_client_refused_requirement_is_explicit() -> None:
    with pytest.raises(TypeError):
        p.check_client_refused(400, JSON, {"error": "invalid_client"}, basic_auth_used=False)  # type: ignore[call-arg]


def test_client_refused_failures(fails: Callable[..., Finding]) -> None:
    fails(p.check_client_refused, 200, JSON, {"access_token": "x"}, basic_auth_used=False, requirement=R,
          code="TOKEN_REQUEST_ACCEPTED", req="RFC6749-4.1.3")
    fails(p.check_client_refused, 400, JSON, {"error": "invalid_client"}, basic_auth_used=True, requirement=R,
          code="TOKEN_ERROR_STATUS", req="RFC6749-5.2-invalid_client")
    fails(p.check_client_refused, 401, JSON, {"error": "invalid_client"}, basic_auth_used=True, requirement=R,
          code="TOKEN_ERROR_WWW_AUTHENTICATE")
    fails(p.check_client_refused, 400, JSON, {"error": "invalid_grant"}, basic_auth_used=False, requirement=R,
          code="TOKEN_ERROR_WRONG_CODE", req="RFC6749-5.2")


def test_client_refused_with_basic_keyed_on_the_case(codes: Callable[..., list[str]]) -> None:
    """A failed Basic authentication answered with another error still owes 401 and a Basic challenge."""
    found = codes(p.check_client_refused, 400, JSON, {"error": "invalid_request"}, basic_auth_used=True,
                  requirement=R)
    assert set(found) == {"TOKEN_ERROR_STATUS", "TOKEN_ERROR_WWW_AUTHENTICATE", "TOKEN_ERROR_WRONG_CODE"}


def test_assertion_refused(fails: Callable[..., Finding]) -> None:
    p.check_assertion_refused(401, JSON, {"error": "invalid_client"})
    p.check_assertion_refused(400, JSON, {"error": "invalid_client"})
    fails(p.check_assertion_refused, 200, JSON, {"access_token": "x"}, code="TOKEN_REQUEST_ACCEPTED",
          req="RFC7523-3")
    fails(p.check_assertion_refused, 200, JSON, {"access_token": "x"}, requirement="DOC-x",
          code="TOKEN_REQUEST_ACCEPTED", req="DOC-x")
    # the wrong error value cites §3.2 ("MUST be the invalid_client error code"), whatever rule was broken
    fails(p.check_assertion_refused, 400, JSON, {"error": "invalid_grant"}, requirement="DOC-x",
          code="TOKEN_ERROR_WRONG_CODE", req="RFC7523-3.2")
    fails(p.check_assertion_refused, 400, JSON, {"error": "invalid_request"}, code="TOKEN_ERROR_WRONG_CODE")
    p.check_assertion_refused(400, JSON, {"error": "invalid_request"}, also_allowed=("invalid_request",))
    fails(p.check_assertion_refused, 400, JSON, {"error": "invalid_grant"}, also_allowed=("invalid_request",),
          error_requirement="RFC7521-4.2", code="TOKEN_ERROR_WRONG_CODE", req="RFC7521-4.2")


@pytest.mark.parametrize("level", [Level.MUST, Level.SHOULD])
def test_client_accepted(fails: Callable[..., Finding], level: Any) -> None:
    p.check_client_accepted(True, 200, None, what="x")
    fails(p.check_client_accepted, False, 401, "invalid_client", what="x", code="CLIENT_AUTH_REFUSED",
          req="RFC7523-3", level=Level.MUST)
    with pytest.raises(CheckFailed) as info:
        p.check_client_accepted(False, 401, "invalid_client", what="x", code="OTHER", level=level)
    assert info.value.findings[0].code == "OTHER"
    assert info.value.findings[0].level is level
