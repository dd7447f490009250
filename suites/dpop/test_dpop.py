"""DPoP (RFC 9449): sender-constrained tokens, the nonce dance, and every proof rule of §4.3.

The client is the profile's client documented as DPoP-bound; the protected resource is the
first DPoP-capable entry of ``documented.resources`` (else UserInfo). Negative checks take a
valid proof and change exactly one thing of it; at the token endpoint they expect
``invalid_dpop_proof`` (§5), at the resource a 401 ``WWW-Authenticate: DPoP`` challenge (§7.1).

Negative proofs carry the server's current nonce (after the nonce dance), so the one broken rule
is what the server judges. The ``iat`` cases are the exception: §4.3 step 11 lets a server judge
a proof's age "by either the iat claim or a server managed timestamp via the nonce claim", so
an old ``iat`` next to a fresh nonce may rightly be accepted; those proofs carry no nonce, and a
``use_dpop_nonce`` answer counts as a refusal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from harness import evidence, jose
from harness.flows.code_flow import obtain_code
from harness.flows.dpop import (
    AUTO,
    DpopGrant,
    DpopSession,
    dpop_client,
    obtain_bound_tokens,
    offline_scope,
    push_authorization_request,
    random_nonce,
    redeem_params,
)
from harness.flows.resource import (
    ProtectedResource,
    call_resource,
    introspect,
    introspection_client,
    jwt_access_token,
    pick_resource,
    token_params_for,
)
from harness.flows.token import refresh_documented_by
from harness.profile import Client
from harness.results import fail
from harness.specs import rfc6749, rfc9449
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement
needs_dpop = pytest.mark.needs("dpop_signing_alg_values_supported")

FAR_OFF_S = 3600


# --------------------------------------------------------------------------- helpers


def _client(target: Target, *, public: bool | None = None, grant: str = "authorization_code") -> Client:
    return dpop_client(target, public=public, grant=grant)


def _resource(target: Target) -> ProtectedResource:
    return pick_resource(target, dpop=True, purpose="DPoP resource checks")


def _grant(target: Target, user_agent: Any, *, client: Client | None = None, session: DpopSession | None = None,
           resource: ProtectedResource | None = None, offline: bool = False,
           authz_extra: dict[str, str] | None = None) -> DpopGrant:
    client = client or _client(target)
    extra, scope_extra = token_params_for(resource) if resource is not None else ({}, None)
    scope = " ".join(filter(None, [client.scope, scope_extra])) if scope_extra else None
    return obtain_bound_tokens(target, user_agent, client, session=session, scope=scope,
                               authz_extra={**extra, **(authz_extra or {})}, token_extra=extra, offline=offline)


_shared: dict[int, tuple[float, DpopGrant]] = {}


def _resource_grant(target: Target, user_agent: Any) -> tuple[DpopGrant, ProtectedResource]:
    """A DPoP-bound token for the resource, shared by the resource-side checks of one run."""
    resource = _resource(target)
    cached = _shared.get(id(target))
    if cached is not None and cached[0] > time.time():
        evidence.note("reusing the DPoP-bound access token obtained earlier in this run")
        return cached[1], resource
    grant = _grant(target, user_agent, resource=resource)
    lifetime = grant.body.get("expires_in")
    ttl = float(lifetime) if isinstance(lifetime, (int, float)) and not isinstance(lifetime, bool) else 60.0
    _shared[id(target)] = (time.time() + min(ttl, 240.0) - 20.0, grant)
    return grant, resource


def _fresh_code(target: Target, user_agent: Any, client: Client, **authz: Any) -> Any:
    return obtain_code(target, user_agent, client, **authz)


def _judge_as_refusal(result: Any, expected: tuple[str, ...] | frozenset[str], requirement_id: str, *,
                      code_rule: str | None = None) -> None:
    rfc9449.check_proof_refused_at_token_endpoint(result.status, result.response.headers, result.judged_body,
                                                  basic_auth_used=result.used_basic, expected=expected,
                                                  rule=requirement_id, code_rule=code_rule)


# --------------------------------------------------------------------------- bad proofs


Builder = Callable[[DpopSession, str, str, "str | None", "str | None"], str]


def _valid(s: DpopSession, method: str, url: str, at: str | None, nonce: str | None, **kw: Any) -> str:
    return s.proof(method, url, access_token=at, nonce=nonce, **kw)


def _two_proofs(s: DpopSession, m: str, u: str, at: str | None, n: str | None) -> str:
    return f"{_valid(s, m, u, at, n)}, {_valid(s, m, u, at, n)}"


def _alg_none(s: DpopSession, m: str, u: str, at: str | None, n: str | None) -> str:
    decoded = jose.decode_unverified(_valid(s, m, u, at, n))
    return jose.sign_jws({**decoded.header, "alg": "none"}, decoded.claims, None, alg="none")


def _alg_hs256(s: DpopSession, m: str, u: str, at: str | None, n: str | None) -> str:
    decoded = jose.decode_unverified(_valid(s, m, u, at, n))
    return jose.sign_jws({**decoded.header, "alg": "HS256"}, decoded.claims, jose.generate_key("oct-256"),
                         alg="HS256")


def _bad_signature(s: DpopSession, m: str, u: str, at: str | None, n: str | None) -> str:
    head, payload, signature = _valid(s, m, u, at, n).split(".")
    raw = bytearray(jose.b64url_decode(signature))
    raw[0] ^= 0xFF
    raw[-1] ^= 0x01
    return f"{head}.{payload}.{jose.b64url(bytes(raw))}"


def _other_uri(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/not-this-endpoint", "", ""))


@dataclass(frozen=True)
class BadProof:
    """One way a proof breaks RFC 9449 §4.2/§4.3, and how a server must treat it."""

    name: str
    rule: str  # requirement ID of the broken rule
    what: str
    build: Builder
    sites: tuple[str, ...] = ("token_endpoint", "resource")
    nonce: str | None = AUTO  # AUTO: include the server's nonce; None: send none
    expected_as: tuple[str, ...] = ("invalid_dpop_proof",)
    expected_rs: tuple[str, ...] = ("invalid_dpop_proof",)


BAD_PROOFS: tuple[BadProof, ...] = (
    BadProof("not_jwt", "RFC9449-4.3-2", "a DPoP header that is not a JWT",
             lambda s, m, u, at, n: "this-is-not-a-jwt"),
    BadProof("two_proofs", "RFC9449-4.3-1", "two DPoP proofs in the DPoP header field", _two_proofs),
    BadProof("typ_wrong", "RFC9449-11.5", "a proof with typ JWT instead of dpop+jwt",
             lambda s, m, u, at, n: _valid(s, m, u, at, n, header_overrides={"typ": "JWT"})),
    BadProof("alg_none", "RFC9449-11.6", "an unsigned proof (alg none)", _alg_none),
    BadProof("alg_hs256", "RFC9449-4.3-5", "a proof MACed with HS256", _alg_hs256),
    BadProof("jwk_missing", "RFC9449-4.3-6", "a proof without the jwk header",
             lambda s, m, u, at, n: _valid(s, m, u, at, n, header_overrides={"jwk": jose.REMOVE})),
    BadProof("jwk_private", "RFC9449-4.3-7", "a proof whose jwk contains the private key",
             lambda s, m, u, at, n: _valid(s, m, u, at, n,
                                           header_overrides={"jwk": dict(s.key.as_dict(private=True))})),
    BadProof("jti_missing", "RFC9449-4.3-3", "a proof without jti",
             lambda s, m, u, at, n: _valid(s, m, u, at, n, claim_overrides={"jti": jose.REMOVE})),
    BadProof("bad_signature", "RFC9449-4.3-6", "a proof whose signature does not verify", _bad_signature),
    BadProof("htm_wrong", "RFC9449-4.3-8", "a proof for another HTTP method",
             lambda s, m, u, at, n: _valid(s, m, u, at, n, claim_overrides={"htm": "PATCH"})),
    BadProof("htu_wrong", "RFC9449-4.3-9", "a proof for another URI",
             lambda s, m, u, at, n: _valid(s, m, u, at, n, claim_overrides={"htu": _other_uri(u)})),
    BadProof("iat_past", "RFC9449-4.3-11", "a proof created an hour ago (no nonce)",
             lambda s, m, u, at, n: _valid(s, m, u, at, n, now=time.time() - FAR_OFF_S),
             nonce=None, expected_as=("invalid_dpop_proof", "use_dpop_nonce"),
             expected_rs=("invalid_dpop_proof", "use_dpop_nonce")),
    BadProof("iat_future", "RFC9449-4.3-11", "a proof dated an hour in the future (no nonce)",
             lambda s, m, u, at, n: _valid(s, m, u, at, n, now=time.time() + FAR_OFF_S),
             nonce=None, expected_as=("invalid_dpop_proof", "use_dpop_nonce"),
             expected_rs=("invalid_dpop_proof", "use_dpop_nonce")),
    BadProof("ath_missing", "RFC9449-4.3-12", "a resource request whose proof has no ath",
             lambda s, m, u, at, n: _valid(s, m, u, at, n, claim_overrides={"ath": jose.REMOVE}),
             sites=("resource",)),
    BadProof("ath_wrong", "RFC9449-4.3-12", "a proof whose ath is the hash of another token",
             lambda s, m, u, at, n: _valid(s, m, u, "another-access-token", n), sites=("resource",)),
    BadProof("other_key", "RFC9449-4.3-12", "a proof signed by a key other than the one the token is bound to",
             lambda s, m, u, at, n: DpopSession(s.target, alg=s.alg).proof(m, u, access_token=at, nonce=n),
             sites=("resource",), expected_rs=("invalid_token", "invalid_dpop_proof")),
)

CASES = [pytest.param(case, site, id=f"{case.name}-{site}") for case in BAD_PROOFS for site in case.sites]


@needs_dpop
@pytest.mark.parametrize(("case", "site"), CASES)
@requirement("RFC9449-4.3", "RFC9449-11.5", "RFC9449-11.6", "RFC9449-5-invalid_dpop_proof", "RFC9449-7.1-error")
def test_invalid_proof_refused(target: Target, user_agent: Any, case: BadProof, site: str) -> None:
    """An invalid DPoP proof is refused: invalid_dpop_proof at the token endpoint, a DPoP challenge at the resource."""
    evidence.note(f"sending {case.what} ({case.rule})")
    if site == "token_endpoint":
        client = _client(target)
        flow = _fresh_code(target, user_agent, client)
        session = DpopSession(target)
        url = target.token_endpoint_for(client)

        def factory(nonce: str | None) -> str:
            return case.build(session, "POST", url, None, nonce)

        result, _exchange = session.token_request(client, redeem_params(flow.request, flow.code), factory=factory,
                                                 nonce=case.nonce, label=f"token request with {case.what}")
        _judge_as_refusal(result, case.expected_as, case.rule)
        if result.error == "use_dpop_nonce" and case.nonce is None:
            evidence.note("refused with use_dpop_nonce: the server judges freshness by its nonce (RFC 9449 §8)")
        return
    grant, resource = _resource_grant(target, user_agent)

    def rs_factory(nonce: str | None) -> str:
        return case.build(grant.session, resource.method, resource.url, grant.access_token, nonce)

    response, _exchange = grant.session.resource_request(resource, grant.access_token, factory=rs_factory,
                                                         nonce=case.nonce, label=f"resource request with {case.what}")
    assert response.response is not None
    rfc9449.check_proof_refused_at_resource(response.status or 0, response.headers, expected=case.expected_rs,
                                            requirement=case.rule)


# --------------------------------------------------------------------------- token endpoint


@needs_dpop
@requirement("RFC9449-5-token_type", "DOC-dpop_bound")
def test_token_response_is_dpop(target: Target, user_agent: Any) -> None:
    """A token request with a valid proof for a DPoP-bound client returns token_type DPoP."""
    grant = _grant(target, user_agent)
    evidence.note(f"proof key thumbprint (expected cnf.jkt): {grant.session.jkt}")
    rfc9449.check_token_type_dpop(grant.body)


@needs_dpop
@requirement("RFC9449-6.1")
def test_access_token_bound_jwt(target: Target, user_agent: Any) -> None:
    """A JWT access token issued for a DPoP proof carries cnf.jkt, the proof key's RFC 7638 thumbprint."""
    resource = pick_resource(target, jwt=True, purpose="the JWT cnf.jkt check")
    grant = _grant(target, user_agent, resource=resource if resource.url else None)
    decoded = jwt_access_token(resource, grant.access_token)
    rfc9449.check_jkt_binding(decoded.claims, grant.session.jkt, where="JWT access token", requirement="RFC9449-6.1")


