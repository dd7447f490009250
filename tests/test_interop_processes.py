"""The launchers' shared start-up helpers (harness/interop/processes.py, harness/interop/material.py)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from harness.interop.material import public_jwks, rsa_signing_jwks, write_server_tls
from harness.interop.processes import launch_in_state_dir


def test_a_failed_launch_removes_its_state_directory(tmp_path: Path) -> None:
    seen: list[Path] = []

    def fails(directory: Path) -> None:
        seen.append(directory)
        (directory / "half-written").write_text("x")
        raise RuntimeError("did not start")

    with pytest.raises(RuntimeError, match="did not start"):
        launch_in_state_dir("harness-test-", None, fails)
    assert seen and not seen[0].exists() and seen[0].name.startswith("harness-test-")
    given = tmp_path / "given" / "state"
    with pytest.raises(RuntimeError):
        launch_in_state_dir("harness-test-", given, fails)
    assert not given.exists()


def test_a_started_launch_keeps_its_state_directory(tmp_path: Path) -> None:
    given = tmp_path / "state"
    assert launch_in_state_dir("harness-test-", given, lambda directory: directory) == given
    assert given.is_dir()


def test_server_tls_files_and_keys(tmp_path: Path) -> None:
    tls = write_server_tls(tmp_path, "oauth-harness unit test CA")
    assert (tls.ca_file, tls.cert_file, tls.key_file) == (tmp_path / "ca.pem", tmp_path / "server.crt",
                                                         tmp_path / "server.key")
    assert stat.S_IMODE(tls.key_file.stat().st_mode) == 0o600
    assert tls.cert_file.read_bytes().count(b"BEGIN CERTIFICATE") >= 1
    jwks = rsa_signing_jwks("k1", "PS256")
    (member,) = jwks["keys"]
    assert member["kid"] == "k1" and member["alg"] == "PS256" and member["use"] == "sig" and "d" in member
    (public,) = public_jwks(jwks)["keys"]
    assert public["kid"] == "k1" and public["alg"] == "PS256" and "d" not in public and public["n"] == member["n"]
