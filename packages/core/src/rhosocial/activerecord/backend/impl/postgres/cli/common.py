"""What the sub-commands share: connection flags, the backend runner, output, errors.

Connection: ``--dsn`` (libpq string or URI) or psql's flags ``-h -p -U -d``;
what neither gives comes from the standard ``PG*`` variables (``PGHOST``,
``PGPORT``, ``PGUSER``, ``PGDATABASE``, ``PGPASSWORD``, ``PGSSLMODE``, ...).
Precedence: flags, then ``--dsn``, then the environment.

Exit codes: 0 success, 1 the server refused something (SQL or catalogue
error), 2 usage error, 3 cannot connect. Errors are one line on standard error
(the server's LINE/caret context becomes ``(at character N)``); ``--verbose``
prints the full text (context, detail, hint) instead.

Options and positional arguments may come in any order (``introspect table -n s t``):
sub-commands parse intermixed (see ``IntermixedParser``).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import inspect
import json
import logging
import os
import sys
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence

from ..config import ConfigurationError, PostgresConnectionConfig
from .values import decimal_text, displayable, dumps

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CONNECT = 0, 1, 2, 3


class CliError(Exception):
    """A failure to report in one line (no traceback) with an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


class IntermixedParser(argparse.ArgumentParser):
    """A sub-command parser that accepts options between and after optional positionals.

    Plain argparse matches ``introspect table -n s2 t2`` as OBJECT=table, NAME=None (both
    positionals are ``nargs='?'``, consumed before the option) and then rejects ``t2``.
    The sub-parsers action calls ``parse_known_args``; it is routed to the intermixed
    variant, which itself calls ``parse_known_args`` again (hence the re-entry guard).
    """

    _intermixed_active = False

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        if self._intermixed_active:
            return super().parse_known_args(args, namespace)
        self._intermixed_active = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixed_active = False


def add_subparser(sub: Any, name: str, help_text: str, description: Optional[str] = None,
                  connection: bool = True) -> argparse.ArgumentParser:
    """A sub-command parser; ``-h`` is the host (as in psql), help is ``--help`` or ``-?``."""
    parser = sub.add_parser(name, help=help_text, description=description or help_text, add_help=False,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--help", "-?", action="help", help="show this help message and exit")
    if connection:
        group = parser.add_argument_group("connection (defaults from PGHOST, PGPORT, PGUSER, PGDATABASE, ...)")
        group.add_argument("--dsn", help="libpq connection string or postgresql:// URI")
        group.add_argument("-h", "--host", help="server host or socket directory")
        group.add_argument("-p", "--port", help="server port")
        group.add_argument("-U", "--username", help="user name")
        group.add_argument("-d", "--dbname", help="database name")
        group.add_argument("--verbose", action="store_true",
                           help="show the backend's log messages and errors in full (several lines)")
    return parser


def add_output_flags(parser: argparse.ArgumentParser, csv_too: bool = False) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="print JSON instead of a table")
    if csv_too:
        group.add_argument("--csv", action="store_true", help="print CSV instead of a table")


@contextmanager
def settings_errors() -> Iterator[None]:
    """A configuration the config class refuses is a usage error (exit code 2), not a traceback."""
    try:
        yield
    except (ConfigurationError, ValueError, TypeError) as exc:
        raise CliError(f"invalid connection settings: {exc}", EXIT_USAGE) from None


def config_from_args(args: argparse.Namespace) -> PostgresConnectionConfig:
    flags = {"host": args.host, "port": args.port, "username": args.username, "database": args.dbname}
    flags = {k: v for k, v in flags.items() if v is not None}
    with settings_errors():
        if args.dsn:
            config = PostgresConnectionConfig(dsn=args.dsn, **flags)
        else:
            config = PostgresConnectionConfig.from_env()
            if flags:
                config = config.clone(**flags)
        if config.application_name is None:
            config = config.clone(application_name="rhosocial-postgres")
        return config


class KeepColumns:
    """Mixed into the tool's backend: keeps the column names and rows of the last result.

    The backend returns rows as dicts, so in ``SELECT 1, 2`` the second ``?column?``
    replaces the first. Its ``_rows_to_dicts`` hook sees the names and the row tuples
    before they are keyed; the tool reads them from ``last_columns`` / ``last_rows``
    (``None`` when the statement went elsewhere, e.g. to a read replica).
    """

    last_columns: Optional[List[str]] = None
    last_rows: Optional[List[Any]] = None

    def _rows_to_dicts(self, columns: Sequence[str], rows: List[Any], *rest: Any) -> List[Dict[str, Any]]:
        self.last_columns, self.last_rows = list(columns), rows
        return super()._rows_to_dicts(columns, rows, *rest)  # type: ignore[misc]


