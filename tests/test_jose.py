from __future__ import annotations

import base64
import datetime
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from joserfc import jwk as joserfc_jwk

from harness import jose

VECTORS = Path(__file__).resolve().parents[1] / "fixtures" / "vectors"
NOW = 1_800_000_000


def vector(name: str) -> Any:
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rsa() -> jose.Key:
    return jose.generate_key("RSA")


@pytest.fixture(scope="module")
def ec256() -> jose.Key:
    return jose.generate_key("EC")


# --- vectors ----------------------------------------------------------------------------------

def test_rfc7638_thumbprint_filters_members() -> None:
    v = vector("rfc7638_thumbprint")
    assert {"alg", "kid"} <= set(v["jwk"])
    assert jose.thumbprint(v["jwk"]) == v["thumbprint_sha256"]
    assert jose.thumbprint_uri(v["jwk"]) == v["thumbprint_uri"]
    assert jose.thumbprint(jose.import_jwk(v["jwk"])) == v["thumbprint_sha256"]
    assert jose.key_size_bits(v["jwk"]) == v["modulus_bits"]


def test_the_joserfc_thumbprint_trap_is_real() -> None:
    """joserfc.jwk.thumbprint(dict) hashes every member: the reason harness.jose has its own."""
    v = vector("rfc7638_thumbprint")
    assert joserfc_jwk.thumbprint(v["jwk"]) != v["thumbprint_sha256"]


def test_rfc9449_ath_vector(ec256: jose.Key) -> None:
    v = vector("rfc9449_ath")
    proof = jose.build_dpop_proof(ec256, "GET", "https://resource.example.org/protectedresource",
                                  access_token=v["access_token"], now=NOW)
    assert jose.decode_unverified(proof).claims["ath"] == v["ath"]


def test_rfc7515_a1_hs256_vector() -> None:
    v = vector("rfc7515_a1_hs256")
    decoded = jose.verify_jws(v["jws"], jose.import_jwk(v["jwk"]), ["HS256"])
    assert decoded.header == v["header"] and decoded.claims == v["claims"]


def test_oidc_core_hash_vectors() -> None:
    for case in vector("oidc_core_hashes")["cases"]:
        assert jose.half_hash(case["value"], case["alg"]) == case["hash"]


# --- base64url / decoding ---------------------------------------------------------------------

def test_b64url_round_trip() -> None:
    assert jose.b64url(b"\xfb\xff") == "-_8"
    assert jose.b64url_decode("-_8") == b"\xfb\xff"
    assert jose.b64url_decode("-_8=") == b"\xfb\xff"
    assert jose.b64url("é") == "w6k"


@pytest.mark.parametrize("text", ["a+b", "abcde", "a b", "é"])
def test_b64url_decode_rejects_garbage(text: str) -> None:
    with pytest.raises(jose.MalformedToken):
        jose.b64url_decode(text)


def _seg(value: Any) -> str:
    return jose.b64url(value if isinstance(value, (bytes, str)) else json.dumps(value))


@pytest.mark.parametrize(("token", "message"), [
    (None, "not str"),
    ("abc", "3 parts"),
    ("a.b.c.d", "3 parts"),
    ("!!.e30.", "base64url"),
    (_seg("not json") + ".e30.", "JSON"),
    (_seg([1]) + ".e30.", "not an object"),
    (_seg({}) + ".e30.", "alg"),
    (_seg({"alg": 1}) + ".e30.", "alg"),
    (_seg({"alg": "none"}) + "." + _seg("nope") + ".", "payload"),
    (_seg(b"\xff") + ".e30.", "UTF-8"),
    ("a.b.c.d.e", "JWE"),
])
def test_decode_unverified_garbage(token: Any, message: str) -> None:
    with pytest.raises(jose.MalformedToken, match=message):
        jose.decode_unverified(token)


def test_decode_unverified_parts(rsa: jose.Key) -> None:
    token = jose.sign_jws({"alg": "RS256", "kid": "k", "typ": "JWT"}, {"a": 1}, rsa)
    decoded = jose.decode_unverified(f"  {token}\n")
    assert (decoded.alg, decoded.kid, decoded.typ) == ("RS256", "k", "JWT")
    assert decoded.claims == {"a": 1} and decoded.payload == b'{"a":1}'
    assert decoded.signing_input == token.rsplit(".", 1)[0].encode()
    assert len(decoded.signature) == 256
    assert jose.decode_unverified(jose.sign_jws({"alg": "RS256", "kid": 5}, {}, rsa)).kid is None


