"""Transaction SQL and state shared by the sync and async transaction managers.

PostgreSQL wants the isolation level, READ ONLY/READ WRITE and DEFERRABLE in
the BEGIN statement itself (one round trip, and nothing can run between BEGIN
and SET TRANSACTION). The core's manager only passes isolation level and
read-only to the dialect; this mixin adds DEFERRABLE, the original README's
spellings (``set_isolation_level``, ``set_deferrable``, ``release_savepoint``,
``rollback_savepoint``) and SET CONSTRAINTS with quoted names.

Settings given as strings are normalised here (``"serializable"``, ``"read only"``,
``"READ_WRITE"``); anything else is refused with a clear error instead of being ignored.
Savepoint names come from one counter shared by nested blocks and ``savepoint()``, so a
nested block can never reuse (and later roll back to) a savepoint the caller holds.

It also decides what a failed transaction operation raises (:func:`surface_error`):
the core wraps every failure in a plain ``TransactionError`` whose only link to the
server's error is ``__cause__``, so ``except IntegrityError`` would never see a
deferred constraint violated at COMMIT, nor ``except SerializationError`` a 40001.
"""

from __future__ import annotations

from typing import Any, Iterable, List, Optional, Sequence, Tuple, Union

from rhosocial.activerecord.backend.errors import DatabaseError, IsolationLevelError, TransactionError
from rhosocial.activerecord.backend.transaction import IsolationLevel, TransactionMode

from .config_checks import ConfigurationError
from .dialect.transaction import enum_member, enum_names
from .errors import DIAGNOSTIC_ATTRIBUTES, AfterCommitHookError, transaction_error_class, with_diagnostics

__all__ = ["PostgresTransactionMixin", "IsolationLevel", "TransactionMode", "surface_error", "transaction_error",
           "after_commit_error"]

def _spelled(member: Any) -> str:
    return member.name.replace("_", " ")


def transaction_error(message: str) -> TransactionError:
    """A TransactionError raised by the backend itself (no server diagnostics: all None)."""
    return with_diagnostics(TransactionError(message))


