"""Specs for ``backend.register_types(*specs)``: server-defined types.

The backend fetches ``spec.info_class.fetch(connection, spec.name)`` once, keeps
the info, and calls ``spec.register(info, connection)`` on every (re)connection::

    backend.register_types(EnumType("mood", Mood), CompositeType("address", Address),
                           HstoreType())             # async: await backend.register_types(...)

Model fields then use the Python types: ``mood: Mood``, ``address: Address``,
``attrs: Hstore``.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Callable, Generic, Mapping, Optional, Type, TypeVar

from psycopg.types import TypeInfo
from psycopg.types.composite import CompositeInfo, register_composite
from psycopg.types.enum import EnumInfo, register_enum
from psycopg.types.hstore import register_hstore
from psycopg.types.multirange import MultirangeInfo, register_multirange
from psycopg.types.range import RangeInfo, register_range

from ._pydantic import identity_schema

__all__ = [
    "TypeSpec", "EnumType", "CompositeType", "HstoreType", "Hstore", "HstoreValue", "RangeType", "MultirangeType",
    "GeometryTypes", "InfinityDates", "MoneyType", "DefaultTypes",
]


# The psycopg TypeInfo subclass a spec's register() receives (its info_class's).
_InfoT = TypeVar("_InfoT", bound=TypeInfo)


class TypeSpec(Generic[_InfoT]):
    """Base of the specs: ``name`` (the PostgreSQL type, schema-qualified if need
    be), ``info_class`` (a psycopg ``TypeInfo`` class) and ``register(info, context)``."""

    name: str
    info_class: Type[TypeInfo] = TypeInfo

    def register(self, info: _InfoT, context: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class EnumType(TypeSpec[EnumInfo]):
    """A PostgreSQL enum loaded as (and dumped from) a Python ``Enum``.

    By default the Python member *names* match the PostgreSQL labels; pass
    ``mapping={Member: "label", ...}`` (psycopg's format) otherwise. Without a
    Python enum, psycopg builds one from the labels (same class on every
    reconnection: ``spec.python_enum`` after the first registration).
    """

    info_class = EnumInfo

    def __init__(self, name: str, python_enum: Optional[Type[Enum]] = None,
                 mapping: Optional[Mapping[Any, str]] = None) -> None:
        self.name = name
        self.python_enum = python_enum
        self.mapping = mapping

    def register(self, info: EnumInfo, context: Any) -> None:
        register_enum(info, context, self.python_enum, mapping=self.mapping)
        if self.python_enum is None:
            self.python_enum = info.enum


class CompositeType(TypeSpec[CompositeInfo]):
    """A composite type (``CREATE TYPE x AS (...)``) as a Python class.

    ``python_class_or_factory``: a class called with the fields in order
    (a ``NamedTuple`` is the natural choice), or a callable building the
    object; ``None`` lets psycopg make a namedtuple. For model fields use a
    ``NamedTuple``: pydantic dumps it as a plain tuple, which PostgreSQL reads
    as the composite's literal (except a 2-tuple of range bounds such as
    ``(1, 2)`` in a field declared plain ``tuple``, which the README's range
    spelling turns into a range).
    """

    info_class = CompositeInfo

    def __init__(self, name: str, python_class_or_factory: Optional[Callable[..., Any]] = None) -> None:
        self.name = name
        self.factory = python_class_or_factory

    def register(self, info: CompositeInfo, context: Any) -> None:
        register_composite(info, context, self.factory)
        if self.factory is None:
            self.factory = info.python_type


class Hstore(dict):
    """``dict[str, str | None]`` stored in an ``hstore`` column (a distinct type:
    a plain ``dict`` is sent as JSONB). Needs ``HstoreType()`` registered."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        def validate(value: Any) -> "Hstore":
            if isinstance(value, cls):
                return value
            if isinstance(value, HstoreValue):  # our own model_dump() output
                value = value.value
            if isinstance(value, Mapping):
                out = cls()
                for key, item in value.items():
                    if not isinstance(key, str) or not (item is None or isinstance(item, str)):
                        raise ValueError("hstore keys must be str and values str or None")
                    out[key] = item
                return out
            raise ValueError(f"expected a mapping for hstore, got {type(value).__name__}")

        # python mode: a wrapper that only the hstore dumper knows (a dict subclass
        # would come out of model_dump() as a plain dict, i.e. JSONB)
        return identity_schema(cls, validate, dict, python=HstoreValue)