@needs_dpop
@pytest.mark.needs("introspection_endpoint")
@requirement("RFC9449-6.2")
def test_access_token_bound_introspection(target: Target, user_agent: Any) -> None:
    """Introspection of a DPoP-bound access token shows cnf.jkt equal to the proof key's thumbprint."""
    grant = _grant(target, user_agent)
    body = introspect(target, grant.access_token, client=introspection_client(target, grant.client))
    rfc9449.check_jkt_binding(body, grant.session.jkt, where="introspection", requirement="RFC9449-6.2")


def _nonces_documented(target: Target, resource: ProtectedResource | None = None) -> None:
    """Nonces are optional (RFC 9449 §8, §9): these checks apply where the profile documents them."""
    if resource is None and not target.profile.documented.dpop.nonce_required:
        raise NotApplicable("the profile does not document DPoP nonces at the authorization server "
                            "(documented.dpop.nonce_required; RFC 9449 §8 makes them optional)")
    if resource is not None and not resource.dpop_nonce_required:
        raise NotApplicable(f"the profile does not document DPoP nonces at the resource {resource.describe()} "
                            "(documented.resources[].dpop_nonce_required; RFC 9449 §9 makes them optional)")


@needs_dpop
@requirement("DOC-dpop_nonce_required", "RFC9449-8", "RFC9449-8-one_nonce_header")
def test_nonce_at_token_endpoint(target: Target, user_agent: Any) -> None:
    """A server documented to use nonces answers a proof without one with 400 use_dpop_nonce and one DPoP-Nonce."""
    _nonces_documented(target)
    client = _client(target)
    flow = _fresh_code(target, user_agent, client)
    session = DpopSession(target)
    params = redeem_params(flow.request, flow.code)
    result, _exchange = session.token_request(client, params, nonce=None, label="token request without a nonce")
    if result.ok:
        rfc9449.check_nonce_required(False, documented=True, where="the token endpoint")
    nonce = rfc9449.check_nonce_challenge_at_token_endpoint(result.status, result.response.headers, result.judged_body)
    retry, _ = session.token_request(client, params, nonce=nonce, label="token request with the supplied nonce")
    rfc9449.check_token_request_accepted(retry.status, retry.judged_body, requirement="DOC-dpop_nonce_required",
                                         what="a token request with the nonce the server supplied")


