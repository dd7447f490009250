"""Refresh tokens (RFC 6749 §6, RFC 9700 §4.14): refresh, rolling policy, binding, scope, races."""

from __future__ import annotations

from typing import Any

import pytest

from harness import evidence
from harness.flows.expiry import require_wait_within_cap
from harness.flows.race import concurrent_successes
from harness.flows.revocation import bearer_status
from harness.flows.token import (
    TokenSet,
    check_refused,
    obtain_refresh_token,
    offline_request,
    refresh,
    refresh_client,
)
from harness.profile import Client
from harness.results import NeedsReview, fail
from harness.specs import rfc6749
from harness.target import Target

requirement = pytest.mark.requirement


def _rotation(target: Target, client: Client) -> tuple[bool | None, str]:
    """The documented rolling policy for ``client`` and the requirement ID that states it."""
    if client.documented.refresh_token_rolling is not None:
        return client.documented.refresh_token_rolling, "DOC-refresh_token_rolling"
    return target.profile.documented.refresh.rotation, "DOC-refresh.rotation"


def _interval(target: Target, client: Client) -> int:
    """The documented minimum interval between rolls for ``client`` (0: none).

    The client's own "Refresh Token Rolling Interval" (``clients[].documented.refresh_token_rolling_interval_s``)
    overrides the server-wide "Minimum Interval to Roll Refresh Tokens" (``documented.refresh.rolling_interval_s``);
    unset ("Use Global Setting") the server-wide value applies.
    """
    own = client.documented.refresh_token_rolling_interval_s
    return own if own is not None else (target.profile.documented.refresh.rolling_interval_s or 0)


def _interval_requirement(client: Client) -> str:
    return ("DOC-refresh_token_rolling_interval_s" if client.documented.refresh_token_rolling_interval_s is not None
            else "DOC-refresh.rolling_interval_s")


def _grace(target: Target, client: Client) -> int:
    """The documented grace period of ``client``'s rolled-out refresh tokens (0: none), its own value first.

    ``clients[].documented.refresh_token_grace_period_s`` ("Refresh Token Rolling Grace Period") overrides
    ``documented.refresh.grace_period_s``; unset, the server-wide value applies.
    """
    own = client.documented.refresh_token_grace_period_s
    return own if own is not None else (target.profile.documented.refresh.grace_period_s or 0)


def _grace_requirement(client: Client) -> str:
    return ("DOC-refresh_token_grace_period_s" if client.documented.refresh_token_grace_period_s is not None
            else "DOC-refresh.grace_period_s")


def _rotating_client(target: Target) -> tuple[Client, str]:
    """The client whose refresh tokens roll; a documented rolling interval must fit the wait cap (before asking).

    With a documented minimum interval between rolls (the client's own, else the server-wide one)
    the first refresh rolls only once the interval has passed: :func:`_roll_after_interval` waits it.
    """
    client = refresh_client(target)
    rotation, req = _rotation(target, client)
    if rotation is not True:
        pytest.skip(f"refresh-token rotation is not documented for client {client.id} "
                    "(documented.refresh.rotation / refresh_token_rolling)")
    _interval_within_cap(target, client)
    return client, req


def _interval_within_cap(target: Target, client: Client) -> None:
    interval = _interval(target, client)
    if interval:
        require_wait_within_cap(target, interval + 1, f"the documented rolling interval {interval}s of {client.id}")


def _roll_after_interval(target: Target, client: Client) -> None:
    """Wait out the documented minimum interval between rolls (checked against the cap before asking)."""
    interval = _interval(target, client)
    if interval:
        evidence.mandated_wait(interval + 1, f"documented rolling interval {interval}s of {client.id} plus 1s")


def _grace_period_within_cap(target: Target, client: Client) -> int:
    """The documented grace period of rolled-out refresh tokens (0: none); skip, before asking, when over the cap."""
    grace = _grace(target, client)
    if grace:
        require_wait_within_cap(target, grace + 2, f"the documented refresh-token grace period {grace}s of "
                                                   f"{client.id}")
    return grace


def _wait_out_grace(grace: int) -> None:
    if grace:
        evidence.mandated_wait(grace + 2, f"documented grace period {grace}s of the rolled-out token plus 2s")


