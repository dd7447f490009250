"""Token introspection requests (RFC 7662) and JWT introspection responses (RFC 9701)."""

from __future__ import annotations

from dataclasses import dataclass

from harness.flows.client_assertion import assertion_audience
from harness.flows.result import EndpointResult
from harness.flows.token import ClientAuth, client_auth
from harness.http import try_json_document
from harness.profile import Client
from harness.target import NotApplicable, Target

JWT_MEDIA_TYPE = "application/token-introspection+jwt"


@dataclass
class IntrospectionResult(EndpointResult):
    """An introspection answer (RFC 7662 / RFC 9701)."""

    @property
    def active(self) -> bool | None:
        """The ``active`` member of a JSON answer (``None`` when absent or not JSON)."""
        value = (self.body or {}).get("active")
        return value if isinstance(value, bool) else None


def endpoint_for(target: Target, client: Client, member: str) -> str:
    """``member`` of the metadata, or its mTLS alias for clients that present a certificate."""
    if client.cert_file is not None:
        return target.mtls_endpoint(member)
    return target.endpoint(member)


def introspection_caller(target: Target) -> Client:
    """The client the profile names for introspection, else the first confidential client."""
    name = target.profile.documented.introspection.client
    if name is not None:
        return target.profile.client(name)
    for client in target.profile.clients:
        if client.use_in_suites and not client.is_public and client.cert_file is None:
            return client
    raise NotApplicable("the profile names no introspection client (documented.introspection.client)")


def introspect(target: Target, caller: Client, token: str, *, hint: str | None = None, accept_jwt: bool = False,
               authenticate: bool = True, auth: ClientAuth | None = None,
               label: str = "introspection request") -> IntrospectionResult:
    """POST ``token`` to the introspection endpoint as ``caller`` (RFC 7662 §2.1).

    ``authenticate=False`` sends no client credentials at all; ``auth`` sends the given ones. An assertion's
    ``aud`` is :func:`~harness.flows.client_assertion.assertion_audience`'s: the issuer for a FAPI 2.0
    client (FAPI 2.0 SP §5.3.2.1), else the introspection endpoint URL.
    """
    url = endpoint_for(target, caller, "introspection_endpoint")
    if auth is not None:
        auth_data, headers, cert = dict(auth[0]), dict(auth[1]), auth[2]
    elif authenticate:
        auth_data, headers, cert = client_auth(target, caller, assertion_audience(target, caller, url))
    else:
        auth_data, headers, cert = {}, {}, None
    data = {"token": token, **auth_data}
    if hint is not None:
        data["token_type_hint"] = hint
    headers["Accept"] = JWT_MEDIA_TYPE if accept_jwt else "application/json"
    response = target.http.post(url, label=label, data=data, headers=headers, cert=cert)
    used_basic = headers.get("Authorization", "").startswith("Basic ")
    return IntrospectionResult(response=response, body=try_json_document(response), used_basic=used_basic)
