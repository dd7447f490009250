"""The interoperability matrix: several runs (one per target) side by side.

Rows are checks grouped by suite and by requirement; columns are targets; each cell is the
check's outcome on that target, linked to the check in that run's own HTML report. A second
table shows the features each target's discovery metadata advertises (``run.features``).
Rendered as one self-contained ``matrix.html`` plus ``matrix.json`` for CI.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from harness.features import FEATURE_KEYS
from harness.reporting.diff import load_results
from harness.reporting.html import _CSS, COLOURS, _anchor, _badge, _requirement_link
from harness.results import ProfileError

NOT_RUN = "not run"


@dataclass
class Column:
    """One run: a target."""

    label: str
    run_dir: Path
    document: dict[str, Any]

    @property
    def run(self) -> dict[str, Any]:
        """The run metadata."""
        return dict(self.document.get("run", {}))

    def server_version(self) -> str:
        """The server's software version when the run recorded it."""
        return str(self.run.get("server", {}).get("software_version", ""))


@dataclass
class Cell:
    """A check's outcome on one target."""

    outcome: str
    known: bool = False
    message: str = ""

    @property
    def shown(self) -> str:
        """The outcome as displayed: a known deviation's failure is shown as ``known``."""
        return "known" if self.known else self.outcome


@dataclass
class Row:
    """One check across the targets."""

    id: str
    suite: str
    title: str
    requirements: list[str]
    cells: dict[str, Cell] = field(default_factory=dict)

    @property
    def group(self) -> str:
        """The requirement the row is grouped under (its first one)."""
        return self.requirements[0] if self.requirements else "(no requirement)"

    def differs(self) -> bool:
        """Whether the targets that ran the check disagree on its verdict (skips and not-runs ignored)."""
        verdicts = {c.shown for c in self.cells.values() if c.outcome not in ("skipped", NOT_RUN)}
        return len(verdicts) > 1


