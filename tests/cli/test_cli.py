"""The command-line tool, run as a subprocess against the session's server."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import psycopg
import pytest

MODULE = "rhosocial.activerecord.backend.impl.postgres"


def cli(*args: str, env: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    base.update(env or {})
    return subprocess.run([sys.executable, "-m", MODULE, *args], capture_output=True, text=True,
                          env=base, input=stdin, timeout=60)


@pytest.fixture(scope="module")
def pg_env(pg_database) -> dict:
    kw = pg_database.conn_kwargs()
    return {"PGHOST": str(kw["host"]), "PGPORT": str(kw["port"]), "PGUSER": kw["username"],
            "PGPASSWORD": kw["password"] or "", "PGDATABASE": kw["database"]}


@pytest.fixture(scope="module")
def objects(pg_database):
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS cli_s CASCADE")
        conn.execute("CREATE SCHEMA cli_s")
        conn.execute("CREATE TABLE cli_s.author (id int PRIMARY KEY, name text NOT NULL UNIQUE)")
        conn.execute("CREATE TABLE cli_s.book (id serial PRIMARY KEY, author_id int REFERENCES cli_s.author, "
                     "title text CHECK (title <> ''))")
        conn.execute("CREATE INDEX book_title ON cli_s.book (lower(title)) WHERE title IS NOT NULL")
        conn.execute("INSERT INTO cli_s.author VALUES (1, 'Ann'), (2, 'Bo, \"B\"')")
    yield "cli_s"
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS cli_s CASCADE")


@pytest.mark.parametrize("command", ["", "info", "introspect", "query", "status", "demo"])
def test_help_everywhere(command):
    result = cli(*([command] if command else []), "--help")
    assert result.returncode == 0 and "usage:" in result.stdout, result.stderr


def test_no_command_prints_help():
    result = cli()
    assert result.returncode == 2 and "COMMAND" in result.stdout


def test_info_offline():
    result = cli("info", "--version", "14", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    caps = {c["capability"]: c["supported"] for c in data["capabilities"]}
    assert data["server"]["offline"] and caps["merge"] is False and caps["upsert"] is True
    assert json.loads(cli("info", "--version", "15", "--json").stdout)["capabilities"]
    assert {c["capability"]: c["supported"]
            for c in json.loads(cli("info", "--version", "15", "--json").stdout)["capabilities"]}["merge"]
    bad = cli("info", "--version", "fourteen")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_info_connected(pg_env, pg_database):
    result = cli("info", env=pg_env)
    assert result.returncode == 0, result.stderr
    assert f"version: {pg_database.server.major}" in result.stdout and "Capabilities" in result.stdout


def test_introspect(pg_env, objects):
    result = cli("introspect", "--schema", objects, "--json", env=pg_env)
    assert result.returncode == 0, result.stderr
    assert [t["name"] for t in json.loads(result.stdout)] == ["author", "book"]
    table = cli("introspect", "table", f"{objects}.book", env=pg_env)
    assert table.returncode == 0, table.stderr
    for text in ("Columns:", "author_id", "book_title", "lower(title)", "book_author_id_fkey", "CHECK"):
        assert text in table.stdout
    indexes = json.loads(cli("introspect", "indexes", "book", "-n", objects, "--json", env=pg_env).stdout)
    assert {i["name"]: i["filter_condition"] for i in indexes}["book_title"] == "title IS NOT NULL"
    extensions = cli("introspect", "extensions", "--available", env=pg_env)
    assert extensions.returncode == 0 and "plpgsql" in extensions.stdout
    for what in ("views", "matviews", "sequences", "enums", "schemas", "databases", "database", "triggers"):
        assert cli("introspect", what, env=pg_env).returncode == 0, what
    missing = cli("introspect", "columns", "no_such_table", env=pg_env)
    assert missing.returncode == 1 and "not found" in missing.stderr and "Traceback" not in missing.stderr


def test_query_outputs(pg_env, objects, pg_database):
    sql = f"SELECT id, name FROM {objects}.author ORDER BY id"
    table = cli("query", sql, env=pg_env)
    assert table.returncode == 0 and "Ann" in table.stdout and "(2 rows)" in table.stdout
    rows = json.loads(cli("query", sql, "--json", env=pg_env).stdout)
    assert rows == [{"id": 1, "name": "Ann"}, {"id": 2, "name": 'Bo, "B"'}]
    parsed = list(csv.reader(io.StringIO(cli("query", sql, "--csv", env=pg_env).stdout)))
    assert parsed == [["id", "name"], ["1", "Ann"], ["2", 'Bo, "B"']]
    with_param = cli("query", f"SELECT name FROM {objects}.author WHERE id = %s::int", "--param", "2", "--json",
                     env=pg_env)
    assert json.loads(with_param.stdout) == [{"name": 'Bo, "B"'}]
    from_stdin = cli("query", "-", "--json", env=pg_env, stdin="SELECT 40 + 2 AS answer;")
    assert json.loads(from_stdin.stdout) == [{"answer": 42}]
    dml = cli("query", f"UPDATE {objects}.author SET name = name WHERE id = 1", env=pg_env)
    assert dml.returncode == 0 and "1 row affected" in dml.stdout
    by_dsn = cli("query", "SELECT current_database() AS db", "--json", "--dsn", pg_database.dsn)
    assert json.loads(by_dsn.stdout) == [{"db": pg_database.dbname}]
    explain = cli("query", sql, "--explain", "--analyze", env=pg_env)
    assert explain.returncode == 0 and "Execution Time" in explain.stdout


def test_query_errors(pg_env):
    failed = cli("query", "SELECT * FROM no_such_table", env=pg_env)
    assert failed.returncode == 1 and "no_such_table" in failed.stderr and "Traceback" not in failed.stderr
    empty = cli("query", "", env=pg_env)
    assert empty.returncode == 2


def test_connection_failure_is_one_line(pg_env):
    env = dict(pg_env, PGHOST="127.0.0.1", PGPORT="1", PGCONNECT_TIMEOUT="3")
    for args in (("status",), ("introspect",), ("query", "SELECT 1"), ("info",)):
        result = cli(*args, env=env)
        assert result.returncode == 3, (args, result.stderr)
        assert "Traceback" not in result.stderr and "Cannot connect" in result.stderr
    flags = cli("query", "SELECT 1", "-h", "127.0.0.1", "-p", "1", env=pg_env)
    assert flags.returncode == 3


def test_status(pg_env, pg_database):
    result = cli("status", "--json", env=pg_env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["server"]["database"] == pg_database.dbname
    assert any(c["database"] == pg_database.dbname for c in data["connections"])
    assert pg_database.dbname in [d["name"] for d in data["databases"]]
    assert "max_connections" in [s["name"] for s in data["settings"]]
    assert cli("status", env=pg_env).returncode == 0
