"""Advertised versus actual: discovery metadata held against observed behaviour (pure judging).

RFC 8414 §2 and OpenID Connect Discovery §3 define each ``*_supported`` member as the list of
values "that this authorization server supports", and give a default for several members when
they are omitted ("If omitted, the default value is ["authorization_code", "implicit"]"). No
sentence of either document puts a RFC 2119 keyword on the *truth* of a published value, so:

* a value that is advertised (listed, or implied by the member's default) but does not work is
  a **SHOULD**-level finding (a warning), citing the member's definition; a stronger level is
  used only where a sentence makes it one;
* a value that works but is not advertised is a finding at the level of the member's
  *publication* keyword (OPTIONAL → MAY, RECOMMENDED → SHOULD, REQUIRED → MUST), or of the
  sentence that requires advertising it (RFC 9126 §2 SHOULD for the PAR endpoint);
* a value the harness cannot exercise is *review*, with the reason.

Probes are classified from what RFC 6749 says the error codes mean: ``unsupported_grant_type``
"The authorization grant type is not supported by the authorization server" and
``unsupported_response_type`` "The authorization server does not support obtaining an
authorization code using this method" are evidence of *no* support; ``invalid_grant`` or
``unauthorized_client`` ("The authenticated client is not authorized to use this authorization
grant type") show the server implements what was asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from harness.results import CheckFailed, Findings, Level, NeedsReview, fail
from harness.specs import _metadata
from harness.specs._findings import finding

__all__ = [
    "GRANT_TYPES",
    "Support",
    "advertised",
    "auth_method_support",
    "check_documents_agree",
    "check_member_coherence",
    "check_profile_endpoints",
    "check_returned_claims_listed",
    "check_value",
    "fail_path",
    "endpoint_call_support",
    "grant_support",
    "other_document_urls",
    "pairwise_subject_support",
    "public_subject_support",
    "request_uri_registration_support",
    "request_uri_support",
    "response_mode_support",
    "response_type_support",
    "user_code_support",
]


class Support(Enum):
    """What a probe showed about one advertised (or unadvertised) value."""

    YES = "works"
    NO = "does not work"
    UNKNOWN = "could not be judged"


@dataclass(frozen=True)
class Probe:
    """The verdict of one probe and the observation behind it (for messages and evidence)."""

    support: Support
    observed: str


@dataclass(frozen=True)
class MemberRule:
    """How one member is judged: its definition and the level of each direction."""

    requirement: str
    advertised_level: Level = Level.SHOULD
    unadvertised_level: Level = Level.MAY
    unadvertised_requirement: str | None = None


RULES: dict[str, MemberRule] = {
    "grant_types_supported": MemberRule("RFC8414-2-grant_types_supported"),
    "response_types_supported": MemberRule("RFC8414-2-response_types_supported", Level.SHOULD, Level.SHOULD),
    "response_modes_supported": MemberRule("RFC8414-2-response_modes_supported"),
    "token_endpoint_auth_methods_supported": MemberRule("RFC8414-2-token_endpoint_auth_methods_supported"),
    "introspection_endpoint_auth_methods_supported": MemberRule(
        "RFC8414-2-introspection_endpoint_auth_methods_supported"),
    "revocation_endpoint_auth_methods_supported": MemberRule("RFC8414-2-revocation_endpoint_auth_methods_supported"),
    "scopes_supported": MemberRule("RFC8414-2-scopes_supported"),
    "claims_parameter_supported": MemberRule("OIDCD-3-claims_parameter_supported", Level.MAY, Level.MAY),
    "request_uri_parameter_supported": MemberRule("OIDCD-3-request_uri_parameter_supported", Level.MAY, Level.MAY),
    "token_endpoint_auth_signing_alg_values_supported": MemberRule(
        "RFC8414-2-token_endpoint_auth_signing_alg_values_supported"),
    "dpop_signing_alg_values_supported": MemberRule("RFC9449-5.1"),
    "tls_client_certificate_bound_access_tokens": MemberRule("RFC8705-3.3"),
    "id_token_encryption_alg_values_supported": MemberRule("OIDCD-3-id_token_encryption_values_supported",
                                                           Level.SHOULD, Level.SHOULD),
    "id_token_encryption_enc_values_supported": MemberRule("OIDCD-3-id_token_encryption_values_supported",
                                                           Level.SHOULD, Level.SHOULD),
    "userinfo_signing_alg_values_supported": MemberRule("OIDCD-3-userinfo_signing_alg_values_supported",
                                                        Level.SHOULD, Level.SHOULD),
    "backchannel_token_delivery_modes_supported": MemberRule("CIBA-4-backchannel_token_delivery_modes_supported",
                                                             Level.SHOULD, Level.SHOULD),
    "id_token_signing_alg_values_supported": MemberRule("OIDCD-3-id_token_signing_alg_values_supported",
                                                        Level.SHOULD, Level.SHOULD),
    "subject_types_supported": MemberRule("OIDCD-3-subject_types_supported", Level.SHOULD, Level.SHOULD),
    "require_request_uri_registration": MemberRule("OIDCD-3-require_request_uri_registration", Level.SHOULD,
                                                   Level.MAY),
    "backchannel_user_code_parameter_supported": MemberRule("CIBA-4-backchannel_user_code_parameter_supported",
                                                            Level.MAY, Level.MAY),
}

#: Grant types the metadata suite probes at the token endpoint, with the parameters a real
#: request of that grant carries (made-up values: a server implementing the grant answers
#: ``invalid_grant``, one that does not ``unsupported_grant_type``).
GRANT_TYPES: dict[str, dict[str, str]] = {
    "authorization_code": {"code": "harness-made-up-code", "redirect_uri": "https://client.invalid/cb"},
    "refresh_token": {"refresh_token": "harness-made-up-refresh-token"},
    "client_credentials": {},
    "password": {"username": "harness-made-up-user", "password": "harness-made-up-password"},
    "urn:ietf:params:oauth:grant-type:device_code": {"device_code": "harness-made-up-device-code"},
    "urn:openid:params:grant-type:ciba": {"auth_req_id": "harness-made-up-auth-req-id"},
    "urn:ietf:params:oauth:grant-type:jwt-bearer": {"assertion": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."},
    "urn:ietf:params:oauth:grant-type:token-exchange": {
        "subject_token": "harness-made-up-token",
        "subject_token_type": "urn:ietf:params:oauth:token-type:access_token"},
}

# token-endpoint errors that show the grant was recognised and its parameters judged
_GRANT_RECOGNISED = {"invalid_grant", "unauthorized_client", "authorization_pending", "slow_down",
                     "expired_token", "access_denied", "invalid_scope", "invalid_target"}


def advertised(metadata: Mapping[str, Any], member: str, value: str | None = None) -> tuple[bool, bool]:
    """``(advertised, from_default)``: whether ``metadata`` advertises ``value`` in ``member``.

    An absent member is read through its default (RFC 8414 §2, OIDC Discovery §3): e.g.
    ``grant_types_supported`` absent advertises ``authorization_code`` and ``implicit``;
    ``request_uri_parameter_supported`` absent advertises support ("If omitted, the default
    value is true"). Boolean members are advertised when true; array members when they list
    ``value``.
    """
    present = member in metadata
    current = metadata.get(member) if present else _metadata.DEFAULTS.get(member)
    if isinstance(current, bool):
        return current, not present
    if isinstance(current, list):
        return value in current, not present
    return False, not present


def check_value(metadata: Mapping[str, Any], member: str, value: str | None, probe: Probe, *,
                why_unknown: str = "") -> None:
    """Hold one advertised value against what the probe showed, both ways.

    Advertised and not working → ``ADVERTISED_NOT_WORKING``; working and not advertised →
    ``WORKS_NOT_ADVERTISED``; advertised and not judgeable → review (``why_unknown``). A value
    neither advertised nor shown to work is consistent (nothing is claimed and nothing contradicts it).
    """
    rule = RULES[member]
    listed, by_default = advertised(metadata, member, value)
    shown = member if value is None else f"{member} ∋ {value}"
    origin = f" (the member is absent; its default applies: {_metadata.DEFAULTS.get(member)!r})" if by_default else ""
    if listed and probe.support is Support.NO:
        raise fail("ADVERTISED_NOT_WORKING", f"the metadata advertises {shown}{origin} but it does not work: "
                   f"{probe.observed}", rule.requirement, expected="works", actual=probe.observed,
                   level=rule.advertised_level)
    if not listed and probe.support is Support.YES:
        raise fail("WORKS_NOT_ADVERTISED", f"{shown} works ({probe.observed}) but the metadata does not "
                   f"advertise it{origin}", rule.unadvertised_requirement or rule.requirement,
                   expected="advertised", actual=metadata.get(member), level=rule.unadvertised_level)
    if listed and probe.support is Support.UNKNOWN:
        raise NeedsReview(f"the metadata advertises {shown}{origin}; whether it works could not be judged: "
                          f"{probe.observed}{'; ' + why_unknown if why_unknown else ''}")


def _error(body: Mapping[str, Any] | None) -> str | None:
    value = (body or {}).get("error")
    return value if isinstance(value, str) else None


def grant_support(status: int, body: Mapping[str, Any] | None) -> Probe:
    """A token request of one grant type (made-up grant values) → whether the grant is implemented.

    RFC 6749 §5.2: ``unsupported_grant_type`` "The authorization grant type is not supported by the
    authorization server" → no; ``invalid_grant`` / ``unauthorized_client`` / the device and CIBA
    polling errors (RFC 8628 §3.5, CIBA §11) → the grant's parameters were judged → yes; a success
    → yes; ``invalid_client`` or anything else → not judgeable.
    """
    error = _error(body)
    observed = f"HTTP {status}" + (f" error={error}" if error else "")
    if status == 200 and error is None:
        return Probe(Support.YES, observed + " (tokens issued)")
    if error == "unsupported_grant_type":
        return Probe(Support.NO, observed)
    if error in _GRANT_RECOGNISED:
        return Probe(Support.YES, observed + " (the grant's parameters were judged)")
    return Probe(Support.UNKNOWN, observed)


def auth_method_support(status: int, body: Mapping[str, Any] | None) -> Probe:
    """A token request for a made-up code, authenticated with one method → whether the method is accepted.

    The grant is invalid on purpose: ``invalid_grant`` (RFC 6749 §5.2) is answered only after the
    client authenticated, so it shows the credentials were accepted; ``invalid_client`` "Client
    authentication failed" shows they were not.
    """
    error = _error(body)
    observed = f"HTTP {status}" + (f" error={error}" if error else "")
    if status == 200 and error is None:
        return Probe(Support.YES, observed + " (tokens issued: the client authenticated)")
    if error in ("invalid_grant", "invalid_scope", "unauthorized_client") and status in (400, 401):
        return Probe(Support.YES, observed + " (the client authenticated; the grant was judged)")
    if error == "invalid_client" or (status == 401 and error is None):
        return Probe(Support.NO, observed)
    return Probe(Support.UNKNOWN, observed)


def endpoint_call_support(status: int, body: Mapping[str, Any] | None) -> Probe:
    """An introspection or revocation call for a made-up token, authenticated with one method.

    RFC 7662 §2.2: an authenticated caller gets HTTP 200 (``{"active": false}`` for an unknown
    token); RFC 7009 §2.2: "The authorization server responds with HTTP status code 200 if the
    token has been revoked successfully or if the client submitted an invalid token". A 401 /
    ``invalid_client`` is a refused authentication.
    """
    error = _error(body)
    observed = f"HTTP {status}" + (f" error={error}" if error else "")
    if status == 200:
        return Probe(Support.YES, observed + " (caller authenticated)")
    if status == 401 or error == "invalid_client":
        return Probe(Support.NO, observed)
    return Probe(Support.UNKNOWN, observed)


_ARTIFACTS = {"code": "code", "token": "access_token", "id_token": "id_token"}


def response_type_support(response_type: str, redirected: bool, params: Mapping[str, str]) -> Probe:
    """An authorization request with ``response_type`` → whether the server answered it as asked.

    RFC 6749 §4.1.2.1: ``unsupported_response_type`` "The authorization server does not support
    obtaining an authorization code using this method" → no. A redirect carrying every artifact the
    response type names (``code``, ``access_token``, ``id_token``; none for ``none``, OAuth 2.0
    Multiple Response Type Encoding Practices §4) → yes.
    """
    if not redirected:
        return Probe(Support.UNKNOWN, "the server did not redirect back (error page)")
    error = params.get("error")
    if error == "unsupported_response_type":
        return Probe(Support.NO, "error=unsupported_response_type")
    if error is not None:
        return Probe(Support.UNKNOWN, f"error={error}")
    wanted = {_ARTIFACTS[part] for part in response_type.split() if part in _ARTIFACTS}
    missing = sorted(wanted - set(params))
    if missing:
        return Probe(Support.NO, f"the response lacks {missing}")
    if response_type == "none" and set(_ARTIFACTS.values()) & set(params):
        return Probe(Support.NO, f"response_type=none returned {sorted(set(_ARTIFACTS.values()) & set(params))}")
    return Probe(Support.YES, f"redirect with {sorted(wanted) or 'no artifacts'}")


def response_mode_support(mode: str, via: str, in_query: bool, in_fragment: bool, redirected: bool,
                          error: str | None) -> Probe:
    """An authorization request with ``response_mode`` → whether the response came back that way.

    OAuth 2.0 Multiple Response Type Encoding Practices §2.1 (``query``, ``fragment``) and OAuth 2.0
    Form Post Response Mode §2 (``form_post``: "Authorization Response parameters are encoded as HTML
    form values that are auto-submitted in the User Agent").
    """
    if not redirected:
        return Probe(Support.UNKNOWN if error is None else Support.NO, "the server did not redirect back")
    delivered = "form_post" if via == "form_post" else "query" if in_query else "fragment" if in_fragment else "?"
    if error is not None and delivered == mode:
        return Probe(Support.UNKNOWN, f"error={error} delivered by {delivered}")
    if delivered == mode:
        return Probe(Support.YES, f"the response was delivered by {delivered}")
    return Probe(Support.NO, f"asked for response_mode={mode}, the response was delivered by {delivered}"
                 + (f" (error={error})" if error else ""))


def request_uri_support(redirected: bool, params: Mapping[str, str], login_form_shown: bool) -> Probe:
    """An authorization request whose ``request_uri`` points to an unresolvable https URL.

    A server supporting ``request_uri`` must fetch it (OIDC Core §6.2) and fails:
    ``invalid_request_uri`` "The request_uri in the Authorization Request returns an error or
    contains invalid data" (§3.1.2.6) → yes. ``request_uri_not_supported`` "The OP does not support
    use of the request_uri parameter" → no; a server that ignores the parameter and carries on with
    the login or a code → no.
    """
    error = params.get("error") if redirected else None
    if error in ("invalid_request_uri", "invalid_request_object"):
        return Probe(Support.YES, f"error={error} (the server tried to use the request_uri)")
    if error == "request_uri_not_supported":
        return Probe(Support.NO, "error=request_uri_not_supported")
    if redirected and "code" in params:
        return Probe(Support.NO, "the request_uri was ignored: a code was issued")
    if login_form_shown and not redirected:
        return Probe(Support.NO, "the request_uri was ignored: the login went on")
    return Probe(Support.UNKNOWN, f"error={error}" if error else "no redirect and no login page")


def public_subject_support(subs: Mapping[str, str]) -> Probe:
    """The ``sub`` each of several clients got for one user → whether the ``public`` subject type is in use.

    OIDC Core §8: "public This provides the same sub (subject) value to all Clients." The clients are
    ones the profile does not document as pairwise; one value for all → yes, several → no (the values
    themselves are not repeated: a client id → sub table would correlate them in the report).
    """
    names = sorted(subs)
    if len(set(subs.values())) == 1:
        return Probe(Support.YES, f"clients {names} got the same sub for the user")
    return Probe(Support.NO, f"clients {names} got {len(set(subs.values()))} different sub values for one user")


def pairwise_subject_support(pairwise_client: str, pairwise_sub: str, other_client: str, other_sub: str) -> Probe:
    """A pairwise client's ``sub`` and another client's for the same user → whether ``pairwise`` is in use.

    OIDC Core §8: "pairwise This provides a different sub value to each Client, so as not to enable
    Clients to correlate the End-User's activities without permission"; §8.1: "the OpenID Provider MUST
    calculate a unique sub (subject) value for each Sector Identifier". The other client is one the
    profile does not document as pairwise: a pairwise value equal to its (public) value correlates the
    user across every public client, whatever the sectors.
    """
    if pairwise_sub != other_sub:
        return Probe(Support.YES, f"pairwise client {pairwise_client} got a sub different from client "
                     f"{other_client}'s for the same user")
    return Probe(Support.NO, f"pairwise client {pairwise_client} got the same sub as client {other_client} "
                 "for the same user")


def request_uri_registration_support(redirected: bool, params: Mapping[str, str], login_form_shown: bool,
                                     fetches: int, *, advertised: bool = True) -> Probe:
    """A valid request object at a ``request_uri`` no client registered → whether pre-registration is required.

    OIDC Discovery §3: "require_request_uri_registration OPTIONAL. Boolean value specifying whether the
    OP requires any request_uri values used to be pre-registered using the request_uris registration
    parameter. Pre-registration is REQUIRED when the value is true." A server that requires it refuses
    the request (an error redirect such as ``invalid_request_uri``, or an error page) → yes; one that
    fetches and uses the object (a code is issued, or the login goes on) → no. Where the member is not
    advertised (``advertised`` false), only a refusal *before any fetch* shows a registration rule (a
    fetched object may be refused for its content); a refusal after a fetch is not judgeable.
    """
    fetched = f"fetched {fetches} time(s)"
    error = params.get("error") if redirected else None
    if redirected and error is None and "code" in params:
        return Probe(Support.NO, f"the unregistered request_uri was used: a code was issued ({fetched})")
    if login_form_shown and not redirected:
        return Probe(Support.NO, f"the unregistered request_uri was accepted: the login went on ({fetched})")
    if redirected and error is None:
        return Probe(Support.UNKNOWN, f"a redirect with neither a code nor an error ({fetched})")
    how = f"error={error}" if error is not None else "an error page"
    if not advertised and fetches:
        return Probe(Support.UNKNOWN, f"the request was refused ({how}) after the object was {fetched}: not a "
                     "registration rule")
    return Probe(Support.YES, f"the unregistered request_uri was refused: {how} ({fetched})")


#: CIBA §13 errors that show the OP judged a ``user_code`` ("missing_user_code User code is required but
#: was missing from the request." / "invalid_user_code User code was invalid.").
USER_CODE_ERRORS = frozenset({"missing_user_code", "invalid_user_code"})


def user_code_support(status: int, body: Mapping[str, Any] | None, *, client_registered: bool,
                      advertised: bool = True) -> Probe:
    """A valid backchannel authentication request carrying ``user_code`` → whether the OP supports user codes.

    CIBA §7.1: ``user_code`` "A secret code, such as a password or pin, that is known only to the user but
    verifiable by the OP ... This parameter should only be present if client registration parameter
    backchannel_user_code_parameter indicates support for the user code." An acknowledgement (§7.3:
    HTTP 200 with ``auth_req_id``) or a §13 user-code error (the code was checked) → yes. Another error
    → no, but only for a client known to be registered for user codes (``client_registered``); for any
    other client the OP may legitimately refuse or ignore the parameter, so nothing is shown. Where the
    OP does not advertise support (``advertised`` false), an acknowledgement shows nothing either (the
    parameter may have been ignored): only a §13 user-code error shows support.
    """
    error = _error(body)
    observed = f"HTTP {status}" + (f" error={error}" if error else "")
    if status == 200 and isinstance((body or {}).get("auth_req_id"), str):
        if not advertised:
            return Probe(Support.UNKNOWN, observed + " (acknowledged; the OP may have ignored user_code)")
        return Probe(Support.YES, observed + " (the request with user_code was acknowledged)")
    if error in USER_CODE_ERRORS:
        return Probe(Support.YES, observed + " (the OP judged the user code)")
    if client_registered and error is not None:
        return Probe(Support.NO, observed + " (a client registered for user codes was refused)")
    return Probe(Support.UNKNOWN, observed)


_PROTOCOL_CLAIMS = {"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "nonce", "auth_time", "acr", "amr", "azp",
                    "at_hash", "c_hash", "s_hash", "sid", "_claim_names", "_claim_sources", "cnf", "client_id",
                    "scope", "txn"}


def check_returned_claims_listed(metadata: Mapping[str, Any], returned: Iterable[str]) -> None:
    """Claims UserInfo returned that ``claims_supported`` does not list (a MAY-level finding).

    OIDC Discovery §3: "claims_supported RECOMMENDED. JSON array containing a list of the Claim Names
    of the Claims that the OpenID Provider MAY be able to supply values for. Note that for privacy or
    other reasons, this might not be an exhaustive list." — an unlisted claim is allowed, so it is
    information (a warning), never a failure.
    """
    listed = metadata.get("claims_supported")
    if not isinstance(listed, list):
        return
    unlisted = sorted(set(returned) - set(listed) - _PROTOCOL_CLAIMS)
    if unlisted:
        raise fail("CLAIMS_RETURNED_NOT_LISTED", f"UserInfo returned claims claims_supported does not list: "
                   f"{unlisted}", "OIDCD-3-claims_supported", expected=f"listed in {listed}", actual=unlisted,
                   level=Level.MAY)


#: Endpoint members and the publication rule that applies when a server serves the endpoint.
ENDPOINT_PUBLICATION: dict[str, tuple[str, Level]] = {
    "introspection_endpoint": ("RFC8414-2-introspection_endpoint", Level.MAY),
    "revocation_endpoint": ("RFC8414-2-revocation_endpoint", Level.MAY),
    "device_authorization_endpoint": ("RFC8628-4", Level.MAY),
    "pushed_authorization_request_endpoint": ("RFC9126-2-metadata", Level.SHOULD),
    "userinfo_endpoint": ("OIDCD-3-recommended", Level.SHOULD),
    "backchannel_authentication_endpoint": ("CIBA-4-backchannel_authentication_endpoint", Level.MUST),
    "token_endpoint": ("RFC8414-2", Level.MUST),
    "authorization_endpoint": ("RFC8414-2", Level.MUST),
}


def check_profile_endpoints(metadata: Mapping[str, Any], endpoints: Mapping[str, str], document: str) -> None:
    """Every endpoint the profile has to supply because discovery lacks it, as a finding.

    The profile's ``endpoints:`` names endpoints the deployment serves but does not advertise; a
    client relying on discovery cannot find them. Each is judged at the level of the sentence that
    governs publishing it (RFC 8414 §2 OPTIONAL → MAY; RFC 9126 §2 "SHOULD include the URL of their
    pushed authorization request endpoint"; OIDC Discovery §3 ``userinfo_endpoint`` RECOMMENDED;
    CIBA §4 ``backchannel_authentication_endpoint`` REQUIRED).
    """
    findings = Findings()
    for member, url in sorted(endpoints.items()):
        if isinstance(metadata.get(member), str) and metadata.get(member):
            continue
        requirement, level = ENDPOINT_PUBLICATION.get(member, ("RFC8414-2-endpoints", Level.MAY))
        findings.add(finding("ENDPOINT_SERVED_NOT_ADVERTISED", f"{member} is served at {url} (the profile's "
                             f"endpoints: supplies it) but the {document} does not advertise it", requirement,
                             expected=f"{member} in the {document}", actual=None, level=level))
    findings.raise_if_any()


_GRANT_ENDPOINTS = {
    "urn:ietf:params:oauth:grant-type:device_code": "device_authorization_endpoint",
    "urn:openid:params:grant-type:ciba": "backchannel_authentication_endpoint",
}

_VOCABULARIES: dict[str, frozenset[str]] = {
    "grant_types_supported": frozenset(GRANT_TYPES) | {"implicit", "urn:ietf:params:oauth:grant-type:saml2-bearer"},
    "response_types_supported": frozenset({"code", "token", "id_token", "none", "code id_token", "code token",
                                           "id_token token", "code id_token token"}),
    "response_modes_supported": frozenset({"query", "fragment", "form_post", "jwt", "query.jwt", "fragment.jwt",
                                           "form_post.jwt", "web_message"}),
    "token_endpoint_auth_methods_supported": frozenset({
        "none", "client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt",
        "tls_client_auth", "self_signed_tls_client_auth"}),
    "code_challenge_methods_supported": frozenset({"S256", "plain"}),
    "subject_types_supported": frozenset({"public", "pairwise"}),
    "backchannel_token_delivery_modes_supported": frozenset({"poll", "ping", "push"}),
}
_ALGS = frozenset({"none", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                   "ES256", "ES384", "ES512", "ES256K", "EdDSA", "Ed25519", "Ed448"})


def _wrong_member(member: str, value: str) -> str | None:
    """The member ``value`` belongs to when it is a known value of another vocabulary only."""
    own = _VOCABULARIES.get(member)
    if own is None and member.endswith("_signing_alg_values_supported"):
        own = _ALGS
    if own is None or value in own:
        return None
    for other, vocabulary in _VOCABULARIES.items():
        if other != member and value in vocabulary:
            return other
    if value in _ALGS:
        return "a *_signing_alg_values_supported member"
    return None


def check_member_coherence(metadata: Mapping[str, Any]) -> None:
    """Members agree with each other, and values sit in the member that defines them.

    * a grant that needs its own endpoint is advertised with that endpoint (RFC 8628 §3.1/§4:
      the device grant starts at the ``device_authorization_endpoint``; CIBA §4:
      ``backchannel_authentication_endpoint`` and ``backchannel_token_delivery_modes_supported``
      are REQUIRED for an OP supporting CIBA);
    * response types that issue tokens from the authorization endpoint agree with an explicit
      ``grant_types_supported`` (``code`` ↔ ``authorization_code``, ``token``/``id_token`` ↔
      ``implicit``, RFC 7591 §2.1 correspondence);
    * ``require_pushed_authorization_requests: true`` comes with a PAR endpoint (RFC 9126 §5);
    * a value from another member's vocabulary (``S256`` among auth methods, ``client_secret_basic``
      among grant types) is in the wrong member (RFC 8414 §2 defines each member's values).
    """
    findings = Findings()
    grants = metadata.get("grant_types_supported")
    grant_list = grants if isinstance(grants, list) else _metadata.DEFAULTS["grant_types_supported"]
    for grant, endpoint in _GRANT_ENDPOINTS.items():
        if grant in grant_list and not metadata.get(endpoint):
            requirement = ("CIBA-4-backchannel_authentication_endpoint" if "ciba" in grant
                           else "RFC8414-2-grant_types_supported")
            level = Level.MUST if "ciba" in grant else Level.SHOULD
            findings.add(finding("GRANT_WITHOUT_ENDPOINT", f"grant_types_supported lists {grant} but the metadata "
                                 f"has no {endpoint}", requirement, expected=endpoint, actual=None, level=level))
    if "urn:openid:params:grant-type:ciba" in grant_list and not metadata.get(
            "backchannel_token_delivery_modes_supported"):
        findings.add(finding("CIBA_WITHOUT_DELIVERY_MODES", "the CIBA grant is advertised without "
                             "backchannel_token_delivery_modes_supported",
                             "CIBA-4-backchannel_token_delivery_modes_supported",
                             expected="backchannel_token_delivery_modes_supported", actual=None))
    for endpoint, grant in ((v, k) for k, v in _GRANT_ENDPOINTS.items()):
        if metadata.get(endpoint) and grant not in grant_list:
            findings.add(finding("ENDPOINT_WITHOUT_GRANT", f"{endpoint} is advertised but grant_types_supported "
                                 f"(or its default) does not list {grant}", "RFC8414-2-grant_types_supported",
                                 expected=grant, actual=grants, level=Level.SHOULD))
    response_types = metadata.get("response_types_supported")
    if isinstance(grants, list) and isinstance(response_types, list):
        parts = {p for rt in response_types if isinstance(rt, str) for p in rt.split()}
        if "code" in parts and "authorization_code" not in grants:
            findings.add(finding("RESPONSE_TYPE_WITHOUT_GRANT", "response_types_supported has code but "
                                 "grant_types_supported does not list authorization_code",
                                 "RFC8414-2-grant_types_supported", expected="authorization_code", actual=grants,
                                 level=Level.SHOULD))
        if parts & {"token", "id_token"} and "implicit" not in grants:
            findings.add(finding("RESPONSE_TYPE_WITHOUT_GRANT", "response_types_supported has a response type "
                                 "issuing tokens from the authorization endpoint but grant_types_supported does "
                                 "not list implicit", "RFC8414-2-grant_types_supported", expected="implicit",
                                 actual=grants, level=Level.SHOULD))
    if metadata.get("require_pushed_authorization_requests") is True and not metadata.get(
            "pushed_authorization_request_endpoint"):
        findings.add(finding("PAR_REQUIRED_WITHOUT_ENDPOINT", "require_pushed_authorization_requests is true but "
                             "no pushed_authorization_request_endpoint is advertised", "RFC9126-5",
                             expected="pushed_authorization_request_endpoint", actual=None, level=Level.SHOULD))
    for member, value in metadata.items():
        if not isinstance(value, list):
            continue
        for item in value:
            home = _wrong_member(member, item) if isinstance(item, str) else None
            if home is not None:
                findings.add(finding("VALUE_IN_WRONG_MEMBER", f"{member} lists {item!r}, a value of {home}",
                                     RULES[member].requirement if member in RULES else "RFC8414-2-values",
                                     expected=f"values of {member}",
                                     actual=item, level=Level.SHOULD))
    findings.raise_if_any()


def other_document_urls(issuer: str, oidc: bool) -> tuple[str, str | None]:
    """The URL of the *other* metadata document, and the wrong (path-appended) one for issuers with a path.

    RFC 8414 §3.1: "If the issuer identifier value contains a path component, any terminating "/"
    MUST be removed before inserting "/.well-known/" and the well-known URI suffix between the host
    component and the path component." OIDC Discovery §4 appends ``/.well-known/openid-configuration``
    to the issuer instead.
    """
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    if oidc:
        right = urlunsplit((parts.scheme, parts.netloc, "/.well-known/oauth-authorization-server" + path, "", ""))
        wrong = urlunsplit((parts.scheme, parts.netloc, path + "/.well-known/oauth-authorization-server", "", ""))
        return right, (wrong if path else None)
    return urlunsplit((parts.scheme, parts.netloc, path + "/.well-known/openid-configuration", "", "")), None


_COMPARED_SKIP = {"signed_metadata"}


def check_documents_agree(oidc_document: Mapping[str, Any], oauth_document: Mapping[str, Any]) -> None:
    """The OpenID Provider Configuration and the RFC 8414 document describe the same server.

    RFC 8414 §1: "This specification generalizes the metadata format defined by "OpenID Connect
    Discovery 1.0" [OpenID.Discovery] in a way that is compatible with OpenID Connect Discovery"; a
    member both documents carry has the same meaning in both. A member with different values is a
    contradiction (SHOULD); an endpoint one document advertises and the other omits leaves the
    clients of the other document without it (MAY, the endpoint members being OPTIONAL).
    """
    findings = Findings()
    for member in sorted(set(oidc_document) & set(oauth_document) - _COMPARED_SKIP):
        a, b = oidc_document[member], oauth_document[member]
        same = sorted(a) == sorted(b) if isinstance(a, list) and isinstance(b, list) else a == b
        if not same:
            findings.add(finding("METADATA_DOCUMENTS_DISAGREE", f"{member} differs between the OpenID "
                                 "configuration and the RFC 8414 document", "RFC8414-1-compatible",
                                 expected=a, actual=b, level=Level.SHOULD))
    urls = {m for m, kind in _metadata.KNOWN_MEMBERS.items() if kind is _metadata.Kind.URL} - {
        "issuer", "userinfo_endpoint", "check_session_iframe", "end_session_endpoint"}
    for member in sorted(urls):
        in_oidc, in_oauth = member in oidc_document, member in oauth_document
        if in_oidc != in_oauth:
            where, missing = ("RFC 8414 document", "OpenID configuration") if in_oauth else (
                "OpenID configuration", "RFC 8414 document")
            findings.add(finding("ENDPOINT_IN_ONE_DOCUMENT", f"{member} is in the {where} but not in the "
                                 f"{missing}", "RFC8414-1-compatible", expected=f"{member} in both",
                                 actual=f"only in the {where}", level=Level.MAY))
    findings.raise_if_any()


def fail_path(right: str, wrong: str) -> CheckFailed:
    """The RFC 8414 document is served only at the path-appended URL, not where §3.1 puts it.

    RFC 8414 §3.1: "If the issuer identifier value contains a path component, any terminating "/"
    MUST be removed before inserting "/.well-known/" and the well-known URI suffix between the host
    component and the path component."
    """
    return fail("METADATA_WELL_KNOWN_PATH", "the RFC 8414 document is served after the issuer's path, not "
                "between the host and the path", "RFC8414-3.1", expected=right, actual=wrong)
