"""The OAuth core catalogue files (RFC 6749, 6750, 7009, 7662, 8414, 8628, 7636, 8707, 9700, 9207) load."""

from __future__ import annotations

import pytest

from harness.specs.catalogue import CATALOGUE_DIR, KEYWORD_STRENGTH, load_file

PREFIXES = ("RFC6749", "RFC6750", "RFC7009", "RFC7662", "RFC8414", "RFC8628", "RFC7636", "RFC8707",
            "RFC9700", "RFC9207")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_entry_has_a_level_and_a_sentence(prefix: str) -> None:
    entries = load_file(CATALOGUE_DIR / f"{prefix.lower()}.yaml")
    assert entries, f"{prefix} catalogue is empty"
    for entry in entries:
        assert entry.id.startswith(f"{prefix}-")
        assert entry.level in KEYWORD_STRENGTH, entry.id
        assert len(entry.text.split()) >= 4, entry.id
        assert entry.url is not None and entry.url.startswith("https://www.rfc-editor.org/rfc/"), entry.id
