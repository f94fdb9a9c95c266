"""LISTEN/NOTIFY for the async backend.

``await backend.notify(channel, payload)`` sends on the backend's own
connection, so inside a transaction the notification is delivered at COMMIT
(and dropped by ROLLBACK), as PostgreSQL defines. ``backend.listen(*channels)``
returns an :class:`AsyncListener` on a *dedicated* connection: enter it as a
context manager (it connects and LISTENs) and iterate over it to receive
``Notification(channel, payload, pid)`` objects; iteration waits forever, or
ends after ``timeout=`` seconds without a notification. See docs/cli.md for a
full example of each flavour.

Channel names are identifiers quoted with ``psycopg.sql.Identifier`` (case and
spaces kept; at most 63 bytes, no NUL: ``ValueError``); payloads must be shorter than
8000 bytes (checked before sending).

Delivery guarantees:

* ``listener.reconnect()`` (asked for by the caller) loses nothing and repeats
  nothing: the new connection LISTENs first, then a private marker notification
  is sent; the old connection delivers what it received before the marker and
  the new one what came after it.
* When the connection is *lost* (server restart, network failure, backend
  terminated), notifications sent while no session was listening are lost:
  PostgreSQL keeps none for absent listeners. With ``auto_reconnect=True`` the
  listener reconnects and re-LISTENs by itself and counts it in ``reconnects``;
  applications that cannot miss an event should re-read their state (e.g. a
  table of pending jobs) after each reconnect.
(The sync twin, ``sync/notify.py``, is generated from this file.)
"""

from __future__ import annotations

import logging
import secrets
from collections import deque
from contextlib import aclosing
from dataclasses import dataclass
from time import monotonic
from typing import Any, Deque, Iterable, List, Optional, Tuple

import psycopg
from psycopg import sql
from rhosocial.activerecord.backend.errors import ConnectionError

from ..redaction import redact_connect_message

__all__ = ["AsyncListener", "AsyncNotifyMixin", "Notification", "MAX_PAYLOAD_BYTES",
           "check_channel", "check_payload"]

logger = logging.getLogger(__name__)

# PostgreSQL's NOTIFY_PAYLOAD_MAX_LENGTH (BLCKSZ - NAMEDATALEN - 128): a payload must be shorter.
MAX_PAYLOAD_BYTES = 8000
_MAX_CHANNEL_BYTES = 63  # NAMEDATALEN - 1: longer names would be truncated silently
_MARKER_PREFIX = "rhosocial_handoff_"


@dataclass(frozen=True)
class Notification:
    """One notification: ``pid`` is the server process of the session that sent it."""

    channel: str
    payload: str
    pid: int


def check_channel(channel: str) -> str:
    if not isinstance(channel, str) or not channel:
        raise ValueError(f"a notification channel must be a non-empty string, got {channel!r}")
    if "\x00" in channel:  # libpq ends the statement text at a NUL: "x\0y" would LISTEN on "x"
        raise ValueError(f"a notification channel cannot contain NUL characters, got {channel!r}")
    if len(channel.encode("utf-8")) > _MAX_CHANNEL_BYTES:
        raise ValueError(f"channel name {channel[:20]!r}... is longer than {_MAX_CHANNEL_BYTES} bytes; "
                         "PostgreSQL would truncate it")
    return channel


def check_payload(payload: Optional[str]) -> str:
    if payload is None:
        return ""
    if not isinstance(payload, str):
        raise TypeError(f"a notification payload must be a str (e.g. json.dumps(...)), got {type(payload).__name__}")
    size = len(payload.encode("utf-8"))
    if size >= MAX_PAYLOAD_BYTES:
        raise ValueError(f"notification payload is {size} bytes; PostgreSQL accepts at most "
                         f"{MAX_PAYLOAD_BYTES - 1} bytes. Store large data in a table and send its key.")
    if "\x00" in payload:
        raise ValueError("a notification payload cannot contain NUL characters")
    return payload


def _listen_sql(channels: Iterable[str], verb: str = "LISTEN") -> sql.Composed:
    return sql.SQL("; ").join(sql.SQL(verb + " {}").format(sql.Identifier(c)) for c in channels)


def _notify_sql(channel: str, payload: str) -> sql.Composed:
    return sql.SQL("NOTIFY {}, {}").format(sql.Identifier(channel), sql.Literal(payload))


