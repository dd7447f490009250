"""Launcher of the django-oauth-toolkit (DOT) interop target (``oauth-harness run --local dot``).

The Django project lives in ``fixtures/dot_target/``. This module installs its pinned
requirements into ``fixtures/dot_target/.venv`` (again whenever ``requirements.txt``
changes), then per start: generates a test CA and server certificate (once per process), a
fresh RSA key for ID tokens, client secrets and user passwords; migrates and seeds a sqlite
database in a temporary state directory; and serves the project with gunicorn over https on a
free loopback port. :meth:`RunningDot.stop` ends gunicorn (SIGTERM, then SIGKILL) and removes
the state directory.

Typical use::

    server = start()
    os.environ.update(server.env)      # DOT_* variables for fixtures/dot_target/profile.yaml
    ...
    server.stop()
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import trustme
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from harness.interop import processes
from harness.interop.processes import free_port, launch_in_state_dir, log_tail, write_file
from harness.results import HarnessError

__all__ = ["CONFIDENTIAL_CLIENTS", "FIXTURE_DIR", "USERS", "DotTargetError", "RunningDot", "ensure_installed",
           "start"]

FIXTURE_DIR = Path(__file__).resolve().parent.parent.parent / "fixtures" / "dot_target"
PROFILE_PATH = FIXTURE_DIR / "profile.yaml"
REQUIREMENTS = FIXTURE_DIR / "requirements.txt"
VENV_DIR = FIXTURE_DIR / ".venv"
_STAMP = VENV_DIR / ".requirements.sha256"
_INSTALL_LOCK = FIXTURE_DIR / ".install.lock"
_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 10.0
_WORKERS = 2
_THREADS = 4

CONFIDENTIAL_CLIENTS = ("conf-basic", "conf-post", "conf-hs256", "conf-pkce", "device-conf", "introspector",
                        "redirect-query")
"""Clients with a secret (registered by ``dotsite/management/commands/seed_harness.py``)."""

USERS = ("alice", "bob")


class DotTargetError(HarnessError):
    """The DOT target could not be installed, started or stopped."""


# ---------------------------------------------------------------------------
# installation
# ---------------------------------------------------------------------------


def _requirements_digest() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def _venv_python() -> Path:
    return VENV_DIR / "bin" / "python"


def _install_current() -> bool:
    try:
        return _venv_python().is_file() and _STAMP.read_text(encoding="ascii").strip() == _requirements_digest()
    except OSError:
        return False


def _run(argv: list[str], what: str, timeout: float = 900) -> None:
    result = subprocess.run(argv, cwd=FIXTURE_DIR, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip()[-2000:]
        raise DotTargetError(f"{what} failed (exit {result.returncode}):\n{tail}")


def ensure_installed() -> None:
    """Create ``fixtures/dot_target/.venv`` and install the pinned requirements unless current.

    The venv counts as current when its stamp file holds the SHA-256 of ``requirements.txt``.
    A file lock serialises parallel callers (pytest-xdist workers).

    Raises:
        DotTargetError: the venv could not be created or pip failed.
    """
    if _install_current():
        return
    with open(_INSTALL_LOCK, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _install_current():
                return
            if not _venv_python().is_file():
                _run([sys.executable, "-m", "venv", str(VENV_DIR)], "creating the DOT venv", timeout=300)
            _run([str(_venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                  "-r", str(REQUIREMENTS)], f"pip install -r {REQUIREMENTS}")
            _STAMP.write_text(_requirements_digest() + "\n", encoding="ascii")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# ---------------------------------------------------------------------------
# material
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tls:
    """Test CA and the server certificate it issued (generated once per process)."""

    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes


_tls_lock = threading.Lock()
_tls: _Tls | None = None


def _get_tls() -> _Tls:
    global _tls
    with _tls_lock:
        if _tls is None:
            ca = trustme.CA(organization_name="OAuth Harness DOT Target CA")
            leaf = ca.issue_cert("127.0.0.1", "localhost", organization_name="OAuth Harness DOT Target")
            _tls = _Tls(ca_pem=ca.cert_pem.bytes(), cert_pem=leaf.cert_chain_pems[0].bytes(),
                        key_pem=leaf.private_key_pem.bytes())
        return _tls


def _oidc_key_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _env_name(client_id: str) -> str:
    return client_id.upper().replace("-", "_")


# ---------------------------------------------------------------------------
# running server
# ---------------------------------------------------------------------------

class RunningDot(processes.ServerProcess):
    """A started DOT server (gunicorn); stop it with :meth:`stop` or use it as a context manager.

    Attributes:
        issuer: ``https://127.0.0.1:<port>``.
        state_dir: temporary directory with the database, certificates, keys and logs.
        env: the ``DOT_*`` variables ``fixtures/dot_target/profile.yaml`` references.
    """

    stop_timeout_s = _STOP_TIMEOUT_S
    process_group = True  # gunicorn's workers

    def __init__(self, process: subprocess.Popen[bytes], issuer: str, state_dir: Path, env: dict[str, str]) -> None:
        """Wrap a started gunicorn master process (use :func:`start`)."""
        super().__init__(process, state_dir)
        self.issuer = issuer
        self.env = env
        self.ca_file = state_dir / "ca.pem"
        self._version: str | None = None

    def health(self) -> dict[str, object]:
        """The deployment's ``/__health`` answer (versions, number of clients)."""
        with httpx.Client(verify=ssl.create_default_context(cafile=str(self.ca_file)), timeout=5.0) as client:
            response = client.get(f"{self.issuer}/__health")
        if response.status_code != 200:
            raise DotTargetError(f"/__health answered HTTP {response.status_code}")
        data: dict[str, object] = response.json()
        return data

    def server_version(self) -> str:
        """E.g. ``django-oauth-toolkit 3.4.1 (oauthlib 3.3.1, Django 5.2.19)``."""
        if self._version is None:
            info = self.health()
            self._version = (f"django-oauth-toolkit {info['django_oauth_toolkit']} "
                             f"(oauthlib {info['oauthlib']}, Django {info['django']})")
        return self._version

    @staticmethod
    def profile_path() -> Path:
        """``fixtures/dot_target/profile.yaml``."""
        return PROFILE_PATH



