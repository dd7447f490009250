"""Launcher of Glewlwyd 2.7 (Debian package ``glewlwyd``) as a local interoperability target.

The package is installed by ``fixtures/glewlwyd_target/install.sh``; its system service is not
used. :func:`start` runs ``/usr/bin/glewlwyd`` in the foreground with its own configuration
in a temporary state directory:

* a fresh SQLite database initialised from the package's SQL schema
  (``/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz``; it holds the ``admin`` user);
* HTTPS on a free loopback port with a certificate from a per-start test CA;
* then, through the admin REST API (``POST /api/auth/`` as ``admin``), an OpenID Connect
  plugin instance ``oidc`` (code + PKCE, refresh, introspection/revocation, PAR, JAR, JARM,
  device grant, CIBA poll, DPoP, RFC 9207 ``iss``), scopes, the users ``alice`` and ``bob``
  and the clients the profile ``fixtures/glewlwyd_target/profile.yaml`` names.

Everything secret (signing keys, client secrets and key pairs, user passwords) is generated
per start and exported as ``GLEWLWYD_*`` variables (:attr:`RunningGlewlwyd.env`).
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
import sqlite3
import ssl
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from harness.interop import processes
from harness.interop.material import public_jwks, rsa_signing_jwks, write_server_tls
from harness.interop.processes import free_port, launch_in_state_dir, log_tail, serve_in_foreground, write_file

__all__ = ["CLIENTS", "PROFILE_PATH", "USERS", "GlewlwydError", "RunningGlewlwyd", "installed", "start"]

BINARY = Path("/usr/bin/glewlwyd")
SQL_SCHEMA = Path("/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz")
MODULE_ROOT = Path("/usr/lib/glewlwyd")
FIXTURE_DIR = Path(__file__).resolve().parent.parent.parent / "fixtures" / "glewlwyd_target"
PROFILE_PATH = FIXTURE_DIR / "profile.yaml"
PLUGIN_NAME = "oidc"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "password"  # the package schema's default admin; the server only listens on loopback
REDIRECT_URIS = ("https://rp.example.test/cb", "https://rp.example.test/cb2")
USER_SCOPES = ("openid", "profile", "email", "offline_access", "api:read")
"""Scopes every test user may grant (Glewlwyd only issues scopes the user holds)."""

CODE_LIFETIME_S = 10
ACCESS_TOKEN_LIFETIME_S = 300
REFRESH_TOKEN_LIFETIME_S = 3600
PAR_LIFETIME_S = 10
DEVICE_LIFETIME_S = 10
DEVICE_INTERVAL_S = 1
CIBA_LIFETIME_S = 10
_START_TIMEOUT_S = 20.0
_STOP_TIMEOUT_S = 5.0


class GlewlwydError(RuntimeError):
    """Glewlwyd is not installed, did not start, or refused a provisioning call."""


@dataclass(frozen=True)
class ClientSpec:
    """One client registered through the admin API.

    ``auth`` is the token endpoint authentication method; ``grants`` are Glewlwyd
    ``authorization_type`` values; ``extra`` are further client properties.
    """

    client_id: str
    auth: str
    grants: tuple[str, ...]
    redirect: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def env_name(self) -> str:
        """Suffix of the client's environment variables (``conf-basic`` -> ``CONF_BASIC``)."""
        return self.client_id.upper().replace("-", "_")

    @property
    def has_secret(self) -> bool:
        """Secret-based authentication."""
        return self.auth.startswith("client_secret")

    @property
    def has_keys(self) -> bool:
        """Key-based authentication (a private JWKS for the profile, the public one registered)."""
        return self.auth == "private_key_jwt"


_CODE = ("code", "refresh_token")
_DEVICE = ("device_authorization", "refresh_token")
_CIBA = ("urn:openid:params:grant-type:ciba", "refresh_token")

