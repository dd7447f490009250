"""Calls to a protected resource the profile names, with Bearer or DPoP, over mTLS when needed.

Resource-side checks must work against any deployment, so the resource is whatever the
profile names in ``documented.resources`` (the first entry that fits: DPoP-capable,
mTLS-capable, JWT access tokens) and otherwise the UserInfo endpoint (its mTLS alias for
certificate-bound tokens). Also here: a minimal token introspection call (used to read
``cnf``; the token-lifecycle area has a fuller one that this should be consolidated with) and
a throwaway self-signed client certificate for "another certificate" checks.

A request that gets no HTTP answer is described by :class:`TransportFailure`: the error text
and, when the server ended the TLS handshake with an alert, that alert's name
(:func:`transport_failure`). Judging whether the failure is a refusal is the checks' job
(:func:`harness.specs.rfc8705.check_tls_refusal`): only a certificate alert is one.
"""

from __future__ import annotations

import datetime as dt
import re
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx

from harness import evidence, jose
from harness.http import try_json_object
from harness.profile import Client, ResourceServer
from harness.results import fail
from harness.specs.rfc9449 import Challenge, parse_challenges
from harness.target import NotApplicable, Target

__all__ = [
    "ProtectedResource",
    "ResourceResult",
    "TransportFailure",
    "call_resource",
    "certificate_public_jwk",
    "introspect",
    "jwt_access_token",
    "pick_resource",
    "plain_code_flow",
    "throwaway_certificate",
    "token_params_for",
    "transport_failure",
]

Scheme = Literal["Bearer", "DPoP"]


@dataclass(frozen=True)
class ProtectedResource:
    """A protected resource the harness may call (from the profile, or UserInfo)."""

    url: str
    method: str = "GET"
    dpop: bool = False
    mtls: bool = False
    access_token_format: str = "opaque"
    audience: str | None = None
    scope: str | None = None
    dpop_nonce_required: bool = False
    userinfo: bool = False
    jwks_file: str | None = None
    fetch_jku: bool = False

    def describe(self) -> str:
        """A short name for messages and notes."""
        return f"UserInfo ({self.url})" if self.userinfo else self.url


def _from_profile(entry: ResourceServer) -> ProtectedResource:
    return ProtectedResource(url=entry.url, method=entry.method, dpop=entry.dpop, mtls=entry.mtls,
                             access_token_format=entry.access_token_format, audience=entry.audience,
                             scope=entry.scope, dpop_nonce_required=entry.dpop_nonce_required,
                             jwks_file=str(entry.jwks_file) if entry.jwks_file else None, fetch_jku=entry.fetch_jku)


def pick_resource(target: Target, *, dpop: bool = False, mtls: bool = False,
                  jwt: bool = False, purpose: str = "resource checks") -> ProtectedResource:
    """The first documented resource that fits, else UserInfo (skipped when neither exists).

    ``jwt=True`` asks for a resource whose access tokens are JWTs (RFC 9068) and that names
    its audience, so a token for it can be requested with ``resource``; UserInfo never
    qualifies (its tokens have no documented format).
    """
    for entry in target.profile.documented.resources:
        if dpop and not entry.dpop or mtls and not entry.mtls:
            continue
        if jwt and (entry.access_token_format != "jwt" or not entry.audience):
            continue
        return _from_profile(entry)
    if jwt:
        if target.profile.documented.access_token.format == "jwt":
            return ProtectedResource(url="", access_token_format="jwt")
        raise NotApplicable(f"the profile names no resource with JWT access tokens for {purpose}")
    url = target.mtls_endpoint("userinfo_endpoint") if mtls else target.endpoint("userinfo_endpoint")
    nonce = target.profile.documented.dpop.nonce_required
    return ProtectedResource(url=url, dpop=dpop, mtls=mtls, userinfo=True, dpop_nonce_required=nonce)


def plain_code_flow(client: Client) -> bool:
    """Whether the plain front-channel code flow serves ``client`` (no documented PAR, JAR or JARM requirement).

    The sender-constraining suites obtain codes with a plain authorization request; a client
    documented to require PAR, signed requests or JARM is not refused by them but left to those
    suites (a choice made before any request).
    """
    doc = client.documented
    return not (doc.require_par or doc.require_signed_requests or doc.require_jarm)


