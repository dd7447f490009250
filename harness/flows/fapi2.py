"""FAPI 2.0 flows: the client a FAPI 2.0 check uses and its end-to-end grant.

A FAPI 2.0 grant is PAR (with PKCE S256 and the client's assertion naming the issuer) →
authorization by reference → token request sender-constrained with DPoP. Negative checks
change one thing: the client authentication (:func:`push_with_auth`), one pushed parameter,
or leave the DPoP proof out. A Message Signing client pushes every request as a signed request
object (:func:`pushed_params`), so the same checks run in the OIDF plans' "signed" variant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from harness import evidence, jose
from harness.flows.authorization import AuthorizationOutcome, AuthorizationRequest, build_authorization_request
from harness.flows.client_assertion import PAR_ENDPOINT, assertion_audience
from harness.flows.dpop import DpopSession, offline_scope, redeem_params
from harness.flows.par import ParResult, by_reference, par_endpoint, push, pushed_or_fail
from harness.flows.request_object import request_object_claims
from harness.flows.token import ClientAuth, TokenResult, client_auth
from harness.http import try_json_document
from harness.profile import AuthMethod, Client
from harness.results import ProfileError, fail
from harness.target import NotApplicable, Target

__all__ = ["FapiGrant", "authorize_pushed", "code_or_fail", "fapi2_client", "is_message_signing", "obtain_fapi_tokens",
           "push_with_auth", "push_with_dpop", "pushed_params", "rsa_signing_key"]

#: The request objects a Message Signing client pushes: PS256 (FAPI 2.0 SP §5.4.1), 5 minutes after nbf.
SIGNED_PUSH_ALG = "PS256"
SIGNED_PUSH_LIFETIME_S = 300


def fapi2_client(target: Target, *, dpop: bool = True, message_signing: bool = False) -> Client:
    """The profile's FAPI 2.0 client with the code grant and private_key_jwt, or skip.

    Chosen by its ``fapi`` member even when ``use_in_suites`` is false. ``message_signing``
    asks for a ``fapi: 2.0-message-signing`` client; otherwise one that takes unsigned pushes
    (not documented ``require_signed_requests``). ``dpop`` asks for DPoP-bound tokens.
    """
    for client in target.profile.clients:
        if not (client.is_fapi2 and "authorization_code" in client.grant_types
                and client.auth_method is AuthMethod.PRIVATE_KEY_JWT and (client.documented.dpop_bound or not dpop)):
            continue
        if message_signing and client.fapi == "2.0-message-signing":
            return client
        if not message_signing and not client.documented.require_signed_requests:
            return client
    what = ("FAPI 2.0 Message Signing client (clients[].fapi: 2.0-message-signing)" if message_signing else
            "FAPI 2.0 client (clients[].fapi: 2.0-security or 2.0-message-signing) taking unsigned pushes")
    raise NotApplicable(f"the profile has no {'DPoP-bound ' if dpop else ''}{what} with the authorization_code "
                        "grant and private_key_jwt")


def rsa_signing_key(client: Client) -> Any:
    """An RSA signing key of the client's private JWKS (to sign with PS256 or RS256), or skip."""
    if client.jwks_file is None:
        raise ProfileError(f"client {client.id} has no jwks_file")
    keyset = jose.load_private_jwks(client.jwks_file)
    for key, member in zip(keyset.keys, keyset.members, strict=True):
        if member.get("kty") == "RSA" and member.get("use") in (None, "sig"):
            return key
    raise NotApplicable(f"client {client.id} has no RSA signing key (needed to sign with PS256/RS256)")


def is_message_signing(client: Client) -> bool:
    """Whether ``client`` is a FAPI 2.0 Message Signing client (``fapi: 2.0-message-signing``)."""
    return client.fapi == "2.0-message-signing"


def pushed_params(target: Target, client: Client, request: AuthorizationRequest) -> dict[str, str]:
    """The form ``client`` pushes for ``request``: its parameters, or one signed request object carrying them.

    A Message Signing client signs: FAPI 2.0 MS §5.3.2, the AS "shall support and verify signed request
    objects according to JAR [RFC9101] at the PAR endpoint". The object carries every parameter of
    ``request`` plus ``iss``, ``aud`` = issuer, ``iat``, ``nbf`` = now, ``exp`` = now + 5 minutes and a
    ``jti``, signed PS256 with the client's RSA key; only ``client_id`` travels beside it (a ``claims``
    parameter becomes the JSON object OIDC Core §6.1 puts in a request object). Any other client pushes
    the parameters as they are.
    """
    if not is_message_signing(client):
        return dict(request.params)
    claims = request_object_claims(target, request, lifetime=SIGNED_PUSH_LIFETIME_S)
    if isinstance(claims.get("claims"), str):  # in a request object (OIDC Core §6.1) claims is a JSON object
        claims["claims"] = json.loads(claims["claims"])
    token = jose.build_request_object(claims, rsa_signing_key(client), SIGNED_PUSH_ALG, typ="oauth-authz-req+jwt")
    decoded = jose.decode_unverified(token)
    evidence.record_token("request object pushed", decoded.header, decoded.claims)
    return {"client_id": client.id, "request": token}


