"""Parameters psycopg cannot convert, and values the server would refuse obscurely.

* a client-side conversion failure (a lone surrogate, an object JSON cannot encode) is the
  backend's ``DataError`` (sqlstate None) naming the parameter and its Python type, with
  the original exception as ``__cause__``: in execute, execute_many, bulk_insert, fetch;
* ``Decimal`` inside JSON data is written as an exact JSON number;
* a NUL character through ``copy_records`` gets the INSERT's clear error, before sending;
* a 2-field composite taken for a README range tuple (``Item(None, 3)``) gets a reason.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple, Optional

import pytest
from rhosocial.activerecord.backend.errors import DatabaseError
from rhosocial.activerecord.backend.impl.postgres.errors import DataError

SURROGATE = "\ud800"


def _assert_named(error: BaseException, where: str, python_type: str, cause: type) -> None:
    assert isinstance(error, DataError), type(error)
    assert where in str(error) and f"({python_type})" in str(error), str(error)
    assert error.sqlstate is None
    assert isinstance(error.__cause__, cause)


def test_execute_names_the_unconvertible_parameter(db):
    table = db.table("cerr", "a int, tx text, jb jsonb")
    with pytest.raises(DataError) as info:
        db.execute(f'INSERT INTO "{table}" (a, tx) VALUES (%s, %s)', (1, SURROGATE))
    _assert_named(info.value, "parameter $2", "str", UnicodeEncodeError)
    with pytest.raises(DataError) as info:
        db.execute(f'INSERT INTO "{table}" (a, tx) VALUES (%(a)s, %(t)s)', {"a": 1, "t": SURROGATE})
    _assert_named(info.value, "parameter %(t)s", "str", UnicodeEncodeError)
    with pytest.raises(DataError) as info:
        db.execute(f'INSERT INTO "{table}" (jb) VALUES (%s)', ({"tags": {1, 2}},))
    _assert_named(info.value, "parameter $1", "dict", TypeError)
    with pytest.raises(DataError) as info:  # fetch path (DQL)
        db.fetch(f'SELECT * FROM "{table}" WHERE tx = %s', (SURROGATE,))
    _assert_named(info.value, "parameter $1", "str", UnicodeEncodeError)
    # the session is still usable: nothing was sent
    db.execute(f'INSERT INTO "{table}" (a) VALUES (%s)', (2,))
    assert db.fetch(f'SELECT a FROM "{table}"') == [{"a": 2}]


def test_model_save_and_batches_name_the_parameter(db):
    table = db.table("cerrm", "tx text")
    M = db.model(table, {"tx": Optional[str]})
    with pytest.raises(DataError) as info:
        db.save(M(tx=SURROGATE))
    _assert_named(info.value, "parameter $1", "str", UnicodeEncodeError)
    with pytest.raises(DataError) as info:
        db.run(db.backend.execute_many(f'INSERT INTO "{table}" (tx) VALUES (%s)', [("ok",), (SURROGATE,)]))
    _assert_named(info.value, "$1 of parameter set 2", "str", UnicodeEncodeError)
    with pytest.raises(DataError) as info:
        db.run(M.bulk_create([M(tx="a"), M(tx="b"), M(tx=SURROGATE)]))
    _assert_named(info.value, "row 3, column 'tx'", "str", UnicodeEncodeError)
    # all or nothing: execute_many and bulk_create run in a transaction of their own (in
    # autocommit the first set of the pipelined executemany had been committed alone)
    assert db.fetch(f'SELECT tx FROM "{table}"') == []


def test_server_and_programming_errors_are_unchanged(db):
    table = db.table("cerrs", "a int")
    with pytest.raises(DatabaseError) as info:
        db.execute(f'INSERT INTO "{table}" (a) VALUES (%s)', ("x",))
    assert info.value.sqlstate == "22P02" and "cannot be converted" not in str(info.value)
    with pytest.raises(DatabaseError) as info:  # placeholder count: not a conversion failure
        db.execute(f'INSERT INTO "{table}" (a) VALUES (%s)', (1, 2))
    assert not isinstance(info.value, DataError)


def test_decimal_inside_json_is_an_exact_number(db):
    table = db.table("cdec", "jb jsonb, j json")
    M = db.model(table, {"jb": Optional[dict], "j": Optional[dict]})
    value = {"price": Decimal("9.99"), "big": Decimal("12345678901234567890.123456789"),
             "list": [Decimal("1.10"), Decimal("1E+2"), Decimal("-0")], "f": 0.5}
    db.save(M(jb=value, j=value))
    row = db.fetch(f'SELECT jb::text AS jb, j::text AS j, (jb->>\'big\')::numeric AS big FROM "{table}"')[0]
    assert row["big"] == Decimal("12345678901234567890.123456789")  # no float rounding
    assert '"price": 9.99' in row["jb"] and "[1.10, 100, 0]" in row["jb"]
    assert '"big": 12345678901234567890.123456789' in row["j"]  # a dict goes as jsonb to json too
    with pytest.raises(DataError) as info:
        db.execute(f'INSERT INTO "{table}" (jb) VALUES (%s)', ({"x": Decimal("NaN")},))
    _assert_named(info.value, "parameter $1", "dict", ValueError)



def test_a_json_dumps_set_with_psycopg_is_kept(db):
    """psycopg's set_json_dumps (orjson, a default= for datetimes) is the user's choice: our
    Decimal-aware dumps replaced it and a datetime inside a dict failed to convert. Json /
    Jsonb wrappers still go in text by default, as in psycopg."""
    import datetime
    import json
    import uuid

    import psycopg.types.json as pj
    from psycopg.adapt import PyFormat

    table = db.table("cjd", "jb jsonb")
    pj.set_json_dumps(lambda obj: json.dumps(obj, default=str))
    try:
        db.execute(f'INSERT INTO "{table}" (jb) VALUES (%s)', ({"at": datetime.datetime(2024, 1, 1),
                                                               "u": uuid.UUID(int=1)},))
        db.execute(f'INSERT INTO "{table}" (jb) VALUES (%s)', (pj.Jsonb({"d": datetime.date(2024, 1, 2)}),))
    finally:
        pj.set_json_dumps(json.dumps)
    rows = sorted((r["jb"] for r in db.fetch(f'SELECT jb FROM "{table}"')), key=len)
    assert rows == [{"d": "2024-01-02"},
                    {"at": "2024-01-01 00:00:00", "u": "00000000-0000-0000-0000-000000000001"}]
    connection = db.backend._connection
    for wrapper in (pj.Json, pj.Jsonb):
        assert connection.adapters.get_dumper(wrapper, PyFormat.AUTO).format == 0  # text


def test_copy_records_nul_is_the_insert_error(db):
    table = db.table("cnul", "tx text, vc varchar(9), ta text[], n int")
    for rows in ([("ok", "ok", None, 1), ("a\x00b", None, None, 2)], [(None, None, ["x", "y\x00"], 3)]):
        for in_transaction in (False, True):
            def copy(rows=rows):
                return db.backend.copy_records(table, rows, columns=["tx", "vc", "ta", "n"])

            if in_transaction:
                async def inside():
                    async with db.backend.transaction_manager.transaction():
                        with pytest.raises(DataError) as info:
                            await copy()
                        await db.backend.execute("SELECT 1")  # nothing was sent: still usable
                    return info
                if db.is_async:
                    info = db.run(inside())
                else:
                    with db.backend.transaction_manager.transaction():
                        with pytest.raises(DataError) as info:
                            copy()
                        db.backend.execute("SELECT 1")
            else:
                with pytest.raises(DataError) as info:
                    db.run(copy())
            assert "NUL" in str(info.value) and info.value.sqlstate == "22021"
            assert ("row 2, column 'tx'" if rows[0][0] == "ok" else "column 'ta'") in str(info.value)
    assert db.fetch(f'SELECT count(*) AS n FROM "{table}"') == [{"n": 0}]
    assert db.run(db.backend.copy_records(table, [("a", "b", ["c"], 1)], columns=["tx", "vc", "ta", "n"])) == 1


class Pair(NamedTuple):
    name: Optional[str]
    qty: Optional[int]


def test_composite_taken_for_a_range_tuple_says_why(db):
    from rhosocial.activerecord.backend.impl.postgres.types import CompositeType

    type_name = db.table("cpair_t", "x int")  # a unique name; the table is dropped below
    db.execute(f'DROP TABLE "{type_name}"')
    db.execute(f'CREATE TYPE "{type_name}" AS (name text, qty int)')
    db.register_types(CompositeType(type_name, Pair))
    table = db.table("cpair", f'p "{type_name}"')
    M = db.model(table, {"p": Optional[Pair]})
    db.save(M(p=Pair("x", None)))  # not range-like: a record
    with pytest.raises(DatabaseError) as info:
        db.save(M(p=Pair(None, 3)))  # (None, 3) reads as the range (,3]
    assert "parameter $1: the tuple (None, 3) was sent as the range" in str(info.value)
    assert "Composite caveat" in str(info.value)
    db.execute(f'INSERT INTO "{table}" (p) VALUES (%s)', (Pair(None, 3),))  # the NamedTuple itself works
    assert [r.p for r in db.all(M.query().order_by("id"))] == [Pair("x", None), Pair(None, 3)]
