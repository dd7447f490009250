"""Editing headers and claims for negative tests: :data:`REMOVE` drops a member."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final


class _Remove:
    def __repr__(self) -> str:
        return "REMOVE"


#: Sentinel for ``header_overrides``/``claim_overrides``: drop this member.
REMOVE: Final = _Remove()


def _apply(base: dict[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    result = dict(base)
    for name, value in (overrides or {}).items():
        if value is REMOVE:
            result.pop(name, None)
        else:
            result[name] = value
    return result
