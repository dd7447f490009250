"""DPoP (RFC 9449) for the client side: keys, proofs, the nonce dance, bound tokens.

A :class:`DpopSession` holds one proof-of-possession key and the nonces servers handed out
(per URL: RFC 9449 §9 says nonces are only accepted by the server that issued them). Every
DPoP request goes through :meth:`DpopSession.exchange`: it builds a proof (with the nonce
last supplied for that URL), sends it, and — in automatic mode — answers one
``use_dpop_nonce`` challenge by retrying with the supplied nonce (§8, §9). Negative checks
change exactly one thing of the proof through the overrides, or pass a ``factory`` that
builds an arbitrary ``DPoP`` header value from the nonce.

Token requests use :func:`harness.flows.token.token_request` with
``extra_headers={"DPoP": proof}``; resource calls use :mod:`harness.flows.resource`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlencode

import httpx

from harness import evidence, jose
from harness.flows.authorization import AuthorizationRequest
from harness.flows.client_assertion import PAR_ENDPOINT, assertion_audience
from harness.flows.code_flow import CodeFlow, UserAgentFactory, obtain_code
from harness.flows.resource import ProtectedResource, ResourceResult, call_resource, plain_code_flow
from harness.flows.token import TokenResult, client_auth, token_request
from harness.http import try_json_object
from harness.profile import Client
from harness.results import fail
from harness.specs.rfc9449 import find_challenge, parse_challenges
from harness.target import NotApplicable, Target

__all__ = [
    "AUTO",
    "DpopExchange",
    "DpopGrant",
    "DpopSession",
    "NonceChallenge",
    "ProofFactory",
    "choose_alg",
    "dpop_client",
    "is_nonce_challenge",
    "obtain_bound_tokens",
    "push_authorization_request",
]

#: Let the session pick the nonce (the last one the server supplied for this URL).
AUTO: Final = "auto"

#: Builds a ``DPoP`` header value from the nonce to include (``None``: no nonce).
ProofFactory = Callable[[str | None], str]

# Algorithm preference when the server lists several (fast, widely supported first).
_ALG_PREFERENCE: Final = ("ES256", "Ed25519", "EdDSA", "ES384", "PS256", "RS256", "ES512", "PS384", "PS512")
_KEY_KIND: Final = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "Ed25519": "Ed25519", "EdDSA": "Ed25519",
                    "PS256": "RSA", "PS384": "RSA", "PS512": "RSA", "RS256": "RSA", "RS384": "RSA", "RS512": "RSA"}


def choose_alg(target: Target) -> str:
    """A proof algorithm from ``dpop_signing_alg_values_supported`` (ES256 when not advertised)."""
    advertised = target.metadata.get("dpop_signing_alg_values_supported")
    if isinstance(advertised, list):
        for alg in _ALG_PREFERENCE:
            if alg in advertised:
                return alg
        usable = [a for a in advertised if isinstance(a, str) and a in _KEY_KIND]
        if usable:
            return usable[0]
    return "ES256"


def new_key(alg: str) -> jose.Key:
    """A fresh private key for ``alg`` (never cached: each check proves its own key)."""
    kind = _KEY_KIND.get(alg)
    if kind is None:
        raise ValueError(f"no key type known for DPoP alg {alg!r}")
    return jose.generate_key(kind, fresh=True)


@dataclass
class NonceChallenge:
    """A ``use_dpop_nonce`` answer that the session followed (or could not follow)."""

    url: str
    status: int
    nonce_headers: list[str]
    followed: bool


@dataclass
class DpopExchange:
    """The final response of a DPoP request, and the nonce dance that led to it."""

    response: httpx.Response
    nonce_sent: str | None
    proof: str = field(repr=False, default="")
    challenges: list[NonceChallenge] = field(default_factory=list)

    @property
    def nonce_demanded(self) -> bool:
        """Whether the server answered ``use_dpop_nonce`` at least once."""
        return bool(self.challenges)


def is_nonce_challenge(response: httpx.Response, kind: str) -> bool:
    """A ``use_dpop_nonce`` answer: 400 JSON at an AS endpoint, a 401 DPoP challenge at a resource."""
    if kind == "as":
        body = try_json_object(response)
        return response.status_code == 400 and body is not None and body.get("error") == "use_dpop_nonce"
    challenge = find_challenge(parse_challenges(response.headers), "DPoP")
    return response.status_code == 401 and challenge is not None and challenge.error == "use_dpop_nonce"


class DpopSession:
    """One DPoP key and the nonces servers supplied for it."""

    def __init__(self, target: Target, *, alg: str | None = None, key: jose.Key | None = None) -> None:
        self.target = target
        self.alg = alg or choose_alg(target)
        self.key = key or new_key(self.alg)
        self.nonces: dict[str, str] = {}

    @property
    def jkt(self) -> str:
        """RFC 7638 SHA-256 thumbprint of the public key (the expected ``cnf.jkt``)."""
        return jose.thumbprint(self.key)

    @property
    def public_jwk(self) -> dict[str, Any]:
        """The public JWK sent in proofs."""
        return dict(self.key.as_dict(private=False))

    def proof(self, method: str, url: str, *, access_token: str | None = None, nonce: str | None = None,
              now: float | None = None, claim_overrides: Mapping[str, Any] | None = None,
              header_overrides: Mapping[str, Any] | None = None) -> str:
        """A proof for ``method url`` (``htu`` without query and fragment, RFC 9449 §4.2)."""
        return jose.build_dpop_proof(self.key, method, jose.normalize_htu(url), access_token=access_token,
                                     nonce=nonce, now=now, alg=self.alg, claim_overrides=claim_overrides,
                                     header_overrides=header_overrides)

    def remember(self, url: str, response: httpx.Response) -> str | None:
        """Keep the nonce a response supplies (in a challenge or a success, §8.2)."""
        values = response.headers.get_list("dpop-nonce")
        if len(values) == 1 and values[0].strip():
            self.nonces[_nonce_key(url)] = values[0].strip()
            return self.nonces[_nonce_key(url)]
        return None

    def exchange(self, method: str, url: str, send: Callable[[str], httpx.Response], *, kind: str,
                 access_token: str | None = None, nonce: str | None = AUTO,
                 factory: ProofFactory | None = None, now: float | None = None,
                 claim_overrides: Mapping[str, Any] | None = None,
                 header_overrides: Mapping[str, Any] | None = None) -> DpopExchange:
        """Send one DPoP request; in ``AUTO`` nonce mode follow one ``use_dpop_nonce`` challenge.

        ``kind`` is ``"as"`` (token/PAR/... endpoints: 400 challenges) or ``"rs"`` (401
        challenges). An explicit ``nonce`` (or ``None``) is sent as is and never retried, so
        a check can observe how the server treats it.
        """
        automatic = nonce == AUTO
        current = self.nonces.get(_nonce_key(url)) if automatic else nonce
        challenges: list[NonceChallenge] = []
        for _attempt in range(3):
            if factory is not None:
                header_value = factory(current)
            else:
                header_value = self.proof(method, url, access_token=access_token, nonce=current, now=now,
                                          claim_overrides=claim_overrides, header_overrides=header_overrides)
            response = send(header_value)
            supplied = self.remember(url, response)
            if not is_nonce_challenge(response, kind):
                return DpopExchange(response=response, nonce_sent=current, proof=header_value,
                                    challenges=challenges)
            follow = automatic and supplied is not None and supplied != current
            challenges.append(NonceChallenge(url=url, status=response.status_code,
                                             nonce_headers=response.headers.get_list("dpop-nonce"), followed=follow))
            if not follow:
                return DpopExchange(response=response, nonce_sent=current, proof=header_value,
                                    challenges=challenges)
            evidence.note(f"{url}: use_dpop_nonce answered; retrying with the supplied nonce (RFC 9449 §8/§9)")
            current = supplied
        return DpopExchange(response=response, nonce_sent=current, proof=header_value, challenges=challenges)

    # -- token endpoint -------------------------------------------------------------------
    def token_request(self, client: Client, params: dict[str, str], *, label: str = "DPoP token request",
                      endpoint: str | None = None, **proof: Any) -> tuple[TokenResult, DpopExchange]:
        """A token request carrying a proof (RFC 9449 §5); ``proof`` goes to :meth:`exchange`."""
        url = endpoint or self.target.token_endpoint_for(client)
        results: list[TokenResult] = []

        def send(value: str) -> httpx.Response:
            result = token_request(self.target, client, params, label=label, endpoint=url,
                                   extra_headers={"DPoP": value})
            results.append(result)
            return result.response

        exchange = self.exchange("POST", url, send, kind="as", **proof)
        return results[-1], exchange

    # -- resources ------------------------------------------------------------------------
    def resource_request(self, resource: ProtectedResource, access_token: str | None, *,
                         scheme: str = "DPoP", label: str = "DPoP resource request", url: str | None = None,
                         cert: tuple[str, str] | None = None, proof_url: str | None = None,
                         **proof: Any) -> tuple[ResourceResult, DpopExchange]:
        """A resource request with ``Authorization: DPoP <token>`` and a proof with ``ath`` (§7.1)."""
        target_url = url or resource.url
        results: list[ResourceResult] = []

        def send(value: str) -> httpx.Response:
            result = call_resource(self.target, resource, access_token, scheme=scheme, proof=value, cert=cert,
                                   label=label, url=target_url)
            results.append(result)
            assert result.response is not None
            return result.response

        proof.setdefault("access_token", access_token)
        exchange = self.exchange(resource.method, proof_url or target_url, send, kind="rs", **proof)
        return results[-1], exchange


def _nonce_key(url: str) -> str:
    return jose.normalize_htu(url)


# --------------------------------------------------------------------------- clients and grants


def dpop_client(target: Target, *, public: bool | None = None, grant: str = "authorization_code") -> Client:
    """The profile's client documented as DPoP-bound (``documented.dpop_bound``), or skip.

    Chosen by its documented flag even when ``use_in_suites`` is false (such clients are kept
    out of the other suites on purpose). ``public`` narrows to public/confidential ones.
    """
    for client in target.profile.clients:
        if not client.documented.dpop_bound or grant not in client.grant_types or not plain_code_flow(client):
            continue
        if public is not None and client.is_public != public:
            continue
        return client
    kind = "" if public is None else "public " if public else "confidential "
    raise NotApplicable(f"the profile has no {kind}client documented as DPoP-bound (documented.dpop_bound) "
                        f"with the {grant} grant")


@dataclass
class DpopGrant:
    """A code flow whose token request carried a DPoP proof."""

    session: DpopSession
    client: Client
    flow: CodeFlow
    token: TokenResult
    exchange: DpopExchange

    @property
    def body(self) -> dict[str, Any]:
        """The token response JSON."""
        return self.token.body or {}

    @property
    def access_token(self) -> str:
        """The access token."""
        return str(self.body["access_token"])

    @property
    def refresh_token(self) -> str | None:
        """The refresh token, if one was issued."""
        value = self.body.get("refresh_token")
        return str(value) if value else None


def offline_scope(target: Target, client: Client) -> tuple[str, dict[str, str]]:
    """Scope and extra parameters asking for a refresh token (``offline_access`` + consent)."""
    scopes = client.scope.split()
    supported = target.metadata.get("scopes_supported") or []
    extra: dict[str, str] = {}
    if "offline_access" in supported and "offline_access" not in scopes:
        scopes.append("offline_access")
        extra["prompt"] = "consent"  # OIDC Core §11: offline_access needs prompt=consent
    return " ".join(scopes), extra


def redeem_params(request: AuthorizationRequest, code: str) -> dict[str, str]:
    """The RFC 6749 §4.1.3 parameters to redeem ``code`` (with PKCE when used)."""
    params = {"grant_type": "authorization_code", "code": code, "redirect_uri": request.redirect_uri}
    if request.code_verifier:
        params["code_verifier"] = request.code_verifier
    return params


def obtain_bound_tokens(target: Target, user_agent: UserAgentFactory, client: Client, *,
                        session: DpopSession | None = None, scope: str | None = None,
                        authz_extra: dict[str, str] | None = None,
                        token_extra: dict[str, str] | None = None, offline: bool = False) -> DpopGrant:
    """Authorize, then redeem the code with a DPoP proof (nonce dance included).

    A refused token request is a ``PRECONDITION_*`` failure citing RFC 9449 §5. With
    ``offline`` the request asks for a refresh token.
    """
    session = session or DpopSession(target)
    extra = dict(authz_extra or {})
    if offline:
        scope, consent = offline_scope(target, client)
        extra.update(consent)
    flow = obtain_code(target, user_agent, client, scope=scope, extra=extra or None)
    params = redeem_params(flow.request, flow.code)
    params.update(token_extra or {})
    result, exchange = session.token_request(client, params, label="redeem code with a DPoP proof")
    if not result.ok:
        raise fail("PRECONDITION_DPOP_TOKEN_REQUEST_FAILED",
                   f"a token request with a valid DPoP proof for client {client.id} did not return tokens",
                   "RFC9449-5", expected="HTTP 200 with access_token",
                   actual=f"HTTP {result.status} error={result.error}")
    flow.token = result
    return DpopGrant(session=session, client=client, flow=flow, token=result, exchange=exchange)


def push_authorization_request(target: Target, client: Client, request: AuthorizationRequest, *,
                               session: DpopSession | None = None) -> tuple[str, httpx.Response]:
    """RFC 9126 PAR of ``request`` (optionally with a DPoP proof, RFC 9449 §10.1); return the front URL.

    Returns the authorization URL carrying only ``client_id`` and ``request_uri``. A refusal
    is a ``PRECONDITION_PAR_FAILED`` failure. (Minimal; to be consolidated with the PAR flow.)
    """
    url = target.mtls_endpoint("pushed_authorization_request_endpoint") if client.cert_file \
        else target.endpoint("pushed_authorization_request_endpoint")
    data, headers, cert = client_auth(target, client, assertion_audience(target, client, url, member=PAR_ENDPOINT))
    body = {**request.params, **data}

    def send(value: str | None) -> httpx.Response:
        extra = {"DPoP": value} if value is not None else {}
        return target.http.post(url, label="pushed authorization request", data=body,
                                headers={**headers, **extra}, cert=cert)

    if session is not None:
        response = session.exchange("POST", url, send, kind="as").response
    else:
        response = send(None)
    parsed = try_json_object(response)
    if response.status_code not in (200, 201) or not parsed or not isinstance(parsed.get("request_uri"), str):
        raise fail("PRECONDITION_PAR_FAILED", f"a valid pushed authorization request for client {client.id} was "
                   "refused", "RFC9126-2.2", expected="HTTP 201 with request_uri",
                   actual=f"HTTP {response.status_code} {parsed.get('error') if parsed else ''}")
    front = f"{request.endpoint}?{urlencode({'client_id': client.id, 'request_uri': parsed['request_uri']})}"
    return front, response


def random_nonce() -> str:
    """A nonce value no server supplied (for "invalid nonce" checks)."""
    return "harness-" + secrets.token_urlsafe(24)
