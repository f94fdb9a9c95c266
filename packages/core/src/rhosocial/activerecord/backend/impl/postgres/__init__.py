"""PostgreSQL backend for rhosocial-activerecord, on psycopg 3.

This package is split over three distributions that install into this one
import path:

* ``rhosocial-activerecord-postgres-core`` (always present): configuration,
  dialect and capability declarations, type adapters, SQLSTATE mapping,
  transaction SQL. Nothing here opens a connection.
* ``rhosocial-activerecord-postgres-sync``: :class:`PostgresBackend` (``.sync``).
* ``rhosocial-activerecord-postgres-async``: :class:`AsyncPostgresBackend` (``.aio``).

The backends are imported lazily (PEP 562 ``__getattr__``) so that a user who
installed only one flavour can still import everything else, and gets an
ImportError naming the missing distribution when reaching for the other one.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Any

# The sync and async distributions put their subpackages under this package
# from their own source folders during editable development installs; let the
# import system find them there as well (a no-op for ordinary wheel installs).
__path__ = pkgutil.extend_path(__path__, __name__)

from .config import PostgresConnectionConfig  # noqa: E402
from .config_checks import ConfigurationError  # noqa: E402
from .errors import (  # noqa: E402
    AfterCommitHookError,
    DataError,
    PooledSessionStateError,
    PoolExhaustedError,
    PostgresErrorInfo,
    QueryCanceledError,
    ReadOnlyTransactionError,
    SerializationError,
    StatementTimeoutError,
)
from .retry import Backoff  # noqa: E402

__version__ = "1.0.0a1"

# name -> (module, distribution that ships it[, the name there when it differs])
_LAZY: dict[str, tuple[str, ...]] = {
    "PostgresBackend": (".sync", "rhosocial-activerecord-postgres-sync"),
    "PostgresTransactionManager": (".sync", "rhosocial-activerecord-postgres-sync"),
    "retry_transaction": (".sync", "rhosocial-activerecord-postgres-sync"),
    "AsyncPostgresBackend": (".aio", "rhosocial-activerecord-postgres-async"),
    "AsyncPostgresTransactionManager": (".aio", "rhosocial-activerecord-postgres-async"),
    # both flavours call it retry_transaction in their own package
    "async_retry_transaction": (".aio", "rhosocial-activerecord-postgres-async", "retry_transaction"),
}


def __getattr__(name: str) -> Any:
    try:
        module_name, distribution, *renamed = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    try:
        module = importlib.import_module(module_name, __name__)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith(__name__ + module_name):
            raise ImportError(
                f"{name} is provided by the distribution {distribution!r}, which is not "
                f"installed: pip install {distribution} (or rhosocial-activerecord-postgres "
                f"for both flavours)",
                name=name,
            ) from exc
        raise
    value = getattr(module, renamed[0] if renamed else name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))


if TYPE_CHECKING:  # pragma: no cover
    from .aio import AsyncPostgresBackend, AsyncPostgresTransactionManager
    from .aio import retry_transaction as async_retry_transaction
    from .sync import PostgresBackend, PostgresTransactionManager, retry_transaction

__all__ = [
    "PostgresConnectionConfig",
    "PostgresBackend",
    "AsyncPostgresBackend",
    "PostgresTransactionManager",
    "AsyncPostgresTransactionManager",
    "QueryCanceledError",
    "DataError",
    "SerializationError",
    "PostgresErrorInfo",
    "StatementTimeoutError",
    "ReadOnlyTransactionError",
    "PoolExhaustedError",
    "PooledSessionStateError",
    "AfterCommitHookError",
    "ConfigurationError",
    "Backoff",
    "retry_transaction",
    "async_retry_transaction",
]
