"""Dynamic client registration (RFC 7591, OIDC Registration 1.0) and its management (RFC 7592).

The suite runs where discovery advertises ``registration_endpoint`` or the profile names one
(``registration.endpoint``); otherwise every check is skipped before the target is asked. Each
check registers its own throwaway clients (with the profile's initial access token, when it gives
one) and deletes every one of them when it ends, through RFC 7592 where the target offers it; the
evidence names each client and what became of it.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from harness import evidence, jose
from harness.flows.code_flow import complete_code_flow
from harness.flows.registration import (
    Registered,
    Registrar,
    answer_of,
    registration_endpoint,
    registration_redirect_uri,
    second_host_redirect_uri,
)
from harness.flows.token import id_token_subject, redeem_code
from harness.profile import Client, RequestObjectHost
from harness.results import Findings, NeedsReview, ProfileError, fail
from harness.sector_host import SectorHost
from harness.specs import oidc_registration, rfc7591, rfc7592
from harness.specs._http import header_value
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement

_REDIRECT_ERRORS = ("invalid_redirect_uri", "invalid_client_metadata")  # OIDF regfrag accepts both


def _registrar(target: Target) -> Registrar:
    registration_endpoint(target)  # skipped (before any request but discovery) where there is none
    return Registrar(target)


def _register_valid(reg: Registrar, metadata: dict[str, Any], *, label: str,
                    judge_status: bool = False) -> Registered:
    answer = reg.post(metadata, label=label)
    rfc7591.check_registered(answer, requested=metadata, judge_status=judge_status)
    registered = reg.last()
    replaced = rfc7591.replaced_members(metadata, registered.body)
    if replaced:
        evidence.note(f"the server replaced requested metadata (RFC 7591 §3.2.1 MAY): {sorted(replaced)}")
    return registered


def _sub(target: Target, user_agent: Any, registered: Registered) -> str:
    return id_token_subject(target, user_agent, registered.client(scope=target.profile.registration.scope))


def _needs_pairwise(target: Target) -> None:
    registration_endpoint(target)
    types = target.metadata.get("subject_types_supported")
    if not isinstance(types, list) or "pairwise" not in types:
        raise NotApplicable("the target does not list pairwise in subject_types_supported")


def _sector_host(target: Target) -> SectorHost:
    settings: RequestObjectHost | None = target.profile.registration.sector_host or target.profile.request_object_host
    if settings is None:
        raise NotApplicable("the profile names no registration.sector_host (nor request_object_host): the harness "
                            "has nowhere to serve a sector_identifier_uri document")
    return SectorHost(settings)


def _secret_method(target: Target) -> str:
    supported = target.metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    for method in ("client_secret_basic", "client_secret_post"):
        if method in supported:
            return method
    raise NotApplicable("the target supports neither client_secret_basic nor client_secret_post")


# -- valid registrations ---------------------------------------------------------------------
@requirement("RFC7591-3.2-201", "RFC7591-3.2.1-client_id", "RFC7591-3.2.1-client_secret_expires_at", "RFC7591-3.2.1")
def test_confidential_client_registered(target: Target) -> None:
    """A confidential client's registration answers 201 with client_id, client_secret, its expiry and the metadata."""
    with _registrar(target) as reg:
        _register_valid(reg, reg.metadata(token_endpoint_auth_method=_secret_method(target),
                                          grant_types=["authorization_code"], response_types=["code"]),
                        label="register a confidential client", judge_status=True)


@requirement("RFC7591-3.2.1-client_secret", "RFC7591-3.2-201")
def test_confidential_client_code_flow(target: Target, user_agent: Any) -> None:
    """A registered confidential client completes a code flow, authenticating with its issued secret."""
    with _registrar(target) as reg:
        registered = _register_valid(reg, reg.metadata(token_endpoint_auth_method=_secret_method(target),
                                                       grant_types=["authorization_code"], response_types=["code"]),
                                     label="register a confidential client")
        complete_code_flow(target, user_agent, registered.client(scope=target.profile.registration.scope))


