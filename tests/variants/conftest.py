"""The variants' proofs reuse the reference target's plain-httpx helpers (tests/reference_target/rt_flows.py)
and the interop tests' child-process CLI runner (tests/interop/interop_cli.py)."""

from __future__ import annotations

import sys
from pathlib import Path

for _folder in ("reference_target", "interop"):
    _path = str(Path(__file__).resolve().parents[1] / _folder)
    if _path not in sys.path:
        sys.path.insert(0, _path)