def test_is_jwe_and_header(rsa: jose.Key) -> None:
    assert jose.is_jwe("a.b.c.d.e") and not jose.is_jwe("a.b.c")
    assert not jose.is_jwe(None)  # type: ignore[arg-type]
    enc = jose.encrypt_jwe(b"x", jose.generate_key("RSA", label="enc", use="enc"), "RSA-OAEP", "A128GCM")
    assert jose.decode_jose_header(enc)["enc"] == "A128GCM"
    with pytest.raises(jose.MalformedToken):
        jose.decode_jose_header("a.b")


# --- keys -------------------------------------------------------------------------------------

def test_generate_key_cache_and_labels() -> None:
    a = jose.generate_key("RSA")
    assert jose.generate_key("RSA") is a
    assert jose.generate_key("RSA", label="other") is not a
    assert jose.generate_key("RSA", fresh=True) is not a
    assert a.get("kid") == jose.thumbprint(a)
    assert jose.generate_key("RSA", label="enc", use="enc").get("use") == "enc"
    with pytest.raises(ValueError):
        jose.generate_key("DSA")


@pytest.mark.parametrize(("kind", "bits", "alg"), [
    ("RSA", 2048, "RS256"), ("RSA-1024", 1024, "RS256"), ("EC", 256, "ES256"), ("P-384", 384, "ES384"),
    ("P-521", 521, "ES512"), ("secp256k1", 256, "ES256K"), ("Ed25519", 256, "EdDSA"), ("Ed448", 456, "Ed448"),
    ("oct", 256, "HS256"), ("oct-512", 512, "HS256"),
])
def test_key_sizes_and_default_algs(kind: str, bits: int, alg: str) -> None:
    key = jose.generate_key(kind)
    assert jose.key_size_bits(key) == bits
    assert jose.key_size_bits(jose.public_jwk(key) if kind[:3] != "oct" else key.as_dict(private=True)) == bits
    assert jose.default_alg_for_key(key) == alg


@pytest.mark.parametrize(("kind", "alg"), [("RSA", "PS256"), ("RSA", "PS512"), ("RSA", "RS384"), ("EC", "ES256"),
                                           ("P-384", "ES384"), ("Ed25519", "EdDSA"), ("oct", "HS512")])
def test_default_alg_honours_the_keys_alg(kind: str, alg: str) -> None:
    """RFC 7517 §4.4: a key's ``alg`` is the algorithm intended for it; only a key without one falls back."""
    member = dict(jose.generate_key(kind, label="declared-alg").as_dict(private=True))
    member["alg"] = alg
    assert jose.default_alg_for_key(jose.import_jwk(member)) == alg


@pytest.mark.parametrize(("kind", "alg"), [("RSA", "ES256"), ("EC", "ES384"), ("EC", "RS256"), ("RSA", "RSA-OAEP"),
                                           ("oct", "RS256"), ("RSA", "none")])
def test_default_alg_refuses_an_alg_the_key_cannot_serve(kind: str, alg: str) -> None:
    member = dict(jose.generate_key(kind, label="declared-alg").as_dict(private=True))
    member["alg"] = alg
    with pytest.raises(jose.JoseError):
        jose.default_alg_for_key(jose.import_jwk(member))


def test_key_size_and_alg_errors() -> None:
    with pytest.raises(jose.JoseError):
        jose.default_alg_for_key(jose.generate_key("X25519"))
    for bad in ({"kty": "RSA"}, {"kty": "EC", "crv": "P-999"}, {"kty": "oct"}, {"kty": "XYZ"}):
        with pytest.raises(jose.JoseError):
            jose.key_size_bits(bad)


def test_parse_jwks_skips_what_it_cannot_use(rsa: jose.Key, ec256: jose.Key) -> None:
    document = {"keys": [jose.public_jwk(rsa), {"kty": "PQC", "kid": "future"}, "junk",
                         jose.public_jwk(ec256)]}
    jwks = jose.parse_jwks(document)
    assert len(jwks) == 2 and jwks.kids() == [rsa.get("kid"), ec256.get("kid")]
    assert [s.member for s in jwks.skipped][1] == "junk"
    assert "d" not in jwks.public_document()["keys"][0]
    assert list(jwks) == list(jwks.keys)


