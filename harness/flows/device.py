"""The device authorization grant (RFC 8628) as reusable steps.

:func:`start` sends the device authorization request (§3.1) and insists on a usable answer
(a refused valid request is a ``PRECONDITION_*`` failure); :func:`poll_token` sends one device
access token request (§3.4); :func:`poll_for_tokens` polls exactly as §3.5 prescribes (see
:mod:`harness.flows.polling`). The user side (§3.3) lives in :mod:`harness.login.device`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from harness.flows.client_assertion import assertion_audience
from harness.flows.polling import PolledGrantAnswer, Poller, PollOutcome, poll, require_asked_before_expiry
from harness.flows.token import TokenResult, client_auth, token_request
from harness.http import try_json_document
from harness.profile import Client
from harness.results import fail
from harness.specs import rfc8628
from harness.target import Target

GRANT_TYPE = rfc8628.GRANT_TYPE


@dataclass
class DeviceAuthorization(PolledGrantAnswer):
    """A device authorization response (§3.2) and when it arrived (monotonic clock).

    Its lifetime, polling interval and polling clock come from :class:`PolledGrantAnswer`.
    """

    client: Client
    response: httpx.Response
    body: dict[str, Any]
    received_at: float
    sent_at: float

    @property
    def device_code(self) -> str:
        """The device verification code."""
        return str(self.body["device_code"])

    @property
    def user_code(self) -> str:
        """The end-user verification code."""
        return str(self.body["user_code"])

    @property
    def verification_uri(self) -> str:
        """Where the user enters the code."""
        return str(self.body["verification_uri"])

    @property
    def verification_uri_complete(self) -> str | None:
        """The verification URI that already carries the code, when offered."""
        value = self.body.get("verification_uri_complete")
        return value if isinstance(value, str) else None


def device_endpoint(target: Target, client: Client) -> str:
    """The device authorization endpoint ``client`` uses (the mTLS alias for certificate clients)."""
    if client.cert_file is not None:
        return target.mtls_endpoint("device_authorization_endpoint")
    return target.endpoint("device_authorization_endpoint")


def request_authorization(target: Target, client: Client, *, scope: str | None = None,
                          extra: dict[str, str] | None = None,
                          label: str = "device authorization request") -> DeviceAuthorization:
    """§3.1: POST the device authorization request; the answer is returned unjudged."""
    url = device_endpoint(target, client)
    data, headers, cert = client_auth(target, client, assertion_audience(target, client, url))
    params = {"scope": scope or client.scope, **data, **(extra or {})}
    sent_at = time.monotonic()
    response = target.http.post(url, label=label, data=params, headers=headers, cert=cert)
    body = try_json_document(response) or {}
    return DeviceAuthorization(client=client, response=response, body=body, received_at=time.monotonic(),
                               sent_at=sent_at)


def start(target: Target, client: Client, *, scope: str | None = None) -> DeviceAuthorization:
    """A device authorization the flow can continue with, or a ``PRECONDITION_*`` failure."""
    auth = request_authorization(target, client, scope=scope)
    missing = [m for m in ("device_code", "user_code", "verification_uri")
               if not isinstance(auth.body.get(m), str) or not auth.body.get(m)]
    if auth.response.status_code != 200 or missing:
        raise fail("PRECONDITION_DEVICE_AUTHORIZATION_FAILED",
                   f"a valid device authorization request for client {client.id} was not answered with codes",
                   "RFC8628-3.2", expected="HTTP 200 with device_code, user_code, verification_uri",
                   actual=f"HTTP {auth.response.status_code} error={auth.body.get('error')} missing={missing}")
    return auth


def poll_token(target: Target, client: Client, device_code: str, *,
               label: str = "device access token request") -> TokenResult:
    """§3.4: one device access token request for ``device_code``, authenticated as ``client``."""
    return token_request(target, client, {"grant_type": GRANT_TYPE, "device_code": device_code}, label=label)


def poll_for_tokens(target: Target, auth: DeviceAuthorization, *, poller: Poller | None = None,
                    cap_s: float | None = None) -> PollOutcome:
    """Poll until the server answers something other than pending, within the code lifetime.

    The deadline is the codes' expiry (``expires_in``); ``cap_s`` (default: the profile's
    ``limits.max_expiry_wait_s``) bounds it further from now, so a broken server cannot keep
    the harness polling for a long-lived code.
    """
    clock = poller or auth.poller()
    cap = target.profile.limits.max_expiry_wait_s if cap_s is None else cap_s
    deadline = auth.polling_deadline(clock, cap)

    def send(n: int) -> TokenResult:
        return poll_token(target, auth.client, auth.device_code, label=f"device access token request #{n}")

    return poll(send, clock, deadline=deadline, what="device code")


def poll_after_decision(target: Target, auth: DeviceAuthorization, *, poller: Poller | None = None) -> PollOutcome:
    """:func:`poll_for_tokens` after the user approved or denied.

    Broken, not judged, when the harness's own steps took the device code to its expiry before the first
    poll (:func:`harness.flows.polling.require_asked_before_expiry`).
    """
    outcome = poll_for_tokens(target, auth, poller=poller)
    require_asked_before_expiry(auth, outcome, what="device code")
    return outcome
