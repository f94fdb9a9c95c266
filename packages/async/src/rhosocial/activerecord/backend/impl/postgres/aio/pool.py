"""Connection pooling with psycopg_pool, transactions pinned to one connection.

With ``pool_min_size``/``pool_max_size`` in the config, the backend runs on an
``AsyncConnectionPool`` and may be shared by many tasks (threads, in the sync
twin). A statement outside a transaction borrows a connection for just that
statement; a transaction borrows one at BEGIN and keeps it ("pinned") until
COMMIT/ROLLBACK, so every statement of the transaction runs on the same
session.

Transaction state (the manager and the pinned connection) lives in a scope
found through a context variable (core ``pool_scope``): a task created inside
a transaction (``gather``, ``create_task``, ``wait_for``) inherits it and runs
its statements in that transaction, as on a non-pooled backend; a task that
asks for ``transaction_manager`` outside one gets its own. A transaction left
open by a task that ended (or a thread whose state was collected) is rolled
back and its connection given back to the pool, with a warning; ``disconnect()``
rolls back and closes what is still pinned.

Borrowing costs no round trip: no ``check`` callback is installed unless
``pool_check=True`` (the pool already discards connections that come back
broken, and the backend's own connection-loss policy applies). Giving a
connection back compares the settings the server reports with their values
at connect (no round trip) and resets the session (``DISCARD ALL``) only when
they differ or a session-level statement ran in the transaction.
"""

from __future__ import annotations

import logging
import weakref
from asyncio import Lock as PoolLock  # async-only
from asyncio import Task, current_task, get_running_loop  # async-only
from functools import partial  # async-only
from threading import current_thread
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple

import psycopg
from psycopg.pq import TransactionStatus

from ..connection_health import closed_while_idle
from ..pool_scope import (
    Scope,
    apply_defaults,
    context_scope,
    enter_scope,
    exhausted_error,
    pooled_manager_class,
    remember_session,
    session_changed,
    session_statement_error,
)
from ..replica import changes_session
from .pool_release import (
    LEFT_OPEN,
    close_when_free,
    owner_done,  # async-only
    release_later,
    scope_collected,
)

if TYPE_CHECKING:
    from ..config import PostgresConnectionConfig

# sync-only: from threading import Lock as PoolLock

__all__ = ["AsyncPoolMixin"]

INERROR = TransactionStatus.INERROR
IDLE = TransactionStatus.IDLE


def _owner() -> Any:
    try:  # async-only
        task = current_task()  # async-only
    except RuntimeError:  # no running event loop  # async-only
        task = None  # async-only
    if task is not None:  # async-only
        return task  # async-only
    return current_thread()


