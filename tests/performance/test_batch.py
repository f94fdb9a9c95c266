"""bulk_insert (Model.bulk_create), execute_batch_dml on executemany, prepare_threshold."""

from __future__ import annotations

from typing import Optional

import pytest
from rhosocial.activerecord.backend.expression import Column, InsertExpression, Literal, ValuesSource
from rhosocial.activerecord.backend.errors import IntegrityError
from rhosocial.activerecord.backend.impl.postgres.bulk import ROWS_PER_STATEMENT
from rhosocial.activerecord.backend.options import BulkInsertOptions
from rhosocial.activerecord.model import ActiveRecord, AsyncActiveRecord

from tests.backend.conftest import DQL

from .helpers import QUIET, Trace, is_async, libpq_trace, maybe, raw

pytestmark = pytest.mark.asyncio


def model_for(db, table):
    base = AsyncActiveRecord if is_async(db) else ActiveRecord
    namespace = {
        "__table_name__": table,
        "__annotations__": {"id": Optional[int], "name": str, "score": int, "meta": Optional[dict]},
        "id": None,
        "meta": None,
        "__module__": __name__,
        "__logging_config__": QUIET,
    }
    cls = type(f"M_{table}", (base,), namespace)
    cls.__backend__ = raw(db)
    return cls


def insert_statements(trace):
    """(statement name, rows of VALUES) of every INSERT parsed, from the libpq trace."""
    out = []
    for statement in trace.statements:
        name, _, text = statement.partition(" ")
        if text.startswith('"INSERT'):
            out.append((name.strip('"'), text.count("),(") + 1))
    return out


async def test_bulk_create_sends_statements_of_a_few_hundred_rows_in_one_pipeline(db, table):
    """PostgreSQL plans one INSERT of thousands of rows far more slowly than statements of
    ROWS_PER_STATEMENT rows: 20,050 rows go as 100 statements of 200 rows and one of 50,
    in one round trip, unprepared (see test_bulk_insert_leaves_no_prepared_statements)."""
    await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, name text, score int, meta jsonb)')
    Model = model_for(db, table)
    records = [Model(name=f"n{i}", score=i, meta={"i": i} if i % 2 else None) for i in range(20050)]
    with libpq_trace(raw(db)._connection) as trace:
        await maybe(Model.bulk_create(records))
    parsed = insert_statements(trace)
    assert sorted(rows for _, rows in parsed) == [50] + [ROWS_PER_STATEMENT] * 100
    assert not any(name for name, _ in parsed)  # unnamed: nothing prepared
    assert trace.round_trips <= 4  # BEGIN, the pipeline, COMMIT
    assert [r.id for r in records] == list(range(1, 20051))  # RETURNING order = input order
    row = (await db.execute(f'SELECT name, score, meta FROM "{table}" WHERE id = %s', (records[7].id,),
                            options=DQL)).data
    assert row == [{"name": "n7", "score": 7, "meta": {"i": 7}}]
    assert (await db.execute(f'SELECT count(*) AS c FROM "{table}"', options=DQL)).data == [{"c": 20050}]


async def test_bulk_insert_leaves_no_prepared_statements(db, table, admin):
    """Parameter types vary between batches (ints by size, None untyped): prepared, each batch
    would leave its own cached plan of a 200-row INSERT on the connection, and a cached plan
    is refused after the table is altered from elsewhere (planned again: test_review3_plans)."""
    await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, a bigint, b float8, v int)')
    rows = [[(i * 7919) % 100000 * (10 ** (i % 4)), None if i % 3 else i / 3, i] for i in range(2000)]
    for _ in range(6):  # past psycopg's prepare threshold
        await db.bulk_insert(BulkInsertOptions(table=table, columns=["a", "b", "v"], rows=rows,
                                               returning_columns=["id", "v"]))
    prepared = await db.execute("SELECT count(*) AS c FROM pg_prepared_statements", options=DQL)
    assert prepared.data == [{"c": 0}]
    admin.execute(f'ALTER TABLE "{table}" ALTER v TYPE bigint')  # from another session
    result = await db.bulk_insert(BulkInsertOptions(table=table, columns=["a", "b", "v"], rows=rows,
                                                    returning_columns=["id", "v"]))
    assert [r["v"] for r in result.data] == list(range(2000))


