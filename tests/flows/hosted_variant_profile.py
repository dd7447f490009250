"""The reference profile without the clients whose endpoints the harness hosts.

A deployment whose profile names no ping-mode client (``ciba-ping`` dropped) and no back-channel
logout client (``logout-bcl`` keeps its post_logout_redirect_uris for the RP-initiated logout
checks, but the profile states no backchannel_logout_uri for it): the checks that need one are
skipped unless the harness registers one (registration.register_hosted_clients).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from harness.reference_target import RunningTarget

DROPPED_CLIENTS = ("ciba-ping",)
BACKCHANNEL_MEMBERS = ("backchannel_logout_uri", "backchannel_logout_session_required")


def write_variant_profile(reference: RunningTarget, directory: Path, *, initial_access_token: bool = True,
                          **registration: Any) -> Path:
    """Write the variant next to nothing else (no deviations file) and return its path."""
    document = yaml.safe_load(Path(reference.profile_path()).read_text())
    document.pop("deviations_file", None)
    document["name"] = "reference-without-hosted-clients"
    document["clients"] = [c for c in document["clients"] if c["id"] not in DROPPED_CLIENTS]
    for client in document["clients"]:
        for member in BACKCHANNEL_MEMBERS:
            client.get("logout", {}).pop(member, None)
    settings = dict(document.get("registration") or {})
    if not initial_access_token:
        settings.pop("initial_access_token", None)
        settings.pop("initial_access_token_required", None)
    settings.update(registration)
    document["registration"] = settings
    path = directory / "profile-without-hosted-clients.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path
