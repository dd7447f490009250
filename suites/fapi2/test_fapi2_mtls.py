"""FAPI 2.0 Security Profile (Final) with mutual TLS: ``tls_client_auth`` and certificate-bound tokens (RFC 8705).

The OIDF FAPI2 SP plan runs its modules in an ``mtls`` client-authentication / ``mtls`` sender-constraint
variant. Every check here uses the profile's mutual-TLS FAPI 2.0 client (``clients[].fapi:
2.0-security`` or ``2.0-message-signing``, ``auth_method: tls_client_auth`` or
``self_signed_tls_client_auth``, ``documented.certificate_bound``, ``cert_file``/``key_file``) and is
skipped before any request when there is none. Requests go to the ``mtls_endpoint_aliases`` entry
when the server publishes one; the unsigned pushes carry PKCE S256.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from harness import evidence, jose
from harness.flows.authorization import AuthorizationRequest, build_authorization_request
from harness.flows.dpop import redeem_params
from harness.flows.fapi2 import code_or_fail
from harness.flows.par import by_reference, par_endpoint, push, pushed_or_fail
from harness.flows.resource import call_resource, introspect, introspection_client, pick_resource, transport_failure
from harness.flows.token import TokenResult, token_request
from harness.http import try_json_document
from harness.profile import AuthMethod, Client
from harness.results import fail
from harness.specs import fapi2_security as fapi2
from harness.specs import rfc8705
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement
needs_par = pytest.mark.needs("pushed_authorization_request_endpoint")

_MTLS_METHODS = (AuthMethod.TLS_CLIENT_AUTH, AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH)


def _client(target: Target) -> Client:
    for client in target.profile.clients:
        if client.is_fapi2 and client.auth_method in _MTLS_METHODS and client.documented.certificate_bound \
                and client.cert_file is not None and client.key_file is not None \
                and "authorization_code" in client.grant_types:
            return client
    raise NotApplicable("the profile has no mutual-TLS FAPI 2.0 client (clients[].fapi: 2.0-security, auth_method "
                        "tls_client_auth or self_signed_tls_client_auth, documented.certificate_bound, cert_file)")


def _thumbprint(client: Client) -> str:
    assert client.cert_file is not None
    return jose.x5t_s256(Path(client.cert_file).read_bytes())


def _code(target: Target, user_agent: Any, client: Client) -> tuple[AuthorizationRequest, str]:
    """PAR over mutual TLS (PKCE S256), authorization by reference; the code or a ``PRECONDITION_*`` failure."""
    request = build_authorization_request(target, client, pkce="S256")
    result = push(target, client, dict(request.params), request=request, label="push over mutual TLS")
    front = by_reference(target, request, pushed_or_fail(result))
    outcome = user_agent().authorize(front.url(), user=target.user(0), redirect_uri=request.redirect_uri)
    fapi2.check_iss_in_response(outcome.params if outcome.redirected else {}, target.profile.issuer)
    return request, code_or_fail(outcome, "a valid pushed authorization request over mutual TLS")


def _bound_tokens(target: Target, user_agent: Any, client: Client) -> TokenResult:
    request, code = _code(target, user_agent, client)
    result = token_request(target, client, redeem_params(request, code), label="redeem the code over mutual TLS")
    if not result.ok or not (result.body or {}).get("access_token"):
        raise fail("PRECONDITION_FAPI2_TOKEN_REQUEST_FAILED", f"a valid token request of FAPI 2.0 client {client.id} "
                   "over mutual TLS did not return tokens", "FAPI2SP-5.3.2.1-SENDER", expected="HTTP 200 with tokens",
                   actual=f"HTTP {result.status} error={result.error}")
    return result


def _without_certificate(target: Target, url: str, data: dict[str, str],
                         label: str) -> tuple[int | None, dict[str, Any] | None]:
    """POST ``data`` without the client certificate.

    A TLS handshake the server aborts with an alert (a certificate required at the TLS layer) is a
    refusal and comes back as ``(None, None)``; any other transport failure is *broken*.
    """
    try:
        response = target.http.post(url, label=label, data=data, raise_transport_errors=True)
    except httpx.TransportError as exc:
        failure = transport_failure(exc)
        if failure.tls_alert is None:
            raise
        evidence.note(f"the server refused the TLS handshake without a client certificate ({failure.tls_alert})")
        return None, None
    return response.status_code, try_json_document(response)


@needs_par
@requirement("FAPI2SP-5.3.2.2-PAR", "FAPI2SP-5.3.2.1-CLIENTAUTH", "FAPI2SP-5.3.2.1-SENDER", "RFC8705-3",
             "FAPI2SP-5.3.4-RESOURCE")
def test_mtls_happy_flow(target: Target, user_agent: Any) -> None:
    """PAR + PKCE over mutual TLS, code with iss, token bound to the client certificate, resource call with it."""
    client = _client(target)
    result = _bound_tokens(target, user_agent, client)
    access_token = str((result.body or {})["access_token"])
    if "introspection_endpoint" in target.metadata:
        info = introspect(target, access_token, client=introspection_client(target, client))
        rfc8705.check_x5t_s256_binding(info, _thumbprint(client), where="introspection",
                                       requirement="FAPI2SP-5.3.2.1-SENDER")
    resource = pick_resource(target, mtls=True, purpose="the FAPI 2.0 mutual-TLS happy flow")
    assert client.cert_file is not None and client.key_file is not None
    answer = call_resource(target, resource, access_token, cert=(str(client.cert_file), str(client.key_file)),
                           label="FAPI 2.0 resource call over mutual TLS")
    if not answer.ok:
        raise fail("FAPI2_RESOURCE_REFUSED_BOUND_TOKEN", "the resource refused the certificate-bound token presented "
                   "over mutual TLS with its certificate", "FAPI2SP-5.3.4-RESOURCE", expected="2xx",
                   actual=answer.describe())


@needs_par
@requirement("FAPI2SP-5.3.2.2-PAR_AUTH", "FAPI2SP-5.3.2.1-CONFIDENTIAL", "RFC8705-2")
def test_mtls_par_without_certificate_refused(target: Target) -> None:
    """A push of the mutual-TLS client without its certificate (only ``client_id``) gets invalid_client."""
    client = _client(target)
    request = build_authorization_request(target, client, pkce="S256")
    status, body = _without_certificate(target, par_endpoint(target, client), dict(request.params),
                                        "push without the client certificate")
    if status is None:
        return  # the TLS layer refused the connection: no request_uri
    fapi2.check_client_authentication_required(status, body, endpoint="PAR endpoint",
                                               requirement="FAPI2SP-5.3.2.2-PAR_AUTH")


@needs_par
@requirement("FAPI2SP-5.3.2.1-SENDER", "RFC8705-2")
def test_mtls_token_request_without_certificate_refused(target: Target, user_agent: Any) -> None:
    """A valid code redeemed without the client certificate (only ``client_id``) gets no access token.

    OIDF fapi2-security-profile-final-ensure-holder-of-key-required (mtls variant): the server
    answers an error (or drops the TLS connection), never a token.
    """
    client = _client(target)
    request, code = _code(target, user_agent, client)
    data = {**redeem_params(request, code), "client_id": client.id}
    status, body = _without_certificate(target, target.token_endpoint_for(client), data,
                                        "redeem the code without the client certificate")
    if status is None:
        return
    fapi2.check_sender_constrained_issuance(status, body)


@needs_par
@requirement("FAPI2SP-5.3.4-RESOURCE", "RFC8705-3-resource")
def test_mtls_bound_token_without_certificate_refused(target: Target, user_agent: Any) -> None:
    """The certificate-bound access token presented without the certificate is refused with 401 invalid_token."""
    client = _client(target)
    access_token = str((_bound_tokens(target, user_agent, client).body or {})["access_token"])
    resource = pick_resource(target, mtls=True, purpose="the FAPI 2.0 mutual-TLS resource checks")
    answer = call_resource(target, resource, access_token, label="bound token without the certificate",
                           expect_tls_refusal=True)
    rfc8705.check_bound_token_refused_at_resource(answer.status, answer.headers, tls_alert=answer.tls_alert,
                                                  transport_error=answer.transport_error)