@needs_dpop
@requirement("RFC9449-9", "RFC9449-7.1", "DOC-resources.dpop_nonce_required")
def test_nonce_at_resource(target: Target, user_agent: Any) -> None:
    """A resource documented to use nonces answers a proof without one with 401, DPoP use_dpop_nonce and DPoP-Nonce."""
    _nonces_documented(target, _resource(target))
    grant, resource = _resource_grant(target, user_agent)
    result, _ = grant.session.resource_request(resource, grant.access_token, nonce=None,
                                               label="resource request without a nonce")
    challenge = rfc9449.find_challenge(result.challenges, "DPoP")
    if result.ok and (challenge is None or challenge.error != "use_dpop_nonce"):
        rfc9449.check_nonce_required(False, documented=True, where=f"the resource {resource.describe()}",
                                     requirement="DOC-resources.dpop_nonce_required")
    nonce = rfc9449.check_nonce_challenge_at_resource(result.status or 0, result.headers)
    retry, _ = grant.session.resource_request(resource, grant.access_token, nonce=nonce,
                                              label="resource request with the supplied nonce")
    rfc9449.check_resource_accepted(retry.status or 0, requirement="RFC9449-9",
                                    what="a request with the nonce it supplied")


@needs_dpop
@pytest.mark.parametrize("site", ["token_endpoint", "resource"])
@requirement("RFC9449-8-nonce_mismatch", "RFC9449-4.3-10")
def test_unknown_nonce_refused(target: Target, user_agent: Any, site: str) -> None:
    """A proof carrying a nonce the server never supplied is refused (use_dpop_nonce or invalid_dpop_proof).

    RFC 9449 §8: "If the nonce claim in the DPoP proof does not exactly match a nonce recently
    supplied by the authorization server to the client, the authorization server MUST reject the
    request." (§9: resources likewise.) Applies where nonces are documented: a server that uses
    none may ignore the claim.
    """
    if site == "token_endpoint":
        _nonces_documented(target)
        client = _client(target)
        session = DpopSession(target)
        flow = _fresh_code(target, user_agent, client)
        token_result, _ = session.token_request(client, redeem_params(flow.request, flow.code), nonce=random_nonce(),
                                                label="token request with a made-up nonce")
        _judge_as_refusal(token_result, ("use_dpop_nonce", "invalid_dpop_proof"), "RFC9449-8-nonce_mismatch")
        return
    _nonces_documented(target, _resource(target))
    grant, resource = _resource_grant(target, user_agent)
    result, _ = grant.session.resource_request(resource, grant.access_token, nonce=random_nonce(),
                                               label="resource request with a made-up nonce")
    rfc9449.check_proof_refused_at_resource(result.status or 0, result.headers,
                                            expected=("use_dpop_nonce", "invalid_dpop_proof"),
                                            requirement="RFC9449-9")


