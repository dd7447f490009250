"""The transport suite's TLS checks both ways, against loopback listeners (no reference target needed).

Each check of ``suites/transport`` is called with a loopback target whose endpoints live on one
listener: a compliant listener makes it pass, a listener with exactly one weakness (TLS 1.0
enabled, static-RSA suites, a CBC suite, no TLS 1.3, a bad certificate, a 1024-bit key) makes it
fail or warn with the finding for that weakness. Where the platform's OpenSSL refuses to run such
a listener (or cannot offer the probe), the test skips naming why.
"""

from __future__ import annotations

import ssl
import time

import pytest

from harness.flows.tls_probe import offerable
from harness.results import CheckFailed, Level, TargetUnreachable
from suites.transport import test_transport as checks
from tests.transport.conftest import Pki, loopback_target, server_context, silent_listener, tls_listener


def _codes(exc: CheckFailed) -> set[str]:
    return {f.code for f in exc.findings}


def _levels(exc: CheckFailed) -> set[Level]:
    return {f.level for f in exc.findings}


def _context_or_skip(pki: Pki, **kwargs: object) -> ssl.SSLContext:
    try:
        return server_context(pki, **kwargs)  # type: ignore[arg-type]
    except (ssl.SSLError, ValueError) as exc:
        pytest.skip(f"this platform's OpenSSL refuses such a listener: {exc}")


def _old_listener(pki: Pki, version: ssl.TLSVersion) -> ssl.SSLContext:
    if not (ssl.HAS_TLSv1 if version is ssl.TLSVersion.TLSv1 else ssl.HAS_TLSv1_1):
        pytest.skip(f"this Python/OpenSSL was built without {version.name}")
    return _context_or_skip(pki, min_version=version, max_version=ssl.TLSVersion.TLSv1_3)


# -- TLS 1.0 / 1.1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("check", "version"), [(checks.test_tls10_refused, ssl.TLSVersion.TLSv1),
                                                (checks.test_tls11_refused, ssl.TLSVersion.TLSv1_1)])
def test_old_version_check_fails_on_a_listener_that_negotiates_it(pki: Pki, check: object,
                                                                  version: ssl.TLSVersion) -> None:
    with tls_listener(_old_listener(pki, version)) as port:
        with pytest.raises(CheckFailed) as caught:
            check(loopback_target(port, pki))  # type: ignore[operator]
    assert _codes(caught.value) == {"TLS_DEPRECATED_VERSION_ACCEPTED"}
    assert _levels(caught.value) == {Level.MUST}


@pytest.mark.parametrize("check", [checks.test_tls10_refused, checks.test_tls11_refused])
def test_old_version_check_passes_on_a_tls12_listener(pki: Pki, check: object) -> None:
    with tls_listener(server_context(pki)) as port:
        check(loopback_target(port, pki))  # type: ignore[operator]


# -- TLS 1.3 ---------------------------------------------------------------------------------------


def test_tls13_check_warns_on_a_tls12_only_listener(pki: Pki) -> None:
    with tls_listener(server_context(pki, max_version=ssl.TLSVersion.TLSv1_2)) as port:
        with pytest.raises(CheckFailed) as caught:
            checks.test_tls13_offered(loopback_target(port, pki))
    assert _codes(caught.value) == {"TLS13_NOT_OFFERED"} and _levels(caught.value) == {Level.SHOULD}


def test_tls13_check_passes_on_a_tls13_listener(pki: Pki) -> None:
    with tls_listener(server_context(pki)) as port:
        checks.test_tls13_offered(loopback_target(port, pki))


# -- cipher suites ---------------------------------------------------------------------------------


def test_forbidden_suites_check_warns_on_static_rsa(pki: Pki) -> None:
    """RFC 9325 §4.1: static RSA is a SHOULD NOT (a warning); an RSA leaf is needed to negotiate it."""
    ctx = _context_or_skip(pki, leaf="rsa", ciphers="kRSA:!eNULL:ECDHE+AESGCM")
    with tls_listener(ctx) as port:
        with pytest.raises(CheckFailed) as caught:
            checks.test_forbidden_suites_refused(loopback_target(port, pki))
    assert "TLS_SUITE_STATIC_RSA_ACCEPTED" in _codes(caught.value)
    assert _levels(caught.value) == {Level.SHOULD}


