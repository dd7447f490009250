"""Confirmation claims (RFC 7800): ``cnf`` in access tokens, ID tokens, token and introspection responses.

Each check obtains sender-constrained tokens the way a client does (a DPoP proof, or a client
certificate) and validates every ``cnf`` it finds — in the JWT access token, the ID token, the
token response itself, or the introspection response — for shape (RFC 7800 §3) and for binding
to the key the harness actually used: ``jwk``, ``jkt``, ``x5t#S256``, ``jwe`` (decryptable by
the resource when the profile gives its key), ``jku`` (https; fetched only when the profile
allows) and ``kid``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness import evidence, jose
from harness.flows.code_flow import obtain_code
from harness.flows.dpop import DpopSession, dpop_client, obtain_bound_tokens, redeem_params
from harness.flows.resource import (
    ProtectedResource,
    certificate_public_jwk,
    introspect,
    introspection_client,
    pick_resource,
    token_params_for,
)
from harness.flows.token import token_request
from harness.profile import Client
from harness.results import Findings, fail
from harness.specs import rfc7800
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement

SOURCES = ["jwt", "introspection"]


def _decoded(label: str, token: Any) -> dict[str, Any] | None:
    if not isinstance(token, str) or token.count(".") != 2:
        return None
    try:
        decoded = jose.decode_unverified(token)
    except jose.JoseError:
        return None
    evidence.record_token(label, decoded.header, decoded.claims)
    return decoded.claims


def _collect(target: Target, body: dict[str, Any], client: Client, source: str) -> list[tuple[str, Any]]:
    """Every ``cnf`` of the token response, its tokens, and (for ``introspection``) the introspection response."""
    found: list[tuple[str, Any]] = []
    if "cnf" in body:
        found.append(("token response", body["cnf"]))
    id_claims = _decoded("ID token", body.get("id_token"))
    if id_claims and "cnf" in id_claims:
        found.append(("ID token", id_claims["cnf"]))
    if source == "jwt":
        claims = _decoded("access token", body.get("access_token"))
        if claims is None:
            raise NotApplicable("the access token is not a JWT (JWS); its cnf is checked through introspection")
        if "cnf" in claims:
            found.append(("JWT access token", claims["cnf"]))
    else:
        if "introspection_endpoint" not in target.metadata:
            raise NotApplicable("the target does not advertise introspection_endpoint")
        info = introspect(target, str(body["access_token"]), client=introspection_client(target, client))
        if "cnf" in info:
            found.append(("introspection response", info["cnf"]))
    return found


def _bound_key(target: Target, resource: ProtectedResource | None, cnf_values: list[tuple[str, Any]],
               **known: Any) -> rfc7800.BoundKey:
    keys = None
    if resource is not None and resource.jwks_file:
        keys = jose.load_private_jwks(Path(resource.jwks_file))
    jku_document = None
    for _label, cnf in cnf_values:
        jku = cnf.get("jku") if isinstance(cnf, dict) else None
        if isinstance(jku, str) and resource is not None and resource.fetch_jku and target.on_target(jku):
            response = target.http.get(jku, label="cnf.jku key set")
            jku_document = response.json() if response.status_code == 200 else {}
    return rfc7800.BoundKey(decryption_keys=keys, jku_document=jku_document, **known)


def _judge(cnf_values: list[tuple[str, Any]], bound: rfc7800.BoundKey) -> None:
    if not cnf_values:
        raise NotApplicable("no cnf was found in the token response, its tokens or the introspection response")
    findings = Findings()
    for label, cnf in cnf_values:
        evidence.note(f"validating cnf of the {label}: members {sorted(cnf) if isinstance(cnf, dict) else cnf!r}")
        notes = findings.check(rfc7800.check_cnf, cnf, bound) or []
        for text in notes:
            evidence.note(f"{label}: {text}")
    findings.raise_if_any()


def _resource_for(target: Target, source: str, **want: bool) -> ProtectedResource | None:
    if source == "jwt":
        resource = pick_resource(target, jwt=True, purpose="cnf in JWT access tokens")
        return resource if resource.url else None
    try:
        return pick_resource(target, **want)
    except NotApplicable:
        return None


@pytest.mark.needs("dpop_signing_alg_values_supported")
@pytest.mark.parametrize("source", SOURCES)
@requirement("RFC7800-3.1", "RFC7800-3.2", "RFC9449-6.1")
def test_cnf_of_dpop_bound_tokens(target: Target, user_agent: Any, source: str) -> None:
    """Every cnf of a DPoP-bound token is well formed and names the DPoP proof key."""
    client = dpop_client(target)
    resource = _resource_for(target, source, dpop=True)
    session = DpopSession(target)
    extra, scope_extra = token_params_for(resource) if resource is not None else ({}, None)
    scope = " ".join(filter(None, [client.scope, scope_extra])) if scope_extra else None
    grant = obtain_bound_tokens(target, user_agent, client, session=session, scope=scope, authz_extra=extra,
                                token_extra=extra)
    found = _collect(target, grant.body, client, source)
    _judge(found, _bound_key(target, resource, found, jwk=session.public_jwk))


def _certificate_client(target: Target) -> Client:
    for client in target.profile.clients:
        if client.documented.certificate_bound and client.cert_file and client.key_file \
                and "authorization_code" in client.grant_types:
            return client
    raise NotApplicable("the profile has no certificate-bound client (documented.certificate_bound, cert_file)")


@pytest.mark.parametrize("source", SOURCES)
@requirement("RFC7800-3.1", "RFC8705-3.1")
def test_cnf_of_certificate_bound_tokens(target: Target, user_agent: Any, source: str) -> None:
    """Every cnf of a certificate-bound token is well formed and names the client certificate."""
    client = _certificate_client(target)
    resource = _resource_for(target, source, mtls=True)
    extra, scope_extra = token_params_for(resource) if resource is not None else ({}, None)
    scope = " ".join(filter(None, [client.scope, scope_extra])) if scope_extra else None
    flow = obtain_code(target, user_agent, client, scope=scope, extra=extra or None)
    result = token_request(target, client, {**redeem_params(flow.request, flow.code), **extra},
                           label="redeem code over mutual TLS")
    if not result.ok:
        raise fail("PRECONDITION_MTLS_TOKEN_REQUEST_FAILED", f"a token request of {client.id} over mutual TLS did not "
                   "return tokens", "RFC8705-2", expected="HTTP 200 with access_token",
                   actual=f"HTTP {result.status} error={result.error}")
    assert client.cert_file is not None
    found = _collect(target, result.body or {}, client, source)
    _judge(found, _bound_key(target, resource, found,
                             certificate_thumbprint=jose.x5t_s256(Path(client.cert_file).read_bytes()),
                             certificate_jwk=certificate_public_jwk(client.cert_file)))
