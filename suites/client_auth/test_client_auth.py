"""Client authentication: every registered method works, wrong credentials and flawed assertions are refused.

The negative checks redeem a *fresh, valid* authorization code with the flawed credentials:
a server that wrongly accepts them hands out tokens, which is unambiguous evidence.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import pytest

from harness import evidence, jose
from harness.flows.authorization import build_authorization_request
from harness.flows.client_assertion import assertion_audience
from harness.flows.code_flow import obtain_code
from harness.flows.request_object import client_signing_key
from harness.flows.token import (
    ClientAuth,
    TokenResult,
    assertion_auth,
    build_assertion,
    redeem_code,
    secret_auth,
)
from harness.profile import AuthMethod, Client
from harness.results import Level, ProfileError, fail
from harness.specs import documented, rfc7523
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement

JWT_METHODS = [AuthMethod.PRIVATE_KEY_JWT, AuthMethod.CLIENT_SECRET_JWT]
WRONG_AUDIENCE = "https://attacker.example.test/token"


def _plain(client: Client) -> bool:
    doc = client.documented
    return (client.use_in_suites and "authorization_code" in client.grant_types and not doc.dpop_bound
            and not (doc.require_par or doc.require_signed_requests or doc.require_jarm))


def _client_with(target: Target, method: AuthMethod, *, need: Any = None) -> Client:
    for client in target.profile.clients:
        if client.auth_method is method and _plain(client) and (need is None or need(client)):
            return client
    raise NotApplicable(f"the profile has no plain code-flow client using {method.value}")


def _probe(target: Target, user_agent: Any, client: Client, auth: ClientAuth, label: str) -> TokenResult:
    """Redeem a fresh code of ``client`` presenting ``auth`` instead of its proper credentials."""
    flow = obtain_code(target, user_agent, client)
    return redeem_code(target, client, flow.code, redirect_uri=flow.request.redirect_uri,
                       code_verifier=flow.request.code_verifier, auth=auth, label=label)


def _token_url(target: Target, client: Client) -> str:
    """The ``aud`` of a valid assertion: the token endpoint URL, or the issuer for a FAPI 2.0 client.

    FAPI 2.0 Security Profile §5.3.2.1: the authorization server "shall only accept its issuer
    identifier value (as defined in [RFC8414]) as a string in the aud claim received in client
    authentication assertions".
    """
    return assertion_audience(target, client, target.token_endpoint_for(client))


def _assertion_probe(target: Target, user_agent: Any, method: AuthMethod, label: str, *,
                     include_client_id: bool = True, **build: Any) -> TokenResult:
    client = _client_with(target, method)
    audience = build.pop("audience", None) or _token_url(target, client)
    assertion = build_assertion(client, audience, **build)
    try:
        decoded = jose.decode_unverified(assertion)
        evidence.record_token("client assertion sent", decoded.header, decoded.claims)
    except jose.JoseError:
        pass
    return _probe(target, user_agent, client, assertion_auth(client, assertion, include_client_id=include_client_id),
                  label)


def _refused(result: TokenResult, requirement_id: str = "RFC7523-3", *, also: tuple[str, ...] = (),
             error_requirement: str = "RFC7523-3.2") -> None:
    rfc7523.check_assertion_refused(result.status, result.response.headers, result.judged_body,
                                    requirement=requirement_id, error_requirement=error_requirement,
                                    also_allowed=also)


# --------------------------------------------------------------------------- methods that must work


@requirement("RFC6749-2.3.1", "RFC6749-4.1.4", "RFC7523-2.2", "RFC8705-2")
@pytest.mark.parametrize("method", [m.value for m in AuthMethod])
def test_registered_method_works(target: Target, user_agent: Any, method: str) -> None:
    """A client registered for this authentication method completes the code flow with it."""
    client = _client_with(target, AuthMethod(method))
    flow = obtain_code(target, user_agent, client)
    result = redeem_code(target, client, flow.code, redirect_uri=flow.request.redirect_uri,
                         code_verifier=flow.request.code_verifier, label=f"redeem with {method}")
    rfc7523.check_client_accepted(result.ok, result.status, result.error, what=f"{method} authentication of "
                                  f"client {client.id}", requirement="RFC6749-4.1.4", code="CLIENT_AUTH_METHOD_FAILED")


# --------------------------------------------------------------------------- shared secrets


def _secret_client(target: Target, method: AuthMethod) -> Client:
    return _client_with(target, method, need=lambda c: c.secret is not None)


@requirement("RFC6749-4.1.3", "RFC6749-3.2.1")
def test_confidential_client_without_credentials_refused(target: Target, user_agent: Any) -> None:
    """A confidential client that sends only its ``client_id`` is refused with ``invalid_client``."""
    client = _secret_client(target, AuthMethod.CLIENT_SECRET_BASIC)
    result = _probe(target, user_agent, client, ({"client_id": client.id}, {}, None), "redeem without credentials")
    rfc7523.check_client_refused(result.status, result.response.headers, result.judged_body, basic_auth_used=False,
                                 requirement="RFC6749-4.1.3")


@requirement("RFC6749-5.2", "RFC6749-4.1.3", "RFC6749-2.3.1")
def test_wrong_secret_basic_refused(target: Target, user_agent: Any) -> None:
    """A wrong secret over HTTP Basic gives 401 ``invalid_client`` with a ``WWW-Authenticate: Basic`` challenge."""
    client = _secret_client(target, AuthMethod.CLIENT_SECRET_BASIC)
    result = _probe(target, user_agent, client, secret_auth(client, "wrong-" + "x" * 30), "redeem with a wrong "
                    "secret (Basic)")
    rfc7523.check_client_refused(result.status, result.response.headers, result.judged_body,
                                 basic_auth_used=result.used_basic, requirement="RFC6749-4.1.3")


@requirement("RFC6749-5.2", "RFC6749-4.1.3", "RFC6749-2.3.1")
def test_wrong_secret_post_refused(target: Target, user_agent: Any) -> None:
    """A wrong ``client_secret`` in the body gives ``invalid_client``."""
    client = _secret_client(target, AuthMethod.CLIENT_SECRET_POST)
    result = _probe(target, user_agent, client,
                    secret_auth(client, "wrong-" + "x" * 30, AuthMethod.CLIENT_SECRET_POST),
                    "redeem with a wrong secret (post)")
    rfc7523.check_client_refused(result.status, result.response.headers, result.judged_body, basic_auth_used=False,
                                 requirement="RFC6749-4.1.3")


@requirement("OIDCC-9-client_secret_jwt", "RFC6749-5.2")
def test_secret_jwt_client_plain_secret_refused(target: Target, user_agent: Any) -> None:
    """A ``client_secret_jwt`` client sending its secret itself (HTTP Basic): refusal advised (MAY-level warning).

    OpenID Connect Core §9: "During Client Registration, the RP (Client) MAY register a Client
    Authentication method."; with client_secret_jwt the client "create[s] a JWT using an HMAC
    SHA algorithm", so the secret never travels. No server-side MUST forbids accepting another
    method: RFC 6749 §2.3 lets the server "accept any form of client authentication meeting its
    security requirements" and §2.3.1 even requires Basic support for clients issued a password.
    Accepting the plain secret is therefore reported at MAY level (a warning: the registered
    method is not enforced). A refusal must be a proper §5.2 one: Basic was used, so 401
    ``invalid_client`` with a ``WWW-Authenticate: Basic`` challenge.
    """
    client = _client_with(target, AuthMethod.CLIENT_SECRET_JWT, need=lambda c: c.secret is not None)
    assert client.secret is not None
    result = _probe(target, user_agent, client, secret_auth(client, client.secret.get_secret_value()),
                    "redeem with the plain secret over Basic")
    if result.ok:
        raise fail("CLIENT_AUTH_METHOD_NOT_ENFORCED", f"client {client.id} is registered for client_secret_jwt but "
                   "its plain secret over HTTP Basic was accepted (permitted, not advised)",
                   "OIDCC-9-client_secret_jwt", expected="invalid_client", actual="tokens issued", level=Level.MAY)
    rfc7523.check_client_refused(result.status, result.response.headers, result.judged_body,
                                 basic_auth_used=result.used_basic, requirement="OIDCC-9-client_secret_jwt")


# --------------------------------------------------------------------------- client assertions


method_param = pytest.mark.parametrize("method", [m.value for m in JWT_METHODS])


@requirement("RFC7521-4.2", "RFC6749-5.2")
@method_param
def test_assertion_missing_refused(target: Target, user_agent: Any, method: str) -> None:
    """``client_assertion_type`` without ``client_assertion`` is refused (``invalid_client`` or ``invalid_request``)."""
    client = _client_with(target, AuthMethod(method))
    result = _probe(target, user_agent, client, assertion_auth(client, None), "redeem without the assertion")
    _refused(result, "RFC7521-4.2", also=("invalid_request",), error_requirement="RFC7521-4.2")


@requirement("RFC7523-3", "RFC7523-3.2")
@method_param
def test_assertion_wrong_audience_refused(target: Target, user_agent: Any, method: str) -> None:
    """An assertion whose ``aud`` names another server is refused with ``invalid_client``."""
    result = _assertion_probe(target, user_agent, AuthMethod(method), "assertion with a foreign aud",
                              audience=WRONG_AUDIENCE)
    _refused(result, "RFC7523-3-aud")


@requirement("RFC7523-3", "RFC7523-3.2")
@method_param
def test_assertion_audience_array_without_server_refused(target: Target, user_agent: Any, method: str) -> None:
    """An ``aud`` array that does not contain the server's identity is refused."""
    result = _assertion_probe(target, user_agent, AuthMethod(method), "assertion with an aud array of others",
                              audience=[WRONG_AUDIENCE, "https://another.example.test/"])
    _refused(result, "RFC7523-3-aud")


