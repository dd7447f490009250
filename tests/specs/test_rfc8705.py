from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from harness import jose
from harness.flows.resource import certificate_public_jwk
from harness.results import Finding, Level, TargetUnreachable
from harness.specs import rfc8705 as m

JSON = {"Content-Type": "application/json"}
RFC_EXAMPLE = "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"  # RFC 8705 §3.1 / §3.2 examples


@pytest.fixture(scope="module")
def cert() -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "client")])
    now = datetime.datetime.now(datetime.UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))


def test_x5t_s256_is_the_sha256_of_the_der(cert: x509.Certificate) -> None:
    der = cert.public_bytes(Encoding.DER)
    value = jose.x5t_s256(cert.public_bytes(Encoding.PEM))
    assert value == jose.b64url(hashlib.sha256(der).digest())
    m.check_x5t_s256_syntax(value)
    m.check_x5t_s256_syntax(RFC_EXAMPLE)


def test_certificate_public_jwk(tmp_path: Path, cert: x509.Certificate) -> None:
    path = tmp_path / "c.pem"
    path.write_bytes(cert.public_bytes(Encoding.PEM))
    member = certificate_public_jwk(path)
    assert member["kty"] == "EC" and "d" not in member


@pytest.mark.parametrize("value", [None, 3, RFC_EXAMPLE + "=", RFC_EXAMPLE[:-1] + "/", " " + RFC_EXAMPLE[1:]])
def test_x5t_s256_syntax_bad(fails: Callable[..., Finding], value: Any) -> None:
    fails(m.check_x5t_s256_syntax, value, code="MTLS_X5T_SYNTAX", req="RFC8705-3.1-syntax")


def test_binding(fails: Callable[..., Finding]) -> None:
    m.check_x5t_s256_binding({"cnf": {"x5t#S256": RFC_EXAMPLE}}, RFC_EXAMPLE, where="jwt")
    m.check_x5t_s256_binding({"active": True, "cnf": {"x5t#S256": RFC_EXAMPLE}}, RFC_EXAMPLE, where="introspection")
    fails(m.check_x5t_s256_binding, {"cnf": {"jkt": "x"}}, RFC_EXAMPLE, where="jwt", code="MTLS_CNF_MISSING",
          req="RFC8705-3.1", level=Level.SHOULD)
    fails(m.check_x5t_s256_binding, {}, RFC_EXAMPLE, where="introspection", code="MTLS_CNF_MISSING",
          req="RFC8705-3.2", level=Level.MUST)
    other = jose.b64url(hashlib.sha256(b"other").digest())
    fails(m.check_x5t_s256_binding, {"cnf": {"x5t#S256": other}}, RFC_EXAMPLE, where="jwt",
          code="MTLS_X5T_MISMATCH", req="RFC8705-3", level=Level.MUST)
    fails(m.check_x5t_s256_binding, {"cnf": {"x5t#S256": other + "="}}, RFC_EXAMPLE, where="jwt",
          code="MTLS_X5T_SYNTAX")


