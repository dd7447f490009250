"""Signing-key rotation (OIDC Core §10.1, §10.1.1).

The check asks the target to rotate its signing keys through the profile's ``key_rotation``
hook (the reference target has a test-only route for it); without a hook it is skipped before
any request. Around the rotation it takes one ID Token before and one after, fetches the JWK
Set again after the rotation (what a relying party does on an unfamiliar ``kid``) and verifies
the new token against the key its ``kid`` names there; the token from before should still
verify (recently decommissioned keys SHOULD be retained).
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import evidence, jose
from harness.flows.code_flow import complete_code_flow
from harness.profile import Client, KeyRotationHook
from harness.results import HarnessError, NeedsReview, ProfileError, fail
from harness.specs import documented, oidc_core, oidc_keys, rfc7517
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement


def _hook(target: Target) -> tuple[KeyRotationHook, Client]:
    hook = target.profile.key_rotation
    if hook is None:
        raise NotApplicable("the profile documents no key_rotation hook, so the harness cannot make the target "
                            "rotate its signing keys")
    client = next((c for c in target.profile.clients if c.id == hook.client), None)
    if client is None:
        raise ProfileError(f"key_rotation.client {hook.client!r} is not a client of the profile")
    if client.documented.id_token_signing_alg.startswith("HS"):
        raise ProfileError(f"key_rotation.client {hook.client!r} has HS* ID Tokens; rotation needs a published key")
    return hook, client


def _jwks(target: Target, label: str) -> jose.JWKS:
    response = target.http.get_idempotent(target.endpoint("jwks_uri"), label=label)
    return rfc7517.published_keys(response.status_code, response.content)


def _id_token(target: Target, user_agent: Any, client: Client) -> str:
    flow = complete_code_flow(target, user_agent, client)
    raw = flow.token.body.get("id_token") if flow.token and flow.token.body else None
    if not isinstance(raw, str):
        raise fail("ID_TOKEN_MISSING", "a successful openid token response has no id_token", "OIDCC-3.1.3.3",
                   expected="id_token", actual=sorted(flow.token.body or {}) if flow.token else None)
    return raw


def _verify(raw: str, keys: jose.JWKS, client: Client, target: Target) -> jose.DecodedJWT:
    allowed = target.metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    decoded = oidc_core.check_id_token_signature(raw, keys, allowed_algs=[a for a in allowed if a != "none"],
                                                 expected_alg=client.documented.id_token_signing_alg)
    evidence.record_token("id_token", decoded.header, decoded.claims)
    return decoded


def _rotate(target: Target, hook: KeyRotationHook, client: Client) -> None:
    headers = {"Authorization": f"Bearer {hook.token.get_secret_value()}"} if hook.token else {}
    response = target.http.post(hook.url, json_body={"client_id": client.id}, headers=headers,
                                label="key rotation hook")
    if not 200 <= response.status_code < 300:
        raise HarnessError(f"the key_rotation hook answered HTTP {response.status_code}; no rotation happened")


@requirement("OIDCC-10.1-kid", "OIDCC-10.1.1", "OIDCC-3.1.3.7-6")
def test_signing_key_rotation(target: Target, user_agent: Any) -> None:
    """After a key rotation, a new ID Token verifies against the key its kid names in the re-fetched JWK Set."""
    hook, client = _hook(target)
    before = _verify(_id_token(target, user_agent, client), _jwks(target, "jwks before the rotation"), client,
                     target)
    _rotate(target, hook, client)
    raw_after = _id_token(target, user_agent, client)
    keys_after = _jwks(target, "jwks re-fetched after the rotation")
    after = _verify(raw_after, keys_after, client, target)
    if not oidc_keys.rotation_took_effect(before, after):
        raise NeedsReview(f"the ID Tokens before and after the rotation hook name the same key (kid "
                          f"{after.header.get('kid')!r}): the hook did not make the target sign with a new key")
    oidc_keys.check_previous_key_retained(before, keys_after)


@requirement("DOC-access_token.jwks_cache_duration_s")
def test_documented_jwks_cache_duration(target: Target) -> None:
    """The JWKS endpoint tells clients the documented cache duration (``Cache-Control: max-age``).

    PingFederate's "JWKS Endpoint Cache Duration" applies to the access-token manager's "JWKS
    Endpoint Path" (``documented.access_token.jwks_url``); without one, the discovery ``jwks_uri``.
    """
    settings = target.profile.documented.access_token
    if settings.jwks_cache_duration_s is None:
        pytest.skip("the profile documents no JWKS cache duration (documented.access_token.jwks_cache_duration_s)")
    url = settings.jwks_url or target.endpoint("jwks_uri")
    response = target.http.get_idempotent(url, label="JWKS (cache duration)")
    rfc7517.published_keys(response.status_code, response.content)
    documented.check_jwks_cache_duration(response.headers.get("cache-control"), settings.jwks_cache_duration_s)
