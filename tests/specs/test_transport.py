"""harness.specs.transport: the judging of TLS probes, certificates, plain http and security headers."""

from __future__ import annotations

import pytest

from harness.results import CheckFailed, Level, NeedsReview
from harness.specs import transport as t


def _fails(fn: object, *args: object, **kwargs: object) -> CheckFailed:
    with pytest.raises(CheckFailed) as caught:
        fn(*args, **kwargs)  # type: ignore[operator]
    return caught.value


def _probe(established: bool, version: str | None = None, cipher: str | None = None) -> t.Probe:
    return t.Probe(origin="https://as.example:443", established=established, version=version, cipher=cipher,
                   detail="d")


# -- TLS ------------------------------------------------------------------------------------------


def test_old_version_refused() -> None:
    t.check_old_version_refused([_probe(False)], "TLSv1")
    failed = _fails(t.check_old_version_refused, [_probe(False), _probe(True, "TLSv1.1")], "TLSv1.1")
    assert failed.findings[0].requirement == "RFC8996-5" and failed.findings[0].level is Level.MUST


def test_tls13_offered_is_a_should() -> None:
    t.check_tls13_offered([_probe(True, "TLSv1.3")])
    failed = _fails(t.check_tls13_offered, [_probe(True, "TLSv1.2")])
    assert failed.findings[0].level is Level.SHOULD
    assert _fails(t.check_tls13_offered, [_probe(False)]).findings[0].code == "TLS13_NOT_OFFERED"


def test_forbidden_suites_levels_follow_each_sentence() -> None:
    t.check_forbidden_suites({"null": [_probe(False)], "static_rsa": [_probe(False)]})
    failed = _fails(t.check_forbidden_suites, {"null": [_probe(True, "TLSv1.2", "NULL-SHA256")],
                                               "dhe": [_probe(True, "TLSv1.2", "DHE-RSA-AES128-GCM-SHA256")]})
    levels = {f.requirement: f.level for f in failed.findings}
    assert levels == {"RFC9325-4.1-null": Level.MUST, "RFC9325-4.1-dhe": Level.SHOULD}


def test_only_recommended_suites() -> None:
    t.check_only_recommended_suites({"https://as.example:443": []}, fapi2=True)
    fapi = _fails(t.check_only_recommended_suites, {"o": ["ECDHE-RSA-AES128-SHA256"]}, fapi2=True)
    assert (fapi.findings[0].requirement, fapi.findings[0].level) == ("FAPI2SP-5.2.2-1", Level.MUST)
    plain = _fails(t.check_only_recommended_suites, {"o": ["ECDHE-RSA-AES128-SHA256"]}, fapi2=False)
    assert (plain.findings[0].requirement, plain.findings[0].level) == ("RFC9325-4.2", Level.SHOULD)


# -- certificates ----------------------------------------------------------------------------------


def test_certificates_verify() -> None:
    t.check_certificates_verify({})
    failed = _fails(t.check_certificates_verify, {"https://as.example:443": "certificate has expired"})
    assert failed.findings[0].requirement == "RFC6749-10.9"


@pytest.mark.parametrize(("facts", "codes"), [
    (t.CertificateFacts("o", "RSA", 2048, "sha256"), set()),
    (t.CertificateFacts("o", "EC", 256, "sha384"), set()),
    (t.CertificateFacts("o", "Ed25519", 256, None), set()),
    (t.CertificateFacts("o", "RSA", 1024, "sha256"), {"CERTIFICATE_RSA_TOO_SHORT"}),
    (t.CertificateFacts("o", "EC", 192, "sha256"), {"CERTIFICATE_CURVE_TOO_SMALL"}),
    (t.CertificateFacts("o", "RSA", 4096, "sha1"), {"CERTIFICATE_WEAK_HASH"}),
    (t.CertificateFacts("o", "RSA", 2048, "md5"), {"CERTIFICATE_WEAK_HASH"}),
])
def test_certificate_strength(facts: t.CertificateFacts, codes: set[str]) -> None:
    if not codes:
        t.check_certificate_strength([facts])
        return
    assert {f.code for f in _fails(t.check_certificate_strength, [facts]).findings} == codes


# -- plain http ------------------------------------------------------------------------------------

_SECURE = t.PlainAnswer(answered=True, status=400, body={"error": "invalid_grant"}, detail="https")


