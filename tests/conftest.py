"""Fixtures for the harness's own tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from harness.reference_target import ReferenceTarget, RunningTarget

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def reference() -> Iterator[RunningTarget]:
    """The bundled reference target, started once per test process; its REFTARGET_* variables exported."""
    with ReferenceTarget.start() as running:
        saved = {k: os.environ.get(k) for k in running.env}
        os.environ.update(running.env)
        try:
            yield running
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
