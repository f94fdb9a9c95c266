"""JSON and JSONB: Python dicts/lists <-> psycopg's ``Jsonb`` wrapper, no text round trip."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Type

from psycopg.types.json import Json, Jsonb
from rhosocial.activerecord.backend.type_adapter import BaseSQLTypeAdapter

__all__ = ["JsonbAdapter"]


class JsonbAdapter(BaseSQLTypeAdapter):
    """dict/list -> ``Jsonb`` (psycopg serialises it in one step); jsonb -> dict/list.

    psycopg's loaders already return dicts and lists for json/jsonb columns, so
    reading back is a pass-through; a ``str`` (e.g. a json column read as text)
    is decoded.
    """

    def __init__(self) -> None:
        super().__init__()
        self._register_type(dict, Jsonb)
        self._register_type(list, Jsonb)
        self._register_type(dict, Json)
        self._register_type(list, Json)

    def _do_to_database(self, value: Any, target_type: Type, options: Optional[Dict[str, Any]]) -> Any:
        return Json(value) if target_type is Json else Jsonb(value)

    def _do_from_database(self, value: Any, target_type: Type, options: Optional[Dict[str, Any]]) -> Any:
        if isinstance(value, (str, bytes)):
            return json.loads(value)
        return value
