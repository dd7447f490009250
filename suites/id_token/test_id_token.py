"""ID Token validation: OpenID Connect Core §2, §3.1.3.7, §3.2.2.11, §3.3.2.11, §5.3.2, §10."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest

from harness import evidence, jose
from harness.flows.authorization import AuthorizationRequest, build_authorization_request
from harness.flows.code_flow import CodeFlow, authorize, complete_code_flow, obtain_code
from harness.flows.jarm import open_response, require_response
from harness.flows.par import by_reference, push, pushed_or_fail
from harness.flows.request_object import by_value, request_object_claims, sign_request_object
from harness.flows.token import redeem_code
from harness.http import json_object
from harness.profile import Client
from harness.results import Findings, ProfileError, fail
from harness.specs import documented as documented_spec
from harness.specs import oidc_core, rfc7517
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement
ASYMMETRIC_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


@dataclass
class IdTokenSample:
    """An ID Token as received, decoded, plus what the client sent for it."""

    flow: CodeFlow
    client: Client
    raw: str
    received_at: float
    jws: jose.DecodedJWT | None = None  # None while still encrypted

    @property
    def decoded(self) -> jose.DecodedJWT:
        """The decoded JWS; an encrypted token for a client that registered no encryption is a failure.

        The checks reading this property run with signed-only clients (:func:`_code_client`),
        so a JWE here is the target's fault: Registration §2 ``id_token_encrypted_response_alg``
        "The default, if omitted, is that no encryption is performed."
        """
        if self.jws is None:
            raise fail("ID_TOKEN_UNEXPECTEDLY_ENCRYPTED", f"client {self.client.id} registered no ID Token "
                       "encryption but the ID Token is a JWE", "OIDCR-2-id_token_encrypted_response_alg",
                       expected="JWS", actual="JWE")
        return self.jws

    @property
    def secret(self) -> str | None:
        """The client secret (the key of HS* ID Tokens, OIDC Core §3.1.3.7 rule 8), when the client has one."""
        return self.client.secret.get_secret_value() if self.client.secret is not None else None


def _jwks(target: Target) -> jose.JWKS:
    """The issuer's keys, fetched fresh so a key rollover (or a test defect) is seen.

    A ``jwks_uri`` answer that is no JWK Set fails the check with RFC 7517 §5 (target fault).
    """
    response = target.http.get_idempotent(target.endpoint("jwks_uri"), label="jwks")
    return rfc7517.published_keys(response.status_code, response.content)


def _code_clients(target: Target) -> list[Client]:
    """Every confidential OpenID code-flow client with asymmetric, unencrypted ID tokens, in profile order."""
    found = []
    for client in target.profile.clients:
        doc = client.documented
        if (client.use_in_suites and not client.is_public and "authorization_code" in client.grant_types
                and "openid" in client.scope.split() and doc.id_token_encryption is None
                and doc.id_token_signing_alg not in jose.HS_ALGS
                and not (doc.require_par or doc.require_signed_requests or doc.require_jarm)):
            found.append(client)
    return found


def _code_client(target: Target) -> Client:
    clients = _code_clients(target)
    if not clients:
        raise NotApplicable("the profile has no confidential OpenID client with asymmetric, unencrypted ID tokens")
    return clients[0]


def _protected_flow(target: Target, user_agent: Any, client: Client, **build: Any) -> CodeFlow:
    """The code flow for a client documented to require PAR, signed requests or JARM, done its way.

    Each documented requirement is honoured, so the request is valid for the client:
    ``require_signed_requests`` sends a signed request object (pushed when PAR is also
    required), ``require_par`` pushes the request, ``require_jarm`` asks for
    ``response_mode=jwt`` and takes the code out of the response JWT.
    """
    doc = client.documented
    request = build_authorization_request(target, client, response_mode="jwt" if doc.require_jarm else None,
                                          **build)
    front: AuthorizationRequest = request
    if doc.require_signed_requests:
        token = sign_request_object(target, client, request_object_claims(target, request))
        if doc.require_par:
            pushed = push(target, client, {"client_id": client.id, "request": token}, request=request)
            front = by_reference(target, request, pushed_or_fail(pushed))
        else:
            front = by_value(target, request, token)
    elif doc.require_par:
        pushed = push(target, client, dict(request.params), request=request)
        front = by_reference(target, request, pushed_or_fail(pushed))
    outcome = user_agent().authorize(front.url(), user=target.user(0), redirect_uri=request.redirect_uri)
    if doc.require_jarm:
        delivered, raw, outer = require_response(outcome, "jwt")
        code = open_response(client, delivered, raw, outer).params.get("code")
    else:
        code = outcome.params.get("code") if outcome.redirected else None
    if not code:
        raise fail("PRECONDITION_AUTHORIZATION_FAILED",
                   f"a valid authorization request for client {client.id} did not return a code",
                   "RFC6749-4.1.2", expected="redirect with code", actual=outcome.describe())
    flow = CodeFlow(request=request, outcome=outcome)
    flow.token = redeem_code(target, client, code, redirect_uri=request.redirect_uri,
                             code_verifier=request.code_verifier)
    if not flow.token.ok:
        raise fail("PRECONDITION_TOKEN_REQUEST_FAILED",
                   f"redeeming a fresh code for client {client.id} did not return tokens", "RFC6749-4.1.4",
                   expected="HTTP 200 with access_token",
                   actual=f"HTTP {flow.token.response.status_code} error={flow.token.error}")
    return flow


def _from_token_endpoint(target: Target, user_agent: Any, client: Client | None = None,
                         **build: Any) -> IdTokenSample:
    client = client or _code_client(target)
    doc = client.documented
    if doc.require_par or doc.require_signed_requests or doc.require_jarm:
        flow = _protected_flow(target, user_agent, client, **build)
    else:
        flow = complete_code_flow(target, user_agent, client, **build)
    body = flow.token.body if flow.token else None
    raw = body.get("id_token") if body else None
    if not isinstance(raw, str):
        raise fail("ID_TOKEN_MISSING", "a successful openid token response has no id_token", "OIDCC-3.1.3.3",
                   expected="id_token", actual=sorted(body or {}))
    return _sample(flow, client, raw)


def _sample(flow: CodeFlow, client: Client, raw: str) -> IdTokenSample:
    received = time.time()
    if jose.is_jwe(raw):
        evidence.record_token("id_token (JWE protected header)", jose.decode_jose_header(raw), {})
        return IdTokenSample(flow=flow, client=client, raw=raw, received_at=received)
    try:
        decoded = jose.decode_unverified(raw)
    except jose.JoseError as exc:
        raise fail("ID_TOKEN_MALFORMED", f"the ID Token is not a JWT: {exc}", "OIDCC-2-signed") from exc
    evidence.record_token("id_token", decoded.header, decoded.claims)
    return IdTokenSample(flow=flow, client=client, raw=raw, received_at=received, jws=decoded)


def _expected_alg(client: Client) -> str:
    return client.documented.id_token_signing_alg


@requirement("OIDCC-3.1.3.7-6", "OIDCC-10.1-kid")
def test_signature_verifies(target: Target, user_agent: Any) -> None:
    """The ID Token signature verifies with the issuer's key selected by ``kid``."""
    sample = _from_token_endpoint(target, user_agent)
    oidc_core.check_id_token_signature(sample.raw, _jwks(target), allowed_algs=ASYMMETRIC_ALGS,
                                       expected_alg=_expected_alg(sample.client), client_secret=sample.secret,
                                       public_client=sample.client.is_public)


