"""Example plugin suite: an organisation's token policy (``ORGPOL-n`` requirements).

The plugin catalogues its own requirements at import (:func:`register_requirements`): each
``ORGPOL-n`` ID with level ``ORGPOL`` and the policy sentence it enforces, so results and
``oauth-harness requirements`` quote the policy like any specification.

A rule is checked only where the target profile configures it (``plugins.org_policy``): the
plugin applies no limit of its own invention, so a profile without the setting gets the
check *skipped*, naming the missing setting.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from harness.specs.catalogue import register_requirements
from harness.specs.registry import SpecSource, register_prefix

register_prefix(SpecSource("ORGPOL", "Example Org token policy v1",
                           "https://policies.example.test/oauth-token-policy.html", "#rule-"))

#: The policy sentences, as the organisation wrote them (rule number -> sentence).
POLICY: dict[str, str] = {
    "ORGPOL-1": "Access tokens live no longer than the maximum lifetime the deployment's policy sets "
                "(plugins.org_policy.max_access_token_lifetime_s); every token response states that lifetime "
                "in expires_in.",
    "ORGPOL-2": "Refresh tokens rotate: every refresh returns a new refresh token, and a refresh token that "
                "was rotated out is refused.",
}

register_requirements([{"id": rid, "level": "ORGPOL", "text": text} for rid, text in POLICY.items()],
                      origin="oauth-harness-org-policy")


class OrgPolicy(BaseModel):
    """Settings of this suite (profile section ``plugins.org_policy``); an unset rule is not checked."""

    model_config = ConfigDict(extra="forbid")

    client: str | None = Field(default=None, description="Client id to test with")
    max_access_token_lifetime_s: int | None = Field(
        default=None, gt=0, description="ORGPOL-1: longest access-token lifetime the policy allows (unset: "
                                        "ORGPOL-1 is not checked)")
    refresh_rotation_required: bool | None = Field(
        default=None, description="ORGPOL-2: the policy requires refresh-token rotation (unset or false: "
                                  "ORGPOL-2 is not checked)")


SETTINGS_MODEL = OrgPolicy
