"""Introspection and EXPLAIN: lock-free listing, names resolved through search_path,
cache invalidation by SET / DO / CALL / REFRESH, unquoted index column names, and
EXPLAIN kept off the read replica. Each test runs for the sync and the async backend."""

from __future__ import annotations

import secrets

import psycopg
import pytest
from rhosocial.activerecord.backend.errors import ConnectionError as BackendConnectionError
from rhosocial.activerecord.backend.impl.postgres import (
    AsyncPostgresBackend,
    PostgresBackend,
    PostgresConnectionConfig,
)
from rhosocial.activerecord.backend.impl.postgres.replica import changes_session, routes_to_replica
from rhosocial.activerecord.backend.options import ExecutionOptions
from rhosocial.activerecord.backend.schema import StatementType

from tests.harness.local import free_port

from .conftest import QUIET, major, run_all, wait

pytestmark = pytest.mark.asyncio


async def test_listing_does_not_wait_for_another_sessions_lock(backend, schema):
    """A migration holding ACCESS EXCLUSIVE on one table must not stall listing the schema."""
    await run_all(backend, f"""
        CREATE TABLE {schema}.busy (id int PRIMARY KEY, note text);
        CREATE TABLE {schema}.other (id int PRIMARY KEY);
        CREATE VIEW {schema}.on_busy AS SELECT id FROM {schema}.busy;
        CREATE VIEW {schema}.on_on_busy AS SELECT id FROM {schema}.on_busy;
        CREATE VIEW {schema}.on_other AS SELECT id FROM {schema}.other;
        CREATE MATERIALIZED VIEW {schema}.mat AS SELECT id FROM {schema}.busy
    """)
    intro = backend.introspector
    with psycopg.connect(backend.config.conninfo()) as holder:
        holder.execute(f"LOCK TABLE {schema}.busy IN ACCESS EXCLUSIVE MODE")
        # before the fix these waited for the lock: statement_timeout turns that into an error
        await wait(backend.execute("SET statement_timeout = '3s'"))
        try:
            tables = {t.name: t for t in await wait(intro.list_tables(schema))}
            assert set(tables) == {"busy", "other", "on_busy", "on_on_busy", "on_other", "mat"}
            assert isinstance(tables["other"].size_bytes, int) and tables["on_other"].size_bytes is None
            views = {v.name: v for v in await wait(intro.list_views(schema))}
            assert views["on_other"].is_updatable is True and "SELECT" in views["on_other"].definition
            # facts that need the locked relation are unknown (None) instead of blocking,
            # also through a view on a view
            for name in ("on_busy", "on_on_busy"):
                assert (views[name].is_updatable, views[name].is_insertable, views[name].definition) == (
                    None, None, None)
            (mat,) = await wait(intro.list_materialized_views(schema))
            assert mat.definition is None and mat.is_updatable is False
            assert await wait(intro.table_exists("other", schema))
            # only the catalogue row: the locked table's deparsed details would wait
            assert await wait(intro.table_exists("busy", schema))
            assert (await wait(intro.describe_table("other", schema))).name == "other"
        finally:
            holder.rollback()
            await wait(backend.execute("RESET statement_timeout"))
    intro.clear_cache()
    views = {v.name: v for v in await wait(intro.list_views(schema))}
    assert views["on_busy"].is_updatable is True and views["on_busy"].is_insertable is True
    assert "SELECT" in views["on_on_busy"].definition


async def test_sizes_are_catalogue_estimates(backend, schema):
    await run_all(backend, f"""
        CREATE TABLE {schema}.t (id int PRIMARY KEY, note text);
        INSERT INTO {schema}.t SELECT g, repeat('x', 100) FROM generate_series(1, 2000) g;
        ANALYZE {schema}.t
    """)
    (table,) = await wait(backend.introspector.list_tables(schema))
    exact = (await wait(backend.fetch_one(f"SELECT pg_total_relation_size('{schema}.t') AS n")))["n"]
    assert 0 < table.size_bytes <= exact
    (index,) = await wait(backend.introspector.list_indexes("t", schema))
    assert index.size_bytes > 0


