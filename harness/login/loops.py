"""Redirect loops on the user agent's way are the target's fault, reported as a failed finding.

A user agent that follows the target's redirects and is sent round in a circle (A → B → A), or
down a chain longer than any browser follows, never reaches the client: the target did not
deliver the authorization response (RFC 6749 §4.1.2) or finish the device verification pages
(RFC 8628 §3.3). RFC 9110 §15.4 tells the user agent to stop: "A client SHOULD detect and
intervene in cyclical redirections (i.e., "infinite" redirection loops)." and notes that "some
clients might implement such a fixed limitation" as five redirections. So the drivers stop and
report a finding with the rule the target broke — not a harness error, not a login problem of
the profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.redaction import redact_url
from harness.results import CheckFailed, fail

__all__ = ["MAX_REDIRECTS", "RedirectChain", "redirect_loop"]

#: Consecutive redirects without a page in between after which the chain counts as a loop
#: (browsers stop at about 20, RFC 9110 §15.4 recalls a limit of five; 10 is well past both uses).
MAX_REDIRECTS = 10


def redirect_loop(chain: list[str], *, code: str, requirement: str, what: str) -> CheckFailed:
    """The failure for a redirect cycle (or an endless chain) the target sent the user agent along."""
    shown = [redact_url(url) for url in chain]
    cyclic = len(chain) > 1 and chain[-1] in chain[:-1]
    shape = "in a cycle" if cyclic else f"through {len(chain) - 1} redirects without a page"
    return fail(code, f"the target redirected the user agent {shape}, so {what} was never reached "
                f"(RFC 9110 §15.4: a user agent stops cyclical redirections)", requirement,
                expected=what, actual=" -> ".join(shown[-(MAX_REDIRECTS + 1):]))


@dataclass
class RedirectChain:
    """The redirects followed since the last page; raises when they loop.

    ``code``/``requirement``/``what`` name the finding: ``AUTHORIZATION_REDIRECT_LOOP`` /
    ``RFC6749-4.1.2`` / "the authorization response" on the authorization pages,
    ``DEVICE_VERIFICATION_REDIRECT_LOOP`` / ``RFC8628-3.3`` on the device verification pages.
    """

    code: str = "AUTHORIZATION_REDIRECT_LOOP"
    requirement: str = "RFC6749-4.1.2"
    what: str = "the authorization response"
    limit: int = MAX_REDIRECTS
    urls: list[str] = field(default_factory=list)
    hops: int = 0

    def hop(self, from_url: str, to_url: str, *, method: str = "GET") -> None:
        """Record a redirect ``method from_url`` → ``GET to_url``; raise :class:`CheckFailed` on a loop.

        A loop is a URL fetched twice with GET within one chain of redirects, or a chain of more
        than ``limit`` redirects. A form POST answered with a redirect to its own URL (post /
        redirect / get) is no cycle: only GET requests enter the chain.
        """
        if not self.urls and method.upper() == "GET":
            self.urls.append(from_url)
        self.hops += 1
        seen = to_url in self.urls
        self.urls.append(to_url)
        if seen or self.hops > self.limit:
            raise redirect_loop(self.urls, code=self.code, requirement=self.requirement, what=self.what)

    def page(self) -> None:
        """A page (not a redirect) was shown: the chain starts afresh."""
        self.urls.clear()
        self.hops = 0
