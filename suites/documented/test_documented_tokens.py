"""Documented headers of JWT access tokens that need the issuer's published certificates (issue 21).

PingFederate's JSON Web Token access-token manager "Include X.509 Thumbprint Header Parameter":
``jwt_access_token.x5t_header`` sees that the header is there; this check compares it with the
certificate of the signing key the JWK Set publishes (``x5c``).
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import evidence, jose
from harness.flows.token import obtain_tokens
from harness.http import try_json_document
from harness.results import fail
from harness.specs import documented
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement


def _jwt_access_token(target: Target, user_agent: Any) -> str:
    """A JWT access token: server-wide JWT ones, else one for a documented JWT resource (skipped otherwise)."""
    settings = target.profile.documented.access_token
    client = target.pick_client(purpose="JWT access tokens", confidential=True)
    if settings.format == "jwt":
        return obtain_tokens(target, user_agent, client).access_token
    resource = next((r for r in target.profile.documented.resources
                     if r.access_token_format == "jwt" and r.audience), None)
    if resource is None or resource.audience is None:
        raise NotApplicable("the profile documents no JWT access tokens (documented.access_token.format: jwt, or a "
                            "resource with access_token_format: jwt and an audience)")
    scope = " ".join([client.scope, resource.scope or ""]).strip()
    return obtain_tokens(target, user_agent, client, scope=scope, resource=resource.audience).access_token


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
    if settings.encryption is not None:
        raise NotApplicable("the profile documents encrypted (JWE) access tokens; the signed token's header is "
                            "inside the encryption")
    raw = _jwt_access_token(target, user_agent)
    try:
        decoded = jose.decode_unverified(raw)
    except jose.JoseError as exc:
        raise fail("AT_NOT_JWT", f"the access token is not a JWT ({exc})", "DOC-access_token.format",
                   expected="a JWT access token", actual=exc.code) from exc
    evidence.record_token("access token", decoded.header, decoded.claims)
    url = settings.jwks_url or target.endpoint("jwks_uri")
    response = target.http.get_idempotent(url, label="JWK Set with the signing certificates")
    document = try_json_document(response) or {}
    keys = [k for k in document.get("keys") or [] if isinstance(k, dict)]
    kid = documented.check_x5t_matches_certificate(decoded.header, keys)
    evidence.note(f"x5t is the SHA-1 thumbprint of x5c[0] of key {kid!r} at {url}")