async def test_names_resolved_through_search_path(backend, schema):
    """table_exists / get_table_info / describe_table find what list_columns (and SQL) finds."""
    long_name = "t_" + "x" * 70  # truncated to 63 bytes by the server
    await run_all(backend, f"""
        CREATE TABLE {schema}.second (id int PRIMARY KEY);
        CREATE TABLE {schema}.{long_name} (id int)
    """)
    intro = backend.introspector
    assert await wait(intro.table_exists(long_name, schema))
    assert (await wait(intro.get_table_info(long_name, schema))).name == long_name[:63]
    await wait(backend.execute(f"SET search_path TO public, {schema}"))
    try:
        assert [c.name for c in await wait(intro.list_columns("second"))] == ["id"]
        assert await wait(intro.table_exists("second"))
        info = await wait(intro.get_table_info("second"))
        assert info.schema == schema and [c.name for c in info.columns] == ["id"]
        assert [i.name for i in info.indexes] == ["second_pkey"]
        assert (await wait(intro.describe_table("second"))).extra["constraints"][0].name == "second_pkey"
        assert await wait(intro.table_exists(long_name))
        assert not await wait(intro.table_exists("nope"))

        await wait(backend.execute("CREATE TEMP TABLE scratch (x int)"))
        assert await wait(intro.table_exists("scratch"))
        temp = await wait(intro.get_table_info("scratch"))
        assert temp.schema.startswith("pg_temp") and [c.name for c in temp.columns] == ["x"]
        # a temporary table hides a permanent one of the same name, as in SQL
        await wait(backend.execute("CREATE TEMP TABLE second (temp_col int)"))
        assert [c.name for c in (await wait(intro.get_table_info("second"))).columns] == ["temp_col"]
        assert (await wait(intro.get_table_info("second", schema))).columns[0].name == "id"
        await wait(backend.execute("DISCARD TEMP"))
        assert not await wait(intro.table_exists("scratch"))
    finally:
        await wait(backend.execute("RESET search_path"))


async def test_empty_schema_is_refused(backend, schema):
    intro = backend.introspector
    await wait(intro.list_tables())  # cached under schema=None
    for call in (lambda: intro.list_tables(""), lambda: intro.table_exists("t", ""),
                 lambda: intro.list_columns("t", ""), lambda: intro.list_sequences(""),
                 lambda: intro.list_constraints("t", "")):
        with pytest.raises(ValueError, match="schema"):
            await wait(call())


async def test_cache_follows_set_do_call_and_refresh(backend, schema):
    other = f"{schema}_b"
    await run_all(backend, f"""
        CREATE SCHEMA {other};
        CREATE TABLE {schema}.t (a_col int);
        CREATE TABLE {other}.t (b_col int);
        CREATE MATERIALIZED VIEW {schema}.mat AS SELECT 1 AS x WITH NO DATA
    """)
    intro = backend.introspector
    try:
        await wait(backend.execute(f"SET search_path TO {schema}"))
        assert [c.name for c in await wait(intro.list_columns("t"))] == ["a_col"]
        await wait(backend.execute(f"SET search_path TO {other}"))
        assert [c.name for c in await wait(intro.list_columns("t"))] == ["b_col"]
        await wait(backend.execute("RESET search_path"))
        assert await wait(intro.list_columns("t")) == []

        assert [c.name for c in await wait(intro.list_columns("t", schema))] == ["a_col"]
        await wait(backend.execute(f"DO $$BEGIN ALTER TABLE {schema}.t ADD COLUMN via_do int; END$$"))
        assert [c.name for c in await wait(intro.list_columns("t", schema))] == ["a_col", "via_do"]
        if major(backend) >= 11:
            await wait(backend.execute(f"CREATE PROCEDURE {schema}.grow() LANGUAGE plpgsql "
                                       f"AS $$BEGIN ALTER TABLE {schema}.t ADD COLUMN via_call int; END$$"))
            assert len(await wait(intro.list_columns("t", schema))) == 2
            await wait(backend.execute(f"CALL {schema}.grow()"))
            assert [c.name for c in await wait(intro.list_columns("t", schema))][-1] == "via_call"

        (mat,) = await wait(intro.list_materialized_views(schema))
        assert mat.extra["is_populated"] is False
        await wait(backend.execute(f"REFRESH MATERIALIZED VIEW {schema}.mat"))
        (mat,) = await wait(intro.list_materialized_views(schema))
        assert mat.extra["is_populated"] is True
    finally:
        await wait(backend.execute("RESET search_path"))
        await wait(backend.execute(f"DROP SCHEMA {other} CASCADE"))


