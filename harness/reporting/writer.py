"""Write ``results.json``, ``junit.xml`` and ``index.html`` for one run.

``results.json`` is the stable contract (issue "reports" makes the HTML rich; keep the JSON
shape stable): ``{"schema_version", "run", "summary", "suites", "checks": [...]}`` where each
check has ``id``, ``suite``, ``title``, ``outcome``, ``requirements``, ``message``,
``findings`` and ``evidence``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import platform
import shlex
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from harness.features import detect_features
from harness.reporting.causes import cause_key, enrich_finding, group_causes
from harness.reporting.deviations import DeviationResult
from harness.reporting.history import (
    append_entry,
    entry_of,
    history_path,
    new_failures,
    read_history,
    same_series,
    with_report_links,
)
from harness.reporting.html import render_html
from harness.reporting.summary import by_suite, counts, display_outcome, suite_verdict
from harness.results import CheckRecord, Outcome

SCHEMA_VERSION = 2
"""2: summary/suite counts keep known deviations apart (``known``); findings carry their catalogue sentence."""


def harness_version() -> str:
    """The installed harness version."""
    try:
        return metadata.version("oauth-harness")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@dataclass
class RunInfo:
    """Run metadata for the report header."""

    target: str
    issuer: str
    harness_version: str
    server: dict[str, Any] = field(default_factory=dict)
    browser_version: str | None = None
    python_version: str = platform.python_version()
    started: str = ""
    finished: str = ""
    duration_s: float = 0.0
    incomplete: bool = False
    features: list[dict[str, Any]] = field(default_factory=list)
    rerun: str = ""
    """The command that reruns a check of this run, without ``--check`` (``oauth-harness run --target p.yaml``)."""
    selection: str = "all"
    """What the run selected (``all``, or its check patterns and suites): the history compares like with like."""
    shard: str = ""
    """``K/N`` for a run of one shard (``run --shard``), empty otherwise."""
    shard_plan: str = ""
    """The digest of the shard plan (every shard of one run has the same); ``merge`` refuses a mix."""
    merged_from: int = 0
    """The number of shard reports ``oauth-harness merge`` combined into this one (0: a single run)."""

    @classmethod
    def collect(cls, state: Any, *, started: float, finished: float) -> RunInfo:
        """Gather what the plugin's session state knows about the run."""
        target = state.target
        server: dict[str, Any] = {}
        features: list[dict[str, Any]] = []
        name = issuer = "unknown"
        if target is not None:
            name, issuer = target.profile.name, target.profile.issuer
            meta = target._metadata or {}
            server = {k: meta[k] for k in ("issuer", "service_documentation", "op_policy_uri") if k in meta}
            features = [f.as_dict() for f in detect_features(meta)] if meta else []
        version = os.environ.get("OAUTH_HARNESS_SERVER_VERSION")
        if state.reference is not None:
            version = state.reference.server_version()
        if version:
            server["software_version"] = version
        browser = state.browser.version() if state.browser is not None else None
        if browser is None and target is not None:
            browser = installed_browser_version(target.profile.login.browser.executable)
        return cls(target=name, issuer=issuer, harness_version=harness_version(), server=server,
                   browser_version=browser, features=features, rerun=rerun_prefix(target),
                   started=iso_time(started), finished=iso_time(finished), duration_s=round(finished - started, 3))


RERUN_ENV = "OAUTH_HARNESS_RERUN"
"""Set by ``oauth-harness run`` to how it was pointed at the target (``--local dot``, ``--target p.yaml``)."""


def rerun_prefix(target: Any) -> str:
    """``oauth-harness run --target <profile>`` (or ``--local NAME``): how to rerun a check of this run."""
    how = os.environ.get(RERUN_ENV)
    if how is not None:
        return f"oauth-harness run {how}".rstrip()
    path = getattr(getattr(target, "profile", None), "path", None)
    if path is None:
        return "oauth-harness run"
    try:
        shown = os.path.relpath(path)
    except ValueError:
        shown = str(path)
    return f"oauth-harness run --target {shlex.quote(shown if not shown.startswith('../..') else str(path))}"


@functools.cache
def installed_browser_version(executable: str) -> str | None:
    """``Chromium 156.0...`` from ``<executable> --version`` (not started for the run), or ``None``.

    Asked once per process (a run asks once; a process making many runs does not start the browser each time).
    """
    if not Path(executable).exists():
        return None
    try:
        done = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    version = done.stdout.strip().splitlines()
    return f"{version[-1]} (installed, not used in this run)" if version else None


def iso_time(timestamp: float) -> str:
    """A UNIX time as an ISO 8601 UTC timestamp (seconds), as the run header shows it."""
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).isoformat(timespec="seconds")


