"""Key and certificate material: test CA, TLS certificates, provider and client keys.

Key pairs are generated once per Python process and reused by later starts (RSA key
generation dominates start-up time).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["CLIENTS", "ClientSpec", "Material", "arrange_keys", "b64u", "get_material", "public_jwk"]

@dataclass(frozen=True)
class ClientSpec:
    """The launcher's view of one registered client: which material it needs.

    ``keys`` lists key pairs to generate: ``"sig-rsa"``, ``"sig-ec"`` (signing) and
    ``"enc-rsa"`` (ID token / JARM encryption). ``cert`` is ``"ca"`` for a certificate
    issued by the test CA (``tls_client_auth``) or ``"self"`` for a self-signed one.
    """

    client_id: str
    auth_method: str
    secret: bool = False
    keys: tuple[str, ...] = ()
    cert: str | None = None

    @property
    def env_name(self) -> str:
        """Suffix of the client's environment variables (``conf-basic`` -> ``CONF_BASIC``)."""
        return self.client_id.upper().replace("-", "_")


CLIENTS: tuple[ClientSpec, ...] = (
    ClientSpec("conf-basic", "client_secret_basic", secret=True),
    ClientSpec("conf-post", "client_secret_post", secret=True),
    ClientSpec("userinfo-jwt", "client_secret_basic", secret=True),
    ClientSpec("userinfo-enc", "client_secret_basic", secret=True, keys=("enc-rsa",)),
    ClientSpec("conf-secret-jwt", "client_secret_jwt", secret=True),
    ClientSpec("conf-pkjwt", "private_key_jwt", keys=("sig-rsa", "sig-ec")),
    ClientSpec("conf-hs256", "client_secret_basic", secret=True),
    ClientSpec("conf-enc", "client_secret_basic", secret=True, keys=("enc-rsa",)),
    ClientSpec("public", "none"),
    ClientSpec("conf-pkce", "client_secret_basic", secret=True),
    ClientSpec("par-required", "private_key_jwt", keys=("sig-rsa", "sig-ec")),
    ClientSpec("jar-required", "private_key_jwt", keys=("sig-rsa", "sig-ec")),
    ClientSpec("jarm", "client_secret_basic", secret=True),
    ClientSpec("jarm-enc", "client_secret_basic", secret=True, keys=("enc-rsa",)),
    ClientSpec("device", "none"),
    ClientSpec("device-conf", "client_secret_basic", secret=True),
    ClientSpec("ciba-poll", "private_key_jwt", keys=("sig-rsa", "sig-ec")),
    ClientSpec("ciba-ping", "private_key_jwt", keys=("sig-rsa", "sig-ec")),
    ClientSpec("dpop", "none"),
    ClientSpec("dpop-conf", "client_secret_basic", secret=True),
    ClientSpec("mtls", "tls_client_auth", cert="ca"),
    ClientSpec("mtls-self", "self_signed_tls_client_auth", cert="self"),
    ClientSpec("introspector", "client_secret_basic", secret=True),
    ClientSpec("fapi2-dpop", "private_key_jwt", keys=("sig-ec", "sig-rsa")),
    ClientSpec("fapi2-ms", "private_key_jwt", keys=("sig-ec", "sig-rsa")),
    ClientSpec("fapi-ciba", "private_key_jwt", keys=("sig-ec", "sig-rsa")),
    ClientSpec("fapi-ciba-ping", "private_key_jwt", keys=("sig-ec", "sig-rsa")),
    ClientSpec("fapi-ciba-mtls", "private_key_jwt", keys=("sig-ec", "sig-rsa")),
    ClientSpec("fapi2-mtls", "tls_client_auth"),  # the mtls client's certificate and subject DN (src/areas/fapi2.mjs)
    ClientSpec("fapi-ciba-tls", "tls_client_auth", keys=("sig-ec", "sig-rsa")),  # the mtls client's certificate too
)
"""The clients registered in ``fixtures/reference_target/src/clients.mjs``."""



