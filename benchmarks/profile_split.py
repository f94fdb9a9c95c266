"""``python -m benchmarks.profile_split``: where the time of a model ``save()`` and of a
10,000-row model select goes, between psycopg (with the wait for the server), our backend
and the core's model layer.

cProfile's own time per function (``tottime``) is attributed by the file the function lives
in; builtins and standard-library functions are charged to the group that called them
(see ``split``), so "other" is only what no psycopg, backend or core function led to.
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
    """Own time per group. Builtins and stdlib functions (json, typing, logging, ...) are
    charged to whoever called them: the heaviest caller, followed up until a function of
    psycopg, our backend or the core (the core's protocol ``isinstance`` checks run in
    ``typing``, psycopg's jsonb loader in ``json``)."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]

    def owner(func: tuple) -> str:
        seen = set()
        while func not in seen:
            seen.add(func)
            group = _group(func[0]) if func[0] != "~" else GROUPS[3]
            if group != GROUPS[3]:
                return group
            callers = stats.get(func, (0, 0, 0, 0, {}))[4]
            if not callers:
                return GROUPS[3]
            func = max(callers.items(), key=lambda item: item[1][2])[0]
        return GROUPS[3]

    totals: Dict[str, float] = defaultdict(float)
    for func, (_cc, _nc, tottime, _cum, _callers) in stats.items():
        totals[owner(func)] += tottime
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
