"""Fixtures for introspection, EXPLAIN and LISTEN/NOTIFY tests, run once per flavour.

Each test body is a coroutine; ``backend`` is the sync ``PostgresBackend`` or the
``AsyncPostgresBackend`` (parametrised), and ``wait(x)`` awaits ``x`` only when it
is awaitable, so ``await wait(backend.introspector.list_tables())`` works for both.
Every test gets its own schema (``schema`` fixture) so that objects never collide.
"""

from __future__ import annotations

import inspect
import logging
import secrets
from typing import Any

import pytest
import pytest_asyncio
from rhosocial.activerecord.backend.impl.postgres import (
    AsyncPostgresBackend,
    PostgresBackend,
    PostgresConnectionConfig,
)
from rhosocial.activerecord.logging.config import LoggingConfig

QUIET = LoggingConfig(default_level=logging.WARNING)


async def wait(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


@pytest.fixture
def config(pg_database) -> PostgresConnectionConfig:
    return PostgresConnectionConfig(**pg_database.conn_kwargs())


@pytest_asyncio.fixture(params=["sync", "async"])
async def backend(request, config):
    cls = PostgresBackend if request.param == "sync" else AsyncPostgresBackend
    instance = cls(config, logging_config=QUIET)
    await wait(instance.connect())
    await wait(instance.introspect_and_adapt())
    yield instance
    await wait(instance.disconnect())


@pytest_asyncio.fixture
async def schema(backend):
    name = f"ins_{secrets.token_hex(4)}"
    await wait(backend.execute(f"CREATE SCHEMA {name}"))
    yield name
    if backend.in_transaction:
        await wait(backend.transaction_manager.rollback())
    await wait(backend.execute(f"DROP SCHEMA {name} CASCADE"))


async def run_all(backend: Any, script: str) -> None:
    """Execute statements separated by ``;`` at the end of a line."""
    for statement in script.strip().rstrip(";").split(";\n"):
        if statement.strip():
            await wait(backend.execute(statement))


def major(backend: Any) -> int:
    return backend.dialect.version[0]
