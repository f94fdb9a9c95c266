"""Bulk paths: multi-row INSERT, COPY FROM STDIN, and the core's batch DML on executemany.

* ``bulk_insert`` (what ``Model.bulk_create`` calls): multi-row
  ``INSERT ... VALUES (...), (...) [RETURNING ...]`` statements of
  ``ROWS_PER_STATEMENT`` rows (fewer for very wide rows: the wire protocol
  counts a statement's parameters in 16 bits), built directly as text (the core
  builds an expression object per value, which costs more than the round trip)
  and sent in one pipeline, unprepared (see ``_run_insert``): the server plans
  one INSERT of 10,000 rows 2.5 times slower than 50 of 200. Outside a
  transaction several statements run in one, so that a failure part-way leaves
  nothing behind; inside one, a failure aborts it as a single INSERT's would.
  Statement-level triggers fire once per statement. Rows holding SQL
  expressions go through the core's builder. Rows with no columns (every column
  takes its default) go as one ``INSERT ... SELECT FROM generate_series(1, n)``.
  With RETURNING, each statement must return as many rows as it sent (the
  caller matches keys to records by position): when a trigger, rule or view
  drops rows, ``BulkOperationError`` is raised, and outside a transaction
  nothing is stored (the statements then always run in a transaction of their
  own, which also covers converting the returned rows).
* ``copy_records(table, rows, columns=None, schema=None)``: COPY FROM STDIN,
  binary where the column types allow it (see ``postgres/copy.py``), text
  otherwise; returns the number of rows copied.
* ``execute_batch_dml``: the core sends its batches through ``_execute_batch_fast``
  (here: psycopg's pipelined ``executemany`` on a borrowed connection) and
  ``_execute_batch_with_returning`` (here: ``executemany(returning=True)``
  instead of one ``execute`` per row).
"""

from __future__ import annotations

import dataclasses
import struct
import time
from contextlib import nullcontext
from typing import Any, Dict, List, Optional, Sequence, Tuple

import psycopg
from rhosocial.activerecord.backend.errors import ConnectionError
from rhosocial.activerecord.backend.result import QueryResult

from ..backend_base import result_columns
from ..bulk import (
    check_row_widths,
    chunk_rows_by_parameters,
    merge_results,
    returned_row_count_error,
    rows_per_statement,
)
from ..connection_health import in_transaction_block
from ..copy import (
    COLUMN_TYPES_SQL,
    CopyPlan,
    build_copy_plan,
    format_copy,
    holds_temporal_sentinels,
    insert_values_sql,
    regclass_text,
    rows_as_sequences,
)
from ..copy_values import prepare_rows, session_timezone
from ..types.temporal import use_default_binary_dumpers

__all__ = ["AsyncBulkMixin"]

_IDLE = psycopg.pq.TransactionStatus.IDLE
#: libpq 14+ (psycopg's binary wheels bundle a recent one); otherwise one round trip per statement
_PIPELINE = psycopg.Pipeline.is_supported()
# What psycopg's binary dumpers raise for a value not of their type: struct.error (the oid
# dumper given -1 or 2**33), AttributeError (the uuid dumper given a str), ... The text
# format then lets the server parse the value as it parses an INSERT's parameter.
_DUMP_ERRORS = (TypeError, ValueError, OverflowError, AttributeError, struct.error,
                psycopg.DataError, psycopg.ProgrammingError)