# --------------------------------------------------------------------------- replay


def _replay_allowed(target: Target) -> None:
    if not target.profile.documented.dpop.replay_prevention:
        raise NotApplicable("the profile does not document DPoP replay prevention (RFC 9449 §11.1 makes the "
                            "single-use check optional)")


def _replay_at_token_endpoint(target: Target, user_agent: Any) -> Any:
    _replay_allowed(target)
    client = _client(target)
    first = _grant(target, user_agent, client=client)
    proof = first.exchange.proof
    flow = _fresh_code(target, user_agent, client)
    evidence.note("redeeming a second code with the exact DPoP proof (same jti) of the first token request")
    result, _ = first.session.token_request(client, redeem_params(flow.request, flow.code),
                                            factory=lambda _nonce: proof, nonce=None,
                                            label="token request replaying the previous DPoP proof")
    return result


@needs_dpop
@requirement("DOC-dpop_replay_prevention", "RFC9449-11.1", "RFC9449-5-invalid_dpop_proof")
def test_replayed_proof_refused_at_token_endpoint(target: Target, user_agent: Any) -> None:
    """A DPoP proof already used at the token endpoint is refused with invalid_dpop_proof when used again.

    Accepting the replay (DPOP_REPLAY_ACCEPTED) breaks the documented replay prevention; refusing
    it with another error (TOKEN_ERROR_WRONG_CODE) breaks RFC 9449 §5's invalid_dpop_proof.
    """
    result = _replay_at_token_endpoint(target, user_agent)
    rfc9449.check_replay_refused_at_token_endpoint(result.status, result.response.headers, result.judged_body,
                                                   basic_auth_used=result.used_basic)


