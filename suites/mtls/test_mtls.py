"""Mutual TLS (RFC 8705): certificate-bound tokens at the AS and at a protected resource.

The clients are the profile's clients documented as certificate-bound (``documented.certificate_bound``
with ``cert_file``/``key_file``); token requests go to the ``mtls_endpoint_aliases`` entry when
the server publishes one. The resource is the first ``mtls`` entry of ``documented.resources``
(else the UserInfo alias). "Another certificate" is a throwaway self-signed one the target
cannot know, except for the subject-DN check, which presents the profile's certificate from the
same CA with another subject DN (``documented.other_subject_dn_certificate``). A TLS handshake
the server aborts with a certificate alert counts as a refusal; any other transport failure
(timeout, refused or reset connection) is *broken*, never a pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from harness import evidence, jose
from harness.flows.code_flow import CodeFlow, obtain_code
from harness.flows.dpop import offline_scope, redeem_params
from harness.flows.resource import (
    ProtectedResource,
    TransportFailure,
    call_resource,
    introspect,
    introspection_client,
    jwt_access_token,
    pick_resource,
    plain_code_flow,
    throwaway_certificate,
    token_params_for,
    transport_failure,
)
from harness.flows.token import TokenResult, refresh_documented_by, token_request
from harness.http import try_json_object
from harness.profile import AuthMethod, Client
from harness.results import Level, fail
from harness.specs import rfc6749, rfc8705
from harness.specs.rfc9449 import check_resource_accepted, check_token_request_accepted
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement

CLIENT_METHODS = [pytest.param(AuthMethod.TLS_CLIENT_AUTH, id="tls_client_auth"),
                  pytest.param(AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH, id="self_signed_tls_client_auth")]


def _client(target: Target, *, method: AuthMethod | None = None, grant: str = "authorization_code") -> Client:
    for client in target.profile.clients:
        if not client.use_in_suites:
            continue
        if not client.documented.certificate_bound or client.cert_file is None or client.key_file is None:
            continue
        if grant not in client.grant_types or method is not None and client.auth_method is not method:
            continue
        if not plain_code_flow(client):
            continue
        return client
    what = f" authenticating with {method.value}" if method else ""
    raise NotApplicable(f"the profile has no certificate-bound client{what} (documented.certificate_bound with "
                        f"cert_file/key_file, use_in_suites not false) with the {grant} grant")


def _cert(client: Client) -> tuple[str, str]:
    assert client.cert_file is not None and client.key_file is not None
    return str(client.cert_file), str(client.key_file)


def _thumbprint(client: Client) -> str:
    assert client.cert_file is not None
    return jose.x5t_s256(Path(client.cert_file).read_bytes())


def _code(target: Target, user_agent: Any, client: Client, *, offline: bool = False,
          resource: ProtectedResource | None = None) -> tuple[CodeFlow, dict[str, str]]:
    extra, scope_extra = token_params_for(resource) if resource is not None else ({}, None)
    scope = " ".join(filter(None, [client.scope, scope_extra])) if scope_extra else None
    authz = dict(extra)
    if offline:
        scope, consent = offline_scope(target, client)
        authz.update(consent)
    flow = obtain_code(target, user_agent, client, scope=scope, extra=authz or None)
    return flow, extra


def _bound_tokens(target: Target, user_agent: Any, client: Client, *, offline: bool = False,
                  resource: ProtectedResource | None = None) -> TokenResult:
    """Code flow; the code is redeemed at the mTLS token endpoint with the client certificate."""
    flow, extra = _code(target, user_agent, client, offline=offline, resource=resource)
    params = {**redeem_params(flow.request, flow.code), **extra}
    result = token_request(target, client, params, label="redeem code over mutual TLS")
    if not result.ok:
        raise fail("PRECONDITION_MTLS_TOKEN_REQUEST_FAILED", f"a token request of {client.id} over mutual TLS with its "
                   "registered certificate did not return tokens", "RFC8705-2", expected="HTTP 200 with access_token",
                   actual=f"HTTP {result.status} error={result.error}")
    return result


def _post_with(target: Target, url: str, data: dict[str, str], cert: tuple[str, str] | None,
               label: str) -> tuple[httpx.Response | None, TransportFailure | None]:
    try:
        return target.http.post(url, label=label, data=data, cert=cert, raise_transport_errors=True), None
    except httpx.TransportError as exc:
        failure = transport_failure(exc)
        evidence.note(f"no HTTP answer: {failure.text}"
                      + (f" (the server sent the TLS alert {failure.tls_alert})" if failure.tls_alert else ""))
        return None, failure


def _judge_client_auth_refused(response: httpx.Response | None, failure: TransportFailure | None, *,
                               expected: str = "invalid_client", requirement: str = "RFC8705-2",
                               level: Level = Level.MUST) -> None:
    if response is None:
        assert failure is not None
        rfc8705.check_client_auth_refused(None, {}, None, tls_alert=failure.tls_alert, transport_error=failure.text)
        return
    body = try_json_object(response)
    rfc8705.check_client_auth_refused(response.status_code, response.headers,
                                      body if body is not None else response.content, expected=expected,
                                      requirement=requirement, level=level)


# --------------------------------------------------------------------------- metadata


@requirement("RFC8705-5", "RFC8705-5-client_use")
def test_endpoint_aliases(target: Target, user_agent: Any) -> None:
    """mtls_endpoint_aliases is an object of https endpoints, and the token endpoint alias serves mTLS clients."""
    aliases = rfc8705.check_mtls_endpoint_aliases(target.metadata)
    if not aliases:
        raise NotApplicable("the target publishes no mtls_endpoint_aliases (clients use the conventional endpoints)")
    evidence.note(f"aliases: {sorted(aliases)}")
    if "token_endpoint" not in aliases:
        return
    client = _client(target)
    flow, _ = _code(target, user_agent, client)
    result = token_request(target, client, redeem_params(flow.request, flow.code), endpoint=aliases["token_endpoint"],
                           label="token request at the mtls_endpoint_aliases token endpoint")
    if not result.ok:
        raise fail("MTLS_ALIAS_NOT_HONOURED", "a mutual-TLS token request with the registered certificate at the "
                   "published token endpoint alias was refused", "RFC8705-5-client_use",
                   expected="HTTP 200 with access_token",
                   actual=f"HTTP {result.status} error={result.error}")


# --------------------------------------------------------------------------- binding


@requirement("RFC8705-3.1", "DOC-certificate_bound")
def test_certificate_bound_token_jwt(target: Target, user_agent: Any) -> None:
    """A JWT access token issued over mutual TLS carries cnf x5t#S256 of the client certificate."""
    client = _client(target)
    resource = pick_resource(target, jwt=True, purpose="the JWT cnf x5t#S256 check")
    result = _bound_tokens(target, user_agent, client, resource=resource if resource.url else None)
    decoded = jwt_access_token(resource, str((result.body or {})["access_token"]))
    rfc8705.check_x5t_s256_binding(decoded.claims, _thumbprint(client), where="jwt")


