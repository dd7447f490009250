"""Launcher of the bundled reference target (node-oidc-provider with defect injection).

The reference target lives in ``fixtures/reference_target/``. This module installs its npm
dependencies (``npm ci``), generates everything secret per start (test CA, TLS certificates,
provider signing keys, client key pairs, client secrets, admin token), writes one JSON config
for ``node server.mjs`` and starts it on free loopback ports.

Typical use::

    with ReferenceTarget.start(defects=["authz_iss_missing"]) as target:
        os.environ.update(target.env)           # REFTARGET_* for profile.yaml
        target.set_defects([])                   # switch defects at runtime

Key pairs are generated once per Python process and reused by later starts (RSA key
generation dominates start-up time); secrets, tokens and certificates' trust anchors are
fresh per process as well, client secrets and the admin token are fresh per start.
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any

import httpx
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from harness.interop import processes
from harness.interop.processes import free_port, log_tail, write_file

__all__ = [
    "CLIENTS",
    "DEFAULT_TTLS",
    "FIXTURE_DIR",
    "CORE_DEFECTS",
    "KNOWN_DEFECTS",
    "ClientSpec",
    "ReferenceTarget",
    "ReferenceTargetError",
    "RunningTarget",
    "ensure_installed",
]

FIXTURE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "reference_target"
SERVER_SCRIPT = FIXTURE_DIR / "server.mjs"
PROFILE_PATH = FIXTURE_DIR / "profile.yaml"
_PACKAGE_LOCK = FIXTURE_DIR / "package-lock.json"
_INSTALL_STAMP = FIXTURE_DIR / "node_modules" / ".package-lock.json"
_INSTALL_LOCK = FIXTURE_DIR / ".install.lock"
_MIN_NODE_MAJOR = 20
_START_TIMEOUT_S = 20.0
_STOP_TIMEOUT_S = 5.0
_READY_PREFIX = "REFERENCE_TARGET_READY "

CORE_DEFECTS: Mapping[str, str] = MappingProxyType({
    # discovery / JWKS
    "discovery_wrong_issuer": 'discovery "issuer" differs from the issuer the metadata was fetched for',
    "discovery_missing_jwks_uri": 'discovery document lacks the required "jwks_uri" member',
    "discovery_scalar_array":
        'discovery "response_types_supported" is a space-separated string instead of a JSON array',
    "jwks_duplicate_kid": 'jwks_uri publishes two different keys with the same "kid"',
    "discovery_no_pkce_methods":
        'discovery omits "code_challenge_methods_supported" although PKCE (S256) works',
    "discovery_iss_param_unadvertised":
        'discovery omits "authorization_response_iss_parameter_supported" although "iss" is sent',
    "jwks_private_key": "jwks_uri leaks private RSA key members (d, p, q, dp, dq, qi)",
    "discovery_not_json": "the discovery document is served with Content-Type text/plain (body unchanged)",
    "discovery_issuer_query": 'discovery "issuer" has a query component ("?tenant=1")',
    "discovery_http_endpoint": 'discovery "userinfo_endpoint" uses http:// instead of https://',
    "discovery_no_rs256": 'discovery "id_token_signing_alg_values_supported" lacks RS256',
    "discovery_scopes_no_openid": 'discovery "scopes_supported" lacks "openid"',
    "discovery_bad_subject_type": 'discovery "subject_types_supported" contains the undefined value "anonymous"',
    # authorization endpoint
    "authz_state_mismatch": 'successful authorization responses carry a "state" different from the one sent',
    "authz_state_dropped": 'successful authorization responses omit "state"',
    "authz_iss_missing": 'authorization responses omit the RFC 9207 "iss" parameter',
    "authz_iss_wrong": 'authorization responses carry a wrong RFC 9207 "iss" value',
    "authz_code_in_fragment": "response_mode=query responses are delivered in the fragment",
    "redirect_uri_prefix_match":
        "redirect_uri is prefix-matched: a registered URI plus extra path/query is accepted and redirected to",
    "redirect_uri_any_host":
        "any absolute redirect_uri (another host included) is accepted and redirected to with a code",
    "authz_missing_response_type_wrong_error":
        'an authorization request without response_type is answered with "server_error" instead of "invalid_request"',
    "authz_wrong_error_unsupported_response_type":
        'an unsupported response_type is answered with "server_error" instead of "unsupported_response_type"',
    "authz_unknown_param_rejected":
        'an unknown authorization request parameter causes "invalid_request" instead of being ignored',
    "consent_denied_no_state": 'the access_denied error redirect (consent denied) omits "state"',
    "consent_denied_wrong_error": 'denying consent redirects with "server_error" instead of "access_denied"',
    "prompt_none_shows_login":
        "prompt=none without a session renders the login page instead of redirecting with login_required",
    "error_redirect_includes_code": 'authorization error redirects also carry a "code" parameter',
    # token endpoint / authorization code
    "code_reusable": "an authorization code can be redeemed more than once",
    "code_reuse_keeps_tokens":
        "code reuse is refused but tokens issued for the first redemption are not revoked",
    "code_not_client_bound": "a client can redeem an authorization code issued to another client",
    "token_redirect_uri_unchecked":
        "the token endpoint accepts a redirect_uri different from the one used in the authorization request",
    "code_never_expires": "expired authorization codes are still accepted",
    "code_low_entropy": "authorization codes are 8 hex characters from a sequential counter (still redeemable)",
    "token_error_wrong_status": "invalid_grant errors from the token endpoint are sent with HTTP 200 instead of 400",
    "token_no_cache_control": 'token endpoint responses lack "Cache-Control: no-store"',
    # PKCE
    "pkce_verifier_unchecked": "a wrong code_verifier is accepted",
    "pkce_verifier_optional": "a missing code_verifier is accepted although a code_challenge was sent",
    "pkce_plain_accepted": "code_challenge_method=plain is accepted (and works end-to-end)",
    "pkce_not_required": "public clients and require_pkce clients may omit the code_challenge",
    "pkce_verifier_without_challenge_accepted":
        "a code_verifier sent for a code issued without a code_challenge is accepted",
    "pkce_verifier_length_unchecked":
        "a code_verifier shorter than 43 or longer than 128 characters is accepted when its S256 matches",
    "pkce_wrong_error": 'a wrong code_verifier is answered with "invalid_request" instead of "invalid_grant"',
    "pkce_missing_method_accepted":
        "a code_challenge without code_challenge_method (i.e. plain) is accepted and treated as S256",
    # ID token
    "idtoken_bad_signature": "ID token signature bytes are corrupted",
    "idtoken_alg_none": 'ID token is unsigned (alg "none")',
    "idtoken_unknown_kid": 'ID token header "kid" names a key that is not in the JWKS',
    "idtoken_wrong_iss": 'ID token "iss" differs from the issuer',
    "idtoken_wrong_aud": 'ID token "aud" is another client',
    "idtoken_multi_aud_no_azp": 'ID token "aud" is an array with an extra audience and there is no "azp"',
    "idtoken_expired": 'ID token "exp" is in the past',
    "idtoken_iat_future": 'ID token "iat" is one hour in the future',
    "idtoken_nonce_missing": 'ID token omits the "nonce" that was sent in the authorization request',
    "idtoken_nonce_wrong": 'ID token "nonce" differs from the one sent in the authorization request',
    "idtoken_implicit_nonce_missing":
        'ID tokens from the authorization endpoint (implicit/hybrid) omit "nonce"; token endpoint ones keep it',
    "idtoken_no_auth_time": 'ID token omits "auth_time" even when max_age was requested',
    "idtoken_no_acr": 'ID token omits "acr" even when it was requested as an essential claim',
    "idtoken_bad_at_hash": 'ID token "at_hash" does not match the access token',
    "idtoken_bad_c_hash": 'ID token "c_hash" does not match the authorization code',
    "idtoken_sub_mismatch": 'ID token "sub" differs from the UserInfo "sub"',
    "idtoken_sub_unstable": 'every token endpoint ID token carries a fresh random "sub" (not stable across logins)',
    "idtoken_weak_rsa_key": "ID token is signed with a 1024-bit RSA key (published in the JWKS while active)",
    "idtoken_enc_wrong_alg": "encrypted ID tokens use RSA-OAEP instead of the registered RSA-OAEP-256",
    "idtoken_hs256_wrong_secret": "HS256 ID tokens are signed with a secret other than the client secret",
})
"""Core defect name -> one-line description; mirrors ``fixtures/reference_target/src/defects.mjs``."""

AREAS_DIR = FIXTURE_DIR / "src" / "areas"


def _area_defects() -> dict[str, str]:
    """Defects that area modules register (``src/areas/<area>.defects.json``)."""
    found: dict[str, str] = {}
    for path in sorted(AREAS_DIR.glob("*.defects.json")):
        entries = json.loads(path.read_text(encoding="utf-8"))
        for name, description in entries.items():
            if name in found or name in CORE_DEFECTS:
                raise ValueError(f"defect {name} is registered twice ({path.name})")
            found[str(name)] = str(description)
    return found


KNOWN_DEFECTS: Mapping[str, str] = MappingProxyType({**CORE_DEFECTS, **_area_defects()})
"""Every defect the server knows: the core ones plus the area modules' ones."""

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