def jwt_access_token(resource: ProtectedResource, token: str) -> jose.DecodedJWT:
    """The access token for a resource :func:`pick_resource` chose with ``jwt=True``, decoded.

    That resource's tokens are documented as JWTs (``documented.resources[].access_token_format``,
    or ``documented.access_token.format`` when ``resource.url`` is empty), so a token that is not
    a JWS is a ``PRECONDITION_*`` failure of the documented behaviour, not a reason to skip.
    """
    requirement = "DOC-resources.access_token_format" if resource.url else "DOC-access_token.format"
    where = resource.describe() if resource.url else "the default audience"
    if token.count(".") != 2:
        raise fail("PRECONDITION_ACCESS_TOKEN_NOT_JWT", f"the access token for {where} is not a JWT (JWS) although "
                   "the profile documents JWT access tokens", requirement, expected="JWS compact serialization",
                   actual="JWE" if token.count(".") == 4 else "opaque")
    try:
        decoded = jose.decode_unverified(token)
    except jose.JoseError as exc:
        raise fail("PRECONDITION_ACCESS_TOKEN_NOT_JWT", f"the access token for {where} is not a decodable JWT: "
                   f"{exc}", requirement, expected="JWS compact serialization", actual=exc.code) from exc
    evidence.record_token("access token", decoded.header, decoded.claims)
    return decoded


def token_params_for(resource: ProtectedResource) -> tuple[dict[str, str], str | None]:
    """Authorization/token request parameters asking for a token for ``resource`` (RFC 8707).

    Returns ``(extra parameters, extra scope)``: ``resource`` when the entry names an
    audience, and the resource's documented scope.
    """
    params = {"resource": resource.audience} if resource.audience else {}
    return params, resource.scope


_ALERT_REASON = re.compile(r"^(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$")
_ALERT_IN_TEXT = re.compile(r"\[SSL: ((?:SSLV3|TLSV1|TLSV13)_ALERT_[A-Z_]+)\]")


@dataclass(frozen=True)
class TransportFailure:
    """A request that got no HTTP answer.

    ``tls_alert`` is the name of the TLS alert the *server* sent (RFC 8446 §6.2, e.g.
    ``certificate_required``, ``unknown_ca``, ``handshake_failure``), ``None`` when the
    failure was anything else: a timeout, a refused or reset connection, the harness
    rejecting the server's certificate.
    """

    text: str
    tls_alert: str | None = None


def transport_failure(exc: BaseException) -> TransportFailure:
    """Describe a transport exception, finding the server's TLS alert in its chain (if any).

    Python reports an alert received from the peer as an ``ssl.SSLError`` whose ``reason`` is
    ``<VERSION>_ALERT_<NAME>`` (``TLSV13_ALERT_CERTIFICATE_REQUIRED``); errors the local TLS
    stack raises itself (``CERTIFICATE_VERIFY_FAILED``) and socket errors carry no alert.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        reason = getattr(current, "reason", None) if isinstance(current, ssl.SSLError) else None
        if not isinstance(reason, str):
            found = _ALERT_IN_TEXT.search(str(current))
            reason = found.group(1) if found else None
        match = _ALERT_REASON.match(reason) if isinstance(reason, str) else None
        if match:
            return TransportFailure(f"{type(exc).__name__}: {exc}", match.group(1).lower())
        current = current.__cause__ or current.__context__
    return TransportFailure(f"{type(exc).__name__}: {exc}")


@dataclass
class ResourceResult:
    """What the resource answered (or the transport failure when ``expect_tls_refusal``)."""

    response: httpx.Response | None
    transport: TransportFailure | None = None
    challenges: list[Challenge] = field(default_factory=list)

    @property
    def transport_error(self) -> str | None:
        """The transport failure's text (``None`` when the resource answered)."""
        return None if self.transport is None else self.transport.text

    @property
    def tls_alert(self) -> str | None:
        """The TLS alert the resource refused the handshake with, if it did."""
        return None if self.transport is None else self.transport.tls_alert

    @property
    def status(self) -> int | None:
        """The HTTP status, ``None`` when the TLS handshake was refused."""
        return None if self.response is None else self.response.status_code

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def headers(self) -> httpx.Headers:
        """The response headers (empty when there was no response)."""
        return self.response.headers if self.response is not None else httpx.Headers()

    @property
    def body(self) -> dict[str, Any] | None:
        """The JSON body, when it is an object."""
        return None if self.response is None else try_json_object(self.response)

    def describe(self) -> str:
        """Status and challenge errors, for messages."""
        if self.response is None:
            alert = f" (TLS alert {self.tls_alert})" if self.tls_alert else ""
            return f"no HTTP answer{alert}: {self.transport_error}"
        errors = [f"{c.scheme} error={c.error}" for c in self.challenges if c.error]
        return f"HTTP {self.status}" + (f" ({'; '.join(errors)})" if errors else "")


