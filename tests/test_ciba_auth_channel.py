"""The CIBA authentication channel the harness hosts (``login.ciba.mode: channel``)."""

from __future__ import annotations

import base64
import json
import os
import socket
import ssl
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness import ciba_auth_channel, evidence
from harness.ciba_receiver import NotificationReceiver
from harness.flows.ciba_approval import CibaApprover, PendingRequest
from harness.profile import parse_profile
from harness.profile.login import CibaChannel
from harness.results import HarnessError, ProfileError
from harness.target import Target
from tests.loopback_pki import free_port, write_loopback_pki


def _jwt(payload: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part(payload)}.c2lnbmF0dXJl"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return write_loopback_pki(tmp_path_factory.mktemp("pki"))


def _settings(pki: tuple[Path, Path, Path], *, callback: str = "https://127.0.0.1:1/cb",
              wait_s: float = 2.0) -> CibaChannel:
    _, cert, key = pki
    return CibaChannel(listen_url=f"https://127.0.0.1:{free_port()}/channel", cert_file=cert, key_file=key,
                       callback_url=callback, wait_s=wait_s)


@pytest.fixture
def log() -> Iterator[evidence.EvidenceLog]:
    current = evidence.EvidenceLog()
    with evidence.collecting(current):
        yield current


def _serving(receiver: Any) -> bool:
    """Read the flag afresh (a helper, so a type checker does not keep an earlier narrowing)."""
    return bool(receiver.serving)


def _callout(pki: tuple[Path, Path, Path], settings: CibaChannel, body: dict[str, Any],
             token: str | None) -> int:
    ca, _, _ = pki
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(verify=ssl.create_default_context(cafile=str(ca))) as client:
        return client.post(settings.listen_url, json=body, headers=headers).status_code


def test_callouts_are_acknowledged_and_spooled_privately(pki: tuple[Path, Path, Path]) -> None:
    settings = _settings(pki)
    receiver = ciba_auth_channel.ensure_receiver(settings)
    try:
        assert receiver.serving and ciba_auth_channel.ensure_receiver(settings) is receiver  # once per process
        token = _jwt({"azp": "ciba-poll", "jti": "j1"})
        assert _callout(pki, settings, {"login_hint": "alice", "binding_message": "harness-1"}, token) == 201
        assert _callout(pki, settings, {"login_hint": "alice"}, None) == 400       # no bearer token
        directory = ciba_auth_channel.spool_dir(settings.listen_url)
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
        files = list(directory.glob("*.json"))
        assert len(files) == 1 and stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
        with httpx.Client(verify=ssl.create_default_context(cafile=str(pki[0]))) as client:
            assert client.post(settings.listen_url.replace("/channel", "/other"), json={}).status_code == 404
        got = ciba_auth_channel.claim(settings, binding_message="harness-1", login_hint="alice",
                                      client_id="ciba-poll")
        assert got.token == token and got.authorized_party == "ciba-poll"
        assert not list(directory.glob("*.json"))  # claimed exactly once
        with pytest.raises(HarnessError, match="did not call the authentication channel"):
            ciba_auth_channel.claim(settings, binding_message="harness-1", login_hint="alice",
                                    client_id="ciba-poll", timeout_s=0.2)
    finally:
        receiver.stop()


def test_matching_by_binding_message_hint_and_client(pki: tuple[Path, Path, Path]) -> None:
    settings = _settings(pki)

    def callout(body: dict[str, Any], azp: str | None) -> ciba_auth_channel.Callout:
        token = _jwt({"azp": azp} if azp else {})
        return ciba_auth_channel.Callout(path=Path("x.json"), token=token, body=body, received_at=time.time())

    own = callout({"binding_message": "harness-a", "login_hint": "alice"}, "ciba-poll")
    assert ciba_auth_channel.matches(own, settings, binding_message="harness-a", login_hint="alice",
                                     client_id="ciba-poll")
    assert not ciba_auth_channel.matches(own, settings, binding_message="harness-b", login_hint="alice",
                                         client_id="ciba-poll")
    assert not ciba_auth_channel.matches(own, settings, binding_message="harness-a", login_hint="bob",
                                         client_id="ciba-poll")
    assert not ciba_auth_channel.matches(own, settings, binding_message="harness-a", login_hint="alice",
                                         client_id="ciba-ping")
    opaque = ciba_auth_channel.Callout(path=Path("y.json"), token="opaque-token",
                                       body={"binding_message": "harness-a"}, received_at=time.time())
    assert ciba_auth_channel.matches(opaque, settings, binding_message="harness-a", login_hint="alice",
                                     client_id="any")  # no azp, no login_hint member: the message decides


