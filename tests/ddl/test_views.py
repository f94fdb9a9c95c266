"""Views (OR REPLACE, WITH CHECK OPTION, security_barrier) and materialized views
(WITH [NO] DATA, REFRESH [CONCURRENTLY], DROP) on the real server."""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError
from rhosocial.activerecord.backend.errors import DatabaseError
from rhosocial.activerecord.backend.expression import Column, Literal
from rhosocial.activerecord.backend.expression.core import TableExpression
from rhosocial.activerecord.backend.expression.query_parts import WhereClause
from rhosocial.activerecord.backend.expression.statements import (
    CreateIndexExpression,
    CreateMaterializedViewExpression,
    CreateViewExpression,
    DropMaterializedViewExpression,
    DropViewExpression,
    QueryExpression,
    RefreshMaterializedViewExpression,
    ViewCheckOption,
    ViewOptions,
)


def _query(ddl, minimum=0):
    return QueryExpression(ddl.d, select=[Column(ddl.d, "id"), Column(ddl.d, "v")],
                           from_=TableExpression(ddl.d, "t"),
                           where=WhereClause(ddl.d, Column(ddl.d, "v") > Literal(ddl.d, minimum)))


@pytest.fixture
def table(ddl):
    ddl.run("CREATE TABLE t (id int PRIMARY KEY, v int)")
    ddl.run("INSERT INTO t VALUES (1, 5), (2, 50)")
    return ddl


def test_view_or_replace_with_check_option(table):
    ddl = table
    expr = CreateViewExpression(ddl.d, "big", _query(ddl, 10), options=ViewOptions(check_option=ViewCheckOption.CASCADED))
    sql = ddl.run(expr)
    assert sql == ('CREATE VIEW "big" AS SELECT "id", "v" FROM "t" WHERE "v" > 10 WITH CASCADED CHECK OPTION'), sql
    with pytest.raises(DatabaseError, match="check option"):
        ddl.run("INSERT INTO big VALUES (3, 1)")
    ddl.run(CreateViewExpression(ddl.d, "big", _query(ddl, 20), replace=True,
                                 options=ViewOptions(check_option=ViewCheckOption.LOCAL)))
    assert ddl.value("SELECT count(*) FROM big") == 1
    assert ddl.run(DropViewExpression(ddl.d, "big", if_exists=True, cascade=True)) == 'DROP VIEW IF EXISTS "big" CASCADE'


def test_security_barrier_and_invoker(table):
    ddl = table
    sql = ddl.run(CreateViewExpression(ddl.d, "sb", _query(ddl), options=ViewOptions(
        dialect_options={"security_barrier": True})))
    assert sql.startswith('CREATE VIEW "sb" WITH (security_barrier = true) AS SELECT')
    assert "security_barrier=true" in ddl.value("SELECT array_to_string(reloptions, ',') FROM pg_class "
                                                "WHERE oid = 'sb'::regclass")
    invoker = CreateViewExpression(ddl.d, "si", _query(ddl), options=ViewOptions(dialect_options={"security_invoker": True}))
    if ddl.major < 15:
        with pytest.raises(UnsupportedFeatureError):
            invoker.to_sql()
    else:
        ddl.run(invoker)
    with pytest.raises(ValueError):
        CreateViewExpression(ddl.d, "x", _query(ddl), options=ViewOptions(dialect_options={"nope": 1})).to_sql()


def test_materialized_view_lifecycle(table):
    ddl = table
    sql = ddl.run(CreateMaterializedViewExpression(ddl.d, "mv", _query(ddl), with_data=False,
                                                   storage_options={"fillfactor": 90}))
    assert sql == ('CREATE MATERIALIZED VIEW "mv" WITH ("fillfactor" = 90) AS SELECT "id", "v" FROM "t" '
                   'WHERE "v" > 0 WITH NO DATA')
    with pytest.raises(DatabaseError, match="has not been populated"):
        ddl.rows("SELECT * FROM mv")
    ddl.run(RefreshMaterializedViewExpression(ddl.d, "mv"))
    assert ddl.value("SELECT count(*) FROM mv") == 2
    ddl.run(CreateIndexExpression(ddl.d, "mv_id", "mv", ["id"], unique=True))
    ddl.run("INSERT INTO t VALUES (3, 7)")
    sql = ddl.run(RefreshMaterializedViewExpression(ddl.d, (ddl.schema, "mv"), concurrent=True))
    assert sql == f'REFRESH MATERIALIZED VIEW CONCURRENTLY "{ddl.schema}"."mv"'
    assert ddl.value("SELECT count(*) FROM mv") == 3
    with pytest.raises(ValueError):
        RefreshMaterializedViewExpression(ddl.d, "mv", concurrent=True, with_data=False).to_sql()
    ddl.run(CreateMaterializedViewExpression(ddl.d, "mv", _query(ddl), dialect_options={"if_not_exists": True}))
    assert ddl.run(DropMaterializedViewExpression(ddl.d, "mv", if_exists=True, cascade=True)) == \
        'DROP MATERIALIZED VIEW IF EXISTS "mv" CASCADE'


def test_refresh_concurrently_needs_a_unique_index(table):
    ddl = table
    ddl.run(CreateMaterializedViewExpression(ddl.d, "mv2", _query(ddl)))
    with pytest.raises(DatabaseError, match="unique index"):
        ddl.run(RefreshMaterializedViewExpression(ddl.d, "mv2", concurrent=True))
