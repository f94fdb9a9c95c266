"""Text the backend writes or reads must mean one thing to the server (third review, injection):
JSON path keys with standard_conforming_strings off, savepoint names past 63 bytes, NUL in
names, search_path lists, dollar-quote tags with non-ASCII letters, and what read-replica
routing sends to a real hot standby (writing functions, backslashes with the setting off)."""

from __future__ import annotations

import secrets

import pytest
from psycopg.types.json import Jsonb
from rhosocial.activerecord.backend.errors import TransactionError
from rhosocial.activerecord.backend.expression import JSONExpression
from rhosocial.activerecord.backend.expression.core import Column
from rhosocial.activerecord.backend.impl.postgres import PostgresConnectionConfig
from rhosocial.activerecord.backend.impl.postgres.config_checks import ConfigurationError
from rhosocial.activerecord.backend.impl.postgres.replica import is_plain_read

from tests.harness.replica import wait_for_replay

from .conftest import Api, admin_connect, make_backend, run


def _json_sql(api: Api, key: str, operation: str = "->>") -> tuple:
    dialect = api.backend.dialect
    return JSONExpression(dialect, Column(dialect, "data"), key, operation=operation).to_sql()


@pytest.mark.parametrize("scs", ["on", "off"])
def test_json_path_keys_read_the_same_whatever_standard_conforming_strings(api_factory, table_name, scs):
    """A key with a backslash and a quote is a literal key with the setting on or off: it was
    written '...' with only quotes doubled, so with it off "x\\') IS NULL OR true --" closed
    the literal early and widened the WHERE clause to every row."""
    api = api_factory()

    async def scenario():
        await api.connect()
        await api.execute(f"SET standard_conforming_strings = {scs}")
        await api.execute(f'CREATE TEMP TABLE "{table_name}" (id int, data jsonb)')
        await api.execute(f'INSERT INTO "{table_name}" VALUES (1, %s), (2, %s)',
                          (Jsonb({"owner": "alice", "a\\b": 1, "k'": 2}), Jsonb({"owner": "bob"})))
        sql, params = _json_sql(api, "x\\') IS NULL OR true --")
        assert await api.rows(f'SELECT id FROM "{table_name}" WHERE id >= %s AND {sql} IS NOT NULL',
                              (0,) + params) == []
        for key, value in (("a\\b", "1"), ("k'", "2"), ("$.owner", "alice")):
            sql, params = _json_sql(api, key)
            assert await api.value(f'SELECT {sql} FROM "{table_name}" WHERE id = 1', params) == value
        sql, params = _json_sql(api, '{"a\\\\b"}', "#>>")
        assert await api.value(f'SELECT {sql} FROM "{table_name}" WHERE id = 1', params) == "1"

    run(scenario(), api)


def test_json_operation_must_be_a_json_operator(api_factory, table_name):
    """operation= was written verbatim: "IS NOT NULL OR true OR 'x' =" returned every row."""
    api = api_factory()

    async def scenario():
        await api.execute(f'CREATE TABLE "{table_name}" (id int, data jsonb)')
        try:
            await api.execute(f'INSERT INTO "{table_name}" VALUES (1, %s)', (Jsonb({"owner": "alice"}),))
            with pytest.raises(ValueError, match="not a PostgreSQL JSON operator"):
                _json_sql(api, '{"owner": "nobody"}', "IS NOT NULL OR true OR 'x' =")
            sql, params = _json_sql(api, '{"owner": "alice"}', "@>")
            assert await api.rows(f'SELECT id FROM "{table_name}" WHERE {sql}', params) == [{"id": 1}]
        finally:
            await api.execute(f'DROP TABLE "{table_name}"')

    run(scenario(), api)


def test_server_settings_refuse_standard_conforming_strings_off():
    """With it off the backend's lexer and literals would be read differently by the server."""
    with pytest.raises(ConfigurationError, match="standard_conforming_strings"):
        PostgresConnectionConfig(server_settings={"standard_conforming_strings": "off"})
    PostgresConnectionConfig(server_settings={"standard_conforming_strings": "on"})


