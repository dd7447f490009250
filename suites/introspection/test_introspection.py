"""Token introspection (RFC 7662) and JWT introspection responses (RFC 9701).

Tokens are the access tokens of the code flow (without a resource indicator), in whatever format
the server issues them: a JWT access token is introspected like an opaque one (RFC 7662 §2.1: the
``token`` parameter is "The string value of the token"; the checks do not depend on its format).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from harness import evidence, jose
from harness.flows.introspection import IntrospectionResult, introspect, introspection_caller
from harness.flows.revocation import revoke
from harness.flows.token import TokenSet, obtain_tokens, secret_auth, token_request
from harness.profile import AuthMethod, Client
from harness.results import fail
from harness.specs import rfc7009, rfc7662, rfc9701
from harness.target import Target

requirement = pytest.mark.requirement


def _owner(target: Target, exclude: tuple[str, ...] = ()) -> Client:
    return target.pick_client(purpose="tokens to introspect", confidential=True, exclude=exclude)


def _opaque_tokens(target: Target, user_agent: Any, client: Client | None = None) -> TokenSet:
    """Tokens of the code flow without a resource indicator, whatever their format (JWT or opaque).

    A server issuing JWT access tokens is introspected like any other: nothing in RFC 7662 §2
    depends on the token's format, so no check is skipped for it.
    """
    tokens = obtain_tokens(target, user_agent, client or _owner(target))
    evidence.note(f"access token format: {'JWT' if tokens.access_token.count('.') == 2 else 'opaque'}")
    return tokens


def _judge_json(result: IntrospectionResult) -> dict[str, Any]:
    return rfc7662.check_introspection_json(result.status, result.response.headers, result.judged_body)


def _issuer(target: Target) -> str:
    return str(target.metadata.get("issuer") or target.profile.issuer)


@pytest.fixture
def caller(target: Target) -> Client:
    target.endpoint("introspection_endpoint")  # skipped when not advertised
    return introspection_caller(target)


@requirement("RFC7662-2.2", "RFC7662-2.2-members", "RFC7662-2.2-json")
def test_active_token_metadata(target: Target, user_agent: Any, caller: Client) -> None:
    """A valid access token is ``active: true`` with well-typed metadata that describes it."""
    tokens = _opaque_tokens(target, user_agent)
    result = introspect(target, caller, tokens.access_token, label="introspect a valid access token")
    data = _judge_json(result)
    rfc7662.check_active_response(data, client_id=tokens.client.id, issuer=_issuer(target),
                                  granted_scope=tokens.granted_scope or tokens.requested_scope, now=time.time())


@requirement("RFC7662-2.2-inactive", "RFC7009-2.1-invalidate", "RFC7009-2-access_tokens")
def test_revoked_token_inactive(target: Target, user_agent: Any, caller: Client) -> None:
    """A revoked access token is reported as ``{"active": false}`` and nothing else."""
    target.endpoint("revocation_endpoint")
    tokens = _opaque_tokens(target, user_agent)
    revoked = revoke(target, tokens.client, tokens.access_token, label="revoke the access token")
    rfc7009.check_access_token_revocation_answer(revoked.status, revoked.response.headers, revoked.judged_body,
                                                 basic_auth_used=revoked.used_basic)
    result = introspect(target, caller, tokens.access_token, label="introspect the revoked access token")
    rfc7662.check_inactive_response(result.status, result.response.headers, result.judged_body, why="revoked")


@requirement("RFC7662-2.2-inactive")
@pytest.mark.slow_wait(lifetime=True)
def test_expired_token_inactive(target: Target, caller: Client, user_agent: Any) -> None:
    """An expired access token (documented short-lived resource, JWT or opaque) is reported as ``{"active": false}``."""
    cap = target.profile.limits.max_expiry_wait_s
    resource = next((r for r in target.profile.documented.resources if r.access_token_lifetime_s
                     and r.audience and r.access_token_lifetime_s + 2 <= cap), None)
    if resource is None or resource.audience is None or resource.access_token_lifetime_s is None:
        longest = [r.access_token_lifetime_s + 2 for r in target.profile.documented.resources
                   if r.access_token_lifetime_s and r.audience]
        hint = f": raise limits.max_expiry_wait_s to at least {min(longest)}" if longest else ""
        pytest.skip(f"the profile documents no resource whose access_token_lifetime_s + 2 fits "
                    f"limits.max_expiry_wait_s={cap}{hint}")
    params = {"grant_type": "client_credentials", "resource": resource.audience}
    if resource.scope:
        params["scope"] = resource.scope
    if "client_credentials" in caller.grant_types:
        issued = token_request(target, caller, params, label="short-lived token (client credentials)")
        if not issued.ok:
            raise fail("PRECONDITION_TOKEN_REQUEST_FAILED", "the documented short-lived resource gave no token",
                       "RFC6749-4.4.3", expected="HTTP 200", actual=f"HTTP {issued.status} error={issued.error}")
        token = str((issued.body or {})["access_token"])
    else:
        scope = " ".join([_owner(target).scope, resource.scope or ""]).strip()
        token = obtain_tokens(target, user_agent, _owner(target), scope=scope, resource=resource.audience).access_token
    lifetime = resource.access_token_lifetime_s
    evidence.mandated_wait(lifetime + 2, f"documented access-token lifetime {lifetime}s for {resource.audience} "
                           "plus 2s")
    result = introspect(target, caller, token, label="introspect the expired access token")
    rfc7662.check_inactive_response(result.status, result.response.headers, result.judged_body, why="expired")


@requirement("RFC7662-2.2-inactive")
def test_unknown_token_inactive(target: Target, caller: Client) -> None:
    """A token the server never issued is reported as ``{"active": false}`` and nothing else."""
    result = introspect(target, caller, "harness-unknown-" + "q" * 32, label="introspect an unknown token")
    rfc7662.check_inactive_response(result.status, result.response.headers, result.judged_body, why="unknown")


@requirement("DOC-introspection.foreign_tokens_inactive", "RFC7662-2.2-inactive")
def test_foreign_token_inactive(target: Target, user_agent: Any, caller: Client) -> None:
    """A client not entitled to introspect another client's token is told ``{"active": false}``."""
    if target.profile.documented.introspection.foreign_tokens_inactive is not True:
        pytest.skip("the profile does not document that foreign tokens are inactive for other clients "
                    "(documented.introspection.foreign_tokens_inactive)")
    owner = _owner(target, exclude=(caller.id,))
    other = _owner(target, exclude=(caller.id, owner.id))
    tokens = _opaque_tokens(target, user_agent, owner)
    result = introspect(target, other, tokens.access_token, label=f"{other.id} introspects {owner.id}'s token")
    rfc7662.check_inactive_response(result.status, result.response.headers, result.judged_body,
                                    why="foreign (not introspectable by this caller)")


