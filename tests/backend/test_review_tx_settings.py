"""Transaction review fixes, sync and async: savepoint names shared by nested blocks and
``savepoint()`` (finding 1), transaction settings given by name or refused (6, 11), nested
blocks asking for other settings (7), ping() inside an aborted transaction (9) and retry
backoff validation (10)."""

from __future__ import annotations

import asyncio
import math

import pytest
from rhosocial.activerecord.backend.errors import IntegrityError, IsolationLevelError, TransactionError
from rhosocial.activerecord.backend.impl.postgres import (
    Backoff,
    ConfigurationError,
    async_retry_transaction,
    retry_transaction,
)
from rhosocial.activerecord.backend.transaction import IsolationLevel, TransactionMode

from .conftest import DQL

pytestmark = pytest.mark.asyncio

RAISE_40001 = "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$"


async def _create(db, table):
    await db.execute(f'CREATE TABLE "{table}" (id INT PRIMARY KEY)')


async def _ids(db, table):
    return [row["id"] for row in (await db.execute(f'SELECT id FROM "{table}" ORDER BY id', options=DQL)).data]


async def _show(db, name):
    return (await db.execute(f"SHOW {name}", options=DQL)).data[0][name]


def _real(db):
    """The backend itself (the sync flavour's ``db`` is a proxy that makes calls awaitable)."""
    return getattr(db, "_target", db)


def _drive(coroutine):
    """Run a test body written with ``await db...`` on the sync proxy (nothing really awaits)."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    raise RuntimeError("the body awaited something asynchronous")  # pragma: no cover


async def _retry(db, body, **kwargs):
    """``retry_transaction(body)`` of the flavour; ``body(db)`` is written once, as a coroutine."""
    real = _real(db)
    if real is db:
        return await async_retry_transaction(body, real, **kwargs)
    return retry_transaction(lambda _backend: _drive(body(db)), real, **kwargs)


# -- finding 1: one savepoint naming scheme -------------------------------------------
async def test_user_savepoint_and_nested_block_get_different_names(table, db):
    """The review's case: savepoint() then a nested block; the block's rollback must not leave
    a savepoint of the same name that the caller's rollback_to() would then roll back to."""
    await _create(db, table)
    tm = db.transaction_manager
    await tm.begin()
    sp = await tm.savepoint()
    await db.execute(f'INSERT INTO "{table}" VALUES (1)')  # after the caller's savepoint
    await tm.begin()
    await db.execute(f'INSERT INTO "{table}" VALUES (2)')
    await tm.rollback()
    await tm.rollback_to(sp)
    await tm.commit()
    assert await _ids(db, table) == []


async def test_savepoint_interleavings_across_levels(table, db):
    await _create(db, table)
    tm = db.transaction_manager
    await tm.begin()
    outer_sp = await tm.savepoint()
    await db.execute(f'INSERT INTO "{table}" VALUES (1)')
    await tm.begin()  # nested block
    await db.execute(f'INSERT INTO "{table}" VALUES (2)')
    inner_sp = await tm.savepoint()  # a savepoint inside the block, never released
    await db.execute(f'INSERT INTO "{table}" VALUES (3)')
    names = list(tm._active_savepoints)
    assert len(set(names)) == len(names) == 3 and names[0] == outer_sp and names[-1] == inner_sp
    # across levels: the caller's outer savepoint and the block's own are refused inside the block
    with pytest.raises(TransactionError, match="before the block began"):
        await tm.rollback_to(outer_sp)
    with pytest.raises(TransactionError, match="before the block began"):
        await tm.release(outer_sp)
    with pytest.raises(TransactionError, match="belongs to a nested transaction block"):
        await tm.rollback_to(names[1])
    with pytest.raises(TransactionError, match="in use by a nested transaction block"):
        await tm.savepoint(names[1])
    await tm.rollback_to(inner_sp)  # inside the block: fine, undoes 3
    await tm.rollback()  # the block: undoes 2 as well (not only back to inner_sp)
    assert tm._active_savepoints == [outer_sp]
    await tm.begin()  # a second block, committed with a savepoint left open in it
    await db.execute(f'INSERT INTO "{table}" VALUES (4)')
    await tm.savepoint()
    await db.execute(f'INSERT INTO "{table}" VALUES (5)')
    await tm.commit()
    assert tm._active_savepoints == [outer_sp] and tm.transaction_level == 1
    await tm.release(outer_sp)  # back at the outer level: allowed again
    sp = await tm.savepoint()
    assert sp not in names
    await tm.commit()
    assert await _ids(db, table) == [1, 4, 5]


