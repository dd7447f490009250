"""The launcher: writes the node config from the material and starts ``node server.mjs``."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from harness.interop import processes
from harness.interop.processes import free_port, log_tail, write_file
from harness.reference_target.defects import check_defects
from harness.reference_target.install import (
    FIXTURE_DIR,
    PROFILE_PATH,
    SERVER_SCRIPT,
    ReferenceTargetError,
    ensure_installed,
)
from harness.reference_target.material import CLIENTS, Material, arrange_keys, b64u, get_material, public_jwk
from harness.reference_target.running import STOP_TIMEOUT_S, RunningTarget
from harness.reference_target.variants import Variant, load_variant, write_profile

__all__ = ["CLOCK_TOLERANCE_S", "DEFAULT_SETTINGS", "DEFAULT_TTLS", "ReferenceTarget", "normalize_ttls",
           "start_default", "start_variant"]

_START_TIMEOUT_S = 20.0
_READY_PREFIX = "REFERENCE_TARGET_READY "

DEFAULT_TTLS: Mapping[str, int] = MappingProxyType({
    "AuthorizationCode": 10,
    "AccessToken": 300,
    "IdToken": 300,
    "DeviceCode": 10,
    "BackchannelAuthenticationRequest": 10,
    "PushedAuthorizationRequest": 10,
    "RefreshToken": 3600,
    "Interaction": 600,
    "Session": 3600,
    "Grant": 3600,
})
"""Artefact lifetimes in seconds (oidc-provider model names); override per start."""

DEFAULT_SETTINGS: Mapping[str, bool] = MappingProxyType({"dpop_require_nonce": True})
"""Runtime behaviour switches of the server (not defects); DPoP nonces are required by default (issue 7)."""

CLOCK_TOLERANCE_S = 1
"""oidc-provider ``clockTolerance``: stored artefacts and JWTs are accepted this long past ``exp``."""



def normalize_ttls(overrides: Mapping[str, int] | None) -> dict[str, int]:
    """:data:`DEFAULT_TTLS` with the overrides (model or snake-case names) applied and validated."""
    ttls = dict(DEFAULT_TTLS)
    by_snake = {re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower(): name for name in DEFAULT_TTLS}
    for key, value in (overrides or {}).items():
        name = key if key in DEFAULT_TTLS else by_snake.get(key)
        if name is None:
            raise ValueError(f"unknown TTL {key!r}; known: {', '.join(DEFAULT_TTLS)}")
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"TTL {key!r} must be a positive integer number of seconds")
        ttls[name] = value
    return ttls



class ReferenceTarget:
    """Starts the bundled reference target; see :meth:`start`."""

    @classmethod
    def start(
        cls,
        defects: Sequence[str] = (),
        *,
        state_dir: Path | None = None,
        ttl_overrides: Mapping[str, int] | None = None,
        ciba_notification_endpoint: str | None = None,
        settings: Mapping[str, bool] | None = None,
        variant: str | None = None,
        timeout: float = _START_TIMEOUT_S,
    ) -> RunningTarget:
        """Generate the material, start ``node server.mjs`` and wait until it answers.

        Args:
            defects: defects active from the start (names from :data:`KNOWN_DEFECTS`).
            state_dir: where to write keys, certificates and the config (a temporary
                directory, removed on stop, by default).
            ttl_overrides: lifetimes in seconds by oidc-provider model name (``AuthorizationCode``)
                or snake case (``authorization_code``); see :data:`DEFAULT_TTLS`.
            ciba_notification_endpoint: https URL of the ``ciba-ping`` client's notification
                endpoint (default ``https://127.0.0.1:<free port>/ciba-notify``).
            settings: initial runtime settings, see :data:`DEFAULT_SETTINGS`.
            variant: start as this legitimate variant (``fixtures/reference_target/variants/<name>.yaml``,
                see :mod:`harness.reference_target.variants`): the server changes only spec-permitted
                behaviour and :meth:`RunningTarget.profile_path` is the variant's profile.
            timeout: seconds to wait for the server to answer.

        Raises:
            ReferenceTargetError: node/npm missing, install failure, or the server did not start.
            ValueError: unknown defect, TTL, setting or variant.
        """
        started = time.perf_counter()
        active = check_defects(defects)
        ttls = normalize_ttls(ttl_overrides)
        initial_settings = dict(DEFAULT_SETTINGS)
        for key, value in (settings or {}).items():
            if key not in DEFAULT_SETTINGS or not isinstance(value, bool):
                raise ValueError(f"unknown or non-boolean setting {key!r}; known: {sorted(DEFAULT_SETTINGS)}")
            initial_settings[key] = value
        notify = ciba_notification_endpoint or f"https://127.0.0.1:{free_port()}/ciba-notify"
        if not notify.startswith("https://"):
            raise ValueError("the CIBA notification endpoint must be an https URL")
        chosen = load_variant(variant) if variant is not None else None

        ensure_installed()
        material = get_material()

        owns = state_dir is None
        directory = Path(tempfile.mkdtemp(prefix="reftarget-")) if state_dir is None else Path(state_dir)
        directory.mkdir(parents=True, exist_ok=True)
        try:
            return cls._launch(directory, owns, material, active, ttls, initial_settings, notify, timeout, started,
                               chosen)
        except BaseException:
            if owns:
                shutil.rmtree(directory, ignore_errors=True)
            raise

    @classmethod
    def _launch(cls, directory: Path, owns: bool, material: Material, defects: list[str], ttls: dict[str, int],
                settings: dict[str, bool], notify: str, timeout: float, started: float,
                variant: Variant | None = None) -> RunningTarget:
        ca_file = write_file(directory / "ca.pem", material.ca.cert_pem.bytes())
        write_file(directory / "ca.key", material.ca.private_key_pem.bytes(), private=True)
        write_file(directory / "server.crt", material.server_cert_pem)
        write_file(directory / "server.key", material.server_key_pem, private=True)
        rp_cert = write_file(directory / "rp-server.crt", material.rp_cert_pem)
        rp_key = write_file(directory / "rp-server.key", material.rp_key_pem, private=True)

        client_secrets: dict[str, str] = {}
        clients_config: dict[str, dict[str, Any]] = {}
        for spec in CLIENTS:
            entry: dict[str, Any] = {}
            if spec.secret:
                client_secrets[spec.client_id] = entry["client_secret"] = secrets.token_urlsafe(32)
            jwks = material.client_jwks.get(spec.client_id)
            if jwks is not None and variant is not None and spec.client_id in variant.client_keys:
                jwks = arrange_keys(jwks, variant.client_keys[spec.client_id])
            if jwks is not None:
                write_file(directory / f"{spec.client_id}.jwks.json", json.dumps(jwks, indent=2), private=True)
                entry["jwks"] = {"keys": [public_jwk(k) for k in jwks["keys"]]}
            if spec.client_id in material.client_certs:
                cert_pem, key_pem = material.client_certs[spec.client_id]
                write_file(directory / f"{spec.client_id}.crt", cert_pem)
                write_file(directory / f"{spec.client_id}.key", key_pem, private=True)
                if spec.cert == "ca":
                    entry["tls_client_auth_subject_dn"] = material.mtls_subject_dn
            if entry:
                clients_config[spec.client_id] = entry
        # another CA-issued certificate, subject CN=mtls-other-dn (mtls.other_subject_dn_refused)
        write_file(directory / "mtls-other-dn.crt", material.other_subject_dn_cert[0])
        write_file(directory / "mtls-other-dn.key", material.other_subject_dn_cert[1], private=True)

        admin_token = secrets.token_urlsafe(32)
        config = {
            "host": "127.0.0.1",
            "port": 0,
            "mtls_port": 0,
            "tls": {"cert_file": str(directory / "server.crt"), "key_file": str(directory / "server.key"),
                    "ca_file": str(ca_file)},
            "admin_token": admin_token,
            "cookie_keys": [secrets.token_urlsafe(32), secrets.token_urlsafe(32)],
            "dpop_nonce_secret": b64u(secrets.token_bytes(32)),
            "settings": settings,
            "provider_jwks": material.provider_jwks,
            "weak_rsa_jwk": material.weak_rsa_jwk,
            "ttl": ttls,
            "clock_tolerance": CLOCK_TOLERANCE_S,
            "device_poll_interval": 1,
            "ciba_poll_interval": 1,
            "ciba_notification_endpoint": notify,
            "backchannel_logout_uri": f"https://127.0.0.1:{free_port()}/backchannel-logout",
            "clients": clients_config,
            "defects": defects,
            "exit_on_stdin_eof": True,
        }
        if variant is not None:
            config["variant"] = variant.server_config()
        config_path = write_file(directory / "config.json", json.dumps(config, indent=2), private=True)

        stdout_path = directory / "node.stdout.log"
        stderr_path = directory / "node.stderr.log"
        node = shutil.which("node") or "node"
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            process = subprocess.Popen(
                [node, str(SERVER_SCRIPT), str(config_path)],
                cwd=FIXTURE_DIR, stdin=subprocess.PIPE, stdout=out, stderr=err,
                env={**os.environ, "NODE_ENV": "test"},
            )
        try:
            ready = _wait_ready(process, stdout_path, stderr_path, timeout)
        except BaseException:
            processes.terminate(process, STOP_TIMEOUT_S)
            raise
        issuer, mtls_base = str(ready["issuer"]), str(ready["mtls_base"])

        env = {
            "REFTARGET_ISSUER": issuer,
            "REFTARGET_MTLS_BASE": mtls_base,
            "REFTARGET_STATE_DIR": str(directory),
            "REFTARGET_CA_FILE": str(ca_file),
            "REFTARGET_ADMIN_TOKEN": admin_token,
            "REFTARGET_RESOURCE_URL": f"{issuer}/resource",
            "REFTARGET_MTLS_RESOURCE_URL": f"{mtls_base}/resource",
            "REFTARGET_CIBA_NOTIFICATION_ENDPOINT": notify,
            "REFTARGET_BACKCHANNEL_LOGOUT_URI": str(config["backchannel_logout_uri"]),
            "REFTARGET_RP_CERT_FILE": str(rp_cert),
            "REFTARGET_RP_KEY_FILE": str(rp_key),
            "REFTARGET_CLOCK_TOLERANCE": str(CLOCK_TOLERANCE_S),
        }
        for spec in CLIENTS:
            if spec.client_id in client_secrets:
                env[f"REFTARGET_SECRET_{spec.env_name}"] = client_secrets[spec.client_id]
        write_file(directory / "env.json", json.dumps(env, indent=2), private=True)
        profile = write_profile(variant, directory) if variant is not None else PROFILE_PATH

        target = RunningTarget(
            process=process, issuer=issuer, mtls_base=mtls_base, state_dir=directory, owns_state_dir=owns,
            admin_token=admin_token, env=env, client_secrets=client_secrets, ttls=ttls,
            startup_seconds=0.0, profile=profile, variant=variant.name if variant is not None else None,
        )
        try:
            health = target._admin.get("/__test/health")
            if health.status_code != 200 or health.json().get("ok") is not True:
                raise ReferenceTargetError(f"health check failed: HTTP {health.status_code} {health.text}")
            target._version = str(health.json().get("oidc_provider"))
        except BaseException:
            target.stop()
            raise
        target.startup_seconds = time.perf_counter() - started
        return target


def _wait_ready(process: subprocess.Popen[bytes], stdout_path: Path, stderr_path: Path,
                timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        for line in _lines(stdout_path):
            if line.startswith(_READY_PREFIX):
                ready: dict[str, Any] = json.loads(line[len(_READY_PREFIX):])
                return ready
        code = process.poll()
        if code is not None:
            raise ReferenceTargetError(
                f"the reference target exited with code {code} before it was ready:\n{log_tail(stderr_path)}")
        if time.monotonic() > deadline:
            raise ReferenceTargetError(
                f"the reference target did not become ready within {timeout:.0f} s:\n{log_tail(stderr_path)}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.05)


def _lines(path: Path) -> Iterator[str]:
    try:
        yield from path.read_text(errors="replace").splitlines()
    except OSError:
        return


def start_default() -> RunningTarget:
    """Start the reference target with its defaults (the ``reference`` local target)."""
    return ReferenceTarget.start()


def start_variant(name: str) -> RunningTarget:
    """Start the reference target as the legitimate variant ``name`` (the ``reference:<name>`` local target)."""
    return ReferenceTarget.start(variant=name)
