"""Launcher of Keycloak (``org.keycloak:keycloak-quarkus-dist``) as a local interoperability target.

:func:`ensure_installed` (``make keycloak-install``) fetches the pinned distribution zip through
Maven (``mvn dependency:copy``), checks its SHA-256, unpacks it into the git-ignored cache
``.tools/keycloak/`` and runs ``kc.sh build`` once with the build-time options below (in-memory
H2 database, local cache, health endpoints, client certificates requested, the features DPoP,
CIBA, PAR and device grant); a second run does nothing.

:func:`start` runs ``kc.sh start --optimized`` per start with its own state directory:

* a per-start test CA (trustme): the HTTPS server certificate for 127.0.0.1, a client
  certificate for the ``tls_client_auth`` client and the CA as Keycloak's truststore (client
  certificates are requested, not required);
* HTTPS and HTTP on free loopback ports, the management interface (health) on a third one;
* every option in a ``keycloak.conf`` of mode 0600 (it holds the bootstrap admin password,
  which appears nowhere else);
* it waits on ``/health/ready`` of the management interface (never a fixed sleep), then
  creates the realm ``harness`` from ``fixtures/keycloak_target/realm.json`` through the admin
  REST API, with secrets, passwords and client keys generated per start.

Everything the profile ``fixtures/keycloak_target/profile.yaml`` references is exported as
``KEYCLOAK_*`` variables (:attr:`RunningKeycloak.env`).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import ssl
import subprocess
import time
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harness.interop import processes
from harness.interop.material import public_jwks, rsa_signing_jwks, write_server_tls
from harness.interop.processes import free_port, launch_in_state_dir, log_tail, serve_in_foreground, write_file
from harness.results import HarnessError

__all__ = ["CLIENT_SECRETS", "KEY_CLIENTS", "PROFILE_PATH", "REALM", "USERS", "VERSION", "KeycloakError",
           "RunningKeycloak", "ensure_installed", "installed", "java_home", "start"]

VERSION = "26.5.6"
SHA256 = "490189d9dff05272432d51f71a069462eeca97f2920a694d539a1e6c26a5a347"
ARTIFACT = f"org.keycloak:keycloak-quarkus-dist:{VERSION}:zip"
REPO_ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURE_DIR = REPO_ROOT / "fixtures" / "keycloak_target"
PROFILE_PATH = FIXTURE_DIR / "profile.yaml"
REALM_FILE = FIXTURE_DIR / "realm.json"
CACHE_DIR = REPO_ROOT / ".tools" / "keycloak"
HOME = CACHE_DIR / f"keycloak-{VERSION}"
_STAMP = HOME / ".harness-build"
_LOCK = CACHE_DIR / ".install.lock"
REALM = "harness"
BUILD_OPTIONS = ("--db=dev-mem", "--cache=local", "--health-enabled=true", "--https-client-auth=request",
                 "--features=dpop,ciba,par,device-flow")
"""Build-time options (``kc.sh build``); runtime options go into the per-start ``keycloak.conf``."""
JAVA_CANDIDATES = (Path("/usr/lib/jvm/temurin-25-jdk-amd64"), Path("/usr/lib/jvm/temurin-21-jdk-amd64"),
                   Path("/usr/lib/jvm/java-21-openjdk-amd64"), Path("/usr/lib/jvm/java-17-openjdk-amd64"))
"""Keycloak 26 runs on Java 17+ (21 recommended); the first installed one is used."""

CLIENT_SECRETS = ("conf-basic", "conf-post", "redirect-query", "conf-secret-jwt", "par", "jarm", "device-conf",
                  "ciba-poll", "ciba-ping", "dpop-conf", "introspector", "logout-bcl",
                  "logout-fcl")
"""Clients authenticated with a secret (generated per start)."""
KEY_CLIENTS = ("conf-pkjwt", "jar")
"""Clients with a key pair (private_key_jwt, request objects): public JWKS in the realm, private in the state dir."""
MTLS_CLIENT = "mtls"
USERS = ("alice", "bob")
_START_TIMEOUT_S = 240.0
_STOP_TIMEOUT_S = 20.0


class KeycloakError(HarnessError):
    """Keycloak is not installed, did not start, or refused a provisioning call."""


# ---------------------------------------------------------------------------
# installation
# ---------------------------------------------------------------------------


def java_home() -> Path | None:
    """The JDK Keycloak runs on: ``KEYCLOAK_JAVA_HOME``, else the first of :data:`JAVA_CANDIDATES`."""
    chosen = os.environ.get("KEYCLOAK_JAVA_HOME")
    if chosen:
        return Path(chosen)
    for candidate in JAVA_CANDIDATES:
        if (candidate / "bin" / "java").is_file():
            return candidate
    return None


def _java_env() -> dict[str, str]:
    env = dict(os.environ)
    home = java_home()
    if home is not None:
        env["JAVA_HOME"] = str(home)
    return env


def _build_digest() -> str:
    return hashlib.sha256("\n".join((VERSION, SHA256, *BUILD_OPTIONS)).encode()).hexdigest()


def installed() -> bool:
    """Whether the pinned distribution is unpacked and built with :data:`BUILD_OPTIONS`."""
    try:
        return (HOME / "bin" / "kc.sh").is_file() and _STAMP.read_text(encoding="ascii").strip() == _build_digest()
    except OSError:
        return False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(argv: list[str], what: str, *, cwd: Path, timeout: float = 900) -> None:
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
                            env=_java_env())
    if result.returncode != 0:
        tail = ((result.stdout or "") + (result.stderr or "")).strip()[-3000:]
        raise KeycloakError(f"{what} failed (exit {result.returncode}):\n{tail}")


def ensure_installed() -> None:
    """Fetch, verify, unpack and build the pinned Keycloak unless that was done (idempotent).

    Raises:
        KeycloakError: Maven failed, the checksum does not match, or ``kc.sh build`` failed.
    """
    if installed():
        return
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(_LOCK, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if installed():
                return
            archive = CACHE_DIR / f"keycloak-quarkus-dist-{VERSION}.zip"
            if not archive.is_file() or _sha256(archive) != SHA256:
                archive.unlink(missing_ok=True)
                _run(["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={ARTIFACT}",
                      f"-DoutputDirectory={CACHE_DIR}"], f"mvn dependency:copy {ARTIFACT}", cwd=CACHE_DIR)
            actual = _sha256(archive)
            if actual != SHA256:
                archive.unlink(missing_ok=True)
                raise KeycloakError(f"{archive.name}: SHA-256 {actual}, expected {SHA256}")
            if HOME.exists():
                shutil.rmtree(HOME)
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(CACHE_DIR)
            for script in (HOME / "bin").glob("*.sh"):
                script.chmod(0o755)
            _run([str(HOME / "bin" / "kc.sh"), "build", *BUILD_OPTIONS], "kc.sh build", cwd=HOME)
            _STAMP.write_text(_build_digest() + "\n", encoding="ascii")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# ---------------------------------------------------------------------------
# material
# ---------------------------------------------------------------------------


def _client_certificate(ca: trustme.CA, common_name: str) -> tuple[bytes, bytes, str]:
    """A client certificate with subject ``CN=<common_name>`` issued by the test CA: (cert, key, subject DN)."""
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    ca_key = serialization.load_pem_private_key(ca.private_key_pem.bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))  # type: ignore[arg-type]
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem, subject.rfc4514_string()


def _substitute(value: Any, variables: Mapping[str, str]) -> Any:
    """``${NAME}`` placeholders in the realm template's strings replaced by ``variables``."""
    if isinstance(value, str):
        for name, replacement in variables.items():
            value = value.replace("${" + name + "}", replacement)
        if "${" in value:
            raise KeycloakError(f"realm template: unresolved placeholder in {value[:80]!r}")
        return value
    if isinstance(value, list):
        return [_substitute(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, variables) for key, item in value.items()}
    return value


