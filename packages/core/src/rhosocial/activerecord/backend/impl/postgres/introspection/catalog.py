"""Catalogue queries for introspection (no I/O: SQL text and parameters only).

Every query works unchanged on PostgreSQL 10 to 18. Columns that only some
majors have (``pg_attribute.attgenerated`` from 12, ``pg_index.indnkeyatts``
from 11, ``indnullsnotdistinct`` from 15, ``pg_constraint.conparentid`` from
11, ...) are read through ``to_jsonb(row) ->> 'column'``, which yields NULL
where the column does not exist, so there is one query per concern instead of
one per major.

A relation is named by ``(schema, name)``; with no schema it is resolved
through the session's ``search_path`` (``to_regclass``), as unqualified names
in SQL are. Queries take named parameters (``%(name)s``), sent to psycopg as
they are.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

Query = Tuple[str, Dict[str, Any]]

# The oid of relation (schema, table), or NULL; search_path decides without a schema.
_REL_OID = (
    "to_regclass(CASE WHEN %(schema)s::text IS NULL THEN pg_catalog.quote_ident(%(table)s::text) "
    "ELSE pg_catalog.quote_ident(%(schema)s::text) || '.' || pg_catalog.quote_ident(%(table)s::text) END)"
)

# Schemas that belong to the system rather than to the user.
_SYSTEM_SCHEMA = (
    "({n}.nspname IN ('pg_catalog', 'information_schema') OR {n}.nspname LIKE 'pg\\_toast%%' "
    "OR {n}.nspname LIKE 'pg\\_temp\\_%%')"
)


def _schema_filter(alias: str, schema: Optional[str], include_system: bool) -> str:
    """WHERE fragment choosing schemas: one schema, the current one, or all ("*")."""
    if schema == "*":
        return "TRUE" if include_system else f"NOT {_SYSTEM_SCHEMA.format(n=alias)}"
    if schema is None:
        return f"{alias}.nspname = pg_catalog.current_schema()"
    return f"{alias}.nspname = %(schema)s"


def rel_params(table: str, schema: Optional[str]) -> Dict[str, Any]:
    return {"table": table, "schema": schema}


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


def tables(schema: Optional[str], include_system: bool, include_views: bool = True,
           table_type: Optional[str] = None) -> Query:
    kinds = _RELKINDS.get(table_type.upper() if table_type else None)
    if kinds is None:
        raise ValueError(f"unknown table_type {table_type!r}; expected one of "
                         f"{', '.join(k for k in _RELKINDS if k)}")
    if not include_views and table_type is None:
        kinds = ("r", "p", "f")
    kind_list = ", ".join(f"'{k}'" for k in kinds)
    return (
        f"""
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
               CASE WHEN c.relkind IN ('r', 'p', 'm') THEN pg_catalog.pg_total_relation_size(c.oid) END AS size_bytes,
               {_SYSTEM_SCHEMA.format(n="n")} AS is_system
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ({kind_list})
           AND {_schema_filter("n", schema, include_system)}
           AND NOT pg_catalog.pg_is_other_temp_schema(n.oid)
         ORDER BY n.nspname, c.relname
        """,
        {"schema": schema},
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
               pg_catalog.pg_get_serial_sequence(pg_catalog.quote_ident(n.nspname) || '.'
                   || pg_catalog.quote_ident(c.relname), a.attname) AS sequence,
               EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                        WHERE k.conrelid = c.oid AND k.contype = 'p' AND a.attnum = ANY (k.conkey)) AS is_primary_key,
               EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                        WHERE i.indrelid = c.oid AND i.indisunique AND i.indpred IS NULL
                          AND i.indnatts = 1 AND i.indkey[0] = a.attnum) AS is_unique
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
               ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
                       FROM pg_catalog.generate_series(1, i.indnatts) AS k ORDER BY k) AS column_defs,
               ARRAY(SELECT i.indkey[k - 1]
                       FROM pg_catalog.generate_series(1, i.indnatts) AS k ORDER BY k) AS column_numbers,
               i.indoption::int2[] AS column_options,
               con.conname AS constraint_name, con.contype::text AS constraint_type,
               pg_catalog.pg_relation_size(i.indexrelid) AS size_bytes,
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


# -- views ---------------------------------------------------------------------------
_VIEW_COLUMNS = """
        SELECT c.relname AS name, n.nspname AS schema, c.relkind::text AS relkind,
               pg_catalog.pg_get_viewdef(c.oid, true) AS definition,
               -- bits of pg_relation_is_updatable: 4 UPDATE, 8 INSERT, 16 DELETE
               CASE WHEN c.relkind = 'v'
                    THEN (pg_catalog.pg_relation_is_updatable(c.oid, false) & 20) = 20 ELSE false END AS is_updatable,
               CASE WHEN c.relkind = 'v'
                    THEN (pg_catalog.pg_relation_is_updatable(c.oid, false) & 8) = 8 ELSE false END AS is_insertable,
               (SELECT upper(substr(o, 14)) FROM pg_catalog.unnest(c.reloptions) AS o
                 WHERE o LIKE 'check_option=%%') AS check_option,
               c.relispopulated AS is_populated,
               pg_catalog.pg_get_userbyid(c.relowner) AS owner,
               pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
               CASE WHEN c.relkind = 'm' THEN pg_catalog.pg_total_relation_size(c.oid) END AS size_bytes
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
"""


def views(schema: Optional[str], include_system: bool, materialized: bool = False) -> Query:
    kind = "'m'" if materialized else "'v'"
    return (
        _VIEW_COLUMNS + f"""
         WHERE c.relkind = {kind} AND {_schema_filter("n", schema, include_system)}
         ORDER BY n.nspname, c.relname
        """,
        {"schema": schema},
    )


def view_info(view: str, schema: Optional[str]) -> Query:
    return (
        _VIEW_COLUMNS + f" WHERE c.oid = {_REL_OID} AND c.relkind IN ('v', 'm')",
        rel_params(view, schema),
    )


# -- triggers ------------------------------------------------------------------------
def triggers(table: Optional[str], schema: Optional[str]) -> Query:
    if table is not None:
        where = f"t.tgrelid = {_REL_OID}"
    else:
        where = _schema_filter("n", schema, False)
    return (
        f"""
        SELECT t.tgname AS name, c.relname AS table_name, n.nspname AS schema,
               t.tgtype::int AS tgtype, t.tgenabled::text AS enabled,
               pg_catalog.pg_get_triggerdef(t.oid, true) AS definition,
               t.tgfoid::regprocedure::text AS function,
               t.tgconstraint <> 0 AS is_constraint_trigger,
               t.tgdeferrable AS deferrable, t.tginitdeferred AS deferred,
               pg_catalog.obj_description(t.oid, 'pg_trigger') AS comment
          FROM pg_catalog.pg_trigger t
          JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE NOT t.tgisinternal AND {where}
         ORDER BY n.nspname, c.relname, t.tgname
        """,
        {"table": table, "schema": schema},
    )


# -- sequences, enums, partitions, extensions ------------------------------------------
def sequences(schema: Optional[str], include_system: bool = False) -> Query:
    return (
        f"""
        SELECT c.relname AS name, n.nspname AS schema,
               pg_catalog.format_type(s.seqtypid, NULL) AS data_type,
               s.seqstart AS start_value, s.seqincrement AS increment,
               s.seqmin AS min_value, s.seqmax AS max_value, s.seqcache AS cache_size,
               s.seqcycle AS cycle, ps.last_value,
               dn.nspname AS owned_by_schema, dc.relname AS owned_by_table, da.attname AS owned_by_column,
               d.deptype::text AS dependency,
               pg_catalog.obj_description(c.oid, 'pg_class') AS comment
          FROM pg_catalog.pg_sequence s
          JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          LEFT JOIN pg_catalog.pg_sequences ps ON ps.schemaname = n.nspname AND ps.sequencename = c.relname
          LEFT JOIN pg_catalog.pg_depend d
                 ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')
          LEFT JOIN pg_catalog.pg_class dc ON dc.oid = d.refobjid
          LEFT JOIN pg_catalog.pg_namespace dn ON dn.oid = dc.relnamespace
          LEFT JOIN pg_catalog.pg_attribute da ON da.attrelid = d.refobjid AND da.attnum = d.refobjsubid
         WHERE {_schema_filter("n", schema, include_system)}
           AND NOT pg_catalog.pg_is_other_temp_schema(n.oid)
         ORDER BY n.nspname, c.relname
        """,
        {"schema": schema},
    )


def enum_types(schema: Optional[str], include_system: bool = False) -> Query:
    return (
        f"""
        SELECT t.typname AS name, n.nspname AS schema,
               ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                      WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels,
               pg_catalog.pg_get_userbyid(t.typowner) AS owner,
               pg_catalog.obj_description(t.oid, 'pg_type') AS comment
          FROM pg_catalog.pg_type t
          JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
         WHERE t.typtype = 'e' AND {_schema_filter("n", schema, include_system)}
         ORDER BY n.nspname, t.typname
        """,
        {"schema": schema},
    )


def partitioning(table: str, schema: Optional[str]) -> Query:
    """The partition key of a partitioned table (no row if it is not partitioned)."""
    return (
        f"""
        SELECT c.relname AS name, n.nspname AS schema, pt.partstrat::text AS strategy,
               pg_catalog.pg_get_partkeydef(c.oid) AS key
          FROM pg_catalog.pg_partitioned_table pt
          JOIN pg_catalog.pg_class c ON c.oid = pt.partrelid
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE pt.partrelid = {_REL_OID}
        """,
        rel_params(table, schema),
    )


def partitions(table: str, schema: Optional[str]) -> Query:
    """Every partition below a table, sub-partitions included (depth-first order)."""
    return (
        f"""
        WITH RECURSIVE tree(relid, parent, level, path) AS (
            SELECT i.inhrelid, i.inhparent, 1, ARRAY[i.inhrelid::oid]
              FROM pg_catalog.pg_inherits i WHERE i.inhparent = {_REL_OID}
            UNION ALL
            SELECT i.inhrelid, i.inhparent, t.level + 1, t.path || i.inhrelid::oid
              FROM pg_catalog.pg_inherits i JOIN tree t ON i.inhparent = t.relid
        )
        SELECT c.relname AS name, n.nspname AS schema, p.relname AS parent, pn.nspname AS parent_schema,
               t.level, pg_catalog.pg_get_expr(c.relpartbound, c.oid, true) AS bound,
               c.relkind = 'p' AS is_partitioned, c.relkind::text AS relkind,
               CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS key,
               c.reltuples::bigint AS row_estimate
          FROM tree t
          JOIN pg_catalog.pg_class c ON c.oid = t.relid
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_catalog.pg_class p ON p.oid = t.parent
          JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
         ORDER BY t.path
        """,
        rel_params(table, schema),
    )


def installed_extensions() -> Query:
    return (
        """
        SELECT e.extname AS name, e.extversion AS version, n.nspname AS schema,
               e.extrelocatable AS relocatable,
               pg_catalog.obj_description(e.oid, 'pg_extension') AS comment
          FROM pg_catalog.pg_extension e
          JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
         ORDER BY e.extname
        """,
        {},
    )


def available_extensions() -> Query:
    """May fail on servers with control files they cannot parse (see ``installed_extensions``)."""
    return (
        """
        SELECT name, default_version, installed_version, comment
          FROM pg_catalog.pg_available_extensions
         ORDER BY name
        """,
        {},
    )
