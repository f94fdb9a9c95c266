"""Pure helpers for the fast write paths: COPY FROM STDIN and multi-row INSERT.

No I/O here: ``aio/bulk.py`` (and the generated ``sync/bulk.py``) fetch the
table's column types, send the data and read the results; this module builds
statements, plans how each column is dumped and formats rows into COPY data.

COPY plan. The binary COPY format carries no type information, so PostgreSQL
applies no cast: each value must be dumped by the dumper of its column's type.
The column types are read from the catalogue on every call (a table altered since
must not be written with an old plan); the plan built from them (``CopyPlan``) is cached
per (schema, table, columns, types). A column whose type psycopg cannot
dump in binary (enums, unregistered custom types) makes the whole COPY text.

Inside a transaction, rows are formatted into COPY data *before* the COPY
starts (``format_copy``): a value psycopg cannot dump in binary for its column
(a ``float`` for a ``numeric``, a ``str`` for a ``date``) raises then, before
anything reached the server, and the rows are formatted again in text format,
where the server parses the text as it would a parameter of a normal INSERT. A
failure *during* a COPY would abort the enclosing transaction; this way it
cannot happen for a client-side type mismatch. Outside a transaction the
backend streams instead (an aborted COPY there commits nothing and is re-sent
as text).

Same Python types, same stored values as normal inserts: ``copy_values.py``
decides per column which values binary COPY would store differently from an
INSERT and converts them, or sends the batch as text, where the server parses
each value as it parses an INSERT's parameter; the backend's adapter suggestions
(``dict`` -> Jsonb, ``tuple`` -> Range) are applied for text.
"""

from __future__ import annotations

import datetime as _dt
import io
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any, Dict, List, Optional, Sequence, Tuple

from psycopg import pq, sql
from psycopg.copy import Copy, FileWriter
from psycopg.types.enum import EnumInfo
from rhosocial.activerecord.backend.errors import QueryError

from .copy_types import EnumColumn, RowShapeError, check_row_widths
from .copy_values import DATE, FIX_KINDS, TIMESTAMP, TIMESTAMPTZ

__all__ = [
    "CopyPlan",
    "COLUMN_TYPES_SQL",
    "MissingColumnsError",
    "RowShapeError",
    "build_copy_plan",
    "copy_statement",
    "format_copy",
    "holds_temporal_sentinels",
    "rows_as_sequences",
    "insert_values_sql",
]

BINARY = pq.Format.BINARY

#: Column name, the oid to dump with (a domain's base type), generated flag, in attnum order.
COLUMN_TYPES_SQL = (
    "SELECT a.attname, CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END, "
    # attgenerated exists from PostgreSQL 12: read it through to_jsonb so that one
    # query serves every major (absent key -> NULL -> not generated).
    "COALESCE(to_jsonb(a) ->> 'attgenerated', '') <> '' OR a.attidentity = 'a' "
    "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
    "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
    "ORDER BY a.attnum"
)

#: Built-in types whose values cannot contain a date or timestamp (scalars and their arrays):
#: bool, bytea, char, name, int8, int2, int4, text, oid, json, float4, float8, money, inet,
#: cidr, bpchar, varchar, time, interval, timetz, numeric, uuid, jsonb, and the arrays of
#: bool, int2, int4, text, bpchar, varchar, int8, float4, float8, numeric, uuid, jsonb.
_DATELESS_OIDS = frozenset({
    16, 17, 18, 19, 20, 21, 23, 25, 26, 114, 700, 701, 790, 869, 650, 1042, 1043, 1083, 1186, 1266,
    1700, 2950, 3802,
    1000, 1005, 1007, 1009, 1014, 1015, 1016, 1021, 1022, 1231, 2951, 3807,
})
_YEAR = attrgetter("year")


class MissingColumnsError(QueryError):
    """COPY names a column the table does not have (raised before any data is sent)."""