CLIENTS: tuple[ClientSpec, ...] = (
    ClientSpec("conf-basic", "client_secret_basic", (*_CODE, "token", "id_token", "none"),
               extra={"post_logout_redirect_uris": ["https://rp.example.test/logout"]}),
    ClientSpec("conf-post", "client_secret_post", _CODE),
    ClientSpec("conf-secret-jwt", "client_secret_jwt", _CODE),
    ClientSpec("conf-pkjwt", "private_key_jwt", _CODE, extra={"request_object_signing_alg": "RS256"}),
    ClientSpec("public", "none", _CODE),
    ClientSpec("jarm", "client_secret_basic", _CODE),
    ClientSpec("device", "none", _DEVICE, redirect=False),
    ClientSpec("device-conf", "client_secret_basic", _DEVICE, redirect=False),
    ClientSpec("ciba-poll", "client_secret_basic", _CIBA, redirect=False,
               extra={"backchannel_token_delivery_mode": "poll"}),
    ClientSpec("dpop", "none", _CODE, extra={"dpop_bound_access_tokens": "true"}),
    ClientSpec("dpop-conf", "client_secret_basic", _CODE, extra={"dpop_bound_access_tokens": "true"}),
    ClientSpec("introspector", "client_secret_basic", ("client_credentials",), redirect=False),
    # a redirect URI registered with a query (request_by_reference suite; RFC 6749 §3.1.2)
    ClientSpec("redirect-query", "client_secret_basic", _CODE,
               extra={"redirect_uri": ["https://rp.example.test/cb?tenant=a"]}),
)
"""The clients the profile uses."""

USERS: tuple[tuple[str, str, str], ...] = (
    ("alice", "Alice Example", "alice@example.test"),
    ("bob", "Bob Example", "bob@example.test"),
)
"""username, name, email of the test users; passwords are generated per start."""


def installed() -> bool:
    """Whether the Debian package's binary, modules and SQL schema are present."""
    return BINARY.is_file() and SQL_SCHEMA.is_file() and (MODULE_ROOT / "plugin" / "libprotocol_oidc.so").is_file()


def _config_text(port: int, issuer_base: str, state: Path, cert: Path, key: Path) -> str:
    def q(value: str) -> str:
        return json.dumps(value)

    lines = [
        f"port={port}",
        f"bind_address={q('127.0.0.1')}",
        f"external_url={q(issuer_base)}",
        f"login_url={q('login.html')}",
        f"api_prefix={q('api')}",
        f"allow_origin={q('*')}",
        f"log_mode={q('file')}",
        f"log_file={q(str(state / 'glewlwyd.log'))}",
        f"log_level={q(os.environ.get('GLEWLWYD_LOG_LEVEL', 'INFO'))}",
        "cookie_secure=1",
        "session_expiration=3600",
        f"session_key={q('GLEWLWYD2_SESSION_ID')}",
        f"admin_session_authentication={q('cookie')}",
        f"profile_session_authentication={q('cookie')}",
        "allow_multiple_user_per_session=true",
        "login_api_enabled=true",
        "max_post_size=16778240",
        f"admin_scope={q('g_admin')}",
        f"profile_scope={q('g_profile')}",
        f"user_module_path={q(str(MODULE_ROOT / 'user'))}",
        f"client_module_path={q(str(MODULE_ROOT / 'client'))}",
        f"user_auth_scheme_module_path={q(str(MODULE_ROOT / 'scheme'))}",
        f"plugin_module_path={q(str(MODULE_ROOT / 'plugin'))}",
        "use_secure_connection=true",
        f"secure_connection_key_file={q(str(key))}",
        f"secure_connection_pem_file={q(str(cert))}",
        f"hash_algorithm={q('SHA512')}",
        f"database = {{ type = {q('sqlite3')}; path = {q(str(state / 'glewlwyd.sqlite3'))}; }};",
    ]
    return "\n".join(lines) + "\n"


