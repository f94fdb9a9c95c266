"""±infinity for date/timestamp/timestamptz/interval, and money as ``Decimal``.

psycopg raises ``DataError`` when it loads ``'infinity'`` / ``'-infinity'``
dates and timestamps (Python has no such values). On our connections they are
mapped to documented sentinels, in both directions:

=================  ================================  =================================
PostgreSQL         date                              timestamp / timestamptz
=================  ================================  =================================
``'infinity'``     ``date.max`` (9999-12-31)         ``datetime.max`` (tz: UTC for tstz)
``'-infinity'``    ``date.min`` (0001-01-01)         ``datetime.min`` (tz: UTC for tstz)
=================  ================================  =================================

An aware datetime is a sentinel when it is that instant (UTC midnight of
0001-01-01, ...) or beyond it, where Python could not read it back
(``datetime.max`` in New York): ``datetime(1, 1, 1, tzinfo=UTC-5)`` is an
ordinary value (05:00 UTC).
The price: the real dates 0001-01-01 and 9999-12-31 (and the datetimes at the
very ends of Python's range) are stored as -infinity / infinity. A timestamptz
instant whose date in the session zone is outside Python's years (0001-01-01
01:00 UTC in New York) loads as that instant in UTC (``temporal_edges``).

interval (PostgreSQL 17+ has ``'infinity'`` / ``'-infinity'``, which psycopg
loads as ``timedelta(0)``): ``timedelta.max`` / ``timedelta.min``. Older
servers have no infinite interval: writing a sentinel fails there (the server
rejects the text ``'infinity'``; a binary parameter is refused client-side,
since the server would store a huge finite interval instead).

money: psycopg returns the server's text (``'$12.34'``); we load it as
``Decimal`` (assuming an ``lc_monetary`` whose decimal point is ``.``, e.g. C
or en_US). Writing a ``Decimal`` to a money column works natively.
"""

from __future__ import annotations

import struct
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.abc import AdaptContext
from psycopg.adapt import AdaptersMap, Loader, PyFormat
from psycopg.pq import Format
from psycopg.types import datetime as _dt
from psycopg.types.datetime import register_default_adapters as register_default_datetime_adapters

from .temporal_edges import tstz_binary_in_utc, tstz_text_in_utc

__all__ = [
    "register_infinity", "register_money", "use_default_binary_dumpers",
    "DATE_INFINITY", "DATE_NEG_INFINITY", "TIMESTAMP_INFINITY", "TIMESTAMP_NEG_INFINITY",
    "TIMESTAMPTZ_INFINITY", "TIMESTAMPTZ_NEG_INFINITY", "INTERVAL_INFINITY", "INTERVAL_NEG_INFINITY",
]

DATE_INFINITY = date.max
DATE_NEG_INFINITY = date.min
TIMESTAMP_INFINITY = datetime.max
TIMESTAMP_NEG_INFINITY = datetime.min
TIMESTAMPTZ_INFINITY = datetime.max.replace(tzinfo=timezone.utc)
TIMESTAMPTZ_NEG_INFINITY = datetime.min.replace(tzinfo=timezone.utc)
INTERVAL_INFINITY = timedelta.max
INTERVAL_NEG_INFINITY = timedelta.min

_INT4_MAX, _INT4_MIN = 0x7FFFFFFF, -0x80000000
_INT8_MAX, _INT8_MIN = 0x7FFFFFFFFFFFFFFF, -0x8000000000000000
_i4 = struct.Struct("!i")
_i8 = struct.Struct("!q")
# binary interval: microseconds (int8), days (int4), months (int4); PostgreSQL 17's
# INTERVAL_NOEND / INTERVAL_NOBEGIN set all three to their maximum / minimum
_interval = struct.Struct("!qii")
_INTERVAL_BINARY_MAX = _interval.pack(_INT8_MAX, _INT4_MAX, _INT4_MAX)
_INTERVAL_BINARY_MIN = _interval.pack(_INT8_MIN, _INT4_MIN, _INT4_MIN)