def after_commit_error(cause: BaseException) -> AfterCommitHookError:
    """The error for an AFTER_COMMIT handler that failed after a successful COMMIT."""
    error = with_diagnostics(AfterCommitHookError(
        f"The transaction was committed, but an AFTER_COMMIT handler then failed: "
        f"{type(cause).__name__}: {cause}"))
    error.__cause__ = cause
    return error


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
    _transaction_level: int
    _savepoint_count: int
    _savepoint_prefix: str
    _active_savepoints: List[str]
    _block_savepoints: List[str]  # the open nested blocks' savepoints, innermost last
    _backend: Any

    # (isolation level, mode, deferrable) the open transaction's BEGIN was sent with
    _begun_with: Optional[Tuple[Optional[IsolationLevel], TransactionMode, Optional[bool]]] = None

    # -- settings -------------------------------------------------------
    @property
    def deferrable(self) -> Optional[bool]:
        return self._deferrable

    @deferrable.setter
    def deferrable(self, value: Optional[bool]) -> None:
        value = self._as_deferrable(value)
        if self.is_active:  # type: ignore[attr-defined]
            raise transaction_error("Cannot change DEFERRABLE during an active transaction")
        self._deferrable = value

    def set_deferrable(self, value: Optional[bool] = True) -> None:
        """DEFERRABLE only matters for SERIALIZABLE READ ONLY transactions, where it
        lets the transaction wait for a safe snapshot instead of risking a
        serialization failure; PostgreSQL accepts (and ignores) it otherwise."""
        self.deferrable = value

    @property
    def isolation_level(self) -> Optional[IsolationLevel]:
        return self._isolation_level

    @isolation_level.setter
    def isolation_level(self, level: Union[IsolationLevel, str, None]) -> None:
        self.set_isolation_level(level)

    def set_isolation_level(self, level: Union[IsolationLevel, str, None]) -> None:
        level = self._as_isolation_level(level)
        if self.is_active:  # type: ignore[attr-defined]
            raise with_diagnostics(IsolationLevelError("Cannot change isolation level during an active transaction"))
        self._isolation_level = level

    @property
    def transaction_mode(self) -> TransactionMode:
        return self._transaction_mode

    @transaction_mode.setter
    def transaction_mode(self, mode: Union[TransactionMode, str, None]) -> None:
        mode = self._as_mode(mode) or TransactionMode.READ_WRITE
        if self.is_active:  # type: ignore[attr-defined]
            raise transaction_error("Cannot change transaction mode during an active transaction")
        self._transaction_mode = mode

    def set_read_only(self, value: Union[bool, TransactionMode, str] = True) -> None:
        """``True``/``False``, a ``TransactionMode`` or its name (``"READ ONLY"``, ``"read_write"``)."""
        if not isinstance(value, bool):
            if not isinstance(value, (TransactionMode, str)):
                raise with_diagnostics(ConfigurationError(
                    f"set_read_only: expected True/False, a TransactionMode or its name, got {value!r}"))
            value = self._as_mode(value) == TransactionMode.READ_ONLY
        self.transaction_mode = TransactionMode.READ_ONLY if value else TransactionMode.READ_WRITE

    @staticmethod
    def _as_isolation_level(level: Any) -> Optional[IsolationLevel]:
        """None, an ``IsolationLevel`` or its name in any spelling (``"repeatable read"``)."""
        return _setting(IsolationLevel, level, IsolationLevelError, "isolation level", "an")

    @staticmethod
    def _as_mode(mode: Any) -> Optional[TransactionMode]:
        """None, a ``TransactionMode`` or its name in any spelling (``"read only"``)."""
        return _setting(TransactionMode, mode, ConfigurationError, "transaction mode", "a")

    @staticmethod
    def _as_deferrable(value: Any) -> Optional[bool]:
        if value is None or isinstance(value, bool):
            return value
        raise with_diagnostics(ConfigurationError(f"deferrable: expected True, False or None, got {value!r}"))

    def _settings_conflict(self, level: Optional[IsolationLevel], mode: Optional[TransactionMode],
                           deferrable: Optional[bool], running_level: Optional[IsolationLevel]) -> Optional[str]:
        """Why a nested block asking for these settings cannot run inside the open transaction
        (None if it can: nothing asked, or the same as the transaction's). A nested block is a
        savepoint: it always runs with the enclosing transaction's settings."""
        _, running_mode, running_deferrable = self._begun_with or (None, TransactionMode.READ_WRITE, None)
        differ = []
        if level is not None and running_level is not None and level != running_level:
            differ.append(f"isolation level {_spelled(level)} (the transaction runs {_spelled(running_level)})")
        if mode is not None and mode != running_mode:
            differ.append(f"{_spelled(mode)} (the transaction is {_spelled(running_mode)})")
        if deferrable is not None and deferrable != bool(running_deferrable):
            running = "DEFERRABLE" if running_deferrable else "NOT DEFERRABLE"
            differ.append(f"{'' if deferrable else 'NOT '}DEFERRABLE (the transaction is {running})")
        if not differ:
            return None
        return ("A nested transaction block runs inside the enclosing transaction (as a savepoint) and "
                "cannot change its settings; it asked for " + ", ".join(differ) +
                ". Start a separate transaction for these settings")

    # -- savepoint names ---------------------------------------------------
    def _new_savepoint_name(self) -> str:
        """One sequence for nested blocks and ``savepoint()``: never a name still in use."""
        while True:
            self._savepoint_count += 1
            name = f"{self._savepoint_prefix}_{self._savepoint_count}"
            if name not in self._active_savepoints and name not in self._block_savepoints:
                return name

    def _get_savepoint_name(self, level: int) -> str:
        # The core names nested blocks SP_<level>, and savepoint() SP_<count>: the two clash.
        return self._new_savepoint_name()

    def _check_user_savepoint(self, name: str, what: str) -> None:
        """release()/rollback_to() may only touch savepoints made inside the innermost open block
        (or, outside any nested block, any of the transaction's): releasing or rolling back
        past a nested block's savepoint would destroy that block's savepoint on the server."""
        blocks = self._block_savepoints
        if name in blocks:
            raise transaction_error(
                f"Cannot {what} savepoint {name!r}: it belongs to a nested transaction block "
                "(leave the block, or raise inside it to roll it back)")
        if not blocks or name not in self._active_savepoints or blocks[-1] not in self._active_savepoints:
            return
        position = len(self._active_savepoints) - 1 - self._active_savepoints[::-1].index(name)
        if position < self._active_savepoints.index(blocks[-1]):
            raise transaction_error(
                f"Cannot {what} savepoint {name!r} inside a nested transaction block: it was made "
                "before the block began (leave the block first)")

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


def _setting(enum: Any, value: Any, error: type, what: str, article: str) -> Any:
    """``enum``'s member for ``value`` (a member or its name in any spelling), None for None;
    ``error`` naming the valid names otherwise."""
    found = enum_member(enum, value)
    if found is None and value is not None:
        raise with_diagnostics(error(f"Unknown {what} {value!r}: expected {article} "
                                     f"{enum.__name__} or one of {enum_names(enum)}"))
    return found
