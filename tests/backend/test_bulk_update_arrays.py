"""``Model.bulk_update`` stores array and JSON values as ``save()`` stores them.

psycopg sends a list of str (``["a"]``), an empty list and a list of only None with no type
("unknown", like a str): a VALUES column made of such values alone resolved to ``text``
("column tags is of type text[] but expression is of type text"). Such a column now takes
the column's own type, as a str or None one does; lists with a typed leaf (ints, UUIDs) and
JSON values (``dict``, ``JsonbList``) keep theirs.

Not covered, as the core hands the values over: ``Model.bulk_update`` reads attributes
(``getattr``) where ``save()`` serialises the model (``model_dump``), so a plain list assigned
to a ``JsonbList`` attribute, or any non-dict value of an ``AsJsonb``/``AsJson`` field,
reaches the backend as a bare list/str/int, with nothing saying the column is JSON.

Each case updates one set of rows with ``bulk_update`` and another with ``save()``, with the
same values, and compares what the two stored.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, List, Optional

import pytest
from rhosocial.activerecord.backend.errors import DatabaseError

from rhosocial.activerecord.backend.impl.postgres.types import AsJson, AsJsonb, JsonbList
from tests.performance.helpers import maybe, model_class

pytestmark = pytest.mark.asyncio

FIELDS = {
    "id": Optional[int],
    "tags": Optional[List[Optional[str]]],             # text[]
    "vt": Optional[List[Optional[str]]],               # varchar(5)[]
    "grid": Optional[List[List[Optional[str]]]],       # text[] holding a two-dimensional array
    "moods": Optional[List[Optional[str]]],            # an enum type's array
    "nums": Optional[List[Optional[int]]],             # int[]
    "ids": Optional[List[uuid.UUID]],        # uuid[]
    "meta": Optional[dict],                  # jsonb
    "items": Optional[JsonbList],            # jsonb (an array)
    "data": Optional[Annotated[Any, AsJsonb]],  # jsonb, any value
    "jd": Optional[Annotated[Any, AsJson]],  # json, any value
}

INITIAL = {"tags": ["init"], "vt": ["init"], "grid": [["i"]], "moods": ["ok"], "nums": [9],
           "ids": [uuid.UUID(int=9)], "meta": {"init": 1}, "items": ["init"], "data": "init",
           "jd": {"init": 1}}

U = [uuid.uuid4() for _ in range(3)]
CASES = {
    "text[] of str lists": {"tags": [["b", "c"], ["d"], ["e", None]]},
    "text[] empty and None": {"tags": [[], None, []]},
    "text[] all None": {"tags": [None, None, None]},
    "varchar[]": {"vt": [["ab"], [], None]},
    "text[][]": {"grid": [[["a", "b"], ["c", "d"]], [[None]], []]},  # not [[]]: PostgreSQL 10 refuses "{{}}"
    "enum[] labels": {"moods": [["sad", "ok"], [], None]},
    "int[] of ints": {"nums": [[1, 2], [3], [2**31 - 1]]},
    "int[] empty and None": {"nums": [[], None, []]},
    "int[] mixed": {"nums": [[1, None], [], None]},
    "uuid[]": {"ids": [[U[0]], [U[1], U[2]], []]},
    "jsonb dict": {"meta": [{"a": [1, "x"]}, None, {}]},
    # a JsonbList (what pydantic makes of a list given to the model) goes as Jsonb
    "jsonb list": {"items": [JsonbList(["a", "b"]), JsonbList(), JsonbList([1, {"c": None}])]},
    "jsonb any, dicts": {"data": [{"a": ["x"]}, None, {}]},
    "json any, dicts": {"jd": [{"b": 1}, {"c": [1, None]}, None]},
    "several columns": {"tags": [["x"], [], None], "nums": [[5], None, []], "ids": [None, [U[0]], []],
                        "items": [JsonbList(), JsonbList(["y"]), None], "moods": [None, ["sad"], []]},
}


@pytest.fixture
def arr_table(admin, table):
    admin.execute(f'CREATE TYPE "{table}_mood" AS ENUM (\'ok\', \'sad\')')
    admin.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, tags text[], vt varchar(5)[], grid text[], '
                  f'moods "{table}_mood"[], nums int[], ids uuid[], meta jsonb, items jsonb, data jsonb, jd json)')
    yield table
    admin.execute(f'DROP TABLE IF EXISTS "{table}"; DROP TYPE IF EXISTS "{table}_mood"')


def model_for(db, table):
    return model_class(db, table, FIELDS, "A")


async def _records(Model, count=3):
    records = [Model(**INITIAL) for _ in range(count)]
    for record in records:
        await maybe(record.save())
    return records


def _stored(admin, table, column, records):
    """The column's values for ``records``, in their order (json as its text: json has no
    equality; the enum array as text[]: this plain connection has no loader for it)."""
    cast = {"jd": "::text", "moods": "::text[]"}.get(column, "")
    by_id = dict(admin.execute(f'SELECT id, "{column}"{cast} FROM "{table}" WHERE id = ANY(%s)',
                               ([r.id for r in records],)).fetchall())
    return [by_id[r.id] for r in records]


@pytest.mark.parametrize("case", sorted(CASES))
async def test_bulk_update_stores_what_save_stores(db, arr_table, admin, case):
    Model = model_for(db, arr_table)
    bulk, saved = await _records(Model), await _records(Model)
    changes = CASES[case]
    for field, values in changes.items():
        for one, other, value in zip(bulk, saved, values):
            setattr(one, field, value)
            setattr(other, field, value)
    for record in saved:
        await maybe(record.save())
    before = {field: _stored(admin, arr_table, field, bulk) for field in changes}
    assert await maybe(Model.bulk_update(bulk, list(changes))) == 3
    for field in changes:
        expected = _stored(admin, arr_table, field, saved)
        assert _stored(admin, arr_table, field, bulk) == expected, field
        assert all(old != new for old, new in zip(before[field], expected)), field  # every row changed


async def test_a_refused_value_is_refused_as_save_refuses_it(db, arr_table, admin):
    Model = model_for(db, arr_table)
    records = await _records(Model)
    records[1].vt = ["toolong"]  # varchar(5)[]: the column's type checks the element
    with pytest.raises(DatabaseError, match="too long"):
        await maybe(records[1].save())
    with pytest.raises(DatabaseError, match="too long"):
        await maybe(Model.bulk_update(records, ["vt"]))
    assert _stored(admin, arr_table, "vt", records) == [["init"]] * 3  # nothing stored
    records[1].moods = ["bad label"]
    with pytest.raises(DatabaseError, match="invalid input value for enum"):
        await maybe(Model.bulk_update(records, ["moods"]))
    assert _stored(admin, arr_table, "moods", records) == [["ok"]] * 3
