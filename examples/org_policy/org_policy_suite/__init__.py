"""Example plugin suite: an organisation's token policy (``ORGPOL-n`` requirements)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from harness.specs.registry import SpecSource, register_prefix

register_prefix(SpecSource("ORGPOL", "Example Org token policy v1",
                           "https://policies.example.test/oauth-token-policy.html", "#rule-"))


class OrgPolicy(BaseModel):
    """Settings of this suite (profile section ``plugins.org_policy``)."""

    model_config = ConfigDict(extra="forbid")

    client: str | None = Field(default=None, description="Client id to test with")
    max_access_token_lifetime_s: int = Field(default=600, gt=0)
    refresh_rotation_required: bool = True


SETTINGS_MODEL = OrgPolicy
