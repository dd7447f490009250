"""PKCE (RFC 7636) and the RFC 9700 rules on PKCE downgrade."""

from __future__ import annotations

from typing import Any

import pytest

from harness.flows.code_flow import authorize, complete_code_flow, obtain_code
from harness.flows.token import TokenResult, redeem_code
from harness.profile import Client
from harness.results import fail
from harness.specs import rfc7636
from harness.target import Target

requirement = pytest.mark.requirement


def _client(target: Target) -> Client:
    return target.pick_client(purpose="PKCE checks", confidential=True, require_pkce=False)


def _methods(target: Target) -> frozenset[str]:
    """PKCE methods the server advertises or the profile documents (RFC 8414 §2: omitted = no PKCE)."""
    return rfc7636.supported_methods(target.metadata.get("code_challenge_methods_supported"),
                                     target.profile.documented.pkce_methods)


def _s256_supported(target: Target) -> None:
    if "S256" not in _methods(target):
        pytest.skip("the target neither advertises nor documents PKCE S256")


def _pkce_supported_without_plain(target: Target) -> None:
    """RFC 7636 §4.4.1 binds "the server supporting PKCE" that "does not support the requested transformation"."""
    methods = _methods(target)
    if not methods:
        pytest.skip("the target neither advertises code_challenge_methods_supported nor documents PKCE: "
                    "RFC 7636 §4.4.1 applies to servers supporting PKCE")
    if "plain" in methods:
        pytest.skip("the target advertises or documents plain; refusing it is not required")


def _judge(check: Any, result: TokenResult) -> None:
    check(result.status, result.response.headers, result.judged_body, basic_auth_used=result.used_basic)


@requirement("RFC7636-5", "RFC6749-3.1")
def test_ignored_when_unsupported(target: Target, user_agent: Any) -> None:
    """A server without PKCE ignores the PKCE parameters and the flow completes (accept)."""
    if _methods(target):
        pytest.skip("the target supports PKCE; this accept check is for servers that do not")
    complete_code_flow(target, user_agent, _client(target), pkce="S256")


@requirement("RFC7636-4.6")
def test_s256_round_trip(target: Target, user_agent: Any) -> None:
    """A code requested with an S256 challenge is redeemed with the matching verifier."""
    _s256_supported(target)
    complete_code_flow(target, user_agent, _client(target), pkce="S256")


@requirement("RFC7636-4.6")
def test_wrong_verifier_refused(target: Target, user_agent: Any) -> None:
    """A verifier that does not match the challenge is refused with ``invalid_grant``."""
    _s256_supported(target)
    client = _client(target)
    flow = obtain_code(target, user_agent, client, pkce="S256")
    result = redeem_code(target, client, flow.code, redirect_uri=flow.request.redirect_uri,
                         code_verifier=rfc7636.make_verifier(), label="redeem with a wrong verifier")
    _judge(rfc7636.check_wrong_verifier_refused, result)


@requirement("RFC7636-4.6", "RFC9700-2.1.1-enforce")
def test_missing_verifier_refused(target: Target, user_agent: Any) -> None:
    """A code issued for a challenge cannot be redeemed without a verifier."""
    _s256_supported(target)
    client = _client(target)
    flow = obtain_code(target, user_agent, client, pkce="S256")
    result = redeem_code(target, client, flow.code, redirect_uri=flow.request.redirect_uri,
                         code_verifier=None, label="redeem without a verifier")
    _judge(rfc7636.check_missing_verifier_refused, result)


@requirement("RFC9700-2.1.1")
def test_verifier_without_challenge_refused(target: Target, user_agent: Any) -> None:
    """A verifier sent for a code issued without a challenge is refused (PKCE downgrade).

    Applies to servers supporting PKCE (advertised or documented): a server without PKCE ignores
    code_verifier like any unknown parameter (RFC 7636 §5, RFC 6749 §3.1).
    """
    if not _methods(target):
        pytest.skip("the target neither advertises nor documents PKCE; there is no PKCE to downgrade")
    client = _client(target)
    flow = obtain_code(target, user_agent, client, pkce="none")
    result = redeem_code(target, client, flow.code, redirect_uri=flow.request.redirect_uri,
                         code_verifier=rfc7636.make_verifier(), label="redeem with a verifier but no challenge")
    _judge(rfc7636.check_verifier_without_challenge_refused, result)


@requirement("RFC7636-4.6")
def test_challenge_used_as_verifier_refused(target: Target, user_agent: Any) -> None:
    """Sending the S256 challenge itself as the verifier (a plain downgrade) is refused."""
    _s256_supported(target)
    client = _client(target)
    flow = obtain_code(target, user_agent, client, pkce="S256")
    result = redeem_code(target, client, flow.code, redirect_uri=flow.request.redirect_uri,
                         code_verifier=flow.request.params["code_challenge"],
                         label="redeem with the challenge as verifier")
    _judge(rfc7636.check_wrong_verifier_refused, result)


