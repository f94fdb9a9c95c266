"""Transactions: one BEGIN with all options, savepoints that survive errors, nesting,
the original README's spellings, SET CONSTRAINTS, and connection loss inside a transaction."""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.errors import ConnectionError, IntegrityError, TransactionError
from rhosocial.activerecord.backend.transaction import IsolationLevel, TransactionMode

from .conftest import DQL

pytestmark = pytest.mark.asyncio


async def _create(db, table):
    await db.execute(f'CREATE TABLE "{table}" (id INT PRIMARY KEY, note TEXT)')


async def _ids(db, table):
    result = await db.execute(f'SELECT id FROM "{table}" ORDER BY id', options=DQL)
    return [row["id"] for row in result.data]


async def _show(db, name):
    return (await db.execute(f"SHOW {name}", options=DQL)).data[0][name]


@pytest.mark.parametrize(
    "level, expected",
    [
        (IsolationLevel.READ_COMMITTED, "read committed"),
        (IsolationLevel.REPEATABLE_READ, "repeatable read"),
        (IsolationLevel.SERIALIZABLE, "serializable"),
    ],
)
async def test_isolation_level_reaches_the_server(db, level, expected):
    tm = db.transaction_manager
    async with tm.transaction(isolation_level=level):
        assert await _show(db, "transaction_isolation") == expected


async def test_read_only_deferrable_in_one_begin(db, table):
    await _create(db, table)
    tm = db.transaction_manager
    tm.set_isolation_level(IsolationLevel.SERIALIZABLE)
    tm.set_deferrable(True)
    tm.set_read_only(True)
    sql, _ = tm._target._build_begin_sql() if hasattr(tm, "_target") else tm._build_begin_sql()
    assert sql.upper().startswith("BEGIN") and "SERIALIZABLE" in sql and "READ ONLY" in sql and "DEFERRABLE" in sql
    assert ";" not in sql
    with pytest.raises(TransactionError, match="nothing was committed"):
        async with tm:
            assert await _show(db, "transaction_read_only") == "on"
            assert await _show(db, "transaction_deferrable") == "on"
            with pytest.raises(TransactionError):  # 25006 read_only_sql_transaction
                await db.execute(f'INSERT INTO "{table}" VALUES (1, %s)', ("x",))
            # leaving the block normally asks for COMMIT of an aborted transaction
    assert not tm.is_active
    tm.set_isolation_level(None)
    tm.set_deferrable(None)
    tm.set_read_only(False)


async def test_savepoint_survives_a_failed_statement(db, table):
    """Upstream defect 1: an error inside a savepoint must not end the transaction."""
    await _create(db, table)
    tm = db.transaction_manager
    await tm.begin()
    await db.execute(f'INSERT INTO "{table}" VALUES (1, %s)', ("kept",))
    savepoint = await tm.savepoint()
    with pytest.raises(IntegrityError):
        await db.execute(f'INSERT INTO "{table}" VALUES (1, %s)', ("duplicate",))
    assert tm.is_active
    await tm.rollback_to(savepoint)
    await db.execute(f'INSERT INTO "{table}" VALUES (2, %s)', ("after",))
    assert db.in_transaction
    await tm.commit()
    assert await _ids(db, table) == [1, 2]


async def test_readme_savepoint_spellings(db, table):
    await _create(db, table)
    tm = db.transaction_manager
    await tm.begin()
    await db.execute(f'INSERT INTO "{table}" VALUES (1, NULL)')
    sp = await tm.savepoint()
    try:
        await db.execute(f'INSERT INTO "{table}" VALUES (1, NULL)')
        await tm.release_savepoint(sp)
    except IntegrityError:
        await tm.rollback_savepoint(sp)
    sp2 = await tm.savepoint()
    await db.execute(f'INSERT INTO "{table}" VALUES (3, NULL)')
    await tm.release_savepoint(sp2)
    await tm.commit()
    assert await _ids(db, table) == [1, 3]


async def test_nested_transaction_blocks_roll_back_only_the_inner_one(db, table):
    await _create(db, table)
    tm = db.transaction_manager
    async with tm.transaction():
        await db.execute(f'INSERT INTO "{table}" VALUES (1, NULL)')
        with pytest.raises(IntegrityError):
            async with tm.transaction():
                await db.execute(f'INSERT INTO "{table}" VALUES (2, NULL)')
                await db.execute(f'INSERT INTO "{table}" VALUES (1, NULL)')
        await db.execute(f'INSERT INTO "{table}" VALUES (3, NULL)')
    assert await _ids(db, table) == [1, 3]


