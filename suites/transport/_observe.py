"""What the transport checks observe: the target's https origins, TLS probes, pages a user sees.

Kept apart from the checks so each check reads as one question and one judgement. Everything here
talks to the target only through :mod:`harness.http` (pages, plain-http probes) and
:mod:`harness.flows.tls_probe` (handshakes), both confined to the profile's origins.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from harness import evidence
from harness.flows.authorization import build_authorization_request
from harness.flows.tls_probe import Handshake, TlsProber, prober_for
from harness.http import TargetHttp, origin_of, try_json_object
from harness.profile import Client
from harness.results import NeedsReview, ProfileError, TargetUnreachable, fail
from harness.specs.transport import CertificateFacts, PlainAnswer, Probe
from harness.target import NotApplicable, Target

BROWSER_MEMBERS = ("authorization_endpoint", "end_session_endpoint", "check_session_iframe")
"""Metadata members of endpoints a browser visits (FAPI 2.0 SP §5.2.3); every other endpoint is server-to-server."""


def _endpoint_urls(target: Target) -> dict[str, str]:
    """Every endpoint URL the profile and discovery name, by member (aliases as ``mtls:<member>``)."""
    urls: dict[str, str] = {"issuer": target.profile.issuer, "discovery": target.profile.effective_discovery_url}
    for member, value in target.metadata.items():
        if isinstance(value, str) and (member.endswith("_endpoint") or member in ("jwks_uri", "check_session_iframe")):
            urls[member] = value
    aliases = target.metadata.get("mtls_endpoint_aliases")
    if isinstance(aliases, dict):
        urls.update({f"mtls:{m}": v for m, v in aliases.items() if isinstance(v, str)})
    for member, value in target.profile.endpoints.items():
        urls.setdefault(member, value)
    return urls


def https_origins(target: Target, *, browser: bool | None = None) -> list[str]:
    """The https origins to probe: endpoints of the profile/discovery on origins the profile allows.

    ``browser=False`` keeps only origins serving a server-to-server endpoint (FAPI 2.0 SP §5.2.2);
    ``True`` only those serving a browser-facing one. Skipped (before any probe) when there is none.
    """
    urls = _endpoint_urls(target)
    if browser is not None:
        urls = {m: u for m, u in urls.items() if m != "issuer" and (m in BROWSER_MEMBERS) is browser}
    named = {origin_of(u) for u in urls.values() if u.startswith("https://")}
    allowed = sorted(named & target.http.allowed_origins)
    outside = sorted(named - target.http.allowed_origins)
    if outside:
        evidence.note(f"not probed (not an origin of the profile): {', '.join(outside)}")
    if not allowed:
        raise NotApplicable("the profile and discovery name no https endpoint origin"
                            + (" serving server-to-server endpoints" if browser is False else "")
                            + ": there is no TLS to probe")
    return allowed


def prober(target: Target) -> TlsProber:
    """A TLS prober confined to the profile's https origins and bounded by its deadlines."""
    return prober_for(target.http.allowed_origins, connect_timeout=target.profile.timeouts.connect,
                      deadline_s=target.http.exchange_deadline_s, ca_file=target.profile.tls.ca_file)


def as_probe(result: Handshake) -> Probe:
    """The judging view of a handshake; a probe that got no answer at all is *broken* (network), not judged."""
    if result.timed_out or result.unreachable:
        raise TargetUnreachable(f"TLS probe of {result.origin}: {result.error} (the harness cannot tell refusal "
                                "from silence)")
    return Probe(origin=result.origin, established=result.established, version=result.version,
                 cipher=result.cipher, detail=result.describe())


def certificate_facts(origin: str, der: bytes) -> CertificateFacts:
    """Key type, size and signature hash of a DER leaf certificate."""
    cert = x509.load_der_x509_certificate(der)
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        kind, bits = "RSA", key.key_size
    elif isinstance(key, ec.EllipticCurvePublicKey):
        kind, bits = "EC", key.curve.key_size
    else:
        kind, bits = type(key).__name__.replace("PublicKey", ""), 256
    algorithm = cert.signature_hash_algorithm
    return CertificateFacts(origin=origin, key_type=kind, key_bits=bits,
                            signature_hash=algorithm.name.lower() if algorithm is not None else None)


# -- pages a user sees ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A page the user agent rendered: where, its headers (as received) and its body."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: str

    @property
    def origin(self) -> str:
        return origin_of(self.url)


def _as_page(url: str, response: httpx.Response) -> Page:
    return Page(url=url, status=response.status_code, headers=list(response.headers.multi_items()),
                body=response.text[:200_000])


def walk(session: TargetHttp, url: str, *, label: str, max_hops: int = 10) -> Page:
    """GET ``url`` and follow redirects that stay on the target's origins, up to the first page."""
    current = url
    for hop in range(max_hops):
        response = session.get(current, label=f"{label} ({hop + 1})")
        if not response.is_redirect:
            return _as_page(current, response)
        location = response.headers.get("location", "")
        nxt = urljoin(current, location)
        if not location or origin_of(nxt) not in session.allowed_origins:
            return _as_page(current, response)
        current = nxt
    raise TargetUnreachable(f"{label}: more than {max_hops} redirects before a page")


