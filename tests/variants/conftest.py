"""The variants' proofs reuse the reference target's plain-httpx helpers (tests/reference_target/rt_flows.py)."""

from __future__ import annotations

import sys
from pathlib import Path

_RT_TESTS = str(Path(__file__).resolve().parents[1] / "reference_target")
if _RT_TESTS not in sys.path:
    sys.path.insert(0, _RT_TESTS)