def _plain(**kwargs: object) -> None:
    t.check_plain_http_refused(t.PlainAnswer(**kwargs), _SECURE, endpoint_host="as.example",  # type: ignore[arg-type]
                               requirement="RFC6749-3.2-tls")


@pytest.mark.parametrize("answer", [
    {"answered": False, "error": "reset"},
    {"answered": True, "status": 301, "location": "https://as.example/token"},
    {"answered": True, "status": 308, "location": "https://AS.example:443/token"},
    {"answered": True, "status": 400, "body": {"error": "invalid_request"}},
    {"answered": True, "status": 403},
    {"answered": True, "status": 502, "body": {"error": "invalid_grant"}},  # a proxy error is not serving
])
def test_plain_http_refusals_pass(answer: dict[str, object]) -> None:
    _plain(**answer)


@pytest.mark.parametrize(("answer", "code"), [
    ({"answered": True, "status": 400, "body": {"error": "invalid_grant"}}, "PLAIN_HTTP_SERVED"),
    ({"answered": True, "status": 200, "body": {"access_token": "x"}}, "PLAIN_HTTP_CREDENTIALS"),
    ({"answered": True, "status": 302, "location": "https://rp.example/cb?code=abc&state=s"}, "PLAIN_HTTP_CREDENTIALS"),
    ({"answered": True, "status": 302, "location": "https://rp.example/cb?error=access_denied"},
     "PLAIN_HTTP_CREDENTIALS"),
    ({"answered": True, "status": 301, "location": "https://elsewhere.example/token",
      "body": {"error": "invalid_grant"}, "detail": "x"}, None),
])
def test_plain_http_served_fails(answer: dict[str, object], code: str | None) -> None:
    if code is None:  # a redirect off-host with the same status as https is not "the same answer"
        _plain(**answer)
        return
    with pytest.raises(CheckFailed) as caught:
        _plain(**answer)
    assert caught.value.findings[0].code == code


# -- headers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "problems"), [
    ("max-age=31536000; includeSubDomains", []),
    ('max-age="600"', []),
    ("includeSubDomains", ["no max-age directive"]),
    ("max-age=abc", ["max-age is not delta-seconds: 'abc'"]),
    ("max-age=1; max-age=2", ["directive max-age appears twice"]),
])
def test_parse_hsts(value: str, problems: list[str]) -> None:
    assert t.parse_hsts(value)[1] == problems


def test_check_hsts() -> None:
    t.check_hsts({"o": ["max-age=600", "max-age=0"]})  # §8.1: only the first is processed
    assert _fails(t.check_hsts, {"o": []}).findings[0].level is Level.SHOULD
    assert _fails(t.check_hsts, {"o": ["max-age=0"]}).findings[0].code == "HSTS_DISABLED"
    malformed = _fails(t.check_hsts, {"o": ["preload"]}).findings[0]
    assert (malformed.code, malformed.requirement, malformed.level) == ("HSTS_MALFORMED", "RFC6797-6.1.1", Level.MUST)
    assert _fails(t.check_hsts, {"o": ["max-age=1;max-age=1"]}).findings[0].requirement == "RFC6797-6.1-once"


@pytest.mark.parametrize("headers", [
    [("X-Frame-Options", "DENY")],
    [("x-frame-options", "sameorigin")],
    [("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")],
    [("Content-Security-Policy", "frame-ancestors https://rp.example")],
    [("Content-Security-Policy", "frame-ancestors")],
    [("Content-Security-Policy", "script-src 'self', frame-ancestors 'self'")],  # a second policy in one header
    [("X-Frame-Options", "DENY"), ("Content-Security-Policy-Report-Only", "frame-ancestors *")],
    [("Content-Security-Policy", "frame-ancestors *"), ("Content-Security-Policy", "frame-ancestors 'self'")],
])
def test_frame_protection_passes(headers: list[tuple[str, str]]) -> None:
    t.check_frame_protection("login", headers, "<html></html>")


