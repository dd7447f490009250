"""Validating a suite's own section of the target profile (``plugins.<suite name>``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from harness.profile import TargetProfile
from harness.registry import Suite
from harness.results import ProfileError


def validate_section(suite: Suite, profile: TargetProfile) -> Any:
    """The validated settings object, ``None`` for a suite without a model; errors name the YAML path."""
    model = suite.settings_model()
    raw = profile.plugins.get(suite.name, {})
    if model is None:
        if raw:
            raise ProfileError(f"plugins.{suite.name}: suite {suite.name!r} ({suite.origin}) takes no settings")
        return None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise ProfileError(f"suite {suite.name!r} declares a SETTINGS_MODEL that is not a pydantic model")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        lines = [f"plugins.{suite.name}: invalid settings for suite {suite.name!r} ({suite.origin}):"]
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            lines.append(f"  plugins.{suite.name}.{where}: {error['msg']}")
        raise ProfileError("\n".join(lines)) from None
