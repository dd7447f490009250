"""Defect map of the transport suite (area security_headers, issue 18 item 3).

The TLS checks (versions, suites, certificates) and the plain-http checks cannot be broken on the
running reference target (its listeners' TLS settings are fixed at start, and it has no plain-http
listener); they are proven both ways against loopback listeners in tests/transport/.
"""

from __future__ import annotations

_LOGIN = ("login", "consent")
_LOOPBACK = "proven both ways against loopback listeners (tests/transport/test_tls_checks.py)"

DEFECT_CHECKS: dict[str, list[str]] = {
    "hsts_missing": ["transport.strict_transport_security"],
    "hsts_malformed": ["transport.strict_transport_security"],
    "login_page_framable": [f"transport.frame_protection[{k}]" for k in _LOGIN]
    + [f"transport.content_security_policy[{k}]" for k in _LOGIN],
    "login_page_csp_missing": [f"transport.content_security_policy[{k}]" for k in _LOGIN],
    "login_page_referrer_unsafe": [f"transport.referrer_policy[{k}]" for k in _LOGIN],
    "login_page_referrer_missing": [f"transport.referrer_policy[{k}]" for k in _LOGIN],
    "device_page_unprotected": ["transport.frame_protection[device_verification]",
                                "transport.content_security_policy[device_verification]",
                                "transport.referrer_policy[device_verification]", "transport.profile_pages"],
    "logout_page_unprotected": ["transport.frame_protection[logout]", "transport.content_security_policy[logout]",
                                "transport.referrer_policy[logout]"],
    "authz_response_cacheable": ["transport.credential_responses_not_stored"],
    "token_no_cache_control": ["transport.credential_responses_not_stored"],  # a core defect (src/tamper.mjs)
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {
    "transport.tls10_refused": _LOOPBACK,
    "transport.tls11_refused": _LOOPBACK,
    "transport.tls13_offered": _LOOPBACK,
    "transport.forbidden_suites_refused": _LOOPBACK,
    "transport.tls12_recommended_suites_only": _LOOPBACK,
    "transport.certificate_verifies": _LOOPBACK,
    "transport.certificate_strength": _LOOPBACK,
    **{f"transport.plain_http_refused[{member}]": _LOOPBACK.replace("test_tls_checks", "test_plain_http")
       for member in ("authorization_endpoint", "token_endpoint", "pushed_authorization_request_endpoint",
                      "device_authorization_endpoint", "revocation_endpoint", "introspection_endpoint",
                      "userinfo_endpoint")},
}
