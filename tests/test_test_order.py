"""The order of the harness's own tests under ``--dist worksteal`` (tests/conftest.py): long tests first in
every worker's chunk, the shared clean run and its readers in the first one."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from tests.conftest import LONG_TESTS, long_tests_first, worksteal_chunks

ROOT = Path(__file__).resolve().parent


def _item(nodeid: str) -> pytest.Item:
    return cast(pytest.Item, SimpleNamespace(nodeid=f"tests/{nodeid}", path=ROOT / nodeid.split("::")[0]))


def _ids(items: list[Any]) -> list[str]:
    return [i.nodeid.removeprefix("tests/") for i in items]


@pytest.mark.parametrize(("total", "workers"), [(3245, 4), (10, 3), (7, 2), (2, 4)])
def test_chunks_are_what_worksteal_hands_out(total: int, workers: int) -> None:
    sizes = worksteal_chunks(total, workers)
    assert sum(sizes) == total and len(sizes) == workers
    pending = total
    for index, size in enumerate(sizes):  # xdist: pending // idle workers still without a chunk, in turn
        assert size == pending // (workers - index)
        pending -= size


def test_long_tests_lead_every_chunk_and_the_clean_run_leads_the_first() -> None:
    short = [_item(f"test_short_{n}.py::test_{n}") for n in range(40)]
    readers = [_item(f"defects/test_reports.py::test_reader_{n}") for n in range(5)]
    long_ids = ["test_sigterm.py::test_a", "test_code_reuse_30_seconds.py::test_b",
                "interop/test_keycloak_target.py::test_c", "variants/test_legitimate_variants.py::"
                "test_legitimate_variant_has_no_failed_or_broken_check[x]"]
    clean = _item("defects/test_checks_both_ways.py::test_clean_reference_run")
    items = [*short[:20], *readers, *[_item(i) for i in long_ids], *short[20:], clean]
    assert all(any(i.startswith(p) for p in LONG_TESTS) for i in [*long_ids, _ids([clean])[0]])
    ordered = long_tests_first(items, 4)
    assert sorted(_ids(ordered)) == sorted(_ids(items))
    sizes = worksteal_chunks(len(items), 4)
    chunks, start = [], 0
    for size in sizes:
        chunks.append(_ids(ordered[start:start + size]))
        start += size
    assert chunks[0][0] == "defects/test_checks_both_ways.py::test_clean_reference_run"
    assert set(_ids(readers)) <= set(chunks[0])  # the readers of the clean run wait for nobody
    leaders = [chunk[0] for chunk in chunks[1:]]
    assert leaders == [long_ids[3], long_ids[2], long_ids[1]]  # longest first, each to the least loaded chunk
    assert chunks[3][1] == long_ids[0]  # the fourth long test: behind the shortest of them, not behind the clean run
    assert long_tests_first(items, 1) == items  # one process: the collection order
