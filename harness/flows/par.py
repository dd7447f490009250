"""Pushed authorization requests (RFC 9126): push, then authorize by reference.

:func:`push` POSTs authorization parameters to the PAR endpoint with the client's
authentication (the token-endpoint rules apply, RFC 9126 §2); :func:`by_reference` turns the
pushed request into the front-channel request that carries only ``client_id`` and
``request_uri`` (RFC 9126 §4) while remembering ``state``, ``nonce`` and the PKCE verifier the
client keeps for the response. Negative checks change one thing: the HTTP method, an extra
``request_uri`` parameter, the assertion audience, no authentication at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import httpx

from harness.flows.authorization import AuthorizationRequest, build_authorization_request
from harness.flows.client_assertion import PAR_ENDPOINT, assertion_audience
from harness.flows.result import EndpointResult
from harness.flows.token import client_auth
from harness.http import try_json_document
from harness.profile import AuthMethod, Client
from harness.results import fail
from harness.target import Target

__all__ = ["ParResult", "by_reference", "par_endpoint", "push", "push_request", "pushed_or_fail"]


@dataclass
class ParResult(EndpointResult):
    """A PAR endpoint answer, with the request that was pushed."""

    request: AuthorizationRequest | None = None

    @property
    def request_uri(self) -> str | None:
        """The ``request_uri`` of a successful answer."""
        value = (self.body or {}).get("request_uri")
        return value if isinstance(value, str) and value else None

    @property
    def expires_in(self) -> int | float | None:
        """The ``expires_in`` of a successful answer, when it is a number."""
        value = (self.body or {}).get("expires_in")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return value

    @property
    def ok(self) -> bool:
        """A 2xx answer carrying a ``request_uri``."""
        return 200 <= self.status < 300 and self.request_uri is not None

    @property
    def error(self) -> str | None:
        """The ``error`` member of an error answer."""
        value = (self.body or {}).get("error")
        return str(value) if value is not None else None


def par_endpoint(target: Target, client: Client | None = None) -> str:
    """The PAR endpoint (its mTLS alias for certificate-authenticated clients); skipped when absent."""
    member = "pushed_authorization_request_endpoint"
    if client is not None and client.cert_file is not None and (
            client.auth_method in (AuthMethod.TLS_CLIENT_AUTH, AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH)
            or client.documented.certificate_bound):
        return target.mtls_endpoint(member)
    return target.endpoint(member)


def push(target: Target, client: Client, params: dict[str, str], *, label: str = "pushed authorization request",
         http_method: str = "POST", authenticate: bool = True, audience: str | None = None,
         assertion_overrides: dict[str, Any] | None = None, method: AuthMethod | None = None,
         request: AuthorizationRequest | None = None) -> ParResult:
    """Send ``params`` to the PAR endpoint, authenticated as ``client`` (RFC 9126 §2.1).

    ``audience`` is the client assertion's ``aud`` (default: the issuer, which RFC 9126 §2
    says SHOULD be used); ``authenticate=False`` sends ``client_id`` only. With
    ``http_method="GET"`` the parameters travel in the query.
    """
    url = par_endpoint(target, client)
    if authenticate:
        aud = audience or assertion_audience(target, client, url, member=PAR_ENDPOINT)
        auth_data, headers, cert = client_auth(target, client, aud, method=method,
                                               assertion_overrides=assertion_overrides)
    else:
        auth_data, headers, cert = {"client_id": client.id}, {}, None
    data = {**params, **auth_data}
    if http_method == "POST":
        response = target.http.post(url, label=label, data=data, headers=headers, cert=cert)
    else:
        query = httpx.QueryParams(data)
        separator = "&" if "?" in url else "?"
        response = target.http.request(http_method, f"{url}{separator}{query}", label=label, headers=headers,
                                       cert=cert)
    used_basic = headers.get("Authorization", "").startswith("Basic ")
    return ParResult(response=response, body=try_json_document(response), request=request, used_basic=used_basic)


def push_request(target: Target, client: Client, *, label: str = "pushed authorization request",
                 **build: Any) -> ParResult:
    """Build a valid authorization request (``build`` as for ``build_authorization_request``) and push it."""
    request = build_authorization_request(target, client, **build)
    return push(target, client, dict(request.params), label=label, request=request)


def pushed_or_fail(result: ParResult) -> str:
    """The ``request_uri`` of a push the target had to accept (a ``PRECONDITION_*`` failure otherwise)."""
    if not result.ok:
        raise fail("PRECONDITION_PAR_FAILED", "a valid pushed authorization request was not accepted",
                   "RFC9126-2.2", expected="HTTP 201 with request_uri",
                   actual=f"HTTP {result.status} error={result.error}")
    assert result.request_uri is not None
    return result.request_uri


def by_reference(target: Target, pushed: AuthorizationRequest, request_uri: str, *,
                 client_id: str | None = None, extra: dict[str, str] | None = None) -> AuthorizationRequest:
    """The front-channel request for a pushed one: only ``client_id`` and ``request_uri`` (RFC 9126 §4).

    ``state``, ``nonce``, ``redirect_uri`` and the PKCE verifier stay those of the pushed
    request, so the response is judged against what the client pushed.
    """
    params = {"client_id": client_id or pushed.client.id, "request_uri": request_uri, **(extra or {})}
    return replace(pushed, endpoint=target.endpoint("authorization_endpoint"), params=params)
