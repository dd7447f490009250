"""OpenID Connect Back-Channel Logout 1.0: the Logout Token the OP POSTs to the client's ``backchannel_logout_uri``.

The harness hosts the client's registered ``backchannel_logout_uri`` on loopback HTTPS
(:mod:`harness.backchannel_logout_receiver`, certificate from ``logout.receiver``), logs in,
logs out through the end_session endpoint and judges what arrived: the POST form (§2.5) and
the Logout Token (§2.4), verified against the OP's JWK Set. Only the request for this
session counts (its ``sid``, else its ``sub``), so parallel workers' logouts are ignored.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import pytest

from harness import evidence, jose
from harness.backchannel_logout_receiver import Notification
from harness.flows.hosted_clients import HostedChoice, HostedClient, choose_backchannel_logout_client, hosted_client
from harness.profile import Client
from harness.results import fail
from harness.specs import oidc_backchannel
from harness.target import NotApplicable, Target

from ._logout import log_in, log_out, logout_client, logout_params

requirement = pytest.mark.requirement


@dataclass
class Delivery:
    """What the back-channel logout URI received for this session, and the client that logged in."""

    notification: Notification | None
    client: Client
    token: str | None = None
    id_token_claims: dict[str, Any] | None = None


def _raw_token(notification: Notification) -> str | None:
    text = notification.body.decode("utf-8", "replace")
    raw = dict(parse_qsl(text)).get("logout_token")
    if raw is None:
        try:
            document = json.loads(text)
        except ValueError:
            return None
        raw = document.get("logout_token") if isinstance(document, dict) else None
    return raw if isinstance(raw, str) else None


def _matches(notification: Notification, sid: object, sub: object) -> bool:
    """Whether the request is for this session (a request whose token cannot be read counts: it is judged)."""
    raw = _raw_token(notification)
    if raw is None:
        return True
    try:
        claims = jose.decode_unverified(raw).claims
    except jose.JoseError:
        return True
    if isinstance(sid, str) and claims.get("sid") == sid:
        return True
    return claims.get("sub") == sub and claims.get("sid") in (None, sid)


def _choice(target: Target, *, session_required: bool = False) -> HostedChoice:
    """The back-channel client (a profile client, else one the harness registers), decided before any request.

    A registered client asks for ``backchannel_logout_session_required`` where the target
    advertises ``backchannel_logout_session_supported``.
    """
    if target.metadata.get("backchannel_logout_supported") is not True:
        raise NotApplicable("the target does not advertise backchannel_logout_supported: true")
    target.endpoint("end_session_endpoint")
    return choose_backchannel_logout_client(
        target, lambda: logout_client(target, backchannel=True, session_required=session_required))


@contextmanager
def _backchannel_client(target: Target, choice: HostedChoice | None = None) -> Iterator[HostedClient]:
    """The chosen client for the check's duration (a registered one is deleted when the check ends)."""
    with hosted_client(target, choice or _choice(target)) as hosted:
        yield hosted


def _backchannel_logout(target: Target, user_agent: Any, hosted: HostedClient) -> Delivery:
    """Log in with the back-channel client, log out, and return the logout request for this session."""
    client = hosted.client
    receiver = hosted.logout_receiver(target)
    with receiver:
        logged_in = log_in(target, user_agent, client)
        claims = logged_in.grant.id_token_claims
        log_out(target, logged_in, logout_params(client, logged_in))
        deadline = time.monotonic() + target.profile.logout.receiver.wait_s
        while True:
            arrived = receiver.notifications
            mine = next((n for n in arrived if _matches(n, claims.get("sid"), claims.get("sub"))), None)
            if mine is not None or time.monotonic() >= deadline:
                break
            receiver.wait_for(len(arrived) + 1, timeout_s=deadline - time.monotonic())
    uri = hosted.endpoint
    if mine is None:
        evidence.note(f"nothing for this session reached {uri} within {target.profile.logout.receiver.wait_s} s")
        return Delivery(notification=None, client=client, id_token_claims=dict(claims))
    mine.record(uri, status=200, label="back-channel logout request received by the harness")
    return Delivery(notification=mine, client=client, id_token_claims=dict(claims))


def _content_type(notification: Notification) -> str:
    return next((v for k, v in notification.headers if k.lower() == "content-type"), "")


def _token(target: Target, user_agent: Any, hosted: HostedClient) -> tuple[Delivery, str]:
    delivery = _backchannel_logout(target, user_agent, hosted)
    n = delivery.notification
    token = oidc_backchannel.check_logout_request(
        method=n.method if n else None, content_type=_content_type(n) if n else "", body=n.body if n else b"")
    delivery.token = token
    return delivery, token


def _decoded(target: Target, user_agent: Any, hosted: HostedClient) -> tuple[Delivery, jose.DecodedJWT]:
    """The Logout Token of this session, decoded (its signature is judged by logout_token_signed)."""
    delivery, token = _token(target, user_agent, hosted)
    try:
        decoded = jose.decode_unverified(token)
    except jose.JoseError as exc:
        raise fail("LOGOUT_TOKEN_MALFORMED", f"the logout_token is not a JWS: {exc}", "OIDCBCL-2.4-signed",
                   expected="a signed JWT", actual=str(exc)) from exc
    evidence.record_token("logout_token", decoded.header, decoded.claims)
    return delivery, decoded


