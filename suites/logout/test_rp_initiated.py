"""OpenID Connect RP-Initiated Logout 1.0: the end_session endpoint through the user agent holding the session.

Each check logs in through a fresh user agent (the profile's login driver), sends one logout
request through it and judges where the OP sent the user agent: redirects within the
profile's origins are followed, one that leaves them is recorded and never followed
(:mod:`harness.flows.logout`). Clients come from the profile: ``clients[].logout``.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import pytest

from harness import evidence, jose
from harness.specs import oidc_logout
from harness.target import Target

from ._logout import (
    POST_LOGOUT_EXTRA_QUERY,
    check_session_gone,
    log_in,
    log_out,
    logout_client,
    logout_params,
    other_client,
)

requirement = pytest.mark.requirement


@requirement("OIDCRPI-2.1-end_session_endpoint")
@pytest.mark.needs("end_session_endpoint")
def test_end_session_endpoint_https(target: Target) -> None:
    """Discovery's ``end_session_endpoint`` is an https URL."""
    oidc_logout.check_end_session_endpoint(target.metadata.get("end_session_endpoint"))


@requirement("OIDCRPI-2-methods", "OIDCRPI-3-redirect", "OIDCRPI-2-state", "OIDCRPI-3-exact")
@pytest.mark.needs("end_session_endpoint")
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_redirect_with_state(target: Target, user_agent: Any, method: str) -> None:
    """A logout with ``id_token_hint`` and a registered ``post_logout_redirect_uri`` redirects there with ``state``."""
    client = logout_client(target)
    logged_in = log_in(target, user_agent, client)
    params = logout_params(client, logged_in)
    outcome = log_out(target, logged_in, params, method=method)
    oidc_logout.check_served(first_status=outcome.first_status, what=f"a {method} logout request with id_token_hint")
    oidc_logout.check_post_logout_redirect(left_to=outcome.left_to, expected_uri=params["post_logout_redirect_uri"],
                                           state=params["state"], registered=client.logout.post_logout_redirect_uris)


@requirement("OIDCRPI-2-logout")
@pytest.mark.needs("end_session_endpoint")
def test_session_ended(target: Target, user_agent: Any) -> None:
    """After a confirmed logout the OP session is gone: ``prompt=none`` answers ``login_required``."""
    client = logout_client(target)
    logged_in = log_in(target, user_agent, client)
    log_out(target, logged_in, logout_params(client, logged_in))
    check_session_gone(target, logged_in)


@requirement("OIDCRPI-3-exact")
@pytest.mark.needs("end_session_endpoint")
def test_unregistered_redirect_refused(target: Target, user_agent: Any) -> None:
    """An unregistered ``post_logout_redirect_uri`` is never redirected to."""
    client = logout_client(target)
    logged_in = log_in(target, user_agent, client)
    forbidden = f"https://harness-unregistered-{secrets.token_hex(4)}.example.test/logout"
    outcome = log_out(target, logged_in, logout_params(client, logged_in, post_logout_redirect_uri=forbidden))
    oidc_logout.check_no_post_logout_redirect(
        left_to=outcome.left_to, forbidden=forbidden, registered=client.logout.post_logout_redirect_uris,
        requirement="OIDCRPI-3-exact", code="POST_LOGOUT_UNREGISTERED_ACCEPTED", why="it is not registered")


@requirement("OIDCRPI-3-exact")
@pytest.mark.needs("end_session_endpoint")
def test_added_query_refused(target: Target, user_agent: Any) -> None:
    """A registered ``post_logout_redirect_uri`` with an added query parameter is not an exact match: no redirect."""
    client = logout_client(target)
    logged_in = log_in(target, user_agent, client)
    registered = client.logout.post_logout_redirect_uris[0]
    forbidden = registered + ("&" if "?" in registered else "?") + POST_LOGOUT_EXTRA_QUERY
    outcome = log_out(target, logged_in, logout_params(client, logged_in, post_logout_redirect_uri=forbidden))
    oidc_logout.check_no_post_logout_redirect(
        left_to=outcome.left_to, forbidden=forbidden, registered=client.logout.post_logout_redirect_uris,
        requirement="OIDCRPI-3-exact", code="POST_LOGOUT_QUERY_ACCEPTED",
        why="it differs from the registered URI by an added query")


