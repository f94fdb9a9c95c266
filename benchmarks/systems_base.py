"""What every measured system shares: the statements of each workload and the ``System``
interface (``run(workload, n)`` returns seconds, perf_counter)."""

from __future__ import annotations

import time
from typing import Any, Callable

from psycopg.types.json import Jsonb

from . import schema

SELECT_N = f"SELECT id, name, score, price, created, meta FROM {schema.READ_TABLE} ORDER BY id LIMIT %s"
SELECT_KEY = f"SELECT id, name, score, price, created, meta FROM {schema.READ_TABLE} WHERE id = %s"
UPDATE_KEY = f"UPDATE {schema.READ_TABLE} SET score = %s WHERE id = %s"
INSERT_ONE = (f"INSERT INTO {schema.WRITE_TABLE} (name, score, price, created, meta) VALUES (%s, %s, %s, %s, %s) "
              "RETURNING id")
INSERT_MANY = f"INSERT INTO {schema.WRITE_TABLE} (name, score, price, created, meta) VALUES (%s, %s, %s, %s, %s)"
COPY_SQL = f"COPY {schema.WRITE_TABLE} (name, score, price, created, meta) FROM STDIN (FORMAT BINARY)"
STREAM_SQL = "SELECT g AS id, md5(g::text) AS payload, g * 2 AS twice FROM generate_series(1, %s) g"
COPY_OIDS = ["text", "int4", "numeric", "timestamptz", "jsonb"]


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _jsonb_rows(rows):
    return [(a, b, c, d, Jsonb(e)) for a, b, c, d, e in rows]


class System:
    name = "?"
    is_async = False
    workloads: tuple = ()

    def run(self, workload: str, n: int) -> float:
        return getattr(self, "w_" + workload)(n)

    def close(self) -> None:
        pass
