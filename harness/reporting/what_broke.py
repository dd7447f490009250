"""What broke: the first thing a report says, in the order a person acts on it.

From a ``results.json`` document: new failures since the baseline first, then the other
failures, then checks that could not run (broken), then warnings — one item per check with its
title, the requirement and its catalogued sentence, expected vs. actual, the cause it belongs to
("seen in N checks") and the command that reruns it. Known deviations are listed apart, as
known. The HTML report and the console render the same items, so they always agree.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

GROUPS = ("new", "failed", "broken", "warning")
GROUP_TITLES = {"new": "New failures since the baseline", "failed": "Failures", "broken": "Could not run (broken)",
                "warning": "Warnings", "known": "Known deviations (accepted, not failing the run)",
                "review": "Awaiting a person's review (the evidence is in the check's details)"}


@dataclass
class Item:
    """One line of the what-broke block: one check."""

    group: str
    check: str
    title: str
    outcome: str
    requirement: str = ""
    requirement_text: str = ""
    requirement_url: str = ""
    message: str = ""
    expected: str = ""
    actual: str = ""
    cause: str = ""
    seen_in: int = 1
    more_findings: int = 0
    rerun: str = ""
    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class WhatBroke:
    """The block: items per group, known deviations apart, and the baseline it was judged against."""

    items: list[Item]
    known: list[Item]
    baseline: str | None
    total: int
    review: list[Item] = field(default_factory=list)

    def group(self, name: str) -> list[Item]:
        """The items of one group, in report order."""
        return [i for i in self.items if i.group == name]

    @property
    def all_passed(self) -> bool:
        """Nothing failed, broke or warned (known deviations, skips and reviews aside)."""
        return not self.items


def shown_value(value: Any, limit: int = 160) -> str:
    """A finding's expected/actual as one short line."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def rerun_command(document: dict[str, Any], check_id: str) -> str:
    """``oauth-harness run --target <profile> --check <id>``: the command that reruns one check."""
    prefix = str(document.get("run", {}).get("rerun") or "oauth-harness run")
    return f"{prefix} --check {shlex.quote(check_id)}"


def _worst_finding(check: dict[str, Any]) -> dict[str, Any] | None:
    findings = list(check.get("findings") or [])
    if not findings:
        return None
    worst: dict[str, Any] = sorted(findings, key=lambda f: 0 if f.get("level") == "must" else 1)[0]
    return worst


def _item(group: str, check: dict[str, Any], document: dict[str, Any], seen: dict[str, int]) -> Item:
    finding = _worst_finding(check)
    item = Item(group=group, check=check["id"], title=check.get("title", ""), outcome=check["outcome"],
                message=check.get("message", ""), rerun=rerun_command(document, check["id"]))
    if finding is not None:
        item.requirement = str(finding.get("requirement", ""))
        item.requirement_text = str(finding.get("requirement_text") or "")
        item.requirement_url = str(finding.get("requirement_url") or "")
        item.message = str(finding.get("message", ""))
        item.expected = shown_value(finding.get("expected"))
        item.actual = shown_value(finding.get("actual"))
        item.cause = str(finding.get("cause") or f"{finding.get('code')}@{finding.get('requirement')}")
        item.seen_in = seen.get(item.cause, 1)
        item.more_findings = len(check.get("findings") or []) - 1
    elif check.get("requirements"):
        item.requirement = str(check["requirements"][0])
    if check.get("deviation"):
        item.reason = str(check["deviation"].get("reason", ""))
    return item


def what_broke(document: dict[str, Any]) -> WhatBroke:
    """The what-broke block of a run (see the module docstring for the order)."""
    checks = document.get("checks", [])
    seen = {str(c["key"]): len(c["checks"]) for c in document.get("causes", [])}
    baseline = document.get("baseline") or None
    new_ids = set(baseline.get("new_failures", [])) if baseline else set()
    items: list[Item] = []
    known: list[Item] = []
    review: list[Item] = []
    for check in sorted(checks, key=lambda c: (c["suite"], c["id"])):
        if check.get("deviation"):
            known.append(_item("known", check, document, seen))
            continue
        outcome = check["outcome"]
        if outcome == "failed":
            items.append(_item("new" if check["id"] in new_ids else "failed", check, document, seen))
        elif outcome in ("broken", "warning"):
            items.append(_item(outcome, check, document, seen))
        elif outcome == "review":
            review.append(_item("review", check, document, seen))
    items.sort(key=lambda i: (GROUPS.index(i.group), -i.seen_in, i.cause, i.check))
    source = None
    if baseline:
        source = str(baseline.get("source") or "")
        if baseline.get("started"):
            source += f", {baseline['started']}"
    return WhatBroke(items=items, known=known, baseline=source, total=len(checks), review=review)


def headline(block: WhatBroke) -> str:
    """One sentence: "3 new failures, 2 other failures, 1 warning (of 327 checks)" or "all N checks passed"."""
    if block.all_passed:
        extra = f"; {len(block.known)} known deviation(s)" if block.known else ""
        extra += f"; {len(block.review)} awaiting review" if block.review else ""
        return f"Nothing broke: all {block.total} checks passed, were skipped or await review{extra}."
    names = {"new": "new failure(s)", "failed": "failure(s)" if not block.group("new") else "other failure(s)",
             "broken": "broken", "warning": "warning(s)"}
    parts = [f"{len(block.group(g))} {names[g]}" for g in GROUPS if block.group(g)]
    if block.known:
        parts.append(f"{len(block.known)} known deviation(s)")
    if block.review:
        parts.append(f"{len(block.review)} awaiting review")
    return ", ".join(parts) + f" (of {block.total} checks)"


def console_lines(block: WhatBroke, *, width: int = 150, limit: int = 40) -> list[str]:
    """The block for the terminal: the same groups and order as the HTML report."""
    lines = ["", "what broke: " + headline(block)]
    shown = 0
    for name in (*GROUPS, "known"):
        items = block.known if name == "known" else block.group(name)
        if not items:
            continue
        title = GROUP_TITLES[name]
        if name == "new" and block.baseline:
            title += f" — {block.baseline}"
        lines.append(f"  {title}:")
        further: dict[str, list[str]] = {}
        firsts: list[Item] = []
        for item in items:
            if item.cause and item.seen_in > 1 and item.cause in further and name != "known":
                further[item.cause].append(item.check)
            else:
                further.setdefault(item.cause, [])
                firsts.append(item)
        for item in firsts:
            if shown >= limit:
                lines.append(f"    ... more in the HTML report ({len(block.items) + len(block.known)} checks listed)")
                return lines
            shown += 1
            mark = "KNOWN" if name == "known" else item.outcome.upper()
            lines.append(f"    {mark:<8}{item.check} — {item.title}"[:width])
            if item.requirement:
                lines.append(f"            [{item.requirement}] {shown_value(item.message, 300)}")
            elif item.message:
                lines.append(f"            {shown_value(item.message, 300)}")
            if name == "known":
                lines.append(f"            known: {shown_value(item.reason, 300)}")
            elif item.expected or item.actual:
                lines.append(f"            expected {item.expected}, got {item.actual}"[:width])
            if name != "known":
                lines.append(f"            rerun: {item.rerun}")
            also = further.get(item.cause) or []
            if also and name != "known":
                lines.append(f"            same cause in {len(also)} more: {', '.join(also)}")
    if block.review:
        lines.append(f"  {GROUP_TITLES['review']}: {', '.join(i.check for i in block.review)}")
    return lines
