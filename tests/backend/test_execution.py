"""Statement execution: placeholders, literal %, native parameters, RETURNING, rowcount,
executemany, bulk inserts above the 65535-parameter limit."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from rhosocial.activerecord.backend.errors import IntegrityError
from rhosocial.activerecord.backend.options import BulkInsertOptions

from tests.performance.helpers import libpq_trace, raw

from .conftest import DML, DQL

pytestmark = pytest.mark.asyncio


async def test_literal_percent_next_to_placeholders(db):
    """Upstream defect 6: modulo and LIKE patterns in raw SQL with %s parameters."""
    row = (await db.execute(
        "SELECT 17 % 5 AS m, 'ab' LIKE 'a%' AS l, %s::text AS p, '100%s' AS lit, 7 %% 4 AS escaped",
        ("x",), options=DQL)).data[0]
    assert row == {"m": 2, "l": True, "p": "x", "lit": "100%s", "escaped": 3}
    no_params = (await db.execute("SELECT 9 % 4 AS m, 'x%' AS s", options=DQL)).data[0]
    assert no_params == {"m": 1, "s": "x%"}


async def test_percent_in_comments_dollar_quotes_and_identifiers(db, table):
    await db.execute(f'CREATE TABLE "{table}" ("50%" INT, v TEXT)')
    await db.execute(f'INSERT INTO "{table}" ("50%", v) VALUES (%s, $x$100%$x$) -- 5% comment', (1,))
    rows = (await db.execute(f'SELECT "50%" AS p, v FROM "{table}" /* % */ WHERE v LIKE %s', ("1%",),
                             options=DQL)).data
    assert rows == [{"p": 1, "v": "100%"}]


async def test_parameters_are_native(db, table):
    await db.execute(
        f'CREATE TABLE "{table}" (id SERIAL PRIMARY KEY, j JSONB, ts TIMESTAMPTZ, d DATE, n NUMERIC(40,20), '
        f'u UUID, a INT[], t TEXT[], b BOOLEAN, iv INTERVAL)')
    values = ({"k": [1, "é", None], "n": {"x": 1.5}}, datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc),
              date(2024, 2, 29), Decimal("12345678901234567890.12345678901234567890"), uuid.uuid4(),
              [1, None, 3], ["a", "b c"], True, timedelta(days=1, seconds=5))
    result = await db.execute(
        f'INSERT INTO "{table}" (j, ts, d, n, u, a, t, b, iv) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) '
        f'RETURNING id, pg_typeof(j)::text AS jt', values, options=DQL)
    assert result.data[0]["jt"] == "jsonb"
    row = (await db.execute(f'SELECT j, ts, d, n, u, a, t, b, iv FROM "{table}"', options=DQL)).data[0]
    assert tuple(row.values()) == values


async def test_returning_composite_keys_and_rowcount(db, table):
    await db.execute(f'CREATE TABLE "{table}" (a INT, b TEXT, v INT, PRIMARY KEY (a, b))')
    inserted = await db.execute(f'INSERT INTO "{table}" VALUES (1, %s, 10), (2, %s, 20) RETURNING a, b',
                                ("x", "y"), options=DQL)
    assert inserted.data == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
    updated = await db.execute(f'UPDATE "{table}" SET v = v + 1 WHERE v > %s', (0,), options=DML)
    assert updated.affected_rows == 2
    deleted = await db.execute(f'DELETE FROM "{table}" WHERE a = %s', (1,), options=DML)
    assert deleted.affected_rows == 1
    none = await db.execute(f'UPDATE "{table}" SET v = 0 WHERE a = %s', (99,), options=DML)
    assert none.affected_rows == 0


async def test_execute_many_is_one_pipelined_batch(db, table, admin):
    await db.execute(f'CREATE TABLE "{table}" (id INT PRIMARY KEY, v TEXT)')
    result = await db.execute_many(f'INSERT INTO "{table}" VALUES (%s, %s)', [(i, f"v{i}") for i in range(500)])
    assert result.affected_rows == 500
    assert admin.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == 500


async def test_bulk_insert_above_parameter_limit(db, table, admin):
    """Upstream defect 9: 14,000 rows x 5 columns = 70,000 parameters in one call."""
    await db.execute(f'CREATE TABLE "{table}" (a INT, b INT, c TEXT, d TEXT, e INT)')
    rows = [[i, i * 2, f"c{i}", f"d{i}", i % 7] for i in range(14000)]
    result = await db.bulk_insert(BulkInsertOptions(table=table, columns=["a", "b", "c", "d", "e"], rows=rows))
    assert result.affected_rows == 14000
    assert admin.execute(f'SELECT count(*), sum(a) FROM "{table}"').fetchone() == (14000, sum(range(14000)))


async def test_bulk_insert_failure_leaves_nothing(db, table, admin):
    """A duplicate key in the last of several INSERT statements: the server refuses it (23505,
    naming the key, which only a row of an earlier statement can collide with) and the earlier
    statements, already sent and executed, are rolled back with it."""
    await db.execute(f'CREATE TABLE "{table}" (a INT PRIMARY KEY, b INT, c INT, d INT, e INT)')
    rows = [[i, 0, 0, 0, 0] for i in range(14000)] + [[5, 0, 0, 0, 0]]  # duplicate in the last chunk
    with libpq_trace(raw(db)._connection) as trace:
        with pytest.raises(IntegrityError) as info:
            await db.bulk_insert(BulkInsertOptions(table=table, columns=["a", "b", "c", "d", "e"], rows=rows))
    assert info.value.sqlstate == "23505", info.value
    assert info.value.table_name == table and "(a)=(5)" in str(info.value), info.value
    inserts = [s for s in trace.statements if "INSERT INTO" in s]
    assert len(inserts) > 1, f"expected several INSERT statements, got {len(inserts)}"
    assert admin.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == 0


async def test_jsonb_question_mark_operators_via_escape(db, table):
    """The core's raw-SQL convention: ? is a parameter, \\? a literal ? (JSONB key operators)."""
    from rhosocial.activerecord.query.utils import convert_qmark_placeholder

    await db.execute(f'CREATE TABLE "{table}" (j JSONB)')
    await db.execute(f'INSERT INTO "{table}" VALUES (%s), (%s)', ({"a": 1}, {"b": 2}))
    sql = convert_qmark_placeholder(db.dialect, f'SELECT count(*) AS n FROM "{table}" WHERE j \\? ? OR j \\?| ?')
    rows = (await db.execute(sql, ("a", ["zz"]), options=DQL)).data
    assert rows == [{"n": 1}]


class _CommaList:
    """A user's field adapter: list <-> 'a,b' text (declared with UseAdapter(..., str))."""

    supported_types = {list: {str}}

    def to_database(self, value, target_type, options=None):
        return ",".join(value)

    def from_database(self, value, target_type, options=None):
        return value.split(",") if value else []


async def test_field_adapters_apply_to_inserts_and_bulk_inserts(db, table):
    from rhosocial.activerecord.backend.options import InsertOptions

    await db.execute(f'CREATE TABLE "{table}" (id INT PRIMARY KEY, tags TEXT)')
    adapters = {"tags": (_CommaList(), list)}
    await db.insert(InsertOptions(table=table, data={"id": 1, "tags": ["a", "b"]}, column_adapters=adapters))
    await db.bulk_insert(BulkInsertOptions(table=table, columns=["id", "tags"], rows=[[2, ["c"]], [3, ["d", "e"]]],
                                           column_adapters=adapters))
    rows = (await db.execute(f'SELECT id, tags FROM "{table}" ORDER BY id', options=DQL)).data
    assert rows == [{"id": 1, "tags": "a,b"}, {"id": 2, "tags": "c"}, {"id": 3, "tags": "d,e"}]
