"""Fixtures for the DDL tests: every statement is built from expressions, formatted by
the dialect, and run on the session's real server through ``PostgresBackend``.

``ddl`` is a small helper bound to one fresh schema (first on the search_path):
``ddl.run(expr)`` formats, checks there are no bind parameters (the server takes
none in DDL), executes and returns the SQL text; ``ddl.rows(sql)`` fetches rows.
Gates are read from ``ddl.major`` (the real server's version, told to the dialect
by ``introspect_and_adapt``).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import pytest
from rhosocial.activerecord.backend.impl.postgres import PostgresBackend, PostgresConnectionConfig
from rhosocial.activerecord.backend.impl.postgres.expressions import CreateExtensionExpression
from rhosocial.activerecord.logging.config import LoggingConfig

from tests.gates import require_extension

QUIET = LoggingConfig(default_level=logging.WARNING)


@pytest.fixture(scope="module")
def backend(pg_database):
    instance = PostgresBackend(connection_config=PostgresConnectionConfig(**pg_database.conn_kwargs()),
                               logging_config=QUIET)
    instance.connect()
    instance.introspect_and_adapt()
    yield instance
    instance.disconnect()


class DDL:
    def __init__(self, backend: PostgresBackend, schema: str):
        self.backend = backend
        self.schema = schema
        self.d = backend.dialect
        self.major = backend.dialect.version[0]

    def sql(self, expr: Any) -> str:
        sql, params = expr.to_sql()
        assert params == (), f"DDL must carry no bind parameters: {sql!r} {params!r}"
        return sql

    def run(self, expr: Any) -> str:
        sql = expr if isinstance(expr, str) else self.sql(expr)
        self.backend.execute(sql)
        return sql

    def rows(self, sql: str, params: tuple = ()) -> list:
        return self.backend.fetch_all(sql, params)

    def value(self, sql: str, params: tuple = ()) -> Any:
        row = self.backend.fetch_one(sql, params)
        return None if row is None else next(iter(row.values()))

    def extension(self, name: str) -> None:
        """Create ``name`` in public. Skips only when the server does not ship the extension
        (decided from pg_available_extensions first); any error of the CREATE itself fails."""
        require_extension(self.backend.config.conninfo(), name)
        self.run(CreateExtensionExpression(self.d, name, schema="public"))
        self.backend.introspect_and_adapt()  # the dialect learns the extension


@pytest.fixture
def ddl(backend):
    schema = f"ddl_{secrets.token_hex(4)}"
    backend.execute(f'CREATE SCHEMA "{schema}"')
    backend.execute(f'SET search_path TO "{schema}", public')
    yield DDL(backend, schema)
    if backend.in_transaction:
        backend.transaction_manager.rollback()
    backend.execute("SET search_path TO DEFAULT")
    backend.execute(f'DROP SCHEMA "{schema}" CASCADE')
