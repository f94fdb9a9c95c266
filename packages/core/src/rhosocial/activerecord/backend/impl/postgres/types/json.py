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
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Type

from psycopg.types.json import Json, Jsonb
from pydantic import WrapSerializer
from rhosocial.activerecord.backend.type_adapter import BaseSQLTypeAdapter

from ._pydantic import identity_schema

__all__ = ["JsonbAdapter", "JsonbList", "AsJsonb", "AsJson", "Json", "Jsonb"]


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
