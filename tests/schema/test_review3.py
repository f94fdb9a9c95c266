"""Review 3: introspecting a table in a schema the role may not use.

Reading pg_class needs no privilege, so ``list_tables`` shows the tables of a schema the
role has no USAGE on; the per-table calls must then describe them too, not fail with
"permission denied for schema" (``to_regclass('s.t')`` and ``pg_get_serial_sequence``
resolve names and so check USAGE). Run for the sync and the async backend.
"""

from __future__ import annotations

import secrets

import psycopg
import pytest
import pytest_asyncio

from .conftest import QUIET, run_all, wait

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def low_backend(backend, schema, pg_database):
    """A backend (same flavour as ``backend``) logged in as a role without USAGE on ``schema``."""
    role, password = f"rev3_{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        # the harness authenticates TCP logins with SCRAM; PostgreSQL 10-13 store md5 by default
        conn.execute("SET password_encryption = 'scram-sha-256'")
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
        has_usage = conn.execute("SELECT has_schema_privilege(%s, %s, 'USAGE')", (role, schema)).fetchone()[0]
    assert not has_usage  # a new schema grants nothing to PUBLIC
    low = type(backend)(backend.config.clone(username=role, password=password), logging_config=QUIET)
    try:
        await wait(low.connect())
        await wait(low.introspect_and_adapt())
        yield low
    finally:
        await wait(low.disconnect())
        with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
            conn.execute(f"DROP ROLE {role}")


async def test_tables_of_a_schema_without_usage_can_be_described(backend, schema, low_backend):
    await run_all(backend, f"""
        CREATE TABLE {schema}.parent (id int PRIMARY KEY);
        CREATE TABLE {schema}.t (id serial PRIMARY KEY, n int GENERATED ALWAYS AS IDENTITY,
                                 parent_id int REFERENCES {schema}.parent, v text CHECK (v <> ''));
        CREATE INDEX t_v ON {schema}.t (lower(v));
        CREATE FUNCTION {schema}.tf() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
        CREATE TRIGGER t_trg BEFORE INSERT ON {schema}.t FOR EACH ROW EXECUTE PROCEDURE {schema}.tf();
        CREATE TABLE {schema}.p (d date) PARTITION BY RANGE (d);
        CREATE TABLE {schema}.p1 PARTITION OF {schema}.p FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
        CREATE VIEW {schema}.v AS SELECT 1 AS x
    """)
    intro = low_backend.introspector
    assert {t.name for t in await wait(intro.list_tables(schema))} >= {"t", "p", "v"}
    # each of these raised "permission denied for schema" before
    assert await wait(intro.table_exists("t", schema)) is True
    assert await wait(intro.table_exists("missing", schema)) is False
    info = await wait(intro.get_table_info("t", schema))
    assert info is not None and [c.name for c in info.columns] == ["id", "n", "parent_id", "v"]
    columns = {c.name: c for c in await wait(intro.list_columns("t", schema))}
    assert columns["id"].extra["sequence"] == f"{schema}.t_id_seq"  # serial
    assert columns["n"].extra["sequence"] == f"{schema}.t_n_seq"  # identity
    assert columns["v"].extra["sequence"] is None
    assert {i.name for i in await wait(intro.list_indexes("t", schema))} == {"t_pkey", "t_v"}
    assert {c.type.value for c in await wait(intro.list_constraints("t", schema))} == {
        "PRIMARY KEY", "FOREIGN KEY", "CHECK"}
    assert [f.referenced_table for f in await wait(intro.list_foreign_keys("t", schema))] == ["parent"]
    assert [t.name for t in await wait(intro.list_triggers("t", schema))] == ["t_trg"]
    described = await wait(intro.describe_table("t", schema))
    assert described is not None and [t.name for t in described.extra["triggers"]] == ["t_trg"]
    partitioning = await wait(intro.get_partitioning("p", schema))
    assert partitioning is not None and [p.name for p in partitioning.partitions] == ["p1"]
    assert [p.name for p in await wait(intro.list_partitions("p", schema))] == ["p1"]
    view = await wait(intro.get_view_info("v", schema))
    assert view is not None and view.name == "v"


async def test_qualified_names_are_exact_and_truncated(backend, schema):
    """Resolved by catalogue names now: quoting, case and the 63-byte truncation still hold."""
    long_name = "l" * 70
    await run_all(backend, f"""
        CREATE TABLE {schema}."Mixed Case" (id int);
        CREATE TABLE {schema}.{long_name} (id int)
    """)
    intro = backend.introspector
    assert await wait(intro.table_exists("Mixed Case", schema)) is True
    assert await wait(intro.table_exists("mixed case", schema)) is False
    assert await wait(intro.table_exists('"Mixed Case"', schema)) is False  # names are not SQL text
    assert [c.name for c in await wait(intro.list_columns(long_name, schema))] == ["id"]
    assert await wait(intro.table_exists("t", "no_such_schema")) is False
