"""copy_records against INSERT for every common column type x assorted Python values.

psycopg's C binary dumpers trust the Python type they get, and a binary COPY picks them by
the column's type: before ``copy_types.py`` the string "1 mon" for an interval column was
stored as ``-2049628674 days``, a datetime for a time column as ``10:52:01``, a UUID for a
text column lost its dashes (134 of these pairs stored something other than the
INSERT). The rules checked here: a value whose Python type is the column's own (the type
the column is read back as: an int for an integer column, a Decimal for numeric, an aware
datetime for timestamptz, a list of ints for int[], ...) is stored by COPY exactly as the
INSERT stores it; a value of another kind is either stored as the INSERT stores it or
refused, storing nothing; never a third value.
"""

from __future__ import annotations

import ipaddress
import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from rhosocial.activerecord.backend.errors import DatabaseError
from rhosocial.activerecord.backend.impl.postgres.copy import RowShapeError
from rhosocial.activerecord.backend.impl.postgres.copy_types import CopyValueError
from rhosocial.activerecord.backend.impl.postgres.types import Range

from tests.backend.conftest import DQL

pytestmark = pytest.mark.asyncio

TYPES = [
    "smallint", "int", "bigint", "real", "float8", "numeric", "bool", "bytea", "text", "varchar(40)",
    "char(40)", "name", '"char"', "oid", "date", "time", "timetz", "timestamp", "timestamptz", "interval",
    "uuid", "inet", "cidr", "money", "macaddr", "bit(3)", "varbit", "int4range", "tstzrange", "point",
    "int[]", "text[]", "date[]", "interval[]", "time[]", "numeric[]", "float8[]", "uuid[]", "timestamptz[]",
]
VALUES = [
    "1 mon", "05:06", "2024-01-01", "7", 7, 2**40, 7.5, Decimal("7.5"), True, b"\x01", date(2024, 1, 2),
    datetime(2024, 1, 2, 3, 4), datetime(2024, 1, 2, 3, 4, tzinfo=timezone.utc), time(3, 4), timedelta(hours=5),
    uuid.UUID(int=9), ipaddress.ip_address("10.0.0.1"), [1, 2], ["1 mon"], [7], [time(1)],
    [datetime(2024, 1, 1)], ["x"], Decimal("1E+2"), Decimal("-0.0"), [True, False], [uuid.UUID(int=9)],
    # the natural values of the remaining column types
    time(3, 4, tzinfo=timezone.utc), ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_interface("10.0.0.1/24"),
    [date(2024, 1, 2)], [timedelta(hours=5)], [Decimal("1.5")], [1.5],
    [datetime(2024, 1, 2, 3, 4, tzinfo=timezone.utc)],
    Range(1, 5), Range(datetime(2024, 1, 1, tzinfo=timezone.utc), datetime(2024, 2, 1, tzinfo=timezone.utc)),
    "101", "(1,2)", "08:00:2b:01:02:03",  # text the bit, point and macaddr columns parse
]
# JSON columns are deliberately lenient (any value psycopg's JSON dumper takes is stored as
# its JSON; an INSERT refuses a list, sent as an array): checked separately below.


def _kind(value):
    """The Python kind of a value, as the column types below are read back."""
    if isinstance(value, list):
        return ("list", _kind(value[0]))
    if isinstance(value, Range):
        return ("range", _kind(value.lower))
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, datetime):
        return "datetime+tz" if value.tzinfo else "datetime"
    if isinstance(value, time):
        return "time+tz" if value.tzinfo else "time"
    return {int: "int", float: "float", Decimal: "decimal", str: "str", bytes: "bytes", date: "date",
            timedelta: "timedelta", uuid.UUID: "uuid", ipaddress.IPv4Address: "address",
            ipaddress.IPv4Interface: "interface", ipaddress.IPv4Network: "network"}[type(value)]