@needs_dpop
@requirement("DOC-dpop_replay_prevention", "RFC9449-11.1")
def test_replayed_proof_refused_at_resource(target: Target, user_agent: Any) -> None:
    """A DPoP proof already used at the resource is refused when used again."""
    _replay_allowed(target)
    grant, resource = _resource_grant(target, user_agent)
    first, exchange = grant.session.resource_request(resource, grant.access_token, label="resource request")
    rfc9449.check_resource_accepted(first.status or 0)
    proof = exchange.proof
    again, _ = grant.session.resource_request(resource, grant.access_token, factory=lambda _n: proof, nonce=None,
                                              label="resource request replaying the same proof")
    rfc9449.check_proof_refused_at_resource(again.status or 0, again.headers,
                                            expected=("invalid_dpop_proof", "use_dpop_nonce"),
                                            requirement="DOC-dpop_replay_prevention")


# --------------------------------------------------------------------------- resource schemes


@needs_dpop
@requirement("RFC9449-7.1")
def test_resource_accepts_valid_proof(target: Target, user_agent: Any) -> None:
    """The resource serves a DPoP-bound token presented with the DPoP scheme and a valid proof."""
    grant, resource = _resource_grant(target, user_agent)
    result, _ = grant.session.resource_request(resource, grant.access_token)
    rfc9449.check_resource_accepted(result.status or 0)


