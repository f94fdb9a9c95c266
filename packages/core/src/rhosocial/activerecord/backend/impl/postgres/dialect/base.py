"""``PostgresDialect``: the core's dialect mixins and protocols, plus PostgreSQL.

Assembly only. Concerns live in sibling modules (one mixin each), listed
before the core's mixins so their overrides win:

* ``gates``        version/extension facts; every supports_* from the table
* ``calls``        function spellings (POSITION, OVERLAY, YEAR, ROUND(x, n), CONCAT's parameters)
* ``expressions``  placeholders, quoting, ``%%`` modulo, casts, empty IN lists
* ``dml``          RETURNING, ON CONFLICT, MERGE, locking clauses, LIMIT/OFFSET
* ``json``         JSON path operators and SQL/JSON gates
* ``ddl``          columns, constraints, CREATE/ALTER TABLE, sequences, triggers, TRUNCATE, EXPLAIN
* ``ddl_index``    CREATE/DROP INDEX (methods, opclasses, INCLUDE, CONCURRENTLY, NULLS NOT DISTINCT)
* ``ddl_partition`` PARTITION BY, PARTITION OF, ATTACH/DETACH PARTITION
* ``ddl_views``    views and materialized views
* ``ddl_objects``  enum types, domains, extensions, row-level security, COMMENT ON
* ``types``        core DataType -> PostgreSQL type names, and back
* ``transaction``  BEGIN with modes, savepoints, SET CONSTRAINTS
* ``functions``    which SQL functions exist on the target server
* ``xml``          SQL/XML spellings PostgreSQL's grammar needs (PASSING, XMLSERIALIZE, XMLROOT)
"""

from __future__ import annotations

from typing import Tuple

from rhosocial.activerecord.backend.dialect.base import SQLDialectBase
from rhosocial.activerecord.backend.dialect.mixins import (
    AdvancedGroupingMixin,
    ArrayMixin,
    CollationMixin,
    ConstraintMixin,
    CTEMixin,
    DateTimeMixin,
    DDLColumnMixin,
    DDLTypeMixin,
    DMLMixin,
    DQLMixin,
    ExplainMixin,
    ExpressionMixin,
    FilterClauseMixin,
    FunctionMixin,
    GeneratedColumnMixin,
    IdentifierMixin,
    ILIKEMixin,
    IndexMixin,
    IntrospectionMixin,
    JoinMixin,
    JSONMixin,
    LateralJoinMixin,
    LockingMixin,
    MergeMixin,
    OrderedSetAggregationMixin,
    PartitionMixin,
    PredicateMixin,
    ReturningMixin,
    SchemaMixin,
    SequenceMixin,
    SetOperationMixin,
    SQLXMLMixin,
    TableMixin,
    TransactionControlMixin,
    TriggerMixin,
    TruncateMixin,
    UpsertMixin,
    ViewMixin,
    WindowFunctionMixin,
)
from rhosocial.activerecord.backend.dialect.protocols import (
    AdvancedGroupingSupport,
    AlterTableModifierSupport,
    ArraySupport,
    CollationSupport,
    ConstraintSupport,
    CTESupport,
    DDLTypeSupport,
    ExplainSupport,
    FilterClauseSupport,
    FunctionSupport,
    GeneratedColumnSupport,
    ILIKESupport,
    IndexSupport,
    IntrospectionSupport,
    JoinSupport,
    JSONSupport,
    LateralJoinSupport,
    LockingSupport,
    MergeSupport,
    OrderedSetAggregationSupport,
    PartitionSupport,
    ReturningSupport,
    SchemaSupport,
    SequenceSupport,
    SetOperationSupport,
    SQLFunctionSupport,
    SQLXMLSupport,
    TableSupport,
    TransactionControlSupport,
    TriggerSupport,
    TruncateSupport,
    UpsertSupport,
    ViewSupport,
    WildcardSupport,
    WindowFunctionSupport,
)

