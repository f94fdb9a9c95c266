"""Hostile identifiers and values, invalid configuration, values the server refuses.

Identifiers go through the dialect's ``format_identifier`` (and through models whose table
and column names are hostile); values always travel as bind parameters. Afterwards the
table contents are checked from a separate plain psycopg session.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Annotated, Optional

import pytest
from rhosocial.activerecord.backend.errors import DatabaseError, QueryError
from rhosocial.activerecord.backend.impl.postgres import PostgresConnectionConfig
from rhosocial.activerecord.backend.impl.postgres.config import ConfigurationError
from rhosocial.activerecord.backend.impl.postgres.errors import DataError
from rhosocial.activerecord.base.fields import UseColumn

from .conftest import run

HOSTILE_IDENTIFIERS = [
    'Robert"); DROP TABLE students;--',
    "with space",
    'double"quote',
    "single'quote",
    "select",          # reserved word
    "user",            # reserved word
    "MixedCase",
    "ünïcødé_名前_🐘",
    "semi;colon",
    "back\\slash",
    "per%cent",
    "%s",
    "question?mark",
    "$1",
    "-- comment",
    "/* c */",
]

HOSTILE_VALUES = [
    "'; DROP TABLE x; --",
    "Robert'); DELETE FROM t; --",
    "%s", "%(name)s", "%%", "100%", "?", "\\?", "$1", "\\", "\\'", "''",
    "ünïcødé 名前 🐘", "tab\tnew\nline", "E'\\x41'", "$$dollar$$", "/* x */", "a" * 10000,
]


def test_hostile_identifiers_are_quoted_by_the_dialect(api_factory):
    api = api_factory()
    q = api.backend.dialect.format_identifier

    async def body():
        for index, name in enumerate(HOSTILE_IDENTIFIERS):
            table = f"{name}_{index}"
            await api.execute(f"DROP TABLE IF EXISTS {q(table)}")
            await api.execute(f"CREATE TABLE {q(table)} ({q('id')} serial PRIMARY KEY, {q(name)} text)")
            await api.execute(f"INSERT INTO {q(table)} ({q(name)}) VALUES (%s)", (name,))
            rows = await api.rows(f"SELECT {q(name)} FROM {q(table)}")
            assert rows == [{name: name}], (name, rows)
            # the server stored exactly this name, no more, no less
            found = await api.value("SELECT count(*) FROM pg_class WHERE relname = %s AND relkind = 'r'", (table,))
            assert found == 1, table
            await api.execute(f"DROP TABLE {q(table)}")
        assert await api.value("SELECT count(*) FROM pg_tables WHERE tablename LIKE %s", ("%students%",)) == 0

    run(body())


def test_hostile_values_are_never_interpolated(api_factory, pg_database, table_name):
    api = api_factory()

    async def body():
        await api.execute(f'CREATE TABLE "{table_name}" (id serial PRIMARY KEY, v text, j jsonb)')
        for value in HOSTILE_VALUES:
            await api.execute(f'INSERT INTO "{table_name}" (v) VALUES (%s)', (value,))
            assert await api.value(f'SELECT v FROM "{table_name}" WHERE v = %s', (value,)) == value
        # a literal % in the SQL text next to parameters
        count = await api.value(f"SELECT count(*) FROM \"{table_name}\" WHERE v LIKE '100%%' AND id > %s", (0,))
        assert count == 1

    run(body())
    with pg_database.connect() as conn:
        stored = [r[0] for r in conn.execute(f'SELECT v FROM "{table_name}" ORDER BY id').fetchall()]
        conn.execute(f'DROP TABLE "{table_name}"')
    assert stored == HOSTILE_VALUES


def _model_classes(flavour: str, table: str):
    from rhosocial.activerecord.model import ActiveRecord, AsyncActiveRecord

    base = AsyncActiveRecord if flavour == "async" else ActiveRecord

    class Hostile(base):
        __table_name__ = table
        id: Optional[int] = None
        name: Annotated[str, UseColumn('na"me; DROP')]
        note: Annotated[Optional[str], UseColumn("select")] = None

    return Hostile


def test_model_with_hostile_table_and_column_names(flavour, pg_database, app_name):
    from rhosocial.activerecord.backend.impl.postgres import AsyncPostgresBackend, PostgresBackend

    from .conftest import QUIET, assert_no_leaks, make_config

    table = 'Evil "Table"; DROP TABLE users; --'
    Model = _model_classes(flavour, table)
    config = make_config(pg_database, application_name=app_name)
    q = '"' + table.replace('"', '""') + '"'

    async def body():
        if flavour == "async":
            await Model.configure(config, AsyncPostgresBackend)
        else:
            Model.configure(config, PostgresBackend)
        backend = Model.backend()
        backend.logger = QUIET

        async def call(result):
            return await result if flavour == "async" else result

        await call(backend.introspect_and_adapt())
        await call(backend.execute(f'DROP TABLE IF EXISTS {q}'))
        await call(backend.execute(
            f'CREATE TABLE {q} (id serial PRIMARY KEY, "na""me; DROP" text NOT NULL, "select" text)'))
        for value in HOSTILE_VALUES[:8]:
            record = Model(name=value, note=value[::-1])
            await call(record.save())
            assert record.id is not None
        found = await call(Model.query().where('"na""me; DROP" = ?', ("%s",)).one())
        assert found is not None and found.name == "%s"
        rows = await call(Model.query().order_by("id").all())
        assert [r.name for r in rows] == HOSTILE_VALUES[:8]
        assert [r.note for r in rows] == [v[::-1] for v in HOSTILE_VALUES[:8]]
        first = rows[0]
        first.name = "'; UPDATE x SET y = 1; --"
        await call(first.save())
        again = await call(Model.query().where("id = ?", (first.id,)).one())
        assert again.name == "'; UPDATE x SET y = 1; --"
        await call(again.delete())
        assert await call(Model.query().count()) == 7
        await call(backend.execute(f'DROP TABLE {q}'))
        await call(backend.disconnect())

    run(body())
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)


# -- values the server refuses: clear errors, no partial writes -------------------------

REFUSED = [
    ("oversized varchar", "s", "x" * 11, DataError, "22001"),
    ("NUL byte", "s", "nul\x00byte", DataError, None),
    ("invalid JSON", "j", "{not json", DataError, "22P02"),
    ("int4 out of range", "i", 2 ** 31, DataError, "22003"),
    ("bigint out of range", "b", 2 ** 70, DataError, "22003"),
    ("numeric overflow", "n", Decimal("123456.789"), DataError, "22003"),
    ("impossible date", "d", "2023-02-30", DataError, "22008"),
    ("date out of range", "d", "5874898-01-01", DataError, "22008"),
    ("NaN into int", "i", float("nan"), DataError, None),
]


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_values_raise_clear_errors_without_partial_writes(api_factory, pg_database, table_name, case):
    label, column, value, error_class, sqlstate = case
    api = api_factory()
    casts = {"j": "::jsonb", "d": "::date"}

    async def body():
        await api.execute(f'DROP TABLE IF EXISTS "{table_name}"')
        await api.execute(f'CREATE TABLE "{table_name}" (id serial PRIMARY KEY, s varchar(10), j jsonb, '
                          f'i int4, b int8, n numeric(5, 2), d date)')
        # autocommit statement: nothing written
        with pytest.raises(error_class) as info:
            await api.execute(f'INSERT INTO "{table_name}" ({column}) VALUES (%s{casts.get(column, "")})', (value,))
        if sqlstate:
            assert info.value.sqlstate == sqlstate, (label, info.value.sqlstate, str(info.value))
        assert str(info.value).strip(), "empty error message"
        # inside a transaction with a good row first: nothing of it is committed
        with pytest.raises(error_class):
            async with api.transaction():
                await api.execute(f'INSERT INTO "{table_name}" (s) VALUES (%s)', ("good",))
                await api.execute(f'INSERT INTO "{table_name}" ({column}) VALUES (%s{casts.get(column, "")})',
                                  (value,))
        assert not api.backend.in_transaction
        assert await api.value(f'SELECT count(*) FROM "{table_name}"') == 0
        # the session is usable afterwards
        await api.execute(f'INSERT INTO "{table_name}" (s) VALUES (%s)', ("after",))
        assert await api.value(f'SELECT count(*) FROM "{table_name}"') == 1
        await api.execute(f'DROP TABLE "{table_name}"')

    run(body())


def test_execute_many_with_one_bad_row_writes_nothing(api_factory, table_name):
    api = api_factory()

    async def body():
        await api.execute(f'CREATE TABLE "{table_name}" (id int PRIMARY KEY, s varchar(5))')
        rows = [(1, "ok"), (2, "ok"), (3, "too long!"), (4, "ok")]
        with pytest.raises(DataError):
            await api._call(api.backend.execute_many, f'INSERT INTO "{table_name}" VALUES (%s, %s)', rows)
        assert await api.value(f'SELECT count(*) FROM "{table_name}"') == 0, "partial write"
        await api.execute(f'DROP TABLE "{table_name}"')

    run(body())


def test_invalid_json_from_python_side(api_factory, table_name):
    """A Python object that cannot be serialised fails before anything is sent."""
    api = api_factory()

    async def body():
        await api.execute(f'CREATE TABLE "{table_name}" (id serial PRIMARY KEY, j jsonb)')
        from psycopg.types.json import Jsonb

        with pytest.raises((DatabaseError, TypeError, ValueError)):
            await api.execute(f'INSERT INTO "{table_name}" (j) VALUES (%s)', (Jsonb({"x": object()}),))
        assert await api.value(f'SELECT count(*) FROM "{table_name}"') == 0
        good = {"k": "v'; --", "n": [1, 2, {"deep": None}]}
        await api.execute(f'INSERT INTO "{table_name}" (j) VALUES (%s)', (Jsonb(good),))
        assert await api.value(f'SELECT j FROM "{table_name}"') == good
        await api.execute(f'DROP TABLE "{table_name}"')

    run(body())


def test_syntax_errors_are_query_errors(api_factory):
    api = api_factory()

    async def body():
        with pytest.raises(QueryError) as info:
            await api.execute("SELEC 1")
        assert info.value.sqlstate == "42601"
        with pytest.raises(QueryError):
            await api.execute('SELECT * FROM "no such table"')
        assert await api.value("SELECT 1") == 1

    run(body())


# -- invalid configuration: fails at construction, naming the field ----------------------

INVALID_CONFIGS = [
    ({"sslmode": "sometimes"}, "sslmode"),
    ({"sslmode": "VERIFY-FULL"}, "sslmode"),
    ({"pool_min_size": -1}, "pool_min_size"),
    ({"pool_max_size": -5}, "pool_max_size"),
    ({"pool_max_size": 0}, "pool_max_size"),
    ({"pool_min_size": 5, "pool_max_size": 2}, "pool_min_size"),
    ({"pool_timeout": -1}, "pool_timeout"),
    ({"port": 0}, "port"),
    ({"port": 70000}, "port"),
    ({"port": "abc"}, "port"),
    ({"port": -1}, "port"),
    ({"host": "a,b", "port": "5432,x"}, "port"),
    ({"connect_timeout": -3}, "connect_timeout"),
    ({"connect_timeout": "soon"}, "connect_timeout"),
    ({"target_session_attrs": "writable"}, "target_session_attrs"),
    ({"keepalives_idle": -1}, "keepalives_idle"),
    ({"tcp_user_timeout": "x"}, "tcp_user_timeout"),
    ({"prepare_threshold": -2}, "prepare_threshold"),
    ({"dsn": "host=a port='unterminated"}, "dsn"),
    ({"server_settings": {"bad name; DROP": "1"}}, "server_settings"),
]


@pytest.mark.parametrize("kwargs,field", INVALID_CONFIGS, ids=[f for _k, f in INVALID_CONFIGS])
@pytest.mark.parametrize("where", ["config", "sync-backend", "async-backend"])
def test_invalid_config_fails_at_construction_naming_the_field(kwargs, field, where):
    from rhosocial.activerecord.backend.impl.postgres import AsyncPostgresBackend, PostgresBackend

    base = dict(host="127.0.0.1", database="x", username="u", password="pw-not-shown-123")
    base.update(kwargs)
    with pytest.raises(ConfigurationError) as info:
        if where == "config":
            PostgresConnectionConfig(**base)
        elif where == "sync-backend":
            PostgresBackend(**base)
        else:
            AsyncPostgresBackend(**base)
    assert isinstance(info.value, ValueError)
    assert field in str(info.value)
    assert "pw-not-shown-123" not in str(info.value)


def test_valid_edge_configs_are_accepted():
    PostgresConnectionConfig(host="a,b", port="5432,5433", target_session_attrs="read-write")
    PostgresConnectionConfig(port=65535, pool_min_size=0, pool_max_size=1, prepare_threshold=None)
    PostgresConnectionConfig(sslmode="verify-full", sslrootcert="/x/ca.crt")
    cfg = PostgresConnectionConfig(options={"search_path": "a, b", "statement_timeout": "5s"})
    assert "search_path" in cfg.libpq_params()["options"]
    assert json.dumps(cfg.effective_server_settings())


def test_wrong_dates_from_python_roundtrip(api_factory, table_name):
    api = api_factory()

    async def body():
        await api.execute(f'CREATE TABLE "{table_name}" (d date)')
        for d in (date(1, 1, 1), date(9999, 12, 31)):
            await api.execute(f'INSERT INTO "{table_name}" VALUES (%s)', (d,))
        assert [r["d"] for r in await api.rows(f'SELECT d FROM "{table_name}" ORDER BY d')] == [
            date(1, 1, 1), date(9999, 12, 31)]
        await api.execute(f'DROP TABLE "{table_name}"')

    run(body())
