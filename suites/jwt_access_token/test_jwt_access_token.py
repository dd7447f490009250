"""JWT access tokens (RFC 9068) and documented settings (``documented.access_token``).

A JWT access token is obtained from the code flow: for every client when the profile documents
``access_token.format: jwt``, else for a resource the profile lists with
``access_token_format: jwt`` (requested with an RFC 8707 resource indicator).

What a check needs (which client, which resource, which audience, whether the token is
documented as encrypted) is read from the profile before any request, so a check that does
not apply is skipped before the target is asked (:func:`_plan`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from harness import evidence, jose
from harness.flows.token import TokenSet, obtain_tokens
from harness.profile import AccessTokenSettings, Client, ResourceServer
from harness.results import CheckFailed, Findings, NeedsReview, fail
from harness.specs import documented, rfc7517, rfc9068
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement


@dataclass
class JwtAccessToken:
    """A JWT access token as received, decoded, with what was asked for."""

    tokens: TokenSet
    raw: str
    received_at: float
    expected_audience: str | None
    audience_documented: bool
    decoded: jose.DecodedJWT | None  # None when encrypted

    @property
    def client(self) -> Client:
        """The client that requested it."""
        return self.tokens.client

    @property
    def jws(self) -> jose.DecodedJWT:
        """The decoded JWS; a JWE the profile did not document cannot be judged (review).

        Checks on the JWS are skipped up front where the profile documents encryption
        (:func:`_plan` with ``signed=True``), so a JWE here is unexpected: the harness holds
        no resource-server key to open it, and a human has to look.
        """
        if self.decoded is None:
            raise NeedsReview("the access token is a JWE although the profile documents no access-token "
                              "encryption (documented.access_token.encryption); its claims cannot be read")
        return self.decoded


@dataclass(frozen=True)
class Plan:
    """What a check will ask for, decided from the profile alone."""

    client: Client
    resource: ResourceServer | None
    audience: str | None
    audience_documented: bool


def _settings(target: Target) -> AccessTokenSettings:
    return target.profile.documented.access_token


def _plan(target: Target, *, signed: bool = True) -> Plan:
    """The client, resource and expected audience for a JWT access token; skipped when none is documented.

    ``signed`` checks read the JWS claims: they do not apply where the profile documents
    JWE access tokens (the harness has no resource-server key to decrypt them).
    """
    settings = _settings(target)
    if signed and settings.encryption is not None:
        raise NotApplicable("the profile documents encrypted (JWE) access tokens; their claims cannot be read "
                            "without the resource server's key")
    client = target.pick_client(purpose="JWT access tokens", confidential=True)
    if settings.format == "jwt":
        return Plan(client=client, resource=None, audience=settings.audience,
                    audience_documented=settings.audience is not None)
    resource = next((r for r in target.profile.documented.resources
                     if r.access_token_format == "jwt" and r.audience), None)
    if resource is None or resource.audience is None:
        raise NotApplicable("the profile documents no JWT access tokens (documented.access_token.format: jwt, "
                            "or a resource with access_token_format: jwt and an audience)")
    return Plan(client=client, resource=resource, audience=settings.audience or resource.audience,
                audience_documented=settings.audience is not None)


def _obtain(target: Target, user_agent: Any, plan: Plan | None = None) -> JwtAccessToken:
    plan = plan or _plan(target)
    client = plan.client
    if plan.resource is None:
        tokens = obtain_tokens(target, user_agent, client)
    else:
        scope = " ".join([client.scope, plan.resource.scope or ""]).strip()
        tokens = obtain_tokens(target, user_agent, client, scope=scope, resource=plan.resource.audience)
    audience = plan.audience
    raw = tokens.access_token
    received = time.time()
    if jose.is_jwe(raw):
        evidence.record_token("access token (JWE protected header)", jose.decode_jose_header(raw), {})
        decoded = None
    else:
        try:
            decoded = jose.decode_unverified(raw)
        except jose.JoseError as exc:
            # the profile documents JWT access tokens (format: jwt, or this resource's access_token_format)
            raise fail("AT_NOT_JWT", f"the access token is not a JWT ({exc})", "DOC-access_token.format",
                       expected="a JWT access token", actual=exc.code) from exc
        evidence.record_token("access token", decoded.header, decoded.claims)
    return JwtAccessToken(tokens=tokens, raw=raw, received_at=received, expected_audience=audience,
                          audience_documented=plan.audience_documented, decoded=decoded)


def _issuer_keys(target: Target) -> jose.JWKS:
    """The issuer's keys, fetched fresh; a ``jwks_uri`` answer that is no JWK Set fails (RFC 7517 §5)."""
    response = target.http.get_idempotent(target.endpoint("jwks_uri"), label="jwks")
    return rfc7517.published_keys(response.status_code, response.content)


