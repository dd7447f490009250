"""The target under test: its profile, its HTTP client, its discovery metadata and keys."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from harness.http import TargetHttp, json_object, origin_of
from harness.profile import AuthMethod, Client, TargetProfile
from harness.results import HarnessError, ProfileError, TargetUnreachable
from harness.specs._http import media_type


class UnusableDocument(TargetUnreachable):
    """Discovery metadata answered with a non-200 status or a non-JSON type, or a JWK Set with a non-200 status.

    Such an answer is never used as data (OIDC Discovery §4.2 / RFC 8414 §3.2: "A successful
    response MUST use the 200 OK HTTP status code and return a JSON object using the
    application/json content type"). The checks that judge the response itself
    (``discovery.document_served_as_json``, ``discovery.jwks_document``) report it as a *failed*
    finding with that rule; every other check that merely needs the data ends *broken* with this
    message, which names the status and type the target sent.
    """


def _is_json_type(value: str | None) -> bool:
    """``application/json`` or a ``+json`` structured suffix (``application/jwk-set+json``, RFC 7517 §8.5)."""
    return value == "application/json" or (value is not None and value.startswith("application/")
                                           and value.endswith("+json"))


def usable_json(response: httpx.Response, what: str, url: str, *, json_type_required: bool = True) -> dict[str, Any]:
    """The JSON object of a metadata/JWKS answer, or :class:`UnusableDocument` when it must not be used.

    ``json_type_required=False`` for the JWK Set: no sentence fixes its media type (RFC 7517 §8.5
    only registers ``application/jwk-set+json``), so a JWK Set served as ``text/plain`` is used
    when its body is one; discovery must be ``application/json`` (OIDC Discovery §4.2, RFC 8414 §3.2).
    """
    attempts = f" ({response.extensions.get('harness_attempts')} attempts)" \
        if response.extensions.get("harness_attempts", 1) > 1 else ""
    if response.status_code != 200:
        raise UnusableDocument(f"{what} {url} answered HTTP {response.status_code}{attempts}, not 200: "
                               "the answer is not used as data")
    mtype = media_type(response.headers)
    if json_type_required and not _is_json_type(mtype):
        raise UnusableDocument(f"{what} {url} answered HTTP 200 with content type {mtype or 'none'}, not "
                               "application/json: the answer is not used as data")
    try:
        return json_object(response, what)
    except TargetUnreachable as exc:  # answered, but not a JSON object (truncated, NaN, nested too deep)
        raise UnusableDocument(f"{exc}: the answer is not used as data") from exc


class NotApplicable(Exception):
    """The check does not apply to this target (reported as *skipped*, with the reason)."""


@dataclass
class Target:
    """A connected target. Discovery and JWKS are fetched once and cached."""

    profile: TargetProfile
    http: TargetHttp
    _metadata: dict[str, Any] | None = None
    _metadata_error: Exception | None = None
    _jwks: dict[str, Any] | None = None
    _jwks_error: Exception | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_profile(cls, profile: TargetProfile) -> Target:
        """Build the HTTP layer from the profile (allowed origins, trust, timeouts)."""
        origins = {profile.issuer, profile.effective_discovery_url, *profile.allowed_origins}
        return cls(profile=profile, http=cls._http(profile, origins, keep_cookies=False))

    @staticmethod
    def _http(profile: TargetProfile, origins: set[str], *, keep_cookies: bool) -> TargetHttp:
        return TargetHttp(
            allowed_origins=origins, ca_file=profile.tls.ca_file, verify=profile.tls.verify,
            connect_timeout=profile.timeouts.connect, read_timeout=profile.timeouts.read,
            keep_cookies=keep_cookies, max_response_bytes=profile.limits.max_response_bytes,
            exchange_deadline_s=profile.timeouts.exchange,
        )

    def new_session(self) -> TargetHttp:
        """A separate HTTP client with its own cookie jar (a fresh user agent)."""
        return self.http.session()

    # -- metadata ------------------------------------------------------------------------
    @property
    def metadata(self) -> dict[str, Any]:
        """The discovery document (fetched on first use, transient failures retried; a failure is *broken*)."""
        with self._lock:
            if self._metadata is None:
                if self._metadata_error is not None:
                    # fail fast: a hanging or broken discovery endpoint costs one timeout, not one per check
                    raise TargetUnreachable(f"discovery unavailable (first attempt failed): {self._metadata_error}")
                try:
                    self._metadata = self.fetch_metadata_fresh()
                except HarnessError as exc:
                    self._metadata_error = exc
                    raise
            return self._metadata

    def fetch_metadata_fresh(self) -> dict[str, Any]:
        """Fetch the discovery document again, recording the exchange(s) on the current check.

        Transient failures are retried (:meth:`TargetHttp.get_idempotent`); a non-200 or
        non-JSON answer raises :class:`UnusableDocument`.
        """
        url = self.profile.effective_discovery_url
        return usable_json(self.http.get_idempotent(url, label="discovery"), "discovery document", url)

    @property
    def jwks(self) -> dict[str, Any]:
        """The JWK Set at ``jwks_uri`` (fetched once, transient failures retried; a failure is cached)."""
        with self._lock:
            cached, error = self._jwks, self._jwks_error
        if error is not None:
            raise TargetUnreachable(f"JWK Set unavailable (first attempt failed): {error}")
        if cached is None:
            uri = self.endpoint("jwks_uri")
            try:
                cached = usable_json(self.http.get_idempotent(uri, label="jwks"), "JWK Set", uri,
                                     json_type_required=False)
            except HarnessError as exc:
                with self._lock:
                    self._jwks_error = exc
                raise
            with self._lock:
                self._jwks = cached
        return cached

    def endpoint(self, member: str) -> str:
        """An endpoint URL from the metadata (else the profile's ``endpoints``); *skipped* when neither has it."""
        value = self.metadata.get(member)
        if not isinstance(value, str) or not value:
            value = self.profile.endpoints.get(member)
        if not value:
            raise NotApplicable(f"the target does not advertise {member} in its discovery document")
        return value

    def offers(self, member: str) -> bool:
        """Whether the metadata publishes ``member`` (or the profile names it as an unadvertised endpoint)."""
        return self.metadata.get(member) not in (None, False, [], "") or bool(self.profile.endpoints.get(member))

    def mtls_endpoint(self, member: str) -> str:
        """The ``mtls_endpoint_aliases`` entry for ``member`` (RFC 8705 §5), else the plain one."""
        aliases = self.metadata.get("mtls_endpoint_aliases")
        if isinstance(aliases, dict) and isinstance(aliases.get(member), str):
            return str(aliases[member])
        return self.endpoint(member)

    def token_endpoint_for(self, client: Client) -> str:
        """Where ``client`` sends token requests (the mTLS alias for certificate clients)."""
        if client.cert_file is not None and client.auth_method in (
                AuthMethod.TLS_CLIENT_AUTH, AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH) or (
                client.cert_file is not None and client.documented.certificate_bound):
            return self.mtls_endpoint("token_endpoint")
        return self.endpoint("token_endpoint")

    def advertises(self, member: str, value: Any = True) -> bool:
        """Whether the metadata lists ``value`` in (or sets ``value`` as) ``member``."""
        current = self.metadata.get(member)
        if isinstance(current, list):
            return value in current
        return bool(current == value)

    def allowed_hosts(self) -> set[str]:
        """Host names of the origins the profile names."""
        return {urlsplit(origin).hostname or "" for origin in self.http.allowed_origins}

    def on_target(self, url: str) -> bool:
        """Whether ``url`` belongs to an origin the profile names."""
        return origin_of(url) in self.http.allowed_origins

    # -- clients and users ---------------------------------------------------------------
    def pick_client(self, *, purpose: str, confidential: bool | None = None, grant: str = "authorization_code",
                    response_type: str | None = None, exclude: tuple[str, ...] = (),
                    require_pkce: bool | None = None, plain: bool = True,
                    methods: tuple[AuthMethod, ...] | None = None) -> Client:
        """The first suitable client, or *skipped* naming what was needed.

        ``plain=True`` avoids clients documented to need PAR, signed requests or JARM, so a
        plain authorization request is valid for them.
        """
        for client in self.profile.clients:
            if not client.use_in_suites or client.id in exclude or grant not in client.grant_types:
                continue
            if confidential is not None and client.is_public == confidential:
                continue
            if response_type is not None and response_type not in client.response_types:
                continue
            if require_pkce is not None and client.documented.require_pkce != require_pkce:
                continue
            if methods is not None and client.auth_method not in methods:
                continue
            doc = client.documented
            if plain and (doc.require_par or doc.require_signed_requests or doc.require_jarm):
                continue
            return client
        raise NotApplicable(f"the profile has no client suitable for {purpose}")

    def user(self, index: int = 0) -> Any:
        """A test user from the profile."""
        users = self.profile.users
        if index >= len(users):
            raise ProfileError(f"the check needs {index + 1} test users; the profile has {len(users)}")
        return users[index]

    def close(self) -> None:
        """Close the network resources."""
        self.http.close()
