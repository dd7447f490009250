"""Clients whose endpoints the harness hosts: a fitting profile client first, else one registered for the check.

Some checks need a client registered with a URL the *harness* serves: the CIBA ping/push
``backchannel_client_notification_endpoint`` (CIBA §4, served by :mod:`harness.ciba_receiver`),
the Back-Channel Logout ``backchannel_logout_uri`` (OIDC Back-Channel Logout 1.0 §2.2, served by
:mod:`harness.backchannel_logout_receiver`), and, for a client that authenticates with keys, its
``jwks_uri`` (OIDC Registration §2, served by :mod:`harness.sector_host`), and, where the target
requires ``request_uri`` pre-registration (OIDC Discovery §3 ``require_request_uri_registration``),
its ``request_uris`` (OIDC Registration §2: "OPs can require that request_uri values used be
pre-registered with the require_request_uri_registration discovery parameter"), served by
:mod:`harness.request_object_host`: the URL is reserved before the client is registered, since the
request object names the client, and filled once the object exists. The selection is decided
from the profile and discovery alone, before the target is asked anything:

1. the first profile client that fits (its documented URL is where the harness listens);
2. else, when the profile allows it (:func:`registration_refusal` is None), a client registered
   for this check (RFC 7591 §3.1) with a fresh loopback URL of the harness's, deleted when the
   check ends (RFC 7592 §2.3, through :class:`harness.flows.registration.Registrar`);
3. else the check is skipped, the reason naming both options.

The evidence names the client used and where it came from. A registration the target refuses
(or answers with other delivery metadata than asked) ends the check *broken* (profile): the
harness could not set up the client the check needs, which is no finding about the target.
"""

from __future__ import annotations

import json
import secrets
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from harness import evidence, jose
from harness.backchannel_logout_receiver import BackchannelLogoutReceiver
from harness.backchannel_logout_receiver import receiver_for as logout_receiver_for
from harness.ciba_receiver import NotificationReceiver, loopback_bind_host
from harness.flows import ciba
from harness.flows.registration import Registered, Registrar, registration_redirect_uri
from harness.profile import Client, RequestObjectHost
from harness.profile.clients import ClientDocumented
from harness.profile.logout import ClientLogout
from harness.request_object_host import RequestObjectHost as ObjectHost
from harness.request_object_host import fixed_base_url
from harness.results import HarnessError, ProfileError
from harness.sector_host import SectorHost
from harness.target import NotApplicable, Target

__all__ = ["HostedChoice", "HostedClient", "Purpose", "choose_backchannel_logout_client",
           "choose_notification_client", "choose_request_uri_client", "hosted_client", "registration_refusal",
           "request_uri_client"]

Purpose = Literal["ping", "push", "backchannel_logout", "request_uris"]
Source = Literal["profile", "registered"]
_SECRET_METHODS = ("client_secret_basic", "client_secret_post")
_KEY_ALGS = {"RS256": "RSA", "PS256": "RSA", "ES256": "P-256"}


# -- may the harness register? -------------------------------------------------------------------

def registration_refusal(target: Target) -> str | None:
    """Why the harness may not register a hosted client here (None: it may).

    ``registration.register_hosted_clients``: true allows it, false forbids it; unset allows it
    unless the profile is a production profile (``production: true``). A registration endpoint
    must be advertised (RFC 8414 §2 / OIDC Discovery §3 ``registration_endpoint``) or named by
    the profile (``registration.endpoint``).
    """
    settings = target.profile.registration
    if settings.register_hosted_clients is False:
        return "registration.register_hosted_clients is false"
    if settings.register_hosted_clients is None and target.profile.production:
        return ("the profile is a production profile (production: true) and registration.register_hosted_clients "
                "is not true")
    advertised = target.metadata.get("registration_endpoint")
    if not (isinstance(advertised, str) and advertised) and not settings.endpoint \
            and not target.profile.endpoints.get("registration_endpoint"):
        return "the target advertises no registration_endpoint and the profile names none (registration.endpoint)"
    return None


