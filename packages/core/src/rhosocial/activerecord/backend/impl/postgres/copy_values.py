"""Values for COPY that land as an INSERT would put them (no I/O; see ``copy.py``).

An INSERT sends each value with the type psycopg picks for its Python type, and the server
casts it to the column's type: with range checks, its own time zone rules, its own
float-to-numeric rounding. A binary COPY carries no type and gets no cast: each value is
written by the binary dumper of the *column's* type, which does not check or convert (an
int too large for int4 loses its high bytes, the string "false" is a true bool, an aware
datetime for a date column keeps its own day). So, per column:

* **refuse the value** (``CopyValueError``, in both formats, before anything is sent): a
  value of a kind the column does not take (``copy_types.ACCEPTED``: a number for bytea, a
  date for uuid, a float for text);
* **refuse binary** for the batch (``ValueError``; the caller formats it again as text,
  which the server parses as it parses an INSERT's parameter, and rejects what the INSERT
  would reject): an integer out of its column's range, or anything but a plain int, for an
  integer column (also inside int arrays: numpy's integers are not ints, and the binary
  dumpers would keep their low bytes); anything but a plain float for a real column, or a
  float beyond its range (overflow, underflow); anything but a bool for a bool column (also
  inside bool arrays); any value of a type the column's binary dumper is not made for
  (``copy_types.BINARY_SAFE``: a str for interval, a date for timestamp, also inside
  arrays); a str inside a json/jsonb array; a naive datetime for timestamptz
  at a local time that DST skips or repeats, or when the session time zone is one Python
  cannot load;
* **convert, in both formats**, what the server's cast converts: an aware datetime for a
  timestamp column to local time in the session zone, a datetime for a date column to its
  date there, a float for a numeric column to its 15 significant digits (``float8_numeric``),
  an int, bool or UUID for a text column to the server's text of it (``true``, dashes);
  with the session zone unknown to Python the first two raise ``UnknownSessionTimeZone``;
* **convert for binary**: a naive datetime for timestamptz is local time in the session
  zone, a str for json/jsonb is JSON text sent as it is (not parsed and re-serialised);
* **refuse a NUL character** in a str for a text-like column (and inside its arrays) with
  the ``DataError`` an INSERT raises (sqlstate 22021), before anything is sent: COPY
  would send it and get the server's obscure "invalid byte sequence ... 0x00".

Each column is scanned once with ``map``/``filter`` chains over C callables; rows are
copied only when some value needs converting.
"""

from __future__ import annotations

import datetime as _dt
import math
from decimal import Decimal
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple
from zoneinfo import ZoneInfo

from psycopg.types.json import Json
from rhosocial.activerecord.backend.errors import QueryError

from .copy_types import (
    ACCEPTED,
    ARRAY_ELEMENTS,
    BINARY_SAFE,
    BOOL,
    CHAR,
    DATE,
    FLOAT4,
    FLOAT8,
    INT2,
    INT4,
    INT8,
    MONEY,
    NUMERIC,
    TEXT_CONVERTED,
    TEXT_KINDS,
    TIMESTAMP,
    TIMESTAMPTZ,
    CopyValueError,
    EnumColumn,
    accepts,
    check_row_widths,
    column_type_name,
    kind_of,
    to_text,
)
from .errors import DataError, PostgresErrorInfo, with_diagnostics

__all__ = ["CopyValueError", "FIX_KINDS", "UnknownSessionTimeZone", "prepare_rows", "session_timezone"]

JSON, JSONB, JSON_ARRAY, JSONB_ARRAY = 114, 3802, 199, 3807
_FLOAT4_MAX = 3.4028234663852886e38
_FLOAT4_TINY = 7.006492321624085e-46  # half the smallest float4 denormal: rounds to 0 (underflow)
_PLAIN_INT = frozenset({int, type(None)})
_PLAIN_FLOAT = frozenset({float, type(None)})
#: the values the binary dumper of each integer type can carry
_RANGES = {INT2: (-(2**15), 2**15 - 1), INT4: (-(2**31), 2**31 - 1), INT8: (-(2**63), 2**63 - 1)}
#: column kinds that may need a scan, a check or a fix
FIX_KINDS = frozenset(ACCEPTED) | frozenset(ARRAY_ELEMENTS) | {JSON, JSONB, JSON_ARRAY, JSONB_ARRAY}
#: fixes that stand for the server's cast: needed in text format too (the server's
#: date/timestamp input ignores an offset in the text; a float's text has 17 digits; a
#: UUID's text in psycopg has no dashes, a bool's is ``t``)
_CAST_KINDS = frozenset({DATE, TIMESTAMP, NUMERIC, MONEY, FLOAT4, FLOAT8}) | TEXT_KINDS


