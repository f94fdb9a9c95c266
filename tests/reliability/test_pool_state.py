"""Pooled backends: whose transaction a statement runs in, and what happens to a transaction
its task or thread abandons (review findings pool #3, #4, #5, #7; tx #5, #8).

Transaction state lives in a context-variable scope (core ``pool_scope``): a child task
inherits the transaction it was started in (as on a non-pooled backend); a task or thread
that ends with its transaction open has it rolled back and its connection given back;
disconnect() rolls back and closes what is still pinned; settings made on one manager are
the backend's defaults for the managers made afterwards.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from rhosocial.activerecord.backend.errors import TransactionError
from rhosocial.activerecord.backend.impl.postgres import AsyncPostgresBackend, PostgresBackend
from rhosocial.activerecord.backend.transaction import IsolationLevel, TransactionEvent

from .conftest import Api, assert_no_leaks, make_backend, make_config, run, sessions

POOL = dict(pool_min_size=1, pool_max_size=3, pool_timeout=5)


class Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def recording_logger(name):
    logger = logging.getLogger(f"rhosocial.test.pool_state.{name}")
    logger.handlers[:] = [Records()]
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    return logger, logger.handlers[0]


@pytest.fixture
def table(pg_database, table_name, app_name):
    with pg_database.connect(autocommit=True) as conn:
        conn.execute(f'DROP TABLE IF EXISTS "{table_name}"')
        conn.execute(f'CREATE TABLE "{table_name}" (id int PRIMARY KEY)')
    yield table_name
    with pg_database.connect(autocommit=True) as conn:
        # a session left idle in a transaction (a failed test) would hold the table's lock
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                     (app_name,))
        conn.execute(f'DROP TABLE IF EXISTS "{table_name}"')


def ids(database, table):
    with database.connect() as conn:
        return [r[0] for r in conn.execute(f'SELECT id FROM "{table}" ORDER BY id').fetchall()]


# -- #7 / tx #5: child tasks take part in the transaction they were started in -------------

def test_child_tasks_run_inside_the_pooled_transaction(pg_database, app_name, table):
    backend = AsyncPostgresBackend(connection_config=make_config(pg_database, application_name=app_name, **POOL))
    insert = f'INSERT INTO "{table}" VALUES (%s)'
    pid = "SELECT pg_backend_pid() AS p"

    async def body():
        with pytest.raises(RuntimeError):
            async with backend.transaction_manager:
                own = (await backend.fetch_one(pid))["p"]
                await backend.execute(insert, (0,))
                await asyncio.gather(backend.execute(insert, (1,)), backend.execute(insert, (2,)))
                await asyncio.wait_for(backend.execute(insert, (3,)), 5)
                await asyncio.create_task(backend.execute(insert, (4,)))
                seen = await asyncio.gather(*(backend.fetch_one(pid) for _ in range(3)))
                assert {row["p"] for row in seen} == {own}, "a child task ran on another session"
                assert await asyncio.create_task(_in_transaction(backend))
                raise RuntimeError("roll back")
        assert ids(pg_database, table) == [], "statements of child tasks survived the rollback"
        # the parent holds a row lock: a child updating the row must not wait for it forever
        await backend.execute(insert, (10,))
        async with backend.transaction_manager:
            await backend.execute(f'UPDATE "{table}" SET id = 11 WHERE id = 10')
            await asyncio.wait_for(asyncio.gather(backend.execute(f'UPDATE "{table}" SET id = id + 1')), 10)
        assert ids(pg_database, table) == [12]
        # COMMIT in a child task (asyncio.wait_for on Python < 3.12) commits the transaction
        tm = backend.transaction_manager
        await tm.begin()
        await backend.execute(insert, (20,))
        await asyncio.wait_for(tm.commit(), 5)
        assert not backend.in_transaction and not tm.is_active
        assert ids(pg_database, table) == [12, 20]
        assert (await backend.fetch_one("SELECT 1 AS x")) == {"x": 1}

    run(body(), Api(backend, "async"))
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)


async def _in_transaction(backend):
    return backend.in_transaction


def test_tasks_started_outside_a_transaction_run_their_own(pg_database, app_name, table):
    backend = AsyncPostgresBackend(connection_config=make_config(pg_database, application_name=app_name, **POOL))

    async def body():
        parent = backend.transaction_manager  # the parent has a manager, but no transaction
        both = asyncio.Event()
        count = []

        async def worker(i):
            async with backend.transaction_manager as tm:
                await backend.execute(f'INSERT INTO "{table}" VALUES (%s)', (i,))
                count.append(i)
                if len(count) == 2:
                    both.set()
                await asyncio.wait_for(both.wait(), 5)  # both transactions open at once
                if i == 1:
                    raise RuntimeError("roll back this one only")
                return tm, (await backend.fetch_one("SELECT pg_backend_pid() AS p"))["p"]

        results = await asyncio.gather(worker(0), worker(1), return_exceptions=True)
        assert isinstance(results[1], RuntimeError), results
        assert results[0][0] is not parent and not parent.is_active
        assert ids(pg_database, table) == [0]

    run(body(), Api(backend, "async"))
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)


# -- #3: a task or thread that ends with its transaction open ------------------------------

@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_transaction_left_open_by_an_ended_task_is_rolled_back(pg_database, app_name, table, flavour):
    logger, records = recording_logger(f"orphan-{flavour}")
    config = make_config(pg_database, application_name=app_name, pool_min_size=1, pool_max_size=1, pool_timeout=3)
    backend = make_backend(flavour, config, logger=logger)
    insert = f'INSERT INTO "{table}" VALUES (1)'
    count = f'SELECT count(*) AS n FROM "{table}"'

    if flavour == "async":
        async def job():
            await backend.transaction_manager.begin()
            await backend.execute(insert)
            raise RuntimeError("a bug: neither commit nor rollback")

        async def body():
            with pytest.raises(RuntimeError):
                await asyncio.create_task(job())
            began = time.monotonic()
            row = await backend.fetch_one(count)  # the pool's only connection is back
            return row, time.monotonic() - began
        row, waited = run(body(), Api(backend, flavour))
    else:
        def job():
            backend.transaction_manager.begin()
            backend.execute(insert)  # the thread ends here, transaction open
        thread = threading.Thread(target=job)
        thread.start()
        thread.join(10)
        began = time.monotonic()
        row = backend.fetch_one(count)
        waited = time.monotonic() - began
        backend.disconnect()
    assert row == {"n": 0}
    assert waited < 2.5, f"waited {waited:.1f}s for the connection"
    assert any("ended while its transaction" in m for m in records.messages), records.messages
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)


# -- #4: disconnect() with open transactions ------------------------------------------------

@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_pooled_disconnect_rolls_back_like_a_session(pg_database, app_name, table, flavour):
    logger, records = recording_logger(f"disconnect-{flavour}")
    config = make_config(pg_database, application_name=app_name, **POOL)
    api = Api(make_backend(flavour, config, logger=logger), flavour)
    insert = f'INSERT INTO "{table}" VALUES (%s)'

    async def body():
        await api.begin()
        await api.execute(insert, (1,))
        await api.disconnect()
        assert not api.backend.in_transaction and not api.tm.is_active
        assert not sessions(pg_database.server, pg_database.dbname, app_name)
        await api.connect()
        await api.execute(insert, (2,))
        with pytest.raises(TransactionError, match="No active transaction"):
            await api.commit()

    run(body(), api)
    assert ids(pg_database, table) == [2]
    assert any("Disconnecting with an open transaction" in m for m in records.messages), records.messages
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)


def test_pooled_disconnect_closes_other_threads_transactions(pg_database, app_name, table):
    logger, records = recording_logger("disconnect-other")
    backend = PostgresBackend(connection_config=make_config(pg_database, application_name=app_name, **POOL),
                              logger=logger)
    opened, disconnected, seen = threading.Event(), threading.Event(), {}

    def worker():
        tm = backend.transaction_manager
        tm.begin()
        backend.execute(f'INSERT INTO "{table}" VALUES (1)')
        opened.set()
        disconnected.wait(10)
        seen["active"] = tm.is_active
    thread = threading.Thread(target=worker)
    thread.start()
    assert opened.wait(10)
    backend.disconnect()
    disconnected.set()
    thread.join(10)
    assert seen == {"active": False}
    assert ids(pg_database, table) == []
    assert any("1 transaction(s) of other tasks or threads" in m for m in records.messages), records.messages
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_pooled_disconnect_during_another_workers_statement(pg_database, app_name, table, flavour):
    """The other worker's statement in flight is cancelled and its connection closed once it
    returns: the worker gets an error at once instead of waiting on a closed socket forever."""
    config = make_config(pg_database, application_name=app_name, **POOL)
    api = Api(make_backend(flavour, config), flavour)
    result = {}

    async def worker(started):
        await api.begin()
        await api.execute(f'INSERT INTO "{table}" VALUES (1)')
        started()
        began = time.monotonic()
        try:
            await api.execute("SELECT pg_sleep(30)")
        except Exception as exc:  # noqa: BLE001 - checked below
            result["error"] = exc
        result["elapsed"] = time.monotonic() - began

    def running():
        return any("pg_sleep" in (q or "") and s == "active"
                   for _, s, _, q in sessions(pg_database.server, pg_database.dbname, app_name))

    if flavour == "async":
        async def body():
            task = asyncio.create_task(worker(lambda: None))
            for _ in range(200):
                await asyncio.sleep(0.05)
                if running():
                    break
            await api.disconnect()
            await asyncio.wait_for(task, 15)
        run(body(), api)
    else:
        started = threading.Event()
        thread = threading.Thread(target=lambda: asyncio.run(worker(started.set)))
        thread.start()
        assert started.wait(10)
        for _ in range(200):
            if running():
                break
            time.sleep(0.05)
        run(api.disconnect())
        thread.join(15)
        assert not thread.is_alive()
    assert result.get("error") is not None and result["elapsed"] < 10, result
    assert ids(pg_database, table) == []
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)


# -- #5: one async pooled backend, two event loops ------------------------------------------

def test_async_pool_serves_a_second_event_loop(pg_database, app_name):
    backend = AsyncPostgresBackend(connection_config=make_config(pg_database, application_name=app_name, **POOL))

    async def body():
        async def one(i):  # five tasks open the pool at once: the lock is contended
            async with backend.transaction_manager:
                return (await backend.fetch_one("SELECT %s::int AS i", (i,)))["i"]
        return await asyncio.gather(*(one(i) for i in range(5)))

    for _ in range(2):  # asyncio.run twice in one thread, disconnected in between
        assert run(body(), Api(backend, "async")) == list(range(5))
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)


# -- sync: threads of a ThreadPoolExecutor keep their own state between jobs ----------------

def test_thread_pool_jobs_run_their_own_transactions(pg_database, app_name, table):
    backend = PostgresBackend(connection_config=make_config(pg_database, application_name=app_name, **POOL))

    def job(i):
        with backend.transaction_manager as tm:
            backend.execute(f'INSERT INTO "{table}" VALUES (%s)', (i,))
            assert backend.in_transaction
        assert not backend.in_transaction
        return threading.get_ident(), tm

    with ThreadPoolExecutor(2) as executor:
        done = list(executor.map(job, range(8)))
    backend.disconnect()
    managers = {}
    for ident, tm in done:
        assert managers.setdefault(ident, tm) is tm  # one manager per thread, reused by its jobs
    assert len(set(map(id, managers.values()))) == len(managers)
    assert ids(pg_database, table) == list(range(8))
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)


# -- tx #8: settings and handlers set on the manager are the backend's defaults -------------

@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_manager_settings_apply_to_every_thread_and_task(pg_database, app_name, flavour):
    """Configured once (in the main thread, or the main task): a transaction of another thread
    or task runs SERIALIZABLE READ ONLY DEFERRABLE, and the AFTER_COMMIT handler runs for it."""
    config = make_config(pg_database, application_name=app_name, **POOL)
    api = Api(make_backend(flavour, config), flavour)
    committed = []
    show = "SELECT current_setting('transaction_isolation') AS i, current_setting('transaction_read_only') AS r, " \
           "current_setting('transaction_deferrable') AS d"

    def configure():
        tm = api.tm
        tm.set_isolation_level(IsolationLevel.SERIALIZABLE)
        tm.set_read_only(True)
        tm.set_deferrable(True)
        tm.on(TransactionEvent.AFTER_COMMIT, lambda manager, **kw: committed.append(manager))
        return tm

    async def transaction():
        async with api.transaction():
            return await api.rows(show), api.tm

    if flavour == "async":
        async def body():
            tm = configure()
            return tm, await asyncio.create_task(transaction())
        tm, (rows, other) = run(body(), api)
    else:
        tm = configure()
        result = []
        thread = threading.Thread(target=lambda: result.append(asyncio.run(transaction())))
        thread.start()
        thread.join(10)
        run(api.disconnect())
        rows, other = result[0]
    assert rows == [{"i": "serializable", "r": "on", "d": "on"}]
    assert other is not tm
    assert committed == [other]
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)
