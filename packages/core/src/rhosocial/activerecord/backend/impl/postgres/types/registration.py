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

from psycopg.abc import AdaptContext
from psycopg.adapt import Dumper, PyFormat, Transformer
from psycopg.pq import Format
from psycopg.types import TypeInfo
from psycopg.types.composite import CompositeInfo, register_composite
from psycopg.types.enum import EnumInfo, register_enum
from psycopg.types.hstore import register_hstore
from psycopg.types.multirange import MultirangeInfo, register_multirange
from psycopg.types.range import RangeInfo, register_range

from ._pydantic import identity_schema

__all__ = [
    "TypeSpec", "EnumType", "CompositeType", "HstoreType", "Hstore", "HstoreValue", "RangeType", "MultirangeType",
    "GeometryTypes", "InfinityDates", "MoneyType", "DefaultTypes", "register_enum_by_value",
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

    By default the Python member *names* match the PostgreSQL labels, or, when
    more of the members' string *values* match them (``HAPPY = "happy"`` for the
    label ``happy``), the values; pass ``mapping={Member: "label", ...}``
    (psycopg's format) otherwise. Without a Python enum, psycopg builds one from
    the labels (same class on every reconnection: ``spec.python_enum`` after the
    first registration).
    """

    info_class = EnumInfo

    def __init__(self, name: str, python_enum: Optional[Type[Enum]] = None,
                 mapping: Optional[Mapping[Any, str]] = None) -> None:
        self.name = name
        self.python_enum = python_enum
        self.mapping = mapping

    def register(self, info: EnumInfo, context: Any) -> None:
        mapping: Any = self.mapping
        if mapping is None and self.python_enum is not None:
            mapping = _value_mapping(self.python_enum, info.labels)
        register_enum(info, context, self.python_enum, mapping=mapping)
        if self.python_enum is None:
            self.python_enum = info.enum


def _value_mapping(python_enum: Type[Enum], labels: Any) -> Optional[list]:
    """Member -> its value as label, if the values match more labels than the names do.

    psycopg maps by name; a model validates an Enum field by value, and the common
    ``HAPPY = "happy"`` enum for the label ``happy`` would otherwise fail to save
    (``invalid input value for enum``) and to load (``bad member``).
    """
    known = set(labels)
    members = list(python_enum)
    by_name = sum(member.name in known for member in members)
    by_value = [(member, member.value) for member in members
                if isinstance(member.value, str) and member.value in known]
    return by_value if len(by_value) > by_name else None


# -- plain Python enums (no server enum registered) ---------------------------
class _EnumValueDumper(Dumper):
    """An ``Enum`` member dumped as its ``value``, with the dumper psycopg would use
    for that value itself (``Status.ACTIVE = "active"`` -> ``'active'``, an int-valued
    member -> that int).

    psycopg's default dumps an unregistered Enum by *name*, which the model layer (it
    validates by value) then cannot read back. Registered for ``Enum``: psycopg looks
    dumpers up along the class's MRO, so a class registered with a server enum type
    (:class:`EnumType`), and ``str`` / ``int`` mixins (``StrEnum``, ``IntEnum``: their
    ``str`` / ``int`` base comes first), keep their own dumpers. Each member is its own
    dumper key: the value's dumper (and its format and oid) is resolved once per member
    and cached by psycopg, so only ``dump`` runs per value.
    """

    def __init__(self, cls: type, context: AdaptContext | None = None):
        super().__init__(cls, context)
        self._context = context
        self._inner: Any = None

    def get_key(self, obj: Any, format: PyFormat) -> Any:
        return (_EnumValueDumper, obj)

    def upgrade(self, obj: Any, format: PyFormat) -> Dumper:
        inner = Transformer.from_context(self._context).get_dumper(obj.value, format)
        wrapper = (_EnumValueBinaryDumper if inner.format == Format.BINARY else _EnumValueTextDumper)(
            type(obj), self._context)
        wrapper._inner = inner
        wrapper.oid = inner.oid
        return wrapper

    def dump(self, obj: Any) -> Any:
        return self._inner.dump(obj.value)

    def quote(self, obj: Any) -> Any:
        return self._inner.quote(obj.value)


class _EnumValueTextDumper(_EnumValueDumper):
    format = Format.TEXT


class _EnumValueBinaryDumper(_EnumValueDumper):
    format = Format.BINARY


def register_enum_by_value(context: Any) -> None:
    """Dump plain Python ``Enum`` members by value on ``context`` (``configure_connection``)."""
    adapters = context.adapters
    adapters.register_dumper(Enum, _EnumValueBinaryDumper)
    # registered last: the choice for %s, whose upgrade picks the value's own AUTO dumper
    adapters.register_dumper(Enum, _EnumValueTextDumper)


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

        from .json import register_dict_as_jsonb

        register_hstore(info, context)
        adapters = context.adapters
        # psycopg's register_hstore claims every dict; ours stay jsonb (types.configure_connection)
        # and hstore values are the distinct Hstore/HstoreValue types.
        register_dict_as_jsonb(context)
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
