"""No per-statement waste: round trips counted with a libpq protocol trace; no log text when off."""

from __future__ import annotations

import logging
from typing import Optional
from unittest import mock

import pytest
from rhosocial.activerecord.model import ActiveRecord, AsyncActiveRecord

from tests.backend.conftest import DQL

from .helpers import QUIET, is_async, libpq_trace, maybe, raw

pytestmark = pytest.mark.asyncio


def model_for(db, table):
    base = AsyncActiveRecord if is_async(db) else ActiveRecord
    cls = type(f"M_{table}", (base,), {
        "__table_name__": table,
        "__annotations__": {"id": Optional[int], "name": str},
        "id": None,
        "__module__": __name__,
        "__logging_config__": QUIET,
    })
    cls.__backend__ = raw(db)
    return cls


async def test_save_outside_a_transaction_is_one_statement(db, table):
    await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, name text)')
    Model = model_for(db, table)
    await maybe(Model(name="warm").save())
    record = Model(name="a")
    with libpq_trace(raw(db)._connection) as trace:
        await maybe(record.save())
    assert trace.round_trips == 1, trace.lines
    assert len(trace.statements) == 1 and "INSERT INTO" in trace.statements[0], trace.statements
    assert not any("BEGIN" in s or "COMMIT" in s for s in trace.statements)
    assert record.id is not None
    record.name = "b"
    with libpq_trace(raw(db)._connection) as trace:
        await maybe(record.save())
    assert trace.round_trips == 1


async def test_save_inside_a_transaction_is_one_round_trip_per_save(db, table):
    await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, name text)')
    Model = model_for(db, table)
    with libpq_trace(raw(db)._connection) as trace:
        async with db.transaction_manager.transaction():
            for i in range(3):
                await maybe(Model(name=f"n{i}").save())
    assert trace.round_trips == 5  # BEGIN, 3 x INSERT ... RETURNING, COMMIT
    statements = trace.statements
    assert len(statements) == 5, statements
    assert statements[0].strip('"').startswith("BEGIN") and statements[-1] == '"COMMIT"', statements
    assert all("INSERT INTO" in s and "RETURNING" in s for s in statements[1:-1]), statements


async def test_fetch_one_is_one_round_trip(db):
    await db.execute("SELECT 1", options=DQL)
    with libpq_trace(raw(db)._connection) as trace:
        row = await db.fetch_one("SELECT %s::int AS x", (5,))
    assert row == {"x": 5}
    assert trace.round_trips == 1


async def test_pooled_borrow_sends_no_check(backend_factory):
    db = await backend_factory(pool_min_size=1, pool_max_size=1)
    await db.execute("SELECT 1", options=DQL)
    pool = raw(db)._pool
    connection = await maybe(pool.getconn())
    await maybe(pool.putconn(connection))
    with libpq_trace(connection) as trace:
        for _ in range(3):
            assert (await db.execute("SELECT 2 AS two", options=DQL)).data == [{"two": 2}]
    assert trace.round_trips == 3
    assert all("SELECT 2" in s for s in trace.statements)  # no validation query on borrow


async def test_adapter_table_is_built_once(db):
    backend = raw(db)
    first = backend.get_default_adapter_suggestions()
    for _ in range(3):
        await db.execute("SELECT %s::jsonb AS j", ({"a": 1},), options=DQL)
    assert backend.get_default_adapter_suggestions() is first


async def test_no_log_text_when_the_level_is_off(db, table):
    backend = raw(db)
    records = []

    class Counter(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Counter(level=logging.DEBUG)
    backend.logger.addHandler(handler)
    old_level = backend.logger.level
    backend.logger.setLevel(logging.WARNING)
    try:
        await db.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, name text)')
        Model = model_for(db, table)
        with mock.patch.object(type(backend), "summarize_log_data", side_effect=AssertionError("built")) as summarize:
            await maybe(Model(name="a").save())
            await db.fetch_all(f'SELECT * FROM "{table}" WHERE id > %s', (0,))
            await db.execute_many(f'INSERT INTO "{table}" (name) VALUES (%s)', [("x",), ("y",)])
            await db.copy_records(table, [("z",)], columns=["name"])
        assert summarize.call_count == 0
        assert records == []
        backend.logger.setLevel(logging.DEBUG)
        await db.fetch_all(f'SELECT * FROM "{table}"')
        assert records, "DEBUG level logs statements"
    finally:
        backend.logger.removeHandler(handler)
        backend.logger.setLevel(old_level)
