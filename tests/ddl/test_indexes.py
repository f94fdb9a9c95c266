"""Indexes: methods, partial/expression keys, INCLUDE (11), CONCURRENTLY, NULLS NOT DISTINCT (15),
IF NOT EXISTS, operator classes -- each statement run on the real server."""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError
from rhosocial.activerecord.backend.errors import DatabaseError
from rhosocial.activerecord.backend.expression import Column, FunctionCall, Literal
from rhosocial.activerecord.backend.expression.statements import CreateIndexExpression, DropIndexExpression
from rhosocial.activerecord.backend.impl.postgres.expressions import IndexElement

TABLE = ("CREATE TABLE docs (id int PRIMARY KEY, title text, body jsonb, tags int[], "
         "at timestamptz, r int4range, pt point, state text)")


def _index(ddl, name):
    return ddl.rows("SELECT am.amname, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = %s AND n.nspname = %s",
                    (name, ddl.schema))[0]


@pytest.mark.parametrize("method, column", [("gin", "body"), ("gin", "tags"), ("gist", "r"), ("brin", "at"),
                                            ("spgist", "pt"), ("hash", "state"), ("btree", "title")])
def test_index_methods(ddl, method, column):
    ddl.run(TABLE)
    sql = ddl.run(CreateIndexExpression(ddl.d, f"ix_{method}_{column}", "docs", [column], index_type=method.upper()))
    assert sql == f'CREATE INDEX "ix_{method}_{column}" ON "docs" USING {method} ("{column}")'
    assert _index(ddl, f"ix_{method}_{column}")["amname"] == method


def test_unknown_method_is_refused(ddl):
    with pytest.raises(UnsupportedFeatureError):
        CreateIndexExpression(ddl.d, "ix", "docs", ["title"], index_type="FULLTEXT").to_sql()


def test_partial_and_expression_index_inline_their_values(ddl):
    ddl.run(TABLE)
    lower = FunctionCall(ddl.d, "lower", Column(ddl.d, "title"))
    sql = ddl.run(CreateIndexExpression(ddl.d, "ix_open", "docs", [lower], unique=True,
                                        where=Column(ddl.d, "state") == Literal(ddl.d, "open")))
    assert sql == 'CREATE UNIQUE INDEX "ix_open" ON "docs" ((LOWER("title"))) WHERE "state" = \'open\''
    definition = _index(ddl, "ix_open")["def"]
    assert "lower(title)" in definition and "WHERE (state = 'open'::text)" in definition
    ddl.run("INSERT INTO docs (id, title, state) VALUES (1, 'A', 'open'), (2, 'a', 'closed')")
    with pytest.raises(DatabaseError):
        ddl.run("INSERT INTO docs (id, title, state) VALUES (3, 'A', 'open')")


def test_include_is_gated_at_11(ddl):
    ddl.run(TABLE)
    expr = CreateIndexExpression(ddl.d, "ix_cover", "docs", ["id"], include=["title", "state"])
    if ddl.major < 11:
        with pytest.raises(UnsupportedFeatureError):
            expr.to_sql()
        return
    assert ddl.run(expr).endswith('("id") INCLUDE ("title", "state")')
    assert "INCLUDE (title, state)" in _index(ddl, "ix_cover")["def"]


def test_nulls_not_distinct_is_gated_at_15(ddl):
    ddl.run(TABLE)
    expr = CreateIndexExpression(ddl.d, "ix_nnd", "docs", ["state"], unique=True,
                                 dialect_options={"nulls_not_distinct": True})
    if ddl.major < 15:
        with pytest.raises(UnsupportedFeatureError):
            expr.to_sql()
        return
    ddl.run(expr)
    ddl.run("INSERT INTO docs (id) VALUES (1)")
    with pytest.raises(DatabaseError):
        ddl.run("INSERT INTO docs (id) VALUES (2)")  # a second NULL state collides


