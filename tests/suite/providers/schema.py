"""Tables for the suite, from tests/suite/schema/*.sql.

Each file holds ``-- table: NAME`` sections with one CREATE TABLE each. Providers call
:func:`ensure` with the tables a fixture needs; DDL runs on a connection of its own (psycopg,
autocommit), never on the backend under test.

Speed: a table whose DDL is unchanged since this process created it is emptied instead of being
dropped and created again: ``DELETE`` plus resetting its sequences (ids start at 1 again, as the
suite expects). Measured for a five-table fixture: DROP+CREATE 32 ms, TRUNCATE ... RESTART
IDENTITY 26 ms (new relfilenodes for every table and index), DELETE+setval about 1 ms. Set
RHOSOCIAL_SUITE_FRESH_TABLES=1 to drop and create every time instead.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
_SECTION = re.compile(r"^-- table: (\w+)\s*$", re.M)

_files: Dict[str, Dict[str, str]] = {}
_present: Dict[str, str] = {}  # table -> DDL it was created with in this database
_sequences: Dict[str, List[str]] = {}  # table -> its owned sequences
_conn = None
_conn_key = None


def load(file: str) -> Dict[str, str]:
    """{table: CREATE statement} of ``schema/<file>.sql``."""
    if file not in _files:
        text = (SCHEMA_DIR / f"{file}.sql").read_text(encoding="utf-8")
        parts = _SECTION.split(text)
        tables: Dict[str, str] = {}
        for name, body in zip(parts[1::2], parts[2::2]):
            tables[name] = body.strip()
        _files[file] = tables
    return _files[file]


def ddl(file: str, table: str) -> str:
    try:
        return load(file)[table]
    except KeyError:
        raise KeyError(f"no table {table!r} in tests/suite/schema/{file}.sql") from None


def _connection():
    global _conn, _conn_key
    import psycopg

    from .scenarios import conn_kwargs

    kw = conn_kwargs()
    key = tuple(sorted(kw.items()))
    if _conn is None or _conn.closed or key != _conn_key:
        if _conn is not None and not _conn.closed:
            _conn.close()
        _present.clear()
        _conn = psycopg.connect(host=kw.get("host"), port=kw.get("port"), user=kw.get("username"),
                                password=kw.get("password"), dbname=kw.get("database"), autocommit=True)
        # A test that leaves a transaction open on a table must fail loudly, not hang the run.
        _conn.execute("SET lock_timeout = '10s'")
        _conn.execute("SET client_min_messages = warning")
        _conn_key = key
    return _conn


def _fresh() -> bool:
    return os.environ.get("RHOSOCIAL_SUITE_FRESH_TABLES", "") not in ("", "0")


def ensure(file: str, tables: Iterable[str], extra_sql: Optional[List[str]] = None) -> None:
    """Make ``tables`` exist, empty, with identities reset, as defined in ``schema/<file>.sql``."""
    conn = _connection()
    wanted = [(t, ddl(file, t)) for t in tables]
    keep = [t for t, d in wanted if not _fresh() and _present.get(t) == d]
    rebuild = [(t, d) for t, d in wanted if t not in keep]
    statements = []
    for t in keep:
        statements.append(f'DELETE FROM "{t}"')
        statements.extend(f"SELECT setval('{seq}', 1, false)" for seq in _sequences.get(t, []))
    for t, d in rebuild:
        statements.append(f'DROP TABLE IF EXISTS "{t}" CASCADE')
        statements.append(d.rstrip().rstrip(";"))
    statements.extend(extra_sql or [])
    try:
        conn.execute(";\n".join(statements))
    except Exception:
        # A test dropped or altered a table behind our back: build everything from scratch.
        for t, _ in wanted:
            _present.pop(t, None)
        rebuild = wanted
        conn.execute(";\n".join(
            [s for t, d in wanted for s in (f'DROP TABLE IF EXISTS "{t}" CASCADE', d.rstrip().rstrip(";"))]
            + list(extra_sql or [])))
    for t, _ in rebuild:
        _sequences[t] = _owned_sequences(conn, t)
    for t, d in wanted:
        _present[t] = d


def _owned_sequences(conn, table: str) -> List[str]:
    rows = conn.execute(
        "SELECT pg_get_serial_sequence(quote_ident(%s), attname) FROM pg_attribute "
        "WHERE attrelid = quote_ident(%s)::regclass AND attnum > 0 AND NOT attisdropped",
        (table, table)).fetchall()
    return [r[0] for r in rows if r[0]]


def forget(tables: Iterable[str]) -> None:
    """Tables a test may have changed: rebuild them next time."""
    for t in tables:
        _present.pop(t, None)


def drop(tables: Iterable[str]) -> None:
    conn = _connection()
    names = list(tables)
    if names:
        conn.execute("DROP TABLE IF EXISTS " + ", ".join(f'"{t}"' for t in names) + " CASCADE")
    forget(names)


def execute(sql: str, params=None) -> None:
    _connection().execute(sql, params)


def close() -> None:
    global _conn
    if _conn is not None and not _conn.closed:
        _conn.close()
    _conn = None
    _present.clear()
