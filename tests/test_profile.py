"""Profile validation: every problem names its YAML path and gives a hint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.profile import AuthMethod, load_profile, profile_json_schema
from harness.results import ProfileError


def _base() -> dict[str, Any]:
    return {
        "name": "t",
        "issuer": "https://as.example.test",
        "clients": [{"id": "c1", "auth_method": "client_secret_basic", "secret": "${T_SECRET}",
                     "redirect_uris": ["https://rp.example.test/cb"]}],
        "users": [{"username": "u", "password": "p-secret-1"}],
    }


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_valid_profile_loads(tmp_path: Path) -> None:
    profile = load_profile(_write(tmp_path, _base()), env={"T_SECRET": "s3cret-value"})
    client = profile.client("c1")
    assert client.auth_method is AuthMethod.CLIENT_SECRET_BASIC
    assert client.secret is not None and client.secret.get_secret_value() == "s3cret-value"
    assert "s3cret-value" not in repr(profile)
    assert profile.effective_discovery_url == "https://as.example.test/.well-known/openid-configuration"


def test_unknown_key_names_its_path(tmp_path: Path) -> None:
    data = _base()
    data["clients"][0]["auth_methdo"] = "x"
    with pytest.raises(ProfileError) as err:
        load_profile(_write(tmp_path, data), env={"T_SECRET": "x-secret"})
    assert "clients[0].auth_methdo: unknown key" in str(err.value)


def test_wrong_enum_value_names_its_path(tmp_path: Path) -> None:
    data = _base()
    data["clients"][0]["auth_method"] = "client_secret_basik"
    with pytest.raises(ProfileError) as err:
        load_profile(_write(tmp_path, data), env={"T_SECRET": "x-secret"})
    assert "clients[0].auth_method" in str(err.value)
    assert "client_secret_basic" in str(err.value)  # the hint lists the allowed values


def test_wrong_type_names_its_path(tmp_path: Path) -> None:
    data = _base()
    data["timeouts"] = {"read": "slow"}
    with pytest.raises(ProfileError) as err:
        load_profile(_write(tmp_path, data), env={"T_SECRET": "x-secret"})
    assert "timeouts.read" in str(err.value)


def test_missing_env_var_names_variable_and_path(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as err:
        load_profile(_write(tmp_path, _base()), env={})
    message = str(err.value)
    assert "clients[0].secret" in message and "T_SECRET" in message and "export" in message


def test_unreadable_key_file(tmp_path: Path) -> None:
    data = _base()
    data["clients"][0] = {"id": "c1", "auth_method": "private_key_jwt", "jwks_file": "missing.json",
                          "redirect_uris": ["https://rp.example.test/cb"]}
    with pytest.raises(ProfileError) as err:
        load_profile(_write(tmp_path, data), env={})
    assert "clients[0].jwks_file: cannot read" in str(err.value)


def test_key_file_that_is_not_a_jwks(tmp_path: Path) -> None:
    (tmp_path / "keys.json").write_text("[1, 2]")
    data = _base()
    data["clients"][0] = {"id": "c1", "auth_method": "private_key_jwt", "jwks_file": "keys.json",
                          "redirect_uris": ["https://rp.example.test/cb"]}
    with pytest.raises(ProfileError) as err:
        load_profile(_write(tmp_path, data), env={})
    assert "not a JWK Set" in str(err.value)


def test_method_needs_its_credentials(tmp_path: Path) -> None:
    data = _base()
    del data["clients"][0]["secret"]
    with pytest.raises(ProfileError) as err:
        load_profile(_write(tmp_path, data), env={})
    assert "clients[0]" in str(err.value) and "needs 'secret'" in str(err.value)


def test_duplicate_client_ids(tmp_path: Path) -> None:
    data = _base()
    data["clients"].append(dict(data["clients"][0]))
    with pytest.raises(ProfileError, match="appears twice"):
        load_profile(_write(tmp_path, data), env={"T_SECRET": "x-secret"})


def test_secret_file_and_escape(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("from-a-file\n")
    data = _base()
    data["description"] = "literal $${NOT_A_VAR}"
    data["clients"][0].pop("secret")
    data["clients"][0]["secret_file"] = "secret.txt"
    profile = load_profile(_write(tmp_path, data), env={})
    assert profile.description == "literal ${NOT_A_VAR}"
    secret = profile.clients[0].secret
    assert secret is not None and secret.get_secret_value() == "from-a-file"


def test_not_yaml_mapping(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(ProfileError, match="must be a YAML mapping"):
        load_profile(path)


def test_bad_issuer_url(tmp_path: Path) -> None:
    data = _base()
    data["issuer"] = "as.example.test"
    with pytest.raises(ProfileError, match="issuer"):
        load_profile(_write(tmp_path, data), env={"T_SECRET": "x-secret"})


def test_shipped_schema_is_current() -> None:
    shipped = Path(__file__).resolve().parent.parent / "fixtures" / "profile.schema.json"
    assert json.loads(shipped.read_text()) == profile_json_schema(), "run `make schema`"


def test_reference_profile_is_valid(tmp_path: Path) -> None:
    """The bundled profile validates once its launcher variables exist."""
    profile_file = Path(__file__).resolve().parent.parent / "fixtures" / "reference_target" / "profile.yaml"
    profile_text = profile_file.read_text()
    # every key file the profile names under the launcher's state directory (clients are added by several areas)
    import re as _re

    for name in set(_re.findall(r"\$\{REFTARGET_STATE_DIR\}/([A-Za-z0-9_.\-]+)\.jwks\.json", profile_text)):
        (tmp_path / f"{name}.jwks.json").write_text('{"keys": []}')
    for name in ("mtls", "mtls-self", "mtls-other-dn"):
        (tmp_path / f"{name}.crt").write_text("-----BEGIN CERTIFICATE-----\n")
        (tmp_path / f"{name}.key").write_text("-----BEGIN PRIVATE KEY-----\n")
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    env = {"REFTARGET_ISSUER": "https://127.0.0.1:1", "REFTARGET_MTLS_BASE": "https://127.0.0.1:2",
           "REFTARGET_CA_FILE": str(tmp_path / "ca.pem"), "REFTARGET_STATE_DIR": str(tmp_path)}
    profile_path = Path(__file__).resolve().parent.parent / "fixtures" / "reference_target" / "profile.yaml"
    text = profile_path.read_text()
    import re

    for var in set(re.findall(r"\$\{(REFTARGET_[A-Z0-9_]+)\}", text)) - set(env):
        if var.endswith("_FILE"):
            env[var] = str(tmp_path / "ca.pem")
        elif var.endswith(("_URI", "_URL")):
            env[var] = "https://127.0.0.1:3/" + var.lower()
        else:
            env[var] = "value-" + var.lower()
    profile = load_profile(profile_path, env=env)
    assert len(profile.clients) >= 10
