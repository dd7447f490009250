"""Signing-key rollover (OIDC Core §10.1, §10.1.1): what a relying party sees across a rotation.

§10.1.1: "Keys can be rolled over by periodically adding new keys to the JWK Set at the
jwks_uri location. The signer can begin using a new key at its discretion and signals the
change to the verifier using the kid value. The verifier knows to go back to the jwks_uri
location to re-retrieve the keys when it sees an unfamiliar kid value. The JWK Set document
at the jwks_uri location SHOULD retain recently decommissioned signing keys for a reasonable
period of time to facilitate a smooth transition." The signature rules themselves (§10.1:
the key "MUST be associated with a public key ... published by the sender in its JWK Set
document"; a ``kid`` when the set has several keys) are
:func:`harness.specs.oidc_core.check_id_token_signature`.
"""

from __future__ import annotations

from harness.jose import JWKS, DecodedJWT
from harness.results import Level, fail

__all__ = ["check_previous_key_retained", "rotation_took_effect"]


def rotation_took_effect(before: DecodedJWT, after: DecodedJWT) -> bool:
    """Whether the token issued after the rotation names another key than the one before."""
    return before.header.get("kid") != after.header.get("kid")


def check_previous_key_retained(before: DecodedJWT, jwks_after: JWKS) -> None:
    """§10.1.1: the key that signed a token just before the rotation is still published after it (SHOULD)."""
    kid = before.header.get("kid")
    if kid is not None and kid not in jwks_after.kids():
        raise fail("PREVIOUS_SIGNING_KEY_DROPPED", "the JWK Set no longer publishes the key that signed an ID Token "
                   "issued just before the rotation, so that token cannot be verified any more", "OIDCC-10.1.1",
                   expected=f"kid {kid!r} still published", actual=jwks_after.kids(), level=Level.SHOULD)
