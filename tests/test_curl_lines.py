"""Reproduce lines: runnable curl with the profile's secrets as ${NAME} variables, never their values."""

from __future__ import annotations

import base64
import shlex
import subprocess
from pathlib import Path

import httpx
import pytest

from harness import curl
from harness.evidence import Exchange
from harness.profile import parse_profile
from harness.redaction import register_credential
from harness.results import ProfileError

SECRET = "s3cr3t-Value-from-env-91"


def _request(**kwargs: object) -> httpx.Request:
    return httpx.Client().build_request("POST", "https://as.example/token", **kwargs)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _placeholder() -> None:
    curl.register_placeholder(SECRET, "IDP_SECRET_WEB")


def _line(request: httpx.Request, **kwargs: object) -> tuple[str, list[str]]:
    words = curl.curl_words(request, **kwargs)  # type: ignore[arg-type]
    exchange = Exchange(seq=1, label="t", method="POST", url="u", request_headers=[], request_body="",
                        curl_words=words)
    return exchange.curl(), exchange.curl_variables()


def test_form_secret_becomes_its_variable_and_the_rest_is_exact() -> None:
    line, names = _line(_request(data={"grant_type": "client_credentials", "client_id": "web",
                                       "client_secret": SECRET, "scope": "a b"}),
                        ca_file=Path("/etc/idp/ca.pem"))
    assert SECRET not in line and names == ["IDP_SECRET_WEB"]
    words = shlex.split(line)
    assert words[:6] == ["curl", "-i", "-X", "POST", "--cacert", "/etc/idp/ca.pem"]
    assert "grant_type=client_credentials&client_id=web&scope=a+b" in words
    assert '--data-urlencode "client_secret=${IDP_SECRET_WEB}"' in line
    assert words[-1] == "https://as.example/token"


def test_basic_auth_becomes_dash_u_with_the_variable() -> None:
    basic = base64.b64encode(f"web:{SECRET}".encode()).decode()
    line, names = _line(_request(headers={"Authorization": f"Basic {basic}"}, data={"grant_type": "x"}))
    assert '-u "web:${IDP_SECRET_WEB}"' in line and basic not in line and SECRET not in line


def test_run_credentials_become_variables_named_after_where_they_appear() -> None:
    code, token = "Zm9vYmFyLWNvZGUtdmFsdWUtMTIzNDU2", "YWNjZXNzLXRva2VuLXZhbHVlLTk4NzY1NDMy"
    register_credential(code)
    line, names = _line(_request(headers={"Authorization": f"Bearer {token}", "DPoP": "eyJhbGciOi.x.y"},
                                 data={"grant_type": "authorization_code", "code": code}))
    assert code not in line and token not in line and "eyJhbGciOi" not in line
    assert names == ["ACCESS_TOKEN", "DPOP_PROOF", "CODE"]
    assert '"Authorization: Bearer ${ACCESS_TOKEN}"' in line and '"code=${CODE}"' in line


def test_a_value_registered_later_is_a_variable_in_the_serialised_line() -> None:
    late = "bGF0ZS1yZWdpc3RlcmVkLXZhbHVlLTQ0NDQ"
    words = curl.curl_words(httpx.Client().build_request("GET", f"https://as.example/cb?state=1&x={late}"))
    register_credential(late)
    exchange = Exchange(seq=1, label="t", method="GET", url="u", request_headers=[], request_body="",
                        curl_words=words)
    assert late not in exchange.curl() and "${X}" in exchange.curl()


def test_mtls_and_insecure() -> None:
    line, _ = _line(_request(data={"a": "b"}), verify=False, cert=("/k/client.crt", "/k/client.key"))
    assert " -k " in line and "-E /k/client.crt --key /k/client.key" in line


def test_the_line_runs_in_a_shell_with_the_variable_exported(tmp_path: Path) -> None:
    """The quoting is POSIX: with the variable exported, the shell hands curl the secret (printed by a stub)."""
    line, _ = _line(_request(data={"client_id": "web", "client_secret": SECRET, "note": "it's \"$HOME\""}))
    stub = tmp_path / "curl"
    stub.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n')
    stub.chmod(0o755)
    done = subprocess.run(["sh", "-c", line], env={"PATH": f"{tmp_path}:/usr/bin:/bin", "IDP_SECRET_WEB": SECRET},
                          capture_output=True, text=True, check=True)
    args = done.stdout.splitlines()
    assert f"client_secret={SECRET}" in args
    assert "client_id=web&note=it%27s+%22%24HOME%22" in args


def test_profile_secret_references_register_their_variable(tmp_path: Path) -> None:
    data = {"name": "p", "issuer": "https://as.example", "clients": [
        {"id": "c", "client_id": "web", "auth_method": "client_secret_post", "secret": "${MY_IDP_SECRET}",
         "redirect_uris": ["https://rp/cb"]}],
        "users": [{"username": "u", "password": "${MY_IDP_PASSWORD}"}]}
    try:
        parse_profile(data, base_dir=tmp_path, env={"MY_IDP_SECRET": "value-of-the-secret-1",
                                                    "MY_IDP_PASSWORD": "value-of-the-password"})
    except ProfileError:
        pass  # only the substitution matters here
    assert curl._placeholders["value-of-the-secret-1"] == "MY_IDP_SECRET"
    assert curl._placeholders["value-of-the-password"] == "MY_IDP_PASSWORD"


def test_missing_variables_are_reported_together(tmp_path: Path) -> None:
    data = {"name": "p", "issuer": "${A_ISSUER}", "clients": [{"secret": "${A_SECRET}"}, {"secret": "${A_SECRET}"}]}
    with pytest.raises(ProfileError) as info:
        parse_profile(data, base_dir=tmp_path, env={})
    message = str(info.value)
    assert message.startswith("2 environment variable(s) the profile references are not set")
    assert "environment variable A_ISSUER is not set (used at issuer)" in message
    assert "A_SECRET is not set (used at clients[0].secret, clients[1].secret)" in message
    assert "export A_ISSUER=...; export A_SECRET=..." in message


def test_a_body_over_the_evidence_cap_is_named_not_copied() -> None:
    line, _ = _line(_request(content=b"x" * 30_000, headers={"content-type": "text/plain"}))
    assert line.endswith("https://as.example/token # the 30000-character request body is not reproduced "
                         "(over the 20000-character evidence cap)")
    assert "xxxx" not in line