@requirement("RFC9068-2.1", "DOC-access_token.typ")
def test_typ_header(target: Target, user_agent: Any) -> None:
    """The ``typ`` header is ``at+jwt`` (or the documented Type Header Value, or absent where documented omitted).

    A documented value never waives RFC 9068 §2.1: with ``typ: null`` (PingFederate's default,
    the header omitted) the RFC finding and, where a typ is present, the documented one appear.
    """
    token = _obtain(target, user_agent)
    documented_typ = _settings(target).typ
    if documented_typ is not None:
        rfc9068.check_typ(token.jws.header, documented_typ)
        return
    findings = Findings()
    findings.check(rfc9068.check_typ, token.jws.header)
    findings.check(documented.check_typ_omitted, token.jws.header)
    findings.raise_if_any()


@requirement("DOC-access_token.kid_header")
def test_kid_header(target: Target, user_agent: Any) -> None:
    """The ``kid`` header is present and names a published key exactly when documented."""
    documented = _settings(target).kid_header
    if documented is None:
        pytest.skip("the profile does not document the kid header (documented.access_token.kid_header)")
    token = _obtain(target, user_agent)
    if token.jws.alg in jose.HS_ALGS:  # the kid names a symmetric key, which no JWK Set publishes
        rfc9068.check_kid_header(token.jws.header, documented, None)
        return
    rfc9068.check_kid_header(token.jws.header, documented, _issuer_keys(target).kids())


@requirement("DOC-access_token.x5t_header")
def test_x5t_header(target: Target, user_agent: Any) -> None:
    """The ``x5t`` header is present exactly when documented."""
    documented = _settings(target).x5t_header
    if documented is None:
        pytest.skip("the profile does not document the x5t header (documented.access_token.x5t_header)")
    token = _obtain(target, user_agent)
    rfc9068.check_x5t_header(token.jws.header, documented)


@requirement("RFC9068-2.1-signed", "RFC9068-4", "DOC-access_token.signing_alg", "DOC-access_token.hmac_key")
def test_signature(target: Target, user_agent: Any) -> None:
    """The token is signed (never ``none``) with the documented algorithm by a key of ``jwks_uri``.

    An HMAC-signed token (``alg`` HS256/384/512, seen only in the token) verifies with the key the
    profile states (``documented.access_token.hmac_key``), as ``documented.access_token_hmac_signature``
    verifies it; without a stated key it is left for review (:func:`rfc9068.check_hmac_signature`):
    no JWK Set publishes a shared secret, so the harness cannot judge it, and the target is not at fault.
    """
    token = _obtain(target, user_agent)
    settings = _settings(target)
    if token.jws.alg in jose.HS_ALGS:
        key = settings.hmac_key.get_secret_value() if settings.hmac_key is not None else None
        rfc9068.check_hmac_signature(token.jws.compact, key, expected_alg=settings.signing_alg)
        return
    rfc9068.check_signature(token.jws.compact, _issuer_keys(target), expected_alg=settings.signing_alg)