@requirement("OIDCC-2-none", "OIDCC-3.1.3.7-7", "OIDCR-2-id_token_signed_response_alg")
def test_alg_is_registered_and_not_none(target: Target, user_agent: Any) -> None:
    """The ID Token is signed (never ``alg: none``) with the registered/documented algorithm."""
    sample = _from_token_endpoint(target, user_agent)
    alg = sample.decoded.alg
    if alg == "none":
        raise fail("ID_TOKEN_UNSIGNED", "the ID Token uses alg none", "OIDCC-2-none",
                   expected=_expected_alg(sample.client), actual="none")
    if alg != _expected_alg(sample.client):
        raise fail("ID_TOKEN_ALG_UNEXPECTED", "the ID Token is not signed with the registered algorithm",
                   "OIDCR-2-id_token_signed_response_alg", expected=_expected_alg(sample.client), actual=alg)


@requirement("RFC7518-3.3")
def test_signing_key_size(target: Target, user_agent: Any) -> None:
    """The RSA key that signed the ID Token has at least 2048 bits."""
    sample = _from_token_endpoint(target, user_agent)
    if sample.decoded.alg in (*jose.HS_ALGS, "none"):
        # the client is registered for an asymmetric algorithm (_code_client): not a reason to skip
        raise fail("ID_TOKEN_ALG_UNEXPECTED", "the ID Token is not signed with the client's registered "
                   "asymmetric algorithm, so it has no signing key to judge", "OIDCR-2-id_token_signed_response_alg",
                   expected=_expected_alg(sample.client), actual=sample.decoded.alg)
    try:
        bits = oidc_core.check_id_token_key_size(sample.decoded, _jwks(target))
    except jose.JoseError as exc:
        raise fail("ID_TOKEN_KEY_NOT_FOUND", f"the signing key is not in the JWKS: {exc}",
                   "OIDCC-3.1.3.7-6") from exc
    evidence.note(f"signing key size: {bits} bits")


