"""``oauth-harness init --issuer URL``: a starter target profile written from discovery.

The harness reads the server's discovery document (OIDC Discovery §4, else RFC 8414 §3),
lists what it advertises, and writes a profile that loads once its TODO values and secret
environment variables are filled in: clients for the detected authentication methods and
grants, a test user, the login driver to adjust, and the documented settings to copy from
the vendor's admin console. Nothing is guessed silently: every guess carries a ``TODO``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.features import DEFAULT_AUTH_METHODS, detect_features
from harness.http import TargetHttp, origin_of
from harness.results import HarnessError, TargetUnreachable
from harness.specs._http import loads_strict

TODO = "TODO"
OIDC_WELL_KNOWN = "/.well-known/openid-configuration"
RFC8414_WELL_KNOWN = "/.well-known/oauth-authorization-server"
_URL_MEMBERS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "introspection_endpoint",
                "revocation_endpoint", "pushed_authorization_request_endpoint", "device_authorization_endpoint",
                "backchannel_authentication_endpoint", "end_session_endpoint", "registration_endpoint")


class DiscoveryFailed(HarnessError):
    """No usable discovery document at the issuer."""


@dataclass
class Discovered:
    """The discovery document and where it was found."""

    issuer: str
    url: str
    metadata: dict[str, Any]
    kind: str  # "openid-configuration" or "oauth-authorization-server"


def discovery_candidates(issuer: str) -> list[tuple[str, str]]:
    """Where the document may live: OIDC Discovery §4 (appended) then RFC 8414 §3 (inserted)."""
    base = issuer.rstrip("/")
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    return [(base + OIDC_WELL_KNOWN, "openid-configuration"),
            (f"{parts.scheme}://{parts.netloc}{RFC8414_WELL_KNOWN}{path}", "oauth-authorization-server")]


def discover(issuer: str, *, ca_file: Path | None = None, verify: bool = True, timeout_s: float = 10.0) -> Discovered:
    """Fetch the discovery document of ``issuer``; only the issuer's origin is contacted."""
    parts = urlsplit(issuer)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DiscoveryFailed(f"the issuer must be an absolute http(s) URL, got {issuer!r}")
    http = TargetHttp(allowed_origins={origin_of(issuer)}, ca_file=ca_file, verify=verify,
                      connect_timeout=min(timeout_s, 5.0), read_timeout=timeout_s)
    problems = []
    try:
        for url, kind in discovery_candidates(issuer):
            try:
                response = http.get(url, label="discovery")
            except TargetUnreachable as exc:
                raise DiscoveryFailed(f"cannot reach {url}: {exc}{tls_hint(str(exc), ca_file)}") from exc
            if response.status_code != 200:
                problems.append(f"{url} answered HTTP {response.status_code}")
                continue
            try:
                metadata = loads_strict(response.content)
            except ValueError:
                problems.append(f"{url} did not answer JSON")
                continue
            if not isinstance(metadata, dict):
                problems.append(f"{url} did not answer a JSON object")
                continue
            return Discovered(issuer=issuer, url=url, metadata=metadata, kind=kind)
    finally:
        http.close()
    raise DiscoveryFailed("no discovery document: " + "; ".join(problems) +
                          " (is the issuer URL exactly what the server calls itself, including any path?)")


_TLS_TRUST_WORDS = ("CERTIFICATE_VERIFY_FAILED", "self-signed certificate", "self signed certificate",
                    "unable to get local issuer certificate", "certificate verify failed")


def tls_hint(error: str, ca_file: Path | None) -> str:
    """The next step when the server's TLS certificate is not trusted: name the CA with ``--ca-file``."""
    if not any(word.lower() in error.lower() for word in _TLS_TRUST_WORDS):
        return ""
    if ca_file is not None:
        return (f" (hint: the server's certificate does not chain to {ca_file}; give the CA bundle that issued it "
                "with --ca-file)")
    return (" (hint: the server's certificate is issued by a CA this machine does not trust; give that CA's PEM "
            "bundle with --ca-file CA.pem — the profile then names it as tls.ca_file)")