async def test_index_columns_are_names_not_sql(backend, schema):
    include = 'INCLUDE ("a b")' if major(backend) >= 11 else ""
    await run_all(backend, f"""
        CREATE TABLE {schema}.t ("UserId" int, "select" int, "a b" int, plain int, "Mixed" text);
        CREATE INDEX multi ON {schema}.t ("UserId", "select", "a b" DESC, plain, lower("Mixed"));
        CREATE UNIQUE INDEX one ON {schema}.t ("UserId") {include}
    """)
    intro = backend.introspector
    indexes = {i.name: i for i in await wait(intro.list_indexes("t", schema))}
    multi = indexes["multi"]
    assert [c.name for c in multi.columns] == ["UserId", "select", "a b", "plain", 'lower("Mixed")']
    assert multi.columns[2].is_descending
    assert multi.extra["expressions"] == ['lower("Mixed")']
    assert [c.name for c in indexes["one"].columns] == ["UserId"]
    assert indexes["one"].extra["include_columns"] == (["a b"] if include else [])
    columns = {c.name: c for c in await wait(intro.list_columns("t", schema))}
    # unique over its one key column, INCLUDE columns notwithstanding
    assert columns["UserId"].is_unique and not columns["a b"].is_unique


@pytest.mark.filterwarnings("ignore::pytest.PytestWarning")  # module-wide asyncio mark
def test_explain_is_never_routed_to_the_replica():
    dql = ExecutionOptions(stmt_type=StatementType.DQL)
    assert routes_to_replica("SELECT 1", dql, False)
    for sql in ("EXPLAIN SELECT 1", "  explain (ANALYZE) INSERT INTO t VALUES (1)",
                "-- plan\n/* of */ EXPLAIN (FORMAT JSON) SELECT 1"):
        assert not routes_to_replica(sql, dql, False), sql
    assert routes_to_replica("SELECT explain FROM t", dql, False)


_PLAIN_READS = [
    "SELECT 1", "  (SELECT 1) UNION (SELECT 2)", "-- c\n/* a /* nested */ b */ select * from t", "VALUES (1)",
    "TABLE t", "WITH x AS (SELECT 1) SELECT * FROM x", "SELECT 1;", 'SELECT "Update", "update", "into" FROM "t"',
    "SELECT * FROM t WHERE note = 'INSERT INTO x; nextval(''s'')'", "SELECT $$delete$$",
    "SELECT substring(x from 1 for 2) FROM t", "SELECT * FROM t WHERE a = %s AND b LIKE 'x%%'",
]
_PRIMARY_ONLY = [
    "INSERT INTO t VALUES (1) RETURNING id", "UPDATE t SET a = 1 RETURNING a", "SHOW search_path",
    "SELECT nextval('s')", "SELECT pg_catalog.setval('s', 1)", 'SELECT "nextval"(\'s\')', "SELECT currval('s')",
    "SELECT lastval()", "WITH d AS (DELETE FROM t RETURNING id) SELECT * FROM d",
    "WITH d AS (SELECT 1) INSERT INTO t SELECT * FROM d",
    "(WITH d AS (UPDATE t SET a = 1 RETURNING *) SELECT * FROM d)",
    "MERGE INTO t USING s ON true WHEN MATCHED THEN DO NOTHING", "SELECT * INTO new_t FROM t",
    "SELECT * FROM t FOR UPDATE", "SELECT * FROM t FOR NO KEY UPDATE", "SELECT * FROM t FOR SHARE",
    "SELECT * FROM t for key share", "SELECT 1; SET x = 1", "SELECT pg_advisory_lock(1)",
    "SELECT pg_try_advisory_xact_lock(1)", "SELECT set_config('a.b', 'c', false)", "SELECT txid_current()",
    "SELECT pg_notify('c', 'x')", "SELECT lo_create(0)", "DO $$ BEGIN END $$", "SET search_path TO x",
]


@pytest.mark.filterwarnings("ignore::pytest.PytestWarning")  # module-wide asyncio mark
def test_only_plain_reads_are_routed_to_the_replica():
    """fetch_one/fetch_all pass DQL for any statement: the text decides (review: an INSERT ...
    RETURNING, nextval() or a data-modifying CTE raised 25006 on the standby)."""
    dql = ExecutionOptions(stmt_type=StatementType.DQL)
    for sql in _PLAIN_READS:
        assert routes_to_replica(sql, dql, False), sql
        assert not routes_to_replica(sql, dql, True), sql
        assert not routes_to_replica(sql, ExecutionOptions(stmt_type=StatementType.DML), False), sql
    for sql in _PRIMARY_ONLY:
        assert not routes_to_replica(sql, dql, False), sql


