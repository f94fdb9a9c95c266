"""Catalogue queries for introspection (no I/O: SQL text and parameters only).

Every query works unchanged on PostgreSQL 10 to 18. Columns that only some
majors have (``pg_attribute.attgenerated`` from 12, ``pg_index.indnkeyatts``
from 11, ``indnullsnotdistinct`` from 15, ``pg_constraint.conparentid`` from
11, ...) are read through ``to_jsonb(row) ->> 'column'``, which yields NULL
where the column does not exist, so there is one query per concern instead of
one per major.

A relation is named by ``(schema, name)``; with no schema it is resolved
through the session's ``search_path`` (``to_regclass``), as unqualified names
in SQL are; with one, by exact name in the catalogue (no USAGE on the schema
needed, as for listing). Queries take named parameters (``%(name)s``), sent to psycopg as
they are. A schema is ``None`` (see above), a name, or ``"*"`` where lists allow
it; ``""`` is refused (``ValueError``) rather than silently meaning "none".

Listing never waits for locks: functions that open a relation
(``pg_total_relation_size``, ``pg_relation_is_updatable``, ``pg_get_viewdef``)
would queue behind another session's ACCESS EXCLUSIVE lock (any running
migration), so sizes are catalogue estimates (``SIZE_ESTIMATE``) and the
view-only facts are skipped for a view whose relations are locked
(``catalog_objects``).

Views, triggers, sequences, enums, partitions and extensions live in
``catalog_objects`` and are re-exported here.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

Query = Tuple[str, Dict[str, Any]]

# The oid of relation (schema, table), or NULL. Without a schema, search_path decides
# (to_regclass, as SQL resolves an unqualified name). With one, the catalogue is read by
# exact name: to_regclass('s.t') needs USAGE on s ("permission denied for schema"), yet
# list_tables shows such a table, since reading pg_class needs no privilege. The casts to
# name truncate over-long identifiers to 63 bytes, as the server does.
_REL_OID = (
    "(CASE WHEN %(schema)s::text IS NULL THEN to_regclass(pg_catalog.quote_ident(%(table)s::text)) "
    "ELSE (SELECT rel_c.oid FROM pg_catalog.pg_class rel_c "
    "JOIN pg_catalog.pg_namespace rel_n ON rel_n.oid = rel_c.relnamespace "
    "WHERE rel_n.nspname = %(schema)s::text::name AND rel_c.relname = %(table)s::text::name) END)"
)

# Schemas that belong to the system rather than to the user.
_SYSTEM_SCHEMA = (
    "({n}.nspname IN ('pg_catalog', 'information_schema') OR {n}.nspname LIKE 'pg\\_toast%%' "
    "OR {n}.nspname LIKE 'pg\\_temp\\_%%')"
)


def check_schema(schema: Optional[str]) -> None:
    # "" would match no schema in SQL but share cache keys with None ("current schema")
    # in the core's key builder; an explicit error is less surprising than either.
    if schema is not None and not isinstance(schema, str):
        raise TypeError(f"schema must be a string or None, not {type(schema).__name__}")
    if schema == "":
        raise ValueError("schema must be None (current schema / search_path), a schema name or '*'; got ''")


def _schema_filter(alias: str, schema: Optional[str], include_system: bool) -> str:
    """WHERE fragment choosing schemas: one schema, the current one, or all ("*")."""
    check_schema(schema)
    if schema == "*":
        return "TRUE" if include_system else f"NOT {_SYSTEM_SCHEMA.format(n=alias)}"
    if schema is None:
        return f"{alias}.nspname = pg_catalog.current_schema()"
    return f"{alias}.nspname = %(schema)s"


def rel_params(table: str, schema: Optional[str]) -> Dict[str, Any]:
    check_schema(schema)
    return {"table": table, "schema": schema}


# Bytes on disk of a relation of pg_class alias "c": its pages, its TOAST table's and its
# indexes', times the block size. relpages is the planner's estimate, refreshed by VACUUM,
# ANALYZE and CREATE INDEX (0 for a table never vacuumed or analysed). It is read from the
# catalogue because pg_total_relation_size() opens the relation and so waits behind any
# ACCESS EXCLUSIVE lock that another session holds on it (a migration in progress).
SIZE_ESTIMATE = (
    "((c.relpages::bigint"
    " + COALESCE((SELECT t.relpages FROM pg_catalog.pg_class t WHERE t.oid = c.reltoastrelid), 0)"
    " + COALESCE((SELECT sum(x.relpages) FROM pg_catalog.pg_index xi"
    " JOIN pg_catalog.pg_class x ON x.oid = xi.indexrelid WHERE xi.indrelid = c.oid), 0))"
    " * pg_catalog.current_setting('block_size')::bigint)"
)


# -- database, databases, schemas ----------------------------------------------------
def database_info() -> Query:
    return (
        """
        SELECT pg_catalog.current_database() AS name,
               pg_catalog.current_setting('server_version') AS version,
               pg_catalog.current_setting('server_version_num')::int AS version_num,
               pg_catalog.current_setting('server_encoding') AS encoding,
               d.datcollate AS collation, d.datctype AS ctype,
               pg_catalog.current_setting('TimeZone') AS timezone,
               pg_catalog.pg_database_size(d.oid) AS size_bytes,
               (SELECT count(*) FROM pg_catalog.pg_class c
                  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r', 'p') AND NOT """ + _SYSTEM_SCHEMA.format(n="n") + """) AS table_count,
               pg_catalog.current_schema() AS current_schema,
               current_user AS current_user,
               pg_catalog.version() AS version_text
          FROM pg_catalog.pg_database d
         WHERE d.datname = pg_catalog.current_database()
        """,
        {},
    )


def databases(include_templates: bool = False) -> Query:
    where = "" if include_templates else "WHERE NOT d.datistemplate"
    return (
        f"""
        SELECT d.datname AS name, pg_catalog.pg_get_userbyid(d.datdba) AS owner,
               pg_catalog.pg_encoding_to_char(d.encoding) AS encoding,
               d.datcollate AS collation, d.datctype AS ctype,
               d.datistemplate AS is_template, d.datallowconn AS allow_connections,
               d.datconnlimit AS connection_limit,
               CASE WHEN pg_catalog.has_database_privilege(d.oid, 'CONNECT')
                    THEN pg_catalog.pg_database_size(d.oid) END AS size_bytes,
               pg_catalog.shobj_description(d.oid, 'pg_database') AS comment
          FROM pg_catalog.pg_database d
          {where}
         ORDER BY d.datname
        """,
        {},
    )


def schemas(include_system: bool = False) -> Query:
    where = "" if include_system else "WHERE NOT " + _SYSTEM_SCHEMA.format(n="n")
    return (
        f"""
        SELECT n.nspname AS name, pg_catalog.pg_get_userbyid(n.nspowner) AS owner,
               pg_catalog.obj_description(n.oid, 'pg_namespace') AS comment,
               {_SYSTEM_SCHEMA.format(n="n")} AS is_system
          FROM pg_catalog.pg_namespace n
          {where}
         ORDER BY n.nspname
        """,
        {},
    )


# -- relations ---------------------------------------------------------------------
_RELKINDS = {
    None: ("r", "p", "v", "m", "f"),
    "BASE_TABLE": ("r", "p"),
    "TABLE": ("r", "p"),
    "VIEW": ("v", "m"),
    "MATERIALIZED_VIEW": ("m",),
    "EXTERNAL": ("f",),
    "FOREIGN": ("f",),
    "PARTITIONED": ("p",),
}


_TABLE_COLUMNS = f"""
        SELECT c.relname AS name, n.nspname AS schema, c.relkind::text AS relkind,
               c.relpersistence::text AS persistence,
               (to_jsonb(c) ->> 'relispartition')::boolean AS is_partition,
               (SELECT pn.nspname || '.' || p.relname FROM pg_catalog.pg_inherits i
                  JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
                  JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
                 WHERE i.inhrelid = c.oid AND (to_jsonb(c) ->> 'relispartition')::boolean
                 LIMIT 1) AS partition_of,
               pg_catalog.pg_get_userbyid(c.relowner) AS owner,
               pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
               c.reltuples::bigint AS row_estimate,
               CASE WHEN c.relkind IN ('r', 'p', 'm') THEN {SIZE_ESTIMATE} END AS size_bytes,
               {_SYSTEM_SCHEMA.format(n="n")} AS is_system
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
"""


def tables(schema: Optional[str], include_system: bool, include_views: bool = True,
           table_type: Optional[str] = None) -> Query:
    """Relations of the chosen schemas; ``size_bytes`` and ``row_estimate`` are estimates."""
    kinds = _RELKINDS.get(table_type.upper() if table_type else None)
    if kinds is None:
        raise ValueError(f"unknown table_type {table_type!r}; expected one of "
                         f"{', '.join(k for k in _RELKINDS if k)}")
    if not include_views and table_type is None:
        kinds = ("r", "p", "f")
    kind_list = ", ".join(f"'{k}'" for k in kinds)
    return (
        _TABLE_COLUMNS + f"""
         WHERE c.relkind IN ({kind_list})
           AND {_schema_filter("n", schema, include_system)}
           AND NOT pg_catalog.pg_is_other_temp_schema(n.oid)
         ORDER BY n.nspname, c.relname
        """,
        {"schema": schema},
    )


def table(table: str, schema: Optional[str]) -> Query:
    """The one relation ``(schema, table)`` (kinds as ``tables``): without a schema it is
    resolved through the whole search_path, temporary tables first, as SQL does; an
    over-long name is truncated to 63 bytes as the server truncates identifiers."""
    kind_list = ", ".join(f"'{k}'" for k in _RELKINDS[None])
    return (
        _TABLE_COLUMNS + f" WHERE c.oid = {_REL_OID} AND c.relkind IN ({kind_list})",
        rel_params(table, schema),
    )


def columns(table: str, schema: Optional[str]) -> Query:
    return (
        f"""
        SELECT a.attnum AS ordinal_position, a.attname AS name, c.relname AS table_name,
               n.nspname AS schema,
               pg_catalog.format_type(a.atttypid, NULL) AS data_type,
               pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type_full,
               t.typname AS udt_name, t.typtype::text AS type_kind, t.typcategory::text AS type_category,
               bt.typname AS base_udt_name,
               CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod,
               a.attndims AS array_dimensions,
               NOT a.attnotnull AS is_nullable,
               pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS default_expr,
               a.attidentity::text AS identity,
               to_jsonb(a) ->> 'attgenerated' AS generated,
               pg_catalog.col_description(a.attrelid, a.attnum) AS comment,
               CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,
               -- what pg_get_serial_sequence answers, read from pg_depend: that function
               -- resolves the table by name and so needs USAGE on its schema
               (SELECT pg_catalog.quote_ident(sn.nspname) || '.' || pg_catalog.quote_ident(s.relname)
                  FROM pg_catalog.pg_depend d
                  JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
                  JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
                 WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
                   AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = c.oid
                   AND d.refobjsubid = a.attnum AND d.deptype IN ('a', 'i')
                 LIMIT 1) AS sequence,
               EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                        WHERE k.conrelid = c.oid AND k.contype = 'p' AND a.attnum = ANY (k.conkey)) AS is_primary_key,
               EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                        WHERE i.indrelid = c.oid AND i.indisunique AND i.indpred IS NULL
                          -- key columns only: UNIQUE (a) INCLUDE (b) makes a unique (indnkeyatts:
                          -- PostgreSQL 11+; on 10 every index column is a key column)
                          AND COALESCE((to_jsonb(i) ->> 'indnkeyatts')::int, i.indnatts) = 1
                          AND i.indkey[0] = a.attnum) AS is_unique
          FROM pg_catalog.pg_attribute a
          JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
          LEFT JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype
                                                          WHEN t.typelem <> 0 AND t.typlen = -1 THEN t.typelem
                                                          ELSE t.oid END
          LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
          LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
         WHERE a.attrelid = {_REL_OID} AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum
        """,
        rel_params(table, schema),
    )


def indexes(table: str, schema: Optional[str]) -> Query:
    return (
        f"""
        SELECT ic.relname AS name, n.nspname AS schema, tc.relname AS table_name,
               i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS is_valid,
               am.amname AS method,
               pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
               pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
               i.indnatts AS column_count,
               COALESCE((to_jsonb(i) ->> 'indnkeyatts')::int, i.indnatts) AS key_count,
               (to_jsonb(i) ->> 'indnullsnotdistinct')::boolean AS nulls_not_distinct,
               -- a column's own name (pg_get_indexdef would quote "UserId"), else the expression
               ARRAY(SELECT COALESCE(a.attname::text, pg_catalog.pg_get_indexdef(i.indexrelid, k, true))
                       FROM pg_catalog.generate_series(1, i.indnatts) AS k
                       LEFT JOIN pg_catalog.pg_attribute a
                              ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1] AND i.indkey[k - 1] <> 0
                      ORDER BY k) AS column_defs,
               ARRAY(SELECT i.indkey[k - 1]
                       FROM pg_catalog.generate_series(1, i.indnatts) AS k ORDER BY k) AS column_numbers,
               i.indoption::int2[] AS column_options,
               con.conname AS constraint_name, con.contype::text AS constraint_type,
               -- estimate from the catalogue: pg_relation_size() would wait behind a lock
               ic.relpages::bigint * pg_catalog.current_setting('block_size')::bigint AS size_bytes,
               pg_catalog.obj_description(i.indexrelid, 'pg_class') AS comment
          FROM pg_catalog.pg_index i
          JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
          JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
          JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
          JOIN pg_catalog.pg_am am ON am.oid = ic.relam
          LEFT JOIN pg_catalog.pg_constraint con
                 ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
         WHERE i.indrelid = {_REL_OID}
         ORDER BY i.indisprimary DESC, ic.relname
        """,
        rel_params(table, schema),
    )


# Column names of a constraint's key array, in key order.
def _key_names(array: str, rel: str) -> str:
    return (
        f"ARRAY(SELECT a.attname FROM pg_catalog.unnest({array}) WITH ORDINALITY AS k(attnum, ord) "
        f"JOIN pg_catalog.pg_attribute a ON a.attrelid = {rel} AND a.attnum = k.attnum ORDER BY k.ord)"
    )


def foreign_keys(table: str, schema: Optional[str]) -> Query:
    return (
        f"""
        SELECT con.conname AS name, tc.relname AS table_name, n.nspname AS schema,
               {_key_names("con.conkey", "con.conrelid")} AS columns,
               rc.relname AS referenced_table, rn.nspname AS referenced_schema,
               {_key_names("con.confkey", "con.confrelid")} AS referenced_columns,
               con.confupdtype::text AS on_update, con.confdeltype::text AS on_delete,
               con.confmatchtype::text AS match_type,
               con.condeferrable AS deferrable, con.condeferred AS deferred,
               con.convalidated AS validated,
               pg_catalog.pg_get_constraintdef(con.oid, true) AS definition
          FROM pg_catalog.pg_constraint con
          JOIN pg_catalog.pg_class tc ON tc.oid = con.conrelid
          JOIN pg_catalog.pg_namespace n ON n.oid = tc.relnamespace
          JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
          JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
         WHERE con.contype = 'f' AND con.conrelid = {_REL_OID}
           -- a foreign key to a partitioned table adds one hidden row per partition
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint p
                            WHERE p.oid = COALESCE((to_jsonb(con) ->> 'conparentid')::oid, 0)
                              AND p.conrelid = con.conrelid)
         ORDER BY con.conname
        """,
        rel_params(table, schema),
    )


def constraints(table: str, schema: Optional[str]) -> Query:
    """Primary key, unique, check, exclusion and foreign keys (not PG 18's NOT NULL rows)."""
    return (
        f"""
        SELECT con.conname AS name, tc.relname AS table_name, n.nspname AS schema,
               con.contype::text AS type,
               {_key_names("con.conkey", "con.conrelid")} AS columns,
               pg_catalog.pg_get_constraintdef(con.oid, true) AS definition,
               CASE WHEN con.contype = 'c'
                    THEN pg_catalog.pg_get_expr(con.conbin, con.conrelid, true) END AS expression,
               ic.relname AS index_name,
               con.condeferrable AS deferrable, con.condeferred AS deferred,
               con.convalidated AS validated, con.connoinherit AS no_inherit,
               COALESCE((to_jsonb(con) ->> 'conenforced')::boolean, true) AS enforced,
               pg_catalog.obj_description(con.oid, 'pg_constraint') AS comment
          FROM pg_catalog.pg_constraint con
          JOIN pg_catalog.pg_class tc ON tc.oid = con.conrelid
          JOIN pg_catalog.pg_namespace n ON n.oid = tc.relnamespace
          LEFT JOIN pg_catalog.pg_class ic ON ic.oid = con.conindid AND con.contype IN ('p', 'u', 'x')
         WHERE con.conrelid = {_REL_OID} AND con.contype IN ('p', 'u', 'c', 'x', 'f')
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint p
                            WHERE p.oid = COALESCE((to_jsonb(con) ->> 'conparentid')::oid, 0)
                              AND p.conrelid = con.conrelid)
         ORDER BY CASE con.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'x' THEN 2 WHEN 'c' THEN 3 ELSE 4 END,
                  con.conname
        """,
        rel_params(table, schema),
    )


# The other objects' queries, here so that callers need one module (imported last: they
# use the helpers above).
from .catalog_objects import (  # noqa: E402
    available_extensions,
    enum_types,
    installed_extensions,
    partitioning,
    partitions,
    sequences,
    triggers,
    view_info,
    views,
)

__all__ = ["Query", "SIZE_ESTIMATE", "check_schema", "rel_params", "database_info", "databases", "schemas",
           "tables", "table", "columns", "indexes", "foreign_keys", "constraints", "views", "view_info",
           "triggers", "sequences", "enum_types", "partitioning", "partitions", "installed_extensions",
           "available_extensions"]
