"""Request objects by reference (OIDC Core §6.2, RFC 9101 §5.2) and unsigned (OIDC Core §6.1,
Registration §2), and redirect URIs registered with a query (RFC 6749 §3.1.2, OIDC Core §3.1.2.1).

The harness hosts the request objects itself (:mod:`harness.request_object_host`, profile
section ``request_object_host``) on loopback HTTPS: each object under a fresh random path, so
the server cannot answer from a cache and the host sees whether it was fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest

from harness.flows.authorization import (
    AuthorizationOutcome,
    AuthorizationRequest,
    OffRedirectUri,
    build_authorization_request,
)
from harness.flows.hosted_clients import HostedChoice, choose_request_uri_client, request_uri_client
from harness.flows.request_object import by_value, request_object_alg, request_object_claims, sign_request_object
from harness.profile import Client
from harness.request_object_host import RequestObjectHost
from harness.results import NeedsReview
from harness.specs import oidc_request_uri, rfc6749, rfc9101
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement


def _by_reference_supported(target: Target) -> RequestObjectHost:
    """The host for ``request_uri`` checks; skipped where the target or the profile cannot use one."""
    if target.metadata.get("request_uri_parameter_supported") is not True:
        raise NotApplicable("the target does not advertise request_uri_parameter_supported: true (the OIDC "
                            "Discovery default true is not relied on: plain OAuth servers omit the member)")
    settings = target.profile.request_object_host
    if settings is None:
        raise NotApplicable("the profile has no request_object_host (an https endpoint on loopback, with a "
                            "certificate the target trusts, where the harness serves request objects)")
    return RequestObjectHost(settings)


def _pre_registration(target: Target, fits: Callable[[Client], bool], *, unsigned: bool = False) -> HostedChoice | None:
    """Where the target requires request_uri pre-registration (OIDC Discovery §3), the client to use; else None.

    OIDC Registration §2 request_uris: "OPs can require that request_uri values used be
    pre-registered with the require_request_uri_registration discovery parameter." A profile
    client documenting request_uris on the host, else one the harness registers (skipped naming both).
    """
    if target.metadata.get("require_request_uri_registration") is not True:
        return None
    return choose_request_uri_client(target, fits, unsigned=unsigned)


@contextmanager
def _client_and_uri(target: Target, host: RequestObjectHost, choice: HostedChoice | None,
                    client: Client | None) -> Iterator[tuple[Client, str, bool]]:
    """The client, a reserved request_uri on the started host, and whether that URL is reused (hash fragment)."""
    if choice is None:
        assert client is not None
        yield client, host.reserve(), False
        return
    with request_uri_client(target, choice, host) as hosted:
        yield hosted.client, hosted.endpoint, hosted.source == "profile"


def _signs(target: Target, client: Client) -> bool:
    if not (client.use_in_suites and "authorization_code" in client.grant_types and client.jwks_file):
        return False
    if client.documented.require_par or client.documented.require_jarm:
        return False
    try:
        request_object_alg(target, client)
    except NotApplicable:
        return False
    return True


def _signing_client(target: Target) -> Client:
    for client in target.profile.clients:
        if _signs(target, client):
            return client
    raise NotApplicable("the profile has no code-flow client with a private JWKS to sign request objects")


def _unsigns(client: Client) -> bool:
    return client.documented.request_object_signing_alg == "none" and "authorization_code" in client.grant_types


def _unsigned_client(target: Target) -> Client:
    for client in target.profile.clients:
        if _unsigns(client):
            return client
    raise NotApplicable("no client is documented with request_object_signing_alg: none")


def _send(target: Target, user_agent: Any, front: AuthorizationRequest) -> AuthorizationOutcome:
    outcome: AuthorizationOutcome = user_agent().authorize(front.url(), user=target.user(0),
                                                           redirect_uri=front.redirect_uri)
    return outcome


def _reference(target: Target, request: AuthorizationRequest, uri: str) -> AuthorizationRequest:
    """The front-channel request passing the object by reference (client_id, request_uri, response_type, scope)."""
    front = by_value(target, request, "")
    params = {k: v for k, v in front.params.items() if k != "request"}
    params["request_uri"] = uri
    return AuthorizationRequest(endpoint=front.endpoint, params=params, client=request.client,
                                redirect_uri=request.redirect_uri, state=request.state, nonce=request.nonce,
                                code_verifier=request.code_verifier)


def _params(outcome: AuthorizationOutcome) -> dict[str, str]:
    return dict(outcome.params) if outcome.redirected else {}


@requirement("OIDCC-6.2.3", "RFC9101-5.2", "OIDCC-6.2-reachable")
def test_signed_by_reference(target: Target, user_agent: Any) -> None:
    """A signed request object served by the harness at ``request_uri`` is fetched and used."""
    host = _by_reference_supported(target)
    choice = _pre_registration(target, lambda c: _signs(target, c))
    profile_client = _signing_client(target) if choice is None else None
    with host, _client_and_uri(target, host, choice, profile_client) as (client, uri, reused):
        request = build_authorization_request(target, client)
        token = sign_request_object(target, client, request_object_claims(target, request))
        outcome = _send(target, user_agent, _reference(target, request, host.put(uri, token, fragment_hash=reused)))
        fetches = host.record_fetches()
        host.require_trusted()
    oidc_request_uri.check_by_reference_accepted(_params(outcome), state=request.state, fetches=len(fetches))


@requirement("OIDCC-6.2.3", "DOC-request_object_signing_alg", "OIDCC-6.1-unsigned")
def test_unsigned_by_reference(target: Target, user_agent: Any) -> None:
    """An unsigned request object at ``request_uri``, for a client registered with ``none``, is used."""
    choice = _pre_registration(target, _unsigns, unsigned=True) \
        if target.metadata.get("request_uri_parameter_supported") is True else None
    profile_client = _unsigned_client(target) if choice is None else None
    host = _by_reference_supported(target)
    with host, _client_and_uri(target, host, choice, profile_client) as (client, uri, reused):
        request = build_authorization_request(target, client)
        token = sign_request_object(target, client, request_object_claims(target, request), alg="none")
        outcome = _send(target, user_agent, _reference(target, request, host.put(uri, token, fragment_hash=reused)))
        fetches = host.record_fetches()
        host.require_trusted()
    oidc_request_uri.check_by_reference_accepted(_params(outcome), state=request.state, fetches=len(fetches))


@requirement("DOC-request_object_signing_alg", "OIDCC-6.1-unsigned", "OIDCR-2-request_object_signing_alg")
def test_unsigned_by_value_where_registered(target: Target, user_agent: Any) -> None:
    """An unsigned (``alg: none``) request object by value is served for a client registered with ``none``."""
    client = _unsigned_client(target)
    if target.metadata.get("request_parameter_supported") is not True:
        raise NotApplicable("the target does not advertise request_parameter_supported")
    request = build_authorization_request(target, client)
    token = sign_request_object(target, client, request_object_claims(target, request), alg="none")
    outcome = _send(target, user_agent, by_value(target, request, token))
    oidc_request_uri.check_unsigned_accepted(_params(outcome), state=request.state,
                                             requirement="DOC-request_object_signing_alg")


@requirement("OIDCR-2-request_object_signing_alg", "OIDCC-6.3.2")
def test_unsigned_refused_for_registered_alg(target: Target, user_agent: Any) -> None:
    """A client registered with a signing alg other than ``none`` gets its unsigned request objects refused."""
    candidates = [c for c in target.profile.clients
                  if c.documented.request_object_signing_alg not in (None, "none") and c.use_in_suites
                  and "authorization_code" in c.grant_types and not c.documented.require_par
                  and not c.documented.require_jarm]
    if not candidates:
        raise NotApplicable("no code-flow client is documented with a request_object_signing_alg other than none")
    if target.metadata.get("request_parameter_supported") is not True:
        raise NotApplicable("the target does not advertise request_parameter_supported")
    client = candidates[0]
    request = build_authorization_request(target, client)
    token = sign_request_object(target, client, request_object_claims(target, request), alg="none")
    outcome = _send(target, user_agent, by_value(target, request, token))
    rfc9101.check_request_object_refused(
        _params(outcome), redirected=outcome.redirected, code="JAR_UNSIGNED_ACCEPTED_FOR_REGISTERED_ALG",
        message=f"an unsigned request object was accepted from a client registered with "
                f"request_object_signing_alg {client.documented.request_object_signing_alg}",
        requirement="OIDCR-2-request_object_signing_alg")


@requirement("RFC9101-5.2", "OIDCC-3.1.2.6-invalid_request_uri", "RFC9101-6.3-error")
def test_unfetchable_request_uri_refused(target: Target, user_agent: Any) -> None:
    """A ``request_uri`` that answers 404 is refused (``invalid_request_uri``), not served without its object."""
    host = _by_reference_supported(target)
    choice = _pre_registration(target, lambda c: _signs(target, c))
    profile_client = _signing_client(target) if choice is None else None
    with host, _client_and_uri(target, host, choice, profile_client) as (client, uri, _reused):
        request = build_authorization_request(target, client)
        front = _reference(target, request, uri)  # reserved (and registered where required), never filled: 404
        # redirect_uri and state outside too, so the server can redirect its error and its code can be judged
        front.params.update({"redirect_uri": request.redirect_uri, "state": request.state or ""})
        outcome = _send(target, user_agent, front)
        host.record_fetches()
        host.require_trusted()
    oidc_request_uri.check_unfetchable_refused(_params(outcome), redirected=outcome.redirected)


def _query_client(target: Target) -> tuple[Client, str]:
    for client in target.profile.clients:
        if "authorization_code" not in client.grant_types or client.documented.require_par \
                or client.documented.require_signed_requests or client.documented.require_jarm:
            continue
        for uri in client.redirect_uris:
            if "?" in uri:
                return client, uri
    raise NotApplicable("no code-flow client has a registered redirect URI with a query")


@requirement("OIDCC-3.1.2.1-redirect_uri_match", "RFC6749-3.1.2-query")
def test_redirect_uri_with_query_accepted(target: Target, user_agent: Any) -> None:
    """A registered redirect URI that carries a query works, and the response keeps that query."""
    client, registered = _query_client(target)
    request = build_authorization_request(target, client, redirect_uri=registered)
    try:
        outcome = _send(target, user_agent, request)
    except OffRedirectUri as off:  # landed at the registered path without its query: judged below
        landed = urlsplit(off.outcome.redirect_url or "")
        if (landed.scheme, landed.netloc, landed.path) != urlsplit(registered)[:3]:
            raise
        outcome = off.outcome
    oidc_request_uri.check_redirect_query_retained(outcome.redirect_url if outcome.redirected else None,
                                                   registered, params=_params(outcome))


@requirement("OIDCC-3.1.2.1-redirect_uri_match", "RFC6749-3.1.2.4")
def test_redirect_uri_with_changed_query_refused(target: Target, user_agent: Any) -> None:
    """The registered redirect URI with a changed query value is refused (exact matching), without redirecting."""
    client, registered = _query_client(target)
    changed = oidc_request_uri.changed_query(registered)
    request = build_authorization_request(target, client, redirect_uri=changed)
    try:
        outcome = _send(target, user_agent, request)
    except OffRedirectUri as off:  # an error reported at the registered URI is the server's legitimate choice
        outcome = off.outcome_if_registered(client.redirect_uris)
    if outcome.via == "form_post":
        rfc6749.check_redirect_not_followed_to(200, None, changed, form_action=outcome.redirect_url,
                                               requirement="OIDCC-3.1.2.1-redirect_uri_match")
    elif outcome.redirected:
        rfc6749.check_redirect_not_followed_to(302, outcome.redirect_url, changed,
                                               requirement="OIDCC-3.1.2.1-redirect_uri_match")
    elif outcome.error_page is not None:
        rfc6749.check_redirect_not_followed_to(outcome.error_page.status, None, changed,
                                               body=outcome.error_page.text_excerpt,
                                               requirement="OIDCC-3.1.2.1-redirect_uri_match")
        if outcome.error_page.status >= 500:
            raise NeedsReview(f"the authorization endpoint answered HTTP {outcome.error_page.status} (a server error, "
                              f"not a refusal): it did not redirect to {changed}, but whether it validates the "
                              "redirect_uri cannot be told from this answer")
