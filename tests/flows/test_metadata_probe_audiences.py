"""Assertion audiences of the metadata suite's auth-method probes (issue 16, a Keycloak false positive).

RFC 7523 §3: the assertion's ``aud`` "identifies the authorization server as an intended audience. The
token endpoint URL of the authorization server MAY be used"; the precise strings are "configured out of
band" (§5). A server that accepts only its issuer (Keycloak: issuer or token endpoint) at the revocation
endpoint therefore supports ``private_key_jwt`` there; the probe must try the endpoint, the token
endpoint and the issuer (a FAPI 2.0 client: the issuer only, FAPI 2.0 SP §5.3.2.1), each assertion
with a fresh ``jti``, before it calls the method "not working".
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from harness import jose
from harness.flows import metadata_probes as probes
from harness.flows.client_assertion import assertion_audiences
from harness.profile import Client
from harness.specs import metadata_consistency as mc

ISSUER = "https://op.example"
TOKEN = "https://op.example/token"
REVOCATION = "https://op.example/token/revocation"
SECRET = "a-client-secret-of-thirty-two-bytes!"


class _Target:
    """The parts of a Target the probes read (issuer, endpoints)."""

    def __init__(self) -> None:
        self.profile = SimpleNamespace(issuer=ISSUER)
        self.metadata = {"token_endpoint": TOKEN, "revocation_endpoint": REVOCATION}

    def endpoint(self, member: str) -> str:
        return str(self.metadata[member])

    def mtls_endpoint(self, member: str) -> str:
        return self.endpoint(member)

    def token_endpoint_for(self, client: Client) -> str:
        return TOKEN


def _client(**extra: Any) -> Client:
    return Client.model_validate({"id": "c-jwt", "auth_method": "client_secret_jwt", "secret": SECRET,
                                  "redirect_uris": ["https://rp.example/cb"], **extra})


@dataclass
class _Answer:
    status: int
    body: dict[str, Any] | None


class _Server:
    """A revocation endpoint that accepts assertions only for the audiences it is configured with."""

    def __init__(self, accepted: set[str]) -> None:
        self.accepted = accepted
        self.seen: list[dict[str, Any]] = []

    def revoke(self, target: Any, client: Client, token: str, *, auth: Any = None, label: str = "") -> _Answer:
        data = auth[0] if auth is not None else {}
        claims = jose.decode_unverified(data["client_assertion"]).claims
        self.seen.append(claims)
        if claims["aud"] in self.accepted:
            return _Answer(200, None)
        return _Answer(401, {"error": "invalid_client", "error_description": "Invalid token audience"})


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> _Server:
    fake = _Server(set())
    monkeypatch.setattr(probes, "revoke", fake.revoke)
    return fake


def test_audiences_in_order_without_duplicates() -> None:
    target = _Target()
    assert assertion_audiences(target, _client(), REVOCATION) == [REVOCATION, TOKEN, ISSUER]  # type: ignore[arg-type]
    assert assertion_audiences(target, _client(), TOKEN) == [TOKEN, ISSUER]  # type: ignore[arg-type]


def test_fapi_client_sends_the_issuer_only() -> None:
    assert assertion_audiences(_Target(), _client(fapi="2.0-security"), REVOCATION) == [ISSUER]  # type: ignore[arg-type]


@pytest.mark.parametrize("accepted", [ISSUER, TOKEN, REVOCATION])
def test_method_works_when_any_legitimate_audience_is_accepted(server: _Server, accepted: str) -> None:
    server.accepted = {accepted}
    probe = probes.endpoint_auth_probe(_Target(), [_client()], "revocation_endpoint")  # type: ignore[arg-type]
    assert probe.support is mc.Support.YES
    assert f"aud={accepted}" in probe.observed  # the evidence names the audience that worked
    assert server.seen[-1]["aud"] == accepted
    assert len({c["jti"] for c in server.seen}) == len(server.seen)  # a fresh assertion per try


def test_method_refused_for_every_audience_does_not_work(server: _Server) -> None:
    probe = probes.endpoint_auth_probe(_Target(), [_client()], "revocation_endpoint")  # type: ignore[arg-type]
    assert probe.support is mc.Support.NO
    assert [c["aud"] for c in server.seen] == [REVOCATION, TOKEN, ISSUER]
    assert all(url in probe.observed for url in (REVOCATION, TOKEN, ISSUER))


def test_fapi_client_refused_for_the_issuer_is_not_retried(server: _Server) -> None:
    server.accepted = {REVOCATION}
    probe = probes.endpoint_auth_probe(_Target(), [_client(fapi="2.0-security")],  # type: ignore[arg-type]
                                       "revocation_endpoint")
    assert probe.support is mc.Support.NO
    assert [c["aud"] for c in server.seen] == [ISSUER]


def test_secret_methods_send_one_request(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []

    def revoke(target: Any, client: Client, token: str, *, auth: Any = None, label: str = "") -> _Answer:
        calls.append(auth)
        return _Answer(401, {"error": "invalid_client"})

    monkeypatch.setattr(probes, "revoke", revoke)
    client = Client.model_validate({"id": "c-basic", "auth_method": "client_secret_basic", "secret": SECRET,
                                    "redirect_uris": ["https://rp.example/cb"]})
    probe = probes.endpoint_auth_probe(_Target(), [client], "revocation_endpoint")  # type: ignore[arg-type]
    assert probe.support is mc.Support.NO and calls == [None]


def test_token_endpoint_probe_tries_the_issuer_after_the_token_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def token_request(target: Any, client: Client, params: dict[str, str], *, auth: Any = None,
                      endpoint: str | None = None, label: str = "") -> _Answer:
        aud = jose.decode_unverified(auth[0]["client_assertion"]).claims["aud"]
        seen.append(aud)
        if aud == ISSUER:  # an AS that identifies itself by its issuer only (RFC 7523 §5: configured out of band)
            return _Answer(400, {"error": "invalid_grant"})
        return _Answer(401, {"error": "invalid_client"})

    monkeypatch.setattr(probes, "token_request", token_request)
    client = _client(grant_types=["authorization_code"])
    probe = probes.token_auth_probe(_Target(), [client])  # type: ignore[arg-type]
    assert probe.support is mc.Support.YES and f"aud={ISSUER}" in probe.observed
    assert seen == [TOKEN, ISSUER]
