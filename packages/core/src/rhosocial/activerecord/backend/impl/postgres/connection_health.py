"""Tell, without sending anything, whether the server closed an idle connection.

When the server restarts or terminates an idle session, the socket becomes
readable (end of file, or a FATAL message) while libpq still reports the
connection as OK. Sending a statement then fails *after* it was written, and
the backend could not tell whether it ran. Polling the socket first (a single
zero-timeout ``select``) lets the backend replace a dead connection before it
sends anything: the only case in which reconnecting cannot lose or replay work.
"""

from __future__ import annotations

import select
from typing import Any

from psycopg import pq

__all__ = ["closed_while_idle"]


def closed_while_idle(connection: Any) -> bool:
    """True if the idle connection is known dead (caller must not be mid-query)."""
    pgconn = connection.pgconn
    # A terminated session sends a FATAL message, then closes: reading the
    # message and reading the end of file can take two rounds.
    for _ in range(3):
        if pgconn.status != pq.ConnStatus.OK:
            return True
        try:
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
        except Exception:  # closed socket / bad fd
            return True
        if not readable:
            return False
        # Something arrived while idle: a notification, a parameter status, or EOF.
        try:
            pgconn.consume_input()
        except Exception:
            return True
    return pgconn.status != pq.ConnStatus.OK