@requirement("RFC7591-3.2-201", "RFC7591-3.2.1-client_id")
def test_public_client_code_flow(target: Target, user_agent: Any) -> None:
    """A registered public client (token_endpoint_auth_method none) completes a code flow with PKCE."""
    registration_endpoint(target)
    supported = target.metadata.get("token_endpoint_auth_methods_supported") or []
    if "none" not in supported:
        raise NotApplicable("the target does not list none in token_endpoint_auth_methods_supported")
    with _registrar(target) as reg:
        registered = _register_valid(reg, reg.metadata(token_endpoint_auth_method="none",
                                                       grant_types=["authorization_code"], response_types=["code"]),
                                     label="register a public client")
        if registered.body.get("token_endpoint_auth_method", "none") != "none":
            raise NotApplicable(f"the server registered the client with "
                                f"{registered.body.get('token_endpoint_auth_method')} instead of none")
        complete_code_flow(target, user_agent, registered.client(scope=target.profile.registration.scope))


@requirement("RFC7591-2-defaults", "RFC7591-3.2-201")
def test_minimal_metadata_defaults(target: Target, user_agent: Any) -> None:
    """A registration naming only redirect_uris gets the defaults: code, authorization_code, client_secret_basic."""
    with _registrar(target) as reg:
        registered = _register_valid(reg, {"redirect_uris": [registration_redirect_uri(target)]},
                                     label="register a client with redirect_uris only")
        body = registered.body
        shown = {name: body.get(name) for name in ("token_endpoint_auth_method", "grant_types", "response_types")}
        evidence.note(f"registered defaults as returned: {shown}")
        method = body.get("token_endpoint_auth_method", "client_secret_basic")
        if method != "client_secret_basic":
            raise NotApplicable(f"the server registered token_endpoint_auth_method {method} (RFC 7591 §3.2.1 MAY "
                                "replace), so the client_secret_basic default cannot be exercised")
        client = registered.client(scope=target.profile.registration.scope)
        complete_code_flow(target, user_agent, client)


@requirement("OIDCR-2-logo_uri", "RFC7591-2-metadata", "RFC7591-3.2-201")
def test_client_uris_accepted(target: Target) -> None:
    """A registration carrying logo_uri, policy_uri, tos_uri and client_uri is accepted (or the values replaced)."""
    base = registration_redirect_uri(target).split("/", 3)
    site = f"{base[0]}//{base[2]}"
    with _registrar(target) as reg:
        metadata = reg.metadata(logo_uri=f"{site}/logo.png", policy_uri=f"{site}/policy",
                                tos_uri=f"{site}/tos", client_uri=f"{site}/",
                                token_endpoint_auth_method=_secret_method(target))
        _register_valid(reg, metadata, label="register a client with logo_uri, policy_uri, tos_uri, client_uri")


@requirement("RFC7591-3.2.1-software_statement")
def test_software_statement_returned(target: Target) -> None:
    """A registration with the documented software statement returns it unmodified."""
    registration_endpoint(target)
    statement = target.profile.registration.software_statement
    if not statement:
        raise NotApplicable("the profile gives no registration.software_statement (a statement the deployment's "
                            "documentation issues)")
    with _registrar(target) as reg:
        registered = _register_valid(reg, reg.metadata(software_statement=statement),
                                     label="register a client with a software statement")
        rfc7591.check_software_statement_returned(registered.body, statement)


