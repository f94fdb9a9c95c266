"""Prepared statements made stale by another session's schema change.

psycopg prepares a statement on the server after ``prepare_threshold`` executions. When
another session then alters a table the statement reads (``ALTER TABLE ... ADD COLUMN``
under the core's ``SELECT *``), PostgreSQL refuses every later execution of it ("cached
plan must not change result type", SQLSTATE 0A000) until the session drops it: psycopg
only forgets its statements on a ROLLBACK, DEALLOCATE or DDL sent on that same
connection. The refusal comes before the statement runs, so outside a transaction it may
be sent once more; inside one the transaction is aborted, as by any failed statement.
"""

from __future__ import annotations

from typing import Any

import psycopg

from ..connection_health import STALE_PLAN_IN_TRANSACTION, may_replan, stale_plan

__all__ = ["AsyncStalePlanMixin"]

_IDLE = psycopg.pq.TransactionStatus.IDLE


class AsyncStalePlanMixin:
    async def _replan(self, connection: Any, exc: BaseException, query: str, atomic: bool = True) -> bool:
        """``exc`` failed a statement: True if it is psycopg's prepared statement made stale by
        another session's ALTER TABLE (``connection_health.stale_plan``) and may be sent once
        more, after the connection's prepared statements were dropped (``may_replan``;
        ``atomic``: the statement's parameter sets all ran in one transaction). Inside a
        transaction the error is raised with the way out (roll back) spelled out.

        Pooled, the other connections have most likely prepared the same statement: the
        pool replaces them (as after ``register_types``), so that the next transaction does
        not meet the same error on another connection."""
        if not stale_plan(exc):
            return False
        if self._pool is not None and hasattr(self._pool, "drain"):  # type: ignore[attr-defined]
            # the one in use is replaced when it goes back
            await self._pool.drain()  # type: ignore[attr-defined]
        if connection.info.transaction_status != _IDLE:
            error = self._translate(exc)  # type: ignore[attr-defined]
            error.args = (f"{error}\n{STALE_PLAN_IN_TRANSACTION}",)
            raise error from exc
        if not atomic or not may_replan(connection, query):
            return False
        self.logger.info("A prepared statement went stale (its table was altered): planning it again")  # type: ignore[attr-defined]
        # psycopg forgets its prepared statements on DEALLOCATE ALL (and sends its own)
        await connection.execute("DEALLOCATE ALL", prepare=False)
        return True
