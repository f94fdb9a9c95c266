"""Arrays: 1-D and multi-dimensional, of int, text, UUID, numeric and dates, with
NULL elements and empty arrays; ``= ANY``, ``@>``, ``&&``.

psycopg sends a list of small Python ints as ``smallint[]``; PostgreSQL has no
``integer[] @> smallint[]`` operator, so containment on int arrays casts the
parameter (``?::int[]``) -- see docs/types.md.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import List, Optional

import pytest


def test_int_and_text_arrays_with_nulls_and_operators(db):
    table = db.table("arr", "ints int[], texts text[]")
    M = db.model(table, {"ints": Optional[List[Optional[int]]], "texts": Optional[List[Optional[str]]]})
    db.save(M(ints=[1, None, 3], texts=["a", None, "ü 🐘"]))
    db.save(M(ints=[70000, 5], texts=["b"]))
    db.save(M(ints=[], texts=[]))
    db.save(M(ints=None, texts=None))
    rows = db.all(M.query().order_by("id"))
    assert [(r.ints, r.texts) for r in rows] == [
        ([1, None, 3], ["a", None, "ü 🐘"]), ([70000, 5], ["b"]), ([], []), (None, None)]
    assert len(db.all(M.query().where("? = ANY(ints)", (3,)))) == 1
    assert len(db.all(M.query().where("? = ANY(texts)", ("ü 🐘",)))) == 1
    assert len(db.all(M.query().where("ints @> ?::int[]", ([1, 3],)))) == 1
    assert len(db.all(M.query().where("ints && ?::int[]", ([3, 5],)))) == 2
    assert len(db.all(M.query().where("texts @> ?", (["a"],)))) == 1
    assert len(db.all(M.query().where("texts && ?", (["a", "b"],)))) == 2
    assert len(db.all(M.query().where("cardinality(ints) = ?", (0,)))) == 1
    assert len(db.all(M.query().where("ints = ?", ([],)))) == 1


def test_multidimensional_arrays(db):
    table = db.table("arr2", "grid int[], words text[]")
    M = db.model(table, {"grid": List[List[Optional[int]]], "words": List[List[str]]})
    saved = db.save(M(grid=[[1, 2, 3], [4, None, 6]], words=[["a", "b"], ["c", "d"]]))
    got = db.one(M.query().where("id = ?", (saved.id,)))
    assert got.grid == [[1, 2, 3], [4, None, 6]]
    assert got.words == [["a", "b"], ["c", "d"]]
    assert db.fetch(f'SELECT array_ndims(grid) AS n, grid[2][3] AS v FROM "{table}"') == [{"n": 2, "v": 6}]


def test_uuid_numeric_date_arrays(db):
    table = db.table("arr3", "ids uuid[], amounts numeric[], days date[]")
    M = db.model(table, {"ids": List[uuid.UUID], "amounts": List[Optional[Decimal]], "days": List[date]})
    ids = [uuid.uuid4(), uuid.uuid4()]
    amounts = [Decimal("1.10"), None, Decimal("-123456789012345678901234567890.123456789")]
    days = [date(2024, 1, 1), date(1999, 12, 31)]
    db.save(M(ids=ids, amounts=amounts, days=days))
    got = db.one(M.query())
    assert got.ids == ids and got.amounts == amounts and got.days == days
    assert str(got.amounts[0]) == "1.10"  # scale preserved
    assert len(db.all(M.query().where("? = ANY(ids)", (ids[1],)))) == 1
    assert len(db.all(M.query().where("ids @> ?", ([ids[0]],)))) == 1
    assert len(db.all(M.query().where("days && ?", ([date(1999, 12, 31)],)))) == 1
    assert len(db.all(M.query().where("amounts @> ?", ([Decimal("1.1")],)))) == 1


def test_untyped_list_field_is_an_array(db):
    """A bare ``list`` field (the README's spelling) is a PostgreSQL array, not JSON."""
    table = db.table("arr4", "tags text[]")
    M = db.model(table, {"tags": list})
    db.save(M(tags=["x", "y"]))
    assert db.fetch(f'SELECT pg_typeof(tags)::text AS t FROM "{table}"') == [{"t": "text[]"}]
    assert db.one(M.query()).tags == ["x", "y"]


@pytest.mark.parametrize("value", [[None], [None, None], [[None]]])
def test_all_null_arrays(db, value):
    table = db.table("arr5", "v int[]")
    M = db.model(table, {"v": list})
    db.save(M(v=value))
    assert db.one(M.query()).v == value
