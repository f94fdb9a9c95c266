"""Plug the official backend suite (rhosocial-activerecord-testsuite) into our tests.

- Points TESTSUITE_PROVIDER_REGISTRY at our providers before any suite module reads it.
- Re-exports the suite's root conftest hooks (--scenarios, markers) and the benchmark options
  (--benchmark-size, --fastapi-concurrent-rounds); suite conftest fixtures reach the tests through
  the bridge files (make_bridges.py).
- Runs the suite's async fixtures and tests under pytest-asyncio's auto mode: the suite declares
  async fixtures with plain ``@pytest.fixture``.
- Hands the harness's session database (tests/harness: ``pg_database``) to the providers.

Run: pytest tests/suite -p no:randomly -q   (add --pg-major N / --pg-provider for another server)
"""

from __future__ import annotations

import os

os.environ["TESTSUITE_PROVIDER_REGISTRY"] = "tests.suite.providers.registry:provider_registry"

import pytest  # noqa: E402
from rhosocial.activerecord.testsuite import conftest as _suite_root  # noqa: E402
from rhosocial.activerecord.testsuite.benchmark import conftest as _suite_bench  # noqa: E402

from .providers import scenarios as _scenarios  # noqa: E402


def pytest_addoption(parser):
    _suite_root.pytest_addoption(parser)
    _suite_bench.pytest_addoption(parser)


def pytest_configure(config):
    _suite_root.pytest_configure(config)
    # used by the suite's join tests but not registered by it (fails under --strict-markers)
    config.addinivalue_line("markers", "requires_inner_join: the test needs INNER JOIN support")
    # The suite's async fixtures are plain @pytest.fixture coroutines: they need auto mode.
    config.option.asyncio_mode = "auto"


def pytest_sessionstart(session):
    _suite_root.pytest_sessionstart(session)


@pytest.fixture(scope="session", autouse=True)
def _suite_database(pg_database):
    """Every suite test runs against the harness's session database."""
    _scenarios.set_connection(pg_database.conn_kwargs())
    yield pg_database
    from .providers import schema

    schema.close()
