"""The example org_policy plugin: it catalogues its own ORGPOL requirements and invents no limit."""

from __future__ import annotations

import org_policy_suite

from harness.specs.catalogue import catalogue, lookup
from harness.specs.registry import requirement_url


def test_plugin_catalogues_its_requirements_at_import() -> None:
    for rid, text in org_policy_suite.POLICY.items():
        entry = lookup(rid)
        assert entry.level == "ORGPOL" and entry.text == text
        assert entry.url == requirement_url(rid)
    assert {"ORGPOL-1", "ORGPOL-2"} <= set(catalogue())


def test_no_default_limit_the_profile_did_not_set() -> None:
    unset = org_policy_suite.OrgPolicy()
    assert unset.max_access_token_lifetime_s is None  # ORGPOL-1 skipped, not judged against a made-up 600 s
    assert not unset.refresh_rotation_required       # ORGPOL-2 skipped
    configured = org_policy_suite.OrgPolicy(max_access_token_lifetime_s=300, refresh_rotation_required=True)
    assert configured.max_access_token_lifetime_s == 300 and configured.refresh_rotation_required