def call_resource(target: Target, resource: ProtectedResource, access_token: str | None, *,
                  scheme: str = "Bearer", proof: str | None = None, cert: tuple[str, str] | None = None,
                  label: str = "protected resource request", url: str | None = None,
                  extra_headers: dict[str, str] | None = None,
                  expect_tls_refusal: bool = False) -> ResourceResult:
    """One request to the resource: ``Authorization: <scheme> <token>`` plus ``DPoP: <proof>``.

    ``scheme`` is sent verbatim (a test may send ``dpop``); ``url`` overrides the resource
    URL (e.g. with a query). With ``expect_tls_refusal`` a transport failure is returned as a
    result (:class:`TransportFailure`) for the check to judge instead of making it *broken*.
    """
    headers: dict[str, str] = {}
    if access_token is not None:
        headers["Authorization"] = f"{scheme} {access_token}"
    if proof is not None:
        headers["DPoP"] = proof
    headers.update(extra_headers or {})
    try:
        response = target.http.request(resource.method, url or resource.url, label=label, headers=headers,
                                       cert=cert, raise_transport_errors=expect_tls_refusal)
    except httpx.TransportError as exc:
        return ResourceResult(response=None, transport=transport_failure(exc))
    return ResourceResult(response=response, challenges=parse_challenges(response.headers))


def introspect(target: Target, token: str, *, client: Client, label: str = "introspection") -> dict[str, Any]:
    """RFC 7662 introspection of a freshly issued ``token`` as ``client``; return the JSON.

    A thin wrapper over :func:`harness.flows.introspection.introspect` for checks that read
    the token's ``cnf``. The introspection client is entitled (the profile names it, or it is
    the token's own client) and the token was just issued, so RFC 7662 §2.2 ("The server
    responds with a JSON object ... active REQUIRED") leaves one answer: HTTP 200 with
    ``"active": true``. Anything else is a ``PRECONDITION_*`` failure of the target.
    """
    from harness.flows import introspection

    result = introspection.introspect(target, client, token, label=label)
    if result.status != 200 or result.body is None:
        raise fail("PRECONDITION_INTROSPECTION_FAILED", f"introspecting a freshly issued access token as "
                   f"{client.id} did not return a JSON object", "RFC7662-2.2-json", expected="HTTP 200 JSON object",
                   actual=f"HTTP {result.status} error={(result.body or {}).get('error')}")
    if result.body.get("active") is not True:
        raise fail("PRECONDITION_TOKEN_NOT_ACTIVE", "introspection says a freshly issued access token is not active",
                   "RFC7662-2.2", expected=True, actual=result.body.get("active"))
    return result.body


def introspection_client(target: Target, token_client: Client) -> Client:
    """The documented introspection client, else the token's own client."""
    name = target.profile.documented.introspection.client
    return target.profile.client(name) if name else token_client


_cert_lock = threading.Lock()
_throwaway: tuple[str, str] | None = None


def throwaway_certificate() -> tuple[str, str]:
    """A self-signed client certificate and key (PEM files) no server knows; made once per process."""
    global _throwaway
    with _cert_lock:
        if _throwaway is not None and Path(_throwaway[0]).exists():
            return _throwaway
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oauth-harness unknown client")])
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
        directory = Path(tempfile.mkdtemp(prefix="harness-throwaway-cert-"))
        cert_file, key_file = directory / "client.crt", directory / "client.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        key_file.chmod(0o600)
        _throwaway = (str(cert_file), str(key_file))
        evidence.note("generated a throwaway self-signed client certificate (unknown to the target)")
        return _throwaway


def certificate_public_jwk(cert_file: str | Path) -> dict[str, Any]:
    """The public key of a PEM certificate as a JWK (to compare with a ``cnf.jwk``)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from joserfc.jwk import ECKey, RSAKey

    cert = x509.load_pem_x509_certificate(Path(cert_file).read_bytes())
    public = cert.public_key()
    pem = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    if isinstance(public, ec.EllipticCurvePublicKey):
        return dict(ECKey.import_key(pem).as_dict(private=False))
    if isinstance(public, rsa.RSAPublicKey):
        return dict(RSAKey.import_key(pem).as_dict(private=False))
    raise ValueError(f"unsupported certificate key type {type(public).__name__}")