class UnknownSessionTimeZone(QueryError):
    """The session's TimeZone is not a zone Python can load (POSIX-style ``UTC+3``, ``+09``):
    an aware datetime cannot be converted as the server would convert it."""


@lru_cache(maxsize=64)
def _zone(name: str) -> Optional[_dt.tzinfo]:
    try:
        return ZoneInfo(name)
    except Exception:  # ValueError, ZoneInfoNotFoundError (a KeyError)
        return None


def session_timezone(connection: Any) -> Optional[_dt.tzinfo]:
    """The session's time zone, or None if Python cannot load it (psycopg would fall back
    to UTC, which converts wrongly)."""
    name = connection.info.parameter_status("TimeZone")
    return _zone(name) if name else None


def _leaves(values: Iterable[Any]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, (list, tuple)):
            yield from _leaves(value)
        elif value is not None:
            yield value


def _unknown_zone() -> UnknownSessionTimeZone:
    return UnknownSessionTimeZone(
        "copy_records: the session TimeZone is not a zone name Python can load, so an aware "
        "datetime cannot be converted as the server would; SET TimeZone to a zone name "
        "(e.g. 'Etc/GMT-3' rather than 'UTC+3') or pass values of the column's own kind")


def _refuse_foreign(types: Set[type], kind: int, column: str, top_types: Optional[Set[type]] = None) -> None:
    """CopyValueError for a value of a kind the column does not take (``copy_types``), in
    either format: binary would misread it, text would store the text psycopg made of it.
    ``types``: the column's value types (its array leaves' for an array column, whose own
    value types are ``top_types``)."""
    if top_types is not None:
        for python_type in top_types:
            if kind_of(python_type) not in (None, "array", "str"):
                raise _foreign(column, python_type, f"{column_type_name(kind)}[]")
    if kind not in ACCEPTED:
        return
    for python_type in types:
        if python_type is not _NONE and not accepts(kind, kind_of(python_type)):
            raise _foreign(column, python_type, column_type_name(kind))


_NONE = type(None)


def _foreign(column: str, python_type: type, column_type: Any) -> CopyValueError:
    return CopyValueError(
        f"copy_records: column {column!r} ({column_type}) does not take a {python_type.__name__} value "
        "(an INSERT would refuse it, or store text that depends on server settings); "
        "convert it, or pass the text the column should parse")


_NUL_KINDS = TEXT_KINDS | {CHAR}
_NUL_MESSAGE = "PostgreSQL text fields cannot contain NUL (0x00) bytes"  # psycopg's INSERT wording


def _refuse_nul(values: Sequence[Any], types: Set[type], kind: int, column: str, array: bool = False) -> None:
    """The INSERT path's NUL error for a text-like column (``DataError``, sqlstate 22021).

    One join of the column's strings and one C-level search: a NUL cannot arise from
    joining strings that hold none, so the common case costs no Python loop per value.
    ``values`` are an array column's leaves when ``array``.
    """
    if kind not in _NUL_KINDS or str not in types:
        return
    strings = values if types == {str} else filter(str.__instancecheck__, values)
    if "\x00" not in "".join(strings):
        return
    row = next(i for i, v in enumerate(values) if isinstance(v, str) and "\x00" in v)
    where = "" if array else f"row {row + 1}, "  # array leaves: no row number
    text = f"copy_records: {where}column {column!r}: {_NUL_MESSAGE}"
    raise with_diagnostics(DataError(text), PostgresErrorInfo(sqlstate="22021", message=text, column_name=column))