async def test_nested_blocks_in_a_loop_roll_back_only_themselves(table, db):
    await _create(db, table)
    tm = db.transaction_manager
    async with tm.transaction():
        keep = await tm.savepoint()
        for i in range(1, 4):
            with pytest.raises(IntegrityError):
                async with tm.transaction():
                    await db.execute(f'INSERT INTO "{table}" VALUES ({10 * i})')
                    await tm.savepoint()  # left open: the block's rollback still undoes all of it
                    await db.execute(f'INSERT INTO "{table}" VALUES ({10 * i})')
            await db.execute(f'INSERT INTO "{table}" VALUES ({i})')
        assert tm._active_savepoints == [keep]
    assert await _ids(db, table) == [1, 2, 3]


# -- findings 6 and 11: settings by name, unknown ones refused -----------------------------
@pytest.mark.parametrize("mode, expected", [("READ_ONLY", "on"), ("read only", "on"), ("Read-Only", "on"),
                                            ("read_write", "off"), (TransactionMode.READ_ONLY, "on")])
async def test_mode_given_by_name_reaches_the_server(db, mode, expected):
    tm = db.transaction_manager
    async with tm.transaction(isolation_level="serializable", mode=mode):
        assert await _show(db, "transaction_read_only") == expected
        assert await _show(db, "transaction_isolation") == "serializable"
    assert tm.transaction_mode == TransactionMode.READ_WRITE and tm.isolation_level is None


async def test_retry_transaction_mode_by_name(db):
    async def body(b):
        return await _show(b, "transaction_read_only")

    assert await _retry(db, body, mode="READ_ONLY", isolation_level="repeatable read") == "on"


async def test_set_read_only_and_properties_accept_names(db):
    tm = db.transaction_manager
    tm.set_read_only("READ ONLY")
    assert tm.transaction_mode == TransactionMode.READ_ONLY
    tm.transaction_mode = "read_write"
    assert tm.transaction_mode == TransactionMode.READ_WRITE
    tm.isolation_level = "Repeatable-Read"
    assert tm.isolation_level == IsolationLevel.REPEATABLE_READ
    tm.set_isolation_level(None)


@pytest.mark.parametrize("bad", ["yes", "READONLY", 1])
async def test_unknown_or_wrong_type_mode_is_refused(db, bad):
    tm = db.transaction_manager
    with pytest.raises(ConfigurationError, match="transaction mode"):
        async with tm.transaction(mode=bad):
            pass  # pragma: no cover
    with pytest.raises(ConfigurationError):
        tm.set_read_only(bad)
    with pytest.raises(ConfigurationError):
        await _retry(db, lambda b: _show(b, "transaction_read_only"), mode=bad)
    assert not tm.is_active and tm.transaction_mode == TransactionMode.READ_WRITE


@pytest.mark.parametrize("bad", ["snapshot", "read", 3])
async def test_unknown_isolation_level_is_isolation_level_error(db, bad):
    tm = db.transaction_manager
    with pytest.raises(IsolationLevelError, match="SERIALIZABLE") as info:
        tm.set_isolation_level(bad)
    assert not isinstance(info.value, KeyError) and info.value.sqlstate is None
    with pytest.raises(IsolationLevelError):
        async with tm.transaction(isolation_level=bad):
            pass  # pragma: no cover
    with pytest.raises(ConfigurationError):
        tm.deferrable = "yes"
    assert not tm.is_active and tm.isolation_level is None


# -- finding 7: a nested block cannot change the transaction's settings ------------------
async def test_nested_block_asking_other_settings_is_refused(table, db):
    await _create(db, table)
    tm = db.transaction_manager
    async with tm.transaction(isolation_level=IsolationLevel.REPEATABLE_READ):
        with pytest.raises(TransactionError, match="isolation level SERIALIZABLE.*READ ONLY"):
            async with tm.transaction(isolation_level="serializable", mode="read only"):
                await db.execute(f'INSERT INTO "{table}" VALUES (1)')  # pragma: no cover
        with pytest.raises(TransactionError, match="DEFERRABLE"):
            async with tm.transaction(deferrable=True):
                pass  # pragma: no cover
        assert tm.transaction_level == 1
        # the same settings, or none: a plain savepoint
        async with tm.transaction(isolation_level=IsolationLevel.REPEATABLE_READ,
                                  mode=TransactionMode.READ_WRITE, deferrable=False):
            await db.execute(f'INSERT INTO "{table}" VALUES (2)')
        async with tm.transaction():
            await db.execute(f'INSERT INTO "{table}" VALUES (3)')
    assert await _ids(db, table) == [2, 3]


