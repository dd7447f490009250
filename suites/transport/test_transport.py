"""Transport security of every endpoint origin, and the headers of the pages a user sees.

TLS checks probe each https origin the profile and discovery name (and the profile allows) with
raw handshakes pinned to one protocol version or one family of cipher suites
(:mod:`harness.flows.tls_probe`); they never send a request. A probe that gets no answer within
the exchange deadline is *broken* (network), never a pass. The certificate is judged by one check
(``certificate_verifies``): the other probes do not verify it, so a bad certificate is one finding,
not every check broken. Plain ``http://`` is tried on the https endpoints with requests that carry
no credential, and compared with the https answer to the same request. Header checks read the
pages a user agent renders: the login page of a valid authorization request, the consent page
(http_form driver), the device verification page and the end-session page, plus
``transport.pages`` of the profile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from harness import evidence
from harness.flows.code_flow import complete_code_flow
from harness.flows.tls_probe import CannotOffer, offerable
from harness.http import origin_of
from harness.results import Findings, Level, NeedsReview, TargetUnreachable
from harness.specs import transport
from harness.target import NotApplicable, Target
from suites.transport import _observe
from suites.transport._observe import Page

requirement = pytest.mark.requirement


def _old_version(target: Target, version: str) -> None:
    origins = _observe.https_origins(target)
    prober = _observe.prober(target)
    try:
        probes = [_observe.as_probe(prober.handshake(o, min_version=version, max_version=version)) for o in origins]
    except CannotOffer as exc:
        pytest.skip(f"{exc}: the harness cannot ask whether {version} is refused on this platform")
    transport.check_old_version_refused(probes, version)


@requirement("RFC8996-4")
def test_tls10_refused(target: Target) -> None:
    """No endpoint origin completes a TLS 1.0 handshake (RFC 8996 §4: MUST NOT be negotiated)."""
    _old_version(target, "TLSv1")


@requirement("RFC8996-5")
def test_tls11_refused(target: Target) -> None:
    """No endpoint origin completes a TLS 1.1 handshake (RFC 8996 §5: MUST NOT be negotiated)."""
    _old_version(target, "TLSv1.1")


@requirement("RFC9325-3.1.1-tls13")
def test_tls13_offered(target: Target) -> None:
    """Every endpoint origin completes a TLS 1.3 handshake (RFC 9325 §3.1.1: SHOULD support TLS 1.3)."""
    prober = _observe.prober(target)
    probes = [_observe.as_probe(prober.handshake(o, min_version="TLSv1.3", max_version="TLSv1.3"))
              for o in _observe.https_origins(target)]
    transport.check_tls13_offered(probes)


@requirement("RFC9325-4.1-null", "RFC9325-4.1-rc4", "RFC9325-4.1-112", "RFC9325-4.1-128",
             "RFC9325-4.1-static_rsa", "RFC9325-4.1-dhe")
def test_forbidden_suites_refused(target: Target) -> None:
    """TLS 1.2 offering only NULL, RC4, export/DES, 3DES, static-RSA or DHE suites is refused (RFC 9325 §4.1)."""
    origins = _observe.https_origins(target)
    prober = _observe.prober(target)
    results: dict[str, list[transport.Probe]] = {}
    for category in transport.FORBIDDEN_CATEGORIES:
        if not offerable(category.openssl):
            evidence.note(f"{category.name} ({category.what}): this platform's OpenSSL cannot offer such a suite; "
                          "not probed")
            continue
        results[category.name] = [
            _observe.as_probe(prober.handshake(o, min_version="TLSv1.2", max_version="TLSv1.2",
                                               ciphers=category.openssl)) for o in origins]
    if not results:
        pytest.skip("this platform's OpenSSL can offer none of the suites RFC 9325 §4.1 rules out")
    transport.check_forbidden_suites(results)


@requirement("FAPI2SP-5.2.2-1", "RFC9325-4.2")
def test_tls12_recommended_suites_only(target: Target) -> None:
    """TLS 1.2 negotiates only RFC 9325 §4.2's suites (where the profile asks for it, e.g. FAPI 2.0 §5.2.2)."""
    policy = target.profile.transport
    if not (policy.fapi2_tls or policy.require_bcp195_ciphers):
        pytest.skip("the profile sets neither transport.fapi2_tls nor transport.require_bcp195_ciphers: other "
                    "TLS 1.2 suites are allowed (RFC 9325 §4.2 recommends, §4.1 rules out: forbidden_suites_refused)")
    prober = _observe.prober(target)
    others = [name for name in offerable("ALL:!aNULL") if name not in transport.RECOMMENDED_TLS12_SUITES]
    accepted: dict[str, list[str]] = {}
    for origin in _observe.https_origins(target, browser=False if policy.fapi2_tls else None):
        remaining = list(others)
        while remaining and len(accepted.get(origin, [])) < 12:
            probe = _observe.as_probe(prober.handshake(origin, min_version="TLSv1.2", max_version="TLSv1.2",
                                                       ciphers=":".join(remaining)))
            if not probe.established or probe.cipher not in remaining:
                break
            accepted.setdefault(origin, []).append(probe.cipher)
            remaining.remove(probe.cipher)
    transport.check_only_recommended_suites(accepted, fapi2=policy.fapi2_tls)


