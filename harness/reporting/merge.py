"""``oauth-harness merge``: shard reports (``run --shard K/N``) put back together into one run's reports.

The merged ``results.json`` / ``junit.xml`` / ``index.html`` are written by the same writer as a
single run's, from the shards' records, so they hold the same checks with the same verdicts as an
unsharded run. What only the whole set can decide is decided here: known deviations are matched
per check in the shards, but staleness (an entry whose check did not fail as listed, or that names
no check of the suites that ran) needs every check, so the deviations file is applied again over
the merged records; the certification verdicts are computed over the merged records too.

Refused (a usage error) rather than merged into something misleading: a report that is not a
shard, shards of different targets, harness versions, selections or shard plans, a shard given
twice, a missing shard of the K/N set, and a check that appears in two shards.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.reporting.deviations import DeviationResult, apply_deviations, load_deviations
from harness.reporting.writer import RunInfo, iso_time, write_reports
from harness.results import CheckRecord, ProfileError

_COPIED_DIRS = ("allure-results", "screenshots")
"""Directories of a shard's report that are copied together into the merged one."""


class MergeError(ValueError):
    """The reports cannot be merged into one run (a usage error: exit 2)."""


@dataclass
class ShardReport:
    """One shard's report directory and its ``results.json`` document."""

    directory: Path
    document: dict[str, Any]
    index: int = 0
    total: int = 0
    checks: list[dict[str, Any]] = field(default_factory=list)


def load_shard(path: Path) -> ShardReport:
    """A shard's report from its directory (or its ``results.json``)."""
    file = path / "results.json" if path.is_dir() else path
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MergeError(f"{path}: no readable results.json ({exc})") from None
    run = document.get("run") if isinstance(document, dict) else None
    if not isinstance(run, dict) or not isinstance(document.get("checks"), list):
        raise MergeError(f"{file}: not a results.json of oauth-harness")
    shard = str(run.get("shard") or "")
    if "/" not in shard:
        raise MergeError(f"{file}: not a shard report (no run.shard: made without --shard K/N, or a run that "
                         "could not reach the target)")
    try:
        index, total = (int(part) for part in shard.split("/", 1))
        for moment in ("started", "finished"):
            dt.datetime.fromisoformat(str(run.get(moment)))
    except ValueError:
        raise MergeError(f"{file}: run.shard {shard!r} or its start/finish times are not readable") from None
    return ShardReport(directory=file.parent, document=document, index=index, total=total,
                       checks=list(document["checks"]))


def base_selection(selection: str) -> str:
    """The selection of the whole run: a shard's selection without its ``shard=K/N`` part."""
    kept = " ".join(part for part in selection.split(" ") if not part.startswith("shard="))
    return kept or "all"


def validate(shards: list[ShardReport]) -> None:
    """Refuse a set of reports that is not every shard of one run, each once (:class:`MergeError`)."""
    if not shards:
        raise MergeError("no shard report given")
    first = shards[0]
    for key, label in (("target", "targets"), ("harness_version", "harness versions"),
                       ("shard_plan", "shard plans (different selections or recorded durations)")):
        values = sorted({str(s.document["run"].get(key, "")) for s in shards})
        if len(values) > 1:
            raise MergeError(f"the shards are of different {label}: {', '.join(values)}")
    selections = sorted({base_selection(str(s.document["run"].get("selection", "all"))) for s in shards})
    if len(selections) > 1:
        raise MergeError(f"the shards selected different checks: {' | '.join(selections)}")
    totals = sorted({s.total for s in shards})
    if len(totals) > 1:
        raise MergeError(f"the shards split the run differently: N = {', '.join(map(str, totals))}")
    seen: dict[int, Path] = {}
    for shard in shards:
        if shard.index in seen:
            raise MergeError(f"shard {shard.index}/{shard.total} given twice: {seen[shard.index]} and "
                             f"{shard.directory}")
        seen[shard.index] = shard.directory
    missing = [f"{k}/{first.total}" for k in range(1, first.total + 1) if k not in seen]
    if missing:
        raise MergeError(f"shard(s) {', '.join(missing)} missing: a merge needs every shard of the run")
    owner: dict[str, int] = {}
    for shard in shards:
        for check in shard.checks:
            if check["id"] in owner:
                raise MergeError(f"check {check['id']} is in shard {owner[check['id']]}/{shard.total} and in "
                                 f"shard {shard.index}/{shard.total}")
            owner[check["id"]] = shard.index