async def test_a_transaction_begun_through_execute_is_left_to_its_owner(db, table):
    """Several statements outside a transaction run in one of their own; inside one begun
    with a plain BEGIN, they must not COMMIT it."""
    await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, v int)')
    await db.execute("BEGIN")
    await db.bulk_insert(BulkInsertOptions(table=table, columns=["v"], rows=[[i] for i in range(500)]))
    await db.execute("ROLLBACK")
    assert (await db.execute(f'SELECT count(*) AS c FROM "{table}"', options=DQL)).data == [{"c": 0}]


async def test_wide_rows_stay_under_65535_parameters(db, table):
    columns = [f"c{i}" for i in range(400)]  # 65535 // 400 = 163 rows per statement
    await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, {", ".join(c + " int" for c in columns)})')
    rows = [[i] * 400 for i in range(500)]
    with libpq_trace(raw(db)._connection) as trace:
        result = await db.bulk_insert(BulkInsertOptions(table=table, columns=columns, rows=rows,
                                                        returning_columns=["id"]))
    assert {n for _, n in insert_statements(trace)} == {163, 500 - 3 * 163}
    assert [r["id"] for r in result.data] == list(range(1, 501))
    assert result.affected_rows == 500


async def test_failure_in_a_later_statement_leaves_nothing(db, table):
    """Outside a transaction the statements run in one: a duplicate in the last statement
    undoes the 1,000 rows before it."""
    await db.execute(f'CREATE TABLE "{table}" (id int PRIMARY KEY, name text)')
    rows = [[i, f"n{i}"] for i in range(1050)] + [[3, "again"]]
    with pytest.raises(IntegrityError):
        await db.bulk_insert(BulkInsertOptions(table=table, columns=["id", "name"], rows=rows))
    assert (await db.execute(f'SELECT count(*) AS c FROM "{table}"', options=DQL)).data == [{"c": 0}]
    result = await db.bulk_insert(BulkInsertOptions(table=table, columns=["id", "name"], rows=rows[:-1]))
    assert result.affected_rows == 1050  # and the backend is usable afterwards


async def test_statement_triggers_fire_once_per_statement(db, table):
    """Documented behaviour: a statement-level trigger sees each INSERT statement."""
    await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, name text)')
    await db.execute(f'CREATE TABLE "{table}_log" (n int)')
    await db.execute(f'CREATE FUNCTION "{table}_count"() RETURNS trigger LANGUAGE plpgsql AS '
                     f'$$ BEGIN INSERT INTO "{table}_log" SELECT count(*) FROM new_rows; RETURN NULL; END $$')
    await db.execute(f'CREATE TRIGGER counted AFTER INSERT ON "{table}" REFERENCING NEW TABLE AS new_rows '
                     f'FOR EACH STATEMENT EXECUTE PROCEDURE "{table}_count"()')
    try:
        await db.bulk_insert(BulkInsertOptions(table=table, columns=["name"], rows=[["x"]] * 450))
        log = (await db.execute(f'SELECT n FROM "{table}_log"', options=DQL)).data
        assert sorted(r["n"] for r in log) == [50, ROWS_PER_STATEMENT, ROWS_PER_STATEMENT]
    finally:
        await db.execute(f'DROP TABLE "{table}" CASCADE')
        await db.execute(f'DROP TABLE "{table}_log"')
        await db.execute(f'DROP FUNCTION "{table}_count"()')