# -- the choice (no request) -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Registration:
    """What the harness will register: the auth method, where it listens, and for keys, where it serves them."""

    auth_method: str
    listen_host: str
    listen_port: int | None
    signing_alg: str | None = None
    key_host: RequestObjectHost | None = None
    redirect_uri: str | None = None
    session_required: bool = False
    request_object_alg: str | None = None


@dataclass(frozen=True)
class HostedChoice:
    """The client a check will use, decided before any request: a profile client, or one to register."""

    purpose: Purpose
    profile_client: Client | None = None
    registration: _Registration | None = None

    @property
    def source(self) -> Source:
        """Where the client comes from."""
        return "profile" if self.profile_client is not None else "registered"


def _auth_plan(target: Target) -> tuple[str, str | None, RequestObjectHost | None]:
    """The registered client's token_endpoint_auth_method (and signing alg and key host for private_key_jwt)."""
    configured = target.profile.registration.hosted_client_auth_method
    supported = target.metadata.get("token_endpoint_auth_methods_supported")
    methods = [m for m in supported if isinstance(m, str)] if isinstance(supported, list) else \
        ["client_secret_basic"]  # RFC 8414 §2: "If omitted, the default is client_secret_basic"
    if configured in _SECRET_METHODS:
        return str(configured), None, None
    if configured is None:
        for method in _SECRET_METHODS:
            if method in methods:
                return method, None, None
        if "private_key_jwt" not in methods:
            raise NotApplicable("the harness could register a client, but the target lists none of "
                                "client_secret_basic, client_secret_post, private_key_jwt "
                                f"(token_endpoint_auth_methods_supported: {methods})")
    key_host = target.profile.registration.sector_host or target.profile.request_object_host
    if key_host is None:
        raise NotApplicable("a registered private_key_jwt client needs a jwks_uri the harness serves: the profile "
                            "names no registration.sector_host (nor request_object_host)")
    algs = target.metadata.get("token_endpoint_auth_signing_alg_values_supported")
    alg = next((a for a in _KEY_ALGS if not isinstance(algs, list) or a in algs), None)
    if alg is None:
        raise NotApplicable(f"a registered private_key_jwt client needs RS256, PS256 or ES256; the target lists {algs} "
                            "(token_endpoint_auth_signing_alg_values_supported)")
    return "private_key_jwt", alg, key_host


def _plan(target: Target, listen_host: str | None, listen_port: int | None, **extra: Any) -> _Registration:
    method, alg, key_host = _auth_plan(target)
    host = loopback_bind_host(listen_host or "127.0.0.1")
    return _Registration(auth_method=method, listen_host=host, listen_port=listen_port, signing_alg=alg,
                         key_host=key_host, **extra)


def choose_notification_client(target: Target, mode: Literal["ping", "push"], *,
                               signed: bool | None = None) -> HostedChoice:
    """A CIBA ``mode`` client whose notification endpoint the harness hosts (profile first, else registered).

    The target must advertise ``mode`` (checked by the caller, :func:`ciba.require_mode_supported`).
    A profile client fits when its documented delivery mode is ``mode`` and it documents the
    ``ciba_notification_endpoint``; a registered client sends plain requests, so ``signed=True``
    takes a profile client.
    """
    tried: list[str] = []
    while True:
        try:
            client = ciba.pick_client(target, mode, signed=signed, exclude=tuple(tried))
        except NotApplicable:
            break
        if client.documented.ciba_notification_endpoint:
            return HostedChoice(purpose=mode, profile_client=client)
        tried.append(client.id)
    kind = "documented to sign its requests " if signed else ""
    missing = (f"the profile has no CIBA {mode}-mode client {kind}with a ciba_notification_endpoint the harness hosts "
               "(clients[].documented.ciba_delivery_mode, ciba_notification_endpoint)")
    refusal = registration_refusal(target)
    if refusal is None and signed:
        refusal = "a registered client sends plain requests, and this check needs one that signs"
    if refusal is not None:
        raise NotApplicable(f"{missing}, and the harness does not register one: {refusal}")
    settings = target.profile.login.ciba.receiver
    if settings.cert_file is None or settings.key_file is None:
        raise NotApplicable(f"{missing}; the harness could register one but has no server certificate for its "
                            "notification endpoint (login.ciba.receiver.cert_file / key_file)")
    return HostedChoice(purpose=mode, registration=_plan(target, settings.listen_host, settings.listen_port))


