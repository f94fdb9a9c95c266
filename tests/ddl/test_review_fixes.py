"""Regression tests for the review of names, collations, trigger events, partition
bounds and numeric typmods (each failed before its fix).

* one rule for object names: a str is ONE identifier (a quote is part of the name, a
  dot is refused: see test_review_fixes_3); schema-qualified = TableExpression / tuple,
  a name containing a dot = 1-tuple, read like the core's CreateTable reads its str;
* collations and operator classes are one identifier ("C.utf8" is not schema "C");
* update_columns narrows the UPDATE event only (INSERT OR UPDATE OF "v");
* partition bounds: only the sentinels are MINVALUE / MAXVALUE, inf / nan / bytes are literals;
* numeric(5,-2) (15+) reads back as scale -2.
"""

from __future__ import annotations

import inspect
import math
from decimal import Decimal

import pytest
import pytest_asyncio
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
    PartitionClause,
    PartitionStrategy,
    QueryExpression,
    TriggerEvent,
    TriggerLevel,
    TriggerTiming,
    TruncateExpression,
)
from rhosocial.activerecord.backend.expression.types import CustomType, IntegerType, TextType
from rhosocial.activerecord.backend.impl.postgres import AsyncPostgresBackend, PostgresBackend, PostgresConnectionConfig
from rhosocial.activerecord.backend.impl.postgres.expressions import (
    CommentOnExpression,
    CreateDomainExpression,
    CreateEnumTypeExpression,
    CreatePartitionExpression,
    IndexElement,
    PartitionBound,
    RowLevelSecurityAction,
)
from rhosocial.activerecord.backend.impl.postgres.introspection.parsing import _typmod_details

from .conftest import QUIET


def _table(ddl, name, *cols):
    return CreateTableExpression(ddl.d, name, [ColumnDefinition(c, IntegerType()) for c in (cols or ("x",))])


# ------------------------------------------------------------------ 1. names
def test_truncate_name_with_quote_empties_that_table_only(ddl):
    for name in ('we"ird', "weird"):
        ddl.run(_table(ddl, name))
        ddl.run(f"INSERT INTO {ddl.d.format_identifier(name)} VALUES (1)")
    assert ddl.run(TruncateExpression(ddl.d, 'we"ird')) == 'TRUNCATE TABLE "we""ird"'
    assert ddl.value('SELECT count(*) FROM "we""ird"') == 0
    assert ddl.value('SELECT count(*) FROM "weird"') == 1  # before: this one was emptied


def _statements(d, name):
    query = QueryExpression(d, select=[Literal(d, 1)])
    core = name[0] if isinstance(name, tuple) else name  # the core's CreateTable/DropTable take a str
    return [
        CreateTableExpression(d, core, [ColumnDefinition("x", IntegerType())]),
        DropTableExpression(d, core),
        AlterTableExpression(d, name, [RowLevelSecurityAction(d, "ENABLE")]),
        CreateIndexExpression(d, "ix", name, ["x"]),
        DropIndexExpression(d, name),
        CreateViewExpression(d, name, query),
        DropViewExpression(d, name),
        CommentOnExpression(d, "TABLE", name, "c"),
        CreateSequenceExpression(d, name),
        CreateEnumTypeExpression(d, name, ["a"]),
        TruncateExpression(d, name),
        CreatePartitionExpression(d, name, name, PartitionBound.range(d, 0, 1)),
    ]


@pytest.mark.parametrize("name, quoted", [(("sch.tbl",), '"sch.tbl"'), ('we"ird', '"we""ird"'),
                                          (('"a.b"',), '"""a.b"""'), ("Mixed", '"Mixed"')])
def test_every_statement_reads_a_name_like_create_table(ddl, name, quoted):
    for expr in _statements(ddl.d, name):
        sql = ddl.sql(expr)
        assert quoted in sql, (type(expr).__name__, sql)
        assert '"sch"."tbl"' not in sql and '"a"."b"' not in sql


