from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.results import Finding, Level
from harness.specs import rfc9101 as p


def test_accepted(fails: Callable[..., Finding]) -> None:
    assert p.check_request_object_accepted({"code": "c", "state": "s"}, state="s") == "c"
    fails(p.check_request_object_accepted, {"error": "invalid_request_object"}, state="s",
          code="JAR_VALID_REQUEST_OBJECT_REFUSED", req="RFC9101-6.3")
    fails(p.check_request_object_accepted, {}, state="s", requirement="RFC9126-3",
          code="JAR_VALID_REQUEST_OBJECT_REFUSED", req="RFC9126-3")
    fails(p.check_request_object_accepted, {"code": "c", "state": "outside"}, state="s",
          code="JAR_STATE_NOT_FROM_OBJECT")


def _refused(params: dict[str, Any], redirected: bool, **kw: Any) -> None:
    defaults = {"code": "JAR_X_ACCEPTED", "message": "accepted", "requirement": "RFC9101-6.2"}
    p.check_request_object_refused(params, redirected=redirected, **{**defaults, **kw})


def test_refused(fails: Callable[..., Finding]) -> None:
    _refused({}, False)
    _refused({"error": "invalid_request_object", "state": "s"}, True)
    _refused({"error": "invalid_request"}, True)
    fails(_refused, {"code": "c"}, True, code="JAR_X_ACCEPTED", req="RFC9101-6.2", level=Level.MUST)
    fails(lambda: _refused({"code": "c"}, True, level=Level.SHOULD, requirement="FAPI1ADV-5.2.2-13"),
          code="JAR_X_ACCEPTED", req="FAPI1ADV-5.2.2-13", level=Level.SHOULD)
    fails(_refused, {"error": "invalid_request"}, True, expected_errors={"invalid_request_object"},
          code="JAR_WRONG_ERROR", req="RFC9101-7")
    fails(_refused, {"error": "access_denied"}, True, code="JAR_WRONG_ERROR")


def test_inside_parameters_win(fails: Callable[..., Finding]) -> None:
    p.check_inside_parameters_win({"code": "c", "state": "in"}, inside_state="in", outside_state="out")
    fails(p.check_inside_parameters_win, {"code": "c", "state": "out"}, inside_state="in", outside_state="out",
          code="JAR_OUTSIDE_PARAMETER_USED", req="RFC9101-6.3")
    fails(p.check_inside_parameters_win, {"code": "c"}, inside_state="in", outside_state="out",
          code="JAR_STATE_NOT_FROM_OBJECT")


def test_signed_requests_required(fails: Callable[..., Finding]) -> None:
    p.check_signed_requests_required({"error": "invalid_request"}, redirected=True)
    p.check_signed_requests_required({}, redirected=False)
    fails(p.check_signed_requests_required, {"code": "c"}, redirected=True, code="JAR_SIGNED_REQUESTS_NOT_REQUIRED",
          req="DOC-require_signed_requests")
    fails(p.check_signed_requests_required, {"error": "unauthorized_client"}, redirected=True,
          code="JAR_SIGNED_REQUIRED_WRONG_ERROR", level=Level.SHOULD)


def test_request_uri_by_reference(fails: Callable[..., Finding]) -> None:
    unsupported = {"request_uri_parameter_supported": False}
    p.check_request_uri_by_reference(unsupported, {"error": "request_uri_not_supported"}, redirected=True)
    fails(p.check_request_uri_by_reference, unsupported, {"error": "invalid_request"}, redirected=True,
          code="JAR_REQUEST_URI_WRONG_ERROR", req="RFC9101-7")
    fails(p.check_request_uri_by_reference, unsupported, {}, redirected=False,
          code="JAR_REQUEST_URI_ERROR_NOT_REDIRECTED")
    fails(p.check_request_uri_by_reference, unsupported, {"code": "c"}, redirected=True,
          code="JAR_REQUEST_URI_UNADVERTISED_SUPPORT")
    with pytest.raises(ValueError):
        p.check_request_uri_by_reference({}, {}, redirected=False)


def test_request_parameter_advertised(fails: Callable[..., Finding]) -> None:
    p.check_request_parameter_advertised({"request_parameter_supported": True}, works=True)
    p.check_request_parameter_advertised({}, works=False)
    fails(p.check_request_parameter_advertised, {"request_parameter_supported": True}, works=False,
          code="JAR_REQUEST_PARAMETER_ADVERTISED_NOT_WORKING", level=Level.MAY)
    fails(p.check_request_parameter_advertised, {}, works=True, code="JAR_REQUEST_PARAMETER_NOT_ADVERTISED",
          level=Level.MAY)


def test_signing_alg_advertised(fails: Callable[..., Finding]) -> None:
    p.check_signing_alg_advertised({"request_object_signing_alg_values_supported": ["PS256"]}, "PS256")
    fails(p.check_signing_alg_advertised, {"request_object_signing_alg_values_supported": ["RS256"]}, "PS256",
          code="JAR_SIGNING_ALG_NOT_ADVERTISED", level=Level.MAY)
    fails(p.check_signing_alg_advertised, {}, "PS256", code="JAR_SIGNING_ALG_NOT_ADVERTISED")
