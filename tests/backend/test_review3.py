"""Review 3: configuration validation and the class of FATAL session timeouts.

* A non-string ``password``/``sslpassword`` is refused naming its type only, never its value.
* NaN and infinity are refused for every number field (``value <= 0`` lets NaN through).
* A DSN is refused with libpq's reason (input that may be secret replaced by ``"..."``) and
  the option name of "invalid connection option"; a non-integer ``connect_timeout`` in a DSN
  is a ``ConfigurationError`` naming the field.
* A field given explicitly overrides the DSN even when it equals the field's default.
* FATAL errors (the server closes the session after sending them) translate to
  ``ConnectionError`` whatever their SQLSTATE class: 25P03, 57P05 (here from real servers).
"""

from __future__ import annotations

import inspect
import math
import time

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from rhosocial.activerecord.backend.errors import ConnectionError, TransactionError

from rhosocial.activerecord.backend.impl.postgres import (
    AsyncPostgresBackend,
    ConfigurationError,
    PostgresBackend,
    PostgresConnectionConfig,
)
from rhosocial.activerecord.backend.impl.postgres.errors import translate_error

from .conftest import DQL, QUIET

C = PostgresConnectionConfig


# -- secrets in type errors ----------------------------------------------------------------

@pytest.mark.parametrize("field", ["password", "sslpassword"])
@pytest.mark.parametrize("value", [b"s3cretpw", 12345678, ["s3cretpw"]], ids=["bytes", "int", "list"])
def test_non_string_secret_is_refused_without_its_value(field, value):
    with pytest.raises(ConfigurationError) as info:
        C(**{field: value})
    message = str(info.value)
    assert f"PostgresConnectionConfig.{field}: must be a string, got {type(value).__name__}" in message
    assert "s3cretpw" not in message and "12345678" not in message


def test_non_string_plain_field_still_shows_its_value():
    with pytest.raises(ConfigurationError, match=r"host: must be a string, got int 123"):
        C(host=123)


# -- NaN and infinity ----------------------------------------------------------------------