@requirement("RFC6749-10.9")
def test_certificate_verifies(target: Target) -> None:
    """Each endpoint origin's certificate chain verifies for its host against the profile's trust anchors."""
    if not target.profile.tls.verify:
        pytest.skip("the profile sets tls.verify: false: the harness was told not to judge certificates")
    prober = _observe.prober(target)
    failures: dict[str, str] = {}
    for origin in _observe.https_origins(target):
        result = prober.handshake(origin, verify=True)
        if result.established:
            continue
        if result.error and result.error.startswith("certificate:"):
            failures[origin] = result.error.removeprefix("certificate:").strip()
            continue
        _observe.as_probe(result)  # no answer at all: broken (network), not a certificate finding
        unverified = _observe.as_probe(prober.handshake(origin))
        if unverified.established:  # completes without verification: the refusal is about the certificate
            failures[origin] = result.error or "the verified handshake failed"
        else:
            evidence.note(f"{origin}: no TLS 1.2+ handshake at all ({unverified.detail}); certificate not judged")
    transport.check_certificates_verify(failures)


@requirement("RFC9325-4.5-rsa", "RFC9325-4.5-curve", "RFC9325-4.5-hash")
def test_certificate_strength(target: Target) -> None:
    """Leaf certificates use RSA >= 2048 bits or curves >= 224 bits, signed without SHA-1/MD5 (RFC 9325 §4.5)."""
    prober = _observe.prober(target)
    facts = []
    for origin in _observe.https_origins(target):
        result = prober.handshake(origin)
        _observe.as_probe(result)
        if result.certificate_der:
            facts.append(_observe.certificate_facts(origin, result.certificate_der))
            evidence.note(f"{origin}: leaf {facts[-1].key_type} {facts[-1].key_bits} bits, "
                          f"signed with {facts[-1].signature_hash}")
    transport.check_certificate_strength(facts)


PLAIN_HTTP_MEMBERS = ("authorization_endpoint", "token_endpoint", "pushed_authorization_request_endpoint",
                      "device_authorization_endpoint", "revocation_endpoint", "introspection_endpoint",
                      "userinfo_endpoint")
_PLAIN_HTTP_RULE = {"authorization_endpoint": ("RFC6749-3.1-tls", Level.MUST),
                    "token_endpoint": ("RFC6749-3.2-tls", Level.MUST)}


@requirement("RFC6749-3.1-tls", "RFC6749-3.2-tls", "RFC9325-3.2-tls_only")
@pytest.mark.parametrize("member", PLAIN_HTTP_MEMBERS)
def test_plain_http_refused(target: Target, member: str) -> None:
    """``http://`` on the https endpoint is refused or redirected to https, never served like https."""
    if not target.profile.transport.plain_http:
        pytest.skip("the profile sets transport.plain_http: false")
    url = target.endpoint(member)
    if not url.startswith("https://"):
        pytest.skip(f"{member} is not an https URL (discovery.endpoints_use_https judges that): nothing to downgrade")
    requirement_id, level = _PLAIN_HTTP_RULE.get(member, ("RFC9325-3.2-tls_only", Level.SHOULD))
    method, secure_url, data = _observe.probe_request(target, member, url)
    session = target.new_session()
    insecure_url = _observe.plain_url(secure_url)
    session.allow_origin(insecure_url)  # the same host the profile names, on the plain scheme
    secure = _observe.answer(session, method, secure_url, data, label=f"{member} over https")
    if not secure.answered or (secure.status or 0) >= 500:
        raise TargetUnreachable(f"{member} gave no usable answer over https ({secure.detail}): the plain-http answer "
                                "has nothing to be compared with")
    insecure = _observe.answer(session, method, insecure_url, data, label=f"{member} over plain http")
    host = (urlsplit(url).hostname or "").lower()
    transport.check_plain_http_refused(insecure, secure, endpoint_host=host, requirement=requirement_id, level=level)


# -- pages a user sees ------------------------------------------------------------------------------

PAGES: dict[str, Callable[[Target, Any], Page]] = {
    "login": lambda target, ua: _observe.login_page(target),
    "consent": _observe.consent_page,
    "device_verification": lambda target, ua: _observe.device_verification_page(target),
    "logout": lambda target, ua: _observe.logout_page(target),
}


def _page(target: Target, user_agent: Any, kind: str) -> Page:
    if kind == "device_verification" and not target.offers("device_authorization_endpoint"):
        raise NotApplicable("the target offers no device_authorization_endpoint")
    if kind == "logout" and not target.offers("end_session_endpoint"):
        raise NotApplicable("the target advertises no end_session_endpoint")
    page = PAGES[kind](target, user_agent)
    evidence.note(f"{kind} page: {page.url} (HTTP {page.status})")
    return page


