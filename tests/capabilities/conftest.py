"""What the server-run capability tests share."""

from __future__ import annotations

import logging

import pytest
from rhosocial.activerecord.backend.impl.postgres import PostgresBackend, PostgresConnectionConfig
from rhosocial.activerecord.logging.config import LoggingConfig


@pytest.fixture(scope="module")
def adapted_backend(pg_database):
    """A connected sync backend whose dialect knows the server's version (introspect_and_adapt),
    one per test module."""
    backend = PostgresBackend(connection_config=PostgresConnectionConfig(**pg_database.conn_kwargs()),
                              logging_config=LoggingConfig(default_level=logging.WARNING))
    backend.connect()
    backend.introspect_and_adapt()
    yield backend
    backend.disconnect()