# -- dumpers ----------------------------------------------------------------
# Like the loaders below, the dumpers only catch the sentinels and hand every other value to
# psycopg's own (C) dumper for the same class and format. Subclassing psycopg's Python dumpers
# made every datetime parameter go through ``isoformat()`` in Python (several microseconds each,
# the largest share of our per-row cost in ``execute_many``). The binary dumpers are registered
# last, so ``%s`` sends dates and timestamps in binary, as plain psycopg does.
_DATE_BINARY_MAX, _DATE_BINARY_MIN = _i4.pack(_INT4_MAX), _i4.pack(_INT4_MIN)
_TS_BINARY_MAX, _TS_BINARY_MIN = _i8.pack(_INT8_MAX), _i8.pack(_INT8_MIN)
_NAIVE_SAMPLE = datetime(2000, 1, 1)


# psycopg's own date/time adapters, in a map of their own: looked up in the global
# ``psycopg.adapters`` they would be ours after ``register_infinity(psycopg.adapters)``
# (each dumper delegating to itself), or a user's global override.
_DEFAULTS = AdaptersMap(types=psycopg.postgres.types)
register_default_datetime_adapters(_DEFAULTS)


def _fast_dumper(cls: type, format: Format, context: AdaptContext | None, naive: bool = False) -> Any:
    """psycopg's default dumper instance for ``cls`` (the C one with ``psycopg[binary]``)."""
    py_format = PyFormat.BINARY if format == Format.BINARY else PyFormat.TEXT
    dumper = _DEFAULTS.get_dumper(cls, py_format)(cls, context)
    return dumper.upgrade(_NAIVE_SAMPLE, py_format) if naive else dumper


class _SentinelDumper:
    """Mixin: the two sentinel values become ±infinity, every other value goes to psycopg's
    own dumper for the same type and format (``_fast_dumper``)."""

    _value_type: type = date
    _naive = False
    _max_value: Any = date.max
    _min_value: Any = date.min
    _infinity, _neg_infinity = b"infinity", b"-infinity"
    format: Any

    def __init__(self, cls: type, context: AdaptContext | None = None):
        super().__init__(cls, context)  # type: ignore[call-arg]
        self._adapt_context = context
        self._dump = _fast_dumper(self._value_type, self.format, context, naive=self._naive).dump

    def dump(self, obj: Any) -> Any:
        if obj == self._max_value:
            return self._infinity
        if obj == self._min_value:
            return self._neg_infinity
        return self._dump(obj)


class InfDateDumper(_SentinelDumper, _dt.DateDumper):
    pass


class InfDateBinaryDumper(_SentinelDumper, _dt.DateBinaryDumper):
    _infinity, _neg_infinity = _DATE_BINARY_MAX, _DATE_BINARY_MIN


class InfDatetimeNoTzDumper(_SentinelDumper, _dt.DatetimeNoTzDumper):
    _value_type, _naive = datetime, True
    _max_value, _min_value = datetime.max, datetime.min


class InfDatetimeNoTzBinaryDumper(InfDatetimeNoTzDumper, _dt.DatetimeNoTzBinaryDumper):  # type: ignore[misc]
    _infinity, _neg_infinity = _TS_BINARY_MAX, _TS_BINARY_MIN


class InfDatetimeDumper(_SentinelDumper, _dt.DatetimeDumper):
    _value_type = datetime
    _naive_dumper: type = InfDatetimeNoTzDumper

    def upgrade(self, obj: datetime, format: Any) -> Any:
        if obj.tzinfo:
            return self
        return self._naive_dumper(self.cls, self._adapt_context)

    def dump(self, obj: datetime) -> Any:
        # aware values: the sentinels are the *instants* datetime.max/min UTC (as documented;
        # 0001-01-01 00:00-05:00 is 05:00 UTC, an ordinary value), and instants beyond them
        # (datetime.max in New York is 04:59 UTC on 10000-01-01): stored as such, they could
        # not be read back into a datetime. Such instants have local years 1 / 9999 in any
        # zone, so the year test keeps the common case to one read.
        if obj.year in (1, 9999):
            if obj >= TIMESTAMPTZ_INFINITY:
                return self._infinity
            if obj <= TIMESTAMPTZ_NEG_INFINITY:
                return self._neg_infinity
        return self._dump(obj)


