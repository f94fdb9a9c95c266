"""Scalar families: UUID, numeric/Decimal, money, bytea, interval, timestamptz and
time zones, ±infinity dates/timestamps, text (every unicode plane, NUL), bit
strings, xml, text search, network types."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Optional
from zoneinfo import ZoneInfo

import pytest
from rhosocial.activerecord.backend.errors import DatabaseError
from rhosocial.activerecord.backend.impl.postgres.types import (
    DATE_INFINITY,
    DATE_NEG_INFINITY,
    TIMESTAMP_INFINITY,
    TIMESTAMP_NEG_INFINITY,
    TIMESTAMPTZ_INFINITY,
    TIMESTAMPTZ_NEG_INFINITY,
    Numeric,
)


def test_uuid(db):
    table = db.table("u", "v uuid")
    M = db.model(table, {"v": Optional[uuid.UUID]})
    values = [uuid.uuid4(), uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)]
    for value in values:
        db.save(M(v=value))
    assert [r.v for r in db.all(M.query().order_by("id"))] == values
    assert db.one(M.query().where("v = ?", (values[1],))).v == values[1]
    assert db.one(M.query().where("v::text = ?", (str(values[2]),))).v == values[2]


def test_numeric_full_precision_and_nan(db):
    table = db.table("n", "v numeric, fixed numeric(12, 4)")
    M = db.model(table, {"v": Optional[Numeric], "fixed": Optional[Decimal]})
    values = [Decimal("3.141592653589793238462643383279502884197169399375105820974944"),
              Decimal("-1" + "0" * 100), Decimal("1E-100"), Decimal("0.000"), Decimal("NaN")]
    for value in values:
        db.save(M(v=value, fixed=Decimal("12345678.1234")))
    got = [r.v for r in db.all(M.query().order_by("id"))]
    assert got[:4] == values[:4] and str(got[3]) == "0.000" and got[4].is_nan()
    assert db.all(M.query().order_by("id"))[0].fixed == Decimal("12345678.1234")
    just_below_pi = Decimal("3.14159265358979323846264338327950288419716939937510")
    assert len(db.all(M.query().where("v > ?", (just_below_pi,)))) == 2
    assert len(db.all(M.query().where("v = ?::numeric", ("NaN",)))) == 1


def test_numeric_infinity(db):
    if db.major < 14:
        pytest.skip(f"numeric ±Infinity needs PostgreSQL 14+ (server is {db.major})")
    table = db.table("ninf", "v numeric")
    M = db.model(table, {"v": Numeric})
    for value in (Decimal("Infinity"), Decimal("-Infinity"), Decimal(1)):
        db.save(M(v=value))
    assert [r.v for r in db.all(M.query().order_by("v"))] == [Decimal("-Infinity"), Decimal(1), Decimal("Infinity")]
    assert len(db.all(M.query().where("v > ?", (Decimal("1E+1000"),)))) == 1


def test_money_as_decimal(db):
    table = db.table("money", "v money")
    M = db.model(table, {"v": Optional[Decimal]})
    values = [Decimal("12.34"), Decimal("-1234567.89"), Decimal("0.00"), Decimal("92233720368547758.07")]
    for value in values:
        db.save(M(v=value))
    assert [r.v for r in db.all(M.query().order_by("id"))] == values
    assert len(db.all(M.query().where("v > ?::money", (Decimal("10"),)))) == 2


def test_bytea(db):
    table = db.table("bytea", "v bytea")
    M = db.model(table, {"v": Optional[bytes]})
    values = [b"", b"\x00\x01\xff", bytes(range(256)) * 40]
    for value in values:
        db.save(M(v=value))
    assert [r.v for r in db.all(M.query().order_by("id"))] == values
    assert len(db.all(M.query().where("v = ?", (b"\x00\x01\xff",)))) == 1
    assert len(db.all(M.query().where("position(? in v) > 0", (b"\xfe\xff",)))) == 1


def test_interval(db):
    table = db.table("interval", "v interval")
    M = db.model(table, {"v": Optional[timedelta]})
    values = [timedelta(0), timedelta(days=1, hours=2, microseconds=3), -timedelta(days=400, seconds=1),
              timedelta(days=36500)]
    for value in values:
        db.save(M(v=value))
    assert [r.v for r in db.all(M.query().order_by("id"))] == values
    assert len(db.all(M.query().where("v > ?", (timedelta(hours=25),)))) == 2


def test_timestamptz_and_time_zones(db):
    table = db.table("tstz", "v timestamptz, naive timestamp, t time, tz timetz")
    M = db.model(table, {"v": Optional[datetime], "naive": Optional[datetime], "t": Optional[time],
                          "tz": Optional[time]})
    berlin = datetime(2024, 3, 31, 2, 30, tzinfo=ZoneInfo("America/New_York"))
    tokyo = datetime(2024, 7, 1, 9, 0, 0, 123456, tzinfo=ZoneInfo("Asia/Tokyo"))
    utc = datetime(1970, 1, 1, tzinfo=timezone.utc)
    odd = datetime(2000, 1, 1, tzinfo=timezone(timedelta(hours=5, minutes=45)))
    for value in (berlin, tokyo, utc, odd):
        db.save(M(v=value, naive=datetime(2024, 1, 1, 12, 0, 0, 1), t=time(23, 59, 59, 999999),
                  tz=time(8, 30, tzinfo=timezone(timedelta(hours=-3)))))
    rows = db.all(M.query().order_by("id"))
    assert [r.v for r in rows] == [berlin, tokyo, utc, odd]  # same instants, any zone
    assert all(r.v.tzinfo is not None for r in rows)
    assert rows[0].naive == datetime(2024, 1, 1, 12, 0, 0, 1) and rows[0].naive.tzinfo is None
    assert rows[0].t == time(23, 59, 59, 999999)
    assert rows[0].tz.utcoffset() == timedelta(hours=-3) and rows[0].tz.replace(tzinfo=None) == time(8, 30)
    assert len(db.all(M.query().where("v < ?", (datetime(2000, 1, 1, tzinfo=timezone.utc),)))) == 2
    assert len(db.all(M.query().where("v = ?", (tokyo.astimezone(timezone.utc),)))) == 1


def test_date_and_timestamp_infinity(db):
    table = db.table("inf", "d date, ts timestamp, tz timestamptz")
    M = db.model(table, {"d": Optional[date], "ts": Optional[datetime], "tz": Optional[datetime]})
    db.save(M(d=DATE_INFINITY, ts=TIMESTAMP_INFINITY, tz=TIMESTAMPTZ_INFINITY))
    db.save(M(d=DATE_NEG_INFINITY, ts=TIMESTAMP_NEG_INFINITY, tz=TIMESTAMPTZ_NEG_INFINITY))
    db.save(M(d=date(2024, 1, 1), ts=datetime(2024, 1, 1), tz=datetime(2024, 1, 1, tzinfo=timezone.utc)))
    text = db.fetch(f'SELECT d::text AS d, ts::text AS ts, tz::text AS tz FROM "{table}" ORDER BY id')
    assert text[0] == {"d": "infinity", "ts": "infinity", "tz": "infinity"}
    assert text[1] == {"d": "-infinity", "ts": "-infinity", "tz": "-infinity"}
    rows = db.all(M.query().order_by("id"))
    assert (rows[0].d, rows[0].ts, rows[0].tz) == (date.max, datetime.max, TIMESTAMPTZ_INFINITY)
    assert (rows[1].d, rows[1].ts, rows[1].tz) == (date.min, datetime.min, TIMESTAMPTZ_NEG_INFINITY)
    assert rows[2].d == date(2024, 1, 1) and rows[2].ts == datetime(2024, 1, 1)
    # server-side infinity literals load too, and compare as expected
    assert db.fetch("SELECT 'infinity'::date AS a, '-infinity'::timestamptz AS b") == [
        {"a": date.max, "b": TIMESTAMPTZ_NEG_INFINITY}]
    assert len(db.all(M.query().where("d > ?", (date(9000, 1, 1),)))) == 1
    assert len(db.all(M.query().where("isfinite(ts) = ?", (False,)))) == 2



@pytest.mark.parametrize("placeholder", ["%s", "%t", "%b"])
def test_infinity_dumpers_in_every_parameter_format(pg_database, placeholder):
    """The sentinels become ±infinity whether psycopg sends the value as text or binary, and
    ordinary values round-trip exactly through the same dumpers."""
    from rhosocial.activerecord.backend.impl.postgres.types import configure_connection

    values = [date.max, date.min, date(2020, 1, 2), datetime.max, datetime.min,
              datetime(2020, 1, 2, 3, 4, 5, 6), TIMESTAMPTZ_INFINITY, TIMESTAMPTZ_NEG_INFINITY,
              datetime(2020, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc), datetime(9999, 1, 1, tzinfo=timezone.utc)]
    with pg_database.connect() as conn:
        configure_connection(conn)
        for value in values:
            text, back = conn.execute(f"SELECT {placeholder}::text, {placeholder}", (value, value)).fetchone()
            assert back == value
            is_max = value in (date.max, datetime.max, TIMESTAMPTZ_INFINITY)
            is_min = value in (date.min, datetime.min, TIMESTAMPTZ_NEG_INFINITY)
            assert (text == "infinity") == is_max and (text == "-infinity") == is_min, (value, text)


def test_infinity_dumpers_delegate_to_psycopg_default_dumpers(pg_database):
    """Ordinary values are dumped by psycopg's own dumper (the C one with psycopg[binary]):
    the sentinel check must not replace the fast path with Python formatting."""
    import psycopg
    from psycopg.adapt import PyFormat
    from rhosocial.activerecord.backend.impl.postgres.types import configure_connection

    with pg_database.connect() as conn:
        configure_connection(conn)
        for value, cls in ((date(2020, 1, 2), date), (datetime(2020, 1, 2, tzinfo=timezone.utc), datetime)):
            for py_format in (PyFormat.TEXT, PyFormat.BINARY):
                ours = conn.adapters.get_dumper(cls, py_format)(cls, conn)
                default = psycopg.adapters.get_dumper(cls, py_format)
                assert type(ours) is not default
                assert type(ours._dump.__self__) is default
                assert ours.dump(value) == default(cls, conn).dump(value)



def test_infinity_registered_on_psycopgs_global_adapters():
    """register_infinity(psycopg.adapters) is a valid use; the dumpers and loaders must not
    then find themselves as the default to delegate to (run in a child: it is global)."""
    import subprocess
    import sys

    code = (
        "import datetime, psycopg\n"
        "from psycopg.adapt import PyFormat, Transformer\n"
        "from rhosocial.activerecord.backend.impl.postgres.types.temporal import register_infinity\n"
        "register_infinity(psycopg.adapters)\n"
        "t = Transformer()\n"
        "for v in (datetime.date(2020, 1, 2), datetime.datetime(2020, 1, 2, 3), datetime.date.max):\n"
        "    for f in (PyFormat.AUTO, PyFormat.TEXT, PyFormat.BINARY):\n"
        "        t.get_dumper(v, f).dump(v)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


PLANES = "".join([
    "ascii ~", "é ß ñ", "Ωλ", "中文 日本語 한국어", "\u200b\ufeff",  # BMP incl. zero-width
    "\U0001F418\U0001F600", "\U00020000\U0002A6D6",  # planes 1 and 2
    "\U00030000", "\U000E0001", "\U000F0000\U0010FFFD",  # planes 3, 14, 15-16 (private use)
])


def test_text_every_unicode_plane(db):
    table = db.table("text", "v text, c varchar(10)")
    M = db.model(table, {"v": Optional[str], "c": Optional[str]})
    db.save(M(v=PLANES, c="\U0010FFFD" * 10))
    db.save(M(v="", c=""))
    rows = db.all(M.query().order_by("id"))
    assert rows[0].v == PLANES and rows[0].c == "\U0010FFFD" * 10 and rows[1].v == ""
    assert db.one(M.query().where("v = ?", (PLANES,))).id == rows[0].id
    assert db.fetch(f'SELECT length(v) AS n FROM "{table}" ORDER BY id')[0]["n"] == len(PLANES)


def test_nul_in_text_is_a_clear_error(db):
    table = db.table("nul", "v text")
    M = db.model(table, {"v": str})
    with pytest.raises(DatabaseError) as info:
        db.save(M(v="a\x00b"))
    assert "NUL" in str(info.value)
    with pytest.raises(DatabaseError):
        db.all(M.query().where("v = ?", ("\x00",)))
    assert getattr(info.value, "sqlstate", None) == "22021"  # REQUESTS.md #2


def test_bit_strings(db):
    table = db.table("bits", "b bit(4), vb bit varying(16)")
    M = db.model(table, {"b": Optional[str], "vb": Optional[str]})
    db.save(M(b="1010", vb="1"))
    db.save(M(b="0000", vb="1111000011110000"))
    rows = db.all(M.query().order_by("id"))
    assert [(r.b, r.vb) for r in rows] == [("1010", "1"), ("0000", "1111000011110000")]
    assert len(db.all(M.query().where("b & ?::bit(4) = ?::bit(4)", ("1000", "1000")))) == 1
    assert len(db.all(M.query().where("length(vb) > ?", (8,)))) == 1


def test_xml(db):
    try:
        db.fetch("SELECT '<a/>'::xml AS x")
    except DatabaseError as exc:
        if "libxml" in str(exc):
            pytest.skip("this PostgreSQL server is built without libxml (no xml type support)")
        raise
    table = db.table("xml", "v xml")
    M = db.model(table, {"v": Optional[str]})
    doc = '<doc lang="fr"><t>été 🐘</t></doc>'
    db.save(M(v=doc))
    assert db.one(M.query()).v == doc
    assert len(db.all(M.query().where("xpath_exists(?, v)", ("/doc/t",)))) == 1


def test_text_search(db):
    table = db.table("ts", "body text, doc tsvector, q tsquery")
    M = db.model(table, {"body": str, "doc": Optional[str], "q": Optional[str]})
    db.save(M(body="a fat cat sat on a mat", doc="a fat cat sat on a mat", q="fat & cat"))
    db.save(M(body="the rats ate", doc="rat ate", q="dog"))
    rows = db.all(M.query().order_by("id"))
    assert rows[0].doc == "'a' 'cat' 'fat' 'mat' 'on' 'sat'" and rows[0].q == "'fat' & 'cat'"
    assert len(db.all(M.query().where("doc @@ ?::tsquery", ("cat & !dog",)))) == 1
    assert len(db.all(M.query().where("to_tsvector('english', body) @@ plainto_tsquery('english', ?)",
                                      ("rat",)))) == 1
    if db.major >= 11:  # websearch_to_tsquery arrived in PostgreSQL 11
        assert len(db.all(M.query().where("to_tsvector('english', body) @@ websearch_to_tsquery('english', ?)",
                                          ('"fat cat" -dog',)))) == 1


def test_network_types(db):
    table = db.table("net", "ip inet, net cidr, mac macaddr, mac8 macaddr8")
    M = db.model(table, {"ip": Optional[ipaddress.IPv4Interface | ipaddress.IPv6Interface],
                          "net": Optional[ipaddress.IPv4Network | ipaddress.IPv6Network],
                          "mac": Optional[str], "mac8": Optional[str]})
    db.save(M(ip=ipaddress.ip_interface("192.168.1.5/24"), net=ipaddress.ip_network("10.0.0.0/8"),
              mac="08:00:2b:01:02:03", mac8="08:00:2b:01:02:03:04:05"))
    db.save(M(ip=ipaddress.ip_interface("2001:db8::1/128"), net=ipaddress.ip_network("2001:db8::/32"),
              mac="08-00-2B-01-02-04", mac8=None))
    rows = db.all(M.query().order_by("id"))
    assert rows[0].ip == ipaddress.ip_interface("192.168.1.5/24")
    assert rows[0].net == ipaddress.ip_network("10.0.0.0/8")
    assert rows[0].mac == "08:00:2b:01:02:03" and rows[0].mac8 == "08:00:2b:01:02:03:04:05"
    assert rows[1].ip == ipaddress.ip_interface("2001:db8::1/128") and rows[1].mac == "08:00:2b:01:02:04"
    assert len(db.all(M.query().where("ip << ?", (ipaddress.ip_network("192.168.0.0/16"),)))) == 1
    assert len(db.all(M.query().where("net >>= ?", (ipaddress.ip_address("10.1.2.3"),)))) == 1
    assert len(db.all(M.query().where("ip = ?", (ipaddress.ip_address("2001:db8::1"),)))) == 1
    assert len(db.all(M.query().where("mac = ?::macaddr", ("08:00:2B:01:02:03",)))) == 1