@pytest.mark.filterwarnings("ignore::pytest.PytestWarning")  # module-wide asyncio mark
def test_statements_that_change_the_session():
    """After these the standby's sessions would read differently from the primary's session."""
    for sql in ("SET search_path TO a", "set session authorization x", "SET ROLE x", "set time zone 'UTC'",
                "/* x */ SET timezone = 'UTC'", "RESET ALL", "DISCARD ALL", "LISTEN ch", "LOAD 'auto_explain'",
                "PREPARE p AS SELECT 1", "DECLARE c CURSOR WITH HOLD FOR SELECT 1", "CREATE TEMP TABLE x (a int)",
                "CREATE GLOBAL TEMPORARY TABLE x (a int)", "CREATE OR REPLACE TEMP VIEW v AS SELECT 1",
                "CREATE LOCAL TEMP SEQUENCE s", "SELECT * INTO TEMP t2 FROM t", "SELECT 1; SET search_path TO a",
                "SELECT set_config('search_path', 'a', false)", 'SELECT "set_config"(\'search_path\', \'a\', false)'):
        assert changes_session(sql), sql
    for sql in ("SET LOCAL search_path TO a", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
                "SET CONSTRAINTS ALL DEFERRED", "CREATE TABLE temp (a int)", "CREATE VIEW temp AS SELECT 1",
                "INSERT INTO temp VALUES (1)", "UPDATE t SET temp = 1; SELECT 1", "SELECT 'SET search_path'",
                "-- SET x\nSELECT 1", "ALTER TABLE t SET SCHEMA x", "BEGIN", "SELECT 1"):
        assert not changes_session(sql), sql


@pytest.mark.parametrize("flavour", ["sync", "async"])
async def test_explain_runs_on_the_primary(flavour, pg_database):
    """With a read replica configured (here: a port nobody listens on, so any statement
    routed there fails), EXPLAIN - ANALYZE of an INSERT above all - still runs."""
    replica_port = free_port()
    config = PostgresConnectionConfig(**pg_database.conn_kwargs(), read_replica_host="127.0.0.1",
                                      read_replica_port=replica_port)
    backend = (PostgresBackend if flavour == "sync" else AsyncPostgresBackend)(config, logging_config=QUIET)
    await wait(backend.connect())
    table = f"ex_{secrets.token_hex(4)}"
    try:
        await wait(backend.execute(f"CREATE TABLE {table} (id int)"))
        with pytest.raises(BackendConnectionError) as routed:  # proves that plain reads are routed there
            await wait(backend.fetch_all(f"SELECT * FROM {table}"))
        assert f"port {replica_port}" in str(routed.value), routed.value
        result = await wait(backend.explain_sql(f"INSERT INTO {table} VALUES (%s)", (1,), analyze=True))
        assert result.plan.node_type == "ModifyTable"
        result = await wait(backend.explain_sql(f"SELECT * FROM {table} WHERE id = %s", (1,)))
        assert result.plan.relation_name == table
        count = await wait(backend.execute(f"SELECT count(*) AS n FROM {table}", options=ExecutionOptions(
            stmt_type=StatementType.DML, process_result_set=True)))
        assert count.data == [{"n": 1}]
    finally:
        await wait(backend.execute(f"DROP TABLE IF EXISTS {table}"))
        await wait(backend.disconnect())


async def test_star_schema_finds_a_table_in_any_schema(backend, schema):
    """``"*"`` (every schema, as for list_tables) once reached to_regclass as a schema named
    "*": table_exists and get_table_info said no for every table."""
    await run_all(backend, f"CREATE TABLE {schema}.only_here (id int PRIMARY KEY, v text)")
    intro = backend.introspector
    assert await wait(intro.table_exists("only_here", "*"))
    assert not await wait(intro.table_exists("nowhere_at_all", "*"))
    info = await wait(intro.get_table_info("only_here", "*"))
    assert info.schema == schema and [c.name for c in info.columns] == ["id", "v"]
    assert await wait(intro.get_table_info("nowhere_at_all", "*")) is None