@requirement("OIDCC-3.1.3.7-2")
def test_issuer(target: Target, user_agent: Any) -> None:
    """``iss`` exactly matches the issuer."""
    sample = _from_token_endpoint(target, user_agent)
    oidc_core.check_id_token_issuer(sample.decoded.claims, str(target.metadata.get("issuer")))


@requirement("OIDCC-3.1.3.7-3")
def test_audience(target: Target, user_agent: Any) -> None:
    """``aud`` contains the client id and no untrusted audience."""
    sample = _from_token_endpoint(target, user_agent)
    oidc_core.check_id_token_audience(sample.decoded.claims, sample.client.id)


@requirement("OIDCC-2-azp")
def test_azp(target: Target, user_agent: Any) -> None:
    """``azp``, when present, equals the client id (errata set 2 no longer asks for it with several audiences)."""
    sample = _from_token_endpoint(target, user_agent)
    oidc_core.check_id_token_azp(sample.decoded.claims, sample.client.id)


@requirement("OIDCC-3.1.3.7-9")
def test_not_expired(target: Target, user_agent: Any) -> None:
    """``exp`` is in the future when the ID Token arrives."""
    sample = _from_token_endpoint(target, user_agent)
    oidc_core.check_id_token_expiry(sample.decoded.claims, now=sample.received_at)


@requirement("OIDCC-3.1.3.7-10")
def test_issued_at(target: Target, user_agent: Any) -> None:
    """``iat`` is present and close to the current time."""
    sample = _from_token_endpoint(target, user_agent)
    oidc_core.check_id_token_iat(sample.decoded.claims, now=sample.received_at)


@requirement("OIDCC-3.1.3.7-11")
def test_nonce_echoed(target: Target, user_agent: Any) -> None:
    """The ``nonce`` sent in the authorization request comes back unchanged."""
    sample = _from_token_endpoint(target, user_agent)
    oidc_core.check_id_token_nonce(sample.decoded.claims, sample.flow.request.nonce)


@requirement("OIDCC-2-auth_time", "OIDCC-3.1.2.1-max_age")
def test_auth_time_with_max_age(target: Target, user_agent: Any) -> None:
    """With ``max_age`` requested, ``auth_time`` is present and recent enough."""
    sample = _from_token_endpoint(target, user_agent, extra={"max_age": "300"})
    oidc_core.check_id_token_auth_time(sample.decoded.claims, now=sample.received_at, max_age=300)


@requirement("OIDCC-5.5.1.1-essential", "OIDCC-3.1.3.7-12")
def test_acr_essential(target: Target, user_agent: Any) -> None:
    """An ``acr`` requested as essential with values comes back as one of them."""
    values = target.profile.documented.acr_values or target.metadata.get("acr_values_supported") or []
    if not values:
        pytest.skip("the target neither documents nor advertises acr values")
    if target.metadata.get("claims_parameter_supported") is not True:
        pytest.skip("the target does not support the claims parameter")
    claims = {"id_token": {"acr": {"essential": True, "values": list(values)}}}
    sample = _from_token_endpoint(target, user_agent, extra={"claims": json.dumps(claims)})
    oidc_core.check_id_token_acr(sample.decoded.claims, requested=list(values), essential=True)


