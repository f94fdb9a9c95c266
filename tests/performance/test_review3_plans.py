"""Statements psycopg prepared (``prepare_threshold``) after another session alters the table.

PostgreSQL refuses a prepared ``SELECT *`` whose columns changed with 0A000 "cached plan
must not change result type", on every later run, until psycopg forgets its prepared
statements on that connection. Outside a transaction the backend drops them and sends the
statement once more (it failed before running); inside one the error says to roll back, and
after the rollback the statement works again. Pooled, each connection has its own cache.
"""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.errors import DatabaseError

from tests.backend.conftest import DQL

pytestmark = pytest.mark.asyncio

RUNS = 12  # past prepare_threshold (5) on each of the pool's two connections


@pytest.fixture(params=["single", "pooled"])
def pooling(request):
    return {} if request.param == "single" else {"pool_min_size": 2, "pool_max_size": 2}


async def _prepared_reads(db, table: str) -> None:
    for _ in range(RUNS):
        rows = (await db.execute(f'SELECT * FROM "{table}" WHERE id = %s', (1,), options=DQL)).data
        assert rows == [{"id": 1, "name": "a"}]


async def _end(manager) -> None:
    """After a failed assertion: end the transaction (its locks would block the table's DROP)."""
    while manager.is_active:
        await manager.rollback()


def _create(admin, table: str) -> None:
    admin.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, name text)')
    admin.execute(f"INSERT INTO \"{table}\" (name) VALUES ('a')")


async def test_reads_after_alter_elsewhere_are_planned_again(backend_factory, admin, table, pooling):
    db = await backend_factory(**pooling)
    _create(admin, table)
    await _prepared_reads(db, table)
    admin.execute(f'ALTER TABLE "{table}" ADD COLUMN note text')  # a migration, another session
    for _ in range(RUNS):  # every pooled connection meets its own stale statement
        rows = (await db.execute(f'SELECT * FROM "{table}" WHERE id = %s', (1,), options=DQL)).data
        assert rows == [{"id": 1, "name": "a", "note": None}]


async def test_in_a_transaction_the_error_says_roll_back_and_then_it_works(backend_factory, admin, table, pooling):
    db = await backend_factory(**pooling)
    _create(admin, table)
    await _prepared_reads(db, table)
    admin.execute(f'ALTER TABLE "{table}" ADD COLUMN note text')
    manager = db.transaction_manager
    try:
        await manager.begin()
        with pytest.raises(DatabaseError) as caught:
            await db.execute(f'SELECT * FROM "{table}" WHERE id = %s', (1,), options=DQL)
        assert "cached plan must not change result type" in str(caught.value)
        assert "roll it back" in str(caught.value)
        await manager.rollback()
        await manager.begin()
        rows = (await db.execute(f'SELECT * FROM "{table}" WHERE id = %s', (1,), options=DQL)).data
        await manager.commit()
        assert rows == [{"id": 1, "name": "a", "note": None}]
    finally:
        await _end(manager)


async def test_rolling_back_a_savepoint_is_enough(db, admin, table):
    _create(admin, table)
    await _prepared_reads(db, table)
    admin.execute(f'ALTER TABLE "{table}" ADD COLUMN note text')
    manager = db.transaction_manager
    try:
        await manager.begin()
        await db.execute(f"INSERT INTO \"{table}\" (name) VALUES ('kept')")
        await manager.begin()  # nested: a savepoint
        with pytest.raises(DatabaseError, match="roll it back"):
            await db.execute(f'SELECT * FROM "{table}" WHERE id = %s', (1,), options=DQL)
        await manager.rollback()  # ROLLBACK TO SAVEPOINT
        rows = (await db.execute(f'SELECT * FROM "{table}" WHERE id = %s', (1,), options=DQL)).data
        await manager.commit()
    finally:
        await _end(manager)
    assert rows == [{"id": 1, "name": "a", "note": None}]
    assert admin.execute(f"SELECT count(*) FROM \"{table}\" WHERE name = 'kept'").fetchone()[0] == 1


@pytest.mark.parametrize("sets", [1, 3])
async def test_execute_many_is_planned_again_and_runs_once(backend_factory, admin, table, pooling, sets):
    """executemany prepares at once; ``RETURNING *`` then goes stale like ``SELECT *``. The
    statement is sent again only because nothing of it ran: every row is stored once."""
    db = await backend_factory(**pooling)
    _create(admin, table)
    sql = f'INSERT INTO "{table}" (name) VALUES (%s) RETURNING *'
    for _ in range(3):
        await db.execute_many(sql, [("x",)] * sets)
    admin.execute(f'ALTER TABLE "{table}" ADD COLUMN note text')
    for _ in range(3):  # both pooled connections
        result = await db.execute_many(sql, [("y",)] * sets)
        assert result.affected_rows == sets
    assert admin.execute(f"SELECT count(*) FROM \"{table}\" WHERE name = 'y'").fetchone()[0] == 3 * sets


async def test_batch_with_returning_is_planned_again(db, admin, table):
    _create(admin, table)
    sql = f'UPDATE "{table}" SET name = %s WHERE id = %s RETURNING *'
    for _ in range(3):
        await db._execute_batch_with_returning(sql, [("b", 1), ("c", 1)], None, None)
    admin.execute(f'ALTER TABLE "{table}" ADD COLUMN note text')
    results = await db._execute_batch_with_returning(sql, [("d", 1), ("e", 1)], None, None)
    assert [r.data for r in results] == [[{"id": 1, "name": "d", "note": None}],
                                         [{"id": 1, "name": "e", "note": None}]]


async def test_a_function_failing_the_same_way_is_not_run_again(db, admin, table):
    """The same error from inside a function body may follow work the function did (here a
    sequence, which no rollback undoes): it is never the backend's to repeat."""
    _create(admin, table)
    admin.execute(f'CREATE SEQUENCE "{table}_calls"')
    admin.execute(f'''CREATE FUNCTION "{table}_f"() RETURNS void LANGUAGE plpgsql AS $$
        BEGIN PERFORM nextval('"{table}_calls"');
        RAISE EXCEPTION USING ERRCODE = '0A000', MESSAGE = 'cached plan must not change result type'; END $$''')
    try:
        with pytest.raises(DatabaseError, match="cached plan"):
            await db.execute(f'SELECT "{table}_f"()', options=DQL)
        assert admin.execute(f'SELECT last_value FROM "{table}_calls"').fetchone()[0] == 1
    finally:
        admin.execute(f'DROP FUNCTION "{table}_f"(); DROP SEQUENCE "{table}_calls"')
