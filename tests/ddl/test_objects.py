"""Enum types, domains, extensions, row-level security and policies on the real server."""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError
from rhosocial.activerecord.backend.errors import DatabaseError
from rhosocial.activerecord.backend.expression import Column, Literal, RawSQLExpression
from rhosocial.activerecord.backend.expression.statements import AlterTableExpression
from rhosocial.activerecord.backend.expression.types import IntegerType, VarCharType
from rhosocial.activerecord.backend.impl.postgres.dialect import PostgresDialect
from rhosocial.activerecord.backend.impl.postgres.expressions import (
    AlterEnumAddValueExpression,
    AlterEnumRenameValueExpression,
    CreateDomainExpression,
    CreateEnumTypeExpression,
    CreateExtensionExpression,
    CreatePolicyExpression,
    DomainCheck,
    DropDomainExpression,
    DropExtensionExpression,
    DropPolicyExpression,
    DropTypeExpression,
    RowLevelSecurityAction,
)

from tests.gates import require_extension


def _labels(ddl, name):
    return [r["enumlabel"] for r in ddl.rows(
        "SELECT enumlabel FROM pg_enum WHERE enumtypid = %s::regtype ORDER BY enumsortorder", (name,))]


def test_enum_lifecycle(ddl):
    assert ddl.run(CreateEnumTypeExpression(ddl.d, "mood", ["ok", "it's fine"])) == \
        """CREATE TYPE "mood" AS ENUM ('ok', 'it''s fine')"""
    assert ddl.run(AlterEnumAddValueExpression(ddl.d, "mood", "sad", before="ok")) == \
        """ALTER TYPE "mood" ADD VALUE 'sad' BEFORE 'ok'"""
    ddl.run(AlterEnumAddValueExpression(ddl.d, "mood", "happy", after="it's fine"))
    assert ddl.run(AlterEnumAddValueExpression(ddl.d, "mood", "happy", if_not_exists=True)) == \
        """ALTER TYPE "mood" ADD VALUE IF NOT EXISTS 'happy'"""
    assert ddl.run(AlterEnumRenameValueExpression(ddl.d, "mood", "ok", "okay")) == \
        """ALTER TYPE "mood" RENAME VALUE 'ok' TO 'okay'"""
    assert _labels(ddl, f"{ddl.schema}.mood") == ["sad", "okay", "it's fine", "happy"]
    ddl.run("CREATE TABLE m (x mood)")
    assert ddl.run(DropTypeExpression(ddl.d, "mood", if_exists=True, cascade=True)) == \
        'DROP TYPE IF EXISTS "mood" CASCADE'
    with pytest.raises(ValueError):
        AlterEnumAddValueExpression(ddl.d, "mood", "x", before="a", after="b")


def test_enum_add_value_inside_a_transaction_needs_12(ddl):
    ddl.run(CreateEnumTypeExpression(ddl.d, "lvl", ["a"]))
    tm = ddl.backend.transaction_manager
    stmt = AlterEnumAddValueExpression(ddl.d, "lvl", "b")
    if ddl.major < 12:
        with pytest.raises(DatabaseError, match="transaction block"):
            with tm.transaction():
                ddl.run(stmt)
        ddl.run(stmt)  # autocommit works
    else:
        with tm.transaction():
            ddl.run(stmt)
    assert _labels(ddl, f"{ddl.schema}.lvl") == ["a", "b"]


def test_rename_value_gate_offline():
    with pytest.raises(UnsupportedFeatureError):
        AlterEnumRenameValueExpression(PostgresDialect(version=(9, 6)), "t", "a", "b").to_sql()


def test_domain_with_check_not_null_default(ddl):
    value = Column(ddl.d, "value")  # PostgreSQL's VALUE inside a domain CHECK
    expr = CreateDomainExpression(ddl.d, "code", VarCharType(8), default="n/a", not_null=True, collation="C",
                                  checks=[DomainCheck(value.like("%/%"), name="has_slash"),
                                          DomainCheck(value != Literal(ddl.d, "x/y"))])
    sql = ddl.run(expr)
    assert sql == ("""CREATE DOMAIN "code" AS VARCHAR(8) COLLATE "C" DEFAULT 'n/a' NOT NULL """
                   """CONSTRAINT "has_slash" CHECK ("value" LIKE '%/%') CHECK ("value" != 'x/y')"""), sql
    ddl.run("CREATE TABLE d (id int, c code)")
    ddl.run("INSERT INTO d (id) VALUES (1)")
    assert ddl.value("SELECT c FROM d") == "n/a"
    for bad in ("'nocode'", "'x/y'", "NULL"):
        with pytest.raises(DatabaseError):
            ddl.run(f"INSERT INTO d VALUES (2, {bad})")
    ddl.run(CreateDomainExpression(ddl.d, "pos", IntegerType(), checks=[DomainCheck(value > Literal(ddl.d, 0))]))
    assert ddl.run(DropDomainExpression(ddl.d, "code", if_exists=True, cascade=True)) == \
        'DROP DOMAIN IF EXISTS "code" CASCADE'


