"""Connection pooling with psycopg_pool, transactions pinned to one connection.

With ``pool_min_size``/``pool_max_size`` in the config, the backend runs on an
``AsyncConnectionPool`` and may be shared by many tasks (threads, in the sync
twin). A statement outside a transaction borrows a connection for just that
statement; a transaction borrows one at BEGIN and keeps it ("pinned") until
COMMIT/ROLLBACK, so every statement of the transaction runs on the same
session. Transaction state is per task (per thread): each gets its own
transaction manager, keyed by the running task.

Borrowing costs no round trip: no ``check`` callback is installed unless
``pool_check=True`` (the pool already discards connections that come back
broken, and the backend's own connection-loss policy applies).
"""

from __future__ import annotations

import logging
from asyncio import Lock as PoolLock  # async-only
from asyncio import current_task  # async-only
from typing import TYPE_CHECKING, Any, Dict, Optional

from psycopg.pq import TransactionStatus

from ..connection_health import closed_while_idle

if TYPE_CHECKING:
    from ..config import PostgresConnectionConfig

# sync-only: from threading import Lock as PoolLock
# sync-only: from threading import current_thread

__all__ = ["AsyncPoolMixin"]

INERROR = TransactionStatus.INERROR
IDLE = TransactionStatus.IDLE


def _context_key() -> Any:
    return current_task()  # async-only
    # sync-only: return current_thread()


class AsyncPoolMixin:
    """Pool lifecycle and per-task transaction state (no-ops without a pool)."""

    if TYPE_CHECKING:  # provided by PostgresBackendMixin / the core's backend
        config: PostgresConnectionConfig
        logger: logging.Logger
        _connection: Any

        def _connect_kwargs(self) -> Dict[str, Any]: ...
        def _connect_error(self, exc: BaseException) -> Exception: ...
        def _apply_registered_types(self, connection: Any) -> None: ...
        def _is_broken(self, connection: Any) -> bool: ...

    _pool: Any
    _pinned: Any  # WeakKeyDictionary: task/thread -> connection of its open transaction
    _managers: Any  # WeakKeyDictionary: task/thread -> its transaction manager

    async def _open_pool(self) -> None:
        # Many tasks/threads may arrive here at once on first use: open one pool only.
        lock = self.__dict__.get("_pool_lock") or self.__dict__.setdefault("_pool_lock", PoolLock())
        async with lock:
            if self._pool is None:
                await self._open_pool_locked()

    async def _open_pool_locked(self) -> None:
        try:
            from psycopg_pool import AsyncConnectionPool
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                "pool_min_size/pool_max_size need psycopg-pool: "
                "pip install 'rhosocial-activerecord-postgres[pool]'"
            ) from exc
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
        self._apply_registered_types(connection)

    async def _close_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def _getconn_alive(self) -> Any:
        """A pooled connection not known to be dead (no round trip: the idle-socket check).

        After a server restart every idle pooled connection is dead; handing one out
        would fail a statement that could safely run on a new connection. Dead ones
        are closed and given back (the pool then replaces them).
        """
        for _ in range(self.config.pool_kwargs["max_size"] + 1):
            connection = await self._pool.getconn(timeout=self.config.pool_timeout)
            if not closed_while_idle(connection):
                return connection
            await connection.close()
            await self._pool.putconn(connection)
        return await self._pool.getconn(timeout=self.config.pool_timeout)

    async def _pin_connection(self) -> None:
        """Borrow the connection a new transaction of this task will run on."""
        if self._pool is None:
            return
        key = _context_key()
        pinned = self._pinned.get(key)
        if pinned is not None and self._is_broken(pinned):
            await self._unpin_connection()  # the pool discards it
            pinned = None
        if pinned is None:
            self._pinned[key] = await self._getconn_alive()

    async def _unpin_connection(self) -> None:
        """Give the transaction's connection back (the pool discards it if broken)."""
        if self._pool is None:
            return
        connection = self._pinned.pop(_context_key(), None)
        if connection is not None:
            await self._pool.putconn(connection)

    def _pinned_connection(self) -> Optional[Any]:
        return self._pinned.get(_context_key())

    def _transaction_connection(self) -> Optional[Any]:
        if self.config.pooled:
            return self._pinned.get(_context_key())
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

    def _task_transaction_manager(self, factory: Any) -> Any:
        key = _context_key()
        manager = self._managers.get(key)
        if manager is None:
            manager = self._managers[key] = factory(self, self.logger)
        return manager

    def _task_in_transaction(self) -> bool:
        manager = self._managers.get(_context_key())
        return manager is not None and manager.is_active