def _overriding_client(target: Target, setting: str) -> Client | None:
    """The first plain code client with the refresh_token grant that states its own ``setting`` (a per-client override).

    Picked by the statement, like the documented suite's per-client checks (``use_in_suites`` does
    not hide it: a client kept for this check states the setting).
    """
    for client in target.profile.clients:
        doc = client.documented
        if (getattr(doc, setting) is not None and doc.enabled and "authorization_code" in client.grant_types
                and "refresh_token" in client.grant_types and client.redirect_uris
                and not (doc.require_par or doc.require_signed_requests or doc.require_jarm)
                and not doc.dpop_bound and client.cert_file is None):
            return client
    return None


def _tokens(target: Target, user_agent: Any, client: Client, scope: str | None = None) -> tuple[TokenSet, str]:
    tokens = obtain_refresh_token(target, user_agent, client, scope=scope)
    assert tokens.refresh_token is not None
    return tokens, tokens.refresh_token


def _refreshed(target: Target, client: Client, token: str, label: str = "refresh") -> dict[str, Any]:
    result = refresh(target, client, token, label=label)
    if not result.ok:
        raise fail("PRECONDITION_REFRESH_FAILED", f"a valid refresh token of client {client.id} was refused",
                   "RFC6749-6-issue", expected="HTTP 200 with access_token", actual=f"HTTP {result.status} "
                   f"error={result.error}")
    return result.body or {}


@requirement("RFC6749-6", "RFC6749-5.1")
def test_refresh_works(target: Target, user_agent: Any) -> None:
    """A refresh token obtains a new access token that works at the resource (UserInfo)."""
    client = refresh_client(target)
    tokens, rt = _tokens(target, user_agent, client)
    body = _refreshed(target, client, rt)
    if "openid" in (tokens.requested_scope or "").split() and target.metadata.get("userinfo_endpoint"):
        status = bearer_status(target, str(body["access_token"]), label="userinfo with the refreshed access token")
        if status != 200:
            raise fail("REFRESHED_ACCESS_TOKEN_UNUSABLE", "the access token from the refresh is refused at UserInfo",
                       "RFC6749-6-issue", expected=200, actual=status)


@requirement("DOC-refresh.rotation", "DOC-refresh_token_rolling", "RFC6749-6-rotation",
             "DOC-refresh.rolling_interval_s", "DOC-refresh_token_rolling_interval_s")
def test_rolling_policy(target: Target, user_agent: Any) -> None:
    """The documented rolling policy holds: a new refresh token on every use (or, if documented off, none)."""
    client = refresh_client(target)
    rotation, req = _rotation(target, client)
    if rotation is None:
        pytest.skip("the profile documents no refresh-token rolling policy")
    interval = _interval(target, client) if rotation else 0
    _, rt = _tokens(target, user_agent, client)
    body = _refreshed(target, client, rt)
    if rotation and interval:
        # the documented minimum interval between rolls (the client's own, else the server-wide one):
        # a refresh right after issuance keeps the token
        rfc6749.check_refresh_not_rotated(rt, body, requirement=_interval_requirement(client),
                                          why=f"the documented minimum interval between rolls ({interval}s) has "
                                              "not passed")
        evidence.note(f"no roll within the documented rolling interval {interval}s; the roll after it is judged by "
                      "refresh.rotated_token_refused")
    elif rotation:
        rfc6749.check_refresh_rotated(rt, body, requirement=req)
    else:
        rfc6749.check_refresh_not_rotated(rt, body, requirement=req)


@requirement("DOC-refresh.rotation", "DOC-refresh_token_rolling", "RFC9700-4.14.2", "DOC-refresh.grace_period_s",
             "DOC-refresh_token_grace_period_s")
@pytest.mark.slow_wait  # a documented rolling interval / grace period is waited out
def test_rotated_token_refused(target: Target, user_agent: Any) -> None:
    """With rotation, the rotated-out refresh token is refused with ``invalid_grant``.

    A documented rolling interval is waited out before the roll, a documented grace period after
    it (the client's own, else ``documented.refresh.grace_period_s``): the rolled-out token is then refused.
    """
    client, req = _rotating_client(target)
    grace = _grace_period_within_cap(target, client)
    _, rt = _tokens(target, user_agent, client)
    _roll_after_interval(target, client)
    _refreshed(target, client, rt)
    _wait_out_grace(grace)
    again = refresh(target, client, rt, label="refresh with the rotated-out token")
    check_refused(again, "invalid_grant", _grace_requirement(client) if grace else req,
                  error_requirement="RFC6749-5.2")


