"""The vendor profiles (fixtures/vendor_profiles/): they load, validate and state the documented values.

PingFederate, PingAM and Keycloak cannot run here, so these tests check the profiles, not the
servers: every ``${VAR}`` is filled with a fake value, a missing one is named in the error, the
CLI accepts each profile, and the values taken from the vendors' documents are the ones stated.
No network.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.cli import main
from harness.profile import AuthMethod, TargetProfile, load_profile
from harness.reporting.deviations import load_deviations
from harness.results import ProfileError

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "fixtures" / "vendor_profiles"
VENDORS = ("pingfederate", "pingam", "keycloak")

#: The variables each profile references (the README lists them for the user).
VARIABLES = {
    "pingfederate": {"PINGFED_ISSUER", "PINGFED_MTLS_BASE", "PINGFED_USERNAME", "PINGFED_PASSWORD",
                     "PINGFED_REDIRECT_URI", "PINGFED_KEYS_DIR", "PINGFED_SECRET_CONF", "PINGFED_SECRET_JARM",
                     "PINGFED_SECRET_RS", "PINGFED_MTLS_SUBJECT_DN"},
    "pingam": {"PINGAM_ISSUER", "PINGAM_USERNAME", "PINGAM_PASSWORD", "PINGAM_REDIRECT_URI", "PINGAM_KEYS_DIR",
               "PINGAM_SECRET_CONF", "PINGAM_SECRET_DEVICE", "PINGAM_SECRET_RS"},
    "keycloak": {"KEYCLOAK_ISSUER", "KEYCLOAK_USERNAME", "KEYCLOAK_PASSWORD", "KEYCLOAK_REDIRECT_URI",
                 "KEYCLOAK_KEYS_DIR", "KEYCLOAK_SECRET_CONF", "KEYCLOAK_SECRET_POST", "KEYCLOAK_SECRET_JWT",
                 "KEYCLOAK_SECRET_CIBA", "KEYCLOAK_SECRET_INTROSPECTOR"},
}
ISSUERS = {
    "pingfederate": "https://pf.example.test:9031",
    "pingam": "https://am.example.test:8443/am/oauth2/realms/root/realms/alpha",
    "keycloak": "https://sso.example.test/realms/harness",
}
_ENV_REF = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")
EnvFor = Callable[[str], dict[str, str]]
_ENDPOINT_LINE = re.compile(r"^#\s+([a-z_]+_endpoint|jwks_uri)\s+(/\S+)", re.MULTILINE)


def _path(vendor: str) -> Path:
    return VENDOR_DIR / f"{vendor}.yaml"


def _keys_dir(tmp_path: Path) -> Path:
    """Private key material the profiles point to (fake, but in the formats the loader checks)."""
    keys = tmp_path / "keys"
    keys.mkdir()
    for client in ("harness-pkjwt", "harness-par", "harness-jar", "harness-ciba"):
        (keys / f"{client}.jwks.json").write_text('{"keys": []}', encoding="utf-8")
    for name in ("harness-mtls", "harness-mtls-other-dn"):
        (keys / f"{name}.crt").write_text("-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n")
        (keys / f"{name}.key").write_text("-----BEGIN PRIVATE KEY-----\nfake\n-----END PRIVATE KEY-----\n")
    return keys


def _fake_env(vendor: str, keys: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for name in VARIABLES[vendor]:
        if name.endswith("_ISSUER"):
            env[name] = ISSUERS[vendor]
        elif name.endswith("_MTLS_BASE"):
            env[name] = "https://pf.example.test:9032"
        elif name.endswith("_REDIRECT_URI"):
            env[name] = "https://rp.example.test/cb"
        elif name.endswith("_KEYS_DIR"):
            env[name] = str(keys)
        else:
            env[name] = f"fake-{name.lower().replace('_', '-')}-value"
    return env


@pytest.fixture()
def env_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EnvFor:
    """Export the fake variables of one vendor profile (and clear the others' variables)."""
    keys = _keys_dir(tmp_path)

    def apply(vendor: str) -> dict[str, str]:
        for names in VARIABLES.values():
            for name in names:
                monkeypatch.delenv(name, raising=False)
        env = _fake_env(vendor, keys)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return env
    return apply


def _load(vendor: str) -> TargetProfile:
    return load_profile(_path(vendor))


@pytest.mark.parametrize("vendor", VENDORS)
def test_profile_references_exactly_the_listed_variables(vendor: str) -> None:
    text = _path(vendor).read_text(encoding="utf-8")
    used = {m.group(1) for line in text.splitlines() if not line.lstrip().startswith("#")
            for m in _ENV_REF.finditer(line.split(" #")[0])}
    assert used == VARIABLES[vendor]


@pytest.mark.parametrize("vendor", VENDORS)
def test_readme_documents_every_variable(vendor: str) -> None:
    readme = (VENDOR_DIR / "README.md").read_text(encoding="utf-8")
    missing = sorted(name for name in VARIABLES[vendor] if name not in readme)
    assert not missing, f"README.md does not mention {missing}"


@pytest.mark.parametrize("vendor", VENDORS)
def test_loads_and_validates_with_variables_set(vendor: str, env_for: EnvFor) -> None:
    env = env_for(vendor)
    profile = _load(vendor)
    assert profile.name == vendor
    assert profile.issuer == ISSUERS[vendor]
    assert profile.production is True
    # Each product keeps OIDC discovery at issuer + /.well-known/openid-configuration.
    assert profile.discovery_url is None
    assert profile.effective_discovery_url == ISSUERS[vendor] + "/.well-known/openid-configuration"
    assert profile.users[0].username == env[f"{vendor.upper().replace('PINGFEDERATE', 'PINGFED')}_USERNAME"]
    # Secrets stay wrapped: the profile's repr does not show them.
    shown = repr(profile)
    for name, value in env.items():
        if "SECRET" in name or "PASSWORD" in name:
            assert value not in shown
    assert profile.deviations_file is not None
    # empty until a real run: only Keycloak's has been run (26.5.6), and it lists what a default realm shows
    recorded = load_deviations(profile.deviations_file).deviations
    assert (recorded == []) if vendor != "keycloak" else {d.check for d in recorded} == {
        "jwt_access_token.client_id", "jwt_access_token.required_claims"}


@pytest.mark.parametrize(("vendor", "variable"),
                         [(v, name) for v in VENDORS for name in sorted(VARIABLES[v])])
def test_missing_variable_is_named(vendor: str, variable: str, env_for: EnvFor,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    env_for(vendor)
    monkeypatch.delenv(variable)
    with pytest.raises(ProfileError) as info:
        _load(vendor)
    message = str(info.value)
    assert f"environment variable {variable} is not set" in message
    assert f"export {variable}=" in message


@pytest.mark.parametrize("vendor", VENDORS)
def test_missing_key_file_is_named(vendor: str, env_for: EnvFor, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    env_for(vendor)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv(next(n for n in VARIABLES[vendor] if n.endswith("_KEYS_DIR")), str(empty))
    with pytest.raises(ProfileError) as info:
        _load(vendor)
    assert re.search(r"clients\[\d+\]\.(jwks|cert|key)_file: cannot read .*/empty/harness-[a-z-]+\.", str(info.value))


@pytest.mark.parametrize("vendor", VENDORS)
def test_cli_validate_accepts_each_profile(vendor: str, env_for: EnvFor,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    env_for(vendor)
    assert main(["validate", str(_path(vendor))]) == 0
    assert "valid (" in capsys.readouterr().out


def test_cli_validate_names_the_missing_variable(env_for: EnvFor, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    env_for("pingfederate")
    monkeypatch.delenv("PINGFED_ISSUER")
    assert main(["validate", str(_path("pingfederate"))]) != 0
    assert "PINGFED_ISSUER" in capsys.readouterr().err


def test_secret_file_replaces_an_env_secret(env_for: EnvFor, tmp_path: Path) -> None:
    """The README's alternative: a client secret read from a file next to the profile."""
    env_for("keycloak")
    secret = tmp_path / "harness-conf.secret"
    secret.write_text("fake-secret-from-a-file\n", encoding="utf-8")
    text = _path("keycloak").read_text(encoding="utf-8")
    changed = text.replace("secret: ${KEYCLOAK_SECRET_CONF}", f"secret_file: {secret}", 1)
    assert changed != text
    copy = tmp_path / "keycloak.yaml"
    copy.write_text(changed.replace("deviations_file: keycloak.deviations.yaml", ""), encoding="utf-8")
    profile = load_profile(copy)
    loaded = profile.client("harness-conf").secret
    assert loaded is not None and loaded.get_secret_value() == "fake-secret-from-a-file"


def _documented_endpoints(vendor: str) -> dict[str, str]:
    return dict(_ENDPOINT_LINE.findall(_path(vendor).read_text(encoding="utf-8")))


def test_pingfederate_documented_endpoint_paths() -> None:
    endpoints = _documented_endpoints("pingfederate")
    assert endpoints["authorization_endpoint"] == "/as/authorization.oauth2"
    assert endpoints["token_endpoint"] == "/as/token.oauth2"
    assert endpoints["pushed_authorization_request_endpoint"] == "/as/par.oauth2"
    assert endpoints["jwks_uri"] == "/pf/JWKS"
    assert endpoints["introspection_endpoint"] == "/as/introspect.oauth2"
    assert endpoints["revocation_endpoint"] == "/as/revoke_token.oauth2"
    assert endpoints["device_authorization_endpoint"] == "/as/device_authz.oauth2"
    assert endpoints["backchannel_authentication_endpoint"] == "/as/bc-auth.ciba"


def test_pingfederate_jwt_access_token_defaults(env_for: EnvFor) -> None:
    env_for("pingfederate")
    profile = _load("pingfederate")
    token = profile.documented.access_token
    assert token.format == "jwt"
    assert token.lifetime_s == 120 * 60            # "Token Lifetime", default 120 minutes
    assert token.kid_header is True                # "Include Key ID Header Parameter": selected
    assert token.x5t_header is False               # "Include X.509 Thumbprint Header Parameter": not selected
    assert token.client_id_claim == "client_id"    # "Client ID Claim Name"
    assert token.scope_claim == "scope"            # "Scope Claim Name"
    assert token.scope_format == "array"           # "Space Delimit Scope Values": not selected
    assert token.jti_length == 0                   # "JWT ID Claim Length", default 0
    assert token.audience is None                  # "Audience Claim Value": blank
    documented = profile.documented
    assert documented.authorization_code_lifetime_s == 60
    assert documented.par.request_uri_lifetime_s == 60
    assert documented.ciba.polling_interval_s == 3 and documented.ciba.slow_down
    assert documented.introspection.client == "harness-rs"
    assert documented.introspection.jwt_signing_alg == "RS256"
    assert documented.device.bypass_activation_code_confirmation is False


def test_pingfederate_client_settings(env_for: EnvFor) -> None:
    env_for("pingfederate")
    profile = _load("pingfederate")
    assert profile.client("harness-public").is_public
    assert profile.client("harness-public").documented.require_pkce
    assert profile.client("harness-par").documented.require_par
    jar = profile.client("harness-jar").documented
    assert jar.require_signed_requests and jar.request_object_signing_alg == "RS256"
    jarm = profile.client("harness-jarm").documented
    assert jarm.require_jarm and jarm.jarm_signing_alg == "RS256"
    assert profile.client("harness-mtls").auth_method is AuthMethod.TLS_CLIENT_AUTH
    assert profile.client("harness-pkjwt").documented.assertion_replay_prevention is False
    assert profile.client("harness-ciba").documented.ciba_delivery_mode == "poll"
    assert profile.client("harness-conf").documented.id_token_signing_alg == "RS256"
    # Client TLS Certificate authentication runs on the secondary HTTPS port.
    assert profile.allowed_origins == ["https://pf.example.test:9032"]


def test_pingam_realm_paths(env_for: EnvFor) -> None:
    env_for("pingam")
    profile = _load("pingam")
    assert re.search(r"/oauth2/realms/root/realms/[^/]+$", profile.issuer)
    endpoints = _documented_endpoints("pingam")
    assert endpoints["token_endpoint"] == "/access_token"
    assert endpoints["authorization_endpoint"] == "/authorize"
    assert endpoints["pushed_authorization_request_endpoint"] == "/par"
    assert endpoints["backchannel_authentication_endpoint"] == "/bc-authorize"
    assert endpoints["device_authorization_endpoint"] == "/device/code"
    ciba = profile.client("harness-ciba").documented
    assert ciba.ciba_signed_requests and ciba.ciba_delivery_mode == "poll"
    text = _path("pingam").read_text(encoding="utf-8")
    for setting in ("idTokenIssuer", "audienceName", "acceptedAuthorizedParties"):
        assert setting in text                      # the OIDC module's validation settings are explained


def test_keycloak_documented_defaults(env_for: EnvFor) -> None:
    env_for("keycloak")
    profile = _load("keycloak")
    endpoints = _documented_endpoints("keycloak")
    assert endpoints["token_endpoint"] == "/protocol/openid-connect/token"
    assert endpoints["authorization_endpoint"] == "/protocol/openid-connect/auth"
    assert endpoints["jwks_uri"] == "/protocol/openid-connect/certs"
    assert endpoints["introspection_endpoint"] == "/protocol/openid-connect/token/introspect"
    assert endpoints["revocation_endpoint"] == "/protocol/openid-connect/revoke"
    assert endpoints["device_authorization_endpoint"] == "/protocol/openid-connect/auth/device"
    assert endpoints["pushed_authorization_request_endpoint"] == "/protocol/openid-connect/ext/par/request"
    assert endpoints["backchannel_authentication_endpoint"] == "/protocol/openid-connect/ext/ciba/auth"
    documented = profile.documented
    assert documented.access_token.lifetime_s == 300   # Access Token Lifespan, 5 minutes
    assert documented.access_token.typ == "JWT"        # at+jwt header type is off by default
    # RFC 9068's client_id, not Keycloak's azp: a documented setting never waives a REQUIRED claim
    # (the deviation is recorded in keycloak.deviations.yaml instead)
    assert documented.access_token.client_id_claim == "client_id"
    recorded = {d.check for d in load_deviations(VENDOR_DIR / "keycloak.deviations.yaml").deviations}
    assert {"jwt_access_token.client_id", "jwt_access_token.required_claims"} <= recorded
    assert profile.login.http_form.consent_form_action == "/login-actions/consent"
    assert profile.login.device.browser.user_code_steps[0].fill == "[name='device_user_code']"
    assert documented.authorization_code_lifetime_s == 60
    assert documented.par.request_uri_lifetime_s == 60
    assert (documented.device.polling_interval_s, documented.device.code_lifetime_s) == (5, 600)
    assert (documented.ciba.polling_interval_s, documented.ciba.request_lifetime_s) == (5, 120)
    assert documented.refresh.rotation is False        # Revoke Refresh Token off
    assert profile.client("harness-dpop").documented.dpop_bound
    assert profile.client("harness-mtls").documented.certificate_bound
    assert profile.client("harness-par").documented.require_par
    assert profile.client("harness-public").documented.require_pkce
    assert profile.login.http_form.login_form_id == "kc-form-login"
    assert profile.login.device.http_form.user_code_field == "device_user_code"
