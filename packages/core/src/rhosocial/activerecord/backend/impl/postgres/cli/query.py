"""``query``: run SQL and print the result as a table, JSON or CSV.

The SQL comes from the argument, from ``-f FILE``, or from standard input
(``-``). Parameters use ``%s`` placeholders and are given with ``--param``
(repeatable; values are sent as text and cast by the server). ``--explain``
prints the plan (EXPLAIN ANALYZE with ``--analyze``) instead of running the
statement plainly, as text or ``--json``.

One statement per call: a text holding several (``SELECT 1; SELECT 2``) is refused
with exit code 2 rather than run with all but the first result lost. NaN and
infinite numbers are printed as the strings ``NaN``, ``Infinity``, ``-Infinity``
(also in ``--json``, which has no such numbers); infinite dates, timestamps and
intervals as ``infinity`` / ``-infinity``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rhosocial.activerecord.backend.options import ExecutionOptions
from rhosocial.activerecord.backend.schema import StatementType

from .common import (
    EXIT_USAGE,
    CliError,
    Session,
    add_output_flags,
    add_subparser,
    print_csv,
    print_json,
    print_table,
    report_errors,
)
from .sqltext import split_statements


def add_parser(sub: Any) -> None:
    parser = add_subparser(sub, "query", "run SQL; table, --json or --csv output", description=__doc__)
    parser.add_argument("sql", nargs="?", help="the statement ('-' reads standard input)")
    parser.add_argument("-f", "--file", help="read the statement from a file")
    parser.add_argument("--param", action="append", default=[], metavar="VALUE",
                        help="a parameter for the next %%s placeholder (repeatable)")
    parser.add_argument("--explain", action="store_true", help="print the plan instead of the rows")
    parser.add_argument("--analyze", action="store_true",
                        help="with --explain: run it (EXPLAIN ANALYZE, BUFFERS); an error without --explain")
    add_output_flags(parser, csv_too=True)
    parser.set_defaults(func=run)


def _read_sql(args: argparse.Namespace) -> str:
    if args.file:
        try:
            with open(args.file, encoding="utf-8") as handle:
                return handle.read()
        except OSError as exc:
            raise CliError(f"cannot read {args.file}: {exc.strerror}", EXIT_USAGE) from None
    if args.sql == "-" or (args.sql is None and not sys.stdin.isatty()):
        return sys.stdin.read()
    if not args.sql:
        raise CliError("no SQL given (an argument, -f FILE, or '-' for standard input)", EXIT_USAGE)
    return args.sql


@report_errors
def run(args: argparse.Namespace) -> int:
    # flags that would otherwise be ignored silently are usage errors, checked before connecting
    if args.analyze and not args.explain:
        raise CliError("--analyze needs --explain (it runs EXPLAIN ANALYZE)", EXIT_USAGE)
    if args.explain and args.csv:
        raise CliError("--explain prints a plan: use the default text or --json, not --csv", EXIT_USAGE)
    statements = split_statements(_read_sql(args))
    if not statements:
        raise CliError("the SQL statement is empty", EXIT_USAGE)
    if len(statements) > 1:
        raise CliError(f"query runs one statement, this text has {len(statements)} "
                       f"(run them one by one, or use psql for scripts)", EXIT_USAGE)
    text = statements[0]
    params = tuple(args.param) or None
    with Session(args) as session:
        backend = session.backend
        if args.explain:
            result = session.run(backend.explain_sql(text, params, analyze=args.analyze, buffers=args.analyze))
            if args.json:
                print_json(result.model_dump(exclude={"raw_rows"}))
            else:
                print(result.to_text())
            return 0
        result = session.run(backend.execute(text, params, options=ExecutionOptions(
            stmt_type=StatementType.DQL, process_result_set=True)))
        rows = result.data
        if rows is None or (not rows and _no_result_set(text)):
            message = {"status": "OK", "affected_rows": result.affected_rows}
            if args.json:
                print_json(message)
            else:
                print(f"OK ({result.affected_rows} row{'s' if result.affected_rows != 1 else ''} affected)")
            return 0
        if args.json:
            print_json(rows)
        elif args.csv:
            print_csv(rows)
        else:
            print_table(rows)
    return 0


def _no_result_set(text: str) -> bool:
    word = text.split(None, 1)[0].upper() if text.split() else ""
    return word not in ("SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN", "FETCH")