def test_savepoint_names_past_63_bytes_and_nul_are_refused(api_factory, table_name):
    """The server cuts names to 63 bytes: savepoints A and B, differing only after byte 63,
    were one name, and rollback_to(A) rolled back to B (keeping the rows inserted between)."""
    api = api_factory()
    long_a, long_b = "s" * 63 + "A", "s" * 63 + "B"

    async def scenario():
        await api.execute(f'CREATE TEMP TABLE "{table_name}" (x int)')
        await api.begin()
        await api.execute(f'INSERT INTO "{table_name}" VALUES (0)')
        for name in (long_a, long_b, "é" * 32, "x\x00y"):
            with pytest.raises((TransactionError, ValueError)) as caught:
                await api._call(api.tm.savepoint, name)
            error = caught.value if isinstance(caught.value, ValueError) else caught.value.__cause__
            assert isinstance(error, ValueError), caught.value
        name = await api._call(api.tm.savepoint, "é" * 31 + "s")  # 63 bytes: accepted
        await api.execute(f'INSERT INTO "{table_name}" VALUES (1)')
        await api._call(api.tm.rollback_to, name)
        assert await api.rows(f'SELECT x FROM "{table_name}"') == [{"x": 0}]
        await api.rollback()

    run(scenario(), api)


def test_search_path_list_is_quoted_schema_names(api_factory):
    """A list was joined unquoted: ["MySchema"] found myschema, ["a,b"] two schemas a and b."""
    suffix = secrets.token_hex(3)
    mixed, comma = f"My_{suffix}", f"a,{suffix}"
    admin = api_factory()

    async def scenario():
        for name in (mixed, mixed.lower(), comma):
            await admin.execute(f'CREATE SCHEMA "{name}"')
        try:
            api = api_factory(search_path=[mixed, comma, "$user", "public"])
            schemas = await api.value("SELECT current_schemas(false)")
            assert schemas[:2] == [mixed, comma] and "public" in schemas
            await api.disconnect()
        finally:
            for name in (mixed, mixed.lower(), comma):
                await admin.execute(f'DROP SCHEMA "{name}"')

    run(scenario(), admin)


def test_dollar_quote_tags_with_non_ascii_letters(api_factory):
    """$ä$ is a dollar quote: its "%s" and "'" are text (they were read as a placeholder and
    the start of a literal), and words inside it are no function calls for routing."""
    api = api_factory()

    async def scenario():
        assert await api.value("SELECT $ä$ 50%s $ä$ AS v") == " 50%s "
        assert await api.rows("SELECT $ä$ it's $ä$ AS v, %s AS w", (1,)) == [{"v": " it's ", "w": 1}]

    run(scenario(), api)
    assert not is_plain_read("SELECT $ä$ ' $ä$ AS a, nextval('s1') AS n --'")
    assert is_plain_read("SELECT $ä$ nextval('s1') $ä$ AS a")


# -- read-replica routing on a real hot standby ------------------------------------------------

WRITING_CALLS = [
    "SELECT lowrite(lo_open(1, 131072), 'x')", "SELECT lo_truncate(lo_open(1, 131072), 1)",
    "SELECT lo_truncate64(0, 1)", "SELECT lo_export(1, '/tmp/x')", "SELECT lo_open(1, 131072)",
    "SELECT lo_from_bytea(0, 'x')", "SELECT pg_switch_wal()", "SELECT pg_create_restore_point('x')",
    "SELECT pg_promote()", "SELECT pg_reload_conf()", "SELECT pg_rotate_logfile()",
    "SELECT pg_create_physical_replication_slot('s')",
    "SELECT pg_create_logical_replication_slot('s', 'test_decoding')", "SELECT pg_drop_replication_slot('s')",
    "SELECT pg_replication_origin_create('x')", "SELECT pg_replication_origin_drop('x')",
    "SELECT brin_summarize_new_values('i')", "SELECT brin_summarize_range('i', 0)",
    "SELECT brin_desummarize_range('i', 0)", "SELECT gin_clean_pending_list('i')", "SELECT setval('s', 1)",
    "SELECT nextval('s')", "SELECT pg_advisory_lock(1)", "SELECT pg_try_advisory_xact_lock(1)",
    "SELECT txid_current()", "SELECT pg_current_xact_id()", "SELECT pg_notify('a', 'b')",
    "SELECT pg_import_system_collations('pg_catalog')", "SELECT pg_stat_reset()",
    'SELECT U&"\\006Eextval"(\'s\')', "SELECT 'x\\'', nextval('s') --'",
]


