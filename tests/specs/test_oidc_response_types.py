"""Response type / mode judging (harness/specs/oidc_response_types.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.results import CheckFailed, Finding
from harness.specs import oidc_response_types as p

CB = "https://rp.example.test/cb"


def test_expected_members() -> None:
    assert p.expected_members("code") == {"code"}
    assert p.expected_members("id_token token") == {"id_token", "access_token", "token_type"}
    assert p.expected_members("token code id_token") == {"code", "id_token", "access_token", "token_type"}


def test_default_response_mode(fails: Callable[..., Finding]) -> None:
    p.check_default_response_mode("code", query={"code": "c", "state": "s"}, fragment={}, via="redirect")
    fails(p.check_default_response_mode, "code", query={}, fragment={"code": "c"}, via="redirect",
          code="RESPONSE_MODE_NOT_QUERY", req="OAUTHMR-2.1")
    p.check_default_response_mode("code id_token", query={}, fragment={"code": "c", "id_token": "t"}, via="redirect")
    fails(p.check_default_response_mode, "code id_token", query={"code": "c", "id_token": "t"}, fragment={},
          via="redirect", code="RESPONSE_MODE_NOT_FRAGMENT", req="OAUTHMR-5-fragment")
    # the query may carry parameters of the registered redirect URI, never the response members
    p.check_default_response_mode("id_token", query={"tenant": "a"}, fragment={"id_token": "t"}, via="redirect")
    fails(p.check_default_response_mode, "id_token", query={}, fragment={"id_token": "t"}, via="form_post",
          code="RESPONSE_MODE_NOT_FRAGMENT")


def test_nonce_required(fails: Callable[..., Finding]) -> None:
    p.check_nonce_required("id_token", params={"error": "invalid_request"}, redirected=True)
    p.check_nonce_required("id_token", params={}, redirected=False)
    fails(p.check_nonce_required, "code id_token", params={"code": "c", "id_token": "t"}, redirected=True,
          code="NONCE_NOT_REQUIRED", req="OIDCC-3.1.2.2")


def test_no_refresh_token(fails: Callable[..., Finding]) -> None:
    p.check_no_front_channel_refresh_token("id_token token", {"access_token": "a"})
    fails(p.check_no_front_channel_refresh_token, "id_token token", {"access_token": "a", "refresh_token": "r"},
          code="FRONT_CHANNEL_REFRESH_TOKEN", req="RFC6749-4.2.2-no_refresh_token")


def test_form_post(fails: Callable[..., Finding]) -> None:
    p.check_form_post("code", via="form_post", form={"code": "c", "state": "s"}, action=CB, redirect_uri=CB)
    fails(p.check_form_post, "code", via="redirect", form={}, action=CB + "?code=c", redirect_uri=CB,
          code="FORM_POST_NOT_USED", req="OAUTHFP-2")
    fails(p.check_form_post, "code", via="form_post", form={"code": "c"}, action="https://evil.example/cb",
          redirect_uri=CB, code="FORM_POST_NOT_USED")
    fails(p.check_form_post, "code id_token", via="form_post", form={"code": "c"}, action=CB, redirect_uri=CB,
          code="FORM_POST_MEMBERS_MISSING")


def test_unsigned_id_token(fails: Callable[..., Finding]) -> None:
    p.check_unsigned_id_token({"alg": "none"}, "")
    fails(p.check_unsigned_id_token, {"alg": "RS256"}, "sig", code="ID_TOKEN_NOT_UNSIGNED",
          req="OIDCR-2-id_token_signed_response_alg")
    fails(p.check_unsigned_id_token, {"alg": "none"}, "sig", code="ID_TOKEN_NOT_UNSIGNED")


def test_token_response_in_fragment_passes() -> None:
    p.check_token_response(via="redirect", query={}, fragment={"access_token": "at", "token_type": "Bearer",
                                                               "state": "s"})


@pytest.mark.parametrize(("via", "query", "fragment", "code"), [
    ("redirect", {"access_token": "at", "token_type": "Bearer"}, {}, "TOKEN_RESPONSE_NOT_FRAGMENT"),
    ("form_post", {}, {}, "TOKEN_RESPONSE_NOT_FRAGMENT"),
    ("redirect", {}, {"access_token": "at"}, "TOKEN_RESPONSE_MEMBER_MISSING"),
    ("redirect", {}, {"token_type": "Bearer", "access_token": ""}, "TOKEN_RESPONSE_MEMBER_MISSING"),
])
def test_token_response_outside_fragment_or_incomplete_fails(via: str, query: dict[str, str],
                                                             fragment: dict[str, str], code: str) -> None:
    with pytest.raises(CheckFailed) as err:
        p.check_token_response(via=via, query=query, fragment=fragment)
    assert (err.value.findings[0].code, err.value.findings[0].requirement) == (code, "RFC6749-4.2.2")
