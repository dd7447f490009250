"""JWT Secured Authorization Response Mode (JARM): response modes, response document, signing, encryption."""

from __future__ import annotations

from typing import Any

import pytest

from harness import jose
from harness.flows.authorization import AuthorizationOutcome
from harness.flows.code_flow import authorize
from harness.flows.jarm import JarmResponse, find_response, issuer_keys, open_response, require_response
from harness.profile import Client
from harness.results import Findings, NeedsReview
from harness.specs import jarm
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement

ASYMMETRIC_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


def _eligible(client: Client) -> bool:
    doc = client.documented
    return (client.use_in_suites and "authorization_code" in client.grant_types and "code" in client.response_types
            and not doc.require_par and not doc.require_signed_requests)


def _jarm_client(target: Target) -> Client:
    """A client documented for JARM (signed only), else a plain client where the server advertises JARM."""
    for client in target.profile.clients:
        doc = client.documented
        if _eligible(client) and (doc.require_jarm or doc.jarm_signing_alg) and doc.jarm_encryption is None:
            return client
    modes = target.metadata.get("response_modes_supported") or []
    if not any(m in modes for m in jarm.JARM_MODES):
        raise NotApplicable("no client is documented for JARM and the target advertises no JWT response mode")
    return target.pick_client(purpose="JARM responses", confidential=True)


def _mode_offered(target: Target, mode: str) -> None:
    """Skip a JWT response mode the server's published ``response_modes_supported`` leaves out.

    JARM lets a server support some of the four modes; RFC 8414 §2 ``response_modes_supported``
    is the list of those "that this authorization server supports". Where the member is not
    published (its default names no JWT mode) a client documented for JARM is the evidence,
    and every mode is tried.
    """
    modes = target.metadata.get("response_modes_supported")
    if isinstance(modes, list) and any(m in modes for m in jarm.JARM_MODES) and mode not in modes:
        raise NotApplicable(f"the target does not list response_mode {mode} in response_modes_supported")


def _default_mode(target: Target) -> str:
    """``jwt`` where offered, else the first JWT mode the server lists."""
    modes = target.metadata.get("response_modes_supported")
    if isinstance(modes, list) and "jwt" not in modes:
        return next((m for m in jarm.JARM_MODES if m in modes), "jwt")
    return "jwt"


def _encrypted_client(target: Target) -> Client:
    for client in target.profile.clients:
        if _eligible(client) and client.documented.jarm_encryption is not None and client.jwks_file is not None:
            return client
    raise NotApplicable("the profile documents no client with JARM encryption (documented.jarm_encryption) "
                        "and a private JWKS")


def _response(target: Target, user_agent: Any, client: Client, mode: str,
              **build: Any) -> tuple[Any, AuthorizationOutcome, JarmResponse]:
    request, outcome = authorize(target, user_agent, client, response_mode=mode, **build)
    delivered, raw, outer = require_response(outcome, mode)
    return request, outcome, open_response(client, delivered, raw, outer)


def _secret(client: Client) -> str | None:
    return client.secret.get_secret_value() if client.secret is not None else None


def _expected_alg(client: Client) -> tuple[str, bool]:
    documented = client.documented.jarm_signing_alg
    return (documented, True) if documented else ("RS256", False)


@pytest.mark.parametrize("mode", jarm.JARM_MODES)
@requirement("JARM-2.3", "JARM-2.1")
def test_response_mode(target: Target, user_agent: Any, mode: str) -> None:
    """Each JWT response mode delivers one ``response`` JWT where the mode says, with iss, aud, exp, code, state."""
    client = _jarm_client(target)
    _mode_offered(target, mode)
    request, _, response = _response(target, user_agent, client, mode)
    findings = Findings()
    findings.check(jarm.check_delivery, mode, request.params["response_type"], response.delivered_in,
                   response.outer_params)
    findings.check(jarm.check_response_claims, response.claims, issuer=str(target.metadata.get("issuer")),
                   client_id=client.id, state=request.state)
    findings.raise_if_any()


@requirement("JARM-2.2", "JARM-3", "DOC-jarm_signing_alg")
def test_signature(target: Target, user_agent: Any) -> None:
    """The response JWT is signed with the registered algorithm (default RS256) by a key in the issuer's JWKS."""
    client = _jarm_client(target)
    _, _, response = _response(target, user_agent, client, _default_mode(target))
    assert response.jws is not None
    alg, documented = _expected_alg(client)
    jarm.check_signature(response.jws, issuer_keys(target), expected_alg=alg, documented=documented,
                         allowed_algs=ASYMMETRIC_ALGS, client_secret=_secret(client))


