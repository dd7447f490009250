"""Probes that exercise one advertised metadata value with a real request (suite ``metadata``).

Each probe sends the smallest real request that makes the server show whether it implements a
value — a token request of one grant type with made-up grant values, a token request
authenticated with one method for a made-up code, an introspection/revocation call for a made-up
token — and returns the verdict of :mod:`harness.specs.metadata_consistency` with the client it used.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from harness import evidence, jose
from harness.flows.authorization import AuthorizationRequest, build_authorization_request
from harness.flows.client_assertion import assertion_audiences
from harness.flows.dpop import DpopSession, new_key
from harness.flows.introspection import endpoint_for, introspect
from harness.flows.request_object import by_value, request_object_claims, sign_request_object
from harness.flows.resource import plain_code_flow
from harness.flows.revocation import revoke
from harness.flows.token import (
    ClientAuth,
    assertion_auth,
    build_assertion,
    client_auth,
    token_request,
)
from harness.profile import AuthMethod, Client
from harness.request_object_host import RequestObjectHost
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


ASSERTION_METHODS = (AuthMethod.CLIENT_SECRET_JWT, AuthMethod.PRIVATE_KEY_JWT)


@dataclass(frozen=True)
class AuthTry:
    """One way of authenticating a probe request: the credentials and, for an assertion, its ``aud``."""

    auth: ClientAuth | None
    audience: str | None

    def describe(self) -> str:
        """``aud=<value>`` for an assertion, empty otherwise (evidence notes)."""
        return f", aud={self.audience}" if self.audience is not None else ""


def auth_tries(target: Target, client: Client, endpoint_url: str, *, key: object | None = None,
               alg: str | None = None) -> Iterator[AuthTry]:
    """The credentials to try, one at a time: one try for secrets and certificates, one per audience for assertions.

    Each assertion is built when its try comes, with a fresh ``jti`` (RFC 7523 §3: the server may accept
    an assertion only once), so a refused try never makes the next one a replay. ``key``/``alg`` sign the
    assertion with another key or algorithm (the algorithm probes).
    """
    if client.auth_method not in ASSERTION_METHODS:
        yield AuthTry(None, None)
        return
    for audience in assertion_audiences(target, client, endpoint_url):
        if key is None and alg is None:
            yield AuthTry(client_auth(target, client, audience), audience)
        else:
            yield AuthTry(assertion_auth(client, build_assertion(client, audience, key=key, alg=alg)), audience)


def _with_audiences(client: Client, label: str, send: Callable[[AuthTry], mc.Probe],
                    tries: Iterable[AuthTry]) -> ClientProbe:
    """Send one request per try until one is not refused (``NO``); the verdict names the ``aud`` that worked.

    A try that works (``YES``) or that cannot be judged (``UNKNOWN``) ends the tries; every refused one
    is named in the observation, so an all-refused verdict lists each audience tried.
    """
    refused: list[str] = []
    probe = mc.Probe(mc.Support.UNKNOWN, "nothing sent")
    for attempt in tries:
        probe = send(attempt)
        evidence.note(f"client {client.id} ({client.auth_method.value}{attempt.describe()}) {label}: "
                      f"{probe.observed} → {probe.support.value}")
        if probe.support is not mc.Support.NO:
            where = f" with aud={attempt.audience}" if attempt.audience is not None else ""
            earlier = f" (refused with aud {refused})" if refused else ""
            return ClientProbe(client, mc.Probe(probe.support, f"{probe.observed}{where}{earlier}"))
        if attempt.audience is not None:
            refused.append(attempt.audience)
    if refused:
        probe = mc.Probe(mc.Support.NO, f"{probe.observed} for every aud tried: {refused}")
    return ClientProbe(client, probe)


def token_auth_probe(target: Target, clients: Iterable[Client]) -> mc.Probe:
    """Token requests for a made-up code (or the client's own grant), one per client; combined verdict.

    An assertion client tries each audience the server may require (:func:`assertion_audiences`).
    """
    results: list[ClientProbe] = []
    for client in clients:
        grant = "authorization_code" if "authorization_code" in client.grant_types else client.grant_types[0]
        url = target.token_endpoint_for(client)

        def send(attempt: AuthTry, client: Client = client, grant: str = grant, url: str = url) -> mc.Probe:
            result = token_request(target, client, grant_params(grant, client), auth=attempt.auth, endpoint=url,
                                   label=f"token request authenticated with {client.auth_method.value}"
                                   f"{attempt.describe()}")
            return mc.auth_method_support(result.status, result.body)

        outcome = _with_audiences(client, "at the token endpoint", send, auth_tries(target, client, url))
        results.append(outcome)
        if outcome.probe.support is mc.Support.YES:
            break  # one client shows the method works; the others are tried only while none has
    return _combine(results)


def endpoint_auth_probe(target: Target, clients: Iterable[Client], member: str) -> mc.Probe:
    """Introspection or revocation calls for a made-up token, one per client; combined verdict.

    An assertion client tries each audience the server may require (the endpoint called, the token
    endpoint, the issuer: :func:`assertion_audiences`) before its method counts as refused.
    """
    call: Callable[..., object] = introspect if member == "introspection_endpoint" else revoke
    results: list[ClientProbe] = []
    for client in clients:
        url = endpoint_for(target, client, member)

        def send(attempt: AuthTry, client: Client = client) -> mc.Probe:
            answer = call(target, client, f"harness-made-up-token-{secrets.token_urlsafe(8)}", auth=attempt.auth,
                          label=f"{member.split('_')[0]} request authenticated with {client.auth_method.value}"
                          f"{attempt.describe()}")
            status, body = answer.status, answer.body  # type: ignore[attr-defined]
            return mc.endpoint_call_support(status, body)

        outcome = _with_audiences(client, f"at the {member.split('_')[0]} endpoint", send,
                                  auth_tries(target, client, url))
        results.append(outcome)
        if outcome.probe.support is mc.Support.YES:
            break  # one client shows the method works; the others are tried only while none has
    return _combine(results)


def assertion_key(client: Client, alg: str) -> object | None:
    """A key of ``client`` that can sign a client assertion with ``alg`` (``None``: it has none).

    ``client_secret_jwt`` clients sign every HS algorithm with their secret (RFC 7523 §2.2, OIDC Core
    §9); ``private_key_jwt`` clients need a key of their private JWKS for the algorithm. A client whose
    registered (documented) algorithm is another one is not used: refusing it is legitimate.
    """
    documented = client.documented.token_endpoint_auth_signing_alg
    if documented is not None and documented != alg:
        return None
    if client.auth_method is AuthMethod.CLIENT_SECRET_JWT:
        if not alg.startswith("HS") or client.secret is None:
            return None
        return jose.secret_key(client.secret.get_secret_value())
    if client.auth_method is not AuthMethod.PRIVATE_KEY_JWT or client.jwks_file is None or alg.startswith("HS"):
        return None
    keyset = jose.load_private_jwks(client.jwks_file)
    for key, member in zip(keyset.keys, keyset.members, strict=True):
        if member.get("use") not in (None, "sig") or member.get("alg") not in (None, alg):
            continue
        try:
            jose.select_key(jose.JWKS.from_keys([key]), {"alg": alg}, use="sig")
        except jose.JoseError:
            continue
        return key
    return None


def assertion_alg_probe(target: Target, alg: str) -> mc.Probe | None:
    """Token requests authenticated by assertions signed with ``alg``, one per capable client, until one works.

    ``None`` when no profile client can sign with ``alg`` (nothing was sent).
    """
    capable = [(c, k) for c in target.profile.clients if c.use_in_suites and plain_code_flow(c)
               for k in [assertion_key(c, alg)] if k is not None]
    if not capable:
        return None
    results: list[ClientProbe] = []
    for client, key in capable:
        url = target.token_endpoint_for(client)
        grant = "authorization_code" if "authorization_code" in client.grant_types else client.grant_types[0]

        def send(attempt: AuthTry, client: Client = client, grant: str = grant, url: str = url) -> mc.Probe:
            result = token_request(target, client, grant_params(grant, client), auth=attempt.auth, endpoint=url,
                                   label=f"token request with a {alg} client assertion{attempt.describe()}")
            return mc.auth_method_support(result.status, result.body)

        outcome = _with_audiences(client, f"{alg} assertion", send, auth_tries(target, client, url, key=key, alg=alg))
        results.append(outcome)
        if outcome.probe.support is mc.Support.YES:
            break
    return _combine(results)


def dpop_alg_probe(target: Target, alg: str) -> mc.Probe | None:
    """A client_credentials token request with a DPoP proof signed with ``alg`` (``None``: no such client).

    RFC 9449 §5: an unacceptable proof is answered ``invalid_dpop_proof``; a token response shows the
    algorithm was accepted. Server nonces (§8) are followed.
    """
    capable = [c for c in confidential_clients(target) if "client_credentials" in c.grant_types]
    if not capable:
        return None
    # a secret-authenticated client first: an assertion's aud is not what this probe is about (auth_tries)
    client = next((c for c in capable if c.auth_method not in ASSERTION_METHODS), capable[0])
    session = DpopSession(target, alg=alg, key=new_key(alg))
    result, _ = session.token_request(client, {"grant_type": "client_credentials"},
                                      label=f"client_credentials with a {alg} DPoP proof")
    error = (result.body or {}).get("error")
    if result.status == 200 and not error:
        probe = mc.Probe(mc.Support.YES, f"client {client.id}: HTTP 200 (a {alg} proof was accepted)")
    elif error == "invalid_dpop_proof":
        probe = mc.Probe(mc.Support.NO, f"client {client.id}: HTTP {result.status} error=invalid_dpop_proof")
    else:
        probe = mc.Probe(mc.Support.UNKNOWN, f"client {client.id}: HTTP {result.status} error={error}")
    evidence.note(f"DPoP proof {alg}: {probe.observed} → {probe.support.value}")
    return probe



def unregistered_request_uri_probe(target: Target, user_agent: Any, host: RequestObjectHost,
                                   client: Client, *, advertised: bool = True) -> mc.Probe:
    """A valid signed request object served by the harness at a fresh random path, passed as ``request_uri``.

    No client registered that URL (OIDC Registration §2 ``request_uris``), so a server requiring
    pre-registration refuses it; the evidence records whether it was fetched.
    """
    request = build_authorization_request(target, client)
    token = sign_request_object(target, client, request_object_claims(target, request))
    with host:
        uri = host.publish(token)
        front = by_value(target, request, "")
        params = {k: v for k, v in front.params.items() if k != "request"}
        params["request_uri"] = uri
        reference = AuthorizationRequest(endpoint=front.endpoint, params=params, client=client,
                                         redirect_uri=request.redirect_uri, state=request.state,
                                         nonce=request.nonce, code_verifier=request.code_verifier)
        outcome = user_agent().authorize(reference.url(), user=target.user(0), redirect_uri=request.redirect_uri)
        fetches = host.record_fetches()
    probe = mc.request_uri_registration_support(outcome.redirected, outcome.params, outcome.login_form_shown,
                                                len(fetches), advertised=advertised)
    evidence.note(f"unregistered request_uri {uri} with client {client.id}: {probe.observed} → pre-registration "
                  f"required: {probe.support.value}")
    return mc.Probe(probe.support, f"client {client.id}: {probe.observed}")


def user_code_probe(target: Target, clients: Iterable[Client], *, registered: bool, advertised: bool) -> mc.Probe:
    """Valid backchannel authentication requests carrying ``user_code`` (CIBA §7.1), one per client, until one shows.

    ``registered``: the profile documents the deployment's CIBA user-code support
    (``documented.ciba.user_code``), i.e. its clients are registered with ``backchannel_user_code_parameter``.
    """
    from harness.flows import ciba  # local: ciba imports the token flows this module imports

    results: list[ClientProbe] = []
    for client in clients:
        params = ciba.request_params(target, client, extra={"user_code": f"harness-{secrets.randbelow(10**6):06d}"})
        answer = ciba.send(target, client, params, label="backchannel authentication request with user_code")
        probe = mc.user_code_support(answer.status, answer.body, client_registered=registered, advertised=advertised)
        evidence.note(f"client {client.id}: user_code request: {probe.observed} → {probe.support.value}")
        results.append(ClientProbe(client, probe))
        if probe.support is not mc.Support.UNKNOWN:
            break
    return _combine(results)
