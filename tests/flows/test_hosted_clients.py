"""Clients whose endpoints the harness hosts (harness/flows/hosted_clients.py): selection, registration, deletion.

The selection is decided from the profile and discovery only (no server: the unit tests below);
on the reference target a registered client receives the ping / Logout Token like a profile
client and is gone after the check (RFC 7592 read: 401); the run-level proof lives in
tests/reference_target/test_hosted_clients_run.py.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness import evidence
from harness.evidence import EvidenceLog
from harness.flows import ciba, hosted_clients
from harness.flows.ciba_approval import CibaApprover
from harness.flows.hosted_clients import choose_backchannel_logout_client, choose_notification_client
from harness.http import TargetHttp
from harness.profile import Client, TargetProfile, load_profile
from harness.reference_target import RunningTarget
from harness.results import ProfileError
from harness.target import NotApplicable, Target
from tests.flows.hosted_variant_profile import write_variant_profile

ISSUER = "https://op.example.test"
CERT = {"cert_file": "/nonexistent/rp.crt", "key_file": "/nonexistent/rp.key"}
PING = {"id": "ping", "auth_method": "client_secret_basic", "secret": "s3cret-unit-test",
        "grant_types": [ciba.GRANT_TYPE],
        "documented": {"ciba_delivery_mode": "ping", "ciba_notification_endpoint": "https://127.0.0.1:9/n"}}
PING_NO_ENDPOINT = {**PING, "id": "ping-bare", "documented": {"ciba_delivery_mode": "ping"}}
CODE = {"id": "code", "auth_method": "client_secret_basic", "secret": "s3cret-unit-test",
        "redirect_uris": ["https://rp.example.test/cb"]}


def _target(clients: list[dict[str, Any]], metadata: dict[str, Any] | None = None, **profile: Any) -> Target:
    document = {"name": "unit", "issuer": ISSUER, "clients": clients,
                "users": [{"username": "alice", "password": "pw-unit-test"}],
                "login": {"ciba": {"receiver": CERT}}, "logout": {"receiver": CERT}, **profile}
    meta = {"issuer": ISSUER, "registration_endpoint": f"{ISSUER}/reg",
            "backchannel_logout_supported": True, "backchannel_logout_session_supported": True,
            **(metadata or {})}
    return Target(profile=TargetProfile.model_validate(document), http=TargetHttp(allowed_origins={ISSUER}),
                  _metadata={k: v for k, v in meta.items() if v is not None})


def _no_profile_client() -> Client:
    raise NotApplicable("the profile has no OpenID code-flow client with logout.backchannel_logout_uri")


# -- selection (no server) -----------------------------------------------------------------------

def test_a_fitting_profile_client_comes_first() -> None:
    choice = choose_notification_client(_target([PING_NO_ENDPOINT, PING]), "ping")
    assert choice.source == "profile" and choice.profile_client is not None
    assert choice.profile_client.id == "ping"  # the first ping client has no endpoint the harness hosts
    code = Client.model_validate(CODE)
    assert choose_backchannel_logout_client(_target([CODE]), lambda: code).profile_client is code


def test_without_a_fitting_client_one_is_registered_when_allowed() -> None:
    choice = choose_notification_client(_target([PING_NO_ENDPOINT, CODE]), "ping")
    assert choice.source == "registered" and choice.registration is not None
    assert choice.registration.auth_method == "client_secret_basic"  # RFC 8414 default, nothing listed
    assert choice.registration.listen_host == "127.0.0.1"
    logout = choose_backchannel_logout_client(_target([CODE]), _no_profile_client)
    assert logout.registration is not None and logout.registration.session_required
    assert logout.registration.redirect_uri == "https://rp.example.test/cb"
    plain = choose_backchannel_logout_client(_target([CODE], {"backchannel_logout_session_supported": None}),
                                             _no_profile_client)
    assert plain.registration is not None and not plain.registration.session_required


@pytest.mark.parametrize(("profile", "metadata", "reason"), [
    ({"registration": {"register_hosted_clients": False}}, {}, "registration.register_hosted_clients is false"),
    ({"production": True}, {}, "production profile (production: true)"),
    ({}, {"registration_endpoint": None}, "advertises no registration_endpoint"),
])
def test_skipped_naming_both_options(profile: dict[str, Any], metadata: dict[str, Any], reason: str) -> None:
    target = _target([CODE], metadata, **profile)
    with pytest.raises(NotApplicable) as ping:
        choose_notification_client(target, "ping")
    assert "clients[].documented.ciba_delivery_mode, ciba_notification_endpoint" in str(ping.value)
    assert "does not register one" in str(ping.value) and reason in str(ping.value)
    with pytest.raises(NotApplicable) as logout:
        choose_backchannel_logout_client(target, _no_profile_client)
    assert "logout.backchannel_logout_uri" in str(logout.value) and reason in str(logout.value)


def test_production_registers_only_when_told() -> None:
    target = _target([CODE], production=True, registration={"register_hosted_clients": True})
    assert hosted_clients.registration_refusal(target) is None
    assert choose_notification_client(target, "ping").source == "registered"
    named = _target([CODE], {"registration_endpoint": None}, registration={"endpoint": f"{ISSUER}/register"})
    assert hosted_clients.registration_refusal(named) is None  # the profile names the endpoint


def test_auth_method_follows_the_target() -> None:
    post = _target([CODE], {"token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"]})
    assert choose_notification_client(post, "ping").registration.auth_method == "client_secret_post"  # type: ignore[union-attr]
    keys_only = {"token_endpoint_auth_methods_supported": ["private_key_jwt"],
                 "token_endpoint_auth_signing_alg_values_supported": ["ES256"]}
    with pytest.raises(NotApplicable, match="jwks_uri the harness serves"):
        choose_notification_client(_target([CODE], keys_only), "ping")
    hosted = _target([CODE], keys_only, request_object_host=CERT)
    plan = choose_notification_client(hosted, "ping").registration
    assert plan is not None and plan.auth_method == "private_key_jwt" and plan.signing_alg == "ES256"
    with pytest.raises(NotApplicable, match="lists none of client_secret_basic"):
        choose_notification_client(_target([CODE], {"token_endpoint_auth_methods_supported": ["none"]}), "ping")


def test_certificate_and_signing_needs_are_decided_first() -> None:
    bare = _target([CODE], login={"ciba": {}})
    with pytest.raises(NotApplicable, match="no server certificate for its notification endpoint"):
        choose_notification_client(bare, "ping")
    with pytest.raises(NotApplicable, match="needs one that signs"):
        choose_notification_client(_target([CODE]), "ping", signed=True)
    with pytest.raises(NotApplicable, match="no https redirect URI for it"):
        choose_backchannel_logout_client(_target([PING]), _no_profile_client)
    assert choose_backchannel_logout_client(_target([PING], registration={"redirect_uri": "https://rp.test/cb"}),
                                            _no_profile_client).source == "registered"


# -- on the reference target -----------------------------------------------------------------------

@pytest.fixture
def variant(reference: RunningTarget, tmp_path: Path) -> Iterator[Callable[..., Target]]:
    """Targets of the reference profile without ping-mode and back-channel logout clients (``registration``)."""
    made: list[Target] = []

    def make(**settings: Any) -> Target:
        settings.setdefault("register_hosted_clients", True)  # the reference profile is a production profile
        made.append(Target.from_profile(load_profile(write_variant_profile(reference, tmp_path, **settings))))
        return made[-1]

    yield make
    for target in made:
        target.http.close()


def _management(hosted: hosted_clients.HostedClient) -> tuple[str, str]:
    registered = hosted.registered
    assert registered is not None and registered.registration_client_uri and registered.registration_access_token
    return registered.registration_client_uri, registered.registration_access_token


def _gone(reference: RunningTarget, uri: str, token: str) -> int:
    with httpx.Client(verify=ssl.create_default_context(cafile=reference.env["REFTARGET_CA_FILE"])) as client:
        return client.get(uri, headers={"Authorization": f"Bearer {token}"}).status_code


def test_registered_ping_client_is_pinged_and_deleted(reference: RunningTarget, variant: Callable[..., Target]) -> None:
    target = variant()
    log = EvidenceLog()
    with evidence.collecting(log):
        choice = choose_notification_client(target, "ping")
        assert choice.source == "registered"
        with hosted_clients.hosted_client(target, choice) as hosted:
            uri, token = _management(hosted)
            assert _gone(reference, uri, token) == 200  # registered, and readable while the check runs
            client = hosted.client
            assert ciba.delivery_mode(client) == "ping" and client.documented.ciba_notification_endpoint == \
                hosted.endpoint
            with hosted.notification_receiver(target) as receiver:
                request = ciba.start(target, client)
                CibaApprover(target).decide(request.pending(), "approve")
                notes = receiver.wait_for(1, timeout_s=5)
            assert len(notes) == 1 and b"auth_req_id" in notes[0].body
            assert ciba.token(target, client, request.auth_req_id).ok
    assert _gone(reference, uri, token) == 401  # RFC 7592 §2.3: the deleted client's token no longer works
    text = "\n".join(log.notes)
    assert f"client {client.id}: registered for this check (RFC 7591, client_secret_basic)" in text
    assert f"registered client {client.id}: deleted at the end of the check (HTTP 204)" in text
    assert client.secret is not None and client.secret.get_secret_value() not in str(log.as_dict())
    assert token not in str(log.as_dict())


def test_registered_logout_client_with_hosted_keys(reference: RunningTarget, variant: Callable[..., Target]) -> None:
    """private_key_jwt: the client's keys are served at a jwks_uri of the harness's; the Logout Token arrives."""
    from harness.flows.logout import agent_session, end_session
    from harness.flows.userinfo import obtain_grant
    from harness.login.factory import new_user_agent

    target = variant(hosted_client_auth_method="private_key_jwt")
    log = EvidenceLog()
    with evidence.collecting(log):
        choice = choose_backchannel_logout_client(target, _no_profile_client)
        assert choice.registration is not None and choice.registration.auth_method == "private_key_jwt"
        with hosted_clients.hosted_client(target, choice) as hosted:
            uri, token = _management(hosted)
            assert hosted.registered is not None and hosted.registered.body.get("jwks_uri", "").startswith("https://")
            client = hosted.client
            assert client.logout.backchannel_logout_session_required
            agents: list[Any] = []

            def user_agent() -> Any:
                agents.append(new_user_agent(target))
                return agents[-1]

            agent = user_agent()
            try:
                with hosted.logout_receiver(target) as receiver:
                    grant = obtain_grant(target, user_agent, client, scope="openid", agent=agent)
                    end_session(target, agent_session(agent), {"id_token_hint": str(grant.token_body["id_token"])})
                    receiver.wait_for(1, timeout_s=5)
            finally:
                for made in agents:
                    made.close()
            assert any(b"logout_token" in n.body for n in receiver.notifications)
    assert _gone(reference, uri, token) == 401
    text = "\n".join(log.notes)
    assert "keys at a jwks_uri the harness serves" in text and "the client's jwks_uri was fetched 1 time(s)" in text
    assert "deleted at the end of the check (HTTP 204)" in text


def test_refused_registration_is_a_profile_problem(variant: Callable[..., Target]) -> None:
    """A registration the target refuses (here: no initial access token) ends broken (profile), naming the remedy."""
    target = variant(initial_access_token=False)
    with evidence.collecting(EvidenceLog()):
        choice = choose_notification_client(target, "ping")
        with pytest.raises(ProfileError, match=r"did not register .* name a pre-registered client"):
            with hosted_clients.hosted_client(target, choice):
                pass
