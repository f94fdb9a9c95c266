"""Fixtures that run one test body against both flavours.

Tests are written once, as coroutines, against ``db``: for the async flavour
it is the ``AsyncPostgresBackend`` itself; for the sync flavour a thin proxy
around ``PostgresBackend`` whose methods return awaitables, so ``await
db.execute(...)`` and ``async with db.transaction_manager:`` work for both.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from typing import Any

import psycopg
import pytest
import pytest_asyncio
from rhosocial.activerecord.backend.options import ExecutionOptions
from rhosocial.activerecord.backend.schema import StatementType
from rhosocial.activerecord.logging.config import LoggingConfig

from rhosocial.activerecord.backend.impl.postgres import (
    AsyncPostgresBackend,
    PostgresBackend,
    PostgresConnectionConfig,
)

DQL = ExecutionOptions(stmt_type=StatementType.DQL)
DML = ExecutionOptions(stmt_type=StatementType.DML)
QUIET = LoggingConfig(default_level=logging.WARNING)


class AwaitableProxy:
    """Wrap a sync object so that calls can be awaited and contexts entered with ``async with``."""

    def __init__(self, target: Any) -> None:
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if callable(value) and not inspect.isclass(value):
            def call(*args: Any, **kwargs: Any) -> Any:
                return _Done(value(*args, **kwargs))
            return call
        if hasattr(value, "begin") and hasattr(value, "commit"):  # the transaction manager
            return AwaitableProxy(value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    async def __aenter__(self) -> Any:
        return self._target.__enter__()

    async def __aexit__(self, *exc: Any) -> Any:
        return self._target.__exit__(*exc)


class _Done:
    """The result of a sync call, usable with ``await`` and ``async with``."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self):
        return self.value
        yield  # pragma: no cover - makes this a generator

    async def __aenter__(self) -> Any:
        return self.value.__enter__()

    async def __aexit__(self, *exc: Any) -> Any:
        return self.value.__exit__(*exc)


def make_config(pg_database: Any, **overrides: Any) -> PostgresConnectionConfig:
    return PostgresConnectionConfig(**{**pg_database.conn_kwargs(), **overrides})


@pytest.fixture(params=["sync", "async"])
def flavour(request: Any) -> str:
    return request.param


@pytest_asyncio.fixture
async def backend_factory(flavour: str, pg_database: Any):
    """``await make(**config_overrides)`` -> a connected backend proxy; all closed at teardown."""
    made = []

    async def make(**overrides: Any) -> Any:
        config = make_config(pg_database, **overrides)
        if flavour == "sync":
            backend = PostgresBackend(connection_config=config, logging_config=QUIET)
            backend.connect()
            backend.introspect_and_adapt()
            made.append(backend)
            return AwaitableProxy(backend)
        backend = AsyncPostgresBackend(connection_config=config, logging_config=QUIET)
        await backend.connect()
        await backend.introspect_and_adapt()
        made.append(backend)
        return backend

    yield make
    for backend in made:
        result = backend.disconnect()
        if inspect.isawaitable(result):
            await result


@pytest_asyncio.fixture
async def db(backend_factory: Any) -> Any:
    return await backend_factory()


@pytest.fixture
def table(pg_database: Any) -> str:
    """A unique table name, dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute(f'DROP TABLE IF EXISTS "{name}" CASCADE')


@pytest.fixture
def admin(pg_database: Any):
    """A plain psycopg connection to the test database, to look from the outside."""
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        yield conn
