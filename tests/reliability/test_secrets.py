"""Passwords never appear in errors, reprs or logs.

All log output is captured at DEBUG: a handler on the root logger and on every logger that
exists (the core's loggers have their own handlers and may not propagate), plus the
process's stderr/stdout (the core's default handlers write to stderr).
"""

from __future__ import annotations

import logging
import secrets
from contextlib import contextmanager

import pytest
from rhosocial.activerecord.backend.errors import ConnectionError
from rhosocial.activerecord.backend.impl.postgres import (
    AsyncPostgresBackend,
    PostgresBackend,
    PostgresConnectionConfig,
)

from .conftest import admin_connect, run


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        try:
            text = record.getMessage()
        except Exception:
            text = f"{record.msg!r} {record.args!r}"
        self.records.append(f"{record.name}: {text} {record.exc_text or ''}")
        if record.exc_info:
            import traceback
            self.records.append("".join(traceback.format_exception(*record.exc_info)))


@contextmanager
def capture_all_logs():
    """Every record any logger handles (loggers created later included), at DEBUG."""
    handler = _Collect()
    original = logging.Logger.handle

    def handle(self, record):
        handler.handle(record)
        return original(self, record)

    root = logging.getLogger()
    saved_levels = [(root, root.level)]
    for name in list(logging.Logger.manager.loggerDict):
        logger = logging.getLogger(name)
        saved_levels.append((logger, logger.level))
        if logger.level > logging.DEBUG:
            logger.setLevel(logging.DEBUG)
    root.setLevel(logging.DEBUG)
    logging.Logger.handle = handle
    try:
        yield handler.records
    finally:
        logging.Logger.handle = original
        for logger, level in saved_levels:
            logger.setLevel(level)


@pytest.fixture(scope="module")
def secret_role(fault_server, fault_db):
    """A login role with a distinctive password (SCRAM; host auth on the local server is scram-sha-256)."""
    name = "sec_" + secrets.token_hex(4)
    password = "Pw-" + secrets.token_urlsafe(12) + "-'\"%s"
    with admin_connect(fault_server) as conn:
        conn.execute("SET password_encryption = 'scram-sha-256'")
        from psycopg import sql
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name), sql.Literal(password)))
        conn.execute(sql.SQL("GRANT ALL ON DATABASE {} TO {}").format(sql.Identifier(fault_db.dbname),
                                                                       sql.Identifier(name)))
    yield name, password
    with admin_connect(fault_server) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
        from psycopg import sql
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))  # in postgres db
        with admin_connect(fault_server, fault_db.dbname) as dbconn:
            dbconn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def _backend(flavour, **kwargs):
    cls = AsyncPostgresBackend if flavour == "async" else PostgresBackend
    return cls(connection_config=PostgresConnectionConfig(**kwargs))  # default (core) logger, DEBUG


async def _maybe(result):
    import inspect
    return await result if inspect.isawaitable(result) else result


def test_password_absent_from_errors_reprs_and_logs(flavour, fault_server, fault_db, secret_role, capfd):
    user, password = secret_role
    wrong = password[::-1] + "-wrong"
    base = dict(host=fault_server.host, port=fault_server.port, database=fault_db.dbname, username=user)
    texts = []

    async def body():
        with capture_all_logs() as records:
            # 1. wrong password: a clear connection error
            bad = _backend(flavour, password=wrong, **base)
            texts.extend([repr(bad.config), str(bad.config), repr(bad)])
            with pytest.raises(ConnectionError) as info:
                await _maybe(bad.connect())
            message = str(info.value)
            assert "password authentication failed" in message and user in message
            texts.extend([message, repr(info.value), str(info.value.__cause__), str(info.value.__context__)])
            await _maybe(bad.disconnect())
            # same through a DSN and the execute path
            from psycopg.conninfo import make_conninfo
            bad_dsn = _backend(flavour, dsn=make_conninfo(host=fault_server.host, port=fault_server.port,
                                                          dbname=fault_db.dbname, user=user, password=wrong))
            texts.extend([repr(bad_dsn.config), str(bad_dsn.config)])
            with pytest.raises(ConnectionError) as info2:
                await _maybe(bad_dsn.execute("SELECT 1"))
            texts.extend([str(info2.value), repr(info2.value)])
            # 2. a successful session with statements, a transaction and a failing statement
            good = _backend(flavour, password=password, **base)
            texts.extend([repr(good.config), str(good.config), repr(good)])
            await _maybe(good.connect())
            await _maybe(good.introspect_and_adapt())
            await _maybe(good.execute("CREATE TEMP TABLE s (v text)"))
            tm = good.transaction_manager
            await _maybe(tm.begin())
            await _maybe(good.execute("INSERT INTO s VALUES (%s)", ("value",)))
            await _maybe(tm.commit())
            with pytest.raises(Exception) as info3:
                await _maybe(good.execute("SELECT * FROM no_such_table"))
            texts.append(str(info3.value))
            texts.append(repr(good.config.to_dict().get("host")))
            await _maybe(good.disconnect())
        texts.extend(records)
        return records

    records = run(body())
    out, err = capfd.readouterr()
    texts.extend([out, err])
    assert any("Connected to PostgreSQL" in r or "Executing SQL" in r for r in records), \
        "log capture saw nothing: the check would be vacuous"
    blob = "\n".join(texts)
    for secret in (password, wrong):
        assert secret not in blob, "a password leaked into errors/reprs/logs"
    assert "password=" not in repr(PostgresConnectionConfig(password=password, host="h"))


