"""Opening a target for a run: load the profile, or start the bundled reference target."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.profile import TargetProfile, load_profile
from harness.target import Target


@dataclass
class TargetHandle:
    """A connected target and, for the bundled one, the process that serves it."""

    target: Target
    reference: Any = None  # harness.reference_target.RunningTarget when bundled

    def close(self) -> None:
        """Close connections and stop the bundled target if this handle started it."""
        self.target.close()
        if self.reference is not None:
            self.reference.stop()


def start_reference_profile() -> tuple[TargetProfile, Any]:
    """Start the bundled reference target and load its profile with the launcher's variables."""
    from harness.reference_target import ReferenceTarget

    running = ReferenceTarget.start()
    try:
        profile = load_profile(running.profile_path(), env={**_os_environ(), **running.env})
    except Exception:
        running.stop()
        raise
    return profile, running


def open_target(path: str | Path | None) -> TargetHandle:
    """A :class:`TargetHandle` for the profile at ``path`` (bundled reference target if ``None``)."""
    if path is None:
        profile, running = start_reference_profile()
        return TargetHandle(target=Target.from_profile(profile), reference=running)
    return TargetHandle(target=Target.from_profile(load_profile(path)))


def _os_environ() -> dict[str, str]:
    import os

    return dict(os.environ)
