"""Zero credential values in any report file, against a server that echoes and answers non-JSON.

The faulty server's ``echo`` fault issues real-looking authorization codes (in ``Location``, an
``X-Echo`` header and a "Redirecting to ...?code=" page) and echoes every token-request value
(code, code_verifier) in a response header and the ``error_description``; ``plaintoken`` answers
the token request as text/plain form data (access, refresh token, device code). Every value the
server issued or received, and every value the harness registered, is grepped for in every report
file and in the console output (issue 15 item 4).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import redaction

from .faulty_server import FaultyServer
from .test_faulty_targets import _run


@pytest.mark.parametrize("fault", ["echo", "plaintoken"])
def test_no_credential_value_in_any_report(tmp_path: Path, fault: str, capfd: pytest.CaptureFixture[str]) -> None:
    faulty = FaultyServer()
    faulty.fault = fault
    try:
        checks, _elapsed = _run(faulty, tmp_path)
    finally:
        faulty.close()
    assert len(checks) >= 14
    assert any(len(v) >= 40 for v in faulty.issued), "the echo flow issued codes"
    values = {v for v in faulty.issued if len(v) >= 8}
    values |= {v for v in redaction._registered if len(v) >= redaction.MIN_CREDENTIAL_CHARS}
    files = [p for p in (tmp_path / "report").rglob("*") if p.is_file()]
    assert any(p.name == "results.json" for p in files)
    out, err = capfd.readouterr()
    leaks = {str(p.relative_to(tmp_path)): [v[:6] + "..." for v in values if v in p.read_text(errors="replace")]
             for p in files}
    leaks["<console>"] = [v[:6] + "..." for v in values if v in out + err]
    assert "Traceback (most recent call last)" not in out + err
    assert {k: v for k, v in leaks.items() if v} == {}
