"""One idle cursor per connection (``cursor_reuse``): reused, yet never stale, shared or bloated."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal

import pytest
from psycopg.adapt import Dumper, Loader
from rhosocial.activerecord.backend.errors import DatabaseError
from rhosocial.activerecord.backend.impl.postgres import cursor_reuse

from tests.backend.conftest import DQL

from .helpers import is_async, raw

pytestmark = pytest.mark.asyncio


def _idle(db):
    return raw(db)._connection.__dict__.get(cursor_reuse._SLOT)


async def test_the_same_cursor_serves_consecutive_statements(db):
    assert cursor_reuse._REUSE_SAFE, "psycopg internals changed: cursor reuse is off"
    await db.execute("SELECT 1 AS a", options=DQL)
    first = _idle(db)
    assert first is not None
    await db.execute("SELECT 2 AS a", options=DQL)
    assert _idle(db) is first


async def test_adapters_registered_on_the_connection_afterwards_take_effect(db):
    """A user's loader or dumper registered on the live connection after statements ran
    must apply to the next statement, not be hidden by the cached cursor's adapters."""
    assert (await db.execute("SELECT 1.5::numeric AS n", options=DQL)).data == [{"n": Decimal("1.5")}]
    connection = raw(db)._connection

    class NumericAsText(Loader):
        def load(self, data):
            return "numeric:" + bytes(data).decode()

    connection.adapters.register_loader("numeric", NumericAsText)
    assert (await db.execute("SELECT 1.5::numeric AS n", options=DQL)).data == [{"n": "numeric:1.5"}]

    class Marker:
        pass

    class MarkerDumper(Dumper):
        oid = connection.adapters.types["text"].oid

        def dump(self, obj):
            return b"marked"

    connection.adapters.register_dumper(Marker, MarkerDumper)
    assert (await db.execute("SELECT %s AS m", (Marker(),), options=DQL)).data == [{"m": "marked"}]


async def test_the_idle_cursor_pins_neither_results_nor_parameters(db):
    """Kept between statements, the cursor must not hold the last result (libpq memory) or
    the last parameters (the dumped bytes): both could be arbitrarily large."""
    rows = (await db.execute("SELECT g, repeat('x', 1000) AS pad FROM generate_series(1, 5000) g",
                             options=DQL)).data
    assert len(rows) == 5000
    idle = _idle(db)
    assert idle is not None and idle.pgresult is None and idle._query is None
    blob = b"\x00" * (4 * 2**20)
    back = (await db.execute("SELECT length(%s::bytea) AS n", (blob,), options=DQL)).data
    assert back == [{"n": len(blob)}]
    idle = _idle(db)
    assert idle is not None and idle.pgresult is None and idle._query is None


async def test_a_failed_statement_does_not_leave_its_cursor_for_the_next(db):
    await db.execute("SELECT 1 AS a", options=DQL)
    with pytest.raises(DatabaseError):
        await db.execute("SELECT * FROM no_such_table_here", options=DQL)
    assert _idle(db) is None
    assert (await db.execute("SELECT 3 AS a", options=DQL)).data == [{"a": 3}]


async def test_concurrent_users_of_one_connection_never_share_a_cursor(db):
    """Threads (sync) or tasks (async) on one shared session each get their own rows.

    Also the regression test of the idle-connection probe, which used to read the socket
    while another thread's query was in flight (crossed results, or a hang)."""
    errors = []

    async def worker_async(k):
        for i in range(200):
            rows = (await db.execute("SELECT %s::int AS k, %s::int AS i", (k, i), options=DQL)).data
            if rows != [{"k": k, "i": i}]:
                errors.append((k, i, rows))

    if is_async(db):
        await asyncio.gather(*(worker_async(k) for k in range(8)))
    else:
        backend = raw(db)

        def worker_sync(k):
            for i in range(200):
                rows = backend.execute("SELECT %s::int AS k, %s::int AS i", (k, i), options=DQL).data
                if rows != [{"k": k, "i": i}]:
                    errors.append((k, i, rows))

        threads = [threading.Thread(target=worker_sync, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []

