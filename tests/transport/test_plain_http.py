"""``transport.plain_http_refused`` both ways, against a loopback listener speaking TLS and plain HTTP on one port.

Over TLS every request gets ``400 {"error": "invalid_grant"}``; the plain-HTTP answer is what each
test chooses: the same answer (served: failure), tokens (failure), a redirect to https (pass), a
different refusal (pass) or no HTTP answer at all (pass).
"""

from __future__ import annotations

import pytest

from harness.results import CheckFailed, Level
from suites.transport import test_transport as checks
from tests.transport.conftest import OAUTH_ERROR, Pki, dual_listener, http_answer, loopback_target, server_context


def _run(pki: Pki, plain: object, member: str = "token_endpoint") -> None:
    with dual_listener(server_context(pki), plain) as port:  # type: ignore[arg-type]
        target = loopback_target(port, pki, metadata={"pushed_authorization_request_endpoint":
                                                      f"https://127.0.0.1:{port}/par"})
        checks.test_plain_http_refused(target, member)


def test_served_like_https_fails(pki: Pki) -> None:
    with pytest.raises(CheckFailed) as caught:
        _run(pki, lambda method, path: OAUTH_ERROR)
    finding = caught.value.findings[0]
    assert (finding.code, finding.requirement, finding.level) == ("PLAIN_HTTP_SERVED", "RFC6749-3.2-tls", Level.MUST)


def test_tokens_over_plain_http_fail(pki: Pki) -> None:
    tokens = http_answer(200, b'{"access_token":"abc","token_type":"Bearer"}', {"Content-Type": "application/json"})
    with pytest.raises(CheckFailed) as caught:
        _run(pki, lambda method, path: tokens)
    assert caught.value.findings[0].code == "PLAIN_HTTP_CREDENTIALS"


def test_other_endpoints_are_a_warning(pki: Pki) -> None:
    """RFC 9325 §3.2 (TLS-only configured by administrators) is cited at SHOULD for endpoints beyond §3.1/§3.2."""
    with pytest.raises(CheckFailed) as caught:
        _run(pki, lambda method, path: OAUTH_ERROR, member="pushed_authorization_request_endpoint")
    finding = caught.value.findings[0]
    assert (finding.requirement, finding.level) == ("RFC9325-3.2-tls_only", Level.SHOULD)


def test_redirect_to_https_passes(pki: Pki) -> None:
    def plain(method: str, path: str) -> bytes:
        return http_answer(301, headers={"Location": f"https://127.0.0.1{path}"})

    _run(pki, plain)


@pytest.mark.parametrize("status", [400, 403, 426])
def test_a_different_refusal_passes(pki: Pki, status: int) -> None:
    _run(pki, lambda method, path: http_answer(status, b"use https"))


def test_no_http_answer_passes(pki: Pki) -> None:
    _run(pki, lambda method, path: None)


def test_skipped_when_the_profile_says_so(pki: Pki) -> None:
    with dual_listener(server_context(pki), lambda m, p: OAUTH_ERROR) as port:
        target = loopback_target(port, pki, transport={"plain_http": False})
        with pytest.raises(pytest.skip.Exception, match="plain_http"):
            checks.test_plain_http_refused(target, "token_endpoint")


def test_no_https_answer_is_broken_not_a_pass(pki: Pki) -> None:
    """Without an https answer to compare with (the listener closes after the handshake), the check is broken."""
    from harness.results import TargetUnreachable
    from tests.transport.conftest import tls_listener

    with tls_listener(server_context(pki)) as port:
        with pytest.raises(TargetUnreachable, match="no usable answer over https"):
            checks.test_plain_http_refused(loopback_target(port, pki), "token_endpoint")
