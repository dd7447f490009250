"""Bring a deviations file to the strict form from a run: every entry names its check and findings.

``oauth-harness deviations update FILE --run DIR`` reads the (possibly old-style) entries of
FILE and the ``results.json`` of a run against the target, and writes entries that match exactly
what the run showed:

* an entry without ``findings`` gets the codes the check produced in the run;
* an entry whose check name holds a wildcard (refused now) becomes one entry per matching check
  that failed or warned (parameter cases stay together as ``check[*]``);
* an entry whose check passed, or did not run, is left out and reported, never silently kept.

It never adds entries for failures the file did not list: a new failure stays a new failure
until a person lists it.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

import yaml

_JUDGED = ("failed", "warning")


@dataclass
class UpdateResult:
    """The updated entries and what was left out, with why."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def _base_name(check_id: str) -> str:
    return check_id.split("[", 1)[0]


def _strict_pattern(raw_pattern: str, check_id: str) -> str:
    """The strict entry name for ``check_id`` matched by ``raw_pattern`` (old files escape ``[`` as ``[[]``).

    The check name becomes exact; a parameter part the old entry had is kept (``[*-resource]``),
    and a parametrised check matched by a name wildcard gets ``[*]``.
    """
    raw = raw_pattern.replace("[[]", "[", 1)
    _, bracket, params = raw.partition("[")
    if bracket:
        return f"{_base_name(check_id)}[{params}"
    return f"{_base_name(check_id)}[*]" if "[" in check_id else check_id


def _matches(raw_pattern: str, check_id: str) -> bool:
    if fnmatch.fnmatchcase(check_id, raw_pattern):
        return True
    new_style = raw_pattern.replace("[", "[[]", 1) if "[[]" not in raw_pattern else raw_pattern
    return fnmatch.fnmatchcase(check_id, new_style)


def update_entries(raw_entries: list[dict[str, Any]], document: dict[str, Any]) -> UpdateResult:
    """Strict entries for ``raw_entries`` from the run ``document`` (``results.json``)."""
    checks = {str(c["id"]): c for c in document.get("checks", [])}
    result = UpdateResult()
    for raw in raw_entries:
        pattern = str(raw.get("check", ""))
        matched = [c for cid, c in checks.items() if _matches(pattern, cid)]
        judged = [c for c in matched if c["outcome"] in _JUDGED]
        if not judged and raw.get("intermittent") and matched:
            result.entries.append(dict(raw))  # a race not lost this run: the entry stays as written
            continue
        if not judged:
            state = ", ".join(sorted({c["outcome"] for c in matched})) or "not in the run"
            result.dropped.append(f"{pattern}: {state} — left out")
            continue
        groups: dict[str, list[dict[str, Any]]] = {}
        for check in judged:
            groups.setdefault(_strict_pattern(pattern, str(check["id"])), []).append(check)
        for name, members in groups.items():
            findings = [f for c in members for f in c["findings"]]
            codes = list(raw.get("findings") or dict.fromkeys(str(f["code"]) for f in findings))
            entry: dict[str, Any] = {"check": name, "findings": codes}
            requirements = {str(f["requirement"]) for f in findings if f["code"] in codes}
            if len(requirements) == 1:  # an entry's requirement must be cited by every finding it lists
                entry["requirement"] = next(iter(requirements))
            outcomes = {str(c["outcome"]) for c in members}
            if len(outcomes) == 1:
                entry["expected"] = next(iter(outcomes))
                if raw.get("expected") and raw["expected"] != entry["expected"]:
                    result.changed.append(f"{name}: expected {raw['expected']} -> {entry['expected']}")
            if raw.get("intermittent"):
                entry["intermittent"] = True
            entry["reason"] = raw.get("reason", "")
            if raw.get("link"):
                entry["link"] = raw["link"]
            result.entries.append(entry)
    return result


def render(header: str, target: str | None, entries: list[dict[str, Any]]) -> str:
    """The file text: the original leading comments, then one compact block per entry."""
    lines = [header] if header else []
    if target:
        lines.append(f"target: {target}")
    lines.append("deviations:")
    for entry in entries:
        first = True
        for key, value in entry.items():
            prefix = "  - " if first else "    "
            first = False
            if isinstance(value, list):
                text = "[" + ", ".join(_scalar(v) for v in value) + "]"
            else:
                text = _scalar(value, indent=6)
            lines.append(f"{prefix}{key}: {text}")
    return "\n".join(lines) + "\n"


def _scalar(value: Any, indent: int = 0) -> str:
    dumped = yaml.safe_dump(value, width=104, allow_unicode=True, default_flow_style=True).strip()
    dumped = dumped.removesuffix("...").strip()
    return dumped.replace("\n", "\n" + " " * indent) if indent else dumped


def leading_comments(text: str) -> str:
    """The comment block at the top of a YAML file."""
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith("#") or (not line.strip() and lines):
            lines.append(line)
        else:
            break
    return "\n".join(lines).rstrip()