@requirement("RFC7662-2.1", "RFC7662-2.3", "RFC6749-5.2-invalid_client")
def test_unauthenticated_refused(target: Target, user_agent: Any, caller: Client) -> None:
    """A call without any authorization is refused with HTTP 401 (invalid_client or a challenge), not answered."""
    tokens = _opaque_tokens(target, user_agent)
    result = introspect(target, caller, tokens.access_token, authenticate=False,
                        label="introspect without authentication")
    rfc7662.check_unauthenticated_refused(result.status, result.response.headers, result.judged_body)


@requirement("RFC7662-2.3", "RFC6749-5.2-invalid_client")
def test_invalid_credentials_refused(target: Target, user_agent: Any, caller: Client) -> None:
    """A caller with a wrong secret gets HTTP 401 ``invalid_client``."""
    if caller.secret is None:
        pytest.skip(f"the introspection client {caller.id} has no secret to get wrong")
    method = AuthMethod.CLIENT_SECRET_POST if caller.auth_method is AuthMethod.CLIENT_SECRET_POST else \
        AuthMethod.CLIENT_SECRET_BASIC
    tokens = _opaque_tokens(target, user_agent)
    result = introspect(target, caller, tokens.access_token, auth=secret_auth(caller, "wrong-" + "z" * 30, method),
                        label="introspect with a wrong secret")
    rfc7662.check_invalid_credentials_refused(result.status, result.response.headers, result.judged_body,
                                              basic_auth_used=result.used_basic)