def choose_backchannel_logout_client(target: Target, profile_client: Callable[[], Client]) -> HostedChoice:
    """A client whose ``backchannel_logout_uri`` the harness hosts (``profile_client()`` first, else registered).

    ``profile_client`` is the suite's own selection (it raises :class:`NotApplicable` when no
    profile client fits). A registered client asks for ``backchannel_logout_session_required``
    where the target advertises ``backchannel_logout_session_supported``.
    """
    try:
        return HostedChoice(purpose="backchannel_logout", profile_client=profile_client())
    except NotApplicable as exc:
        missing = str(exc)
    refusal = registration_refusal(target)
    if refusal is not None:
        raise NotApplicable(f"{missing}, and the harness does not register one: {refusal}")
    settings = target.profile.logout.receiver
    if settings.cert_file is None or settings.key_file is None:
        raise NotApplicable(f"{missing}; the harness could register one but has no server certificate for its "
                            "backchannel_logout_uri (logout.receiver.cert_file / key_file)")
    try:
        redirect_uri = registration_redirect_uri(target)
    except ProfileError as exc:
        raise NotApplicable(f"{missing}; the harness could register one but has no https redirect URI for it "
                            "(registration.redirect_uri, else a code-flow client's)") from exc
    session = target.metadata.get("backchannel_logout_session_supported") is True
    return HostedChoice(purpose="backchannel_logout", registration=_plan(
        target, settings.listen_host, settings.listen_port, redirect_uri=redirect_uri, session_required=session))


def _hosts_request_uri(client: Client, base: str | None) -> str | None:
    """The first of ``client``'s documented request_uris on the host's fixed origin ``base``, else None."""
    if base is None:
        return None
    return next((u for u in client.documented.request_uris if u.split("#", 1)[0].startswith(base + "/")), None)


def _request_object_alg(target: Target, unsigned: bool) -> str:
    """The request_object_signing_alg a registered client asks for; *skipped* when the target lists none that fits."""
    advertised = target.metadata.get("request_object_signing_alg_values_supported")
    algs = [a for a in advertised if isinstance(a, str)] if isinstance(advertised, list) else None
    if unsigned:
        if algs is None or "none" not in algs:
            raise NotApplicable("a registered client would need request_object_signing_alg none, which the target "
                                f"does not list (request_object_signing_alg_values_supported: {algs})")
        return "none"
    alg = next((a for a in _KEY_ALGS if algs is None or a in algs), None)
    if alg is None:
        raise NotApplicable(f"a registered client signs its request objects with RS256, PS256 or ES256; the target "
                            f"lists {algs} (request_object_signing_alg_values_supported)")
    return alg