@requirement("DOC-refresh.reuse_revokes_family", "RFC9700-4.14.2")
@pytest.mark.slow_wait  # a documented rolling interval / grace period is waited out
def test_reuse_revokes_family(target: Target, user_agent: Any) -> None:
    """Reuse of a rotated-out refresh token revokes the grant: the newest refresh and access tokens die too."""
    if target.profile.documented.refresh.reuse_revokes_family is not True:
        pytest.skip("the profile does not document reuse detection (documented.refresh.reuse_revokes_family)")
    client, req = _rotating_client(target)
    grace = _grace_period_within_cap(target, client)
    tokens, rt = _tokens(target, user_agent, client)
    _roll_after_interval(target, client)
    body = _refreshed(target, client, rt)
    newest_rt = rfc6749.check_refresh_rotated(rt, body, requirement=req)
    newest_at = str(body["access_token"])
    _wait_out_grace(grace)  # within the documented grace period the old token is legitimately still valid
    refresh(target, client, rt, label="reuse the rotated-out token")
    after = refresh(target, client, newest_rt, label="refresh with the newest token after the reuse")
    check_refused(after, "invalid_grant", "DOC-refresh.reuse_revokes_family", error_requirement="RFC6749-5.2")
    if "openid" in (tokens.requested_scope or "").split() and target.metadata.get("userinfo_endpoint"):
        status = bearer_status(target, newest_at, label="userinfo with the newest access token after the reuse")
        if status == 200:
            raise fail("REFRESH_REUSE_ACCESS_TOKEN_ALIVE", "the newest access token still works after reuse "
                       "of a rotated-out refresh token", "DOC-refresh.reuse_revokes_family", expected=401,
                       actual=status)


def _overriding_rotating_client(target: Target, setting: str) -> tuple[Client, str]:
    """The client stating its own ``setting`` whose refresh tokens roll, and the requirement stating the rolling."""
    client = _overriding_client(target, setting)
    if client is None:
        pytest.skip(f"the profile documents no per-client {setting} for a code client with the refresh_token grant "
                    f"(clients[].documented.{setting})")
    rotation, req = _rotation(target, client)
    if rotation is not True:
        pytest.skip(f"refresh-token rolling is not documented for client {client.id} (refresh_token_rolling / "
                    f"documented.refresh.rotation): {setting} applies to rolled refresh tokens")
    return client, req


@requirement("DOC-refresh_token_rolling_interval_s", "RFC6749-6-rotation")
def test_client_rolling_interval(target: Target, user_agent: Any) -> None:
    """A client's own documented Refresh Token Rolling Interval holds, overriding the server-wide one.

    PingFederate client "Refresh Token Rolling Interval": "Overrides the Minimum Interval to Roll
    Refresh Tokens value set in the Authorization Server Settings window". Within a documented
    interval (> 0) the refresh right after issuance returns no new refresh token (or the same
    one) and the kept token refreshes again; no wait is needed. A stated 0 overrides a server-wide
    interval: the refresh rolls. The roll after the interval is judged by ``refresh.rotated_token_refused``
    for the refresh client (waited for when it fits ``limits.max_expiry_wait_s``).
    """
    client, _ = _overriding_rotating_client(target, "refresh_token_rolling_interval_s")
    interval = client.documented.refresh_token_rolling_interval_s
    _, rt = _tokens(target, user_agent, client)
    body = _refreshed(target, client, rt)
    if not interval:
        rfc6749.check_refresh_rotated(rt, body, requirement="DOC-refresh_token_rolling_interval_s")
        evidence.note(f"client {client.id} documents a rolling interval of 0: a roll on every use")
        return
    rfc6749.check_refresh_not_rotated(rt, body, requirement="DOC-refresh_token_rolling_interval_s",
                                      why=f"client {client.id}'s documented rolling interval ({interval}s) has not "
                                          "passed")
    again = refresh(target, client, rt, label="refresh again with the kept refresh token")
    if not again.ok:
        raise fail("REFRESH_KEPT_TOKEN_REFUSED", f"within the documented rolling interval ({interval}s) of client "
                   f"{client.id} no new refresh token was issued, but the kept one was refused on its next use",
                   "DOC-refresh_token_rolling_interval_s", expected="HTTP 200 with access_token",
                   actual=again.describe())
    evidence.note(f"no roll within client {client.id}'s documented rolling interval {interval}s; the kept refresh "
                  "token refreshed again")


