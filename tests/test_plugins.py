"""Suite plugins: discovery through entry points, origins, settings validation, requirement prefixes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.cli import main, validate_plugin_settings
from harness.profile import load_profile
from harness.registry import SuiteRegistryError, all_suites, select
from harness.results import ProfileError
from harness.specs.registry import requirement_url


def test_example_plugin_is_registered_with_its_origin() -> None:
    suites = all_suites()
    assert suites["pkce"].origin == "built-in"
    assert suites["org_policy"].origin == "oauth-harness-org-policy 0.1.0"
    assert (suites["org_policy"].path / "test_org_policy.py").exists()


def test_list_shows_plugin_suite_and_its_requirements(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--suite", "org_policy"]) == 0
    out = capsys.readouterr().out
    assert "org_policy  [oauth-harness-org-policy 0.1.0]" in out and "ORGPOL-1" in out
    assert requirement_url("ORGPOL-1") == "https://policies.example.test/oauth-token-policy.html#rule-1"


def test_unknown_suite_gets_closest_match() -> None:
    with pytest.raises(SuiteRegistryError, match="did you mean 'org_policy'"):
        select(["org_polcy"])


def _profile(tmp_path: Path, plugins: dict[str, object]) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({
        "name": "t", "issuer": "https://as.example.test", "plugins": plugins,
        "clients": [{"id": "c", "auth_method": "none", "redirect_uris": ["https://rp.example.test/cb"]}],
        "users": [{"username": "u", "password": "pw-12345"}]}))
    return path


def test_plugin_settings_validated_by_the_plugin_model(tmp_path: Path) -> None:
    good = load_profile(_profile(tmp_path, {"org_policy": {"max_access_token_lifetime_s": 300}}))
    validate_plugin_settings(good, ["org_policy"])
    bad = load_profile(_profile(tmp_path, {"org_policy": {"max_access_token_lifetime_s": "long"}}))
    with pytest.raises(ProfileError, match=r"plugins\.org_policy\.max_access_token_lifetime_s"):
        validate_plugin_settings(bad, ["org_policy"])
    typo = load_profile(_profile(tmp_path, {"org_polcy": {}}))
    with pytest.raises(ProfileError, match="did you mean 'org_policy'"):
        validate_plugin_settings(typo, None)
