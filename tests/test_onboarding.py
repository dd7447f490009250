"""``oauth-harness init`` and ``check-profile`` against the reference target (and broken variants)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.cli import main
from harness.onboarding.check_profile import check_profile
from harness.onboarding.init_profile import discover, discovery_candidates
from harness.profile import load_profile
from harness.reference_target import RunningTarget
from harness.reporting.summary import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE

REFERENCE_PROFILE = Path(__file__).resolve().parent.parent / "fixtures" / "reference_target" / "profile.yaml"


# -- init -------------------------------------------------------------------------------------

def test_init_writes_a_starter_profile_with_detected_capabilities(
        reference: RunningTarget, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "starter.yaml"
    assert main(["init", "--issuer", reference.issuer, "--ca-file", str(reference.ca_file),
                 "--output", str(out)]) == EXIT_OK
    assert f"wrote {out}" in capsys.readouterr().out
    text = out.read_text()
    # the registration area serves RFC 7591
    assert "#   yes  PAR (RFC 9126)" in text and "#   yes  dynamic registration" in text
    assert "#   yes  device grant (RFC 8628)" in text and "modes: poll, ping" in text
    # the mTLS aliases live on another origin: offered, but commented out (opt-in)
    assert f'#   - "{reference.mtls_base}"' in text
    data = yaml.safe_load(text)
    assert data["issuer"] == reference.issuer
    assert data["tls"]["ca_file"] == str(reference.ca_file.resolve())
    assert data["documented"]["pkce_methods"] == ["S256"]
    methods = {c["auth_method"] for c in data["clients"]}
    assert methods == {"client_secret_basic", "none"}
    # it loads once the secrets it names are provided ...
    profile = load_profile(out, env={"TARGET_CLIENT_SECRET": "s3cret-value", "TARGET_USER_PASSWORD": "pw"})
    assert profile.issuer == reference.issuer and len(profile.clients) == 2
    # ... and check-profile refuses to call it ready while TODOs remain
    monkeypatch.setenv("TARGET_CLIENT_SECRET", "s3cret-value")
    monkeypatch.setenv("TARGET_USER_PASSWORD", "pw")
    statuses = {p.name: p for p in check_profile(out).probes}
    assert statuses["placeholders"].status == "problem"
    assert "clients[0].id" in statuses["placeholders"].message
    assert statuses["discovery"].status == "ok"


def test_init_refuses_to_overwrite(reference: RunningTarget, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.yaml"
    out.write_text("mine")
    assert main(["init", "--issuer", reference.issuer, "--ca-file", str(reference.ca_file),
                 "--output", str(out)]) == EXIT_USAGE
    assert out.read_text() == "mine"
    assert "--force" in capsys.readouterr().err


def test_init_explains_a_wrong_issuer(reference: RunningTarget, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.yaml"
    assert main(["init", "--issuer", reference.issuer + "/realms/nope", "--ca-file", str(reference.ca_file),
                 "--output", str(out)]) == EXIT_UNREACHABLE
    err = capsys.readouterr().err
    assert "HTTP 404" in err and "issuer URL" in err
    assert not out.exists()


def test_discovery_candidates_follow_both_specs() -> None:
    assert discovery_candidates("https://as.example.test/tenant/") == [
        ("https://as.example.test/tenant/.well-known/openid-configuration", "openid-configuration"),
        ("https://as.example.test/.well-known/oauth-authorization-server/tenant", "oauth-authorization-server"),
    ]


def test_discover_rejects_relative_issuer() -> None:
    with pytest.raises(Exception, match="absolute"):
        discover("as.example.test")


# -- check-profile ----------------------------------------------------------------------------

def test_check_profile_passes_on_the_reference_target(reference: RunningTarget,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-profile", str(REFERENCE_PROFILE)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "ok      client conf-basic: client_secret_basic: credentials accepted" in out
    assert "ok      client introspector: client_secret_basic: authenticated" in out
    assert "ok      client mtls: tls_client_auth" in out
    assert "ready" in out
    assert reference.client_secrets["conf-basic"] not in out


def test_check_profile_names_a_wrong_client_secret(reference: RunningTarget, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("REFTARGET_SECRET_CONF_POST", "not-the-secret")
    assert main(["check-profile", str(REFERENCE_PROFILE)]) == EXIT_FAILED
    out = capsys.readouterr().out
    problem = [line for line in out.splitlines() if line.startswith("PROBLEM")]
    assert len(problem) == 1 and "client conf-post" in problem[0] and "invalid_client" in problem[0]
    assert "check the secret of client 'conf-post'" in out
    assert "not-the-secret" not in out
    assert "1 problem(s)" in out


def test_check_profile_names_a_wrong_private_key(reference: RunningTarget, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # conf-pkjwt signs with par-required's key: the server must refuse it
    data = yaml.safe_load(REFERENCE_PROFILE.read_text())
    for client in data["clients"]:
        if client["id"] == "conf-pkjwt":
            client["jwks_file"] = "${REFTARGET_STATE_DIR}/par-required.jwks.json"
    data["deviations_file"] = str(REFERENCE_PROFILE.parent / "deviations.yaml")
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    probes = {p.name: p for p in check_profile(path).probes}
    assert probes["client conf-pkjwt"].status == "problem"
    assert "jwks_file" in probes["client conf-pkjwt"].hint
    assert probes["client conf-basic"].status == "ok"


def _with_issuer(tmp_path: Path, issuer: str, discovery_url: str | None = None) -> Path:
    data = yaml.safe_load(REFERENCE_PROFILE.read_text())
    data["issuer"] = issuer
    if discovery_url:
        data["discovery_url"] = discovery_url
    data["deviations_file"] = str(REFERENCE_PROFILE.parent / "deviations.yaml")
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_check_profile_explains_an_issuer_with_a_wrong_path(reference: RunningTarget, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = _with_issuer(tmp_path, reference.issuer + "/tenant-a")
    assert main(["check-profile", str(path)]) == EXIT_UNREACHABLE
    out = capsys.readouterr().out
    assert "PROBLEM discovery:" in out and "HTTP 404" in out
    assert "set 'issuer' to exactly what the server calls itself" in out


def test_check_profile_explains_an_issuer_that_differs_from_discovery(reference: RunningTarget, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    # the document is found (discovery_url) but names another issuer: a trailing slash is enough
    path = _with_issuer(tmp_path, reference.issuer + "/",
                        discovery_url=reference.issuer + "/.well-known/openid-configuration")
    assert main(["check-profile", str(path)]) == EXIT_UNREACHABLE
    out = capsys.readouterr().out
    assert f"the server calls itself '{reference.issuer}'" in out
    assert f"set 'issuer: {reference.issuer}'" in out


def test_check_profile_reports_an_unreachable_server(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({
        "name": "down", "issuer": "https://127.0.0.1:9", "timeouts": {"connect": 1, "read": 1},
        "clients": [{"id": "c", "auth_method": "none", "redirect_uris": ["https://rp.example.test/cb"]}],
        "users": [{"username": "u", "password": "pw-1234"}]}))
    result = check_profile(path)
    assert not result.reachable
    assert "cannot reach" in result.probes[-1].message


def test_check_profile_reports_an_invalid_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: x\nissuer: https://as.example.test\nclients: []\nusers: []\n")
    assert main(["check-profile", str(path)]) == EXIT_USAGE
    assert "PROBLEM profile: " in capsys.readouterr().out


def test_check_profile_login_probe_signs_in(reference: RunningTarget, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-profile", "--login", str(REFERENCE_PROFILE)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "ok      login: alice signed in through the http_form driver and a code came back" in out
    assert "login form shown, consent shown" in out


def test_check_profile_login_probe_names_a_wrong_password(reference: RunningTarget, tmp_path: Path) -> None:
    data = yaml.safe_load(REFERENCE_PROFILE.read_text())
    data["users"][0]["password"] = "not-alices-password"
    data["deviations_file"] = str(REFERENCE_PROFILE.parent / "deviations.yaml")
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    probes = {p.name: p for p in check_profile(path, login=True).probes}
    assert probes["login"].status == "problem"
    assert "alice" in probes["login"].message and "users[0]" in probes["login"].hint
    assert "not-alices-password" not in probes["login"].message + probes["login"].hint


@pytest.mark.parametrize(("status", "body", "expected"), [
    (400, {"error": "invalid_grant"}, "ok"),
    (401, {"error": "invalid_client"}, "problem"),
    (400, {"error": "invalid_client"}, "problem"),
    (401, {}, "problem"),
    (400, {"error": "invalid_request", "error_description": "bad assertion"}, "warning"),
    (400, {"error": "unsupported_grant_type"}, "warning"),
    (500, {}, "warning"),
    (200, {"access_token": "at-value", "token_type": "Bearer"}, "ok"),
])
def test_client_probe_reads_the_token_endpoint_answer(status: int, body: dict[str, str], expected: str,
                                                      monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import httpx

    from harness.flows import token
    from harness.onboarding import check_profile as module
    from harness.profile import parse_profile
    from harness.target import Target

    profile = parse_profile({
        "name": "probe", "issuer": "https://as.example.test",
        "clients": [{"id": "c", "auth_method": "client_secret_basic", "secret": "s3cret-value-123",
                     "redirect_uris": ["https://rp.example.test/cb"]}],
        "users": [{"username": "u", "password": "pw-1234"}]}, base_dir=tmp_path)
    answer = token.TokenResult(response=httpx.Response(status, json=body), body=body or None)
    monkeypatch.setattr(token, "token_request", lambda *a, **k: answer)
    target = Target.from_profile(profile)
    try:
        probe = module._probe_client(target, profile.clients[0])
    finally:
        target.close()
    assert probe.status == expected, probe.line()
    assert "s3cret-value-123" not in probe.line() and "at-value" not in probe.line()


@pytest.mark.parametrize("dpop_bound", [True, False])
def test_client_probe_sends_a_dpop_proof_for_a_dpop_bound_client(dpop_bound: bool, monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    """RFC 9449 §5.2: a DPoP-bound client's server may refuse a proof-less request before judging credentials."""
    import httpx

    from harness import jose
    from harness.flows import dpop, token
    from harness.onboarding import check_profile as module
    from harness.profile import parse_profile
    from harness.target import Target

    profile = parse_profile({
        "name": "probe", "issuer": "https://as.example.test",
        "clients": [{"id": "c", "auth_method": "client_secret_basic", "secret": "s3cret-value-123",
                     "redirect_uris": ["https://rp.example.test/cb"], "documented": {"dpop_bound": dpop_bound}}],
        "users": [{"username": "u", "password": "pw-1234"}]}, base_dir=tmp_path)
    sent: list[dict[str, str]] = []

    def answer(*args: object, extra_headers: dict[str, str] | None = None, **kwargs: object) -> token.TokenResult:
        sent.append(dict(extra_headers or {}))
        if "DPoP" not in (extra_headers or {}):  # Keycloak's answer to a DPoP-bound client without a proof
            body = {"error": "invalid_request", "error_description": "DPoP proof is missing"}
        else:
            body = {"error": "invalid_grant", "error_description": "Code not valid"}
        return token.TokenResult(response=httpx.Response(400, json=body), body=body)

    monkeypatch.setattr(token, "token_request", answer)
    monkeypatch.setattr(dpop, "token_request", answer)
    target = Target.from_profile(profile)
    target._metadata = {"issuer": "https://as.example.test", "token_endpoint": "https://as.example.test/token",
                        "dpop_signing_alg_values_supported": ["ES256"]}
    try:
        probe = module._probe_client(target, profile.clients[0])
    finally:
        target.close()
    assert len(sent) == 1
    if not dpop_bound:
        assert "DPoP" not in sent[0]
        assert probe.status == "warning" and "unclear" in probe.message, probe.line()
        return
    assert probe.status == "ok", probe.line()
    proof = jose.decode_unverified(sent[0]["DPoP"])
    assert proof.header["typ"] == "dpop+jwt" and proof.header["alg"] == "ES256"
    assert proof.claims["htm"] == "POST" and proof.claims["htu"] == "https://as.example.test/token"
    assert "s3cret-value-123" not in probe.line()