@requirement("JARM-2.2", "DOC-jarm_encryption", "JARM-3-encryption")
def test_encrypted_response(target: Target, user_agent: Any) -> None:
    """With encryption registered, the response is a JWE (registered alg/enc) around a valid signed JWT."""
    client = _encrypted_client(target)
    settings = client.documented.jarm_encryption
    assert settings is not None
    mode = _default_mode(target)
    request, outcome = authorize(target, user_agent, client, response_mode=mode)
    delivered, raw, outer = require_response(outcome, mode)
    findings = Findings()
    header = jose.decode_jose_header(raw) if jose.is_jwe(raw) else None
    findings.check(jarm.check_encryption, header, expected_alg=settings.alg, expected_enc=settings.enc)
    response = findings.check(open_response, client, delivered, raw, outer)
    if response is not None and response.jws is not None:
        alg, documented = _expected_alg(client)
        findings.check(jarm.check_signature, response.jws, issuer_keys(target), expected_alg=alg,
                       documented=documented, allowed_algs=ASYMMETRIC_ALGS, client_secret=_secret(client))
        findings.check(jarm.check_response_claims, response.claims, issuer=str(target.metadata.get("issuer")),
                       client_id=client.id, state=request.state)
    findings.raise_if_any()


@requirement("JARM-2.1", "RFC6749-4.1.2.1")
def test_error_response_is_jarm(target: Target, user_agent: Any) -> None:
    """An authorization error requested with ``response_mode=jwt`` comes back as a response JWT (error, state)."""
    client = _jarm_client(target)
    request, _, response = _response(target, user_agent, client, _default_mode(target),
                                     response_type="code_unknown_type")
    jarm.check_error_claims(response.claims, issuer=str(target.metadata.get("issuer")), client_id=client.id,
                            state=request.state, expected_errors={"unsupported_response_type", "invalid_request"})


@requirement("DOC-require_jarm")
def test_documented_require_jarm(target: Target, user_agent: Any) -> None:
    """A client documented as "Require JARM" gets no plain code response for a request without a JWT mode."""
    clients = [c for c in target.profile.clients if _eligible(c) and c.documented.require_jarm]
    if not clients:
        pytest.skip("the profile documents no client that requires JARM (documented.require_jarm)")
    _, outcome = authorize(target, user_agent, clients[0])
    params = outcome.params if outcome.redirected else {}
    jarm.check_jarm_required(params, response_jwt_present=find_response(outcome) is not None,
                             redirected=outcome.redirected)


@requirement("RFC8414-2-supported", "JARM-4", "OIDCD-3-response_modes_supported")
def test_jarm_advertised(target: Target, user_agent: Any) -> None:
    """``response_modes_supported`` lists the JWT modes that work; the JARM algorithm members list those used."""
    client = _jarm_client(target)
    working: list[str] = []
    signing_alg: str | None = None
    for mode in jarm.JARM_MODES:
        _, outcome = authorize(target, user_agent, client, response_mode=mode)
        found = find_response(outcome)
        if found is None:
            continue
        working.append(mode)
        if signing_alg is None:
            signing_alg = open_response(client, *found).header.get("alg")
    encryption: tuple[str, str] | None = None
    try:
        enc_client = _encrypted_client(target)
    except NotApplicable:
        enc_client = None
    if enc_client is not None:
        _, outcome = authorize(target, user_agent, enc_client, response_mode="jwt")
        found = find_response(outcome)
        if found is not None:
            opened = open_response(enc_client, *found)
            if opened.jwe_header is not None:
                encryption = (str(opened.jwe_header.get("alg")), str(opened.jwe_header.get("enc")))
    metadata = target.fetch_metadata_fresh()
    listed = metadata.get("response_modes_supported")
    if not working and not (isinstance(listed, list) and any(m in listed for m in jarm.JARM_MODES)):
        raise NeedsReview("no JWT response mode produced a response JWT and none is advertised: nothing to compare "
                          "(the jarm.response_mode checks report the failures)")
    jarm.check_jarm_advertised(metadata, working_modes=working, signing_alg=signing_alg, encryption=encryption,
                               tried_modes=jarm.JARM_MODES)
