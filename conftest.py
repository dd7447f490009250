"""Root conftest: the harness plugin is registered through the ``pytest11`` entry point.

Nothing here: suites get their fixtures from ``harness.pytest_plugin``; the harness's own
tests have fixtures in ``tests/conftest.py``.
"""