@requirement("RFC7523-3", "RFC7523-3.2")
@method_param
def test_assertion_wrong_issuer_refused(target: Target, user_agent: Any, method: str) -> None:
    """An assertion whose ``iss`` is not the client id is refused."""
    result = _assertion_probe(target, user_agent, AuthMethod(method), "assertion with a foreign iss",
                              claim_overrides={"iss": "some-other-client"})
    _refused(result, "RFC7521-5.2-issuer")


@requirement("RFC7523-3", "RFC7523-3.2")
@method_param
def test_assertion_wrong_subject_refused(target: Target, user_agent: Any, method: str) -> None:
    """An assertion whose ``sub`` is not the client id is refused with ``invalid_client`` (exactly).

    RFC 7523 §3: "For client authentication, the subject MUST be the "client_id" of the OAuth
    client."; §3.2: "If the client JWT is not valid, or its subject is not a valid client, the
    authorization server constructs an error response as defined in OAuth 2.0 [RFC6749]. The
    value of the "error" parameter MUST be the "invalid_client" error code."

    The request carries no ``client_id`` (RFC 7521 §4.2: it "is unnecessary for client
    assertion authentication because the client is identified by the subject of the
    assertion"), so the subject alone names the client: a ``client_id`` naming another client
    would make the request malformed (``invalid_request`` would then be right, too).
    """
    result = _assertion_probe(target, user_agent, AuthMethod(method), "assertion with a foreign sub, no client_id",
                              include_client_id=False, claim_overrides={"sub": "some-other-client"})
    _refused(result, "RFC7523-3-sub")