def results_document(records: list[CheckRecord], info: RunInfo,
                     deviations: DeviationResult | None = None,
                     certification: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The ``results.json`` document.

    ``summary`` counts displayed outcomes: ``failed``/``warning`` exclude known deviations, which
    are counted as ``known``; ``causes`` counts distinct (code, requirement) causes among the
    findings of failed and warning checks (one missing header seen by seven checks is one cause).
    """
    ordered = sorted(records, key=lambda r: (r.suite, r.id))
    known_failures = sum(1 for r in ordered if r.outcome is Outcome.FAILED and r.deviation)
    causes = group_causes(ordered)
    checks = []
    for record in ordered:
        data = record.as_dict()
        data["findings"] = [{**enrich_finding(f), "cause": cause_key(f)} for f in data["findings"]]
        checks.append(data)
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "run": asdict(info),
        "summary": {**counts(ordered), "total": len(ordered), "known_failures": known_failures,
                    "stale_deviations": len(deviations.stale) if deviations else 0,
                    "causes": sum(1 for c in causes if not c["known"]),
                    "harness_errors": sum(1 for r in ordered if r.broken_by == "harness")},
        "suites": {suite: {"verdict": suite_verdict(items), "counts": counts(items)}
                   for suite, items in by_suite(ordered).items()},
        "checks": checks,
        "causes": causes,
        "deviations": None,
        "certification": certification or [],
        "baseline": None,
        "history": [],
    }
    if deviations is not None:
        document["deviations"] = {"file": deviations.file, "known": deviations.known,
                                  "stale": [asdict(s) for s in deviations.stale]}
    return document


def junit_xml(records: list[CheckRecord], info: RunInfo, deviations: DeviationResult | None = None) -> bytes:
    """JUnit XML: one testsuite per suite, one testcase per check, requirements as properties.

    A known deviation is not a ``<failure>``: it carries ``outcome=known`` and the reason in
    ``system-out``, consistent with the exit code (a run exits 0 only without a ``<failure>``).
    """
    root = ET.Element("testsuites", name=f"oauth-harness {info.target}")
    for suite, items in by_suite(sorted(records, key=lambda r: (r.suite, r.id))).items():
        tally = counts(items)
        node = ET.SubElement(root, "testsuite", name=suite, tests=str(len(items)),
                             failures=str(tally["failed"]), errors=str(tally["broken"]),
                             skipped=str(tally["skipped"]),
                             time=f"{sum(r.duration_s for r in items):.3f}")
        for record in items:
            case = ET.SubElement(node, "testcase", classname=f"{info.target}.{suite}", name=record.id,
                                 time=f"{record.duration_s:.3f}")
            props = ET.SubElement(case, "properties")
            for requirement in record.requirements:
                ET.SubElement(props, "property", name="requirement", value=requirement)
            shown = display_outcome(record)
            ET.SubElement(props, "property", name="outcome", value=shown)
            if record.deviation:
                ET.SubElement(props, "property", name="target_outcome", value=record.outcome.value)
                ET.SubElement(case, "system-out").text = (
                    f"KNOWN DEVIATION ({record.outcome.value}): {record.deviation.get('reason', '')}\n"
                    f"{record.message}")
            elif record.outcome is Outcome.FAILED:
                ET.SubElement(case, "failure", message=record.message[:500], type="failed").text = record.message
            elif record.outcome is Outcome.BROKEN:
                kind = f"broken:{record.broken_by}" if record.broken_by else "broken"
                trace = record.evidence.get("traceback")
                ET.SubElement(case, "error", message=record.message[:500], type=kind).text = (
                    f"{record.message}\n\n{trace}" if trace else record.message)
            elif record.outcome is Outcome.SKIPPED:
                ET.SubElement(case, "skipped", message=record.message[:500])
            elif record.outcome in (Outcome.WARNING, Outcome.REVIEW):
                ET.SubElement(case, "system-out").text = f"{record.outcome.value.upper()}: {record.message}"
    if deviations is not None and deviations.stale:
        node = ET.SubElement(root, "testsuite", name="known-deviations", tests=str(len(deviations.stale)),
                             failures=str(len(deviations.stale)), errors="0", skipped="0", time="0")
        for stale in deviations.stale:
            case = ET.SubElement(node, "testcase", classname=f"{info.target}.known-deviations",
                                 name=f"stale: {stale.check}", time="0")
            text = (f"stale deviation in {deviations.file}: expected finding(s) {stale.expected}, got {stale.actual}"
                    f" ({stale.reason})")
            ET.SubElement(case, "failure", message=text[:500], type="stale").text = text
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


_RESULTS_ONLY: list[bool] = []


@contextlib.contextmanager
def results_only() -> Iterator[None]:
    """Internal test hook: runs made in this process inside the block write ``results.json`` only.

    For the harness's own tests that make hundreds of in-process runs and read only ``results.json``
    (the both-ways proofs in ``tests/defects``): no ``junit.xml``, ``index.html``, ``certification.html``,
    history entry or ``latest`` copy. ``results.json`` itself is the document a real run writes, except
    that it has no history (``history: []``, ``baseline: null``, as when the history file is unwritable)
    and no certification verdicts (``certification: []``: the proofs that need them judge the records
    themselves, and judging the 15 profiles cost every defect run ~0.07 s).
    No command-line option or environment variable reaches it: a real run always writes every report.
    """
    _RESULTS_ONLY.append(True)
    try:
        yield
    finally:
        _RESULTS_ONLY.pop()


LINE_PER_ITEM = ("checks", "certification")
"""The document's long lists, written one compact item per line: the check records and the verdicts
of the certification profiles (every profile's requirements and modules: for a run of one check
they outweigh its record a hundredfold)."""


def results_json_text(document: dict[str, Any]) -> str:
    """``results.json``'s text: the document indented, each check record compact on a line of its own.

    One check (one certification verdict) per line keeps the file greppable and diffable by check;
    encoding each item without indentation lets Python's C encoder do it (``indent`` forces the
    pure-Python one): a 729-check run's document is written in a third of the time and takes half
    the bytes.
    """
    parts = []
    for key, value in document.items():
        if key in LINE_PER_ITEM and isinstance(value, list) and value:
            lines = ",\n".join("    " + json.dumps(check) for check in value)
            parts.append(f"  {json.dumps(key)}: [\n{lines}\n  ]")
        else:
            parts.append(f"  {json.dumps(key)}: " + json.dumps(value, indent=2).replace("\n", "\n  "))
    return "{\n" + ",\n".join(parts) + "\n}\n"


def results_only_active() -> bool:
    """Whether this process is inside :func:`results_only` (the report step then skips what it does not write)."""
    return bool(_RESULTS_ONLY)


def write_reports(report_dir: Path, records: list[CheckRecord], info: RunInfo,
                  deviations: DeviationResult | None = None,
                  certification: list[dict[str, Any]] | None = None) -> Path:
    """Write the reports into ``report_dir`` and refresh ``latest`` beside it."""
    report_dir.mkdir(parents=True, exist_ok=True)
    document = results_document(records, info, deviations, certification)
    if _RESULTS_ONLY:
        (report_dir / "results.json").write_text(results_json_text(document), encoding="utf-8")
        return report_dir / "results.json"
    add_history(document, report_dir, selection=info.selection)
    if any(c["selected"] for c in document["certification"]):
        from harness.reporting.certification import render_certification

        (report_dir / "certification.html").write_text(render_certification(document), encoding="utf-8")
    (report_dir / "results.json").write_text(results_json_text(document), encoding="utf-8")
    (report_dir / "junit.xml").write_bytes(junit_xml(records, info, deviations))
    (report_dir / "index.html").write_text(render_html(document), encoding="utf-8")
    latest = report_dir.parent / "latest"
    if report_dir.name != "latest" and report_dir.parent.name == "reports":
        if latest.is_symlink() or latest.is_file():
            latest.unlink()
        elif latest.is_dir():
            shutil.rmtree(latest)
        shutil.copytree(report_dir, latest)
    return report_dir / "results.json"


def add_history(document: dict[str, Any], report_dir: Path, *, selection: str = "all") -> None:
    """Append this run to the history file beside ``report_dir`` and put the trend and baseline into ``document``.

    The baseline of "new failures" is the previous complete run of the same target and selection.
    An unwritable history file costs the trend, never the reports.
    """
    path = history_path(report_dir)
    series = same_series(read_history(path), document["run"]["target"], selection)
    entry = entry_of(document, report_dir, selection=selection)
    previous = series[-1] if series else None
    if previous is not None:
        document["baseline"] = {"source": "previous run in the history", "started": previous["started"],
                                "new_failures": new_failures(entry, previous)}
    points = []
    for point in with_report_links([*series, entry]):
        href = None
        if point.get("report_exists") or point["report"] == entry["report"]:  # this run's is written next
            href = os.path.relpath(point["report"], report_dir.resolve())
        points.append({key: point[key] for key in ("started", "harness_version", "counts", "suites")}
                      | {"failing": len(point.get("failing", [])), "href": href})
    document["history"] = points
    if document["run"].get("incomplete"):
        return
    try:
        append_entry(path, entry)
    except OSError:
        document["history"] = points[:-1]


def set_baseline(report_dir: Path, document: dict[str, Any], *, source: str, started: str | None,
                 new_failures: list[str]) -> None:
    """Judge "new failures" against an explicit baseline (``run --baseline``): rewrite results.json and index.html."""
    document["baseline"] = {"source": source, "started": started, "new_failures": sorted(new_failures)}
    (report_dir / "results.json").write_text(results_json_text(document), encoding="utf-8")
    (report_dir / "index.html").write_text(render_html(document), encoding="utf-8")
    latest = report_dir.parent / "latest"
    if report_dir.name != "latest" and report_dir.parent.name == "reports" and latest.is_dir():
        for name in ("results.json", "index.html"):
            shutil.copyfile(report_dir / name, latest / name)