def _plugin_parameters(issuer: str, jwks: Mapping[str, Any]) -> dict[str, Any]:
    """The OIDC plugin instance: every feature the harness tests that 2.7.5 can do cheaply."""
    return {
        "iss": issuer,
        "jwt-type": "rsa",
        "jwt-key-size": "256",
        "jwks-private": json.dumps(jwks),
        "default-kid": jwks["keys"][0]["kid"],
        "jwks-show": True,
        "jwks-x5c": [],
        "key": "",
        "cert": "",
        "access-token-duration": ACCESS_TOKEN_LIFETIME_S,
        "refresh-token-duration": REFRESH_TOKEN_LIFETIME_S,
        "code-duration": CODE_LIFETIME_S,
        "refresh-token-rolling": True,
        "refresh-token-one-use": "always",
        "client-refresh-token-one-use-parameter": "refresh-token-one-use",
        "allow-non-oidc": True,
        "auth-type-code-enabled": True,
        "auth-type-code-revoke-replayed": True,
        "auth-type-token-enabled": True,
        "auth-type-id-token-enabled": True,
        "auth-type-none-enabled": True,
        "auth-type-password-enabled": False,
        "auth-type-client-enabled": True,
        "auth-type-device-enabled": True,
        "auth-type-refresh-enabled": True,
        "scope": [],
        "additional-parameters": [],
        "claims": [],
        "service-documentation": "https://github.com/babelouest/glewlwyd/tree/master/docs",
        "op-policy-uri": "",
        "op-tos-uri": "",
        "request-parameter-allow": True,
        # request_uri by reference is fetched from the harness's loopback host, whose certificate comes
        # from the per-start test CA; libcurl trusts only the system CAs, so verification is off here
        "request-uri-allow-https-non-secure": True,
        "request-parameter-allow-encrypted": False,
        "request-parameter-ietf-strict": True,
        "request-maximum-exp": 3600,
        "secret-type": "public",
        "address-claim": {"type": "no", "formatted": "", "street_address": "", "locality": "", "region": "",
                          "postal_code": "", "country": "", "mandatory": False},
        "name-claim": "on-demand",
        "name-claim-scope": ["profile"],
        "email-claim": "on-demand",
        "email-claim-scope": ["email"],
        "scope-claim": "no",
        "scope-claim-scope": [],
        "allowed-scope": ["openid", "profile", "email", "offline_access"],
        "pkce-allowed": True,
        "pkce-method-plain-allowed": False,
        "pkce-required": False,
        "pkce-required-public-client": True,
        "pkce-scopes": [],
        "introspection-revocation-allowed": True,
        "introspection-revocation-auth-scope": [],
        "introspection-revocation-allow-target-client": True,
        "register-client-allowed": True,
        "register-client-auth-scope": [],
        "register-client-credentials-scope": [],
        "register-client-token-one-use": True,
        "register-client-management-allowed": True,
        "register-resource-specify-allowed": False,
        "register-resource-default": [],
        "register-default-properties": {},
        "session-management-allowed": True,
        "session-cookie-name": "GLEWLWYD2_OIDC_SID",
        "session-cookie-expiration": 2419200,
        "front-channel-logout-allowed": True,
        "back-channel-logout-allowed": False,
        "client-pubkey-parameter": "",
        "client-jwks-parameter": "jwks",
        "client-jwks_uri-parameter": "jwks_uri",
        "client-sign_kid-parameter": "",
        "encrypt-out-token-allow": False,
        "client-enc-parameter": "enc",
        "client-alg-parameter": "alg",
        "client-alg_kid-parameter": "alg_kid",
        "client-encrypt_code-parameter": "encrypt_code",
        "client-encrypt_at-parameter": "encrypt_at",
        "client-encrypt_userinfo-parameter": "encrypt_userinfo",
        "client-encrypt_id_token-parameter": "encrypt_id_token",
        "client-encrypt_refresh_token-parameter": "encrypt_refresh_token",
        "client-encrypt_introspection-parameter": "encrypt_introspection",
        "device-authorization-expiration": DEVICE_LIFETIME_S,
        "device-authorization-interval": DEVICE_INTERVAL_S,
        "client-cert-source": "no",
        "client-cert-header-name": "SSL_CLIENT_CERT",
        "client-cert-use-endpoint-aliases": False,
        "client-cert-self-signed-allowed": False,
        "oauth-dpop-allowed": True,
        "oauth-dpop-iat-duration": 60,
        "oauth-dpop-iat-gap-duration": 0,
        "oauth-dpop-dpop_bound_access_tokens-property": "dpop_bound_access_tokens",
        "oauth-dpop-nonce-mandatory": False,
        "oauth-dpop-nonce-counter": 10,
        "resource-allowed": False,
        "resource-scope": {},
        "resource-client-property": "",
        "resource-scope-and-client-property": False,
        "resource-change-allowed": False,
        "oauth-rar-allowed": False,
        "rar-types-client-property": "authorization_details_types",
        "rar-allow-auth-unsigned": False,
        "rar-allow-auth-unencrypted": True,
        "rar-types": {},
        "oauth-par-allowed": True,
        "oauth-par-duration": PAR_LIFETIME_S,
        "oauth-par-required": False,
        "oauth-par-request_uri-prefix": "urn:ietf:params:oauth:request_uri:",
        "prompt-continue-client-property": "",
        "restrict-scope-client-property": "",
        "oauth-ciba-allowed": True,
        "oauth-ciba-default-expiry": CIBA_LIFETIME_S,
        "oauth-ciba-maximum-expiry": 600,  # requested_expiry up to 10 min is honoured
        "oauth-ciba-mode-poll-allowed": True,
        "oauth-ciba-mode-ping-allowed": False,
        "oauth-ciba-mode-push-allowed": False,
        "oauth-ciba-allow-https-non-secure": False,
        "oauth-ciba-user-code-allowed": False,
        "oauth-ciba-user-code-property": "user-code",
        "oauth-ciba-email-allowed": False,
        "oauth-fapi-check-all": False,
        "oauth-fapi-allow-jarm": True,
        "oauth-fapi-add-s_hash": False,
        "oauth-fapi-verify-nbf": False,
        "oauth-fapi-allow-restrict-alg": False,
        "oauth-fapi-restrict-alg": [],
        "oauth-fapi-allow-multiple-kid": False,
        "oauth-fapi-ciba-confidential-client": False,
        "oauth-fapi-ciba-push-forbidden": False,
        "oauth-as-iss-id": True,
        "jwks-public-uri": "",
        "jwks-uri": "",
        "jwks-public": "",
    }


