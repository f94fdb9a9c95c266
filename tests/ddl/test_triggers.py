"""Triggers: EXECUTE FUNCTION (11+) / PROCEDURE (10), OR REPLACE (14+), never IF NOT EXISTS."""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError
from rhosocial.activerecord.backend.expression import RawSQLExpression
from rhosocial.activerecord.backend.expression.statements import (
    CreateTriggerExpression,
    DropTriggerExpression,
    TriggerEvent,
    TriggerLevel,
    TriggerTiming,
)

FUNCTION = ("CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN NEW.n := coalesce(NEW.n, 0) + 1; RETURN NEW; END $$")


def _trigger(ddl, **kw):
    return CreateTriggerExpression(ddl.d, "t_stamp", "t", TriggerTiming.BEFORE, [TriggerEvent.INSERT, TriggerEvent.UPDATE],
                                   "stamp", level=TriggerLevel.ROW, **kw)


def test_create_and_drop_trigger(ddl):
    ddl.run("CREATE TABLE t (id int, v int, n int)")
    ddl.run(FUNCTION)
    cond = RawSQLExpression(ddl.d, "NEW.v") > RawSQLExpression(ddl.d, "0")
    sql = ddl.run(_trigger(ddl, condition=cond))
    keyword = "FUNCTION" if ddl.major >= 11 else "PROCEDURE"
    assert sql == ('CREATE TRIGGER "t_stamp" BEFORE INSERT OR UPDATE ON "t" FOR EACH ROW WHEN (NEW.v > 0) '
                   f'EXECUTE {keyword} "stamp"()')
    ddl.run("INSERT INTO t VALUES (1, 1, NULL), (2, 0, NULL)")
    assert [r["n"] for r in ddl.rows("SELECT n FROM t ORDER BY id")] == [1, None]
    assert ddl.run(DropTriggerExpression(ddl.d, "t_stamp", "t", if_exists=True)) == \
        'DROP TRIGGER IF EXISTS "t_stamp" ON "t"'


def test_update_of_columns_and_statement_level(ddl):
    ddl.run("CREATE TABLE t (id int, v int, n int)")
    ddl.run("CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$")
    sql = ddl.run(CreateTriggerExpression(ddl.d, "t_v", "t", TriggerTiming.AFTER, [TriggerEvent.UPDATE], "noop",
                                          level=TriggerLevel.STATEMENT, update_columns=["v"]))
    assert 'AFTER UPDATE OF "v" ON "t" FOR EACH STATEMENT' in sql


def test_or_replace_is_gated_at_14(ddl):
    ddl.run("CREATE TABLE t (id int, v int, n int)")
    ddl.run(FUNCTION)
    ddl.run(_trigger(ddl))
    expr = _trigger(ddl, dialect_options={"or_replace": True})
    if ddl.major < 14:
        with pytest.raises(UnsupportedFeatureError):
            expr.to_sql()
        return
    assert ddl.run(expr).startswith('CREATE OR REPLACE TRIGGER "t_stamp"')


def test_if_not_exists_never_exists(ddl):
    with pytest.raises(UnsupportedFeatureError):
        _trigger(ddl, if_not_exists=True).to_sql()