@requirement("DOC-registration_initial_access_token_required", "RFC7591-3")
def test_without_initial_access_token_refused(target: Target) -> None:
    """A registration without the documented-required initial access token does not succeed."""
    registration_endpoint(target)
    settings = target.profile.registration
    if not settings.initial_access_token_required:
        raise NotApplicable("the profile does not state registration.initial_access_token_required")
    if settings.initial_access_token is None:
        raise ProfileError("registration.initial_access_token_required needs registration.initial_access_token")
    with _registrar(target) as reg:
        answer = reg.post(reg.metadata(), label="register without the initial access token",
                          initial_access_token=False)
        if answer.status >= 500:
            raise NeedsReview(f"the registration without the initial access token answered HTTP {answer.status} "
                              "(a server error, not a refusal)")
        if 200 <= answer.status < 300:
            raise fail("REG_OPEN_WITHOUT_IAT", "a registration without the initial access token succeeded",
                       "DOC-registration_initial_access_token_required", expected="refused (HTTP 401)",
                       actual=answer.describe())


@requirement("OIDCR-2-jwks_uri", "RFC7591-3.2-201")
def test_jwks_uri_client_code_flow(target: Target, user_agent: Any) -> None:
    """A client registered with a jwks_uri (served by the harness) authenticates with private_key_jwt in a code flow.

    The client's private key lives in a 0600 file of a temporary directory removed when the check ends (not
    pytest's ``tmp_path``, which keeps the last three runs' files and prunes older runs' on every start).
    """
    registration_endpoint(target)
    if "private_key_jwt" not in (target.metadata.get("token_endpoint_auth_methods_supported") or []):
        raise NotApplicable("the target does not list private_key_jwt in token_endpoint_auth_methods_supported")
    algs = target.metadata.get("token_endpoint_auth_signing_alg_values_supported")
    alg = next((a for a in ("RS256", "ES256") if not isinstance(algs, list) or a in algs), None)
    if alg is None:
        raise NotApplicable("the target lists neither RS256 nor ES256 in "
                            "token_endpoint_auth_signing_alg_values_supported")
    key = jose.generate_key("RSA" if alg == "RS256" else "P-256", label="registration-jwks-uri", use="sig")
    with tempfile.TemporaryDirectory(prefix="oauth-harness-registration-") as directory:
        private = Path(directory) / "registered-client.jwks.json"
        private.touch(mode=0o600)
        private.write_text(json.dumps({"keys": [{**key.as_dict(private=True), "alg": alg}]}))
        with _sector_host(target) as host, _registrar(target) as reg:
            uri = host.publish_json({"keys": [{**jose.public_jwk(key), "alg": alg}]}, kind="jwks")
            registered = _register_valid(reg, reg.metadata(token_endpoint_auth_method="private_key_jwt", jwks_uri=uri,
                                                           token_endpoint_auth_signing_alg=alg),
                                         label="register a private_key_jwt client with a jwks_uri")
            if registered.body.get("token_endpoint_auth_method", "private_key_jwt") != "private_key_jwt":
                raise NotApplicable(f"the server registered token_endpoint_auth_method "
                                    f"{registered.body.get('token_endpoint_auth_method')} instead of private_key_jwt")
            try:
                complete_code_flow(target, user_agent, registered.client(scope=target.profile.registration.scope,
                                                                         jwks_file=private))
            finally:
                evidence.note(f"the client's jwks_uri was fetched {host.record_fetches()} time(s)")


# -- refused registrations -------------------------------------------------------------------
@requirement("RFC6749-3.1.2-fragment", "RFC7591-3.2.2", "RFC7591-3.2.2-invalid_redirect_uri")
def test_redirect_uri_fragment_refused(target: Target) -> None:
    """A redirect URI with a fragment is refused (invalid_redirect_uri)."""
    with _registrar(target) as reg:
        answer = reg.post(reg.metadata(redirect_uris=[registration_redirect_uri(target) + "#fragment"]),
                          label="register a redirect URI with a fragment")
        rfc7591.check_registration_refused(
            answer, code="REG_FRAGMENT_ACCEPTED", message="a redirect URI with a fragment was registered",
            requirement="RFC6749-3.1.2-fragment", errors=_REDIRECT_ERRORS,
            error_requirement="RFC7591-3.2.2-invalid_redirect_uri")


