"""Response types and modes: OAuth 2.0 Multiple Response Type Encoding Practices, Form Post, OIDC Core §3.2, §3.3.

Every OIDC response type the target advertises in ``response_types_supported`` and a profile
client is registered for (``clients[].response_types``), chosen before any request: the default
response mode, ``nonce`` required for implicit and hybrid requests, ``at_hash`` / ``c_hash``, no
refresh token in the front channel, and ``response_mode=form_post``; the plain OAuth 2.0 ``token``
response type (RFC 6749 §4.2) where advertised; ``s_hash`` for FAPI 1.0 Advanced clients. Also the unsigned ID Token
of a client registered with ``id_token_signed_response_alg`` ``none`` (OIDF ``oidcc-idtoken-unsigned``).
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import evidence, jose
from harness.flows.authorization import AuthorizationOutcome, AuthorizationRequest, build_authorization_request
from harness.flows.code_flow import CodeFlow, authorize, complete_code_flow
from harness.flows.par import by_reference, push, pushed_or_fail
from harness.flows.request_object import by_value, request_object_alg, request_object_claims, sign_request_object
from harness.profile import Client
from harness.results import fail
from harness.specs import documented as documented_spec
from harness.specs import oidc_core, oidc_response_types, rfc6749
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement
RESPONSE_TYPES = ("code", "id_token", "id_token token", "code id_token", "code token", "code id_token token")
WITH_ID_TOKEN = tuple(rt for rt in RESPONSE_TYPES if "id_token" in rt.split())
FRONT_CHANNEL = tuple(rt for rt in RESPONSE_TYPES if rt != "code")


def _same(a: str, b: str) -> bool:
    return set(a.split()) == set(b.split())  # the order of the values does not matter (RFC 6749 §3.1.1)


def _client_for(target: Target, response_type: str) -> Client:
    """The first OpenID client registered for ``response_type`` that the target advertises (decided before asking)."""
    if not any(_same(str(v), response_type) for v in target.metadata.get("response_types_supported") or []):
        raise NotApplicable(f"the target does not list response_type={response_type!r} in response_types_supported")
    for client in target.profile.clients:
        doc = client.documented
        if (client.use_in_suites and client.redirect_uris and "openid" in client.scope.split()
                and any(_same(str(v), response_type) for v in client.response_types)
                and not (doc.require_par or doc.require_signed_requests or doc.require_jarm)
                and doc.id_token_encryption is None and not doc.dpop_bound and not doc.certificate_bound):
            return client
    raise NotApplicable(f"no profile client is registered for response_type={response_type!r}")


def _front_channel(target: Target, user_agent: Any, response_type: str, **build: Any) -> CodeFlow:
    client = _client_for(target, response_type)
    request, outcome = authorize(target, user_agent, client, response_type=response_type, pkce="none", **build)
    return CodeFlow(request=request, outcome=outcome)


def _succeeded(flow: CodeFlow, response_type: str) -> dict[str, str]:
    params = flow.outcome.params if flow.outcome.redirected else {}
    missing = sorted(oidc_response_types.expected_members(response_type) - set(params))
    if missing:
        raise fail("PRECONDITION_AUTHORIZATION_FAILED", f"a valid response_type={response_type} request did not "
                   "return the members the response type requires", "OAUTHMR-5-code_id_token_token",
                   expected=sorted(oidc_response_types.expected_members(response_type)),
                   actual=flow.outcome.describe() + (f" error={params.get('error')}" if params.get("error") else ""))
    return params


@requirement("OAUTHMR-2.1", "OAUTHMR-5-fragment")
@pytest.mark.parametrize("response_type", RESPONSE_TYPES)
def test_default_response_mode(target: Target, user_agent: Any, response_type: str) -> None:
    """Without ``response_mode``: ``code`` answers in the query, every other response type in the fragment."""
    flow = _front_channel(target, user_agent, response_type)
    outcome = flow.outcome
    if outcome.redirected and outcome.params.get("error"):
        raise fail("PRECONDITION_AUTHORIZATION_FAILED", f"a valid response_type={response_type} request was refused",
                   "OAUTHMR-5-fragment" if response_type != "code" else "OAUTHMR-2.1", expected="a response",
                   actual=f"error={outcome.params.get('error')}")
    oidc_response_types.check_default_response_mode(response_type, query=outcome.query, fragment=outcome.fragment,
                                                    via=outcome.via)


@requirement("OIDCC-3.2.2.1-nonce", "OIDCC-3.1.2.2")
@pytest.mark.parametrize("response_type", WITH_ID_TOKEN)
def test_nonce_required(target: Target, user_agent: Any, response_type: str) -> None:
    """An implicit or hybrid request for an ID Token without ``nonce`` is refused (nonce is REQUIRED there)."""
    flow = _front_channel(target, user_agent, response_type, drop=("nonce",))
    oidc_response_types.check_nonce_required(response_type, params=flow.outcome.params,
                                             redirected=flow.outcome.redirected)


@requirement("OIDCC-3.2.2.10", "OIDCC-3.2.2.9", "OIDCC-3.3.2.11-at_hash", "OIDCC-3.3.2.11-c_hash", "OIDCC-3.3.2.10")
@pytest.mark.parametrize("response_type", ["id_token token", "code id_token", "code id_token token"])
def test_hashes(target: Target, user_agent: Any, response_type: str) -> None:
    """The front-channel ID Token carries the ``at_hash`` / ``c_hash`` its response type requires, matching."""
    flow = _front_channel(target, user_agent, response_type)
    params = _succeeded(flow, response_type)
    try:
        decoded = jose.decode_unverified(params["id_token"])
    except jose.JoseError as exc:
        raise fail("ID_TOKEN_MALFORMED", f"the ID Token is not a JWS: {exc}", "OIDCC-2-signed") from exc
    evidence.record_token("id_token (front channel)", decoded.header, decoded.claims)
    alg = decoded.alg or ""
    if "access_token" in params:
        requirement_id = "OIDCC-3.2.2.10" if "code" not in response_type.split() else "OIDCC-3.3.2.11-at_hash"
        oidc_core.check_at_hash(decoded.claims, params["access_token"], alg, required=True,
                                requirement=requirement_id)
    if "code" in params:
        oidc_core.check_c_hash(decoded.claims, params["code"], alg, required=True)


@requirement("RFC6749-4.2.2-no_refresh_token")
@pytest.mark.parametrize("response_type", FRONT_CHANNEL)
def test_no_refresh_token_in_front_channel(target: Target, user_agent: Any, response_type: str) -> None:
    """No authorization response carries a refresh token (also when ``offline_access`` is asked for)."""
    client = _client_for(target, response_type)
    scope = client.scope if "offline_access" in client.scope.split() else f"{client.scope} offline_access"
    supported = target.metadata.get("scopes_supported")
    if isinstance(supported, list) and "offline_access" not in supported:
        scope = client.scope
    flow = _front_channel(target, user_agent, response_type, scope=scope, extra={"prompt": "consent"})
    params = _succeeded(flow, response_type)
    oidc_response_types.check_no_front_channel_refresh_token(response_type, params)


@requirement("RFC6749-4.2.2", "RFC6749-4.2.2-state", "RFC6749-4.2.2-no_refresh_token")
def test_token_response(target: Target, user_agent: Any) -> None:
    """``response_type=token`` (implicit): access_token, token_type and state in the fragment, no refresh token.

    RFC 6749 §4.2.2. Only where the target lists ``token`` in ``response_types_supported`` and a
    profile client is registered for it (decided before any request).
    """
    flow = _front_channel(target, user_agent, "token")
    outcome = flow.outcome
    if outcome.redirected and outcome.params.get("error"):
        raise fail("PRECONDITION_AUTHORIZATION_FAILED", "a valid response_type=token request was refused",
                   "RFC6749-4.2.2", expected="an access token response", actual=f"error={outcome.params.get('error')}")
    oidc_response_types.check_token_response(via=outcome.via, query=outcome.query, fragment=outcome.fragment)
    rfc6749.check_state_echoed(flow.request.state, outcome.fragment, requirement="RFC6749-4.2.2-state")
    oidc_response_types.check_no_front_channel_refresh_token("token", outcome.fragment)
    evidence.note(f"token response members: {sorted(outcome.fragment)}")


@requirement("OAUTHFP-2")
@pytest.mark.parametrize("response_type", RESPONSE_TYPES)
def test_form_post(target: Target, user_agent: Any, response_type: str) -> None:
    """``response_mode=form_post`` delivers the response as a form POST to the redirect URI, with every member."""
    modes = target.metadata.get("response_modes_supported")
    if not isinstance(modes, list) or "form_post" not in modes:
        raise NotApplicable("the target does not list form_post in response_modes_supported")
    flow = _front_channel(target, user_agent, response_type, response_mode="form_post")
    outcome = flow.outcome
    oidc_response_types.check_form_post(response_type, via=outcome.via, form=outcome.form,
                                        action=outcome.redirect_url, redirect_uri=flow.request.redirect_uri)


@requirement("OIDCR-2-id_token_signed_response_alg", "OIDCC-3.1.3.7")
def test_unsigned_id_token(target: Target, user_agent: Any) -> None:
    """A client registered with ``id_token_signed_response_alg: none`` gets an unsecured ID Token (token endpoint).

    Decided before any request, in this order: skipped when discovery does not list ``none`` in
    ``id_token_signing_alg_values_supported`` (as the OIDF module ``oidcc-idtoken-unsigned``:
    servers need not support it), then when the profile documents no code-only client with
    ``id_token_signing_alg: none`` (Registration §2 allows none only for a client that "uses only
    Response Types that return no ID Token from the Authorization Endpoint"). Its other §3.1.3.7
    rules (iss, aud, nonce) hold as for any ID Token. The bundled reference target (oidc-provider 9)
    lists no ``none``, so there it is skipped; ``tests/test_unsigned_id_token.py`` proves it both
    ways with the reference target's emulation (runtime setting ``unsigned_id_token_emulated``).
    """
    advertised = target.metadata.get("id_token_signing_alg_values_supported")
    if not isinstance(advertised, list) or "none" not in advertised:
        raise NotApplicable("the target does not list none in id_token_signing_alg_values_supported")
    client = next((c for c in target.profile.clients if c.documented.id_token_signing_alg == "none"
                   and "authorization_code" in c.grant_types and c.redirect_uris
                   and not any("id_token" in str(rt).split() for rt in c.response_types)), None)
    if client is None:
        raise NotApplicable("the profile documents no code-only client with id_token_signing_alg: none "
                            "(clients[].documented.id_token_signing_alg)")
    flow = complete_code_flow(target, user_agent, client)
    assert flow.token is not None and flow.token.body is not None
    raw = flow.token.body.get("id_token")
    if not isinstance(raw, str):
        raise fail("ID_TOKEN_MISSING", "a successful openid token response has no id_token", "OIDCC-3.1.3.3",
                   expected="id_token", actual=sorted(flow.token.body))
    parts = raw.split(".")
    try:
        header = jose.decode_jose_header(raw)
        claims = dict(jose.decode_unverified(raw).claims) if len(parts) == 3 else {}
    except jose.JoseError as exc:
        raise fail("ID_TOKEN_MALFORMED", f"the ID Token is not a JWT: {exc}", "OIDCC-2-signed") from exc
    evidence.record_token("id_token (unsecured)", header, claims)
    oidc_response_types.check_unsigned_id_token(header, parts[2] if len(parts) == 3 else "?")
    oidc_core.check_id_token_issuer(claims, str(target.metadata.get("issuer")))
    oidc_core.check_id_token_audience(claims, client.id)
    oidc_core.check_id_token_nonce(claims, flow.request.nonce)


#: Response types tried against a restricted client, most common first (OAuth 2.0 Multiple Response Types).
_OTHER_RESPONSE_TYPES = ("code id_token", "id_token", "code token", "token", "id_token token", "code id_token token")


@requirement("DOC-restrict_response_types")
def test_documented_restriction_enforced(target: Target, user_agent: Any) -> None:
    """A client documented as restricted to its response types is refused another one the server supports."""
    supported = [str(v) for v in target.metadata.get("response_types_supported") or []]
    for client in target.profile.clients:
        if not (client.use_in_suites and client.documented.restrict_response_types):
            continue
        others = [t for t in _OTHER_RESPONSE_TYPES if any(_same(t, s) for s in supported)
                  and not any(_same(t, a) for a in client.response_types)]
        if others:
            break
    else:
        pytest.skip("no client is documented with restrict_response_types and lacks a response type the server "
                    "advertises (clients[].documented.restrict_response_types)")
    response_type = others[0]
    _, outcome = authorize(target, user_agent, client, response_type=response_type)
    evidence.note(f"{response_type!r} for client {client.id} (allowed {client.response_types}): {outcome.describe()}")
    documented_spec.check_response_type_restricted(response_type, client.response_types,
                                                   {**outcome.fragment, **outcome.query, **outcome.form})


def _fapi1_hybrid_client(target: Target) -> tuple[Client, str]:
    """A FAPI 1.0 Advanced client registered for an advertised ``code id_token`` type (decided before asking)."""
    advertised = [str(v) for v in target.metadata.get("response_types_supported") or []]
    for client in target.profile.clients:
        if client.fapi != "1.0-advanced" or not client.use_in_suites or not client.redirect_uris \
                or client.documented.id_token_encryption is not None:
            continue
        for response_type in ("code id_token", "code id_token token"):
            if any(_same(str(v), response_type) for v in client.response_types) \
                    and any(_same(v, response_type) for v in advertised):
                return client, response_type
    raise NotApplicable("no FAPI 1.0 Advanced client (clients[].fapi: 1.0-advanced) is registered for an advertised "
                        "code id_token response type: s_hash is a FAPI 1.0 Advanced rule only")


def _fapi1_front(target: Target, client: Client, request: AuthorizationRequest) -> AuthorizationRequest:
    """The request as a FAPI 1.0 Advanced client sends it: a signed request object (pushed where documented)."""
    try:
        request_object_alg(target, client)
    except NotApplicable:
        return request  # no key to sign with: the plain request (the server may refuse it)
    token = sign_request_object(target, client, request_object_claims(target, request))
    if client.documented.require_par:
        result = push(target, client, {"client_id": client.id, "request": token}, label="push the request object",
                      request=request)
        return by_reference(target, request, pushed_or_fail(result))
    return by_value(target, request, token)


@requirement("FAPI1ADV-5.2.2.1-5")
def test_s_hash_fapi1_advanced(target: Target, user_agent: Any) -> None:
    """A FAPI 1.0 Advanced client's ``code id_token`` ID Token carries the ``s_hash`` of the ``state`` it sent.

    FAPI 1.0 Advanced §5.2.2.1 (OIDC Core defines no ``s_hash``, so only where that condition holds:
    a client the profile marks ``fapi: 1.0-advanced``); the request goes as a signed request object
    when the client has a key (pushed when it is documented to require PAR).
    """
    client, response_type = _fapi1_hybrid_client(target)
    request = build_authorization_request(target, client, response_type=response_type)
    front = _fapi1_front(target, client, request)
    outcome: AuthorizationOutcome = user_agent().authorize(front.url(), user=target.user(0),
                                                           redirect_uri=request.redirect_uri)
    params = _succeeded(CodeFlow(request=request, outcome=outcome), response_type)
    try:
        decoded = jose.decode_unverified(params["id_token"])
    except jose.JoseError as exc:
        raise fail("ID_TOKEN_MALFORMED", f"the ID Token is not a JWS: {exc}", "OIDCC-2-signed") from exc
    evidence.record_token("id_token (front channel)", decoded.header, decoded.claims)
    assert request.state is not None
    oidc_core.check_s_hash(decoded.claims, request.state, decoded.alg or "")
