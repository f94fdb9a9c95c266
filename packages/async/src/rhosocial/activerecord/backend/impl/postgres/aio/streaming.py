"""Streaming results through server-side cursors: flat memory for any result size.

``backend.stream(sql, params=None, batch_size=1000)`` yields row dicts; the core's
``execute_batch_dql(expression, page_size=...)`` yields pages. Both read through
a named (server-side) cursor, ``batch_size`` rows per round trip (FETCH FORWARD),
so only one batch is ever held in memory.

A server-side cursor (``DECLARE ... WITHOUT HOLD``) lives in a transaction:

* inside a transaction of the backend (or one begun with a plain ``BEGIN``
  through ``execute()``), the stream uses it (the cursor is closed when the
  iterator is exhausted or closed; the transaction stays open). An iterator
  kept past the end of its transaction and closed (or collected) later sends
  nothing: its cursor ended with that transaction, and a CLOSE would fail in
  (and abort) whatever transaction the session is in by then;
* otherwise the stream runs in a transaction of its own on a connection of its
  own: a dedicated connection opened for the life of the iterator (closed with
  it), or one borrowed from the pool for a pooled backend. That transaction is
  committed when the iterator is exhausted and rolled back when it is closed
  early or fails. Statements run while iterating use the session as usual, and
  the stream does not see the session's state: settings made with ``SET``,
  temporary tables and uncommitted work are invisible to it. Open a transaction
  first to stream on the session's own connection, or put settings in the
  configuration (``timezone``, ``server_settings``) so every connection has them.

WITH HOLD cursors are not used: at COMMIT PostgreSQL materialises their whole
result, which is what streaming is meant to avoid.

Close an iterator abandoned early (``contextlib.aclosing`` or ``aclose()`` with the
asynchronous backend, ``close()`` with the synchronous one) so that the cursor and its
transaction end at once.
"""

from __future__ import annotations

import itertools
import time
from contextlib import aclosing, nullcontext
from typing import Any, AsyncGenerator, AsyncIterator, Dict, Optional, Tuple

from psycopg.pq import TransactionStatus
from rhosocial.activerecord.backend.errors import ConnectionError
from rhosocial.activerecord.backend.result import BatchDQLResult

from ..backend_base import result_columns
from ..connection_health import in_transaction_block

__all__ = ["AsyncStreamMixin"]

_IDLE = TransactionStatus.IDLE
_INTRANS = TransactionStatus.INTRANS
_names = itertools.count(1)


def _normalise_adapters(column_adapters: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if not column_adapters:
        return None
    return {k: v if isinstance(v, tuple) else (v, None) for k, v in column_adapters.items()}



# (rows, column names) batches from a named cursor; closable (aclosing/closing)
_Batches = AsyncGenerator[Tuple[Any, Any], None]  # async-only
# sync-only: _Batches = Generator[Tuple[Any, Any], None, None]

class AsyncStreamMixin:
    async def stream(
        self,
        sql: str,
        params: Optional[Any] = None,
        batch_size: int = 1000,
        *,
        column_adapters: Optional[Dict[str, Any]] = None,
        column_mapping: Optional[Dict[str, str]] = None,
    ) -> AsyncIterator[Dict[str, Any]]:
        """Iterate the rows of ``sql`` (``%s`` parameters, as for ``execute``) as dicts."""
        adapters = _normalise_adapters(column_adapters)
        rows_to_dicts = self._rows_to_dicts  # type: ignore[attr-defined]
        async with aclosing(self._server_cursor_batches(sql, self._adapt_params(params), batch_size)) as batches:  # type: ignore[attr-defined]
            async for rows, columns in batches:
                for row in rows_to_dicts(columns, rows, adapters, column_mapping):
                    yield row

    async def execute_batch_dql(
        self,
        expression: Any,
        *,
        page_size: int = 1000,
        column_adapters: Optional[Dict[str, Any]] = None,
        column_mapping: Optional[Dict[str, str]] = None,
    ) -> AsyncIterator[BatchDQLResult]:
        """The core's paged query, through a server-side cursor (see module docstring)."""
        sql, params = expression.to_sql()
        adapters = _normalise_adapters(column_adapters)
        page_index = 0
        async with aclosing(self._server_cursor_batches(sql, self._adapt_params(params), page_size)) as batches:  # type: ignore[attr-defined]
            start = time.perf_counter()
            async for rows, columns in batches:
                data = self._rows_to_dicts(columns, rows, adapters, column_mapping)  # type: ignore[attr-defined]
                yield BatchDQLResult(
                    data=data,
                    page_index=page_index,
                    page_size=len(rows),
                    has_more=len(rows) == page_size,
                    duration=time.perf_counter() - start,
                )
                page_index += 1
                start = time.perf_counter()

    async def _server_cursor_batches(self, sql: str, params: Any, size: int) -> _Batches:
        """Yield ``(rows, column names)`` batches of ``sql`` read through a named cursor.

        The text is prepared once the connection is known: a backslash in ``'...'`` escapes
        when that session has ``standard_conforming_strings`` off (``_prepare_sql_and_params``)."""
        if size < 1:
            raise ValueError("batch_size must be at least 1")
        dedicated = None
        try:
            if (not self.config.pooled and not self._holds_transaction()  # type: ignore[attr-defined]
                    and not in_transaction_block(self._connection)):  # type: ignore[attr-defined]
                # Outside a transaction the stream needs one of its own; on the shared
                # session it would swallow (and, closed early, roll back) the caller's
                # statements made while iterating. A pool lends a separate connection anyway.
                # A BEGIN sent through execute() is a transaction too (the manager does not
                # know it): the stream then reads in it, and sees its uncommitted rows.
                dedicated = await self._open_dedicated_connection()  # type: ignore[attr-defined]
            source = self._borrowed() if dedicated is None else nullcontext(dedicated)  # type: ignore[attr-defined]
            async with source as connection:
                own = connection.info.transaction_status == _IDLE
                if own:
                    await connection.execute("BEGIN")
                query, values = self._prepare_sql_and_params(sql, params, connection)  # type: ignore[attr-defined]
                cursor = connection.cursor(name=f"rho_stream_{next(_names)}", withhold=False)
                completed = False
                try:
                    self._log_statement(query, values)  # type: ignore[attr-defined]
                    await cursor.execute(query, values)
                    columns = result_columns(cursor)
                    while True:
                        rows = await cursor.fetchmany(size)
                        if not rows:
                            break
                        yield rows, columns
                        if len(rows) < size:
                            break
                    completed = True
                finally:
                    if own and not connection.closed and not connection.broken:
                        # COMMIT (or ROLLBACK) ends the WITHOUT HOLD cursor: close() then sends nothing.
                        await connection.execute("COMMIT" if completed else "ROLLBACK")
                    elif not completed and connection.info.transaction_status == _INTRANS:
                        # Closed early in a transaction the stream did not begin. It may have
                        # ended since (the iterator was kept, then closed or collected in a
                        # later one) and its cursor with it: a CLOSE would then fail and abort
                        # that later transaction. psycopg's path for a cursor it did not
                        # declare first looks the name up in pg_cursors (one query, only on an
                        # early close; names are unique in the process). Cheaper checks cannot
                        # tell two transactions apart: the status is INTRANS in both, and the
                        # transaction manager keeps no count of the transactions it ran.
                        cursor._described = False
                    if not connection.closed:
                        await cursor.close()
        except (ConnectionError, GeneratorExit):
            raise
        except BaseException as exc:
            raise self._translate_or_pass(exc)  # type: ignore[attr-defined]
        finally:
            if dedicated is not None:
                await dedicated.close()