@dataclass
class CopyPlan:
    """How to COPY into one (schema, table, columns): cached per backend."""

    statement_binary: Any  # psycopg.sql.Composed
    statement_text: Any
    columns: Tuple[str, ...]
    oids: Tuple[int, ...]
    binary: bool  # every column has a binary dumper
    #: (column index, column type) of the columns ``copy_values`` may have to scan or fix
    fixes: Tuple[Tuple[int, int], ...] = ()
    text_only_reason: Optional[str] = None
    failures: int = field(default=0)


def copy_statement(table: str, columns: Sequence[str], schema: Optional[str], binary: bool) -> Any:
    target = sql.Identifier(schema, table) if schema else sql.Identifier(table)
    return sql.SQL("COPY {} ({}) FROM STDIN{}").format(
        target,
        sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        sql.SQL(" (FORMAT BINARY)") if binary else sql.SQL(""),
    )


def regclass_text(table: str, schema: Optional[str]) -> str:
    """The quoted name to cast to ``regclass`` (no connection needed)."""
    def quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    return f"{quote(schema)}.{quote(table)}" if schema else quote(table)


def build_copy_plan(
    table: str,
    schema: Optional[str],
    columns: Optional[Sequence[str]],
    catalog_rows: Sequence[Tuple[str, int, bool]],
    adapters: Any,
) -> CopyPlan:
    """Plan a COPY from the catalogue rows of ``COLUMN_TYPES_SQL``.

    ``columns=None`` means every column that accepts input (generated columns and
    ``GENERATED ALWAYS`` identities are skipped), in table order.
    """
    by_name = {name: oid for name, oid, _ in catalog_rows}
    if columns is None:
        columns = [name for name, _, generated in catalog_rows if not generated]
    missing = [c for c in columns if c not in by_name]
    if missing:
        raise MissingColumnsError(f"copy_records: table {table!r} has no column(s) {', '.join(map(repr, missing))}")
    oids = tuple(by_name[c] for c in columns)
    binary, reason = True, None
    for column, oid in zip(columns, oids):
        try:
            adapters.get_dumper_by_oid(oid, BINARY)
        except Exception:  # psycopg raises ProgrammingError for an unknown oid
            binary, reason = False, f"no binary dumper for column {column!r} (oid {oid})"
            break
    fixes = tuple((i, oid) for i, oid in enumerate(oids) if oid in FIX_KINDS) + _enum_columns(oids, adapters)
    return CopyPlan(
        statement_binary=copy_statement(table, columns, schema, True),
        statement_text=copy_statement(table, columns, schema, False),
        columns=tuple(columns),
        oids=oids,
        binary=binary,
        fixes=fixes,
        text_only_reason=reason,
    )


def _enum_columns(oids: Sequence[int], adapters: Any) -> Tuple[Tuple[int, int], ...]:
    """(index, ``EnumColumn``) of the columns of an enum registered on the connection."""
    out = []
    for i, oid in enumerate(oids):
        info = adapters.types.get(oid) if oid >= 16384 else None
        if isinstance(info, EnumInfo) and info.enum is not None:
            out.append((i, EnumColumn(oid, info.enum, oid != info.oid)))
    return tuple(out)


def rows_as_sequences(
    rows: Sequence[Any], columns: Optional[Sequence[str]]
) -> Tuple[Sequence[Any], Optional[List[str]]]:
    """Accept rows as sequences or as dicts; dict rows are turned into sequences.

    Returns ``(rows, columns)``; with dict rows and no ``columns`` the keys of the first
    row name the columns, and every row must have exactly those keys: a key only later
    rows have (or a misspelt one) would otherwise be dropped without a word. With
    ``columns`` given, each dict must have those keys (others are left out), and each
    sequence one value per column. Rows that mix dicts and sequences are refused.
    """
    if not rows:
        return rows, list(columns) if columns is not None else None
    first = rows[0]
    if not isinstance(first, dict):
        if any(map(dict.__instancecheck__, rows)):
            raise RowShapeError("copy_records: rows mix sequences and dicts; pass one kind")
        if columns is not None:  # else the table's columns: prepare_rows checks against them
            check_row_widths(rows, columns)
        return rows, list(columns) if columns is not None else None
    names = list(columns) if columns is not None else list(first)
    pick = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    out = []
    for number, row in enumerate(rows):
        if not isinstance(row, dict):
            raise RowShapeError("copy_records: rows mix dicts and sequences; pass one kind")
        if columns is None and len(row) != len(names) or not all(map(row.__contains__, names)):
            raise RowShapeError(_shape_message(number, row, names, columns is None))
        out.append(pick(row))
    return out, names


