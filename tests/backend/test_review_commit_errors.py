"""Errors raised by COMMIT (and the other transaction operations), sync and async.

* The README's explicit pattern ``tm.begin(); try: ...; tm.commit() except: tm.rollback();
  raise`` must let the COMMIT's own error through: after a failed COMMIT the server has
  ended the transaction, so that rollback() is a quiet no-op.
* A COMMIT error keeps its SQLSTATE class (IntegrityError for a deferred constraint,
  SerializationError for 40001) with ``sqlstate``/``pg``, and is still a TransactionError.
* Every error raised has ``sqlstate``, ``constraint_name``, ``table_name``, ``pg`` (None if unknown).
"""

from __future__ import annotations

import asyncio
import inspect

import pytest
from rhosocial.activerecord.backend.errors import ConnectionError, IntegrityError, TransactionError
from rhosocial.activerecord.backend.impl.postgres import (
    AsyncPostgresBackend,
    PostgresBackend,
    PostgresErrorInfo,
    SerializationError,
    async_retry_transaction,
    retry_transaction,
)
from rhosocial.activerecord.backend.transaction import IsolationLevel

from .conftest import DQL, QUIET, make_config

ATTRIBUTES = ("sqlstate", "constraint_name", "table_name", "column_name", "schema_name", "pg")


async def _deferred_fk(db, table):
    await db.execute(f'CREATE TABLE "{table}_p" (id INT PRIMARY KEY)')
    await db.execute(f'CREATE TABLE "{table}" (id INT PRIMARY KEY, pid INT CONSTRAINT "{table}_fk" '
                     f'REFERENCES "{table}_p" (id) DEFERRABLE INITIALLY DEFERRED)')


async def _drop_parent(db, table):
    await db.execute(f'DROP TABLE IF EXISTS "{table}", "{table}_p"')


async def _explicit_pattern(tm, body):
    """The README's explicit-control pattern, verbatim."""
    await tm.begin()
    try:
        await body()
        await tm.commit()
    except Exception:
        await tm.rollback()
        raise


@pytest.mark.asyncio
async def test_deferred_fk_at_commit_is_integrity_error_through_explicit_pattern(db, table):
    await _deferred_fk(db, table)
    tm = db.transaction_manager
    try:
        with pytest.raises(IntegrityError) as info:
            await _explicit_pattern(tm, lambda: db.execute(f'INSERT INTO "{table}" VALUES (1, 99)'))
        error = info.value
        assert isinstance(error, TransactionError)  # the core's contract for commit() still holds
        assert error.sqlstate == "23503" and error.constraint_name == f"{table}_fk"
        assert error.table_name == table and isinstance(error.pg, PostgresErrorInfo)
        assert "Failed to commit transaction" in str(error)
        assert not db.in_transaction
        # the quiet no-op is for the one rollback after the failed COMMIT only
        with pytest.raises(TransactionError, match="No active transaction to rollback"):
            await tm.rollback()
        async with tm:  # the manager is usable again
            await db.execute(f'INSERT INTO "{table}_p" VALUES (1)')
        assert (await db.execute(f'SELECT count(*) AS n FROM "{table}_p"', options=DQL)).data == [{"n": 1}]
    finally:
        await _drop_parent(db, table)


@pytest.mark.asyncio
async def test_with_block_deferred_fk_at_commit_is_integrity_error(db, table):
    await _deferred_fk(db, table)
    try:
        with pytest.raises(IntegrityError) as info:
            async with db.transaction_manager.transaction():
                await db.execute(f'INSERT INTO "{table}" VALUES (1, 99)')
        assert info.value.sqlstate == "23503" and not db.in_transaction
    finally:
        await _drop_parent(db, table)


@pytest.mark.asyncio
async def test_rollback_with_no_transaction_keeps_the_core_error(db):
    with pytest.raises(TransactionError, match="No active transaction to rollback") as info:
        await db.transaction_manager.rollback()
    assert all(getattr(info.value, name) is None for name in ATTRIBUTES)


@pytest.mark.asyncio
async def test_refused_commit_after_failed_statement_then_rollback_is_quiet(db, table):
    await db.execute(f'CREATE TABLE "{table}" (id INT PRIMARY KEY)')
    tm = db.transaction_manager

    async def swallowed():
        with pytest.raises(IntegrityError):
            await db.execute(f'INSERT INTO "{table}" VALUES (1), (1)')

    with pytest.raises(TransactionError, match="nothing was committed") as info:
        await _explicit_pattern(tm, swallowed)
    assert all(getattr(info.value, name) is None for name in ATTRIBUTES)
    assert not db.in_transaction


@pytest.mark.asyncio
async def test_serialization_failure_at_commit_is_serialization_error(backend_factory, table):
    one, two = await backend_factory(), await backend_factory()
    await one.execute(f'CREATE TABLE "{table}" (id INT PRIMARY KEY, v INT)')
    await one.execute(f'INSERT INTO "{table}" VALUES (1, 1), (2, 1)')
    tm1, tm2 = one.transaction_manager, two.transaction_manager
    tm1.isolation_level = IsolationLevel.SERIALIZABLE
    tm2.isolation_level = IsolationLevel.SERIALIZABLE
    await tm1.begin()
    await tm2.begin()
    await one.execute(f'SELECT sum(v) FROM "{table}"', options=DQL)
    await two.execute(f'SELECT sum(v) FROM "{table}"', options=DQL)
    await one.execute(f'UPDATE "{table}" SET v = v + 1 WHERE id = 1')
    await two.execute(f'UPDATE "{table}" SET v = v + 1 WHERE id = 2')
    await tm1.commit()
    with pytest.raises(SerializationError) as info:
        await _explicit_pattern_commit_only(tm2)
    assert info.value.sqlstate == "40001" and isinstance(info.value.pg, PostgresErrorInfo)
    assert isinstance(info.value, TransactionError) and not two.in_transaction


