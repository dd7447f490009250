"""The OpenID-family catalogue files load, and every entry states a level and a sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.specs.catalogue import CATALOGUE_DIR, KEYWORD_STRENGTH, load_file

OPENID_FILES = ("oidcc", "oidcd", "oidcr", "jarm", "ciba", "fapi2sp", "fapi1adv", "oauthmr", "doc")


@pytest.mark.parametrize("name", OPENID_FILES)
def test_entries_have_level_and_text(name: str) -> None:
    path = Path(CATALOGUE_DIR) / f"{name}.yaml"
    entries = load_file(path)
    assert entries, f"{path.name} has no entries"
    prefix = name.upper()
    for entry in entries:
        assert entry.id.startswith(f"{prefix}-"), entry.id
        assert entry.level in KEYWORD_STRENGTH, (entry.id, entry.level)
        assert entry.text.strip(), entry.id
        if prefix == "DOC":
            assert entry.level == "DOC" and entry.url is None, entry.id
        else:
            assert entry.level != "DOC" and entry.url and "#section-" in entry.url, entry.id