#: column type -> the kind of Python value it is read back as (its natural type)
NATURAL = {
    "smallint": "int", "int": "int", "bigint": "int", "oid": "int", "real": "float", "float8": "float",
    "numeric": "decimal", "money": "decimal", "bool": "bool", "bytea": "bytes", "text": "str",
    "varchar(40)": "str", "char(40)": "str", "name": "str", '"char"': "str", "date": "date", "time": "time",
    "timetz": "time+tz", "timestamp": "datetime", "timestamptz": "datetime+tz", "interval": "timedelta",
    "uuid": "uuid", "cidr": "network", "int4range": ("range", "int"), "tstzrange": ("range", "datetime+tz"),
}
NATURAL.update({
    "int[]": ("list", "int"), "text[]": ("list", "str"), "date[]": ("list", "date"),
    "interval[]": ("list", "timedelta"), "time[]": ("list", "time"), "numeric[]": ("list", "decimal"),
    "float8[]": ("list", "float"), "uuid[]": ("list", "uuid"), "timestamptz[]": ("list", "datetime+tz"),
})
#: natural pairs the column's range refuses (the INSERT fails too, and so must the COPY)
OUT_OF_RANGE = {("smallint", repr(2**40)), ("int", repr(2**40)), ("oid", repr(2**40))}


def is_natural(column_type, value):
    kind = _kind(value)
    if column_type == "inet":
        return kind in ("address", "interface")
    return NATURAL.get(column_type) == kind and (column_type, repr(value)) not in OUT_OF_RANGE


async def outcome(db, table, value, copy, in_transaction):
    await db.execute(f'TRUNCATE "{table}"')
    try:
        if not copy:
            await db.execute(f'INSERT INTO "{table}" (v) VALUES (%s)', (value,))
        elif in_transaction:
            async with db.transaction_manager.transaction():
                await db.copy_records(table, [[value], [value]], columns=["v"])
        else:
            await db.copy_records(table, [[value], [value]], columns=["v"])
    except DatabaseError as exc:
        count = (await db.execute(f'SELECT count(*) AS c FROM "{table}"', options=DQL)).data[0]["c"]
        assert count == 0, f"{value!r}: failed ({exc}) but stored {count} rows"
        return "error"
    stored = (await db.execute(f'SELECT DISTINCT v::text AS v FROM "{table}"', options=DQL)).data
    assert len(stored) == 1
    return stored[0]["v"]


@pytest.mark.parametrize("in_transaction", [False, True], ids=["autocommit", "transaction"])
@pytest.mark.parametrize("column_type", TYPES)
async def test_copy_stores_what_insert_stores_or_nothing(db, table, column_type, in_transaction):
    await db.execute(f'CREATE TABLE "{table}" (v {column_type})')
    wrong = []
    strict = 0
    for value in VALUES:
        inserted = await outcome(db, table, value, False, False)
        copied = await outcome(db, table, value, True, in_transaction)
        if is_natural(column_type, value):
            strict += 1
            if inserted == "error" or copied != inserted:
                wrong.append(f"{value!r} (the column's own type): insert {inserted!r}, copy {copied!r}")
        elif isinstance(value, str) and inserted != "error":
            strict += 1  # text the server parses for the INSERT: COPY hands it the same text
            if copied != inserted:
                wrong.append(f"{value!r} (text the column parses): insert {inserted!r}, copy {copied!r}")
        elif copied not in ("error", inserted):
            wrong.append(f"{value!r}: insert {inserted!r}, copy {copied!r}")
    assert not wrong, "\n".join(wrong)
    assert strict, f"no value of {column_type}'s own type or text it parses: nothing must succeed"


@pytest.mark.parametrize("value", [Decimal("1E+2"), Decimal("12.345"), Decimal("-0.005"), Decimal("7")])
@pytest.mark.parametrize("in_transaction", [False, True], ids=["autocommit", "transaction"])
async def test_copy_of_a_decimal_into_money(db, table, in_transaction, value):
    """str(Decimal("1E+2")) is "1E+2", which money_in refuses: a Decimal goes in positional
    notation and lands as the INSERT's numeric -> money cast puts it."""
    await db.execute(f'CREATE TABLE "{table}" (v money)')
    inserted = await outcome(db, table, value, False, False)
    assert inserted != "error"
    assert await outcome(db, table, value, True, in_transaction) == inserted


