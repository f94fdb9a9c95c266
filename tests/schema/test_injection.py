"""explain_sql and LISTEN/NOTIFY take one statement / one exact channel (third review, injection)."""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.options import ExecutionOptions
from rhosocial.activerecord.backend.schema import StatementType

from .conftest import wait
from .test_notify import collect, enter, leave

pytestmark = pytest.mark.asyncio
DQL = ExecutionOptions(stmt_type=StatementType.DQL)


async def count(backend, table: str) -> int:
    return (await wait(backend.execute(f"SELECT count(*) AS c FROM {table}", options=DQL))).data[0]["c"]


async def test_explain_sql_refuses_a_second_statement(backend, schema):
    """Without parameters the text went out with the simple query protocol: a plain EXPLAIN
    (no ANALYZE) of "SELECT ...; DELETE ..." ran the DELETE."""
    table = f"{schema}.ex_t"
    await wait(backend.execute(f"CREATE TABLE {table} (x int)"))
    await wait(backend.execute(f"INSERT INTO {table} VALUES (1), (2)"))
    for sql in (f"SELECT * FROM {table}; DELETE FROM {table}",
                f"SELECT * FROM {table} WHERE x <> 0 /* ; */; DELETE FROM {table}",
                # with standard_conforming_strings off, 'x\'' is one literal and the ; is code
                f"SELECT 'x\\'' FROM {table}; DELETE FROM {table} --'"):
        with pytest.raises(ValueError, match="one statement"):
            await wait(backend.explain_sql(sql))
        assert await count(backend, table) == 2, sql
    result = await wait(backend.explain_sql(f"SELECT * FROM {table} WHERE x = 1;  -- one statement"))
    assert result.plan.node_type == "Seq Scan"


async def test_channel_with_nul_is_refused(backend):
    """libpq ends the statement at the NUL: listen("x\\0y") listened on "x"."""
    with pytest.raises(ValueError, match="NUL"):
        backend.listen("x\x00y")
    with pytest.raises(ValueError, match="NUL"):
        await wait(backend.notify("x\x00y", "p"))
    listener = await enter(backend.listen("inj_ok"))
    try:
        with pytest.raises(ValueError, match="NUL"):
            await wait(listener.unlisten("inj_ok\x00"))
        assert listener.channels == ("inj_ok",)
    finally:
        await leave(listener)


async def test_channel_named_like_the_handoff_marker_is_delivered(backend):
    """Channels starting with "rhosocial_handoff_" were dropped: only the marker in use is."""
    channel = "rhosocial_handoff_jobs"
    listener = await enter(backend.listen(channel))
    try:
        await wait(backend.notify(channel, "job 1"))
        notes = await collect(listener, 1, timeout=3.0)
        assert [(n.channel, n.payload) for n in notes] == [(channel, "job 1")]
        await wait(listener.reconnect())  # the hand-off still drops its own marker only
        await wait(backend.notify(channel, "job 2"))
        notes = await collect(listener, 1, timeout=3.0)
        assert [(n.channel, n.payload) for n in notes] == [(channel, "job 2")]
        assert await wait(listener.get(timeout=0.3)) is None
    finally:
        await leave(listener)
