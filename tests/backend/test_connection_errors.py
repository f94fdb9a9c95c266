"""Unreachable host, closed port, wrong password, missing database: a clear ConnectionError,
within connect_timeout, never showing the password."""

from __future__ import annotations

import socket
import time

import pytest
from rhosocial.activerecord.backend.errors import ConnectionError
from rhosocial.activerecord.backend.impl.postgres import AsyncPostgresBackend, PostgresBackend, PostgresConnectionConfig

from tests.gates import environment_skip

from .conftest import QUIET

pytestmark = pytest.mark.asyncio


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _connect(flavour, config):
    if flavour == "sync":
        PostgresBackend(connection_config=config, logging_config=QUIET).connect()
    else:
        await AsyncPostgresBackend(connection_config=config, logging_config=QUIET).connect()


def _cases(pg_database):
    kw = pg_database.conn_kwargs()
    return {
        "closed port": dict(kw, port=_closed_port(), password="TopSecret-1"),
        "wrong password": dict(kw, password="TopSecret-2", sslmode="disable"),
        "missing database": dict(kw, database="no_such_db_here"),
        # 192.0.2.0/24 is TEST-NET-1 (never routed): but traffic must stay on loopback
        # here, so an unreachable host is simulated by a name that cannot resolve.
        "unknown host": dict(kw, host="no-such-host.invalid", password="TopSecret-3"),
    }


@pytest.mark.parametrize("case", ["closed port", "wrong password", "missing database", "unknown host"])
async def test_connect_failures_are_clear(flavour, pg_database, admin, case):
    if case == "wrong password":
        # the harness server may trust local connections; make a role that needs a password
        admin.execute("DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname='rho_pw') THEN "
                      "CREATE ROLE rho_pw LOGIN PASSWORD 'right-one'; END IF; END$$")
        hba = admin.execute("SELECT count(*) FROM pg_hba_file_rules WHERE auth_method IN "
                            "('md5','scram-sha-256','password') AND 'host' = type").fetchone()[0]
        if not hba:
            environment_skip("this server trusts host connections (no password check configured by the harness)")
    kwargs = _cases(pg_database)[case]
    if case == "wrong password":
        kwargs["username"] = "rho_pw"
    config = PostgresConnectionConfig(**kwargs, connect_timeout=3)
    start = time.monotonic()
    with pytest.raises(ConnectionError) as info:
        await _connect(flavour, config)
    assert time.monotonic() - start < 6
    message = str(info.value)
    assert "Cannot connect to PostgreSQL" in message
    assert "TopSecret" not in message and "right-one" not in message
    assert config.password not in repr(info.value.__cause__ or "")
