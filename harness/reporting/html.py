"""A minimal self-contained HTML report rendered from the ``results.json`` document.

One file, no external requests, opens from ``file://``. Failures come first; every check
links its requirement IDs to the specification section and shows its evidence.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from harness.specs.registry import UnknownRequirementPrefix, requirement_url

_ORDER = {"failed": 0, "broken": 1, "warning": 2, "review": 3, "passed": 4, "skipped": 5}
_COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "warning": "#9a6700", "skipped": "#6e7781",
            "broken": "#8250df", "review": "#0969da"}

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1f2328}
h1{font-size:1.4rem;margin:0 0 .3rem} table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
.badge{color:#fff;border-radius:3px;padding:0 .4rem;font-size:.8rem;font-weight:600}
details{border:1px solid #d0d7de;border-radius:4px;margin:.3rem 0;padding:.3rem .6rem}
summary{cursor:pointer} pre{background:#f6f8fa;padding:.5rem;overflow:auto;max-height:24rem;font-size:12px}
.meta td:first-child{font-weight:600}
"""


def _badge(outcome: str) -> str:
    return f'<span class="badge" style="background:{_COLOURS.get(outcome, "#333")}">{escape(outcome)}</span>'


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
    return (f"<details><summary>#{exchange['seq']} {label}: {escape(request['method'])} "
            f"{escape(request['url'][:120])} → {escape(str(response['status']) if response else 'no response')}"
            f"</summary><pre>{escape(chr(10).join(lines))}</pre>"
            f"<div>Reproduce with:</div><pre>{escape(exchange['curl'])}</pre></details>")


def _check(check: dict[str, Any]) -> str:
    parts = [f"<details id=\"{escape(check['id'])}\" {'open' if check['outcome'] in ('failed', 'broken') else ''}>",
             f"<summary>{_badge(check['outcome'])} <b>{escape(check['id'])}</b> — {escape(check['title'])} "
             f"[{', '.join(_requirement_link(r) for r in check['requirements'])}]</summary>"]
    if check["message"]:
        parts.append(f"<pre>{escape(check['message'])}</pre>")
    for finding in check["findings"]:
        parts.append(
            f"<div>{_requirement_link(finding['requirement'])} <code>{escape(finding['code'])}</code> "
            f"({escape(finding['level'])}): {escape(finding['message'])}<br>expected: "
            f"<code>{escape(json.dumps(finding['expected']))}</code> actual: "
            f"<code>{escape(json.dumps(finding['actual']))}</code></div>")
    ev = check["evidence"]
    for note in ev.get("notes", []):
        parts.append(f"<div>note: {escape(note)}</div>")
    for token in ev.get("tokens", []):
        parts.append(f"<details><summary>decoded token: {escape(token['label'])}</summary><pre>"
                     f"{escape(json.dumps({'header': token['header'], 'claims': token['claims']}, indent=2))}"
                     "</pre></details>")
    for exchange in ev.get("exchanges", []):
        parts.append(_exchange(exchange))
    for shot in ev.get("screenshots", []):
        parts.append(f"<div>screenshot: <code>{escape(shot)}</code></div>")
    parts.append("</details>")
    return "".join(parts)


def render_html(document: dict[str, Any]) -> str:
    """The whole report as one HTML string."""
    run = document["run"]
    summary = document["summary"]
    checks = sorted(document["checks"], key=lambda c: (_ORDER.get(c["outcome"], 9), c["suite"], c["id"]))
    meta_rows = [("target", run["target"]), ("issuer", run["issuer"]),
                 ("harness", run["harness_version"]),
                 ("server", json.dumps(run.get("server", {}))), ("browser", run.get("browser_version") or "-"),
                 ("started", run["started"]), ("duration", f"{run['duration_s']} s")]
    counts = " ".join(f"{_badge(k)} {summary[k]}" for k in _ORDER if k in summary)
    suites = "".join(f"<tr><td>{escape(name)}</td><td>{_badge(info['verdict'])}</td><td>"
                     + ", ".join(f"{k}: {v}" for k, v in info["counts"].items() if v) + "</td></tr>"
                     for name, info in document["suites"].items())
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>oauth-harness: {escape(run['target'])}</title><style>{_CSS}</style></head><body>"
        f"<h1>OAuth/OIDC conformance report: {escape(run['target'])}</h1>"
        "<table class=\"meta\">" + "".join(f"<tr><td>{escape(k)}</td><td>{escape(str(v))}</td></tr>"
                                         for k, v in meta_rows) + "</table>"
        f"<p>{counts} (total {summary['total']})</p>"
        f"<h2>Suites</h2><table><tr><th>suite</th><th>verdict</th><th>counts</th></tr>{suites}</table>"
        "<h2>Checks</h2>" + "".join(_check(c) for c in checks) + "</body></html>"
    )