@requirement("RFC7523-3", "RFC7519-4.1.4")
@method_param
def test_assertion_expired_refused(target: Target, user_agent: Any, method: str) -> None:
    """An assertion that expired an hour ago is refused.

    RFC 7523 §3 item 4: "The authorization server MUST reject any JWT with an expiration time
    that has passed, subject to allowable clock skew between systems." An hour is far beyond any
    clock-skew allowance (RFC 7519 §4.1.4: leeway "usually no more than a few minutes"; an
    assertion expired four minutes ago could still be inside a 5-minute allowance).
    """
    now = time.time()
    result = _assertion_probe(target, user_agent, AuthMethod(method), "assertion expired an hour ago",
                              now=now - 3660)
    _refused(result, "RFC7523-3-exp")


@requirement("RFC7523-3-exp", "OIDCC-9-exp")
@method_param
def test_assertion_without_exp_refused(target: Target, user_agent: Any, method: str) -> None:
    """An assertion without ``exp`` is refused ("The JWT MUST contain an exp claim")."""
    result = _assertion_probe(target, user_agent, AuthMethod(method), "assertion without exp",
                              claim_overrides={"exp": jose.REMOVE})
    _refused(result, "RFC7523-3-exp")


@requirement("RFC7523-3", "RFC7519-4.1.5")
@method_param
def test_assertion_future_nbf_refused(target: Target, user_agent: Any, method: str) -> None:
    """An assertion whose ``nbf`` lies an hour ahead is refused (not yet valid)."""
    now = int(time.time())
    result = _assertion_probe(target, user_agent, AuthMethod(method), "assertion with a future nbf",
                              claim_overrides={"nbf": now + 3600, "exp": now + 3660})
    _refused(result, "RFC7523-3-nbf")


