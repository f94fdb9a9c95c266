"""AsyncPostgresBackend: the core's async storage backend on psycopg's AsyncConnection.

This file is the hand-written source; ``sync/backend.py`` is generated from it
by ``tools/async_to_sync.py`` (psycopg's approach), so the two flavours cannot
drift apart. Logic that does not await lives in the core distribution
(``backend_base``, ``errors``, ``sql_text``, ``transaction``).

Connection-loss policy (never replay): a statement is only ever sent once. A
connection found dead *before* sending (the server closed it while idle) is
replaced transparently when no transaction is open; inside a transaction, or
when the failure happens while the statement is in flight, the caller gets a
``ConnectionError`` and nothing of the transaction is committed. The one statement sent
again is one that PostgreSQL refused before running it, outside a transaction, because
psycopg had prepared it before another session altered its table (``_replan``).
"""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from typing import Any, Dict, List, Optional, Tuple

import psycopg
from rhosocial.activerecord.backend.base import AsyncStorageBackend
from rhosocial.activerecord.backend.errors import ConnectionError, DatabaseError
from rhosocial.activerecord.backend.options import ExecutionOptions
from rhosocial.activerecord.backend.result import QueryResult
from rhosocial.activerecord.backend.schema import StatementType

from ..backend_base import PostgresBackendMixin, as_postgres_config, result_columns
from ..connection_health import closed_while_idle
from ..cursor_reuse import give_back_cursor, take_cursor
from .bulk import AsyncBulkMixin
from .explain import AsyncPostgresExplainMixin
from .introspection import AsyncIntrospectionBackendMixin
from .notify import AsyncNotifyMixin
from .pool import AsyncPoolMixin
from .replica import AsyncReplicaMixin
from .stale_plans import AsyncStalePlanMixin
from .streaming import AsyncStreamMixin
from .transaction import AsyncPostgresTransactionManager
from .writes import AsyncWriteAdaptersMixin

__all__ = ["AsyncPostgresBackend"]

_DQL = StatementType.DQL
_IDLE = psycopg.pq.TransactionStatus.IDLE
_DDL_OPTIONS = ExecutionOptions(stmt_type=StatementType.DDL)


