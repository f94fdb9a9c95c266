"""LISTEN/NOTIFY: backend.notify() and backend.listen() on a dedicated connection."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from rhosocial.activerecord.backend.errors import ConnectionError
from rhosocial.activerecord.backend.impl.postgres.aio.notify import MAX_PAYLOAD_BYTES

from .conftest import wait

pytestmark = pytest.mark.asyncio


async def enter(listener):
    return await wait(listener.__aenter__() if hasattr(listener, "__aenter__") else listener.__enter__())


async def leave(listener):
    await wait(listener.__aexit__(None, None, None) if hasattr(listener, "__aexit__")
               else listener.__exit__(None, None, None))


async def collect(listener, count, timeout=5.0):
    notes = []
    deadline = time.monotonic() + timeout
    while len(notes) < count and time.monotonic() < deadline:
        note = await wait(listener.get(timeout=max(0.0, deadline - time.monotonic())))
        if note is not None:
            notes.append(note)
    return notes


async def test_round_trip_and_quoting(backend):
    channel = "Jobs Queue"  # mixed case and a space: must be quoted as an identifier
    listener = await enter(backend.listen(channel, "other"))
    try:
        assert listener.channels == (channel, "other")
        assert listener.pid != (await wait(backend.fetch_one("SELECT pg_backend_pid() AS pid")))["pid"]
        await wait(backend.notify(channel, "hello"))
        await wait(backend.notify("other"))
        await wait(backend.notify("jobs queue", "not ours"))  # a different channel
        notes = await collect(listener, 2)
        assert [(n.channel, n.payload) for n in notes] == [(channel, "hello"), ("other", "")]
        assert await wait(listener.get(timeout=0.2)) is None
    finally:
        await leave(listener)


async def test_payload_limit_reported_before_sending(backend):
    with pytest.raises(ValueError, match="at most 7999 bytes"):
        await wait(backend.notify("c", "é" * 4000))  # 8000 bytes in UTF-8
    with pytest.raises(ValueError):
        await wait(backend.notify("x" * 64, "too long a channel name"))
    with pytest.raises(TypeError):
        await wait(backend.notify("c", {"a": 1}))
    listener = await enter(backend.listen("c"))
    try:
        payload = "a" * (MAX_PAYLOAD_BYTES - 1)
        await wait(backend.notify("c", payload))
        (note,) = await collect(listener, 1)
        assert note.payload == payload
    finally:
        await leave(listener)


async def test_transactional_delivery(backend):
    listener = await enter(backend.listen("tx"))
    try:
        manager = backend.transaction_manager
        await wait(manager.begin())
        await wait(backend.notify("tx", "rolled back"))
        await wait(manager.rollback())
        await wait(manager.begin())
        await wait(backend.notify("tx", "committed"))
        assert await wait(listener.get(timeout=0.3)) is None  # not before COMMIT
        await wait(manager.commit())
        notes = await collect(listener, 2, timeout=1.0)
        assert [n.payload for n in notes] == ["committed"]
    finally:
        await leave(listener)


async def test_iteration_timeout_and_unlisten(backend):
    listener = backend.listen("a", "b", timeout=0.3)
    try:
        await wait(backend.notify("a", "1"))  # before connecting: not heard
        await wait(listener.connect())
        await wait(backend.notify("a", "2"))
        await wait(listener.unlisten("b"))
        await wait(backend.notify("b", "3"))
        await wait(listener.listen("c"))
        await wait(backend.notify("c", "4"))
        received = []
        if hasattr(listener, "__anext__"):
            async for note in listener:
                received.append(note.payload)
        else:
            for note in listener:
                received.append(note.payload)
        assert received == ["2", "4"]
    finally:
        await wait(listener.close())


def _sender(conninfo: str, channel: str, count: int, pause: float) -> threading.Thread:
    def send() -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for i in range(count):
                conn.execute("SELECT pg_notify(%s, %s)", (channel, str(i)))
                time.sleep(pause)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


async def test_reconnect_loses_and_repeats_nothing(backend):
    listener = await enter(backend.listen("rc"))
    try:
        for i in range(3):
            await wait(backend.notify("rc", f"before {i}"))
        old_pid = listener.pid
        await wait(listener.reconnect())
        assert listener.pid != old_pid
        for i in range(3):
            await wait(backend.notify("rc", f"after {i}"))
        notes = await collect(listener, 6)
        assert [n.payload for n in notes] == [f"before {i}" for i in range(3)] + [f"after {i}" for i in range(3)]
        assert await wait(listener.get(timeout=0.2)) is None

        # the same while another session keeps sending
        sender = _sender(backend.config.conninfo(), "rc", 150, 0.002)
        for _ in range(4):
            await wait(listener.reconnect())
            time.sleep(0.03)
        sender.join()
        notes = await collect(listener, 150, timeout=10)
        assert [n.payload for n in notes] == [str(i) for i in range(150)]
        assert await wait(listener.get(timeout=0.2)) is None
    finally:
        await leave(listener)


async def test_connection_loss(backend):
    listener = await enter(backend.listen("lost"))
    try:
        await wait(backend.fetch_one("SELECT pg_terminate_backend(%s) AS ok", (listener.pid,)))
        time.sleep(0.2)
        with pytest.raises(ConnectionError, match="reconnect"):
            await wait(listener.get(timeout=2))
        await wait(listener.reconnect())
        await wait(backend.notify("lost", "again"))
        (note,) = await collect(listener, 1)
        assert note.payload == "again"

        listener.auto_reconnect = True
        await wait(backend.fetch_one("SELECT pg_terminate_backend(%s) AS ok", (listener.pid,)))
        time.sleep(0.2)
        assert await wait(listener.get(timeout=0.5)) is None
        assert listener.reconnects == 1
        await wait(backend.notify("lost", "after auto"))
        (note,) = await collect(listener, 1)
        assert note.payload == "after auto"
    finally:
        await leave(listener)
