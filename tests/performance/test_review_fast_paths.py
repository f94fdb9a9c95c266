"""Review of the fast paths (bulk_insert, stream, insert, parameters), against a real server.

* RETURNING rows are matched to records by position: a statement that returns another
  number of rows than it sent (a BEFORE INSERT trigger returning NULL) raises, and outside a
  transaction nothing is stored;
* ragged rows raise (a longer and a shorter row used to cancel out and shift values);
* a stream iterator kept past its transaction and closed in a later one sends nothing;
* a stream inside a transaction begun with a plain BEGIN reads in it;
* a model whose columns all have defaults is saved (INSERT ... DEFAULT VALUES);
* a str passed as ``params`` is refused, as psycopg does, instead of bound per character;
* a plain literal right after ELSE/LIKE keeps the placeholders after it;
* rows of SQL expressions are chunked by the parameters they bind; a failing column
  adapter on the returned rows stores nothing.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Optional

import pytest
from psycopg.pq import TransactionStatus
from rhosocial.activerecord.backend.errors import BulkOperationError
from rhosocial.activerecord.backend.expression import RawSQLExpression
from rhosocial.activerecord.backend.options import BulkInsertOptions, InsertOptions
from rhosocial.activerecord.model import ActiveRecord, AsyncActiveRecord

from tests.backend.conftest import DQL

from .helpers import QUIET, drain, is_async, maybe, raw

pytestmark = pytest.mark.asyncio


def model_for(db, table, **fields):
    base = AsyncActiveRecord if is_async(db) else ActiveRecord
    namespace = {"__table_name__": table, "__annotations__": {"id": Optional[int], **fields}, "id": None,
                 "__module__": __name__, "__logging_config__": QUIET}
    cls = type(f"M_{table}", (base,), namespace)
    cls.__backend__ = raw(db)
    return cls


async def count(db, table, where="true"):
    return (await db.execute(f'SELECT count(*) AS c FROM "{table}" WHERE {where}', options=DQL)).data[0]["c"]


def iterator_of(value):
    return getattr(value, "value", value)  # the sync proxy wraps the generator


async def close(iterator):
    if hasattr(iterator, "aclose"):
        await iterator.aclose()
    else:
        iterator.close()


async def skipping_table(db, table):
    """A table whose BEFORE INSERT trigger drops the rows named 'skip...'."""
    await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, name text)')
    await db.execute(f'CREATE FUNCTION "{table}_skip"() RETURNS trigger LANGUAGE plpgsql AS '
                     "$$ BEGIN IF NEW.name LIKE 'skip%' THEN RETURN NULL; END IF; RETURN NEW; END $$")
    await db.execute(f'CREATE TRIGGER skip BEFORE INSERT ON "{table}" FOR EACH ROW EXECUTE PROCEDURE "{table}_skip"()')


# -- 1. RETURNING count ------------------------------------------------------------------
async def test_returning_fewer_rows_than_sent_raises_and_stores_nothing(db, table):
    await skipping_table(db, table)
    many = [[f"n{i}"] for i in range(450)]
    many[300] = ["skip-300"]  # third of three statements
    for rows in ([["skip"], ["x"]], many):
        with pytest.raises(BulkOperationError, match=r"returned \d+ rows for the \d+ rows sent"):
            await db.bulk_insert(BulkInsertOptions(table=table, columns=["name"], rows=rows, returning_columns=["id"]))
        assert await count(db, table) == 0
    # rows of SQL expressions (the core's builder) are counted too
    dialect = raw(db).dialect
    rows = [[RawSQLExpression(dialect, "'skip' || %s", ("1",))], ["x"]]
    with pytest.raises(BulkOperationError):
        await db.bulk_insert(BulkInsertOptions(table=table, columns=["name"], rows=rows, returning_columns=["id"]))
    assert await count(db, table) == 0
    # without RETURNING nothing is matched by position: the stored count is reported
    result = await db.bulk_insert(BulkInsertOptions(table=table, columns=["name"], rows=[["skip"], ["x"]]))
    assert result.affected_rows == 1


async def test_bulk_create_gives_no_record_a_wrong_id(db, table):
    await skipping_table(db, table)
    Model = model_for(db, table, name=str)
    records = [Model(name=name) for name in ["a", "skip-b", "c", "d"]]
    with pytest.raises(BulkOperationError):
        await maybe(Model.bulk_create(records))
    assert [r.id for r in records] == [None] * 4
    assert await count(db, table) == 0
    with pytest.raises(BulkOperationError):  # inside the caller's transaction: raised there, rolled back
        async with db.transaction_manager.transaction():
            await db.bulk_insert(BulkInsertOptions(table=table, columns=["name"], rows=[["skip"]],
                                                   returning_columns=["id"]))
    assert await count(db, table) == 0


# -- 2. ragged rows ----------------------------------------------------------------------
@pytest.mark.parametrize("columns, rows, index", [
    (["a", "b"], [[1, 2, 3], [4]], 0),
    (["a", "b"], [[1, 2], [3, 4], [5]], 2),
    ([], [[], [1]], 1),
])
async def test_ragged_rows_raise_and_store_nothing(db, table, columns, rows, index):
    await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, a int, b int)')
    with pytest.raises(ValueError, match=f"row {index} has"):
        await db.bulk_insert(BulkInsertOptions(table=table, columns=columns, rows=rows))
    expression = [[RawSQLExpression(raw(db).dialect, "1"), 2], [3]]
    with pytest.raises(ValueError, match="row 1 has"):
        await db.bulk_insert(BulkInsertOptions(table=table, columns=["a", "b"], rows=expression))
    assert await count(db, table) == 0


# -- 3. / 4. streams and transactions ----------------------------------------------------
@pytest.mark.parametrize("how", ["close", "collect"])
async def test_stream_kept_past_its_transaction_leaves_the_next_one_alone(db, table, how):
    await db.execute(f'CREATE TABLE "{table}" (n int)')
    await db.execute(f'INSERT INTO "{table}" SELECT g FROM generate_series(1, 50) g')
    async with db.transaction_manager.transaction():
        iterator = iterator_of(db.stream(f'SELECT n FROM "{table}" ORDER BY n', batch_size=5))
        assert await drain(iterator, limit=1) == [{"n": 1}]
    async with db.transaction_manager.transaction():  # a later transaction
        await db.execute(f'INSERT INTO "{table}" VALUES (1000)')
        if how == "close":
            await close(iterator)
        else:
            del iterator
            gc.collect()
            for _ in range(5):  # the event loop's finaliser closes an async generator in a task
                await asyncio.sleep(0.01)
    assert await count(db, table, "n = 1000") == 1


async def test_stream_closed_early_in_its_transaction_closes_its_cursor(db):
    async with db.transaction_manager.transaction():
        iterator = iterator_of(db.stream("SELECT g FROM generate_series(1, 100) g", batch_size=10))
        assert len(await drain(iterator, limit=3)) == 3
        cursors = "SELECT count(*) AS c FROM pg_cursors WHERE name LIKE 'rho_stream_%'"
        assert (await db.execute(cursors, options=DQL)).data == [{"c": 1}]
        await close(iterator)
        assert (await db.execute(cursors, options=DQL)).data == [{"c": 0}]


async def test_stream_reads_in_a_transaction_begun_with_begin(db, table):
    await db.execute(f'CREATE TABLE "{table}" (n int)')
    await db.execute("BEGIN")
    try:
        await db.execute(f'INSERT INTO "{table}" VALUES (10)')
        assert await drain(db.stream(f'SELECT count(*) AS c FROM "{table}"')) == [{"c": 1}]
        assert raw(db)._connection.info.transaction_status == TransactionStatus.INTRANS
    finally:
        await db.execute("ROLLBACK")
    assert await count(db, table) == 0


# -- 5. every column a default -------------------------------------------------------------
async def test_rows_of_defaults_only(db, table):
    await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, n int DEFAULT 7, at timestamptz DEFAULT now())')
    Model = model_for(db, table)
    record = Model()
    await maybe(record.save())
    assert record.id == 1
    assert (await db.insert(InsertOptions(table=table, data={}, returning_columns=["id"]))).data == [{"id": 2}]
    result = await db.bulk_insert(BulkInsertOptions(table=table, columns=[], rows=[[], [], []],
                                                    returning_columns=["id"]))
    assert result.data == [{"id": 3}, {"id": 4}, {"id": 5}] and result.affected_rows == 3
    assert (await db.bulk_insert(BulkInsertOptions(table=table, columns=[], rows=[()] * 2))).affected_rows == 2
    records = [Model(), Model()]
    await maybe(Model.bulk_create(records))
    assert [r.id for r in records] == [8, 9]
    assert await count(db, table, "n = 7 AND at IS NOT NULL") == 9


# -- 6. / 7. parameters ----------------------------------------------------------------------
@pytest.mark.parametrize("params", ["xy", b"xy", ""])
async def test_str_params_are_refused(db, params):
    with pytest.raises(TypeError, match="sequence or a mapping"):
        await db.execute("SELECT %s AS a, %s AS b", params, options=DQL)
    with pytest.raises(TypeError, match="sequence or a mapping"):
        await drain(db.stream("SELECT %s AS a", params))


async def test_plain_literal_after_else_keeps_later_placeholders(db):
    rows = (await db.execute("SELECT CASE WHEN %s THEN 'a' ELSE'C:\\' END AS p, %s AS q", (False, 5),
                             options=DQL)).data
    assert rows == [{"p": "C:\\", "q": 5}]


# -- notes: expressions binding several parameters; a failing column adapter ----------------
async def test_expression_rows_are_chunked_by_their_parameters(db, table):
    await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, v text)')
    dialect = raw(db).dialect
    # 8,200 rows of 8 parameters: 65,600 in all, over the 65,535 one statement can bind
    rows = [[RawSQLExpression(dialect, " || ".join(["%s"] * 8), tuple(str(i) for i in range(8)))]
            for _ in range(8200)]
    result = await db.bulk_insert(BulkInsertOptions(table=table, columns=["v"], rows=rows, returning_columns=["v"]))
    assert result.affected_rows == 8200 and result.data[-1] == {"v": "01234567"}
    assert await count(db, table) == 8200


class _FailingAdapter:
    def to_database(self, value, target):
        return value

    def from_database(self, value, target):
        raise ValueError("adapter failed")


@pytest.mark.parametrize("size", [10, 500])
async def test_failing_column_adapter_on_returned_rows_stores_nothing(db, table, size):
    await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, v int)')
    with pytest.raises(ValueError, match="adapter failed"):
        await db.bulk_insert(BulkInsertOptions(table=table, columns=["v"], rows=[[i] for i in range(size)],
                                               returning_columns=["id"],
                                               column_adapters={"id": (_FailingAdapter(), int)}))
    assert await count(db, table) == 0
