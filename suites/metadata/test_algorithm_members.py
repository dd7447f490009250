"""Algorithm members held against behaviour: client-assertion, DPoP-proof and ID-token signing algorithms.

The harness signs client assertions with every algorithm a profile client has a key (or secret) for, and
DPoP proofs with keys it generates for each algorithm, whether or not the metadata lists it. ID-token
algorithms are observed on tokens issued to clients registered (documented) for each algorithm. Request-
object and JARM algorithms are judged by ``jar.request_object_support_advertised`` and ``jarm.jarm_advertised``.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import evidence, jose
from harness.flows import metadata_probes as probes
from harness.flows.resource import plain_code_flow
from harness.flows.token import obtain_tokens
from harness.profile import Client
from harness.results import Findings, NeedsReview
from harness.specs import metadata_consistency as mc
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement

ASSERTION_ALGS = ["HS256", "HS384", "HS512", "RS256", "RS384", "PS256", "ES256", "ES384", "EdDSA"]
DPOP_ALGS = ["ES256", "ES384", "PS256", "RS256", "EdDSA", "Ed25519"]


def _no_probe(target: Target, member: str, alg: str, why: str) -> None:
    listed, _ = mc.advertised(target.metadata, member, alg)
    if listed:
        raise NeedsReview(f"{member} lists {alg} but {why}, so the harness cannot exercise it")
    raise NotApplicable(f"{why} and {member} does not list {alg}: nothing to compare")


@requirement("RFC8414-2-token_endpoint_auth_signing_alg_values_supported")
@pytest.mark.parametrize("alg", ASSERTION_ALGS)
def test_assertion_signing_alg_matches_behaviour(target: Target, alg: str) -> None:
    """``token_endpoint_auth_signing_alg_values_supported`` ∋ alg exactly when assertions signed with it work.

    Every ``client_secret_jwt`` (HS*) or ``private_key_jwt`` client with a key for the algorithm, and no
    other registered algorithm, sends a token request for a made-up code authenticated by such an
    assertion: ``invalid_grant`` (the client authenticated) vs ``invalid_client`` (RFC 6749 §5.2).
    """
    member = "token_endpoint_auth_signing_alg_values_supported"
    target.endpoint("token_endpoint")
    capable = [c for c in target.profile.clients if c.use_in_suites and plain_code_flow(c)
               and probes.assertion_key(c, alg) is not None]
    if not capable:
        _no_probe(target, member, alg, f"no profile client can sign a client assertion with {alg}")
    probe = probes.assertion_alg_probe(target, alg)
    assert probe is not None  # capable clients exist (decided above)
    mc.check_value(target.metadata, member, alg, probe,
                   why_unknown="the token endpoint answered with neither invalid_grant nor invalid_client")


@requirement("RFC9449-5.1")
@pytest.mark.parametrize("alg", DPOP_ALGS)
def test_dpop_signing_alg_matches_behaviour(target: Target, alg: str) -> None:
    """``dpop_signing_alg_values_supported`` ∋ alg exactly when a DPoP proof signed with it is accepted.

    A client_credentials token request carries a proof signed with a fresh key for the algorithm
    (RFC 9449 §5); ``invalid_dpop_proof`` refuses it. Skipped when the member is absent (RFC 9449 gives
    no default: DPoP support is not advertised at all, the dpop suite is skipped too).
    """
    member = "dpop_signing_alg_values_supported"
    if not isinstance(target.metadata.get(member), list):
        raise NotApplicable(f"the metadata publishes no {member} (DPoP not advertised; no default)")
    if not any("client_credentials" in c.grant_types for c in probes.confidential_clients(target)):
        _no_probe(target, member, alg, "no confidential profile client has the client_credentials grant")
    probe = probes.dpop_alg_probe(target, alg)
    assert probe is not None
    mc.check_value(target.metadata, member, alg, probe,
                   why_unknown="the token endpoint answered with neither tokens nor invalid_dpop_proof")


def _by_documented_alg(target: Target) -> dict[str, Client]:
    found: dict[str, Client] = {}
    for client in target.profile.clients:
        doc = client.documented
        if (client.use_in_suites and plain_code_flow(client) and not client.is_public and client.redirect_uris
                and "openid" in client.scope.split() and "authorization_code" in client.grant_types
                and doc.id_token_encryption is None):
            found.setdefault(doc.id_token_signing_alg, client)
    return found


@requirement("OIDCD-3-id_token_signing_alg_values_supported")
def test_id_token_signing_algs_match_behaviour(target: Target, user_agent: Any) -> None:
    """Every algorithm ID tokens are signed with is listed, and each listed one a client is registered for is used.

    For each distinct documented ``id_token_signing_alg`` of the profile's OpenID clients, one client runs the
    code flow: the ID token's ``alg`` must be in ``id_token_signing_alg_values_supported`` (OIDC Discovery §3:
    "the JWS signing algorithms (alg values) supported by the OP for the ID Token"), and a listed algorithm a
    client is registered for must be the one its tokens carry. Listed algorithms no client is registered for
    are named in the evidence.
    """
    member = "id_token_signing_alg_values_supported"
    if not isinstance(target.metadata.get(member), list):
        raise NotApplicable(f"the metadata publishes no {member} (discovery.required_members judges that)")
    plan = _by_documented_alg(target)
    if not plan:
        raise NotApplicable("the profile has no confidential OpenID code-flow client with unencrypted ID tokens")
    listed = target.metadata[member]
    evidence.note(f"listed algorithms no profile client is registered for: "
                  f"{sorted(set(listed) - set(plan)) or 'none'}")
    findings = Findings()
    for alg, client in sorted(plan.items()):
        tokens = obtain_tokens(target, user_agent, client)
        raw = tokens.result.body.get("id_token") if tokens.result.body else None
        if not isinstance(raw, str) or jose.is_jwe(raw):
            evidence.note(f"client {client.id}: no readable ID token")
            continue
        used = str(jose.decode_jose_header(raw).get("alg"))
        evidence.note(f"client {client.id} (documented {alg}): ID token signed {used}")
        findings.check(mc.check_value, target.metadata, member, used,
                       mc.Probe(mc.Support.YES, f"client {client.id}'s ID token is signed {used}"))
        if used != alg:
            findings.check(mc.check_value, target.metadata, member, alg,
                           mc.Probe(mc.Support.NO, f"client {client.id} is registered for {alg} but its ID "
                                    f"token is signed {used}"))
    findings.raise_if_any()


@requirement("CIBA-4-backchannel_token_delivery_modes_supported")
@pytest.mark.parametrize("mode", ["poll", "ping", "push"])
def test_ciba_delivery_mode_matches_behaviour(target: Target, mode: str) -> None:
    """``backchannel_token_delivery_modes_supported`` lists every mode a profile client registered for it uses.

    Each CIBA client documented for the mode (``documented.ciba_delivery_mode``) sends a valid backchannel
    authentication request (CIBA §7.1); an acknowledgement with ``auth_req_id`` (§7.3) shows the mode is in
    use. A listed mode no profile client is registered for is review; an unacknowledged request is review.
    """
    from harness.flows import ciba

    member = "backchannel_token_delivery_modes_supported"
    target.endpoint("backchannel_authentication_endpoint")
    clients = [c for c in target.profile.clients if c.use_in_suites and ciba.GRANT_TYPE in c.grant_types
               and ciba.delivery_mode(c) == mode]
    if not clients:
        _no_probe(target, member, mode, f"no profile CIBA client is registered for {mode} mode")
    seen: list[str] = []
    probe = mc.Probe(mc.Support.UNKNOWN, "")
    for client in clients:
        request = ciba.send(target, client, ciba.request_params(target, client),
                            label=f"backchannel authentication request ({mode} mode)")
        acknowledged = request.status == 200 and isinstance(request.body.get("auth_req_id"), str)
        seen.append(f"client {client.id}: HTTP {request.status} error={request.body.get('error')}")
        if acknowledged:
            probe = mc.Probe(mc.Support.YES, f"client {client.id}'s {mode}-mode request was acknowledged")
            break
    if probe.support is mc.Support.UNKNOWN:
        probe = mc.Probe(mc.Support.UNKNOWN, "; ".join(seen))
    evidence.note(f"{mode} mode: {probe.observed} → {probe.support.value}")
    mc.check_value(target.metadata, member, mode, probe,
                   why_unknown="no request of a client registered for the mode was acknowledged")


@requirement("RFC8705-3.3")
def test_certificate_bound_tokens_match_behaviour(target: Target, user_agent: Any) -> None:
    """``tls_client_certificate_bound_access_tokens`` (default false) is true exactly when issued tokens are bound.

    A certificate-bound client (``documented.certificate_bound`` with its certificate) redeems a code over
    mutual TLS; introspection of its access token shows ``cnf`` ``x5t#S256`` of the certificate (RFC 8705
    §3.1/§3.2) when the server binds tokens. The binding's exact value is ``mtls.certificate_bound_token_*``'s.
    """
    from pathlib import Path

    from harness.flows.introspection import introspect, introspection_caller

    member = "tls_client_certificate_bound_access_tokens"
    client = next((c for c in target.profile.clients if c.use_in_suites and c.documented.certificate_bound
                   and c.cert_file is not None and c.key_file is not None and plain_code_flow(c)
                   and "authorization_code" in c.grant_types and c.redirect_uris), None)
    if client is None:
        _no_probe(target, member, "true", "the profile has no certificate-bound code-flow client")
    assert client is not None and client.cert_file is not None
    target.endpoint("introspection_endpoint")
    tokens = obtain_tokens(target, user_agent, client)
    answer = introspect(target, introspection_caller(target), tokens.access_token,
                        label="introspect the token issued over mutual TLS")
    cnf = (answer.body or {}).get("cnf")
    bound = isinstance(cnf, dict) and cnf.get("x5t#S256") == jose.x5t_s256(Path(client.cert_file).read_bytes())
    if answer.status != 200 or (answer.body or {}).get("active") is not True:
        probe = mc.Probe(mc.Support.UNKNOWN, f"introspection answered HTTP {answer.status} without active: true")
    else:
        probe = mc.Probe(mc.Support.YES if bound else mc.Support.NO,
                         f"client {client.id}'s token is {'bound to its certificate' if bound else 'not bound'} "
                         f"(introspection cnf: {cnf!r})")
    evidence.note(probe.observed)
    mc.check_value(target.metadata, member, None, probe, why_unknown="the token could not be introspected")


def _openid_clients(target: Target) -> list[Client]:
    return [c for c in target.profile.clients if c.use_in_suites and plain_code_flow(c) and not c.is_public
            and c.redirect_uris and "openid" in c.scope.split() and "authorization_code" in c.grant_types]


@requirement("OIDCD-3-id_token_encryption_values_supported")
def test_id_token_encryption_matches_behaviour(target: Target, user_agent: Any) -> None:
    """ID tokens of clients registered for encryption use an ``alg``/``enc`` the metadata lists.

    OIDC Discovery §3: ``id_token_encryption_alg_values_supported`` / ``_enc_values_supported`` list "the JWE
    encryption algorithms (alg values) / (enc values) supported by the OP for the ID Token". A client
    documented with ``id_token_encryption`` redeems a code; the JWE header's ``alg`` and ``enc`` must be listed
    (the decryption itself is ``id_token.encrypted_id_token``'s).
    """
    clients = [c for c in _openid_clients(target) if c.documented.id_token_encryption is not None]
    if not clients:
        raise NotApplicable("the profile has no client with documented ID token encryption (documented."
                            "id_token_encryption)")
    findings = Findings()
    for client in clients:
        tokens = obtain_tokens(target, user_agent, client)
        raw = tokens.result.body.get("id_token") if tokens.result.body else None
        if not isinstance(raw, str) or not jose.is_jwe(raw):
            raise NeedsReview(f"client {client.id} is documented for ID token encryption but its ID token is not a "
                              "JWE (id_token.encrypted_id_token judges that): no algorithm to compare")
        header = jose.decode_jose_header(raw)
        evidence.note(f"client {client.id}: ID token JWE alg={header.get('alg')} enc={header.get('enc')}")
        for member, value in (("id_token_encryption_alg_values_supported", header.get("alg")),
                              ("id_token_encryption_enc_values_supported", header.get("enc"))):
            findings.check(mc.check_value, target.metadata, member, str(value),
                           mc.Probe(mc.Support.YES, f"client {client.id}'s ID token uses {value}"))
    findings.raise_if_any()


@requirement("OIDCD-3-userinfo_signing_alg_values_supported")
def test_userinfo_signing_matches_behaviour(target: Target, user_agent: Any) -> None:
    """Signed UserInfo responses use an ``alg`` ``userinfo_signing_alg_values_supported`` lists.

    OIDC Discovery §3: the member lists "the JWS signing algorithms (alg values) supported by the UserInfo
    Endpoint to encode the Claims in a JWT". A client documented with ``userinfo_signing_alg`` calls UserInfo;
    the JWT's ``alg`` must be listed.
    """
    clients = [c for c in _openid_clients(target) if c.documented.userinfo_signing_alg is not None]
    if not clients:
        raise NotApplicable("the profile has no client with documented signed UserInfo (documented."
                            "userinfo_signing_alg)")
    userinfo = target.endpoint("userinfo_endpoint")
    findings = Findings()
    for client in clients:
        tokens = obtain_tokens(target, user_agent, client)
        response = target.http.get(userinfo, label="userinfo (signed response expected)",
                                   headers={"Authorization": f"Bearer {tokens.access_token}"})
        text = response.text.strip()
        if response.status_code != 200 or text.count(".") not in (2, 4):
            raise NeedsReview(f"UserInfo answered client {client.id} with HTTP {response.status_code} and no JWT "
                              "(the userinfo checks judge that): no algorithm to compare")
        alg = str(jose.decode_jose_header(text).get("alg"))
        evidence.note(f"client {client.id}: UserInfo JWT alg={alg}")
        findings.check(mc.check_value, target.metadata, "userinfo_signing_alg_values_supported", alg,
                       mc.Probe(mc.Support.YES, f"client {client.id}'s UserInfo JWT is signed {alg}"))
    findings.raise_if_any()
