"""Small pydantic helpers shared by the type modules.

Why they exist: the core saves a record from ``model.model_dump()`` (python mode)
and converts parameters by the *exact* ``type(value)``. Pydantic's default
serialisers turn dataclasses into dicts and NamedTuples into plain tuples, which
would lose the Python type psycopg needs to pick the right PostgreSQL type. Our
value classes therefore serialise to *themselves* in python mode (and to plain
JSON data in JSON mode), so ``model_dump()`` hands psycopg the real object.
"""

from __future__ import annotations

from typing import Any, Callable

from pydantic_core import core_schema

__all__ = ["identity_schema"]


def identity_schema(
    cls: type,
    validate: Callable[[Any], Any],
    to_json: Callable[[Any], Any],
) -> core_schema.CoreSchema:
    """A core schema that validates with ``validate`` and dumps the object unchanged
    in python mode, ``to_json(obj)`` in JSON mode."""

    def serialize(value: Any, info: Any) -> Any:
        if info.mode == "python":
            return value
        return to_json(value)

    return core_schema.no_info_plain_validator_function(
        validate,
        serialization=core_schema.plain_serializer_function_ser_schema(serialize, info_arg=True),
    )
