"""Token endpoint requests with each client authentication method (RFC 6749 §2.3, RFC 7523, RFC 8705)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from harness import jose
from harness.http import try_json_object
from harness.profile import AuthMethod, Client
from harness.results import ProfileError
from harness.specs import rfc6749
from harness.target import Target

OMIT = "omit"


@dataclass
class TokenResult:
    """A token endpoint answer: the raw response and its JSON body (``None`` if not JSON)."""

    response: httpx.Response
    body: dict[str, Any] | None
    used_basic: bool = False

    @property
    def status(self) -> int:
        """The HTTP status code."""
        return self.response.status_code

    @property
    def judged_body(self) -> dict[str, Any] | bytes:
        """The JSON body, or the raw bytes when it is not JSON (for format checks)."""
        return self.body if self.body is not None else self.response.content

    @property
    def ok(self) -> bool:
        """HTTP 200 with an ``access_token``."""
        return self.response.status_code == 200 and bool(self.body and self.body.get("access_token"))

    @property
    def error(self) -> str | None:
        """The ``error`` member of an error response."""
        return None if not self.body else (str(self.body["error"]) if "error" in self.body else None)


def basic_credentials(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined and base64-encoded."""
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def signing_key(client: Client) -> tuple[Any, str]:
    """The client's first signing key from its private JWKS and the algorithm to use with it."""
    if client.jwks_file is None:
        raise ProfileError(f"client {client.id} has no jwks_file")
    keyset = jose.load_private_jwks(client.jwks_file)
    for key, member in zip(keyset.keys, keyset.members, strict=True):
        if member.get("use") in (None, "sig"):
            alg = client.documented.token_endpoint_auth_signing_alg or jose.default_alg_for_key(key)
            return key, alg
    raise ProfileError(f"client {client.id}: jwks_file has no signing key")


def client_auth(target: Target, client: Client, audience: str, *, method: AuthMethod | None = None,
                assertion_overrides: dict[str, Any] | None = None,
                ) -> tuple[dict[str, str], dict[str, str], tuple[str, str] | None]:
    """Form fields, headers and TLS certificate that authenticate ``client`` with ``method``."""
    chosen = method or client.auth_method
    data: dict[str, str] = {}
    headers: dict[str, str] = {}
    cert = (str(client.cert_file), str(client.key_file)) if client.cert_file and client.key_file else None
    secret = client.secret.get_secret_value() if client.secret else None
    if chosen is AuthMethod.CLIENT_SECRET_BASIC:
        if secret is None:
            raise ProfileError(f"client {client.id} has no secret for client_secret_basic")
        headers["Authorization"] = basic_credentials(client.id, secret)
    elif chosen is AuthMethod.CLIENT_SECRET_POST:
        if secret is None:
            raise ProfileError(f"client {client.id} has no secret for client_secret_post")
        data.update(client_id=client.id, client_secret=secret)
    elif chosen is AuthMethod.CLIENT_SECRET_JWT:
        if secret is None:
            raise ProfileError(f"client {client.id} has no secret for client_secret_jwt")
        data.update(client_id=client.id,
                    client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    client_assertion=jose.build_client_secret_jwt(
                        client.id, audience, secret, extra_claims=assertion_overrides))
    elif chosen is AuthMethod.PRIVATE_KEY_JWT:
        key, alg = signing_key(client)
        data.update(client_id=client.id,
                    client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    client_assertion=jose.build_client_assertion(
                        client.id, audience, key, alg, extra_claims=assertion_overrides))
    else:  # tls_client_auth, self_signed_tls_client_auth, none
        data["client_id"] = client.id
    if chosen not in (AuthMethod.TLS_CLIENT_AUTH, AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH) and \
            not client.documented.certificate_bound:
        cert = None
    return data, headers, cert


def token_request(target: Target, client: Client, params: dict[str, str], *, label: str = "token request",
                  method: AuthMethod | None = None, authenticate: bool = True,
                  endpoint: str | None = None, extra_headers: dict[str, str] | None = None) -> TokenResult:
    """POST a token request; ``authenticate=False`` sends only ``client_id``."""
    url = endpoint or target.token_endpoint_for(client)
    if authenticate:
        auth_data, headers, cert = client_auth(target, client, url, method=method)
    else:
        auth_data, headers, cert = {"client_id": client.id}, {}, None
    headers.update(extra_headers or {})
    data = {**params, **auth_data}
    response = target.http.post(url, label=label, data=data, headers=headers, cert=cert)
    return TokenResult(response=response, body=try_json_object(response),
                       used_basic="Authorization" in headers and headers["Authorization"].startswith("Basic "))


def check_refused(result: TokenResult, expected: str | set[str], requirement: str = "RFC6749-5.2") -> None:
    """The token endpoint refused the request with ``expected`` (RFC 6749 §5.2 format included)."""
    rfc6749.check_token_error_response(result.status, result.response.headers, result.judged_body, expected,
                                       basic_auth_used=result.used_basic, requirement=requirement)


def redeem_code(target: Target, client: Client, code: str, *, redirect_uri: str | None,
                code_verifier: str | None, label: str = "redeem authorization code",
                extra: dict[str, str] | None = None, method: AuthMethod | None = None) -> TokenResult:
    """RFC 6749 §4.1.3 access token request for an authorization code."""
    params = {"grant_type": "authorization_code", "code": code}
    if redirect_uri is not None:
        params["redirect_uri"] = redirect_uri
    if code_verifier is not None:
        params["code_verifier"] = code_verifier
    params.update(extra or {})
    return token_request(target, client, params, label=label, method=method)
