"""Authorization requests and responses (RFC 6749 §4.1, OIDC Core §3.1.2).

A negative test is "the happy path with one step changed": :func:`build_authorization_request`
builds a complete, valid request, and its ``extra``/``drop`` arguments change or remove one
parameter. :class:`AuthorizationOutcome` is what the user agent observed at the end: a
redirect to the client (query, fragment or form post) or an error page at the server.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from harness.profile import Client
from harness.results import CheckFailed
from harness.specs import rfc7636
from harness.specs._redirect_target import at_redirect_uri, off_redirect_uri_finding
from harness.target import Target

PkceMode = Literal["S256", "plain", "none", "auto"]


@dataclass
class AuthorizationRequest:
    """A front-channel authorization request, with what the client must remember."""

    endpoint: str
    params: dict[str, str]
    client: Client
    redirect_uri: str
    state: str | None = None
    nonce: str | None = None
    code_verifier: str | None = None

    def url(self) -> str:
        """The request URL sent to the user agent."""
        separator = "&" if urlsplit(self.endpoint).query else "?"
        return f"{self.endpoint}{separator}{urlencode(self.params)}"


def build_authorization_request(
    target: Target, client: Client, *, response_type: str = "code", scope: str | None = None,
    pkce: PkceMode = "auto", redirect_uri: str | None = None, response_mode: str | None = None,
    extra: dict[str, str] | None = None, drop: tuple[str, ...] = (),
) -> AuthorizationRequest:
    """A valid authorization request for ``client``; ``extra`` overrides, ``drop`` removes.

    PKCE ``auto`` uses S256 when the client is public, is documented to require PKCE, or the
    server advertises S256 (RFC 9700 §2.1.1 recommends PKCE for every client).
    """
    redirect = redirect_uri or client.redirect_uris[0]
    state = secrets.token_urlsafe(16)
    nonce = secrets.token_urlsafe(16)
    params: dict[str, str] = {
        "response_type": response_type,
        "client_id": client.id,
        "redirect_uri": redirect,
        "scope": scope or client.scope,
        "state": state,
    }
    if "openid" in params["scope"].split():
        params["nonce"] = nonce
    if response_mode:
        params["response_mode"] = response_mode
    verifier: str | None = None
    use_pkce = pkce
    if pkce == "auto":
        advertised = target.metadata.get("code_challenge_methods_supported") or []
        wanted = client.is_public or client.documented.require_pkce or "S256" in advertised
        use_pkce = "S256" if wanted else "none"
    if use_pkce in ("S256", "plain"):
        verifier = rfc7636.make_verifier()
        params["code_challenge_method"] = use_pkce
        params["code_challenge"] = rfc7636.s256_challenge(verifier) if use_pkce == "S256" else verifier
    if extra:
        params.update(extra)
    for name in drop:
        params.pop(name, None)
    return AuthorizationRequest(
        endpoint=target.endpoint("authorization_endpoint"), params=params, client=client,
        redirect_uri=params.get("redirect_uri", redirect),
        state=params.get("state"), nonce=params.get("nonce"), code_verifier=verifier,
    )


@dataclass
class ErrorPage:
    """The server showed a page instead of redirecting back to the client."""

    url: str
    status: int
    text_excerpt: str


@dataclass
class AuthorizationOutcome:
    """What came back to the client at the end of the front channel."""

    redirect_url: str | None = None
    query: dict[str, str] = field(default_factory=dict)
    fragment: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    via: Literal["redirect", "form_post", "error_page"] = "redirect"
    error_page: ErrorPage | None = None
    login_form_shown: bool = False
    consent_form_shown: bool = False

    @classmethod
    def from_redirect(cls, url: str, *, login_form_shown: bool = False,
                      consent_form_shown: bool = False) -> AuthorizationOutcome:
        """Parse a redirect URL into query and fragment parameters."""
        parts = urlsplit(url)
        return cls(redirect_url=url, query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                   fragment=dict(parse_qsl(parts.fragment, keep_blank_values=True)),
                   login_form_shown=login_form_shown, consent_form_shown=consent_form_shown)

    @property
    def redirected(self) -> bool:
        """Whether the user agent was sent back to a client URL."""
        return self.via in ("redirect", "form_post") and self.redirect_url is not None

    @property
    def params(self) -> dict[str, str]:
        """The response parameters wherever they were delivered (form, then query, then fragment)."""
        return self.form or self.query or self.fragment

    def describe(self) -> str:
        """A short human description for messages."""
        if self.error_page is not None:
            return f"error page HTTP {self.error_page.status} at {self.error_page.url}"
        keys = sorted(self.params)
        return f"{self.via} to {self.redirect_url} with parameters {keys}"


class OffRedirectUri(CheckFailed):
    """The authorization response went somewhere else than the ``redirect_uri`` the client sent.

    Raised by every user-agent driver (a *failed* finding, ``AUTHORIZATION_RESPONSE_OFF_REDIRECT_URI``,
    RFC 6749 §3.1.2.4) so that no check builds on a response the client never received. ``outcome``
    keeps what the user agent saw, for the few checks that send a redirect URI the server should
    refuse: :meth:`outcome_if_registered` gives it back when the server answered at a URI the client
    registered (a legitimate way to report the error), and re-raises otherwise.
    """

    def __init__(self, outcome: AuthorizationOutcome, sent_redirect_uri: str) -> None:
        super().__init__(off_redirect_uri_finding(outcome.redirect_url or "", sent_redirect_uri, via=outcome.via))
        self.outcome = outcome
        self.sent_redirect_uri = sent_redirect_uri

    def outcome_if_registered(self, registered: Iterable[str]) -> AuthorizationOutcome:
        """The outcome when it landed at one of the ``registered`` redirect URIs; otherwise raise ``self``."""
        landed = self.outcome.redirect_url or ""
        if any(at_redirect_uri(landed, uri) for uri in registered):
            return self.outcome
        raise self


def at_sent_redirect_uri(outcome: AuthorizationOutcome, redirect_uri: str) -> AuthorizationOutcome:
    """``outcome`` when it is an error page or arrived at ``redirect_uri``; raise :class:`OffRedirectUri` otherwise.

    Every driver passes its result through here before returning it: the comparison is exact on
    scheme, host, port and path, and the response may add query parameters
    (:func:`harness.specs._redirect_target.at_redirect_uri`).
    """
    if outcome.redirect_url is not None and outcome.via in ("redirect", "form_post") \
            and not at_redirect_uri(outcome.redirect_url, redirect_uri):
        raise OffRedirectUri(outcome, redirect_uri)
    return outcome