async def test_with_tm_commits_and_rolls_back(db, table):
    await _create(db, table)
    tm = db.transaction_manager
    async with tm:
        await db.execute(f'INSERT INTO "{table}" VALUES (1, NULL)')
    with pytest.raises(RuntimeError):
        async with tm:
            await db.execute(f'INSERT INTO "{table}" VALUES (2, NULL)')
            raise RuntimeError("boom")
    assert await _ids(db, table) == [1]
    assert not tm.is_active


async def test_set_constraints_quoted_deferred_immediate_all(db, table):
    parent, child = f"{table}_p", table
    await db.execute(f'CREATE TABLE "{parent}" (id INT PRIMARY KEY)')
    await db.execute(
        f'CREATE TABLE "{child}" (id INT PRIMARY KEY, pid INT, CONSTRAINT "Weird FK name" FOREIGN KEY (pid) '
        f'REFERENCES "{parent}" (id) DEFERRABLE INITIALLY IMMEDIATE)'
    )
    tm = db.transaction_manager
    async with tm:
        await tm.set_constraints(["Weird FK name"], deferred=True)
        await db.execute(f'INSERT INTO "{child}" VALUES (1, 10)')  # parent not there yet: deferred
        await db.execute(f'INSERT INTO "{parent}" VALUES (10)')
    with pytest.raises(IntegrityError) as info:
        async with tm:
            await tm.set_constraints("ALL", deferred=True)
            await db.execute(f'INSERT INTO "{child}" VALUES (2, 20)')
            await tm.set_constraints(None, deferred=False)  # IMMEDIATE: checked now
    assert info.value.sqlstate == "23503"
    await db.execute(f'DROP TABLE "{child}", "{parent}"')


async def test_connection_lost_inside_transaction_is_not_replayed(db, table, admin):
    """Upstream defect 2: after the session is killed mid-transaction, nothing is committed
    and the next statement raises ConnectionError instead of silently reconnecting."""
    await _create(db, table)
    tm = db.transaction_manager
    await tm.begin()
    await db.execute(f'INSERT INTO "{table}" VALUES (1, NULL)')
    pid = (await db.execute("SELECT pg_backend_pid() AS pid", options=DQL)).data[0]["pid"]
    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(ConnectionError):
        await db.execute(f'INSERT INTO "{table}" VALUES (2, NULL)')
    with pytest.raises(ConnectionError):  # still no silent reconnect inside the transaction
        await db.execute(f'INSERT INTO "{table}" VALUES (3, NULL)')
    await tm.rollback()
    assert not tm.is_active
    assert admin.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == 0
    async with tm:  # the next transaction works on a new connection
        await db.execute(f'INSERT INTO "{table}" VALUES (4, NULL)')
    assert await _ids(db, table) == [4]


async def test_idle_connection_closed_by_server_is_replaced_outside_transactions(db, admin):
    pid = (await db.execute("SELECT pg_backend_pid() AS pid", options=DQL)).data[0]["pid"]
    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    import time

    time.sleep(0.2)  # let the FATAL message / EOF arrive
    new_pid = (await db.execute("SELECT pg_backend_pid() AS pid", options=DQL)).data[0]["pid"]
    assert new_pid != pid


async def test_mode_read_only_via_transaction_block(db):
    tm = db.transaction_manager
    async with tm.transaction(mode=TransactionMode.READ_ONLY):
        assert await _show(db, "transaction_read_only") == "on"
    assert tm.transaction_mode == TransactionMode.READ_WRITE


async def test_swallowed_error_in_nested_block_keeps_the_parent(db, table):
    """A nested block whose error was swallowed must not be committed, and only that block
    is undone: the parent's work survives."""
    await _create(db, table)
    tm = db.transaction_manager
    async with tm.transaction():
        await db.execute(f'INSERT INTO "{table}" VALUES (1, NULL)')
        async with tm.transaction():
            await db.execute(f'INSERT INTO "{table}" VALUES (2, NULL)')
            with pytest.raises(TransactionError, match="cannot be committed"):
                async with tm.transaction():
                    await db.execute(f'INSERT INTO "{table}" VALUES (3, NULL)')
                    try:
                        await db.execute(f'INSERT INTO "{table}" VALUES (3, NULL)')
                    except IntegrityError:
                        pass  # swallowed: the savepoint is aborted
        await db.execute(f'INSERT INTO "{table}" VALUES (4, NULL)')
    assert await _ids(db, table) == [1, 2, 4]
