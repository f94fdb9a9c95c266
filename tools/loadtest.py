#!/usr/bin/env python3
"""A bounded mixed-workload load test for the PostgreSQL backend.

Runs for a fixed time (default 10 s) against ``--dsn`` (a libpq string or URI), or against a
private embedded PostgreSQL started for the run when no DSN is given, and reports throughput,
latency percentiles per operation and errors by class. Everything is bounded: the duration,
an optional ``--max-ops`` cap, the number of workers, and the pool size; it stops by itself
and drops the table it created.

Workload (weights): point read 50, insert 20, transfer transaction 20 (two UPDATEs, ordered
locks, REPEATABLE READ optional), range scan 10.

    python tools/loadtest.py                       # embedded server, sync, 8 threads, 10 s
    python tools/loadtest.py --mode async --workers 64 --duration 5
    python tools/loadtest.py --dsn "host=127.0.0.1 port=5432 dbname=x user=u" --json out.json

Only loopback or the project's own test hosts may be targeted (see the env notes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from typing import Dict, List, Optional

OPS = (("read", 50), ("insert", 20), ("transfer", 20), ("scan", 10))
ACCOUNTS = 1000


def _quiet_logger() -> logging.Logger:
    logger = logging.getLogger("rhosocial.loadtest")
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler(sys.stderr))
    return logger


class Stats:
    def __init__(self) -> None:
        self.latencies: Dict[str, List[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.lock = threading.Lock()

    def record(self, op: str, seconds: float) -> None:
        self.latencies[op].append(seconds)  # list.append is atomic under the GIL

    def error(self, op: str, exc: BaseException) -> None:
        with self.lock:
            self.errors[f"{op}: {type(exc).__name__}"] += 1

    def merge_report(self, elapsed: float, meta: dict) -> dict:
        total = sum(len(v) for v in self.latencies.values())
        report = {"meta": meta, "elapsed_s": round(elapsed, 3), "ops": total,
                  "throughput_ops_s": round(total / elapsed, 1) if elapsed else 0.0,
                  "transactions_s": round(len(self.latencies.get("transfer", [])) / elapsed, 1) if elapsed else 0.0,
                  "errors": dict(self.errors), "error_count": sum(self.errors.values()), "latency_ms": {}}
        everything = []
        for op, values in sorted(self.latencies.items()):
            everything.extend(values)
            report["latency_ms"][op] = _percentiles(values)
        report["latency_ms"]["all"] = _percentiles(everything)
        return report


def _percentiles(values: List[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 3)
    return {"n": len(ordered), "p50": pct(50), "p90": pct(90), "p95": pct(95), "p99": pct(99),
            "max": round(ordered[-1] * 1000, 3)}


def _choose(rng: random.Random) -> str:
    point = rng.uniform(0, sum(w for _, w in OPS))
    for op, weight in OPS:
        point -= weight
        if point <= 0:
            return op
    return OPS[-1][0]


def _statements(table: str) -> dict:
    return {
        "read": f'SELECT id, balance, note FROM "{table}" WHERE id = %s',
        "insert": f'INSERT INTO "{table}" (balance, note) VALUES (%s, %s)',
        "debit": f'UPDATE "{table}" SET balance = balance - %s WHERE id = %s',
        "credit": f'UPDATE "{table}" SET balance = balance + %s WHERE id = %s',
        "scan": f'SELECT id, balance FROM "{table}" WHERE id >= %s ORDER BY id LIMIT 20',
    }


# -- sync ----------------------------------------------------------------------------------

def run_sync(config, table: str, workers: int, deadline: float, max_ops: Optional[int], stats: Stats) -> None:
    from rhosocial.activerecord.backend.impl.postgres import PostgresBackend

    backend = PostgresBackend(connection_config=config, logger=_quiet_logger())
    backend.connect()  # opens the pool before the workers start
    sql = _statements(table)
    budget = [max_ops if max_ops else -1]
    budget_lock = threading.Lock()

    def take() -> bool:
        if budget[0] < 0:
            return True
        with budget_lock:
            if budget[0] == 0:
                return False
            budget[0] -= 1
            return True

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline and take():
            op = _choose(rng)
            began = time.perf_counter()
            try:
                if op == "read":
                    backend.fetch_one(sql["read"], (rng.randint(1, ACCOUNTS),))
                elif op == "insert":
                    backend.execute(sql["insert"], (rng.randint(0, 100), f"n{seed}"))
                elif op == "scan":
                    backend.fetch_all(sql["scan"], (rng.randint(1, ACCOUNTS),))
                else:
                    a, b = sorted(rng.sample(range(1, ACCOUNTS + 1), 2))
                    amount = rng.randint(1, 10)
                    with backend.transaction_manager.transaction():
                        backend.execute(sql["debit"], (amount, a))
                        backend.execute(sql["credit"], (amount, b))
                stats.record(op, time.perf_counter() - began)
            except Exception as exc:
                stats.error(op, exc)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(1.0, deadline - time.monotonic() + 30))
    backend.disconnect()
    if any(t.is_alive() for t in threads):
        stats.errors["harness: worker still running 30 s after the deadline"] += 1


# -- async ---------------------------------------------------------------------------------

async def run_async(config, table: str, workers: int, deadline: float, max_ops: Optional[int], stats: Stats) -> None:
    from rhosocial.activerecord.backend.impl.postgres import AsyncPostgresBackend

    backend = AsyncPostgresBackend(connection_config=config, logger=_quiet_logger())
    await backend.connect()
    sql = _statements(table)
    budget = [max_ops if max_ops else -1]

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            if budget[0] == 0:
                return
            if budget[0] > 0:
                budget[0] -= 1
            op = _choose(rng)
            began = time.perf_counter()
            try:
                if op == "read":
                    await backend.fetch_one(sql["read"], (rng.randint(1, ACCOUNTS),))
                elif op == "insert":
                    await backend.execute(sql["insert"], (rng.randint(0, 100), f"n{seed}"))
                elif op == "scan":
                    await backend.fetch_all(sql["scan"], (rng.randint(1, ACCOUNTS),))
                else:
                    a, b = sorted(rng.sample(range(1, ACCOUNTS + 1), 2))
                    amount = rng.randint(1, 10)
                    async with backend.transaction_manager.transaction():
                        await backend.execute(sql["debit"], (amount, a))
                        await backend.execute(sql["credit"], (amount, b))
                stats.record(op, time.perf_counter() - began)
            except Exception as exc:
                stats.error(op, exc)

    try:
        await asyncio.wait_for(asyncio.gather(*(worker(i) for i in range(workers))),
                               timeout=max(1.0, deadline - time.monotonic() + 30))
    except asyncio.TimeoutError:
        stats.errors["harness: workers still running 30 s after the deadline"] += 1
    finally:
        await backend.disconnect()


# -- setup and report ------------------------------------------------------------------------

def _prepare(dsn: str, table: str) -> int:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP TABLE IF EXISTS "{table}"')
        conn.execute(f'CREATE TABLE "{table}" (id bigserial PRIMARY KEY, balance bigint NOT NULL, note text)')
        conn.execute(f'INSERT INTO "{table}" (balance, note) SELECT 1000, \'seed\' FROM generate_series(1, %s)',
                     (ACCOUNTS,))
        return conn.execute(f'SELECT sum(balance) FROM "{table}" WHERE id <= %s', (ACCOUNTS,)).fetchone()[0]


def _finish(dsn: str, table: str, keep: bool) -> int:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        total = conn.execute(f'SELECT sum(balance) FROM "{table}" WHERE id <= %s', (ACCOUNTS,)).fetchone()[0]
        if not keep:
            conn.execute(f'DROP TABLE "{table}"')
        return total


def format_report(report: dict) -> str:
    lines = [f"loadtest: {report['meta']['mode']} x{report['meta']['workers']} workers, pool "
             f"{report['meta']['pool']}, {report['elapsed_s']} s, server {report['meta']['server']}",
             f"  ops {report['ops']}  throughput {report['throughput_ops_s']} ops/s  "
             f"transactions {report['transactions_s']} tx/s  errors {report['error_count']}",
             f"  {'op':<9}{'n':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}"]
    for op, p in report["latency_ms"].items():
        if p.get("n"):
            lines.append(f"  {op:<9}{p['n']:>8}{p['p50']:>10}{p['p95']:>10}{p['p99']:>10}{p['max']:>10}")
    for name, count in sorted(report["errors"].items()):
        lines.append(f"  error {name}: {count}")
    lines.append(f"  invariant (sum of balances unchanged by transfers): {report['invariant_ok']}")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", default=os.environ.get("RHOSOCIAL_PG_DSN"),
                        help="libpq DSN/URI (default: RHOSOCIAL_PG_DSN, else an embedded server)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds to run (default 10, max 600)")
    parser.add_argument("--mode", choices=("sync", "async"), default="sync")
    parser.add_argument("--workers", type=int, default=8, help="threads (sync) or tasks (async), max 1000")
    parser.add_argument("--pool-size", type=int, default=None, help="pool_max_size (default: min(workers, 10))")
    parser.add_argument("--max-ops", type=int, default=None, help="stop after this many operations")
    parser.add_argument("--json", default=None, help="also write the report as JSON to this file ('-' = stdout)")
    parser.add_argument("--keep-table", action="store_true")
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 600:
        parser.error("--duration must be in (0, 600]")
    if not 0 < args.workers <= 1000:
        parser.error("--workers must be in 1..1000")

    from rhosocial.activerecord.backend.impl.postgres import PostgresConnectionConfig

    embedded = None
    dsn = args.dsn
    if not dsn:
        from psycopg.conninfo import make_conninfo
        from rhosocial.activerecord.backend.impl.postgres.embedded import EmbeddedPostgres

        embedded = EmbeddedPostgres(extra_conf={"max_connections": "200"})
        kwargs = embedded.start()
        dsn = make_conninfo(**{k: str(v) for k, v in kwargs.items()})
    try:
        pool = args.pool_size or min(args.workers, 10)
        config = PostgresConnectionConfig(dsn=dsn, pool_min_size=min(2, pool), pool_max_size=pool,
                                          pool_timeout=30, application_name="rhosocial-loadtest")
        table = f"rho_loadtest_{os.getpid()}"
        before = _prepare(dsn, table)
        stats = Stats()
        began = time.monotonic()
        deadline = began + args.duration
        if args.mode == "sync":
            run_sync(config, table, args.workers, deadline, args.max_ops, stats)
        else:
            asyncio.run(run_async(config, table, args.workers, deadline, args.max_ops, stats))
        elapsed = time.monotonic() - began
        after = _finish(dsn, table, args.keep_table)
        import psycopg

        with psycopg.connect(dsn) as conn:
            server = conn.execute("SHOW server_version").fetchone()[0]
        report = stats.merge_report(elapsed, {"mode": args.mode, "workers": args.workers, "pool": pool,
                                              "server": server, "embedded": embedded is not None})
        report["invariant_ok"] = before == after
        print(format_report(report))
        if args.json:
            text = json.dumps(report, indent=2)
            if args.json == "-":
                print(text)
            else:
                with open(args.json, "w") as fh:
                    fh.write(text + "\n")
        return 0 if report["invariant_ok"] and report["ops"] > 0 else 1
    finally:
        if embedded is not None:
            embedded.stop()


if __name__ == "__main__":
    sys.exit(main())