@requirement("RFC7636-4.4.1-method", "RFC7636-4.3")
def test_plain_refused_when_not_supported(target: Target, user_agent: Any) -> None:
    """A server supporting PKCE but not plain refuses ``code_challenge_method=plain`` with ``invalid_request``.

    RFC 7636 §4.4.1: "If the server supporting PKCE does not support the requested
    transformation, the authorization endpoint MUST return the authorization error response
    with "error" value set to "invalid_request"." Applies only where PKCE is supported
    (advertised or documented) and plain is neither advertised nor documented.
    """
    _pkce_supported_without_plain(target)
    request, outcome = authorize(target, user_agent, _client(target), pkce="plain")
    if not outcome.redirected:
        raise fail("AUTHZ_ERROR_NOT_REDIRECTED", "the PKCE error was not returned to the client",
                   "RFC7636-4.4.1-method", expected="redirect with error=invalid_request", actual=outcome.describe())
    rfc7636.check_challenge_method_refused(outcome.params)


@requirement("RFC7636-4.3", "RFC7636-4.4.1-method")
def test_challenge_without_method_defaults_to_plain(target: Target, user_agent: Any) -> None:
    """A challenge without a method means ``plain``: refused with ``invalid_request`` where plain is unsupported.

    RFC 7636 §4.3: "code_challenge_method OPTIONAL, defaults to "plain" if not present in the
    request."; §4.4.1 (as for an explicit plain). Same applicability as
    ``plain_refused_when_not_supported``; the error must reach the client by redirect.
    """
    _pkce_supported_without_plain(target)
    request, outcome = authorize(target, user_agent, _client(target), pkce="S256",
                                 drop=("code_challenge_method",))
    if outcome.redirected and "code" in outcome.params:
        raise fail("PKCE_IMPLICIT_PLAIN_ACCEPTED",
                   "a challenge without code_challenge_method (which defaults to plain) was accepted "
                   "although the server does not support plain", "RFC7636-4.4.1-method",
                   expected="error=invalid_request", actual="code issued")
    if not outcome.redirected:
        raise fail("AUTHZ_ERROR_NOT_REDIRECTED", "the PKCE error was not returned to the client",
                   "RFC7636-4.4.1-method", expected="redirect with error=invalid_request", actual=outcome.describe())
    rfc7636.check_challenge_method_refused(outcome.params)


def _require_pkce_client(target: Target, *, public: bool) -> Client:
    """A plain code-flow client (public or confidential) for which the profile documents "Require PKCE"."""
    for client in target.profile.clients:
        if not client.use_in_suites or "authorization_code" not in client.grant_types:
            continue
        doc = client.documented
        if doc.require_par or doc.require_signed_requests or doc.require_jarm or doc.dpop_bound:
            continue
        if client.is_public == public and doc.require_pkce:
            return client
    kind = "public" if public else "confidential"
    pytest.skip(f"the profile documents no {kind} client that requires PKCE (documented.require_pkce): "
                "RFC 7636 §4.4.1 binds servers that require PKCE")


@requirement("RFC7636-4.4.1", "DOC-require_pkce")
def test_public_client_without_challenge_refused(target: Target, user_agent: Any) -> None:
    """A public client that requires PKCE: a request without ``code_challenge`` is refused with ``invalid_request``.

    RFC 7636 §4.4.1: "If the server requires Proof Key for Code Exchange (PKCE) by OAuth public
    clients and the client does not send the "code_challenge" in the request, the authorization
    endpoint MUST return the authorization error response with the "error" value set to
    "invalid_request"." The condition holds where the profile documents ``require_pkce`` for
    the public client; otherwise the check is skipped (no specification obliges a server to
    require PKCE from public clients).
    """
    client = _require_pkce_client(target, public=True)
    request, outcome = authorize(target, user_agent, client, pkce="none")
    _check_pkce_required_refusal(outcome, "RFC7636-4.4.1")


@requirement("DOC-require_pkce", "RFC7636-4.4.1")
def test_documented_require_pkce_enforced(target: Target, user_agent: Any) -> None:
    """A client documented as "Require PKCE" cannot obtain a code without a challenge."""
    client = _require_pkce_client(target, public=False)
    request, outcome = authorize(target, user_agent, client, pkce="none")
    _check_pkce_required_refusal(outcome, "DOC-require_pkce")


def _check_pkce_required_refusal(outcome: Any, requirement_id: str) -> None:
    if outcome.redirected and "code" in outcome.params:
        raise fail("PKCE_NOT_REQUIRED", "a code was issued without a code_challenge although PKCE is required",
                   requirement_id, expected="error=invalid_request", actual="code issued")
    if not outcome.redirected:
        raise fail("AUTHZ_ERROR_NOT_REDIRECTED", "the PKCE error was not returned to the client",
                   "RFC7636-4.4.1", expected="redirect with error=invalid_request", actual=outcome.describe())
    rfc7636.check_challenge_required(outcome.params)


def _verifier_of_length(length: int) -> str:
    return (rfc7636.make_verifier(128) * 2)[:length]


@pytest.mark.parametrize("length", [42, 129])
@requirement("RFC7636-4.1")
def test_verifier_length_bounds(target: Target, user_agent: Any, length: int) -> None:
    """A verifier shorter than 43 or longer than 128 characters SHOULD be refused even if its hash matches."""
    _s256_supported(target)
    client = _client(target)
    verifier = _verifier_of_length(length)
    flow = obtain_code(target, user_agent, client, pkce="S256",
                       extra={"code_challenge": rfc7636.s256_challenge(verifier)})
    result = redeem_code(target, client, flow.code, redirect_uri=flow.request.redirect_uri,
                         code_verifier=verifier, label=f"redeem with a {length}-character verifier")
    _judge(rfc7636.check_verifier_length_refused, result)
