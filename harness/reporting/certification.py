"""The certification summary page: one verdict per selected profile, with the evidence of each requirement."""

from __future__ import annotations

from html import escape
from typing import Any

from harness.reporting.html import COLOURS, _anchor, _badge

_VERDICT_COLOUR = {"passed": "passed", "failed": "failed", "broken": "broken", "warning": "warning",
                   "not supported": "failed", "not run": "failed", "incomplete": "warning"}
_COVERAGE_COLOUR = {"covered": "passed", "partial": "warning", "not covered": "failed"}


def _module_table(cert: dict[str, Any]) -> str:
    """The OIDF modules the profile corresponds to: coverage, covering checks with this run's outcomes, note."""
    modules = cert.get("modules") or []
    if not modules:
        return ""
    rows = []
    for module in modules:
        ran = " ".join(f'<a href="index.html#{_anchor(c["check"])}">{_badge(c["outcome"], c["check"])}</a>'
                       for c in module["checks"])
        listed = escape(", ".join(p.replace("[[]", "[") for p in module["patterns"])) or "—"
        optional = "" if module["required"] else " (optional)"
        variant = f" <small>[{escape(module['variant'])}]</small>" if module.get("variant") else ""
        verdict = module.get("verdict")  # absent in documents written before module verdicts existed
        judged = _badge(_VERDICT_COLOUR.get(verdict, "broken"), verdict) if verdict else "—"
        rows.append(f"<tr><td>{escape(module['plan'])}</td><td>{escape(module['module'])}{variant}</td>"
                    f"<td>{_badge(_COVERAGE_COLOUR[module['coverage']], module['coverage'])}{optional}</td>"
                    f"<td>{judged}</td><td>{ran or listed}</td><td>{escape(module['note'])}</td></tr>")
    counts = {k: sum(1 for m in modules if m["coverage"] == k) for k in _COVERAGE_COLOUR}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    return (f"<h3>OpenID Foundation conformance-suite modules ({summary})</h3><p>A required module that no check "
            "covers makes a run that passes every requirement <b>incomplete</b>: passing these checks is not passing "
            "the certification plan; a required module whose checks fail fails the profile.</p><table><tr><th>plan"
            "</th><th>module</th><th>coverage</th><th>verdict (this run)</th><th>covering checks "
            "(this run)</th><th>note</th></tr>" + "".join(rows) + "</table>")


def render_certification(document: dict[str, Any]) -> str:
    """``certification.html`` for the profiles the run was made for."""
    run = document["run"]
    sections = []
    for cert in document["certification"]:
        if not cert["selected"]:
            continue
        rows = []
        for req in cert["requirements"]:
            evidence = " ".join(
                f'<a href="index.html#{_anchor(c["check"])}">{_badge(c["outcome"], c["check"])}</a>'
                for c in req["checks"]) or "no check ran"
            rows.append(f"<tr><td>{escape(req['id'])}</td><td>{escape(req['title'])}</td>"
                        f"<td>{escape(req['level'].upper())}</td>"
                        f"<td>{_badge(_VERDICT_COLOUR[req['verdict']], req['verdict'])}</td><td>{evidence}</td></tr>")
        warnings = "".join(f"<li>{escape(w)}</li>" for w in cert["warnings"])
        sections.append(
            f"<h2>{escape(cert['title'])}</h2><p>profile <b>{escape(cert['profile'])}</b> version "
            f"{escape(cert['version'])} — verdict {_badge(_VERDICT_COLOUR[cert['verdict']], cert['verdict'].upper())}"
            "</p><table><tr><th>requirement</th><th>what</th><th>level</th><th>verdict</th><th>evidence</th></tr>"
            + "".join(rows) + "</table>" + (f"<p>Warnings (SHOULD):</p><ul>{warnings}</ul>" if warnings else "")
            + _module_table(cert))
    colours = ";".join(f"--{k}:{v}" for k, v in COLOURS.items())
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>certification summary</title>"
            f"<style>:root{{{colours}}}body{{font:14px system-ui,sans-serif;margin:1.5rem}}td,th{{border:1px solid "
            "#d0d7de;padding:.25rem .5rem;vertical-align:top}table{border-collapse:collapse}.badge{color:#fff;"
            "border-radius:3px;padding:0 .4rem;font-size:.8rem}</style></head><body>"
            f"<h1>Certification summary</h1><p>target <b>{escape(run['target'])}</b> ({escape(run['issuer'])}), "
            f"harness {escape(run['harness_version'])}, run {escape(run['started'])}</p>"
            + "".join(sections) + "</body></html>")
