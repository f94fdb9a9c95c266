"""Transaction review fixes, sync and async: a COMMIT interrupted by a cancellation or
KeyboardInterrupt (finding 2, and pool review finding 1), a connection lost inside a nested
block (3), and an AFTER_COMMIT handler failing after a successful COMMIT (4)."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest
from rhosocial.activerecord.backend.errors import ConnectionError, TransactionError
from rhosocial.activerecord.backend.impl.postgres import AfterCommitHookError, SerializationError
from rhosocial.activerecord.backend.impl.postgres.retry import is_retryable_error
from rhosocial.activerecord.backend.transaction import TransactionEvent

from .conftest import DQL
from .test_review_tx_settings import RAISE_40001, _create, _ids, _real, _retry

pytestmark = pytest.mark.asyncio

POOLED = {"pool_min_size": 1, "pool_max_size": 1, "pool_timeout": 2}


def _slow_commit(admin, table, seconds=2):
    """A deferred trigger that makes the COMMIT of an INSERT into ``table`` take ``seconds``."""
    admin.execute(f'CREATE TABLE "{table}" (id INT PRIMARY KEY)')
    admin.execute(f'CREATE FUNCTION "{table}_slow"() RETURNS trigger LANGUAGE plpgsql AS '
                  f'$$ BEGIN PERFORM pg_sleep({seconds}); RETURN NULL; END $$')
    admin.execute(f'CREATE CONSTRAINT TRIGGER slow AFTER INSERT ON "{table}" DEFERRABLE INITIALLY DEFERRED '
                  f'FOR EACH ROW EXECUTE PROCEDURE "{table}_slow"()')


def _drop_slow(admin, table):
    admin.execute("SET lock_timeout = '5s'")  # a failed test may leave a transaction holding locks
    admin.execute(f'DROP TABLE IF EXISTS "{table}"')
    admin.execute(f'DROP FUNCTION IF EXISTS "{table}_slow"()')


async def _interrupted(db, body, check, after=0.3):
    """Run ``body()``, interrupt it after ``after`` s, then ``check()`` in the same task or
    thread: a cancellation of the running task (async; one task per "request", as in a web
    server), KeyboardInterrupt from a signal handler (sync)."""
    if _real(db) is db:
        async def request():
            me = asyncio.current_task()
            timer = asyncio.get_running_loop().call_later(after, me.cancel)
            try:
                await body()
            except asyncio.CancelledError:
                if hasattr(me, "uncancel"):
                    me.uncancel()
                return await check()
            finally:
                timer.cancel()
            raise AssertionError("not interrupted")  # pragma: no cover

        return await asyncio.ensure_future(request())

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, after)
    try:
        with pytest.raises(KeyboardInterrupt):
            await body()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return await check()


# -- finding 2: COMMIT interrupted --------------------------------------------------------
@pytest.mark.parametrize("pooled", [False, True], ids=["dedicated", "pooled"])
async def test_interrupted_commit_resets_the_manager_and_gives_the_connection_back(
        backend_factory, admin, table, pooled):
    _slow_commit(admin, table)
    try:
        db = await backend_factory(**(POOLED if pooled else {}))
        real = _real(db)
        for i in range(3):  # pool_max_size=1: a leaked connection would starve the next round
            async def body(i=i):
                async with db.transaction_manager.transaction():
                    await db.execute(f'INSERT INTO "{table}" VALUES ({i})')
            async def check():
                tm = db.transaction_manager
                assert not tm.is_active and not tm._server_transaction and tm.transaction_level == 0
                assert not real._holds_transaction() and not db.in_transaction
                assert real._pinned_connection() is None

            await _interrupted(db, body, check)
            if pooled:
                stats = real._pool.get_stats()
                assert stats["pool_available"] == stats["pool_size"] == 1, stats
        assert (await db.execute("SELECT 1 AS x", options=DQL)).data == [{"x": 1}]
        assert admin.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == 0  # cancelled COMMITs
        async with db.transaction_manager.transaction():  # and the manager works again
            await db.execute("SELECT 1")
    finally:
        _drop_slow(admin, table)


async def test_after_interrupted_commit_an_idle_drop_is_a_transparent_reconnect(table, backend_factory, admin):
    """README: a connection the server closed while idle is replaced before anything is sent;
    that held after an interrupted COMMIT only if the manager forgot the transaction."""
    _slow_commit(admin, table)
    try:
        db = await backend_factory()

        async def body():
            await db.transaction_manager.begin()
            await db.execute(f'INSERT INTO "{table}" VALUES (1)')
            await db.transaction_manager.commit()

        async def check():
            pid = _real(db)._connection.info.backend_pid
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            time.sleep(0.3)
            row = (await db.execute("SELECT pg_backend_pid() AS p", options=DQL)).data[0]
            assert row["p"] != pid
            await db.transaction_manager.rollback()  # what the error used to advise: a quiet no-op
            with pytest.raises(TransactionError, match="No active transaction"):
                await db.transaction_manager.rollback()

        await _interrupted(db, body, check)
    finally:
        _drop_slow(admin, table)


async def test_commit_interrupted_before_it_was_sent_rolls_back(table, db):
    """Interrupted in a BEFORE_COMMIT handler: COMMIT never went out, nobody is left to roll
    back (``except Exception`` does not see the interrupt), so the manager does it."""
    await _create(db, table)
    tm, real = db.transaction_manager, _real(db)
    if real is db:
        async def slow(manager, **kwargs):
            await asyncio.sleep(2)
    else:
        def slow(manager, **kwargs):
            time.sleep(2)

    async def body():
        await tm.begin()
        try:
            await db.execute(f'INSERT INTO "{table}" VALUES (1)')
            await tm.commit()
        except Exception:  # pragma: no cover - the README pattern; an interrupt passes by
            await tm.rollback()
            raise

    async def check():
        assert not tm.is_active and not real._holds_transaction()
        assert real._connection.info.transaction_status.name == "IDLE"

    tm.on(TransactionEvent.BEFORE_COMMIT, slow)
    try:
        await _interrupted(db, body, check)
    finally:
        tm.off(TransactionEvent.BEFORE_COMMIT, slow)
    assert await _ids(db, table) == []

    def refuse(manager, **kwargs):
        raise ValueError("not now")

    tm.on(TransactionEvent.BEFORE_COMMIT, refuse)  # an error (not an interrupt): the core's contract
    try:
        await tm.begin()
        await db.execute(f'INSERT INTO "{table}" VALUES (2)')
        with pytest.raises(TransactionError, match="not now"):
            await tm.commit()
        assert tm.is_active  # still open: the caller decides
        await tm.rollback()
    finally:
        tm.off(TransactionEvent.BEFORE_COMMIT, refuse)
    assert not tm.is_active and await _ids(db, table) == []


# -- finding 3: connection lost inside a nested block --------------------------------------
async def test_connection_lost_in_nested_block_leaves_the_manager_idle(table, db, admin):
    await _create(db, table)
    tm = db.transaction_manager
    with pytest.raises(ConnectionError) as info:
        async with tm.transaction():
            await db.execute(f'INSERT INTO "{table}" VALUES (1)')
            async with tm.transaction():
                await db.execute(f'INSERT INTO "{table}" VALUES (2)')
                pid = (await db.execute("SELECT pg_backend_pid() AS p", options=DQL)).data[0]["p"]
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
                time.sleep(0.3)
                await db.execute(f'INSERT INTO "{table}" VALUES (3)')
    # raised once, the statement's error (not "Failed to rollback transaction")
    assert "lost inside a transaction" in str(info.value) and not isinstance(info.value, TransactionError)
    assert not tm.is_active and tm.transaction_level == 0 and not db.in_transaction
    async with tm.transaction():  # README: the next transaction reconnects
        await db.execute(f'INSERT INTO "{table}" VALUES (4)')
    assert await _ids(db, table) == [4]


async def test_swallowed_loss_in_nested_block_never_runs_the_rest_in_autocommit(table, db, admin):
    await _create(db, table)
    tm = db.transaction_manager
    with pytest.raises(ConnectionError):
        async with tm.transaction():
            await db.execute(f'INSERT INTO "{table}" VALUES (1)')
            pid = (await db.execute("SELECT pg_backend_pid() AS p", options=DQL)).data[0]["p"]
            with pytest.raises(ConnectionError):
                async with tm.transaction():
                    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
                    time.sleep(0.3)
                    await db.execute(f'INSERT INTO "{table}" VALUES (2)')
            assert tm.transaction_level == 1
            await db.execute(f'INSERT INTO "{table}" VALUES (3)')  # must not run on a new session
    assert not tm.is_active and await _ids(db, table) == []


# -- finding 4: AFTER_COMMIT handler failure ------------------------------------------------
def _failing_after_commit(db, calls):
    """An AFTER_COMMIT handler whose first call runs a statement failing with 40001."""
    real = _real(db)
    if real is db:
        async def handler(manager, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                await real.execute(RAISE_40001)
    else:
        def handler(manager, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                real.execute(RAISE_40001)
    return handler


async def test_after_commit_failure_is_not_retried(table, db):
    await db.execute(f'CREATE TABLE "{table}" (id INT)')  # no key: a replay would add a row
    tm = db.transaction_manager
    calls, runs = [], []
    handler = _failing_after_commit(db, calls)
    tm.on(TransactionEvent.AFTER_COMMIT, handler)

    async def body(b):
        runs.append(1)
        await b.execute(f'INSERT INTO "{table}" VALUES (1)')

    try:
        with pytest.raises(AfterCommitHookError, match="was committed") as info:
            await _retry(db, body, attempts=3, backoff=0)
    finally:
        tm.off(TransactionEvent.AFTER_COMMIT, handler)
    assert runs == [1] and await _ids(db, table) == [1]
    error = info.value
    assert isinstance(error.__cause__, SerializationError) and error.committed
    assert not isinstance(error, SerializationError) and not is_retryable_error(error)
    assert not tm.is_active and not _real(db)._holds_transaction()


async def test_after_commit_failure_through_the_explicit_pattern(table, db):
    await _create(db, table)
    tm = db.transaction_manager
    calls = []
    handler = _failing_after_commit(db, calls)
    tm.on(TransactionEvent.AFTER_COMMIT, handler)
    try:
        await tm.begin()
        await db.execute(f'INSERT INTO "{table}" VALUES (7)')
        with pytest.raises(AfterCommitHookError) as info:
            try:
                await tm.commit()
            except Exception:
                await tm.rollback()  # nothing to roll back: a quiet no-op
                raise
    finally:
        tm.off(TransactionEvent.AFTER_COMMIT, handler)
    assert "Failed to commit" not in str(info.value) and isinstance(info.value, TransactionError)
    assert await _ids(db, table) == [7] and not tm.is_active
    async with tm.transaction():  # usable again
        await db.execute(f'INSERT INTO "{table}" VALUES (8)')
    assert await _ids(db, table) == [7, 8]
