"""Loopback listeners for the transport checks: TLS servers with chosen versions, suites and certificates.

Each listener binds 127.0.0.1 on a free port and runs in a daemon thread. ``tls_listener`` answers
handshakes only (the TLS probes send no request); ``dual_listener`` speaks TLS *and* plain HTTP on
one port (the first byte tells them apart), with a handler choosing the plain answer; ``silent``
accepts connections and never answers (a hanging handshake).
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from harness import evidence
from harness.evidence import EvidenceLog
from harness.profile import TargetProfile
from harness.target import Target

Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


_Digest = hashes.SHA224 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512  # what CertificateBuilder.sign takes


@dataclass(frozen=True)
class Pki:
    """A test CA and the leaf certificates the listeners serve (PEM files)."""

    ca_file: Path
    leaves: dict[str, tuple[Path, Path]]  # name -> (cert chain file, key file)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key: Key, issuer: str, issuer_key: Key, *, ca: bool = False, hosts: tuple[str, ...] = (),
          days: tuple[int, int] = (-1, 30), digest: _Digest | None = None) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now + datetime.timedelta(days=days[0]))
               .not_valid_after(now + datetime.timedelta(days=days[1]))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if hosts:
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return builder.sign(issuer_key, digest or hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: Key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A root CA, an intermediate, and leaves: good, RSA, wrong host, expired, RSA-1024, incomplete chain.

    (cryptography 50 no longer signs with SHA-1: the weak-hash branch is unit-tested in tests/specs.)
    """
    directory = tmp_path_factory.mktemp("transport-pki")
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _cert("transport test root", root_key, "transport test root", root_key, ca=True, days=(-1, 365))
    inter_key = ec.generate_private_key(ec.SECP256R1())
    inter = _cert("transport test intermediate", inter_key, "transport test root", root_key, ca=True)
    (directory / "ca.pem").write_bytes(_pem(root))
    leaves: dict[str, tuple[Path, Path]] = {}

    def leaf(name: str, chain: list[x509.Certificate], key: Key) -> None:
        cert_file, key_file = directory / f"{name}.crt", directory / f"{name}.key"
        cert_file.write_bytes(b"".join(_pem(c) for c in chain))
        key_file.write_bytes(_key_pem(key))
        leaves[name] = (cert_file, key_file)

    hosts = ("127.0.0.1", "localhost")
    good_key = ec.generate_private_key(ec.SECP256R1())
    leaf("good", [_cert("127.0.0.1", good_key, "transport test root", root_key, hosts=hosts)], good_key)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf("rsa", [_cert("127.0.0.1", rsa_key, "transport test root", root_key, hosts=hosts)], rsa_key)
    other_key = ec.generate_private_key(ec.SECP256R1())
    leaf("wrong_host", [_cert("other.example", other_key, "transport test root", root_key,
                              hosts=("other.example",))], other_key)
    old_key = ec.generate_private_key(ec.SECP256R1())
    leaf("expired", [_cert("127.0.0.1", old_key, "transport test root", root_key, hosts=hosts, days=(-30, -1))],
         old_key)
    weak_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    weak_issuer = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf("weak", [_cert("127.0.0.1", weak_key, "weak issuer", weak_issuer, hosts=hosts)],
         weak_key)
    chained_key = ec.generate_private_key(ec.SECP256R1())
    chained = _cert("127.0.0.1", chained_key, "transport test intermediate", inter_key, hosts=hosts)
    leaf("incomplete_chain", [chained], chained_key)
    leaf("full_chain", [chained, inter], chained_key)
    return Pki(ca_file=directory / "ca.pem", leaves=leaves)


def server_context(pki: Pki, *, leaf: str = "good", min_version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
                   max_version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_3, ciphers: str | None = None) -> ssl.SSLContext:
    """A server context; SECLEVEL 0 so old versions and weak keys load (raises ssl.SSLError when OpenSSL refuses)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = min_version
        ctx.maximum_version = max_version
    ctx.set_ciphers(f"{ciphers or 'ALL'}:@SECLEVEL=0")
    cert, key = pki.leaves[leaf]
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


@contextmanager
def _accepting(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        listener.close()
        for conn in held:
            conn.close()


@contextmanager
def tls_listener(ctx: ssl.SSLContext) -> Iterator[int]:
    """Complete (or refuse) handshakes with ``ctx``; send nothing else."""
    def handle(conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            with ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (ssl.SSLError, OSError):
            pass

    with _accepting(handle) as port:
        yield port


@contextmanager
def silent_listener() -> Iterator[int]:
    """Accept TCP connections and never answer (a handshake that hangs)."""
    def handle(conn: socket.socket) -> None:
        conn.settimeout(30)
        try:
            conn.recv(65536)
            threading.Event().wait(30)
        except OSError:
            pass

    with _accepting(handle) as port:
        yield port


PlainHandler = Callable[[str, str], bytes | None]
"""(method, path) of a plain-http request -> the raw HTTP answer, or None to close without one."""


def _read_request(stream: socket.socket) -> tuple[str, str]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = stream.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path = (lines[0].split(" ") + ["", ""])[:2]
    length = next((int(line.split(":", 1)[1]) for line in lines[1:] if line.lower().startswith("content-length:")), 0)
    while len(body) < length:
        chunk = stream.recv(4096)
        if not chunk:
            break
        body += chunk
    return method, path


def http_answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """A raw HTTP/1.1 answer (connection closed after it)."""
    lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", "Connection: close",
             *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


OAUTH_ERROR = http_answer(400, b'{"error":"invalid_grant"}', {"Content-Type": "application/json"})


@contextmanager
def dual_listener(ctx: ssl.SSLContext, plain: PlainHandler) -> Iterator[int]:
    """TLS and plain HTTP on one port: over TLS every request gets ``OAUTH_ERROR``; plain ones ``plain(...)``."""
    def handle(conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            first = conn.recv(1, socket.MSG_PEEK)
            if first == b"\x16":
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    _read_request(tls)
                    tls.sendall(OAUTH_ERROR)
                return
            method, path = _read_request(conn)
            answer = plain(method, path)
            if answer is not None:
                conn.sendall(answer)
        except (ssl.SSLError, OSError):
            pass
        finally:
            conn.close()

    with _accepting(handle) as port:
        yield port


def loopback_target(port: int, pki: Pki, *, metadata: dict[str, object] | None = None,
                    exchange: float | None = None, **profile: object) -> Target:
    """A target whose issuer is https://127.0.0.1:<port>, its discovery document preset (never fetched)."""
    issuer = f"https://127.0.0.1:{port}"
    data: dict[str, object] = {
        "name": "loopback", "issuer": issuer, "tls": {"ca_file": str(pki.ca_file)},
        "timeouts": {"connect": 1.0, "read": 1.0, **({"exchange": exchange} if exchange else {})},
        "clients": [{"id": "c1", "auth_method": "none", "redirect_uris": ["https://rp.example.test/cb"]}],
        "users": [{"username": "u", "password": "p"}], **profile,
    }
    target = Target.from_profile(TargetProfile.model_validate(data))
    target._metadata = {"issuer": issuer, "token_endpoint": f"{issuer}/token",
                        "authorization_endpoint": f"{issuer}/auth", **(metadata or {})}
    return target


@pytest.fixture(autouse=True)
def _evidence() -> Iterator[EvidenceLog]:
    with evidence.collecting(EvidenceLog()) as log:
        yield log
