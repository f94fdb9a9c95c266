"""Worker run by the *reference* virtual environment (rhosocial-activerecord-postgres==1.0.0.dev16).

Started as ``<ref venv>/bin/python benchmarks/ref_worker.py``; reads one JSON command per line on
stdin and answers one JSON line on stdout: ``{"op": "setup", "config": {...}}`` then
``{"op": "run", "workload": "save", "n": 1000}`` -> ``{"seconds": 0.42}``. Imports nothing of our
packages (they are not installed there), only the reference's and ``schema.py`` beside this file.
"""

from __future__ import annotations

import datetime
import gc
import json
import logging
import sys
import time
import traceback
from decimal import Decimal
from typing import Optional

import schema  # benchmarks/schema.py (stdlib only)
from rhosocial.activerecord.backend.impl.postgres import PostgresBackend, PostgresConnectionConfig
from rhosocial.activerecord.logging.config import LoggingConfig
from rhosocial.activerecord.model import ActiveRecord

QUIET = LoggingConfig(default_level=logging.WARNING)


def _model(table, name, backend):
    cls = type(name, (ActiveRecord,), {
        "__table_name__": table,
        "__annotations__": {"id": Optional[int], "name": str, "score": int, "price": Decimal,
                            "created": datetime.datetime, "meta": Optional[dict]},
        "id": None, "meta": None, "__module__": __name__, "__logging_config__": QUIET,
    })
    cls.__backend__ = backend
    return cls


class Reference:
    def __init__(self, config):
        logging.disable(logging.CRITICAL)  # the reference logs even when asked not to
        self.b = PostgresBackend(connection_config=PostgresConnectionConfig(**config))
        self.b.connect()
        self.b.introspect_and_adapt()
        self.Read = _model("bench_read", "ReadItem", self.b)
        self.Write = _model("bench_write", "WriteItem", self.b)

    def _new(self, n):
        W = self.Write
        return [W(name=a, score=b, price=c, created=d, meta=e) for a, b, c, d, e in schema.rows(n)]

    def w_save(self, n):
        records = self._new(n)
        start = time.perf_counter()
        with self.Write.transaction():
            for r in records:
                r.save()
        return time.perf_counter() - start

    def w_bulk(self, n):
        records = self._new(n)
        start = time.perf_counter()
        self.Write.bulk_create(records)
        return time.perf_counter() - start

    def w_select(self, n):
        start = time.perf_counter()
        self.Read.query().order_by("id").limit(n).all()
        return time.perf_counter() - start

    def w_lookup(self, n):
        keys = schema.keys(n)
        find = self.Read.find_one
        start = time.perf_counter()
        for k in keys:
            find(k)
        return time.perf_counter() - start

    def w_update(self, n):
        by_id = {r.id: r for r in self.Read.query().where("id <= ?", (schema.READ_ROWS,)).all()}
        records = [by_id[k] for k in schema.keys(n)]
        start = time.perf_counter()
        with self.Read.transaction():
            for r in records:
                r.score = (r.score + 1) % 1000
                r.save()
        return time.perf_counter() - start


def main():
    system = None
    out = sys.stdout
    sys.stdout = sys.stderr  # stray prints must not corrupt the protocol
    for line in sys.stdin:
        command = json.loads(line)
        try:
            if command["op"] == "setup":
                system = Reference(command["config"])
                answer = {"ok": True}
            elif command["op"] == "run":
                gc.collect()  # as the main process does before every run
                answer = {"seconds": getattr(system, "w_" + command["workload"])(command["n"])}
            elif command["op"] == "freeze":
                gc.collect()
                gc.freeze()
                answer = {"ok": True}
            else:
                break
        except Exception as exc:  # reported, not fatal: a failed workload is shown as such
            answer = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()[-2000:]}
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
