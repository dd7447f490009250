"""UserInfo requests (OIDC Core §5.3) with the access token placed the RFC 6750 ways.

:func:`obtain_grant` runs a code flow for an OpenID client and keeps what the UserInfo checks
compare against (the access token, the ID Token's claims); :func:`call_userinfo` sends one
UserInfo request with the token in the ``Authorization`` header (RFC 6750 §2.1), the form body
(§2.2), the query (§2.3) or nowhere.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import httpx

from harness import evidence, jose
from harness.flows.code_flow import CodeFlow, UserAgentFactory, complete_code_flow
from harness.flows.resource import plain_code_flow
from harness.http import try_json_object
from harness.profile import Client, User
from harness.results import fail
from harness.target import NotApplicable, Target

__all__ = [
    "Placement",
    "UserInfoGrant",
    "call_userinfo",
    "obtain_grant",
    "openid_client",
    "userinfo_claims",
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
                  scopes: Collection[str] = (), exclude: Collection[str] = (),
                  purpose: str = "UserInfo checks") -> Client:
    """The first OpenID client that gets bearer tokens from a plain code flow and unencrypted ID Tokens.

    ``signed_userinfo``: ``True`` asks for a client documented with ``userinfo_signing_alg``,
    ``False`` for one without (plain JSON UserInfo), ``None`` for either. Chosen from the profile
    before any request; none fits → not applicable. ``scopes``: scope values the client's
    profile ``scope`` must list (the scopes it may request); ``exclude``: client ids to pass over.
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
        if not set(scopes) <= set(client.scope.split()):
            continue
        if client.id in exclude:
            continue
        return client
    kind = "documented signed UserInfo" if signed_userinfo else "bearer tokens and unencrypted ID Tokens"
    if scopes:
        kind += f" whose scope lists {' '.join(scopes)}"
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


def userinfo_claims(target: Target, grant: UserInfoGrant) -> dict[str, Any]:
    """The UserInfo claims for ``grant`` (a JSON object, or the payload of a signed response).

    A fresh token that UserInfo refuses, or an answer that is no claims object, is a
    ``PRECONDITION_*`` failure (OIDC Core §5.3: "The UserInfo Endpoint MUST accept Access Tokens";
    §5.3.2 the response format); the ``userinfo`` suite judges the response itself.
    """
    response = call_userinfo(target, grant.access_token, label="userinfo request")
    if response.status_code != 200:
        raise fail("PRECONDITION_USERINFO_REFUSED", "the UserInfo endpoint refused a fresh access token",
                   "OIDCC-5.3-bearer", expected=200, actual=response.status_code)
    if grant.client.documented.userinfo_signing_alg is not None:
        try:
            claims = dict(jose.decode_unverified(response.text.strip()).claims)
        except jose.JoseError as exc:
            raise fail("PRECONDITION_USERINFO_NOT_JWT", f"the signed UserInfo response is not a JWS: {exc}",
                       "OIDCR-2-userinfo_signed_response_alg", expected="JWS", actual=exc.code) from exc
    else:
        body = try_json_object(response)
        if body is None:
            raise fail("PRECONDITION_USERINFO_NOT_JSON", "the UserInfo response is not a JSON object",
                       "OIDCC-5.3.2-json", expected="JSON object", actual=response.headers.get("content-type"))
        claims = body
    evidence.record_token("userinfo claims", {}, claims)
    return claims