@pytest.mark.parametrize("field", ["statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout",
                                   "pool_timeout", "pool_max_idle", "pool_max_lifetime"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_numbers_are_refused(field, value):
    with pytest.raises(ConfigurationError, match=rf"PostgresConnectionConfig\.{field}: .*finite"):
        C(**{field: value})


@pytest.mark.parametrize("text", ["nan", "inf"])
def test_non_finite_pool_timeout_from_env_is_refused(text):
    with pytest.raises(ConfigurationError, match=r"pool_timeout: .*finite"):
        C.from_env("APP_", {"APP_POOL_TIMEOUT": text})
    with pytest.raises(ConfigurationError, match=r"pool_timeout: must be a number of seconds, got 'abc'"):
        C.from_env("APP_", {"APP_POOL_TIMEOUT": "abc"})


def test_finite_numbers_still_accepted():
    config = C(statement_timeout=1.5, pool_timeout=0.5, pool_max_size=1)
    assert config.statement_timeout == 1.5 and config.pool_kwargs["timeout"] == 0.5


# -- DSN errors ----------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["connect_timeout", "keepalives_idle", "tcp_user_timeout"])
def test_dsn_non_integer_value_is_configuration_error_naming_field(field):
    with pytest.raises(ConfigurationError, match=rf"PostgresConnectionConfig\.{field}: .*'abc'"):
        C(dsn=f"host=h {field}=abc")
    assert C(dsn=f"host=h {field}=7").libpq_params()[field] == 7


def test_dsn_parse_error_keeps_libpq_reason_without_the_input():
    with pytest.raises(ConfigurationError) as info:
        C(dsn="host=db user=u password=correct horse-battery-staple")
    message = str(info.value)
    assert 'missing "=" after "..." in connection info string' in message
    assert "horse" not in message and "correct" not in message
    with pytest.raises(ConfigurationError) as info:
        C(dsn="postgresql://u:SUPER%zzSECRET@h/db")
    assert "invalid percent-encoded token" in str(info.value) and "SECRET" not in str(info.value)


@pytest.mark.parametrize("dsn, name", [("host=h sslmod=require", "sslmod"),
                                       ("host=h search_path=app", "search_path"),
                                       ("postgresql://h/db?foo=bar", "foo")])
def test_dsn_invalid_option_error_names_the_option(dsn, name):
    with pytest.raises(ConfigurationError, match=rf'PostgresConnectionConfig\.dsn: .*"{name}".*server_settings'):
        C(dsn=dsn)


def test_dsn_invalid_option_that_is_part_of_a_password_is_not_shown():
    # "password=correct horse=battery": libpq takes "horse" for an option name
    with pytest.raises(ConfigurationError) as info:
        C(dsn="host=h password=correct horse=battery")
    assert "invalid connection option" in str(info.value)
    assert "horse" not in str(info.value) and "correct" not in str(info.value)


# -- explicit fields override the DSN ------------------------------------------------------

def test_explicit_field_equal_to_default_overrides_dsn():
    config = C(dsn="host=h port=6000 connect_timeout=3", port=5432, connect_timeout=10)
    params = config.libpq_params()
    assert params["port"] == 5432 and params["connect_timeout"] == 10
    assert C(dsn="host=h1", host="localhost").host == "localhost"
    # None is "not given": the DSN's value stays
    config = C(dsn="host=h port=6000 user=dsnuser password=pw", port=None, password=None)
    assert (config.port, config.username, config.user, config.password) == ("6000", "dsnuser", "dsnuser", "pw")
    assert C(dsn="host=h user=dsnuser", user="me").username == "me"


@pytest.mark.asyncio
async def test_explicit_default_host_overrides_dsn_on_connect(flavour, pg_database):
    """The DSN points at an unroutable address (TEST-NET-1); host="localhost" (the field's
    default) given explicitly must win, so the backend reaches the harness server."""
    kwargs = pg_database.conn_kwargs()
    assert kwargs["host"] == "127.0.0.1", "the harness server listens on 127.0.0.1"
    dsn = make_conninfo(host="192.0.2.1", port=str(kwargs["port"]), dbname=kwargs["database"],
                        user=kwargs["username"], password=kwargs.get("password") or "")
    config = C(dsn=dsn, host="localhost", connect_timeout=2)
    cls = PostgresBackend if flavour == "sync" else AsyncPostgresBackend
    backend = cls(connection_config=config, logging_config=QUIET)

    async def call(result):
        return await result if inspect.isawaitable(result) else result

    try:
        # reached at all: the DSN's host cannot be (connect_timeout=2); the port seen from the
        # server differs from ours behind a container's port mapping, the database does not
        result = await call(backend.execute("SELECT current_database() AS db", options=DQL))
        assert result.data == [{"db": kwargs["database"]}]
    finally:
        await call(backend.disconnect())


# -- FATAL errors are ConnectionErrors -----------------------------------------------------

def _fatal_after_idle(pg_database, setting: str, in_transaction: bool) -> psycopg.Error:
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute(f"SET {setting} = 200")
        if in_transaction:
            conn.execute("BEGIN")
        time.sleep(0.8)
        with pytest.raises(psycopg.Error) as info:
            conn.execute("SELECT 1")
        return info.value


def test_idle_in_transaction_timeout_translates_to_connection_error(pg_database):
    exc = _fatal_after_idle(pg_database, "idle_in_transaction_session_timeout", in_transaction=True)
    assert exc.sqlstate == "25P03"
    error = translate_error(exc)
    assert isinstance(error, ConnectionError) and not isinstance(error, TransactionError)
    assert error.sqlstate == "25P03"


def test_fatal_severity_alone_makes_a_connection_error(pg_database, monkeypatch):
    # The rule is the severity, not a list of codes: with 25P03 taken out of the code table,
    # the real FATAL from the server must still be a ConnectionError (class 25 would say
    # TransactionError), and keep its SQLSTATE.
    from rhosocial.activerecord.backend.impl.postgres import errors

    monkeypatch.delitem(errors._BY_CODE, "25P03")
    exc = _fatal_after_idle(pg_database, "idle_in_transaction_session_timeout", in_transaction=True)
    assert exc.diag.severity_nonlocalized == "FATAL"
    error = translate_error(exc)
    assert isinstance(error, ConnectionError) and not isinstance(error, TransactionError)
    assert error.sqlstate == "25P03"


def test_idle_session_timeout_translates_to_connection_error(pg_database):
    major = pg_database.server.major
    if major < 14:
        pytest.skip(f"idle_session_timeout (SQLSTATE 57P05) needs PostgreSQL 14+; the server is {major}")
    exc = _fatal_after_idle(pg_database, "idle_session_timeout", in_transaction=False)
    assert exc.sqlstate == "57P05"
    error = translate_error(exc)
    assert isinstance(error, ConnectionError) and error.sqlstate == "57P05"


def test_plain_class_25_error_stays_transaction_error(pg_database):
    # 25001 (active_sql_transaction) is an ERROR: the session survives, the class-25 rule holds
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute("BEGIN")
        with pytest.raises(psycopg.Error) as info:
            conn.execute("CREATE DATABASE never_made")
    error = translate_error(info.value)
    assert info.value.sqlstate == "25001"
    assert isinstance(error, TransactionError) and not isinstance(error, ConnectionError)