@requirement("RFC7523-3-iat", "RFC7519-4.1.6", "RFC7523-3.2")
@method_param
def test_assertion_future_iat_refused(target: Target, user_agent: Any, method: str) -> None:
    """An assertion "issued" an hour in the future: refusal advised (MAY-level warning when accepted).

    RFC 7523 §3 sets no rule for a future ``iat`` (item 6 only notes that the server "may
    reject JWTs with an "iat" claim value that is unreasonably far in the past") and RFC 7519
    §4.1.6 defines the claim as "the time at which the JWT was issued ... Use of this claim is
    OPTIONAL." No MUST or SHOULD is broken by accepting it, so acceptance is reported at MAY
    level (assertions minted in advance are accepted). A refusal must be ``invalid_client``
    (§3.2: "If the client JWT is not valid ... The value of the "error" parameter MUST be the
    "invalid_client" error code.").
    """
    result = _assertion_probe(target, user_agent, AuthMethod(method), "assertion issued in the future",
                              now=time.time() + 3600)
    if result.ok:
        raise fail("ASSERTION_FUTURE_IAT_ACCEPTED", "an assertion whose iat is an hour in the future was accepted "
                   "(permitted, not advised)", "RFC7523-3-iat", expected="invalid_client", actual="tokens issued",
                   level=Level.MAY)
    _refused(result, "RFC7523-3.2")


@requirement("RFC7523-3", "RFC7515-5.2")
@method_param
def test_assertion_alg_none_refused(target: Target, user_agent: Any, method: str) -> None:
    """An unsigned assertion (``alg: none``) is refused ("The JWT MUST be digitally signed or have a MAC")."""
    result = _assertion_probe(target, user_agent, AuthMethod(method), "unsigned assertion", alg="none")
    _refused(result, "RFC7523-3-signature")


@requirement("RFC7523-3", "RFC7515-5.2")
@method_param
def test_assertion_wrong_key_refused(target: Target, user_agent: Any, method: str) -> None:
    """An assertion signed with a key the client never registered is refused (same ``kid``, other key)."""
    chosen = AuthMethod(method)
    if chosen is AuthMethod.CLIENT_SECRET_JWT:
        result = _assertion_probe(target, user_agent, chosen, "assertion keyed with another secret",
                                  secret="not-the-client-secret-" + "y" * 24)
    else:
        client = _client_with(target, chosen)
        from harness.flows.token import signing_key

        own, alg = signing_key(client)
        kind = "EC" if alg.startswith("ES") else "RSA"
        other = jose.generate_key(kind, label="client-auth-wrong-key")
        result = _assertion_probe(target, user_agent, chosen, "assertion signed by an unregistered key", key=other,
                                  alg=alg, header_overrides={"kid": own.get("kid")} if own.get("kid") else None)
    _refused(result, "RFC7523-3-signature")


def _is_openid_provider(target: Target) -> bool:
    """The profile's discovery document is an OpenID Provider Configuration (known before asking)."""
    return target.profile.effective_discovery_url.rstrip("/").endswith("/.well-known/openid-configuration")


