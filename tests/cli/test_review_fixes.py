"""Reviewers' findings on the command-line tool, each run as a subprocess like test_cli.py."""

from __future__ import annotations

import csv
import io
import json

import psycopg
import pytest
from rhosocial.activerecord.backend.impl.postgres.cli.sqltext import split_statements

from .test_cli import cli, pg_env  # noqa: F401  (pg_env is a fixture used by the tests below)


def _strict_json(text: str):
    """json.loads that refuses NaN / Infinity tokens, as jq does."""
    def refuse(token: str):
        raise ValueError(f"non-JSON constant {token}")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def mixed(pg_database):
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute('DROP SCHEMA IF EXISTS "Rev S" CASCADE')
        conn.execute('CREATE SCHEMA "Rev S"')
        conn.execute('CREATE TABLE "Rev S"."MixedCase" (id int, placed int, x int)')
        conn.execute('CREATE INDEX mc_ix ON "Rev S"."MixedCase" (placed DESC NULLS LAST, x NULLS FIRST, id DESC)')
        conn.execute('CREATE FUNCTION "Rev S".tf() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$')
        conn.execute('CREATE TRIGGER mc_trg BEFORE INSERT ON "Rev S"."MixedCase" '
                     'FOR EACH ROW EXECUTE PROCEDURE "Rev S".tf()')  # FUNCTION spelling: 11+
    yield "Rev S"
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute('DROP SCHEMA IF EXISTS "Rev S" CASCADE')


SPECIAL = ("SELECT 'NaN'::numeric n, 'Infinity'::float8 f, '-Infinity'::{numeric} g, 'infinity'::date d, "
           "'-infinity'::timestamptz t, 'infinity'::timestamp u, ARRAY['-infinity'::date] a, 1.5::float8 ok")


def test_special_values_in_every_format(pg_env, pg_database):  # noqa: F811
    # numeric infinity exists from PostgreSQL 14 (a Decimal('-Infinity') once crashed the JSON output)
    SPECIAL = globals()["SPECIAL"].replace("{numeric}", "numeric" if pg_database.server.major >= 14 else "float8")
    # 1: strict JSON, and infinity (not 9999-12-31) for dates and timestamps
    result = cli("query", SPECIAL, "--json", env=pg_env)
    assert result.returncode == 0, result.stderr
    assert _strict_json(result.stdout) == [{"n": "NaN", "f": "Infinity", "g": "-Infinity", "d": "infinity",
                                            "t": "-infinity", "u": "infinity", "a": ["-infinity"], "ok": 1.5}]
    rows = list(csv.reader(io.StringIO(cli("query", SPECIAL, "--csv", env=pg_env).stdout)))
    assert rows[1] == ["NaN", "Infinity", "-Infinity", "infinity", "-infinity", "infinity", '["-infinity"]', "1.5"]
    table = cli("query", SPECIAL, env=pg_env).stdout
    assert "9999" not in table and "0001" not in table and "infinity" in table and "Infinity" in table
    assert cli("query", "SELECT '2020-01-02'::date d", "--json", env=pg_env).stdout.count("2020-01-02") == 1


def test_errors_are_one_line(pg_env):  # noqa: F811
    # 2: the LINE/caret context becomes "(at character N)"; --verbose keeps the full text
    failed = cli("query", "SELECT * FROM no_such_table", env=pg_env)
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines() == [
        'error: relation "no_such_table" does not exist (at character 15)']
    verbose = cli("query", "SELECT * FROM no_such_table", "--verbose", env=pg_env)
    assert verbose.returncode == 1 and "LINE 1:" in verbose.stderr
    refused = cli("query", "SELECT 1", env=dict(pg_env, PGHOST="127.0.0.1", PGPORT="1", PGCONNECT_TIMEOUT="3"))
    assert refused.returncode == 3 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr


