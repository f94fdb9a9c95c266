"""copy_records stores what an INSERT of the same Python values stores, or fails where it
fails: each case inserts one value both ways, in and out of a transaction, and compares
the stored text (see postgres/copy_values.py for why binary COPY needs help)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from rhosocial.activerecord.backend.errors import DatabaseError
from rhosocial.activerecord.backend.impl.postgres.copy_types import CopyValueError
from rhosocial.activerecord.backend.impl.postgres.copy_values import UnknownSessionTimeZone

from tests.backend.conftest import DQL

pytestmark = pytest.mark.asyncio

UTC = datetime.timezone.utc


class Float(float):
    """A float subclass, as numpy's float64."""


class Datetime(datetime.datetime):
    """A datetime subclass, as pandas' Timestamp or pendulum's DateTime."""


AWARE = datetime.datetime(2024, 1, 1, 23, 30, tzinfo=UTC)  # Jan 2 in Tokyo
NAIVE = datetime.datetime(2024, 1, 1, 23, 30)

CASES = [
    ("int4", 3_000_000_000),  # binary int4 kept the low bytes: -1294967296
    ("int2", -70000),
    ("int8", 2**63),
    ("int4[]", [1, 2**40]),
    ("int2[]", [[1, 70000], [2, 3]]),
    ("int4[]", [1, None, 3]),
    ("boolean", "false"),  # the binary bool dumper tests truthiness: true
    ("boolean", "f"),
    ("boolean", False),
    ("real", 1e39),  # binary float4 overflowed to Infinity
    ("real", 1.5),
    ("real", float("inf")),
    ("real[]", [1.0, 1e39]),
    ("jsonb[]", ['{"a": 1}', '[2]']),  # JSON text inside an array: parsed, not a JSON string
    ("json[]", ['{"a": 1}']),
    ("jsonb", '{"a": 0.12345678901234567890123}'),  # parsed by the server: no float rounding
    ("json", ' {"b" : 1,  "b": 2} '),  # kept verbatim
    ("numeric", 0.1 + 0.2),  # the server's float8 cast keeps 15 digits: 0.3
    ("numeric", 1e20),
    ("numeric", float("nan")),
    ("numeric", Decimal("1.10")),
    ("oid", -1),  # psycopg's binary oid dumper raised struct.error
    ("oid", 2**33),
    ("date", AWARE),  # the day in the session zone, as the server's cast
    ("date", NAIVE),
    ("timestamp", AWARE),
    ("timestamptz", NAIVE),
    ("int4", True),  # binary int4 stored 1; INSERT refuses a bool
    ("int4", Decimal(2**40)),
    ("int4[]", [True, 2]),
    ("boolean[]", ["f", "true"]),  # binary bool[] stored {t,t}
    ("boolean[]", [[False, None], [True, True]]),
    ("real", 10**39),
    ("real", 1e-50),  # underflow: binary stored 0
    ("real[]", [1.5, 10**39]),
    ("numeric", Float(0.1 + 0.2)),  # a float subclass, as numpy's float64
    ("timestamp", Datetime(2024, 1, 1, 23, 30, tzinfo=UTC)),  # a datetime subclass, as pandas' Timestamp
    ("timestamptz", Datetime(2024, 1, 1, 23, 30)),
]


async def stored_or_error(db, table, column_type, value, copy, in_transaction):
    await db.execute(f'DROP TABLE IF EXISTS "{table}"')
    await db.execute(f'CREATE TABLE "{table}" (v {column_type})')
    try:
        if copy and in_transaction:
            async with db.transaction_manager.transaction():
                await db.copy_records(table, [[value]] * 3, columns=["v"])
        elif copy:
            await db.copy_records(table, [[value]] * 3, columns=["v"])
        else:
            await db.execute(f'INSERT INTO "{table}" (v) VALUES (%s)', (value,))
    except DatabaseError as exc:
        count = (await db.execute(f'SELECT count(*) AS c FROM "{table}"', options=DQL)).data[0]["c"]
        if isinstance(exc, CopyValueError):  # refused before anything was sent: it names the column
            assert "column 'v'" in str(exc), exc
        # why it failed: the server's SQLSTATE (22003 out of range, ...) or the client's error class
        return ("error", count, getattr(exc, "sqlstate", None) or type(exc).__name__)
    rows = (await db.execute(f'SELECT v::text AS v FROM "{table}"', options=DQL)).data
    return ("stored", rows[0]["v"])


