"""CIBA (OpenID Connect Client-Initiated Backchannel Authentication) as reusable steps.

:func:`send` posts a backchannel authentication request (§7.1) — plain, or as a signed
request object (§7.1.1) for clients documented to sign — and returns the answer unjudged;
:func:`start` insists on an acknowledgement (a refused valid request is a ``PRECONDITION_*``
failure). :func:`poll_for_tokens` polls the token endpoint exactly as §7.3 / §11 prescribe
(see :mod:`harness.flows.polling`); the user's decision comes from
:mod:`harness.flows.ciba_approval` and ping notifications from :mod:`harness.ciba_receiver`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from harness import ciba_auth_channel, jose
from harness.ciba_receiver import NotificationReceiver
from harness.flows.ciba_approval import PendingRequest
from harness.flows.client_assertion import assertion_audience
from harness.flows.polling import PolledGrantAnswer, Poller, PollOutcome, poll, require_asked_before_expiry
from harness.flows.token import TokenResult, client_auth, token_request
from harness.http import try_json_document
from harness.profile import Client, User
from harness.profile.login import CibaChannel
from harness.redaction import register_secret
from harness.results import ProfileError, fail
from harness.specs import oidc_ciba
from harness.target import NotApplicable, Target

GRANT_TYPE = oidc_ciba.GRANT_TYPE
DeliveryMode = Literal["poll", "ping", "push"]


@dataclass
class CibaRequest(PolledGrantAnswer):
    """A backchannel authentication request, what was sent, and the answer (§7.3).

    Its lifetime, polling interval (§7.3: "If no value is provided, clients MUST use 5 as the
    default") and polling clock come from :class:`PolledGrantAnswer`.
    """

    client: Client
    response: httpx.Response
    body: dict[str, Any]
    received_at: float
    sent_at: float
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> int:
        """The HTTP status."""
        return self.response.status_code

    @property
    def auth_req_id(self) -> str:
        """The request identifier (a credential: redacted in evidence)."""
        return str(self.body["auth_req_id"])

    @property
    def notification_token(self) -> str | None:
        """The client_notification_token sent with the request."""
        value = self.params.get("client_notification_token")
        return str(value) if value is not None else None

    def pending(self) -> PendingRequest:
        """What the other device needs to decide."""
        return PendingRequest(auth_req_id=self.auth_req_id, client=self.client,
                              login_hint=str(self.params.get("login_hint", "")),
                              binding_message=self.params.get("binding_message"),
                              expires_at=self.expires_at(60))


# -- clients ------------------------------------------------------------------------------

def delivery_mode(client: Client) -> DeliveryMode:
    """The client's documented token delivery mode (CIBA §5; poll when not stated)."""
    return client.documented.ciba_delivery_mode or "poll"


def pick_client(target: Target, mode: DeliveryMode = "poll", *, signed: bool | None = False,
                exclude: tuple[str, ...] = ()) -> Client:
    """A CIBA client with ``mode`` (``signed``: documented to sign requests; None: either); else skipped."""
    for client in target.profile.clients:
        if not client.use_in_suites or GRANT_TYPE not in client.grant_types or client.id in exclude:
            continue
        if delivery_mode(client) != mode:
            continue
        if signed is not None and client.documented.ciba_signed_requests != signed:
            continue
        return client
    kind = {True: " documented to sign its requests", False: " that sends plain requests", None: ""}[signed]
    raise NotApplicable(f"the profile has no CIBA {mode}-mode client{kind}")


def require_mode_supported(target: Target, mode: DeliveryMode) -> None:
    """Skip when the target does not advertise ``mode`` (CIBA §4 backchannel_token_delivery_modes_supported)."""
    target.endpoint("backchannel_authentication_endpoint")
    modes = target.metadata.get("backchannel_token_delivery_modes_supported")
    if isinstance(modes, list) and mode not in modes:
        raise NotApplicable(f"{mode} mode not supported by target (backchannel_token_delivery_modes_supported: "
                            f"{', '.join(map(str, modes))})")


def backchannel_endpoint(target: Target, client: Client) -> str:
    """The backchannel authentication endpoint ``client`` uses (the mTLS alias for certificate clients)."""
    if client.cert_file is not None:
        return target.mtls_endpoint("backchannel_authentication_endpoint")
    return target.endpoint("backchannel_authentication_endpoint")


def login_hint(target: Target, user: User) -> str:
    """The login_hint that identifies ``user`` (``login.ciba.login_hint`` template)."""
    values = {k: str(v) for k, v in user.claims.items()}
    values["username"] = user.username
    try:
        return target.profile.login.ciba.login_hint.format(**values)
    except KeyError as exc:
        raise ProfileError(f"login.ciba.login_hint uses {exc} which user {user.username!r} has no claim for") from exc


# -- requests -----------------------------------------------------------------------------

def signing_key_for(client: Client, alg: str) -> Any:
    """The client's private key that can sign with ``alg`` (RSA for RS/PS, EC for ES)."""
    if client.jwks_file is None:
        raise ProfileError(f"client {client.id} has no jwks_file to sign CIBA requests")
    keyset = jose.load_private_jwks(client.jwks_file)
    kty = "RSA" if alg.startswith(("RS", "PS")) else "EC" if alg.startswith("ES") else "OKP"
    for key, member in zip(keyset.keys, keyset.members, strict=True):
        if member.get("kty") == kty and member.get("use") in (None, "sig") and member.get("alg") in (None, alg):
            return key
    raise ProfileError(f"client {client.id}: no signing key for {alg} in its jwks_file")


def request_alg(target: Target, client: Client) -> str:
    """The algorithm for signed requests: the documented one, else the first advertised RS/PS/ES one."""
    documented = client.documented.ciba_request_signing_alg
    if documented:
        return documented
    advertised = target.metadata.get("backchannel_authentication_request_signing_alg_values_supported")
    if not isinstance(advertised, list) or not advertised:
        raise NotApplicable("the target does not advertise backchannel_authentication_request_signing_alg_values_"
                            "supported (no signed CIBA requests)")
    for alg in ("PS256", "RS256", "ES256"):
        if alg in advertised:
            return alg
    raise NotApplicable(f"none of the advertised CIBA request algorithms is usable: {advertised}")


def build_request_object(target: Target, client: Client, params: Mapping[str, Any], *, alg: str | None = None,
                         key: Any = None, claim_overrides: Mapping[str, Any] | None = None,
                         header_overrides: Mapping[str, Any] | None = None, now: float | None = None) -> str:
    """§7.1.1: the request parameters as claims plus aud, iss, exp, iat, nbf, jti; signed.

    ``claim_overrides`` replace claims (``jose.REMOVE`` drops one); ``alg="none"`` makes it
    unsigned; ``key`` signs with another key.
    """
    used_alg = alg or request_alg(target, client)
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "iss": client.id, "aud": str(target.metadata.get("issuer") or target.profile.issuer),
        "iat": issued, "nbf": issued, "exp": issued + 60, "jti": secrets.token_urlsafe(16), **params}
    if isinstance(claims.get("requested_expiry"), str) and claims["requested_expiry"].isdigit():
        claims["requested_expiry"] = int(claims["requested_expiry"])  # a JSON number, as §7.1 describes it
    for name, value in (claim_overrides or {}).items():
        if value is jose.REMOVE:
            claims.pop(name, None)
        else:
            claims[name] = value
    signer = None if used_alg == "none" else (key if key is not None else signing_key_for(client, used_alg))
    return jose.build_request_object(claims, signer, used_alg, typ=None, header_overrides=header_overrides)


