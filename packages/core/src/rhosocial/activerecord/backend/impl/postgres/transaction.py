"""Transaction SQL and state shared by the sync and async transaction managers.

PostgreSQL wants the isolation level, READ ONLY/READ WRITE and DEFERRABLE in
the BEGIN statement itself (one round trip, and nothing can run between BEGIN
and SET TRANSACTION). The core's manager only passes isolation level and
read-only to the dialect; this mixin adds DEFERRABLE, the original README's
spellings (``set_isolation_level``, ``set_deferrable``, ``release_savepoint``,
``rollback_savepoint``) and SET CONSTRAINTS with quoted names.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence, Tuple, Union

from rhosocial.activerecord.backend.errors import IsolationLevelError, TransactionError
from rhosocial.activerecord.backend.transaction import IsolationLevel, TransactionMode

__all__ = ["PostgresTransactionMixin", "IsolationLevel", "TransactionMode"]


class PostgresTransactionMixin:
    """Mixed in before the core's (Async)TransactionManager."""

    _deferrable: Optional[bool] = None
    _isolation_level: Optional[IsolationLevel]
    _transaction_mode: TransactionMode
    _backend: Any

    # -- settings -------------------------------------------------------
    @property
    def deferrable(self) -> Optional[bool]:
        return self._deferrable

    @deferrable.setter
    def deferrable(self, value: Optional[bool]) -> None:
        if self.is_active:  # type: ignore[attr-defined]
            raise TransactionError("Cannot change DEFERRABLE during an active transaction")
        self._deferrable = value

    def set_deferrable(self, value: Optional[bool] = True) -> None:
        """DEFERRABLE only matters for SERIALIZABLE READ ONLY transactions, where it
        lets the transaction wait for a safe snapshot instead of risking a
        serialization failure; PostgreSQL accepts (and ignores) it otherwise."""
        self.deferrable = value

    def set_isolation_level(self, level: Union[IsolationLevel, str, None]) -> None:
        level = self._as_isolation_level(level)
        if self.is_active:  # type: ignore[attr-defined]
            raise IsolationLevelError("Cannot change isolation level during an active transaction")
        self._isolation_level = level

    def set_read_only(self, value: bool = True) -> None:
        self.transaction_mode = TransactionMode.READ_ONLY if value else TransactionMode.READ_WRITE  # type: ignore[attr-defined]

    # -- SQL -----------------------------------------------------------
    def _build_begin_sql(self) -> Tuple[str, tuple]:
        from rhosocial.activerecord.backend.expression.transaction import BeginTransactionExpression

        expr = BeginTransactionExpression(self._backend.dialect)
        if self._isolation_level is not None:
            expr.isolation_level(self._isolation_level)
        if self._transaction_mode == TransactionMode.READ_ONLY:
            expr.read_only()
        if self._deferrable is not None:
            expr.deferrable(self._deferrable)
        return expr.to_sql()

    def _build_set_constraints_sql(self, names: Optional[Iterable[str]], deferred: bool) -> str:
        wanted: Optional[Sequence[str]] = None if names is None else list(names)
        return self._backend.dialect.format_set_constraints(wanted, deferred)

    @staticmethod
    def _constraint_names(constraints: Union[str, Iterable[str], None]) -> Optional[list]:
        if constraints is None or constraints == "ALL" or constraints == "all":
            return None
        if isinstance(constraints, str):
            return [constraints]
        return list(constraints)

    @staticmethod
    def _not_active(what: str) -> TransactionError:
        return TransactionError(f"{what} needs an active transaction (call begin() first)")

    @staticmethod
    def _as_isolation_level(level: Any) -> Optional[IsolationLevel]:
        if isinstance(level, str):
            return IsolationLevel[level.upper().replace(" ", "_")]
        return level
