"""Token revocation (RFC 7009): revoked tokens stop working; bad requests revoke nothing.

Whether an access token still works is observed at UserInfo (RFC 6750 bearer use), whether a
refresh token does by redeeming it. Tokens are the opaque ones of the code flow.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import evidence
from harness.flows.revocation import RevocationResult, bearer_status, revoke
from harness.flows.token import TokenSet, check_refused, obtain_refresh_token, obtain_tokens, refresh, refresh_client
from harness.profile import Client
from harness.results import Findings, Level, fail
from harness.specs import rfc7009
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement


@pytest.fixture(autouse=True)
def _revocation_endpoint(target: Target) -> None:
    target.endpoint("revocation_endpoint")  # skipped when not advertised


def _client(target: Target, exclude: tuple[str, ...] = ()) -> Client:
    return target.pick_client(purpose="revocation checks", confidential=True, exclude=exclude)


def _usable(target: Target, token: str, label: str) -> bool:
    return bearer_status(target, token, label=label) == 200


def _live_tokens(target: Target, user_agent: Any, client: Client | None = None, *, offline: bool = False) -> TokenSet:
    """Tokens whose access token works at UserInfo (the observation point) before anything is revoked.

    Decided before asking: UserInfo must be advertised and the client's scope must include
    ``openid`` (UserInfo serves OpenID Connect access tokens). A fresh access token that UserInfo
    then refuses breaks OIDC Core §5.3.2 (a precondition failure, not a skip).
    """
    chosen = client or _client(target)
    target.endpoint("userinfo_endpoint")
    if "openid" not in chosen.scope.split():
        raise NotApplicable(f"client {chosen.id}'s scope has no openid, so UserInfo cannot observe its tokens")
    if offline:
        tokens = obtain_refresh_token(target, user_agent, chosen)
    else:
        tokens = obtain_tokens(target, user_agent, chosen)
    status = bearer_status(target, tokens.access_token, label="userinfo before revocation")
    if status != 200:
        raise fail("PRECONDITION_USERINFO_REFUSED", "UserInfo refused a freshly issued access token",
                   "OIDCC-5.3.2-response", expected=200, actual=status)
    return tokens


def _succeeded(result: RevocationResult, why: str = "a valid token") -> None:
    rfc7009.check_revocation_succeeded(result.status, why=why)


@requirement("RFC7009-2.1-invalidate", "RFC7009-2.2", "RFC7009-2-access_tokens")
def test_revoked_access_token_refused(target: Target, user_agent: Any) -> None:
    """A revoked access token is refused at the resource (UserInfo)."""
    tokens = _live_tokens(target, user_agent)
    result = revoke(target, tokens.client, tokens.access_token, hint="access_token", label="revoke access token")
    rfc7009.check_access_token_revocation_answer(result.status, result.response.headers, result.judged_body,
                                                 basic_auth_used=result.used_basic)
    rfc7009.check_revoked(_usable(target, tokens.access_token, "userinfo after revocation"), what="the access token")


@requirement("RFC7009-2.1-invalidate", "RFC7009-2.2")
def test_revoked_refresh_token_refused(target: Target, user_agent: Any) -> None:
    """A revoked refresh token can no longer be redeemed (``invalid_grant``)."""
    client = refresh_client(target)
    tokens = _live_tokens(target, user_agent, client, offline=True)
    assert tokens.refresh_token is not None
    _succeeded(revoke(target, client, tokens.refresh_token, hint="refresh_token", label="revoke refresh token"))
    result = refresh(target, client, tokens.refresh_token, label="refresh with the revoked token")
    check_refused(result, "invalid_grant", requirement="RFC7009-2.1-invalidate")


@requirement("RFC7009-2.1-access_tokens", "DOC-revocation.refresh_revokes_access_tokens")
def test_refresh_revocation_revokes_access_tokens(target: Target, user_agent: Any) -> None:
    """Revoking a refresh token also invalidates the access tokens of its grant (SHOULD; MUST where documented).

    RFC 7009 §2.1: "If the token passed to the request is a refresh token and the
    authorization server supports the revocation of access tokens, then the authorization
    server SHOULD also invalidate all access tokens based on the same authorization grant".
    """
    documented = target.profile.documented.revocation.refresh_revokes_access_tokens
    if documented is False:
        pytest.skip("the profile documents that access tokens survive refresh-token revocation")
    client = refresh_client(target)
    tokens = _live_tokens(target, user_agent, client, offline=True)
    assert tokens.refresh_token is not None
    _succeeded(revoke(target, client, tokens.refresh_token, hint="refresh_token", label="revoke refresh token"))
    rfc7009.check_revoked(_usable(target, tokens.access_token, "userinfo with the grant's access token"),
                          what="the access token of the revoked refresh token's grant",
                          requirement="DOC-revocation.refresh_revokes_access_tokens" if documented
                          else "RFC7009-2.1-access_tokens",
                          level=Level.MUST if documented else Level.SHOULD)


@requirement("RFC7009-2.2")
def test_unknown_token_answered_200(target: Target) -> None:
    """Revoking a token the server never issued gives HTTP 200 (invalid tokens cause no error)."""
    client = _client(target)
    result = revoke(target, client, "harness-unknown-" + "r" * 32, label="revoke an unknown token")
    _succeeded(result, why="an unknown token")


@requirement("RFC7009-2.1")
def test_other_clients_token_not_revoked(target: Target, user_agent: Any) -> None:
    """Another client cannot revoke the token; the request should be refused with an error."""
    owner = _client(target)
    other = _client(target, exclude=(owner.id,))
    tokens = _live_tokens(target, user_agent, owner)
    result = revoke(target, other, tokens.access_token, label=f"{other.id} revokes {owner.id}'s token")
    rfc7009.check_not_revoked(_usable(target, tokens.access_token, "userinfo after the foreign revocation"),
                              what="the access token")
    rfc7009.check_revocation_refused(result.status, result.response.headers, result.judged_body,
                                     basic_auth_used=result.used_basic, level=Level.SHOULD)


@requirement("RFC7009-2.1", "RFC6749-5.2-invalid_client")
def test_unauthenticated_refused(target: Target, user_agent: Any) -> None:
    """A confidential client sending only ``client_id`` is refused with ``invalid_client``; the token keeps working."""
    tokens = _live_tokens(target, user_agent)
    result = revoke(target, tokens.client, tokens.access_token, authenticate=False,
                    label="revoke with client_id only")
    findings = Findings()
    findings.check(rfc7009.check_not_revoked,
                   _usable(target, tokens.access_token, "userinfo after the unauthenticated revocation"),
                   what="the access token")
    findings.check(rfc7009.check_unauthenticated_revocation_refused, result.status, result.response.headers,
                   result.judged_body)
    findings.raise_if_any()


@requirement("RFC7009-2.1-hint")
def test_wrong_hint_still_revoked(target: Target, user_agent: Any) -> None:
    """An access token sent with ``token_type_hint=refresh_token`` is still revoked.

    RFC 7009 §2.1: "If the server is unable to locate the token using the given hint, it
    MUST extend its search across all of its supported token types."
    """
    tokens = _live_tokens(target, user_agent)
    result = revoke(target, tokens.client, tokens.access_token, hint="refresh_token",
                    label="revoke an access token with hint refresh_token")
    rfc7009.check_access_token_revocation_answer(result.status, result.response.headers, result.judged_body,
                                                 basic_auth_used=result.used_basic)
    rfc7009.check_revoked(_usable(target, tokens.access_token, "userinfo after revocation"), what="the access token",
                          requirement="RFC7009-2.1-hint")


@requirement("RFC7009-2.2.1-unsupported_token_type", "RFC7009-2.2")
def test_jwt_access_token_revocation(target: Target, user_agent: Any) -> None:
    """Revoking a JWT access token succeeds or is refused with ``unsupported_token_type`` (accept).

    JWT access tokens are found where the JWT suite finds them: ``documented.access_token.format: jwt``
    (the default tokens are JWTs), else a resource with ``access_token_format: jwt`` and an audience
    (requested with an RFC 8707 resource indicator).
    """
    client = _client(target)
    if target.profile.documented.access_token.format == "jwt":
        tokens = obtain_tokens(target, user_agent, client)
    else:
        resource = next((r for r in target.profile.documented.resources
                         if r.access_token_format == "jwt" and r.audience), None)
        if resource is None or resource.audience is None:
            raise NotApplicable("the profile documents no JWT access tokens (documented.access_token.format: jwt, "
                                "or a resource with access_token_format: jwt and an audience)")
        scope = " ".join([client.scope, resource.scope or ""]).strip()
        tokens = obtain_tokens(target, user_agent, client, scope=scope, resource=resource.audience)
    result = revoke(target, client, tokens.access_token, hint="access_token", label="revoke a JWT access token")
    evidence.note(f"revocation of a JWT access token: HTTP {result.status} error={(result.body or {}).get('error')}")
    rfc7009.check_unsupported_token_type(result.status, result.response.headers, result.judged_body,
                                         basic_auth_used=result.used_basic)