def _http_redirect(target: Target) -> str:
    return "http://" + registration_redirect_uri(target).split("://", 1)[1]


@requirement("OIDCR-2-application_type", "RFC7591-3.2.2", "RFC7591-3.2.2-invalid_redirect_uri")
def test_implicit_web_http_redirect_refused(target: Target) -> None:
    """A web client of the implicit grant registering an http redirect URI is refused."""
    registration_endpoint(target)
    if "id_token" not in (target.metadata.get("response_types_supported") or []):
        raise NotApplicable("the target does not list the implicit response type id_token")
    with _registrar(target) as reg:
        answer = reg.post(reg.metadata(redirect_uris=[_http_redirect(target)], application_type="web",
                                       response_types=["id_token"], grant_types=["implicit"]),
                          label="register an implicit web client with an http redirect URI")
        rfc7591.check_registration_refused(
            answer, code="REG_IMPLICIT_HTTP_REDIRECT_ACCEPTED",
            message="an implicit web client registered an http redirect URI", requirement="OIDCR-2-application_type",
            errors=_REDIRECT_ERRORS, error_requirement="RFC7591-3.2.2-invalid_redirect_uri")


@requirement("DOC-registration_web_redirect_uris_https_only", "RFC7591-3.2.2", "RFC7591-3.2.2-invalid_redirect_uri")
def test_web_http_redirect_refused(target: Target) -> None:
    """A web code-flow client registering an http redirect URI is refused, as the deployment documents."""
    registration_endpoint(target)
    if not target.profile.registration.web_redirect_uris_https_only:
        raise NotApplicable("the profile does not state registration.web_redirect_uris_https_only (OIDC "
                            "Registration requires https only for implicit web clients)")
    with _registrar(target) as reg:
        answer = reg.post(reg.metadata(redirect_uris=[_http_redirect(target)], application_type="web"),
                          label="register a web code-flow client with an http redirect URI")
        rfc7591.check_registration_refused(
            answer, code="REG_WEB_HTTP_REDIRECT_ACCEPTED", message="a web client registered an http redirect URI",
            requirement="DOC-registration_web_redirect_uris_https_only", errors=_REDIRECT_ERRORS,
            error_requirement="RFC7591-3.2.2-invalid_redirect_uri")


