"""ActiveRecord models of the benchmark tables (ours and, in its own venv, the reference's)."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from typing import Optional

from rhosocial.activerecord.logging.config import LoggingConfig
from rhosocial.activerecord.model import ActiveRecord, AsyncActiveRecord

QUIET = LoggingConfig(default_level=logging.WARNING)


def _fields(base, table, name):
    return type(name, (base,), {
        "__table_name__": table,
        "__annotations__": {"id": Optional[int], "name": str, "score": int, "price": Decimal,
                            "created": datetime.datetime, "meta": Optional[dict]},
        "id": None,
        "meta": None,
        "__module__": __name__,
        "__logging_config__": QUIET,
    })


def make_models(backend, is_async=False, suffix=""):
    """(ReadItem, WriteItem) bound to ``backend``."""
    base = AsyncActiveRecord if is_async else ActiveRecord
    read = _fields(base, "bench_read", "ReadItem" + suffix)
    write = _fields(base, "bench_write", "WriteItem" + suffix)
    read.__backend__ = backend
    write.__backend__ = backend
    return read, write
