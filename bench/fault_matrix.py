"""Every fault mode at every endpoint of the reference target, mid-run: wall time, peak memory, verdict proof.

``make bench-faults`` (or ``python bench/fault_matrix.py [--endpoint NAME] [--mode MODE]``) starts the
bundled reference target, and for each (endpoint, mode) faults that one endpoint
(``fixtures/reference_target/src/areas/transport_faults.mjs``) and runs the suites that use it through
``oauth-harness run`` in a child process. Each row gives the exit code, the wall time, the peak
resident memory of the harness (the CLI process and its workers) and the outcome counts, and lists
every way the run broke the robustness proof (``tests/robustness/fault_runs.py``: in time, reports
written, no traceback, nothing passed on a faulted answer, broken only by the network, no credential
in any report). With the default ``limits.max_response_bytes`` (5 MB) a 50 MiB body is cut off
after 5 MB; the budget (peak RSS under 150 MiB) applies to those runs. A last row raises the limit
to 64 MiB so the harness reads the whole body, and reports its peak apart. The JSON goes to
``reports/bench/fault-matrix.json``.

This is a benchmark, not a test: it takes about a quarter of an hour on two cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.reference_target import ReferenceTarget  # noqa: E402
from tests.robustness.fault_runs import ENDPOINTS, FaultRun, applies, run_with_fault  # noqa: E402

RSS_BUDGET_MIB = 150.0
"""The issue's bound: peak resident memory for a 50 MiB body."""


def _row(result: FaultRun, note: str = "") -> str:
    counts = " ".join(f"{k}={v}" for k, v in result.outcomes.items() if v)
    verdict = "ok" if not result.problems else f"{len(result.problems)} PROBLEM(S)"
    return (f"{result.endpoint:<27} {result.mode + note:<22} {result.exit_code:>4} {result.elapsed_s:>7.1f} "
            f"{result.peak_rss_mib:>8.1f}  {verdict:<13} {counts}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", action="append", choices=sorted(ENDPOINTS), help="only this endpoint")
    parser.add_argument("--mode", action="append", help="only this fault mode")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    failures = 0
    started = time.monotonic()
    with ReferenceTarget.start() as running, tempfile.TemporaryDirectory(prefix="fault-matrix-") as scratch:
        modes = sorted(running.fault_modes())
        print(f"{'endpoint':<27} {'mode':<22} {'exit':>4} {'wall s':>7} {'peak MiB':>8}  {'proof':<13} outcomes")
        plan = [(e, m) for e in ENDPOINTS for m in modes if applies(e, m)
                and (not args.endpoint or e in args.endpoint) and (not args.mode or m in args.mode)]
        for index, (endpoint, mode) in enumerate(plan):
            result = run_with_fault(running, endpoint, mode, Path(scratch) / str(index), workers=args.workers)
            failures += bool(result.problems)
            print(_row(result), flush=True)
            for problem in result.problems:
                print(f"    {problem[:300]}")
            rows.append({**result.__dict__})
        if not args.mode or "huge" in args.mode:
            result = run_with_fault(running, "token", "huge", Path(scratch) / "huge-read", workers=args.workers,
                                    keyword="token_endpoint", max_response_bytes=64 * 1024 * 1024)
            print(_row(result, " (read 64 MiB)"))
            rows.append({**result.__dict__, "max_response_bytes": 64 * 1024 * 1024})
    peak = max((float(str(r["peak_rss_mib"])) for r in rows if "max_response_bytes" not in r), default=0.0)
    raised = [float(str(r["peak_rss_mib"])) for r in rows if "max_response_bytes" in r]
    print(f"\n{len(rows)} faulted runs in {time.monotonic() - started:.0f}s; {failures} broke the proof; "
          f"peak RSS {peak:.0f} MiB with the default limits (budget {RSS_BUDGET_MIB:.0f} MiB)"
          + (f"; {raised[0]:.0f} MiB when the 50 MiB body is read in full" if raised else ""))
    out = ROOT / "reports" / "bench" / "fault-matrix.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"runs": rows, "peak_rss_mib": peak, "budget_mib": RSS_BUDGET_MIB}, indent=2))
    print(f"written: {out}")
    return 1 if failures or peak > RSS_BUDGET_MIB else 0


if __name__ == "__main__":
    sys.exit(main())