@requirement("DOC-refresh_token_grace_period_s", "RFC6749-6-rotation")
@pytest.mark.slow_wait  # the documented grace period (and a documented rolling interval) is waited out
def test_client_grace_period(target: Target, user_agent: Any) -> None:
    """A client's own documented Refresh Token Rolling Grace Period holds, overriding the server-wide one.

    PingFederate: "The amount of time in seconds that a rolled refresh token is still valid in the
    event that the client failed to receive an updated one during a roll". After a roll, the
    rolled token refreshes again within the grace period and is refused with ``invalid_grant``
    once it has passed; a stated 0 (overriding a server-wide grace period) means refused at once.
    RFC 6749 §6 lets the server revoke the old refresh token later ("MAY revoke"); for public
    clients RFC 9700 §4.14.2 still wants it invalidated, judged by ``refresh.public_client_rotation``
    regardless of a documented grace period. Both waits must fit ``limits.max_expiry_wait_s``
    (skipped before asking otherwise, naming the value to raise).
    """
    client, req = _overriding_rotating_client(target, "refresh_token_grace_period_s")
    grace = client.documented.refresh_token_grace_period_s or 0
    _interval_within_cap(target, client)
    _grace_period_within_cap(target, client)
    _, rt = _tokens(target, user_agent, client)
    _roll_after_interval(target, client)
    body = _refreshed(target, client, rt)
    rfc6749.check_refresh_rotated(rt, body, requirement=req)
    if grace:
        within = refresh(target, client, rt, label="refresh with the rolled token within the grace period")
        if not within.ok:
            raise fail("REFRESH_GRACE_TOKEN_REFUSED", f"the rolled refresh token of client {client.id} was refused "
                       f"within its documented grace period ({grace}s)", "DOC-refresh_token_grace_period_s",
                       expected="HTTP 200 with access_token", actual=within.describe())
        evidence.note(f"the rolled refresh token still worked within client {client.id}'s grace period {grace}s")
        _wait_out_grace(grace)
    after = refresh(target, client, rt, label="refresh with the rolled token after the grace period")
    check_refused(after, "invalid_grant", "DOC-refresh_token_grace_period_s", error_requirement="RFC6749-5.2")


@requirement("RFC6749-6", "RFC6749-10.4")
def test_other_client_refused(target: Target, user_agent: Any) -> None:
    """Another client cannot redeem the refresh token (``invalid_grant``)."""
    client = refresh_client(target)
    other = refresh_client(target, exclude=(client.id,))
    _, rt = _tokens(target, user_agent, client)
    result = refresh(target, other, rt, label=f"refresh by {other.id}")
    check_refused(result, "invalid_grant", "RFC6749-6", error_requirement="RFC6749-5.2")


@requirement("RFC6749-6", "RFC6749-5.2")
def test_unauthenticated_refused(target: Target, user_agent: Any) -> None:
    """A confidential client's refresh without client authentication is refused (``invalid_client``)."""
    client = refresh_client(target)
    _, rt = _tokens(target, user_agent, client)
    result = refresh(target, client, rt, authenticate=False, label="refresh with client_id only")
    check_refused(result, "invalid_client", "RFC6749-6", error_requirement="RFC6749-5.2")


def _scopes(tokens: TokenSet) -> list[str]:
    return (tokens.granted_scope or tokens.requested_scope or "").split()


@requirement("RFC6749-6", "RFC6749-3.3", "RFC9700-2.3")
def test_scope_narrowing(target: Target, user_agent: Any) -> None:
    """Asking for fewer scopes on refresh works and should yield at most those scopes.

    RFC 6749 §6: a refresh may ask for a subset of the grant (a refusal is a failure); §3.3 lets
    the server "fully or partially ignore the scope requested", so a token reported wider than
    asked is a warning (RFC 9700 §2.3: privileges "SHOULD be restricted to the minimum required").
    """
    client = refresh_client(target)
    wanted, _ = offline_request(target, client)
    if len(wanted.split()) < 2:
        pytest.skip(f"the harness requests fewer than two scopes for client {client.id} ({wanted!r}); "
                    "nothing to narrow")
    tokens, rt = _tokens(target, user_agent, client)
    granted = _scopes(tokens)
    narrower = [s for s in granted if s == "openid"] or granted[:1]
    if len(granted) < 2 or not narrower:
        raise NeedsReview(f"the server granted fewer than two scopes ({granted}) of {wanted!r}; nothing to narrow, "
                          "so nothing was judged")
    requested = " ".join(narrower)
    evidence.note(f"granted {' '.join(granted)!r}; refreshing with {requested!r}")
    result = refresh(target, client, rt, scope=requested, label="refresh with a narrower scope")
    if not result.ok:
        raise fail("REFRESH_NARROWING_REFUSED", "a refresh asking for a subset of the granted scope was refused",
                   "RFC6749-6-issue", expected="HTTP 200", actual=f"HTTP {result.status} error={result.error}")
    rfc6749.check_refresh_scope_narrowed(requested, result.body or {})


