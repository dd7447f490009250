"""``oauth-harness``: run suites against a target, list checks, validate profiles.

Exit codes (``harness.reporting.summary.EXIT_CODES``; the first that applies wins, in this order):
5 = interrupted (SIGINT, SIGTERM, run deadline; reports cover what ran); 4 = a harness bug broke a
check (traceback in its evidence) or the harness itself crashed; 1 = the target failed a requirement
(not a known deviation) or a deviations entry is stale; 2 = bad usage or invalid profile; 3 = the
target could not be reached (before the run, or checks ended *broken* by the network); 0 = clean
(warnings, reviews, skips and known deviations allowed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from harness.redaction import scrub_text
from harness.reporting.history import HISTORY_FILE, TREND_RUNS
from harness.reporting.summary import (
    EXIT_CODES,
    EXIT_FAILED,
    EXIT_HARNESS_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    exit_code_of_document,
)
from harness.reporting.what_broke import console_lines, what_broke
from harness.reporting.writer import RERUN_ENV
from harness.results import HarnessError, ProfileError, TargetUnreachable

SUITES_DIR = Path(__file__).resolve().parent.parent / "suites"
SUITES_INI = Path(__file__).resolve().parent / "pytest_suites.ini"


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip() + "\n")


def _out(message: str) -> None:
    sys.stdout.write(message + "\n")


def available_suites() -> list[str]:
    """Suite names: built-in and installed by plugins."""
    from harness.registry import all_suites

    return sorted(all_suites())


def _suite_paths(names: list[str] | None) -> list[str]:
    from harness.registry import SuiteRegistryError, select

    try:
        return [str(s.path) for s in select(names)]
    except SuiteRegistryError as exc:
        raise SystemExit(_usage(str(exc))) from None


def validate_plugin_settings(profile: Any, names: list[str] | None) -> None:
    """Validate the profile's ``plugins.<suite>`` sections with the models the suites declare."""
    from harness.registry import all_suites, select
    from harness.suite_settings import validate_section

    suites = all_suites()
    for section in profile.plugins:
        if section not in suites:
            import difflib

            close = difflib.get_close_matches(section, list(suites), 1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ProfileError(f"plugins.{section}: no installed suite is called {section!r}{hint}")
    for suite in select(names):
        validate_section(suite, profile)


def auto_workers() -> int:
    """Default parallelism: mandated waits leave CPUs idle, so up to two workers per core (max 4)."""
    return max(1, min(4, (os.cpu_count() or 1) * 2))


def _usage(message: str) -> int:
    _err(f"oauth-harness: {message}")
    return EXIT_USAGE


def _pytest_args(paths: list[str], extra: list[str]) -> list[str]:
    return ["-c", str(SUITES_INI), "--rootdir", str(SUITES_DIR.parent), *extra, *paths]


def cmd_run(args: argparse.Namespace) -> int:
    """Run the selected suites and write reports."""
    from harness.profile import load_profile
    from harness.target import Target, UnusableDocument

    certification = None
    if args.profile:
        from harness.certification import get_profile

        try:
            certification = get_profile(args.profile)
        except ProfileError as exc:
            if Path(args.profile).suffix in (".yaml", ".yml") or Path(args.profile).is_file():
                return _usage(f"{exc}\n(hint: --certification/--profile names a certification profile, see "
                              f"`oauth-harness profiles`; a target profile file goes to --target {args.profile})")
            return _usage(str(exc))
        if args.suite:
            return _usage("--profile selects its own suites and checks; do not combine it with --suite")
        args.suite = certification.suites()
    if args.check:
        if certification is not None:
            return _usage("--certification selects its own checks; do not combine it with --check")
        args.suite = args.suite or suites_of_checks(args.check)
    if args.shard:
        from harness.sharding import ShardError, parse_shard

        try:
            parse_shard(args.shard)
        except ShardError as exc:
            return _usage(str(exc))
    elif args.durations:
        return _usage("--durations balances the shards of --shard K/N; it needs --shard")
    paths = _suite_paths(args.suite)
    running: Any = None
    profile_path: str
    try:
        if args.target is None:
            running = _start_local(args.local or "reference")
            profile_path = str(running.profile_path())
            os.environ[RERUN_ENV] = f"--local {shlex.quote(args.local)}" if args.local else ""
        elif args.local:
            return _usage("--target and --local exclude each other")
        else:
            profile_path = args.target
            os.environ[RERUN_ENV] = f"--target {shlex.quote(args.target)}"
            if args.profile is None and Path(profile_path).suffix not in (".yaml", ".yml", ".json"):
                _err(f"note: --target takes a target profile file; {profile_path!r} does not look like one "
                     "(a certification profile is --certification NAME)")
        try:
            profile = load_profile(profile_path)
            validate_plugin_settings(profile, args.suite)
        except ProfileError as exc:
            _err(str(exc))
            return EXIT_USAGE
        run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + f"-{profile.name}"
        report_dir = Path(args.report_dir) if args.report_dir else Path("reports") / run_id
        target = Target.from_profile(profile)
        started = time.time()
        try:
            metadata = target.metadata
        except UnusableDocument as exc:
            # the target answered, with an error or a non-JSON document: the checks that judge the
            # document fail with the rule it breaks; the rest end broken, saying why
            _err(f"oauth-harness: the discovery document of {profile.name!r} cannot be used: {exc}; "
                 "running the checks anyway (the discovery checks judge it)")
            metadata = {}
        except (TargetUnreachable, HarnessError) as exc:
            _err(f"oauth-harness: cannot reach the target {profile.name!r}: {exc}")
            _write_unreachable_report(report_dir, profile, str(exc), started)
            return EXIT_UNREACHABLE
        finally:
            target.close()
        _out(f"target {profile.name}: issuer {metadata.get('issuer', profile.issuer)}")
        console = ["--harness-progress", *(["--harness-quiet"] if args.quiet else []),
                   *(["--harness-verbose"] if args.verbose else [])]
        extra = ["--target", profile_path, "--report-dir", str(report_dir), *console,
                 "-q", "--no-header", "-p", "no:cacheprovider", "-rN", "--tb=no",
                 "-W", "ignore::pytest.PytestAssertRewriteWarning",
                 *([] if args.no_allure else ["--alluredir", str(report_dir / "allure-results"), "--clean-alluredir"])]
        if profile.limits.run_deadline_s:
            extra += ["--run-deadline", str(profile.limits.run_deadline_s)]
        deviations = args.deviations or (str(profile.deviations_file) if profile.deviations_file else None)
        if deviations:
            extra += ["--deviations", deviations]
        # a handful of suites is faster serially than the cost of starting workers
        workers = args.workers or (auto_workers() if not args.suite or len(args.suite) >= 4 else 1)
        if profile.limits.max_workers and not args.workers and workers > profile.limits.max_workers:
            _out(f"{profile.limits.max_workers} worker(s): the profile's limits.max_workers")
            workers = profile.limits.max_workers
        if workers > 1:
            # one test at a time: the checks that wait for expiries (ordered first) go to different workers
            extra += ["-p", "xdist", "-n", str(workers), "--maxschedchunk", "1"]
        if args.keyword:
            extra += ["-k", args.keyword]
        if certification is not None:
            extra += ["--checks", ",".join(certification.patterns()), "--certification", certification.name]
        if args.check:
            extra += ["--checks", ",".join(check_patterns(args.check))]
        if args.shard:
            extra += ["--shard", args.shard, *(["--shard-durations", args.durations] if args.durations else [])]
        if args.no_allure:
            _remove_stale_allure_results(report_dir)
        pytest.main(_pytest_args(paths, extra))
        results = report_dir / "results.json"
        if not results.exists():
            if args.shard:
                _err(f"oauth-harness: shard {args.shard} got no check (more shards than selected checks?)")
            elif args.check:
                _err(f"oauth-harness: no check matches --check {' --check '.join(args.check)} "
                     "(`oauth-harness list` prints every check id)")
            else:
                _err("oauth-harness: no results were written (no check ran?)")
            return EXIT_USAGE
        document = json.loads(results.read_text())
        summary = document["summary"]
        new_failures = _write_diff(args.baseline, report_dir, document) if args.baseline else None
        for line in console_lines(what_broke(document)):
            _out(line)
        _out(f"results: {results}")
        code = exit_code_of_document(document)
        if code == EXIT_INTERRUPTED:
            _err("oauth-harness: the run was interrupted; the reports cover the checks that ran (exit 5)")
            return code
        if code == EXIT_HARNESS_ERROR:
            _err(f"oauth-harness: {summary.get('harness_errors', 0)} check(s) broken by a harness bug; "
                 "the traceback is in each one's evidence (exit 4)")
            return code
        if args.fail_on == "new" and new_failures is not None:
            return EXIT_FAILED if new_failures else EXIT_OK
        if certification is not None and args.shard:
            _out(f"certification {certification.name}: judged over every shard by `oauth-harness merge`")
        elif certification is not None:
            verdict = next(c["verdict"] for c in document["certification"] if c["profile"] == certification.name)
            _out(f"certification summary: {report_dir / 'certification.html'}")
            # incomplete: the checks passed but the profile names OIDF modules no check covers
            return {"passed": EXIT_OK, "failed": EXIT_FAILED, "incomplete": EXIT_FAILED}.get(verdict, EXIT_UNREACHABLE)
        return code
    except HarnessError as exc:
        _err(f"oauth-harness: {exc}")
        return EXIT_UNREACHABLE
    finally:
        os.environ.pop(RERUN_ENV, None)  # read by this run's report writer only
        if running is not None:
            running.stop()


def _remove_stale_allure_results(report_dir: Path) -> None:
    """A ``--no-allure`` run into a used report directory: remove the earlier run's ``allure-results``.

    Left there, ``report --allure`` and ``merge`` would present another run's Allure results as this
    run's (a run with Allure empties the directory itself, ``--clean-alluredir``).
    """
    import shutil

    stale = report_dir / "allure-results"
    if stale.is_symlink() or stale.is_file():
        stale.unlink()
    elif stale.is_dir():
        shutil.rmtree(stale)


def _write_unreachable_report(report_dir: Path, profile: Any, reason: str, started: float) -> None:
    """The target's discovery could not be read: still write the reports, with one broken record saying why.

    CI systems then show a ``junit.xml`` error instead of nothing; the exit code stays 3.
    """
    from harness.reporting.writer import RunInfo, harness_version, iso_time, write_reports
    from harness.results import CheckRecord, Outcome

    record = CheckRecord(
        id="run.target_reachable", suite="run", title="The target's discovery document can be read",
        outcome=Outcome.BROKEN, requirements=[],
        message=f"TargetUnreachable: no check ran, the discovery document of {profile.name!r} could not be read: "
                f"{reason}", broken_by="network")
    finished = time.time()
    info = RunInfo(target=profile.name, issuer=profile.issuer, harness_version=harness_version(),
                   started=iso_time(started), finished=iso_time(finished),
                   duration_s=round(finished - started, 3), incomplete=True)
    try:
        write_reports(report_dir, [record], info)
    except OSError as exc:
        _err(f"oauth-harness: cannot write the reports to {report_dir}: {exc}")
        return
    _out(f"reports: {report_dir}")


def _write_diff(baseline: str, report_dir: Path, document: dict[str, Any]) -> int:
    """Diff this run against a baseline run; print it, write diff.json/diff.html; return new failures.

    The baseline becomes the report's baseline too: ``document`` (and ``results.json``/``index.html``)
    then list the diff's new failures first in the what-broke block.
    """
    from harness.reporting.diff import diff_runs, load_results, render_html, render_text
    from harness.reporting.writer import set_baseline

    old = load_results(baseline)
    result = diff_runs(old, document, old_name=str(baseline), new_name=str(report_dir))
    for line in render_text(result):
        _out(line)
    (report_dir / "diff.json").write_text(json.dumps(result.as_dict(), indent=2), encoding="utf-8")
    (report_dir / "diff.html").write_text(render_html(result), encoding="utf-8")
    set_baseline(report_dir, document, source=f"--baseline {baseline}", started=old.get("run", {}).get("started"),
                 new_failures=[change.check for change in result.new_failures])
    return len(result.new_failures)


def suites_of_checks(patterns: list[str]) -> list[str] | None:
    """The suites ``--check`` patterns can match (``None`` when a pattern's suite is itself a wildcard)."""
    suites: list[str] = []
    for pattern in patterns:
        suite = pattern.split(".", 1)[0]
        if any(c in suite for c in "*?[") or "." not in pattern:
            return None
        suites.append(suite)
    return sorted(set(suites))


def check_patterns(checks: list[str]) -> list[str]:
    """``--check`` values as the plugin's patterns: a check without parameters also selects all its cases."""
    patterns: list[str] = []
    for check in checks:
        patterns.append(check)
        if not check.endswith(("]", "*")):
            patterns.append(check + "[*]")
    return patterns


def cmd_merge(args: argparse.Namespace) -> int:
    """Merge shard reports into one run's results.json, junit.xml, index.html and Allure results."""
    from harness.reporting.merge import MergeError, merge

    report_dir = Path(args.report_dir) if args.report_dir else None
    try:
        if report_dir is None:
            from harness.reporting.merge import load_shard

            target = load_shard(Path(args.run_dirs[0])).document["run"]["target"]
            report_dir = Path("reports") / (dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + f"-{target}")
        document = merge([Path(p) for p in args.run_dirs], report_dir, deviations=args.deviations)
    except MergeError as exc:
        return _usage(f"merge: {exc}")
    for line in console_lines(what_broke(document)):
        _out(line)
    _out(f"merged {document['run']['merged_from']} shards: {document['summary']['total']} checks")
    _out(f"results: {report_dir / 'results.json'}")
    code = exit_code_of_document(document)
    selected = [c for c in document["certification"] if c["selected"]]
    if selected and code not in (EXIT_INTERRUPTED, EXIT_HARNESS_ERROR):
        _out(f"certification {selected[0]['profile']}: {selected[0]['verdict'].upper()}")
        # as `run --certification`: incomplete (an OIDF module no check covers) fails too
        return {"passed": EXIT_OK, "failed": EXIT_FAILED, "incomplete": EXIT_FAILED}.get(selected[0]["verdict"],
                                                                                        EXIT_UNREACHABLE)
    return code


def cmd_history(args: argparse.Namespace) -> int:
    """Print the trend of a target's last runs from the history file."""
    from harness.reporting.history import history_table, read_history, same_series, suite_table

    entries = read_history(Path(args.file))
    if not entries:
        _err(f"oauth-harness: no runs in {args.file} yet (every `oauth-harness run` appends one)")
        return EXIT_USAGE
    target = args.target or str(entries[-1]["target"])
    of_target = [e for e in entries if e.get("target") == target]
    selection = args.selection or (str(of_target[-1].get("selection", "all")) if of_target else "all")
    series = same_series(entries, target, selection, args.runs)
    if not series:
        names = sorted({str(e["target"]) for e in entries})
        _err(f"oauth-harness: no complete run of {target!r} (selection {selection!r}) in {args.file}; "
             f"targets there: {', '.join(names)}")
        return EXIT_USAGE
    _out(f"{target}: the last {len(series)} run(s), selection {selection!r} ({args.file})")
    for line in history_table(series):
        _out(line)
    _out("")
    for line in suite_table(series):
        _out(line)
    last = series[-1]
    if last.get("failing"):
        _out(f"failing in the last run: {', '.join(last['failing'][:20])}" + (" ..." if len(last["failing"]) > 20
                                                                             else ""))
    return EXIT_OK


def _start_local(name: str) -> Any:
    """Start a local server by name and export the variables its profile references."""
    from harness import local_targets

    try:
        description = local_targets.describe(name)
    except local_targets.UnknownLocalTarget as exc:
        raise SystemExit(_usage(str(exc))) from None
    _out(f"starting the local target {name!r} ({description}) ...")
    running = local_targets.start(name)
    os.environ.update(running.env)
    os.environ["OAUTH_HARNESS_SERVER_VERSION"] = running.server_version()
    return running


def cmd_serve(args: argparse.Namespace) -> int:
    """Start a local server, print how to point the harness at it, and keep it up until interrupted."""
    import shlex
    import signal
    import threading

    try:
        running = _start_local(args.name)
    except HarnessError as exc:
        _err(f"oauth-harness: {exc}")
        return EXIT_UNREACHABLE
    import tempfile

    # the variables include client secrets: they go to a private file, not to the terminal or a log
    handle, env_name = tempfile.mkstemp(prefix=f"oauth-harness-{args.name}-", suffix=".env")
    env_file = Path(env_name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.writelines(f"export {key}={shlex.quote(value)}\n" for key, value in sorted(running.env.items()))
        _out(f"{running.server_version()} is up. In another shell:")
        _out(f"  . {env_file}")
        _out(f"  oauth-harness run --target {running.profile_path()}")
        _out("Ctrl-C (or SIGTERM) stops it and removes its state and that file.")
        sys.stdout.flush()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    finally:
        running.stop()
        env_file.unlink(missing_ok=True)
    return EXIT_OK


def cmd_matrix(args: argparse.Namespace) -> int:
    """Render several runs (one per target) side by side."""
    from harness.reporting.matrix import write_matrix

    try:
        html_path, matrix = write_matrix(args.run_dirs, Path(args.output))
    except ProfileError as exc:
        return _usage(str(exc))
    differing = sum(1 for row in matrix.rows if row.differs())
    _out(f"matrix: {len(matrix.columns)} targets, {len(matrix.rows)} checks, {differing} with differing verdicts")
    for column in matrix.columns:
        summary = column.document.get("summary", {})
        _out(f"  {column.label}: " + ", ".join(f"{summary.get(k, 0)} {k}" for k in
                                               ("passed", "failed", "warning", "skipped", "broken")))
    _out(f"matrix report: {html_path}")
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    """Write a starter profile from the server's discovery document."""
    from harness.onboarding.init_profile import DiscoveryFailed, write_starter_profile

    output = Path(args.output)
    ca_file = Path(args.ca_file) if args.ca_file else None
    try:
        found = write_starter_profile(args.issuer, output, ca_file=ca_file, verify=not args.insecure,
                                      force=args.force)
    except FileExistsError as exc:
        return _usage(str(exc))
    except DiscoveryFailed as exc:
        _err(f"oauth-harness: {exc}")
        return EXIT_UNREACHABLE
    advertised = found.metadata.get("issuer")
    if advertised != args.issuer:
        _err(f"note: the server calls itself {advertised!r}, not {args.issuer!r}; the profile uses the server's "
             "value (issuer comparison is exact)")
    _out(f"wrote {output} from {found.url}")
    _out(f"next: fill in the TODOs, then `oauth-harness check-profile {output}`")
    return EXIT_OK


def cmd_check_profile(args: argparse.Namespace) -> int:
    """Validate a profile and probe the target (discovery, JWKS, each client's authentication)."""
    from harness.onboarding.check_profile import check_profile

    result = check_profile(args.profile, login=args.login)
    for probe in result.probes:
        _out(probe.line())
    if not result.loaded:
        return EXIT_USAGE
    if not result.reachable:
        return EXIT_UNREACHABLE
    problems = len(result.problems)
    _out(f"{problems} problem(s)" if problems else "the profile is ready for `oauth-harness run --target "
         f"{args.profile}`")
    return EXIT_FAILED if problems else EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """Compare two runs (directories or results.json files)."""
    from harness.reporting.diff import diff_runs, load_results, render_html, render_text

    try:
        result = diff_runs(load_results(args.old), load_results(args.new), old_name=args.old, new_name=args.new)
    except ProfileError as exc:
        _err(f"oauth-harness: {exc}")
        return EXIT_USAGE
    for line in render_text(result):
        _out(line)
    if args.html:
        Path(args.html).write_text(render_html(result), encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps(result.as_dict(), indent=2), encoding="utf-8")
    if args.fail_on == "new" and result.new_failures:
        return EXIT_FAILED
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Re-render a run's HTML report, or render its Allure results to a single HTML file."""
    from harness.reporting.diff import load_results
    from harness.reporting.html import render_html

    run_dir = Path(args.run_dir)
    try:
        document = load_results(run_dir)
    except ProfileError as exc:
        _err(f"oauth-harness: {exc}")
        return EXIT_USAGE
    if not args.allure:
        (run_dir / "index.html").write_text(render_html(document), encoding="utf-8")
        _out(f"wrote {run_dir / 'index.html'}")
        return EXIT_OK
    from harness.reporting.allure_cli import render_allure

    return render_allure(run_dir, out=_out, err=_err)


class _Collector:
    def __init__(self) -> None:
        self.items: list[pytest.Item] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.items = list(session.items)


def cmd_list(args: argparse.Namespace) -> int:
    """Print suites and checks with their requirement IDs."""
    from harness.pytest_plugin import check_id

    collector = _Collector()
    options = ["--collect-only", "-p", "no:terminal", "-p", "no:cacheprovider"]
    code = pytest.main(_pytest_args(_suite_paths(args.suite), options), plugins=[collector])
    if code not in (0, 5):
        return EXIT_USAGE
    from harness.registry import all_suites

    origins = {name: suite.origin for name, suite in all_suites().items()}
    current = None
    # the run order puts checks that wait for an expiry first; a listing groups each suite once, in file order
    items = sorted(collector.items, key=lambda i: (check_id(i).split(".", 1)[0], str(i.location[0]),
                                                   i.location[1] or 0, i.nodeid))
    for item in items:
        cid = check_id(item)
        suite = cid.split(".", 1)[0]
        if suite != current:
            _out(f"\n{suite}  [{origins.get(suite, 'unknown origin')}]")
            current = suite
        reqs = [str(r) for m in item.iter_markers("requirement") for r in m.args]
        _out(f"  {cid:<60} {' '.join(reqs)}")
    _out(f"\n{len(collector.items)} checks")
    return EXIT_OK


def cmd_documented(args: argparse.Namespace) -> int:
    """Print every documented setting of the profile model with the ids of the checks that verify it."""
    from harness.documented_settings import documented_settings, render_text

    settings = documented_settings()
    _out(json.dumps([s.as_dict() for s in settings], indent=2) if args.json else render_text(settings))
    return EXIT_OK


def cmd_requirements(args: argparse.Namespace) -> int:
    """Print the requirement catalogue: every requirement ID the harness cites, its level and sentence."""
    from harness.registry import all_suites
    from harness.specs.catalogue import CatalogueError, catalogue

    all_suites()  # installed suite plugins register the requirements they cite
    try:
        entries = sorted(catalogue().values(), key=lambda r: (r.id.split("-", 1)[0], _natural(r.id)))
    except CatalogueError as exc:
        _err(f"oauth-harness: {exc}")
        return EXIT_USAGE
    if args.spec:
        entries = [r for r in entries if r.id.split("-", 1)[0] in {s.upper() for s in args.spec}]
    if args.json:
        _out(json.dumps([r.as_dict() for r in entries], indent=2))
        return EXIT_OK
    current = None
    for entry in entries:
        if entry.spec != current:
            _out(f"\n{entry.spec}")
            current = entry.spec
        _out(f"  {entry.id:<36} {entry.level:<12} {entry.text}")
    _out(f"\n{len(entries)} requirements")
    return EXIT_OK


def _natural(requirement_id: str) -> list[tuple[int, int | str]]:
    section = requirement_id.split("-", 1)[1]
    return [(0, int(p)) if p.isdigit() else (1, p) for p in section.replace("-", ".").split(".")]


def cmd_deviations_update(args: argparse.Namespace) -> int:
    """Rewrite a deviations file in the strict form (check + finding codes) from a run's results."""
    import yaml

    from harness.reporting.deviations import DeviationsFile
    from harness.reporting.deviations_update import leading_comments, render, update_entries

    path = Path(args.file)
    results = Path(args.run) / "results.json" if Path(args.run).is_dir() else Path(args.run)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
        document = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        return _usage(f"cannot read {path} or {results}: {exc}")
    result = update_entries(list(data.get("deviations") or []), document)
    new_text = render(leading_comments(text), data.get("target"), result.entries)
    DeviationsFile.model_validate(yaml.safe_load(new_text))  # what we write must load
    for line in result.dropped:
        _err(f"dropped {line}")
    for line in result.changed:
        _err(f"changed {line}")
    if args.write:
        path.write_text(new_text, encoding="utf-8")
        _out(f"{path}: {len(result.entries)} entries written, {len(result.dropped)} left out")
    else:
        _out(new_text.rstrip())
    return EXIT_OK


def cmd_profiles(args: argparse.Namespace) -> int:
    """List the certification profiles and what each requires (``--coverage NAME``: its OIDF module table)."""
    from harness.certification import all_profiles

    if args.coverage:
        return _profile_coverage(args.coverage)
    for profile in all_profiles().values():
        _out(f"\n{profile.name} {profile.version} — {profile.title}")
        for requirement in profile.requirements:
            mode = " (any of)" if requirement.mode == "any" else ""
            _out(f"  {requirement.level.upper():<6} {requirement.id:<22} {requirement.title}{mode}")
            if args.verbose:
                _out(f"         checks: {', '.join(requirement.checks)}")
    return EXIT_OK


def _profile_coverage(name: str) -> int:
    """Print which OIDF conformance-suite modules a certification profile covers, and with which checks."""
    from harness.certification import coverage_summary, get_profile, module_rows

    try:
        profile = get_profile(name)
    except ProfileError as exc:
        _err(str(exc))
        return EXIT_USAGE
    if not profile.oidf_modules:
        _out(f"{profile.name}: the profile names no OIDF conformance-suite modules")
        return EXIT_OK
    rows = module_rows(profile)
    for plan, counts in coverage_summary(profile).items():
        total = sum(counts.values())
        _out(f"\n{plan}: {total} modules — {counts['covered']} covered, {counts['partial']} partial, "
             f"{counts['not covered']} not covered")
        names = {id(r): r["module"] + (f" [{r['variant']}]" if r["variant"] else "") for r in rows}
        width = max(len(names[id(r)]) for r in rows if r["plan"] == plan)
        for row in (r for r in rows if r["plan"] == plan):
            optional = "" if row["required"] else " (optional)"
            checks = ", ".join(pattern.replace("[[]", "[") for pattern in row["patterns"]) or "—"
            _out(f"  {names[id(row)]:<{width}}  {row['coverage'] + optional:<21}  {checks}")
            if row["note"]:
                _out(f"  {'':<{width}}  {'':<21}  note: {row['note']}")
    uncovered = profile.uncovered()
    _out(f"\nverdict when every MUST requirement passes: {'incomplete' if uncovered else 'passed'}"
         + (f" ({len(uncovered)} required module(s) not covered)" if uncovered else ""))
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate a profile without running anything."""
    from harness.profile import load_profile

    try:
        profile = load_profile(args.profile)
    except ProfileError as exc:
        _err(str(exc))
        return EXIT_USAGE
    _out(f"{args.profile}: valid ({len(profile.clients)} clients, {len(profile.users)} users)")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of the target profile."""
    from harness.profile import profile_json_schema

    _out(json.dumps(profile_json_schema(), indent=2))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    parser = argparse.ArgumentParser(
        prog="oauth-harness", description=__doc__.splitlines()[0].replace("``", ""),
        epilog="first steps: init (a starter profile from discovery) -> check-profile (probe it) -> "
               "run --target PROFILE -> report / diff / history")
    sub = parser.add_subparsers(dest="command", required=True)
    ini = sub.add_parser("init", help="write a starter target profile from a server's discovery document")
    ini.add_argument("--issuer", required=True, help="the server's issuer identifier (exactly, with any path)")
    ini.add_argument("--output", "-o", default="profile.yaml", help="where to write it (default: profile.yaml)")
    ini.add_argument("--ca-file", help="PEM CA bundle that issued the server's TLS certificate")
    ini.add_argument("--insecure", action="store_true", help="do not verify TLS (test deployments only)")
    ini.add_argument("--force", action="store_true", help="overwrite an existing output file")
    ini.set_defaults(func=cmd_init)
    chk = sub.add_parser("check-profile", help="validate a profile and probe discovery, JWKS and every client's "
                                               "authentication before a full run")
    chk.add_argument("profile")
    chk.add_argument("--login", action="store_true",
                     help="also sign in as the first user through the login driver and expect a code back")
    chk.set_defaults(func=cmd_check_profile)
    run = sub.add_parser("run", help="run suites against a target and write reports",
                         formatter_class=argparse.RawDescriptionHelpFormatter,
                         epilog="exit codes (the first that applies):\n" + "\n".join(
                             f"  {code}  {EXIT_CODES[code]}" for code in (5, 4, 1, 2, 3, 0)))
    run.add_argument("--target", help="target profile YAML (default: the bundled reference target)")
    run.add_argument("--local", metavar="NAME",
                     help="start this local server and run against it (reference, dot, glewlwyd, keycloak; "
                          "reference:<variant> for a legitimate variant, e.g. reference:no_pkce); "
                          "default when --target is absent: reference")
    run.add_argument("--suite", action="append", help="suite to run (repeatable; default: all)")
    run.add_argument("--check", action="append", metavar="ID",
                     help="run only this check (repeatable); a check with parameters runs all its cases, "
                          "wildcards select among them: 'pkce.verifier_length_bounds[*]', 'id_token.*'")
    noise = run.add_mutually_exclusive_group()
    noise.add_argument("--quiet", "-q", action="store_true",
                       help="no progress lines: only the what-broke block, the totals and where the reports are")
    noise.add_argument("--verbose", "-v", action="store_true",
                       help="progress lines with every finding (requirement, expected, actual) of each check")
    run.add_argument("--report-dir", help="report directory (default: reports/<run id>/, copied to reports/latest/)")
    run.add_argument("--no-allure", action="store_true",
                     help="write no allure-results (results.json, junit.xml and the HTML reports as always): "
                          "for pipelines that do not read Allure, a run takes ~10%% less CPU")
    run.add_argument("--workers", type=int, default=0,
                     help="parallel workers (pytest-xdist); default 0 = two per CPU core, at most 4")
    run.add_argument("-k", dest="keyword", help="only checks matching this pytest -k expression")
    run.add_argument("--certification", "--profile", dest="profile", metavar="NAME",
                     help="certification profile (see `oauth-harness profiles`; not the target profile, that is "
                          "--target): run exactly its checks and judge the run against it")
    run.add_argument("--deviations", help="known-deviations YAML (default: the profile's deviations_file)")
    run.add_argument("--baseline", help="a previous run (directory or results.json) to diff against")
    run.add_argument("--fail-on", choices=["failures", "new"], default="failures",
                     help="exit 1 on any unexpected failure (default) or only on new failures vs. --baseline")
    run.add_argument("--shard", metavar="K/N", help="run shard K of N: a deterministic share of the selected "
                     "checks, balanced by recorded durations (merge the N reports with `oauth-harness merge`)")
    run.add_argument("--durations", metavar="FILE", help="with --shard: balance by the check durations of this "
                     "results.json (default: the reports named in the history beside --report-dir)")
    run.set_defaults(func=cmd_run)
    mrg = sub.add_parser("merge", help="combine the reports of the shards of one run (run --shard K/N) into one")
    mrg.add_argument("run_dirs", nargs="+", metavar="DIR", help="the shards' report directories (or results.json)")
    mrg.add_argument("--report-dir", help="where to write the merged reports (default: reports/<run id>/)")
    mrg.add_argument("--deviations", help="known-deviations YAML to judge staleness over the merged run "
                                          "(default: the file the shards applied)")
    mrg.set_defaults(func=cmd_merge)
    rep = sub.add_parser("report", help="re-render a run's HTML report, or its Allure report (--allure)")
    rep.add_argument("run_dir")
    rep.add_argument("--allure", action="store_true", help="render allure-results to a single-file HTML")
    rep.set_defaults(func=cmd_report)
    dif = sub.add_parser("diff", help="compare two runs: new failures, fixed, changed, added, removed")
    dif.add_argument("old")
    dif.add_argument("new")
    dif.add_argument("--fail-on", choices=["nothing", "new"], default="nothing",
                     help="exit 1 when the new run has failures the old one did not")
    dif.add_argument("--html", help="also write the diff as HTML to this file")
    dif.add_argument("--json", help="also write the diff as JSON to this file")
    dif.set_defaults(func=cmd_diff)
    his = sub.add_parser("history", help="the trend of the last runs of a target (the report's history table)")
    his.add_argument("--target", help="target profile name (default: the target of the latest run in the file)")
    his.add_argument("--file", default=f"reports/{HISTORY_FILE}",
                     help=f"history file (default: reports/{HISTORY_FILE})")
    his.add_argument("--runs", type=int, default=TREND_RUNS, help=f"how many runs (default {TREND_RUNS})")
    his.add_argument("--selection", help="runs of this selection only ('all' = full runs; default: the selection "
                                         "of the target's latest run)")
    his.set_defaults(func=cmd_history)
    srv = sub.add_parser("serve", help="start a local server (reference, dot, glewlwyd, keycloak) until interrupted")
    srv.add_argument("name")
    srv.set_defaults(func=cmd_serve)
    mat = sub.add_parser("matrix", help="render several runs (one per target) side by side")
    mat.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    mat.add_argument("--output", default="reports/matrix", help="directory for matrix.html and matrix.json")
    mat.set_defaults(func=cmd_matrix)
    lst = sub.add_parser("list", help="list suites and checks with their requirement IDs")
    lst.add_argument("--suite", action="append")
    lst.set_defaults(func=cmd_list)
    req = sub.add_parser("requirements", help="print the requirement catalogue (ID, level, quoted sentence, URL)")
    req.add_argument("--json", action="store_true", help="a JSON list of {id, spec, section, level, text, url}")
    req.add_argument("--spec", action="append", metavar="PREFIX", help="only this ID prefix (RFC6749, OIDCC, ...)")
    req.set_defaults(func=cmd_requirements)
    doc = sub.add_parser("documented", help="list the documented settings a profile can state, with the checks "
                                            "that verify each")
    doc.add_argument("--json", action="store_true", help="a JSON list of {key, checks, description}")
    doc.set_defaults(func=cmd_documented)
    dev = sub.add_parser("deviations", help="maintain a known-deviations file")
    dev_sub = dev.add_subparsers(dest="deviations_command", required=True)
    upd = dev_sub.add_parser("update", help="rewrite FILE in the strict form (each entry: check + finding codes) "
                                            "from the results of a run against the target")
    upd.add_argument("file")
    upd.add_argument("--run", required=True, help="the run's report directory (or its results.json)")
    upd.add_argument("--write", action="store_true", help="write FILE in place (default: print it)")
    upd.set_defaults(func=cmd_deviations_update)
    prof = sub.add_parser("profiles", help="list the certification profiles and their requirements")
    prof.add_argument("-v", "--verbose", action="store_true", help="show the check patterns of each requirement")
    prof.add_argument("--coverage", metavar="NAME", help="the OIDF conformance-suite modules profile NAME "
                      "corresponds to, each with the checks that cover it or 'not covered'")
    prof.set_defaults(func=cmd_profiles)
    val = sub.add_parser("validate", help="validate a target profile")
    val.add_argument("profile")
    val.set_defaults(func=cmd_validate)
    sch = sub.add_parser("schema", help="print the target profile JSON Schema")
    sch.set_defaults(func=cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    try:
        return int(args.func(args))
    except BrokenPipeError:  # output piped into head/less that closed early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    except KeyboardInterrupt:
        _err("oauth-harness: interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a harness bug: one clear line, the traceback in a file, never a crash dump
        _err(f"oauth-harness: internal error {type(exc).__name__}: {scrub_text(str(exc))[:300]} "
             f"(a harness bug; traceback in {_write_crash_traceback()}) (exit 4)")
        return EXIT_HARNESS_ERROR


def _write_crash_traceback() -> str:
    """Write the current exception's traceback (credentials masked) to a file; return its path."""
    import tempfile
    import traceback

    text = scrub_text(traceback.format_exc())
    handle, path = tempfile.mkstemp(prefix="oauth-harness-crash-", suffix=".txt")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    return path


if __name__ == "__main__":
    sys.exit(main())
