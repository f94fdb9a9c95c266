"""PostgreSQL types: psycopg-native adaptation plus what psycopg lacks.

psycopg 3 already dumps and loads most PostgreSQL types natively (lists as
arrays, UUID, Decimal, date/time, ipaddress, Range, ...), in binary where it
helps. The backend therefore converts as little as possible:

* adapter suggestions (by exact ``type(value)``, see ``build_adapter_suggestions``):
  ``dict`` and :class:`JsonbList` -> ``Jsonb``; ``tuple`` -> range when it is a
  README-style ``(lower, upper)`` range tuple;
* per-connection psycopg adapters (``configure_connection``): geometry classes,
  ±infinity dates/timestamps/intervals, money as Decimal, plain ``Enum`` members
  by value, range text of README tuples with string bounds;
* arrays of user-defined element types psycopg does not know as lists, from a catalogue
  query the backend runs on connect (``types.arrays``);
* pydantic-aware value types for model fields: :class:`Range`,
  :class:`Multirange`, :class:`JsonbList`, :data:`AsJsonb`, :class:`Hstore`,
  :class:`Point` ... :class:`Circle`;
* specs for ``backend.register_types``: :class:`EnumType`,
  :class:`CompositeType`, :class:`HstoreType`, :class:`RangeType`,
  :class:`MultirangeType`.

See docs/types.md for the full table.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Dict, Tuple, Type

from pydantic import Field

from .arrays import USER_ARRAYS_SQL, register_user_arrays
from .geometry import Box, Circle, Line, LineSegment, Lseg, Path, Point, Polygon, register_geometry
from .json import AsJson, AsJsonb, Json, Jsonb, JsonbAdapter, JsonbList, json_dumps, register_json
from .range import Multirange, Range, RangeText, TupleRangeAdapter, canonical, register_range_text
from .registration import (
    CompositeType,
    DefaultTypes,
    EnumType,
    GeometryTypes,
    Hstore,
    HstoreType,
    InfinityDates,
    MoneyType,
    MultirangeType,
    RangeType,
    TypeSpec,
    register_enum_by_value,
)
from .temporal import (
    DATE_INFINITY,
    DATE_NEG_INFINITY,
    INTERVAL_INFINITY,
    INTERVAL_NEG_INFINITY,
    TIMESTAMP_INFINITY,
    TIMESTAMP_NEG_INFINITY,
    TIMESTAMPTZ_INFINITY,
    TIMESTAMPTZ_NEG_INFINITY,
    register_infinity,
    register_money,
)

#: ``Decimal`` that also accepts NaN and ±Infinity (pydantic rejects them for a
#: plain ``Decimal`` field): ``amount: Numeric``. ±Infinity needs PostgreSQL 14+.
Numeric = Annotated[Decimal, Field(allow_inf_nan=True)]

__all__ = [
    "Numeric",
    "register_adapters", "build_adapter_suggestions", "configure_connection",
    "USER_ARRAYS_SQL", "register_user_arrays",
    "JsonbAdapter", "JsonbList", "AsJsonb", "AsJson", "Json", "Jsonb", "json_dumps",
    "Range", "Multirange", "RangeText", "TupleRangeAdapter", "canonical",
    "Point", "Line", "LineSegment", "Lseg", "Box", "Path", "Polygon", "Circle",
    "TypeSpec", "EnumType", "CompositeType", "HstoreType", "Hstore", "RangeType", "MultirangeType",
    "GeometryTypes", "InfinityDates", "MoneyType", "DefaultTypes",
    "DATE_INFINITY", "DATE_NEG_INFINITY", "TIMESTAMP_INFINITY", "TIMESTAMP_NEG_INFINITY",
    "TIMESTAMPTZ_INFINITY", "TIMESTAMPTZ_NEG_INFINITY", "INTERVAL_INFINITY", "INTERVAL_NEG_INFINITY",
]


def _our_adapters() -> Tuple[Any, ...]:
    return (JsonbAdapter(), TupleRangeAdapter())


def register_adapters(registry: Any) -> None:
    """Register our adapters in a backend's core ``TypeRegistry`` (once per backend)."""
    for adapter in _our_adapters():
        for py_type, db_types in adapter.supported_types.items():
            for db_type in db_types:
                registry.register(adapter, py_type, db_type, allow_override=True)


def build_adapter_suggestions(registry: Any) -> Dict[Type, Tuple[Any, Type]]:
    """Python type -> (adapter, driver type) for parameters psycopg cannot adapt itself.

    Called once per backend (the result is cached): the core looks the table up
    by exact ``type(value)`` for every parameter, and by a model field's type for
    reading back. ``list`` is deliberately absent (a list is a PostgreSQL array),
    and so is ``dict``: ``configure_connection`` teaches psycopg to dump a dict as
    jsonb itself, so no Python-level wrapping happens per value or per row.
    """
    from psycopg.types.range import Range as PgRange

    suggestions: Dict[Type, Tuple[Any, Type]] = {}
    for py_type, db_type in ((JsonbList, Jsonb), (tuple, PgRange)):
        adapter = registry.get_adapter(py_type, db_type)
        if adapter is not None:
            suggestions[py_type] = (adapter, db_type)
    return suggestions


def configure_connection(connection: Any) -> None:
    """Per-connection psycopg adapters (pure, no I/O): call on every new connection.

    Geometry classes, ±infinity dates/timestamps/intervals as sentinels, money as
    Decimal, a plain ``dict`` parameter dumped as jsonb (psycopg's JsonbDumper, with
    :func:`json_dumps`: Decimals inside become exact JSON numbers),
    a plain ``Enum`` member by its value (psycopg's default uses the name, which a
    model, validating by value, cannot read back) and :class:`RangeText` as
    unknown-typed text. (Arrays of user types psycopg does not know need the catalogue's
    rows: ``register_user_arrays``, which the backend calls after the registered types.)
    """
    register_json(connection)
    register_enum_by_value(connection)
    register_range_text(connection)
    register_geometry(connection)
    register_infinity(connection)
    register_money(connection)
