"""The ``aud`` of the client assertions the flows send (harness/flows/client_assertion.py).

FAPI 2.0 SP Final §5.3.2.1: the AS "shall only accept its issuer identifier value (as defined in [RFC8414])
as a string in the aud claim received in client authentication assertions" — so a FAPI 2.0 client's
introspection, revocation and token calls carry the issuer, or a conformant FAPI 2.0 AS refuses the
harness's own calls (a false failure). Other clients keep the URL of the endpoint called (RFC 7523 §3
allows any value identifying the AS; OIDC Core §9's SHOULD names the token endpoint for token calls),
and PAR the issuer (RFC 9126 §2 SHOULD).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from harness import jose
from harness.flows import client_assertion as ca
from harness.flows.introspection import introspect
from harness.flows.revocation import revoke
from harness.flows.token import token_request
from harness.profile import Client

ISSUER = "https://op.example"
TOKEN = "https://op.example/token"
INTROSPECTION = "https://op.example/token/introspection"
REVOCATION = "https://op.example/token/revocation"
PAR = "https://op.example/request"
SECRET = "a-client-secret-of-thirty-two-bytes!"


class _Http:
    """Records each POST's form data and answers 200 with an empty JSON object."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str]]] = []

    def post(self, url: str, *, label: str, data: dict[str, str], headers: dict[str, str],
             cert: Any = None) -> httpx.Response:
        self.sent.append((url, dict(data)))
        return httpx.Response(200, json={}, request=httpx.Request("POST", url))


class _Target:
    """The parts of a Target the flows read (issuer, endpoints, http)."""

    def __init__(self) -> None:
        self.profile = SimpleNamespace(issuer=ISSUER)
        self.metadata = {"token_endpoint": TOKEN, "introspection_endpoint": INTROSPECTION,
                         "revocation_endpoint": REVOCATION, "pushed_authorization_request_endpoint": PAR}
        self.http = _Http()

    def endpoint(self, member: str) -> str:
        return str(self.metadata[member])

    def mtls_endpoint(self, member: str) -> str:
        return self.endpoint(member)

    def token_endpoint_for(self, client: Client) -> str:
        return TOKEN

    def sent_aud(self) -> Any:
        return jose.decode_unverified(self.http.sent[-1][1]["client_assertion"]).claims["aud"]


def _client(**extra: Any) -> Client:
    return Client.model_validate({"id": "c-jwt", "auth_method": "client_secret_jwt", "secret": SECRET,
                                  "redirect_uris": ["https://rp.example/cb"], **extra})


@pytest.mark.parametrize("fapi", ["2.0-security", "2.0-message-signing"])
def test_fapi2_client_introspection_assertion_carries_the_issuer(fapi: str) -> None:
    target = _Target()
    introspect(target, _client(fapi=fapi), "some-token")  # type: ignore[arg-type]
    assert target.http.sent[-1][0] == INTROSPECTION
    assert target.sent_aud() == ISSUER  # a string, not an array holding the issuer


@pytest.mark.parametrize("fapi", ["2.0-security", "2.0-message-signing"])
def test_fapi2_client_revocation_and_token_assertions_carry_the_issuer(fapi: str) -> None:
    target = _Target()
    revoke(target, _client(fapi=fapi), "some-token")  # type: ignore[arg-type]
    assert target.sent_aud() == ISSUER
    token_request(target, _client(fapi=fapi), {"grant_type": "client_credentials"})  # type: ignore[arg-type]
    assert target.sent_aud() == ISSUER


def test_other_clients_keep_the_endpoint_called() -> None:
    target = _Target()
    introspect(target, _client(), "some-token")  # type: ignore[arg-type]
    assert target.sent_aud() == INTROSPECTION
    revoke(target, _client(), "some-token")  # type: ignore[arg-type]
    assert target.sent_aud() == REVOCATION
    token_request(target, _client(), {"grant_type": "client_credentials"})  # type: ignore[arg-type]
    assert target.sent_aud() == TOKEN  # OIDC Core §9: "SHOULD be the URL of the ... Token Endpoint"
    token_request(target, _client(fapi="ciba"), {"grant_type": "client_credentials"})  # type: ignore[arg-type]
    assert target.sent_aud() == TOKEN  # FAPI-CIBA (FAPI 1 based) has no issuer-only rule


def test_par_uses_the_issuer_for_every_client() -> None:
    target = _Target()
    for client in (_client(), _client(fapi="2.0-security")):
        assert ca.assertion_audience(target, client, PAR, member=ca.PAR_ENDPOINT) == ISSUER  # type: ignore[arg-type]


def test_probe_audiences_start_with_the_flow_audience() -> None:
    target = _Target()
    assert ca.assertion_audiences(target, _client(), REVOCATION) == [REVOCATION, TOKEN, ISSUER]  # type: ignore[arg-type]
    assert ca.assertion_audiences(target, _client(fapi="2.0-security"), REVOCATION) == [ISSUER]  # type: ignore[arg-type]
