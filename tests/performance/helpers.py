"""Helpers for the performance feature tests (no timing assertions anywhere)."""

from __future__ import annotations

import logging
import os
import tempfile
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional

from psycopg import pq
from rhosocial.activerecord.logging.config import LoggingConfig

from tests.backend.conftest import _Done

QUIET = LoggingConfig(default_level=logging.WARNING)


def raw(db: Any) -> Any:
    """The backend behind the fixture's proxy (sync) or the backend itself (async)."""
    return getattr(db, "_target", db)


def is_async(db: Any) -> bool:
    return not hasattr(db, "_target")


def model_class(db: Any, table: str, fields: dict, prefix: str = "M") -> Any:
    """An ActiveRecord (or AsyncActiveRecord, by ``db``'s flavour) model of ``table`` with
    ``fields`` (name -> annotation, all defaulting to None), bound to ``db``'s backend."""
    from rhosocial.activerecord.model import ActiveRecord, AsyncActiveRecord

    base = AsyncActiveRecord if is_async(db) else ActiveRecord
    namespace = {"__table_name__": table, "__annotations__": dict(fields), "__module__": __name__,
                 "__logging_config__": QUIET, **{name: None for name in fields}}
    cls = type(f"{prefix}_{table}", (base,), namespace)
    cls.__backend__ = raw(db)
    return cls


async def drain(iterable: Any, limit: Optional[int] = None) -> List[Any]:
    """Collect an iterator or async iterator (or an awaitable proxy result holding one)."""
    if isinstance(iterable, _Done):
        iterable = iterable.value
    out: List[Any] = []
    if hasattr(iterable, "__aiter__"):
        async for item in iterable:
            out.append(item)
            if limit is not None and len(out) >= limit:
                break
        return out
    for item in iterable:
        out.append(item)
        if limit is not None and len(out) >= limit:
            break
    return out


async def maybe(value: Any) -> Any:
    if hasattr(value, "__await__"):
        return await value
    return value


class Trace:
    """libpq protocol trace of one connection: what the client sent, and the round trips."""

    def __init__(self) -> None:
        self.lines: List[str] = []

    @property
    def round_trips(self) -> int:
        # every exchange ends with the server's ReadyForQuery
        return sum(1 for line in self.lines if line.startswith("B") and "\tReadyForQuery" in line)

    @property
    def statements(self) -> List[str]:
        out = []
        for line in self.lines:
            parts = line.split("\t")
            if parts[0] == "F" and len(parts) > 3 and parts[2] in ("Parse", "Query"):
                out.append(parts[3].strip())
        return out


@contextmanager
def libpq_trace(connection: Any) -> Iterator[Trace]:
    trace = Trace()
    with tempfile.TemporaryFile("w+") as handle:
        connection.pgconn.trace(handle.fileno())
        connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            yield trace
        finally:
            connection.pgconn.untrace()
            handle.flush()
            os.fsync(handle.fileno())
            handle.seek(0)
            trace.lines[:] = handle.read().splitlines()
