"""Loading a profile: ${ENV} substitution, *_file resolution, validation with YAML paths and hints."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from harness.curl import is_secret_key, register_placeholder
from harness.documented_settings import removed_settings_in, unverified_stated
from harness.profile.target_profile import TargetProfile
from harness.redaction import register_secret
from harness.results import ProfileError

_ENV_REF = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_FILE_KEYS = {"jwks_file", "cert_file", "key_file", "ca_file", "deviations_file"}


def _loc(parts: tuple[int | str, ...] | list[int | str]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "<root>"


def _substitute(node: Any, env: Mapping[str, str], path: list[int | str],
               missing: dict[str, list[str]] | None = None) -> Any:
    """``node`` with its ``${NAME}`` references replaced; unset names are collected in ``missing``.

    A secret read from a reference (``secret: ${NAME}``) is registered as the ``${NAME}`` placeholder
    of the curl lines, so a reproduce line names the variable and never holds the value.
    """
    top = missing is None
    missing = {} if missing is None else missing
    if isinstance(node, dict):
        out: Any = {k: _substitute(v, env, [*path, str(k)], missing) for k, v in node.items()}
    elif isinstance(node, list):
        out = [_substitute(v, env, [*path, i], missing) for i, v in enumerate(node)]
    elif isinstance(node, str):
        def repl(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"
            name = match.group(1)
            if name not in env:
                missing.setdefault(name, []).append(_loc(path))
                return ""
            if path and is_secret_key(str(path[-1])) and match.group(0) == node:
                register_placeholder(env[name], name)
            return env[name]
        out = _ENV_REF.sub(repl, node)
    else:
        out = node
    if top and missing:
        lines = [f"  environment variable {name} is not set (used at {', '.join(where)})"
                 for name, where in missing.items()]
        exports = "; ".join(f"export {name}=..." for name in missing)
        raise ProfileError(f"{len(missing)} environment variable(s) the profile references are not set:\n"
                           + "\n".join(lines) + f"\n(hint: {exports} — or replace the references)")
    return out


def _resolve_files(node: Any, base: Path, path: list[int | str]) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _FILE_KEYS and isinstance(value, str):
                file_path = Path(value) if Path(value).is_absolute() else base / value
                _check_readable(file_path, key, [*path, key])
                out[key] = str(file_path)
            elif key == "secret_file" and isinstance(value, str):
                file_path = Path(value) if Path(value).is_absolute() else base / value
                _check_readable(file_path, key, [*path, key])
                if "secret" in node:
                    raise ProfileError(f"{_loc(path)}: give either 'secret' or 'secret_file', not both")
                out["secret"] = file_path.read_text(encoding="utf-8").strip()
            elif key == "password_file" and isinstance(value, str):
                file_path = Path(value) if Path(value).is_absolute() else base / value
                _check_readable(file_path, key, [*path, key])
                out["password"] = file_path.read_text(encoding="utf-8").strip()
            else:
                out[key] = _resolve_files(value, base, [*path, key])
        return out
    if isinstance(node, list):
        return [_resolve_files(v, base, [*path, i]) for i, v in enumerate(node)]
    return node


def _check_readable(file_path: Path, key: str, path: list[int | str]) -> None:
    try:
        data = file_path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"{_loc(path)}: cannot read {file_path}: {exc.strerror or exc} "
                           f"(hint: paths are relative to the profile file)") from exc
    if key == "jwks_file":
        try:
            parsed = json.loads(data)
            if not isinstance(parsed.get("keys"), list):
                raise ValueError("no 'keys' array")
        except (ValueError, AttributeError) as exc:
            raise ProfileError(f"{_loc(path)}: {file_path} is not a JWK Set ({exc})") from exc
    elif key in ("cert_file", "key_file", "ca_file") and b"-----BEGIN " not in data:
        raise ProfileError(f"{_loc(path)}: {file_path} is not a PEM file")


def _hint_for(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "extra_forbidden":
        return "unknown key (hint: check the spelling; see fixtures/profile.schema.json)"
    if kind == "missing":
        return "required key is missing"
    if kind in ("enum", "literal_error"):
        return str(error.get("msg", ""))
    return str(error.get("msg", "invalid value"))


def parse_profile(data: Any, *, base_dir: Path, env: Mapping[str, str] | None = None,
                  source: str = "<profile>") -> TargetProfile:
    """Validate already-parsed YAML data into a :class:`TargetProfile`."""
    if not isinstance(data, dict):
        raise ProfileError(f"{source}: the profile must be a YAML mapping, got {type(data).__name__}")
    environment = dict(os.environ if env is None else env)
    data = _substitute(data, environment, [])
    data = _resolve_files(data, base_dir, [])
    removed = removed_settings_in(data)
    if removed:
        raise ProfileError(f"{source}: invalid target profile:\n" + "\n".join(f"  {line}" for line in removed))
    try:
        profile = TargetProfile.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source}: invalid target profile:"]
        for error in exc.errors():
            loc = [p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
            lines.append(f"  {_loc(loc)}: {_hint_for(error)}")
        raise ProfileError("\n".join(lines)) from None
    unread = unverified_stated(profile)
    if unread:
        raise ProfileError(f"{source}: invalid target profile:\n" + "\n".join(
            f"  {key}: no check verifies this documented setting, so stating it would suggest a verification "
            "that never happens (see oauth-harness documented)" for key in unread))
    for client in profile.clients:
        if client.secret is not None:
            register_secret(client.secret.get_secret_value())
    for user in profile.users:
        register_secret(user.password.get_secret_value())
    if profile.key_rotation is not None and profile.key_rotation.token is not None:
        register_secret(profile.key_rotation.token.get_secret_value())
    if profile.registration.initial_access_token is not None:
        register_secret(profile.registration.initial_access_token.get_secret_value())
    if profile.documented.access_token.hmac_key is not None:
        register_secret(profile.documented.access_token.hmac_key.get_secret_value())
    return profile


def load_profile(path: str | Path, *, env: Mapping[str, str] | None = None) -> TargetProfile:
    """Read, substitute and validate a profile file; raise :class:`ProfileError` on any problem."""
    file_path = Path(path)
    try:
        text = file_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"cannot read target profile {file_path}: {exc.strerror or exc}") from exc
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: ~10x faster
    except yaml.YAMLError as exc:
        raise ProfileError(f"{file_path}: not valid YAML: {exc}") from exc
    profile = parse_profile(data, base_dir=file_path.resolve().parent, env=env, source=str(file_path))
    return profile.model_copy(update={"path": file_path.resolve()})


def profile_json_schema() -> dict[str, Any]:
    """The JSON Schema of the profile format, for editors."""
    schema = TargetProfile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "oauth-harness target profile"
    schema["properties"].pop("path", None)
    return schema
