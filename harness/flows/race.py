"""Concurrent requests for the race checks (one-time credentials redeemed twice at once)."""

from __future__ import annotations

import concurrent.futures
import contextvars
from collections.abc import Callable


def concurrent_successes(attempt: Callable[[], bool], times: int = 2) -> int:
    """Run ``attempt`` ``times`` times at once; return how many succeeded.

    Each thread records into the calling check's evidence log (the context is copied).
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=times) as pool:
        futures = [pool.submit(contextvars.copy_context().run, attempt) for _ in range(times)]
        return sum(1 for f in futures if f.result())
