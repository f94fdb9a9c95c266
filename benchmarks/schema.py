"""Tables and rows shared by every system (also imported by the reference worker, so stdlib only)."""

from __future__ import annotations

import datetime
from decimal import Decimal

READ_TABLE = "bench_read"
WRITE_TABLE = "bench_write"
READ_ROWS = 10000

DDL = [
    f"DROP TABLE IF EXISTS {READ_TABLE}",
    f"DROP TABLE IF EXISTS {WRITE_TABLE}",
    f"CREATE TABLE {READ_TABLE} (id serial PRIMARY KEY, name text NOT NULL, score int NOT NULL, "
    "price numeric(10,2) NOT NULL, created timestamptz NOT NULL, meta jsonb)",
    f"CREATE TABLE {WRITE_TABLE} (id serial PRIMARY KEY, name text NOT NULL, score int NOT NULL, "
    "price numeric(10,2) NOT NULL, created timestamptz NOT NULL, meta jsonb)",
]

COLUMNS = ("name", "score", "price", "created", "meta")
EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


def row(i: int):
    return (f"item {i}", i % 1000, Decimal(i % 10000) / 100, EPOCH + datetime.timedelta(seconds=i),
            {"i": i, "tag": f"t{i % 7}"})


def rows(n: int):
    return [row(i) for i in range(n)]


def keys(n: int):
    """``n`` point-lookup keys spread over the read table (deterministic)."""
    return [(i * 7919) % READ_ROWS + 1 for i in range(n)]