@pytest.mark.parametrize("document", [[], {"keys": "x"}, {}])
def test_parse_jwks_rejects_non_sets(document: Any) -> None:
    with pytest.raises(jose.JoseError):
        jose.parse_jwks(document)


def test_import_jwk_errors() -> None:
    with pytest.raises(jose.JoseError):
        jose.import_jwk({"n": "x"})
    with pytest.raises(jose.JoseError):
        jose.import_jwk({"kty": "RSA", "n": 5})


def test_select_key(rsa: jose.Key, ec256: jose.Key) -> None:
    jwks = jose.JWKS.from_keys([rsa, ec256])
    assert jose.select_key(jwks, {"alg": "RS256", "kid": rsa.get("kid")}) is rsa
    assert jose.select_key(jwks, {"alg": "ES256"}) is ec256  # no kid: the only EC key
    with pytest.raises(jose.UnknownKid, match="nope"):
        jose.select_key(jwks, {"alg": "RS256", "kid": "nope"})
    with pytest.raises(jose.NoSuitableKey):
        jose.select_key(jwks, {"alg": "ES256", "kid": rsa.get("kid")})
    with pytest.raises(jose.NoSuitableKey):
        jose.select_key(jwks, {"alg": "ES384"})
    with pytest.raises(jose.AmbiguousKey):
        jose.select_key(jose.JWKS.from_keys([rsa, jose.generate_key("RSA", label="b")]), {"alg": "RS256"})


def test_select_key_honours_use_and_alg_members(rsa: jose.Key) -> None:
    enc = jose.generate_key("RSA", label="enc", use="enc")
    jwks = jose.JWKS.from_keys([rsa, enc])
    assert jose.select_key(jwks, {"alg": "RS256"}) is rsa
    assert jose.select_key(jwks, {"alg": "RSA-OAEP-256"}, use="enc") is enc
    pinned = jose.import_jwk(jose.public_jwk(rsa) | {"alg": "PS256"})
    with pytest.raises(jose.NoSuitableKey):
        jose.select_key(jose.JWKS.from_keys([pinned]), {"alg": "RS256"})


def test_same_kid_different_types_resolved_by_alg(rsa: jose.Key, ec256: jose.Key) -> None:
    twin = jose.import_jwk(jose.public_jwk(ec256) | {"kid": rsa.get("kid")})
    jwks = jose.JWKS.from_keys([rsa, twin])
    assert jose.select_key(jwks, {"alg": "ES256", "kid": rsa.get("kid")}) is twin


def test_load_private_jwks(tmp_path: Path, rsa: jose.Key, ec256: jose.Key) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"keys": [dict(rsa.as_dict(private=True)), dict(ec256.as_dict(private=True))]}))
    jwks = jose.load_private_jwks(path)
    assert len(jwks) == 2 and jwks.keys[0].is_private
    single = tmp_path / "one.json"
    single.write_text(json.dumps(dict(ec256.as_dict(private=True))))
    assert len(jose.load_private_jwks(single)) == 1
    for content in ("not json", json.dumps({"keys": [{"kty": "RSA"}]})):
        bad = tmp_path / "bad.json"
        bad.write_text(content)
        with pytest.raises(jose.JoseError):
            jose.load_private_jwks(bad)
    with pytest.raises(jose.JoseError):
        jose.load_private_jwks(tmp_path / "missing.json")


# --- verification -----------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "alg"), [
    ("RSA", "RS256"), ("RSA", "RS512"), ("RSA", "PS256"), ("RSA", "PS384"), ("EC", "ES256"), ("P-384", "ES384"),
    ("P-521", "ES512"), ("Ed25519", "EdDSA"), ("Ed25519", "Ed25519"), ("Ed448", "Ed448"), ("oct", "HS384"),
])
def test_verify_round_trip(kind: str, alg: str) -> None:
    key = jose.generate_key(kind)
    token = jose.sign_jws({"alg": alg, "kid": key.get("kid")}, {"sub": "x"}, key)
    public = jose.import_jwk(jose.public_jwk(key)) if kind[:3] != "oct" else key
    assert jose.verify_jws(token, public, [alg]).claims == {"sub": "x"}
    assert jose.verify_jws(token, [public], ["RS256", alg]).alg == alg


