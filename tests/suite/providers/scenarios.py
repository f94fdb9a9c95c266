"""Scenarios of the official suite for PostgreSQL: where the test database is.

The suite asks providers for scenario names at collection time and for models at run time.
The database itself is the harness's session-scoped ``pg_database`` (tests/harness), handed over
by tests/suite/conftest.py through :func:`set_connection`; it is also written to the environment
(``RHOSOCIAL_SUITE_PG_CONN``, JSON) so worker processes started by the suite can reach it.
"""

from __future__ import annotations

import json
import os
from typing import Dict, List, Optional

ENV_CONN = "RHOSOCIAL_SUITE_PG_CONN"

# One scenario: the harness's server (its major is chosen with --pg-major / RHOSOCIAL_PG_MAJOR).
SCENARIOS = ["postgres"]

_conn: Optional[Dict[str, object]] = None


def set_connection(conn_kwargs: Dict[str, object]) -> None:
    global _conn
    _conn = dict(conn_kwargs)
    os.environ[ENV_CONN] = json.dumps(_conn)


def conn_kwargs() -> Dict[str, object]:
    if _conn is not None:
        return dict(_conn)
    raw = os.environ.get(ENV_CONN)
    if raw:
        return json.loads(raw)
    raise RuntimeError("no test database: tests/suite/conftest.py sets it from the harness's pg_database "
                       f"(or set {ENV_CONN} to a JSON object of PostgresConnectionConfig kwargs)")


def get_config(**overrides):
    from rhosocial.activerecord.backend.impl.postgres import PostgresConnectionConfig

    kwargs = conn_kwargs()
    kwargs.update(overrides)
    return PostgresConnectionConfig(**kwargs)


def get_enabled_scenarios() -> List[str]:
    """Honour --scenarios (the suite's root conftest puts it in TESTSUITE_ACTIVE_SCENARIOS)."""
    active = os.environ.get("TESTSUITE_ACTIVE_SCENARIOS")
    if not active:
        return list(SCENARIOS)
    wanted = {s.strip() for s in active.split(",") if s.strip()}
    return [s for s in SCENARIOS if s in wanted]