def choose_request_uri_client(target: Target, fits: Callable[[Client], bool], *,
                              unsigned: bool = False) -> HostedChoice:
    """A client whose pre-registered ``request_uris`` the harness hosts (profile first, else registered).

    For a target that requires pre-registration (the caller checks ``require_request_uri_registration``
    and that the profile has a ``request_object_host``). A profile client fits when ``fits(client)``
    and it documents a request_uri on the host's fixed origin (``clients[].documented.request_uris``;
    the host needs ``public_base_url`` or a fixed ``listen_port``). A registered client asks for
    ``request_object_signing_alg``: ``none`` for ``unsigned`` (only where the target lists it),
    else the first of RS256, PS256, ES256 the target lists, with a key the harness makes.
    """
    settings = target.profile.request_object_host
    if settings is None:
        raise NotApplicable("the profile has no request_object_host (an https endpoint on loopback, with a "
                            "certificate the target trusts, where the harness serves request objects)")
    base = fixed_base_url(settings)
    for client in target.profile.clients:
        if fits(client) and _hosts_request_uri(client, base) is not None:
            return HostedChoice(purpose="request_uris", profile_client=client)
    kind = "documented with request_object_signing_alg none " if unsigned else "that signs request objects "
    missing = ("the target requires request_uri pre-registration (require_request_uri_registration) and no "
               f"profile client {kind}documents request_uris on request_object_host "
               "(clients[].documented.request_uris; the host needs public_base_url or a fixed listen_port)")
    refusal = registration_refusal(target)
    if refusal is not None:
        raise NotApplicable(f"{missing}, and the harness does not register one: {refusal}")
    try:
        alg = _request_object_alg(target, unsigned)
        redirect_uri = registration_redirect_uri(target)
    except NotApplicable as exc:
        raise NotApplicable(f"{missing}; the harness could register one, but {exc}") from exc
    except ProfileError as exc:
        raise NotApplicable(f"{missing}; the harness could register one but has no https redirect URI for it "
                            "(registration.redirect_uri, else a code-flow client's)") from exc
    return HostedChoice(purpose="request_uris", registration=_plan(
        target, settings.listen_host, settings.listen_port, redirect_uri=redirect_uri, request_object_alg=alg))


# -- the client, for the duration of the check --------------------------------------------------------

@dataclass
class HostedClient:
    """The client a check uses, the URL the harness serves for it, and where it came from."""

    client: Client
    endpoint: str
    source: Source
    registered: Registered | None = None
    request_uris: tuple[str, ...] = ()

    def notification_receiver(self, target: Target) -> NotificationReceiver:
        """The (not started) receiver for the CIBA notification endpoint."""
        return ciba.receiver_for(target, self.client)

    def logout_receiver(self, target: Target) -> BackchannelLogoutReceiver:
        """The (not started) receiver for the backchannel_logout_uri."""
        return logout_receiver_for(target.profile, self.client)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _hosted_url(plan: _Registration, kind: str) -> str:
    port = plan.listen_port or _free_port(plan.listen_host)
    host = f"[{plan.listen_host}]" if ":" in plan.listen_host else plan.listen_host
    return f"https://{host}:{port}/{kind}/{secrets.token_urlsafe(12)}"


def _keys(stack: ExitStack, plan: _Registration) -> tuple[dict[str, Any], Path | None]:
    """Fresh keys for the registered client, the private JWKS in a 0600 file.

    For private_key_jwt the public set (with the request object key, if any) is served at a
    jwks_uri of the harness's; for request objects alone it is passed by value (``jwks``).
    """
    algs = [a for a in (plan.signing_alg if plan.auth_method == "private_key_jwt" else None,
                        plan.request_object_alg) if a in _KEY_ALGS]
    algs = list(dict.fromkeys(algs))
    if not algs or (plan.auth_method == "private_key_jwt" and plan.key_host is None):
        return {}, None
    keys = [(alg, jose.generate_key(_KEY_ALGS[alg], label=f"hosted-{secrets.token_hex(4)}", use="sig", fresh=True))
            for alg in algs]
    directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="oauth-harness-hosted-")))
    private = directory / "client.jwks.json"
    private.touch(mode=0o600)
    private.write_text(json.dumps({"keys": [{**key.as_dict(private=True), "alg": alg} for alg, key in keys]}))
    public = {"keys": [{**jose.public_jwk(key), "alg": alg} for alg, key in keys]}
    members: dict[str, Any] = {}
    if plan.request_object_alg in _KEY_ALGS:
        members["request_object_signing_alg"] = plan.request_object_alg
    if plan.auth_method != "private_key_jwt" or plan.key_host is None:
        return {**members, "jwks": public}, private  # OIDC Registration §2: "passed by value"
    host = stack.enter_context(SectorHost(plan.key_host))
    stack.callback(lambda: evidence.note(f"the client's jwks_uri was fetched {host.record_fetches()} time(s)"))
    uri = host.publish_json(public, kind="jwks")
    return {**members, "jwks_uri": uri, "token_endpoint_auth_signing_alg": plan.signing_alg}, private