class InfDatetimeBinaryDumper(InfDatetimeDumper, _dt.DatetimeBinaryDumper):  # type: ignore[misc]
    _infinity, _neg_infinity = _TS_BINARY_MAX, _TS_BINARY_MIN
    _naive_dumper = InfDatetimeNoTzBinaryDumper


class InfTimedeltaDumper(_SentinelDumper, _dt.TimedeltaDumper):
    _value_type = timedelta
    _max_value, _min_value = INTERVAL_INFINITY, INTERVAL_NEG_INFINITY


class InfTimedeltaBinaryDumper(InfTimedeltaDumper, _dt.TimedeltaBinaryDumper):  # type: ignore[misc]
    _infinity, _neg_infinity = _INTERVAL_BINARY_MAX, _INTERVAL_BINARY_MIN

    def dump(self, obj: Any) -> Any:
        if obj == INTERVAL_INFINITY:
            return self._checked(self._infinity)
        if obj == INTERVAL_NEG_INFINITY:
            return self._checked(self._neg_infinity)
        return self._dump(obj)

    def _checked(self, data: bytes) -> bytes:
        # before 17, interval_recv would store these fields as a huge *finite* interval (the
        # text 'infinity' is rejected by the server itself): refuse instead
        connection = getattr(self, "connection", None)
        if connection is not None and connection.info.server_version < 170000:
            raise psycopg.DataError("infinite intervals (timedelta.max/min) need PostgreSQL 17 or later")
        return data


# -- loaders ----------------------------------------------------------------
class _InfinityLoader(Loader):
    """Catch the two infinities, hand everything else to psycopg's own (C) loader.

    Subclassing psycopg's Python loaders would replace the C implementation that
    ``psycopg[binary]`` registers and make every date/timestamp ~10x slower to
    load; delegating keeps the fast path for ordinary values.
    """

    type_name = ""
    infinity: Any = None
    neg_infinity: Any = None
    _max: bytes = b"infinity"
    _min: bytes = b"-infinity"

    def __init__(self, oid: int, context: AdaptContext | None = None):
        super().__init__(oid, context)
        default = _DEFAULTS.get_loader(oid, self.format)
        self._load = default(oid, context).load  # type: ignore[misc]

    def load(self, data: Any) -> Any:
        if data == self._max:
            return self.infinity
        if data == self._min:
            return self.neg_infinity
        return self._load(data)


class _InfinityBinaryLoader(_InfinityLoader):
    format = Format.BINARY


class InfDateLoader(_InfinityLoader):
    infinity, neg_infinity = DATE_INFINITY, DATE_NEG_INFINITY


class InfDateBinaryLoader(_InfinityBinaryLoader):
    infinity, neg_infinity = DATE_INFINITY, DATE_NEG_INFINITY
    _max, _min = _i4.pack(_INT4_MAX), _i4.pack(_INT4_MIN)


class InfTimestampLoader(_InfinityLoader):
    infinity, neg_infinity = TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY


class InfTimestampBinaryLoader(_InfinityBinaryLoader):
    infinity, neg_infinity = TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY
    _max, _min = _i8.pack(_INT8_MAX), _i8.pack(_INT8_MIN)


class InfIntervalLoader(_InfinityLoader):
    infinity, neg_infinity = INTERVAL_INFINITY, INTERVAL_NEG_INFINITY


class InfIntervalBinaryLoader(_InfinityBinaryLoader):
    infinity, neg_infinity = INTERVAL_INFINITY, INTERVAL_NEG_INFINITY
    _max, _min = _INTERVAL_BINARY_MAX, _INTERVAL_BINARY_MIN


class _BeyondZoneLoader(_InfinityLoader):
    """timestamptz: an instant near year 1 or 9999 that the session's time zone puts outside
    Python's years (0001-01-01 01:00 UTC is 0001-12-31 BC in New York, 9999-12-31 20:00 UTC is
    in year 10000 in Kolkata). psycopg raises DataError for it; such a value saves fine, so it
    must read back: as the same instant in UTC (``types.temporal_edges``).

    ``_InfinityLoader.load`` written out again rather than called: this runs for every
    timestamptz value read, and a ``super().load`` frame per value cost ~0.3 us (a fifth of
    reading a row of four). The ``try`` costs nothing on the normal path."""

    def load(self, data: Any) -> Any:
        try:
            if data == self._max:
                return self.infinity
            if data == self._min:
                return self.neg_infinity
            return self._load(data)
        except psycopg.DataError as exc:
            return self._beyond_zone(bytes(data), exc)

    def _beyond_zone(self, data: bytes, exc: Exception) -> datetime:
        return tstz_text_in_utc(data, exc)


