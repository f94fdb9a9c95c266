"""pytest plugin: real PostgreSQL servers for the tests (register with ``pytest_plugins``).

Options (env fallbacks in brackets):
  --pg-provider {embedded,local,external,containers}   [RHOSOCIAL_PG_PROVIDER]
  --pg-major N (10..18)                                 [RHOSOCIAL_PG_MAJOR]
External DSNs: RHOSOCIAL_PG_DSN, RHOSOCIAL_PG_DSN_<major>. Bundle cache: RHOSOCIAL_PG_CACHE.

Fixtures (all session-scoped):
  pg_server          ServerHandle of the chosen provider/major
  pg_database        an isolated database on pg_server (one per session / xdist worker)
  pg_server_factory  factory(major=None, provider=None, **local_kwargs) -> ServerHandle

Why session scope: starting a server costs about a second, a database a few dozen ms; tests
isolate themselves inside the database. Every server is stopped at session end, and by the
atexit/signal hooks of registry.py if the session dies first.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

import pytest

from .errors import ProvisioningError
from .handle import ServerHandle
from .providers import PROVIDERS, choose_provider, requested_major, start_server
from .registry import install_cleanup_hooks, stop_all

_started: List[Tuple[str, Optional[int], float]] = []  # (provider, major, seconds) for the summary


def pytest_addoption(parser):
    group = parser.getgroup("rhosocial-pg", "PostgreSQL servers for the tests")
    group.addoption("--pg-provider", choices=PROVIDERS, default=None,
                    help="where test servers come from (env RHOSOCIAL_PG_PROVIDER; default: external if "
                         "RHOSOCIAL_PG_DSN* is set, local if a major is requested, else embedded)")
    group.addoption("--pg-major", default=None,
                    help="PostgreSQL major version 10..18 for pg_server (env RHOSOCIAL_PG_MAJOR)")


def _selection(config) -> Tuple[str, Optional[int]]:
    major = requested_major(config.getoption("--pg-major"))
    return choose_provider(config.getoption("--pg-provider"), major), major


def pytest_configure(config):
    """Validate the selection up front so a typo is one line of usage error, not N test errors."""
    try:
        _selection(config)
    except ProvisioningError as exc:
        raise pytest.UsageError(str(exc)) from None
    install_cleanup_hooks()


def pytest_report_header(config):
    provider, major = _selection(config)
    return f"rhosocial-pg: provider={provider} major={major or 'default'}"


def _timed_start(provider: Optional[str], major: Optional[int], **local_kwargs) -> ServerHandle:
    began = time.monotonic()
    handle = start_server(provider, major, **local_kwargs)
    _started.append((handle.provider, handle.major, time.monotonic() - began))
    return handle


@pytest.fixture(scope="session")
def pg_server(request) -> ServerHandle:
    """The session's server; a provisioning failure ends the run with the fix in the message."""
    provider, major = _selection(request.config)
    try:
        handle = _timed_start(provider, major)
    except ProvisioningError as exc:
        pytest.exit(f"cannot provide a PostgreSQL server ({provider}, major {major or 'default'}): {exc}",
                    returncode=pytest.ExitCode.USAGE_ERROR)
    yield handle
    handle.stop()


@dataclass
class PgDatabase:
    """A database of our own on ``server``; ``dsn`` is a libpq conninfo string."""

    server: ServerHandle
    dbname: str

    @property
    def dsn(self) -> str:
        return self.server.conninfo(self.dbname)

    def conn_kwargs(self) -> dict:
        """Kwargs for PostgresConnectionConfig: host, port, username, password, database."""
        return self.server.conn_kwargs(self.dbname)

    def connect(self, **kwargs):
        import psycopg

        return psycopg.connect(self.dsn, **kwargs)


def create_database(server: ServerHandle, prefix: str = "t") -> PgDatabase:
    import psycopg
    from psycopg import sql

    dbname = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    return PgDatabase(server=server, dbname=dbname)


def drop_database(database: PgDatabase) -> None:
    """Terminate sessions still connected (a leaked connection must not block the drop), then drop."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(database.server.conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = %s AND pid <> pg_backend_pid()", (database.dbname,))
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(database.dbname)))


@pytest.fixture(scope="session")
def pg_database(pg_server: ServerHandle) -> PgDatabase:
    database = create_database(pg_server)
    yield database
    try:
        drop_database(database)
    except Exception:  # server already gone (interrupted run): nothing left to drop
        pass


@pytest.fixture(scope="session")
def pg_server_factory(request) -> Callable[..., ServerHandle]:
    """Start extra servers: ``factory(major=12)``, ``factory(extra_conf={"ssl": True}, hba_lines=[...])``.

    Without ``provider``: local if local options are given, else the session's selection rules.
    Errors are raised as ProvisioningError (tests may expect them). All are stopped at session end.
    """
    handles: List[ServerHandle] = []
    session_provider = request.config.getoption("--pg-provider")

    def factory(major: Optional[int] = None, provider: Optional[str] = None, **local_kwargs) -> ServerHandle:
        chosen = provider or (None if local_kwargs else session_provider)
        handle = _timed_start(chosen, major, **local_kwargs)
        handles.append(handle)
        return handle

    yield factory
    for handle in reversed(handles):
        try:
            handle.stop()
        except Exception:
            pass


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    errors = stop_all()
    if errors:
        print("\nrhosocial-pg: errors while stopping servers: " + "; ".join(errors))


def pytest_terminal_summary(terminalreporter):
    if _started:
        parts = [f"{p} {m} in {s:.2f}s" for p, m, s in _started]
        terminalreporter.write_line("rhosocial-pg servers started: " + ", ".join(parts))
