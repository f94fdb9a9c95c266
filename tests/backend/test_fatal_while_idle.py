"""A FATAL error the server sends while the session is idle in a transaction
(idle_in_transaction_session_timeout) is found before the next statement is sent: libpq hands
it to the notice receiver, not to a result. The "lost inside a transaction" error must still
carry the server's reason and SQLSTATE, sync and async."""

from __future__ import annotations

import asyncio

import pytest
from rhosocial.activerecord.backend.errors import ConnectionError

from .conftest import DQL


@pytest.mark.asyncio
async def test_idle_in_transaction_timeout_says_why(backend_factory):
    db = await backend_factory(server_settings={"idle_in_transaction_session_timeout": "300ms"})
    tm = db.transaction_manager
    await tm.begin()
    await db.execute("SELECT 1", options=DQL)
    await asyncio.sleep(1.0)
    with pytest.raises(ConnectionError) as caught:
        await db.execute("SELECT 2", options=DQL)
    error = caught.value
    assert error.sqlstate == "25P03"
    assert "idle-in-transaction timeout" in str(error) and "SQLSTATE 25P03" in str(error)
    assert error.pg is not None and error.pg.sqlstate == "25P03"
    await tm.rollback()
    # the next transaction reconnects
    await tm.begin()
    assert (await db.execute("SELECT 3 AS v", options=DQL)).data == [{"v": 3}]
    await tm.commit()
