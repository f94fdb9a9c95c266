"""Regression tests for the review of tuple / list / dotted names (each failed before its fix).

* a tuple is ONE schema-qualified name everywhere, only a list is several names:
  ``TruncateExpression(d, ("app", "orders"))`` used to be ``TRUNCATE TABLE "app", "orders"``
  (emptying two other tables), ``format_set_constraints(("app", "fk"))`` two constraints;
* an object name given as a str containing a dot is refused with a ValueError that
  explains the spellings: it used to be taken as one identifier, so
  ``CreateEnumTypeExpression(d, "s1.mood")`` silently created ``public."s1.mood"``;
* a name that really contains a dot is a 1-tuple ``("s1.mood",)``.
"""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.expression import Column, Literal, TableExpression
from rhosocial.activerecord.backend.expression.statements import (
    AlterTableExpression,
    ColumnDefinition,
    CreateIndexExpression,
    CreateSequenceExpression,
    CreateTableExpression,
    CreateTriggerExpression,
    CreateViewExpression,
    DropIndexExpression,
    DropTableExpression,
    DropViewExpression,
    QueryExpression,
    TriggerEvent,
    TriggerLevel,
    TriggerTiming,
    TruncateExpression,
)
from rhosocial.activerecord.backend.expression.types import IntegerType, TextType
from rhosocial.activerecord.backend.impl.postgres.expressions import (
    CommentOnExpression,
    CreateDomainExpression,
    CreateEnumTypeExpression,
    CreatePartitionExpression,
    CreatePolicyExpression,
    DropTypeExpression,
    PartitionBound,
    RowLevelSecurityAction,
)


@pytest.fixture
def other(ddl):
    """A second schema, dropped after the test."""
    name = f"{ddl.schema}_o"
    ddl.run(f'CREATE SCHEMA "{name}"')
    yield name
    ddl.run(f'DROP SCHEMA "{name}" CASCADE')


def _filled(ddl, *names):
    for name in names:
        ddl.run(f"CREATE TABLE {name} (x int)")
        ddl.run(f"INSERT INTO {name} VALUES (1)")


def _count(ddl, name):
    return ddl.value(f"SELECT count(*) FROM {name}")


# ------------------------------------------------------------------ 1. a tuple is one name
def test_truncate_tuple_empties_only_the_qualified_table(ddl, other):
    # the tables the old reading emptied: "<other>" and "orders" on the search path
    _filled(ddl, f'"{other}".orders', f'"{other}"', "orders")
    sql = ddl.run(TruncateExpression(ddl.d, (other, "orders")))
    assert sql == f'TRUNCATE TABLE "{other}"."orders"'
    assert _count(ddl, f'"{other}".orders') == 0
    assert (_count(ddl, f'"{other}"'), _count(ddl, "orders")) == (1, 1)  # before: both emptied


def test_truncate_list_of_tuples_empties_each(ddl, other):
    _filled(ddl, f'"{other}".a', f'"{other}".b', "c", "d")
    sql = ddl.run(TruncateExpression(ddl.d, [(other, "a"), (other, "b"), "c"], restart_identity=True))
    assert sql == f'TRUNCATE TABLE "{other}"."a", "{other}"."b", "c" RESTART IDENTITY'
    assert [_count(ddl, t) for t in (f'"{other}".a', f'"{other}".b', "c", "d")] == [0, 0, 0, 1]
    _filled(ddl, "e")
    ddl.run(TruncateExpression(ddl.d, [TableExpression(ddl.d, "e", schema_name=ddl.schema), "d"]))
    assert (_count(ddl, "d"), _count(ddl, "e")) == (0, 0)


@pytest.mark.parametrize("bad", [[], [["s", "t"]], [("s", "t"), ["u"]], {"s", "t"}])
def test_truncate_refuses_what_is_not_a_name_or_a_list_of_names(ddl, bad):
    with pytest.raises((ValueError, TypeError)):
        ddl.sql(TruncateExpression(ddl.d, bad))


def test_set_constraints_tuple_is_one_constraint(ddl):
    d = ddl.d
    assert d.format_set_constraints(("app", "fk"), True) == 'SET CONSTRAINTS "app"."fk" DEFERRED'
    assert d.format_set_constraints(("a.b",), False) == 'SET CONSTRAINTS "a.b" IMMEDIATE'
    assert d.format_set_constraints([("app", "fk"), "s.g", "h"], True) == \
        'SET CONSTRAINTS "app"."fk", "s"."g", "h" DEFERRED'
    for bad in ([["app", "fk"]], {"fk"}):
        with pytest.raises((ValueError, TypeError)):
            d.format_set_constraints(bad, True)
    ddl.run("CREATE TABLE p (id int PRIMARY KEY)")
    ddl.run("CREATE TABLE c (pid int CONSTRAINT c_fk REFERENCES p DEFERRABLE INITIALLY IMMEDIATE)")
    tm = ddl.backend.transaction_manager
    tm.begin()
    try:
        ddl.run(d.format_set_constraints((ddl.schema, "c_fk"), True))  # before: constraint "<schema>" not found
        ddl.run("INSERT INTO c VALUES (99)")  # deferred: no error yet
    finally:
        tm.rollback()
    tm.begin()
    try:  # the transaction manager's spelling takes the same tuple as one name
        tm.set_constraints((ddl.schema, "c_fk"), deferred=True)
        ddl.run("INSERT INTO c VALUES (99)")
    finally:
        tm.rollback()


