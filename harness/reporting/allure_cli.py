"""Render a run's ``allure-results`` to one offline HTML file with the Allure command line."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

LOCAL_ALLURE = Path(__file__).resolve().parents[2] / ".tools" / "allure" / "node_modules" / ".bin" / "allure"

HOW_TO_GET_ALLURE = (
    "the Allure command line is not installed. From the project: `make allure` (npm + Java 11+), or:\n"
    "  npm install --prefix ~/.local/allure allure-commandline && export PATH=~/.local/allure/node_modules/.bin:$PATH\n"
    "or point ALLURE=/path/to/allure at an existing install, then run this command again.\n"
    "The raw results stay usable as they are: allure-results/ in the run directory.")


def find_allure() -> str | None:
    """The Allure executable: ``$ALLURE``, ``allure`` on the PATH, or the project's ``make allure`` install."""
    explicit = os.environ.get("ALLURE")
    if explicit and Path(explicit).exists():
        return explicit
    return shutil.which("allure") or (str(LOCAL_ALLURE) if LOCAL_ALLURE.exists() else None)


def render_allure(run_dir: Path, *, out: Callable[[str], None], err: Callable[[str], None]) -> int:
    """``allure generate --single-file`` into ``<run_dir>/allure-report/index.html``; 0 on success."""
    results = run_dir / "allure-results"
    if not results.is_dir() or not any(results.iterdir()):
        err(f"oauth-harness: {results} has no Allure results (a run made by `oauth-harness run` without "
            "--no-allure writes them)")
        return 2
    executable = find_allure()
    if executable is None:
        err(f"oauth-harness: {HOW_TO_GET_ALLURE}")
        return 2
    target = run_dir / "allure-report"
    env = {**os.environ, "ALLURE_NO_ANALYTICS": "true"}  # no tracking beacon in an offline report
    done = subprocess.run([executable, "generate", "--single-file", str(results), "-o", str(target), "--clean"],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    if done.returncode != 0:
        err(f"oauth-harness: allure generate failed: {done.stderr.strip()[-800:]}")
        return 2
    out(f"wrote {target / 'index.html'}")
    return 0
