"""Giving back what a pooled backend's task or thread left behind (see ``pool.py``).

A transaction still open when the task that owns it ends (a done callback) or when its
scope is collected (its thread exited: ``weakref.finalize``) is rolled back, and its
connection given back to the pool, from outside the code that noticed it: on the pool's
event loop (a thread, in the sync twin). ``disconnect()`` closes the connection of a
statement in flight only once the statement has returned.
"""

from __future__ import annotations

import logging
from asyncio import get_running_loop  # async-only
from typing import Any

# sync-only: from threading import Thread

__all__ = ["LEFT_OPEN", "owner_done", "scope_collected", "release_later", "close_when_free"]

_log = logging.getLogger(__name__)
_BACKGROUND: set = set()  # tasks started here (kept from garbage collection until done)  # async-only
LEFT_OPEN = ("A task (or thread) ended while its transaction on a pooled backend was still open "
             "(no commit() or rollback()): the transaction is rolled back and its connection "
             "given back to the pool")


def owner_done(backend_ref: Any, scope_ref: Any, task: Any) -> None:  # async-only
    """Done callback of the task that made a scope."""  # async-only
    backend, scope = backend_ref(), scope_ref()  # async-only
    if backend is not None and scope is not None and scope.connection is not None:  # async-only
        backend._abandon(scope)  # async-only


def scope_collected(backend_ref: Any, manager_ref: Any, connection: Any, pool: Any, loop: Any) -> None:
    """weakref.finalize of a scope lost with its connection pinned (its context is gone)."""
    manager = manager_ref() if manager_ref is not None else None
    if manager is not None:
        manager.reset_after_connection_loss()
    backend = backend_ref()
    (backend.logger if backend is not None else _log).warning(LEFT_OPEN)
    release_later(backend_ref, connection, pool, True, loop)


def release_later(backend_ref: Any, connection: Any, pool: Any, dirty: bool, loop: Any) -> None:
    """Roll back and give ``connection`` back, outside the caller (a callback, a finalizer)."""
    if loop is None or loop.is_closed():  # nothing runs the pool any more: close, the server rolls back  # async-only
        connection.pgconn.finish()  # async-only
        return  # async-only
    loop.call_soon_threadsafe(_in_background, _release, backend_ref, connection, pool, dirty)  # async-only
    # sync-only: _in_background(_release, backend_ref, connection, pool, dirty)


def close_when_free(connection: Any) -> None:
    """Close ``connection`` once the statement running on it has returned."""
    _in_background(_close_when_free, connection)


def _in_background(function: Any, *args: Any) -> None:
    """Run ``function(*args)`` without waiting for it (a task; a thread in the sync twin)."""
    task = get_running_loop().create_task(function(*args))  # async-only
    _BACKGROUND.add(task)  # async-only
    task.add_done_callback(_BACKGROUND.discard)  # async-only
    # sync-only: Thread(target=function, args=args, daemon=True).start()


async def _release(backend_ref: Any, connection: Any, pool: Any, dirty: bool) -> None:
    backend = backend_ref()
    try:
        if backend is not None:
            await backend._give_back(connection, pool, dirty)
            return
        await connection.close()
        await pool.putconn(connection)  # the pool replaces it
    except Exception as exc:  # nobody to report to: log it
        _log.warning("Could not give back a connection left in a transaction: %s", exc)


async def _close_when_free(connection: Any) -> None:
    try:
        async with connection.lock:
            await connection.close()
    except Exception as exc:  # nobody to report to: log it
        _log.warning("Could not close a pooled connection at disconnect: %s", exc)