@requirement("RFC6749-6-scope", "RFC6749-3.3", "RFC6749-5.2")
def test_scope_widening_refused(target: Target, user_agent: Any) -> None:
    """Asking for a scope beyond the original grant gives no wider token: ``invalid_scope``, or the extra ignored.

    RFC 6749 §6: "The requested scope MUST NOT include any scope not originally granted by the
    resource owner"; §3.3: "The authorization server MAY fully or partially ignore the scope
    requested by the client" and then "MUST include the "scope" response parameter". A refusal
    must be ``invalid_scope``; a success passes when its ``scope`` stays within the original grant.
    """
    client = refresh_client(target)
    tokens, rt = _tokens(target, user_agent, client)
    granted = _scopes(tokens)
    supported = target.metadata.get("scopes_supported")
    candidates = [s for s in (supported if isinstance(supported, list) else []) if isinstance(s, str)
                  and s not in granted and s not in ("openid", "offline_access")]
    extra = candidates[0] if candidates else "harness-unknown-scope"
    requested = " ".join([*granted, extra])
    evidence.note(f"granted {' '.join(granted)!r}; refreshing with the extra scope {extra!r}")
    result = refresh(target, client, rt, scope=requested, label="refresh with a wider scope")
    rfc6749.check_refresh_scope_not_widened(result.status, result.response.headers, result.judged_body,
                                            granted=" ".join(granted), extra=extra, basic_auth_used=result.used_basic)


@requirement("RFC9700-4.14.2", "RFC6749-10.4-rotation")
def test_parallel_refresh(target: Target, user_agent: Any) -> None:
    """Two simultaneous refreshes with one rotating refresh token: at most one succeeds (up to 20 races).

    The documented rotation invalidates a refresh token once it is used, so two concurrent uses
    must not both return tokens (the finding cites the documented setting; RFC 9700 §4.14.2 binds
    public clients). A race shows only sometimes, so up to 20 races are run, each with a fresh grant
    (a server with reuse detection rightly revokes the family after the losing use). No race with a
    success means nothing was judged: *review*.
    """
    client = refresh_client(target)
    rotation, documented = _rotation(target, client)
    if rotation is not True:
        pytest.skip(f"refresh-token rotation is not documented for client {client.id} "
                    "(documented.refresh.rotation / refresh_token_rolling)")
    grace = _grace(target, client)
    if grace:
        pytest.skip(f"the documented grace period {grace}s of {client.id} keeps a rolled-out refresh token valid, so "
                    "two parallel refreshes may both succeed (refresh_token_grace_period_s / "
                    "documented.refresh.grace_period_s); RFC 9700 §4.14.2 binds public clients, judged by "
                    "refresh.public_client_rotation")
    if _interval(target, client):
        pytest.skip(f"the documented rolling interval of {client.id} means the parallel refreshes do not roll the "
                    "token (refresh_token_rolling_interval_s / documented.refresh.rolling_interval_s)")
    most, attempt = 0, 0
    for attempt in range(1, _PARALLEL_ATTEMPTS + 1):
        _, rt = _tokens(target, user_agent, client)

        def go(token: str = rt, race: int = attempt) -> bool:
            return refresh(target, client, token, label=f"parallel refresh (race {race})").ok

        successes = concurrent_successes(go)
        evidence.note(f"race {attempt}: {successes} of 2 parallel refreshes returned tokens")
        most = max(most, successes)
        if successes > 1:
            break
    rfc6749.check_at_most_one_success(most, what="rotating refresh token", code="REFRESH_PARALLEL_REDEMPTION",
                                      requirement=documented, attempts=attempt)


_PARALLEL_ATTEMPTS = 20


@requirement("RFC9700-4.14.2")
def test_public_client_rotation(target: Target, user_agent: Any) -> None:
    """A public client's refresh tokens rotate (old one refused), as RFC 9700 requires without sender-constraint.

    RFC 9700 §4.14.2: "refresh tokens for public clients MUST be sender-constrained or use
    refresh token rotation". Sender-constrained (DPoP/mTLS) public clients are left to their suites.
    """
    client = refresh_client(target, confidential=False)
    _, rt = _tokens(target, user_agent, client)
    body = _refreshed(target, client, rt)
    rfc6749.check_refresh_rotated(rt, body, requirement="RFC9700-4.14.2")
    again = refresh(target, client, rt, label="refresh with the rotated-out token")
    check_refused(again, "invalid_grant", "RFC9700-4.14.2", error_requirement="RFC6749-5.2")
