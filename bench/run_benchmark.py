"""Benchmark: full conformance runs against the bundled reference target, measured in one go.

Starts the reference target once (its start-up is printed apart and is in no row), then runs
``oauth-harness run --target`` against it: with 1 worker, with the default, and as two shards
(``--shard 1/2`` and ``--shard 2/2``, balanced by the default run's durations) followed by
``oauth-harness merge``. Per row: wall time, number of checks, checks per second, CPU seconds
per check (user + system of the harness process and its workers; the target's own CPU is not
in it), total protocol-mandated waiting, the floor and the ratio of wall time to that floor.

The floor of a run is the longest single mandated wait (the chain that cannot be shortened)
plus the exchanges' round trips spread over the workers. The "2 shards + merge" row is what
two CI machines would take: the slower shard plus the merge, against the floor of the whole
run spread over both machines' workers (here the shards run one after the other on one host).

The last row ("60s lifetimes") is a real deployment's waits: a second reference target whose
authorization code, request_uri, device code and CIBA request live 60 s (the PingFederate
defaults for the code and the request_uri), with a profile that documents them and allows
the waits (``limits.max_expiry_wait_s``); the default workers. The waiting checks start first
and wait side by side (harness.wait_overlap), so this run should take about one 60 s wait,
not several: the limit printed beside it is 75 s. ``--lifetimes 0`` leaves it out.
Not a test: numbers, not verdicts.

    .venv/bin/python bench/run_benchmark.py                 # 1 worker, the default, 2 shards + merge, 60s
    .venv/bin/python bench/run_benchmark.py --workers 1 2 4 --no-shards --lifetimes 0
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLI = str(ROOT / ".venv" / "bin" / "oauth-harness")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(argv: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall and CPU seconds of one CLI call (its process tree, reaped when it ends)."""
    cpu, started = _children_cpu(), time.monotonic()
    done = subprocess.run([CLI, *argv], cwd=ROOT, capture_output=True, text=True, check=False)
    return time.monotonic() - started, _children_cpu() - cpu, done


def _floor(checks: list[dict[str, Any]], workers: int) -> tuple[float, float, float]:
    """(total mandated waits, round trips, floor) of a run's checks."""
    waits = [c["evidence"].get("mandated_wait_s", 0.0) for c in checks]
    round_trips = sum(e["elapsed_s"] for c in checks for e in c["evidence"]["exchanges"])
    return sum(waits), round_trips, max(waits, default=0.0) + round_trips / max(1, workers)


def _checks(report: Path, done: subprocess.CompletedProcess[str], label: str) -> list[dict[str, Any]]:
    if not (report / "results.json").exists():
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])
        raise SystemExit(f"{label} wrote no results")
    checks: list[dict[str, Any]] = json.loads((report / "results.json").read_text())["checks"]
    return checks


def _row(label: str, wall: float, cpu: float, checks: list[dict[str, Any]], workers: int, code: int,
         floor_workers: int | None = None) -> dict[str, Any]:
    waits, round_trips, floor = _floor(checks, floor_workers or workers)
    return {"label": label, "wall_s": wall, "checks": len(checks), "checks_per_s": len(checks) / wall,
            "cpu_per_check_s": cpu / len(checks) if checks else float("nan"), "mandated_wait_s": waits,
            "round_trips_s": round_trips, "floor_s": floor, "ratio_to_floor": wall / floor if floor else float("nan"),
            "exit_code": code}


def run_once(profile: str, workers: int, report: Path,
             extra: tuple[str, ...] = ()) -> tuple[dict[str, Any], float]:
    """One run; returns its row and its CPU seconds."""
    from harness.cli import auto_workers

    used = workers or auto_workers()
    wall, cpu, done = _timed(["run", "--target", profile, "--workers", str(workers), "--quiet",
                              "--report-dir", str(report), *extra])
    label = (f"auto={used}" if workers == 0 else str(workers)) + (f" {extra[1]}" if extra else "")
    return _row(label, wall, cpu, _checks(report, done, label), used, done.returncode), cpu


LONG_LIFETIME_LIMIT_S = 75.0
"""What a run with 60 s lifetimes must stay under (issue 23)."""


CLIENT_LIFETIMES = ("device_code_lifetime_s", "ciba_request_lifetime_s")
"""Client-level documented lifetimes (PingFederate per-client overrides) that follow the server's."""


