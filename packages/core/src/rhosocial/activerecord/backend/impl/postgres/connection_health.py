"""Tell, without sending anything, whether the server closed an idle connection; and
recognise a statement prepared before its table changed (``stale_plan``, at the end).

When the server restarts or terminates an idle session, the socket becomes
readable (end of file, or a FATAL message) while libpq still reports the
connection as OK. Sending a statement then fails *after* it was written, and
the backend could not tell whether it ran. Polling the socket first (a single
zero-timeout ``select``) lets the backend replace a dead connection before it
sends anything: the only case in which reconnecting cannot lose or replay work.
"""

from __future__ import annotations

import select
import threading
from types import SimpleNamespace
from typing import Any, Optional

from psycopg import pq

from .errors import PostgresErrorInfo

__all__ = ["closed_while_idle", "in_transaction_block", "may_replan", "stale_plan",
           "STALE_PLAN_IN_TRANSACTION"]

_OPEN = (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)
_POLLER = "_rhosocial_poller"
_FATAL_NOTICE = "_rhosocial_fatal_notice"
#: psycopg's sync connections serialise on a threading lock (asyncio ones on asyncio.Lock)
_THREAD_LOCKS = (type(threading.Lock()), type(threading.RLock()))


def closed_while_idle(connection: Any) -> bool:
    """True if the idle connection is known dead.

    Only an *idle* connection is probed: when another task or thread holds the
    connection's lock, or a query is in flight, reading from the socket here would
    steal that query's result; the caller will then simply wait for the lock.
    """
    pgconn = connection.pgconn
    if pgconn.status != pq.ConnStatus.OK:
        return True
    lock = getattr(connection, "lock", None)
    if not isinstance(lock, _THREAD_LOCKS):
        # asyncio: no other task runs between this check and the probe (no await)
        if (lock is not None and lock.locked()) or pgconn.transaction_status == pq.TransactionStatus.ACTIVE:
            return False
        return _probe(connection, pgconn)
    # threads: libpq is not thread-safe, so the probe itself must hold the connection's
    # lock; checking ``locked()`` first left a window in which another thread sent a
    # query while this one read the socket (results crossed between threads, or that
    # thread waited forever for input already consumed here).
    if not lock.acquire(blocking=False):
        return False
    try:
        if pgconn.transaction_status == pq.TransactionStatus.ACTIVE:
            return False
        return _probe(connection, pgconn)
    finally:
        lock.release()


def _probe(connection: Any, pgconn: Any) -> bool:
    # one poll object per connection (its socket never changes; a reconnect makes a new
    # connection object), registered once: this runs before every statement
    poller = connection.__dict__.get(_POLLER)
    if poller is None:
        try:
            poller = select.poll()  # unlike select(), works for any descriptor number
            poller.register(pgconn.socket, select.POLLIN)
        except Exception:  # closed socket / bad fd
            return True
        connection.__dict__[_POLLER] = poller
        _watch_fatal(connection)
    # A terminated session sends a FATAL message, then closes: reading the
    # message and reading the end of file can take two rounds.
    for _ in range(3):
        if not poller.poll(0):
            return False
        # Something arrived while idle: a notification, a parameter status, or EOF.
        try:
            pgconn.consume_input()
            # libpq only parses what it read when asked: a FATAL sent while idle (a session
            # timeout) then reaches the notice handler of _watch_fatal, before the EOF
            pgconn.is_busy()
        except Exception:
            return True
        if pgconn.status != pq.ConnStatus.OK:
            return True
    return pgconn.status != pq.ConnStatus.OK


def _watch_fatal(connection: Any) -> None:
    # libpq hands an error that arrives while no query runs (FATAL: idle-in-transaction or
    # idle-session timeout, termination) to the notice receiver, not to any result: keep
    # its diagnostics, so that "lost inside a transaction" can say why. The handler holds
    # a list, not the connection (no reference cycle).
    box: list = []
    connection.__dict__[_FATAL_NOTICE] = box

    def remember(diag: Any) -> None:
        if diag.severity_nonlocalized in ("FATAL", "PANIC"):
            # copied now: the result behind ``diag`` is freed after the handlers ran
            box[:] = [PostgresErrorInfo.from_psycopg(SimpleNamespace(diag=diag, sqlstate=diag.sqlstate))]

    connection.add_notice_handler(remember)


def fatal_notice(connection: Any) -> Optional[PostgresErrorInfo]:
    """The diagnostics of the FATAL error the server sent ``connection`` while it was idle
    (seen by ``closed_while_idle``), or None."""
    box = getattr(connection, "__dict__", {}).get(_FATAL_NOTICE) if connection is not None else None
    return box[0] if box else None


def in_transaction_block(connection: Any) -> bool:
    """Whether ``connection`` is inside a transaction block, whoever began it: a BEGIN sent
    through ``execute()`` counts too (the transaction manager does not know about it)."""
    return connection is not None and not connection.closed and connection.info.transaction_status in _OPEN


# -- prepared statements of psycopg made stale by another session's ALTER TABLE ----------
# psycopg prepares a statement on a connection after ``prepare_threshold`` runs. When another
# session then changes the columns a prepared ``SELECT *`` (or ``RETURNING *``) returns,
# PostgreSQL refuses that statement with 0A000 "cached plan must not change result type" on
# every later run (not once): the prepared statement keeps its old result type, until psycopg
# forgets it (it does so on ROLLBACK, DEALLOCATE ALL, or DROP/ALTER sent on that connection).
# The error is raised while the plan is revalidated, before anything runs.
_STALE_PLAN_TEXT = "cached plan must not change result type"

STALE_PLAN_IN_TRANSACTION = (
    "The statement was prepared on this connection before another session changed the "
    "table's columns (ALTER TABLE). The transaction is aborted: roll it back; the rollback "
    "makes the connection forget its prepared statements, and the next attempt is planned again."
)


def stale_plan(exc: BaseException) -> bool:
    """Whether ``exc`` is the 0A000 above, raised for the statement itself (no error context:
    not from inside a function, whose own plans psycopg cannot drop). The source function is
    checked first because the message is translated under a non-English ``lc_messages``."""
    if getattr(exc, "sqlstate", None) != "0A000":
        return False
    diag = exc.diag  # type: ignore[attr-defined]
    if diag.context:
        return False
    return diag.source_function == "RevalidateCachedQuery" or (diag.message_primary or "").startswith(
        _STALE_PLAN_TEXT)


def may_replan(connection: Any, query: str) -> bool:
    """After ``stale_plan``: whether the connection's prepared statements may be dropped
    (``DEALLOCATE ALL``, as psycopg sends after a ROLLBACK) and the statement sent once more.

    Only with no transaction open: the failed statement then ended its own transaction, and
    it failed before running, so nothing of it remains and nothing is replayed. Only when
    psycopg prepares statements on this connection (else the stale statement is not its
    own), and not for an SQL ``EXECUTE`` of the caller's own ``PREPARE`` (dropping it would
    replace this error with "prepared statement does not exist").
    """
    if connection.info.transaction_status != pq.TransactionStatus.IDLE:
        return False
    if connection.prepare_threshold is None:
        return False
    return query.lstrip()[:7].upper() != "EXECUTE"
