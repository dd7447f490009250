"""Pairwise subjects (harness.specs.oidc_registration), good and bad inputs."""

from __future__ import annotations

import pytest

from harness.results import CheckFailed, Level
from harness.specs import oidc_registration


def test_sectors_differ() -> None:
    oidc_registration.check_pairwise_sectors_differ("a", "b")
    with pytest.raises(CheckFailed) as exc:
        oidc_registration.check_pairwise_sectors_differ("a", "a")
    assert exc.value.findings[0].level is Level.MUST


def test_sector_shared() -> None:
    oidc_registration.check_sector_shared("a", "a")
    with pytest.raises(CheckFailed) as exc:
        oidc_registration.check_sector_shared("a", "b")
    assert exc.value.findings[0].level is Level.SHOULD
