"""Geometric types: point, line, lseg, box, path, polygon, circle.

psycopg has no Python classes for them (it returns the text form). These small
immutable value classes are dumped and loaded by psycopg once
:func:`register_geometry` ran on a connection (``configure_connection`` does it
for every connection of the backend). Coordinates are ``float`` (PostgreSQL's
float8); values are written with ``repr(float)`` so they round-trip exactly.

They serialise to themselves in ``model_dump()`` (python mode) so that saving a
model sends the object, and to the PostgreSQL text form in JSON mode. (They are
deliberately not dataclasses: pydantic would dump a dataclass as a dict.)
"""

from __future__ import annotations

import re
from typing import Any, Iterable, List, Tuple

from psycopg import postgres
from psycopg.abc import AdaptContext
from psycopg.adapt import Dumper, Loader

from ._pydantic import identity_schema

__all__ = [
    "Point", "Line", "LineSegment", "Lseg", "Box", "Path", "Polygon", "Circle",
    "register_geometry", "GEOMETRY_TYPES",
]

_NUMBER = re.compile(r"[-+]?(?:Infinity|inf|NaN|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")


def _numbers(text: str) -> List[float]:
    return [float(n) for n in _NUMBER.findall(text)]


def _f(value: float) -> str:
    return repr(float(value))


def _pairs(numbers: List[float]) -> Tuple["Point", ...]:
    return tuple(Point(numbers[i], numbers[i + 1]) for i in range(0, len(numbers), 2))


def _as_point(value: Any) -> "Point":
    if isinstance(value, Point):
        return value
    if isinstance(value, str):
        return Point.from_pg(value)
    x, y = value
    return Point(float(x), float(y))


