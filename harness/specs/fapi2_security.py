"""FAPI 2.0 Security Profile (Final): the authorization server rules the OIDF FAPI2 SP plan tests.

Each function judges what a check observed for a client registered under FAPI 2.0
(``clients[].fapi``); the generic RFC rules stay in their own modules. §5.3.2.1 holds the
authorization server's general requirements, §5.3.2.2 those of the authorization endpoint
flows, §5.3.4 the resource server's, §5.4.1 the cryptography rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.results import Findings, Level, fail
from harness.specs import oidc_ciba
from harness.specs._findings import finding
from harness.specs._http import is_https_url

__all__ = [
    "FAPI_ALGS",
    "accepted_push_or_fail",
    "check_backchannel_acknowledged",
    "check_assertion_refused",
    "check_backchannel_refused",
    "check_ciba_metadata",
    "check_client_authentication_required",
    "check_client_id_of_certificate_enforced",
    "check_code_expired",
    "check_fapi_alg",
    "check_front_channel_no_tokens",
    "future_jwt_push_accepted",
    "check_iss_in_response",
    "check_metadata",
    "check_ping_redirect_not_followed",
    "check_plain_request_refused",
    "check_push_refused",
    "check_refresh_not_rotated",
    "check_refresh_token_syntax",
    "check_request_uri_lifetime",
    "check_sender_constrained_issuance",
    "check_token_refused",
    "check_token_type_dpop",
    "check_tokens_after_ping_answer",
]

#: §5.4.1: "use PS256, ES256, or EdDSA (using the Ed25519 variant) algorithms".
FAPI_ALGS = frozenset({"PS256", "ES256", "EdDSA", "Ed25519"})
#: §5.3.2.1: "shall authenticate clients using one of ... MTLS ... or private_key_jwt".
FAPI_AUTH_METHODS = frozenset({"private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"})
#: §5.3.2.2: "shall issue pushed authorization requests request_uri with expires_in values of less than 600 seconds".
MAX_REQUEST_URI_LIFETIME_S = 600


def _accepted_push(status: int, body: Mapping[str, Any] | None) -> bool:
    return 200 <= status < 300 and isinstance((body or {}).get("request_uri"), str)


def check_push_refused(status: int, body: Mapping[str, Any] | None, *, code: str, what: str,
                       requirement: str) -> None:
    """A pushed authorization request that breaks a FAPI 2.0 rule issued no ``request_uri``.

    FAPI 2.0 rules (e.g. §5.3.2.2 "shall require PKCE [RFC7636] with S256 as the code
    challenge method") are enforced when the request is pushed: RFC 9126 §2.1 makes the server
    "validate the pushed request as it would an authorization request".
    """
    if _accepted_push(status, body):
        raise fail(code, f"the PAR endpoint accepted {what}", requirement, expected="refused (no request_uri)",
                   actual=f"HTTP {status} with request_uri")


def check_front_channel_no_tokens(params: Mapping[str, str], *, response_type: str) -> None:
    """§5.3.2.2: "shall require the value of response_type described in [RFC6749] to be code".

    Judges the authorization response of a request with another ``response_type`` that the
    PAR endpoint accepted: it must be an error, never a code, access token or ID token.
    """
    issued = sorted(k for k in ("code", "access_token", "id_token") if params.get(k))
    if issued:
        raise fail("FAPI2_RESPONSE_TYPE_NOT_CODE_ACCEPTED", f"response_type={response_type} was honoured for a "
                   "FAPI 2.0 client", "FAPI2SP-5.3.2.2-RESPONSE_TYPE", expected="an error response",
                   actual=f"response carrying {', '.join(issued)}")


def check_plain_request_refused(params: Mapping[str, str], *, redirected: bool) -> None:
    """§5.3.2.2: "shall reject authorization requests sent without [RFC9126]" (no code for a plain request)."""
    if params.get("code"):
        raise fail("FAPI2_PLAIN_REQUEST_ACCEPTED", "an unsigned authorization request sent without PAR produced a "
                   "code for a FAPI 2.0 client", "FAPI2SP-5.3.2.2-PAR", expected="refused",
                   actual="redirect with code" if redirected else "code")


def check_request_uri_lifetime(status: int, body: Mapping[str, Any] | None) -> float:
    """§5.3.2.2: the ``request_uri`` lives less than 600 seconds; return the announced lifetime.

    "shall issue pushed authorization requests request_uri with expires_in values of less than
    600 seconds".
    """
    expires_in = (body or {}).get("expires_in")
    if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float)):
        raise fail("FAPI2_REQUEST_URI_LIFETIME_UNKNOWN", "the PAR answer states no numeric expires_in",
                   "FAPI2SP-5.3.2.2-REQUEST_URI_LIFETIME", expected=f"expires_in < {MAX_REQUEST_URI_LIFETIME_S}",
                   actual=f"HTTP {status} expires_in={expires_in!r}")
    if expires_in >= MAX_REQUEST_URI_LIFETIME_S:
        raise fail("FAPI2_REQUEST_URI_LIFETIME_TOO_LONG", "the request_uri lives 600 seconds or longer",
                   "FAPI2SP-5.3.2.2-REQUEST_URI_LIFETIME", expected=f"expires_in < {MAX_REQUEST_URI_LIFETIME_S}",
                   actual=expires_in)
    return float(expires_in)


def check_iss_in_response(params: Mapping[str, str], issuer: str) -> None:
    """§5.3.2.2: "shall return an iss parameter in the authorization response according to [RFC9207]"."""
    iss = params.get("iss")
    if iss is None:
        raise fail("FAPI2_ISS_MISSING", "the authorization response of a FAPI 2.0 client carries no iss",
                   "FAPI2SP-5.3.2.2-ISS", expected=issuer, actual="absent")
    if iss != issuer:
        raise fail("FAPI2_ISS_WRONG", "the authorization response's iss is not the issuer identifier",
                   "FAPI2SP-5.3.2.2-ISS", expected=issuer, actual=iss)


def check_token_refused(status: int, body: Mapping[str, Any] | None, *, code: str, what: str,
                        requirement: str) -> None:
    """A token request that breaks a FAPI 2.0 rule got no access token (any error answer)."""
    if 200 <= status < 300 and (body or {}).get("access_token"):
        raise fail(code, f"the token endpoint issued an access token for {what}", requirement,
                   expected="an error response", actual=f"HTTP {status} token_type={(body or {}).get('token_type')}")


def check_client_authentication_required(status: int, body: Mapping[str, Any] | None, *, endpoint: str,
                                         requirement: str) -> None:
    """A request with only ``client_id`` fails client authentication (``invalid_client``).

    §5.3.2.1 "shall only support confidential clients"; §5.3.2.2 "shall reject pushed
    authorization requests without client authentication"; RFC 6749 §5.2 ``invalid_client``:
    "Client authentication failed (e.g., ... no client authentication included ...)".
    """
    error = (body or {}).get("error")
    if status < 400 or error != "invalid_client":
        raise fail("FAPI2_UNAUTHENTICATED_REQUEST_ACCEPTED", f"the {endpoint} did not refuse a FAPI 2.0 client's "
                   "request that carried no client authentication", requirement,
                   expected="HTTP 400/401 error=invalid_client", actual=f"HTTP {status} error={error}")


def check_sender_constrained_issuance(status: int, body: Mapping[str, Any] | None, *,
                                      requirement: str = "FAPI2SP-5.3.2.1-SENDER",
                                      code: str = "FAPI2_UNBOUND_TOKEN_ISSUED") -> None:
    """§5.3.2.1: "shall only issue sender-constrained access tokens": no proof, no certificate, no token.

    FAPI-CIBA applies FAPI 1.0 Advanced §5.2.2's "shall only issue sender-constrained access tokens"
    (``requirement="FAPI1ADV-5.2.2-5"``).
    """
    if 200 <= status < 300 and (body or {}).get("access_token"):
        raise fail(code, "an access token was issued to a request with neither a DPoP proof "
                   "nor a client certificate", requirement, expected="refused",
                   actual=f"HTTP {status} token_type={(body or {}).get('token_type')}")


def check_token_type_dpop(body: Mapping[str, Any]) -> None:
    """§5.3.2.1 sender-constrained tokens via DPoP: the token response says ``token_type`` DPoP (RFC 9449 §5)."""
    token_type = str(body.get("token_type", ""))
    if token_type.lower() != "dpop":
        raise fail("FAPI2_TOKEN_NOT_DPOP_BOUND", "the token response of a DPoP-bound FAPI 2.0 client is not a DPoP "
                   "token", "FAPI2SP-5.3.2.1-SENDER", expected="token_type DPoP", actual=token_type or "absent")


def check_refresh_not_rotated(old_refresh_token: str, body: Mapping[str, Any]) -> None:
    """§5.3.2.1: "shall not use refresh token rotation except in extraordinary circumstances".

    The exception (infrastructure migration, with a retry window for the old token) cannot be
    told from outside, so a rotation is a warning, not a failure.
    """
    new = body.get("refresh_token")
    if isinstance(new, str) and new and new != old_refresh_token:
        raise fail("FAPI2_REFRESH_TOKEN_ROTATED", "the refresh response of a FAPI 2.0 client carries a new refresh "
                   "token", "FAPI2SP-5.3.2.1-ROTATION", expected="no refresh_token, or the same one",
                   actual="a new refresh_token", level=Level.SHOULD)


def check_code_expired(status: int, body: Mapping[str, Any] | None, *, waited_s: float) -> None:
    """§5.3.2.1: "shall issue authorization codes with a maximum lifetime of 60 seconds"."""
    if 200 <= status < 300 and (body or {}).get("access_token"):
        raise fail("FAPI2_CODE_OUTLIVES_60S", f"an authorization code was still redeemable {waited_s:.0f} s after it "
                   "was issued", "FAPI2SP-5.3.2.1-CODE_LIFETIME", expected="invalid_grant", actual=f"HTTP {status}")


def _lists_fapi_alg(metadata: Mapping[str, Any], member: str) -> bool | None:
    """Whether ``member`` (a list of JWS algorithms) holds a §5.4.1 algorithm; ``None`` when it is not a list."""
    values = metadata.get(member)
    if not isinstance(values, list):
        return None
    return bool(FAPI_ALGS & set(map(str, values)))


def check_metadata(metadata: Mapping[str, Any], *, dpop: bool, auth_method: str | None = None,
                   openid: bool = False) -> None:
    """§5.3.2.1 "shall distribute discovery metadata ... via the metadata document" with what FAPI 2.0 needs.

    The endpoints a FAPI 2.0 flow uses (RFC 8414 §2, RFC 9126 §5
    ``pushed_authorization_request_endpoint``); the FAPI client's registered authentication method
    (``auth_method``) among ``token_endpoint_auth_methods_supported`` (RFC 8414 §2: omitted means
    ``client_secret_basic`` only) and, where listed, at least one FAPI 2.0 method (§5.3.2.1);
    ``S256`` in a published ``code_challenge_methods_supported`` (§5.3.2.2 "shall require PKCE ...
    with S256"; an unpublished list is left alone: the member is OPTIONAL, RFC 8414 §2, and the
    legitimate variant ``fapi2`` omits it although S256 works). §5.4.1 ("shall ... use
    PS256, ES256, or EdDSA"): each JWS algorithm list the server publishes for JWTs it makes or takes
    from a FAPI client — DPoP proofs (``dpop``), ID tokens (``openid``), UserInfo responses, client
    assertions (when ``private_key_jwt`` is listed) — holds at least one of them. Lists are global to
    the server, so other values (e.g. ``RS256`` for non-FAPI clients) are no finding.
    """
    findings = Findings()
    missing = [m for m in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
                           "pushed_authorization_request_endpoint") if not metadata.get(m)]
    if missing:
        findings.add(finding("FAPI2_METADATA_MISSING", "the metadata document lacks members a FAPI 2.0 flow needs",
                             "FAPI2SP-5.3.2.1-METADATA", expected="present", actual=missing))
    methods = metadata.get("token_endpoint_auth_methods_supported")
    listed = set(map(str, methods)) if isinstance(methods, list) else {"client_secret_basic"}
    if isinstance(methods, list) and not FAPI_AUTH_METHODS & listed:
        findings.add(finding("FAPI2_METADATA_NO_FAPI_AUTH_METHOD", "no FAPI 2.0 client authentication method is "
                             "advertised", "FAPI2SP-5.3.2.1-CLIENTAUTH", expected=sorted(FAPI_AUTH_METHODS),
                             actual=methods))
    elif auth_method in FAPI_AUTH_METHODS and auth_method not in listed:
        findings.add(finding("FAPI2_METADATA_CLIENT_AUTH_METHOD_MISSING", "the FAPI client's authentication method "
                             "is not advertised", "FAPI2SP-5.3.2.1-CLIENTAUTH", expected=auth_method,
                             actual=methods if methods is not None else "absent (client_secret_basic only)"))
    pkce = metadata.get("code_challenge_methods_supported")
    if isinstance(pkce, list) and "S256" not in pkce:
        findings.add(finding("FAPI2_METADATA_NO_S256", "S256 is not among the advertised code challenge methods",
                             "FAPI2SP-5.3.2.2-PKCE", expected="S256 in code_challenge_methods_supported",
                             actual=pkce))
    alg_lists = ["userinfo_signing_alg_values_supported"]
    if dpop:
        alg_lists.append("dpop_signing_alg_values_supported")
    if openid:
        alg_lists.append("id_token_signing_alg_values_supported")
    if "private_key_jwt" in listed:
        alg_lists.append("token_endpoint_auth_signing_alg_values_supported")
    weak = [member for member in alg_lists if _lists_fapi_alg(metadata, member) is False]
    if weak:
        findings.add(finding("FAPI2_METADATA_NO_FAPI_ALG", "a published signing algorithm list holds no FAPI 2.0 "
                             "algorithm", "FAPI2SP-5.4.1-ALGS", expected=f"one of {sorted(FAPI_ALGS)} in each",
                             actual={m: metadata.get(m) for m in weak}))
    findings.raise_if_any()


def accepted_push_or_fail(status: int, body: Mapping[str, Any] | None, *, what: str,
                          requirement: str) -> str:
    """The ``request_uri`` of a valid push a FAPI 2.0 server must accept (``what`` names the variation)."""
    if not _accepted_push(status, body):
        raise fail("FAPI2_VALID_REQUEST_REFUSED", f"the PAR endpoint refused {what}", requirement,
                   expected="HTTP 201 with request_uri",
                   actual=f"HTTP {status} error={(body or {}).get('error')}")
    return str((body or {})["request_uri"])


def future_jwt_push_accepted(status: int, body: Mapping[str, Any] | None, *, what: str) -> str:
    """§5.3.2.1: the ``request_uri`` of a push carrying a JWT whose ``nbf`` lies 8 s in the future.

    "to accommodate clock offsets, shall accept JWTs with an iat or nbf timestamp between 0 and 10
    seconds in the future". A refusal at PAR is a SHOULD-level finding, as the OIDF module
    ensure-request-object-with-nbf-8-seconds-in-the-future-is-accepted grades it (a warning: the PAR
    endpoint "doesn't seem to support clock skew"); once the push is accepted the flow must succeed.
    """
    if not _accepted_push(status, body):
        raise fail("FAPI2_FUTURE_JWT_REFUSED", f"the PAR endpoint refused {what}", "FAPI2SP-5.3.2.1-CLOCK",
                   expected="HTTP 201 with request_uri", actual=f"HTTP {status} error={(body or {}).get('error')}",
                   level=Level.SHOULD)
    return str((body or {})["request_uri"])


def check_fapi_alg(alg: str | None, *, what: str) -> None:
    """§5.4.1: JWTs the server creates use "PS256, ES256, or EdDSA (using the Ed25519 variant)", never none."""
    if alg not in FAPI_ALGS:
        raise fail("FAPI2_JWT_ALG_NOT_ALLOWED", f"{what} is signed with an algorithm FAPI 2.0 does not allow",
                   "FAPI2SP-5.4.1-ALGS", expected=sorted(FAPI_ALGS), actual=alg)


def _acknowledged(status: int, body: Mapping[str, Any] | None) -> bool:
    return status == 200 and isinstance((body or {}).get("auth_req_id"), str)


def check_backchannel_refused(status: int, body: Mapping[str, Any] | None, *, code: str, what: str,
                              requirement: str) -> None:
    """A backchannel authentication request that breaks a FAPI-CIBA rule was not acknowledged (CIBA §7.3)."""
    if _acknowledged(status, body):
        raise fail(code, f"the backchannel authentication endpoint acknowledged {what}", requirement,
                   expected="an error response (no auth_req_id)", actual=f"HTTP {status} with auth_req_id")


def check_backchannel_acknowledged(status: int, body: Mapping[str, Any] | None, *, what: str,
                                   requirement: str) -> None:
    """A valid backchannel authentication request is acknowledged with an ``auth_req_id`` (CIBA §7.3)."""
    if not _acknowledged(status, body):
        raise fail("FAPICIBA_VALID_REQUEST_REFUSED", f"the backchannel authentication endpoint refused {what}",
                   requirement, expected="HTTP 200 with auth_req_id",
                   actual=f"HTTP {status} error={(body or {}).get('error')}")


#: RFC 7523 §3.2 names invalid_client; the OIDF modules also take invalid_request for a malformed assertion.
ASSERTION_REFUSAL_ERRORS = frozenset({"invalid_client", "invalid_request"})


def check_assertion_refused(status: int, body: Mapping[str, Any] | None, *, endpoint: str, what: str, code: str,
                            requirement: str) -> None:
    """A request authenticated with a broken client assertion fails client authentication.

    RFC 7523 §3.2: "If the client JWT is not valid, ... The value of the "error" parameter MUST be
    the "invalid_client" error code." ``invalid_request`` is also taken (the OIDF modules do). At the
    token endpoint the grant is a made-up code, so a server that accepted the assertion answers
    ``invalid_grant``; at PAR it issues a ``request_uri``.
    """
    error = (body or {}).get("error")
    if status < 400 or error not in ASSERTION_REFUSAL_ERRORS:
        raise fail(code, f"the {endpoint.replace('_', ' ')} did not refuse {what}", requirement,
                   expected="HTTP 400/401 error=invalid_client (or invalid_request)",
                   actual=f"HTTP {status} error={error}")


#: RFC 6749 Appendix A: ``VSCHAR = %x20-7E``.
VSCHAR = frozenset(chr(c) for c in range(0x20, 0x7F))


def check_refresh_token_syntax(refresh_token: str) -> None:
    """RFC 6749 Appendix A.17: "refresh-token = 1*VSCHAR" (printable US-ASCII and space).

    Only the offending characters' code points are reported, never the token.
    """
    bad = sorted({f"U+{ord(c):04X}" for c in refresh_token if c not in VSCHAR})
    if not refresh_token or bad:
        raise fail("FAPI2_REFRESH_TOKEN_SYNTAX", "the refresh token is not 1*VSCHAR", "RFC6749-A.17",
                   expected="1*VSCHAR (%x20-7E)", actual=bad or "empty")


def check_tokens_after_ping_answer(status: int, body: Mapping[str, Any] | None, *, answered: str,
                                   requirement: str = "CIBA-10.1.1", level: Level = Level.SHOULD) -> None:
    """After a ping the endpoint answered unusually, the approved request still yields tokens.

    CIBA §10.1.1: "If the Token Request is valid and the end-user associated with the supplied
    auth_req_id has been authenticated and has authorized the request, the OpenID Provider
    returns a successful response" — the notification endpoint's answer to the ping changes
    nothing about the user's decision (the OIDF FAPI-CIBA ping modules answer 401, 403 or 200
    with a body and expect the flow "to still complete normally"). §10.2 also says "How the OP
    handles HTTP error codes in the ranges of 4xx and 5xx is out-of-scope of this specification",
    so withholding the tokens after a 4xx answer is a SHOULD-level finding, not a failure. For a 200 with a body the
    rule is §10.2's SHOULD: "The OP SHOULD also accept HTTP 200 OK and any body in the response
    SHOULD be ignored" (``requirement="CIBA-10.2-ok_body"``, ``level=Level.SHOULD``).
    """
    data = body or {}
    if status == 200 and isinstance(data.get("access_token"), str) and data["access_token"]:
        return
    raise fail("CIBA_TOKENS_WITHHELD_AFTER_PING_ANSWER", f"the user approved, but after the notification endpoint "
               f"answered the ping with {answered} the token request returned no tokens", requirement,
               expected="HTTP 200 with access_token", actual=f"HTTP {status} error={data.get('error')}", level=level)


def check_ping_redirect_not_followed(followed: int, *, location: str) -> None:
    """A 3xx answer to the ping is not followed: nothing reaches the redirect's target.

    CIBA §10.2: "The Client MUST NOT return an HTTP 3xx code. The OP MUST NOT follow redirects."
    """
    if followed:
        raise fail("CIBA_PING_REDIRECT_FOLLOWED", "the OP followed the notification endpoint's redirect",
                   "CIBA-10.2-redirects", expected=f"no request to {location}",
                   actual=f"{followed} request(s) to the redirect's target")


#: FAPI-CIBA §7.10: "shall use PS256 or ES256 algorithms".
FAPI_CIBA_ALGS = frozenset({"PS256", "ES256"})


def check_ciba_metadata(metadata: Mapping[str, Any], *, delivery_mode: str, auth_method: str,
                        certificate_bound: bool) -> None:
    """The metadata members a FAPI-CIBA client relies on (OIDF fapi-ciba-id1-discovery-end-point-verification).

    CIBA §4: ``backchannel_authentication_endpoint`` (REQUIRED, a URL; https like every endpoint) and
    ``backchannel_token_delivery_modes_supported`` (REQUIRED) naming the client's ``delivery_mode``;
    ``backchannel_authentication_request_signing_alg_values_supported`` holding
    PS256 or ES256 (FAPI-CIBA §7.10; SHOULD level: the member is OPTIONAL and the OIDF module warns).
    RFC 8414 §2: the CIBA grant among ``grant_types_supported`` (omitted: authorization_code and
    implicit only) and the client's ``auth_method`` among ``token_endpoint_auth_methods_supported``
    (omitted: client_secret_basic) — both SHOULD, the catalogue's strength for the truth of a
    published list. FAPI-CIBA §7.10: the published ID token and UserInfo algorithm lists and, where
    ``private_key_jwt`` is listed, the client assertion one hold PS256 or ES256 (other values, for
    other clients, are no finding).
    ``certificate_bound``: the profile has a certificate-bound FAPI-CIBA client, so
    ``tls_client_certificate_bound_access_tokens`` must be ``true`` (RFC 8705 §3.3: omitted means false).
    Member types (``backchannel_user_code_parameter_supported`` a boolean, ...) are
    :func:`harness.specs.rfc8414.check_member_types`'s (discovery.member_types).
    """
    findings = Findings()
    endpoint = metadata.get("backchannel_authentication_endpoint")
    if not is_https_url(endpoint):
        findings.add(finding("FAPICIBA_METADATA_NO_BACKCHANNEL_ENDPOINT", "the metadata names no https "
                             "backchannel_authentication_endpoint", "CIBA-4-backchannel_authentication_endpoint",
                             expected="an https URL", actual=endpoint if endpoint is not None else "absent"))
    modes = metadata.get("backchannel_token_delivery_modes_supported")
    if not isinstance(modes, list) or delivery_mode not in modes:
        findings.add(finding("FAPICIBA_METADATA_DELIVERY_MODE_MISSING", f"backchannel_token_delivery_modes_supported "
                             f"does not list {delivery_mode}, the FAPI-CIBA client's mode",
                             "CIBA-4-backchannel_token_delivery_modes_supported",
                             expected=f"a list with {delivery_mode}", actual=modes if modes is not None else "absent"))
    request_algs = metadata.get("backchannel_authentication_request_signing_alg_values_supported")
    if not isinstance(request_algs, list) or not FAPI_CIBA_ALGS & set(map(str, request_algs)):
        findings.add(finding("FAPICIBA_METADATA_NO_REQUEST_SIGNING_ALG", "backchannel_authentication_request_signing_"
                             "alg_values_supported does not list PS256 or ES256", "FAPICIBA-7.10",
                             expected=sorted(FAPI_CIBA_ALGS), actual=request_algs if request_algs is not None
                             else "absent (signed requests not supported, CIBA §4)", level=Level.SHOULD))
    grants = metadata.get("grant_types_supported")
    listed_grants = grants if isinstance(grants, list) else ["authorization_code", "implicit"]
    if oidc_ciba.GRANT_TYPE not in listed_grants:
        findings.add(finding("FAPICIBA_METADATA_NO_CIBA_GRANT", "grant_types_supported does not list the CIBA grant",
                             "RFC8414-2-grant_types_supported", expected=oidc_ciba.GRANT_TYPE,
                             actual=grants if grants is not None else "absent (authorization_code, implicit)",
                             level=Level.SHOULD))
    methods = metadata.get("token_endpoint_auth_methods_supported")
    listed_methods = set(map(str, methods)) if isinstance(methods, list) else {"client_secret_basic"}
    if auth_method not in listed_methods:
        findings.add(finding("FAPICIBA_METADATA_AUTH_METHOD_MISSING", "the FAPI-CIBA client's authentication method "
                             "is not advertised", "RFC8414-2-token_endpoint_auth_methods_supported",
                             expected=auth_method, actual=methods if methods is not None
                             else "absent (client_secret_basic only)", level=Level.SHOULD))
    alg_lists = ["id_token_signing_alg_values_supported", "userinfo_signing_alg_values_supported"]
    if "private_key_jwt" in listed_methods:
        alg_lists.append("token_endpoint_auth_signing_alg_values_supported")
    weak = [m for m in alg_lists if isinstance(metadata.get(m), list)
            and not FAPI_CIBA_ALGS & set(map(str, metadata[m]))]
    if weak:
        findings.add(finding("FAPICIBA_METADATA_NO_FAPI_ALG", "a published signing algorithm list holds neither "
                             "PS256 nor ES256", "FAPICIBA-7.10", expected=f"one of {sorted(FAPI_CIBA_ALGS)} in each",
                             actual={m: metadata.get(m) for m in weak}))
    if certificate_bound and metadata.get("tls_client_certificate_bound_access_tokens") is not True:
        findings.add(finding("FAPICIBA_METADATA_NO_CERTIFICATE_BINDING", "tls_client_certificate_bound_access_tokens "
                             "is not true although the server binds a FAPI-CIBA client's tokens to its certificate",
                             "RFC8705-3.3", expected=True,
                             actual=metadata.get("tls_client_certificate_bound_access_tokens", "absent (false)")))
    findings.raise_if_any()


def check_client_id_of_certificate_enforced(status: int, body: Mapping[str, Any] | None, *, endpoint: str,
                                            code: str) -> None:
    """A request with one client's certificate and another client's ``client_id`` fails client authentication.

    RFC 8705 §2: "If no certificate is presented, or that which is presented doesn't match that which
    is expected for the given "client_id", the authorization server returns a normal OAuth 2.0 error
    response per Section 5.2 of [RFC6749] with the "invalid_client" error code". HTTP 400 or 401
    (RFC 6749 §5.2 allows 401 for invalid_client); any other answer — tokens, an acknowledgement,
    or another error code such as invalid_grant for the other client's auth_req_id — is a finding.
    """
    error = (body or {}).get("error")
    if status not in (400, 401) or error != "invalid_client":
        raise fail(code, f"the {endpoint} did not refuse a request whose client_id names another client than the "
                   "one the certificate authenticates", "RFC8705-2", expected="HTTP 400/401 error=invalid_client",
                   actual=f"HTTP {status} error={error}")
