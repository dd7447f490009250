"""Fixtures for the harness's own tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.reference_target import ReferenceTarget, RunningTarget
from tests.suite_runs import exported_env

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def reference() -> Iterator[RunningTarget]:
    """The bundled reference target, started once per test process; its REFTARGET_* variables exported."""
    with ReferenceTarget.start() as running, exported_env(running):
        yield running


SERVER_DIRS = ("interop", "defects", "variants", "robustness", "reference_target")
"""Test directories whose tests start a server (the reference target, a real server, a faulty one)."""

SERVER_FILES = ("test_sigterm.py", "test_run_check.py", "test_console.py")
"""Test files that run whole conformance runs (a child ``oauth-harness run`` or pytest) against a target."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that needs a server (``server``): the fast lane (``make unit``) leaves them out.

    A test needs a server when it uses the ``reference`` fixture (directly or through another
    fixture), lives in one of :data:`SERVER_DIRS` or is one of :data:`SERVER_FILES`.
    """
    root = Path(__file__).resolve().parent
    for item in items:
        relative = Path(str(item.path)).resolve().relative_to(root)
        fixtures = getattr(item, "fixturenames", ())
        if "reference" in fixtures or relative.parts[0] in SERVER_DIRS or relative.name in SERVER_FILES:
            item.add_marker(pytest.mark.server)