def test_bound_token_refused_at_resource(fails: Callable[..., Finding]) -> None:
    m.check_bound_token_refused_at_resource(401, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    m.check_bound_token_refused_at_resource(None, {}, tls_alert="certificate_required",
                                            transport_error="ReadError: tlsv13 alert certificate required")
    fails(m.check_bound_token_refused_at_resource, 200, {}, code="MTLS_BOUND_TOKEN_ACCEPTED", req="RFC8705-3-resource")
    fails(m.check_bound_token_refused_at_resource, 403, {"WWW-Authenticate": 'Bearer error="invalid_token"'},
          code="RESOURCE_ERROR_STATUS")
    fails(m.check_bound_token_refused_at_resource, 401, {}, code="RESOURCE_CHALLENGE_MISSING")
    fails(m.check_bound_token_refused_at_resource, 401, {"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
          code="RESOURCE_ERROR_WRONG_CODE")
    with pytest.raises(ValueError):
        m.check_bound_token_refused_at_resource(None, {})


@pytest.mark.parametrize("alert", sorted(m.CERTIFICATE_REFUSAL_ALERTS))
def test_certificate_alert_is_a_refusal(alert: Any) -> None:
    """RFC 8446 §4.4.2.4: the server may abort the handshake over the client certificate."""
    m.check_tls_refusal(alert, f"ConnectError: alert {alert}", what="the request")
    m.check_client_auth_refused(None, {}, None, tls_alert=alert, transport_error="x")
    m.check_bound_token_refused_at_resource(None, {}, tls_alert=alert, transport_error="x")


@pytest.mark.parametrize(("alert", "text"), [
    (None, "ConnectError: [Errno 111] Connection refused"),
    (None, "ReadTimeout: timed out"),
    (None, "ReadError: [Errno 104] Connection reset by peer"),
    (None, "RemoteProtocolError: Server disconnected without sending a response."),
    (None, "ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
    ("internal_error", "ConnectError: [SSL: TLSV1_ALERT_INTERNAL_ERROR] tlsv1 alert internal error"),
    ("protocol_version", "ConnectError: [SSL: TLSV1_ALERT_PROTOCOL_VERSION]"),
])
def test_outage_is_never_a_refusal(alert: str | None, text: str) -> None:
    """A timeout, a refused or reset connection, or an unrelated alert is broken, not a pass."""
    with pytest.raises(TargetUnreachable, match="cannot be judged"):
        m.check_tls_refusal(alert, text, what="the request")
    with pytest.raises(TargetUnreachable):
        m.check_client_auth_refused(None, {}, None, tls_alert=alert, transport_error=text)
    with pytest.raises(TargetUnreachable):
        m.check_bound_token_refused_at_resource(None, {}, tls_alert=alert, transport_error=text)


def test_client_auth_refused(fails: Callable[..., Finding]) -> None:
    m.check_client_auth_refused(401, JSON, {"error": "invalid_client"})
    m.check_client_auth_refused(400, JSON, {"error": "invalid_client"})
    m.check_client_auth_refused(None, {}, None, tls_alert="unknown_ca", transport_error="ConnectError")
    fails(m.check_client_auth_refused, 200, JSON, {"access_token": "x"}, code="TOKEN_REQUEST_ACCEPTED",
          req="RFC8705-2")
    fails(m.check_client_auth_refused, 400, JSON, {"error": "invalid_grant"}, code="TOKEN_ERROR_WRONG_CODE")
    fails(m.check_client_auth_refused, 400, JSON, {"error": "invalid_request"}, code="TOKEN_ERROR_WRONG_CODE")
    m.check_client_auth_refused(400, JSON, {"error": "invalid_grant"}, expected="invalid_grant",
                                requirement="RFC8705-4")
    fails(lambda: m.check_client_auth_refused(400, JSON, {"error": "invalid_client"}, expected="invalid_grant",
                                              requirement="RFC8705-4", level=Level.SHOULD),
          code="TOKEN_ERROR_WRONG_CODE", req="RFC8705-4", level=Level.SHOULD)
    fails(lambda: m.check_client_auth_refused(200, JSON, {"access_token": "x"}, expected="invalid_grant",
                                              requirement="RFC8705-4", level=Level.SHOULD),
          code="TOKEN_REQUEST_ACCEPTED", req="RFC8705-4", level=Level.SHOULD)
    with pytest.raises(ValueError):
        m.check_client_auth_refused(None, {}, None)


def test_endpoint_aliases(fails: Callable[..., Finding]) -> None:
    assert m.check_mtls_endpoint_aliases({}) == {}
    aliases = {"token_endpoint": "https://mtls.example.com/token", "jwks_uri_unknown": 3,
               "userinfo_endpoint": "https://mtls.example.com/me"}
    assert m.check_mtls_endpoint_aliases({"mtls_endpoint_aliases": aliases}) == {
        "token_endpoint": "https://mtls.example.com/token", "userinfo_endpoint": "https://mtls.example.com/me"}
    fails(m.check_mtls_endpoint_aliases, {"mtls_endpoint_aliases": ["x"]}, code="MTLS_ALIASES_NOT_OBJECT",
          req="RFC8705-5")
    fails(m.check_mtls_endpoint_aliases, {"mtls_endpoint_aliases": {}}, code="MTLS_ALIASES_EMPTY")
    fails(m.check_mtls_endpoint_aliases, {"mtls_endpoint_aliases": {"token_endpoint": "http://mtls.example.com/t"}},
          code="MTLS_ALIAS_NOT_HTTPS")
