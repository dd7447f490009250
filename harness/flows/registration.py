"""Dynamic client registration (RFC 7591) and its management (RFC 7592) as reusable steps.

:class:`Registrar` registers throwaway clients for one check and, when the check ends, deletes
every one of them through its ``registration_client_uri`` (RFC 7592 §2.3), naming each in the
check's evidence. Every ``client_secret`` and ``registration_access_token`` is registered for
redaction the moment its answer arrives.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import SecretStr

from harness import evidence
from harness.http import try_json_object
from harness.profile import AuthMethod, Client
from harness.redaction import register_secret
from harness.results import ProfileError
from harness.specs._http import media_type
from harness.specs.rfc7591 import RegistrationAnswer
from harness.target import NotApplicable, Target

__all__ = ["Registered", "Registrar", "answer_of", "registration_endpoint", "registration_redirect_uri",
           "second_host_redirect_uri"]


def registration_endpoint(target: Target) -> str:
    """The registration endpoint: discovery's ``registration_endpoint``, else the profile's; *skipped* without."""
    value = target.metadata.get("registration_endpoint")
    if isinstance(value, str) and value:
        return value
    configured = target.profile.registration.endpoint or target.profile.endpoints.get("registration_endpoint")
    if configured:
        target.http.allow_origin(configured)  # the profile vouches for the endpoint it names
        return configured
    raise NotApplicable("the target does not advertise registration_endpoint and the profile names none "
                        "(registration.endpoint): it offers no dynamic client registration")


def registration_redirect_uri(target: Target) -> str:
    """The https redirect URI registered clients use (``registration.redirect_uri``, else a code client's)."""
    configured = target.profile.registration.redirect_uri
    if configured:
        return configured
    for client in target.profile.clients:
        if "authorization_code" in client.grant_types:
            for uri in client.redirect_uris:
                if uri.startswith("https://") and "?" not in uri and "#" not in uri:
                    return uri
    raise ProfileError("the registration suite needs an https redirect URI: set registration.redirect_uri")


def second_host_redirect_uri(target: Target) -> str:
    """A redirect URI on another host (``registration.second_redirect_uri``, else ``sector2.`` + the host)."""
    configured = target.profile.registration.second_redirect_uri
    if configured:
        return configured
    parts = urlsplit(registration_redirect_uri(target))
    return urlunsplit((parts.scheme, f"sector2.{parts.netloc}", parts.path, parts.query, ""))


def answer_of(response: httpx.Response) -> RegistrationAnswer:
    """The judged view of a registration or configuration endpoint answer."""
    return RegistrationAnswer(status=response.status_code, media_type=media_type(response.headers),
                              body=try_json_object(response),
                              excerpt=response.content[:200].decode("utf-8", "replace"))


def _protect(body: dict[str, Any] | None) -> None:
    """Register the credentials of a registration answer for redaction (at once, before anything else)."""
    if body is None:
        return
    for member in ("client_secret", "registration_access_token"):
        value = body.get(member)
        if isinstance(value, str):
            register_secret(value)


@dataclass
class Registered:
    """One client the check registered."""

    client_id: str
    body: dict[str, Any]
    requested: dict[str, Any]
    registration_client_uri: str | None
    registration_access_token: str | None
    deleted: bool = False

    @property
    def manageable(self) -> bool:
        """Whether RFC 7592 management is offered for it (both members were returned, RFC 7592 §3)."""
        return bool(self.registration_client_uri and self.registration_access_token)

    def client(self, *, scope: str = "openid", jwks_file: Path | None = None) -> Client:
        """A transient profile :class:`Client` for the flows (the registered auth method, secret and URIs)."""
        method = self.body.get("token_endpoint_auth_method") or self.requested.get("token_endpoint_auth_method") \
            or "client_secret_basic"
        try:
            auth = AuthMethod(method)
        except ValueError as exc:
            raise ProfileError(f"registered client {self.client_id} uses token_endpoint_auth_method {method}, "
                               "which the harness cannot drive") from exc
        secret = self.body.get("client_secret")
        redirect_uris = self.body.get("redirect_uris") or self.requested.get("redirect_uris") or []
        return Client(id=self.client_id, description="registered by the registration suite", auth_method=auth,
                      secret=SecretStr(secret) if isinstance(secret, str) and secret else None,
                      redirect_uris=list(redirect_uris),
                      grant_types=list(self.body.get("grant_types") or self.requested.get("grant_types")
                                       or ["authorization_code"]),
                      response_types=list(self.body.get("response_types") or ["code"]), scope=scope,
                      jwks_file=jwks_file, use_in_suites=False)


class Registrar:
    """Registers clients for one check; on exit deletes each (RFC 7592) and names it in the evidence."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.endpoint = registration_endpoint(target)
        self.registered: list[Registered] = []
        token = target.profile.registration.initial_access_token
        self._iat = token.get_secret_value() if token is not None else None
        register_secret(self._iat)

    # -- registration --------------------------------------------------------------------
    def metadata(self, **members: Any) -> dict[str, Any]:
        """A valid code-flow registration request: the suite's redirect URI and a unique client_name."""
        base: dict[str, Any] = {"redirect_uris": [registration_redirect_uri(self.target)],
                                "client_name": f"oauth-harness {secrets.token_hex(4)}"}
        base.update(members)
        return {k: v for k, v in base.items() if v is not None}

    def post(self, metadata: dict[str, Any], *, label: str, initial_access_token: bool = True) -> RegistrationAnswer:
        """POST a registration request (RFC 7591 §3.1); a 2xx answer with a client_id is remembered for cleanup."""
        headers = {"Accept": "application/json"}
        if initial_access_token and self._iat:
            headers["Authorization"] = f"Bearer {self._iat}"
        response = self.target.http.post(self.endpoint, label=label, json_body=metadata, headers=headers)
        body = try_json_object(response)
        _protect(body)
        if 200 <= response.status_code < 300 and body is not None and isinstance(body.get("client_id"), str):
            uri, rat = body.get("registration_client_uri"), body.get("registration_access_token")
            self.registered.append(Registered(
                client_id=body["client_id"], body=body, requested=metadata,
                registration_client_uri=uri if isinstance(uri, str) and uri else None,
                registration_access_token=rat if isinstance(rat, str) and rat else None))
        return answer_of(response)

    def last(self) -> Registered:
        """The client registered last (the check asserted its registration first)."""
        return self.registered[-1]

    # -- management (RFC 7592) -----------------------------------------------------------
    def _management(self, registered: Registered) -> str:
        if not registered.manageable or registered.registration_client_uri is None:
            raise NotApplicable("the registration answer carries no registration_client_uri and "
                                "registration_access_token: the target offers no RFC 7592 management")
        return registered.registration_client_uri

    def send(self, registered: Registered, method: str, *, label: str, token: str | None | bool = True,
             json_body: Any = None) -> httpx.Response:
        """A client configuration request; ``token`` True: its registration access token, a string: that one."""
        uri = self._management(registered)
        headers = {"Accept": "application/json"}
        bearer = registered.registration_access_token if token is True else token
        if isinstance(bearer, str):
            headers["Authorization"] = f"Bearer {bearer}"
        response = self.target.http.request(method, uri, label=label, headers=headers, json_body=json_body)
        body = try_json_object(response)
        _protect(body)
        if token is True and response.status_code == 200 and body is not None:
            rotated = body.get("registration_access_token")
            if isinstance(rotated, str) and rotated:  # RFC 7592 §3: the token MAY change on update
                registered.registration_access_token = rotated
        return response

    def update_body(self, registered: Registered, **changes: Any) -> dict[str, Any]:
        """RFC 7592 §2.2: all metadata as last returned, without the fields the request must not carry."""
        excluded = {"registration_access_token", "registration_client_uri", "client_secret_expires_at",
                    "client_id_issued_at"}
        body = {k: v for k, v in registered.body.items() if k not in excluded}
        body.update(changes)
        return body

    def delete(self, registered: Registered, *, label: str = "delete the registered client") -> httpx.Response:
        """RFC 7592 §2.3 delete; remembered as deleted on any 2xx (the check judges 204 itself)."""
        response = self.send(registered, "DELETE", label=label)
        if 200 <= response.status_code < 300:
            registered.deleted = True
        return response

    # -- cleanup ---------------------------------------------------------------------------
    def cleanup(self) -> None:
        """Delete every client this check registered (RFC 7592) and name each in the evidence."""
        for registered in self.registered:
            if registered.deleted:
                evidence.note(f"registered client {registered.client_id}: deleted by the check (RFC 7592)")
                continue
            if not registered.manageable:
                evidence.note(f"registered client {registered.client_id}: not deleted (the target returned no "
                              "registration_client_uri / registration_access_token: no RFC 7592 management)")
                continue
            try:
                status = self.delete(registered, label=f"cleanup: delete registered client {registered.client_id}")
            except Exception as exc:  # noqa: BLE001 - cleanup must not mask the check's own outcome
                evidence.note(f"registered client {registered.client_id}: delete failed ({type(exc).__name__}: "
                              f"{exc})")
                continue
            evidence.note(f"registered client {registered.client_id}: deleted at the end of the check "
                          f"(HTTP {status.status_code})" if registered.deleted else
                          f"registered client {registered.client_id}: delete answered HTTP {status.status_code}, "
                          "the client may remain registered")

    def __enter__(self) -> Self:
        """Start registering."""
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Delete what was registered."""
        self.cleanup()
