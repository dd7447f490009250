"""JWT access tokens (RFC 9068) and documented settings (``documented.access_token``).

A JWT access token is obtained from the code flow: for every client when the profile documents
``access_token.format: jwt``, else for a resource the profile lists with
``access_token_format: jwt`` (requested with an RFC 8707 resource indicator).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from harness import evidence, jose
from harness.flows.token import TokenSet, obtain_tokens
from harness.profile import AccessTokenSettings, Client
from harness.results import fail
from harness.specs import rfc9068
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
        """The decoded JWS (checks on signed tokens only)."""
        if self.decoded is None:
            raise NotApplicable("the access token is encrypted (JWE); only its header can be judged")
        return self.decoded


def _settings(target: Target) -> AccessTokenSettings:
    return target.profile.documented.access_token


def _client(target: Target) -> Client:
    return target.pick_client(purpose="JWT access tokens", confidential=True)


def _obtain(target: Target, user_agent: Any) -> JwtAccessToken:
    settings = _settings(target)
    client = _client(target)
    if settings.format == "jwt":
        tokens = obtain_tokens(target, user_agent, client)
        audience = settings.audience
    else:
        resource = next((r for r in target.profile.documented.resources
                         if r.access_token_format == "jwt" and r.audience), None)
        if resource is None or resource.audience is None:
            raise NotApplicable("the profile documents no JWT access tokens (documented.access_token.format: jwt, "
                                "or a resource with access_token_format: jwt and an audience)")
        scope = " ".join([client.scope, resource.scope or ""]).strip()
        tokens = obtain_tokens(target, user_agent, client, scope=scope, resource=resource.audience)
        audience = settings.audience or resource.audience
    raw = tokens.access_token
    received = time.time()
    if jose.is_jwe(raw):
        evidence.record_token("access token (JWE protected header)", jose.decode_jose_header(raw), {})
        decoded = None
    else:
        try:
            decoded = jose.decode_unverified(raw)
        except jose.JoseError as exc:
            raise fail("AT_NOT_JWT", f"the access token is not a JWT ({exc})", "RFC9068-2",
                       expected="a JWT access token", actual=exc.code) from exc
        evidence.record_token("access token", decoded.header, decoded.claims)
    return JwtAccessToken(tokens=tokens, raw=raw, received_at=received, expected_audience=audience,
                          audience_documented=settings.audience is not None, decoded=decoded)


@requirement("RFC9068-2.1", "DOC-access_token.typ")
def test_typ_header(target: Target, user_agent: Any) -> None:
    """The ``typ`` header is ``at+jwt`` (or the documented Type Header Value)."""
    token = _obtain(target, user_agent)
    rfc9068.check_typ(token.jws.header, _settings(target).typ)


@requirement("DOC-access_token.kid_header")
def test_kid_header(target: Target, user_agent: Any) -> None:
    """The ``kid`` header is present and names a published key exactly when documented."""
    documented = _settings(target).kid_header
    if documented is None:
        pytest.skip("the profile does not document the kid header (documented.access_token.kid_header)")
    token = _obtain(target, user_agent)
    rfc9068.check_kid_header(token.jws.header, documented, jose.parse_jwks(target.jwks).kids())


@requirement("DOC-access_token.x5t_header")
def test_x5t_header(target: Target, user_agent: Any) -> None:
    """The ``x5t`` header is present exactly when documented."""
    documented = _settings(target).x5t_header
    if documented is None:
        pytest.skip("the profile does not document the x5t header (documented.access_token.x5t_header)")
    token = _obtain(target, user_agent)
    rfc9068.check_x5t_header(token.jws.header, documented)


@requirement("RFC9068-2.1", "RFC9068-4", "DOC-access_token.signing_alg")
def test_signature(target: Target, user_agent: Any) -> None:
    """The token is signed (never ``none``) with the documented algorithm by a key of ``jwks_uri``."""
    token = _obtain(target, user_agent)
    rfc9068.check_signature(token.jws.compact, jose.parse_jwks(target.jwks), expected_alg=_settings(target).signing_alg)


@requirement("RFC9068-2.2")
def test_required_claims(target: Target, user_agent: Any) -> None:
    """``iss``, ``exp``, ``aud``, ``sub``, ``client_id``, ``iat`` and ``jti`` are present and well typed."""
    token = _obtain(target, user_agent)
    settings = _settings(target)
    rfc9068.check_required_claims(token.jws.claims, client_id_claim=settings.client_id_claim,
                                  jti_expected=settings.jti_length != 0)


@requirement("RFC9068-4")
def test_issuer(target: Target, user_agent: Any) -> None:
    """``iss`` is the issuer identifier."""
    token = _obtain(target, user_agent)
    rfc9068.check_issuer(token.jws.claims, str(target.metadata.get("issuer") or target.profile.issuer))


@requirement("RFC9068-3", "RFC8707-2", "DOC-access_token.audience")
def test_audience(target: Target, user_agent: Any) -> None:
    """``aud`` is the requested resource indicator (or the documented audience)."""
    token = _obtain(target, user_agent)
    if token.expected_audience is None:
        pytest.skip("neither a resource indicator was sent nor an audience documented (documented.access_token."
                    "audience)")
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
    values = rfc9068.check_scope(token.jws.claims, requested, claim_name=settings.scope_claim,
                                 fmt=settings.scope_format)
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
    token = _obtain(target, user_agent)
    resource = next((r for r in target.profile.documented.resources
                     if r.audience == token.tokens.resource and r.access_token_lifetime_s), None)
    documented = resource.access_token_lifetime_s if resource else _settings(target).lifetime_s
    if documented is None:
        pytest.skip("the profile does not document the access-token lifetime (documented.access_token.lifetime_s)")
    lifetime = rfc9068.check_lifetime(token.jws.claims, documented)
    evidence.note(f"lifetime {lifetime}s (documented {documented}s)")


@requirement("RFC9068-4", "RFC9068-2.2")
def test_time_claims(target: Target, user_agent: Any) -> None:
    """A fresh token is not expired and not issued in the future."""
    token = _obtain(target, user_agent)
    rfc9068.check_time_claims(token.jws.claims, now=token.received_at)


@requirement("DOC-access_token.encryption", "RFC9068-2.1")
def test_encrypted_when_documented(target: Target, user_agent: Any) -> None:
    """Where JWE is documented, the token is a JWE with the documented ``alg``/``enc``."""
    documented = _settings(target).encryption
    if documented is None:
        pytest.skip("the profile documents no access-token encryption (documented.access_token.encryption)")
    token = _obtain(target, user_agent)
    if not jose.is_jwe(token.raw):
        raise fail("AT_NOT_ENCRYPTED", "the access token is not a JWE although encryption is documented",
                   "DOC-access_token.encryption", expected=f"{documented.alg}/{documented.enc}", actual="JWS")
    header = jose.decode_jose_header(token.raw)
    if (header.get("alg"), header.get("enc")) != (documented.alg, documented.enc):
        raise fail("AT_ENCRYPTION_ALG", "the access token JWE does not use the documented algorithms",
                   "DOC-access_token.encryption", expected=f"{documented.alg}/{documented.enc}",
                   actual=f"{header.get('alg')}/{header.get('enc')}")
