"""Run ``oauth-harness`` in a child process (its own session, killed on a hang) for the interop tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(argv: list[str], *, env: Mapping[str, str] | None = None, timeout_s: float = 120) -> tuple[int, str]:
    """``harness.cli.main(argv)`` in a child Python; returns the exit code and the combined output."""
    code = f"import sys; from harness.cli import main; sys.exit(main({argv!r}))"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout_s)
    finally:
        if proc.poll() is None:  # pragma: no cover - only on a hang
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, output
