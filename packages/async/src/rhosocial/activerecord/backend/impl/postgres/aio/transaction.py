"""AsyncPostgresTransactionManager: the core's async manager, PostgreSQL-flavoured.

Savepoints keep working after a failed statement because nothing here rolls
back on its own: PostgreSQL marks the transaction aborted, ``rollback_to``
restores it, and later statements commit with what came before the savepoint.

Failures of BEGIN/COMMIT/ROLLBACK/SAVEPOINT raise the translated error class
(``IntegrityError`` for a deferred constraint at COMMIT, ``SerializationError``
for 40001, ...) that is also a ``TransactionError`` (``surface_error``). After a
failed COMMIT the server has ended the transaction: a following ``rollback()``
(the usual ``except: tm.rollback(); raise``) is a quiet no-op, so that the real
error reaches the caller. (The sync twin, ``sync/transaction.py``, is generated from this file.)
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Iterable, List, Optional, Tuple, Union

from rhosocial.activerecord.backend.errors import DatabaseError
from rhosocial.activerecord.backend.transaction import AsyncTransactionManager, TransactionState

from ..transaction import PostgresTransactionMixin, surface_error, transaction_error

__all__ = ["AsyncPostgresTransactionManager"]


class AsyncPostgresTransactionManager(PostgresTransactionMixin, AsyncTransactionManager):
    """Nested transactions via savepoints; isolation, READ ONLY and DEFERRABLE in one BEGIN."""

    _active_savepoints: List[str]
    _deferrable: Optional[bool]

    # True from a successful BEGIN until the outermost COMMIT/ROLLBACK has ended:
    # the core lowers the nesting level *before* sending COMMIT, so the level alone
    # cannot tell the backend that the session still holds a transaction.
    _server_transaction = False

    # True after a COMMIT failed and the server ended the transaction (it rolled back),
    # until the next begin() or rollback(): that rollback() has nothing left to do and
    # must not replace the COMMIT's error with "No active transaction to rollback".
    _ended_by_failed_commit = False

    async def begin(self) -> None:
        self._ended_by_failed_commit = False
        try:
            await super().begin()
        except DatabaseError as exc:
            raise surface_error(exc)

    async def _do_begin(self) -> None:
        # A new transaction may start on a fresh connection if the old one died
        # while idle; inside a transaction the backend never reconnects.
        await self._backend.reconnect_if_lost()
        try:
            await super()._do_begin()
        except BaseException:
            # No transaction started: give back the connection pinned for it.
            await self._backend._unpin_connection()
            raise
        self._server_transaction = True

    async def commit(self) -> None:
        outermost = self._transaction_level == 1
        if not outermost and self._transaction_level > 1 and self._backend._transaction_aborted():
            # An error inside this nested block was swallowed: RELEASE would fail after the
            # core popped this level's savepoint, and a rollback would then undo the
            # *parent's* work. Refuse before touching anything: rollback() (which a
            # transaction() block does by itself) then undoes exactly this level.
            raise transaction_error(
                "A statement failed inside this nested transaction block: it cannot be "
                "committed; roll it back (to its savepoint) and the enclosing transaction continues"
            )
        if outermost and self._backend._transaction_connection_dead():
            # Never send COMMIT on another session: it would "succeed" on nothing.
            await self._forget_transaction()
            self._ended_by_failed_commit = True
            raise self._backend._lost_in_transaction()
        if outermost and self._backend._transaction_aborted():
            # PostgreSQL answers COMMIT of a failed transaction with ROLLBACK and no
            # error: say so instead of reporting a commit that did not happen.
            await self.rollback()
            self._ended_by_failed_commit = True
            raise transaction_error(
                "A statement failed inside the transaction, so PostgreSQL rolled it back and "
                "nothing was committed (roll back to a savepoint to recover from an error)"
            )
        try:
            await super().commit()
        except BaseException as exc:
            # A failed COMMIT (serialization failure, deferred constraint, lost
            # connection) still ends the transaction on the server.
            if outermost and self._transaction_level == 1 and self._backend._transaction_ended_on_server():
                await self._forget_transaction()
                self._ended_by_failed_commit = True
            if isinstance(exc, DatabaseError):
                raise surface_error(exc)
            raise
        if self._transaction_level == 0:
            await self._forget_transaction()

    async def rollback(self) -> None:
        if self._ended_by_failed_commit and not self.is_active:
            # The failed COMMIT already ended the transaction on the server (see
            # _ended_by_failed_commit); only a rollback with no transaction begun at all
            # keeps the core's "No active transaction to rollback".
            self._ended_by_failed_commit = False
            self.log(10, "rollback() after a failed COMMIT: the server already rolled the transaction back")
            return
        try:
            await super().rollback()
        except DatabaseError as exc:
            raise surface_error(exc)
        finally:
            if self._transaction_level == 0:
                await self._forget_transaction()

    async def savepoint(self, name: Optional[str] = None) -> str:
        try:
            return await super().savepoint(name)
        except DatabaseError as exc:
            raise surface_error(exc)

    async def release(self, name: str) -> None:
        try:
            await super().release(name)
        except DatabaseError as exc:
            raise surface_error(exc)

    async def rollback_to(self, name: str) -> None:
        try:
            await super().rollback_to(name)
        except DatabaseError as exc:
            raise surface_error(exc)

    async def _do_rollback(self) -> None:
        if self._backend._transaction_connection_dead():
            # The server already discarded the transaction with the session.
            self.log(30, "Connection lost: the server rolled the transaction back")
            return
        await super()._do_rollback()

    async def _forget_transaction(self) -> None:
        self.reset_after_connection_loss()
        await self._backend._unpin_connection()

    def reset_after_connection_loss(self) -> None:
        """Forget all transaction state (the session that held it is gone or ended it)."""
        self._transaction_level = 0
        self._active_savepoints = []
        self._savepoint_count = 0
        self._state = TransactionState.INACTIVE
        self._server_transaction = False
        self._ended_by_failed_commit = False

    # -- the original README's spellings ------------------------------------
    async def release_savepoint(self, name: str) -> None:
        await self.release(name)

    async def rollback_savepoint(self, name: str) -> None:
        await self.rollback_to(name)

    async def set_constraints(self, constraints: Union[str, Tuple[str, str], Iterable[Any], None] = None,
                              deferred: bool = True) -> None:
        """``SET CONSTRAINTS {ALL | "name", ...} {DEFERRED | IMMEDIATE}`` (names quoted).

        A str (``"fk"``, ``"schema.fk"``) or a tuple ``("schema", "fk")`` is ONE constraint
        (as everywhere in DDL: dialect/names.py); several are given as a list.
        """
        if not self.is_active:
            raise self._not_active("SET CONSTRAINTS")
        sql = self._build_set_constraints_sql(self._constraint_names(constraints), deferred)
        await self._backend.execute(sql)

    async def __aenter__(self) -> "AsyncPostgresTransactionManager":
        await self.begin()
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            await self.commit()
        elif self.is_active:
            await self.rollback()

    @asynccontextmanager
    async def transaction(self, isolation_level: Any = None, mode: Any = None,
                          deferrable: Optional[bool] = None) -> AsyncIterator[None]:
        """The core's ``transaction()`` (owner-task check included), plus ``deferrable``."""
        saved = self._deferrable
        if deferrable is not None:
            self._deferrable = deferrable
        try:
            async with super().transaction(self._as_isolation_level(isolation_level), mode):
                yield
        finally:
            self._deferrable = saved