class AsyncListener:
    """Notifications from a dedicated connection; an iterator and a context manager.

    ``timeout`` (seconds) ends the iteration when nothing arrives for that long;
    ``None`` waits forever. ``get(timeout)`` returns one notification or None.
    """

    def __init__(self, config: Any, channels: Iterable[str] = (), *, timeout: Optional[float] = None,
                 auto_reconnect: bool = False, handoff_timeout: float = 10.0) -> None:
        self._config = config
        self._channels: List[str] = []
        for channel in channels:
            if check_channel(channel) not in self._channels:
                self._channels.append(channel)
        self.timeout = timeout
        self.auto_reconnect = auto_reconnect
        self.handoff_timeout = handoff_timeout
        self.reconnects = 0  # connections replaced after a loss (not by reconnect())
        self._conn: Any = None
        self._buffer: Deque[Notification] = deque()
        self._marker: Optional[str] = None  # hand-off marker channel on the current connection
        self._skipping = False  # drop notifications until the marker (seen by the old connection)

    # -- connection -----------------------------------------------------------------
    @property
    def channels(self) -> Tuple[str, ...]:
        return tuple(self._channels)

    @property
    def pid(self) -> Optional[int]:
        """Server process id of the listening session."""
        return self._conn.info.backend_pid if self._conn is not None and not self._conn.closed else None

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.closed and not self._conn.broken

    async def _open(self) -> Any:
        try:
            return await psycopg.AsyncConnection.connect(self._config.conninfo(), autocommit=True)
        except psycopg.Error as exc:
            text = redact_connect_message(str(exc).strip(), self._config.password)
            raise ConnectionError(f"Cannot open a LISTEN connection ({self._config.safe_description()}): "
                                  f"{text}") from None

    async def connect(self) -> "AsyncListener":
        if not self.connected:
            conn = await self._open()
            if self._channels:
                await conn.execute(_listen_sql(self._channels))
            self._conn = conn
        return self

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            await conn.close()

    async def __aenter__(self) -> "AsyncListener":
        return await self.connect()

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # -- channels -----------------------------------------------------------------------
    async def listen(self, *channels: str) -> None:
        new = [check_channel(c) for c in channels if c not in self._channels]
        if new and self.connected:
            await self._conn.execute(_listen_sql(new))
        self._channels.extend(new)

    async def unlisten(self, *channels: str) -> None:
        """Stop listening to ``channels`` (all when none are given)."""
        gone = [check_channel(c) for c in channels] if channels else list(self._channels)
        if gone and self.connected:
            await self._conn.execute(_listen_sql(gone, "UNLISTEN"))
        self._channels = [c for c in self._channels if c not in gone]

    # -- reconnection -----------------------------------------------------------------
    async def reconnect(self) -> None:
        """Replace the connection without losing or repeating a notification.

        If the old connection is already dead, what was sent while it was down is
        lost (see the module documentation); everything after the new LISTEN arrives.
        """
        old = self._conn if self.connected else None
        marker = _MARKER_PREFIX + secrets.token_hex(6)
        if old is not None:
            try:
                await old.execute(_listen_sql([marker]))
            except psycopg.Error:
                old = None
        new = await self._open()
        try:
            await new.execute(_listen_sql(self._channels + [marker]))
            await new.execute(_notify_sql(marker, ""))
        except psycopg.Error as exc:
            await new.close()
            raise ConnectionError(f"LISTEN on the new connection failed: {str(exc).strip()}") from None
        handed_over = False
        if old is not None:
            handed_over = await self._drain_until(old, marker)
            try:
                await old.close()
            except psycopg.Error:
                pass
        self._conn = new
        self._marker = marker
        self._skipping = handed_over

    async def _drain_until(self, conn: Any, marker: str) -> bool:
        """Buffer what ``conn`` received before ``marker``; True if the marker arrived."""
        deadline = monotonic() + self.handoff_timeout
        try:
            while True:
                remaining = deadline - monotonic()
                if remaining <= 0:
                    return False
                async with aclosing(conn.notifies(timeout=remaining, stop_after=1)) as stream:
                    async for note in stream:
                        if note.channel == marker:
                            return True
                        # still the old connection's rules (it may be mid-hand-off itself)
                        self._accept(note)
        except psycopg.Error:
            logger.warning("the old LISTEN connection failed during reconnect(); "
                           "notifications may be repeated once")
            return False

    # -- receiving ------------------------------------------------------------------------
    def _accept(self, note: Any) -> None:
        channel = note.channel
        if channel == self._marker:
            self._skipping = False
            return
        if self._skipping:
            return
        self._buffer.append(Notification(channel, note.payload, note.pid))

    async def get(self, timeout: Optional[float] = None) -> Optional[Notification]:
        """The next notification, or None when ``timeout`` seconds pass without one."""
        deadline = None if timeout is None else monotonic() + timeout
        while not self._buffer:
            await self.connect()
            remaining = None if deadline is None else max(0.0, deadline - monotonic())
            try:
                async with aclosing(self._conn.notifies(timeout=remaining, stop_after=1)) as stream:
                    async for note in stream:
                        self._accept(note)
            except psycopg.OperationalError as exc:
                if not self.auto_reconnect:
                    raise ConnectionError(
                        f"the LISTEN connection was lost ({str(exc).strip()}); call reconnect() to listen "
                        "again. Notifications sent while it was down are lost.") from None
                logger.warning("LISTEN connection lost (%s); reconnecting; notifications sent meanwhile are lost",
                               str(exc).strip())
                await self.close()
                await self.connect()
                self.reconnects += 1
            if not self._buffer and deadline is not None and monotonic() >= deadline:
                return None
        return self._buffer.popleft()

    def __aiter__(self) -> "AsyncListener":
        return self

    async def __anext__(self) -> Notification:
        note = await self.get(self.timeout)
        if note is None:
            raise StopAsyncIteration
        return note


class AsyncNotifyMixin:
    """``notify()`` and ``listen()`` for the backend."""

    async def notify(self, channel: str, payload: Optional[str] = None) -> None:
        """Send ``payload`` on ``channel`` (delivered at COMMIT inside a transaction)."""
        statement = _notify_sql(check_channel(channel), check_payload(payload)).as_string(None)
        await self.execute(statement)  # type: ignore[attr-defined]

    def listen(self, *channels: str, timeout: Optional[float] = None,
               auto_reconnect: bool = False) -> AsyncListener:
        """A listener on its own connection; enter it as a context manager (or iterate directly)."""
        return AsyncListener(self.config, channels, timeout=timeout,  # type: ignore[attr-defined]
                             auto_reconnect=auto_reconnect)
