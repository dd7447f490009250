"""Token-endpoint members held against behaviour: grant types and client authentication methods.

Each value is exercised with a real request (a token request of the grant with made-up grant
values; a token request authenticated with the method for a made-up code; an introspection or
revocation call for a made-up token), whether or not the metadata lists it, so both directions
are judged: advertised but not working, and working but not advertised. An absent member is read
through its default (RFC 8414 §2: ``grant_types_supported`` "If omitted, the default value is
["authorization_code", "implicit"]"; ``token_endpoint_auth_methods_supported`` "If omitted, the
default is client_secret_basic"). Every profile client registered with a method is tried before
a method is left unexercised, and the evidence names the clients used.
"""

from __future__ import annotations

import pytest

from harness.flows import metadata_probes as probes
from harness.profile import AuthMethod
from harness.results import NeedsReview
from harness.specs import metadata_consistency as mc
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement

_GRANT_IDS = {
    "authorization_code": "authorization_code", "refresh_token": "refresh_token",
    "client_credentials": "client_credentials", "password": "password",
    "urn:ietf:params:oauth:grant-type:device_code": "device_code", "urn:openid:params:grant-type:ciba": "ciba",
    "urn:ietf:params:oauth:grant-type:jwt-bearer": "jwt_bearer",
    "urn:ietf:params:oauth:grant-type:token-exchange": "token_exchange",
}


@requirement("RFC8414-2-grant_types_supported")
@pytest.mark.parametrize("grant", list(_GRANT_IDS), ids=list(_GRANT_IDS.values()))
def test_grant_type_matches_behaviour(target: Target, grant: str) -> None:
    """``grant_types_supported`` (or its default) ∋ grant exactly when the token endpoint implements the grant.

    RFC 6749 §5.2: ``unsupported_grant_type`` "The authorization grant type is not supported by the
    authorization server"; ``invalid_grant`` (made-up grant values) or ``unauthorized_client`` ("not
    authorized to use this authorization grant type") show the grant is implemented. An advertised grant
    that is refused is a warning, a working grant that is not advertised is information (the member is
    OPTIONAL), an unjudgeable answer for an advertised grant is review.
    """
    target.endpoint("token_endpoint")
    result = probes.grant_probe(target, grant)
    mc.check_value(target.metadata, "grant_types_supported", grant, result.probe,
                   why_unknown=f"client {result.client.id}'s request was answered with neither unsupported_grant_type "
                   "nor an error that shows the grant was judged")


_METHODS = [m for m in AuthMethod]


def _method_clients(target: Target, member: str, method: AuthMethod) -> list[object]:
    """Profile clients with ``method``; decided before any request (skip / review need no request)."""
    clients = probes.clients_with_method(target, method)
    listed, by_default = mc.advertised(target.metadata, member, method.value)
    if not clients:
        if listed:
            raise NeedsReview(f"{member} advertises {method.value}"
                              f"{' (by its default)' if by_default else ''} but no profile client authenticates "
                              f"with it, so the harness cannot exercise it (register one in the profile)")
        raise NotApplicable(f"no profile client authenticates with {method.value} and {member} does not list it: "
                            "nothing to compare")
    return list(clients)


@requirement("RFC8414-2-token_endpoint_auth_methods_supported")
@pytest.mark.parametrize("method", _METHODS, ids=[m.value for m in _METHODS])
def test_token_endpoint_auth_method_matches_behaviour(target: Target, method: AuthMethod) -> None:
    """``token_endpoint_auth_methods_supported`` (default ``client_secret_basic``) ∋ method exactly when it works.

    Every profile client registered with the method sends a token request for a made-up code:
    ``invalid_grant`` is answered only after the client authenticated (the credentials were accepted),
    ``invalid_client`` "Client authentication failed" (RFC 6749 §5.2) refuses them. ``none`` is a public
    client (RFC 6749 §2.1) sending only ``client_id``.
    """
    member = "token_endpoint_auth_methods_supported"
    target.endpoint("token_endpoint")
    clients = probes.clients_with_method(target, method)
    _method_clients(target, member, method)
    probe = probes.token_auth_probe(target, clients)
    mc.check_value(target.metadata, member, method.value, probe,
                   why_unknown="the token endpoint answered with neither invalid_grant nor invalid_client")


def _endpoint_method_check(target: Target, member: str, endpoint: str, method: AuthMethod) -> None:
    target.endpoint(endpoint)
    if endpoint == "introspection_endpoint" and member not in target.metadata:
        raise NotApplicable(f"{member} is absent and has no default (RFC 8414 §2: \"the set of supported "
                            "authentication methods MUST be determined by other means\"): nothing to compare")
    if method is AuthMethod.NONE:
        raise NotApplicable("a public client (none) has no credentials to authenticate an introspection or "
                            "revocation call with; RFC 7009 §2.1 / RFC 7662 §2.1 judge unauthenticated callers")
    clients = probes.clients_with_method(target, method)
    _method_clients(target, member, method)
    probe = probes.endpoint_auth_probe(target, clients, endpoint)
    mc.check_value(target.metadata, member, method.value, probe,
                   why_unknown="the endpoint answered with neither HTTP 200 nor 401/invalid_client")


_SECRET_METHODS = [m for m in AuthMethod if m is not AuthMethod.NONE]


@requirement("RFC8414-2-introspection_endpoint_auth_methods_supported")
@pytest.mark.parametrize("method", _SECRET_METHODS, ids=[m.value for m in _SECRET_METHODS])
def test_introspection_auth_method_matches_behaviour(target: Target, method: AuthMethod) -> None:
    """``introspection_endpoint_auth_methods_supported`` ∋ method exactly when a caller using it is answered.

    RFC 7662 §2.1: "the protected resource MUST authenticate" — an authenticated call for a made-up
    token gets HTTP 200 ``{"active": false}`` (§2.2), a refused one 401.
    """
    _endpoint_method_check(target, "introspection_endpoint_auth_methods_supported", "introspection_endpoint",
                           method)


@requirement("RFC8414-2-revocation_endpoint_auth_methods_supported")
@pytest.mark.parametrize("method", _SECRET_METHODS, ids=[m.value for m in _SECRET_METHODS])
def test_revocation_auth_method_matches_behaviour(target: Target, method: AuthMethod) -> None:
    """``revocation_endpoint_auth_methods_supported`` (default ``client_secret_basic``) ∋ method exactly when it works.

    RFC 7009 §2.2: "The authorization server responds with HTTP status code 200 if the token has been
    revoked successfully or if the client submitted an invalid token"; a refused authentication is 401.
    """
    _endpoint_method_check(target, "revocation_endpoint_auth_methods_supported", "revocation_endpoint", method)
