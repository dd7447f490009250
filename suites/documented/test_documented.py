"""Documented behaviour of the deployment that no protocol suite owns (issue 21).

Each check reads one setting of the profile's ``documented`` sections
(``harness/documented_settings.py``) and is skipped, before any request, where the profile does
not state it: PingFederate's "Bypass Authorization Approval" (per client), the authorization
server's "PAR Status", the device "User Authorization URL", wildcard Redirection URIs, grant
reuse, pairwise identifiers, the persistent-grant idle timeout and introspection encryption. A
documented value only adds expectations; the specification checks of the other suites run next
to these.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from harness import evidence, jose
from harness.flows import ciba, device
from harness.flows.authorization import AuthorizationOutcome, OffRedirectUri, build_authorization_request
from harness.flows.code_flow import authorize, obtain_code
from harness.flows.expiry import require_wait_within_cap
from harness.flows.introspection import introspect
from harness.flows.par import push
from harness.flows.token import (
    id_token_subject,
    obtain_refresh_token,
    obtain_tokens,
    redeem_code,
    refresh,
    token_request,
)
from harness.profile import Client
from harness.results import Findings, NeedsReview, fail
from harness.specs import documented, oidc_core, rfc7517
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement

ASYMMETRIC_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


def _code_client(client: Client) -> bool:
    doc = client.documented
    return (client.use_in_suites and doc.enabled and "authorization_code" in client.grant_types
            and bool(client.redirect_uris) and not doc.dpop_bound and not doc.certificate_bound
            and not (doc.require_par or doc.require_signed_requests or doc.require_jarm))


def _require_consent_detection(target: Target) -> None:
    """Skip (before asking) when the login driver cannot tell a consent page."""
    login = target.profile.login
    detection = {"http_form": login.http_form.consent_form_id,
                 "browser": login.browser.consent_page_selector}.get(login.driver)
    if not detection:
        raise NotApplicable(f"the login driver {login.driver} is not configured to recognise a consent page "
                            "(login.http_form.consent_form_id / login.browser.consent_page_selector)")


@requirement("DOC-bypass_authorization_approval")
def test_authorization_approval(target: Target, user_agent: Any) -> None:
    """A client documented with Bypass Authorization Approval gets no consent page; one documented without it does.

    Every client stating ``bypass_authorization_approval`` is tried with a fresh user agent (no
    earlier grant). Seeing a consent page needs the login driver's consent detection
    (``login.http_form.consent_form_id`` or ``login.browser.consent_page_selector``).
    """
    clients = [c for c in target.profile.clients if c.documented.bypass_authorization_approval is not None
               and c.documented.enabled and "authorization_code" in c.grant_types and c.redirect_uris]
    if not clients:
        pytest.skip("the profile documents Bypass Authorization Approval for no code-flow client "
                    "(clients[].documented.bypass_authorization_approval)")
    _require_consent_detection(target)
    findings = Findings()
    for client in clients:
        request = build_authorization_request(target, client)
        outcome = user_agent().authorize(request.url(), user=target.user(0), redirect_uri=request.redirect_uri)
        evidence.note(f"{client.id}: consent page {'shown' if outcome.consent_form_shown else 'not shown'}; "
                      f"{outcome.describe()}")
        findings.check(documented.check_authorization_approval,
                       bool(client.documented.bypass_authorization_approval), outcome.consent_form_shown)
    findings.raise_if_any()


@requirement("DOC-par.status")
def test_par_status(target: Target, user_agent: Any) -> None:
    """The authorization server's documented PAR Status, for a client not documented with Require PAR.

    Enabled: a plain request and a push both work; Required: a plain request gets no code, a push
    works; Disabled: a plain request works and a push is refused (or no PAR endpoint exists).
    """
    status = target.profile.documented.par.status
    if status is None:
        pytest.skip("the profile documents no PAR Status (documented.par.status)")
    client = next((c for c in target.profile.clients if _code_client(c)), None)
    if client is None:
        raise NotApplicable("the profile has no plain code-flow client (one not documented with require_par, "
                            "require_signed_requests or require_jarm)")
    request = build_authorization_request(target, client)
    outcome = user_agent().authorize(request.url(), user=target.user(0), redirect_uri=request.redirect_uri)
    plain_code = outcome.redirected and bool(outcome.params.get("code"))
    evidence.note(f"plain authorization request by {client.id}: {outcome.describe()}")
    push_status = None
    if target.metadata.get("pushed_authorization_request_endpoint"):
        pushed = build_authorization_request(target, client)
        result = push(target, client, dict(pushed.params), label="push by a client not required to use PAR",
                      request=pushed)
        push_status = result.status
    documented.check_par_status(status, plain_code_issued=plain_code, push_status=push_status)


@requirement("DOC-device.verification_uri")
def test_device_verification_uri(target: Target) -> None:
    """Device authorization responses name the documented User Authorization URL (and ``?user_code=`` complete)."""
    uri = target.profile.documented.device.verification_uri
    if uri is None:
        pytest.skip("the profile documents no device User Authorization URL (documented.device.verification_uri)")
    client = next((c for c in target.profile.clients if c.use_in_suites and device.GRANT_TYPE in c.grant_types), None)
    if client is None:
        raise NotApplicable("the profile has no client with the device_code grant")
    auth = device.start(target, client)
    documented.check_verification_uri(auth.body, uri)


def _wildcard_client(target: Target) -> tuple[Client, str]:
    for client in target.profile.clients:
        if client.documented.redirect_uri_wildcards and client.documented.enabled \
                and "authorization_code" in client.grant_types:
            return client, client.documented.redirect_uri_wildcards[0]
    raise NotApplicable("the profile documents no wildcard Redirection URI (clients[].documented."
                        "redirect_uri_wildcards)")


def _outcome(target: Target, user_agent: Any, client: Client, **build: Any) -> AuthorizationOutcome:
    """The authorization outcome; an answer at another registered URI counts as not redirected to the one sent."""
    try:
        _, outcome = authorize(target, user_agent, client, **build)
    except OffRedirectUri as off:
        off.outcome_if_registered(client.redirect_uris)  # re-raised unless it landed at a registered URI
        return AuthorizationOutcome(via="error_page")
    return outcome


@requirement("DOC-redirect_uri_wildcards")
def test_redirect_uri_wildcard(target: Target, user_agent: Any) -> None:
    """A ``redirect_uri`` the documented wildcard matches gets the code; URIs it does not match are refused."""
    client, pattern = _wildcard_client(target)
    token = "h" + secrets.token_hex(6)
    matching, others = documented.wildcard_candidates(pattern, token)
    findings = Findings()
    outcome = _outcome(target, user_agent, client, redirect_uri=matching)
    evidence.note(f"{matching} (matches {pattern}): {outcome.describe()}")
    findings.check(documented.check_wildcard_redirect, pattern, matching, matches=True,
                   redirected=outcome.redirected, params=outcome.params)
    for uri in others:
        outcome = _outcome(target, user_agent, client, redirect_uri=uri)
        evidence.note(f"{uri} (does not match {pattern}): {outcome.describe()}")
        findings.check(documented.check_wildcard_redirect, pattern, uri, matches=False,
                       redirected=outcome.redirected, params=outcome.params)
    findings.raise_if_any()


def _redirect_uri_required_clients(target: Target) -> list[tuple[Client, str | None]]:
    """(client, its wildcard pattern or None) for wildcard clients and clients documented with several URIs."""
    found: list[tuple[Client, str | None]] = []
    for client in target.profile.clients:
        if not (client.documented.enabled and "authorization_code" in client.grant_types):
            continue
        if client.documented.redirect_uri_wildcards:
            found.append((client, client.documented.redirect_uri_wildcards[0]))
        elif client.documented.redirect_uri_required and len(client.redirect_uris) > 1 and _code_client(client):
            found.append((client, None))
    if not found:
        raise NotApplicable("the profile documents no wildcard Redirection URI and no client with several redirect "
                            "URIs documented with redirect_uri_required (clients[].documented.redirect_uri_wildcards "
                            "/ redirect_uri_required)")
    return found


@requirement("DOC-redirect_uri_wildcards", "DOC-redirect_uri_required")
def test_redirect_uri_mandatory(target: Target, user_agent: Any) -> None:
    """With a wildcard or several Redirection URIs, an authorization or token request without ``redirect_uri`` fails.

    Each wildcard client, and each client documented with ``redirect_uri_required`` and several
    ``redirect_uris``, sends an authorization request without ``redirect_uri``, then a token
    request without it for a code obtained with one.
    """
    findings = Findings()
    for client, pattern in _redirect_uri_required_clients(target):
        request, outcome = authorize(target, user_agent, client, drop=("redirect_uri",))
        evidence.note(f"{client.id}: authorization request without redirect_uri: {outcome.describe()}")
        code_issued = outcome.redirected and bool(outcome.params.get("code"))
        if pattern is not None:
            matching, _ = documented.wildcard_candidates(pattern, "h" + secrets.token_hex(6))
        else:
            matching = client.redirect_uris[0]
        flow = obtain_code(target, user_agent, client, redirect_uri=matching)
        result = redeem_code(target, client, flow.code, redirect_uri=None, code_verifier=flow.request.code_verifier,
                             label=f"token request of {client.id} without redirect_uri")
        if pattern is not None:
            findings.check(documented.check_redirect_uri_mandatory, authorization_code_issued=code_issued,
                           token_issued=result.ok)
        else:
            findings.check(documented.check_redirect_uri_mandatory, authorization_code_issued=code_issued,
                           token_issued=result.ok, reason=f"{len(client.redirect_uris)} Redirection URIs",
                           requirement="DOC-redirect_uri_required")
    findings.raise_if_any()


@requirement("DOC-reuse_existing_grants")
def test_existing_grant_reused(target: Target, user_agent: Any) -> None:
    """A client the user approved is not asked again in the same session where grant reuse is documented (or is).

    One user agent (one session) authorizes twice; the first authorization must show the consent
    page for the second to say anything.
    """
    clients = [c for c in target.profile.clients if c.documented.reuse_existing_grants is not None
               and not c.documented.bypass_authorization_approval and c.documented.enabled
               and "authorization_code" in c.grant_types and c.redirect_uris]
    if not clients:
        pytest.skip("the profile documents grant reuse for no code-flow client "
                    "(clients[].documented.reuse_existing_grants)")
    _require_consent_detection(target)
    findings = Findings()
    for client in clients:
        agent = user_agent()
        _, first = authorize(target, user_agent, client, agent=agent)
        if not first.consent_form_shown:
            raise NeedsReview(f"the first authorization of {client.id} showed no consent page, so whether a second "
                              "one reuses the grant cannot be seen")
        _, second = authorize(target, user_agent, client, agent=agent)
        evidence.note(f"{client.id}: second authorization in the same session: consent page "
                      f"{'shown' if second.consent_form_shown else 'not shown'}; {second.describe()}")
        findings.check(documented.check_existing_grant_reused, bool(client.documented.reuse_existing_grants),
                       second.consent_form_shown)
    findings.raise_if_any()



@requirement("DOC-pairwise_identifier", "OIDCC-8.1")
def test_pairwise_subject(target: Target, user_agent: Any) -> None:
    """A client documented with a pairwise identifier gets a stable ``sub`` of its own (not another client's)."""
    def openid(c: Client) -> bool:
        return c.documented.enabled and "authorization_code" in c.grant_types and bool(c.redirect_uris) \
            and "openid" in c.scope.split()

    pairwise = next((c for c in target.profile.clients if c.documented.pairwise_identifier and openid(c)), None)
    if pairwise is None:
        pytest.skip("the profile documents no OpenID client with a pairwise identifier "
                    "(clients[].documented.pairwise_identifier)")
    other = next((c for c in target.profile.clients if _code_client(c) and openid(c)
                  and not c.documented.pairwise_identifier), None)
    if other is None:
        raise NotApplicable("the profile has no other plain OpenID code client to compare the sub with")
    subs = [id_token_subject(target, user_agent, pairwise), id_token_subject(target, user_agent, pairwise)]
    documented.check_pairwise_subject(subs, id_token_subject(target, user_agent, other))


@requirement("DOC-persistent_grant_idle_timeout_s")
@pytest.mark.slow_wait  # the documented idle timeout is waited out (parks: harness/wait_overlap.py)
def test_persistent_grant_idle_timeout(target: Target, user_agent: Any) -> None:
    """A refresh token that works is refused once its grant was unused longer than the documented idle timeout.

    The idle timeout plus 2 s is waited out in :func:`evidence.mandated_wait`, so the check is
    started early and parks there while other checks run (``slow_wait``); resumed late it has been
    idle longer still, which does not change what it judges.
    """
    client = next((c for c in target.profile.clients if c.documented.persistent_grant_idle_timeout_s
                   and c.documented.enabled and "refresh_token" in c.grant_types), None)
    if client is None:
        pytest.skip("the profile documents no Persistent Grants Idle Timeout for a client with refresh tokens "
                    "(clients[].documented.persistent_grant_idle_timeout_s)")
    idle = client.documented.persistent_grant_idle_timeout_s
    assert idle is not None
    require_wait_within_cap(target, idle + 2, f"the documented grant idle timeout {idle}s of {client.id}")
    tokens = obtain_refresh_token(target, user_agent, client)
    token = tokens.refresh_token
    assert token is not None
    fresh = refresh(target, client, token, label="refresh within the idle timeout")
    if not fresh.ok:
        raise fail("PRECONDITION_REFRESH_FAILED", "a fresh refresh token was refused", "RFC6749-6",
                   expected="HTTP 200 with access_token", actual=fresh.describe())
    latest = (fresh.body or {}).get("refresh_token") or token
    evidence.mandated_wait(idle + 2, f"documented Persistent Grants Idle Timeout {idle}s plus 2s")
    stale = refresh(target, client, str(latest), label="refresh after the idle timeout")
    documented.check_grant_idle_timeout(stale.status, stale.body or {}, idle)


@pytest.mark.needs("introspection_endpoint")
@requirement("DOC-introspection_encryption", "RFC9701-5")
def test_introspection_encrypted(target: Target, user_agent: Any) -> None:
    """A client documented with introspection encryption gets JWE introspection answers with that alg/enc.

    The client introspects a token issued to itself (RFC 7662 §2.1 lets a server allow that),
    asking for ``application/token-introspection+jwt`` (RFC 9701 §4); the answer must decrypt
    with the client's private keys and carry a signed JWT.
    """
    client = next((c for c in target.profile.clients if c.documented.introspection_encryption is not None
                   and c.jwks_file is not None and c.documented.enabled and not c.is_public
                   and "authorization_code" in c.grant_types and c.redirect_uris), None)
    if client is None:
        pytest.skip("the profile documents introspection encryption for no confidential code client with a "
                    "private JWKS (clients[].documented.introspection_encryption, jwks_file)")
    settings = client.documented.introspection_encryption
    assert settings is not None and client.jwks_file is not None
    tokens = obtain_tokens(target, user_agent, client)
    result = introspect(target, client, tokens.access_token, accept_jwt=True,
                        label="introspection of the client's own token (JWT answer)")
    if result.status != 200:
        raise fail("INTROSPECTION_JWT_REFUSED", "the JWT introspection request of the client's own token was not "
                   "answered", "DOC-introspection_encryption", expected="HTTP 200", actual=result.describe())
    headers = documented.check_introspection_encrypted(result.response.content,
                                                       jose.load_private_jwks(client.jwks_file),
                                                       settings.alg, settings.enc)
    evidence.note(f"JWE {headers.get('alg')}/{headers.get('enc')}, inner JWT alg {headers['inner'].get('alg')}")


@pytest.mark.needs("device_authorization_endpoint")
@requirement("DOC-device_client_settings", "RFC8628-3.2")
def test_client_device_settings(target: Target) -> None:
    """A client's own documented device polling interval and pending-authorization timeout are in its responses."""
    client = next((c for c in target.profile.clients if device.GRANT_TYPE in c.grant_types and c.documented.enabled
                   and (c.documented.device_polling_interval_s or c.documented.device_code_lifetime_s)), None)
    if client is None:
        pytest.skip("the profile documents no per-client device settings (clients[].documented."
                    "device_polling_interval_s / device_code_lifetime_s)")
    auth = device.start(target, client)
    documented.check_client_decoupled_settings(auth.body, interval_s=client.documented.device_polling_interval_s,
                                               lifetime_s=client.documented.device_code_lifetime_s,
                                               requirement="DOC-device_client_settings",
                                               what="device authorization")


@pytest.mark.needs("backchannel_authentication_endpoint")
@requirement("DOC-ciba_client_polling_interval", "CIBA-7.3")
def test_client_ciba_polling_interval(target: Target) -> None:
    """A client's own documented CIBA polling interval is in its backchannel authentication responses."""
    client = next((c for c in target.profile.clients if ciba.GRANT_TYPE in c.grant_types and c.documented.enabled
                   and c.documented.ciba_polling_interval_s and not c.documented.ciba_signed_requests), None)
    if client is None:
        pytest.skip("the profile documents no per-client CIBA polling interval for an unsigned-request CIBA client "
                    "(clients[].documented.ciba_polling_interval_s)")
    request = ciba.start(target, client)
    documented.check_client_decoupled_settings(request.body, interval_s=client.documented.ciba_polling_interval_s,
                                               lifetime_s=None, requirement="DOC-ciba_client_polling_interval",
                                               what="backchannel authentication")


@requirement("DOC-public_client_grants")
def test_public_client_credentials_refused(target: Target) -> None:
    """A public client (client authentication None) is refused the client credentials grant.

    Each enabled public client of the profile sends ``grant_type=client_credentials`` with its
    ``client_id`` only; an error answer, or any answer without an access token, is a refusal.
    """
    clients = [c for c in target.profile.clients if c.is_public and c.documented.enabled]
    if not clients:
        pytest.skip("the profile has no public client (auth_method: none)")
    findings = Findings()
    for client in clients:
        result = token_request(target, client, {"grant_type": "client_credentials"}, authenticate=False,
                               label=f"client credentials request by the public client {client.id}")
        findings.check(documented.check_public_client_credentials_refused, result.status, result.body or {})
    findings.raise_if_any()


@pytest.mark.needs("backchannel_authentication_endpoint")
@requirement("DOC-ciba.request_lifetime_s", "CIBA-7.3-expires_in")
def test_ciba_request_lifetime(target: Target) -> None:
    """The documented maximum CIBA request lifetime caps ``expires_in``, even for a longer ``requested_expiry``."""
    maximum = target.profile.documented.ciba.request_lifetime_s
    if maximum is None:
        pytest.skip("the profile documents no maximum CIBA request lifetime (documented.ciba.request_lifetime_s)")
    client = next((c for c in target.profile.clients if ciba.GRANT_TYPE in c.grant_types and c.documented.enabled
                   and c.use_in_suites and not c.documented.ciba_signed_requests), None)
    if client is None:
        raise NotApplicable("the profile has no CIBA client that sends unsigned backchannel requests")
    requested = maximum * 2 + 60
    request = ciba.start(target, client, extra={"requested_expiry": str(requested)})
    documented.check_ciba_request_lifetime(request.body, maximum, requested_s=requested)


@requirement("DOC-id_token_encryption", "OIDCC-10.1-symmetric")
def test_id_token_encrypted_with_secret(target: Target, user_agent: Any) -> None:
    """An ID token documented as symmetrically encrypted decrypts with the client secret's key to a signed JWT.

    The client is the first with a documented ``id_token_encryption`` whose ``alg`` is symmetric
    (``dir``, ``A*KW``, ``A*GCMKW``) and a secret (``id_token.encrypted_id_token`` covers asymmetric
    encryption with the client's ``jwks_file``); the inner JWT must verify with the issuer's keys or, for
    an HS algorithm, the client secret, with the documented signing algorithm.
    """
    client = next((c for c in target.profile.clients if c.secret is not None and c.documented.enabled
                   and c.documented.id_token_encryption is not None
                   and c.documented.id_token_encryption.alg in documented.SYMMETRIC_KEY_ALGS
                   and "authorization_code" in c.grant_types and "openid" in c.scope.split()), None)
    if client is None or client.secret is None or client.documented.id_token_encryption is None:
        pytest.skip("the profile documents no symmetric ID token encryption for a client with a secret "
                    "(clients[].documented.id_token_encryption with dir / A*KW / A*GCMKW)")
    settings = client.documented.id_token_encryption
    tokens = obtain_tokens(target, user_agent, client)
    raw = tokens.body.get("id_token")
    if not isinstance(raw, str):
        raise fail("PRECONDITION_NO_ID_TOKEN", "the openid token response has no id_token", "OIDCC-3.1.3.3",
                   expected="id_token", actual=sorted(tokens.body))
    evidence.record_token("id_token (JWE protected header)", jose.decode_jose_header(raw), {})
    secret = client.secret.get_secret_value()
    inner = documented.decrypt_with_client_secret(raw, secret, settings.alg, settings.enc)
    response = target.http.get_idempotent(target.endpoint("jwks_uri"), label="jwks")
    keys = rfc7517.published_keys(response.status_code, response.content)
    oidc_core.check_id_token_signature(inner, keys, allowed_algs=(*ASYMMETRIC_ALGS, *jose.HS_ALGS),
                                       expected_alg=client.documented.id_token_signing_alg, client_secret=secret)
    decoded = jose.decode_unverified(inner)
    evidence.record_token("id_token (decrypted with the client secret's key)", decoded.header, decoded.claims)


@pytest.mark.needs("introspection_endpoint")
@requirement("DOC-persistent_grant_max_lifetime_s")
def test_persistent_grant_max_lifetime(target: Target, user_agent: Any) -> None:
    """A client's own documented Persistent Grants Max Lifetime is the lifetime of its refresh tokens.

    ``exp - iat`` of the refresh token's introspection answer (RFC 7662 §2.2, asked by the client
    itself) is compared with it; without ``exp`` there the check needs review (the lifetime is
    usually hours or days, too long to wait for).
    """
    client = next((c for c in target.profile.clients if c.documented.persistent_grant_max_lifetime_s
                   and c.documented.enabled and "refresh_token" in c.grant_types), None)
    if client is None or client.documented.persistent_grant_max_lifetime_s is None:
        pytest.skip("the profile documents no per-client Persistent Grants Max Lifetime for a client with refresh "
                    "tokens (clients[].documented.persistent_grant_max_lifetime_s)")
    lifetime = client.documented.persistent_grant_max_lifetime_s
    tokens = obtain_refresh_token(target, user_agent, client)
    assert tokens.refresh_token is not None
    info = introspect(target, client, tokens.refresh_token, hint="refresh_token", label="introspect the refresh token")
    body = info.body if isinstance(info.body, dict) else {}
    if info.status != 200 or body.get("active") is not True or "exp" not in body:
        raise NeedsReview(f"introspection did not report the refresh token's exp (HTTP {info.status}, active="
                          f"{body.get('active')!r}); the documented {lifetime}s is not waited for")
    seen = documented.check_documented_lifetime(body, lifetime, requirement="DOC-persistent_grant_max_lifetime_s",
                                                what=f"refresh token of {client.id}", code_prefix="GRANT")
    evidence.note(f"refresh token lifetime {seen}s from introspection (documented {lifetime}s for {client.id})")