@requirement("RFC7591-2-jwks", "OIDCR-2-jwks", "RFC7591-3.2.2", "RFC7591-3.2.2-invalid_client_metadata")
def test_jwks_and_jwks_uri_refused(target: Target) -> None:
    """A registration carrying both jwks and jwks_uri is refused, or only one of them is registered."""
    site = registration_redirect_uri(target).split("/", 3)
    jwks = {"keys": [{"kty": "EC", "crv": "P-256", "use": "sig", "kid": "harness",
                      "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                      "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}
    with _registrar(target) as reg:
        answer = reg.post(reg.metadata(jwks=jwks, jwks_uri=f"{site[0]}//{site[2]}/jwks.json"),
                          label="register a client with both jwks and jwks_uri")
        how = rfc7591.check_jwks_pair_not_registered(answer)
        evidence.note(f"the registration with both jwks and jwks_uri was {how}")


@requirement("OIDCR-2-initiate_login_uri", "RFC7591-2-metadata", "RFC7591-3.2.2-invalid_client_metadata")
def test_http_initiate_login_uri_not_registered(target: Target) -> None:
    """An http initiate_login_uri is refused (invalid_client_metadata) or replaced, never registered."""
    bad = "http://" + registration_redirect_uri(target).split("://", 1)[1].split("/", 1)[0] + "/login"
    with _registrar(target) as reg:
        answer = reg.post(reg.metadata(initiate_login_uri=bad), label="register an http initiate_login_uri")
        how = rfc7591.check_invalid_value_not_registered(
            answer, member="initiate_login_uri", value=bad, code="REG_HTTP_INITIATE_LOGIN_URI",
            message="an http initiate_login_uri was registered", requirement="OIDCR-2-initiate_login_uri",
            errors=("invalid_client_metadata",), error_requirement="RFC7591-3.2.2-invalid_client_metadata")
        evidence.note(f"the http initiate_login_uri was {how}")


# -- pairwise subjects and sector identifiers ------------------------------------------------
@requirement("OIDCR-5", "RFC7591-3.2.2", "RFC7591-3.2.2-invalid_client_metadata")
def test_sector_identifier_mismatch_refused(target: Target) -> None:
    """A sector_identifier_uri whose document does not list the redirect URIs is refused."""
    _needs_pairwise(target)
    with _sector_host(target) as host, _registrar(target) as reg:
        sector = host.publish([second_host_redirect_uri(target)])
        answer = reg.post(reg.metadata(subject_type="pairwise", sector_identifier_uri=sector),
                          label="register a pairwise client whose sector document omits its redirect URI")
        fetched = host.record_fetches()
        evidence.note(f"the sector_identifier_uri document was fetched {fetched} time(s)")
        rfc7591.check_registration_refused(
            answer, code="REG_SECTOR_MISMATCH_ACCEPTED", message="a pairwise client registered a sector_identifier_uri "
            "whose document does not list its redirect URI", requirement="OIDCR-5", errors=_REDIRECT_ERRORS[::-1],
            error_requirement="RFC7591-3.2.2-invalid_client_metadata")


def _register_pairwise(reg: Registrar, redirect: str, sector: str | None, *, label: str) -> Registered:
    metadata = reg.metadata(redirect_uris=[redirect], subject_type="pairwise", sector_identifier_uri=sector,
                            token_endpoint_auth_method="client_secret_basic")
    registered = _register_valid(reg, metadata, label=label)
    if registered.body.get("subject_type", "pairwise") != "pairwise":
        raise NotApplicable(f"the server registered subject_type {registered.body.get('subject_type')} for a "
                            "pairwise request")
    return registered


@requirement("OIDCC-8.1", "RFC7591-3.2-201")
def test_pairwise_sub_per_sector(target: Target, user_agent: Any) -> None:
    """Two pairwise clients of different sectors (hosts and sector URIs) get different subs for one user."""
    _needs_pairwise(target)
    first, second = registration_redirect_uri(target), second_host_redirect_uri(target)
    with _sector_host(target) as host, _registrar(target) as reg:
        plain = _register_pairwise(reg, first, None, label="register a pairwise client (sector: its redirect host)")
        sectored = _register_pairwise(reg, second, host.publish([second]),
                                      label="register a pairwise client with a sector_identifier_uri")
        host.record_fetches()
        oidc_registration.check_pairwise_sectors_differ(_sub(target, user_agent, plain),
                                                        _sub(target, user_agent, sectored))


@requirement("OIDCR-5-sector", "OIDCR-5")
def test_pairwise_sector_shared(target: Target, user_agent: Any) -> None:
    """Two pairwise clients sharing a sector_identifier_uri, on different redirect hosts, get one sub."""
    _needs_pairwise(target)
    first, second = registration_redirect_uri(target), second_host_redirect_uri(target)
    with _sector_host(target) as host, _registrar(target) as reg:
        sector = host.publish([first, second])
        one = _register_pairwise(reg, first, sector, label="register a pairwise client with the shared sector")
        two = _register_pairwise(reg, second, sector, label="register a second pairwise client with the sector")
        host.record_fetches()
        oidc_registration.check_sector_shared(_sub(target, user_agent, one), _sub(target, user_agent, two))


# -- RFC 7592 management ---------------------------------------------------------------------
def _managed(reg: Registrar, target: Target) -> Registered:
    registered = _register_valid(reg, reg.metadata(token_endpoint_auth_method=_secret_method(target)),
                                 label="register a client to manage")
    if not registered.manageable:
        raise NotApplicable("the registration answer carries no registration_client_uri and "
                            "registration_access_token: the target offers no RFC 7592 management")
    return registered


@requirement("RFC7592-2.1")
def test_read_with_registration_access_token(target: Target) -> None:
    """Reading the registration with its registration access token returns it (HTTP 200, same client_id)."""
    with _registrar(target) as reg:
        registered = _managed(reg, target)
        rfc7592.check_read(answer_of(reg.send(registered, "GET", label="read the registration")),
                           client_id=registered.client_id)


@requirement("RFC7592-2", "RFC6750-3")
def test_read_without_token_refused(target: Target) -> None:
    """Reading a registration without a registration access token is refused."""
    with _registrar(target) as reg:
        registered = _managed(reg, target)
        response = reg.send(registered, "GET", label="read the registration without a token", token=None)
        rfc7592.check_read_refused(answer_of(response), client_id=registered.client_id,
                                   www_authenticate=header_value(response.headers, "WWW-Authenticate"),
                                   how="without a registration access token")


@requirement("RFC7592-2", "RFC6750-3")
def test_read_with_wrong_token_refused(target: Target) -> None:
    """Reading a registration with a made-up registration access token is refused."""
    with _registrar(target) as reg:
        registered = _managed(reg, target)
        # not another client's token: servers revoke a token presented for another client (RFC 7592 §2.1
        # "SHOULD be immediately revoked"), and that client could then not be deleted any more
        response = reg.send(registered, "GET", label="read the registration with a made-up token",
                            token=secrets.token_urlsafe(32))
        rfc7592.check_read_refused(answer_of(response), client_id=registered.client_id,
                                   www_authenticate=header_value(response.headers, "WWW-Authenticate"),
                                   how="with a made-up registration access token")


@requirement("RFC7592-2.2")
def test_update_with_registration_access_token(target: Target) -> None:
    """Updating client_name with the registration access token answers 200 and a read shows the new name."""
    with _registrar(target) as reg:
        registered = _managed(reg, target)
        new_name = f"{registered.body.get('client_name', 'oauth-harness')} (updated)"
        response = reg.send(registered, "PUT", label="update client_name",
                            json_body=reg.update_body(registered, client_name=new_name))
        answer = answer_of(response)
        read_back = None
        if answer.status == 200:
            read = answer_of(reg.send(registered, "GET", label="read the registration after the update"))
            read_back = read.body if read.status == 200 else None
        rfc7592.check_update_applied(answer, read_back, member="client_name", value=new_name)


@requirement("RFC7592-2.3", "RFC7592-5")
def test_delete_with_registration_access_token(target: Target) -> None:
    """Deleting with the registration access token answers 204; the token and the client stop working."""
    with _registrar(target) as reg:
        registered = _managed(reg, target)
        client = registered.client()
        findings = Findings()
        findings.check(rfc7592.check_deleted, reg.delete(registered).status_code)
        read = answer_of(reg.send(registered, "GET", label="read the registration after the delete"))
        findings.check(rfc7592.check_deleted_token_invalid, read)
        result = redeem_code(target, client, "harness-unknown-code", redirect_uri=client.redirect_uris[0],
                             code_verifier=None, label="token request of the deleted client")
        stranger = Client(id=f"harness-unknown-{secrets.token_hex(8)}", auth_method=client.auth_method,
                          secret=SecretStr(secrets.token_urlsafe(24)), redirect_uris=client.redirect_uris,
                          use_in_suites=False)
        baseline = redeem_code(target, stranger, "harness-unknown-code", redirect_uri=client.redirect_uris[0],
                               code_verifier=None, label="the same token request from a client id that never existed")
        findings.check(rfc7592.check_deleted_client_refused, result.status, result.error,
                       unknown=(baseline.status, baseline.error))
        findings.raise_if_any()
