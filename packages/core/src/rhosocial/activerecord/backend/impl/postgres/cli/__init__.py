"""Command-line tool: ``python -m rhosocial.activerecord.backend.impl.postgres`` / ``rhosocial-postgres``.

Sub-commands live in their own modules; each registers its arguments and a
``run(args) -> int`` function. Connection flags follow psql's (``-h -p -U -d``),
plus ``--dsn``; the standard ``PG*`` environment variables are honoured.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from . import demo, info, introspect, query, status
from .common import IntermixedParser

COMMANDS = {"info": info, "introspect": introspect, "query": query, "status": status, "demo": demo}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rhosocial-postgres",
        description="PostgreSQL backend for rhosocial-activerecord: tools.",
    )
    # intermixed: options may follow or sit between positionals (``introspect table -n s t``)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=IntermixedParser)
    for module in COMMANDS.values():
        module.add_parser(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return int(COMMANDS[args.command].run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