def test_nulls_not_distinct_needs_unique():
    # pure dialect logic: checked on a dialect of a server that has NULLS NOT DISTINCT (15)
    from rhosocial.activerecord.backend.impl.postgres.dialect import PostgresDialect

    dialect = PostgresDialect(version=(15, 0, 0))
    with pytest.raises(ValueError):
        CreateIndexExpression(dialect, "ix", "docs", ["state"], dialect_options={"nulls_not_distinct": True}).to_sql()


def test_if_not_exists_and_storage_options(ddl):
    ddl.run(TABLE)
    expr = CreateIndexExpression(ddl.d, "ix_t", "docs", ["title"], if_not_exists=True,
                                 dialect_options={"with": {"fillfactor": 70}}, tablespace="pg_default")
    sql = ddl.run(expr)
    assert sql == 'CREATE INDEX IF NOT EXISTS "ix_t" ON "docs" ("title") WITH ("fillfactor" = 70) TABLESPACE "pg_default"'
    ddl.run(expr)  # second time: a notice, no error
    assert "fillfactor='70'" in _index(ddl, "ix_t")["def"]


def test_concurrently_create_and_drop(ddl):
    ddl.run(TABLE)
    sql = ddl.run(CreateIndexExpression(ddl.d, "ix_c", "docs", ["title"], concurrent=True))
    assert sql.startswith('CREATE INDEX CONCURRENTLY "ix_c"')
    drop = DropIndexExpression(ddl.d, (ddl.schema, "ix_c"), if_exists=True, dialect_options={"concurrently": True})
    assert ddl.run(drop) == f'DROP INDEX CONCURRENTLY IF EXISTS "{ddl.schema}"."ix_c"'
    assert not ddl.rows("SELECT 1 FROM pg_class WHERE relname = 'ix_c'")
    with pytest.raises(ValueError):
        DropIndexExpression(ddl.d, "ix_c", dialect_options={"concurrently": True, "cascade": True}).to_sql()


def test_concurrently_is_refused_inside_a_transaction_by_the_server(ddl):
    ddl.run(TABLE)
    with pytest.raises(DatabaseError, match="transaction block"):
        with ddl.backend.transaction_manager.transaction():
            ddl.run(CreateIndexExpression(ddl.d, "ix_tx", "docs", ["title"], concurrent=True))


def test_operator_classes_jsonb_path_ops_and_ordering(ddl):
    ddl.run(TABLE)
    sql = ddl.run(CreateIndexExpression(ddl.d, "ix_jp", "docs", [IndexElement(ddl.d, "body", "jsonb_path_ops")],
                                        index_type="GIN"))
    assert sql == 'CREATE INDEX "ix_jp" ON "docs" USING gin ("body" "jsonb_path_ops")'
    assert "jsonb_path_ops" in _index(ddl, "ix_jp")["def"]
    sql = ddl.run(CreateIndexExpression(ddl.d, "ix_ord", "docs", [
        IndexElement(ddl.d, "title", collation="C", descending=True, nulls_first=False),
        IndexElement(ddl.d, FunctionCall(ddl.d, "lower", Column(ddl.d, "state")), "text_pattern_ops")]))
    assert '"title" COLLATE "C" DESC NULLS LAST' in sql and 'text_pattern_ops' in sql
    assert 'title COLLATE "C" DESC NULLS LAST' in _index(ddl, "ix_ord")["def"]


def test_gin_trgm_ops_with_pg_trgm(ddl):
    ddl.extension("pg_trgm")
    assert ddl.d.supports_pg_trgm()
    ddl.run(TABLE)
    ddl.run(CreateIndexExpression(ddl.d, "ix_trgm", "docs", [IndexElement(ddl.d, "title", "gin_trgm_ops")],
                                  index_type="gin"))
    assert "gin_trgm_ops" in _index(ddl, "ix_trgm")["def"]


def test_drop_index_if_exists_cascade(ddl):
    ddl.run(TABLE)
    ddl.run(CreateIndexExpression(ddl.d, "ix_d", "docs", ["title"]))
    assert ddl.run(DropIndexExpression(ddl.d, "ix_d", if_exists=True, dialect_options={"cascade": True})) == \
        'DROP INDEX IF EXISTS "ix_d" CASCADE'
    ddl.run(DropIndexExpression(ddl.d, "ix_d", if_exists=True))