def test_extensions_create_and_drop(ddl):
    sql = ddl.sql(CreateExtensionExpression(ddl.d, "hstore", schema=ddl.schema))
    assert sql == f'CREATE EXTENSION IF NOT EXISTS "hstore" SCHEMA "{ddl.schema}"'
    require_extension(ddl.backend.config.conninfo(), "hstore")  # skips only if the server lacks hstore
    ddl.run(sql)
    ddl.backend.introspect_and_adapt()
    assert ddl.d.supports_hstore()
    assert ddl.value("SELECT ('a=>1'::hstore) -> 'a'") == "1"
    assert ddl.run(DropExtensionExpression(ddl.d, "hstore", if_exists=True, cascade=True)) == \
        'DROP EXTENSION IF EXISTS "hstore" CASCADE'
    ddl.backend.introspect_and_adapt()
    assert not ddl.d.supports_hstore()


def test_row_level_security_and_policies(ddl):
    ddl.run("CREATE TABLE docs (id int, owner text, public bool)")
    ddl.run("INSERT INTO docs VALUES (1, 'alice', false), (2, 'bob', false), (3, 'bob', true)")
    ddl.run(f"GRANT USAGE ON SCHEMA \"{ddl.schema}\" TO PUBLIC")
    ddl.run("GRANT SELECT, INSERT ON docs TO PUBLIC")
    role = f"r_{ddl.schema}"
    ddl.run(f'CREATE ROLE "{role}"')
    try:
        sql = ddl.run(AlterTableExpression(ddl.d, "docs", [RowLevelSecurityAction(ddl.d, "ENABLE"),
                                                           RowLevelSecurityAction(ddl.d, "FORCE")]))
        assert sql == 'ALTER TABLE "docs" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY'
        own = Column(ddl.d, "owner") == RawSQLExpression(ddl.d, "current_user")
        sql = ddl.run(CreatePolicyExpression(ddl.d, "see_own", "docs", command="SELECT", roles=["PUBLIC"], using=own))
        assert sql == 'CREATE POLICY "see_own" ON "docs" FOR SELECT TO PUBLIC USING ("owner" = current_user)'
        ddl.run(CreatePolicyExpression(ddl.d, "see_public", "docs", command="SELECT",
                                       using=Column(ddl.d, "public") == Literal(ddl.d, True)))
        restrictive = CreatePolicyExpression(ddl.d, "not_three", "docs", restrictive=True, roles=[role],
                                             using=Column(ddl.d, "id") != Literal(ddl.d, 3))
        assert ddl.run(restrictive) == ('CREATE POLICY "not_three" ON "docs" AS RESTRICTIVE FOR ALL TO "%s" '
                                        'USING ("id" != 3)' % role)
        ddl.run(CreatePolicyExpression(ddl.d, "insert_own", "docs", command="INSERT", with_check=own))
        ddl.run(f'SET ROLE "{role}"')
        try:
            assert ddl.value("SELECT count(*) FROM docs") == 0  # bob's public row 3 cut by the restrictive policy
            with pytest.raises(DatabaseError, match="row-level security"):
                ddl.run("INSERT INTO docs VALUES (9, 'alice', true)")
        finally:
            ddl.run("RESET ROLE")
        assert ddl.run(DropPolicyExpression(ddl.d, "not_three", "docs", if_exists=True)) == \
            'DROP POLICY IF EXISTS "not_three" ON "docs"'
        ddl.run(AlterTableExpression(ddl.d, "docs", [RowLevelSecurityAction(ddl.d, "no force"),
                                                     RowLevelSecurityAction(ddl.d, "disable")]))
        current_role = CreatePolicyExpression(ddl.d, "cr", "docs", roles=["CURRENT_ROLE"], using=own)
        if ddl.major < 14:
            with pytest.raises(UnsupportedFeatureError):
                current_role.to_sql()
        else:
            ddl.run(current_role)
    finally:
        ddl.run(f"DROP OWNED BY \"{role}\"")
        ddl.run(f'DROP ROLE "{role}"')
    with pytest.raises(ValueError):
        CreatePolicyExpression(ddl.d, "p", "docs", command="INSERT", using=own)


def test_restrictive_policy_gate_offline():
    with pytest.raises(UnsupportedFeatureError):
        CreatePolicyExpression(PostgresDialect(version=(9, 6)), "p", "t", restrictive=False).to_sql()