@pytest.mark.parametrize("column_type, value, stored", [
    ("interval", "1 mon", "1 mon"),  # binary stored -2049628674 days
    ("time", datetime(2024, 1, 2, 5, 6), "error"),  # binary stored 10:52:01
    ("interval[]", ["1 mon"], '{"1 mon"}'),
    ("text", uuid.UUID(int=9), "00000000-0000-0000-0000-000000000009"),  # text COPY stored 32 hex digits
    ("text", True, "true"),  # was 't'
    ("text", 42, "42"),
    ("text", Decimal("1E+2"), "100"),  # numeric_out's text, not Python's 1E+2
    ("text[]", [True, False], "{true,false}"),  # text COPY wrote {t,f}
    ("varchar(40)[]", [uuid.UUID(int=9)], "{00000000-0000-0000-0000-000000000009}"),
    ("bytea", 7, "error"),  # was the byte '7'
    ('"char"', date(2024, 1, 2), "error"),  # was '2'
    ("cidr", 7, "error"),  # was 7.0.0.0/8
    ("jsonb", [1, 2], "[1, 2]"),  # lenient on purpose: the JSON of the value
])
async def test_values_of_another_kind(db, table, column_type, value, stored):
    await db.execute(f'CREATE TABLE "{table}" (v {column_type})')
    assert await outcome(db, table, value, True, False) == stored


async def test_refusal_names_the_column_and_the_type(db, table):
    await db.execute(f'CREATE TABLE "{table}" (id int, note text)')
    with pytest.raises(CopyValueError, match=r"column 'note' \(text\) does not take a float"):
        await db.copy_records(table, [(1, "a"), (2, 2.5)], columns=["id", "note"])


async def test_column_types_are_read_again_after_alter_table(db, table, admin):
    """A cached binary plan for int4 wrote int4 bytes into a real column: 1065353216 was
    stored as 1.0 (and int -> bigint failed with a protocol error)."""
    await db.execute(f'CREATE TABLE "{table}" (a int, b int)')
    await db.copy_records(table, [(1, 2)], columns=["a", "b"])
    await db.execute(f'ALTER TABLE "{table}" ALTER COLUMN a TYPE real')  # through the backend
    admin.execute(f'ALTER TABLE "{table}" ALTER COLUMN b TYPE bigint')  # from another session
    await db.copy_records(table, [(1065353216, 5)], columns=["a", "b"])
    rows = (await db.execute(f'SELECT a::float8 AS a, b FROM "{table}" ORDER BY b', options=DQL)).data
    assert rows == [{"a": 1.0, "b": 2}, {"a": 1065353216.0, "b": 5}]  # exact in float4 (127 * 2**23)


async def test_dict_rows_must_share_their_keys(db, table):
    await db.execute(f'CREATE TABLE "{table}" (a int, b text, c text)')
    with pytest.raises(RowShapeError, match=r"row 1 has keys the first row lacks: \['b', 'c'\]"):
        await db.copy_records(table, [{"a": 1}, {"a": 2, "b": "x", "c": "y"}])
    with pytest.raises(RowShapeError, match=r"row 1 lacks \['b'\]"):
        await db.copy_records(table, [{"a": 1, "b": "x"}, {"a": 2, "bb": "typo"}])
    with pytest.raises(RowShapeError, match="mix"):
        await db.copy_records(table, [(1, "x"), {"a": 2, "b": "y"}], columns=["a", "b"])
    with pytest.raises(RowShapeError, match="mix"):
        await db.copy_records(table, [{"a": 2, "b": "y"}, (1, "x")])
    assert (await db.execute(f'SELECT count(*) AS n FROM "{table}"', options=DQL)).data == [{"n": 0}]
    # with columns given, each dict needs those keys; other keys are left out
    assert await db.copy_records(table, [{"a": 1, "b": "x", "z": 0}, {"b": "y", "a": 2}], columns=["a", "b"]) == 2
    rows = (await db.execute(f'SELECT a, b, c FROM "{table}" ORDER BY a', options=DQL)).data
    assert rows == [{"a": 1, "b": "x", "c": None}, {"a": 2, "b": "y", "c": None}]
