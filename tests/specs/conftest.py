"""Helpers for the spec-check tests: assert a check fails with a given finding."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.results import CheckFailed, Finding, Level
from harness.specs.registry import validate_requirement_id

FailsHelper = Callable[..., Finding]


def _fails(fn: Callable[..., Any], *args: Any, code: str, req: str | None = None,
           level: Level | None = None, **kwargs: Any) -> Finding:
    """Run ``fn`` and return the finding with ``code``; fail the test when it is absent."""
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kwargs)
    found = [f for f in info.value.findings if f.code == code]
    assert found, f"expected finding {code}, got {[f.code for f in info.value.findings]}"
    finding = found[0]
    validate_requirement_id(finding.requirement)
    if req is not None:
        assert finding.requirement == req, finding
    if level is not None:
        assert finding.level == level, finding
    return finding


@pytest.fixture
def fails() -> FailsHelper:
    """``fails(check, *args, code=..., req=..., level=..., **kwargs) -> Finding``.

    ``req``/``level`` assert the finding's requirement and level; other keyword arguments go
    to the check.
    """
    return _fails


@pytest.fixture
def codes() -> Callable[..., list[str]]:
    """``codes(check, *args, **kwargs)``: the finding codes a failing check raised."""
    def _codes(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> list[str]:
        with pytest.raises(CheckFailed) as info:
            fn(*args, **kwargs)
        return [f.code for f in info.value.findings]
    return _codes


VECTORS = Path(__file__).resolve().parents[2] / "fixtures" / "vectors"


@pytest.fixture
def vector() -> Callable[[str], Any]:
    """``vector("rfc7636_appendix_b")``: a JSON test vector from ``fixtures/vectors``."""
    def _load(name: str) -> Any:
        return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
    return _load