@needs_dpop
@requirement("RFC9449-7.2")
def test_bound_token_as_bearer_refused(target: Target, user_agent: Any) -> None:
    """A DPoP-bound access token sent with the Bearer scheme (no proof) is refused with 401 invalid_token."""
    grant, resource = _resource_grant(target, user_agent)
    result = call_resource(target, resource, grant.access_token, scheme="Bearer",
                           label="DPoP-bound token as a bearer token")
    rfc9449.check_bound_token_refused_as_bearer(result.status or 0, result.headers)


@needs_dpop
@requirement("RFC9449-7.1", "RFC9449-7.1-error")
def test_dpop_scheme_without_proof_refused(target: Target, user_agent: Any) -> None:
    """The DPoP scheme without a DPoP header is refused (a proof is required with every use)."""
    grant, resource = _resource_grant(target, user_agent)
    result = call_resource(target, resource, grant.access_token, scheme="DPoP", label="DPoP scheme, no proof")
    rfc9449.check_resource_refused(result.status or 0, result.headers, {"invalid_dpop_proof", "invalid_request"})


@needs_dpop
@requirement("RFC9449-7.1-algs", "RFC9449-11.6")
def test_challenge_lists_algs(target: Target, user_agent: Any) -> None:
    """A DPoP challenge SHOULD list the acceptable proof algorithms in algs."""
    grant, resource = _resource_grant(target, user_agent)
    result, _ = grant.session.resource_request(resource, grant.access_token,
                                               claim_overrides={"htm": "PATCH"}, label="proof for another method")
    challenge = rfc9449.check_proof_refused_at_resource(result.status or 0, result.headers)
    algs = rfc9449.check_challenge_algs(challenge)
    evidence.note(f"algs listed: {algs}")


# --------------------------------------------------------------------------- accept cases


@dataclass(frozen=True)
class ValidVariant:
    """A proof (or request) that is valid although it looks unusual."""

    name: str
    rule: str
    what: str
    sites: tuple[str, ...] = ("token_endpoint", "resource")
    should: bool = False  # refusing it breaks a SHOULD (or is only stricter than recommended)


VARIANTS: tuple[ValidVariant, ...] = (
    ValidVariant("htu_query_fragment", "RFC9449-4.3-9", "a proof whose htu carries a query and a fragment"),
    ValidVariant("request_query", "RFC9449-4.3-9", "a request with a query the proof's htu leaves out",
                 sites=("resource",)),
    ValidVariant("extra_claims", "RFC9449-4.2", "a proof with extra header parameters and claims"),
    ValidVariant("htu_case", "RFC9449-4.3-normalization", "a proof whose htu scheme and host are upper case",
                 should=True),
    ValidVariant("lowercase_scheme", "RFC9449-7.1", "the scheme written as 'dpop'", sites=("resource",)),
)
VARIANT_CASES = [pytest.param(v, site, id=f"{v.name}-{site}") for v in VARIANTS for site in v.sites]


