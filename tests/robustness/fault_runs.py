"""One full ``oauth-harness run`` against the reference target with one endpoint faulted mid-run, and its verdicts.

Shared by the robustness test (a selection of faults) and ``bench/fault_matrix.py`` (every fault at
every endpoint, with wall time and peak memory). The judgement is the issue's proof, per run:

* the run ends within the run deadline + 10 s, with ``results.json``, ``junit.xml`` and ``index.html``;
* the console has no Python traceback, and the exit code is the table's (never 4: the target broke);
* no check passes that received a faulted answer (an exchange to the faulted path that carries
  ``X-Fault-Injected`` or got no answer at all) — except where the fault is harmless by itself
  (an echo, a 503 on an idempotent GET that the harness retried);
* a broken check blames the network (``broken_by: network``), never the harness or the profile;
* no credential the harness registered appears in any report file or on the console.
"""

from __future__ import annotations

import fnmatch
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.reference_target import RunningTarget

ROOT = Path(__file__).resolve().parents[2]

ENDPOINTS: dict[str, tuple[str, list[str]]] = {
    # name -> (path the fault applies to, the suites that use that endpoint)
    "discovery": ("/.well-known/openid-configuration", ["discovery", "token_endpoint"]),
    "jwks": ("/jwks", ["discovery", "id_token"]),
    "authorization": ("/auth*", ["authorization_code", "pkce"]),
    "token": ("/token", ["token_endpoint", "pkce", "refresh"]),
    "par": ("/request", ["par"]),
    "introspection": ("/token/introspection", ["introspection"]),
    "revocation": ("/token/revocation", ["revocation"]),
    "device_authorization": ("/device/auth", ["device"]),
    "backchannel_authentication": ("/backchannel", ["ciba"]),
    "userinfo": ("/me", ["userinfo"]),
}
"""The endpoints a fault can be put on. ``*`` makes the path a prefix (``/auth`` and the resume ``/auth/<uid>``)."""

REDIRECT_MODES = ("offhost_http", "offhost_https", "offhost_chained", "redirect_loop")
"""Faults of the authorization response itself: meaningful at the authorization endpoint only."""

JSON_BODY_MODES = ("badjson", "nanjson", "wrongtype", "plaintext")
"""Faults that rewrite a JSON answer: meaningless where the answers are redirects (the authorization endpoint)."""


def applies(endpoint: str, mode: str) -> bool:
    """Whether ``mode`` means something at ``endpoint`` (the matrix leaves the other pairs out)."""
    if mode in REDIRECT_MODES:
        return endpoint == "authorization"
    return not (mode in JSON_BODY_MODES and endpoint == "authorization")


HARMLESS = {"echo"}
"""Faults that break no rule by themselves: checks may pass through them (they prove the redaction)."""

BODY_IGNORED = {"revocation": {"html", "badjson", "deepjson", "nanjson", "wrongtype", "plaintext"},
                "jwks": {"wrongtype"}}
"""Where the answer's body carries nothing: RFC 7009 §2.2 "The content of the response body is ignored by
the client as all necessary information is conveyed in the response code" — a 200 with a garbage body
is still a successful revocation. And no sentence fixes the JWK Set's media type (RFC 7517 §8.5 only
registers application/jwk-set+json): a JWK Set labelled text/plain is still a JWK Set."""

PAGE_MODES = ("html", "deepjson")
"""Faults that answer the authorization endpoint with a 200 page instead of redirecting."""

PASS_ON_A_PAGE = frozenset({
    "authorization_code.unregistered_redirect_uri_refused",
    "authorization_code.redirect_uri_with_added_query_refused",
    "authorization_code.redirect_uri_with_changed_path_refused",
})
"""Checks that a page answering the request honours: RFC 6749 §4.1.2.1, the server "SHOULD inform the
resource owner of the error and MUST NOT automatically redirect the user-agent to the invalid
redirection URI" — a 200 page that does not send the user agent there meets the MUST."""

BODY_MODES = ("badjson", "nanjson", "wrongtype", "plaintext", "echo")
STATUS_JUDGED = {"par.non_post_refused": BODY_MODES, "userinfo.*_refused*": BODY_MODES,
                 "userinfo.query_token": BODY_MODES}
