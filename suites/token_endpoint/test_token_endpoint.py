"""Token endpoint responses (RFC 6749 §5.1, §5.2): success format per grant, the exact error for each case."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from harness import evidence
from harness.flows.client_assertion import assertion_audience
from harness.flows.code_flow import obtain_code
from harness.flows.token import (
    TokenResult,
    check_refused,
    client_auth,
    obtain_refresh_token,
    refresh,
    refresh_client,
    token_request,
)
from harness.http import try_json_object
from harness.profile import Client
from harness.results import CheckFailed
from harness.specs import rfc6749
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement

UNKNOWN_SCOPE = "harness-unknown-scope"


def _cc_client(target: Target) -> Client:
    for client in target.profile.clients:
        if client.use_in_suites and "client_credentials" in client.grant_types and not client.is_public:
            return client
    raise NotApplicable("the profile has no client with the client_credentials grant")


def _code_client(target: Target) -> Client:
    return target.pick_client(purpose="token endpoint error checks", confidential=True)


def _success(target: Target, user_agent: Any, grant: str) -> TokenResult:
    if grant == "client_credentials":
        client = _cc_client(target)
        return token_request(target, client, {"grant_type": "client_credentials"}, label="client credentials grant")
    client = refresh_client(target)
    tokens = obtain_refresh_token(target, user_agent, client)
    assert tokens.refresh_token is not None
    return refresh(target, client, tokens.refresh_token)


@requirement("RFC6749-5.1", "RFC6749-4.4.3", "RFC6749-6")
@pytest.mark.parametrize("grant", ["refresh_token", "client_credentials"])
def test_success_response(target: Target, user_agent: Any, grant: str) -> None:
    """A success is JSON with ``access_token``, ``token_type``, ``expires_in`` and ``Cache-Control: no-store``.

    ``Pragma: no-cache`` is judged once, by ``authorization_code.token_success_response``.
    """
    result = _success(target, user_agent, grant)
    try:
        rfc6749.check_token_success_response(result.status, result.response.headers, result.judged_body)
    except CheckFailed as exc:
        kept = [f for f in exc.findings if f.code != "TOKEN_PRAGMA"]
        if len(kept) != len(exc.findings):
            evidence.note("Pragma: no-cache is missing (reported by authorization_code.token_success_response)")
        if kept:
            raise CheckFailed(*kept) from None


@requirement("RFC6749-5.2")
def test_unsupported_grant_type_refused(target: Target) -> None:
    """An unknown ``grant_type`` is answered with HTTP 400 ``unsupported_grant_type``."""
    client = _code_client(target)
    result = token_request(target, client, {"grant_type": "urn:example:harness:unknown-grant"},
                           label="unknown grant type")
    check_refused(result, "unsupported_grant_type", "RFC6749-5.2")


@requirement("RFC6749-5.2", "RFC6749-4.1.3-params")
def test_missing_grant_type_refused(target: Target) -> None:
    """A request without ``grant_type`` is answered with HTTP 400 ``invalid_request``."""
    client = _code_client(target)
    result = token_request(target, client, {}, label="no grant_type")
    check_refused(result, "invalid_request", "RFC6749-4.1.3-params", error_requirement="RFC6749-5.2")


@requirement("RFC6749-5.2", "RFC6749-4.1.3-params")
def test_missing_code_refused(target: Target) -> None:
    """An authorization_code request without ``code`` is answered with HTTP 400 ``invalid_request``."""
    client = _code_client(target)
    result = token_request(target, client, {"grant_type": "authorization_code",
                                            "redirect_uri": client.redirect_uris[0]}, label="no code")
    check_refused(result, "invalid_request", "RFC6749-4.1.3-params", error_requirement="RFC6749-5.2")


@requirement("RFC6749-3.2", "RFC6749-5.2")
def test_duplicate_parameter_refused(target: Target, user_agent: Any) -> None:
    """A parameter sent twice (a valid ``code``, repeated) is refused with ``invalid_request``.

    RFC 6749 §3.2: "Request and response parameters MUST NOT be included more than once."
    and §5.2 ``invalid_request``: the request "repeats a parameter".
    """
    client = _code_client(target)
    flow = obtain_code(target, user_agent, client)
    url = target.token_endpoint_for(client)
    auth_data, headers, cert = client_auth(target, client, assertion_audience(target, client, url))
    pairs = [("grant_type", "authorization_code"), ("code", flow.code), ("code", flow.code),
             ("redirect_uri", flow.request.redirect_uri)]
    if flow.request.code_verifier:
        pairs.append(("code_verifier", flow.request.code_verifier))
    pairs.extend(auth_data.items())
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    response = target.http.post(url, label="code sent twice", content=urlencode(pairs).encode(), headers=headers,
                                cert=cert)
    result = TokenResult(response=response, body=try_json_object(response),
                         used_basic=headers.get("Authorization", "").startswith("Basic "))
    check_refused(result, "invalid_request", "RFC6749-3.2", error_requirement="RFC6749-5.2")


@requirement("RFC6749-5.2")
def test_unregistered_grant_type_refused(target: Target) -> None:
    """A client asking for client_credentials, which it is not registered for, is refused with the right error.

    RFC 6749 §5.2: ``unauthorized_client`` "The authenticated client is not authorized to use
    this authorization grant type." where the server supports client_credentials (its metadata
    lists it, or a profile client uses it); ``unsupported_grant_type`` "The authorization grant
    type is not supported by the authorization server." where it does not (a published
    ``grant_types_supported`` without it); either when the metadata omits the list.
    """
    for client in target.profile.clients:
        if (client.use_in_suites and not client.is_public and client.cert_file is None
                and "client_credentials" not in client.grant_types and not client.documented.dpop_bound):
            break
    else:
        pytest.skip("every confidential client of the profile is registered for client_credentials")
    profile_grants = {g for c in target.profile.clients for g in c.grant_types}
    expected = rfc6749.unregistered_grant_errors("client_credentials", target.metadata.get("grant_types_supported"),
                                                 profile_grants)
    evidence.note(f"expected error(s) {sorted(expected)} (grant_types_supported: "
                  f"{target.metadata.get('grant_types_supported')!r})")
    result = token_request(target, client, {"grant_type": "client_credentials"},
                           label=f"client_credentials for {client.id} (not registered for it)")
    check_refused(result, set(expected), "RFC6749-5.2")


@requirement("RFC6749-3.3", "RFC6749-5.2")
def test_unknown_scope_refused_or_reported(target: Target) -> None:
    """A scope the server does not know is refused (``invalid_scope``) or the granted scope is reported."""
    client = _cc_client(target)
    result = token_request(target, client, {"grant_type": "client_credentials", "scope": UNKNOWN_SCOPE},
                           label="client credentials with an unknown scope")
    rfc6749.check_unknown_scope_handled(result.status, result.response.headers, result.judged_body, UNKNOWN_SCOPE,
                                        basic_auth_used=result.used_basic)
