"""The authentication-channel callout the harness hosts for CIBA (``login.ciba.mode: channel``).

Some servers do not reach the user themselves: they hand each backchannel authentication
request to an external "authentication channel" over HTTP and learn the user's decision
from a callback. Keycloak's HTTP authentication channel, for instance, POSTs
``{"login_hint", "binding_message", "scope", "is_consent_required", "acr_values"}`` with a
bearer token of its own to a configured URI, expects ``201 Created``, and takes the decision
as ``POST <callback> {"status": "SUCCEED" | "CANCELLED" | "UNAUTHORIZED"}`` with that bearer
token. CIBA leaves this to the OP ("the OP ... authenticates the user", CIBA §7; how it
reaches the authentication device is out of scope); the harness plays that device:

* :func:`ensure_receiver` listens on ``login.ciba.channel.listen_url`` (loopback HTTPS) before
  the first backchannel request of a process and answers every callout with
  ``callout_status``; each callout is spooled (mode 0600, a 0700 directory derived from the
  port) so that every worker process of a run sees it, and a process that could not bind
  takes the port over when its holder exits;
* :func:`binding_message_for` gives every request the harness sends without one a binding
  message of its own choosing, which identifies the callout;
* :func:`claim` takes the callout of one pending request (same binding message and login
  hint, the token's ``azp`` naming the client when it carries one) exactly once.

The callout's bearer token is a credential: it is registered for redaction and never logged.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.loopback_tls import (
    LoopbackHandler,
    LoopbackServer,
    LoopbackTlsService,
    loopback_bind_host,
    server_tls_context,
)
from harness.profile.login import CibaChannel
from harness.redaction import register_secret
from harness.results import HarnessError, ProfileError

MAX_BODY = 64 * 1024
STALE_AFTER_S = 600.0
"""Unclaimed callouts older than this are removed (requests nobody decides on)."""
_TAKEOVER_POLL_S = 0.05


@dataclass(frozen=True)
class Callout:
    """One callout the target made to the authentication channel."""

    path: Path
    token: str
    body: dict[str, Any]
    received_at: float  # time.time()

    def field(self, name: str) -> str | None:
        """A string member of the callout's JSON body."""
        value = self.body.get(name)
        return value if isinstance(value, str) else None

    @property
    def authorized_party(self) -> str | None:
        """``azp`` of the bearer token when it is a JWT (read, not verified: only to match the client)."""
        return _jwt_claim(self.token, "azp")


def _jwt_claim(token: str, name: str) -> str | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    value = payload.get(name) if isinstance(payload, dict) else None
    return value if isinstance(value, str) else None


def spool_dir(listen_url: str) -> Path:
    """The private directory every process of this user shares for callouts to ``listen_url``."""
    parts = urlsplit(listen_url)
    tag = hashlib.sha256(listen_url.encode()).hexdigest()[:12]
    directory = Path(tempfile.gettempdir()) / f"oauth-harness-ciba-channel-{os.getuid()}-{parts.port}-{tag}"
    directory.mkdir(mode=0o700, exist_ok=True)
    os.chmod(directory, 0o700)
    return directory


def _write_private(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)
    os.replace(temporary, path)  # readers see the whole file or none


class _Handler(LoopbackHandler):
    server: LoopbackServer[ChannelReceiver]

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        receiver = self.server.service
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""
        if urlsplit(self.path).path != receiver.path:
            self.reply(404)
            return
        authorization = self.headers.get("authorization") or ""
        scheme, _, token = authorization.partition(" ")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if scheme.lower() != "bearer" or not token or not isinstance(body, dict):
            self.reply(400)
            return
        receiver.spool(token.strip(), body)
        self.reply(receiver.settings.callout_status)


