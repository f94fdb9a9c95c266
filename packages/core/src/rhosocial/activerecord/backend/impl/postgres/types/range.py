"""Range and multirange types.

First-class types for model fields:

* :class:`Range` -- psycopg's ``Range`` made usable as a pydantic field type
  (``period: Optional[Range] = None`` or ``Range[date]``). Any bounds
  (``'[)'``, ``'(]'``, ``'[]'``, ``'()'``), unbounded sides (``None``) and the
  empty range (``Range(empty=True)``) round-trip exactly. Discrete ranges
  (int4range, int8range, daterange) come back in PostgreSQL's canonical
  ``'[)'`` form: ``Range(1, 5, '[]') == Range(1, 6, '[)')`` is False in Python
  but both denote the same range -- compare with :func:`canonical` or use '[)'.
* :class:`Multirange` (PostgreSQL 14+).
* The README's tuple spelling: a field declared ``tuple`` (``date_range:
  tuple``) written as ``(lower, upper)`` is stored as the *inclusive* range
  ``[lower, upper]`` and read back as an inclusive ``(lower, upper)`` tuple
  (discrete ranges: upper - 1 step). ``None`` means unbounded, ``()`` is the
  empty range. 2-tuples whose items are ``int``, ``Decimal``, ``float``,
  ``date`` or ``datetime`` (or ``None``) of one family are converted to a
  ``Range`` (``float`` and mixed numbers: a numeric range); 2-tuples holding
  strings that read as bounds (``"2024-01-01"``, ``"1.5"``, what a JSON round
  trip gives) are sent as the range text ``'[a,b]'`` of unknown type, which the
  server parses as the column's range type. Other tuples are passed to psycopg
  untouched (a record). Never leave a range tuple to psycopg: it sends the
  record literal ``(a,b)``, which PostgreSQL's range input reads as exclusive.

Custom range types (``CREATE TYPE floatrange AS RANGE (subtype = float8)``)
need :class:`~.registration.RangeType` / ``MultirangeType`` registration.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Dict, Optional, Type, TypeVar

import psycopg
from psycopg.abc import AdaptContext
from psycopg.adapt import Dumper, PyFormat, Transformer
from psycopg.types.composite import TupleDumper as _RecordDumper
from psycopg.types.multirange import Multirange as _PgMultirange
from psycopg.types.range import Range as _PgRange
from rhosocial.activerecord.backend.type_adapter import BaseSQLTypeAdapter

from ._pydantic import identity_schema
from .range_parse import as_range, bound_parser, parse_iso_datetime

__all__ = ["Range", "Multirange", "RangeText", "TupleRangeAdapter", "canonical", "range_to_json",
           "range_tuple_hint", "register_range_text"]


def range_to_json(value: _PgRange) -> Any:
    if value.isempty:
        return "empty"
    return {"lower": _json_bound(value.lower), "upper": _json_bound(value.upper), "bounds": value.bounds}


def _json_bound(bound: Any) -> Any:
    if bound is None or isinstance(bound, (int, float, str)):
        return bound
    if isinstance(bound, (date, datetime)):
        return bound.isoformat()
    return str(bound)


_T = TypeVar("_T")


class Range(_PgRange[_T]):
    """psycopg's ``Range`` plus pydantic support. Validation accepts a psycopg ``Range``,
    a ``(lower, upper[, bounds])`` sequence, and what the JSON serialiser writes (a
    ``{"lower", "upper", "bounds"}`` dict, ``"empty"``) or PostgreSQL's range text
    (``"[1,5)"``), so ``Model.model_validate_json(m.model_dump_json())`` round-trips."""

    __slots__ = ()

    def __getstate__(self) -> Dict[str, Any]:
        # psycopg's __getstate__ reads self.__slots__, which is this class's (empty) one:
        # copies and pickles came out without bounds ("no attribute '_bounds'")
        return {slot: getattr(self, slot) for slot in _PgRange.__slots__ if hasattr(self, slot)}

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        parse = bound_parser(source)

        def validate(value: Any) -> "Range[Any]":
            if isinstance(value, cls):
                return value
            result = as_range(value, cls, parse)
            if result is None:
                raise ValueError(f"expected a Range, (lower, upper[, bounds]), a range dict or text, "
                                 f"got {type(value).__name__}")
            return result

        return identity_schema(cls, validate, range_to_json)


class Multirange(_PgMultirange):
    """psycopg's ``Multirange`` plus pydantic support (accepts any iterable of ranges, each
    in any form ``Range`` accepts: the JSON round trip gives a list of range dicts)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        parse = bound_parser(source)

        def validate(value: Any) -> "Multirange":
            if isinstance(value, cls):
                return value
            if isinstance(value, (_PgMultirange, list, tuple)):
                items = []
                for item in value:
                    one = as_range(item, Range, parse)
                    if one is None:
                        raise ValueError(f"multirange items must be ranges, got {type(item).__name__}")
                    items.append(one)
                return cls(items)
            raise ValueError(f"expected a Multirange or a list of ranges, got {type(value).__name__}")

        return identity_schema(cls, validate, lambda mr: [range_to_json(r) for r in mr])