class _Geometry:
    """Base: immutable value semantics over ``__slots__``; pydantic accepts an
    instance, the PostgreSQL text form, or the constructor's arguments as a tuple."""

    __slots__: Tuple[str, ...] = ()
    pg_type: str = ""

    def _set(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _key(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((type(self).__name__,) + self._key())

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({args})"

    def __reduce__(self) -> Any:
        return (type(self), self._key())

    def to_pg(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    @classmethod
    def from_pg(cls, text: str) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def __str__(self) -> str:
        return self.to_pg()

    @classmethod
    def _coerce(cls, value: Any) -> Any:
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            return cls.from_pg(value)
        if isinstance(value, (tuple, list)):
            return cls(*value)
        raise ValueError(f"cannot make a {cls.__name__} from {type(value).__name__}")

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return identity_schema(cls, cls._coerce, lambda v: v.to_pg())


class Point(_Geometry):
    __slots__ = ("x", "y")
    pg_type = "point"
    # slot values, set once by __init__ through _set()
    x: float
    y: float

    def __init__(self, x: float, y: float) -> None:
        self._set(x=float(x), y=float(y))

    def to_pg(self) -> str:
        return f"({_f(self.x)},{_f(self.y)})"

    @classmethod
    def from_pg(cls, text: str) -> "Point":
        x, y = _numbers(text)
        return cls(x, y)


class Line(_Geometry):
    """The infinite line ``a*x + b*y + c = 0``."""

    __slots__ = ("a", "b", "c")
    pg_type = "line"
    # slot values, set once by __init__ through _set()
    a: float
    b: float
    c: float

    def __init__(self, a: float, b: float, c: float) -> None:
        self._set(a=float(a), b=float(b), c=float(c))

    def to_pg(self) -> str:
        return f"{{{_f(self.a)},{_f(self.b)},{_f(self.c)}}}"

    @classmethod
    def from_pg(cls, text: str) -> "Line":
        a, b, c = _numbers(text)
        return cls(a, b, c)


class LineSegment(_Geometry):
    __slots__ = ("start", "end")
    pg_type = "lseg"
    # slot values, set once by __init__ through _set()
    start: Point
    end: Point

    def __init__(self, start: Any, end: Any) -> None:
        self._set(start=_as_point(start), end=_as_point(end))

    def to_pg(self) -> str:
        return f"[{self.start.to_pg()},{self.end.to_pg()}]"

    @classmethod
    def from_pg(cls, text: str) -> "LineSegment":
        start, end = _pairs(_numbers(text))
        return cls(start, end)


Lseg = LineSegment


class Box(_Geometry):
    """A box given by two opposite corners; normalised like PostgreSQL does
    (``high`` = upper right, ``low`` = lower left), so equality is by area."""

    __slots__ = ("high", "low")
    pg_type = "box"
    # slot values, set once by __init__ through _set()
    high: Point
    low: Point

    def __init__(self, high: Any, low: Any) -> None:
        a, b = _as_point(high), _as_point(low)
        self._set(high=Point(max(a.x, b.x), max(a.y, b.y)), low=Point(min(a.x, b.x), min(a.y, b.y)))

    def to_pg(self) -> str:
        return f"{self.high.to_pg()},{self.low.to_pg()}"

    @classmethod
    def from_pg(cls, text: str) -> "Box":
        high, low = _pairs(_numbers(text))
        return cls(high, low)


class Path(_Geometry):
    """An open (``closed=False``, ``[...]``) or closed (``(...)``) path."""

    __slots__ = ("points", "closed")
    pg_type = "path"
    # slot values, set once by __init__ through _set()
    points: Tuple[Point, ...]
    closed: bool

    def __init__(self, points: Iterable[Any], closed: bool = False) -> None:
        self._set(points=tuple(_as_point(p) for p in points), closed=bool(closed))

    def to_pg(self) -> str:
        inner = ",".join(p.to_pg() for p in self.points)
        return f"({inner})" if self.closed else f"[{inner}]"

    @classmethod
    def from_pg(cls, text: str) -> "Path":
        return cls(_pairs(_numbers(text)), closed=not text.lstrip().startswith("["))

    @classmethod
    def _coerce(cls, value: Any) -> Any:
        if isinstance(value, list):  # a list of points
            return cls(tuple(value))
        return super()._coerce(value)


class Polygon(_Geometry):
    __slots__ = ("points",)
    pg_type = "polygon"
    # slot values, set once by __init__ through _set()
    points: Tuple[Point, ...]

    def __init__(self, points: Iterable[Any]) -> None:
        self._set(points=tuple(_as_point(p) for p in points))

    def to_pg(self) -> str:
        return "(" + ",".join(p.to_pg() for p in self.points) + ")"

    @classmethod
    def from_pg(cls, text: str) -> "Polygon":
        return cls(_pairs(_numbers(text)))

    @classmethod
    def _coerce(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)) and not isinstance(value, cls):
            return cls(tuple(value))
        return super()._coerce(value)


class Circle(_Geometry):
    __slots__ = ("center", "radius")
    pg_type = "circle"
    # slot values, set once by __init__ through _set()
    center: Point
    radius: float

    def __init__(self, center: Any, radius: float) -> None:
        self._set(center=_as_point(center), radius=float(radius))

    def to_pg(self) -> str:
        return f"<{self.center.to_pg()},{_f(self.radius)}>"

    @classmethod
    def from_pg(cls, text: str) -> "Circle":
        x, y, r = _numbers(text)
        return cls(Point(x, y), r)


GEOMETRY_TYPES = (Point, Line, LineSegment, Box, Path, Polygon, Circle)


def _make_adapters(cls: type[_Geometry]) -> Tuple[type, type]:
    oid = postgres.types[cls.pg_type].oid

    class _Dumper(Dumper):
        def dump(self, obj: Any) -> bytes:
            return obj.to_pg().encode()

    _Dumper.oid = oid
    _Dumper.__name__ = f"{cls.__name__}Dumper"

    class _Loader(Loader):
        def load(self, data: Any) -> Any:
            return cls.from_pg(bytes(data).decode())

    _Loader.__name__ = f"{cls.__name__}Loader"
    return _Dumper, _Loader


_ADAPTERS = {cls: _make_adapters(cls) for cls in GEOMETRY_TYPES}


def register_geometry(context: AdaptContext) -> None:
    """Dump our geometry classes and load the seven geometric types (text format)
    on ``context`` (a connection, a cursor, or ``psycopg.adapters`` globally)."""
    adapters = context.adapters
    for cls, (dumper, loader) in _ADAPTERS.items():
        adapters.register_dumper(cls, dumper)
        adapters.register_loader(cls.pg_type, loader)


def points(values: Iterable[Any]) -> Tuple[Point, ...]:
    return tuple(_as_point(v) for v in values)
