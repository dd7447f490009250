"""What the hosted loopback HTTPS endpoints share (harness/loopback_tls.py): certificate loading, origins, hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.ciba_auth_channel import ChannelReceiver
from harness.ciba_receiver import NotificationReceiver
from harness.loopback_tls import https_origin, loopback_bind_host, server_tls_context
from harness.profile import RequestObjectHost as HostSettings
from harness.profile.login import CibaChannel
from harness.request_object_host import RequestObjectHost
from harness.results import HarnessError, ProfileError
from harness.sector_host import SectorHost
from tests.loopback_pki import free_port, write_loopback_pki


def test_https_origin_brackets_ipv6() -> None:
    assert https_origin("127.0.0.1", 8443) == "https://127.0.0.1:8443"
    assert https_origin("::1", 8443) == "https://[::1]:8443"


def test_only_loopback_is_bound() -> None:
    assert loopback_bind_host("localhost") == "127.0.0.1"
    assert loopback_bind_host("[::1]") == "::1"
    with pytest.raises(ProfileError, match="must listen on loopback"):
        loopback_bind_host("192.0.2.1")


def test_a_certificate_that_does_not_load_names_whose_it_is(tmp_path: Path) -> None:
    missing = tmp_path / "missing.crt"
    with pytest.raises(ProfileError, match=r"cannot load the request object host's certificate .*missing\.crt: "):
        RequestObjectHost(HostSettings(cert_file=missing, key_file=missing))
    with pytest.raises(ProfileError, match=r"cannot load the sector host's certificate .*missing\.crt: "):
        SectorHost(HostSettings(cert_file=missing, key_file=missing))
    with pytest.raises(ProfileError, match=r"cannot load the notification receiver's certificate .*missing\.crt: "):
        NotificationReceiver("https://127.0.0.1:1/notify", cert_file=missing, key_file=missing)
    with pytest.raises(ProfileError, match=r"cannot load the authentication channel's certificate .*missing\.crt: "):
        ChannelReceiver(CibaChannel(listen_url="https://127.0.0.1:1/channel", cert_file=missing, key_file=missing,
                                    callback_url="https://127.0.0.1:1/cb"))
    with pytest.raises(ProfileError, match="cannot load the x's certificate"):
        server_tls_context(missing, missing, owner="the x")


def test_document_hosts_know_their_origin_only_once_started(tmp_path: Path) -> None:
    _, cert, key = write_loopback_pki(tmp_path)
    for host, name in ((RequestObjectHost(HostSettings(cert_file=cert, key_file=key)), "the request object host"),
                       (SectorHost(HostSettings(cert_file=cert, key_file=key)), "the sector identifier host")):
        with pytest.raises(HarnessError, match=f"^{name} is not started$"):
            _ = host.base_url
        with host:
            assert host.base_url.startswith("https://127.0.0.1:")
    fixed = SectorHost(HostSettings(cert_file=cert, key_file=key, listen_port=free_port(),
                                    public_base_url="https://rp.example.test/"))
    assert fixed.base_url == "https://rp.example.test"