"""Checks (fnmatch patterns) whose rule shows in the status and headers alone, which these body faults
keep: RFC 9126 §2.1 makes the PAR endpoint accept only POST — a GET answered 4xx is refused whatever
the body says; RFC 6750 §3 puts a refusal in the status and the ``WWW-Authenticate`` header."""

RETRIED_GET_PATHS = {"/.well-known/openid-configuration", "/jwks"}
"""Idempotent GETs the harness retries: a check may pass after a flaky 503 there."""

PEAK_MARK = "FAULT_RUN_PEAK_RSS_KIB "
"""The child prints its peak resident set (itself and its xdist workers, in KiB) after this mark."""

DEADLINE_S = 60.0
EXCHANGE_S = 1.0

TIMEOUT_MODES = frozenset({"hang", "trickle_head", "trickle_body"})
"""Faults that end every exchange to the endpoint by the exchange deadline: their runs are bound by the
timeouts, which two workers wait side by side (and they keep the xdist path of the run under a fault)."""


def workers_for(mode: str) -> int:
    """Workers for a test run of a few suites: one (the CLI's own choice for fewer than four suites, where
    starting workers costs more than it saves), two where the timeouts of ``mode`` bound the run."""
    return 2 if mode in TIMEOUT_MODES else 1


@dataclass
class FaultRun:
    """What one faulted run produced and what is wrong with it (``problems`` empty = the proof holds)."""

    endpoint: str
    mode: str
    exit_code: int
    elapsed_s: float
    peak_rss_mib: float
    outcomes: dict[str, int]
    faulted_answers: int
    problems: list[str] = field(default_factory=list)


