"""No secret of a real server's profile reaches the reports: client secrets and user passwords.

The reference target's zero-secrets test covers its own profile; the real servers add other
shapes (Glewlwyd's JSON login body, Django's form posts with CSRF tokens), so each gets a run
of the suites that send credentials, and every report file is searched for every secret.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import local_targets
from harness.interop import glewlwyd
from tests.interop.secrets_run import assert_reports_carry_no_secret


@pytest.mark.parametrize("name", ["dot", "glewlwyd"])
def test_reports_carry_no_secret(name: str, tmp_path: Path) -> None:
    """Keycloak's run is made on the Keycloak that tests/interop/test_keycloak_target.py starts (one start)."""
    if name == "glewlwyd" and not glewlwyd.installed():
        pytest.skip("the Debian package glewlwyd is not installed (fixtures/glewlwyd_target/install.sh)")
    server = local_targets.start(name)
    try:
        assert_reports_carry_no_secret(name, server, tmp_path)
    finally:
        server.stop()
