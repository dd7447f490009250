"""The requirement catalogue: every requirement ID the harness cites, with its level and sentence.

The data lives in ``harness/specs/requirements/<prefix>.yaml``, one file per specification
(ID prefix), each entry quoting the normative sentence a check enforces::

    spec: RFC6749
    requirements:
      - id: RFC6749-4.1.2.1-no_redirect
        level: MUST NOT
        text: >-
          ... the authorization server ... MUST NOT automatically redirect the user-agent to
          the invalid redirection URI.

An ID is ``<prefix>-<section>`` or ``<prefix>-<section>-<sentence>`` where ``<sentence>`` is a
short slug (or number) that tells apart several rules of one section. ``spec``, ``section`` and
``url`` of an entry are derived from its ID (:mod:`harness.specs.registry`).

Levels are the RFC 2119 keywords of the quoted sentence, plus ``DOC`` (behaviour the target
profile states the vendor documents) and ``ORGPOL`` (an organisation's own policy): both bind
as strictly as a MUST, since the profile author asked for exactly that behaviour. A sentence that
states a rule without a keyword (a definition: "the value of the cnf claim is a JSON object")
carries a ``note`` starting "No RFC 2119 keyword" that says why the level was chosen.

Plugins that cite their own documents add entries with :func:`register_requirements`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness.results import Level
from harness.specs.registry import UnknownRequirementPrefix, requirement_url, spec_title, validate_requirement_id

CATALOGUE_DIR = Path(__file__).resolve().parent / "requirements"

KEYWORD_STRENGTH: Mapping[str, Level] = {
    "MUST": Level.MUST, "MUST NOT": Level.MUST, "REQUIRED": Level.MUST, "SHALL": Level.MUST,
    "SHALL NOT": Level.MUST, "DOC": Level.MUST, "ORGPOL": Level.MUST,
    "SHOULD": Level.SHOULD, "SHOULD NOT": Level.SHOULD, "RECOMMENDED": Level.SHOULD,
    "NOT RECOMMENDED": Level.SHOULD,
    "MAY": Level.MAY, "OPTIONAL": Level.MAY,
}
"""Each catalogue level and the strongest finding level it supports."""

_RANK = {Level.MAY: 0, Level.SHOULD: 1, Level.MUST: 2}


class CatalogueError(ValueError):
    """A catalogue file is malformed, or an ID is not in the catalogue."""


@dataclass(frozen=True)
class Requirement:
    """One catalogued requirement: the sentence a check enforces and its level."""

    id: str
    level: str
    text: str
    spec: str
    section: str
    url: str | None
    note: str | None = None

    @property
    def strength(self) -> Level:
        """The finding level this requirement supports at most (MUST, SHOULD or MAY)."""
        return KEYWORD_STRENGTH[self.level]

    def as_dict(self) -> dict[str, Any]:
        """JSON form (``oauth-harness requirements --json``)."""
        data: dict[str, Any] = {"id": self.id, "spec": self.spec, "section": self.section, "level": self.level,
                                "text": self.text, "url": self.url}
        if self.note:
            data["note"] = self.note
        return data


def _section_of(requirement_id: str) -> str:
    return requirement_id.split("-", 1)[1]


def _build(entry: Mapping[str, Any], origin: str) -> Requirement:
    missing = [key for key in ("id", "level", "text") if not entry.get(key)]
    if missing:
        raise CatalogueError(f"{origin}: entry {dict(entry)!r} lacks {', '.join(missing)}")
    unknown = set(entry) - {"id", "level", "text", "note"}
    if unknown:
        raise CatalogueError(f"{origin}: entry {entry['id']!r} has unknown keys {sorted(unknown)}")
    rid, level, text = str(entry["id"]), str(entry["level"]).upper(), " ".join(str(entry["text"]).split())
    if level not in KEYWORD_STRENGTH:
        raise CatalogueError(f"{origin}: {rid}: level {level!r} is not one of {', '.join(KEYWORD_STRENGTH)}")
    try:
        validate_requirement_id(rid)
    except UnknownRequirementPrefix as exc:
        raise CatalogueError(f"{origin}: {exc}") from None
    note = " ".join(str(entry["note"]).split()) if entry.get("note") else None
    return Requirement(id=rid, level=level, text=text, spec=spec_title(rid), section=_section_of(rid),
                       url=requirement_url(rid), note=note)


SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it (the same documents, ten times faster: every xdist worker loads
the whole catalogue at collection), else the pure-Python one."""


def load_file(path: Path) -> list[Requirement]:
    """The entries of one catalogue file."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    if not isinstance(data, dict) or not isinstance(data.get("requirements"), list):
        raise CatalogueError(f"{path.name}: expected a mapping with a 'requirements' list")
    entries = [_build(entry, path.name) for entry in data["requirements"]]
    prefix = data.get("spec")
    for item in entries:
        if prefix and not item.id.startswith(f"{prefix}-"):
            raise CatalogueError(f"{path.name}: {item.id} does not belong to spec {prefix}")
    return entries


_registered: dict[str, Requirement] = {}


def register_requirements(entries: Iterable[Mapping[str, Any]], origin: str = "plugin") -> None:
    """Add catalogue entries (used by suite plugins citing their own documents)."""
    for entry in entries:
        item = _build(entry, origin)
        _registered[item.id] = item
    catalogue.cache_clear()


@functools.cache
def catalogue() -> Mapping[str, Requirement]:
    """Every catalogued requirement by ID (built-in files plus registered plugin entries)."""
    found: dict[str, Requirement] = {}
    for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
        for item in load_file(path):
            if item.id in found:
                raise CatalogueError(f"{path.name}: {item.id} is catalogued twice")
            found[item.id] = item
    for rid, item in _registered.items():
        found.setdefault(rid, item)
    return found


def lookup(requirement_id: str) -> Requirement:
    """The catalogue entry of ``requirement_id`` or :class:`CatalogueError`."""
    entry = catalogue().get(requirement_id)
    if entry is None:
        raise CatalogueError(f"requirement ID {requirement_id!r} is not in the requirement catalogue "
                             f"(harness/specs/requirements/)")
    return entry


def find(requirement_id: str) -> Requirement | None:
    """The catalogue entry of ``requirement_id``, or ``None``."""
    return catalogue().get(requirement_id)


def level_too_strong(finding_level: Level, requirement_id: str) -> bool:
    """Whether a finding at ``finding_level`` overstates its requirement (e.g. MUST for a SHOULD)."""
    entry = find(requirement_id)
    return entry is not None and _RANK[finding_level] > _RANK[entry.strength]
