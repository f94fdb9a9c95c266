"""Serialization failures and deadlocks provoked for real with two sessions, their error
classes, and retry_transaction: re-runs only on those two (bounded, with backoff)."""

from __future__ import annotations

import threading

import pytest
from rhosocial.activerecord.backend.errors import (
    ConnectionError,
    DeadlockError,
    IntegrityError,
    TransactionError,
)
from rhosocial.activerecord.backend.impl.postgres.aio.retry import retry_transaction as async_retry
from rhosocial.activerecord.backend.impl.postgres.config import ConfigurationError
from rhosocial.activerecord.backend.impl.postgres.errors import SerializationError
from rhosocial.activerecord.backend.impl.postgres.retry import Backoff, delay_for, is_retryable_error
from rhosocial.activerecord.backend.impl.postgres.sync.retry import retry_transaction as sync_retry

from .conftest import Api, admin_connect, run, sessions, terminate, wait_until


def retry(api: Api, fn, **kwargs):
    """retry_transaction of the api's flavour; ``fn`` is an ``async def fn(api)`` body."""
    if api.is_async:
        async def async_fn(_backend):
            return await fn(api)
        return async_retry(async_fn, api.backend, **kwargs)

    def sync_fn(_backend):
        coro = fn(api)
        try:  # the sync flavour's calls never suspend: drive the coroutine by hand
            coro.send(None)
        except StopIteration as stop:
            return stop.value
        raise RuntimeError("sync body suspended")

    async def wrapper():
        return sync_retry(sync_fn, api.backend, **kwargs)
    return wrapper()


async def _setup(api: Api, table: str) -> None:
    await api.execute(f'DROP TABLE IF EXISTS "{table}"')
    await api.execute(f'CREATE TABLE "{table}" (id int PRIMARY KEY, v int NOT NULL)')
    await api.execute(f'INSERT INTO "{table}" VALUES (1, 0), (2, 0)')


def _admin_update(server, dbname: str, table: str, row: int, delta: int) -> None:
    with admin_connect(server, dbname) as conn:
        conn.execute(f'UPDATE "{table}" SET v = v + %s WHERE id = %s', (delta, row))


def _deadlock_partner(server, dbname: str, table: str, victim_pid: int, ready: threading.Event,
                      errors: list) -> threading.Thread:
    """Second session: locks row 2, then (once the victim waits for row 2) wants row 1.
    Its deadlock_timeout is long, so the victim (100 ms on the fault server) detects the cycle."""
    def target():
        try:
            with admin_connect(server, dbname) as conn:
                conn.execute("SET deadlock_timeout = '10s'")
                conn.execute("BEGIN")
                conn.execute(f'UPDATE "{table}" SET v = v + 10 WHERE id = 2')
                ready.set()
                waiting = wait_until(lambda: any(
                    pid == victim_pid and state == "active"
                    for pid, state, _x, _q in sessions(server, dbname)) and _waits_for_lock(server, victim_pid), 10)
                assert waiting, "victim never blocked on row 2"
                conn.execute(f'UPDATE "{table}" SET v = v + 10 WHERE id = 1')
                conn.execute("COMMIT")
        except BaseException as exc:  # reported by the test
            errors.append(exc)
            ready.set()
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def _waits_for_lock(server, pid: int) -> bool:
    with admin_connect(server) as conn:
        row = conn.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    return bool(row and row[0] == "Lock")


def _values(server, dbname, table):
    with admin_connect(server, dbname) as conn:
        return dict(conn.execute(f'SELECT id, v FROM "{table}"').fetchall())


# -- the errors --------------------------------------------------------------------------

def test_serialization_failure_maps_to_serialization_error(fault_api_factory, fault_server, fault_db, table_name):
    api = fault_api_factory()

    async def body():
        await _setup(api, table_name)
        with pytest.raises(SerializationError) as info:
            async with api.transaction(isolation_level="REPEATABLE_READ"):
                assert await api.value(f'SELECT v FROM "{table_name}" WHERE id = 1') == 0
                _admin_update(fault_server, fault_db.dbname, table_name, 1, 100)
                await api.execute(f'UPDATE "{table_name}" SET v = v + 1 WHERE id = 1')
        assert info.value.sqlstate == "40001"
        assert is_retryable_error(info.value)
        assert not api.backend.in_transaction

    run(body())
    assert _values(fault_server, fault_db.dbname, table_name) == {1: 100, 2: 0}


