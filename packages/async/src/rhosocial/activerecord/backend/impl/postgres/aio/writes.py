"""Field adapters (``UseAdapter``) applied to written values, not only to read ones.

The core converts INSERT/UPDATE parameters by exact Python type only; a model
field declared ``Annotated[list, UseAdapter(ListToString(), str)]`` would still
send its list, which psycopg turns into a PostgreSQL array (a TEXT column then
stores ``{a,b}``). Here the field's own adapter converts the value first, as the
user declared; the backend's default suggestions stay psycopg-native.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rhosocial.activerecord.backend.result import QueryResult

__all__ = ["AsyncWriteAdaptersMixin"]


class AsyncWriteAdaptersMixin:
    async def insert(self, options: Any) -> QueryResult:
        data = self._apply_field_adapters(options.data, options.column_adapters)  # type: ignore[attr-defined]
        if data is not options.data:
            options = dataclasses.replace(options, data=data)
        return await super().insert(options)  # type: ignore[misc]

    async def update(self, options: Any) -> QueryResult:
        data = self._apply_field_adapters(options.data, options.column_adapters)  # type: ignore[attr-defined]
        if data is not options.data:
            options = dataclasses.replace(options, data=data)
        return await super().update(options)  # type: ignore[misc]
