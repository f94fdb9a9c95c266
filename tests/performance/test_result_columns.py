"""``result_columns``: the column names ``cursor.description`` would give, without building
``Column`` objects (every statement of ``execute`` reads them)."""

from __future__ import annotations

import psycopg
import pytest
from rhosocial.activerecord.backend.impl.postgres.backend_base import result_columns

STATEMENTS = [
    "SELECT 1 AS a, 'x' AS \"Mixed Case\", 2",  # an unnamed column is "?column?"
    "SELECT",  # rows of no columns: [] (not None)
    "SELECT 1 AS \"Ünï çødé\"",
    "SET search_path TO public",  # no rows at all: None
    "CREATE TEMP TABLE rc (id serial, v text)",
    "INSERT INTO rc (v) VALUES ('a')",
    "INSERT INTO rc (v) VALUES ('b') RETURNING id, v AS value",
    "SELECT * FROM rc WHERE false",  # columns, zero rows
]


@pytest.mark.parametrize("encoding", ["UTF8", "LATIN1"])
def test_same_names_as_description(pg_database, encoding):
    with psycopg.connect(pg_database.dsn, autocommit=True, client_encoding=encoding) as conn:
        for statement in STATEMENTS:
            cursor = conn.execute(statement)
            expected = None if cursor.description is None else [c.name for c in cursor.description]
            assert result_columns(cursor) == expected, statement


def test_server_side_cursor(pg_database):
    with psycopg.connect(pg_database.dsn) as conn, conn.cursor(name="rc_named") as cursor:
        cursor.execute("SELECT g AS n, g * 2 FROM generate_series(1, 3) g")
        assert result_columns(cursor) == ["n", "?column?"] == [c.name for c in cursor.description]