def test_verify_alg_not_allowed(rsa: jose.Key) -> None:
    token = jose.sign_jws({"alg": "PS256", "kid": rsa.get("kid")}, {}, rsa)
    with pytest.raises(jose.AlgNotAllowed):
        jose.verify_jws(token, rsa, ["RS256"])


def test_verify_none_only_when_listed(rsa: jose.Key) -> None:
    token = jose.sign_unsecured({"typ": "JWT"}, {"a": 1})
    assert token.endswith(".")
    with pytest.raises(jose.AlgNotAllowed):
        jose.verify_jws(token, rsa, ["RS256"])
    assert jose.verify_jws(token, rsa, ["none"]).claims == {"a": 1}
    forged = token + jose.b64url(b"sig")
    with pytest.raises(jose.BadSignature):
        jose.verify_jws(forged, rsa, ["none"])


def test_verify_bad_signature_and_wrong_key(rsa: jose.Key) -> None:
    token = jose.sign_jws({"alg": "RS256", "kid": rsa.get("kid")}, {"a": 1}, rsa)
    tampered = jose.sign_jws({"alg": "RS256", "kid": rsa.get("kid")}, {"a": 2}, rsa).rsplit(".", 1)[0] + \
        "." + token.rsplit(".", 1)[1]
    with pytest.raises(jose.BadSignature):
        jose.verify_jws(tampered, rsa, ["RS256"])
    other = jose.generate_key("RSA", label="other")
    with pytest.raises(jose.UnknownKid):
        jose.verify_jws(token, other, ["RS256"])
    lying = jose.sign_jws({"alg": "RS256"}, {"a": 1}, rsa, alg="RS512")
    with pytest.raises(jose.BadSignature):
        jose.verify_jws(lying, rsa, ["RS256"])


def test_verify_key_mismatch(rsa: jose.Key) -> None:
    encrypt_only = jose.import_jwk(jose.public_jwk(rsa) | {"key_ops": ["encrypt"]})
    token = jose.sign_jws({"alg": "RS256", "kid": rsa.get("kid")}, {}, rsa)
    with pytest.raises(jose.KeyMismatch):
        jose.verify_jws(token, encrypt_only, ["RS256"])


def test_verify_tolerates_unknown_header_members_and_big_headers(rsa: jose.Key) -> None:
    chain = [base64.b64encode(b"\x30" * 3000).decode()] * 3
    token = jose.sign_jws({"alg": "RS256", "kid": rsa.get("kid"), "x-vendor": {"a": 1}, "x5c": chain},
                          {"a": 1}, rsa)
    assert jose.verify_jws(token, rsa, ["RS256"]).header["x-vendor"] == {"a": 1}


def test_verify_honours_crit(rsa: jose.Key) -> None:
    token = jose.sign_jws({"alg": "RS256", "kid": rsa.get("kid"), "crit": ["exp-x"], "exp-x": 1}, {}, rsa)
    with pytest.raises(jose.InvalidHeader):
        jose.verify_jws(token, rsa, ["RS256"])


def test_verify_rejects_jwe(rsa: jose.Key) -> None:
    with pytest.raises(jose.MalformedToken):
        jose.verify_jws("a.b.c.d.e", rsa, ["RS256"])


def test_verify_hs() -> None:
    token = jose.build_client_secret_jwt("c", "https://as", "short")  # short secrets are the server's issue
    assert jose.verify_hs(token, "short").claims["iss"] == "c"
    with pytest.raises(jose.BadSignature):
        jose.verify_hs(token, "other")
    with pytest.raises(jose.AlgNotAllowed):
        jose.verify_hs(token, "short", ["HS512"])
    with pytest.raises(ValueError):
        jose.verify_hs(token, "short", ["RS256"])
    assert jose.verify_hs(jose.sign_jws({"alg": "HS512"}, {}, jose.secret_key("é")), "é").alg == "HS512"


# --- JWE --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def enc_rsa() -> jose.Key:
    return jose.generate_key("RSA", label="enc", use="enc")