def _label(kind: str, page: Page) -> str:
    """How a finding names the page: its kind, path and status (an error page is judged as what the user sees)."""
    return f"{kind} page {urlsplit(page.url).path} (HTTP {page.status})"


def _profile_pages(target: Target) -> list[Page]:
    pages = target.profile.transport.pages
    if not pages:
        raise NotApplicable("the profile lists no transport.pages")
    return [_observe.walk(target.new_session(), url, label="profile page") for url in pages]


@requirement("RFC9700-4.16", "CSP3-directive-frame-ancestors")
@pytest.mark.parametrize("kind", sorted(PAGES))
def test_frame_protection(target: Target, user_agent: Any, kind: str) -> None:
    """The page forbids framing by other sites (X-Frame-Options or CSP frame-ancestors; RFC 9700 §4.16 MUST)."""
    page = _page(target, user_agent, kind)
    transport.check_frame_protection(_label(kind, page), page.headers, page.body)


@requirement("RFC9700-4.16-csp")
@pytest.mark.parametrize("kind", sorted(PAGES))
def test_content_security_policy(target: Target, user_agent: Any, kind: str) -> None:
    """The page carries a Content-Security-Policy with frame-ancestors (RFC 9700 §4.16 SHOULD)."""
    page = _page(target, user_agent, kind)
    transport.check_csp_present(_label(kind, page), page.headers)


@requirement("RFC9700-4.2.4-referrer", "FETCHRP-referrer-policy-unsafe-url")
@pytest.mark.parametrize("kind", sorted(PAGES))
def test_referrer_policy(target: Target, user_agent: Any, kind: str) -> None:
    """The page applies a Referrer Policy that keeps its URL from other origins (RFC 9700 §4.2.4)."""
    page = _page(target, user_agent, kind)
    transport.check_referrer_policy(_label(kind, page), page.headers, page.body)


@requirement("RFC9700-4.16", "RFC9700-4.16-csp", "RFC9700-4.2.4-referrer")
def test_profile_pages(target: Target) -> None:
    """The pages the profile lists (transport.pages) forbid framing, use CSP and a Referrer Policy."""
    findings = Findings()
    review: list[str] = []
    for page in _profile_pages(target):
        try:
            findings.check(transport.check_frame_protection, page.url, page.headers, page.body)
        except NeedsReview as exc:
            review.append(str(exc))
        findings.check(transport.check_csp_present, page.url, page.headers)
        findings.check(transport.check_referrer_policy, page.url, page.headers, page.body)
    findings.raise_if_any()
    if review:
        raise NeedsReview("; ".join(review))


@requirement("RFC9325-3.2-hsts", "RFC6797-6.1.1", "RFC6797-6.1-once")
def test_strict_transport_security(target: Target) -> None:
    """The https origins a user's browser visits send a well-formed Strict-Transport-Security header (RFC 9325 §3.2)."""
    if not target.endpoint("authorization_endpoint").startswith("https://"):
        pytest.skip("the authorization endpoint is plain http: HSTS is sent over https only (RFC 6797 §7.2)")
    log = evidence.current()
    first = len(log.exchanges)
    _observe.login_page(target)
    observed: dict[str, list[str]] = {}
    for exchange in log.exchanges[first:]:
        if exchange.status is not None and exchange.url.startswith("https://"):
            values = transport.header_values(exchange.response_headers, "Strict-Transport-Security")
            seen = observed.setdefault(origin_of(exchange.url), [])
            if values and not seen:
                seen.extend(values)  # a UA keeps the first policy it is given (RFC 6797 §8.1)
    transport.check_hsts(observed)


@requirement("RFC6749-5.1-no_store")
def test_credential_responses_not_stored(target: Target, user_agent: Any) -> None:
    """The authorization response carrying the code (SHOULD) and the token response (MUST) are ``no-store``."""
    log = evidence.current()
    first = len(log.exchanges)
    client = _observe.page_client(target)
    flow = complete_code_flow(target, user_agent, client)
    findings = Findings()
    redirects = [e for e in log.exchanges[first:] if e.status is not None and 300 <= e.status < 400
                 and "code=" in dict((k.lower(), v) for k, v in e.response_headers).get("location", "")]
    if redirects:
        findings.check(transport.check_not_stored, "authorization response (redirect carrying the code)",
                       redirects[-1].response_headers, level=Level.SHOULD)
    else:
        evidence.note("the code did not arrive in a redirect the harness recorded (form_post or browser driver): "
                      "the authorization response's headers are not judged")
    if flow.token is not None:  # complete_code_flow insists on tokens
        findings.check(transport.check_not_stored, "token response",
                       list(flow.token.response.headers.multi_items()), level=Level.MUST)
    findings.raise_if_any()