def test_forbidden_suites_check_fails_on_null_encryption(pki: Pki) -> None:
    """RFC 9325 §4.1: NULL encryption MUST NOT be negotiated."""
    if not offerable("eNULL"):
        pytest.skip("this platform's OpenSSL cannot offer NULL suites")
    ctx = _context_or_skip(pki, ciphers="eNULL:ECDHE+AESGCM")
    with tls_listener(ctx) as port:
        with pytest.raises(CheckFailed) as caught:
            checks.test_forbidden_suites_refused(loopback_target(port, pki))
    assert "TLS_SUITE_NULL_ACCEPTED" in _codes(caught.value)
    assert Level.MUST in _levels(caught.value)


def test_forbidden_suites_check_passes_on_aead_ecdhe_only(pki: Pki) -> None:
    with tls_listener(server_context(pki, leaf="rsa", ciphers="ECDHE+AESGCM")) as port:
        checks.test_forbidden_suites_refused(loopback_target(port, pki))


def test_recommended_suites_check_lists_a_cbc_suite(pki: Pki) -> None:
    """FAPI 2.0 §5.2.2 (profile transport.fapi2_tls): a CBC suite on a server-to-server origin is a failure."""
    ctx = server_context(pki, ciphers="ECDHE+AESGCM:ECDHE-ECDSA-AES128-SHA256")
    with tls_listener(ctx) as port:
        target = loopback_target(port, pki, transport={"fapi2_tls": True})
        with pytest.raises(CheckFailed) as caught:
            checks.test_tls12_recommended_suites_only(target)
    finding = caught.value.findings[0]
    assert finding.code == "TLS12_SUITE_NOT_RECOMMENDED" and finding.level is Level.MUST
    assert finding.requirement == "FAPI2SP-5.2.2-1"
    assert finding.actual == {f"https://127.0.0.1:{port}": ["ECDHE-ECDSA-AES128-SHA256"]}


def test_recommended_suites_check_warns_without_fapi(pki: Pki) -> None:
    ctx = server_context(pki, ciphers="ECDHE+AESGCM:ECDHE-ECDSA-AES128-SHA256")
    with tls_listener(ctx) as port:
        with pytest.raises(CheckFailed) as caught:
            checks.test_tls12_recommended_suites_only(loopback_target(port, pki,
                                                                      transport={"require_bcp195_ciphers": True}))
    assert caught.value.findings[0].level is Level.SHOULD
    assert caught.value.findings[0].requirement == "RFC9325-4.2"


def test_recommended_suites_check_passes_on_the_recommended_four(pki: Pki) -> None:
    ctx = server_context(pki, ciphers="ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384")
    with tls_listener(ctx) as port:
        checks.test_tls12_recommended_suites_only(loopback_target(port, pki, transport={"fapi2_tls": True}))


def test_recommended_suites_check_is_skipped_unless_the_profile_asks(pki: Pki) -> None:
    with tls_listener(server_context(pki)) as port:
        with pytest.raises(pytest.skip.Exception, match="transport.fapi2_tls"):
            checks.test_tls12_recommended_suites_only(loopback_target(port, pki))


# -- certificates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("leaf", "reason"), [("wrong_host", "mismatch"), ("expired", "expired"),
                                              ("incomplete_chain", "issuer")])
def test_certificate_check_fails_on_a_bad_certificate(pki: Pki, leaf: str, reason: str) -> None:
    with tls_listener(server_context(pki, leaf=leaf)) as port:
        with pytest.raises(CheckFailed) as caught:
            checks.test_certificate_verifies(loopback_target(port, pki))
    finding = caught.value.findings[0]
    assert finding.code == "CERTIFICATE_NOT_VERIFIED" and finding.requirement == "RFC6749-10.9"
    assert reason in str(finding.actual).lower()


