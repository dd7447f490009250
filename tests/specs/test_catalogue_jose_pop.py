"""The JOSE, assertion, proof-of-possession, PAR and JAR catalogue files load, one level and sentence per entry."""

from __future__ import annotations

import pytest

from harness.specs.catalogue import CATALOGUE_DIR, KEYWORD_STRENGTH, load_file

FILES = ("rfc7515", "rfc7517", "rfc7518", "rfc7519", "rfc7521", "rfc7523", "rfc9068", "rfc7800", "rfc9701",
         "rfc8705", "rfc9449", "rfc9126", "rfc9101")


@pytest.mark.parametrize("name", FILES)
def test_entries_have_a_level_and_a_sentence(name: str) -> None:
    entries = load_file(CATALOGUE_DIR / f"{name}.yaml")
    assert entries, name
    for entry in entries:
        assert entry.id.startswith(f"{name.upper()}-"), entry.id
        assert entry.level in KEYWORD_STRENGTH, (entry.id, entry.level)
        assert len(entry.text) > 20, (entry.id, entry.text)
        assert entry.url and entry.url.startswith("https://www.rfc-editor.org/rfc/"), (entry.id, entry.url)
