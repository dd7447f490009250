"""harness.specs.documented: documented lifetimes and CIBA user-code support, good and bad inputs."""

from __future__ import annotations

from typing import Any

from harness.specs import documented as d

ID_TOKEN = {"requirement": "DOC-id_token_lifetime_s", "what": "ID Token", "code_prefix": "ID_TOKEN"}
REFRESH = {"requirement": "DOC-refresh.lifetime_s", "what": "refresh token", "code_prefix": "REFRESH"}


def test_documented_lifetime(fails: Any) -> None:
    assert d.check_documented_lifetime({"iat": 100, "exp": 400}, 300, **ID_TOKEN) == 300
    assert d.check_documented_lifetime({"iat": 100, "exp": 401}, 300, **ID_TOKEN) == 301  # whole-second rounding
    fails(d.check_documented_lifetime, {"iat": 100, "exp": 700}, 300, **ID_TOKEN, code="ID_TOKEN_LIFETIME_MISMATCH",
          req="DOC-id_token_lifetime_s")
    fails(d.check_documented_lifetime, {"iat": 0, "exp": 7200}, 3600, **REFRESH, code="REFRESH_LIFETIME_MISMATCH")
    fails(d.check_documented_lifetime, {"exp": 3600}, 3600, **REFRESH, code="REFRESH_LIFETIME_UNKNOWN")
    fails(d.check_documented_lifetime, {"iat": True, "exp": 3600}, 3600, **REFRESH, code="REFRESH_LIFETIME_UNKNOWN")


def test_user_code_support(codes: Any) -> None:
    d.check_user_code_support(True, 200, {"auth_req_id": "x"})
    assert codes(d.check_user_code_support, None, 200, {"auth_req_id": "x"}) == ["CIBA_USER_CODE_UNADVERTISED"]
    assert codes(d.check_user_code_support, False, 400, {"error": "invalid_request"}) == [
        "CIBA_USER_CODE_UNADVERTISED", "CIBA_USER_CODE_REFUSED"]


def test_confirmation_bypassed(fails: Any) -> None:
    d.check_confirmation_bypassed(True, False)
    d.check_confirmation_bypassed(False, True)
    fails(d.check_confirmation_bypassed, True, True, code="DEVICE_CONFIRMATION_DESPITE_BYPASS",
          req="DOC-device_bypass_activation_code_confirmation")


def test_response_type_restricted(fails: Any) -> None:
    d.check_response_type_restricted("code id_token", ["code"], {"error": "invalid_request", "state": "s"})
    fails(d.check_response_type_restricted, "code id_token", ["code"], {"code": "c", "id_token": "t"},
          code="RESPONSE_TYPE_NOT_RESTRICTED", req="DOC-restrict_response_types")


def test_scope_restricted(fails: Any) -> None:
    d.check_scope_restricted("email", ["openid"], True, {"error": "invalid_scope"})
    fails(d.check_scope_restricted, "email", ["openid"], True, {"code": "c"}, code="SCOPE_NOT_RESTRICTED",
          req="DOC-restrict_scopes")
    fails(d.check_scope_restricted, "email", ["openid"], True, {"error": "invalid_request"},
          code="SCOPE_NOT_RESTRICTED")
    fails(d.check_scope_restricted, "email", ["openid"], False, {}, code="SCOPE_NOT_RESTRICTED")