def env_name(client_id: str) -> str:
    """Suffix of a client's variables (``conf-basic`` -> ``CONF_BASIC``)."""
    return client_id.upper().replace("-", "_")


# ---------------------------------------------------------------------------
# running server
# ---------------------------------------------------------------------------


class RunningKeycloak(processes.ServerProcess):
    """A started Keycloak with the realm ``harness``; stop it with :meth:`stop` or as a context manager.

    Stopping signals its process group (``kc.sh`` starts a JVM) and removes the state, unless
    ``KEYCLOAK_KEEP_STATE`` is set.
    """

    stop_timeout_s = _STOP_TIMEOUT_S
    process_group = True

    def __init__(self, *, process: subprocess.Popen[bytes], base_url: str, management_url: str, state_dir: Path,
                 ca_file: Path, admin_password_file: Path) -> None:
        """Wrap a started ``kc.sh`` process (use :func:`start`)."""
        super().__init__(process, state_dir)
        self.base_url = base_url
        self.issuer = f"{base_url}/realms/{REALM}"
        self.management_url = management_url
        self.ca_file = ca_file
        self.admin_password_file = admin_password_file
        self.env: dict[str, str] = {}
        self.startup_s: float | None = None

    def profile_path(self) -> Path:
        """``fixtures/keycloak_target/profile.yaml``."""
        return PROFILE_PATH

    def server_version(self) -> str:
        """``Keycloak 26.5.6`` (the distribution's ``version.txt``)."""
        try:
            text = (HOME / "version.txt").read_text(encoding="utf-8").strip()
        except OSError:
            return f"Keycloak {VERSION}"
        return text.replace("Keycloak - Version", "Keycloak").strip() or f"Keycloak {VERSION}"

    @property
    def log_file(self) -> Path:
        """Keycloak's console output."""
        return self.state_dir / "keycloak.log"

    def _keeps_state(self) -> bool:
        return bool(os.environ.get("KEYCLOAK_KEEP_STATE"))

    def http(self) -> httpx.Client:
        """A client for this server (trusts the test CA, no redirects)."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        return httpx.Client(base_url=self.base_url, verify=context, timeout=30.0, follow_redirects=False)

    def admin_token(self, client: httpx.Client) -> str:
        """An access token of the bootstrap administrator (master realm, ``admin-cli``)."""
        password = self.admin_password_file.read_text(encoding="utf-8").strip()
        response = client.post("/realms/master/protocol/openid-connect/token", data={
            "grant_type": "password", "client_id": "admin-cli", "username": "admin", "password": password})
        if response.status_code != 200:
            raise KeycloakError(f"admin login failed: HTTP {response.status_code}{self._tail()}")
        token = response.json().get("access_token")
        if not isinstance(token, str):
            raise KeycloakError("admin login: no access_token")
        return token

    def _tail(self) -> str:
        return "\n--- keycloak.log (tail) ---\n" + log_tail(self.log_file)


def _config_text(options: Mapping[str, str]) -> str:
    return "".join(f"{name}={value}\n" for name, value in options.items())


def _wait_ready(server: RunningKeycloak, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.2
    url = f"{server.management_url}/health/ready"
    with httpx.Client(verify=ssl.create_default_context(cafile=str(server.ca_file)), timeout=5.0) as client:
        while True:
            code = server.process.poll()
            if code is not None:
                raise KeycloakError(f"Keycloak exited with code {code} before it was ready:{server._tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if client.get(url).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise KeycloakError(f"Keycloak was not ready within {timeout:.0f} s:{server._tail()}")
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)


def start(*, state_dir: Path | None = None, timeout: float = _START_TIMEOUT_S) -> RunningKeycloak:
    """Start Keycloak on free loopback ports, create the realm and return the running server.

    Raises:
        KeycloakError: not installed (``make keycloak-install``), did not start, or the realm was refused.
    """
    if not installed():
        raise KeycloakError(f"Keycloak {VERSION} is not installed: run `make keycloak-install` "
                            "(fetches org.keycloak:keycloak-quarkus-dist through Maven into .tools/keycloak)")
    return launch_in_state_dir("keycloak-", state_dir, lambda directory: _launch(directory, timeout))


def _private_home(directory: Path) -> Path:
    """A Keycloak home of this start: the built distribution linked in, ``data/`` of its own.

    Keycloak keeps state under ``<home>/data`` (the truststore it merges from ``truststore-paths``,
    caches, transaction logs); instances sharing one home would trust each other's test CAs
    and fail the TLS handshake of a client certificate from their own. ``kc.sh`` derives the
    home from its own (resolved) path, so it is copied; everything else is a symlink.
    """
    home = directory / "home"
    (home / "bin").mkdir(parents=True)
    (home / "data").mkdir()
    shutil.copy2(HOME / "bin" / "kc.sh", home / "bin" / "kc.sh")
    for name in ("lib", "themes", "providers", "conf", "version.txt"):
        os.symlink(HOME / name, home / name)
    return home


def _launch(directory: Path, timeout: float) -> RunningKeycloak:
    began = time.monotonic()
    tls = write_server_tls(directory, "oauth-harness keycloak test CA")
    ca, ca_file, cert, key = tls.ca, tls.ca_file, tls.cert_file, tls.key_file
    https_port, http_port, management_port = free_port(), free_port(), free_port()
    callout_port, ping_port, logout_port = free_port(), free_port(), free_port()
    base_url = f"https://127.0.0.1:{https_port}"
    admin_password = secrets.token_urlsafe(24)
    admin_password_file = write_file(directory / "admin-password", admin_password + "\n", private=True)
    callout_url = f"https://127.0.0.1:{callout_port}/ciba/authentication-channel"
    options = {
        "hostname": base_url,
        "http-enabled": "true",
        "http-host": "127.0.0.1",
        "http-port": str(http_port),
        "https-port": str(https_port),
        "https-certificate-file": str(cert),
        "https-certificate-key-file": str(key),
        "truststore-paths": str(ca_file),
        "http-management-port": str(management_port),
        "bootstrap-admin-username": "admin",
        "bootstrap-admin-password": admin_password,
        "spi-ciba-auth-channel--ciba-http-auth-channel--http-authentication-channel-uri": callout_url,
        "log-level": os.environ.get("KEYCLOAK_LOG_LEVEL", "info"),
    }
    config = write_file(directory / "keycloak.conf", _config_text(options), private=True)
    env = _java_env()
    env.pop("KC_BOOTSTRAP_ADMIN_PASSWORD", None)
    # Java 24+: JBoss threads' thread-local reset needs java.lang opened (else request threads die)
    env["JAVA_OPTS_APPEND"] = f"-Djava.io.tmpdir={directory} --add-opens=java.base/java.lang=ALL-UNNAMED"
    home = _private_home(directory)
    with open(directory / "keycloak.log", "wb") as out:
        process = subprocess.Popen([str(home / "bin" / "kc.sh"), f"--config-file={config}", "start", "--optimized"],
                                   cwd=directory, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env,
                                   start_new_session=True)
    server = RunningKeycloak(process=process, base_url=base_url, management_url=f"https://127.0.0.1:{management_port}",
                             state_dir=directory, ca_file=ca_file, admin_password_file=admin_password_file)
    try:
        _wait_ready(server, timeout)
        server.env = _provision(server, directory, ca, callout_url, ping_port, logout_port)
        server.env["KEYCLOAK_SERVER_CERT_FILE"] = str(cert)
        server.env["KEYCLOAK_SERVER_KEY_FILE"] = str(key)
        server.startup_s = time.monotonic() - began
    except BaseException:
        server.stop()
        raise
    return server


def _provision(server: RunningKeycloak, directory: Path, ca: trustme.CA, callout_url: str,
               ping_port: int, logout_port: int) -> dict[str, str]:
    variables: dict[str, str] = {}
    env: dict[str, str] = {
        "KEYCLOAK_ISSUER": server.issuer,
        "KEYCLOAK_BASE_URL": server.base_url,
        "KEYCLOAK_CA_FILE": str(server.ca_file),
        "KEYCLOAK_STATE_DIR": str(directory),
        "KEYCLOAK_AUTH_CHANNEL_URL": callout_url,
        "KEYCLOAK_CIBA_NOTIFICATION_ENDPOINT": f"https://127.0.0.1:{ping_port}/ciba/notify",
    }
    variables["CIBA_NOTIFICATION_ENDPOINT"] = env["KEYCLOAK_CIBA_NOTIFICATION_ENDPOINT"]
    # logout-bcl's backchannel.logout.url: the harness hosts it (logout.receiver, the rp leaf below)
    env["KEYCLOAK_BACKCHANNEL_LOGOUT_URI"] = f"https://127.0.0.1:{logout_port}/backchannel-logout"
    variables["BACKCHANNEL_LOGOUT_URI"] = env["KEYCLOAK_BACKCHANNEL_LOGOUT_URI"]
    for username in USERS:
        password = f"{username}-{secrets.token_urlsafe(12)}"
        variables[f"PASSWORD_{username.upper()}"] = env[f"KEYCLOAK_PASSWORD_{username.upper()}"] = password
    for client_id in CLIENT_SECRETS:
        secret = secrets.token_urlsafe(32)
        variables[f"SECRET_{env_name(client_id)}"] = env[f"KEYCLOAK_SECRET_{env_name(client_id)}"] = secret
    for client_id in KEY_CLIENTS:
        jwks = rsa_signing_jwks(f"{client_id}-{secrets.token_hex(4)}")
        write_file(directory / f"{client_id}.jwks.json", json.dumps(jwks, indent=2), private=True)
        variables[f"JWKS_{env_name(client_id)}"] = json.dumps(public_jwks(jwks))
    cert_pem, key_pem, subject = _client_certificate(ca, f"harness-{MTLS_CLIENT}")
    write_file(directory / f"{MTLS_CLIENT}.crt", cert_pem)
    write_file(directory / f"{MTLS_CLIENT}.key", key_pem, private=True)
    variables["MTLS_SUBJECT_DN"] = subject
    # the harness's own TLS services (CIBA ping receiver, authentication-channel callout, back-channel
    # logout URI) use a leaf of the CA, which is Keycloak's truststore (truststore-paths)
    rp = ca.issue_cert("127.0.0.1", "localhost")
    write_file(directory / "rp.crt", b"".join(p.bytes() for p in rp.cert_chain_pems))
    write_file(directory / "rp.key", rp.private_key_pem.bytes(), private=True)
    env["KEYCLOAK_RP_CERT_FILE"] = str(directory / "rp.crt")
    env["KEYCLOAK_RP_KEY_FILE"] = str(directory / "rp.key")
    realm = _substitute(json.loads(REALM_FILE.read_text(encoding="utf-8")), variables)
    with server.http() as client:
        token = server.admin_token(client)
        response = client.post("/admin/realms", json=realm, headers={"Authorization": f"Bearer {token}"})
        if response.status_code != 201:
            raise KeycloakError(f"creating realm {REALM}: HTTP {response.status_code} {response.text[:1500]}"
                                f"{server._tail()}")
        # dynamic registration (RFC 7591) with an initial access token: anonymous registration
        # is limited to Keycloak's "Trusted Hosts" policy, which lists no host by default
        response = client.post(f"/admin/realms/{REALM}/clients-initial-access", json={"count": 500, "expiration": 0},
                               headers={"Authorization": f"Bearer {token}"})
        if response.status_code not in (200, 201) or not isinstance(response.json().get("token"), str):
            raise KeycloakError(f"creating an initial access token: HTTP {response.status_code}{server._tail()}")
        env["KEYCLOAK_REGISTRATION_TOKEN"] = response.json()["token"]
    write_file(directory / "env.json", json.dumps(env, indent=2), private=True)
    return env


def main() -> None:  # pragma: no cover - manual use
    """Start, print the environment and wait for Ctrl-C (``python -m harness.interop.keycloak``)."""
    server = start()
    serve_in_foreground(server, server.env, lambda: f"{server.server_version()} at {server.issuer}; started in "
                        f"{server.startup_s:.1f} s; Ctrl-C stops")


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