# ------------------------------------------------------------------ 2. a dotted str is refused
def _builders(d, name):
    def query():
        return QueryExpression(d, select=[Literal(d, 1)])

    return {
        "CREATE TYPE": lambda: CreateEnumTypeExpression(d, name, ["a"]),
        "DROP TYPE": lambda: DropTypeExpression(d, name),
        "CREATE DOMAIN": lambda: CreateDomainExpression(d, name, TextType()),
        "CREATE VIEW": lambda: CreateViewExpression(d, name, query()),
        "DROP VIEW": lambda: DropViewExpression(d, name),
        "CREATE SEQUENCE": lambda: CreateSequenceExpression(d, name),
        "CREATE PARTITION": lambda: CreatePartitionExpression(d, name, "parent", PartitionBound.range(d, 0, 1)),
        "PARTITION OF": lambda: CreatePartitionExpression(d, "part", name, PartitionBound.range(d, 0, 1)),
        "TRUNCATE": lambda: TruncateExpression(d, name),
        "TRUNCATE list": lambda: TruncateExpression(d, ["ok", name]),
        "CREATE INDEX ON": lambda: CreateIndexExpression(d, "ix", name, ["x"]),
        "CREATE INDEX name": lambda: CreateIndexExpression(d, name, "t", ["x"]),
        "DROP INDEX": lambda: DropIndexExpression(d, name),
        "ALTER TABLE": lambda: AlterTableExpression(d, name, [RowLevelSecurityAction(d, "ENABLE")]),
        "COMMENT ON TABLE": lambda: CommentOnExpression(d, "TABLE", name, "c"),
        "CREATE POLICY": lambda: CreatePolicyExpression(d, "p", name),
        "CREATE TRIGGER": lambda: CreateTriggerExpression(d, "tg", name, TriggerTiming.BEFORE,
                                                          [TriggerEvent.INSERT], "fn", level=TriggerLevel.ROW),
    }


@pytest.mark.parametrize("kind", list(_builders(None, "x")))
def test_dotted_str_object_name_is_refused_with_the_rule(ddl, kind):
    with pytest.raises(ValueError) as info:
        ddl.sql(_builders(ddl.d, "s1.mood")[kind]())
    message = str(info.value)
    assert "'s1.mood'" in message and "1-tuple ('s1.mood',)" in message, message
    if kind != "CREATE INDEX name":  # an index takes no schema: only the 1-tuple is offered
        assert "('s1', 'mood')" in message and "schema_name='s1'" in message, message


def test_quoted_dotted_str_is_refused_too(ddl):
    with pytest.raises(ValueError, match=r"\('s1', 'mood'\)"):
        ddl.sql(CreateEnumTypeExpression(ddl.d, '"s1"."mood"', ["a"]))


def test_a_list_is_not_one_name(ddl):
    for expr in (CreateEnumTypeExpression(ddl.d, ["s1", "mood"], ["a"]),
                 CommentOnExpression(ddl.d, "COLUMN", ["t", "x"], "c"),
                 CreateIndexExpression(ddl.d, ("s1", "ix"), "t", ["x"])):
        with pytest.raises(ValueError):
            ddl.sql(expr)


def test_core_create_table_still_reads_a_dotted_str_as_one_identifier(ddl):
    # The core formats CREATE / DROP TABLE itself (documented difference): one identifier.
    assert ddl.sql(CreateTableExpression(ddl.d, "s1.t", [ColumnDefinition("x", IntegerType())])).startswith(
        'CREATE TABLE "s1.t" ')
    assert ddl.sql(DropTableExpression(ddl.d, "s1.t")) == 'DROP TABLE "s1.t"'


# ------------------------------------------------------------------ 3. the explicit spellings on the server
def _types(ddl, like):
    return sorted((r["nspname"], r["typname"]) for r in ddl.rows(
        "SELECT n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE t.typname LIKE %s AND t.typtype = 'e'", (like,)))


def test_one_tuple_and_qualified_tuple_on_the_server(ddl, other):
    ddl.run(CreateEnumTypeExpression(ddl.d, (f"{other}.mood",), ["a"]))  # a name with a dot, current schema
    ddl.run(CreateEnumTypeExpression(ddl.d, (other, "mood"), ["b"]))  # schema-qualified
    assert set(_types(ddl, "%mood")) == {(other, "mood"), (ddl.schema, f"{other}.mood")}
    ddl.run(DropTypeExpression(ddl.d, (f"{other}.mood",)))
    assert _types(ddl, "%mood") == [(other, "mood")]


def test_one_tuple_index_name_and_table_on_the_server(ddl):
    ddl.run(CreateTableExpression(ddl.d, "t.x", [ColumnDefinition("v", IntegerType())]))  # core: one identifier
    sql = ddl.run(CreateIndexExpression(ddl.d, ("ix.v",), ("t.x",), [Column(ddl.d, "v")]))
    assert sql == 'CREATE INDEX "ix.v" ON "t.x" ("v")'
    assert ddl.value("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass",
                     ('"t.x"',)) == '"ix.v"'
    ddl.run(CommentOnExpression(ddl.d, "TABLE", ("t.x",), "dotted"))
    ddl.run(DropIndexExpression(ddl.d, (ddl.schema, "ix.v")))
    ddl.run(TruncateExpression(ddl.d, [("t.x",)]))
