"""JSON and JSONB.

* A ``dict`` value is sent as ``Jsonb`` (adapter suggestion keyed by ``dict``):
  ``attributes: dict`` fields work against json and jsonb columns.
* A plain ``list`` is *not* converted: psycopg sends it as a PostgreSQL array,
  so ``tags: list`` keeps working against ``text[]`` columns (the README's
  array example). For a JSONB list declare the field as :class:`JsonbList`
  (a ``list`` subclass with its own suggestion), or for any JSON value
  (scalars, lists, dicts) as ``Annotated[Any, AsJsonb]``.
* ``Annotated[list, UseAdapter(JsonbAdapter(), Jsonb)]`` only affects reading:
  core 1.0.0.dev29 never calls a field adapter when saving (writes are
  converted by ``type(value)`` only), so a ``list`` would still be sent as an
  array. Use :class:`JsonbList` or :data:`AsJsonb` instead.
* ``Decimal`` values inside JSON data (``{"price": Decimal("9.99")}``) are written as
  JSON numbers with their exact text (``9.99``, never a float's ``9.9900000000000002``):
  the standard ``json.dumps`` refuses them, and a JSON number *is* a decimal literal.
  Reading gives what psycopg's ``json.loads`` gives (a ``float`` or ``int``).
  NaN and ±Infinity have no JSON form and are refused.
"""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal
from typing import Any, Dict, Optional, Type

import psycopg
from psycopg.abc import AdaptContext
from psycopg.types.json import Json, Jsonb, JsonbBinaryDumper, JsonbDumper, JsonBinaryDumper, JsonDumper
from pydantic import WrapSerializer
from rhosocial.activerecord.backend.type_adapter import BaseSQLTypeAdapter

from ._pydantic import identity_schema

__all__ = ["JsonValueError", "JsonbAdapter", "JsonbList", "AsJsonb", "AsJson", "Json", "Jsonb", "json_dumps",
           "register_dict_as_jsonb", "register_json"]


class JsonValueError(psycopg.DataError, ValueError):
    """A value with no JSON form (Decimal NaN / ±Infinity). A ``psycopg.DataError`` so that
    every path reports it as the backend's ``DataError`` (sqlstate None): ``execute`` names
    the parameter, ``copy_records`` (which formats rows itself) no longer lets a bare
    ValueError through; still a ``ValueError`` for code that caught that."""


def json_dumps(obj: Any) -> str:
    """``json.dumps`` that also writes ``Decimal`` as an exact JSON number.

    The common case is the standard call (the same C encoder psycopg uses by default);
    only when it refuses a value are the data encoded again, each Decimal standing in as
    a unique placeholder string that is then replaced by the Decimal's text (a finite
    Decimal's ``str`` is always a valid JSON number: ``1.10``, ``-0``, ``1E+2``).
    """
    try:
        return json.dumps(obj)
    except TypeError:
        pass
    texts = []
    mark = uuid.uuid4().hex  # per call: user data cannot hold it by chance

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise JsonValueError(f"Decimal {value} has no JSON representation (NaN and Infinity are not JSON)")
            texts.append(str(value))
            return f"{mark}{len(texts) - 1}{mark}"
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    text = json.dumps(obj, default=default)
    if not texts:
        return text
    return re.sub(f'"{mark}(\\d+){mark}"', lambda m: texts[int(m.group(1))], text)


class _DecimalDumps:
    """Use :func:`json_dumps` where psycopg would use the standard ``json.dumps``; a
    function set with psycopg's ``set_json_dumps`` (globally, or on the connection after
    ours) is kept: it is the user's choice (orjson, a ``default=``)."""

    dumps: Any

    def __init__(self, cls: type, context: Optional[AdaptContext] = None):
        super().__init__(cls, context)  # type: ignore[call-arg]
        if self.dumps is json.dumps:
            self.dumps = json_dumps


class _JsonDumper(_DecimalDumps, JsonDumper):
    pass


class _JsonBinaryDumper(_DecimalDumps, JsonBinaryDumper):
    pass


