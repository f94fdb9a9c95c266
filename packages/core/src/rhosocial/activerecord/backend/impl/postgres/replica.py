"""Which statements may run on a read replica (see ``aio/replica.py``)."""

from __future__ import annotations

import re
from typing import Any

from rhosocial.activerecord.backend.schema import StatementType

__all__ = ["routes_to_replica"]

# Row locks cannot be taken on a hot standby.
_LOCKING = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b", re.IGNORECASE)

# EXPLAIN returns rows, so backend.explain()/explain_sql() (through fetch_all) arrive as DQL.
# It stays on the primary: EXPLAIN ANALYZE runs its statement (an INSERT fails on a
# standby, and even a SELECT's timings would describe the wrong server), and the plan of
# the primary is the one a caller tuning a query wants. Leading comments are skipped.
_EXPLAIN = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*EXPLAIN\b", re.IGNORECASE | re.DOTALL)


def routes_to_replica(sql: str, options: Any, in_transaction: bool) -> bool:
    """A read that can run on a standby: DQL, outside any transaction, taking no row
    locks, and not an EXPLAIN."""
    return (
        not in_transaction
        and options.stmt_type == StatementType.DQL
        and _LOCKING.search(sql) is None
        and _EXPLAIN.match(sql) is None
    )
