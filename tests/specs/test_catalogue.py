"""The requirement catalogue: complete for every cited ID, well-formed, and consistent with its quotes."""

from __future__ import annotations

import json
import re

import pytest

from harness.registry import all_suites
from harness.results import Level
from harness.specs.catalogue import KEYWORD_STRENGTH, CatalogueError, catalogue, level_too_strong, load_file
from tests.specs.catalogue_scan import cited_ids

all_suites()  # installed suite plugins (examples/org_policy) register the requirements they cite
CITED = cited_ids()
ENTRIES = catalogue()


def test_the_catalogue_is_not_empty() -> None:
    assert len(ENTRIES) >= 200, len(ENTRIES)


def test_every_cited_id_is_catalogued() -> None:
    missing = {rid: sites[:3] for rid, sites in CITED.items() if rid not in ENTRIES}
    assert missing == {}, "add these IDs to harness/specs/requirements/<spec>.yaml"


@pytest.mark.parametrize("requirement_id", sorted(ENTRIES))
def test_entry_quotes_its_keyword(requirement_id: str) -> None:
    """A sentence catalogued as MUST (SHOULD, ...) contains that keyword (FAPI writes 'shall' in lower case)."""
    entry = ENTRIES[requirement_id]
    assert entry.text and entry.level in KEYWORD_STRENGTH
    if entry.level in ("DOC", "ORGPOL"):
        return
    if entry.note and entry.note.lower().startswith("no rfc 2119 keyword"):
        return  # a definition that states the rule without a keyword; the note says why the level
    words = entry.level.split()
    pattern = r"\b" + r"\s+".join(words) + r"\b"
    assert re.search(pattern, entry.text, flags=re.IGNORECASE), (requirement_id, entry.level, entry.text)


def test_level_comparison() -> None:
    must = next(r for r in ENTRIES.values() if r.strength is Level.MUST)
    should = next(r for r in ENTRIES.values() if r.strength is Level.SHOULD)
    assert level_too_strong(Level.MUST, should.id)
    assert not level_too_strong(Level.SHOULD, should.id)
    assert not level_too_strong(Level.MUST, must.id) and not level_too_strong(Level.SHOULD, must.id)


def test_malformed_entries_are_refused(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "bad.yaml"
    path.write_text("spec: RFC6749\nrequirements:\n  - id: RFC6749-4.1\n    level: MUSTN'T\n    text: x\n",
                    encoding="utf-8")
    with pytest.raises(CatalogueError, match="level"):
        load_file(path)
    path.write_text("spec: RFC6749\nrequirements:\n  - id: RFC7636-4.1\n    level: MUST\n    text: x MUST\n",
                    encoding="utf-8")
    with pytest.raises(CatalogueError, match="does not belong"):
        load_file(path)


def test_requirements_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    from harness.cli import main

    assert main(["requirements", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in listed} >= set(CITED)
    assert all({"id", "spec", "section", "level", "text", "url"} <= set(r) for r in listed)