@pytest.mark.parametrize("headers", [
    [],
    [("X-Frame-Options", "ALLOW-FROM https://rp.example")],
    [("Content-Security-Policy", "frame-ancestors *")],
    [("Content-Security-Policy", "frame-ancestors https:")],
    [("Content-Security-Policy-Report-Only", "frame-ancestors 'none'")],
    [("Content-Security-Policy", "default-src 'self'")],
    [("X-Frame-Options", "DENY"), ("Content-Security-Policy", "frame-ancestors *")],  # CSP3 §6.4.2.2 overrides
])
def test_frame_protection_fails(headers: list[tuple[str, str]]) -> None:
    failed = _fails(t.check_frame_protection, "login", headers, "<html></html>")
    assert (failed.findings[0].code, failed.findings[0].level) == ("FRAMING_NOT_PREVENTED", Level.MUST)


def test_frame_busting_script_is_review() -> None:
    with pytest.raises(NeedsReview, match="frame"):
        t.check_frame_protection("login", [], "<script>if (top !== self) top.location = self.location</script>")


def test_csp_present() -> None:
    t.check_csp_present("login", [("Content-Security-Policy", "frame-ancestors 'none'")])
    assert _fails(t.check_csp_present, "login", []).findings[0].code == "CSP_MISSING"
    no_fa = _fails(t.check_csp_present, "login", [("Content-Security-Policy", "default-src 'self'")]).findings[0]
    assert (no_fa.code, no_fa.level) == ("CSP_WITHOUT_FRAME_ANCESTORS", Level.SHOULD)


@pytest.mark.parametrize(("headers", "body", "expected"), [
    ([("Referrer-Policy", "no-referrer")], "", ("no-referrer", "header")),
    ([("Referrer-Policy", "unsafe-url, strict-origin")], "", ("strict-origin", "header")),
    ([("Referrer-Policy", "no-referrer, bogus")], "", ("no-referrer", "header")),  # unknown tokens are ignored
    ([], '<meta name="referrer" content="origin">', ("origin", "meta")),
    ([("Referrer-Policy", "no-referrer")], "<meta content='unsafe-url' name='referrer'>", ("unsafe-url", "meta")),
    ([], "", (None, "none")),
])
def test_referrer_policy_parsing(headers: list[tuple[str, str]], body: str, expected: tuple[str | None, str]) -> None:
    assert t.referrer_policy(headers, body) == expected


def test_check_referrer_policy() -> None:
    t.check_referrer_policy("login", [("Referrer-Policy", "strict-origin-when-cross-origin")], "")
    assert _fails(t.check_referrer_policy, "login", [], "").findings[0].code == "REFERRER_POLICY_MISSING"
    leaks = _fails(t.check_referrer_policy, "login", [("Referrer-Policy", "no-referrer-when-downgrade")], "")
    assert (leaks.findings[0].code, leaks.findings[0].level) == ("REFERRER_POLICY_LEAKS", Level.SHOULD)


def test_not_stored() -> None:
    t.check_not_stored("token response", [("Cache-Control", "no-cache, no-store")], level=Level.MUST)
    failed = _fails(t.check_not_stored, "redirect", [("Cache-Control", "private")], level=Level.SHOULD)
    assert (failed.findings[0].requirement, failed.findings[0].level) == ("RFC6749-5.1-no_store", Level.SHOULD)


def test_plain_http_same_status_alone_is_not_serving() -> None:
    """A proxy page with the https answer's status but no protocol part proves nothing."""
    secure = t.PlainAnswer(answered=True, status=401, detail="https")
    t.check_plain_http_refused(t.PlainAnswer(answered=True, status=401, detail="p"), secure,
                               endpoint_host="as.example", requirement="RFC6749-3.2-tls")


def test_plain_http_same_challenge_or_redirect_is_serving() -> None:
    secure = t.PlainAnswer(answered=True, status=401, challenge='Bearer realm="x"', detail="https")
    with pytest.raises(CheckFailed):
        t.check_plain_http_refused(t.PlainAnswer(answered=True, status=401, challenge="Bearer", detail="p"), secure,
                                   endpoint_host="as.example", requirement="RFC9325-3.2-tls_only", level=Level.SHOULD)
    secure = t.PlainAnswer(answered=True, status=303, location="/interaction/abc", detail="https")
    with pytest.raises(CheckFailed):
        t.check_plain_http_refused(t.PlainAnswer(answered=True, status=303, location="/interaction/def", detail="p"),
                                   secure, endpoint_host="as.example", requirement="RFC6749-3.1-tls")