def _metadata(choice: HostedChoice, plan: _Registration, endpoint: str) -> dict[str, Any]:
    base: dict[str, Any] = {"client_name": f"oauth-harness hosted {secrets.token_hex(4)}",
                            "token_endpoint_auth_method": plan.auth_method}
    if choice.purpose == "request_uris":
        return {**base, "redirect_uris": [plan.redirect_uri], "grant_types": ["authorization_code"],
                "response_types": ["code"], "request_uris": [endpoint],
                **({"request_object_signing_alg": "none"} if plan.request_object_alg == "none" else {})}
    if choice.purpose == "backchannel_logout":
        return {**base, "redirect_uris": [plan.redirect_uri], "grant_types": ["authorization_code"],
                "response_types": ["code"], "backchannel_logout_uri": endpoint,
                **({"backchannel_logout_session_required": True} if plan.session_required else {})}
    return {**base, "grant_types": [ciba.GRANT_TYPE], "response_types": [], "redirect_uris": [],
            "backchannel_token_delivery_mode": choice.purpose, "backchannel_client_notification_endpoint": endpoint}


_ECHOED = ("backchannel_token_delivery_mode", "backchannel_client_notification_endpoint", "backchannel_logout_uri",
           "backchannel_logout_session_required", "token_endpoint_auth_method", "request_uris",
           "request_object_signing_alg")
_WHAT = {"backchannel_logout": "back-channel logout", "request_uris": "request_uri pre-registered"}
_MEMBER = {"backchannel_logout": "logout.backchannel_logout_uri", "request_uris": "documented.request_uris"}


def _register(target: Target, registrar: Registrar, metadata: dict[str, Any], choice: HostedChoice) -> Registered:
    what = _WHAT.get(choice.purpose, f"CIBA {choice.purpose}-mode")
    answer = registrar.post(metadata, label=f"register a {what} client the harness hosts the endpoint of")
    member = _MEMBER.get(choice.purpose, "documented.ciba_notification_endpoint")
    remedy = f"name a pre-registered client in the profile (clients[].{member}) or set " \
             "registration.register_hosted_clients: false"
    if not 200 <= answer.status < 300 or not registrar.registered:
        error = (answer.body or {}).get("error") if answer.body else None
        raise ProfileError(f"the target did not register the {what} client the check needs (HTTP {answer.status}"
                           f"{f' error={error}' if error else ''}): {remedy}")
    registered = registrar.last()
    changed = [m for m in _ECHOED if m in metadata and m in registered.body and registered.body[m] != metadata[m]]
    if changed:  # RFC 7591 §3.2.1: the server MAY replace requested values; this client is then of no use
        raise ProfileError(f"the target registered the {what} client with other {', '.join(changed)} than asked "
                           f"({', '.join(f'{m}={registered.body[m]!r}' for m in changed)}): {remedy}")
    return registered


def _client(choice: HostedChoice, plan: _Registration, registered: Registered, endpoint: str,
            jwks_file: Path | None) -> Client:
    client = registered.client(scope="openid", jwks_file=jwks_file)
    documented = ClientDocumented(token_endpoint_auth_signing_alg=plan.signing_alg,
                                  request_object_signing_alg=plan.request_object_alg)
    update: dict[str, Any] = {"description": f"registered by the harness for this check ({choice.purpose}); "
                                             f"endpoint {endpoint}"}
    if choice.purpose == "request_uris":
        documented = documented.model_copy(update={"request_uris": [endpoint]})
    elif choice.purpose == "backchannel_logout":
        update["logout"] = ClientLogout(backchannel_logout_uri=endpoint,
                                        backchannel_logout_session_required=bool(
                                            registered.body.get("backchannel_logout_session_required",
                                                                plan.session_required)))
    else:
        documented = documented.model_copy(update={"ciba_delivery_mode": choice.purpose,
                                                   "ciba_notification_endpoint": endpoint})
        update.update(grant_types=[ciba.GRANT_TYPE], response_types=[], redirect_uris=[])
    update["documented"] = documented
    return client.model_copy(update=update)


