"""Bulk paths: multi-row INSERT split under PostgreSQL's bind-parameter limit.

The wire protocol carries the number of parameters of a statement in 16 bits,
so one statement takes at most 65535 of them; the core's ``bulk_insert`` builds
a single INSERT with one parameter per value and fails above that (13,108 rows
of 5 columns). Here the rows are split into chunks that fit, and when there is
more than one chunk they run in one transaction (a savepoint if one is already
open) so that a failure part-way leaves nothing behind.
"""

from __future__ import annotations

import dataclasses
from typing import Any, List

from rhosocial.activerecord.backend.result import QueryResult

from ..bulk import chunk_rows, merge_results

__all__ = ["AsyncBulkMixin"]


class AsyncBulkMixin:
    async def bulk_insert(self, options: Any) -> QueryResult:
        chunks = chunk_rows(options.rows, len(options.columns))
        if len(chunks) == 1:
            return await super().bulk_insert(options)  # type: ignore[misc]
        results: List[QueryResult] = []
        async with self.transaction_manager.transaction():  # type: ignore[attr-defined]
            for rows in chunks:
                part = dataclasses.replace(options, rows=rows, auto_commit=False)
                results.append(await super().bulk_insert(part))  # type: ignore[misc]
        return merge_results(results)
