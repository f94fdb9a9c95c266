"""Skips that name what is truly missing.

``require_extension``: a test that needs a contrib extension skips only when the server does
not ship it (decided from ``pg_available_extensions``, before anything is tried), so that an
error of the project's own CREATE EXTENSION code fails the test instead of skipping it.

``environment_skip``: tests that need something of the machine rather than of the server
(root and iptables, local PostgreSQL binaries, pgbouncer, a password-checking login) skip
where it is missing; with ``RHOSOCIAL_REQUIRE_ALL=1`` (set by CI, where all of it is
installed) the same condition fails the test instead, so nothing drops out unnoticed.
"""

from __future__ import annotations

import os
from typing import NoReturn, Optional

import psycopg
import pytest
from psycopg import sql

REQUIRE_ALL_ENV = "RHOSOCIAL_REQUIRE_ALL"


def require_all() -> bool:
    return os.environ.get(REQUIRE_ALL_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def environment_skip(reason: str) -> NoReturn:
    """Skip (or, under RHOSOCIAL_REQUIRE_ALL=1, fail) because the machine lacks ``reason``."""
    if require_all():
        pytest.fail(f"{REQUIRE_ALL_ENV}=1 but the environment lacks what this test needs: {reason}",
                    pytrace=False)
    pytest.skip(reason)


def environment_gate(missing: Optional[str]) -> None:
    """``environment_skip(missing)`` when ``missing`` (a reason) is set; else nothing."""
    if missing:
        environment_skip(missing)


def extension_shipped(conn: psycopg.Connection, name: str) -> bool:
    """Is ``name`` installable on this server (its control file is there)?

    From ``pg_available_extensions``. The one exception: the PostgreSQL 10 npm bundle ships
    control files of other extensions with the 13+ ``trusted`` key, and reading that view then
    raises ``unrecognized parameter "trusted" in file ".../x.control"`` (42601) for the whole
    catalogue. There a plain CREATE EXTENSION is tried in a transaction that is rolled back,
    and only "could not open extension control file" (58P01) means "not shipped"; any other
    error is raised.
    """
    try:
        with conn.transaction():
            row = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", (name,)).fetchone()
        return row is not None
    except psycopg.errors.SyntaxError as exc:
        if ".control" not in str(exc):
            raise
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(name)))
        return True
    except psycopg.errors.UndefinedFile:
        return False


def require_extension(conninfo: str, name: str) -> None:
    """Skip the calling test, naming the extension and the server, when ``name`` is not shipped."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        shipped = extension_shipped(conn, name)
        version = conn.info.server_version
    if not shipped:
        major = version // 10000 if version >= 100000 else version // 100
        pytest.skip(f"extension {name} is not available on this PostgreSQL {major} server "
                    f"(its control file is not installed)")
