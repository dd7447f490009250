"""Entropy of access tokens, refresh tokens and device codes (RFC 6749 §10.10, RFC 8628 §5.2).

``documented_code_entropy`` compares authorization codes with a documented entropy in bytes
(``documented.authorization_code_entropy_bytes``); RFC 6749 §10.10's bound on codes is
``authorization_code.code_entropy``'s.

The same estimator as the authorization code (``authorization_code.code_entropy``,
:mod:`harness.specs._entropy`) over ``limits.entropy_samples`` values (at least 5 here), each from
its own grant. User codes are meant for people and judged by RFC 8628 §5.1/§6.1 in
``device.user_code_entropy_and_charset``.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import evidence
from harness.flows import device
from harness.flows.code_flow import complete_code_flow, obtain_code
from harness.flows.token import obtain_refresh_token, refresh_client
from harness.profile import Client
from harness.specs import token_entropy
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement

MIN_SAMPLES = 5


def _samples(target: Target) -> int:
    return max(target.profile.limits.entropy_samples, MIN_SAMPLES)


def _code_client(target: Target) -> Client:
    for client in target.profile.clients:
        doc = client.documented
        if (client.use_in_suites and "authorization_code" in client.grant_types and not doc.require_par
                and not doc.require_signed_requests and not doc.require_jarm and not doc.dpop_bound
                and client.cert_file is None):
            return client
    raise NotApplicable("the profile has no plain code-flow client")


@requirement("RFC6749-10.10")
def test_access_token_entropy(target: Target, user_agent: Any) -> None:
    """Access tokens carry at least 128 bits of entropy (160 recommended), estimated from samples."""
    client = _code_client(target)
    samples = []
    for _ in range(_samples(target)):
        flow = complete_code_flow(target, user_agent, client)
        samples.append(str(flow.token.body.get("access_token")) if flow.token and flow.token.body else "")
    bits = token_entropy.check_credential_entropy(samples, kind="ACCESS_TOKEN", label="access token")
    evidence.note(f"access token entropy estimate: {bits:.1f} bits")


@requirement("RFC6749-10.10")
def test_refresh_token_entropy(target: Target, user_agent: Any) -> None:
    """Refresh tokens carry at least 128 bits of entropy (160 recommended), each from its own grant."""
    client = refresh_client(target)
    samples = [str(obtain_refresh_token(target, user_agent, client).body.get("refresh_token"))
               for _ in range(_samples(target))]
    bits = token_entropy.check_credential_entropy(samples, kind="REFRESH_TOKEN", label="refresh token")
    evidence.note(f"refresh token entropy estimate: {bits:.1f} bits")


@requirement("RFC6749-10.10", "RFC8628-5.2")
def test_device_code_entropy(target: Target) -> None:
    """device_code values (never shown to the user) carry at least 128 bits (160 recommended, RFC 8628 §5.2)."""
    clients = [c for c in target.profile.clients if c.use_in_suites and device.GRANT_TYPE in c.grant_types]
    if not clients:
        raise NotApplicable("the profile has no client with the device_code grant")
    samples = [device.start(target, clients[0]).device_code for _ in range(_samples(target))]
    bits = token_entropy.check_credential_entropy(samples, kind="DEVICE_CODE", label="device_code",
                                                  recommended_requirement="RFC8628-5.2")
    evidence.note(f"device_code entropy estimate: {bits:.1f} bits")


@requirement("DOC-authorization_code_entropy_bytes")
def test_documented_code_entropy(target: Target, user_agent: Any) -> None:
    """Authorization codes are long enough to hold the documented entropy (bytes) in their alphabet."""
    documented = target.profile.documented.authorization_code_entropy_bytes
    if documented is None:
        pytest.skip("the profile does not document the authorization code entropy "
                    "(documented.authorization_code_entropy_bytes)")
    client = _code_client(target)
    samples = [obtain_code(target, user_agent, client).code for _ in range(_samples(target))]
    how = token_entropy.check_documented_code_entropy(samples, documented)
    evidence.note(f"documented {documented} bytes: {how}")
