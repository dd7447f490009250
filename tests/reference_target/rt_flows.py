"""Small protocol helpers for the reference target's own tests (plain httpx, no harness code)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from harness.reference_target import RunningTarget

RP = "https://rp.example.test"
REDIRECT_URI = f"{RP}/cb"
REDIRECT_URI_2 = f"{RP}/cb2"
PASSWORDS = {"alice": "alice-Secret-1", "bob": "bob-Secret-2"}
SUBS = {"alice": "248289761001", "bob": "248289761002"}

_FORM = re.compile(r'<form id="(?P<id>[a-z-]+)"[^>]*action="(?P<action>[^"]+)"')


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def s256(verifier: str) -> str:
    return b64u(hashlib.sha256(verifier.encode()).digest())


def pkce_pair(length: int = 64) -> tuple[str, str]:
    verifier = secrets.token_urlsafe(96)[:length]
    return verifier, s256(verifier)


def b64u_json(segment: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return data


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a compact JWS, unverified."""
    header, payload, _ = token.split(".")
    return b64u_json(header), b64u_json(payload)


def http_client(target: RunningTarget, cert_client: str | None = None) -> httpx.Client:
    return httpx.Client(verify=target.ssl_context(cert_client), follow_redirects=False, timeout=15.0)


@dataclass
class AuthzResult:
    """Outcome of driving the authorization endpoint."""

    location: str | None = None  # final redirect to the RP, if any
    params: dict[str, str] = field(default_factory=dict)
    in_fragment: bool = False
    page: httpx.Response | None = None  # last HTML page when the flow did not reach the RP
    pages: list[str] = field(default_factory=list)  # ids of forms seen on the way

    @property
    def code(self) -> str:
        return self.params["code"]


def parse_redirect(location: str) -> tuple[dict[str, str], bool]:
    parts = urlsplit(location)
    if parts.fragment:
        return dict(parse_qsl(parts.fragment, keep_blank_values=True)), True
    return dict(parse_qsl(parts.query, keep_blank_values=True)), False


def drive(http: httpx.Client, target: RunningTarget, params: Mapping[str, str], *, user: str = "alice",
          password: str | None = None, decision: str = "approve", stop_at_login: bool = False) -> AuthzResult:
    """GET /auth, log in and consent through the HTML forms, capture the first redirect off the server."""
    result = AuthzResult()
    response = http.get(f"{target.issuer}/auth", params=dict(params))
    for _ in range(15):
        if response.status_code in (302, 303):
            location = urljoin(str(response.url), response.headers["location"])
            if not location.startswith(f"{target.issuer}/"):  # left the server: the RP (or wherever it sent us)
                result.location = location
                result.params, result.in_fragment = parse_redirect(location)
                return result
            response = http.get(location)
            continue
        forms = {m.group("id"): m.group("action") for m in _FORM.finditer(response.text)}
        if response.status_code == 200 and "login-form" in forms:
            result.pages.append("login-form")
            if stop_at_login:
                result.page = response
                return result
            response = http.post(urljoin(str(response.url), forms["login-form"]), data={
                "username": user, "password": password if password is not None else PASSWORDS[user]})
            if response.status_code == 200 and "login-form" in response.text:
                result.page = response
                return result
            continue
        if response.status_code == 200 and "consent-form" in forms:
            result.pages.append("consent-form")
            response = http.post(urljoin(str(response.url), forms["consent-form"]), data={"decision": decision})
            continue
        result.page = response
        return result
    raise AssertionError("too many redirects")


def authz_params(client_id: str, **extra: str) -> dict[str, str]:
    params = {"client_id": client_id, "response_type": "code", "redirect_uri": REDIRECT_URI,
              "scope": "openid profile email", "state": secrets.token_urlsafe(12),
              "nonce": secrets.token_urlsafe(12)}
    params.update(extra)
    return {k: v for k, v in params.items() if v != ""}


def token_request(http: httpx.Client, target: RunningTarget, client_id: str, data: Mapping[str, str], *,
                  base: str | None = None) -> httpx.Response:
    """POST /token authenticating as ``client_id`` (secret clients: basic/post/jwt; none: client_id)."""
    body = dict(data)
    auth: tuple[str, str] | None = None
    secret = target.client_secrets.get(client_id)
    if client_id == "conf-post":
        body.update(client_id=client_id, client_secret=secret or "")
    elif client_id == "conf-secret-jwt":
        raise NotImplementedError("use client_assertion helpers")
    elif secret is not None:
        auth = (client_id, secret)
    else:
        body["client_id"] = client_id
    if auth is None:
        return http.post(f"{base or target.issuer}/token", data=body)
    return http.post(f"{base or target.issuer}/token", data=body, auth=auth)


def redeem(http: httpx.Client, target: RunningTarget, client_id: str, code: str, *, verifier: str | None = None,
           redirect_uri: str = REDIRECT_URI, base: str | None = None) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    return token_request(http, target, client_id, data, base=base)


def code_flow(target: RunningTarget, client_id: str = "conf-basic", *, pkce: bool = True,
              **extra: str) -> tuple[AuthzResult, httpx.Response, dict[str, str]]:
    """Complete code flow (fresh cookie jar): returns the authz result, the token response and the params."""
    verifier, challenge = pkce_pair()
    params = authz_params(client_id, **extra)
    if pkce:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    with http_client(target) as http:
        result = drive(http, target, params)
        assert "code" in result.params, (result.params, result.page and result.page.text[:500])
        response = redeem(http, target, client_id, result.code, verifier=verifier if pkce else None,
                          redirect_uri=params["redirect_uri"])
    return result, response, params


def private_key(target: RunningTarget, client_id: str, kty: str = "RSA") -> RSAKey | ECKey:
    keys = json.loads((target.state_dir / f"{client_id}.jwks.json").read_text())["keys"]
    member = next(k for k in keys if k["kty"] == kty and k.get("use") == "sig")
    return RSAKey.import_key(member) if kty == "RSA" else ECKey.import_key(member)


def client_assertion(target: RunningTarget, client_id: str, audience: str) -> dict[str, str]:
    key = private_key(target, client_id, "EC")
    now = int(time.time())
    token = jwt.encode({"alg": "ES256", "kid": key.kid},
                       {"iss": client_id, "sub": client_id, "aud": audience, "jti": str(uuid.uuid4()),
                        "iat": now, "exp": now + 60}, key, algorithms=["ES256"])
    return {"client_id": client_id, "client_assertion": token,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}


def provider_jwks(target: RunningTarget) -> KeySet:
    with http_client(target) as http:
        return KeySet.import_key_set(http.get(f"{target.issuer}/jwks").json())