@requirement("OIDCC-9-jti", "DOC-assertion_replay_prevention", "RFC7523-3-jti")
def test_assertion_replay_refused(target: Target, user_agent: Any) -> None:
    """A second use of one client assertion (same ``jti``) is refused.

    Unconditional for an OpenID Provider (OIDC Core §9: "These tokens MUST only be used once, unless
    conditions for reuse were negotiated between the parties"); for a plain OAuth server (RFC 7523 §3:
    the server "MAY ensure that JWTs are not replayed") only where the profile documents replay
    prevention. A client documenting it is preferred; else, for an OP, any JWT-authenticating client.
    """
    candidates = [c for c in target.profile.clients if c.auth_method in JWT_METHODS and _plain(c)]
    documented = [c for c in candidates if c.documented.assertion_replay_prevention]
    oidc = _is_openid_provider(target)
    client = next(iter(documented or (candidates if oidc else [])), None)
    if client is None:
        pytest.skip("the profile has no plain client authenticating with a JWT assertion" if not candidates else
                    "no client documents assertion replay prevention (documented.assertion_replay_prevention) and "
                    "the target is not an OpenID Provider (RFC 7523 §3 makes replay prevention a MAY)")
    requirement_id = "DOC-assertion_replay_prevention" if client.documented.assertion_replay_prevention \
        else "OIDCC-9-jti"
    evidence.note(f"client {client.id} ({client.auth_method.value}); single use required by {requirement_id}")
    assertion = build_assertion(client, _token_url(target, client))
    first = _probe(target, user_agent, client, assertion_auth(client, assertion), "first use of the assertion")
    if not first.ok:
        raise fail("PRECONDITION_TOKEN_REQUEST_FAILED", "a fresh, valid client assertion was refused", "RFC7523-3",
                   expected="HTTP 200 with tokens", actual=f"HTTP {first.status} error={first.error}")
    second = _probe(target, user_agent, client, assertion_auth(client, assertion), "second use of the assertion")
    _refused(second, requirement_id)


def _key_for_other_alg(client: Client, documented: str) -> tuple[str, Any] | None:
    """(alg, key) of the client's private JWKS for an asymmetric algorithm other than ``documented``."""
    for alg in ("ES256", "PS256", "RS256", "ES384", "ES512", "EdDSA"):
        if alg == documented:
            continue
        try:
            return alg, client_signing_key(client, alg)
        except (ProfileError, NotApplicable):  # no key for this alg: try the next one
            continue
    return None


_OTHER_ALG = {"HS256": "HS512", "HS384": "HS256", "HS512": "HS256", "RS256": "PS256", "PS256": "RS256",
              "RS384": "PS384", "PS384": "RS384", "RS512": "PS512", "PS512": "RS512"}


@requirement("DOC-token_endpoint_auth_signing_alg", "OIDCR-2-token_endpoint_auth_signing_alg")
def test_assertion_documented_alg_enforced(target: Target, user_agent: Any) -> None:
    """Where a signing algorithm is documented, an assertion signed with another one is refused.

    RSA and HMAC algorithms have a sibling the same key signs with (RS256/PS256, HS256/HS512); an
    EC (or other) documented algorithm needs a second key of the client's ``jwks_file`` for another
    algorithm (registered with the client, so only the algorithm is wrong).
    """
    found: tuple[Client, str, Any] | None = None
    for client in target.profile.clients:
        alg = client.documented.token_endpoint_auth_signing_alg
        if client.auth_method not in JWT_METHODS or alg is None or not _plain(client):
            continue
        if alg in _OTHER_ALG:
            found = (client, _OTHER_ALG[alg], None)
            break
        if client.auth_method is AuthMethod.PRIVATE_KEY_JWT:
            key = _key_for_other_alg(client, alg)
            if key is not None:
                found = (client, key[0], key[1])
                break
    if found is None:
        pytest.skip("no JWT-authenticating client documents token_endpoint_auth_signing_alg with a second "
                    "algorithm it can sign with (RSA/HMAC siblings, or another key of its jwks_file)")
    client, other, other_key = found
    alg = client.documented.token_endpoint_auth_signing_alg
    assertion = build_assertion(client, _token_url(target, client), alg=other, key=other_key)
    evidence.note(f"documented {alg}; assertion signed with {other}")
    result = _probe(target, user_agent, client, assertion_auth(client, assertion), f"assertion signed with {other}")
    _refused(result, "DOC-token_endpoint_auth_signing_alg")


