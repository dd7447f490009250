"""The profile name the progress estimate and the shard balancing look the run's history up by."""

from __future__ import annotations

from pathlib import Path

from harness.pytest_plugin import _profile_name

REFERENCE_PROFILE = Path(__file__).resolve().parents[1] / "fixtures" / "reference_target" / "profile.yaml"


def test_the_bundled_profile_is_named_reference() -> None:
    assert _profile_name(str(REFERENCE_PROFILE)) == "reference"


def test_unreadable_or_nameless_profiles_have_no_name(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("name: [unclosed\n")
    listed = tmp_path / "list.yaml"
    listed.write_text("- name: x\n")
    nameless = tmp_path / "nameless.yaml"
    nameless.write_text("issuer: https://as.example\n")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    missing = tmp_path / "missing.yaml"
    assert [_profile_name(str(p)) for p in (garbage, listed, nameless, empty, missing)] == [None] * 5