async def test_bulk_insert_identifiers_and_values_with_placeholder_characters(db, table):
    """The multi-row INSERT goes through a RawCursor ($n placeholders): "%", "%s", "$1" in
    identifiers and values must stay literal, and RETURNING must follow the input order."""
    name = f'{table} %s $1 "q"'
    await db.execute(f'CREATE TABLE "{name.replace(chr(34), chr(34) * 2)}" '
                     '(id serial PRIMARY KEY, "pct %" text, "$1 col" int)')
    try:
        rows = [[f"v{i} %s %% $1 ${i}", i] for i in range(300)]
        result = await db.bulk_insert(BulkInsertOptions(table=name, columns=["pct %", "$1 col"], rows=rows,
                                                         returning_columns=["id", "pct %"]))
        assert [r["pct %"] for r in result.data] == [r[0] for r in rows]
        assert [r["id"] for r in result.data] == list(range(1, 301))
        back = (await db.execute(f'SELECT "pct %" AS p, "$1 col" AS n FROM "{name.replace(chr(34), chr(34) * 2)}" '
                                 "ORDER BY id", options=DQL)).data
        assert [[r["p"], r["n"]] for r in back] == rows
    finally:
        await db.execute(f'DROP TABLE "{name.replace(chr(34), chr(34) * 2)}"')


async def test_bulk_insert_with_expressions_uses_the_core_builder(db, table):
    await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, name text)')
    dialect = raw(db).dialect
    from rhosocial.activerecord.backend.expression import RawSQLExpression

    options = BulkInsertOptions(table=table, columns=["name"],
                                rows=[[RawSQLExpression(dialect, "'a' || 'b'")], ["c"]],
                                returning_columns=["id", "name"])
    result = await db.bulk_insert(options)
    assert [r["name"] for r in result.data] == ["ab", "c"]


async def test_execute_batch_dml_uses_executemany(db, table):
    await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, name text)')
    dialect = raw(db).dialect
    expressions = [
        InsertExpression(dialect, into=table, columns=["name"], source=ValuesSource(dialect, [[Literal(dialect, f"n{i}")]]))
        for i in range(250)
    ]
    with libpq_trace(raw(db)._connection) as trace:
        results = await _drain_batches(db.execute_batch_dml(expressions, batch_size=100))
    assert sum(r.total_affected_rows for r in results) == 250
    assert [r.batch_size for r in results] == [100, 100, 50]
    # pipelined: far fewer round trips than statements (BEGIN + 3 pipelines + COMMIT)
    assert trace.round_trips < 20
    with libpq_trace(raw(db)._connection) as trace:
        results = await _drain_batches(db.execute_batch_dml(expressions[:30], batch_size=100, returning_columns=["id"]))
    assert len(results[0].results) == 30
    assert [r.data[0]["id"] for r in results[0].results] == list(range(251, 281))
    assert trace.round_trips < 10


async def _drain_batches(value):
    value = getattr(value, "value", value)
    if hasattr(value, "__aiter__"):
        return [r async for r in value]
    return list(value)


@pytest.mark.parametrize("threshold", [None, 0])
async def test_prepare_threshold(backend_factory, threshold):
    db = await backend_factory(prepare_threshold=threshold)
    for _ in range(10):
        await db.execute("SELECT %s::int AS x", (1,), options=DQL)
    rows = (await db.execute("SELECT count(*) AS c FROM pg_prepared_statements", options=DQL)).data
    if threshold is None:
        assert rows == [{"c": 0}]  # None: never prepared server-side (PgBouncer transaction mode)
    else:
        assert rows[0]["c"] >= 1


async def test_execute_many_is_all_or_nothing_outside_a_transaction(db, table):
    """In autocommit each pipelined set committed by itself: a unique violation in the
    third set left the first two stored. Inside a transaction nothing changes: the failure
    aborts it, as any statement's would."""
    await db.execute(f'CREATE TABLE "{table}" (k int PRIMARY KEY)')
    with pytest.raises(IntegrityError):
        await db.execute_many(f'INSERT INTO "{table}" (k) VALUES (%s)', [(1,), (2,), (1,)])
    assert (await db.execute(f'SELECT count(*) AS n FROM "{table}"', options=DQL)).data == [{"n": 0}]
    assert (await db.execute_many(f'INSERT INTO "{table}" (k) VALUES (%s)', [(1,), (2,)])).affected_rows == 2
    assert (await db.execute(f'SELECT count(*) AS n FROM "{table}"', options=DQL)).data == [{"n": 2}]
