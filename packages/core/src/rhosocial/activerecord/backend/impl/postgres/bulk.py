"""Pure helpers for bulk operations (see ``aio/bulk.py`` / ``sync/bulk.py``)."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

from rhosocial.activerecord.backend.result import QueryResult

#: PostgreSQL's limit on bind parameters in one statement (a 16-bit count).
MAX_BIND_PARAMETERS = 65535

#: From this many rows ``bulk_insert`` draws the keys and COPYs (``DRAW_KEYS_SQL``); below it
#: one multi-row ``INSERT ... RETURNING`` is as fast (measured: even at 100 rows, 1.5 ms against
#: 1.6 ms; at 10,000 rows 73 ms against 157 ms).
COPY_MIN_ROWS = 100

#: The keys for ``$5`` new rows, drawn from the key column's own sequence, if a COPY carrying
#: those keys is exactly the INSERT it replaces. One row: an array of keys, or NULL (nothing
#: drawn) when the table does not qualify:
#:
#: * a plain table (``relkind = 'r'``: no view, partitioned or foreign table) without rules
#:   (COPY ignores rules) and without row-level security (COPY FROM refuses it);
#: * the key column ``$2`` is an identity, or its default is ``nextval`` of its own sequence
#:   (``pg_get_serial_sequence``), so the key the INSERT would take is the next value of that
#:   sequence; the caller may insert into it (a column privilege);
#: * no enabled ``BEFORE INSERT ... FOR EACH ROW`` trigger (``tgtype & 7 = 7``), which could
#:   change the key after it was drawn.
#:
#: No row at all when the columns ``$3`` no longer have the types ``$4`` the COPY data is
#: formatted for (the cached plan is stale), or one is generated or ``GENERATED ALWAYS`` (COPY
#: would write into an ``ALWAYS`` identity where the INSERT raises). Every condition is
#: checked on every call, so a trigger or policy added since the last call is seen.
#:
#: Plain SQL with ``$n`` placeholders, for a ``RawCursor``.
DRAW_KEYS_SQL = """\
SELECT CASE WHEN c.relkind = 'r' AND NOT c.relhasrules AND NOT c.relrowsecurity
             AND s.seq IS NOT NULL
             AND (k.attidentity <> '' OR pg_catalog.pg_get_expr(d.adbin, d.adrelid)
                                         = pg_catalog.format('nextval(%L::regclass)', s.seq))
             AND pg_catalog.has_column_privilege(c.oid, k.attnum, 'INSERT')
             AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t
                             WHERE t.tgrelid = c.oid AND t.tgenabled <> 'D' AND (t.tgtype & 7) = 7)
        THEN ARRAY(SELECT pg_catalog.nextval(s.seq) FROM pg_catalog.generate_series(1, $5::int))
       END
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_attribute k ON k.attrelid = c.oid AND k.attname = $2 AND NOT k.attisdropped
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = k.attnum
-- OFFSET 0 keeps this a subquery: inlined, the lookup would run again for every key drawn
CROSS JOIN LATERAL (SELECT pg_catalog.pg_get_serial_sequence($1, $2)::regclass AS seq OFFSET 0) s
WHERE c.oid = $1::regclass
  AND $4::oid[] = ARRAY(
        SELECT CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE a.atttypid END
        FROM pg_catalog.unnest($3::text[]) WITH ORDINALITY AS u(name, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = u.name AND NOT a.attisdropped
        JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
        WHERE COALESCE(pg_catalog.to_jsonb(a) ->> 'attgenerated', '') = '' AND a.attidentity <> 'a'
        ORDER BY u.ord)"""

__all__ = ["COPY_MIN_ROWS", "DRAW_KEYS_SQL", "MAX_BIND_PARAMETERS", "chunk_rows", "copy_key_column",
           "merge_results"]


def copy_key_column(row_count: int, columns: Sequence[str], returning: Optional[Sequence[str]]) -> Optional[str]:
    """The key column ``bulk_insert`` may fill from its sequence and send by COPY, or None.

    That is the case ``Model.bulk_create`` produces: enough rows, RETURNING exactly one
    column (the primary key) which the rows do not carry. Whether the table qualifies is
    for the server to say (``DRAW_KEYS_SQL``).
    """
    if row_count < COPY_MIN_ROWS or not returning or len(returning) != 1:
        return None
    key = returning[0]
    return None if key in columns else key


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