def _name_for(issuer: str) -> str:
    parts = urlsplit(issuer)
    raw = (parts.hostname or "target") + (parts.path.replace("/", "-") if parts.path.strip("/") else "")
    return re.sub(r"[^A-Za-z0-9_.\-]+", "-", raw).strip("-") or "target"


def _q(value: str) -> str:
    """A YAML scalar (JSON strings are valid YAML)."""
    return json.dumps(value)


def _other_origins(metadata: Mapping[str, Any], issuer: str) -> list[str]:
    own = origin_of(issuer)
    urls = [metadata.get(m) for m in _URL_MEMBERS]
    aliases = metadata.get("mtls_endpoint_aliases")
    if isinstance(aliases, dict):
        urls.extend(aliases.values())
    found = {origin_of(u) for u in urls if isinstance(u, str) and urlsplit(u).scheme in ("http", "https")}
    return sorted(found - {own})


def _list(metadata: Mapping[str, Any], member: str) -> list[str]:
    value = metadata.get(member)
    return [str(v) for v in value] if isinstance(value, list) else []


def render_starter_profile(found: Discovered, *, ca_file: Path | None = None, verify: bool = True,
                           env_prefix: str = "TARGET") -> str:
    """The starter profile as commented YAML."""
    md = found.metadata
    issuer = str(md.get("issuer") or found.issuer)
    features = detect_features(md)
    methods = _list(md, "token_endpoint_auth_methods_supported") or list(DEFAULT_AUTH_METHODS)
    grants = _list(md, "grant_types_supported") or ["authorization_code", "implicit"]
    scopes = _list(md, "scopes_supported")
    oidc = found.kind == "openid-configuration" or "openid" in scopes
    scope = " ".join(s for s in ("openid", "profile", "email") if not scopes or s in scopes) if oidc else ""
    pkce = _list(md, "code_challenge_methods_supported")
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    width = max(len(f.title) for f in features)
    lines = [
        f"# Starter target profile written by `oauth-harness init` on {now}",
        f"# from {found.url}",
        "#",
        "# Advertised in discovery (not yet verified - the suites check that):",
        *[f"#   {'yes' if f.supported else 'no ':3}  {f.title:<{width}}  {f.source}: {f.detail}" for f in features],
        "#",
        "# Next steps:",
        "#   1. Replace every TODO below (test clients and a test user registered at the server,",
        "#      the login page of your deployment) and export the secret variables:",
        f"#        export {env_prefix}_CLIENT_SECRET=... {env_prefix}_USER_PASSWORD=...",
        "#   2. oauth-harness check-profile <this file>   (validates and probes connectivity and credentials)",
        "#   3. oauth-harness run --target <this file>",
        f"name: {_q(_name_for(issuer))}",
        f"description: {_q('TODO: describe the deployment (product, version, environment)')}",
        f"issuer: {_q(issuer)}",
    ]
    if found.url != issuer.rstrip("/") + OIDC_WELL_KNOWN:
        lines.append(f"discovery_url: {_q(found.url)}")
    https = urlsplit(issuer).scheme == "https"
    lines.append(f"production: {'true' if https else 'false'}   # production profiles require https everywhere")
    others = _other_origins(md, issuer)
    if others:
        lines += ["# Discovery names endpoints on other origins. The harness never contacts an origin the",
                  "# profile does not list: uncomment the ones that belong to your deployment.",
                  "# allowed_origins:", *[f"#   - {_q(o)}" for o in others]]
    if ca_file is not None or not verify:
        lines.append("tls:")
        if ca_file is not None:
            lines.append(f"  ca_file: {_q(str(ca_file))}")
        if not verify:
            lines.append("  verify: false   # TODO: give the CA instead (ca_file); never for production")
    lines += [
        "users:",
        f"  - username: {_q('TODO-test-user')}   # TODO: a test account the harness may sign in as",
        f"    password: ${{{env_prefix}_USER_PASSWORD}}",
        "login:",
        "  driver: http_form   # TODO: http_form for plain HTML login/consent forms, browser (Chromium) otherwise",
        "  http_form:          # TODO: the id attributes of your login and consent forms",
        "    login_form_id: login-form",
        "    username_field: username",
        "    password_field: password",
        "    consent_form_id: consent-form",
        "    approve: {name: decision, value: approve}",
        "    deny: {name: decision, value: deny}",
        "documented:   # TODO: copy the settings your product documents (each becomes a check)",
    ]
    if pkce:
        lines.append(f"  pkce_methods: {json.dumps(pkce)}   # from code_challenge_methods_supported")
    lines += ["  # authorization_code_lifetime_s: 60", "  # access_token: {format: opaque, lifetime_s: 3600}"]
    lines += ["clients:"]
    lines += _clients(methods, grants, scope, md, env_prefix)
    return "\n".join(lines) + "\n"


