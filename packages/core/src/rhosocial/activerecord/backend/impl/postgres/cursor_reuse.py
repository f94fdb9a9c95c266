"""One idle client cursor per connection, reused by ``execute`` from statement to statement.

Why: a psycopg cursor is cheap but not free. Creating one copies the connection's
adapters map (and its types registry), and a fresh cursor has an empty dumper and
loader cache, so every statement paid for both again. With psycopg's C extension
that was the largest share of our own cost per statement: about a quarter of a
point lookup or a single-row insert, against raw psycopg code that keeps one cursor.

How it stays correct:

* A cursor is *taken* from the connection before a statement and *given back* after
  a statement that succeeded. Taking is one ``dict.pop`` (atomic under the GIL), so
  two threads or tasks sharing a connection never share a cursor: the second one
  simply creates its own.
* A cursor caches the adapters it was created with. If adapters are registered on
  the connection afterwards (``register_types``, or a user's own dumper or loader),
  psycopg's copy-on-write gives the connection new adapter tables; the cached cursor
  no longer shares them and is dropped (``_same_adapters``). This relies on psycopg
  internals; ``_REUSE_SAFE`` checks them once at import, and if a psycopg release
  changes them, reuse is switched off and every statement gets a new cursor again.
* A kept cursor is reset first (psycopg's own reset between executions), so an idle
  connection pins neither the last result nor the last parameters in memory. The
  reference cycle connection -> cursor -> connection is left to the garbage collector.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import adapt
from psycopg.adapt import PyFormat

__all__ = ["take_cursor", "give_back_cursor", "forget_cursor"]

_SLOT = "_rhosocial_idle_cursor"
_AUTO, _TEXT, _BINARY = PyFormat.AUTO, PyFormat.TEXT, PyFormat.BINARY


def _same_adapters(cursor_map: Any, connection_map: Any) -> bool:
    """Whether the cursor still sees the connection's adapter tables (nothing registered since)."""
    c_dumpers, k_dumpers = cursor_map._dumpers, connection_map._dumpers
    c_loaders, k_loaders = cursor_map._loaders, connection_map._loaders
    c_oid, k_oid = cursor_map._dumpers_by_oid, connection_map._dumpers_by_oid
    return (
        c_loaders[0] is k_loaders[0] and c_loaders[1] is k_loaders[1]
        and c_dumpers[_AUTO] is k_dumpers[_AUTO] and c_dumpers[_TEXT] is k_dumpers[_TEXT]
        and c_dumpers[_BINARY] is k_dumpers[_BINARY]
        and c_oid[0] is k_oid[0] and c_oid[1] is k_oid[1]
    )


def _check_psycopg_internals() -> bool:
    """The copy-on-write behaviour ``_same_adapters`` relies on, tried on throw-away maps."""
    try:
        from psycopg.types.numeric import IntDumper, IntLoader

        connection_map = adapt.AdaptersMap(psycopg.adapters)
        cursor_map = adapt.AdaptersMap(connection_map)
        if not _same_adapters(cursor_map, connection_map):
            return False
        connection_map.register_loader(23, IntLoader)  # int4
        if _same_adapters(cursor_map, connection_map):
            return False
        cursor_map = adapt.AdaptersMap(connection_map)
        connection_map.register_dumper(int, IntDumper)
        if _same_adapters(cursor_map, connection_map):
            return False
        # give_back_cursor releases the results and parameters with the cursors' own reset
        return all(callable(getattr(cls, "_reset", None)) for cls in (psycopg.Cursor, psycopg.AsyncCursor))
    except Exception:  # attribute names or behaviour changed: do not reuse cursors
        return False


_REUSE_SAFE = _check_psycopg_internals()


def take_cursor(connection: Any) -> Any:
    """The connection's idle cursor if it is still valid, else a new one."""
    cursor = connection.__dict__.pop(_SLOT, None)
    if cursor is not None and _same_adapters(cursor.adapters, connection.adapters):
        return cursor
    return connection.cursor()


def give_back_cursor(connection: Any, cursor: Any) -> None:
    """Keep ``cursor`` for the connection's next statement (after a statement that succeeded)."""
    # A cursor not kept is simply dropped: a client cursor holds no server resource, and
    # closing an AsyncCursor would need an await.
    if not _REUSE_SAFE:
        return
    # Kept idle, it must not pin the last statement's results (libpq memory, however large)
    # or its parameters (the dumped bytes, e.g. a 50 MB bytea) until the next statement:
    # psycopg's own reset between executions releases both, and keeps the cached adapters.
    cursor._reset()
    connection.__dict__[_SLOT] = cursor


def forget_cursor(connection: Any) -> None:
    """Drop the idle cursor (it is rebuilt on the next statement)."""
    connection.__dict__.pop(_SLOT, None)