@pytest.mark.parametrize(("kind", "alg", "enc"), [
    ("RSA", "RSA-OAEP-256", "A256GCM"), ("RSA", "RSA-OAEP", "A128CBC-HS256"), ("EC", "ECDH-ES+A256KW", "A256GCM"),
    ("EC", "ECDH-ES", "A128GCM"), ("X25519", "ECDH-ES", "A256GCM"), ("oct", "A256KW", "A256CBC-HS512"),
    ("oct", "dir", "A256GCM"),
])
def test_jwe_round_trip_with_iss_and_aud_in_header(kind: str, alg: str, enc: str) -> None:
    key = jose.generate_key(kind, label="jwe", use="enc")
    token = jose.encrypt_jwe(b"secret", key, alg, enc, header_extra={"iss": "https://op", "aud": "c"})
    header, plaintext = jose.decrypt_jwe(token, jose.JWKS.from_keys([key]), [alg, enc])
    assert plaintext == b"secret" and header["iss"] == "https://op" and header["aud"] == "c"


def test_jwe_allow_list(enc_rsa: jose.Key) -> None:
    token = jose.encrypt_jwe(b"x", enc_rsa, "RSA-OAEP-256", "A256GCM")
    with pytest.raises(jose.AlgNotAllowed, match="alg"):
        jose.decrypt_jwe(token, enc_rsa, ["RSA-OAEP", "A256GCM"])
    with pytest.raises(jose.AlgNotAllowed, match="enc"):
        jose.decrypt_jwe(token, enc_rsa, ["RSA-OAEP-256", "A128GCM"])
    zipped = jose.encrypt_jwe(b"x" * 100, enc_rsa, "RSA-OAEP-256", "A256GCM", header_extra={"zip": "DEF"})
    with pytest.raises(jose.AlgNotAllowed, match="zip"):
        jose.decrypt_jwe(zipped, enc_rsa, ["RSA-OAEP-256", "A256GCM"])
    assert jose.decrypt_jwe(zipped, enc_rsa, ["RSA-OAEP-256", "A256GCM", "DEF"])[1] == b"x" * 100


def test_jwe_wrong_key(enc_rsa: jose.Key) -> None:
    stranger = jose.generate_key("RSA", label="stranger", use="enc")
    token = jose.encrypt_jwe(b"x", enc_rsa, "RSA-OAEP-256", "A256GCM")
    with pytest.raises(jose.UnknownKid):
        jose.decrypt_jwe(token, stranger, ["RSA-OAEP-256", "A256GCM"])
    anonymous = jose.encrypt_jwe(b"x", enc_rsa, "RSA-OAEP-256", "A256GCM", header_extra={"kid": jose.REMOVE})
    assert "kid" not in jose.decode_jose_header(anonymous)
    assert jose.decrypt_jwe(anonymous, enc_rsa, ["RSA-OAEP-256", "A256GCM"])[1] == b"x"
    with pytest.raises(jose.DecryptionFailed):
        jose.decrypt_jwe(anonymous, stranger, ["RSA-OAEP-256", "A256GCM"])


def test_jwe_decrypt_failure(enc_rsa: jose.Key) -> None:
    token = jose.encrypt_jwe(b"x", enc_rsa, "RSA-OAEP-256", "A256GCM")
    parts = token.split(".")
    parts[3] = jose.b64url(b"tampered-ciphertext")
    with pytest.raises(jose.DecryptionFailed):
        jose.decrypt_jwe(".".join(parts), enc_rsa, ["RSA-OAEP-256", "A256GCM"])
    with pytest.raises(jose.MalformedToken):
        jose.decrypt_jwe("a.b.c", enc_rsa, ["RSA-OAEP-256"])


