"""Servers the harness can start on loopback by name.

The bundled reference target and the real, independent implementations used for
interoperability runs.

Each launcher starts its server from a clean state, exports the variables its
``profile.yaml`` references (``env``) and stops cleanly. ``oauth-harness run --local NAME``
starts one, runs the suites against it and stops it; ``oauth-harness serve NAME`` keeps it
running until interrupted. ``NAME:VARIANT`` starts a named variant of a server that has them:
``reference:no_pkce`` is the bundled target configured as a legitimate, spec-permitted variant
(``fixtures/reference_target/variants/``).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class LocalServer(Protocol):
    """A started local server."""

    @property
    def env(self) -> Mapping[str, str]:
        """The variables its profile reads (read-only here, so a launcher's ``dict`` satisfies it)."""
        ...

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
    variant_starter: str | None = None  # callable(variant name) -> LocalServer, for NAME:VARIANT
    variant_lister: str | None = None  # callable() -> list of variant names


LOCAL_TARGETS: dict[str, LocalTargetSpec] = {
    spec.name: spec for spec in (
        LocalTargetSpec("reference", "harness.reference_target", "start_default",
                        "node oidc-provider 9.13 with every feature on (npm; fixtures/reference_target)",
                        variant_starter="start_variant", variant_lister="variant_names"),
        LocalTargetSpec("dot", "harness.interop.dot", "start",
                        "django-oauth-toolkit on gunicorn (PyPI; fixtures/dot_target)"),
        LocalTargetSpec("glewlwyd", "harness.interop.glewlwyd", "start",
                        "Glewlwyd 2.7 (Debian package; fixtures/glewlwyd_target)"),
        LocalTargetSpec("keycloak", "harness.interop.keycloak", "start",
                        "Keycloak 26.5 (Maven Central distribution; fixtures/keycloak_target)"),
    )
}


class UnknownLocalTarget(ValueError):
    """No launcher has that name."""


def resolve(name: str) -> tuple[LocalTargetSpec, str | None]:
    """The launcher spec and variant of ``NAME`` or ``NAME:VARIANT``.

    Raises:
        UnknownLocalTarget: no such server, or it has no such variant.
    """
    base, _, variant = name.partition(":")
    spec = LOCAL_TARGETS.get(base)
    if spec is None:
        raise UnknownLocalTarget(f"no local target called {base!r}; known: {', '.join(sorted(LOCAL_TARGETS))}")
    if not variant:
        return spec, None
    if spec.variant_starter is None or spec.variant_lister is None:
        raise UnknownLocalTarget(f"the local target {base!r} has no variants")
    known = list(getattr(importlib.import_module(spec.module), spec.variant_lister)())
    if variant not in known:
        raise UnknownLocalTarget(f"{base!r} has no variant {variant!r}; known: {', '.join(known)}")
    return spec, variant


def describe(name: str) -> str:
    """One line about ``NAME`` or ``NAME:VARIANT`` (for progress messages)."""
    spec, variant = resolve(name)
    return spec.description + (f", variant {variant}" if variant else "")


def start(name: str) -> LocalServer:
    """Start the named local server (``NAME`` or ``NAME:VARIANT``) and wait until it answers."""
    spec, variant = resolve(name)
    module = importlib.import_module(spec.module)
    if variant is not None:
        assert spec.variant_starter is not None  # resolve() checked it
        started: LocalServer = getattr(module, spec.variant_starter)(variant)
        return started
    server: LocalServer = getattr(module, spec.starter)()
    return server
