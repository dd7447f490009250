"""The documented refresh-token lifetime (``documented.refresh.lifetime_s``; PingFederate "Persistent Grants Max
Lifetime")."""

from __future__ import annotations

from typing import Any

import pytest

from harness import evidence
from harness.flows.expiry import cap_exceeded
from harness.flows.introspection import introspect
from harness.flows.token import check_refused, obtain_refresh_token, refresh, refresh_client
from harness.results import NeedsReview
from harness.specs import documented as documented_spec
from harness.target import Target

requirement = pytest.mark.requirement
MARGIN_S = 2


@requirement("DOC-refresh.lifetime_s")
@pytest.mark.slow_wait(lifetime=True)
def test_documented_lifetime(target: Target, user_agent: Any) -> None:
    """A fresh refresh token expires after the documented lifetime.

    Where the server offers introspection, ``exp - iat`` of the refresh token's introspection
    answer (RFC 7662 §2.2) is compared with the documented lifetime; otherwise, when the lifetime
    fits ``limits.max_expiry_wait_s``, the token is used after the lifetime has passed and must be
    refused with ``invalid_grant`` (RFC 6749 §5.2: "expired").
    """
    documented = target.profile.documented.refresh.lifetime_s
    if documented is None:
        pytest.skip("the profile does not document the refresh-token lifetime (documented.refresh.lifetime_s)")
    by_introspection = target.offers("introspection_endpoint")
    too_long = cap_exceeded(target, documented + MARGIN_S, "the documented refresh-token lifetime")
    if not by_introspection and too_long:
        pytest.skip(f"no introspection endpoint to read the refresh token's exp, and {too_long}")
    client = refresh_client(target)
    tokens = obtain_refresh_token(target, user_agent, client)
    assert tokens.refresh_token is not None
    if by_introspection:
        info = introspect(target, client, tokens.refresh_token, hint="refresh_token",
                          label="introspect the refresh token")
        body = info.body if isinstance(info.body, dict) else {}
        if info.status == 200 and body.get("active") is True and "exp" in body:
            lifetime = documented_spec.check_documented_lifetime(
                body, documented, requirement="DOC-refresh.lifetime_s", what="refresh token",
                code_prefix="REFRESH")
            evidence.note(f"refresh token lifetime {lifetime}s from introspection (documented {documented}s)")
            return
        if too_long:
            raise NeedsReview(f"introspection did not report the refresh token's exp (HTTP {info.status}, active="
                              f"{body.get('active')!r}), and {too_long}")
    evidence.mandated_wait(documented + MARGIN_S, f"documented refresh-token lifetime {documented}s plus {MARGIN_S}s")
    result = refresh(target, client, tokens.refresh_token, label="refresh with an expired refresh token")
    check_refused(result, "invalid_grant", "DOC-refresh.lifetime_s", error_requirement="RFC6749-5.2")
