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

Each nested block owns its savepoint: leaving it releases or rolls back to that one,
whatever savepoints ``savepoint()`` made inside it. Whenever the outermost COMMIT or
ROLLBACK ends the transaction on the server, even when it raised (a failed or cancelled
COMMIT, KeyboardInterrupt, an AFTER_COMMIT handler failing after COMMIT went through:
``AfterCommitHookError``), the manager is reset and a pooled connection given back; a
connection left unusable is closed, and nothing is ever sent again.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Iterable, List, Optional, Tuple, Union

from psycopg.pq import TransactionStatus
from rhosocial.activerecord.backend.errors import DatabaseError, TransactionError
from rhosocial.activerecord.backend.options import ExecutionOptions
from rhosocial.activerecord.backend.schema import StatementType
from rhosocial.activerecord.backend.transaction import AsyncTransactionManager, TransactionState

from ..transaction import PostgresTransactionMixin, after_commit_error, surface_error, transaction_error

__all__ = ["AsyncPostgresTransactionManager"]

_OPEN = (TransactionStatus.INTRANS, TransactionStatus.INERROR)
_DQL = ExecutionOptions(stmt_type=StatementType.DQL)


def _failed(action: str, cause: BaseException) -> BaseException:
    """The core's "Failed to <action> transaction" wrapper around ``cause``, surfaced as
    ``cause``'s class that is also a ``TransactionError`` (``surface_error``)."""
    error = TransactionError(f"Failed to {action} transaction: {cause}")
    error.__cause__ = cause
    return surface_error(error)