class _JsonbDumper(_DecimalDumps, JsonbDumper):
    pass


class _JsonbBinaryDumper(_DecimalDumps, JsonbBinaryDumper):
    pass


def register_json(context: AdaptContext) -> None:
    """On ``context`` (a connection): ``Json``/``Jsonb`` wrappers and plain ``dict``
    parameters (as jsonb, text format as psycopg's own ``JsonbDumper``) dumped with
    :func:`json_dumps`. A ``dumps=`` given to a wrapper still takes precedence."""
    adapters = context.adapters
    # binary first: the dumper registered last serves the default format, text as in psycopg
    dumpers: Any = ((Json, _JsonBinaryDumper), (Json, _JsonDumper), (Jsonb, _JsonbBinaryDumper), (Jsonb, _JsonbDumper))
    for wrapper, dumper in dumpers:
        adapters.register_dumper(wrapper, dumper)
    register_dict_as_jsonb(context)


def register_dict_as_jsonb(context: AdaptContext) -> None:
    """Plain ``dict`` parameters as jsonb on ``context``: also what re-claims ``dict`` after
    psycopg's ``register_hstore`` took every dict for hstore."""
    context.adapters.register_dumper(dict, _JsonbDumper)


class JsonbList(list):
    """A list stored as a JSONB array (not as a PostgreSQL array).

    Declare ``items: JsonbList`` (or ``Optional[JsonbList]``); assign any list,
    pydantic converts it. Reads come back as ``JsonbList``.
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        def validate(value: Any) -> "JsonbList":
            if isinstance(value, cls):
                return value
            if isinstance(value, Jsonb):  # our own model_dump() output
                value = value.obj
            if isinstance(value, (list, tuple)):
                return cls(value)
            if isinstance(value, (str, bytes)):
                decoded = json.loads(value)
                if isinstance(decoded, list):
                    return cls(decoded)
            raise ValueError(f"expected a list for a JSONB array, got {type(value).__name__}")

        # python mode (what the core saves from) dumps a ``Jsonb`` wrapper: pydantic
        # would otherwise turn the list subclass back into a plain list (an array)
        return identity_schema(cls, validate, list, python=lambda v: Jsonb(list(v)))


def _wrap(wrapper: type):
    def serialize(value: Any, handler: Any, info: Any) -> Any:
        if info.mode == "python":
            return None if value is None else wrapper(value)
        return handler(value)

    return WrapSerializer(serialize, when_used="always")


#: ``data: Annotated[Any, AsJsonb]``: the attribute holds plain Python data
#: (dict, list, str, int, float, bool); saving sends it as ``jsonb``. Python
#: ``None`` is SQL NULL (not the JSON ``null``).
AsJsonb = _wrap(Jsonb)
#: Same as :data:`AsJsonb` for ``json`` columns.
AsJson = _wrap(Json)


class JsonbAdapter(BaseSQLTypeAdapter):
    """dict/list -> ``Jsonb`` (psycopg serialises it in one step); jsonb -> dict/list.

    psycopg's loaders already return dicts and lists for json/jsonb columns, so
    reading back is a pass-through; a ``str`` (e.g. a json column read as text)
    is decoded.
    """

    def __init__(self) -> None:
        super().__init__()
        for py_type in (dict, list, JsonbList):
            self._register_type(py_type, Jsonb)
            self._register_type(py_type, Json)

    def _do_to_database(self, value: Any, target_type: Type, options: Optional[Dict[str, Any]]) -> Any:
        if isinstance(value, (Json, Jsonb)):
            return value
        return Json(value) if target_type is Json else Jsonb(value)

    def _do_from_database(self, value: Any, target_type: Type, options: Optional[Dict[str, Any]]) -> Any:
        if isinstance(value, (str, bytes)):
            # a json/jsonb column read as text: decode containers only (a JSON
            # string scalar such as "5" stays the string it is)
            try:
                decoded = json.loads(value)
            except ValueError:
                return value
            if isinstance(decoded, (dict, list)):
                return decoded
        return value
