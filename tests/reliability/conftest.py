"""Fixtures for the reliability tests.

One test body serves both flavours: bodies are ``async def body(api)`` coroutines and
``api`` (an :class:`Api`) wraps either a ``PostgresBackend`` (calls are made directly and
returned through ``await``) or an ``AsyncPostgresBackend`` (calls are awaited).

Fault tests restart, stop and terminate servers, so they get a private local server
(``fault_server``) instead of the session's ``pg_server``; every test that uses ``api`` is
followed by a leak check: no session of the test database left, none idle in a transaction.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import secrets
import time
from contextlib import asynccontextmanager
from typing import Any, Callable, Optional

import psycopg
import pytest
from rhosocial.activerecord.backend.impl.postgres import (
    AsyncPostgresBackend,
    PostgresBackend,
    PostgresConnectionConfig,
)
from rhosocial.activerecord.backend.options import ExecutionOptions
from rhosocial.activerecord.backend.schema import StatementType
from rhosocial.activerecord.logging import LoggingConfig  # noqa: F401 (re-exported for tests)

from tests.gates import environment_skip
from tests.harness.plugin import PgDatabase, create_database, drop_database
from tests.harness.replica import start_primary_and_standby, wait_for_replay

FLAVOURS = ("sync", "async")
QUIET = logging.getLogger("rhosocial.reliability.quiet")
QUIET.setLevel(logging.WARNING)
QUIET.propagate = False
QUIET.addHandler(logging.NullHandler())

DQL = ExecutionOptions(stmt_type=StatementType.DQL)


class Api:
    """Flavour-neutral view of a backend: every method is a coroutine."""

    def __init__(self, backend: Any, flavour: str):
        self.backend = backend
        self.flavour = flavour
        self.is_async = flavour == "async"

    async def _call(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    async def execute(self, sql: str, params: Any = None):
        return await self._call(self.backend.execute, sql, params)

    async def rows(self, sql: str, params: Any = None):
        return (await self._call(self.backend.execute, sql, params, options=DQL)).data

    async def value(self, sql: str, params: Any = None):
        data = await self.rows(sql, params)
        return next(iter(data[0].values())) if data else None

    @property
    def tm(self):
        return self.backend.transaction_manager

    async def begin(self):
        return await self._call(self.tm.begin)

    async def commit(self):
        return await self._call(self.tm.commit)

    async def rollback(self):
        return await self._call(self.tm.rollback)

    async def connect(self):
        return await self._call(self.backend.connect)

    async def disconnect(self):
        return await self._call(self.backend.disconnect)

    async def backend_pid(self) -> int:
        return await self.value("SELECT pg_backend_pid()")

    @asynccontextmanager
    async def transaction(self, **kwargs: Any):
        if self.is_async:
            async with self.tm.transaction(**kwargs):
                yield
        else:
            with self.tm.transaction(**kwargs):
                yield


def make_config(database: PgDatabase, **overrides: Any) -> PostgresConnectionConfig:
    kwargs = database.conn_kwargs()
    kwargs.update(overrides)
    return PostgresConnectionConfig(**kwargs)


def make_backend(flavour: str, config: PostgresConnectionConfig, logger: Optional[logging.Logger] = None):
    cls = AsyncPostgresBackend if flavour == "async" else PostgresBackend
    return cls(connection_config=config, logger=logger or QUIET)


def run(coro, *apis: "Api") -> Any:
    """asyncio.run(coro); then disconnect ``apis`` in the same event loop (an async pool's
    background tasks belong to the loop that opened it: closing it from another loop hangs)."""
    async def main():
        try:
            return await coro
        finally:
            for api in apis:
                try:
                    await api.disconnect()
                except Exception:
                    pass
    return asyncio.run(main())


# -- server-side inspection ---------------------------------------------------------------

def admin_connect(server, dbname: str = "postgres") -> psycopg.Connection:
    return psycopg.connect(server.conninfo(dbname), autocommit=True, connect_timeout=10)


def sessions(server, dbname: str, app: Optional[str] = None) -> list:
    """(pid, state, backend_xid, query) of client sessions on ``dbname`` other than our own
    (only those whose application_name is ``app`` when given)."""
    with admin_connect(server) as conn:
        return conn.execute(
            "SELECT pid, state, backend_xid::text, query FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
            "AND (%s::text IS NULL OR application_name = %s::text)",
            (dbname, app, app)).fetchall()


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def assert_no_leaks(server, dbname: str, app: Optional[str] = None, timeout: float = 5.0) -> None:
    """No session left on the database, hence no open transaction either (the server may
    need a moment to reap closed ones). ``app`` narrows the check to one application_name."""
    if not wait_until(lambda: not sessions(server, dbname, app), timeout=timeout):
        remaining = sessions(server, dbname, app)
        assert not remaining, f"leaked sessions on {dbname}: {remaining}"


def terminate(server, pid: int) -> bool:
    with admin_connect(server) as conn:
        return conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


def wait_for_query(server, dbname: str, needle: str, timeout: float = 10.0) -> Optional[int]:
    """pid of the session running a query that contains ``needle`` (active), or None."""
    def find():
        for pid, state, _xid, query in sessions(server, dbname):
            if state == "active" and needle in (query or ""):
                return pid
        return None
    return wait_until(find, timeout=timeout)


# -- fixtures -----------------------------------------------------------------------------

FAULT_SERVER_CONF = {
    "deadlock_timeout": "100ms",
    "log_min_messages": "warning",
}


def start_local_or_skip(factory, **kwargs):
    """A server from the local provider (needs PostgreSQL binaries on this machine): the tests
    that change server configuration or restart servers skip, naming why, where there are none."""
    from tests.harness.errors import ProvisioningError

    try:
        return factory(**kwargs)
    except ProvisioningError as exc:
        environment_skip(f"needs a local PostgreSQL server (local provider): {exc}")


@pytest.fixture(scope="session")
def fault_server(pg_server_factory):
    """A private local server that fault tests may restart, stop and terminate sessions on."""
    return start_local_or_skip(pg_server_factory, extra_conf=FAULT_SERVER_CONF)


@pytest.fixture(scope="session")
def fault_db(fault_server) -> PgDatabase:
    database = create_database(fault_server, prefix="rel")
    yield database
    try:
        drop_database(database)
    except Exception:
        pass


def ensure_up(server) -> None:
    """Fault tests leave the server stopped or restarting at worst: bring it back."""
    try:
        with admin_connect(server):
            return
    except psycopg.Error:
        server.restart()


@pytest.fixture(params=FLAVOURS)
def flavour(request) -> str:
    return request.param


def _app_name(request) -> str:
    return "rel-" + secrets.token_hex(6)


@pytest.fixture
def app_name(request) -> str:
    """application_name given to every backend of one test (leak checks look for it)."""
    return _app_name(request)


@pytest.fixture
def fault_api_factory(fault_server, fault_db, flavour, app_name):
    """factory(**config_overrides) -> Api on the fault server; all are disconnected, then leaks checked."""
    ensure_up(fault_server)
    made = []

    def factory(**overrides: Any) -> Api:
        overrides.setdefault("application_name", app_name)
        api = Api(make_backend(flavour, make_config(fault_db, **overrides)), flavour)
        made.append(api)
        return api

    yield factory
    ensure_up(fault_server)

    async def close_all():
        for api in made:
            try:
                await api.disconnect()
            except Exception:
                pass
    run(close_all())
    try:
        assert_no_leaks(fault_server, fault_db.dbname)  # the fault database is ours alone: check all
    finally:  # one leaking test must not fail the next ones
        with admin_connect(fault_server) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                         "AND pid <> pg_backend_pid()", (fault_db.dbname,))


@pytest.fixture
def api_factory(pg_database, flavour, app_name):
    """factory(**config_overrides) -> Api on the session database (for tests that break nothing)."""
    made = []

    def factory(**overrides: Any) -> Api:
        overrides.setdefault("application_name", app_name)
        api = Api(make_backend(flavour, make_config(pg_database, **overrides)), flavour)
        made.append(api)
        return api

    yield factory

    async def close_all():
        for api in made:
            await api.disconnect()
    run(close_all())
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)


@pytest.fixture
def table_name(request) -> str:
    """A table name unique to the test (and flavour)."""
    name = request.node.name.replace("[", "_").replace("]", "").replace("-", "_")
    return ("t_" + name)[:60].lower()


# -- a real primary + streaming standby (test_scaleout, test_replica_routing) ----------------

@pytest.fixture(scope="module")
def cluster():
    from tests.harness.errors import ProvisioningError

    try:
        primary, standby = start_primary_and_standby()
    except ProvisioningError as exc:
        environment_skip(f"needs local PostgreSQL binaries for a primary and a standby: {exc}")
    with admin_connect(primary) as conn:
        conn.execute("CREATE TABLE replicated (id int PRIMARY KEY, v text)")
        conn.execute("INSERT INTO replicated VALUES (1, 'from primary')")
    wait_for_replay(primary, standby)
    yield primary, standby
    standby.stop()
    primary.stop()


def standby_api(flavour, server, **kwargs) -> Api:
    base = dict(host=server.host, port=server.port, database="postgres", username=server.user,
                password=server.password, connect_timeout=3)
    base.update(kwargs)
    return Api(make_backend(flavour, PostgresConnectionConfig(**base)), flavour)


async def where_it_ran(api: Api) -> dict:
    return (await api.rows("SELECT pg_is_in_recovery() AS standby, inet_server_port() AS port"))[0]