def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def int_b64u(value: int, length: int | None = None) -> str:
    size = length if length is not None else max(1, (value.bit_length() + 7) // 8)
    return b64u(value.to_bytes(size, "big"))


def _rsa_jwk(key: rsa.RSAPrivateKey, **members: str) -> dict[str, str]:
    priv = key.private_numbers()
    pub = priv.public_numbers
    return {
        "kty": "RSA", **members,
        "n": int_b64u(pub.n), "e": int_b64u(pub.e), "d": int_b64u(priv.d),
        "p": int_b64u(priv.p), "q": int_b64u(priv.q), "dp": int_b64u(priv.dmp1),
        "dq": int_b64u(priv.dmq1), "qi": int_b64u(priv.iqmp),
    }


def _ec_jwk(key: ec.EllipticCurvePrivateKey, **members: str) -> dict[str, str]:
    priv = key.private_numbers()
    return {
        "kty": "EC", "crv": "P-256", **members,
        "x": int_b64u(priv.public_numbers.x, 32), "y": int_b64u(priv.public_numbers.y, 32),
        "d": int_b64u(priv.private_value, 32),
    }


_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi"})


def public_jwk(jwk: Mapping[str, Any]) -> dict[str, Any]:
    """The JWK without its private members."""
    return {k: v for k, v in jwk.items() if k not in _PRIVATE_MEMBERS}


def _pem_key(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@dataclass(frozen=True)
class Material:
    """Process-wide key material (generated once, reused by later starts)."""

    ca: trustme.CA
    server_cert_pem: bytes
    server_key_pem: bytes
    rp_cert_pem: bytes
    rp_key_pem: bytes
    provider_jwks: dict[str, Any]
    weak_rsa_jwk: dict[str, Any]
    client_jwks: dict[str, dict[str, Any]]  # private JWKS per client id
    client_certs: dict[str, tuple[bytes, bytes]]  # client id -> (cert PEM, key PEM)
    mtls_subject_dn: str
    #: (cert PEM, key PEM) issued by the same CA as the mtls client's, with another subject DN
    #: (CN=mtls-other-dn): RFC 8705 §2.1.2, the server must refuse it for the mtls client
    other_subject_dn_cert: tuple[bytes, bytes]


_material_lock = threading.Lock()
_material: Material | None = None


def _self_signed_client_cert(common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OAuth Harness Reference Target"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _key_certificate(key: rsa.RSAPrivateKey, common_name: str = "OAuth Harness Reference Target signing key") -> str:
    """A self-signed certificate for a key, as an ``x5c`` entry (standard base64 of the DER)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")


def generate_material() -> Material:
    suffix = secrets.token_hex(3)
    ca = trustme.CA(organization_name="OAuth Harness Reference Target CA")
    server = ca.issue_cert("127.0.0.1", "localhost", organization_name="OAuth Harness Reference Target")
    rp = ca.issue_cert("127.0.0.1", "localhost", organization_name="OAuth Harness Relying Party")

    def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=bits)

    op_rs256 = rsa_key()  # published with its self-signed certificate (x5c), so an x5t header can be matched to it
    provider_keys = [
        _rsa_jwk(op_rs256, kid=f"op-rs256-{suffix}", alg="RS256", use="sig") | {"x5c": [_key_certificate(op_rs256)]},
        _rsa_jwk(rsa_key(), kid=f"op-ps256-{suffix}", alg="PS256", use="sig"),
        _ec_jwk(ec.generate_private_key(ec.SECP256R1()), kid=f"op-es256-{suffix}", alg="ES256", use="sig"),
        _rsa_jwk(rsa_key(), kid=f"op-enc-rsa-{suffix}", use="enc"),
        _ec_jwk(ec.generate_private_key(ec.SECP256R1()), kid=f"op-enc-ec-{suffix}", use="enc"),
    ]
    weak = _rsa_jwk(rsa_key(1024), kid=f"op-weak-rs256-1024-{suffix}", alg="RS256", use="sig")

    client_jwks: dict[str, dict[str, Any]] = {}
    client_certs: dict[str, tuple[bytes, bytes]] = {}
    mtls_subject_dn = ""
    for spec in CLIENTS:
        keys: list[dict[str, Any]] = []
        for kind in spec.keys:
            kid = f"{spec.client_id}-{kind}-{suffix}"
            if kind == "sig-rsa":
                keys.append(_rsa_jwk(rsa_key(), kid=kid, use="sig"))
            elif kind == "sig-ec":
                keys.append(_ec_jwk(ec.generate_private_key(ec.SECP256R1()), kid=kid, alg="ES256", use="sig"))
            elif kind == "enc-rsa":  # with a self-signed certificate, so a JWE x5t header can be matched to it
                enc = rsa_key()
                keys.append(_rsa_jwk(enc, kid=kid, alg="RSA-OAEP-256", use="enc")
                            | {"x5c": [_key_certificate(enc, f"{spec.client_id} encryption key")]})
            else:  # pragma: no cover - CLIENTS is static
                raise AssertionError(kind)
        if spec.cert == "ca":
            leaf = ca.issue_cert(f"{spec.client_id}.client.example.test", common_name=spec.client_id,
                                 organization_name="OAuth Harness Reference Target",
                                 organization_unit_name="Clients")
            cert_pem = leaf.cert_chain_pems[0].bytes()
            client_certs[spec.client_id] = (cert_pem, leaf.private_key_pem.bytes())
            mtls_subject_dn = x509.load_pem_x509_certificate(cert_pem).subject.rfc4514_string()
        elif spec.cert == "self":
            cert, key = _self_signed_client_cert(spec.client_id)
            der = cert.public_bytes(serialization.Encoding.DER)
            client_certs[spec.client_id] = (cert.public_bytes(serialization.Encoding.PEM), _pem_key(key))
            keys.append(_ec_jwk(key, kid=f"{spec.client_id}-cert-{suffix}", use="sig") | {
                "x5c": [base64.b64encode(der).decode("ascii")],
                "x5t#S256": b64u(hashlib.sha256(der).digest()),
            })
        if keys:
            client_jwks[spec.client_id] = {"keys": keys}
    other = ca.issue_cert("mtls-other-dn.client.example.test", common_name="mtls-other-dn",
                          organization_name="OAuth Harness Reference Target", organization_unit_name="Clients")

    return Material(
        ca=ca,
        server_cert_pem=server.cert_chain_pems[0].bytes(),
        server_key_pem=server.private_key_pem.bytes(),
        rp_cert_pem=rp.cert_chain_pems[0].bytes(),
        rp_key_pem=rp.private_key_pem.bytes(),
        provider_jwks={"keys": provider_keys},
        weak_rsa_jwk=weak,
        client_jwks=client_jwks,
        client_certs=client_certs,
        mtls_subject_dn=mtls_subject_dn,
        other_subject_dn_cert=(other.cert_chain_pems[0].bytes(), other.private_key_pem.bytes()),
    )


def get_material() -> Material:
    global _material
    with _material_lock:
        if _material is None:
            _material = generate_material()
        return _material


def _key_kind(jwk: Mapping[str, Any]) -> str | None:
    """``sig-rsa`` / ``sig-ec`` for a generated signing key (not a certificate's key), else ``None``."""
    if jwk.get("use") != "sig" or "x5c" in jwk:
        return None
    return {"RSA": "sig-rsa", "EC": "sig-ec"}.get(str(jwk.get("kty")))


def arrange_keys(jwks: Mapping[str, Any], layout: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The private JWKS with its signing keys as ``layout`` says: which, in which order, with which ``alg``.

    ``layout`` is ``[(kind, alg), ...]`` with kind ``sig-rsa`` or ``sig-ec``; signing keys not named
    are left out, other keys (encryption, a certificate's key) follow unchanged.

    Raises:
        ValueError: the client has no key of a named kind.
    """
    keys: list[dict[str, Any]] = list(jwks["keys"])
    by_kind = {_key_kind(k): k for k in keys if _key_kind(k) is not None}
    arranged: list[dict[str, Any]] = []
    for kind, alg in layout:
        if kind not in by_kind:
            raise ValueError(f"the client has no {kind} key to label {alg}")
        arranged.append({**by_kind[kind], "alg": alg})
    arranged += [k for k in keys if _key_kind(k) is None]
    return {"keys": arranged}
