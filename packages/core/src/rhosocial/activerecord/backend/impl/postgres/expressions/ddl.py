"""PostgreSQL schema statements the core has no expression class for.

Each class only holds the statement's parts; ``to_sql()`` asks the dialect
(``format_*`` in ``dialect/ddl_*.py``), which checks the capability table and
raises the core's ``UnsupportedFeatureError`` for SQL the server would reject.

Where the core has a class, use it (CreateIndexExpression, CreateTableExpression,
CreateViewExpression, CreateSequenceExpression, CreateTriggerExpression, ...);
the pieces below plug into those where the core's fields stop:

* ``IndexElement``: one index key with operator class / ordering / collation;
* ``IdentityOptions``: ``ColumnDefinition.dialect_options["identity"]``;
* ``ExclusionConstraint``: a ``TableConstraint`` for ``EXCLUDE USING ...``;
* ``PartitionBound``: ``FOR VALUES ...`` / ``DEFAULT`` of a partition;
* ``RowLevelSecurityAction``: an ``AlterTableExpression`` action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, List, Sequence, Tuple, Union

from rhosocial.activerecord.backend.expression.bases import BaseExpression, SQLPredicate, SQLQueryAndParams
from rhosocial.activerecord.backend.expression.statements import (
    PartitionClause,
    TableConstraint,
    TableConstraintType,
)

# the schema objects (types, domains, extensions, policies, comments) live in ddl_objects.py
from .ddl_objects import (
    AlterEnumAddValueExpression,
    AlterEnumRenameValueExpression,
    CommentOnExpression,
    CreateDomainExpression,
    CreateEnumTypeExpression,
    CreateExtensionExpression,
    CreatePolicyExpression,
    DomainCheck,
    DropDomainExpression,
    DropExtensionExpression,
    DropPolicyExpression,
    DropTypeExpression,
    RowLevelSecurityAction,
)

__all__ = [
    "IndexElement",
    "IdentityOptions",
    "ExclusionConstraint",
    "PartitionBound",
    "Unbounded",
    "CreatePartitionExpression",
    "AttachPartitionExpression",
    "DetachPartitionExpression",
    "CreateEnumTypeExpression",
    "AlterEnumAddValueExpression",
    "AlterEnumRenameValueExpression",
    "DropTypeExpression",
    "DomainCheck",
    "CreateDomainExpression",
    "DropDomainExpression",
    "CreateExtensionExpression",
    "DropExtensionExpression",
    "RowLevelSecurityAction",
    "CreatePolicyExpression",
    "DropPolicyExpression",
    "CommentOnExpression",
]

Value = Union[BaseExpression, Any]


# ---------------------------------------------------------------- indexes
class IndexElement(BaseExpression):
    """One key of CREATE INDEX: a column name or an expression, plus
    ``opclass`` (``gin_trgm_ops``, ``jsonb_path_ops``), ``collation``,
    ``descending`` (ASC/DESC) and ``nulls_first`` (NULLS FIRST/LAST)."""

    def __init__(self, dialect, expression: Union[str, BaseExpression], opclass: str | None = None, *,
                 collation: str | None = None, descending: bool | None = None,
                 nulls_first: bool | None = None):
        super().__init__(dialect)
        self.expression = expression
        self.opclass = opclass
        self.collation = collation
        self.descending = descending
        self.nulls_first = nulls_first

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_index_element(self)


# ---------------------------------------------------------------- columns and constraints
@dataclass
class IdentityOptions:
    """``GENERATED {ALWAYS|BY DEFAULT} AS IDENTITY [(sequence options)]`` for a column:
    ``ColumnDefinition(..., dialect_options={"identity": IdentityOptions(always=True, start=100)})``."""

    always: bool = False
    start: int | None = None
    increment: int | None = None
    minvalue: int | None = None
    maxvalue: int | None = None
    cache: int | None = None
    cycle: bool | None = None


@dataclass
class ExclusionConstraint(TableConstraint):
    """``EXCLUDE USING <using> (element WITH operator, ...) [WHERE (predicate)]``.

    ``elements`` pairs a column name (or expression) with its operator, e.g.
    ``[("room", "="), ("during", "&&")]``; ``=`` on a scalar under GiST needs
    the btree_gist extension.
    """

    constraint_type: TableConstraintType = TableConstraintType.EXCLUDE
    elements: List[Tuple[Union[str, BaseExpression], str]] = field(default_factory=list)
    using: str = "gist"
    where: SQLPredicate | None = None


# ---------------------------------------------------------------- partitions
class Unbounded(Enum):
    """The open ends of a range bound. Only these become the MINVALUE / MAXVALUE
    keywords: a plain string is a value, so a text key can hold 'MAXVALUE' and a
    user-supplied value can never silently create an unbounded partition."""

    MINVALUE = "MINVALUE"
    MAXVALUE = "MAXVALUE"


class PartitionBound(BaseExpression):
    """The bound of a partition: build with ``range``, ``list``, ``hash`` or ``default``.

    Values are Python values (quoted into the DDL) or expressions;
    ``PartitionBound.MINVALUE`` / ``MAXVALUE`` (``Unbounded`` members) are the open
    range ends. A str is always a literal: ``"MAXVALUE"`` is the text 'MAXVALUE'.
    """

    MINVALUE = Unbounded.MINVALUE
    MAXVALUE = Unbounded.MAXVALUE

    def __init__(self, dialect, kind: str, *, from_values: Sequence[Value] = (), to_values: Sequence[Value] = (),
                 in_values: Sequence[Value] = (), modulus: int | None = None, remainder: int | None = None):
        super().__init__(dialect)
        if kind not in ("RANGE", "LIST", "HASH", "DEFAULT"):
            raise ValueError(f"unknown partition bound kind {kind!r}")
        self.kind = kind
        self.from_values = list(from_values)
        self.to_values = list(to_values)
        self.in_values = list(in_values)
        self.modulus = modulus
        self.remainder = remainder

    @classmethod
    def range(cls, dialect, from_values: Sequence[Value], to_values: Sequence[Value]) -> PartitionBound:
        return cls(dialect, "RANGE", from_values=_seq(from_values), to_values=_seq(to_values))

    @classmethod
    def list(cls, dialect, values: Sequence[Value]) -> PartitionBound:
        return cls(dialect, "LIST", in_values=_seq(values))

    @classmethod
    def hash(cls, dialect, modulus: int, remainder: int) -> PartitionBound:
        return cls(dialect, "HASH", modulus=modulus, remainder=remainder)

    @classmethod
    def default(cls, dialect) -> PartitionBound:
        return cls(dialect, "DEFAULT")

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_partition_bound(self)


def _seq(values: Any) -> list:
    return list(values) if isinstance(values, (list, tuple)) else [values]


class CreatePartitionExpression(BaseExpression):
    """``CREATE TABLE name PARTITION OF parent <bound> [PARTITION BY ...]`` (sub-partitioning
    when ``partition_by`` is given)."""

    def __init__(self, dialect, name: str, parent: str, bound: PartitionBound, *,
                 partition_by: PartitionClause | None = None, if_not_exists: bool = False,
                 tablespace: str | None = None):
        super().__init__(dialect)
        self.name = name
        self.parent = parent
        self.bound = bound
        self.partition_by = partition_by
        self.if_not_exists = if_not_exists
        self.tablespace = tablespace

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_create_partition_statement(self)


class AttachPartitionExpression(BaseExpression):
    """``ALTER TABLE parent ATTACH PARTITION partition <bound>`` (there is no CONCURRENTLY form)."""

    def __init__(self, dialect, table: str, partition: str, bound: PartitionBound):
        super().__init__(dialect)
        self.table = table
        self.partition = partition
        self.bound = bound

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_attach_partition_statement(self)


class DetachPartitionExpression(BaseExpression):
    """``ALTER TABLE parent DETACH PARTITION partition [CONCURRENTLY | FINALIZE]`` (both 14+;
    CONCURRENTLY cannot run inside a transaction block)."""

    def __init__(self, dialect, table: str, partition: str, *, concurrently: bool = False, finalize: bool = False):
        super().__init__(dialect)
        self.table = table
        self.partition = partition
        self.concurrently = concurrently
        self.finalize = finalize

    def to_sql(self) -> SQLQueryAndParams:
        return self.dialect.format_detach_partition_statement(self)