def _variant_kwargs(variant: ValidVariant, url: str) -> dict[str, Any]:
    if variant.name == "htu_query_fragment":
        return {"claim_overrides": {"htu": f"{url}?harness=1#fragment"}}
    if variant.name == "extra_claims":
        return {"claim_overrides": {"harness_extra": "ignored"}, "header_overrides": {"x-harness": "ignored"}}
    if variant.name == "htu_case":
        parts = urlsplit(url)
        upper = urlunsplit((parts.scheme.upper(), parts.netloc.upper(), parts.path, "", ""))
        return {"claim_overrides": {"htu": upper}}
    return {}


@needs_dpop
@pytest.mark.parametrize(("variant", "site"), VARIANT_CASES)
@requirement("RFC9449-4.3-9", "RFC9449-4.2", "RFC9449-4.3-normalization", "RFC9449-7.1")
def test_valid_variant_accepted(target: Target, user_agent: Any, variant: ValidVariant, site: str) -> None:
    """Valid but unusual proofs and requests are accepted (query/fragment, extra claims, clock skew, scheme case)."""
    evidence.note(f"sending {variant.what} ({variant.rule})")
    if site == "token_endpoint":
        client = _client(target)
        flow = _fresh_code(target, user_agent, client)
        session = DpopSession(target)
        url = target.token_endpoint_for(client)
        result, _ = session.token_request(client, redeem_params(flow.request, flow.code),
                                          label=f"token request with {variant.what}", **_variant_kwargs(variant, url))
        try:
            rfc9449.check_token_request_accepted(result.status, result.judged_body, requirement=variant.rule,
                                                 what=f"a token request with {variant.what}")
        except Exception as exc:
            _soften(exc, variant)
        return
    grant, resource = _resource_grant(target, user_agent)
    url = resource.url
    kwargs = _variant_kwargs(variant, url)
    request_url = None
    scheme = "DPoP"
    if variant.name == "request_query":
        request_url = f"{url}{'&' if urlsplit(url).query else '?'}harness=1"
    if variant.name == "lowercase_scheme":
        scheme = "dpop"
    rs_result, _ = grant.session.resource_request(resource, grant.access_token, scheme=scheme, url=request_url,
                                                  proof_url=url, label=f"resource request with {variant.what}",
                                                  **kwargs)
    try:
        rfc9449.check_resource_accepted(rs_result.status or 0, requirement=variant.rule, what=variant.what)
    except Exception as exc:
        _soften(exc, variant)


def _soften(exc: Exception, variant: ValidVariant) -> None:
    from harness.results import CheckFailed, Level

    if not isinstance(exc, CheckFailed) or not variant.should:
        raise exc
    finding = exc.findings[0]
    raise fail(finding.code, f"{finding.message} (stricter than RFC 9449 recommends)", finding.requirement,
               expected=finding.expected, actual=finding.actual, level=Level.SHOULD) from exc


# --------------------------------------------------------------------------- code binding (dpop_jkt)


#: RFC 9449 §10: on a dpop_jkt mismatch the AS "MUST reject the request" (no code named): the grant is
#: bound to another key (invalid_grant) or the proof does not fit it (invalid_dpop_proof); the
#: request itself is well formed, so invalid_request is not an answer for it.
_JKT_ERRORS = ("invalid_grant", "invalid_dpop_proof")


@needs_dpop
@requirement("RFC9449-10")
def test_dpop_jkt_binds_code(target: Target, user_agent: Any) -> None:
    """A code requested with dpop_jkt cannot be redeemed with a proof by another key."""
    client = _client(target)
    bound_key = DpopSession(target)
    flow = _fresh_code(target, user_agent, client, extra={"dpop_jkt": bound_key.jkt})
    other = DpopSession(target)
    result, _ = other.token_request(client, redeem_params(flow.request, flow.code),
                                    label="redeem a dpop_jkt-bound code with another key")
    _judge_as_refusal(result, _JKT_ERRORS, "RFC9449-10", code_rule="RFC9449-10")


@needs_dpop
@requirement("RFC9449-10", "RFC9449-5-token_type")
def test_dpop_jkt_matching_key_accepted(target: Target, user_agent: Any) -> None:
    """A code requested with dpop_jkt is redeemed with a proof by that key (accept)."""
    client = _client(target)
    session = DpopSession(target)
    grant = _grant(target, user_agent, client=client, session=session, authz_extra={"dpop_jkt": session.jkt})
    rfc9449.check_token_type_dpop(grant.body)


