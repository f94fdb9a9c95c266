"""PostgresDialect output without a server: placeholders, quoting, %%, gates."""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError
from rhosocial.activerecord.backend.expression import Column, Literal
from rhosocial.activerecord.backend.expression.query_parts import ForUpdateClause
from rhosocial.activerecord.backend.expression.statements import (
    ColumnConstraint,
    ColumnConstraintType,
    ColumnDefinition,
    CreateIndexExpression,
    CreateTriggerExpression,
    DropIndexExpression,
    TruncateExpression,
)
from rhosocial.activerecord.backend.expression.transaction import (
    BeginTransactionExpression,
    ReleaseSavepointExpression,
    RollbackTransactionExpression,
    SavepointExpression,
)
from rhosocial.activerecord.backend.expression.types import (
    ArrayType,
    BigIntType,
    BlobType,
    IntegerType,
    JsonBType,
    TimestampTzType,
    VarCharType,
)
from rhosocial.activerecord.backend.impl.postgres.dialect import PostgresDialect, parse_json_path
from rhosocial.activerecord.backend.transaction import IsolationLevel


@pytest.fixture
def d15():
    return PostgresDialect(version=(15, 18, 0))


def test_placeholder_and_quoting(d15):
    assert d15.get_parameter_placeholder() == "%s"
    assert d15.format_identifier('we"ird') == '"we""ird"'
    assert d15.format_identifier("User") == '"User"'


def test_modulo_is_escaped_for_psycopg(d15):
    sql, params = (Column(d15, "a") % Literal(d15, 3)).to_sql()
    assert sql == '"a" %% %s' and params == (3,)


def test_version_can_be_set_later():
    d = PostgresDialect()
    assert d.supports_returning_insert()  # older than the minimum server: no version needed
    d.version = (14, 5)
    assert d.version == (14, 5, 0)
    assert d.supports_jsonb_subscripting() and not d.supports_merge_statement()


def test_begin_carries_every_mode_in_one_statement(d15):
    expr = BeginTransactionExpression(d15).isolation_level(IsolationLevel.SERIALIZABLE).read_only().deferrable()
    assert expr.to_sql() == ("BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE", ())
    assert BeginTransactionExpression(d15).to_sql() == ("BEGIN", ())
    rw = BeginTransactionExpression(d15).isolation_level(IsolationLevel.READ_COMMITTED).read_write()
    assert rw.to_sql()[0] == "BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE"
    assert BeginTransactionExpression(d15).deferrable(False).to_sql()[0] == "BEGIN NOT DEFERRABLE"


def test_savepoints_are_quoted(d15):
    assert SavepointExpression(d15, 'sp"1').to_sql()[0] == 'SAVEPOINT "sp""1"'
    assert ReleaseSavepointExpression(d15, "sp").to_sql()[0] == 'RELEASE SAVEPOINT "sp"'
    assert RollbackTransactionExpression(d15).to_savepoint("sp").to_sql()[0] == 'ROLLBACK TO SAVEPOINT "sp"'


def test_set_constraints(d15):
    assert d15.format_set_constraints(None, True) == "SET CONSTRAINTS ALL DEFERRED"
    assert d15.format_set_constraints(["a", "b"], False) == 'SET CONSTRAINTS "a", "b" IMMEDIATE'
    assert d15.format_set_constraints(["s.fk"], True) == 'SET CONSTRAINTS "s"."fk" DEFERRED'
    assert d15.format_set_constraints(['"a.b"'], True) == 'SET CONSTRAINTS "a.b" DEFERRED'
    with pytest.raises(ValueError):
        d15.format_set_constraints([], True)


@pytest.mark.parametrize(
    "strength,nowait,skip,expected",
    [
        (None, False, False, "FOR UPDATE"),
        ("NO KEY UPDATE", True, False, "FOR NO KEY UPDATE NOWAIT"),
        ("share", False, True, "FOR SHARE SKIP LOCKED"),
        ("KEY_SHARE", False, False, "FOR KEY SHARE"),
    ],
)
def test_row_locks(d15, strength, nowait, skip, expected):
    opts = {"strength": strength} if strength else None
    clause = ForUpdateClause(d15, nowait=nowait, skip_locked=skip, dialect_options=opts)
    assert d15.format_for_update_clause(clause)[0] == expected