@requirement("OIDCBCL-2.5-post", "OIDCBCL-2.5-form")
@pytest.mark.needs("end_session_endpoint")
def test_logout_request_delivered(target: Target, user_agent: Any) -> None:
    """The OP POSTs a form with ``logout_token`` to the client's ``backchannel_logout_uri`` after the logout."""
    with _backchannel_client(target) as hosted:
        _token(target, user_agent, hosted)


def _signing_algs(target: Target) -> list[str]:
    algs = target.metadata.get("id_token_signing_alg_values_supported")
    return [a for a in algs if isinstance(a, str)] if isinstance(algs, list) else ["RS256"]


@requirement("OIDCBCL-2.4-signed")
@pytest.mark.needs("end_session_endpoint")
def test_logout_token_signed(target: Target, user_agent: Any) -> None:
    """The Logout Token is signed, and its signature verifies with a key of the OP's JWK Set."""
    with _backchannel_client(target) as hosted:
        _, token = _token(target, user_agent, hosted)
    decoded = oidc_backchannel.check_signed(token, target.jwks, _signing_algs(target))
    evidence.record_token("logout_token", decoded.header, decoded.claims)


@requirement("OIDCBCL-2.4-iss", "OIDCBCL-2.4-aud", "OIDCBCL-2.4-iat", "OIDCBCL-2.4-jti")
@pytest.mark.needs("end_session_endpoint")
def test_logout_token_claims(target: Target, user_agent: Any) -> None:
    """The Logout Token carries ``iss`` (the issuer), ``aud`` (the client), ``iat`` and ``jti``."""
    with _backchannel_client(target) as hosted:
        delivery, decoded = _decoded(target, user_agent, hosted)
    oidc_backchannel.check_required_claims(decoded.claims, issuer=str(target.metadata.get("issuer")),
                                           client_id=delivery.client.id, now=time.time())


@requirement("OIDCBCL-2.4-events")
@pytest.mark.needs("end_session_endpoint")
def test_logout_token_events(target: Target, user_agent: Any) -> None:
    """The Logout Token's ``events`` holds the ``http://schemas.openid.net/event/backchannel-logout`` member."""
    with _backchannel_client(target) as hosted:
        _, decoded = _decoded(target, user_agent, hosted)
    oidc_backchannel.check_events(decoded.claims)


@requirement("OIDCBCL-2.4-sub_sid")
@pytest.mark.needs("end_session_endpoint")
def test_logout_token_sub_or_sid(target: Target, user_agent: Any) -> None:
    """The Logout Token carries ``sub`` or ``sid`` (or both)."""
    with _backchannel_client(target) as hosted:
        _, decoded = _decoded(target, user_agent, hosted)
    oidc_backchannel.check_sub_or_sid(decoded.claims)


@requirement("OIDCBCL-2.4-nonce")
@pytest.mark.needs("end_session_endpoint")
def test_logout_token_no_nonce(target: Target, user_agent: Any) -> None:
    """The Logout Token carries no ``nonce``."""
    with _backchannel_client(target) as hosted:
        _, decoded = _decoded(target, user_agent, hosted)
    oidc_backchannel.check_no_nonce(decoded.claims)


@requirement("OIDCBCL-2.4-typ")
@pytest.mark.needs("end_session_endpoint")
def test_logout_token_typ(target: Target, user_agent: Any) -> None:
    """Where the Logout Token has a ``typ`` header, it is ``logout+jwt`` (explicit typing, RECOMMENDED)."""
    with _backchannel_client(target) as hosted:
        _, decoded = _decoded(target, user_agent, hosted)
    if "typ" not in decoded.header:
        evidence.note("the Logout Token has no typ header (explicit typing is RECOMMENDED, not judged)")
    oidc_backchannel.check_typ(decoded.header)


@requirement("OIDCBCL-2.1-session", "OIDCBCL-2.2-session_required")
@pytest.mark.needs("end_session_endpoint")
def test_logout_token_session_sid(target: Target, user_agent: Any) -> None:
    """With ``backchannel_logout_session_supported``, the ID Token has ``sid`` and the Logout Token the same ``sid``.

    Applies to a client the profile states is registered with ``backchannel_logout_session_required``
    (else one the harness registers with it).
    """
    if target.metadata.get("backchannel_logout_session_supported") is not True:
        raise NotApplicable("the target does not advertise backchannel_logout_session_supported: true")
    choice = _choice(target, session_required=True)
    with _backchannel_client(target, choice) as hosted:
        delivery, decoded = _decoded(target, user_agent, hosted)
    oidc_backchannel.check_session_sid(id_token_claims=delivery.id_token_claims or {}, logout_claims=decoded.claims)
