"""Token revocation requests (RFC 7009) and probes of whether a token still works."""

from __future__ import annotations

from dataclasses import dataclass

from harness.flows.client_assertion import assertion_audience
from harness.flows.introspection import endpoint_for
from harness.flows.result import EndpointResult
from harness.flows.token import ClientAuth, client_auth
from harness.http import try_json_object
from harness.profile import Client
from harness.target import Target


@dataclass
class RevocationResult(EndpointResult):
    """A revocation answer (RFC 7009)."""


def revoke(target: Target, client: Client, token: str, *, hint: str | None = None, authenticate: bool = True,
           auth: ClientAuth | None = None, label: str = "revocation request") -> RevocationResult:
    """POST ``token`` to the revocation endpoint as ``client`` (RFC 7009 §2.1).

    ``authenticate=False`` sends only ``client_id`` (what a public client sends).
    """
    url = endpoint_for(target, client, "revocation_endpoint")
    if auth is not None:
        auth_data, headers, cert = dict(auth[0]), dict(auth[1]), auth[2]
    elif authenticate:
        auth_data, headers, cert = client_auth(target, client, assertion_audience(target, client, url))
    else:
        auth_data, headers, cert = {"client_id": client.id}, {}, None
    data = {"token": token, **auth_data}
    if hint is not None:
        data["token_type_hint"] = hint
    response = target.http.post(url, label=label, data=data, headers=headers, cert=cert)
    used_basic = headers.get("Authorization", "").startswith("Basic ")
    return RevocationResult(response=response, body=try_json_object(response), used_basic=used_basic)


def bearer_status(target: Target, access_token: str, *, url: str | None = None,
                  label: str = "use the access token") -> int:
    """HTTP status of a protected-resource call with ``access_token`` (default: UserInfo, RFC 6750 §2.1)."""
    where = url or target.endpoint("userinfo_endpoint")
    response = target.http.get(where, label=label, headers={"Authorization": f"Bearer {access_token}"})
    return response.status_code