def test_json_paths_become_postgres_operators(d15):
    from rhosocial.activerecord.backend.expression.functions import json_extract, json_extract_text

    assert json_extract_text(d15, "doc", "$.name").to_sql()[0] == "(\"doc\" ->> 'name')"
    assert json_extract(d15, "doc", "$.a.b[0]").to_sql()[0] == "(\"doc\" #> '{\"a\",\"b\",\"0\"}')"
    assert parse_json_path("$.items[*]") is None
    assert "jsonb_path_query_first" in json_extract(d15, "doc", "$.items[*]").to_sql()[0]


def test_ddl_types(d15):
    assert d15.format_data_type(TimestampTzType())[0] == "TIMESTAMPTZ"
    assert d15.format_data_type(JsonBType())[0] == "JSONB"
    assert d15.format_data_type(BlobType())[0] == "BYTEA"
    assert d15.format_data_type(ArrayType(IntegerType(), 2))[0] == "INTEGER[][]"
    assert d15.format_data_type(VarCharType(20))[0] == "VARCHAR(20)"
    assert isinstance(d15.parse_type("timestamp with time zone"), TimestampTzType)
    assert isinstance(d15.parse_type("bigint[]"), ArrayType)


def test_identity_column(d15):
    col = ColumnDefinition("id", BigIntType(), [
        ColumnConstraint(ColumnConstraintType.PRIMARY_KEY, is_auto_increment=True)])
    assert d15.format_column_definition(col)[0] == '"id" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY'


def test_create_index_gates():
    d10, d15 = PostgresDialect(version=(10, 0, 0)), PostgresDialect(version=(15, 0, 0))
    expr = CreateIndexExpression(d15, "ix", "t", ["a"], unique=True, index_type="btree", include=["b"],
                                 concurrent=True, dialect_options={"nulls_not_distinct": True})
    assert d15.format_create_index_statement(expr)[0] == (
        'CREATE UNIQUE INDEX CONCURRENTLY "ix" ON "t" USING btree ("a") INCLUDE ("b") NULLS NOT DISTINCT')
    with pytest.raises(UnsupportedFeatureError):
        d10.format_create_index_statement(expr)  # INCLUDE is 11, NULLS NOT DISTINCT 15
    assert d15.format_drop_index_statement(DropIndexExpression(d15, "ix", "t", if_exists=True))[0] == (
        'DROP INDEX IF EXISTS "ix"')


def test_trigger_never_if_not_exists(d15):
    from rhosocial.activerecord.backend.expression.statements import TriggerEvent, TriggerLevel, TriggerTiming

    expr = CreateTriggerExpression(d15, trigger_name="tr", table_name="t", timing=TriggerTiming.BEFORE,
                                   events=[TriggerEvent.UPDATE], function_name="f", level=TriggerLevel.ROW)
    assert d15.format_create_trigger_statement(expr)[0] == (
        'CREATE TRIGGER "tr" BEFORE UPDATE ON "t" FOR EACH ROW EXECUTE FUNCTION "f"()')
    expr.if_not_exists = True
    with pytest.raises(UnsupportedFeatureError):
        d15.format_create_trigger_statement(expr)
    d10 = PostgresDialect(version=(10, 0, 0))
    expr.if_not_exists = False
    assert "EXECUTE PROCEDURE" in d10.format_create_trigger_statement(expr)[0]


def test_truncate(d15):
    expr = TruncateExpression(d15, table_name="t", restart_identity=True, cascade=True)
    assert d15.format_truncate_statement(expr)[0] == 'TRUNCATE TABLE "t" RESTART IDENTITY CASCADE'


def test_merge_gates():
    from rhosocial.activerecord.backend.expression.statements import MergeExpression

    d14 = PostgresDialect(version=(14, 0, 0))
    expr = MergeExpression(d14, "t", Column(d14, "s"), Column(d14, "a") == Column(d14, "b"))
    with pytest.raises(UnsupportedFeatureError):
        d14.format_merge_statement(expr)


def test_year_and_truncate_are_spelled_for_postgres(d15):
    from rhosocial.activerecord.backend.expression.functions import space, truncate, year

    assert year(d15, Column(d15, "d")).to_sql()[0] == 'EXTRACT(YEAR FROM "d")'
    assert truncate(d15, Column(d15, "x"), 2).to_sql()[0].startswith('TRUNC("x"')
    assert space(d15, 3).to_sql()[0].startswith("REPEAT(' ', ")
