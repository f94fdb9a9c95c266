"""``python -m benchmarks.profile_split``: where the time of a model ``save()`` and of a
10,000-row model select goes, between psycopg (with the wait for the server), our backend
and the core's model layer.

cProfile's own time per function (``tottime``) is attributed by the file the function lives
in; time in C functions is attributed to the caller's group (cProfile reports builtins
without a file, so they are charged to the group of the function that called them most).
Profiling inflates Python-level work more than I/O waits, so the shares are indicative;
docs/performance.md quotes them.
"""

from __future__ import annotations

import cProfile
import gc
import pstats
import sys
from collections import defaultdict
from typing import Dict

from . import schema
from .__main__ import _seed, _server, _truncate
from .systems import OursModels

GROUPS = ("psycopg + server", "our backend", "core (model layer, pydantic)", "other (stdlib)")


def _group(filename: str) -> str:
    if "impl/postgres" in filename:
        return GROUPS[1]
    if "/psycopg" in filename:
        return GROUPS[0]
    if "rhosocial/activerecord" in filename or "/pydantic" in filename or "/benchmarks/" in filename:
        return GROUPS[2]
    return GROUPS[3]


def split(profile: cProfile.Profile) -> Dict[str, float]:
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    totals: Dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _cum, callers) in stats.items():
        if filename == "~" and callers:
            # a builtin: charge it to the group of its heaviest caller
            caller = max(callers.items(), key=lambda item: item[1][2])[0]
            totals[_group(caller[0])] += tottime
        else:
            totals[_group(filename)] += tottime
    return totals


def _profile(fn) -> Dict[str, float]:
    gc.collect()
    profile = cProfile.Profile()
    profile.enable()
    fn()
    profile.disable()
    return split(profile)


def main() -> None:
    from rhosocial.activerecord.backend.impl.postgres import PostgresConnectionConfig

    server, conninfo = _server()
    try:
        _seed(conninfo)
        config = PostgresConnectionConfig(host=conninfo["host"], port=conninfo["port"], username=conninfo["user"],
                                          password=conninfo["password"], database=conninfo["dbname"])
        models = OursModels(config)
        Write, Read = models.Write, models.Read
        records = [Write(name=a, score=b, price=c, created=d, meta=e) for a, b, c, d, e in schema.rows(1000)]
        for r in records[:100]:  # warm-up: prepared statements, caches
            r.save()
        _truncate(conninfo)
        records = [Write(name=a, score=b, price=c, created=d, meta=e) for a, b, c, d, e in schema.rows(1000)]
        rows = {
            "1,000 x save() (INSERT ... RETURNING, autocommit)": _profile(lambda: [r.save() for r in records]),
            "select 10,000 rows into models": _profile(lambda: Read.query().order_by("id").limit(10000).all()),
        }
        print("| operation | " + " | ".join(GROUPS) + " |")
        print("| --- | " + " | ".join("---:" for _ in GROUPS) + " |")
        for label, totals in rows.items():
            whole = sum(totals.values()) or 1.0
            print(f"| {label} | " + " | ".join(f"{100 * totals[g] / whole:.0f}%" for g in GROUPS) + " |")
        models.close()
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
