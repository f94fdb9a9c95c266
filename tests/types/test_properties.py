"""Property-based round trips (hypothesis): text, numeric, JSON, arrays, ranges.

Fast by design: ~50 examples each, one table per test, the session's sync
backend (one connection); the async path shares all conversion code and is
covered by the example tests.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, List, Optional

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rhosocial.activerecord.backend.impl.postgres.types import AsJsonb, Numeric, Range, canonical

SETTINGS = settings(max_examples=50, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

pg_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=200)
INT4 = st.integers(-(2**31), 2**31 - 1)


@pytest.fixture
def sdb(sync_flavour):
    return sync_flavour


def _round_trip(db, M, **values):
    rec = db.save(M(**values))
    return db.one(M.query().where("id = ?", (rec.id,)))


@SETTINGS
@given(value=pg_text)
def test_text(sdb, value):
    M = _model(sdb, "ptext", "v text", {"v": str})
    assert _round_trip(sdb, M, v=value).v == value
    latest = f'id = (SELECT max(id) FROM "{M.__table_name__}")'
    assert sdb.one(M.query().where(f"v = ? AND {latest}", (value,))).v == value


def _numeric_strategy():
    finite = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: abs(d.adjusted()) < 1000 if d != 0 else True)
    return st.one_of(finite, st.just(Decimal("NaN")))


@SETTINGS
@given(value=_numeric_strategy())
@example(value=Decimal("0"))
@example(value=Decimal("-0.00"))
@example(value=Decimal("0E+5"))
@example(value=Decimal("1.50"))
@example(value=Decimal("1E+5"))
def test_numeric(sdb, value):
    M = _model(sdb, "pnum", "v numeric", {"v": Numeric})
    back = _round_trip(sdb, M, v=value).v
    if value.is_nan():
        assert back.is_nan()
        return
    assert isinstance(back, Decimal) and back == value, (value, back)
    # the scale (digits after the point) is kept, zeros included (0.00 stays 0.00); a positive
    # exponent (1E+5, 0E+5) has no scale to keep: the unconstrained column stores scale 0
    assert back.as_tuple().exponent == min(value.as_tuple().exponent, 0), (value, back)


json_values = st.recursive(
    # jsonb stores numbers as numeric: a float beyond 1e15 may come back as the int it
    # prints as (2.586665537309455e+16 -> 25866655373094550), see docs/types.md
    st.none() | st.booleans() | st.integers(-(2**53), 2**53)
    | st.floats(min_value=-1e15, max_value=1e15, allow_nan=False) | pg_text,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(pg_text, children, max_size=5),
    max_leaves=20,
)


@SETTINGS
@given(value=st.dictionaries(pg_text, json_values, max_size=6))
def test_jsonb_dict(sdb, value):
    M = _model(sdb, "pjson", "v jsonb", {"v": dict})
    assert _round_trip(sdb, M, v=value).v == value


@SETTINGS
@given(value=json_values.filter(lambda v: v is not None))
def test_jsonb_any_value(sdb, value):
    M = _model(sdb, "pjany", "v jsonb", {"v": Annotated[Any, AsJsonb]})
    assert _round_trip(sdb, M, v=value).v == value


@SETTINGS
@given(ints=st.lists(st.none() | INT4, max_size=20), texts=st.lists(st.none() | pg_text, max_size=10),
       grid=st.integers(1, 4).flatmap(
           lambda w: st.lists(st.lists(INT4, min_size=w, max_size=w), min_size=1, max_size=4)))
def test_arrays(sdb, ints, texts, grid):
    M = _model(sdb, "parr", "ints int[], texts text[], grid int[]",
               {"ints": List[Optional[int]], "texts": List[Optional[str]], "grid": List[List[int]]})
    back = _round_trip(sdb, M, ints=ints, texts=texts, grid=grid)
    assert (back.ints, back.texts, back.grid) == (ints, texts, grid)


bound_kinds = st.sampled_from(["[)", "(]", "[]", "()"])


def _ranges(elements):
    def build(pair, bounds, empty):
        if empty:
            return Range(empty=True)
        lower, upper = sorted(pair, key=lambda v: (v is None, v))
        if lower is not None and upper is not None and lower > upper:
            lower, upper = upper, lower
        return Range(lower, upper, bounds)
    return st.builds(build, st.tuples(st.none() | elements, st.none() | elements), bound_kinds,
                     st.sampled_from([False, False, False, True]))


@SETTINGS
@given(value=_ranges(st.integers(-(2**31) + 1, 2**31 - 2)))
def test_int4range(sdb, value):
    M = _model(sdb, "pr4", "r int4range", {"r": Range})
    assert canonical(_round_trip(sdb, M, r=value).r) == _pg_canonical(value)


@SETTINGS
@given(value=_ranges(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-10**9, max_value=10**9)))
def test_numrange(sdb, value):
    M = _model(sdb, "prnum", "r numrange", {"r": Range})
    back = _round_trip(sdb, M, r=value).r
    assert back == _pg_canonical(value)


@SETTINGS
@given(value=_ranges(st.dates(min_value=date(1, 1, 2), max_value=date(9999, 12, 30))))
def test_daterange_and_tuple(sdb, value):
    M = _model(sdb, "prd", "r daterange", {"r": Range})
    assert canonical(_round_trip(sdb, M, r=value).r) == _pg_canonical(value)


@SETTINGS
@given(lower=st.none() | st.dates(min_value=date(1, 1, 2), max_value=date(9999, 12, 29)),
       days=st.integers(0, 1000))
def test_daterange_tuple_spelling(sdb, lower, days):
    M = _model(sdb, "prt", "r daterange", {"r": tuple})
    upper = None if lower is None else date.fromordinal(min(date(9999, 12, 29).toordinal(), lower.toordinal() + days))
    assert _round_trip(sdb, M, r=(lower, upper)).r == (lower, upper)


def _pg_canonical(value: Range) -> Range:
    """What PostgreSQL stores: discrete ranges canonical, empty when nothing is inside."""
    if value.isempty:
        return Range(empty=True)
    c = canonical(value)
    lo, hi = c.lower, c.upper
    if lo is not None and hi is not None:
        if lo > hi or (lo == hi and not (c.lower_inc and c.upper_inc)):
            return Range(empty=True)
    return c


_tables: dict = {}


def _model(db, prefix, columns, annotations):
    key = (db.name, prefix)
    if key not in _tables:
        _tables[key] = db.model(db.table(prefix, columns), annotations)
    return _tables[key]
