"""harness.flows.resource.transport_failure: the server's TLS alert, found in a real handshake.

A local TLS server that requires a client certificate refuses the harness's handshake with an
alert (TLS 1.3: ``certificate_required`` / ``unknown_ca``; TLS 1.2: ``handshake_failure``); a
closed port gives no alert. The mTLS refusal checks count only the alerts as refusals.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harness.flows.resource import TransportFailure, transport_failure
from harness.results import TargetUnreachable
from harness.specs import rfc8705


def _self_signed(directory: Path, name: str, *, ip: bool) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
               .not_valid_after(now + dt.timedelta(hours=1)))
    if ip:
        import ipaddress

        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(
            ipaddress.ip_address("127.0.0.1"))]), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    cert_file, key_file = directory / f"{name}.crt", directory / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    directory = tmp_path_factory.mktemp("tls")
    return {"server": _self_signed(directory, "server", ip=True), "client": _self_signed(directory, "client", ip=False)}


def _serve(certs: dict[str, tuple[Path, Path]], version: ssl.TLSVersion) -> Iterator[int]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certs["server"])
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(certs["server"][0])  # trusts no client certificate
    context.maximum_version = version
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(100)
            except (ssl.SSLError, OSError):
                pass
            finally:
                conn.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(2)
    listener.close()


@pytest.fixture(params=[ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2], ids=["tls1.3", "tls1.2"])
def port(request: pytest.FixtureRequest, certs: dict[str, tuple[Path, Path]]) -> Iterator[int]:
    yield from _serve(certs, request.param)


def _failure(url: str, certs: dict[str, tuple[Path, Path]], client_cert: bool) -> TransportFailure:
    context = ssl.create_default_context(cafile=str(certs["server"][0]))
    if client_cert:
        context.load_cert_chain(*certs["client"])
    with pytest.raises(httpx.TransportError) as info, httpx.Client(verify=context, timeout=5) as client:
        client.get(url)
    return transport_failure(info.value)


def test_no_certificate_is_refused_with_an_alert(port: int, certs: dict[str, tuple[Path, Path]]) -> None:
    failure = _failure(f"https://127.0.0.1:{port}/", certs, client_cert=False)
    assert failure.tls_alert in ("certificate_required", "handshake_failure"), failure
    rfc8705.check_tls_refusal(failure.tls_alert, failure.text, what="the request")


def test_unknown_certificate_is_refused_with_an_alert(port: int, certs: dict[str, tuple[Path, Path]]) -> None:
    failure = _failure(f"https://127.0.0.1:{port}/", certs, client_cert=True)
    assert failure.tls_alert == "unknown_ca", failure
    rfc8705.check_tls_refusal(failure.tls_alert, failure.text, what="the request")


def test_closed_port_has_no_alert_and_is_not_a_refusal(certs: dict[str, tuple[Path, Path]]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        closed = probe.getsockname()[1]
    failure = _failure(f"https://127.0.0.1:{closed}/", certs, client_cert=True)
    assert failure.tls_alert is None
    with pytest.raises(TargetUnreachable):
        rfc8705.check_tls_refusal(failure.tls_alert, failure.text, what="the request")


def test_untrusted_server_certificate_is_not_an_alert(certs: dict[str, tuple[Path, Path]]) -> None:
    """The harness rejecting the server's certificate is a local error, not the server's refusal."""
    iterator = _serve(certs, ssl.TLSVersion.TLSv1_3)
    server_port = next(iterator)
    try:
        with pytest.raises(httpx.TransportError) as info, httpx.Client(verify=ssl.create_default_context(),
                                                                        timeout=5) as client:
            client.get(f"https://127.0.0.1:{server_port}/")
        assert transport_failure(info.value).tls_alert is None
    finally:
        next(iterator, None)
