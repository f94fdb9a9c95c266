"""``Model.bulk_update`` / ``backend.bulk_update``: the values land as ``save()`` puts them.

The core's statement (``SET c = CASE WHEN pk = $1 THEN $2 ... END``, no ELSE) leaves
PostgreSQL to type the CASE from its parameters alone: all None, or strings for an enum
column, made it text ("column n is of type integer but expression is of type text").
"""

from __future__ import annotations

import enum
import uuid
from typing import Optional

import pytest
from rhosocial.activerecord.backend.errors import DatabaseError
from rhosocial.activerecord.backend.options import BulkUpdateOptions

from tests.performance.helpers import maybe, model_class

pytestmark = pytest.mark.asyncio


@pytest.fixture
def bu_table(admin, table):
    admin.execute(f'CREATE TYPE "{table}_mood" AS ENUM (\'ok\', \'sad\')')
    admin.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, n int, note text, mood "{table}_mood", '
                  f'k uuid, meta jsonb, j json, ref text)')
    yield table
    admin.execute(f'DROP TABLE IF EXISTS "{table}"; DROP TYPE IF EXISTS "{table}_mood"')


FIELDS = {"id": Optional[int], "n": Optional[int], "note": Optional[str], "mood": Optional[str],
          "k": Optional[uuid.UUID], "meta": Optional[dict], "j": Optional[dict], "ref": Optional[uuid.UUID]}


def model_for(db, table):
    return model_class(db, table, FIELDS, "B")


async def _records(Model, count=3):
    records = [Model(n=i, note=f"x{i}", mood="ok", k=uuid.uuid4(), meta={"a": i}, j={"a": i}) for i in range(count)]
    for record in records:
        await maybe(record.save())
    return records


def _column(admin, table, column):
    return [row[0] for row in admin.execute(f'SELECT "{column}" FROM "{table}" ORDER BY id')]


async def test_none_for_an_int_column(db, bu_table, admin):
    Model = model_for(db, bu_table)
    records = await _records(Model)
    for record in records:
        record.n = None
    assert await maybe(Model.bulk_update(records, ["n"])) == 3
    assert _column(admin, bu_table, "n") == [None, None, None]


async def test_labels_for_an_enum_column(db, bu_table, admin):
    Model = model_for(db, bu_table)
    records = await _records(Model)
    for record in records:
        record.mood = "sad"
    assert await maybe(Model.bulk_update(records, ["mood"])) == 3
    assert _column(admin, bu_table, "mood") == ["sad", "sad", "sad"]
    records[0].mood = "unknown label"
    with pytest.raises(DatabaseError, match="invalid input value for enum"):  # as save() would
        await maybe(Model.bulk_update(records, ["mood"]))
    assert _column(admin, bu_table, "mood") == ["sad", "sad", "sad"]  # nothing stored


async def test_mixed_values_several_fields_and_batches(db, bu_table, admin):
    Model = model_for(db, bu_table)
    records = await _records(Model, 5)
    for record, n, note, mood in zip(records, [None, 5, 2**31 - 1, None, -3], ["a", None, "c", "d", None],
                                     ["sad", None, "ok", "sad", None]):
        record.n, record.note, record.mood = n, note, mood
    assert await maybe(Model.bulk_update(records, ["n", "note", "mood"], batch_size=2)) == 5
    assert _column(admin, bu_table, "n") == [None, 5, 2**31 - 1, None, -3]
    assert _column(admin, bu_table, "note") == ["a", None, "c", "d", None]
    assert _column(admin, bu_table, "mood") == ["sad", None, "ok", "sad", None]
    records[0].n = 2**31  # out of range: refused as save() refuses it, nothing stored
    with pytest.raises(DatabaseError, match="out of range"):
        await maybe(Model.bulk_update(records, ["n"]))
    assert _column(admin, bu_table, "n") == [None, 5, 2**31 - 1, None, -3]


async def test_json_jsonb_and_typed_values_for_another_type_of_column(db, bu_table, admin):
    """A dict goes as jsonb (also for a json column) and a UUID into a text column: each is
    assigned to its column with the cast save() gets."""
    Model = model_for(db, bu_table)
    records = await _records(Model)
    refs = [uuid.uuid4() for _ in records]
    for record, ref, i in zip(records, refs, range(3)):
        record.meta = {"b": [i, None]} if i else None
        record.j = {"c": i}
        record.ref = ref
        record.k = None
    assert await maybe(Model.bulk_update(records, ["meta", "j", "ref", "k"])) == 3
    assert _column(admin, bu_table, "meta") == [None, {"b": [1, None]}, {"b": [2, None]}]
    assert _column(admin, bu_table, "j") == [{"c": 0}, {"c": 1}, {"c": 2}]
    assert _column(admin, bu_table, "ref") == [str(ref) for ref in refs]
    assert _column(admin, bu_table, "k") == [None, None, None]


class Mood(enum.Enum):
    sad = "sad"
    ok = "ok"


async def test_enum_members_for_an_enum_column_as_a_single_update_sends_them(db, bu_table, admin):
    admin.execute(f'INSERT INTO "{bu_table}" (n) VALUES (0), (0), (0)')
    options = BulkUpdateOptions(table=bu_table, pk_column="id", pk_values=[1, 2],
                                field_values={"mood": [Mood.sad, None], "n": [None, 4]})
    assert (await db.bulk_update(options)).affected_rows == 2
    await db.execute(f'UPDATE "{bu_table}" SET mood = %s WHERE id = 3', (Mood.sad,))
    assert _column(admin, bu_table, "mood") == ["sad", None, "sad"]
    assert _column(admin, bu_table, "n") == [None, 4, 0]


def _options(table, keys, values, **extra):
    return BulkUpdateOptions(table=table, pk_column="id", pk_values=keys, field_values={"n": values}, **extra)


async def test_a_key_given_twice_keeps_its_first_values_as_the_core(db, bu_table, admin):
    admin.execute(f'INSERT INTO "{bu_table}" (n) VALUES (0), (0)')
    result = await db.bulk_update(_options(bu_table, [1, 2, 1], [10, 20, 30], schema_name="public"))
    assert result.affected_rows == 2
    assert _column(admin, bu_table, "n") == [10, 20]


async def test_over_65535_parameters_several_statements_all_or_nothing(db, bu_table, admin):
    admin.execute(f'INSERT INTO "{bu_table}" (n) SELECT 0 FROM generate_series(1, 40000)')
    keys = list(range(1, 40001))
    result = await db.bulk_update(_options(bu_table, keys, [None] * 40000))
    assert result.affected_rows == 40000
    assert admin.execute(f'SELECT count(*) FROM "{bu_table}" WHERE n IS NULL').fetchone()[0] == 40000
    values = [7] * 40000
    values[39000] = 2**31  # in the second statement (32,767 rows per statement of 2 columns)
    with pytest.raises(DatabaseError, match="out of range"):
        await db.bulk_update(_options(bu_table, keys, values))
    assert admin.execute(f'SELECT count(*) FROM "{bu_table}" WHERE n = 7').fetchone()[0] == 0


async def test_a_table_named_like_the_values_alias(db, admin, pg_database):
    admin.execute('CREATE TABLE "_bulk_update" (id int PRIMARY KEY, n int); INSERT INTO "_bulk_update" VALUES (1, 1)')
    try:
        result = await db.bulk_update(_options("_bulk_update", [1], [None]))
        assert result.affected_rows == 1
        assert admin.execute('SELECT n FROM "_bulk_update"').fetchone()[0] is None
    finally:
        admin.execute('DROP TABLE "_bulk_update"')