@dataclass(frozen=True)
class ClientSpec:
    """The launcher's view of one registered client: which material it needs.

    ``keys`` lists key pairs to generate: ``"sig-rsa"``, ``"sig-ec"`` (signing) and
    ``"enc-rsa"`` (ID token / JARM encryption). ``cert`` is ``"ca"`` for a certificate
    issued by the test CA (``tls_client_auth``) or ``"self"`` for a self-signed one.
    """

    client_id: str
    auth_method: str
    secret: bool = False
    keys: tuple[str, ...] = ()
    cert: str | None = None

    @property
    def env_name(self) -> str:
        """Suffix of the client's environment variables (``conf-basic`` -> ``CONF_BASIC``)."""
        return self.client_id.upper().replace("-", "_")


CLIENTS: tuple[ClientSpec, ...] = (
    ClientSpec("conf-basic", "client_secret_basic", secret=True),
    ClientSpec("conf-post", "client_secret_post", secret=True),
    ClientSpec("conf-secret-jwt", "client_secret_jwt", secret=True),
    ClientSpec("conf-pkjwt", "private_key_jwt", keys=("sig-rsa", "sig-ec")),
    ClientSpec("conf-hs256", "client_secret_basic", secret=True),
    ClientSpec("conf-enc", "client_secret_basic", secret=True, keys=("enc-rsa",)),
    ClientSpec("public", "none"),
    ClientSpec("conf-pkce", "client_secret_basic", secret=True),
    ClientSpec("par-required", "private_key_jwt", keys=("sig-rsa", "sig-ec")),
    ClientSpec("jar-required", "private_key_jwt", keys=("sig-rsa", "sig-ec")),
    ClientSpec("jarm", "client_secret_basic", secret=True),
    ClientSpec("jarm-enc", "client_secret_basic", secret=True, keys=("enc-rsa",)),
    ClientSpec("device", "none"),
    ClientSpec("device-conf", "client_secret_basic", secret=True),
    ClientSpec("ciba-poll", "private_key_jwt", keys=("sig-rsa", "sig-ec")),
    ClientSpec("ciba-ping", "private_key_jwt", keys=("sig-rsa", "sig-ec")),
    ClientSpec("dpop", "none"),
    ClientSpec("dpop-conf", "client_secret_basic", secret=True),
    ClientSpec("mtls", "tls_client_auth", cert="ca"),
    ClientSpec("mtls-self", "self_signed_tls_client_auth", cert="self"),
    ClientSpec("introspector", "client_secret_basic", secret=True),
)
"""The clients registered in ``fixtures/reference_target/src/clients.mjs``."""