@needs_dpop
@pytest.mark.needs("pushed_authorization_request_endpoint")
@pytest.mark.parametrize("how", ["dpop_jkt", "dpop_header"])
@requirement("RFC9449-10.1")
def test_par_binds_code(target: Target, user_agent: Any, how: str) -> None:
    """A code pushed with dpop_jkt or with a DPoP proof at PAR cannot be redeemed with another key."""
    from harness.flows.authorization import build_authorization_request

    client = _client(target)
    bound_key = DpopSession(target)
    extra = {"dpop_jkt": bound_key.jkt} if how == "dpop_jkt" else None
    request = build_authorization_request(target, client, extra=extra)
    front, _ = push_authorization_request(target, client, request,
                                          session=bound_key if how == "dpop_header" else None)
    agent = user_agent()
    outcome = agent.authorize(front, user=target.user(0), consent="approve", redirect_uri=request.redirect_uri)
    code = outcome.params.get("code") if outcome.redirected else None
    if not code:
        raise fail("PRECONDITION_AUTHORIZATION_FAILED", "the pushed authorization request did not return a code",
                   "RFC9126-4", expected="redirect with code", actual=outcome.describe())
    other = DpopSession(target)
    result, _ = other.token_request(client, redeem_params(request, code),
                                    label="redeem a PAR-bound code with another key")
    _judge_as_refusal(result, _JKT_ERRORS, "RFC9449-10.1", code_rule="RFC9449-10.1")


# --------------------------------------------------------------------------- refresh tokens


def _refreshable(target: Target, user_agent: Any) -> DpopGrant:
    client = _client(target, public=True, grant="refresh_token")
    grant = _grant(target, user_agent, client=client, offline=True)
    rfc6749.check_refresh_token_issued(grant.body, documented_by=refresh_documented_by(target, client),
                                       client_id=client.id, requested_scope=offline_scope(target, client)[0])
    return grant


@needs_dpop
@requirement("RFC9449-5-refresh_binding")
def test_refresh_requires_same_key(target: Target, user_agent: Any) -> None:
    """A public client's DPoP-bound refresh token is refused with a proof by another key."""
    grant = _refreshable(target, user_agent)
    other = DpopSession(target)
    params = {"grant_type": "refresh_token", "refresh_token": str(grant.refresh_token)}
    result, _ = other.token_request(grant.client, params, label="refresh with a proof by another key")
    _judge_as_refusal(result, ("invalid_grant", "invalid_dpop_proof"), "RFC9449-5-refresh_binding",
                      code_rule="RFC9449-5-refresh_binding")


@needs_dpop
@requirement("RFC9449-5", "RFC9449-5-token_type")
def test_refresh_with_same_key(target: Target, user_agent: Any) -> None:
    """The refresh token works with a proof by the same key and yields a DPoP-bound token (accept)."""
    grant = _refreshable(target, user_agent)
    result, _ = grant.session.token_request(grant.client, {"grant_type": "refresh_token",
                                                           "refresh_token": str(grant.refresh_token)},
                                            label="refresh with the same key")
    body = rfc9449.check_token_request_accepted(result.status, result.judged_body,
                                                what="a refresh with a proof by the bound key")
    rfc9449.check_token_type_dpop(body)


# --------------------------------------------------------------------------- sanity


@needs_dpop
@requirement("RFC9449-5", "RFC9449-7.1")
def test_correct_proof_still_accepted(target: Target, user_agent: Any) -> None:
    """After all negative checks, a correct proof still works at the token endpoint and at the resource."""
    resource = _resource(target)
    grant = _grant(target, user_agent, resource=resource)
    rfc9449.check_token_type_dpop(grant.body)
    result, _ = grant.session.resource_request(resource, grant.access_token)
    rfc9449.check_resource_accepted(result.status or 0, what="a correct proof after the negative checks")
