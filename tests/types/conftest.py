"""One test body for both flavours: ``flavour.run(x)`` awaits ``x`` on the
session's event loop when it is awaitable (async backend/models) and returns it
as is otherwise (sync). ``flavour.model(table, **fields)`` builds an
``ActiveRecord`` or ``AsyncActiveRecord`` class bound to the flavour's backend.

One sync and one async backend (one connection each) serve the whole session.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
from typing import Any, Dict, Optional

import pytest
from psycopg.adapt import PyFormat
from rhosocial.activerecord.backend.impl.postgres import (
    AsyncPostgresBackend,
    PostgresBackend,
    PostgresConnectionConfig,
)
from rhosocial.activerecord.backend.impl.postgres.types import DefaultTypes, Point
from rhosocial.activerecord.backend.options import ExecutionOptions
from rhosocial.activerecord.backend.schema import StatementType
from rhosocial.activerecord.logging.config import LoggingConfig
from rhosocial.activerecord.model import ActiveRecord, AsyncActiveRecord

QUIET = LoggingConfig(default_level=logging.WARNING)
DQL = ExecutionOptions(stmt_type=StatementType.DQL)
_counter = itertools.count()


def wired(connection: Any) -> bool:
    """Did the backend run types.configure_connection on this connection?"""
    try:
        connection.adapters.get_dumper(Point, PyFormat.TEXT)
        return True
    except Exception:
        return False


class Flavour:
    def __init__(self, name: str, backend: Any, loop: Optional[asyncio.AbstractEventLoop], major: int) -> None:
        self.name = name
        self.backend = backend
        self.loop = loop
        self.major = major
        self.is_async = loop is not None

    def __repr__(self) -> str:
        return self.name

    def run(self, value: Any) -> Any:
        if inspect.isawaitable(value):
            return self.loop.run_until_complete(value)
        return value

    def execute(self, sql: str, params: Any = None) -> Any:
        """Raw SQL with psycopg's ``%s`` placeholders."""
        return self.run(self.backend.execute(sql, params))

    def fetch(self, sql: str, params: Any = None) -> list:
        """Raw SELECT with ``%s`` placeholders: a list of dicts."""
        return self.run(self.backend.execute(sql, params, options=DQL)).data

    def table(self, prefix: str, columns: str) -> str:
        name = f"{prefix}_{self.name}_{next(_counter)}"
        self.execute(f'CREATE TABLE "{name}" (id serial PRIMARY KEY, {columns})')
        return name

    def model(self, table: str, annotations: Dict[str, Any], defaults: Optional[Dict[str, Any]] = None) -> type:
        base = AsyncActiveRecord if self.is_async else ActiveRecord
        namespace: Dict[str, Any] = {
            "__table_name__": table,
            "__annotations__": {"id": Optional[int], **annotations},
            "id": None,
            "__module__": __name__,
            "__logging_config__": QUIET,
        }
        for field in annotations:
            namespace[field] = (defaults or {}).get(field)
        cls = type(f"M_{table}", (base,), namespace)
        cls.__backend__ = self.backend
        return cls

    def save(self, record: Any) -> Any:
        self.run(record.save())
        return record

    def all(self, query: Any) -> list:
        return self.run(query.all())

    def one(self, query: Any) -> Any:
        return self.run(query.one())

    def register_types(self, *specs: Any) -> None:
        self.run(self.backend.register_types(*specs))

    @property
    def connection(self) -> Any:
        return self.backend._connection


@pytest.fixture(scope="session")
def types_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def _config(pg_database: Any) -> PostgresConnectionConfig:
    return PostgresConnectionConfig(**pg_database.conn_kwargs())


@pytest.fixture(scope="session")
def sync_flavour(pg_database):
    backend = PostgresBackend(connection_config=_config(pg_database), logging_config=QUIET)
    backend.connect()
    backend.introspect_and_adapt()
    flavour = Flavour("sync", backend, None, pg_database.server.major)
    flavour.wired = wired(backend._connection)
    if not flavour.wired:  # until the backend calls configure_connection (REQUESTS.md #1)
        backend.register_types(DefaultTypes())
    yield flavour
    backend.disconnect()


@pytest.fixture(scope="session")
def async_flavour(pg_database, types_loop):
    backend = AsyncPostgresBackend(connection_config=_config(pg_database), logging_config=QUIET)
    types_loop.run_until_complete(backend.connect())
    types_loop.run_until_complete(backend.introspect_and_adapt())
    flavour = Flavour("async", backend, types_loop, pg_database.server.major)
    flavour.wired = wired(backend._connection)
    if not flavour.wired:
        types_loop.run_until_complete(backend.register_types(DefaultTypes()))
    yield flavour
    types_loop.run_until_complete(backend.disconnect())


@pytest.fixture(params=["sync", "async"])
def db(request) -> Flavour:
    return request.getfixturevalue(f"{request.param}_flavour")


@pytest.fixture
def major(pg_database) -> int:
    return pg_database.server.major
