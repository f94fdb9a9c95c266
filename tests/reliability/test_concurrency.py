"""Many threads / tasks sharing one pooled backend, each running transactions.

Checks: every statement of a transaction runs on one session (pinned connection), a task
never sees another's rows or results, rolled-back transactions leave nothing, committed ones
leave exactly their rows, nothing deadlocks (bounded joins), no connection leaks afterwards.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from rhosocial.activerecord.backend.impl.postgres import AsyncPostgresBackend, PostgresBackend

from .conftest import QUIET, admin_connect, assert_no_leaks, make_config, run

THREADS = 16
TX_PER_THREAD = 20
TASKS = 200
TX_PER_TASK = 3
ROWS_PER_TX = 3


def _create(database, table):
    with database.connect(autocommit=True) as conn:
        conn.execute(f'DROP TABLE IF EXISTS "{table}"')
        conn.execute(f'CREATE TABLE "{table}" (worker int, seq int, k int, pid int, PRIMARY KEY (worker, seq, k))')


def _check_table(database, table, committed):
    with database.connect() as conn:
        rows = conn.execute(f'SELECT worker, seq, k FROM "{table}"').fetchall()
        conn.execute(f'DROP TABLE "{table}"')
    got = {(w, s) for w, s, _k in rows}
    assert got == committed, (f"missing: {sorted(committed - got)[:5]} unexpected: {sorted(got - committed)[:5]}")
    assert len(rows) == len(committed) * ROWS_PER_TX


@pytest.mark.parametrize("warm", [True, False], ids=["pool-opened-first", "cold-start"])
def test_16_threads_share_a_pooled_backend(pg_database, app_name, table_name, warm):
    _create(pg_database, table_name)
    config = make_config(pg_database, application_name=app_name, pool_min_size=2, pool_max_size=8,
                         pool_timeout=30)
    backend = PostgresBackend(connection_config=config, logger=QUIET)
    if warm:
        backend.connect()
    start = threading.Barrier(THREADS)  # cold start: all threads hit the unopened pool at once (R4)
    committed, errors, lock = set(), [], threading.Lock()

    def worker(wid: int):
        try:
            start.wait(30)
            for seq in range(TX_PER_THREAD):
                tm = backend.transaction_manager
                rollback = seq % 5 == 4
                tm.begin()
                try:
                    pid = backend.fetch_one("SELECT pg_backend_pid() AS p")["p"]
                    for k in range(ROWS_PER_TX):
                        backend.execute(f'INSERT INTO "{table_name}" VALUES (%s, %s, %s, pg_backend_pid())',
                                        (wid, seq, k))
                    mine = backend.fetch_all(f'SELECT k, pid FROM "{table_name}" WHERE worker = %s AND seq = %s '
                                             f'ORDER BY k', (wid, seq))
                    assert [r["k"] for r in mine] == list(range(ROWS_PER_TX)), mine
                    assert {r["pid"] for r in mine} == {pid}, "statements of one transaction on several sessions"
                    assert backend.fetch_one("SELECT pg_backend_pid() AS p")["p"] == pid
                    # uncommitted rows of other workers are invisible: the rows of the
                    # transactions that roll back (seq % 5 == 4) are never committed, so no
                    # other worker may ever see one (test_uncommitted_rows_... checks the
                    # timing-independent case step by step)
                    dirty = backend.fetch_one(f'SELECT count(*) AS n FROM "{table_name}" '
                                              f'WHERE worker <> %s AND mod(seq, 5) = 4', (wid,))
                    assert dirty["n"] == 0, f"worker {wid} saw {dirty['n']} rows of rolled-back transactions"
                except BaseException:
                    tm.rollback()
                    raise
                if rollback:
                    tm.rollback()
                else:
                    tm.commit()
                    with lock:
                        committed.add((wid, seq))
                # statements outside transactions interleave with others' transactions
                echo = backend.fetch_one("SELECT %s::int AS w, %s::text AS t", (wid, f"w{wid}s{seq}"))
                assert echo == {"w": wid, "t": f"w{wid}s{seq}"}
                assert not backend.in_transaction
        except BaseException as exc:
            errors.append((wid, exc))

    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    hung = [t.name for t in threads if t.is_alive()]
    elapsed = time.monotonic() - began
    backend.disconnect()
    assert not hung, f"threads still running after 120 s (deadlock?): {hung}"
    assert not errors, errors[:3]
    _check_table(pg_database, table_name, committed)
    assert len(committed) == THREADS * TX_PER_THREAD * 4 // 5
    print(f"{THREADS} threads x {TX_PER_THREAD} tx: {elapsed:.2f}s")
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)


def test_uncommitted_rows_of_another_thread_are_invisible(pg_database, app_name, table_name):
    """Thread A inserts and holds its transaction open; thread B, on its own pooled session,
    sees none of A's rows (in a transaction and outside one) until A commits, then all of them."""
    _create(pg_database, table_name)
    config = make_config(pg_database, application_name=app_name, pool_min_size=2, pool_max_size=4,
                         pool_timeout=30)
    backend = PostgresBackend(connection_config=config, logger=QUIET)
    inserted, checked, committed = threading.Event(), threading.Event(), threading.Event()
    seen, errors = {}, []
    count = f'SELECT count(*) AS n FROM "{table_name}" WHERE worker = 1'

    def writer():
        try:
            tm = backend.transaction_manager
            tm.begin()
            try:
                seen["writer_pid"] = backend.fetch_one("SELECT pg_backend_pid() AS p")["p"]
                for k in range(ROWS_PER_TX):
                    backend.execute(f'INSERT INTO "{table_name}" VALUES (1, 0, %s, pg_backend_pid())', (k,))
                seen["writer_own"] = backend.fetch_one(count)["n"]
                inserted.set()
                assert checked.wait(30), "reader never checked"
            except BaseException:
                tm.rollback()
                raise
            tm.commit()
        except BaseException as exc:
            errors.append(("writer", exc))
        finally:
            inserted.set()
            committed.set()

    def reader():
        try:
            assert inserted.wait(30), "writer never inserted"
            seen["outside"] = backend.fetch_one(count)["n"]
            tm = backend.transaction_manager
            tm.begin()  # READ COMMITTED: each statement sees what was committed before it
            try:
                seen["reader_pid"] = backend.fetch_one("SELECT pg_backend_pid() AS p")["p"]
                seen["before"] = backend.fetch_one(count)["n"]
                checked.set()
                assert committed.wait(30), "writer never committed"
                seen["after"] = backend.fetch_one(count)["n"]
            finally:
                tm.rollback()
        except BaseException as exc:
            errors.append(("reader", exc))
        finally:
            checked.set()

    threads = [threading.Thread(target=writer, daemon=True), threading.Thread(target=reader, daemon=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    hung = [t.name for t in threads if t.is_alive()]
    backend.disconnect()
    assert not hung, f"threads still running after 60 s: {hung}"
    assert not errors, errors
    assert seen["writer_pid"] != seen["reader_pid"], "both transactions on one session"
    assert seen["writer_own"] == ROWS_PER_TX  # the writer sees its own uncommitted rows
    assert (seen["outside"], seen["before"]) == (0, 0), f"uncommitted rows were visible: {seen}"
    assert seen["after"] == ROWS_PER_TX, f"committed rows not visible: {seen}"
    with pg_database.connect() as conn:
        conn.execute(f'DROP TABLE "{table_name}"')
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)


@pytest.mark.parametrize("warm", [
    True,
    False,
], ids=["pool-opened-first", "cold-start"])
def test_200_tasks_share_a_pooled_async_backend(pg_database, app_name, table_name, warm):
    _create(pg_database, table_name)
    config = make_config(pg_database, application_name=app_name, pool_min_size=2, pool_max_size=10,
                         pool_timeout=60 if warm else 5)
    backend = AsyncPostgresBackend(connection_config=config, logger=QUIET)
    committed = set()

    async def task(wid: int):
        for seq in range(TX_PER_TASK):
            rollback = (wid + seq) % 4 == 0
            tm = backend.transaction_manager
            await tm.begin()
            try:
                pid = (await backend.fetch_one("SELECT pg_backend_pid() AS p"))["p"]
                for k in range(ROWS_PER_TX):
                    await backend.execute(f'INSERT INTO "{table_name}" VALUES (%s, %s, %s, pg_backend_pid())',
                                          (wid, seq, k))
                    await asyncio.sleep(0)  # let other tasks interleave mid-transaction
                mine = await backend.fetch_all(f'SELECT k, pid FROM "{table_name}" WHERE worker = %s AND seq = %s '
                                               f'ORDER BY k', (wid, seq))
                assert [r["k"] for r in mine] == list(range(ROWS_PER_TX)), mine
                assert {r["pid"] for r in mine} == {pid}
            except BaseException:
                await tm.rollback()
                raise
            if rollback:
                await tm.rollback()
            else:
                await tm.commit()
                committed.add((wid, seq))
            echo = await backend.fetch_one("SELECT %s::int AS w", (wid,))
            assert echo == {"w": wid}
            assert not backend.in_transaction

    async def body():
        if warm:
            await backend.connect()
        try:
            results = await asyncio.wait_for(asyncio.gather(*(task(i) for i in range(TASKS)),
                                                            return_exceptions=True), timeout=120)
        finally:
            await backend.disconnect()
        failures = [r for r in results if isinstance(r, BaseException)]
        assert not failures, failures[:3]

    began = time.monotonic()
    try:
        run(body())
    finally:  # a failed run may leave orphaned pools behind: do not starve later tests
        if not warm:  # (R4, fixed: kept as a regression guard)
            with admin_connect(pg_database.server) as conn:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                             (app_name,))
    print(f"{TASKS} tasks x {TX_PER_TASK} tx: {time.monotonic() - began:.2f}s")
    _check_table(pg_database, table_name, committed)
    assert len(committed) == sum(1 for w in range(TASKS) for s in range(TX_PER_TASK) if (w + s) % 4 != 0)
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_pool_exhaustion_times_out_clearly(pg_database, app_name, flavour):
    """pool_max_size=1 held by an open transaction: another worker waits pool_timeout, then
    gets an error (not a hang)."""
    from rhosocial.activerecord.backend.errors import DatabaseError

    config = make_config(pg_database, application_name=app_name, pool_min_size=1, pool_max_size=1, pool_timeout=0.5)
    if flavour == "sync":
        backend = PostgresBackend(connection_config=config, logger=QUIET)
        backend.transaction_manager.begin()
        result = {}

        def other():
            began = time.monotonic()
            try:
                backend.execute("SELECT 1")
                result["error"] = None
            except BaseException as exc:
                result["error"] = exc
            result["elapsed"] = time.monotonic() - began
        t = threading.Thread(target=other)
        t.start()
        t.join(10)
        backend.transaction_manager.rollback()
        backend.disconnect()
    else:
        backend = AsyncPostgresBackend(connection_config=config, logger=QUIET)
        result = {}

        async def body():
            go = asyncio.Event()

            async def other():
                await go.wait()
                began = time.monotonic()
                try:
                    await backend.execute("SELECT 1")
                    result["error"] = None
                except BaseException as exc:
                    result["error"] = exc
                result["elapsed"] = time.monotonic() - began
            # created before BEGIN: a task created inside the transaction would take part in it
            task = asyncio.create_task(other())
            await backend.transaction_manager.begin()
            go.set()
            await asyncio.wait_for(task, 10)
            await backend.transaction_manager.rollback()
            await backend.disconnect()
        run(body())
    assert isinstance(result.get("error"), (DatabaseError, TimeoutError)), result
    assert 0.3 < result["elapsed"] < 5, result
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)
