"""Scope/claims-parameter judging (harness/specs/oidc_claims.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.results import CheckFailed, Finding, Level
from harness.specs import oidc_claims as p

ALICE = {"email": "a@example.test", "email_verified": True, "name": "Alice", "address": {"country": "DE"},
         "phone_number": "+49"}


def test_claims_for_scopes() -> None:
    assert p.claims_for_scopes(ALICE, ["openid", "email"]) == {"email": "a@example.test", "email_verified": True}
    assert p.claims_for_scopes(ALICE, ["profile"]) == {"name": "Alice"}
    assert p.claims_for_scopes(ALICE, ["openid"]) == {}


def test_released(fails: Callable[..., Finding]) -> None:
    p.check_claims_released({"sub": "1", **ALICE}, ALICE, where="UserInfo", asked_by="scope")
    # an object claim matches on the documented members (a formatted member may be added)
    p.check_claims_released({"address": {"country": "DE", "formatted": "x"}}, {"address": {"country": "DE"}},
                            where="UserInfo", asked_by="scope")
    fails(p.check_claims_released, {"sub": "1"}, {"email": "a"}, where="UserInfo", asked_by="scope",
          code="CLAIMS_NOT_RELEASED", req="DOC-users.claims", level=Level.SHOULD)
    fails(p.check_claims_released, {"email": "b"}, {"email": "a"}, where="UserInfo", asked_by="scope",
          code="CLAIM_VALUE_DIFFERS", level=Level.MUST)


def test_no_unrequested(fails: Callable[..., Finding]) -> None:
    p.check_no_unrequested_claims({"sub": "1", "email": "a@example.test"}, ALICE, {"email"}, where="UserInfo")
    p.check_no_unrequested_claims({"sub": "1", "custom": 1}, ALICE, set(), where="UserInfo")  # undocumented: not judged
    fails(p.check_no_unrequested_claims, {"sub": "1", "name": "Alice"}, ALICE, {"email"}, where="UserInfo",
          code="CLAIMS_NOT_REQUESTED", req="OIDCC-5.4", level=Level.SHOULD)


def test_sub_value(fails: Callable[..., Finding]) -> None:
    p.check_sub_value_honoured(requested_sub="u1", issued_sub=None)
    p.check_sub_value_honoured(requested_sub="u1", issued_sub="u1")
    fails(p.check_sub_value_honoured, requested_sub="u1", issued_sub="u2", code="SUB_VALUE_IGNORED",
          req="OIDCC-5.5.1-sub_value", level=Level.MUST)


def test_essential_acr_as_requested_passes() -> None:
    assert "as requested" in p.check_essential_acr_outcome("urn:acr:2", code_returned=True,
                                                                      acr="urn:acr:2", params={"code": "c"})


@pytest.mark.parametrize("params", [{"error": "access_denied"}, {"error": "unmet_authentication_requirements"}, {}])
def test_essential_acr_failed_authentication_passes(params: dict[str, str]) -> None:
    assert "failed authentication" in p.check_essential_acr_outcome("urn:acr:2", code_returned=False,
                                                                               acr=None, params=params)


@pytest.mark.parametrize(("acr", "code", "requirement"), [
    ("urn:acr:1", "ID_TOKEN_ACR_NOT_REQUESTED", "OIDCC-5.5.1.1-failed_authentication"),
    (None, "ID_TOKEN_ACR_MISSING", "OIDCC-5.5.1.1-essential"),
])
def test_essential_acr_code_with_other_acr_fails(acr: str | None, code: str, requirement: str) -> None:
    with pytest.raises(CheckFailed) as err:
        p.check_essential_acr_outcome("urn:acr:2", code_returned=True, acr=acr, params={"code": "c"})
    assert (err.value.findings[0].code, err.value.findings[0].requirement) == (code, requirement)
