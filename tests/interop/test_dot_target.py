"""The django-oauth-toolkit interop target: its launcher, its discovery, and a small real run.

The launcher installs DOT into ``fixtures/dot_target/.venv`` on first use (``make`` does it
ahead of time); every test talks to loopback only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.interop import dot
from harness.profile import load_profile
from harness.results import ProfileError
from harness.target import Target
from tests.interop.interop_cli import run_cli


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a foreign process reused the id
        return True
    return True


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _port_open(port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def server() -> Iterator[dot.RunningDot]:
    try:
        dot.ensure_installed()
    except dot.DotTargetError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"django-oauth-toolkit cannot be installed here: {exc}")
    running = dot.start()
    try:
        yield running
    finally:
        running.stop()


def test_launcher_exports_what_the_profile_needs(server: dot.RunningDot) -> None:
    assert server.is_running()
    assert re.fullmatch(r"https://127\.0\.0\.1:\d+", server.issuer)
    assert re.fullmatch(r"django-oauth-toolkit 3\.\d+\.\d+ \(oauthlib 3\.3\.\d+, Django \d+\.\d+\.\d+\)",
                        server.server_version())
    profile = load_profile(server.profile_path(), env={**os.environ, **server.env})
    assert profile.name == "dot" and profile.issuer == server.issuer
    secrets = {c.id: c.secret.get_secret_value() for c in profile.clients if c.secret is not None}
    assert set(secrets) == set(dot.CONFIDENTIAL_CLIENTS)
    assert len(set(secrets.values())) == len(secrets)  # one fresh secret per client
    assert _mode(server.state_dir / "seed.json") == 0o600


def test_discovery_answers_over_https(server: dot.RunningDot) -> None:
    context = ssl.create_default_context(cafile=str(server.ca_file))
    with httpx.Client(verify=context, timeout=10) as client:
        oidc = client.get(f"{server.issuer}/.well-known/openid-configuration")
        rfc8414 = client.get(f"{server.issuer}/.well-known/oauth-authorization-server")
        jwks = client.get(f"{server.issuer}/.well-known/jwks.json")
    assert oidc.status_code == 200 and rfc8414.status_code == 200
    metadata = oidc.json()
    assert metadata["issuer"] == server.issuer
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert rfc8414.json()["introspection_endpoint"] == f"{server.issuer}/introspect/"
    assert [key["kty"] for key in jwks.json()["keys"]] == ["RSA"]


def test_profile_names_the_endpoints_discovery_omits(server: dot.RunningDot) -> None:
    """DOT's OIDC discovery lists no device/introspection/revocation endpoint; the profile's endpoints do."""
    profile = load_profile(server.profile_path(), env={**os.environ, **server.env})
    target = Target.from_profile(profile)
    try:
        for member, path in (("device_authorization_endpoint", "/device-authorization/"),
                             ("introspection_endpoint", "/introspect/"), ("revocation_endpoint", "/revoke_token/")):
            assert member not in target.metadata
            assert target.offers(member)
            assert target.endpoint(member) == server.issuer + path
        assert target.endpoint("token_endpoint") == target.metadata["token_endpoint"]  # advertised wins
    finally:
        target.close()


def test_profile_endpoints_must_be_endpoint_urls(tmp_path: Path) -> None:
    text = (dot.PROFILE_PATH.read_text(encoding="utf-8")
            .replace("  introspection_endpoint: ${DOT_ISSUER}/introspect/", "  introspection: /introspect/"))
    path = tmp_path / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "deviations.yaml").write_text("deviations: []\n", encoding="utf-8")
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    env = {"DOT_ISSUER": "https://127.0.0.1:1", "DOT_CA_FILE": str(tmp_path / "ca.pem"), "DOT_STATE_DIR": str(tmp_path)}
    with pytest.raises(ProfileError, match="endpoints"):
        load_profile(path, env={**env, **{k: "x" for k in _secret_names()}})


def _secret_names() -> list[str]:
    return ([f"DOT_SECRET_{c.upper().replace('-', '_')}" for c in dot.CONFIDENTIAL_CLIENTS]
            + [f"DOT_PASSWORD_{u.upper()}" for u in dot.USERS])


def test_stop_ends_every_process_and_removes_state() -> None:
    running = dot.start()
    pgid, port = running.pid, int(running.issuer.rsplit(":", 1)[1])
    state = running.state_dir
    assert _group_alive(pgid) and state.is_dir()
    running.stop()
    assert not running.is_running()
    assert not _group_alive(pgid), "gunicorn workers outlived stop()"
    assert not state.exists()
    assert not _port_open(port)
    running.stop()  # idempotent


def test_small_run_is_clean(tmp_path: Path) -> None:
    """discovery, authorization_code and device against DOT: exit 0, nothing broken, known deviations matched."""
    report = tmp_path / "report"
    returncode, output = run_cli(["run", "--local", "dot", "--suite", "discovery", "--suite", "authorization_code",
                                  "--suite", "device", "--workers", "2", "--report-dir", str(report)])
    assert returncode == 0, output[-3000:]
    document = json.loads((report / "results.json").read_text())
    summary = document["summary"]
    assert summary["broken"] == 0
    # the xdist controller describes the run too: target, issuer and the features discovery advertises
    assert document["run"]["target"] == "dot" and document["run"]["issuer"].startswith("https://127.0.0.1:")
    features = {f["key"]: f["supported"] for f in document["run"]["features"]}
    assert features["pkce"] and not features["par"] and not features["dpop"]
    assert summary["passed"] >= 30
    outcomes = {c["id"]: c["outcome"] for c in json.loads((report / "results.json").read_text())["checks"]}
    assert outcomes["device.denial_gives_access_denied"] == "passed"  # DOT's own device pages, driven as forms
    assert summary["failed"] == 0 and summary["known"] >= 3  # failed counts only what no deviation covers
    match = re.search(r"issuer (https://127\.0\.0\.1:(\d+))", output)
    assert match is not None, output[-2000:]
    assert not _port_open(int(match.group(2))), "the DOT server is still listening after the run"