def _step(bound: Any) -> Any:
    """The discrete step of a bound (None for continuous subtypes)."""
    if isinstance(bound, bool):
        return None
    if isinstance(bound, int):
        return 1
    if isinstance(bound, date) and not isinstance(bound, datetime):
        return timedelta(days=1)
    return None


def canonical(value: _PgRange) -> _PgRange:
    """A discrete range in PostgreSQL's canonical '[)' form (others unchanged)."""
    if value.isempty:
        return value
    lower, upper = value.lower, value.upper
    step = _step(lower if lower is not None else upper)
    if step is None:
        return value
    if lower is not None and not value.lower_inc:
        lower = lower + step
    if upper is not None and value.upper_inc:
        upper = upper + step
    return type(value)(lower, upper, "[)" if lower is not None else "()")


def _family(bound: Any) -> Optional[str]:
    if bound is None:
        return "none"
    if isinstance(bound, bool):
        return None
    if isinstance(bound, int):
        return "int"
    if isinstance(bound, Decimal):
        return "num"
    if isinstance(bound, float):
        return "float"
    if isinstance(bound, datetime):
        return "tstz" if bound.tzinfo is not None else "ts"
    if isinstance(bound, date):
        return "date"
    if isinstance(bound, str):
        return "str"
    return None


_NUMBERS = frozenset({"int", "num", "float"})
_INFINITY_TEXT = frozenset({"infinity", "+infinity", "-infinity"})


def _is_upper_infinity(bound: Any) -> bool:
    """Is ``bound`` the +infinity sentinel of its type (types.temporal), or its text?"""
    if isinstance(bound, str):
        return bound.strip().lower() in ("infinity", "+infinity")
    if isinstance(bound, datetime):
        return bound.replace(tzinfo=None) == datetime.max and bound.utcoffset() in (None, timedelta(0))
    return isinstance(bound, date) and bound == date.max


def _is_infinity(bound: Any) -> bool:
    if isinstance(bound, datetime):
        return bound.utcoffset() in (None, timedelta(0)) and bound.replace(tzinfo=None) in (datetime.max, datetime.min)
    return type(bound) is date and bound in (date.max, date.min)


def _looks_like_bound(text: str) -> bool:
    """A string that a range of numbers, dates or timestamps could hold (ISO text, a
    number, ±infinity). Other strings (``("x", "y")``: a 2-text composite) stay records."""
    text = text.strip()
    if text.lower() in _INFINITY_TEXT:
        return True
    try:
        Decimal(text)
        return "_" not in text
    except ArithmeticError:
        pass
    try:
        parse_iso_datetime(text)
        return True
    except ValueError:
        return False


def _bound_text(bound: Any) -> str:
    if bound is None:
        return ""
    if isinstance(bound, str):
        text = bound
    elif isinstance(bound, (date, datetime)) and _is_infinity(bound):
        text = "infinity" if _is_upper_infinity(bound) else "-infinity"
    elif isinstance(bound, (date, datetime)):
        text = bound.isoformat()
    elif isinstance(bound, float):
        text = repr(bound)
    else:
        text = str(bound)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class RangeText(str):
    """Range literal text (``'[2024-01-01,2024-01-07]'``) sent with the *unknown* type,
    so that the server parses it as the range type the column or operator needs: what a
    README range tuple with string bounds becomes (they cannot be typed client-side)."""

    __slots__ = ()


