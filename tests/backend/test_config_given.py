"""Which fields a caller *chose* decides what a DSN may fill: from_generic() and clone(dsn=...).

A field given explicitly overrides the DSN, even at its default value. Two paths must not
make every value look chosen: a generic ConnectionConfig converted by from_generic() (its
default host="localhost" would beat the DSN's host), and clone(dsn=...) (every value the
original holds would beat the new DSN).
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from rhosocial.activerecord.backend.config import ConnectionConfig
from rhosocial.activerecord.backend.impl.postgres import (
    AsyncPostgresBackend,
    PostgresBackend,
)
from rhosocial.activerecord.backend.impl.postgres import (
    PostgresConnectionConfig as C,
)

from .conftest import DQL, QUIET

DSN = "postgresql://alice@db.example:6000/app"


def _where(config: C) -> tuple:
    info = conninfo_to_dict(config.conninfo())
    return info.get("host"), info.get("port"), info.get("dbname"), info.get("user")


def test_from_generic_takes_the_host_from_the_dsn_not_the_generic_default():
    generic = ConnectionConfig(options={"dsn": DSN})  # host left at the core's default "localhost"
    assert _where(C.from_generic(generic)) == ("db.example", "6000", "app", "alice")


def test_from_generic_keeps_fields_set_away_from_their_default():
    generic = ConnectionConfig(host="other", database="mine", options={"dsn": DSN})
    assert _where(C.from_generic(generic)) == ("other", "6000", "mine", "alice")


def test_explicit_fields_still_override_the_dsn_even_at_their_default():
    config = C(dsn=DSN, host="localhost", port=5432)
    assert _where(config) == ("localhost", "5432", "app", "alice")


def test_clone_with_a_new_dsn_fills_what_the_caller_did_not_choose():
    # host chosen (at its default value): kept; port, dbname, user come from the new DSN
    assert _where(C(host="localhost").clone(dsn="postgresql://u@app:6000/db")) == ("localhost", "6000", "db", "u")
    assert _where(C(database="x").clone(dsn="postgresql://u@app:6000/db")) == ("app", "6000", "x", "u")
    # the choice survives a clone in between
    twice = C(database="x").clone(application_name="a").clone(dsn="postgresql://u@app:6000/db")
    assert _where(twice) == ("app", "6000", "x", "u") and twice.application_name == "a"


def test_clone_with_a_new_dsn_forgets_the_old_dsn():
    old = C(dsn="postgresql://a:secret@old:7000/olddb?fallback_application_name=oldapp&connect_timeout=3")
    new = old.clone(dsn="postgresql://u@app/db")
    assert _where(new) == ("app", "5432", "db", "u")
    assert new.password is None and new.connect_timeout == 10 and "fallback_application_name" not in new.libpq_options
    via_options = old.clone(options={"dsn": "postgresql://u@app:6001/db"})
    assert _where(via_options) == ("app", "6001", "db", "u")


def test_clone_of_one_field_keeps_everything_else():
    config = C(dsn=DSN + "?fallback_application_name=f", password="pw", sslmode="require",
               options={"work_mem": "4MB"}, connect_timeout=3)
    copy = config.clone(application_name="x")
    assert copy.application_name == "x"
    assert {k: v for k, v in copy.to_dict().items() if k != "application_name"} == config.to_dict()


@pytest.mark.asyncio
async def test_generic_config_with_a_dsn_connects_where_the_dsn_says(flavour: str, pg_server: Any, pg_database: Any):
    if not pg_server.socket_dir:
        pytest.skip(f"the {pg_server.provider} provider gives no unix socket to point a DSN at")
    # The DSN names the unix socket; the generic config keeps its default host "localhost",
    # which (taken as chosen) would connect over TCP instead.
    dsn = make_conninfo(host=pg_server.socket_dir, port=str(pg_server.port), user=pg_server.user,
                        password=pg_server.password or None, dbname=pg_database.dbname)
    generic = ConnectionConfig(options={"dsn": dsn})
    cls = PostgresBackend if flavour == "sync" else AsyncPostgresBackend
    backend = cls(connection_config=generic, logging_config=QUIET)
    try:
        result = backend.execute("SELECT inet_server_addr()::text AS addr, current_database() AS db", options=DQL)
        if inspect.isawaitable(result):
            result = await result
        assert result.data == [{"addr": None, "db": pg_database.dbname}]  # None: a unix socket
    finally:
        done = backend.disconnect()
        if inspect.isawaitable(done):
            await done
