"""Regression tests for a third review of the type layer: timestamptz instants beyond the
session zone's years, arrays of element types psycopg does not know, registered types
re-read on reconnection, and copy_records with enum labels, ragged rows, NaN in JSON and
range tuples inside lists."""

from __future__ import annotations

import enum
from datetime import datetime, timezone
from decimal import Decimal
from typing import NamedTuple, Optional

import psycopg
import pytest
from rhosocial.activerecord.backend.impl.postgres import AsyncPostgresBackend, PostgresBackend, PostgresConnectionConfig
from rhosocial.activerecord.backend.impl.postgres.copy import RowShapeError
from rhosocial.activerecord.backend.impl.postgres.errors import DataError
from rhosocial.activerecord.backend.impl.postgres.types import CompositeType, EnumType, Range, configure_connection

from tests.gates import require_extension
from tests.types.conftest import QUIET, Flavour

UTC = timezone.utc


@pytest.fixture
def fresh(db, pg_database):
    """Make another backend of ``db``'s flavour (own connection, extra config), closed after."""
    made = []

    def make(**config) -> Flavour:
        cls = AsyncPostgresBackend if db.is_async else PostgresBackend
        backend = cls(connection_config=PostgresConnectionConfig(**pg_database.conn_kwargs(), **config),
                      logging_config=QUIET)
        flavour = Flavour(db.name, backend, db.loop, db.major)
        flavour.run(backend.connect())
        made.append(flavour)
        return flavour

    yield make
    for flavour in made:
        flavour.run(flavour.backend.disconnect())


# -- 1. timestamptz beyond the session zone's years ---------------------------------
@pytest.mark.parametrize("zone,value,stored", [
    ("America/New_York", datetime(1, 1, 1, 1, 0, tzinfo=UTC), "0001-12-31 20:03:58-04:56:02 BC"),
    ("Asia/Kolkata", datetime(9999, 12, 31, 20, 0, tzinfo=UTC), "10000-01-01 01:30:00+05:30"),
])
def test_timestamptz_beyond_the_session_zone_reads_back_in_utc(fresh, zone, value, stored):
    """Saved without a word, then every read raised DataError ("timestamp too small/large"):
    the local date is outside Python's years. It now comes back as the same instant, in UTC."""
    db = fresh(timezone=zone)
    table = db.table("ttz", "at timestamptz")
    M = db.model(table, {"at": Optional[datetime]})
    db.save(M(at=value))
    assert db.fetch(f'SELECT at::text AS v FROM "{table}"') == [{"v": stored}]
    back = db.one(M.query())
    assert back.at == value and back.at.utcoffset().total_seconds() == 0
    assert db.fetch(f'SELECT at FROM "{table}"') == [{"at": value}]
    # the binary loader (binary cursors) as well
    connection = psycopg.connect(**db.backend._connect_kwargs(), options=f"-c TimeZone={zone}")
    with connection:
        configure_connection(connection)  # what the backend installs on its connections
        for binary in (False, True):
            cursor = connection.cursor(binary=binary)
            assert cursor.execute(f'SELECT at FROM "{table}"').fetchone()[0] == value
    # ordinary values keep the session zone; one outside Python's range in UTC too: a clear error
    assert db.fetch("SELECT '2024-06-01 12:00+00'::timestamptz AS v")[0]["v"].tzinfo is not UTC
    with pytest.raises(DataError, match="outside Python's datetime range in UTC too"):
        db.fetch("SELECT '0001-01-01 00:00+00 BC'::timestamptz AS v")


