"""Documented headers of JWT access tokens that the ``jwt_access_token`` suite does not judge (issue 21).

PingFederate's JSON Web Token access-token manager: "Include X.509 Thumbprint Header Parameter"
(``jwt_access_token.x5t_header`` sees that the header is there; this suite compares it with the
certificate of the signing key the JWK Set publishes, ``x5c``) and, for encrypted tokens, "Include
JWE Key ID header parameter" / "Include JWE X.509 Thumbprint Header Parameter".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from harness import evidence, jose
from harness.flows.code_flow import obtain_code
from harness.flows.dpop import DpopSession, obtain_bound_tokens, redeem_params
from harness.flows.introspection import introspect, introspection_caller
from harness.flows.resource import introspect as resource_introspect
from harness.flows.resource import introspection_client, plain_code_flow
from harness.flows.revocation import revoke
from harness.flows.token import obtain_tokens, token_request
from harness.http import try_json_document
from harness.profile import Client
from harness.profile.documented import ResourceServer
from harness.results import Findings, NeedsReview, fail
from harness.specs import documented, rfc7517, rfc9068
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement


def _jwt_access_token(target: Target, user_agent: Any) -> tuple[str, ResourceServer | None]:
    """A JWT access token (and the resource it is for): server-wide JWT ones, else one for a documented JWT resource."""
    settings = target.profile.documented.access_token
    client = target.pick_client(purpose="JWT access tokens", confidential=True)
    if settings.format == "jwt":
        return obtain_tokens(target, user_agent, client).access_token, None
    resource = next((r for r in target.profile.documented.resources
                     if r.access_token_format == "jwt" and r.audience), None)
    if resource is None or resource.audience is None:
        raise NotApplicable("the profile documents no JWT access tokens (documented.access_token.format: jwt, or a "
                            "resource with access_token_format: jwt and an audience)")
    scope = " ".join([client.scope, resource.scope or ""]).strip()
    tokens = obtain_tokens(target, user_agent, client, scope=scope, resource=resource.audience)
    return tokens.access_token, resource


@requirement("DOC-access_token.x5t_header")
def test_access_token_x5t_certificate(target: Target, user_agent: Any) -> None:
    """The documented ``x5t`` header of JWT access tokens is the SHA-1 thumbprint of the signing key's certificate.

    The certificate is the first ``x5c`` entry of the key the ``kid`` header names, in the JWK
    Set at the documented access-token JWKS URL (else the discovery ``jwks_uri``); without one the
    check needs review.
    """
    settings = target.profile.documented.access_token
    if not settings.x5t_header:
        pytest.skip("the profile does not document an x5t header in JWT access tokens "
                    "(documented.access_token.x5t_header: true)")
    decoded = _signed_access_token(target, user_agent)
    url = settings.jwks_url or target.endpoint("jwks_uri")
    response = target.http.get_idempotent(url, label="JWK Set with the signing certificates")
    document = try_json_document(response) or {}
    keys = [k for k in document.get("keys") or [] if isinstance(k, dict)]
    kid = documented.check_x5t_matches_certificate(decoded.header, keys)
    evidence.note(f"x5t is the SHA-1 thumbprint of x5c[0] of key {kid!r} at {url}")


@requirement("DOC-access_token.jwe_kid_header", "DOC-access_token.jwe_x5t_header")
def test_access_token_jwe_headers(target: Target, user_agent: Any) -> None:
    """The JWE header of encrypted JWT access tokens has ``kid`` / ``x5t`` exactly as documented.

    A ``kid`` must name a key of the resource server where the profile has its private JWKS
    (``documented.resources[].jwks_file``), and a documented ``x5t`` must be the SHA-1 thumbprint of
    the certificate (``x5c``) of that key where the JWKS has one; the JWE's ``alg``/``enc`` are
    ``jwt_access_token.encrypted_when_documented``'s.
    """
    settings = target.profile.documented.access_token
    if settings.encryption is None or (settings.jwe_kid_header is None and settings.jwe_x5t_header is None):
        pytest.skip("the profile documents no JWE header parameters of encrypted access tokens "
                    "(documented.access_token.encryption with jwe_kid_header / jwe_x5t_header)")
    raw, resource = _jwt_access_token(target, user_agent)
    if not jose.is_jwe(raw):
        raise fail("AT_NOT_ENCRYPTED", "the access token is not a JWE although encryption is documented",
                   "DOC-access_token.encryption", expected=f"{settings.encryption.alg}/{settings.encryption.enc}",
                   actual="not a JWE")
    header = jose.decode_jose_header(raw)
    evidence.record_token("access token (JWE protected header)", header, {})
    recipient_kids = None
    certificates: dict[str, str] = {}
    if resource is not None and resource.jwks_file is not None:
        recipient = jose.load_private_jwks(resource.jwks_file)
        recipient_kids = {kid for kid in recipient.kids() if kid}
        certificates = {str(m.get("kid")): m["x5c"][0] for m in recipient.members
                        if isinstance(m.get("x5c"), list) and m["x5c"] and isinstance(m["x5c"][0], str)}
    matched = documented.check_jwe_headers(header, kid=settings.jwe_kid_header, x5t=settings.jwe_x5t_header,
                                           recipient_kids=recipient_kids, recipient_certificates=certificates)
    if matched is not None:
        evidence.note(f"the JWE x5t is the SHA-1 thumbprint of x5c[0] of the resource server's key {matched!r}")
    elif settings.jwe_x5t_header and header.get("x5t"):
        evidence.note("x5t present as documented; its value was not compared: the resource server's private JWKS "
                      "(documented.resources[].jwks_file) has no certificate (x5c)")


@requirement("DOC-access_token.encryption", "RFC9068-2.1", "RFC9068-2.2")
def test_access_token_jwe_decrypts(target: Target, user_agent: Any) -> None:
    """An encrypted JWT access token decrypts with the resource server's keys to a signed RFC 9068 JWT.

    The resource is the first documented JWT resource with a private JWKS (``jwks_file``); only the
    documented ``alg``/``enc`` are allowed. The inner JWT must verify with the issuer's keys (and the
    documented JWS algorithm) — an HMAC-signed one with ``documented.access_token.hmac_key``, else it is
    left for review (:func:`rfc9068.check_hmac_signature`) — and carry RFC 9068's required claims and issuer.
    """
    settings = target.profile.documented.access_token
    resource = next((r for r in target.profile.documented.resources
                     if r.access_token_format == "jwt" and r.audience and r.jwks_file is not None), None)
    if settings.encryption is None or resource is None or resource.jwks_file is None:
        pytest.skip("the profile documents no encrypted JWT access tokens for a resource with its private keys "
                    "(documented.access_token.encryption, documented.resources[].jwks_file)")
    raw, used = _jwt_access_token(target, user_agent)
    if used is not resource:
        raise NotApplicable("the first documented JWT resource has no private JWKS to decrypt its tokens with")
    if not jose.is_jwe(raw):
        raise fail("AT_NOT_ENCRYPTED", "the access token is not a JWE although encryption is documented",
                   "DOC-access_token.encryption", expected=f"{settings.encryption.alg}/{settings.encryption.enc}",
                   actual="not a JWE")
    inner = documented.decrypt_access_token(raw, jose.load_private_jwks(resource.jwks_file),
                                            settings.encryption.alg, settings.encryption.enc)
    if jose.decode_unverified(inner).alg in jose.HS_ALGS:  # a shared key no jwks_uri publishes (RFC 9068 §4)
        key = settings.hmac_key.get_secret_value() if settings.hmac_key is not None else None
        decoded = rfc9068.check_hmac_signature(inner, key, expected_alg=settings.signing_alg)
    else:
        response = target.http.get_idempotent(target.endpoint("jwks_uri"), label="jwks")
        decoded = rfc9068.check_signature(inner, rfc7517.published_keys(response.status_code, response.content),
                                          expected_alg=settings.signing_alg)
    evidence.record_token("access token (decrypted)", decoded.header, decoded.claims)
    findings = Findings()
    findings.check(rfc9068.check_required_claims, decoded.claims, client_id_claim=settings.client_id_claim)
    findings.check(rfc9068.check_issuer, decoded.claims, str(target.metadata.get("issuer")))
    findings.raise_if_any()


def _signed_access_token(target: Target, user_agent: Any) -> jose.DecodedJWT:
    """A signed (JWS) JWT access token, decoded without verification (recorded in the evidence)."""
    if target.profile.documented.access_token.encryption is not None:
        raise NotApplicable("the profile documents encrypted (JWE) access tokens; the signed token's header is "
                            "inside the encryption")
    raw, _ = _jwt_access_token(target, user_agent)
    try:
        decoded = jose.decode_unverified(raw)
    except jose.JoseError as exc:
        raise fail("AT_NOT_JWT", f"the access token is not a JWT ({exc})", "DOC-access_token.format",
                   expected="a JWT access token", actual=exc.code) from exc
    evidence.record_token("access token", decoded.header, decoded.claims)
    return decoded


@requirement("DOC-access_token.signing_kid")
def test_access_token_signing_kid(target: Target, user_agent: Any) -> None:
    """JWT access tokens are signed with the documented active key: their ``kid`` header names it."""
    kid = target.profile.documented.access_token.signing_kid
    if kid is None:
        pytest.skip("the profile documents no active signing key of JWT access tokens "
                    "(documented.access_token.signing_kid)")
    decoded = _signed_access_token(target, user_agent)
    documented.check_signing_kid(decoded.header, kid)


@requirement("DOC-access_token.x509_kid_url", "DOC-access_token.x509_x5t_url")
def test_access_token_x509_urls(target: Target, user_agent: Any) -> None:
    """The documented X.509 URLs serve the signing certificate of JWT access tokens by key ID and by thumbprint.

    The certificate must be the first ``x5c`` entry of the signing key (the one the token's ``kid``
    names) in the JWK Set at the documented access-token JWKS URL, else the discovery ``jwks_uri``;
    the thumbprint is the token's ``x5t`` header, else the SHA-1 thumbprint of that certificate.
    """
    settings = target.profile.documented.access_token
    if settings.x509_kid_url is None and settings.x509_x5t_url is None:
        pytest.skip("the profile documents no published X.509 URL (documented.access_token.x509_kid_url / "
                    "x509_x5t_url)")
    decoded = _signed_access_token(target, user_agent)
    url = settings.jwks_url or target.endpoint("jwks_uri")
    document = try_json_document(target.http.get_idempotent(url, label="JWK Set with the signing certificates")) or {}
    kid = decoded.header.get("kid")
    key = next((k for k in document.get("keys") or [] if isinstance(k, dict) and isinstance(kid, str)
                and k.get("kid") == kid and isinstance(k.get("x5c"), list) and k["x5c"]
                and isinstance(k["x5c"][0], str)), None)
    if key is None:
        raise NeedsReview(f"the JWK Set at {url} publishes no certificate (x5c) for the signing key (kid {kid!r}), "
                          "so the published certificate cannot be compared with it")
    certificate = str(key["x5c"][0])
    findings = Findings()
    if settings.x509_kid_url is not None:
        response = target.http.get_idempotent(f"{settings.x509_kid_url}?{urlencode({'v': kid})}",
                                              label="certificate by key ID")
        findings.check(documented.check_published_certificate, response.status_code, response.content, certificate,
                       setting="x509_kid_url", what="Key ID X.509 URL")
    if settings.x509_x5t_url is not None:
        x5t = decoded.header.get("x5t")
        thumbprint = x5t if isinstance(x5t, str) and x5t else documented.sha1_thumbprint(certificate)
        response = target.http.get_idempotent(f"{settings.x509_x5t_url}?{urlencode({'v': thumbprint or ''})}",
                                              label="certificate by thumbprint")
        findings.check(documented.check_published_certificate, response.status_code, response.content, certificate,
                       setting="x509_x5t_url", what="Thumbprint X.509 URL")
    findings.raise_if_any()


@pytest.mark.needs("introspection_endpoint")
@requirement("DOC-introspection.jwt_access_tokens", "DOC-access_token.grant_id_claim")
def test_jwt_access_token_introspection(target: Target, user_agent: Any) -> None:
    """A JWT access token sent for validation introspects active; once its grant is revoked, inactive.

    The caller is the documented introspection client (the resource server). Where the profile also
    documents the grant GUID claim and the server offers revocation, the token's refresh token is
    revoked (RFC 7009, as the client it was issued to) and the JWT access token must then introspect
    inactive: PingFederate "checks the grant database to ensure the grant is still valid".
    """
    settings = target.profile.documented
    if not settings.introspection.jwt_access_tokens:
        pytest.skip("the profile does not document validation of JWT access tokens by introspection "
                    "(documented.introspection.jwt_access_tokens)")
    if settings.access_token.encryption is not None:
        raise NotApplicable("the profile documents encrypted access tokens; this check sends signed ones")
    client = target.pick_client(purpose="JWT access tokens", confidential=True)
    resource = None
    if settings.access_token.format != "jwt":
        resource = next((r for r in settings.resources if r.access_token_format == "jwt" and r.audience), None)
        if resource is None:
            raise NotApplicable("the profile documents no JWT access tokens (documented.access_token.format: jwt, "
                                "or a resource with access_token_format: jwt and an audience)")
    grant_check = settings.access_token.grant_id_claim is not None and target.offers("revocation_endpoint")
    scope = " ".join([client.scope, resource.scope or ""]).strip() if resource is not None else None
    tokens = obtain_tokens(target, user_agent, client, scope=scope, offline=grant_check,
                           resource=resource.audience if resource is not None else None)
    if tokens.access_token.count(".") != 2:
        raise fail("AT_NOT_JWT", "the access token is not a JWT", "DOC-access_token.format",
                   expected="a JWT access token", actual="not a JWS")
    caller = introspection_caller(target)
    info = introspect(target, caller, tokens.access_token, hint="access_token",
                      label="introspect the JWT access token")
    documented.check_jwt_access_token_introspected(info.status, info.body or {}, client_id=client.id)
    if not grant_check or tokens.refresh_token is None:
        evidence.note("the grant check needs documented.access_token.grant_id_claim, a revocation endpoint and a "
                      "refresh token: not made")
        return
    revoked = revoke(target, client, tokens.refresh_token, hint="refresh_token",
                     label="revoke the grant's refresh token")
    if revoked.status != 200:
        raise fail("PRECONDITION_REVOCATION_FAILED", "the grant's refresh token could not be revoked", "RFC7009-2.2",
                   expected="HTTP 200", actual=f"HTTP {revoked.status}")
    after = introspect(target, caller, tokens.access_token, hint="access_token",
                       label="introspect the JWT access token after its grant was revoked")
    documented.check_revoked_grant_token_inactive(after.status, after.body or {})


@requirement("DOC-access_token.omitted_claims")
def test_access_token_claims_omitted(target: Target, user_agent: Any) -> None:
    """JWT access tokens leave out the claims documented as omitted (empty claim names, a blank audience).

    Only the documented expectation is judged here; ``jwt_access_token.required_claims`` still fails
    such a token for RFC 9068 §2.2 (a documented value never waives a spec rule).
    """
    omitted = target.profile.documented.access_token.omitted_claims
    if not omitted:
        pytest.skip("the profile documents no claim omitted from JWT access tokens "
                    "(documented.access_token.omitted_claims)")
    decoded = _signed_access_token(target, user_agent)
    documented.check_claims_omitted(decoded.claims, omitted)


@requirement("DOC-access_token.hmac_key", "DOC-access_token.signing_alg")
def test_access_token_hmac_signature(target: Target, user_agent: Any) -> None:
    """HMAC-signed JWT access tokens verify with the documented symmetric key and HS algorithm.

    ``jwt_access_token.signature`` verifies with the published JWK Set, which holds no symmetric key;
    this check takes the key from the profile (``documented.access_token.hmac_key``).
    """
    settings = target.profile.documented.access_token
    if settings.hmac_key is None or settings.signing_alg not in jose.HS_ALGS:
        pytest.skip("the profile documents no HMAC-signed JWT access tokens with their key "
                    "(documented.access_token.signing_alg HS256/HS384/HS512 and hmac_key)")
    if settings.encryption is not None:
        raise NotApplicable("the profile documents encrypted (JWE) access tokens; the signed token is inside the "
                            "encryption")
    raw, _ = _jwt_access_token(target, user_agent)
    decoded = documented.check_hmac_signature(raw, settings.hmac_key.get_secret_value(), settings.signing_alg)
    evidence.record_token("access token (HMAC verified)", decoded.header, decoded.claims)


def _confirmation_clients(target: Target) -> list[Client]:
    """Clients documenting their confirmation members, sender-constrained and on the plain code flow."""
    clients = [c for c in target.profile.clients
               if c.documented.confirmation_members and c.documented.enabled and "authorization_code" in c.grant_types
               and plain_code_flow(c) and (c.documented.dpop_bound or (c.documented.certificate_bound and c.cert_file))]
    if not clients:
        pytest.skip("the profile documents no confirmation members for a DPoP- or certificate-bound code-flow client "
                    "(clients[].documented.confirmation_members)")
    return clients


def _bound_access_token(target: Target, user_agent: Any, client: Client) -> str:
    """An access token bound the way ``client`` is (DPoP proof, else its client certificate)."""
    if client.documented.dpop_bound:
        grant = obtain_bound_tokens(target, user_agent, client, session=DpopSession(target))
        return str(grant.body.get("access_token"))
    flow = obtain_code(target, user_agent, client)
    result = token_request(target, client, redeem_params(flow.request, flow.code), label="redeem code over mutual TLS")
    if not result.ok or not isinstance((result.body or {}).get("access_token"), str):
        raise fail("PRECONDITION_MTLS_TOKEN_REQUEST_FAILED", f"a token request of {client.id} over mutual TLS did not "
                   "return tokens", "RFC8705-2", expected="HTTP 200 with access_token",
                   actual=f"HTTP {result.status} error={result.error}")
    return str((result.body or {})["access_token"])


@requirement("DOC-confirmation_members")
def test_confirmation_members(target: Target, user_agent: Any) -> None:
    """The ``cnf`` of each such client's sender-constrained access token has exactly the documented members.

    The token is obtained the way the client is bound (DPoP proof or client certificate); its ``cnf``
    is read from the JWT access token, else from an introspection response (RFC 9449 §6.2, RFC 8705 §3.2).
    """
    clients = _confirmation_clients(target)
    settings = target.profile.documented.access_token
    if "format" in settings.model_fields_set and settings.format == "opaque" \
            and not target.offers("introspection_endpoint"):
        pytest.skip("the profile documents opaque access tokens and the target offers no introspection endpoint "
                    "to read their cnf from")
    findings = Findings()
    for client in clients:
        token = _bound_access_token(target, user_agent, client)
        if token.count(".") == 2:
            decoded = jose.decode_unverified(token)
            evidence.record_token(f"access token of {client.id}", decoded.header, decoded.claims)
            cnf, where = decoded.claims.get("cnf"), f"JWT access token of {client.id}"
        elif target.offers("introspection_endpoint"):
            info = resource_introspect(target, token, client=introspection_client(target, client))
            cnf, where = info.get("cnf"), f"introspection response for {client.id}'s token"
        else:  # known only now that the token came: a person reads the evidence (a skip is decided before asking)
            raise NeedsReview(f"{client.id}'s access token is opaque and the target offers no introspection endpoint "
                              "to read its cnf from")
        evidence.note(f"cnf of the {where}: members {sorted(cnf) if isinstance(cnf, dict) else cnf!r}")
        findings.check(documented.check_confirmation_members, cnf, client.documented.confirmation_members,
                       where=where)
    findings.raise_if_any()


@requirement("DOC-access_token.signing_key_size")
def test_access_token_signing_key_size(target: Target, user_agent: Any) -> None:
    """The key a JWT access token is signed with is at least 2,048-bit RSA, or on the curve of its EC algorithm.

    The key is the one the token's ``kid`` names in the JWK Set at the documented access-token JWKS
    URL, else the discovery ``jwks_uri`` (``discovery.jwks_rsa_key_sizes`` judges every published key).
    """
    alg = target.profile.documented.access_token.signing_alg
    if alg is None or not alg.startswith(("RS", "PS", "ES")):
        pytest.skip("the profile documents no RSA or EC JWS algorithm of JWT access tokens "
                    "(documented.access_token.signing_alg)")
    decoded = _signed_access_token(target, user_agent)
    url = target.profile.documented.access_token.jwks_url or target.endpoint("jwks_uri")
    document = try_json_document(target.http.get_idempotent(url, label="JWK Set with the signing keys")) or {}
    kid = decoded.header.get("kid")
    keys = [k for k in document.get("keys") or [] if isinstance(k, dict) and (kid is None or k.get("kid") == kid)]
    if len(keys) != 1:
        raise NeedsReview(f"the JWK Set at {url} has {len(keys)} keys for the access token's kid {kid!r}, so its "
                          "signing key cannot be told")
    bits = documented.check_signing_key_size(keys[0], alg)
    evidence.note(f"the access token's signing key {kid!r} has {bits} bits")


@pytest.mark.needs("introspection_endpoint")
@requirement("DOC-access_token.expand_scope_groups")
def test_scope_groups_expansion(target: Target, user_agent: Any) -> None:
    """A granted scope group appears expanded, or as the group, as "Expand Scope Groups" is documented.

    The first documented group is requested with ``openid`` by a confidential code client; the
    introspection response's ``scope`` (and, for a JWT access token, its scope claim) is judged.
    """
    settings = target.profile.documented
    expand = settings.access_token.expand_scope_groups
    if expand is None or not settings.scope_groups:
        pytest.skip("the profile documents no scope group expansion (documented.access_token.expand_scope_groups "
                    "with documented.scope_groups)")
    group, members = next(iter(settings.scope_groups.items()))
    client = target.pick_client(purpose="a scope group", confidential=True)
    tokens = obtain_tokens(target, user_agent, client, scope=f"openid {group}")
    findings = Findings()
    if tokens.access_token.count(".") == 2:
        claims = jose.decode_unverified(tokens.access_token).claims
        findings.check(documented.check_scope_group_expansion, claims.get(settings.access_token.scope_claim), group,
                       members, expand=expand, where="JWT access token")
    info = introspect(target, introspection_caller(target), tokens.access_token, hint="access_token",
                      label="introspect the access token")
    body = info.body or {}
    if info.status != 200 or body.get("active") is not True:
        raise fail("PRECONDITION_INTROSPECTION_FAILED", "a fresh access token did not introspect active", "RFC7662-2.2",
                   expected={"active": True}, actual=f"HTTP {info.status} active={body.get('active')!r}")
    findings.check(documented.check_scope_group_expansion, body.get("scope"), group, members, expand=expand,
                   where="introspection response")
    findings.raise_if_any()
