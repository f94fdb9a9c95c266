"""EXPLAIN through the core's interface, parsed into PostgresExplainResult."""

from __future__ import annotations

import pytest
import pytest_asyncio
from rhosocial.activerecord.backend.explain import AsyncExplainBackendProtocol, SyncExplainBackendProtocol
from rhosocial.activerecord.backend.expression.operators import RawSQLExpression
from rhosocial.activerecord.backend.expression.statements import ExplainFormat, ExplainOptions
from rhosocial.activerecord.backend.impl.postgres.explain import PlanNode, PostgresExplainResult

from .conftest import major, run_all, wait

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def filled(backend, schema):
    await run_all(backend, f"""
        CREATE TABLE {schema}.p (id int PRIMARY KEY, v int);
        CREATE TABLE {schema}.c (id int PRIMARY KEY, p_id int REFERENCES {schema}.p, w text);
        INSERT INTO {schema}.p SELECT g, g % 10 FROM generate_series(1, 1000) g;
        INSERT INTO {schema}.c SELECT g, 1 + g % 1000, 'x' FROM generate_series(1, 3000) g;
        ANALYZE {schema}.p;
        ANALYZE {schema}.c
    """)
    return schema


async def test_protocol_and_plain_plan(backend, filled):
    protocol = AsyncExplainBackendProtocol if type(backend).__name__.startswith("Async") else SyncExplainBackendProtocol
    assert isinstance(backend, protocol)
    statement = RawSQLExpression(backend.dialect, f"SELECT * FROM {filled}.p WHERE id = %s", (5,))
    result = await wait(backend.explain(statement))
    assert isinstance(result, PostgresExplainResult) and result.format == "JSON"
    assert result.sql.startswith("EXPLAIN (FORMAT JSON)")
    assert result.plan.node_type in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan")
    assert result.uses_index("p_pkey")
    assert result.plan.total_cost > 0 and result.estimated_rows == 1
    assert not result.analyzed and result.execution_time is None and result.plan.actual_rows is None


async def test_analyze_buffers_timing(backend, filled):
    options = ExplainOptions(analyze=True, buffers=True, timing=True)
    statement = RawSQLExpression(
        backend.dialect, f"SELECT p.v, count(*) FROM {filled}.p p JOIN {filled}.c c ON c.p_id = p.id GROUP BY p.v")
    result = await wait(backend.explain(statement, options))
    assert result.analyzed and result.execution_time > 0 and result.planning_time is not None
    assert result.actual_rows == 10
    nodes = result.nodes()
    assert len(nodes) >= 3 and all(isinstance(n, PlanNode) for n in nodes)
    scans = [n for n in nodes if n.relation_name in ("p", "c")]
    assert {n.relation_name for n in scans} == {"p", "c"}
    assert {n.actual_total_rows for n in scans if n.node_type == "Seq Scan"} <= {1000, 3000}
    assert all(n.actual_total_time is not None for n in nodes)
    assert any((n.shared_hit_blocks or 0) + (n.shared_read_blocks or 0) > 0 for n in nodes)
    text = result.to_text()
    assert "Execution Time" in text and "->" in text
    dumped = result.model_dump()
    assert dumped["plan"]["children"]


async def test_explain_sql_and_text_format(backend, filled):
    result = await wait(backend.explain_sql(f"SELECT * FROM {filled}.c WHERE w = %s", ("x",), analyze=True))
    assert result.plan.node_type == "Seq Scan" and result.plan.filter is not None
    assert result.plan.rows_removed_by_filter == 0 and result.actual_rows == 3000
    assert result.plan.actual_total_time is not None  # explain_sql turns timing on with analyze
    text = await wait(backend.explain(RawSQLExpression(backend.dialect, f"SELECT 1 FROM {filled}.p"),
                                      ExplainOptions(format=ExplainFormat.TEXT)))
    assert text.format == "TEXT" and text.plan is None and text.lines[0].startswith("Seq Scan on p")


async def test_analyze_of_dml_rolled_back(backend, filled):
    await wait(backend.transaction_manager.begin())
    result = await wait(backend.explain_sql(f"DELETE FROM {filled}.c WHERE id <= 10", analyze=True))
    await wait(backend.transaction_manager.rollback())
    assert (result.plan.node_type, result.plan.operation) == ("ModifyTable", "Delete")
    row = await wait(backend.fetch_one(f"SELECT count(*) AS n FROM {filled}.c"))
    assert row["n"] == 3000


async def test_settings_option_gated(backend, filled):
    statement = RawSQLExpression(backend.dialect, f"SELECT * FROM {filled}.p")
    if major(backend) >= 12:
        await wait(backend.execute("SET work_mem = '8MB'"))
        result = await wait(backend.explain(statement, ExplainOptions(settings=True)))
        assert result.settings.get("work_mem") == "8MB"
        await wait(backend.execute("RESET work_mem"))
    else:
        from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError

        with pytest.raises(UnsupportedFeatureError):
            await wait(backend.explain(statement, ExplainOptions(settings=True)))
