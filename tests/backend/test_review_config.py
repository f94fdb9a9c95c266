"""PostgresConnectionConfig review fixes: merged option dicts, the core's generic names,
type validation at construction, server setting values that arrive verbatim, and the
top-level exports."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest
from rhosocial.activerecord.backend.config import CharsetMixin, ConnectionConfig, ConnectionPoolMixin, SSLMixin
from rhosocial.activerecord.backend.impl.postgres import PostgresConnectionConfig
from rhosocial.activerecord.backend.impl.postgres.config import ConfigurationError

from .conftest import DQL


async def _settings(db, *names):
    columns = ", ".join(f"current_setting('{name}') AS \"{name}\"" for name in names)
    return (await db.execute(f"SELECT {columns}", options=DQL)).data[0]


# -- 3: options + server_settings / libpq_options are merged ------------------------------

@pytest.mark.asyncio
async def test_options_merge_with_explicit_server_settings(backend_factory):
    db = await backend_factory(server_settings={"lock_timeout": "3s", "work_mem": "5MB"},
                               options={"work_mem": "9MB", "maintenance_work_mem": "70MB"})
    # explicit server_settings wins on the same key; the other routed keys are kept
    assert await _settings(db, "work_mem", "lock_timeout", "maintenance_work_mem") == {
        "work_mem": "5MB", "lock_timeout": "3s", "maintenance_work_mem": "70MB"}


def test_options_merge_with_explicit_libpq_options():
    given = {"keepalives_idle": 30, "fallback_application_name": "explicit"}
    config = PostgresConnectionConfig(libpq_options=given,
                                      options={"sslcompression": "0", "fallback_application_name": "fb"})
    assert config.libpq_options == {"sslcompression": "0", "keepalives_idle": 30,
                                    "fallback_application_name": "explicit"}
    assert given == {"keepalives_idle": 30, "fallback_application_name": "explicit"}  # not mutated


# -- 4: the core's generic names -------------------------------------------------------------

def test_generic_names_are_mapped():
    config = PostgresConnectionConfig(pool_size=7, pool_recycle=300, pool_pre_ping=True, charset="utf8mb4")
    assert config.pooled and config.pool_max_size == 7 and config.pool_max_lifetime == 300
    assert config.pool_check is True and config.client_encoding == "UTF8"
    assert "pool_size" not in config.server_settings and not config.server_settings
    assert PostgresConnectionConfig(ssl_verify=True).sslmode == "verify-full"
    assert PostgresConnectionConfig(ssl_verify_cert=True).sslmode == "verify-ca"
    assert PostgresConnectionConfig(ssl_verify=False).sslmode is None
    assert PostgresConnectionConfig(options={"pool_size": 3}).pool_max_size == 3


@pytest.mark.parametrize("kwargs, field, hint", [
    (dict(pool_name="p"), "pool_name", "application_name"),
    (dict(pool_reset_session=False), "pool_reset_session", "psycopg_pool"),
    (dict(ssl_ciphers="HIGH"), "ssl_ciphers", "ssl_ciphers"),
    (dict(collation="C"), "collation", "COLLATE"),
    (dict(use_timezone=True), "use_timezone", "timezone="),
    (dict(log_queries=True), "log_queries", "logging_config"),
    (dict(raise_on_warnings=True), "raise_on_warnings", "notices"),
    (dict(pool_size=0), "pool_size", "pool_max_size"),
    (dict(pool_size=4, pool_max_size=8), "pool_size", "pool_max_size"),
    (dict(charset="latin1", client_encoding="UTF8"), "charset", "client_encoding"),
    (dict(ssl_verify=True, sslmode="require"), "ssl_verify", "verify-full"),
    (dict(ssl_verify=False, sslmode="verify-ca"), "ssl_verify", "sslmode"),
])
def test_generic_names_without_meaning_are_refused(kwargs, field, hint):
    with pytest.raises(ConfigurationError, match=f"PostgresConnectionConfig.{field}:") as info:
        PostgresConnectionConfig(**kwargs)
    assert hint in str(info.value)


@pytest.mark.asyncio
async def test_generic_names_connect(backend_factory):
    db = await backend_factory(pool_size=2, pool_pre_ping=True, charset="utf8", pool_recycle=120)
    assert db.config.pooled and await _settings(db, "client_encoding") == {"client_encoding": "UTF8"}


def test_generic_config_with_mixins_converts(pg_database):
    @dataclass
    class Generic(ConnectionConfig, ConnectionPoolMixin, SSLMixin, CharsetMixin):
        pass

    kw = pg_database.conn_kwargs()
    untouched = PostgresConnectionConfig.from_generic(Generic(**kw))  # mixin defaults: nothing asked
    assert not untouched.pooled and untouched.client_encoding is None and not untouched.server_settings
    chosen = PostgresConnectionConfig.from_generic(Generic(**kw, pool_size=3, charset="LATIN1"))
    assert chosen.pool_max_size == 3 and chosen.client_encoding == "LATIN1"
    from rhosocial.activerecord.backend.impl.postgres import PostgresBackend

    backend = PostgresBackend(connection_config=Generic(**kw, charset="utf8"))
    try:
        assert backend.execute("SHOW client_encoding", options=DQL).data == [{"client_encoding": "UTF8"}]
    finally:
        backend.disconnect()


# -- 5: types are checked at construction ----------------------------------------------------

@pytest.mark.parametrize("kwargs, field", [
    (dict(keepalives="x"), "keepalives"),
    (dict(keepalives=5), "keepalives"),
    (dict(pool_check="yes"), "pool_check"),
    (dict(application_name=5), "application_name"),
    (dict(client_encoding=8), "client_encoding"),
    (dict(connect_timeout=True), "connect_timeout"),
    (dict(connect_timeout=2.5), "connect_timeout"),
    (dict(statement_timeout="abc"), "statement_timeout"),
    (dict(lock_timeout=-1), "lock_timeout"),
    (dict(idle_in_transaction_session_timeout=True), "idle_in_transaction_session_timeout"),
    (dict(channel_binding="maybe"), "channel_binding"),
    (dict(gssencmode="yes"), "gssencmode"),
    (dict(load_balance_hosts="roundrobin"), "load_balance_hosts"),
    (dict(sslrootcert=5), "sslrootcert"),
    (dict(search_path=5), "search_path"),
    (dict(read_replica_port="x"), "read_replica_port"),
    (dict(server_settings=["work_mem"]), "server_settings"),
    (dict(server_settings={"x.y": "a\x00b"}), "server_settings"),
])
def test_bad_types_fail_at_construction(kwargs, field):
    with pytest.raises(ConfigurationError, match=f"PostgresConnectionConfig.{field}:"):
        PostgresConnectionConfig(**kwargs)


def test_good_values_are_normalised():
    config = PostgresConnectionConfig(keepalives=True, connect_timeout="7", statement_timeout="1.5 min",
                                      lock_timeout=500, search_path=["app", "public"], pool_check=False)
    assert config.keepalives == 1 and config.connect_timeout == 7
    assert "-c search_path=\"app\",\\ \"public\"" in config.libpq_params()["options"]


# -- 6: setting values arrive verbatim -------------------------------------------------------

@pytest.mark.asyncio
async def test_server_setting_values_arrive_verbatim(backend_factory):
    value = "x\t-c\twork_mem=1MB\n-c work_mem=2MB\r\x0b\x0c \\ end\\"
    db = await backend_factory(server_settings={"myapp.note": value})
    found = await _settings(db, "myapp.note", "work_mem")
    assert found["myapp.note"] == value
    assert found["work_mem"] not in ("1MB", "2MB")


# -- 8: top-level exports ---------------------------------------------------------------------

def test_top_level_exports():
    from rhosocial.activerecord.backend.impl import postgres
    from rhosocial.activerecord.backend.impl.postgres.aio import retry_transaction as async_retry
    from rhosocial.activerecord.backend.impl.postgres.errors import ReadOnlyTransactionError, StatementTimeoutError
    from rhosocial.activerecord.backend.impl.postgres.retry import Backoff
    from rhosocial.activerecord.backend.impl.postgres.sync import retry_transaction

    assert postgres.retry_transaction is retry_transaction and postgres.async_retry_transaction is async_retry
    assert postgres.Backoff is Backoff and postgres.ConfigurationError is ConfigurationError
    assert postgres.StatementTimeoutError is StatementTimeoutError
    assert postgres.ReadOnlyTransactionError is ReadOnlyTransactionError
    assert {"retry_transaction", "async_retry_transaction", "Backoff"} <= set(postgres.__all__)


def test_missing_flavour_names_its_distribution():
    code = (
        "import sys\n"
        "sys.modules['rhosocial.activerecord.backend.impl.postgres.aio'] = None\n"
        "from rhosocial.activerecord.backend.impl.postgres import retry_transaction, Backoff\n"
        "try:\n"
        "    from rhosocial.activerecord.backend.impl.postgres import async_retry_transaction\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "rhosocial-activerecord-postgres-async" in out
