"""Asynchronous flavour (distribution ``rhosocial-activerecord-postgres-async``)."""

from .backend import AsyncPostgresBackend
from .retry import Backoff, retry_transaction
from .transaction import AsyncPostgresTransactionManager

__all__ = ["AsyncPostgresBackend", "AsyncPostgresTransactionManager", "retry_transaction", "Backoff"]