class HstoreValue:
    """What ``model_dump()`` gives for an :class:`Hstore` field: dumped as hstore."""

    __slots__ = ("value",)

    def __init__(self, value: Mapping[str, Optional[str]]) -> None:
        self.value = value

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, HstoreValue) and other.value == self.value

    def __repr__(self) -> str:
        return f"HstoreValue({self.value!r})"


class HstoreType(TypeSpec[TypeInfo]):
    """The ``hstore`` extension (``CREATE EXTENSION hstore`` first)."""

    def __init__(self, name: str = "hstore") -> None:
        self.name = name

    def register(self, info: TypeInfo, context: Any) -> None:
        from psycopg.types.hstore import _make_hstore_binary_dumper, _make_hstore_dumper
        from psycopg.types.json import JsonbDumper

        register_hstore(info, context)
        adapters = context.adapters
        # psycopg's register_hstore claims every dict; ours stay jsonb (types.configure_connection)
        # and hstore values are the distinct Hstore/HstoreValue types.
        adapters.register_dumper(dict, JsonbDumper)
        adapters.register_dumper(Hstore, _make_hstore_dumper(info.oid))
        for make in (_make_hstore_dumper, _make_hstore_binary_dumper):
            base = make(info.oid)

            def dump(self: Any, obj: Any, _base: Any = base) -> Any:
                return _base.dump(self, obj.value)

            adapters.register_dumper(HstoreValue, type(f"Value{base.__name__}", (base,), {"dump": dump}))


class RangeType(TypeSpec[RangeInfo]):
    """A user-defined range type (``CREATE TYPE floatrange AS RANGE (...)``);
    the built-in ranges need no registration."""

    info_class = RangeInfo

    def __init__(self, name: str) -> None:
        self.name = name

    def register(self, info: RangeInfo, context: Any) -> None:
        register_range(info, context)


class MultirangeType(TypeSpec[MultirangeInfo]):
    """The multirange of a user-defined range type (PostgreSQL 14+)."""

    info_class = MultirangeInfo

    def __init__(self, name: str) -> None:
        self.name = name

    def register(self, info: MultirangeInfo, context: Any) -> None:
        register_multirange(info, context)


class GeometryTypes(TypeSpec[TypeInfo]):
    """Our geometry classes (types.geometry) for point ... circle. Built in to
    ``configure_connection``; as a spec for backends that do not call it yet."""

    def __init__(self) -> None:
        self.name = "point"

    def register(self, info: TypeInfo, context: Any) -> None:
        from .geometry import register_geometry

        register_geometry(context)


class InfinityDates(TypeSpec[TypeInfo]):
    """±infinity dates/timestamps as sentinels (types.temporal)."""

    def __init__(self) -> None:
        self.name = "date"

    def register(self, info: TypeInfo, context: Any) -> None:
        from .temporal import register_infinity

        register_infinity(context)


class MoneyType(TypeSpec[TypeInfo]):
    """money loaded as ``Decimal`` (types.temporal)."""

    def __init__(self) -> None:
        self.name = "money"

    def register(self, info: TypeInfo, context: Any) -> None:
        from .temporal import register_money

        register_money(context)


class DefaultTypes(TypeSpec[TypeInfo]):
    """Everything ``configure_connection`` does, as one spec (name ``"int4"``)."""

    def __init__(self) -> None:
        self.name = "int4"

    def register(self, info: TypeInfo, context: Any) -> None:
        from . import configure_connection

        configure_connection(context)
