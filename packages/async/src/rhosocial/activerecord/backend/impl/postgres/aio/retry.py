"""retry_transaction for AsyncPostgresBackend: re-run a whole transaction after a
serialization failure (40001) or a deadlock (40P01), and after nothing else.

(The sync twin, ``sync/retry.py``, is generated from this file; the decisions and the
backoff arithmetic live in the core distribution's ``retry`` module.)

    result = await retry_transaction(transfer, backend, attempts=5, isolation_level="SERIALIZABLE")

where transfer(backend) runs the transaction's statements (a coroutine function here).
"""

from __future__ import annotations

import asyncio  # async-only
from typing import Any, Callable, Optional

from ..retry import (
    Backoff,
    BackoffSpec,
    check_attempts,
    check_backoff,
    check_not_in_transaction,
    delay_for,
    is_retryable_error,
)

# sync-only: import time

__all__ = ["retry_transaction", "Backoff"]

async def retry_transaction(
    fn: Callable[[Any], Any],
    backend: Any,
    attempts: int = 5,
    backoff: BackoffSpec = None,
    *,
    isolation_level: Any = None,
    mode: Any = None,
    on_retry: Optional[Callable[[int, BaseException, float], Any]] = None,
) -> Any:
    """Run ``await fn(backend)`` inside ``backend.transaction_manager.transaction(...)``.

    On a serialization failure or deadlock the transaction is rolled back and run again, at
    most ``attempts`` times in all, waiting ``backoff`` between attempts (a :class:`Backoff`,
    constant seconds, or ``attempt -> seconds``). Any other error is raised at once; after
    the last attempt the last error is raised. ``on_retry(attempt, error, delay)`` is called
    before each wait. ``fn`` must be safe to run again (no side effects outside the database).
    Once the COMMIT went through nothing is run again (an AFTER_COMMIT handler's failure is
    raised as ``AfterCommitHookError``). ``isolation_level``/``mode`` may be given by name.
    """
    check_attempts(attempts)
    check_backoff(backoff)
    check_not_in_transaction(backend)
    manager = backend.transaction_manager
    isolation_level = manager._as_isolation_level(isolation_level)
    mode = manager._as_mode(mode)
    attempt = 0
    while True:
        attempt += 1
        try:
            async with manager.transaction(isolation_level=isolation_level, mode=mode):
                return await fn(backend)
        except Exception as exc:
            if manager.is_active:  # e.g. COMMIT failed: the core keeps the level; clear it
                try:
                    await manager.rollback()
                except Exception:
                    pass
            if attempt >= attempts or not is_retryable_error(exc):
                raise
            delay = delay_for(backoff, attempt)
            if on_retry is not None:
                on_retry(attempt, exc, delay)
            await asyncio.sleep(delay)  # async-only
            # sync-only: time.sleep(delay)