def _channel(target: Target) -> CibaChannel | None:
    """The authentication channel the harness hosts (``login.ciba.mode: channel``), if any."""
    settings = target.profile.login.ciba
    return settings.channel if settings.mode == "channel" else None


def request_params(target: Target, client: Client, *, user: User | None = None, binding_message: str | None = None,
                   extra: Mapping[str, Any] | None = None, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """Valid §7.1 parameters: scope, one login_hint, and a client_notification_token for ping/push."""
    params: dict[str, Any] = {"scope": client.scope if "openid" in client.scope.split() else f"openid {client.scope}",
                              "login_hint": login_hint(target, user or target.user(0))}
    if binding_message is None:  # login.ciba.mode channel: a binding message identifies the callout
        binding_message = ciba_auth_channel.binding_message_for(_channel(target))
    if binding_message is not None:
        params["binding_message"] = binding_message
    if delivery_mode(client) in ("ping", "push"):
        token = secrets.token_urlsafe(32)
        register_secret(token)
        params["client_notification_token"] = token
    params.update(extra or {})
    for name in drop:
        params.pop(name, None)
    return params


def send(target: Target, client: Client, params: Mapping[str, Any], *, signed: bool | None = None,
         request_object: str | None = None, label: str = "backchannel authentication request",
         **object_options: Any) -> CibaRequest:
    """POST a backchannel authentication request and return the answer unjudged.

    ``signed`` (default: the client's documented ``ciba_signed_requests``) sends the
    parameters as a request object (§7.1.1); ``request_object`` sends that exact JWT;
    ``object_options`` go to :func:`build_request_object`.
    """
    channel = _channel(target)
    if channel is not None:  # the target calls the authentication channel while it answers
        ciba_auth_channel.ensure_receiver(channel)
    url = backchannel_endpoint(target, client)
    auth, headers, cert = client_auth(target, client, assertion_audience(target, client, url))
    use_signed = client.documented.ciba_signed_requests if signed is None else signed
    if request_object is not None or use_signed:
        jwt = request_object or build_request_object(target, client, params, **object_options)
        data: dict[str, str] = {"request": jwt}
    else:
        data = {k: str(v) for k, v in params.items()}
    data.update(auth)
    sent_at = time.monotonic()
    response = target.http.post(url, label=label, data=data, headers=headers, cert=cert)
    body = try_json_document(response) or {}
    if isinstance(body.get("auth_req_id"), str) and body["auth_req_id"]:
        register_secret(body["auth_req_id"])  # a credential of the client (CIBA §7.3): masked in later evidence
    return CibaRequest(client=client, response=response, body=body, received_at=time.monotonic(),
                       params=dict(params), sent_at=sent_at)


def start(target: Target, client: Client, *, user: User | None = None, binding_message: str | None = None,
          extra: Mapping[str, Any] | None = None) -> CibaRequest:
    """An acknowledged request (§7.3) the flow can continue with, or a ``PRECONDITION_*`` failure."""
    request = send(target, client, request_params(target, client, user=user, binding_message=binding_message,
                                                  extra=extra))
    auth_req_id = request.body.get("auth_req_id")
    if request.status != 200 or not isinstance(auth_req_id, str) or not auth_req_id:
        raise fail("PRECONDITION_CIBA_REQUEST_FAILED",
                   f"a valid backchannel authentication request for client {client.id} was not acknowledged",
                   "CIBA-7.3", expected="HTTP 200 with auth_req_id",
                   actual=f"HTTP {request.status} error={request.body.get('error')}")
    register_secret(auth_req_id)
    return request


# -- tokens -------------------------------------------------------------------------------

def token(target: Target, client: Client, auth_req_id: str, *, label: str = "CIBA token request") -> TokenResult:
    """§10.1: one token request with the CIBA grant for ``auth_req_id``, authenticated as ``client``."""
    return token_request(target, client, {"grant_type": GRANT_TYPE, "auth_req_id": auth_req_id}, label=label)


def poll_for_tokens(target: Target, request: CibaRequest, *, poller: Poller | None = None,
                    cap_s: float | None = None) -> PollOutcome:
    """Poll until the server answers something other than pending, within the request lifetime.

    The deadline is the request's expiry; ``cap_s`` (default: ``limits.max_expiry_wait_s``,
    or the whole lifetime when a human decides: ``login.ciba.mode: manual``) bounds it further.
    """
    clock = poller or request.poller()
    manual = target.profile.login.ciba.mode == "manual"
    cap = cap_s if cap_s is not None else (float("inf") if manual else target.profile.limits.max_expiry_wait_s)
    deadline = request.polling_deadline(clock, cap)

    def send_one(n: int) -> TokenResult:
        return token(target, request.client, request.auth_req_id, label=f"CIBA token request #{n}")

    return poll(send_one, clock, deadline=deadline, what="auth_req_id")


def poll_after_decision(target: Target, request: CibaRequest, *, poller: Poller | None = None) -> PollOutcome:
    """:func:`poll_for_tokens` after the user approved or denied.

    Broken, not judged, when the harness's own steps took the request to its expiry before the first
    poll (:func:`harness.flows.polling.require_asked_before_expiry`).
    """
    outcome = poll_for_tokens(target, request, poller=poller)
    require_asked_before_expiry(request, outcome, what="auth_req_id")
    return outcome


# -- notifications ------------------------------------------------------------------------

def receiver_for(target: Target, client: Client) -> NotificationReceiver:
    """The notification endpoint of ``client`` as a receiver (not started); skipped without one."""
    endpoint = client.documented.ciba_notification_endpoint
    if not endpoint:
        raise NotApplicable(f"client {client.id} has no documented ciba_notification_endpoint")
    settings = target.profile.login.ciba.receiver
    if settings.cert_file is None or settings.key_file is None:
        raise NotApplicable("the profile gives no server certificate for the notification receiver "
                            "(login.ciba.receiver.cert_file / key_file)")
    return NotificationReceiver(endpoint, cert_file=settings.cert_file, key_file=settings.key_file,
                                listen_host=settings.listen_host, listen_port=settings.listen_port)

