"""``status``: connections, database sizes and the main server settings."""

from __future__ import annotations

import argparse
from typing import Any, Dict, List

from .common import Session, add_output_flags, add_subparser, print_json, print_table, report_errors

SETTINGS = ("server_version", "max_connections", "shared_buffers", "work_mem", "maintenance_work_mem",
            "effective_cache_size", "wal_level", "max_wal_size", "statement_timeout", "lock_timeout",
            "idle_in_transaction_session_timeout", "default_transaction_isolation", "timezone",
            "search_path", "data_directory", "listen_addresses", "port", "ssl")

_CONNECTIONS = """
SELECT COALESCE(datname, '(background)') AS database, COALESCE(state, '(none)') AS state,
       count(*) AS connections,
       max(now() - xact_start) FILTER (WHERE xact_start IS NOT NULL) AS longest_transaction
  FROM pg_catalog.pg_stat_activity
 GROUP BY 1, 2 ORDER BY 1, 2
"""
_SETTINGS = """
SELECT name, setting, unit, source FROM pg_catalog.pg_settings
 WHERE name = ANY(%s) ORDER BY array_position(%s, name::text)
"""
_UPTIME = ("SELECT pg_catalog.pg_postmaster_start_time() AS started, "
           "now() - pg_catalog.pg_postmaster_start_time() AS uptime")


def add_parser(sub: Any) -> None:
    parser = add_subparser(sub, "status", "connections, database sizes, settings", description=__doc__)
    add_output_flags(parser)
    parser.set_defaults(func=run)


@report_errors
def run(args: argparse.Namespace) -> int:
    with Session(args) as session:
        backend, run_ = session.backend, session.run
        info = run_(backend.introspector.get_database_info())
        uptime = run_(backend.fetch_one(_UPTIME))
        connections: List[Dict[str, Any]] = run_(backend.fetch_all(_CONNECTIONS))
        databases = run_(backend.introspector.list_databases())
        names = list(SETTINGS)
        settings = run_(backend.fetch_all(_SETTINGS, (names, names)))
    for row in connections:
        row["longest_transaction"] = str(row["longest_transaction"]) if row["longest_transaction"] else None
    report = {
        "server": {"version": info.version, "database": info.name, "user": info.extra.get("current_user"),
                   "started": str(uptime["started"]), "uptime": str(uptime["uptime"]).split(".")[0]},
        "connections": connections,
        "databases": [{"name": d.name, "size_bytes": d.size_bytes, "owner": d.owner} for d in databases],
        "settings": settings,
    }
    if args.json:
        print_json(report)
        return 0
    for key, value in report["server"].items():
        print(f"{key}: {value}")
    print()
    print_table(connections, title="Connections:")
    print()
    print_table(report["databases"], ["name", "size_bytes", "owner"],
                title="Databases:")
    print()
    print_table(settings, title="Settings:")
    return 0