@contextmanager
def hosted_client(target: Target, choice: HostedChoice, *, request_uri: str | None = None) -> Iterator[HostedClient]:
    """The chosen client for the check's duration: a registered one is deleted (RFC 7592) when it ends.

    ``request_uri`` (purpose ``request_uris``) is the URL reserved on the request object host
    that a registered client is registered with; a profile client brings its own.
    """
    if choice.profile_client is not None:
        client = choice.profile_client
        if choice.purpose == "request_uris":
            endpoint = request_uri or ""
        elif choice.purpose == "backchannel_logout":
            endpoint = client.logout.backchannel_logout_uri or ""
        else:
            endpoint = client.documented.ciba_notification_endpoint or ""
        evidence.note(f"client {client.id}: a profile client" + (f" (the harness hosts its endpoint {endpoint})"
                                                                    if endpoint else ""))
        yield HostedClient(client=client, endpoint=endpoint, source="profile",
                           request_uris=tuple(client.documented.request_uris))
        return
    plan = choice.registration
    if plan is None:
        raise ProfileError("a hosted-client choice names neither a profile client nor a registration")
    if choice.purpose == "request_uris" and not request_uri:
        raise HarnessError("a request_uri client is registered with a URL reserved on the request object host")
    kind = "backchannel-logout" if choice.purpose == "backchannel_logout" else "ciba-notify"
    with ExitStack() as stack:
        registrar = stack.enter_context(Registrar(target))
        keys, jwks_file = _keys(stack, plan)
        endpoint = request_uri if choice.purpose == "request_uris" and request_uri else _hosted_url(plan, kind)
        registered = _register(target, registrar, {**_metadata(choice, plan, endpoint), **keys}, choice)
        client = _client(choice, plan, registered, endpoint, jwks_file)
        where = ", keys at a jwks_uri the harness serves" if "jwks_uri" in keys else \
            ", request object keys passed by value (jwks)" if "jwks" in keys else ""
        hosts = f"request_uris [{endpoint}]" if choice.purpose == "request_uris" else f"endpoint {endpoint}"
        evidence.note(f"client {client.id}: registered for this check (RFC 7591, {plan.auth_method}{where}); "
                      f"no profile client fits; the harness hosts its {hosts}; it is deleted when the check ends "
                      "(RFC 7592)")
        yield HostedClient(client=client, endpoint=endpoint, source="registered", registered=registered,
                           request_uris=(endpoint,) if choice.purpose == "request_uris" else ())


@contextmanager
def request_uri_client(target: Target, choice: HostedChoice, host: ObjectHost) -> Iterator[HostedClient]:
    """The client and a ``request_uri`` reserved for it on the started ``host`` (``HostedClient.endpoint``).

    A profile client's documented URL is reserved as it is (reused across checks: fill it with
    ``put(..., fragment_hash=True)``); otherwise a fresh URL is reserved and a client registered
    with ``request_uris: [that URL]`` before any request object exists (OIDC Registration §2).
    """
    if choice.purpose != "request_uris":
        raise HarnessError(f"request_uri_client needs a request_uris choice, not {choice.purpose}")
    if choice.profile_client is not None:
        documented = _hosts_request_uri(choice.profile_client, fixed_base_url(host.settings))
        if documented is None:
            raise ProfileError(f"client {choice.profile_client.id} documents no request_uri on the request object "
                               "host")
        reserved = host.reserve_url(documented)
    else:
        reserved = host.reserve()
    with hosted_client(target, choice, request_uri=reserved) as hosted:
        yield hosted