async def test_nested_block_matching_the_server_default_level_is_fine(table, db):
    await _create(db, table)
    tm = db.transaction_manager
    async with tm.transaction(mode=TransactionMode.READ_ONLY):
        async with tm.transaction(isolation_level="read committed", mode="read only"):
            assert await _show(db, "transaction_read_only") == "on"
        with pytest.raises(TransactionError, match="READ WRITE"):
            async with tm.transaction(mode=TransactionMode.READ_WRITE):
                pass  # pragma: no cover


# -- finding 9: ping() inside an aborted transaction ---------------------------------------
async def test_ping_in_aborted_transaction_is_true_and_sends_nothing(table, db, admin):
    await _create(db, table)
    tm = db.transaction_manager
    await tm.begin()
    await db.execute(f'INSERT INTO "{table}" VALUES (1)')
    sp = await tm.savepoint()
    with pytest.raises(IntegrityError):
        await db.execute(f'INSERT INTO "{table}" VALUES (1)')
    assert await db.ping() is True and await db.ping(reconnect=False) is True
    await tm.rollback_to(sp)  # still recoverable: ping sent nothing into the transaction
    await tm.commit()
    assert await _ids(db, table) == [1]
    assert await db.ping() is True  # outside a transaction: as before
    # a dead session inside a transaction is reported, never silently replaced
    await tm.begin()
    pid = (await db.execute("SELECT pg_backend_pid() AS p", options=DQL)).data[0]["p"]
    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    await asyncio.sleep(0.3)
    assert await db.ping() is False
    await tm.rollback()


# -- finding 10: backoff validation, the same in both flavours ------------------------------
@pytest.mark.parametrize("backoff", [-0.1, math.nan, math.inf, "1"])
async def test_bad_constant_backoff_is_refused_before_the_first_attempt(db, backoff):
    runs = []

    async def body(b):
        runs.append(1)  # pragma: no cover

    with pytest.raises(ConfigurationError, match="backoff"):
        await _retry(db, body, attempts=3, backoff=backoff)
    assert runs == [] and not db.in_transaction


@pytest.mark.parametrize("result", [-1, math.nan])
async def test_bad_callable_backoff_result_is_configuration_error(db, result):
    runs = []

    async def body(b):
        runs.append(1)
        await b.execute(RAISE_40001)

    with pytest.raises(ConfigurationError, match=r"backoff\(1\)"):
        await _retry(db, body, attempts=3, backoff=lambda attempt: result)
    assert runs == [1] and not db.in_transaction


@pytest.mark.parametrize("field", ["base", "factor", "cap"])
async def test_backoff_fields_refuse_nan(field):
    with pytest.raises(ConfigurationError, match=field):
        Backoff(**{field: math.nan})
    with pytest.raises(ConfigurationError, match="jitter"):
        Backoff(jitter=math.nan)


async def test_dialect_begin_accepts_level_names_and_refuses_other_text():
    """Settings reaching the dialect directly (BeginTransactionExpression) are checked too: an
    unknown name used to be written into BEGIN verbatim, an unknown mode became READ WRITE."""
    from rhosocial.activerecord.backend.expression.transaction import BeginTransactionExpression
    from rhosocial.activerecord.backend.impl.postgres.dialect import PostgresDialect

    dialect = PostgresDialect()
    sql, _ = BeginTransactionExpression(dialect).isolation_level("repeatable read").to_sql()
    assert sql == "BEGIN ISOLATION LEVEL REPEATABLE READ"
    with pytest.raises(ValueError, match="isolation level"):
        BeginTransactionExpression(dialect).isolation_level("serializable; DROP TABLE t").to_sql()
    expr = BeginTransactionExpression(dialect)
    expr._mode = "read-only"
    assert expr.to_sql()[0] == "BEGIN READ ONLY"
    expr._mode = "readonly"
    with pytest.raises(ValueError, match="transaction mode"):
        expr.to_sql()
