"""FAPI-CIBA (Implementer's Draft 1): the authorization server rules the OIDF FAPI-CIBA plan adds to CIBA Core.

Every check uses the profile's FAPI-CIBA client (``clients[].fapi: ciba``, the CIBA grant,
private_key_jwt, signed backchannel requests) and is skipped before any request when there is
none; the generic CIBA rules stay in the ciba suite. Assertions are sent with the endpoint URL as
``aud`` (as the ciba suite does), request objects signed with the documented algorithm.

The ping-callback checks use the profile's FAPI-CIBA *ping* client (``documented.ciba_delivery_mode:
ping`` and a ``ciba_notification_endpoint`` the harness hosts, ``harness/ciba_receiver.py``) and make
the receiver answer the ping the way the OIDF FAPI-CIBA ping modules do: 401, 403, 200 with a body,
a 301 redirect.

The mutual-TLS checks use the profile's FAPI-CIBA client that authenticates with its certificate
(``auth_method: tls_client_auth``): its certificate with another client's ``client_id`` must get
``invalid_client`` (RFC 8705 §2), as the OIDF plan's mTLS-variant modules send it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness import evidence, jose
from harness.ciba_receiver import Notification, NotificationReceiver, Reply
from harness.flows import ciba
from harness.flows.ciba_approval import CibaApprover
from harness.flows.client_assertion import assertion_audience
from harness.flows.fapi2 import rsa_signing_key
from harness.flows.polling import PollOutcome, poll
from harness.flows.resource import introspect, introspection_client
from harness.flows.token import ClientAuth, TokenResult, assertion_auth, build_assertion, client_auth, token_request
from harness.http import try_json_document
from harness.profile import AuthMethod, Client
from harness.results import Level, fail
from harness.specs import fapi2_security as fapi2
from harness.specs import oidc_ciba, rfc8705
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement
needs_ciba = pytest.mark.needs("backchannel_authentication_endpoint")

#: FAPI-CIBA §5.2.2: signed requests live "no more than 60 minutes"; the OIDF module sends 70.
WINDOW_70_MINUTES_S = 70 * 60
#: How long after the redirecting answer a followed ping is waited for: an HTTP client that follows a
#: redirect sends the next request as soon as the 3xx arrives (capped by login.ciba.receiver.wait_s).
REDIRECT_FOLLOW_WINDOW_S = 2.0


def _client(target: Target) -> Client:
    for client in target.profile.clients:
        if client.fapi == "ciba" and ciba.GRANT_TYPE in client.grant_types \
                and client.auth_method is AuthMethod.PRIVATE_KEY_JWT:
            return client
    raise NotApplicable("the profile has no FAPI-CIBA client (clients[].fapi: ciba) with the CIBA grant and "
                        "private_key_jwt")


def _request_object(target: Target, client: Client, **options: Any) -> str:
    params = ciba.request_params(target, client, extra=options.pop("extra", None))
    return ciba.build_request_object(target, client, params, **options)


def _post(target: Target, client: Client, request_object: str, auth: ClientAuth, *,
          label: str) -> tuple[httpx.Response, dict[str, Any] | None]:
    data, headers, cert = auth
    response = target.http.post(ciba.backchannel_endpoint(target, client), label=label,
                                data={"request": request_object, **data}, headers=dict(headers), cert=cert)
    return response, try_json_document(response)


def _assertion(target: Target, client: Client, audience: str, **options: Any) -> ClientAuth:
    return assertion_auth(client, build_assertion(client, audience, **options))


def _bogus_grant() -> dict[str, str]:
    return {"grant_type": ciba.GRANT_TYPE, "auth_req_id": secrets.token_urlsafe(32)}


def _refused_as_client_auth(target: Target, client: Client, auth: ClientAuth, *, what: str, code: str,
                            requirement_id: str) -> None:
    """The token endpoint answers the CIBA grant with ``invalid_client`` (a made-up auth_req_id: invalid_grant)."""
    result = token_request(target, client, _bogus_grant(), label=f"CIBA token request, {what}", auth=auth)
    if result.error != "invalid_client":
        raise fail(code, f"the token endpoint did not refuse the client authentication ({what})", requirement_id,
                   expected="HTTP 400/401 error=invalid_client", actual=f"HTTP {result.status} error={result.error}")


@requirement("CIBA-4-backchannel_authentication_endpoint", "CIBA-4-backchannel_token_delivery_modes_supported",
             "FAPICIBA-7.10", "RFC8414-2-grant_types_supported",
             "RFC8414-2-token_endpoint_auth_methods_supported", "RFC8705-3.3")
def test_ciba_discovery_metadata(target: Target) -> None:
    """The metadata names the backchannel endpoint, the client's delivery mode, the CIBA grant, FAPI-CIBA algorithms.

    OIDF fapi-ciba-id1-discovery-end-point-verification; the generic members (issuer, jwks_uri,
    types, https endpoints) are the discovery suite's.
    """
    client = _client(target)
    bound = any(c.fapi == "ciba" and c.documented.certificate_bound for c in target.profile.clients)
    fapi2.check_ciba_metadata(target.fetch_metadata_fresh(), delivery_mode=ciba.delivery_mode(client),
                              auth_method=client.auth_method.value, certificate_bound=bound)


@needs_ciba
@requirement("FAPICIBA-7.10", "CIBA-7.1.1")
def test_ciba_signed_request_acknowledged(target: Target) -> None:
    """A signed backchannel request (documented PS256/ES256 alg, ES256 assertion) is acknowledged."""
    client = _client(target)
    request = ciba.send(target, client, ciba.request_params(target, client), signed=True,
                        label="signed FAPI-CIBA backchannel request")
    fapi2.check_backchannel_acknowledged(request.status, request.body, what="a valid signed request",
                                         requirement="CIBA-7.1.1")


@needs_ciba
@requirement("RFC6749-3.3-order")
def test_ciba_other_scope_order_accepted(target: Target) -> None:
    """A signed backchannel request whose scope values come in another order is acknowledged."""
    client = _client(target)
    params = ciba.request_params(target, client, extra={"scope": "profile openid"})
    request = ciba.send(target, client, params, signed=True, label="backchannel request, scope 'profile openid'")
    fapi2.check_backchannel_acknowledged(request.status, request.body, what="scope 'profile openid'",
                                         requirement="RFC6749-3.3-order")


@needs_ciba
@requirement("FAPICIBA-5.2.2-1")
def test_ciba_unauthenticated_backchannel_refused(target: Target) -> None:
    """A signed backchannel request carrying only ``client_id`` (no client authentication) gets invalid_client."""
    client = _client(target)
    response, body = _post(target, client, _request_object(target, client), ({"client_id": client.id}, {}, None),
                           label="backchannel request without client authentication")
    fapi2.check_client_authentication_required(response.status_code, body, endpoint="backchannel endpoint",
                                               requirement="FAPICIBA-5.2.2-1")


@requirement("FAPICIBA-5.2.2-1")
def test_ciba_token_request_without_client_authentication_refused(target: Target) -> None:
    """A CIBA-grant token request carrying only ``client_id`` gets invalid_client."""
    client = _client(target)
    result = token_request(target, client, _bogus_grant(), authenticate=False,
                           label="CIBA token request without client authentication")
    fapi2.check_client_authentication_required(result.status, result.body, endpoint="token endpoint",
                                               requirement="FAPICIBA-5.2.2-1")


@needs_ciba
@requirement("FAPICIBA-7.10")
def test_ciba_rs256_assertion_refused_at_backchannel(target: Target) -> None:
    """A backchannel request authenticated with an RS256 client assertion (the client's RSA key) is refused."""
    client = _client(target)
    url = ciba.backchannel_endpoint(target, client)
    auth = _assertion(target, client, url, key=rsa_signing_key(client), alg="RS256")
    response, body = _post(target, client, _request_object(target, client), auth,
                           label="backchannel request with an RS256 client assertion")
    fapi2.check_backchannel_refused(response.status_code, body, code="FAPICIBA_RS256_ASSERTION_ACCEPTED",
                                    what="a request authenticated with an RS256 assertion",
                                    requirement="FAPICIBA-7.10")


@requirement("FAPICIBA-7.10")
def test_ciba_rs256_assertion_refused_at_token_endpoint(target: Target) -> None:
    """A CIBA-grant token request with an RS256 client assertion gets invalid_client."""
    client = _client(target)
    auth = _assertion(target, client, target.token_endpoint_for(client), key=rsa_signing_key(client), alg="RS256")
    _refused_as_client_auth(target, client, auth, what="RS256 client assertion",
                            code="FAPICIBA_RS256_ASSERTION_ACCEPTED", requirement_id="FAPICIBA-7.10")


@requirement("RFC7523-3-aud", "FAPICIBA-7.10")
def test_ciba_issuer_audience_assertion_accepted(target: Target) -> None:
    """A token-endpoint assertion whose ``aud`` is the issuer authenticates (invalid_grant, made-up auth_req_id)."""
    client = _client(target)
    result = token_request(target, client, _bogus_grant(), label="CIBA token request, assertion aud = issuer",
                           auth=_assertion(target, client, target.profile.issuer))
    if result.error == "invalid_client" or result.status >= 500:
        raise fail("FAPICIBA_ISSUER_AUDIENCE_REFUSED", "a client assertion whose aud is the issuer was refused at the "
                   "token endpoint", "RFC7523-3-aud", expected="client authenticated (invalid_grant)",
                   actual=f"HTTP {result.status} error={result.error}")


@needs_ciba
@requirement("FAPICIBA-5.2.2-9")
def test_ciba_request_object_70_minutes_refused(target: Target) -> None:
    """A signed backchannel request whose ``exp`` is 70 minutes after ``nbf`` is refused."""
    client = _client(target)
    now = int(time.time())
    jwt = _request_object(target, client, claim_overrides={"nbf": now, "exp": now + WINDOW_70_MINUTES_S})
    request = ciba.send(target, client, {}, request_object=jwt, label="backchannel request living 70 minutes")
    fapi2.check_backchannel_refused(request.status, request.body, code="FAPICIBA_REQUEST_LIFETIME_ACCEPTED",
                                    what="a request object living 70 minutes", requirement="FAPICIBA-5.2.2-9")


@needs_ciba
@requirement("FAPICIBA-5.2.2-9")
def test_ciba_request_object_nbf_70_minutes_in_past_refused(target: Target) -> None:
    """A signed backchannel request whose ``nbf`` lies 70 minutes in the past (``exp`` a minute ahead) is refused.

    OIDF fapi-ciba-id1-ensure-request-object-nbf-is-70-minutes-in-past-fails: the request would be
    valid for 71 minutes from ``nbf``; a server that measures the 60 minutes from now to ``exp`` only
    lets it through.
    """
    client = _client(target)
    now = int(time.time())
    jwt = _request_object(target, client, claim_overrides={"nbf": now - WINDOW_70_MINUTES_S, "exp": now + 60})
    request = ciba.send(target, client, {}, request_object=jwt, label="backchannel request, nbf 70 minutes ago")
    fapi2.check_backchannel_refused(request.status, request.body, code="FAPICIBA_REQUEST_NBF_TOO_OLD_ACCEPTED",
                                    what="a request object whose nbf lies 70 minutes in the past",
                                    requirement="FAPICIBA-5.2.2-9")


@needs_ciba
@requirement("CIBA-7.2")
def test_ciba_request_object_invalid_signature_refused(target: Target) -> None:
    """A backchannel request object signed with the documented alg and the client's key, signature altered, is refused.

    OIDF fapi-ciba-id1-ensure-request-object-signature-algorithm-is-bad-fails: every claim is valid,
    only the signature bytes no longer verify (CIBA §7.2 "verifying the signature").
    """
    client = _client(target)
    head, payload, signature = _request_object(target, client).split(".")
    jwt = f"{head}.{payload}.{('B' if signature[0] == 'A' else 'A') + signature[1:]}"
    request = ciba.send(target, client, {}, request_object=jwt,
                        label="backchannel request object whose signature does not verify")
    fapi2.check_backchannel_refused(request.status, request.body, code="FAPICIBA_INVALID_SIGNATURE_ACCEPTED",
                                    what="a request object whose signature does not verify", requirement="CIBA-7.2")


@needs_ciba
@requirement("FAPICIBA-7.10")
def test_ciba_rs256_request_object_refused(target: Target) -> None:
    """A backchannel request object signed with RS256 (the client's own RSA key) is refused."""
    client = _client(target)
    jwt = _request_object(target, client, alg="RS256", key=rsa_signing_key(client))
    request = ciba.send(target, client, {}, request_object=jwt, label="backchannel request signed with RS256")
    fapi2.check_backchannel_refused(request.status, request.body, code="FAPICIBA_RS256_REQUEST_OBJECT_ACCEPTED",
                                    what="a request object signed with RS256", requirement="FAPICIBA-7.10")


@needs_ciba
@requirement("RFC7521-5.2-issuer")
def test_ciba_client_id_of_another_client_refused(target: Target) -> None:
    """A backchannel request with the FAPI-CIBA client's assertion but another client's ``client_id`` is refused."""
    client = _client(target)
    others = [c.id for c in target.profile.clients if c.id != client.id and ciba.GRANT_TYPE in c.grant_types]
    if not others:
        pytest.skip("the profile names no second CIBA client")
    url = ciba.backchannel_endpoint(target, client)
    assertion = build_assertion(client, assertion_audience(target, client, url))
    data, headers, cert = assertion_auth(client, assertion, include_client_id=False)
    response, body = _post(target, client, _request_object(target, client), ({**data, "client_id": others[0]},
                                                                              headers, cert),
                           label=f"backchannel request with client_id={others[0]}")
    fapi2.check_backchannel_refused(response.status_code, body, code="FAPICIBA_CLIENT_ID_MISMATCH_ACCEPTED",
                                    what=f"an assertion of {client.id} sent with client_id={others[0]}",
                                    requirement="RFC7521-5.2-issuer")


# -- ping callback: what the notification endpoint answers (OIDF fapi-ciba-id1-ping-*) ------------

def _ping_client(target: Target) -> Client:
    for client in target.profile.clients:
        if client.fapi == "ciba" and ciba.GRANT_TYPE in client.grant_types and ciba.delivery_mode(client) == "ping" \
                and client.auth_method is AuthMethod.PRIVATE_KEY_JWT:
            return client
    raise NotApplicable("the profile has no FAPI-CIBA ping client (clients[].fapi: ciba, documented "
                        "ciba_delivery_mode: ping) with the CIBA grant and private_key_jwt")


_PingOutcome = tuple[Client, ciba.CibaRequest, list[Notification], list[Notification]]


def _approved_ping(target: Target, user_agent: Any, replies: Callable[[NotificationReceiver], Sequence[Reply]], *,
                   watch_strays: bool = False) -> _PingOutcome:
    """Approve a request of the ping client while the receiver answers with ``replies``.

    Returns the client, the request, what reached the endpoint and (``watch_strays``) what
    reached other paths of the receiver within REDIRECT_FOLLOW_WINDOW_S after the first notification.
    """
    ciba.require_mode_supported(target, "ping")
    client = _ping_client(target)
    approver = CibaApprover(target, user_agent)
    approver.require()
    receiver = ciba.receiver_for(target, client)
    receiver.replies = tuple(replies(receiver))
    evidence.note(f"the notification endpoint answers the ping with {receiver.replies[0].describe()}")
    wait_s = target.profile.login.ciba.receiver.wait_s
    strays: list[Notification] = []
    with receiver:
        request = ciba.start(target, client)
        approver.decide(request.pending(), "approve")
        if not approver.automated:
            wait_s = max(request.expires_at(60) - time.monotonic(), wait_s)
        notifications = receiver.wait_for(1, timeout_s=wait_s)
        if notifications and watch_strays:
            window = min(REDIRECT_FOLLOW_WINDOW_S, target.profile.login.ciba.receiver.wait_s)
            strays = receiver.wait_for_stray(timeout_s=window)
            evidence.note(f"watched the redirect's target for {window:g}s after the answer: "
                          f"{len(strays)} request(s)")
    endpoint = str(client.documented.ciba_notification_endpoint)
    for note in notifications:
        note.record(endpoint)
    for stray in strays:
        stray.record(receiver.url_for(stray.path), label="request to another path of the receiver")
    oidc_ciba.check_ping_received(len(notifications), wait_s)
    return client, request, notifications, strays


_ANSWERS = {
    # CIBA §10.2: "How the OP handles HTTP error codes in the ranges of 4xx and 5xx is out-of-scope of this
    # specification" -- an OP that cancels after a 4xx breaks no MUST, so the §10.1.1 expectation the OIDF
    # modules apply (the approved request still yields tokens) is a warning, never a failure
    "401": (Reply(401, b"CIBA notification endpoint answers 401 Unauthorized, although the token is valid"),
            "CIBA-10.1.1", Level.SHOULD),
    "403": (Reply(403, b"CIBA notification endpoint answers 403 Forbidden, although the token is valid"),
            "CIBA-10.1.1", Level.SHOULD),
    "200_with_body": (Reply(200, b'{"note": "the notification endpoint answers 200 OK with a body"}',
                            content_type="application/json"), "CIBA-10.2-ok_body", Level.SHOULD),
}


@needs_ciba
@requirement("CIBA-10.1.1", "CIBA-10.2-ok_body")
@pytest.mark.parametrize("answer", sorted(_ANSWERS))
def test_ciba_ping_answer_tolerated(target: Target, user_agent: Any, answer: str) -> None:
    """The ping is answered 401 / 403 / 200 with a body; the approved request still yields tokens."""
    reply, requirement_id, level = _ANSWERS[answer]
    client, request, _, _ = _approved_ping(target, user_agent, lambda _receiver: [reply])
    result = ciba.token(target, client, request.auth_req_id, label=f"token request after a ping answered "
                                                                   f"{reply.describe()}")
    fapi2.check_tokens_after_ping_answer(result.status, result.body, answered=reply.describe(),
                                         requirement=requirement_id, level=level)


@needs_ciba
@requirement("CIBA-10.2-redirects")
def test_ciba_ping_redirect_not_followed(target: Target, user_agent: Any) -> None:
    """The ping is answered 301 with a Location on the receiver; the OP does not POST to that Location."""
    moved: list[str] = []

    def redirect(receiver: NotificationReceiver) -> list[Reply]:
        moved.append(receiver.url_for(f"{receiver.path.rstrip('/')}/moved"))
        return [Reply(301, location=moved[0])]

    _, _, _, strays = _approved_ping(target, user_agent, redirect, watch_strays=True)
    fapi2.check_ping_redirect_not_followed(len(strays), location=moved[0])


# -- certificate-bound tokens (OIDF fapi-ciba-id1-ensure-mtls-holder-of-key-required, -refresh-token) -------

def _mtls_client(target: Target) -> Client:
    for client in target.profile.clients:
        if client.fapi == "ciba" and ciba.GRANT_TYPE in client.grant_types and client.documented.certificate_bound \
                and client.cert_file is not None and client.key_file is not None \
                and client.auth_method is AuthMethod.PRIVATE_KEY_JWT:
            return client
    raise NotApplicable("the profile has no certificate-bound FAPI-CIBA client (clients[].fapi: ciba, "
                        "documented.certificate_bound, cert_file/key_file, private_key_jwt)")


def _thumbprint(client: Client) -> str:
    assert client.cert_file is not None
    return jose.x5t_s256(Path(client.cert_file).read_bytes())


def _approved(target: Target, user_agent: Any, client: Client, *, extra: dict[str, Any] | None = None,
              ) -> ciba.CibaRequest:
    approver = CibaApprover(target, user_agent)
    approver.require()
    request = ciba.start(target, client, extra=extra)
    approver.decide(request.pending(), "approve")
    return request


def _poll(target: Target, request: ciba.CibaRequest, send: Callable[[int], TokenResult]) -> PollOutcome:
    """Poll as :func:`harness.flows.ciba.poll_for_tokens` does, with the given request."""
    clock = request.poller()
    cap = target.profile.limits.max_expiry_wait_s
    return poll(send, clock, deadline=min(request.expires_at(15) + 1, clock.clock() + cap), what="auth_req_id")


def _bound_tokens_or_fail(target: Target, request: ciba.CibaRequest, *, requirement_id: str) -> dict[str, Any]:
    outcome = ciba.poll_after_decision(target, request)
    body = outcome.result.body or {}
    if not outcome.result.ok or not body.get("access_token"):
        raise fail("PRECONDITION_FAPICIBA_TOKEN_REQUEST_FAILED", f"the approved request of {request.client.id} gave no "
                   "tokens over mutual TLS with the client certificate", requirement_id,
                   expected="HTTP 200 with access_token", actual=f"HTTP {outcome.result.status} "
                                                                  f"error={outcome.result.error}")
    return body


def _judge_binding(target: Target, client: Client, access_token: str) -> None:
    if "introspection_endpoint" not in target.metadata:
        evidence.note("no introspection_endpoint: the certificate binding is not read")
        return
    info = introspect(target, access_token, client=introspection_client(target, client))
    rfc8705.check_x5t_s256_binding(info, _thumbprint(client), where="introspection", requirement="FAPI1ADV-5.2.2-5")


@needs_ciba
@requirement("FAPI1ADV-5.2.2-5", "RFC8705-3")
def test_ciba_mtls_holder_of_key_required(target: Target, user_agent: Any) -> None:
    """An approved request's token request without the client certificate gets no token; with it, a bound one."""
    client = _mtls_client(target)
    request = _approved(target, user_agent, client)
    url = target.token_endpoint_for(client)
    data, headers, _ = client_auth(target, client, assertion_audience(target, client, url))
    params = {"grant_type": ciba.GRANT_TYPE, "auth_req_id": request.auth_req_id}

    def without_certificate(n: int) -> TokenResult:
        return token_request(target, client, params, auth=(data, headers, None),
                             label=f"CIBA token request without the client certificate #{n}")

    outcome = _poll(target, request, without_certificate)
    fapi2.check_sender_constrained_issuance(outcome.result.status, outcome.result.body, requirement="FAPI1ADV-5.2.2-5",
                                            code="FAPICIBA_UNBOUND_TOKEN_ISSUED")
    body = _bound_tokens_or_fail(target, request, requirement_id="FAPI1ADV-5.2.2-5")
    _judge_binding(target, client, str(body["access_token"]))


@needs_ciba
@requirement("FAPI1ADV-5.2.2-5", "RFC8705-3", "RFC6749-6")
def test_ciba_refresh_sender_constrained(target: Target, user_agent: Any) -> None:
    """A CIBA-issued refresh token refreshes over mutual TLS to a bound token; without the certificate, to none."""
    client = _mtls_client(target)
    if "refresh_token" not in client.grant_types:
        pytest.skip(f"client {client.id} has no refresh_token grant in the profile")
    scopes = client.scope.split()
    if "offline_access" not in scopes and "offline_access" in (target.metadata.get("scopes_supported") or []):
        scopes.append("offline_access")
    request = _approved(target, user_agent, client, extra={"scope": " ".join(dict.fromkeys(["openid", *scopes]))})
    body = _bound_tokens_or_fail(target, request, requirement_id="RFC6749-6")
    refresh_token = body.get("refresh_token")
    if not isinstance(refresh_token, str) or not refresh_token:
        raise fail("PRECONDITION_FAPICIBA_NO_REFRESH_TOKEN", f"client {client.id} has the refresh_token grant but the "
                   "CIBA token response carries no refresh token", "RFC6749-6", expected="refresh_token",
                   actual=sorted(body))
    fapi2.check_refresh_token_syntax(refresh_token)
    refreshed = token_request(target, client, {"grant_type": "refresh_token", "refresh_token": refresh_token},
                              label="refresh over mutual TLS with the client certificate")
    if not refreshed.ok or not (refreshed.body or {}).get("access_token"):
        raise fail("PRECONDITION_FAPICIBA_REFRESH_FAILED", "a refresh over mutual TLS with the client certificate was "
                   "refused", "RFC6749-6", expected="HTTP 200 with access_token",
                   actual=f"HTTP {refreshed.status} error={refreshed.error}")
    _judge_binding(target, client, str((refreshed.body or {})["access_token"]))
    current = (refreshed.body or {}).get("refresh_token") or refresh_token
    url = target.token_endpoint_for(client)
    data, headers, _ = client_auth(target, client, assertion_audience(target, client, url))
    unbound = token_request(target, client, {"grant_type": "refresh_token", "refresh_token": str(current)},
                            auth=(data, headers, None), label="refresh without the client certificate")
    fapi2.check_sender_constrained_issuance(unbound.status, unbound.body, requirement="FAPI1ADV-5.2.2-5",
                                            code="FAPICIBA_UNBOUND_TOKEN_ISSUED")


# -- mutual-TLS client authentication (OIDF mTLS-variant modules ...-different-client-id-and-issuer-in-backchannel-
# authorization-request, ...-wrong-client-id-in-token-endpoint-request) ------------------------------------------

_TLS_METHODS = (AuthMethod.TLS_CLIENT_AUTH, AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH)


def _tls_client(target: Target) -> Client:
    for client in target.profile.clients:
        if client.fapi == "ciba" and ciba.GRANT_TYPE in client.grant_types and client.auth_method in _TLS_METHODS \
                and client.cert_file is not None and client.key_file is not None:
            return client
    raise NotApplicable("the profile has no FAPI-CIBA client authenticating with mutual TLS (clients[].fapi: ciba, "
                        "tls_client_auth or self_signed_tls_client_auth, cert_file/key_file)")


def _other_client_id(target: Target, client: Client) -> str:
    """A second CIBA client (a FAPI-CIBA one first, as the OIDF module's client2) that uses no certificate."""
    others = [other for other in target.profile.clients if other.id != client.id
              and ciba.GRANT_TYPE in other.grant_types and other.auth_method not in _TLS_METHODS]
    for other in sorted(others, key=lambda c: c.fapi != "ciba"):
        return other.id
    raise NotApplicable("the profile names no second CIBA client that authenticates without a certificate")


def _tls_auth(target: Target, client: Client, client_id: str, url: str) -> ClientAuth:
    """The client's certificate (``tls_client_auth``) with ``client_id`` in the form."""
    _, headers, cert = client_auth(target, client, assertion_audience(target, client, url))
    if cert is None:
        raise NotApplicable(f"client {client.id} presents no certificate")
    return {"client_id": client_id}, headers, cert


@needs_ciba
@requirement("RFC8705-2")
def test_ciba_tls_client_id_of_another_client_refused(target: Target) -> None:
    """A signed request of the mTLS FAPI-CIBA client with its certificate but another client's client_id is refused.

    The answer must be invalid_client: the certificate does not authenticate the client the client_id names.
    """
    client = _tls_client(target)
    other = _other_client_id(target, client)
    auth = _tls_auth(target, client, other, ciba.backchannel_endpoint(target, client))
    response, body = _post(target, client, _request_object(target, client), auth,
                           label=f"backchannel request with {client.id}'s certificate and client_id={other}")
    fapi2.check_client_id_of_certificate_enforced(response.status_code, body, endpoint="backchannel endpoint",
                                                  code="FAPICIBA_CERTIFICATE_CLIENT_ID_MISMATCH_ACCEPTED")


@needs_ciba
@requirement("RFC8705-2")
def test_ciba_tls_wrong_client_id_at_token_endpoint_refused(target: Target, user_agent: Any) -> None:
    """The approved request's token request with the client's certificate but another client_id: invalid_client."""
    client = _tls_client(target)
    other = _other_client_id(target, client)
    auth = _tls_auth(target, client, other, target.token_endpoint_for(client))  # NotApplicable before asking
    approver = CibaApprover(target, user_agent)
    approver.require()
    request = ciba.send(target, client, ciba.request_params(target, client), signed=True,
                        label=f"signed backchannel request of {client.id}")
    fapi2.check_backchannel_acknowledged(request.status, request.body, what=f"a valid signed request of {client.id}",
                                         requirement="CIBA-7.1.1")
    approver.decide(request.pending(), "approve")
    result = token_request(target, client, {"grant_type": ciba.GRANT_TYPE, "auth_req_id": request.auth_req_id},
                           auth=auth, label=f"CIBA token request with {client.id}'s certificate and client_id={other}")
    fapi2.check_client_id_of_certificate_enforced(result.status, result.body, endpoint="token endpoint",
                                                  code="FAPICIBA_CERTIFICATE_CLIENT_ID_MISMATCH_ACCEPTED")
