"""Pure helpers for bulk operations (see ``aio/bulk.py`` / ``sync/bulk.py``), and the
transaction-block test that the bulk and stream paths share."""

from __future__ import annotations

from typing import Any, List, Sequence

from rhosocial.activerecord.backend.errors import BulkOperationError
from rhosocial.activerecord.backend.result import QueryResult

#: PostgreSQL's limit on bind parameters in one statement (a 16-bit count).
MAX_BIND_PARAMETERS = 65535

#: Rows per INSERT statement of ``bulk_insert``. PostgreSQL parses and plans one INSERT of
#: thousands of VALUES rows far more slowly than the same rows in statements of a few
#: hundred, pipelined (10,000 rows x 5 columns, unprepared: 137 ms in one statement, 56 ms
#: in statements of 100 rows, 54 ms of 200, 58 ms of 500).
ROWS_PER_STATEMENT = 200

__all__ = [
    "MAX_BIND_PARAMETERS", "ROWS_PER_STATEMENT", "check_row_widths", "chunk_rows_by_parameters",
    "merge_results", "returned_row_count_error", "rows_per_statement",
]



def rows_per_statement(columns: int) -> int:
    """Rows per INSERT of ``columns`` values each: ``ROWS_PER_STATEMENT``, fewer for rows so
    wide that the statement would bind more than ``MAX_BIND_PARAMETERS``."""
    return max(1, min(ROWS_PER_STATEMENT, MAX_BIND_PARAMETERS // max(1, columns)))


def chunk_rows_by_parameters(rows: Sequence[Sequence[Any]],
                             limit: int = MAX_BIND_PARAMETERS) -> List[Sequence[Any]]:
    """Split rows that hold SQL expressions so that each chunk binds at most ``limit``
    parameters: a plain value binds one, an expression as many as its ``to_sql()`` gives
    (``RawSQLExpression("%s || %s", params=(a, b))`` binds two, ``now()`` none)."""
    chunks: List[Sequence[Any]] = []
    start = used = 0
    for index, row in enumerate(rows):
        count = sum(len(value.to_sql()[1]) if hasattr(value, "to_sql") else 1 for value in row)
        if used + count > limit and index > start:
            chunks.append(rows[start:index])
            start, used = index, 0
        used += count
    chunks.append(rows[start:])
    return chunks


def check_row_widths(rows: Sequence[Sequence[Any]], width: int) -> None:
    """ValueError naming the first row whose length is not ``width`` (one value per column):
    checking only the total would let a longer and a shorter row cancel out, and every value
    after them would move to another column or row."""
    if set(map(len, rows)) <= {width}:
        return
    for index, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"bulk_insert: row {index} has {len(row)} values for {width} columns; "
                             "every row needs one value per column")


def returned_row_count_error(sent: int, returned: int) -> BulkOperationError:
    """A multi-row INSERT ... RETURNING gave back a different number of rows than it sent: a
    trigger (BEFORE INSERT returning NULL), a rule or a view dropped some, and the returned
    keys can no longer be matched to the input rows by position."""
    return BulkOperationError(
        f"INSERT ... RETURNING returned {returned} rows for the {sent} rows sent (a trigger, rule or "
        "view did not store every row as sent): the returned keys cannot be matched to the input rows"
    )


def merge_results(results: Sequence[QueryResult]) -> QueryResult:
    data = None
    if any(r.data is not None for r in results):
        data = [row for r in results for row in (r.data or [])]
    return QueryResult(
        data=data,
        affected_rows=sum(r.affected_rows or 0 for r in results),
        duration=sum(r.duration or 0 for r in results),
    )