def test_serializable_write_skew_fails_at_commit_and_manager_recovers(fault_api_factory, fault_server, fault_db,
                                                                        table_name):
    """Write skew under SERIALIZABLE: the conflict shows up at COMMIT. The error must say so
    (40001 in the chain) and the manager must be back to "no transaction"."""
    api = fault_api_factory()

    async def body():
        await _setup(api, table_name)
        with admin_connect(fault_server, fault_db.dbname) as other:
            with pytest.raises((SerializationError, TransactionError)) as info:
                async with api.transaction(isolation_level="SERIALIZABLE"):
                    await api.value(f'SELECT sum(v) FROM "{table_name}"')
                    other.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
                    other.execute(f'SELECT sum(v) FROM "{table_name}"')
                    other.execute(f'UPDATE "{table_name}" SET v = 1 WHERE id = 2')
                    await api.execute(f'UPDATE "{table_name}" SET v = 1 WHERE id = 1')
                    other.execute("COMMIT")
            assert is_retryable_error(info.value), repr(info.value)
        assert not api.backend.in_transaction, "manager still thinks a transaction is open after a failed COMMIT"
        await api.execute("SELECT 1")

    run(body())
    assert _values(fault_server, fault_db.dbname, table_name) == {1: 0, 2: 1}


def test_deadlock_maps_to_deadlock_error(fault_api_factory, fault_server, fault_db, table_name):
    api = fault_api_factory()
    errors: list = []

    async def body():
        await _setup(api, table_name)
        pid = await api.backend_pid()
        with pytest.raises(DeadlockError) as info:
            async with api.transaction():
                await api.execute(f'UPDATE "{table_name}" SET v = v + 1 WHERE id = 1')
                ready = threading.Event()
                partner = _deadlock_partner(fault_server, fault_db.dbname, table_name, pid, ready, errors)
                ready.wait(10)
                await api.execute(f'UPDATE "{table_name}" SET v = v + 1 WHERE id = 2')
        partner.join(15)
        assert info.value.sqlstate == "40P01"
        assert is_retryable_error(info.value)
        assert not api.backend.in_transaction

    run(body())
    assert not errors, errors
    assert _values(fault_server, fault_db.dbname, table_name) == {1: 10, 2: 10}  # only the partner committed


# -- retry_transaction ---------------------------------------------------------------------

def test_retry_reruns_after_real_serialization_failure(fault_api_factory, fault_server, fault_db, table_name):
    api = fault_api_factory()
    attempts = []
    retried = []

    async def increment(a):
        attempts.append(1)
        current = await a.value(f'SELECT v FROM "{table_name}" WHERE id = 1')
        if len(attempts) == 1:  # a concurrent writer, the first time only
            _admin_update(fault_server, fault_db.dbname, table_name, 1, 100)
        await a.execute(f'UPDATE "{table_name}" SET v = %s WHERE id = 1', (current + 1,))
        return current + 1

    async def body():
        await _setup(api, table_name)
        result = await retry(api, increment, attempts=3, backoff=0.01, isolation_level="REPEATABLE_READ",
                             on_retry=lambda n, e, d: retried.append((n, type(e).__name__, d)))
        assert result == 101

    run(body())
    assert len(attempts) == 2
    assert retried == [(1, "SerializationError", 0.01)]
    assert _values(fault_server, fault_db.dbname, table_name)[1] == 101  # no lost update


def test_retry_reruns_after_real_deadlock(fault_api_factory, fault_server, fault_db, table_name):
    api = fault_api_factory()
    attempts = []
    errors: list = []
    partners = []

    async def transfer(a):
        attempts.append(1)
        await a.execute(f'UPDATE "{table_name}" SET v = v + 1 WHERE id = 1')
        if len(attempts) == 1:
            ready = threading.Event()
            partners.append(_deadlock_partner(fault_server, fault_db.dbname, table_name,
                                              await a.backend_pid(), ready, errors))
            ready.wait(10)
        await a.execute(f'UPDATE "{table_name}" SET v = v + 1 WHERE id = 2')

    async def body():
        await _setup(api, table_name)
        await retry(api, transfer, attempts=3, backoff=Backoff(base=0.01, jitter=0))

    run(body())
    for partner in partners:
        partner.join(15)
    assert not errors, errors
    assert len(attempts) == 2
    assert _values(fault_server, fault_db.dbname, table_name) == {1: 11, 2: 11}