class Session:
    """A connected backend, sync if that flavour is installed, else async.

    ``session.run(backend.method(...))`` returns the value either way: an
    awaitable is run to completion on the session's own event loop.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        from rhosocial.activerecord.logging.config import LoggingConfig

        self.config = config_from_args(args)
        self.verbose = bool(getattr(args, "verbose", False))
        level = logging.INFO if getattr(args, "verbose", False) else logging.CRITICAL
        if not getattr(args, "verbose", False):
            for name in ("rhosocial.activerecord.backend.impl.postgres",):
                logging.getLogger(name).setLevel(logging.ERROR)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        quiet = LoggingConfig(default_level=level)
        # Either flavour: the sync one returns plain values, the async one awaitables (see run()).
        self.backend: Any
        try:
            from .. import PostgresBackend as flavour
        except ImportError:
            from .. import AsyncPostgresBackend as flavour

            self._loop = asyncio.new_event_loop()
        self.backend = type(f"Cli{flavour.__name__}", (KeepColumns, flavour), {})(self.config, logging_config=quiet)
        self.backend.logger.setLevel(level)

    def run(self, value: Any) -> Any:
        if inspect.isawaitable(value):
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
            return self._loop.run_until_complete(value)
        return value

    def __enter__(self) -> "Session":
        from rhosocial.activerecord.backend.errors import ConnectionError as BackendConnectionError

        try:
            self.run(self.backend.connect())
            self.run(self.backend.introspect_and_adapt())
        except BackendConnectionError as exc:
            raise CliError(_one_line(exc, self.verbose), EXIT_CONNECT) from None
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self.run(self.backend.disconnect())
        except Exception:  # best effort: the process is ending anyway
            pass
        if self._loop is not None:
            self._loop.close()


def report_errors(func: Any) -> Any:
    """Turn the backend's and psycopg's errors into one-line messages and exit codes."""

    def wrapper(args: argparse.Namespace) -> int:
        from rhosocial.activerecord.backend.errors import ConnectionError as BackendConnectionError
        from rhosocial.activerecord.backend.errors import DatabaseError
        from rhosocial.activerecord.backend.introspection import IntrospectionError

        verbose = getattr(args, "verbose", False)
        try:
            return int(func(args) or 0)
        except CliError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return exc.code
        except BackendConnectionError as exc:
            print(f"error: {_one_line(exc, verbose)}", file=sys.stderr)
            return EXIT_CONNECT
        except IntrospectionError as exc:
            original = getattr(exc, "original_error", None)
            print(f"error: {_one_line(original or exc, verbose)}", file=sys.stderr)
            return EXIT_ERROR
        except DatabaseError as exc:
            print(f"error: {_one_line(exc, verbose)}", file=sys.stderr)
            return EXIT_ERROR
        except BrokenPipeError:  # e.g. piped into `head`
            return EXIT_OK

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def _one_line(exc: BaseException, verbose: bool = False) -> str:
    """The first line of an error; the server's LINE/caret context as ``(at character N)``.

    libpq appends the statement context, a caret line and hints as further lines;
    ``--verbose`` keeps them all.
    """
    text = str(exc).strip()
    if verbose:
        return text
    first = text.split("\n", 1)[0].rstrip()
    # the psycopg error the backend translated, where the server's position is kept
    for source in (exc, exc.__cause__, getattr(exc, "original_error", None)):
        diag = getattr(source, "diag", None)
        position = getattr(diag, "statement_position", None) if diag is not None else None
        if position:
            return f"{first} (at character {position})"
    return first


# -- output ------------------------------------------------------------------------------
def _cell(value: Any) -> str:
    value = displayable(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value).replace("\n", " ")


def print_table(rows: Sequence[Dict[str, Any]], columns: Optional[List[str]] = None, title: Optional[str] = None,
                out: Any = None, headers: Optional[List[str]] = None) -> None:
    """``columns`` are the keys of ``rows`` to show; ``headers`` their titles (default: the keys)."""
    out = out or sys.stdout
    if title:
        print(title, file=out)
    if not rows:
        print("(no rows)", file=out)
        return
    columns = columns or list(rows[0].keys())
    headers = headers or columns
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    widths = [min(w, 80) for w in widths]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in cells:
        line = "  ".join((v if len(v) <= w else v[: w - 1] + "…").ljust(w) for v, w in zip(row, widths, strict=True))
        print(line.rstrip(), file=out)
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", file=out)


def _json_ready(value: Any) -> Any:
    from ..introspection.types import to_jsonable

    # special values become strings first (NaN, infinity: JSON has no such numbers); the
    # second pass catches those to_jsonable makes (an infinite timedelta's seconds)
    return displayable(to_jsonable(displayable(value), exact_decimals=True))


def print_json(value: Any) -> None:
    """Strict JSON; numeric values (``Decimal``) as number literals with every digit."""
    sys.stdout.write(dumps(_json_ready(value)))
    sys.stdout.write("\n")


def print_csv(rows: Sequence[Dict[str, Any]], columns: Optional[Iterable[str]] = None,
              headers: Optional[List[str]] = None) -> None:
    """``columns`` are the keys of ``rows`` to write; ``headers`` the header line (default: the keys)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    writer = csv.writer(sys.stdout, lineterminator=os.linesep if os.name == "nt" else "\n")
    writer.writerow(headers or columns)
    for row in rows:
        values = []
        for c in columns:
            value = _json_ready(row.get(c))
            if isinstance(value, (list, dict)):
                value = dumps(value, indent=None)
            elif isinstance(value, Decimal):
                value = decimal_text(value)
            values.append("" if value is None else value)
        writer.writerow(values)
