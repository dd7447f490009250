"""The trend over the last runs of a target, as inline SVG (no script, no font, no external file).

One chart of the totals — a line per outcome, one point per run, each point linking to that
run's report while it is still on disk — and, per suite, a small line of its failures and
warnings. Rendered from the ``history`` list of a ``results.json`` document.
"""

from __future__ import annotations

from html import escape
from typing import Any

SERIES = (("passed", "#1a7f37"), ("failed", "#cf222e"), ("warning", "#9a6700"), ("known", "#57606a"),
          ("broken", "#8250df"))
WIDTH, HEIGHT, PAD = 640, 180, 28


def _x(index: int, count: int, width: int, pad: int) -> float:
    return pad + (width - 2 * pad) * (index / (count - 1) if count > 1 else 0.5)


def _y(value: int, top: int, height: int, pad: int) -> float:
    return height - pad - (height - 2 * pad) * (value / top if top else 0)


def _point_title(point: dict[str, Any]) -> str:
    counts = point["counts"]
    return (f"{point['started']} (harness {point.get('harness_version', '?')}): "
            + ", ".join(f"{counts.get(k, 0)} {k}" for k, _ in SERIES) + f" of {counts.get('total', 0)}")


def totals_chart(points: list[dict[str, Any]]) -> str:
    """The totals chart: one polyline per outcome and one marker per run (``circle.run-point``)."""
    count = len(points)
    top = max([max(p["counts"].get(k, 0) for k, _ in SERIES) for p in points] + [1])
    parts = [f'<svg class="trend" role="img" aria-label="trend over {count} runs" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}">',
             f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#d0d7de"/>',
             f'<text x="2" y="{PAD}" font-size="10">{top}</text>',
             f'<text x="2" y="{HEIGHT - PAD}" font-size="10">0</text>']
    for name, colour in SERIES:
        coords = " ".join(f"{_x(i, count, WIDTH, PAD):.1f},{_y(p['counts'].get(name, 0), top, HEIGHT, PAD):.1f}"
                          for i, p in enumerate(points))
        parts.append(f'<polyline class="series-{name}" fill="none" stroke="{colour}" stroke-width="2" '
                     f'points="{coords}"/>')
    for index, point in enumerate(points):
        x = _x(index, count, WIDTH, PAD)
        y = _y(point["counts"].get("failed", 0), top, HEIGHT, PAD)
        marker = (f'<circle class="run-point" data-run="{escape(str(point["started"]))}" cx="{x:.1f}" cy="{y:.1f}" '
                  f'r="5" fill="#cf222e" stroke="#fff"><title>{escape(_point_title(point))}</title></circle>')
        href = point.get("href")
        parts.append(f'<a href="{escape(str(href))}">{marker}</a>' if href else marker)
        label = str(point["started"])[5:16].replace("T", " ")
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 8}" font-size="9" text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def suite_sparkline(values: list[int], width: int = 120, height: int = 24) -> str:
    """A small line of one suite's failures + warnings per run."""
    count = len(values)
    top = max([*values, 1])
    coords = " ".join(f"{_x(i, count, width, 3):.1f},{_y(v, top, height, 3):.1f}" for i, v in enumerate(values))
    dots = "".join(f'<circle cx="{_x(i, count, width, 3):.1f}" cy="{_y(v, top, height, 3):.1f}" r="2" '
                   f'fill="{"#cf222e" if v else "#1a7f37"}"/>' for i, v in enumerate(values))
    return (f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'><polyline fill="none" stroke="#57606a" stroke-width="1.5" '
            f'points="{coords}"/>{dots}</svg>')


def render_trend(points: list[dict[str, Any]]) -> str:
    """The trend section's body: the totals chart and the per-suite table (or one sentence with one run)."""
    if len(points) < 2:
        return ("<p>First run of this target and selection in the history file: the trend starts with the "
                "next run.</p>")
    legend = " ".join(f'<span style="color:{c}">&#9632; {n}</span>' for n, c in SERIES)
    suites = sorted({name for p in points for name in p.get("suites", {})})
    rows = []
    for suite in suites:
        values = [p.get("suites", {}).get(suite, {}).get("failed", 0)
                  + p.get("suites", {}).get(suite, {}).get("warning", 0) for p in points]
        last = points[-1].get("suites", {}).get(suite, {})
        rows.append(f"<tr><td>{escape(suite)}</td><td>{suite_sparkline(values)}</td>"
                    f"<td>{last.get('failed', 0)} failed, {last.get('warning', 0)} warning</td></tr>")
    return (f'<div id="trend-chart">{totals_chart(points)}</div><div>{legend} — the red markers are the '
            f"failures of each run (click one to open that run's report, while it is on disk)</div>"
            f'<details class="trend-suites"><summary>per suite (failures + warnings of each of the last '
            f"{len(points)} runs)</summary><table><tr><th>suite</th><th>trend</th><th>last run</th></tr>"
            f"{''.join(rows)}</table></details>")
