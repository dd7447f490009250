from __future__ import annotations

import pytest

from harness.results import CheckFailed, Level
from harness.specs import rfc7523 as p

JSON = {"Content-Type": "application/json"}
BASIC_401 = {"Content-Type": "application/json", "WWW-Authenticate": 'Basic realm="x", error="invalid_client"'}


def test_client_refused_passes() -> None:
    p.check_client_refused(401, BASIC_401, {"error": "invalid_client"}, basic_auth_used=True)
    p.check_client_refused(400, JSON, {"error": "invalid_client"}, basic_auth_used=False)
    p.check_client_refused(400, JSON, {"error": "invalid_request"}, basic_auth_used=False,
                           also_allowed=("invalid_request",))


def test_client_refused_failures(fails) -> None:
    fails(p.check_client_refused, 200, JSON, {"access_token": "x"}, basic_auth_used=False,
          code="TOKEN_REQUEST_ACCEPTED", requirement="RFC6749-4.1.3", req="RFC6749-4.1.3")
    fails(p.check_client_refused, 400, JSON, {"error": "invalid_client"}, basic_auth_used=True,
          code="TOKEN_ERROR_STATUS", req="RFC6749-5.2")
    fails(p.check_client_refused, 401, JSON, {"error": "invalid_client"}, basic_auth_used=True,
          code="TOKEN_ERROR_WWW_AUTHENTICATE")
    fails(p.check_client_refused, 400, JSON, {"error": "invalid_grant"}, basic_auth_used=False,
          code="TOKEN_ERROR_WRONG_CODE")


def test_assertion_refused(fails) -> None:
    p.check_assertion_refused(401, JSON, {"error": "invalid_client"})
    fails(p.check_assertion_refused, 200, JSON, {"access_token": "x"}, code="TOKEN_REQUEST_ACCEPTED",
          req="RFC7523-3")
    fails(p.check_assertion_refused, 400, JSON, {"error": "invalid_grant"}, requirement="DOC-x",
          code="TOKEN_ERROR_WRONG_CODE", req="DOC-x")
    fails(p.check_assertion_refused, 400, JSON, {"error": "invalid_request"}, code="TOKEN_ERROR_WRONG_CODE")
    p.check_assertion_refused(400, JSON, {"error": "invalid_request"}, also_allowed=("invalid_request",))


@pytest.mark.parametrize("level", [Level.MUST, Level.SHOULD])
def test_client_accepted(fails, level) -> None:
    p.check_client_accepted(True, 200, None, what="x")
    fails(p.check_client_accepted, False, 401, "invalid_client", what="x", code="CLIENT_AUTH_REFUSED",
          req="RFC7523-3", level=Level.MUST)
    with pytest.raises(CheckFailed) as info:
        p.check_client_accepted(False, 401, "invalid_client", what="x", code="OTHER", level=level)
    assert info.value.findings[0].code == "OTHER"
    assert info.value.findings[0].level is level