class AsyncPostgresTransactionManager(PostgresTransactionMixin, AsyncTransactionManager):
    """Nested transactions via savepoints; isolation, READ ONLY and DEFERRABLE in one BEGIN."""

    _active_savepoints: List[str]
    _deferrable: Optional[bool]
    _begun_with: Optional[Tuple[Any, Any, Optional[bool]]]

    # True from a successful BEGIN until the outermost COMMIT/ROLLBACK has ended:
    # the core lowers the nesting level *before* sending COMMIT, so the level alone
    # cannot tell the backend that the session still holds a transaction.
    _server_transaction = False

    # True after the server ended the transaction although commit() raised (COMMIT failed
    # and the server rolled back; COMMIT cancelled; an AFTER_COMMIT handler failed after
    # COMMIT), until the next begin() or rollback(): that rollback() has nothing left to do
    # and must not replace commit()'s error with "No active transaction to rollback".
    _ended_by_failed_commit = False

    # True once the outermost COMMIT succeeded (AFTER_COMMIT handlers run after it).
    _committed = False

    def __init__(self, backend: Any, logger: Any = None) -> None:
        super().__init__(backend, logger)
        self._block_savepoints: List[str] = []

    async def begin(self) -> None:
        self._ended_by_failed_commit = False
        level = self._transaction_level
        try:
            await super().begin()
        except BaseException as exc:
            self._transaction_level = level  # the core restores it for an Exception only
            if isinstance(exc, DatabaseError):
                raise surface_error(exc)
            raise
        if level > 0:  # a nested block: remember which savepoint is its own
            self._block_savepoints.append(self._active_savepoints[-1])

    async def _do_begin(self) -> None:
        # A new transaction may start on a fresh connection if the old one died
        # while idle; inside a transaction the backend never reconnects.
        await self._backend.reconnect_if_lost()
        try:
            await super()._do_begin()
        except BaseException:
            # No transaction started (or BEGIN was interrupted): leave no transaction
            # behind, and give back the connection pinned for it.
            await self._end_unusable_session(rollback=True)
            await self._backend._unpin_connection()
            raise
        self._server_transaction = True
        self._begun_with = (self._isolation_level, self._transaction_mode, self._deferrable)

    async def _do_commit(self) -> None:
        await super()._do_commit()
        self._committed = True

    async def commit(self) -> None:
        if self._transaction_level > 1 and self._block_savepoints:
            await self._end_block(release=True)
            return
        outermost = self._transaction_level == 1
        if outermost and self._backend._transaction_connection_dead():
            # Never send COMMIT on another session: it would "succeed" on nothing.
            await self._forget_transaction()
            self._ended_by_failed_commit = True
            # As when the loss happens during COMMIT: the core's "Failed to commit" wrapper,
            # surfaced as a ConnectionError that is also a TransactionError.
            raise _failed("commit", self._backend._lost_in_transaction())
        if outermost and self._backend._transaction_aborted():
            # PostgreSQL answers COMMIT of a failed transaction with ROLLBACK and no
            # error: say so instead of reporting a commit that did not happen.
            await self.rollback()
            self._ended_by_failed_commit = True
            raise transaction_error(
                "A statement failed inside the transaction, so PostgreSQL rolled it back and "
                "nothing was committed (roll back to a savepoint to recover from an error)"
            )
        self._committed = False
        await self._end(super().commit)

    async def rollback(self) -> None:
        if self._ended_by_failed_commit and not self.is_active:
            # The server already ended the transaction (see _ended_by_failed_commit); only
            # a rollback with no transaction begun at all keeps the core's "No active
            # transaction to rollback".
            self._ended_by_failed_commit = False
            self.log(10, "rollback() after commit() raised: the server already ended the transaction")
            return
        if self._transaction_level > 1 and self._block_savepoints:
            await self._end_block(release=False)
            return
        await self._end(super().rollback)

    async def _end(self, end: Any) -> None:
        """Run the core's COMMIT or ROLLBACK (``end``) of the outermost level (or a nested one
        without a block savepoint); reset the manager when it ended the transaction, or when
        it raised while the server ended it anyway (``_after_failed_end``)."""
        outermost = self._transaction_level == 1
        try:
            await end()
        except BaseException as exc:
            if outermost:
                await self._after_failed_end(exc)
            if isinstance(exc, DatabaseError):
                raise surface_error(exc)
            raise
        if self._transaction_level == 0:
            await self._forget_transaction()

    async def _after_failed_end(self, exc: BaseException) -> None:
        """The outermost COMMIT/ROLLBACK (or an event handler around it) raised ``exc``.

        Reset the manager and give the connection back whenever the transaction is over
        on the server: COMMIT succeeded and an AFTER_COMMIT handler failed (``exc`` then
        becomes an ``AfterCommitHookError``), COMMIT failed or was cancelled (the server
        ended it; a cancelled COMMIT's outcome is unknown, and it is never sent again),
        the session is gone, or the connection is left unusable (closed). If the server
        still holds the transaction open (COMMIT/ROLLBACK never sent): after an interrupt
        (cancellation, KeyboardInterrupt) it is rolled back, nobody being left to do it;
        after an error (a BEFORE_* handler failed) the manager keeps it, at level 1, as
        the core documents.
        """
        committed = self._committed
        interrupted = not isinstance(exc, Exception)
        if not committed and not await self._end_unusable_session(rollback=interrupted):
            self._transaction_level = 1  # the core restores it for an Exception only
            self._state = TransactionState.ACTIVE
            return
        await self._forget_transaction()
        self._ended_by_failed_commit = True
        if committed and isinstance(exc, Exception):
            cause = exc.__cause__ if type(exc) is TransactionError and exc.__cause__ is not None else exc
            raise after_commit_error(cause) from cause

    async def _end_unusable_session(self, rollback: bool) -> bool:
        """False if the transaction's session is alive and still inside a transaction (then,
        with ``rollback``, roll that back). True otherwise; a session whose last statement was
        interrupted in flight (outcome unknown, unusable) is closed, never reused."""
        backend = self._backend
        if backend._transaction_connection_dead():
            return True
        connection = backend._transaction_connection()
        status = connection.info.transaction_status
        if status in _OPEN:
            if not rollback:
                return False
            try:
                await connection.execute("ROLLBACK")
                return True
            except Exception:
                pass
        elif status == TransactionStatus.IDLE:
            return True
        try:
            await connection.close()
        except Exception:
            pass
        return True

    async def _end_block(self, release: bool) -> None:
        """Leave the innermost nested block: RELEASE (commit) or ROLLBACK TO (rollback) *its*
        savepoint, whatever savepoints ``savepoint()`` made inside it (gone with it)."""
        name = self._block_savepoints[-1]
        if release and self._backend._transaction_aborted():
            # An error inside this nested block was swallowed: RELEASE would fail, and a
            # later rollback must still undo exactly this level. Refuse before touching
            # anything: rollback() (which a transaction() block does by itself) then
            # undoes this level only.
            raise transaction_error(
                "A statement failed inside this nested transaction block: it cannot be "
                "committed; roll it back (to its savepoint) and the enclosing transaction continues"
            )
        if not release and self._backend._transaction_connection_dead():
            # The session and the whole transaction are gone: nothing to roll back to.
            # Statements keep failing until the outermost block ends (never a silent
            # reconnect inside a transaction); the error that got here is raised once.
            self.log(logging.WARNING, "Connection lost inside a nested transaction block")
        else:
            try:
                if release:
                    await self._do_release_savepoint(name)
                else:
                    await self._do_rollback_savepoint(name)
            except Exception as exc:
                if release or not self._backend._transaction_connection_dead():
                    raise _failed("commit" if release else "rollback", exc) from exc
            except BaseException:
                if not release:  # interrupted: still leave the block, once rolled back
                    await self._interrupted_block_rollback(name)
                raise
        self._leave_block(name)

    async def _interrupted_block_rollback(self, name: str) -> None:
        """ROLLBACK TO of a nested block was interrupted (it may not have been sent): send it
        again (the same effect twice) and leave the block, so that each enclosing block's
        rollback still undoes its own level. If that fails too, the transaction is aborted
        or gone, and nothing of it can be committed."""
        try:
            await self._do_rollback_savepoint(name)
        except Exception:
            pass
        self._leave_block(name)

    def _leave_block(self, name: str) -> None:
        self._block_savepoints.pop()
        self._transaction_level -= 1
        if name in self._active_savepoints:  # with the savepoints made inside the block
            del self._active_savepoints[self._active_savepoints.index(name):]

    async def savepoint(self, name: Optional[str] = None) -> str:
        if name is None and self.is_active:
            name = self._new_savepoint_name()
        elif name is not None and name in self._block_savepoints:
            raise transaction_error(f"Savepoint name {name!r} is in use by a nested transaction block")
        try:
            return await super().savepoint(name)
        except DatabaseError as exc:
            raise surface_error(exc)

    async def release(self, name: str) -> None:
        self._check_user_savepoint(name, "release")
        try:
            await super().release(name)
        except DatabaseError as exc:
            raise surface_error(exc)

    async def rollback_to(self, name: str) -> None:
        self._check_user_savepoint(name, "roll back to")
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
        self._block_savepoints = []
        self._begun_with = None
        self._committed = False

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
        """The core's ``transaction()`` (owner-task check included), plus ``deferrable``.

        Settings may be given by name (``"serializable"``, ``"read only"``). A nested block
        (a savepoint) runs with the enclosing transaction's settings: asking it for other
        ones raises ``TransactionError`` instead of silently ignoring them.
        """
        level = self._as_isolation_level(isolation_level)
        mode = self._as_mode(mode)
        deferrable = self._as_deferrable(deferrable)
        if self.is_active and self._begun_with is not None:
            running_level = self._begun_with[0]
            if level is not None and running_level is None:  # the server's default level
                result = await self._backend.execute("SHOW transaction_isolation", options=_DQL)
                running_level = self._as_isolation_level(result.data[0]["transaction_isolation"])
            problem = self._settings_conflict(level, mode, deferrable, running_level)
            if problem is not None:
                raise transaction_error(problem)
        saved = self._deferrable
        if deferrable is not None:
            self._deferrable = deferrable
        try:
            async with super().transaction(level, mode):
                yield
        finally:
            self._deferrable = saved
