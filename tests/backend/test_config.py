"""PostgresConnectionConfig: routing, validation, DSN/env, clone, secrets; every option reaches the server."""

from __future__ import annotations

import pytest

from rhosocial.activerecord.backend.impl.postgres import PostgresConnectionConfig
from rhosocial.activerecord.backend.impl.postgres.backend_base import server_version_tuple
from rhosocial.activerecord.backend.impl.postgres.config import ConfigurationError

from .conftest import DQL


def test_readme_options_dict_is_routed():
    config = PostgresConnectionConfig(
        host="db", port=5432, database="mydb", username="user", password="pw",
        options={"sslmode": "prefer", "connect_timeout": 10, "application_name": "my_app",
                 "client_encoding": "UTF8", "pool_min_size": 1, "pool_max_size": 10, "pool_timeout": 30.0,
                 "search_path": "app,public", "work_mem": "8MB", "sslrootcert": "/ca.pem"},
    )
    params = config.libpq_params()
    assert params["sslmode"] == "prefer" and params["sslrootcert"] == "/ca.pem"
    assert params["connect_timeout"] == 10 and params["application_name"] == "my_app"
    assert params["client_encoding"] == "UTF8"
    assert "-c search_path=app,public" in params["options"] and "-c work_mem=8MB" in params["options"]
    assert config.pooled and config.pool_kwargs["max_size"] == 10
    assert "search_path" not in params  # a server setting is never a libpq keyword (upstream defect 3)


def test_core_ssl_aliases_reach_libpq():
    config = PostgresConnectionConfig(ssl_mode="verify-full", ssl_ca="/ca", ssl_cert="/c", ssl_key="/k")
    params = config.libpq_params()
    assert (params["sslmode"], params["sslrootcert"], params["sslcert"], params["sslkey"]) == (
        "verify-full", "/ca", "/c", "/k")


def test_dsn_and_uri_and_multiple_hosts():
    config = PostgresConnectionConfig(dsn="postgresql://u:secret@h1:5433,h2:5434/app?sslmode=require&target_session_attrs=read-write")
    assert config.host == "h1,h2" and str(config.port) == "5433,5434"
    assert config.database == "app" and config.username == "u" and config.password == "secret"
    assert config.sslmode == "require" and config.target_session_attrs == "read-write"
    listed = PostgresConnectionConfig(host=["a", "b"], port=[1, 2])
    assert listed.libpq_params()["host"] == "a,b" and listed.libpq_params()["port"] == "1,2"


def test_from_env_standard_and_prefixed():
    env = {"PGHOST": "envhost", "PGPORT": "6543", "PGUSER": "bob", "PGDATABASE": "d", "PGSSLMODE": "require",
           "PGOPTIONS": "-c geqo=off"}
    config = PostgresConnectionConfig.from_env(environ=env)
    assert (config.host, config.port, config.username, config.database, config.sslmode) == (
        "envhost", "6543", "bob", "d", "require")
    assert "-c geqo=off" in config.libpq_params()["options"]
    prefixed = PostgresConnectionConfig.from_env("APP_", environ={"APP_HOST": "x", "APP_PORT": "7000",
                                                                   "APP_OPT_STATEMENT_TIMEOUT": "5s"})
    assert prefixed.host == "x" and prefixed.port == "7000"
    assert "statement_timeout=5s" in prefixed.libpq_params()["options"]


def test_clone_keeps_everything_and_applies_updates():
    config = PostgresConnectionConfig(host="h", password="pw", options={"sslmode": "require", "work_mem": "4MB"})
    copy = config.clone(database="other")
    assert copy.database == "other" and copy.password == "pw" and copy.sslmode == "require"
    assert copy.server_settings == {"work_mem": "4MB"}


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"sslmode": "sometimes"}, "sslmode"),
        ({"port": 70000}, "port"),
        ({"port": "abc"}, "port"),
        ({"pool_min_size": -1}, "pool_min_size"),
        ({"pool_max_size": 0}, "pool_max_size"),
        ({"pool_min_size": 5, "pool_max_size": 2}, "pool_min_size"),
        ({"connect_timeout": -3}, "connect_timeout"),
        ({"target_session_attrs": "whatever"}, "target_session_attrs"),
        ({"pool_timeout": 0}, "pool_timeout"),
    ],
)
def test_invalid_values_fail_at_construction_naming_the_field(kwargs, field):
    with pytest.raises(ConfigurationError, match=field):
        PostgresConnectionConfig(**kwargs)


def test_password_never_in_repr():
    config = PostgresConnectionConfig(host="h", password="s3cr3t-pw", sslpassword="k3y-pw")
    assert "s3cr3t-pw" not in repr(config) and "k3y-pw" not in repr(config)
    assert "s3cr3t-pw" not in config.safe_description()


@pytest.mark.parametrize("number, expected", [(150018, (15, 18, 0)), (100023, (10, 23, 0)),
                                              (180004, (18, 4, 0)), (90624, (9, 6, 24))])
def test_server_version_from_number(number, expected):
    assert server_version_tuple(number) == expected


pytestmark_server = pytest.mark.asyncio


@pytest.mark.asyncio
async def test_every_option_reaches_the_server(backend_factory, pg_database):
    db = await backend_factory(
        application_name="rho-options", search_path="public,pg_catalog", statement_timeout="4s",
        lock_timeout="3s", timezone="Asia/Tokyo", server_settings={"work_mem": "5MB"},
        client_encoding="UTF8", connect_timeout=7, keepalives=1, keepalives_idle=30,
    )
    async def show(name):
        return list((await db.execute(f"SHOW {name}", options=DQL)).data[0].values())[0]
    assert await show("application_name") == "rho-options"
    assert await show("search_path") in ("public, pg_catalog", "public,pg_catalog")
    assert await show("statement_timeout") == "4s"
    assert await show("lock_timeout") == "3s"
    assert await show("TimeZone") == "Asia/Tokyo"
    assert await show("work_mem") == "5MB"
    assert await show("client_encoding") == "UTF8"
    version = await db.get_server_version()
    assert version[0] == pg_database.server.major
