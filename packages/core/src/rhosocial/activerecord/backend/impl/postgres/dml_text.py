"""INSERT and UPDATE of plain values as text, for ``backend.insert`` / ``backend.update``.

Why: the core's ``insert`` and ``update`` build an expression tree for every ``save()``: a
``Literal`` per value, checked against two runtime-checkable protocols, then a values
source, an insert or update expression and a RETURNING clause, formatted back into the
statement text. That was about a sixth of a model ``save()``, for a statement that has
the same text for every row of a model. Here the text is built once per shape (table,
columns, RETURNING) and cached; the values go to psycopg as they are, which is exactly
what the core's ``Literal`` does (``%s`` with the value as its parameter).

Only plain values take this path. When a value is an SQL expression (it has ``to_sql``),
or the shape is unusual (an UPDATE with no data or no WHERE), these functions return None
and the backend hands the options to the core's builder. An INSERT with no data (a model
whose columns all have defaults) is ``INSERT INTO t DEFAULT VALUES``: the core would write
``VALUES ()``, a syntax error in PostgreSQL. ``tests/capabilities/test_dml_text.py`` checks that
the text and parameters equal the core's for the shapes handled here.

``bulk_update_rows`` / ``bulk_update_sql``: the statement of ``backend.bulk_update``
(``Model.bulk_update``), see ``bulk_update_sql``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from rhosocial.activerecord.backend.expression.query_parts import WhereClause

from .copy import values_placeholders

__all__ = ["bulk_update_rows", "bulk_update_sql", "plain_insert", "plain_update"]

_CACHE_LIMIT = 512
_INSERTS: Dict[Tuple[Any, ...], Any] = {}
_UPDATES: Dict[Tuple[Any, ...], Any] = {}


def _has_expression(values: Sequence[Any]) -> bool:
    for value in values:
        if hasattr(value, "to_sql"):
            return True
    return False


def _target(dialect: Any, table: str, schema: Optional[str]) -> str:
    quote = dialect.format_identifier
    return f"{quote(schema)}.{quote(table)}" if schema else quote(table)


def _returning(dialect: Any, columns: Optional[Sequence[str]]) -> str:
    if not columns:
        return ""
    return " RETURNING " + ", ".join(map(dialect.format_identifier, columns))


def _require_returning(dialect: Any, columns: Optional[Sequence[str]]) -> None:
    # as the core's format_returning_clause does (answered from the dialect's memo)
    if columns:
        dialect.require_capability("returning")


def _remember(cache: Dict[Tuple[Any, ...], Any], key: Tuple[Any, ...], text: Any) -> Any:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = text
    return text


def plain_insert(dialect: Any, options: Any) -> Optional[Tuple[str, Tuple[Any, ...]]]:
    """``(sql, params)`` for ``InsertOptions`` of plain values, else None (use the core)."""
    data = options.data or {}
    values = tuple(data.values())
    if _has_expression(values):
        return None
    returning = options.returning_columns
    _require_returning(dialect, returning)
    key = (options.schema_name, options.table, tuple(data), tuple(returning) if returning else None)
    sql = _INSERTS.get(key)
    if sql is None:
        source = "DEFAULT VALUES"
        if data:
            columns = ", ".join(map(dialect.format_identifier, data))
            source = f"({columns}) VALUES ({', '.join(['%s'] * len(values))})"
        sql = _remember(_INSERTS, key, f"INSERT INTO {_target(dialect, options.table, options.schema_name)} "
                                       f"{source}{_returning(dialect, returning)}")
    return sql, values


def plain_update(dialect: Any, options: Any) -> Optional[Tuple[str, Tuple[Any, ...]]]:
    """``(sql, params)`` for ``UpdateOptions`` of plain values and a WHERE, else None."""
    data, where = options.data, options.where
    if not data or where is None or not hasattr(where, "to_sql"):
        return None
    values = tuple(data.values())
    if _has_expression(values):
        return None
    # the WHERE is the model's own predicate: the core formats it, as its UpdateExpression would
    clause = where if isinstance(where, WhereClause) else WhereClause(dialect, condition=where)
    where_sql, where_params = clause.to_sql()
    returning = options.returning_columns
    _require_returning(dialect, returning)
    key = (options.schema_name, options.table, tuple(data), tuple(returning) if returning else None)
    parts = _UPDATES.get(key)
    if parts is None:
        quote = dialect.format_identifier
        assignments = ", ".join(f"{quote(column)} = %s" for column in data)
        parts = _remember(_UPDATES, key, (f"UPDATE {_target(dialect, options.table, options.schema_name)} "
                                          f"SET {assignments} ", _returning(dialect, returning)))
    return parts[0] + where_sql + parts[1], values + tuple(where_params)


def bulk_update_rows(options: Any) -> Optional[List[Tuple[Any, ...]]]:
    """``(pk, value, ...)`` rows of ``BulkUpdateOptions`` (columns: the key, then
    ``field_values``' columns), or None for what the core's builder handles (no key or no
    column, a value that is an SQL expression). A key given twice keeps its first values:
    the core's ``CASE WHEN`` takes the first match (a join would take any)."""
    keys, columns = options.pk_values, list(options.field_values.values())
    if not keys or not columns:
        return None
    if any(len(values) != len(keys) for values in columns):
        raise ValueError("bulk_update: every field needs one value per primary key value")
    rows = list(zip(keys, *columns))
    if any(_has_expression(row) for row in rows):
        return None
    try:
        seen: Dict[Any, Tuple[Any, ...]] = {}
        for row in rows:
            seen.setdefault(row[0], row)
    except TypeError:  # an unhashable key (no column type has one): left as given
        return rows
    return rows if len(seen) == len(rows) else list(seen.values())


def bulk_update_sql(dialect: Any, table: str, schema: Optional[str], columns: Sequence[str],
                    anchored: Sequence[bool], rows: int) -> str:
    """``UPDATE t SET c = v.c, ... FROM (VALUES <types>, ($1, $2, ...), ...) AS v (pk, c, ...)
    WHERE t.pk = v.pk`` for a ``RawCursor``; ``columns[0]`` is the key.

    Why not the core's ``SET c = CASE WHEN pk = $1 THEN $2 ... END``: without ELSE, a column
    whose parameters are all untyped (None, a str for an enum, a list of str or an empty one
    for an array) resolves to text ("column is of type integer but expression is of type
    text"), and every row compares against
    every WHEN (20,000 rows: 4.3 s, against 0.16 s for this join).

    The first VALUES row gives the types: ``(NULL::t).c`` (the column's own type) for a column
    whose values are all untyped (``anchored``), so they are read as the column reads a
    literal, as ``save()`` sends them; a bare NULL for the others, whose typed values (an int,
    a Jsonb, a UUID, a list of ints) then resolve among themselves and are assigned to the
    column with the assignment cast ``save()`` gets (a Jsonb into a json column, an int into a
    text one, a smallint[] into an int[] one); an untyped value among them (``[]``, None)
    takes their type. Its key is NULL, which joins no row.
    """
    quote = dialect.format_identifier
    target = _target(dialect, table, schema)
    alias = quote("_bulk_update_" if table == "_bulk_update" else "_bulk_update")
    names = [quote(column) for column in columns]
    types = ", ".join(f"(NULL::{target}).{name}" if anchor else "NULL" for name, anchor in zip(names, anchored))
    sets = ", ".join(f"{name} = {alias}.{name}" for name in names[1:])
    return (f"UPDATE {target} SET {sets} FROM (VALUES ({types}), {values_placeholders(rows, len(names))}) "
            f"AS {alias} ({', '.join(names)}) WHERE {target}.{names[0]} = {alias}.{names[0]}")
