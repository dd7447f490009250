"""Confirmation claims (RFC 7800): ``cnf`` in access tokens, ID tokens, token and introspection responses.

Each check obtains sender-constrained tokens the way a client does (a DPoP proof, or a client
certificate) and validates every ``cnf`` it finds — in the JWT access token, the ID token, the
token response itself, or the introspection response — for shape (RFC 7800 §3) and for binding
to the key the harness actually used: ``jwk``, ``jkt``, ``x5t#S256``, ``jwe`` (decryptable by
the resource when the profile gives its key), ``jku`` (https; fetched only when the profile
allows) and ``kid``.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    jwt_access_token,
    pick_resource,
    plain_code_flow,
    token_params_for,
)
from harness.flows.token import token_request
from harness.http import try_json_object
from harness.profile import Client
from harness.results import Findings, Level, fail
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


@dataclass(frozen=True)
class Required:
    """Where the binding's ``cnf`` must be, the rule that says so, and that rule's level."""

    label: str
    requirement: str
    level: Level


#: RFC 9449 §6.1: "When access tokens are represented as JWTs [RFC7519], the public key information is
#: represented using the jkt confirmation method member"; §6.2: "the hash of the public key to which the
#: token is bound is conveyed ... in a token introspection response ... using the same cnf content".
DPOP_REQUIRED = {"jwt": Required("JWT access token", "RFC9449-6.1", Level.MUST),
                 "introspection": Required("introspection response", "RFC9449-6.2", Level.MUST)}
#: RFC 8705 §3.1: "the certificate hash information SHOULD be represented using the x5t#S256 confirmation
#: method member"; §3.2: "the hash of the certificate to which the token is bound is conveyed to the protected
#: resource as metainformation in a token introspection response".
MTLS_REQUIRED = {"jwt": Required("JWT access token", "RFC8705-3.1", Level.SHOULD),
                 "introspection": Required("introspection response", "RFC8705-3.2", Level.MUST)}


def _collect(target: Target, body: dict[str, Any], client: Client, source: str,
             resource: ProtectedResource | None) -> list[tuple[str, Any]]:
    """Every ``cnf`` of the token response, its tokens, and (for ``introspection``) the introspection response."""
    found: list[tuple[str, Any]] = []
    if "cnf" in body:
        found.append(("token response", body["cnf"]))
    id_claims = _decoded("ID token", body.get("id_token"))
    if id_claims and "cnf" in id_claims:
        found.append(("ID token", id_claims["cnf"]))
    if source == "jwt":
        assert resource is not None
        claims = jwt_access_token(resource, str(body.get("access_token")))
        if "cnf" in claims.claims:
            found.append(("JWT access token", claims.claims["cnf"]))
    else:
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
            jku_document = (try_json_object(response) or {}) if response.status_code == 200 else {}
    return rfc7800.BoundKey(decryption_keys=keys, jku_document=jku_document, **known)


def _judge(cnf_values: list[tuple[str, Any]], bound: rfc7800.BoundKey, required: Required) -> None:
    findings = Findings()
    findings.check(rfc7800.check_cnf_present, [label for label, _ in cnf_values], required.label,
                   requirement=required.requirement, level=required.level)
    for label, cnf in cnf_values:
        evidence.note(f"validating cnf of the {label}: members {sorted(cnf) if isinstance(cnf, dict) else cnf!r}")
        notes = findings.check(rfc7800.check_cnf, cnf, bound) or []
        for text in notes:
            evidence.note(f"{label}: {text}")
    findings.raise_if_any()


def _resource_for(target: Target, source: str, *, dpop: bool = False, mtls: bool = False) -> ProtectedResource | None:
    """The resource whose tokens are inspected (decided before any request).

    ``jwt``: a resource with documented JWT access tokens (or the documented default format), else
    the check does not apply; ``introspection``: the introspection endpoint must be advertised, and
    a documented resource that fits is used when there is one.
    """
    if source == "jwt":
        return pick_resource(target, jwt=True, purpose="cnf in JWT access tokens")
    target.endpoint("introspection_endpoint")  # not applicable when not advertised
    try:
        return pick_resource(target, dpop=dpop, mtls=mtls, purpose="cnf in introspection responses")
    except NotApplicable:
        return None


def _token_params(resource: ProtectedResource | None) -> tuple[dict[str, str], str | None]:
    if resource is None or not resource.url:
        return {}, None
    return token_params_for(resource)


@pytest.mark.needs("dpop_signing_alg_values_supported")
@pytest.mark.parametrize("source", SOURCES)
@requirement("RFC7800-3.1", "RFC7800-3.2", "RFC9449-6.1", "RFC9449-6.2")
def test_cnf_of_dpop_bound_tokens(target: Target, user_agent: Any, source: str) -> None:
    """Every cnf of a DPoP-bound token is well formed and names the DPoP proof key (jkt in JWT / introspection)."""
    client = dpop_client(target)
    resource = _resource_for(target, source, dpop=True)
    session = DpopSession(target)
    extra, scope_extra = _token_params(resource)
    scope = " ".join(filter(None, [client.scope, scope_extra])) if scope_extra else None
    grant = obtain_bound_tokens(target, user_agent, client, session=session, scope=scope, authz_extra=extra,
                                token_extra=extra)
    found = _collect(target, grant.body, client, source, resource)
    _judge(found, _bound_key(target, resource, found, jwk=session.public_jwk), DPOP_REQUIRED[source])


def _certificate_client(target: Target) -> Client:
    for client in target.profile.clients:
        if client.documented.certificate_bound and client.cert_file and client.key_file \
                and "authorization_code" in client.grant_types and plain_code_flow(client):
            return client
    raise NotApplicable("the profile has no certificate-bound client (documented.certificate_bound, cert_file)")


@pytest.mark.parametrize("source", SOURCES)
@requirement("RFC7800-3.1", "RFC8705-3.1", "RFC8705-3.2")
def test_cnf_of_certificate_bound_tokens(target: Target, user_agent: Any, source: str) -> None:
    """Every cnf of a certificate-bound token is well formed and names the client certificate."""
    client = _certificate_client(target)
    resource = _resource_for(target, source, mtls=True)
    extra, scope_extra = _token_params(resource)
    scope = " ".join(filter(None, [client.scope, scope_extra])) if scope_extra else None
    flow = obtain_code(target, user_agent, client, scope=scope, extra=extra or None)
    result = token_request(target, client, {**redeem_params(flow.request, flow.code), **extra},
                           label="redeem code over mutual TLS")
    if not result.ok:
        raise fail("PRECONDITION_MTLS_TOKEN_REQUEST_FAILED", f"a token request of {client.id} over mutual TLS did not "
                   "return tokens", "RFC8705-2", expected="HTTP 200 with access_token",
                   actual=f"HTTP {result.status} error={result.error}")
    assert client.cert_file is not None
    found = _collect(target, result.body or {}, client, source, resource)
    _judge(found, _bound_key(target, resource, found,
                             certificate_thumbprint=jose.x5t_s256(Path(client.cert_file).read_bytes()),
                             certificate_jwk=certificate_public_jwk(client.cert_file)), MTLS_REQUIRED[source])