def _django_env(state_dir: Path, issuer: str, secret_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTHON"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "dotsite.settings",
        "PYTHONPATH": str(FIXTURE_DIR),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DOT_STATE_DIR": str(state_dir),
        "DOT_ISSUER": issuer,
        "DOT_SECRET_KEY": secret_key,
        "DOT_OIDC_KEY_FILE": str(state_dir / "oidc-rsa.pem"),
    })
    return env


def start(timeout: float = _START_TIMEOUT_S) -> RunningDot:
    """Install if needed, prepare a fresh state directory, start gunicorn and wait until it answers.

    Raises:
        DotTargetError: installation, migration, seeding or start-up failed.
    """
    ensure_installed()
    tls = _get_tls()
    return launch_in_state_dir("dot-target-", None, lambda state_dir: _launch(state_dir, tls, timeout))


def _launch(state_dir: Path, tls: _Tls, timeout: float) -> RunningDot:
    ca_file = write_file(state_dir / "ca.pem", tls.ca_pem)
    cert_file = write_file(state_dir / "server.crt", tls.cert_pem)
    key_file = write_file(state_dir / "server.key", tls.key_pem, private=True)
    write_file(state_dir / "oidc-rsa.pem", _oidc_key_pem(), private=True)
    client_secrets = {client: secrets.token_urlsafe(32) for client in CONFIDENTIAL_CLIENTS}
    passwords = {user: f"{user}-{secrets.token_urlsafe(12)}" for user in USERS}
    seed = write_file(state_dir / "seed.json", json.dumps({"clients": client_secrets, "users": passwords}),
                      private=True)

    port = free_port()
    issuer = f"https://127.0.0.1:{port}"
    env = _django_env(state_dir, issuer, secrets.token_urlsafe(48))
    python = str(_venv_python())
    _run_step([python, "-m", "django", "migrate", "--noinput", "-v", "0"], env, "migrate")
    _run_step([python, "-m", "django", "seed_harness", str(seed)], env, "seed_harness")

    log = state_dir / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(VENV_DIR / "bin" / "gunicorn"), "dotsite.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", str(_WORKERS), "--threads", str(_THREADS),
             "--certfile", str(cert_file), "--keyfile", str(key_file),
             "--graceful-timeout", "3", "--timeout", "60", "--error-logfile", "-", "--log-level", "warning"],
            cwd=FIXTURE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server_env = {
        "DOT_ISSUER": issuer,
        "DOT_CA_FILE": str(ca_file),
        "DOT_STATE_DIR": str(state_dir),
        **{f"DOT_SECRET_{_env_name(c)}": s for c, s in client_secrets.items()},
        **{f"DOT_PASSWORD_{_env_name(u)}": p for u, p in passwords.items()},
    }
    server = RunningDot(process, issuer, state_dir, server_env)
    try:
        _wait_ready(server, log, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _run_step(argv: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(argv, cwd=FIXTURE_DIR, env=env, capture_output=True, text=True, timeout=120,
                            check=False)
    if result.returncode != 0:
        raise DotTargetError(f"DOT {what} failed (exit {result.returncode}):\n"
                             f"{(result.stderr or result.stdout).strip()[-2000:]}")


def _wait_ready(server: RunningDot, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    context = ssl.create_default_context(cafile=str(server.ca_file))
    with httpx.Client(verify=context, timeout=2.0) as client:
        while True:
            code = server.process.poll()
            if code is not None:
                raise DotTargetError(f"gunicorn exited with code {code} before it was ready:\n{log_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if client.get(f"{server.issuer}/__health").status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise DotTargetError(f"DOT did not answer within {timeout:.0f} s:\n{log_tail(log)}")
            time.sleep(0.1)
