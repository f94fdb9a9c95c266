"""``info``: server version and the capabilities the backend declares for it.

``info`` connects and reports what this server (and database: extensions count)
supports; ``info --version 14`` answers offline for any version, from the
capability table alone.
"""

from __future__ import annotations

import argparse
from typing import Any, Dict, List, Optional, Tuple

from .. import capabilities as caps
from .common import (
    EXIT_USAGE,
    CliError,
    Session,
    add_output_flags,
    add_subparser,
    print_json,
    print_table,
    report_errors,
)


def add_parser(sub: Any) -> None:
    parser = add_subparser(sub, "info", "server version and declared capabilities",
                           description=__doc__)
    parser.add_argument("--version", dest="server_version", metavar="MAJOR[.MINOR]",
                        help="answer offline for this PostgreSQL version instead of connecting")
    parser.add_argument("--category", help="only capabilities of this category (an unknown one is an error)")
    parser.add_argument("--supported", action="store_true", help="only list supported capabilities")
    add_output_flags(parser)
    parser.set_defaults(func=run)


def _parse_version(text: str) -> Tuple[int, int]:
    try:
        parts = [int(p) for p in text.split(".")[:2]]
    except ValueError:
        raise CliError(f"--version expects a number such as 14 or 9.6, got {text!r}", EXIT_USAGE) from None
    return (parts[0], parts[1] if len(parts) > 1 else 0)


def _rows(version: Tuple[int, ...], dialect: Any = None, category: Optional[str] = None,
          supported_only: bool = False) -> List[Dict[str, Any]]:
    rows = []
    for cap in caps.CAPABILITIES.values():
        if category and cap.category != category:
            continue
        if dialect is not None:
            supported = dialect.has_capability(cap.key)
        else:
            supported = cap.available_in(version)
        note = ""
        if cap.extension:
            note = f"needs extension {cap.extension}"
            if dialect is not None:
                note += f" ({dialect.extension_status(cap.extension)})"
        if cap.since is None:
            note = "not in PostgreSQL"
        if supported_only and not supported:
            continue
        rows.append({
            "capability": cap.key,
            "category": cap.category,
            "since": f"{cap.since[0]}.{cap.since[1]}" if cap.since else None,
            "supported": supported,
            "note": note,
            "description": cap.description,
        })
    return rows


def _check_category(category: Optional[str]) -> None:
    """An unknown category is a usage error: filtering by it would print "0 of 0" and succeed."""
    known = sorted({cap.category for cap in caps.CAPABILITIES.values()})
    if category is not None and category not in known:
        raise CliError(f"unknown --category {category!r}; valid: {', '.join(known)}", EXIT_USAGE)


@report_errors
def run(args: argparse.Namespace) -> int:
    _check_category(args.category)  # before connecting: a typo needs no server
    if args.server_version is not None:  # "" too: a usage error, not "connect instead"
        version = _parse_version(args.server_version)
        server: Dict[str, Any] = {"version": f"{version[0]}.{version[1]}", "offline": True}
        if version < caps.MINIMUM_SERVER_VERSION:
            server["warning"] = (f"below the oldest supported server "
                                 f"({caps.MINIMUM_SERVER_VERSION[0]}.{caps.MINIMUM_SERVER_VERSION[1]})")
        rows = _rows(version, None, args.category, args.supported)
    else:
        with Session(args) as session:
            backend = session.backend
            version = session.run(backend.get_server_version())
            info = session.run(backend.introspector.get_database_info())
            server = {
                "version": info.version,
                "version_tuple": list(version),
                "version_text": info.extra.get("version_text"),
                "database": info.name,
                "user": info.extra.get("current_user"),
                "encoding": info.encoding,
                "offline": False,
                "extensions": backend.dialect.installed_extensions,
            }
            rows = _rows(version, backend.dialect, args.category, args.supported)
    if args.json:
        print_json({"server": server, "capabilities": rows})
        return 0
    for key, value in server.items():
        if key not in ("offline", "version_tuple") and value not in (None, {}):
            print(f"{key}: {value}")
    yes = sum(1 for r in rows if r["supported"])
    print()
    print_table(rows, ["capability", "category", "since", "supported", "note"],
                title=f"Capabilities ({yes} of {len(rows)} supported):")
    return 0
