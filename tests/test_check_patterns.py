"""``--check`` patterns: brackets are literal (check ids carry their parameters in brackets)."""

from __future__ import annotations

import pytest

from harness.cli import check_patterns
from harness.pytest_plugin import check_pattern_matches


@pytest.mark.parametrize(("check", "pattern"), [
    ("pkce.verifier_length_bounds[42]", "pkce.verifier_length_bounds[*]"),   # the example of run --help
    ("jarm.response_mode[query.jwt]", "jarm.response_mode[query.jwt]"),
    ("jarm.response_mode[query.jwt]", "jarm.response_mode[[]query.jwt]"),    # fnmatch's escape still works
    ("id_token.signature", "id_token.*"),
    ("client_auth.registered_method_works[private_key_jwt]", "client_auth.registered_method_works[[]*"),
])
def test_selects(check: str, pattern: str) -> None:
    assert check_pattern_matches(check, pattern)


@pytest.mark.parametrize(("check", "pattern"), [
    ("pkce.verifier_length_boundsx", "pkce.verifier_length_bounds[*]"),
    ("jarm.response_mode[jwt]", "jarm.response_mode[query.jwt]"),
    ("jarm.response_mode[q]", "jarm.response_mode[query.jwt]"),   # not a character class
    ("id_token.signature", "id_token.sig"),
])
def test_does_not_select(check: str, pattern: str) -> None:
    assert not check_pattern_matches(check, pattern)


def test_a_check_without_parameters_selects_all_its_cases() -> None:
    patterns = check_patterns(["pkce.verifier_length_bounds"])
    assert any(check_pattern_matches("pkce.verifier_length_bounds[43]", p) for p in patterns)
    assert any(check_pattern_matches("pkce.verifier_length_bounds", p) for p in patterns)
    assert not any(check_pattern_matches("pkce.verifier_length_bounds_x", p) for p in patterns)
