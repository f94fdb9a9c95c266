"""``query``: run SQL and print the result as a table, JSON or CSV.

The SQL comes from the argument, from ``-f FILE``, or from standard input
(``-``). Parameters use ``%s`` placeholders and are given with ``--param``
(repeatable; values are sent as text and cast by the server). ``--explain``
prints the plan (EXPLAIN ANALYZE with ``--analyze``) instead of running the
statement plainly, as text or ``--json``. EXPLAIN ANALYZE executes the statement: it
runs in a transaction that is rolled back, so an analysed ``DELETE`` deletes nothing,
unless ``--commit`` is given.

Columns of the same name (``SELECT 1, 2`` has two ``?column?``) are all printed, in
order, in the table and in CSV (whose header repeats the name, as psql's does). In
``--json`` each row is an object, so the second one is keyed ``?column?_2`` (the third
``_3``, ...; a suffix another column already uses is skipped).

One statement per call: a text holding several (``SELECT 1; SELECT 2``) is refused
with exit code 2 rather than run with all but the first result lost. NaN and
infinite numbers are printed as the strings ``NaN``, ``Infinity``, ``-Infinity``
(also in ``--json``, which has no such numbers); infinite dates, timestamps and
intervals as ``infinity`` / ``-infinity``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, List

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
                        help="with --explain: run it (EXPLAIN ANALYZE, BUFFERS) in a transaction that is "
                             "rolled back; an error without --explain")
    parser.add_argument("--commit", action="store_true",
                        help="with --explain --analyze: commit what the statement did instead of rolling it back")
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
    if args.commit and not args.analyze:
        raise CliError("--commit needs --explain --analyze (only EXPLAIN ANALYZE executes the statement)",
                       EXIT_USAGE)
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
            result = _explain(session, text, params, args.analyze, args.commit)
            if args.json:
                print_json(result.model_dump(exclude={"raw_rows"}))
            else:
                print(result.to_text())
            return 0
        backend.last_columns = backend.last_rows = None
        result = session.run(backend.execute(text, params, options=ExecutionOptions(
            stmt_type=StatementType.DQL, process_result_set=True)))
        rows = result.data
        keys = headers = None
        if backend.last_columns is not None:  # also gives the CSV header of an empty result
            headers = backend.last_columns
            keys = unique_keys(headers)
            if keys != headers:  # a repeated name: the dicts lost columns, rebuild from the tuples
                rows = [dict(zip(keys, row, strict=True)) for row in backend.last_rows or ()]
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
            print_csv(rows, keys, headers)
        else:
            print_table(rows, keys, headers=headers)
    return 0


def _explain(session: Session, text: str, params: Any, analyze: bool, commit: bool) -> Any:
    """The plan; with ``analyze`` the statement runs, inside a transaction rolled back
    afterwards (committed with ``commit``) so that EXPLAIN ANALYZE of DML changes nothing."""
    backend = session.backend
    if not analyze:
        return session.run(backend.explain_sql(text, params))
    manager = backend.transaction_manager
    session.run(manager.begin())
    try:
        result = session.run(backend.explain_sql(text, params, analyze=True, buffers=True))
    except BaseException:
        try:
            session.run(manager.rollback())
        except Exception:  # a lost connection: the statement's own error says more
            pass
        raise
    session.run(manager.commit() if commit else manager.rollback())
    return result


def unique_keys(names: List[str]) -> List[str]:
    """``names`` made unique for JSON objects: a repeated name gets ``_2``, ``_3``, ...
    (skipping suffixes another column already has): ``["a", "a", "a_2"]`` -> ``["a", "a_3", "a_2"]``."""
    taken = set(names)
    seen: set = set()
    keys = []
    for name in names:
        key, number = name, 1
        while key in seen:
            number += 1
            key = f"{name}_{number}"
            if key in taken:
                key = name  # another column's own name: try the next number
        seen.add(key)
        keys.append(key)
    return keys


def _no_result_set(text: str) -> bool:
    word = text.split(None, 1)[0].upper() if text.split() else ""
    return word not in ("SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN", "FETCH")