def _clients(methods: list[str], grants: list[str], scope: str, md: Mapping[str, Any], prefix: str) -> list[str]:
    code_grants = [g for g in ("authorization_code", "refresh_token") if g in grants]
    secret_method = next((m for m in ("client_secret_basic", "client_secret_post") if m in methods), None)
    scope_line = [f"    scope: {_q(scope)}"] if scope else []
    out: list[str] = []
    if secret_method is not None:
        out += [f"  - id: {_q('TODO-confidential-client')}   # TODO: a confidential test client",
                f"    auth_method: {secret_method}   # advertised: {', '.join(methods)}",
                f"    secret: ${{{prefix}_CLIENT_SECRET}}",
                f"    redirect_uris: [{_q('https://rp.example.test/cb')}]   # TODO: as registered",
                f"    grant_types: {json.dumps(code_grants or ['authorization_code'])}",
                *scope_line]
    if "none" in methods:
        out += [f"  - id: {_q('TODO-public-client')}   # TODO: a public test client (PKCE)",
                "    auth_method: none",
                f"    redirect_uris: [{_q('https://rp.example.test/cb')}]   # TODO: as registered",
                f"    grant_types: {json.dumps(code_grants or ['authorization_code'])}",
                *scope_line,
                "    documented: {require_pkce: true}   # TODO: only if the server documents it"]
    if "private_key_jwt" in methods:
        out += ["  # - id: TODO-pkjwt-client   # a private_key_jwt client: its private JWKS file",
                "  #   auth_method: private_key_jwt",
                "  #   jwks_file: TODO-client.jwks.json",
                "  #   redirect_uris: [https://rp.example.test/cb]"]
    if md.get("device_authorization_endpoint"):
        out += ["  # - id: TODO-device-client   # device grant (RFC 8628) advertised",
                "  #   auth_method: none",
                '  #   grant_types: ["urn:ietf:params:oauth:grant-type:device_code"]']
    if md.get("backchannel_authentication_endpoint"):
        out += ["  # - id: TODO-ciba-client   # CIBA advertised; set login.ciba for the approval step",
                "  #   auth_method: private_key_jwt",
                "  #   jwks_file: TODO-ciba.jwks.json",
                '  #   grant_types: ["urn:openid:params:grant-type:ciba"]']
    if not out:
        out += [f"  - id: {_q('TODO-client')}   # TODO: no usable auth method detected ({', '.join(methods)})",
                "    auth_method: client_secret_basic",
                f"    secret: ${{{prefix}_CLIENT_SECRET}}",
                f"    redirect_uris: [{_q('https://rp.example.test/cb')}]"]
    return out


def write_starter_profile(issuer: str, output: Path, *, ca_file: Path | None = None, verify: bool = True,
                          force: bool = False) -> Discovered:
    """Discover ``issuer`` and write the starter profile to ``output`` (kept if it exists, unless ``force``)."""
    if output.exists() and not force:
        raise FileExistsError(f"{output} exists; choose another --output or add --force")
    found = discover(issuer, ca_file=ca_file, verify=verify)
    text = render_starter_profile(found, ca_file=ca_file.resolve() if ca_file else None, verify=verify)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    return found