class InfTimestamptzLoader(_BeyondZoneLoader):
    infinity, neg_infinity = TIMESTAMPTZ_INFINITY, TIMESTAMPTZ_NEG_INFINITY


class InfTimestamptzBinaryLoader(_BeyondZoneLoader):
    format = Format.BINARY
    infinity, neg_infinity = TIMESTAMPTZ_INFINITY, TIMESTAMPTZ_NEG_INFINITY
    _max, _min = _i8.pack(_INT8_MAX), _i8.pack(_INT8_MIN)

    def _beyond_zone(self, data: bytes, exc: Exception) -> datetime:
        return tstz_binary_in_utc(data, exc)


def register_infinity(context: AdaptContext) -> None:
    """Map ±infinity dates/timestamps/intervals to the sentinels above on ``context``."""
    adapters = context.adapters
    # as psycopg does: the naive dumper (the 'timestamp' key) before the tz one, and the
    # binary ones last so that they are the choice for ``%s``
    adapters.register_dumper(date, InfDateDumper)
    adapters.register_dumper(datetime, InfDatetimeNoTzDumper)
    adapters.register_dumper(datetime, InfDatetimeDumper)
    adapters.register_dumper(date, InfDateBinaryDumper)
    adapters.register_dumper(datetime, InfDatetimeNoTzBinaryDumper)
    adapters.register_dumper(datetime, InfDatetimeBinaryDumper)
    adapters.register_dumper(timedelta, InfTimedeltaDumper)
    adapters.register_dumper(timedelta, InfTimedeltaBinaryDumper)
    adapters.register_loader("date", InfDateLoader)
    adapters.register_loader("date", InfDateBinaryLoader)
    adapters.register_loader("timestamp", InfTimestampLoader)
    adapters.register_loader("timestamp", InfTimestampBinaryLoader)
    adapters.register_loader("timestamptz", InfTimestamptzLoader)
    adapters.register_loader("timestamptz", InfTimestamptzBinaryLoader)
    adapters.register_loader("interval", InfIntervalLoader)
    adapters.register_loader("interval", InfIntervalBinaryLoader)



def use_default_binary_dumpers(context: AdaptContext) -> None:
    """psycopg's own binary dumpers for date and datetime on ``context`` (a cursor).

    For a binary COPY whose values were checked to hold no ±infinity sentinel: the
    sentinel dumpers above cost a Python call per value, which is most of the gap between
    our COPY and psycopg's on a table with a timestamp column.
    """
    adapters = context.adapters
    adapters.register_dumper(date, _fast_dumper(date, Format.BINARY, context).__class__)
    adapters.register_dumper(datetime, _fast_dumper(datetime, Format.BINARY, context, naive=True).__class__)
    adapters.register_dumper(datetime, _fast_dumper(datetime, Format.BINARY, context).__class__)

# -- money ------------------------------------------------------------------
class MoneyLoader(Loader):
    """'$1,234.56' / '-$1.00' / '($1.00)' -> Decimal('1234.56') / ... (text format)."""

    def load(self, data: Any) -> Decimal:
        text = bytes(data).decode()
        negative = "-" in text or "(" in text
        digits = "".join(ch for ch in text if ch.isdigit() or ch == ".")
        value = Decimal(digits)
        return -value if negative else value


class MoneyBinaryLoader(Loader):
    """int8 in cents (two fractional digits, as in the C / en_US locales)."""

    format = Format.BINARY

    def load(self, data: Any) -> Decimal:
        return Decimal(_i8.unpack(data)[0]).scaleb(-2)


def register_money(context: AdaptContext) -> None:
    adapters = context.adapters
    adapters.register_loader("money", MoneyLoader)
    adapters.register_loader("money", MoneyBinaryLoader)