# -- 2. arrays of element types psycopg does not know ---------------------------------
def test_arrays_of_unknown_element_types_are_lists(db, fresh):
    """citext[], an unregistered enum's array, a domain's array (PostgreSQL 11+) came back as
    the literal text '{A,b}', which a ``list`` field refused."""
    require_extension(db.backend.config.conninfo(), "citext")
    n = f"{db.name}_{id(db)}"
    for statement in ("CREATE EXTENSION IF NOT EXISTS citext", f"DROP TYPE IF EXISTS shade_{n} CASCADE",
                      f"CREATE TYPE shade_{n} AS ENUM ('dark', 'light')"):
        db.execute(statement)
    table = db.table("tua", f"tags citext[], shades shade_{n}[]")
    expected = {"tags": ["A", "b", None], "shades": ["dark"]}
    domains = db.major >= 11  # arrays of domains exist from PostgreSQL 11
    if domains:
        db.execute(f"DROP DOMAIN IF EXISTS posint_{n} CASCADE")
        db.execute(f"CREATE DOMAIN posint_{n} AS int CHECK (VALUE > 0)")
        db.execute(f'ALTER TABLE "{table}" ADD COLUMN ns posint_{n}[]')
        expected["ns"] = [1, 2]
    # a session opened after the types exist: the catalogue gives each array its loader
    later = fresh()
    M = later.model(table, {name: Optional[list] for name in expected})
    later.save(M(**expected))
    assert later.fetch(f'SELECT {", ".join(expected)} FROM "{table}"') == [expected]
    back = later.one(M.query())
    assert {name: getattr(back, name) for name in expected} == expected
    # a type created after the session read the catalogue: its arrays are text (no guessing
    # from the shape, which built-in types such as pg_node_tree share) until register_types()
    later.execute(f"DROP TYPE IF EXISTS late_{n} CASCADE")
    later.execute(f"CREATE TYPE late_{n} AS ENUM ('x', 'y')")
    later.execute(f'ALTER TABLE "{table}" ADD COLUMN late late_{n}[]')
    later.execute(f"UPDATE \"{table}\" SET late = '{{x,NULL,y}}'")
    assert later.fetch(f'SELECT late FROM "{table}"') == [{"late": "{x,NULL,y}"}]
    if domains:
        later.execute(f"DROP DOMAIN IF EXISTS lated_{n} CASCADE")
        later.execute(f"CREATE DOMAIN lated_{n} AS int")
        later.execute(f'ALTER TABLE "{table}" ADD COLUMN lated lated_{n}[]')
        later.execute(f"UPDATE \"{table}\" SET lated = '{{3,NULL,4}}'")
        assert later.fetch(f'SELECT lated FROM "{table}"') == [{"lated": "{3,NULL,4}"}]
    later.register_types()
    assert later.fetch(f'SELECT late FROM "{table}"') == [{"late": ["x", None, "y"]}]
    if domains:
        assert later.fetch(f'SELECT lated FROM "{table}"') == [{"lated": [3, None, 4]}]
    # other unknown text is still str
    assert later.fetch("SELECT 'MiXeD'::citext AS c, '{not,an,array'::citext AS d") == [
        {"c": "MiXeD", "d": "{not,an,array"}]


# -- 3. registered types are read again on (re)connection -----------------------------
class Mood(enum.Enum):
    happy = "happy"
    sad = "sad"


def test_registered_enum_recreated_works_after_reconnect(db, fresh):
    """DROP + CREATE gives the type another oid: reconnecting kept the stale one ("cache
    lookup failed for type N"); each new connection now reads the registered types again."""
    b = fresh()
    name = f"moodr_{db.name}_{id(b)}"
    b.execute(f"DROP TYPE IF EXISTS {name} CASCADE")
    b.execute(f"CREATE TYPE {name} AS ENUM ('happy', 'sad')")
    b.register_types(EnumType(name, Mood))
    table = b.table("trr", f"m {name}")
    M = b.model(table, {"m": Optional[Mood]})
    b.save(M(m=Mood.sad))
    b.execute(f'DROP TABLE "{table}"')
    b.execute(f"DROP TYPE {name}")
    b.execute(f"CREATE TYPE {name} AS ENUM ('happy', 'sad')")
    b.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, m {name})')
    b.run(b.backend.disconnect())
    b.run(b.backend.connect())
    b.save(M(m=Mood.sad))
    b.execute(f"INSERT INTO \"{table}\" (m) VALUES ('happy')")
    assert [r.m for r in b.all(M.query().order_by("id"))] == [Mood.sad, Mood.happy]


class Addr(NamedTuple):
    street: str
    zip: int


class Addr3(NamedTuple):
    street: str
    zip: int
    country: Optional[str]


def test_registered_composite_altered(db, fresh):
    """ALTER TYPE ... ADD ATTRIBUTE: register_types again (same connection) or reconnect."""
    b = fresh()
    name = f"addra_{db.name}_{id(b)}"
    b.execute(f"DROP TYPE IF EXISTS {name} CASCADE")
    b.execute(f"CREATE TYPE {name} AS (street text, zip int)")
    spec = CompositeType(name, Addr)
    b.register_types(spec)
    table = b.table("tal", f"a {name}")
    b.execute(f"INSERT INTO \"{table}\" (a) VALUES (ROW('x', 1))")
    b.execute(f"ALTER TYPE {name} ADD ATTRIBUTE country text")
    b.execute(f"UPDATE \"{table}\" SET a.country = 'nl'")
    spec.factory = Addr3
    b.run(b.backend.disconnect())
    b.run(b.backend.connect())
    assert b.fetch(f'SELECT a FROM "{table}"') == [{"a": Addr3("x", 1, "nl")}]
    b.execute(f"ALTER TYPE {name} DROP ATTRIBUTE country")
    b.register_types(CompositeType(name, Addr))
    assert b.fetch(f'SELECT a FROM "{table}"') == [{"a": Addr("x", 1)}]


# -- 4-6. copy_records ----------------------------------------------------------
class Level(enum.Enum):
    HAPPY = 1
    SAD = 2


