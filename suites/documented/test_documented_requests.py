"""Documented behaviour of authorization requests that composes the protocol flows (issue 21).

PingFederate's "Exclusive Scopes" and its default scope ("always allowed for and available to all
clients"), the "Sector Identifier URI" of pairwise clients, the JARM rule that ``query.jwt`` fails
for response types carrying tokens unless encrypted, and "Replay Prevention" for request objects
pushed by reference (RFC 9126). Each check is skipped, before any request, where the profile does
not state its setting; the protocol suites' own checks run next to these.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from harness import evidence, jose
from harness.flows.authorization import AuthorizationOutcome, build_authorization_request
from harness.flows.code_flow import authorize
from harness.flows.jarm import find_response
from harness.flows.par import by_reference, push, pushed_or_fail
from harness.flows.request_object import OIDC_OUTSIDE_PARAMS, by_value, request_object_claims, sign_request_object
from harness.flows.token import id_token_subject, redeem_code
from harness.profile import Client
from harness.results import Findings, fail
from harness.specs import documented, rfc9101
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement


def _plain_code_client(client: Client) -> bool:
    doc = client.documented
    return (doc.enabled and "authorization_code" in client.grant_types and bool(client.redirect_uris)
            and not doc.dpop_bound and not doc.certificate_bound
            and not (doc.require_par or doc.require_signed_requests or doc.require_jarm))


@requirement("DOC-exclusive_scopes", "RFC6749-4.1.2.1")
def test_exclusive_scope_refused(target: Target, user_agent: Any) -> None:
    """An exclusive scope works for the client it is selected for and gets ``invalid_scope`` for another client.

    The selection is the client's ``clients[].scope``: a client whose scope names the exclusive
    scope asks for it (and must get a code), a plain code client whose scope does not name it asks
    for its own scope plus the exclusive one.
    """
    exclusive = target.profile.documented.exclusive_scopes
    if not exclusive:
        pytest.skip("the profile documents no Exclusive Scopes (documented.exclusive_scopes)")
    holder = next(((c, s) for c in target.profile.clients for s in exclusive
                   if s in c.scope.split() and _plain_code_client(c)), None)
    other = next(((c, s) for s in exclusive for c in target.profile.clients
                  if s not in c.scope.split() and c.use_in_suites and _plain_code_client(c)), None)
    if other is None:
        raise NotApplicable("the profile has no plain code client without an exclusive scope to ask for it")
    if holder is not None:
        client, scope = holder
        _, outcome = authorize(target, user_agent, client)
        evidence.note(f"{client.id} (exclusive scope {scope} selected), scope {client.scope!r}: {outcome.describe()}")
        if not (outcome.redirected and outcome.params.get("code")):
            raise fail("EXCLUSIVE_SCOPE_REFUSED_FOR_SELECTED", f"the client {client.id}, for which the exclusive scope "
                       f"{scope!r} is selected, got no code for it", "DOC-exclusive_scopes",
                       expected="code", actual=f"error={outcome.params.get('error')}" if outcome.redirected
                       else outcome.describe())
    client, scope = other
    requested = " ".join([*client.scope.split(), scope])
    _, outcome = authorize(target, user_agent, client, scope=requested)
    evidence.note(f"{client.id} (exclusive scope not selected), scope {requested!r}: {outcome.describe()}")
    documented.check_scope_restricted(scope, client.scope.split(), outcome.redirected, outcome.params,
                                      requirement="DOC-exclusive_scopes", finding_code="EXCLUSIVE_SCOPE_NOT_RESTRICTED")


@requirement("DOC-default_scope_allowed")
def test_default_scope_allowed(target: Target, user_agent: Any) -> None:
    """A scope-restricted client's authorization request without ``scope`` gets a code that gives tokens.

    The client is one documented with Restrict Common Scopes, else one that lacks a documented
    exclusive scope.
    """
    if not target.profile.documented.default_scope_allowed:
        pytest.skip("the profile does not document the default scope as always allowed "
                    "(documented.default_scope_allowed)")
    exclusive = set(target.profile.documented.exclusive_scopes)
    candidates = [c for c in target.profile.clients if _plain_code_client(c) and c.documented.restrict_scopes]
    candidates += [c for c in target.profile.clients if _plain_code_client(c) and c.use_in_suites
                   and exclusive - set(c.scope.split())]
    if not candidates:
        raise NotApplicable("the profile has no scope-restricted code client (clients[].documented.restrict_scopes "
                            "or one without a documented exclusive scope)")
    client = candidates[0]
    request, outcome = authorize(target, user_agent, client, drop=("scope", "nonce"))
    evidence.note(f"{client.id}: authorization request without scope: {outcome.describe()}")
    token_issued = None
    if outcome.redirected and outcome.params.get("code"):
        token = redeem_code(target, client, outcome.params["code"], redirect_uri=request.redirect_uri,
                            code_verifier=request.code_verifier, label="redeem the code of a request without scope")
        token_issued = token.ok
    documented.check_default_scope_allowed(redirected=outcome.redirected, params=outcome.params,
                                           token_issued=token_issued)



@requirement("DOC-sector_identifier_uri", "OIDCC-8.1")
def test_sector_identifier_shared(target: Target, user_agent: Any) -> None:
    """Pairwise clients documented with the same Sector Identifier URI get the same ``sub`` for a user."""
    sectors: dict[str, list[Client]] = {}
    for client in target.profile.clients:
        doc = client.documented
        if doc.pairwise_identifier and doc.sector_identifier_uri and _plain_code_client(client) \
                and "openid" in client.scope.split():
            sectors.setdefault(doc.sector_identifier_uri, []).append(client)
    shared = next(((uri, clients) for uri, clients in sectors.items() if len(clients) > 1), None)
    if shared is None:
        pytest.skip("the profile documents no two pairwise OpenID code clients with the same Sector Identifier URI "
                    "(clients[].documented.sector_identifier_uri)")
    uri, clients = shared
    subs = {client.id: id_token_subject(target, user_agent, client) for client in clients}
    evidence.note(f"{uri}: {len(set(subs.values()))} distinct sub value(s) for {', '.join(subs)}")
    documented.check_sector_subject_shared(subs, uri)


def _token_response_type(client: Client) -> str | None:
    for response_type in ("code id_token", "id_token", "code token", "code id_token token", "id_token token"):
        if response_type in client.response_types and ("openid" in client.scope.split() or "id_token"
                                                       not in response_type):
            return response_type
    return None


def _claim_names(response: str) -> list[str]:
    """The claim names of an unencrypted JARM response JWT (never its values)."""
    try:
        return sorted(jose.decode_unverified(response).claims) if response else []
    except jose.JoseError:
        return []


@requirement("JARM-2.3.1", "DOC-require_jarm")
def test_jarm_query_jwt_implicit_refused(target: Target, user_agent: Any) -> None:
    """``response_mode=query.jwt`` with a response type carrying tokens puts no unencrypted token in the query.

    PingFederate documents it for "Require JARM" ("Failure in the case of the implicit grant unless
    the response is an encrypted JWT based on the client settings"), JARM §2.3.1 for every server;
    a client documented with JARM encryption is not asked (an encrypted response may come in the
    query). A client documented with Require JARM is asked first.
    """
    if "query.jwt" not in (target.metadata.get("response_modes_supported") or []):
        pytest.skip("the target does not advertise response_mode query.jwt (response_modes_supported)")
    candidates = [c for c in target.profile.clients if c.documented.enabled and c.redirect_uris
                  and c.documented.jarm_encryption is None and _token_response_type(c)
                  and (c.use_in_suites or c.documented.require_jarm)]
    candidates.sort(key=lambda c: not c.documented.require_jarm)
    if not candidates:
        raise NotApplicable("the profile has no client without JARM encryption that may use a response type with "
                            "token or id_token (clients[].response_types)")
    client = candidates[0]
    response_type = _token_response_type(client)
    assert response_type is not None
    _, outcome = authorize(target, user_agent, client, response_type=response_type, response_mode="query.jwt")
    response = outcome.query.get("response", "") if outcome.redirected else ""
    inside = "a JWE" if jose.is_jwe(response) else _claim_names(response)
    evidence.note(f"{client.id}: response_type={response_type} response_mode=query.jwt: {outcome.describe()}; "
                  f"query parameters {sorted(outcome.query)}; response JWT members: {inside}")
    documented.check_query_jwt_without_tokens(response_type, outcome.query if outcome.redirected else {})


def _jarm_answer(outcome: Any) -> tuple[str | None, bool]:
    """Where a ``response`` JWT came (query, fragment, form_post; None: none) and whether it is a JWE."""
    found = find_response(outcome) if outcome.redirected else None
    if found is None:
        return None, False
    delivered, raw, _ = found
    return delivered, jose.is_jwe(raw)


@requirement("JARM-2.3.4", "DOC-require_jarm")
def test_jarm_implicit_modes(target: Target, user_agent: Any) -> None:
    """JARM modes for a response type with tokens: ``jwt`` answers in the fragment; ``query.jwt`` works when encrypted.

    ``jwt`` is asked by a client without JARM encryption that may use ``code id_token`` (or another
    type with tokens; Require JARM clients first); ``query.jwt`` by a client documented with JARM
    encryption that may use one (PingFederate: "Failure in the case of the implicit grant unless the
    response is an encrypted JWT based on the client settings"), when the profile has one.
    """
    modes = target.metadata.get("response_modes_supported") or []
    if "jwt" not in modes:
        pytest.skip("the target does not advertise response_mode jwt (response_modes_supported)")
    plain = sorted((c for c in target.profile.clients if c.documented.enabled and c.redirect_uris
                    and c.documented.jarm_encryption is None and _token_response_type(c)
                    and (c.use_in_suites or c.documented.require_jarm)), key=lambda c: not c.documented.require_jarm)
    encrypted = [c for c in target.profile.clients if c.documented.enabled and c.redirect_uris and c.jwks_file
                 and c.documented.jarm_encryption is not None and _token_response_type(c)]
    if not plain:
        raise NotApplicable("the profile has no client without JARM encryption that may use a response type with "
                            "token or id_token (clients[].response_types)")
    findings = Findings()
    client = plain[0]
    response_type = _token_response_type(client)
    assert response_type is not None
    _, outcome = authorize(target, user_agent, client, response_type=response_type, response_mode="jwt")
    delivered, is_jwe = _jarm_answer(outcome)
    evidence.note(f"{client.id}: response_type={response_type} response_mode=jwt: response JWT in {delivered}")
    findings.check(documented.check_jarm_implicit_delivery, "jwt", response_type, delivered_in=delivered,
                   encrypted=is_jwe, error=outcome.params.get("error") if outcome.redirected else None)
    if encrypted and "query.jwt" in modes:
        client = encrypted[0]
        response_type = _token_response_type(client)
        assert response_type is not None
        _, outcome = authorize(target, user_agent, client, response_type=response_type, response_mode="query.jwt")
        delivered, is_jwe = _jarm_answer(outcome)
        kind = "encrypted" if is_jwe else "unencrypted"
        evidence.note(f"{client.id} (JARM encryption documented): response_type={response_type} "
                      f"response_mode=query.jwt: {kind} response JWT in {delivered}")
        findings.check(documented.check_jarm_implicit_delivery, "query.jwt", response_type, delivered_in=delivered,
                       encrypted=is_jwe, error=outcome.params.get("error") if outcome.redirected else None)
    else:
        evidence.note("no client documented with JARM encryption may use a response type with tokens: the encrypted "
                      "query.jwt case is not asked")
    findings.raise_if_any()


@pytest.mark.needs("pushed_authorization_request_endpoint")
@requirement("DOC-request_object_replay_prevention", "RFC9126-3")
def test_request_object_replay_by_reference(target: Target, user_agent: Any) -> None:
    """A signed request object pushed once and used is refused when pushed again (Replay Prevention, by reference)."""
    client = next((c for c in target.profile.clients if c.documented.request_object_replay_prevention
                   and c.jwks_file is not None and c.documented.enabled and "authorization_code" in c.grant_types
                   and c.redirect_uris), None)
    if client is None:
        pytest.skip("the profile documents Replay Prevention for no code client with a private JWKS "
                    "(clients[].documented.request_object_replay_prevention)")
    request = build_authorization_request(target, client)
    token = sign_request_object(target, client, request_object_claims(target, request))
    first = push(target, client, {"client_id": client.id, "request": token}, label="push a signed request object",
                 request=request)
    front = by_reference(target, request, pushed_or_fail(first))
    outcome = user_agent().authorize(front.url(), user=target.user(0), redirect_uri=front.redirect_uri)
    rfc9101.check_request_object_accepted(outcome.params if outcome.redirected else {}, state=request.state,
                                          requirement="RFC9126-3")
    second = push(target, client, {"client_id": client.id, "request": token},
                  label="push the same request object again", request=request)
    evidence.note(f"second push of the same request object: HTTP {second.status} error={second.error}")
    code_issued = None
    if second.ok and second.request_uri is not None:
        again = by_reference(target, request, second.request_uri)
        replay = user_agent().authorize(again.url(), user=target.user(0), redirect_uri=again.redirect_uri)
        evidence.note(f"authorization with the second request_uri: {replay.describe()}")
        code_issued = replay.redirected and bool(replay.params.get("code"))
    documented.check_replay_by_reference_refused(second_push_status=second.status, second_code_issued=code_issued)


@requirement("DOC-require_signed_requests", "OIDCC-6.3.3")
def test_signed_request_inside_wins(target: Target, user_agent: Any) -> None:
    """For a client documented with Require Signed Requests, the request object's ``state`` and ``nonce`` are used.

    PingFederate: "If a client includes in an authorization request a request parameter other than
    client_id, as a parameter outside of the signed request object and a claim inside of the signed
    request object, PingFederate always uses the claim value found inside the signed request object".
    Both ``state`` (the authorization response) and ``nonce`` (the ID token) are sent inside and,
    with other values, outside.
    """
    client = next((c for c in target.profile.clients if c.documented.require_signed_requests and c.jwks_file
                   and c.documented.enabled and "authorization_code" in c.grant_types
                   and not c.documented.require_par and not c.documented.require_jarm), None)
    if client is None:
        pytest.skip("the profile documents no code-flow client with Require Signed Requests and a private JWKS "
                    "(clients[].documented.require_signed_requests, jwks_file)")
    request = build_authorization_request(target, client)
    token = sign_request_object(target, client, request_object_claims(target, request))
    outside = {"state": "outside-" + secrets.token_urlsafe(8), "nonce": "outside-" + secrets.token_urlsafe(8)}
    front = by_value(target, request, token, outside=outside, keep=OIDC_OUTSIDE_PARAMS)
    outcome: AuthorizationOutcome = user_agent().authorize(front.url(), user=target.user(0),
                                                           redirect_uri=request.redirect_uri)
    code = outcome.params.get("code") if outcome.redirected else None
    id_token = None
    if code:
        result = redeem_code(target, client, code, redirect_uri=request.redirect_uri,
                             code_verifier=request.code_verifier)
        raw = (result.body or {}).get("id_token")
        if isinstance(raw, str) and raw.count(".") == 2:
            decoded = jose.decode_unverified(raw)
            evidence.record_token("id_token", decoded.header, decoded.claims)
            id_token = decoded.claims
    documented.check_signed_request_inside_wins(outcome.params if outcome.redirected else {},
                                                id_token, inside={"state": request.state, "nonce": request.nonce},
                                                outside=outside)