@pytest.mark.parametrize("sql", WRITING_CALLS)
def test_writing_functions_are_no_plain_reads(sql):
    assert not is_plain_read(sql)


@pytest.fixture(scope="module")
def lo_cluster(cluster):
    primary, standby = cluster
    with admin_connect(primary) as conn:
        oid = conn.execute("SELECT lo_from_bytea(0, 'hello')").fetchone()[0]
        conn.execute("CREATE SEQUENCE inj_seq")
    wait_for_replay(primary, standby)
    return primary, standby, oid


def _replica_api(flavour, primary, standby, **kwargs) -> Api:
    config = PostgresConnectionConfig(host=primary.host, port=primary.port, database="postgres",
                                      username=primary.user, password=primary.password, connect_timeout=3,
                                      read_replica_host=standby.host, read_replica_port=standby.port, **kwargs)
    return Api(make_backend(flavour, config), flavour)


def test_writing_functions_run_on_the_primary(flavour, lo_cluster):
    """lo_truncate, lowrite, pg_create_restore_point, pg_switch_wal were routed to the standby
    ("cannot execute ... during recovery" / "in a read-only transaction")."""
    primary, standby, oid = lo_cluster
    api = _replica_api(flavour, primary, standby)

    async def scenario():
        for sql in (f"SELECT lo_truncate(lo_open({oid}, 131072), 5) AS r",
                    f"SELECT lowrite(lo_open({oid}, 131072), 'XY') AS r",
                    "SELECT pg_create_restore_point('inj') IS NOT NULL AS r",
                    "SELECT pg_switch_wal() IS NOT NULL AS r"):
            row = await api._call(api.backend.fetch_one, sql)
            assert row["r"] is not None, sql
        assert (await api._call(api.backend.fetch_one, "SELECT pg_is_in_recovery() AS s"))["s"] is True

    run(scenario(), api)


def test_backslash_with_standard_conforming_strings_off_stays_on_the_primary(flavour, lo_cluster):
    """With the setting off (here a libpq startup option; a role or database default does the
    same) 'x\\'' is one literal and nextval() is a call: read as on, it was hidden in a
    literal and the statement went to the standby ("cannot execute nextval() in a read-only
    transaction")."""
    primary, standby, _oid = lo_cluster
    api = _replica_api(flavour, primary, standby,
                       libpq_options={"options": "-c standard_conforming_strings=off"})

    async def scenario():
        row = await api._call(api.backend.fetch_one,
                              "SELECT 'x\\'' AS a, nextval('inj_seq') AS n, pg_is_in_recovery() AS s --'")
        assert row["a"] == "x'" and row["n"] >= 1 and row["s"] is False

    run(scenario(), api)


def test_placeholders_with_standard_conforming_strings_off_at_run_time(api_factory):
    """SET standard_conforming_strings = off at run time: 'it\\'s 100%' is one literal, so its
    % is text and the %s after it a placeholder (the lexer read the literal as ending at \\')."""
    api = api_factory()

    async def scenario():
        await api.connect()
        await api.execute("SET standard_conforming_strings = off")
        assert await api.rows("SELECT 'it\\'s 100%' AS a, %s AS b", (5,)) == [{"a": "it's 100%", "b": 5}]
        assert await api.rows("SELECT 'it\\'s' AS a, 7 % 4 AS b") == [{"a": "it's", "b": 3}]
        assert await api.rows("SELECT 'x\\' %s' AS a, %s AS b", (5,)) == [{"a": "x' %s", "b": 5}]
        await api.execute("SET standard_conforming_strings = on")
        assert await api.rows("SELECT 'C:\\' AS a, %s AS b", (5,)) == [{"a": "C:\\", "b": 5}]

    run(scenario(), api)
