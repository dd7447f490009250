"""The authorization-code flow end to end, as reusable steps.

Negative checks reuse these steps and change exactly one thing. When a *happy-path*
step fails (the server refuses a valid request), the check cannot test what it is about,
but the target did break a requirement: that is reported as a failure with a
``PRECONDITION_*`` code citing the rule the valid request relies on, never as *broken*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.flows.authorization import (
    AuthorizationOutcome,
    AuthorizationRequest,
    build_authorization_request,
)
from harness.flows.token import TokenResult, redeem_code, require_tokens
from harness.login import Consent
from harness.profile import Client, User
from harness.results import fail
from harness.target import Target

UserAgentFactory = Callable[..., Any]


@dataclass
class CodeFlow:
    """One completed (or refused) authorization-code flow."""

    request: AuthorizationRequest
    outcome: AuthorizationOutcome
    token: TokenResult | None = None

    @property
    def code(self) -> str:
        """The authorization code (the flow must have produced one)."""
        return self.outcome.params["code"]


def authorize(target: Target, user_agent: UserAgentFactory, client: Client, *, user: User | None = None,
              consent: Consent = "approve", agent: Any = None, **build: Any) -> tuple[AuthorizationRequest,
                                                                                      AuthorizationOutcome]:
    """Send an authorization request through a fresh user agent and return what came back."""
    request = build_authorization_request(target, client, **build)
    ua = agent or user_agent()
    outcome = ua.authorize(request.url(), user=user or target.user(0), consent=consent,
                           redirect_uri=request.redirect_uri)
    return request, outcome


def obtain_code(target: Target, user_agent: UserAgentFactory, client: Client, **kwargs: Any) -> CodeFlow:
    """Authorize and insist on getting a code back (a precondition of most checks)."""
    request, outcome = authorize(target, user_agent, client, **kwargs)
    if not outcome.redirected or "code" not in outcome.params:
        raise fail("PRECONDITION_AUTHORIZATION_FAILED",
                   f"a valid authorization request for client {client.id} did not return a code",
                   "RFC6749-4.1.2", expected="redirect with code", actual=outcome.describe()
                   + (f" error={outcome.params.get('error')}" if outcome.params.get("error") else ""))
    return CodeFlow(request=request, outcome=outcome)


def complete_code_flow(target: Target, user_agent: UserAgentFactory, client: Client, **kwargs: Any) -> CodeFlow:
    """Authorize and redeem the code; insist on a successful token response."""
    flow = obtain_code(target, user_agent, client, **kwargs)
    flow.token = redeem_code(target, client, flow.code, redirect_uri=flow.request.redirect_uri,
                             code_verifier=flow.request.code_verifier)
    require_tokens(flow.token, client)
    return flow
