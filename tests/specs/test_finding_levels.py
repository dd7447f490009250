"""No finding is stronger than its requirement: a static scan of every finding built with a literal ID.

Each ``fail(...)``, ``finding(...)`` and ``Finding(...)`` whose requirement is a string literal is
compared with the catalogue: a MUST-level finding (the default) may not cite a SHOULD, RECOMMENDED or
MAY sentence. Findings whose requirement is computed at run time are covered by the both-ways proof,
which checks every finding of the clean and defect runs the same way.
"""

from __future__ import annotations

import ast
from pathlib import Path

from harness.registry import all_suites
from harness.results import Level
from harness.specs.catalogue import catalogue, level_too_strong

ROOT = Path(__file__).resolve().parents[2]
_LEVEL_POSITION = {"finding": 5, "Finding": 3}  # fail() takes level only as a keyword


def _findings_with_literal_ids() -> list[tuple[str, str, Level | None]]:
    found = []
    for base in ("harness", "suites", "examples"):
        for path in sorted((ROOT / base).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in ("fail", "finding", "Finding"):
                    continue
                requirement = node.args[2] if len(node.args) > 2 else None
                level_node = node.args[_LEVEL_POSITION[name]] if name in _LEVEL_POSITION and len(
                    node.args) > _LEVEL_POSITION[name] else None
                for keyword in node.keywords:
                    if keyword.arg == "requirement":
                        requirement = keyword.value
                    if keyword.arg == "level":
                        level_node = keyword.value
                if not (isinstance(requirement, ast.Constant) and isinstance(requirement.value, str)):
                    continue
                level: Level | None = Level.MUST
                if level_node is not None:
                    level = Level[level_node.attr] if isinstance(level_node, ast.Attribute) else None
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", requirement.value, level))
    return found


def test_no_literal_finding_overstates_its_requirement() -> None:
    all_suites()
    known = catalogue()
    sites = _findings_with_literal_ids()
    assert len(sites) > 300, len(sites)
    too_strong = [f"{site}: {level.value.upper()} finding cites {rid} ({known[rid].level})"
                  for site, rid, level in sites if level is not None and rid in known and level_too_strong(level, rid)]
    assert too_strong == []
    uncatalogued = [f"{site}: {rid}" for site, rid, _ in sites if rid not in known]
    assert uncatalogued == []
