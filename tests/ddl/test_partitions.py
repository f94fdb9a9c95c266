"""Declarative partitioning: RANGE / LIST, HASH (11+), DEFAULT (11+), sub-partitions,
ATTACH, DETACH [CONCURRENTLY (14+)] -- run on the real server, rows routed as expected."""

from __future__ import annotations

import datetime as dt

import pytest
from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError
from rhosocial.activerecord.backend.expression import Column, FunctionCall
from rhosocial.activerecord.backend.expression.statements import (
    ColumnDefinition,
    CreateTableExpression,
    PartitionClause,
    PartitionStrategy,
)
from rhosocial.activerecord.backend.expression.types import DateType, IntegerType, TextType
from rhosocial.activerecord.backend.impl.postgres.expressions import (
    AttachPartitionExpression,
    CreatePartitionExpression,
    DetachPartitionExpression,
    PartitionBound,
)


def _parent(ddl, strategy, *keys, name="m"):
    return CreateTableExpression(ddl.d, name, [
        ColumnDefinition("id", IntegerType()), ColumnDefinition("at", DateType()), ColumnDefinition("code", TextType())],
        partition=PartitionClause(ddl.d, strategy, [k if not isinstance(k, str) else Column(ddl.d, k) for k in keys]))


def _where(ddl, table):
    return ddl.rows(f"SELECT tableoid::regclass::text AS part, id FROM {table} ORDER BY id")


def test_range_partitions_with_dates_and_maxvalue(ddl):
    sql = ddl.run(_parent(ddl, PartitionStrategy.RANGE, "at"))
    assert sql.endswith('PARTITION BY RANGE ("at")')
    sql = ddl.run(CreatePartitionExpression(ddl.d, "m_2024", "m", PartitionBound.range(
        ddl.d, dt.date(2024, 1, 1), dt.date(2025, 1, 1))))
    assert sql == """CREATE TABLE "m_2024" PARTITION OF "m" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"""
    ddl.run(CreatePartitionExpression(ddl.d, "m_rest", "m", PartitionBound.range(
        ddl.d, dt.date(2025, 1, 1), PartitionBound.MAXVALUE)))
    ddl.run("INSERT INTO m VALUES (1, '2024-06-01', 'a'), (2, '2030-01-01', 'b')")
    assert [r["part"] for r in _where(ddl, "m")] == ["m_2024", "m_rest"]


def test_list_partitions_with_expression_key_and_subpartitions(ddl):
    lower = FunctionCall(ddl.d, "lower", Column(ddl.d, "code"))
    assert 'PARTITION BY LIST ((LOWER("code")))' in ddl.run(_parent(ddl, PartitionStrategy.LIST, lower))
    sub = PartitionClause(ddl.d, PartitionStrategy.RANGE, [Column(ddl.d, "id")])
    sql = ddl.run(CreatePartitionExpression(ddl.d, "m_ab", "m", PartitionBound.list(ddl.d, ["a", "b"]),
                                            partition_by=sub))
    assert sql == """CREATE TABLE "m_ab" PARTITION OF "m" FOR VALUES IN ('a', 'b') PARTITION BY RANGE ("id")"""
    ddl.run(CreatePartitionExpression(ddl.d, "m_ab_low", "m_ab", PartitionBound.range(ddl.d, [PartitionBound.MINVALUE], [100])))
    ddl.run(CreatePartitionExpression(ddl.d, "m_ab_high", "m_ab", PartitionBound.range(ddl.d, 100, PartitionBound.MAXVALUE)))
    ddl.run("INSERT INTO m VALUES (1, NULL, 'A'), (500, NULL, 'b')")
    assert [r["part"] for r in _where(ddl, "m")] == ["m_ab_low", "m_ab_high"]


