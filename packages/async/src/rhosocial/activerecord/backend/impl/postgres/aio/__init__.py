"""Asynchronous flavour (distribution ``rhosocial-activerecord-postgres-async``)."""

from .backend import AsyncPostgresBackend
from .transaction import AsyncPostgresTransactionManager

__all__ = ["AsyncPostgresBackend", "AsyncPostgresTransactionManager"]