def long_lifetimes_profile(lifetime: int, work: Path) -> Path:
    """The reference profile documenting ``lifetime``-second artefacts and allowing their waits."""
    import yaml

    from harness.reference_target import PROFILE_PATH
    from harness.reference_target.variants import merge_profile

    base = yaml.safe_load(PROFILE_PATH.read_text(encoding="utf-8"))
    merged = merge_profile(base, {
        "documented": {"authorization_code_lifetime_s": lifetime, "par": {"request_uri_lifetime_s": lifetime},
                       "device": {"code_lifetime_s": lifetime}, "ciba": {"request_lifetime_s": lifetime}},
        "limits": {"max_expiry_wait_s": lifetime + 10},
    })
    for client in merged.get("clients", []):  # per-client overrides that restate the server's lifetimes
        documented = client.get("documented") or {}
        for key in CLIENT_LIFETIMES:
            if key in documented:
                documented[key] = lifetime
    deviations = merged.get("deviations_file")
    if isinstance(deviations, str) and not Path(deviations).is_absolute():
        merged["deviations_file"] = str((PROFILE_PATH.parent / deviations).resolve())
    path = work / f"profile-{lifetime}s.yaml"
    path.write_text(yaml.safe_dump(merged, sort_keys=False), encoding="utf-8")
    return path


LONG_TTLS = ("AuthorizationCode", "PushedAuthorizationRequest", "DeviceCode", "BackchannelAuthenticationRequest")


def long_lifetimes_row(lifetime: int, work: Path) -> dict[str, Any]:
    """One default run against a reference target whose artefacts live ``lifetime`` seconds."""
    from harness.reference_target import ReferenceTarget

    started = time.monotonic()
    running = ReferenceTarget.start(ttl_overrides={name: lifetime for name in LONG_TTLS})
    print(f"reference target with {lifetime} s lifetimes started in {time.monotonic() - started:.1f} s")
    saved = {key: os.environ.get(key) for key in running.env}
    os.environ.update(running.env)
    try:
        row, _ = run_once(str(long_lifetimes_profile(lifetime, work)), 0, work / f"lifetimes{lifetime}")
    finally:
        running.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    row["label"] = f"{row['label']} {lifetime}s lifetimes"
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 0], help="0 = the default (auto)")
    parser.add_argument("--no-shards", action="store_true", help="leave out the 2 shards + merge rows")
    parser.add_argument("--lifetimes", type=int, default=60, metavar="S",
                        help="also run against a target whose codes, request_uris, device codes and CIBA requests "
                             "live S seconds (default 60; 0 leaves the row out)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from harness.cli import auto_workers
    from harness.reference_target import ReferenceTarget

    work = Path(tempfile.mkdtemp(prefix="bench-"))
    started = time.monotonic()
    running = ReferenceTarget.start()
    print(f"reference target started in {time.monotonic() - started:.1f} s (not in the rows below)")
    os.environ.update(running.env)
    os.environ["OAUTH_HARNESS_SERVER_VERSION"] = running.server_version()
    profile = str(running.profile_path())
    rows: list[dict[str, Any]] = []
    try:
        for workers in args.workers:
            row, _ = run_once(profile, workers, work / f"w{workers}")
            rows.append(row)
        if not args.no_shards:
            durations = work / f"w{args.workers[-1]}" / "results.json"
            shards = []
            for k in (1, 2):
                row, shard_cpu = run_once(profile, 0, work / f"shard{k}",
                                          ("--shard", f"{k}/2", "--durations", str(durations)))
                rows.append(row)
                shards.append((row["wall_s"], shard_cpu))
            wall, cpu, done = _timed(["merge", str(work / "shard1"), str(work / "shard2"),
                                      "--report-dir", str(work / "merged")])
            checks = _checks(work / "merged", done, "merge")
            rows.append({**_row("merge", wall, cpu, checks, auto_workers(), done.returncode),
                         "mandated_wait_s": float("nan"), "round_trips_s": float("nan"), "floor_s": float("nan"),
                         "ratio_to_floor": float("nan")})
            rows.append(_row("2 shards + merge", max(w for w, _ in shards) + wall, sum(c for _, c in shards) + cpu,
                             checks, auto_workers(), done.returncode, floor_workers=2 * auto_workers()))
    finally:
        running.stop()
    if args.lifetimes:
        rows.append(long_lifetimes_row(args.lifetimes, work))
    print(f"{'run':>22} {'wall s':>7} {'checks':>6} {'chk/s':>6} {'CPU s/chk':>9} {'waits s':>8} {'RTT s':>6} "
          f"{'floor s':>7} {'wall/floor':>10} {'exit':>4}")
    for row in rows:
        print(f"{row['label']:>22} {row['wall_s']:7.1f} {row['checks']:6d} {row['checks_per_s']:6.1f} "
              f"{row['cpu_per_check_s']:9.3f} {row['mandated_wait_s']:8.1f} {row['round_trips_s']:6.1f} "
              f"{row['floor_s']:7.1f} {row['ratio_to_floor']:10.2f} {row['exit_code']:4d}")
    if args.lifetimes:
        wall = rows[-1]["wall_s"]
        verdict = "under" if wall < LONG_LIFETIME_LIMIT_S else "OVER"
        print(f"{args.lifetimes}s lifetimes: {wall:.1f} s, {verdict} the {LONG_LIFETIME_LIMIT_S:.0f} s limit")
    print(f"reports: {work}")


if __name__ == "__main__":
    main()