@pytest.mark.needs("introspection_endpoint")
@requirement("RFC8705-3.2", "DOC-certificate_bound")
def test_certificate_bound_token_introspection(target: Target, user_agent: Any) -> None:
    """Introspection of a certificate-bound access token shows cnf x5t#S256 of the client certificate."""
    client = _client(target)
    result = _bound_tokens(target, user_agent, client)
    body = introspect(target, str((result.body or {})["access_token"]), client=introspection_client(target, client))
    rfc8705.check_x5t_s256_binding(body, _thumbprint(client), where="introspection")


# --------------------------------------------------------------------------- resource


def _resource_token(target: Target, user_agent: Any) -> tuple[Client, ProtectedResource, str]:
    client = _client(target)
    resource = pick_resource(target, mtls=True, purpose="certificate-bound resource checks")
    result = _bound_tokens(target, user_agent, client, resource=resource)
    return client, resource, str((result.body or {})["access_token"])


@requirement("RFC8705-3-resource")
def test_resource_accepts_bound_token_with_certificate(target: Target, user_agent: Any) -> None:
    """The resource serves a certificate-bound token presented over mutual TLS with the same certificate."""
    client, resource, token = _resource_token(target, user_agent)
    result = call_resource(target, resource, token, cert=_cert(client), label="bound token with its certificate")
    check_resource_accepted(result.status or 0, requirement="RFC8705-3-resource",
                            what="a certificate-bound token with its certificate")


