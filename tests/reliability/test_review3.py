"""Review 3 (reliability): what a lost session looks like to the caller.

* ``commit()`` after the connection was lost while the transaction sat idle raises the same
  class as a loss *during* COMMIT: a ``ConnectionError`` that is also a ``TransactionError``
  (README: a failed COMMIT is a ``TransactionError``; ``except TransactionError`` keeps working).
* The FATAL timeouts that end the session (``idle_in_transaction_session_timeout`` 25P03,
  ``transaction_timeout`` 25P04) are ``ConnectionError``s, pooled or not, never the
  ``TransactionError`` of SQLSTATE class 25; inside a transaction they behave like any other
  loss: every statement fails until rollback, nothing is replayed or committed.

Each test runs sync and async (``flavour``), pooled and not.
"""

from __future__ import annotations

import asyncio

import pytest
from rhosocial.activerecord.backend.errors import ConnectionError, TransactionError

from .conftest import admin_connect, run, sessions, terminate, wait_until

POOLED = {"dedicated": {}, "pooled": dict(pool_min_size=1, pool_max_size=2, pool_timeout=10)}


@pytest.fixture(params=sorted(POOLED))
def pooling(request) -> dict:
    return POOLED[request.param]


def _major(server) -> int:
    with admin_connect(server) as conn:
        return conn.info.server_version // 10000


async def _make_table(api, table: str) -> None:
    await api.execute(f'DROP TABLE IF EXISTS "{table}"')
    await api.execute(f'CREATE TABLE "{table}" (v int NOT NULL)')


def _count(server, dbname: str, table: str) -> int:
    with admin_connect(server, dbname) as conn:
        return conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def _is_lost_connection(error: BaseException) -> None:
    assert isinstance(error, ConnectionError), type(error).__mro__
    assert not isinstance(error, TransactionError), type(error).__mro__


async def _commit_is_transaction_connection_error(api) -> None:
    with pytest.raises(TransactionError) as info:
        await api.commit()
    assert isinstance(info.value, ConnectionError), type(info.value).__mro__
    assert "Failed to commit transaction" in str(info.value)
    assert isinstance(info.value.__cause__, ConnectionError)
    await api.rollback()  # the README pattern: a quiet no-op after the failed COMMIT
    assert not api.backend.in_transaction


def test_commit_after_loss_while_idle_in_transaction_is_transaction_error(
        fault_api_factory, fault_server, fault_db, table_name, pooling):
    api = fault_api_factory(**pooling)

    async def body():
        await _make_table(api, table_name)
        await api.begin()
        await api.execute(f'INSERT INTO "{table_name}" VALUES (1)')
        pid = await api.backend_pid()
        assert terminate(fault_server, pid)
        wait_until(lambda: pid not in [s[0] for s in sessions(fault_server, fault_db.dbname)], timeout=5)
        await asyncio.sleep(0.2)  # let the FATAL message / EOF arrive
        await _commit_is_transaction_connection_error(api)
        async with api.transaction():  # the next transaction reconnects
            await api.execute(f'INSERT INTO "{table_name}" VALUES (2)')

    run(body(), api)
    with admin_connect(fault_server, fault_db.dbname) as conn:
        assert [r[0] for r in conn.execute(f'SELECT v FROM "{table_name}"').fetchall()] == [2]


def test_idle_in_transaction_timeout_is_connection_error(api_factory, pg_database, table_name, pooling):
    # idle_in_transaction_session_timeout exists on every supported server (9.6+); the session
    # server is used (each test ends only its own sessions): its major is the one selected
    api = api_factory(idle_in_transaction_session_timeout=200, **pooling)

    async def body():
        await _make_table(api, table_name)
        await api.begin()
        await api.execute(f'INSERT INTO "{table_name}" VALUES (1)')
        await asyncio.sleep(0.8)  # the server ends the idle transaction and the session
        with pytest.raises(ConnectionError) as info:
            await api.execute(f'INSERT INTO "{table_name}" VALUES (2)')
        _is_lost_connection(info.value)
        assert info.value.sqlstate in (None, "25P03")  # None: seen closed before sending
        assert api.backend.in_transaction  # never a silent reconnect inside the transaction
        with pytest.raises(ConnectionError):
            await api.execute("SELECT 1")
        await _commit_is_transaction_connection_error(api)
        assert await api.value("SELECT 1") == 1  # outside a transaction: a new session

    run(body(), api)
    assert _count(pg_database.server, pg_database.dbname, table_name) == 0


def test_transaction_timeout_in_flight_is_connection_error(api_factory, pg_database, table_name, pooling):
    major = _major(pg_database.server)
    if major < 17:
        pytest.skip(f"transaction_timeout (SQLSTATE 25P04) needs PostgreSQL 17+; the server is {major}")
    api = api_factory(server_settings={"transaction_timeout": "500ms"}, **pooling)

    async def body():
        await _make_table(api, table_name)
        await api.begin()
        await api.execute(f'INSERT INTO "{table_name}" VALUES (1)')
        with pytest.raises(ConnectionError) as info:
            await api.execute(f'INSERT INTO "{table_name}" SELECT 2 FROM pg_sleep(2)')
        _is_lost_connection(info.value)
        assert info.value.sqlstate == "25P04"
        assert api.backend.in_transaction
        with pytest.raises(ConnectionError):  # not replayed on another session
            await api.execute(f'INSERT INTO "{table_name}" VALUES (3)')
        await api.rollback()
        assert not api.backend.in_transaction
        assert await api.value("SELECT 1") == 1

    run(body(), api)
    assert _count(pg_database.server, pg_database.dbname, table_name) == 0
