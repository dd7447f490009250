"""In-process runs of chosen checks against a running reference target, with an edited copy of its profile.

For tests that prove a check the bundled profile leaves skipped (a documented setting it does not
state, a client marked otherwise): :func:`profile_copy` writes the reference profile with one edit,
:func:`run_checks` runs the selected checks against it with defects and runtime settings active
(both reset afterwards) and returns the records by check id. :func:`exported_env` exports a
target's ``REFTARGET_*`` variables while it runs.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli import SUITES_DIR, SUITES_INI
from harness.reference_target import RunningTarget

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "reference_target"


@contextmanager
def exported_env(running: RunningTarget) -> Iterator[RunningTarget]:
    """Export the target's ``REFTARGET_*`` variables (its profile references them); restore them after."""
    saved = {k: os.environ.get(k) for k in running.env}
    os.environ.update(running.env)
    try:
        yield running
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def profile_copy(tmp_path: Path, name: str, edit: Callable[[dict[str, Any]], None]) -> Path:
    """The reference profile (with its deviations file) changed by ``edit``, written to ``tmp_path/name.yaml``."""
    data: dict[str, Any] = yaml.safe_load((REFERENCE_DIR / "profile.yaml").read_text())
    data["deviations_file"] = str(REFERENCE_DIR / "deviations.yaml")
    edit(data)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def run_checks(running: RunningTarget, profile: Path, report_dir: Path, *, suites: Sequence[str], keyword: str,
               defects: Sequence[str] = (), settings: Mapping[str, bool] | None = None) -> dict[str, dict[str, Any]]:
    """Run the checks of ``suites`` matching ``keyword`` (pytest ``-k``); the records by check id.

    ``defects`` and ``settings`` (runtime settings of the reference target) are active during the
    run only; settings are switched off again afterwards.
    """
    args = ["-c", str(SUITES_INI), "--rootdir", str(SUITES_DIR.parent), "-q", "-p", "no:cacheprovider",
            "-p", "no:xdist", "--target", str(profile), "--report-dir", str(report_dir),
            "-W", "ignore::pytest.PytestAssertRewriteWarning", "--alluredir", str(report_dir / "allure-results"),
            *(str(SUITES_DIR / suite) for suite in suites), "-k", keyword]
    if settings:
        running.set_settings(**settings)
    running.set_defects(list(defects))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pytest.main(args)
    finally:
        running.set_defects([])
        if settings:
            running.set_settings(**{name: False for name in settings})
    document = json.loads((report_dir / "results.json").read_text())
    return {c["id"]: c for c in document["checks"]}
