"""UserInfo Endpoint: OpenID Connect Core §5.3, RFC 6750 (Bearer Token Usage) §2 and §3.

Every check runs a fresh code flow for the first OpenID client with bearer tokens and
unencrypted ID Tokens (:func:`harness.flows.userinfo.openid_client`, chosen before any request),
then sends one UserInfo request that differs in one thing: the HTTP method, where the token
travels, or the token itself.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from harness import evidence, jose
from harness.flows.revocation import revoke
from harness.flows.userinfo import call_userinfo, obtain_grant, openid_client
from harness.results import Level, fail
from harness.specs import oidc_core, oidc_userinfo, rfc6750, rfc7517
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement


@requirement("OIDCC-5.3-methods", "RFC6750-2.1", "OIDCC-5.3.2-content_type", "OIDCC-5.3.2-sub_match")
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_authorization_header(target: Target, user_agent: Any, method: str) -> None:
    """GET and POST with ``Authorization: Bearer``: an application/json object with the ID Token's ``sub``.

    OIDC Core §5.3: "The UserInfo Endpoint MUST support the use of the HTTP GET and HTTP POST
    methods"; RFC 6750 §2.1 (the header): "Resource servers MUST support this method."
    """
    target.endpoint("userinfo_endpoint")
    grant = obtain_grant(target, user_agent, openid_client(target))
    response = call_userinfo(target, grant.access_token, method=method, label=f"userinfo {method} (header)")
    claims = oidc_userinfo.check_userinfo_json(response.status_code, response.headers, response.content,
                                               accept_requirement="OIDCC-5.3-methods" if method == "POST"
                                               else "RFC6750-2.1", what=f"a {method} with a fresh bearer token")
    oidc_core.check_userinfo_sub(claims, grant.id_token_claims)


@requirement("RFC6750-2.2", "OIDCC-5.3.2-sub_match")
def test_form_body_token(target: Target, user_agent: Any) -> None:
    """A POST with ``access_token`` in the form body is served as a UserInfo response, or refused the RFC 6750 way.

    RFC 6750 §2.2: "Resource servers MAY support this method." So either answer passes: a
    success is judged like any UserInfo response (§5.3.2, ``sub`` equal to the ID Token's); a
    refusal must carry a Bearer challenge (§3, MUST; the ``error`` is not judged: the endpoint
    may see no credentials, or an unsupported parameter).
    """
    target.endpoint("userinfo_endpoint")
    grant = obtain_grant(target, user_agent, openid_client(target))
    response = call_userinfo(target, grant.access_token, placement="body", label="userinfo POST (form body)")
    if response.status_code == 200:
        evidence.note("the UserInfo endpoint accepts the access token in the form body (RFC 6750 §2.2)")
        claims = oidc_userinfo.check_userinfo_json(response.status_code, response.headers, response.content,
                                                   what="a form-body token")
        oidc_core.check_userinfo_sub(claims, grant.id_token_claims)
        return
    evidence.note(f"the UserInfo endpoint does not accept form-body tokens (HTTP {response.status_code})")
    rfc6750.check_bearer_refusal(response.status_code, response.headers, token_sent=None,
                                 what="a form-body token it does not support")


@requirement("RFC6750-2.3", "RFC6750-2.3-cache_control", "FAPI2SP-5.3.4-QUERY")
def test_query_token(target: Target, user_agent: Any) -> None:
    """A token in the query is refused the RFC 6750 way, or served with ``Cache-Control: private``; FAPI 2.0 refuses it.

    RFC 6750 §2.3: "Resource servers MAY support this method." and "Server success (2XX status)
    responses to these requests SHOULD contain a Cache-Control header with the "private"
    option." FAPI 2.0 SP §5.3.4: resource servers "shall not accept access tokens in the query
    parameters" — a MUST only for a client the profile marks FAPI 2.0.
    """
    target.endpoint("userinfo_endpoint")
    client = openid_client(target)
    grant = obtain_grant(target, user_agent, client)
    response = call_userinfo(target, grant.access_token, placement="query", label="userinfo GET (query token)")
    if 200 <= response.status_code < 300:
        if client.is_fapi2:
            raise fail("QUERY_TOKEN_ACCEPTED", "the UserInfo endpoint accepted a FAPI 2.0 client's access token in the "
                       "query", "FAPI2SP-5.3.4-QUERY", expected="refused", actual=response.status_code)
        evidence.note("the UserInfo endpoint accepts access tokens in the query (RFC 6750 §2.3)")
        oidc_userinfo.check_userinfo_json(response.status_code, response.headers, response.content,
                                          what="a query token")
        rfc6750.check_query_success_cache_control(response.headers)
        return
    evidence.note(f"the UserInfo endpoint refuses query tokens (HTTP {response.status_code})")
    rfc6750.check_bearer_refusal(response.status_code, response.headers, token_sent=None,
                                 what="a query token it does not support")


@requirement("RFC6750-3", "RFC6750-3.1-no_error", "OIDCC-5.3.3")
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_missing_token_refused(target: Target, method: str) -> None:
    """A request without any token gets a ``WWW-Authenticate: Bearer`` challenge with no error code.

    RFC 6750 §3: "If the protected resource request does not include authentication
    credentials ... the resource server MUST include the HTTP "WWW-Authenticate" response header
    field"; §3.1: "If the request lacks any authentication information ... the resource server
    SHOULD NOT include an error code or other error information."
    """
    target.endpoint("userinfo_endpoint")
    response = call_userinfo(target, None, method=method, placement="none", label=f"userinfo {method} without token")
    rfc6750.check_bearer_refusal(response.status_code, response.headers, token_sent=False,
                                 refuse_requirement="OIDCC-5.3-bearer", what="a request without an access token")


def _altered(token: str) -> str:
    """The token with its last character changed (still token68 syntax)."""
    last = token[-1:] or "A"
    return token[:-1] + ("B" if last == "A" else "A")


@requirement("RFC6750-3", "RFC6750-3-error", "RFC6750-3.1", "OIDCC-5.3.3")
@pytest.mark.parametrize("kind", ["unknown", "altered"])
def test_invalid_token_refused(target: Target, user_agent: Any, kind: str) -> None:
    """An unknown or altered access token is refused with 401 and ``Bearer error="invalid_token"``.

    RFC 6750 §3.1: "invalid_token The access token provided is expired, revoked, malformed, or
    invalid for other reasons. The resource SHOULD respond with the HTTP 401 (Unauthorized)
    status code." The refusal itself and its challenge are MUSTs (§3); the error code and the
    status are SHOULDs.
    """
    target.endpoint("userinfo_endpoint")
    if kind == "unknown":
        token = "harness-unknown-" + secrets.token_urlsafe(24)
    else:
        token = _altered(obtain_grant(target, user_agent, openid_client(target)).access_token)
    response = call_userinfo(target, token, label=f"userinfo with an {kind} token")
    rfc6750.check_bearer_refusal(response.status_code, response.headers, token_sent=True,
                                 refuse_requirement="OIDCC-5.3-bearer", what=f"an {kind} access token")


@requirement("RFC7009-2.1-invalidate", "RFC6750-3", "RFC6750-3-error", "OIDCC-5.3.3")
def test_revoked_token_refused(target: Target, user_agent: Any) -> None:
    """An access token revoked at the revocation endpoint is refused with 401 ``invalid_token``.

    RFC 7009 §2.1: "the authorization server invalidates the token. The invalidation takes place
    immediately, and the token cannot be used again after the revocation." A revocation answered
    with an error (an AS that does not revoke access tokens: "SHOULD support the revocation of
    access tokens", §2) leaves nothing to test and is a SHOULD finding.
    """
    target.endpoint("userinfo_endpoint")
    target.endpoint("revocation_endpoint")
    client = openid_client(target)
    grant = obtain_grant(target, user_agent, client)
    answer = revoke(target, client, grant.access_token, hint="access_token")
    if answer.status != 200:
        raise fail("ACCESS_TOKEN_NOT_REVOCABLE", "the revocation endpoint did not revoke the access token, so its "
                   "refusal at UserInfo cannot be tested", "RFC7009-2-access_tokens", level=Level.SHOULD,
                   expected=200, actual=f"HTTP {answer.status} error={(answer.body or {}).get('error')}")
    response = call_userinfo(target, grant.access_token, label="userinfo with the revoked token")
    rfc6750.check_bearer_refusal(response.status_code, response.headers, token_sent=True,
                                 refuse_requirement="RFC7009-2.1-invalidate", what="a revoked access token")


@requirement("DOC-userinfo_signing_alg", "OIDCR-2-userinfo_signed_response_alg", "OIDCC-5.3.2-jwt",
             "OIDCC-5.3.2-signed_claims", "OIDCC-5.3.2-sub_match")
def test_signed_response(target: Target, user_agent: Any) -> None:
    """A client registered with ``userinfo_signed_response_alg`` gets an application/jwt signed with that alg.

    The JWT verifies with a key of the issuer's JWK Set, carries ``iss`` (the issuer), ``aud``
    (the client) and the ID Token's ``sub``.
    """
    target.endpoint("userinfo_endpoint")
    client = openid_client(target, signed_userinfo=True)
    alg = client.documented.userinfo_signing_alg
    assert alg is not None
    grant = obtain_grant(target, user_agent, client)
    response = call_userinfo(target, grant.access_token, label="userinfo (signed response)")
    jwks = target.http.get_idempotent(target.endpoint("jwks_uri"), label="jwks")
    keys = rfc7517.published_keys(jwks.status_code, jwks.content)
    decoded = oidc_userinfo.check_userinfo_jwt(response.status_code, response.headers, response.content,
                                               issuer=str(target.metadata.get("issuer")), client_id=client.id,
                                               keys=keys, expected_alg=alg)
    evidence.record_token("userinfo JWT", decoded.header, decoded.claims)
    oidc_core.check_userinfo_sub(decoded.claims, grant.id_token_claims)


@requirement("DOC-userinfo_encryption", "OIDCR-2-userinfo_encrypted_response_alg", "OIDCC-5.3.2-nested",
             "OIDCC-5.3.2-jwt", "OIDCC-5.3.2-sub_match")
def test_encrypted_response(target: Target, user_agent: Any) -> None:
    """A client registered with ``userinfo_encrypted_response_alg``/``_enc`` gets an application/jwt JWE.

    It decrypts with the client's key and the documented alg/enc; when signing is registered too,
    its plaintext is a signed JWT judged as in ``signed_response`` (signed then encrypted); its
    ``sub`` is the ID Token's. The client is chosen among all profile clients, also those not used
    automatically (``use_in_suites: false``), before any request.
    """
    target.endpoint("userinfo_endpoint")
    client = next((c for c in target.profile.clients if c.documented.userinfo_encryption is not None
                   and c.jwks_file is not None and "authorization_code" in c.grant_types and c.redirect_uris
                   and "openid" in c.scope.split()), None)
    if client is None:
        raise NotApplicable("the profile documents no client with userinfo_encryption and a jwks_file")
    settings = client.documented.userinfo_encryption
    assert settings is not None and client.jwks_file is not None
    grant = obtain_grant(target, user_agent, client)
    response = call_userinfo(target, grant.access_token, label="userinfo (encrypted response)")
    jwks = target.http.get_idempotent(target.endpoint("jwks_uri"), label="jwks")
    claims = oidc_userinfo.check_userinfo_jwe(
        response.status_code, response.headers, response.content, issuer=str(target.metadata.get("issuer")),
        client_id=client.id, keys=rfc7517.published_keys(jwks.status_code, jwks.content),
        signing_alg=client.documented.userinfo_signing_alg, decryption_keys=jose.load_private_jwks(client.jwks_file),
        encryption_alg=settings.alg, encryption_enc=settings.enc)
    evidence.record_token("userinfo (decrypted)", {}, claims)
    oidc_core.check_userinfo_sub(claims, grant.id_token_claims)


@requirement("RFC6750-2.1", "OIDCC-5.3-bearer")
def test_lowercase_scheme_accepted(target: Target, user_agent: Any) -> None:
    """``Authorization: bearer <token>`` works: the auth-scheme is case-insensitive.

    RFC 9110 §11.1: "It uses a case-insensitive token to identify the authentication scheme";
    RFC 6750 §2.1 names the scheme "Bearer", and "Resource servers MUST support this method."
    """
    target.endpoint("userinfo_endpoint")
    grant = obtain_grant(target, user_agent, openid_client(target))
    response = call_userinfo(target, grant.access_token, scheme="bearer", label="userinfo (lower-case scheme)")
    oidc_userinfo.check_userinfo_json(response.status_code, response.headers, response.content,
                                      accept_requirement="RFC6750-2.1", what="the scheme written 'bearer'")