def test_dotted_table_name_round_trip_on_the_server(ddl):
    ddl.run(_table(ddl, "a.b"))  # the core creates the table "a.b" ...
    dotted = ("a.b",)  # ... and every statement finds it, named as a 1-tuple (a dotted str is refused)
    ddl.run(CreateIndexExpression(ddl.d, "ix_ab", dotted, ["x"]))
    ddl.run(AlterTableExpression(ddl.d, dotted, [RowLevelSecurityAction(ddl.d, "ENABLE")]))
    ddl.run(CommentOnExpression(ddl.d, "TABLE", dotted, "dotted"))
    ddl.run(CommentOnExpression(ddl.d, "COLUMN", '"a.b".x', "col"))
    ddl.run(TruncateExpression(ddl.d, dotted))
    assert ddl.value("SELECT obj_description(%s::regclass, 'pg_class')", ('"a.b"',)) == "dotted"
    assert ddl.value("SELECT col_description(%s::regclass, 1)", ('"a.b"',)) == "col"
    ddl.run(DropTableExpression(ddl.d, "a.b"))


def test_schema_qualified_names_are_explicit(ddl):
    qualified = TableExpression(ddl.d, "t", schema_name=ddl.schema)
    ddl.run("SET search_path TO public")  # only the explicit schema can find the table
    try:
        ddl.run(CreateTableExpression(ddl.d, qualified, [ColumnDefinition("x", IntegerType())]))
        sql = ddl.run(CreateIndexExpression(ddl.d, "ix_t", qualified, ["x"]))
        assert f'ON "{ddl.schema}"."t"' in sql
        ddl.run(TruncateExpression(ddl.d, [(ddl.schema, "t")]))
        ddl.run(CommentOnExpression(ddl.d, "TABLE", (ddl.schema, "t"), "q"))
        ddl.run(CommentOnExpression(ddl.d, "COLUMN", f"{ddl.schema}.t.x", "qc"))
        ddl.run(DropIndexExpression(ddl.d, (ddl.schema, "ix_t")))
        ddl.run(DropTableExpression(ddl.d, qualified))
    finally:
        ddl.run(f'SET search_path TO "{ddl.schema}", public')


@pytest.mark.parametrize("bad", ['we"ird.x', '"unbalanced.x', '"a"b.x', 'a..b', '"a".'])
def test_stray_quote_in_a_path_is_refused(ddl, bad):
    with pytest.raises(ValueError):
        ddl.sql(CommentOnExpression(ddl.d, "COLUMN", bad, "c"))
    with pytest.raises(ValueError):
        ddl.d.format_set_constraints([bad], True)


def test_paths_keep_their_documented_reading(ddl):
    d = ddl.d
    assert ddl.sql(CommentOnExpression(d, "COLUMN", '"we""ird".x', "c")) == \
        'COMMENT ON COLUMN "we""ird"."x" IS \'c\''
    assert ddl.sql(CreateSequenceExpression(d, "s", owned_by="t.id")) == 'CREATE SEQUENCE "s" OWNED BY "t"."id"'
    assert d.format_set_constraints(["s.fk", '"a.b"'], True) == 'SET CONSTRAINTS "s"."fk", "a.b" DEFERRED'
    with pytest.raises(ValueError):
        ddl.sql(TruncateExpression(d, ""))


# ------------------------------------------------------------------ 2. collations
def test_collation_with_a_dot_is_one_identifier(ddl):
    ddl.run('CREATE COLLATION "my.coll" FROM "C"')  # a libc-style dotted name, in the test schema
    sql = ddl.run(CreateTableExpression(ddl.d, "c_t", [ColumnDefinition("v", TextType(),
                                                                          dialect_options={"collation": "my.coll"})]))
    assert 'COLLATE "my.coll"' in sql
    sql = ddl.run(CreateIndexExpression(ddl.d, "c_ix", "c_t", [IndexElement(ddl.d, "v", collation="my.coll")]))
    assert '("v" COLLATE "my.coll")' in sql
    assert 'COLLATE "my.coll"' in ddl.run(CreateDomainExpression(ddl.d, "c_d", TextType(), collation="my.coll"))
    assert ddl.value("SELECT collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation "
                     "WHERE attrelid = 'c_t'::regclass AND attname = 'v'") == "my.coll"


