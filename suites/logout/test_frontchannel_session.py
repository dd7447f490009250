"""OpenID Connect Front-Channel Logout 1.0 and Session Management 1.0, where the target advertises them.

Front-channel: the pages the user agent saw during the logout render an iframe at the
client's registered ``frontchannel_logout_uri`` (with ``iss`` and ``sid`` when the client is
registered with ``frontchannel_logout_session_required``); the iframes are read from the
HTML the login driver received. Session management: ``check_session_iframe`` is an https
HTML page and authentication responses carry ``session_state``.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.flows.oidc_session import reauthorize
from harness.specs import oidc_logout
from harness.target import NotApplicable, Target

from ._logout import log_in, log_out, logout_client, logout_params

requirement = pytest.mark.requirement


@requirement("OIDCFCL-4-iframe", "OIDCFCL-2-session_required")
@pytest.mark.needs("end_session_endpoint")
def test_frontchannel_logout_iframe(target: Target, user_agent: Any) -> None:
    """The logout renders an iframe at the client's ``frontchannel_logout_uri`` (with ``iss``/``sid`` if required)."""
    if target.metadata.get("frontchannel_logout_supported") is not True:
        raise NotApplicable("the target does not advertise frontchannel_logout_supported: true")
    client = logout_client(target, frontchannel=True)
    logged_in = log_in(target, user_agent, client)
    outcome = log_out(target, logged_in, logout_params(client, logged_in))
    oidc_logout.check_frontchannel_iframe(
        outcome.iframes, logout_uri=client.logout.frontchannel_logout_uri or "",
        session_required=client.logout.frontchannel_logout_session_required,
        issuer=str(target.metadata.get("issuer")), sid=logged_in.grant.id_token_claims.get("sid"))


@requirement("OIDCSM-2.1-check_session_iframe")
@pytest.mark.needs("check_session_iframe")
def test_check_session_iframe(target: Target) -> None:
    """``check_session_iframe`` is an https URL serving the OP's HTML iframe page."""
    url = target.metadata.get("check_session_iframe")
    status, content_type = None, ""
    if isinstance(url, str) and target.on_target(url):
        response = target.http.request("GET", url, label="check_session_iframe")
        status, content_type = response.status_code, response.headers.get("content-type", "")
    oidc_logout.check_check_session_iframe(url, status=status, content_type=content_type)


@requirement("OIDCSM-3-session_state")
@pytest.mark.needs("check_session_iframe")
def test_session_state_returned(target: Target, user_agent: Any) -> None:
    """With session management, the authentication response carries ``session_state`` (no spaces)."""
    client = logout_client(target)
    agent = user_agent()
    result = reauthorize(target, client, agent, user=target.user(0), scope="openid")
    if not result.outcome.redirected:
        raise NotApplicable("the authentication request did not complete (judged by the authorization_code suite)")
    oidc_logout.check_session_state(result.params)
