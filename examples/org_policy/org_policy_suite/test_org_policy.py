"""Organisation token policy: short-lived access tokens, rotating refresh tokens.

Each rule applies only where the profile configures it (``plugins.org_policy``); the
decision is taken from the profile before any request.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.flows.code_flow import complete_code_flow
from harness.flows.token import token_request
from harness.profile import Client
from harness.results import fail
from harness.target import Target

requirement = pytest.mark.requirement


def _client(target: Target, settings: Any) -> Client:
    if settings.client:
        return target.profile.client(settings.client)
    return target.pick_client(purpose="the organisation policy checks", confidential=True)


@requirement("ORGPOL-1")
def test_access_token_lifetime_within_policy(target: Target, user_agent: Any, suite_settings: Any) -> None:
    """Access tokens live at most the policy's maximum lifetime (``expires_in``), where the profile sets one."""
    limit = suite_settings.max_access_token_lifetime_s
    if limit is None:
        pytest.skip("the profile sets no plugins.org_policy.max_access_token_lifetime_s, so ORGPOL-1 has no limit")
    flow = complete_code_flow(target, user_agent, _client(target, suite_settings))
    body = flow.token.body if flow.token else None
    expires_in = (body or {}).get("expires_in")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int):
        raise fail("ORGPOL_EXPIRES_IN_MISSING", "the token response states no expires_in, so the lifetime is "
                   "unknown", "ORGPOL-1", expected=f"<= {limit}", actual=expires_in)
    if expires_in > limit:
        raise fail("ORGPOL_ACCESS_TOKEN_TOO_LONG", "access tokens live longer than the policy allows", "ORGPOL-1",
                   expected=f"<= {limit}", actual=expires_in)


@requirement("ORGPOL-2")
def test_refresh_tokens_rotate(target: Target, user_agent: Any, suite_settings: Any) -> None:
    """Each refresh returns a new refresh token and the previous one is refused."""
    if not suite_settings.refresh_rotation_required:
        pytest.skip("the profile does not set plugins.org_policy.refresh_rotation_required: true")
    client = _client(target, suite_settings)
    if "refresh_token" not in client.grant_types:
        pytest.skip(f"client {client.id} has no refresh_token grant")
    if target.advertises("scopes_supported", "offline_access"):
        # OIDC Core §11: offline_access asks for a refresh token; it needs prompt=consent
        flow = complete_code_flow(target, user_agent, client, scope=f"{client.scope} offline_access",
                                  extra={"prompt": "consent"})
    else:  # a server that does not know the scope may refuse it (RFC 6749 §3.3 invalid_scope)
        flow = complete_code_flow(target, user_agent, client)
    first = (flow.token.body or {}).get("refresh_token") if flow.token else None
    if not isinstance(first, str):
        raise fail("PRECONDITION_NO_REFRESH_TOKEN", "no refresh token was issued to a client with the "
                   "refresh_token grant", "ORGPOL-2", expected="refresh_token", actual=None)
    refreshed = token_request(target, client, {"grant_type": "refresh_token", "refresh_token": first},
                              label="refresh")
    second = (refreshed.body or {}).get("refresh_token")
    if not refreshed.ok or not isinstance(second, str) or second == first:
        raise fail("ORGPOL_REFRESH_NOT_ROTATED", "refreshing did not return a new refresh token", "ORGPOL-2",
                   expected="a new refresh_token", actual="same or none")
    reused = token_request(target, client, {"grant_type": "refresh_token", "refresh_token": first},
                           label="reuse the rotated-out refresh token")
    if reused.ok:
        raise fail("ORGPOL_OLD_REFRESH_ACCEPTED", "a rotated-out refresh token was accepted", "ORGPOL-2",
                   expected="invalid_grant", actual=f"HTTP {reused.status}")