def push_with_auth(target: Target, client: Client, params: dict[str, str], auth: ClientAuth, *,
                   label: str) -> ParResult:
    """POST ``params`` to the PAR endpoint with the given credentials (form fields, headers, certificate)."""
    data, headers, cert = auth
    response = target.http.post(par_endpoint(target, client), label=label, data={**params, **data},
                                headers=dict(headers), cert=cert)
    return ParResult(response=response, body=try_json_document(response), used_basic=False)


def push_with_dpop(target: Target, client: Client, request: AuthorizationRequest, session: DpopSession,
                   ) -> ParResult:
    """Push ``request`` with a DPoP proof (RFC 9449 §10.1), a fresh client assertion per nonce retry."""
    url = par_endpoint(target, client)
    results: list[ParResult] = []

    def send(proof: str) -> httpx.Response:
        audience = assertion_audience(target, client, url, member=PAR_ENDPOINT)
        data, headers, cert = client_auth(target, client, audience)  # a new jti every attempt
        form = {**pushed_params(target, client, request), **data}
        response = target.http.post(url, label="push with a DPoP proof", data=form,
                                    headers={**headers, "DPoP": proof}, cert=cert)
        results.append(ParResult(response=response, body=try_json_document(response), request=request))
        return response

    session.exchange("POST", url, send, kind="as")
    return results[-1]


def authorize_pushed(target: Target, user_agent: Any, client: Client, **build: Any,
                     ) -> tuple[AuthorizationRequest, AuthorizationOutcome]:
    """Push a valid request (``build`` as for ``build_authorization_request``), then authorize by reference."""
    request = build_authorization_request(target, client, **build)
    result = push(target, client, pushed_params(target, client, request), request=request)
    front = by_reference(target, request, pushed_or_fail(result))
    outcome: AuthorizationOutcome = user_agent().authorize(front.url(), user=target.user(0),
                                                           redirect_uri=request.redirect_uri)
    return request, outcome


def code_or_fail(outcome: AuthorizationOutcome, what: str, requirement: str = "FAPI2SP-5.3.2.2-PAR") -> str:
    """The code of an authorization response a FAPI 2.0 server had to issue (``PRECONDITION_*`` otherwise)."""
    code = outcome.params.get("code") if outcome.redirected else None
    if not code:
        error = outcome.params.get("error") if outcome.redirected else None
        raise fail("PRECONDITION_FAPI2_AUTHORIZATION_FAILED", f"{what} did not return a code", requirement,
                   expected="redirect with code", actual=outcome.describe() + (f" error={error}" if error else ""))
    return code


@dataclass
class FapiGrant:
    """A FAPI 2.0 code flow: the pushed request, its authorization response and the DPoP token response."""

    session: DpopSession
    client: Client
    request: AuthorizationRequest
    outcome: AuthorizationOutcome
    token: TokenResult

    @property
    def body(self) -> dict[str, Any]:
        """The token response JSON."""
        return self.token.body or {}

    @property
    def access_token(self) -> str:
        """The access token."""
        return str(self.body["access_token"])


def obtain_fapi_tokens(target: Target, user_agent: Any, client: Client, *, offline: bool = False,
                       scope: str | None = None, extra: dict[str, str] | None = None) -> FapiGrant:
    """PAR + PKCE + authorization by reference + DPoP token request; refusals are ``PRECONDITION_*`` failures."""
    build_extra = dict(extra or {})
    if offline:
        scope, consent = offline_scope(target, client)
        build_extra.update(consent)
    request, outcome = authorize_pushed(target, user_agent, client, scope=scope, extra=build_extra or None)
    code = code_or_fail(outcome, "a valid pushed authorization request")
    session = DpopSession(target)
    token, _ = session.token_request(client, redeem_params(request, code), label="redeem code with a DPoP proof")
    if not token.ok:
        raise fail("PRECONDITION_FAPI2_TOKEN_REQUEST_FAILED", f"a valid DPoP token request of FAPI 2.0 client "
                   f"{client.id} did not return tokens", "FAPI2SP-5.3.2.1-SENDER", expected="HTTP 200 with tokens",
                   actual=f"HTTP {token.status} error={token.error}")
    return FapiGrant(session=session, client=client, request=request, outcome=outcome, token=token)
