"""PostgreSQL-specific introspection results (the core's types cover tables, columns,
indexes, foreign keys, views and triggers; these cover the rest).

All are plain dataclasses; :func:`to_jsonable` turns any result (core or ours)
into JSON-ready dicts and lists, for the command-line tool and for logging.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
from dataclasses import dataclass, field
from typing import Any, List, Optional

__all__ = [
    "DatabaseEntry",
    "SchemaInfo",
    "ConstraintInfo",
    "ConstraintType",
    "SequenceInfo",
    "EnumTypeInfo",
    "PartitionInfo",
    "PartitioningInfo",
    "ExtensionInfo",
    "to_jsonable",
]


@dataclass
class DatabaseEntry:
    """One database of the cluster (``pg_database``)."""

    name: str
    owner: Optional[str] = None
    encoding: Optional[str] = None
    collation: Optional[str] = None
    ctype: Optional[str] = None
    is_template: bool = False
    allow_connections: bool = True
    connection_limit: int = -1
    size_bytes: Optional[int] = None  # None without CONNECT privilege
    comment: Optional[str] = None


@dataclass
class SchemaInfo:
    name: str
    owner: Optional[str] = None
    comment: Optional[str] = None
    is_system: bool = False


class ConstraintType(enum.Enum):
    PRIMARY_KEY = "PRIMARY KEY"
    UNIQUE = "UNIQUE"
    CHECK = "CHECK"
    EXCLUDE = "EXCLUDE"
    FOREIGN_KEY = "FOREIGN KEY"


@dataclass
class ConstraintInfo:
    """A table constraint: primary key, unique, check, exclusion or foreign key."""

    name: str
    table_name: str
    schema: Optional[str]
    type: ConstraintType
    columns: List[str] = field(default_factory=list)
    definition: str = ""  # pg_get_constraintdef, e.g. "CHECK (price > 0)"
    expression: Optional[str] = None  # CHECK only: the boolean expression
    index_name: Optional[str] = None  # PRIMARY KEY / UNIQUE / EXCLUDE: the backing index
    deferrable: bool = False
    deferred: bool = False
    validated: bool = True  # False after ADD CONSTRAINT ... NOT VALID
    no_inherit: bool = False
    enforced: bool = True  # PostgreSQL 18: NOT ENFORCED
    comment: Optional[str] = None


@dataclass
class SequenceInfo:
    name: str
    schema: Optional[str]
    data_type: str = "bigint"
    start_value: int = 1
    increment: int = 1
    min_value: Optional[int] = None
    max_value: Optional[int] = None
    cache_size: int = 1
    cycle: bool = False
    last_value: Optional[int] = None  # None before the first nextval() or without privilege
    owned_by: Optional[str] = None  # "schema.table.column" of a serial or identity column
    is_identity: bool = False  # the sequence behind an identity column
    comment: Optional[str] = None


@dataclass
class EnumTypeInfo:
    name: str
    schema: Optional[str]
    labels: List[str] = field(default_factory=list)  # in sort order
    owner: Optional[str] = None
    comment: Optional[str] = None


@dataclass
class PartitionInfo:
    name: str
    schema: Optional[str]
    parent: str  # "schema.table"
    level: int = 1  # 1 for direct partitions, 2 for sub-partitions, ...
    bound: Optional[str] = None  # "FOR VALUES FROM (...) TO (...)", "DEFAULT"
    is_default: bool = False
    is_partitioned: bool = False  # itself partitioned (has sub-partitions)
    key: Optional[str] = None  # its own partition key when partitioned
    row_estimate: Optional[int] = None


@dataclass
class PartitioningInfo:
    """How a partitioned table is split."""

    table_name: str
    schema: Optional[str]
    strategy: str  # RANGE, LIST or HASH
    key: str  # pg_get_partkeydef, e.g. "RANGE (created_at)"
    partitions: List[PartitionInfo] = field(default_factory=list)


@dataclass
class ExtensionInfo:
    name: str
    installed_version: Optional[str] = None  # None: available but not installed
    default_version: Optional[str] = None  # None when the server could not list available ones
    schema: Optional[str] = None
    relocatable: Optional[bool] = None
    comment: Optional[str] = None

    @property
    def installed(self) -> bool:
        return self.installed_version is not None


def to_jsonable(value: Any, exact_decimals: bool = False) -> Any:
    """Dataclasses, enums, dates and decimals -> JSON-ready values (recursively).

    A ``Decimal`` becomes an ``int`` when integral, else a ``float`` (17 significant
    digits; non-finite ones become float NaN / infinity, as floats stay). With
    ``exact_decimals`` every ``Decimal`` is kept as it is, for an encoder that writes
    its digits exactly (the command-line tool's ``--json`` and ``--csv``).
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name), exact_decimals) for f in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):  # pydantic results (EXPLAIN)
        return to_jsonable(value.model_dump(), exact_decimals)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, exact_decimals) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v, exact_decimals) for v in value]
    if isinstance(value, (datetime.date, datetime.time, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        if exact_decimals:
            return value
        if not value.is_finite():  # int(Decimal("Infinity")) would raise OverflowError
            return float(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
