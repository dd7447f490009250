"""Run-to-run diff for nightly CI: what got worse, what got fixed, what changed.

Compares two ``results.json`` documents by check id. A *new failure* is a check that fails
now (and is not a known deviation) but did not fail before, including a check that did not
exist before. A *fixed failure* failed before and passes (or only warns) now.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from harness.results import ProfileError


@dataclass
class OutcomeChange:
    """One check whose outcome differs between the runs."""

    check: str
    old: str | None
    new: str | None
    message: str = ""


@dataclass
class RunDiff:
    """Differences between two runs."""

    old: str
    new: str
    new_failures: list[OutcomeChange] = field(default_factory=list)
    fixed_failures: list[OutcomeChange] = field(default_factory=list)
    changed: list[OutcomeChange] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``diff.json``)."""
        return asdict(self)

    def headline(self) -> str:
        """One line for CI logs: "3 new failures, 1 fixed, 2 changed, 4 added, 0 removed"."""
        return (f"{len(self.new_failures)} new failures, {len(self.fixed_failures)} fixed, "
                f"{len(self.changed)} changed, {len(self.added)} added, {len(self.removed)} removed")


def load_results(path: str | Path) -> dict[str, Any]:
    """A ``results.json`` from a file or a run directory."""
    file_path = Path(path)
    if file_path.is_dir():
        file_path = file_path / "results.json"
    try:
        document = json.loads(file_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProfileError(f"cannot read results {file_path}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("checks"), list):
        raise ProfileError(f"{file_path} is not an oauth-harness results.json")
    return document


def _is_failure(check: dict[str, Any]) -> bool:
    return bool(check["outcome"] == "failed" and not check.get("deviation"))


def diff_runs(old: dict[str, Any], new: dict[str, Any], *, old_name: str = "old", new_name: str = "new") -> RunDiff:
    """Compare two results documents."""
    before = {c["id"]: c for c in old["checks"]}
    after = {c["id"]: c for c in new["checks"]}
    result = RunDiff(old=old_name, new=new_name)
    for cid in sorted(after):
        now = after[cid]
        then = before.get(cid)
        if then is None:
            result.added.append(cid)
            if _is_failure(now):
                result.new_failures.append(OutcomeChange(cid, None, now["outcome"], now.get("message", "")))
            continue
        if _is_failure(now) and not _is_failure(then):
            result.new_failures.append(OutcomeChange(cid, then["outcome"], now["outcome"], now.get("message", "")))
        elif _is_failure(then) and not _is_failure(now) and now["outcome"] in ("passed", "warning"):
            result.fixed_failures.append(OutcomeChange(cid, then["outcome"], now["outcome"]))
        if then["outcome"] != now["outcome"]:
            result.changed.append(OutcomeChange(cid, then["outcome"], now["outcome"], now.get("message", "")))
    result.removed = sorted(set(before) - set(after))
    return result


def render_text(diff: RunDiff) -> list[str]:
    """Plain-text lines for the terminal."""
    lines = [f"diff {diff.old} -> {diff.new}: {diff.headline()}"]
    for title, items in (("NEW FAILURE", diff.new_failures), ("FIXED", diff.fixed_failures)):
        for change in items:
            lines.append(f"  {title:<11} {change.check} ({change.old} -> {change.new}) {change.message[:160]}")
    for change in diff.changed:
        if change not in diff.new_failures and change not in diff.fixed_failures:
            lines.append(f"  CHANGED     {change.check} ({change.old} -> {change.new})")
    lines += [f"  ADDED       {cid}" for cid in diff.added]
    lines += [f"  REMOVED     {cid}" for cid in diff.removed]
    return lines


def render_html(diff: RunDiff) -> str:
    """A small self-contained HTML page of the diff."""
    def rows(items: list[OutcomeChange]) -> str:
        return "".join(f"<tr><td>{escape(c.check)}</td><td>{escape(str(c.old))}</td><td>{escape(str(c.new))}</td>"
                       f"<td>{escape(c.message[:300])}</td></tr>" for c in items)

    sections = [("New failures", diff.new_failures), ("Fixed failures", diff.fixed_failures),
                ("Changed outcomes", diff.changed)]
    body = "".join(f"<h2>{title} ({len(items)})</h2><table><tr><th>check</th><th>before</th><th>now</th>"
                   f"<th>message</th></tr>{rows(items)}</table>" for title, items in sections)
    body += f"<h2>Added checks ({len(diff.added)})</h2><ul>" + "".join(
        f"<li>{escape(c)}</li>" for c in diff.added) + "</ul>"
    body += f"<h2>Removed checks ({len(diff.removed)})</h2><ul>" + "".join(
        f"<li>{escape(c)}</li>" for c in diff.removed) + "</ul>"
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>oauth-harness diff</title>"
            "<style>body{font:14px system-ui,sans-serif;margin:1.5rem}td,th{border:1px solid #ccc;"
            "padding:.2rem .4rem}table{border-collapse:collapse}</style></head><body>"
            f"<h1>{escape(diff.old)} → {escape(diff.new)}</h1><p>{escape(diff.headline())}</p>{body}</body></html>")
