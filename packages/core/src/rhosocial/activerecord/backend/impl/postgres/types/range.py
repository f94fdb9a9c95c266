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
  empty range. Only 2-tuples whose items are ``int``, ``Decimal``, ``date`` or
  ``datetime`` (or ``None``) of one family are converted; other tuples are
  passed to psycopg untouched.

Custom range types (``CREATE TYPE floatrange AS RANGE (subtype = float8)``)
need :class:`~.registration.RangeType` / ``MultirangeType`` registration.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Dict, Optional, Type

from psycopg.types.multirange import Multirange as _PgMultirange
from psycopg.types.range import Range as _PgRange
from rhosocial.activerecord.backend.type_adapter import BaseSQLTypeAdapter

from ._pydantic import identity_schema

__all__ = ["Range", "Multirange", "TupleRangeAdapter", "canonical", "range_to_json"]


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


class Range(_PgRange):
    """psycopg's ``Range`` plus pydantic support (accepts a psycopg ``Range`` or a
    ``(lower, upper[, bounds])`` sequence when validating)."""

    __slots__ = ()

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        def validate(value: Any) -> "Range":
            if isinstance(value, cls):
                return value
            if isinstance(value, _PgRange):
                if value.isempty:
                    return cls(empty=True)
                return cls(value.lower, value.upper, value.bounds)
            if isinstance(value, (tuple, list)) and len(value) in (2, 3):
                return cls(*value)
            if isinstance(value, (tuple, list)) and len(value) == 0:
                return cls(empty=True)
            raise ValueError(f"expected a Range or (lower, upper[, bounds]), got {type(value).__name__}")

        return identity_schema(cls, validate, range_to_json)


class Multirange(_PgMultirange):
    """psycopg's ``Multirange`` plus pydantic support (accepts any iterable of ranges)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        def validate(value: Any) -> "Multirange":
            if isinstance(value, cls):
                return value
            if isinstance(value, (_PgMultirange, list, tuple)):
                items = []
                for item in value:
                    if isinstance(item, _PgRange):
                        items.append(item)
                    elif isinstance(item, (tuple, list)) and len(item) in (2, 3):
                        items.append(Range(*item))
                    else:
                        raise ValueError(f"multirange items must be ranges, got {type(item).__name__}")
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
    if isinstance(bound, datetime):
        return "tstz" if bound.tzinfo is not None else "ts"
    if isinstance(bound, date):
        return "date"
    return None


def tuple_as_range(value: tuple) -> Optional[_PgRange]:
    """The range a README-style tuple stands for, or None if it is not one."""
    if len(value) == 0:
        return _PgRange(empty=True)
    if len(value) != 2:
        return None
    lower, upper = value
    families = {_family(lower), _family(upper)}
    if None in families:
        return None
    families.discard("none")
    if families == {"int", "num"}:
        lower = None if lower is None else Decimal(lower)
        upper = None if upper is None else Decimal(upper)
    elif len(families) > 1:
        return None
    return _PgRange(lower, upper, "[]")


class TupleRangeAdapter(BaseSQLTypeAdapter):
    """``tuple`` <-> range (the README's ``date_range: tuple`` spelling).

    Writing: a 2-tuple of range bounds becomes ``Range(lower, upper, '[]')``;
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
            if lower is not None and not value.lower_inc:
                lower = lower + step
            if upper is not None and not value.upper_inc:
                upper = upper - step
        return (lower, upper)
