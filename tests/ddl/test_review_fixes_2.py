"""Regression tests: caller-given operators are checked against PostgreSQL's operator
rules before they are written into a statement (each failed before its fix).

* EXCLUDE ... WITH <operator> in CREATE TABLE and ALTER TABLE ADD: "&&)--" or a
  newline used to reach the statement verbatim (SQL injection through the operator);
* the same rule for the operators of DML expressions (BinaryExpression & co.).
"""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.expression import Column, Literal
from rhosocial.activerecord.backend.expression.operators import BinaryExpression, UnaryExpression
from rhosocial.activerecord.backend.expression.statements import (
    AddTableConstraint,
    AlterTableExpression,
    ColumnDefinition,
    CreateTableExpression,
)
from rhosocial.activerecord.backend.expression.types import CustomType
from rhosocial.activerecord.backend.impl.postgres.dialect.names import operator_name
from rhosocial.activerecord.backend.impl.postgres.expressions import ExclusionConstraint

BAD_OPERATORS = [
    "&&)--", "&&\n", "&& ", " &&", "&&); DROP TABLE t; --", "=;", "a", "", "--", "&&--", "/*", "<=/*",
    "+-", "*-", "=" * 64, "OPERATOR(s.&&)--)", "OPERATOR(a;b.=)", "OPERATOR(s.=", "OPERATOR(\"s\".x)",
    "OPERATOR(s.=)x", "'='", '"="',
]
GOOD_OPERATORS = {
    "&&": "&&", "=": "=", "<->": "<->", "-|-": "-|-", "@>": "@>", "~-": "~-", "!-": "!-", "=" * 63: "=" * 63,
    "%": "%%", "OPERATOR(pg_catalog.&&)": "OPERATOR(pg_catalog.&&)", "operator( \"My s\".= )": 'OPERATOR("My s".=)',
    "OPERATOR(=)": "OPERATOR(=)",
}


@pytest.mark.parametrize("op", BAD_OPERATORS)
def test_operator_name_refuses_non_operators(op):
    with pytest.raises(ValueError):
        operator_name(op)


@pytest.mark.parametrize("op,sql", GOOD_OPERATORS.items())
def test_operator_name_accepts_postgres_operators(op, sql):
    assert operator_name(op) == sql


def _table(d, op):
    return CreateTableExpression(d, "bookings", [ColumnDefinition("during", CustomType("int4range"))],
                                 table_constraints=[ExclusionConstraint(elements=[("during", op)])])


@pytest.mark.parametrize("op", ["&&)--", "&&\n", "&&) , CHECK (false", "&& ) --"])
def test_exclusion_operator_injection_refused(ddl, op):
    with pytest.raises(ValueError, match="exclusion operator"):
        _table(ddl.d, op).to_sql()
    ddl.run(CreateTableExpression(ddl.d, "other", [ColumnDefinition("during", CustomType("int4range"))]))
    constraint = ExclusionConstraint(elements=[("during", op)])
    alter = AlterTableExpression(ddl.d, "other", [AddTableConstraint(ddl.d, constraint)])
    with pytest.raises(ValueError, match="exclusion operator"):
        alter.to_sql()


def test_exclusion_schema_qualified_operator_runs(ddl):
    sql = ddl.run(_table(ddl.d, "OPERATOR(pg_catalog.&&)"))
    assert sql.endswith('EXCLUDE USING gist ("during" WITH OPERATOR(pg_catalog.&&)))')
    ddl.run("INSERT INTO bookings VALUES ('[1,5)')")
    with pytest.raises(Exception, match="conflicting key value"):
        ddl.run("INSERT INTO bookings VALUES ('[4,6)')")


def test_exclusion_operator_in_alter_table_runs(ddl):
    ddl.run(CreateTableExpression(ddl.d, "b2", [ColumnDefinition("during", CustomType("int4range"))]))
    constraint = ExclusionConstraint(elements=[("during", "&&")])
    alter = AlterTableExpression(ddl.d, "b2", [AddTableConstraint(ddl.d, constraint)])
    assert ddl.run(alter).endswith('EXCLUDE USING gist ("during" WITH &&)')
    assert ddl.value("SELECT count(*) FROM pg_constraint WHERE conrelid = 'b2'::regclass AND contype = 'x'") == 1


@pytest.mark.parametrize("op", ["= 1 OR 1 =", "=) OR (1=1", "=;", "--", "=\n",
                                "IS NOT NULL OR owner LIKE", "LIKE x", "AND 1=1 OR"])
def test_dml_operator_injection_refused(backend, op):
    d = backend.dialect
    with pytest.raises(ValueError):
        BinaryExpression(d, op, Column(d, "a"), Literal(d, 1)).to_sql()
    with pytest.raises(ValueError):
        UnaryExpression(d, op, Column(d, "a"), "before").to_sql()


def test_dml_operators_still_work(backend):
    d = backend.dialect
    cases = {"@>": "t", "IS DISTINCT FROM": "t", "is  not distinct from": "f", "OPERATOR(pg_catalog.@>)": "t",
             "%": "t"}
    rows = {}
    for op in cases:
        left, right = ((Literal(d, 7), Literal(d, 4)) if op == "%" else (Literal(d, [1, 2]), Literal(d, [1])))
        expr = BinaryExpression(d, op, left, right)
        sql, params = expr.to_sql()
        test = f"SELECT ({sql}) = 3 AS r" if op == "%" else f"SELECT ({sql}) AS r"
        rows[op] = backend.fetch_one(test, params)["r"] == (cases[op] == "t")
    assert all(rows.values()), rows