def test_hash_partitions_are_gated_at_11(ddl):
    parent = _parent(ddl, PartitionStrategy.HASH, "id")
    part = CreatePartitionExpression(ddl.d, "m_h0", "m", PartitionBound.hash(ddl.d, 2, 0))
    if ddl.major < 11:
        for expr in (parent, part):
            with pytest.raises(UnsupportedFeatureError):
                expr.to_sql()
        return
    assert ddl.run(parent).endswith('PARTITION BY HASH ("id")')
    assert ddl.run(part).endswith("FOR VALUES WITH (MODULUS 2, REMAINDER 0)")
    ddl.run(CreatePartitionExpression(ddl.d, "m_h1", "m", PartitionBound.hash(ddl.d, 2, 1)))
    ddl.run("INSERT INTO m (id) SELECT g FROM generate_series(1, 20) g")
    assert {r["part"] for r in _where(ddl, "m")} == {"m_h0", "m_h1"}
    with pytest.raises(ValueError):
        PartitionBound.hash(ddl.d, 2, 2).to_sql()


def test_default_partition_is_gated_at_11(ddl):
    ddl.run(_parent(ddl, PartitionStrategy.LIST, "code"))
    expr = CreatePartitionExpression(ddl.d, "m_other", "m", PartitionBound.default(ddl.d))
    if ddl.major < 11:
        with pytest.raises(UnsupportedFeatureError):
            expr.to_sql()
        return
    assert ddl.run(expr) == 'CREATE TABLE "m_other" PARTITION OF "m" DEFAULT'
    ddl.run("INSERT INTO m (id, code) VALUES (1, 'zz')")
    assert _where(ddl, "m")[0]["part"] == "m_other"


def test_attach_and_detach(ddl):
    ddl.run(_parent(ddl, PartitionStrategy.RANGE, "id"))
    ddl.run("CREATE TABLE m_1 (id int, at date, code text)")
    sql = ddl.run(AttachPartitionExpression(ddl.d, "m", "m_1", PartitionBound.range(ddl.d, 0, 10)))
    assert sql == 'ALTER TABLE "m" ATTACH PARTITION "m_1" FOR VALUES FROM (0) TO (10)'
    ddl.run("INSERT INTO m (id) VALUES (5)")
    assert ddl.run(DetachPartitionExpression(ddl.d, "m", "m_1")) == 'ALTER TABLE "m" DETACH PARTITION "m_1"'
    assert ddl.value("SELECT count(*) FROM m") == 0 and ddl.value("SELECT count(*) FROM m_1") == 1


def test_detach_concurrently_is_gated_at_14(ddl):
    ddl.run(_parent(ddl, PartitionStrategy.RANGE, "id"))
    ddl.run(CreatePartitionExpression(ddl.d, "m_1", "m", PartitionBound.range(ddl.d, 0, 10)))
    expr = DetachPartitionExpression(ddl.d, (ddl.schema, "m"), (ddl.schema, "m_1"), concurrently=True)
    if ddl.major < 14:
        with pytest.raises(UnsupportedFeatureError):
            expr.to_sql()
        return
    assert ddl.run(expr).endswith('DETACH PARTITION "%s"."m_1" CONCURRENTLY' % ddl.schema)
    assert ddl.value("SELECT count(*) FROM pg_inherits WHERE inhparent = 'm'::regclass") == 0


def test_attach_has_no_concurrently_form():
    assert "concurrently" not in AttachPartitionExpression.__init__.__code__.co_varnames


def test_expression_bounds_are_gated_at_12(ddl):
    from rhosocial.activerecord.backend.expression import Literal

    ddl.run(_parent(ddl, PartitionStrategy.RANGE, "id"))
    expr = CreatePartitionExpression(ddl.d, "m_e", "m", PartitionBound.range(
        ddl.d, Literal(ddl.d, 1) + Literal(ddl.d, 1), 10))
    if ddl.major < 12:
        with pytest.raises(UnsupportedFeatureError):
            expr.to_sql()
        return
    assert ddl.run(expr).endswith("FOR VALUES FROM (1 + 1) TO (10)")