@requirement("OIDCC-5.3.2-sub_match")
def test_userinfo_sub_matches(target: Target, user_agent: Any) -> None:
    """The UserInfo ``sub`` equals the ID Token ``sub``."""
    userinfo = target.endpoint("userinfo_endpoint")  # skipped before any login when not advertised
    sample = _from_token_endpoint(target, user_agent)
    assert sample.flow.token is not None and sample.flow.token.body is not None
    access_token = str(sample.flow.token.body["access_token"])
    response = target.http.get(userinfo, label="userinfo", headers={"Authorization": f"Bearer {access_token}"})
    if response.status_code != 200:
        raise fail("USERINFO_REFUSED", "the UserInfo endpoint refused a fresh access token", "OIDCC-5.3.2-response",
                   expected=200, actual=response.status_code)
    oidc_core.check_userinfo_sub(json_object(response, "UserInfo response"), sample.decoded.claims)


def _front_channel_id_token(target: Target, user_agent: Any,
                            response_type: str) -> tuple[IdTokenSample, dict[str, str]]:
    wanted = set(response_type.split())  # the order of the values does not matter (RFC 6749 §3.1.1)
    # every suitable client is tried (not only the first), and the evidence names the one used
    registered = [c for c in _code_clients(target) if any(set(str(v).split()) == wanted for v in c.response_types)]
    if not registered:
        raise NotApplicable(f"no confidential OpenID client with asymmetric, unencrypted ID tokens is registered "
                            f"for response_type={response_type!r}")
    client = registered[0]
    evidence.note(f"client {client.id} is the first registered for response_type={response_type!r}")
    if not any(set(str(value).split()) == wanted for value in target.metadata.get("response_types_supported") or []):
        raise NotApplicable(f"the target does not support response_type={response_type!r}")
    if "code" in response_type.split():
        flow = obtain_code(target, user_agent, client, response_type=response_type, pkce="none")
    else:
        request, outcome = authorize(target, user_agent, client, response_type=response_type, pkce="none")
        flow = CodeFlow(request=request, outcome=outcome)
    params = flow.outcome.params
    raw = params.get("id_token")
    if not raw:
        # §3.2.2.5 (implicit; the hybrid response §3.3.2.5 is "made in the same manner"): id_token REQUIRED
        raise fail("ID_TOKEN_MISSING", f"response_type={response_type} returned no id_token",
                   "OIDCC-3.2.2.5", expected="id_token", actual=sorted(params))
    return _sample(flow, client, raw), params


@requirement("OIDCC-3.3.2.11-c_hash", "OIDCC-3.3.2.10")
def test_c_hash(target: Target, user_agent: Any) -> None:
    """In a hybrid ``code id_token`` response, ``c_hash`` is present and matches the code."""
    sample, params = _front_channel_id_token(target, user_agent, "code id_token")
    oidc_core.check_c_hash(sample.decoded.claims, params["code"], sample.decoded.alg or "", required=True)


@requirement("OIDCC-3.3.2.11-at_hash", "OIDCC-3.2.2.9")
def test_at_hash(target: Target, user_agent: Any) -> None:
    """In a ``code id_token token`` response, ``at_hash`` is present and matches the access token."""
    sample, params = _front_channel_id_token(target, user_agent, "code id_token token")
    if "access_token" not in params:
        raise fail("ACCESS_TOKEN_MISSING", "response_type=code id_token token returned no access_token",
                   "OAUTHMR-5-code_id_token_token", expected="access_token", actual=sorted(params))
    oidc_core.check_at_hash(sample.decoded.claims, params["access_token"], sample.decoded.alg or "",
                            required=True)


@requirement("OIDCC-3.2.2.11")
def test_implicit_nonce(target: Target, user_agent: Any) -> None:
    """An implicit ``id_token`` response carries the ``nonce`` (REQUIRED for implicit)."""
    sample, _ = _front_channel_id_token(target, user_agent, "id_token")
    oidc_core.check_id_token_nonce(sample.decoded.claims, sample.flow.request.nonce)


def _client_where(target: Target, purpose: str, predicate: Any) -> Client:
    """The first client matching ``predicate``, preferring one with no PAR/JAR/JARM requirement."""
    matching = [c for c in target.profile.clients
                if c.use_in_suites and "authorization_code" in c.grant_types and predicate(c)]
    for client in matching:
        doc = client.documented
        if not (doc.require_par or doc.require_signed_requests or doc.require_jarm):
            return client
    if matching:
        return matching[0]  # its documented requirements are honoured by _protected_flow
    raise NotApplicable(f"the profile has no client with {purpose}")


