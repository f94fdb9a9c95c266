"""A million-row result streams in flat memory (a memory bound, not a timing)."""

from __future__ import annotations

import tracemalloc

import pytest
from rhosocial.activerecord.backend.expression import RawSQLExpression

from .helpers import raw

# ~1 minute each under tracemalloc: run on the default server, left out of the version matrix
pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

MILLION = "SELECT g AS id, md5(g::text) AS payload, g * 2 AS twice FROM generate_series(1, 1000000) g"
LIMIT = 50 * 1024 * 1024


async def _consume(iterable, per_item):
    iterable = getattr(iterable, "value", iterable)
    count = 0
    if hasattr(iterable, "__aiter__"):
        async for item in iterable:
            count += per_item(item)
    else:
        for item in iterable:
            count += per_item(item)
    return count


async def test_stream_a_million_rows_in_flat_memory(db):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        count = await _consume(db.stream(MILLION, batch_size=2000), lambda row: 1)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert count == 1_000_000
    assert peak < LIMIT, f"peak Python allocation grew by {peak / 2**20:.1f} MiB"


async def test_execute_batch_dql_a_million_rows_in_flat_memory(db):
    expression = RawSQLExpression(raw(db).dialect, MILLION)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        count = await _consume(db.execute_batch_dql(expression, page_size=5000), lambda page: page.page_size)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert count == 1_000_000
    assert peak < LIMIT, f"peak Python allocation grew by {peak / 2**20:.1f} MiB"