def test_scram_wrong_password_fails_clearly(flavour, fault_server, fault_db, secret_role):
    user, password = secret_role

    async def body():
        ok = _backend(flavour, host=fault_server.host, port=fault_server.port, database=fault_db.dbname,
                      username=user, password=password)
        assert (await _maybe(ok.execute("SELECT 1")) is not None)
        await _maybe(ok.disconnect())
        bad = _backend(flavour, host=fault_server.host, port=fault_server.port, database=fault_db.dbname,
                       username=user, password="nope")
        with pytest.raises(ConnectionError) as info:
            await _maybe(bad.connect())
        assert "password authentication failed" in str(info.value)
        assert "nope" not in str(info.value)

    run(body())
    with admin_connect(fault_server) as conn:
        method = conn.execute("SELECT rolpassword LIKE 'SCRAM-SHA-256$%%' FROM pg_authid WHERE rolname = %s",
                              (user,)).fetchone()[0]
        hba = conn.execute("SELECT DISTINCT auth_method FROM pg_hba_file_rules WHERE type = 'host'").fetchall()
    assert method, "role password is not stored as SCRAM"
    assert ("scram-sha-256",) in hba


@pytest.mark.parametrize("dsn", [
    "host=db user=u password='Secret-Pw-1234",            # unterminated quote
    "postgresql://u:Secret-Pw-1234@db:notaport/x",       # bad port in a URI
])
def test_unparsable_dsn_error_names_field_without_password(dsn):
    from rhosocial.activerecord.backend.impl.postgres.config import ConfigurationError

    with pytest.raises(ConfigurationError) as info:
        PostgresConnectionConfig(dsn=dsn)
    assert "dsn" in str(info.value) or "port" in str(info.value)
    assert "Secret-Pw-1234" not in str(info.value)


def test_unparsable_dsn_error_hides_password_fragment():
    from rhosocial.activerecord.backend.impl.postgres.config import ConfigurationError

    with pytest.raises(ConfigurationError) as info:
        PostgresConnectionConfig(dsn="host=db user=u password=correct horse-battery-staple")
    assert "dsn" in str(info.value)
    assert "horse-battery-staple" not in str(info.value)


@pytest.fixture
def word_password_role(fault_server, fault_db):
    """A login role whose password is an ordinary word that statements can echo."""
    from psycopg import sql

    name = "wrd_" + secrets.token_hex(4)
    with admin_connect(fault_server) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'users'").format(sql.Identifier(name)))
    yield name, "users"
    with admin_connect(fault_server) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def test_errors_are_not_a_password_oracle(flavour, fault_server, fault_db, word_password_role):
    """Masking the password wherever it appeared answered guesses: with the password
    'users', the error for SELECT 'users'::int came back as ... "***", and a relation
    orders_users_archive as orders_***_archive. Only passwords written as in a connection
    string are masked (redaction.py)."""
    from rhosocial.activerecord.backend.errors import DatabaseError

    user, password = word_password_role
    backend = _backend(flavour, host=fault_server.host, port=fault_server.port, database=fault_db.dbname,
                       username=user, password=password)

    async def body():
        await _maybe(backend.connect())
        messages = []
        for statement in ("SELECT 'users'::int", "SELECT * FROM orders_users_archive",
                          "SELECT 'host=h password=users'::int"):
            with pytest.raises(DatabaseError) as info:
                await _maybe(backend.execute(statement))
            messages.append(str(info.value))
        return messages

    messages = run(body(), backend)
    assert '"users"' in messages[0] and "***" not in messages[0]
    assert "orders_users_archive" in messages[1]
    assert "password=***" in messages[2] and "password=users" not in messages[2]


@pytest.mark.parametrize("text, masked", [
    ("invalid input syntax for type integer: \"users\"", "invalid input syntax for type integer: \"users\""),
    ("could not connect: host=a password=s3cret dbname=x", "could not connect: host=a password=*** dbname=x"),
    ("password = 'a b\\' c' rest", "password = *** rest"),
    ("PASSWORD=x", "PASSWORD=***"),
    ("see postgresql://bob:s3cret@db:5432/app", "see postgresql://bob:***@db:5432/app"),
    ("postgresql://bob@db/app", "postgresql://bob@db/app"),
])
def test_connection_string_passwords_are_masked(text, masked):
    from rhosocial.activerecord.backend.impl.postgres.redaction import redact_conninfo

    assert redact_conninfo(text) == masked


def test_connect_messages_mask_the_password_only_as_a_whole_token():
    from rhosocial.activerecord.backend.impl.postgres.redaction import redact_connect_message

    assert redact_connect_message("connection timeout expired", "x") == "connection timeout expired"
    assert redact_connect_message('could not translate host name "Pw-9" to address', "Pw-9") == \
        'could not translate host name "***" to address'
