"""Small pydantic helpers shared by the type modules.

Why they exist: the core saves a record from ``model.model_dump()`` (python mode)
and converts parameters by the *exact* ``type(value)``. Pydantic's default
serialisers turn dataclasses into dicts, NamedTuples into plain tuples and
list/dict subclasses into plain lists/dicts, which would lose the Python type
psycopg needs to pick the right PostgreSQL type. Our value classes therefore
serialise, in python mode, to themselves or to a psycopg wrapper (and to plain
JSON data in JSON mode), so ``model_dump()`` hands psycopg the right object.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from pydantic_core import core_schema

__all__ = ["identity_schema"]


def identity_schema(
    cls: type,
    validate: Callable[[Any], Any],
    to_json: Callable[[Any], Any],
    python: Optional[Callable[[Any], Any]] = None,
) -> core_schema.CoreSchema:
    """A core schema that validates with ``validate`` and dumps the object unchanged
    (or ``python(obj)``) in python mode, ``to_json(obj)`` in JSON mode.

    Note: pydantic re-serialises what a serializer returns by its runtime type,
    so only objects of classes it does not know (not list/dict/tuple subclasses,
    not dataclasses or NamedTuples) survive ``model_dump()`` unchanged.
    """

    def serialize(value: Any, info: Any) -> Any:
        if info.mode == "python":
            return value if python is None else python(value)
        return to_json(value)

    return core_schema.no_info_plain_validator_function(
        validate,
        serialization=core_schema.plain_serializer_function_ser_schema(serialize, info_arg=True),
    )
