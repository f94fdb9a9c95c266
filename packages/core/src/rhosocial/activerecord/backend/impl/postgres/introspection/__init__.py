"""Catalogue introspection for PostgreSQL: queries, parsing and result types (no I/O).

The introspectors themselves (``AsyncPostgresIntrospector`` in ``aio``,
``SyncPostgresIntrospector`` in ``sync``) add caching and I/O on top of
:class:`PostgresIntrospectorMixin`; reach them as ``backend.introspector``.
"""

from .base import PostgresIntrospectorMixin, is_schema_change
from .types import (
    ConstraintInfo,
    ConstraintType,
    DatabaseEntry,
    EnumTypeInfo,
    ExtensionInfo,
    PartitionInfo,
    PartitioningInfo,
    SchemaInfo,
    SequenceInfo,
    to_jsonable,
)

__all__ = [
    "PostgresIntrospectorMixin",
    "is_schema_change",
    "ConstraintInfo",
    "ConstraintType",
    "DatabaseEntry",
    "EnumTypeInfo",
    "ExtensionInfo",
    "PartitionInfo",
    "PartitioningInfo",
    "SchemaInfo",
    "SequenceInfo",
    "to_jsonable",
]
