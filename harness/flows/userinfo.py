"""UserInfo requests (OIDC Core §5.3) with the access token placed the RFC 6750 ways.

:func:`obtain_grant` runs a code flow for an OpenID client and keeps what the UserInfo checks
compare against (the access token, the ID Token's claims); :func:`call_userinfo` sends one
UserInfo request with the token in the ``Authorization`` header (RFC 6750 §2.1), the form body
(§2.2), the query (§2.3) or nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import httpx

from harness import evidence, jose
from harness.flows.code_flow import CodeFlow, UserAgentFactory, complete_code_flow
from harness.flows.resource import plain_code_flow
from harness.profile import Client, User
from harness.results import fail
from harness.target import NotApplicable, Target

__all__ = [
    "Placement",
    "UserInfoGrant",
    "call_userinfo",
    "obtain_grant",
    "openid_client",
]

Placement = Literal["header", "body", "query", "none"]


@dataclass
class UserInfoGrant:
    """A completed OpenID code flow: its client, access token and decoded ID Token claims."""

    client: Client
    flow: CodeFlow
    access_token: str
    id_token_claims: dict[str, Any]
    scope: str

    @property
    def token_body(self) -> dict[str, Any]:
        """The token response."""
        assert self.flow.token is not None and self.flow.token.body is not None
        return self.flow.token.body


def openid_client(target: Target, *, signed_userinfo: bool | None = False, confidential: bool | None = None,
                  purpose: str = "UserInfo checks") -> Client:
    """The first OpenID client that gets bearer tokens from a plain code flow and unencrypted ID Tokens.

    ``signed_userinfo``: ``True`` asks for a client documented with ``userinfo_signing_alg``,
    ``False`` for one without (plain JSON UserInfo), ``None`` for either. Chosen from the profile
    before any request; none fits → not applicable.
    """
    for client in target.profile.clients:
        doc = client.documented
        if not (client.use_in_suites and "authorization_code" in client.grant_types and client.redirect_uris
                and "openid" in client.scope.split() and plain_code_flow(client)):
            continue
        if doc.dpop_bound or doc.certificate_bound or doc.id_token_encryption is not None:
            continue
        if signed_userinfo is not None and (doc.userinfo_signing_alg is not None) != signed_userinfo:
            continue
        if confidential is not None and client.is_public == confidential:
            continue
        return client
    kind = "documented signed UserInfo" if signed_userinfo else "bearer tokens and unencrypted ID Tokens"
    raise NotApplicable(f"the profile has no OpenID code-flow client with {kind} for {purpose}")


def obtain_grant(target: Target, user_agent: UserAgentFactory, client: Client, *, scope: str | None = None,
                 user: User | None = None, agent: Any = None, **build: Any) -> UserInfoGrant:
    """A code flow for ``client`` (``scope`` defaults to the client's); the ID Token is required."""
    wanted = scope or client.scope
    flow = complete_code_flow(target, user_agent, client, scope=wanted, user=user, agent=agent, **build)
    assert flow.token is not None and flow.token.body is not None
    body = flow.token.body
    raw = body.get("id_token")
    if not isinstance(raw, str):
        raise fail("ID_TOKEN_MISSING", "a successful openid token response has no id_token", "OIDCC-3.1.3.3",
                   expected="id_token", actual=sorted(body))
    try:
        decoded = jose.decode_unverified(raw)
    except jose.JoseError as exc:
        raise fail("ID_TOKEN_MALFORMED", f"the ID Token is not a JWS: {exc}", "OIDCC-2-signed") from exc
    evidence.record_token("id_token", decoded.header, decoded.claims)
    return UserInfoGrant(client=client, flow=flow, access_token=str(body.get("access_token", "")),
                         id_token_claims=dict(decoded.claims), scope=wanted)


def call_userinfo(target: Target, token: str | None, *, method: str = "GET", placement: Placement = "header",
                  scheme: str = "Bearer", label: str = "userinfo request",
                  extra_headers: dict[str, str] | None = None) -> httpx.Response:
    """One UserInfo request; ``placement`` says where the token goes (RFC 6750 §2.1–2.3).

    ``body`` sends ``access_token`` as an ``application/x-www-form-urlencoded`` POST body (the
    method is then POST, RFC 6750 §2.2 "the "GET" method MUST NOT be used"); ``query`` appends
    ``access_token`` to the URL; ``none`` sends no credentials at all.
    """
    url = target.endpoint("userinfo_endpoint")
    headers: dict[str, str] = dict(extra_headers or {})
    data: dict[str, str] | None = None
    if token is not None and placement == "header":
        headers["Authorization"] = f"{scheme} {token}"
    elif token is not None and placement == "body":
        method, data = "POST", {"access_token": token}
    elif token is not None and placement == "query":
        separator = "&" if urlsplit(url).query else "?"
        url = f"{url}{separator}{urlencode({'access_token': token})}"
    return target.http.request(method, url, label=label, headers=headers, data=data)
