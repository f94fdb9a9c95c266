"""``python -m benchmarks [--quick] [--reps N] [--out DIR] [--no-reference]``

One process tree; every system is measured side by side and interleaved (round-robin: each
repetition runs every system once per workload, in turn), the median of the repetitions is
reported as a ratio to raw psycopg (sync) or raw psycopg async. The reference backend
(rhosocial-activerecord-postgres==1.0.0.dev16) runs in its own virtual environment
(``$RHOSOCIAL_BENCH_CACHE``, default ``~/.cache/rhosocial-bench``), in a worker subprocess.
Server: ``RHOSOCIAL_PG_DSN`` if set, else a throw-away embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any, Dict, List, Optional

import psycopg

from . import schema
from .report import write_report

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = "rhosocial-activerecord-postgres==1.0.0.dev16"


def _server():
    dsn = os.environ.get("RHOSOCIAL_PG_DSN")
    if dsn:
        info = psycopg.conninfo.conninfo_to_dict(dsn)
        kw = dict(host=info.get("host", "localhost"), port=int(info.get("port", 5432)), user=info.get("user"),
                  password=info.get("password"), dbname=info.get("dbname"))
        return None, kw
    from rhosocial.activerecord.backend.impl.postgres.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(prefix="rhosocial-bench-",
                              extra_conf={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"})
    return server, server.start()


def _seed(conninfo):
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        for statement in schema.DDL:
            conn.execute(statement)
        with conn.cursor() as cur, cur.copy(f"COPY {schema.READ_TABLE} ({', '.join(schema.COLUMNS)}) "
                                            "FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "int4", "numeric", "timestamptz", "jsonb"])
            for r in schema.rows(schema.READ_ROWS):
                copy.write_row(r)
        conn.execute("VACUUM ANALYZE")


def _reference_python() -> Optional[str]:
    cache = Path(os.environ.get("RHOSOCIAL_BENCH_CACHE", Path.home() / ".cache" / "rhosocial-bench"))
    venv = cache / "ref-dev16"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating the reference venv in {venv} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", REFERENCE, "psycopg[binary]"], check=True)
    return str(python)


class ReferenceSystem:
    name = "reference dev16 (models)"
    is_async = False
    workloads = ("save", "bulk", "select", "lookup", "update")

    def __init__(self, python: str, config: Dict[str, Any]) -> None:
        self.proc = subprocess.Popen([python, str(Path(__file__).with_name("ref_worker.py"))],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     cwd=str(Path(__file__).parent))
        self._ask({"op": "setup", "config": config})

    def _ask(self, command):
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def run(self, workload, n):
        return self._ask({"op": "run", "workload": workload, "n": n})["seconds"]

    def freeze(self):
        self._ask({"op": "freeze"})

    def close(self):
        try:
            self._ask({"op": "quit"})
        except Exception:
            pass
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def _plan(quick: bool):
    sizes = [1000] if quick else [1000, 10000]
    plan = []
    for n in sizes:
        plan += [("save", n), ("bulk", n), ("bulk_executemany", n), ("select", n)]
    plan += [("lookup", 1000), ("update", 1000), ("pooled", 1000)]
    return plan


def _truncate(conninfo):
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {schema.WRITE_TABLE} RESTART IDENTITY")


def _stream_memory(systems, n):
    """Peak Python memory (tracemalloc) and time of streaming ``n`` rows, once per system."""
    out = {}
    for system in systems:
        if "stream" not in system.workloads:
            continue
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            gc.collect()
            seconds = system.run("stream", n)
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
        out[system.name] = {"seconds": seconds, "peak_mib": peak / 2**20}
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI smoke: 3 repetitions, 1,000 rows")
    parser.add_argument("--reps", type=int, default=None)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks"))
    parser.add_argument("--no-reference", action="store_true", help="skip the reference backend")
    args = parser.parse_args(argv)
    reps = args.reps or (3 if args.quick else 7)
    stream_rows = 100_000 if args.quick else 1_000_000

    from rhosocial.activerecord.backend.impl.postgres import PostgresConnectionConfig

    from . import systems as S
    from . import systems_async as SA

    server, conninfo = _server()
    loop = asyncio.new_event_loop()
    opened: List[Any] = []
    try:
        _seed(conninfo)
        config_kwargs = dict(host=conninfo["host"], port=conninfo["port"], username=conninfo["user"],
                             password=conninfo["password"], database=conninfo["dbname"])
        config = PostgresConnectionConfig(**config_kwargs)
        url = (f"postgresql+psycopg://{conninfo['user']}:{conninfo['password']}@{conninfo['host']}:"
               f"{conninfo['port']}/{conninfo['dbname']}")
        raw = S.RawPsycopg(conninfo)
        api = S.OursAPI(config)
        models = S.OursModels(config)
        floor = S.CoreFloor(config, raw, api.b)
        on_raw = S.CoreOnRawPsycopg(config, conninfo, api.b)
        sync_systems: List[Any] = [raw, api, models, floor, on_raw]
        try:
            sync_systems.append(S.SQLAlchemyORM(url))
        except ImportError as exc:
            print(f"SQLAlchemy skipped: {exc}", file=sys.stderr)
        if not args.no_reference:
            try:
                sync_systems.append(ReferenceSystem(_reference_python(), config_kwargs))
            except Exception as exc:
                print(f"reference skipped: {exc}", file=sys.stderr)
        async_systems: List[Any] = [loop.run_until_complete(SA.AsyncRawPsycopg(loop).open(conninfo))]
        ours_async = loop.run_until_complete(SA.AsyncOurs(loop).open(config_kwargs))
        async_systems += [ours_async, loop.run_until_complete(SA.AsyncOursModels(loop).open(ours_async.b))]
        for factory, arg in ((SA.AsyncPG, conninfo), (SA.AsyncSQLAlchemy, url)):
            try:
                async_systems.append(loop.run_until_complete(factory(loop).open(arg)))
            except ImportError as exc:
                print(f"{factory.name} skipped: {exc}", file=sys.stderr)
        opened = sync_systems + async_systems

        plan = _plan(args.quick)
        samples: Dict[tuple, Dict[str, List[float]]] = {}
        for system in opened:  # warm-up: caches, prepared statements, imports
            for workload, n in plan:
                if workload in system.workloads:
                    if workload in ("save", "bulk", "bulk_executemany"):
                        _truncate(conninfo)
                    system.run(workload, min(n, 200))
        # Setup objects (rows, sessions, models of every system) stay alive for the whole run;
        # frozen, they are not traversed by the collections that a system's own allocations
        # trigger, in this process and in the reference's worker alike.
        gc.collect()
        gc.freeze()
        for system in opened:
            if hasattr(system, "freeze"):
                system.freeze()
        for rep in range(reps):
            print(f"repetition {rep + 1}/{reps}", file=sys.stderr)
            for workload, n in plan:
                for system in opened:
                    if workload not in system.workloads:
                        continue
                    if workload in ("save", "bulk", "bulk_executemany"):
                        _truncate(conninfo)
                    # every run starts from a collected heap: otherwise a full collection of the
                    # objects other systems left alive lands in whichever run happens to trigger it
                    gc.collect()
                    seconds = system.run(workload, n)
                    samples.setdefault((workload, n, system.is_async), {}).setdefault(system.name, []).append(seconds)
        stream = _stream_memory([raw, api], stream_rows)
        medians = {key: {name: statistics.median(v) for name, v in per.items()} for key, per in samples.items()}
        write_report(Path(args.out), medians, stream, stream_rows, reps, args.quick)
        print(f"wrote {args.out}/results.md", file=sys.stderr)
    finally:
        for system in opened:
            try:
                system.close()
            except Exception:
                pass
        loop.close()
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
