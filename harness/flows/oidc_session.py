"""Authorization requests sent through a user agent that already holds a session.

The ``oidc_request`` checks log in once (:func:`harness.flows.userinfo.obtain_grant` with an
``agent``), then send a second request through the same agent — with ``prompt``, ``max_age``
or a hint — and look at what the agent saw (a login or consent page, or none) and at the ID
Token that came back, if any.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness import evidence, jose
from harness.flows.authorization import AuthorizationOutcome, AuthorizationRequest, build_authorization_request
from harness.flows.token import redeem_code, require_tokens
from harness.login import Consent
from harness.profile import Client, User
from harness.results import fail
from harness.target import Target

__all__ = ["Reauthorization", "reauthorize"]


@dataclass
class Reauthorization:
    """A request through an existing session: what the agent saw and the ID Token claims (``None``: no code)."""

    request: AuthorizationRequest
    outcome: AuthorizationOutcome
    id_token_claims: dict[str, Any] | None = None

    @property
    def code(self) -> bool:
        """Whether a code came back to the client."""
        return self.outcome.redirected and bool(self.outcome.params.get("code"))

    @property
    def params(self) -> dict[str, str]:
        """The response parameters (empty for an error page)."""
        return self.outcome.params if self.outcome.redirected else {}


def reauthorize(target: Target, client: Client, agent: Any, *, user: User | None, consent: Consent = "approve",
                **build: Any) -> Reauthorization:
    """Send one authorization request through ``agent``; redeem the code when one comes back.

    ``user=None`` never logs in: a login page ends the request (recorded as shown). A code whose
    redemption fails is a ``PRECONDITION_*`` failure (RFC 6749 §4.1.3 makes a fresh code
    redeemable); a token response without ``id_token`` fails OIDC Core §3.1.3.3.
    """
    request = build_authorization_request(target, client, **build)
    outcome = agent.authorize(request.url(), user=user, consent=consent, redirect_uri=request.redirect_uri)
    result = Reauthorization(request=request, outcome=outcome)
    evidence.note(f"second request: login page {'shown' if outcome.login_form_shown else 'not shown'}, consent "
                  f"page {'shown' if outcome.consent_form_shown else 'not shown'}; {outcome.describe()}")
    if not result.code:
        return result
    token = redeem_code(target, client, outcome.params["code"], redirect_uri=request.redirect_uri,
                        code_verifier=request.code_verifier)
    require_tokens(token, client)
    raw = (token.body or {}).get("id_token")
    if not isinstance(raw, str):
        raise fail("ID_TOKEN_MISSING", "a successful openid token response has no id_token", "OIDCC-3.1.3.3",
                   expected="id_token", actual=sorted(token.body or {}))
    try:
        decoded = jose.decode_unverified(raw)
    except jose.JoseError as exc:
        raise fail("ID_TOKEN_MALFORMED", f"the ID Token is not a JWS: {exc}", "OIDCC-2-signed") from exc
    evidence.record_token("id_token (second request)", decoded.header, decoded.claims)
    result.id_token_claims = dict(decoded.claims)
    return result