def test_unwrap_nested(rsa: jose.Key, enc_rsa: jose.Key) -> None:
    plain = jose.sign_jws({"alg": "PS256", "kid": rsa.get("kid")}, {"a": 1}, rsa)
    assert jose.unwrap_nested(plain, verify_keys=rsa, allowed_algs=["PS256"]).jwe_header is None
    nested = jose.encrypt_jwe(plain, enc_rsa, "RSA-OAEP-256", "A256GCM", header_extra={"cty": "JWT"})
    result = jose.unwrap_nested(nested, verify_keys=rsa, allowed_algs=["PS256"], decrypt_keys=[enc_rsa],
                                allowed_enc=["RSA-OAEP-256", "A256GCM"])
    assert result.jws.claims == {"a": 1} and result.jwe_header is not None
    with pytest.raises(jose.DecryptionFailed):
        jose.unwrap_nested(nested, verify_keys=rsa, allowed_algs=["PS256"])
    not_jws = jose.encrypt_jwe(b"\xff\xfe", enc_rsa, "RSA-OAEP-256", "A256GCM")
    with pytest.raises(jose.MalformedToken):
        jose.unwrap_nested(not_jws, verify_keys=rsa, allowed_algs=["PS256"], decrypt_keys=enc_rsa,
                           allowed_enc=["RSA-OAEP-256", "A256GCM"])


# --- fingerprints -----------------------------------------------------------------------------

def test_thumbprint_members_and_errors(ec256: jose.Key) -> None:
    public = jose.public_jwk(ec256)
    assert jose.thumbprint(public) == jose.thumbprint(dict(ec256.as_dict(private=True)) | {"use": "sig"})
    assert jose.thumbprint(public) == ec256.thumbprint()
    assert len(jose.thumbprint(public, "sha512")) == 86
    with pytest.raises(jose.JoseError):
        jose.thumbprint({"kty": "EC", "crv": "P-256", "x": "a"})
    with pytest.raises(jose.JoseError):
        jose.thumbprint({"kty": "PQC"})


@pytest.fixture(scope="module")
def certificate() -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "client.example")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(start).not_valid_after(start + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))


def test_x5t_s256_accepts_every_encoding(certificate: x509.Certificate) -> None:
    der = certificate.public_bytes(Encoding.DER)
    expected = jose.b64url(hashlib.sha256(der).digest())
    pem = certificate.public_bytes(Encoding.PEM)
    assert {jose.x5t_s256(der), jose.x5t_s256(pem), jose.x5t_s256(pem.decode()),
            jose.x5t_s256(base64.b64encode(der).decode()), jose.x5t_s256(certificate)} == {expected}


@pytest.mark.parametrize("garbage", [b"not a certificate", "not base64!", "-----BEGIN CERTIFICATE-----\nxx"])
def test_x5t_s256_garbage(garbage: Any) -> None:
    with pytest.raises(jose.JoseError):
        jose.x5t_s256(garbage)