async def _explicit_pattern_commit_only(tm):
    try:
        await tm.commit()
    except Exception:
        await tm.rollback()
        raise


@pytest.mark.asyncio
async def test_connection_errors_carry_the_attributes(backend_factory, db, admin, table):
    with pytest.raises(ConnectionError) as refused:
        await backend_factory(port=1, connect_timeout=2)
    with pytest.raises(ConnectionError) as auth:
        await backend_factory(password="not-the-password")
    # Both carry every attribute, each None: a refused connection has no server at all, and
    # libpq reports a failed login (the server's FATAL 28P01) as message text only, without a
    # result, so psycopg's error has no sqlstate/diagnostics either (README: "a connection
    # refused or lost ... has no server diagnostics (pg is None, sqlstate only if the server
    # sent one)"). The reasons are told apart by the message, which names the target.
    for error in (refused.value, auth.value):
        assert {name: getattr(error, name) for name in ATTRIBUTES} == dict.fromkeys(ATTRIBUTES), error
    assert "port=1 " in str(refused.value) and "refused" in str(refused.value), refused.value
    assert "password authentication failed" in str(auth.value), auth.value
    assert "not-the-password" not in str(auth.value)
    tm = db.transaction_manager
    pid = (await db.execute("SELECT pg_backend_pid() AS p", options=DQL)).data[0]["p"]
    await tm.begin()
    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    await asyncio.sleep(0.2)
    with pytest.raises(ConnectionError) as lost:
        await db.execute("SELECT 1", options=DQL)
    # the server's FATAL (sent while the session was idle) gives the loss its reason; the
    # other attributes exist and are None
    assert lost.value.sqlstate == "57P01" and "administrator command" in str(lost.value)
    assert all(getattr(lost.value, name) is None for name in ATTRIBUTES if name not in ("sqlstate", "pg"))
    await tm.rollback()


@pytest.mark.asyncio
@pytest.mark.parametrize("flavour_name", ["sync", "async"])
async def test_retry_transaction_retries_a_serialization_failure_at_commit(pg_database, table, admin, flavour_name):
    """40001 raised by COMMIT (not by a statement) is retried by the top-level retry_transaction."""
    admin.execute(f'CREATE TABLE "{table}" (id INT PRIMARY KEY, v INT)')
    admin.execute(f'INSERT INTO "{table}" VALUES (1, 0), (2, 0)')
    is_async = flavour_name == "async"
    backend = (AsyncPostgresBackend if is_async else PostgresBackend)(
        connection_config=make_config(pg_database), logging_config=QUIET)
    retry = async_retry_transaction if is_async else retry_transaction
    attempts = []

    def skew(b):
        """First attempt only: a concurrent write skew that commits before our COMMIT."""
        attempts.append(len(attempts) + 1)
        if len(attempts) == 1:
            admin.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
            admin.execute(f'SELECT sum(v) FROM "{table}"')
            admin.execute(f'UPDATE "{table}" SET v = 1 WHERE id = 2')

    def after(b):
        if len(attempts) == 1:
            admin.execute("COMMIT")

    async def async_work(b):
        await b.execute(f'SELECT sum(v) FROM "{table}"', options=DQL)
        skew(b)
        await b.execute(f'UPDATE "{table}" SET v = 1 WHERE id = 1')
        after(b)

    def sync_work(b):
        b.execute(f'SELECT sum(v) FROM "{table}"', options=DQL)
        skew(b)
        b.execute(f'UPDATE "{table}" SET v = 1 WHERE id = 1')
        after(b)

    options = dict(attempts=3, backoff=0, isolation_level=IsolationLevel.SERIALIZABLE)
    try:
        if is_async:
            await retry(async_work, backend, **options)
        else:
            retry(sync_work, backend, **options)
    finally:
        result = backend.disconnect()
        if inspect.isawaitable(result):
            await result
    assert attempts == [1, 2]



def test_pooled_transaction_manager_is_per_thread(pg_database, table, admin):
    """README: with a pool each thread reads backend.transaction_manager itself (its own)."""
    import threading

    admin.execute(f'CREATE TABLE "{table}" (id INT PRIMARY KEY)')
    backend = PostgresBackend(connection_config=make_config(pg_database, pool_max_size=3), logging_config=QUIET)
    barrier, managers, errors = threading.Barrier(2), {}, []

    def work(i):
        try:
            tm = backend.transaction_manager  # read in this thread, as documented
            managers[i] = tm
            tm.begin()
            backend.execute(f'INSERT INTO "{table}" VALUES (%s)', (i,))
            barrier.wait(timeout=10)
            tm.rollback() if i == 1 else tm.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in (1, 2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        backend.disconnect()
    assert not errors and managers[1] is not managers[2]
    assert [row[0] for row in admin.execute(f'SELECT id FROM "{table}"')] == [2]


@pytest.mark.asyncio
async def test_pooled_transaction_manager_is_per_task(pg_database, table, admin):
    admin.execute(f'CREATE TABLE "{table}" (id INT PRIMARY KEY)')
    backend = AsyncPostgresBackend(connection_config=make_config(pg_database, pool_max_size=3), logging_config=QUIET)

    async def work(i):
        tm = backend.transaction_manager  # read in this task
        async with tm:
            await backend.execute(f'INSERT INTO "{table}" VALUES (%s)', (i,))
            await asyncio.sleep(0.1)
        return tm

    try:
        one, two = await asyncio.gather(work(1), work(2))
    finally:
        await backend.disconnect()
    assert one is not two
    assert sorted(row[0] for row in admin.execute(f'SELECT id FROM "{table}"')) == [1, 2]