from .calls import PostgresFunctionCallMixin
from .ddl import PostgresDDLMixin
from .ddl_index import PostgresIndexDDLMixin
from .ddl_objects import PostgresObjectDDLMixin
from .ddl_partition import PostgresPartitionDDLMixin
from .ddl_views import PostgresViewDDLMixin
from .dml import PostgresDMLMixin
from .expressions import PostgresExpressionMixin
from .functions import PostgresFunctionsMixin
from .gates import CapabilityGateMixin, install_supports
from .json import PostgresJSONMixin
from .transaction import PostgresTransactionMixin
from .types import PostgresTypesMixin
from .xml import PostgresXMLMixin


@install_supports
class PostgresDialect(
    CapabilityGateMixin,
    PostgresFunctionCallMixin,
    PostgresExpressionMixin,
    PostgresDMLMixin,
    PostgresJSONMixin,
    PostgresDDLMixin,
    PostgresIndexDDLMixin,
    PostgresPartitionDDLMixin,
    PostgresViewDDLMixin,
    PostgresObjectDDLMixin,
    PostgresTypesMixin,
    PostgresTransactionMixin,
    PostgresFunctionsMixin,
    PostgresXMLMixin,
    SQLDialectBase,
    # core mixins: generic SQL, overridden above where PostgreSQL differs
    SQLXMLMixin,
    CollationMixin,
    WindowFunctionMixin,
    CTEMixin,
    AdvancedGroupingMixin,
    ReturningMixin,
    UpsertMixin,
    LateralJoinMixin,
    ArrayMixin,
    JSONMixin,
    ExplainMixin,
    FilterClauseMixin,
    OrderedSetAggregationMixin,
    MergeMixin,
    LockingMixin,
    JoinMixin,
    SetOperationMixin,
    ILIKEMixin,
    TableMixin,
    PartitionMixin,
    ConstraintMixin,
    ViewMixin,
    TruncateMixin,
    SchemaMixin,
    IndexMixin,
    SequenceMixin,
    TriggerMixin,
    FunctionMixin,
    GeneratedColumnMixin,
    IntrospectionMixin,
    IdentifierMixin,
    PredicateMixin,
    ExpressionMixin,
    DateTimeMixin,
    DQLMixin,
    DMLMixin,
    DDLColumnMixin,
    DDLTypeMixin,
    TransactionControlMixin,
    # runtime-checkable protocols (isinstance checks by the core and the suite)
    SQLXMLSupport,
    CollationSupport,
    WindowFunctionSupport,
    CTESupport,
    WildcardSupport,
    AdvancedGroupingSupport,
    ReturningSupport,
    UpsertSupport,
    LateralJoinSupport,
    ArraySupport,
    JSONSupport,
    ExplainSupport,
    FilterClauseSupport,
    OrderedSetAggregationSupport,
    MergeSupport,
    LockingSupport,
    JoinSupport,
    SetOperationSupport,
    ILIKESupport,
    TableSupport,
    PartitionSupport,
    AlterTableModifierSupport,
    ConstraintSupport,
    ViewSupport,
    TruncateSupport,
    SchemaSupport,
    IndexSupport,
    SequenceSupport,
    TriggerSupport,
    FunctionSupport,
    GeneratedColumnSupport,
    IntrospectionSupport,
    TransactionControlSupport,
    SQLFunctionSupport,
    DDLTypeSupport,
):
    """PostgreSQL 10+ dialect for psycopg 3 (``%s`` placeholders).

    ``PostgresDialect(version=(15, 18, 0))``, or ``PostgresDialect()`` and let
    the backend set ``dialect.version`` and call ``set_extensions()`` after
    connecting. Protocols that PostgreSQL lacks (QUALIFY, temporal tables,
    SQL/PGQ graphs) are not implemented, so ``require_protocol`` fails early;
    their supports_* still answer False from the capability table.
    """

    def __init__(self, version: Tuple[int, ...] | None = None) -> None:
        super().__init__()
        self._init_gates()
        if version is not None:
            self.version = version

    @property
    def name(self) -> str:
        return "PostgreSQL"

    @property
    def version(self) -> Tuple[int, int, int]:
        return SQLDialectBase.version.fget(self)

    @version.setter
    def version(self, value: Tuple[int, ...]) -> None:
        # Accept (major,), (major, minor) or (major, minor, patch); store 3 parts.
        parts = tuple(int(p) for p in value) + (0, 0, 0)
        self._version = parts[:3]

    def __repr__(self) -> str:
        return f"PostgresDialect(version={self._version!r})"
