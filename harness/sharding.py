"""Sharding a run over several CI machines: which checks ``run --shard K/N`` runs.

The CI engine (a GitHub Actions matrix, GitLab ``parallel:``, a Kubernetes indexed Job) starts
N copies of the same run; each runs ``--shard K/N`` and gets a deterministic share of the
selected checks; ``oauth-harness merge`` puts the shard reports back together. The harness does
no scheduling of its own: the assignment below is a pure function of the selected check ids,
the checks that wait for a protocol-mandated expiry, and the recorded durations, so every
shard computes the same plan without talking to the others.

Balance: longest recorded duration first, each check to the least-loaded shard (ties: the
lowest shard number). Checks that wait for an expiry go first and are spread so that no shard
gets a second one before every shard has one (the waits are the chain that cannot be
shortened). Without recorded durations every check weighs the same and the order among equal
weights is a stable hash of the check id, so shards get equal counts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


class ShardError(ValueError):
    """A malformed ``--shard`` value or durations file (a usage error)."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``total``."""

    index: int
    total: int

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


def parse_shard(text: str) -> Shard:
    """``"2/4"`` -> ``Shard(2, 4)``; 1 <= K <= N."""
    match = _SHARD.match(text or "")
    if match is None:
        raise ShardError(f"--shard takes K/N (e.g. 1/4), not {text!r}")
    index, total = int(match.group(1)), int(match.group(2))
    if total < 1 or not 1 <= index <= total:
        raise ShardError(f"--shard {text}: K must be between 1 and N (N >= 1)")
    return Shard(index, total)


def _stable_hash(check: str) -> str:
    return hashlib.sha256(check.encode("utf-8")).hexdigest()


def assign(checks: Iterable[str], total: int, *, durations: Mapping[str, float] | None = None,
           waiting: Iterable[str] = ()) -> dict[str, int]:
    """Check id -> shard number (1..``total``) for every check; the same inputs give the same plan.

    ``durations``: recorded seconds per check id (a check without one weighs the median of the
    known ones, or 1 when none is known). ``waiting``: the checks that wait for a mandated expiry.
    """
    if total < 1:
        raise ShardError("the number of shards must be at least 1")
    ids = sorted(set(checks))
    known = sorted(float(v) for k, v in (durations or {}).items() if k in set(ids) and v >= 0)
    default = known[len(known) // 2] if known else 1.0
    weight = {c: float((durations or {}).get(c, default)) for c in ids}
    waits = set(waiting) & set(ids)
    order = sorted(ids, key=lambda c: (c not in waits, -weight[c], _stable_hash(c), c))
    load = [0.0] * total
    wait_count = [0] * total
    plan: dict[str, int] = {}
    for check in order:
        if check in waits:
            shard = min(range(total), key=lambda s: (wait_count[s], load[s], s))
            wait_count[shard] += 1
        else:
            shard = min(range(total), key=lambda s: (load[s], s))
        load[shard] += weight[check]
        plan[check] = shard + 1
    return plan


def plan_digest(plan: Mapping[str, int]) -> str:
    """A short fingerprint of a whole plan: shards of one run carry the same one (``merge`` checks it)."""
    text = json.dumps(sorted(plan.items()), separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def durations_of_document(document: Mapping[str, Any]) -> dict[str, float]:
    """Check id -> ``duration_s`` from a ``results.json`` document."""
    return {str(c["id"]): float(c.get("duration_s") or 0.0) for c in document.get("checks", [])
            if isinstance(c, dict) and "id" in c}


def durations_from_file(path: Path) -> dict[str, float]:
    """Durations from a previous ``results.json`` (or the report directory holding one)."""
    file = path / "results.json" if path.is_dir() else path
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ShardError(f"--durations {path}: not a readable results.json ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("checks"), list):
        raise ShardError(f"--durations {path}: not a results.json (no 'checks' list)")
    return durations_of_document(document)


def durations_from_history(entries: list[dict[str, Any]], target: str, *, runs: int = 20) -> dict[str, float]:
    """Durations from the reports of the last complete runs of ``target`` named in a history file.

    The history holds no per-check data; each line names its report (``index.html``), whose
    ``results.json`` beside it holds the durations. The newest run that measured a check wins;
    reports no longer on disk are passed over, and so are the shards' own lines: the shards of one
    run, started one after the other, must all read the same durations (a merged run's line counts).
    """
    found: dict[str, float] = {}
    series = [e for e in entries if e.get("target") == target and not e.get("incomplete")
              and "shard=" not in str(e.get("selection", ""))][-runs:]
    for entry in reversed(series):
        results = Path(str(entry.get("report", ""))).with_name("results.json")
        try:
            document = json.loads(results.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(document, dict):
            for check, seconds in durations_of_document(document).items():
                found.setdefault(check, seconds)
    return found