def _normalise_adapters(column_adapters: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """Column adapters as ``name -> (adapter, target type)`` (the core also passes bare adapters)."""
    if not column_adapters:
        return None
    return {k: v if isinstance(v, tuple) else (v, None) for k, v in column_adapters.items()}


class AsyncBulkMixin:
    _copy_plans: Dict[Any, CopyPlan]  # ((schema, table, columns), catalogue rows) -> plan

    # -- multi-row INSERT (Model.bulk_create) -------------------------------
    async def bulk_insert(self, options: Any) -> QueryResult:
        rows = options.rows
        columns = list(options.columns)
        if not rows:
            return await super().bulk_insert(options)  # type: ignore[misc]
        check_row_widths(rows, len(columns))
        if not columns:
            return await self._bulk_insert_defaults(options)
        # the model's own field adapters, as save() applies them (aio/writes.py)
        adapted_rows = self._apply_field_adapters_rows(columns, rows, options.column_adapters)  # type: ignore[attr-defined]
        if adapted_rows is not rows:
            rows = adapted_rows
            options = dataclasses.replace(options, rows=rows)
        flat = [value for row in rows for value in row]
        kinds = set(map(type, flat))
        if any(hasattr(kind, "to_sql") for kind in kinds):
            return await self._bulk_insert_expressions(options)  # SQL expressions among the values
        suggestions = self.get_default_adapter_suggestions()  # type: ignore[attr-defined]
        if not kinds.isdisjoint(suggestions):
            for index, value in enumerate(flat):
                suggestion = suggestions.get(type(value))
                if suggestion is not None:
                    flat[index] = suggestion[0].to_database(value, suggestion[1])
        head, tail = self._insert_sql_parts(options.table, options.schema_name, columns, options.returning_columns)
        width = len(columns)
        per = rows_per_statement(width) * width
        batches = [flat[i:i + per] for i in range(0, len(flat), per)]
        statements = [(insert_values_sql(head, len(batch) // width, width, tail), batch, len(batch) // width)
                      for batch in batches]
        adapters = _normalise_adapters(options.column_adapters)
        return await self._run_insert(statements, bool(tail), width, adapters, options.column_mapping, columns)

    async def _bulk_insert_defaults(self, options: Any) -> QueryResult:
        """Rows of no values: every column takes its default. One statement for all of them
        (``INSERT ... DEFAULT VALUES`` inserts one row, and a VALUES list needs a column);
        the rows are identical, so any order of the returned keys matches the records."""
        head, tail = self._insert_sql_parts(options.table, options.schema_name, (), options.returning_columns)
        count = len(options.rows)
        statement: Tuple[str, List[Any], int] = (f"{head}SELECT FROM generate_series(1, {count}){tail}", [], count)
        return await self._run_insert([statement], bool(tail), 0, _normalise_adapters(options.column_adapters),
                                      options.column_mapping)

    async def _bulk_insert_expressions(self, options: Any) -> QueryResult:
        """Rows holding SQL expressions: the core's builder, in chunks of at most 65535
        parameters (an expression may bind several), the returned rows counted per chunk."""
        chunks = chunk_rows_by_parameters(options.rows)
        returning = bool(options.returning_columns)
        if len(chunks) == 1 and not returning:
            return await super().bulk_insert(options)  # type: ignore[misc]
        # All or nothing, as _run_insert: several chunks run in a transaction of the manager
        # (a savepoint inside one of its transactions), and so does one chunk with RETURNING
        # outside any transaction (so that a short count stores nothing); a BEGIN sent
        # through execute() is left to its owner.
        managed = self.in_transaction  # type: ignore[attr-defined]
        raw_begin = not managed and not self.config.pooled and in_transaction_block(self._connection)  # type: ignore[attr-defined]
        wrap = not raw_begin and (len(chunks) > 1 or not managed)
        results: List[QueryResult] = []
        async with self.transaction_manager.transaction() if wrap else nullcontext():  # type: ignore[attr-defined]
            for rows in chunks:
                part = dataclasses.replace(options, rows=rows, auto_commit=False)
                result = await super().bulk_insert(part)  # type: ignore[misc]
                if returning and len(result.data or ()) != len(rows):
                    raise returned_row_count_error(len(rows), len(result.data or ()))
                results.append(result)
        return merge_results(results)

    def _insert_sql_parts(self, table: str, schema: Optional[str], columns: Sequence[str],
                          returning: Optional[Sequence[str]]) -> Tuple[str, str]:
        """``INSERT INTO t (columns) VALUES `` (``INSERT INTO t `` without columns) and the RETURNING tail."""
        quote = self.dialect.format_identifier  # type: ignore[attr-defined]
        target = f"{quote(schema)}.{quote(table)}" if schema else quote(table)
        # plain SQL: the statement goes through a RawCursor ($n placeholders, no % escaping)
        head = f"INSERT INTO {target} "
        if columns:
            head += f"({', '.join(map(quote, columns))}) VALUES "
        tail = ""
        if returning:
            tail = " RETURNING " + ", ".join(map(quote, returning))
        return head, tail

    async def _run_insert(self, statements: List[Tuple[str, List[Any], int]], returning: bool, width: int,
                          adapters: Optional[Dict[str, Any]], mapping: Optional[Dict[str, str]],
                          columns: Sequence[str] = ()) -> QueryResult:
        """Run the INSERT (or ``bulk_update``) ``statements`` (``(text, values, rows)``: ``width``
        values per row), all sent in one pipeline, in one transaction if none is open and there are several
        or they return rows (all or nothing). RETURNING rows come back in input order: one
        cursor per statement, read in order, each returning its rows in VALUES order; a
        statement returning another number of rows than it sent raises (see module docstring).

        Not prepared: psycopg keys a prepared statement by its parameter types, which vary
        from batch to batch (an int is int2, int4 or int8 by its size; None has no type), so
        the batches would leave dozens of cached 200-row plans (megabytes) on every
        connection, and a prepared ``RETURNING *`` fails after the table is altered elsewhere
        (see ``connection_health.stale_plan``).
        """
        start = time.perf_counter()
        data: Optional[List[Dict[str, Any]]] = [] if returning else None
        affected = offset = 0
        cursors: List[Any] = []
        several = len(statements) > 1
        try:
            async with self._borrowed() as connection:  # type: ignore[attr-defined]
                try:
                    # the connection's own state: a BEGIN sent through execute() counts too
                    own = (several or returning) and connection.info.transaction_status == _IDLE
                    async with connection.transaction() if own else nullcontext():
                        async with connection.pipeline() if several and _PIPELINE else nullcontext():
                            for query, batch, _ in statements:
                                self._log_statement(query[:200], batch[:20])  # type: ignore[attr-defined]
                                cursor = psycopg.AsyncRawCursor(connection)
                                cursors.append(cursor)
                                try:
                                    await cursor.execute(query, batch, prepare=False)
                                except Exception as exc:
                                    error = self._insert_value_error(exc, cursor, batch, offset, width, columns)
                                    if error is None:
                                        raise
                                    raise error from exc
                                offset += len(batch)
                        # read inside the transaction: a short count or a failing column
                        # adapter rolls back a transaction of our own
                        for cursor, (_, _, sent) in zip(cursors, statements):
                            if data is not None:
                                rows = await cursor.fetchall()
                                if len(rows) != sent:
                                    raise returned_row_count_error(sent, len(rows))
                                data.extend(self._rows_to_dicts(  # type: ignore[attr-defined]
                                    result_columns(cursor) or (), rows, adapters, mapping))
                            affected += max(cursor.rowcount, 0)
                finally:
                    for cursor in cursors:
                        await cursor.close()
            return QueryResult(data=data, affected_rows=affected, duration=time.perf_counter() - start)
        except ConnectionError:
            raise
        except BaseException as exc:
            raise self._translate_or_pass(exc)  # type: ignore[attr-defined]

    def _insert_value_error(self, exc: BaseException, cursor: Any, batch: List[Any], offset: int,
                            width: int, columns: Sequence[str]) -> Optional[BaseException]:
        """Error path of a multi-row INSERT: name the row and column of a value psycopg
        could not convert (``backend_base._rows_error``); ``offset`` is the batch's first
        value in the whole input."""
        if not width:
            return None  # no values (DEFAULT rows)

        def describe(_: int, index: int) -> str:
            position = offset + index
            column = columns[position % width] if columns else f"#{position % width + 1}"
            return f"row {position // width + 1}, column {column!r}"

        return self._rows_error(exc, cursor, [batch], describe)  # type: ignore[attr-defined]

    # -- COPY FROM STDIN ------------------------------------------------------
    async def copy_records(self, table: str, rows: Sequence[Any], columns: Optional[Sequence[str]] = None,
                           schema: Optional[str] = None) -> int:
        """COPY ``rows`` (sequences, or dicts keyed by column) into ``table``; returns the row count.

        Binary COPY when psycopg can dump every column's type in binary, text COPY
        otherwise (or when a value does not fit its column's binary dumper). The
        column types are read from the catalogue on every call, one round trip: a
        binary COPY planned for types the table no longer has stores wrong values
        without an error (int4 data read as real), so a cached answer would be a
        hazard after any ALTER TABLE, from this session or another. The plan built
        from them is cached per (schema, table, columns, column types).
        """
        if not isinstance(rows, (list, tuple)):
            rows = list(rows)
        rows, columns = rows_as_sequences(rows, columns)
        if not rows:
            return 0
        key = (schema, table, tuple(columns) if columns is not None else None)
        try:
            async with self._borrowed() as connection:  # type: ignore[attr-defined]
                plan = await self._fetch_copy_plan(connection, table, schema, columns, key)
                async with connection.cursor() as cursor:
                    if connection.info.transaction_status == _IDLE:
                        await self._copy_streaming(cursor, rows, plan, connection)
                    else:
                        data, binary = self._format_copy_data(cursor, rows, plan, connection)
                        statement = plan.statement_binary if binary else plan.statement_text
                        async with cursor.copy(statement) as copy:
                            await copy.write(data)
                    count = cursor.rowcount
            return count if count is not None and count >= 0 else len(rows)
        except ConnectionError:
            raise
        except BaseException as exc:
            raise self._translate_or_pass(exc)  # type: ignore[attr-defined]

    async def _copy_streaming(self, cursor: Any, rows: Sequence[Any], plan: CopyPlan, connection: Any) -> None:
        """COPY outside a transaction: rows are formatted while psycopg sends them, so the
        server parses one block while the next is formatted (on a small machine that
        overlap is a third of the time).

        A value psycopg cannot dump in binary raises part-way; the COPY is then aborted
        with nothing committed (no transaction is open), and the rows are sent again in
        text format. Inside a transaction that abort would doom the transaction, so there
        ``_format_copy_data`` formats everything before the COPY starts.
        """
        timezone = session_timezone(connection)
        suggestions = self.get_default_adapter_suggestions()  # type: ignore[attr-defined]
        if plan.binary:
            if not holds_temporal_sentinels(rows, plan):
                use_default_binary_dumpers(cursor)
            try:
                # scanned before the COPY starts: a column that cannot go in binary is
                # known without a COPY begun and aborted
                prepared = prepare_rows(rows, plan.fixes, True, suggestions, timezone, plan.columns)
                async with cursor.copy(plan.statement_binary) as copy:
                    copy.set_types(list(plan.oids))
                    for row in prepared:
                        await copy.write_row(row)
                return
            except _DUMP_ERRORS as exc:
                if getattr(exc, "sqlstate", None) is not None:
                    raise  # the server refused the data: no format would do better
                plan.failures += 1
        async with cursor.copy(plan.statement_text) as copy:
            for row in prepare_rows(rows, plan.fixes, False, suggestions, timezone, plan.columns):
                await copy.write_row(row)

    def _format_copy_data(
        self, cursor: Any, rows: Sequence[Any], plan: CopyPlan, connection: Any
    ) -> Tuple[bytes, bool]:
        """COPY data for ``rows``: binary if possible, else text (formatting fails before any I/O)."""
        timezone = session_timezone(connection)
        suggestions = self.get_default_adapter_suggestions()  # type: ignore[attr-defined]
        if plan.binary:
            try:
                rows_binary = prepare_rows(rows, plan.fixes, True, suggestions, timezone, plan.columns)
                return format_copy(cursor, rows_binary, plan.oids, True), True
            except _DUMP_ERRORS:
                plan.failures += 1
        rows_text = prepare_rows(rows, plan.fixes, False, suggestions, timezone, plan.columns)
        return format_copy(cursor, rows_text, None, False), False

    async def _fetch_copy_plan(self, connection: Any, table: str, schema: Optional[str],
                               columns: Optional[Sequence[str]], key: Any) -> CopyPlan:
        async with connection.cursor() as cursor:
            await cursor.execute(COLUMN_TYPES_SQL, (regclass_text(table, schema),))
            catalog = tuple(map(tuple, await cursor.fetchall()))
        cache = self._copy_plan_cache()
        plan = cache.get((key, catalog))
        if plan is None:
            if len(cache) >= 256:  # tables come and go (temporary ones): bound the cache
                cache.clear()
            plan = cache[(key, catalog)] = build_copy_plan(table, schema, columns, catalog, connection.adapters)
        return plan

    def _copy_plan_cache(self) -> Dict[Any, CopyPlan]:
        cache = self.__dict__.get("_copy_plans")
        if cache is None:
            cache = self._copy_plans = {}
        return cache

    def clear_copy_cache(self) -> None:
        """Drop the COPY plans cached by ``copy_records`` (memory only: the column types are
        read on every call, so altering a table needs no call)."""
        self._copy_plan_cache().clear()

    # -- the core's execute_batch_dml -----------------------------------------
    async def _execute_batch_fast(self, sql: str, params_list: List[Any]) -> int:
        """One batch without RETURNING: psycopg's pipelined ``executemany``."""
        result = await self.execute_many(sql, params_list)  # type: ignore[attr-defined]
        affected = result.affected_rows if result is not None else 0
        return affected if affected and affected > 0 else 0

    async def _execute_batch_with_returning(self, sql: str, params_list: List[Any],
                                            column_adapters: Optional[Dict[str, Any]],
                                            column_mapping: Optional[Dict[str, str]]) -> List[QueryResult]:
        """One batch with RETURNING: ``executemany(returning=True)``, one result per parameter set."""
        adapted = self._adapt_many(params_list)  # type: ignore[attr-defined]
        adapters = _normalise_adapters(column_adapters)
        try:
            async with self._borrowed() as connection:  # type: ignore[attr-defined]
                # lexed as the session that runs it reads a backslash in '...' (backend_base)
                query, _ = self._prepare_sql_and_params(sql, (), connection)  # type: ignore[attr-defined]
                try:
                    return await self._returning_batch(connection, query, adapted, adapters, column_mapping)
                except psycopg.Error as exc:
                    # without a transaction, several sets are one only in a pipeline (one Sync)
                    if not await self._replan(connection, exc, query, len(adapted) < 2 or _PIPELINE):  # type: ignore[attr-defined]
                        raise
                return await self._returning_batch(connection, query, adapted, adapters, column_mapping)
        except ConnectionError:
            raise
        except BaseException as exc:
            raise self._translate_or_pass(exc)  # type: ignore[attr-defined]

    async def _returning_batch(self, connection: Any, query: str, adapted: Any, adapters: Optional[Dict[str, Any]],
                               column_mapping: Optional[Dict[str, str]]) -> List[QueryResult]:
        results: List[QueryResult] = []
        async with connection.cursor() as cursor:
            try:
                await cursor.executemany(query, adapted, returning=True)
            except Exception as exc:
                error = self._rows_error(exc, cursor, adapted)  # type: ignore[attr-defined]
                if error is None:
                    raise
                raise error from exc
            while True:
                columns = result_columns(cursor)
                rows = await cursor.fetchall() if columns is not None else []
                data = self._rows_to_dicts(columns or (), rows, adapters, column_mapping)  # type: ignore[attr-defined]
                affected = len(data) if data else max(cursor.rowcount or 0, 0)
                results.append(QueryResult(data=data, affected_rows=affected, duration=0.0))
                if not cursor.nextset():
                    return results

    _execute_batch_fast_async = _execute_batch_fast  # async-only
    _execute_batch_with_returning_async = _execute_batch_with_returning  # async-only
