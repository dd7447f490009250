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

SERVER_FILES = ("test_sigterm.py", "test_run_check.py", "test_console.py", "test_code_reuse_30_seconds.py")
"""Test files that run whole conformance runs (a child ``oauth-harness run`` or pytest) against a target."""


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> Iterator[None]:
    """Mark every test that needs a server (``server``): the fast lane (``make unit``) leaves them out.

    A test needs a server when it uses the ``reference`` fixture (directly or through another
    fixture), lives in one of :data:`SERVER_DIRS` or is one of :data:`SERVER_FILES`. Once the
    selection is final (``-m``, ``-k``), the long tests are put first: :func:`long_tests_first`.
    """
    root = Path(__file__).resolve().parent
    for item in items:
        relative = Path(str(item.path)).resolve().relative_to(root)
        fixtures = getattr(item, "fixturenames", ())
        if "reference" in fixtures or relative.parts[0] in SERVER_DIRS or relative.name in SERVER_FILES:
            item.add_marker(pytest.mark.server)
    yield
    items[:] = long_tests_first(items)


LONG_TESTS: dict[str, float] = {
    # node id prefix (relative to tests/) -> rough seconds per test (unloaded); a prefix ending in ".py"
    # moves its whole module (module fixtures start a server once), any other moves each test on its own
    "defects/test_checks_both_ways.py::test_clean_reference_run": 60,  # makes the shared clean run
    "variants/test_legitimate_variants.py::test_legitimate_variant_has_no_failed_or_broken_check": 45,
    "interop/test_dot_target.py": 8,
    "interop/test_interop_secrets.py": 10,
    "interop/test_glewlwyd_target.py": 3,
    "robustness/test_faults_mid_run.py::test_fault_mid_run": 5,
    "robustness/test_registration_faults.py::test_registration_endpoint_fault": 5,
    "robustness/test_faulty_targets.py": 1.5,
    "test_code_reuse_30_seconds.py": 10,
    "test_sigterm.py": 4,
    "test_run_check.py": 3,
    "test_console.py": 3,
    "test_report_browser.py": 1,
    "test_browser_login.py": 1.5,
    "test_device_user_side.py": 2,
    "test_shard_merge_run.py": 4,
    "test_wait_overlap_run.py": 2,
    "flows/test_hosted_clients_run.py": 3,
    "reference_target/test_reference_defects.py": 0.3,
    # defects whose checks sit in protocol waits (lifetimes, polling until expiry, a logout that never comes)
    **{f"defects/test_checks_both_ways.py::test_defect_detected[{defect}]": 8 for defect in (
        "device_approval_ignored", "bcl_not_sent", "par_request_uri_never_expires", "fapi2_code_long_lived",
        "code_never_expires", "device_code_never_expires", "ciba_approval_ignored", "ciba_ping_not_sent_on_denial")},
}
"""Tests that take seconds, and about how many: a scheduling hint (a wrong number only costs time)."""

NEEDS_THE_CLEAN_RUN = "defects/"
"""Tests that read the shared clean run (tests/defects/conftest.py): on the worker that makes it, after it."""


def long_tests_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """The order for ``--dist worksteal`` on two workers: each starts with about half of the long tests.

    Worksteal gives the first half of the items to one worker and the second half to the other, and an
    idle worker steals from the end of the other's queue: the long tests go first in both halves
    (longest first), so that the last tests are short and no worker idles while the other finishes a
    long one. The first half starts with the test that makes the shared clean run and keeps the tests
    that read it (they would wait for it on the other worker); the other tests keep their order.
    """
    root = Path(__file__).resolve().parent
    groups: dict[str, list[pytest.Item]] = {}
    weights: dict[str, float] = {}
    rest: list[pytest.Item] = []
    for item in items:
        _, separator, name = item.nodeid.partition("::")
        node = Path(str(item.path)).resolve().relative_to(root).as_posix() + separator + name
        prefix = next((p for p in LONG_TESTS if node.startswith(p)), None)
        if prefix is None:
            rest.append(item)
            continue
        key = prefix if prefix.endswith(".py") else node
        groups.setdefault(key, []).append(item)
        weights[key] = weights.get(key, 0.0) + LONG_TESTS[prefix]
    halves: tuple[list[pytest.Item], list[pytest.Item]] = ([], [])
    capacity = (len(items) // 2, len(items) - len(items) // 2)
    load = [0.0, 0.0]
    for key in sorted(groups, key=lambda k: (not k.startswith(NEEDS_THE_CLEAN_RUN), -weights[k])):
        side = 0 if key.startswith(NEEDS_THE_CLEAN_RUN) or load[0] <= load[1] else 1
        if len(halves[side]) + len(groups[key]) > capacity[side]:
            side = 1 - side
        halves[side].extend(groups[key])
        load[side] += weights[key]
    rest.sort(key=lambda item: not Path(str(item.path)).resolve().relative_to(root).as_posix()
              .startswith(NEEDS_THE_CLEAN_RUN))
    fill = max(0, capacity[0] - len(halves[0]))
    return halves[0] + rest[:fill] + halves[1] + rest[fill:]
