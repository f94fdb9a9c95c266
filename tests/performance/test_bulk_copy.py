"""``bulk_insert``'s keyed COPY: from ``COPY_MIN_ROWS`` rows that return only their generated
key, the keys are drawn from the key's sequence and the rows are sent by COPY.

Each test checks the outcome a multi-row ``INSERT ... RETURNING`` would give (keys in input
order, stored values, side effects), and which path ran (the libpq trace), including every
case where the COPY would differ from the INSERT and must not be used.
"""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.errors import DatabaseError, IntegrityError
from rhosocial.activerecord.backend.impl.postgres.bulk import COPY_MIN_ROWS
from rhosocial.activerecord.backend.options import BulkInsertOptions

from tests.backend.conftest import DQL

from .helpers import libpq_trace, maybe, raw
from .test_batch import model_for

pytestmark = pytest.mark.asyncio

N = 500  # above COPY_MIN_ROWS


def kinds(trace):
    """Which statements ran: 'draw' (the keys), 'copy', 'insert'."""
    out = []
    for statement in trace.statements:
        body = statement.strip('"').lstrip('" ')
        if body.startswith("SELECT CASE WHEN c.relkind"):
            out.append("draw")
        elif body.startswith("COPY"):
            out.append("copy")
        elif body.startswith("INSERT"):
            out.append("insert")
    return out


async def create(db, table, key="id serial PRIMARY KEY"):
    await db.execute(f'CREATE TABLE "{table}" ({key}, name text NOT NULL, score int, meta jsonb)')


async def bulk_create(db, table, n=N, start=0):
    Model = model_for(db, table)
    records = [Model(name=f"n{i}", score=i, meta={"i": i} if i % 2 else None) for i in range(start, start + n)]
    with libpq_trace(raw(db)._connection) as trace:
        await maybe(Model.bulk_create(records))
    return records, kinds(trace)


async def stored(db, table):
    return (await db.execute(f'SELECT id, name, score, meta FROM "{table}" ORDER BY id', options=DQL)).data


def assert_keys_match_rows(records, rows):
    """Every record got the key of the row stored from it, whatever the path."""
    by_key = {row["id"]: row for row in rows}
    for record in records:
        row = by_key[record.id]
        assert (row["name"], row["score"], row["meta"]) == (record.name, record.score, record.meta)


async def test_bulk_create_draws_keys_then_copies(db, table):
    await create(db, table)
    records, ran = await bulk_create(db, table)
    assert ran == ["draw", "copy"]
    assert [r.id for r in records] == list(range(1, N + 1))  # input order, as RETURNING gives
    rows = await stored(db, table)
    assert len(rows) == N
    assert_keys_match_rows(records, rows)
    assert rows[1]["meta"] == {"i": 1} and rows[0]["meta"] is None
    # the sequence moved on exactly as the INSERT would have moved it
    await db.execute(f'INSERT INTO "{table}" (name) VALUES (%s)', ("after",))
    assert (await stored(db, table))[-1]["id"] == N + 1
    assert all(not r.is_new_record for r in records)


async def test_identity_keys_by_default_and_always(db, table):
    await create(db, table, "id bigint GENERATED ALWAYS AS IDENTITY (START WITH 1000) PRIMARY KEY")
    records, ran = await bulk_create(db, table)
    assert ran == ["draw", "copy"]
    assert [r.id for r in records] == list(range(1000, 1000 + N))
    assert_keys_match_rows(records, await stored(db, table))


async def test_below_the_threshold_one_insert(db, table):
    await create(db, table)
    records, ran = await bulk_create(db, table, n=COPY_MIN_ROWS - 1)
    assert ran == ["insert"]
    assert [r.id for r in records] == list(range(1, COPY_MIN_ROWS))