def test_retry_never_reruns_other_errors(fault_api_factory, fault_server, fault_db, table_name):
    api = fault_api_factory()
    attempts = []

    async def duplicate(a):
        attempts.append(1)
        await a.execute(f'INSERT INTO "{table_name}" VALUES (3, 0)')
        await a.execute(f'INSERT INTO "{table_name}" VALUES (1, 0)')  # primary key violation

    async def body():
        await _setup(api, table_name)
        with pytest.raises(IntegrityError):
            await retry(api, duplicate, attempts=5, backoff=0)
        assert not api.backend.in_transaction

    run(body())
    assert len(attempts) == 1
    assert _values(fault_server, fault_db.dbname, table_name) == {1: 0, 2: 0}  # row 3 rolled back


def test_retry_never_reruns_after_connection_loss(fault_api_factory, fault_server, fault_db, table_name):
    """A lost connection is not retried: the work might have committed."""
    api = fault_api_factory()
    attempts = []

    async def work(a):
        attempts.append(1)
        await a.execute(f'UPDATE "{table_name}" SET v = v + 1 WHERE id = 1')
        terminate(fault_server, await a.backend_pid())
        wait_until(lambda: not sessions(fault_server, fault_db.dbname), timeout=5)
        await a.execute(f'UPDATE "{table_name}" SET v = v + 1 WHERE id = 2')

    async def body():
        await _setup(api, table_name)
        with pytest.raises(ConnectionError):
            await retry(api, work, attempts=5, backoff=0)
        assert not api.backend.in_transaction

    run(body())
    assert len(attempts) == 1
    assert _values(fault_server, fault_db.dbname, table_name) == {1: 0, 2: 0}


def test_retry_is_bounded_and_backs_off(fault_api_factory):
    api = fault_api_factory()
    attempts = []
    delays = []

    async def always_conflicts(a):
        attempts.append(1)
        await a.execute("SELECT 1")
        error = SerializationError("simulated 40001")
        error.sqlstate = "40001"
        raise error

    async def body():
        with pytest.raises(SerializationError):
            await retry(api, always_conflicts, attempts=4, backoff=lambda n: 0.001 * n,
                        on_retry=lambda n, e, d: delays.append(d))
        assert not api.backend.in_transaction

    run(body())
    assert len(attempts) == 4
    assert delays == [0.001, 0.002, 0.003]


def test_retry_refuses_to_start_inside_a_transaction(fault_api_factory):
    api = fault_api_factory()

    async def noop(a):
        return 1

    async def body():
        async with api.transaction():
            with pytest.raises(TransactionError):
                await retry(api, noop)

    run(body())


def test_retry_validates_arguments(fault_api_factory):
    api = fault_api_factory()

    async def noop(a):
        return 1

    async def body():
        with pytest.raises(ConfigurationError, match="attempts"):
            await retry(api, noop, attempts=0)
        assert await retry(api, noop, attempts=1) == 1

    run(body())


def test_backoff_arithmetic():
    b = Backoff(base=0.1, factor=2, cap=0.5, jitter=0)
    assert [b.delay(n) for n in range(1, 6)] == [0.1, 0.2, 0.4, 0.5, 0.5]
    jittered = Backoff(base=0.1, factor=2, cap=1, jitter=0.5)
    for n in range(1, 5):
        d = jittered.delay(n)
        full = min(1, 0.1 * 2 ** (n - 1))
        assert full / 2 <= d <= full
    assert delay_for(0.25, 3) == 0.25
    assert delay_for(lambda n: n / 10, 3) == 0.3
    with pytest.raises(ConfigurationError, match="jitter"):
        Backoff(jitter=2)
    with pytest.raises(ConfigurationError, match="base"):
        Backoff(base=-1)
    with pytest.raises(ConfigurationError, match="backoff"):
        delay_for("soon", 1)


def test_retryable_decision_follows_cause_chain():
    inner = SerializationError("x")
    outer = TransactionError("Failed to commit transaction: x")
    outer.__cause__ = inner
    assert is_retryable_error(outer)
    assert is_retryable_error(DeadlockError("d"))
    assert not is_retryable_error(IntegrityError("dup"))
    assert not is_retryable_error(ConnectionError("gone"))
    plain = TransactionError("raw")
    plain.sqlstate = "40001"
    assert is_retryable_error(plain)
