"""PostgreSQL types: psycopg-native parameter adaptation and read-back.

psycopg 3 already dumps and loads most PostgreSQL types natively (lists as
arrays, UUID, Decimal, date/time, ipaddress, Range, ...), in binary where it
helps. The backend therefore converts as little as possible: only values that
psycopg cannot adapt on its own (a plain ``dict`` -> ``Jsonb``) get an adapter
suggestion. Type families live in their own modules.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple, Type

from .json import JsonbAdapter

__all__ = ["register_adapters", "build_adapter_suggestions", "JsonbAdapter"]


def register_adapters(registry: Any) -> None:
    """Register our adapters in a backend's core ``TypeRegistry`` (once per backend)."""
    for adapter in (JsonbAdapter(),):
        for py_type, db_types in adapter.supported_types.items():
            for db_type in db_types:
                registry.register(adapter, py_type, db_type, allow_override=True)


def build_adapter_suggestions(registry: Any) -> Dict[Type, Tuple[Any, Type]]:
    """Python type -> (adapter, driver type) for parameters psycopg cannot adapt itself.

    Called once per backend (the result is cached): the core looks the table up
    by exact ``type(value)`` for every parameter.
    """
    from psycopg.types.json import Jsonb

    suggestions: Dict[Type, Tuple[Any, Type]] = {}
    adapter = registry.get_adapter(dict, Jsonb)
    if adapter is not None:
        suggestions[dict] = (adapter, Jsonb)
    return suggestions
