"""EXPLAIN options: each field of the core's ExplainOptions is sent or refused, never dropped,
and combinations the server refuses are refused before sending (each failed before its fix).

Run on several majors (``--pg-provider local --pg-major 10|12|...``): BUFFERS without
ANALYZE is an error before 13, SUMMARY exists from 10, GENERIC_PLAN from 16,
SERIALIZE / MEMORY from 17, and ANALYZE shows buffers by default from 18.
"""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.dialect.exceptions import UnsupportedFeatureError
from rhosocial.activerecord.backend.expression.statements import ExplainOptions, ExplainType

from .conftest import major, wait

pytestmark = pytest.mark.asyncio


async def test_buffers_without_analyze_checked_before_sending(backend):
    if major(backend) < 13:
        # Refused client-side like WAL, not a server DataError.
        with pytest.raises(ValueError, match="BUFFERS requires ANALYZE"):
            await wait(backend.explain_sql("SELECT 1", buffers=True))
        with pytest.raises(ValueError, match="BUFFERS requires ANALYZE"):
            await wait(backend.explain_sql("SELECT 1", options=ExplainOptions(buffers=True)))
    else:
        result = await wait(backend.explain_sql("SELECT 1", buffers=True))
        assert result.sql.startswith("EXPLAIN (BUFFERS, FORMAT JSON)") and not result.analyzed
    result = await wait(backend.explain_sql("SELECT 1", analyze=True, buffers=True))
    assert "BUFFERS" in result.sql and result.analyzed


async def test_buffers_default_leaves_the_server_its_default(backend):
    """buffers=False is the options' default, not a request: nothing is sent (PostgreSQL 18
    shows buffers with ANALYZE by default and keeps doing so)."""
    result = await wait(backend.explain_sql("SELECT 1", analyze=True))
    assert "BUFFERS" not in result.sql


async def test_summary_false_is_sent(backend):
    result = await wait(backend.explain_sql("SELECT 1", options=ExplainOptions(analyze=True, summary=False)))
    assert "SUMMARY OFF" in result.sql
    assert result.execution_time is None and result.planning_time is None and result.analyzed
    # summary on request without ANALYZE: planning time, which plain EXPLAIN leaves out
    result = await wait(backend.explain_sql("SELECT 1", summary=True))
    assert "SUMMARY" in result.sql and result.planning_time is not None


async def test_generic_plan_sent_or_refused(backend):
    options = ExplainOptions(dialect_options={"generic_plan": True})
    if major(backend) >= 16:
        result = await wait(backend.explain_sql("SELECT $1::int + 1", options=options))
        assert "GENERIC_PLAN" in result.sql and result.plan is not None
        result = await wait(backend.explain_sql("SELECT $1::int", generic_plan=True))
        assert "GENERIC_PLAN" in result.sql
        with pytest.raises(ValueError, match="ANALYZE and GENERIC_PLAN cannot be used together"):
            await wait(backend.explain_sql("SELECT $1::int", analyze=True, generic_plan=True))
    else:
        with pytest.raises(UnsupportedFeatureError, match="GENERIC_PLAN"):
            await wait(backend.explain_sql("SELECT $1::int", options=options))


async def test_serialize_and_memory_sent_or_refused(backend):
    if major(backend) >= 17:
        result = await wait(backend.explain_sql("SELECT 1", analyze=True, serialize="text", memory=True))
        assert "SERIALIZE TEXT" in result.sql and "MEMORY" in result.sql and result.analyzed
        with pytest.raises(ValueError, match="SERIALIZE requires ANALYZE"):
            await wait(backend.explain_sql("SELECT 1", serialize=True))
        with pytest.raises(ValueError, match="SERIALIZE takes"):
            await wait(backend.explain_sql("SELECT 1", analyze=True, serialize="zip"))
    else:
        with pytest.raises(UnsupportedFeatureError):
            await wait(backend.explain_sql("SELECT 1", analyze=True, serialize=True))
        with pytest.raises(UnsupportedFeatureError):
            await wait(backend.explain_sql("SELECT 1", memory=True))


async def test_unknown_options_refused(backend):
    with pytest.raises(ValueError, match="unknown EXPLAIN dialect option"):
        await wait(backend.explain_sql("SELECT 1", options=ExplainOptions(dialect_options={"genric_plan": True})))
    with pytest.raises(ValueError, match="unknown EXPLAIN dialect option"):
        await wait(backend.explain_sql("SELECT 1", genric_plan=True))  # a typo is not ignored
    with pytest.raises(ValueError, match="takes True or False"):
        await wait(backend.explain_sql("SELECT 1", options=ExplainOptions(dialect_options={"memory": "yes"})))
    with pytest.raises(ValueError, match="TIMING requires ANALYZE"):
        await wait(backend.explain_sql("SELECT 1", timing=True))
    for kind in (ExplainType.PROFILE, ExplainType.FORMAT):
        with pytest.raises(UnsupportedFeatureError):
            await wait(backend.explain_sql("SELECT 1", options=ExplainOptions(type=kind)))
    with pytest.raises(UnsupportedFeatureError):
        await wait(backend.explain_sql("SELECT 1", options=ExplainOptions(analyze=True, analyze_format=True)))


async def test_type_and_format_name_are_read(backend):
    result = await wait(backend.explain_sql("SELECT 1", options=ExplainOptions(type=ExplainType.ANALYZE)))
    assert result.sql.startswith("EXPLAIN (ANALYZE") and result.analyzed
    result = await wait(backend.explain_sql("SELECT 1", options=ExplainOptions(type=ExplainType.QUERY_PLAN)))
    assert result.sql.startswith("EXPLAIN (FORMAT JSON)") and result.plan is not None
    result = await wait(backend.explain_sql("SELECT 1", options=ExplainOptions(format_name="yaml")))
    assert "FORMAT YAML" in result.sql and result.format == "YAML" and result.lines
    with pytest.raises(ValueError, match="disagree"):
        from rhosocial.activerecord.backend.expression.statements import ExplainFormat

        await wait(backend.explain_sql("SELECT 1", options=ExplainOptions(format=ExplainFormat.XML,
                                                                          format_name="yaml")))
