"""Benchmark: a full conformance run against the bundled reference target.

Prints, per worker count: wall time, number of checks, checks per second, total
protocol-mandated waiting, the floor (the longest single mandated wait — the chain that
cannot be shortened — plus the exchanges' round trips spread over the workers) and the
ratio of wall time to that floor. Not a test: numbers, not verdicts.

    .venv/bin/python bench/run_benchmark.py            # 1 worker and the default
    .venv/bin/python bench/run_benchmark.py --workers 1 2 4
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(workers: int) -> dict[str, float]:
    report = Path(tempfile.mkdtemp(prefix=f"bench-{workers}-"))
    started = time.monotonic()
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "oauth-harness"), "run", "--workers", str(workers),
                           "--report-dir", str(report)], cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if not (report / "results.json").exists():
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])
        raise SystemExit(f"run with {workers} workers wrote no results")
    checks = json.loads((report / "results.json").read_text())["checks"]
    waits = [c["evidence"].get("mandated_wait_s", 0.0) for c in checks]
    round_trips = sum(e["elapsed_s"] for c in checks for e in c["evidence"]["exchanges"])
    from harness.cli import auto_workers

    used = workers or auto_workers()
    floor = max(waits, default=0.0) + round_trips / used
    return {"workers": workers, "wall_s": wall, "checks": len(checks), "checks_per_s": len(checks) / wall,
            "mandated_wait_s": sum(waits), "round_trips_s": round_trips, "floor_s": floor,
            "ratio_to_floor": wall / floor if floor else float("nan"), "exit_code": done.returncode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 0], help="0 = the default (auto)")
    args = parser.parse_args()
    print(f"{'workers':>7} {'wall s':>7} {'checks':>6} {'chk/s':>6} {'waits s':>8} {'RTT s':>6} {'floor s':>7} "
          f"{'wall/floor':>10} {'exit':>4}")
    for workers in args.workers:
        row = run_once(workers)
        from harness.cli import auto_workers

        label = f"auto={auto_workers()}" if workers == 0 else str(workers)
        print(f"{label:>7} {row['wall_s']:7.1f} {row['checks']:6d} {row['checks_per_s']:6.1f} "
              f"{row['mandated_wait_s']:8.1f} {row['round_trips_s']:6.1f} {row['floor_s']:7.1f} "
              f"{row['ratio_to_floor']:10.2f} {row['exit_code']:4d}")


if __name__ == "__main__":
    main()
