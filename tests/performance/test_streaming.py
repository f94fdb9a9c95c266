"""stream() and execute_batch_dql() read through server-side cursors."""

from __future__ import annotations

import pytest
from psycopg.pq import TransactionStatus
from rhosocial.activerecord.backend.errors import DatabaseError
from rhosocial.activerecord.backend.expression import RawSQLExpression

from tests.backend.conftest import DQL

from .helpers import drain, is_async, raw

pytestmark = pytest.mark.asyncio

SERIES = "SELECT g AS n, 'r' || g AS label FROM generate_series(1, %s) g ORDER BY g"


async def close(iterator):
    if hasattr(iterator, "aclose"):
        await iterator.aclose()
    else:
        iterator.close()


def iterator_of(value):
    return getattr(value, "value", value)  # the sync proxy wraps the generator


async def open_cursors(admin):
    return admin.execute("SELECT name FROM pg_cursors").fetchall()


async def test_stream_yields_all_rows_in_batches(db):
    rows = await drain(db.stream(SERIES, (2500,), batch_size=1000))
    assert len(rows) == 2500
    assert rows[0] == {"n": 1, "label": "r1"} and rows[-1]["n"] == 2500
    # outside a transaction the stream ran in its own, now ended
    assert raw(db)._connection.info.transaction_status == TransactionStatus.IDLE
    assert not db.in_transaction


def _streaming_sessions(admin, db) -> int:
    """Sessions of the test database (other than the backend's own) holding a cursor's transaction."""
    return admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND pid <> %s AND state = 'idle in transaction'",
        (raw(db)._connection.info.backend_pid,),
    ).fetchone()[0]


async def test_stream_does_not_capture_the_callers_statements(db, table):
    """Statements made while iterating a stream outside a transaction are not part of the
    stream's transaction: closing the stream early keeps them (review finding)."""
    await db.execute(f'CREATE TABLE "{table}" (n int)')
    iterator = iterator_of(db.stream(SERIES, (100,), batch_size=10))
    for row in await drain(iterator, limit=3):
        await db.execute(f'INSERT INTO "{table}" VALUES (%s)', (row["n"],))
    await close(iterator)  # rolls back the stream's own transaction only
    rows = (await db.execute(f'SELECT count(*) AS c FROM "{table}"', options=DQL)).data
    assert rows == [{"c": 3}]


async def test_stream_uses_a_server_side_cursor(db, admin):
    iterator = iterator_of(db.stream(SERIES, (50,), batch_size=10))
    first = await drain(iterator, limit=1)
    assert first == [{"n": 1, "label": "r1"}]
    assert _streaming_sessions(admin, db) == 1  # the stream's own transaction holds the cursor,
    # on a connection of its own: the backend's session stays free for other statements
    assert raw(db)._connection.info.transaction_status == TransactionStatus.IDLE
    assert (await db.execute("SELECT 2 AS two", options=DQL)).data == [{"two": 2}]
    await close(iterator)
    assert _streaming_sessions(admin, db) == 0


async def test_stream_closed_early_ends_its_transaction(db):
    iterator = iterator_of(db.stream(SERIES, (10000,), batch_size=100))
    assert len(await drain(iterator, limit=150)) == 150
    await close(iterator)
    assert raw(db)._connection.info.transaction_status == TransactionStatus.IDLE
    assert (await db.execute("SELECT 1 AS one", options=DQL)).data == [{"one": 1}]


async def test_stream_inside_a_transaction_uses_it(db, table):
    await db.execute(f'CREATE TABLE "{table}" (n int)')
    async with db.transaction_manager.transaction():
        await db.execute(f'INSERT INTO "{table}" VALUES (1), (2), (3)')
        rows = await drain(db.stream(f'SELECT n FROM "{table}" ORDER BY n', batch_size=2))
        assert [r["n"] for r in rows] == [1, 2, 3]  # sees the uncommitted rows
        assert db.in_transaction
        assert raw(db)._connection.info.transaction_status == TransactionStatus.INTRANS
    assert (await db.execute(f'SELECT count(*) AS c FROM "{table}"', options=DQL)).data == [{"c": 3}]


async def test_stream_errors_are_translated_and_leave_no_transaction(db):
    with pytest.raises(DatabaseError):
        await drain(db.stream("SELECT 1 / (g - 5) FROM generate_series(1, 10) g", batch_size=2))
    assert raw(db)._connection.info.transaction_status == TransactionStatus.IDLE


async def test_stream_on_a_pool_borrows_a_dedicated_connection(backend_factory):
    db = await backend_factory(pool_min_size=1, pool_max_size=3)
    iterator = iterator_of(db.stream(SERIES, (100,), batch_size=10))
    assert len(await drain(iterator, limit=5)) == 5
    # other statements keep working on other pool connections meanwhile
    assert (await db.execute("SELECT 2 AS two", options=DQL)).data == [{"two": 2}]
    await close(iterator)
    async with db.transaction_manager.transaction():
        rows = await drain(db.stream(SERIES, (30,), batch_size=7))
        assert len(rows) == 30


async def test_stream_applies_parameters_adapters_and_percent(db):
    rows = await drain(db.stream("SELECT %s::jsonb AS j, 7 % 3 AS m", ({"a": 1},)))
    assert rows == [{"j": {"a": 1}, "m": 1}]


async def test_execute_batch_dql_pages_through_a_server_side_cursor(db, admin):
    expression = RawSQLExpression(raw(db).dialect, "SELECT g AS n FROM generate_series(1, 2500) g ORDER BY g")
    pages = iterator_of(db.execute_batch_dql(expression, page_size=1000))
    first = await drain(pages, limit=1)
    assert first[0].page_size == 1000 and first[0].has_more
    assert first[0].data[0] == {"n": 1}
    assert _streaming_sessions(admin, db) == 1
    rest = await drain(pages)
    assert [p.page_size for p in rest] == [1000, 500]
    assert rest[-1].page_index == 2 and not rest[-1].has_more
    assert raw(db)._connection.info.transaction_status == TransactionStatus.IDLE


async def test_execute_batch_dql_maps_columns(db):
    expression = RawSQLExpression(raw(db).dialect, "SELECT 1 AS a")
    pages = await drain(db.execute_batch_dql(expression, column_mapping={"a": "alpha"}))
    assert pages[0].data == [{"alpha": 1}]