class ChannelReceiver(LoopbackTlsService):
    """The HTTPS listener of ``settings.listen_url``; callouts go to :func:`spool_dir`."""

    service_name = "the CIBA authentication channel"
    thread_name = "ciba-auth-channel"
    handler_class = _Handler

    def __init__(self, settings: CibaChannel, *, bind_timeout_s: float = 0.0) -> None:
        parts = urlsplit(settings.listen_url)
        if parts.scheme != "https" or not parts.hostname or not parts.port:
            raise ProfileError(f"login.ciba.channel.listen_url must be https://<loopback>:<port>/<path>, "
                               f"got {settings.listen_url!r}")
        self.settings = settings
        self.path = parts.path or "/"
        self.host = loopback_bind_host(parts.hostname)
        self.port = parts.port
        self.bind_timeout_s = bind_timeout_s
        self.directory = spool_dir(settings.listen_url)
        self._ssl = server_tls_context(settings.cert_file, settings.key_file, owner="the authentication channel")
        self._server = None
        self._thread = None

    def _listen_port(self) -> int:
        return self.port

    @property
    def serving(self) -> bool:
        """Whether this process holds the port."""
        return self._server is not None

    def spool(self, token: str, body: dict[str, Any]) -> None:
        """Keep a callout for whichever process claims it."""
        register_secret(token)
        entry = {"token": token, "body": body, "received_at": time.time()}
        name = f"{time.time_ns()}-{secrets.token_hex(4)}.json"
        _write_private(self.directory / name, json.dumps(entry).encode())


_receivers: dict[str, ChannelReceiver] = {}
_lock = threading.Lock()


def ensure_receiver(settings: CibaChannel) -> ChannelReceiver:
    """Start (once per process) the receiver for ``settings``: serving, or waiting to take the port over.

    The first process of a run to bind the port serves every callout; the others retry in the
    background, so the port stays served when its holder exits before them.
    """
    with _lock:
        receiver = _receivers.get(settings.listen_url)
        if receiver is not None:
            return receiver
        receiver = ChannelReceiver(settings)
        _receivers[settings.listen_url] = receiver
        try:
            receiver.start()
        except HarnessError:
            threading.Thread(target=_take_over, args=(receiver,), name="ciba-auth-channel-takeover",
                             daemon=True).start()
        return receiver


def _take_over(receiver: ChannelReceiver) -> None:
    while not receiver.serving:
        time.sleep(_TAKEOVER_POLL_S)
        with contextlib.suppress(HarnessError):
            receiver.start()


def binding_message_for(settings: CibaChannel | None) -> str | None:
    """A binding message of the harness's choosing (channel mode), which identifies the callout."""
    if settings is None:
        return None
    return f"harness-{secrets.token_hex(4)}"


def _entries(directory: Path) -> list[Callout]:
    found: list[Callout] = []
    now = time.time()
    for path in sorted(directory.glob("*.json")):
        try:
            entry = json.loads(path.read_bytes())
        except (OSError, ValueError):
            continue
        received = float(entry.get("received_at", 0))
        if now - received > STALE_AFTER_S:
            with contextlib.suppress(OSError):
                path.unlink()
            continue
        token, body = entry.get("token"), entry.get("body")
        if isinstance(token, str) and isinstance(body, dict):
            found.append(Callout(path=path, token=token, body=body, received_at=received))
    return found


def matches(callout: Callout, settings: CibaChannel, *, binding_message: str | None, login_hint: str,
            client_id: str) -> bool:
    """Whether ``callout`` belongs to the request with this binding message, login hint and client."""
    if binding_message is not None and callout.field(settings.binding_message_field) != binding_message:
        return False
    hint = callout.field(settings.login_hint_field)
    if hint is not None and login_hint and hint != login_hint:
        return False
    party = callout.authorized_party
    return party is None or party == client_id


def claim(settings: CibaChannel, *, binding_message: str | None, login_hint: str, client_id: str,
          timeout_s: float | None = None) -> Callout:
    """Take (once, across processes) the newest callout of the request; wait up to ``timeout_s``.

    Raises:
        HarnessError: no matching callout arrived in time.
    """
    directory = spool_dir(settings.listen_url)
    deadline = time.monotonic() + (settings.wait_s if timeout_s is None else timeout_s)
    while True:
        candidates = [c for c in _entries(directory)
                      if matches(c, settings, binding_message=binding_message, login_hint=login_hint,
                                 client_id=client_id)]
        for callout in sorted(candidates, key=lambda c: c.received_at, reverse=True):
            taken = callout.path.with_suffix(f".claimed-{os.getpid()}")
            try:
                os.rename(callout.path, taken)  # atomic: one process wins
            except OSError:
                continue
            with contextlib.suppress(OSError):
                taken.unlink()
            register_secret(callout.token)
            return callout
        if time.monotonic() > deadline:
            shown = f"binding message {binding_message!r}" if binding_message else "no binding message"
            raise HarnessError(f"the target did not call the authentication channel {settings.listen_url} for this "
                               f"request ({shown}, login_hint {login_hint!r}) within {settings.wait_s:g} s")
        time.sleep(0.05)
