"""The suite registry: built-in suites under ``suites/`` plus suites installed by packages.

A package adds suites through the entry-point group ``oauth_harness.suites``; each entry
point names a Python package (a directory of ``test_*.py`` checks)::

    [project.entry-points."oauth_harness.suites"]
    org_policy = "org_policy_suite"

The package may define ``SETTINGS_MODEL`` (a pydantic model validating the profile section
``plugins.<suite name>``) and call :func:`harness.specs.registry.register_prefix` for its own
requirement-ID prefixes. Duplicate suite names are rejected; unknown names get the closest match.
"""

from __future__ import annotations

import difflib
import functools
import importlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from harness.results import ProfileError

ENTRY_POINT_GROUP = "oauth_harness.suites"
BUILTIN_DIR = Path(__file__).resolve().parent.parent / "suites"


class SuiteRegistryError(ProfileError):
    """Two suites share a name, or a selection names an unknown suite."""


@dataclass(frozen=True)
class Suite:
    """A suite: its name, where its checks live, and where it came from."""

    name: str
    path: Path
    origin: str  # "built-in" or "<distribution> <version>"
    module: str

    def settings_model(self) -> Any:
        """The pydantic model of the suite's profile section (``None`` when it has none)."""
        return getattr(importlib.import_module(self.module), "SETTINGS_MODEL", None)


def _builtin() -> list[Suite]:
    return [Suite(name=p.name, path=p, origin="built-in", module=f"suites.{p.name}")
            for p in sorted(BUILTIN_DIR.iterdir()) if p.is_dir() and any(p.glob("test_*.py"))]


def _installed() -> list[Suite]:
    found: list[Suite] = []
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            module = importlib.import_module(entry.value)
        except ImportError as exc:
            raise SuiteRegistryError(f"suite plugin {entry.name!r} ({entry.value}) cannot be imported: {exc}") from exc
        if module.__file__ is None:
            raise SuiteRegistryError(f"suite plugin {entry.name!r}: {entry.value} is not a package with a file")
        dist = entry.dist
        origin = f"{dist.name} {dist.version}" if dist is not None else entry.value
        found.append(Suite(name=entry.name, path=Path(module.__file__).resolve().parent, origin=origin,
                           module=entry.value))
    return found


@functools.cache
def all_suites() -> dict[str, Suite]:
    """Every suite by name (computed once); a name registered twice is an error naming both origins."""
    suites: dict[str, Suite] = {}
    for suite in [*_builtin(), *_installed()]:
        if suite.name in suites:
            raise SuiteRegistryError(f"suite {suite.name!r} is registered twice: by {suites[suite.name].origin} "
                                     f"and by {suite.origin}")
        suites[suite.name] = suite
    return suites


def select(names: list[str] | None) -> list[Suite]:
    """The named suites (all when ``names`` is empty); unknown names suggest the closest match."""
    suites = all_suites()
    if not names:
        return list(suites.values())
    unknown = [n for n in names if n not in suites]
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, list(suites), 1)
            hints.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
        raise SuiteRegistryError(f"unknown suite {', '.join(hints)}; available: {', '.join(suites)}")
    return [suites[n] for n in names]


def suite_of_path(path: Path) -> Suite | None:
    """The registered suite a test file belongs to."""
    resolved = path.resolve()
    for suite in all_suites().values():
        if suite.path in resolved.parents:
            return suite
    return None