class AsyncPoolMixin:
    """Pool lifecycle and per-context transaction state (no-ops without a pool)."""

    if TYPE_CHECKING:  # provided by PostgresBackendMixin / the core's backend
        config: PostgresConnectionConfig
        logger: logging.Logger
        _connection: Any

        def _connect_kwargs(self) -> Dict[str, Any]: ...
        def _connect_error(self, exc: BaseException) -> Exception: ...
        def _apply_registered_types(self, connection: Any) -> None: ...
        def _is_broken(self, connection: Any) -> bool: ...
        async def _open_dedicated_connection(self, refresh: bool = False) -> Any: ...

    _pool: Any
    _scope_key: int  # this backend's key in the context variable's mapping (pool_scope)
    _scopes: Any  # WeakSet of the scopes made for this backend (disconnect() visits them)
    _managers: Any  # WeakKeyDictionary: scope -> its transaction manager
    _tx_defaults: Dict[str, Any]  # settings/handlers new managers start from (pool_scope)

    # -- pool lifecycle -------------------------------------------------------
    async def _open_pool(self) -> None:
        # Many tasks/threads may arrive here at once on first use: open one pool only.
        # An asyncio lock belongs to one event loop: one per loop (a backend disconnected
        # in one asyncio.run() may be used again in the next one).
        locks = self.__dict__.get("_pool_locks") or self.__dict__.setdefault("_pool_locks", {})
        key = get_running_loop()  # async-only
        # sync-only: key = None
        lock = locks.get(key)
        if lock is None:
            lock = locks.setdefault(key, PoolLock())
        async with lock:
            if self._pool is None:
                await self._open_pool_locked()

    async def _open_pool_locked(self) -> None:
        try:
            from psycopg_pool import AsyncConnectionPool
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                "pool_min_size/pool_max_size need psycopg-pool: "
                # this flavour's own extra: the meta distribution's would also install the other flavour
                "pip install 'rhosocial-activerecord-postgres-async[pool]'"
            ) from exc
        # One connection first, directly: psycopg_pool only logs a failed attempt and retries
        # until pool_timeout, so a wrong password or host would surface as "pool
        # initialization incomplete" after the whole timeout, without the server's reason.
        # (it also reads the type catalogue: the pool's connections apply that snapshot)
        probe = await self._open_dedicated_connection(refresh=True)
        await probe.close()
        kwargs = self._connect_kwargs()
        conninfo = kwargs.pop("conninfo")
        check = AsyncConnectionPool.check_connection if self.config.pool_check else None
        pool = AsyncConnectionPool(
            conninfo,
            kwargs=kwargs,
            open=False,
            configure=self._configure_pooled,
            check=check,
            name=self.config.application_name or "rhosocial-postgres",
            **self.config.pool_kwargs,
        )
        try:
            await pool.open(wait=True, timeout=self.config.pool_timeout)
        except Exception as exc:
            await pool.close()
            raise self._connect_error(exc) from None
        self._pool = pool

    async def _configure_pooled(self, connection: Any) -> None:
        # the type snapshot read when the pool opened (or by register_types): no query here,
        # every connection the pool makes (also after a loss) would otherwise pay for it
        self._apply_registered_types(connection)
        remember_session(connection)

    async def _close_pool(self) -> None:
        """Close the pool as a non-pooled disconnect() closes its session: this context's open
        transaction is rolled back (with a warning); the connections other tasks or threads
        still hold for a transaction are closed (the server rolls those back); every manager
        is reset."""
        scope = self._context_scope()
        manager = self._managers.get(scope) if scope is not None else None
        if manager is not None and manager.is_active and scope is not None \
                and scope.connection is not None and not self._is_broken(scope.connection):
            self.logger.warning("Disconnecting with an open transaction: rolling it back")
            try:
                await manager.rollback()
            except Exception as exc:  # the connection is closed below anyway
                self.logger.warning("ROLLBACK at disconnect failed (%s): closing the connection", exc)
        pool, self._pool = self._pool, None
        self.__dict__.pop("_pool_locks", None)
        closed = 0
        for scope in self._live_scopes():
            connection, _, _ = scope.take()
            manager = self._managers.get(scope)
            if manager is not None:
                manager.reset_after_connection_loss()
            if connection is not None:
                closed += 1
                await self._close_pinned(connection)
        if closed:
            self.logger.warning(
                "Disconnecting while %d transaction(s) of other tasks or threads were open on the "
                "pool: their connections are closed, and the server rolls those transactions back", closed)
        if pool is not None:
            await pool.close()

    async def _close_pinned(self, connection: Any) -> None:
        """Close a connection another task or thread holds for its transaction. One running a
        statement is cancelled, and closed once the statement returns (closing the socket
        under it would leave that statement waiting forever)."""
        if not connection.lock.locked():
            await connection.close()
            return
        try:
            await connection.cancel_safe(timeout=5)
        except Exception as exc:  # closed once free anyway
            self.logger.info("Could not cancel a statement in flight at disconnect: %s", exc)
        close_when_free(connection)

    def _live_scopes(self) -> list:
        while True:
            try:
                return list(self._scopes)
            except RuntimeError:  # another thread added one meanwhile
                continue

    # -- borrowing and giving back ----------------------------------------------
    async def _borrow(self) -> Tuple[Any, Any]:
        """(connection, its pool): a pooled connection not known to be dead (no round trip).

        After a server restart every idle pooled connection is dead; handing one out
        would fail a statement that could safely run on a new connection. Dead ones
        are closed and given back (the pool then replaces them).
        """
        pool = self._pool
        for _ in range(self.config.pool_kwargs["max_size"] + 1):
            connection = await self._getconn(pool)
            if not closed_while_idle(connection):
                return connection, pool
            await connection.close()
            await pool.putconn(connection)
        return await self._getconn(pool), pool

    async def _getconn(self, pool: Any) -> Any:
        try:
            return await pool.getconn(timeout=self.config.pool_timeout)
        except psycopg.OperationalError as exc:
            from psycopg_pool import PoolTimeout

            if not isinstance(exc, PoolTimeout):
                raise
            raise exhausted_error(self.config.pool_kwargs["max_size"], self.config.pool_timeout) from exc

    async def _give_back(self, connection: Any, pool: Any, dirty: bool = False) -> None:
        """Return a connection to ``pool``, with its session reset first when it changed."""
        try:
            if not self._is_broken(connection) and (
                    dirty or connection.pgconn.transaction_status != IDLE or session_changed(connection)):
                await self._reset_session(connection, dirty)
        finally:
            await pool.putconn(connection)

    async def _reset_session(self, connection: Any, dirty: bool) -> None:
        try:
            if connection.pgconn.transaction_status != IDLE:
                await connection.rollback()  # left open by a task that ended
            if dirty or session_changed(connection):
                # SET (not LOCAL) made in a transaction outlives its COMMIT; so do temporary
                # tables, LISTEN, prepared statements, WITH HOLD cursors, advisory locks.
                self.logger.info("Resetting the session of a pooled connection (DISCARD ALL) "
                                 "before giving it back: a statement changed it")
                await connection.execute("DISCARD ALL", prepare=False)
        except Exception as exc:
            self.logger.warning("Could not reset a pooled connection (%s): closing it", exc)
            await connection.close()  # the pool replaces it
        except BaseException:
            await connection.close()
            raise

    # -- per-context scopes --------------------------------------------------------
    def _context_scope(self) -> Optional[Scope]:
        return context_scope(self._scope_key)

    def _new_scope(self) -> Scope:
        owner = _owner()
        scope = Scope(owner, self)
        enter_scope(self._scope_key, scope)
        self._scopes.add(scope)
        if isinstance(owner, Task):  # async-only
            owner.add_done_callback(partial(owner_done, weakref.ref(self), weakref.ref(scope)))  # async-only
        return scope

    def _manager_scope(self) -> Scope:
        """This context's scope, or the inherited one while it holds a transaction; else a new one."""
        scope = self._context_scope()
        if scope is not None and (scope.owner() is _owner() or scope.holds_transaction(self._managers.get(scope))):
            return scope
        return self._new_scope()

    def _task_transaction_manager(self, factory: Any) -> Any:
        scope = self._manager_scope()
        manager = self._managers.get(scope)
        if manager is None:
            manager = pooled_manager_class(factory)(self, self.logger)
            apply_defaults(manager, self._tx_defaults)
            self._managers[scope] = manager
        return manager

    def _task_in_transaction(self) -> bool:
        scope = self._context_scope()
        manager = self._managers.get(scope) if scope is not None else None
        return manager is not None and manager.is_active

    # -- the pinned connection -------------------------------------------------------
    async def _pin_connection(self) -> None:
        """Borrow the connection a new transaction of this context will run on."""
        if self._pool is None:
            return
        scope = self._context_scope() or self._new_scope()
        pinned = scope.connection
        if pinned is not None and self._is_broken(pinned):
            await self._unpin_connection()  # the pool discards it
            pinned = None
        if pinned is None:
            connection, pool = await self._borrow()
            scope.connection, scope.pool, scope.dirty = connection, pool, False
            scope.loop = get_running_loop()  # async-only
            manager = self._managers.get(scope)
            manager = weakref.ref(manager) if manager is not None else None
            scope.finalizer = weakref.finalize(scope, scope_collected, weakref.ref(self), manager,
                                               connection, pool, scope.loop)
            scope.finalizer.atexit = False

    async def _unpin_connection(self) -> None:
        """Give the transaction's connection back (reset if its session changed)."""
        scope = self._context_scope()
        if scope is None or scope.connection is None:
            return
        connection, pool, dirty = scope.take()
        await self._give_back(connection, pool, dirty)

    def _pinned_connection(self) -> Optional[Any]:
        scope = self._context_scope()
        return scope.connection if scope is not None else None

    def _pinned_for(self, sql: Optional[str]) -> Optional[Any]:
        """The pinned connection for statement ``sql`` (None: borrow one); a session-level
        statement is refused outside a transaction and marks the connection for reset inside one."""
        scope = self._context_scope()
        pinned = scope.connection if scope is not None else None
        if sql is not None and changes_session(sql):
            if pinned is None:
                raise session_statement_error(sql)
            scope.dirty = True  # type: ignore[union-attr]
        return pinned

    def _abandon(self, scope: Scope) -> None:
        """The scope's owner ended with its transaction open: roll back, give the connection back."""
        loop = scope.loop
        connection, pool, dirty = scope.take()
        manager = self._managers.get(scope)
        if manager is not None:
            manager.reset_after_connection_loss()
        self.logger.warning(LEFT_OPEN)
        release_later(weakref.ref(self), connection, pool, dirty, loop)

    def _transaction_connection(self) -> Optional[Any]:
        if self.config.pooled:
            return self._pinned_connection()
        return self._connection

    def _transaction_connection_dead(self) -> bool:
        """The session holding the transaction is gone (detected without sending anything)."""
        connection = self._transaction_connection()
        return connection is None or self._is_broken(connection) or closed_while_idle(connection)

    def _transaction_ended_on_server(self) -> bool:
        connection = self._transaction_connection()
        return connection is None or self._is_broken(connection) or connection.info.transaction_status == IDLE

    def _transaction_aborted(self) -> bool:
        """True if a statement failed in the open transaction (PostgreSQL would turn COMMIT into ROLLBACK)."""
        connection = self._transaction_connection()
        return connection is not None and connection.info.transaction_status == INERROR
