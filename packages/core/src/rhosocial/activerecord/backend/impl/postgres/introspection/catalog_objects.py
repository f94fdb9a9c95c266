"""Catalogue queries for views, triggers, sequences, enums, partitions and extensions.

Split from :mod:`.catalog` (tables, columns, indexes, keys), whose helpers and
conventions these share: no I/O, one query per concern for PostgreSQL 10 to 18,
named parameters, a relation without schema resolved through ``search_path``.
``catalog`` re-exports every function here, so callers use ``catalog.views`` etc.
"""

from __future__ import annotations

from typing import Optional

from .catalog import _REL_OID, SIZE_ESTIMATE, Query, _schema_filter, rel_params

__all__ = ["views", "view_info", "triggers", "sequences", "enum_types", "partitioning", "partitions",
           "installed_extensions", "available_extensions"]

# -- views ---------------------------------------------------------------------------
# pg_get_viewdef() and pg_relation_is_updatable() take ACCESS SHARE locks on the view and
# on every relation it reads, so while another session holds (or waits for) an ACCESS
# EXCLUSIVE lock on one of them (a migration's ALTER TABLE, LOCK TABLE) they would wait
# for it. Listing must not hang behind a migration: for such a view the two are skipped
# and definition / is_updatable / is_insertable are NULL ("unknown right now").
# "busy" is read once per query: pg_locks is volatile, so the CTE is never inlined.
_BUSY = """
        WITH busy AS (
            SELECT l.relation FROM pg_catalog.pg_locks l
             WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
               AND l.pid <> pg_catalog.pg_backend_pid()
               AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
                                  WHERE d.datname = pg_catalog.current_database()))
"""

# The view and, through the dependencies of its rewrite rule, every relation it reads
# (views on views included), tested against "busy".
_LOCKED = """
          CROSS JOIN LATERAL (SELECT EXISTS (
            WITH RECURSIVE rel(oid) AS (
                SELECT c.oid
                UNION
                SELECT d.refobjid FROM rel
                  JOIN pg_catalog.pg_rewrite r ON r.ev_class = rel.oid
                  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass
                   AND d.objid = r.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass)
            SELECT 1 FROM rel JOIN busy b ON b.relation = rel.oid) AS locked) lk
"""

_VIEW_COLUMNS = _BUSY + """
        SELECT c.relname AS name, n.nspname AS schema, c.relkind::text AS relkind,
               CASE WHEN NOT lk.locked THEN pg_catalog.pg_get_viewdef(c.oid, true) END AS definition,
               -- bits of pg_relation_is_updatable: 4 UPDATE, 8 INSERT, 16 DELETE
               CASE WHEN c.relkind <> 'v' THEN false WHEN NOT lk.locked
                    THEN (pg_catalog.pg_relation_is_updatable(c.oid, false) & 20) = 20 END AS is_updatable,
               CASE WHEN c.relkind <> 'v' THEN false WHEN NOT lk.locked
                    THEN (pg_catalog.pg_relation_is_updatable(c.oid, false) & 8) = 8 END AS is_insertable,
               (SELECT upper(substr(o, 14)) FROM pg_catalog.unnest(c.reloptions) AS o
                 WHERE o LIKE 'check_option=%%') AS check_option,
               c.relispopulated AS is_populated,
               pg_catalog.pg_get_userbyid(c.relowner) AS owner,
               pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
               -- an estimate from the catalogue (see catalog.SIZE_ESTIMATE), lock-free
               CASE WHEN c.relkind = 'm' THEN """ + "{size}" + """ END AS size_bytes
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
""" + _LOCKED
_VIEW_COLUMNS = _VIEW_COLUMNS.replace("{size}", SIZE_ESTIMATE)


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