@requirement("RFC8705-3-resource", "RFC6750-3")
def test_resource_refuses_bound_token_without_certificate(target: Target, user_agent: Any) -> None:
    """A certificate-bound token used without a client certificate is refused with 401 invalid_token."""
    _client_, resource, token = _resource_token(target, user_agent)
    result = call_resource(target, resource, token, label="bound token without a certificate",
                           expect_tls_refusal=True)
    rfc8705.check_bound_token_refused_at_resource(result.status, result.headers, tls_alert=result.tls_alert,
                                                  transport_error=result.transport_error)


@requirement("RFC8705-3-resource", "RFC6750-3")
def test_resource_refuses_bound_token_with_other_certificate(target: Target, user_agent: Any) -> None:
    """A certificate-bound token used with another client certificate is refused with 401 invalid_token."""
    _client_, resource, token = _resource_token(target, user_agent)
    result = call_resource(target, resource, token, cert=throwaway_certificate(),
                           label="bound token with another certificate", expect_tls_refusal=True)
    rfc8705.check_bound_token_refused_at_resource(result.status, result.headers, tls_alert=result.tls_alert,
                                                  transport_error=result.transport_error)


# --------------------------------------------------------------------------- client authentication


@pytest.mark.parametrize("method", CLIENT_METHODS)
@requirement("RFC8705-2")
def test_token_request_without_certificate_refused(target: Target, user_agent: Any, method: AuthMethod) -> None:
    """A mutual-TLS client's token request without its certificate is refused with invalid_client."""
    client = _client(target, method=method)
    flow, _ = _code(target, user_agent, client)
    url = target.token_endpoint_for(client)
    data = {**redeem_params(flow.request, flow.code), "client_id": client.id}
    response, error = _post_with(target, url, data, None, "token request without the client certificate")
    _judge_client_auth_refused(response, error)


@pytest.mark.parametrize("method", CLIENT_METHODS)
@requirement("RFC8705-2")
def test_token_request_with_other_certificate_refused(target: Target, user_agent: Any, method: AuthMethod) -> None:
    """A mutual-TLS client's token request with a certificate that is not its own is refused with invalid_client."""
    client = _client(target, method=method)
    flow, _ = _code(target, user_agent, client)
    url = target.token_endpoint_for(client)
    data = {**redeem_params(flow.request, flow.code), "client_id": client.id}
    response, error = _post_with(target, url, data, throwaway_certificate(), "token request with another certificate")
    _judge_client_auth_refused(response, error)


def _subject_dn_client(target: Target) -> Client:
    for client in target.profile.clients:
        documented = client.documented
        if (client.use_in_suites and client.auth_method is AuthMethod.TLS_CLIENT_AUTH and documented.tls_subject_dn
                and documented.other_subject_dn_certificate is not None and client.cert_file is not None
                and "authorization_code" in client.grant_types and plain_code_flow(client)):
            return client
    raise NotApplicable("the profile has no tls_client_auth client (use_in_suites not false, authorization_code "
                        "grant) stating documented.tls_subject_dn with documented.other_subject_dn_certificate "
                        "(a certificate from the same CA with another subject DN)")


@requirement("RFC8705-2", "DOC-tls_subject_dn")
def test_other_subject_dn_refused(target: Target, user_agent: Any) -> None:
    """A tls_client_auth client's token request with a certificate from its CA but another subject DN is refused.

    RFC 8705 §2.1: the PKI method binds the client to a subject (here the documented "Subject DN",
    §2.1.2 tls_client_auth_subject_dn), not to the CA alone; §2: a certificate that "doesn't match
    that which is expected for the given client_id" gets invalid_client. The certificate is the
    profile's ``documented.other_subject_dn_certificate``, checked first to come from the same CA
    as the client's own one with another subject DN (else *broken*).
    """
    client = _subject_dn_client(target)
    other = client.documented.other_subject_dn_certificate
    assert other is not None and client.cert_file is not None and client.documented.tls_subject_dn is not None
    other_dn = rfc8705.check_other_subject_dn_material(client.documented.tls_subject_dn,
                                                       Path(client.cert_file).read_bytes(),
                                                       Path(other.cert_file).read_bytes())
    evidence.note(f"documented subject DN {client.documented.tls_subject_dn!r}; presented {other_dn!r} (same CA)")
    flow, _ = _code(target, user_agent, client)
    url = target.token_endpoint_for(client)
    data = {**redeem_params(flow.request, flow.code), "client_id": client.id}
    response, error = _post_with(target, url, data, (str(other.cert_file), str(other.key_file)),
                                 "token request with a certificate of another subject DN")
    _judge_client_auth_refused(response, error)