@requirement("OIDCC-3.1.3.7-1", "OIDCC-10.2")
def test_encrypted_id_token(target: Target, user_agent: Any) -> None:
    """An ID Token registered as encrypted decrypts with the client's key and the registered alg/enc."""
    client = _client_where(target, "documented ID token encryption",
                           lambda c: c.documented.id_token_encryption is not None and c.jwks_file is not None)
    settings = client.documented.id_token_encryption
    assert settings is not None and client.jwks_file is not None
    sample = _from_token_endpoint(target, user_agent, client)
    expectations = oidc_core.IdTokenExpectations(
        issuer=str(target.metadata.get("issuer")), client_id=client.id, keys=_jwks(target),
        allowed_algs=(*ASYMMETRIC_ALGS, *jose.HS_ALGS), expected_alg=client.documented.id_token_signing_alg,
        client_secret=sample.secret, public_client=client.is_public,
        nonce=sample.flow.request.nonce, decryption_keys=jose.load_private_jwks(client.jwks_file),
        encryption_alg=settings.alg, encryption_enc=settings.enc)
    decoded, findings = oidc_core.validate_id_token(sample.raw, expectations, now=sample.received_at)
    if decoded is not None:
        evidence.record_token("id_token (decrypted)", decoded.header, decoded.claims)
    findings.raise_if_any()


@requirement("OIDCC-3.1.3.7-8", "OIDCC-10.1-symmetric")
def test_hs256_id_token(target: Target, user_agent: Any) -> None:
    """An HS256 ID Token verifies with the octets of the client secret."""
    client = _client_where(target, "documented HS* ID token signing",
                           lambda c: c.documented.id_token_signing_alg in jose.HS_ALGS and c.secret is not None)
    assert client.secret is not None
    sample = _from_token_endpoint(target, user_agent, client)
    # the issuer's keys too: a token signed with another algorithm is judged, not a harness error
    oidc_core.check_id_token_signature(sample.raw, _jwks(target), allowed_algs=jose.HS_ALGS,
                                       expected_alg=client.documented.id_token_signing_alg,
                                       client_secret=client.secret.get_secret_value())


@requirement("OIDCC-3.1.3.7", "OIDCC-2")
def test_full_validation(target: Target, user_agent: Any) -> None:
    """Every §3.1.3.7 rule at once on a code-flow ID Token requested with ``max_age``."""
    sample = _from_token_endpoint(target, user_agent, extra={"max_age": "600"})
    assert sample.flow.token is not None and sample.flow.token.body is not None
    expectations = oidc_core.IdTokenExpectations(
        issuer=str(target.metadata.get("issuer")), client_id=sample.client.id, keys=_jwks(target),
        allowed_algs=ASYMMETRIC_ALGS, expected_alg=_expected_alg(sample.client), nonce=sample.flow.request.nonce,
        client_secret=sample.secret, public_client=sample.client.is_public,
        max_age=600, access_token=str(sample.flow.token.body.get("access_token", "")) or None)
    _, findings = oidc_core.validate_id_token(sample.raw, expectations, now=sample.received_at)
    findings.raise_if_any()


@requirement("OIDCC-5.7")
def test_sub_stable(target: Target, user_agent: Any) -> None:
    """The same user gets the same ``sub`` in two separate logins with the same client."""
    first = _from_token_endpoint(target, user_agent)
    second = _from_token_endpoint(target, user_agent)
    findings = Findings()
    first_sub = findings.check(oidc_core.check_id_token_sub, first.decoded.claims)
    second_sub = findings.check(oidc_core.check_id_token_sub, second.decoded.claims)
    findings.raise_if_any()
    oidc_core.check_sub_stable(str(first_sub), str(second_sub))


