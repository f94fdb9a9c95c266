"""Ranges (int4, int8, num, date, ts, tstz) with every bound kind, empty and
unbounded, through the first-class ``Range`` field type and the README's tuple
spelling; multiranges (14+); a user-defined range type."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Optional

import pytest
from rhosocial.activerecord.backend.impl.postgres.types import (
    Multirange,
    MultirangeType,
    Range,
    RangeType,
    canonical,
)

UTC = timezone.utc
BOUNDS = ("[)", "(]", "[]", "()")
SAMPLES = {
    "int4range": (1, 10, 5, "int"),
    "int8range": (-(2**40), 2**40, 7, "bigint"),
    "numrange": (Decimal("-1.5"), Decimal("2.25"), Decimal("0.1"), "numeric"),
    "daterange": (date(2024, 1, 1), date(2024, 12, 31), date(2024, 6, 1), "date"),
    "tsrange": (datetime(2024, 1, 1), datetime(2024, 1, 2, 12), datetime(2024, 1, 2), "timestamp"),
    "tstzrange": (datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC),
                  datetime(2024, 1, 1, 5, tzinfo=UTC), "timestamptz"),
}


@pytest.mark.parametrize("pg_type", list(SAMPLES))
def test_range_field_every_bound_kind(db, pg_type):
    lower, upper, inside, cast = SAMPLES[pg_type]
    table = db.table("rng", f"r {pg_type}")
    M = db.model(table, {"r": Optional[Range]})
    values = [Range(lower, upper, b) for b in BOUNDS]
    values += [Range(None, upper, "(]"), Range(lower, None, "[)"), Range(None, None), Range(empty=True)]
    for value in values:
        db.save(M(r=value))
    db.save(M(r=None))
    got = [r.r for r in db.all(M.query().order_by("id"))]
    assert got[-1] is None
    for sent, back in zip(values, got[:-1], strict=True):
        assert isinstance(back, Range)
        assert canonical(back) == canonical(sent), (sent, back)
    # operators: containment of an element and of a range, overlap, adjacency, empty
    assert len(db.all(M.query().where(f"r @> ?::{cast}", (inside,)))) == 7  # all but empty (and NULL)
    assert len(db.all(M.query().where("r @> ?", (Range(lower, upper, "[]"),)))) == 4  # [], and 3 unbounded
    assert len(db.all(M.query().where("r && ?", (Range(upper, None, "[)"),)))) == 5
    assert len(db.all(M.query().where("isempty(r) = ?", (True,)))) == 1
    assert len(db.all(M.query().where("lower_inf(r) AND upper_inf(r) AND NOT isempty(r) = ?", (True,)))) == 1


def test_range_field_accepts_tuples_and_discrete_canonical_form(db):
    table = db.table("rng2", "r int4range, d daterange")
    M = db.model(table, {"r": Range, "d": Range})
    rec = db.save(M(r=(1, 5, "[]"), d=(date(2024, 1, 1), date(2024, 1, 31))))
    got = db.one(M.query().where("id = ?", (rec.id,)))
    assert got.r == Range(1, 6, "[)") and canonical(Range(1, 5, "[]")) == got.r
    assert got.d == Range(date(2024, 1, 1), date(2024, 1, 31), "[)")


@pytest.mark.parametrize("pg_type,pair,inclusive,probe_in,probe_out", [
    ("int4range", (1, 5), (1, 5), 5, 6),
    ("int8range", (-(2**40), 2**40), (-(2**40), 2**40), 2**40, 2**40 + 1),
    ("numrange", (Decimal("1.5"), Decimal("2.5")), (Decimal("1.5"), Decimal("2.5")), Decimal("2.5"), Decimal("2.51")),
    ("daterange", (date(2024, 1, 1), date(2024, 1, 7)), (date(2024, 1, 1), date(2024, 1, 7)),
     date(2024, 1, 7), date(2024, 1, 8)),
    ("tsrange", (datetime(2024, 1, 1), datetime(2024, 1, 2)), (datetime(2024, 1, 1), datetime(2024, 1, 2)),
     datetime(2024, 1, 2), datetime(2024, 1, 2, 0, 0, 1)),
    ("tstzrange", (datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)),
     (datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)),
     datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 2, 0, 0, 1, tzinfo=UTC)),
])
def test_tuple_spelling_is_inclusive(db, pg_type, pair, inclusive, probe_in, probe_out):
    table = db.table("rngt", f"r {pg_type}")
    M = db.model(table, {"r": Optional[tuple]})
    db.save(M(r=pair))
    db.save(M(r=(None, pair[1])))
    db.save(M(r=(pair[0], None)))
    db.save(M(r=()))
    got = [r.r for r in db.all(M.query().order_by("id"))]
    assert got == [inclusive, (None, inclusive[1]), (inclusive[0], None), ()]
    cast = SAMPLES[pg_type][3]
    assert len(db.all(M.query().where(f"r @> ?::{cast}", (probe_in,)))) == 3
    assert len(db.all(M.query().where(f"r @> ?::{cast}", (probe_out,)))) == 1


def test_other_tuples_are_left_alone(db):
    """Only 2-tuples of range bounds become ranges: other tuples still reach
    psycopg as records (here: composite literals)."""
    name = f"pair_{db.name}"
    db.execute(f"DROP TYPE IF EXISTS {name} CASCADE")
    db.execute(f"CREATE TYPE {name} AS (a int, b text)")
    db.execute(f"DROP TYPE IF EXISTS {name}3 CASCADE")
    db.execute(f"CREATE TYPE {name}3 AS (a int, b int, c int)")
    table = db.table("tup", f"p {name}, t {name}3")
    db.execute(f'INSERT INTO "{table}" (p, t) VALUES (%s, %s)', ((1, "x"), (1, 2, 3)))
    assert db.fetch(f'SELECT p::text AS p, t::text AS t FROM "{table}"') == [{"p": "(1,x)", "t": "(1,2,3)"}]
    from rhosocial.activerecord.backend.impl.postgres.types import TupleRangeAdapter

    adapter = TupleRangeAdapter()
    for value in ((1, "x"), (1, 2, 3), (True, False), (date(2024, 1, 1), datetime(2024, 1, 1)),
                  (datetime(2024, 1, 1), datetime(2024, 1, 1, tzinfo=UTC))):
        assert adapter.to_database(value, tuple) is value
    assert adapter.to_database((1, Decimal("2.5")), tuple) == Range(Decimal(1), Decimal("2.5"), "[]")


def test_multirange(db):
    if db.major < 14:
        pytest.skip(f"multirange types need PostgreSQL 14+ (server is {db.major})")
    table = db.table("mr", "m int4multirange, d datemultirange")
    M = db.model(table, {"m": Optional[Multirange], "d": Optional[Multirange]})
    value = Multirange([Range(1, 3), Range(10, 20, "[]")])
    days = Multirange([Range(date(2024, 1, 1), date(2024, 1, 3))])
    db.save(M(m=value, d=days))
    db.save(M(m=Multirange(), d=[(date(2024, 2, 1), date(2024, 2, 3))]))
    rows = db.all(M.query().order_by("id"))
    assert rows[0].m == Multirange([Range(1, 3), Range(10, 21)]) and rows[0].d == days
    assert rows[1].m == Multirange() and isinstance(rows[1].m, Multirange)
    assert len(db.all(M.query().where("m @> ?::int", (15,)))) == 1
    assert len(db.all(M.query().where("d && ?::daterange", (Range(date(2024, 1, 2), None),)))) == 2


def test_user_defined_range_type(db):
    name = f"floatrange_{db.name}"
    db.execute(f"DROP TYPE IF EXISTS {name} CASCADE")
    db.execute(f"CREATE TYPE {name} AS RANGE (subtype = float8)")
    specs = [RangeType(name)]
    if db.major >= 14:
        specs.append(MultirangeType(f"{name[:-5]}multirange" if name.endswith("range") else f"{name}_multirange"))
    table = db.table("fr", f"r {name}")
    db.register_types(RangeType(name))
    M = db.model(table, {"r": Range})
    db.save(M(r=Range(1.5, 2.5, "[]")))
    got = db.one(M.query())
    assert got.r == Range(1.5, 2.5, "[]")
    assert len(db.all(M.query().where("r @> ?::float8", (2.0,)))) == 1
    assert len(db.all(M.query().where("r @> ?", (Range(1.6, 1.7),)))) == 1
