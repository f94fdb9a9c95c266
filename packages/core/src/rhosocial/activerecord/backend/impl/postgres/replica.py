"""Which statements may run on a read replica (see ``aio/replica.py``)."""

from __future__ import annotations

import re
from typing import Any

from rhosocial.activerecord.backend.schema import StatementType

__all__ = ["routes_to_replica"]

# Row locks cannot be taken on a hot standby.
_LOCKING = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b", re.IGNORECASE)


def routes_to_replica(sql: str, options: Any, in_transaction: bool) -> bool:
    """A read that can run on a standby: DQL, outside any transaction, taking no row locks."""
    return (
        not in_transaction
        and options.stmt_type == StatementType.DQL
        and _LOCKING.search(sql) is None
    )
