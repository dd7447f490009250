"""Redaction: secrets never reach evidence, reports or logs."""

from __future__ import annotations

from harness.redaction import (
    REDACTED,
    redact_body,
    redact_headers,
    redact_mapping,
    redact_url,
    register_secret,
    scrub_text,
)

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz"


def test_form_body_fields_masked() -> None:
    body = "grant_type=authorization_code&code=abc123secretcode&code_verifier=verif-verif&client_secret=s3"
    out = redact_body(body, "application/x-www-form-urlencoded")
    assert "abc123secretcode" not in out and "verif-verif" not in out and "client_secret=%5BREDACTED%5D" not in out
    assert "grant_type=authorization_code" in out
    assert "s3" not in out.split("client_secret=")[1]


def test_json_tokens_masked() -> None:
    body = ('{"access_token": "at-123456", "refresh_token": "rt-123456", "token_type": "Bearer", '
            f'"id_token": "{JWT}"}}')
    out = redact_body(body, "application/json; charset=utf-8")
    assert "at-123456" not in out and "rt-123456" not in out and JWT not in out
    assert '"token_type": "Bearer"' in out


def test_headers_keep_scheme_only() -> None:
    out = dict(redact_headers([("Authorization", "Basic Y2xpZW50OnNlY3JldA=="), ("DPoP", JWT),
                               ("Cookie", "sid=abc"), ("Content-Type", "text/plain")]))
    assert out["Authorization"] == f"Basic {REDACTED}"
    assert out["DPoP"] == REDACTED and out["Cookie"] == REDACTED
    assert out["Content-Type"] == "text/plain"


def test_url_query_and_fragment_masked() -> None:
    url = "https://rp.example.test/cb?code=the-code-value&state=xyz#access_token=at-xyz&id_token=" + JWT
    out = redact_url(url)
    assert "the-code-value" not in out and "at-xyz" not in out and JWT not in out
    assert "state=xyz" in out


def test_registered_secret_scrubbed_anywhere() -> None:
    register_secret("very-distinct-secret-9")
    assert "very-distinct-secret-9" not in scrub_text("login failed for password very-distinct-secret-9!")


def test_private_jwk_members_masked() -> None:
    jwk = {"kty": "RSA", "n": "modulus", "e": "AQAB", "d": "private-exponent", "p": "prime1"}
    out = redact_mapping({"jwk": jwk})
    assert out["jwk"]["n"] == "modulus" and "private-exponent" not in str(out) and "prime1" not in str(out)


def test_bearer_in_free_text() -> None:
    assert "tok-value" not in scrub_text("Authorization: Bearer tok-value")


def test_findings_are_redacted_in_records() -> None:
    from harness.results import CheckRecord, Finding, Outcome

    finding = Finding("X", "got Bearer abc.def-ghi", "RFC6749-5.1", actual={"access_token": "at-zzz-123", "n": 1})
    record = CheckRecord(id="s.x", suite="s", title="t", outcome=Outcome.FAILED, requirements=[],
                         message=f"token {JWT}", findings=[finding]).as_dict()
    text = str(record)
    assert "at-zzz-123" not in text and JWT not in text and "abc.def-ghi" not in text
    assert record["findings"][0]["actual"]["n"] == 1


def test_server_messages_after_a_scheme_stay_readable() -> None:
    assert scrub_text("DPoP iat is not recent enough") == "DPoP iat is not recent enough"
    assert scrub_text('Bearer realm="api", error="invalid_token"') == 'Bearer realm="api", error="invalid_token"'
    assert "Kz8mXK1EalYznwH" not in scrub_text("DPoP Kz8mXK1EalYznwH-LC-1fBAo")