@dataclass
class Matrix:
    """Columns, rows and the detected features."""

    columns: list[Column]
    rows: list[Row]

    def features(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Feature key -> column label -> the feature record (empty when the run did not record it)."""
        table: dict[str, dict[str, dict[str, Any]]] = {key: {} for key in FEATURE_KEYS}
        for column in self.columns:
            for feature in column.run.get("features", []):
                table.setdefault(feature["key"], {})[column.label] = feature
        return table

    def as_dict(self) -> dict[str, Any]:
        """``matrix.json``."""
        return {
            "targets": [{"label": c.label, "run_dir": str(c.run_dir), "target": c.run.get("target"),
                         "issuer": c.run.get("issuer"), "server_version": c.server_version(),
                         "summary": c.document.get("summary", {})} for c in self.columns],
            "features": {key: {label: bool(f.get("supported")) for label, f in per.items()}
                         for key, per in self.features().items()},
            "checks": [{"id": r.id, "suite": r.suite, "title": r.title, "requirements": r.requirements,
                        "differs": r.differs(),
                        "cells": {label: {"outcome": c.outcome, "known": c.known} for label, c in r.cells.items()}}
                       for r in self.rows],
        }


def _labels(documents: list[tuple[Path, dict[str, Any]]]) -> list[str]:
    names = [str(doc.get("run", {}).get("target", path.name)) for path, doc in documents]
    counts = Counter(names)
    labels = []
    for (path, _), name in zip(documents, names, strict=True):
        labels.append(name if counts[name] == 1 else f"{name} ({path.name})")
    return labels


def build_matrix(run_dirs: list[str | Path]) -> Matrix:
    """Read each run's ``results.json`` and line the checks up."""
    if not run_dirs:
        raise ProfileError("the matrix needs at least one run directory")
    documents = []
    for run_dir in run_dirs:
        path = Path(run_dir)
        document = load_results(path)
        documents.append((path if path.is_dir() else path.parent, document))
    columns = [Column(label, path, doc) for label, (path, doc) in zip(_labels(documents), documents, strict=True)]
    rows: dict[str, Row] = {}
    for column in columns:
        for check in column.document["checks"]:
            row = rows.get(check["id"])
            if row is None:
                row = rows[check["id"]] = Row(id=check["id"], suite=check.get("suite", check["id"].split(".")[0]),
                                              title=check.get("title", ""),
                                              requirements=list(check.get("requirements", [])))
            row.cells[column.label] = Cell(outcome=check["outcome"], known=bool(check.get("deviation")),
                                           message=str(check.get("message", ""))[:300])
    for row in rows.values():
        for column in columns:
            row.cells.setdefault(column.label, Cell(outcome=NOT_RUN))
    ordered = sorted(rows.values(), key=lambda r: (r.suite, r.group, r.id))
    return Matrix(columns=columns, rows=ordered)


_MATRIX_CSS = """
td.cell{text-align:center} tr.group td{background:#f6f8fa;font-weight:600} tr.suite td{background:#eaeef2;
font-weight:700;font-size:1rem} tr.differs td:first-child{border-left:3px solid #cf222e} .nr{color:#6e7781}
.yes{color:#1a7f37;font-weight:600} .no{color:#6e7781} th.sticky{position:sticky;top:2.2rem;background:#fff}
"""

_MATRIX_SCRIPT = """
function applyFilters(){
  var only=document.getElementById('f-differs').checked;var suite=document.getElementById('f-suite').value;
  var text=document.getElementById('f-text').value.toLowerCase();var visible=0;
  document.querySelectorAll('tr.check').forEach(function(r){
    var ok=(!only||r.classList.contains('differs'))&&(!suite||r.dataset.suite===suite)&&
      (!text||r.textContent.toLowerCase().indexOf(text)>=0);
    r.style.display=ok?'':'none'; if(ok){visible++;}
  });
  var heads=[];
  document.querySelectorAll('table.matrix tr.suite, table.matrix tr.group, table.matrix tr.check').forEach(function(r){
    if(!r.classList.contains('check')){r.style.display='none';
      if(r.classList.contains('suite')){heads=[r];}else{heads=heads.slice(0,1).concat([r]);}}
    else if(r.style.display!=='none'){heads.forEach(function(h){h.style.display='';});}
  });
  document.getElementById('f-count').textContent=visible+' checks shown';
}
document.addEventListener('DOMContentLoaded',function(){
  document.querySelectorAll('.filters input,.filters select').forEach(function(e){
    e.addEventListener('input',applyFilters);e.addEventListener('change',applyFilters);});
  applyFilters();
});
"""


def _link(column: Column, output_dir: Path, check_id: str | None = None) -> str:
    report = column.run_dir / "index.html"
    href = os.path.relpath(report.resolve(), output_dir.resolve()).replace(os.sep, "/")
    return href + (f"#{_anchor(check_id)}" if check_id else "")


def _summary_table(matrix: Matrix, output_dir: Path) -> str:
    head = "".join(f"<th>{escape(c.label)}</th>" for c in matrix.columns)
    lines = []
    for key, title in (("target", "profile"), ("issuer", "issuer"), ("server", "server version"),
                       ("duration_s", "run time (s)")):
        cells = []
        for column in matrix.columns:
            value = column.server_version() if key == "server" else column.run.get(key, "")
            cells.append(f"<td>{escape(str(value))}</td>")
        lines.append(f"<tr><td>{escape(title)}</td>{''.join(cells)}</tr>")
    for outcome in ("passed", "failed", "warning", "skipped", "broken", "review"):
        counts = "".join(f"<td>{column.document.get('summary', {}).get(outcome, 0)}</td>"
                         for column in matrix.columns)
        lines.append(f"<tr><td>{_badge(outcome)}</td>{counts}</tr>")
    known = "".join(f"<td>{_known_count(column.document.get('summary', {}))}</td>"
                    for column in matrix.columns)
    lines.append(f"<tr><td>{_badge('known', 'known deviations')}</td>{known}</tr>")
    reports = "".join(f'<td><a href="{escape(_link(c, output_dir))}">report</a></td>' for c in matrix.columns)
    lines.append(f"<tr><td>full report</td>{reports}</tr>")
    return f'<table class="meta"><tr><th></th>{head}</tr>{"".join(lines)}</table>'


def _known_count(summary: dict[str, Any]) -> int:
    """Known deviations of a run: ``known`` (schema 2) or ``known_failures`` (schema 1, counted in failed)."""
    return int(summary.get("known", summary.get("known_failures", 0)))


def _features_table(matrix: Matrix) -> str:
    head = "".join(f"<th>{escape(c.label)}</th>" for c in matrix.columns)
    lines = []
    for key, per in matrix.features().items():
        if not per:
            continue
        title = next(iter(per.values())).get("title", key)
        cells = []
        for column in matrix.columns:
            feature = per.get(column.label)
            if feature is None:
                cells.append('<td class="nr">unknown</td>')
            else:
                mark = "yes" if feature.get("supported") else "no"
                cells.append(f'<td class="{mark}" title="{escape(str(feature.get("source", "")))}: '
                             f'{escape(str(feature.get("detail", "")))}">{mark}</td>')
        lines.append(f"<tr><td>{escape(str(title))}</td>{''.join(cells)}</tr>")
    return f'<table><tr><th>feature (from discovery)</th>{head}</tr>{"".join(lines)}</table>'


def _cell(cell: Cell, column: Column, output_dir: Path, check_id: str) -> str:
    if cell.outcome == NOT_RUN:
        return '<td class="cell nr">–</td>'
    tip = escape(cell.message or cell.outcome)
    label = f"{cell.outcome} (known)" if cell.known else cell.outcome
    return (f'<td class="cell"><a href="{escape(_link(column, output_dir, check_id))}" title="{tip}">'
            f"{_badge(cell.shown, label)}</a></td>")


def _checks_table(matrix: Matrix, output_dir: Path) -> str:
    head = "".join(f'<th class="sticky">{escape(c.label)}</th>' for c in matrix.columns)
    span = len(matrix.columns) + 1
    lines = []
    suite = group = None
    for row in matrix.rows:
        if row.suite != suite:
            suite, group = row.suite, None
            lines.append(f'<tr class="suite" data-suite="{escape(suite)}"><td colspan="{span}">'
                         f"{escape(suite)}</td></tr>")
        if row.group != group:
            group = row.group
            lines.append(f'<tr class="group" data-suite="{escape(suite)}"><td colspan="{span}">'
                         f"{_requirement_link(group)}</td></tr>")
        cells = "".join(_cell(row.cells[c.label], c, output_dir, row.id) for c in matrix.columns)
        css = "check differs" if row.differs() else "check"
        lines.append(f'<tr class="{css}" data-suite="{escape(row.suite)}"><td>{escape(row.id)}'
                     f'<div class="nr">{escape(row.title)}</div></td>{cells}</tr>')
    return f'<table class="matrix"><tr><th class="sticky">check</th>{head}</tr>{"".join(lines)}</table>'


def render_matrix_html(matrix: Matrix, output_dir: Path) -> str:
    """The self-contained matrix page; links are relative to ``output_dir``."""
    suites = sorted({r.suite for r in matrix.rows})
    options = "".join(f'<option value="{escape(s)}">{escape(s)}</option>' for s in suites)
    differing = sum(1 for r in matrix.rows if r.differs())
    filters = ('<div class="filters"><label><input type="checkbox" id="f-differs"> only checks whose verdict '
               f'differs ({differing})</label><label>suite <select id="f-suite"><option value="">all</option>'
               f'{options}</select></label><label>text <input id="f-text" type="search"></label>'
               '<span id="f-count"></span></div>')
    legend = " ".join(_badge(o) for o in COLOURS)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>oauth-harness interoperability '
            f'matrix</title><style>{_CSS}{_MATRIX_CSS}</style><script>{_MATRIX_SCRIPT}</script></head><body>'
            f"<h1>Interoperability matrix: {len(matrix.columns)} targets, {len(matrix.rows)} checks</h1>"
            f"<h2>Runs</h2>{_summary_table(matrix, output_dir)}"
            f"<h2>Features advertised in discovery</h2>{_features_table(matrix)}"
            f"<h2>Checks by suite and requirement</h2><p>Legend: {legend}; – = not run on that target. "
            "Each cell links to the check in that target's report.</p>"
            f"{filters}{_checks_table(matrix, output_dir)}</body></html>")


def write_matrix(run_dirs: list[str | Path], output_dir: Path) -> tuple[Path, Matrix]:
    """Build the matrix and write ``matrix.html`` and ``matrix.json`` into ``output_dir``."""
    matrix = build_matrix(run_dirs)
    output_dir.mkdir(parents=True, exist_ok=True)
    html_path = output_dir / "matrix.html"
    html_path.write_text(render_matrix_html(matrix, output_dir), encoding="utf-8")
    (output_dir / "matrix.json").write_text(json.dumps(matrix.as_dict(), indent=2), encoding="utf-8")
    return html_path, matrix