def test_schema_qualified_collation_as_quoted_text_or_tuple(ddl):
    ddl.run(CreateTableExpression(ddl.d, "c_q", [
        ColumnDefinition("a", TextType(), dialect_options={"collation": '"pg_catalog"."C"'}),
        ColumnDefinition("b", TextType(), dialect_options={"collation": ("pg_catalog", "C")}),
        ColumnDefinition("c", TextType(), dialect_options={"collation": '"C"'})]))
    assert ddl.value("SELECT count(*) FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation "
                     "WHERE attrelid = 'c_q'::regclass AND collname = 'C'") == 3
    for bad in ('"C', '"pg_catalog".C', '"C"x'):
        with pytest.raises(ValueError):
            ddl.sql(CreateDomainExpression(ddl.d, "c_bad", TextType(), collation=bad))


# ------------------------------------------------------------------ 3. trigger events
_FUNCTION = ("CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS "
             "$$ BEGIN NEW.n := coalesce(NEW.n, 0) + 1; RETURN NEW; END $$")


def _trigger(ddl, events, columns):
    return CreateTriggerExpression(ddl.d, "t_bump", "t", TriggerTiming.BEFORE, events, "bump",
                                   level=TriggerLevel.ROW, update_columns=columns)


def test_update_columns_keep_the_other_events(ddl):
    ddl.run("CREATE TABLE t (id int, v int, w int, n int)")
    ddl.run(_FUNCTION)
    sql = ddl.run(_trigger(ddl, [TriggerEvent.INSERT, TriggerEvent.UPDATE], ["v"]))
    assert ' BEFORE INSERT OR UPDATE OF "v" ON "t" ' in sql
    ddl.run("INSERT INTO t (id, v, w) VALUES (1, 1, 1)")  # INSERT fires (before: it was lost)
    ddl.run("UPDATE t SET w = 2")  # not a listed column: no fire
    ddl.run("UPDATE t SET v = 2")
    assert ddl.value("SELECT n FROM t") == 2
    assert ' UPDATE OF "v", "w" OR DELETE ON ' in ddl.sql(_trigger(ddl, [TriggerEvent.UPDATE, TriggerEvent.DELETE],
                                                                     ["v", "w"]))


def test_update_columns_without_update_event_is_an_error(ddl):
    with pytest.raises(ValueError, match="UPDATE event"):
        ddl.sql(_trigger(ddl, [TriggerEvent.DELETE], ["v"]))  # before: silently an UPDATE trigger


# ------------------------------------------------------------------ 4. partition bounds
def _parent(ddl, name, type_sql, strategy=PartitionStrategy.RANGE):
    ddl.run(CreateTableExpression(ddl.d, name, [ColumnDefinition("k", CustomType(type_sql))],
                                  partition=PartitionClause(ddl.d, strategy, [Column(ddl.d, "k")])))


def test_string_maxvalue_is_a_literal_and_the_sentinel_the_keyword(ddl):
    _parent(ddl, "w", "text")
    sql = ddl.run(CreatePartitionExpression(ddl.d, "w_a", "w", PartitionBound.range(ddl.d, "A", "MAXVALUE")))
    assert sql.endswith("FOR VALUES FROM ('A') TO ('MAXVALUE')")
    ddl.run("INSERT INTO w VALUES ('LOW')")
    with pytest.raises(Exception, match="no partition"):
        ddl.run("INSERT INTO w VALUES ('zzz')")  # above the text 'MAXVALUE': not in w_a
    sql = ddl.run(CreatePartitionExpression(ddl.d, "w_z", "w", PartitionBound.range(
        ddl.d, "MAXVALUE", PartitionBound.MAXVALUE)))
    assert sql.endswith("FROM ('MAXVALUE') TO (MAXVALUE)")
    ddl.run("INSERT INTO w VALUES ('zzz')")
    with pytest.raises(ValueError):
        ddl.sql(CreatePartitionExpression(ddl.d, "w_l", "w", PartitionBound.list(ddl.d, [PartitionBound.MINVALUE])))


