"""Geometric types through our value classes (types.geometry)."""

from __future__ import annotations

import math
from typing import Optional

from rhosocial.activerecord.backend.impl.postgres.types import (
    Box,
    Circle,
    Line,
    LineSegment,
    Path,
    Point,
    Polygon,
    configure_connection,
)


def test_geometry_round_trip_and_operators(db):
    table = db.table("geo", "p point, l line, s lseg, b box, op path, cp path, g polygon, c circle")
    M = db.model(table, {"p": Optional[Point], "l": Optional[Line], "s": Optional[LineSegment],
                          "b": Optional[Box], "op": Optional[Path], "cp": Optional[Path],
                          "g": Optional[Polygon], "c": Optional[Circle]})
    values = dict(
        p=Point(1.5, -2.25), l=Line(1, -1, 0), s=LineSegment(Point(0, 0), Point(3, 4)),
        b=Box(Point(0, 0), Point(2, 2)), op=Path([Point(0, 0), Point(1, 1), Point(2, 0)]),
        cp=Path([Point(0, 0), Point(1, 1), Point(2, 0)], closed=True),
        g=Polygon([Point(0, 0), Point(4, 0), Point(4, 4), Point(0, 4)]), c=Circle(Point(0, 0), 10))
    db.save(M(**values))
    db.save(M(p=(0.1, 1e300), b="(5,5),(3,3)", c=((1, 1), 0.5)))  # pydantic coercion from tuples/text
    db.save(M())
    rows = db.all(M.query().order_by("id"))
    for field, value in values.items():
        assert getattr(rows[0], field) == value, field
    assert rows[1].p == Point(0.1, 1e300) and rows[1].b == Box(Point(3, 3), Point(5, 5))
    assert rows[1].c == Circle(Point(1, 1), 0.5) and rows[2].p is None
    assert not rows[0].op.closed and rows[0].cp.closed
    # operators with geometry parameters
    assert len(db.all(M.query().where("g @> ?", (Point(1, 1),)))) == 1
    assert len(db.all(M.query().where("c @> ?", (Point(3, 4),)))) == 1
    assert len(db.all(M.query().where("b && ?", (Box(Point(1, 1), Point(4, 4)),)))) == 2
    assert len(db.all(M.query().where("p <-> ? < ?", (Point(1.5, -2), 0.5)))) == 1
    assert len(db.all(M.query().where("s \\?# ?", (LineSegment(Point(0, 4), Point(4, 0)),)))) == 1
    assert db.fetch(f'SELECT area(b) AS a, length(s) AS n FROM "{table}" ORDER BY id LIMIT 1') == [
        {"a": 4.0, "n": 5.0}]


def test_special_floats(db):
    table = db.table("geo2", "p point")
    M = db.model(table, {"p": Point})
    db.save(M(p=Point(math.inf, -math.inf)))
    db.save(M(p=Point(5e-324, -0.0)))
    rows = db.all(M.query().order_by("id"))
    assert rows[0].p == Point(math.inf, -math.inf) and rows[1].p == Point(5e-324, 0.0)
    nan = db.fetch("SELECT 'NaN,1'::point AS p")[0]["p"]
    assert math.isnan(nan.x) and nan.y == 1.0


def test_loads_server_text_forms(db):
    rows = db.fetch("SELECT '(1,2)'::point AS p, '{1,2,3}'::line AS l, '[(1,2),(3,4)]'::lseg AS s, "
                    "'(3,4),(1,2)'::box AS b, '[(1,2),(3,4)]'::path AS op, '((1,2),(3,4))'::path AS cp, "
                    "'((1,2),(3,4),(5,6))'::polygon AS g, '<(1,2),3>'::circle AS c")
    assert rows == [{"p": Point(1, 2), "l": Line(1, 2, 3), "s": LineSegment((1, 2), (3, 4)),
                     "b": Box((1, 2), (3, 4)), "op": Path([(1, 2), (3, 4)]),
                     "cp": Path([(1, 2), (3, 4)], closed=True), "g": Polygon([(1, 2), (3, 4), (5, 6)]),
                     "c": Circle((1, 2), 3)}]


def test_backend_configures_connections(db):
    """configure_connection (geometry, ±infinity, money) runs on every connection
    of the backend without any register_types call."""
    assert db.wired, "the backend must call types.configure_connection on connect (REQUESTS.md #1)"
    assert db.fetch("SELECT '(1,2)'::point AS p") == [{"p": Point(1, 2)}]


def test_configure_connection_on_a_plain_psycopg_connection(pg_database):
    with pg_database.connect() as conn:
        configure_connection(conn)
        assert conn.execute("SELECT %s::point", (Point(1, 2),)).fetchone() == (Point(1, 2),)