class RunningGlewlwyd(processes.ServerProcess):
    """A started Glewlwyd process with its provisioned state."""

    stop_timeout_s = _STOP_TIMEOUT_S

    def __init__(self, *, process: subprocess.Popen[bytes], base_url: str, state_dir: Path,
                 ca_file: Path) -> None:
        super().__init__(process, state_dir)
        self.base_url = base_url
        self.issuer = f"{base_url}/api/{PLUGIN_NAME}"
        self.ca_file = ca_file
        self.env: dict[str, str] = {}
        self.user_passwords: dict[str, str] = {}
        self.client_secrets: dict[str, str] = {}
        self._version: str | None = None

    # -- LocalServer ------------------------------------------------------------------
    @staticmethod
    def profile_path() -> Path:
        """``fixtures/glewlwyd_target/profile.yaml``."""
        return PROFILE_PATH

    def server_version(self) -> str:
        """``Glewlwyd 2.7.5`` (from ``glewlwyd --version``)."""
        if self._version is None:
            out = subprocess.run([str(BINARY), "--version"], capture_output=True, text=True, timeout=10,
                                 check=False)
            self._version = f"Glewlwyd {out.stdout.strip().splitlines()[-1] if out.stdout.strip() else 'unknown'}"
        return self._version

    # -- admin API --------------------------------------------------------------------
    def http(self) -> httpx.Client:
        """A client for this server (trusts the test CA, no redirects)."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        return httpx.Client(base_url=self.base_url, verify=context, timeout=10.0, follow_redirects=False)

    def admin_session(self) -> httpx.Client:
        """A client logged in as the administrator (session cookie)."""
        client = self.http()
        response = client.post("/api/auth/", json={"username": ADMIN_USER, "password": ADMIN_PASSWORD})
        if response.status_code != 200:
            client.close()
            raise GlewlwydError(f"admin login failed: HTTP {response.status_code} {response.text}{self._log_tail()}")
        return client

    def _log_tail(self, limit: int = 3000) -> str:
        try:
            text = (self.state_dir / "glewlwyd.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n--- glewlwyd.log (tail) ---\n" + text[-limit:]


def _multi_valued_client_property(admin: httpx.Client, server: RunningGlewlwyd, name: str) -> None:
    """Declare ``name`` an array-valued property of the client backends (``data-format``; logout suite)."""
    for module in _call(admin, server, "GET", "/api/mod/client/", None) or []:
        parameters = dict(module.get("parameters") or {})
        formats = dict(parameters.get("data-format") or {})
        formats[name] = {"multiple": True, "read": True, "write": True, "profile-read": False, "profile-write": False}
        parameters["data-format"] = formats
        _call(admin, server, "PUT", f"/api/mod/client/{module['name']}", {**module, "parameters": parameters})
        _call(admin, server, "PUT", f"/api/mod/client/{module['name']}/reset", None)


def _call(admin: httpx.Client, server: RunningGlewlwyd, method: str, path: str, body: Any) -> Any:
    response = admin.request(method, path, json=body)
    if response.status_code >= 300:
        raise GlewlwydError(f"admin call {method} {path}: HTTP {response.status_code} {response.text[:2000]}"
                            f"{server._log_tail()}")
    return response.json() if response.content and "json" in response.headers.get("content-type", "") else None


def _wait_ready(process: subprocess.Popen[bytes], url: str, ca_file: Path, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.02
    with httpx.Client(verify=ssl.create_default_context(cafile=str(ca_file)), timeout=2.0) as client:
        while True:
            code = process.poll()
            if code is not None:
                raise GlewlwydError(f"glewlwyd exited with code {code} before it answered:\n{log_tail(log)}")
            try:
                client.get(url)
                return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise GlewlwydError(f"glewlwyd did not answer within {timeout:.0f} s:\n{log_tail(log)}")
            time.sleep(delay)
            delay = min(delay * 1.5, 0.2)


def start(*, state_dir: Path | None = None, timeout: float = _START_TIMEOUT_S) -> RunningGlewlwyd:
    """Start Glewlwyd on a free loopback port, provision it and return the running server.

    Raises:
        GlewlwydError: the package is not installed (run ``fixtures/glewlwyd_target/install.sh``),
            the server did not start, or provisioning failed.
    """
    if not installed():
        raise GlewlwydError("Glewlwyd is not installed (run fixtures/glewlwyd_target/install.sh as root: it installs "
                            "the Debian package glewlwyd without starting its service)")
    return launch_in_state_dir("glewlwyd-", state_dir, lambda directory: _launch(directory, timeout))


def _launch(directory: Path, timeout: float) -> RunningGlewlwyd:
    tls = write_server_tls(directory, "oauth-harness glewlwyd test CA")
    ca_file, cert, key = tls.ca_file, tls.cert_file, tls.key_file

    with sqlite3.connect(directory / "glewlwyd.sqlite3") as db:
        db.executescript(gzip.decompress(SQL_SCHEMA.read_bytes()).decode("utf-8"))
        # WAL: readers no longer block the writer; with the default rollback journal, parallel
        # requests make Glewlwyd's queries fail ("Error executing sql query" -> HTTP 500).
        db.execute("PRAGMA journal_mode=WAL")
    port = free_port()
    base_url = f"https://127.0.0.1:{port}"
    config = write_file(directory / "glewlwyd.conf", _config_text(port, base_url, directory, cert, key), private=True)
    with open(directory / "glewlwyd.stderr.log", "wb") as err:
        process = subprocess.Popen([str(BINARY), f"--config-file={config}"], cwd=directory,
                                   stdin=subprocess.DEVNULL, stdout=err, stderr=err)
    server = RunningGlewlwyd(process=process, base_url=base_url, state_dir=directory, ca_file=ca_file)
    try:
        _wait_ready(process, f"{base_url}/api/auth/scheme/", ca_file, directory / "glewlwyd.stderr.log", timeout)
        _provision(server, directory)
    except BaseException:
        server.stop()
        raise
    return server


def _provision(server: RunningGlewlwyd, directory: Path) -> None:
    env: dict[str, str] = {
        "GLEWLWYD_ISSUER": server.issuer,
        "GLEWLWYD_BASE_URL": server.base_url,
        "GLEWLWYD_CA_FILE": str(server.ca_file),
        # the 127.0.0.1 leaf also serves the harness's request objects (request_object_host)
        "GLEWLWYD_SERVER_CERT_FILE": str(directory / "server.crt"),
        "GLEWLWYD_SERVER_KEY_FILE": str(directory / "server.key"),
        "GLEWLWYD_STATE_DIR": str(directory),
        "GLEWLWYD_PYTHON": sys.executable,  # runs the CIBA approval command (login.ciba.command)
    }
    signing = rsa_signing_jwks(f"glewlwyd-{secrets.token_hex(4)}")
    admin = server.admin_session()
    try:
        for scope in USER_SCOPES:
            if scope == "openid":
                continue
            _call(admin, server, "POST", "/api/scope/", {
                "name": scope, "display_name": scope, "description": f"test scope {scope}",
                "password_required": True, "password_max_age": 0, "scheme": {}})
        for username, name, email in USERS:
            password = f"{username}-{secrets.token_urlsafe(12)}"
            server.user_passwords[username] = password
            env[f"GLEWLWYD_PASSWORD_{username.upper()}"] = password
            _call(admin, server, "POST", "/api/user/", {
                "username": username, "name": name, "email": email, "enabled": True,
                "scope": list(USER_SCOPES), "password": password})
        _multi_valued_client_property(admin, server, "post_logout_redirect_uris")
        _call(admin, server, "POST", "/api/mod/plugin/", {
            "module": "oidc", "name": PLUGIN_NAME, "display_name": "OpenID Connect", "enabled": True,
            "parameters": _plugin_parameters(server.issuer, signing)})
        for spec in CLIENTS:
            body: dict[str, Any] = {
                "client_id": spec.client_id, "name": spec.client_id, "description": f"harness client {spec.client_id}",
                "enabled": True, "confidential": spec.auth != "none",
                "redirect_uri": list(REDIRECT_URIS) if spec.redirect else [],
                "authorization_type": list(spec.grants),
                "token_endpoint_auth_method": [spec.auth],
                "scope": ["openid", "profile", "email"] if "client_credentials" in spec.grants else [],
                **spec.extra,
            }
            if spec.has_secret:
                secret = secrets.token_urlsafe(32)
                server.client_secrets[spec.client_id] = secret
                body["client_secret"] = secret
                env[f"GLEWLWYD_SECRET_{spec.env_name}"] = secret
            if spec.has_keys:
                jwks = rsa_signing_jwks(f"{spec.client_id}-{secrets.token_hex(4)}")
                write_file(directory / f"{spec.client_id}.jwks.json", json.dumps(jwks, indent=2), private=True)
                body["jwks"] = public_jwks(jwks)
                body["token_endpoint_signing_alg"] = "RS256"
            if spec.auth == "client_secret_jwt":
                body["token_endpoint_signing_alg"] = "HS256"  # without it every assertion is refused
            _call(admin, server, "POST", "/api/client/", body)
    finally:
        admin.close()
    write_file(directory / "env.json", json.dumps(env, indent=2), private=True)
    server.env = env


def main() -> None:  # pragma: no cover - manual use
    """Start, print the environment and wait for Ctrl-C (``python -m harness.interop.glewlwyd``)."""
    server = start()
    serve_in_foreground(server, server.env, lambda: f"{server.server_version()} at {server.issuer}; Ctrl-C stops")


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
