"""Review 3 of the command-line tool: exact numerics, demo's password and errors, empty
names refused before connecting, repeated column names, EXPLAIN ANALYZE rolled back.
Each case runs the tool as a subprocess against the session's server (see test_cli.py)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import psycopg
import pytest

from .test_cli import cli, pg_env  # noqa: F401  (pg_env is a fixture used by the tests below)

# a closed port: whatever is checked before connecting answers 2, a connection attempt 3
NOWHERE = {"PGHOST": "127.0.0.1", "PGPORT": "1", "PGCONNECT_TIMEOUT": "3", "PGUSER": "u", "PGDATABASE": "d"}


def _strict_json(text: str, **kwargs):
    def refuse(token: str):
        raise ValueError(f"non-JSON constant {token}")
    return json.loads(text, parse_constant=refuse, **kwargs)


@pytest.fixture(scope="module")
def rev3(pg_database):
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS rev3_s CASCADE")
        conn.execute("CREATE SCHEMA rev3_s")
        conn.execute("CREATE TABLE rev3_s.plain (id int)")
    yield "rev3_s"
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS rev3_s CASCADE")


NUMERICS = ("SELECT 12345678901234567890.123::numeric n, 1.10::numeric(5,2) s, 0.0000001::numeric t, "
            "1.00::numeric(4,2) i, ARRAY[2.50::numeric] a, 'NaN'::numeric nan, 0.1::float8 f")


def test_numeric_is_exact_in_csv_json_and_table(pg_env):  # noqa: F811
    rows = list(csv.reader(io.StringIO(cli("query", NUMERICS, "--csv", env=pg_env).stdout)))
    assert rows[1] == ["12345678901234567890.123", "1.10", "0.0000001", "1.00", "[2.50]", "NaN", "0.1"]
    result = cli("query", NUMERICS, "--json", env=pg_env)
    assert result.returncode == 0, result.stderr
    # number literals with every digit and the scale; NaN stays a string (strict JSON)
    assert '"n": 12345678901234567890.123' in result.stdout and '"s": 1.10' in result.stdout
    assert _strict_json(result.stdout, parse_float=Decimal) == [{
        "n": Decimal("12345678901234567890.123"), "s": Decimal("1.10"), "t": Decimal("0.0000001"),
        "i": Decimal("1.00"), "a": [Decimal("2.50")], "nan": "NaN", "f": Decimal("0.1")}]
    table = cli("query", NUMERICS, env=pg_env).stdout
    assert "12345678901234567890.123" in table and "0.0000001" in table and "E-7" not in table


@pytest.mark.parametrize("dsn", [
    "host=127.0.0.1 port=1 user=postgres password=SECRETPW dbname=postgres",
    "postgresql://postgres:SECRETPW@127.0.0.1:1/postgres",
    "postgresql://postgres@127.0.0.1:1/postgres?password=SECRETPW",
])
def test_demo_hides_the_password_and_fails_in_one_line(dsn):
    result = cli("demo", "--dsn", dsn, env={"PGCONNECT_TIMEOUT": "3"})
    assert result.returncode == 3, result.stderr
    assert "SECRETPW" not in result.stdout + result.stderr
    assert "port=1" in result.stdout  # still says where it connects
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("args", [
    ("tables", "-n", ""), ("triggers", "-n", ""), ("views", "--schema", ""), ("columns", "t", "-n", ""),
    ("table", '"".t'), ("table", '""'), ("tables", "extra_name"),
])
def test_empty_names_are_usage_errors_before_connecting(args):
    result = cli("introspect", *args, env=NOWHERE)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_info_empty_version_is_a_usage_error():
    result = cli("info", "--version", "", env=NOWHERE)
    assert result.returncode == 2 and "--version" in result.stderr, result.stderr


def test_partitions_of_a_missing_table_say_not_found(pg_env, rev3):  # noqa: F811
    missing = cli("introspect", "partitions", f'"{rev3}".missing', env=pg_env)
    assert missing.returncode == 1 and "not found" in missing.stderr, missing.stderr
    plain = cli("introspect", "partitions", f"{rev3}.plain", env=pg_env)
    assert plain.returncode == 1 and "not a partitioned table" in plain.stderr, plain.stderr


def test_repeated_column_names_are_all_printed(pg_env):  # noqa: F811
    sql = 'SELECT 1, 2, 3 AS "?column?_2"'
    table = cli("query", sql, env=pg_env).stdout.splitlines()
    assert table[0].split() == ["?column?", "?column?", "?column?_2"] and table[2].split() == ["1", "2", "3"]
    rows = list(csv.reader(io.StringIO(cli("query", sql, "--csv", env=pg_env).stdout)))
    assert rows == [["?column?", "?column?", "?column?_2"], ["1", "2", "3"]]
    # JSON objects need unique keys: the repeat is suffixed, skipping the suffix already taken
    assert json.loads(cli("query", sql, "--json", env=pg_env).stdout) == [
        {"?column?": 1, "?column?_3": 2, "?column?_2": 3}]
    empty = list(csv.reader(io.StringIO(cli("query", "SELECT 1 a, 2 a WHERE false", "--csv", env=pg_env).stdout)))
    assert empty == [["a", "a"]]


def _count(pg_database) -> int:
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM rev3_s.ex").fetchone()[0]


def test_explain_analyze_rolls_back(pg_env, pg_database, rev3):  # noqa: F811
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE rev3_s.ex (id int)")
        conn.execute("INSERT INTO rev3_s.ex VALUES (1), (2)")
    try:
        for extra in ((), ("--json",)):
            result = cli("query", "--explain", "--analyze", *extra, "DELETE FROM rev3_s.ex", env=pg_env)
            assert result.returncode == 0, result.stderr
            assert "Delete" in result.stdout and _count(pg_database) == 2  # planned, run, undone
        failing = cli("query", "--explain", "--analyze", "INSERT INTO rev3_s.ex SELECT 1/0", env=pg_env)
        assert failing.returncode == 1 and "division by zero" in failing.stderr
        assert cli("query", "--commit", "DELETE FROM rev3_s.ex", env=pg_env).returncode == 2
        kept = cli("query", "--explain", "--analyze", "--commit", "DELETE FROM rev3_s.ex", env=pg_env)
        assert kept.returncode == 0, kept.stderr
        assert _count(pg_database) == 0
    finally:
        with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
            conn.execute("DROP TABLE rev3_s.ex")