# A value of another kind that the INSERT sends as what it is (the server then refuses the
# statement) is refused by copy_records itself, before anything is sent. Every other refusal
# must be the INSERT's: the same SQLSTATE (22003 for the out-of-range values) or client error.
COPY_REFUSES_EARLIER = {("int4", "True"), ("int4[]", "[True, 2]")}


@pytest.mark.parametrize("in_transaction", [False, True], ids=["autocommit", "transaction"])
@pytest.mark.parametrize("column_type, value", CASES, ids=[f"{t}-{v!r}"[:40] for t, v in CASES])
async def test_copy_stores_what_insert_stores(db, table, column_type, value, in_transaction):
    await db.execute("SET TimeZone = 'Asia/Tokyo'")
    try:
        inserted = await stored_or_error(db, table, column_type, value, False, False)
        copied = await stored_or_error(db, table, column_type, value, True, in_transaction)
    finally:
        await db.execute("RESET TimeZone")
    if (column_type, repr(value)) in COPY_REFUSES_EARLIER:
        assert inserted[:2] == ("error", 0) and copied == ("error", 0, "CopyValueError"), (inserted, copied)
    else:
        assert copied == inserted


@pytest.mark.parametrize("in_transaction", [False, True], ids=["autocommit", "transaction"])
@pytest.mark.parametrize("column_type, make", [
    ("int4", lambda np: np.int64(2**40)),  # not an int: the range check passed it, binary kept the low bytes
    ("int2[]", lambda np: [np.int64(1), np.int64(70000)]),
    ("int8", lambda np: np.int64(2**62)),
    ("numeric", lambda np: np.float64(0.1 + 0.2)),
    ("real", lambda np: np.float64(1e39)),
], ids=["int4", "int2[]", "int8", "numeric", "real"])
async def test_numpy_values_land_as_an_insert_puts_them(db, table, column_type, make, in_transaction):
    """psycopg dumps numpy scalars (pandas users pass them); they are not Python ints.
    numpy is a test requirement (requirements-dev.txt): missing, this fails instead of skipping."""
    import numpy as np

    value = make(np)
    inserted = await stored_or_error(db, table, column_type, value, False, False)
    copied = await stored_or_error(db, table, column_type, value, True, in_transaction)
    assert copied == inserted


async def test_a_zone_python_cannot_load_gives_a_clear_error_or_the_server_decides(db, table):
    """POSIX-style zones ('UTC+3' is three hours *behind* UTC) are unknown to zoneinfo:
    naive datetimes for timestamptz go as text (the server applies its zone); an aware one
    for a timestamp column cannot be converted as the server would, and is refused with a
    clear error before anything is sent."""
    await db.execute(f'CREATE TABLE "{table}" (tsz timestamptz, ts timestamp)')
    await db.execute("SET TimeZone = 'UTC+3'")
    try:
        await db.copy_records(table, [[NAIVE, None]], columns=["tsz", "ts"])
        await db.execute(f'INSERT INTO "{table}" (tsz) VALUES (%s)', (NAIVE,))
        back = (await db.execute(f'SELECT tsz::text AS t FROM "{table}"', options=DQL)).data
        assert back[0] == back[1] == {"t": "2024-01-01 23:30:00-03"}
        with pytest.raises(UnknownSessionTimeZone, match="zone name"):
            await db.copy_records(table, [[None, AWARE]], columns=["tsz", "ts"])
        assert (await db.execute(f'SELECT count(*) AS c FROM "{table}"', options=DQL)).data == [{"c": 2}]
    finally:
        await db.execute("RESET TimeZone")
