"""Probes that exercise one advertised metadata value with a real request (suite ``metadata``).

Each probe sends the smallest real request that makes the server show whether it implements a
value — a token request of one grant type with made-up grant values, a token request
authenticated with one method for a made-up code, an introspection/revocation call for a made-up
token — and returns the verdict of :mod:`harness.specs.metadata_consistency` with the client it used.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from harness import evidence
from harness.flows.introspection import introspect
from harness.flows.revocation import revoke
from harness.flows.token import token_request
from harness.profile import AuthMethod, Client
from harness.specs import metadata_consistency as mc
from harness.target import Target


@dataclass(frozen=True)
class ClientProbe:
    """A probe's verdict, with the client it used."""

    client: Client
    probe: mc.Probe


def grant_params(grant: str, client: Client) -> dict[str, str]:
    """A complete token request of ``grant`` with made-up grant values (RFC 6749 §4, RFC 8628 §3.4, CIBA §10.1)."""
    params = {"grant_type": grant, **mc.GRANT_TYPES.get(grant, {})}
    if grant == "authorization_code" and client.redirect_uris:
        params["redirect_uri"] = client.redirect_uris[0]
    if grant in ("refresh_token", "authorization_code", "password", "urn:ietf:params:oauth:grant-type:device_code",
                 "urn:openid:params:grant-type:ciba"):
        # made-up values must not collide with anything real
        for name in ("code", "refresh_token", "device_code", "auth_req_id"):
            if name in params:
                params[name] = f"{params[name]}-{secrets.token_urlsafe(8)}"
    return params


def confidential_clients(target: Target) -> list[Client]:
    """Profile clients that authenticate with a credential the harness holds (no certificate needed)."""
    return [c for c in target.profile.clients if c.use_in_suites and not c.is_public
            and c.auth_method not in (AuthMethod.TLS_CLIENT_AUTH, AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH)]


def grant_probe(target: Target, grant: str) -> ClientProbe:
    """Send one token request of ``grant``; prefer a client registered for it, else any confidential client."""
    clients = confidential_clients(target)
    registered = [c for c in clients if grant in c.grant_types]
    client = (registered or clients or [c for c in target.profile.clients if c.use_in_suites])[0]
    result = token_request(target, client, grant_params(grant, client), label=f"token request grant_type={grant}")
    probe = mc.grant_support(result.status, result.body)
    evidence.note(f"grant_type={grant} with client {client.id}: {probe.observed} → {probe.support.value}")
    return ClientProbe(client, probe)


def _combine(results: list[ClientProbe]) -> mc.Probe:
    """One verdict from several clients: any that worked → works; all refused → does not; else unknown."""
    if any(r.probe.support is mc.Support.YES for r in results):
        used = [r.client.id for r in results if r.probe.support is mc.Support.YES]
        return mc.Probe(mc.Support.YES, f"clients {used}: " + "; ".join(
            r.probe.observed for r in results if r.probe.support is mc.Support.YES))
    observed = "; ".join(f"client {r.client.id}: {r.probe.observed}" for r in results)
    if results and all(r.probe.support is mc.Support.NO for r in results):
        return mc.Probe(mc.Support.NO, observed)
    return mc.Probe(mc.Support.UNKNOWN, observed)


def clients_with_method(target: Target, method: AuthMethod) -> list[Client]:
    """Every profile client registered with ``method`` (all are tried before a value is left unexercised)."""
    return [c for c in target.profile.clients if c.use_in_suites and c.auth_method is method]


def token_auth_probe(target: Target, clients: Iterable[Client]) -> mc.Probe:
    """Token requests for a made-up code (or the client's own grant), one per client; combined verdict."""
    results: list[ClientProbe] = []
    for client in clients:
        grant = "authorization_code" if "authorization_code" in client.grant_types else client.grant_types[0]
        result = token_request(target, client, grant_params(grant, client),
                               label=f"token request authenticated with {client.auth_method.value}")
        probe = mc.auth_method_support(result.status, result.body)
        evidence.note(f"client {client.id} ({client.auth_method.value}): {probe.observed} → {probe.support.value}")
        results.append(ClientProbe(client, probe))
        if probe.support is mc.Support.YES:
            break  # one client shows the method works; the others are tried only while none has
    return _combine(results)


def endpoint_auth_probe(target: Target, clients: Iterable[Client], member: str) -> mc.Probe:
    """Introspection or revocation calls for a made-up token, one per client; combined verdict."""
    call: Callable[..., object] = introspect if member == "introspection_endpoint" else revoke
    results: list[ClientProbe] = []
    for client in clients:
        answer = call(target, client, f"harness-made-up-token-{secrets.token_urlsafe(8)}",
                      label=f"{member.split('_')[0]} request authenticated with {client.auth_method.value}")
        status, body = answer.status, answer.body  # type: ignore[attr-defined]
        probe = mc.endpoint_call_support(status, body)
        evidence.note(f"client {client.id} ({client.auth_method.value}): {probe.observed} → {probe.support.value}")
        results.append(ClientProbe(client, probe))
        if probe.support is mc.Support.YES:
            break  # one client shows the method works; the others are tried only while none has
    return _combine(results)