@requirement("RFC9068-2.2")
def test_required_claims(target: Target, user_agent: Any) -> None:
    """``iss``, ``exp``, ``aud``, ``sub``, ``client_id``, ``iat`` and ``jti`` are present and well typed."""
    token = _obtain(target, user_agent)
    settings = _settings(target)
    rfc9068.check_required_claims(token.jws.claims, client_id_claim=settings.client_id_claim)


@requirement("RFC9068-4")
def test_issuer(target: Target, user_agent: Any) -> None:
    """``iss`` is the issuer identifier."""
    token = _obtain(target, user_agent)
    rfc9068.check_issuer(token.jws.claims, str(target.metadata.get("issuer") or target.profile.issuer))


@requirement("RFC9068-3", "RFC8707-2", "DOC-access_token.audience")
def test_audience(target: Target, user_agent: Any) -> None:
    """``aud`` is the requested resource indicator (or the documented audience)."""
    plan = _plan(target)
    if plan.audience is None:
        pytest.skip("neither a resource indicator is sent nor an audience documented (documented.access_token."
                    "audience)")
    token = _obtain(target, user_agent, plan)
    assert token.expected_audience is not None
    rfc9068.check_audience(token.jws.claims, token.expected_audience, documented=token.audience_documented)


@requirement("RFC9068-2.2", "DOC-access_token.client_id_claim")
def test_client_id(target: Target, user_agent: Any) -> None:
    """``client_id`` (or the documented claim) names the client that requested the token."""
    token = _obtain(target, user_agent)
    rfc9068.check_client_id(token.jws.claims, token.client.id, _settings(target).client_id_claim)


@requirement("RFC9068-2.2.3", "DOC-access_token.scope_format")
def test_scope(target: Target, user_agent: Any) -> None:
    """``scope`` is a space-delimited string (or the documented format) of requested scopes."""
    token = _obtain(target, user_agent)
    settings = _settings(target)
    requested = (token.tokens.requested_scope or "").split()
    granted = token.tokens.granted_scope
    values = rfc9068.check_scope(token.jws.claims, requested, claim_name=settings.scope_claim,
                                 fmt=settings.scope_format, granted=granted.split() if granted is not None else None)
    evidence.note(f"scope values: {values}")


@requirement("DOC-access_token.jti_length", "RFC9068-2.2")
def test_jti_length(target: Target, user_agent: Any) -> None:
    """``jti`` has the documented length (JWT ID Claim Length)."""
    documented = _settings(target).jti_length
    if documented is None:
        pytest.skip("the profile does not document the jti length (documented.access_token.jti_length)")
    token = _obtain(target, user_agent)
    rfc9068.check_jti(token.jws.claims, documented)


@requirement("DOC-access_token.lifetime_s")
def test_lifetime(target: Target, user_agent: Any) -> None:
    """``exp - iat`` equals the documented token lifetime."""
    plan = _plan(target)
    resource = plan.resource if plan.resource is not None and plan.resource.access_token_lifetime_s else None
    documented = resource.access_token_lifetime_s if resource else _settings(target).lifetime_s
    if documented is None:
        pytest.skip("the profile does not document the access-token lifetime (documented.access_token.lifetime_s)")
    token = _obtain(target, user_agent, plan)
    lifetime = rfc9068.check_lifetime(token.jws.claims, documented)
    evidence.note(f"lifetime {lifetime}s (documented {documented}s)")


@requirement("RFC9068-4", "RFC9068-2.2")
def test_time_claims(target: Target, user_agent: Any) -> None:
    """A fresh token is not expired (MUST) and not issued in the future (SHOULD: a warning)."""
    token = _obtain(target, user_agent)
    rfc9068.check_time_claims(token.jws.claims, now=token.received_at)


