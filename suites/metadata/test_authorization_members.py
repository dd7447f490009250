"""Authorization-endpoint members held against behaviour: response types and modes, the implicit grant,
scopes, the ``claims`` and ``request_uri`` parameters, and the claims UserInfo returns.

Each value is exercised with a real authorization request through the profile's user agent. The
clients registered for a response type are all tried before a value is left to review, and the
evidence names the client used. JWT response modes (JARM) are judged by ``jarm.jarm_advertised``,
PKCE methods by ``discovery.pkce_advertised_matches_behaviour`` and the ``request`` parameter by
``jar.request_object_support_advertised``.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest

from harness import evidence, jose
from harness.flows.authorization import AuthorizationOutcome
from harness.flows.code_flow import authorize
from harness.flows.resource import plain_code_flow
from harness.flows.token import obtain_tokens, redeem_code
from harness.http import try_json_object
from harness.profile import Client
from harness.results import Findings, NeedsReview
from harness.specs import metadata_consistency as mc
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement

RESPONSE_TYPES = ["code", "token", "id_token", "id_token token", "code id_token", "code token",
                  "code id_token token", "none"]


def _words(value: str) -> frozenset[str]:
    return frozenset(value.split())


def _plain_clients(target: Target) -> list[Client]:
    return [c for c in target.profile.clients if c.use_in_suites and plain_code_flow(c) and c.redirect_uris
            and "authorization_code" in c.grant_types]


def _registered_for(target: Target, response_type: str) -> list[Client]:
    """Every plain client registered for ``response_type`` (word order does not matter, RFC 6749 §3.1.1)."""
    wanted = _words(response_type)
    return [c for c in target.profile.clients if c.use_in_suites and plain_code_flow(c) and c.redirect_uris
            and any(_words(rt) == wanted for rt in c.response_types)]


def _rt_listed(metadata: dict[str, Any], response_type: str) -> bool:
    listed = metadata.get("response_types_supported")
    return isinstance(listed, list) and any(isinstance(v, str) and _words(v) == _words(response_type)
                                            for v in listed)


def _response_type_probe(target: Target, user_agent: Any, response_type: str,
                         clients: list[Client]) -> mc.Probe:
    """Try each client until one shows whether ``response_type`` works; the evidence names each try."""
    seen: list[str] = []
    for client in clients:
        scope = client.scope if "openid" in client.scope.split() or "id_token" not in response_type else \
            f"openid {client.scope}"
        _, outcome = authorize(target, user_agent, client, response_type=response_type, scope=scope,
                               pkce="auto" if "code" in response_type.split() else "none")
        probe = mc.response_type_support(response_type, outcome.redirected, outcome.params)
        evidence.note(f"response_type={response_type} with client {client.id}: {probe.observed} → "
                      f"{probe.support.value}")
        if probe.support is not mc.Support.UNKNOWN:
            return mc.Probe(probe.support, f"client {client.id}: {probe.observed}")
        seen.append(f"client {client.id}: {probe.observed}")
    return mc.Probe(mc.Support.UNKNOWN, "; ".join(seen))


@requirement("RFC8414-2-response_types_supported")
@pytest.mark.parametrize("response_type", RESPONSE_TYPES, ids=[rt.replace(" ", "+") for rt in RESPONSE_TYPES])
def test_response_type_matches_behaviour(target: Target, user_agent: Any, response_type: str) -> None:
    """``response_types_supported`` ∋ response type exactly when an authorization request with it is answered.

    Clients registered for the response type are tried in turn; when none is, the first plain code-flow
    client asks (``unsupported_response_type`` then still shows the server lacks it, RFC 6749 §4.1.2.1;
    ``unauthorized_client`` shows nothing either way).
    """
    listed = _rt_listed(target.metadata, response_type)
    clients = _registered_for(target, response_type) or _plain_clients(target)[:1]
    if not clients:
        raise NotApplicable("the profile has no plain code-flow client to send an authorization request")
    probe = _response_type_probe(target, user_agent, response_type, clients)
    metadata = dict(target.metadata)
    shown = response_type
    if listed:  # the metadata may spell the value in another word order
        shown = next(v for v in metadata["response_types_supported"] if _words(v) == _words(response_type))
    mc.check_value(metadata, "response_types_supported", shown, probe,
                   why_unknown="no client registered for it could show it works (unauthorized_client or another "
                   "error); register one in the profile")


@requirement("RFC8414-2-grant_types_supported")
def test_implicit_grant_matches_behaviour(target: Target, user_agent: Any) -> None:
    """``grant_types_supported`` (default ``["authorization_code", "implicit"]``) ∋ implicit exactly when it works.

    The implicit grant issues tokens from the authorization endpoint (RFC 6749 §4.2 ``token``; OIDC
    Core §3.2 ``id_token`` / ``id_token token``). Clients registered for one of them are tried; when
    none is, the first plain client asks for ``token``.
    """
    listed, _ = mc.advertised(target.metadata, "grant_types_supported", "implicit")
    candidates = [(rt, c) for rt in ("token", "id_token token", "id_token") for c in _registered_for(target, rt)]
    if not candidates:
        if not listed:
            raise NotApplicable("no profile client is registered for an implicit response type and the metadata "
                                "does not advertise the implicit grant: nothing to compare")
        plain = _plain_clients(target)[:1]
        if not plain:
            raise NotApplicable("the profile has no plain code-flow client to send an authorization request")
        candidates = [("token", plain[0])]
    observed: list[str] = []
    supports: set[mc.Support] = set()
    for response_type, client in candidates:
        probe = _response_type_probe(target, user_agent, response_type, [client])
        observed.append(f"response_type={response_type}: {probe.observed}")
        supports.add(probe.support)
        if probe.support is mc.Support.YES:
            break
    verdict = mc.Support.YES if mc.Support.YES in supports else mc.Support.NO if supports == {mc.Support.NO} \
        else mc.Support.UNKNOWN
    final = mc.Probe(verdict, "; ".join(observed))
    mc.check_value(target.metadata, "grant_types_supported", "implicit", final,
                   why_unknown="no implicit response type was answered in a way that shows support or its absence")


_MODES = ["query", "fragment", "form_post"]


@requirement("RFC8414-2-response_modes_supported")
@pytest.mark.parametrize("mode", _MODES)
def test_response_mode_matches_behaviour(target: Target, user_agent: Any, mode: str) -> None:
    """``response_modes_supported`` (default ``["query", "fragment"]``) ∋ mode exactly when responses come that way.

    A code request with ``response_mode=<mode>``: the response must arrive in the query (``query``), the
    fragment (``fragment``) or an auto-submitted form (``form_post``). JWT modes belong to the JARM suite.
    """
    clients = _plain_clients(target)
    if not clients:
        raise NotApplicable("the profile has no plain code-flow client to send an authorization request")
    client = clients[0]
    _, outcome = authorize(target, user_agent, client, response_mode=mode)
    probe = _mode_probe(mode, outcome)
    evidence.note(f"response_mode={mode} with client {client.id}: {probe.observed} → {probe.support.value}")
    mc.check_value(target.metadata, "response_modes_supported", mode, probe,
                   why_unknown="the response came back with an error in the requested mode")


def _mode_probe(mode: str, outcome: AuthorizationOutcome) -> mc.Probe:
    return mc.response_mode_support(mode, outcome.via, bool(outcome.query), bool(outcome.fragment),
                                    outcome.redirected, outcome.params.get("error"))


@requirement("RFC8414-2-scopes_supported")
def test_advertised_scopes_accepted(target: Target, user_agent: Any) -> None:
    """Every scope in ``scopes_supported`` that a profile client is registered for is accepted.

    RFC 6749 §5.2 / §4.1.2.1: ``invalid_scope`` "The requested scope is invalid, unknown, or malformed"
    — for an advertised scope, requested by a client registered for it, that contradicts the metadata.
    A scope granted only in part is not judged (RFC 6749 §3.3: the server "MAY fully or partially
    ignore the scope requested"), nor are working scopes that are not listed (RFC 8414 §2: "Servers MAY
    choose not to advertise some supported scope values").
    """
    listed = target.metadata.get("scopes_supported")
    if not isinstance(listed, list):
        raise NotApplicable("the metadata publishes no scopes_supported (discovery.recommended_members judges that)")
    plan: dict[str, Client] = {}
    for client in _plain_clients(target):
        for scope in client.scope.split():
            if scope in listed and scope != "openid":
                plan.setdefault(scope, client)
    if not plan:
        raise NotApplicable("no profile client is registered for an advertised scope other than openid")
    unexercised = sorted(set(listed) - set(plan) - {"openid"})
    evidence.note(f"advertised scopes no profile client is registered for (not exercised): {unexercised or 'none'}")
    findings = Findings()
    for scope, client in sorted(plan.items()):
        words = (["openid"] if "openid" in client.scope.split() else []) + [scope]
        _, outcome = authorize(target, user_agent, client, scope=" ".join(words))
        error = outcome.params.get("error") if outcome.redirected else None
        if error == "invalid_scope":
            probe = mc.Probe(mc.Support.NO, f"client {client.id}: error=invalid_scope")
        elif outcome.redirected and "code" in outcome.params:
            probe = mc.Probe(mc.Support.YES, f"client {client.id}: a code was issued")
        else:
            probe = mc.Probe(mc.Support.UNKNOWN, f"client {client.id}: {outcome.describe()} error={error}")
        evidence.note(f"scope {scope}: {probe.observed}")
        if probe.support is not mc.Support.UNKNOWN:
            findings.check(mc.check_value, target.metadata, "scopes_supported", scope, probe)
    findings.raise_if_any()


def _claim_to_ask(target: Target) -> str:
    user = target.user(0)
    for name in ("email", "name", "given_name", "family_name", "phone_number", "preferred_username", "locale"):
        if name in user.claims:
            return name
    raise NotApplicable("the profile documents none of the first user's standard claims (users[0].claims), so a "
                        "claims request has no value to expect")


def _claims_seen(target: Target, client: Client, outcome: AuthorizationOutcome, request_verifier: str | None,
                 redirect_uri: str) -> set[str]:
    """Claim names in the ID token and UserInfo of a code redeemed now."""
    result = redeem_code(target, client, outcome.params["code"], redirect_uri=redirect_uri,
                         code_verifier=request_verifier)
    body = result.body or {}
    names: set[str] = set()
    id_token = body.get("id_token")
    if isinstance(id_token, str) and not jose.is_jwe(id_token):
        names |= set(jose.decode_unverified(id_token).claims)
    access_token = body.get("access_token")
    userinfo = target.metadata.get("userinfo_endpoint")
    if isinstance(access_token, str) and isinstance(userinfo, str):
        response = target.http.get(userinfo, label="userinfo", headers={"Authorization": f"Bearer {access_token}"})
        data = try_json_object(response)
        names |= set(data or {})
    return names


def _oidc_client(target: Target) -> Client:
    for client in _plain_clients(target):
        if "openid" in client.scope.split() and "code" in client.response_types and not client.is_public:
            return client
    raise NotApplicable("the profile has no confidential OpenID code-flow client")


@requirement("OIDCD-3-claims_parameter_supported")
def test_claims_parameter_matches_behaviour(target: Target, user_agent: Any) -> None:
    """``claims_parameter_supported`` (default false) is true exactly when the ``claims`` parameter works.

    OIDC Core §5.5: the ``claims`` parameter requests individual claims. With scope ``openid`` only, a
    claim the user has (documented in the profile) is asked for in ``claims``; it must then appear in the
    ID token or UserInfo. A baseline request without ``claims`` first shows the claim does not come
    anyway (then the probe is not judgeable).
    """
    claim = _claim_to_ask(target)
    client = _oidc_client(target)
    request, baseline = authorize(target, user_agent, client, scope="openid")
    if not baseline.redirected or "code" not in baseline.params:
        raise NeedsReview(f"a plain openid request for client {client.id} returned no code: {baseline.describe()}")
    without = _claims_seen(target, client, baseline, request.code_verifier, request.redirect_uri)
    if claim in without:
        raise NeedsReview(f"the {claim} claim is returned for scope openid without asking, so the claims parameter "
                          "cannot be observed with it")
    claims = {"id_token": {claim: None}, "userinfo": {claim: None}}
    request, outcome = authorize(target, user_agent, client, scope="openid", extra={"claims": json.dumps(claims)})
    if outcome.redirected and "code" in outcome.params:
        seen = _claims_seen(target, client, outcome, request.code_verifier, request.redirect_uri)
        probe = mc.Probe(mc.Support.YES if claim in seen else mc.Support.NO,
                         f"the requested {claim} claim was {'returned' if claim in seen else 'not returned'}")
    elif outcome.redirected and outcome.params.get("error"):
        probe = mc.Probe(mc.Support.NO, f"the request with claims was refused: error={outcome.params['error']}")
    else:
        probe = mc.Probe(mc.Support.UNKNOWN, outcome.describe())
    evidence.note(f"claims={json.dumps(claims)} with client {client.id}: {probe.observed} → {probe.support.value}")
    mc.check_value(target.metadata, "claims_parameter_supported", None, probe)


@requirement("OIDCD-3-request_uri_parameter_supported")
def test_request_uri_parameter_matches_behaviour(target: Target, user_agent: Any) -> None:
    """``request_uri_parameter_supported`` (default **true**) agrees with what a ``request_uri`` does.

    The request names an https ``request_uri`` under ``.invalid`` (RFC 6761: never resolves). A server
    using the parameter must fetch it (OIDC Core §6.2) and so fails with ``invalid_request_uri``; one
    that does not support it answers ``request_uri_not_supported`` (OIDC Core §3.1.2.6) or ignores it.
    """
    clients = _plain_clients(target)
    if not clients:
        raise NotApplicable("the profile has no plain code-flow client to send an authorization request")
    client = clients[0]
    uri = f"https://request-uri-{secrets.token_hex(4)}.invalid/request.jwt"
    _, outcome = authorize(target, user_agent, client, extra={"request_uri": uri})
    probe = mc.request_uri_support(outcome.redirected, outcome.params, outcome.login_form_shown)
    evidence.note(f"request_uri={uri} with client {client.id}: {probe.observed} → {probe.support.value}")
    mc.check_value(target.metadata, "request_uri_parameter_supported", None, probe,
                   why_unknown="the answer neither shows a fetch attempt nor a refusal of the parameter")


@requirement("OIDCD-3-claims_supported")
def test_userinfo_claims_listed(target: Target, user_agent: Any) -> None:
    """Every claim UserInfo returns is listed in ``claims_supported`` (information: the list may be partial).

    OIDC Discovery §3: the claims "the OpenID Provider MAY be able to supply values for. Note that for
    privacy or other reasons, this might not be an exhaustive list." — an unlisted claim is a MAY-level
    finding (warning).
    """
    if not isinstance(target.metadata.get("claims_supported"), list):
        raise NotApplicable("the metadata publishes no claims_supported (discovery.recommended_members judges that)")
    target.endpoint("userinfo_endpoint")
    client = max((c for c in _plain_clients(target) if "openid" in c.scope.split() and not c.is_public
                  and c.documented.userinfo_signing_alg is None),  # a signed UserInfo is not a JSON object
                 key=lambda c: len(c.scope.split()), default=None)
    if client is None:
        raise NotApplicable("the profile has no confidential OpenID code-flow client")
    tokens = obtain_tokens(target, user_agent, client)
    response = target.http.get(target.endpoint("userinfo_endpoint"), label="userinfo",
                               headers={"Authorization": f"Bearer {tokens.access_token}"})
    data = try_json_object(response)
    if response.status_code != 200 or data is None:
        raise NeedsReview(f"UserInfo answered HTTP {response.status_code} (userinfo checks judge that): no claims "
                          "to compare")
    evidence.note(f"client {client.id} (scope {client.scope}): UserInfo returned {sorted(data)}")
    mc.check_returned_claims_listed(target.metadata, data)
