"""Smaller snags a new user meets: help order, `list` once per suite, the --ca-file hint of init."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import build_parser, main
from harness.onboarding.init_profile import tls_hint
from harness.reference_target import RunningTarget
from harness.reporting.summary import EXIT_OK, EXIT_UNREACHABLE


def test_help_lists_commands_in_the_order_a_new_user_needs_them() -> None:
    text = build_parser().format_help()
    positions = [text.index(f"    {name} ") for name in ("init", "check-profile", "run", "report", "diff", "history")]
    assert positions == sorted(positions)
    assert "first steps: init" in text


def test_certification_and_target_profiles_are_told_apart() -> None:
    run_help = build_parser()._subparsers._group_actions[0].choices["run"].format_help()  # type: ignore[union-attr, index]
    assert "--certification NAME, --profile NAME" in run_help and "not the target profile" in run_help


def test_list_prints_each_suite_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--suite", "authorization_code", "--suite", "pkce"]) == EXIT_OK
    headers = [line.split()[0] for line in capsys.readouterr().out.splitlines()
               if line and not line.startswith(" ") and "[" in line]
    assert headers == ["authorization_code", "pkce"]


def test_init_against_a_private_ca_hints_at_ca_file(reference: RunningTarget, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--issuer", reference.issuer, "-o", str(tmp_path / "p.yaml")]) == EXIT_UNREACHABLE
    err = capsys.readouterr().err
    assert "--ca-file CA.pem" in err and not (tmp_path / "p.yaml").exists()


def test_tls_hint_only_for_trust_errors() -> None:
    assert tls_hint("ConnectError: connection refused", None) == ""
    assert "--ca-file" in tls_hint("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", Path("/x.pem"))


def test_a_target_profile_given_as_certification_profile_gets_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    from harness.reporting.summary import EXIT_USAGE

    assert main(["run", "--profile", "my-idp.yaml"]) == EXIT_USAGE
    assert "a target profile file goes to --target my-idp.yaml" in capsys.readouterr().err
