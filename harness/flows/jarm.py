"""JWT Secured Authorization Response Mode (JARM): find, decrypt and decode the response JWT.

The authorization response comes back as a single ``response`` parameter in the query
(``query.jwt``), the fragment (``fragment.jwt``) or an auto-posted form (``form_post.jwt``,
captured by the user-agent drivers). :func:`find_response` locates it, :func:`open_response`
decrypts a nested JWT with the client's private keys and decodes the inner JWS *without
verifying it* (the verdicts are :mod:`harness.specs.jarm`'s), recording header and claims
as evidence; the compact form is never recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from harness import evidence, jose
from harness.flows.authorization import AuthorizationOutcome
from harness.profile import Client
from harness.results import fail
from harness.specs import rfc7517
from harness.target import Target

__all__ = ["JARM_MODES", "JarmResponse", "find_response", "issuer_keys", "open_response", "require_response"]

Delivery = Literal["query", "fragment", "form_post"]

#: The response modes JARM defines (JARM §2.3).
JARM_MODES: tuple[str, ...] = ("jwt", "query.jwt", "fragment.jwt", "form_post.jwt")


@dataclass
class JarmResponse:
    """A JARM response JWT as received: where, the JWE header (if encrypted), and the inner JWS."""

    delivered_in: Delivery
    raw: str
    outer_params: dict[str, str]
    jwe_header: dict[str, Any] | None = None
    jws: jose.DecodedJWT | None = None

    @property
    def claims(self) -> dict[str, Any]:
        """The JWT claims (empty while still encrypted)."""
        return dict(self.jws.claims) if self.jws is not None else {}

    @property
    def header(self) -> dict[str, Any]:
        """The JWS header (empty while still encrypted)."""
        return dict(self.jws.header) if self.jws is not None else {}

    @property
    def params(self) -> dict[str, str]:
        """The authorization response parameters carried in the JWT, as strings."""
        return {k: str(v) for k, v in self.claims.items()
                if isinstance(v, (str, int, float)) and k not in ("aud", "exp", "iat", "nbf", "jti")}


def find_response(outcome: AuthorizationOutcome) -> tuple[Delivery, str, dict[str, str]] | None:
    """Where the ``response`` parameter arrived (form, query or fragment), its value and its siblings."""
    for where, params in (("form_post", outcome.form), ("query", outcome.query), ("fragment", outcome.fragment)):
        if "response" in params:
            delivered: Delivery = where  # type: ignore[assignment]
            return delivered, params["response"], dict(params)
    return None


def require_response(outcome: AuthorizationOutcome, mode: str) -> tuple[Delivery, str, dict[str, str]]:
    """The ``response`` parameter of a JARM request the target had to answer (a failure otherwise)."""
    found = find_response(outcome)
    if found is None:
        raise fail("JARM_RESPONSE_MISSING", f"response_mode={mode} did not return a 'response' JWT",
                   "JARM-2.3", expected="response=<JWT>",
                   actual=outcome.describe() + (f" error={outcome.params.get('error')}"
                                                if outcome.params.get("error") else ""))
    return found


def _client_keys(client: Client) -> jose.JWKS | None:
    return jose.load_private_jwks(client.jwks_file) if client.jwks_file is not None else None


def open_response(client: Client, delivered: Delivery, raw: str, outer_params: dict[str, str], *,
                  allowed_enc: tuple[str, ...] = ()) -> JarmResponse:
    """Decrypt (when it is a JWE) and decode the response JWT; record what was seen.

    A JWE is decrypted with the client's private keys (``jwks_file``) and ``allowed_enc``
    (key-management ``alg`` and content ``enc``); the inner token is decoded, not verified.
    Undecodable or undecryptable tokens are failures citing JARM §2.2.
    """
    response = JarmResponse(delivered_in=delivered, raw=raw, outer_params=outer_params)
    token = raw
    if jose.is_jwe(raw):
        try:
            response.jwe_header = jose.decode_jose_header(raw)
        except jose.JoseError as exc:
            raise fail("JARM_MALFORMED", f"the response JWE header is unreadable: {exc}", "JARM-2.2") from exc
        evidence.record_token("JARM response (JWE protected header)", response.jwe_header, {})
        keys = _client_keys(client)
        if keys is None:
            raise fail("JARM_UNEXPECTEDLY_ENCRYPTED", "the response is encrypted but the client registered no "
                       "encryption key", "JARM-2.2", expected="JWS", actual=response.jwe_header.get("alg"))
        allowed = allowed_enc or (str(response.jwe_header.get("alg")), str(response.jwe_header.get("enc")))
        try:
            _, plaintext = jose.decrypt_jwe(raw, keys, allowed)
        except jose.JoseError as exc:
            raise fail("JARM_DECRYPTION_FAILED", f"the response JWE does not decrypt with the client's key: {exc}",
                       "JARM-2.2", expected=list(allowed), actual=exc.code) from exc
        token = plaintext.decode("ascii", "replace").strip()
    try:
        response.jws = jose.decode_unverified(token)
    except jose.JoseError as exc:
        raise fail("JARM_MALFORMED", f"the response is not a signed JWT: {exc}", "JARM-2.2") from exc
    evidence.record_token("JARM response", response.jws.header, response.jws.claims)
    return response


def issuer_keys(target: Target) -> jose.JWKS:
    """The issuer's JWK Set, fetched fresh (a key rollover or a test defect must be seen).

    A ``jwks_uri`` answer that is no JWK Set fails with the rule it breaks (RFC 7517 §5).
    """
    response = target.http.get_idempotent(target.endpoint("jwks_uri"), label="jwks")
    return rfc7517.published_keys(response.status_code, response.content)