def register_range_text(context: AdaptContext) -> None:
    """Dump :class:`RangeText` as unknown-typed text on ``context`` (whatever dumper a
    user registered for ``str``): psycopg's default text dumper for ``str`` has oid 0;
    and README range tuples inside lists as ranges (``_TupleDumper``)."""
    dumper = psycopg.adapters.get_dumper(str, PyFormat.TEXT)
    context.adapters.register_dumper(RangeText, dumper)
    context.adapters.register_dumper(tuple, _TupleDumper)


class _TupleDumper(Dumper):
    """``tuple`` for psycopg: a README range tuple becomes its range, anything else
    psycopg's record text (its default ``TupleDumper``).

    A top-level tuple parameter is converted by the backend's adapter suggestions before
    psycopg sees it; inside a list (``[(1, 3)]`` for ``int4range[]``) the record text
    ``(1,3)`` was read by the server as the exclusive ``[2,3)``. Same rule in both places
    (``tuple_as_range``, exact ``tuple`` only): dumped as a list of ``Range`` is.
    """

    def __init__(self, cls: type, context: Optional[AdaptContext] = None):
        super().__init__(cls, context)
        self._context = context
        self._inner: Any = None
        self._record: Any = None

    def get_key(self, obj: Any, format: PyFormat) -> Any:
        value = tuple_as_range(obj) if type(obj) is tuple else None
        if value is None:
            return self.cls
        inner = Transformer.from_context(self._context).get_dumper(value, format)
        return (_TupleDumper, inner.get_key(value, format))

    def upgrade(self, obj: Any, format: PyFormat) -> Dumper:
        value = tuple_as_range(obj) if type(obj) is tuple else None
        if value is None:
            return self
        inner = Transformer.from_context(self._context).get_dumper(value, format)
        wrapper = _TupleRangeDumper(self.cls, self._context)
        wrapper._inner, wrapper.oid, wrapper.format = inner, inner.oid, inner.format
        return wrapper

    def dump(self, obj: Any) -> Any:
        # psycopg picks a list's element dumper from one element: here a record, so a range
        # tuple elsewhere in the list would silently be a record (an exclusive range) again
        if type(obj) is tuple and tuple_as_range(obj) is not None:
            raise _mixed(obj, "a range tuple")
        if self._record is None:
            self._record = _RecordDumper(self.cls, self._context)
        return self._record.dump(obj)


def _mixed(obj: Any, what: str) -> psycopg.DataError:
    return psycopg.DataError(f"{obj!r} is {what} in a list with other tuples: a list holds range tuples (2-tuples "
                             "of range bounds, () for empty) or records, not both; pass Range objects")


class _TupleRangeDumper(_TupleDumper):
    """A list's tuples as the range type psycopg picked for one of them (``upgrade``)."""

    def dump(self, obj: Any) -> Any:
        value = tuple_as_range(obj) if type(obj) is tuple else obj
        if value is None:
            raise _mixed(obj, "not a range tuple")
        return self._inner.dump(value)

    def quote(self, obj: Any) -> Any:
        return self._inner.quote(tuple_as_range(obj) if type(obj) is tuple else obj)


def _upper_bracket(upper: Any) -> str:
    # ±infinity bounds are values, not "unbounded": '[a,infinity)' is what PostgreSQL
    # stores and returns, so an infinite upper bound is written exclusive to round-trip
    return ")" if upper is not None and _is_upper_infinity(upper) else "]"