def _shape_message(number: int, row: Dict[str, Any], names: List[str], exact: bool) -> str:
    missing = [name for name in names if name not in row]
    extra = [key for key in row if key not in names] if exact else []
    parts = [f"lacks {missing}" if missing else "", f"has keys the first row lacks: {extra}" if extra else ""]
    return (f"copy_records: row {number} {' and '.join(p for p in parts if p)} (columns: {names}); "
            "give every row the same keys, or pass columns=")


def holds_temporal_sentinels(rows: Sequence[Any], plan: CopyPlan) -> bool:
    """Whether the rows may hold a ±infinity sentinel (``types.temporal``); if not, psycopg's
    own date/timestamp dumpers can do the COPY.

    Only scalar date/timestamp columns are scanned (for a value of year 1 or 9999). Any
    column of a type that can carry dates inside it (arrays, ranges, composites, types not
    listed in ``_DATELESS_OIDS``) counts as holding one: it keeps the sentinel dumpers.
    """
    for index, oid in enumerate(plan.oids):
        if oid == DATE or oid == TIMESTAMP or oid == TIMESTAMPTZ:
            years = set(map(_YEAR, filter(_dt.date.__instancecheck__, map(itemgetter(index), rows))))
            if 1 in years or 9999 in years:
                return True
        elif oid not in _DATELESS_OIDS:
            return True
    return False

def format_copy(cursor: Any, rows: Sequence[Any], oids: Optional[Sequence[int]], binary: bool) -> bytes:
    """Format ``rows`` into COPY FROM data (no I/O: psycopg's formatter writes into memory).

    Raises whatever psycopg raises for a value it cannot dump (TypeError,
    ValueError, psycopg.DataError...), before any byte reached the server.
    """
    buffer = io.BytesIO()
    with Copy(cursor, binary=binary, writer=FileWriter(buffer)) as copy:
        if oids is not None:
            copy.set_types(list(oids))
        write_row = copy.write_row
        for row in rows:
            write_row(row)
    return buffer.getvalue()


# -- multi-row INSERT ---------------------------------------------------------

_VALUES_CACHE: Dict[Tuple[int, int], str] = {}


def values_placeholders(rows: int, columns: int) -> str:
    """``($1,$2),($3,$4)...`` for ``rows`` rows of ``columns`` values (cached per shape).

    PostgreSQL's own numbered placeholders, sent through psycopg's ``RawCursor``: psycopg
    then has nothing to parse. With ``%s`` placeholders psycopg scans the whole statement
    with a regular expression (it caches only short statements), which for 10,000 rows x
    5 columns cost more than the database spent inserting them.
    """
    key = (rows, columns)
    text = _VALUES_CACHE.get(key)
    if text is None:
        numbers = iter(range(1, rows * columns + 1))
        one_row = "(" + ",".join(["${}"] * columns) + ")"
        text = ",".join([one_row] * rows).replace("{}", "%d") % tuple(numbers)
        if len(_VALUES_CACHE) > 64:
            _VALUES_CACHE.clear()
        _VALUES_CACHE[key] = text
    return text


def insert_values_sql(head: str, rows: int, columns: int, tail: str) -> str:
    """``head`` + numbered VALUES placeholders + ``tail`` (RETURNING ...), for a ``RawCursor``:
    ``head`` and ``tail`` are plain SQL, no ``%`` escaping."""
    return head + values_placeholders(rows, columns) + tail
