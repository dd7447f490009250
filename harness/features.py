"""What a server says it supports, read from its discovery metadata (RFC 8414, OIDC Discovery).

Used by the interoperability matrix (one column per target), by ``oauth-harness init`` (the
starter profile lists what was detected) and recorded in ``results.json`` (``run.features``).
Advertising a feature is not proof that it works: the suites check that. A member that is
absent means "not advertised", which for most features means the suites skip.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

Probe = Callable[[Mapping[str, Any]], tuple[bool, str]]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CIBA_GRANT = "urn:openid:params:grant-type:ciba"
# RFC 8414 §2: "If omitted, the default value is ["authorization_code", "implicit"]."
DEFAULT_GRANT_TYPES = ("authorization_code", "implicit")
# RFC 8414 §2: "If omitted, the default is "client_secret_basic"".
DEFAULT_AUTH_METHODS = ("client_secret_basic",)


@dataclass(frozen=True)
class Feature:
    """One capability and whether the metadata advertises it."""

    key: str
    title: str
    supported: bool
    detail: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _list(metadata: Mapping[str, Any], member: str, default: tuple[str, ...] = ()) -> list[str]:
    value = metadata.get(member)
    if value is None:
        return list(default)
    return [str(v) for v in value] if isinstance(value, list) else []


def _str(metadata: Mapping[str, Any], member: str) -> str | None:
    value = metadata.get(member)
    return value if isinstance(value, str) and value else None


def _endpoint(member: str) -> Probe:
    def probe(metadata: Mapping[str, Any]) -> tuple[bool, str]:
        url = _str(metadata, member)
        return url is not None, url or "not advertised"
    return probe


def _contains(member: str, value: str, default: tuple[str, ...] = ()) -> Probe:
    def probe(metadata: Mapping[str, Any]) -> tuple[bool, str]:
        values = _list(metadata, member, default)
        shown = ", ".join(values) if values else "not advertised"
        return value in values, shown
    return probe


def _non_empty(member: str) -> Probe:
    def probe(metadata: Mapping[str, Any]) -> tuple[bool, str]:
        values = _list(metadata, member)
        return bool(values), ", ".join(values) if values else "not advertised"
    return probe


def _flag(member: str) -> Probe:
    def probe(metadata: Mapping[str, Any]) -> tuple[bool, str]:
        value = metadata.get(member)
        return value is True, "true" if value is True else ("false" if value is False else "not advertised")
    return probe


def _device(metadata: Mapping[str, Any]) -> tuple[bool, str]:
    url = _str(metadata, "device_authorization_endpoint")
    return url is not None, url or "no device_authorization_endpoint"


def _ciba(metadata: Mapping[str, Any]) -> tuple[bool, str]:
    url = _str(metadata, "backchannel_authentication_endpoint")
    modes = _list(metadata, "backchannel_token_delivery_modes_supported")
    if url is None:
        return False, "no backchannel_authentication_endpoint"
    return True, "modes: " + (", ".join(modes) if modes else "not advertised")


def _jar(metadata: Mapping[str, Any]) -> tuple[bool, str]:
    algs = _list(metadata, "request_object_signing_alg_values_supported")
    supported = metadata.get("request_parameter_supported") is True or bool(algs)
    detail = ("algs: " + ", ".join(algs)) if algs else ("request_parameter_supported"
                                                         if supported else "not advertised")
    return supported, detail


def _jarm(metadata: Mapping[str, Any]) -> tuple[bool, str]:
    modes = [m for m in _list(metadata, "response_modes_supported") if m.endswith("jwt")]
    return bool(modes), ", ".join(modes) if modes else "no *.jwt response mode"


def _mtls(metadata: Mapping[str, Any]) -> tuple[bool, str]:
    methods = [m for m in _list(metadata, "token_endpoint_auth_methods_supported", DEFAULT_AUTH_METHODS)
               if m in ("tls_client_auth", "self_signed_tls_client_auth")]
    bound = metadata.get("tls_client_certificate_bound_access_tokens") is True
    parts = [*methods, *(["certificate-bound tokens"] if bound else [])]
    return bool(parts), ", ".join(parts) if parts else "not advertised"


def _pkce(metadata: Mapping[str, Any]) -> tuple[bool, str]:
    methods = _list(metadata, "code_challenge_methods_supported")
    return "S256" in methods, ", ".join(methods) if methods else "not advertised"


_PROBES: tuple[tuple[str, str, str, Probe], ...] = (
    ("oidc", "OpenID Connect (userinfo)", "userinfo_endpoint", _endpoint("userinfo_endpoint")),
    ("code", "authorization code", "response_types_supported", _contains("response_types_supported", "code")),
    ("pkce", "PKCE S256", "code_challenge_methods_supported", _pkce),
    ("refresh", "refresh tokens", "grant_types_supported",
     _contains("grant_types_supported", "refresh_token", DEFAULT_GRANT_TYPES)),
    ("client_credentials", "client credentials", "grant_types_supported",
     _contains("grant_types_supported", "client_credentials", DEFAULT_GRANT_TYPES)),
    ("private_key_jwt", "private_key_jwt", "token_endpoint_auth_methods_supported",
     _contains("token_endpoint_auth_methods_supported", "private_key_jwt", DEFAULT_AUTH_METHODS)),
    ("client_secret_jwt", "client_secret_jwt", "token_endpoint_auth_methods_supported",
     _contains("token_endpoint_auth_methods_supported", "client_secret_jwt", DEFAULT_AUTH_METHODS)),
    ("introspection", "introspection (RFC 7662)", "introspection_endpoint", _endpoint("introspection_endpoint")),
    ("revocation", "revocation (RFC 7009)", "revocation_endpoint", _endpoint("revocation_endpoint")),
    ("par", "PAR (RFC 9126)", "pushed_authorization_request_endpoint",
     _endpoint("pushed_authorization_request_endpoint")),
    ("par_required", "PAR required for all clients", "require_pushed_authorization_requests",
     _flag("require_pushed_authorization_requests")),
    ("jar", "JAR request objects (RFC 9101)", "request_object_signing_alg_values_supported", _jar),
    ("jarm", "JARM", "response_modes_supported", _jarm),
    ("iss_parameter", "iss in authorization responses (RFC 9207)", "authorization_response_iss_parameter_supported",
     _flag("authorization_response_iss_parameter_supported")),
    ("device", "device grant (RFC 8628)", "device_authorization_endpoint", _device),
    ("ciba", "CIBA", "backchannel_authentication_endpoint", _ciba),
    ("dpop", "DPoP (RFC 9449)", "dpop_signing_alg_values_supported", _non_empty("dpop_signing_alg_values_supported")),
    ("mtls", "mTLS (RFC 8705)", "token_endpoint_auth_methods_supported", _mtls),
    ("registration", "dynamic registration", "registration_endpoint", _endpoint("registration_endpoint")),
    ("end_session", "RP-initiated logout", "end_session_endpoint", _endpoint("end_session_endpoint")),
)

FEATURE_KEYS: tuple[str, ...] = tuple(key for key, *_ in _PROBES)


def detect_features(metadata: Mapping[str, Any]) -> list[Feature]:
    """Every known feature, in a stable order, with what the metadata says about it."""
    features = []
    for key, title, source, probe in _PROBES:
        supported, detail = probe(metadata)
        features.append(Feature(key=key, title=title, supported=supported, detail=detail, source=source))
    return features
