"""Fixtures for the harness's own tests."""

from __future__ import annotations

import functools
import os
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

SERVER_FILES = ("test_sigterm.py", "test_run_check.py", "test_console.py", "test_code_reuse_30_seconds.py",
                "test_no_allure.py", "test_device_user_side.py")
"""Test files that run whole conformance runs (a child ``oauth-harness run`` or pytest) against a target, or
start a target of their own (``test_device_user_side.py``: longer device codes)."""


TESTS_ROOT = Path(__file__).resolve().parent


@functools.cache
def _relative_path(path: str) -> str:
    """A test file's path relative to ``tests/`` (POSIX form), resolved once per file, not once per test."""
    return Path(path).resolve().relative_to(TESTS_ROOT).as_posix()


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> Iterator[None]:
    """Mark every test that needs a server (``server``): the fast lane (``make unit``) leaves them out.

    A test needs a server when it uses the ``reference`` fixture (directly or through another
    fixture), lives in one of :data:`SERVER_DIRS` or is one of :data:`SERVER_FILES`. Once the
    selection is final (``-m``, ``-k``), the long tests are put first: :func:`long_tests_first`.
    """
    for item in items:
        relative = Path(_relative_path(str(item.path)))
        fixtures = getattr(item, "fixturenames", ())
        if "reference" in fixtures or relative.parts[0] in SERVER_DIRS or relative.name in SERVER_FILES:
            item.add_marker(pytest.mark.server)
    yield
    items[:] = long_tests_first(items, xdist_workers())


LONG_TESTS: dict[str, float] = {
    # node id prefix (relative to tests/) -> rough seconds per test (unloaded); a prefix ending in ".py"
    # moves its whole module (module fixtures start a server once), any other moves each test on its own
    "defects/test_checks_both_ways.py::test_clean_reference_run": 60,  # makes the shared clean run
    "variants/test_legitimate_variants.py::test_legitimate_variant_has_no_failed_or_broken_check": 45,
    "interop/test_keycloak_target.py": 35,  # one Keycloak start (20-60 s) and three runs in one test
    "interop/test_dot_target.py": 8,
    "interop/test_interop_secrets.py": 15,
    "interop/test_glewlwyd_target.py": 3,
    # the first matching prefix counts: the timeout faults (every exchange to the endpoint waits its deadline) first
    **{f"robustness/test_registration_faults.py::test_registration_endpoint_fault[{mode}]": 22
       for mode in ("hang", "trickle_head")},
    "robustness/test_faults_mid_run.py::test_fault_mid_run[device_authorization-hang]": 16,
    "robustness/test_faults_mid_run.py::test_fault_mid_run": 5,
    "robustness/test_registration_faults.py::test_registration_endpoint_fault": 5,
    "robustness/test_faulty_targets.py": 1.5,
    "test_code_reuse_30_seconds.py": 10,
    "test_sigterm.py": 8,
    "test_run_check.py": 3,
    "test_console.py": 3,
    "test_report_browser.py": 1,
    "test_browser_login.py": 1.5,
    "test_device_user_side.py": 2,
    "test_shard_merge_run.py": 4,
    "test_wait_overlap_run.py": 3,
    "test_late_decision_poll.py": 12,  # waits out a 10 s device code
    "test_ciba_approval.py::test_browser_mode_runs_the_steps_on_the_page": 3,
    "flows/test_hosted_request_uris.py": 2,
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


def xdist_workers() -> int:
    """The number of xdist workers of this session (1 without xdist): every worker sees the same number."""
    return int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))


def worksteal_chunks(total: int, workers: int) -> list[int]:
    """The sizes of the first chunks ``--dist worksteal`` hands out: to each idle worker in turn, the pending
    tests divided by the workers still without a chunk (xdist's ``check_schedule``), in collection order."""
    sizes, pending = [], total
    for remaining in range(workers, 0, -1):
        sizes.append(pending // remaining)
        pending -= sizes[-1]
    return sizes


def long_tests_first(items: list[pytest.Item], workers: int = 2) -> list[pytest.Item]:
    """The order for ``--dist worksteal`` on ``workers`` workers: each starts with its share of the long tests.

    Worksteal gives each worker a contiguous chunk of the items (:func:`worksteal_chunks`) and an idle
    worker steals from the end of the longest queue: the long tests go first in every chunk (longest
    first, each to the least loaded chunk), so that the last tests are short and no worker idles while
    another finishes a long one. The first chunk starts with the test that makes the shared clean run
    and keeps the tests that read it (on another worker they would wait for it); the other tests keep
    their order.
    """
    if workers < 2:
        return items
    groups: dict[str, list[pytest.Item]] = {}
    weights: dict[str, float] = {}
    rest: list[pytest.Item] = []
    for item in items:
        _, separator, name = item.nodeid.partition("::")
        node = _relative_path(str(item.path)) + separator + name
        prefix = next((p for p in LONG_TESTS if node.startswith(p)), None)
        if prefix is None:
            rest.append(item)
            continue
        key = prefix if prefix.endswith(".py") else node
        groups.setdefault(key, []).append(item)
        weights[key] = weights.get(key, 0.0) + LONG_TESTS[prefix]
    capacity = worksteal_chunks(len(items), workers)
    chunks: list[list[pytest.Item]] = [[] for _ in capacity]
    load = [0.0 for _ in capacity]
    for key in sorted(groups, key=lambda k: (not k.startswith(NEEDS_THE_CLEAN_RUN), -weights[k])):
        fitting = [i for i in range(len(chunks)) if len(chunks[i]) + len(groups[key]) <= capacity[i]] or [
            max(range(len(chunks)), key=lambda i: capacity[i] - len(chunks[i]))]
        side = 0 if key.startswith(NEEDS_THE_CLEAN_RUN) and 0 in fitting else min(fitting, key=lambda i: load[i])
        chunks[side].extend(groups[key])
        load[side] += weights[key]
    rest.sort(key=lambda item: not _relative_path(str(item.path)).startswith(NEEDS_THE_CLEAN_RUN))
    ordered: list[pytest.Item] = []
    for chunk, size in zip(chunks, capacity, strict=True):
        fill = max(0, size - len(chunk))
        ordered += chunk + rest[:fill]
        del rest[:fill]
    return ordered + rest
