"""``oauth-harness check-profile``: validate a profile and probe the target before a full run.

Each probe ends ``ok``, ``problem`` (the run would fail or break because of the profile or
the deployment), ``warning`` (worth a look) or ``skipped``, with an explanation in plain
words and what to change. Probes: the profile loads; no ``TODO`` placeholder is left; the
discovery document answers and names the profile's issuer exactly; the endpoints it names
are on origins the profile allows; the JWK Set loads; and every client authenticates at
the token endpoint. Client credentials are probed without a user: a token request with a
made-up grant (``invalid_grant`` means the credentials were accepted, ``invalid_client``
that they were refused, RFC 6749 §5.2). No token is printed; no secret is shown.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from harness import jose
from harness.http import try_json_object
from harness.profile import AuthMethod, Client, TargetProfile, load_profile
from harness.results import CheckFailed, HarnessError, ProfileError
from harness.target import NotApplicable, Target

if TYPE_CHECKING:
    from harness.flows.token import TokenResult

Status = Literal["ok", "problem", "warning", "skipped"]
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CIBA_GRANT = "urn:openid:params:grant-type:ciba"
_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "introspection_endpoint",
              "revocation_endpoint", "pushed_authorization_request_endpoint", "device_authorization_endpoint",
              "backchannel_authentication_endpoint")
# RFC 6749 §5.2 and RFC 8628 §3.5 / CIBA §11 errors that judge the grant, so the client was authenticated.
# invalid_request is not among them: servers also use it for malformed client credentials.
_AUTHENTICATED_ERRORS = {"invalid_grant", "unauthorized_client", "expired_token", "access_denied",
                         "authorization_pending", "invalid_scope"}


@dataclass
class Probe:
    """One finding of the profile check."""

    name: str
    status: Status
    message: str
    hint: str = ""

    def line(self) -> str:
        """How the CLI prints it."""
        mark = {"ok": "ok     ", "problem": "PROBLEM", "warning": "warning", "skipped": "skipped"}[self.status]
        text = f"{mark} {self.name}: {self.message}"
        return text + (f"\n        -> {self.hint}" if self.hint else "")


@dataclass
class ProfileCheck:
    """All probes of one profile."""

    profile_path: str
    probes: list[Probe]
    loaded: bool = True

    @property
    def problems(self) -> list[Probe]:
        """The probes that would make the run fail or break."""
        return [p for p in self.probes if p.status == "problem"]

    @property
    def reachable(self) -> bool:
        """Whether discovery answered."""
        return not any(p.name == "discovery" and p.status == "problem" for p in self.probes)


def _placeholders(value: Any, path: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _placeholders(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _placeholders(item, f"{path}[{index}]")
    elif isinstance(value, str) and "TODO" in value:
        yield path


def check_profile(path: str | Path, *, login: bool = False) -> ProfileCheck:
    """Run every probe; never raises for a target problem (each becomes a probe result).

    ``login`` adds one authorization request through the profile's login driver as the first user.
    """
    try:
        profile = load_profile(path)
    except ProfileError as exc:
        return ProfileCheck(str(path), [Probe("profile", "problem", str(exc),
                                              "fix the key named above; `oauth-harness schema` lists them all")],
                            loaded=False)
    probes = [Probe("profile", "ok", f"{profile.name}: valid ({len(profile.clients)} clients, "
                                     f"{len(profile.users)} users)")]
    todo = list(_placeholders(profile.model_dump(mode="json")))
    if todo:
        probes.append(Probe("placeholders", "problem", "still TODO: " + ", ".join(todo),
                            "replace the TODO values with your deployment's (see the comments in the file)"))
    target = Target.from_profile(profile)
    try:
        discovery = _probe_discovery(target)
        probes.append(discovery)
        if discovery.status == "problem":
            return ProfileCheck(str(path), probes)
        probes.extend(_probe_origins(target))
        probes.append(_probe_jwks(target))
        for client in profile.clients:
            probes.append(_probe_client(target, client))
        if login:
            probes.append(_probe_login(target))
    finally:
        target.close()
    return ProfileCheck(str(path), probes)


def _probe_discovery(target: Target) -> Probe:
    profile = target.profile
    url = profile.effective_discovery_url
    try:
        response = target.http.get(url, label="discovery")
    except HarnessError as exc:
        return Probe("discovery", "problem", f"cannot reach {url}: {exc}",
                     "check the issuer/discovery_url host and port, that the server is up, and tls.ca_file "
                     "if it uses a private CA")
    if response.status_code != 200:
        return Probe("discovery", "problem", f"{url} answered HTTP {response.status_code}",
                     "the issuer is probably wrong (a missing or extra path such as a realm or tenant); "
                     "set 'issuer' to exactly what the server calls itself, or give 'discovery_url'")
    metadata = try_json_object(response)
    if metadata is None:
        return Probe("discovery", "problem", f"{url} did not answer a JSON object",
                     "point 'discovery_url' at the server's discovery document")
    advertised = metadata.get("issuer")
    if advertised != profile.issuer:
        # OIDC Discovery §4.3 / RFC 8414 §3.3: the issuer value returned MUST be identical to the issuer
        # URL that was used as the prefix to /.well-known/... (so a client compares them exactly).
        return Probe("discovery", "problem",
                     f"the server calls itself {advertised!r}, the profile says {profile.issuer!r}",
                     f"set 'issuer: {advertised}' in the profile if that server is the one you mean; the "
                     "comparison is exact (trailing slash, scheme, port and case count) and tokens carry that "
                     "value in 'iss'")
    target._metadata = metadata
    return Probe("discovery", "ok", f"{url} names issuer {advertised}")


def _probe_origins(target: Target) -> list[Probe]:
    outside = []
    for member in _ENDPOINTS:
        value = target.metadata.get(member)
        if isinstance(value, str) and urlsplit(value).scheme and not target.on_target(value):
            outside.append(f"{member} ({value})")
    if not outside:
        return [Probe("origins", "ok", "every endpoint in discovery is on an origin the profile allows")]
    return [Probe("origins", "problem", "endpoints outside the profile's origins: " + ", ".join(outside),
                  "the harness never contacts an origin the profile does not name; if these are yours, add "
                  "their scheme://host:port to 'allowed_origins'")]


def _probe_jwks(target: Target) -> Probe:
    try:
        uri = target.endpoint("jwks_uri")
    except NotApplicable:
        return Probe("jwks", "warning", "discovery has no jwks_uri",
                     "ID tokens and signed responses cannot be verified; OIDC Discovery requires jwks_uri")
    try:
        keys = jose.parse_jwks(target.jwks)
    except (HarnessError, jose.JoseError) as exc:
        return Probe("jwks", "problem", f"the JWK Set at {uri} is unusable: {exc}",
                     "the server's signing keys must be published as a JWK Set (RFC 7517)")
    if not len(keys):
        return Probe("jwks", "problem", f"the JWK Set at {uri} has no usable key", "publish the signing keys")
    kids = ", ".join(str(k) for k in keys.kids())
    return Probe("jwks", "ok", f"{len(keys)} key(s) at {uri} (kid: {kids})")


def _probe_params(client: Client) -> tuple[dict[str, str], str] | None:
    nonce = "check-profile-" + secrets.token_urlsafe(8)
    if "client_credentials" in client.grant_types:
        return {"grant_type": "client_credentials"}, "client_credentials"
    if "authorization_code" in client.grant_types:
        redirect = client.redirect_uris[0] if client.redirect_uris else "https://invalid.example/cb"
        return {"grant_type": "authorization_code", "code": nonce, "redirect_uri": redirect}, "a made-up code"
    if DEVICE_GRANT in client.grant_types:
        return {"grant_type": DEVICE_GRANT, "device_code": nonce}, "a made-up device_code"
    if CIBA_GRANT in client.grant_types:
        return {"grant_type": CIBA_GRANT, "auth_req_id": nonce}, "a made-up auth_req_id"
    if "refresh_token" in client.grant_types:
        return {"grant_type": "refresh_token", "refresh_token": nonce}, "a made-up refresh token"
    return None


def _credential_hint(profile: TargetProfile, client: Client) -> str:
    method = client.auth_method
    if method in (AuthMethod.CLIENT_SECRET_BASIC, AuthMethod.CLIENT_SECRET_POST, AuthMethod.CLIENT_SECRET_JWT):
        return (f"check the secret of client {client.id!r} (the environment variable or secret file the profile "
                f"names) and that the server registered it with {method.value}")
    if method is AuthMethod.PRIVATE_KEY_JWT:
        return (f"check that jwks_file holds the private key whose public half is registered for {client.id!r}, "
                "and the signing algorithm the server expects")
    if method in (AuthMethod.TLS_CLIENT_AUTH, AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH):
        return f"check cert_file/key_file of {client.id!r} and the certificate details registered at the server"
    return f"check that client {client.id!r} exists at the server and is registered as a public client"


def _probe_token_request(target: Target, client: Client, params: dict[str, str]) -> TokenResult:
    """The probe's token request; with a DPoP proof for a client documented ``dpop_bound``.

    RFC 9449 §5.2: a client registered with ``dpop_bound_access_tokens`` "MUST" use DPoP,
    so its server may refuse a request without a proof before judging the credentials
    (Keycloak: ``invalid_request`` "DPoP proof is missing"); the probe sends a fresh proof.
    """
    from harness.flows.token import token_request

    label = f"check-profile: {client.id}"
    if not client.documented.dpop_bound:
        return token_request(target, client, params, label=label)
    from harness.flows.dpop import DpopSession

    result, _exchange = DpopSession(target).token_request(client, params, label=f"{label} (with a DPoP proof)")
    return result


def _probe_client(target: Target, client: Client) -> Probe:
    name = f"client {client.id}"
    chosen = _probe_params(client)
    if chosen is None:
        return Probe(name, "skipped", f"no grant to probe with ({', '.join(client.grant_types)})")
    params, what = chosen
    try:
        result = _probe_token_request(target, client, params)
    except NotApplicable as exc:
        return Probe(name, "skipped", str(exc))
    except ProfileError as exc:
        return Probe(name, "problem", str(exc), _credential_hint(target.profile, client))
    except HarnessError as exc:
        return Probe(name, "problem", f"the token endpoint could not be reached: {exc}",
                     "a TLS error here usually means the client certificate or the CA is wrong")
    body = result.body or {}
    error = str(body.get("error", "")) if isinstance(body, dict) else ""
    method = client.auth_method.value
    if not client.documented.enabled:
        return _probe_disabled_client(name, method, result.status, error)
    if result.status == 200:
        return Probe(name, "ok", f"{method}: authenticated (a {what} token request succeeded)")
    if error == "invalid_client" or result.status == 401:
        description = body.get("error_description", "") if isinstance(body, dict) else ""
        detail = f" ({description})" if description else ""
        return Probe(name, "problem", f"{method}: the server refused the client's credentials: HTTP "
                                      f"{result.status} {error or 'without an error code'}{detail}",
                     _credential_hint(target.profile, client))
    if error in _AUTHENTICATED_ERRORS and client.is_public:
        return Probe(name, "ok", f"public client known (the server judged the request itself: {error} for {what})")
    if error in _AUTHENTICATED_ERRORS:
        return Probe(name, "ok", f"{method}: credentials accepted (the server judged the request itself: "
                                 f"{error} for {what})")
    if error == "unsupported_grant_type":
        return Probe(name, "warning", f"{method}: the server does not support the probe grant "
                                      f"{params['grant_type']} (unsupported_grant_type), so the credentials "
                                      "were not judged",
                     "check grant_types of this client in the profile")
    description = body.get("error_description", "") if isinstance(body, dict) else ""
    return Probe(name, "warning", f"{method}: unclear answer HTTP {result.status} {error or '(no error code)'}"
                                  + (f" ({description})" if description else "") + ": the credentials were not judged",
                 "look at the server's logs for this request")



def _probe_disabled_client(name: str, method: str, status: int, error: str) -> Probe:
    """A client documented as disabled (``documented.enabled: false``) must be refused, not accepted."""
    if error == "invalid_client" or status == 401:
        return Probe(name, "ok", f"{method}: refused as documented (the client is disabled: HTTP {status} "
                                 f"{error or 'without an error code'})")
    if status == 200 or error in _AUTHENTICATED_ERRORS:
        return Probe(name, "problem", f"{method}: the client is documented as disabled but the server accepted its "
                                      f"credentials (HTTP {status} {error or ''})".rstrip(),
                     "the client is enabled at the server, or documented.enabled is wrong")
    return Probe(name, "warning", f"{method}: unclear answer HTTP {status} {error or '(no error code)'} for a client "
                                  "documented as disabled")


def _probe_login(target: Target) -> Probe:
    """One authorization request through the login driver; a code must come back."""
    from harness.flows.code_flow import authorize
    from harness.login.factory import new_user_agent

    profile = target.profile
    driver = profile.login.driver
    try:
        client = target.pick_client(purpose="the login probe (a code-flow client with redirect_uris)")
        user = target.user(0)
    except (NotApplicable, ProfileError) as exc:
        return Probe("login", "skipped", str(exc))
    session: Any = None
    agent: Any = None
    try:
        if driver == "browser":
            from harness.login.browser import BrowserSession

            session = BrowserSession(profile.login.browser, allowed_hosts=target.allowed_hosts())
        agent = new_user_agent(target, browser_session=session)
        _, outcome = authorize(target, lambda: agent, client, agent=agent, user=user)
    except NotApplicable as exc:
        return Probe("login", "skipped", str(exc))
    except CheckFailed as exc:  # the target's own fault on the way (e.g. a redirect loop)
        return Probe("login", "problem", f"the target broke the authorization flow: {exc}",
                     "this is the server's behaviour, not a profile setting: look at the server's logs")
    except HarnessError as exc:
        return Probe("login", "problem", f"{driver} login as {user.username!r} failed: {exc}",
                     f"check users[0] (username, password) and the login.{driver} settings")
    finally:
        if agent is not None:
            agent.close()
        if session is not None:
            session.close()
    shown = f"login form {'shown' if outcome.login_form_shown else 'not shown'}, consent " \
            f"{'shown' if outcome.consent_form_shown else 'not shown'}"
    if outcome.redirected and "code" in outcome.params:
        return Probe("login", "ok", f"{user.username} signed in through the {driver} driver and a code came back "
                                    f"to client {client.id} ({shown})")
    if outcome.redirected and "error" in outcome.params:
        return Probe("login", "problem", f"the server answered error={outcome.params['error']} to client "
                                         f"{client.id}'s authorization request ({shown})",
                     f"check client {client.id}'s redirect_uris, scope and grant types against its registration")
    return Probe("login", "problem", f"no authorization response for client {client.id}: {outcome.describe()} "
                                     f"({shown})",
                 f"the {driver} driver stopped on a page it does not recognise: check the login.{driver} form "
                 "ids / selectors against your login and consent pages")