@requirement("OIDCRPI-2-methods", "OIDCRPI-2-ask", "OIDCRPI-3-exact", "OIDCRPI-2-logout")
@pytest.mark.needs("end_session_endpoint")
@pytest.mark.parametrize("params", ["none", "only_state"])
def test_no_parameters(target: Target, user_agent: Any, params: str) -> None:
    """A logout request without parameters (or with ``state`` only) is handled at the OP and logs the End-User out.

    §2: without ``id_token_hint`` "the OP MUST ask the End-User" (judged when the profile names the
    confirmation form, ``logout.confirm.form_id``); §3: no post-logout redirection was requested;
    after the confirmation the session is gone (OIDF ``oidcc-rp-initiated-logout-no-params``,
    ``-only-state``).
    """
    client = logout_client(target)
    logged_in = log_in(target, user_agent, client)
    outcome = log_out(target, logged_in, {} if params == "none" else {"state": secrets.token_urlsafe(16)})
    oidc_logout.check_no_redirect_unrequested(outcome.left_to, client.logout.post_logout_redirect_uris)
    oidc_logout.check_served(first_status=outcome.first_status, what="a logout request without id_token_hint")
    if target.profile.logout.confirm.form_id is not None:
        oidc_logout.check_asked_end_user(confirm_shown=outcome.confirm_shown,
                                         what="a logout request without id_token_hint")
    else:
        evidence.note("logout.confirm.form_id is not set: whether the End-User was asked is judged by the session")
    check_session_gone(target, logged_in, asked=outcome.confirm_shown)


@requirement("OIDCRPI-3-exact", "OIDCRPI-2-logout")
@pytest.mark.needs("end_session_endpoint")
def test_without_post_logout_redirect_uri(target: Target, user_agent: Any) -> None:
    """With ``id_token_hint`` but no ``post_logout_redirect_uri`` the OP logs out and keeps the user agent.

    §3: post-logout redirection is done to the ``post_logout_redirect_uri`` the RP sent; none was
    sent (OIDF ``oidcc-rp-initiated-logout-no-post-logout-redirect-uri``).
    """
    client = logout_client(target)
    logged_in = log_in(target, user_agent, client)
    outcome = log_out(target, logged_in, {"id_token_hint": logged_in.id_token, "state": secrets.token_urlsafe(16)})
    oidc_logout.check_no_redirect_unrequested(outcome.left_to, client.logout.post_logout_redirect_uris)
    oidc_logout.check_served(first_status=outcome.first_status, what="a logout request with id_token_hint only")
    check_session_gone(target, logged_in)


@requirement("OIDCRPI-3-redirect", "OIDCRPI-3-exact", "OIDCRPI-2-logout")
@pytest.mark.needs("end_session_endpoint")
def test_redirect_without_state(target: Target, user_agent: Any) -> None:
    """Without ``state``, a valid logout redirects to the ``post_logout_redirect_uri`` and ends the session.

    OIDF ``oidcc-rp-initiated-logout-no-state``: the redirect carries no ``state`` the RP did not send.
    """
    client = logout_client(target)
    logged_in = log_in(target, user_agent, client)
    params = logout_params(client, logged_in)
    del params["state"]
    outcome = log_out(target, logged_in, params)
    oidc_logout.check_post_logout_redirect(left_to=outcome.left_to, expected_uri=params["post_logout_redirect_uri"],
                                           state=None, registered=client.logout.post_logout_redirect_uris)
    check_session_gone(target, logged_in)


