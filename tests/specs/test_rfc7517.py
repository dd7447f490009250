from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness import jose
from harness.results import Finding, Level
from harness.specs import rfc7517 as k
from harness.specs import rfc7518 as a


@pytest.fixture(scope="module")
def public_set() -> dict[str, Any]:
    keys = [jose.generate_key("RSA"), jose.generate_key("EC"), jose.generate_key("Ed25519")]
    return jose.JWKS.from_keys(keys).public_document()


def test_good_jwks_passes(public_set: dict[str, Any]) -> None:
    k.check_jwks_document(public_set)
    a.check_rsa_key_sizes(public_set)


@pytest.mark.parametrize(("document", "expected"), [
    ([], "JWKS_NOT_OBJECT"),
    ({}, "JWKS_KEYS_MISSING"),
    ({"keys": {"kty": "RSA"}}, "JWKS_KEYS_NOT_ARRAY"),
    ({"keys": "RSA"}, "JWKS_KEYS_NOT_ARRAY"),
])
def test_jwks_shape_failures(fails: Callable[..., Finding], document: Any, expected: str) -> None:
    fails(k.check_jwks_document, document, code=expected, req="RFC7517-5")
    # the same document served at jwks_uri is a target fault for signature checks too, not a harness error
    fails(k.published_keys, 200, document, code=expected, req="RFC7517-5")


def test_jwks_response(fails: Callable[..., Finding], public_set: dict[str, Any]) -> None:
    assert k.check_jwks_response(200, public_set) == public_set
    assert len(k.published_keys(200, public_set)) == 3
    fails(k.check_jwks_response, 404, b"not found", code="JWKS_STATUS", req="OIDCD-3-jwks_uri")
    fails(k.published_keys, 500, public_set, code="JWKS_STATUS", req="RFC8414-2", requirement="RFC8414-2")
    fails(k.published_keys, 200, b"<html>", code="JWKS_NOT_JSON", req="RFC7517-5")


def test_member_not_object_and_missing_kty(fails: Callable[..., Finding]) -> None:
    fails(k.check_jwks_document, {"keys": ["x"]}, code="JWK_NOT_OBJECT", req="RFC7517-5")
    fails(k.check_jwks_document, {"keys": [{"kid": "a"}]}, code="JWK_KTY_MISSING", req="RFC7517-4.1")


def test_empty_set_is_a_warning(fails: Callable[..., Finding]) -> None:
    fails(k.check_jwks_document, {"keys": []}, code="JWKS_EMPTY", level=Level.SHOULD)


@pytest.mark.parametrize("kind", ["RSA", "EC", "Ed25519", "oct"])
def test_private_material_fails(fails: Callable[..., Finding], kind: str) -> None:
    private = jose.public_jwk(jose.generate_key(kind)) | dict(jose.generate_key(kind).as_dict(private=True))
    f = fails(k.check_jwks_document, {"keys": [private]}, code="JWKS_PRIVATE_KEY_MATERIAL", req="RFC7517-7",
              level=Level.MUST)
    assert "d" in f.actual or "k" in f.actual


def test_duplicate_kid_same_type_is_a_warning(fails: Callable[..., Finding], public_set: dict[str, Any]) -> None:
    rsa = public_set["keys"][0]
    other = jose.public_jwk(jose.generate_key("RSA", label="other")) | {"kid": rsa["kid"]}
    fails(k.check_jwks_document, {"keys": [rsa, other]}, code="JWKS_DUPLICATE_KID", req="RFC7517-4.5",
          level=Level.SHOULD)


def test_duplicate_kid_across_types_is_allowed(public_set: dict[str, Any]) -> None:
    rsa, ec = public_set["keys"][0], public_set["keys"][1]
    k.check_jwks_document({"keys": [rsa, ec | {"kid": rsa["kid"]}]})


def test_keys_without_kid_in_a_multi_key_set(fails: Callable[..., Finding], public_set: dict[str, Any]) -> None:
    keys = [{kk: vv for kk, vv in key.items() if kk != "kid"} for key in public_set["keys"]]
    fails(k.check_jwks_document, {"keys": keys}, code="JWKS_KID_MISSING", req="OIDCC-10.1-kid", level=Level.SHOULD)
    k.check_jwks_document({"keys": keys[:1]})


def test_use_required_when_signing_and_encryption_keys_mix(fails: Callable[..., Finding],
                                                           public_set: dict[str, Any]) -> None:
    enc = jose.public_jwk(jose.generate_key("RSA", label="enc", use="enc"))
    fails(k.check_jwks_document, {"keys": [*public_set["keys"], enc]}, code="JWKS_USE_MISSING",
          req="RFC8414-2-jwks_uri", level=Level.MUST)
    fails(k.check_jwks_document, {"keys": [public_set["keys"][0], enc]}, use_requirement="OIDCD-3-jwks_uri",
          code="JWKS_USE_MISSING", req="OIDCD-3-jwks_uri")
    signed = [key | {"use": "sig"} for key in public_set["keys"]]
    k.check_jwks_document({"keys": [*signed, enc]})
    by_alg = {kk: vv for kk, vv in enc.items() if kk != "use"} | {"alg": "RSA-OAEP-256"}
    fails(k.check_jwks_document, {"keys": [public_set["keys"][0], by_alg]}, code="JWKS_USE_MISSING")
    k.check_jwks_document({"keys": [enc]})


def test_rsa_key_sizes(fails: Callable[..., Finding]) -> None:
    small = jose.public_jwk(jose.generate_key("RSA-1024"))
    f = fails(a.check_rsa_key_sizes, {"keys": [small]}, code="RSA_KEY_TOO_SMALL", req="RFC7518-3.3")
    assert f.actual == 1024
    a.check_rsa_key_sizes({"keys": [small, {"kty": "RSA", "n": 5}, "junk"]}, min_bits=1024)
    a.check_rsa_key_sizes("not a set")


@pytest.mark.parametrize(("alg", "requirement"), [
    ("RS256", "RFC7518-3.3"), ("PS384", "RFC7518-3.5"), ("RSA1_5", "RFC7518-4.2"), ("RSA-OAEP-256", "RFC7518-4.3"),
])
def test_key_size_for_algorithm(fails: Callable[..., Finding], alg: str, requirement: str) -> None:
    small = jose.generate_key("RSA-1024")
    fails(a.check_key_size, small, alg, code="RSA_KEY_TOO_SMALL", req=requirement)
    assert a.check_key_size(jose.generate_key("RSA"), alg) == 2048
    assert a.check_key_size(jose.public_jwk(jose.generate_key("P-384")), "ES384") == 384


def test_hmac_key_length(fails: Callable[..., Finding]) -> None:
    a.check_hmac_key_length("x" * 32, "HS256")
    a.check_hmac_key_length(b"x" * 64, "HS512")
    fails(a.check_hmac_key_length, "secret", "HS256", code="HMAC_KEY_TOO_SHORT", req="RFC7518-3.2")
    fails(a.check_hmac_key_length, "é" * 20, "HS384", code="HMAC_KEY_TOO_SHORT")  # 40 octets < 48
    with pytest.raises(ValueError):
        a.check_hmac_key_length("x", "RS256")
