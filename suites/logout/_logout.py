"""Steps the logout checks share: pick the logout client, log in, log out, look at the session afterwards."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from harness import evidence
from harness.flows.logout import LogoutOutcome, agent_session, end_session
from harness.flows.oidc_session import reauthorize
from harness.flows.userinfo import UserInfoGrant, obtain_grant
from harness.profile import Client
from harness.specs import oidc_logout
from harness.target import NotApplicable, Target

POST_LOGOUT_EXTRA_QUERY = "harness_extra=1"


def logout_client(target: Target, *, backchannel: bool = False, frontchannel: bool = False,
                  session_required: bool = False) -> Client:
    """The first code-flow client whose profile entry lists a ``post_logout_redirect_uri`` (and the channel asked).

    ``session_required``: a back-channel client stated as registered with
    ``backchannel_logout_session_required``. Chosen from the profile before any request; none
    fits → not applicable.
    """
    for client in target.profile.clients:
        logout = client.logout
        if "authorization_code" not in client.grant_types or not client.redirect_uris or \
                "openid" not in client.scope.split():
            continue
        if backchannel and logout.backchannel_logout_uri is None:
            continue
        if session_required and not logout.backchannel_logout_session_required:
            continue
        if frontchannel and logout.frontchannel_logout_uri is None:
            continue
        if not backchannel and not frontchannel and not logout.post_logout_redirect_uris:
            continue
        return client
    kind = "logout.backchannel_logout_uri" + (" and backchannel_logout_session_required" if session_required
                                              else "") if backchannel else (
        "logout.frontchannel_logout_uri" if frontchannel else "logout.post_logout_redirect_uris")
    raise NotApplicable(f"the profile has no OpenID code-flow client with {kind}")


def other_client(target: Target, client: Client) -> Client:
    """Another client of the profile (its id only is sent)."""
    for other in target.profile.clients:
        if other.id != client.id:
            return other
    raise NotApplicable("the client_id check needs a second client in the profile")


@dataclass
class LoggedIn:
    """A user agent holding an OP session, and the ID Token it got."""

    agent: Any
    grant: UserInfoGrant

    @property
    def id_token(self) -> str:
        """The raw ID Token (redacted in every record)."""
        return str(self.grant.token_body["id_token"])


def log_in(target: Target, user_agent: Any, client: Client) -> LoggedIn:
    """Log the first user in through a fresh user agent; the agent must share its HTTP session."""
    target.endpoint("end_session_endpoint")
    agent = user_agent()
    agent_session(agent)
    grant = obtain_grant(target, user_agent, client, scope="openid", agent=agent)
    return LoggedIn(agent=agent, grant=grant)


def logout_params(client: Client, logged_in: LoggedIn | None, **extra: str) -> dict[str, str]:
    """id_token_hint (when logged in), the first registered post_logout_redirect_uri and a fresh state."""
    params: dict[str, str] = {}
    if logged_in is not None:
        params["id_token_hint"] = logged_in.id_token
    if client.logout.post_logout_redirect_uris:
        params["post_logout_redirect_uri"] = client.logout.post_logout_redirect_uris[0]
    params["state"] = secrets.token_urlsafe(16)
    params.update(extra)
    return params


def log_out(target: Target, logged_in: LoggedIn, params: dict[str, str], *, method: str = "GET") -> LogoutOutcome:
    """One logout request through the logged-in user agent."""
    return end_session(target, agent_session(logged_in.agent), params, method=method,
                       app=getattr(logged_in.agent, "end_session_step", None))


def check_session_gone(target: Target, logged_in: LoggedIn, *, asked: bool = True) -> None:
    """A request through the same user agent must find no End-User logged in.

    ``prompt=none`` first (OIDC Core §3.1.2.6: ``login_required``); where its answer does not tell
    (an error page, or an error such as ``invalid_request``), a plain request without logging in:
    the login page shows the session is gone, a code that it lives on. ``asked``: whether the
    logout answered a confirmation page (see :func:`oidc_logout.check_session_ended`).
    """
    client = logged_in.grant.client
    result = reauthorize(target, client, logged_in.agent, user=None, scope="openid", extra={"prompt": "none"})
    evidence.note(f"prompt=none after logout: {result.outcome.describe()}")
    if not oidc_logout.session_probe_conclusive(code_returned=result.code, params=result.params,
                                                login_form_shown=result.outcome.login_form_shown):
        users = getattr(logged_in.agent, "session_users", lambda: None)()
        if users is not None:
            # the login driver knows the OP's own session API (Glewlwyd: its login app's profile list)
            evidence.note(f"the prompt=none answer does not tell; the login driver's session API lists {len(users)} "
                          "logged-in user(s)")
            oidc_logout.check_session_ended(code_returned=bool(users), params={}, login_form_shown=not users,
                                            asked=asked, observed=f"the OP's session API lists {len(users)} "
                                            "logged-in user(s)")
            return
        evidence.note("the prompt=none answer does not tell whether the End-User is logged in; asking again without "
                      "prompt (never logging in)")
        result = reauthorize(target, client, logged_in.agent, user=None, scope="openid")
    oidc_logout.check_session_ended(code_returned=result.code, params=result.params,
                                    login_form_shown=result.outcome.login_form_shown, asked=asked)