@requirement("OIDCRPI-3-no_hint")
@pytest.mark.needs("end_session_endpoint")
def test_no_id_token_hint_no_redirect(target: Target, user_agent: Any) -> None:
    """A registered ``post_logout_redirect_uri`` without ``id_token_hint`` (nor ``client_id``) gets no redirection.

    §3: without an ``id_token_hint`` "the OP MUST NOT perform post-logout redirection unless the OP
    has other means of confirming the legitimacy of the post-logout redirection target" — the
    request carries nothing else (OIDF ``oidcc-rp-initiated-logout-no-id-token-hint``).
    """
    client = logout_client(target)
    logged_in = log_in(target, user_agent, client)
    params = logout_params(client, None)
    outcome = log_out(target, logged_in, params)
    oidc_logout.check_no_post_logout_redirect(
        left_to=outcome.left_to, forbidden=params["post_logout_redirect_uri"],
        registered=client.logout.post_logout_redirect_uris, requirement="OIDCRPI-3-no_hint",
        code="POST_LOGOUT_REDIRECT_WITHOUT_HINT", why="no id_token_hint (nor client_id) was sent")


def _tampered(id_token: str) -> str:
    header, payload, signature = id_token.split(".")
    raw = bytearray(jose.b64url_decode(signature))
    raw[len(raw) // 2] ^= 0x01
    return f"{header}.{payload}.{jose.b64url(bytes(raw))}"


def _alg_none(id_token: str) -> str:
    claims = jose.decode_unverified(id_token).claims
    return jose.sign_unsecured({"typ": "JWT"}, dict(claims))


def _foreign(target: Target, claims: dict[str, object]) -> str:
    key = jose.generate_key("RSA", label="logout-foreign-hint")
    now = int(time.time())
    forged = {**claims, "iat": now, "exp": now + 300}
    return jose.sign_jws({"alg": "RS256", "typ": "JWT", "kid": f"harness-{secrets.token_hex(4)}"}, forged, key)


@requirement("OIDCRPI-4-issuer")
@pytest.mark.needs("end_session_endpoint")
@pytest.mark.parametrize("hint", ["tampered", "alg_none", "foreign"])
def test_invalid_id_token_hint_refused(target: Target, user_agent: Any, hint: str) -> None:
    """An ``id_token_hint`` with a broken signature, made ``alg: none``, or signed by another key gets no redirection.

    §4: "When an id_token_hint parameter is present, the OP MUST validate that it was the issuer
    of the ID Token", and what failed to validate "MUST NOT be used" (no ``client_id`` is sent,
    so nothing else makes the redirection legitimate, §3).
    """
    client = logout_client(target)
    logged_in = log_in(target, user_agent, client)
    if hint == "tampered":
        bad = _tampered(logged_in.id_token)
    elif hint == "alg_none":
        bad = _alg_none(logged_in.id_token)
    else:
        bad = _foreign(target, logged_in.grant.id_token_claims)
    params = logout_params(client, logged_in, id_token_hint=bad)
    outcome = log_out(target, logged_in, params)
    oidc_logout.check_no_post_logout_redirect(
        left_to=outcome.left_to, forbidden=params["post_logout_redirect_uri"],
        registered=client.logout.post_logout_redirect_uris, requirement="OIDCRPI-4-issuer",
        code="ID_TOKEN_HINT_NOT_VALIDATED", why=f"the id_token_hint was {hint}")


@requirement("OIDCRPI-2-client_id")
@pytest.mark.needs("end_session_endpoint")
def test_client_id_mismatch_refused(target: Target, user_agent: Any) -> None:
    """``client_id`` naming another client than the ``id_token_hint``'s audience gets no post-logout redirection."""
    client = logout_client(target)
    other = other_client(target, client)
    logged_in = log_in(target, user_agent, client)
    params = logout_params(client, logged_in, client_id=other.id)
    outcome = log_out(target, logged_in, params)
    oidc_logout.check_no_post_logout_redirect(
        left_to=outcome.left_to, forbidden=params["post_logout_redirect_uri"],
        registered=client.logout.post_logout_redirect_uris, requirement="OIDCRPI-2-client_id",
        code="CLIENT_ID_MISMATCH_ACCEPTED", why=f"client_id {other.id} does not match the id_token_hint")