@requirement("DOC-id_token_lifetime_s")
def test_documented_lifetime(target: Target, user_agent: Any) -> None:
    """``exp - iat`` of an ID Token equals the documented ID token lifetime (``documented.id_token_lifetime_s``)."""
    documented = target.profile.documented.id_token_lifetime_s
    if documented is None:
        pytest.skip("the profile does not document the ID token lifetime (documented.id_token_lifetime_s)")
    sample = _from_token_endpoint(target, user_agent)
    lifetime = documented_spec.check_documented_lifetime(
        sample.decoded.claims, documented, requirement="DOC-id_token_lifetime_s", what="ID Token",
        code_prefix="ID_TOKEN")
    evidence.note(f"ID Token lifetime {lifetime}s (documented {documented}s)")


def _relying_party_client(target: Target) -> Client:
    """The client the harness validates as relying party: the stated one, else an HS* one for ``client_secret``."""
    stated = target.profile.documented.relying_party
    if stated.client is not None:
        return target.profile.client(stated.client)  # ProfileError (broken) for an unknown id
    if stated.key_source == "client_secret":
        return _client_where(target, "a client_secret and documented HS* ID token signing",
                             lambda c: c.documented.id_token_signing_alg in jose.HS_ALGS and c.secret is not None)
    return _code_client(target)


def _relying_party_expectations(target: Target, client: Client) -> oidc_core.RelyingPartyExpectations:
    """``documented.relying_party`` with its defaults resolved; keys fetched from a stated ``jwks_url``."""
    stated = target.profile.documented.relying_party
    keys = None
    if stated.jwks_url is not None:
        if not target.on_target(stated.jwks_url):
            raise ProfileError(f"documented.relying_party.jwks_url {stated.jwks_url} is on no origin the profile "
                               "allows (hint: add its origin to allowed_origins)")
        response = target.http.get_idempotent(stated.jwks_url, label="relying party jwks_url")
        keys = rfc7517.published_keys(response.status_code, response.content)
    return oidc_core.RelyingPartyExpectations(
        accepted_issuer=stated.accepted_issuer or target.profile.issuer,
        accepted_audiences=tuple(stated.accepted_audiences or [client.id]),
        accepted_authorized_parties=tuple(stated.accepted_authorized_parties or [client.id]),
        key_source=stated.key_source, jwks_url=stated.jwks_url, stated_keys=keys)


@requirement("DOC-relying_party.accepted_issuer", "DOC-relying_party.accepted_audiences",
             "DOC-relying_party.accepted_authorized_parties", "DOC-relying_party.key_source",
             "DOC-relying_party.jwks_url", "OIDCC-3.1.3.7")
def test_documented_relying_party(target: Target, user_agent: Any) -> None:
    """The harness as relying party (``documented.relying_party``): §3.1.3.7 plus the stated acceptance rules.

    The accepted issuer, audiences and authorized parties and the key source (PingAM OpenID Connect
    module) only add findings (``DOC-relying_party.*``) to the full validation; the spec checks of
    this suite judge the same token kinds unchanged. Skipped before asking when no setting is
    stated (the defaults — the profile's issuer, the client's id, the discovery ``jwks_uri`` —
    would only repeat ``id_token.full_validation``).
    """
    if not target.profile.documented.relying_party.model_fields_set:
        pytest.skip("the profile states no relying-party setting (documented.relying_party)")
    client = _relying_party_client(target)
    stated = _relying_party_expectations(target, client)
    sample = _from_token_endpoint(target, user_agent, client)
    encryption = client.documented.id_token_encryption  # a stated client may have encrypted ID Tokens
    expectations = oidc_core.IdTokenExpectations(
        issuer=str(target.metadata.get("issuer")), client_id=client.id, keys=_jwks(target),
        allowed_algs=(*ASYMMETRIC_ALGS, *jose.HS_ALGS), expected_alg=_expected_alg(client),
        nonce=sample.flow.request.nonce, client_secret=sample.secret, public_client=client.is_public,
        decryption_keys=jose.load_private_jwks(client.jwks_file) if encryption and client.jwks_file else None,
        encryption_alg=encryption.alg if encryption else None, encryption_enc=encryption.enc if encryption else None,
        relying_party=stated)
    decoded, findings = oidc_core.validate_id_token(sample.raw, expectations, now=sample.received_at)
    if decoded is not None:
        evidence.note(f"relying party: iss {stated.accepted_issuer}, aud one of {list(stated.accepted_audiences)}, "
                      f"authorized parties {list(stated.accepted_authorized_parties)}, keys by {stated.key_source}")
    findings.raise_if_any()