def test_binding_messages_are_unique_and_only_in_channel_mode(pki: tuple[Path, Path, Path]) -> None:
    settings = _settings(pki)
    first, second = ciba_auth_channel.binding_message_for(settings), ciba_auth_channel.binding_message_for(settings)
    assert first and second and first != second and first.startswith("harness-")
    assert ciba_auth_channel.binding_message_for(None) is None


def test_a_process_takes_the_port_over_when_its_holder_leaves(pki: tuple[Path, Path, Path]) -> None:
    settings = _settings(pki)
    port = int(settings.listen_url.split(":")[2].split("/")[0])
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", port))
    holder.listen()
    receiver = ciba_auth_channel.ensure_receiver(settings)
    try:
        assert not receiver.serving
        holder.close()
        deadline = time.monotonic() + 5
        while not _serving(receiver) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _serving(receiver)
        assert _callout(pki, settings, {"login_hint": "alice"}, _jwt({})) == 201
    finally:
        receiver.stop()
        for leftover in ciba_auth_channel.spool_dir(settings.listen_url).glob("*.json"):
            leftover.unlink()


def _target(tmp_path: Path, settings: CibaChannel, ca: Path) -> Target:
    data: dict[str, Any] = {
        "name": "t", "issuer": "https://127.0.0.1:1", "tls": {"ca_file": str(ca)},
        "clients": [{"id": "ciba-poll", "auth_method": "none", "grant_types": ["urn:openid:params:grant-type:ciba"]}],
        "users": [{"username": "alice", "password": "pw-secret-1"}],
        "login": {"ciba": {"mode": "channel", "channel": settings.model_dump(mode="json")}},
    }
    return Target.from_profile(parse_profile(data, base_dir=tmp_path))


@pytest.mark.parametrize(("decision", "status"), [("approve", "SUCCEED"), ("deny", "CANCELLED")])
def test_decision_goes_to_the_callback_with_the_callout_token(
        tmp_path: Path, pki: tuple[Path, Path, Path], log: evidence.EvidenceLog, decision: str, status: str) -> None:
    ca, cert, key = pki
    callback_port = free_port()
    settings = _settings(pki, callback=f"https://127.0.0.1:{callback_port}/callback")
    target = _target(tmp_path, settings, ca)
    approver = CibaApprover(target)
    assert approver.automated and approver.mode == "channel"
    receiver = ciba_auth_channel.ensure_receiver(settings)
    token = _jwt({"azp": "ciba-poll", "jti": "a-credential-jti"})
    try:
        assert _callout(pki, settings, {"login_hint": "alice", "binding_message": "harness-x"}, token) == 201
        pending = PendingRequest(auth_req_id="auth-req-id-credential", client=target.profile.client("ciba-poll"),
                                 login_hint="alice", binding_message="harness-x", expires_at=time.monotonic() + 30)
        with NotificationReceiver(settings.callback_url, cert_file=cert, key_file=key) as callback:
            approver.decide(pending, decision)  # type: ignore[arg-type]
            got = callback.wait_for(1, timeout_s=2)
    finally:
        receiver.stop()
    assert got and json.loads(got[0].body) == {"status": status}
    assert dict((k.lower(), v) for k, v in got[0].headers)["authorization"] == f"Bearer {token}"
    text = json.dumps([e.as_dict() for e in log.exchanges]) + json.dumps(log.notes)
    assert token not in text and "auth-req-id-credential" not in text
    assert log.exchanges[-1].status == 204


def test_channel_mode_needs_its_settings(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="channel"):
        parse_profile({"name": "t", "issuer": "https://127.0.0.1:1", "clients": [],
                       "login": {"ciba": {"mode": "channel"}}}, base_dir=tmp_path)
