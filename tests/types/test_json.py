"""JSON and JSONB: dicts, lists, scalars, nested, unicode; ``->``, ``->>``,
``#>``, ``@>``, ``?`` (written ``\\?``) and jsonpath."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import pytest
from psycopg.types.json import Jsonb
from rhosocial.activerecord.backend.impl.postgres.types import AsJson, AsJsonb, JsonbAdapter, JsonbList
from rhosocial.activerecord.base.fields import UseAdapter

DOC = {"name": "Zoë 🐘", "n": 1, "f": 1.5, "ok": True, "none": None,
       "tags": ["a", "b"], "nested": {"deep": {"list": [1, {"x": "y"}]}}, "日本": "語"}


def test_dict_in_jsonb_and_json_columns(db):
    table = db.table("js", "b jsonb, j json")
    M = db.model(table, {"b": dict, "j": Optional[dict]})
    db.save(M(b=DOC, j=DOC))
    db.save(M(b={"name": "other", "tags": ["c"]}, j=None))
    got = db.all(M.query().order_by("id"))
    assert got[0].b == DOC and got[0].j == DOC and got[1].j is None
    q = M.query()
    assert [r.b["name"] for r in db.all(q.where("b->>'name' = ?", ("Zoë 🐘",)))] == ["Zoë 🐘"]
    assert len(db.all(M.query().where("b->'nested'->'deep' @> ?", ({"list": [1]},)))) == 1
    assert len(db.all(M.query().where("b #>> '{nested,deep,list,1,x}' = ?", ("y",)))) == 1
    assert len(db.all(M.query().where("b #> '{tags}' = ?::jsonb", ('["c"]',)))) == 1
    assert len(db.all(M.query().where("b \\? ?", ("日本",)))) == 1
    assert len(db.all(M.query().where("b \\?| ?", (["x", "日本"],)))) == 1
    assert len(db.all(M.query().where("b \\?& ?", (["name", "tags"],)))) == 2
    assert len(db.all(M.query().where("j->>'日本' = ?", ("語",)))) == 1


def test_jsonpath(db):
    if db.major < 12:
        pytest.skip(f"jsonpath needs PostgreSQL 12+ (server is {db.major})")
    table = db.table("jp", "b jsonb")
    M = db.model(table, {"b": dict})
    db.save(M(b={"items": [{"price": 5}, {"price": 50}]}))
    db.save(M(b={"items": [{"price": 1}]}))
    assert len(db.all(M.query().where("b @@ ?::jsonpath", ("$.items[*].price > 10",)))) == 1
    assert len(db.all(M.query().where("jsonb_path_exists(b, ?::jsonpath)", ("$.items[*] ? (@.price < 2)",)))) == 1


def test_jsonb_list_type(db):
    table = db.table("jl", "items jsonb")
    M = db.model(table, {"items": Optional[JsonbList]})
    db.save(M(items=[1, "two", {"three": 3}, [4], None]))
    db.save(M(items=[]))
    got = db.all(M.query().order_by("id"))
    assert got[0].items == [1, "two", {"three": 3}, [4], None] and isinstance(got[0].items, JsonbList)
    assert got[1].items == []
    assert db.fetch(f'SELECT jsonb_typeof(items) AS t FROM "{table}" ORDER BY id') == [{"t": "array"}] * 2
    assert len(db.all(M.query().where("items @> ?", (JsonbList(["two"]),)))) == 1


@pytest.mark.parametrize("column", ["jsonb", "json"])
def test_scalars_with_as_jsonb(db, column):
    table = db.table("jsc", f"v {column}")
    marker = AsJsonb if column == "jsonb" else AsJson
    M = db.model(table, {"v": Annotated[Any, marker]})
    values = [0, -12, 1.25, "text 🐘", "", True, False, [1, [2, None]], {"k": "v"}]
    for value in values:
        db.save(M(v=value))
    db.save(M(v=None))  # SQL NULL
    got = [r.v for r in db.all(M.query().order_by("id"))]
    assert got == values + [None]
    types = [r["t"] for r in db.fetch(f'SELECT {column}_typeof(v) AS t FROM "{table}" ORDER BY id')]
    assert types[:3] == ["number"] * 3 and types[3] == "string" and types[5] == "boolean" and types[-1] is None


def test_use_adapter_reads_but_does_not_write_jsonb(db):
    """Documented limitation of core 1.0.0.dev29: a field's UseAdapter is not
    applied when saving, so a ``list`` still goes out as an array."""
    table = db.table("jua", "v jsonb")
    M = db.model(table, {"v": Annotated[Optional[list], UseAdapter(JsonbAdapter(), Jsonb)]})
    from rhosocial.activerecord.backend.errors import DatabaseError

    with pytest.raises(DatabaseError):
        db.save(M(v=[1, 2]))
    db.execute(f'INSERT INTO "{table}" (v) VALUES (%s)', (Jsonb([1, 2]),))
    assert db.one(M.query()).v == [1, 2]
