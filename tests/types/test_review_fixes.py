"""Regression tests for a review of the type layer: README range tuples with string and
float bounds (and ±infinity), named parameters, infinite intervals (17+), the aware
timestamptz sentinel check, and plain Python enums dumped by value."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import NamedTuple, Optional

import pytest
from rhosocial.activerecord.backend.impl.postgres.types import (
    INTERVAL_INFINITY,
    INTERVAL_NEG_INFINITY,
    TIMESTAMPTZ_NEG_INFINITY,
    EnumType,
    JsonbList,
    Range,
    RangeText,
    TupleRangeAdapter,
)

UTC = timezone.utc


# -- 1. README tuples: string / float bounds never become an exclusive range ---------
@pytest.mark.parametrize("pg_type,pair,stored,probe_in,probe_out", [
    ("daterange", ("2024-01-01", "2024-01-07"), "[2024-01-01,2024-01-08)", "2024-01-07", "2024-01-08"),
    ("tsrange", ("2024-01-01T00:00:00", "2024-01-02T00:00:00"), '["2024-01-01 00:00:00","2024-01-02 00:00:00"]',
     "2024-01-01 00:00:00", "2024-01-02 00:00:01"),
    ("tstzrange", ("2024-01-01T00:00:00Z", "2024-01-02T00:00:00+00:00"),
     '["2024-01-01 00:00:00+00","2024-01-02 00:00:00+00"]', "2024-01-01 00:00:00+00", "2023-12-31 23:59:59+00"),
    ("int4range", ("1", "5"), "[1,6)", "1", "6"),
    ("numrange", ("1.5", "2.5"), "[1.5,2.5]", "2.5", "1.4"),
])
def test_tuple_with_string_bounds_is_inclusive(db, pg_type, pair, stored, probe_in, probe_out):
    """Strings (what a JSON round trip gives) are parsed by the server as the column's
    range type with the documented inclusive bounds; before, the record literal '(a,b)'
    was read as an exclusive range."""
    table = db.table("trs", f"r {pg_type}")
    M = db.model(table, {"r": Optional[tuple]})
    db.save(M(r=pair))
    db.save(M(r=(None, pair[1])))
    db.save(M(r=(pair[0], None)))
    text = [row["r"] for row in db.fetch(f'SELECT r::text AS r FROM "{table}" ORDER BY id')]
    assert text[0] == stored
    assert text[1].startswith("(,") and text[2].endswith(",)")
    subtype = pg_type.replace("range", "").replace("int4", "int").replace("num", "numeric")
    subtype = {"ts": "timestamp", "tstz": "timestamptz"}.get(subtype, subtype)
    assert len(db.all(M.query().where(f"r @> ?::{subtype}", (probe_in,)))) == 3
    assert len(db.all(M.query().where(f"r @> ?::{subtype}", (probe_out,)))) == 1  # only the unbounded side
    # the tuple itself as a WHERE parameter (raw and through the model)
    assert len(db.all(M.query().where("r = ?", (pair,)))) == 1
    assert len(db.fetch(f'SELECT id FROM "{table}" WHERE r @> %s', (pair,))) == 3


def test_tuple_survives_a_json_round_trip(db):
    table = db.table("trj", "dr daterange, nr numrange, ir int4range")
    M = db.model(table, {"dr": Optional[tuple], "nr": Optional[tuple], "ir": Optional[tuple]})
    first = db.save(M(dr=(date(2024, 1, 1), date(2024, 1, 7)), nr=(Decimal("1.5"), Decimal("2.5")), ir=(1, 5)))
    again = M.model_validate_json(first.model_dump_json())
    assert again.dr == ("2024-01-01", "2024-01-07")  # pydantic: a plain tuple holds strings now
    again.id = None
    db.save(again)
    rows = db.fetch(f'SELECT dr::text AS dr, nr::text AS nr, ir::text AS ir FROM "{table}" ORDER BY id')
    assert rows[0] == rows[1] == {"dr": "[2024-01-01,2024-01-08)", "nr": "[1.5,2.5]", "ir": "[1,6)"}
    got = db.all(M.query().order_by("id"))
    assert got[0].dr == got[1].dr == (date(2024, 1, 1), date(2024, 1, 7))
    assert len(db.all(M.query().where("dr @> ?::date", (date(2024, 1, 1),)))) == 2


def test_tuple_with_float_bounds_is_a_numeric_range(db):
    table = db.table("trf", "r numrange")
    M = db.model(table, {"r": Optional[tuple]})
    db.save(M(r=(1.5, 2.5)))
    db.save(M(r=(0, 0.1)))  # int and float: numeric, 0.1 by its shortest repr
    db.save(M(r=(None, 2.5)))
    assert [row["r"] for row in db.fetch(f'SELECT r::text AS r FROM "{table}" ORDER BY id')] == [
        "[1.5,2.5]", "[0,0.1]", "(,2.5]"]
    assert db.one(M.query().order_by("id")).r == (Decimal("1.5"), Decimal("2.5"))
    assert len(db.all(M.query().where("r @> ?", ((2.5, 2.5),)))) == 2


def test_other_two_tuples_stay_records(db):
    """A 2-field composite keeps working unless both fields read as range bounds (the
    documented caveat): (int, text) and (text, text) with ordinary words."""
    class Pair(NamedTuple):
        a: int
        b: str

    class Words(NamedTuple):
        a: str
        b: str

    names = {kind: f"{kind}_{db.name}" for kind in ("pair", "words")}
    for kind, columns in (("pair", "a int, b text"), ("words", "a text, b text")):
        db.execute(f"DROP TYPE IF EXISTS {names[kind]} CASCADE")
        db.execute(f"CREATE TYPE {names[kind]} AS ({columns})")
    table = db.table("tsr", f"p {names['pair']}, w {names['words']}")
    M = db.model(table, {"p": Optional[Pair], "w": Optional[Words]})
    db.save(M(p=Pair(1, "x"), w=Words("hello", "world, \"quoted\"")))
    assert db.fetch(f'SELECT p::text AS p, (w).b AS b FROM "{table}"') == [
        {"p": "(1,x)", "b": 'world, "quoted"'}]
    adapter = TupleRangeAdapter()
    for value in ((1, "x"), ("x", "y"), (True, "1"), (date(2024, 1, 1), datetime(2024, 1, 1))):
        assert adapter.to_database(value, tuple) is value
    assert adapter.to_database(("1", None), tuple) == RangeText('["1",]')
    assert adapter.to_database((1.5, Decimal("2")), tuple) == Range(Decimal("1.5"), Decimal("2"), "[]")


@pytest.mark.parametrize("pg_type,lower", [("daterange", date(2024, 1, 1)), ("tsrange", datetime(2024, 1, 1))])
def test_tuple_with_infinity_round_trips(db, pg_type, lower):
    """'[x,infinity)' reads as (x, max sentinel) (not max - 1 day) and writes back as itself."""
    table = db.table("tri", f"r {pg_type}")
    M = db.model(table, {"r": Optional[tuple]})
    db.execute(f"INSERT INTO \"{table}\" (r) VALUES ('[{lower.isoformat()},infinity)')")
    loaded = db.one(M.query())
    assert loaded.r == (lower, type(lower).max)
    db.save(M(r=loaded.r))
    db.save(M(r=(lower.isoformat(), "infinity")))
    text = {row["r"] for row in db.fetch(f'SELECT r::text AS r FROM "{table}"')}
    assert len(text) == 1 and text.pop().endswith(",infinity)")


# -- 2. named parameters are adapted like positional ones ------------------------------
def test_named_parameters_are_adapted(db):
    table = db.table("np", "jb jsonb, r int4range")
    db.execute(f'INSERT INTO "{table}" (jb, r) VALUES (%(j)s, %(r)s)', {"j": JsonbList([1, 2]), "r": (1, 5)})
    db.execute(f'INSERT INTO "{table}" (jb, r) VALUES (%s, %s)', (JsonbList([1, 2]), (1, 5)))
    db.run(db.backend.execute_many(f'INSERT INTO "{table}" (jb, r) VALUES (%(j)s, %(r)s)',
                                   [{"j": JsonbList([3]), "r": ("1", "5")}, {"j": JsonbList([]), "r": None}]))
    rows = db.fetch(f'SELECT jb::text AS jb, r::text AS r FROM "{table}" ORDER BY id')
    assert rows == [{"jb": "[1, 2]", "r": "[1,6)"}, {"jb": "[1, 2]", "r": "[1,6)"},
                    {"jb": "[3]", "r": "[1,6)"}, {"jb": "[]", "r": None}]
    assert db.fetch(f'SELECT count(*) AS n FROM "{table}" WHERE r = %(r)s', {"r": (1, 5)}) == [{"n": 3}]
    params = {"a": 1, "b": "x"}
    assert db.backend._adapt_params(params) is params  # nothing to convert: no copy


# -- 3. infinite intervals, and the timestamptz sentinel is an instant -----------------
def test_interval_infinity(db):
    table = db.table("ival", "d interval")
    M = db.model(table, {"d": Optional[timedelta]})
    db.save(M(d=timedelta(days=3, seconds=5)))
    if db.major < 17:
        # no infinite interval before 17: a clear error, never a silent finite value
        with pytest.raises(Exception, match="infinit"):
            db.save(M(d=INTERVAL_INFINITY))
        with pytest.raises(Exception, match="infinit"):
            db.fetch("SELECT %t::interval AS d", (INTERVAL_NEG_INFINITY,))
        return
    assert db.fetch("SELECT 'infinity'::interval AS a, '-infinity'::interval AS b") == [
        {"a": INTERVAL_INFINITY, "b": INTERVAL_NEG_INFINITY}]
    db.execute(f"INSERT INTO \"{table}\" (d) VALUES ('infinity')")
    db.save(M(d=INTERVAL_NEG_INFINITY))
    rows = db.all(M.query().order_by("id"))
    assert [r.d for r in rows] == [timedelta(days=3, seconds=5), INTERVAL_INFINITY, INTERVAL_NEG_INFINITY]
    assert db.fetch(f'SELECT d::text AS d FROM "{table}" ORDER BY id')[1:] == [{"d": "infinity"}, {"d": "-infinity"}]
    assert len(db.all(M.query().where("d = ?", (rows[1].d,)))) == 1
    rows[1].d = INTERVAL_INFINITY  # saving the loaded value keeps infinity
    db.save(rows[1])
    assert db.fetch(f'SELECT isfinite(d) AS f FROM "{table}" WHERE id = %s', (rows[1].id,)) == [{"f": False}]
    for placeholder in ("%t", "%b"):
        assert db.fetch(f"SELECT {placeholder}::interval::text AS a, {placeholder}::interval::text AS b",
                        (INTERVAL_INFINITY, INTERVAL_NEG_INFINITY)) == [{"a": "infinity", "b": "-infinity"}]


@pytest.mark.parametrize("placeholder", ["%s", "%t", "%b"])
def test_aware_sentinel_is_the_utc_instant(db, placeholder):
    """0001-01-01 00:00-05:00 is 05:00 UTC, an ordinary value (not -infinity)."""
    minus5 = timezone(timedelta(hours=-5))
    plus5 = timezone(timedelta(hours=5))
    values = [datetime(1, 1, 1, tzinfo=minus5), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=plus5),
              datetime.min.replace(tzinfo=UTC)]
    got = [db.fetch(f"SELECT ({placeholder}::timestamptz AT TIME ZONE 'UTC')::text AS v", (v,))[0]["v"]
           for v in values]
    assert got == ["0001-01-01 05:00:00", "9999-12-31 18:59:59.999999", "-infinity"]
    assert TIMESTAMPTZ_NEG_INFINITY == values[2]


# -- 4. plain Python enums are stored by value -------------------------------------------
class Status(enum.Enum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class Priority(enum.Enum):
    LOW = 1
    HIGH = 1_000_000


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Colour(str, enum.Enum):
    RED = "red"


def test_plain_enum_is_stored_by_value(db):
    table = db.table("en", "status text, priority int, level int, colour text")
    M = db.model(table, {"status": Optional[Status], "priority": Optional[Priority],
                         "level": Optional[Level], "colour": Optional[Colour]})
    rec = db.save(M(status=Status.ACTIVE, priority=Priority.HIGH, level=Level.HIGH, colour=Colour.RED))
    assert db.fetch(f'SELECT status, priority, level, colour FROM "{table}"') == [
        {"status": "active", "priority": 1_000_000, "level": 2, "colour": "red"}]
    got = db.one(M.query().where("id = ?", (rec.id,)))
    assert (got.status, got.priority, got.level, got.colour) == (Status.ACTIVE, Priority.HIGH, Level.HIGH, Colour.RED)
    assert len(db.all(M.query().where("status = ? AND priority = ?", (Status.ACTIVE, Priority.HIGH)))) == 1
    named = db.fetch(f'SELECT id FROM "{table}" WHERE priority = %(p)s AND status = %(s)s',
                     {"p": Priority.HIGH, "s": Status.ACTIVE})
    assert named == [{"id": rec.id}]
    for placeholder in ("%t", "%b"):
        assert db.fetch(f"SELECT {placeholder}::text AS s, {placeholder}::int AS p",
                        (Status.INACTIVE, Priority.LOW)) == [{"s": "inactive", "p": 1}]


class Mood(enum.Enum):
    HAPPY = "happy"
    SAD = "sad"


class Shade(enum.Enum):
    light = "L"
    dark = "D"


def test_registered_enums_keep_their_dumpers(db):
    """EnumType classes are dumped with the server enum's oid (their own dumpers, found
    before the generic Enum one); members whose values, not names, are the labels map
    by value."""
    mood, shade = f"rv_mood_{db.name}", f"rv_shade_{db.name}"
    for name, labels in ((mood, "'happy', 'sad'"), (shade, "'light', 'dark'")):
        db.execute(f"DROP TYPE IF EXISTS {name} CASCADE")
        db.execute(f"CREATE TYPE {name} AS ENUM ({labels})")
    db.register_types(EnumType(mood, Mood), EnumType(shade, Shade))
    table = db.table("ren", f"m {mood}, s {shade}")
    M = db.model(table, {"m": Optional[Mood], "s": Optional[Shade]})
    db.save(M(m=Mood.HAPPY, s=Shade.dark))
    assert db.fetch(f'SELECT m::text AS m, s::text AS s FROM "{table}"') == [{"m": "happy", "s": "dark"}]
    got = db.one(M.query())
    assert (got.m, got.s) == (Mood.HAPPY, Shade.dark)
    # typed parameters: the enum oid, so no cast is needed for enum-only operators
    assert db.fetch("SELECT pg_typeof(%s)::text AS t, %s::text AS v", (Mood.SAD, Shade.light)) == [
        {"t": mood, "v": "light"}]



def test_aware_instants_beyond_the_sentinels_store_infinity(db):
    """datetime.max in New York is 04:59 UTC on 10000-01-01: stored as a timestamp it could
    not be loaded again ("timestamp too large"); it is infinity, as the UTC sentinel is.
    datetime.min at +05:00 (before 0001-01-01 UTC) is -infinity; at -05:00 an ordinary value."""
    from zoneinfo import ZoneInfo

    table = db.table("tsx", "k int, at timestamptz")
    beyond_max = datetime.max.replace(tzinfo=ZoneInfo("America/New_York"))
    before_min = datetime.min.replace(tzinfo=timezone(timedelta(hours=5)))
    inside = datetime.min.replace(tzinfo=timezone(timedelta(hours=-5)))
    for k, value in enumerate((beyond_max, before_min, inside)):
        db.execute(f'INSERT INTO "{table}" (k, at) VALUES (%s, %s)', (k, value))
    rows = db.fetch(f'SELECT k, at::text AS t FROM "{table}" ORDER BY k')
    assert [r["t"] for r in rows] == ["infinity", "-infinity", "0001-01-01 05:00:00+00"]
