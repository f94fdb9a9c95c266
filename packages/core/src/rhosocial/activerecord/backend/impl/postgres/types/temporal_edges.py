"""timestamptz instants that the session's time zone puts outside Python's years 1-9999.

psycopg returns a timestamptz as a datetime in the session's time zone. An instant a few
hours from either end of Python's range has a local date outside it in some zones:
0001-01-01 01:00 UTC is ``0001-12-31 20:03:58-04:56:02 BC`` in America/New_York, and
9999-12-31 20:00 UTC is ``10000-01-01 01:30:00+05:30`` in Asia/Kolkata. psycopg raises
``DataError`` ("timestamp too small/large") for them, although they were saved without a
word. The loaders of ``types.temporal`` call these functions only then, and get the same
instant as an aware datetime in UTC (the one zone where every storable instant of Python's
range has a Python date). An instant outside Python's range in UTC too (written by SQL,
e.g. ``'0001-01-01 00:00 BC'``) raises ``DataError`` naming the value.
"""

from __future__ import annotations

import re
import struct
from datetime import date, datetime, timedelta, timezone

import psycopg

__all__ = ["tstz_text_in_utc", "tstz_binary_in_utc"]

_UTC_MIN = datetime.min.replace(tzinfo=timezone.utc)
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
_MAX_US = (date.max.toordinal()) * 86400 * 1_000_000  # microseconds from 0001-01-01 to 10000-01-01
_DAYS_400_YEARS = 146097  # the Gregorian calendar repeats every 400 years
_i8 = struct.Struct("!q")

# the ISO output of timestamptz (DateStyle ISO, the only one psycopg reads): years may have
# five digits, the offset seconds (LMT offsets such as -04:56:02), and BC a suffix
_ISO = re.compile(
    rb"(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?"
    rb"([-+])(\d\d)(?::(\d\d))?(?::(\d\d))?( BC)?"
)


def _ordinal(year: int, month: int, day: int) -> int:
    """``date.toordinal()`` extended to any (astronomical) year: 1 for 0001-01-01."""
    shift = 0
    while year < 1:
        year, shift = year + 400, shift - _DAYS_400_YEARS
    while year > 9999:
        year, shift = year - 400, shift + _DAYS_400_YEARS
    return date(year, month, day).toordinal() + shift


def _in_utc(microseconds: int, text: str, exc: Exception) -> datetime:
    """The instant ``microseconds`` after 0001-01-01 00:00 UTC, or DataError naming ``text``."""
    if 0 <= microseconds < _MAX_US:
        return _UTC_MIN + timedelta(microseconds=microseconds)
    raise psycopg.DataError(
        f"timestamptz {text} is outside Python's datetime range in UTC too (years 1-9999)") from exc


def tstz_text_in_utc(data: bytes, exc: Exception) -> datetime:
    """The instant of a timestamptz's ISO text, in UTC; re-raises ``exc`` for other text."""
    match = _ISO.fullmatch(data)
    if match is None:
        raise exc
    year, month, day, hour, minute, second, fraction, sign, oh, om, osec, bc = match.groups()
    year_number = int(year)
    if bc:
        year_number = 1 - year_number  # 1 BC is year 0
    days = _ordinal(year_number, int(month), int(day)) - 1
    local = (((days * 24 + int(hour)) * 60 + int(minute)) * 60 + int(second)) * 1_000_000
    if fraction:
        local += int(fraction.ljust(6, b"0"))
    offset = ((int(oh) * 60 + int(om or 0)) * 60 + int(osec or 0)) * 1_000_000
    utc = local - offset if sign == b"+" else local + offset
    return _in_utc(utc, repr(data.decode()), exc)


def tstz_binary_in_utc(data: bytes, exc: Exception) -> datetime:
    """The instant of a binary timestamptz (microseconds from 2000-01-01 UTC), in UTC."""
    if len(data) != 8:
        raise exc
    since_2000 = _i8.unpack(data)[0]
    offset = (_PG_EPOCH - _UTC_MIN) // timedelta(microseconds=1)
    return _in_utc(since_2000 + offset, f"(binary, {since_2000} us from 2000-01-01 UTC)", exc)
