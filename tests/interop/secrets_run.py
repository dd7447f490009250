"""The no-secret run shared by tests/interop/test_interop_secrets.py and test_keycloak_target.py (one Keycloak start).

Each real server gets a run of the suites that send credentials (:data:`SUITES`), and every report file
and the console are searched for every secret its launcher exports.
"""

from __future__ import annotations

from pathlib import Path

from harness.local_targets import LocalServer
from tests.interop.interop_cli import run_cli

SUITES = {"dot": ["authorization_code", "client_auth", "introspection"],
          "glewlwyd": ["authorization_code", "client_auth", "refresh"],
          # Keycloak: the login form, every client authentication and refresh (and the admin password of the
          # launcher's 0600 keycloak.conf). The CIBA authentication channel's secrets (callout bearer tokens) are
          # checked by tests/interop/test_keycloak_target.py's small run, with two CIBA flows: the whole ciba
          # suite here met Keycloak 26.5.6's intermittent HTTP 500 on the first token poll after an approval
          # (twice in about ten runs, under parallel CIBA flows), which says nothing about secrets
          "keycloak": ["authorization_code", "client_auth", "refresh"]}


def _secrets(env: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in env.items()
            if any(word in key for word in ("SECRET", "PASSWORD", "TOKEN")) and len(value) >= 8}


def assert_reports_carry_no_secret(name: str, server: LocalServer, tmp_path: Path) -> None:
    """Run :data:`SUITES` ``[name]`` against the started ``server``; no secret of its launcher in any report."""
    secrets = _secrets(dict(server.env))
    admin_password_file = getattr(server, "admin_password_file", None)  # Keycloak's bootstrap admin
    if admin_password_file is not None:
        secrets["admin password"] = admin_password_file.read_text().strip()
    assert len(secrets) >= 3, f"the {name} launcher exports too few secrets to make this test meaningful"
    report = tmp_path / "report"
    argv = ["run", "--target", str(server.profile_path()), "--report-dir", str(report)]
    for suite in SUITES[name]:
        argv += ["--suite", suite]
    returncode, output = run_cli(argv, env=dict(server.env), timeout_s=180)
    assert returncode == 0, output[output.find("what broke"):][:3000] or output[-3000:]
    files = [p for p in report.rglob("*") if p.is_file()]
    assert any(p.name == "results.json" for p in files)
    leaks = [f"{key} in {path.relative_to(report)}" for path in files
             for key, value in secrets.items() if value.encode() in path.read_bytes()]
    leaks += [f"{key} in the console output" for key, value in secrets.items() if value in output]
    assert not leaks, leaks
