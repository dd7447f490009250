"""Redaction by value: a credential seen once is masked wherever it appears afterwards.

One test per leak path found against a hostile server (issue 15): authorization codes in
``Location`` headers and "Redirecting to ...?code=" pages, code verifiers echoed in response
headers and error descriptions, token responses that are not JSON; plus garbage JSON (deep
nesting, NaN) that must end in a clear answer, never a crash.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from urllib.parse import quote, quote_plus

import pytest

from harness import evidence
from harness.http import TargetHttp, json_object, try_json_object
from harness.redaction import (
    REDACTED,
    is_registered,
    mask,
    redact_body,
    redact_headers,
    redact_url,
    register_credential,
    scrub_text,
)
from harness.results import TargetUnreachable
from harness.specs._http import JSONRejected, loads_strict, parse_json
from tests.loopback_http import serving


def _fresh(prefix: str) -> str:
    """A credential-like value no other test has registered."""
    return f"{prefix}-{secrets.token_urlsafe(16)}"


def test_location_header_with_code_is_masked_and_registered() -> None:
    code = _fresh("code")
    headers = dict(redact_headers([("Location", f"https://rp.example.test/cb?code={code}&state=st-1")]))
    assert code not in headers["Location"] and "state=st-1" in headers["Location"]
    assert mask(code) in headers["Location"]
    assert is_registered(code)
    # afterwards the bare value is masked anywhere, whatever surrounds it
    assert code not in scrub_text(f"the grant {code} is unknown")


def test_redirecting_page_with_code_is_masked() -> None:
    code = _fresh("pagecode")
    body = f'<p>Redirecting to <a href="https://rp.example.test/cb?code={code}&amp;state=x">here</a></p>'
    out = redact_body(body, "text/html; charset=utf-8")
    assert code not in out and "state=x" in out and REDACTED in out
    plain = redact_body(f"Found. Redirecting to https://rp.example.test/cb?code={code}", "text/plain")
    assert code not in plain


def test_form_post_page_hidden_code_is_masked() -> None:
    code = _fresh("formcode")
    token = _fresh("formtoken")
    body = (f'<form method="post" action="https://rp.example.test/cb"><input type="hidden" name="code" '
            f'value="{code}"/><input type="hidden" name="state" value="st-2"/>'
            f"<input value='{token}' name='access_token'></form>")
    out = redact_body(body, "text/html")
    assert code not in out and token not in out and 'value="st-2"' in out
    assert is_registered(code) and is_registered(token)


def test_echoed_verifier_in_header_and_error_description(server: str) -> None:
    verifier = _fresh("verifier") + secrets.token_urlsafe(24)
    http = TargetHttp(allowed_origins={server})
    log = evidence.EvidenceLog()
    with evidence.collecting(log):
        http.post(server + "/echo", data={"grant_type": "authorization_code", "code_verifier": verifier}, label="t")
    http.close()
    document = json.dumps(log.as_dict())
    assert verifier not in document
    exchange = log.as_dict()["exchanges"][0]
    assert any(name.lower() == "x-echo" and REDACTED in value for name, value in exchange["response"]["headers"])
    assert "invalid_grant" in exchange["response"]["body"]


def test_error_description_echo_masked_in_json_body() -> None:
    verifier = _fresh("verif") + "x" * 30
    redact_body(f"grant_type=authorization_code&code_verifier={verifier}", "application/x-www-form-urlencoded")
    out = redact_body(json.dumps({"error": "invalid_grant",
                                  "error_description": f"PKCE verification failed for {verifier}"}),
                      "application/json")
    assert verifier not in out and '"error": "invalid_grant"' in out


@pytest.mark.parametrize("content_type", ["text/plain", "", "application/octet-stream", "text/html"])
def test_non_json_token_response_masked(content_type: str) -> None:
    refresh, device, req_id = _fresh("rt"), _fresh("dc"), _fresh("arid")
    form = f"access_token=at-{refresh}&refresh_token={refresh}&device_code={device}&auth_req_id={req_id}"
    jsonish = json.dumps({"refresh_token": refresh, "device_code": device, "auth_req_id": req_id})
    xml = (f"<response><refresh_token>{refresh}</refresh_token><device_code>{device}</device_code>"
           f"<auth_req_id>{req_id}</auth_req_id></response>")
    broken_json = jsonish[:-1]  # not parseable: masked by shape
    for body in (form, jsonish, xml, broken_json, f"refresh_token: {refresh}\nok=1 {form}"):
        out = redact_body(body, content_type)
        assert refresh not in out and device not in out and req_id not in out, (content_type, body, out)


def test_short_values_are_not_registered() -> None:
    out = redact_url("https://rp.example.test/cb?code=abc12&state=s")
    assert "abc12" not in out
    assert not is_registered("abc12")
    register_credential("short")
    assert not is_registered("short")
    assert scrub_text("a short answer: abc12") == "a short answer: abc12"


def test_value_registered_after_recording_is_masked_in_the_report() -> None:
    late = _fresh("late-credential")
    log = evidence.EvidenceLog()
    log.exchanges.append(evidence.Exchange(seq=1, label="x", method="GET", url="https://as.example.test/",
                                           request_headers=[], request_body="", status=200,
                                           response_headers=[("X-Info", late)], response_body=f"see {late}"))
    register_credential(late)
    assert late not in json.dumps(log.as_dict())


def test_curl_line_masked() -> None:
    code = _fresh("curlcode")
    exchange = evidence.Exchange(seq=1, label="x", method="POST", url=redact_url("https://as.example.test/token"),
                                 request_headers=[("Content-Type", "application/x-www-form-urlencoded")],
                                 request_body=redact_body(f"code={code}&grant_type=authorization_code",
                                                          "application/x-www-form-urlencoded"))
    log = evidence.EvidenceLog(exchanges=[exchange])
    assert code not in log.as_dict()["exchanges"][0]["curl"]


# -- garbage JSON ------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 5_000 + "1" + "}" * 5_000


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, '{"access_token": NaN}', '{"expires_in": Infinity}'])
def test_garbage_json_never_crashes_redaction(body: str) -> None:
    out = redact_body(body, "application/json")
    assert isinstance(out, str)


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, '{"a": NaN}', '{"a": -Infinity}', '[' * 65 + ']' * 65])
def test_strict_json_refuses_garbage(body: str) -> None:
    with pytest.raises(JSONRejected):
        loads_strict(body)
    value, reason = parse_json(body)
    assert value is None and reason is not None and reason.startswith("not JSON")


def test_strict_json_accepts_ordinary_documents() -> None:
    assert loads_strict('{"a": [1, 2.5, {"b": null}]}') == {"a": [1, 2.5, {"b": None}]}
    assert loads_strict("[" * 64 + "]" * 64) is not None


@pytest.mark.parametrize("path", ["/deep", "/nan"])
def test_garbage_json_from_a_target_is_a_clear_error(server: str, path: str) -> None:
    http = TargetHttp(allowed_origins={server})
    log = evidence.EvidenceLog()
    with evidence.collecting(log):
        response = http.get(server + path)
        with pytest.raises(TargetUnreachable, match="expected a JSON object"):
            json_object(response, "token response")
        assert try_json_object(response) is None
    http.close()
    json.dumps(log.as_dict())  # the evidence of the exchange serialises


class _Handler(BaseHTTPRequestHandler):
    def _answer(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/deep":
            self._answer(200, DEEP.encode(), "application/json")
        else:
            self._answer(200, b'{"access_token": NaN, "token_type": "Bearer"}', "application/json")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        sent = self.rfile.read(length).decode()
        verifier = dict(pair.split("=", 1) for pair in sent.split("&")).get("code_verifier", "")
        body = json.dumps({"error": "invalid_grant",
                           "error_description": f"code_verifier {verifier} does not match"}).encode()
        self._answer(400, body, "application/json", {"X-Echo": verifier})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(_Handler) as url:
        yield url


def test_protocol_words_are_not_registered() -> None:
    out = redact_body('{"code": "invalid_request", "token": "see https://as.example.test/x1"}', "application/json")
    assert "invalid_request" not in out  # masked where it stood, by name
    assert not is_registered("invalid_request") and not is_registered("see https://as.example.test/x1")
    assert scrub_text("error=invalid_request") == "error=invalid_request"


def test_cookie_values_registered_but_not_their_attributes() -> None:
    session = _fresh("sess")
    redact_headers([("Set-Cookie", f"_session={session}; path=/interaction/Abc123XyZ789; httponly")])
    assert is_registered(session) and not is_registered("/interaction/Abc123XyZ789")


@pytest.mark.parametrize("header", [DEEP, '{"alg": NaN}'])
def test_garbage_json_in_a_jwt_is_a_malformed_token(header: str) -> None:
    import base64

    from harness.jose.decoding import decode_jose_header
    from harness.jose.errors import MalformedToken

    segment = base64.urlsafe_b64encode(header.encode()).rstrip(b"=").decode()
    with pytest.raises(MalformedToken, match="not UTF-8 JSON"):
        decode_jose_header(f"{segment}.e30.c2ln")


@pytest.mark.parametrize("page", ["<a " * 40_000, "<a" * 60_000, '<a x="' * 20_000, "<!--" * 30_000,
                                  "<form><input name=a value=b></form>" + "<a " * 40_000])
def test_hostile_login_page_parses_in_linear_time(page: str) -> None:
    import time

    from harness.login.html_forms import parse_forms

    started = time.monotonic()
    forms = parse_forms(page)
    assert time.monotonic() - started < 2, "html.parser rescans unterminated tags quadratically"
    assert len(forms) == (1 if page.startswith("<form>") else 0)


def test_window_index_finds_every_registered_value_anywhere_in_a_run() -> None:
    """The stride-8 window screen misses nothing: values at every offset, adjacent, inside longer runs."""
    import random

    from harness import redaction

    rng = random.Random(15)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(15, 90))) for _ in range(40)]
    for value in values:
        redaction.register_credential(value)
    for _ in range(300):
        parts, planted = [], []
        for _ in range(rng.randint(1, 4)):
            parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))))
            value = rng.choice(values)
            planted.append(value)
            parts.append(value)
        text = "".join(parts) + rng.choice(["", " tail", "&x=1"])
        scrubbed = redaction.scrub_values(text)
        assert not any(value in scrubbed for value in planted), (text, scrubbed)
        assert redaction.REDACTED in scrubbed


def test_window_index_finds_punctuated_values_jwts_and_encoded_forms() -> None:
    """Values with punctuation (JWTs, URL-encoded forms, base64 with ``+/=``) are indexed by their longest
    base64url run and still masked wherever they occur, next to other run characters or punctuation."""
    import random

    from harness import redaction

    rng = random.Random(16)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

    def run(low: int, high: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))

    values = [f"{run(10, 40)}.{run(15, 60)}.{run(20, 86)}" for _ in range(20)]  # compact JWS shapes
    values += [f"{run(15, 30)}+/{run(3, 10)}==" for _ in range(10)]  # standard base64
    values += [f"{run(1, 14)}~{run(15, 30)}" for _ in range(10)]  # the long run last
    for value in values:
        redaction.register_credential(value)  # its quote() and quote_plus() forms too
    forms = [form for value in values for form in {value, quote(value, safe=""), quote_plus(value)}]
    for _ in range(300):
        parts, planted = [], []
        for _ in range(rng.randint(1, 3)):
            parts.append(rng.choice(["", run(1, 20), ".", "%2E", "=", "\"", " "]))
            form = rng.choice(forms)
            planted.append(form)
            parts.append(form)
        text = "".join(parts) + rng.choice(["", run(1, 9), "&x=1"])
        scrubbed = redaction.scrub_values(text)
        assert not any(form in scrubbed for form in planted), (text, scrubbed)
    assert not redaction._complex or all(not redaction._RUN_RE.search(v) for v in redaction._complex)