def _record(check: dict[str, Any]) -> CheckRecord:
    from harness.pytest_plugin import _record_from_dict

    return _record_from_dict(check)


def _full_run(selection: str) -> bool:
    """No check patterns and no ``-k``: every check of the suites that ran was selected."""
    return not any(part.startswith(("check=", "k=")) for part in selection.split(" "))


def _deviations(shards: list[ShardReport], records: list[CheckRecord], path: str | None,
                selection: str) -> DeviationResult | None:
    files = sorted({str(s.document["deviations"]["file"]) for s in shards if s.document.get("deviations")})
    source = path or (files[0] if files else None)
    if path is None and len(files) > 1:
        raise MergeError(f"the shards applied different deviations files ({', '.join(files)}); "
                         "name the one to judge staleness with --deviations FILE")
    if source is None:
        return None
    try:
        deviations = load_deviations(source)
    except ProfileError as exc:
        raise MergeError(f"the deviations file {source} (needed to judge staleness over the merged run) cannot be "
                         f"read: {exc}; give it with --deviations FILE") from None
    return apply_deviations(records, deviations, source, full_run=_full_run(selection))


def _certification(shards: list[ShardReport], records: list[CheckRecord]) -> list[dict[str, Any]]:
    from harness.certification import all_profiles, evaluate

    selected = {c["profile"] for s in shards for c in s.document.get("certification", []) if c.get("selected")}
    return [{**evaluate(profile, records).as_dict(), "selected": name in selected}
            for name, profile in all_profiles().items()]


def _run_info(shards: list[ShardReport], selection: str) -> RunInfo:
    runs = [s.document["run"] for s in sorted(shards, key=lambda s: s.index)]
    first = runs[0]
    started = min(dt.datetime.fromisoformat(r["started"]) for r in runs)
    finished = max(dt.datetime.fromisoformat(r["finished"]) for r in runs)
    return RunInfo(target=first["target"], issuer=first["issuer"], harness_version=first["harness_version"],
                   server=dict(first.get("server") or {}), browser_version=first.get("browser_version"),
                   python_version=first.get("python_version", ""), started=iso_time(started.timestamp()),
                   finished=iso_time(finished.timestamp()),
                   duration_s=round((finished - started).total_seconds(), 3),
                   incomplete=any(bool(r.get("incomplete")) for r in runs),
                   features=list(first.get("features") or []), rerun=first.get("rerun", ""),
                   selection=selection, merged_from=len(runs))


def _copy_dirs(shards: list[ShardReport], out: Path) -> None:
    """The shards' Allure results (uuid-named files) and screenshots, side by side in the merged report."""
    for name in _COPIED_DIRS:
        sources = [s.directory / name for s in shards if (s.directory / name).is_dir()]
        if not sources:
            continue
        target = out / name
        target.mkdir(parents=True, exist_ok=True)
        for source in sources:
            for item in source.iterdir():
                if item.is_file():
                    shutil.copy2(item, target / item.name)


def merge(paths: list[Path], out: Path, *, deviations: str | None = None) -> dict[str, Any]:
    """Merge the shard reports at ``paths`` into ``out``; return the merged ``results.json`` document."""
    shards = [load_shard(p) for p in paths]
    validate(shards)
    out_resolved = out.resolve()
    if any(s.directory.resolve() == out_resolved for s in shards):
        raise MergeError(f"--report-dir {out} is one of the shard reports; merge into a new directory")
    selection = base_selection(str(shards[0].document["run"].get("selection", "all")))
    records = [_record(c) for s in shards for c in s.checks]
    result = _deviations(shards, records, deviations, selection)
    info = _run_info(shards, selection)
    out.mkdir(parents=True, exist_ok=True)
    _copy_dirs(shards, out)
    written = write_reports(out, records, info, result, certification=_certification(shards, records))
    document: dict[str, Any] = json.loads(written.read_text(encoding="utf-8"))
    return document