NOT_QUALIFYING = {
    # a BEFORE row trigger that moves the key: the returned keys must be the stored ones
    "key-changing trigger": [
        "CREATE OR REPLACE FUNCTION rho_test_shift_key() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN NEW.id := NEW.id + 100000; RETURN NEW; END $$",
        'CREATE TRIGGER shift BEFORE INSERT ON "{t}" FOR EACH ROW EXECUTE PROCEDURE rho_test_shift_key()',
    ],
    # COPY ignores rules: the rule's own insert must happen
    "rule": [
        'CREATE TABLE "{t}_log" (name text)',
        'CREATE RULE audit AS ON INSERT TO "{t}" DO ALSO INSERT INTO "{t}_log" VALUES (NEW.name)',
    ],
    # COPY FROM refuses row-level security
    "row-level security": [
        'ALTER TABLE "{t}" ENABLE ROW LEVEL SECURITY',
        'ALTER TABLE "{t}" FORCE ROW LEVEL SECURITY',
        'CREATE POLICY everyone ON "{t}" USING (true) WITH CHECK (true)',
    ],
    # the key's default is no longer its own sequence
    "default replaced": [
        'CREATE SEQUENCE "{t}_other" START 5000',
        """ALTER TABLE "{t}" ALTER id SET DEFAULT nextval('"{t}_other"')""",
    ],
}


@pytest.mark.parametrize("case", list(NOT_QUALIFYING))
async def test_tables_the_copy_would_treat_differently_get_the_insert(db, table, case):
    await create(db, table)
    for statement in NOT_QUALIFYING[case]:
        await db.execute(statement.replace("{t}", table))
    try:
        records, ran = await bulk_create(db, table)
        assert ran == ["draw", "insert"]  # asked once, drew nothing
        rows = await stored(db, table)
        assert len(rows) == N
        assert_keys_match_rows(records, rows)
        if case == "key-changing trigger":
            assert records[0].id == 100001
        if case == "rule":
            log = await db.execute(f'SELECT count(*) AS c FROM "{table}_log"', options=DQL)
            assert log.data[0]["c"] == N
        if case == "default replaced":
            assert records[0].id == 5000
            own = await db.execute(f"SELECT last_value, is_called FROM \"{table}_id_seq\"", options=DQL)
            assert own.data[0]["is_called"] is False  # nothing was drawn from the old sequence
        # the answer is kept: the next call goes straight to the INSERT
        records, ran = await bulk_create(db, table, start=N)
        assert ran == ["insert"]
        assert_keys_match_rows(records, await stored(db, table))
    finally:
        await db.execute(f'DROP TABLE IF EXISTS "{table}" CASCADE')
        await db.execute(f'DROP TABLE IF EXISTS "{table}_log"')
        await db.execute(f'DROP SEQUENCE IF EXISTS "{table}_other"')


async def test_partitioned_table_gets_the_insert(db, table):
    # no PRIMARY KEY constraint: PostgreSQL 10 has none on partitioned tables (the model's key is id)
    await db.execute(f'CREATE TABLE "{table}" (id serial, name text NOT NULL, score int, meta jsonb) '
                     "PARTITION BY RANGE (id)")
    await db.execute(f'CREATE TABLE "{table}_all" PARTITION OF "{table}" FOR VALUES FROM (1) TO (1000000)')
    records, ran = await bulk_create(db, table)
    assert ran == ["draw", "insert"]
    assert_keys_match_rows(records, await stored(db, table))


async def test_a_trigger_added_later_is_seen(db, table):
    """A table that qualified is asked again on every call: nothing is trusted from a cache."""
    await create(db, table)
    records, ran = await bulk_create(db, table)
    assert ran == ["draw", "copy"]
    for statement in NOT_QUALIFYING["key-changing trigger"]:
        await db.execute(statement.replace("{t}", table))
    records, ran = await bulk_create(db, table, start=N)
    assert ran == ["draw", "insert"]
    assert records[0].id == N + 1 + 100000
    assert_keys_match_rows(records, await stored(db, table))


