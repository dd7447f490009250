"""Members whose meaning depends on how clients are registered, held against behaviour: subject types,
``request_uri`` pre-registration and CIBA user codes.

* ``subject_types_supported`` (OIDC Discovery §3, REQUIRED): ``public`` "provides the same sub (subject)
  value to all Clients", ``pairwise`` "a different sub value to each Client" (OIDC Core §8). Profile
  clients the profile documents as pairwise (``documented.pairwise_identifier``) and ones it does not
  are compared; pairwise subjects of clients the harness registers itself are
  ``registration.pairwise_sub_per_sector``'s.
* ``require_request_uri_registration`` (OIDC Discovery §3, default false): where true, a request
  object the harness hosts at a fresh URL no client registered must be refused; where false or absent,
  a refusal before the object is fetched is a registration rule the metadata does not state.
* ``backchannel_user_code_parameter_supported`` (CIBA §4, default false): a valid backchannel request
  carrying ``user_code`` (§7.1) is acknowledged or judged by its code (§13 ``invalid_user_code``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from harness import evidence
from harness.flows import metadata_probes as probes
from harness.flows.request_object import request_object_alg
from harness.flows.resource import plain_code_flow
from harness.flows.token import id_token_subject
from harness.profile import Client
from harness.request_object_host import RequestObjectHost
from harness.results import NeedsReview
from harness.specs import metadata_consistency as mc
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement


def _openid_code_client(client: Client) -> bool:
    return (client.documented.enabled and plain_code_flow(client) and bool(client.redirect_uris)
            and "authorization_code" in client.grant_types and "openid" in client.scope.split()
            and client.documented.id_token_encryption is None)


def _pairwise_clients(target: Target) -> list[Client]:
    """Clients the profile documents with a pairwise identifier (kept out of the suites or not)."""
    return [c for c in target.profile.clients if c.documented.pairwise_identifier and _openid_code_client(c)]


def _public_clients(target: Target) -> list[Client]:
    """Clients the profile does not document as pairwise (their subject type is the public one)."""
    return [c for c in target.profile.clients if c.use_in_suites and not c.documented.pairwise_identifier
            and _openid_code_client(c)]


def _host(client: Client) -> str:
    return urlsplit(client.redirect_uris[0]).netloc


def _other(clients: list[Client], than: Client) -> Client | None:
    """A client other than ``than``, preferably of another redirect host (another sector, OIDC Core §8.1)."""
    others = [c for c in clients if c.id != than.id]
    return next((c for c in others if _host(c) != _host(than)), others[0] if others else None)


@requirement("OIDCD-3-subject_types_supported")
def test_public_subject_type_matches_behaviour(target: Target, user_agent: Any) -> None:
    """``subject_types_supported`` ∋ public: two clients not documented as pairwise get the same ``sub`` for one user.

    OIDC Core §8: "public This provides the same sub (subject) value to all Clients." The clients are
    picked from different redirect hosts when the profile has them, so a pairwise value would differ.
    """
    member = "subject_types_supported"
    listed, _ = mc.advertised(target.metadata, member, "public")
    if not listed:
        raise NotApplicable(f"{member} does not list public: nothing to compare (the pairwise check judges "
                            "the pairwise type)")
    clients = _public_clients(target)
    first = clients[0] if clients else None
    second = _other(clients, first) if first is not None else None
    if first is None or second is None:
        raise NeedsReview(f"{member} lists public but the profile has fewer than two OpenID code-flow clients not "
                          "documented as pairwise, so the harness cannot compare their sub values")
    subs = {c.id: id_token_subject(target, user_agent, c) for c in (first, second)}
    probe = mc.public_subject_support(subs)
    if probe.support is mc.Support.NO:  # the profile may not state that a client is configured for pairwise
        probe = mc.Probe(probe.support, probe.observed + " (a client configured for pairwise subjects is stated "
                         "with clients[].documented.pairwise_identifier)")
    evidence.note(f"public subjects: {probe.observed} (redirect hosts {_host(first)}, {_host(second)})")
    mc.check_value(target.metadata, member, "public", probe)


@requirement("OIDCD-3-subject_types_supported")
def test_pairwise_subject_type_matches_behaviour(target: Target, user_agent: Any) -> None:
    """``subject_types_supported`` ∋ pairwise exactly when a client documented as pairwise gets a ``sub`` of its own.

    OIDC Core §8: "pairwise This provides a different sub value to each Client, so as not to enable
    Clients to correlate the End-User's activities without permission". A client the profile documents
    with a pairwise identifier and one it does not (another redirect host when there is one) log the same
    user in; the same ``sub`` for both means no pairwise value was calculated.
    """
    member = "subject_types_supported"
    listed, _ = mc.advertised(target.metadata, member, "pairwise")
    pairwise = _pairwise_clients(target)
    if not pairwise:
        if listed:
            raise NeedsReview(f"{member} lists pairwise but the profile documents no OpenID code-flow client with "
                              "a pairwise identifier (clients[].documented.pairwise_identifier); with dynamic "
                              "registration, registration.pairwise_sub_per_sector judges pairwise subjects")
        raise NotApplicable(f"{member} does not list pairwise and the profile documents no pairwise client: "
                            "nothing to compare")
    client = pairwise[0]
    other = _other(_public_clients(target), client)
    if other is None:
        if listed:
            raise NeedsReview(f"{member} lists pairwise but the profile has no client not documented as pairwise "
                              f"to compare client {client.id}'s sub with")
        raise NotApplicable("the profile has no client not documented as pairwise to compare the sub with")
    probe = mc.pairwise_subject_support(client.id, id_token_subject(target, user_agent, client), other.id,
                                        id_token_subject(target, user_agent, other))
    evidence.note(f"pairwise subjects: {probe.observed} (redirect hosts {_host(client)}, {_host(other)})")
    mc.check_value(target.metadata, member, "pairwise", probe)


def _request_object_client(target: Target, advertised: bool) -> Client:
    for client in target.profile.clients:
        if not (client.use_in_suites and "authorization_code" in client.grant_types and client.jwks_file
                and client.redirect_uris and plain_code_flow(client)):
            continue
        try:
            request_object_alg(target, client)
        except NotApplicable:
            continue
        return client
    why = "the profile has no code-flow client with a private JWKS to sign a request object"
    if advertised:
        raise NeedsReview(f"require_request_uri_registration is true but {why}, so the harness cannot exercise it")
    raise NotApplicable(why)


@requirement("OIDCD-3-require_request_uri_registration")
def test_request_uri_registration_matches_behaviour(target: Target, user_agent: Any) -> None:
    """``require_request_uri_registration`` (default false) agrees with what an unregistered ``request_uri`` gets.

    OIDC Discovery §3: "Boolean value specifying whether the OP requires any request_uri values used to be
    pre-registered using the request_uris registration parameter. Pre-registration is REQUIRED when the
    value is true." The harness serves a valid signed request object at a fresh random https path (no
    client can have registered it). True: a code or a continued login shows the requirement is not
    enforced. False or absent: a refusal before the object was fetched shows a registration rule the
    metadata does not state (information); a use of the object is consistent.
    """
    member = "require_request_uri_registration"
    listed, _ = mc.advertised(target.metadata, member)
    supported = target.metadata.get("request_uri_parameter_supported")
    if supported is False or (not listed and supported is not True):
        raise NotApplicable(f"request_uri_parameter_supported is {supported if supported is not None else 'absent'} "
                            f"and {member} is {'true' if listed else 'not true'}: the OP is not known to take "
                            "request_uri values (request_uri_parameter_matches_behaviour judges that)")
    settings = target.profile.request_object_host
    if settings is None:
        if listed:
            raise NeedsReview(f"{member} is true but the profile has no request_object_host, so the harness cannot "
                              "serve an unregistered request_uri")
        raise NotApplicable("the profile has no request_object_host: the harness cannot serve a request_uri")
    client = _request_object_client(target, listed)
    evidence.note(f"{member} is {target.metadata.get(member, 'absent (default false)')}")
    probe = probes.unregistered_request_uri_probe(target, user_agent, RequestObjectHost(settings), client,
                                                  advertised=listed)
    mc.check_value(target.metadata, member, None, probe,
                   why_unknown="the answer shows neither a refusal nor a use of the request object")


@requirement("CIBA-4-backchannel_user_code_parameter_supported", "CIBA-7.1-user_code")
def test_ciba_user_code_matches_behaviour(target: Target) -> None:
    """``backchannel_user_code_parameter_supported`` (default false) agrees with what a ``user_code`` request gets.

    CIBA §7.1: ``user_code`` "A secret code, such as a password or pin, that is known only to the user but
    verifiable by the OP". Advertised true: a valid request with a made-up code is acknowledged (§7.3) or
    refused with a §13 user-code error (the code was judged) — another refusal contradicts the metadata
    only for clients registered for user codes (the profile's ``documented.ciba.user_code``), since "This
    parameter should only be present if client registration parameter backchannel_user_code_parameter
    indicates support". Not advertised: only a §13 user-code error (the OP judged the code) contradicts it.
    """
    from harness.flows import ciba

    member = "backchannel_user_code_parameter_supported"
    target.endpoint("backchannel_authentication_endpoint")
    listed, by_default = mc.advertised(target.metadata, member)
    clients = [c for c in target.profile.clients if c.use_in_suites and ciba.GRANT_TYPE in c.grant_types]
    if not clients:
        if listed:
            raise NeedsReview(f"{member} is true but the profile has no CIBA client to send a user_code with")
        raise NotApplicable(f"{member} is {'absent' if by_default else 'false'} and the profile has no CIBA client: "
                            "nothing to compare")
    registered = target.profile.documented.ciba.user_code
    probe = probes.user_code_probe(target, clients, registered=registered, advertised=listed)
    mc.check_value(target.metadata, member, None, probe,
                   why_unknown="no client's request was acknowledged or judged by its user code, and the profile "
                   "does not document that its CIBA clients are registered for user codes (documented.ciba.user_code)")