def test_copy_enum_label_strings(db):
    """A label string for a registered enum column (an INSERT takes it) was a bare KeyError
    from psycopg's binary enum dumper; the batch now goes as text, parsed by the server."""
    name = f"level_{db.name}"
    db.execute(f"DROP TYPE IF EXISTS {name} CASCADE")
    db.execute(f"CREATE TYPE {name} AS ENUM ('HAPPY', 'SAD')")
    db.register_types(EnumType(name, Level))
    table = db.table("tec", f"m {name}, ms {name}[]")
    for in_transaction in (False, True):
        if in_transaction:
            db.execute("BEGIN")
        assert db.run(db.backend.copy_records(table, [("SAD", ["SAD", "HAPPY"])], columns=["m", "ms"])) == 1
        assert db.run(db.backend.copy_records(table, [{"m": "HAPPY", "ms": None}])) == 1
        assert db.run(db.backend.copy_records(table, [(Level.SAD, [Level.HAPPY])], columns=["m", "ms"])) == 1
        if in_transaction:
            db.execute("COMMIT")
    rows = db.fetch(f'SELECT m::text AS m, ms::text AS ms FROM "{table}" ORDER BY id')
    assert rows == [{"m": "SAD", "ms": "{SAD,HAPPY}"}, {"m": "HAPPY", "ms": None}, {"m": "SAD", "ms": "{HAPPY}"}] * 2
    with pytest.raises(DataError, match="invalid input value for enum"):
        db.run(db.backend.copy_records(table, [("MEH", None)], columns=["m", "ms"]))


@pytest.mark.parametrize("rows,columns,number,count,width", [
    ([(1, "x"), (2,)], ["a", "t"], 1, 1, 2),
    ([(1,), (2,)], ["a", "t"], 0, 1, 2),
    ([(1, "x", "extra")], ["a", "t"], 0, 3, 2),
    ([(1, 1, "x"), (2, 2)], None, 1, 2, 3),  # the table's columns: id, a, t
    ([(1, 1, "x", 5)], None, 0, 4, 3),
])
def test_copy_sequence_rows_of_the_wrong_length(db, rows, columns, number, count, width):
    """A short row was a bare IndexError, a long one the server's error mid-COPY."""
    table = db.table("tcs", "a int, t text")
    with pytest.raises(RowShapeError, match=rf"row {number} has {count} value\(s\) for {width} column\(s\)"):
        db.run(db.backend.copy_records(table, rows, columns=columns))
    assert db.fetch(f'SELECT count(*) AS c FROM "{table}"') == [{"c": 0}]


def test_copy_decimal_nan_in_json(db):
    """A bare ValueError before; now the backend's DataError, as execute raises."""
    table = db.table("tjn", "j jsonb, t text")
    for in_transaction in (False, True):
        if in_transaction:
            db.execute("BEGIN")
        with pytest.raises(DataError, match="Decimal NaN has no JSON representation"):
            db.run(db.backend.copy_records(table, [{"j": {"a": 1}, "t": "x"}, {"j": {"a": Decimal("NaN")}, "t": "y"}]))
        if in_transaction:
            db.execute("ROLLBACK")
    with pytest.raises(DataError, match=r"parameter \$1 \(dict\): Decimal NaN"):
        db.execute(f'INSERT INTO "{table}" (j) VALUES (%s)', ({"a": Decimal("NaN")},))
    assert db.fetch(f'SELECT count(*) AS c FROM "{table}"') == [{"c": 0}]


def test_range_tuples_inside_lists_are_inclusive(db):
    """``[(1, 3)]`` for an int4range[] was the record text '(1,3)', which the server read as
    the exclusive range [2,3); a top-level (1, 3) is the inclusive [1,3]. Same rule now."""
    table = db.table("tar", "r int4range, rs int4range[], ds daterange[]")
    M = db.model(table, {"r": Optional[tuple], "rs": Optional[list]})
    db.save(M(r=(1, 3), rs=[(1, 3), (5, None), ()]))
    db.execute(f'INSERT INTO "{table}" (rs, ds) VALUES (%s, %s)', ([(1, 3)], [("2024-01-01", "2024-01-07")]))
    db.run(db.backend.copy_records(table, [{"r": (1, 3), "rs": [(1, 3)]}]))
    rows = db.fetch(f'SELECT r::text AS r, rs::text AS rs, ds::text AS ds FROM "{table}" ORDER BY id')
    assert rows == [
        {"r": "[1,4)", "rs": '{"[1,4)","[5,)",empty}', "ds": None},
        {"r": None, "rs": '{"[1,4)"}', "ds": '{"[2024-01-01,2024-01-08)"}'},
        {"r": "[1,4)", "rs": '{"[1,4)"}', "ds": None},
    ]
    assert db.one(M.query().order_by("id")).rs == [Range(1, 4, "[)"), Range(5, None, "[)"), Range(empty=True)]
    # a list mixing range tuples and other tuples is refused, not half-converted
    with pytest.raises(DataError, match="not a range tuple in a list with other tuples"):
        db.execute(f'INSERT INTO "{table}" (rs) VALUES (%s)', ([("a", "b", "c"), (1, 3)],))
    with pytest.raises(DataError, match="a range tuple in a list with other tuples"):
        db.execute(f'INSERT INTO "{table}" (rs) VALUES (%s)', ([(1, 3), ("a", "b", "c")],))