async def test_a_column_type_changed_elsewhere_is_not_copied_with_the_old_plan(db, table, admin):
    await create(db, table)
    await bulk_create(db, table)
    # altered from another session: this backend saw no DDL and still holds the int4 plan
    admin.execute(f'ALTER TABLE "{table}" ALTER score TYPE bigint')
    Model = model_for(db, table)
    big = [Model(name=f"b{i}", score=2**40 + i) for i in range(N)]
    with libpq_trace(raw(db)._connection) as trace:
        await maybe(Model.bulk_create(big))
    assert kinds(trace) == ["draw", "insert"]  # stale types: no row, nothing drawn
    more = [Model(name=f"c{i}", score=2**41 + i) for i in range(N)]
    with libpq_trace(raw(db)._connection) as trace:
        await maybe(Model.bulk_create(more))
    assert kinds(trace) == ["draw", "copy"]  # planned again with bigint
    assert_keys_match_rows(big + more, await stored(db, table))


async def test_constraint_violation_inside_the_copy_loses_nothing(db, table):
    await create(db, table)
    await db.execute(f'CREATE UNIQUE INDEX ON "{table}" (name)')
    Model = model_for(db, table)
    records = [Model(name="same" if i in (3, 400) else f"n{i}", score=i) for i in range(N)]
    with pytest.raises(IntegrityError):
        await maybe(Model.bulk_create(records))
    assert await stored(db, table) == []
    assert all(r.is_new_record for r in records)
    # the backend is usable afterwards, and the same rows without the duplicate go in
    records[400].name = "other"
    await maybe(Model.bulk_create(records))
    assert_keys_match_rows(records, await stored(db, table))


async def test_direct_bulk_insert_maps_and_adapts_the_returned_key(db, table):
    await create(db, table)
    rows = [[f"n{i}", i, None] for i in range(N)]
    result = await db.bulk_insert(BulkInsertOptions(table=table, columns=["name", "score", "meta"], rows=rows,
                                                    returning_columns=["id"], column_mapping={"id": "pk"}))
    assert result.affected_rows == N
    assert [row["pk"] for row in result.data] == list(range(1, N + 1))


async def test_values_the_binary_copy_cannot_dump_go_as_text(db, table):
    """A str for an int column: the binary formatting fails before anything is sent, the rows
    go as text COPY, where the server parses them as it parses an INSERT's parameters."""
    await create(db, table)
    rows = [[f"n{i}", str(i), '{"a": 1}'] for i in range(N)]
    result = await db.bulk_insert(BulkInsertOptions(table=table, columns=["name", "score", "meta"], rows=rows,
                                                    returning_columns=["id"]))
    assert [row["id"] for row in result.data] == list(range(1, N + 1))
    back = await stored(db, table)
    assert back[5]["score"] == 5 and back[5]["meta"] == {"a": 1}
    bad = [[f"x{i}", "not a number", None] for i in range(N)]
    with pytest.raises(DatabaseError):
        await db.bulk_insert(BulkInsertOptions(table=table, columns=["name", "score", "meta"], rows=bad,
                                               returning_columns=["id"]))
    assert len(await stored(db, table)) == N


async def test_through_a_pool_both_statements_share_one_connection(backend_factory, table):
    """Pooled: ``bulk_create`` pins a connection for its transaction; a direct ``bulk_insert``
    outside one borrows a single connection for the draw and the COPY."""
    db = await backend_factory(pool_min_size=1, pool_max_size=2)
    await create(db, table)
    Model = model_for(db, table)
    records = [Model(name=f"n{i}", score=i) for i in range(N)]
    await maybe(Model.bulk_create(records))
    result = await db.bulk_insert(BulkInsertOptions(table=table, columns=["name", "score"],
                                                    rows=[[f"m{i}", i] for i in range(N)], returning_columns=["id"]))
    assert [r.id for r in records] + [row["id"] for row in result.data] == list(range(1, 2 * N + 1))
    rows = await stored(db, table)
    assert_keys_match_rows(records, rows)
    assert [row["name"] for row in rows[N:]] == [f"m{i}" for i in range(N)]
    # the keyed COPY ran (its plan exists only on that path) and found the table fit for it
    plan = raw(db)._copy_plan_cache()[(None, table, ("name", "score", "id"))]
    assert plan.keyed_copy