def test_several_statements_are_refused(pg_env):  # noqa: F811
    # 3: only the first result would come back: refuse, before running anything
    several = cli("query", "SELECT 1; SELECT 2", env=pg_env)
    assert several.returncode == 2 and "one statement" in several.stderr and several.stdout == ""
    single = cli("query", "SELECT ';' AS s; -- done", "--json", env=pg_env)
    assert single.returncode == 0 and json.loads(single.stdout) == [{"s": ";"}]


def test_split_statements():
    assert split_statements("SELECT 1; SELECT 2") == ["SELECT 1", "SELECT 2"]
    for one in ("SELECT ';'", "SELECT $$;$$", "SELECT $a$ $$ ; $a$", "SELECT 1 -- ; x", "SELECT 1;;  /* c */",
                "/* a /* ; */ */ SELECT 1", 'SELECT 1 AS "a;b"', "SELECT E'\\';'", "SELECT 'it''s;'",
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END"):
        assert len(split_statements(one)) == 1, one
    assert split_statements(" ; -- nothing") == []


def test_ignored_flags_are_usage_errors(pg_env):  # noqa: F811
    # 4
    analyze = cli("query", "SELECT 1", "--analyze", env=pg_env)
    assert analyze.returncode == 2 and "--explain" in analyze.stderr
    explain_csv = cli("query", "SELECT 1", "--explain", "--csv", env=pg_env)
    assert explain_csv.returncode == 2 and "--csv" in explain_csv.stderr


def test_triggers_not_found_and_quoted_names(pg_env, mixed):  # noqa: F811
    # 5
    missing = cli("introspect", "triggers", "nosuch", env=pg_env)
    assert missing.returncode == 1 and "not found" in missing.stderr and "-n SCHEMA" in missing.stderr
    for args in (('"Rev S"."MixedCase"',), ("MixedCase", "-n", mixed)):
        found = cli("introspect", "triggers", *args, "--json", env=pg_env)
        assert found.returncode == 0, found.stderr
        assert [t["name"] for t in json.loads(found.stdout)] == ["mc_trg"]
    table = cli("introspect", "table", '"Rev S"."MixedCase"', env=pg_env)
    assert table.returncode == 0 and "mc_ix" in table.stdout, table.stderr


def test_index_nulls_order_shown(pg_env, mixed):  # noqa: F811
    # 6: DESC alone is NULLS FIRST (the default), so only the non-default orders are spelt out
    result = cli("introspect", "indexes", '"Rev S"."MixedCase"', env=pg_env)
    assert result.returncode == 0, result.stderr
    assert "placed DESC NULLS LAST, x NULLS FIRST, id DESC" in result.stdout


def test_options_anywhere(pg_env, mixed):  # noqa: F811
    # 7: -n between OBJECT and NAME, and connection flags after the positionals
    for args in (("table", "-n", mixed, "MixedCase"), ("-n", mixed, "table", "MixedCase"),
                 ("table", "MixedCase", "-n", mixed)):
        result = cli("introspect", *args, env=pg_env)
        assert result.returncode == 0 and "mc_ix" in result.stdout, (args, result.stderr)


def test_info_unknown_category():
    # 8: offline too, so no server is needed
    result = cli("info", "--version", "14", "--category", "bogus")
    assert result.returncode == 2 and "dml" in result.stderr and "valid" in result.stderr
    assert cli("info", "--version", "14", "--category", "dml").returncode == 0


def test_streaming_docs_say_own_connection():
    # 9: the stream outside a transaction runs on its own connection; both texts must say so
    from pathlib import Path

    from rhosocial.activerecord.backend.impl.postgres.aio import streaming

    root = Path(__file__).resolve().parents[2]
    row = next(line for line in (root / "docs" / "performance.md").read_text().splitlines()
               if line.startswith("| streaming"))
    doc = " ".join((streaming.__doc__ or "").split())
    for text in (row, doc):
        assert "own connection" in text and "SET" in text and "server_settings" in text
    assert "inside the stream's transaction" not in doc
