"""Pooled backends: session state never leaks from one borrower to the next, a wrong password
fails at once, an exhausted pool says so (review findings pool #2, #8, #9)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from rhosocial.activerecord.backend.errors import ConnectionError, QueryError
from rhosocial.activerecord.backend.impl.postgres import errors as pg_errors

from .conftest import Api, assert_no_leaks, make_backend, make_config, run

ONE = dict(pool_min_size=1, pool_max_size=1, pool_timeout=5)  # every borrow gets the same session

SESSION_STATEMENTS = [
    "SET search_path TO other",
    "set statement_timeout = 1",
    "SET SESSION TIME ZONE 'Asia/Tokyo'",
    "/* a comment */ SET ROLE postgres",
    "RESET ALL",
    "CREATE TEMP TABLE t_tmp (id int)",
    "CREATE GLOBAL TEMPORARY TABLE t_tmp (id int)",
    "DISCARD ALL",
    "LISTEN channel",
    "PREPARE p AS SELECT 1",
    "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
    "LOAD 'plpgsql'",
    "SELECT set_config('search_path', 'other', false)",
]
HARMLESS = [
    "SELECT 'SET search_path TO other' AS s",
    "-- SET x = 1\nSELECT 1 AS s",
    'SELECT 1 AS "set"',
    "SET LOCAL search_path TO other",  # outside a transaction: no effect (a server warning)
    "UNLISTEN *",  # only removes state, and a pooled connection never listens (LISTEN is refused)
]
STATE = ("SELECT current_setting('TimeZone') AS tz, current_setting('search_path') AS sp, "
         "current_setting('statement_timeout') AS st, pg_backend_pid() AS pid, "
         "(SELECT count(*) FROM pg_class WHERE relpersistence = 't') AS temps, "
         "(SELECT count(*) FROM pg_listening_channels()) AS listens, "
         "(SELECT count(*) FROM pg_prepared_statements WHERE name = 'p') AS prepared")


def api_for(database, flavour, **overrides):
    return Api(make_backend(flavour, make_config(database, **overrides)), flavour)


@pytest.mark.parametrize("statement", SESSION_STATEMENTS)
def test_session_statement_outside_a_transaction_is_refused(api_factory, flavour, statement):
    api = api_factory(**ONE)

    async def body():
        before = (await api.rows(STATE))[0]
        with pytest.raises(QueryError) as caught:
            await api.execute(statement)
        assert (await api.rows(STATE))[0] == before  # nothing was sent
        return caught.value

    error = run(body(), api)
    assert isinstance(error, pg_errors.PooledSessionStateError)
    text = str(error)
    for hint in ("arbitrary pooled connection", "server_settings", "SET LOCAL", "transaction",
                 "without pool_min_size/pool_max_size"):
        assert hint in text, (hint, text)
    assert error.sqlstate is None


@pytest.mark.parametrize("statement", HARMLESS)
def test_statements_that_only_look_like_session_statements_run(api_factory, flavour, statement):
    api = api_factory(**ONE)
    run(api.execute(statement), api)


def test_session_statements_inside_a_transaction_are_reset_before_reuse(api_factory, flavour):
    """SET (not LOCAL) made in a transaction outlives its COMMIT; so do temporary tables (ON
    COMMIT PRESERVE ROWS), LISTEN and prepared statements: the backend resets the session
    before the connection goes back to the pool."""
    api = api_factory(**ONE)

    async def body():
        clean = (await api.rows(STATE))[0]
        async with api.transaction():
            for statement in ("SET search_path TO other", "SET statement_timeout = 12345",
                              "SET TIME ZONE 'Asia/Tokyo'", "CREATE TEMP TABLE t_tmp (id int)",
                              "LISTEN channel", "PREPARE p AS SELECT 1"):
                await api.execute(statement)
            inside = (await api.rows(STATE))[0]
        after = (await api.rows(STATE))[0]
        return clean, inside, after

    clean, inside, after = run(body(), api)
    assert inside["pid"] == clean["pid"] and after["pid"] == clean["pid"]  # one pooled session
    assert (inside["tz"], inside["sp"], inside["st"]) == ("Asia/Tokyo", "other", "12345ms")
    assert (inside["temps"], inside["prepared"]) == (1, 1)  # LISTEN takes effect at COMMIT
    assert after == clean, f"session state leaked to the next borrower: {after} != {clean}"


def test_setting_changed_by_a_function_is_reset(api_factory, flavour, table_name):
    """No statement text shows it: the settings the server reports are compared with their
    values at connect before the connection goes back to the pool."""
    api = api_factory(**ONE)
    function = f"{table_name}_tz"

    async def body():
        await api.execute(f"CREATE FUNCTION {function}() RETURNS text LANGUAGE sql AS "
                          f"$$ SELECT set_config('TimeZone', 'Asia/Tokyo', false) $$")
        try:
            clean = (await api.rows(STATE))[0]
            assert (await api.value(f"SELECT {function}() AS tz")) == "Asia/Tokyo"
            return clean, (await api.rows(STATE))[0]
        finally:
            await api.execute(f"DROP FUNCTION {function}()")

    clean, after = run(body(), api)
    assert after["pid"] == clean["pid"]
    assert after == clean


# -- #8: a wrong password on a pooled backend ------------------------------------------------

def test_wrong_password_fails_at_once_with_the_reason(pg_database, flavour, app_name):
    """The same error as without a pool (libpq gives no SQLSTATE for a failed connection
    attempt: ``sqlstate`` is None either way), not "pool initialization incomplete" after
    pool_timeout."""
    settings = dict(password="not-the-password", application_name=app_name)
    api = api_for(pg_database, flavour, pool_min_size=1, pool_max_size=2, pool_timeout=10, **settings)
    began = time.monotonic()
    with pytest.raises(ConnectionError) as caught:
        run(api.connect(), api)
    elapsed = time.monotonic() - began
    with pytest.raises(ConnectionError) as unpooled:
        run(api_for(pg_database, flavour, **settings).connect())
    assert elapsed < 5, f"waited {elapsed:.1f}s (pool_timeout=10) before reporting it"
    assert "password authentication failed" in str(caught.value)
    assert str(caught.value) == str(unpooled.value)
    assert type(caught.value) is type(unpooled.value)
    assert "not-the-password" not in str(caught.value)
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)


# -- #9: an exhausted pool ------------------------------------------------------------------

def test_exhausted_pool_raises_pool_exhausted_error(pg_database, flavour, app_name):
    """A transaction holds the only connection; a statement of another thread/task waits
    pool_timeout, then gets PoolExhaustedError (a ConnectionError) naming the limits."""
    from rhosocial.activerecord.backend.impl.postgres.retry import is_retryable_error

    api = api_for(pg_database, flavour, application_name=app_name, pool_min_size=1, pool_max_size=1,
                  pool_timeout=0.5)
    result = {}

    async def other():
        began = time.monotonic()
        try:
            await api.execute("SELECT 1")
        except BaseException as exc:  # noqa: BLE001 - recorded, checked below
            result["error"] = exc
        result["elapsed"] = time.monotonic() - began

    async def body():
        if flavour == "async":
            go = asyncio.Event()

            async def waiting():
                await go.wait()
                await other()
            task = asyncio.create_task(waiting())  # created outside the transaction: its own
            await api.begin()
            go.set()
            await asyncio.wait_for(task, 10)
        else:
            await api.begin()
            thread = threading.Thread(target=lambda: asyncio.run(other()))
            thread.start()
            thread.join(10)
        await api.rollback()

    run(body(), api)
    error = result.get("error")
    assert isinstance(error, ConnectionError), result
    assert "pool_max_size=1" in str(error) and "pool_timeout=0.5s" in str(error), str(error)
    assert isinstance(error, pg_errors.PoolExhaustedError)
    assert 0.3 < result["elapsed"] < 5, result
    assert not is_retryable_error(error)
    assert_no_leaks(pg_database.server, pg_database.dbname, app=app_name)
