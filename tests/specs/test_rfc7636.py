from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.results import Finding, Level
from harness.specs import rfc7636 as p

JSON = {"Content-Type": "application/json"}


def test_appendix_b_vector(vector: Callable[[str], Any]) -> None:
    v = vector("rfc7636_appendix_b")
    assert p.s256_challenge(v["code_verifier"]) == v["code_challenge"]
    p.check_verifier_syntax(v["code_verifier"])
    p.check_challenge_syntax(v["code_challenge"])


@pytest.mark.parametrize("length", [43, 64, 128])
def test_make_verifier(length: int) -> None:
    verifier = p.make_verifier(length)
    assert len(verifier) == length
    assert set(verifier) <= p.UNRESERVED
    p.check_verifier_syntax(verifier)
    assert p.make_verifier(length) != verifier


@pytest.mark.parametrize("length", [0, 42, 129])
def test_make_verifier_bounds(length: int) -> None:
    with pytest.raises(ValueError):
        p.make_verifier(length)
    assert len(p.make_verifier(length, strict=False)) == length


def test_make_verifier_rejects_negative_length() -> None:
    with pytest.raises(ValueError):
        p.make_verifier(-1, strict=False)


@pytest.mark.parametrize(("verifier", "expected"), [
    ("a" * 42, "VERIFIER_LENGTH"),
    ("a" * 129, "VERIFIER_LENGTH"),
    ("a" * 42 + "+", "VERIFIER_CHARSET"),
    ("a" * 50 + " ", "VERIFIER_CHARSET"),
])
def test_verifier_syntax_failures(fails: Callable[..., Finding], verifier: Any, expected: str) -> None:
    fails(p.check_verifier_syntax, verifier, code=expected, req="RFC7636-4.1")


def test_verifier_with_all_unreserved_characters_passes() -> None:
    p.check_verifier_syntax("-._~" * 11)


def test_challenge_syntax(fails: Callable[..., Finding]) -> None:
    fails(p.check_challenge_syntax, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM=", code="CHALLENGE_SYNTAX",
          req="RFC7636-4.2")
    fails(p.check_challenge_syntax, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM", code="CHALLENGE_SYNTAX")
    p.check_challenge_syntax("x" * 43, "plain")
    fails(p.check_challenge_syntax, "short", "plain", code="VERIFIER_LENGTH")


def test_wrong_verifier_refused() -> None:
    assert p.check_wrong_verifier_refused(400, JSON, {"error": "invalid_grant"}) == {"error": "invalid_grant"}


def test_wrong_verifier_accepted_fails(fails: Callable[..., Finding]) -> None:
    fails(p.check_wrong_verifier_refused, 200, JSON, {"access_token": "x"}, code="TOKEN_REQUEST_ACCEPTED",
          req="RFC7636-4.6", level=Level.MUST)


def test_wrong_verifier_wrong_error_fails(fails: Callable[..., Finding]) -> None:
    fails(p.check_wrong_verifier_refused, 400, JSON, {"error": "invalid_request"},
          code="TOKEN_ERROR_WRONG_CODE", req="RFC7636-4.6")


@pytest.mark.parametrize("error", ["invalid_grant", "invalid_request"])
def test_missing_verifier_and_downgrade_refusals_pass(error: str) -> None:
    p.check_missing_verifier_refused(400, JSON, {"error": error})
    p.check_verifier_without_challenge_refused(400, JSON, {"error": error})


def test_missing_verifier_accepted_fails(fails: Callable[..., Finding]) -> None:
    fails(p.check_missing_verifier_refused, 200, JSON, {}, code="TOKEN_REQUEST_ACCEPTED", req="RFC9700-2.1.1-enforce")
    fails(p.check_verifier_without_challenge_refused, 200, JSON, {}, code="TOKEN_REQUEST_ACCEPTED",
          req="RFC9700-2.1.1")


def test_missing_verifier_unauthorized_client_is_wrong(fails: Callable[..., Finding]) -> None:
    fails(p.check_missing_verifier_refused, 400, JSON, {"error": "unauthorized_client"},
          code="TOKEN_ERROR_WRONG_CODE")


def test_verifier_length_refused() -> None:
    p.check_verifier_length_refused(400, JSON, {"error": "invalid_request"})


def test_verifier_length_accepted_is_a_warning(fails: Callable[..., Finding]) -> None:
    fails(p.check_verifier_length_refused, 200, JSON, {"access_token": "x"}, code="TOKEN_REQUEST_ACCEPTED",
          req="RFC7636-4.1", level=Level.SHOULD)


def test_verifier_length_refused_badly_is_still_reported(fails: Callable[..., Finding]) -> None:
    fails(p.check_verifier_length_refused, 500, JSON, {"error": "server_error"}, code="TOKEN_ERROR_STATUS")


def test_challenge_required_and_method_refused() -> None:
    assert p.check_challenge_required({"error": "invalid_request", "state": "s"}) == "invalid_request"
    assert p.check_challenge_method_refused({"error": "invalid_request"}) == "invalid_request"


def test_challenge_required_with_code_fails(fails: Callable[..., Finding]) -> None:
    fails(p.check_challenge_required, {"code": "abc", "state": "s"}, code="ERROR_MISSING", req="RFC7636-4.4.1")
    fails(p.check_challenge_method_refused, {"error": "unsupported_response_type"}, code="ERROR_UNEXPECTED",
          req="RFC7636-4.4.1-method")


@pytest.mark.parametrize(("advertised", "documented", "expected"), [
    (["S256", "plain"], None, {"S256", "plain"}),
    (["S256"], None, {"S256"}),
    (None, None, set()),                 # RFC 8414 §2: omitted = no PKCE
    ([], None, set()),
    (None, ["S256"], {"S256"}),          # documented by the vendor although not advertised
    (["S256"], ["plain"], {"S256", "plain"}),
    ("S256", None, set()),               # not a JSON array: nothing known
    ([42, "S256"], None, {"S256"}),
])
def test_supported_methods(advertised: Any, documented: list[Any] | None, expected: Any) -> None:
    assert p.supported_methods(advertised, documented) == frozenset(expected)
