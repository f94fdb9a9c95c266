"""copy_records: COPY FROM STDIN, binary when the column types allow it, text otherwise."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from rhosocial.activerecord.backend.errors import DatabaseError

from tests.backend.conftest import DQL

from .helpers import raw

pytestmark = pytest.mark.asyncio

COLUMNS = ["name", "n", "j", "tags", "u", "ts", "tsz", "d"]


async def make_table(db, table):
    await db.execute(
        f'CREATE TABLE "{table}" (id serial PRIMARY KEY, name text, n numeric, j jsonb, tags text[], '
        "u uuid, ts timestamp, tsz timestamptz, d date)"
    )


def sample(i):
    return [f"n{i}", Decimal(i) / 4, {"i": i, "tags": ["x"]}, ["a", f"b{i}"], uuid.UUID(int=i),
            datetime.datetime(2024, 1, 1, 12, 0, i % 60),
            datetime.datetime(2024, 1, 1, 12, 0, i % 60, tzinfo=datetime.timezone.utc),
            datetime.date(2024, 1, 1 + i % 28)]


async def test_copy_records_round_trips_python_types(db, table):
    await make_table(db, table)
    rows = [sample(i) for i in range(1, 501)]
    assert await db.copy_records(table, rows, columns=COLUMNS) == 500
    back = (await db.execute(f'SELECT {", ".join(COLUMNS)} FROM "{table}" ORDER BY id', options=DQL)).data
    assert [list(r.values()) for r in back] == rows
    assert plans_for(db, table, COLUMNS)[0].binary


def plans_for(db, table, columns):
    """The cached plans of (table, columns): one per set of column types seen."""
    return [plan for (key, _), plan in raw(db)._copy_plan_cache().items() if key == (None, table, tuple(columns))]


async def test_copy_plan_is_built_once_per_set_of_column_types(db, table):
    await make_table(db, table)
    await db.copy_records(table, [sample(1)], columns=COLUMNS)
    [plan] = plans_for(db, table, COLUMNS)
    await db.copy_records(table, [sample(2)], columns=COLUMNS)
    assert plans_for(db, table, COLUMNS) == [plan]


async def test_naive_and_aware_datetimes_follow_session_time_zone(db, table):
    await db.execute("SET TIME ZONE 'Europe/Paris'")  # session setting (not pooled)
    await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, ts timestamp, tsz timestamptz)')
    naive = datetime.datetime(2024, 7, 1, 12, 0)
    aware = datetime.datetime(2024, 7, 1, 12, 0, tzinfo=datetime.timezone.utc)
    await db.copy_records(table, [[aware, naive]], columns=["ts", "tsz"])
    await db.execute(f'INSERT INTO "{table}" (ts, tsz) VALUES (%s, %s)', (aware, naive))
    rows = (await db.execute(f'SELECT ts, tsz FROM "{table}" ORDER BY id', options=DQL)).data
    assert rows[0] == rows[1]
    assert rows[0]["ts"] == datetime.datetime(2024, 7, 1, 14, 0)


async def test_dict_rows_and_default_columns(db, table):
    await make_table(db, table)
    assert await db.copy_records(table, [{"name": "a", "j": {"k": 1}}, {"name": "b", "j": [1, 2]}]) == 2
    rows = (await db.execute(f'SELECT name, j FROM "{table}" ORDER BY id', options=DQL)).data
    assert rows == [{"name": "a", "j": {"k": 1}}, {"name": "b", "j": [1, 2]}]


async def test_sequence_rows_without_columns_fill_table_order(db, table, pg_database):
    if pg_database.server.major < 12:
        pytest.skip("stored generated columns need PostgreSQL 12")
    await db.execute(f'CREATE TABLE "{table}" (a int, b text, c int GENERATED ALWAYS AS (a * 2) STORED)')
    assert await db.copy_records(table, [(1, "x"), (2, "y")]) == 2
    rows = (await db.execute(f'SELECT a, b, c FROM "{table}" ORDER BY a', options=DQL)).data
    assert rows == [{"a": 1, "b": "x", "c": 2}, {"a": 2, "b": "y", "c": 4}]



async def test_infinity_sentinels_survive_the_binary_copy(db, table):
    """Rows without sentinels are dumped by psycopg's own dumpers; one sentinel anywhere
    in a date/timestamp column keeps the ±infinity dumpers for that COPY."""
    from rhosocial.activerecord.backend.impl.postgres.types import TIMESTAMPTZ_INFINITY

    await make_table(db, table)
    rows = [sample(i) for i in range(1, 201)]
    rows[150] = rows[150][:5] + [datetime.datetime.min, TIMESTAMPTZ_INFINITY, datetime.date.max]
    assert await db.copy_records(table, rows, columns=COLUMNS) == 200
    back = (await db.execute(f'SELECT ts::text AS ts, tsz::text AS tsz, d::text AS d FROM "{table}" '
                             "WHERE NOT isfinite(d)", options=DQL)).data
    assert back == [{"ts": "-infinity", "tsz": "infinity", "d": "infinity"}]
    ordinary = (await db.execute(f'SELECT ts, tsz, d FROM "{table}" WHERE name = %s', ("n7",), options=DQL)).data
    assert list(ordinary[0].values()) == sample(7)[5:]



async def test_infinity_inside_arrays_is_the_same_in_and_out_of_a_transaction(db, table):
    """A date array holding a sentinel is written as infinity by a streamed COPY too (the
    scan only sees scalar date columns, so array columns keep the sentinel dumpers)."""
    await db.execute(f'CREATE TABLE "{table}" (id int, ds date[], ts timestamptz[])')
    from rhosocial.activerecord.backend.impl.postgres.types import TIMESTAMPTZ_INFINITY

    row = (1, [datetime.date.max, datetime.date(2024, 1, 2)], [TIMESTAMPTZ_INFINITY])
    assert await db.copy_records(table, [row], columns=["id", "ds", "ts"]) == 1
    async with db.transaction_manager.transaction():
        await db.copy_records(table, [(2,) + row[1:]], columns=["id", "ds", "ts"])
    back = (await db.execute(f'SELECT ds::text AS ds, ts::text AS ts FROM "{table}" ORDER BY id',
                             options=DQL)).data
    assert back[0] == back[1] == {"ds": "{infinity,2024-01-02}", "ts": "{infinity}"}


async def test_values_not_dumpable_in_binary_fall_back_to_text(db, table):
    await make_table(db, table)
    # float for numeric, str for date/uuid, JSON text for jsonb: fine for INSERT, not for binary dumpers
    rows = [["x", 1.5, '{"a": 1}', ["t"], str(uuid.UUID(int=5)), None, None, "2024-02-03"]]
    assert await db.copy_records(table, rows, columns=COLUMNS) == 1
    back = (await db.execute(f'SELECT n, j, u, d FROM "{table}"', options=DQL)).data
    assert back == [{"n": Decimal("1.5"), "j": {"a": 1}, "u": uuid.UUID(int=5), "d": datetime.date(2024, 2, 3)}]



@pytest.mark.parametrize("in_transaction", [False, True])
@pytest.mark.parametrize("column, value", [("s", 70000), ("i", 3_000_000_000), ("i", -(2**31) - 1), ("b", 2**63)])
async def test_integers_out_of_range_are_refused_not_wrapped(db, table, in_transaction, column, value):
    """psycopg's binary dumper for the column's type keeps the low bytes of a too large int
    (3,000,000,000 became -1,294,967,296): the batch goes as text and the server refuses it,
    as it refuses the INSERT."""
    await db.execute(f'CREATE TABLE "{table}" (s smallint, i int, b bigint)')
    rows = [[1, 2, 3] for _ in range(50)]
    rows.append([value if c == column else 0 for c in ("s", "i", "b")])
    with pytest.raises(DatabaseError, match="out of range"):
        if in_transaction:
            async with db.transaction_manager.transaction():
                await db.copy_records(table, rows, columns=["s", "i", "b"])
        else:
            await db.copy_records(table, rows, columns=["s", "i", "b"])
    assert (await db.execute(f'SELECT count(*) AS c FROM "{table}"', options=DQL)).data == [{"c": 0}]
    limits = [[-(2**15), -(2**31), -(2**63)], [2**15 - 1, 2**31 - 1, 2**63 - 1]]
    assert await db.copy_records(table, limits, columns=["s", "i", "b"]) == 2  # the extremes fit, in binary
    back = (await db.execute(f'SELECT s, i, b FROM "{table}" ORDER BY s', options=DQL)).data
    assert [list(r.values()) for r in back] == limits


async def test_json_text_is_sent_as_it_is(db, table):
    """A str for a json/jsonb column is JSON text for the server to parse, as in an INSERT:
    not parsed and re-serialised by Python (which rounds numbers to floats and, for json,
    loses the original text)."""
    await db.execute(f'CREATE TABLE "{table}" (j jsonb, k json)')
    text = '{"a": 0.12345678901234567890123, "big": 1e400}'
    raw_json = ' {"b" : 1,  "b": 2} '
    assert await db.copy_records(table, [[text, raw_json]] * 3, columns=["j", "k"]) == 3
    back = (await db.execute(f'SELECT j::text AS j, k::text AS k FROM "{table}" LIMIT 1', options=DQL)).data
    inserted = (await db.execute("SELECT %s::jsonb::text AS j, %s::json::text AS k", (text, raw_json),
                                 options=DQL)).data
    assert back == inserted
    assert "0.12345678901234567890123" in back[0]["j"] and back[0]["k"] == raw_json


@pytest.mark.parametrize("in_transaction", [False, True])
async def test_datetimes_land_as_an_insert_puts_them(db, table, in_transaction):
    """Local times a DST change skips or repeats, and datetimes for a date column: the COPY
    stores what an INSERT of the same values stores (the server's rules, not Python's)."""
    await db.execute(f'CREATE TABLE "{table}" (k int, tsz timestamptz, d date)')
    await db.execute("SET TimeZone = 'America/New_York'")
    new_york = datetime.timezone(datetime.timedelta(hours=-5))
    values = [
        (datetime.datetime(2024, 11, 3, 1, 30), None),  # repeated: 01:30 EDT, then 01:30 EST
        (datetime.datetime(2024, 3, 10, 2, 30), None),  # skipped
        (datetime.datetime(2024, 6, 1, 12, 0), None),  # ordinary
        (None, datetime.datetime(2024, 1, 2, 2, 0, tzinfo=datetime.timezone.utc)),  # Jan 1 in New York
        (None, datetime.datetime(2024, 1, 1, 23, 0, tzinfo=new_york)),
        (None, datetime.datetime(2024, 1, 1, 23, 0)),
    ]
    try:
        for k, (tsz, d) in enumerate(values):
            await db.execute(f'INSERT INTO "{table}" VALUES (%s, %s, %s)', (-k - 1, tsz, d))
        rows = [[k + 1, tsz, d] for k, (tsz, d) in enumerate(values)]
        if in_transaction:
            async with db.transaction_manager.transaction():
                await db.copy_records(table, rows, columns=["k", "tsz", "d"])
        else:
            await db.copy_records(table, rows, columns=["k", "tsz", "d"])
        back = (await db.execute(f'SELECT abs(k) AS k, tsz, d, k > 0 AS copied FROM "{table}" ORDER BY abs(k), k',
                                 options=DQL)).data
        def utc(value):  # same-zone comparisons ignore fold (PEP 495): compare instants
            return value.astimezone(datetime.timezone.utc) if value is not None else None

        inserted = [(r["k"], utc(r["tsz"]), r["d"]) for r in back if not r["copied"]]
        copied = [(r["k"], utc(r["tsz"]), r["d"]) for r in back if r["copied"]]
        assert copied == inserted
        assert inserted[0][1] == datetime.datetime(2024, 11, 3, 6, 30, tzinfo=datetime.timezone.utc)
        assert inserted[3][2] == datetime.date(2024, 1, 1)
    finally:
        await db.execute("RESET TimeZone")


async def test_late_undumpable_value_outside_a_transaction_resends_all_rows_as_text(db, table):
    """Outside a transaction the rows are streamed while formatted; a value found late that
    binary cannot take aborts that COPY (nothing committed) and the whole batch goes as text:
    every row exactly once."""
    await make_table(db, table)
    rows = [sample(i) for i in range(1, 6001)]
    rows[5000] = rows[5000][:7] + ["2024-02-03"]  # a str for the date column, far into the stream
    assert await db.copy_records(table, rows, columns=COLUMNS) == 6000
    back = (await db.execute(f'SELECT count(*) AS c, count(DISTINCT name) AS d FROM "{table}"', options=DQL)).data
    assert back == [{"c": 6000, "d": 6000}]
    assert plans_for(db, table, COLUMNS)[0].failures == 1


async def test_server_error_late_in_a_streamed_copy_is_not_resent(db, table):
    await db.execute(f'CREATE TABLE "{table}" (id int PRIMARY KEY, n numeric(3, 0))')
    # a statement trigger draws from a sequence: nextval is not rolled back, so the
    # sequence counts the COPY statements the server started
    await db.execute(f'CREATE SEQUENCE "{table}_attempts"')
    await db.execute(f'CREATE FUNCTION "{table}_count"() RETURNS trigger LANGUAGE plpgsql AS '
                     f'$$ BEGIN PERFORM nextval(\'"{table}_attempts"\'); RETURN NULL; END $$')
    await db.execute(f'CREATE TRIGGER attempts BEFORE INSERT ON "{table}" '
                     f'FOR EACH STATEMENT EXECUTE PROCEDURE "{table}_count"()')
    try:
        # the server refuses the last value (22003, a DataError like the client's dump errors)
        rows = [(i, Decimal(1)) for i in range(5000)] + [(5000, Decimal(12345))]
        with pytest.raises(DatabaseError):
            await db.copy_records(table, rows, columns=["id", "n"])
        assert (await db.execute(f'SELECT count(*) AS c FROM "{table}"', options=DQL)).data == [{"c": 0}]
        attempts = (await db.execute(f'SELECT last_value AS n FROM "{table}_attempts"', options=DQL)).data
        assert attempts == [{"n": 1}]
    finally:
        await db.execute(f'DROP TABLE "{table}"')
        await db.execute(f'DROP FUNCTION "{table}_count"()')
        await db.execute(f'DROP SEQUENCE "{table}_attempts"')


async def test_text_fallback_inside_a_transaction_keeps_it_usable(db, table):
    await make_table(db, table)
    async with db.transaction_manager.transaction():
        await db.copy_records(table, [["a", 2.5, None, None, None, None, None, None]], columns=COLUMNS)
        await db.copy_records(table, [sample(3)], columns=COLUMNS)
    count = (await db.execute(f'SELECT count(*) AS c FROM "{table}"', options=DQL)).data[0]["c"]
    assert count == 2


async def test_enum_column_uses_text_copy(db, table):
    await db.execute(f'CREATE TYPE "{table}_mood" AS ENUM (\'ok\', \'sad\')')
    try:
        await db.execute(f'CREATE TABLE "{table}" (id serial, m "{table}_mood", x int)')
        assert await db.copy_records(table, [("ok", 1), ("sad", 2)], columns=["m", "x"]) == 2
        assert not plans_for(db, table, ["m", "x"])[0].binary
    finally:
        await db.execute(f'DROP TABLE IF EXISTS "{table}"')
        await db.execute(f'DROP TYPE "{table}_mood"')


async def test_identifiers_are_quoted_and_schema_used(db, table):
    await db.execute(f'CREATE SCHEMA "{table} s"')
    try:
        await db.execute(f'CREATE TABLE "{table} s"."Odd ""Name""" ("Col %" int, "select" text)')
        n = await db.copy_records('Odd "Name"', [(1, "a")], columns=["Col %", "select"], schema=f"{table} s")
        assert n == 1
    finally:
        await db.execute(f'DROP SCHEMA "{table} s" CASCADE')


async def test_server_errors_are_translated_and_leave_nothing(db, table):
    await db.execute(f'CREATE TABLE "{table}" (id int PRIMARY KEY)')
    with pytest.raises(DatabaseError):
        await db.copy_records(table, [(1,), (1,)], columns=["id"])
    assert (await db.execute(f'SELECT count(*) AS c FROM "{table}"', options=DQL)).data == [{"c": 0}]
    with pytest.raises(DatabaseError):
        await db.copy_records(table, [(1,)], columns=["nope"])


async def test_copy_through_a_pool(backend_factory, table):
    db = await backend_factory(pool_min_size=1, pool_max_size=2)
    await db.execute(f'CREATE TABLE "{table}" (id int, v jsonb)')
    assert await db.copy_records(table, [(i, {"i": i}) for i in range(100)], columns=["id", "v"]) == 100
    async with db.transaction_manager.transaction():
        await db.copy_records(table, [(1000, None)], columns=["id", "v"])
    assert (await db.execute(f'SELECT count(*) AS c FROM "{table}"', options=DQL)).data == [{"c": 101}]


async def test_empty_input(db, table):
    await make_table(db, table)
    assert await db.copy_records(table, [], columns=COLUMNS) == 0