@requirement("RFC7662-2.1-hint")
def test_wrong_hint_still_found(target: Target, user_agent: Any, caller: Client) -> None:
    """An access token sent with ``token_type_hint=refresh_token`` is still found (active).

    RFC 7662 §2.1: "If the server is unable to locate the token using the given hint, it
    MUST extend its search across all of its supported token types."
    """
    tokens = _opaque_tokens(target, user_agent)
    result = introspect(target, caller, tokens.access_token, hint="refresh_token",
                        label="introspect an access token with hint refresh_token")
    data = _judge_json(result)
    if data.get("active") is not True:
        raise fail("INTROSPECTION_HINT_NOT_EXTENDED", "the access token was not found under a wrong hint",
                   "RFC7662-2.1-hint", expected=True, actual=data.get("active"))


# --------------------------------------------------------------------------- RFC 9701


def _jwt_documented(target: Target) -> None:
    if not target.profile.documented.introspection.jwt_response:
        pytest.skip("the profile does not document JWT introspection responses (documented.introspection."
                    "jwt_response)")


def _jwt_result(target: Target, caller: Client, token: str, label: str) -> tuple[IntrospectionResult, str]:
    result = introspect(target, caller, token, accept_jwt=True, label=label)
    rfc9701.check_jwt_response_media_type(result.status, result.response.headers, documented=True)
    return result, result.response.text.strip()


@requirement("RFC9701-4", "RFC9701-5", "DOC-introspection.jwt_response")
def test_jwt_response_media_type(target: Target, user_agent: Any, caller: Client) -> None:
    """``Accept: application/token-introspection+jwt`` gets an ``application/token-introspection+jwt`` answer."""
    _jwt_documented(target)
    tokens = _opaque_tokens(target, user_agent)
    _jwt_result(target, caller, tokens.access_token, "introspect asking for a JWT")


@requirement("RFC9701-5-signed", "DOC-introspection.jwt_signing_alg")
def test_jwt_response_signature(target: Target, user_agent: Any, caller: Client) -> None:
    """The JWT response is signed with the documented algorithm by a key of ``jwks_uri``."""
    _jwt_documented(target)
    tokens = _opaque_tokens(target, user_agent)
    _, jwt = _jwt_result(target, caller, tokens.access_token, "introspect asking for a JWT")
    decoded = rfc9701.check_jwt_response_signature(jwt, jose.parse_jwks(target.jwks),
                                                   expected_alg=target.profile.documented.introspection.jwt_signing_alg)
    evidence.record_token("introspection response", decoded.header, decoded.claims)


def _decoded(jwt: str) -> jose.DecodedJWT:
    try:
        decoded = jose.decode_unverified(jwt)
    except jose.JoseError as exc:
        raise fail("INTROSPECTION_JWT_MALFORMED", f"the response is not a JWT ({exc})", "RFC9701-5",
                   expected="a JWS", actual=exc.code) from exc
    evidence.record_token("introspection response", decoded.header, decoded.claims)
    return decoded


@requirement("RFC9701-5-claims")
def test_jwt_response_claims(target: Target, user_agent: Any, caller: Client) -> None:
    """The JWT carries ``typ``, ``iss``, ``aud`` (the caller), ``iat`` and an active ``token_introspection``."""
    _jwt_documented(target)
    tokens = _opaque_tokens(target, user_agent)
    _, jwt = _jwt_result(target, caller, tokens.access_token, "introspect asking for a JWT")
    decoded = _decoded(jwt)
    inner = rfc9701.check_jwt_response_claims(decoded.header, decoded.claims, issuer=_issuer(target),
                                              caller=caller.id, expect_active=True)
    rfc7662.check_active_response(inner, client_id=tokens.client.id, issuer=_issuer(target))


@requirement("RFC9701-5", "RFC7662-2.2-inactive")
def test_jwt_response_inactive(target: Target, caller: Client) -> None:
    """For an unknown token the JWT's ``token_introspection`` is ``{"active": false}``."""
    _jwt_documented(target)
    _, jwt = _jwt_result(target, caller, "harness-unknown-" + "w" * 32, "introspect an unknown token as JWT")
    decoded = _decoded(jwt)
    inner = rfc9701.check_jwt_response_claims(decoded.header, decoded.claims, issuer=_issuer(target),
                                              caller=caller.id, expect_active=False)
    extra = sorted(set(inner) - {"active"})
    if extra:
        evidence.note(f"token_introspection for an unknown token also carries {extra}")