def page_client(target: Target) -> Client:
    """The client whose authorization request opens the login page (a plain code-flow client)."""
    return target.pick_client(purpose="transport pages")


def login_page(target: Target) -> Page:
    """The page a valid authorization request shows a user without a session (the login page).

    A request that leaves the target before any page (a redirect to the client) broke the rule the
    valid request relies on: a ``PRECONDITION_*`` failure, not a page to judge.
    """
    request = build_authorization_request(target, page_client(target))
    page = walk(target.new_session(), request.url(), label="authorization page")
    if 300 <= page.status < 400:
        raise fail("PRECONDITION_NO_LOGIN_PAGE", "a valid authorization request without a session showed no page",
                   "RFC6749-4.1", expected="a login page on the target", actual=f"HTTP {page.status} to "
                   f"{origin_of(urljoin(page.url, dict(page.headers).get('location', '') or ''))}")
    return page


def consent_page(target: Target, user_agent: Any) -> Page:
    """The consent page, as the http_form user agent saw it while approving a valid request."""
    settings = target.profile.login
    if settings.driver != "http_form" or not settings.http_form.consent_form_id:
        raise NotApplicable("the consent page is observed through the http_form login driver with a "
                            "consent_form_id; this profile uses another driver")
    client = page_client(target)
    request = build_authorization_request(target, client)
    log = evidence.current()
    first = len(log.exchanges)
    user_agent().authorize(request.url(), user=target.user(0), redirect_uri=request.redirect_uri)
    marker = f'id="{settings.http_form.consent_form_id}"'
    for exchange in log.exchanges[first:]:
        if exchange.status == 200 and marker in exchange.response_body:
            return Page(url=exchange.url, status=200, headers=list(exchange.response_headers),
                        body=exchange.response_body)
    raise NeedsReview("no consent page appeared for a valid request (the target did not ask for consent, or its "
                      f"form has no id {settings.http_form.consent_form_id!r}): no consent page to judge")


def device_verification_page(target: Target) -> Page:
    """The verification page a device authorization sends the user to (RFC 8628 §3.3)."""
    from harness.flows.device import start

    client = target.pick_client(purpose="transport device page", grant="urn:ietf:params:oauth:grant-type:device_code")
    auth = start(target, client)
    if not target.on_target(auth.verification_uri):
        raise ProfileError(f"the verification_uri's origin {origin_of(auth.verification_uri)} is not an origin of the "
                           "profile (hint: add it to 'allowed_origins' to have its page checked)")
    return walk(target.new_session(), auth.verification_uri, label="device verification page")


def logout_page(target: Target) -> Page:
    """The page the end-session endpoint shows a user agent without a session (OIDC RP-Initiated Logout §2)."""
    return walk(target.new_session(), target.endpoint("end_session_endpoint"), label="end-session page")


# -- plain http -------------------------------------------------------------------------------------


def plain_url(url: str) -> str:
    """The same URL with the ``http`` scheme (an explicit port kept; 443 becomes the default port 80)."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port and parts.port != 443:
        netloc += f":{parts.port}"
    return urlunsplit(("http", netloc, parts.path, parts.query, ""))


def probe_request(target: Target, member: str, url: str) -> tuple[str, str, dict[str, str] | None]:
    """A request to ``member`` that carries no credential: method, URL, form body."""
    if member == "authorization_endpoint":
        return "GET", build_authorization_request(target, page_client(target)).url(), None
    if member == "userinfo_endpoint":
        return "GET", url, None
    client_id = target.profile.clients[0].id
    data = {"client_id": client_id}
    if member == "token_endpoint":
        data |= {"grant_type": "authorization_code", "code": secrets.token_urlsafe(24),
                 "redirect_uri": target.profile.clients[0].redirect_uris[0]}
    elif member in ("revocation_endpoint", "introspection_endpoint"):
        data["token"] = secrets.token_urlsafe(24)
    elif member == "pushed_authorization_request_endpoint":
        data |= {"response_type": "code", "redirect_uri": target.profile.clients[0].redirect_uris[0]}
    return "POST", url, data


def answer(session: TargetHttp, method: str, url: str, data: dict[str, str] | None, *, label: str) -> PlainAnswer:
    """One request and what came back, an absent HTTP answer included (refused, reset, not HTTP)."""
    try:
        response = session.request(method, url, data=data, label=label, raise_transport_errors=True)
    except (httpx.TransportError, TargetUnreachable) as exc:
        return PlainAnswer(answered=False, error=str(exc), detail=f"{method} {url}: no HTTP answer ({exc})")
    body = try_json_object(response)
    location = response.headers.get("location")
    challenge = response.headers.get("www-authenticate")
    detail = f"{method} {url}: HTTP {response.status_code}" + (f" Location: {location}" if location else "") + (
        f" error={body.get('error')}" if body and body.get("error") else "")
    return PlainAnswer(answered=True, status=response.status_code, location=location, body=body, challenge=challenge,
                       detail=detail)
