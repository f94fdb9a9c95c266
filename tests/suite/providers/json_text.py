"""JSON documents kept in ``str`` model fields.

Some suite models declare JSON columns as ``Optional[str]`` (relation User.settings, Post.metadata,
Comment.meta; query JsonUser.*). On PostgreSQL those columns are ``jsonb`` (the suite's JSON
derived fields use ``->>``), and psycopg loads jsonb as dict/list, which a ``str`` field rejects.
The providers attach this field adapter to those fields: reads give the JSON text back. Writes
need nothing: psycopg sends a Python str untyped, and the server casts it to jsonb.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, Optional, Type

from rhosocial.activerecord.backend.type_adapter import BaseSQLTypeAdapter


class JsonTextAdapter(BaseSQLTypeAdapter):
    def __init__(self) -> None:
        super().__init__()
        self._register_type(str, str)

    def _do_to_database(self, value: Any, target_type: Type, options: Optional[Dict[str, Any]] = None) -> Any:
        return value

    def _do_from_database(self, value: Any, target_type: Type, options: Optional[Dict[str, Any]] = None) -> Any:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False)


_ADAPTER = JsonTextAdapter()


def attach(model: type, fields: Iterable[str]) -> type:
    adapters = dict(getattr(model, "__field_adapters__", {}) or {})
    for name in fields:
        adapters.setdefault(name, (_ADAPTER, str))
    model.__field_adapters__ = adapters
    return model