@requirement("DOC-access_token.encryption", "RFC9068-2.1")
def test_encrypted_when_documented(target: Target, user_agent: Any) -> None:
    """Where JWE is documented, the token is a JWE with the documented ``alg``/``enc``."""
    documented = _settings(target).encryption
    if documented is None:
        pytest.skip("the profile documents no access-token encryption (documented.access_token.encryption)")
    token = _obtain(target, user_agent, _plan(target, signed=False))
    if not jose.is_jwe(token.raw):
        raise fail("AT_NOT_ENCRYPTED", "the access token is not a JWE although encryption is documented",
                   "DOC-access_token.encryption", expected=f"{documented.alg}/{documented.enc}", actual="JWS")
    header = jose.decode_jose_header(token.raw)
    if (header.get("alg"), header.get("enc")) != (documented.alg, documented.enc):
        raise fail("AT_ENCRYPTION_ALG", "the access token JWE does not use the documented algorithms",
                   "DOC-access_token.encryption", expected=f"{documented.alg}/{documented.enc}",
                   actual=f"{header.get('alg')}/{header.get('enc')}")


@requirement("DOC-access_token.issuer")
def test_documented_issuer(target: Target, user_agent: Any) -> None:
    """``iss`` is the documented Issuer Claim Value (absent where documented blank).

    RFC 9068's own rule (``iss`` is the issuer identifier) stays with ``jwt_access_token.issuer``;
    a documented value other than the issuer fails there and passes here (issue 21 item 2).
    """
    issuer = _settings(target).issuer
    if issuer is None:
        pytest.skip("the profile does not document the Issuer Claim Value (documented.access_token.issuer)")
    token = _obtain(target, user_agent)
    documented.check_access_token_issuer(token.jws.claims, issuer)


@requirement("DOC-access_token.jwks_url")
def test_documented_jwks_url(target: Target, user_agent: Any) -> None:
    """The JWT access token verifies with a key published at the documented JWKS Endpoint Path.

    An HMAC-signed token cannot: its key is a shared secret that no JWK Set publishes (PingFederate's
    JWKS endpoint "includes configured Elliptic Curve (EC) and RSA-based keys"). A documented HMAC
    "JWS Algorithm" skips the check before any request; an HMAC token where no algorithm is
    documented is seen only in the token: *review* (its signature is ``jwt_access_token.signature``'s).
    """
    url = _settings(target).jwks_url
    if url is None:
        pytest.skip("the profile documents no access-token JWKS endpoint (documented.access_token.jwks_url)")
    if _settings(target).signing_alg in jose.HS_ALGS:
        pytest.skip("the profile documents an HMAC JWS algorithm (documented.access_token.signing_alg): no JWK Set "
                    "publishes a symmetric key; the signature is judged with documented.access_token.hmac_key")
    token = _obtain(target, user_agent)
    if token.jws.alg in jose.HS_ALGS:
        raise NeedsReview(f"the JWT access token is signed {token.jws.alg} (HMAC), which no key of the documented "
                          "JWKS Endpoint Path can verify; its signature is judged by jwt_access_token.signature "
                          "(state documented.access_token.signing_alg and hmac_key)")
    response = target.http.get_idempotent(url, label="access-token manager JWKS")
    keys = rfc7517.published_keys(response.status_code, response.content)
    try:
        rfc9068.check_signature(token.jws.compact, keys, expected_alg=_settings(target).signing_alg)
    except CheckFailed as exc:
        if exc.findings[0].code != "AT_SIGNATURE_INVALID":
            raise  # an unsigned token or an undocumented alg: the finding keeps its own requirement
        raise fail("AT_KEY_NOT_AT_DOCUMENTED_JWKS_URL", f"the JWT access token does not verify with the keys "
                   f"published at the documented JWKS Endpoint Path ({exc.findings[0].code})",
                   "DOC-access_token.jwks_url", expected=f"a key of {url}",
                   actual=token.jws.header.get("kid")) from exc


@requirement("DOC-access_token.grant_id_claim")
def test_documented_grant_id_claim(target: Target, user_agent: Any) -> None:
    """A code-flow JWT access token carries the persistent grant's GUID in the documented claim."""
    name = _settings(target).grant_id_claim
    if name is None:
        pytest.skip("the profile documents no Access Grant GUID Claim Name (documented.access_token.grant_id_claim)")
    token = _obtain(target, user_agent)
    documented.check_grant_id_claim(token.jws.claims, name)
