"""``insert`` / ``update``: the model's field adapters applied to written values, and the
statement text built directly for plain values.

Field adapters: the core converts INSERT/UPDATE parameters by exact Python type only; a
model field declared ``Annotated[list, UseAdapter(ListToString(), str)]`` would still send
its list, which psycopg turns into a PostgreSQL array (a TEXT column then stores
``{a,b}``). Here the field's own adapter converts the value first, as the user declared;
the backend's default suggestions stay psycopg-native.

Statement text: see ``dml_text`` (one cached text per table/columns shape instead of the
core's expression tree per save). Values that are SQL expressions go to the core's builder.

``bulk_update`` (``Model.bulk_update``): one ``UPDATE ... FROM (VALUES ...)`` per batch
instead of the core's ``CASE WHEN`` per column, which PostgreSQL cannot type when a column's
values are all untyped (None, strings, lists of strings, empty lists: ``_untyped``;
``dml_text.bulk_update_sql``), sent as the multi-row INSERT
of ``bulk_insert`` is (``_run_insert``: a ``RawCursor``, unprepared).
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from rhosocial.activerecord.backend.options import ExecutionOptions
from rhosocial.activerecord.backend.result import QueryResult
from rhosocial.activerecord.backend.schema import StatementType

from ..bulk import MAX_BIND_PARAMETERS
from ..dml_text import bulk_update_rows, bulk_update_sql, plain_insert, plain_update

__all__ = ["AsyncWriteAdaptersMixin"]

_DML = StatementType.DML
_UNTYPED = (str, enum.Enum)


def _untyped(value: Any) -> bool:
    """Whether psycopg sends ``value`` with no type ("unknown", text format): None, a str, an
    Enum member (one of a registered enum type is that type anyway), and a list, nested or
    empty, of nothing else (``["a"]``, ``[]``, ``[None]``: only a typed leaf such as an int or
    a UUID makes it an array of that type). PostgreSQL would resolve such a VALUES column to
    ``text``, which no ``text[]`` / ``int[]`` / enum column accepts."""
    if value is None or isinstance(value, _UNTYPED):
        return True
    if isinstance(value, list):
        return all(_untyped(item) for item in value)
    return False


class AsyncWriteAdaptersMixin:
    async def insert(self, options: Any) -> QueryResult:
        data = self._apply_field_adapters(options.data, options.column_adapters)  # type: ignore[attr-defined]
        if data is not options.data:
            options = dataclasses.replace(options, data=data)
        statement = plain_insert(self.dialect, options)  # type: ignore[attr-defined]
        if statement is None:
            return await super().insert(options)  # type: ignore[misc]
        return await self._write(statement, options)

    async def update(self, options: Any) -> QueryResult:
        data = self._apply_field_adapters(options.data, options.column_adapters)  # type: ignore[attr-defined]
        if data is not options.data:
            options = dataclasses.replace(options, data=data)
        statement = plain_update(self.dialect, options)  # type: ignore[attr-defined]
        if statement is None:
            return await super().update(options)  # type: ignore[misc]
        return await self._write(statement, options)

    async def bulk_update(self, options: Any) -> QueryResult:
        """The core's ``bulk_update`` (same options, same result: the rows updated), as one
        statement per batch, or several when it would bind more than 65,535 parameters (in
        one transaction, all or nothing, when none is open)."""
        rows = bulk_update_rows(options)
        if rows is None:
            return await super().bulk_update(options)  # type: ignore[misc]
        columns = [options.pk_column, *options.field_values]
        width = len(columns)
        # the model's own field adapters, as save() applies them, then the backend's suggestions
        rows = self._apply_field_adapters_rows(columns, rows, options.column_adapters)  # type: ignore[attr-defined]
        flat = self._adapt_params([value for row in rows for value in row])  # type: ignore[attr-defined]
        # a column whose parameters are all untyped (_untyped) takes the column's own type
        anchored = [all(map(_untyped, flat[i::width])) for i in range(width)]
        per = max(1, MAX_BIND_PARAMETERS // width) * width
        statements = []
        for start in range(0, len(flat), per):
            batch = list(flat[start:start + per])
            sql = bulk_update_sql(self.dialect, options.table, options.schema_name,  # type: ignore[attr-defined]
                                  columns, anchored, len(batch) // width)
            statements.append((sql, batch, len(batch) // width))
        result = await self._run_insert(statements, False, width, None, None, columns)  # type: ignore[attr-defined]
        if options.auto_commit:
            await self._handle_auto_commit_if_needed()  # type: ignore[attr-defined]
        return result

    async def _write(self, statement: Any, options: Any) -> QueryResult:
        """Run it as the core's insert/update would: DML, rows only with RETURNING."""
        sql, params = statement
        result = await self.execute(sql, params, options=ExecutionOptions(  # type: ignore[attr-defined]
            stmt_type=_DML,
            column_adapters=options.column_adapters,
            column_mapping=options.column_mapping,
            process_result_set=bool(options.returning_columns),
        ))
        if options.auto_commit:
            await self._handle_auto_commit_if_needed()  # type: ignore[attr-defined]
        return result