def _needs_fix(values: Sequence[Any], types: Set[type], kind: int, binary: bool) -> bool:
    """Whether some value of a column of type ``kind`` needs its fix (``_fixer``); in binary,
    ValueError when the column cannot go in binary for this batch (module docstring).
    ``types`` is the set of the values' types (computed once per column by the caller)."""
    limits = _RANGES.get(kind)
    if limits is not None:
        # only plain ints are range-checked here; anything else (bool, numpy integers, floats,
        # Decimal, str) goes as text, where the server parses, casts and range-checks it
        if types - _PLAIN_INT:
            raise ValueError("a value other than an int for an integer column: sent as text")
        if int in types:
            integers = [value for value in values if value is not None]
            if min(integers) < limits[0] or max(integers) > limits[1]:
                raise ValueError("an integer out of its column's range: sent as text, for the server to reject")
        return False
    if kind == FLOAT4 and binary:
        if types - _PLAIN_FLOAT:
            raise ValueError("a value other than a float for a real column: sent as text")
        magnitudes = [abs(value) for value in values if value]  # zero and None need no check
        if any(_FLOAT4_MAX < m < math.inf or m < _FLOAT4_TINY for m in magnitudes):
            raise ValueError("a float beyond real (overflow or underflow): sent as text, for the server to reject")
        return False
    if kind == FLOAT4 or kind == FLOAT8:
        if binary and _binary_unsafe(types, kind):
            raise ValueError("a value other than a float or int for a double column: sent as text")
        return any(issubclass(t, Decimal) for t in types)  # the numeric -> float cast (text)
    if kind == BOOL:
        if types - {bool, _NONE}:
            raise ValueError("a non-bool for a bool column: sent as text, for the server to parse")
        return False
    if kind in TEXT_KINDS:
        others = types - {str, _NONE}
        converted = {t for t in others if kind_of(t) in TEXT_CONVERTED}
        if binary and others - converted:  # kinds not classified (an Enum...): psycopg's text
            raise ValueError("a value of an unclassified type for a text column: sent as text")
        return bool(converted)
    if binary and _binary_unsafe(types, kind):
        raise ValueError("a value its column's binary dumper would misread: sent as text")
    if kind == NUMERIC:
        return any(issubclass(t, float) for t in types)  # numpy's float64 is a float too
    if kind == MONEY:
        return any(issubclass(t, Decimal) for t in types)  # str(Decimal) may be 1E+2 (money_in refuses it)
    if kind == DATE:
        return any(issubclass(t, _dt.datetime) for t in types)
    if kind == TIMESTAMPTZ or kind == TIMESTAMP:
        if not any(issubclass(t, _dt.datetime) for t in types):
            return False
        zones = {value.tzinfo for value in values if isinstance(value, _dt.datetime)}
        return None in zones if kind == TIMESTAMPTZ else bool(zones - {None})
    if kind == JSON or kind == JSONB:
        return str in types
    return False


def _array_needs_fix(values: Sequence[Any], top_types: Set[type], leaves: List[Any], leaf_types: Set[type],
                     kind: int, binary: bool) -> bool:
    """``_needs_fix`` for an array column: its elements are checked as scalars; only the
    text conversions (``to_text``, element by element) are applied inside arrays."""
    if kind == JSON_ARRAY or kind == JSONB_ARRAY:
        if str in leaf_types:
            raise ValueError("JSON text inside a json array: sent as text, for the server to parse")
        return False
    if binary and top_types - {list, tuple, _NONE}:
        raise ValueError("array literal text for an array column: sent as text, for the server to parse")
    element = ARRAY_ELEMENTS[kind]
    needs = _needs_fix(leaves, leaf_types, element, binary)  # raises what a scalar would raise
    return needs and element in TEXT_KINDS


def _binary_unsafe(types: Set[type], kind: int) -> bool:
    """Whether some value is not of a type the column's binary dumper is made for (bool is
    an int but no number to PostgreSQL)."""
    safe = BINARY_SAFE.get(kind)
    if safe is None:
        return False
    return any(t is not _NONE and (not issubclass(t, safe) or t is bool) for t in types)


