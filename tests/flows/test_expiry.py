"""A wait over limits.max_expiry_wait_s is a skip that names the limit and the value to raise it to (issue 21)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from harness.flows.expiry import cap_exceeded, require_wait_within_cap
from harness.target import NotApplicable


def _target(cap: float) -> Any:
    return SimpleNamespace(profile=SimpleNamespace(limits=SimpleNamespace(max_expiry_wait_s=cap)))


def test_wait_within_the_cap_is_allowed() -> None:
    assert cap_exceeded(_target(30), 11, "the documented code lifetime 10s") is None
    require_wait_within_cap(_target(30), 30, "x")


def test_wait_over_the_cap_names_the_limit_to_raise() -> None:
    with pytest.raises(NotApplicable) as err:
        require_wait_within_cap(_target(30), 61, "the documented code lifetime 60s")
    assert "limits.max_expiry_wait_s=30" in str(err.value)
    assert "raise limits.max_expiry_wait_s to at least 61" in str(err.value)
    assert "to at least 63" in str(cap_exceeded(_target(15), 62.2, "the documented request_uri lifetime 60s"))
