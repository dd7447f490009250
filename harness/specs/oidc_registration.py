"""OpenID Connect Dynamic Client Registration 1.0 and pairwise subjects (OIDC Core §8.1)."""

from __future__ import annotations

from harness.results import Level, fail

__all__ = ["check_pairwise_sectors_differ", "check_sector_shared"]


def check_pairwise_sectors_differ(sub_first: str, sub_second: str) -> None:
    """Two pairwise clients of different sectors get different subs for one user.

    OIDC Core §8.1: "When pairwise Subject Identifiers are used, the OpenID Provider MUST calculate a
    unique sub (subject) value for each Sector Identifier."

    The two subs are of the same user, for two pairwise clients whose redirect URI hosts and
    sector_identifier_uri hosts both differ, so they are of different sectors whichever host the
    server takes.
    """
    if sub_first == sub_second:
        raise fail("PAIRWISE_SUB_SHARED", "two pairwise clients of different sectors got the same sub for one user",
                   "OIDCC-8.1", expected="a different sub per sector", actual="the same sub")


def check_sector_shared(sub_first: str, sub_second: str) -> None:
    """Two pairwise clients sharing a sector_identifier_uri get one sub (SHOULD).

    OIDC Registration §5: "Providers that use pairwise sub (subject) values SHOULD utilize the
    sector_identifier_uri value provided in the Subject Identifier calculation for pairwise
    identifiers."

    The two clients share one sector_identifier_uri (and its host) but register redirect URIs on
    different hosts: a server that calculates with the sector identifier gives them one sub.
    """
    if sub_first != sub_second:
        raise fail("PAIRWISE_SECTOR_IGNORED", "two pairwise clients sharing a sector_identifier_uri got different "
                   "subs for one user", "OIDCR-5-sector", expected="the same sub", actual="different subs",
                   level=Level.SHOULD)
