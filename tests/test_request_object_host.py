"""The request object host: HTTPS on loopback, a fresh random path per object, 404 elsewhere, fetches recorded."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from harness import evidence
from harness.profile import RequestObjectHost as HostSettings
from harness.request_object_host import MEDIA_TYPE, RequestObjectHost
from harness.results import HarnessError, ProfileError


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[trustme.CA, Path, Path]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    base = tmp_path_factory.mktemp("pki")
    cert_file, key_file = base / "rp.crt", base / "rp.key"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    yield ca, cert_file, key_file


def test_serves_published_objects_once_per_path(pki: tuple[trustme.CA, Path, Path], tmp_path: Path) -> None:
    ca, cert_file, key_file = pki
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    host = RequestObjectHost(HostSettings(cert_file=cert_file, key_file=key_file))
    log = evidence.EvidenceLog()
    with evidence.collecting(log), host:
        first, second = host.publish("a.b.c"), host.publish("d.e.f")
        assert first != second and first.startswith("https://127.0.0.1:")
        with httpx.Client(verify=ssl.create_default_context(cafile=str(ca_file))) as client:
            answer = client.get(first)
            missing = client.get(host.unserved_url())
        assert answer.status_code == 200 and answer.text == "a.b.c"
        assert answer.headers["content-type"] == MEDIA_TYPE
        assert missing.status_code == 404
        fetches = host.record_fetches()
    assert [f.status for f in fetches] == [200, 404]
    assert [e.label for e in log.exchanges] == ["request object fetched from the harness"] * 2


def test_refuses_non_loopback_and_bad_certificates(pki: tuple[trustme.CA, Path, Path], tmp_path: Path) -> None:
    _, cert_file, key_file = pki
    with pytest.raises(ProfileError):
        RequestObjectHost(HostSettings(cert_file=cert_file, key_file=key_file, listen_host="192.0.2.1"))
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    with pytest.raises(ProfileError):
        RequestObjectHost(HostSettings(cert_file=bogus, key_file=key_file))
    with pytest.raises(HarnessError):
        _ = RequestObjectHost(HostSettings(cert_file=cert_file, key_file=key_file)).base_url


def test_untrusted_handshake_is_a_profile_problem(pki: tuple[trustme.CA, Path, Path]) -> None:
    _, cert_file, key_file = pki
    host = RequestObjectHost(HostSettings(cert_file=cert_file, key_file=key_file))
    with host:
        url = host.publish("a.b.c")
        with httpx.Client(verify=ssl.create_default_context()) as client, pytest.raises(httpx.ConnectError):
            client.get(url)  # the system CAs do not know the test CA
        for _ in range(50):
            if host._tls_failures:
                break
            time.sleep(0.02)
        with pytest.raises(ProfileError, match="TLS handshake failed"):
            host.require_trusted()


def test_reserved_url_answers_404_until_the_object_is_put(pki: tuple[trustme.CA, Path, Path], tmp_path: Path) -> None:
    """Pre-registration (OIDC Registration §2 request_uris): the URL exists before its object; put fills it."""
    ca, cert_file, key_file = pki
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    host = RequestObjectHost(HostSettings(cert_file=cert_file, key_file=key_file))
    with host, httpx.Client(verify=ssl.create_default_context(cafile=str(ca_file))) as client:
        url = host.reserve()
        assert url.startswith(host.base_url + "/ro/") and url != host.reserve()
        assert client.get(url).status_code == 404  # reserved, nothing there yet
        assert host.put(url, "a.b.c") == url
        answer = client.get(url)
        assert answer.status_code == 200 and answer.text == "a.b.c" and answer.headers["content-type"] == MEDIA_TYPE
        with pytest.raises(HarnessError, match="no URL reserved"):
            host.put(host.unserved_url(), "d.e.f")  # only reserved URLs are filled
        assert [f.status for f in host.fetches] == [404, 200]


def test_a_fixed_profile_url_is_reserved_and_its_content_hashed(pki: tuple[trustme.CA, Path, Path],
                                                                 tmp_path: Path) -> None:
    """A documented request_uri on the host is served; OIDC Core §6.2: changing content gets its hash as fragment."""
    import base64
    import hashlib

    ca, cert_file, key_file = pki
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    settings = HostSettings(cert_file=cert_file, key_file=key_file, public_base_url="https://127.0.0.1:1/")
    with pytest.raises(ProfileError, match="not on the request object host"):
        RequestObjectHost(settings).reserve_url("https://rp.example.test/ro/fixed")
    assert RequestObjectHost(settings).reserve_url("https://127.0.0.1:1/ro/fixed#old") == "https://127.0.0.1:1/ro/fixed"
    host = RequestObjectHost(HostSettings(cert_file=cert_file, key_file=key_file))
    with host, httpx.Client(verify=ssl.create_default_context(cafile=str(ca_file))) as client:
        fixed = host.reserve_url(f"{host.base_url}/ro/fixed")
        sent = host.put(fixed, "a.b.c", fragment_hash=True)
        digest = base64.urlsafe_b64encode(hashlib.sha256(b"a.b.c").digest()).rstrip(b"=").decode()
        assert sent == f"{fixed}#{digest}"
        assert client.get(sent).text == "a.b.c"
        assert host.put(fixed, "d.e.f", fragment_hash=True) != sent and client.get(fixed).text == "d.e.f"
