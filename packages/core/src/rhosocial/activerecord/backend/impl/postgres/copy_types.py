"""Which Python values a COPY column takes, and which it may take in binary (no I/O).

Why this exists: psycopg's C binary dumpers trust the Python type they are handed. A
binary COPY picks the dumper by the *column's* type, so a value of another kind is read as
if it were the right one: the string ``"1 mon"`` for an interval column stored
``-2049628674 days +549610:09``, ``datetime`` for a ``time`` column stored ``10:52:01``,
``7`` for ``cidr`` stored ``7.0.0.0/8``. And the text format is no cure for a value of the
wrong kind: the server then parses whatever text psycopg made of it (``7`` for a bytea
column became the byte ``'7'``, a date for ``"char"`` its first digit).

An INSERT sends each value with its own type and lets the server cast, so it refuses a
number for a bytea column, or a date for a uuid. Per column kind, then:

* ``ACCEPTED``: the kinds of Python value the column takes (``str`` always: the server
  parses it, exactly as it parses an INSERT's string parameter). A value of a *known*
  kind that is not accepted raises ``CopyValueError`` before anything is sent. Values of
  kinds not classified here (numpy's bool, user classes) keep psycopg's own handling.
* ``BINARY_SAFE``: the Python types the column's binary dumper is made for; anything
  else sends the batch as text.
* ``TEXT_KINDS``: text-like columns (and arrays of them) take ints, decimals, bools and
  UUIDs too, converted to the text the server's cast gives (``true``, the dashed UUID,
  ``100`` for ``Decimal("1E+2")``); floats, dates and other kinds are refused there,
  since their text depends on server settings
  (``extra_float_digits``, ``DateStyle``, ``IntervalStyle``, ``TimeZone``).

Deliberately lenient: json and jsonb columns take any value psycopg's JSON dumper takes
(a list or a number is stored as its JSON, where an INSERT would refuse a Python list as
an array); money, xid and the column kinds not listed keep psycopg's handling.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import numbers
import uuid
from decimal import Decimal
from functools import lru_cache
from typing import Any, Dict, FrozenSet, Optional, Sequence, Tuple

from rhosocial.activerecord.backend.errors import QueryError

__all__ = ["ACCEPTED", "ARRAY_ELEMENTS", "BINARY_SAFE", "CopyValueError", "EnumColumn", "RowShapeError",
           "TEXT_CONVERTED", "TEXT_KINDS", "check_row_widths", "column_type_name", "kind_of", "to_text"]

BOOL, BYTEA, CHAR, NAME, INT8, INT2, INT4, TEXT, OID = 16, 17, 18, 19, 20, 21, 23, 25, 26
FLOAT4, FLOAT8, CIDR, INET, MACADDR, MACADDR8, BPCHAR, VARCHAR = 700, 701, 650, 869, 829, 774, 1042, 1043
MONEY = 790
DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL, TIMETZ, NUMERIC, UUID = 1082, 1083, 1114, 1184, 1186, 1266, 1700, 2950

#: array type -> element type, for the arrays whose elements are checked like scalars
ARRAY_ELEMENTS: Dict[int, int] = {
    1000: BOOL, 1001: BYTEA, 1002: CHAR, 1003: NAME, 1016: INT8, 1005: INT2, 1007: INT4, 1009: TEXT, 1028: OID,
    1021: FLOAT4, 1022: FLOAT8, 651: CIDR, 1041: INET, 1040: MACADDR, 1014: BPCHAR, 1015: VARCHAR,
    1182: DATE, 1183: TIME, 1115: TIMESTAMP, 1185: TIMESTAMPTZ, 1187: INTERVAL, 1270: TIMETZ, 1231: NUMERIC,
    2951: UUID,
}

_NUMBER = frozenset({"number", "str"})
_TEMPORAL_DAY = frozenset({"date", "datetime", "str"})
#: column kind -> kinds of Python value it takes (a column kind not listed: no check)
ACCEPTED: Dict[int, FrozenSet[str]] = {
    INT2: _NUMBER, INT4: _NUMBER, INT8: _NUMBER, OID: _NUMBER, FLOAT4: _NUMBER, FLOAT8: _NUMBER, NUMERIC: _NUMBER,
    BOOL: frozenset({"bool", "str"}),
    TEXT: frozenset({"str", "integer", "decimal", "bool", "uuid"}),
    VARCHAR: frozenset({"str", "integer", "decimal", "bool", "uuid"}),
    BPCHAR: frozenset({"str", "integer", "decimal", "bool", "uuid"}),
    NAME: frozenset({"str", "integer", "decimal", "uuid"}),  # a bool's cast to name is 't', to text 'true'
    MONEY: frozenset({"decimal", "str"}),  # psycopg sends a small int as int2, which has no cast to money
    CHAR: frozenset({"str"}),
    BYTEA: frozenset({"bytes", "str"}),
    DATE: _TEMPORAL_DAY, TIMESTAMP: _TEMPORAL_DAY, TIMESTAMPTZ: _TEMPORAL_DAY,
    TIME: frozenset({"time", "str"}), TIMETZ: frozenset({"time", "str"}),
    INTERVAL: frozenset({"interval", "str"}),
    UUID: frozenset({"uuid", "str"}),
    INET: frozenset({"net", "str"}), CIDR: frozenset({"net", "str"}),
    MACADDR: frozenset({"str"}), MACADDR8: frozenset({"str"}),
    # ranges: a psycopg Range (not classified here), a tuple (our README spelling), or text
    **{oid: frozenset({"array", "str"}) for oid in (3904, 3926, 3906, 3908, 3910, 3912)},
}
#: the columns whose non-str values are converted to the server's text (``to_text``)
TEXT_KINDS = frozenset({TEXT, VARCHAR, BPCHAR, NAME})
#: the kinds of value ``to_text`` converts (their text does not depend on server settings)
TEXT_CONVERTED = frozenset({"bool", "integer", "decimal", "uuid"})

#: names for error messages
_TYPE_NAMES = {
    BOOL: "boolean", BYTEA: "bytea", CHAR: '"char"', NAME: "name", INT8: "bigint", INT2: "smallint", INT4: "integer",
    TEXT: "text", OID: "oid", FLOAT4: "real", FLOAT8: "double precision", CIDR: "cidr", INET: "inet",
    MACADDR: "macaddr", MACADDR8: "macaddr8", BPCHAR: "character", VARCHAR: "character varying", MONEY: "money",
    DATE: "date", TIME: "time", TIMESTAMP: "timestamp", TIMESTAMPTZ: "timestamptz", INTERVAL: "interval",
    TIMETZ: "timetz", NUMERIC: "numeric", UUID: "uuid", 3904: "int4range", 3926: "int8range",
    3906: "numrange", 3908: "tsrange", 3910: "tstzrange", 3912: "daterange",
}


def column_type_name(kind: int) -> str:
    """The SQL name of a column type, for messages (``type oid N`` when not listed)."""
    return _TYPE_NAMES.get(kind, f"type oid {kind}")

_NET = (ipaddress.IPv4Address, ipaddress.IPv6Address, ipaddress.IPv4Interface, ipaddress.IPv6Interface,
        ipaddress.IPv4Network, ipaddress.IPv6Network)
#: column kind -> Python types its binary dumper handles correctly (the int, real and bool
#: columns have their own range and type checks in ``copy_values``)
BINARY_SAFE: Dict[int, Tuple[type, ...]] = {
    FLOAT8: (float, int), NUMERIC: (int, Decimal, float),
    TEXT: (str,), VARCHAR: (str,), BPCHAR: (str,), NAME: (str,), CHAR: (str,),
    BYTEA: (bytes, bytearray, memoryview),
    DATE: (_dt.date,),  # a datetime is converted to its date first (copy_values)
    TIMESTAMP: (_dt.datetime,), TIMESTAMPTZ: (_dt.datetime,),
    TIME: (_dt.time,), TIMETZ: (_dt.time,), INTERVAL: (_dt.timedelta,),
    UUID: (uuid.UUID,), INET: _NET, CIDR: _NET,
}


class CopyValueError(QueryError):
    """A value of a kind its COPY column does not take (an INSERT would refuse it too, or
    would store text that depends on server settings): raised before anything is sent."""


class RowShapeError(QueryError):
    """Dict rows whose keys differ from the columns, sequence rows with another number of
    values than there are columns, or rows mixing dicts and sequences (raised before any
    data is sent)."""


def check_row_widths(rows: Sequence[Any], names: Sequence[str]) -> None:
    """``RowShapeError`` naming the first sequence row that has not one value per column
    (a short row would otherwise fail with a bare IndexError, a long one on the server)."""
    width = len(names)
    if set(map(len, rows)) - {width}:
        number, row = next((n, row) for n, row in enumerate(rows) if len(row) != width)
        raise RowShapeError(f"copy_records: row {number} has {len(row)} value(s) for {width} column(s) "
                            f"{list(names)}; give every row one value per column")


class EnumColumn(int):
    """The type oid of a COPY column of a registered enum (or of its array, ``array``),
    carrying the Python enum: its binary dumper (psycopg's) maps members only, so any other
    value (a label string, as an INSERT accepts) makes the batch go as text."""

    enum: type
    array: bool

    def __new__(cls, oid: int, enum: type, array: bool) -> "EnumColumn":
        column = super().__new__(cls, oid)
        column.enum, column.array = enum, array
        return column


@lru_cache(maxsize=256)
def kind_of(python_type: type) -> Optional[str]:
    """The kind of Python value, or None for kinds this module does not classify."""
    if issubclass(python_type, bool):
        return "bool"
    if issubclass(python_type, numbers.Integral):
        return "integer"
    if issubclass(python_type, Decimal):
        return "decimal"
    if issubclass(python_type, (float, numbers.Real)):
        return "float"
    for types, kind in _KINDS:
        if issubclass(python_type, types):
            return kind
    return None


_KINDS: Tuple[Tuple[Any, str], ...] = (
    (str, "str"), (_dt.datetime, "datetime"), (_dt.date, "date"), (_dt.time, "time"),
    (_dt.timedelta, "interval"), (uuid.UUID, "uuid"), (_NET, "net"), ((bytes, bytearray, memoryview), "bytes"),
    ((list, tuple), "array"), (dict, "json"),
)


def accepts(column_kind: int, value_kind: Optional[str]) -> bool:
    """Whether a column of ``column_kind`` takes a value of ``value_kind``."""
    if value_kind is None:
        return True
    accepted = ACCEPTED[column_kind]
    return value_kind in accepted or (value_kind in _NUMBERS and "number" in accepted)


_NUMBERS = frozenset({"integer", "decimal", "float"})


def to_text(value: Any) -> Any:
    """A value for a text column as the server's cast renders it (``accepts`` let it in)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return _numeric_text(value)
    return value


def _numeric_text(value: Decimal) -> str:
    """``numeric_out``: positional notation keeping the scale (``1.50``, ``100`` for
    ``1E+2``), no negative zero, ``NaN`` / ``Infinity`` spelt as PostgreSQL spells them."""
    if value.is_nan():
        return "NaN"
    if value.is_infinite():
        return "-Infinity" if value < 0 else "Infinity"
    if value.is_zero():
        value = abs(value)
    return format(value, "f")
