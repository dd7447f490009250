"""Every documented setting the profile model knows is verified by a check that exists (issue 21).

``harness/documented_settings.py`` maps each ``documented.*`` key to the ids of the checks that read
it; a field added to the model without a verifying check, or a map entry naming a check that does
not exist, fails here. The profile loader refuses removed settings (with their migration message)
and stated settings that no check verifies.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness import documented_settings
from harness.cli import main
from harness.documented_settings import REMOVED, VERIFIED_BY, model_setting_keys
from harness.profile import load_profile
from harness.results import ProfileError


def _check_ids(capsys: pytest.CaptureFixture[str]) -> set[str]:
    assert main(["list"]) == 0
    ids = set()
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("  ") and "." in line.split()[0]:
            ids.add(line.split()[0].split("[", 1)[0])
    return ids


def test_every_model_setting_has_a_verifying_check() -> None:
    keys = model_setting_keys()
    assert [k for k in keys if not VERIFIED_BY.get(k)] == []
    assert [k for k in VERIFIED_BY if k not in keys] == [], "map entries for settings the model no longer has"
    assert not set(REMOVED) & set(keys), "a removed setting is still in the model"


def test_every_named_check_exists(capsys: pytest.CaptureFixture[str]) -> None:
    existing = _check_ids(capsys)
    missing = sorted({c for checks in VERIFIED_BY.values() for c in checks} - existing)
    assert missing == []


def test_documented_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["documented", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {entry["key"] for entry in listed} == set(model_setting_keys())
    assert all(entry["checks"] for entry in listed)
    assert main(["documented"]) == 0
    assert "verified by at least one check" in capsys.readouterr().out


def _profile(tmp_path: Path, documented: dict[str, Any]) -> Path:
    data = {"name": "t", "issuer": "https://as.example.test",
            "clients": [{"id": "c1", "auth_method": "none", "redirect_uris": ["https://rp.example.test/cb"]}],
            "users": [{"username": "u", "password": "p-secret-1"}], "documented": documented}
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_removed_setting_gives_the_migration_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as err:
        load_profile(_profile(tmp_path, {"revocation": {"client": "c1"}}))
    assert "documented.revocation.client" in str(err.value) and "RFC 7009" in str(err.value)


def test_stated_setting_no_check_reads_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(documented_settings.VERIFIED_BY, "documented.ciba.user_code", ())
    with pytest.raises(ProfileError) as err:
        load_profile(_profile(tmp_path, {"ciba": {"user_code": True}}))
    assert "documented.ciba.user_code: no check verifies" in str(err.value)
    load_profile(_profile(tmp_path, {"ciba": {"slow_down": True}}))  # a verified setting loads
