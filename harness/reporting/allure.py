"""Allure annotations for a check: labels, severity, requirement links and evidence attachments.

Called from the pytest plugin while the test is still open in allure-pytest's lifecycle, so
everything lands on the test case. The attachments are the already-redacted evidence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import allure

from harness.results import CheckRecord, Level, Outcome
from harness.specs.registry import UnknownRequirementPrefix, requirement_url

SEVERITY = {Level.MUST: allure.severity_level.CRITICAL, Level.SHOULD: allure.severity_level.NORMAL,
            Level.MAY: allure.severity_level.MINOR}


def _exchange_text(exchange: dict[str, Any]) -> str:
    request = exchange["request"]
    response = exchange.get("response")
    lines = [f"{request['method']} {request['url']}", *(f"{n}: {v}" for n, v in request["headers"])]
    if request["body"]:
        lines += ["", str(request["body"])]
    if isinstance(response, dict):
        lines += ["", f"HTTP {response['status']}", *(f"{n}: {v}" for n, v in response["headers"])]
        if response["body"]:
            lines += ["", str(response["body"])]
    if exchange.get("error"):
        lines += ["", f"transport error: {exchange['error']}"]
    lines += ["", "Reproduce with:", str(exchange["curl"])]
    return "\n".join(lines)


def annotate(record: CheckRecord) -> None:
    """Label, link and attach one check's record to the running Allure test."""
    allure.dynamic.parent_suite("oauth-harness")
    allure.dynamic.suite(record.suite)
    allure.dynamic.feature(record.suite)
    allure.dynamic.title(record.id)
    allure.dynamic.description(record.title)
    allure.dynamic.tag(record.outcome.value)
    levels = {f.level for f in record.findings}
    if not levels or Level.MUST in levels:
        level = Level.MUST  # a check is a MUST unless only SHOULD/MAY findings say otherwise
    else:
        level = Level.SHOULD if Level.SHOULD in levels else Level.MAY
    allure.dynamic.severity(SEVERITY[level])
    for requirement in record.requirements:
        try:
            url = requirement_url(requirement)
        except UnknownRequirementPrefix:
            url = None
        if url:
            allure.dynamic.link(url, name=requirement)
        else:
            allure.dynamic.label("requirement", requirement)
    if record.outcome in (Outcome.WARNING, Outcome.REVIEW):
        allure.attach(record.message, name=f"{record.outcome.value}: message",
                      attachment_type=allure.attachment_type.TEXT)
    if record.findings:
        allure.attach(json.dumps([f.as_dict() for f in record.findings], indent=2), name="findings",
                      attachment_type=allure.attachment_type.JSON)
    for exchange in record.evidence.get("exchanges", []):
        allure.attach(_exchange_text(exchange), name=f"#{exchange['seq']} {exchange['label'] or 'exchange'}",
                      attachment_type=allure.attachment_type.TEXT)
    for token in record.evidence.get("tokens", []):
        allure.attach(json.dumps({"header": token["header"], "claims": token["claims"]}, indent=2),
                      name=f"decoded {token['label']}", attachment_type=allure.attachment_type.JSON)
    for shot in record.evidence.get("screenshots", []):
        if Path(shot).exists():
            allure.attach.file(shot, name=Path(shot).name, attachment_type=allure.attachment_type.PNG)
