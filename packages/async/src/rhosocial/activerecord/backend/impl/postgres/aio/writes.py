"""``insert`` / ``update``: the model's field adapters applied to written values, and the
statement text built directly for plain values.

Field adapters: the core converts INSERT/UPDATE parameters by exact Python type only; a
model field declared ``Annotated[list, UseAdapter(ListToString(), str)]`` would still send
its list, which psycopg turns into a PostgreSQL array (a TEXT column then stores
``{a,b}``). Here the field's own adapter converts the value first, as the user declared;
the backend's default suggestions stay psycopg-native.

Statement text: see ``dml_text`` (one cached text per table/columns shape instead of the
core's expression tree per save). Values that are SQL expressions go to the core's builder.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rhosocial.activerecord.backend.options import ExecutionOptions
from rhosocial.activerecord.backend.result import QueryResult
from rhosocial.activerecord.backend.schema import StatementType

from ..dml_text import plain_insert, plain_update

__all__ = ["AsyncWriteAdaptersMixin"]

_DML = StatementType.DML


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
