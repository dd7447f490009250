"""Sample runs for the report tests: records written by the real writer (history included)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.reporting.writer import RunInfo, write_reports
from harness.results import CheckRecord, Finding, Level, Outcome

TARGET = "sample-idp"


def _exchange(seq: int, url: str = "https://as.example/token") -> dict[str, Any]:
    return {"seq": seq, "label": "token request",
            "request": {"method": "POST", "url": url,
                        "headers": [["content-type", "application/x-www-form-urlencoded"]],
                        "body": "grant_type=authorization_code&code=%5BREDACTED%5D%2843+chars%29"},
            "response": {"status": 200, "headers": [["content-type", "application/json"]], "body": "{}"},
            "elapsed_s": 0.01, "error": None,
            "curl": "curl -i -X POST --cacert /etc/ca.pem --data-urlencode \"code=${CODE}\" https://as.example/token",
            "curl_env": ["CODE"]}


def _pragma(check: str) -> CheckRecord:
    return CheckRecord(
        id=check, suite="token_endpoint", title=f"Token response of {check.rsplit('.', 1)[-1]} is not cached",
        outcome=Outcome.WARNING, requirements=["RFC6749-5.1"], message="Pragma: no-cache missing",
        findings=[Finding("TOKEN_RESPONSE_NO_PRAGMA", "Pragma: no-cache is missing", "RFC6749-5.1",
                          level=Level.SHOULD, expected="no-cache", actual=None)],
        evidence={"exchanges": [_exchange(1)], "tokens": [], "notes": [], "screenshots": []})


def failing_records(*, extra_failure: bool = False) -> list[CheckRecord]:
    """A run with failures (one of them new when ``extra_failure``), warnings, a known deviation and a pass."""
    records = [
        CheckRecord(id="pkce.wrong_verifier_refused", suite="pkce", title="A wrong code_verifier is refused",
                    outcome=Outcome.FAILED, requirements=["RFC7636-4.6"], message="[RFC7636-4.6] accepted",
                    findings=[Finding("TOKEN_REQUEST_ACCEPTED", "the token endpoint accepted a wrong verifier",
                                      "RFC7636-4.6", expected=400, actual=200)],
                    evidence={"exchanges": [_exchange(1)], "tokens": [], "notes": [], "screenshots": []},
                    duration_s=0.2),
        _pragma("token_endpoint.success_code"), _pragma("token_endpoint.success_refresh"),
        _pragma("token_endpoint.success_client_credentials"),
        CheckRecord(id="discovery.issuer_matches", suite="discovery", title="Discovery names the issuer exactly",
                    outcome=Outcome.PASSED, requirements=["RFC8414-3.3"]),
        CheckRecord(id="discovery.jwks_uri_https", suite="discovery", title="jwks_uri uses https",
                    outcome=Outcome.FAILED, requirements=["RFC8414-2"], message="http",
                    findings=[Finding("JWKS_URI_NOT_HTTPS", "jwks_uri is not https", "RFC8414-2",
                                      expected="https", actual="http")],
                    deviation={"status": "known", "reason": "staging uses plain http behind the gateway",
                               "link": None, "entries": [0]}),
    ]
    if extra_failure:
        records.append(CheckRecord(
            id="pkce.plain_refused", suite="pkce", title="code_challenge_method=plain is refused",
            outcome=Outcome.FAILED, requirements=["RFC7636-4.6"], message="plain accepted",
            findings=[Finding("PLAIN_ACCEPTED", "plain was accepted", "RFC7636-4.6", expected="refused",
                              actual="accepted")]))
    return records


def clean_records() -> list[CheckRecord]:
    """A run where everything passed (one skip)."""
    return [CheckRecord(id="discovery.issuer_matches", suite="discovery", title="Discovery names the issuer exactly",
                        outcome=Outcome.PASSED, requirements=["RFC8414-3.3"]),
            CheckRecord(id="pkce.s256_round_trip", suite="pkce", title="S256 round trip", outcome=Outcome.PASSED,
                        requirements=["RFC7636-4.6"]),
            CheckRecord(id="mtls.bound_token", suite="mtls", title="mTLS", outcome=Outcome.SKIPPED,
                        requirements=["RFC8705-3"], message="no mTLS endpoint")]


def write_run(reports: Path, name: str, records: list[CheckRecord], started: str) -> Path:
    """Write one run into ``reports/<name>`` (history in ``reports/history.jsonl``); return its index.html."""
    info = RunInfo(target=TARGET, issuer="https://as.example", harness_version="0.9.0", started=started,
                   finished=started, duration_s=12.5, rerun="oauth-harness run --target sample.yaml")
    write_reports(reports / name, records, info)
    return reports / name / "index.html"
