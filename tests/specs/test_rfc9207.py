from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.results import Finding
from harness.specs import rfc9207 as i

ISSUER = "https://as.example/realms/test"


def test_iss_present_and_equal_passes() -> None:
    i.check_iss_parameter({"code": "c", "iss": ISSUER}, ISSUER, advertised=True)
    i.check_iss_parameter({"error": "access_denied", "iss": ISSUER}, ISSUER, advertised=True)


def test_iss_absent_and_not_advertised_passes() -> None:
    i.check_iss_parameter({"code": "c"}, ISSUER, advertised=False)


def test_iss_missing_when_advertised(fails: Callable[..., Finding]) -> None:
    fails(i.check_iss_parameter, {"error": "access_denied"}, ISSUER, advertised=True, code="ISS_MISSING",
          req="RFC9207-2")


@pytest.mark.parametrize("iss", [ISSUER + "/", ISSUER.upper(), "https://other.example"])
def test_iss_mismatch(fails: Callable[..., Finding], iss: Any) -> None:
    fails(i.check_iss_parameter, {"iss": iss}, ISSUER, advertised=True, code="ISS_MISMATCH",
          req="RFC9207-2.3-identical")


@pytest.mark.parametrize("iss", ["http://as.example", "https://as.example?x=1", "https://as.example#f"])
def test_iss_syntax(fails: Callable[..., Finding], iss: str) -> None:
    fails(i.check_iss_parameter, {"iss": iss}, iss, advertised=True, code="ISS_SYNTAX")


def test_iss_sent_but_not_advertised(fails: Callable[..., Finding]) -> None:
    fails(i.check_iss_parameter, {"iss": ISSUER}, ISSUER, advertised=False, code="ISS_NOT_ADVERTISED",
          req="RFC9207-2.3")
    i.check_iss_parameter({"iss": ISSUER}, ISSUER, advertised=False, metadata_published=False)


def test_support_advertised_consistency(fails: Callable[..., Finding]) -> None:
    i.check_iss_support_advertised({"authorization_response_iss_parameter_supported": True}, True)
    i.check_iss_support_advertised({}, False)
    fails(i.check_iss_support_advertised, {}, True, code="ISS_NOT_ADVERTISED", req="RFC9207-2.3")
    fails(i.check_iss_support_advertised, {"authorization_response_iss_parameter_supported": "true"}, True,
          code="ISS_NOT_ADVERTISED")
    fails(i.check_iss_support_advertised, {"authorization_response_iss_parameter_supported": True}, False,
          code="ISS_MISSING", req="RFC9207-2")