def fault_profile(running: RunningTarget, directory: Path, *, deadline_s: float = DEADLINE_S,
                  max_response_bytes: int | None = None) -> Path:
    """The reference profile with short timeouts and a run deadline, and no deviations file."""
    document: dict[str, Any] = yaml.safe_load(running.profile_path().read_text())
    document["timeouts"] = {"connect": 2, "read": EXCHANGE_S, "exchange": EXCHANGE_S}
    document.setdefault("limits", {})["run_deadline_s"] = deadline_s
    if max_response_bytes:
        document["limits"]["max_response_bytes"] = max_response_bytes
    document.pop("deviations_file", None)
    path = directory / "faulted-profile.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def run_with_fault(running: RunningTarget, endpoint: str, mode: str, directory: Path, *,
                   workers: int = 2, keyword: str | None = None, deadline_s: float = DEADLINE_S,
                   max_response_bytes: int | None = None) -> FaultRun:
    """Fault ``endpoint`` with ``mode``, run its suites through the CLI in a child process, judge the result."""
    path, suites = ENDPOINTS[endpoint]
    directory.mkdir(parents=True, exist_ok=True)
    profile = fault_profile(running, directory, deadline_s=deadline_s, max_response_bytes=max_response_bytes)
    report = directory / "report"
    dump = directory / "credentials.txt"
    argv = ["run", "--target", str(profile), "--report-dir", str(report), "--workers", str(workers)]
    for suite in suites:
        argv += ["--suite", suite]
    if keyword:
        argv += ["-k", keyword]
    code = ("import resource, sys\nfrom harness.cli import main\n"
            f"code = main({argv!r})\n"
            "usage = [resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]\n"
            f"print({PEAK_MARK!r} + str(max(usage)))\nsys.exit(code)\n")
    env = {**os.environ, **running.env, "OAUTH_HARNESS_DEBUG_CREDENTIALS_FILE": str(dump)}
    running.set_faults({path: mode})
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        console, _ = proc.communicate(timeout=deadline_s + 60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        console, _ = proc.communicate()
    finally:
        faulted = running.faulted()
        running.set_faults({})
    elapsed = time.monotonic() - started
    peak_kib = [int(line.removeprefix(PEAK_MARK)) for line in console.splitlines() if line.startswith(PEAK_MARK)]
    console = "\n".join(line for line in console.splitlines() if not line.startswith(PEAK_MARK))
    (directory / "console.txt").write_text(console)
    peak = (peak_kib[0] if peak_kib else 0) / 1024
    result = FaultRun(endpoint=endpoint, mode=mode, exit_code=proc.returncode, elapsed_s=round(elapsed, 1),
                      peak_rss_mib=round(peak, 1), outcomes={}, faulted_answers=sum(faulted.values()))
    _judge(result, path, report, console, dump, deadline_s)
    return result


def _judge(result: FaultRun, path: str, report: Path, console: str, dump: Path, deadline_s: float) -> None:
    problems = result.problems
    if result.elapsed_s > deadline_s + 10:
        problems.append(f"the run took {result.elapsed_s:.0f}s (deadline {deadline_s:.0f}s + 10s)")
    for name in ("results.json", "junit.xml", "index.html"):
        if not (report / name).is_file():
            problems.append(f"no {name}")
    if "Traceback (most recent call last)" in console:
        problems.append("a Python traceback on the console")
    harmless = _harmless(result.endpoint, result.mode)
    if result.exit_code not in ((0, 1, 3, 5) if harmless else (1, 3, 5)):
        problems.append(f"exit code {result.exit_code} (a target fault exits 1, 3 or 5; never 2 or 4)")
    if not (report / "results.json").is_file():
        return
    document = json.loads((report / "results.json").read_text())
    checks = document["checks"]
    result.outcomes = {k: v for k, v in document["summary"].items() if k in
                       ("passed", "failed", "warning", "skipped", "broken", "review", "known")}
    if result.faulted_answers == 0:
        problems.append("the fault was never triggered (no check used the endpoint)")
    for check in checks:
        if check["outcome"] == "broken" and check.get("broken_by") != "network":
            problems.append(f"{check['id']}: broken by {check.get('broken_by')}, not the network: "
                            f"{check['message'][:160]}")
        on_a_page = result.endpoint == "authorization" and result.mode in PAGE_MODES and check["id"] in PASS_ON_A_PAGE
        legitimate = on_a_page or any(fnmatch.fnmatchcase(check["id"], pattern) and result.mode in modes
                                      for pattern, modes in STATUS_JUDGED.items())
        if check["outcome"] == "passed" and not harmless and not legitimate and _received_fault(check, path):
            problems.append(f"{check['id']} passed although it received the faulted answer")
    problems += _leaks(report, console, dump)


def _matches(url: str, path: str) -> bool:
    target = url.split("?", 1)[0].split("#", 1)[0]
    target_path = "/" + target.split("://", 1)[-1].split("/", 1)[-1] if "://" in target else target
    if path.endswith("*"):
        return target_path.startswith(path[:-1])
    return target_path == path


def _harmless(endpoint: str, mode: str) -> bool:
    """Whether checks may legitimately pass through this fault at this endpoint."""
    path = ENDPOINTS[endpoint][0]
    return (mode in HARMLESS or (mode == "flaky503" and path in RETRIED_GET_PATHS)
            or mode in BODY_IGNORED.get(endpoint, set()))


def _received_fault(check: dict[str, Any], path: str) -> bool:
    """Whether the check's evidence shows an answer the fault changed (or no answer) from the faulted path."""
    for exchange in check["evidence"].get("exchanges", []):
        if not _matches(exchange["request"]["url"], path):
            continue
        response = exchange.get("response")
        if response is None or "x-fault-injected" in {name.lower() for name, _value in response["headers"]}:
            return True
    return False


def _leaks(report: Path, console: str, dump: Path) -> list[str]:
    if not dump.is_file():
        return ["no credential dump was written (OAUTH_HARNESS_DEBUG_CREDENTIALS_FILE)"]
    values = {v for v in (json.loads(line) for line in dump.read_text().splitlines() if line) if len(v) >= 8}
    found = []
    sources = [(p, p.read_text(errors="replace")) for p in report.rglob("*") if p.is_file()]
    sources.append((Path("<console>"), console))
    for source, text in sources:
        hits = [v[:6] + "..." for v in values if v in text]
        if hits:
            found.append(f"credential value(s) {hits[:3]} in {source.name}")
    return found
