"""Transaction SQL and state shared by the sync and async transaction managers.

PostgreSQL wants the isolation level, READ ONLY/READ WRITE and DEFERRABLE in
the BEGIN statement itself (one round trip, and nothing can run between BEGIN
and SET TRANSACTION). The core's manager only passes isolation level and
read-only to the dialect; this mixin adds DEFERRABLE, the original README's
spellings (``set_isolation_level``, ``set_deferrable``, ``release_savepoint``,
``rollback_savepoint``) and SET CONSTRAINTS with quoted names.

It also decides what a failed transaction operation raises (:func:`surface_error`):
the core wraps every failure in a plain ``TransactionError`` whose only link to the
server's error is ``__cause__``, so ``except IntegrityError`` would never see a
deferred constraint violated at COMMIT, nor ``except SerializationError`` a 40001.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence, Tuple, Union

from rhosocial.activerecord.backend.errors import DatabaseError, IsolationLevelError, TransactionError
from rhosocial.activerecord.backend.transaction import IsolationLevel, TransactionMode

from .errors import DIAGNOSTIC_ATTRIBUTES, transaction_error_class, with_diagnostics

__all__ = ["PostgresTransactionMixin", "IsolationLevel", "TransactionMode", "surface_error", "transaction_error"]


def transaction_error(message: str) -> TransactionError:
    """A TransactionError raised by the backend itself (no server diagnostics: all None)."""
    return with_diagnostics(TransactionError(message))


def surface_error(exc: BaseException) -> BaseException:
    """What a failed BEGIN/COMMIT/ROLLBACK/SAVEPOINT should raise instead of ``exc``.

    The core turns the translated error (``IntegrityError`` with ``sqlstate`` and ``pg``,
    ``SerializationError``, ``ConnectionError``, ...) into a plain ``TransactionError``
    with the real error only in ``__cause__``. Return an error of the translated class
    that is *also* a ``TransactionError`` (see ``errors.transaction_error_class``), with
    the core's message ("Failed to commit transaction: ..."), the diagnostic attributes
    copied and the translated error as ``__cause__``. Anything else comes back as it is,
    with the diagnostic attributes (None) added to database errors.
    """
    if not isinstance(exc, DatabaseError):
        return exc
    cause = exc.__cause__
    if type(exc) is not TransactionError or not isinstance(cause, DatabaseError):
        return with_diagnostics(exc)
    error = transaction_error_class(type(cause))(str(exc))
    for name in DIAGNOSTIC_ATTRIBUTES:
        setattr(error, name, getattr(cause, name, None))
    error.__cause__ = cause
    error.__suppress_context__ = True  # the core's wrapper adds nothing to the cause
    return error


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
            raise transaction_error("Cannot change DEFERRABLE during an active transaction")
        self._deferrable = value

    def set_deferrable(self, value: Optional[bool] = True) -> None:
        """DEFERRABLE only matters for SERIALIZABLE READ ONLY transactions, where it
        lets the transaction wait for a safe snapshot instead of risking a
        serialization failure; PostgreSQL accepts (and ignores) it otherwise."""
        self.deferrable = value

    def set_isolation_level(self, level: Union[IsolationLevel, str, None]) -> None:
        level = self._as_isolation_level(level)
        if self.is_active:  # type: ignore[attr-defined]
            raise with_diagnostics(IsolationLevelError("Cannot change isolation level during an active transaction"))
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
    def _constraint_names(constraints: Union[str, Tuple[str, str], Iterable[Any], None]) -> Optional[list]:
        if constraints is None or constraints == "ALL" or constraints == "all":
            return None
        if isinstance(constraints, (str, tuple)):  # a tuple is ONE (schema, name) (dialect/names.py)
            return [constraints]
        return list(constraints)

    @staticmethod
    def _not_active(what: str) -> TransactionError:
        return transaction_error(f"{what} needs an active transaction (call begin() first)")

    @staticmethod
    def _as_isolation_level(level: Any) -> Optional[IsolationLevel]:
        if isinstance(level, str):
            return IsolationLevel[level.upper().replace(" ", "_")]
        return level