# --------------------------------------------------------------------------- refresh tokens


MTLS_METHODS = (AuthMethod.TLS_CLIENT_AUTH, AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH)


def _refreshable(target: Target, user_agent: Any, client: Client | None = None) -> tuple[Client, str]:
    client = client or _client(target, grant="refresh_token")
    result = _bound_tokens(target, user_agent, client, offline=True)
    refresh = rfc6749.check_refresh_token_issued(result.body or {}, documented_by=refresh_documented_by(target, client),
                                                 client_id=client.id, requested_scope=offline_scope(target, client)[0])
    return client, refresh


def _refresh_refusal_client(target: Target) -> tuple[Client, str]:
    """A certificate-bound client whose refresh without the certificate must be refused, and the error.

    RFC 8705 §2: a mutual-TLS client without its certificate fails client authentication
    (``invalid_client``); §4: a public client's refresh tokens are bound to its certificate
    ("the authorization server MUST ... validate that binding"), so the refresh token is
    refused (``invalid_grant``, RFC 6749 §5.2). A confidential client authenticating
    otherwise (e.g. private_key_jwt) still authenticates without the certificate, and no rule
    makes the server refuse its refresh: such clients are not applicable.
    """
    for client in target.profile.clients:
        if not client.use_in_suites:
            continue
        if not client.documented.certificate_bound or client.cert_file is None or client.key_file is None:
            continue
        if "refresh_token" not in client.grant_types or not plain_code_flow(client):
            continue
        if client.auth_method in MTLS_METHODS:
            return client, "invalid_client"
        if client.is_public:
            return client, "invalid_grant"
    raise NotApplicable("the profile has no certificate-bound client with the refresh_token grant that "
                        "authenticates with mutual TLS or is public (RFC 8705 §2, §4)")


@pytest.mark.needs("introspection_endpoint")
@requirement("RFC8705-3", "RFC8705-3.2")
def test_refresh_keeps_binding(target: Target, user_agent: Any) -> None:
    """An access token refreshed over mutual TLS is bound to the same client certificate."""
    client, refresh = _refreshable(target, user_agent)
    result = token_request(target, client, {"grant_type": "refresh_token", "refresh_token": refresh},
                           label="refresh over mutual TLS")
    body = check_token_request_accepted(result.status, result.judged_body, requirement="RFC8705-3",
                                        what="a refresh over mutual TLS with the registered certificate")
    info = introspect(target, str(body["access_token"]), client=introspection_client(target, client))
    rfc8705.check_x5t_s256_binding(info, _thumbprint(client), where="introspection", requirement="RFC8705-3")


@requirement("RFC8705-2", "RFC8705-4")
def test_refresh_without_certificate_refused(target: Target, user_agent: Any) -> None:
    """A certificate-bound client's refresh token is refused without the client certificate.

    invalid_client for a mutual-TLS client (RFC 8705 §2), invalid_grant for a public client's
    certificate-bound refresh token (§4).
    """
    client, expected = _refresh_refusal_client(target)
    client, refresh = _refreshable(target, user_agent, client)
    url = target.token_endpoint_for(client)
    data = {"grant_type": "refresh_token", "refresh_token": refresh, "client_id": client.id}
    response, failure = _post_with(target, url, data, None, "refresh without the client certificate")
    public = expected == "invalid_grant"
    _judge_client_auth_refused(response, failure, expected=expected, requirement="RFC8705-4" if public else "RFC8705-2",
                               level=Level.SHOULD if public else Level.MUST)
