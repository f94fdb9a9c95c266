"""Text the dialect pastes into SQL (cast types, trigger calls) only passes when it has the
grammar of what it claims to be: a hostile value is refused, never emitted."""

from __future__ import annotations

import pytest

from rhosocial.activerecord.backend.impl.postgres.dialect import PostgresDialect
from rhosocial.activerecord.backend.impl.postgres.sql_text import escape_percent

DIALECT = PostgresDialect(version=(18, 0, 0))


@pytest.mark.parametrize("target", ["int", "int[]", "numeric(10, 2)", "timestamp(3) with time zone",
                                    "character varying(20)[]", "public.citext", "double precision"])
def test_cast_to_type_names(target):
    sql, params = DIALECT.format_cast_expression("%s", target, (1,))
    assert sql == f"CAST(%s AS {target})" and params == (1,)


@pytest.mark.parametrize("target", ["int), (SELECT password FROM users) AS x, CAST(1 AS int",
                                    "int; DROP TABLE users", "text -- comment", "int) UNION SELECT (1"])
def test_cast_refuses_injection(target):
    with pytest.raises(ValueError):
        DIALECT.format_cast_expression("%s", target, (1,))


@pytest.mark.parametrize("function, expected", [
    ("audit", '"audit"()'), ("app.audit", '"app"."audit"()'), ("audit('x', 1)", "\"audit\"('x', 1)"),
])
def test_trigger_function_calls(function, expected):
    assert DIALECT._trigger_function_call(function) == expected


@pytest.mark.parametrize("function", ["f(); DROP TABLE x; --)", "f((SELECT 1))", 'f"(x)'])
def test_trigger_function_refuses_injection(function):
    with pytest.raises(ValueError):
        DIALECT._trigger_function_call(function)


def test_long_statements_are_escaped_but_not_cached():
    long_sql = "SELECT " + ", ".join(["%s"] * 5000) + " WHERE 5 % 2 = 1"
    assert escape_percent(long_sql).endswith("WHERE 5 %% 2 = 1")