@pytest.mark.parametrize("leaf", ["good", "full_chain"])
def test_certificate_check_passes_on_a_valid_chain(pki: Pki, leaf: str) -> None:
    with tls_listener(server_context(pki, leaf=leaf)) as port:
        checks.test_certificate_verifies(loopback_target(port, pki))


def test_a_bad_certificate_does_not_break_the_other_tls_checks(pki: Pki) -> None:
    """The version probes do not verify: a wrong-host certificate is one finding, not every check broken."""
    with tls_listener(server_context(pki, leaf="wrong_host")) as port:
        target = loopback_target(port, pki)
        checks.test_tls10_refused(target)
        checks.test_tls13_offered(target)
        checks.test_certificate_strength(target)


def test_certificate_strength_fails_on_rsa_1024(pki: Pki) -> None:
    ctx = _context_or_skip(pki, leaf="weak")
    with tls_listener(ctx) as port:
        with pytest.raises(CheckFailed) as caught:
            checks.test_certificate_strength(loopback_target(port, pki))
    assert _codes(caught.value) == {"CERTIFICATE_RSA_TOO_SHORT"}


def test_certificate_strength_passes_on_rsa_2048(pki: Pki) -> None:
    with tls_listener(server_context(pki, leaf="rsa")) as port:
        checks.test_certificate_strength(loopback_target(port, pki))


# -- bad input: a handshake that hangs ------------------------------------------------------------


@pytest.mark.parametrize("check", [checks.test_tls10_refused, checks.test_tls13_offered,
                                   checks.test_certificate_verifies, checks.test_forbidden_suites_refused])
def test_a_hanging_handshake_is_broken_within_the_deadline(pki: Pki, check: object) -> None:
    """A listener that accepts and never answers: *broken* (network), never a pass, within the deadline."""
    with silent_listener() as port:
        target = loopback_target(port, pki, exchange=1.0)
        started = time.monotonic()
        with pytest.raises(TargetUnreachable, match="no handshake within 1s"):
            check(target)  # type: ignore[operator]
        assert time.monotonic() - started < 2.5


def test_a_closed_port_is_broken_not_refused(pki: Pki) -> None:
    with silent_listener() as port:
        pass  # the listener is gone: nothing accepts on the port now
    with pytest.raises(TargetUnreachable, match="connect"):
        checks.test_tls10_refused(loopback_target(port, pki))


def test_the_prober_refuses_origins_outside_the_profile(pki: Pki) -> None:
    from harness.http import OutsideTarget
    from suites.transport import _observe

    with tls_listener(server_context(pki)) as port:
        prober = _observe.prober(loopback_target(port, pki))
        with pytest.raises(OutsideTarget):
            prober.handshake("https://127.0.0.1:1/")


def test_a_plain_http_deployment_skips_the_tls_checks(pki: Pki) -> None:
    """production: false on plain http (as a loopback deployment may run): no https origin, nothing to probe."""
    from harness.profile import TargetProfile
    from harness.target import NotApplicable, Target

    profile = TargetProfile.model_validate({
        "name": "plain", "issuer": "http://127.0.0.1:1", "production": False,
        "clients": [{"id": "c1", "auth_method": "none", "redirect_uris": ["http://127.0.0.1:2/cb"]}],
        "users": [{"username": "u", "password": "p"}]})
    target = Target.from_profile(profile)
    target._metadata = {"issuer": "http://127.0.0.1:1", "token_endpoint": "http://127.0.0.1:1/token",
                        "authorization_endpoint": "http://127.0.0.1:1/auth"}
    for check in (checks.test_tls10_refused, checks.test_tls13_offered, checks.test_certificate_verifies):
        with pytest.raises(NotApplicable, match="no https endpoint origin"):
            check(target)
    with pytest.raises(pytest.skip.Exception, match="not an https URL"):
        checks.test_plain_http_refused(target, "token_endpoint")
    with pytest.raises(pytest.skip.Exception, match="plain http"):
        checks.test_strict_transport_security(target)