def _fixer(kind: int, timezone: Optional[_dt.tzinfo]) -> Callable[[Any], Any]:
    if kind == TIMESTAMPTZ:
        def fix(value: Any) -> Any:
            if isinstance(value, _dt.datetime) and value.tzinfo is None:
                if timezone is None:
                    raise ValueError("a naive datetime in an unknown session zone: sent as text")
                local = value.replace(tzinfo=timezone)
                if local.utcoffset() != value.replace(tzinfo=timezone, fold=1).utcoffset():
                    # a local time the clock skips or repeats (DST): PostgreSQL has its own rule
                    raise ValueError("an ambiguous local time: sent as text, for the server to resolve")
                return local
            return value
    elif kind == TIMESTAMP:
        def fix(value: Any) -> Any:
            if isinstance(value, _dt.datetime) and value.tzinfo is not None:
                if timezone is None:
                    raise _unknown_zone()
                return value.astimezone(timezone).replace(tzinfo=None)
            return value
    elif kind == DATE:
        def fix(value: Any) -> Any:
            if isinstance(value, _dt.datetime):
                if value.tzinfo is None:
                    return value.date()
                if timezone is None:
                    raise _unknown_zone()
                return value.astimezone(timezone).date()
            return value
    elif kind == NUMERIC:
        def fix(value: Any) -> Any:
            if isinstance(value, float):
                return Decimal(f"{value:.15g}") if math.isfinite(value) else Decimal(str(float(value)))
            return value
    elif kind in TEXT_KINDS:
        return to_text
    elif kind == MONEY:
        # money has no binary COPY in psycopg and takes text: a Decimal goes in positional
        # notation, the digits the numeric -> money cast of an INSERT starts from
        def fix(value: Any) -> Any:
            return to_text(value) if isinstance(value, Decimal) else value
    elif kind == FLOAT8 or kind == FLOAT4:
        # an INSERT casts a Decimal numeric -> float: correctly rounded from its digits (as
        # float() and the server's strtof are), and numeric has no negative zero
        def fix(value: Any) -> Any:
            if isinstance(value, Decimal) and value.is_finite():
                if value.is_zero():
                    return Decimal(0)
                return float(value) if kind == FLOAT8 else value
            return value
    elif ARRAY_ELEMENTS.get(kind) in TEXT_KINDS:
        def fix(value: Any) -> Any:
            if isinstance(value, (list, tuple)):
                return [fix(item) for item in value]
            return to_text(value)
    else:  # json / jsonb: a str is JSON text, as for a normal INSERT parameter
        def fix(value: Any) -> Any:
            if type(value) is str:
                return Json(value, str)  # the text as it is (Json suits a jsonb dumper too)
            return value
    return fix


def _enum_binary(values: Sequence[Any], types: Set[type], column: EnumColumn) -> None:
    """ValueError (the batch goes as text) unless every value is a member of the column's
    registered enum: psycopg's binary enum dumper maps members only (a label string, which
    an INSERT takes, was a bare KeyError); in text the server parses labels as an INSERT does."""
    if column.array:
        if types - {list, tuple, _NONE}:
            raise ValueError("array literal text for an enum array column: sent as text")
        types = set(map(type, _leaves(values)))
    if types - {column.enum, _NONE}:
        raise ValueError("a value other than a registered enum member for an enum column: sent as text")


def prepare_rows(rows: Sequence[Any], kinds: Sequence[Tuple[int, int]], binary: bool,
                 suggestions: Dict[type, Any], timezone: Optional[_dt.tzinfo],
                 names: Sequence[str] = ()) -> Sequence[Any]:
    """The rows to format: ``kinds`` lists (column index, column type) of the columns of
    ``FIX_KINDS`` and of registered enums (``EnumColumn``), ``names`` the columns' names (every
    row must have one value per column: ``RowShapeError``). Both formats: values of a kind
    the column does not take raise ``CopyValueError``. Binary: every scan and fix; text: the
    cast fixes, then the backend's adapter suggestions. The rows themselves are returned
    when nothing applies."""
    if names:
        check_row_widths(rows, names)
    fixes = []
    for i, kind in kinds:
        values = list(map(itemgetter(i), rows))
        types = set(map(type, values))
        name = names[i] if i < len(names) else f"#{i + 1}"
        if isinstance(kind, EnumColumn):
            if binary:
                _enum_binary(values, types, kind)
            continue
        if kind in ARRAY_ELEMENTS or kind == JSON_ARRAY or kind == JSONB_ARRAY:
            leaves = list(_leaves(values))
            leaf_types = set(map(type, leaves))
            element = ARRAY_ELEMENTS.get(kind, kind)
            _refuse_foreign(leaf_types, element, name, types)
            _refuse_nul(leaves, leaf_types, element, name, array=True)
            if (binary or element in _CAST_KINDS) and _array_needs_fix(values, types, leaves, leaf_types, kind, binary):
                fixes.append((i, _fixer(kind, timezone)))
            continue
        _refuse_foreign(types, kind, name)
        _refuse_nul(values, types, kind, name)
        if (binary or kind in _CAST_KINDS) and _needs_fix(values, types, kind, binary):
            fixes.append((i, _fixer(kind, timezone)))
    if fixes:
        fixed = []
        for row in rows:
            row = list(row)
            for i, fix in fixes:
                value = row[i]
                if value is not None:
                    row[i] = fix(value)
            fixed.append(row)
        rows = fixed
    if binary or not suggestions:
        return rows
    if set(map(type, chain.from_iterable(rows))).isdisjoint(suggestions):
        return rows
    out = []
    for row in rows:
        new = list(row)
        for i, value in enumerate(new):
            suggestion = suggestions.get(type(value))
            if suggestion is not None:
                new[i] = suggestion[0].to_database(value, suggestion[1])
        out.append(new)
    return out
