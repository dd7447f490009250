"""Servers the harness can start on loopback by name.

The bundled reference target and the real, independent implementations used for
interoperability runs.

Each launcher starts its server from a clean state, exports the variables its
``profile.yaml`` references (``env``) and stops cleanly. ``oauth-harness run --local NAME``
starts one, runs the suites against it and stops it; ``oauth-harness serve NAME`` keeps it
running until interrupted.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class LocalServer(Protocol):
    """A started local server."""

    env: Mapping[str, str]

    def profile_path(self) -> Path:
        """The target profile that describes this server."""
        ...

    def server_version(self) -> str:
        """Product and version, e.g. ``oidc-provider 9.13.3``."""
        ...

    def stop(self) -> None:
        """Stop the server and remove its temporary state."""
        ...


@dataclass(frozen=True)
class LocalTargetSpec:
    """Where a launcher lives: ``module:callable`` returning a started :class:`LocalServer`."""

    name: str
    module: str
    starter: str
    description: str


LOCAL_TARGETS: dict[str, LocalTargetSpec] = {
    spec.name: spec for spec in (
        LocalTargetSpec("reference", "harness.reference_target", "start_default",
                        "node oidc-provider 9.13 with every feature on (npm; fixtures/reference_target)"),
        LocalTargetSpec("dot", "harness.interop.dot", "start",
                        "django-oauth-toolkit on gunicorn (PyPI; fixtures/dot_target)"),
        LocalTargetSpec("glewlwyd", "harness.interop.glewlwyd", "start",
                        "Glewlwyd 2.7 (Debian package; fixtures/glewlwyd_target)"),
    )
}


class UnknownLocalTarget(ValueError):
    """No launcher has that name."""


def start(name: str) -> LocalServer:
    """Start the named local server and wait until it answers."""
    spec = LOCAL_TARGETS.get(name)
    if spec is None:
        raise UnknownLocalTarget(f"no local target called {name!r}; known: {', '.join(sorted(LOCAL_TARGETS))}")
    module = importlib.import_module(spec.module)
    server: LocalServer = getattr(module, spec.starter)()
    return server