def test_float_infinity_and_nan_bounds(ddl):
    _parent(ddl, "f", "float8")
    sql = ddl.run(CreatePartitionExpression(ddl.d, "f_neg", "f", PartitionBound.range(ddl.d, -math.inf, 0.0)))
    assert "FROM ('-Infinity') TO (0.0)" in sql
    sql = ddl.run(CreatePartitionExpression(ddl.d, "f_pos", "f", PartitionBound.range(ddl.d, 0.0, math.inf)))
    assert "TO ('Infinity')" in sql
    assert "TO ('NaN')" in ddl.run(CreatePartitionExpression(ddl.d, "f_inf", "f", PartitionBound.range(
        ddl.d, math.inf, math.nan)))
    ddl.run("INSERT INTO f VALUES ('-1e300'), (1e300), ('Infinity')")
    parts = [r["p"] for r in ddl.rows("SELECT tableoid::regclass::text AS p FROM f ORDER BY k")]
    assert parts == ["f_neg", "f_pos", "f_inf"]


def test_decimal_infinity_bound(ddl):
    _parent(ddl, "nm", "numeric")
    if ddl.major < 14:  # numeric has Infinity since 14: the server's own error, about the literal
        with pytest.raises(Exception, match="Infinity"):
            ddl.run(CreatePartitionExpression(ddl.d, "nm_1", "nm", PartitionBound.range(
                ddl.d, Decimal("1.5"), Decimal("Infinity"))))
        return
    sql = ddl.run(CreatePartitionExpression(ddl.d, "nm_1", "nm", PartitionBound.range(
        ddl.d, Decimal("-Infinity"), Decimal("Infinity"))))
    assert "FROM ('-Infinity') TO ('Infinity')" in sql
    with pytest.raises(ValueError):
        ddl.sql(CreatePartitionExpression(ddl.d, "nm_2", "nm", PartitionBound.range(ddl.d, 0, Decimal("sNaN"))))


def test_bytes_bound_is_a_bytea_literal(ddl):
    _parent(ddl, "by", "bytea", PartitionStrategy.LIST)
    sql = ddl.run(CreatePartitionExpression(ddl.d, "by_1", "by", PartitionBound.list(ddl.d, [b"\x01\xff", b"'\\"])))
    assert sql.endswith("FOR VALUES IN (E'\\\\x01ff', E'\\\\x275c')")
    ddl.run("INSERT INTO by VALUES ('\\x01ff'::bytea), ('\\x275c'::bytea)")
    assert ddl.value("SELECT count(*) FROM by_1") == 2


# ------------------------------------------------------------------ 5. numeric typmod
def _numeric_typmod(precision: int, scale: int) -> int:
    return ((precision << 16) | (scale & 0x7FF)) + 4  # numeric.c make_numeric_typmod


@pytest.mark.parametrize("precision, scale", [(5, -2), (10, 2), (1000, 1000), (3, 5), (5, -1000)])
def test_typmod_scale_is_signed_11_bits(precision, scale):
    details = _typmod_details("numeric", _numeric_typmod(precision, scale))
    assert (details["numeric_precision"], details["numeric_scale"]) == (precision, scale)


async def _wait(value):
    return await value if inspect.isawaitable(value) else value


@pytest_asyncio.fixture(params=["sync", "async"])
async def any_backend(request, pg_database):
    cls = PostgresBackend if request.param == "sync" else AsyncPostgresBackend
    instance = cls(PostgresConnectionConfig(**pg_database.conn_kwargs()), logging_config=QUIET)
    await _wait(instance.connect())
    await _wait(instance.introspect_and_adapt())
    yield instance
    await _wait(instance.execute("DROP TABLE IF EXISTS rv_numeric"))
    await _wait(instance.disconnect())


@pytest.mark.asyncio
async def test_negative_numeric_scale_is_introspected(any_backend):
    if any_backend.dialect.version[0] < 15:
        pytest.skip("negative numeric scale needs PostgreSQL 15")
    await _wait(any_backend.execute("CREATE TABLE rv_numeric (a numeric(5,-2), b numeric(4,6), c numeric(10,2))"))
    columns = {c.name: c for c in await _wait(any_backend.introspector.list_columns("rv_numeric"))}
    assert [(columns[n].numeric_precision, columns[n].numeric_scale) for n in "abc"] == [(5, -2), (4, 6), (10, 2)]