def tuple_as_range(value: tuple) -> Any:
    """The range a README-style tuple stands for (a ``Range``, or ``RangeText`` for
    string bounds), or None if it is not one."""
    if len(value) == 0:
        return _PgRange(empty=True)
    if len(value) != 2:
        return None
    lower, upper = value
    families = {_family(lower), _family(upper)}
    if None in families:
        return None
    families.discard("none")
    if "str" in families:
        # strings (a JSON round trip turns dates and Decimals into them) cannot be typed
        # here: the server parses '[a,b]' as the column's range type. Strings that do not
        # read as bounds keep the tuple a record (a composite such as (1, 'x')).
        if not all(_looks_like_bound(b) for b in (lower, upper) if isinstance(b, str)):
            return None
        if families - {"str"} - _NUMBERS - {"date", "ts", "tstz"}:
            return None
        return RangeText(f"[{_bound_text(lower)},{_bound_text(upper)}{_upper_bracket(upper)}")
    if len(families) > 1 or "float" in families:
        if not families <= _NUMBERS:
            return None
        # a numeric range (floats by their shortest repr: 0.1 is 0.1, not 0.1000000000000000055...)
        lower = None if lower is None else Decimal(repr(lower) if isinstance(lower, float) else lower)
        upper = None if upper is None else Decimal(repr(upper) if isinstance(upper, float) else upper)
    return _PgRange(lower, upper, "[" + _upper_bracket(upper))


class TupleRangeAdapter(BaseSQLTypeAdapter):
    """``tuple`` <-> range (the README's ``date_range: tuple`` spelling).

    Writing: a 2-tuple of range bounds becomes ``Range(lower, upper, '[]')`` (an
    infinite upper bound: ``'[)'``); string bounds become ``RangeText('[a,b]')``;
    anything else is returned unchanged. Reading: a range becomes an inclusive
    ``(lower, upper)`` tuple (discrete subtypes: upper - 1 step; an exclusive
    bound of a continuous range is returned as is), the empty range ``()``;
    non-range values pass through.
    """

    def __init__(self) -> None:
        super().__init__()
        self._register_type(tuple, _PgRange)

    def _do_to_database(self, value: Any, target_type: Type, options: Optional[Dict[str, Any]]) -> Any:
        if type(value) is tuple:
            as_range = tuple_as_range(value)
            if as_range is not None:
                return as_range
        return value

    def _do_from_database(self, value: Any, target_type: Type, options: Optional[Dict[str, Any]]) -> Any:
        if not isinstance(value, _PgRange):
            return value
        if value.isempty:
            return ()
        lower, upper = value.lower, value.upper
        step = _step(lower if lower is not None else upper)
        if step is not None:
            # the ±infinity sentinels (date.max/min) are kept: stepping them would turn
            # '[2024-01-01,infinity)' into a finite date, and write back a finite range
            if lower is not None and not value.lower_inc and not _is_infinity(lower):
                lower = lower + step
            if upper is not None and not value.upper_inc and not _is_infinity(upper):
                upper = upper - step
        return (lower, upper)


#: SQLSTATEs with which the server refuses a range sent for a composite column:
#: invalid_text_representation (unknown-typed text: "malformed record literal") and
#: datatype_mismatch (a typed range: "is of type item but expression is of type int4range")
RANGE_TUPLE_SQLSTATES = frozenset({"22P02", "42804"})


def range_tuple_hint(original: Any, sent: Any, context: Optional[str]) -> Optional[str]:
    """Why the server refused a README range tuple, for the error message (error path only).

    A 2-field composite dumps, through a model, as a plain 2-tuple; when both items read
    as range bounds (``Item(None, 3)``: unbounded lower, upper 3) it is sent as a range and
    the server refuses it. ``original`` / ``sent`` are the parameters before and after the
    tuple conversion; ``context`` the server's CONTEXT line ("... parameter $3 = ...").
    """
    if isinstance(original, dict):
        pairs = [(f"%({key})s", value, sent.get(key)) for key, value in original.items()]
    else:
        pairs = [(f"${index + 1}", value, new) for index, (value, new) in enumerate(zip(original, sent))]
    converted = [(label, value, new) for label, value, new in pairs if type(value) is tuple and new is not value]
    named = re.search(r"\$(\d+)", context or "")
    if named and not isinstance(original, dict):
        converted = [item for item in converted if item[0] == f"${named.group(1)}"]
    if not converted:
        return None
    label, value, new = converted[0]
    return (f"parameter {label}: the tuple {value!r} was sent as the range {new!r}, since a 2-tuple of "
            "range bounds (None = unbounded) stands for a range (the README's `date_range: tuple`). "
            "If the column is a composite type, pass the NamedTuple instance itself (raw SQL), or see "
            "'Composite caveat' in docs/types.md.")
