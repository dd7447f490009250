from __future__ import annotations

from collections.abc import Callable

from harness.results import Finding, Level
from harness.specs import rfc7662 as p

JSON = {"Content-Type": "application/json; charset=utf-8"}
ACTIVE = {"active": True, "client_id": "c1", "scope": "openid profile", "exp": 2_000_000_000, "iat": 1_700_000_000,
          "iss": "https://op.example", "sub": "u1", "token_type": "Bearer", "aud": ["a", "b"]}


def test_json_format(fails: Callable[..., Finding]) -> None:
    assert p.check_introspection_json(200, JSON, {"active": False}) == {"active": False}
    assert p.check_introspection_json(200, JSON, b'{"active": true}') == {"active": True}
    fails(p.check_introspection_json, 400, JSON, {"error": "x"}, code="INTROSPECTION_STATUS", req="RFC7662-2.2-json")
    fails(p.check_introspection_json, 200, {"Content-Type": "text/plain"}, {"active": False},
          code="INTROSPECTION_CONTENT_TYPE")
    fails(p.check_introspection_json, 200, JSON, b"nope", code="INTROSPECTION_NOT_JSON_OBJECT")
    fails(p.check_introspection_json, 200, JSON, {"active": "true"}, code="INTROSPECTION_ACTIVE_MISSING")


def test_active_response(fails: Callable[..., Finding]) -> None:
    p.check_active_response(ACTIVE, client_id="c1", issuer="https://op.example", granted_scope="openid profile email",
                            now=1_800_000_000)
    fails(p.check_active_response, {"active": False}, code="INTROSPECTION_NOT_ACTIVE")
    fails(p.check_active_response, {**ACTIVE, "exp": "2030"}, code="INTROSPECTION_MEMBER_TYPE")
    fails(p.check_active_response, {**ACTIVE, "scope": ["openid"]}, code="INTROSPECTION_MEMBER_TYPE")
    fails(p.check_active_response, {**ACTIVE, "aud": [1]}, code="INTROSPECTION_MEMBER_TYPE")
    fails(p.check_active_response, ACTIVE, client_id="c2", code="INTROSPECTION_CLIENT_ID_MISMATCH")
    fails(p.check_active_response, ACTIVE, issuer="https://x", code="INTROSPECTION_ISS_MISMATCH")
    fails(p.check_active_response, ACTIVE, granted_scope="openid", code="INTROSPECTION_SCOPE_MISMATCH")
    fails(p.check_active_response, ACTIVE, now=2_100_000_000, code="INTROSPECTION_ACTIVE_BUT_EXPIRED")


def test_inactive_response(fails: Callable[..., Finding]) -> None:
    p.check_inactive_response(200, JSON, {"active": False}, why="unknown")
    fails(p.check_inactive_response, 200, JSON, {"active": True}, why="revoked",
          code="INTROSPECTION_INACTIVE_REPORTED_ACTIVE", req="RFC7662-2.2-inactive")
    fails(p.check_inactive_response, 400, JSON, {"error": "invalid_token"}, why="unknown",
          code="INTROSPECTION_INACTIVE_NOT_200")
    fails(p.check_inactive_response, 200, JSON, {"active": False, "error_description": "gone"}, why="unknown",
          code="INTROSPECTION_INACTIVE_EXTRA_MEMBERS", level=Level.SHOULD)


def test_unauthenticated(fails: Callable[..., Finding]) -> None:
    p.check_unauthenticated_refused(401, JSON, {"error": "invalid_client"})
    p.check_unauthenticated_refused(401, {"WWW-Authenticate": 'Bearer realm="introspection"'}, b"")
    # any answer means the endpoint did not require authorization (RFC 7662 §2.1), even active=false
    for body in ({"active": True}, {"active": False}, b""):
        fails(p.check_unauthenticated_refused, 200, JSON, body, code="INTROSPECTION_UNAUTHENTICATED_ANSWERED",
              req="RFC7662-2.1", level=Level.MUST)
    # §2.3: HTTP 401
    fails(p.check_unauthenticated_refused, 400, JSON, {"error": "invalid_client"},
          code="INTROSPECTION_UNAUTHENTICATED_STATUS", req="RFC7662-2.3")
    fails(p.check_unauthenticated_refused, 500, JSON, {"error": "server_error"},
          code="INTROSPECTION_UNAUTHENTICATED_STATUS")
    # RFC 6749 §5.2: "no client authentication included" is invalid_client
    fails(p.check_unauthenticated_refused, 401, JSON, {"error": "invalid_request"}, code="TOKEN_ERROR_WRONG_CODE",
          req="RFC6749-5.2-invalid_client")
    fails(p.check_unauthenticated_refused, 401, {}, b"", code="INTROSPECTION_UNAUTHENTICATED_NO_ERROR")


def test_invalid_credentials(fails: Callable[..., Finding]) -> None:
    basic = {**JSON, "WWW-Authenticate": 'Basic realm="x"'}
    p.check_invalid_credentials_refused(401, basic, {"error": "invalid_client"}, basic_auth_used=True)
    p.check_invalid_credentials_refused(401, JSON, {"error": "invalid_client"}, basic_auth_used=False)
    fails(p.check_invalid_credentials_refused, 200, JSON, {"active": True}, basic_auth_used=True,
          code="INTROSPECTION_BAD_CREDENTIALS_ANSWERED", req="RFC7662-2.3")
    fails(p.check_invalid_credentials_refused, 400, JSON, {"error": "invalid_client"}, basic_auth_used=False,
          code="INTROSPECTION_BAD_CREDENTIALS_STATUS")
    fails(p.check_invalid_credentials_refused, 401, JSON, {"error": "invalid_client"}, basic_auth_used=True,
          code="TOKEN_ERROR_WWW_AUTHENTICATE")
