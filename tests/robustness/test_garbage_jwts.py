"""Garbage ID tokens from a target end in clear failures, never crashes, and never fetch anything."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from harness import jose
from harness.results import CheckFailed
from harness.specs import oidc_core

KEY = jose.generate_key("EC", label="garbage-tests")
KEYS = jose.JWKS.from_keys([KEY])


def _signed(header: dict[str, Any]) -> str:
    return jose.sign_jws({"alg": "ES256", "kid": KEY.as_dict()["kid"], **header},
                         {"iss": "https://as", "sub": "u", "aud": "c", "exp": 2_000_000_000, "iat": 1}, KEY,
                         alg="ES256")


GARBAGE = {
    "not_a_jwt": ("hello world", "ID_TOKEN_MALFORMED"),
    "bad_base64": ("eyJhbGciOiJSUzI1NiJ9.%%%.abc", "ID_TOKEN_MALFORMED"),
    "two_parts": ("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0", "ID_TOKEN_MALFORMED"),
    "alg_none": (jose.sign_unsecured({"alg": "none"}, {"sub": "x"}), "ID_TOKEN_UNSIGNED"),
    "kid_path_traversal": (_signed({"kid": "../../../../etc/passwd"}), "ID_TOKEN_KID_UNKNOWN"),
}


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a JWT check tried to open a connection: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_garbage_token_is_a_clear_failure(kind: str) -> None:
    token, code = GARBAGE[kind]
    with pytest.raises(CheckFailed) as failed:
        oidc_core.check_id_token_signature(token, KEYS, allowed_algs=("ES256",))
    assert code in {f.code for f in failed.value.findings}


@pytest.mark.parametrize("member", ["jku", "x5u"])
def test_key_urls_in_the_header_are_never_fetched(member: str) -> None:
    """A token whose header points at another host for its keys is verified with the issuer's JWKS only."""
    token = _signed({member: "https://attacker.example.test/keys"})
    decoded = oidc_core.check_id_token_signature(token, KEYS, allowed_algs=("ES256",))
    assert decoded.header[member] == "https://attacker.example.test/keys"  # verified, nothing fetched