@requirement("RFC7523-3-aud", "RFC8414-2-issuer", "FAPI2SP-5.3.2.1-8")
@method_param
def test_assertion_issuer_audience_accepted(target: Target, user_agent: Any, method: str) -> None:
    """An assertion whose ``aud`` is the issuer identifier is accepted (accept; warning when refused).

    RFC 7523 §3 item 3: the ``aud`` claim must contain "a value that identifies the authorization
    server as an intended audience"; the issuer identifier (RFC 8414 §2) is its identity. RFC 7523
    leaves the accepted strings to the server, hence SHOULD — except for a FAPI 2.0 client, whose
    server "shall only accept its issuer identifier value" (FAPI 2.0 SP §5.3.2.1): a MUST there.
    """
    client = _client_with(target, AuthMethod(method))
    result = _assertion_probe(target, user_agent, AuthMethod(method), "assertion with aud = issuer",
                              audience=str(target.metadata.get("issuer") or target.profile.issuer))
    if client.is_fapi2:
        rfc7523.check_client_accepted(result.ok, result.status, result.error, what="an assertion whose aud is "
                                      "the issuer identifier (FAPI 2.0 client)", requirement="FAPI2SP-5.3.2.1-8",
                                      code="ASSERTION_ISSUER_AUD_REFUSED")
        return
    rfc7523.check_client_accepted(result.ok, result.status, result.error, what="an assertion whose aud is the "
                                  "issuer identifier", requirement="RFC7523-3-aud", level=Level.SHOULD,
                                  code="ASSERTION_ISSUER_AUD_REFUSED")


@requirement("RFC7523-3", "RFC7519-4.1.4")
@method_param
def test_assertion_small_clock_skew_accepted(target: Target, user_agent: Any, method: str) -> None:
    """An assertion from a client whose clock runs 5 s ahead is accepted (accept; MAY-level warning when refused).

    RFC 7519 §4.1.4: "Implementers MAY provide for some small leeway, usually no more than a
    few minutes, to account for clock skew"; RFC 7523 §3 refuses only expired or not-yet-valid
    (``nbf``) assertions and sets no rule for ``iat``. Refusing is permitted, so it is reported
    at the level of that sentence (MAY): a warning about interoperability, never a failure.
    """
    result = _assertion_probe(target, user_agent, AuthMethod(method), "assertion from a clock 5 s ahead",
                              now=time.time() + 5)
    rfc7523.check_client_accepted(result.ok, result.status, result.error, what="an assertion issued 5 s in the "
                                  "future", requirement="RFC7519-4.1.4-leeway", level=Level.MAY,
                                  code="ASSERTION_CLOCK_SKEW_REFUSED")


@requirement("DOC-enabled")
def test_documented_disabled_client_refused(target: Target, user_agent: Any) -> None:
    """A client documented as disabled is refused: ``invalid_client`` at the token endpoint, no code at authorization.

    The token request carries the client's valid credentials and an unknown code, so an enabled
    client would get ``invalid_grant`` (RFC 6749 §5.2) and a disabled one ``invalid_client``.
    Disabled clients are never picked by other checks (state them with ``use_in_suites: false``).
    """
    client = next((c for c in target.profile.clients if not c.documented.enabled), None)
    if client is None:
        pytest.skip("the profile documents no disabled client (clients[].documented.enabled: false)")
    redirect_uri = client.redirect_uris[0] if client.redirect_uris else None
    result = redeem_code(target, client, "unknown-" + secrets.token_urlsafe(16), redirect_uri=redirect_uri,
                         code_verifier=None, label="token request by the disabled client")
    code_issued = False
    if "authorization_code" in client.grant_types and redirect_uri is not None:
        request = build_authorization_request(target, client)
        outcome = user_agent().authorize(request.url(), user=target.user(0), redirect_uri=request.redirect_uri)
        code_issued = outcome.redirected and bool(outcome.params.get("code"))
    documented.check_disabled_client_refused(result.status, result.body or {}, code_issued=code_issued)