class AsyncPostgresBackend(
    # Feature mixins (one module each in this package) go here, before the bases.
    AsyncIntrospectionBackendMixin,
    AsyncPostgresExplainMixin,
    AsyncNotifyMixin,
    AsyncReplicaMixin,
    AsyncWriteAdaptersMixin,
    AsyncBulkMixin,
    AsyncStreamMixin,
    AsyncPoolMixin,
    AsyncStalePlanMixin,
    PostgresBackendMixin,
    AsyncStorageBackend,
):
    """PostgreSQL backend for ``AsyncActiveRecord`` models (psycopg 3, asyncio)."""

    _connection: Any  # psycopg.AsyncConnection, or None before connect()
    _transaction_manager: Any

    def __init__(self, connection_config: Any = None, **kwargs: Any) -> None:
        core = {k: kwargs.pop(k) for k in ("logging_config", "logger") if k in kwargs}
        config = as_postgres_config(connection_config, kwargs)
        super().__init__(connection_config=config, **core)
        self._init_postgres()

    # -- connection lifecycle ---------------------------------------------
    async def connect(self) -> None:
        """Open the session (or the pool). Idempotent while the connection is healthy."""
        if self.config.pooled:
            if self._pool is None:
                await self._open_pool()
            return
        if self._connection is not None and not self._is_broken(self._connection):
            return
        await self._close_quietly()
        self._connection = await self._open_dedicated_connection(refresh=True)
        if self.logger.isEnabledFor(logging.INFO):
            self.logger.info("Connected to PostgreSQL %s", self.config.safe_description())

    async def _open_dedicated_connection(self, refresh: bool = False) -> Any:
        """A separate session with this backend's settings and registered types.

        ``refresh`` (connect(), a pool's opening): read the type catalogue again first.
        Otherwise (a stream's own session) the snapshot is applied as it is, without a
        query, unless none was read yet (``backend_base``)."""
        try:
            connection = await psycopg.AsyncConnection.connect(**self._connect_kwargs())
        except psycopg.Error as exc:
            raise self._connect_error(exc) from None
        if refresh or not self._catalogue_read:
            await self._read_type_catalogue(connection)
        self._apply_registered_types(connection)
        return connection

    async def _read_type_catalogue(self, connection: Any, fresh: Any = ()) -> None:
        """Re-read the registered types (but ``fresh``) and the user array types
        (``backend_base``: a type may have been dropped, re-created or altered since)."""
        try:
            cursor = await connection.execute(self._USER_ARRAYS_SQL)
            self._user_arrays[:] = await cursor.fetchall()
            for spec in self._specs_to_refetch(fresh):
                self._replace_type_info(spec, await spec.info_class.fetch(connection, spec.name))
            self._catalogue_read = True
        except psycopg.Error as exc:  # the snapshot from before stays in use
            self.logger.warning("Could not read the type catalogue: %s", exc)

    async def disconnect(self) -> None:
        await self._disconnect_replica()
        if self._pool is not None:
            await self._close_pool()
            return
        manager = self._transaction_manager
        if manager is not None and manager.is_active and not self._is_broken(self._connection):
            self.logger.warning("Disconnecting with an open transaction: rolling it back")
            await manager.rollback()
        if manager is not None:
            manager.reset_after_connection_loss()
        await self._close_quietly()

    async def _close_quietly(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.closed:
            try:
                await connection.close()
            except psycopg.Error:  # already gone: nothing to release
                pass

    async def ping(self, reconnect: bool = True) -> bool:
        if self.in_transaction or self._holds_transaction():
            # Inside a transaction a statement may fail while the session is fine (25P02
            # after a failed statement, before rollback_to): look at the connection
            # instead, without sending anything (never reconnects: that would lose the
            # transaction).
            return not self._transaction_connection_dead()
        try:
            await self.execute("SELECT 1")
            return True
        except (psycopg.Error, DatabaseError):
            if not reconnect or self.in_transaction:
                return False
        try:
            await self._close_quietly()
            await self.connect()
            return True
        except ConnectionError:
            return False

    async def _usable_connection(self) -> Any:
        """The connection for the next statement; reconnects only when that cannot lose work."""
        if self._pool is not None or self.config.pooled:
            pinned = self._pinned_connection() if self._pool is not None else None
            if pinned is not None:
                return pinned
            raise RuntimeError("pooled backends borrow per statement; use execute()")  # pragma: no cover
        connection = self._connection
        if connection is not None and not connection.broken and not closed_while_idle(connection):
            return connection
        if self._holds_transaction():
            raise self._lost_in_transaction()
        await self.connect()
        return self._connection

    async def reconnect_if_lost(self) -> None:
        """Before BEGIN: a fresh transaction may start on a new connection (pool: borrow one)."""
        if self.config.pooled:
            if self._pool is None:
                await self._open_pool()
            await self._pin_connection()
            return
        connection = self._connection
        if connection is None or connection.broken or closed_while_idle(connection):
            await self.connect()

    async def register_types(self, *specs: Any) -> None:
        """Register server-defined types (enums, composites, hstore, ...) with psycopg.

        Each spec (see ``types.registration``) names a type; its ``TypeInfo`` is
        fetched now and again on every connect() (and pool opening), then applied to
        every new connection of this backend (no query there). After DDL that creates or
        changes a type on an open connection, call ``register_types()`` (no arguments
        re-read every registered type and the user array types).
        """
        async with self._borrowed() as connection:
            for spec in specs:
                info = await spec.info_class.fetch(connection, spec.name)
                self._remember_type(spec, info)
            await self._read_type_catalogue(connection, specs)
            self._apply_registered_types(connection)
        if self._pool is not None and hasattr(self._pool, "drain"):
            # connections already idle in the pool predate the registration: replace them
            await self._pool.drain()
        if self._read_replica is not None:
            # the replica shares the registrations; its open session reconnects lazily
            await self._read_replica.disconnect()

    async def get_server_version(self) -> Tuple[int, int, int]:
        if self._server_version is None:
            async with self._borrowed() as connection:
                self._apply_version(connection.info.server_version)
        return self._server_version  # type: ignore[return-value]

    async def introspect_and_adapt(self) -> None:
        """Read the server version, extensions and build options; adapt the dialect to them.

        One query per fact, each allowed to fail on its own: some server builds ship
        broken extension control files (the catalogue view then raises) or lack
        libxml; missing knowledge only narrows what the dialect declares.
        """
        facts: Dict[str, Any] = {}
        async with self._borrowed() as connection:
            for name, sql in self._server_fact_queries():
                try:
                    cursor = await connection.execute(sql)
                    facts[name] = await cursor.fetchall()
                except psycopg.Error as exc:
                    facts[name] = exc
            self._apply_server_facts(connection.info.server_version, facts)

    def _borrowed(self, sql: Optional[str] = None) -> Any:
        """A connection for a few statements: the session, the pinned one, or a pool loan.

        Pooled, ``sql`` (the statement to run) is checked: a statement that changes the
        session is refused outside a transaction (``PooledSessionStateError``) and has the
        pinned connection reset before it goes back to the pool inside one (pool.py).
        """
        return _Borrowed(self, sql)

    # -- execution --------------------------------------------------------
    def _get_cursor(self) -> Any:
        # psycopg's AsyncConnection.cursor() is not a coroutine (the core awaits it).  # async-only
        return self._connection.cursor()

    async def execute(
        self, sql: str, params: Optional[Any] = None, *, options: Optional[ExecutionOptions] = None
    ) -> QueryResult:
        if options is None:
            options = _DDL_OPTIONS
        if self.config.read_replica_host is not None:  # every statement: replica.changes_session
            replica = self._replica_for(sql, options)
            if replica is not None:
                return await replica.execute(sql, params, options=options)
        try:
            if self._pool is None and not self.config.pooled:
                return await self._run(await self._usable_connection(), sql, params, options)
            async with self._borrowed(sql) as connection:
                return await self._run(connection, sql, params, options)
        except ConnectionError:
            raise
        except BaseException as exc:
            raise self._translate_or_pass(exc)

    async def _run(self, connection: Any, sql: str, params: Any, options: ExecutionOptions) -> QueryResult:
        start = time.perf_counter()
        want_rows = options.process_result_set
        if want_rows is None:
            want_rows = options.stmt_type == _DQL
        query, values = self._prepare_sql_and_params(sql, self._adapt_params(params), connection)
        self._log_statement(query, values)
        cursor = take_cursor(connection)  # see cursor_reuse: kept only after a success
        replan = False
        try:
            await cursor.execute(query, values)
        except Exception as exc:
            replan = await self._replan(connection, exc, query)
            if not replan:
                # error path only: name the parameter psycopg could not convert (backend_base)
                error = self._statement_error(exc, cursor, values, params)
                if error is None:
                    raise
                raise error from exc
        if replan:
            await cursor.execute(query, values)
        data = None
        if want_rows:
            columns = result_columns(cursor)
            rows = await cursor.fetchall() if columns is not None else []
            data = self._rows_to_dicts(columns or (), rows, options.column_adapters, options.column_mapping)
        result = self._result(cursor, data, time.perf_counter() - start)
        give_back_cursor(connection, cursor)
        return result

    async def execute_many(self, sql: str, params_list: List[Any]) -> Optional[QueryResult]:
        """One statement, many parameter sets: psycopg's pipelined ``executemany``.

        All or nothing: outside a transaction the sets run in one transaction of their own
        (in autocommit each would commit by itself, and a failing set would leave the ones
        before it committed); inside one, a failure aborts it as any statement's would.
        """
        start = time.perf_counter()
        try:
            adapted = self._adapt_many(params_list)
            async with self._borrowed(sql) as connection:
                # lexed as the session that runs it reads a backslash in '...' (backend_base)
                query, _ = self._prepare_sql_and_params(sql, (), connection)
                try:
                    affected = await self._execute_many_on(connection, query, adapted)
                except psycopg.Error as exc:
                    # all sets ran in one transaction (or there is one): a refused plan left nothing
                    if not await self._replan(connection, exc, query):
                        raise
                    affected = await self._execute_many_on(connection, query, adapted)
            return QueryResult(affected_rows=affected, duration=time.perf_counter() - start)
        except ConnectionError:
            raise
        except BaseException as exc:
            raise self._translate_or_pass(exc)

    async def _execute_many_on(self, connection: Any, query: str, adapted: Any) -> int:
        own = len(adapted) > 1 and connection.info.transaction_status == _IDLE
        async with connection.transaction() if own else nullcontext(), connection.cursor() as cursor:
            try:
                await cursor.executemany(query, adapted)
            except Exception as exc:
                error = self._rows_error(exc, cursor, adapted)
                if error is None:
                    raise
                raise error from exc
            return cursor.rowcount

    async def _handle_error(self, error: Exception) -> None:
        raise self._translate_or_pass(error)

    async def _handle_auto_commit(self) -> None:
        # autocommit=True: a statement outside BEGIN ... COMMIT commits by itself.
        return None

    # -- transactions -----------------------------------------------------
    @property
    def transaction_manager(self) -> AsyncPostgresTransactionManager:
        if self.config.pooled:
            return self._task_transaction_manager(AsyncPostgresTransactionManager)
        if self._transaction_manager is None:
            self._transaction_manager = AsyncPostgresTransactionManager(self, self.logger)
        return self._transaction_manager

    @property
    def in_transaction(self) -> bool:
        if self.config.pooled:
            return self._pool is not None and self._task_in_transaction()
        manager = self._transaction_manager
        return manager is not None and manager.is_active


class _Borrowed:
    """``async with backend._borrowed() as connection``: see AsyncPostgresBackend._borrowed."""

    __slots__ = ("_backend", "_sql", "_loan", "_pool")

    def __init__(self, backend: AsyncPostgresBackend, sql: Optional[str]) -> None:
        self._backend = backend
        self._sql = sql
        self._loan: Any = None
        self._pool: Any = None

    async def __aenter__(self) -> Any:
        backend = self._backend
        if not backend.config.pooled:
            return await backend._usable_connection()
        pinned = backend._pinned_for(self._sql)
        if pinned is not None:
            return pinned
        if backend._pool is None:
            await backend._open_pool()
        self._loan, self._pool = await backend._borrow()
        return self._loan

    async def __aexit__(self, *exc_info: Any) -> None:
        if self._loan is not None:
            loan, self._loan = self._loan, None
            # to the pool it came from (a disconnect() may have replaced the backend's);
            # reset first if its session changed; the pool discards a broken one
            await self._backend._give_back(loan, self._pool)
