"""Every requirement ID quoted in ``harness/specs`` (and ``harness/jose/``) is valid."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from harness.specs.registry import requirement_url, validate_requirement_id

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "harness" / "specs").glob("*.py")) + sorted((ROOT / "harness" / "jose").glob("*.py"))
# Anything shaped like an ID (upper-case prefix, dash, section starting with a digit or
# naming a documented setting) counts, so a misspelt prefix such as "OIDC-2" is caught.
ID_SHAPE = re.compile(r"^(?:RFC\d{4}|[A-Z][A-Z0-9]{2,})-(?:\d[\w.]*(?:-\d+)?|[a-z][a-z0-9_]*)$")
NOT_IDS = {"SHA-256", "SHA-384", "SHA-512", "UTF-8", "US-ASCII", "RSA-OAEP", "ECDH-ES", "URL-unreserved"}
NOT_ID_SHAPE = re.compile(r"^RSA-\d+$")  # key kinds of harness.jose.generate_key


def _quoted_ids() -> list[tuple[str, str]]:
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                if value not in NOT_IDS and not NOT_ID_SHAPE.match(value) and ID_SHAPE.match(value):
                    found.append((path.name, value))
    return found


QUOTED = _quoted_ids()


def test_the_scan_finds_ids() -> None:
    ids = {value for _, value in QUOTED}
    assert {"RFC6749-4.1.2", "OIDCC-3.1.3.7-2", "OIDCD-4.3", "RFC9207-2", "OIDCD-4.2"} <= ids
    assert len(ids) > 50


@pytest.mark.parametrize(("module", "requirement"), sorted(set(QUOTED)))
def test_requirement_id_is_valid(module: str, requirement: str) -> None:
    validate_requirement_id(requirement)
    url = requirement_url(requirement)
    if not requirement.startswith("DOC-"):
        assert url is not None and "#section-" in url


def test_rule_suffix_links_to_the_section() -> None:
    assert requirement_url("OIDCC-3.1.3.7-11") == (
        "https://openid.net/specs/openid-connect-core-1_0.html#section-3.1.3.7")
    assert requirement_url("OIDCR-2") == (
        "https://openid.net/specs/openid-connect-registration-1_0.html#section-2")
