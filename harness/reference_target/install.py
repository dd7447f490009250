"""Where the reference target lives and its npm installation (``npm ci``)."""

from __future__ import annotations

import fcntl
import re
import shutil
import subprocess
from pathlib import Path

__all__ = ["FIXTURE_DIR", "PROFILE_PATH", "SERVER_SCRIPT", "ReferenceTargetError", "ensure_installed"]

FIXTURE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "reference_target"
SERVER_SCRIPT = FIXTURE_DIR / "server.mjs"
PROFILE_PATH = FIXTURE_DIR / "profile.yaml"
_PACKAGE_LOCK = FIXTURE_DIR / "package-lock.json"
_INSTALL_STAMP = FIXTURE_DIR / "node_modules" / ".package-lock.json"
_INSTALL_LOCK = FIXTURE_DIR / ".install.lock"
_MIN_NODE_MAJOR = 20


class ReferenceTargetError(RuntimeError):
    """The reference target could not be installed, started or controlled."""



def _node_major(node: str) -> int:
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=False)
    match = re.match(r"v(\d+)\.", out.stdout.strip())
    if out.returncode != 0 or match is None:
        raise ReferenceTargetError(f"cannot determine the Node.js version ({node} --version: {out.stdout!r})")
    return int(match.group(1))


def _install_current() -> bool:
    try:
        return (
            (FIXTURE_DIR / "node_modules" / "oidc-provider" / "package.json").is_file()
            and _INSTALL_STAMP.stat().st_mtime >= _PACKAGE_LOCK.stat().st_mtime
        )
    except FileNotFoundError:
        return False


def ensure_installed() -> None:
    """Install the fixture's npm dependencies with ``npm ci`` unless they are current.

    ``node_modules`` counts as current when npm's hidden lockfile inside it is not older than
    ``package-lock.json``. A file lock serialises parallel callers (pytest-xdist workers).

    Raises:
        ReferenceTargetError: node or npm is missing or too old, or ``npm ci`` failed.
    """
    node = shutil.which("node")
    if node is None:
        raise ReferenceTargetError(
            f"node is not on PATH; the reference target needs Node.js >= {_MIN_NODE_MAJOR}")
    major = _node_major(node)
    if major < _MIN_NODE_MAJOR:
        raise ReferenceTargetError(f"Node.js {major} is too old; the reference target needs >= {_MIN_NODE_MAJOR}")
    if _install_current():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ReferenceTargetError("npm is not on PATH; it is needed once to install the reference target")
    with open(_INSTALL_LOCK, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _install_current():
                return
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=FIXTURE_DIR, capture_output=True, text=True, timeout=600, check=False,
            )
            if result.returncode != 0:
                tail = (result.stderr or result.stdout).strip()[-2000:]
                raise ReferenceTargetError(f"npm ci failed in {FIXTURE_DIR} (exit {result.returncode}):\n{tail}")
            _INSTALL_STAMP.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