class ReferenceTargetError(RuntimeError):
    """The reference target could not be installed, started or controlled."""


# ---------------------------------------------------------------------------
# npm installation
# ---------------------------------------------------------------------------


def _node_major(node: str) -> int:
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=False)
    match = re.match(r"v(\d+)\.", out.stdout.strip())
    if out.returncode != 0 or match is None:
        raise ReferenceTargetError(f"cannot determine the Node.js version ({node} --version: {out.stdout!r})")
    return int(match.group(1))


def _install_current() -> bool:
    try:
        return (
            (FIXTURE_DIR / "node_modules" / "oidc-provider" / "package.json").is_file()
            and _INSTALL_STAMP.stat().st_mtime >= _PACKAGE_LOCK.stat().st_mtime
        )
    except FileNotFoundError:
        return False


def ensure_installed() -> None:
    """Install the fixture's npm dependencies with ``npm ci`` unless they are current.

    ``node_modules`` counts as current when npm's hidden lockfile inside it is not older than
    ``package-lock.json``. A file lock serialises parallel callers (pytest-xdist workers).

    Raises:
        ReferenceTargetError: node or npm is missing or too old, or ``npm ci`` failed.
    """
    node = shutil.which("node")
    if node is None:
        raise ReferenceTargetError(
            f"node is not on PATH; the reference target needs Node.js >= {_MIN_NODE_MAJOR}")
    major = _node_major(node)
    if major < _MIN_NODE_MAJOR:
        raise ReferenceTargetError(f"Node.js {major} is too old; the reference target needs >= {_MIN_NODE_MAJOR}")
    if _install_current():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ReferenceTargetError("npm is not on PATH; it is needed once to install the reference target")
    with open(_INSTALL_LOCK, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _install_current():
                return
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=FIXTURE_DIR, capture_output=True, text=True, timeout=600, check=False,
            )
            if result.returncode != 0:
                tail = (result.stderr or result.stdout).strip()[-2000:]
                raise ReferenceTargetError(f"npm ci failed in {FIXTURE_DIR} (exit {result.returncode}):\n{tail}")
            _INSTALL_STAMP.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# ---------------------------------------------------------------------------
