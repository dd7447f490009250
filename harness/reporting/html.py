"""The self-contained HTML report, rendered from the ``results.json`` document.

One file, no external requests (inline CSS and script, screenshots embedded as data URIs),
opens from ``file://``. It shows: a summary header, suite verdicts, a requirement matrix
(requirements grouped by specification, each linked to its section, with the checks that
test it), and every check with its findings (expected vs. actual), decoded tokens, HTTP
exchanges with a "reproduce with curl" line, and screenshots. Failures come first; filters
narrow by outcome, suite and text.
"""

from __future__ import annotations

import base64
import json
from html import escape
from pathlib import Path
from typing import Any

from harness.reporting.first_screen import anchor, render_what_broke
from harness.reporting.trend import render_trend
from harness.reporting.what_broke import rerun_command, what_broke
from harness.specs.registry import UnknownRequirementPrefix, requirement_url, spec_title

ORDER = {"failed": 0, "broken": 1, "warning": 2, "review": 3, "known": 4, "passed": 5, "skipped": 6}
COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "warning": "#9a6700", "skipped": "#6e7781",
           "broken": "#8250df", "review": "#0969da", "known": "#57606a", "other": "#8c959f"}
MAX_SCREENSHOT_BYTES = 2_000_000

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1f2328;max-width:1400px}
h1{font-size:1.4rem;margin:0 0 .3rem} h2{font-size:1.15rem;margin:1.4rem 0 .4rem}
table{border-collapse:collapse;margin:.5rem 0} td,th{border:1px solid #d0d7de;padding:.25rem .5rem;
text-align:left;vertical-align:top} .badge{color:#fff;border-radius:3px;padding:0 .4rem;font-size:.8rem;
font-weight:600;white-space:nowrap} details{border:1px solid #d0d7de;border-radius:4px;margin:.3rem 0;
padding:.3rem .6rem} summary{cursor:pointer} pre{background:#f6f8fa;padding:.5rem;overflow:auto;
max-height:24rem;font-size:12px;white-space:pre-wrap;word-break:break-all} .meta td:first-child{font-weight:600}
.finding{border-left:3px solid #cf222e;padding:.2rem .6rem;margin:.3rem 0;background:#fff8f8}
.finding.should{border-color:#9a6700;background:#fffbea} .stale{background:#ffebe9;border:1px solid #cf222e;
padding:.5rem;border-radius:4px} .filters{position:sticky;top:0;background:#fff;padding:.4rem 0;
border-bottom:1px solid #d0d7de;z-index:1} .filters label{margin-right:.6rem} .matrix a{text-decoration:none}
img.shot{max-width:100%;border:1px solid #d0d7de}
.b-passed{background:#1a7f37}.b-failed,.b-new{background:#cf222e}.b-warning{background:#9a6700}
.b-skipped{background:#6e7781}.b-broken{background:#8250df}.b-review{background:#0969da}.b-known{background:#57606a}
#what-broke{border:2px solid #d0d7de;border-radius:6px;padding:.4rem 1rem;margin:.6rem 0}
#what-broke h2{margin-top:.3rem} .wb-headline{font-size:1.05rem;font-weight:600} .wb-clean{font-size:1.05rem;
font-weight:600;color:#1a7f37} .wb-list{margin:.2rem 0 .6rem;padding-left:1.4rem} .wb-item{margin:.35rem 0}
.wb-group{font-size:1rem;margin:.6rem 0 .2rem} .wb-req q{color:#57606a} .wb-cause{color:#57606a;font-size:.85rem}
.wb-known{color:#57606a} .wb-new .wb-link{color:#cf222e} code.copy{user-select:all;background:#f6f8fa;padding:0 .3rem}
.spec-group>summary{font-weight:600} .spec-group table{margin:.3rem 0} .rerun{margin:.3rem 0}
@media print{
 body{margin:0;max-width:none;font-size:11px} .filters,#f-count,script{display:none!important}
 details{border:none;padding:0} details>summary{list-style:none} details:not([open])>*:not(summary){display:none}
 details.check,details.spec-group,#what-broke{break-inside:avoid-page} pre{max-height:none;overflow:visible}
 a{color:inherit;text-decoration:none} .badge{border:1px solid #000;color:#000!important;background:none!important}
 h2{break-after:avoid} img.shot{display:none}
}
"""

_SCRIPT = """
function applyFilters(){
  var shown={};document.querySelectorAll('.f-outcome').forEach(function(b){shown[b.value]=b.checked;});
  var suite=document.getElementById('f-suite').value;var text=document.getElementById('f-text').value.toLowerCase();
  var visible=0;
  document.querySelectorAll('details.check').forEach(function(d){
    var ok=shown[d.dataset.outcome]&&(!suite||d.dataset.suite===suite)&&
      (!text||d.textContent.toLowerCase().indexOf(text)>=0);
    d.style.display=ok?'':'none'; if(ok){visible++;}
  });
  document.getElementById('f-count').textContent=visible+' shown';
}
document.addEventListener('DOMContentLoaded',function(){
  document.querySelectorAll('.filters input,.filters select').forEach(function(e){
    e.addEventListener('input',applyFilters);e.addEventListener('change',applyFilters);});
  applyFilters();
  openFromHash();
});
function openFromHash(){
  var id=decodeURIComponent(location.hash.slice(1));var d=id&&document.getElementById(id);
  if(d&&d.tagName==='DETAILS'){d.open=true;d.style.display='';d.scrollIntoView();}
}
window.addEventListener('hashchange',openFromHash);
window.addEventListener('beforeprint',function(){
  document.querySelectorAll('details.check').forEach(function(d){
    if(['failed','broken','warning','known'].indexOf(d.dataset.outcome)>=0){d.open=true;}});
});
"""


def _badge(outcome: str, label: str | None = None) -> str:
    return (f'<span class="badge" style="background:{COLOURS.get(outcome, "#333")}">'
            f"{escape(label or outcome)}</span>")


def _anchor(check_id: str) -> str:
    return anchor(check_id)


def _requirement_link(requirement: str) -> str:
    try:
        url = requirement_url(requirement)
    except UnknownRequirementPrefix:
        url = None
    if url:
        return f'<a href="{escape(url)}">{escape(requirement)}</a>'
    return escape(requirement)


def _exchange(exchange: dict[str, Any]) -> str:
    request = exchange["request"]
    lines = [f"{request['method']} {request['url']}"]
    lines += [f"{name}: {value}" for name, value in request["headers"]]
    if request["body"]:
        lines += ["", request["body"]]
    response = exchange.get("response")
    if response:
        lines += ["", f"HTTP {response['status']}"]
        lines += [f"{name}: {value}" for name, value in response["headers"]]
        if response["body"]:
            lines += ["", response["body"]]
    if exchange.get("error"):
        lines += ["", f"transport error: {exchange['error']}"]
    label = escape(exchange.get("label") or "exchange")
    status = str(response["status"]) if response else "no response"
    return (f"<details><summary>#{exchange['seq']} {label}: {escape(request['method'])} "
            f"{escape(request['url'][:140])} → {escape(status)}</summary>"
            f"<pre>{escape(chr(10).join(lines))}</pre>"
            f"<div>Reproduce with{_curl_needs(exchange)}:</div><pre class=\"curl\">{escape(exchange['curl'])}</pre>"
            "</details>")


def _curl_needs(exchange: dict[str, Any]) -> str:
    names = exchange.get("curl_env") or []
    if not names:
        return ""
    return (" (export first: " + ", ".join(f"<code>{escape(n)}</code>" for n in names)
            + " — the profile's secret variables and this run's own credentials, never recorded)")


def _screenshot(path: str) -> str:
    file_path = Path(path)
    try:
        data = file_path.read_bytes()
    except OSError:
        return f"<div>screenshot (not found): <code>{escape(path)}</code></div>"
    if len(data) > MAX_SCREENSHOT_BYTES:
        return f"<div>screenshot (too large to embed): <code>{escape(path)}</code></div>"
    encoded = base64.b64encode(data).decode("ascii")
    return (f'<details><summary>screenshot {escape(file_path.name)}</summary>'
            f'<img class="shot" alt="screenshot" src="data:image/png;base64,{encoded}"></details>')


def _finding(finding: dict[str, Any], seen_in: int = 1) -> str:
    level = finding["level"]
    sentence = finding.get("requirement_text")
    quoted = (f'<br><q>{escape(sentence)}</q> ({escape(str(finding.get("requirement_level")))})'
              if sentence else "")
    cause = f" <small>(same cause seen in {seen_in} checks)</small>" if seen_in > 1 else ""
    return (f'<div class="finding {escape(level)}">{_requirement_link(finding["requirement"])} '
            f'<code>{escape(finding["code"])}</code> ({escape(level.upper())}): {escape(finding["message"])}'
            f"{cause}{quoted}"
            f'<br>expected: <code>{escape(json.dumps(finding["expected"]))}</code>'
            f'<br>actual: <code>{escape(json.dumps(finding["actual"]))}</code></div>')


def _shown(check: dict[str, Any]) -> str:
    return "known" if check.get("deviation") else str(check["outcome"])


def _check(check: dict[str, Any], seen: dict[str, int] | None = None, rerun: str = "") -> str:
    outcome = check["outcome"]
    deviation = check.get("deviation")
    shown = _shown(check)
    badges = _badge(shown, f"known deviation ({outcome})" if deviation else None)
    parts = [f'<details class="check" id="{_anchor(check["id"])}" data-outcome="{escape(shown)}" '
             f'data-suite="{escape(check["suite"])}">',
             f"<summary>{badges} <b>{escape(check['id'])}</b> — {escape(check['title'])} "
             f"[{', '.join(_requirement_link(r) for r in check['requirements'])}]"
             f" <small>{check.get('duration_s', 0):.2f}s</small></summary>"]
    if rerun:
        parts.append(f'<div class="rerun">rerun this check: <code class="copy">{escape(rerun)}</code></div>')
    if deviation:
        link = f' (<a href="{escape(deviation["link"])}">link</a>)' if deviation.get("link") else ""
        parts.append(f"<div>Known deviation: {escape(deviation['reason'])}{link}</div>")
    if check["message"] and not check["findings"]:
        parts.append(f"<pre>{escape(check['message'])}</pre>")
    parts += [_finding(f, (seen or {}).get(str(f.get("cause")), 1)) for f in check["findings"]]
    evidence = check["evidence"]
    if check.get("broken_by"):
        parts.append(f"<div>broken by: {escape(str(check['broken_by']))} (not the target's fault)</div>")
    if evidence.get("traceback"):
        parts.append(f"<details><summary>harness traceback</summary><pre>{escape(evidence['traceback'])}</pre>"
                     "</details>")
    for note in evidence.get("notes", []):
        parts.append(f"<div>note: {escape(note)}</div>")
    for token in evidence.get("tokens", []):
        decoded = json.dumps({"header": token["header"], "claims": token["claims"]}, indent=2, sort_keys=True)
        parts.append(f"<details><summary>decoded token: {escape(token['label'])}</summary>"
                     f"<pre>{escape(decoded)}</pre></details>")
    parts += [_exchange(e) for e in evidence.get("exchanges", [])]
    parts += [_screenshot(s) for s in evidence.get("screenshots", [])]
    parts.append("</details>")
    return "".join(parts)


def _requirement_state(check: dict[str, Any], requirement: str) -> tuple[str, str]:
    """How ``check`` fared on ``requirement``: coloured by the findings that cite it, not by the check."""
    citing = [f for f in check["findings"] if f["requirement"] == requirement]
    if citing:
        if check.get("deviation"):
            return "known", "known deviation"
        level = "failed" if any(f["level"] == "must" for f in citing) else "warning"
        return level, ", ".join(dict.fromkeys(f["code"] for f in citing))
    if check["outcome"] in ("failed", "warning"):
        return "other", "its findings cite other requirements"
    return _shown(check), check["outcome"]


def _matrix(checks: list[dict[str, Any]]) -> str:
    by_requirement: dict[str, list[dict[str, Any]]] = {}
    for check in checks:
        for requirement in check["requirements"]:
            by_requirement.setdefault(requirement, []).append(check)
    groups: dict[str, list[str]] = {}
    for requirement in by_requirement:
        try:
            title = spec_title(requirement)
        except UnknownRequirementPrefix:
            title = "Other"
        groups.setdefault(title, []).append(requirement)
    folds = []
    for title in sorted(groups):
        rows = []
        worst: dict[str, int] = {}
        for requirement in sorted(groups[title], key=_section_key):
            states = [(c, *_requirement_state(c, requirement)) for c in by_requirement[requirement]]
            ordered = sorted(states, key=lambda s: (ORDER.get(s[1], 9), s[0]["id"]))
            state_of_requirement = ordered[0][1] if ordered else "skipped"
            worst[state_of_requirement] = worst.get(state_of_requirement, 0) + 1
            cells = " ".join(f'<a href="#{_anchor(c["id"])}" title="{escape(why)}">{_badge(state, c["id"])}</a>'
                             for c, state, why in ordered)
            rows.append(f'<tr data-state="{escape(state_of_requirement)}"><td>{_requirement_link(requirement)}</td>'
                        f"<td>{cells}</td></tr>")
        tally = " ".join(f"{_badge(k)} {worst[k]}" for k in sorted(worst, key=lambda k: ORDER.get(k, 9)))
        opened = " open" if worst.get("failed") or worst.get("warning") else ""
        folds.append(f'<details class="spec-group" data-spec="{escape(title)}"{opened}><summary>{escape(title)} — '
                     f"{len(rows)} requirement(s): {tally}</summary>"
                     f'<table class="matrix">{"".join(rows)}</table></details>')
    return "".join(folds)


def _causes(causes: list[dict[str, Any]]) -> str:
    """Findings by cause: each (code, requirement) once, with the checks it was seen in."""
    rows = []
    for cause in causes:
        state = "known" if cause["known"] else ("failed" if cause["level"] == "must" else "warning")
        checks = ", ".join(f'<a href="#{_anchor(c)}">{escape(c)}</a>' for c in cause["checks"])
        sentence = f"<br><q>{escape(cause['requirement_text'])}</q>" if cause.get("requirement_text") else ""
        rows.append(f"<tr><td>{_badge(state)}</td><td><code>{escape(cause['code'])}</code></td>"
                    f"<td>{_requirement_link(cause['requirement'])}{sentence}</td>"
                    f"<td>{escape(cause['message'])}</td><td>{len(cause['checks'])}: {checks}</td></tr>")
    if not rows:
        return "<p>No findings.</p>"
    return ("<table><tr><th></th><th>finding</th><th>requirement</th><th>message (first seen)</th>"
            f"<th>seen in checks</th></tr>{''.join(rows)}</table>")


def _section_key(requirement: str) -> list[Any]:
    section = requirement.split("-", 1)[1] if "-" in requirement else requirement
    return [(0, int(p)) if p.isdigit() else (1, p) for p in section.replace("-", ".").split(".")]


def _slowest(checks: list[dict[str, Any]], count: int = 10) -> str:
    rows = "".join(
        f'<tr><td><a href="#{_anchor(c["id"])}">{escape(c["id"])}</a></td><td>{c.get("duration_s", 0):.2f}</td>'
        f'<td>{c["evidence"].get("mandated_wait_s", 0):.1f}</td><td>{c.get("exchange_count", 0)}</td></tr>'
        for c in sorted(checks, key=lambda c: -c.get("duration_s", 0))[:count])
    return ("<table><tr><th>check</th><th>wall s</th><th>mandated wait s</th><th>HTTP exchanges</th></tr>"
            f"{rows}</table>")


def render_html(document: dict[str, Any]) -> str:
    """The whole report as one HTML string."""
    run = document["run"]
    summary = document["summary"]
    checks = sorted(document["checks"], key=lambda c: (ORDER.get(_shown(c), 9), c["suite"], c["id"]))
    causes = document.get("causes", [])
    seen = {str(c["key"]): len(c["checks"]) for c in causes}
    server = ", ".join(f"{k}: {v}" for k, v in run.get("server", {}).items()) or "-"
    meta_rows = [("target", run["target"]), ("issuer", run["issuer"]), ("harness", run["harness_version"]),
                 ("server", server), ("browser", run.get("browser_version") or "-"),
                 ("python", run.get("python_version", "-")), ("started", run["started"]),
                 ("duration", f"{run['duration_s']} s")]
    counts = " ".join(f"{_badge(k)} {summary[k]}" for k in ORDER if k in summary)
    if summary.get("causes"):
        counts += f" — {summary['causes']} distinct cause(s) among the findings"
    suites = "".join(f"<tr><td>{escape(name)}</td><td>{_badge(info['verdict'])}</td><td>"
                     + ", ".join(f"{k}: {v}" for k, v in info["counts"].items() if v) + "</td></tr>"
                     for name, info in document["suites"].items())
    stale = ""
    deviations = document.get("deviations") or {}
    if deviations.get("stale"):
        items = "".join(f"<li><b>{escape(s['check'])}</b>: expected {escape(s['expected'])}, got "
                        f"{escape(s['actual'])} — {escape(s['reason'])}</li>" for s in deviations["stale"])
        stale = (f'<div class="stale"><b>Stale deviations</b> (listed in {escape(deviations["file"])} but no '
                 f"longer happening — remove them):<ul>{items}</ul></div>")
    outcome_boxes = "".join(
        f'<label><input type="checkbox" class="f-outcome" value="{o}" checked> {_badge(o)}</label>' for o in ORDER)
    suite_options = "".join(f'<option value="{escape(s)}">{escape(s)}</option>' for s in document["suites"])
    filters = (f'<div class="filters">{outcome_boxes}<label>suite <select id="f-suite"><option value="">all'
               f'</option>{suite_options}</select></label><label>text <input id="f-text" type="search"></label>'
               '<span id="f-count"></span></div>')
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>oauth-harness: {escape(run['target'])}</title><style>{_CSS}</style>"
        f"<script>{_SCRIPT}</script></head><body>"
        f"<h1>OAuth/OIDC conformance report: {escape(run['target'])}</h1>"
        f"<p><small>{escape(run['started'])}, {escape(str(run['duration_s']))} s, harness "
        f"{escape(run['harness_version'])}</small></p>"
        + ('<div class="stale"><b>Incomplete run</b>: interrupted before every check ran.</div>'
           if run.get("incomplete") else "")
        + f"{stale}{render_what_broke(what_broke(document))}"
        + f'<h2>Trend</h2><div id="trend">{render_trend(document.get("history") or [])}</div>'
        + "<h2>Run</h2><table class=\"meta\">" + "".join(f"<tr><td>{escape(k)}</td><td>{escape(str(v))}</td></tr>"
                                                       for k, v in meta_rows) + "</table>"
        + f"<p>{counts} (total {summary['total']})</p>"
        f"<h2>Suites</h2><table><tr><th>suite</th><th>verdict</th><th>counts</th></tr>{suites}</table>"
        f"<h2>Findings by cause</h2>{_causes(causes)}"
        f"<h2>Requirement matrix</h2>{_matrix(checks)}"
        f"<h2>Slowest checks</h2>{_slowest(checks)}"
        f"<h2>Checks</h2>{filters}"
        + "".join(_check(c, seen, rerun_command(document, c["id"])) for c in checks) + "</body></html>"
    )
