"""Pure checks, one module per specification.

Every check takes data the harness already observed (parameters, status codes, header
lists, JSON bodies, decoded tokens), performs no I/O, takes an injectable ``now`` where
time matters, and either returns (possibly a useful value) or raises
:class:`harness.results.CheckFailed` carrying findings with a stable ``code`` and a
requirement ID from :mod:`harness.specs.registry`.
"""