# Key and certificate material
# ---------------------------------------------------------------------------


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64u(value: int, length: int | None = None) -> str:
    size = length if length is not None else max(1, (value.bit_length() + 7) // 8)
    return _b64u(value.to_bytes(size, "big"))


def _rsa_jwk(key: rsa.RSAPrivateKey, **members: str) -> dict[str, str]:
    priv = key.private_numbers()
    pub = priv.public_numbers
    return {
        "kty": "RSA", **members,
        "n": _int_b64u(pub.n), "e": _int_b64u(pub.e), "d": _int_b64u(priv.d),
        "p": _int_b64u(priv.p), "q": _int_b64u(priv.q), "dp": _int_b64u(priv.dmp1),
        "dq": _int_b64u(priv.dmq1), "qi": _int_b64u(priv.iqmp),
    }


def _ec_jwk(key: ec.EllipticCurvePrivateKey, **members: str) -> dict[str, str]:
    priv = key.private_numbers()
    return {
        "kty": "EC", "crv": "P-256", **members,
        "x": _int_b64u(priv.public_numbers.x, 32), "y": _int_b64u(priv.public_numbers.y, 32),
        "d": _int_b64u(priv.private_value, 32),
    }


_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi"})


def public_jwk(jwk: Mapping[str, Any]) -> dict[str, Any]:
    """The JWK without its private members."""
    return {k: v for k, v in jwk.items() if k not in _PRIVATE_MEMBERS}


def _pem_key(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@dataclass(frozen=True)
class _Material:
    """Process-wide key material (generated once, reused by later starts)."""

    ca: trustme.CA
    server_cert_pem: bytes
    server_key_pem: bytes
    rp_cert_pem: bytes
    rp_key_pem: bytes
    provider_jwks: dict[str, Any]
    weak_rsa_jwk: dict[str, Any]
    client_jwks: dict[str, dict[str, Any]]  # private JWKS per client id
    client_certs: dict[str, tuple[bytes, bytes]]  # client id -> (cert PEM, key PEM)
    mtls_subject_dn: str


_material_lock = threading.Lock()
_material: _Material | None = None


def _self_signed_client_cert(common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OAuth Harness Reference Target"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _generate_material() -> _Material:
    suffix = secrets.token_hex(3)
    ca = trustme.CA(organization_name="OAuth Harness Reference Target CA")
    server = ca.issue_cert("127.0.0.1", "localhost", organization_name="OAuth Harness Reference Target")
    rp = ca.issue_cert("127.0.0.1", "localhost", organization_name="OAuth Harness Relying Party")

    def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=bits)

    provider_keys = [
        _rsa_jwk(rsa_key(), kid=f"op-rs256-{suffix}", alg="RS256", use="sig"),
        _rsa_jwk(rsa_key(), kid=f"op-ps256-{suffix}", alg="PS256", use="sig"),
        _ec_jwk(ec.generate_private_key(ec.SECP256R1()), kid=f"op-es256-{suffix}", alg="ES256", use="sig"),
        _rsa_jwk(rsa_key(), kid=f"op-enc-rsa-{suffix}", use="enc"),
        _ec_jwk(ec.generate_private_key(ec.SECP256R1()), kid=f"op-enc-ec-{suffix}", use="enc"),
    ]
    weak = _rsa_jwk(rsa_key(1024), kid=f"op-weak-rs256-1024-{suffix}", alg="RS256", use="sig")

    client_jwks: dict[str, dict[str, Any]] = {}
    client_certs: dict[str, tuple[bytes, bytes]] = {}
    mtls_subject_dn = ""
    for spec in CLIENTS:
        keys: list[dict[str, Any]] = []
        for kind in spec.keys:
            kid = f"{spec.client_id}-{kind}-{suffix}"
            if kind == "sig-rsa":
                keys.append(_rsa_jwk(rsa_key(), kid=kid, use="sig"))
            elif kind == "sig-ec":
                keys.append(_ec_jwk(ec.generate_private_key(ec.SECP256R1()), kid=kid, alg="ES256", use="sig"))
            elif kind == "enc-rsa":
                keys.append(_rsa_jwk(rsa_key(), kid=kid, alg="RSA-OAEP-256", use="enc"))
            else:  # pragma: no cover - CLIENTS is static
                raise AssertionError(kind)
        if spec.cert == "ca":
            leaf = ca.issue_cert(f"{spec.client_id}.client.example.test", common_name=spec.client_id,
                                 organization_name="OAuth Harness Reference Target",
                                 organization_unit_name="Clients")
            cert_pem = leaf.cert_chain_pems[0].bytes()
            client_certs[spec.client_id] = (cert_pem, leaf.private_key_pem.bytes())
            mtls_subject_dn = x509.load_pem_x509_certificate(cert_pem).subject.rfc4514_string()
        elif spec.cert == "self":
            cert, key = _self_signed_client_cert(spec.client_id)
            der = cert.public_bytes(serialization.Encoding.DER)
            client_certs[spec.client_id] = (cert.public_bytes(serialization.Encoding.PEM), _pem_key(key))
            keys.append(_ec_jwk(key, kid=f"{spec.client_id}-cert-{suffix}", use="sig") | {
                "x5c": [base64.b64encode(der).decode("ascii")],
                "x5t#S256": _b64u(hashlib.sha256(der).digest()),
            })
        if keys:
            client_jwks[spec.client_id] = {"keys": keys}

    return _Material(
        ca=ca,
        server_cert_pem=server.cert_chain_pems[0].bytes(),
        server_key_pem=server.private_key_pem.bytes(),
        rp_cert_pem=rp.cert_chain_pems[0].bytes(),
        rp_key_pem=rp.private_key_pem.bytes(),
        provider_jwks={"keys": provider_keys},
        weak_rsa_jwk=weak,
        client_jwks=client_jwks,
        client_certs=client_certs,
        mtls_subject_dn=mtls_subject_dn,
    )


def _get_material() -> _Material:
    global _material
    with _material_lock:
        if _material is None:
            _material = _generate_material()
        return _material


# ---------------------------------------------------------------------------
# Running target
# ---------------------------------------------------------------------------


def _normalize_ttls(overrides: Mapping[str, int] | None) -> dict[str, int]:
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


def _check_defects(names: Sequence[str]) -> list[str]:
    if isinstance(names, str):
        raise TypeError("defects must be a sequence of names, not a string")
    unknown = [n for n in names if n not in KNOWN_DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect(s) {unknown}; valid: {sorted(KNOWN_DEFECTS)}")
    return list(dict.fromkeys(names))


class RunningTarget:
    """A started reference target; stop it with :meth:`stop` or use it as a context manager.

    Attributes:
        issuer: the issuer identifier, ``https://127.0.0.1:<port>``.
        mtls_base: base URL of the mTLS listener (``mtls_endpoint_aliases`` live there).
        state_dir: directory with the CA, certificates, private JWKS and the node config.
        admin_token: bearer token of the ``/__test/`` admin API.
        ca_file: PEM of the test CA that issued the server certificate.
        env: the ``REFTARGET_*`` variables that ``profile.yaml`` references.
        client_secrets: client id -> secret for the clients that have one.
        ttls: the artefact lifetimes in force (seconds).
        startup_seconds: wall time of :meth:`ReferenceTarget.start` for this target.
    """

    def __init__(self, *, process: subprocess.Popen[bytes], issuer: str, mtls_base: str, state_dir: Path,
                 owns_state_dir: bool, admin_token: str, env: dict[str, str], client_secrets: dict[str, str],
                 ttls: dict[str, int], startup_seconds: float) -> None:
        """Wrap an already started server process (use :meth:`ReferenceTarget.start`)."""
        self._process = process
        self.issuer = issuer
        self.mtls_base = mtls_base
        self.state_dir = state_dir
        self._owns_state_dir = owns_state_dir
        self.admin_token = admin_token
        self.ca_file = state_dir / "ca.pem"
        self.env = env
        self.client_secrets = client_secrets
        self.ttls = ttls
        self.startup_seconds = startup_seconds
        self._version: str | None = None
        self._lock = threading.Lock()
        self._admin = httpx.Client(
            base_url=issuer,
            verify=ssl.create_default_context(cafile=str(self.ca_file)),
            headers={"Authorization": f"Bearer {admin_token}"},
            timeout=10.0,
        )
        processes.track(self)

    # -- lifecycle ----------------------------------------------------------

    @property
    def pid(self) -> int:
        """Process id of the node server."""
        return self._process.pid

    def is_running(self) -> bool:
        """Whether the node process is still alive."""
        return self._process.poll() is None

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and remove a temporary state directory."""
        with self._lock:
            processes.untrack(self)
            self._admin.close()
            processes.terminate(self._process, _STOP_TIMEOUT_S)
            if self._owns_state_dir:
                shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self) -> RunningTarget:
        """Return self."""
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Stop the server."""
        self.stop()

    # -- admin API ----------------------------------------------------------

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = self._admin.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise ReferenceTargetError(f"admin call {method} {path} failed: {exc}{self._stderr_hint()}") from exc
        if response.status_code == 400:
            raise ValueError(response.json().get("error_description", response.text))
        if response.status_code >= 300:
            raise ReferenceTargetError(f"admin call {method} {path}: HTTP {response.status_code} {response.text}")
        return response.json()

    def _stderr_hint(self) -> str:
        if self.is_running():
            return ""
        stderr = log_tail(self.state_dir / "node.stderr.log")
        return f"\nthe node process exited ({self._process.returncode}):\n{stderr}"

    def set_defects(self, names: Sequence[str]) -> list[str]:
        """Replace the active defect set; returns the active defects. ``[]`` restores normal behaviour.

        Raises:
            ValueError: a name is not in :data:`KNOWN_DEFECTS`.
        """
        active: list[str] = self._call("PUT", "/__test/defects", {"defects": _check_defects(names)})["active"]
        return active

    def defects(self) -> list[str]:
        """The active defects."""
        active: list[str] = self._call("GET", "/__test/defects")["active"]
        return active

    def server_defects(self) -> dict[str, str]:
        """Defect name -> description, as the server reports them."""
        descriptions: dict[str, str] = self._call("GET", "/__test/defects")["descriptions"]
        return descriptions

    def reset(self) -> None:
        """Clear all defects and restore the default settings."""
        self._call("POST", "/__test/reset")

    def settings(self) -> dict[str, Any]:
        """The runtime settings (e.g. ``dpop_require_nonce``)."""
        result: dict[str, Any] = self._call("GET", "/__test/settings")
        return result

    def set_settings(self, **changes: bool) -> dict[str, Any]:
        """Change runtime settings, e.g. ``set_settings(dpop_require_nonce=True)``."""
        result: dict[str, Any] = self._call("PUT", "/__test/settings", changes)
        return result

    def clients(self) -> list[dict[str, Any]]:
        """Registered clients as the server reports them (no secrets)."""
        result: list[dict[str, Any]] = self._call("GET", "/__test/clients")["clients"]
        return result

    def pending_ciba(self) -> list[dict[str, Any]]:
        """CIBA requests waiting for a decision."""
        result: list[dict[str, Any]] = self._call("GET", "/__test/ciba")["pending"]
        return result

    def approve_ciba(self, auth_req_id: str, *, acr: str | None = None) -> dict[str, Any]:
        """Approve a pending CIBA request (sends the ping for ping-mode clients)."""
        body = {"acr": acr} if acr else {}
        result: dict[str, Any] = self._call("POST", f"/__test/ciba/{auth_req_id}/approve", body)
        return result

    def deny_ciba(self, auth_req_id: str) -> dict[str, Any]:
        """Deny a pending CIBA request (``access_denied``)."""
        result: dict[str, Any] = self._call("POST", f"/__test/ciba/{auth_req_id}/deny", {})
        return result

    def server_version(self) -> str:
        """The oidc-provider version, e.g. ``"oidc-provider 9.13.3"``'s ``"9.13.3"``."""
        if self._version is None:
            self._version = str(self._call("GET", "/__test/version")["oidc_provider"])
        return self._version

    @staticmethod
    def profile_path() -> Path:
        """Path of the bundled target profile (``fixtures/reference_target/profile.yaml``)."""
        return PROFILE_PATH

    def ssl_context(self, client: str | None = None) -> ssl.SSLContext:
        """An SSL context trusting the test CA, presenting ``client``'s certificate if given."""
        ctx = ssl.create_default_context(cafile=str(self.ca_file))
        if client is not None:
            ctx.load_cert_chain(str(self.state_dir / f"{client}.crt"), str(self.state_dir / f"{client}.key"))
        return ctx


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
            timeout: seconds to wait for the server to answer.

        Raises:
            ReferenceTargetError: node/npm missing, install failure, or the server did not start.
            ValueError: unknown defect, TTL or setting.
        """
        started = time.perf_counter()
        active = _check_defects(defects)
        ttls = _normalize_ttls(ttl_overrides)
        initial_settings = dict(DEFAULT_SETTINGS)
        for key, value in (settings or {}).items():
            if key not in DEFAULT_SETTINGS or not isinstance(value, bool):
                raise ValueError(f"unknown or non-boolean setting {key!r}; known: {sorted(DEFAULT_SETTINGS)}")
            initial_settings[key] = value
        notify = ciba_notification_endpoint or f"https://127.0.0.1:{free_port()}/ciba-notify"
        if not notify.startswith("https://"):
            raise ValueError("the CIBA notification endpoint must be an https URL")

        ensure_installed()
        material = _get_material()

        owns = state_dir is None
        directory = Path(tempfile.mkdtemp(prefix="reftarget-")) if state_dir is None else Path(state_dir)
        directory.mkdir(parents=True, exist_ok=True)
        try:
            return cls._launch(directory, owns, material, active, ttls, initial_settings, notify, timeout, started)
        except BaseException:
            if owns:
                shutil.rmtree(directory, ignore_errors=True)
            raise

    @classmethod
    def _launch(cls, directory: Path, owns: bool, material: _Material, defects: list[str], ttls: dict[str, int],
                settings: dict[str, bool], notify: str, timeout: float, started: float) -> RunningTarget:
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

        admin_token = secrets.token_urlsafe(32)
        config = {
            "host": "127.0.0.1",
            "port": 0,
            "mtls_port": 0,
            "tls": {"cert_file": str(directory / "server.crt"), "key_file": str(directory / "server.key"),
                    "ca_file": str(ca_file)},
            "admin_token": admin_token,
            "cookie_keys": [secrets.token_urlsafe(32), secrets.token_urlsafe(32)],
            "dpop_nonce_secret": _b64u(secrets.token_bytes(32)),
            "settings": settings,
            "provider_jwks": material.provider_jwks,
            "weak_rsa_jwk": material.weak_rsa_jwk,
            "ttl": ttls,
            "clock_tolerance": CLOCK_TOLERANCE_S,
            "device_poll_interval": 1,
            "ciba_poll_interval": 1,
            "ciba_notification_endpoint": notify,
            "clients": clients_config,
            "defects": defects,
            "exit_on_stdin_eof": True,
        }
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
            processes.terminate(process, _STOP_TIMEOUT_S)
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
            "REFTARGET_RP_CERT_FILE": str(rp_cert),
            "REFTARGET_RP_KEY_FILE": str(rp_key),
            "REFTARGET_CLOCK_TOLERANCE": str(CLOCK_TOLERANCE_S),
        }
        for spec in CLIENTS:
            if spec.client_id in client_secrets:
                env[f"REFTARGET_SECRET_{spec.env_name}"] = client_secrets[spec.client_id]
        write_file(directory / "env.json", json.dumps(env, indent=2), private=True)

        target = RunningTarget(
            process=process, issuer=issuer, mtls_base=mtls_base, state_dir=directory, owns_state_dir=owns,
            admin_token=admin_token, env=env, client_secrets=client_secrets, ttls=ttls,
            startup_seconds=0.0,
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