@pytest.mark.parametrize(("alg", "digest", "length"), [
    ("RS256", hashlib.sha256, 22), ("PS384", hashlib.sha384, 32), ("ES512", hashlib.sha512, 43),
    ("HS256", hashlib.sha256, 22), ("EdDSA", hashlib.sha512, 43), ("Ed25519", hashlib.sha512, 43),
])
def test_half_hash(alg: str, digest: Any, length: int) -> None:
    full = digest(b"value").digest()
    assert jose.half_hash("value", alg) == jose.b64url(full[: len(full) // 2])
    assert len(jose.half_hash("value", alg)) == length


def test_half_hash_ed448_and_unknown() -> None:
    expected = jose.b64url(hashlib.shake_256(b"v").digest(114)[:57])
    assert jose.half_hash("v", "Ed448") == expected == jose.half_hash("v", "EdDSA", crv="Ed448")
    with pytest.raises(jose.JoseError):
        jose.half_hash("v", "none")


# --- builders ---------------------------------------------------------------------------------

def test_client_assertion(rsa: jose.Key) -> None:
    token = jose.build_client_assertion("client-1", "https://as.example/token", rsa, "PS256", lifetime=120,
                                        now=NOW, extra_claims={"nbf": NOW})
    decoded = jose.verify_jws(token, rsa, ["PS256"])
    claims = decoded.claims
    assert claims["iss"] == claims["sub"] == "client-1" and claims["aud"] == "https://as.example/token"
    assert claims["iat"] == NOW and claims["exp"] == NOW + 120 and claims["nbf"] == NOW
    assert decoded.kid == rsa.get("kid") and "typ" not in decoded.header
    again = jose.decode_unverified(jose.build_client_assertion("client-1", "x", rsa, "PS256", now=NOW))
    assert again.claims["jti"] != claims["jti"]


def test_client_assertion_negative_variants(rsa: jose.Key) -> None:
    token = jose.build_client_assertion("c", ["https://as", "https://as/token"], rsa, "RS256", now=NOW,
                                        claim_overrides={"sub": "someone-else", "jti": jose.REMOVE},
                                        header_overrides={"kid": jose.REMOVE, "typ": "JWT"})
    decoded = jose.decode_unverified(token)
    assert decoded.claims["aud"] == ["https://as", "https://as/token"]
    assert decoded.claims["sub"] == "someone-else" and "jti" not in decoded.claims
    assert decoded.header == {"alg": "RS256", "typ": "JWT"}
    unsigned = jose.build_client_assertion("c", "https://as", None, "none", now=NOW)
    assert jose.decode_unverified(unsigned).alg == "none" and unsigned.endswith(".")


def test_client_secret_jwt() -> None:
    token = jose.build_client_secret_jwt("c", "https://as", "s3cret", alg="HS512", now=NOW)
    assert jose.verify_hs(token, "s3cret", ["HS512"]).claims["exp"] == NOW + 60


def test_request_object_signed_unsigned_and_encrypted(rsa: jose.Key, enc_rsa: jose.Key) -> None:
    claims = {"iss": "c", "aud": "https://as", "client_id": "c", "response_type": "code"}
    signed = jose.build_request_object(claims, rsa, "PS256")
    assert jose.verify_jws(signed, rsa, ["PS256"]).typ == "oauth-authz-req+jwt"
    assert "typ" not in jose.decode_unverified(jose.build_request_object(claims, rsa, "RS256", typ=None)).header
    assert jose.decode_unverified(jose.build_request_object(claims, None, "none")).alg == "none"
    nested = jose.build_request_object(claims, rsa, "PS256", encrypt_to=enc_rsa)
    assert jose.is_jwe(nested) and jose.decode_jose_header(nested)["cty"] == "JWT"
    opened = jose.unwrap_nested(nested, verify_keys=rsa, allowed_algs=["PS256"], decrypt_keys=enc_rsa,
                                allowed_enc=["RSA-OAEP-256", "A256GCM"])
    assert opened.jws.claims == claims


@pytest.mark.parametrize(("kind", "alg"), [("EC", "ES256"), ("RSA", "RS256"), ("Ed25519", "EdDSA")])
def test_dpop_proof(kind: str, alg: str) -> None:
    key = jose.generate_key(kind)
    proof = jose.build_dpop_proof(key, "POST", "https://as.example/token", nonce="n1", now=NOW, jti="j1")
    decoded = jose.decode_unverified(proof)
    assert decoded.header["typ"] == "dpop+jwt" and decoded.alg == alg
    assert "d" not in decoded.header["jwk"]
    assert decoded.claims == {"jti": "j1", "htm": "POST", "htu": "https://as.example/token", "iat": NOW,
                              "nonce": "n1"}
    verified = jose.verify_jws(proof, jose.import_jwk(decoded.header["jwk"]), [alg])
    assert jose.thumbprint(verified.header["jwk"]) == jose.thumbprint(key)


def test_dpop_proof_negative_variants(ec256: jose.Key) -> None:
    proof = jose.build_dpop_proof(ec256, "GET", "https://rs.example/r", now=NOW,
                                  header_overrides={"jwk": dict(ec256.as_dict(private=True)), "typ": "JWT"},
                                  claim_overrides={"iat": NOW - 3600, "htm": jose.REMOVE})
    decoded = jose.decode_unverified(proof)
    assert "d" in decoded.header["jwk"] and decoded.typ == "JWT"
    assert decoded.claims["iat"] == NOW - 3600 and "htm" not in decoded.claims


def test_normalize_htu() -> None:
    assert jose.normalize_htu("https://rs.example/r?x=1#f") == "https://rs.example/r"


def test_sign_jws_errors(rsa: jose.Key) -> None:
    with pytest.raises(ValueError):
        jose.sign_jws({}, {}, rsa)
    with pytest.raises(ValueError):
        jose.sign_jws({"alg": "XX999"}, {}, rsa)
    with pytest.raises(ValueError):
        jose.sign_jws({"alg": "RS256"}, {}, None)
    assert jose.sign_jws({"alg": "RS256"}, b"raw-bytes", rsa).split(".")[1] == jose.b64url(b"raw-bytes")
