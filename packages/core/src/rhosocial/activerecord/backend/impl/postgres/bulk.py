"""Pure helpers for bulk operations (see ``aio/bulk.py`` / ``sync/bulk.py``)."""

from __future__ import annotations

from typing import Any, List, Sequence

from rhosocial.activerecord.backend.result import QueryResult

#: PostgreSQL's limit on bind parameters in one statement (a 16-bit count).
MAX_BIND_PARAMETERS = 65535

#: Rows per INSERT statement of ``bulk_insert``. PostgreSQL parses and plans one INSERT of
#: thousands of VALUES rows far more slowly than the same rows in statements of a few
#: hundred, pipelined (10,000 rows x 5 columns, unprepared: 137 ms in one statement, 56 ms
#: in statements of 100 rows, 54 ms of 200, 58 ms of 500).
ROWS_PER_STATEMENT = 200

__all__ = ["MAX_BIND_PARAMETERS", "ROWS_PER_STATEMENT", "chunk_rows", "merge_results", "rows_per_statement"]


def rows_per_statement(columns: int) -> int:
    """Rows per INSERT of ``columns`` values each: ``ROWS_PER_STATEMENT``, fewer for rows so
    wide that the statement would bind more than ``MAX_BIND_PARAMETERS``."""
    return max(1, min(ROWS_PER_STATEMENT, MAX_BIND_PARAMETERS // max(1, columns)))


def chunk_rows(rows: Sequence[Any], columns: int, limit: int = MAX_BIND_PARAMETERS) -> List[Sequence[Any]]:
    """Split ``rows`` so that each chunk binds at most ``limit`` parameters."""
    per_chunk = max(1, limit // max(1, columns))
    if len(rows) <= per_chunk:
        return [rows]
    return [rows[i : i + per_chunk] for i in range(0, len(rows), per_chunk)]


def merge_results(results: Sequence[QueryResult]) -> QueryResult:
    data = None
    if any(r.data is not None for r in results):
        data = [row for r in results for row in (r.data or [])]
    return QueryResult(
        data=data,
        affected_rows=sum(r.affected_rows or 0 for r in results),
        duration=sum(r.duration or 0 for r in results),
    )
